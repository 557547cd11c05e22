#include "csvrec.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <sodium.h>

#include "json.h"
#include "validate.h"
#include "text.h"

#define CHUNK            (64 * 1024)
#define HEADER_CELLS_MAX 256 /* cells a header row may have before it is bound */
#define COLUMNS_MAX      64  /* columns of one kind's CSV form */
#define COLUMN_NAME_MAX  96  /* "parent.child", with its NUL */
#define DEPTH_MAX        3   /* message nesting a column name can spell */
#define QUOTE_MAX        48  /* bytes of a value quoted in a message */
#define QUOTE_BUF        (QUOTE_MAX * 4 + 8)

/* libcsv's state between rows (its ROW_NOT_BEGUN, not exported by csv.h). */
#define CSV_STATE_ROW_NOT_BEGUN 0

#define MEMBER(m, off)  ((void *)((char *)(m) + (off)))
#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

_Static_assert(sizeof(Yrdx__Industry) == sizeof(int), "protobuf-c enums are int-sized");

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
        [YX_KIND_EVALUATION] = {"id", "incubator_id", "period", "result", NULL},
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
			if (strcmp(table[kind].cols[i].name, required[kind][0]) == 0)
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

/* The record's field name in Change ("relay_event"), which starts validate.c's paths. */
static const char *root_name(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCMessageDescriptor *cd = &yrdx__change__descriptor;

	for (unsigned i = 0; i < cd->n_fields; i++)
		if (cd->fields[i].type == PROTOBUF_C_TYPE_MESSAGE && cd->fields[i].descriptor == d)
			return cd->fields[i].name;
	return d->short_name;
}

/* ---- UTF-8 ---- */

/* Offset of the first byte of s that is NUL or does not start a well-formed sequence;
 * n if there is none. Runs of ASCII go 8 bytes at a time: this sees every byte read. */
static size_t utf8_invalid(const unsigned char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull;
	size_t i = 0;

	while (i < n) {
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if ((w & high) || ((w - ones) & ~w & high))
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] == 0)
			return i;
		size_t k = yx_utf8_seq_len(s + i, n - i);
		if (k == 0)
			return i;
		i += k;
	}
	return n;
}

/* Characters (code points) in n bytes of UTF-8. */
static unsigned long utf8_chars(const char *s, size_t n)
{
	unsigned long chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	return chars;
}

/* Bytes at the end of s that begin a sequence the next chunk completes. */
static size_t incomplete_tail(const unsigned char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		unsigned c = s[n - k];
		if ((c & 0xC0) == 0x80)
			continue;
		if (c < 0xC0)
			return 0;
		size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		return need > k ? k : 0;
	}
	return 0;
}

/* s (len bytes) as a double-quoted value for a message: control bytes, quotes and
 * broken UTF-8 escaped (a hostile cell cannot forge a terminal line), cut on a character
 * boundary past QUOTE_MAX bytes. Returns buf. */
static const char *quote(char buf[QUOTE_BUF], const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	buf[o++] = '"';
	while (i < len && i < QUOTE_MAX) {
		size_t n = yx_utf8_seq_len(p + i, len - i);
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7F || p[i] == '"' || p[i] == '\\')) {
			if (p[i] == '"' || p[i] == '\\')
				o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\%c", p[i]);
			else
				o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02X", p[i]);
		} else if (n == 0) {
			o += (size_t)snprintf(buf + o, QUOTE_BUF - o, "\\x%02X", p[i]);
			n = 1;
		} else {
			memcpy(buf + o, p + i, n);
			o += n;
		}
		i += n;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* ---- reader ---- */

struct yx_csv_reader {
	FILE *in;
	char *name;
	struct csv_parser p;
	bool p_ready;

	/* input: buf[pos, len) is fed next; tail bytes after len wait for the next chunk */
	char *buf;
	size_t pos, len, tail;
	bool eof, started, finished;
	uint64_t offset;

	/* where the next byte fed sits, and where the current row started */
	unsigned long line, col, row_line;
	bool prev_cr;
	unsigned long rows; /* rows returned, header included */

	/* the row being read */
	char *cellbuf;
	size_t cell_len, cell_cap;
	size_t *offs, *lens;
	const char **cells;
	size_t n, n_extra, cap, max_cells;
	char *raw;
	size_t raw_len, raw_cap;
	bool row_done;
	char row_error[sizeof(((yx_diag_t *)0)->msg)];
	bool has_row_error;

	/* header names, for messages about later rows */
	char **names;
	size_t n_names;

	/* a failure that ends reading, returned by every later call */
	int fatal;
	yx_diag_t fatal_diag;
};

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return YX_OK;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return YX_OK;
}

