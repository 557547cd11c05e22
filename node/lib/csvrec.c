#include "csvrec.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reflect.h"
#include "text.h"
#include "validate.h"

#define COLUMNS_MAX     64 /* columns of one kind's CSV form */
#define COLUMN_NAME_MAX 96 /* "parent.child", with its NUL */
#define DEPTH_MAX       3  /* message nesting a column name can spell */

/* ---- the CSV form of a kind: its columns ---- */

typedef struct {
	char name[COLUMN_NAME_MAX];
	const ProtobufCFieldDescriptor *path[DEPTH_MAX]; /* outer message's field first */
	unsigned depth;
	bool pairs;  /* a repeated two-field message: "first:second;..." */
	bool no_csv; /* a field this form cannot hold: never a header column */
} column_t;

typedef struct {
	column_t cols[COLUMNS_MAX];
	size_t n;
	size_t key; /* the key column's index */
} columns_t;

/* Mirrors the required fields of validate.c's check_<kind> (tests/unit/test_csvrec.c
 * holds the two together); the key column comes first. */
static const char *const required[YX_KIND_COUNT][6] = {
        [YX_KIND_INCUBATOR] = {"id", "name", "city", "tier", "operator_type", NULL},
        [YX_KIND_ENTERPRISE] = {"credit_code", "name", "city", "stage", NULL},
        [YX_KIND_PARK] = {"id", "name", "city", "type", NULL},
        [YX_KIND_RELAY_EVENT] = {"id", "case_id", "type", "credit_code", NULL},
        [YX_KIND_JOINT] = {"id", "parties", "credit_code", "incubator_id", NULL},
        [YX_KIND_EVALUATION] = {"id", "incubator_id", "period", "scores", "result", NULL},
};

static bool valid_kind(yx_kind_t kind)
{
	return (int)kind > YX_KIND_NONE && kind < YX_KIND_COUNT && yx_kind_descriptor(kind);
}

/* A repeated message has a cell form when it is a pair of plain values. */
static bool pairable(const ProtobufCMessageDescriptor *d)
{
	if (d->n_fields != 2)
		return false;
	for (unsigned i = 0; i < 2; i++)
		if (d->fields[i].label == PROTOBUF_C_LABEL_REPEATED ||
		    d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
			return false;
	return true;
}

static void walk(columns_t *cs, const ProtobufCMessageDescriptor *d, const char *prefix,
                 const ProtobufCFieldDescriptor **path, unsigned depth)
{
	for (unsigned i = 0; i < d->n_fields && cs->n < COLUMNS_MAX; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char name[COLUMN_NAME_MAX];
		bool nested =
		        f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED;
		int len = snprintf(name, sizeof(name), "%s%s", prefix, f->name);

		path[depth] = f;
		if (nested && depth + 1 < DEPTH_MAX && len + 2 < (int)sizeof(name)) {
			name[len] = '.';
			name[len + 1] = '\0';
			walk(cs, f->descriptor, name, path, depth + 1);
			continue;
		}
		column_t *c = &cs->cols[cs->n++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		memcpy(c->path, path, (depth + 1) * sizeof(path[0]));
		c->depth = depth + 1;
		c->pairs = f->type == PROTOBUF_C_TYPE_MESSAGE && !nested && pairable(f->descriptor);
		c->no_csv = (f->type == PROTOBUF_C_TYPE_MESSAGE && !c->pairs) ||
		            len >= (int)sizeof(name);
	}
}

/* The columns of kind, built once from the descriptors (single-threaded callers: the
 * tools). */
static const columns_t *columns_of(yx_kind_t kind)
{
	static columns_t table[YX_KIND_COUNT];
	static bool built[YX_KIND_COUNT];
	const ProtobufCFieldDescriptor *path[DEPTH_MAX];

	if (!built[kind]) {
		walk(&table[kind], yx_kind_descriptor(kind), "", path, 0);
		for (size_t i = 0; i < table[kind].n; i++)
			if (strcmp(table[kind].cols[i].name, yx_kind_key(kind)) == 0)
				table[kind].key = i;
		built[kind] = true;
	}
	return &table[kind];
}

static const column_t *column_by_name(const columns_t *cs, const char *name, size_t len)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strlen(cs->cols[i].name) == len && memcmp(cs->cols[i].name, name, len) == 0)
			return &cs->cols[i];
	return NULL;
}

