/* report: scorecards ranked within period, city and tier (ties share a rank, listed by
 * id), funding summed by phase, city and period, relay cases per pair of cities and
 * state, joint agreements with their parties' cities — and the same figures in stats —
 * from a store whose figures are worked out by hand below. Real LMDB, two origins: ours
 * (Shanghai, local batches) and Hefei's (a signed log appended verified). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "report.h"
#include "stats.h"
#include "store.h"

#define SHANGHAI 310000
#define HEFEI    340100

#define HQ   YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY
#define HQC  YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION
#define STD  YRDX__INCUBATOR_TIER__INCUBATOR_TIER_STANDARD
#define NONE YRDX__INCUBATOR_TIER__INCUBATOR_TIER_UNSPECIFIED

#define EXC YRDX__MILESTONE_RESULT__MILESTONE_RESULT_EXCELLENT
#define PAS YRDX__MILESTONE_RESULT__MILESTONE_RESULT_PASSED
#define ADJ YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ADJUSTED
#define ELI YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ELIMINATED

#define T_2025 1750000000000 /* 2025-06-15 */

typedef struct {
	char *dir;
	yx_store_t *store;
	yx_identity_t *sh, *hf;
	char case1[YX_CASE_ID_MAX + 1], case2[YX_CASE_ID_MAX + 1], joint1[80], joint2[80];
} fixture_t;

static uint32_t city_of(void *arg, const uint8_t key[YX_KEY_BYTES])
{
	fixture_t *fx = arg;
	if (!memcmp(key, yx_identity_public(fx->sh), YX_KEY_BYTES))
		return SHANGHAI;
	if (!memcmp(key, yx_identity_public(fx->hf), YX_KEY_BYTES))
		return HEFEI;
	return 0;
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

static void incubator(fx_incubator_t *f, const char *id, uint32_t city, Yrdx__IncubatorTier tier)
{
	fx_incubator_init(f, 0);
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->name, sizeof(f->name), "孵化器 %s", id);
	f->inc.city = city;
	f->inc.tier = tier;
}

/* Evaluation of incubator for period: scores summing to total, result, funding. */
static void evaluation(fx_evaluation_t *f, const char *incubator, const char *period,
                       uint32_t total, Yrdx__MilestoneResult result, uint64_t startup,
                       uint64_t operating, uint64_t milestone)
{
	fx_evaluation_init(f, 0);
	snprintf(f->incubator_id, sizeof(f->incubator_id), "%s", incubator);
	snprintf(f->period, sizeof(f->period), "%s", period);
	snprintf(f->id, sizeof(f->id), "%s/%s", incubator, period);
	for (uint32_t k = 0; k < 5; k++)
		f->score[k].score = total / 5 + (k < total % 5);
	f->ev.result = result;
	f->ev.startup_funding_wan_yuan = startup;
	f->ev.operating_subsidy_wan_yuan = operating;
	f->ev.milestone_reward_wan_yuan = milestone;
}

/* A PROPOSE of ours, at the batch's next seq, of enterprise i to Hefei's park. */
static void propose(yx_batch_t *b, fixture_t *fx, uint32_t i, char *case_id, size_t cap)
{
	fx_relay_event_t f;
	fx_relay_event_init(&f, i);
	assert_true(yx_case_id_make("shanghai", yx_identity_public(fx->sh), yx_batch_next_seq(b),
	                            case_id, cap));
	snprintf(f.case_id, sizeof(f.case_id), "%s", case_id);
	assert_true(yx_case_event_id(case_id, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE,
	                             f.id, sizeof(f.id)));
	f.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	f.ev.answers = NULL;
	memcpy(f.destination, yx_identity_public(fx->hf), 32);
	put(b, YX_KIND_RELAY_EVENT, &f.ev);
}

/* A participation of ours at the batch's next seq opening an agreement of Shanghai and
 * Hefei on enterprise i. */
static void joint(fx_joint_t *f, yx_batch_t *b, fixture_t *fx, uint32_t i, char *id, size_t cap)
{
	fx_joint_init(f, i);
	assert_true(yx_joint_id_make("shanghai", yx_identity_public(fx->sh), yx_batch_next_seq(b),
	                             id, cap));
	snprintf(f->id, sizeof(f->id), "%s", id);
	memcpy(f->keys[0], yx_identity_public(fx->sh), 32);
	memcpy(f->keys[1], yx_identity_public(fx->hf), 32);
	f->jp.n_parties = 2;
	f->jp.n_incubator_ids = 2;
	put(b, YX_KIND_JOINT, &f->jp);
}

