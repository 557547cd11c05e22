/* charter_votes: the next version adopted from the members' votes (yx_charter_adopt),
 * round by round, the same in every order of arrival; the votes that count for nothing
 * (outsiders, wrong signers, forgeries, altered or invalid proposals, a rotated key's own
 * "log"); and what a vote is called, its record id. Real Ed25519 keys throughout
 * (yx_identity_generate); the fixtures in charter_fx.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "charter_fx.h"
#include "fixtures.h"

static yx_vote_t vote_of(const yx_charter_t *proposal, int member, uint64_t seq)
{
	yx_vote_t v;
	memset(&v, 0, sizeof(v));
	memcpy(v.origin, cfx_pk(member), 32);
	v.seq = seq;
	v.charter = proposal->bytes;
	v.len = proposal->len;
	memcpy(v.signer, cfx_pk(member), 32);
	yx_charter_sign(proposal->hash, cfx_ids[member], v.signature);
	return v;
}

/* The two competing proposals for version 2 after v1: A admits ningbo, B moves hefei. */
typedef struct {
	yx_charter_t *v1, *a, *b;
} contest_t;

static void contest_init(contest_t *t)
{
	cfx_raw_t r;
	t->v1 = cfx_founding();
	cfx_v2_raw(&r, t->v1);
	t->a = cfx_raw_decode(&r);
	cfx_raw_init(&r, 2, t->v1->hash, 3, cfx_five, 5);
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	t->b = cfx_raw_decode(&r);
}

static void contest_free(contest_t *t)
{
	yx_charter_free(&t->a);
	yx_charter_free(&t->b);
	yx_charter_free(&t->v1);
}

/* adopt() gives want (NULL: nothing) signed by exactly the cities who[0..n). */
static void adopt_is(const yx_charter_t *cur, const yx_vote_t *votes, size_t n_votes,
                     const yx_charter_t *want, const int *who, size_t n)
{
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n_sigs = 0;
	int ret = yx_charter_adopt(cur, votes, n_votes, &next, &sigs, &n_sigs, NULL);
	if (!want) {
		assert_int_equal(ret, YX_ENOTFOUND);
		assert_null(next);
		return;
	}
	assert_int_equal(ret, YX_OK);
	assert_memory_equal(next->hash, want->hash, 32);
	assert_int_equal(next->len, want->len);
	assert_memory_equal(next->bytes, want->bytes, want->len);
	assert_int_equal(n_sigs, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < n_sigs; k++)
			found |= sigs[k]->key.len == 32 &&
			         memcmp(sigs[k]->key.data, cfx_pk(who[i]), 32) == 0;
		if (!found)
			print_error("no signature of %s among the %zu adopted\n", cfx_names[who[i]],
			            n_sigs);
		assert_true(found);
	}
	/* what was adopted passes the checks of a next version */
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_check_next(cur, next, sigs, n_sigs, &diag), YX_OK);
	yx_charter_sigs_free(sigs, n_sigs);
	yx_charter_free(&next);
}

/* Six votes: A by shanghai (seq 5), hangzhou (seq 3) and nanjing (seq 9); B by hefei
 * (seq 4), suzhou (seq 2) and hangzhou again (seq 7, after its vote for A: not counted).
 * A has 3 of threshold 3; B 2, or 3 if hangzhou's later vote were counted. */
static void contest_votes(const contest_t *t, yx_vote_t v[6])
{
	v[0] = vote_of(t->a, 0, 5);
	v[1] = vote_of(t->a, 1, 3);
	v[2] = vote_of(t->b, 2, 4);
	v[3] = vote_of(t->b, 3, 2);
	v[4] = vote_of(t->b, 1, 7);
	v[5] = vote_of(t->a, 4, 9);
}

static const int a_signers[3] = {0, 1, 4};

static size_t permutations;

static void adopt_every_order(const contest_t *t, yx_vote_t *v, int k, int n)
{
	if (k == n) {
		adopt_is(t->v1, v, (size_t)n, t->a, a_signers, 3);
		permutations++;
		return;
	}
	for (int i = k; i < n; i++) {
		yx_vote_t tmp = v[k];
		v[k] = v[i];
		v[i] = tmp;
		adopt_every_order(t, v, k + 1, n);
		v[i] = v[k];
		v[k] = tmp;
	}
}

static void test_adopt_every_order(void **state)
{
	(void)state;
	contest_t t;
	yx_vote_t v[6];
	contest_init(&t);
	contest_votes(&t, v);
	permutations = 0;
	adopt_every_order(&t, v, 0, 6);
	assert_int_equal(permutations, 720);
	contest_free(&t);
}

