/* names: a member city by its charter name and city, a config peer by its name, anything
 * else by its key in full; --origin text resolved to the origin it means, a rotated
 * member's keys included; the charter read back from a store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "keys.h"
#include "names.h"

enum { SH, HZ, HF, N_MEMBERS };

typedef struct {
	yx_identity_t *id[N_MEMBERS];
	uint8_t rotated[32]; /* hangzhou's second key (after_seq 7) */
	uint8_t stranger[32];
	yx_charter_t *v1;      /* as founded, every founder with its one key */
	yx_charter_t *charter; /* version 2: hangzhou rotated its key */
	yx_config_t cfg;       /* shanghai's: itself, and hangzhou as its one peer */
	yx_peer_conf_t peer;
} fx_t;

static const struct {
	const char *name;
	uint32_t city;
} who[N_MEMBERS] = {{"shanghai", 310000}, {"hangzhou", 330100}, {"hefei", 340100}};

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	yx_charter_t draft = {0};
	yx_member_t members[N_MEMBERS];
	yx_diag_t diag = {{0}};
	memset(members, 0, sizeof(members));
	for (int i = 0; i < N_MEMBERS; i++) {
		assert_int_equal(yx_identity_generate(&f->id[i]), YX_OK);
		yx_member_t *m = &members[i];
		strcpy(m->name, who[i].name);
		m->city = who[i].city;
		m->jurisdiction[0] = who[i].city;
		m->n_jurisdiction = 1;
		memcpy(m->origin, yx_identity_public(f->id[i]), 32);
		memcpy(m->keys[0].key, m->origin, 32);
		m->n_keys = 1;
		snprintf(m->endpoints[0], sizeof(m->endpoints[0]), "tcp://127.0.0.1:%d", 7401 + i);
		m->n_endpoints = 1;
	}
	yx_identity_t *later = NULL, *stranger = NULL;
	assert_int_equal(yx_identity_generate(&later), YX_OK);
	assert_int_equal(yx_identity_generate(&stranger), YX_OK);
	memcpy(f->rotated, yx_identity_public(later), 32);
	memcpy(f->stranger, yx_identity_public(stranger), 32);
	yx_identity_free(&later);
	yx_identity_free(&stranger);
	draft.version = 1;
	draft.threshold = 2;
	strcpy(draft.federation, "长三角协同孵化网络");
	draft.members = members;
	draft.n_members = N_MEMBERS;
	assert_int_equal(yx_charter_build(&draft, &f->v1, &diag), YX_OK);
	members[HZ].keys[1].after_seq = 7;
	memcpy(members[HZ].keys[1].key, f->rotated, 32);
	members[HZ].n_keys = 2;
	draft.version = 2;
	memcpy(draft.prev_hash, f->v1->hash, 32);
	assert_int_equal(yx_charter_build(&draft, &f->charter, &diag), YX_OK);
	strcpy(f->cfg.name, "shanghai");
	f->cfg.city = 310000;
	strcpy(f->peer.name, "hangzhou");
	memcpy(f->peer.key, f->rotated, 32);
	f->cfg.peers = &f->peer;
	f->cfg.n_peers = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	for (int i = 0; i < N_MEMBERS; i++)
		yx_identity_free(&f->id[i]);
	yx_charter_free(&f->charter);
	yx_charter_free(&f->v1);
	free(f);
	return 0;
}

static const uint8_t *key_of(fx_t *f, int i)
{
	return yx_identity_public(f->id[i]);
}

static void test_members_by_charter(void **state)
{
	fx_t *f = *state;
	yx_names_t *n = NULL;
	yx_node_name_t nn;
	char out[YX_NAME_LABEL_MAX];
	assert_int_equal(yx_names_new(f->charter, &f->cfg, key_of(f, SH), &n), YX_OK);
	assert_true(yx_names_lookup(n, key_of(f, HF), &nn));
	assert_string_equal(nn.name, "hefei");
	assert_int_equal(nn.city, 340100);
	assert_string_equal(nn.city_name, "合肥");
	assert_true(nn.member);
	assert_false(nn.self);
	assert_string_equal(yx_names_label(n, key_of(f, HF), YX_NAME_SHORT, out, sizeof(out)),
	                    "合肥 hefei");
	assert_string_equal(yx_names_label(n, key_of(f, HF), YX_NAME_LONG, out, sizeof(out)),
	                    "合肥 hefei (340100)");
	/* a rotated member's later key names it, and means its origin */
	assert_true(yx_names_lookup(n, f->rotated, &nn));
	assert_string_equal(nn.name, "hangzhou");
	assert_memory_equal(nn.origin, key_of(f, HZ), 32);
	assert_true(yx_names_lookup(n, key_of(f, SH), &nn));
	assert_true(nn.self);
	assert_string_equal(yx_names_label(n, key_of(f, SH), YX_NAME_SHORT, out, sizeof(out)),
	                    "上海 shanghai");
	assert_ptr_equal(yx_names_charter(n), f->charter);
	const char *nodes[4];
	assert_int_equal(yx_names_of_city(n, 330100, nodes, 4), 1);
	assert_string_equal(nodes[0], "hangzhou");
	assert_int_equal(yx_names_of_city(n, 320500, nodes, 4), 0); /* 苏州: nobody's */
	yx_names_free(&n);
	assert_null(n);
	yx_names_free(&n);
}

