/* csvrec: records to and from CSV, for registries kept in spreadsheets (yrdxctl import and
 * export). Like json.c it walks the protobuf-c descriptors, so every record kind and every
 * field added to proto/records.proto later has its column without code here.
 *
 * The CSV form of a record kind:
 *   - a header row names the columns, in any order; a column is a proto field name, a
 *     nested message's field is "parent.child" (financials.revenue_wan_yuan,
 *     answers.seq); every record kind's key column (credit_code for an enterprise, id
 *     otherwise) and every field validate.c requires must be there;
 *   - an empty cell is the field absent (its default); a nested message whose cells are
 *     all empty or default ("0") is absent, and is written so;
 *   - integers are decimal ("-" allowed for signed fields), booleans true/false (or 1/0,
 *     any case), enums as json.c spells them (lower-case short names; input also takes
 *     any case, '-' for '_', the full value name or a defined number), bytes standard
 *     padded base64;
 *   - a repeated field is one cell, its values separated by ';'
 *     ("integrated_circuits;biomedicine"); in repeated strings "\;" is a literal ';' and
 *     "\\" a backslash; empty values are an error;
 *   - a repeated message of two plain fields (evaluation.scores: DimensionScore) is one
 *     cell of "first:second" pairs separated by ';' ("talent:80;hard_tech_origination:75");
 *     other repeated messages have no CSV form (use NDJSON);
 *   - the file is UTF-8 with or without a BOM, lines end in LF or CRLF, fields with ',',
 *     '"' or line breaks are quoted with '"' and quotes inside doubled (RFC 4180); nothing
 *     is trimmed: spaces are data.
 *
 * Messages name the file, the line the row starts on and the column:
 *   shanghai-enterprises.csv:12: column credit_code: "91310115MA1K4ABC9X": check
 *   character is 'X', expected '1'
 * and syntax errors the line and column (in characters) where reading stopped:
 *   shanghai-enterprises.csv:7:23: '"' inside an unquoted field (quote the whole field
 *   and double the quote)
 * Input here comes from files: nothing asserts on it. */
#ifndef YRDX_CSVREC_H
#define YRDX_CSVREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec.h"
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

/* ---- rows to records ---- */

typedef struct yx_csv_header yx_csv_header_t;

/* Binds the header row of a file of kind (a record kind): which field each column fills.
 * name names the file in messages (copied). YX_OK, YX_EINVAL with diag for an unknown,
 * repeated or unnamed column or for missing required columns (all of them named in one
 * message), or -ENOMEM. Caller destroys *out with yx_csv_header_destroy. */
int yx_csv_header_new(yx_kind_t kind, const char *name, const yx_csv_row_t *header,
                      yx_csv_header_t **out, yx_diag_t *diag);
void yx_csv_header_destroy(yx_csv_header_t **header);

/* The kind the header was bound for. */
yx_kind_t yx_csv_header_kind(const yx_csv_header_t *header);

/* Builds a record (Yrdx__Enterprise * etc.) from a data row read under header. Every part
 * of it is allocated with allocator (NULL: malloc); the caller frees it with
 * protobuf_c_message_free_unpacked(*record, allocator), or drops it with its arena.
 * YX_OK; YX_EINVAL with diag "FILE:LINE: column COL: value: reason" (or the row's own
 * error, or a cell count differing from the header's); -ENOMEM. Nothing is validated
 * beyond what the CSV form requires: that is yx_csv_validate's work. On error *record
 * is NULL and nothing is left allocated (with an arena: nothing that matters). */
int yx_csv_row_to_record(const yx_csv_header_t *header, const yx_csv_row_t *row,
                         ProtobufCAllocator *allocator, void **record, yx_diag_t *diag);

/* yx_validate_record on change (whose body came from row) with the message said in CSV
 * terms: "FILE:LINE: column COL: ...". YX_OK or YX_EINVAL. */
int yx_csv_validate(const yx_csv_header_t *header, const yx_csv_row_t *row,
                    const Yrdx__Change *change, yx_diag_t *diag);

/* The columns validate.c requires of kind, NULL-terminated (static). */
const char *const *yx_csv_required_columns(yx_kind_t kind);

/* ---- records to CSV ---- */

/* Writes the header row of kind's CSV form: every column, in field order, LF-ended.
 * YX_OK, or -errno if writing failed. */
int yx_csv_write_header(FILE *out, yx_kind_t kind);

/* Writes record (a Yrdx__Enterprise * etc. matching kind) as one row under that header:
 * defaults as empty cells except the key. A field with no CSV form (see above) makes it
 * YX_EINVAL. YX_OK, or -errno if writing failed, -ENOMEM. */
int yx_csv_write_record(FILE *out, yx_kind_t kind, const void *record);

#endif
