/* store_write: own batches and received segments. Records put, changed and retracted, and
 * their indexes of every kind, however a batch orders them; segments from peers verified
 * and appended, or refused with the store left untouched (gaps, broken chains, bad
 * signatures, forks); stubs and the bodies that fill them; the signed sharing policy.
 * Real LMDB in scratch directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "store.h"
#include "store_fx.h"
#include "validate.h"

/* Origin's current version of enterprise i in store (yx_change_free it), or NULL if none
 * is readable. */
static Yrdx__Change *enterprise_get(yx_store_t *store, const uint8_t *origin, uint32_t i)
{
	fx_enterprise_t f;
	Yrdx__Change *c = NULL;
	fx_enterprise_init(&f, i);
	return yx_store_get(store, YX_KIND_ENTERPRISE, origin, f.code, &c) == YX_OK ? c : NULL;
}

static void test_append_read_iterate(void **state)
{
	(void)state;
	fx_node_t a;
	fx_node_open(&a, "store-basic");
	yx_head_t h1 = fx_put_enterprises(&a, 0, 100);
	assert_int_equal(h1.seq, 100);
	assert_int_equal(yx_head_verify(&h1), YX_OK);
	yx_head_t h2 = fx_put_enterprises(&a, 100, 50);
	assert_int_equal(h2.seq, 150);

	/* read by key */
	for (uint32_t i = 0; i < 150; i += 7) {
		fx_enterprise_t f;
		fx_enterprise_init(&f, i);
		Yrdx__Change *c = enterprise_get(a.store, yx_identity_public(a.id), i);
		assert_non_null(c);
		assert_string_equal(c->enterprise->name, f.name);
		assert_int_equal(c->seq, i + 1);
		yx_change_free(&c);
	}
	Yrdx__Change *none = NULL;
	assert_int_equal(yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(a.id),
	                              "911100000000000000", &none),
	                 YX_ENOTFOUND);

	/* iterate the log from the middle */
	sfx_segment_t s = sfx_segment_read(a.store, yx_identity_public(a.id), 101, false);
	assert_int_equal(s.n, 50);
	assert_int_equal(s.e[0].seq, 101);
	assert_memory_equal(s.head.hash, h2.hash, YX_HASH_BYTES);
	sfx_segment_free(&s);

	/* by index: incubator SH-INC-0007 has enterprises 7, 507...; only 7 here */
	size_t found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007", 11,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 150);

	/* version vector */
	yx_vector_t v;
	assert_int_equal(yx_store_vector(a.store, &v), YX_OK);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.tips[0].seq, 150);
	assert_memory_equal(v.tips[0].hash, h2.hash, YX_HASH_BYTES);
	yx_vector_free(&v);
	yx_diag_t d = {{0}};
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

static void test_update_and_retract(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	fx_node_open(&a, "store-update");
	fx_put_enterprises(&a, 0, 10);

	/* a new version of enterprise 3 moves it to another incubator */
	fx_enterprise_t f;
	yx_batch_t *b = NULL;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_enterprise_init(&f, 3);
	strcpy(f.incubator, "HZ-INC-0001");
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	size_t found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0003", 11,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 0);
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "HZ-INC-0001", 11,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 1);

	/* retract it: gone from state and every index */
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, f.code, "moved out", &d), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, "911100000000000000", "x", &d),
	                 YX_ENOTFOUND);
	assert_non_null(strstr(d.msg, "911100000000000000"));
	yx_head_t h;
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 12);
	Yrdx__Change *got = NULL;
	assert_int_equal(
	        yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(a.id), f.code, &got),
	        YX_ENOTFOUND);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "HZ-INC-0001", 11,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 0);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 9);
	/* ... but its retraction is there to read: reason, time, author */
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_OK);
	assert_int_equal(got->body_case, YRDX__CHANGE__BODY_TOMBSTONE);
	assert_string_equal(got->tombstone->reason, "moved out");
	assert_int_equal(got->seq, 12);
	assert_true(got->time_ms > 0);
	yx_change_free(&got);
	assert_int_equal(sfx_count_retracted(&a), 1);
	/* written again, it stands: no retraction any more */
	fx_enterprise_init(&f, 3);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_ENOTFOUND);
	assert_int_equal(sfx_count_retracted(&a), 0);
	/* and retracted again: the newer tombstone is the last word */
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, f.code, "closed down", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_OK);
	assert_string_equal(got->tombstone->reason, "closed down");
	assert_int_equal(got->seq, 14);
	yx_change_free(&got);

	/* an invalid record is refused with the field named, and nothing is appended */
	fx_enterprise_t bad;
	fx_enterprise_init(&bad, 20);
	(void)bad;
	fx_enterprise_init(&f, 20);
	f.code[17] = f.code[17] == '0' ? '1' : '0';
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "credit_code"));
	assert_int_equal(yx_batch_count(b), 0);
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 0);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* The stubs are looked for in the log itself, at most YX_HOLES_SCAN entries a call: a log
 * of bodies only is looked through in steps, each saying where the next goes on. */
