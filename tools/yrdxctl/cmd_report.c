/* report: the plan's tracking as tables — scorecards ranked within tier and city, funding
 * by phase, relay cases per pair of cities, joint agreements — derived from the store by
 * report.h; as aligned text, --csv (the same cells) or --json (enum names, not terms). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reflect.h"
#include "table.h"
#include "terms.h"
#include "tiers.h"
#include "validate.h"
#include "yrdxctl.h"

static const char help[] =
        "usage: yrdxctl -c FILE report evaluations [--period P] [--city C] [--csv]\n"
        "       yrdxctl -c FILE report funding [--period P] [--city C] [--csv]\n"
        "       yrdxctl -c FILE report relay [--csv]\n"
        "       yrdxctl -c FILE report joint [--csv]\n"
        "The plan's tracking (跟踪评估) over every city's records this node holds; --json\n"
        "prints one JSON document (enum names), --csv the table's cells as CSV.\n"
        "  evaluations  each incubator's scorecard (评估): the five dimensions, the total\n"
        "               (0..500), the result, and its rank among the scorecards of the same\n"
        "               period, city and tier (排名; equal totals share a rank)\n"
        "  funding      funding (万元) by phase — 启动建设经费, 年度运营补贴, 里程碑奖励 — per\n"
        "               city and period, per city, per period and in all\n"
        "  relay        relay cases (接力孵化) per pair of cities and state\n"
        "  joint        joint agreements (联合孵化): parties' cities and state\n"
        "'yrdxctl report SUBCOMMAND --help' says more of each.\n";

static const char help_evaluations[] =
        "usage: yrdxctl -c FILE report evaluations [--period P] [--city C] [--csv]\n"
        "Every evaluation (评估) as a scorecard: the five dimensions of the plan's\n"
        "classified evaluation, each 0..100, their total (0..500) and the result.\n"
        "  rank    排名 among the scorecards of the same period, city and tier: 1 the\n"
        "          highest total; equal totals share a rank, the next skips (1, 1, 3);\n"
        "          ties are listed by id. \"2/7\": second of seven.\n"
        "  tier    梯次: the effective tier the incubator held while evaluated (its\n"
        "          registered tier moved by its earlier milestone results), before this\n"
        "          result moved it; \"-\" if this node holds no such incubator\n"
        "  city    the incubator's city\n"
        "  --period P  one period only: " YX_PERIOD_FORM "\n"
        "  --city C    one city only: a GB/T 2260 code or a Chinese name (上海, 310000)\n"
        "  --csv       the same cells as CSV; --json: one document, enum names\n";

static const char help_funding[] =
        "usage: yrdxctl -c FILE report funding [--period P] [--city C] [--csv]\n"
        "The funding the evaluations record, in 万元, by the plan's phases: 启动建设经费\n"
        "(startup, before), 年度运营补贴 (operating subsidy, yearly), 里程碑奖励 (milestone\n"
        "reward, after a milestone evaluated excellent or passed). A row per city and\n"
        "period, then per city (合计 all periods), per period (合计 all cities), and the\n"
        "grand total. An evaluation counts at its incubator's city.\n"
        "  --period P  one period only: " YX_PERIOD_FORM "\n"
        "  --city C    one city only: a GB/T 2260 code or a Chinese name\n"
        "  --csv       the same cells as CSV; --json: one document\n";

static const char help_relay[] =
        "usage: yrdxctl -c FILE report relay [--csv]\n"
        "Relay-incubation cases (接力孵化) per pair of cities — the proposing node's city\n"
        "(推荐方) and the destination node's (接收方) — by the state each case's events\n"
        "derive (as relay list shows it), and in all. Each case counts once.\n"
        "  --csv  the same cells as CSV; --json: one document, state names\n";

static const char help_joint[] =
        "usage: yrdxctl -c FILE report joint [--csv]\n"
        "Joint-incubation agreements (联合孵化): id, enterprise, each party's node and\n"
        "city (未签: not signed yet), and the state: 生效 active once every party signed,\n"
        "待签 pending until then.\n"
        "  --csv  the same cells as CSV; --json: one document\n";

typedef struct {
	const char *period; /* --period, or NULL */
	uint32_t city;      /* --city, or 0 */
	bool csv;
} opts_t;

