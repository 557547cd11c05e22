/* Store reads in one snapshot: records found through an index are handed over as stored
 * (the exact signed bytes, their chain hash) and decoded into the caller's arena; a
 * snapshot sees one moment of the store however many reads it makes; and the event
 * loaders built on them (cases.h, joint.h) read one case or agreement of many. Real LMDB,
 * two nodes, changes carried from one to the other as verified segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "fixtures.h"
#include "joint.h"
#include "store.h"

#define CASES       24
#define ENTERPRISES 6 /* cases share enterprises: case i is about enterprise i % 6 */

/* Shanghai's key, once federation() opened it: the case ids name it. */
static uint8_t sh_key[YX_KEY_BYTES];

/* The id of case i: Shanghai writes the PROPOSE of case i at seq i + 1. */
static void case_name(uint32_t i, char out[YX_CASE_ID_MAX + 1])
{
	assert_true(yx_case_id_make("sh", sh_key, i + 1, out, YX_CASE_ID_MAX + 1));
}

/* Writes one relay event of case i as n, in a batch of its own; answers may be NULL. */
static void put_event(fx_node_t *n, uint32_t i, Yrdx__RelayEventType type, const uint8_t *dest,
                      Yrdx__ChangeRef *answers, const char *code)
{
	fx_relay_event_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	fx_relay_event_init(&f, i);
	case_name(i, f.case_id);
	assert_true(yx_case_event_id(f.case_id, type, f.id, sizeof(f.id)));
	f.ev.type = type;
	f.ev.answers = answers;
	memcpy(f.destination, dest, YX_KEY_BYTES);
	fx_credit_code(i % ENTERPRISES, f.code);
	if (code)
		snprintf(f.code, sizeof(f.code), "%s", code);
	yx_change_set_body(&c, YX_KIND_RELAY_EVENT, &f.ev);
	c.id = f.id;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("relay event %u: %s", i, d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

/* Writes n's participation in joint agreement id, about enterprise 0. */
static void put_joint(fx_node_t *n, const char *id)
{
	fx_joint_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	fx_joint_init(&f, 0);
	snprintf(f.id, sizeof(f.id), "%s", id);
	memcpy(f.keys[0], yx_identity_public(n->id), YX_KEY_BYTES);
	yx_change_set_body(&c, YX_KIND_JOINT, &f.jp);
	c.id = f.id;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("joint %s: %s", id, d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

/* ---- carrying a log from one node to another, segment by segment -------------------- */

typedef struct {
	yx_entry_t e[YX_HEAD_INTERVAL];
	uint8_t *bytes[YX_HEAD_INTERVAL];
	size_t n;
	uint64_t last;
} carry_t;

static int carry_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                       const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	carry_t *c = arg;
	(void)kind;
	(void)hash;
	(void)digest;
	if (seq > c->last)
		return 1;
	c->bytes[c->n] = malloc(len);
	memcpy(c->bytes[c->n], bytes, len);
	c->e[c->n] = (yx_entry_t){seq, c->bytes[c->n], len, NULL};
	c->n++;
	return 0;
}

/* Everything of from's own log that to does not hold yet. */
static void carry(fx_node_t *from, fx_node_t *to)
{
	const uint8_t *origin = yx_identity_public(from->id);
	yx_tip_t tip = {0};
	yx_diag_t d = {{0}};
	int ret = yx_store_tip(to->store, origin, &tip);
	assert_true(ret == YX_OK || ret == YX_ENOTFOUND);
	for (uint64_t next = tip.seq + 1;;) {
		static carry_t c;
		yx_head_t head;
		if (yx_store_head_find(from->store, origin, next, &head) == YX_ENOTFOUND)
			break;
		c.n = 0;
		c.last = head.seq;
		ret = yx_store_log_iterate(from->store, origin, next, carry_entry, &c);
		assert_true(ret == YX_OK || ret == 1);
		if (yx_store_append_verified(to->store, origin, c.e, c.n, &head, NULL, &d) != YX_OK)
			fail_msg("carry: %s", d.msg);
		for (size_t i = 0; i < c.n; i++)
			free(c.bytes[i]);
		next = head.seq + 1;
	}
}

/* Shanghai proposes CASES cases to Suzhou, which accepts the even ones; both sign one
 * joint agreement about enterprise 0. Suzhou holds it all. */
static void federation(fx_node_t *sh, fx_node_t *sz)
{
	fx_node_open(sh, "read-sh");
	fx_node_open(sz, "read-sz");
	memcpy(sh_key, yx_identity_public(sh->id), YX_KEY_BYTES);
	for (uint32_t i = 0; i < CASES; i++)
		put_event(sh, i, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE,
		          yx_identity_public(sz->id), NULL, NULL);
	put_joint(sh, "JOINT-SH-1");
	carry(sh, sz);
	for (uint32_t i = 0; i < CASES; i += 2) {
		char case_id[YX_CASE_ID_MAX + 1];
		yx_case_events_t ev;
		yx_case_t c;
		case_name(i, case_id);
		assert_int_equal(yx_case_events_load(sz->store, case_id, &ev), YX_OK);
		assert_int_equal(yx_case_derive(ev.events, ev.n, case_id, &c), YX_OK);
		Yrdx__ChangeRef ref = YRDX__CHANGE_REF__INIT;
		ref.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)c.last->origin};
		ref.seq = c.last->seq;
		ref.hash = (ProtobufCBinaryData){YX_HASH_BYTES, (uint8_t *)c.last->hash};
		put_event(sz, i, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT,
		          yx_identity_public(sz->id), &ref, NULL);
		yx_case_events_free(&ev);
	}
	put_joint(sz, "JOINT-SH-1");
}

/* ---- the snapshot reads --------------------------------------------------------------- */

typedef struct {
	yx_store_t *store;
	size_t n;
	const Yrdx__Change *kept[64];
	size_t n_kept;
	int stop_at; /* stop with this value at the stop_at-th record (0: never) */
} seen_t;

/* Checks what the store hands over against what it says elsewhere: the hash is the
 * change's chain hash, and the bytes are the signed ones (they chain to it from the
 * previous hash). */
static int see(void *arg, const yx_stored_t *rec)
{
	seen_t *s = arg;
	uint8_t prev[YX_HASH_BYTES], digest[YX_HASH_BYTES], link[YX_HASH_BYTES];
	assert_int_equal(yx_store_hash(s->store, rec->origin, rec->seq, link), YX_OK);
	assert_memory_equal(link, rec->hash, YX_HASH_BYTES);
	if (rec->seq == 1)
		memset(prev, 0, YX_HASH_BYTES);
	else
		assert_int_equal(yx_store_hash(s->store, rec->origin, rec->seq - 1, prev), YX_OK);
	yx_chain_digest(rec->bytes, rec->len, digest);
	yx_chain_link(prev, digest, link);
	assert_memory_equal(link, rec->hash, YX_HASH_BYTES);
	assert_int_equal(rec->change->seq, rec->seq);
	assert_memory_equal(rec->change->origin.data, rec->origin, YX_KEY_BYTES);
	if (s->n_kept < 64)
		s->kept[s->n_kept++] = rec->change;
	s->n++;
	return s->stop_at && (int)s->n == s->stop_at ? 42 : 0;
}

static void test_find_hands_over_stored(void **state)
{
	(void)state;
	fx_node_t sh, sz;
	yx_snap_t *snap = NULL;
	yx_arena_t arena;
	char code[19];
	federation(&sh, &sz);
	yx_arena_init(&arena);
	fx_credit_code(0, code);

	/* Enterprise 0: cases 0, 6, 12, 18 — four PROPOSEs by Shanghai, four ACCEPTs by
	 * Suzhou — and two joint participations. */
	seen_t s = {sz.store};
	assert_int_equal(yx_snap_open(sz.store, &snap), YX_OK);
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_RELAY_EVENT,
	                              &arena, see, &s),
	                 YX_OK);
	assert_int_equal(s.n, 8);
	seen_t all = {sz.store};
	assert_int_equal(
	        yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_NONE, &arena, see, &all),
	        YX_OK);
	assert_int_equal(all.n, 10);
	seen_t joint = {sz.store};
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_JOINT, &arena,
	                              see, &joint),
	                 YX_OK);
	assert_int_equal(joint.n, 2);
	seen_t none = {sz.store};
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, "91000000MA0000000X", 18,
	                              YX_KIND_NONE, &arena, see, &none),
	                 YX_OK);
	assert_int_equal(none.n, 0);
	/* A callback's non-zero value stops the read and is returned. */
	seen_t stop = {sz.store, .stop_at = 2};
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_NONE, &arena,
	                              see, &stop),
	                 42);
	assert_int_equal(stop.n, 2);
	yx_snap_close(&snap);
	assert_null(snap);
	yx_snap_close(&snap); /* harmless */

	/* Decoded into the caller's arena, the changes outlive the snapshot. */
	for (size_t i = 0; i < s.n_kept; i++) {
		const Yrdx__Change *c = s.kept[i];
		assert_int_equal(c->body_case, YRDX__CHANGE__BODY_RELAY_EVENT);
		assert_string_equal(c->relay_event->credit_code, code);
	}
	yx_arena_free(&arena);
	fx_node_close(&sh);
	fx_node_close(&sz);
}

