/* chain: the digest and link functions against known answers, signed heads (the exact
 * bytes signed, every field covered), the chain a store writes, hand-built segments
 * accepted and, with a broken link, refused, and a link broken at rest found by verify.
 * Real LMDB in scratch directories, real Ed25519 keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "fixtures.h"
#include "store.h"

/* Fixed write times of hand-built changes and heads (2023-11-14). */
#define T0 1700000000000

static void hex_decode(const char *hex, uint8_t out[32])
{
	size_t got = 0;
	assert_int_equal(sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &got, NULL), 0);
	assert_int_equal(got, 32);
}

/* D and H computed elsewhere (Python's hashlib.blake2b, digest_size=32): the chain's
 * format is fixed, every node of the federation must compute the same. */
static void test_known_answers(void **state)
{
	(void)state;
	uint8_t d_abc[32], d_empty[32], h1[32], h2[32], want[32], zero[32] = {0}, swapped[32];
	yx_chain_digest((const uint8_t *)"abc", 3, d_abc);
	hex_decode("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319", want);
	assert_memory_equal(d_abc, want, 32);
	yx_chain_digest((const uint8_t *)"", 0, d_empty);
	hex_decode("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", want);
	assert_memory_equal(d_empty, want, 32);

	/* H(1) = BLAKE2b-256("yrdx-chain-v1" || 32 zero bytes || D(1)), then H(2) from H(1). */
	yx_chain_link(zero, d_abc, h1);
	hex_decode("f3974c0bb4eeddb7b3f0453eb1ac6d400feae8d05f5aaab353bc4ba9b246faca", want);
	assert_memory_equal(h1, want, 32);
	yx_chain_link(h1, d_empty, h2);
	hex_decode("0dabf0e33b6f643dcf0bc72dd4b83823a88fcfd2ec2ec245662e74b758bed57c", want);
	assert_memory_equal(h2, want, 32);

	/* Order matters: the same two digests the other way round link to another hash. */
	yx_chain_link(d_empty, h1, swapped);
	assert_memory_not_equal(swapped, h2, 32);
}

/* Builds the bytes a head signature covers, here and not with chain.c's code: "tag" ||
 * origin || seq || hash || time, then policy_seq when with_policy (integers big-endian). */
static size_t head_bytes(const yx_head_t *h, const char *tag, bool with_policy, uint8_t *msg)
{
	uint8_t *p = msg;
	memcpy(p, tag, 12);
	p += 12;
	memcpy(p, h->origin, 32);
	p += 32;
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(h->seq >> (56 - 8 * i));
	memcpy(p, h->hash, 32);
	p += 32;
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)((uint64_t)h->time_ms >> (56 - 8 * i));
	for (int i = 0; with_policy && i < 8; i++)
		*p++ = (uint8_t)(h->policy_seq >> (56 - 8 * i));
	return (size_t)(p - msg);
}

/* A head is signed in version 2: "yrdx-head-v2" || origin || seq || hash || time ||
 * policy_seq — checked with libsodium on bytes built here, then each field altered. A
 * version 1 head (kept from before) verifies against the version 1 bytes, and only them. */
static void test_head_signature(void **state)
{
	(void)state;
	yx_identity_t *id = NULL, *other = NULL;
	yx_head_t h = {0};
	uint8_t msg[12 + 32 + 8 + 32 + 8 + 8];
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	memcpy(h.origin, yx_identity_public(id), 32);
	h.seq = 0x0102030405060708ull;
	for (int i = 0; i < 32; i++)
		h.hash[i] = (uint8_t)(0xa0 + i);
	h.time_ms = T0;
	h.policy_seq = 0x0102030405060001ull;
	yx_head_sign(&h, id);
	assert_int_equal(h.version, YX_HEAD_V2);
	assert_int_equal(yx_head_verify(&h), YX_OK);
	size_t len = head_bytes(&h, "yrdx-head-v2", true, msg);
	assert_int_equal(len, sizeof(msg));
	assert_int_equal(crypto_sign_verify_detached(h.signature, msg, len, h.origin), 0);

	/* Version 1: signed over the old bytes (as a store from before holds them). */
	yx_head_t v1 = h;
	fx_head_sign_v1(&v1, id);
	len = head_bytes(&v1, "yrdx-head-v1", false, msg);
	assert_int_equal(len, sizeof(msg) - 8);
	assert_int_equal(crypto_sign_verify_detached(v1.signature, msg, len, v1.origin), 0);
	assert_int_equal(yx_head_verify(&v1), YX_OK);
	yx_head_t as_v2 = v1; /* the same signature read as a version 2 head */
	as_v2.version = YX_HEAD_V2;
	assert_int_equal(yx_head_verify(&as_v2), YX_ESIG);

	yx_head_t bad = h;
	bad.seq++;
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	bad.hash[31] ^= 1;
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	bad.time_ms++;
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	bad.policy_seq--; /* a relay moving the policy the origin named */
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	bad.version = YX_HEAD_V1; /* nor passing it off as a head that names none */
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	bad.signature[63] ^= 0x10;
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	bad = h;
	memcpy(bad.origin, yx_identity_public(other), 32);
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	/* Signed by another key while naming this origin. */
	bad = h;
	yx_head_sign(&bad, other);
	assert_int_equal(yx_head_verify(&bad), YX_ESIG);
	yx_identity_free(&id);
	yx_identity_free(&other);
}

