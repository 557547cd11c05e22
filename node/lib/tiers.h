/* tiers: an incubator's effective tier (动态调整, 优胜劣汰), derived from its registered tier
 * and the milestone results of its evaluations — a pure function of the records, never of
 * their arrival order or of clocks, so every node derives the same.
 *
 * The evaluations of one incubator (its city's own records, kind evaluation) are applied
 * in period order (yx_period_compare), starting from the registered tier; those of
 * periods that begin before the incubator's tier_since begins are history and move
 * nothing:
 *
 *   excellent (优秀)   no move; two in a row while in cultivation (高质量培育) mark the
 *                      incubator a promotion candidate (晋升候选), until a result other
 *                      than excellent;
 *   passed (合格)      no move; ends a run of excellent results;
 *   adjusted (动态调整) one tier down: 高质量 → 高质量培育 → 一般 (一般 stays);
 *   eliminated (淘汰)   leaves the cultivation list: 高质量 or 高质量培育 → 一般.
 *
 * A period is "YYYY", "YYYYH1"/"YYYYH2" or "YYYYQ1".."YYYYQ4", YYYY in 2000..2099. */
#ifndef YRDX_TIERS_H
#define YRDX_TIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"

/* A period as months: first and last month counted from January 2000 (0-based). */
typedef struct {
	uint16_t year;  /* 2000..2099 */
	uint16_t first; /* first month, 0 = January 2000 */
	uint16_t last;  /* last month */
} yx_period_t;

/* Parses text as a period; false if it is not one (nothing else is written). */
bool yx_period_parse(const char *text, yx_period_t *out);

/* What a period looks like, for messages refusing one that is not. */
#define YX_PERIOD_FORM "YYYY, YYYYH1, YYYYH2 or YYYYQ1..YYYYQ4 (2000..2099)"

/* Order of periods: by last month, then the shorter first (a year after its second half,
 * a half after its second quarter); 0 only for the same period. */
int yx_period_compare(const yx_period_t *a, const yx_period_t *b);

/* One evaluation of the incubator, as the derivation reads it. */
typedef struct {
	const char *id;     /* evaluation id ("<incubator id>/<period>"), for the history */
	const char *period; /* as stored; an unparsable period is skipped */
	Yrdx__MilestoneResult result;
} yx_tier_input_t;

/* One step of the history: what an evaluation did to the tier. */
typedef struct {
	const char *evaluation_id; /* points into the input */
	const char *period;
	Yrdx__MilestoneResult result;
	Yrdx__IncubatorTier from, to; /* equal when the tier did not move */
	bool candidate;               /* promotion candidate after this evaluation */
	bool counted;                 /* false: before tier_since, history only */
} yx_tier_step_t;

typedef struct {
	Yrdx__IncubatorTier registered; /* the incubator record's tier */
	Yrdx__IncubatorTier effective;  /* after its evaluations */
	bool candidate;                 /* 晋升候选: promotion candidate */
	bool eliminated;                /* left the cultivation list by an 淘汰 result */
	const char *last_period;        /* the latest counted period, NULL if none */
} yx_tier_t;

/* Derives inc's effective tier from evals (n of them, any order; the caller's array is
 * sorted in place into period order, ties by id). steps (may be NULL) receives one entry
 * per evaluation in that order (room for n). */
void yx_tier_derive(const Yrdx__Incubator *inc, yx_tier_input_t *evals, size_t n, yx_tier_t *out,
                    yx_tier_step_t *steps);

/* The incubator id an evaluation id names ("<incubator id>/<period>": the text before the
 * last '/'), into out (cap bytes); false if id has no '/' or it does not fit. */
bool yx_evaluation_incubator(const char *evaluation_id, char *out, size_t cap);

#endif