/* A key nobody names is printed whole: 44 characters, never a prefix. */
static void test_unnamed_key_in_full(void **state)
{
	fx_t *f = *state;
	yx_names_t *n = NULL;
	yx_node_name_t nn;
	char out[YX_NAME_LABEL_MAX], text[YX_PUBKEY_TEXT_LEN + 1];
	assert_int_equal(yx_names_new(f->charter, &f->cfg, key_of(f, SH), &n), YX_OK);
	assert_false(yx_names_lookup(n, f->stranger, &nn));
	assert_null(nn.name);
	assert_memory_equal(nn.origin, f->stranger, 32);
	yx_pubkey_format(f->stranger, text);
	assert_string_equal(yx_names_label(n, f->stranger, YX_NAME_SHORT, out, sizeof(out)), text);
	assert_string_equal(yx_names_label(n, f->stranger, YX_NAME_LONG, out, sizeof(out)), text);
	assert_int_equal(strlen(out), YX_PUBKEY_TEXT_LEN);
	yx_names_free(&n);
}

/* Without a charter: this node with its city, a peer by its config name alone. */
static void test_config_only(void **state)
{
	fx_t *f = *state;
	yx_names_t *n = NULL;
	yx_node_name_t nn;
	char out[YX_NAME_LABEL_MAX], text[YX_PUBKEY_TEXT_LEN + 1];
	assert_int_equal(yx_names_new(NULL, &f->cfg, key_of(f, SH), &n), YX_OK);
	assert_string_equal(yx_names_label(n, key_of(f, SH), YX_NAME_LONG, out, sizeof(out)),
	                    "上海 shanghai (310000)");
	assert_true(yx_names_lookup(n, f->rotated, &nn));
	assert_false(nn.member);
	assert_int_equal(nn.city, 0);
	assert_null(nn.city_name);
	assert_string_equal(yx_names_label(n, f->rotated, YX_NAME_LONG, out, sizeof(out)),
	                    "hangzhou");
	yx_pubkey_format(key_of(f, HF), text);
	assert_string_equal(yx_names_label(n, key_of(f, HF), YX_NAME_SHORT, out, sizeof(out)),
	                    text);
	const char *nodes[4];
	assert_int_equal(yx_names_of_city(n, 310000, nodes, 4), 1);
	assert_string_equal(nodes[0], "shanghai");
	assert_int_equal(yx_names_of_city(n, 340100, nodes, 4), 0);
	yx_names_free(&n);
}

static void test_resolve(void **state)
{
	fx_t *f = *state;
	yx_names_t *n = NULL;
	yx_diag_t diag = {{0}};
	uint8_t origin[32];
	char text[YX_PUBKEY_TEXT_LEN + 1];
	assert_int_equal(yx_names_new(f->charter, &f->cfg, key_of(f, SH), &n), YX_OK);
	assert_int_equal(yx_names_resolve(n, "hefei", origin, &diag), YX_OK);
	assert_memory_equal(origin, key_of(f, HF), 32);
	assert_int_equal(yx_names_resolve(n, "self", origin, &diag), YX_OK);
	assert_memory_equal(origin, key_of(f, SH), 32);
	assert_int_equal(yx_names_resolve(n, "shanghai", origin, &diag), YX_OK);
	assert_memory_equal(origin, key_of(f, SH), 32);
	/* the peer is configured with hangzhou's current key: its origin is the first */
	assert_int_equal(yx_names_resolve(n, "hangzhou", origin, &diag), YX_OK);
	assert_memory_equal(origin, key_of(f, HZ), 32);
	yx_pubkey_format(f->rotated, text);
	assert_int_equal(yx_names_resolve(n, text, origin, &diag), YX_OK);
	assert_memory_equal(origin, key_of(f, HZ), 32);
	yx_pubkey_format(f->stranger, text);
	assert_int_equal(yx_names_resolve(n, text, origin, &diag), YX_OK);
	assert_memory_equal(origin, f->stranger, 32);
	text[12] = '\0'; /* a prefix is no name */
	assert_int_equal(yx_names_resolve(n, text, origin, &diag), YX_ENOTFOUND);
	assert_int_equal(yx_names_resolve(n, "nanjing", origin, &diag), YX_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "\"nanjing\""));
	assert_non_null(strstr(diag.msg, "shanghai, hangzhou, hefei"));
	yx_names_free(&n);
}