/* The store the figures below are worked out for:
 *
 *   ours (Shanghai)  A B C high quality, D in cultivation, all of 310000;
 *                    2024: A 400 passed, B 400 excellent, C 380 adjusted (C goes down to
 *                    cultivation), D 350 passed; 2025H1: C 300 passed, D 300 passed;
 *                    X/2024 (no incubator X held) 250 passed;
 *                    relay cases 1 and 2 of enterprises 1 and 2 to Hefei; agreements 1
 *                    and 2 with Hefei
 *   Hefei            H high quality, 340100; 2024: H 390 eliminated; accepts case 1;
 *                    signs agreement 1 */
static void fixture_open(fixture_t *fx)
{
	yx_diag_t d = {{0}};
	yx_batch_t *b = NULL;
	fx_incubator_t inc;
	fx_evaluation_t ev;
	fx_joint_t jp;
	memset(fx, 0, sizeof(*fx));
	fx->dir = fx_tmpdir("report");
	assert_int_equal(yx_store_open(fx->dir, YX_STORE_CREATE, 0, &fx->store, &d), YX_OK);
	assert_int_equal(yx_identity_generate(&fx->sh), YX_OK);
	assert_int_equal(yx_identity_generate(&fx->hf), YX_OK);

	assert_int_equal(yx_batch_begin(fx->store, fx->sh, &b), YX_OK);
	static const struct {
		const char *id;
		Yrdx__IncubatorTier tier;
	} incs[] = {{"SH-INC-A", HQ}, {"SH-INC-B", HQ}, {"SH-INC-C", HQ}, {"SH-INC-D", HQC}};
	for (size_t i = 0; i < 4; i++) {
		incubator(&inc, incs[i].id, SHANGHAI, incs[i].tier);
		put(b, YX_KIND_INCUBATOR, &inc.inc);
	}
	static const struct {
		const char *inc, *period;
		uint32_t total;
		Yrdx__MilestoneResult result;
		uint64_t startup, operating, milestone;
	} evs[] = {
	        {"SH-INC-A", "2024", 400, PAS, 1000, 300, 0},
	        {"SH-INC-B", "2024", 400, EXC, 1000, 300, 500},
	        {"SH-INC-C", "2024", 380, ADJ, 1000, 300, 0},
	        {"SH-INC-D", "2024", 350, PAS, 800, 200, 0},
	        {"SH-INC-C", "2025H1", 300, PAS, 0, 150, 100},
	        {"SH-INC-D", "2025H1", 300, PAS, 0, 100, 0},
	        {"SH-INC-X", "2024", 250, PAS, 10, 20, 0},
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		evaluation(&ev, evs[i].inc, evs[i].period, evs[i].total, evs[i].result,
		           evs[i].startup, evs[i].operating, evs[i].milestone);
		put(b, YX_KIND_EVALUATION, &ev.ev);
	}
	propose(b, fx, 1, fx->case1, sizeof(fx->case1));
	propose(b, fx, 2, fx->case2, sizeof(fx->case2));
	joint(&jp, b, fx, 1, fx->joint1, sizeof(fx->joint1));
	fx_joint_t jp1 = jp;
	joint(&jp, b, fx, 2, fx->joint2, sizeof(fx->joint2));
	yx_head_t head;
	assert_int_equal(yx_batch_commit(&b, &head), YX_OK);

	/* Hefei: its incubator and evaluation, the accept of case 1, its signature of
	 * agreement 1 (the same terms, its own incubator) */
	uint64_t seq1;
	assert_true(yx_case_id_parse(fx->case1, &seq1, (uint8_t[YX_CASE_FP_BYTES]){0}));
	uint8_t hash[YX_HASH_BYTES];
	assert_int_equal(yx_store_hash(fx->store, yx_identity_public(fx->sh), seq1, hash), YX_OK);
	fx_log_t log;
	size_t appended = 0;
	fx_log_init(&log, fx->hf);
	incubator(&inc, "HF-INC-H", HEFEI, HQ);
	fx_log_append(&log, YX_KIND_INCUBATOR, &inc.inc, T_2025);
	evaluation(&ev, "HF-INC-H", "2024", 390, ELI, 1000, 300, 0);
	fx_log_append(&log, YX_KIND_EVALUATION, &ev.ev, T_2025);
	fx_relay_event_t acc;
	fx_relay_event_init(&acc, 1);
	snprintf(acc.case_id, sizeof(acc.case_id), "%s", fx->case1);
	assert_true(yx_case_event_id(fx->case1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT,
	                             acc.id, sizeof(acc.id)));
	memcpy(acc.destination, yx_identity_public(fx->hf), 32);
	memcpy(acc.answers_origin, yx_identity_public(fx->sh), 32);
	memcpy(acc.answers_hash, hash, 32);
	acc.answers.seq = seq1;
	fx_log_append(&log, YX_KIND_RELAY_EVENT, &acc.ev, T_2025);
	jp1.jp.incubator_id = jp1.incubator_id[1];
	jp1.jp.role = "co-incubator";
	jp1.jp.parties = jp1.parties;
	jp1.jp.incubator_ids = jp1.incubator_ids;
	for (int k = 0; k < 3; k++) {
		jp1.parties[k].data = jp1.keys[k];
		jp1.incubator_ids[k] = jp1.incubator_id[k];
	}
	jp1.jp.id = jp1.id;
	jp1.jp.credit_code = jp1.code;
	jp1.jp.incubator_id = jp1.incubator_id[1];
	fx_log_append(&log, YX_KIND_JOINT, &jp1.jp, T_2025);
	fx_log_sign(&log, T_2025);
	if (yx_store_append_verified(fx->store, yx_identity_public(fx->hf), log.e, log.n, &log.head,
	                             &appended, &d) != YX_OK)
		fail_msg("Hefei's segment: %s", d.msg);
	assert_int_equal(appended, 4);
	fx_log_clear(&log);
}

