/* Store: local batches, reads, indexes, verified remote segments and their rejections,
 * durability across close and SIGKILL, digests. Real LMDB in scratch directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "store.h"
#include "validate.h"

/* Origin's current version of enterprise i in store (yx_change_free it), or NULL if none
 * is readable. */
static Yrdx__Change *enterprise_get(yx_store_t *store, const uint8_t *origin, uint32_t i)
{
	fx_enterprise_t f;
	Yrdx__Change *c = NULL;
	fx_enterprise_init(&f, i);
	return yx_store_get(store, YX_KIND_ENTERPRISE, origin, f.code, &c) == YX_OK ? c : NULL;
}
/* Commits enterprises [first, first+count) as one batch. */
static yx_head_t put_enterprises(fx_node_t *n, uint32_t first, uint32_t count)
{
	yx_batch_t *b = NULL;
	yx_head_t head;
	yx_diag_t d = {{0}};
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	for (uint32_t i = first; i < first + count; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		if (yx_batch_put(b, &c, &d) != YX_OK)
			fail_msg("put %u: %s", i, d.msg);
	}
	assert_int_equal(yx_batch_commit(&b, &head), YX_OK);
	assert_null(b);
	return head;
}

/* A segment of a store's log copied out, as a peer would send it. */
typedef struct {
	size_t n;
	yx_entry_t *e;
	uint8_t **bytes;
	uint8_t (*digests)[YX_HASH_BYTES];
	yx_head_t head;
} segment_t;

typedef struct {
	segment_t *seg;
	uint64_t last;
	bool stubs;
} copy_ctx_t;

static int copy_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                      const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	copy_ctx_t *ctx = arg;
	segment_t *s = ctx->seg;
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

/* Entries (first, head at or after first] of origin's log in store. */
static segment_t segment_read(yx_store_t *store, const uint8_t *origin, uint64_t first, bool stubs)
{
	segment_t s = {0};
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

static void segment_free(segment_t *s)
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

static int count_record(void *arg, const uint8_t *origin, uint64_t seq, const Yrdx__Change *c)
{
	(void)origin;
	(void)seq;
	(void)c;
	(*(size_t *)arg)++;
	return 0;
}

static void test_append_read_iterate(void **state)
{
	(void)state;
	fx_node_t a;
	fx_node_open(&a, "store-basic");
	yx_head_t h1 = put_enterprises(&a, 0, 100);
	assert_int_equal(h1.seq, 100);
	assert_int_equal(yx_head_verify(&h1), YX_OK);
	yx_head_t h2 = put_enterprises(&a, 100, 50);
	assert_int_equal(h2.seq, 150);

	/* read by key */
	for (uint32_t i = 0; i < 150; i += 7) {
		fx_enterprise_t f;
		fx_enterprise_init(&f, i);
		Yrdx__Change *c = enterprise_get(a.store, yx_identity_public(a.id), i);
		assert_non_null(c);
		assert_string_equal(c->enterprise->name, f.name);
		assert_int_equal(c->seq, i + 1);
		yx_change_free(&c);
	}
	Yrdx__Change *none = NULL;
	assert_int_equal(yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(a.id),
	                              "911100000000000000", &none),
	                 YX_ENOTFOUND);

	/* iterate the log from the middle */
	segment_t s = segment_read(a.store, yx_identity_public(a.id), 101, false);
	assert_int_equal(s.n, 50);
	assert_int_equal(s.e[0].seq, 101);
	assert_memory_equal(s.head.hash, h2.hash, YX_HASH_BYTES);
	segment_free(&s);

	/* by index: incubator SH-INC-0007 has enterprises 7, 507...; only 7 here */
	size_t found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, 150);

	/* version vector */
	yx_vector_t v;
	assert_int_equal(yx_store_vector(a.store, &v), YX_OK);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.tips[0].seq, 150);
	assert_memory_equal(v.tips[0].hash, h2.hash, YX_HASH_BYTES);
	yx_vector_free(&v);
	yx_diag_t d = {{0}};
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* The store in dir opened with LMDB itself and a write txn begun: for making old stores. */
static void raw_open(const char *dir, MDB_env **env, MDB_txn **txn)
{
	assert_int_equal(mdb_env_create(env), 0);
	mdb_env_set_maxdbs(*env, 2048);
	assert_int_equal(mdb_env_open(*env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
}

/* Marks the store of schema version, commits and closes. */
static void raw_schema_close(MDB_env *env, MDB_txn *txn, uint8_t version)
{
	MDB_dbi meta;
	uint8_t v[4] = {0, 0, 0, version};
	MDB_val mk = {6, "schema"}, mv = {4, v};
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_put(txn, meta, &mk, &mv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static int count_stored(void *arg, const yx_stored_t *rec)
{
	(void)rec;
	(*(size_t *)arg)++;
	return 0;
}

/* Retractions that are their records' last word, of any kind. */
static size_t count_retracted(fx_node_t *n)
{
	yx_snap_t *snap = NULL;
	size_t found = 0;
	assert_int_equal(yx_snap_open(n->store, &snap), YX_OK);
	assert_int_equal(yx_snap_scan_retracted(snap, YX_KIND_NONE, NULL, count_stored, &found),
	                 YX_OK);
	yx_snap_close(&snap);
	return found;
}

static void test_update_and_retract(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	fx_node_open(&a, "store-update");
	put_enterprises(&a, 0, 10);

	/* a new version of enterprise 3 moves it to another incubator */
	fx_enterprise_t f;
	yx_batch_t *b = NULL;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_enterprise_init(&f, 3);
	strcpy(f.incubator, "HZ-INC-0001");
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	size_t found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0003", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 0);
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "HZ-INC-0001", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 1);

	/* retract it: gone from state and every index */
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, f.code, "moved out", &d), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, "911100000000000000", "x", &d),
	                 YX_ENOTFOUND);
	assert_non_null(strstr(d.msg, "911100000000000000"));
	yx_head_t h;
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 12);
	Yrdx__Change *got = NULL;
	assert_int_equal(
	        yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(a.id), f.code, &got),
	        YX_ENOTFOUND);
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "HZ-INC-0001", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 0);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, 9);
	/* ... but its retraction is there to read: reason, time, author */
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_OK);
	assert_int_equal(got->body_case, YRDX__CHANGE__BODY_TOMBSTONE);
	assert_string_equal(got->tombstone->reason, "moved out");
	assert_int_equal(got->seq, 12);
	assert_true(got->time_ms > 0);
	yx_change_free(&got);
	assert_int_equal(count_retracted(&a), 1);
	/* written again, it stands: no retraction any more */
	fx_enterprise_init(&f, 3);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_ENOTFOUND);
	assert_int_equal(count_retracted(&a), 0);
	/* and retracted again: the newer tombstone is the last word */
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, f.code, "closed down", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), f.code, &got),
	                 YX_OK);
	assert_string_equal(got->tombstone->reason, "closed down");
	assert_int_equal(got->seq, 14);
	yx_change_free(&got);

	/* an invalid record is refused with the field named, and nothing is appended */
	fx_enterprise_t bad;
	fx_enterprise_init(&bad, 20);
	(void)bad;
	fx_enterprise_init(&f, 20);
	f.code[17] = f.code[17] == '0' ? '1' : '0';
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put(b, &c, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "credit_code"));
	assert_int_equal(yx_batch_count(b), 0);
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 0);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* A schema-3 store knew no retractions: opened for writing, it reads them off its logs. */
static void test_schema3_retractions_rebuilt(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	yx_batch_t *b = NULL;
	char code[19];
	fx_node_open(&a, "schema3");
	put_enterprises(&a, 0, 20);
	fx_credit_code(4, code);
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, code, "merged", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(count_retracted(&a), 1);
	yx_store_close(&a.store);

	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi retracted;
	raw_open(a.dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "retracted", 0, &retracted), 0);
	assert_int_equal(mdb_drop(txn, retracted, 1), 0);
	raw_schema_close(env, txn, 3);

	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_ESCHEMA);
	assert_non_null(strstr(d.msg, "yrdxd upgrades it"));
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_int_equal(count_retracted(&a), 1);
	Yrdx__Change *got = NULL;
	assert_int_equal(yx_store_get_retracted(a.store, NULL, YX_KIND_ENTERPRISE,
	                                        yx_identity_public(a.id), code, &got),
	                 YX_OK);
	assert_string_equal(got->tombstone->reason, "merged");
	yx_change_free(&got);
	fx_node_close(&a);
}

/* The entries of every log database of the closed store at dir with any: how many, and
 * how full their leaf pages are (the bytes LMDB keeps per entry over the pages' room). */
typedef struct {
	unsigned logs;
	size_t entries;
	size_t full;    /* entries with change bytes (not stubs) */
	size_t trimmed; /* those kept without their first fields (flag 2, store_int.h) */
	size_t bytes;   /* the entries' values */
	double fill_min;
} logs_stat_t;