/* Wire form: through protobuf and back unchanged; a field of the wrong size is refused
 * naming the field. */
static void test_head_proto(void **state)
{
	(void)state;
	yx_identity_t *id = NULL;
	yx_head_t h = {0}, back;
	yx_diag_t d = {{0}};
	Yrdx__SignedHead m;
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	memcpy(h.origin, yx_identity_public(id), 32);
	h.seq = 4096;
	memset(h.hash, 0x5c, 32);
	h.time_ms = T0 + 1;
	h.policy_seq = 4000;
	yx_head_sign(&h, id);

	yx_head_to_proto(&h, &m);
	size_t len = yrdx__signed_head__get_packed_size(&m);
	uint8_t *buf = malloc(len);
	assert_int_equal(yrdx__signed_head__pack(&m, buf), len);
	Yrdx__SignedHead *u = yrdx__signed_head__unpack(NULL, len, buf);
	assert_non_null(u);
	memset(&back, 0, sizeof(back));
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_OK);
	assert_memory_equal(&back, &h, sizeof(h));
	assert_int_equal(yx_head_verify(&back), YX_OK);

	u->origin.len = 31;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.origin: 31 bytes, expected 32");
	u->origin.len = 32;
	u->hash.len = 33;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.hash: 33 bytes, expected 32");
	u->hash.len = 32;
	u->signature.len = 0;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.signature: 0 bytes, expected 64");
	u->signature.len = 64;
	/* The policy seq: never past the head, never in a version 1 head; no version 3. */
	u->policy_seq = 4097;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.policy_seq: 4097, past the head's own seq 4096");
	u->policy_seq = 4000;
	u->version = 1;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.policy_seq: set in a version 1 head");
	u->version = 3;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_EDECODE);
	assert_string_equal(d.msg, "head.version: 3, this build knows 1 and 2");
	u->version = 0; /* absent: a head from before */
	u->policy_seq = 0;
	assert_int_equal(yx_head_from_proto(u, &back, &d), YX_OK);
	assert_int_equal(back.version, YX_HEAD_V1);
	assert_int_equal(yx_head_verify(&back), YX_ESIG); /* signed as version 2 */
	yrdx__signed_head__free_unpacked(u, NULL);
	free(buf);
	yx_identity_free(&id);
}

typedef struct {
	uint64_t next;
	uint8_t prev[YX_HASH_BYTES];
	const uint8_t *origin;
} walk_t;

/* Each stored entry: H links the digest of its bytes (D, not kept: digest is NULL) to the
 * one before, and the change itself names its origin, its seq and H(seq - 1). */
static int check_link(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                      const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	walk_t *w = arg;
	uint8_t d[YX_HASH_BYTES], h[YX_HASH_BYTES];
	Yrdx__Change *c = NULL;
	assert_int_equal(seq, w->next);
	assert_int_equal(kind, YX_KIND_ENTERPRISE);
	assert_non_null(bytes);
	assert_null(digest);
	yx_chain_digest(bytes, len, d);
	yx_chain_link(w->prev, d, h);
	assert_memory_equal(h, hash, YX_HASH_BYTES);
	assert_int_equal(yx_change_decode(bytes, len, &c), YX_OK);
	assert_int_equal(c->seq, seq);
	assert_int_equal(c->origin.len, YX_KEY_BYTES);
	assert_memory_equal(c->origin.data, w->origin, YX_KEY_BYTES);
	assert_int_equal(c->prev_hash.len, YX_HASH_BYTES);
	assert_memory_equal(c->prev_hash.data, w->prev, YX_HASH_BYTES);
	yx_change_free(&c);
	memcpy(w->prev, h, YX_HASH_BYTES);
	w->next++;
	return 0;
}

