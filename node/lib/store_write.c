/* store_write: the two ways changes enter the store — batches of this node's own
 * (assigned their envelope, chained, signed) and segments received from elsewhere
 * (verified by verify.c first, then applied). One write transaction at a time. */
#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "store_int.h"
#include "validate.h"
#include "verify.h"

struct yx_batch {
	yx_store_t *store;
	MDB_txn *txn;
	const yx_identity_t *id;      /* signs the heads */
	uint8_t origin[YX_KEY_BYTES]; /* the log's identity, which changes and heads name */
	uint32_t origin_id;
	uint64_t until;              /* the last seq id may sign (a rotation after it) */
	uint64_t seq;                /* last seq written */
	uint64_t head_seq;           /* last seq covered by a head written in this batch */
	size_t head_bytes;           /* change bytes written since that head */
	uint8_t hash[YX_HASH_BYTES]; /* H(seq) */
	size_t count;
	int64_t time_ms;
	uint64_t policy_seq; /* our latest sharing policy's seq, signed in every head */
	uint64_t arrival;    /* last arrival number */
	yx_head_t last_head; /* the most recent head written in this batch */
	pending_t *pending;  /* the store's write set */
	MDB_cursor *log_cur; /* on the log last written in this transaction (yxs_log_write) */
	uint8_t *packed;     /* a record packed to compare with its stored version */
	size_t packed_cap;
	yx_arena_t stored; /* that stored version's bytes, when made whole */
};

struct yx_remote {
	yx_store_t *store;
	MDB_txn *txn;
	uint64_t arrival;
	pending_t *pending;    /* the store's write set */
	MDB_cursor *log_cur;   /* on the log last written in this transaction (yxs_log_write) */
	size_t filled;         /* stubs the last append replaced by their bodies */
	uint32_t *filled_oids; /* the origins whose stubs this transaction filled */
	size_t n_filled_oids, cap_filled_oids;
};

/* Notes that r filled stubs of origin oid (once each). */
static int note_filled(yx_remote_t *r, uint32_t oid)
{
	for (size_t i = 0; i < r->n_filled_oids; i++)
		if (r->filled_oids[i] == oid)
			return YX_OK;
	if (yx_grow(r->filled_oids, r->cap_filled_oids, r->n_filled_oids + 1, 8))
		return -ENOMEM;
	r->filled_oids[r->n_filled_oids++] = oid;
	return YX_OK;
}

/* Counts r's fills in its store once committed, by origin and in all (fill_gen). */
static void count_fills(yx_remote_t *r)
{
	yx_store_t *s = r->store;
	if (r->n_filled_oids == 0)
		return;
	s->fill_gen++;
	for (size_t i = 0; i < r->n_filled_oids; i++) {
		uint32_t oid = r->filled_oids[i];
		if (oid >= s->n_fills) {
			uint64_t *grown = realloc(s->fills, ((size_t)oid + 1) * sizeof(*grown));
			/* Without memory it goes uncounted: its pullers ask again next session. */
			if (!grown)
				continue;
			memset(grown + s->n_fills, 0, (oid + 1 - s->n_fills) * sizeof(*grown));
			s->fills = grown;
			s->n_fills = oid + 1;
		}
		s->fills[oid]++;
	}
}

/* Ends txn (commit when commit is set): the log cursor is closed first. NULLs both. */
static int txn_end(yx_store_t *s, MDB_txn **txn, MDB_cursor **log_cur, bool commit)
{
	int ret = YX_OK;
	if (*log_cur)
		mdb_cursor_close(*log_cur);
	*log_cur = NULL;
	if (*txn && commit)
		ret = yxs_txn_commit(s->env, *txn);
	else if (*txn)
		mdb_txn_abort(*txn);
	*txn = NULL;
	return ret;
}

/* ---- local batches ----------------------------------------------------------------- */