static logs_stat_t logs_stat(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	logs_stat_t out = {0, 0, 0, 0, 0, 1.0};
	raw_open(dir, &env, &txn);
	for (unsigned oid = 0; oid < 1024; oid++) {
		char name[16];
		MDB_dbi dbi;
		MDB_stat st;
		MDB_cursor *cur;
		MDB_val k, v;
		size_t bytes = 0;
		snprintf(name, sizeof(name), "log.%u", oid);
		assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
		assert_int_equal(mdb_stat(txn, dbi, &st), 0);
		if (!st.ms_entries)
			continue;
		assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			uint8_t flags = ((const uint8_t *)v.mv_data)[0];
			assert_int_equal(k.mv_size, 8);
			bytes += 8 + 2 + k.mv_size + v.mv_size +
			         2; /* node header, key, data, slot */
			out.bytes += v.mv_size;
			out.full += !(flags & 1);
			out.trimmed += (flags & 2) != 0;
		}
		mdb_cursor_close(cur);
		double fill = (double)bytes / ((double)st.ms_leaf_pages * (st.ms_psize - 16));
		printf("log.%u: %zu entries on %zu leaf pages, %.1f %% full\n", oid,
		       (size_t)st.ms_entries, (size_t)st.ms_leaf_pages, 100 * fill);
		out.logs++;
		out.entries += st.ms_entries;
		if (fill < out.fill_min)
			out.fill_min = fill;
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return out;
}

/* The fields a change of origin's seq starts with, prev being H(seq - 1), as protobuf-c
 * packs them: a change with nothing else, packed. */
static size_t change_start(uint8_t *out, const uint8_t *origin, uint64_t seq, const uint8_t *prev)
{
	Yrdx__Change c = YRDX__CHANGE__INIT;
	c.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)origin};
	c.seq = seq;
	c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, (uint8_t *)prev};
	return yrdx__change__pack(&c, out);
}

/* Back to the log entries of schema 8 and before, in txn: flags, kind, H, D, then the
 * change bytes whole — a trimmed entry (flag 2) gets its first fields back. How many
 * entries were trimmed. */
static size_t raw_logs_whole(MDB_txn *txn)
{
	MDB_dbi origins;
	size_t trimmed = 0;
	assert_int_equal(mdb_dbi_open(txn, "origins", 0, &origins), 0);
	for (unsigned oid = 0; oid < 1024; oid++) {
		char name[16];
		uint8_t okey[4] = {(uint8_t)(oid >> 24), (uint8_t)(oid >> 16), (uint8_t)(oid >> 8),
		                   (uint8_t)oid},
		        prev[YX_HASH_BYTES] = {0};
		MDB_val ok = {4, okey}, ov, k, v;
		MDB_dbi dbi;
		MDB_cursor *cur;
		snprintf(name, sizeof(name), "log.%u", oid);
		assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
		if (mdb_get(txn, origins, &ok, &ov) != 0)
			continue;
		size_t n = 0, cap = 64;
		uint8_t(*keys)[8] = malloc(cap * 8);
		MDB_val *vals = malloc(cap * sizeof(*vals));
		assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			const uint8_t *p = v.mv_data;
			uint64_t seq = 0;
			for (int i = 0; i < 8; i++)
				seq = seq << 8 | ((const uint8_t *)k.mv_data)[i];
			if (n == cap) {
				cap *= 2;
				keys = realloc(keys, cap * 8);
				vals = realloc(vals, cap * sizeof(*vals));
			}
			memcpy(keys[n], k.mv_data, 8);
			uint8_t *old = malloc(66 + 128 + v.mv_size);
			size_t len = 0;
			if (!(p[0] & 1)) { /* the change bytes, whole */
				if (p[0] & 2) {
					len = change_start(old + 66, ov.mv_data, seq, prev);
					trimmed++;
				}
				memcpy(old + 66 + len, p + 34, v.mv_size - 34);
				len += v.mv_size - 34;
				crypto_generichash(old + 34, 32, old + 66, len, NULL, 0);
			} else {
				memcpy(old + 34, p + 34, 32); /* a stub's D */
			}
			old[0] = p[0] & 1;
			old[1] = p[1];
			memcpy(old + 2, p + 2, 32);
			memcpy(prev, p + 2, 32);
			vals[n++] = (MDB_val){66 + len, old};
		}
		mdb_cursor_close(cur);
		for (size_t i = 0; i < n; i++) {
			MDB_val kk = {8, keys[i]};
			assert_int_equal(mdb_put(txn, dbi, &kk, &vals[i], 0), 0);
			free(vals[i].mv_data);
		}
		free(keys);
		free(vals);
	}
	return trimmed;
}

/* The store at dir made as schema 6 kept it: every log in one database, "log", keyed
 * origin id | seq, its entries whole, and no "log.N". */
static void logs_join(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi shared;
	raw_open(dir, &env, &txn);
	assert_true(raw_logs_whole(txn) > 0);
	assert_int_equal(mdb_dbi_open(txn, "log", MDB_CREATE, &shared), 0);
	for (unsigned oid = 0; oid < 1024; oid++) {
		char name[16];
		MDB_dbi dbi;
		MDB_cursor *cur;
		MDB_val k, v;
		snprintf(name, sizeof(name), "log.%u", oid);
		assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
		assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			uint8_t key[12] = {(uint8_t)(oid >> 24), (uint8_t)(oid >> 16),
			                   (uint8_t)(oid >> 8), (uint8_t)oid};
			memcpy(key + 4, k.mv_data, 8);
			MDB_val sk = {12, key};
			assert_int_equal(mdb_put(txn, shared, &sk, &v, 0), 0);
		}
		mdb_cursor_close(cur);
		assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	}
	raw_schema_close(env, txn, 6);
}

/* Each origin's log is a database of its own, appended page by page: a store taking in
 * two origins' segments in turn keeps both logs' pages full (in one database shared by
 * every origin, each origin's next entry mostly landed before another's first and split
 * its page in half: 67 % full in a federation's city). And a store of schema 6 (that one
 * shared log) is split when opened for writing: the same records, digest and entries. */
static void test_logs_apart(void **state)
{
	(void)state;
	fx_node_t a, b, c;
	yx_diag_t d = {{0}};
	uint8_t before[32], after[32];
	fx_node_open(&a, "logs-a");
	fx_node_open(&b, "logs-b");
	fx_node_open(&c, "logs-c");
	enum { BATCH = 100, BATCHES = 20 };
	for (uint32_t i = 0; i < BATCHES; i++) {
		put_enterprises(&a, i * BATCH, BATCH);
		put_enterprises(&b, i * BATCH, BATCH);
	}
	fx_node_t *from[2] = {&a, &b};
	for (uint64_t first = 1; first <= BATCH * BATCHES; first += BATCH)
		for (int o = 0; o < 2; o++) {
			const uint8_t *origin = yx_identity_public(from[o]->id);
			segment_t seg = segment_read(from[o]->store, origin, first, false);
			assert_int_equal(seg.n, BATCH);
			assert_int_equal(yx_store_append_verified(c.store, origin, seg.e, seg.n,
			                                          &seg.head, NULL, &d),
			                 YX_OK);
			segment_free(&seg);
		}
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, 2 * BATCH * BATCHES);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(c.store, before), YX_OK);
	yx_store_close(&c.store);

	logs_stat_t st = logs_stat(c.dir);
	assert_int_equal(st.logs, 2);
	assert_int_equal(st.entries, 2 * BATCH * BATCHES);
	assert_int_equal(st.trimmed, st.full); /* every change as protobuf-c packs it */
	assert_true(st.fill_min > 0.95);

	logs_join(c.dir);
	assert_int_equal(yx_store_open(c.dir, YX_STORE_READONLY, 0, &c.store, &d), YX_ESCHEMA);
	assert_non_null(strstr(d.msg, "yrdxd upgrades it"));
	assert_int_equal(yx_store_open(c.dir, 0, 0, &c.store, &d), YX_OK);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(c.store, after), YX_OK);
	assert_memory_equal(before, after, 32);
	found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, 2 * BATCH * BATCHES);
	yx_store_close(&c.store);
	st = logs_stat(c.dir);
	assert_int_equal(st.logs, 2);
	assert_int_equal(st.entries, 2 * BATCH * BATCHES);
	assert_int_equal(st.trimmed, st.full);
	assert_true(st.fill_min > 0.95);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi shared;
	raw_open(c.dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "log", 0, &shared), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	fx_node_close(&a);
	fx_node_close(&b);
	fx_node_close(&c);
}

/* A schema-4 store kept a meta key per stub ("hole" | origin id | seq); the log's own stub
 * flag says it now: opened for writing, the store drops those keys and nothing else. */
