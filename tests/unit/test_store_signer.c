/* store_signer: key rotation. The own log's signer keys, which key may write when, heads
 * verified by the store's own record of its rotation or by the charter's signer rule; and
 * what other stores take of a rotated log, with that rule and without. Real LMDB in
 * scratch directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "store.h"
#include "store_fx.h"

static void expect_verify(yx_store_t *store, int err, const char *msg_part)
{
	yx_diag_t d = {{0}};
	int ret = yx_store_verify(store, &d);
	if (ret != err)
		fail_msg("verify: expected %s, got %s (%s)", yx_strerror(err), yx_strerror(ret),
		         d.msg);
	if (msg_part)
		assert_non_null(strstr(d.msg, msg_part));
}

/* A node's log written under key A up to seq 30 and under key B after: the origin stays
 * A in every change and head, B signs the heads past 30, A can no longer write, and the
 * store verifies — by the rule it keeps of its own rotation, across a reopen, and by the
 * charter's rule saying the same; a rule saying otherwise finds B's heads bad. */
static void test_rotation_own_log(void **state)
{
	(void)state;
	fx_node_t a;
	yx_identity_t *key_a, *key_b = NULL, *key_c = NULL;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	yx_signer_t signers[YX_MAX_SIGNERS];
	size_t n = 0;
	uint8_t origin[YX_KEY_BYTES];
	fx_node_open(&a, "store-rot");
	key_a = a.id;
	memcpy(origin, yx_identity_public(key_a), YX_KEY_BYTES);
	assert_int_equal(yx_identity_generate(&key_b), YX_OK);
	assert_int_equal(yx_identity_generate(&key_c), YX_OK);

	/* Nothing to rotate before the store has a log of its own. */
	assert_int_equal(yx_store_set_signer(a.store, 0, yx_identity_public(key_b), &d),
	                 YX_ENOTFOUND);
	fx_put_enterprises(&a, 0, 20);
	fx_put_enterprises(&a, 20, 10); /* A's log ends at seq 30 */
	assert_int_equal(yx_store_signers(a.store, signers, YX_MAX_SIGNERS, &n), YX_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(signers[0].key, origin, YX_KEY_BYTES);

	/* Refused: a rotation under entries A signed already, and A's own key again. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(yx_store_set_signer(a.store, 20, yx_identity_public(key_b), &d),
	                 YX_EINVAL);
	assert_non_null(strstr(d.msg, "holds seq 30 already"));
	assert_int_equal(yx_store_set_signer(a.store, 30, origin, &d), YX_EINVAL);
	/* B from seq 31 on; recorded once, whatever the repeats. */
	assert_int_equal(yx_store_set_signer(a.store, 30, yx_identity_public(key_b), &d), YX_OK);
	assert_int_equal(yx_store_set_signer(a.store, 30, yx_identity_public(key_b), &d), YX_OK);
	memset(&d, 0, sizeof(d));
	assert_int_equal(yx_store_set_signer(a.store, 30, yx_identity_public(key_c), &d),
	                 YX_EINVAL);
	assert_non_null(strstr(d.msg, "the last one was after seq 30"));
	assert_int_equal(yx_store_signers(a.store, signers, YX_MAX_SIGNERS, &n), YX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(signers[1].after_seq, 30);
	assert_memory_equal(signers[1].key, yx_identity_public(key_b), YX_KEY_BYTES);

	/* A (rotated away from) and C (never the log's) cannot write; B can. */
	assert_int_equal(yx_batch_begin(a.store, key_a, &b), YX_EKEY);
	assert_int_equal(yx_batch_begin(a.store, key_c, &b), YX_EKEY);
	assert_null(b);
	a.id = key_b;
	yx_head_t h = fx_put_enterprises(&a, 30, 15);
	assert_int_equal(h.seq, 45);
	assert_memory_equal(h.origin, origin, YX_KEY_BYTES);
	assert_int_equal(yx_head_verify_by(&h, yx_identity_public(key_b)), YX_OK);
	assert_int_equal(yx_head_verify(&h), YX_ESIG); /* not A's signature */
	yx_head_t before;
	assert_int_equal(yx_store_head_find(a.store, origin, 30, &before), YX_OK);
	assert_int_equal(before.seq, 30);
	assert_int_equal(yx_head_verify(&before), YX_OK); /* A's heads stay A's */

	/* B's records are the origin's: found under A, and they name A. */
	fx_enterprise_t f;
	Yrdx__Change *c = NULL;
	fx_enterprise_init(&f, 40);
	assert_int_equal(yx_store_get(a.store, YX_KIND_ENTERPRISE, origin, f.code, &c), YX_OK);
	assert_memory_equal(c->origin.data, origin, YX_KEY_BYTES);
	assert_int_equal(c->seq, 41);
	yx_change_free(&c);
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(a.store, yx_identity_public(key_b), &tip), YX_ENOTFOUND);

	/* The store believes its own rotation, also opened afresh and read-only. */
	expect_verify(a.store, YX_OK, NULL);
	yx_store_close(&a.store);
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_OK);
	expect_verify(a.store, YX_OK, NULL);
	yx_store_close(&a.store);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);

	/* The charter's rule: the same answer; a rule that knows no rotation: B's heads
	 * are bad. */
	fx_rotated_t r = {.after = 30};
	memcpy(r.origin, origin, YX_KEY_BYTES);
	memcpy(r.next, yx_identity_public(key_b), YX_KEY_BYTES);
	yx_rules_t rules = {.signer = fx_rotated_signer, .arg = &r};
	yx_store_set_rules(a.store, &rules);
	expect_verify(a.store, YX_OK, NULL);
	r.after = 45; /* A up to 45 */
	expect_verify(a.store, YX_ESIG, "head at seq 45 does not verify");
	yx_store_set_rules(a.store, NULL);
	expect_verify(a.store, YX_OK, NULL);

	/* The rotation goes on: B writes again, C after a second rotation. */
	fx_put_enterprises(&a, 45, 5);
	assert_int_equal(yx_store_set_signer(a.store, 50, yx_identity_public(key_c), &d), YX_OK);
	assert_int_equal(yx_batch_begin(a.store, key_b, &b), YX_EKEY);
	a.id = key_c;
	fx_put_enterprises(&a, 50, 5);
	expect_verify(a.store, YX_OK, NULL);
	assert_int_equal(yx_store_tip(a.store, origin, &tip), YX_OK);
	assert_int_equal(tip.seq, 55);

	a.id = key_a;
	yx_identity_free(&key_b);
	yx_identity_free(&key_c);
	fx_node_close(&a);
}

