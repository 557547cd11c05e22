/* Park matching: the parts of the score, each for its reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixtures.h"
#include "match.h"

static void test_score_parts(void **state)
{
	(void)state;
	fx_enterprise_t f;
	Yrdx__Park p = YRDX__PARK__INIT;
	Yrdx__Industry ind[2];
	fx_enterprise_init(&f, 0); /* integrated circuits + future health; tech SME, gazelle */
	p.industries = ind;
	p.type = YRDX__PARK_TYPE__PARK_TYPE_CHARACTERISTIC_PARK;

	/* one of two industries served exactly; the other's track (future industries) too */
	ind[0] = YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS;
	ind[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_ENERGY;
	p.n_industries = 2;
	p.capacity = 5;
	yx_match_t m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry, 30);
	assert_int_equal(m.track, 10);
	assert_int_equal(m.capacity, 10);
	assert_int_equal(m.hard_tech, 0);
	assert_int_equal(m.total, 50);

	/* both served, a hard-tech enterprise meets a high-tech zone, but the park is full */
	ind[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_HEALTH;
	p.capacity = 0;
	p.type = YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE;
	f.qualifications[1] = YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH;
	f.e.n_qualifications = 2;
	m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry, 60);
	assert_int_equal(m.track, 0);
	assert_int_equal(m.capacity, 0);
	assert_int_equal(m.hard_tech, 10);
	assert_int_equal(m.total, 70);

	/* nothing in common */
	ind[0] = YRDX__INDUSTRY__INDUSTRY_FASHION_CONSUMER_GOODS;
	p.n_industries = 1;
	m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry + m.track, 0);
	assert_int_equal(yx_industry_track(YRDX__INDUSTRY__INDUSTRY_METAVERSE), 4);
	assert_int_equal(yx_industry_track(YRDX__INDUSTRY__INDUSTRY_UNSPECIFIED), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_score_parts)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
