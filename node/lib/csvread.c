#include "csvread.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "grow.h"
#include "text.h"

#define CHUNK            (64 * 1024)
#define HEADER_CELLS_MAX 256 /* cells a header row may have before it is bound */

/* libcsv's state between rows (its ROW_NOT_BEGUN, not exported by csv.h). */
#define CSV_STATE_ROW_NOT_BEGUN 0

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
	size_t cap = yx_grow_cap(r->cap, r->n + 1, 32);
	if (!cap || yx_resize(r->offs, cap) || yx_resize(r->lens, cap) || yx_resize(r->cells, cap))
		return -ENOMEM;
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
	if (yx_grow(r->cellbuf, r->cell_cap, r->cell_len + len + 1, 64) != YX_OK ||
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
	if (yx_grow(r->raw, r->raw_cap, r->raw_len + n + 2, 64) != YX_OK) {
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