static void test_holes_scan_bounded(void **state)
{
	(void)state;
	fx_node_t a;
	uint64_t holes[8], next = 0;
	fx_node_open(&a, "holes-scan");
	fx_put_enterprises(&a, 0, YX_HOLES_SCAN + 100);
	const uint8_t *origin = yx_identity_public(a.id);
	assert_int_equal(yx_store_holes(a.store, origin, 1, holes, 8, &next), 0);
	assert_int_equal(next, YX_HOLES_SCAN + 1);
	assert_int_equal(yx_store_holes(a.store, origin, next, holes, 8, &next), 0);
	assert_int_equal(next, UINT64_MAX); /* the rest, to the log's end */
	fx_node_close(&a);
}

static void put_record(fx_node_t *n, yx_kind_t kind, void *record, const char *id)
{
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_change_set_body(&c, kind, record);
	c.id = (char *)id;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("put %s %s: %s", yx_kind_name(kind), id, d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

static void test_indexes_every_kind(void **state)
{
	(void)state;
	fx_node_t a;
	size_t found;
	fx_node_open(&a, "store-index");
	fx_incubator_t inc;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	fx_incubator_init(&inc, 1);
	fx_park_init(&park, 1);
	fx_relay_event_init(&relay, 1);
	fx_joint_init(&joint, 1);
	fx_evaluation_init(&eval, 1);
	put_record(&a, YX_KIND_INCUBATOR, &inc.inc, inc.id);
	put_record(&a, YX_KIND_PARK, &park.park, park.id);
	put_record(&a, YX_KIND_RELAY_EVENT, &relay.ev, relay.id);
	put_record(&a, YX_KIND_JOINT, &joint.jp, joint.id);
	put_record(&a, YX_KIND_EVALUATION, &eval.ev, eval.id);

	for (size_t i = 0; i < inc.inc.n_focus_industries; i++) {
		uint8_t term = (uint8_t)inc.industries[i];
		found = 0;
		assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &term, 1,
		                               sfx_count_record, &found),
		                 YX_OK);
		assert_true(found >= 1);
	}
	uint8_t park_industry = (uint8_t)park.industries[0];
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &park_industry, 1,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_true(found >= 1);
	/* An enterprise is found by its park; a relay event, found by case, arrival and
	 * enterprise, is not indexed by park (store.c: index_record). */
	fx_enterprise_t ent;
	fx_enterprise_init(&ent, 1);
	ent.e.park_id = relay.park_id;
	put_record(&a, YX_KIND_ENTERPRISE, &ent.e, ent.code);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_PARK, relay.park_id, strlen(relay.park_id),
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_CREDIT_CODE, relay.code, 18,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_CREDIT_CODE, joint.code, 18,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, eval.incubator_id,
	                               strlen(eval.incubator_id), sfx_count_record, &found),
	                 YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_NONE, sfx_count_record, &found), YX_OK);
	assert_int_equal(found, 6);
	/* the same record changed twice in one batch keeps only its last index entries */
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	Yrdx__Change c = YRDX__CHANGE__INIT;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	yx_change_set_body(&c, YX_KIND_PARK, &park.park);
	c.id = park.id;
	park.industries[0] = YRDX__INDUSTRY__INDUSTRY_METAVERSE;
	park.industries[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_ENERGY;
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	park.industries[0] = YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE;
	park.industries[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_MATERIALS;
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	uint8_t metaverse = YRDX__INDUSTRY__INDUSTRY_METAVERSE;
	uint8_t space = YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE;
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INDUSTRY, &metaverse, 1, sfx_count_record, &found),
	        YX_OK);
	assert_int_equal(found, 0);
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INDUSTRY, &space, 1, sfx_count_record, &found),
	        YX_OK);
	assert_int_equal(found, 2); /* the park and incubator 1 */
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &park_industry, 1,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 0); /* the park's first version is no longer indexed */
	/* two incubators whose state keys share their first 24 bytes (ids of 26 bytes), each
	 * changed three times in one batch, interleaved: each ends at its last version with
	 * only that version indexed (the flush sorts on those bytes as integers, then the
	 * rest) */
	static const Yrdx__Industry versions[2][3] = {
	        {YRDX__INDUSTRY__INDUSTRY_DIGITAL_TRANSFORMATION,
	         YRDX__INDUSTRY__INDUSTRY_GREEN_TRANSFORMATION,
	         YRDX__INDUSTRY__INDUSTRY_ELECTRONIC_INFORMATION},
	        {YRDX__INDUSTRY__INDUSTRY_LIFE_HEALTH, YRDX__INDUSTRY__INDUSTRY_AUTOMOTIVE,
	         YRDX__INDUSTRY__INDUSTRY_ADVANCED_MATERIALS}};
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	for (int v = 0; v < 3; v++)
		for (int i = 0; i < 2; i++) {
			fx_incubator_t f;
			fx_incubator_init(&f, 40 + (uint32_t)i);
			snprintf(f.id, sizeof(f.id), "SH-INC-LONG-SHARED-PREFIX-%d", i);
			snprintf(f.name, sizeof(f.name), "孵化器%d第%d版", i, v);
			f.industries[0] = versions[i][v];
			f.inc.n_focus_industries = 1;
			yx_change_set_body(&c, YX_KIND_INCUBATOR, &f.inc);
			c.id = f.id;
			assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
		}
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	for (int i = 0; i < 2; i++) {
		char id[32], want[64];
		Yrdx__Change *got = NULL;
		snprintf(id, sizeof(id), "SH-INC-LONG-SHARED-PREFIX-%d", i);
		assert_int_equal(yx_store_get(a.store, YX_KIND_INCUBATOR, yx_identity_public(a.id),
		                              id, &got),
		                 YX_OK);
		snprintf(want, sizeof(want), "孵化器%d第2版", i);
		assert_string_equal(got->incubator->name, want);
		yx_change_free(&got);
		for (int v = 0; v < 3; v++) {
			uint8_t term = (uint8_t)versions[i][v];
			found = 0;
			assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &term, 1,
			                               sfx_count_record, &found),
			                 YX_OK);
			assert_int_equal(found, v == 2);
		}
	}
	fx_node_close(&a);
}

