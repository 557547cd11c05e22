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
 *   - a value is its text form (reflect.h): decimal integers, true/false, enums by
 *     their output names (input: any spelling reflect.h takes, or a defined number),
 *     standard padded base64;
 *   - a repeated field is one cell, its values separated by ';'
 *     ("integrated_circuits;biomedicine"); in repeated strings "\;" is a literal ';' and
 *     "\\" a backslash; empty values are an error;
 *   - a repeated message of two plain fields (evaluation.scores: DimensionScore) is one
 *     cell of "first:second" pairs separated by ';' ("talent:80;hard_tech_origination:75");
 *     other repeated messages have no CSV form (use NDJSON);
 *   - rows are read by csvread.c, which says the file's dialect and its syntax errors.
 *
 * Messages name the file, the line the row starts on and the column, found for
 * validation's messages from the field path the diag carries:
 *   shanghai-enterprises.csv:12: column credit_code: "91310115MA1K4ABC9X": check
 *   character is 'X', expected '1'
 * Input here comes from files: nothing asserts on it. */
#ifndef YRDX_CSVREC_H
#define YRDX_CSVREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codec.h"
#include "csvread.h"
#include "error.h"

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

/* A diag about the record built from row (err and d, from validate.c, evalrules.c or
 * any check that names the field by its path) said in CSV terms into diag: "FILE:LINE:
 * column COL: ...", or "FILE:LINE: ..." when it names no column. Returns err. */
int yx_csv_diag(const yx_csv_header_t *header, const yx_csv_row_t *row, int err, const yx_diag_t *d,
                yx_diag_t *diag);

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
