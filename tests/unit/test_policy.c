/* The sharing policy decision (who gets which kind of an origin's records), the policy a
 * config states, and the enterprise figures split off and salted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "figures.h"
#include "fixtures.h"
#include "policy.h"

static const uint8_t HANGZHOU[YX_KEY_BYTES] = {1};
static const uint8_t HEFEI[YX_KEY_BYTES] = {2};
static const uint8_t NANJING[YX_KEY_BYTES] = {3};

#define B(k) YX_KIND_BIT(k)

/* A policy: default kinds, Hefei without enterprises, Hangzhou named for the figures. */
typedef struct {
	Yrdx__SharingPolicy p;
	Yrdx__CityShare hz, hf;
	Yrdx__CityShare *cities[2];
	Yrdx__RecordKind def[1], hz_kinds[3], hf_kinds[2];
} pol_t;

static void pol_init(pol_t *w)
{
	yrdx__sharing_policy__init(&w->p);
	yrdx__city_share__init(&w->hz);
	yrdx__city_share__init(&w->hf);
	w->p.id = "policy";
	w->def[0] = YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR;
	w->p.default_kinds = w->def;
	w->p.n_default_kinds = 1;
	w->hz_kinds[0] = YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR;
	w->hz_kinds[1] = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE;
	w->hz_kinds[2] = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE_FIGURES;
	w->hz.node = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)HANGZHOU};
	w->hz.kinds = w->hz_kinds;
	w->hz.n_kinds = 3;
	w->hf_kinds[0] = YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR;
	w->hf_kinds[1] = YRDX__RECORD_KIND__RECORD_KIND_PARK;
	w->hf.node = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)HEFEI};
	w->hf.kinds = w->hf_kinds;
	w->hf.n_kinds = 2;
	w->cities[0] = &w->hz;
	w->cities[1] = &w->hf;
	w->p.cities = w->cities;
	w->p.n_cities = 2;
}

static void test_no_policy_is_the_default(void **state)
{
	(void)state;
	/* Every registry kind, to every city; never the figures. */
	for (int k = YX_KIND_INCUBATOR; k <= YX_KIND_EVALUATION; k++)
		assert_true(yx_policy_allows(NULL, HEFEI, (yx_kind_t)k));
	assert_false(yx_policy_allows(NULL, HEFEI, YX_KIND_FIGURES));
	assert_false(yx_policy_allows(NULL, HANGZHOU, YX_KIND_FIGURES));
	/* Policies and tombstones go everywhere. */
	assert_true(yx_policy_allows(NULL, HEFEI, YX_KIND_POLICY));
	assert_true(yx_policy_allows(NULL, HEFEI, YX_KIND_NONE));
	assert_false(yx_policy_allows(NULL, HEFEI, YX_KIND_COUNT));
	assert_false(yx_policy_allows(NULL, HEFEI, (yx_kind_t)-1));
}

static void test_cities_and_default(void **state)
{
	pol_t w;
	(void)state;
	pol_init(&w);
	/* Named cities get their own list... */
	assert_true(yx_policy_allows(&w.p, HANGZHOU, YX_KIND_FIGURES));
	assert_true(yx_policy_allows(&w.p, HANGZHOU, YX_KIND_ENTERPRISE));
	assert_false(yx_policy_allows(&w.p, HANGZHOU, YX_KIND_PARK));
	assert_false(yx_policy_allows(&w.p, HEFEI, YX_KIND_ENTERPRISE));
	assert_false(yx_policy_allows(&w.p, HEFEI, YX_KIND_FIGURES));
	assert_true(yx_policy_allows(&w.p, HEFEI, YX_KIND_PARK));
	/* ...the others the default; and the policy itself always goes. */
	assert_int_equal(yx_policy_mask(&w.p, NANJING), B(YX_KIND_INCUBATOR) | YX_SHARE_ALWAYS);
	assert_true(yx_policy_allows(&w.p, HEFEI, YX_KIND_POLICY));
	assert_true(yx_policy_allows(&w.p, NANJING, YX_KIND_NONE));
}

static void test_a_relay_passes_less_never_more(void **state)
{
	pol_t w;
	(void)state;
	pol_init(&w);
	/* Hangzhou's own share with Hefei lists everything: the origin still decides. */
	uint32_t everything = YX_SHARE_DEFAULT | B(YX_KIND_FIGURES);
	assert_int_equal(yx_policy_serve_mask(&w.p, HEFEI, everything),
	                 B(YX_KIND_INCUBATOR) | B(YX_KIND_PARK) | YX_SHARE_ALWAYS);
	/* A relay withholding incubators from Hefei: less. */
	assert_int_equal(yx_policy_serve_mask(&w.p, HEFEI, B(YX_KIND_PARK)),
	                 B(YX_KIND_PARK) | YX_SHARE_ALWAYS);
	/* A relay that shares nothing still passes policies and tombstones. */
	assert_int_equal(yx_policy_serve_mask(&w.p, HANGZHOU, 0), YX_SHARE_ALWAYS);
	/* No policy published: figures go nowhere, whatever the relay's share says. */
	assert_false(yx_policy_serve_mask(NULL, HANGZHOU, everything) & B(YX_KIND_FIGURES));
}

