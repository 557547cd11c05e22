#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "grow.h"
#include "tiers.h"
#include "tierset.h"

static const struct {
	const char *term, *name;
} phases[YX_FUND_PHASES] = {
        [YX_FUND_STARTUP] = {"启动建设经费", "startup"},
        [YX_FUND_OPERATING] = {"年度运营补贴", "operating_subsidy"},
        [YX_FUND_MILESTONE] = {"里程碑奖励", "milestone_reward"},
};

const char *yx_fund_phase_term(yx_fund_phase_t phase)
{
	return (unsigned)phase < YX_FUND_PHASES ? phases[phase].term : NULL;
}

const char *yx_fund_phase_name(yx_fund_phase_t phase)
{
	return (unsigned)phase < YX_FUND_PHASES ? phases[phase].name : NULL;
}

static uint32_t key_city(const yx_key_city_t *cities, const uint8_t key[YX_KEY_BYTES])
{
	return cities && cities->fn ? cities->fn(cities->arg, key) : 0;
}

/* Period order (tiers.h); a period that does not parse after every one that does, by
 * its text. */
static int period_compare(const char *a, const char *b)
{
	yx_period_t x, y;
	bool okx = yx_period_parse(a, &x), oky = yx_period_parse(b, &y);
	if (okx != oky)
		return okx ? -1 : 1;
	int c = okx ? yx_period_compare(&x, &y) : 0;
	return c ? c : strcmp(a, b);
}

/* ---- scorecards ------------------------------------------------------------------- */

typedef struct {
	yx_scorecards_t *cards;
	size_t cap;
	yx_tierset_t *tiers;
	yx_tier_step_t *steps; /* room for the most evaluations of one incubator */
	size_t cap_steps;
} cards_cx_t;

static void card_clear(yx_scorecard_t *c)
{
	free(c->id);
	free(c->incubator_id);
	free(c->incubator_name);
	free(c->period);
}

static int visit_evaluation(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                            const Yrdx__Change *ch)
{
	cards_cx_t *cx = arg;
	yx_scorecards_t *cards = cx->cards;
	const Yrdx__Evaluation *e = ch->evaluation;
	(void)seq;
	if (ch->body_case != YRDX__CHANGE__BODY_EVALUATION || !e)
		return 0;
	if (yx_grow(cards->v, cx->cap, cards->n + 1, 256))
		return -ENOMEM;
	yx_scorecard_t *c = &cards->v[cards->n];
	memset(c, 0, sizeof(*c));
	memcpy(c->origin, origin, YX_KEY_BYTES);
	c->id = strdup(e->id);
	c->incubator_id = strdup(e->incubator_id);
	c->period = strdup(e->period);
	if (!c->id || !c->incubator_id || !c->period) {
		card_clear(c);
		return -ENOMEM;
	}
	cards->n++;
	for (size_t i = 0; i < e->n_scores; i++) {
		unsigned d = (unsigned)e->scores[i]->dimension;
		/* validation holds each dimension to one score of 0..100; a store that holds
		 * another still sums each dimension once */
		if (d >= 1 && d <= YX_DIMENSIONS)
			c->scores[d - 1] = e->scores[i]->score;
	}
	for (unsigned d = 0; d < YX_DIMENSIONS; d++)
		c->total += c->scores[d];
	c->result = e->result;
	c->funding[YX_FUND_STARTUP] = e->startup_funding_wan_yuan;
	c->funding[YX_FUND_OPERATING] = e->operating_subsidy_wan_yuan;
	c->funding[YX_FUND_MILESTONE] = e->milestone_reward_wan_yuan;
	return yx_tierset_add(cx->tiers, origin, e);
}

static int card_key_compare(const void *pa, const void *pb)
{
	const yx_scorecard_t *a = pa, *b = pb;
	int c = memcmp(a->origin, b->origin, YX_KEY_BYTES);
	return c ? c : strcmp(a->id, b->id);
}

