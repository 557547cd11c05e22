#include "table.h"

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

table_t *table_new(const char *first, ...)
{
	table_t *t = calloc(1, sizeof(*t));
	va_list ap;
	if (!t)
		abort();
	va_start(ap, first);
	for (const char *h = first; h; h = va_arg(ap, const char *))
		t->cols++;
	va_end(ap);
	t->cap = t->cols * 16;
	t->cells = calloc(t->cap, sizeof(char *));
	if (!t->cells)
		abort();
	size_t i = 0;
	va_start(ap, first);
	for (const char *h = first; h; h = va_arg(ap, const char *))
		t->cells[i++] = strdup(h);
	va_end(ap);
	t->rows = 1;
	return t;
}

void table_row(table_t *t, ...)
{
	va_list ap;
	if ((t->rows + 1) * t->cols > t->cap) {
		size_t cap = t->cap * 2;
		char **grown = realloc(t->cells, cap * sizeof(char *));
		if (!grown)
			abort();
		t->cells = grown;
		t->cap = cap;
	}
	va_start(ap, t);
	for (size_t c = 0; c < t->cols; c++) {
		const char *v = va_arg(ap, const char *);
		t->cells[t->rows * t->cols + c] = strdup(v ? v : "");
	}
	va_end(ap);
	t->rows++;
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
