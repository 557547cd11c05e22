/* stats: the plan's counts from a small store whose figures are worked out by hand below:
 * local records written, updated and retracted, and another origin's records (one
 * enterprise relayed to another city, one older than ours) arrived verified. Real LMDB in
 * a scratch directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "stats.h"
#include "store.h"

#define SHANGHAI 310000
#define SUZHOU   320500
#define HANGZHOU 330100
#define HEFEI    340100

#define HQ   YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY
#define HQC  YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION
#define STD  YRDX__INCUBATOR_TIER__INCUBATOR_TIER_STANDARD
#define SME  YRDX__QUALIFICATION__QUALIFICATION_TECH_SME
#define HT   YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH
#define GZ   YRDX__QUALIFICATION__QUALIFICATION_GAZELLE
#define LG   YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT
#define HARD YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH

/* The other origin's write times: one long before ours, one long after. */
#define T_OLD 1700000000000 /* 2023-11-14 */
#define T_NEW 4102444800000 /* 2100-01-01 */

static void incubator(fx_incubator_t *f, uint32_t i, uint32_t city, Yrdx__IncubatorTier tier,
                      bool transformed)
{
	fx_incubator_init(f, i);
	f->inc.city = city;
	f->inc.tier = tier;
	f->inc.transformed = transformed;
}

static void park(fx_park_t *f, uint32_t i, uint32_t city)
{
	fx_park_init(f, i);
	f->park.city = city;
}

/* Enterprise i in city with qualification q0, and q1 unless it is 0. */
static void enterprise(fx_enterprise_t *f, uint32_t i, uint32_t city, Yrdx__Qualification q0,
                       Yrdx__Qualification q1)
{
	fx_enterprise_init(f, i);
	f->e.city = city;
	f->qualifications[0] = q0;
	f->qualifications[1] = q1;
	f->e.n_qualifications = q1 ? 2 : 1;
}

static void put(yx_batch_t *b, yx_kind_t kind, void *record)
{
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_diag_t d = {{0}};
	yx_change_set_body(&c, kind, record);
	c.id = (char *)yx_change_body_id(&c);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("put %s: %s", c.id, d.msg);
}

typedef struct {
	char *dir;
	yx_store_t *store;
	yx_identity_t *id, *other;
} fixture_t;

/* The store the figures below are worked out for:
 *
 *   ours   I0 Shanghai HQ transformed, I1 Shanghai STD -> updated to HQC transformed,
 *          I2 Hangzhou HQ, I3 Hefei (retracted); P0 P1 Suzhou, P2 Hangzhou;
 *          E0 Shanghai {SME}, E1 Shanghai {SME, HT}, E2 Hefei {LG}, E3 Hangzhou (retracted)
 *   other  E0 relayed to Suzhou {SME, GZ} (newest of all), E1 Shanghai {SME} (older than
 *          ours), I4 Suzhou HQ transformed, P3 Hefei */
