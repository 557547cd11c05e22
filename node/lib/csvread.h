/* csvread: rows of a CSV file, streamed, for csvrec.c's records. The file is UTF-8 with or
 * without a BOM, lines end in LF or CRLF, fields with ',', '"' or line breaks are quoted
 * with '"' and quotes inside doubled (RFC 4180); nothing is trimmed: spaces are data.
 * libcsv parses; this module adds what a registry file needs around it: UTF-8 checked
 * byte by byte, every row's line and its text as in the file (for a rejects file), the
 * line and column (in characters) where reading stops, and bounds on cells and rows.
 *
 * Messages name the file, the line and the column, e.g.
 *   shanghai-enterprises.csv:7:23: '"' inside an unquoted field (quote the whole field
 *   and double the quote)
 * Input here comes from files: nothing asserts on it. */
#ifndef YRDX_CSVREAD_H
#define YRDX_CSVREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define YX_CSV_CELL_MAX (64 * 1024) /* bytes of one cell as read, before any check */

/* ---- reading rows ---- */

typedef struct yx_csv_reader yx_csv_reader_t;

/* One row as read. Everything points into the reader and is valid until the next
 * yx_csv_reader_next or yx_csv_reader_destroy. */
typedef struct {
	size_t n;                 /* cells */
	const char *const *cells; /* each NUL-terminated */
	const size_t *lens;       /* byte lengths of the cells */
	unsigned long line;       /* physical line the row starts on, 1-based */
	const char *raw;          /* the row exactly as in the file, its line ending */
	size_t raw_len;           /* included (a BOM is not part of the first row) */
	const char *error;        /* NULL, or why this row cannot be used: a full message
	                           * ("FILE:LINE:COL: invalid UTF-8 ..."); cells may then
	                           * be incomplete, the next row is still read correctly */
} yx_csv_row_t;

/* A reader of the CSV stream in (not closed by the reader) that name names in messages
 * (copied). The stream is read in 64 KiB chunks and never held whole. Returns YX_OK or
 * -ENOMEM; the caller destroys *out with yx_csv_reader_destroy. */
int yx_csv_reader_new(FILE *in, const char *name, yx_csv_reader_t **out);

/* Frees the reader and nulls the pointer; accepts NULL. */
void yx_csv_reader_destroy(yx_csv_reader_t **reader);

/* The next row (blank lines are skipped; the first row returned is the header):
 *   YX_OK        *row filled (row->error says whether it is usable);
 *   YX_ENOTFOUND no more rows;
 *   YX_EINVAL    the file cannot be read on (diag: "FILE:LINE:COL: malformed quoting",
 *                a cell over YX_CSV_CELL_MAX, a quote left open at the end, "FILE: empty
 *                file"); every later call returns the same;
 *   -errno       reading failed (diag says so), -ENOMEM. */
int yx_csv_reader_next(yx_csv_reader_t *reader, yx_csv_row_t *row, yx_diag_t *diag);

/* Bytes of the stream consumed so far, for progress reports. */
uint64_t yx_csv_reader_offset(const yx_csv_reader_t *reader);

#endif
