/* store_state: the current version of every live record (state: kind | origin | id ->
 * seq) and its index entries, written through a sorted write set: a transaction's state
 * and index changes are queued and applied in key order at flush, a record changed twice
 * in one set keeping only its last version's entries. Also where an origin's latest
 * sharing policy is: its head's word, else the state's. */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "store_int.h"

size_t yxs_state_key(uint8_t *key, yx_kind_t kind, uint32_t oid, const char *id)
{
	size_t idlen = strlen(id);
	key[0] = (uint8_t)kind;
	be32_put(key + 1, oid);
	memcpy(key + 5, id, idlen);
	return 5 + idlen;
}

int yxs_state_seq(yx_store_t *s, MDB_txn *txn, int db, yx_kind_t kind, uint32_t oid, const char *id,
                  uint64_t *seq)
{
	uint8_t skey[STATE_KEY_MAX];
	MDB_val v;
	if (strlen(id) > YX_MAX_ID_LEN)
		return YX_ENOTFOUND;
	int ret = yxs_get(txn, s->dbi[db], skey, yxs_state_key(skey, kind, oid, id), &v);
	if (ret)
		return ret;
	if (v.mv_size != 8)
		return YX_ECORRUPT;
	*seq = be64_get(v.mv_data);
	return YX_OK;
}

int yxs_policy_seq(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t tip, uint64_t *seq)
{
	yx_head_t h;
	*seq = 0;
	if (tip == 0)
		return YX_OK;
	int ret = yxs_head_read(s, txn, oid, tip, &h);
	if (ret == YX_OK && h.version == YX_HEAD_V2) {
		*seq = h.policy_seq;
		return YX_OK;
	}
	if (ret && ret != YX_ENOTFOUND)
		return ret;
	ret = yxs_state_seq(s, txn, DB_STATE, YX_KIND_POLICY, oid, YX_POLICY_ID, seq);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

typedef enum { INDEX_PUT, INDEX_DEL, INDEX_COLLECT } index_mode_t;

/* One record version's index entries: each is term | (oid, seq), the version's log key,
 * so entries of one term from one origin sort in log order. A segment of an origin adds
 * to the end of each term's run (a page or so per term) instead of landing at random
 * across the origin's records (every page of them, with credit codes as keys). */
typedef struct {
	yx_store_t *s;
	MDB_txn *txn;
	uint32_t oid;
	uint64_t seq;
	index_mode_t mode;
	pending_t *pending; /* INDEX_COLLECT */
	uint32_t slot;
	int ret;
} index_op_t;

int yxs_pending_push(pending_t *p, int db, const uint8_t *key, size_t klen, uint32_t slot,
                     uint32_t oid, uint64_t seq, bool tombstone)
{
	int ret;
	if ((ret = yx_grow(p->ops, p->cap_ops, p->n_ops + 1, 4096)) ||
	    (ret = yx_grow(p->keys, p->keys_cap, p->keys_len + klen, (size_t)1 << 18)))
		return ret;
	memcpy(p->keys + p->keys_len, key, klen);
	uint8_t pre[8 * PENDING_PRE] = {0};
	memcpy(pre, key, klen < sizeof(pre) ? klen : sizeof(pre));
	p->ops[p->n_ops++] = (pending_op_t){{be64_get(pre), be64_get(pre + 8), be64_get(pre + 16)},
	                                    (uint32_t)p->keys_len,
	                                    (uint16_t)klen,
	                                    (uint8_t)db,
	                                    tombstone,
	                                    slot,
	                                    oid,
	                                    seq};
	p->keys_len += klen;
	return YX_OK;
}

void yxs_pending_clear(pending_t *p)
{
	if (p->cap_ops * sizeof(*p->ops) + p->keys_cap + p->order_cap * sizeof(*p->order) >
	    PENDING_KEEP_BYTES) {
		yxs_pending_free(p);
		return;
	}
	p->n_ops = 0;
	p->keys_len = 0;
	p->slots = 0;
}

void yxs_pending_free(pending_t *p)
{
	free(p->ops);
	free(p->keys);
	free(p->order);
	memset(p, 0, sizeof(*p));
}

/* One index entry: the term is the key, the version's log key one of its duplicates
 * (MDB_DUPSORT | MDB_DUPFIXED: packed 12 bytes each under their term). In the write set,
 * term | log key, split at the flush. */
static void index_apply(index_op_t *op, int db, const void *term, size_t tlen)
{
	uint8_t key[INDEX_KEY_MAX];
	if (op->ret || tlen == 0 || tlen > YX_MAX_ID_LEN)
		return;
	memcpy(key, term, tlen);
	yxs_log_key(key + tlen, op->oid, op->seq);
	if (op->mode == INDEX_COLLECT) {
		op->ret = yxs_pending_push(op->pending, db, key, tlen + LOG_KEY, op->slot, 0, 0,
		                           false);
		return;
	}
	MDB_val k = {tlen, key}, v = {LOG_KEY, key + tlen};
	int rc = op->mode == INDEX_DEL ? mdb_del(op->txn, op->s->dbi[db], &k, &v)
	                               : mdb_put(op->txn, op->s->dbi[db], &k, &v, MDB_NODUPDATA);
	if ((rc == MDB_NOTFOUND && op->mode == INDEX_DEL) || rc == MDB_KEYEXIST)
		rc = 0;
	op->ret = yxs_write_error(op->txn, rc, "index");
}

static void index_text(index_op_t *op, int db, const char *term)
{
	if (term)
		index_apply(op, db, term, strlen(term));
}

static void index_industries(index_op_t *op, const Yrdx__Industry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t term = (uint8_t)v[i];
		index_apply(op, DB_IDX_INDUSTRY, &term, 1);
	}
}