static void fixture_open(fixture_t *fx)
{
	yx_diag_t d = {{0}};
	yx_batch_t *b = NULL;
	fx_incubator_t inc;
	fx_park_t pk;
	fx_enterprise_t ent;
	fx->dir = fx_tmpdir("stats");
	assert_int_equal(yx_store_open(fx->dir, YX_STORE_CREATE, 0, &fx->store, &d), YX_OK);
	assert_int_equal(yx_identity_generate(&fx->id), YX_OK);
	assert_int_equal(yx_identity_generate(&fx->other), YX_OK);

	assert_int_equal(yx_batch_begin(fx->store, fx->id, &b), YX_OK);
	incubator(&inc, 0, SHANGHAI, HQ, true);
	put(b, YX_KIND_INCUBATOR, &inc.inc);
	incubator(&inc, 1, SHANGHAI, STD, false);
	put(b, YX_KIND_INCUBATOR, &inc.inc);
	incubator(&inc, 2, HANGZHOU, HQ, false);
	put(b, YX_KIND_INCUBATOR, &inc.inc);
	incubator(&inc, 3, HEFEI, STD, true);
	put(b, YX_KIND_INCUBATOR, &inc.inc);
	park(&pk, 0, SUZHOU);
	put(b, YX_KIND_PARK, &pk.park);
	park(&pk, 1, SUZHOU);
	put(b, YX_KIND_PARK, &pk.park);
	park(&pk, 2, HANGZHOU);
	put(b, YX_KIND_PARK, &pk.park);
	enterprise(&ent, 0, SHANGHAI, SME, 0);
	put(b, YX_KIND_ENTERPRISE, &ent.e);
	enterprise(&ent, 1, SHANGHAI, SME, HT);
	put(b, YX_KIND_ENTERPRISE, &ent.e);
	enterprise(&ent, 2, HEFEI, LG, 0);
	put(b, YX_KIND_ENTERPRISE, &ent.e);
	enterprise(&ent, 3, HANGZHOU, HARD, 0);
	put(b, YX_KIND_ENTERPRISE, &ent.e);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);

	/* Only the current versions count: I1 changed, I3 and E3 withdrawn. */
	char code[19];
	assert_int_equal(yx_batch_begin(fx->store, fx->id, &b), YX_OK);
	incubator(&inc, 1, SHANGHAI, HQC, true);
	put(b, YX_KIND_INCUBATOR, &inc.inc);
	assert_int_equal(yx_batch_retract(b, YX_KIND_INCUBATOR, "SH-INC-0003", "closed", &d),
	                 YX_OK);
	fx_credit_code(3, code);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, code, "moved away", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);

	fx_log_t log;
	size_t appended = 0;
	fx_log_init(&log, fx->other);
	enterprise(&ent, 0, SUZHOU, SME, GZ);
	fx_log_append(&log, YX_KIND_ENTERPRISE, &ent.e, T_NEW);
	enterprise(&ent, 1, SHANGHAI, SME, 0);
	fx_log_append(&log, YX_KIND_ENTERPRISE, &ent.e, T_OLD);
	incubator(&inc, 4, SUZHOU, HQ, true);
	fx_log_append(&log, YX_KIND_INCUBATOR, &inc.inc, T_OLD);
	park(&pk, 3, HEFEI);
	fx_log_append(&log, YX_KIND_PARK, &pk.park, T_OLD);
	fx_log_sign(&log, T_NEW);
	if (yx_store_append_verified(fx->store, yx_identity_public(fx->other), log.e, log.n,
	                             &log.head, &appended, &d) != YX_OK)
		fail_msg("the other origin's segment: %s", d.msg);
	assert_int_equal(appended, 4);
	fx_log_clear(&log);
}

static void fixture_close(fixture_t *fx)
{
	yx_store_close(&fx->store);
	yx_identity_free(&fx->id);
	yx_identity_free(&fx->other);
	fx_rmtree(fx->dir);
	free(fx->dir);
}

static void expect_figure(uint32_t city, const char *name, int index, uint64_t got, uint64_t want)
{
	if (got != want)
		fail_msg("city %u: %s[%d] is %llu, expected %llu", city, name, index,
		         (unsigned long long)got, (unsigned long long)want);
}

/* Figure by figure, so that a failure names the city, the figure and its index. */
static void expect_counts(const yx_city_stats_t *got, const yx_city_stats_t *want)
{
	uint32_t c = want->city;
	expect_figure(c, "city", 0, got->city, want->city);
	expect_figure(c, "incubators", 0, got->incubators, want->incubators);
	for (int t = 0; t < YX_TIERS; t++)
		expect_figure(c, "incubators_by_tier", t, got->incubators_by_tier[t],
		              want->incubators_by_tier[t]);
	expect_figure(c, "incubators_transformed", 0, got->incubators_transformed,
	              want->incubators_transformed);
	expect_figure(c, "enterprises", 0, got->enterprises, want->enterprises);
	for (int q = 0; q < YX_QUALIFICATIONS; q++)
		expect_figure(c, "enterprises_by_qualification", q,
		              got->enterprises_by_qualification[q],
		              want->enterprises_by_qualification[q]);
	expect_figure(c, "parks", 0, got->parks, want->parks);
}

