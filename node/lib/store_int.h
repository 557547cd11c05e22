/* store_int: the store's internals — its databases, key and value layouts, and the
 * helpers that read and write them inside a caller's LMDB transaction. Shared by the
 * store's own files only (store.c environment and meta, store_log.c log/heads/tips,
 * store_state.c state and indexes, store_write.c batches and received segments,
 * store_read.c reads); nothing outside them includes this header.
 *
 * Helpers return YX_OK or a project error (LMDB's translated by yxs_error*, the one
 * place that does); pointers into LMDB memory are valid only while the transaction is. */
#ifndef YRDX_STORE_INT_H
#define YRDX_STORE_INT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "store.h"
#include "validate.h" /* YX_MAX_ID_LEN */

#define DEFAULT_MAP_SIZE ((size_t)YX_STORE_DEFAULT_MAP_SIZE)
/* Each origin's log is a database of its own, "log.N" for local id N, all of them made
 * when the store is: LMDB fills a page to the brim only when a put lands at the end of
 * its database, and in one log shared by every origin an origin's next entry mostly lands
 * before another origin's first ones, so its pages split in half (a city's log was 67 %
 * full, 235 MB where 158 MB of entries stood). Made up front, every handle is valid in
 * every transaction of every process, whichever transaction first holds an origin. Each
 * transaction LMDB begins carries a slot per database, so the pool is not larger than
 * a federation could use: a charter has at most 256 members. */
#define MAX_ORIGINS 1024
#define LOG_DB_NAME "log.%u"
/* A log entry: flags(1) kind(1) H(32), then a stub's D(32), or a full entry's change
 * bytes. D of a full entry is not kept: it is the hash of its bytes (yx_chain_digest).
 * Nor, mostly, are the bytes' first three fields: as protobuf-c packs a change, it starts
 * with its origin, seq and prev_hash (79 bytes at most) — the log's own key, the entry's
 * key and H of the entry before — and where they are exactly that, the entry keeps only
 * what follows them (LOG_FLAG_TRIM) and a reader puts them back (yxs_log_whole), so
 * what is read is the exact bytes hashed: 70 of an enterprise change's ~200 bytes, and
 * D's 32, not stored. */
#define LOG_HDR        (2 + YX_HASH_BYTES) /* flags, kind, H */
#define LOG_H          2
#define LOG_STUB       (LOG_HDR + YX_HASH_BYTES) /* a stub: the header and D */
#define LOG_FLAG_STUB  1
#define LOG_FLAG_TRIM  2
#define LOG_PREFIX_MAX (2 + YX_KEY_BYTES + 1 + 10 + 2 + YX_HASH_BYTES)
#define HEAD_VAL_V1    (YX_HASH_BYTES + 8 + YX_SIG_BYTES) /* H, time, signature */
#define HEAD_VAL       (HEAD_VAL_V1 + 8)                  /* ...policy seq (version 2) */
#define TIP_VAL        (8 + YX_HASH_BYTES)
#define LOG_KEY        12 /* origin id(4) | seq(8): a log entry's name outside its log */
#define SEQ_KEY        8  /* seq(8): its key in its origin's log */
/* kind(1) | origin id(4) | record id */
#define STATE_KEY_MAX (1 + 4 + YX_MAX_ID_LEN)
/* term | the version's log key: an index entry in the write set */
#define INDEX_KEY_MAX (YX_MAX_ID_LEN + LOG_KEY)
/* meta "hole" | origin id | seq: schema 4's key per stub, dropped by the upgrade */
#define HOLE_KEY 16
/* A write set this large is applied before the transaction goes on. */
#define PENDING_FLUSH_BYTES (64u << 20)
/* An emptied write set whose arrays hold more than this gives them back instead of
 * keeping them for the next transaction: a rare huge one does not stay in memory. */
#define PENDING_KEEP_BYTES (16u << 20)

enum {
	DB_META,
	DB_ORIGINS,
	DB_HEADS,
	DB_VECTOR,
	DB_STATE,
	DB_IDX_CREDIT,
	DB_IDX_INCUBATOR,
	DB_IDX_PARK,
	DB_IDX_INDUSTRY,
	DB_ARRIVAL,
	DB_RETRACTED, /* state key -> seq of the tombstone that is the record's last word */
	DB_COUNT
};

/* The write set of a transaction: state and index changes wait here and are applied in
 * key order at flush. Credit codes arrive in no particular order; LMDB inserts sorted
 * keys about twice as fast as random ones, because consecutive puts land on the page
 * just made dirty. */
