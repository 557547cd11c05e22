/* store_log: the store's logs as stored — each origin's entries (flags, kind, H, D,
 * bytes), its signed heads and tip, the holes its stubs leave, and the arrival numbers of
 * fed records. Read and written inside the caller's transaction. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pbwalk.h"

#include "store_int.h"

/* ---- tips ------------------------------------------------------------------------------ */

int yxs_tip_read(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t *seq,
                 uint8_t hash[YX_HASH_BYTES])
{
	uint8_t key[4];
	MDB_val v;
	be32_put(key, oid);
	int ret = yxs_get(txn, s->dbi[DB_VECTOR], key, 4, &v);
	if (ret == YX_ENOTFOUND) {
		*seq = 0;
		memset(hash, 0, YX_HASH_BYTES);
		return YX_OK;
	}
	if (ret)
		return ret;
	if (v.mv_size != TIP_VAL)
		return YX_ECORRUPT;
	*seq = be64_get(v.mv_data);
	memcpy(hash, (uint8_t *)v.mv_data + 8, YX_HASH_BYTES);
	return YX_OK;
}

int yxs_tip_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                  const uint8_t hash[YX_HASH_BYTES])
{
	uint8_t key[4], val[TIP_VAL];
	be32_put(key, oid);
	be64_put(val, seq);
	memcpy(val + 8, hash, YX_HASH_BYTES);
	return yxs_put(txn, s->dbi[DB_VECTOR], key, 4, val, TIP_VAL, 0);
}

/* ---- log entries ----------------------------------------------------------------------- */

/* Schema 8 and before: flags, kind, H, D, then a full entry's bytes whole. */
#define OLD_HDR (LOG_HDR + YX_HASH_BYTES)

/* The fields a change of origin's seq starts with as protobuf-c packs it (fields 1, 2 and
 * 3 of proto/change.proto, in field order), prev being H(seq-1): written into out
 * (LOG_PREFIX_MAX bytes); their length. */
static size_t change_prefix(uint8_t *out, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                            const uint8_t prev[YX_HASH_BYTES])
{
	size_t n = 0;
	out[n++] = 1 << 3 | 2; /* origin: field 1, length-delimited */
	out[n++] = YX_KEY_BYTES;
	memcpy(out + n, origin, YX_KEY_BYTES);
	n += YX_KEY_BYTES;
	out[n++] = 2 << 3; /* seq: field 2, a varint */
	n += yx_pb_varint_put(out + n, seq);
	out[n++] = 3 << 3 | 2; /* prev_hash: field 3, length-delimited */
	out[n++] = YX_HASH_BYTES;
	memcpy(out + n, prev, YX_HASH_BYTES);
	return n + YX_HASH_BYTES;
}

int yxs_entry_split(const MDB_val *v, yxs_entry_t *e)
{
	const uint8_t *p = v->mv_data;
	if (v->mv_size < LOG_HDR)
		return YX_ECORRUPT;
	e->flags = p[0];
	e->kind = (yx_kind_t)p[1];
	e->hash = p + LOG_H;
	if (p[0] & LOG_FLAG_STUB) {
		e->digest = p + LOG_HDR;
		e->bytes = NULL;
		e->len = 0;
		return v->mv_size == LOG_STUB ? YX_OK : YX_ECORRUPT;
	}
	e->digest = NULL;
	e->bytes = p + LOG_HDR;
	e->len = v->mv_size - LOG_HDR;
	/* nothing larger is written (codec.h): whole, it fits what readers make it whole in */
	return e->len <= YX_MAX_CHANGE_BYTES ? YX_OK : YX_ECORRUPT;
}

/* A trimmed full entry e of oid's seq made whole in out (LOG_PREFIX_MAX + e->len bytes),
 * e pointed at it; prev is H(seq-1), read from the log if NULL (into prev_out). */
static int entry_whole(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, const uint8_t *prev,
                       uint8_t prev_out[YX_HASH_BYTES], uint8_t *out, yxs_entry_t *e)
{
	const uint8_t *origin = yxs_origin_key(s, txn, oid);
	if (!origin)
		return YX_ECORRUPT;
	if (!prev) {
		int ret = yxs_log_hash(s, txn, oid, seq - 1, prev_out);
		if (ret)
			return ret;
		prev = prev_out;
	}
	size_t n = change_prefix(out, origin, seq, prev);
	memcpy(out + n, e->bytes, e->len);
	e->bytes = out;
	e->len += n;
	e->flags &= (uint8_t)~LOG_FLAG_TRIM;
	return YX_OK;
}