static const char *reader_column(const yx_csv_reader_t *r, size_t index, char *buf, size_t size)
{
	if (index < r->n_names)
		return r->names[index];
	snprintf(buf, size, "%zu", index + 1);
	return buf;
}

static void set_fatal(yx_csv_reader_t *r, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void set_fatal(yx_csv_reader_t *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (r->fatal)
		return;
	r->fatal = err;
	va_start(ap, fmt);
	vsnprintf(r->fatal_diag.msg, sizeof(r->fatal_diag.msg), fmt, ap);
	va_end(ap);
}

static void oversized(yx_csv_reader_t *r, size_t index)
{
	char num[24];

	set_fatal(r, YX_EINVAL, "%s:%lu: column %s: cell of more than %d bytes", r->name,
	          r->row_line, reader_column(r, index, num, sizeof(num)), YX_CSV_CELL_MAX);
}

/* Room for twice as many cells in the three per-cell arrays. */
static int grow_cells(yx_csv_reader_t *r)
{
	size_t cap = r->cap ? r->cap * 2 : 32;
	size_t *offs = realloc(r->offs, cap * sizeof(size_t));
	size_t *lens = offs ? realloc(r->lens, cap * sizeof(size_t)) : NULL;
	const char **cells = lens ? realloc(r->cells, cap * sizeof(char *)) : NULL;

	if (offs)
		r->offs = offs;
	if (lens)
		r->lens = lens;
	if (!cells)
		return -ENOMEM;
	r->cells = cells;
	r->cap = cap;
	return YX_OK;
}

static void on_field(void *data, size_t len, void *arg)
{
	yx_csv_reader_t *r = arg;

	if (r->fatal)
		return;
	if (len > YX_CSV_CELL_MAX) {
		oversized(r, r->n + r->n_extra);
		return;
	}
	if (r->n == r->max_cells) {
		r->n_extra++;
		return;
	}
	if (grow((void **)&r->cellbuf, &r->cell_cap, r->cell_len + len + 1, 1) != YX_OK ||
	    (r->n == r->cap && grow_cells(r) != YX_OK)) {
		set_fatal(r, -ENOMEM, "%s: out of memory", r->name);
		return;
	}
	if (len)
		memcpy(r->cellbuf + r->cell_len, data, len);
	r->cellbuf[r->cell_len + len] = '\0';
	r->offs[r->n] = r->cell_len;
	r->lens[r->n] = len;
	r->cell_len += len + 1;
	r->n++;
}

static void on_row(int c, void *arg)
{
	(void)c;
	((yx_csv_reader_t *)arg)->row_done = true;
}

int yx_csv_reader_new(FILE *in, const char *name, yx_csv_reader_t **out)
{
	yx_csv_reader_t *r = calloc(1, sizeof(*r));
	int ret = -ENOMEM;

	if (!r)
		goto out;
	r->in = in;
	r->name = strdup(name ? name : "-");
	r->buf = malloc(CHUNK + 4);
	if (!r->name || !r->buf)
		goto out;
	/* Strict: a stray quote is an error, as is a quote still open at the end. Spaces are
	 * data, never trimmed. */
	if (csv_init(&r->p, CSV_STRICT | CSV_STRICT_FINI) != 0)
		goto out;
	r->p_ready = true;
	csv_set_space_func(&r->p, no_space);
	csv_set_blk_size(&r->p, 4096);
	r->line = r->row_line = 1;
	r->max_cells = HEADER_CELLS_MAX;
	*out = r;
	r = NULL;
	ret = YX_OK;
out:
	yx_csv_reader_destroy(&r);
	return ret;
}

void yx_csv_reader_destroy(yx_csv_reader_t **reader)
{
	yx_csv_reader_t *r = reader ? *reader : NULL;

	if (!r)
		return;
	if (r->p_ready)
		csv_free(&r->p);
	for (size_t i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	free(r->name);
	free(r->buf);
	free(r->cellbuf);
	free(r->offs);
	free(r->lens);
	free(r->cells);
	free(r->raw);
	free(r);
	*reader = NULL;
}

uint64_t yx_csv_reader_offset(const yx_csv_reader_t *r)
{
	return r->offset;
}

static void refill(yx_csv_reader_t *r)
{
	size_t got;

	memmove(r->buf, r->buf + r->len, r->tail);
	got = fread(r->buf + r->tail, 1, CHUNK, r->in);
	if (got < CHUNK) {
		if (ferror(r->in)) {
			set_fatal(r, -EIO, "%s: read error", r->name);
			return;
		}
		r->eof = true;
	}
	r->len = r->tail + got;
	r->pos = 0;
	r->tail = 0;
	if (!r->started) {
		r->started = true;
		if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
			r->pos = 3;
			r->offset = 3;
		}
	}
	/* A character cut by the chunk boundary waits for the rest of it. */
	if (!r->eof) {
		r->tail = incomplete_tail((const unsigned char *)r->buf + r->pos, r->len - r->pos);
		r->len -= r->tail;
	}
}

static void row_error(yx_csv_reader_t *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void row_error(yx_csv_reader_t *r, const char *fmt, ...)
{
	va_list ap;

	if (r->has_row_error)
		return;
	r->has_row_error = true;
	va_start(ap, fmt);
	vsnprintf(r->row_error, sizeof(r->row_error), fmt, ap);
	va_end(ap);
}

/* Why libcsv stopped at byte c in strict mode. */
static const char *syntax_reason(const yx_csv_reader_t *r, unsigned char c, char *buf, size_t size)
{
	if (c == '"' && !r->p.quoted)
		return "'\"' inside an unquoted field (quote the whole field and double the quote)";
	if (c >= 0x21 && c < 0x7F)
		snprintf(buf, size,
		         "'%c' after a closing quote (a quote inside a quoted field "
		         "is written twice)",
		         c);
	else
		snprintf(buf, size,
		         "%s after a closing quote (a quote inside a quoted field "
		         "is written twice)",
		         c == ' ' ? "a space" : "a character");
	return buf;
}

/* Feeds libcsv one segment: the bytes up to and including the next line break, or to the
 * end of the chunk. Rows end only at line breaks, so a row is complete (row_done) exactly
 * when a segment ends it, and the segment tells where it is in the file. */
static void feed_segment(yx_csv_reader_t *r)
{
	const char *s = r->buf + r->pos;
	size_t avail = r->len - r->pos;
	const char *nl = memchr(s, '\n', avail);
	size_t lim = nl ? (size_t)(nl - s) + 1 : avail;
	const char *cr = memchr(s, '\r', lim);
	size_t n = cr ? (size_t)(cr - s) + 1 : lim;
	char last = s[n - 1];
	bool ends_line = last == '\n' || last == '\r';
	size_t bad = utf8_invalid((const unsigned char *)s, n);
	size_t fed;
	char why[128];

	if (bad < n) {
		unsigned char b = (unsigned char)s[bad];
		row_error(r,
		          b ? "%s:%lu:%lu: invalid UTF-8 (byte 0x%02X): the file must be "
		              "UTF-8 (convert it, e.g. iconv -f GB18030 -t UTF-8)"
		            : "%s:%lu:%lu: NUL byte (0x%02X)",
		          r->name, r->line, r->col + utf8_chars(s, bad) + 1, b);
	}
	if (grow((void **)&r->raw, &r->raw_cap, r->raw_len + n + 2, 1) != YX_OK) {
		set_fatal(r, -ENOMEM, "%s: out of memory", r->name);
		return;
	}
	memcpy(r->raw + r->raw_len, s, n);
	r->raw_len += n;

	fed = csv_parse(&r->p, s, n, on_field, on_row, r);
	if (r->fatal)
		return;
	if (fed < n) {
		if (csv_error(&r->p) == CSV_EPARSE)
			set_fatal(r, YX_EINVAL, "%s:%lu:%lu: %s", r->name, r->line,
			          r->col + utf8_chars(s, fed) + 1,
			          syntax_reason(r, (unsigned char)s[fed], why, sizeof(why)));
		else
			set_fatal(r, -ENOMEM, "%s: out of memory", r->name);
		return;
	}
	/* libcsv grows a field without bound: stop one that will not end. */
	if (r->p.entry_pos > YX_CSV_CELL_MAX) {
		oversized(r, r->n + r->n_extra);
		return;
	}
	if (ends_line) {
		/* CRLF is one line break, fed as two segments. */
		if (!(last == '\n' && n == 1 && r->prev_cr))
			r->line++;
		r->col = 0;
	} else {
		r->col += utf8_chars(s, n);
	}
	r->prev_cr = last == '\r';
	r->pos += n;
	r->offset += n;
	if (!r->row_done && r->p.pstate == CSV_STATE_ROW_NOT_BEGUN && r->n + r->n_extra == 0) {
		/* A blank line (or the LF of a CRLF) between rows. */
		r->raw_len = 0;
		r->row_line = r->line;
		r->has_row_error = false;
	}
}

static void row_begin(yx_csv_reader_t *r)
{
	r->n = r->n_extra = r->cell_len = r->raw_len = 0;
	r->row_done = r->has_row_error = false;
	r->row_line = r->line;
}

/* Remembers the header's names for messages about later rows, and holds later rows to
 * its width. */
static int keep_names(yx_csv_reader_t *r)
{
	r->names = calloc(r->n ? r->n : 1, sizeof(char *));
	if (!r->names)
		return -ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		r->names[i] = strndup(r->cellbuf + r->offs[i], r->lens[i] < 64 ? r->lens[i] : 64);
		if (!r->names[i])
			return -ENOMEM;
		r->n_names++;
	}
	r->max_cells = r->n;
	return YX_OK;
}

static int row_out(yx_csv_reader_t *r, yx_csv_row_t *row, yx_diag_t *diag)
{
	size_t total = r->n + r->n_extra;

	if (r->rows == 0 && r->n_extra)
		row_error(r, "%s:%lu: more than %d columns", r->name, r->row_line,
		          HEADER_CELLS_MAX);
	else if (r->rows > 0 && total != r->n_names)
		row_error(r, "%s:%lu: %zu cell%s, but the header has %zu column%s", r->name,
		          r->row_line, total, total == 1 ? "" : "s", r->n_names,
		          r->n_names == 1 ? "" : "s");
	if (r->rows == 0 && keep_names(r) != YX_OK) {
		set_fatal(r, -ENOMEM, "%s: out of memory", r->name);
		return yx_diag_set(diag, r->fatal, "%s", r->fatal_diag.msg);
	}
	for (size_t i = 0; i < r->n; i++)
		r->cells[i] = r->cellbuf + r->offs[i];
	/* A row's text ends in LF in the rejects file even when the file used CRLF. */
	if (r->raw_len && r->raw[r->raw_len - 1] == '\r')
		r->raw[r->raw_len++] = '\n';
	r->raw[r->raw_len] = '\0';
	row->n = r->n;
	row->cells = r->cells;
	row->lens = r->lens;
	row->line = r->row_line;
	row->raw = r->raw;
	row->raw_len = r->raw_len;
	row->error = r->has_row_error ? r->row_error : NULL;
	r->rows++;
	return YX_OK;
}

static int finish(yx_csv_reader_t *r, yx_csv_row_t *row, yx_diag_t *diag)
{
	r->finished = true;
	if (csv_fini(&r->p, on_field, on_row, r) != 0)
		set_fatal(r, YX_EINVAL,
		          "%s:%lu: a quoted field is still open at the end of the file "
		          "(a quote is missing)",
		          r->name, r->row_line);
	if (!r->fatal && r->row_done)
		return row_out(r, row, diag);
	if (!r->fatal && r->rows == 0)
		set_fatal(r, YX_EINVAL, "%s: empty file", r->name);
	if (r->fatal)
		return yx_diag_set(diag, r->fatal, "%s", r->fatal_diag.msg);
	return YX_ENOTFOUND;
}

int yx_csv_reader_next(yx_csv_reader_t *r, yx_csv_row_t *row, yx_diag_t *diag)
{
	if (r->fatal)
		return yx_diag_set(diag, r->fatal, "%s", r->fatal_diag.msg);
	if (r->finished)
		return YX_ENOTFOUND;
	row_begin(r);
	for (;;) {
		if (r->pos == r->len) {
			if (r->eof)
				return finish(r, row, diag);
			refill(r);
		} else {
			feed_segment(r);
		}
		if (r->fatal)
			return yx_diag_set(diag, r->fatal, "%s", r->fatal_diag.msg);
		if (r->row_done)
			return row_out(r, row, diag);
	}
}

/* ---- header ---- */

struct yx_csv_header {
	yx_kind_t kind;
	char *name;
	const ProtobufCMessageDescriptor *desc;
	const char *root;
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
	char q[QUOTE_BUF], list[400], missing[256];
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
	h->root = root_name(h->desc);
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
			                  name, row->line, quote(q, row->cells[i], row->lens[i]),
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
} conv_t;

static void *cv_alloc(conv_t *cv, size_t n)
{
	return cv->a ? cv->a->alloc(cv->a->allocator_data, n) : malloc(n);
}

static int cv_nomem(conv_t *cv)
{
	return yx_diag_set(cv->diag, -ENOMEM, "%s:%lu: out of memory", cv->h->name, cv->row->line);
}

/* "FILE:LINE: column COL: "value": what", the shape of every cell error. */
static int cv_error(conv_t *cv, const char *s, size_t len, const char *what)
{
	char q[QUOTE_BUF];
	return yx_diag_set(cv->diag, YX_EINVAL, "%s:%lu: column %s: %s: %s", cv->h->name,
	                   cv->row->line, cv->col->name, quote(q, s, len), what);
}

static ProtobufCMessage *cv_message(conv_t *cv, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = cv_alloc(cv, d->sizeof_message);
	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

static bool ascii_ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
		if (c != word[i])
			return false;
	}
	return true;
}

