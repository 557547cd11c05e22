/* The daemon's members (members.c), through yxd_t with no sockets: whom the peer port
 * admits and whom the node pulls from, without a charter (the config's peers, as before)
 * and with one (every active member admitted; config peers checked — a wrong key or a
 * non-member skipped, its share kept for the member of that name, a key from before a
 * rotation taken as the current one; reciprocity), which origins are pulled, and the
 * counter a refused segment goes under. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "yrdxd.h"

enum { SELF, SHANGHAI, HANGZHOU, HEFEI, HEFEI_NEXT, NANJING, N_IDS };

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	yx_peer_conf_t peers[4];
	yx_identity_t *ids[N_IDS];
} node_t;

static const uint8_t *pub(node_t *n, int i)
{
	return yx_identity_public(n->ids[i]);
}

static void add_peer(node_t *n, const char *name, int key, uint32_t share)
{
	yx_peer_conf_t *p = &n->peers[n->cfg.n_peers++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->endpoint, sizeof(p->endpoint), "tcp://10.0.0.%d:7401", key);
	memcpy(p->key, pub(n, key), 32);
	p->share_mask = share;
}

static void member(yx_member_t *m, node_t *n, const char *name, uint32_t city, int key)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->city = city;
	m->jurisdiction[m->n_jurisdiction++] = city;
	memcpy(m->origin, pub(n, key), 32);
	memcpy(m->keys[0].key, m->origin, 32);
	m->n_keys = 1;
	snprintf(m->endpoints[0], sizeof(m->endpoints[0]), "tcp://charter-%s:7401", name);
	m->n_endpoints = 1;
}

/* Version 1: this node (wuxi), shanghai, hangzhou (revoked after 9), hefei (rotated to
 * HEFEI_NEXT after 30). */
static void install_charter(node_t *n)
{
	yx_member_t ms[4];
	yx_charter_t v = {0}, *c = NULL;
	yx_diag_t diag = {{0}};
	member(&ms[0], n, "wuxi", 320200, SELF);
	member(&ms[1], n, "shanghai", 310000, SHANGHAI);
	member(&ms[2], n, "hangzhou", 330100, HANGZHOU);
	member(&ms[3], n, "hefei", 340100, HEFEI);
	ms[2].revoked = true;
	ms[2].revoked_after = 9;
	ms[3].keys[1].after_seq = 30;
	memcpy(ms[3].keys[1].key, pub(n, HEFEI_NEXT), 32);
	ms[3].n_keys = 2;
	v.version = 1;
	v.threshold = 2;
	strcpy(v.federation, "长三角协同孵化网络");
	v.members = ms;
	v.n_members = 4;
	assert_int_equal(yx_charter_build(&v, &c, &diag), YX_OK);
	n->d.charter.chain = calloc(1, sizeof(*n->d.charter.chain));
	assert_int_equal(yx_charter_chain_append(n->d.charter.chain, c, NULL, 0), YX_OK);
	yx_charter_free(&c);
}

static int setup(void **state)
{
	node_t *n = calloc(1, sizeof(*n));
	assert_int_equal(yx_crypto_init(), YX_OK);
	for (int i = 0; i < N_IDS; i++)
		assert_int_equal(yx_identity_generate(&n->ids[i]), YX_OK);
	n->d.id = n->ids[SELF];
	memcpy(n->d.origin, pub(n, SELF), YX_KEY_BYTES);
	n->d.cfg = &n->cfg;
	n->cfg.peers = n->peers;
	snprintf(n->cfg.path, sizeof(n->cfg.path), "wuxi.zpl");
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	node_t *n = *state;
	yxd_clients_stop(&n->d);
	yxd_members_free(&n->d);
	yx_charter_chain_free(&n->d.charter.chain);
	for (int i = 0; i < N_IDS; i++)
		yx_identity_free(&n->ids[i]);
	free(n);
	return 0;
}

static void test_without_a_charter_the_config(void **state)
{
	node_t *n = *state;
	uint8_t curve[32];
	uint64_t seq = 99;
	add_peer(n, "nanjing", NANJING, 0);
	add_peer(n, "shanghai", SHANGHAI, YX_SHARE_DEFAULT);
	assert_int_equal(yxd_members_changed(&n->d), YX_OK);
	assert_int_equal(yxd_clients_sync_config(&n->d), YX_OK);
	assert_int_equal(n->d.members.n_admitted, 2);
	assert_int_equal(n->d.n_clients, 2);
	assert_non_null(yxd_members_admitted(&n->d, "nanjing"));
	assert_int_equal(yx_pubkey_to_curve(pub(n, NANJING), curve), YX_OK);
	assert_string_equal(yxd_members_admitted_curve(&n->d, curve)->name, "nanjing");
	/* Every origin pulled, nobody pulled from in return. */
	assert_true(yxd_members_origin_ok(&n->d, pub(n, NANJING), &seq));
	assert_int_equal(seq, 99);
	assert_false(yxd_members_pulled_by(&n->d, "nanjing")); /* no charter: nothing added */
	assert_int_equal(n->d.n_clients, 2);
}