static void test_same(void **state)
{
	pol_t a, b;
	(void)state;
	pol_init(&a);
	pol_init(&b);
	assert_true(yx_policy_same(&a.p, &b.p));
	assert_true(yx_policy_same(NULL, NULL));
	assert_false(yx_policy_same(&a.p, NULL));
	/* Cities in another order decide alike. */
	b.cities[0] = &b.hf;
	b.cities[1] = &b.hz;
	assert_true(yx_policy_same(&a.p, &b.p));
	/* One city less, or a kind less, does not. */
	b.p.n_cities = 1;
	assert_false(yx_policy_same(&a.p, &b.p));
	assert_false(yx_policy_same(&b.p, &a.p));
	b.p.n_cities = 2;
	b.hz.n_kinds = 2;
	assert_false(yx_policy_same(&a.p, &b.p));
	/* A city listed with exactly the default is the same as not listed. */
	pol_init(&b);
	b.hf.kinds = b.def;
	b.hf.n_kinds = 1;
	b.p.n_cities = 1; /* hangzhou only */
	b.cities[0] = &b.hz;
	pol_t c;
	pol_init(&c);
	c.p.n_cities = 1;
	assert_true(yx_policy_same(&b.p, &c.p));
}

static void test_from_config(void **state)
{
	yx_config_t cfg;
	yx_peer_conf_t peers[3];
	yx_policy_build_t *b = malloc(sizeof(*b));
	yx_diag_t diag = {{0}};
	(void)state;
	assert_non_null(b);
	memset(&cfg, 0, sizeof(cfg));
	memset(peers, 0, sizeof(peers));
	memcpy(peers[0].key, HANGZHOU, YX_KEY_BYTES);
	peers[0].share_mask = YX_SHARE_DEFAULT | B(YX_KIND_FIGURES);
	memcpy(peers[1].key, HEFEI, YX_KEY_BYTES);
	peers[1].share_mask = YX_SHARE_DEFAULT & ~B(YX_KIND_ENTERPRISE);
	memcpy(peers[2].key, NANJING, YX_KEY_BYTES);
	peers[2].share_mask = YX_SHARE_DEFAULT;
	cfg.peers = peers;
	cfg.n_peers = 3;
	assert_int_equal(yx_policy_from_config(&cfg, b, &diag), YX_OK);
	/* Only the peers whose share differs from the default are named. */
	assert_int_equal(b->msg.n_cities, 2);
	assert_string_equal(b->msg.id, YX_POLICY_ID);
	assert_true(yx_policy_allows(&b->msg, HANGZHOU, YX_KIND_FIGURES));
	assert_false(yx_policy_allows(&b->msg, HEFEI, YX_KIND_ENTERPRISE));
	assert_true(yx_policy_allows(&b->msg, HEFEI, YX_KIND_INCUBATOR));
	assert_false(yx_policy_allows(&b->msg, NANJING, YX_KIND_FIGURES));
	assert_true(yx_policy_allows(&b->msg, NANJING, YX_KIND_ENTERPRISE));
	/* A config of defaults states the default: nothing to publish. */
	cfg.peers = &peers[2];
	cfg.n_peers = 1;
	assert_int_equal(yx_policy_from_config(&cfg, b, &diag), YX_OK);
	assert_true(yx_policy_same(&b->msg, NULL));
	free(b);
}

static void test_figures_split_and_salt(void **state)
{
	fx_enterprise_t f;
	yx_figures_t a, b2;
	uint8_t key[32] = {7}, other[32] = {8};
	(void)state;
	fx_enterprise_init(&f, 3);
	Yrdx__EnterpriseFinancials *fin = f.e.financials;
	assert_non_null(fin);
	assert_true(yx_figures_split(&f.e, key, &a));
	assert_null(f.e.financials); /* the enterprise goes without them */
	assert_ptr_equal(a.rec.financials, fin);
	assert_string_equal(a.rec.credit_code, f.e.credit_code);
	assert_int_equal(a.rec.salt.len, YX_FIGURES_SALT_BYTES);
	/* Nothing to split a second time. */
	assert_false(yx_figures_split(&f.e, key, &b2));
	yx_figures_unsplit(&f.e, &a);
	assert_ptr_equal(f.e.financials, fin);
	/* Same figures, same key: same salt (a re-import writes nothing)... */
	assert_true(yx_figures_split(&f.e, key, &b2));
	assert_memory_equal(a.salt, b2.salt, YX_FIGURES_SALT_BYTES);
	yx_figures_unsplit(&f.e, &b2);
	/* ...another revenue or another origin's key: another salt. */
	fin->revenue_wan_yuan++;
	assert_true(yx_figures_split(&f.e, key, &b2));
	assert_memory_not_equal(a.salt, b2.salt, YX_FIGURES_SALT_BYTES);
	yx_figures_unsplit(&f.e, &b2);
	fin->revenue_wan_yuan--;
	assert_true(yx_figures_split(&f.e, other, &b2));
	assert_memory_not_equal(a.salt, b2.salt, YX_FIGURES_SALT_BYTES);
	yx_figures_unsplit(&f.e, &b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_policy_is_the_default),
	        cmocka_unit_test(test_cities_and_default),
	        cmocka_unit_test(test_a_relay_passes_less_never_more),
	        cmocka_unit_test(test_same),
	        cmocka_unit_test(test_from_config),
	        cmocka_unit_test(test_figures_split_and_salt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
