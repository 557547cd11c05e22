#include "stats.h"
#include "tierset.h"

#include <errno.h>
#include <stddef.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "grow.h"

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

/* The counts are made from every origin's log, read once: each version of an incubator,
 * enterprise, park or evaluation, reduced to what the counts need. The current counts
 * are those at the end of time: a record's current version is its last one in its
 * origin's log (a stub, withheld, is no version: the store's state keeps the body before
 * it too). Reading the logs in order beats reading the state's records one by one where
 * they lie in the log (a million enterprises: a third of the time was LMDB's lookups). */

/* One enterprise version, reduced. */
typedef struct {
	uint64_t code_hash; /* text_hash of the credit code */
	int64_t time_ms;
	uint32_t city;
	uint8_t qualifications; /* bit per Qualification */
	bool relocated;         /* stage relocated: counted at the city it landed in */
} ent_t;

typedef struct {
	ent_t *v;
	size_t n, cap;
} ents_t;

/* One version of a record in an origin's log. */
typedef struct {
	uint64_t id_hash; /* text_hash of the record id (an enterprise's: its credit code) */
	uint64_t seq;
	int64_t time_ms; /* Change.time_ms, the writing node's clock */
	size_t at;       /* its record in the kind's array (not for a retraction) */
	uint32_t origin; /* index into the origins met */
	uint8_t kind;    /* yx_kind_t */
	bool retracted;  /* a tombstone */
} version_t;

typedef struct {
	uint8_t (*origins)[YX_KEY_BYTES];
	size_t n_origins;
	version_t *v;
	size_t n, cap;
	ents_t ents;           /* the enterprise versions */
	Yrdx__Incubator *incs; /* what yx_tier_derive reads; id and tier_since owned */
	size_t n_incs, cap_incs;
	Yrdx__Evaluation *evals; /* id and period owned */
	size_t n_evals, cap_evals;
	uint32_t *parks; /* city */
	size_t n_parks, cap_parks;
	int *years; /* the years written in */
	size_t n_years, cap_years;
	size_t *runs; /* where each record's versions begin in v; runs[n_runs] = n */
	size_t n_runs;
	size_t *eval_runs; /* the runs of evaluations: indices into runs */
	size_t n_eval_runs;
	ents_t scratch; /* the enterprises standing at a time */
	yx_arena_t arena;
	uint8_t key[crypto_shorthash_KEYBYTES]; /* text_hash's */
} history_t;

/* A 64-bit key for n bytes of text (SipHash, libsodium's shorthash): records are told
 * apart by it. The key is drawn afresh for each count, so no writer can choose ids that
 * collide. */
static uint64_t text_hash(const history_t *h, const char *text, size_t n)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t x;
	crypto_shorthash(out, (const uint8_t *)text, n, h->key);
	memcpy(&x, out, sizeof(x));
	return x;
}

/* Sorts n elements of size bytes at v by the uint64_t at offset key in each: a radix
 * sort on its high 32 bits (qsort's comparisons over a million records were a fifth of
 * the time), then each run of equal high bits by cmp, which orders by the whole key
 * first. Elements already in order are left as they are. YX_OK or -ENOMEM. */
static int sort_by_key(void *v, size_t n, size_t size, size_t key,
                       int (*cmp)(const void *, const void *))
{
	enum { BITS = 16, BUCKETS = 1 << BITS };
	uint8_t *a = v;
	uint64_t k, prev = 0;
	size_t i = 0;
	for (; i < n; i++, prev = k) {
		memcpy(&k, a + i * size + key, sizeof(k));
		if (i && k < prev)
			break;
	}
	if (i < n) {
		uint8_t *tmp = malloc(n * size);
		size_t *count = malloc(BUCKETS * sizeof(size_t));
		if (!tmp || !count) {
			free(tmp);
			free(count);
			return -ENOMEM;
		}
		for (unsigned shift = 32; shift < 64; shift += BITS) {
			memset(count, 0, BUCKETS * sizeof(size_t));
			for (i = 0; i < n; i++) {
				memcpy(&k, a + i * size + key, sizeof(k));
				count[(k >> shift) & (BUCKETS - 1)]++;
			}
			for (size_t b = 0, at = 0; b < BUCKETS; b++) {
				size_t c = count[b];
				count[b] = at;
				at += c;
			}
			for (i = 0; i < n; i++) {
				memcpy(&k, a + i * size + key, sizeof(k));
				memcpy(tmp + count[(k >> shift) & (BUCKETS - 1)]++ * size,
				       a + i * size, size);
			}
			uint8_t *t = a;
			a = tmp;
			tmp = t;
		}
		/* two passes: the elements are back in v, tmp is the buffer */
		free(tmp);
		free(count);
	}
	for (size_t at = 0, end; at < n; at = end) {
		uint64_t k0;
		memcpy(&k0, a + at * size + key, sizeof(k0));
		for (end = at + 1; end < n; end++) {
			memcpy(&k, a + end * size + key, sizeof(k));
			if (k >> 32 != k0 >> 32)
				break;
		}
		if (end - at > 1)
			qsort(a + at * size, end - at, size, cmp);
	}
	return YX_OK;
}

