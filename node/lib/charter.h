/* charter: the federation charter (联盟章程) — who the member city nodes are, what each may
 * write, their keys and endpoints, and how the members amend it (proto/charter.proto,
 * docs/design.md "The charter").
 *
 * No city is the others' authority. Version 1 is valid when every member it names has
 * signed it; version N+1 is valid when it names version N's hash, its number is N+1, and
 * at least version N's threshold of version N's active members signed it with the keys
 * version N gives them. A threshold must be more than half of the active members, and a
 * member's first vote for a version (by its log seq) is the only one that counts, so two
 * amendments can never both be adopted for one version, whatever order votes arrive in.
 *
 * Hash of a version: C = BLAKE2b-256("yrdx-charter-v1" || bytes), bytes the exact
 * encoding of the Charter message. Signature: Ed25519 over "yrdx-charter-sig-v1" || C.
 *
 * Nothing here asserts on its input: every decoder returns an error with a diag naming
 * the version, the member and the field. */
#ifndef YRDX_CHARTER_H
#define YRDX_CHARTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charter.pb-c.h"
#include "config.h"
#include "error.h"
#include "keys.h"

#define YX_CHARTER_MAX_BYTES     (256 * 1024) /* one encoded version */
#define YX_CHARTER_FILE_MAX      (16 << 20)   /* a charter file, every version */
#define YX_CHARTER_MAX_MEMBERS   256
#define YX_CHARTER_MAX_CITIES    64 /* jurisdiction of one member */
#define YX_CHARTER_MAX_KEYS      16 /* keys of one member over its life */
#define YX_CHARTER_MAX_ENDPOINTS 4
#define YX_CHARTER_VOTE_ID_MAX   48 /* "v<version>-<16 hex>-r<round>" and its NUL */

typedef struct {
	uint64_t after_seq; /* this key signs heads past this seq of the member's log */
	uint8_t key[32];
} yx_member_key_t;

/* One member, decoded and checked. */
typedef struct {
	char name[YX_CONFIG_NAME_MAX + 1];
	uint32_t city;
	uint32_t jurisdiction[YX_CHARTER_MAX_CITIES]; /* never empty: {city} by default */
	size_t n_jurisdiction;
	uint8_t origin[32];                        /* the log's identity, = keys[0].key */
	yx_member_key_t keys[YX_CHARTER_MAX_KEYS]; /* ascending after_seq, keys[0].after_seq 0 */
	size_t n_keys;
	char endpoints[YX_CHARTER_MAX_ENDPOINTS][YX_CONFIG_ENDPOINT_MAX];
	size_t n_endpoints;
	bool revoked;
	uint64_t revoked_after; /* when revoked: the last seq of its log that stands */
} yx_member_t;

/* One version, decoded and checked. Owns its bytes. */
typedef struct yx_charter {
	uint32_t version;
	uint32_t threshold;
	uint8_t hash[32];      /* C */
	uint8_t prev_hash[32]; /* zeros for version 1 */
	char federation[128];
	char summary[256];
	int64_t time_ms;
	yx_member_t *members; /* in the order the version lists them */
	size_t n_members;
	uint8_t *bytes; /* the exact encoding */
	size_t len;
} yx_charter_t;

/* A verified chain of versions 1..N, as a charter file holds it; the last is current. */
typedef struct {
	yx_charter_t **versions;
	size_t n;
	/* the signatures of each version, parallel to versions (for export and show) */
	Yrdx__CharterSignature ***sigs;
	size_t *n_sigs;
} yx_charter_chain_t;

/* A member's vote as read from its log (record kind charter). */
typedef struct {
	uint8_t origin[32];     /* the log it was found in */
	uint64_t seq;           /* its seq there */
	const uint8_t *charter; /* the proposed version's bytes (borrowed) */
	size_t len;
	uint8_t signer[32];
	uint8_t signature[YX_SIG_BYTES];
	uint32_t round; /* CharterVote.round */
} yx_vote_t;

/* ---- one version ------------------------------------------------------------------ */

/* C of a version's bytes. */
void yx_charter_hash(const uint8_t *bytes, size_t len, uint8_t out[32]);