/* What local batches store is the chain of chain.h, closed by heads over its hashes. */
static void test_store_writes_the_chain(void **state)
{
	(void)state;
	fx_node_t a;
	yx_tip_t tip;
	yx_head_t head;
	uint8_t h[YX_HASH_BYTES];
	fx_node_open(&a, "chain-store");
	fx_put_enterprises(&a, 0, 5);
	fx_put_enterprises(&a, 5, 3);
	fx_put_enterprises(&a, 8, 4);
	const uint8_t *origin = yx_identity_public(a.id);
	walk_t w = {.next = 1, .origin = origin};
	assert_int_equal(yx_store_log_iterate(a.store, origin, 1, check_link, &w), YX_OK);
	assert_int_equal(w.next, 13);
	assert_int_equal(yx_store_tip(a.store, origin, &tip), YX_OK);
	assert_int_equal(tip.seq, 12);
	assert_memory_equal(tip.hash, w.prev, YX_HASH_BYTES);

	/* One head per batch, each over H at its seq. */
	static const uint64_t heads[] = {5, 8, 12};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(yx_store_head_find(a.store, origin, heads[i] - 1, &head), YX_OK);
		assert_int_equal(head.seq, heads[i]);
		assert_int_equal(yx_store_hash(a.store, origin, heads[i], h), YX_OK);
		assert_memory_equal(head.hash, h, YX_HASH_BYTES);
		assert_memory_equal(head.origin, origin, YX_KEY_BYTES);
		assert_int_equal(yx_head_verify(&head), YX_OK);
	}
	assert_int_equal(yx_store_head_find(a.store, origin, 13, &head), YX_ENOTFOUND);
	fx_node_close(&a);
}

static void incubator_log(fx_log_t *log, uint32_t first, uint32_t count)
{
	for (uint32_t i = first; i < first + count; i++) {
		fx_incubator_t f;
		fx_incubator_init(&f, i);
		fx_log_append(log, YX_KIND_INCUBATOR, &f.inc, T0 + i);
	}
	fx_log_sign(log, T0 + first + count);
}

/* A segment built with chain.h alone is what the store accepts, and a second one goes on
 * from the first one's last hash. */
static void test_hand_built_segments_accepted(void **state)
{
	(void)state;
	fx_node_t b;
	yx_identity_t *origin_id = NULL;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	yx_tip_t tip;
	uint8_t h[YX_HASH_BYTES];
	fx_log_t log;
	fx_node_open(&b, "chain-accept");
	assert_int_equal(yx_identity_generate(&origin_id), YX_OK);
	const uint8_t *origin = yx_identity_public(origin_id);
	fx_log_init(&log, origin_id);

	incubator_log(&log, 0, 4);
	if (yx_store_append_verified(b.store, origin, log.e, log.n, &log.head, &appended, &d))
		fail_msg("first segment refused: %s", d.msg);
	assert_int_equal(appended, 4);
	assert_int_equal(yx_store_hash(b.store, origin, 2, h), YX_OK);
	assert_memory_equal(h, log.chain[1], YX_HASH_BYTES);
	fx_log_clear(&log);

	incubator_log(&log, 4, 3);
	if (yx_store_append_verified(b.store, origin, log.e, log.n, &log.head, &appended, &d))
		fail_msg("second segment refused: %s", d.msg);
	assert_int_equal(appended, 3);
	assert_int_equal(yx_store_tip(b.store, origin, &tip), YX_OK);
	assert_int_equal(tip.seq, 7);
	assert_memory_equal(tip.hash, log.hash, YX_HASH_BYTES);
	if (yx_store_verify(b.store, &d) != YX_OK)
		fail_msg("verify: %s", d.msg);
	fx_log_clear(&log);
	yx_identity_free(&origin_id);
	fx_node_close(&b);
}

/* Appends log's pending segment to n's store expecting err and a diag containing what;
 * the store holds nothing of the origin afterwards. */
static void expect_refused(fx_node_t *n, fx_log_t *log, int err, const char *what)
{
	yx_diag_t d = {{0}};
	yx_tip_t tip;
	size_t appended = 99;
	const uint8_t *origin = yx_identity_public(log->id);
	int ret = yx_store_append_verified(n->store, origin, log->e, log->n, &log->head, &appended,
	                                   &d);
	if (ret != err || !strstr(d.msg, what))
		fail_msg("got %d (%s) \"%s\", expected %d (%s) \"%s\"", ret, yx_strerror(ret),
		         d.msg, err, yx_strerror(err), what);
	assert_int_equal(appended, 0);
	assert_int_equal(yx_store_tip(n->store, origin, &tip), YX_ENOTFOUND);
}

