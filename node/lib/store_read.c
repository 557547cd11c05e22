/* store_read: what the store hands out — current records by origin and id, by index term
 * and by kind, logs, heads, arrivals, tips — each call in one read snapshot. A snapshot
 * (yx_snap_t) lets a caller make several of those reads in one transaction: what it
 * reads is then consistent, and costs one transaction, not one per record. */
#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

struct yx_snap {
	yx_store_t *s;
	MDB_txn *txn;
	yx_arena_t arena;   /* records handed out for the length of a callback only */
	uint32_t n_origins; /* origins this snapshot sees (snap_origins); 0: not read yet */
};

/* How many origins the snapshot sees, s->origins[0..*n) their keys: the table is read once
 * per snapshot, not per call (an import asks once per row). Ids the snapshot's table
 * holds are committed, and a committed id never names another key. */
static int snap_origins(yx_snap_t *snap, uint32_t *n)
{
	int ret = YX_OK;
	if (!snap->n_origins && (ret = yxs_origins_load(snap->s, snap->txn)) == YX_OK)
		snap->n_origins = snap->s->n_origins;
	*n = snap->n_origins;
	return ret;
}

int yx_snap_open(yx_store_t *s, yx_snap_t **out)
{
	yx_snap_t *snap = calloc(1, sizeof(*snap));
	int ret;
	if (!snap)
		return -ENOMEM;
	snap->s = s;
	yx_arena_init(&snap->arena);
	if ((ret = yxs_txn_begin(s, false, &snap->txn))) {
		free(snap);
		return ret;
	}
	*out = snap;
	return YX_OK;
}

void yx_snap_close(yx_snap_t **snap)
{
	if (!snap || !*snap)
		return;
	mdb_txn_abort((*snap)->txn);
	yx_arena_free(&(*snap)->arena);
	free(*snap);
	*snap = NULL;
}

/* ---- current records ------------------------------------------------------------------- */

/* The log entry db (DB_STATE: the current version; DB_RETRACTED: the retraction) names
 * for record (kind, id) of origin. */
static int store_get(yx_store_t *s, int db, yx_arena_t *arena, yx_kind_t kind,
                     const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out)
{
	MDB_txn *txn = NULL;
	uint64_t seq;
	uint32_t oid;
	int ret;
	if ((ret = yxs_txn_begin(s, false, &txn)))
		return ret;
	if ((ret = yxs_origin_lookup(s, txn, origin, &oid)) == YX_OK &&
	    (ret = yxs_state_seq(s, txn, db, kind, oid, id, &seq)) == YX_OK)
		ret = yxs_log_read_change(s, txn, arena, oid, seq, out);
	mdb_txn_abort(txn);
	return ret;
}

int yx_store_get(yx_store_t *s, yx_kind_t kind, const uint8_t origin[YX_KEY_BYTES], const char *id,
                 Yrdx__Change **out)
{
	return store_get(s, DB_STATE, NULL, kind, origin, id, out);
}

int yx_store_get_in(yx_store_t *s, yx_arena_t *arena, yx_kind_t kind,
                    const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out)
{
	return store_get(s, DB_STATE, arena, kind, origin, id, out);
}

int yx_store_policy(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], Yrdx__Change **out)
{
	MDB_txn *txn = NULL;
	const uint8_t *hdr;
	uint8_t hash[YX_HASH_BYTES];
	uint64_t tip, at = 0;
	uint32_t oid;
	int ret;
	*out = NULL;
	if ((ret = yxs_txn_begin(s, false, &txn)))
		return ret;
	if ((ret = yxs_origin_lookup(s, txn, origin, &oid)) ||
	    (ret = yxs_tip_read(s, txn, oid, &tip, hash)) ||
	    (ret = yxs_policy_seq(s, txn, oid, tip, &at)) || !at)
		goto out; /* an origin we do not have, or no policy: the default */
	if ((ret = yxs_log_header(s, txn, oid, at, &hdr)))
		goto out;
	if (hdr[0] & LOG_FLAG_STUB) {
		ret = YX_ESTUB;
		goto out;
	}
	if ((ret = yxs_log_read_change(s, txn, NULL, oid, at, out)))
		goto out;
	if ((yx_kind_t)(*out)->kind != YX_KIND_POLICY)
		ret = YX_ECORRUPT; /* a head naming another kind: refused on the way in */
	else if ((*out)->body_case != YRDX__CHANGE__BODY_SHARING_POLICY)
		yx_change_free(out); /* retracted: the default again */
out:
	if (ret == YX_ENOTFOUND)
		ret = YX_OK;
	if (ret)
		yx_change_free(out);
	mdb_txn_abort(txn);
	return ret;
}