int yx_batch_begin(yx_store_t *s, const yx_identity_t *id, yx_batch_t **out)
{
	int ret;
	MDB_val v;
	const uint8_t *pk = yx_identity_public(id);
	yx_batch_t *b;

	if (s->readonly)
		return -EROFS;
	assert(!s->writing);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->store = s;
	b->id = id;
	b->pending = &s->write_set;
	yx_arena_init(&b->stored);
	if ((ret = yxs_txn_begin(s, true, &b->txn)))
		goto out;
	/* The first batch names the log after its key; later ones must be signed by the key
	 * that signs the log at its next seq. */
	ret = yxs_get(b->txn, s->dbi[DB_META], "node", 4, &v);
	if (ret == YX_ENOTFOUND)
		ret = yxs_put(b->txn, s->dbi[DB_META], "node", 4, pk, YX_KEY_BYTES, 0);
	if (ret || (ret = yxs_signers_load(s, b->txn)))
		goto out;
	memcpy(b->origin, s->signers[0].key, YX_KEY_BYTES);
	if ((ret = yxs_origin_intern(s, b->txn, b->origin, &b->origin_id)))
		goto out;
	if ((ret = yxs_tip_read(s, b->txn, b->origin_id, &b->seq, b->hash)))
		goto out;
	if (memcmp(yxs_signer_at(s, b->seq + 1), pk, YX_KEY_BYTES) != 0) {
		ret = YX_EKEY; /* another node's key, or one this log was rotated away from */
		goto out;
	}
	b->until = yxs_signer_until(s, b->seq + 1);
	/* The seq of our latest policy, which every head signs again. */
	if ((ret = yxs_policy_seq(s, b->txn, b->origin_id, b->seq, &b->policy_seq)))
		goto out;
	if ((ret = yxs_arrival_last(s, b->txn, &b->arrival)))
		goto out;
	b->head_seq = b->seq;
	b->time_ms = yx_now_ms();
	s->writing = true;
	*out = b;
	b = NULL;
out:
	if (b) {
		if (b->txn)
			mdb_txn_abort(b->txn);
		free(b);
	}
	return ret;
}

static int batch_write_head(yx_batch_t *b)
{
	yx_head_t h;
	memcpy(h.origin, b->origin, YX_KEY_BYTES);
	h.seq = b->seq;
	memcpy(h.hash, b->hash, YX_HASH_BYTES);
	h.time_ms = b->time_ms;
	h.policy_seq = b->policy_seq;
	yx_head_sign(&h, b->id);
	int ret = yxs_head_write(b->store, b->txn, b->origin_id, &h);
	if (ret == YX_OK) {
		b->head_seq = b->seq;
		b->head_bytes = 0;
		b->last_head = h;
	}
	return ret;
}

/* Assigns the envelope, validates, encodes, chains, and applies one local change. */
static int batch_append(yx_batch_t *b, const Yrdx__Change *record, yx_diag_t *diag)
{
	uint8_t *bytes = NULL, digest[YX_HASH_BYTES], hash[YX_HASH_BYTES];
	size_t len = 0;
	int ret;
	/* The envelope is filled on a shallow copy: the caller's change (perhaps unpacked,
	 * owning its fields) is left as it was. */
	Yrdx__Change envelope = *record, *c = &envelope;

	if (b->seq >= b->until)
		return yx_diag_set(diag, YX_EKEY,
		                   "seq %llu: this key signs the node's log only up to seq %llu (a "
		                   "key rotation follows)",
		                   (unsigned long long)b->seq + 1, (unsigned long long)b->until);
	c->origin.data = b->origin;
	c->origin.len = YX_KEY_BYTES;
	c->seq = b->seq + 1;
	c->prev_hash.data = b->hash;
	c->prev_hash.len = YX_HASH_BYTES;
	c->time_ms = b->time_ms;
	if ((ret = yx_validate_change(c, diag)))
		return ret;
	ret = yx_change_encode(c, &bytes, &len);
	if (ret == YX_ETOOBIG)
		return yx_diag_set(diag, ret, "%s %s: encoded change exceeds %d bytes",
		                   yx_kind_name((yx_kind_t)c->kind), c->id, YX_MAX_CHANGE_BYTES);
	if (ret)
		return ret;
	yx_chain_digest(bytes, len, digest);
	yx_chain_link(b->hash, digest, hash);
	ret = yxs_log_write(b->store, b->txn, &b->log_cur, b->origin_id, c->seq, true, b->hash,
	                    hash, digest, (yx_kind_t)c->kind, bytes, len);
	if (ret == YX_OK)
		ret = yxs_state_queue(b->store, b->txn, b->pending, b->origin_id, c->seq, c,
		                      &b->arrival);
	if (ret == YX_OK && b->pending->keys_len > PENDING_FLUSH_BYTES)
		ret = yxs_pending_flush(b->store, b->txn, b->pending);
	free(bytes);
	if (ret) {
		/* The txn may hold part of this change: nothing of the batch can be trusted. */
		yx_diag_set(diag, ret, "store: %s", yx_strerror(ret));
		return ret;
	}
	b->seq++;
	memcpy(b->hash, hash, YX_HASH_BYTES);
	b->count++;
	if ((yx_kind_t)c->kind == YX_KIND_POLICY)
		b->policy_seq = b->seq; /* a policy, or its retraction: what every node applies */
	b->head_bytes += len;
	/* A head now if the next change, however large, could take the segment past its
	 * byte limit. */
	if (b->seq - b->head_seq >= YX_HEAD_INTERVAL ||
	    b->head_bytes + YX_MAX_CHANGE_BYTES > YX_MAX_SEGMENT_BYTES)
		ret = batch_write_head(b);
	return ret;
}

