/* stats: the counts the plan tracks, per city and for the federation — pure derivation
 * from the records in a store, counted from every origin's log read once in order, now or
 * as it stood at the end of each year (docs/design.md, "Reports and statistics") — and
 * the tracking figures beside them (report.h: evaluations by result, funding by phase,
 * relay cases by state, joint agreements).
 *
 * Incubators count by their effective tier (tiers.h: the registered tier moved by their
 * milestone results). An enterprise relayed between cities has a record in each city's
 * log; it is counted once in the federation, with the qualifications of its most recent
 * record of a city it is at, and once per city that holds it — except the city it left
 * (stage relocated), where the city it landed in counts it. */
#ifndef YRDX_STATS_H
#define YRDX_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "store.h"

#define YX_TIERS          4 /* IncubatorTier values */
#define YX_QUALIFICATIONS 6 /* Qualification values */

typedef struct {
	uint32_t city; /* GB/T 2260; 0 for the federation */
	uint64_t incubators;
	uint64_t incubators_by_tier[YX_TIERS]; /* index: IncubatorTier */
	uint64_t incubators_transformed;       /* 专业化、品牌化、国际化转型升级 */
	uint64_t enterprises;
	uint64_t enterprises_by_qualification[YX_QUALIFICATIONS]; /* index: Qualification */
	uint64_t parks;
	/* Tracking (yx_stats_collect only; zero in yx_stats_by_year). An evaluation counts at
	 * its incubator's city; a relay case at its proposing node's city (relay_cases, by
	 * state) and its destination's (relay_in); an agreement at each party's city once. In
	 * the federation each case and agreement counts once. */
	uint64_t evaluations;
	uint64_t evaluations_by_result[YX_RESULTS]; /* index: MilestoneResult */
	uint64_t funding_wan_yuan[YX_FUND_PHASES];  /* 万元, index: yx_fund_phase_t */
	uint64_t relay_cases;
	uint64_t relay_by_state[YX_CASE_STATES]; /* index: yx_case_state_t */
	uint64_t relay_in;
	uint64_t joint_active, joint_pending;
} yx_city_stats_t;

typedef struct {
	yx_city_stats_t *cities; /* sorted by city code */
	size_t n;
	yx_city_stats_t federation;
} yx_stats_t;

/* The plan's 2025 targets (《实施方案》 工作目标); 0 where it names no number. They are
 * Shanghai's own (全市: the city of 310000), not the federation's. */
typedef struct {
	uint64_t high_quality_incubators;             /* 不少于20家高质量孵化器 */
	uint64_t transformed_incubators;              /* 不少于200家孵化器转型升级 */
	uint64_t by_qualification[YX_QUALIFICATIONS]; /* 1万 / 2000 / 300 / 100 / 一批 */
} yx_plan_targets_t;

extern const yx_plan_targets_t yx_plan_targets_2025;
/* The city the targets are set for: 上海. */
#define YX_PLAN_TARGETS_CITY 310000

/* Counts every current record of store; with city != 0 only that city's entry is kept
 * (the federation figures still cover every city). cities (may be NULL: relay cases and
 * agreements are then counted in the federation only) gives the city of a node key.
 * Caller frees with yx_stats_free. */
int yx_stats_collect(yx_store_t *store, uint32_t city, const yx_key_city_t *cities,
                     yx_stats_t *out);
void yx_stats_free(yx_stats_t *stats);

/* ---- year by year, from the logs --------------------------------------------------- */

/* The plan's counts as they stood at the end of a year (China Standard Time, UTC+8):
 * from every origin's log, the version of each record with the highest seq written
 * (Change.time_ms, the writing node's clock) before the year ended, a retraction
 * removing it; incubators by the effective tier their evaluations written by then give.
 * What a log holds only as a stub (withheld by its city) counts nowhere. */
typedef struct {
	int year;
	int64_t end_ms; /* the year's end, Unix ms */
	yx_stats_t stats;
} yx_stats_year_t;

typedef struct {
	yx_stats_year_t *v; /* the years in which some log holds a write of an incubator,
	                     * enterprise, park or evaluation, in order */
	size_t n;
} yx_stats_years_t;

/* Every such year of store; city as for yx_stats_collect. Caller frees with
 * yx_stats_years_free; on error *out is left empty. */
int yx_stats_by_year(yx_store_t *store, uint32_t city, yx_stats_years_t *out);
void yx_stats_years_free(yx_stats_years_t *years);

/* The plan's figures (工作目标) as tables, the console and the metrics show them, in the
 * plan's order: 高质量, 高质量培育, 转型升级 incubators and the five enterprise
 * qualifications. Six have a 2025 number (target); for the others the plan names none
 * (no_target says what it says instead: "一批", a batch). value(s) reads one from a
 * city's (or the federation's) counts. */
typedef struct {
	const char *term;       /* the plan's term: "高质量孵化器" */
	const char *head;       /* a table's column: "高质量" */
	const char *name;       /* JSON and metrics: "high_quality_incubators" */
	const uint64_t *target; /* in yx_plan_targets_2025; NULL: the plan sets no number */
	const char *no_target;  /* shown for a missing target: "一批" or "-" */
	uint64_t (*value)(const yx_city_stats_t *s);
} yx_plan_figure_t;

#define YX_PLAN_FIGURES 8
extern const yx_plan_figure_t yx_plan_figures[YX_PLAN_FIGURES];

#endif