static const yx_city_stats_t want_shanghai = {
        .city = SHANGHAI,
        .incubators = 2, /* I0, I1 */
        .incubators_by_tier = {[HQ] = 1, [HQC] = 1},
        .incubators_transformed = 2,
        .enterprises = 2, /* E0 ours, E1 once: our newer record's qualifications */
        .enterprises_by_qualification = {[SME] = 2, [HT] = 1},
};

static const yx_city_stats_t want_suzhou = {
        .city = SUZHOU,
        .incubators = 1, /* I4 */
        .incubators_by_tier = {[HQ] = 1},
        .incubators_transformed = 1,
        .enterprises = 1, /* E0 relayed here */
        .enterprises_by_qualification = {[SME] = 1, [GZ] = 1},
        .parks = 2,
};

static const yx_city_stats_t want_hangzhou = {
        .city = HANGZHOU,
        .incubators = 1, /* I2; E3 retracted */
        .incubators_by_tier = {[HQ] = 1},
        .parks = 1,
};

static const yx_city_stats_t want_hefei = {
        .city = HEFEI,
        .enterprises = 1, /* E2; I3 retracted */
        .enterprises_by_qualification = {[LG] = 1},
        .parks = 1,
};

/* Every enterprise once, with its newest record's qualifications: E0 the relayed
 * {SME, GZ}, E1 ours {SME, HT}, E2 {LG}. */
static const yx_city_stats_t want_federation = {
        .city = 0,
        .incubators = 4,
        .incubators_by_tier = {[HQ] = 3, [HQC] = 1},
        .incubators_transformed = 3,
        .enterprises = 3,
        .enterprises_by_qualification = {[SME] = 2, [HT] = 1, [GZ] = 1, [LG] = 1},
        .parks = 4,
};

static void test_counts_by_city_and_federation(void **state)
{
	(void)state;
	fixture_t fx;
	yx_stats_t st;
	fixture_open(&fx);
	assert_int_equal(yx_stats_collect(fx.store, 0, NULL, &st), YX_OK);
	assert_int_equal(st.n, 4);
	expect_counts(&st.cities[0], &want_shanghai);
	expect_counts(&st.cities[1], &want_suzhou);
	expect_counts(&st.cities[2], &want_hangzhou);
	expect_counts(&st.cities[3], &want_hefei);
	expect_counts(&st.federation, &want_federation);
	yx_stats_free(&st);
	assert_null(st.cities);
	assert_int_equal(st.n, 0);
	fixture_close(&fx);
}

/* One city's entry only; the federation still counts everything. */
static void test_one_city(void **state)
{
	(void)state;
	fixture_t fx;
	yx_stats_t st;
	fixture_open(&fx);
	assert_int_equal(yx_stats_collect(fx.store, SUZHOU, NULL, &st), YX_OK);
	assert_int_equal(st.n, 1);
	expect_counts(&st.cities[0], &want_suzhou);
	expect_counts(&st.federation, &want_federation);
	yx_stats_free(&st);

	/* A city with nothing in the store: no entry at all. */
	assert_int_equal(yx_stats_collect(fx.store, 320200, NULL, &st), YX_OK);
	assert_int_equal(st.n, 0);
	expect_counts(&st.federation, &want_federation);
	yx_stats_free(&st);
	fixture_close(&fx);
}

static void test_empty_store(void **state)
{
	(void)state;
	yx_store_t *store = NULL;
	yx_diag_t d = {{0}};
	yx_stats_t st;
	static const yx_city_stats_t zero = {0};
	char *dir = fx_tmpdir("stats-empty");
	assert_int_equal(yx_store_open(dir, YX_STORE_CREATE, 0, &store, &d), YX_OK);
	assert_int_equal(yx_stats_collect(store, 0, NULL, &st), YX_OK);
	assert_int_equal(st.n, 0);
	expect_counts(&st.federation, &zero);
	yx_stats_free(&st);
	yx_store_close(&store);
	fx_rmtree(dir);
	free(dir);
}