static void test_schema4_hole_keys_dropped(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	uint8_t before[32], after[32];
	fx_node_open(&a, "schema4");
	put_enterprises(&a, 0, 20);
	assert_int_equal(yx_store_digest(a.store, before), YX_OK);
	yx_store_close(&a.store);

	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	raw_open(a.dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	for (uint8_t i = 1; i <= 3; i++) {
		uint8_t key[16] = {'h', 'o', 'l', 'e', 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, i};
		MDB_val k = {sizeof(key), key}, v = {0, ""};
		assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	}
	raw_schema_close(env, txn, 4);

	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_ESCHEMA);
	assert_non_null(strstr(d.msg, "yrdxd upgrades it"));
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	yx_store_close(&a.store);
	raw_open(a.dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	MDB_val k = {4, "hole"}, v;
	MDB_cursor *cur;
	assert_int_equal(mdb_cursor_open(txn, meta, &cur), 0);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	assert_true(rc == MDB_NOTFOUND || memcmp(k.mv_data, "hole", 4) != 0);
	mdb_cursor_close(cur);
	MDB_val sk = {6, "schema"};
	assert_int_equal(mdb_get(txn, meta, &sk, &v), 0);
	assert_int_equal(((uint8_t *)v.mv_data)[3], YX_SCHEMA_VERSION);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(a.store, after), YX_OK);
	assert_memory_equal(before, after, 32);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* The stubs are looked for in the log itself, at most YX_HOLES_SCAN entries a call: a log
 * of bodies only is looked through in steps, each saying where the next goes on. */
static void test_holes_scan_bounded(void **state)
{
	(void)state;
	fx_node_t a;
	uint64_t holes[8], next = 0;
	fx_node_open(&a, "holes-scan");
	put_enterprises(&a, 0, YX_HOLES_SCAN + 100);
	const uint8_t *origin = yx_identity_public(a.id);
	assert_int_equal(yx_store_holes(a.store, origin, 1, holes, 8, &next), 0);
	assert_int_equal(next, YX_HOLES_SCAN + 1);
	assert_int_equal(yx_store_holes(a.store, origin, next, holes, 8, &next), 0);
	assert_int_equal(next, UINT64_MAX); /* the rest, to the log's end */
	fx_node_close(&a);
}

static void put_record(fx_node_t *n, yx_kind_t kind, void *record, const char *id)
{
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_change_set_body(&c, kind, record);
	c.id = (char *)id;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("put %s %s: %s", yx_kind_name(kind), id, d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

static void test_indexes_every_kind(void **state)
{
	(void)state;
	fx_node_t a;
	size_t found;
	fx_node_open(&a, "store-index");
	fx_incubator_t inc;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	fx_incubator_init(&inc, 1);
	fx_park_init(&park, 1);
	fx_relay_event_init(&relay, 1);
	fx_joint_init(&joint, 1);
	fx_evaluation_init(&eval, 1);
	put_record(&a, YX_KIND_INCUBATOR, &inc.inc, inc.id);
	put_record(&a, YX_KIND_PARK, &park.park, park.id);
	put_record(&a, YX_KIND_RELAY_EVENT, &relay.ev, relay.id);
	put_record(&a, YX_KIND_JOINT, &joint.jp, joint.id);
	put_record(&a, YX_KIND_EVALUATION, &eval.ev, eval.id);

	for (size_t i = 0; i < inc.inc.n_focus_industries; i++) {
		uint8_t term = (uint8_t)inc.industries[i];
		found = 0;
		assert_int_equal(
		        yx_store_find(a.store, YX_INDEX_INDUSTRY, &term, 1, count_record, &found),
		        YX_OK);
		assert_true(found >= 1);
	}
	uint8_t park_industry = (uint8_t)park.industries[0];
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INDUSTRY, &park_industry, 1, count_record, &found),
	        YX_OK);
	assert_true(found >= 1);
	/* An enterprise is found by its park; a relay event, found by case, arrival and
	 * enterprise, is not indexed by park (store.c: index_record). */
	fx_enterprise_t ent;
	fx_enterprise_init(&ent, 1);
	ent.e.park_id = relay.park_id;
	put_record(&a, YX_KIND_ENTERPRISE, &ent.e, ent.code);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_PARK, relay.park_id, strlen(relay.park_id),
	                               count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 1);
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_CREDIT_CODE, relay.code, 18, count_record, &found),
	        YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_CREDIT_CODE, joint.code, 18, count_record, &found),
	        YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, eval.incubator_id,
	                               strlen(eval.incubator_id), count_record, &found),
	                 YX_OK);
	assert_true(found >= 1);
	found = 0;
	assert_int_equal(yx_store_scan(a.store, YX_KIND_NONE, count_record, &found), YX_OK);
	assert_int_equal(found, 6);
	/* the same record changed twice in one batch keeps only its last index entries */
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	Yrdx__Change c = YRDX__CHANGE__INIT;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	yx_change_set_body(&c, YX_KIND_PARK, &park.park);
	c.id = park.id;
	park.industries[0] = YRDX__INDUSTRY__INDUSTRY_METAVERSE;
	park.industries[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_ENERGY;
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	park.industries[0] = YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE;
	park.industries[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_MATERIALS;
	assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	uint8_t metaverse = YRDX__INDUSTRY__INDUSTRY_METAVERSE;
	uint8_t space = YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE;
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INDUSTRY, &metaverse, 1, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 0);
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &space, 1, count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 2); /* the park and incubator 1 */
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INDUSTRY, &park_industry, 1, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 0); /* the park's first version is no longer indexed */
	/* two incubators whose state keys share their first 24 bytes (ids of 26 bytes), each
	 * changed three times in one batch, interleaved: each ends at its last version with
	 * only that version indexed (the flush sorts on those bytes as integers, then the
	 * rest) */
	static const Yrdx__Industry versions[2][3] = {
	        {YRDX__INDUSTRY__INDUSTRY_DIGITAL_TRANSFORMATION,
	         YRDX__INDUSTRY__INDUSTRY_GREEN_TRANSFORMATION,
	         YRDX__INDUSTRY__INDUSTRY_ELECTRONIC_INFORMATION},
	        {YRDX__INDUSTRY__INDUSTRY_LIFE_HEALTH, YRDX__INDUSTRY__INDUSTRY_AUTOMOTIVE,
	         YRDX__INDUSTRY__INDUSTRY_ADVANCED_MATERIALS}};
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	for (int v = 0; v < 3; v++)
		for (int i = 0; i < 2; i++) {
			fx_incubator_t f;
			fx_incubator_init(&f, 40 + (uint32_t)i);
			snprintf(f.id, sizeof(f.id), "SH-INC-LONG-SHARED-PREFIX-%d", i);
			snprintf(f.name, sizeof(f.name), "孵化器%d第%d版", i, v);
			f.industries[0] = versions[i][v];
			f.inc.n_focus_industries = 1;
			yx_change_set_body(&c, YX_KIND_INCUBATOR, &f.inc);
			c.id = f.id;
			assert_int_equal(yx_batch_put(b, &c, &d), YX_OK);
		}
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	for (int i = 0; i < 2; i++) {
		char id[32], want[64];
		Yrdx__Change *got = NULL;
		snprintf(id, sizeof(id), "SH-INC-LONG-SHARED-PREFIX-%d", i);
		assert_int_equal(yx_store_get(a.store, YX_KIND_INCUBATOR, yx_identity_public(a.id),
		                              id, &got),
		                 YX_OK);
		snprintf(want, sizeof(want), "孵化器%d第2版", i);
		assert_string_equal(got->incubator->name, want);
		yx_change_free(&got);
		for (int v = 0; v < 3; v++) {
			uint8_t term = (uint8_t)versions[i][v];
			found = 0;
			assert_int_equal(yx_store_find(a.store, YX_INDEX_INDUSTRY, &term, 1,
			                               count_record, &found),
			                 YX_OK);
			assert_int_equal(found, v == 2);
		}
	}
	fx_node_close(&a);
}

static void test_put_if_changed(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	bool written = true;
	yx_batch_t *b = NULL;
	yx_head_t h;
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_node_open(&a, "store-ifchanged");
	put_enterprises(&a, 0, 10);
	fx_enterprise_init(&f, 4);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_put_if_changed(b, &c, &written, &d), YX_OK);
	assert_false(written); /* identical to the current version */
	f.e.employees++;
	assert_int_equal(yx_batch_put_if_changed(b, &c, &written, &d), YX_OK);
	assert_true(written);
	assert_int_equal(yx_batch_commit(&b, &h), YX_OK);
	assert_int_equal(h.seq, 11);
	fx_node_close(&a);
}