static void test_put_if_changed(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	bool written = true;
	yx_batch_t *b = NULL;
	yx_head_t h;
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_node_open(&a, "store-ifchanged");
	fx_put_enterprises(&a, 0, 10);
	fx_enterprise_init(&f, 4);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put_if_changed(b, &c, &written, &d), YX_OK);
	assert_false(written); /* identical to the current version */
	f.e.employees++;
	assert_int_equal(yx_batch_put_if_changed(b, &c, &written, &d), YX_OK);
	assert_true(written);
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 11);
	fx_node_close(&a);
}

static void test_remote_rejections(void **state)
{
	(void)state;
	fx_node_t a, b, a2;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	fx_node_open(&a, "store-src");
	fx_node_open(&b, "store-dst");
	fx_put_enterprises(&a, 0, 20);
	fx_put_enterprises(&a, 20, 20);
	fx_put_enterprises(&a, 40, 20);
	const uint8_t *origin = yx_identity_public(a.id);

	sfx_segment_t s1 = sfx_segment_read(a.store, origin, 1, false);
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 20);
	/* the same segment again changes nothing */
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 0);

	/* gap: segment 3 while b ends at 20 */
	sfx_segment_t s3 = sfx_segment_read(a.store, origin, 41, false);
	sfx_expect_rejected(&b, origin, &s3, YX_EGAP, "starts at seq 41");

	/* broken chain: one flipped byte inside a change of segment 2 */
	sfx_segment_t s2 = sfx_segment_read(a.store, origin, 21, false);
	s2.bytes[5][s2.e[5].len / 2] ^= 0x01;
	sfx_expect_rejected(&b, origin, &s2, YX_ECHAIN, "do not hash to the head at seq 40");
	s2.bytes[5][s2.e[5].len / 2] ^= 0x01;
	/* ... and in the last change */
	s2.bytes[19][3] ^= 0x40;
	sfx_expect_rejected(&b, origin, &s2, YX_ECHAIN, "head at seq 40");
	s2.bytes[19][3] ^= 0x40;

	/* bad signature: a forged head over the true hash */
	s2.head.signature[10] ^= 0x80;
	sfx_expect_rejected(&b, origin, &s2, YX_ESIG, "bad signature");
	s2.head.signature[10] ^= 0x80;

	/* a head signed by somebody else's key for this origin */
	yx_head_t forged = s2.head;
	yx_head_sign(&forged, b.id);
	sfx_segment_t s2f = s2;
	s2f.head = forged;
	sfx_expect_rejected(&b, origin, &s2f, YX_ESIG, "bad signature");

	/* fork: the same origin key signs a different history for seq 1..20 */
	a2.dir = fx_tmpdir("store-fork");
	assert_int_equal(yx_store_open(a2.dir, YX_STORE_CREATE, 0, &a2.store, &d), YX_OK);
	a2.id = a.id;
	fx_put_enterprises(&a2, 1000, 20);
	sfx_segment_t f1 = sfx_segment_read(a2.store, origin, 1, false);
	sfx_expect_rejected(&b, origin, &f1, YX_EFORK, "fork");

	/* the honest segment 2 still applies after all that */
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 20);
	sfx_segment_free(&s1);
	sfx_segment_free(&s2);
	sfx_segment_free(&s3);
	sfx_segment_free(&f1);
	yx_store_close(&a2.store);
	fx_rmtree(a2.dir);
	free(a2.dir);
	fx_node_close(&a);
	fx_node_close(&b);
}