static int ents_push(ents_t *ents, const ent_t *x)
{
	int ret = yx_grow(ents->v, ents->cap, ents->n + 1, 1024);
	if (ret == YX_OK)
		ents->v[ents->n++] = *x;
	return ret;
}

/* An enterprise change as the counts read it: its bytes peeked at (codec.h), or, where
 * that cannot be done, decoded. YX_ENOTFOUND for a retraction. */
static int ent_read(history_t *h, const uint8_t *bytes, size_t len, ent_t *x)
{
	yx_enterprise_peek_t pk;
	Yrdx__Change *c = NULL;
	if (!yx_enterprise_peek(bytes, len, &pk)) {
		int ret = yx_change_decode_in(&h->arena, bytes, len, &c);
		if (ret || c->body_case != YRDX__CHANGE__BODY_ENTERPRISE)
			return ret ? ret : YX_ENOTFOUND;
		const Yrdx__Enterprise *e = c->enterprise;
		pk = (yx_enterprise_peek_t){.time_ms = c->time_ms,
		                            .credit_code = e->credit_code,
		                            .credit_code_len = strlen(e->credit_code),
		                            .city = e->city,
		                            .stage = e->stage};
		for (size_t i = 0; i < e->n_qualifications; i++)
			if ((unsigned)e->qualifications[i] < 32)
				pk.qualifications |= 1u << e->qualifications[i];
	}
	x->code_hash = text_hash(h, pk.credit_code, pk.credit_code_len);
	x->time_ms = pk.time_ms;
	x->city = pk.city;
	x->relocated = pk.stage == YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
	x->qualifications = (uint8_t)(pk.qualifications & ((1u << YX_QUALIFICATIONS) - 1));
	if (c)
		yx_arena_reset(&h->arena);
	return YX_OK;
}

/* The record of a decoded change, copied into h's arrays; *at its place. */
static int keep_record(history_t *h, const Yrdx__Change *c, size_t *at)
{
	int ret = YX_OK;
	if (c->body_case == YRDX__CHANGE__BODY_INCUBATOR) {
		if ((ret = yx_grow(h->incs, h->cap_incs, h->n_incs + 1, 1024)))
			return ret;
		Yrdx__Incubator *inc = &h->incs[h->n_incs];
		yrdx__incubator__init(inc);
		inc->city = c->incubator->city;
		inc->tier = c->incubator->tier;
		inc->transformed = c->incubator->transformed;
		inc->id = strdup(c->incubator->id);
		inc->tier_since = strdup(c->incubator->tier_since);
		if (!inc->id || !inc->tier_since) {
			free(inc->id);
			free(inc->tier_since);
			return -ENOMEM;
		}
		*at = h->n_incs++;
	} else if (c->body_case == YRDX__CHANGE__BODY_EVALUATION) {
		if ((ret = yx_grow(h->evals, h->cap_evals, h->n_evals + 1, 1024)))
			return ret;
		Yrdx__Evaluation *e = &h->evals[h->n_evals];
		yrdx__evaluation__init(e);
		e->result = c->evaluation->result;
		e->id = strdup(c->evaluation->id);
		e->period = strdup(c->evaluation->period);
		if (!e->id || !e->period) {
			free(e->id);
			free(e->period);
			return -ENOMEM;
		}
		*at = h->n_evals++;
	} else if (c->body_case == YRDX__CHANGE__BODY_PARK) {
		if ((ret = yx_grow(h->parks, h->cap_parks, h->n_parks + 1, 1024)))
			return ret;
		h->parks[h->n_parks] = c->park->city;
		*at = h->n_parks++;
	}
	return ret;
}