static void test_reopen(void **state)
{
	(void)state;
	fx_node_t a;
	uint8_t before[32], after[32];
	yx_diag_t d = {{0}};
	fx_node_open(&a, "store-reopen");
	put_enterprises(&a, 0, 5000); /* crosses the head interval */
	yx_head_t mid;
	assert_int_equal(yx_store_head_find(a.store, yx_identity_public(a.id), 1, &mid), YX_OK);
	assert_int_equal(mid.seq, YX_HEAD_INTERVAL);
	assert_int_equal(yx_head_verify(&mid), YX_OK);
	assert_int_equal(yx_store_digest(a.store, before), YX_OK);
	yx_store_close(&a.store);
	assert_null(a.store);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(a.store, after), YX_OK);
	assert_memory_equal(before, after, 32);
	/* a read-only opener sees the same, and cannot write (LMDB allows one environment
	 * handle per process, so the writer closes first; other processes may share) */
	yx_store_close(&a.store);
	yx_store_t *ro = NULL;
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &ro, &d), YX_OK);
	assert_int_equal(yx_store_digest(ro, after), YX_OK);
	assert_memory_equal(before, after, 32);
	yx_batch_t *b = NULL;
	assert_int_equal(yx_batch_begin(ro, a.id, &b), -EROFS);
	yx_store_close(&ro);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	/* the store belongs to its node key */
	yx_identity_t *other = NULL;
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	assert_int_equal(yx_batch_begin(a.store, other, &b), YX_EKEY);
	yx_identity_free(&other);
	put_enterprises(&a, 5000, 10);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

static void set_schema(const char *dir, uint32_t version)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t v[4] = {(uint8_t)(version >> 24), (uint8_t)(version >> 16), (uint8_t)(version >> 8),
	                (uint8_t)version};
	MDB_val k = {6, "schema"}, val = {4, v};
	assert_int_equal(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 2048);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_schema_check(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	fx_node_open(&a, "store-schema");
	yx_store_close(&a.store);
	set_schema(a.dir, YX_SCHEMA_VERSION + 1);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_ENEWER);
	assert_non_null(strstr(d.msg, "newer"));
	set_schema(a.dir, 0);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_ESCHEMA);
	char *missing = fx_tmpdir("store-missing");
	assert_int_equal(yx_store_open(missing, 0, 0, &a.store, &d), -ENOENT);
	assert_non_null(strstr(d.msg, "data.mdb"));
	fx_rmtree(missing);
	free(missing);
	fx_node_close(&a);
}

/* Expects append to fail with err and leave b's data file and digest untouched. */
static void expect_rejected(fx_node_t *b, const uint8_t *origin, segment_t *s, int err,
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

static void test_remote_rejections(void **state)
{
	(void)state;
	fx_node_t a, b, a2;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	fx_node_open(&a, "store-src");
	fx_node_open(&b, "store-dst");
	put_enterprises(&a, 0, 20);
	put_enterprises(&a, 20, 20);
	put_enterprises(&a, 40, 20);
	const uint8_t *origin = yx_identity_public(a.id);

	segment_t s1 = segment_read(a.store, origin, 1, false);
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 20);
	/* the same segment again changes nothing */
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 0);

	/* gap: segment 3 while b ends at 20 */
	segment_t s3 = segment_read(a.store, origin, 41, false);
	expect_rejected(&b, origin, &s3, YX_EGAP, "starts at seq 41");

	/* broken chain: one flipped byte inside a change of segment 2 */
	segment_t s2 = segment_read(a.store, origin, 21, false);
	s2.bytes[5][s2.e[5].len / 2] ^= 0x01;
	expect_rejected(&b, origin, &s2, YX_ECHAIN, "do not hash to the head at seq 40");
	s2.bytes[5][s2.e[5].len / 2] ^= 0x01;
	/* ... and in the last change */
	s2.bytes[19][3] ^= 0x40;
	expect_rejected(&b, origin, &s2, YX_ECHAIN, "head at seq 40");
	s2.bytes[19][3] ^= 0x40;

	/* bad signature: a forged head over the true hash */
	s2.head.signature[10] ^= 0x80;
	expect_rejected(&b, origin, &s2, YX_ESIG, "bad signature");
	s2.head.signature[10] ^= 0x80;

	/* a head signed by somebody else's key for this origin */
	yx_head_t forged = s2.head;
	yx_head_sign(&forged, b.id);
	segment_t s2f = s2;
	s2f.head = forged;
	expect_rejected(&b, origin, &s2f, YX_ESIG, "bad signature");

	/* fork: the same origin key signs a different history for seq 1..20 */
	a2.dir = fx_tmpdir("store-fork");
	assert_int_equal(yx_store_open(a2.dir, YX_STORE_CREATE, 0, &a2.store, &d), YX_OK);
	a2.id = a.id;
	put_enterprises(&a2, 1000, 20);
	segment_t f1 = segment_read(a2.store, origin, 1, false);
	expect_rejected(&b, origin, &f1, YX_EFORK, "fork");

	/* the honest segment 2 still applies after all that */
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 20);
	segment_free(&s1);
	segment_free(&s2);
	segment_free(&s3);
	segment_free(&f1);
	yx_store_close(&a2.store);
	fx_rmtree(a2.dir);
	free(a2.dir);
	fx_node_close(&a);
	fx_node_close(&b);
}

static void test_digest_equal_with_stubs(void **state)
{
	(void)state;
	fx_node_t a, b, c;
	yx_diag_t d = {{0}};
	uint8_t da[32], db[32], dc[32];
	fx_node_open(&a, "digest-a");
	fx_node_open(&b, "digest-b");
	fx_node_open(&c, "digest-c");
	put_enterprises(&a, 0, 5000);
	put_enterprises(&a, 5000, 30);
	const uint8_t *origin = yx_identity_public(a.id);
	/* b gets full changes; c gets the first segment as stubs only */
	for (uint64_t next = 1; next <= 5030;) {
		segment_t full = segment_read(a.store, origin, next, false);
		segment_t stub = segment_read(a.store, origin, next, next == 1);
		assert_int_equal(yx_store_append_verified(b.store, origin, full.e, full.n,
		                                          &full.head, NULL, &d),
		                 YX_OK);
		assert_int_equal(yx_store_append_verified(c.store, origin, stub.e, stub.n,
		                                          &stub.head, NULL, &d),
		                 YX_OK);
		next = full.head.seq + 1;
		segment_free(&full);
		segment_free(&stub);
	}
	assert_int_equal(yx_store_digest(a.store, da), YX_OK);
	assert_int_equal(yx_store_digest(b.store, db), YX_OK);
	assert_int_equal(yx_store_digest(c.store, dc), YX_OK);
	assert_memory_equal(da, db, 32);
	assert_memory_equal(da, dc, 32);
	assert_int_equal(yx_store_origin_digest(a.store, origin, da), YX_OK);
	assert_int_equal(yx_store_origin_digest(c.store, origin, dc), YX_OK);
	assert_memory_equal(da, dc, 32);
	/* c holds stubs for the first 4096: those records are not readable there */
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, 5030 - YX_HEAD_INTERVAL);
	assert_int_equal(yx_store_verify(b.store, &d), YX_OK);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	/* a different history gives a different digest */
	put_enterprises(&b, 0, 1);
	assert_int_equal(yx_store_digest(b.store, db), YX_OK);
	assert_memory_not_equal(da, db, 32);
	fx_node_close(&a);
	fx_node_close(&b);
	fx_node_close(&c);
}

/* Seq of origin's current version of enterprise i in store; 0 if none is readable. */
static uint64_t enterprise_seq(yx_store_t *store, const uint8_t *origin, uint32_t i)
{
	Yrdx__Change *c = enterprise_get(store, origin, i);
	if (!c)
		return 0;
	uint64_t seq = c->seq;
	yx_change_free(&c);
	return seq;
}

/* Stubs received from a peer that withheld them are filled in when another peer sends the
 * bodies: the records become readable, the holes go, a newer version stays current. */
