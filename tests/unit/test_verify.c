/* verify: a received segment is checked in the order docs/design.md gives — shape, chain
 * to the signed head, signature, overlap with what is held, then each change — before
 * anything of it is parsed or stored; and a stored log re-checked finds a changed byte,
 * hash, head or vector entry. Segments are built with real chains and Ed25519 heads;
 * stores are real LMDB, altered underneath with LMDB itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "fixtures.h"
#include "store.h"
#include "validate.h"
#include "verify.h"

#define N 8 /* changes in the test chain, seq 1..N */

/* One origin's chain of N enterprise changes: what a peer would send. */
typedef struct {
	yx_identity_t *id;
	uint8_t *bytes[N + 1]; /* by seq */
	size_t len[N + 1];
	uint8_t digest[N + 1][YX_HASH_BYTES];
	uint8_t hash[N + 1][YX_HASH_BYTES]; /* H(0) = zeros */
	yx_entry_t e[N];                    /* e[i] is seq i + 1 */
} chain_t;

/* How change seq is altered before it is packed (NULL: not at all). */
typedef void (*tweak_fn)(Yrdx__Change *c, uint64_t seq);

static void chain_make(chain_t *ch, tweak_fn tweak)
{
	memset(ch, 0, sizeof(*ch));
	assert_int_equal(yx_identity_generate(&ch->id), YX_OK);
	for (uint64_t seq = 1; seq <= N; seq++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, (uint32_t)seq);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		c.origin =
		        (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(ch->id)};
		c.seq = seq;
		c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, ch->hash[seq - 1]};
		c.time_ms = 1700000000000 + (int64_t)seq;
		if (tweak)
			tweak(&c, seq);
		assert_int_equal(yx_change_encode(&c, &ch->bytes[seq], &ch->len[seq]), YX_OK);
		yx_chain_digest(ch->bytes[seq], ch->len[seq], ch->digest[seq]);
		yx_chain_link(ch->hash[seq - 1], ch->digest[seq], ch->hash[seq]);
		ch->e[seq - 1] = (yx_entry_t){seq, ch->bytes[seq], ch->len[seq], NULL};
	}
}

static void chain_free(chain_t *ch)
{
	for (int i = 0; i <= N; i++)
		free(ch->bytes[i]);
	yx_identity_free(&ch->id);
}

/* The origin's signed head at seq, naming policy_seq as its latest sharing policy. */
static yx_head_t head_naming(const chain_t *ch, uint64_t seq, uint64_t policy_seq)
{
	yx_head_t h = {0};
	memcpy(h.origin, yx_identity_public(ch->id), YX_KEY_BYTES);
	h.seq = seq;
	memcpy(h.hash, ch->hash[seq], YX_HASH_BYTES);
	h.time_ms = 1700000001000;
	h.policy_seq = policy_seq;
	yx_head_sign(&h, ch->id);
	return h;
}

/* The origin's signed head at seq (it published no policy). */
static yx_head_t head_at(const chain_t *ch, uint64_t seq)
{
	return head_naming(ch, seq, 0);
}

/* What a store would say it holds of the origin: the chain's own hashes up to tip, unless
 * told otherwise. */
typedef struct {
	const chain_t *ch;
	uint8_t forged[YX_HASH_BYTES]; /* held at forged_seq instead */
	uint64_t forged_seq;
	bool stub[N + 1];
	int fail; /* returned for every question when set */
	size_t asked;
} fake_held_t;

static int fake_held(void *arg, uint64_t seq, uint8_t hash[YX_HASH_BYTES], bool *stub)
{
	fake_held_t *f = arg;
	f->asked++;
	if (f->fail)
		return f->fail;
	assert_true(seq >= 1 && seq <= N);
	memcpy(hash, seq == f->forged_seq ? f->forged : f->ch->hash[seq], YX_HASH_BYTES);
	*stub = f->stub[seq];
	return YX_OK;
}

/* Verifies entries [first, last] of ch against a store holding tip of it. */
static int verify_range(const chain_t *ch, fake_held_t *f, uint64_t tip, uint64_t first,
                        uint64_t last, yx_segment_t *seg, yx_arena_t *arena, yx_diag_t *d)
{
	yx_head_t head = head_at(ch, last);
	yx_held_t held = {tip, fake_held, f};
	return yx_segment_verify(seg, yx_identity_public(ch->id), ch->e + first - 1,
	                         (size_t)(last - first + 1), &head, &held, arena, d);
}

