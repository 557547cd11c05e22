/* Park matching: the parts of the score, each for its reason — industry share first (a
 * park built for none of the enterprise's industries never ties one built for half),
 * capacity in proportion to the places left, hard-tech for the parks the plan steers
 * such enterprises to — and a park that declined the enterprise found, to be left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

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
	p.capacity = 100;
	yx_match_t m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry, 35);
	assert_int_equal(m.track, 5);
	assert_int_equal(m.capacity, 5);
	assert_int_equal(m.hard_tech, 0);
	assert_int_equal(m.total, 45);
	assert_int_equal(m.industries, 2);
	assert_int_equal(m.exact, 1);
	assert_int_equal(m.same_track, 1);
	assert_false(m.hard_enterprise);

	/* both served, a hard-tech enterprise meets a high-tech zone, but the park is full */
	ind[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_HEALTH;
	p.capacity = 0;
	p.type = YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE;
	f.qualifications[1] = YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH;
	f.e.n_qualifications = 2;
	m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry, 70);
	assert_int_equal(m.track, 0);
	assert_int_equal(m.capacity, 0);
	assert_int_equal(m.hard_tech, 10);
	assert_int_equal(m.total, 80);
	assert_true(m.hard_enterprise && m.hard_park);

	/* the same enterprise at a characteristic park: no hard-tech points */
	p.type = YRDX__PARK_TYPE__PARK_TYPE_CHARACTERISTIC_PARK;
	m = yx_match_park(&f.e, &p);
	assert_int_equal(m.hard_tech, 0);
	assert_false(m.hard_park);

	/* nothing in common */
	ind[0] = YRDX__INDUSTRY__INDUSTRY_FASHION_CONSUMER_GOODS;
	p.n_industries = 1;
	m = yx_match_park(&f.e, &p);
	assert_int_equal(m.industry + m.track, 0);
	assert_int_equal(yx_industry_track(YRDX__INDUSTRY__INDUSTRY_METAVERSE), 4);
	assert_int_equal(yx_industry_track(YRDX__INDUSTRY__INDUSTRY_UNSPECIFIED), 0);
}

/* The example: 35 places and 200 places no longer both score 10/10. */
static void test_capacity_in_proportion(void **state)
{
	(void)state;
	static const struct {
		uint32_t places;
		int points;
	} cases[] = {{0, 0},   {1, 1},   {19, 1},  {20, 1},   {35, 1},    {45, 2},         {60, 3},
	             {100, 5}, {150, 7}, {199, 9}, {200, 10}, {1000, 10}, {UINT32_MAX, 10}};
	fx_enterprise_t f;
	Yrdx__Park p = YRDX__PARK__INIT;
	fx_enterprise_init(&f, 0);
	int last = -1;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p.capacity = cases[i].places;
		yx_match_t m = yx_match_park(&f.e, &p);
		if (m.capacity != cases[i].points)
			fail_msg("%u places: %d points, expected %d", cases[i].places, m.capacity,
			         cases[i].points);
		assert_true(m.capacity >= last); /* more room never scores less */
		last = m.capacity;
	}
}

/* A park built for none of the enterprise's industries, with every other part at its
 * best (each of its industries on a track the park serves, 200 places, a hard-tech
 * enterprise at a high-tech zone), scores below a park built for half of them with
 * every other part at nothing — for enterprises of 2, 4, 6 and 8 industries. */
static void test_no_industry_below_half(void **state)
{
	(void)state;
	/* pairs of industries on one track each: (exact, same track) */
	static const Yrdx__Industry a[] = {YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS,
	                                   YRDX__INDUSTRY__INDUSTRY_ELECTRONIC_INFORMATION,
	                                   YRDX__INDUSTRY__INDUSTRY_DIGITAL_ECONOMY,
	                                   YRDX__INDUSTRY__INDUSTRY_FUTURE_HEALTH};
	static const Yrdx__Industry b[] = {
	        YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE, YRDX__INDUSTRY__INDUSTRY_AUTOMOTIVE,
	        YRDX__INDUSTRY__INDUSTRY_METAVERSE, YRDX__INDUSTRY__INDUSTRY_FUTURE_ENERGY};
	Yrdx__Industry ent[8], half[4];
	Yrdx__Qualification hard = YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT;
	Yrdx__Enterprise e = YRDX__ENTERPRISE__INIT;
	Yrdx__Park best_other = YRDX__PARK__INIT, worst_half = YRDX__PARK__INIT;
	e.industries = ent;
	e.qualifications = &hard;
	e.n_qualifications = 1;
	for (size_t pairs = 1; pairs <= 4; pairs++) {
		for (size_t k = 0; k < pairs; k++) {
			ent[2 * k] = a[k];
			ent[2 * k + 1] = b[k];
			half[k] = a[k]; /* built for one of each pair */
		}
		e.n_industries = 2 * pairs;
		/* a park built for the tracks only: an industry of each pair's track that the
		 * enterprise does not have */
		Yrdx__Industry tracks[4];
		for (size_t k = 0; k < pairs; k++)
			tracks[k] = a[k] == YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS
			                    ? YRDX__INDUSTRY__INDUSTRY_ARTIFICIAL_INTELLIGENCE
			            : a[k] == YRDX__INDUSTRY__INDUSTRY_ELECTRONIC_INFORMATION
			                    ? YRDX__INDUSTRY__INDUSTRY_HIGH_END_EQUIPMENT
			            : a[k] == YRDX__INDUSTRY__INDUSTRY_DIGITAL_ECONOMY
			                    ? YRDX__INDUSTRY__INDUSTRY_SMART_TERMINALS
			                    : YRDX__INDUSTRY__INDUSTRY_FUTURE_MATERIALS;
		best_other.industries = tracks;
		best_other.n_industries = pairs;
		best_other.capacity = 500;
		best_other.type = YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE;
		worst_half.industries = half;
		worst_half.n_industries = pairs;
		worst_half.capacity = 0;
		worst_half.type = YRDX__PARK_TYPE__PARK_TYPE_CHARACTERISTIC_PARK;
		e.n_qualifications = 1;
		yx_match_t o = yx_match_park(&e, &best_other);
		e.n_qualifications = 0;
		yx_match_t h = yx_match_park(&e, &worst_half);
		assert_int_equal(o.exact, 0);
		assert_int_equal(o.same_track, 2 * pairs); /* every track served */
		assert_int_equal(o.total, 30);
		assert_int_equal(h.exact, pairs);
		if (!(o.total < h.total))
			fail_msg("%zu industries: no match scores %d, half scores %d", 2 * pairs,
			         o.total, h.total);
	}
}