static void test_stubs_filled(void **state)
{
	(void)state;
	fx_node_t a, c;
	yx_diag_t d = {{0}};
	uint8_t da[32], dc[32];
	fx_node_open(&a, "fill-a");
	fx_node_open(&c, "fill-c");
	put_enterprises(&a, 0, YX_HEAD_INTERVAL); /* seqs 1..4096: one segment */
	put_enterprises(&a, 0, 10);               /* newer versions of 0..9: 4097..4106 */
	/* 20 retracted at 4107: a body filled in later for its old stub must not bring it
	 * back */
	char code20[19];
	yx_batch_t *b = NULL;
	fx_credit_code(20, code20);
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, code20, "closed", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	const uint8_t *origin = yx_identity_public(a.id);
	segment_t stubs = segment_read(a.store, origin, 1, true);
	segment_t newer = segment_read(a.store, origin, YX_HEAD_INTERVAL + 1, false);
	segment_t bodies = segment_read(a.store, origin, 1, false);
	segment_t tomb = segment_read(a.store, origin, YX_HEAD_INTERVAL + 11, false);
	yx_remote_t *r = NULL;
	size_t appended = 0;

	assert_int_equal(
	        yx_store_append_verified(c.store, origin, stubs.e, stubs.n, &stubs.head, NULL, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(c.store, origin, newer.e, newer.n, &newer.head, NULL, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(c.store, origin, tomb.e, tomb.n, &tomb.head, NULL, &d),
	        YX_OK);
	Yrdx__Change *t = NULL;
	uint64_t holes[2 * YX_HEAD_INTERVAL], next = 0;
	assert_int_equal(yx_store_holes(c.store, origin, 1, holes, 2 * YX_HEAD_INTERVAL, &next),
	                 YX_HEAD_INTERVAL);
	assert_int_equal(next, UINT64_MAX); /* the whole log looked through */
	assert_int_equal(holes[0], 1);
	assert_int_equal(holes[YX_HEAD_INTERVAL - 1], YX_HEAD_INTERVAL);
	assert_int_equal(yx_store_holes(c.store, origin, 1000, holes, 10, &next), 10);
	assert_int_equal(holes[0], 1000);
	assert_int_equal(holes[9], 1009);
	assert_int_equal(enterprise_seq(c.store, origin, 500), 0); /* withheld: unreadable */

	/* The bodies arrive: the same segment, every entry a change. */
	assert_int_equal(yx_remote_begin(c.store, &r), YX_OK);
	assert_int_equal(
	        yx_remote_append(r, origin, bodies.e, bodies.n, &bodies.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 0);
	assert_int_equal(yx_remote_filled(r), YX_HEAD_INTERVAL);
	assert_int_equal(yx_remote_commit(&r), YX_OK);

	assert_int_equal(yx_store_holes(c.store, origin, 1, holes, 2 * YX_HEAD_INTERVAL, &next), 0);
	assert_int_equal(next, UINT64_MAX);
	assert_int_equal(enterprise_seq(c.store, origin, 500), 501);
	for (uint32_t i = 0; i < 10; i++) /* the newer version stays current */
		assert_int_equal(enterprise_seq(c.store, origin, i), YX_HEAD_INTERVAL + 1 + i);
	assert_int_equal(enterprise_seq(c.store, origin, 20), 0); /* the retraction stands */
	assert_int_equal(
	        yx_store_get_retracted(c.store, NULL, YX_KIND_ENTERPRISE, origin, code20, &t),
	        YX_OK);
	assert_int_equal(t->seq, YX_HEAD_INTERVAL + 11);
	yx_change_free(&t);
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, YX_HEAD_INTERVAL - 1);
	assert_int_equal(yx_store_verify(c.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(a.store, da), YX_OK);
	assert_int_equal(yx_store_digest(c.store, dc), YX_OK);
	assert_memory_equal(da, dc, 32);
	/* Sent again, nothing more to fill. */
	assert_int_equal(yx_remote_begin(c.store, &r), YX_OK);
	assert_int_equal(
	        yx_remote_append(r, origin, bodies.e, bodies.n, &bodies.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_remote_filled(r), 0);
	yx_remote_abort(&r);
	segment_free(&stubs);
	segment_free(&newer);
	segment_free(&bodies);
	segment_free(&tomb);
	fx_node_close(&a);
	fx_node_close(&c);
}

/* A child writes batches of BATCH records and reports each committed head on a pipe;
 * the parent kills it with SIGKILL mid-batch and checks what survived. */
#define KILL_BATCH 2000

static void child_writer(const char *dir, const char *keyfile, int fd)
{
	yx_store_t *s = NULL;
	yx_identity_t *id = NULL;
	yx_diag_t d;
	if (yx_store_open(dir, 0, 0, &s, &d) || yx_identity_load(keyfile, &id, &d))
		_exit(3);
	for (uint32_t i = 0;; i += KILL_BATCH) {
		yx_batch_t *b = NULL;
		yx_head_t h;
		if (yx_batch_begin(s, id, &b))
			_exit(4);
		for (uint32_t j = i; j < i + KILL_BATCH; j++) {
			fx_enterprise_t f;
			Yrdx__Change c = YRDX__CHANGE__INIT;
			fx_enterprise_init(&f, j);
			yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
			c.id = f.code;
			if (yx_batch_put(b, &c, &d))
				_exit(5);
		}
		if (yx_batch_commit(&b, &h))
			_exit(6);
		uint64_t seq = h.seq;
		if (write(fd, &seq, sizeof(seq)) != sizeof(seq))
			_exit(7);
	}
}

static void test_sigkill_mid_batch(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	char keyfile[4200];
	fx_node_open(&a, "store-kill");
	snprintf(keyfile, sizeof(keyfile), "%s/node.key", a.dir);
	assert_int_equal(yx_identity_save(a.id, keyfile), YX_OK);
	yx_store_close(&a.store);
	/* The seed repeats the choices (commits to wait for, delay before the kill); where in
	 * the batch the kill lands still depends on the scheduler. */
	uint64_t rng = fx_seed("test_store: sigkill mid batch");
	for (int round = 0; round < 3; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_writer(a.dir, keyfile, fds[1]);
		}
		close(fds[1]);
		/* wait for 2..4 commits, then kill at a random point inside the next batch */
		uint64_t seq = 0, reported = 0;
		int commits = 2 + (int)(fx_rand(&rng) % 3);
		useconds_t delay = (useconds_t)(fx_rand(&rng) % 20000);
		fprintf(stderr, "round %d: SIGKILL %u us after commit %d\n", round, (unsigned)delay,
		        commits);
		for (int i = 0; i < commits; i++) {
			assert_int_equal(read(fds[0], &seq, sizeof(seq)), sizeof(seq));
			reported = seq;
		}
		usleep(delay);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		assert_true(WIFSIGNALED(status));
		/* commits the child reported after our last read are also durable */
		while (read(fds[0], &seq, sizeof(seq)) == sizeof(seq))
			reported = seq;
		close(fds[0]);

		assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
		yx_tip_t tip;
		assert_int_equal(yx_store_tip(a.store, yx_identity_public(a.id), &tip), YX_OK);
		assert_true(tip.seq >= reported);          /* nothing committed lost */
		assert_int_equal(tip.seq % KILL_BATCH, 0); /* nothing half-applied */
		assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
		size_t found = 0;
		assert_int_equal(yx_store_scan(a.store, YX_KIND_ENTERPRISE, count_record, &found),
		                 YX_OK);
		/* each round rewrites the same ids from 0, so live records = max written */
		assert_true(found <= tip.seq && found >= KILL_BATCH);
		yx_store_close(&a.store);
	}
	fx_node_close(&a);
}

/* Puts enterprises [first, first+count) in one batch and commits: the first error of a
 * put or of the commit (the batch is gone either way). */
static int try_put_enterprises(yx_store_t *store, const yx_identity_t *id, uint32_t first,
                               uint32_t count)
{
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	int ret = yx_batch_begin(store, id, &b);
	for (uint32_t i = first; ret == YX_OK && i < first + count; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		ret = yx_batch_put(b, &c, &d);
	}
	if (ret == YX_OK)
		return yx_batch_commit(&b, NULL);
	yx_batch_abort(&b);
	return ret;
}

#define FULL_BATCH 500

/* Fills the store in batches of FULL_BATCH until a write fails; returns that error and
 * the records committed before it in *committed. */
static int fill_until_error(yx_store_t *store, const yx_identity_t *id, uint32_t *committed)
{
	int ret;
	*committed = 0;
	while ((ret = try_put_enterprises(store, id, *committed, FULL_BATCH)) == YX_OK) {
		*committed += FULL_BATCH;
		assert_true(*committed < 2000000); /* the test's store never fills: a bug */
	}
	return ret;
}

/* What a store that ran out of room holds: exactly the batches committed, verified. */
static void assert_holds(yx_store_t *store, const yx_identity_t *id, uint32_t committed)
{
	yx_diag_t d = {{0}};
	yx_tip_t tip = {0};
	size_t found = 0;
	int ret = yx_store_tip(store, yx_identity_public(id), &tip);
	assert_int_equal(ret, committed ? YX_OK : YX_ENOTFOUND);
	assert_int_equal(tip.seq, committed);
	assert_int_equal(yx_store_scan(store, YX_KIND_ENTERPRISE, count_record, &found), YX_OK);
	assert_int_equal(found, committed);
	if (yx_store_verify(store, &d) != YX_OK)
		fail_msg("verify: %s", d.msg);
}

/* A store of schema 2 (index entries keyed by state key) is upgraded when opened for
 * writing: its indexes rebuilt in today's layout, whatever stale entries they held gone,
 * finds answering from the current versions only. A read-only opener refuses it. */
static void test_schema2_reindexed(void **state)
{
	(void)state;
	fx_node_t a;
	fx_node_open(&a, "schema2");
	put_enterprises(&a, 0, 1000); /* SH-INC-0007 holds 7, 507 */
	yx_store_close(&a.store);

	/* Turn it into a schema-2 store: old-layout entries, one of them for a record that is
	 * no longer there, and the version mark. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi idx;
	raw_open(a.dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, "idx_incubator", 0, &idx), 0);
	assert_int_equal(mdb_drop(txn, idx, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "idx_incubator", MDB_CREATE, &idx), 0);
	uint8_t old_key[64] = "SH-INC-0007";
	size_t klen = 12; /* the term and its NUL */
	old_key[klen++] = YX_KIND_ENTERPRISE;
	memcpy(old_key + klen,
	       "\0\0\0\0"
	       "91110000000000000X",
	       22);
	MDB_val k = {klen + 22, old_key}, v = {0, ""};
	assert_int_equal(mdb_put(txn, idx, &k, &v, 0), 0);
	raw_schema_close(env, txn, 2);

	yx_diag_t d = {{0}};
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_ESCHEMA);
	assert_non_null(strstr(d.msg, "yrdxd upgrades it"));
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	size_t found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 2);
	yx_store_close(&a.store);
	/* Upgraded for good: a read-only opener takes it now. */
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_OK);
	found = 0;
	assert_int_equal(
	        yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0499", 11, count_record, &found),
	        YX_OK);
	assert_int_equal(found, 2); /* 499 and 999 */
	fx_node_close(&a);
}

