/* import: a registry file of this node's records, CSV or NDJSON. Pass 1 converts and checks
 * every row once (conversion, validation, duplicate keys) without writing anything, so a
 * file with errors imports nothing unless --skip-invalid sets its bad rows aside; it
 * spools each good row's record. Pass 2 (import_send.c) sends the spooled records to the
 * daemon in batches, each committed whole.
 *
 * The file is streamed: pass 1 keeps a hash per key and converts each row in one arena,
 * reset per row; the spool holds the checked records on disk, not in memory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <getopt.h>

#include "import.h"
#include "json.h"
#include "jurisdiction.h"
#include "validate.h"

#define SHOW_ERRORS 100 /* bad rows printed; the rest are counted */

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The one kind a file name names in words ("shanghai-enterprises.csv": any run of words
 * between other characters, as codec.c reads a kind); YX_KIND_NONE if none, and
 * *several set if more than one. */
static yx_kind_t kind_from_path(const char *path, bool *several)
{
	const char *base = strrchr(path, '/');
	yx_kind_t found = YX_KIND_NONE;

	base = base ? base + 1 : path;
	*several = false;
	for (const char *a = base; *a; a++) {
		if (!word_char(*a) || (a > base && word_char(a[-1])))
			continue;
		for (const char *e = a; *e; e++) {
			if (!word_char(*e) || word_char(e[1]))
				continue;
			yx_kind_t k = yx_kind_from_word(a, (size_t)(e - a) + 1);
			if (k != YX_KIND_NONE && found != YX_KIND_NONE && k != found)
				*several = true;
			if (k != YX_KIND_NONE)
				found = k;
		}
	}
	return found;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* By extension, else by the first byte that is not a BOM or white space. */
static format_t detect_format(const char *path, FILE *f)
{
	unsigned char head[64];
	size_t n, i = 0;

	if (has_suffix(path, ".csv"))
		return FMT_CSV;
	if (has_suffix(path, ".ndjson") || has_suffix(path, ".jsonl") || has_suffix(path, ".json"))
		return FMT_NDJSON;
	n = fread(head, 1, sizeof(head), f);
	rewind(f);
	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	return i < n && head[i] == '{' ? FMT_NDJSON : FMT_CSV;
}

/* ---- the keys seen: a duplicate row is an error ---- */

/* Two independent 64-bit hashes of (kind, id): equal keys are found by their hashes
 * alone, without keeping a million ids (a false match needs a 128-bit collision). */
typedef struct {
	uint64_t a, b;
	unsigned long line;
} key_slot_t;

typedef struct {
	key_slot_t *slots;
	size_t cap, n;
} keyset_t;

static void key_hash(yx_kind_t kind, const char *id, uint64_t *a, uint64_t *b)
{
	uint64_t h1 = 0xcbf29ce484222325ull ^ (uint64_t)kind,
	         h2 = 0x9e3779b97f4a7c15ull + (uint64_t)kind;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h1 = (h1 ^ *p) * 0x100000001b3ull;
		h2 = (h2 ^ *p) * 0xff51afd7ed558ccdull;
		h2 ^= h2 >> 29;
	}
	*a = h1 | 1; /* 0 marks a free slot */
	*b = h2;
}

/* Adds the key; returns 0, the line it was first seen on, or -1 out of memory. */
static long keyset_add(keyset_t *ks, yx_kind_t kind, const char *id, unsigned long line)
{
	uint64_t a, b;

	if (ks->n * 4 >= ks->cap * 3) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		key_slot_t *s = calloc(cap, sizeof(*s));
		if (!s)
			return -1;
		for (size_t i = 0; i < ks->cap; i++) {
			if (!ks->slots[i].a)
				continue;
			size_t k = ks->slots[i].a & (cap - 1);
			while (s[k].a)
				k = (k + 1) & (cap - 1);
			s[k] = ks->slots[i];
		}
		free(ks->slots);
		ks->slots = s;
		ks->cap = cap;
	}
	key_hash(kind, id, &a, &b);
	size_t k = a & (ks->cap - 1);
	for (; ks->slots[k].a; k = (k + 1) & (ks->cap - 1))
		if (ks->slots[k].a == a && ks->slots[k].b == b)
			return (long)ks->slots[k].line;
	ks->slots[k] = (key_slot_t){a, b, line};
	ks->n++;
	return 0;
}

