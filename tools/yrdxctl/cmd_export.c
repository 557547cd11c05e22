/* export: the store's current records as NDJSON or CSV that import reads back, read from
 * the store directly (read-only: the daemon may be running or stopped). One snapshot per
 * export; records written straight to one large stdio buffer, with no per-record JSON
 * tree (json.c's yx_record_write_json). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <getopt.h>

#include "csvrec.h"
#include "figures.h"
#include "json.h"
#include "keys.h"
#include "validate.h"
#include "yrdxctl.h"

#define OUT_BUFFER (1u << 20)

typedef struct {
	yx_kind_t kind; /* YX_KIND_NONE: every kind */
	uint32_t city;
	bool have_origin;
	uint8_t origin[YX_KEY_BYTES];
	/* --mine: the kinds import takes back, nothing else */
	bool registry_only;
	bool csv;
	FILE *out;
	uint64_t n;
	int err;
	yx_store_t *store; /* for the enterprise figures joined to an enterprise export */
	const ProtobufCFieldDescriptor *city_field[YX_KIND_COUNT];
} export_t;

/* The record's city (GB/T 2260), 0 for kinds that have none. */
static uint32_t record_city(const export_t *ex, yx_kind_t kind, const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f = ex->city_field[kind];
	return f ? *(const uint32_t *)((const char *)m + f->offset) : 0;
}

/* One NDJSON line, written straight from the record (no jansson tree per record). */
static int write_json(export_t *ex, yx_kind_t kind, const ProtobufCMessage *m, bool envelope)
{
	int ret;

	if (envelope)
		fprintf(ex->out, "{\"kind\":\"%s\",\"record\":", yx_kind_name(kind));
	ret = yx_record_write_json(ex->out, kind, m);
	if (envelope)
		putc('}', ex->out);
	putc('\n', ex->out);
	return ret;
}

static int visit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const Yrdx__Change *c)
{
	export_t *ex = arg;
	yx_kind_t kind = yx_change_body_kind(c);
	const ProtobufCMessage *body = yx_change_body(c);
	(void)seq;

	if (kind == YX_KIND_NONE || !body)
		return 0;
	if (ex->have_origin && memcmp(origin, ex->origin, YX_KEY_BYTES) != 0)
		return 0;
	if (ex->registry_only && !ctl_importable(kind))
		return 0;
	if (ex->city && record_city(ex, kind, body) != ex->city)
		return 0;
	/* An export of enterprises carries their figures where this store holds them (at
	 * the origin, or a city it named), as import takes them; an export of every kind
	 * has the figures records themselves. */
	Yrdx__Change *fig = NULL;
	Yrdx__Enterprise *e = ex->kind == YX_KIND_ENTERPRISE && kind == YX_KIND_ENTERPRISE
	                              ? (Yrdx__Enterprise *)(uintptr_t)body
	                              : NULL;
	yx_figures_join(ex->store, origin, e, &fig);
	if (ex->csv)
		ex->err = yx_csv_write_record(ex->out, kind, body);
	else
		ex->err = write_json(ex, kind, body, ex->kind == YX_KIND_NONE);
	yx_figures_unjoin(e, &fig);
	if (ex->err)
		return 1;
	ex->n++;
	return 0;
}

static const char export_help[] =
        "usage: yrdxctl -c FILE export [--kind KIND] [--city CODE] [--origin NAME|KEY|--mine]\n"
        "                              [--format ndjson|csv] [--bom] [--output FILE]\n"
        "Writes the current records this node holds (its own and every origin's it\n"
        "syncs with, unless --origin picks one: a member's name, self, a peer's name or a\n"
        "public key in full) in the form import reads back:\n"
        "  ndjson  one record per line; without --kind each line is\n"
        "          {\"kind\": K, \"record\": {...}} (the default format)\n"
        "  csv     a header row and one row per record; needs --kind. --bom starts the\n"
        "          file with a UTF-8 byte order mark, for spreadsheet programs\n"
        "--mine writes what import takes back at this node: its own records of the kinds\n"
        "import takes (incubator, enterprise, park, evaluation, financials; relay steps,\n"
        "joints and charter votes are written by the commands that check them). An\n"
        "export of every origin is for reading: import refuses another city's records,\n"
        "naming them.\n"
        "--city keeps records of one city (code, name or node, e.g. 310000, 上海 or\n"
        "shanghai); kinds\n"
        "without a city (relay events, joints, evaluations) are left out then.\n"
        "Reads the store directly: the node may be running or stopped. --output writes\n"
        "FILE (mode 0600: it may hold confidential figures) only once it is complete.\n";