/* The flags of index database name in the closed store at dir. */
static unsigned index_flags(const char *dir, const char *name)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	unsigned flags = 0;
	raw_open(dir, &env, &txn);
	assert_int_equal(mdb_dbi_open(txn, name, 0, &dbi), 0);
	assert_int_equal(mdb_dbi_flags(txn, dbi, &flags), 0);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return flags;
}

static size_t found_under(yx_store_t *store, yx_index_t index, const char *term)
{
	size_t found = 0;
	assert_int_equal(yx_store_find(store, index, term, strlen(term), count_record, &found),
	                 YX_OK);
	return found;
}

/* An index entry is a duplicate of its term (schema 8), packed 12 bytes each; a store of
 * schema 7 kept each as a key of its own (term | 0 | log key, no value), and has its
 * indexes made anew when opened for writing: the same finds, the same digest. */
static void test_schema7_index_keys_made_duplicates(void **state)
{
	(void)state;
	static const char *const names[] = {"idx_credit", "idx_incubator", "idx_park",
	                                    "idx_industry"};
	fx_node_t a;
	yx_diag_t d = {{0}};
	uint8_t before[32], after[32];
	fx_node_open(&a, "schema7");
	put_enterprises(&a, 0, 1000);
	size_t inc = found_under(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007");
	assert_int_equal(inc, 2); /* 7 and 507 */
	assert_int_equal(yx_store_digest(a.store, before), YX_OK);
	yx_store_close(&a.store);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(index_flags(a.dir, names[i]), MDB_DUPSORT | MDB_DUPFIXED);

	/* Back to schema 7's layout. */
	MDB_env *env;
	MDB_txn *txn;
	size_t moved = 0;
	raw_open(a.dir, &env, &txn);
	for (size_t i = 0; i < 4; i++) {
		MDB_dbi dups, plain;
		MDB_cursor *cur;
		MDB_val k, v;
		uint8_t(*keys)[64] = calloc(4096, 64);
		size_t lens[4096], n = 0;
		assert_int_equal(mdb_dbi_open(txn, names[i], 0, &dups), 0);
		assert_int_equal(mdb_cursor_open(txn, dups, &cur), 0);
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
			assert_true(n < 4096 && k.mv_size + 1 + v.mv_size <= 64);
			bool text = strcmp(names[i], "idx_industry") != 0;
			memcpy(keys[n], k.mv_data, k.mv_size);
			lens[n] = k.mv_size;
			if (text)
				keys[n][lens[n]++] = 0;
			memcpy(keys[n] + lens[n], v.mv_data, v.mv_size);
			lens[n++] += v.mv_size;
		}
		mdb_cursor_close(cur);
		assert_int_equal(mdb_drop(txn, dups, 1), 0);
		assert_int_equal(mdb_dbi_open(txn, names[i], MDB_CREATE, &plain), 0);
		for (size_t j = 0; j < n; j++) {
			MDB_val pk = {lens[j], keys[j]}, pv = {0, ""};
			assert_int_equal(mdb_put(txn, plain, &pk, &pv, 0), 0);
		}
		moved += n;
		free(keys);
	}
	assert_int_equal(raw_logs_whole(txn), 1000);
	raw_schema_close(env, txn, 7);
	printf("schema 7 index entries: %zu\n", moved);
	assert_true(moved >= 1000); /* every enterprise under its incubator */
	assert_int_equal(index_flags(a.dir, "idx_incubator"), 0);

	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_ESCHEMA);
	assert_non_null(strstr(d.msg, "yrdxd upgrades it"));
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_int_equal(found_under(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007"), inc);
	assert_int_equal(found_under(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007X"), 0);
	assert_int_equal(found_under(a.store, YX_INDEX_INCUBATOR, "SH-INC-000"), 0);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	assert_int_equal(yx_store_digest(a.store, after), YX_OK);
	assert_memory_equal(before, after, 32);
	yx_store_close(&a.store);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(index_flags(a.dir, names[i]), MDB_DUPSORT | MDB_DUPFIXED);
	logs_stat_t st = logs_stat(a.dir); /* the logs written anew too (schema 9) */
	assert_int_equal(st.entries, 1000);
	assert_int_equal(st.trimmed, 1000);
	fx_node_close(&a);
}

typedef struct {
	uint64_t seq;
	const uint8_t *want;
	size_t want_len;
	bool seen;
} exact_t;

static int check_exact(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                       const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	exact_t *x = arg;
	(void)kind, (void)hash, (void)digest;
	if (seq == x->seq) {
		assert_int_equal(len, x->want_len);
		assert_memory_equal(bytes, x->want, len);
		x->seen = true;
	}
	return 0;
}

/* A change is kept without its first fields (origin, seq, prev_hash: 70 of a small
 * change's bytes) only where they are exactly as protobuf-c packs them; one an origin
 * packed otherwise — the same fields, last — is kept whole, and every entry reads back as
 * the bytes that were hashed and signed. */
static void test_entries_trimmed_only_as_packed(void **state)
{
	(void)state;
	fx_node_t a;
	fx_log_t log;
	yx_identity_t *id = NULL;
	yx_diag_t d = {{0}};
	uint8_t *canon = NULL, *odd = malloc(1024);
	size_t len = 0;
	fx_node_open(&a, "trimmed");
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	fx_log_init(&log, id);
	for (uint32_t i = 0; i < 3; i++) {
		fx_enterprise_t f;
		fx_enterprise_init(&f, i);
		fx_log_append(&log, YX_KIND_ENTERPRISE, &f.e, 1700000000000 + i);
	}
	/* seq 4: its envelope packed after its body */
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_enterprise_init(&f, 3);
	c.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(id)};
	c.seq = 4;
	c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, log.hash};
	c.time_ms = 1700000000003;
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_change_encode(&c, &canon, &len), YX_OK);
	uint8_t start[128];
	size_t n = change_start(start, yx_identity_public(id), 4, log.hash);
	assert_int_equal(n, 70);
	assert_memory_equal(canon, start, n);
	memcpy(odd, canon + n, len - n);
	memcpy(odd + len - n, canon, n);
	free(canon);
	fx_log_append_bytes(&log, odd, len); /* the log owns odd now */
	fx_enterprise_init(&f, 4);
	fx_log_append(&log, YX_KIND_ENTERPRISE, &f.e, 1700000000004);
	fx_log_sign(&log, 1700000000005);
	assert_int_equal(yx_store_append_verified(a.store, yx_identity_public(id), log.e, log.n,
	                                          &log.head, NULL, &d),
	                 YX_OK);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	for (size_t i = 0; i < log.n; i++) {
		exact_t x = {log.e[i].seq, log.e[i].bytes, log.e[i].len, false};
		assert_int_equal(
		        yx_store_log_iterate(a.store, yx_identity_public(id), 1, check_exact, &x),
		        YX_OK);
		assert_true(x.seen);
		/* and from where the walk starts: H(seq - 1) read from the log */
		x.seen = false;
		assert_int_equal(yx_store_log_iterate(a.store, yx_identity_public(id), x.seq,
		                                      check_exact, &x),
		                 YX_OK);
		assert_true(x.seen);
	}
	Yrdx__Change *got = NULL;
	fx_enterprise_init(&f, 3);
	assert_int_equal(
	        yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(id), f.code, &got),
	        YX_OK);
	assert_int_equal(got->seq, 4);
	yx_change_free(&got);
	fx_enterprise_init(&f, 4);
	assert_int_equal(
	        yx_store_get(a.store, YX_KIND_ENTERPRISE, yx_identity_public(id), f.code, &got),
	        YX_OK);
	assert_int_equal(got->seq, 5);
	assert_memory_equal(got->prev_hash.data, log.chain[3], YX_HASH_BYTES);
	yx_change_free(&got);
	yx_store_close(&a.store);
	logs_stat_t st = logs_stat(a.dir);
	assert_int_equal(st.full, 5);
	assert_int_equal(st.trimmed, 4); /* all but seq 4 */
	size_t whole = 0;
	for (size_t i = 0; i < log.n; i++)
		whole += 34 + log.e[i].len;
	assert_int_equal(st.bytes, whole - 4 * 70);
	fx_log_clear(&log);
	yx_identity_free(&id);
	fx_node_close(&a);
}