/* Adds, removes or queues the index entries of one record version. An enterprise's own
 * record is found through state by its credit code (its id), so it has no credit entry;
 * nor an industry entry: a registry holds hundreds of thousands of enterprises and only
 * some twenty industries, so each industry entry would cost a random insert for a list
 * that is a large fraction of a full scan anyway. Incubators and parks, the few records
 * park matching looks up by industry, are indexed. Relay events are found by case (their
 * state keys), by arrival (feeds) and by enterprise (profiles); entries by source
 * incubator and by park would be read by nothing, yet at relay rates they cost a page
 * write per incubator and park in every commit, at every node (a third of the feed's
 * throughput when measured). */
static int index_record(index_op_t op, const Yrdx__Change *c)
{
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR:
		index_industries(&op, c->incubator->focus_industries,
		                 c->incubator->n_focus_industries);
		break;
	case YRDX__CHANGE__BODY_ENTERPRISE:
		for (size_t i = 0; i < c->enterprise->n_incubator_ids; i++)
			index_text(&op, DB_IDX_INCUBATOR, c->enterprise->incubator_ids[i]);
		index_text(&op, DB_IDX_PARK, c->enterprise->park_id);
		break;
	case YRDX__CHANGE__BODY_PARK:
		index_industries(&op, c->park->industries, c->park->n_industries);
		break;
	case YRDX__CHANGE__BODY_RELAY_EVENT:
		index_text(&op, DB_IDX_CREDIT, c->relay_event->credit_code);
		break;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION:
		index_text(&op, DB_IDX_CREDIT, c->joint_participation->credit_code);
		for (size_t i = 0; i < c->joint_participation->n_incubator_ids; i++)
			index_text(&op, DB_IDX_INCUBATOR, c->joint_participation->incubator_ids[i]);
		break;
	case YRDX__CHANGE__BODY_EVALUATION:
		index_text(&op, DB_IDX_INCUBATOR, c->evaluation->incubator_id);
		break;
	default: break;
	}
	return op.ret;
}

int yxs_reindex(yx_store_t *s, MDB_txn *txn)
{
	static const int dbs[] = {DB_IDX_CREDIT, DB_IDX_INCUBATOR, DB_IDX_PARK, DB_IDX_INDUSTRY};
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int ret = YX_OK, rc = 0;
	/* Deleted and made anew, not only emptied: the flags a database is made with stay
	 * (schema 7 and before kept index entries as plain keys, term | 0 | log key). */
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]) && ret == YX_OK; i++)
		if ((ret = yxs_write_error(txn, mdb_drop(txn, s->dbi[dbs[i]], 1), "reindex")) ==
		    YX_OK)
			ret = yxs_db_open(s, txn, dbs[i]);
	if (ret == YX_OK)
		ret = yxs_error(mdb_cursor_open(txn, s->dbi[DB_STATE], &cur), "cursor");
	for (rc = ret ? 0 : mdb_cursor_get(cur, &k, &v, MDB_FIRST); ret == YX_OK && rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Yrdx__Change *c = NULL;
		if (k.mv_size < 5 || v.mv_size != 8) {
			ret = YX_ECORRUPT;
			break;
		}
		uint32_t oid = be32_get((const uint8_t *)k.mv_data + 1);
		uint64_t seq = be64_get(v.mv_data);
		ret = yxs_log_read_change(s, txn, NULL, oid, seq, &c);
		if (ret == YX_OK)
			ret = index_record(
			        (index_op_t){s, txn, oid, seq, INDEX_PUT, NULL, 0, YX_OK}, c);
		yx_change_free(&c);
	}
	if (ret == YX_OK && rc != MDB_NOTFOUND)
		ret = yxs_error(rc, "reindex");
	if (cur)
		mdb_cursor_close(cur);
	return ret;
}