/* Each segment test's fixture: the origin's chain (tweaked), a store that holds nothing
 * of it yet, and the verifier's arena. */
static void fixture_open(chain_t *ch, fake_held_t *f, yx_arena_t *arena, tweak_fn tweak)
{
	chain_make(ch, tweak);
	memset(f, 0, sizeof(*f));
	f->ch = ch;
	yx_arena_init(arena);
}

static void fixture_close(chain_t *ch, yx_arena_t *arena)
{
	yx_arena_free(arena);
	chain_free(ch);
}

static void test_new_segment(void **state)
{
	(void)state;
	chain_t ch;
	fake_held_t f;
	yx_segment_t seg;
	yx_arena_t arena;
	yx_diag_t d = {{0}};
	fixture_open(&ch, &f, &arena, NULL);

	assert_int_equal(verify_range(&ch, &f, 0, 1, N, &seg, &arena, &d), YX_OK);
	assert_true(seg.apply);
	assert_int_equal(seg.n, N);
	assert_int_equal(seg.fills, 0);
	assert_int_equal(f.asked, 0); /* nothing held: nothing to ask */
	for (int i = 0; i < N; i++) {
		assert_memory_equal(seg.hashes[i], ch.hash[i + 1], YX_HASH_BYTES);
		assert_memory_equal(seg.digests[i], ch.digest[i + 1], YX_HASH_BYTES);
		assert_non_null(seg.changes[i]);
		assert_int_equal(seg.changes[i]->seq, (uint64_t)i + 1);
		assert_false(seg.fill[i]);
	}
	/* A segment continuing a held log chains from the held hash of its first - 1. */
	yx_arena_reset(&arena);
	assert_int_equal(verify_range(&ch, &f, 3, 4, N, &seg, &arena, &d), YX_OK);
	assert_true(seg.apply);
	assert_int_equal(f.asked, 1);
	assert_int_equal(seg.changes[0]->seq, 4);

	/* Stubs carry their digest only; they chain, and nothing is decoded for them. */
	ch.e[1] = (yx_entry_t){2, NULL, 0, ch.digest[2]};
	yx_arena_reset(&arena);
	assert_int_equal(verify_range(&ch, &f, 0, 1, N, &seg, &arena, &d), YX_OK);
	assert_null(seg.changes[1]);
	assert_non_null(seg.changes[2]);

	fixture_close(&ch, &arena);
}

