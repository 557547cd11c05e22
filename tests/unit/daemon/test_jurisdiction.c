/* The daemon's jurisdiction (管辖范围) through yxd_t, a real store and a charter signed by
 * its founders, no sockets: the admit rule refusing a received segment that holds a
 * record of a city outside its origin's jurisdiction (whole, the store unchanged, the
 * refusal said and marked as one of jurisdiction), and the check of this node's own
 * writes — its charter entry's jurisdiction, or its own city while it is no member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "yrdxd.h"

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	char *dir;
	yx_identity_t *sh, *hf, *wuhu; /* two founders and a city that is no member */
} node_t;

/* Version 1: shanghai (310000) and hefei (340100), each with the default jurisdiction,
 * signed by both, installed in the store as `charter install` does. */
static void install_charter(node_t *n)
{
	yx_charter_t draft, *v1 = NULL;
	yx_member_t m[2];
	yx_identity_t *ids[2] = {n->sh, n->hf};
	const char *names[2] = {"shanghai", "hefei"};
	uint32_t cities[2] = {310000, 340100};
	Yrdx__CharterSignature s[2], *sigs[2];
	uint8_t sig[2][YX_SIG_BYTES], *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	memset(&draft, 0, sizeof(draft));
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 2; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "%s", names[i]);
		m[i].city = cities[i];
		memcpy(m[i].origin, yx_identity_public(ids[i]), 32);
		memcpy(m[i].keys[0].key, yx_identity_public(ids[i]), 32);
		m[i].n_keys = 1;
		snprintf(m[i].endpoints[0], sizeof(m[i].endpoints[0]), "tcp://127.0.0.1:%d",
		         21000 + i);
		m[i].n_endpoints = 1;
	}
	snprintf(draft.federation, sizeof(draft.federation), "长三角协同孵化网络");
	draft.version = 1;
	draft.threshold = 2;
	draft.members = m;
	draft.n_members = 2;
	assert_int_equal(yx_charter_build(&draft, &v1, &diag), YX_OK);
	for (int i = 0; i < 2; i++) {
		yx_charter_sign(v1->hash, ids[i], sig[i]);
		yrdx__charter_signature__init(&s[i]);
		s[i].key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(ids[i])};
		s[i].signature = (ProtobufCBinaryData){YX_SIG_BYTES, sig[i]};
		sigs[i] = &s[i];
	}
	yx_charter_chain_t *chain = calloc(1, sizeof(*chain));
	assert_non_null(chain);
	assert_int_equal(yx_charter_chain_append(chain, v1, sigs, 2), YX_OK);
	assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
	assert_int_equal(yx_store_charter_put(n->d.store, bytes, len), YX_OK);
	free(bytes);
	yx_charter_chain_free(&chain);
	yx_charter_free(&v1);
}

/* A node named name of city whose key is self (one of n's identities). */
static void node_open(node_t *n, const char *name, uint32_t city, int self, bool charter)
{
	yx_diag_t diag = {{0}};
	memset(n, 0, sizeof(*n));
	n->dir = fx_tmpdir("jurisdiction");
	snprintf(n->cfg.name, sizeof(n->cfg.name), "%s", name);
	snprintf(n->cfg.data_dir, sizeof(n->cfg.data_dir), "%s", n->dir);
	n->cfg.city = city;
	n->d.cfg = &n->cfg;
	assert_int_equal(yx_identity_generate(&n->sh), YX_OK);
	assert_int_equal(yx_identity_generate(&n->hf), YX_OK);
	assert_int_equal(yx_identity_generate(&n->wuhu), YX_OK);
	yx_identity_t *ids[3] = {n->sh, n->hf, n->wuhu};
	n->d.id = ids[self]; /* owned by n: node_close frees it once */
	memcpy(n->d.origin, yx_identity_public(ids[self]), YX_KEY_BYTES); /* never rotated */
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	if (charter)
		install_charter(n);
	assert_int_equal(yxd_charter_start(&n->d), YX_OK);
	assert_int_equal(yxd_charter_current(&n->d) != NULL, charter);
}

static void node_close(node_t *n)
{
	yxd_charter_stop(&n->d);
	yx_store_close(&n->d.store);
	n->d.id = NULL;
	yx_identity_free(&n->sh);
	yx_identity_free(&n->hf);
	yx_identity_free(&n->wuhu);
	fx_rmtree(n->dir);
	free(n->dir);
}

static int append(node_t *n, fx_log_t *log, yx_diag_t *diag)
{
	yx_remote_t *r = NULL;
	size_t appended = 0;
	assert_int_equal(yx_remote_begin(n->d.store, &r), YX_OK);
	int ret = yx_remote_append(r, yx_identity_public(log->id), log->e, log->n, &log->head,
	                           &appended, diag);
	if (ret == YX_OK)
		assert_int_equal(yx_remote_commit(&r), YX_OK);
	else
		yx_remote_abort(&r);
	return ret;
}

static uint64_t tip(node_t *n, const yx_identity_t *origin)
{
	yx_tip_t t = {0};
	if (yx_store_tip(n->d.store, yx_identity_public(origin), &t) != YX_OK)
		return 0;
	return t.seq;
}