#define PENDING_PRE 3
typedef struct {
	/* The key's first 24 bytes, big-endian and zero-padded (a state key of a credit code
	 * is 23): the flush's sort compares these integers, and bytes only past them (a qsort
	 * of memcmp calls was a tenth of a receiving node's CPU). */
	uint64_t pre[PENDING_PRE];
	uint32_t key_off;
	uint16_t key_len;
	uint8_t db;        /* DB_STATE or an index database */
	uint8_t tombstone; /* state ops: the change retracts its record */
	uint32_t slot;     /* which pending change this op belongs to */
	uint32_t oid;
	uint64_t seq;
} pending_op_t;

typedef struct {
	pending_op_t *ops;
	size_t n_ops, cap_ops;
	uint8_t *keys;
	size_t keys_len, keys_cap;
	uint32_t slots;
	uint32_t *order; /* the flush's sort: ops' indices in key order, and its scratch */
	size_t order_cap;
} pending_t;

struct yx_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	MDB_dbi logs[MAX_ORIGINS]; /* each origin's log, by local id */
	bool readonly;
	bool writing; /* a batch or remote txn is open */
	/* Origin public keys by local id, mirrored from "origins"; may lag behind the
	 * database in a read-only opener, so misses re-read it. */
	uint8_t (*origins)[YX_KEY_BYTES];
	uint32_t n_origins;
	bool origins_unsure;      /* origins were added in a write txn not known committed */
	yx_arena_t segment_arena; /* the decoded changes of the segment being appended */
	/* The write set of the one write transaction open (a batch or a remote one: writing),
	 * emptied when it ends: its arrays (a few MB in a large commit) are grown once, not
	 * again for every transaction. */
	pending_t write_set;
	uint64_t fill_gen; /* commits that filled stubs (yx_store_fill_gen) */
	uint64_t *fills;   /* by origin id: commits that filled its stubs */
	uint32_t n_fills;
	yx_rules_t rules; /* the charter's checks (verify.h); zero: none */
	/* The keys of this store's own log (meta "node" and "signers"), as last read; and
	 * the rule that believes them where the charter's are not set (store_signer.c). */
	yx_signer_t signers[YX_MAX_SIGNERS];
	size_t n_signers;
	yx_rules_t own_rules;
};

/* ---- integers, big-endian so keys sort numerically ------------------------------------ */

static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void yxs_log_key(uint8_t key[LOG_KEY], uint32_t oid, uint64_t seq)
{
	be32_put(key, oid);
	be64_put(key + 4, seq);
}

/* The log database of local id oid; YX_ECORRUPT for an id no store gives (it came from
 * a damaged value). */
static inline int yxs_log_dbi(const yx_store_t *s, uint32_t oid, MDB_dbi *dbi)
{
	if (oid >= MAX_ORIGINS)
		return YX_ECORRUPT;
	*dbi = s->logs[oid];
	return YX_OK;
}

/* The key of entry seq in its origin's log. */
static inline MDB_val yxs_seq_key(uint8_t key[SEQ_KEY], uint64_t seq)
{
	be64_put(key, seq);
	return (MDB_val){SEQ_KEY, key};
}

/* ---- store_db.c: LMDB's errors, transactions, the origins table --------------------- */

/* Free bytes of the filesystem holding env's files, for this process; UINT64_MAX if
 * unknown. */
uint64_t yxs_env_free_bytes(MDB_env *env);

/* The one place LMDB's errors become ours. env is the environment a write went to (NULL
 * for reads), to tell a full disk from a failing one. */
int yxs_error_in(MDB_env *env, int rc, const char *what);
/* Errors of calls that only read. */
int yxs_error(int rc, const char *what);
/* Errors of calls that write into txn. */
int yxs_write_error(MDB_txn *txn, int rc, const char *what);
int yxs_txn_begin(yx_store_t *s, bool write, MDB_txn **txn);
/* Commits txn: durable on return. */
int yxs_txn_commit(MDB_env *env, MDB_txn *txn);
int yxs_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val);
int yxs_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen,
            unsigned flags);
/* The name of database db of the enum. */
const char *yxs_db_name(int db);
/* Opens database db of the enum into s->dbi[db] (made where missing unless the store is
 * read-only; the index databases with MDB_DUPSORT | MDB_DUPFIXED); ENOTFOUND if it is
 * missing from a read-only store. */
int yxs_db_open(yx_store_t *s, MDB_txn *txn, int db);
/* Re-reads the origins table into s->origins. */
int yxs_origins_load(yx_store_t *s, MDB_txn *txn);
/* A meta value of its own, in a txn of its own: get copies it (malloc'd, YX_ENOTFOUND if
 * absent); set writes it durably (val NULL: deletes it; YX_EBUSY while a batch or remote
 * txn is open, -EROFS read-only). */