static void test_rejected_before_parsing(void **state)
{
	(void)state;
	chain_t ch;
	fake_held_t f;
	yx_segment_t seg;
	yx_arena_t arena;
	yx_diag_t d = {{0}};
	yx_held_t held = {0, fake_held, &f};
	fixture_open(&ch, &f, &arena, NULL);
	const uint8_t *origin = yx_identity_public(ch.id);
	yx_head_t head = head_at(&ch, N);

	/* One altered byte: the chain no longer ends in the signed hash. */
	ch.bytes[3][10] ^= 1;
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, N, &head, &held, &arena, &d),
	                 YX_ECHAIN);
	assert_non_null(strstr(d.msg, "do not hash to the head"));
	ch.bytes[3][10] ^= 1;

	/* A forged signature. */
	head.signature[5] ^= 1;
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, N, &head, &held, &arena, &d),
	                 YX_ESIG);
	head.signature[5] ^= 1;

	/* Garbage that chains to a head whose hash was changed to match, but not signed
	 * again: refused for the signature, never parsed (that would say YX_EDECODE). */
	uint8_t garbage[40], link[YX_HASH_BYTES], digest[YX_HASH_BYTES];
	memset(garbage, 0xff, sizeof(garbage));
	yx_entry_t bad[N];
	memcpy(bad, ch.e, sizeof(bad));
	bad[N - 1] = (yx_entry_t){N, garbage, sizeof(garbage), NULL};
	yx_head_t forged = head;
	yx_chain_digest(garbage, sizeof(garbage), digest);
	yx_chain_link(ch.hash[N - 1], digest, link);
	memcpy(forged.hash, link, YX_HASH_BYTES);
	assert_int_equal(yx_segment_verify(&seg, origin, bad, N, &forged, &held, &arena, &d),
	                 YX_ESIG);
	/* Signed by the origin, it is authentic — and then parsed, and refused as such. */
	yx_head_sign(&forged, ch.id);
	assert_int_equal(yx_segment_verify(&seg, origin, bad, N, &forged, &held, &arena, &d),
	                 YX_EDECODE);

	/* Shape: empty, too long, out of sequence, not closed by the head, another origin. */
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, 0, &head, &held, &arena, &d),
	                 YX_EDECODE);
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, YX_HEAD_INTERVAL + 1, &head, &held,
	                                   &arena, &d),
	                 YX_ETOOBIG);
	memcpy(bad, ch.e, sizeof(bad));
	bad[2].seq = 9;
	assert_int_equal(yx_segment_verify(&seg, origin, bad, N, &head, &held, &arena, &d),
	                 YX_EDECODE);
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, N - 1, &head, &held, &arena, &d),
	                 YX_ECHAIN);
	uint8_t other[YX_KEY_BYTES] = {1};
	assert_int_equal(yx_segment_verify(&seg, other, ch.e, N, &head, &held, &arena, &d),
	                 YX_ESIG);

	/* Starting past what is held is a gap, not a fault of the sender. */
	assert_int_equal(verify_range(&ch, &f, 2, 5, N, &seg, &arena, &d), YX_EGAP);
	assert_int_equal(verify_range(&ch, &f, 0, 2, N, &seg, &arena, &d), YX_EGAP);

	fixture_close(&ch, &arena);
}

static void test_overlap_fork_and_fill(void **state)
{
	(void)state;
	chain_t ch;
	fake_held_t f;
	yx_segment_t seg;
	yx_arena_t arena;
	yx_diag_t d = {{0}};
	fixture_open(&ch, &f, &arena, NULL);

	/* Half held: only the new half is decoded. */
	assert_int_equal(verify_range(&ch, &f, 4, 1, N, &seg, &arena, &d), YX_OK);
	assert_true(seg.apply);
	for (int i = 0; i < N; i++)
		assert_true((seg.changes[i] != NULL) == (i >= 4));

	/* All held, no stubs: nothing to apply. */
	assert_int_equal(verify_range(&ch, &f, N, 1, N, &seg, &arena, &d), YX_OK);
	assert_false(seg.apply);

	/* The origin signed another history than the one held: a fork, proven by the
	 * signature, refused. */
	f.forged_seq = 3;
	memset(f.forged, 0x5a, YX_HASH_BYTES);
	assert_int_equal(verify_range(&ch, &f, 4, 1, N, &seg, &arena, &d), YX_EFORK);
	assert_non_null(strstr(d.msg, "fork"));
	f.forged_seq = 0;

	/* A body for an entry held as a stub is filled in, verified like a new one. */
	f.stub[2] = true;
	assert_int_equal(verify_range(&ch, &f, N, 1, N, &seg, &arena, &d), YX_OK);
	assert_true(seg.apply);
	assert_int_equal(seg.fills, 1);
	assert_true(seg.fill[1]);
	assert_non_null(seg.changes[1]);
	assert_null(seg.changes[0]);

	/* What the store says when it cannot answer is returned as it is. */
	f.fail = YX_ECORRUPT;
	assert_int_equal(verify_range(&ch, &f, 4, 1, N, &seg, &arena, &d), YX_ECORRUPT);

	fixture_close(&ch, &arena);
}

static void wrong_seq(Yrdx__Change *c, uint64_t seq)
{
	if (seq == 5)
		c->seq = 6;
}

static void wrong_prev(Yrdx__Change *c, uint64_t seq)
{
	static uint8_t zeros[YX_HASH_BYTES];
	if (seq == 5)
		c->prev_hash.data = zeros;
}

static void invalid_record(Yrdx__Change *c, uint64_t seq)
{
	if (seq == 5)
		c->enterprise->name = "";
}