static void fixture_close(fixture_t *fx)
{
	yx_store_close(&fx->store);
	yx_identity_free(&fx->sh);
	yx_identity_free(&fx->hf);
	fx_rmtree(fx->dir);
	free(fx->dir);
}

typedef struct {
	const char *id;
	uint32_t city;
	Yrdx__IncubatorTier tier, after;
	uint32_t total, rank, ranked;
} want_card_t;

static void expect_cards(const yx_scorecards_t *got, const want_card_t *want, size_t n)
{
	if (got->n != n)
		fail_msg("%zu scorecards, expected %zu", got->n, n);
	for (size_t i = 0; i < n; i++) {
		const yx_scorecard_t *c = &got->v[i];
		if (strcmp(c->id, want[i].id) || c->city != want[i].city ||
		    c->tier != want[i].tier || c->tier_after != want[i].after ||
		    c->total != want[i].total || c->rank != want[i].rank ||
		    c->ranked != want[i].ranked)
			fail_msg("scorecard %zu: %s city %u tier %d->%d total %u rank %u/%u; "
			         "expected "
			         "%s city %u tier %d->%d total %u rank %u/%u",
			         i, c->id, c->city, c->tier, c->tier_after, c->total, c->rank,
			         c->ranked, want[i].id, want[i].city, want[i].tier, want[i].after,
			         want[i].total, want[i].rank, want[i].ranked);
	}
}

/* In period order, then city, tier (unknown last), rank; equal totals share a rank and
 * the next skips; C is ranked in 2025H1 among cultivation, where its 2024 result put it;
 * Hefei's H is not ranked with Shanghai's high-quality incubators. */
static const want_card_t all_cards[] = {
        {"SH-INC-A/2024", SHANGHAI, HQ, HQ, 400, 1, 3},
        {"SH-INC-B/2024", SHANGHAI, HQ, HQ, 400, 1, 3},
        {"SH-INC-C/2024", SHANGHAI, HQ, HQC, 380, 3, 3},
        {"SH-INC-D/2024", SHANGHAI, HQC, HQC, 350, 1, 1},
        {"SH-INC-X/2024", SHANGHAI, NONE, NONE, 250, 1, 1},
        {"HF-INC-H/2024", HEFEI, HQ, STD, 390, 1, 1},
        {"SH-INC-C/2025H1", SHANGHAI, HQC, HQC, 300, 1, 2},
        {"SH-INC-D/2025H1", SHANGHAI, HQC, HQC, 300, 1, 2},
};

static void test_scorecards_ranked(void **state)
{
	(void)state;
	fixture_t fx;
	yx_scorecards_t cards;
	fixture_open(&fx);
	yx_key_city_t cities = {city_of, &fx};
	assert_int_equal(yx_report_scorecards(fx.store, NULL, 0, &cities, &cards), YX_OK);
	expect_cards(&cards, all_cards, sizeof(all_cards) / sizeof(all_cards[0]));
	/* the scores as written, the names of the incubators held */
	assert_int_equal(cards.v[0].scores[0], 80);
	assert_string_equal(cards.v[0].incubator_name, "孵化器 SH-INC-A");
	assert_null(cards.v[4].incubator_name);
	assert_int_equal(cards.v[1].result, EXC);
	yx_scorecards_free(&cards);
	assert_null(cards.v);

	/* one period; one city: the same ranks, the others left out */
	assert_int_equal(yx_report_scorecards(fx.store, "2025H1", 0, &cities, &cards), YX_OK);
	expect_cards(&cards, all_cards + 6, 2);
	yx_scorecards_free(&cards);
	assert_int_equal(yx_report_scorecards(fx.store, NULL, HEFEI, &cities, &cards), YX_OK);
	expect_cards(&cards, all_cards + 5, 1);
	yx_scorecards_free(&cards);
	assert_int_equal(yx_report_scorecards(fx.store, "2023", 0, &cities, &cards), YX_OK);
	assert_int_equal(cards.n, 0);
	yx_scorecards_free(&cards);
	fixture_close(&fx);
}