/* ---- header ---- */

struct yx_csv_header {
	yx_kind_t kind;
	char *name;
	const ProtobufCMessageDescriptor *desc;
	const columns_t *all;
	size_t n;
	const column_t **cols; /* per header cell */
};

const char *const *yx_csv_required_columns(yx_kind_t kind)
{
	return valid_kind(kind) ? required[kind] : NULL;
}

yx_kind_t yx_csv_header_kind(const yx_csv_header_t *h)
{
	return h->kind;
}

void yx_csv_header_destroy(yx_csv_header_t **header)
{
	if (!header || !*header)
		return;
	free((*header)->cols);
	free((*header)->name);
	free(*header);
	*header = NULL;
}

/* "a, b, c" of the columns kind's CSV form has. */
static void column_list(const columns_t *cs, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < cs->n && len < size; i++) {
		if (cs->cols[i].no_csv)
			continue;
		int n = snprintf(out + len, size - len, "%s%s", len ? ", " : "", cs->cols[i].name);
		len += n > 0 ? (size_t)n : 0;
	}
}

int yx_csv_header_new(yx_kind_t kind, const char *name, const yx_csv_row_t *row,
                      yx_csv_header_t **out, yx_diag_t *diag)
{
	yx_csv_header_t *h = NULL;
	char q[YX_QUOTE_BUF], list[400], missing[256];
	size_t nmissing = 0, mlen = 0;
	int ret = -ENOMEM;

	assert(valid_kind(kind) && row && out);
	if (!name)
		name = "-";
	if (row->error) {
		ret = yx_diag_set(diag, YX_EINVAL, "%s", row->error);
		goto out;
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->name = strdup(name)) ||
	    !(h->cols = calloc(row->n ? row->n : 1, sizeof(column_t *))))
		goto out;
	h->kind = kind;
	h->desc = yx_kind_descriptor(kind);
	h->all = columns_of(kind);
	h->n = row->n;
	for (size_t i = 0; i < row->n; i++) {
		const column_t *c = column_by_name(h->all, row->cells[i], row->lens[i]);
		if (row->lens[i] == 0) {
			ret = yx_diag_set(diag, YX_EINVAL, "%s:%lu: column %zu has no name", name,
			                  row->line, i + 1);
			goto out;
		}
		if (c && c->no_csv) {
			ret = yx_diag_set(diag, YX_EINVAL,
			                  "%s:%lu: column %s cannot be written in "
			                  "CSV; import these records as NDJSON",
			                  name, row->line, c->name);
			goto out;
		}
		if (!c) {
			column_list(h->all, list, sizeof(list));
			ret = yx_diag_set(diag, YX_EINVAL, "%s:%lu: unknown column %s (%s has %s)",
			                  name, row->line, yx_quote(q, row->cells[i], row->lens[i]),
			                  yx_kind_name(kind), list);
			goto out;
		}
		for (size_t k = 0; k < i; k++) {
			if (h->cols[k] == c) {
				ret = yx_diag_set(diag, YX_EINVAL,
				                  "%s:%lu: column %s appears twice "
				                  "(columns %zu and %zu)",
				                  name, row->line, c->name, k + 1, i + 1);
				goto out;
			}
		}
		h->cols[i] = c;
	}
	missing[0] = '\0';
	for (const char *const *req = required[kind]; *req; req++) {
		bool found = false;
		for (size_t i = 0; i < h->n && !found; i++)
			found = strcmp(h->cols[i]->name, *req) == 0;
		if (!found) {
			int n = snprintf(missing + mlen, sizeof(missing) - mlen, "%s%s",
			                 nmissing ? ", " : "", *req);
			mlen += n > 0 && (size_t)n < sizeof(missing) - mlen ? (size_t)n : 0;
			nmissing++;
		}
	}
	if (nmissing) {
		size_t rl = 0;
		list[0] = '\0';
		for (const char *const *req = required[kind]; *req; req++) {
			int n = snprintf(list + rl, sizeof(list) - rl, "%s%s", rl ? ", " : "",
			                 *req);
			rl += n > 0 && (size_t)n < sizeof(list) - rl ? (size_t)n : 0;
		}
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "%s:%lu: missing required column%s %s (%s "
		                  "records need %s)",
		                  name, row->line, nmissing == 1 ? "" : "s", missing,
		                  yx_kind_name(kind), list);
		goto out;
	}
	*out = h;
	h = NULL;
	ret = YX_OK;