int yx_store_get_retracted(yx_store_t *s, yx_arena_t *arena, yx_kind_t kind,
                           const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out)
{
	return store_get(s, DB_RETRACTED, arena, kind, origin, id, out);
}

/* Hands fn the record version (oid, seq) — if of kind, or kind is YX_KIND_NONE: the log
 * entry is read once, for its kind, its hash and its bytes, and the bytes decoded into
 * arena — or, when arena is NULL, into the snapshot's own, reset once fn returns, so a
 * scan costs no malloc per record. Versions named by state or an index are never stubs. */
static int visit(yx_snap_t *snap, yx_arena_t *arena, uint32_t oid, uint64_t seq, yx_kind_t kind,
                 yx_stored_fn fn, void *arg)
{
	yx_store_t *s = snap->s;
	yx_stored_t rec = {0};
	yxs_entry_t e;
	Yrdx__Change *c = NULL;
	MDB_val v;
	int ret;
	if (!arena)
		arena = &snap->arena;
	if (!(rec.origin = yxs_origin_key(s, snap->txn, oid)))
		return YX_ECORRUPT;
	if ((ret = yxs_log_entry(s, snap->txn, oid, seq, &v)) || (ret = yxs_entry_split(&v, &e)))
		return ret;
	if (!e.bytes)
		return YX_ECORRUPT;
	if (kind != YX_KIND_NONE && e.kind != kind)
		return YX_OK; /* another kind under the same term */
	if ((ret = yxs_log_whole(s, snap->txn, arena, oid, seq, &e)))
		return ret;
	rec.seq = seq;
	rec.hash = e.hash;
	rec.bytes = e.bytes;
	rec.len = e.len;
	if (yx_change_decode_in(arena, rec.bytes, rec.len, &c) != YX_OK)
		ret = YX_ECORRUPT;
	rec.change = c;
	if (ret == YX_OK)
		ret = fn(arg, &rec);
	if (arena == &snap->arena)
		yx_arena_reset(&snap->arena);
	return ret;
}

/* The same for the current version a state entry (key k, value v) names. */
static int visit_state(yx_snap_t *snap, yx_arena_t *arena, const MDB_val *k, const MDB_val *v,
                       yx_stored_fn fn, void *arg)
{
	if (k->mv_size < 5 || v->mv_size != 8)
		return YX_ECORRUPT;
	return visit(snap, arena, be32_get((const uint8_t *)k->mv_data + 1), be64_get(v->mv_data),
	             YX_KIND_NONE, fn, arg);
}

static const int index_dbs[YX_INDEX_COUNT] = {DB_IDX_CREDIT, DB_IDX_INCUBATOR, DB_IDX_PARK,
                                              DB_IDX_INDUSTRY};