static void test_with_a_charter_the_members(void **state)
{
	node_t *n = *state;
	uint8_t curve[32];
	add_peer(n, "hefei", HEFEI, 0);                    /* its key before the rotation */
	add_peer(n, "nanjing", NANJING, YX_SHARE_DEFAULT); /* no member */
	add_peer(n, "shanghai", HEFEI_NEXT, 1u << YX_KIND_INCUBATOR); /* hefei's key */
	install_charter(n);
	assert_int_equal(yxd_members_changed(&n->d), YX_OK);
	assert_int_equal(yxd_clients_sync_config(&n->d), YX_OK);

	/* Admitted: the active members but this node, at their current keys. */
	assert_int_equal(n->d.members.n_admitted, 2);
	assert_null(yxd_members_admitted(&n->d, "wuxi"));
	assert_null(yxd_members_admitted(&n->d, "hangzhou")); /* revoked */
	assert_null(yxd_members_admitted(&n->d, "nanjing"));
	const yx_peer_conf_t *sh = yxd_members_admitted(&n->d, "shanghai");
	const yx_peer_conf_t *hf = yxd_members_admitted(&n->d, "hefei");
	assert_non_null(sh);
	assert_non_null(hf);
	assert_memory_equal(sh->key, pub(n, SHANGHAI), 32);
	assert_memory_equal(hf->key, pub(n, HEFEI_NEXT), 32);
	/* Shares: hefei's config share; shanghai's entry is skipped (another key) yet what it
	 * withholds still applies. */
	assert_int_equal(hf->share_mask, 0);
	assert_int_equal(sh->share_mask, 1u << YX_KIND_INCUBATOR);
	assert_int_equal(yx_pubkey_to_curve(pub(n, HEFEI_NEXT), curve), YX_OK);
	assert_string_equal(yxd_members_admitted_curve(&n->d, curve)->name, "hefei");
	assert_int_equal(yx_pubkey_to_curve(pub(n, HEFEI), curve), YX_OK);
	assert_null(yxd_members_admitted_curve(&n->d, curve)); /* rotated away from */
	assert_int_equal(yx_pubkey_to_curve(pub(n, NANJING), curve), YX_OK);
	assert_null(yxd_members_admitted_curve(&n->d, curve));

	/* Pulled from: hefei alone, at its config endpoint and the charter's current key. */
	assert_int_equal(n->d.n_clients, 1);
	assert_string_equal(n->d.members.pulled[0].name, "hefei");
	assert_string_equal(n->d.members.pulled[0].endpoint, "tcp://10.0.0.3:7401");
	assert_memory_equal(n->d.members.pulled[0].key, pub(n, HEFEI_NEXT), 32);
	assert_false(n->d.members.reciprocal[0]);

	/* Shanghai pulls from us: pulled from in return at its charter endpoint, once; a
	 * rebuild keeps it; hefei, pulled from already, adds nothing. */
	assert_true(yxd_members_pulled_by(&n->d, "shanghai"));
	assert_false(yxd_members_pulled_by(&n->d, "shanghai"));
	assert_false(yxd_members_pulled_by(&n->d, "hefei"));
	assert_false(yxd_members_pulled_by(&n->d, "nanjing"));
	assert_int_equal(yxd_clients_sync_config(&n->d), YX_OK);
	assert_int_equal(n->d.n_clients, 2);
	assert_true(n->d.members.reciprocal[1]);
	assert_string_equal(n->d.members.pulled[1].endpoint, "tcp://charter-shanghai:7401");
	assert_int_equal(yxd_members_changed(&n->d), YX_OK);
	assert_int_equal(yxd_clients_sync_config(&n->d), YX_OK);
	assert_int_equal(n->d.n_clients, 2);
	assert_string_equal(n->d.members.pulled[1].name, "shanghai");
	assert_true(n->d.members.reciprocal[1]);
}

static void test_origins_and_refusals(void **state)
{
	node_t *n = *state;
	uint64_t seq;
	install_charter(n);
	assert_int_equal(yxd_members_changed(&n->d), YX_OK);
	assert_int_equal(yxd_clients_sync_config(&n->d), YX_OK);
	seq = 500;
	assert_false(yxd_members_origin_ok(&n->d, pub(n, NANJING), &seq));
	assert_true(yxd_members_origin_ok(&n->d, pub(n, SHANGHAI), &seq));
	assert_int_equal(seq, 500);
	assert_true(yxd_members_origin_ok(&n->d, pub(n, HANGZHOU), &seq));
	assert_int_equal(seq, 9); /* cut at its revocation */
	seq = 5;
	assert_true(yxd_members_origin_ok(&n->d, pub(n, HANGZHOU), &seq));
	assert_int_equal(seq, 5);
	assert_int_equal(yxd_members_refusal(&n->d, pub(n, NANJING), 3), C_REFUSED_NONMEMBER);
	assert_int_equal(yxd_members_refusal(&n->d, pub(n, HANGZHOU), 10), C_REFUSED_REVOKED);
	assert_int_equal(yxd_members_refusal(&n->d, pub(n, HANGZHOU), 9), C_REJECTED_INVALID);
	assert_int_equal(yxd_members_refusal(&n->d, pub(n, SHANGHAI), 10), C_REJECTED_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_without_a_charter_the_config, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_with_a_charter_the_members, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_origins_and_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
