#include "table.h"

#include "csvrec.h"
#include "grow.h"
#include "yrdxctl.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct table {
	size_t cols, rows, cap;
	char **cells; /* row-major, row 0 the headers */
};

/* Memory ran out while a table was built. yrdxctl prints a table as the last thing a
 * read-only command does, and holds nothing that needs undoing: it says so and ends with
 * EXIT_FAIL, printing nothing of the table. */
static _Noreturn void table_oom(void)
{
	fputs("yrdxctl: out of memory while building a table; nothing of it was printed\n", stderr);
	exit(EXIT_FAIL);
}

static void *table_alloc(void *p)
{
	if (!p)
		table_oom();
	return p;
}

/* qsort_r's comparison of two rows (arrays of cols cells) by their first *keys cells. */
static int row_compare(const void *a, const void *b, void *keys)
{
	char *const *x = a, *const *y = b;
	for (size_t i = 0; i < *(size_t *)keys; i++) {
		int c = strcmp(x[i], y[i]);
		if (c)
			return c;
	}
	return 0;
}

void table_sort(table_t *t, size_t keys)
{
	if (!t || t->rows < 3)
		return;
	if (keys > t->cols)
		keys = t->cols;
	/* row 0 is the headers: sorted are the rows after it, each cols cells wide */
	qsort_r(t->cells + t->cols, t->rows - 1, t->cols * sizeof(char *), row_compare, &keys);
}

int text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	int w = 0;
	size_t len = strlen(s);
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* not UTF-8 in this locale: count the byte */
			w++;
			s++;
			len--;
			memset(&st, 0, sizeof(st));
			continue;
		}
		int cw = wcwidth(wc);
		w += cw > 0 ? cw : 0;
		s += n;
		len -= n;
	}
	return w;
}

void text_pad(FILE *out, const char *s, int width)
{
	int w = text_width(s);
	fputs(s, out);
	if (w < width)
		fprintf(out, "%*s", width - w, "");
}

table_t *table_new_v(const char *const *headers, size_t n)
{
	table_t *t = table_alloc(calloc(1, sizeof(*t)));
	t->cols = n;
	t->cap = t->cols * 16;
	t->cells = table_alloc(calloc(t->cap ? t->cap : 1, sizeof(char *)));
	for (size_t i = 0; i < n; i++)
		t->cells[i] = table_alloc(strdup(headers[i]));
	t->rows = 1;
	return t;
}

void table_row_v(table_t *t, const char *const *cells)
{
	if (yx_grow(t->cells, t->cap, (t->rows + 1) * t->cols, 16))
		table_oom();
	for (size_t c = 0; c < t->cols; c++)
		t->cells[t->rows * t->cols + c] = table_alloc(strdup(cells[c] ? cells[c] : ""));
	t->rows++;
}

#define TABLE_COLS_MAX 16

table_t *table_new(const char *first, ...)
{
	const char *h[TABLE_COLS_MAX];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *x = first; x && n < TABLE_COLS_MAX; x = va_arg(ap, const char *))
		h[n++] = x;
	va_end(ap);
	return table_new_v(h, n);
}

void table_row(table_t *t, ...)
{
	const char *v[TABLE_COLS_MAX];
	va_list ap;
	va_start(ap, t);
	for (size_t c = 0; c < t->cols && c < TABLE_COLS_MAX; c++)
		v[c] = va_arg(ap, const char *);
	va_end(ap);
	table_row_v(t, v);
}

void table_print_csv(table_t **tp, FILE *out)
{
	table_t *t = *tp;
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			if (c)
				fputc(',', out);
			yx_csv_write_cell(out, t->cells[r * t->cols + c]);
			free(t->cells[r * t->cols + c]);
		}
		fputc('\n', out);
	}
	free(t->cells);
	free(t);
	*tp = NULL;
}

void table_print(table_t **tp, FILE *out)
{
	table_t *t = *tp;
	int *width = table_alloc(calloc(t->cols ? t->cols : 1, sizeof(int)));
	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			int w = text_width(t->cells[r * t->cols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++) {
			const char *cell = t->cells[r * t->cols + c];
			fputs(cell, out);
			if (c + 1 < t->cols)
				fprintf(out, "%*s", width[c] - text_width(cell) + 2, "");
			free(t->cells[r * t->cols + c]);
		}
		fputc('\n', out);
	}
	free(width);
	free(t->cells);
	free(t);
	*tp = NULL;
}