static void test_map_full(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	uint64_t used, map;
	uint32_t committed;
	a.dir = fx_tmpdir("store-mapfull");
	assert_int_equal(yx_identity_generate(&a.id), YX_OK);
	/* 1 MiB + 1 byte: rounded up to whole pages. */
	assert_int_equal(yx_store_open(a.dir, YX_STORE_CREATE, (1u << 20) + 1, &a.store, &d),
	                 YX_OK);
	assert_int_equal(yx_store_usage(a.store, &used, &map), YX_OK);
	assert_int_equal(map, (1u << 20) + (uint64_t)sysconf(_SC_PAGESIZE));
	int ret = fill_until_error(a.store, a.id, &committed);
	assert_int_equal(ret, YX_EMAPFULL);
	assert_true(yx_err_is_store_full(ret));
	assert_string_equal(yx_strerror(ret),
	                    "the store's map is full (raise node/map_size in the config)");
	assert_true(committed > 0);
	assert_holds(a.store, a.id, committed);
	/* Still full, still nothing half-written; then a larger map takes the same batch. */
	assert_int_equal(try_put_enterprises(a.store, a.id, committed, FULL_BATCH), YX_EMAPFULL);
	assert_int_equal(yx_store_set_map_size(a.store, 4u << 20), YX_OK);
	assert_int_equal(try_put_enterprises(a.store, a.id, committed, FULL_BATCH), YX_OK);
	assert_holds(a.store, a.id, committed + FULL_BATCH);
	yx_store_close(&a.store);
	/* 0 keeps the size the store was written with; a reader maps at least the default. */
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_int_equal(yx_store_usage(a.store, &used, &map), YX_OK);
	assert_int_equal(map, 4u << 20);
	assert_true(used <= map && used > (1u << 20));
	yx_store_close(&a.store);
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_OK);
	assert_int_equal(yx_store_usage(a.store, &used, &map), YX_OK);
	assert_int_equal(map, YX_STORE_DEFAULT_MAP_SIZE);
	assert_holds(a.store, a.id, committed + FULL_BATCH);
	fx_node_close(&a);
}

/* A real full disk: a small tmpfs (needs root, as CI runs; skipped elsewhere). LMDB
 * reports the short write as EIO; the store must say disk full, keep every committed
 * batch and nothing of the failed one, and take the same batch once there is room. */
static void test_disk_full(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	uint32_t committed;
	a.dir = fx_tmpdir("store-diskfull");
	if (mount("tmpfs", a.dir, "tmpfs", 0, "size=2m,mode=0700") != 0) {
		fprintf(stderr, "[  SKIPPED ] disk full: cannot mount a tmpfs here: %s\n",
		        strerror(errno));
		fx_rmtree(a.dir);
		free(a.dir);
		skip();
	}
	assert_int_equal(yx_identity_generate(&a.id), YX_OK);
	assert_int_equal(yx_store_open(a.dir, YX_STORE_CREATE, 0, &a.store, &d), YX_OK);
	int ret = fill_until_error(a.store, a.id, &committed);
	assert_int_equal(ret, YX_ENOSPC);
	assert_true(yx_err_is_store_full(ret));
	assert_true(committed > 0);
	assert_holds(a.store, a.id, committed);
	assert_int_equal(try_put_enterprises(a.store, a.id, committed, FULL_BATCH), YX_ENOSPC);
	assert_holds(a.store, a.id, committed);
	assert_int_equal(mount(NULL, a.dir, NULL, MS_REMOUNT, "size=8m,mode=0700"), 0);
	assert_int_equal(try_put_enterprises(a.store, a.id, committed, FULL_BATCH), YX_OK);
	assert_holds(a.store, a.id, committed + FULL_BATCH);
	yx_store_close(&a.store);
	assert_int_equal(yx_store_open(a.dir, 0, 0, &a.store, &d), YX_OK);
	assert_holds(a.store, a.id, committed + FULL_BATCH);
	yx_store_close(&a.store);
	assert_int_equal(umount2(a.dir, MNT_DETACH), 0);
	fx_node_close(&a);
}

/* A txn that interned a new origin and was then aborted leaves nothing behind: not a
 * node's first local batch, abandoned, and not a first segment of a new origin that was
 * refused. The next write of that origin must still write its row in the origins table
 * (it once reused the aborted txn's id without the row: "stored data corrupt"). */
static void test_aborted_new_origin(void **state)
{
	(void)state;
	fx_node_t a, b;
	yx_diag_t d = {{0}};
	size_t appended = 0;
	uint8_t digest[32];
	fx_node_open(&a, "store-abort-src");
	fx_node_open(&b, "store-abort-dst");

	/* a's first batch is abandoned, the second commits */
	yx_batch_t *batch = NULL;
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	fx_enterprise_init(&f, 7);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_begin(a.store, a.id, &batch), YX_OK);
	assert_int_equal(yx_batch_put(batch, &c, &d), YX_OK);
	yx_batch_abort(&batch);
	put_enterprises(&a, 0, 20);
	put_enterprises(&a, 20, 20);
	assert_int_equal(yx_store_digest(a.store, digest), YX_OK);
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);

	/* b refuses a's segment 2 (a gap, a's origin new to b), then takes 1 and 2 */
	const uint8_t *origin = yx_identity_public(a.id);
	segment_t s1 = segment_read(a.store, origin, 1, false);
	segment_t s2 = segment_read(a.store, origin, 21, false);
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_EGAP);
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(b.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 20);
	put_enterprises(&b, 100, 5); /* b's own origin comes after a's */

	/* both stores hold what they say, also when opened afresh */
	for (fx_node_t *n = &a; n; n = n == &a ? &b : NULL) {
		uint8_t before[32], after[32];
		assert_int_equal(yx_store_digest(n->store, before), YX_OK);
		if (yx_store_verify(n->store, &d) != YX_OK)
			fail_msg("%s: %s", n->dir, d.msg);
		yx_store_close(&n->store);
		assert_int_equal(yx_store_open(n->dir, 0, 0, &n->store, &d), YX_OK);
		assert_int_equal(yx_store_digest(n->store, after), YX_OK);
		assert_memory_equal(before, after, 32);
		if (yx_store_verify(n->store, &d) != YX_OK)
			fail_msg("%s reopened: %s", n->dir, d.msg);
	}
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(b.store, origin, &tip), YX_OK);
	assert_int_equal(tip.seq, 40);
	segment_free(&s1);
	segment_free(&s2);
	fx_node_close(&a);
	fx_node_close(&b);
}

/* ---- key rotation ------------------------------------------------------------------------ */

/* The charter's signer rule for one rotated origin: its first key signs heads up to seq
 * after, the next key those past it; every other origin signs with its own key. */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t after;
	uint8_t next[YX_KEY_BYTES];
} rotated_t;

static const uint8_t *rotated_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	const rotated_t *r = arg;
	if (memcmp(origin, r->origin, YX_KEY_BYTES) != 0 || seq <= r->after)
		return origin;
	return r->next;
}

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
	put_enterprises(&a, 0, 20);
	put_enterprises(&a, 20, 10); /* A's log ends at seq 30 */
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
	yx_head_t h = put_enterprises(&a, 30, 15);
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
	rotated_t r = {.after = 30};
	memcpy(r.origin, origin, YX_KEY_BYTES);
	memcpy(r.next, yx_identity_public(key_b), YX_KEY_BYTES);
	yx_rules_t rules = {.signer = rotated_signer, .arg = &r};
	yx_store_set_rules(a.store, &rules);
	expect_verify(a.store, YX_OK, NULL);
	r.after = 45; /* A up to 45 */
	expect_verify(a.store, YX_ESIG, "head at seq 45 does not verify");
	yx_store_set_rules(a.store, NULL);
	expect_verify(a.store, YX_OK, NULL);

	/* The rotation goes on: B writes again, C after a second rotation. */
	put_enterprises(&a, 45, 5);
	assert_int_equal(yx_store_set_signer(a.store, 50, yx_identity_public(key_c), &d), YX_OK);
	assert_int_equal(yx_batch_begin(a.store, key_b, &b), YX_EKEY);
	a.id = key_c;
	put_enterprises(&a, 50, 5);
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
	put_enterprises(&a, 0, 30);

	/* A copy made before the rotation: the old key writes on there. */
	old.dir = fx_tmpdir("store-rot-old");
	assert_int_equal(yx_store_backup(a.store, old.dir, &d), YX_OK);
	assert_int_equal(yx_store_open(old.dir, 0, 0, &old.store, &d), YX_OK);
	old.id = a.id;
	put_enterprises(&old, 1000, 10);

	assert_int_equal(yx_store_set_signer(a.store, 30, yx_identity_public(key_b), &d), YX_OK);
	yx_identity_t *key_a = a.id;
	a.id = key_b;
	put_enterprises(&a, 30, 10);

	rotated_t rule = {.after = 30};
	memcpy(rule.origin, origin, YX_KEY_BYTES);
	memcpy(rule.next, yx_identity_public(key_b), YX_KEY_BYTES);
	yx_rules_t rules = {.signer = rotated_signer, .arg = &rule};
	yx_store_set_rules(r.store, &rules);

	segment_t s1 = segment_read(a.store, origin, 1, false);    /* 1..30, A */
	segment_t s2 = segment_read(a.store, origin, 31, false);   /* 31..40, B */
	segment_t f2 = segment_read(old.store, origin, 31, false); /* 31..40, A */
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
	expect_rejected(&r, origin, &f2, YX_ESIG, "head at seq 40 has a bad signature");
	/* B's is taken with the rule, refused without it. */
	expect_rejected(&bare, origin, &s2, YX_ESIG, "head at seq 40 has a bad signature");
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(appended, 10);
	/* ... and once B's log is held, A's fork of it is refused still. */
	expect_rejected(&r, origin, &f2, YX_ESIG, "bad signature");

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

	segment_free(&s1);
	segment_free(&s2);
	segment_free(&f2);
	yx_store_close(&old.store);
	fx_rmtree(old.dir);
	free(old.dir);
	a.id = key_a;
	yx_identity_free(&key_b);
	fx_node_close(&a);
	fx_node_close(&r);
	fx_node_close(&bare);
}

