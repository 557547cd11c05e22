/* Jurisdiction (管辖范围): which records name a city, whether a member may write them, and
 * what a refusal says — the decision yrdxd makes at put, import and relay PROPOSE and on
 * every received change, and yrdxctl import makes in its first pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "jurisdiction.h"
#include "validate.h"

/* One change of each kind that names a city, and bodies that do not. */
typedef struct {
	Yrdx__Change c;
	Yrdx__Incubator inc;
	Yrdx__Enterprise ent;
	Yrdx__Park park;
	Yrdx__Evaluation ev;
	Yrdx__RelayEvent relay;
	Yrdx__Tombstone tomb;
} rec_t;

static Yrdx__Change *incubator(rec_t *r, const char *id, uint32_t city)
{
	yrdx__incubator__init(&r->inc);
	r->inc.id = (char *)id;
	r->inc.city = city;
	yrdx__change__init(&r->c);
	yx_change_set_body(&r->c, YX_KIND_INCUBATOR, &r->inc);
	r->c.id = (char *)id;
	return &r->c;
}

static Yrdx__Change *enterprise(rec_t *r, const char *code, uint32_t city)
{
	yrdx__enterprise__init(&r->ent);
	r->ent.credit_code = (char *)code;
	r->ent.city = city;
	yrdx__change__init(&r->c);
	yx_change_set_body(&r->c, YX_KIND_ENTERPRISE, &r->ent);
	r->c.id = (char *)code;
	return &r->c;
}

static Yrdx__Change *park(rec_t *r, const char *id, uint32_t city)
{
	yrdx__park__init(&r->park);
	r->park.id = (char *)id;
	r->park.city = city;
	yrdx__change__init(&r->c);
	yx_change_set_body(&r->c, YX_KIND_PARK, &r->park);
	r->c.id = (char *)id;
	return &r->c;
}

/* hefei: its own city only, as a member admitted with the default. */
static void hefei(yx_member_t *m)
{
	memset(m, 0, sizeof(*m));
	yx_jurisdiction_own(m, "hefei", 340100);
}

static void test_which_records_name_a_city(void **state)
{
	(void)state;
	rec_t r;
	uint32_t city = 0;
	assert_true(yx_change_city(incubator(&r, "HF-INC-0001", 340100), &city));
	assert_int_equal(city, 340100);
	assert_true(yx_change_city(enterprise(&r, "91340100MA2TEST001", 310000), &city));
	assert_int_equal(city, 310000);
	assert_true(yx_change_city(park(&r, "HF-PARK-1", 320500), &city));
	assert_int_equal(city, 320500);

	/* An evaluation, a relay event and a retraction name none. */
	yrdx__evaluation__init(&r.ev);
	r.ev.id = "SH-INC-0001/2025";
	r.ev.incubator_id = "SH-INC-0001";
	yrdx__change__init(&r.c);
	yx_change_set_body(&r.c, YX_KIND_EVALUATION, &r.ev);
	assert_false(yx_change_city(&r.c, &city));
	yrdx__relay_event__init(&r.relay);
	yrdx__change__init(&r.c);
	yx_change_set_body(&r.c, YX_KIND_RELAY_EVENT, &r.relay);
	assert_false(yx_change_city(&r.c, &city));
	yrdx__tombstone__init(&r.tomb);
	yrdx__change__init(&r.c);
	r.c.kind = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE;
	r.c.id = "91310000MA1FL8XQ3N";
	r.c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	r.c.tombstone = &r.tomb;
	assert_false(yx_change_city(&r.c, &city));

	/* A hand-built change whose case names a body it lacks names no city. */
	yrdx__change__init(&r.c);
	r.c.body_case = YRDX__CHANGE__BODY_ENTERPRISE;
	assert_false(yx_change_city(&r.c, &city));
}

static void test_own_city_by_default(void **state)
{
	(void)state;
	yx_member_t m;
	rec_t r;
	yx_diag_t d = {{0}};
	hefei(&m);
	assert_int_equal(
	        yx_jurisdiction_check(&m, incubator(&r, "HF-INC-0001", 340100), YX_EINVAL, &d),
	        YX_OK);
	assert_int_equal(yx_jurisdiction_check(&m, enterprise(&r, "91340100MA2TEST001", 340100),
	                                       YX_EREFUSED, &d),
	                 YX_OK);
	assert_string_equal(d.msg, ""); /* nothing said when nothing is wrong */

	/* Another city's incubator: refused with the error the caller asked for, the city
	 * by code and name, the member and its jurisdiction. */
	assert_int_equal(
	        yx_jurisdiction_check(&m, incubator(&r, "SH-INC-0001", 310000), YX_EREFUSED, &d),
	        YX_EREFUSED);
	assert_string_equal(d.msg, "city 310000 上海 is outside the jurisdiction (管辖范围) of "
	                           "hefei: 340100 合肥");
	assert_int_equal(yx_jurisdiction_check(&m, park(&r, "HZ-PARK-1", 330100), YX_EINVAL, &d),
	                 YX_EINVAL);
	assert_non_null(strstr(d.msg, "city 330100 杭州 is outside"));
}