/* What other stores take of a rotated log: with the charter's rule (A up to seq 30, B
 * after), A's segment up to 30 and B's after it; not a segment past 30 signed by A (the
 * old key writing on, from a copy of the store made before the rotation), which leaves
 * the store unchanged. Without the rule, B's heads are refused: the rule is what makes B
 * valid. */
static void test_rotation_received(void **state)
{
	(void)state;
	fx_node_t a, old, r, bare;
	yx_identity_t *key_b = NULL;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	uint8_t origin[YX_KEY_BYTES];
	fx_node_open(&a, "store-rot-src");
	fx_node_open(&r, "store-rot-dst");
	fx_node_open(&bare, "store-rot-bare");
	memcpy(origin, yx_identity_public(a.id), YX_KEY_BYTES);
	assert_int_equal(yx_identity_generate(&key_b), YX_OK);
	fx_put_enterprises(&a, 0, 30);

	/* A copy made before the rotation: the old key writes on there. */
	old.dir = fx_tmpdir("store-rot-old");
	assert_int_equal(yx_store_backup(a.store, old.dir, &d), YX_OK);
	assert_int_equal(yx_store_open(old.dir, 0, 0, &old.store, &d), YX_OK);
	old.id = a.id;
	fx_put_enterprises(&old, 1000, 10);

	assert_int_equal(yx_store_set_signer(a.store, 30, yx_identity_public(key_b), &d), YX_OK);
	yx_identity_t *key_a = a.id;
	a.id = key_b;
	fx_put_enterprises(&a, 30, 10);

	fx_rotated_t rule = {.after = 30};
	memcpy(rule.origin, origin, YX_KEY_BYTES);
	memcpy(rule.next, yx_identity_public(key_b), YX_KEY_BYTES);
	yx_rules_t rules = {.signer = fx_rotated_signer, .arg = &rule};
	yx_store_set_rules(r.store, &rules);

	sfx_segment_t s1 = sfx_segment_read(a.store, origin, 1, false);    /* 1..30, A */
	sfx_segment_t s2 = sfx_segment_read(a.store, origin, 31, false);   /* 31..40, B */
	sfx_segment_t f2 = sfx_segment_read(old.store, origin, 31, false); /* 31..40, A */
	assert_int_equal(s1.head.seq, 30);
	assert_int_equal(s2.head.seq, 40);
	assert_int_equal(f2.head.seq, 40);

	/* Up to the rotation, A's segment stands at both. */
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 30);
	assert_int_equal(
	        yx_store_append_verified(bare.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	/* Past it, A's signature is refused, the store left as it was. */
	sfx_expect_rejected(&r, origin, &f2, YX_ESIG, "head at seq 40 has a bad signature");
	/* B's is taken with the rule, refused without it. */
	sfx_expect_rejected(&bare, origin, &s2, YX_ESIG, "head at seq 40 has a bad signature");
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 10);
	/* ... and once B's log is held, A's fork of it is refused still. */
	sfx_expect_rejected(&r, origin, &f2, YX_ESIG, "bad signature");

	/* r holds what a holds of the origin, and verifies with the rule only. */
	uint8_t da[32], dr[32];
	assert_int_equal(yx_store_origin_digest(a.store, origin, da), YX_OK);
	assert_int_equal(yx_store_origin_digest(r.store, origin, dr), YX_OK);
	assert_memory_equal(da, dr, 32);
	expect_verify(r.store, YX_OK, NULL);
	yx_store_set_rules(r.store, NULL);
	expect_verify(r.store, YX_ESIG, "head at seq 40 does not verify");
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(bare.store, origin, &tip), YX_OK);
	assert_int_equal(tip.seq, 30);

	sfx_segment_free(&s1);
	sfx_segment_free(&s2);
	sfx_segment_free(&f2);
	yx_store_close(&old.store);
	fx_rmtree(old.dir);
	free(old.dir);
	a.id = key_a;
	yx_identity_free(&key_b);
	fx_node_close(&a);
	fx_node_close(&r);
	fx_node_close(&bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rotation_own_log),
	        cmocka_unit_test(test_rotation_received),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