static void test_authentic_but_wrong(void **state)
{
	(void)state;
	static const struct {
		tweak_fn tweak;
		int err;
		const char *says;
	} cases[] = {
	        {wrong_seq, YX_ECHAIN, "carries seq 6"},
	        {wrong_prev, YX_ECHAIN, "prev_hash"},
	        {invalid_record, YX_EINVAL, "seq 5"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		chain_t ch;
		fake_held_t f;
		yx_segment_t seg;
		yx_arena_t arena;
		yx_diag_t d = {{0}};
		fixture_open(&ch, &f, &arena, cases[k].tweak);
		assert_int_equal(verify_range(&ch, &f, 0, 1, N, &seg, &arena, &d), cases[k].err);
		if (!strstr(d.msg, cases[k].says))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", k, d.msg, cases[k].says);
		/* Held already, the same change is not looked at again. */
		assert_int_equal(verify_range(&ch, &f, N, 1, N, &seg, &arena, &d), YX_OK);
		fixture_close(&ch, &arena);
	}
}

/* Seq 3 is the origin's sharing policy (共享策略), the rest enterprises. */
#define POLICY_AT 3
static void policy_at_3(Yrdx__Change *c, uint64_t seq)
{
	static Yrdx__SharingPolicy p;
	static Yrdx__RecordKind kinds[] = {YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR};
	if (seq != POLICY_AT)
		return;
	yrdx__sharing_policy__init(&p);
	p.id = (char *)YX_POLICY_ID;
	p.default_kinds = kinds;
	p.n_default_kinds = 1;
	yx_change_set_body(c, YX_KIND_POLICY, &p);
	c->id = (char *)YX_POLICY_ID;
}

/* Step 6: a stub can hide a change's kind, not the seq the signed head names as the
 * origin's policy. A relay that sends that policy as a stub (so that we would apply the
 * default and pass on what the origin withholds) is refused; so is a head naming a change
 * of another kind. A policy we hold already is not asked for again. */
static void test_policy_named_by_head(void **state)
{
	(void)state;
	chain_t ch;
	fake_held_t f;
	yx_segment_t seg;
	yx_arena_t arena;
	yx_diag_t d = {{0}};
	fixture_open(&ch, &f, &arena, policy_at_3);
	const uint8_t *origin = yx_identity_public(ch.id);
	yx_head_t head = head_naming(&ch, N, POLICY_AT);
	yx_held_t held = {0, fake_held, &f};

	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, N, &head, &held, &arena, &d), YX_OK);
	assert_true(seg.apply);

	/* Whole but for the policy, which comes as a stub. */
	yx_entry_t e[N];
	memcpy(e, ch.e, sizeof(e));
	e[POLICY_AT - 1] = (yx_entry_t){POLICY_AT, NULL, 0, ch.digest[POLICY_AT]};
	assert_int_equal(yx_segment_verify(&seg, origin, e, N, &head, &held, &arena, &d),
	                 YX_EINVAL);
	assert_non_null(strstr(d.msg, "seq 3: its sharing policy came as a stub"));
	/* Without the signed policy seq (a head naming none) the stub would pass. */
	yx_head_t none = head_at(&ch, N);
	assert_int_equal(yx_segment_verify(&seg, origin, e, N, &none, &held, &arena, &d), YX_OK);

	/* A head naming an enterprise as the policy: the origin's own error, refused. */
	yx_head_t wrong = head_naming(&ch, N, POLICY_AT + 1);
	assert_int_equal(yx_segment_verify(&seg, origin, ch.e, N, &wrong, &held, &arena, &d),
	                 YX_EINVAL);
	assert_non_null(strstr(d.msg, "names seq 4 as its sharing policy, which is a change of "
	                              "kind enterprise"));

	/* Held already (as a stub, from before): left to the serving side, which withholds
	 * the origin's kinds until the body is filled (test_store test_policy_signed). */
	yx_held_t held3 = {POLICY_AT, fake_held, &f};
	f.stub[POLICY_AT] = true;
	assert_int_equal(yx_segment_verify(&seg, origin, e + POLICY_AT, N - POLICY_AT, &head,
	                                   &held3, &arena, &d),
	                 YX_OK);
	fixture_close(&ch, &arena);
}

/* ---- a stored log, re-checked ------------------------------------------------------ */

