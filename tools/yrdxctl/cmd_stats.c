/* stats: the counts the plan tracks, per city and for the federation, Shanghai's beside
 * the plan's 2025 targets (they are Shanghai's own, 全市); the tracking figures in a
 * second table; --by-year the counts as they stood at the end of each year. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reflect.h"
#include "stats.h"
#include "table.h"
#include "terms.h"
#include "validate.h"
#include "yrdxctl.h"

/* The columns: the plan's figures (stats.h), in its order. */
#define N_ROWS YX_PLAN_FIGURES

static uint64_t value(const yx_city_stats_t *s, size_t r)
{
	return yx_plan_figures[r].value(s);
}

static uint64_t target(size_t r)
{
	return yx_plan_figures[r].target ? *yx_plan_figures[r].target : 0;
}

static const char *no_target(size_t r)
{
	return yx_plan_figures[r].no_target;
}

static json_t *u64_json(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* The tracking figures of s (stats.h) as JSON. */
static void tracking_json(json_t *o, const yx_city_stats_t *s)
{
	char name[YX_ENUM_NAME_MAX];
	json_t *results = json_object(), *funding = json_object(), *states = json_object();
	for (int r = 1; r < YX_RESULTS; r++)
		if (yx_enum_to_text(&yrdx__milestone_result__descriptor, r, name, sizeof(name)))
			json_object_set_new(results, name, u64_json(s->evaluations_by_result[r]));
	for (int p = 0; p < YX_FUND_PHASES; p++)
		json_object_set_new(funding, yx_fund_phase_name(p),
		                    u64_json(s->funding_wan_yuan[p]));
	for (int k = 0; k < YX_CASE_STATES; k++)
		json_object_set_new(states, yx_case_state_name(k), u64_json(s->relay_by_state[k]));
	json_object_set_new(
	        o, "evaluations",
	        json_pack("{s:o, s:o}", "total", u64_json(s->evaluations), "by_result", results));
	json_object_set_new(o, "funding_wan_yuan", funding);
	json_object_set_new(o, "relay_cases",
	                    json_pack("{s:o, s:o, s:o}", "proposed_from", u64_json(s->relay_cases),
	                              "by_state", states, "received", u64_json(s->relay_in)));
	json_object_set_new(o, "joint_agreements",
	                    json_pack("{s:o, s:o}", "active", u64_json(s->joint_active), "pending",
	                              u64_json(s->joint_pending)));
}

/* The plan's targets, and how far s has come towards each (percent, one decimal). */
static void targets_json(json_t *o, const yx_city_stats_t *s)
{
	json_t *targets = json_object(), *percent = json_object();
	for (size_t r = 0; r < N_ROWS; r++) {
		if (!target(r))
			continue;
		json_object_set_new(targets, yx_plan_figures[r].name, u64_json(target(r)));
		json_object_set_new(percent, yx_plan_figures[r].name,
		                    json_real((double)(value(s, r) * 1000 / target(r)) / 10.0));
	}
	json_object_set_new(o, "targets_2025", targets);
	json_object_set_new(o, "percent_of_target_2025", percent);
}

static json_t *city_json(ctl_t *ctl, const yx_city_stats_t *s, bool tracking)
{
	json_t *o = json_object();
	if (s->city) {
		const char *nodes[CTL_CITY_NODES_MAX], *name = yx_city_name(s->city);
		size_t n = yx_names_of_city(ctl->names, s->city, nodes, CTL_CITY_NODES_MAX);
		json_t *members = json_array();
		for (size_t i = 0; i < n && i < CTL_CITY_NODES_MAX; i++)
			json_array_append_new(members, json_string(nodes[i]));
		json_object_set_new(o, "city", json_integer(s->city));
		json_object_set_new(o, "city_name", name ? json_string(name) : json_null());
		json_object_set_new(o, "members", members);
	}
	json_object_set_new(o, "incubators", u64_json(s->incubators));
	json_object_set_new(o, "enterprises", u64_json(s->enterprises));
	json_object_set_new(o, "parks", u64_json(s->parks));
	for (size_t r = 0; r < N_ROWS; r++)
		json_object_set_new(o, yx_plan_figures[r].name, u64_json(value(s, r)));
	if (s->city == YX_PLAN_TARGETS_CITY)
		targets_json(o, s);
	if (tracking)
		tracking_json(o, s);
	return o;
}

static json_t *stats_json(ctl_t *ctl, const yx_stats_t *st, bool tracking)
{
	json_t *cities = json_array();
	for (size_t i = 0; i < st->n; i++)
		json_array_append_new(cities, city_json(ctl, &st->cities[i], tracking));
	return json_pack("{s:o, s:o}", "cities", cities, "federation",
	                 city_json(ctl, &st->federation, tracking));
}

/* The plan's counts of s as a row of t, led by its label (and, by year, the year). */
static void counts_row(table_t *t, const char *year, const char *label, const yx_city_stats_t *s)
{
	char v[N_ROWS][24];
	const char *cell[N_ROWS + 2];
	size_t c = 0;
	if (year)
		cell[c++] = year;
	cell[c++] = label;
	for (size_t r = 0; r < N_ROWS; r++) {
		snprintf(v[r], sizeof(v[r]), "%" PRIu64, value(s, r));
		cell[c++] = v[r];
	}
	table_row_v(t, cell);
}

/* Shanghai's target and its progress towards it, beneath its row. */
static void target_rows(table_t *t, bool by_year, const yx_city_stats_t *s)
{
	char v[N_ROWS][24], p[N_ROWS][24];
	const char *tcell[N_ROWS + 2], *pcell[N_ROWS + 2];
	size_t c = 0;
	if (by_year)
		tcell[c] = pcell[c] = "", c++;
	tcell[c] = "  2025目标 上海 target";
	pcell[c] = "  完成率 % of target";
	c++;
	for (size_t r = 0; r < N_ROWS; r++, c++) {
		if (!target(r)) {
			tcell[c] = no_target(r);
			pcell[c] = "-";
			continue;
		}
		snprintf(v[r], sizeof(v[r]), "%" PRIu64, target(r));
		snprintf(p[r], sizeof(p[r]), "%.1f%%",
		         (double)(value(s, r) * 1000 / target(r)) / 10.0);
		tcell[c] = v[r];
		pcell[c] = p[r];
	}
	table_row_v(t, tcell);
	table_row_v(t, pcell);
}

static table_t *counts_table(bool by_year)
{
	const char *head[N_ROWS + 2];
	size_t c = 0;
	if (by_year)
		head[c++] = "年末 end of";
	head[c++] = "城市 city";
	for (size_t r = 0; r < N_ROWS; r++)
		head[c++] = yx_plan_figures[r].head;
	return table_new_v(head, c);
}

/* Every city's row, Shanghai's with its target, then the federation's. */
static bool counts_rows(ctl_t *ctl, table_t *t, const char *year, const yx_stats_t *st)
{
	char label[YX_NAME_LABEL_MAX];
	bool shanghai = false;
	for (size_t i = 0; i < st->n; i++) {
		const yx_city_stats_t *s = &st->cities[i];
		counts_row(t, year, ctl_city_label(ctl, s->city, label), s);
		if (s->city == YX_PLAN_TARGETS_CITY) {
			target_rows(t, year != NULL, s);
			shanghai = true;
		}
	}
	counts_row(t, year, "联邦 federation", &st->federation);
	return shanghai;
}

static void targets_note(bool shanghai)
{
	if (shanghai)
		printf("2025目标: the plan's targets for 上海 (全市, 《实施方案》); the "
		       "federation's "
		       "total has none\n");
}

/* One tracking figure of a city: its name (the plan's term) and value. */
typedef struct {
	char name[168];
	uint64_t v;
	bool blank; /* no figure here */
} figure_t;

#define FIGURES_MAX 24

/* A figure named name, indented under the one before if sub. */
static void figure(figure_t *f, size_t *n, uint64_t v, bool blank, bool sub, const char *name)
{
	snprintf(f[*n].name, sizeof(f[*n].name), "%s%s", sub ? "  " : "", name);
	f[*n].v = v;
	f[*n].blank = blank;
	(*n)++;
}

/* The tracking figures of s in the order of the table's rows (federation: s is the
 * federation's). */
static size_t tracking_figures(const yx_city_stats_t *s, bool federation, figure_t *f)
{
	size_t n = 0;
	uint64_t funding = 0;
	char label[160];
	figure(f, &n, s->evaluations, false, false, "评估 evaluations");
	for (int r = 1; r < YX_RESULTS; r++)
		figure(f, &n, s->evaluations_by_result[r], false, true,
		       yx_term_label(&yrdx__milestone_result__descriptor, r, label, sizeof(label)));
	for (int p = 0; p < YX_FUND_PHASES; p++)
		funding += s->funding_wan_yuan[p];
	figure(f, &n, funding, false, false, "经费 funding (万元)");
	for (int p = 0; p < YX_FUND_PHASES; p++)
		figure(f, &n, s->funding_wan_yuan[p], false, true, yx_fund_phase_term(p));
	figure(f, &n, s->relay_cases, false, false, "接力孵化 relay cases from");
	for (int k = 0; k < YX_CASE_STATES; k++) {
		snprintf(label, sizeof(label), "%s %s", yx_case_state_term(k),
		         yx_case_state_name(k));
		figure(f, &n, s->relay_by_state[k], false, true, label);
	}
	/* in the federation every case is received where it is proposed */
	figure(f, &n, s->relay_in, federation, false, "接力孵化 relay cases to");
	figure(f, &n, s->joint_active, false, false, "联合孵化 joint agreements active");
	figure(f, &n, s->joint_pending, false, true, "待签 pending");
	return n;
}

/* The tracking figures, a row per figure and a column per city and the federation. */
static void tracking_table(ctl_t *ctl, const yx_stats_t *st)
{
	size_t cols = st->n + 2, n = 0;
	const char **cell = calloc(cols, sizeof(*cell));
	char(*labels)[YX_NAME_LABEL_MAX] = calloc(cols, sizeof(*labels));
	char(*vals)[24] = calloc(cols, sizeof(*vals));
	figure_t(*figs)[FIGURES_MAX] = calloc(cols, sizeof(*figs));
	if (!cell || !labels || !vals || !figs) {
		ctl_fail(EXIT_FAIL, "stats: out of memory");
		goto out;
	}
	cell[0] = "跟踪 tracking";
	for (size_t i = 0; i <= st->n; i++) {
		bool fed = i == st->n;
		n = tracking_figures(fed ? &st->federation : &st->cities[i], fed, figs[i]);
		cell[1 + i] = fed ? "联邦 federation"
		                  : ctl_city_label(ctl, st->cities[i].city, labels[i]);
	}
	table_t *t = table_new_v(cell, cols);
	for (size_t f = 0; f < n; f++) {
		cell[0] = figs[0][f].name;
		for (size_t i = 0; i <= st->n; i++) {
			if (figs[i][f].blank)
				snprintf(vals[i], sizeof(vals[i]), "-");
			else
				snprintf(vals[i], sizeof(vals[i]), "%" PRIu64, figs[i][f].v);
			cell[1 + i] = vals[i];
		}
		table_row_v(t, cell);
	}
	table_print(&t, stdout);
out:
	free(cell);
	free(labels);
	free(vals);
	free(figs);
}

/* "2024-12-31", the last day of a year in China Standard Time; "2026 至今 to date" for a
 * year not over yet. */
static const char *year_end_text(const yx_stats_year_t *y, char out[32])
{
	if (y->end_ms > (int64_t)time(NULL) * 1000)
		snprintf(out, 32, "%d 至今 to date", y->year);
	else
		snprintf(out, 32, "%d-12-31", y->year);
	return out;
}

static int by_year(ctl_t *ctl, yx_store_t *store, uint32_t city)
{
	yx_stats_years_t years;
	int ret = yx_stats_by_year(store, city, &years);
	if (ret)
		return ctl_fail(EXIT_FAIL, "stats --by-year: %s", yx_strerror(ret));
	if (ctl->json) {
		json_t *all = json_array();
		for (size_t i = 0; i < years.n; i++) {
			json_t *o = stats_json(ctl, &years.v[i].stats, false);
			json_object_set_new(o, "year", json_integer(years.v[i].year));
			json_object_set_new(o, "end_ms", json_integer(years.v[i].end_ms));
			json_object_set_new(
			        o, "complete",
			        json_boolean(years.v[i].end_ms <= (int64_t)time(NULL) * 1000));
			json_array_append_new(all, o);
		}
		ctl_print_json(json_pack("{s:o, s:s}", "years", all, "counts",
		                         "as the change logs stood at each year's end (UTC+8): "
		                         "each record's last version written before it"));
		yx_stats_years_free(&years);
		return EXIT_OK;
	}
	table_t *t = counts_table(true);
	bool shanghai = false;
	for (size_t i = 0; i < years.n; i++) {
		char end[32];
		shanghai |= counts_rows(ctl, t, year_end_text(&years.v[i], end), &years.v[i].stats);
	}
	table_print(&t, stdout);
	printf("as the change logs stood at the end of each year (24:00 UTC+8) in which a city\n"
	       "wrote incubators, enterprises, parks or evaluations: each record's last version\n"
	       "written by then, by the clock of the node that wrote it (not when a qualification\n"
	       "was gained); tiers by the evaluations written by then\n");
	targets_note(shanghai);
	yx_stats_years_free(&years);
	return EXIT_OK;
}

int cmd_stats(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE stats [--city C] [--by-year]\n"
	        "The counts the plan tracks — incubators by effective tier (高质量, 培育),\n"
	        "upgraded incubators (转型升级), tech-based SMEs, high-tech enterprises,\n"
	        "gazelles, little giants, hard-tech enterprises — per city and for the\n"
	        "federation. Shanghai's row (上海 310000) is shown beside the plan's 2025\n"
	        "targets, which are Shanghai's own (全市), with the percent reached; the\n"
	        "federation's total is not compared with them. An enterprise is counted once\n"
	        "in the federation (an enterprise relayed between cities at the city it landed\n"
	        "in, not the one it left).\n"
	        "A second table tracks evaluations by result, funding by phase (万元), relay\n"
	        "cases (from a city by state, and received) and joint agreements (at each\n"
	        "party's city); yrdxctl report gives them in detail.\n"
	        "  --city C    one city's row only (code or Chinese name); the federation's\n"
	        "              figures still cover every city\n"
	        "  --by-year   the plan's counts as the change logs stood at the end of each\n"
	        "              year (UTC+8) in which a city wrote such records: each record's\n"
	        "              last version written by then, by its node's clock\n";
	uint32_t city = 0;
	bool years = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--city") == 0) {
			if (i + 1 >= argc)
				return ctl_fail(EXIT_USAGE, "stats: --city needs a city");
			if (ctl_city(ctl, "stats: --city", argv[++i], &city))
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--by-year") == 0) {
			years = true;
		} else {
			return ctl_fail(EXIT_USAGE,
			                "stats: unexpected \"%s\"; accepted: --city C, --by-year, "
			                "--json, --help",
			                argv[i]);
		}
	}
	yx_store_t *store = NULL;
	yx_stats_t st;
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	if (years) {
		rc = by_year(ctl, store, city);
		yx_store_close(&store);
		return rc;
	}
	yx_key_city_t cities = ctl_key_cities(ctl);
	int ret = yx_stats_collect(store, city, &cities, &st);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "stats: %s", yx_strerror(ret));
	if (ctl->json) {
		ctl_print_json(stats_json(ctl, &st, true));
		yx_stats_free(&st);
		return EXIT_OK;
	}
	table_t *t = counts_table(false);
	bool shanghai = counts_rows(ctl, t, NULL, &st);
	table_print(&t, stdout);
	targets_note(shanghai);
	printf("\n");
	tracking_table(ctl, &st);
	yx_stats_free(&st);
	return EXIT_OK;
}