int yx_snap_find(yx_snap_t *snap, yx_index_t index, const void *term, size_t term_len,
                 yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn, void *arg)
{
	yx_store_t *s = snap->s;
	MDB_cursor *cur = NULL;
	MDB_val k = {term_len, (void *)term}, v;
	int ret = YX_OK, rc;

	assert(index < YX_INDEX_COUNT);
	if (term_len == 0 || term_len > YX_MAX_ID_LEN)
		return YX_OK;
	if ((ret = yxs_error(mdb_cursor_open(snap->txn, s->dbi[index_dbs[index]], &cur), "cursor")))
		goto out;
	/* The term's duplicates: the log keys of the current versions under it. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		const uint8_t *lkey = v.mv_data;
		if (v.mv_size != LOG_KEY) {
			ret = YX_ECORRUPT;
			goto out;
		}
		if ((ret = visit(snap, arena, be32_get(lkey), be64_get(lkey + 4), kind, fn, arg)))
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = yxs_error(rc, "index scan");
out:
	if (cur)
		mdb_cursor_close(cur);
	return ret == YX_ENOTFOUND ? YX_ECORRUPT : ret;
}

/* Every entry of db (DB_STATE or DB_RETRACTED) of kind, in key order. */
static int scan_db(yx_snap_t *snap, int db, yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn,
                   void *arg)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t first = (uint8_t)kind;
	int ret, rc;
	if ((ret = yxs_error(mdb_cursor_open(snap->txn, snap->s->dbi[db], &cur), "cursor")))
		goto out;
	k.mv_size = kind == YX_KIND_NONE ? 0 : 1;
	k.mv_data = &first;
	for (rc = mdb_cursor_get(cur, &k, &v, k.mv_size ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (kind != YX_KIND_NONE && ((const uint8_t *)k.mv_data)[0] != first)
			break;
		if ((ret = visit_state(snap, arena, &k, &v, fn, arg)))
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = yxs_error(rc, "scan");
out:
	if (cur)
		mdb_cursor_close(cur);
	return ret;
}

int yx_snap_scan(yx_snap_t *snap, yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn, void *arg)
{
	return scan_db(snap, DB_STATE, kind, arena, fn, arg);
}

int yx_snap_scan_retracted(yx_snap_t *snap, yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn,
                           void *arg)
{
	return scan_db(snap, DB_RETRACTED, kind, arena, fn, arg);
}

int yx_snap_get_all(yx_snap_t *snap, yx_kind_t kind, const char *id, yx_arena_t *arena,
                    yx_stored_fn fn, void *arg)
{
	return yx_snap_get_prefixed(snap, kind, NULL, 0, id, arena, fn, arg);
}

/* Whether origin oid holds a current record (kind, id). */
static int holds(yx_snap_t *snap, yx_kind_t kind, uint32_t oid, const char *id, bool *held)
{
	uint64_t seq;
	int ret = yxs_state_seq(snap->s, snap->txn, DB_STATE, kind, oid, id, &seq);
	*held = ret == YX_OK;
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

int yx_snap_holder(yx_snap_t *snap, yx_kind_t kind, const char *id, const uint8_t *self, bool *ours,
                   bool *other, uint8_t origin[YX_KEY_BYTES])
{
	yx_store_t *s = snap->s;
	uint32_t n, self_id = UINT32_MAX; /* none: a store without this node's log */
	int ret;
	*ours = *other = false;
	if ((ret = snap_origins(snap, &n)))
		return ret;
	for (uint32_t oid = 0; self && oid < n && self_id == UINT32_MAX; oid++)
		if (memcmp(s->origins[oid], self, YX_KEY_BYTES) == 0)
			self_id = oid;
	if (self_id != UINT32_MAX && ((ret = holds(snap, kind, self_id, id, ours)) || *ours))
		return ret;
	for (uint32_t oid = 0; oid < n; oid++) {
		if (oid == self_id)
			continue;
		if ((ret = holds(snap, kind, oid, id, other)))
			return ret;
		if (*other) {
			memcpy(origin, s->origins[oid], YX_KEY_BYTES);
			break;
		}
	}
	return YX_OK;
}

int yx_snap_get_prefixed(yx_snap_t *snap, yx_kind_t kind, const uint8_t *prefix, size_t prefix_len,
                         const char *id, yx_arena_t *arena, yx_stored_fn fn, void *arg)
{
	yx_store_t *s = snap->s;
	uint8_t skey[STATE_KEY_MAX];
	MDB_val v;
	int ret = YX_OK;
	if (strlen(id) > YX_MAX_ID_LEN)
		return YX_OK;
	/* A point lookup per origin: a federation has tens of cities, a store millions of
	 * records. Origins a writer adds after the table was read are not in the snapshot. */
	uint32_t n;
	if ((ret = snap_origins(snap, &n)))
		return ret;
	for (uint32_t oid = 0; oid < n && ret == YX_OK; oid++) {
		if (prefix_len && memcmp(s->origins[oid], prefix, prefix_len) != 0)
			continue;
		size_t sklen = yxs_state_key(skey, kind, oid, id);
		ret = yxs_get(snap->txn, s->dbi[DB_STATE], skey, sklen, &v);
		if (ret == YX_ENOTFOUND) {
			ret = YX_OK;
			continue;
		}
		if (ret == YX_OK) {
			MDB_val k = {sklen, skey};
			ret = visit_state(snap, arena, &k, &v, fn, arg);
		}
	}
	return ret;
}

int yx_snap_scan_ids(yx_snap_t *snap, yx_kind_t kind, const char *id_prefix, yx_arena_t *arena,
                     yx_stored_fn fn, void *arg)
{
	yx_store_t *s = snap->s;
	uint8_t skey[STATE_KEY_MAX];
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int ret, rc = 0;
	if (strlen(id_prefix) > YX_MAX_ID_LEN)
		return YX_OK;
	uint32_t n;
	if ((ret = snap_origins(snap, &n)) ||
	    (ret = yxs_error(mdb_cursor_open(snap->txn, s->dbi[DB_STATE], &cur), "cursor")))
		return ret;
	/* One seek per origin the store knows, then the ids that share the prefix. */
	for (uint32_t oid = 0; oid < n && ret == YX_OK; oid++) {
		size_t plen = yxs_state_key(skey, kind, oid, id_prefix);
		k = (MDB_val){plen, skey};
		for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ret == YX_OK;
		     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
			if (k.mv_size < plen || memcmp(k.mv_data, skey, plen) != 0)
				break;
			ret = visit_state(snap, arena, &k, &v, fn, arg);
		}
		if (rc != 0 && rc != MDB_NOTFOUND)
			ret = yxs_error(rc, "scan");
	}
	mdb_cursor_close(cur);
	return ret;
}

/* Adapts a yx_record_fn to the stored form, for the one-call reads below. */
typedef struct {
	yx_record_fn fn;
	void *arg;
} record_adapter_t;

static int to_record(void *arg, const yx_stored_t *rec)
{
	record_adapter_t *a = arg;
	return a->fn(a->arg, rec->origin, rec->seq, rec->change);
}

int yx_store_find(yx_store_t *s, yx_index_t index, const void *term, size_t term_len,
                  yx_record_fn fn, void *arg)
{
	record_adapter_t a = {fn, arg};
	yx_snap_t *snap = NULL;
	int ret = yx_snap_open(s, &snap);
	if (ret == YX_OK)
		ret = yx_snap_find(snap, index, term, term_len, YX_KIND_NONE, NULL, to_record, &a);
	yx_snap_close(&snap);
	return ret;
}

int yx_store_scan(yx_store_t *s, yx_kind_t kind, yx_record_fn fn, void *arg)
{
	record_adapter_t a = {fn, arg};
	yx_snap_t *snap = NULL;
	int ret = yx_snap_open(s, &snap);
	if (ret == YX_OK)
		ret = yx_snap_scan(snap, kind, NULL, to_record, &a);
	yx_snap_close(&snap);
	return ret;
}

/* ---- logs, heads, tips ---------------------------------------------------------------- */

int yx_snap_origins(yx_snap_t *snap, yx_origin_fn fn, void *arg)
{
	uint32_t n;
	int ret = snap_origins(snap, &n);
	for (uint32_t oid = 0; ret == YX_OK && oid < n; oid++)
		ret = fn(arg, snap->s->origins[oid]);
	return ret;
}

int yx_snap_log_iterate(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], uint64_t from_seq,
                        yx_log_fn fn, void *arg)
{
	yxs_walk_t w;
	yxs_entry_t e;
	uint32_t oid;
	int ret;
	if ((ret = yxs_origin_lookup(snap->s, snap->txn, origin, &oid)) ||
	    (ret = yxs_walk_open(snap->s, snap->txn, oid, from_seq, &w)))
		return ret;
	while ((ret = yxs_walk_next(&w, &e)) == YX_OK) {
		int stop = fn(arg, w.seq, e.bytes ? e.kind : YX_KIND_NONE, e.hash, e.digest,
		              e.bytes, e.len);
		if (stop) {
			yxs_walk_close(&w);
			return stop;
		}
	}
	yxs_walk_close(&w);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

int yx_snap_head_find(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], uint64_t min_seq,
                      yx_head_t *head)
{
	MDB_cursor *cur;
	uint8_t key[LOG_KEY];
	MDB_val k = {LOG_KEY, key}, v;
	uint32_t oid;
	int rc, ret;
	if ((ret = yxs_origin_lookup(snap->s, snap->txn, origin, &oid)) ||
	    (ret = yxs_error(mdb_cursor_open(snap->txn, snap->s->dbi[DB_HEADS], &cur), "cursor")))
		return ret;
	yxs_log_key(key, oid, min_seq);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != LOG_KEY || be32_get(k.mv_data) != oid))
		rc = MDB_NOTFOUND;
	if ((ret = yxs_error(rc, "head")))
		goto out;
	ret = yxs_head_decode(origin, be64_get((const uint8_t *)k.mv_data + 4), &v, head);