static int copy_out(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                    const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	chain_t *ch = arg;
	(void)kind;
	(void)hash;
	assert_true(seq >= 1 && seq <= N);
	ch->bytes[seq] = malloc(len);
	memcpy(ch->bytes[seq], bytes, len);
	ch->len[seq] = len;
	assert_null(digest); /* a full entry's: the digest of its bytes */
	yx_chain_digest(bytes, len, ch->digest[seq]);
	/* seq 3 and 4 travel as stubs, as a peer's sharing policy would send them */
	ch->e[seq - 1] = seq == 3 || seq == 4 ? (yx_entry_t){seq, NULL, 0, ch->digest[seq]}
	                                      : (yx_entry_t){seq, ch->bytes[seq], len, NULL};
	return 0;
}

/* Opens the store's LMDB environment directly, for altering what the store keeps. */
static MDB_env *raw_open(const char *dir)
{
	MDB_env *env;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 2048);
	mdb_env_set_mapsize(env, (size_t)1 << 30);
	assert_int_equal(mdb_env_open(env, dir, MDB_NOTLS, 0600), 0);
	return env;
}

/* Replaces the value of key in database db by what edit makes of it (NULL: deletes it),
 * keeping the old value in saved so it can be put back. */
static void raw_edit(const char *dir, const char *db, const uint8_t *key, size_t klen,
                     void (*edit)(uint8_t *v, size_t len), uint8_t *saved, size_t *saved_len)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {klen, (void *)key}, v;
	uint8_t buf[4096];
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(v.mv_size <= sizeof(buf));
	memcpy(buf, v.mv_data, v.mv_size);
	memcpy(saved, v.mv_data, v.mv_size);
	*saved_len = v.mv_size;
	if (edit) {
		edit(buf, v.mv_size);
		MDB_val nv = {v.mv_size, buf};
		assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
	} else {
		assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	}
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void raw_restore(const char *dir, const char *db, const uint8_t *key, size_t klen,
                        const uint8_t *saved, size_t saved_len)
{
	MDB_env *env = raw_open(dir);
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {klen, (void *)key}, v = {saved_len, (void *)saved};
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void flip_change_byte(uint8_t *v, size_t len)
{
	v[len - 3] ^= 1; /* inside the change bytes, after flags, kind and H */
}

static void flip_stored_hash(uint8_t *v, size_t len)
{
	(void)len;
	v[2] ^= 1; /* H, after flags and kind */
}

static void flip_signature(uint8_t *v, size_t len)
{
	v[len - 1] ^= 1; /* the signature ends the head */
}

static void bump_tip(uint8_t *v, size_t len)
{
	(void)len;
	v[7]++; /* seq, big-endian, first in the vector entry */
}

/* The store's verdict on itself after one alteration, then the alteration undone. */
static void expect_verdict(const char *dir, const char *db, const uint8_t *key, size_t klen,
                           void (*edit)(uint8_t *v, size_t len), int err, const char *says)
{
	uint8_t saved[4096];
	size_t saved_len;
	yx_store_t *st = NULL;
	yx_diag_t d = {{0}};
	raw_edit(dir, db, key, klen, edit, saved, &saved_len);
	assert_int_equal(yx_store_open(dir, 0, 0, &st, &d), YX_OK);
	assert_int_equal(yx_store_verify(st, &d), err);
	if (!strstr(d.msg, says))
		fail_msg("\"%s\" does not say \"%s\"", d.msg, says);
	yx_store_close(&st);
	raw_restore(dir, db, key, klen, saved, saved_len);
	assert_int_equal(yx_store_open(dir, 0, 0, &st, &d), YX_OK);
	assert_int_equal(yx_store_verify(st, &d), YX_OK);
	yx_store_close(&st);
}

static void test_store_verify(void **state)
{
	(void)state;
	char *adir = fx_tmpdir("verify-a"), *bdir = fx_tmpdir("verify-b");
	yx_store_t *a = NULL, *b = NULL;
	yx_identity_t *aid = NULL, *bid = NULL;
	yx_batch_t *batch = NULL;
	yx_diag_t d = {{0}};
	yx_head_t head;
	chain_t ch;
	assert_int_equal(yx_store_open(adir, YX_STORE_CREATE, 0, &a, &d), YX_OK);
	assert_int_equal(yx_store_open(bdir, YX_STORE_CREATE, 0, &b, &d), YX_OK);
	assert_int_equal(yx_identity_generate(&aid), YX_OK);
	assert_int_equal(yx_identity_generate(&bid), YX_OK);
	/* A writes N enterprises; B receives them, two as stubs, and writes some of its own. */
	assert_int_equal(yx_batch_begin(a, aid, &batch), YX_OK);
	for (uint32_t i = 1; i <= N; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		assert_int_equal(yx_batch_put(batch, &c, &d), YX_OK);
	}
	assert_int_equal(yx_batch_commit(&batch, &head), YX_OK);
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(yx_store_log_iterate(a, yx_identity_public(aid), 1, copy_out, &ch), YX_OK);
	assert_int_equal(
	        yx_store_append_verified(b, yx_identity_public(aid), ch.e, N, &head, NULL, &d),
	        YX_OK);
	assert_int_equal(yx_batch_begin(b, bid, &batch), YX_OK);
	for (uint32_t i = 100; i < 103; i++) {
		fx_incubator_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_incubator_init(&f, i);
		yx_change_set_body(&c, YX_KIND_INCUBATOR, &f.inc);
		c.id = f.id;
		assert_int_equal(yx_batch_put(batch, &c, &d), YX_OK);
	}
	assert_int_equal(yx_batch_commit(&batch, NULL), YX_OK);
	assert_int_equal(yx_store_verify(b, &d), YX_OK);
	yx_store_close(&b);

	/* A's log is origin 0 in B (it came first), "log.0" keyed by seq: alter it underneath
	 * the store. */
	uint8_t key[12] = {0}, vkey[4] = {0};
	key[11] = 2; /* seq 2 */
	expect_verdict(bdir, "log.0", key + 4, 8, flip_change_byte, YX_ECHAIN,
	               "and the entry's change bytes");
	key[11] = 5;
	expect_verdict(bdir, "log.0", key + 4, 8, flip_stored_hash, YX_ECHAIN, "does not follow");
	expect_verdict(bdir, "log.0", key + 4, 8, NULL, YX_ECHAIN, "log entry 5 missing");
	key[11] = N;
	expect_verdict(bdir, "heads", key, 12, flip_signature, YX_ESIG, "does not verify");
	expect_verdict(bdir, "vector", vkey, 4, bump_tip, YX_ECHAIN, "the vector says");

	yx_store_close(&a);
	yx_identity_free(&aid);
	yx_identity_free(&bid);
	for (int i = 0; i <= N; i++)
		free(ch.bytes[i]);
	fx_rmtree(adir);
	fx_rmtree(bdir);
	free(adir);
	free(bdir);
}

/* Version v of a one-member federation (member a, key A), with a's keys as given, signed
 * by signer; appended to chain. */
static void charter_add(yx_charter_chain_t *chain, const yx_identity_t *a, const yx_identity_t *b,
                        uint64_t after, const yx_identity_t *signer)
{
	yx_charter_t c, *built = NULL;
	yx_member_t m;
	yx_diag_t d = {{0}};
	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "a");
	m.city = m.jurisdiction[0] = 310000;
	m.n_jurisdiction = 1;
	memcpy(m.origin, yx_identity_public(a), 32);
	memcpy(m.keys[0].key, m.origin, 32);
	m.n_keys = 1;
	if (b) {
		m.keys[1].after_seq = after;
		memcpy(m.keys[1].key, yx_identity_public(b), 32);
		m.n_keys = 2;
	}
	snprintf(m.endpoints[0], sizeof(m.endpoints[0]), "tcp://127.0.0.1:17001");
	m.n_endpoints = 1;
	c.version = (uint32_t)chain->n + 1;
	c.threshold = 1;
	if (chain->n)
		memcpy(c.prev_hash, yx_charter_chain_current(chain)->hash, 32);
	snprintf(c.federation, sizeof(c.federation), "长三角协同孵化网络");
	c.members = &m;
	c.n_members = 1;
	assert_int_equal(yx_charter_build(&c, &built, &d), YX_OK);
	uint8_t raw[YX_SIG_BYTES];
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	yx_charter_sign(built->hash, signer, raw);
	sig.key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(signer)};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw};
	assert_int_equal(yx_charter_chain_append(chain, built, &psig, 1), YX_OK);
	yx_charter_free(&built);
}

