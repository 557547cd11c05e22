/* json: records to and from JSON, for people and spreadsheets (yrdxctl put/get/export/
 * import). Conversion walks the protobuf-c descriptors (reflect.h), so every record kind
 * and every field added to proto/records.proto later is covered without code here.
 *
 * The JSON form of a record:
 *   - an object keyed by the proto field names (snake_case);
 *   - output omits fields at their default (0, "", false, [], unset message) except the
 *     record's key (id, or credit_code for an enterprise), which is always present;
 *   - enums are strings, their output names (reflect.h: INDUSTRY_BIOMEDICINE is
 *     "biomedicine"); input also takes the spellings reflect.h takes, or the number of a
 *     defined value as a JSON number;
 *   - integers are numbers; 64-bit fields also accept a decimal string, and a uint64
 *     above 2^63-1 (beyond jansson's json_int_t) is printed as one;
 *   - bytes are standard padded base64 (so public keys look as they do everywhere else);
 *   - nested messages are objects, repeated fields arrays;
 *   - on input, null means absent, unknown keys and wrong types are errors.
 *
 * Input errors are YX_EINVAL with a diag naming the JSON path (also kept in diag->path)
 * and the value, e.g.
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
#include "reflect.h"
#include "wire.pb-c.h"

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

/* A park's feed event as yrdx-feed prints it, one JSON line: its change c (decoded from
 * e->change) as yx_change_to_json, with the event's "cursor", "event_id", "why" and, where
 * the node gave one, its "summary": {"enterprise": the record's fields given or null,
 * "incubator": {"id", "name"}, "proposer": {"key", "name", "city", "city_name"}}, names
 * and cities null where unknown. New reference, NULL if out of memory. */
json_t *yx_feed_event_to_json(const Yrdx__FeedEvent *e, const Yrdx__Change *c);

/* Writes the JSON form of record (as yx_record_to_json, dumped with JSON_COMPACT: the
 * same bytes) to out without building it in memory, for exports of millions of records.
 * Nothing else is written (no newline). YX_OK, -EIO if out failed, -ENOMEM. */
int yx_record_write_json(FILE *out, yx_kind_t kind, const void *record);

#endif