/* The last word of each record of oid's log that a tombstone retracts, into retracted. */
static int retracted_of(yx_store_t *s, MDB_txn *txn, uint32_t oid, yx_arena_t *arena)
{
	yxs_walk_t w;
	yxs_entry_t e;
	MDB_val st;
	uint8_t skey[STATE_KEY_MAX], sval[8];
	int ret = yxs_walk_open(s, txn, oid, 1, &w);
	/* In seq order: a record's last tombstone is written last. */
	while (ret == YX_OK && (ret = yxs_walk_next(&w, &e)) == YX_OK) {
		Yrdx__Change *c = NULL;
		if (!e.bytes)
			continue;
		yx_arena_reset(arena);
		if (yx_change_decode_in(arena, e.bytes, e.len, &c) != YX_OK) {
			ret = YX_ECORRUPT;
			break;
		}
		if (c->body_case != YRDX__CHANGE__BODY_TOMBSTONE || !c->id)
			continue;
		size_t sklen = yxs_state_key(skey, (yx_kind_t)c->kind, oid, c->id);
		/* a version after the tombstone: the record stands again */
		int got = yxs_get(txn, s->dbi[DB_STATE], skey, sklen, &st);
		if (got == YX_OK && st.mv_size == 8 && be64_get(st.mv_data) > w.seq)
			continue;
		be64_put(sval, w.seq);
		ret = yxs_put(txn, s->dbi[DB_RETRACTED], skey, sklen, sval, 8, 0);
	}
	yxs_walk_close(&w);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

int yxs_retracted_rebuild(yx_store_t *s, MDB_txn *txn)
{
	yx_arena_t arena;
	yx_arena_init(&arena);
	int ret = yxs_write_error(txn, mdb_drop(txn, s->dbi[DB_RETRACTED], 0), "retracted");
	for (uint32_t oid = 0; ret == YX_OK && oid < MAX_ORIGINS; oid++)
		ret = retracted_of(s, txn, oid, &arena);
	yx_arena_free(&arena);
	return ret;
}

static bool kind_is_fed(yx_kind_t kind)
{
	return kind == YX_KIND_RELAY_EVENT || kind == YX_KIND_JOINT;
}

/* Queues change (oid, seq) to become the current version of its record; relay events and
 * joint participations also get their arrival number now (an append). */
int yxs_state_queue(yx_store_t *s, MDB_txn *txn, pending_t *p, uint32_t oid, uint64_t seq,
                    const Yrdx__Change *c, uint64_t *arrival)
{
	uint8_t skey[STATE_KEY_MAX];
	yx_kind_t kind = (yx_kind_t)c->kind;
	size_t sklen = yxs_state_key(skey, kind, oid, c->id);
	bool tombstone = c->body_case == YRDX__CHANGE__BODY_TOMBSTONE;
	uint32_t slot = p->slots++;
	int ret = yxs_pending_push(p, DB_STATE, skey, sklen, slot, oid, seq, tombstone);
	if (ret == YX_OK && !tombstone)
		ret = index_record((index_op_t){s, txn, oid, seq, INDEX_COLLECT, p, slot, YX_OK},
		                   c);
	if (ret == YX_OK && kind_is_fed(kind)) {
		uint8_t akey[8], aval[LOG_KEY];
		be64_put(akey, ++*arrival);
		yxs_log_key(aval, oid, seq);
		ret = yxs_put(txn, s->dbi[DB_ARRIVAL], akey, 8, aval, 12, MDB_APPEND);
	}
	return ret;
}

/* Key order as LMDB's (bytes, then the shorter first), databases apart; equal keys by
 * seq, then by queueing. Total: no two ops compare equal. */
static inline int pending_compare(const pending_op_t *x, const pending_op_t *y, const uint8_t *keys)
{
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	/* Zero padding sorts a key before any longer one it begins, as the length would. */
	for (int i = 0; i < PENDING_PRE; i++)
		if (x->pre[i] != y->pre[i])
			return x->pre[i] < y->pre[i] ? -1 : 1;
	const size_t pre = 8 * PENDING_PRE;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = n > pre ? memcmp(keys + x->key_off + pre, keys + y->key_off + pre, n - pre) : 0;
	if (c || x->key_len != y->key_len)
		return c ? c : (x->key_len < y->key_len ? -1 : 1);
	/* Later versions last: by seq, as a body filled in for an old stub may come after a
	 * newer version of the same record in one transaction. */
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

#define SORT_SMALL 16 /* ranges sorted by insertion */

static void insertion_sort(const pending_op_t *ops, const uint8_t *keys, uint32_t *ord, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t v = ord[i];
		size_t j = i;
		for (; j > 0 && pending_compare(&ops[ord[j - 1]], &ops[v], keys) > 0; j--)
			ord[j] = ord[j - 1];
		ord[j] = v;
	}
}

/* ord[0..n) in order whatever keys a peer sends (n log n comparisons): insertion-sorted
 * runs merged bottom-up through tmp; two runs already in order (a segment's index entries
 * of one term, in seq order) are copied as they are. */
static void merge_sort(const pending_op_t *ops, const uint8_t *keys, uint32_t *ord, uint32_t *tmp,
                       size_t n)
{
	for (size_t lo = 0; lo < n; lo += SORT_SMALL)
		insertion_sort(ops, keys, ord + lo, n - lo < SORT_SMALL ? n - lo : SORT_SMALL);
	uint32_t *from = ord, *to = tmp;
	for (size_t w = SORT_SMALL; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, o = lo;
			if (mid < hi &&
			    pending_compare(&ops[from[mid - 1]], &ops[from[mid]], keys) > 0) {
				while (a < mid && b < hi)
					to[o++] = pending_compare(&ops[from[b]], &ops[from[a]],
					                          keys) < 0
					                  ? from[b++]
					                  : from[a++];
			}
			memcpy(to + o, from + a, (mid - a) * sizeof(*to));
			o += mid - a;
			memcpy(to + o, from + b, (hi - b) * sizeof(*to));
		}
		uint32_t *t = from;
		from = to;
		to = t;
	}
	if (from != ord)
		memcpy(ord, from, n * sizeof(*ord));
}