/* Ranking alone, on cards made by hand: ties of three, and a cohort of one. */
static void test_rank_ties(void **state)
{
	(void)state;
	yx_scorecard_t v[6];
	static const struct {
		const char *id;
		uint32_t total, rank;
	} in[] = {{"e", 300, 5}, {"b", 350, 2}, {"d", 350, 2},
	          {"a", 400, 1}, {"c", 350, 2}, {"f", 100, 6}};
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 6; i++) {
		v[i].id = (char *)in[i].id;
		v[i].period = "2024";
		v[i].city = SHANGHAI;
		v[i].tier = HQ;
		v[i].total = in[i].total;
	}
	yx_scorecards_t cards = {v, 6};
	yx_scorecards_rank(&cards);
	static const char *order = "abcdef";
	static const uint32_t ranks[] = {1, 2, 2, 2, 5, 6};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(v[i].id[0], order[i]);
		assert_int_equal(v[i].rank, ranks[i]);
		assert_int_equal(v[i].ranked, 6);
	}
}

static void expect_row(const yx_funding_row_t *r, uint32_t city, const char *period,
                       uint64_t startup, uint64_t operating, uint64_t milestone, uint64_t n)
{
	assert_int_equal(r->city, city);
	if (period)
		assert_string_equal(r->period, period);
	else
		assert_null(r->period);
	assert_int_equal(r->wan_yuan[YX_FUND_STARTUP], startup);
	assert_int_equal(r->wan_yuan[YX_FUND_OPERATING], operating);
	assert_int_equal(r->wan_yuan[YX_FUND_MILESTONE], milestone);
	assert_int_equal(r->total, startup + operating + milestone);
	assert_int_equal(r->evaluations, n);
}

static void test_funding_sums(void **state)
{
	(void)state;
	fixture_t fx;
	yx_scorecards_t cards;
	yx_funding_t f;
	fixture_open(&fx);
	yx_key_city_t cities = {city_of, &fx};
	assert_int_equal(yx_report_scorecards(fx.store, NULL, 0, &cities, &cards), YX_OK);
	assert_int_equal(yx_report_funding(&cards, &f), YX_OK);
	assert_int_equal(f.n_cells, 3);
	expect_row(&f.cells[0], SHANGHAI, "2024", 3810, 1120, 500, 5);
	expect_row(&f.cells[1], SHANGHAI, "2025H1", 0, 250, 100, 2);
	expect_row(&f.cells[2], HEFEI, "2024", 1000, 300, 0, 1);
	assert_int_equal(f.n_cities, 2);
	expect_row(&f.cities[0], SHANGHAI, NULL, 3810, 1370, 600, 7);
	expect_row(&f.cities[1], HEFEI, NULL, 1000, 300, 0, 1);
	assert_int_equal(f.n_periods, 2);
	expect_row(&f.periods[0], 0, "2024", 4810, 1420, 500, 6);
	expect_row(&f.periods[1], 0, "2025H1", 0, 250, 100, 2);
	expect_row(&f.total, 0, NULL, 4810, 1670, 600, 8);
	yx_funding_free(&f);
	yx_scorecards_free(&cards);

	/* nothing to sum */
	yx_scorecards_t none = {0};
	assert_int_equal(yx_report_funding(&none, &f), YX_OK);
	assert_int_equal(f.n_cells + f.n_cities + f.n_periods, 0);
	expect_row(&f.total, 0, NULL, 0, 0, 0, 0);
	yx_funding_free(&f);
	fixture_close(&fx);
}

