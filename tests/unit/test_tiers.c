/* Tier derivation (动态调整): periods, the rules per result, and that every order of the
 * same evaluations gives the same tier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "terms.h"
#include "tiers.h"

#define R(x) YRDX__MILESTONE_RESULT__MILESTONE_RESULT_##x
#define T(x) YRDX__INCUBATOR_TIER__INCUBATOR_TIER_##x

static void test_periods(void **state)
{
	(void)state;
	yx_period_t y, h1, h2, q2, q4;
	assert_true(yx_period_parse("2025", &y));
	assert_true(yx_period_parse("2025H1", &h1));
	assert_true(yx_period_parse("2025H2", &h2));
	assert_true(yx_period_parse("2025Q2", &q2));
	assert_true(yx_period_parse("2025Q4", &q4));
	assert_int_equal(y.year, 2025);
	assert_true(yx_period_compare(&q2, &h1) < 0); /* same end, later start: quarter first */
	assert_true(yx_period_compare(&h1, &h2) < 0);
	assert_true(yx_period_compare(&q4, &h2) < 0);
	assert_true(yx_period_compare(&h2, &y) < 0);
	assert_true(yx_period_compare(&q4, &y) < 0);
	assert_int_equal(yx_period_compare(&y, &y), 0);
	const char *bad[] = {"",      "25",     "1999",    "2100", "2025H3", "2025Q0", "2025Q5",
	                     "2025H", "2025h1", "2025H12", "20a5", "2025-1", "2025 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(yx_period_parse(bad[i], &y));
	char inc[64];
	assert_true(yx_evaluation_incubator("SH-INC-0001/2025H1", inc, sizeof(inc)));
	assert_string_equal(inc, "SH-INC-0001");
	assert_false(yx_evaluation_incubator("SH-INC-0001", inc, sizeof(inc)));
	assert_false(yx_evaluation_incubator("/2025", inc, sizeof(inc)));
	assert_false(yx_evaluation_incubator("SH-INC-0001/2025", inc, 4));
}

static yx_tier_t derive(Yrdx__IncubatorTier tier, const char *since, yx_tier_input_t *in, size_t n)
{
	Yrdx__Incubator inc = YRDX__INCUBATOR__INIT;
	yx_tier_t t;
	inc.tier = tier;
	inc.tier_since = (char *)(since ? since : "");
	yx_tier_derive(&inc, in, n, &t, NULL);
	return t;
}

static void test_rules(void **state)
{
	(void)state;
	yx_tier_input_t one[1] = {{"I/2024", "2024", R(ELIMINATED)}};
	yx_tier_t t = derive(T(HIGH_QUALITY_CULTIVATION), NULL, one, 1);
	assert_int_equal(t.effective, T(STANDARD));
	assert_true(t.eliminated);
	assert_int_equal(t.registered, T(HIGH_QUALITY_CULTIVATION));
	t = derive(T(HIGH_QUALITY), NULL, one, 1);
	assert_int_equal(t.effective, T(STANDARD));
	t = derive(T(STANDARD), NULL, one, 1);
	assert_int_equal(t.effective, T(STANDARD));
	assert_false(t.eliminated);

	one[0].result = R(ADJUSTED);
	assert_int_equal(derive(T(HIGH_QUALITY), NULL, one, 1).effective,
	                 T(HIGH_QUALITY_CULTIVATION));
	assert_int_equal(derive(T(HIGH_QUALITY_CULTIVATION), NULL, one, 1).effective, T(STANDARD));
	assert_int_equal(derive(T(STANDARD), NULL, one, 1).effective, T(STANDARD));

	/* two excellent in a row in cultivation: a candidate, until a passed */
	yx_tier_input_t three[3] = {{"I/2024", "2024", R(EXCELLENT)},
	                            {"I/2025H1", "2025H1", R(EXCELLENT)},
	                            {"I/2025H2", "2025H2", R(PASSED)}};
	t = derive(T(HIGH_QUALITY_CULTIVATION), NULL, three, 2);
	assert_true(t.candidate);
	assert_int_equal(t.effective, T(HIGH_QUALITY_CULTIVATION));
	assert_string_equal(t.last_period, "2025H1");
	t = derive(T(HIGH_QUALITY_CULTIVATION), NULL, three, 3);
	assert_false(t.candidate);
	t = derive(T(HIGH_QUALITY), NULL, three, 2); /* not in cultivation: no candidate */
	assert_false(t.candidate);

	/* tier_since: a re-registered tier is not moved by results before it */
	yx_tier_input_t two[2] = {{"I/2024", "2024", R(ADJUSTED)},
	                          {"I/2025H1", "2025H1", R(PASSED)}};
	assert_int_equal(derive(T(HIGH_QUALITY), NULL, two, 2).effective,
	                 T(HIGH_QUALITY_CULTIVATION));
	assert_int_equal(derive(T(HIGH_QUALITY), "2025", two, 2).effective, T(HIGH_QUALITY));
	yx_tier_step_t steps[2];
	Yrdx__Incubator inc = YRDX__INCUBATOR__INIT;
	inc.tier = T(HIGH_QUALITY);
	inc.tier_since = "2025";
	yx_tier_derive(&inc, two, 2, &t, steps);
	assert_false(steps[0].counted);
	assert_true(steps[1].counted);
	assert_int_equal(steps[1].from, T(HIGH_QUALITY));

	/* an unparsable period moves nothing */
	yx_tier_input_t odd[1] = {{"I/x", "later", R(ELIMINATED)}};
	assert_int_equal(derive(T(HIGH_QUALITY), NULL, odd, 1).effective, T(HIGH_QUALITY));
}