int yxs_meta_get(yx_store_t *s, const char *key, uint8_t **val, size_t *len);
int yxs_meta_set(yx_store_t *s, const char *key, const void *val, size_t len);
/* Local id of origin, or YX_ENOTFOUND; re-reads the table on a miss. */
int yxs_origin_lookup(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES],
                      uint32_t *id);
/* Local id of origin, assigning the next one inside txn if new. */
int yxs_origin_intern(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES],
                      uint32_t *id);
/* The public key of local id oid (re-reading the table if it is newer than this handle's
 * copy); NULL if there is no such origin. Points into s. */
const uint8_t *yxs_origin_key(yx_store_t *s, MDB_txn *txn, uint32_t oid);

/* ---- store_log.c: log entries, heads, tips, holes, arrivals ------------------------ */

/* Tip of oid (seq 0 and zeros when it has none). */
int yxs_tip_read(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t *seq,
                 uint8_t hash[YX_HASH_BYTES]);
int yxs_tip_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                  const uint8_t hash[YX_HASH_BYTES]);
/* oid's log entry seq, header and bytes; YX_ECORRUPT if there is none or it is short
 * (state, indexes and heads only name entries that are there). */
int yxs_log_entry(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, MDB_val *v);
/* The header of oid's log entry seq (flags, kind, H: LOG_HDR bytes); YX_ECORRUPT if
 * there is none. */
int yxs_log_header(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, const uint8_t **hdr);
/* H(seq) of oid from its log; zeros for seq 0. */
int yxs_log_hash(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                 uint8_t hash[YX_HASH_BYTES]);
/* Whether oid's entry seq is held as a stub (its digest only). */
int yxs_log_is_stub(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, bool *stub);
/* Writes one log entry; bytes NULL for a stub (digest its D), kind YX_KIND_NONE then;
 * prev: H(seq-1), what a full change's prev_hash says (NULL: unknown, kept whole).
 * append: seq is past every entry of the log (a new one, not a stub's body). *cur is the
 * transaction's cursor on the log last written, opened here if NULL or on another log;
 * close it before the transaction ends. */
int yxs_log_write(yx_store_t *s, MDB_txn *txn, MDB_cursor **cur, uint32_t oid, uint64_t seq,
                  bool append, const uint8_t *prev, const uint8_t hash[YX_HASH_BYTES],
                  const uint8_t digest[YX_HASH_BYTES], yx_kind_t kind, const uint8_t *bytes,
                  size_t len);
/* A log entry taken apart (yxs_entry_split): digest is a stub's D (NULL for a full
 * entry); bytes (NULL for a stub) and len what is stored, the change bytes whole once
 * yxs_log_whole or a walk has put back what trimming took off. */
typedef struct {
	uint8_t flags;
	yx_kind_t kind;
	const uint8_t *hash;
	const uint8_t *digest;
	const uint8_t *bytes;
	size_t len;
} yxs_entry_t;

/* Takes log value v apart into e; YX_ECORRUPT if it is too short for its flags. */
int yxs_entry_split(const MDB_val *v, yxs_entry_t *e);
/* A full entry e of oid's seq made whole (in arena) if trimmed. */
int yxs_log_whole(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                  yxs_entry_t *e);
/* oid's entry seq, taken apart, a full entry's bytes whole (put back in arena if trimmed);
 * YX_ECORRUPT if there is none. */
int yxs_log_get(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                yxs_entry_t *e);

/* A walk over one origin's log in seq order, each full entry's bytes whole. */
typedef struct {
	yx_store_t *s;
	MDB_txn *txn;
	MDB_cursor *cur;
	uint32_t oid;
	bool started;                /* an entry was read */
	uint64_t seq;                /* the entry last read; before the first, where to start */
	uint8_t prev[YX_HASH_BYTES]; /* its H */
	uint8_t *whole;              /* where trimmed bytes are made whole, once needed */
} yxs_walk_t;

/* Opens w on oid's log at seq from (the first entry at or past it). */
int yxs_walk_open(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t from, yxs_walk_t *w);
/* The next entry (its seq in w->seq): YX_OK, YX_ENOTFOUND past the last, or an error.
 * Its bytes are valid until the next call. */
int yxs_walk_next(yxs_walk_t *w, yxs_entry_t *e);
void yxs_walk_close(yxs_walk_t *w);

/* Opens (or, store not read-only, makes) the log databases of every local id: ENOTFOUND
 * if the store has none (a store of schema 6 or before, or one without them). */