/* The sort key's bytes (db, then pre's) come in words: word 0 holds db in its first byte,
 * words 1 to PENDING_PRE are pre's. Byte depth is in word sort_word_of(depth). */
static inline unsigned sort_word_of(unsigned depth)
{
	return depth == 0 ? 0 : 1 + (depth - 1) / 8;
}

static inline unsigned sort_word_start(unsigned word)
{
	return word == 0 ? 0 : 1 + 8 * (word - 1);
}

static inline uint64_t sort_word(const pending_op_t *op, unsigned word)
{
	return word == 0 ? (uint64_t)op->db << 56 : op->pre[word - 1];
}

/* An MSD radix sort of ord[0..n), whose ops share their sort key's bytes before depth. At
 * each level one pass finds the first byte at which they differ (the highest bit set in
 * the OR of every word's difference from the first's: the shared bytes of a state key —
 * kind, origin, a city's region code — are skipped eight at a time), one counts that
 * byte's values and one moves the indices to their buckets. Ranges of SORT_SMALL or fewer
 * go to insertion sort; ops whose databases and prefixes all agree (index entries of one
 * term from one origin) to merge_sort, which compares the rest of their keys. */
static void radix_sort(const pending_op_t *ops, const uint8_t *keys, uint32_t *ord, uint32_t *tmp,
                       size_t n, unsigned depth)
{
	uint32_t count[256];
	unsigned word;
	uint64_t diff = 0;

	if (n <= SORT_SMALL) {
		insertion_sort(ops, keys, ord, n);
		return;
	}
	for (word = sort_word_of(depth); word <= PENDING_PRE; word++) {
		uint64_t first = sort_word(&ops[ord[0]], word);
		diff = 0;
		for (size_t i = 1; i < n; i++)
			diff |= sort_word(&ops[ord[i]], word) ^ first;
		if (diff)
			break;
	}
	if (word > PENDING_PRE) {
		merge_sort(ops, keys, ord, tmp, n);
		return;
	}
	/* the bytes before the first differing one are equal: at or past depth */
	unsigned shift = 56 - ((unsigned)__builtin_clzll(diff) & ~7u);
	depth = sort_word_start(word) + (56 - shift) / 8;
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		count[(sort_word(&ops[ord[i]], word) >> shift) & 0xFF]++;
	uint32_t start[256], at = 0;
	for (int b = 0; b < 256; b++) {
		start[b] = at;
		at += count[b];
	}
	for (size_t i = 0; i < n; i++)
		tmp[start[(sort_word(&ops[ord[i]], word) >> shift) & 0xFF]++] = ord[i];
	memcpy(ord, tmp, n * sizeof(*ord));
	for (size_t b = 0, lo = 0; b < 256; lo += count[b], b++)
		if (count[b] > 1)
			radix_sort(ops, keys, ord + lo, tmp + lo, count[b], depth + 1);
}

