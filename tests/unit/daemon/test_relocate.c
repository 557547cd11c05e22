/* relocate.c through yxd_t, a real store and no sockets: shanghai proposes its enterprise
 * to a hefei park; hefei's ACCEPT and LAND arrive as a verified segment of hefei's log.
 * Shanghai's own record then turns relocated (已迁出) with the case — not while the writer
 * refuses (a fenced node: tried again after the back-off, the cursor kept), once only (a
 * restart reads every arrival again and writes nothing more), and at start for a LAND that
 * arrived while nobody looked (a crash between the commit and the relocation). A case of
 * another city, and one of ours still only accepted, change nothing. */
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
	yx_identity_t *hf; /* hefei, the destination */
	fx_log_t hf_log;
	fx_enterprise_t ent;
	char case_id[96];
	int64_t clock;
} node_t;

static const uint8_t *self(node_t *n)
{
	return yx_identity_public(n->d.id);
}

/* How far shanghai's own log goes. */
static uint64_t own_tip(node_t *n)
{
	yx_tip_t t;
	assert_int_equal(yx_store_tip(n->d.store, self(n), &t), YX_OK);
	return t.seq;
}

/* Shanghai's node, its enterprise (i = 8: of 310000) registered; the relocation hook
 * registered if hooked (else as a daemon that crashed before looking). */
static void node_open(node_t *n, bool hooked)
{
	yx_diag_t diag = {{0}};
	yx_batch_t *b = NULL;
	yx_head_t head;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	memset(n, 0, sizeof(*n));
	n->dir = fx_tmpdir("relocate");
	n->cfg.dead_after_ms = 5000;
	n->cfg.city = 310000;
	snprintf(n->cfg.name, sizeof(n->cfg.name), "shanghai");
	n->d.cfg = &n->cfg;
	n->clock = 1760000000000;
	yx_arena_init(&n->d.scratch);
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	assert_int_equal(yx_identity_generate(&n->d.id), YX_OK);
	assert_int_equal(yx_identity_generate(&n->hf), YX_OK);
	assert_int_equal(yxd_rotation_start(&n->d), YX_OK);
	fx_log_init(&n->hf_log, n->hf);
	if (hooked) {
		yxd_writer_on_commit(&n->d.writer, yxd_relocate_moved);
		yxd_relocate_start(&n->d);
	}
	fx_enterprise_init(&n->ent, 8);
	n->ent.e.financials = NULL;
	assert_int_equal(n->ent.e.city, 310000);
	assert_int_equal(yxd_writer_begin(&n->d, &b, &diag), YX_OK);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &n->ent.e);
	c.id = n->ent.code;
	assert_int_equal(yx_batch_put(b, &c, &diag), YX_OK);
	assert_int_equal(yxd_writer_commit(&n->d, &b, &head, &diag), YX_OK);
}

static void node_close(node_t *n)
{
	fx_log_clear(&n->hf_log);
	yx_store_close(&n->d.store);
	yx_identity_free(&n->d.id);
	yx_identity_free(&n->hf);
	yx_arena_free(&n->d.scratch);
	fx_rmtree(n->dir);
	free(n->dir);
}

/* Shanghai proposes its enterprise to HF-PARK-GX at hefei, as `relay propose` has it. */
static void propose(node_t *n)
{
	Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
	yx_diag_t diag = {{0}};
	yx_head_t head;
	q.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	q.credit_code = n->ent.code;
	q.park_id = "HF-PARK-GX";
	q.destination = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(n->hf)};
	assert_int_equal(yxd_author_relay(&n->d, &q, NULL, NULL, n->case_id, sizeof(n->case_id),
	                                  &head, &diag),
	                 YX_OK);
	yx_arena_reset(&n->d.scratch);
}

/* Hefei's step of type answering (origin, seq, hash), appended to its log. */
static void hefei_step(node_t *n, Yrdx__RelayEventType type, const char *case_id,
                       const uint8_t *origin, uint64_t seq, const uint8_t *hash)
{
	Yrdx__RelayEvent ev = YRDX__RELAY_EVENT__INIT;
	Yrdx__ChangeRef ref = YRDX__CHANGE_REF__INIT;
	char id[128];
	assert_true(yx_case_event_id(case_id, type, id, sizeof(id)));
	ev.id = id;
	ev.case_id = (char *)case_id;
	ev.type = type;
	ev.credit_code = n->ent.code;
	ev.park_id = "HF-PARK-GX";
	ev.source_incubator_id = n->ent.incubator;
	ev.destination_node = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(n->hf)};
	ref.origin = (ProtobufCBinaryData){32, (uint8_t *)origin};
	ref.seq = seq;
	ref.hash = (ProtobufCBinaryData){32, (uint8_t *)hash};
	ev.answers = &ref;
	fx_log_append(&n->hf_log, YX_KIND_RELAY_EVENT, &ev, n->clock++);
}

