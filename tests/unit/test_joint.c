/* Joint-agreement derivation: the same state from the same participations in any order;
 * active only once every party signed; participations by non-parties or with other terms
 * never counted; the terms are those of the participation the id names by key and seq,
 * so no one reusing the id takes the agreement over; the loader returns what a store
 * holds, with its chain hashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "joint.h"

/* The agreement A's participation at seq 1 (participation 0 below) opens. */
#define ID "shanghai-J1-4141414141414141"

typedef struct {
	Yrdx__JointParticipation jp;
	uint8_t keys[4][32];
	ProtobufCBinaryData parties[4];
	char *incubators[3];
} part_store_t;

static part_store_t store[8];
static yx_joint_part_t parts[8];
static char code[19], other_code[19];
static char *incubator_ids[3] = {"SH-INC-0001", "HF-INC-0002", "SZ-INC-0003"};

/* Participation i by author (a node letter 'A'..'D') listing the nodes in who (letters)
 * as parties; its chain hash is hash_byte repeated. Node 'A' is key 0x41.., and so on. */
static void mk(int i, char author, const char *who, uint8_t hash_byte)
{
	part_store_t *s = &store[i];
	yx_joint_part_t *p = &parts[i];
	memset(s, 0, sizeof(*s));
	memset(p, 0, sizeof(*p));
	yrdx__joint_participation__init(&s->jp);
	s->jp.id = ID;
	for (size_t k = 0; who[k]; k++) {
		memset(s->keys[k], who[k], 32);
		s->parties[k] = (ProtobufCBinaryData){32, s->keys[k]};
	}
	s->jp.n_parties = strlen(who);
	s->jp.parties = s->parties;
	memcpy(s->incubators, incubator_ids, sizeof(s->incubators));
	s->jp.incubator_ids = s->incubators;
	s->jp.n_incubator_ids = 2;
	s->jp.credit_code = code;
	s->jp.incubator_id = incubator_ids[0];
	s->jp.role = "co-incubator";
	memset(p->origin, author, 32);
	p->seq = (uint64_t)i + 1;
	memset(p->hash, hash_byte, 32);
	p->jp = &s->jp;
}

static const uint8_t *key(char node)
{
	static uint8_t k[32];
	memset(k, node, 32);
	return k;
}

static int setup(void **state)
{
	(void)state;
	fx_credit_code(7, code);
	fx_credit_code(8, other_code);
	return 0;
}

/* Derives from parts permuted by perm; checks the outcome is the expected one. */
static void derive_permuted(const int *perm, int n, size_t want_signed, bool want_active)
{
	yx_joint_part_t shuffled[8];
	yx_joint_t j;
	for (int i = 0; i < n; i++)
		shuffled[i] = parts[perm[i]];
	assert_int_equal(yx_joint_derive(shuffled, (size_t)n, ID, &j), YX_OK);
	assert_int_equal(j.n_signed, want_signed);
	assert_int_equal(j.active, want_active);
	/* parties come out sorted by key, whatever the order of the input */
	for (size_t k = 1; k < j.n_parties; k++)
		assert_true(memcmp(j.parties[k - 1].key, j.parties[k].key, 32) < 0);
}

static void permute_all(int *a, int k, int n, size_t want_signed, bool want_active)
{
	if (k == n) {
		derive_permuted(a, n, want_signed, want_active);
		return;
	}
	for (int i = k; i < n; i++) {
		int t = a[k];
		a[k] = a[i];
		a[i] = t;
		permute_all(a, k + 1, n, want_signed, want_active);
		a[i] = a[k];
		a[k] = t;
	}
}

static void test_active_once_every_party_signed(void **state)
{
	(void)state;
	yx_joint_t j;
	mk(0, 'A', "ABC", 0x50);
	assert_int_equal(yx_joint_derive(parts, 1, ID, &j), YX_OK);
	assert_int_equal(j.n_parties, 3);
	assert_int_equal(j.n_signed, 1);
	assert_false(j.active);
	assert_ptr_equal(j.terms, &parts[0]);
	assert_ptr_equal(yx_joint_party(&j, key('A'))->part, &parts[0]);
	assert_null(yx_joint_party(&j, key('B'))->part);
	assert_null(yx_joint_party(&j, key('D')));
	mk(1, 'C', "ABC", 0x51);
	assert_int_equal(yx_joint_derive(parts, 2, ID, &j), YX_OK);
	assert_int_equal(j.n_signed, 2);
	assert_false(j.active);
	mk(2, 'B', "CBA", 0x52); /* the same parties, listed in another order */
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_int_equal(j.n_signed, 3);
	assert_true(j.active);
	for (int i = 0; i < 3; i++) {
		assert_true(parts[i].counted);
		assert_null(parts[i].note);
	}
}

