/* store_state: the write set's order. The flush applies state and index ops in the order
 * yxs_pending_sort gives; that order must be LMDB's key order (bytes, the shorter key
 * first) by database, equal keys by seq then by queueing, for any keys a peer sends. Held
 * here to that rule written out plainly, on seeded random sets made to collide: shared
 * prefixes, keys that begin other keys, keys longer than the sort's integer prefix, the
 * same key at several seqs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "store_int.h"

/* The order as the flush needs it, without the sort's shortcuts. */
static int rule(const pending_t *p, const pending_op_t *x, const pending_op_t *y)
{
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(p->keys + x->key_off, p->keys + y->key_off, n);
	if (c)
		return c;
	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* A key from a two-letter alphabet, 1 to 40 bytes, often the first bytes of the last key
 * made: sets where most comparisons reach past the first 24 bytes. */
static size_t random_key(uint64_t *rng, uint8_t *key, const uint8_t *last, size_t last_len)
{
	size_t len = 1 + fx_rand(rng) % 40;
	size_t keep = last_len && fx_rand(rng) % 2 ? fx_rand(rng) % (last_len + 1) : 0;
	if (keep > len)
		keep = len;
	memcpy(key, last, keep);
	for (size_t i = keep; i < len; i++)
		key[i] = (uint8_t)('a' + fx_rand(rng) % 2);
	return len;
}

static void check_sorted(pending_t *p, const char *what)
{
	size_t n = p->n_ops;
	uint32_t *ord = malloc((2 * n + 1) * sizeof(*ord));
	uint8_t *seen = calloc(n + 1, 1);
	assert_non_null(ord);
	assert_non_null(seen);
	yxs_pending_sort(p->ops, p->keys, ord, ord + n, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(ord[i] < n);
		if (seen[ord[i]])
			fail_msg("%s: index %u twice in the order", what, ord[i]);
		seen[ord[i]] = 1;
		if (i > 0 && rule(p, &p->ops[ord[i - 1]], &p->ops[ord[i]]) >= 0)
			fail_msg("%s: positions %zu and %zu out of order (ops %u, %u)", what, i - 1,
			         i, ord[i - 1], ord[i]);
	}
	free(seen);
	free(ord);
}

static void test_sort_against_rule(void **state)
{
	uint64_t rng = fx_seed("store_state");
	static const int dbs[] = {DB_STATE, DB_IDX_INCUBATOR, DB_IDX_PARK};
	static const size_t sizes[] = {0, 1, 2, 15, 16, 17, 31, 33, 100, 1000, 20000};
	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int round = 0; round < 5; round++) {
			pending_t p = {0};
			uint8_t key[40], last[40];
			size_t last_len = 0;
			for (size_t i = 0; i < sizes[s]; i++) {
				size_t len;
				if (last_len && fx_rand(&rng) % 8 == 0) {
					len = last_len; /* the same key again: another version */
					memcpy(key, last, len);
				} else {
					len = random_key(&rng, key, last, last_len);
				}
				int db = dbs[fx_rand(&rng) % 3];
				uint64_t seq = fx_rand(&rng) % 4;
				assert_int_equal(yxs_pending_push(&p, db, key, len, (uint32_t)i, 1,
				                                  seq, false),
				                 0);
				memcpy(last, key, len);
				last_len = len;
			}
			char what[64];
			snprintf(what, sizeof(what), "%zu ops, round %d", sizes[s], round);
			check_sorted(&p, what);
			yxs_pending_free(&p);
		}
	}
}

/* Input already in order, and in reverse order: the merge's shortcut for runs already in
 * order, and its worst case for moves. */
static void test_sort_ordered_and_reversed(void **state)
{
	(void)state;
	for (int reverse = 0; reverse < 2; reverse++) {
		pending_t p = {0};
		for (uint32_t i = 0; i < 5000; i++) {
			uint8_t key[32];
			uint32_t v = reverse ? 4999 - i : i;
			memset(key, 'k', sizeof(key));
			key[26] = (uint8_t)(v >> 8); /* past the 24-byte prefix */
			key[27] = (uint8_t)v;
			assert_int_equal(yxs_pending_push(&p, DB_IDX_INCUBATOR, key, sizeof(key), i,
			                                  1, v, false),
			                 0);
		}
		check_sorted(&p, reverse ? "reversed" : "ordered");
		yxs_pending_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sort_against_rule),
	        cmocka_unit_test(test_sort_ordered_and_reversed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