/* qsort_r, calling pending_compare through a pointer n log n times, was 6 % of a
 * federation's CPU, and a merge sort with the comparison inline still 5 % of a receiving
 * city's instructions: the comparisons' branches cannot be predicted. */
void yxs_pending_sort(const pending_op_t *ops, const uint8_t *keys, uint32_t *ord, uint32_t *tmp,
                      size_t n)
{
	for (size_t i = 0; i < n; i++)
		ord[i] = (uint32_t)i;
	radix_sort(ops, keys, ord, tmp, n, 0);
}

/* The flush's cursors on state and retractions: its ops come in key order, so each next
 * key is mostly on the page the last one was, which LMDB then searches alone. */
typedef struct {
	MDB_cursor *state, *retracted;
	bool any_retracted; /* DB_RETRACTED held an entry when the flush began */
} state_cur_t;

static int state_replace(yx_store_t *s, MDB_txn *txn, MDB_cursor *cur, const pending_op_t *op,
                         const MDB_val *kp, uint8_t sval[8]);

/* Makes one state op current: replaces (or for a tombstone deletes) the state entry and
 * removes the index entries of the version it replaces; a tombstone becomes the record's
 * retraction (DB_RETRACTED), a version ends one. Returns 1, writing nothing, when the
 * store already holds a newer version or retraction (a body filled in for an old stub).
 * No retraction is looked up in a store that holds none (most of them, most of the time):
 * one written by this flush is of its own key, which comes once. */
static int state_write(yx_store_t *s, MDB_txn *txn, state_cur_t *sc, const pending_op_t *op,
                       const uint8_t *key)
{
	uint8_t sval[8];
	MDB_val k = {op->key_len, (void *)key}, r;
	int ret, rc = MDB_NOTFOUND;
	be64_put(sval, op->seq);
	if (sc->any_retracted)
		rc = mdb_cursor_get(sc->retracted, &k, &r, MDB_SET_KEY);
	if (rc == 0 && (r.mv_size != 8 || be64_get(r.mv_data) > op->seq))
		return r.mv_size != 8 ? YX_ECORRUPT : 1;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return yxs_write_error(txn, rc, "retracted");
	bool was_retracted = rc == 0;
	if ((ret = state_replace(s, txn, sc->state, op, &k, sval)))
		return ret;
	if (op->tombstone)
		rc = mdb_cursor_put(sc->retracted, &k, &(MDB_val){8, sval}, 0);
	else
		rc = was_retracted ? mdb_cursor_del(sc->retracted, 0) : 0;
	return yxs_write_error(txn, rc, "retracted");
}

/* state_write's state entry and the index entries it replaces (1: a newer version is
 * held, nothing written). */