/* A retraction of (kind, id) as log's next change, written at time_ms. */
static void log_retract(fx_log_t *log, yx_kind_t kind, const char *id, int64_t time_ms)
{
	Yrdx__Change c = YRDX__CHANGE__INIT;
	Yrdx__Tombstone t = YRDX__TOMBSTONE__INIT;
	uint8_t prev[YX_HASH_BYTES], *bytes = NULL;
	size_t len = 0;
	memcpy(prev, log->hash, YX_HASH_BYTES);
	c.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(log->id)};
	c.seq = log->seq + 1;
	c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, prev};
	c.time_ms = time_ms;
	c.kind = (Yrdx__RecordKind)kind;
	c.id = (char *)id;
	t.reason = "moved";
	c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	c.tombstone = &t;
	assert_int_equal(yx_change_encode(&c, &bytes, &len), YX_OK);
	fx_log_append_bytes(log, bytes, len);
}

static void append(yx_store_t *store, fx_log_t *log, int64_t time_ms)
{
	yx_diag_t d = {{0}};
	size_t appended = 0;
	fx_log_sign(log, time_ms);
	if (yx_store_append_verified(store, yx_identity_public(log->id), log->e, log->n, &log->head,
	                             &appended, &d) != YX_OK)
		fail_msg("segment: %s", d.msg);
	assert_int_equal(appended, log->n);
	fx_log_clear(log);
}

#define T_2023 1688000000000 /* 2023-06-29 */
#define T_2024 1719000000000 /* 2024-06-21 */
#define T_2025 1750000000000 /* 2025-06-15 */
/* 2024-12-31 23:30 in Shanghai (UTC+8): 2024 */
#define T_2024_LATE 1735659000000
/* 2025-01-01 05:00 in Shanghai, still 2024-12-31 21:00 in UTC: 2025 */
#define T_2025_EARLY 1735678800000

/* Enterprise E0 relayed from Suzhou to Hefei: Suzhou's record says it left (stage
 * relocated), Hefei's that it landed. One enterprise in the federation, at Hefei, with
 * Hefei's qualifications, though Suzhou's record is the newer; none at Suzhou. */
static void test_relocated_counted_once(void **state)
{
	(void)state;
	fx_node_t n;
	yx_identity_t *sz = NULL, *hf = NULL;
	fx_enterprise_t ent;
	fx_log_t lsz, lhf;
	yx_stats_t st;
	fx_node_open(&n, "stats-relocated");
	assert_int_equal(yx_identity_generate(&sz), YX_OK);
	assert_int_equal(yx_identity_generate(&hf), YX_OK);
	fx_log_init(&lhf, hf);
	enterprise(&ent, 0, HEFEI, SME, LG);
	ent.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_LANDED;
	fx_log_append(&lhf, YX_KIND_ENTERPRISE, &ent.e, T_2024);
	append(n.store, &lhf, T_2024);
	fx_log_init(&lsz, sz);
	enterprise(&ent, 0, SUZHOU, SME, GZ);
	ent.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2025);
	enterprise(&ent, 1, SUZHOU, HT, 0);
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2025);
	append(n.store, &lsz, T_2025);

	assert_int_equal(yx_stats_collect(n.store, 0, NULL, &st), YX_OK);
	assert_int_equal(st.n, 2);
	static const yx_city_stats_t suzhou = {
	        .city = SUZHOU, .enterprises = 1, .enterprises_by_qualification = {[HT] = 1}};
	static const yx_city_stats_t hefei = {
	        .city = HEFEI,
	        .enterprises = 1,
	        .enterprises_by_qualification = {[SME] = 1, [LG] = 1},
	};
	static const yx_city_stats_t federation = {
	        .enterprises = 2,
	        .enterprises_by_qualification = {[SME] = 1, [HT] = 1, [LG] = 1},
	};
	expect_counts(&st.cities[0], &suzhou);
	expect_counts(&st.cities[1], &hefei);
	expect_counts(&st.federation, &federation);
	yx_stats_free(&st);
	yx_identity_free(&sz);
	yx_identity_free(&hf);
	fx_node_close(&n);
}