/* China Standard Time: the plan's years are Shanghai's. */
#define CST_OFFSET_S (8 * 3600)

/* Days since 1970-01-01 of 1 January of year (proleptic Gregorian; H. Hinnant's
 * days_from_civil): integer arithmetic, where libc's gmtime and timegm, called for each of
 * a million versions, took a sixth of the time. */
static int64_t days_of_year_start(int64_t year)
{
	int64_t y = year - 1; /* January counts as the 11th month of the year before */
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * 10 + 2) / 5; /* 1 January: month 10 (from March), day 0 */
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The end of year in CST (the first instant of the next), Unix ms. */
static int64_t year_end_ms(int year)
{
	return (days_of_year_start((int64_t)year + 1) * 86400 - CST_OFFSET_S) * 1000;
}

/* The year (CST) time_ms falls in. */
static int year_of(int64_t time_ms)
{
	int64_t s = time_ms / 1000 - (time_ms % 1000 < 0) + CST_OFFSET_S;
	int64_t days = s / 86400 - (s % 86400 < 0);
	/* a first guess within a year, then the year whose span holds the day */
	int64_t year = 1970 + days * 400 / 146097;
	while (days_of_year_start(year) > days)
		year--;
	while (days_of_year_start(year + 1) <= days)
		year++;
	return (int)year;
}

/* Notes the year time_ms falls in. */
static int add_year(history_t *h, int64_t time_ms)
{
	int year = year_of(time_ms);
	for (size_t i = h->n_years; i > 0; i--)
		if (h->years[i - 1] == year)
			return YX_OK;
	int ret = yx_grow(h->years, h->cap_years, h->n_years + 1, 1024);
	if (ret == YX_OK)
		h->years[h->n_years++] = year;
	return ret;
}

static int visit_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                       const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	history_t *h = arg;
	Yrdx__Change *c = NULL;
	ent_t x;
	(void)hash;
	(void)digest;
	/* a stub (withheld) has no body to count; kinds the counts do not read are skipped
	 * before decoding */
	if (!bytes || (kind != YX_KIND_INCUBATOR && kind != YX_KIND_ENTERPRISE &&
	               kind != YX_KIND_PARK && kind != YX_KIND_EVALUATION))
		return 0;
	int ret = yx_grow(h->v, h->cap, h->n + 1, 1024);
	if (ret)
		return ret;
	version_t *v = &h->v[h->n];
	memset(v, 0, sizeof(*v));
	v->origin = (uint32_t)(h->n_origins - 1);
	v->kind = (uint8_t)kind;
	v->seq = seq;
	/* an enterprise's bytes are peeked at (codec.h); the rest, and retractions, decoded */
	if (kind == YX_KIND_ENTERPRISE && (ret = ent_read(h, bytes, len, &x)) == YX_OK) {
		v->id_hash = x.code_hash;
		v->time_ms = x.time_ms;
		v->at = h->ents.n;
		if ((ret = ents_push(&h->ents, &x)))
			return ret;
	} else {
		if (ret && ret != YX_ENOTFOUND)
			return ret;
		/* every 4 MiB of decoded changes the arena starts over: one change at a time */
		if (h->arena.total > (4u << 20))
			yx_arena_reset(&h->arena);
		if ((ret = yx_change_decode_in(&h->arena, bytes, len, &c)))
			return ret;
		v->kind = (uint8_t)c->kind;
		v->retracted = c->body_case == YRDX__CHANGE__BODY_TOMBSTONE;
		v->id_hash = text_hash(h, c->id, strlen(c->id));
		v->time_ms = c->time_ms;
		if (!v->retracted && (ret = keep_record(h, c, &v->at)))
			return ret;
	}
	h->n++;
	return add_year(h, v->time_ms);
}

typedef struct {
	history_t *h;
	yx_snap_t *snap;
} origins_cx_t;

