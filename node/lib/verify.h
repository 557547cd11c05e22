/* verify: what yrdx checks before it believes a log, on top of chain.c's hashes and signed
 * heads — a received segment before any of it is stored (yx_segment_verify), and every
 * log a store holds, on demand (yx_store_verify). The store (store.h) keeps bytes, keys
 * and indexes; the policy — which checks, in which order, with which error — is here.
 *
 * Verifying a segment (docs/design.md, "Verifying a segment"), before anything is written:
 *   1. the entries are consecutive and the head closes the last one;
 *   2. the digests, chained from the local H(first-1), end in the head's hash (YX_ECHAIN:
 *      an altered byte anywhere shows up here);
 *   3. the head's signature verifies against the origin key (YX_ESIG);
 *   4. entries at or below the local tip have the stored hashes (YX_EFORK);
 *   5. only now, authenticated, each new change is decoded and must carry its own origin,
 *      seq and prev hash, and be a valid record (YX_EINVAL);
 *   6. a new entry at the seq the head names as its origin's sharing policy came whole
 *      and is one (YX_EINVAL): a stub can hide a policy, a signed head cannot.
 * Nothing unauthenticated is parsed. */
#ifndef YRDX_VERIFY_H
#define YRDX_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "chain.h"
#include "codec.h"
#include "error.h"
#include "keys.h"

typedef struct yx_store yx_store_t;

/* One entry of a received segment: change bytes, or a stub carrying only its digest. */
typedef struct {
	uint64_t seq;
	const uint8_t *bytes; /* NULL for a stub */
	size_t len;
	const uint8_t *digest; /* YX_HASH_BYTES, stubs only */
} yx_entry_t;

/* What the federation's charter adds to the checks (node/lib/charter.h, set on a store
 * with yx_store_set_rules). A store without rules believes an origin's own key and
 * every valid record, as before there was a charter.
 *   signer  the key that must have signed origin's head at seq; NULL: none may (the
 *           origin is no member) — the segment is refused with YX_EREFUSED
 *   admit   YX_OK if a verified change (at seq of origin's log) may stand; otherwise an
 *           error (YX_EREFUSED) with diag saying why: the whole segment is refused
 * Either may be NULL. */
typedef struct {
	const uint8_t *(*signer)(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq);
	int (*admit)(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
	             const Yrdx__Change *change, yx_diag_t *diag);
	void *arg;
} yx_rules_t;

/* What the verifier asks of the store about the segment's origin. */
typedef struct {
	uint64_t tip; /* the last seq held; 0 if nothing */
	/* H(seq) as stored, for 1 <= seq <= tip, and whether that entry is held as a stub;
	 * an error is returned as it is. */
	int (*held)(void *arg, uint64_t seq, uint8_t hash[YX_HASH_BYTES], bool *stub);
	void *arg;
	const yx_rules_t *rules; /* NULL: no charter */
} yx_held_t;

/* A segment that verified: what the store applies. Everything points into the arena the
 * segment was verified with, valid until that arena is reset. */
typedef struct {
	size_t n;
	bool apply;                        /* false: everything in it is held already */
	uint8_t (*hashes)[YX_HASH_BYTES];  /* H of each entry */
	uint8_t (*digests)[YX_HASH_BYTES]; /* D of each entry */
	Yrdx__Change **changes; /* decoded: each new change and each stub's body; else NULL */
	bool *fill;             /* held as a stub, and its body came now */
	size_t fills;           /* how many of those */
} yx_segment_t;

/* Verifies a segment of origin's log ending in head against what held says the store
 * has (steps 1-5 above), decoding into arena; fills seg. Errors (diag says where):
 *   YX_EGAP    first entry beyond tip + 1 (not the sender's fault: pull again)
 *   YX_ECHAIN  a link or the last hash does not match, or a change names another
 *              origin, seq or prev hash
 *   YX_ESIG    head signature does not verify against origin (or the key the rules'
 *              signer names for that seq)
 *   YX_EREFUSED the rules refuse the origin or a change (diag says which)
 *   YX_EFORK   an entry at or below the tip has a different hash
 *   YX_EINVAL  a change is not a valid record; YX_EDECODE: not a change at all, or the
 *              entries are malformed
 *   YX_ETOOBIG more than YX_HEAD_INTERVAL entries, or a change too large
 *   -ENOMEM, or what held returned. */
int yx_segment_verify(yx_segment_t *seg, const uint8_t origin[YX_KEY_BYTES],
                      const yx_entry_t *entries, size_t n, const yx_head_t *head,
                      const yx_held_t *held, yx_arena_t *arena, yx_diag_t *diag)
        __attribute__((warn_unused_result));

/* Re-checks every chain link, digest, envelope and head signature of every origin the
 * store holds, in one read snapshot. Heads are checked with the keys of the rules set on
 * the store (the daemon's), else of the charter the store holds (a member's key at each
 * seq of its log, so a rotated member's later heads verify with its new key; an origin no
 * member has, with its own key), else the origin's own key (the store's own log: its
 * successors). YX_OK, or the first fault with diag naming origin and seq: YX_ECHAIN (a
 * link, or the log against the vector), YX_ESIG (a head), YX_ECORRUPT (bytes against
 * their digest, a malformed head), YX_EINVAL (a record, or a charter held that does not
 * verify). */
int yx_store_verify(yx_store_t *store, yx_diag_t *diag) __attribute__((warn_unused_result));

#endif