out:
	mdb_cursor_close(cur);
	return ret;
}

int yx_snap_tip(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], yx_tip_t *tip)
{
	uint32_t oid;
	int ret = yxs_origin_lookup(snap->s, snap->txn, origin, &oid);
	if (ret == YX_OK)
		ret = yxs_tip_read(snap->s, snap->txn, oid, &tip->seq, tip->hash);
	if (ret == YX_OK) {
		memcpy(tip->origin, origin, YX_KEY_BYTES);
		tip->fills = 0;
		if (tip->seq == 0)
			ret = YX_ENOTFOUND;
	}
	return ret;
}

int yx_store_log_iterate(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from_seq,
                         yx_log_fn fn, void *arg)
{
	yx_snap_t *snap = NULL;
	int ret = yx_snap_open(s, &snap);
	if (ret == YX_OK)
		ret = yx_snap_log_iterate(snap, origin, from_seq, fn, arg);
	yx_snap_close(&snap);
	return ret;
}

int yx_store_head_find(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t min_seq,
                       yx_head_t *head)
{
	yx_snap_t *snap = NULL;
	int ret = yx_snap_open(s, &snap);
	if (ret == YX_OK)
		ret = yx_snap_head_find(snap, origin, min_seq, head);
	yx_snap_close(&snap);
	return ret;
}