/* The output names of an enum's values (yx_enum_to_text), which rows mostly use: found
 * by one comparison each instead of json.c's spelling rules, which still decide every
 * other spelling. Built once per enum (single-threaded callers: the tools). */
#define ENUM_CACHE        16
#define ENUM_CACHE_VALUES 32
#define ENUM_CACHE_NAME   48

typedef struct {
	const ProtobufCEnumDescriptor *d;
	unsigned n;
	int values[ENUM_CACHE_VALUES];
	unsigned char lens[ENUM_CACHE_VALUES];
	char names[ENUM_CACHE_VALUES][ENUM_CACHE_NAME];
} enum_names_t;

static const enum_names_t *enum_names_of(const ProtobufCEnumDescriptor *d)
{
	static enum_names_t cache[ENUM_CACHE];
	enum_names_t *e = NULL;

	for (size_t i = 0; i < ENUM_CACHE && !e; i++) {
		if (cache[i].d == d) {
			e = &cache[i];
		} else if (!cache[i].d) {
			e = &cache[i];
			e->d = d;
			for (unsigned k = 0; k < d->n_values && e->n < ENUM_CACHE_VALUES; k++) {
				if (!yx_enum_to_text(d, d->values[k].value, e->names[e->n],
				                     ENUM_CACHE_NAME))
					continue;
				e->lens[e->n] = (unsigned char)strlen(e->names[e->n]);
				e->values[e->n++] = d->values[k].value;
			}
		}
	}
	return e;
}