static void test_a_wider_jurisdiction(void **state)
{
	(void)state;
	yx_member_t m;
	rec_t r;
	yx_diag_t d = {{0}};
	char text[256];
	memset(&m, 0, sizeof(m));
	strcpy(m.name, "nanjing");
	m.city = 320100;
	m.jurisdiction[0] = 320100;
	m.jurisdiction[1] = 320500;
	m.n_jurisdiction = 2;
	assert_string_equal(yx_jurisdiction_text(&m, text, sizeof(text)),
	                    "320100 南京, 320500 苏州");
	assert_int_equal(yx_jurisdiction_check(&m, park(&r, "SZ-PARK-SIP", 320500), YX_EINVAL, &d),
	                 YX_OK);
	assert_int_equal(yx_jurisdiction_check(&m, enterprise(&r, "91320100MA2TEST001", 320100),
	                                       YX_EINVAL, &d),
	                 YX_OK);
	assert_int_equal(yx_jurisdiction_check(&m, enterprise(&r, "91320200MA2TEST001", 320200),
	                                       YX_EINVAL, &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg, "city 320200 无锡 is outside the jurisdiction (管辖范围) of "
	                           "nanjing: 320100 南京, 320500 苏州");

	/* A jurisdiction needing more room than given is cut short, marked, terminated. */
	assert_string_equal(yx_jurisdiction_text(&m, text, 20), "320100 南京, …");
	assert_string_equal(yx_jurisdiction_text(&m, text, 8), "…");
	assert_string_equal(yx_jurisdiction_text(&m, text, 2), "");
}

static void test_kinds_without_a_city_pass(void **state)
{
	(void)state;
	yx_member_t m;
	rec_t r;
	yx_diag_t d = {{0}};
	hefei(&m);
	/* An evaluation naming another city's incubator id names no city: its incubator
	 * id is one of its author's own registry, and it is not limited here. */
	yrdx__evaluation__init(&r.ev);
	r.ev.id = "SH-INC-0001/2025";
	r.ev.incubator_id = "SH-INC-0001";
	yrdx__change__init(&r.c);
	yx_change_set_body(&r.c, YX_KIND_EVALUATION, &r.ev);
	assert_int_equal(yx_jurisdiction_check(&m, &r.c, YX_EREFUSED, &d), YX_OK);
	/* A retraction of a record of another city (written before the charter): allowed,
	 * so a member can clean up what it may no longer write. */
	yrdx__tombstone__init(&r.tomb);
	yrdx__change__init(&r.c);
	r.c.kind = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE;
	r.c.id = "91310000MA1FL8XQ3N";
	r.c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	r.c.tombstone = &r.tomb;
	assert_int_equal(yx_jurisdiction_check(&m, &r.c, YX_EREFUSED, &d), YX_OK);
}

/* A member decoded from a charter's bytes with no jurisdiction listed gets its own city,
 * and one with a list gets that list: the decision follows the charter as adopted. */
static void test_from_a_decoded_charter(void **state)
{
	(void)state;
	yx_identity_t *a = NULL, *b = NULL;
	yx_charter_t draft, *c = NULL;
	yx_member_t members[2];
	yx_diag_t d = {{0}};
	rec_t r;
	assert_int_equal(yx_identity_generate(&a), YX_OK);
	assert_int_equal(yx_identity_generate(&b), YX_OK);
	memset(&draft, 0, sizeof(draft));
	memset(members, 0, sizeof(members));
	strcpy(members[0].name, "hefei");
	members[0].city = 340100;
	strcpy(members[1].name, "nanjing");
	members[1].city = 320100;
	members[1].jurisdiction[0] = 320100;
	members[1].jurisdiction[1] = 321100;
	members[1].n_jurisdiction = 2;
	yx_identity_t *ids[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		memcpy(members[i].origin, yx_identity_public(ids[i]), 32);
		memcpy(members[i].keys[0].key, yx_identity_public(ids[i]), 32);
		members[i].n_keys = 1;
		snprintf(members[i].endpoints[0], sizeof(members[i].endpoints[0]),
		         "tcp://127.0.0.1:%d", 20000 + i);
		members[i].n_endpoints = 1;
	}
	snprintf(draft.federation, sizeof(draft.federation), "长三角协同孵化网络");
	draft.version = 1;
	draft.threshold = 2;
	draft.members = members;
	draft.n_members = 2;
	assert_int_equal(yx_charter_build(&draft, &c, &d), YX_OK);

	const yx_member_t *hf = yx_charter_member_by_name(c, "hefei");
	const yx_member_t *nj = yx_charter_member_by_name(c, "nanjing");
	assert_non_null(hf);
	assert_non_null(nj);
	assert_int_equal(yx_jurisdiction_check(hf, enterprise(&r, "91340100MA2TEST001", 340100),
	                                       YX_EREFUSED, &d),
	                 YX_OK);
	assert_int_equal(yx_jurisdiction_check(hf, enterprise(&r, "91320100MA2TEST001", 320100),
	                                       YX_EREFUSED, &d),
	                 YX_EREFUSED);
	assert_int_equal(yx_jurisdiction_check(nj, park(&r, "ZJ-PARK-1", 321100), YX_EREFUSED, &d),
	                 YX_OK);
	assert_int_equal(yx_jurisdiction_check(nj, park(&r, "HF-PARK-1", 340100), YX_EREFUSED, &d),
	                 YX_EREFUSED);
	assert_string_equal(d.msg, "city 340100 合肥 is outside the jurisdiction (管辖范围) of "
	                           "nanjing: 320100 南京, 321100 镇江");
	yx_charter_free(&c);
	yx_identity_free(&a);
	yx_identity_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_which_records_name_a_city),
	        cmocka_unit_test(test_own_city_by_default),
	        cmocka_unit_test(test_a_wider_jurisdiction),
	        cmocka_unit_test(test_kinds_without_a_city_pass),
	        cmocka_unit_test(test_from_a_decoded_charter),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