int yx_batch_put(yx_batch_t *b, const Yrdx__Change *c, yx_diag_t *diag)
{
	if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE)
		return yx_diag_set(diag, YX_EINVAL, "use yx_batch_retract for tombstones");
	return batch_append(b, c, diag);
}

/* Whether the stored change (len bytes) has change's body, byte for byte as this build
 * packs it: the stored bytes are what a batch packed (batch_append), so an unchanged
 * record needs no decoding to be known (a re-import's every row). */
static int same_body(yx_batch_t *b, const uint8_t *stored, size_t len, const Yrdx__Change *c,
                     bool *same)
{
	const ProtobufCMessage *m = yx_change_body(c);
	const uint8_t *body;
	size_t body_len;
	unsigned body_case;
	*same = false;
	if (!m || !yx_change_peek_body(stored, len, &body_case, &body, &body_len) ||
	    body_case != (unsigned)c->body_case ||
	    protobuf_c_message_get_packed_size(m) != body_len)
		return YX_OK;
	if (yx_grow(b->packed, b->packed_cap, body_len ? body_len : 1, 4096))
		return -ENOMEM;
	protobuf_c_message_pack(m, b->packed);
	*same = memcmp(b->packed, body, body_len) == 0;
	return YX_OK;
}

int yx_batch_put_kept(yx_batch_t *b, const Yrdx__Change *c, bool skip_unchanged, yx_keep_fn keep,
                      void *arg, bool *written, bool *kept, yx_diag_t *diag)
{
	const uint8_t *cur;
	size_t len;
	uint64_t seq;
	int ret = YX_OK;
	*written = *kept = false;
	yx_arena_reset(&b->stored);
	if ((skip_unchanged || keep) && c->id && c->body_case != YRDX__CHANGE__BODY_TOMBSTONE &&
	    yxs_state_seq(b->store, b->txn, DB_STATE, (yx_kind_t)c->kind, b->origin_id, c->id,
	                  &seq) == YX_OK &&
	    yxs_log_read_bytes(b->store, b->txn, &b->stored, b->origin_id, seq, &cur, &len) ==
	            YX_OK) {
		bool same = false;
		if (keep && (ret = keep(arg, cur, len, c, diag)) == 1)
			*kept = true;
		else if (ret == YX_OK && skip_unchanged)
			ret = same_body(b, cur, len, c, &same);
		if (ret == 1 || same)
			return YX_OK;
		if (ret)
			return ret;
	}
	ret = yx_batch_put(b, c, diag);
	*written = ret == YX_OK;
	return ret;
}

int yx_batch_put_if_changed(yx_batch_t *b, const Yrdx__Change *c, bool *written, yx_diag_t *diag)
{
	bool kept;
	return yx_batch_put_kept(b, c, true, NULL, NULL, written, &kept, diag);
}

