#include "stats.h"
#include "tierset.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const yx_plan_targets_t yx_plan_targets_2025 = {
        .high_quality_incubators = 20,
        .transformed_incubators = 200,
        .by_qualification =
                {
                        [YRDX__QUALIFICATION__QUALIFICATION_TECH_SME] = 10000,
                        [YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH] = 2000,
                        [YRDX__QUALIFICATION__QUALIFICATION_GAZELLE] = 300,
                        [YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT] = 100,
                },
};

/* One enterprise record, reduced to what the counts need. */
typedef struct {
	uint64_t code_hash;
	int64_t time_ms;
	uint32_t city;
	uint8_t qualifications; /* bit per Qualification */
	bool relocated;         /* stage relocated: counted at the city it landed in */
} ent_t;

typedef struct {
	yx_stats_t *st;
	yx_tierset_t *tiers;
	ent_t *ents;
	size_t n_ents, cap_ents;
	int err;
} collect_t;

static yx_city_stats_t *city_entry(yx_stats_t *st, uint32_t city)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->cities[i].city == city)
			return &st->cities[i];
	yx_city_stats_t *grown = realloc(st->cities, (st->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->cities = grown;
	yx_city_stats_t *c = &st->cities[st->n++];
	memset(c, 0, sizeof(*c));
	c->city = city;
	return c;
}

static int visit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const Yrdx__Change *c)
{
	collect_t *cx = arg;
	(void)seq;
	if (c->body_case == YRDX__CHANGE__BODY_INCUBATOR) {
		const Yrdx__Incubator *inc = c->incubator;
		yx_city_stats_t *cs = city_entry(cx->st, inc->city);
		yx_tier_t tier;
		if (!cs)
			return -ENOMEM;
		yx_tierset_derive(cx->tiers, origin, inc, &tier, NULL);
		for (yx_city_stats_t *s = cs; s; s = s == cs ? &cx->st->federation : NULL) {
			s->incubators++;
			if ((unsigned)tier.effective < YX_TIERS)
				s->incubators_by_tier[tier.effective]++;
			if (inc->transformed)
				s->incubators_transformed++;
		}
	} else if (c->body_case == YRDX__CHANGE__BODY_PARK) {
		yx_city_stats_t *cs = city_entry(cx->st, c->park->city);
		if (!cs)
			return -ENOMEM;
		cs->parks++;
		cx->st->federation.parks++;
	} else if (c->body_case == YRDX__CHANGE__BODY_ENTERPRISE) {
		const Yrdx__Enterprise *e = c->enterprise;
		if (cx->n_ents == cx->cap_ents) {
			size_t cap = cx->cap_ents ? cx->cap_ents * 2 : 4096;
			ent_t *grown = realloc(cx->ents, cap * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			cx->ents = grown;
			cx->cap_ents = cap;
		}
		ent_t *x = &cx->ents[cx->n_ents++];
		uint8_t h[8];
		crypto_generichash(h, sizeof(h), (const uint8_t *)e->credit_code,
		                   strlen(e->credit_code), NULL, 0);
		memcpy(&x->code_hash, h, 8);
		x->time_ms = c->time_ms;
		x->city = e->city;
		x->relocated = e->stage == YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
		x->qualifications = 0;
		for (size_t i = 0; i < e->n_qualifications; i++)
			if ((unsigned)e->qualifications[i] < YX_QUALIFICATIONS)
				x->qualifications |= (uint8_t)(1u << e->qualifications[i]);
	}
	return 0;
}

/* Within one enterprise: the records of the cities it is at before those it left, newest
 * first. */
static int ent_compare(const void *a, const void *b)
{
	const ent_t *x = a, *y = b;
	if (x->code_hash != y->code_hash)
		return x->code_hash < y->code_hash ? -1 : 1;
	if (x->relocated != y->relocated)
		return x->relocated ? 1 : -1;
	return x->time_ms > y->time_ms ? -1 : x->time_ms < y->time_ms;
}

static void count_enterprise(yx_city_stats_t *s, const ent_t *e)
{
	s->enterprises++;
	for (unsigned q = 1; q < YX_QUALIFICATIONS; q++)
		if (e->qualifications & (1u << q))
			s->enterprises_by_qualification[q]++;
}

static int city_compare(const void *a, const void *b)
{
	uint32_t x = ((const yx_city_stats_t *)a)->city, y = ((const yx_city_stats_t *)b)->city;
	return x < y ? -1 : x > y;
}

int yx_stats_collect(yx_store_t *store, uint32_t city, yx_stats_t *out)
{
	collect_t cx = {out, NULL, NULL, 0, 0, 0};
	memset(out, 0, sizeof(*out));
	int ret = yx_tierset_load(store, &cx.tiers);
	if (ret == YX_OK)
		ret = yx_store_scan(store, YX_KIND_NONE, visit, &cx);
	yx_tierset_free(&cx.tiers);
	if (ret) {
		free(cx.ents);
		yx_stats_free(out);
		return ret;
	}
	/* qsort's array must not be NULL even when empty: a store without enterprises. */
	if (cx.n_ents)
		qsort(cx.ents, cx.n_ents, sizeof(ent_t), ent_compare);
	for (size_t i = 0; i < cx.n_ents; i++) {
		const ent_t *e = &cx.ents[i];
		bool first = i == 0 || cx.ents[i - 1].code_hash != e->code_hash;
		if (first)
			count_enterprise(&out->federation, e);
		/* at the city it left, it is counted where it landed */
		if (e->relocated)
			continue;
		/* once per city that holds it: skip older records of the same city */
		bool seen_in_city = false;
		for (size_t j = i; j > 0 && cx.ents[j - 1].code_hash == e->code_hash; j--)
			if (cx.ents[j - 1].city == e->city)
				seen_in_city = true;
		if (!seen_in_city) {
			yx_city_stats_t *cs = city_entry(out, e->city);
			if (!cs) {
				ret = -ENOMEM;
				break;
			}
			count_enterprise(cs, e);
		}
	}
	free(cx.ents);
	if (ret) {
		yx_stats_free(out);
		return ret;
	}
	if (city) {
		size_t keep = 0;
		for (size_t i = 0; i < out->n; i++)
			if (out->cities[i].city == city)
				out->cities[keep++] = out->cities[i];
		out->n = keep;
	}
	if (out->n)
		qsort(out->cities, out->n, sizeof(*out->cities), city_compare);
	return YX_OK;
}

void yx_stats_free(yx_stats_t *st)
{
	free(st->cities);
	st->cities = NULL;
	st->n = 0;
}

static uint64_t high_quality(const yx_city_stats_t *s)
{
	return s->incubators_by_tier[YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY];
}

static uint64_t transformed(const yx_city_stats_t *s)
{
	return s->incubators_transformed;
}

static uint64_t tech_sme(const yx_city_stats_t *s)
{
	return s->enterprises_by_qualification[YRDX__QUALIFICATION__QUALIFICATION_TECH_SME];
}

static uint64_t high_tech(const yx_city_stats_t *s)
{
	return s->enterprises_by_qualification[YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH];
}

static uint64_t gazelle(const yx_city_stats_t *s)
{
	return s->enterprises_by_qualification[YRDX__QUALIFICATION__QUALIFICATION_GAZELLE];
}

static uint64_t little_giant(const yx_city_stats_t *s)
{
	return s->enterprises_by_qualification[YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT];
}

#define QUALIFICATION(q) (&yx_plan_targets_2025.by_qualification[YRDX__QUALIFICATION__##q])
const yx_plan_figure_t yx_plan_figures[YX_PLAN_FIGURES] = {
        {"高质量孵化器", "high_quality_incubators", &yx_plan_targets_2025.high_quality_incubators,
         high_quality},
        {"转型升级孵化器", "transformed_incubators", &yx_plan_targets_2025.transformed_incubators,
         transformed},
        {"科技型中小企业", "tech_sme", QUALIFICATION(QUALIFICATION_TECH_SME), tech_sme},
        {"高新技术企业", "high_tech", QUALIFICATION(QUALIFICATION_HIGH_TECH), high_tech},
        {"瞪羚企业", "gazelle", QUALIFICATION(QUALIFICATION_GAZELLE), gazelle},
        {"科技小巨人", "little_giant", QUALIFICATION(QUALIFICATION_LITTLE_GIANT), little_giant},
};
