/* feed_summary, through yxd_t with a real store and real keys, no sockets: a feed event's
 * summary holds the enterprise's decision fields as the store holds them (never its
 * figures, headcount or funding), the incubator's name and the proposing city; nothing
 * for an enterprise the store does not hold; the dossier sealed to this node comes out
 * sealed to the park's key — which opens it, and no other key does — and not at all for
 * a step that is not a PROPOSE or a box this node cannot open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "yrdxd.h"

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	char *dir;
	fx_enterprise_t ent;
	fx_incubator_t inc;
} node_t;

static void node_open(node_t *n)
{
	yx_diag_t diag = {{0}};
	yx_batch_t *b = NULL;
	yx_head_t head;
	Yrdx__Change e = YRDX__CHANGE__INIT, i = YRDX__CHANGE__INIT;
	memset(n, 0, sizeof(*n));
	n->dir = fx_tmpdir("feed-summary");
	snprintf(n->cfg.name, sizeof(n->cfg.name), "shanghai");
	n->cfg.city = 310000;
	n->d.cfg = &n->cfg;
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	assert_int_equal(yx_identity_generate(&n->d.id), YX_OK);
	assert_int_equal(yxd_rotation_start(&n->d), YX_OK);
	fx_enterprise_init(&n->ent, 0); /* of 310000, incubator SH-INC-0000 */
	fx_incubator_init(&n->inc, 0);
	yx_change_set_body(&e, YX_KIND_ENTERPRISE, &n->ent.e);
	e.id = n->ent.code;
	yx_change_set_body(&i, YX_KIND_INCUBATOR, &n->inc.inc);
	i.id = n->inc.id;
	assert_int_equal(yx_batch_begin(n->d.store, n->d.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &e, &diag), YX_OK);
	assert_int_equal(yx_batch_put(b, &i, &diag), YX_OK);
	assert_int_equal(yx_batch_commit(&b, &head), YX_OK);
}

static void node_close(node_t *n)
{
	yx_store_close(&n->d.store);
	yx_identity_free(&n->d.id);
	fx_rmtree(n->dir);
	free(n->dir);
}

/* A PROPOSE of this node's for enterprise code, with a dossier sealed to curve (or none). */
typedef struct {
	fx_relay_event_t f;
	Yrdx__Change c;
	uint8_t box[64 + crypto_box_SEALBYTES];
} propose_t;

static void propose_init(propose_t *p, node_t *n, const char *code, const char *plain,
                         const uint8_t *curve)
{
	fx_relay_event_init(&p->f, 1);
	p->f.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	p->f.ev.answers = NULL;
	p->f.ev.credit_code = (char *)code;
	p->f.ev.source_incubator_id = n->inc.id;
	p->f.ev.sealed_dossier.len = 0;
	if (plain) {
		assert_true(strlen(plain) <= 64);
		assert_int_equal(
		        crypto_box_seal(p->box, (const uint8_t *)plain, strlen(plain), curve), 0);
		p->f.ev.sealed_dossier.data = p->box;
		p->f.ev.sealed_dossier.len = strlen(plain) + crypto_box_SEALBYTES;
	}
	yrdx__change__init(&p->c);
	yx_change_set_body(&p->c, YX_KIND_RELAY_EVENT, &p->f.ev);
	p->c.origin.data = (uint8_t *)yx_identity_public(n->d.id);
	p->c.origin.len = YX_KEY_BYTES;
}

static void test_summary_from_the_store(void **state)
{
	(void)state;
	node_t n;
	propose_t p;
	yx_arena_t arena;
	Yrdx__FeedSummary *s = NULL;
	node_open(&n);
	yx_arena_init(&arena);

	propose_init(&p, &n, n.ent.code, NULL, NULL);
	assert_int_equal(yxd_feed_summary(&n.d, &p.c, &arena, &s), YX_OK);
	assert_non_null(s->enterprise);
	assert_string_equal(s->enterprise->credit_code, n.ent.code);
	assert_string_equal(s->enterprise->name, n.ent.name);
	assert_int_equal(s->enterprise->city, 310000);
	assert_int_equal(s->enterprise->stage, YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_GROWTH);
	assert_int_equal(s->enterprise->n_industries, 2);
	assert_int_equal(s->enterprise->industries[0], n.ent.industries[0]);
	assert_int_equal(s->enterprise->n_qualifications, 2);
	assert_int_equal(s->enterprise->qualifications[1], n.ent.qualifications[1]);
	assert_int_equal(s->enterprise->n_incubator_ids, 1);
	assert_string_equal(s->enterprise->incubator_ids[0], "SH-INC-0000");
	/* decision fields only: no headcount, patents, funding or figures */
	assert_int_equal(s->enterprise->employees, 0);
	assert_int_equal(s->enterprise->patents, 0);
	assert_int_equal(s->enterprise->funding_wan_yuan, 0);
	assert_null(s->enterprise->financials);
	assert_string_equal(s->incubator_id, "SH-INC-0000");
	assert_string_equal(s->incubator_name, n.inc.name);
	assert_int_equal(s->proposer.len, YX_KEY_BYTES);
	assert_memory_equal(s->proposer.data, yx_identity_public(n.d.id), YX_KEY_BYTES);
	assert_string_equal(s->proposer_name, "shanghai");
	assert_int_equal(s->proposer_city, 310000);
	/* packs: it travels in a FeedEvent */
	assert_true(yrdx__feed_summary__get_packed_size(s) > strlen(n.ent.name));

	/* An enterprise this node does not hold (a stub, or never sent): no enterprise, the
	 * rest as known. */
	char other[19];
	fx_credit_code(4242, other);
	propose_init(&p, &n, other, NULL, NULL);
	assert_int_equal(yxd_feed_summary(&n.d, &p.c, &arena, &s), YX_OK);
	assert_null(s->enterprise);
	assert_string_equal(s->incubator_name, n.inc.name);
	assert_string_equal(s->proposer_name, "shanghai");

	/* A later step of a case whose PROPOSE this store does not hold: no proposer known,
	 * no enterprise, the event's incubator id still said. */
	p.f.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT;
	assert_int_equal(yxd_feed_summary(&n.d, &p.c, &arena, &s), YX_OK);
	assert_null(s->enterprise);
	assert_int_equal(s->proposer.len, 0);
	assert_string_equal(s->incubator_id, "SH-INC-0000");

	yx_arena_free(&arena);
	node_close(&n);
}