/* The options of subcommand argv[1]; filters says whether --period and --city apply. */
static int parse(ctl_t *ctl, int argc, char **argv, bool filters, opts_t *o)
{
	const char *sub = argv[1];
	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		yx_period_t p;
		if (strcmp(argv[i], "--csv") == 0) {
			o->csv = true;
		} else if (filters && strcmp(argv[i], "--period") == 0) {
			if (i + 1 >= argc || !yx_period_parse(argv[i + 1], &p))
				return ctl_fail(EXIT_USAGE,
				                "report %s: --period %s is not a period: one "
				                "is " YX_PERIOD_FORM,
				                sub, i + 1 < argc ? argv[i + 1] : "(missing)");
			o->period = argv[++i];
		} else if (filters && strcmp(argv[i], "--city") == 0) {
			char what[64];
			snprintf(what, sizeof(what), "report %s: --city", sub);
			if (i + 1 >= argc)
				return ctl_fail(EXIT_USAGE, "%s needs a city", what);
			if (ctl_city(ctl, what, argv[++i], &o->city))
				return EXIT_USAGE;
		} else {
			return ctl_fail(EXIT_USAGE,
			                "report %s: unexpected \"%s\"; accepted: %s--csv, "
			                "--json, --help",
			                sub, argv[i], filters ? "--period P, --city C, " : "");
		}
	}
	return EXIT_OK;
}

/* The store, read-only, and the names of its nodes. */
static int open_store(ctl_t *ctl, yx_store_t **store)
{
	int rc = ctl_open_store(ctl, store);
	if (rc || (rc = ctl_names(ctl, *store)))
		yx_store_close(store);
	return rc;
}

static void print_table(table_t **t, const opts_t *o)
{
	if (o->csv)
		table_print_csv(t, stdout);
	else
		table_print(t, stdout);
}

/* A city as JSON: its code and Chinese name (null if unknown). */
static void json_city(json_t *o, const char *field, uint32_t city)
{
	char name_field[64];
	const char *name = city ? yx_city_name(city) : NULL;
	snprintf(name_field, sizeof(name_field), "%s_name", field);
	json_object_set_new(o, field, city ? json_integer(city) : json_null());
	json_object_set_new(o, name_field, name ? json_string(name) : json_null());
}

static json_t *json_enum(const ProtobufCEnumDescriptor *d, int value)
{
	char name[YX_ENUM_NAME_MAX];
	return yx_enum_to_text(d, value, name, sizeof(name)) ? json_string(name) : json_null();
}

static const char *u64(uint64_t v, char out[24])
{
	snprintf(out, 24, "%" PRIu64, v);
	return out;
}

/* ---- evaluations -------------------------------------------------------------------- */

static json_t *card_json(ctl_t *ctl, const yx_scorecard_t *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "id", c->id, "incubator_id", c->incubator_id,
	                      "period", c->period);
	json_t *scores = json_object(), *funding = json_object();
	json_object_set_new(o, "incubator_name",
	                    c->incubator_name ? json_string(c->incubator_name) : json_null());
	json_city(o, "city", c->city);
	yx_names_json_set(ctl->names, o, "origin", "origin_name", "origin_city", c->origin);
	json_object_set_new(o, "tier", json_enum(&yrdx__incubator_tier__descriptor, c->tier));
	json_object_set_new(o, "tier_after",
	                    json_enum(&yrdx__incubator_tier__descriptor, c->tier_after));
	for (int d = 0; d < YX_DIMENSIONS; d++) {
		char name[YX_ENUM_NAME_MAX];
		if (yx_enum_to_text(&yrdx__evaluation_dimension__descriptor, d + 1, name,
		                    sizeof(name)))
			json_object_set_new(scores, name, json_integer(c->scores[d]));
	}
	json_object_set_new(o, "scores", scores);
	json_object_set_new(o, "total", json_integer(c->total));
	json_object_set_new(o, "result", json_enum(&yrdx__milestone_result__descriptor, c->result));
	json_object_set_new(o, "rank", json_integer(c->rank));
	json_object_set_new(o, "ranked", json_integer(c->ranked));
	for (int p = 0; p < YX_FUND_PHASES; p++)
		json_object_set_new(funding, yx_fund_phase_name(p),
		                    json_integer((json_int_t)c->funding[p]));
	json_object_set_new(o, "funding_wan_yuan", funding);
	return o;
}