int yx_store_tip(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], yx_tip_t *tip)
{
	yx_snap_t *snap = NULL;
	int ret = yx_snap_open(s, &snap);
	if (ret == YX_OK)
		ret = yx_snap_tip(snap, origin, tip);
	yx_snap_close(&snap);
	return ret;
}

/* ---- arrivals, vector, digests --------------------------------------------------------- */

int yx_store_arrivals(yx_store_t *s, uint64_t after, yx_arrival_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t key[8];
	yx_arena_t arena;
	int ret, rc;
	if ((ret = yxs_txn_begin(s, false, &txn)))
		return ret;
	yx_arena_init(&arena);
	if ((ret = yxs_error(mdb_cursor_open(txn, s->dbi[DB_ARRIVAL], &cur), "cursor")))
		goto out;
	be64_put(key, after + 1);
	k.mv_size = 8;
	k.mv_data = key;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		yx_arrival_t a = {0};
		Yrdx__Change *c = NULL;
		if (k.mv_size != 8 || v.mv_size != 12) {
			ret = YX_ECORRUPT;
			goto out;
		}
		uint32_t oid = be32_get(v.mv_data);
		a.n = be64_get(k.mv_data);
		a.seq = be64_get((const uint8_t *)v.mv_data + 4);
		if (!(a.origin = yxs_origin_key(s, txn, oid))) {
			ret = YX_ECORRUPT;
			goto out;
		}
		if ((ret = yxs_log_read_bytes(s, txn, &arena, oid, a.seq, &a.bytes, &a.len)))
			goto out;
		if (yx_change_decode_in(&arena, a.bytes, a.len, &c) != YX_OK) {
			ret = YX_ECORRUPT;
			goto out;
		}
		a.change = c;
		ret = fn(arg, &a);
		yx_arena_reset(&arena);
		if (ret)
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = yxs_error(rc, "arrivals");
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	yx_arena_free(&arena);
	return ret;
}

