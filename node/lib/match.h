/* match: how well a park fits an enterprise (产业匹配度), with the score's parts shown,
 * so an administrator sees why a park ranks where it does. Pure derivation.
 *
 * Score out of 100, in four parts:
 *   industry   up to 70: 70 × the share of the enterprise's industries the park is built
 *              for (2 of 2: 70, 1 of 2: 35);
 *   track      up to 10: 10 × the share of its industries the park does not serve
 *              exactly but whose track of the "2+(3+6)+(4+5)" system (the 2
 *              transformations, 3 leading, 6 key, 4 new tracks, 5 future industries) it
 *              serves;
 *   capacity   up to 10: in proportion to the places the park can still take, 1 point per
 *              20 (YX_MATCH_CAPACITY_FULL = 200 places or more: 10), at least 1 while it
 *              has any, 0 when full — 35 places score 1, 200 score 10;
 *   hard-tech  up to 10: 10 when a hard-tech or little-giant enterprise meets a high-tech
 *              zone or demonstration base (the plan steers 硬科技企业 there), else 0.
 * Industry weighs most on purpose: a park built for none of the enterprise's industries
 * scores at most 30 (track, capacity, hard-tech), below any park built for half of them
 * (at least 35). Parks that declined the enterprise are left out by the caller, not
 * scored (yrdxctl relay suggest). */
#ifndef YRDX_MATCH_H
#define YRDX_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "relay.h"

#define YX_MATCH_INDUSTRY      70
#define YX_MATCH_TRACK         10
#define YX_MATCH_CAPACITY      10
#define YX_MATCH_HARD_TECH     10
#define YX_MATCH_CAPACITY_FULL 200 /* places that score the whole capacity part */

typedef struct {
	int industry;
	int track;
	int capacity;
	int hard_tech;
	int total;
	/* why, for --explain */
	size_t industries;    /* the enterprise's */
	size_t exact;         /* of them, the park is built for */
	size_t same_track;    /* of the others, the park serves the track */
	uint64_t exact_set;   /* bit k: e->industries[k] is one the park is built for */
	uint64_t track_set;   /* bit k: its track is one the park serves (not exact) */
	bool hard_enterprise; /* hard-tech or little giant */
	bool hard_park;       /* high-tech zone or demonstration base */
} yx_match_t;

/* The track (1..5) an industry belongs to, 0 if none. */
int yx_industry_track(Yrdx__Industry industry);

/* The plan's name of track 1..5 (两大转型, 三大先导产业, 六大重点产业, 四大新赛道,
 * 五大未来产业); NULL for another number. */
const char *yx_track_term(int track);

/* Scores park for enterprise. */
yx_match_t yx_match_park(const Yrdx__Enterprise *e, const Yrdx__Park *park);

/* Whether park park_id of the node dest declined the enterprise: the applied DECLINE of a
 * case among events (every case derived, yx_case_derive) addressed to that park at that
 * node. Such a park is not suggested for the enterprise again: it said no. The DECLINE
 * (the latest, by time, if several), or NULL. */
const yx_case_event_t *yx_match_declined(const yx_case_event_t *events, size_t n,
                                         const uint8_t dest[YX_KEY_BYTES], const char *park_id);

#endif
