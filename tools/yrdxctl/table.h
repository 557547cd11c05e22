/* table: human-readable tables whose columns line up with Chinese text, measured in
 * display columns (wcwidth), not bytes. */
#ifndef YRDXCTL_TABLE_H
#define YRDXCTL_TABLE_H

#include <stdio.h>

typedef struct table table_t;

/* A table with n columns (at most 16) named by the NULL-terminated header list. */
table_t *table_new(const char *first_header, ...) __attribute__((sentinel));
/* Adds a row of exactly as many cells as headers (copied). */
void table_row(table_t *t, ...);
/* The same with the headers (n of them) and a row's cells (as many) as arrays. */
table_t *table_new_v(const char *const *headers, size_t n);
void table_row_v(table_t *t, const char *const *cells);
/* Orders the rows (not the headers) by their first keys cells, text order. */
void table_sort(table_t *t, size_t keys);
/* Prints and frees. */
void table_print(table_t **t, FILE *out);
/* Prints as CSV (RFC 4180, the headers first, as export writes cells) and frees. */
void table_print_csv(table_t **t, FILE *out);

/* Display columns taken by UTF-8 text s. */
int text_width(const char *s);
/* Prints s, then spaces up to width display columns. */
void text_pad(FILE *out, const char *s, int width);

#endif