static void test_adopt_competing(void **state)
{
	(void)state;
	contest_t t;
	yx_vote_t v[8];
	contest_init(&t);
	contest_votes(&t, v);
	/* without nanjing's vote neither has the threshold */
	yx_vote_t w[5] = {v[0], v[1], v[2], v[3], v[4]};
	adopt_is(t.v1, w, 5, NULL, NULL, 0);
	/* hangzhou's first vote is for B now (seq 1): B wins, A has 2 */
	w[1].seq = 8;
	w[4].seq = 1;
	adopt_is(t.v1, w, 5, t.b, (const int[]){1, 2, 3}, 3);
	/* no votes, and votes for nothing but the current version */
	adopt_is(t.v1, NULL, 0, NULL, NULL, 0);
	yx_vote_t cur[3] = {vote_of(t.v1, 0, 1), vote_of(t.v1, 1, 1), vote_of(t.v1, 2, 1)};
	adopt_is(t.v1, cur, 3, NULL, NULL, 0);
	/* all five for A: every signature counted */
	yx_vote_t all[5];
	for (int i = 0; i < 5; i++)
		all[i] = vote_of(t.a, i, 10 + (uint64_t)i);
	adopt_is(t.v1, all, 5, t.a, cfx_five, 5);
	/* one vote given twice (the same record from two paths) counts once */
	yx_vote_t twice[4] = {v[0], v[0], v[1], v[1]};
	adopt_is(t.v1, twice, 4, NULL, NULL, 0);
	contest_free(&t);
}

static void test_adopt_ignores_outsiders(void **state)
{
	(void)state;
	contest_t t;
	contest_init(&t);
	yx_vote_t v[6];
	v[0] = vote_of(t.a, 0, 5);
	v[1] = vote_of(t.a, 1, 3);
	/* ningbo, admitted by A, votes for it: not a member of version 1 */
	v[2] = vote_of(t.a, 5, 1);
	/* a stranger */
	v[3] = vote_of(t.a, CFX_STRANGER, 1);
	/* hefei's signature found in suzhou's log: a wrong signer */
	v[4] = vote_of(t.a, 2, 6);
	memcpy(v[4].origin, cfx_pk(3), 32);
	/* nanjing's vote with a forged signature */
	v[5] = vote_of(t.a, 4, 2);
	v[5].signature[0] ^= 0x80;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* suzhou's log holding a vote signed by suzhou but naming hefei as signer */
	v[4] = vote_of(t.a, 3, 6);
	memcpy(v[4].signer, cfx_pk(2), 32);
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* the proposal's bytes altered under a valid signature */
	uint8_t *copy = malloc(t.a->len);
	assert_non_null(copy);
	memcpy(copy, t.a->bytes, t.a->len);
	copy[t.a->len - 1] ^= 1;
	v[4] = vote_of(t.a, 3, 6);
	v[4].charter = copy;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* garbage as the proposal */
	v[4].len = 3;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* the third valid vote makes it */
	v[5] = vote_of(t.a, 4, 2);
	adopt_is(t.v1, v, 6, t.a, a_signers, 3);
	free(copy);
	contest_free(&t);
}

static void test_adopt_invalid_proposal(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding();
	cfx_raw_t r;
	/* every member votes for a version that drops hefei: it can never be adopted */
	static const int no_hefei[4] = {0, 1, 3, 4};
	cfx_raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	yx_charter_t *drop = cfx_raw_decode(&r);
	yx_vote_t v[5];
	for (int i = 0; i < 5; i++)
		v[i] = vote_of(drop, i, 1);
	adopt_is(v1, v, 5, NULL, NULL, 0);
	/* such a vote is no vote: a member's later vote for a valid proposal is its first */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	r.c.summary = "hefei moves";
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	yx_charter_t *move = cfx_raw_decode(&r);
	yx_vote_t w[6] = {
	        v[0], v[1], v[2], vote_of(move, 0, 2), vote_of(move, 1, 2), vote_of(move, 2, 2)};
	adopt_is(v1, w, 6, move, (const int[]){0, 1, 2}, 3);
	yx_charter_free(&move);
	/* nor a version 3, nor one with another previous hash */
	cfx_raw_init(&r, 3, v1->hash, 3, cfx_five, 5);
	yx_charter_t *skip = cfx_raw_decode(&r);
	for (int i = 0; i < 5; i++)
		v[i] = vote_of(skip, i, 1);
	adopt_is(v1, v, 5, NULL, NULL, 0);
	yx_charter_free(&skip);
	yx_charter_free(&drop);
	yx_charter_free(&v1);
}