/* The tiers an incubator's evaluations found it in and left it in, its city and name. */
static int visit_incubator(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                           const Yrdx__Change *ch)
{
	cards_cx_t *cx = arg;
	const Yrdx__Incubator *inc = ch->incubator;
	yx_tier_input_t *inputs;
	yx_tier_t tier;
	(void)seq;
	if (ch->body_case != YRDX__CHANGE__BODY_INCUBATOR || !inc)
		return 0;
	size_t n = yx_tierset_inputs(cx->tiers, origin, inc->id, &inputs);
	if (!n)
		return 0;
	if (n > cx->cap_steps) {
		yx_tier_step_t *grown = realloc(cx->steps, n * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		cx->steps = grown;
		cx->cap_steps = n;
	}
	yx_tier_derive(inc, inputs, n, &tier, cx->steps);
	for (size_t i = 0; i < n; i++) {
		yx_scorecard_t key;
		memcpy(key.origin, origin, YX_KEY_BYTES);
		key.id = (char *)cx->steps[i].evaluation_id;
		yx_scorecard_t *c =
		        bsearch(&key, cx->cards->v, cx->cards->n, sizeof(key), card_key_compare);
		if (!c)
			continue;
		c->tier = cx->steps[i].from;
		c->tier_after = cx->steps[i].to;
		c->city = inc->city;
		free(c->incubator_name);
		if (!(c->incubator_name = strdup(inc->name)))
			return -ENOMEM;
	}
	return 0;
}

/* Tiers in the plan's order, an unknown tier last. */
static int tier_order(Yrdx__IncubatorTier t)
{
	return t == YRDX__INCUBATOR_TIER__INCUBATOR_TIER_UNSPECIFIED ? 1000 : (int)t;
}

/* The cohort a scorecard is ranked in: period, city, tier. */
static int cohort_compare(const yx_scorecard_t *a, const yx_scorecard_t *b)
{
	int c = period_compare(a->period, b->period);
	if (c)
		return c;
	if (a->city != b->city)
		return a->city < b->city ? -1 : 1;
	return tier_order(a->tier) - tier_order(b->tier);
}

static int rank_compare(const void *pa, const void *pb)
{
	const yx_scorecard_t *a = pa, *b = pb;
	int c = cohort_compare(a, b);
	if (c)
		return c;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	/* ties in id order (the origin only breaks a tie of equal ids in two cities) */
	c = strcmp(a->id, b->id);
	return c ? c : memcmp(a->origin, b->origin, YX_KEY_BYTES);
}

void yx_scorecards_rank(yx_scorecards_t *cards)
{
	if (cards->n)
		qsort(cards->v, cards->n, sizeof(*cards->v), rank_compare);
	for (size_t at = 0, end; at < cards->n; at = end) {
		for (end = at + 1; end < cards->n && !cohort_compare(&cards->v[at], &cards->v[end]);
		     end++)
			;
		for (size_t i = at; i < end; i++) {
			yx_scorecard_t *c = &cards->v[i];
			bool tie = i > at && cards->v[i - 1].total == c->total;
			c->rank = tie ? cards->v[i - 1].rank : (uint32_t)(i - at + 1);
			c->ranked = (uint32_t)(end - at);
		}
	}
}

int yx_report_scorecards(yx_store_t *store, const char *period, uint32_t city,
                         const yx_key_city_t *cities, yx_scorecards_t *out)
{
	cards_cx_t cx = {.cards = out};
	int ret;
	memset(out, 0, sizeof(*out));
	if ((ret = yx_tierset_new(&cx.tiers)) ||
	    (ret = yx_store_scan(store, YX_KIND_EVALUATION, visit_evaluation, &cx)) ||
	    (ret = yx_tierset_seal(cx.tiers)))
		goto out;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), card_key_compare);
	if ((ret = yx_store_scan(store, YX_KIND_INCUBATOR, visit_incubator, &cx)))
		goto out;
	size_t keep = 0;
	for (size_t i = 0; i < out->n; i++) {
		yx_scorecard_t *c = &out->v[i];
		if (!c->incubator_name)
			c->city = key_city(cities, c->origin);
		if ((period && strcmp(c->period, period) != 0) || (city && c->city != city)) {
			card_clear(c);
			continue;
		}
		out->v[keep++] = *c;
	}
	out->n = keep;
	yx_scorecards_rank(out);