/* Encodes incubator i as a change with the envelope given (for lying envelopes). */
static void append_with_envelope(fx_log_t *log, uint32_t i, const uint8_t *origin, uint64_t seq,
                                 const uint8_t *prev)
{
	fx_incubator_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	uint8_t *bytes = NULL;
	size_t len = 0;
	fx_incubator_init(&f, i);
	c.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)origin};
	c.seq = seq;
	c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, (uint8_t *)prev};
	c.time_ms = T0 + i;
	yx_change_set_body(&c, YX_KIND_INCUBATOR, &f.inc);
	c.id = f.id;
	assert_int_equal(yx_change_encode(&c, &bytes, &len), YX_OK);
	fx_log_append_bytes(log, bytes, len);
}

static void test_broken_links_refused(void **state)
{
	(void)state;
	fx_node_t b;
	yx_identity_t *origin_id = NULL, *other = NULL;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	fx_log_t log;
	uint8_t saved[YX_HASH_BYTES];
	fx_node_open(&b, "chain-refuse");
	assert_int_equal(yx_identity_generate(&origin_id), YX_OK);
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	const uint8_t *origin = yx_identity_public(origin_id);
	fx_log_init(&log, origin_id);
	incubator_log(&log, 0, 5);

	/* Two changes in each other's place: every byte is the origin's, the order is not. */
	uint8_t *tb = log.bytes[1];
	size_t tl = log.e[1].len;
	log.e[1].bytes = log.bytes[2];
	log.e[1].len = log.e[2].len;
	log.e[2].bytes = tb;
	log.e[2].len = tl;
	expect_refused(&b, &log, YX_ECHAIN, "seq 1..5 do not hash to the head at seq 5");
	log.e[2].bytes = log.e[1].bytes;
	log.e[2].len = log.e[1].len;
	log.e[1].bytes = tb;
	log.e[1].len = tl;

	/* A stub whose digest is not the withheld change's. */
	log.e[3].bytes = NULL;
	log.e[3].digest = log.digest[3];
	log.digest[3][0] ^= 1;
	expect_refused(&b, &log, YX_ECHAIN, "do not hash to the head at seq 5");
	log.digest[3][0] ^= 1;
	log.e[3].bytes = log.bytes[3];
	log.e[3].digest = NULL;

	/* One change dropped: the rest renumbered, the head still over the full chain. */
	yx_entry_t full[5];
	memcpy(full, log.e, sizeof(full));
	memmove(&log.e[2], &log.e[3], 2 * sizeof(yx_entry_t));
	log.e[2].seq = 3;
	log.e[3].seq = 4;
	log.n = 4;
	log.head.seq = 4;
	yx_head_sign(&log.head, origin_id);
	expect_refused(&b, &log, YX_ECHAIN, "do not hash to the head at seq 4");
	memcpy(log.e, full, sizeof(full));
	log.n = 5;
	fx_log_sign(&log, T0);

	/* A head that does not close the segment it came with. */
	log.head.seq = 4;
	yx_head_sign(&log.head, origin_id);
	expect_refused(&b, &log, YX_ECHAIN, "head at seq 4 does not close the segment");
	fx_log_sign(&log, T0);

	/* The honest segment after all that. */
	if (yx_store_append_verified(b.store, origin, log.e, log.n, &log.head, &appended, &d))
		fail_msg("honest segment refused: %s", d.msg);
	assert_int_equal(appended, 5);
	fx_log_clear(&log);
	fx_node_close(&b);

	/* Changes whose own envelope breaks the chain, although the origin signed the
	 * hashes: each is refused naming the seq. */
	fx_node_open(&b, "chain-envelope");
	uint8_t zero[YX_HASH_BYTES] = {0};
	fx_log_init(&log, origin_id);
	incubator_log(&log, 0, 1);
	memcpy(saved, log.hash, YX_HASH_BYTES);
	append_with_envelope(&log, 1, origin, 2, zero); /* prev_hash not H(1) */
	fx_log_sign(&log, T0);
	expect_refused(&b, &log, YX_ECHAIN, "seq 2: prev_hash does not match the hash of seq 1");
	fx_log_clear(&log);

	fx_log_init(&log, origin_id);
	incubator_log(&log, 0, 1);
	append_with_envelope(&log, 1, origin, 3, saved); /* carries seq 3 at seq 2 */
	fx_log_sign(&log, T0);
	expect_refused(&b, &log, YX_ECHAIN, "seq 2: change carries seq 3");
	fx_log_clear(&log);

	fx_log_init(&log, origin_id);
	incubator_log(&log, 0, 1);
	append_with_envelope(&log, 1, yx_identity_public(other), 2, saved); /* another origin */
	fx_log_sign(&log, T0);
	expect_refused(&b, &log, YX_ECHAIN, "seq 2: change names another origin");
	fx_log_clear(&log);

	yx_identity_free(&origin_id);
	yx_identity_free(&other);
	fx_node_close(&b);
}