int yx_store_hash(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                  uint8_t hash[YX_HASH_BYTES])
{
	MDB_txn *txn = NULL;
	uint32_t oid;
	int ret = yxs_txn_begin(s, false, &txn);
	if (ret)
		return ret;
	if ((ret = yxs_origin_lookup(s, txn, origin, &oid)) == YX_OK)
		ret = seq ? yxs_log_hash(s, txn, oid, seq, hash) : YX_ENOTFOUND;
	mdb_txn_abort(txn);
	return ret == YX_ECORRUPT ? YX_ENOTFOUND : ret;
}

static int tip_compare(const void *a, const void *b)
{
	return memcmp(((const yx_tip_t *)a)->origin, ((const yx_tip_t *)b)->origin, YX_KEY_BYTES);
}

int yx_store_vector(yx_store_t *s, yx_vector_t *vec)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int ret, rc;
	vec->tips = NULL;
	vec->n = 0;
	if ((ret = yxs_txn_begin(s, false, &txn)))
		return ret;
	if ((ret = yxs_origins_load(s, txn)))
		goto out;
	vec->tips = calloc(s->n_origins ? s->n_origins : 1, sizeof(yx_tip_t));
	if (!vec->tips) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = yxs_error(mdb_cursor_open(txn, s->dbi[DB_VECTOR], &cur), "cursor")))
		goto out;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint32_t oid = be32_get(k.mv_data);
		if (k.mv_size != 4 || v.mv_size != TIP_VAL || oid >= s->n_origins ||
		    vec->n >= s->n_origins) {
			ret = YX_ECORRUPT;
			goto out;
		}
		yx_tip_t *t = &vec->tips[vec->n++];
		memcpy(t->origin, s->origins[oid], YX_KEY_BYTES);
		t->seq = be64_get(v.mv_data);
		memcpy(t->hash, (uint8_t *)v.mv_data + 8, YX_HASH_BYTES);
		t->fills = oid < s->n_fills ? s->fills[oid] : 0;
	}
	if (rc != MDB_NOTFOUND)
		ret = yxs_error(rc, "vector");
	qsort(vec->tips, vec->n, sizeof(yx_tip_t), tip_compare);
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (ret)
		yx_vector_free(vec);
	return ret;
}

void yx_vector_free(yx_vector_t *vec)
{
	free(vec->tips);
	vec->tips = NULL;
	vec->n = 0;
}

static void tip_digest_update(crypto_generichash_state *st, const yx_tip_t *t)
{
	uint8_t seq[8];
	be64_put(seq, t->seq);
	crypto_generichash_update(st, t->origin, YX_KEY_BYTES);
	crypto_generichash_update(st, seq, 8);
	crypto_generichash_update(st, t->hash, YX_HASH_BYTES);
}

int yx_store_origin_digest(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES],
                           uint8_t digest[YX_HASH_BYTES])
{
	yx_tip_t tip;
	int ret = yx_store_tip(s, origin, &tip);
	if (ret)
		return ret;
	crypto_generichash_state st;
	crypto_generichash_init(&st, (const uint8_t *)"yrdx-origin-v1", 14, YX_HASH_BYTES);
	tip_digest_update(&st, &tip);
	crypto_generichash_final(&st, digest, YX_HASH_BYTES);
	return YX_OK;
}

int yx_store_digest(yx_store_t *s, uint8_t digest[YX_HASH_BYTES])
{
	yx_vector_t vec;
	int ret = yx_store_vector(s, &vec);
	if (ret)
		return ret;
	crypto_generichash_state st;
	crypto_generichash_init(&st, (const uint8_t *)"yrdx-store-v1", 13, YX_HASH_BYTES);
	for (size_t i = 0; i < vec.n; i++)
		tip_digest_update(&st, &vec.tips[i]);
	crypto_generichash_final(&st, digest, YX_HASH_BYTES);
	yx_vector_free(&vec);
	return YX_OK;
}