static void test_order_independent(void **state)
{
	(void)state;
	int perm[5] = {0, 1, 2, 3, 4};
	mk(0, 'A', "ABC", 0x50);
	mk(1, 'B', "ABC", 0x51);
	mk(2, 'C', "ABC", 0x52);
	mk(3, 'D', "ABC", 0x10); /* not a party, with the lowest hash */
	mk(4, 'C', "ACD", 0x11); /* C again, other parties (never from a store; ignored) */
	permute_all(perm, 0, 5, 3, true);
	/* without C's consistent one: pending, in any order */
	int perm4[4] = {0, 1, 3, 4};
	permute_all(perm4, 0, 4, 2, false);
}

static void test_non_party_ignored(void **state)
{
	(void)state;
	yx_joint_t j;
	mk(0, 'A', "AB", 0x50);
	mk(1, 'D', "AB", 0x20); /* D copies the terms but is no party */
	assert_int_equal(yx_joint_derive(parts, 2, ID, &j), YX_OK);
	assert_int_equal(j.n_parties, 2);
	assert_int_equal(j.n_signed, 1);
	assert_false(j.active);
	assert_false(parts[1].counted);
	assert_string_equal(parts[1].note, "written by a node that is not one of its parties");
	mk(2, 'B', "AB", 0x52);
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_true(j.active);
	assert_false(parts[1].counted);
	/* only a non-party's participation: no agreement */
	assert_int_equal(yx_joint_derive(parts + 1, 1, ID, &j), YX_ENOTFOUND);
	assert_int_equal(yx_joint_derive(parts, 0, ID, &j), YX_ENOTFOUND);
}

static void test_inconsistent_terms_ignored(void **state)
{
	(void)state;
	yx_joint_t j;
	mk(0, 'A', "ABC", 0x50);
	mk(1, 'B', "ABC", 0x51);
	mk(2, 'C', "AC", 0x10); /* C signs a smaller agreement, lower hash */
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_int_equal(j.n_parties, 3); /* two signers beat one */
	assert_int_equal(j.n_signed, 2);
	assert_false(j.active);
	assert_false(parts[2].counted);
	assert_non_null(strstr(parts[2].note, "differ from the agreement's"));
	assert_null(yx_joint_party(&j, key('C'))->part);

	/* another enterprise is other terms too */
	mk(2, 'C', "ABC", 0x52);
	store[2].jp.credit_code = other_code;
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_false(j.active);
	assert_false(parts[2].counted);
	/* ... and other incubators; their order does not matter */
	mk(2, 'C', "ABC", 0x52);
	store[2].jp.n_incubator_ids = 3;
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_false(j.active);
	mk(2, 'C', "ABC", 0x52);
	store[2].incubators[0] = incubator_ids[1];
	store[2].incubators[1] = incubator_ids[0];
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_true(j.active);

	/* two sets of terms with one signer each: the proposer's, whatever the hashes, alike
	 * in any order */
	mk(0, 'A', "AB", 0x50);
	mk(1, 'B', "ABC", 0x30);
	int perm[2] = {0, 1};
	permute_all(perm, 0, 2, 1, false);
	assert_int_equal(yx_joint_derive(parts, 2, ID, &j), YX_OK);
	assert_int_equal(j.n_parties, 2);
	assert_true(parts[0].counted);
	assert_false(parts[1].counted);
}