out:
	yx_tierset_free(&cx.tiers);
	free(cx.steps);
	if (ret)
		yx_scorecards_free(out);
	return ret;
}

void yx_scorecards_free(yx_scorecards_t *cards)
{
	for (size_t i = 0; i < cards->n; i++)
		card_clear(&cards->v[i]);
	free(cards->v);
	memset(cards, 0, sizeof(*cards));
}

/* ---- funding ---------------------------------------------------------------------- */

typedef struct {
	yx_funding_row_t *v;
	size_t n;
} rows_t;

/* The row of (city, period) in rows, added if missing; NULL if out of memory. A period
 * NULL matches only NULL. */
static yx_funding_row_t *row_of(rows_t *rows, uint32_t city, const char *period)
{
	for (size_t i = 0; i < rows->n; i++) {
		yx_funding_row_t *r = &rows->v[i];
		if (r->city == city &&
		    (r->period == period || (r->period && period && !strcmp(r->period, period))))
			return r;
	}
	yx_funding_row_t *grown = realloc(rows->v, (rows->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	rows->v = grown;
	yx_funding_row_t *r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	r->city = city;
	r->period = period;
	return r;
}

static void row_add(yx_funding_row_t *r, const yx_scorecard_t *c)
{
	for (int p = 0; p < YX_FUND_PHASES; p++) {
		r->wan_yuan[p] += c->funding[p];
		r->total += c->funding[p];
	}
	r->evaluations++;
}

static int row_compare(const void *pa, const void *pb)
{
	const yx_funding_row_t *a = pa, *b = pb;
	if (a->city != b->city)
		return a->city < b->city ? -1 : 1;
	if (!a->period || !b->period)
		return (a->period != NULL) - (b->period != NULL);
	return period_compare(a->period, b->period);
}

int yx_report_funding(const yx_scorecards_t *cards, yx_funding_t *out)
{
	rows_t cells = {0}, cities = {0}, periods = {0};
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cards->n; i++) {
		const yx_scorecard_t *c = &cards->v[i];
		yx_funding_row_t *cell = row_of(&cells, c->city, c->period);
		yx_funding_row_t *city = row_of(&cities, c->city, NULL);
		yx_funding_row_t *period = row_of(&periods, 0, c->period);
		if (!cell || !city || !period) {
			free(cells.v);
			free(cities.v);
			free(periods.v);
			return -ENOMEM;
		}
		row_add(cell, c);
		row_add(city, c);
		row_add(period, c);
		row_add(&out->total, c);
	}
	rows_t *all[] = {&cells, &cities, &periods};
	for (size_t k = 0; k < 3; k++)
		if (all[k]->n)
			qsort(all[k]->v, all[k]->n, sizeof(*all[k]->v), row_compare);
	out->cells = cells.v;
	out->n_cells = cells.n;
	out->cities = cities.v;
	out->n_cities = cities.n;
	out->periods = periods.v;
	out->n_periods = periods.n;
	return YX_OK;
}

void yx_funding_free(yx_funding_t *funding)
{
	free(funding->cells);
	free(funding->cities);
	free(funding->periods);
	memset(funding, 0, sizeof(*funding));
}

/* ---- relay cases ------------------------------------------------------------------ */

static int pair_compare(const void *pa, const void *pb)
{
	const yx_relay_pair_t *a = pa, *b = pb;
	if (a->from_city != b->from_city)
		return a->from_city < b->from_city ? -1 : 1;
	return (a->to_city > b->to_city) - (a->to_city < b->to_city);
}

typedef struct {
	const yx_key_city_t *cities;
	yx_case_fn each;
	void *arg;
	yx_relay_report_t *out;
} relay_count_t;

/* One case counted by its cities and state, then handed to the caller's each. */
static int relay_count(void *arg, const char *id, const yx_case_t *c)
{
	relay_count_t *rc = arg;
	yx_relay_report_t *out = rc->out;
	if ((unsigned)c->state >= YX_CASE_STATES)
		return YX_OK;
	uint32_t from = key_city(rc->cities, c->source), to = key_city(rc->cities, c->destination);
	yx_relay_pair_t *p = NULL;
	for (size_t i = 0; i < out->n && !p; i++)
		if (out->v[i].from_city == from && out->v[i].to_city == to)
			p = &out->v[i];
	if (!p) {
		yx_relay_pair_t *grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		out->v = grown;
		p = &out->v[out->n++];
		memset(p, 0, sizeof(*p));
		p->from_city = from;
		p->to_city = to;
	}
	p->by_state[c->state]++;
	p->total++;
	out->by_state[c->state]++;
	out->total++;
	return rc->each ? rc->each(rc->arg, id, c) : YX_OK;
}

int yx_report_relay(yx_store_t *store, const yx_key_city_t *cities, yx_relay_report_t *out)
{
	return yx_report_relay_each(store, cities, NULL, NULL, out);
}

int yx_report_relay_each(yx_store_t *store, const yx_key_city_t *cities, yx_case_fn each, void *arg,
                         yx_relay_report_t *out)
{
	yx_case_events_t ev;
	memset(out, 0, sizeof(*out));
	int ret = yx_case_events_load(store, NULL, &ev);
	if (ret)
		return ret;
	relay_count_t rc = {cities, each, arg, out};
	ret = yx_cases_each(&ev, relay_count, &rc);
	yx_case_events_free(&ev);
	if (ret) {
		yx_relay_report_free(out);
		return ret;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), pair_compare);
	return YX_OK;
}