int yx_batch_retract(yx_batch_t *b, yx_kind_t kind, const char *id, const char *reason,
                     yx_diag_t *diag)
{
	uint8_t skey[STATE_KEY_MAX];
	MDB_val v;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	Yrdx__Tombstone t = YRDX__TOMBSTONE__INIT;

	if (strlen(id) > YX_MAX_ID_LEN || !yx_kind_name(kind) || kind == YX_KIND_NONE)
		return yx_diag_set(diag, YX_EINVAL, "retract: invalid kind or id \"%.80s\"", id);
	size_t sklen = yxs_state_key(skey, kind, b->origin_id, id);
	/* Existence is asked of state, so what this batch put so far must be there. */
	int ret = yxs_pending_flush(b->store, b->txn, b->pending);
	if (ret == YX_OK)
		ret = yxs_get(b->txn, b->store->dbi[DB_STATE], skey, sklen, &v);
	if (ret == YX_ENOTFOUND)
		return yx_diag_set(diag, ret, "%s \"%s\": no such record of this node",
		                   yx_kind_name(kind), id);
	if (ret)
		return ret;
	t.reason = (char *)(reason ? reason : "");
	c.kind = (Yrdx__RecordKind)kind;
	c.id = (char *)id;
	c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	c.tombstone = &t;
	return batch_append(b, &c, diag);
}

uint64_t yx_batch_next_seq(const yx_batch_t *b)
{
	return b->seq + 1;
}

const uint8_t *yx_batch_hash(const yx_batch_t *b)
{
	return b->hash;
}

size_t yx_batch_count(const yx_batch_t *b)
{
	return b->count;
}

static void batch_free(yx_batch_t **batch)
{
	yx_batch_t *b = *batch;
	txn_end(b->store, &b->txn, &b->log_cur, false);
	b->store->writing = false;
	yxs_pending_clear(b->pending);
	free(b->packed);
	yx_arena_free(&b->stored);
	free(b);
	*batch = NULL;
}

int yx_batch_commit(yx_batch_t **batch, yx_head_t *head)
{
	yx_batch_t *b = *batch;
	int ret = YX_OK;
	if (head)
		memset(head, 0, sizeof(*head));
	if (b->count == 0)
		goto out; /* nothing to sign; the txn is aborted below */
	if ((ret = yxs_pending_flush(b->store, b->txn, b->pending)))
		goto out;
	if (b->head_seq != b->seq && (ret = batch_write_head(b)))
		goto out;
	if ((ret = yxs_tip_write(b->store, b->txn, b->origin_id, b->seq, b->hash)))
		goto out;
	ret = txn_end(b->store, &b->txn, &b->log_cur, true);
	if (ret == YX_OK && head)
		*head = b->last_head;
out:
	batch_free(batch);
	return ret;
}

void yx_batch_abort(yx_batch_t **batch)
{
	if (batch && *batch)
		batch_free(batch);
}

/* ---- verified writes from elsewhere ---------------------------------------------------- */

int yx_remote_begin(yx_store_t *s, yx_remote_t **out)
{
	int ret;
	if (s->readonly)
		return -EROFS;
	assert(!s->writing);
	yx_remote_t *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->store = s;
	r->pending = &s->write_set;
	if ((ret = yxs_txn_begin(s, true, &r->txn)) ||
	    (ret = yxs_arrival_last(s, r->txn, &r->arrival))) {
		if (r->txn)
			mdb_txn_abort(r->txn);
		free(r);
		return ret;
	}
	s->writing = true;
	*out = r;
	return YX_OK;
}

/* What the verifier asks of the store: the stored hash of one of origin's entries, and
 * whether it is held as a stub. */
typedef struct {
	yx_store_t *s;
	MDB_txn *txn;
	uint32_t oid;
} held_t;

static int held_entry(void *arg, uint64_t seq, uint8_t hash[YX_HASH_BYTES], bool *stub)
{
	held_t *h = arg;
	const uint8_t *hdr;
	int ret = yxs_log_header(h->s, h->txn, h->oid, seq, &hdr);
	if (ret == YX_OK) {
		memcpy(hash, hdr + LOG_H, YX_HASH_BYTES);
		*stub = hdr[0] & LOG_FLAG_STUB;
	}
	return ret;
}

