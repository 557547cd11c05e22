/* joint: the state of a joint-incubation agreement (联合孵化), derived from the
 * participations its parties published.
 *
 * Every party's node writes one JointParticipation record of its own (record id = the
 * agreement id): the same parties, enterprise and incubators (the agreement's *terms*),
 * plus its own incubator and role. Nothing links one participation to another, so the
 * state is a pure function of the set of participations of one id — never of their
 * arrival order or of clocks — and every node derives the same:
 *
 *   - the agreement id names its proposer's key and the seq of the proposer's own
 *     participation (yx_joint_id_make, keyid.h); that participation sets the terms;
 *   - a participation is eligible only if its author is one of its own parties;
 *   - a party has signed when its node wrote an eligible participation with those terms;
 *   - the agreement is active once every party has signed, pending until then.
 *
 * Honest nodes copy the proposer's terms; a participation by a node that is not a party,
 * or with other terms — a member reusing the id with terms of its own, whoever signs
 * along — is kept and shown but never counted. Ids without a fingerprint (the old
 * "<name>-J<seq>") name no key and no agreement. */
#ifndef YRDX_JOINT_H
#define YRDX_JOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "error.h"
#include "events.h"
#include "keyid.h"
#include "store.h"

#define YX_JOINT_MAX_PARTIES 32 /* YX_MAX_REPEATED: validation allows no more */

/* One participation as stored: who wrote it where, and what it says (points into the
 * caller's decoded change). */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES]; /* the change's chain hash: breaks ties */
	const Yrdx__JointParticipation *jp;
	/* filled by yx_joint_derive */
	bool counted;     /* this party's signature of the agreement's terms */
	const char *note; /* why not, when not counted */
} yx_joint_part_t;

typedef struct {
	uint8_t key[YX_KEY_BYTES];
	const yx_joint_part_t *part; /* its counted participation; NULL: not signed yet */
} yx_joint_party_t;

typedef struct {
	const yx_joint_part_t *terms; /* a counted participation carrying the terms */
	yx_joint_party_t parties[YX_JOINT_MAX_PARTIES]; /* sorted by key bytes */
	size_t n_parties;
	size_t n_signed;
	bool active; /* every party signed */
} yx_joint_t;

/* The id of the agreement opened by the participation at (origin, seq), proposed by the
 * node named name: "<name>-J<seq>-<fingerprint>" (keyid.h) into out (cap bytes, more
 * than YX_MAX_ID_LEN). false if cap is too small. */
bool yx_joint_id_make(const char *name, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, char *out,
                      size_t cap);

/* The seq and key fingerprint an agreement id names; false if it names none. */
bool yx_joint_id_parse(const char *agreement_id, uint64_t *seq, uint8_t fp[YX_KEYID_FP_BYTES]);

/* What an agreement id looks like, for messages refusing one that is not. */
#define YX_JOINT_ID_FORM                                                                      \
	"NAME-JSEQ-FINGERPRINT, as joint propose prints it (ids without the key fingerprint " \
	"are not read)"

/* Derives agreement agreement_id from parts (any order; participations of other
 * agreements may be present and are left alone). Marks each participation of this
 * agreement counted or not, with a note. YX_ENOTFOUND if the participation the id names
 * is not among them or is not eligible (or the id names none). */
int yx_joint_derive(yx_joint_part_t *parts, size_t n, const char *agreement_id, yx_joint_t *out);

/* Whether two participations have the same terms: parties (as a set), enterprise and
 * incubators (as a set). */
bool yx_joint_same_terms(const Yrdx__JointParticipation *a, const Yrdx__JointParticipation *b);

/* The party entry for key, or NULL if key is not a party of j. */
const yx_joint_party_t *yx_joint_party(const yx_joint_t *j, const uint8_t key[YX_KEY_BYTES]);

/* ---- loading from a store ----------------------------------------------------------- */

typedef struct {
	yx_joint_part_t *parts; /* point into raw */
	yx_events_t raw;        /* owned: each participation's change, same order */
	size_t n;
} yx_joint_parts_t;

/* Every current participation in store (of agreement agreement_id — one lookup per
 * origin, by record id, in one snapshot — or of all agreements if NULL: a scan), with
 * its origin, seq and chain hash. Caller frees with yx_joint_parts_free; on error *out
 * is left empty. */
int yx_joint_parts_load(yx_store_t *store, const char *agreement_id, yx_joint_parts_t *out);
void yx_joint_parts_free(yx_joint_parts_t *parts);

#endif