static int count(void *arg, const yx_stored_t *rec)
{
	(void)rec;
	(*(size_t *)arg)++;
	return 0;
}

static void test_snapshot_is_one_moment(void **state)
{
	(void)state;
	fx_node_t sh, sz;
	yx_snap_t *snap = NULL, *later = NULL;
	char code[19];
	size_t before = 0, during = 0, after = 0, scanned = 0;
	federation(&sh, &sz);
	fx_credit_code(1, code);

	assert_int_equal(yx_snap_open(sz.store, &snap), YX_OK);
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_NONE, NULL,
	                              count, &before),
	                 YX_OK);
	/* A write commits while the snapshot is open: the snapshot does not see it, a new
	 * one does — every read of one snapshot is of one moment. */
	put_event(&sz, 1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE,
	          yx_identity_public(sh.id), NULL, code);
	assert_int_equal(yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_NONE, NULL,
	                              count, &during),
	                 YX_OK);
	assert_int_equal(yx_snap_scan(snap, YX_KIND_RELAY_EVENT, NULL, count, &scanned), YX_OK);
	assert_int_equal(before, 4); /* cases 1, 7, 13, 19: PROPOSEs, none accepted */
	assert_int_equal(during, before);
	assert_int_equal(scanned, CASES + CASES / 2);
	assert_int_equal(yx_snap_open(sz.store, &later), YX_OK);
	assert_int_equal(yx_snap_find(later, YX_INDEX_CREDIT_CODE, code, 18, YX_KIND_NONE, NULL,
	                              count, &after),
	                 YX_OK);
	assert_int_equal(after, before + 1);
	yx_snap_close(&later);
	yx_snap_close(&snap);
	fx_node_close(&sh);
	fx_node_close(&sz);
}

