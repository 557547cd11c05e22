#include "store_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	sfx_segment_t *seg;
	uint64_t last;
	bool stubs;
} copy_ctx_t;

static int copy_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                      const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	copy_ctx_t *ctx = arg;
	sfx_segment_t *s = ctx->seg;
	(void)hash;
	assert_true(bytes ? kind == YX_KIND_ENTERPRISE || kind == YX_KIND_POLICY
	                  : kind == YX_KIND_NONE);
	if (seq > ctx->last)
		return 1;
	size_t i = s->n++;
	s->e[i].seq = seq;
	if (bytes) /* a full entry's D is the digest of its bytes */
		yx_chain_digest(bytes, len, s->digests[i]);
	else
		memcpy(s->digests[i], digest, YX_HASH_BYTES);
	if (ctx->stubs || !bytes) {
		s->e[i].bytes = NULL;
		s->e[i].digest = s->digests[i];
	} else {
		s->bytes[i] = malloc(len);
		memcpy(s->bytes[i], bytes, len);
		s->e[i].bytes = s->bytes[i];
		s->e[i].len = len;
	}
	return 0;
}

sfx_segment_t sfx_segment_read(yx_store_t *store, const uint8_t *origin, uint64_t first, bool stubs)
{
	sfx_segment_t s = {0};
	assert_int_equal(yx_store_head_find(store, origin, first, &s.head), YX_OK);
	size_t cap = s.head.seq - first + 1;
	s.e = calloc(cap, sizeof(*s.e));
	s.bytes = calloc(cap, sizeof(*s.bytes));
	s.digests = calloc(cap, YX_HASH_BYTES);
	copy_ctx_t ctx = {&s, s.head.seq, stubs};
	int ret = yx_store_log_iterate(store, origin, first, copy_entry, &ctx);
	assert_true(ret == YX_OK || ret == 1);
	assert_int_equal(s.n, cap);
	return s;
}

void sfx_segment_free(sfx_segment_t *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->bytes[i]);
	free(s->bytes);
	free(s->e);
	free(s->digests);
}

/* BLAKE2b of the store's data file: "byte-for-byte unchanged" made checkable. */
static void file_hash(const char *dir, uint8_t out[32])
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	uint8_t buf[65536];
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		crypto_generichash_update(&st, buf, got);
	fclose(f);
	crypto_generichash_final(&st, out, 32);
}

int sfx_count_record(void *arg, const uint8_t *origin, uint64_t seq, const Yrdx__Change *c)
{
	(void)origin;
	(void)seq;
	(void)c;
	(*(size_t *)arg)++;
	return 0;
}

static int count_stored(void *arg, const yx_stored_t *rec)
{
	(void)rec;
	(*(size_t *)arg)++;
	return 0;
}

size_t sfx_count_retracted(fx_node_t *n)
{
	yx_snap_t *snap = NULL;
	size_t found = 0;
	assert_int_equal(yx_snap_open(n->store, &snap), YX_OK);
	assert_int_equal(yx_snap_scan_retracted(snap, YX_KIND_NONE, NULL, count_stored, &found),
	                 YX_OK);
	yx_snap_close(&snap);
	return found;
}

void sfx_expect_rejected(fx_node_t *b, const uint8_t *origin, sfx_segment_t *s, int err,
                         const char *msg_part)
{
	uint8_t f1[32], f2[32], d1[32], d2[32];
	yx_diag_t d = {{0}};
	size_t appended = 99;
	file_hash(b->dir, f1);
	assert_int_equal(yx_store_digest(b->store, d1), YX_OK);
	int ret = yx_store_append_verified(b->store, origin, s->e, s->n, &s->head, &appended, &d);
	if (ret != err)
		fail_msg("expected %s, got %s (%s)", yx_strerror(err), yx_strerror(ret), d.msg);
	assert_non_null(strstr(d.msg, msg_part));
	file_hash(b->dir, f2);
	assert_int_equal(yx_store_digest(b->store, d2), YX_OK);
	assert_memory_equal(f1, f2, 32);
	assert_memory_equal(d1, d2, 32);
}
