/* codec: record kinds, and the change envelope to and from its exact stored bytes.
 *
 * Changes are packed once, by their origin, and then only ever passed around as bytes;
 * decoding never feeds back into hashing. */
#ifndef YRDX_CODEC_H
#define YRDX_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "change.pb-c.h"
#include "records.pb-c.h"

#define YX_KEY_BYTES        32          /* Ed25519 public key, the name of an origin */
#define YX_HASH_BYTES       32          /* BLAKE2b-256 */
#define YX_MAX_CHANGE_BYTES (64 * 1024) /* largest encoded change accepted anywhere */

typedef enum {
	YX_KIND_NONE = YRDX__RECORD_KIND__RECORD_KIND_UNSPECIFIED,
	YX_KIND_INCUBATOR = YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR,
	YX_KIND_ENTERPRISE = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE,
	YX_KIND_PARK = YRDX__RECORD_KIND__RECORD_KIND_PARK,
	YX_KIND_RELAY_EVENT = YRDX__RECORD_KIND__RECORD_KIND_RELAY_EVENT,
	YX_KIND_JOINT = YRDX__RECORD_KIND__RECORD_KIND_JOINT_PARTICIPATION,
	YX_KIND_EVALUATION = YRDX__RECORD_KIND__RECORD_KIND_EVALUATION,
	YX_KIND_POLICY = YRDX__RECORD_KIND__RECORD_KIND_SHARING_POLICY,
	YX_KIND_FIGURES = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE_FIGURES,
	YX_KIND_CHARTER = YRDX__RECORD_KIND__RECORD_KIND_CHARTER_VOTE,
	YX_KIND_COUNT
} yx_kind_t;

/* Command-line name of a kind ("enterprise", "relay-event", ...); NULL if out of range. */
const char *yx_kind_name(yx_kind_t kind);

/* Kind for a command-line name, exactly as yx_kind_name spells it; YX_KIND_NONE if
 * unknown. For names in configuration files. */
yx_kind_t yx_kind_from_name(const char *name);

/* Kind that len bytes of text name as people write them: yx_kind_name's name or the
 * schema's (joint-participation), singular or plural, any case, '_' for '-'
 * ("Enterprises", "relay_event"); YX_KIND_NONE if none. For command lines, files'
 * names and NDJSON "kind" members. */
yx_kind_t yx_kind_from_word(const char *text, size_t len);

/* Change.kind read from a change's encoded bytes without decoding the rest (a walk over
 * the top-level fields); YX_KIND_NONE if absent, malformed or out of range. For bytes
 * already verified: it only says which kind, it checks nothing. */
yx_kind_t yx_change_peek_kind(const uint8_t *bytes, size_t len);

/* The body of a change from its encoded bytes without decoding them: the oneof's field
 * number (the value Yrdx__Change's body_case takes for it) and that message's bytes, the
 * last body given as protobuf reads it. false if there is none or the bytes are not a
 * change. For bytes already verified (a store's): it checks nothing. */
bool yx_change_peek_body(const uint8_t *bytes, size_t len, unsigned *body_case,
                         const uint8_t **body, size_t *body_len);

/* What the counts (stats.h) read of an enterprise, from a change's encoded bytes without
 * decoding the rest: protobuf-c's unpack of a million enterprises was half the time of
 * `stats`. Fields as protobuf reads them (the last value of a scalar, a repeated enum
 * packed or not, the last body of the oneof). */
typedef struct {
	int64_t time_ms;         /* Change.time_ms */
	const char *credit_code; /* not NUL-terminated: points into the bytes */
	size_t credit_code_len;
	uint32_t city;
	int stage;               /* EnterpriseStage */
	uint32_t qualifications; /* bit per Qualification value */
} yx_enterprise_peek_t;

/* true if bytes are a change whose body is an enterprise with a credit code, read into
 * *out; false for any other body (a tombstone), or bytes that are not a change: decode
 * those. For bytes already verified (a store's): it checks nothing. */
bool yx_enterprise_peek(const uint8_t *bytes, size_t len, yx_enterprise_peek_t *out);

/* Kind a change's body carries (tombstones carry none: YX_KIND_NONE). */
yx_kind_t yx_change_body_kind(const Yrdx__Change *change);

/* The record id the body itself names (credit code for an enterprise, id otherwise);
 * NULL for a tombstone or an empty body. Points into change. */
const char *yx_change_body_id(const Yrdx__Change *change);

/* The body's record message (NULL for a tombstone or an empty body); points into change. */
const ProtobufCMessage *yx_change_body(const Yrdx__Change *change);

/* Points change's oneof at record (a Yrdx__Incubator* etc. matching kind); the change
 * does not take ownership. */
void yx_change_set_body(Yrdx__Change *change, yx_kind_t kind, void *record);

/* Packs change into *out (caller frees with free()). Returns YX_ETOOBIG if the result
 * exceeds YX_MAX_CHANGE_BYTES, -ENOMEM. */
int yx_change_encode(const Yrdx__Change *change, uint8_t **out, size_t *len);

/* Unpacks bytes into *out (caller frees with yx_change_free). Returns YX_EDECODE on
 * malformed bytes, YX_ETOOBIG past YX_MAX_CHANGE_BYTES. */
int yx_change_decode(const uint8_t *bytes, size_t len, Yrdx__Change **out);

/* As yx_change_decode, with the change's memory taken from arena: released by the arena's
 * reset, never by yx_change_free. */
int yx_change_decode_in(yx_arena_t *arena, const uint8_t *bytes, size_t len, Yrdx__Change **out);

/* Frees a change from yx_change_decode and nulls the pointer; accepts NULL. */
void yx_change_free(Yrdx__Change **change);

#endif