/* Decodes and checks one version on its own: names valid and unique, origins and current
 * keys unique, cities valid GB/T 2260 codes, each member's keys starting with its origin
 * at after_seq 0 and ascending, endpoints tcp://, 1 <= threshold <= active members and
 * threshold * 2 > active members, prev_hash 32 bytes exactly when version > 1. YX_EINVAL /
 * YX_EDECODE / YX_ETOOBIG with diag ("charter version 2: member hefei: city 34010: ..."). */
int yx_charter_decode(const uint8_t *bytes, size_t len, yx_charter_t **out, yx_diag_t *diag);

/* Encodes c's fields (not bytes/len/hash) into a new version, then decodes it back as
 * yx_charter_decode would: *out has bytes and hash. For drafting and amending. */
int yx_charter_build(const yx_charter_t *c, yx_charter_t **out, yx_diag_t *diag);

/* A deep copy (bytes included). */
int yx_charter_copy(const yx_charter_t *c, yx_charter_t **out);

void yx_charter_free(yx_charter_t **c);

/* Signs C with id; verifies a signature of C by key (YX_OK or YX_ESIG). */
void yx_charter_sign(const uint8_t hash[32], const yx_identity_t *id, uint8_t sig[YX_SIG_BYTES]);
int yx_charter_sig_verify(const uint8_t hash[32], const uint8_t key[32],
                          const uint8_t sig[YX_SIG_BYTES]);

/* ---- members ------------------------------------------------------------------------ */

const yx_member_t *yx_charter_member_by_origin(const yx_charter_t *c, const uint8_t origin[32]);
const yx_member_t *yx_charter_member_by_name(const yx_charter_t *c, const char *name);
/* The member whose current key is key (what a connection authenticates with). */
const yx_member_t *yx_charter_member_by_key(const yx_charter_t *c, const uint8_t key[32]);

/* The key that signs the member's heads at seq (keys[i] with the greatest after_seq < seq). */
const uint8_t *yx_member_key_at(const yx_member_t *m, uint64_t seq);
/* Its current key: the last one. */
const uint8_t *yx_member_current_key(const yx_member_t *m);
/* Whether the member's log entry at seq stands: not revoked, or seq <= revoked_after. */
bool yx_member_seq_stands(const yx_member_t *m, uint64_t seq);
/* Whether the member may write a record of city (its jurisdiction holds it). */
bool yx_member_may_write(const yx_member_t *m, uint32_t city);
/* Active: not revoked. */
bool yx_member_active(const yx_member_t *m);

/* A configured peer against c (charter_peer.c): name must be an active member of c that
 * is not self (self may be NULL), and key (NULL: none given, the charter's is taken) its
 * current key. YX_OK with *m the member; with stale non-NULL, a key the member had before
 * a rotation is accepted too and *stale set (the caller uses the current key). Otherwise
 * YX_ENOTFOUND (no member of that name) or YX_EINVAL (this node, revoked, another key),
 * diag saying so with keys in full: "peer hefei: key K differs from the charter's key K'
 * for member hefei". */
int yx_charter_peer_check(const yx_charter_t *c, const char *name, const uint8_t *key,
                          const uint8_t *self, const yx_member_t **m, bool *stale, yx_diag_t *diag);

/* ---- the chain ------------------------------------------------------------------------ */

/* Checks that next may follow prev: version prev+1, prev_hash = prev's C, every member of
 * prev still listed with the same origin (a revoked one stays revoked, with the same
 * revoked_after), each member's keys extend prev's (a rotation appends one key with a
 * greater after_seq), and sigs hold valid signatures of next's C by at least
 * prev->threshold distinct active members of prev, each with its current key in prev.
 * YX_EINVAL naming what does not hold ("version 3 has 2 valid signatures of members of
 * version 2, needs 3; missing: hangzhou, nanjing"). For version 1, prev is NULL and every
 * member of next must have signed with its first key. */
int yx_charter_check_next(const yx_charter_t *prev, const yx_charter_t *next,
                          Yrdx__CharterSignature *const *sigs, size_t n_sigs, yx_diag_t *diag);

/* yx_charter_check_next without the signatures: whether next may follow prev at all (for
 * a proposal, before anyone signs it). */
int yx_charter_check_follows(const yx_charter_t *prev, const yx_charter_t *next, yx_diag_t *diag);

/* Decodes and verifies a charter file: version 1 signed by all its members, each later
 * version by yx_charter_check_next. A file whose last version lacks signatures is
 * "a draft": with allow_draft, the last version is kept unverified and *draft_missing
 * (may be NULL) says how many signatures it still needs; otherwise YX_EINVAL naming the
 * members whose signatures are missing or bad. */