/* Heap's algorithm over every order of n inputs: each gives the same result. */
static void permute(yx_tier_input_t *base, size_t n, size_t k, Yrdx__IncubatorTier tier,
                    const yx_tier_t *want, unsigned *count)
{
	if (k == 1) {
		yx_tier_input_t copy[8];
		memcpy(copy, base, n * sizeof(*base));
		yx_tier_t t = derive(tier, NULL, copy, n);
		assert_int_equal(t.effective, want->effective);
		assert_int_equal(t.candidate, want->candidate);
		assert_int_equal(t.eliminated, want->eliminated);
		(*count)++;
		return;
	}
	for (size_t i = 0; i < k; i++) {
		permute(base, n, k - 1, tier, want, count);
		size_t j = k % 2 ? 0 : i;
		yx_tier_input_t x = base[j];
		base[j] = base[k - 1];
		base[k - 1] = x;
	}
}

static void test_every_order(void **state)
{
	(void)state;
	unsigned seed =
	        (unsigned)strtoul(getenv("YX_SEED") ? getenv("YX_SEED") : "20261206", NULL, 10);
	printf("test_every_order: seed %u\n", seed);
	srand(seed);
	static const char *periods[] = {"2022",   "2023H1", "2023H2", "2024Q1",
	                                "2024Q2", "2024",   "2025H1"};
	static const char *ids[] = {"I/2022",   "I/2023H1", "I/2023H2", "I/2024Q1",
	                            "I/2024Q2", "I/2024",   "I/2025H1"};
	for (int round = 0; round < 40; round++) {
		yx_tier_input_t in[7];
		size_t n = 3 + (size_t)(rand() % 5);
		for (size_t i = 0; i < n; i++)
			in[i] = (yx_tier_input_t){ids[i], periods[i],
			                          (Yrdx__MilestoneResult)(1 + rand() % 4)};
		Yrdx__IncubatorTier tier = (Yrdx__IncubatorTier)(1 + rand() % 3);
		yx_tier_input_t sorted[7];
		memcpy(sorted, in, sizeof(in));
		yx_tier_t want = derive(tier, NULL, sorted, n);
		unsigned count = 0;
		permute(in, n, n, tier, &want, &count);
		unsigned fact = 1;
		for (size_t i = 2; i <= n; i++)
			fact *= (unsigned)i;
		assert_int_equal(count, fact);
	}
}

static void test_terms(void **state)
{
	(void)state;
	char buf[128];
	assert_string_equal(yx_term(&yrdx__incubator_tier__descriptor, T(HIGH_QUALITY)),
	                    "高质量孵化器");
	assert_string_equal(yx_term(&yrdx__qualification__descriptor,
	                            YRDX__QUALIFICATION__QUALIFICATION_GAZELLE),
	                    "瞪羚企业");
	assert_null(yx_term(&yrdx__incubator_tier__descriptor, 0));
	assert_null(yx_term(&yrdx__incubator_tier__descriptor, 99));
	assert_string_equal(
	        yx_term_label(&yrdx__milestone_result__descriptor, R(ELIMINATED), buf, sizeof(buf)),
	        "淘汰 eliminated");
	assert_string_equal(yx_case_state_term(YX_CASE_LANDED), "已落地");
	/* every value of every table has a term: none forgotten when an enum grows */
	const ProtobufCEnumDescriptor *all[] = {&yrdx__incubator_tier__descriptor,
	                                        &yrdx__operator_type__descriptor,
	                                        &yrdx__industry__descriptor,
	                                        &yrdx__service_platform__descriptor,
	                                        &yrdx__qualification__descriptor,
	                                        &yrdx__enterprise_stage__descriptor,
	                                        &yrdx__park_type__descriptor,
	                                        &yrdx__relay_event_type__descriptor,
	                                        &yrdx__evaluation_dimension__descriptor,
	                                        &yrdx__milestone_result__descriptor};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		for (unsigned v = 0; v < all[i]->n_values; v++)
			if (all[i]->values[v].value != 0)
				assert_non_null(yx_term(all[i], all[i]->values[v].value));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_periods),
	        cmocka_unit_test(test_rules),
	        cmocka_unit_test(test_every_order),
	        cmocka_unit_test(test_terms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