/* A park that declined the enterprise: the applied DECLINE of a case addressed to it at
 * its node; a DECLINE left off the path, or of another park, does not count. */
static void test_declined_park(void **state)
{
	(void)state;
	enum { N = 6 };
	static const char *case_a = "sh-1-1111111111111111", *case_b = "sh-4-1111111111111111";
	Yrdx__RelayEvent ev[N];
	Yrdx__ChangeRef ref[N];
	yx_case_event_t e[N];
	uint8_t src[32], dst[32];
	memset(src, 0x11, 32);
	memset(dst, 0x22, 32);
	memset(e, 0, sizeof(e));
	/* case a: PROPOSE to HF-PARK-GX, DECLINE by the destination; case b: PROPOSE to
	 * HF-PARK-BH, a DECLINE by the source (not its step: not applied), an ACCEPT */
	const struct {
		const char *case_id;
		Yrdx__RelayEventType type;
		const uint8_t *by;
		int answers;
		const char *park;
	} mk[N] = {
	        {case_a, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, src, -1, "HF-PARK-GX"},
	        {case_a, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE, dst, 0, "HF-PARK-GX"},
	        {case_a, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, src, 1, "HF-PARK-GX"},
	        {case_b, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, src, -1, "HF-PARK-BH"},
	        {case_b, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE, src, 3, "HF-PARK-BH"},
	        {case_b, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, dst, 3, "HF-PARK-BH"},
	};
	for (int i = 0; i < N; i++) {
		yrdx__relay_event__init(&ev[i]);
		yrdx__change_ref__init(&ref[i]);
		ev[i].case_id = (char *)mk[i].case_id;
		ev[i].type = mk[i].type;
		ev[i].park_id = (char *)mk[i].park;
		ev[i].credit_code = "91310115000000007X";
		ev[i].destination_node = (ProtobufCBinaryData){32, dst};
		memcpy(e[i].origin, mk[i].by, 32);
		e[i].seq = (uint64_t)i + 1;
		e[i].time_ms = 1000 * (i + 1);
		memset(e[i].hash, 0x40 + i, 32);
		if (mk[i].answers >= 0) {
			int a = mk[i].answers;
			ref[i].origin = (ProtobufCBinaryData){32, e[a].origin};
			ref[i].seq = e[a].seq;
			ref[i].hash = (ProtobufCBinaryData){32, e[a].hash};
			ev[i].answers = &ref[i];
		}
		e[i].ev = &ev[i];
	}
	yx_case_t ca, cb;
	assert_int_equal(yx_case_derive(e, N, case_a, &ca), YX_OK);
	assert_int_equal(yx_case_derive(e, N, case_b, &cb), YX_OK);
	assert_int_equal(ca.state, YX_CASE_CLOSED);
	assert_int_equal(cb.state, YX_CASE_ACCEPTED);
	assert_ptr_equal(yx_match_declined(e, N, dst, "HF-PARK-GX"), &e[1]);
	assert_null(yx_match_declined(e, N, dst, "HF-PARK-BH")); /* its DECLINE not applied */
	assert_null(yx_match_declined(e, N, src, "HF-PARK-GX")); /* a park of another node */
	assert_null(yx_match_declined(e, N, dst, "HF-PARK-XZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_score_parts),
	        cmocka_unit_test(test_capacity_in_proportion),
	        cmocka_unit_test(test_no_industry_below_half),
	        cmocka_unit_test(test_declined_park),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