/* The write set is applied in key order whatever order its changes came in (the flush
 * sorts it): a batch of enterprises in a seeded random order, every seventh written twice
 * with another incubator. Each record then reads as its last version, and the incubator
 * index holds exactly the last versions: the first ones' entries were never written. */
#define SHUFFLED 3000
static void test_write_set_in_any_order(void **state)
{
	(void)state;
	fx_node_t a;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	uint32_t order[SHUFFLED];
	uint64_t rng = fx_seed("test_store: write set in any order");
	fx_node_open(&a, "store-any-order");
	for (uint32_t i = 0; i < SHUFFLED; i++)
		order[i] = i;
	for (uint32_t i = SHUFFLED - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(fx_rand(&rng) % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	for (uint32_t k = 0; k < SHUFFLED; k++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, order[k]);
		snprintf(f.incubator, sizeof(f.incubator), "SH-INC-FIRST");
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		if (yx_batch_put(b, &c, &d) != YX_OK)
			fail_msg("put %u: %s", order[k], d.msg);
		if (order[k] % 7 == 0) {
			snprintf(f.incubator, sizeof(f.incubator), "SH-INC-AGAIN");
			if (yx_batch_put(b, &c, &d) != YX_OK)
				fail_msg("put %u again: %s", order[k], d.msg);
		}
	}
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	size_t twice = (SHUFFLED + 6) / 7, first = 0, again = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-FIRST", 12,
	                               count_record, &first),
	                 YX_OK);
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-AGAIN", 12,
	                               count_record, &again),
	                 YX_OK);
	assert_int_equal(again, twice);
	assert_int_equal(first, SHUFFLED - twice);
	for (uint32_t i = 0; i < SHUFFLED; i += 13) {
		Yrdx__Change *got = enterprise_get(a.store, yx_identity_public(a.id), i);
		assert_non_null(got);
		assert_string_equal(got->enterprise->incubator_ids[0],
		                    i % 7 == 0 ? "SH-INC-AGAIN" : "SH-INC-FIRST");
		yx_change_free(&got);
	}
	assert_int_equal(yx_store_verify(a.store, &d), YX_OK);
	fx_node_close(&a);
}

/* Our sharing policy (共享策略) as a batch writes it: the change at seq 4. */
static void put_policy(fx_node_t *n)
{
	static Yrdx__RecordKind kinds[] = {YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR};
	Yrdx__SharingPolicy p = YRDX__SHARING_POLICY__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	p.id = (char *)YX_POLICY_ID;
	p.default_kinds = kinds;
	p.n_default_kinds = 1;
	yx_change_set_body(&c, YX_KIND_POLICY, &p);
	c.id = (char *)YX_POLICY_ID;
	assert_int_equal(yx_batch_begin(n->store, n->id, &b), YX_OK);
	if (yx_batch_put(b, &c, &d) != YX_OK)
		fail_msg("policy: %s", d.msg);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
}

/* The policy a store applies to an origin is the one the origin's latest head names.
 * Every head signs it (version 2), so a relay that sends the policy as a stub is refused;
 * a store that holds it as a stub anyway (taken under a version 1 head, from before)
 * says so (YX_ESTUB: serve withholds everything of that origin) until the body comes. */
static void test_policy_signed(void **state)
{
	(void)state;
	fx_node_t a, r, l;
	yx_diag_t d = {{0}};
	yx_head_t h;
	size_t appended;
	Yrdx__Change *pol = NULL;
	fx_node_open(&a, "policy-src");
	fx_node_open(&r, "policy-relayed");
	fx_node_open(&l, "policy-legacy");
	const uint8_t *origin = yx_identity_public(a.id);

	put_enterprises(&a, 0, 3);
	assert_int_equal(yx_store_policy(a.store, origin, &pol), YX_OK);
	assert_null(pol);          /* none published: the default */
	put_policy(&a);            /* seq 4 */
	put_enterprises(&a, 3, 3); /* 5..7: their head names 4 again */
	assert_int_equal(yx_store_head_find(a.store, origin, 7, &h), YX_OK);
	assert_int_equal(h.version, YX_HEAD_V2);
	assert_int_equal(h.policy_seq, 4);
	assert_int_equal(yx_store_policy(a.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	yx_change_free(&pol);

	segment_t s1 = segment_read(a.store, origin, 1, false); /* 1..3 */
	segment_t s2 = segment_read(a.store, origin, 4, false); /* 4, the policy */
	segment_t s3 = segment_read(a.store, origin, 5, false); /* 5..7 */
	assert_int_equal(s2.head.seq, 4);
	segment_t stub = segment_read(a.store, origin, 4, true);

	/* A relay sends the policy as a stub: refused, nothing stored. */
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	expect_rejected(&r, origin, &stub, YX_EINVAL, "its sharing policy came as a stub");
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(
	        yx_store_append_verified(r.store, origin, s3.e, s3.n, &s3.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(r.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	yx_change_free(&pol);

	/* Under version 1 heads (kept from before) the stub was taken: the store then
	 * applies the policy it holds, which is none... */
	segment_t old4 = segment_read(a.store, origin, 4, true);
	fx_head_sign_v1(&old4.head, a.id);
	segment_t old7 = s3;
	fx_head_sign_v1(&old7.head, a.id);
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s1.e, s1.n, &s1.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_append_verified(l.store, origin, old4.e, old4.n, &old4.head,
	                                          &appended, &d),
	                 YX_OK);
	assert_int_equal(yx_store_append_verified(l.store, origin, old7.e, old7.n, &old7.head,
	                                          &appended, &d),
	                 YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_OK);
	assert_null(pol);
	/* ...until a version 2 head names seq 4: then it knows it does not know. */
	put_enterprises(&a, 6, 1); /* 8 */
	segment_t s4 = segment_read(a.store, origin, 8, false);
	assert_int_equal(s4.head.policy_seq, 4);
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s4.e, s4.n, &s4.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_ESTUB);
	assert_null(pol);
	/* The body, from any path: filled, and applied. */
	assert_int_equal(
	        yx_store_append_verified(l.store, origin, s2.e, s2.n, &s2.head, &appended, &d),
	        YX_OK);
	assert_int_equal(yx_store_policy(l.store, origin, &pol), YX_OK);
	assert_non_null(pol);
	assert_int_equal(pol->seq, 4);
	assert_int_equal(pol->sharing_policy->n_default_kinds, 1);
	yx_change_free(&pol);
	assert_int_equal(yx_store_verify(l.store, &d), YX_OK);

	segment_free(&s1);
	segment_free(&s2);
	segment_free(&s3);
	segment_free(&s4);
	segment_free(&stub);
	segment_free(&old4);
	fx_node_close(&a);
	fx_node_close(&r);
	fx_node_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append_read_iterate),
	        cmocka_unit_test(test_update_and_retract),
	        cmocka_unit_test(test_schema3_retractions_rebuilt),
	        cmocka_unit_test(test_schema4_hole_keys_dropped),
	        cmocka_unit_test(test_holes_scan_bounded),
	        cmocka_unit_test(test_indexes_every_kind),
	        cmocka_unit_test(test_put_if_changed),
	        cmocka_unit_test(test_reopen),
	        cmocka_unit_test(test_schema_check),
	        cmocka_unit_test(test_remote_rejections),
	        cmocka_unit_test(test_aborted_new_origin),
	        cmocka_unit_test(test_digest_equal_with_stubs),
	        cmocka_unit_test(test_stubs_filled),
	        cmocka_unit_test(test_sigkill_mid_batch),
	        cmocka_unit_test(test_schema2_reindexed),
	        cmocka_unit_test(test_schema7_index_keys_made_duplicates),
	        cmocka_unit_test(test_map_full),
	        cmocka_unit_test(test_disk_full),
	        cmocka_unit_test(test_rotation_own_log),
	        cmocka_unit_test(test_rotation_received),
	        cmocka_unit_test(test_policy_signed),
	        cmocka_unit_test(test_write_set_in_any_order),
	        cmocka_unit_test(test_logs_apart),
	        cmocka_unit_test(test_entries_trimmed_only_as_packed),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