int yxs_logs_open(yx_store_t *s, MDB_txn *txn);
/* Schema 6 and before kept every log in one database, "log", keyed origin id | seq, and
 * schema 8 and before kept each entry whole with its D: yxs_logs_gather moves the
 * entries of the logs of a store of schema 7 or 8 into such a "log", and yxs_logs_split
 * writes them to their origins' logs as this schema keeps them and drops it. Nothing to
 * do if there is none. */
int yxs_logs_gather(yx_store_t *s, MDB_txn *txn);
int yxs_logs_split(yx_store_t *s, MDB_txn *txn);
/* The change bytes of the full change at (oid, seq), whole (in arena if trimmed);
 * YX_ECORRUPT for a stub or none. */
int yxs_log_read_bytes(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                       const uint8_t **bytes, size_t *len);
/* The decoded change at (oid, seq): in arena if not NULL, else the caller frees it. */
int yxs_log_read_change(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                        Yrdx__Change **out);
int yxs_head_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, const yx_head_t *h);
/* A heads value (v) of origin's head at seq, decoded; YX_ECORRUPT if it has neither
 * length a head is kept in. */
int yxs_head_decode(const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const MDB_val *v,
                    yx_head_t *head);
/* oid's head at exactly seq; YX_ENOTFOUND if no head closes seq. */
int yxs_head_read(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, yx_head_t *head);
/* Notes (on) or drops the hole of a stub at (oid, seq). */
/* Drops schema 4's hole keys (the upgrade to 5). */
int yxs_holes_drop(yx_store_t *s, MDB_txn *txn);
/* The last arrival number handed out, 0 if none. */
int yxs_arrival_last(yx_store_t *s, MDB_txn *txn, uint64_t *last);

/* ---- store_signer.c: the keys of this store's own log ------------------------------ */

/* Reads meta "node" and "signers" into s->signers (n_signers 0 without an origin). */
int yxs_signers_load(yx_store_t *s, MDB_txn *txn);
/* The key of s->signers that signs the own log's head at seq. */
const uint8_t *yxs_signer_at(const yx_store_t *s, uint64_t seq);
/* The last seq the key signing at seq signs: the next rotation's after_seq, or
 * UINT64_MAX. */
uint64_t yxs_signer_until(const yx_store_t *s, uint64_t seq);

/* ---- store_state.c: current versions, indexes, the sorted write set ---------------- */

/* Writes the state key of (kind, oid, id) into key (STATE_KEY_MAX bytes); its length. */
size_t yxs_state_key(uint8_t *key, yx_kind_t kind, uint32_t oid, const char *id);
/* The seq db (DB_STATE: the current version; DB_RETRACTED: the retraction) names for
 * record (kind, id) of oid; YX_ENOTFOUND if none (or id is too long to be one). */
int yxs_state_seq(yx_store_t *s, MDB_txn *txn, int db, yx_kind_t kind, uint32_t oid, const char *id,
                  uint64_t *seq);
/* The seq of oid's latest sharing policy (or its retraction) as of tip, its last seq
 * held: what the head at tip signs, or — no head there, or a version 1 head kept from
 * before — the policy record the state holds; 0 if none. */
int yxs_policy_seq(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t tip, uint64_t *seq);
/* Queues change (oid, seq) to become the current version of its record; relay events and
 * joint participations also get their arrival number (++*arrival) now. */
int yxs_state_queue(yx_store_t *s, MDB_txn *txn, pending_t *p, uint32_t oid, uint64_t seq,
                    const Yrdx__Change *c, uint64_t *arrival);
/* Rebuilds every index from state and log, in this schema's layout (an upgrade). */
int yxs_reindex(yx_store_t *s, MDB_txn *txn);
/* Makes DB_RETRACTED from every log's tombstones (a schema upgrade). */
int yxs_retracted_rebuild(yx_store_t *s, MDB_txn *txn);
/* Applies the write set in key order and empties it. */
int yxs_pending_flush(yx_store_t *s, MDB_txn *txn, pending_t *p);
/* Queues one op: key (klen bytes) to be written to db for change slot. */
int yxs_pending_push(pending_t *p, int db, const uint8_t *key, size_t klen, uint32_t slot,
                     uint32_t oid, uint64_t seq, bool tombstone);
/* Empties p, keeping its arrays for the next write set unless they are past
 * PENDING_KEEP_BYTES. */
void yxs_pending_clear(pending_t *p);
void yxs_pending_free(pending_t *p);
/* ord[0..n) (scratch tmp[0..n)) becomes ops' indices in the flush's order: by database,
 * key bytes as LMDB orders them, then seq, then queueing. */
void yxs_pending_sort(const pending_op_t *ops, const uint8_t *keys, uint32_t *ord, uint32_t *tmp,
                      size_t n);

#endif