/* The counts as they stood at the end of 2023, 2024 and 2025 (UTC+8), worked out by
 * hand from Suzhou's and Hefei's logs:
 *
 *   2023  Suzhou: I0 high quality, P0, E0 {SME}
 *   2024  Suzhou: E0 becomes {SME, GZ}, E1 {SME, HT}; I0's 2024 evaluation eliminated
 *         (written 23:30 on 31 December, Shanghai time: it counts in 2024)
 *   2025  Suzhou: E1 retracted (05:00 on 1 January, Shanghai time: not in 2024), E0
 *         relocated; Hefei: E0 landed {SME, GZ, LG}, I1 in
 *         cultivation */
static void test_by_year(void **state)
{
	(void)state;
	fx_node_t n;
	yx_identity_t *sz = NULL, *hf = NULL;
	fx_enterprise_t ent;
	fx_incubator_t inc;
	fx_park_t pk;
	fx_evaluation_t ev;
	fx_log_t lsz, lhf;
	yx_stats_years_t years;
	char code1[19];
	fx_node_open(&n, "stats-years");
	assert_int_equal(yx_identity_generate(&sz), YX_OK);
	assert_int_equal(yx_identity_generate(&hf), YX_OK);
	fx_log_init(&lsz, sz);
	incubator(&inc, 0, SUZHOU, HQ, true);
	fx_log_append(&lsz, YX_KIND_INCUBATOR, &inc.inc, T_2023);
	park(&pk, 0, SUZHOU);
	fx_log_append(&lsz, YX_KIND_PARK, &pk.park, T_2023);
	enterprise(&ent, 0, SUZHOU, SME, 0);
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2023);
	enterprise(&ent, 0, SUZHOU, SME, GZ);
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2024);
	enterprise(&ent, 1, SUZHOU, SME, HT);
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2024);
	fx_evaluation_init(&ev, 0); /* SH-INC-0000/2023: I0's id */
	snprintf(ev.period, sizeof(ev.period), "2024");
	snprintf(ev.id, sizeof(ev.id), "%s/2024", ev.incubator_id);
	ev.ev.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ELIMINATED;
	ev.ev.milestone_reward_wan_yuan = 0; /* only after excellent or passed */
	fx_log_append(&lsz, YX_KIND_EVALUATION, &ev.ev, T_2024_LATE);
	fx_credit_code(1, code1);
	log_retract(&lsz, YX_KIND_ENTERPRISE, code1, T_2025_EARLY);
	enterprise(&ent, 0, SUZHOU, SME, GZ);
	ent.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
	fx_log_append(&lsz, YX_KIND_ENTERPRISE, &ent.e, T_2025);
	append(n.store, &lsz, T_2025);
	fx_log_init(&lhf, hf);
	enterprise(&ent, 0, HEFEI, SME, GZ);
	ent.qualifications[1] = LG;
	ent.e.n_qualifications = 2;
	ent.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_LANDED;
	fx_log_append(&lhf, YX_KIND_ENTERPRISE, &ent.e, T_2025);
	incubator(&inc, 1, HEFEI, HQC, false);
	fx_log_append(&lhf, YX_KIND_INCUBATOR, &inc.inc, T_2025);
	append(n.store, &lhf, T_2025);

	assert_int_equal(yx_stats_by_year(n.store, 0, &years), YX_OK);
	assert_int_equal(years.n, 3);
	static const yx_city_stats_t sz23 = {
	        .city = SUZHOU,
	        .incubators = 1,
	        .incubators_by_tier = {[HQ] = 1},
	        .incubators_transformed = 1,
	        .enterprises = 1,
	        .enterprises_by_qualification = {[SME] = 1},
	        .parks = 1,
	};
	static const yx_city_stats_t sz24 = {
	        .city = SUZHOU,
	        .incubators = 1,
	        .incubators_by_tier = {[STD] = 1},
	        .incubators_transformed = 1,
	        .enterprises = 2,
	        .enterprises_by_qualification = {[SME] = 2, [HT] = 1, [GZ] = 1},
	        .parks = 1,
	};
	static const yx_city_stats_t sz25 = {
	        .city = SUZHOU,
	        .incubators = 1,
	        .incubators_by_tier = {[STD] = 1},
	        .incubators_transformed = 1,
	        .parks = 1,
	};
	static const yx_city_stats_t hf25 = {
	        .city = HEFEI,
	        .incubators = 1,
	        .incubators_by_tier = {[HQC] = 1},
	        .enterprises = 1,
	        .enterprises_by_qualification = {[SME] = 1, [LG] = 1},
	};
	static const yx_city_stats_t fed25 = {
	        .incubators = 2,
	        .incubators_by_tier = {[STD] = 1, [HQC] = 1},
	        .incubators_transformed = 1,
	        .enterprises = 1,
	        .enterprises_by_qualification = {[SME] = 1, [LG] = 1},
	        .parks = 1,
	};
	yx_city_stats_t fed23 = sz23, fed24 = sz24;
	fed23.city = fed24.city = 0;
	assert_int_equal(years.v[0].year, 2023);
	assert_int_equal(years.v[1].year, 2024);
	assert_int_equal(years.v[2].year, 2025);
	/* 2025-01-01 00:00 in Shanghai */
	assert_int_equal(years.v[1].end_ms, 1735660800000);
	assert_int_equal(years.v[0].stats.n, 1);
	expect_counts(&years.v[0].stats.cities[0], &sz23);
	expect_counts(&years.v[0].stats.federation, &fed23);
	assert_int_equal(years.v[1].stats.n, 1);
	expect_counts(&years.v[1].stats.cities[0], &sz24);
	expect_counts(&years.v[1].stats.federation, &fed24);
	assert_int_equal(years.v[2].stats.n, 2);
	expect_counts(&years.v[2].stats.cities[0], &sz25);
	expect_counts(&years.v[2].stats.cities[1], &hf25);
	expect_counts(&years.v[2].stats.federation, &fed25);
	yx_stats_years_free(&years);

	/* one city's rows; the federation's still count everything */
	assert_int_equal(yx_stats_by_year(n.store, HEFEI, &years), YX_OK);
	assert_int_equal(years.n, 3);
	assert_int_equal(years.v[0].stats.n, 0);
	assert_int_equal(years.v[2].stats.n, 1);
	expect_counts(&years.v[2].stats.cities[0], &hf25);
	expect_counts(&years.v[2].stats.federation, &fed25);
	yx_stats_years_free(&years);

	/* the latest year's counts are today's */
	yx_stats_t now;
	assert_int_equal(yx_stats_collect(n.store, 0, NULL, &now), YX_OK);
	expect_counts(&now.federation, &fed25);
	yx_stats_free(&now);
	yx_identity_free(&sz);
	yx_identity_free(&hf);
	fx_node_close(&n);
}

static void test_by_year_empty(void **state)
{
	(void)state;
	fx_node_t n;
	yx_stats_years_t years;
	fx_node_open(&n, "stats-years-empty");
	assert_int_equal(yx_stats_by_year(n.store, 0, &years), YX_OK);
	assert_int_equal(years.n, 0);
	yx_stats_years_free(&years);
	fx_node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_counts_by_city_and_federation),
	        cmocka_unit_test(test_one_city),
	        cmocka_unit_test(test_empty_store),
	        cmocka_unit_test(test_relocated_counted_once),
	        cmocka_unit_test(test_by_year),
	        cmocka_unit_test(test_by_year_empty),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