/* Relay events and joint participations are steps of shared objects, which the daemon
 * takes only from the relay and joint commands (each checked against its case); a
 * sharing policy is written by the daemon from its config. */
static const char *not_importable(yx_kind_t kind)
{
	switch (kind) {
	case YX_KIND_POLICY:
		return "policy records are not imported: this node's daemon writes its own from "
		       "its config (peers/NAME/share)";
	case YX_KIND_RELAY_EVENT:
		return "relay-event records are not imported: yrdxctl relay writes them, "
		       "checking each step against its case";
	case YX_KIND_JOINT:
		return "joint records are not imported: yrdxctl joint writes them, checking "
		       "each step against its agreement";
	case YX_KIND_CHARTER:
		return "charter-vote records are not imported: yrdxctl charter propose and "
		       "charter sign write them, one vote per member in a round";
	default: return "records of this kind are not imported";
	}
}

/* A row that is another city's record, as `export` of every origin writes them: held in
 * another origin's log and not in this node's. YX_OK if not (or no store to ask). */
static int other_origin(import_t *im, yx_kind_t kind, const char *id, rowmsg_t *diag)
{
	uint8_t origin[YX_KEY_BYTES];
	char label[YX_NAME_LABEL_MAX];
	bool ours, other;
	int ret;
	if (!im->snap)
		return YX_OK;
	if ((ret = yx_snap_holder(im->snap, kind, id, im->has_origin ? im->origin : NULL, &ours,
	                          &other, origin)))
		return msg_set(diag, ret, "%s:%lu: reading the store: %s", im->src.path, im->src.at,
		               yx_strerror(ret));
	if (!other || ours)
		return YX_OK;
	return msg_set(diag, YX_EINVAL,
	               "%s:%lu: %s %.64s is a record of %s's log, synced here, not this "
	               "node's: import takes this node's own records (`yrdxctl export --mine` "
	               "writes only those)",
	               im->src.path, im->src.at, yx_kind_name(kind), id,
	               ctl_label(im->ctl, origin, YX_NAME_SHORT, label));
}

/* Checks one converted row: valid, small enough, its key not seen before. *packed is its
 * size packed when the import spools it (0 on a dry run, which counts it only near the
 * limit: text is never much smaller than its encoding). */