out:
	if (ret == -ENOMEM)
		yx_diag_set(diag, ret, "%s: out of memory", name);
	yx_csv_header_destroy(&h);
	return ret;
}

/* ---- row to record ---- */

typedef struct {
	const yx_csv_header_t *h;
	const yx_csv_row_t *row;
	ProtobufCAllocator *a;
	yx_diag_t *diag;
	const column_t *col;
	char why[YX_REASON_MAX]; /* why a value is refused */
} conv_t;

static int cv_nomem(conv_t *cv)
{
	return yx_diag_set(cv->diag, -ENOMEM, "%s:%lu: out of memory", cv->h->name, cv->row->line);
}

/* "FILE:LINE: column COL: "value": why", the shape of every cell error (ret -ENOMEM: out
 * of memory). An enum's list of names is cut to the room the message leaves it (f: the
 * field, NULL for none). Out of line: converting rows that are fine is the hot path. */
static int cv_error(conv_t *cv, const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                    int ret) __attribute__((noinline, cold));

static int cv_error(conv_t *cv, const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                    int ret)
{
	char q[YX_QUOTE_BUF];
	int used;

	if (ret == -ENOMEM)
		return cv_nomem(cv);
	used = snprintf(NULL, 0, "%s:%lu: column %s: %s: ", cv->h->name, cv->row->line,
	                cv->col->name, yx_quote(q, s, len));
	if (f && f->type == PROTOBUF_C_TYPE_ENUM) {
		size_t room = used > 0 && (size_t)used < sizeof(cv->diag->msg)
		                      ? sizeof(cv->diag->msg) - (size_t)used
		                      : 1;
		yx_enum_reason(f->descriptor, cv->why,
		               room < sizeof(cv->why) ? room : sizeof(cv->why));
	}
	return yx_diag_set(cv->diag, YX_EINVAL, "%s:%lu: column %s: %s: %s", cv->h->name,
	                   cv->row->line, cv->col->name, q, cv->why);
}

static int cv_refuse(conv_t *cv, const char *s, size_t len, const char *what)
{
	snprintf(cv->why, sizeof(cv->why), "%s", what);
	return cv_error(cv, NULL, s, len, YX_EINVAL);
}

/* A string of a list: "\;" and "\\" are escapes. */
static int list_string(conv_t *cv, const char *s, size_t len, char **out)
{
	char *str = cv->a ? cv->a->alloc(cv->a->allocator_data, len + 1) : malloc(len + 1);
	size_t o = 0;

	if (!str)
		return cv_nomem(cv);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == ';' || s[i + 1] == '\\'))
			i++;
		str[o++] = s[i];
	}
	str[o] = '\0';
	*out = str;
	return YX_OK;
}

/* One value of field f from s (len bytes, not empty) into member; list: an item of a
 * repeated field's cell. */
static inline int value_from_cell(conv_t *cv, const ProtobufCFieldDescriptor *f, const char *s,
                                  size_t len, bool list, void *member)
{
	int ret;

	if (list && f->type == PROTOBUF_C_TYPE_STRING)
		return list_string(cv, s, len, member);
	ret = yx_value_from_text(f, s, len, cv->a, member, cv->why, sizeof(cv->why));
	return ret == YX_OK ? YX_OK : cv_error(cv, f, s, len, ret);
}

/* End of the list item starting at s[i]: the next ';' not escaped. */
static size_t item_end(const char *s, size_t len, size_t i, bool escapes)
{
	for (; i < len && s[i] != ';'; i++)
		if (escapes && s[i] == '\\' && i + 1 < len)
			i++;
	return i;
}