static int state_replace(yx_store_t *s, MDB_txn *txn, MDB_cursor *cur, const pending_op_t *op,
                         const MDB_val *kp, uint8_t sval[8])
{
	MDB_val k = *kp, v = {8, sval};
	int ret, rc;
	rc = op->tombstone ? mdb_cursor_get(cur, &k, &v, MDB_SET_KEY)
	                   : mdb_cursor_put(cur, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST || (op->tombstone && rc == 0)) {
		/* The cursor is on the version held; v is its value. */
		Yrdx__Change *old = NULL;
		if (v.mv_size != 8)
			return YX_ECORRUPT;
		uint64_t old_seq = be64_get(v.mv_data);
		if (old_seq > op->seq)
			return 1;
		ret = yxs_log_read_change(s, txn, NULL, op->oid, old_seq, &old);
		if (ret == YX_OK)
			ret = index_record(
			        (index_op_t){s, txn, op->oid, old_seq, INDEX_DEL, NULL, 0, YX_OK},
			        old);
		yx_change_free(&old);
		if (ret)
			return ret;
		v.mv_data = sval;
		v.mv_size = 8;
		rc = op->tombstone ? mdb_cursor_del(cur, 0)
		                   : mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
	} else if (op->tombstone && rc == MDB_NOTFOUND) {
		rc = 0; /* retraction of a record never seen here (e.g. withheld) */
	}
	return yxs_write_error(txn, rc, "state");
}

/* Applies the write set in key order. A record changed twice in the set keeps only its
 * last version; the index entries of the versions it skips are never written. */
int yxs_pending_flush(yx_store_t *s, MDB_txn *txn, pending_t *p)
{
	bool *superseded = NULL;
	MDB_cursor *cur = NULL;
	state_cur_t sc = {0};
	int cur_db = -1, ret = YX_OK;

	if (p->n_ops == 0)
		goto out;
	superseded = calloc(p->slots, sizeof(bool));
	if (!superseded || yx_grow(p->order, p->order_cap, 2 * p->n_ops, 8192)) {
		ret = -ENOMEM;
		goto out;
	}
	const uint32_t *ord = p->order;
	yxs_pending_sort(p->ops, p->keys, p->order, p->order + p->n_ops, p->n_ops);
	MDB_stat st;
	if ((ret = yxs_error(mdb_stat(txn, s->dbi[DB_RETRACTED], &st), "retracted")) ||
	    (ret = yxs_error(mdb_cursor_open(txn, s->dbi[DB_STATE], &sc.state), "cursor")) ||
	    (ret = yxs_error(mdb_cursor_open(txn, s->dbi[DB_RETRACTED], &sc.retracted), "cursor")))
		goto out;
	sc.any_retracted = st.ms_entries > 0;
	/* DB_STATE sorts before the index databases: state ops come first. */
	size_t i = 0;
	for (; i < p->n_ops && p->ops[ord[i]].db == DB_STATE; i++) {
		const pending_op_t *op = &p->ops[ord[i]],
		                   *next = i + 1 < p->n_ops ? &p->ops[ord[i + 1]] : NULL;
		if (next && next->db == DB_STATE && next->key_len == op->key_len &&
		    memcmp(p->keys + next->key_off, p->keys + op->key_off, op->key_len) == 0) {
			superseded[op->slot] = true;
			continue;
		}
		if ((ret = state_write(s, txn, &sc, op, p->keys + op->key_off)) == 1) {
			superseded[op->slot] = true; /* its index entries go with it */
			ret = YX_OK;
		}
		if (ret)
			goto out;
	}
	for (; i < p->n_ops; i++) {
		const pending_op_t *op = &p->ops[ord[i]];
		if (superseded[op->slot])
			continue;
		if (op->db != cur_db) {
			if (cur)
				mdb_cursor_close(cur);
			cur = NULL;
			if ((ret = yxs_error(mdb_cursor_open(txn, s->dbi[op->db], &cur), "cursor")))
				goto out;
			cur_db = op->db;
		}
		/* term | log key: the term is the key, the log key its duplicate */
		const uint8_t *key = p->keys + op->key_off;
		MDB_val k = {op->key_len - LOG_KEY, (void *)key},
		        v = {LOG_KEY, (void *)(key + op->key_len - LOG_KEY)};
		int rc = mdb_cursor_put(cur, &k, &v, MDB_NODUPDATA);
		if ((ret = yxs_write_error(txn, rc == MDB_KEYEXIST ? 0 : rc, "index")))
			goto out;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	if (sc.state)
		mdb_cursor_close(sc.state);
	if (sc.retracted)
		mdb_cursor_close(sc.retracted);
	free(superseded);
	yxs_pending_clear(p);
	return ret;
}