static int check_row(import_t *im, keyset_t *keys, yx_kind_t kind, void *record, size_t *packed,
                     rowmsg_t *diag)
{
	source_t *s = &im->src;
	yx_diag_t d; /* filled by what fails, read only then: not cleared for every row */
	Yrdx__Change c;
	int ret;

	if (!ctl_importable(kind))
		return msg_set(diag, YX_EINVAL, "%s:%lu: %s", s->path, s->at, not_importable(kind));
	import_wrap(&c, kind, record);
	if (s->fmt == FMT_CSV) {
		if ((ret = yx_csv_validate(s->header, &s->row, &c, &d)) != YX_OK)
			msg_set(diag, ret, "%s", d.msg);
	} else if ((ret = yx_validate_record(&c, &d)) != YX_OK) {
		msg_set(diag, ret, "%s:%lu: %s", s->path, s->at, d.msg);
	}
	if (ret)
		return ret;
	bool outside = im->charter && yx_jurisdiction_check(&im->juris, &c, YX_EINVAL, &d);
	/* Within the jurisdiction with a charter: a record of this node's, whoever else
	 * holds one of the same id (an enterprise relayed here). */
	if ((outside || !im->charter) && (ret = other_origin(im, kind, c.id, diag)))
		return ret;
	if (outside)
		return msg_set(diag, YX_EINVAL, "%s:%lu: %s%s %.64s: %s", s->path, s->at,
		               s->fmt == FMT_CSV ? "column city: " : "", yx_kind_name(kind), c.id,
		               d.msg);
	*packed = 0;
	if (!im->dry_run ||
	    s->raw_len + 16 * s->cells + ENVELOPE_BYTES + 256 > YX_MAX_CHANGE_BYTES) {
		*packed = protobuf_c_message_get_packed_size(record);
		if (*packed + ENVELOPE_BYTES > YX_MAX_CHANGE_BYTES)
			return msg_set(diag, YX_EINVAL,
			               "%s:%lu: record of %zu bytes encoded, at most %d", s->path,
			               s->at, *packed + ENVELOPE_BYTES, YX_MAX_CHANGE_BYTES);
	}
	long first = keyset_add(keys, kind, c.id, s->at);
	if (first < 0)
		return msg_set(diag, -ENOMEM, "out of memory");
	if (first > 0)
		return msg_set(diag, YX_EINVAL,
		               "%s:%lu: %s \"%.64s\" is also on line %ld (one row per record)",
		               s->path, s->at, yx_kind_key(kind), c.id, first);
	/* Last: a row that passes is noted as stored for the rows after it. */
	ret = yx_evalrules_check(im->rules, &c, &d);
	if (ret == YX_EINVAL && s->fmt == FMT_CSV) {
		yx_csv_diag(s->header, &s->row, ret, &d, &d);
		return msg_set(diag, ret, "%s", d.msg);
	}
	if (ret == YX_EINVAL)
		return msg_set(diag, ret, "%s:%lu: %s", s->path, s->at, d.msg);
	if (ret)
		return msg_set(diag, ret, "%s: the store in %s: %s", s->path,
		               im->ctl->cfg->data_dir, yx_strerror(ret));
	return YX_OK;
}

static int write_reject(import_t *im)
{
	source_t *s = &im->src;

	if (!im->rejects)
		return YX_OK;
	if (!im->rejects_header && s->fmt == FMT_CSV)
		fwrite(s->header_raw, 1, s->header_raw_len, im->rejects);
	im->rejects_header = true;
	fwrite(s->raw, 1, s->raw_len, im->rejects);
	if (s->raw_len && s->raw[s->raw_len - 1] != '\n')
		putc('\n', im->rejects);
	return ferror(im->rejects) ? -EIO : YX_OK;
}

static void report(import_t *im)
{
	source_t *s = &im->src;
	const char *kind = s->kind != YX_KIND_NONE ? yx_kind_name(s->kind) : NULL;

	if (im->ctl->json) {
		json_t *o =
		        json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "file", s->path, "format",
		                  s->fmt == FMT_CSV ? "csv" : "ndjson", "rows",
		                  (json_int_t)im->rows, "valid", (json_int_t)(im->rows - im->bad),
		                  "rejected", (json_int_t)im->bad, "dry_run", im->dry_run);
		json_object_set_new(o, "kind", kind ? json_string(kind) : json_null());
		if (!im->dry_run) {
			json_object_set_new(o, "imported", json_integer((json_int_t)im->imported));
			json_object_set_new(o, "unchanged",
			                    json_integer((json_int_t)im->unchanged));
			json_object_set_new(o, "relocated",
			                    json_integer((json_int_t)im->relocated));
		}
		if (im->rejects)
			json_object_set_new(o, "rejects", json_string(im->rejects_path));
		ctl_print_json(o);
		return;
	}
	if (im->dry_run) {
		printf("%s: %llu rows checked: %llu valid, %llu invalid (dry run: nothing "
		       "written)\n",
		       s->path, (unsigned long long)im->rows,
		       (unsigned long long)(im->rows - im->bad), (unsigned long long)im->bad);
		return;
	}
	printf("%s: %llu rows: %llu imported, %llu unchanged, %llu rejected", s->path,
	       (unsigned long long)im->rows, (unsigned long long)im->imported,
	       (unsigned long long)im->unchanged, (unsigned long long)im->bad);
	if (im->bad && im->rejects)
		printf(" (written to %s)", im->rejects_path);
	if (im->relocated)
		printf("; %llu of the unchanged left this city through relay cases (已迁出): "
		       "their records follow the cases",
		       (unsigned long long)im->relocated);
	putchar('\n');
}