static bool enum_exact(const ProtobufCEnumDescriptor *d, const char *s, size_t len, int *out)
{
	const enum_names_t *e = enum_names_of(d);

	for (unsigned k = 0; e && k < e->n; k++) {
		if (e->lens[k] == len && memcmp(e->names[k], s, len) == 0) {
			*out = e->values[k];
			return true;
		}
	}
	return false;
}

static int enum_from_text(conv_t *cv, const ProtobufCEnumDescriptor *d, const char *s, size_t len,
                          int *out)
{
	char text[YX_ENUM_NAME_MAX], why[YX_WHY_MAX], list[YX_ENUM_LIST_MAX];
	char what[YX_ENUM_LIST_MAX + 64];
	int64_t number;

	if (enum_exact(d, s, len, out))
		return YX_OK;
	if (len < sizeof(text)) {
		memcpy(text, s, len);
		text[len] = '\0';
		if (len && s[0] >= '0' && s[0] <= '9') {
			if (yx_text_to_int(s, len, INT32_MIN, INT32_MAX, &number, why) == YX_OK &&
			    protobuf_c_enum_descriptor_get_value(d, (int)number)) {
				*out = (int)number;
				return YX_OK;
			}
		} else if (yx_enum_from_text(d, text, out) == YX_OK) {
			return YX_OK;
		}
	}
	/* The names are cut (", ...") to the room the message has beside a long path. */
	char q[QUOTE_BUF];
	int used = snprintf(NULL, 0, "%s:%lu: column %s: %s: not a valid %s (expected one of )",
	                    cv->h->name, cv->row->line, cv->col->name, quote(q, s, len),
	                    d->short_name);
	size_t room = used > 0 && (size_t)used + 16 < sizeof(cv->diag->msg)
	                      ? sizeof(cv->diag->msg) - 1 - (size_t)used
	                      : 16;
	yx_enum_names(d, list);
	if (strlen(list) > room) {
		char *cut = list + room - 5;
		*cut = '\0';
		cut = strrchr(list, ',');
		strcpy(cut ? cut : list, ", ...");
	}
	snprintf(what, sizeof(what), "not a valid %s (expected one of %s)", d->short_name, list);
	return cv_error(cv, s, len, what);
}