static int do_evaluations(ctl_t *ctl, int argc, char **argv)
{
	opts_t o;
	yx_store_t *store = NULL;
	yx_scorecards_t cards;
	int rc = parse(ctl, argc, argv, true, &o);
	if (rc || (rc = open_store(ctl, &store)))
		return rc;
	yx_key_city_t cities = ctl_key_cities(ctl);
	int ret = yx_report_scorecards(store, o.period, o.city, &cities, &cards);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "report evaluations: %s", yx_strerror(ret));
	if (ctl->json) {
		json_t *all = json_array();
		for (size_t i = 0; i < cards.n; i++)
			json_array_append_new(all, card_json(ctl, &cards.v[i]));
		ctl_print_json(json_pack(
		        "{s:o, s:o, s:o}", "period", o.period ? json_string(o.period) : json_null(),
		        "city", o.city ? json_integer(o.city) : json_null(), "scorecards", all));
		yx_scorecards_free(&cards);
		return EXIT_OK;
	}
	enum { COLS = 8 + YX_DIMENSIONS };
	const char *head[COLS] = {"期间 period", "城市 city",        "梯次 tier",
	                          "排名 rank",   "孵化器 incubator", "名称 name"};
	for (int d = 0; d < YX_DIMENSIONS; d++)
		head[6 + d] = yx_term(&yrdx__evaluation_dimension__descriptor, d + 1);
	head[6 + YX_DIMENSIONS] = "总分 total";
	head[7 + YX_DIMENSIONS] = "结果 result";
	table_t *t = table_new_v(head, COLS);
	for (size_t i = 0; i < cards.n; i++) {
		const yx_scorecard_t *c = &cards.v[i];
		char city[YX_NAME_LABEL_MAX], tier[160], result[160], rank[32];
		char score[YX_DIMENSIONS][24], total[24];
		const char *cell[COLS] = {c->period,
		                          ctl_city_label(ctl, c->city, city),
		                          c->tier ? yx_term_label(&yrdx__incubator_tier__descriptor,
		                                                  c->tier, tier, sizeof(tier))
		                                  : "-",
		                          rank,
		                          c->incubator_id,
		                          c->incubator_name ? c->incubator_name : "-"};
		snprintf(rank, sizeof(rank), "%u/%u", c->rank, c->ranked);
		for (int d = 0; d < YX_DIMENSIONS; d++)
			cell[6 + d] = u64(c->scores[d], score[d]);
		cell[6 + YX_DIMENSIONS] = u64(c->total, total);
		cell[7 + YX_DIMENSIONS] = yx_term_label(&yrdx__milestone_result__descriptor,
		                                        c->result, result, sizeof(result));
		table_row_v(t, cell);
	}
	print_table(&t, &o);
	if (!o.csv)
		printf("%zu scorecard%s\n", cards.n, cards.n == 1 ? "" : "s");
	yx_scorecards_free(&cards);
	return EXIT_OK;
}

/* ---- funding ------------------------------------------------------------------------ */

static json_t *funding_json(const yx_funding_row_t *r, bool city, bool period)
{
	json_t *o = json_object();
	if (city)
		json_city(o, "city", r->city);
	if (period)
		json_object_set_new(o, "period", json_string(r->period));
	for (int p = 0; p < YX_FUND_PHASES; p++)
		json_object_set_new(o, yx_fund_phase_name(p),
		                    json_integer((json_int_t)r->wan_yuan[p]));
	json_object_set_new(o, "total", json_integer((json_int_t)r->total));
	json_object_set_new(o, "evaluations", json_integer((json_int_t)r->evaluations));
	return o;
}

static json_t *funding_rows_json(const yx_funding_row_t *rows, size_t n, bool city, bool period)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, funding_json(&rows[i], city, period));
	return a;
}

static void funding_row(ctl_t *ctl, table_t *t, const yx_funding_row_t *r, bool all_cities)
{
	char city[YX_NAME_LABEL_MAX], v[YX_FUND_PHASES + 2][24];
	const char *cell[4 + YX_FUND_PHASES] = {
	        all_cities ? "合计 all" : ctl_city_label(ctl, r->city, city),
	        r->period ? r->period : "合计 all", u64(r->evaluations, v[0])};
	for (int p = 0; p < YX_FUND_PHASES; p++)
		cell[3 + p] = u64(r->wan_yuan[p], v[1 + p]);
	cell[3 + YX_FUND_PHASES] = u64(r->total, v[1 + YX_FUND_PHASES]);
	table_row_v(t, cell);
}