/* Flips one byte of a stored value (db, key) in the closed store at dir, or restores it. */
static void poke(const char *dir, const char *db, const uint8_t *key, size_t key_len, size_t offset,
                 uint8_t mask)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {key_len, (void *)key}, v;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 2048);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(offset < v.mv_size);
	uint8_t *copy = malloc(v.mv_size);
	memcpy(copy, v.mv_data, v.mv_size);
	copy[offset] ^= mask;
	MDB_val nv = {v.mv_size, copy};
	assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	free(copy);
}

/* The key of origin's entry seq in the log and heads databases: local origin id, seq. */
static void entry_key(const char *dir, const uint8_t *origin, uint64_t seq, uint8_t key[12])
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	bool found = false;
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 2048);
	assert_int_equal(mdb_env_open(env, dir, MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "origins", 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
	while (!found && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0)
		if (v.mv_size == YX_KEY_BYTES && memcmp(v.mv_data, origin, YX_KEY_BYTES) == 0) {
			assert_int_equal(k.mv_size, 4);
			memcpy(key, k.mv_data, 4);
			found = true;
		}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	assert_true(found);
	for (int i = 0; i < 8; i++)
		key[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

static void expect_verify(fx_node_t *n, int err, const char *what)
{
	yx_diag_t d = {{0}};
	assert_int_equal(yx_store_open(n->dir, 0, 0, &n->store, &d), YX_OK);
	int ret = yx_store_verify(n->store, &d);
	yx_store_close(&n->store);
	if (ret != err || (what && !strstr(d.msg, what)))
		fail_msg("verify: got %d (%s) \"%s\", expected %d (%s) \"%s\"", ret,
		         yx_strerror(ret), d.msg, err, yx_strerror(err), what ? what : "");
}

/* A link altered on disk after the fact is found by verify, which names the seq. Stored
 * log value: flags(1) kind(1) H(32) change bytes (trimmed, store_int.h); heads: H(32)
 * time(8) sig(64). */
static void test_verify_finds_broken_link_at_rest(void **state)
{
	(void)state;
	fx_node_t a;
	uint8_t key[12];
	fx_node_open(&a, "chain-rest");
	fx_put_enterprises(&a, 0, 5);
	fx_put_enterprises(&a, 5, 5);
	yx_store_close(&a.store);
	expect_verify(&a, YX_OK, NULL);

	/* the origin's log is "log.N" for its local id N, keyed by seq */
	char log[32];
	entry_key(a.dir, yx_identity_public(a.id), 4, key);
	snprintf(log, sizeof(log), "log.%u",
	         (unsigned)key[0] << 24 | (unsigned)key[1] << 16 | key[2] << 8 | key[3]);
	poke(a.dir, log, key + 4, 8, 2 + 7, 0x01); /* a byte of H(4) */
	expect_verify(&a, YX_ECHAIN, "seq 4: stored hash does not follow from seq 3");
	poke(a.dir, log, key + 4, 8, 2 + 7, 0x01);
	expect_verify(&a, YX_OK, NULL);

	poke(a.dir, log, key + 4, 8, 2 + 32 + 40, 0x02); /* a byte of change 4 */
	expect_verify(&a, YX_ECHAIN,
	              "seq 4: stored hash does not follow from seq 3 and the entry's change bytes");
	poke(a.dir, log, key + 4, 8, 2 + 32 + 40, 0x02);

	entry_key(a.dir, yx_identity_public(a.id), 5, key);
	poke(a.dir, "heads", key, 12, 32 + 8 + 3, 0x04); /* the head's signature at seq 5 */
	expect_verify(&a, YX_ESIG, "head at seq 5 does not verify");
	poke(a.dir, "heads", key, 12, 32 + 8 + 3, 0x04);
	expect_verify(&a, YX_OK, NULL);
	fx_node_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_known_answers),
	        cmocka_unit_test(test_head_signature),
	        cmocka_unit_test(test_head_proto),
	        cmocka_unit_test(test_store_writes_the_chain),
	        cmocka_unit_test(test_hand_built_segments_accepted),
	        cmocka_unit_test(test_broken_links_refused),
	        cmocka_unit_test(test_verify_finds_broken_link_at_rest),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
