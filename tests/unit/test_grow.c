/* grow: arrays that double from their first capacity, keep what they held, and are left
 * as they were when they cannot grow (out of memory, or a size past what size_t counts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

/* Under AddressSanitizer a request malloc cannot meet returns NULL, as it does without
 * it, instead of stopping the test: that failure is what this test asks for. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

typedef struct {
	uint64_t a, b;
} pair_t;

static void test_grow_doubles_and_keeps(void **state)
{
	pair_t *v = NULL;
	size_t cap = 0, n = 0;
	(void)state;
	/* Nothing to do: no allocation. */
	assert_int_equal(yx_grow(v, cap, 0, 4), 0);
	assert_null(v);
	assert_int_equal(cap, 0);
	for (uint64_t i = 0; i < 1000; i++) {
		size_t before = cap;
		assert_int_equal(yx_grow(v, cap, n + 1, 4), 0);
		/* from 4, doubling: always a power of two times 4, and only when full */
		if (n < before)
			assert_int_equal(cap, before);
		else
			assert_int_equal(cap, before ? before * 2 : 4);
		v[n++] = (pair_t){i, ~i};
	}
	assert_int_equal(cap, 1024);
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(v[i].a, i);
		assert_int_equal(v[i].b, ~i);
	}
	/* A need past twice the capacity: doubled as often as it takes. */
	assert_int_equal(yx_grow(v, cap, 5000, 4), 0);
	assert_int_equal(cap, 8192);
	assert_int_equal(v[999].a, 999);
	free(v);
}

static void test_grow_overflow_leaves_array(void **state)
{
	pair_t *v = NULL;
	size_t cap = 0;
	(void)state;
	assert_int_equal(yx_grow(v, cap, 3, 2), 0);
	pair_t *held = v;
	v[0] = (pair_t){7, 8};
	/* More elements than size_t bytes can count, and a capacity that cannot double. */
	assert_int_equal(yx_grow(v, cap, SIZE_MAX / 8, 2), -ENOMEM);
	assert_ptr_equal(v, held);
	assert_int_equal(cap, 4);
	assert_int_equal(yx_grow_cap(4, SIZE_MAX, 2), 0);
	assert_int_equal(v[0].a, 7);
	/* A request malloc cannot meet (2^60 bytes): refused, the array kept. */
	assert_int_equal(yx_grow(v, cap, (size_t)1 << 56, 2), -ENOMEM);
	assert_ptr_equal(v, held);
	assert_int_equal(cap, 4);
	assert_int_equal(v[0].b, 8);
	free(v);
}

static void test_parallel_arrays(void **state)
{
	uint32_t *ids = NULL;
	char(*names)[16] = NULL;
	size_t cap = 0;
	(void)state;
	for (size_t n = 0; n < 100; n++) {
		if (n == cap) {
			size_t grown = yx_grow_cap(cap, n + 1, 8);
			assert_true(grown > n);
			assert_int_equal(yx_resize(ids, grown), 0);
			assert_int_equal(yx_resize(names, grown), 0);
			cap = grown;
		}
		ids[n] = (uint32_t)n;
		names[n][0] = (char)('a' + n % 26);
	}
	assert_int_equal(cap, 128);
	assert_int_equal(ids[99], 99);
	assert_int_equal(names[27][0], 'b');
	/* resize past what size_t counts: refused, the array kept */
	uint32_t *held = ids;
	assert_int_equal(yx_resize(ids, SIZE_MAX / 2), -ENOMEM);
	assert_ptr_equal(ids, held);
	free(ids);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_grow_doubles_and_keeps),
	        cmocka_unit_test(test_grow_overflow_leaves_array),
	        cmocka_unit_test(test_parallel_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