/* Hefei accepts shanghai's case (and lands it, if lands), its segment received here. */
static void hefei_answers(node_t *n, bool lands)
{
	uint8_t hash[YX_HASH_BYTES];
	yx_diag_t diag = {{0}};
	size_t appended = 0;
	uint64_t seq = own_tip(n); /* the PROPOSE */
	assert_int_equal(yx_store_hash(n->d.store, self(n), seq, hash), YX_OK);
	hefei_step(n, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, n->case_id, self(n), seq,
	           hash);
	if (lands)
		hefei_step(n, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, n->case_id,
		           yx_identity_public(n->hf), n->hf_log.seq,
		           n->hf_log.chain[n->hf_log.n - 1]);
	fx_log_sign(&n->hf_log, n->clock);
	assert_int_equal(yx_store_append_verified(n->d.store, yx_identity_public(n->hf),
	                                          n->hf_log.e, n->hf_log.n, &n->hf_log.head,
	                                          &appended, &diag),
	                 YX_OK);
	fx_log_clear(&n->hf_log);
	uint8_t moved[1][YX_KEY_BYTES];
	memcpy(moved[0], yx_identity_public(n->hf), YX_KEY_BYTES);
	yxd_writer_moved(&n->d, (const uint8_t(*)[YX_KEY_BYTES])moved, 1);
}

/* Shanghai's own record of its enterprise (caller frees). */
static Yrdx__Change *own_record(node_t *n)
{
	Yrdx__Change *c = NULL;
	assert_int_equal(yx_store_get(n->d.store, YX_KIND_ENTERPRISE, self(n), n->ent.code, &c),
	                 YX_OK);
	return c;
}

static void assert_relocated(node_t *n)
{
	Yrdx__Change *c = own_record(n);
	assert_int_equal(c->enterprise->stage, YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED);
	assert_string_equal(c->enterprise->relay_case_id, n->case_id);
	assert_string_equal(c->enterprise->name, n->ent.e.name); /* the rest as it was */
	assert_int_equal(c->enterprise->city, 310000);
	assert_int_equal(c->enterprise->n_industries, 2);
	yx_change_free(&c);
}

static void test_landed_elsewhere_turns_relocated(void **state)
{
	(void)state;
	node_t n;
	node_open(&n, true);
	yxd_relocate_due(&n.d, 0); /* the start's pass: nothing landed yet */
	propose(&n);
	uint64_t tip = own_tip(&n);

	/* accepted only: nothing left us */
	hefei_answers(&n, false);
	yxd_relocate_due(&n.d, 0);
	assert_int_equal(own_tip(&n), tip);

	/* the LAND arrives while the node is fenced: refused, tried again later */
	n.d.fence.on = true;
	uint8_t hash[YX_HASH_BYTES];
	memcpy(hash, n.hf_log.hash, YX_HASH_BYTES);
	hefei_step(&n, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, n.case_id,
	           yx_identity_public(n.hf), n.hf_log.seq, hash);
	{
		yx_diag_t diag = {{0}};
		size_t appended = 0;
		fx_log_sign(&n.hf_log, n.clock);
		assert_int_equal(yx_store_append_verified(n.d.store, yx_identity_public(n.hf),
		                                          n.hf_log.e, n.hf_log.n, &n.hf_log.head,
		                                          &appended, &diag),
		                 YX_OK);
		fx_log_clear(&n.hf_log);
		yxd_writer_moved(&n.d, NULL, 0);
	}
	assert_true(n.d.relocate.due);
	yxd_relocate_due(&n.d, 1000);
	assert_int_equal(own_tip(&n), tip);
	assert_true(n.d.relocate.due);
	assert_int_equal(n.d.relocate.retry_ms, 2000); /* 1 s back-off */
	yxd_relocate_due(&n.d, 2000);                  /* still fenced: twice as long */
	assert_int_equal(n.d.relocate.retry_ms, 4000);
	Yrdx__Change *c = own_record(&n);
	assert_int_equal(c->enterprise->stage, YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_GROWTH);
	yx_change_free(&c);

	/* the fence lifts: not before the back-off ends, then written once */
	n.d.fence.on = false;
	yxd_relocate_due(&n.d, 3999);
	assert_int_equal(own_tip(&n), tip);
	yxd_relocate_due(&n.d, 4000);
	assert_int_equal(own_tip(&n), tip + 1);
	assert_relocated(&n);
	/* our own commit made it look again: nothing new */
	yxd_relocate_due(&n.d, 4000);
	assert_false(n.d.relocate.due);
	assert_int_equal(own_tip(&n), tip + 1);

	/* a restart reads every arrival again: nothing more to say */
	yxd_relocate_start(&n.d);
	yxd_relocate_due(&n.d, 5000);
	assert_int_equal(own_tip(&n), tip + 1);
	node_close(&n);
}

static void test_reconciled_at_start(void **state)
{
	(void)state;
	node_t n;
	node_open(&n, false); /* a daemon that stopped before it looked */
	propose(&n);
	uint64_t tip = own_tip(&n);
	hefei_answers(&n, true);
	assert_int_equal(own_tip(&n), tip);
	/* the next start: from the first arrival */
	yxd_writer_on_commit(&n.d.writer, yxd_relocate_moved);
	yxd_relocate_start(&n.d);
	yxd_relocate_due(&n.d, 0);
	assert_int_equal(own_tip(&n), tip + 1);
	assert_relocated(&n);
	node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_landed_elsewhere_turns_relocated),
	        cmocka_unit_test(test_reconciled_at_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
