/* import_read: the rows of an import file as records. A CSV is read with csvrec.c under its
 * header's kind; an NDJSON line is a bare record of the import's kind or
 * {"kind": K, "record": {...}} as export writes several kinds. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "json.h"

#define NDJSON_LINE_MAX (1u << 20)

int msg_set(rowmsg_t *m, int err, const char *fmt, ...)
{
	va_list ap;
	m->err = err;
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	return err;
}

void source_close(source_t *s)
{
	yx_csv_header_destroy(&s->header);
	yx_csv_reader_destroy(&s->reader);
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	free(s->header_raw);
	s->header_raw = NULL;
	free(s->line);
	s->line = NULL;
}

const yx_kind_t import_csv_kinds[] = {YX_KIND_INCUBATOR,  YX_KIND_ENTERPRISE, YX_KIND_PARK,
                                      YX_KIND_EVALUATION, YX_KIND_FIGURES,    YX_KIND_NONE};

bool ctl_importable(yx_kind_t kind)
{
	for (const yx_kind_t *k = import_csv_kinds; *k != YX_KIND_NONE; k++)
		if (*k == kind)
			return true;
	return false;
}

/* The header row as it was, for the rejects file. */
static int header_keep(source_t *s)
{
	s->header_raw = malloc(s->row.raw_len + 1);
	if (!s->header_raw)
		return ctl_fail(EXIT_FAIL, "out of memory");
	memcpy(s->header_raw, s->row.raw, s->row.raw_len);
	s->header_raw_len = s->row.raw_len;
	return EXIT_OK;
}

/* A CSV whose name and --kind say no kind: the kind whose columns its header names — the
 * one record kind a CSV imports (import.h: import_csv_kinds) that binds it. A header
 * two kinds would bind (only columns they share) is a question for the user. */
static int header_kind(source_t *s)
{
	yx_kind_t found = YX_KIND_NONE, also = YX_KIND_NONE;
	for (const yx_kind_t *k = import_csv_kinds; *k != YX_KIND_NONE; k++) {
		yx_csv_header_t *h = NULL;
		if (yx_csv_header_new(*k, s->path, &s->row, &h, NULL) != YX_OK)
			continue;
		if (found == YX_KIND_NONE) {
			found = *k;
			s->header = h;
		} else {
			also = *k;
			yx_csv_header_destroy(&h);
		}
	}
	if (found == YX_KIND_NONE || also != YX_KIND_NONE) {
		yx_csv_header_destroy(&s->header);
		if (found == YX_KIND_NONE)
			return ctl_fail(
			        EXIT_USAGE,
			        "import: which kind of record does %s hold? Its header fits "
			        "no kind's columns; say it with --kind or in the file name "
			        "(e.g. shanghai-enterprises.csv)",
			        s->path);
		return ctl_fail(EXIT_USAGE,
		                "import: which kind of record does %s hold? Its header fits %s "
		                "and %s alike; say it with --kind or in the file name (e.g. "
		                "shanghai-enterprises.csv)",
		                s->path, yx_kind_name(found), yx_kind_name(also));
	}
	s->kind = found;
	return header_keep(s);
}