static int do_funding(ctl_t *ctl, int argc, char **argv)
{
	opts_t o;
	yx_store_t *store = NULL;
	yx_scorecards_t cards;
	yx_funding_t f;
	int rc = parse(ctl, argc, argv, true, &o);
	if (rc || (rc = open_store(ctl, &store)))
		return rc;
	yx_key_city_t cities = ctl_key_cities(ctl);
	int ret = yx_report_scorecards(store, o.period, o.city, &cities, &cards);
	yx_store_close(&store);
	if (ret == YX_OK && (ret = yx_report_funding(&cards, &f)))
		yx_scorecards_free(&cards);
	if (ret)
		return ctl_fail(EXIT_FAIL, "report funding: %s", yx_strerror(ret));
	if (ctl->json) {
		ctl_print_json(
		        json_pack("{s:s, s:o, s:o, s:o, s:o}", "unit", "wan_yuan", "by_city_period",
		                  funding_rows_json(f.cells, f.n_cells, true, true), "by_city",
		                  funding_rows_json(f.cities, f.n_cities, true, false), "by_period",
		                  funding_rows_json(f.periods, f.n_periods, false, true), "total",
		                  funding_json(&f.total, false, false)));
	} else {
		const char *head[4 + YX_FUND_PHASES] = {"城市 city", "期间 period",
		                                        "评估 evaluations"};
		for (int p = 0; p < YX_FUND_PHASES; p++)
			head[3 + p] = yx_fund_phase_term(p);
		head[3 + YX_FUND_PHASES] = "合计 total";
		table_t *t = table_new_v(head, 4 + YX_FUND_PHASES);
		/* each city's periods, then its total; then each period's, then the grand */
		for (size_t i = 0, k = 0; i < f.n_cities; i++) {
			for (; k < f.n_cells && f.cells[k].city == f.cities[i].city; k++)
				funding_row(ctl, t, &f.cells[k], false);
			funding_row(ctl, t, &f.cities[i], false);
		}
		for (size_t i = 0; i < f.n_periods; i++)
			funding_row(ctl, t, &f.periods[i], true);
		funding_row(ctl, t, &f.total, true);
		print_table(&t, &o);
		if (!o.csv)
			printf("万元 (10,000 yuan); an evaluation counts at its incubator's "
			       "city\n");
	}
	yx_funding_free(&f);
	yx_scorecards_free(&cards);
	return EXIT_OK;
}

/* ---- relay -------------------------------------------------------------------------- */

static json_t *states_json(const uint64_t by_state[YX_CASE_STATES])
{
	json_t *o = json_object();
	for (int s = 0; s < YX_CASE_STATES; s++)
		json_object_set_new(o, yx_case_state_name(s),
		                    json_integer((json_int_t)by_state[s]));
	return o;
}

static void relay_row(table_t *t, const char *from, const char *to,
                      const uint64_t by_state[YX_CASE_STATES], uint64_t total)
{
	char v[YX_CASE_STATES + 1][24];
	const char *cell[3 + YX_CASE_STATES] = {from, to};
	for (int s = 0; s < YX_CASE_STATES; s++)
		cell[2 + s] = u64(by_state[s], v[s]);
	cell[2 + YX_CASE_STATES] = u64(total, v[YX_CASE_STATES]);
	table_row_v(t, cell);
}

static int do_relay(ctl_t *ctl, int argc, char **argv)
{
	opts_t o;
	yx_store_t *store = NULL;
	yx_relay_report_t r;
	int rc = parse(ctl, argc, argv, false, &o);
	if (rc || (rc = open_store(ctl, &store)))
		return rc;
	yx_key_city_t cities = ctl_key_cities(ctl);
	int ret = yx_report_relay(store, &cities, &r);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "report relay: %s", yx_strerror(ret));
	if (ctl->json) {
		json_t *pairs = json_array();
		for (size_t i = 0; i < r.n; i++) {
			json_t *p = json_object();
			json_city(p, "from_city", r.v[i].from_city);
			json_city(p, "to_city", r.v[i].to_city);
			json_object_set_new(p, "states", states_json(r.v[i].by_state));
			json_object_set_new(p, "total", json_integer((json_int_t)r.v[i].total));
			json_array_append_new(pairs, p);
		}
		ctl_print_json(json_pack("{s:o, s:o, s:I}", "pairs", pairs, "states",
		                         states_json(r.by_state), "total", (json_int_t)r.total));
	} else {
		char label[YX_CASE_STATES][64];
		const char *head[3 + YX_CASE_STATES] = {"推荐方 from", "接收方 to"};
		for (int s = 0; s < YX_CASE_STATES; s++) {
			snprintf(label[s], sizeof(label[s]), "%s %s", yx_case_state_term(s),
			         yx_case_state_name(s));
			head[2 + s] = label[s];
		}
		head[2 + YX_CASE_STATES] = "合计 total";
		table_t *t = table_new_v(head, 3 + YX_CASE_STATES);
		for (size_t i = 0; i < r.n; i++) {
			char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX];
			relay_row(t, ctl_city_label(ctl, r.v[i].from_city, from),
			          ctl_city_label(ctl, r.v[i].to_city, to), r.v[i].by_state,
			          r.v[i].total);
		}
		relay_row(t, "合计 all", "", r.by_state, r.total);
		print_table(&t, &o);
		if (!o.csv)
			printf("%" PRIu64 " relay case%s (接力孵化)\n", r.total,
			       r.total == 1 ? "" : "s");
	}
	yx_relay_report_free(&r);
	return EXIT_OK;
}

