/* squash: segments compressed and back byte for byte; and what a hostile peer might send
 * instead — a size past the limit, a header that disagrees with the declared size, a
 * header patched to hide what the frame inflates to, a frame without a size, trailing
 * bytes, garbage — each refused with its code, nothing inflated past the declared size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zstd.h>

#include "error.h"
#include "squash.h"

#define MAX (8u << 20)

/* Bytes like a segment's: repetitive records with some variety (a seeded generator). */
static uint8_t *sample(size_t len)
{
	uint8_t *b = malloc(len);
	uint32_t x = 2023;
	static const char words[] =
	        "上海张江示例芯片科技有限公司integrated_circuits tech_sme 310115";
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (x >> 16) % 7 ? (uint8_t)words[i % (sizeof(words) - 1)] : (uint8_t)(x >> 8);
	}
	return b;
}

static void test_round_trip(void **state)
{
	(void)state;
	yx_squash_t *z = yx_squash_new();
	assert_non_null(z);
	size_t sizes[] = {1, 200, 230000, MAX};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *in = sample(sizes[i]);
		const uint8_t *packed, *out;
		size_t packed_len;
		assert_int_equal(yx_squash_pack(z, 1, in, sizes[i], &packed, &packed_len), YX_OK);
		if (sizes[i] > 1000)
			assert_true(packed_len < sizes[i] / 2);
		uint8_t *copy = malloc(packed_len);
		memcpy(copy, packed, packed_len);
		assert_int_equal(yx_squash_unpack(z, copy, packed_len, sizes[i], MAX, &out), YX_OK);
		assert_memory_equal(out, in, sizes[i]);
		/* The declared size must be the frame's (and within the limit). */
		assert_int_equal(yx_squash_unpack(z, copy, packed_len, sizes[i] + 1, MAX, &out),
		                 sizes[i] + 1 > MAX ? YX_ETOOBIG : YX_EDECODE);
		/* Past the limit: refused before anything is decoded. */
		assert_int_equal(
		        yx_squash_unpack(z, copy, packed_len, sizes[i], sizes[i] - 1, &out),
		        YX_ETOOBIG);
		free(copy);
		free(in);
	}
	yx_squash_destroy(&z);
	assert_null(z);
	yx_squash_destroy(&z); /* accepts NULL */
}

/* 64 MiB of zeros, one frame; with its size in the header or not. */
static uint8_t *zeros_frame(bool with_size, size_t *len)
{
	size_t n = 64u << 20;
	uint8_t *zeros = calloc(1, n);
	size_t cap = ZSTD_compressBound(n);
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, with_size ? 1 : 0);
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
	*len = ZSTD_compress2(cc, out, cap, zeros, n);
	assert_false(ZSTD_isError(*len));
	ZSTD_freeCCtx(cc);
	free(zeros);
	return out;
}

static void test_bombs_refused(void **state)
{
	(void)state;
	yx_squash_t *z = yx_squash_new();
	const uint8_t *out;
	size_t len;
	uint8_t *sized = zeros_frame(true, &len);
	assert_true(len < 64 * 1024);
	/* Declaring what it holds: past the limit. */
	assert_int_equal(yx_squash_unpack(z, sized, len, 64u << 20, MAX, &out), YX_ETOOBIG);
	/* Declaring 1 MiB while its header says 64 MiB: past the limit all the same. */
	assert_int_equal(yx_squash_unpack(z, sized, len, 1u << 20, MAX, &out), YX_ETOOBIG);
	/* Its header patched to say 1 MiB too: only decoding finds more, and stops there. */
	unsigned fhd = sized[4];
	size_t fcs_at =
	        4 + 1 + ((fhd & 0x20) ? 0 : 1) + (fhd & 3 ? (size_t)1 << ((fhd & 3) - 1) : 0);
	assert_int_equal(fhd >> 6, 2); /* a 4-byte size */
	for (int i = 0; i < 4; i++)
		sized[fcs_at + (size_t)i] = (uint8_t)((1u << 20) >> (8 * i));
	assert_int_equal(yx_squash_unpack(z, sized, len, 1u << 20, MAX, &out), YX_EDECODE);
	free(sized);
	/* No size in the header. */
	uint8_t *unsized = zeros_frame(false, &len);
	assert_int_equal(yx_squash_unpack(z, unsized, len, 1u << 20, MAX, &out), YX_EDECODE);
	free(unsized);
	yx_squash_destroy(&z);
}

static void test_not_one_frame(void **state)
{
	(void)state;
	yx_squash_t *z = yx_squash_new();
	uint8_t *in = sample(5000);
	const uint8_t *packed, *out;
	size_t n;
	assert_int_equal(yx_squash_pack(z, 3, in, 5000, &packed, &n), YX_OK);
	uint8_t *two = malloc(2 * n + 1);
	memcpy(two, packed, n);
	memcpy(two + n, packed, n);
	/* Two frames, or one with a byte after it: not what a peer sends. */
	assert_int_equal(yx_squash_unpack(z, two, 2 * n, 5000, MAX, &out), YX_EDECODE);
	assert_int_equal(yx_squash_unpack(z, two, n + 1, 5000, MAX, &out), YX_EDECODE);
	/* Cut short, or garbage. */
	assert_int_equal(yx_squash_unpack(z, two, n - 1, 5000, MAX, &out), YX_EDECODE);
	assert_int_equal(yx_squash_unpack(z, in, 100, 5000, MAX, &out), YX_EDECODE);
	assert_int_equal(yx_squash_unpack(z, in, 0, 0, MAX, &out), YX_EDECODE);
	/* One flipped byte in the middle of the compressed data. */
	memcpy(two, packed, n);
	two[n / 2] ^= 0x5a;
	int ret = yx_squash_unpack(z, two, n, 5000, MAX, &out);
	if (ret == YX_OK) /* zstd has no checksum here: the bytes differ, the size held */
		assert_memory_not_equal(out, in, 5000);
	else
		assert_int_equal(ret, YX_EDECODE);
	free(two);
	free(in);
	yx_squash_destroy(&z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_bombs_refused),
	        cmocka_unit_test(test_not_one_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