static int real_from_text(conv_t *cv, const char *s, size_t len, double max, double *out)
{
	char text[64], *end;

	if (len == 0 || len >= sizeof(text))
		return cv_error(cv, s, len, "not a number");
	memcpy(text, s, len);
	text[len] = '\0';
	errno = 0;
	*out = strtod(text, &end);
	if (end != text + len || errno == ERANGE || !isfinite(*out) || *out > max || *out < -max)
		return cv_error(cv, s, len, "not a number in range");
	return YX_OK;
}

/* A string value; in a repeated string "\;" and "\\" are escapes. */
static int string_from_text(conv_t *cv, const char *s, size_t len, bool list, char **out)
{
	char *str = cv_alloc(cv, len + 1);
	size_t o = 0;

	if (!str)
		return cv_nomem(cv);
	for (size_t i = 0; i < len; i++) {
		if (list && s[i] == '\\' && i + 1 < len && (s[i + 1] == ';' || s[i + 1] == '\\'))
			i++;
		str[o++] = s[i];
	}
	str[o] = '\0';
	*out = str;
	return YX_OK;
}

static int bytes_from_text(conv_t *cv, const char *s, size_t len, ProtobufCBinaryData *out)
{
	size_t max = len / 4 * 3 + 3, bin_len = 0;
	const char *end = NULL;
	uint8_t *bin = cv_alloc(cv, max);

	if (!bin)
		return cv_nomem(cv);
	if (sodium_base642bin(bin, max, s, len, NULL, &bin_len, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + len) {
		if (!cv->a)
			free(bin);
		return cv_error(cv, s, len, "not valid base64 (standard alphabet, padded)");
	}
	out->data = bin;
	out->len = bin_len;
	return YX_OK;
}

/* One value of field f from s (len bytes, not empty) into member. */
static int value_from_text(conv_t *cv, const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                           bool list, void *member)
{
	char why[YX_WHY_MAX];
	int64_t i64 = 0;
	uint64_t u64 = 0;
	double dbl = 0;
	int ret = YX_OK;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if ((ret = yx_text_to_int(s, len, INT32_MIN, INT32_MAX, &i64, why)) == YX_OK)
			*(int32_t *)member = (int32_t)i64;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		if ((ret = yx_text_to_int(s, len, INT64_MIN, INT64_MAX, &i64, why)) == YX_OK)
			*(int64_t *)member = i64;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if ((ret = yx_text_to_uint(s, len, UINT32_MAX, &u64, why)) == YX_OK)
			*(uint32_t *)member = (uint32_t)u64;
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if ((ret = yx_text_to_uint(s, len, UINT64_MAX, &u64, why)) == YX_OK)
			*(uint64_t *)member = u64;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		if ((ret = real_from_text(cv, s, len, 3.402823466e38, &dbl)) == YX_OK)
			*(float *)member = (float)dbl;
		return ret;
	case PROTOBUF_C_TYPE_DOUBLE:
		if ((ret = real_from_text(cv, s, len, 1.7976931348623157e308, &dbl)) == YX_OK)
			*(double *)member = dbl;
		return ret;
	case PROTOBUF_C_TYPE_BOOL:
		if (ascii_ieq(s, len, "true") || ascii_ieq(s, len, "1"))
			*(protobuf_c_boolean *)member = 1;
		else if (ascii_ieq(s, len, "false") || ascii_ieq(s, len, "0"))
			*(protobuf_c_boolean *)member = 0;
		else
			return cv_error(cv, s, len, "expected true or false");
		return YX_OK;
	case PROTOBUF_C_TYPE_ENUM: return enum_from_text(cv, f->descriptor, s, len, (int *)member);
	case PROTOBUF_C_TYPE_STRING: return string_from_text(cv, s, len, list, (char **)member);
	case PROTOBUF_C_TYPE_BYTES:
		return bytes_from_text(cv, s, len, (ProtobufCBinaryData *)member);
	case PROTOBUF_C_TYPE_MESSAGE: return cv_error(cv, s, len, "no CSV form");
	}
	return ret == YX_OK ? YX_OK : cv_error(cv, s, len, why);
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
		return cv_error(cv, s, len, what);
	}
	if (!(*slot = cv_message(cv, d)))
		return cv_nomem(cv);
	k = (size_t)(colon - s);
	ret = value_from_text(cv, &d->fields[0], s, k, false, MEMBER(*slot, d->fields[0].offset));
	if (ret == YX_OK)
		ret = value_from_text(cv, &d->fields[1], colon + 1, len - k - 1, false,
		                      MEMBER(*slot, d->fields[1].offset));
	return ret;
}

