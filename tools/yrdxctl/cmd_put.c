/* put, retract: single records (or a few) of this node, written through the daemon so
 * the change log, its signed heads and the live push to peers stay correct. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "json.h"
#include "keys.h"
#include "validate.h"
#include "wire.h"
#include "yrdxctl.h"

#define PUT_TIMEOUT_MS 30000

/* Prints the reply of a write: why command refused it, nothing written (exit 2 for bad
 * input), or what was done ("put 3 records"). */
static int report_write(ctl_t *ctl, Yrdx__ControlReply *r, const char *command, const char *done)
{
	int rc = EXIT_OK;
	if (r->error) {
		rc = ctl_fail(r->error == YX_EINVAL || r->error == YX_ENOTFOUND ||
		                              r->error == YX_EDECODE
		                      ? EXIT_USAGE
		                      : EXIT_FAIL,
		              "%s: refused, nothing written: %s", command, r->message);
	} else if (ctl->json) {
		ctl_print_json(json_pack("{s:i, s:I}", "applied", (int)r->applied, "head_seq",
		                         (json_int_t)(r->head ? r->head->seq : 0)));
	} else {
		printf("%s %u record%s; log head at seq %llu\n", done, r->applied,
		       r->applied == 1 ? "" : "s",
		       (unsigned long long)(r->head ? r->head->seq : 0));
	}
	yrdx__control_reply__free_unpacked(r, NULL);
	return rc;
}

typedef struct {
	yx_kind_t kind;
	Yrdx__Change **changes;
	size_t n, cap;
} records_t;

static int add_record(records_t *rs, const json_t *obj, const char *where)
{
	void *record = NULL;
	yx_diag_t diag = {{0}};
	if (yx_json_to_record(rs->kind, obj, &record, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "%s: %s", where, diag.msg);
	if (yx_grow(rs->changes, rs->cap, rs->n + 1, 16)) {
		yx_record_free(rs->kind, &record);
		return ctl_fail(EXIT_FAIL, "out of memory");
	}
	Yrdx__Change *c = calloc(1, sizeof(*c));
	if (!c) {
		yx_record_free(rs->kind, &record);
		return ctl_fail(EXIT_FAIL, "out of memory");
	}
	yrdx__change__init(c);
	yx_change_set_body(c, rs->kind, record);
	c->id = (char *)yx_change_body_id(c);
	rs->changes[rs->n++] = c;
	return EXIT_OK;
}

static void records_free(records_t *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		void *record = (void *)yx_change_body(rs->changes[i]);
		yx_record_free(rs->kind, &record);
		free(rs->changes[i]);
	}
	free(rs->changes);
}

/* Validates every record here, as the daemon would: the first invalid one fails. */
static int check_records(const records_t *rs, const char *path)
{
	for (size_t i = 0; i < rs->n; i++) {
		yx_diag_t diag = {{0}};
		if (yx_validate_record(rs->changes[i], &diag) != YX_OK)
			return ctl_fail(EXIT_USAGE, "%s: record %zu (%s %.64s): %s", path, i + 1,
			                yx_kind_name(rs->kind),
			                rs->changes[i]->id ? rs->changes[i]->id : "", diag.msg);
	}
	return EXIT_OK;
}

/* A file holds one JSON object, an array of them, or one object per line (NDJSON). */
static int read_records(records_t *rs, const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, JSON_DECODE_ANY, &err);
	char where[4200];
	int rc = EXIT_OK;
	if (doc) {
		if (json_is_object(doc)) {
			snprintf(where, sizeof(where), "%s", path);
			rc = add_record(rs, doc, where);
		} else if (json_is_array(doc)) {
			size_t i;
			json_t *v;
			json_array_foreach(doc, i, v)
			{
				snprintf(where, sizeof(where), "%s: record %zu", path, i + 1);
				if ((rc = add_record(rs, v, where)))
					break;
			}
		} else {
			rc = ctl_fail(EXIT_USAGE,
			              "%s: expected a JSON object or an array of objects", path);
		}
		json_decref(doc);
		return rc;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return ctl_fail(EXIT_USAGE, "%s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	for (int lineno = 1; (len = getline(&line, &cap, f)) >= 0; lineno++) {
		if (strspn(line, " \t\r\n") == (size_t)len)
			continue;
		json_t *obj = json_loadb(line, (size_t)len, 0, &err);
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (!obj) {
			rc = ctl_fail(EXIT_USAGE, "%s:%d:%d: %s", path, lineno, err.column,
			              err.text);
			break;
		}
		rc = json_is_object(obj)
		             ? add_record(rs, obj, where)
		             : ctl_fail(EXIT_USAGE, "%s: expected a JSON object", where);
		json_decref(obj);
		if (rc)
			break;
	}
	free(line);
	fclose(f);
	return rc;
}

