/* match: how well a park fits an enterprise (产业匹配度), with the score's parts shown,
 * so an administrator sees why a park ranks where it does. Pure derivation.
 *
 * Score out of 100:
 *   industry   up to 60: the share of the enterprise's industries the park is built for;
 *   track      up to 20: the share of its industries whose track of the "2+(3+6)+(4+5)"
 *              system (the 2 transformations, 3 leading, 6 key, 4 new tracks, 5 future
 *              industries) the park serves, for industries it does not serve exactly;
 *   capacity   up to 10: 10 when the park can still take enterprises in, else 0;
 *   hard-tech  up to 10: 10 when a hard-tech or little-giant enterprise meets a high-tech
 *              zone or demonstration base (the plan steers 硬科技企业 there), else 0. */
#ifndef YRDX_MATCH_H
#define YRDX_MATCH_H

#include "codec.h"

typedef struct {
	int industry;
	int track;
	int capacity;
	int hard_tech;
	int total;
} yx_match_t;

/* The track (1..5) an industry belongs to, 0 if none. */
int yx_industry_track(Yrdx__Industry industry);

/* Scores park for enterprise. */
yx_match_t yx_match_park(const Yrdx__Enterprise *e, const Yrdx__Park *park);

#endif