/* Origin's log entry seq, header and all; a missing or short entry is corruption (state
 * and heads only name entries that are there). */
int yxs_log_entry(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, MDB_val *v)
{
	uint8_t key[SEQ_KEY];
	MDB_val k = yxs_seq_key(key, seq);
	MDB_dbi dbi;
	int ret = yxs_log_dbi(s, oid, &dbi);
	if (ret == YX_OK)
		ret = yxs_get(txn, dbi, k.mv_data, k.mv_size, v);
	if (ret)
		return ret == YX_ENOTFOUND ? YX_ECORRUPT : ret;
	return v->mv_size < LOG_HDR ? YX_ECORRUPT : YX_OK;
}

/* The header of origin's log entry seq (flags, kind, H: LOG_HDR bytes). */
int yxs_log_header(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, const uint8_t **hdr)
{
	MDB_val v;
	int ret = yxs_log_entry(s, txn, oid, seq, &v);
	if (ret == YX_OK)
		*hdr = v.mv_data;
	return ret;
}

/* H(seq) of origin from its log; zeros for seq 0. */
int yxs_log_hash(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                 uint8_t hash[YX_HASH_BYTES])
{
	const uint8_t *hdr;
	if (seq == 0) {
		memset(hash, 0, YX_HASH_BYTES);
		return YX_OK;
	}
	int ret = yxs_log_header(s, txn, oid, seq, &hdr);
	if (ret == YX_OK)
		memcpy(hash, hdr + LOG_H, YX_HASH_BYTES);
	return ret;
}

int yxs_log_whole(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                  yxs_entry_t *e)
{
	uint8_t prev[YX_HASH_BYTES], *out;
	if (!e->bytes || !(e->flags & LOG_FLAG_TRIM))
		return YX_OK;
	if (!(out = yx_arena_alloc(arena, LOG_PREFIX_MAX + e->len)))
		return -ENOMEM;
	return entry_whole(s, txn, oid, seq, NULL, prev, out, e);
}

int yxs_log_get(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                yxs_entry_t *e)
{
	MDB_val v;
	int ret = yxs_log_entry(s, txn, oid, seq, &v);
	if (ret == YX_OK)
		ret = yxs_entry_split(&v, e);
	return ret ? ret : yxs_log_whole(s, txn, arena, oid, seq, e);
}

int yxs_walk_open(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t from, yxs_walk_t *w)
{
	MDB_dbi dbi;
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->txn = txn;
	w->oid = oid;
	w->seq = from; /* until the first entry is read: where to start */
	int ret = yxs_log_dbi(s, oid, &dbi);
	return ret ? ret : yxs_error(mdb_cursor_open(txn, dbi, &w->cur), "log cursor");
}

int yxs_walk_next(yxs_walk_t *w, yxs_entry_t *e)
{
	uint8_t key[SEQ_KEY];
	MDB_val k = yxs_seq_key(key, w->seq), v;
	bool first = !w->started;
	int rc = mdb_cursor_get(w->cur, &k, &v, first ? MDB_SET_RANGE : MDB_NEXT);
	if (rc)
		return rc == MDB_NOTFOUND ? YX_ENOTFOUND : yxs_error(rc, "log scan");
	if (k.mv_size != SEQ_KEY)
		return YX_ECORRUPT;
	uint64_t seq = be64_get(k.mv_data);
	int ret = yxs_entry_split(&v, e);
	if (ret == YX_OK && e->bytes && (e->flags & LOG_FLAG_TRIM)) {
		/* H(seq-1) is the last entry's, unless this is the first one read */
		bool follows = !first && seq == w->seq + 1;
		if (!w->whole && !(w->whole = malloc(LOG_PREFIX_MAX + YX_MAX_CHANGE_BYTES)))
			ret = -ENOMEM;
		else
			ret = entry_whole(w->s, w->txn, w->oid, seq, follows ? w->prev : NULL,
			                  w->prev, w->whole, e);
	}
	if (ret)
		return ret;
	w->started = true;
	w->seq = seq;
	memcpy(w->prev, e->hash, YX_HASH_BYTES);
	return YX_OK;
}

