/* stats: the counts the plan tracks, per city and for the federation — pure derivation
 * from the records in a store.
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
} yx_city_stats_t;

typedef struct {
	yx_city_stats_t *cities; /* sorted by city code */
	size_t n;
	yx_city_stats_t federation;
} yx_stats_t;

/* The plan's 2025 targets (《实施方案》 工作目标); 0 where it names no number. */
typedef struct {
	uint64_t high_quality_incubators;             /* 不少于20家高质量孵化器 */
	uint64_t transformed_incubators;              /* 不少于200家孵化器转型升级 */
	uint64_t by_qualification[YX_QUALIFICATIONS]; /* 1万 / 2000 / 300 / 100 / 一批 */
} yx_plan_targets_t;

extern const yx_plan_targets_t yx_plan_targets_2025;

/* Counts every current record of store; with city != 0 only that city's entry is kept
 * (the federation figures still cover every city). Caller frees with yx_stats_free. */
int yx_stats_collect(yx_store_t *store, uint32_t city, yx_stats_t *out);
void yx_stats_free(yx_stats_t *stats);

/* The six figures the plan sets a number for (工作目标), in the plan's order: what a
 * dashboard puts beside the targets. value(s) reads one from a city's (or the
 * federation's) counts. */
typedef struct {
	const char *term;       /* the plan's term: "高质量孵化器" */
	const char *name;       /* English, and the metrics label: "high_quality_incubators" */
	const uint64_t *target; /* in yx_plan_targets_2025 */
	uint64_t (*value)(const yx_city_stats_t *s);
} yx_plan_figure_t;

#define YX_PLAN_FIGURES 6
extern const yx_plan_figure_t yx_plan_figures[YX_PLAN_FIGURES];

#endif