static void test_reused_id_takes_nothing_over(void **state)
{
	(void)state;
	yx_joint_t j;
	/* A proposes to B, who has not signed yet; C and D, members but no parties, publish
	 * a complete agreement of their own under the same id, with lower hashes. The
	 * agreement stays A's, pending, in any order; B can still sign it. */
	mk(0, 'A', "AB", 0x50);
	mk(1, 'C', "CD", 0x10);
	mk(2, 'D', "CD", 0x11);
	int perm[3] = {0, 1, 2};
	permute_all(perm, 0, 3, 1, false);
	assert_int_equal(yx_joint_derive(parts, 3, ID, &j), YX_OK);
	assert_ptr_equal(j.terms, &parts[0]);
	assert_int_equal(j.n_parties, 2);
	assert_non_null(yx_joint_party(&j, key('B')));
	assert_null(yx_joint_party(&j, key('C')));
	assert_false(parts[1].counted || parts[2].counted);
	assert_non_null(strstr(parts[1].note, "differ from the agreement's"));
	mk(3, 'B', "AB", 0x52);
	int perm4[4] = {0, 1, 2, 3};
	permute_all(perm4, 0, 4, 2, true);
	/* Without the participation the id names, the others open nothing: not C's and D's
	 * complete one, not even B's copy of A's terms. */
	assert_int_equal(yx_joint_derive(parts + 1, 3, ID, &j), YX_ENOTFOUND);
	/* A's own participation under the id, at another seq than the id names: none. */
	parts[0].seq = 2;
	assert_int_equal(yx_joint_derive(parts, 1, ID, &j), YX_ENOTFOUND);
	parts[0].seq = 1;
	/* An id without a fingerprint names no agreement. */
	store[0].jp.id = "shanghai-J1";
	assert_int_equal(yx_joint_derive(parts, 1, "shanghai-J1", &j), YX_ENOTFOUND);
	assert_non_null(strstr(parts[0].note, "names no key"));
}

static void test_agreement_id(void **state)
{
	(void)state;
	uint8_t fp[YX_KEYID_FP_BYTES];
	uint64_t seq = 0;
	char id[80];
	assert_true(yx_joint_id_make("shanghai", key('A'), 7, id, sizeof(id)));
	assert_string_equal(id, "shanghai-J7-4141414141414141");
	assert_true(yx_joint_id_parse(id, &seq, fp));
	assert_int_equal(seq, 7);
	assert_memory_equal(fp, key('A'), YX_KEYID_FP_BYTES);
	assert_false(yx_joint_id_parse("shanghai-J7", &seq, fp));
	assert_false(yx_joint_id_parse("shanghai-7-4141414141414141", &seq, fp)); /* a case */
	assert_false(yx_joint_id_parse("-J7-4141414141414141", &seq, fp));
	assert_false(yx_joint_id_parse("shanghai-J07-4141414141414141", &seq, fp));
	assert_false(yx_joint_id_make("shanghai", key('A'), 7, id, 64));
}

static void test_complete_terms_win(void **state)
{
	(void)state;
	yx_joint_t j;
	/* A and B complete their two-party agreement; C and D sign a four-party one under
	 * the same id (as a node reusing the id would), with lower hashes. The complete one
	 * is the agreement, though the other has as many signers. */
	mk(0, 'A', "AB", 0x50);
	mk(1, 'B', "AB", 0x51);
	mk(2, 'C', "ABCD", 0x10);
	mk(3, 'D', "ABCD", 0x11);
	int perm[4] = {0, 1, 2, 3};
	permute_all(perm, 0, 4, 2, true);
	assert_int_equal(yx_joint_derive(parts, 4, ID, &j), YX_OK);
	assert_int_equal(j.n_parties, 2);
	assert_false(parts[2].counted);
	assert_false(parts[3].counted);
}

static void test_other_agreements_left_alone(void **state)
{
	(void)state;
	yx_joint_t j;
	mk(0, 'A', "AB", 0x50);
	mk(1, 'B', "AB", 0x51);
	store[1].jp.id = "hefei-J3";
	parts[1].note = "untouched";
	assert_int_equal(yx_joint_derive(parts, 2, ID, &j), YX_OK);
	assert_int_equal(j.n_signed, 1);
	assert_false(j.active);
	assert_string_equal(parts[1].note, "untouched");
	assert_false(parts[1].counted);
	/* malformed party lists are never counted */
	mk(0, 'A', "AA", 0x50);
	assert_int_equal(yx_joint_derive(parts, 1, ID, &j), YX_ENOTFOUND);
	assert_string_equal(parts[0].note, "malformed parties list");
	mk(0, 'A', "AB", 0x50);
	store[0].parties[1].len = 31;
	assert_int_equal(yx_joint_derive(parts, 1, ID, &j), YX_ENOTFOUND);
}