/* Writes a verified segment: the entries beyond the tip, and the bodies of stubs. */
static int remote_apply(yx_remote_t *r, const uint8_t origin[YX_KEY_BYTES], const yx_entry_t *e,
                        const yx_segment_t *seg, const yx_head_t *head, uint64_t tip)
{
	yx_store_t *s = r->store;
	uint32_t oid;
	int ret = yxs_origin_intern(s, r->txn, origin, &oid);
	for (size_t i = 0; ret == YX_OK && i < seg->n; i++) {
		const Yrdx__Change *c = seg->changes[i];
		if (e[i].seq <= tip && !seg->fill[i])
			continue;
		/* a full change's prev_hash was verified to be H(seq-1) */
		ret = yxs_log_write(s, r->txn, &r->log_cur, oid, e[i].seq, e[i].seq > tip,
		                    c ? c->prev_hash.data : NULL, seg->hashes[i], seg->digests[i],
		                    c ? (yx_kind_t)c->kind : YX_KIND_NONE, e[i].bytes, e[i].len);
		if (ret == YX_OK && c)
			ret = yxs_state_queue(s, r->txn, r->pending, oid, e[i].seq, c, &r->arrival);
	}
	if (ret == YX_OK && head->seq > tip &&
	    (ret = yxs_head_write(s, r->txn, oid, head)) == YX_OK)
		ret = yxs_tip_write(s, r->txn, oid, head->seq, head->hash);
	return ret;
}

int yx_remote_append(yx_remote_t *r, const uint8_t origin[YX_KEY_BYTES], const yx_entry_t *e,
                     size_t n, const yx_head_t *head, size_t *appended, yx_diag_t *diag)
{
	yx_store_t *s = r->store;
	uint8_t tip_hash[YX_HASH_BYTES];
	held_t h = {s, r->txn, 0};
	yx_held_t held = {0, held_entry, &h, yx_store_rules(s)};
	yx_segment_t seg;
	int ret;

	if (appended)
		*appended = 0;
	r->filled = 0;
	ret = yxs_origin_lookup(s, r->txn, origin, &h.oid);
	if (ret == YX_OK)
		ret = yxs_tip_read(s, r->txn, h.oid, &held.tip, tip_hash);
	else if (ret == YX_ENOTFOUND)
		ret = YX_OK; /* a new origin: nothing held */
	if (ret)
		return ret;
	/* Nothing is written unless all of it verifies. */
	if ((ret = yx_segment_verify(&seg, origin, e, n, head, &held, &s->segment_arena, diag)) ||
	    !seg.apply)
		goto out;
	if ((ret = remote_apply(r, origin, e, &seg, head, held.tip)))
		goto out;
	r->filled = seg.fills;
	if (seg.fills && (ret = note_filled(r, h.oid)))
		goto out;
	if (appended)
		*appended = head->seq > held.tip ? (size_t)(head->seq - held.tip) : 0;
	if (r->pending->keys_len > PENDING_FLUSH_BYTES)
		ret = yxs_pending_flush(s, r->txn, r->pending);
out:
	yx_arena_reset(&s->segment_arena);
	return ret;
}

static void remote_free(yx_remote_t **txn)
{
	yx_remote_t *r = *txn;
	txn_end(r->store, &r->txn, &r->log_cur, false);
	r->store->writing = false;
	yxs_pending_clear(r->pending);
	free(r->filled_oids);
	free(r);
	*txn = NULL;
}

int yx_remote_commit(yx_remote_t **txn)
{
	yx_remote_t *r = *txn;
	int ret = yxs_pending_flush(r->store, r->txn, r->pending);
	if (ret == YX_OK)
		ret = txn_end(r->store, &r->txn, &r->log_cur, true);
	/* After the commit, not before: a segment read before it and kept under the new
	 * count would go out with the stubs it no longer has. Even when the commit failed:
	 * a count too many only costs a rebuild, or a puller asking again. */
	count_fills(r);
	remote_free(txn);
	return ret;
}

void yx_remote_abort(yx_remote_t **txn)
{
	if (txn && *txn)
		remote_free(txn);
}

int yx_store_append_verified(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES],
                             const yx_entry_t *entries, size_t n, const yx_head_t *head,
                             size_t *appended, yx_diag_t *diag)
{
	yx_remote_t *r = NULL;
	int ret = yx_remote_begin(s, &r);
	if (ret)
		return ret;
	ret = yx_remote_append(r, origin, entries, n, head, appended, diag);
	if (ret == YX_OK)
		return yx_remote_commit(&r);
	yx_remote_abort(&r);
	return ret;
}

size_t yx_remote_filled(const yx_remote_t *r)
{
	return r ? r->filled : 0;
}