/* "first:second" into a fresh two-field message. */
static int pair_from_text(conv_t *cv, const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                          ProtobufCMessage **slot)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;
	const char *colon = memchr(s, ':', len);
	char what[160];
	size_t k;
	int ret;

	if (!colon || colon == s || colon + 1 == s + len) {
		snprintf(what, sizeof(what), "expected %s:%s", d->fields[0].name,
		         d->fields[1].name);
		return cv_refuse(cv, s, len, what);
	}
	if (!(*slot = yx_message_new(d, cv->a)))
		return cv_nomem(cv);
	k = (size_t)(colon - s);
	ret = value_from_cell(cv, &d->fields[0], s, k, false,
	                      yx_field_member(*slot, &d->fields[0]));
	if (ret == YX_OK)
		ret = value_from_cell(cv, &d->fields[1], colon + 1, len - k - 1, false,
		                      yx_field_member(*slot, &d->fields[1]));
	return ret;
}

/* A repeated field's cell. The array is attached, count included, before any value is
 * read, so a failure part way leaves a message that frees whole. */
static int repeated_from_text(conv_t *cv, const ProtobufCFieldDescriptor *f, ProtobufCMessage *m,
                              const char *s, size_t len)
{
	bool escapes = f->type == PROTOBUF_C_TYPE_STRING;
	size_t n = 0, size = yx_field_value_size(f->type);
	char *arr;
	int ret = YX_OK;

	for (size_t i = 0; i <= len; i = item_end(s, len, i, escapes) + 1)
		n++;
	if (!(arr = yx_field_alloc(m, f, n, cv->a)))
		return cv_nomem(cv);
	for (size_t i = 0, k = 0; k < n && ret == YX_OK; k++) {
		size_t end = item_end(s, len, i, escapes);
		if (end == i) {
			char what[64];
			snprintf(what, sizeof(what), "value %zu of the list is empty", k + 1);
			ret = cv_refuse(cv, s, len, what);
		} else if (cv->col->pairs) {
			ret = pair_from_text(cv, f, s + i, end - i,
			                     (ProtobufCMessage **)(arr + k * size));
		} else {
			ret = value_from_cell(cv, f, s + i, end - i, true, arr + k * size);
		}
		i = end + 1;
	}
	return ret;
}

/* The message a column's field lives in, made on first use. */
static ProtobufCMessage *cv_target(conv_t *cv, ProtobufCMessage *m, const column_t *c)
{
	for (unsigned i = 0; i + 1 < c->depth; i++) {
		ProtobufCMessage **sub = yx_field_member(m, c->path[i]);
		if (!*sub && !(*sub = yx_message_new(c->path[i]->descriptor, cv->a)))
			return NULL;
		m = *sub;
	}
	return m;
}

static int cell_from_text(conv_t *cv, ProtobufCMessage *root, const char *s, size_t len)
{
	const column_t *c = cv->col;
	const ProtobufCFieldDescriptor *f = c->path[c->depth - 1], *other = NULL;
	ProtobufCMessage *m;
	int ret;

	/* A nested scalar at its default ("0") makes no message: the CSV form of a message
	 * whose fields are all default is its absence, so export and import agree. */
	if (c->depth > 1 && f->label != PROTOBUF_C_LABEL_REPEATED &&
	    f->label != PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE) {
		static const unsigned char zero[sizeof(uint64_t)];
		uint64_t value = 0;
		if ((ret = value_from_cell(cv, f, s, len, false, &value)) != YX_OK)
			return ret;
		if (memcmp(&value, zero, yx_field_value_size(f->type)) == 0)
			return YX_OK;
		if (!(m = cv_target(cv, root, c)))
			return cv_nomem(cv);
		memcpy(yx_field_member(m, f), &value, yx_field_value_size(f->type));
		return YX_OK;
	}
	if (!(m = cv_target(cv, root, c)))
		return cv_nomem(cv);
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return repeated_from_text(cv, f, m, s, len);
	if (yx_field_claim(m, f, &other) != YX_OK)
		return cv_refuse(cv, s, len, "another member of its oneof is set");
	if ((ret = value_from_cell(cv, f, s, len, false, yx_field_member(m, f))) == YX_OK)
		yx_field_mark(m, f);
	return ret;
}