/* A repeated field's cell. The array is zeroed and attached, count included, before any
 * value is read, so a failure part way leaves a message that frees whole. */
static int repeated_from_text(conv_t *cv, const ProtobufCFieldDescriptor *f, ProtobufCMessage *m,
                              const char *s, size_t len)
{
	bool escapes = f->type == PROTOBUF_C_TYPE_STRING;
	size_t n = 0, size = yx_field_value_size(f->type);
	char *arr;
	int ret = YX_OK;

	for (size_t i = 0; i <= len; i = item_end(s, len, i, escapes) + 1)
		n++;
	arr = cv_alloc(cv, n * size);
	if (!arr)
		return cv_nomem(cv);
	memset(arr, 0, n * size);
	*(void **)MEMBER(m, f->offset) = arr;
	*(size_t *)MEMBER(m, f->quantifier_offset) = n;
	for (size_t i = 0, k = 0; k < n && ret == YX_OK; k++) {
		size_t end = item_end(s, len, i, escapes);
		if (end == i) {
			char what[64];
			snprintf(what, sizeof(what), "value %zu of the list is empty", k + 1);
			ret = cv_error(cv, s, len, what);
		} else if (cv->col->pairs) {
			ret = pair_from_text(cv, f, s + i, end - i,
			                     (ProtobufCMessage **)(arr + k * size));
		} else {
			ret = value_from_text(cv, f, s + i, end - i, true, arr + k * size);
		}
		i = end + 1;
	}
	return ret;
}