static void test_dossier_sealed_again_for_the_park(void **state)
{
	(void)state;
	node_t n;
	propose_t p;
	yx_arena_t arena;
	ProtobufCBinaryData out;
	yx_identity_t *park_id = NULL, *stranger = NULL;
	yx_park_conf_t park;
	uint8_t node_curve[32], *plain = NULL;
	size_t len = 0;
	const char *secret = "营业收入 3200 万元; 研发投入 860 万元";
	node_open(&n);
	yx_arena_init(&arena);
	assert_int_equal(yx_identity_generate(&park_id), YX_OK);
	assert_int_equal(yx_identity_generate(&stranger), YX_OK);
	memset(&park, 0, sizeof(park));
	snprintf(park.name, sizeof(park.name), "sip");
	memcpy(park.key, yx_identity_public(park_id), 32);
	assert_int_equal(yx_pubkey_to_curve(yx_identity_public(n.d.id), node_curve), YX_OK);

	propose_init(&p, &n, n.ent.code, secret, node_curve);
	assert_int_equal(yxd_feed_dossier(&n.d, &park, &p.c, &arena, &out), YX_OK);
	assert_int_equal(out.len, strlen(secret) + crypto_box_SEALBYTES);
	assert_memory_not_equal(out.data, p.box, out.len); /* sealed anew, not passed on */
	/* the park opens it; this node's own key and a stranger's do not */
	assert_int_equal(yx_identity_unseal(park_id, out.data, out.len, &plain, &len), YX_OK);
	assert_int_equal(len, strlen(secret));
	assert_memory_equal(plain, secret, len);
	free(plain);
	assert_int_equal(yx_identity_unseal(n.d.id, out.data, out.len, &plain, &len), YX_ECRYPTO);
	assert_int_equal(yx_identity_unseal(stranger, out.data, out.len, &plain, &len), YX_ECRYPTO);

	/* No dossier for a step that is not the PROPOSE, nor for one without a dossier. */
	p.f.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT;
	assert_int_equal(yxd_feed_dossier(&n.d, &park, &p.c, &arena, &out), YX_OK);
	assert_int_equal(out.len, 0);
	propose_init(&p, &n, n.ent.code, NULL, NULL);
	assert_int_equal(yxd_feed_dossier(&n.d, &park, &p.c, &arena, &out), YX_OK);
	assert_int_equal(out.len, 0);

	/* A box sealed to another node does not open here: the case goes without it. The
	 * node looks for old key files beside its key file: there are none. */
	uint8_t stranger_curve[32];
	snprintf(n.cfg.key_file, sizeof(n.cfg.key_file), "%s/node.key", n.dir);
	assert_int_equal(yx_identity_save(n.d.id, n.cfg.key_file), YX_OK);
	assert_int_equal(yx_pubkey_to_curve(yx_identity_public(stranger), stranger_curve), YX_OK);
	propose_init(&p, &n, n.ent.code, secret, stranger_curve);
	assert_int_equal(yxd_feed_dossier(&n.d, &park, &p.c, &arena, &out), YX_OK);
	assert_int_equal(out.len, 0);

	yx_identity_free(&park_id);
	yx_identity_free(&stranger);
	yx_arena_free(&arena);
	node_close(&n);
}

int main(void)
{
	if (yx_crypto_init() != YX_OK)
		return 1;
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_summary_from_the_store),
	        cmocka_unit_test(test_dossier_sealed_again_for_the_park),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