typedef struct {
	const uint8_t *origins[4];
	size_t n;
} origins_t;

static int note_origin(void *arg, const yx_stored_t *rec)
{
	origins_t *o = arg;
	assert_true(o->n < 4);
	assert_string_equal(rec->change->id, "JOINT-SH-1");
	o->origins[o->n++] = rec->origin;
	return 0;
}

static void test_get_all_origins(void **state)
{
	(void)state;
	fx_node_t sh, sz;
	yx_snap_t *snap = NULL;
	origins_t o = {0};
	size_t n = 0;
	federation(&sh, &sz);
	assert_int_equal(yx_snap_open(sz.store, &snap), YX_OK);
	assert_int_equal(yx_snap_get_all(snap, YX_KIND_JOINT, "JOINT-SH-1", NULL, note_origin, &o),
	                 YX_OK);
	assert_int_equal(o.n, 2); /* Shanghai's, carried, then Suzhou's own */
	assert_memory_equal(o.origins[0], yx_identity_public(sh.id), YX_KEY_BYTES);
	assert_memory_equal(o.origins[1], yx_identity_public(sz.id), YX_KEY_BYTES);
	assert_int_equal(yx_snap_get_all(snap, YX_KIND_JOINT, "JOINT-NONE", NULL, count, &n),
	                 YX_OK);
	assert_int_equal(yx_snap_get_all(snap, YX_KIND_RELAY_EVENT, "JOINT-SH-1", NULL, count, &n),
	                 YX_OK);
	assert_int_equal(n, 0);
	/* The relay event ids are the case's, lower case. */
	char case4[YX_CASE_ID_MAX + 1], accept4[80];
	case_name(4, case4);
	assert_true(yx_case_event_id(case4, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT,
	                             accept4, sizeof(accept4)));
	assert_int_equal(yx_snap_get_all(snap, YX_KIND_RELAY_EVENT, accept4, NULL, count, &n),
	                 YX_OK);
	assert_int_equal(n, 1);
	/* At the origins whose key begins with a prefix only: Suzhou's ACCEPT is not at
	 * Shanghai, nor at an origin no key begins like. */
	n = 0;
	assert_int_equal(yx_snap_get_prefixed(snap, YX_KIND_RELAY_EVENT, yx_identity_public(sz.id),
	                                      YX_CASE_FP_BYTES, accept4, NULL, count, &n),
	                 YX_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(yx_snap_get_prefixed(snap, YX_KIND_RELAY_EVENT, sh_key, YX_CASE_FP_BYTES,
	                                      accept4, NULL, count, &n),
	                 YX_OK);
	assert_int_equal(n, 0);
	/* Who holds a record, from the state alone: the node's own first; else the first
	 * other origin in the store's order. */
	const uint8_t *sh_pub = yx_identity_public(sh.id), *sz_pub = yx_identity_public(sz.id);
	uint8_t who[YX_KEY_BYTES];
	bool ours, other;
	assert_int_equal(
	        yx_snap_holder(snap, YX_KIND_JOINT, "JOINT-SH-1", sz_pub, &ours, &other, who),
	        YX_OK);
	assert_true(ours);
	assert_false(other);
	assert_int_equal(
	        yx_snap_holder(snap, YX_KIND_JOINT, "JOINT-SH-1", NULL, &ours, &other, who), YX_OK);
	assert_false(ours);
	assert_true(other);
	assert_memory_equal(who, sh_pub, YX_KEY_BYTES);
	assert_int_equal(
	        yx_snap_holder(snap, YX_KIND_RELAY_EVENT, accept4, sh_pub, &ours, &other, who),
	        YX_OK);
	assert_false(ours);
	assert_true(other);
	assert_memory_equal(who, sz_pub, YX_KEY_BYTES);
	assert_int_equal(
	        yx_snap_holder(snap, YX_KIND_JOINT, "JOINT-NONE", sz_pub, &ours, &other, who),
	        YX_OK);
	assert_false(ours);
	assert_false(other);
	yx_snap_close(&snap);
	fx_node_close(&sh);
	fx_node_close(&sz);
}

/* ---- the event loaders on top ---------------------------------------------------------- */

static void test_case_and_agreement_loaded_alone(void **state)
{
	(void)state;
	fx_node_t sh, sz;
	yx_case_events_t ev;
	yx_joint_parts_t parts;
	yx_case_t c;
	uint8_t hash[YX_HASH_BYTES];
	char case6[YX_CASE_ID_MAX + 1], case7[YX_CASE_ID_MAX + 1], case8[YX_CASE_ID_MAX + 1],
	        none[YX_CASE_ID_MAX + 1];
	federation(&sh, &sz);
	case_name(6, case6);
	case_name(7, case7);
	case_name(8, case8);
	case_name(999, none);

	/* One case among CASES, its enterprise shared with three others. */
	assert_int_equal(yx_case_events_load(sz.store, case6, &ev), YX_OK);
	assert_int_equal(ev.n, 2);
	for (size_t i = 0; i < ev.n; i++) {
		assert_string_equal(ev.events[i].ev->case_id, case6);
		assert_int_equal(
		        yx_store_hash(sz.store, ev.events[i].origin, ev.events[i].seq, hash),
		        YX_OK);
		assert_memory_equal(ev.events[i].hash, hash, YX_HASH_BYTES);
	}
	assert_int_equal(yx_case_derive(ev.events, ev.n, case6, &c), YX_OK);
	assert_int_equal(c.state, YX_CASE_ACCEPTED);
	assert_int_equal(c.steps, 2);
	yx_case_events_free(&ev);
	assert_int_equal(yx_case_events_load(sz.store, case7, &ev), YX_OK);
	assert_int_equal(ev.n, 1);
	yx_case_events_free(&ev);
	assert_int_equal(yx_case_events_load(sz.store, none, &ev), YX_OK);
	assert_int_equal(ev.n, 0);
	yx_case_events_free(&ev);
	assert_int_equal(yx_case_events_load(sz.store, NULL, &ev), YX_OK);
	assert_int_equal(ev.n, CASES + CASES / 2);
	yx_case_events_free(&ev);

	/* A step that names another enterprise than its case is not on the case's path: it
	 * is not found through the case's enterprise, and not applied when a scan finds it. */
	char other[19];
	fx_credit_code(5, other);
	assert_int_equal(yx_case_events_load(sz.store, case8, &ev), YX_OK);
	assert_int_equal(yx_case_derive(ev.events, ev.n, case8, &c), YX_OK);
	Yrdx__ChangeRef ref = YRDX__CHANGE_REF__INIT;
	ref.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)c.last->origin};
	ref.seq = c.last->seq;
	ref.hash = (ProtobufCBinaryData){YX_HASH_BYTES, (uint8_t *)c.last->hash};
	put_event(&sz, 8, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, yx_identity_public(sz.id),
	          &ref, other);
	yx_case_events_free(&ev);
	assert_int_equal(yx_case_events_load(sz.store, case8, &ev), YX_OK);
	assert_int_equal(ev.n, 2);
	yx_case_events_free(&ev);
	assert_int_equal(yx_case_events_load(sz.store, NULL, &ev), YX_OK);
	assert_int_equal(yx_case_derive(ev.events, ev.n, case8, &c), YX_OK);
	assert_int_equal(c.state, YX_CASE_ACCEPTED);
	yx_case_events_free(&ev);

	/* An agreement: one participation per party, by id at each origin. */
	put_joint(&sh, "JOINT-SH-2");
	carry(&sh, &sz);
	assert_int_equal(yx_joint_parts_load(sz.store, "JOINT-SH-1", &parts), YX_OK);
	assert_int_equal(parts.n, 2);
	assert_string_equal(parts.parts[0].jp->id, "JOINT-SH-1");
	assert_string_equal(parts.parts[1].jp->id, "JOINT-SH-1");
	yx_joint_parts_free(&parts);
	assert_int_equal(yx_joint_parts_load(sz.store, NULL, &parts), YX_OK);
	assert_int_equal(parts.n, 3);
	yx_joint_parts_free(&parts);
	fx_node_close(&sh);
	fx_node_close(&sz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_find_hands_over_stored),
	        cmocka_unit_test(test_snapshot_is_one_moment),
	        cmocka_unit_test(test_get_all_origins),
	        cmocka_unit_test(test_case_and_agreement_loaded_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