/* The message a column's field lives in, made on first use. */
static ProtobufCMessage *cv_target(conv_t *cv, ProtobufCMessage *m, const column_t *c)
{
	for (unsigned i = 0; i + 1 < c->depth; i++) {
		ProtobufCMessage **sub = MEMBER(m, c->path[i]->offset);
		if (!*sub && !(*sub = cv_message(cv, c->path[i]->descriptor)))
			return NULL;
		m = *sub;
	}
	return m;
}

static int cell_from_text(conv_t *cv, ProtobufCMessage *root, const char *s, size_t len)
{
	const column_t *c = cv->col;
	const ProtobufCFieldDescriptor *f = c->path[c->depth - 1];
	ProtobufCMessage *m;
	int ret;

	/* A nested scalar at its default ("0") makes no message: the CSV form of a message
	 * whose fields are all default is its absence, so export and import agree. */
	if (c->depth > 1 && f->label != PROTOBUF_C_LABEL_REPEATED &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    f->label != PROTOBUF_C_LABEL_OPTIONAL) {
		static const unsigned char zero[sizeof(uint64_t)];
		uint64_t value = 0;
		if ((ret = value_from_text(cv, f, s, len, false, &value)) != YX_OK)
			return ret;
		if (memcmp(&value, zero, yx_field_value_size(f->type)) == 0)
			return YX_OK;
		if (!(m = cv_target(cv, root, c)))
			return cv_nomem(cv);
		memcpy(MEMBER(m, f->offset), &value, yx_field_value_size(f->type));
		return YX_OK;
	}
	if (!(m = cv_target(cv, root, c)))
		return cv_nomem(cv);
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return repeated_from_text(cv, f, m, s, len);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *which = MEMBER(m, f->quantifier_offset);
		if (*which != 0 && *which != f->id)
			return cv_error(cv, s, len, "another member of its oneof is set");
		*which = f->id;
	}
	ret = value_from_text(cv, f, s, len, false, MEMBER(m, f->offset));
	/* proto3 `optional` scalars and bytes carry a has_ flag. */
	if (ret == YX_OK && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
	return ret;
}

int yx_csv_row_to_record(const yx_csv_header_t *h, const yx_csv_row_t *row,
                         ProtobufCAllocator *allocator, void **record, yx_diag_t *diag)
{
	conv_t cv = {.h = h, .row = row, .a = allocator, .diag = diag};
	ProtobufCMessage *m = NULL;
	int ret = YX_OK;

	assert(h && row && record);
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
	if (!(m = cv_message(&cv, h->desc))) {
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

int yx_csv_validate(const yx_csv_header_t *h, const yx_csv_row_t *row, const Yrdx__Change *change,
                    yx_diag_t *diag)
{
	yx_diag_t d = {{0}};
	const column_t *best = NULL;
	const char *path, *end;
	size_t root = strlen(h->root), plen;
	int ret = yx_validate_record(change, &d);

	if (ret == YX_OK)
		return YX_OK;
	/* validate.c names "<root>.<field path>: ..."; the column is the longest column
	 * name the path starts with. */
	path = d.msg;
	if (strncmp(path, h->root, root) == 0 && path[root] == '.')
		path += root + 1;
	else
		return yx_diag_set(diag, ret, "%s:%lu: %s", h->name, row->line, d.msg);
	end = strchr(path, ':');
	plen = end ? (size_t)(end - path) : strlen(path);
	for (size_t i = 0; i < h->all->n; i++) {
		const column_t *c = &h->all->cols[i];
		size_t n = strlen(c->name);
		if (n <= plen && memcmp(c->name, path, n) == 0 &&
		    (n == plen || path[n] == '[' || path[n] == '.') &&
		    (!best || n > strlen(best->name)))
			best = c;
	}
	if (!best)
		return yx_diag_set(diag, ret, "%s:%lu: %s", h->name, row->line, path);
	if (strlen(best->name) == plen)
		return yx_diag_set(diag, ret, "%s:%lu: column %s", h->name, row->line, path);
	return yx_diag_set(diag, ret, "%s:%lu: column %s: %s", h->name, row->line, best->name,
	                   path);
}

/* ---- records to CSV ---- */

typedef struct {
	char *p;
	size_t len, cap;
} buf_t;

static int buf_room(buf_t *b, size_t more)
{
	return grow((void **)&b->p, &b->cap, b->len + more + 1, 1);
}

static int buf_add(buf_t *b, const char *s, size_t n)
{
	if (buf_room(b, n) != YX_OK)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return YX_OK;
}

static int buf_u64(buf_t *b, uint64_t v, bool neg)
{
	char buf[YX_INT_TEXT];
	size_t len;
	const char *text = yx_uint_text(buf, v, neg, &len);
	return buf_add(b, text, len);
}

static int buf_i64(buf_t *b, int64_t v)
{
	char buf[YX_INT_TEXT];
	size_t len;
	const char *text = yx_int_text(buf, v, &len);
	return buf_add(b, text, len);
}

/* One value of field f stored at member. */
static int value_to_text(buf_t *b, const ProtobufCFieldDescriptor *f, const void *member, bool list)
{
	char text[YX_ENUM_NAME_MAX];
	int n;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: return buf_i64(b, *(const int32_t *)member);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: return buf_i64(b, *(const int64_t *)member);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: return buf_u64(b, *(const uint32_t *)member, false);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: return buf_u64(b, *(const uint64_t *)member, false);
	case PROTOBUF_C_TYPE_FLOAT:
		n = snprintf(text, sizeof(text), "%.9g", (double)*(const float *)member);
		return buf_add(b, text, (size_t)n);
	case PROTOBUF_C_TYPE_DOUBLE:
		n = snprintf(text, sizeof(text), "%.17g", *(const double *)member);
		return buf_add(b, text, (size_t)n);
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)member ? buf_add(b, "true", 4)
		                                           : buf_add(b, "false", 5);
	case PROTOBUF_C_TYPE_ENUM: {
		const enum_names_t *e = enum_names_of(f->descriptor);
		int v = *(const int *)member;
		for (unsigned k = 0; e && k < e->n; k++)
			if (e->values[k] == v)
				return buf_add(b, e->names[k], e->lens[k]);
		/* A number this build does not know (protobuf-c keeps them) stays a number. */
		if (!yx_enum_to_text(f->descriptor, v, text, sizeof(text)))
			return buf_i64(b, v);
		return buf_add(b, text, strlen(text));
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)member;
		if (!s)
			return YX_OK;
		if (!list)
			return buf_add(b, s, strlen(s));
		for (; *s; s++) {
			if ((*s == ';' || *s == '\\') && buf_add(b, "\\", 1) != YX_OK)
				return -ENOMEM;
			if (buf_add(b, s, 1) != YX_OK)
				return -ENOMEM;
		}
		return YX_OK;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bin = member;
		size_t size = sodium_base64_ENCODED_LEN(bin->len, sodium_base64_VARIANT_ORIGINAL);
		if (buf_room(b, size) != YX_OK)
			return -ENOMEM;
		sodium_bin2base64(b->p + b->len, size, bin->data, bin->len,
		                  sodium_base64_VARIANT_ORIGINAL);
		b->len += size - 1;
		return YX_OK;
	}
	case PROTOBUF_C_TYPE_MESSAGE: return YX_EINVAL;
	}
	return YX_EINVAL;
}