/* What the command line asks for besides the filters, which go straight into export_t. */
typedef struct {
	const char *origin; /* --origin, NULL: every origin */
	const char *city;   /* --city, NULL: every city */
	bool mine;          /* --mine: what import takes back here */
	const char *output; /* --output, NULL: stdout */
	const char *format; /* "ndjson" or "csv" */
	bool bom;
	bool help; /* --help: printed, nothing else to do */
} export_args_t;

/* Fills ex->city_field: the kinds whose records carry one city (a uint32 "city"). */
static void city_fields_find(export_t *ex)
{
	for (int k = YX_KIND_INCUBATOR; k < YX_KIND_COUNT; k++) {
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
		        yx_kind_descriptor((yx_kind_t)k), "city");
		if (f && f->type == PROTOBUF_C_TYPE_UINT32 && f->label != PROTOBUF_C_LABEL_REPEATED)
			ex->city_field[k] = f;
	}
}

/* Parses and checks the options into ex (kind, city, csv, city fields) and a. Returns
 * EXIT_OK, or EXIT_USAGE having said why. */
static int export_parse_args(int argc, char **argv, export_t *ex, export_args_t *a)
{
	static const struct option opts[] = {
	        {"kind", required_argument, NULL, 'k'},
	        {"city", required_argument, NULL, 'c'},
	        {"origin", required_argument, NULL, 'o'},
	        {"format", required_argument, NULL, 'f'},
	        {"output", required_argument, NULL, 'w'},
	        {"bom", no_argument, NULL, 'b'},
	        {"mine", no_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			if (ctl_kind("export", optarg, &ex->kind))
				return EXIT_USAGE;
			break;
		case 'c': a->city = optarg; break;
		case 'o': a->origin = optarg; break;
		case 'm': a->mine = true; break;
		case 'f': a->format = optarg; break;
		case 'w': a->output = optarg; break;
		case 'b': a->bom = true; break;
		case 'h':
			fputs(export_help, stdout);
			a->help = true;
			return EXIT_OK;
		default: fputs(export_help, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return ctl_fail(EXIT_USAGE, "export: unexpected \"%s\" (see --help)", argv[optind]);
	if (strcmp(a->format, "csv") == 0)
		ex->csv = true;
	else if (strcmp(a->format, "ndjson") != 0)
		return ctl_fail(EXIT_USAGE, "export: --format %s: expected ndjson or csv",
		                a->format);
	if (ex->csv && ex->kind == YX_KIND_NONE)
		return ctl_fail(EXIT_USAGE,
		                "export: a CSV file holds one kind of record: add --kind");
	if (a->bom && !ex->csv)
		return ctl_fail(EXIT_USAGE, "export: --bom is for CSV");
	city_fields_find(ex);
	if (a->city && ex->kind != YX_KIND_NONE && !ex->city_field[ex->kind])
		return ctl_fail(EXIT_USAGE, "export: %s records have no city",
		                yx_kind_name(ex->kind));
	return EXIT_OK;
}

/* Points ex->out at stdout, or at a new temporary file beside output (its name in *tmp,
 * the caller's to unlink and free) that is renamed to output once complete. Returns
 * EXIT_OK or EXIT_FAIL having said why. */
static int output_open(const char *output, export_t *ex, char **tmp)
{
	if (!output) {
		ex->out = stdout;
		return EXIT_OK;
	}
	if (asprintf(tmp, "%s.XXXXXX", output) < 0) {
		*tmp = NULL;
		return ctl_fail(EXIT_FAIL, "out of memory");
	}
	int fd = mkstemp(*tmp);
	if (fd < 0 || !(ex->out = fdopen(fd, "w"))) {
		int rc = ctl_fail(EXIT_FAIL, "%s: %s", output, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	return EXIT_OK;
}

/* Writes every record that passes ex's filters to ex->out, flushed. Returns EXIT_OK or
 * EXIT_FAIL having said why. */
static int records_write(yx_store_t *store, export_t *ex, bool bom)
{
	setvbuf(ex->out, NULL, _IOFBF, OUT_BUFFER);
	if (bom)
		fputs("\xEF\xBB\xBF", ex->out);
	if (ex->csv)
		yx_csv_write_header(ex->out, ex->kind);
	ex->store = store;
	int ret = yx_store_scan(store, ex->kind, visit, ex);
	if (ret == 1)
		ret = ex->err;
	if (ret == YX_OK && fflush(ex->out) != 0)
		ret = -errno;
	if (ret == YX_OK && ferror(ex->out))
		ret = -EIO;
	if (ret)
		return ctl_fail(EXIT_FAIL, "export: %s",
		                ret == YX_EINVAL
		                        ? "a record has a field CSV cannot hold; use ndjson"
		                : ret < 0 && ret > -1000 ? strerror(-ret)
		                                         : yx_strerror(ret));
	return EXIT_OK;
}

/* Puts the complete temporary file *tmp at a->output (synced, then renamed; *tmp freed
 * and nulled once it is gone) and says how many records it holds. ex->out is closed
 * and nulled either way. Returns EXIT_OK or EXIT_FAIL having said why. */
static int output_install(ctl_t *ctl, export_t *ex, const export_args_t *a, char **tmp)
{
	if (fsync(fileno(ex->out)) != 0 || fclose(ex->out) != 0) {
		ex->out = NULL;
		return ctl_fail(EXIT_FAIL, "%s: %s", a->output, strerror(errno));
	}
	ex->out = NULL;
	if (rename(*tmp, a->output) != 0)
		return ctl_fail(EXIT_FAIL, "%s: %s", a->output, strerror(errno));
	free(*tmp);
	*tmp = NULL;
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:I, s:s}", "output", a->output, "records",
		                         (json_int_t)ex->n, "format", a->format));
	else
		printf("%s: %llu record%s\n", a->output, (unsigned long long)ex->n,
		       ex->n == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_export(ctl_t *ctl, int argc, char **argv)
{
	export_t ex = {.kind = YX_KIND_NONE};
	export_args_t a = {.format = "ndjson"};
	char *tmp = NULL;
	yx_store_t *store = NULL;
	int rc;

	if ((rc = export_parse_args(argc, argv, &ex, &a)) != EXIT_OK || a.help)
		return rc;
	if ((rc = ctl_need_config(ctl)))
		return rc;
	if (a.mine && a.origin)
		return ctl_fail(EXIT_USAGE,
		                "export: --mine is this node's own records: no --origin");
	if (a.mine && ex.kind != YX_KIND_NONE && !ctl_importable(ex.kind))
		return ctl_fail(EXIT_USAGE,
		                "export: --mine writes what import takes back: %s records are not "
		                "imported",
		                yx_kind_name(ex.kind));
	if (a.mine)
		a.origin = "self";
	if (a.origin && (rc = ctl_origin(ctl, "export: --origin", a.origin, ex.origin)))
		return rc;
	if (a.city && (rc = ctl_city(ctl, "export: --city", a.city, &ex.city)))
		return rc;
	ex.have_origin = a.origin != NULL;
	if ((rc = ctl_open_store(ctl, &store)))
		return rc;
	ex.registry_only = a.mine;
	if ((rc = output_open(a.output, &ex, &tmp)) != EXIT_OK)
		goto out;
	if ((rc = records_write(store, &ex, a.bom)) != EXIT_OK)
		goto out;
	if (a.output)
		rc = output_install(ctl, &ex, &a, &tmp);
out:
	if (ex.out && ex.out != stdout)
		fclose(ex.out);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	yx_store_close(&store);
	return rc;
}