/* A bad row: shown (the first SHOW_ERRORS), counted, set aside. EXIT_OK or an exit code,
 * printed. */
static int row_refused(import_t *im, const rowmsg_t *diag)
{
	if (++im->bad <= SHOW_ERRORS)
		fprintf(stderr, "%s\n", diag->msg);
	if (write_reject(im) != YX_OK)
		return ctl_fail(EXIT_FAIL, "%s: %s", im->rejects_path, strerror(errno));
	return EXIT_OK;
}

/* Pass 1: every row converted and checked once; the good ones spooled for pass 2 (not on
 * a dry run), nothing sent. */
static int pass_check(import_t *im)
{
	source_t *s = &im->src;
	keyset_t keys = {0};
	yx_arena_t arena;
	rowmsg_t diag;
	yx_kind_t kind;
	void *record;
	size_t packed = 0;
	int rc, got = 0;

	yx_arena_init(&arena);
	if ((rc = source_open(s)) || (!im->dry_run && (rc = spool_open(&im->spool))))
		goto out;
	/* One read view for the whole check, not one per row; pass 1 reads the file only,
	 * so it is held seconds, and closed before anything is sent. */
	int sret = im->store ? yx_snap_open(im->store, &im->snap) : YX_OK;
	if (sret) {
		rc = ctl_fail(EXIT_FAIL, "%s: reading the store: %s", s->path, yx_strerror(sret));
		goto out;
	}
	im->t0 = import_now();
	while (rc == EXIT_OK && (got = source_next(s, &arena, &kind, &record, &diag)) > 0) {
		int ret = record ? check_row(im, &keys, kind, record, &packed, &diag) : YX_EINVAL;
		if (ret == -ENOMEM)
			rc = ctl_fail(EXIT_FAIL, "out of memory");
		else if (ret && ret != YX_EINVAL)
			rc = ctl_fail(EXIT_FAIL, "%s", diag.msg);
		else if (ret)
			rc = row_refused(im, &diag);
		else if (!im->dry_run)
			rc = spool_put(&im->spool, kind, s->at, record, packed);
		source_drop(s, kind, &record);
		yx_arena_reset(&arena);
		if ((++im->rows & 1023) == 0)
			import_progress(im, "checking", im->rows, 0, false);
	}
	import_progress(im, "checking", im->rows, 0, true);
	if (im->bad > SHOW_ERRORS)
		fprintf(stderr, "... and %llu more invalid rows\n",
		        (unsigned long long)(im->bad - SHOW_ERRORS));
	if (rc == EXIT_OK && got < 0)
		rc = ctl_fail(diag.err == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	else if (rc == EXIT_OK && s->fmt == FMT_NDJSON && im->rows == 0)
		rc = ctl_fail(EXIT_USAGE, "%s: empty file", s->path);
out:
	yx_snap_close(&im->snap);
	yx_arena_free(&arena);
	free(keys.slots);
	source_close(s);
	return rc;
}

/* What the file holds: its kind (kind_arg, or what its name says) and its format. EXIT_OK
 * or an exit code, printed. */
static int import_target(import_t *im, const char *kind_arg)
{
	source_t *s = &im->src;
	bool several = false;
	FILE *probe;

	if (kind_arg) {
		int rc = ctl_kind("import", kind_arg, &s->kind);
		if (rc)
			return rc;
	} else {
		s->kind = kind_from_path(s->path, &several);
		if (several)
			return ctl_fail(EXIT_USAGE,
			                "import: %s names more than one kind of record; "
			                "say which with --kind",
			                s->path);
	}
	if (s->kind != YX_KIND_NONE && !ctl_importable(s->kind))
		return ctl_fail(EXIT_USAGE, "import: %s", not_importable(s->kind));
	if (!(probe = fopen(s->path, "rb")))
		return ctl_fail(EXIT_USAGE, "%s: %s", s->path, strerror(errno));
	s->fmt = detect_format(s->path, probe);
	fclose(probe);
	if (im->rejects_path && strcmp(im->rejects_path, s->path) == 0)
		return ctl_fail(EXIT_USAGE, "import: the rejects file must not be the input file");
	return EXIT_OK;
}

/* The store the rows are checked against, read-only, as the daemon has it (none yet:
 * im->store stays NULL, nothing stored), its own log's origin, and the names of nodes.
 * EXIT_OK or an exit code, printed. */
static int import_store(import_t *im)
{
	yx_diag_t diag = {{0}};
	int rc = ctl_need_config(im->ctl);
	if (rc)
		return rc;
	int ret = yx_store_open(im->ctl->cfg->data_dir, YX_STORE_READONLY, 0, &im->store, &diag);
	if (ret == -ENOENT)
		return EXIT_OK;
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s", diag.msg[0] ? diag.msg : yx_strerror(ret));
	im->has_origin = yx_store_node_key(im->store, im->origin) == YX_OK;
	return ctl_names(im->ctl, im->store);
}

/* The jurisdiction (管辖范围) the rows must keep to, when a charter is installed: this
 * node's member entry in the current version (from the store), or its own city while the
 * charter does not name it. No store yet, no charter: nothing to keep to. The daemon
 * checks every record again as it writes it. EXIT_OK or an exit code, printed. */
static int import_jurisdiction(import_t *im)
{
	yx_charter_chain_t *chain = NULL;
	yx_diag_t diag = {{0}};
	uint8_t *bytes = NULL, self[32];
	size_t len = 0;
	int rc = EXIT_OK, ret;
	if (!im->store)
		return EXIT_OK;
	ret = yx_store_charter_get(im->store, &bytes, &len);
	if (ret == YX_ENOTFOUND)
		return EXIT_OK;
	if (ret == YX_OK)
		ret = yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag);
	free(bytes);
	if (ret)
		return ctl_fail(EXIT_FAIL, "the charter in %s: %s", im->ctl->cfg->data_dir,
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	if ((rc = ctl_self_key(im->ctl, self)) == EXIT_OK) {
		const yx_charter_t *cur = yx_charter_chain_current(chain);
		/* The key file's key is the log's origin, or the key it was rotated to. */
		const yx_member_t *m = yx_charter_member_by_origin(cur, self);
		if (!m)
			m = yx_charter_member_by_key(cur, self);
		if (m)
			im->juris = *m;
		else
			yx_jurisdiction_own(&im->juris, im->ctl->cfg->name, im->ctl->cfg->city);
		im->charter = true;
	}
	yx_charter_chain_free(&chain);
	return rc;
}

/* The checker of evaluations (evalrules.h), on the store read-only as the daemon has it
 * (none yet: nothing stored) and this node's own log: the store's origin, or the key
 * file's while the store has none. The daemon checks every batch again as it writes
 * it. EXIT_OK or an exit code, printed. */
static int import_rules(import_t *im)
{
	uint8_t self[YX_KEY_BYTES];
	int rc = EXIT_OK;
	if (im->has_origin)
		memcpy(self, im->origin, YX_KEY_BYTES);
	else
		rc = ctl_self_key(im->ctl, self);
	if (rc == EXIT_OK && yx_evalrules_new(im->store, self, &im->rules) != YX_OK)
		rc = ctl_fail(EXIT_FAIL, "out of memory");
	return rc;
}

/* The rejects file holds the rows as they were, confidential figures included:
 * owner-only whatever the umask, and an existing file is made so before it is
 * truncated. NULL with errno set on failure. */
static FILE *rejects_open(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = NULL;
	if (fchmod(fd, 0600) == 0 && ftruncate(fd, 0) == 0)
		f = fdopen(fd, "w");
	if (!f) {
		int err = errno;
		close(fd);
		errno = err;
	}
	return f;
}

int cmd_import(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE import [--kind KIND] [--dry-run] [--skip-invalid REJECTS]\n"
	        "                              FILE\n"
	        "Imports a registry file as records of this node: CSV (FILE.csv, a header row of\n"
	        "field names) or NDJSON (FILE.ndjson / .jsonl: one JSON object per line, as put\n"
	        "reads them, or {\"kind\": K, \"record\": {...}} as export writes several kinds).\n"
	        "KIND (incubator, enterprise, park, evaluation, or a plural) defaults to the\n"
	        "kind the file name names, e.g. shanghai-enterprises.csv, else for a CSV the\n"
	        "one kind whose columns its header names. (Relay events, joints and charter\n"
	        "votes are written by the commands that check each step.) Rows that are\n"
	        "another city's records, synced here (an export of every origin), are refused\n"
	        "by name: `export --mine` writes what import takes back.\n"
	        "Every row is checked first (with a charter installed, an incubator, enterprise\n"
	        "or park must be of a city in this node's jurisdiction, 管辖范围; an evaluation\n"
	        "of an incubator of this node's registry, live, with 启动建设经费 once in its\n"
	        "earliest period and 年度运营补贴 once a year: the store and the rows above\n"
	        "count, so one file may hold incubators and their evaluations); if any is\n"
	        "invalid, they are listed (the first 100) and nothing is imported, unless\n"
	        "--skip-invalid writes them to REJECTS (the header and each bad row as it was)\n"
	        "and imports the rest. The checked records\n"
	        "wait in a temporary file in TMPDIR (default /tmp; about the file's size).\n"
	        "Records equal to this node's current version are left alone, so importing a\n"
	        "file again changes nothing. --dry-run only checks (the node need not run).\n"
	        "Rows are written in batches of up to 5000, each committed whole or not at\n"
	        "all. If the import stops half way (the node stopped, its disk or map is\n"
	        "full) it says how many rows were committed; running it again completes it.\n"
	        "CSV columns: proto field names, parent.child for nested fields; lists as\n"
	        "a;b;c; evaluation scores as talent:80;hard_tech_origination:75.\n"
	        "Exit codes: 0 imported, 1 the node failed or is not running, 2 invalid input.\n";
	static const struct option opts[] = {
	        {"kind", required_argument, NULL, 'k'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"skip-invalid", required_argument, NULL, 's'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	import_t im = {.ctl = ctl};
	yx_ctl_t *conn = NULL;
	const char *kind_arg = NULL;
	int opt, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': kind_arg = optarg; break;
		case 'n': im.dry_run = true; break;
		case 's': im.rejects_path = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: fputs(help, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ctl_fail(EXIT_USAGE, "import: expected one FILE (see --help)");
	im.src.path = argv[optind];
	if ((rc = import_target(&im, kind_arg)) || (rc = import_store(&im)) ||
	    (rc = import_jurisdiction(&im)) || (rc = import_rules(&im)))
		goto out;
	im.progress = isatty(STDERR_FILENO);

	if (!im.dry_run) {
		if ((rc = ctl_connect(ctl, &conn)) || (rc = import_ready(&im, conn)))
			goto out;
		if (im.rejects_path && !(im.rejects = rejects_open(im.rejects_path))) {
			rc = ctl_fail(EXIT_USAGE, "%s: %s", im.rejects_path, strerror(errno));
			goto out;
		}
	}
	if ((rc = pass_check(&im)))
		goto out;
	if (im.bad && !im.rejects_path) {
		rc = ctl_fail(EXIT_USAGE,
		              "import: %llu invalid row%s in %s; nothing imported (fix "
		              "them, or --skip-invalid REJECTS imports the rest)",
		              (unsigned long long)im.bad, im.bad == 1 ? "" : "s", im.src.path);
		goto out;
	}
	if (im.rejects && fflush(im.rejects) != 0) {
		rc = ctl_fail(EXIT_FAIL, "%s: %s", im.rejects_path, strerror(errno));
		goto out;
	}
	/* The tip again: rows counted after a crash are what the log grew by since. */
	if (!im.dry_run && ((rc = import_ready(&im, conn)) || (rc = import_send(&im, conn))))
		goto out;
	report(&im);
out:
	if (im.rejects && fclose(im.rejects) != 0 && rc == EXIT_OK)
		rc = ctl_fail(EXIT_FAIL, "%s: %s", im.rejects_path, strerror(errno));
	spool_close(&im.spool);
	yx_ctl_close(&conn);
	yx_evalrules_free(&im.rules);
	yx_store_close(&im.store);
	return rc;
}