int yx_charter_file_decode(const uint8_t *bytes, size_t len, bool allow_draft,
                           yx_charter_chain_t **out, size_t *draft_missing, yx_diag_t *diag);
int yx_charter_file_encode(const yx_charter_chain_t *chain, uint8_t **bytes, size_t *len);
/* Appends a verified version with its signatures (copied). */
int yx_charter_chain_append(yx_charter_chain_t *chain, const yx_charter_t *next,
                            Yrdx__CharterSignature *const *sigs, size_t n_sigs);
const yx_charter_t *yx_charter_chain_current(const yx_charter_chain_t *chain);
void yx_charter_chain_free(yx_charter_chain_t **chain);

/* ---- amendments through the logs -------------------------------------------------- */

/* "v<version>-<first 16 hex digits of C>": the record id of a vote (in round 0). */
void yx_charter_vote_id(uint32_t version, const uint8_t hash[32], char out[YX_CHARTER_VOTE_ID_MAX]);
/* The id of a vote in round: as above for round 0, "v<version>-<16 hex>-r<round>" after.
 * The store keeps one current record per id, so a member's vote for the same proposal in
 * a later round must not replace the one that spent an earlier round. */
void yx_charter_vote_id_round(uint32_t version, const uint8_t hash[32], uint32_t round,
                              char out[YX_CHARTER_VOTE_ID_MAX]);

/* The version that follows current given the votes held (any order, any origins): only
 * votes from the logs of current's active members count, signed by that member's current
 * key in current, for a version that yx_charter_check_next accepts after current. Rounds
 * are decided in order from 0: in a round, of a member's votes only the one at its lowest
 * seq counts; a proposal with current->threshold of those is adopted: YX_OK and *next (a
 * new version, the caller frees) with its signatures in *sigs (n of them, malloc'd array
 * of malloc'd signatures; free with yx_charter_sigs_free). A round in which every active
 * member has voted and no proposal has the threshold is spent and the next round is
 * decided; otherwise YX_ENOTFOUND, and *open_round (may be NULL) is the round in which a
 * vote would count now. The result depends only on the set of votes, never on their
 * order. */
int yx_charter_adopt(const yx_charter_t *current, const yx_vote_t *votes, size_t n_votes,
                     yx_charter_t **next, Yrdx__CharterSignature ***sigs, size_t *n_sigs,
                     uint32_t *open_round);
void yx_charter_sigs_free(Yrdx__CharterSignature **sigs, size_t n);

/* One proposal for the version after current, as the votes held stand. */
typedef struct {
	uint8_t hash[32];      /* its C */
	const yx_vote_t *vote; /* a counted vote for it (its bytes): a fixed pick */
	size_t n_votes;        /* members whose counted vote is for it */
} yx_proposal_t;

/* How the votes held stand in one round, by the rules yx_charter_adopt follows (the same
 * count: a member's first vote in the round that may count): the proposals some member's
 * counted vote is for, by hash; for each member of current its counted vote (NULL: none)
 * and the index of that vote's proposal (SIZE_MAX: none). Pointers into votes. For
 * `charter status` and the daemon's refusal of a second vote in a round. */
typedef struct {
	yx_proposal_t *proposals;
	size_t n;
	const yx_vote_t **member_vote;
	size_t *member_proposal;
	size_t n_members; /* of current */
	uint32_t round;
	size_t ignored; /* votes in the round that do not count: no active member's, a
	                   signature not by its current key, a version that cannot follow,
	                   or not the member's first in the round */
} yx_tally_t;

int yx_charter_tally(const yx_charter_t *current, const yx_vote_t *votes, size_t n_votes,
                     uint32_t round, yx_tally_t *out);
void yx_charter_tally_free(yx_tally_t *t);

/* ---- text ------------------------------------------------------------------------- */

/* The text an administrator reads before signing: federation, version, hash, previous
 * hash, threshold, every member (name, city with its Chinese name, jurisdiction, keys
 * with their seqs, endpoints, state), and the signatures (by member name, or the key
 * in full where no member has it). sigs may be NULL. */
int yx_charter_print(const yx_charter_t *c, Yrdx__CharterSignature *const *sigs, size_t n_sigs,
                     FILE *out);

#endif