/* A store that received a rotated member's log (its key A up to seq 4, B after) verifies
 * with no rules set — as a tool opens it — by the charter it holds; without one, B's heads
 * do not verify. */
static void test_store_verify_held_charter(void **state)
{
	(void)state;
	fx_node_t a, r;
	yx_identity_t *b = NULL;
	yx_batch_t *batch = NULL;
	yx_diag_t d = {{0}};
	yx_head_t h4, h8;
	chain_t ch;
	fx_node_open(&a, "verify-rot-a");
	fx_node_open(&r, "verify-rot-r");
	assert_int_equal(yx_identity_generate(&b), YX_OK);
	const uint8_t *origin = yx_identity_public(a.id);
	for (uint32_t i = 1; i <= N; i++) {
		if (i == 1 || i == 5)
			assert_int_equal(yx_batch_begin(a.store, i == 1 ? a.id : b, &batch), YX_OK);
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		assert_int_equal(yx_batch_put(batch, &c, &d), YX_OK);
		if (i == 4 || i == N)
			assert_int_equal(yx_batch_commit(&batch, i == 4 ? &h4 : &h8), YX_OK);
		if (i == 4)
			assert_int_equal(yx_store_set_signer(a.store, 4, yx_identity_public(b), &d),
			                 YX_OK);
	}
	memset(&ch, 0, sizeof(ch));
	assert_int_equal(yx_store_log_iterate(a.store, origin, 1, copy_out, &ch), YX_OK);
	assert_int_equal(yx_store_append_verified(r.store, origin, ch.e, 4, &h4, NULL, &d), YX_OK);
	assert_int_equal(yx_store_append_verified(r.store, origin, ch.e + 4, 4, &h8, NULL, &d),
	                 YX_ESIG); /* no rule for it: B is no key of A's */
	/* received as a daemon's rules (the charter's) let it in */
	fx_rotated_t rot = {.after = 4};
	memcpy(rot.origin, origin, 32);
	memcpy(rot.next, yx_identity_public(b), 32);
	yx_rules_t rules = {.signer = fx_rotated_signer, .arg = &rot};
	yx_store_set_rules(r.store, &rules);
	assert_int_equal(yx_store_append_verified(r.store, origin, ch.e + 4, 4, &h8, NULL, &d),
	                 YX_OK);
	yx_store_set_rules(r.store, NULL);
	memset(&d, 0, sizeof(d));
	assert_int_equal(yx_store_verify(r.store, &d), YX_ESIG); /* no charter held */
	assert_non_null(strstr(d.msg, "head at seq 8"));
	/* version 1 alone (no rotation): still B's heads are bad; version 2 held: good */
	yx_charter_chain_t *chain = calloc(1, sizeof(*chain));
	uint8_t *bytes = NULL;
	size_t len = 0;
	assert_non_null(chain);
	for (int v = 1; v <= 2; v++) {
		charter_add(chain, a.id, v == 2 ? b : NULL, 4, a.id);
		assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
		assert_int_equal(yx_store_charter_put(r.store, bytes, len), YX_OK);
		free(bytes);
		assert_int_equal(yx_store_verify(r.store, &d), v == 2 ? YX_OK : YX_ESIG);
	}
	yx_charter_chain_free(&chain);
	yx_store_close(&r.store);
	assert_int_equal(yx_store_open(r.dir, YX_STORE_READONLY, 0, &r.store, &d), YX_OK);
	assert_int_equal(yx_store_verify(r.store, &d), YX_OK);
	yx_identity_free(&b);
	for (int i = 0; i <= N; i++)
		free(ch.bytes[i]);
	fx_node_close(&a);
	fx_node_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_new_segment),
	        cmocka_unit_test(test_rejected_before_parsing),
	        cmocka_unit_test(test_overlap_fork_and_fill),
	        cmocka_unit_test(test_authentic_but_wrong),
	        cmocka_unit_test(test_policy_named_by_head),
	        cmocka_unit_test(test_store_verify),
	        cmocka_unit_test(test_store_verify_held_charter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