int yx_csv_row_to_record(const yx_csv_header_t *h, const yx_csv_row_t *row,
                         ProtobufCAllocator *allocator, void **record, yx_diag_t *diag)
{
	conv_t cv; /* why is written before it is read: not cleared for every row */
	ProtobufCMessage *m = NULL;
	int ret = YX_OK;

	assert(h && row && record);
	cv.h = h;
	cv.row = row;
	cv.a = allocator;
	cv.diag = diag;
	cv.col = NULL;
	*record = NULL;
	if (row->error) {
		ret = yx_diag_set(diag, YX_EINVAL, "%s", row->error);
		goto out;
	}
	if (row->n != h->n) {
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "%s:%lu: %zu cell%s, but the header has %zu "
		                  "column%s",
		                  h->name, row->line, row->n, row->n == 1 ? "" : "s", h->n,
		                  h->n == 1 ? "" : "s");
		goto out;
	}
	if (!(m = yx_message_new(h->desc, allocator))) {
		ret = cv_nomem(&cv);
		goto out;
	}
	for (size_t i = 0; i < row->n && ret == YX_OK; i++) {
		if (row->lens[i] == 0)
			continue;
		cv.col = h->cols[i];
		ret = cell_from_text(&cv, m, row->cells[i], row->lens[i]);
	}
out:
	if (ret == YX_OK)
		*record = m;
	else if (m)
		protobuf_c_message_free_unpacked(m, allocator);
	return ret;
}

/* The column a validation diag's field is in: the one whose fields the path starts with,
 * the longest of them; NULL if none. */
static const column_t *column_of(const columns_t *cs, const yx_path_t *p)
{
	const column_t *best = NULL;

	for (size_t i = 0; i < cs->n; i++) {
		const column_t *c = &cs->cols[i];
		unsigned k = 0;
		while (k < c->depth && k < p->depth && k < YX_PATH_MAX &&
		       c->path[k] == p->step[k].field)
			k++;
		if (k == c->depth && (!best || c->depth > best->depth))
			best = c;
	}
	return best;
}

int yx_csv_validate(const yx_csv_header_t *h, const yx_csv_row_t *row, const Yrdx__Change *change,
                    yx_diag_t *diag)
{
	yx_diag_t d; /* filled by what fails, read only then: not cleared for every row */
	int ret = yx_validate_record(change, &d);

	return ret == YX_OK ? YX_OK : yx_csv_diag(h, row, ret, &d, diag);
}

int yx_csv_diag(const yx_csv_header_t *h, const yx_csv_row_t *row, int ret, const yx_diag_t *dp,
                yx_diag_t *diag)
{
	const yx_diag_t d = *dp; /* diag may be *dp */
	const column_t *c;
	const char *what = d.msg + d.what;
	char path[COLUMN_NAME_MAX * 2];
	bool exact;

	if (d.path.root != h->desc)
		return yx_diag_set(diag, ret, "%s:%lu: %s", h->name, row->line, d.msg);
	/* Named by its column, then by its path inside it where that says more
	 * (scores[1].dimension in column scores). */
	yx_path_text(&d.path, false, path, sizeof(path));
	if (!(c = column_of(h->all, &d.path)))
		return yx_diag_set(diag, ret, "%s:%lu: %s: %s", h->name, row->line, path, what);
	exact = c->depth == d.path.depth;
	for (unsigned k = 0; k < d.path.depth && k < YX_PATH_MAX; k++)
		exact = exact && d.path.step[k].index < 0;
	if (exact)
		return yx_diag_set(diag, ret, "%s:%lu: column %s: %s", h->name, row->line, path,
		                   what);
	return yx_diag_set(diag, ret, "%s:%lu: column %s: %s: %s", h->name, row->line, c->name,
	                   path, what);
}

/* ---- records to CSV ---- */

/* One value of field f stored at member; strings in a list escape ';' and '\'. */
/* A string of a list, ';' and '\\' escaped. */
static int list_string_to_cell(yx_buf_t *b, const char *s)
{
	for (; s && *s; s++) {
		if ((*s == ';' || *s == '\\') && yx_buf_add(b, "\\", 1) != YX_OK)
			return -ENOMEM;
		if (yx_buf_add(b, s, 1) != YX_OK)
			return -ENOMEM;
	}
	return YX_OK;
}