static void test_json_shape(void **state)
{
	fx_t *f = *state;
	yx_names_t *n = NULL;
	char text[YX_PUBKEY_TEXT_LEN + 1];
	assert_int_equal(yx_names_new(f->charter, &f->cfg, key_of(f, SH), &n), YX_OK);
	json_t *o = json_object();
	assert_int_equal(yx_names_json_set(n, o, "from_key", "from", "from_city", key_of(f, HF)),
	                 YX_OK);
	assert_int_equal(yx_names_json_set(n, o, "to_key", "to", "to_city", f->stranger), YX_OK);
	yx_pubkey_format(key_of(f, HF), text);
	assert_string_equal(json_string_value(json_object_get(o, "from_key")), text);
	assert_string_equal(json_string_value(json_object_get(o, "from")), "hefei");
	assert_int_equal(json_integer_value(json_object_get(o, "from_city")), 340100);
	assert_string_equal(json_string_value(json_object_get(o, "from_city_name")), "合肥");
	yx_pubkey_format(f->stranger, text);
	assert_string_equal(json_string_value(json_object_get(o, "to_key")), text);
	assert_true(json_is_null(json_object_get(o, "to")));
	assert_true(json_is_null(json_object_get(o, "to_city")));
	assert_true(json_is_null(json_object_get(o, "to_city_name")));
	json_decref(o);
	yx_names_free(&n);
}

/* The charter a store holds, signed by every founder: read back, verified, named from. */
static void test_load_from_store(void **state)
{
	fx_t *f = *state;
	fx_node_t node;
	yx_names_t *n = NULL;
	yx_diag_t diag = {{0}};
	yx_node_name_t nn;
	uint8_t *bytes = NULL;
	size_t len = 0;
	fx_node_open(&node, "names");
	/* nothing installed: the config's names */
	assert_int_equal(yx_names_load(node.store, &f->cfg, key_of(f, SH), &n, &diag), YX_OK);
	assert_null(yx_names_charter(n));
	assert_false(yx_names_lookup(n, key_of(f, HF), &nn));
	yx_names_free(&n);

	Yrdx__CharterSignature sigs[N_MEMBERS], *sp[N_MEMBERS];
	uint8_t sig[N_MEMBERS][YX_SIG_BYTES];
	for (int i = 0; i < N_MEMBERS; i++) {
		yx_charter_sign(f->v1->hash, f->id[i], sig[i]);
		yrdx__charter_signature__init(&sigs[i]);
		sigs[i].key = (ProtobufCBinaryData){32, (uint8_t *)key_of(f, i)};
		sigs[i].signature = (ProtobufCBinaryData){YX_SIG_BYTES, sig[i]};
		sp[i] = &sigs[i];
	}
	yx_charter_chain_t *chain = calloc(1, sizeof(*chain));
	assert_int_equal(yx_charter_chain_append(chain, f->v1, sp, N_MEMBERS), YX_OK);
	assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
	assert_int_equal(yx_store_charter_put(node.store, bytes, len), YX_OK);
	int ret = yx_names_load(node.store, &f->cfg, key_of(f, SH), &n, &diag);
	if (ret != YX_OK)
		fail_msg("%s", diag.msg);
	assert_non_null(yx_names_charter(n));
	assert_true(yx_names_lookup(n, key_of(f, HF), &nn));
	assert_string_equal(nn.name, "hefei");
	yx_names_free(&n);

	/* one founder's signature missing: the store's charter does not verify, said so */
	chain->n_sigs[0] = N_MEMBERS - 1;
	free(bytes);
	assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
	chain->n_sigs[0] = N_MEMBERS;
	assert_int_equal(yx_store_charter_put(node.store, bytes, len), YX_OK);
	assert_int_not_equal(yx_names_load(node.store, &f->cfg, key_of(f, SH), &n, &diag), YX_OK);
	assert_null(n);
	assert_non_null(strstr(diag.msg, "hefei"));
	free(bytes);
	yx_charter_chain_free(&chain);
	fx_node_close(&node);
}

int main(void)
{
	if (yx_crypto_init() != YX_OK)
		return 1;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_members_by_charter, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unnamed_key_in_full, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_config_only, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_json_shape, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_load_from_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