/* Whether a singular field differs from its default (proto3: zero, "", unset). */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *member = CMEMBER(m, f->offset);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)CMEMBER(m, f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)CMEMBER(m, f->quantifier_offset) != 0;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(ProtobufCMessage *const *)member != NULL;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(char *const *)member;
		return s && *s;
	}
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)CMEMBER(m, f->quantifier_offset);
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return ((const ProtobufCBinaryData *)member)->len != 0;
	for (size_t i = 0; i < yx_field_value_size(f->type); i++)
		if (((const unsigned char *)member)[i])
			return true;
	return false;
}

static int cell_to_text(buf_t *b, const ProtobufCMessage *m, const column_t *c, bool key)
{
	const ProtobufCFieldDescriptor *f = c->path[c->depth - 1];
	int ret = YX_OK;

	for (unsigned i = 0; i + 1 < c->depth; i++) {
		m = *(ProtobufCMessage *const *)CMEMBER(m, c->path[i]->offset);
		if (!m)
			return YX_OK;
	}
	if (!present(m, f))
		return key ? value_to_text(b, f, CMEMBER(m, f->offset), false) : YX_OK;
	if (c->no_csv)
		return YX_EINVAL;
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return value_to_text(b, f, CMEMBER(m, f->offset), false);
	size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
	const char *arr = *(void *const *)CMEMBER(m, f->offset);
	size_t size = yx_field_value_size(f->type);
	for (size_t k = 0; k < n && ret == YX_OK; k++) {
		if (k && (ret = buf_add(b, ";", 1)) != YX_OK)
			break;
		if (c->pairs) {
			const ProtobufCMessage *p = *(ProtobufCMessage *const *)(arr + k * size);
			const ProtobufCMessageDescriptor *d = f->descriptor;
			if (!p)
				return YX_EINVAL;
			ret = value_to_text(b, &d->fields[0], CMEMBER(p, d->fields[0].offset),
			                    false);
			if (ret == YX_OK)
				ret = buf_add(b, ":", 1);
			if (ret == YX_OK)
				ret = value_to_text(b, &d->fields[1],
				                    CMEMBER(p, d->fields[1].offset), false);
		} else {
			ret = value_to_text(b, f, arr + k * size, true);
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
	static buf_t b;
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