int cmd_put(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE put [--dry-run] KIND FILE.json\n"
	        "Writes records of this node: FILE.json holds one JSON object, an array, or\n"
	        "one object per line. KIND: incubator, enterprise, park, relay-event, joint,\n"
	        "evaluation. All are validated first; if any is invalid nothing is written.\n"
	        "An evaluation is of an incubator of this node's registry (live, or earlier in\n"
	        "the file), scores each of the five dimensions once, 0..100, and follows the\n"
	        "funding phases: 启动建设经费 once, in the earliest evaluated period; "
	        "年度运营补贴\n"
	        "once a calendar year; 里程碑奖励 only with result excellent or passed.\n"
	        "--dry-run: the node checks everything and writes nothing.\n";
	records_t rs = {0};
	bool dry_run = false;
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__PutRequest put = YRDX__PUT_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc > 1 && strcmp(argv[1], "--dry-run") == 0) {
		dry_run = true;
		argv++;
		argc--;
	}
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "put: expected KIND FILE.json (see --help)");
	int rc = ctl_kind("put", argv[1], &rs.kind);
	if (rc)
		return rc;
	rc = read_records(&rs, argv[2]);
	if (rc == EXIT_OK && rs.n == 0)
		rc = ctl_fail(EXIT_USAGE, "%s: no records", argv[2]);
	if (rc == EXIT_OK) {
		put.changes = rs.changes;
		put.n_changes = rs.n;
		put.dry_run = dry_run;
		req.req_case = YRDX__CONTROL_REQUEST__REQ_PUT;
		req.put = &put;
		/* Too large to send: an invalid record (a 10 MB name) is named with its field
		 * rather than only the request's size. */
		if (protobuf_c_message_get_packed_size(&req.base) > YX_MAX_CONTROL_BYTES)
			rc = check_records(&rs, argv[2]);
		if (rc == EXIT_OK && (rc = ctl_call(ctl, &req, PUT_TIMEOUT_MS, &reply)) == EXIT_OK)
			rc = report_write(ctl, reply, dry_run ? "put --dry-run" : "put",
			                  dry_run ? "checked" : "put");
	}
	records_free(&rs);
	return rc;
}

int cmd_retract(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE retract KIND ID [--reason TEXT]\n"
	        "Retracts a record of this node: a tombstone enters the log, and every node\n"
	        "drops the record when it arrives.\n";
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__PutRequest put = YRDX__PUT_REQUEST__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT, *cp = &c;
	Yrdx__Tombstone t = YRDX__TOMBSTONE__INIT;
	Yrdx__ControlReply *reply = NULL;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc == 5 && strcmp(argv[3], "--reason") == 0)
		t.reason = argv[4];
	else if (argc != 3)
		return ctl_fail(EXIT_USAGE, "retract: expected KIND ID [--reason TEXT]");
	yx_kind_t kind;
	int rc = ctl_kind("retract", argv[1], &kind);
	if (rc)
		return rc;
	c.kind = (Yrdx__RecordKind)kind;
	c.id = argv[2];
	c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	c.tombstone = &t;
	put.changes = &cp;
	put.n_changes = 1;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_PUT;
	req.put = &put;
	rc = ctl_call(ctl, &req, PUT_TIMEOUT_MS, &reply);
	return rc ? rc : report_write(ctl, reply, "retract", "retracted");
}