static void test_adopt_after_rotation(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding();
	cfx_raw_t r;
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 40, yx_identity_public(cfx_rotated));
	yx_charter_t *v2 = cfx_raw_decode(&r);
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 40, yx_identity_public(cfx_rotated));
	r.c.summary = "nanjing moves";
	snprintf(r.ep[4], sizeof(r.ep[4]), "tcp://10.0.0.5:7401");
	yx_charter_t *v3 = cfx_raw_decode(&r);
	/* shanghai's vote in its log (origin: its first key) signed with its old key */
	yx_vote_t v[3] = {vote_of(v3, 0, 41), vote_of(v3, 1, 2), vote_of(v3, 2, 2)};
	adopt_is(v2, v, 3, NULL, NULL, 0);
	/* ... and with its new key */
	memcpy(v[0].signer, yx_identity_public(cfx_rotated), 32);
	yx_charter_sign(v3->hash, cfx_rotated, v[0].signature);
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n = 0;
	assert_int_equal(yx_charter_adopt(v2, v, 3, &next, &sigs, &n, NULL), YX_OK);
	assert_memory_equal(next->hash, v3->hash, 32);
	assert_int_equal(n, 3);
	yx_charter_sigs_free(sigs, n);
	yx_charter_free(&next);
	/* a vote in the new key's "log" is no member's log */
	memcpy(v[0].origin, yx_identity_public(cfx_rotated), 32);
	adopt_is(v2, v, 3, NULL, NULL, 0);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* Rounds: a round every active member voted in without a proposal reaching the threshold
 * is spent, and votes of the next round decide; votes of a round not yet open wait. */
static void test_adopt_rounds(void **state)
{
	(void)state;
	contest_t t;
	contest_init(&t);
	cfx_raw_t r;
	cfx_raw_init(&r, 2, t.v1->hash, 3, cfx_five, 5);
	r.c.summary = "a third proposal";
	yx_charter_t *c = cfx_raw_decode(&r);
	yx_vote_t v[10];
	uint32_t open = 99;
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n = 0;
	/* round 0 split 2-2-1 */
	v[0] = vote_of(t.a, 0, 1);
	v[1] = vote_of(t.a, 1, 1);
	v[2] = vote_of(t.b, 2, 1);
	v[3] = vote_of(t.b, 3, 1);
	/* round 1 votes for B, cast before round 0 is spent: they wait */
	for (int i = 0; i < 3; i++) {
		v[5 + i] = vote_of(t.b, i, 5);
		v[5 + i].round = 1;
	}
	yx_vote_t early[7] = {v[0], v[1], v[2], v[3], v[5], v[6], v[7]};
	assert_int_equal(yx_charter_adopt(t.v1, early, 7, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 0);
	/* nanjing's vote for C spends round 0; round 1 adopts B */
	v[4] = vote_of(c, 4, 1);
	assert_int_equal(yx_charter_adopt(t.v1, v, 4, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 0);
	assert_int_equal(yx_charter_adopt(t.v1, v, 5, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 1);
	adopt_is(t.v1, v, 8, t.b, (const int[]){0, 1, 2}, 3);
	/* in every order */
	for (int k = 0; k < 8; k++) {
		yx_vote_t rot[8];
		for (int i = 0; i < 8; i++)
			rot[i] = v[(i + k) % 8];
		adopt_is(t.v1, rot, 8, t.b, (const int[]){0, 1, 2}, 3);
	}
	yx_charter_free(&c);
	contest_free(&t);
}

/* Many votes, shuffled with a printed seed: the outcome is the one of the sorted set. */
static void test_adopt_shuffled(void **state)
{
	(void)state;
	uint64_t rng = fx_seed("test_charter_votes: shuffled votes");
	contest_t t;
	contest_init(&t);
	yx_vote_t v[16];
	size_t n = 0;
	contest_votes(&t, v);
	n = 6;
	v[n++] = vote_of(t.a, CFX_STRANGER, 1);
	v[n++] = vote_of(t.b, CFX_STRANGER, 2);
	v[n++] = vote_of(t.b, 0, 50); /* shanghai's later vote */
	v[n++] = vote_of(t.b, 4, 60); /* nanjing's later vote */
	v[n++] = vote_of(t.a, 5, 1);  /* ningbo, no member yet */
	v[n++] = v[3];                /* suzhou's vote again */
	for (int round = 0; round < 300; round++) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)(fx_rand(&rng) % (i + 1));
			yx_vote_t tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
		}
		adopt_is(t.v1, v, n, t.a, a_signers, 3);
	}
	contest_free(&t);
}

static void test_vote_id(void **state)
{
	(void)state;
	uint8_t h[32];
	char id[YX_CHARTER_VOTE_ID_MAX];
	for (int i = 0; i < 32; i++)
		h[i] = (uint8_t)(0xa0 + i);
	yx_charter_vote_id(2, h, id);
	assert_string_equal(id, "v2-a0a1a2a3a4a5a6a7");
	yx_charter_vote_id(UINT32_MAX, h, id);
	assert_string_equal(id, "v4294967295-a0a1a2a3a4a5a6a7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_adopt_every_order),
	        cmocka_unit_test(test_adopt_competing),
	        cmocka_unit_test(test_adopt_ignores_outsiders),
	        cmocka_unit_test(test_adopt_invalid_proposal),
	        cmocka_unit_test(test_adopt_after_rotation),
	        cmocka_unit_test(test_adopt_rounds),
	        cmocka_unit_test(test_adopt_shuffled),
	        cmocka_unit_test(test_vote_id),
	};
	return cmocka_run_group_tests(tests, cfx_setup, cfx_teardown);
}