int source_open(source_t *s)
{
	yx_diag_t diag = {{0}};
	int ret;

	s->f = fopen(s->path, "rb");
	if (!s->f)
		return ctl_fail(EXIT_USAGE, "%s: %s", s->path, strerror(errno));
	if (s->fmt == FMT_NDJSON) {
		s->line = malloc(NDJSON_LINE_MAX + 2);
		return s->line ? EXIT_OK : ctl_fail(EXIT_FAIL, "out of memory");
	}
	if (yx_csv_reader_new(s->f, s->path, &s->reader) != YX_OK)
		return ctl_fail(EXIT_FAIL, "out of memory");
	ret = yx_csv_reader_next(s->reader, &s->row, &diag);
	if (ret == YX_ENOTFOUND)
		return ctl_fail(EXIT_USAGE, "%s: empty file", s->path);
	if (ret == YX_OK && s->kind == YX_KIND_NONE)
		return header_kind(s);
	if (ret == YX_OK)
		ret = yx_csv_header_new(s->kind, s->path, &s->row, &s->header, &diag);
	if (ret)
		return ctl_fail(ret == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	return header_keep(s);
}

/* The next NDJSON line that is not blank, in s->line: 1; 2 with diag for a line too long
 * (a bad row: the rest of it is skipped); 0 at the end; -1 with diag on a read error. */
static int ndjson_line(source_t *s, rowmsg_t *diag)
{
	int c = EOF;

	for (;;) {
		size_t n = 0;
		bool blank = true, too_long = false;
		s->lineno++;
		while ((c = getc_unlocked(s->f)) != EOF && c != '\n') {
			if (n < NDJSON_LINE_MAX)
				s->line[n++] = (char)c;
			else
				too_long = true;
			if (c != ' ' && c != '\t' && c != '\r')
				blank = false;
		}
		if (n == 0 && c == EOF)
			return ferror(s->f) ? (msg_set(diag, -EIO, "%s: read error", s->path), -1)
			                    : 0;
		if (s->lineno == 1 && n >= 3 && memcmp(s->line, "\xEF\xBB\xBF", 3) == 0) {
			memmove(s->line, s->line + 3, n - 3);
			n -= 3;
			blank = strspn(s->line, " \t\r") >= n;
		}
		s->line[n] = '\n';
		s->line_len = n;
		s->at = s->lineno;
		s->raw = s->line;
		s->raw_len = n + 1;
		if (too_long) {
			msg_set(diag, YX_EINVAL, "%s:%lu: line longer than %u bytes", s->path,
			        s->lineno, NDJSON_LINE_MAX);
			return 2;
		}
		if (!blank)
			return 1;
		if (c == EOF)
			return 0;
	}
}

static const char *const envelope_keys[] = {"kind", "id", "origin", "seq", "time_ms", "record"};

/* An NDJSON line as a record: a bare record of s->kind, or {"kind": K, "record": {...}}
 * (what export writes for several kinds, and get prints). */
static int ndjson_record(source_t *s, yx_kind_t *kind, void **record, rowmsg_t *diag)
{
	json_error_t err;
	json_t *obj = json_loadb(s->line, s->line_len, JSON_REJECT_DUPLICATES, &err);
	const json_t *rec = obj;
	yx_diag_t d; /* filled by what fails, read only then: not cleared for every row */
	int ret = YX_EINVAL;

	*kind = s->kind;
	if (!obj) {
		msg_set(diag, ret, "%s:%lu:%d: %s", s->path, s->lineno, err.column, err.text);
		goto out;
	}
	if (!json_is_object(obj)) {
		msg_set(diag, ret, "%s:%lu: expected a JSON object", s->path, s->lineno);
		goto out;
	}
	if (json_object_get(obj, "record")) {
		const char *key;
		json_t *v;
		json_object_foreach(obj, key, v)
		{
			bool known = false;
			for (size_t i = 0; i < sizeof(envelope_keys) / sizeof(envelope_keys[0]);
			     i++)
				known |= strcmp(key, envelope_keys[i]) == 0;
			if (!known) {
				msg_set(diag, ret,
				        "%s:%lu: unknown field \"%.40s\" beside \"record\"",
				        s->path, s->lineno, key);
				goto out;
			}
		}
		const char *k = json_string_value(json_object_get(obj, "kind"));
		*kind = k ? yx_kind_from_word(k, strlen(k)) : YX_KIND_NONE;
		if (*kind == YX_KIND_NONE) {
			msg_set(diag, ret, "%s:%lu: kind: expected a record kind beside \"record\"",
			        s->path, s->lineno);
			goto out;
		}
		if (s->kind != YX_KIND_NONE && *kind != s->kind) {
			msg_set(diag, ret, "%s:%lu: kind: \"%s\", but this import is of %s",
			        s->path, s->lineno, yx_kind_name(*kind), yx_kind_name(s->kind));
			goto out;
		}
		rec = json_object_get(obj, "record");
	} else if (*kind == YX_KIND_NONE) {
		msg_set(diag, ret,
		        "%s:%lu: which kind of record? Name it with --kind or in "
		        "the file name, or write {\"kind\": ..., \"record\": {...}}",
		        s->path, s->lineno);
		goto out;
	}
	ret = yx_json_to_record(*kind, rec, record, &d);
	if (ret)
		msg_set(diag, ret, "%s:%lu: %s", s->path, s->lineno, d.msg);
out:
	json_decref(obj);
	return ret;
}

int source_next(source_t *s, yx_arena_t *arena, yx_kind_t *kind, void **record, rowmsg_t *diag)
{
	yx_diag_t d; /* filled by what fails, read only then: not cleared for every row */
	int ret;

	*record = NULL;
	*kind = s->kind;
	if (s->fmt == FMT_NDJSON) {
		s->malloced = true;
		s->cells = 1;
		ret = ndjson_line(s, diag);
		if (ret == 1)
			ndjson_record(s, kind, record, diag);
		return ret == 2 ? 1 : ret;
	}
	ret = yx_csv_reader_next(s->reader, &s->row, &d);
	if (ret == YX_ENOTFOUND)
		return 0;
	if (ret) {
		msg_set(diag, ret, "%s", d.msg);
		return -1;
	}
	s->at = s->row.line;
	s->raw = s->row.raw;
	s->raw_len = s->row.raw_len;
	s->cells = s->row.n;
	s->malloced = false;
	if (yx_csv_row_to_record(s->header, &s->row, yx_arena_allocator(arena), record, &d) !=
	    YX_OK)
		msg_set(diag, YX_EINVAL, "%s", d.msg);
	return 1;
}

void source_drop(source_t *s, yx_kind_t kind, void **record)
{
	if (s->malloced)
		yx_record_free(kind, record);
	*record = NULL;
}