static void test_a_segment_outside_its_origins_jurisdiction_is_refused(void **state)
{
	(void)state;
	node_t n;
	fx_log_t log;
	fx_enterprise_t own, foreign;
	fx_incubator_t inc;
	yx_diag_t d = {{0}};
	uint8_t before[32], after[32];
	char want[512];
	node_open(&n, "shanghai", 310000, 0, true);
	fx_log_init(&log, n.hf);

	/* Hefei's own city: stored. */
	fx_enterprise_init(&own, 1);
	own.e.city = 340100;
	fx_log_append(&log, YX_KIND_ENTERPRISE, &own.e, 1000);
	fx_log_sign(&log, 1000);
	assert_int_equal(append(&n, &log, &d), YX_OK);
	assert_false(n.d.charter.refused_jurisdiction);
	fx_log_clear(&log);
	assert_int_equal(tip(&n, n.hf), 1);

	/* An honest change, then an enterprise of 上海 and a 高质量 incubator of 上海 under
	 * hefei's key, one segment: refused whole, nothing of it held. */
	assert_int_equal(yx_store_digest(n.d.store, before), YX_OK);
	fx_enterprise_init(&own, 2);
	own.e.city = 340100;
	fx_log_append(&log, YX_KIND_ENTERPRISE, &own.e, 2000);
	fx_enterprise_init(&foreign, 3);
	foreign.e.city = 310000;
	fx_log_append(&log, YX_KIND_ENTERPRISE, &foreign.e, 2000);
	fx_incubator_init(&inc, 1);
	inc.inc.city = 310000;
	fx_log_append(&log, YX_KIND_INCUBATOR, &inc.inc, 2000);
	fx_log_sign(&log, 2000);
	assert_int_equal(append(&n, &log, &d), YX_EREFUSED);
	snprintf(want, sizeof(want),
	         "origin hefei seq 3 wrote enterprise %s: city 310000 上海 is outside the "
	         "jurisdiction (管辖范围) of hefei: 340100 合肥",
	         foreign.code);
	assert_string_equal(d.msg, want);
	assert_true(n.d.charter.refused_jurisdiction); /* the client counts it as such */
	assert_int_equal(tip(&n, n.hf), 1);
	assert_int_equal(yx_store_digest(n.d.store, after), YX_OK);
	assert_memory_equal(before, after, 32);
	assert_int_equal(yx_store_verify(n.d.store, &d), YX_OK);
	fx_log_clear(&log);
	node_close(&n);
}

static void test_without_a_charter_nothing_is_checked(void **state)
{
	(void)state;
	node_t n;
	fx_log_t log;
	fx_enterprise_t foreign;
	yx_diag_t d = {{0}};
	node_open(&n, "shanghai", 310000, 0, false);
	fx_log_init(&log, n.hf);
	fx_enterprise_init(&foreign, 3);
	foreign.e.city = 310000;
	fx_log_append(&log, YX_KIND_ENTERPRISE, &foreign.e, 1000);
	fx_log_sign(&log, 1000);
	assert_int_equal(append(&n, &log, &d), YX_OK);
	assert_int_equal(tip(&n, n.hf), 1);
	fx_change_t c;
	fx_change_init(&c, YX_KIND_ENTERPRISE, &foreign.e, 1);
	foreign.e.city = 330100;
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_OK);
	assert_false(n.d.charter.refused_jurisdiction);
	fx_log_clear(&log);
	node_close(&n);
}

static void test_this_nodes_own_writes(void **state)
{
	(void)state;
	node_t n;
	fx_enterprise_t e;
	fx_park_t p;
	fx_change_t c;
	yx_diag_t d = {{0}};

	/* A member: its charter entry's jurisdiction. */
	node_open(&n, "shanghai", 310000, 0, true);
	fx_enterprise_init(&e, 1);
	e.e.city = 310000;
	fx_change_init(&c, YX_KIND_ENTERPRISE, &e.e, 1);
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_OK);
	e.e.city = 340100;
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_EINVAL);
	assert_string_equal(d.msg, "city 340100 合肥 is outside the jurisdiction (管辖范围) of "
	                           "shanghai: 310000 上海");
	fx_park_init(&p, 1);
	p.park.city = 330100;
	fx_change_init(&c, YX_KIND_PARK, &p.park, 1);
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_EINVAL);
	/* A retraction names no city. */
	fx_tombstone_init(&c, YX_KIND_ENTERPRISE, e.code, 2);
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_OK);
	node_close(&n);

	/* A node the charter does not name yet: its own city, and the message says why. */
	node_open(&n, "wuhu", 340200, 2, true);
	fx_enterprise_init(&e, 2);
	e.e.city = 340200;
	fx_change_init(&c, YX_KIND_ENTERPRISE, &e.e, 1);
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_OK);
	e.e.city = 310000;
	assert_int_equal(yxd_jurisdiction_local(&n.d, &c.c, &d), YX_EINVAL);
	assert_string_equal(d.msg, "city 310000 上海 is outside the jurisdiction (管辖范围) of "
	                           "wuhu: 340200 芜湖 (this node is no member of charter "
	                           "version 1: until it is admitted, its jurisdiction is its "
	                           "own city)");
	node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_a_segment_outside_its_origins_jurisdiction_is_refused),
	        cmocka_unit_test(test_without_a_charter_nothing_is_checked),
	        cmocka_unit_test(test_this_nodes_own_writes),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