static void test_relay_pairs(void **state)
{
	(void)state;
	fixture_t fx;
	yx_relay_report_t r;
	fixture_open(&fx);
	yx_key_city_t cities = {city_of, &fx};
	assert_int_equal(yx_report_relay(fx.store, &cities, &r), YX_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].from_city, SHANGHAI);
	assert_int_equal(r.v[0].to_city, HEFEI);
	assert_int_equal(r.v[0].total, 2);
	assert_int_equal(r.v[0].by_state[YX_CASE_PROPOSED], 1);
	assert_int_equal(r.v[0].by_state[YX_CASE_ACCEPTED], 1);
	assert_int_equal(r.total, 2);
	assert_int_equal(r.by_state[YX_CASE_ACCEPTED], 1);
	yx_relay_report_free(&r);
	fixture_close(&fx);
}

static void test_joint_rows(void **state)
{
	(void)state;
	fixture_t fx;
	yx_joint_report_t r;
	fixture_open(&fx);
	yx_key_city_t cities = {city_of, &fx};
	assert_int_equal(yx_report_joint(fx.store, &cities, &r), YX_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.active, 1);
	assert_int_equal(r.pending, 1);
	for (size_t i = 0; i < r.n; i++) {
		const yx_joint_row_t *a = &r.v[i];
		bool first = strcmp(a->id, fx.joint1) == 0;
		assert_true(first || strcmp(a->id, fx.joint2) == 0);
		assert_int_equal(a->active, first);
		assert_int_equal(a->n_parties, 2);
		assert_int_equal(a->n_signed, first ? 2 : 1);
		/* the parties' cities, whichever key sorts first */
		assert_int_equal(a->cities[0] + a->cities[1], SHANGHAI + HEFEI);
		for (size_t k = 0; k < 2; k++)
			assert_int_equal(a->cities[k], city_of(&fx, a->parties[k]));
	}
	yx_joint_report_free(&r);
	fixture_close(&fx);
}

/* The same figures in stats, per city and for the federation. */
static void test_stats_tracking(void **state)
{
	(void)state;
	fixture_t fx;
	yx_stats_t st;
	fixture_open(&fx);
	yx_key_city_t cities = {city_of, &fx};
	assert_int_equal(yx_stats_collect(fx.store, 0, &cities, &st), YX_OK);
	assert_int_equal(st.n, 2);
	const yx_city_stats_t *sh = &st.cities[0], *hf = &st.cities[1], *fed = &st.federation;
	assert_int_equal(sh->city, SHANGHAI);
	assert_int_equal(sh->evaluations, 7);
	assert_int_equal(sh->evaluations_by_result[PAS], 5);
	assert_int_equal(sh->evaluations_by_result[EXC], 1);
	assert_int_equal(sh->evaluations_by_result[ADJ], 1);
	assert_int_equal(sh->funding_wan_yuan[YX_FUND_STARTUP], 3810);
	assert_int_equal(sh->funding_wan_yuan[YX_FUND_MILESTONE], 600);
	assert_int_equal(sh->relay_cases, 2);
	assert_int_equal(sh->relay_by_state[YX_CASE_ACCEPTED], 1);
	assert_int_equal(sh->relay_in, 0);
	assert_int_equal(sh->joint_active, 1);
	assert_int_equal(sh->joint_pending, 1);
	/* C adjusted: high quality A B, cultivation C D */
	assert_int_equal(sh->incubators_by_tier[HQ], 2);
	assert_int_equal(sh->incubators_by_tier[HQC], 2);
	assert_int_equal(hf->evaluations_by_result[ELI], 1);
	assert_int_equal(hf->relay_cases, 0);
	assert_int_equal(hf->relay_in, 2);
	assert_int_equal(hf->joint_active, 1);
	assert_int_equal(hf->joint_pending, 1);
	assert_int_equal(hf->incubators_by_tier[STD], 1); /* H eliminated */
	assert_int_equal(fed->evaluations, 8);
	assert_int_equal(fed->funding_wan_yuan[YX_FUND_OPERATING], 1670);
	assert_int_equal(fed->relay_cases, 2);
	assert_int_equal(fed->joint_active, 1);
	assert_int_equal(fed->joint_pending, 1);
	yx_stats_free(&st);

	/* without cities, cases and agreements count in the federation only */
	assert_int_equal(yx_stats_collect(fx.store, 0, NULL, &st), YX_OK);
	assert_int_equal(st.federation.relay_cases, 2);
	for (size_t i = 0; i < st.n; i++)
		assert_int_equal(st.cities[i].relay_cases + st.cities[i].joint_active, 0);
	yx_stats_free(&st);
	fixture_close(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_scorecards_ranked), cmocka_unit_test(test_rank_ties),
	        cmocka_unit_test(test_funding_sums),      cmocka_unit_test(test_relay_pairs),
	        cmocka_unit_test(test_joint_rows),        cmocka_unit_test(test_stats_tracking),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
