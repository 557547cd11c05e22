/* report: the plan's tracking (跟踪评估) as figures, derived from the records a store
 * holds — pure functions of them, so every node that holds the same records reports the
 * same: each incubator's scorecard ranked within its tier and city for a period, funding
 * by phase, relay cases per pair of cities and state, joint agreements. `yrdxctl report`
 * prints them and `stats` (stats.h) counts them per city.
 *
 * A scorecard's tier is the effective tier (tiers.h) the incubator held while it was
 * evaluated, before that evaluation's own result moved it; its city is the incubator
 * record's (the evaluation names no city). An evaluation whose incubator the store does
 * not hold (retracted, or withheld by its city) keeps the tier unspecified and the city
 * of the node that wrote it. */
#ifndef YRDX_REPORT_H
#define YRDX_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "joint.h"
#include "cases.h"
#include "relay.h"
#include "store.h"

#define YX_DIMENSIONS    5 /* EvaluationDimension values past UNSPECIFIED */
#define YX_RESULTS       5 /* MilestoneResult values, UNSPECIFIED included */
#define YX_CASE_STATES   6 /* yx_case_state_t values */
#define YX_SCORE_MAX_SUM 500

/* The plan's three phases of funding (分阶段支持), in the order it pays them. */
typedef enum {
	YX_FUND_STARTUP,   /* 事前启动建设经费 */
	YX_FUND_OPERATING, /* 年度运营补贴 */
	YX_FUND_MILESTONE, /* 里程碑绩效评价后奖励 */
	YX_FUND_PHASES
} yx_fund_phase_t;

/* The plan's term ("启动建设经费") and the JSON name ("startup") of a phase. */
const char *yx_fund_phase_term(yx_fund_phase_t phase);
const char *yx_fund_phase_name(yx_fund_phase_t phase);

/* The city (GB/T 2260) of a node key, 0 if not known: how the parties of cases and
 * agreements, which are node keys, are counted by city. The tools answer from the
 * charter (names.h). */
typedef struct {
	uint32_t (*fn)(void *arg, const uint8_t key[YX_KEY_BYTES]);
	void *arg;
} yx_key_city_t;

/* ---- scorecards ------------------------------------------------------------------- */

typedef struct {
	uint8_t origin[YX_KEY_BYTES]; /* the city node that wrote the evaluation */
	char *id;                     /* "<incubator id>/<period>" */
	char *incubator_id;
	char *incubator_name; /* NULL if the store holds no such incubator */
	char *period;
	uint32_t city;
	Yrdx__IncubatorTier tier;       /* held while evaluated; UNSPECIFIED if unknown */
	Yrdx__IncubatorTier tier_after; /* after this result */
	uint32_t scores[YX_DIMENSIONS]; /* index: dimension - 1; a dimension not scored: 0 */
	uint32_t total;                 /* sum of the five, 0..500 */
	Yrdx__MilestoneResult result;
	uint64_t funding[YX_FUND_PHASES]; /* 万元 */
	/* 1 for the highest total among the scorecards of the same period, city and tier;
	 * equal totals share a rank and the next rank skips (1, 1, 3). */
	uint32_t rank;
	uint32_t ranked; /* how many scorecards share that period, city and tier */
} yx_scorecard_t;

typedef struct {
	yx_scorecard_t *v; /* by period (yx_period_compare), city, tier, rank, id, origin */
	size_t n;
} yx_scorecards_t;

/* Every current evaluation in store — of period only, if not NULL, and of city only, if
 * not 0 — as a ranked scorecard: one scan of evaluations and one of incubators.
 * cities (may be NULL) places an evaluation whose incubator is not held. Caller frees
 * with yx_scorecards_free; on error *out is left empty. */
int yx_report_scorecards(yx_store_t *store, const char *period, uint32_t city,
                         const yx_key_city_t *cities, yx_scorecards_t *out);
void yx_scorecards_free(yx_scorecards_t *cards);

/* Ranks cards in place: sorts them in the order above and sets rank and ranked. */
void yx_scorecards_rank(yx_scorecards_t *cards);

/* ---- funding ---------------------------------------------------------------------- */

typedef struct {
	uint32_t city;      /* 0: every city */
	const char *period; /* NULL: every period; else points into the scorecards */
	uint64_t wan_yuan[YX_FUND_PHASES];
	uint64_t total;
	uint64_t evaluations; /* the evaluations summed */
} yx_funding_row_t;

typedef struct {
	yx_funding_row_t *cells; /* one per city and period: by city, then period order */
	size_t n_cells;
	yx_funding_row_t *cities; /* one per city, every period: by city */
	size_t n_cities;
	yx_funding_row_t *periods; /* one per period, every city: in period order */
	size_t n_periods;
	yx_funding_row_t total; /* every city and period */
} yx_funding_t;

/* The funding of cards (yx_report_scorecards, in its order) summed. The rows point into
 * cards: free them after. YX_OK or -ENOMEM (*out left empty). */
int yx_report_funding(const yx_scorecards_t *cards, yx_funding_t *out);
void yx_funding_free(yx_funding_t *funding);

/* ---- relay cases ------------------------------------------------------------------ */

typedef struct {
	uint32_t from_city, to_city; /* the proposing and the destination node's cities */
	uint64_t by_state[YX_CASE_STATES];
	uint64_t total;
} yx_relay_pair_t;

typedef struct {
	yx_relay_pair_t *v; /* by from_city, then to_city */
	size_t n;
	uint64_t by_state[YX_CASE_STATES]; /* every case once */
	uint64_t total;
} yx_relay_report_t;

/* Every relay case in store (one scan of relay events, each case derived once, relay.h)
 * counted by the cities of its source and destination nodes (cities, required) and its
 * state. Caller frees with yx_relay_report_free; on error *out is left empty. */
int yx_report_relay(yx_store_t *store, const yx_key_city_t *cities, yx_relay_report_t *out);

/* As yx_report_relay, handing each case to each(arg, case id, case) as it is counted
 * (what a console lists of the latest ones); a non-zero return stops with that error. */
int yx_report_relay_each(yx_store_t *store, const yx_key_city_t *cities, yx_case_fn each, void *arg,
                         yx_relay_report_t *out);
void yx_relay_report_free(yx_relay_report_t *report);

/* ---- joint agreements ------------------------------------------------------------- */

typedef struct {
	char *id;
	char *credit_code;
	bool active;
	size_t n_parties, n_signed;
	uint8_t parties[YX_JOINT_MAX_PARTIES][YX_KEY_BYTES]; /* sorted by key bytes */
	uint32_t cities[YX_JOINT_MAX_PARTIES];               /* each party's city, 0 unknown */
	bool signed_[YX_JOINT_MAX_PARTIES];
} yx_joint_row_t;

typedef struct {
	yx_joint_row_t *v; /* by id */
	size_t n;
	uint64_t active, pending;
} yx_joint_report_t;

/* Every joint agreement in store (one scan of participations, each agreement derived
 * once, joint.h), with its parties' cities (cities, required). Caller frees with
 * yx_joint_report_free; on error *out is left empty. */
int yx_report_joint(yx_store_t *store, const yx_key_city_t *cities, yx_joint_report_t *out);
void yx_joint_report_free(yx_joint_report_t *report);

#endif