/* Each origin's log, entry by entry. */
static int read_origin(void *arg, const uint8_t origin[YX_KEY_BYTES])
{
	origins_cx_t *ox = arg;
	history_t *h = ox->h;
	uint8_t(*grown)[YX_KEY_BYTES] = realloc(h->origins, (h->n_origins + 1) * YX_KEY_BYTES);
	if (!grown)
		return -ENOMEM;
	h->origins = grown;
	memcpy(h->origins[h->n_origins++], origin, YX_KEY_BYTES);
	return yx_snap_log_iterate(ox->snap, origin, 1, visit_entry, h);
}

/* Within a run of equal id hashes: by record (origin, kind), then in log order. */
static int version_compare(const void *pa, const void *pb)
{
	const version_t *a = pa, *b = pb;
	if (a->id_hash != b->id_hash)
		return a->id_hash < b->id_hash ? -1 : 1;
	if (a->origin != b->origin)
		return a->origin < b->origin ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int int_compare(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void history_free(history_t *h)
{
	for (size_t i = 0; i < h->n_incs; i++) {
		free(h->incs[i].id);
		free(h->incs[i].tier_since);
	}
	for (size_t i = 0; i < h->n_evals; i++) {
		free(h->evals[i].id);
		free(h->evals[i].period);
	}
	free(h->incs);
	free(h->evals);
	free(h->parks);
	free(h->ents.v);
	free(h->scratch.v);
	free(h->runs);
	free(h->eval_runs);
	free(h->v);
	free(h->origins);
	free(h->years);
	yx_arena_free(&h->arena);
	memset(h, 0, sizeof(*h));
}

static bool same_record(const version_t *a, const version_t *b)
{
	return a->id_hash == b->id_hash && a->origin == b->origin && a->kind == b->kind;
}

/* Where each record's versions begin (they are sorted), once for every count; and the
 * enterprises put in the versions' order, so that each count reads them in order (read
 * where the logs had them, at random, they were two thirds of a count's time). */
static int history_runs(history_t *h)
{
	size_t cap = 0, cap_evals = 0, k = 0;
	int ret = YX_OK;
	ent_t *ordered = h->ents.n ? malloc(h->ents.n * sizeof(*ordered)) : NULL;
	if (h->ents.n && !ordered)
		return -ENOMEM;
	for (size_t i = 0; i < h->n; i++) {
		version_t *v = &h->v[i];
		if (v->kind == YX_KIND_ENTERPRISE && !v->retracted) {
			ordered[k] = h->ents.v[v->at];
			v->at = k++;
		}
	}
	free(h->ents.v);
	h->ents.v = ordered;
	h->ents.cap = h->ents.n;
	for (size_t i = 0; i < h->n && ret == YX_OK; i++) {
		if (i && same_record(&h->v[i - 1], &h->v[i]))
			continue;
		if (h->v[i].kind == YX_KIND_EVALUATION &&
		    (ret = yx_grow(h->eval_runs, cap_evals, h->n_eval_runs + 1, 1024)) == YX_OK)
			h->eval_runs[h->n_eval_runs++] = h->n_runs;
		if (ret == YX_OK && (ret = yx_grow(h->runs, cap, h->n_runs + 1, 1024)) == YX_OK)
			h->runs[h->n_runs++] = i;
	}
	if (ret == YX_OK && (ret = yx_grow(h->runs, cap, h->n_runs + 1, 1024)) == YX_OK)
		h->runs[h->n_runs] = h->n; /* where the last run ends */
	return ret;
}

/* Every origin's log in store, in one snapshot, into h: the versions grouped by record in
 * log order, the years written in in order. */
static int history_read(yx_store_t *store, history_t *h)
{
	origins_cx_t ox = {h, NULL};
	memset(h, 0, sizeof(*h));
	yx_arena_init(&h->arena);
	crypto_shorthash_keygen(h->key);
	int ret = yx_snap_open(store, &ox.snap);
	if (ret == YX_OK)
		ret = yx_snap_origins(ox.snap, read_origin, &ox);
	yx_snap_close(&ox.snap);
	if (ret == YX_OK)
		ret = sort_by_key(h->v, h->n, sizeof(*h->v), offsetof(version_t, id_hash),
		                  version_compare);
	if (ret == YX_OK && h->n_years)
		qsort(h->years, h->n_years, sizeof(int), int_compare);
	if (ret == YX_OK)
		ret = history_runs(h);
	if (ret)
		history_free(h);
	return ret;
}

/* ---- counting -------------------------------------------------------------------- */

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

/* The incubator inc of origin, at its city and in the federation, by its effective tier
 * over the evaluations in tiers. */
static int count_incubator(yx_stats_t *st, yx_tierset_t *tiers, const uint8_t origin[YX_KEY_BYTES],
                           const Yrdx__Incubator *inc)
{
	yx_city_stats_t *cs = city_entry(st, inc->city);
	yx_tier_t tier;
	if (!cs)
		return -ENOMEM;
	yx_tierset_derive(tiers, origin, inc, &tier, NULL);
	for (yx_city_stats_t *s = cs; s; s = s == cs ? &st->federation : NULL) {
		s->incubators++;
		if ((unsigned)tier.effective < YX_TIERS)
			s->incubators_by_tier[tier.effective]++;
		if (inc->transformed)
			s->incubators_transformed++;
	}
	return YX_OK;
}

static int count_park(yx_stats_t *st, uint32_t city)
{
	yx_city_stats_t *cs = city_entry(st, city);
	if (!cs)
		return -ENOMEM;
	cs->parks++;
	st->federation.parks++;
	return YX_OK;
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

/* Every enterprise of ents (reordered) once in the federation, with its most recent
 * record of a city it is at, and once per city that holds it — except the city it left,
 * where the city it landed in counts it. */
static int count_enterprises(yx_stats_t *st, ents_t *ents)
{
	int ret = sort_by_key(ents->v, ents->n, sizeof(ent_t), offsetof(ent_t, code_hash),
	                      ent_compare);
	for (size_t i = 0; ret == YX_OK && i < ents->n; i++) {
		const ent_t *e = &ents->v[i];
		bool first = i == 0 || ents->v[i - 1].code_hash != e->code_hash;
		if (first)
			count_enterprise(&st->federation, e);
		if (e->relocated)
			continue;
		/* once per city that holds it: skip older records of the same city */
		bool seen_in_city = false;
		for (size_t j = i; j > 0 && ents->v[j - 1].code_hash == e->code_hash; j--)
			if (ents->v[j - 1].city == e->city)
				seen_in_city = true;
		if (!seen_in_city) {
			yx_city_stats_t *cs = city_entry(st, e->city);
			if (!cs)
				return -ENOMEM;
			count_enterprise(cs, e);
		}
	}
	return ret;
}

/* The version of the record whose versions are h->v[at..end) that stood at end_ms, or
 * NULL (none written by then, or retracted). */
static const version_t *standing(const history_t *h, size_t at, size_t end, int64_t end_ms)
{
	const version_t *best = NULL;
	for (size_t i = at; i < end; i++)
		if (h->v[i].time_ms < end_ms)
			best = &h->v[i]; /* log order: the last one written by then */
	return best && !best->retracted ? best : NULL;
}

/* The plan's counts as they stood at end_ms (INT64_MAX: now) into st. */
static int count_at(history_t *h, int64_t end_ms, yx_stats_t *st)
{
	yx_tierset_t *tiers = NULL;
	int ret = yx_tierset_new(&tiers);
	h->scratch.n = 0;
	/* the evaluations first, for the tiers */
	for (size_t k = 0; k < h->n_eval_runs && ret == YX_OK; k++) {
		size_t r = h->eval_runs[k];
		const version_t *v = standing(h, h->runs[r], h->runs[r + 1], end_ms);
		if (v)
			ret = yx_tierset_add(tiers, h->origins[v->origin], &h->evals[v->at]);
	}
	if (ret == YX_OK)
		ret = yx_tierset_seal(tiers);
	for (size_t r = 0; r < h->n_runs && ret == YX_OK; r++) {
		const version_t *v = standing(h, h->runs[r], h->runs[r + 1], end_ms);
		if (!v)
			continue;
		switch (v->kind) {
		case YX_KIND_INCUBATOR:
			ret = count_incubator(st, tiers, h->origins[v->origin], &h->incs[v->at]);
			break;
		case YX_KIND_PARK: ret = count_park(st, h->parks[v->at]); break;
		case YX_KIND_ENTERPRISE: ret = ents_push(&h->scratch, &h->ents.v[v->at]); break;
		default: break; /* evaluations: above */
		}
	}
	/* in the versions' order: by code hash already, the sort only checks */
	if (ret == YX_OK)
		ret = count_enterprises(st, &h->scratch);
	yx_tierset_free(&tiers);
	return ret;
}

static int city_compare(const void *a, const void *b)
{
	uint32_t x = ((const yx_city_stats_t *)a)->city, y = ((const yx_city_stats_t *)b)->city;
	return x < y ? -1 : x > y;
}

/* Keeps only city's entry (every entry if 0), in city order. */
static void keep_city(yx_stats_t *st, uint32_t city)
{
	if (city) {
		size_t keep = 0;
		for (size_t i = 0; i < st->n; i++)
			if (st->cities[i].city == city)
				st->cities[keep++] = st->cities[i];
		st->n = keep;
	}
	if (st->n)
		qsort(st->cities, st->n, sizeof(*st->cities), city_compare);
}

/* ---- tracking ----------------------------------------------------------------------- */

/* Evaluations and their funding at their incubators' cities (report.h's scorecards). */
static int count_evaluations(yx_stats_t *st, yx_store_t *store, const yx_key_city_t *cities)
{
	yx_scorecards_t cards;
	int ret = yx_report_scorecards(store, NULL, 0, cities, &cards);
	for (size_t i = 0; ret == YX_OK && i < cards.n; i++) {
		const yx_scorecard_t *c = &cards.v[i];
		yx_city_stats_t *cs = c->city ? city_entry(st, c->city) : NULL;
		if (c->city && !cs) {
			ret = -ENOMEM;
			break;
		}
		for (yx_city_stats_t *s = &st->federation; s; s = s == cs ? NULL : cs) {
			s->evaluations++;
			if ((unsigned)c->result < YX_RESULTS)
				s->evaluations_by_result[c->result]++;
			for (int p = 0; p < YX_FUND_PHASES; p++)
				s->funding_wan_yuan[p] += c->funding[p];
		}
	}
	yx_scorecards_free(&cards);
	return ret;
}

/* Relay cases and joint agreements, by their nodes' cities (report.h). */
static int count_cases(yx_stats_t *st, yx_store_t *store, const yx_key_city_t *cities)
{
	yx_relay_report_t relay;
	yx_joint_report_t joint;
	int ret = yx_report_relay(store, cities, &relay);
	if (ret)
		return ret;
	memcpy(st->federation.relay_by_state, relay.by_state, sizeof(relay.by_state));
	st->federation.relay_cases = relay.total;
	for (size_t i = 0; ret == YX_OK && i < relay.n; i++) {
		const yx_relay_pair_t *p = &relay.v[i];
		yx_city_stats_t *from = p->from_city ? city_entry(st, p->from_city) : NULL;
		if (p->from_city && !from) {
			ret = -ENOMEM;
			break;
		}
		if (from) {
			from->relay_cases += p->total;
			for (int k = 0; k < YX_CASE_STATES; k++)
				from->relay_by_state[k] += p->by_state[k];
		}
		yx_city_stats_t *to = p->to_city ? city_entry(st, p->to_city) : NULL;
		if (p->to_city && !to)
			ret = -ENOMEM;
		else if (to)
			to->relay_in += p->total;
	}
	yx_relay_report_free(&relay);
	if (ret || (ret = yx_report_joint(store, cities, &joint)))
		return ret;
	st->federation.joint_active = joint.active;
	st->federation.joint_pending = joint.pending;
	for (size_t i = 0; ret == YX_OK && i < joint.n; i++) {
		const yx_joint_row_t *r = &joint.v[i];
		for (size_t k = 0; k < r->n_parties; k++) {
			bool again = !r->cities[k];
			for (size_t m = 0; m < k && !again; m++)
				again = r->cities[m] == r->cities[k];
			if (again)
				continue; /* a city counts an agreement once */
			yx_city_stats_t *cs = city_entry(st, r->cities[k]);
			if (!cs) {
				ret = -ENOMEM;
				break;
			}
			if (r->active)
				cs->joint_active++;
			else
				cs->joint_pending++;
		}
	}
	yx_joint_report_free(&joint);
	return ret;
}

int yx_stats_collect(yx_store_t *store, uint32_t city, const yx_key_city_t *cities, yx_stats_t *out)
{
	history_t h;
	memset(out, 0, sizeof(*out));
	int ret = history_read(store, &h);
	if (ret)
		return ret;
	ret = count_at(&h, INT64_MAX, out);
	history_free(&h);
	if (ret == YX_OK)
		ret = count_evaluations(out, store, cities);
	if (ret == YX_OK)
		ret = count_cases(out, store, cities);
	if (ret) {
		yx_stats_free(out);
		return ret;
	}
	keep_city(out, city);
	return YX_OK;
}

void yx_stats_free(yx_stats_t *st)
{
	free(st->cities);
	st->cities = NULL;
	st->n = 0;
}

int yx_stats_by_year(yx_store_t *store, uint32_t city, yx_stats_years_t *out)
{
	history_t h;
	memset(out, 0, sizeof(*out));
	int ret = history_read(store, &h);
	if (ret)
		return ret;
	if (h.n_years && !(out->v = calloc(h.n_years, sizeof(*out->v))))
		ret = -ENOMEM;
	for (size_t y = 0; ret == YX_OK && y < h.n_years; y++) {
		yx_stats_year_t *yr = &out->v[out->n++];
		yr->year = h.years[y];
		yr->end_ms = year_end_ms(h.years[y]);
		if ((ret = count_at(&h, yr->end_ms, &yr->stats)) == YX_OK)
			keep_city(&yr->stats, city);
	}
	history_free(&h);
	if (ret)
		yx_stats_years_free(out);
	return ret;
}

void yx_stats_years_free(yx_stats_years_t *years)
{
	for (size_t i = 0; i < years->n; i++)
		yx_stats_free(&years->v[i].stats);
	free(years->v);
	memset(years, 0, sizeof(*years));
}

static uint64_t high_quality(const yx_city_stats_t *s)
{
	return s->incubators_by_tier[YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY];
}

static uint64_t cultivation(const yx_city_stats_t *s)
{
	return s->incubators_by_tier[YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION];
}

static uint64_t transformed(const yx_city_stats_t *s)
{
	return s->incubators_transformed;
}

#define QUALIFIED(fn, q)                                                                        \
	static uint64_t fn(const yx_city_stats_t *s)                                            \
	{                                                                                       \
		return s->enterprises_by_qualification[YRDX__QUALIFICATION__QUALIFICATION_##q]; \
	}
QUALIFIED(tech_sme, TECH_SME)
QUALIFIED(high_tech, HIGH_TECH)
QUALIFIED(gazelle, GAZELLE)
QUALIFIED(little_giant, LITTLE_GIANT)
QUALIFIED(hard_tech, HARD_TECH)

#define TARGET(q) (&yx_plan_targets_2025.by_qualification[YRDX__QUALIFICATION__QUALIFICATION_##q])
const yx_plan_figure_t yx_plan_figures[YX_PLAN_FIGURES] = {
        {"高质量孵化器", "高质量", "high_quality_incubators",
         &yx_plan_targets_2025.high_quality_incubators, NULL, high_quality},
        {"高质量培育孵化器", "培育", "cultivation_incubators", NULL, "-", cultivation},
        {"转型升级孵化器", "转型升级", "transformed_incubators",
         &yx_plan_targets_2025.transformed_incubators, NULL, transformed},
        {"科技型中小企业", "科技型中小企业", "tech_sme", TARGET(TECH_SME), NULL, tech_sme},
        {"高新技术企业", "高新技术", "high_tech", TARGET(HIGH_TECH), NULL, high_tech},
        {"瞪羚企业", "瞪羚", "gazelle", TARGET(GAZELLE), NULL, gazelle},
        {"科技小巨人", "小巨人", "little_giant", TARGET(LITTLE_GIANT), NULL, little_giant},
        {"硬科技企业", "硬科技", "hard_tech", NULL, "一批", hard_tech},
};