static void test_same_terms(void **state)
{
	(void)state;
	mk(0, 'A', "ABC", 0x50);
	mk(1, 'B', "CAB", 0x51);
	assert_true(yx_joint_same_terms(&store[0].jp, &store[1].jp));
	mk(1, 'B', "ABD", 0x51);
	assert_false(yx_joint_same_terms(&store[0].jp, &store[1].jp));
	mk(1, 'B', "AB", 0x51);
	assert_false(yx_joint_same_terms(&store[0].jp, &store[1].jp));
	assert_false(yx_joint_same_terms(&store[1].jp, &store[0].jp));
}

/* The loader, on a real store: this node's participations with their chain hashes, the
 * agreement filter, and other kinds left out. */
static void test_load_from_store(void **state)
{
	(void)state;
	yx_diag_t d = {{0}};
	yx_store_t *st = NULL;
	yx_identity_t *id = NULL, *other = NULL;
	yx_batch_t *b = NULL;
	yx_joint_parts_t loaded;
	fx_incubator_t inc;
	char *dir = fx_tmpdir("joint-load");
	assert_int_equal(yx_store_open(dir, YX_STORE_CREATE, 0, &st, &d), YX_OK);
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	/* two agreements between this node and another, and an incubator */
	assert_int_equal(yx_batch_begin(st, id, &b), YX_OK);
	char id1[80], id2[80];
	assert_true(yx_joint_id_make("shanghai", yx_identity_public(id), 1, id1, sizeof(id1)));
	assert_true(yx_joint_id_make("shanghai", yx_identity_public(id), 2, id2, sizeof(id2)));
	const char *ids[2] = {id1, id2};
	for (int i = 0; i < 2; i++) {
		Yrdx__Change c = YRDX__CHANGE__INIT;
		mk(i, 'A', "AB", 0);
		store[i].jp.id = (char *)ids[i];
		memcpy(store[i].keys[0], yx_identity_public(id), 32);
		memcpy(store[i].keys[1], yx_identity_public(other), 32);
		yx_change_set_body(&c, YX_KIND_JOINT, &store[i].jp);
		c.id = store[i].jp.id;
		assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	}
	fx_incubator_init(&inc, 1);
	Yrdx__Change ci = YRDX__CHANGE__INIT;
	yx_change_set_body(&ci, YX_KIND_INCUBATOR, &inc.inc);
	ci.id = inc.inc.id;
	assert_int_equal(yx_batch_put(b, &ci, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);

	assert_int_equal(yx_joint_parts_load(st, NULL, &loaded), YX_OK);
	assert_int_equal(loaded.n, 2);
	yx_joint_parts_free(&loaded);
	assert_int_equal(yx_joint_parts_load(st, id1, &loaded), YX_OK);
	assert_int_equal(loaded.n, 1);
	yx_joint_part_t *p = &loaded.parts[0];
	uint8_t h[32];
	assert_memory_equal(p->origin, yx_identity_public(id), 32);
	assert_int_equal(yx_store_hash(st, p->origin, p->seq, h), YX_OK);
	assert_memory_equal(p->hash, h, 32);
	assert_string_equal(p->jp->credit_code, code);
	yx_joint_t j;
	assert_int_equal(yx_joint_derive(loaded.parts, loaded.n, id1, &j), YX_OK);
	assert_int_equal(j.n_signed, 1);
	assert_false(j.active);
	assert_null(yx_joint_party(&j, yx_identity_public(other))->part);
	yx_joint_parts_free(&loaded);
	yx_joint_parts_free(&loaded); /* freeing twice is harmless */
	assert_int_equal(yx_joint_parts_load(st, "nobody-J1", &loaded), YX_OK);
	assert_int_equal(loaded.n, 0);
	yx_joint_parts_free(&loaded);

	yx_store_close(&st);
	yx_identity_free(&id);
	yx_identity_free(&other);
	fx_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_active_once_every_party_signed),
	        cmocka_unit_test(test_order_independent),
	        cmocka_unit_test(test_non_party_ignored),
	        cmocka_unit_test(test_inconsistent_terms_ignored),
	        cmocka_unit_test(test_complete_terms_win),
	        cmocka_unit_test(test_reused_id_takes_nothing_over),
	        cmocka_unit_test(test_agreement_id),
	        cmocka_unit_test(test_other_agreements_left_alone),
	        cmocka_unit_test(test_same_terms),
	        cmocka_unit_test(test_load_from_store),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
