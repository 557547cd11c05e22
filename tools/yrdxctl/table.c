#include "table.h"

#include "csvrec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct table {
	size_t cols, rows, cap;
	char **cells; /* row-major, row 0 the headers */
};

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

static table_t *table_alloc(size_t cols)
{
	table_t *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->cols = cols;
	t->cap = t->cols * 16;
	t->cells = calloc(t->cap, sizeof(char *));
	if (!t->cells)
		abort();
	return t;
}

/* Room for one more row. */
static char **row_room(table_t *t)
{
	if ((t->rows + 1) * t->cols > t->cap) {
		size_t cap = t->cap * 2;
		char **grown = realloc(t->cells, cap * sizeof(char *));
		if (!grown)
			abort();
		t->cells = grown;
		t->cap = cap;
	}
	return &t->cells[t->rows * t->cols];
}

table_t *table_new(const char *first, ...)
{
	va_list ap;
	size_t cols = 0;
	va_start(ap, first);
	for (const char *h = first; h; h = va_arg(ap, const char *))
		cols++;
	va_end(ap);
	table_t *t = table_alloc(cols);
	size_t i = 0;
	va_start(ap, first);
	for (const char *h = first; h; h = va_arg(ap, const char *))
		t->cells[i++] = strdup(h);
	va_end(ap);
	t->rows = 1;
	return t;
}

table_t *table_new_v(size_t cols, const char *const *headers)
{
	table_t *t = table_alloc(cols);
	table_row_v(t, headers);
	return t;
}

void table_row(table_t *t, ...)
{
	va_list ap;
	char **row = row_room(t);
	va_start(ap, t);
	for (size_t c = 0; c < t->cols; c++) {
		const char *v = va_arg(ap, const char *);
		row[c] = strdup(v ? v : "");
	}
	va_end(ap);
	t->rows++;
}

void table_row_v(table_t *t, const char *const *cells)
{
	char **row = row_room(t);
	for (size_t c = 0; c < t->cols; c++)
		row[c] = strdup(cells[c] ? cells[c] : "");
	t->rows++;
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
	int *width = calloc(t->cols, sizeof(int));
	if (!width)
		abort();
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