static void test_digest_equal_with_stubs(void **state)
{
	(void)state;
	fx_node_t a, b, c;
	yx_diag_t d = {{0}};
	uint8_t da[32], db[32], dc[32];
	fx_node_open(&a, "digest-a");
	fx_node_open(&b, "digest-b");
	fx_node_open(&c, "digest-c");
	fx_put_enterprises(&a, 0, 5000);
	fx_put_enterprises(&a, 5000, 30);
	const uint8_t *origin = yx_identity_public(a.id);
	/* b gets full changes; c gets the first segment as stubs only */
	for (uint64_t next = 1; next <= 5030;) {
		sfx_segment_t full = sfx_segment_read(a.store, origin, next, false);
		sfx_segment_t stub = sfx_segment_read(a.store, origin, next, next == 1);
		assert_int_equal(yx_store_append_verified(b.store, origin, full.e, full.n,
		                                          &full.head, NULL, &d),
		                 YX_OK);
		assert_int_equal(yx_store_append_verified(c.store, origin, stub.e, stub.n,
		                                          &stub.head, NULL, &d),
		                 YX_OK);
		next = full.head.seq + 1;
		sfx_segment_free(&full);
		sfx_segment_free(&stub);
	}
	assert_int_equal(yx_store_digest(a.store, da), YX_OK);
	assert_int_equal(yx_store_digest(b.store, db), YX_OK);
	assert_int_equal(yx_store_digest(c.store, dc), YX_OK);
	assert_memory_equal(da, db, 32);
	assert_memory_equal(da, dc, 32);
	assert_int_equal(yx_store_origin_digest(a.store, origin, da), YX_OK);
	assert_int_equal(yx_store_origin_digest(c.store, origin, dc), YX_OK);
	assert_memory_equal(da, dc, 32);
	/* c holds stubs for the first 4096: those records are not readable there */
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 5030 - YX_HEAD_INTERVAL);
	assert_int_equal(yx_store_verify(b.store, &d), YX_OK);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	/* a different history gives a different digest */
	fx_put_enterprises(&b, 0, 1);
	assert_int_equal(yx_store_digest(b.store, db), YX_OK);
	assert_memory_not_equal(da, db, 32);
	fx_node_close(&a);
	fx_node_close(&b);
	fx_node_close(&c);
}

