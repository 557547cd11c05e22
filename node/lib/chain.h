/* chain: the hash chain of an origin's change log and the signed heads that close it.
 *
 *   D(n) = BLAKE2b-256(B(n))                        digest of the exact change bytes
 *   H(n) = BLAKE2b-256("yrdx-chain-v1" || H(n-1) || D(n)),  H(0) = 32 zero bytes
 *
 * Linking digests rather than raw bytes lets a withheld change travel as a stub (its
 * digest only) while the receiver still recomputes every H(n) and checks the origin's
 * signed head. See docs/design.md. */
#ifndef YRDX_CHAIN_H
#define YRDX_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "keys.h"

/* A head's version (proto/change.proto, SignedHead): 2 signs policy_seq as well. */
#define YX_HEAD_V1 1
#define YX_HEAD_V2 2

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES];
	int64_t time_ms;
	uint8_t signature[YX_SIG_BYTES];
	uint64_t policy_seq; /* V2: the origin's latest sharing policy at or below seq, 0: none */
	uint8_t version;     /* YX_HEAD_V2, or V1 for a head kept from before (0 reads as V1) */
} yx_head_t;

/* D(n) of change bytes. */
void yx_chain_digest(const uint8_t *bytes, size_t len, uint8_t digest[YX_HASH_BYTES]);

/* H(n) from H(n-1) and D(n). out may alias neither input. */
void yx_chain_link(const uint8_t prev[YX_HASH_BYTES], const uint8_t digest[YX_HASH_BYTES],
                   uint8_t out[YX_HASH_BYTES]);

/* Signs head in place with id, as version 2 (policy_seq included): the origin's own key,
 * or the key the origin's log was rotated to (the head still names the origin). */
void yx_head_sign(yx_head_t *head, const yx_identity_t *id);

/* YX_OK if head's signature verifies against head->origin, YX_ESIG otherwise; a version 1
 * head is checked against the version 1 message. */
int yx_head_verify(const yx_head_t *head) __attribute__((warn_unused_result));
/* As yx_head_verify, but the signature must be key's (an origin whose key was rotated:
 * its heads name the origin, later ones are signed by its new key). */
int yx_head_verify_by(const yx_head_t *head, const uint8_t key[YX_KEY_BYTES])
        __attribute__((warn_unused_result));

/* Converts between the wire form and yx_head_t. from_proto returns YX_EDECODE (with
 * diag) if a field has the wrong size; the proto form points into head. */
int yx_head_from_proto(const Yrdx__SignedHead *msg, yx_head_t *head, yx_diag_t *diag);
void yx_head_to_proto(const yx_head_t *head, Yrdx__SignedHead *msg);

/* Milliseconds since the Unix epoch, from the wall clock. */
int64_t yx_now_ms(void);

#endif
