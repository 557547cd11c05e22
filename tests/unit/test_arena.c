/* arena: aligned bump allocation, growth past one chunk, reset and reuse, and changes
 * unpacked into an arena equal the same changes unpacked with malloc. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "codec.h"
#include "error.h"
#include "fixtures.h"

static void test_alignment_and_contents(void **state)
{
	yx_arena_t a;
	uint8_t *blocks[64];
	(void)state;
	yx_arena_init(&a);
	for (size_t i = 0; i < 64; i++) {
		size_t size = 1 + i * 37;
		blocks[i] = yx_arena_alloc(&a, size);
		assert_non_null(blocks[i]);
		assert_int_equal((uintptr_t)blocks[i] % alignof(max_align_t), 0);
		memset(blocks[i], (int)i, size);
	}
	/* No block overlaps another: each still holds its own fill. */
	for (size_t i = 0; i < 64; i++)
		for (size_t k = 0; k < 1 + i * 37; k++)
			assert_int_equal(blocks[i][k], (uint8_t)i);
	yx_arena_free(&a);
}

static void test_growth_and_reset(void **state)
{
	yx_arena_t a;
	(void)state;
	yx_arena_init(&a);
	/* More than one chunk, and one block larger than a chunk: a steady load under the
	 * 4 MiB a reset keeps. */
	uint8_t *big = yx_arena_alloc(&a, 300u << 10);
	assert_non_null(big);
	memset(big, 0xAB, 300u << 10);
	for (int i = 0; i < 2000; i++)
		assert_non_null(yx_arena_alloc(&a, 200));
	assert_true(a.total >= (300u << 10) + 2000 * 200);
	yx_arena_reset(&a);
	assert_int_equal(a.total, 0);
	/* After the reset, what the arena held before fits in the one chunk it kept. */
	yx_arena_chunk_t *kept = a.chunks;
	assert_non_null(kept);
	assert_non_null(yx_arena_alloc(&a, 300u << 10));
	for (int i = 0; i < 2000; i++)
		assert_non_null(yx_arena_alloc(&a, 200));
	assert_ptr_equal(a.chunks, kept);
	yx_arena_free(&a);
	assert_null(a.chunks);
}

/* A peak far beyond the steady load (a hostile peer's message) is not kept: after the
 * reset, the arena holds at most 4 MiB, so allocating the peak again needs a new chunk. */
static void test_peak_not_kept(void **state)
{
	yx_arena_t a;
	(void)state;
	yx_arena_init(&a);
	for (int i = 0; i < 200; i++)
		assert_non_null(yx_arena_alloc(&a, 64u << 10)); /* 12.8 MB in doubling chunks */
	assert_non_null(yx_arena_alloc(&a, 8u << 20));          /* and one outsized block */
	yx_arena_reset(&a);
	yx_arena_chunk_t *kept = a.chunks;
	assert_non_null(kept);
	assert_non_null(yx_arena_alloc(&a, 4u << 20)); /* 4 MiB still fits the kept chunk */
	assert_ptr_equal(a.chunks, kept);
	assert_non_null(yx_arena_alloc(&a, 1u << 20)); /* more does not */
	assert_ptr_not_equal(a.chunks, kept);
	yx_arena_reset(&a);
	/* After the second peak, again no more than 4 MiB is kept. */
	kept = a.chunks;
	assert_non_null(yx_arena_alloc(&a, 4u << 20));
	assert_ptr_equal(a.chunks, kept);
	assert_non_null(yx_arena_alloc(&a, 16));
	assert_ptr_not_equal(a.chunks, kept);
	yx_arena_free(&a);
}

static void test_decode_into_arena(void **state)
{
	yx_arena_t a;
	fx_enterprise_t f;
	fx_change_t ch;
	(void)state;
	yx_arena_init(&a);
	for (uint32_t round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < 500; i++) {
			uint8_t *bytes = NULL, *again = NULL;
			size_t len = 0, len2 = 0;
			Yrdx__Change *heap = NULL, *in_arena = NULL;
			fx_enterprise_init(&f, i);
			fx_change_init(&ch, YX_KIND_ENTERPRISE, &f.e, 1 + i);
			assert_int_equal(yx_change_encode(&ch.c, &bytes, &len), YX_OK);
			assert_int_equal(yx_change_decode(bytes, len, &heap), YX_OK);
			assert_int_equal(yx_change_decode_in(&a, bytes, len, &in_arena), YX_OK);
			assert_string_equal(in_arena->enterprise->credit_code,
			                    heap->enterprise->credit_code);
			assert_string_equal(in_arena->enterprise->name, heap->enterprise->name);
			/* Both unpack to the same message: they pack to the same bytes. */
			assert_int_equal(yx_change_encode(in_arena, &again, &len2), YX_OK);
			assert_int_equal(len2, len);
			assert_memory_equal(again, bytes, len);
			yx_change_free(&heap);
			free(bytes);
			free(again);
		}
		/* Malformed bytes fail alike, whatever the allocator. */
		Yrdx__Change *bad = NULL;
		const uint8_t garbage[] = {0xFF, 0xFF, 0xFF, 0xFF};
		assert_int_equal(yx_change_decode_in(&a, garbage, sizeof(garbage), &bad),
		                 YX_EDECODE);
		assert_null(bad);
		yx_arena_reset(&a);
	}
	yx_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_alignment_and_contents),
	        cmocka_unit_test(test_growth_and_reset),
	        cmocka_unit_test(test_peak_not_kept),
	        cmocka_unit_test(test_decode_into_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
