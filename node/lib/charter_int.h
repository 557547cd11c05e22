/* charter_int: what the charter's files share and nothing outside them includes — the
 * count of votes that adoption (charter.c) and the tally (charter_votes.c) both make, so
 * there is one rule of which vote counts. */
#ifndef YRDX_CHARTER_INT_H
#define YRDX_CHARTER_INT_H

#include "charter.h"

/* A vote that counts: its member, its proposal's hash, where it was found. */
typedef struct {
	size_t member; /* index in current */
	uint64_t seq;
	uint8_t hash[32];
	const yx_vote_t *vote; /* NULL: the member has no counted vote */
} yxc_counted_t;

/* Picks, in firsts (one slot per member of current, zeroed), each member's vote in round
 * at its lowest seq among those that count for a proposal that may follow current. */
void yxc_first_votes(const yx_charter_t *current, const yx_vote_t *votes, size_t n, uint32_t round,
                     yxc_counted_t *firsts);

#endif
