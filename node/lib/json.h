/* json: records to and from JSON, for people and spreadsheets (yrdxctl put/get/export/
 * import). Conversion walks the protobuf-c descriptors, so every record kind and every
 * field added to proto/records.proto later is covered without code here.
 *
 * The JSON form of a record:
 *   - an object keyed by the proto field names (snake_case);
 *   - output omits fields at their default (0, "", false, [], unset message) except the
 *     record's key (id, or credit_code for an enterprise), which is always present;
 *   - enums are lower-case value names without the enum's prefix (INDUSTRY_BIOMEDICINE is
 *     "biomedicine"); input also takes any case, '-' for '_', the full value name, or
 *     the number of a defined value;
 *   - integers are numbers; 64-bit fields also accept a decimal string, and a uint64
 *     above 2^63-1 (beyond jansson's json_int_t) is printed as one;
 *   - bytes are standard padded base64 (so public keys look as they do everywhere else);
 *   - nested messages are objects, repeated fields arrays;
 *   - on input, null means absent, unknown keys and wrong types are errors.
 *
 * Input errors are YX_EINVAL with a diag naming the JSON path and the value, e.g.
 *   enterprise.industries[1]: "integrated_circuit": not a valid Industry (expected one
 *   of digital_transformation, ...)
 * The path starts with the record's field name in Change (relay_event, joint_participation).
 * Sizes, required fields and codes are validate.c's business, not this module's. */
#ifndef YRDX_JSON_H
#define YRDX_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "codec.h"
#include "error.h"

/* The protobuf-c descriptor of kind's record message (Yrdx__Incubator etc.); NULL if kind
 * is not a record kind. Static, never freed. */
const ProtobufCMessageDescriptor *yx_kind_descriptor(yx_kind_t kind);

/* Builds a record of kind from the JSON object obj (borrowed). On YX_OK *record is a heap
 * message (Yrdx__Enterprise * etc.) every part of which is malloc'd; the caller frees it
 * with yx_record_free. On YX_EINVAL (diag names path and value) or -ENOMEM, *record is
 * NULL. kind must be a record kind. */
int yx_json_to_record(yx_kind_t kind, const json_t *obj, void **record, yx_diag_t *diag);

/* As yx_json_to_record, from len bytes of JSON text (one object, nothing after it;
 * duplicate keys rejected). A syntax error is YX_EINVAL with a diag
 * "line L, column C: <what>". */
int yx_json_to_record_text(yx_kind_t kind, const char *text, size_t len, void **record,
                           yx_diag_t *diag);

/* Frees a record from yx_json_to_record (or a Yrdx__Incubator * etc. unpacked with the
 * default allocator) and nulls the pointer; accepts NULL and a NULL *record. */
void yx_record_free(yx_kind_t kind, void **record);

/* The JSON form of record (a Yrdx__Incubator * etc. matching kind; borrowed). Returns a
 * new reference the caller json_decref's, NULL if out of memory. */
json_t *yx_record_to_json(yx_kind_t kind, const void *record);

/* The JSON form of a change envelope, for get/export/feed output:
 *   {"kind": "enterprise", "id": ..., "origin": base64, "seq": n, "time_ms": n,
 *    "record": {...}}
 * with "tombstone": {"reason": ...} instead of "record" for a retraction (neither for an
 * empty body). "kind" is yx_kind_name's name, or the number if it has none. New
 * reference, NULL if out of memory. */
json_t *yx_change_to_json(const Yrdx__Change *change);

/* Writes the JSON form of record (as yx_record_to_json, dumped with JSON_COMPACT: the
 * same bytes) to out without building it in memory, for exports of millions of records.
 * Nothing else is written (no newline). YX_OK, -EIO if out failed, -ENOMEM. */
int yx_record_write_json(FILE *out, yx_kind_t kind, const void *record);

/* ---- the same spellings for other text forms (csvrec.c) ---- */

#define YX_ENUM_NAME_MAX 128 /* an enum value's output name, with its NUL */
#define YX_ENUM_LIST_MAX 384 /* yx_enum_names' list, with its NUL */
#define YX_WHY_MAX       80  /* a reason from yx_text_to_int / yx_text_to_uint */

/* The value of enum d that text (NUL-terminated) names as JSON input accepts it: short or
 * full value name, any case, '-' for '_'. YX_OK with *value set, or YX_ENOTFOUND. */
int yx_enum_from_text(const ProtobufCEnumDescriptor *d, const char *text, int *value);

/* value's output name ("biomedicine") written into out (size bytes); returns out, or
 * NULL if d defines no such value (or out is too small). */
const char *yx_enum_to_text(const ProtobufCEnumDescriptor *d, int value, char *out, size_t size);

/* "a, b, c": d's output names other than UNSPECIFIED, for "expected one of" messages;
 * cut with ", ..." if they do not fit. Returns out. */
const char *yx_enum_names(const ProtobufCEnumDescriptor *d, char out[YX_ENUM_LIST_MAX]);

/* Parses len bytes, an optional '-' then decimal digits and nothing else, as an integer
 * in min..max (or 0..max): YX_OK with *out set, or YX_EINVAL with the reason in why
 * ("not a decimal integer", "out of range (0..4294967295)", ...), worded as JSON input
 * words it. */
int yx_text_to_int(const char *text, size_t len, int64_t min, int64_t max, int64_t *out,
                   char why[YX_WHY_MAX]);
int yx_text_to_uint(const char *text, size_t len, uint64_t max, uint64_t *out,
                    char why[YX_WHY_MAX]);

/* Bytes one value of protobuf-c type t takes in a repeated field's array (shared by the
 * JSON and CSV record codecs). */
size_t yx_field_value_size(ProtobufCType t);

#endif