/* Seq of origin's current version of enterprise i in store; 0 if none is readable. */
static uint64_t enterprise_seq(yx_store_t *store, const uint8_t *origin, uint32_t i)
{
	Yrdx__Change *c = enterprise_get(store, origin, i);
	if (!c)
		return 0;
	uint64_t seq = c->seq;
	yx_change_free(&c);
	return seq;
}

/* Stubs received from a peer that withheld them are filled in when another peer sends the
 * bodies: the records become readable, the holes go, a newer version stays current. */
static void test_stubs_filled(void **state)
{
	(void)state;
	fx_node_t a, c;
	yx_diag_t d = {{0}};
	uint8_t da[32], dc[32];
	fx_node_open(&a, "fill-a");
	fx_node_open(&c, "fill-c");
	fx_put_enterprises(&a, 0, YX_HEAD_INTERVAL); /* seqs 1..4096: one segment */
	fx_put_enterprises(&a, 0, 10);               /* newer versions of 0..9: 4097..4106 */
	/* 20 retracted at 4107: a body filled in later for its old stub must not bring it
	 * back */
	char code20[19];
	yx_batch_t *b = NULL;
	fx_credit_code(20, code20);
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, code20, "closed", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	const uint8_t *origin = yx_identity_public(a.id);
	sfx_segment_t stubs = sfx_segment_read(a.store, origin, 1, true);
	sfx_segment_t newer = sfx_segment_read(a.store, origin, YX_HEAD_INTERVAL + 1, false);
	sfx_segment_t bodies = sfx_segment_read(a.store, origin, 1, false);
	sfx_segment_t tomb = sfx_segment_read(a.store, origin, YX_HEAD_INTERVAL + 11, false);
	yx_remote_t *r = NULL;
	size_t appended = 0;

	assert_int_equal(
	        yx_store_append_verified(c.store, origin, stubs.e, stubs.n, &stubs.head, NULL, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(c.store, origin, newer.e, newer.n, &newer.head, NULL, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(c.store, origin, tomb.e, tomb.n, &tomb.head, NULL, &d),
	        YX_OK);
	Yrdx__Change *t = NULL;
	uint64_t holes[2 * YX_HEAD_INTERVAL], next = 0;
	assert_int_equal(yx_store_holes(c.store, origin, 1, holes, 2 * YX_HEAD_INTERVAL, &next),
	                 YX_HEAD_INTERVAL);
	assert_int_equal(next, UINT64_MAX); /* the whole log looked through */
	assert_int_equal(holes[0], 1);
	assert_int_equal(holes[YX_HEAD_INTERVAL - 1], YX_HEAD_INTERVAL);
	assert_int_equal(yx_store_holes(c.store, origin, 1000, holes, 10, &next), 10);
	assert_int_equal(holes[0], 1000);
	assert_int_equal(holes[9], 1009);
	assert_int_equal(enterprise_seq(c.store, origin, 500), 0); /* withheld: unreadable */

	/* The bodies arrive: the same segment, every entry a change. */
	assert_int_equal(yx_remote_begin(c.store, &r), YX_OK);
	assert_int_equal(
	        yx_remote_append(r, origin, bodies.e, bodies.n, &bodies.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 0);
	assert_int_equal(yx_remote_filled(r), YX_HEAD_INTERVAL);
	assert_int_equal(yx_remote_commit(&r), YX_OK);

	assert_int_equal(yx_store_holes(c.store, origin, 1, holes, 2 * YX_HEAD_INTERVAL, &next), 0);
	assert_int_equal(next, UINT64_MAX);
	assert_int_equal(enterprise_seq(c.store, origin, 500), 501);
	for (uint32_t i = 0; i < 10; i++) /* the newer version stays current */
		assert_int_equal(enterprise_seq(c.store, origin, i), YX_HEAD_INTERVAL + 1 + i);
	assert_int_equal(enterprise_seq(c.store, origin, 20), 0); /* the retraction stands */
	assert_int_equal(
	        yx_store_get_retracted(c.store, NULL, YX_KIND_ENTERPRISE, origin, code20, &t),
	        YX_OK);
	assert_int_equal(t->seq, YX_HEAD_INTERVAL + 11);
	yx_change_free(&t);
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, YX_HEAD_INTERVAL - 1);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(a.store, da), YX_OK);
	assert_int_equal(yx_store_digest(c.store, dc), YX_OK);
	assert_memory_equal(da, dc, 32);
	/* Sent again, nothing more to fill. */
	assert_int_equal(yx_remote_begin(c.store, &r), YX_OK);
	assert_int_equal(
	        yx_remote_append(r, origin, bodies.e, bodies.n, &bodies.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_remote_filled(r), 0);
	yx_remote_abort(&r);
	sfx_segment_free(&stubs);
	sfx_segment_free(&newer);
	sfx_segment_free(&bodies);
	sfx_segment_free(&tomb);
	fx_node_close(&a);
	fx_node_close(&c);
}

/* The write set is applied in key order whatever order its changes came in (the flush
 * sorts it): a batch of enterprises in a seeded random order, every seventh written twice
 * with another incubator. Each record then reads as its last version, and the incubator
 * index holds exactly the last versions: the first ones' entries were never written. */
#define SHUFFLED 3000
static void test_write_set_in_any_order(void **state)
{
	(void)state;
	fx_node_t a;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	uint32_t order[SHUFFLED];
	uint64_t rng = fx_seed("test_store_write: write set in any order");
	fx_node_open(&a, "store-any-order");
	for (uint32_t i = 0; i < SHUFFLED; i++)
		order[i] = i;
	for (uint32_t i = SHUFFLED - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(fx_rand(&rng) % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	for (uint32_t k = 0; k < SHUFFLED; k++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, order[k]);
		snprintf(f.incubator, sizeof(f.incubator), "SH-INC-FIRST");
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		if (yx_batch_put(b, &c, &d) != YX_OK)
			fail_msg("put %u: %s", order[k], d.msg);
		if (order[k] % 7 == 0) {
			snprintf(f.incubator, sizeof(f.incubator), "SH-INC-AGAIN");
			if (yx_batch_put(b, &c, &d) != YX_OK)
				fail_msg("put %u again: %s", order[k], d.msg);
		}
	}
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	size_t twice = (SHUFFLED + 6) / 7, first = 0, again = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-FIRST", 12,
	                               sfx_count_record, &first),
	                 YX_OK);
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-AGAIN", 12,
	                               sfx_count_record, &again),
	                 YX_OK);
	assert_int_equal(again, twice);
	assert_int_equal(first, SHUFFLED - twice);
	for (uint32_t i = 0; i < SHUFFLED; i += 13) {
		Yrdx__Change *got = enterprise_get(a.store, yx_identity_public(a.id), i);
		assert_non_null(got);
		assert_string_equal(got->enterprise->incubator_ids[0],
		                    i % 7 == 0 ? "SH-INC-AGAIN" : "SH-INC-FIRST");
		yx_change_free(&got);
	}
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* Our sharing policy (共享策略) as a batch writes it: the change at seq 4. */
static void put_policy(fx_node_t *n)
{
	static Yrdx__RecordKind kinds[] = {YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR};
	Yrdx__SharingPolicy p = YRDX__SHARING_POLICY__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	p.id = (char *)YX_POLICY_ID;
	p.default_kinds = kinds;
	p.n_default_kinds = 1;
	yx_change_set_body(&c, YX_KIND_POLICY, &p);
	c.id = (char *)YX_POLICY_ID;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("policy: %s", d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

/* The policy a store applies to an origin is the one the origin's latest head names.
 * Every head signs it (version 2), so a relay that sends the policy as a stub is refused;
 * a store that holds it as a stub anyway (taken under a version 1 head, from before)
 * says so (YX_ESTUB: serve withholds everything of that origin) until the body comes. */
static void test_policy_signed(void **state)
{
	(void)state;
	fx_node_t a, r, l;
	yx_diag_t d = {{0}};
	yx_head_t h;
	size_t appended;
	Yrdx__Change *pol = NULL;
	fx_node_open(&a, "policy-src");
	fx_node_open(&r, "policy-relayed");
	fx_node_open(&l, "policy-legacy");
	const uint8_t *origin = yx_identity_public(a.id);

	fx_put_enterprises(&a, 0, 3);
	assert_int_equal(yx_store_policy(a.store, origin, &pol), YX_OK);
	assert_null(pol);             /* none published: the default */
	put_policy(&a);               /* seq 4 */
	fx_put_enterprises(&a, 3, 3); /* 5..7: their head names 4 again */
	assert_int_equal(yx_store_head_find(a.store, origin, 7, &h), YX_OK);
	assert_int_equal(h.version, YX_HEAD_V2);
	assert_int_equal(h.policy_seq, 4);
	assert_int_equal(yx_store_policy(a.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	yx_change_free(&pol);

	sfx_segment_t s1 = sfx_segment_read(a.store, origin, 1, false); /* 1..3 */
	sfx_segment_t s2 = sfx_segment_read(a.store, origin, 4, false); /* 4, the policy */
	sfx_segment_t s3 = sfx_segment_read(a.store, origin, 5, false); /* 5..7 */
	assert_int_equal(s2.head.seq, 4);
	sfx_segment_t stub = sfx_segment_read(a.store, origin, 4, true);

	/* A relay sends the policy as a stub: refused, nothing stored. */
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	sfx_expect_rejected(&r, origin, &stub, YX_EINVAL, "its sharing policy came as a stub");
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s3.e, s3.n, &s3.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(r.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	yx_change_free(&pol);

	/* Under version 1 heads (kept from before) the stub was taken: the store then
	 * applies the policy it holds, which is none... */
	sfx_segment_t old4 = sfx_segment_read(a.store, origin, 4, true);
	fx_head_sign_v1(&old4.head, a.id);
	sfx_segment_t old7 = s3;
	fx_head_sign_v1(&old7.head, a.id);
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_append_verified(l.store, origin, old4.e, old4.n, &old4.head,
	                                          &appended, &d),
	                 YX_OK);
	assert_int_equal(yx_store_append_verified(l.store, origin, old7.e, old7.n, &old7.head,
	                                          &appended, &d),
	                 YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_OK);
	assert_null(pol);
	/* ...until a version 2 head names seq 4: then it knows it does not know. */
	fx_put_enterprises(&a, 6, 1); /* 8 */
	sfx_segment_t s4 = sfx_segment_read(a.store, origin, 8, false);
	assert_int_equal(s4.head.policy_seq, 4);
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s4.e, s4.n, &s4.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_ESTUB);
	assert_null(pol);
	/* The body, from any path: filled, and applied. */
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	assert_int_equal(pol->sharing_policy->n_default_kinds, 1);
	yx_change_free(&pol);
	assert_int_equal(yx_store_verify(l.store, &d), YX_OK);

	sfx_segment_free(&s1);
	sfx_segment_free(&s2);
	sfx_segment_free(&s3);
	sfx_segment_free(&s4);
	sfx_segment_free(&stub);
	sfx_segment_free(&old4);
	fx_node_close(&a);
	fx_node_close(&r);
	fx_node_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append_read_iterate),
	        cmocka_unit_test(test_update_and_retract),
	        cmocka_unit_test(test_holes_scan_bounded),
	        cmocka_unit_test(test_indexes_every_kind),
	        cmocka_unit_test(test_put_if_changed),
	        cmocka_unit_test(test_remote_rejections),
	        cmocka_unit_test(test_digest_equal_with_stubs),
	        cmocka_unit_test(test_stubs_filled),
	        cmocka_unit_test(test_policy_signed),
	        cmocka_unit_test(test_write_set_in_any_order),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