void yxs_walk_close(yxs_walk_t *w)
{
	if (w->cur)
		mdb_cursor_close(w->cur);
	free(w->whole);
	w->cur = NULL;
	w->whole = NULL;
}

/* Whether origin's entry seq is held as a stub (its digest only). */
int yxs_log_is_stub(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, bool *stub)
{
	const uint8_t *hdr;
	int ret = yxs_log_header(s, txn, oid, seq, &hdr);
	if (ret == YX_OK)
		*stub = hdr[0] & LOG_FLAG_STUB;
	return ret;
}

/* ---- heads, arrivals, the holes of schema 4 ------------------------------------------ */

/* Schema 4 kept a meta key "hole" | origin id | seq per stub; a stub is the log entry's own
 * flag now (yx_store_holes reads the log), so the upgrade drops those keys. */
int yxs_holes_drop(yx_store_t *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k = {4, "hole"}, v;
	int rc = mdb_cursor_open(txn, s->dbi[DB_META], &cur);
	if (rc)
		return yxs_error(rc, "cursor");
	/* Sought anew after each delete: a one-time upgrade, kept simple. */
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0 && k.mv_size == HOLE_KEY &&
	       memcmp(k.mv_data, "hole", 4) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)))
			break;
		k = (MDB_val){4, "hole"};
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? YX_OK : yxs_write_error(txn, rc, "holes");
}

/* kind is the change's record kind (tombstones included), 0 for a stub: kept beside the
 * bytes so a sender can apply its sharing policy without decoding every change. */
int yxs_log_write(yx_store_t *s, MDB_txn *txn, MDB_cursor **cur, uint32_t oid, uint64_t seq,
                  bool append, const uint8_t *prev, const uint8_t hash[YX_HASH_BYTES],
                  const uint8_t digest[YX_HASH_BYTES], yx_kind_t kind, const uint8_t *bytes,
                  size_t len)
{
	uint8_t key[SEQ_KEY], prefix[LOG_PREFIX_MAX];
	size_t cut = 0;
	if (bytes && prev) {
		const uint8_t *origin = yxs_origin_key(s, txn, oid);
		size_t n = origin ? change_prefix(prefix, origin, seq, prev) : 0;
		if (n && len >= n && memcmp(bytes, prefix, n) == 0)
			cut = n; /* packed as protobuf-c packs it: what a reader puts back */
	}
	MDB_val k = yxs_seq_key(key, seq), v = {bytes ? LOG_HDR + len - cut : LOG_STUB, NULL};
	MDB_dbi dbi;
	int rc, ret = yxs_log_dbi(s, oid, &dbi);
	if (ret)
		return ret;
	if (*cur && mdb_cursor_dbi(*cur) != dbi) {
		mdb_cursor_close(*cur);
		*cur = NULL;
	}
	if (!*cur && (rc = mdb_cursor_open(txn, dbi, cur)))
		return yxs_error(rc, "log cursor");
	/* Reserve and fill in place: the change bytes are copied once, into the map. Through
	 * one cursor per log and transaction, and a new entry appended: LMDB then writes on
	 * the log's last page without descending from the root, and starts the next page
	 * only when that one is full. */
	if ((rc = mdb_cursor_put(*cur, &k, &v, MDB_RESERVE | (append ? MDB_APPEND : 0))))
		return yxs_write_error(txn, rc, "append log");
	uint8_t *p = v.mv_data;
	p[0] = bytes ? (cut ? LOG_FLAG_TRIM : 0) : LOG_FLAG_STUB;
	p[1] = (uint8_t)kind;
	memcpy(p + LOG_H, hash, YX_HASH_BYTES);
	if (bytes)
		memcpy(p + LOG_HDR, bytes + cut, len - cut);
	else
		memcpy(p + LOG_HDR, digest, YX_HASH_BYTES);
	return YX_OK;
}

/* Each local id's log: opened, and made where missing unless the store is read-only. */
int yxs_logs_open(yx_store_t *s, MDB_txn *txn)
{
	char name[32];
	for (unsigned oid = 0; oid < MAX_ORIGINS; oid++) {
		snprintf(name, sizeof(name), LOG_DB_NAME, oid);
		int rc = mdb_dbi_open(txn, name, s->readonly ? 0 : MDB_CREATE, &s->logs[oid]);
		if (rc)
			return rc == MDB_NOTFOUND ? YX_ENOTFOUND
			                          : yxs_write_error(txn, rc, "open log");
	}
	return YX_OK;
}