/* One value of field f stored at member; list: an item of a repeated field's cell. */
static inline int value_to_cell(yx_buf_t *b, const ProtobufCFieldDescriptor *f, const void *member,
                                bool list)
{
	if (list && f->type == PROTOBUF_C_TYPE_STRING)
		return list_string_to_cell(b, *(char *const *)member);
	return yx_value_to_text(f, member, b);
}

static int cell_to_text(yx_buf_t *b, const ProtobufCMessage *m, const column_t *c, bool key)
{
	const ProtobufCFieldDescriptor *f = c->path[c->depth - 1];
	bool list = f->label == PROTOBUF_C_LABEL_REPEATED;
	int ret = YX_OK;

	for (unsigned i = 0; i + 1 < c->depth; i++)
		if (!(m = *(ProtobufCMessage *const *)yx_field_value(m, c->path[i], 0)))
			return YX_OK;
	if (!yx_field_present(m, f))
		return key ? value_to_cell(b, f, yx_field_value(m, f, 0), false) : YX_OK;
	if (c->no_csv)
		return YX_EINVAL;
	for (size_t k = 0, n = yx_field_count(m, f); k < n && ret == YX_OK; k++) {
		const void *member = yx_field_value(m, f, k);
		if (k && (ret = yx_buf_add(b, ";", 1)) != YX_OK)
			break;
		if (c->pairs) {
			const ProtobufCMessage *p = yx_value_get(f, member).m;
			const ProtobufCFieldDescriptor *fs =
			        ((const ProtobufCMessageDescriptor *)f->descriptor)->fields;
			if (!p)
				return YX_EINVAL;
			ret = value_to_cell(b, &fs[0], yx_field_value(p, &fs[0], 0), false);
			if (ret == YX_OK)
				ret = yx_buf_add(b, ":", 1);
			if (ret == YX_OK)
				ret = value_to_cell(b, &fs[1], yx_field_value(p, &fs[1], 0), false);
		} else {
			ret = value_to_cell(b, f, member, list);
		}
	}
	return ret;
}

/* A cell as RFC 4180 writes it: quoted, quotes doubled, only when it has to be. */
static void put_cell(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			break;
	if (i == n) {
		fwrite_unlocked(s, 1, n, out);
		return;
	}
	putc_unlocked('"', out);
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			putc_unlocked('"', out);
		putc_unlocked(s[i], out);
	}
	putc_unlocked('"', out);
}

int yx_csv_write_header(FILE *out, yx_kind_t kind)
{
	const columns_t *cs;
	bool first = true;

	assert(valid_kind(kind));
	cs = columns_of(kind);
	flockfile(out);
	for (size_t i = 0; i < cs->n; i++) {
		if (cs->cols[i].no_csv)
			continue;
		if (!first)
			putc_unlocked(',', out);
		put_cell(out, cs->cols[i].name, strlen(cs->cols[i].name));
		first = false;
	}
	putc_unlocked('\n', out);
	funlockfile(out);
	return ferror(out) ? -EIO : YX_OK;
}

int yx_csv_write_record(FILE *out, yx_kind_t kind, const void *record)
{
	/* One buffer for every cell of every row: writing allocates nothing per row. */
	static yx_buf_t b;
	const columns_t *cs;
	bool first = true;
	int ret = YX_OK;

	assert(valid_kind(kind) && record);
	assert(((const ProtobufCMessage *)record)->descriptor == yx_kind_descriptor(kind));
	cs = columns_of(kind);
	flockfile(out);
	for (size_t i = 0; i < cs->n && ret == YX_OK; i++) {
		const column_t *c = &cs->cols[i];
		b.len = 0;
		ret = cell_to_text(&b, record, c, i == cs->key);
		if (c->no_csv || ret != YX_OK)
			continue;
		if (!first)
			putc_unlocked(',', out);
		put_cell(out, b.p ? b.p : "", b.len);
		first = false;
	}
	if (ret == YX_OK)
		putc_unlocked('\n', out);
	funlockfile(out);
	if (ret != YX_OK)
		return ret;
	return ferror(out) ? -EIO : YX_OK;
}