/* ---- joint -------------------------------------------------------------------------- */

static int do_joint(ctl_t *ctl, int argc, char **argv)
{
	opts_t o;
	yx_store_t *store = NULL;
	yx_joint_report_t r;
	int rc = parse(ctl, argc, argv, false, &o);
	if (rc || (rc = open_store(ctl, &store)))
		return rc;
	yx_key_city_t cities = ctl_key_cities(ctl);
	int ret = yx_report_joint(store, &cities, &r);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "report joint: %s", yx_strerror(ret));
	table_t *t = ctl->json ? NULL
	                       : table_new("协议 agreement", "状态 state", "企业 enterprise",
	                                   "签署 signed", "参与方 parties", NULL);
	json_t *all = json_array();
	for (size_t i = 0; i < r.n; i++) {
		const yx_joint_row_t *a = &r.v[i];
		json_t *parties = json_array();
		char list[YX_JOINT_MAX_PARTIES * (YX_NAME_LABEL_MAX + 16)] = "", n_signed[32];
		size_t len = 0;
		for (size_t k = 0; k < a->n_parties; k++) {
			char who[YX_NAME_LABEL_MAX];
			json_t *p = json_pack("{s:b}", "signed", a->signed_[k]);
			yx_names_json_set(ctl->names, p, "key", "name", "node_city", a->parties[k]);
			json_city(p, "city", a->cities[k]);
			json_array_append_new(parties, p);
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s%s",
			                        k ? ", " : "",
			                        ctl_label(ctl, a->parties[k], YX_NAME_SHORT, who),
			                        a->signed_[k] ? "" : " (未签 unsigned)");
		}
		snprintf(n_signed, sizeof(n_signed), "%zu/%zu", a->n_signed, a->n_parties);
		if (t)
			table_row(t, a->id, a->active ? "生效 active" : "待签 pending",
			          a->credit_code, n_signed, list);
		json_array_append_new(
		        all, json_pack("{s:s, s:s, s:s, s:i, s:i, s:o}", "agreement", a->id,
		                       "state", a->active ? "active" : "pending", "credit_code",
		                       a->credit_code, "signed", (int)a->n_signed, "parties_total",
		                       (int)a->n_parties, "parties", parties));
	}
	if (ctl->json) {
		ctl_print_json(json_pack("{s:o, s:I, s:I}", "agreements", all, "active",
		                         (json_int_t)r.active, "pending", (json_int_t)r.pending));
	} else {
		json_decref(all);
		print_table(&t, &o);
		if (!o.csv)
			printf("%zu joint agreement%s (联合孵化): %" PRIu64 " active, %" PRIu64
			       " pending\n",
			       r.n, r.n == 1 ? "" : "s", r.active, r.pending);
	}
	yx_joint_report_free(&r);
	return EXIT_OK;
}

int cmd_report(ctl_t *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		ctl_cmd_fn fn;
		const char *help;
	} subs[] = {
	        {"evaluations", do_evaluations, help_evaluations},
	        {"funding", do_funding, help_funding},
	        {"relay", do_relay, help_relay},
	        {"joint", do_joint, help_joint},
	};
	for (size_t i = 0; argc >= 2 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (ctl_wants_help(argc, argv, subs[i].help))
			return EXIT_OK;
		int rc = ctl_need_config(ctl);
		return rc ? rc : subs[i].fn(ctl, argc, argv);
	}
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc < 2)
		return ctl_fail(
		        EXIT_USAGE,
		        "report: expected evaluations, funding, relay or joint (see --help)");
	return ctl_fail(EXIT_USAGE,
	                "report: unknown report \"%s\"; expected evaluations, funding, relay or "
	                "joint (see --help)",
	                argv[1]);
}
