/* store: opening a store, its schema version and the upgrades from every older one. Old
 * stores are made from new ones with LMDB itself, their layout of the time written back;
 * a read-only opener refuses them, a writer upgrades them to the same records, finds and
 * digest. Real LMDB in scratch directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "store.h"
#include "store_fx.h"

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

/* A schema-3 store knew no retractions: opened for writing, it reads them off its logs. */
static void test_schema3_retractions_rebuilt(void **state)
{
	(void)state;
	fx_node_t a;
	yx_diag_t d = {{0}};
	yx_batch_t *b = NULL;
	char code[19];
	fx_node_open(&a, "schema3");
	fx_put_enterprises(&a, 0, 20);
	fx_credit_code(4, code);
	assert_int_equal(yx_batch_begin(a.store, a.id, &b), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_ENTERPRISE, code, "merged", &d), YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	assert_int_equal(sfx_count_retracted(&a), 1);
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
	assert_int_equal(sfx_count_retracted(&a), 1);
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
		fx_put_enterprises(&a, i * BATCH, BATCH);
		fx_put_enterprises(&b, i * BATCH, BATCH);
	}
	fx_node_t *from[2] = {&a, &b};
	for (uint64_t first = 1; first <= BATCH * BATCHES; first += BATCH)
		for (int o = 0; o < 2; o++) {
			const uint8_t *origin = yx_identity_public(from[o]->id);
			sfx_segment_t seg = sfx_segment_read(from[o]->store, origin, first, false);
			assert_int_equal(seg.n, BATCH);
			assert_int_equal(yx_store_append_verified(c.store, origin, seg.e, seg.n,
			                                          &seg.head, NULL, &d),
			                 YX_OK);
			sfx_segment_free(&seg);
		}
	size_t found = 0;
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
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
	assert_int_equal(yx_store_scan(c.store, YX_KIND_ENTERPRISE, sfx_count_record, &found),
	                 YX_OK);
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
	fx_put_enterprises(&a, 0, 20);
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

static void test_reopen(void **state)
{
	(void)state;
	fx_node_t a;
	uint8_t before[32], after[32];
	yx_diag_t d = {{0}};
	fx_node_open(&a, "store-reopen");
	fx_put_enterprises(&a, 0, 5000); /* crosses the head interval */
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
	fx_put_enterprises(&a, 5000, 10);
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

/* A store of schema 2 (index entries keyed by state key) is upgraded when opened for
 * writing: its indexes rebuilt in today's layout, whatever stale entries they held gone,
 * finds answering from the current versions only. A read-only opener refuses it. */
static void test_schema2_reindexed(void **state)
{
	(void)state;
	fx_node_t a;
	fx_node_open(&a, "schema2");
	fx_put_enterprises(&a, 0, 1000); /* SH-INC-0007 holds 7, 507 */
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
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0007", 11,
	                               sfx_count_record, &found),
	                 YX_OK);
	assert_int_equal(found, 2);
	yx_store_close(&a.store);
	/* Upgraded for good: a read-only opener takes it now. */
	assert_int_equal(yx_store_open(a.dir, YX_STORE_READONLY, 0, &a.store, &d), YX_OK);
	found = 0;
	assert_int_equal(yx_store_find(a.store, YX_INDEX_INCUBATOR, "SH-INC-0499", 11,
	                               sfx_count_record, &found),
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
	assert_int_equal(yx_store_find(store, index, term, strlen(term), sfx_count_record, &found),
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
	fx_put_enterprises(&a, 0, 1000);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_schema3_retractions_rebuilt),
	        cmocka_unit_test(test_schema4_hole_keys_dropped),
	        cmocka_unit_test(test_reopen),
	        cmocka_unit_test(test_schema_check),
	        cmocka_unit_test(test_schema2_reindexed),
	        cmocka_unit_test(test_schema7_index_keys_made_duplicates),
	        cmocka_unit_test(test_logs_apart),
	        cmocka_unit_test(test_entries_trimmed_only_as_packed),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