void yx_relay_report_free(yx_relay_report_t *report)
{
	free(report->v);
	memset(report, 0, sizeof(*report));
}

/* ---- joint agreements ------------------------------------------------------------- */

static int part_id_compare(const void *pa, const void *pb)
{
	return strcmp(((const yx_joint_part_t *)pa)->jp->id, ((const yx_joint_part_t *)pb)->jp->id);
}

int yx_report_joint(yx_store_t *store, const yx_key_city_t *cities, yx_joint_report_t *out)
{
	yx_joint_parts_t parts;
	memset(out, 0, sizeof(*out));
	int ret = yx_joint_parts_load(store, NULL, &parts);
	if (ret)
		return ret;
	/* One agreement's participations side by side, each agreement derived once. */
	if (parts.n)
		qsort(parts.parts, parts.n, sizeof(*parts.parts), part_id_compare);
	for (size_t at = 0, end; at < parts.n; at = end) {
		const char *id = parts.parts[at].jp->id;
		yx_joint_t j;
		for (end = at + 1; end < parts.n && !strcmp(parts.parts[end].jp->id, id); end++)
			;
		if (yx_joint_derive(parts.parts + at, end - at, id, &j) != YX_OK)
			continue; /* the participation the id names is not held: no agreement */
		yx_joint_row_t *grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		out->v = grown;
		yx_joint_row_t *r = &out->v[out->n];
		memset(r, 0, sizeof(*r));
		r->id = strdup(id);
		r->credit_code = strdup(j.terms->jp->credit_code);
		if (!r->id || !r->credit_code) {
			free(r->id);
			free(r->credit_code);
			ret = -ENOMEM;
			break;
		}
		out->n++;
		r->active = j.active;
		r->n_parties = j.n_parties;
		r->n_signed = j.n_signed;
		for (size_t k = 0; k < j.n_parties; k++) {
			memcpy(r->parties[k], j.parties[k].key, YX_KEY_BYTES);
			r->cities[k] = key_city(cities, j.parties[k].key);
			r->signed_[k] = j.parties[k].part != NULL;
		}
		if (j.active)
			out->active++;
		else
			out->pending++;
	}
	yx_joint_parts_free(&parts);
	if (ret)
		yx_joint_report_free(out);
	return ret;
}

void yx_joint_report_free(yx_joint_report_t *report)
{
	for (size_t i = 0; i < report->n; i++) {
		free(report->v[i].id);
		free(report->v[i].credit_code);
	}
	free(report->v);
	memset(report, 0, sizeof(*report));
}