int yxs_logs_gather(yx_store_t *s, MDB_txn *txn)
{
	MDB_dbi shared;
	MDB_cursor *from = NULL, *to = NULL;
	MDB_val k, v;
	uint8_t key[LOG_KEY];
	int rc = mdb_dbi_open(txn, "log", MDB_CREATE, &shared);
	int ret = rc ? yxs_write_error(txn, rc, "make the shared log") : yxs_origins_load(s, txn);
	if (ret == YX_OK)
		ret = yxs_error(mdb_cursor_open(txn, shared, &to), "cursor");
	for (uint32_t oid = 0; ret == YX_OK && oid < s->n_origins; oid++) {
		if ((ret = yxs_error(mdb_cursor_open(txn, s->logs[oid], &from), "cursor")))
			break;
		/* origin id | seq: in the order appended */
		for (rc = mdb_cursor_get(from, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(from, &k, &v, MDB_NEXT)) {
			if (k.mv_size != SEQ_KEY) {
				rc = MDB_CORRUPTED;
				break;
			}
			yxs_log_key(key, oid, be64_get(k.mv_data));
			MDB_val kk = {LOG_KEY, key};
			if ((rc = mdb_cursor_put(to, &kk, &v, MDB_APPEND)))
				break;
		}
		mdb_cursor_close(from);
		if (rc != MDB_NOTFOUND)
			ret = yxs_write_error(txn, rc, "gather the logs");
		else
			ret = yxs_write_error(txn, mdb_drop(txn, s->logs[oid], 0), "empty a log");
	}
	if (to)
		mdb_cursor_close(to);
	return ret;
}

int yxs_logs_split(yx_store_t *s, MDB_txn *txn)
{
	MDB_dbi shared;
	MDB_cursor *from = NULL, *to = NULL;
	MDB_val k, v;
	uint8_t prev[YX_HASH_BYTES];
	uint32_t last_oid = UINT32_MAX;
	uint64_t last_seq = 0;
	int rc = mdb_dbi_open(txn, "log", 0, &shared);
	if (rc == MDB_NOTFOUND)
		return YX_OK;
	if (rc || (rc = mdb_cursor_open(txn, shared, &from)))
		return yxs_error(rc, "open the shared log");
	int ret = YX_OK;
	for (rc = mdb_cursor_get(from, &k, &v, MDB_FIRST); rc == 0 && ret == YX_OK;
	     rc = mdb_cursor_get(from, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		if (k.mv_size != LOG_KEY || v.mv_size < OLD_HDR) {
			ret = YX_ECORRUPT;
			break;
		}
		uint32_t oid = be32_get(k.mv_data);
		uint64_t seq = be64_get((const uint8_t *)k.mv_data + 4);
		bool stub = p[0] & LOG_FLAG_STUB;
		/* H(seq-1): the last entry's, zeros before the first */
		bool known = seq == 1 || (oid == last_oid && seq == last_seq + 1);
		if (seq == 1)
			memset(prev, 0, YX_HASH_BYTES);
		/* in key order: each origin's entries come in seq order, each one appended */
		ret = yxs_log_write(s, txn, &to, oid, seq, true, known ? prev : NULL, p + LOG_H,
		                    p + LOG_HDR, (yx_kind_t)p[1], stub ? NULL : p + OLD_HDR,
		                    stub ? 0 : v.mv_size - OLD_HDR);
		if (ret == YX_ECORRUPT && oid >= MAX_ORIGINS)
			yx_log_error(
			        "store: origin id %u: a store holds the logs of at most %d origins",
			        oid, MAX_ORIGINS);
		last_oid = oid;
		last_seq = seq;
		memcpy(prev, p + LOG_H, YX_HASH_BYTES);
	}
	if (ret == YX_OK && rc != MDB_NOTFOUND)
		ret = yxs_error(rc, "read the shared log");
	if (to)
		mdb_cursor_close(to);
	mdb_cursor_close(from);
	if (ret == YX_OK)
		ret = yxs_write_error(txn, mdb_drop(txn, shared, 1), "drop the shared log");
	return ret;
}

int yxs_head_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, const yx_head_t *h)
{
	uint8_t key[LOG_KEY], val[HEAD_VAL];
	yxs_log_key(key, oid, h->seq);
	memcpy(val, h->hash, YX_HASH_BYTES);
	be64_put(val + YX_HASH_BYTES, (uint64_t)h->time_ms);
	memcpy(val + YX_HASH_BYTES + 8, h->signature, YX_SIG_BYTES);
	bool v2 = h->version == YX_HEAD_V2;
	if (v2)
		be64_put(val + HEAD_VAL_V1, h->policy_seq);
	return yxs_put(txn, s->dbi[DB_HEADS], key, 12, val, v2 ? HEAD_VAL : HEAD_VAL_V1, 0);
}

int yxs_head_decode(const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const MDB_val *v,
                    yx_head_t *head)
{
	if (v->mv_size != HEAD_VAL && v->mv_size != HEAD_VAL_V1)
		return YX_ECORRUPT;
	const uint8_t *p = v->mv_data;
	bool v2 = v->mv_size == HEAD_VAL;
	memcpy(head->origin, origin, YX_KEY_BYTES);
	head->seq = seq;
	memcpy(head->hash, p, YX_HASH_BYTES);
	head->time_ms = (int64_t)be64_get(p + YX_HASH_BYTES);
	memcpy(head->signature, p + YX_HASH_BYTES + 8, YX_SIG_BYTES);
	head->version = v2 ? YX_HEAD_V2 : YX_HEAD_V1;
	head->policy_seq = v2 ? be64_get(p + HEAD_VAL_V1) : 0;
	return YX_OK;
}

int yxs_head_read(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, yx_head_t *head)
{
	uint8_t key[LOG_KEY];
	MDB_val v;
	const uint8_t *origin = yxs_origin_key(s, txn, oid);
	if (!origin)
		return YX_ECORRUPT;
	yxs_log_key(key, oid, seq);
	int ret = yxs_get(txn, s->dbi[DB_HEADS], key, LOG_KEY, &v);
	return ret ? ret : yxs_head_decode(origin, seq, &v, head);
}

int yxs_log_read_bytes(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                       const uint8_t **bytes, size_t *len)
{
	yxs_entry_t e;
	int ret = yxs_log_get(s, txn, arena, oid, seq, &e);
	if (ret)
		return ret;
	if (!e.bytes)
		return YX_ECORRUPT; /* state never points at a stub */
	*bytes = e.bytes;
	*len = e.len;
	return YX_OK;
}

/* The decoded change at (oid, seq): in arena if not NULL, else the caller frees it. */
int yxs_log_read_change(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                        Yrdx__Change **out)
{
	const uint8_t *bytes;
	size_t len;
	yx_arena_t whole;
	yx_arena_init(&whole); /* where trimmed bytes are made whole, without an arena */
	int ret = yxs_log_read_bytes(s, txn, arena ? arena : &whole, oid, seq, &bytes, &len);
	if (ret == YX_OK && (arena ? yx_change_decode_in(arena, bytes, len, out)
	                           : yx_change_decode(bytes, len, out)) != YX_OK)
		ret = YX_ECORRUPT;
	yx_arena_free(&whole);
	return ret;
}

int yxs_arrival_last(yx_store_t *s, MDB_txn *txn, uint64_t *last)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi[DB_ARRIVAL], &cur);
	if (rc)
		return yxs_error(rc, "cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	*last = (rc == 0 && k.mv_size == 8) ? be64_get(k.mv_data) : 0;
	return rc == 0 || rc == MDB_NOTFOUND ? YX_OK : yxs_error(rc, "arrival");
}

size_t yx_store_holes(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                      uint64_t *seqs, size_t max, uint64_t *next)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_dbi dbi;
	uint8_t key[SEQ_KEY];
	uint32_t oid;
	size_t n = 0, scanned = 0;
	*next = UINT64_MAX;
	if (yxs_txn_begin(s, false, &txn))
		return 0;
	if (yxs_origin_lookup(s, txn, origin, &oid) || yxs_log_dbi(s, oid, &dbi) ||
	    mdb_cursor_open(txn, dbi, &cur))
		goto out;
	MDB_val k = yxs_seq_key(key, from), v;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != SEQ_KEY)
			break;
		uint64_t seq = be64_get(k.mv_data);
		if (scanned++ == YX_HOLES_SCAN) {
			*next = seq; /* a long run of bodies: the rest another time */
			break;
		}
		if (v.mv_size >= LOG_HDR && (((const uint8_t *)v.mv_data)[0] & LOG_FLAG_STUB))
			seqs[n++] = seq;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
}
