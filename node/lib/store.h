/* store: a node's LMDB environment — change logs, current state, indexes, signed heads,
 * version vector, arrival sequence — behind a small transaction API.
 *
 * A write transaction is the unit of atomicity: a local batch or a verified remote
 * segment is either fully applied, with its head and vector entry, or not at all. Every
 * commit is durable (fdatasync) before it returns. Change bytes are stored exactly as
 * hashed and never re-encoded.
 *
 * Named databases (key -> value; origin ids are 4-byte local numbers, see "origins"):
 *   meta     "schema" -> u32, "node" -> the origin of this node's own log (its first key),
 *            "signers" -> the keys that sign that log after a rotation, n x (after_seq(8)
 *            key(32)), "rotating" -> a rotation this node waits for, version(4) seq(8)
 *   origins  u32 id -> origin public key (32)
 *   log.N    seq -> flags(1) kind(1) H(32), then D(32) for a stub, or the change bytes
 *            (their first fields trimmed, store_int.h): the log of origin id N, one
 *            database per id (0-1023), all made with the store
 *   heads    id|seq -> H(32) time(8) signature(64) policy seq(8), one per origin write
 *            transaction (no policy seq: a version 1 head, kept from before)
 *   vector   id -> seq(8) H(32): the tip of each origin's log
 *   state    kind|id|record id -> seq(8): the current version of every live record
 *   idx_*    term -> id|seq, duplicates: the log keys of the current versions under
 *            the term (credit code, incubator, park, industry)
 *   arrival  n -> id|seq: local arrival order of relay events and joint participations
 *   retracted state key -> seq(8): the tombstone that is a retracted record's last word
 * All integers big-endian so keys sort numerically. */
#ifndef YRDX_STORE_H
#define YRDX_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain.h"
#include "codec.h"
#include "error.h"
#include "keys.h"
#include "verify.h" /* yx_entry_t, yx_store_verify */

/* The store's layout version; a store of another version is refused, never guessed at.
 * 2: relay events are no longer entered in the incubator and park indexes.
 * 3: index entries name a record's version by its log key (origin, seq), not its state
 *    key; a store of version 2 has its indexes rebuilt when yrdxd opens it.
 * 4: retractions kept in their own database. 5: a stub is its log entry's flag.
 * 6: heads are kept with the policy seq they sign (version 2 heads); a store of version
 *    5 keeps its version 1 heads as they are (nothing to rewrite).
 * 7: each origin's log is a database of its own ("log.N"), appended page by page; the one
 *    log of a store of version 6 or before is split when yrdxd opens it.
 * 8: an index entry is a duplicate of its term (MDB_DUPSORT | MDB_DUPFIXED); a store of
 *    version 7 or before has its indexes made anew when yrdxd opens it.
 * 9: a full log entry keeps no D, and its change bytes without the origin, seq and
 *    prev_hash they start with where those are as protobuf-c packs them; a store of
 *    version 8 or before has its logs written anew when yrdxd opens it. */
#define YX_SCHEMA_VERSION 9
/* An origin signs a head at least every YX_HEAD_INTERVAL changes, so a verified
 * segment never needs more than this many entries in memory. A segment is what travels,
 * is verified and is committed as one, and each has its own costs (a message, a head
 * verified, a commit's pages written again), so fewer, larger ones cost less: measured
 * in docs/design.md, "Signed heads". Builds before this one refuse segments of more than
 * 1024 entries: upgrade every member together. */
#define YX_HEAD_INTERVAL 4096
/* ...and before the change bytes since the last head would pass this, so a segment fits
 * one wire message (wire.h, YX_MAX_WIRE_BYTES) whatever its records: 4096 changes of the
 * largest size validation lets through (codec.h, YX_MAX_CHANGE_BYTES) would be 256 MiB. */
#define YX_MAX_SEGMENT_BYTES (6u << 20)

typedef struct yx_store yx_store_t;
typedef struct yx_batch yx_batch_t;
typedef struct yx_remote yx_remote_t;

enum {
	YX_STORE_CREATE = 1 << 0,   /* create the environment if missing */
	YX_STORE_READONLY = 1 << 1, /* open for reading beside a running daemon */
};

/* The map a new store gets when no size is given: 16 GiB of address space (the file
 * grows only as data is written). */
#define YX_STORE_DEFAULT_MAP_SIZE ((uint64_t)16 << 30)

/* Opens (or with YX_STORE_CREATE creates) the store in directory dir. map_size is the
 * most the store may hold (LMDB's map, rounded up to whole pages; a writer's data never
 * outgrows it, see YX_EMAPFULL). 0 keeps the size the store was last written with
 * (YX_STORE_DEFAULT_MAP_SIZE for a new store); read-only openers pass 0 and map at
 * least that much, so a writer's growth stays visible to them. Returns YX_ENEWER /
 * YX_ESCHEMA on a schema mismatch, -ENOENT if missing and not creating. Caller closes
 * with yx_store_close.
 *
 * Write errors (puts, appends, commits) the caller must tell apart: YX_EMAPFULL (the
 * map is full: a larger map_size is needed) and YX_ENOSPC (the filesystem is full);
 * yx_err_is_store_full() is true for both. Either way nothing of the failed transaction
 * was written and the store stays usable: the same write succeeds once there is room. */
int yx_store_open(const char *dir, unsigned flags, size_t map_size, yx_store_t **out,
                  yx_diag_t *diag);

/* The adopted charter (a CharterFile's bytes: versions 1..N, each with its signatures;
 * node/lib/charter.h), kept in the store's meta so read-only tools see what the daemon
 * adopted. get: *bytes malloc'd, YX_ENOTFOUND if none is installed. put: replaces it in a
 * durable write txn of its own (YX_EBUSY while a batch or remote txn is open). The caller
 * verifies; the store keeps bytes. */
int yx_store_charter_get(yx_store_t *store, uint8_t **bytes, size_t *len);
int yx_store_charter_put(yx_store_t *store, const uint8_t *bytes, size_t len);

/* The charter's checks for what this store takes from elsewhere and believes of what it
 * holds (verify.h); rules is copied, NULL removes them. yx_store_rules: the rules set, or
 * where none are and this store's own log was rotated (yx_store_set_signer), the rule
 * that believes its own successors; NULL if neither. */
void yx_store_set_rules(yx_store_t *store, const yx_rules_t *rules);
const yx_rules_t *yx_store_rules(const yx_store_t *store);
/* Whether rules were set (yx_store_set_rules), not only the own log's successors. */
bool yx_store_rules_given(const yx_store_t *store);

/* Closes and nulls the pointer; accepts NULL. An open batch must be finished first. */
void yx_store_close(yx_store_t **store);

/* ---- local writes ---------------------------------------------------------------- */

/* Starts a write batch of this node's own changes, signed by id. Its changes and heads
 * name the store's origin (meta "node"; a store's first batch makes id's key the origin);
 * id must be the key that signs the origin's log at the next seq: the origin's own, or
 * after a rotation the successor yx_store_set_signer recorded. YX_EKEY otherwise — a key
 * that is neither, or a key rotated away from. One batch (or remote txn) at a time. */
int yx_batch_begin(yx_store_t *store, const yx_identity_t *id, yx_batch_t **out);

/* Appends a new version of a record. change has its body (and kind/id) set; the batch
 * writes its own origin, seq, prev_hash and time_ms into the stored envelope (change
 * itself is not modified). Validates first: YX_EINVAL with diag, and the batch is
 * unchanged. */
int yx_batch_put(yx_batch_t *batch, const Yrdx__Change *change, yx_diag_t *diag);

/* Like yx_batch_put, but appends nothing when this node's current version of the record
 * (as committed before this batch) has the same body: re-importing a registry changes
 * nothing. *written tells which happened. */
int yx_batch_put_if_changed(yx_batch_t *batch, const Yrdx__Change *change, bool *written,
                            yx_diag_t *diag);

/* The caller's rule on this node's current version of a record about to be written,
 * given as its encoded change (len bytes, valid during the call only: peek at it, or
 * decode it when the rule needs more): YX_OK to write; 1 to keep the current version
 * (nothing appended); an error (with diag) to refuse. */
typedef int (*yx_keep_fn)(void *arg, const uint8_t *current, size_t len, const Yrdx__Change *change,
                          yx_diag_t *diag);

/* yx_batch_put, or with skip_unchanged yx_batch_put_if_changed, the current version read
 * once and first shown to keep (may be NULL). *written: whether change was appended;
 * *kept: whether keep kept the current version. */
int yx_batch_put_kept(yx_batch_t *batch, const Yrdx__Change *change, bool skip_unchanged,
                      yx_keep_fn keep, void *arg, bool *written, bool *kept, yx_diag_t *diag);

/* Appends a tombstone for this node's record (kind, id). YX_ENOTFOUND if no such live
 * record. */
int yx_batch_retract(yx_batch_t *batch, yx_kind_t kind, const char *id, const char *reason,
                     yx_diag_t *diag);

/* The seq the next change of this batch will get. */
uint64_t yx_batch_next_seq(const yx_batch_t *batch);

/* H(seq) of the last change appended in this batch: the chain hash that change will be
 * known by once committed (before any append, the log's current hash). */
const uint8_t *yx_batch_hash(const yx_batch_t *batch);

/* Changes appended so far in this batch. */
size_t yx_batch_count(const yx_batch_t *batch);

/* Signs the head, updates the vector and commits durably. head (may be NULL) receives
 * the final head. An empty batch commits nothing and returns YX_OK with head->seq = 0.
 * Frees the batch either way and nulls the pointer. */
int yx_batch_commit(yx_batch_t **batch, yx_head_t *head);

/* Discards the batch; accepts NULL. */
void yx_batch_abort(yx_batch_t **batch);

/* ---- verified writes from elsewhere ---------------------------------------------- */

int yx_remote_begin(yx_store_t *store, yx_remote_t **out);

/* Verifies a segment of origin's log ending in head (yx_segment_verify, verify.h), then
 * applies the entries beyond the local tip. Nothing is written unless everything
 * verifies. Errors (diag says where):
 *   YX_EGAP    first entry beyond local tip + 1
 *   YX_ECHAIN  a link or the last hash does not match, or a change names another
 *              origin or seq
 *   YX_ESIG    head signature does not verify against origin
 *   YX_EFORK   an entry or head at or below the local tip has a different hash
 *   YX_EINVAL  a change is not a valid record; YX_EDECODE: not a change at all
 *   YX_ETOOBIG more than YX_HEAD_INTERVAL entries
 * *appended (may be NULL) receives how many entries were new. */
int yx_remote_append(yx_remote_t *txn, const uint8_t origin[YX_KEY_BYTES],
                     const yx_entry_t *entries, size_t n, const yx_head_t *head, size_t *appended,
                     yx_diag_t *diag) __attribute__((warn_unused_result));

/* How many stubs the last yx_remote_append replaced by their bodies: an entry held as a
 * stub (its digest only, withheld by the peer that sent it) whose change arrives later
 * verified is filled in, and its record becomes current unless a newer version is. */
size_t yx_remote_filled(const yx_remote_t *txn);

/* Commits durably; frees and nulls either way. */
int yx_remote_commit(yx_remote_t **txn);
void yx_remote_abort(yx_remote_t **txn);

/* begin + append + commit: one segment in its own transaction. */
int yx_store_append_verified(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES],
                             const yx_entry_t *entries, size_t n, const yx_head_t *head,
                             size_t *appended, yx_diag_t *diag) __attribute__((warn_unused_result));

/* ---- reads (each call reads one consistent snapshot) ------------------------------ */

/* The current version of origin's record (kind, id), decoded; caller frees with
 * yx_change_free. YX_ENOTFOUND if absent or retracted. */
int yx_store_get(yx_store_t *store, yx_kind_t kind, const uint8_t origin[YX_KEY_BYTES],
                 const char *id, Yrdx__Change **out);

/* As yx_store_get, decoded into arena: released by its reset, never by yx_change_free. */
int yx_store_get_in(yx_store_t *store, yx_arena_t *arena, yx_kind_t kind,
                    const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out);

/* The sharing policy origin signed last, as this store holds its log: the change at the
 * seq the head at its tip names (version 1 heads: the policy record held). *out is the
 * decoded change (yx_change_free) or NULL if the origin published none or retracted it
 * (the default applies). YX_ESTUB if that change is held as a stub only: the origin's
 * word is unknown here until its body comes. Else YX_OK or a store error. */
int yx_store_policy(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], Yrdx__Change **out);

/* The retraction of record (kind, id) of origin, if that is its last word: the tombstone
 * change (reason, time_ms), into arena (NULL: the caller frees it with yx_change_free).
 * YX_ENOTFOUND if the record stands, or was never retracted here. */
int yx_store_get_retracted(yx_store_t *store, yx_arena_t *arena, yx_kind_t kind,
                           const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out);

typedef enum {
	YX_INDEX_CREDIT_CODE, /* relay events, joint participations by enterprise */
	YX_INDEX_INCUBATOR,   /* enterprises, evaluations, joints by incubator */
	YX_INDEX_PARK,        /* enterprises by park id */
	YX_INDEX_INDUSTRY,    /* incubators and parks by industry (term: 1 byte) */
	YX_INDEX_COUNT
} yx_index_t;

/* Called with each current record found; return non-zero to stop (that value is then
 * returned by the iterating function). change is valid only during the call. */
typedef int (*yx_record_fn)(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                            const Yrdx__Change *change);

/* Every current record whose index entry equals term (term_len bytes). */
int yx_store_find(yx_store_t *store, yx_index_t index, const void *term, size_t term_len,
                  yx_record_fn fn, void *arg);

/* Every current record of kind (all kinds if YX_KIND_NONE), in key order. */
int yx_store_scan(yx_store_t *store, yx_kind_t kind, yx_record_fn fn, void *arg);

/* One arrival: its local arrival number n, its origin and seq, and the change both decoded
 * and as stored (the exact signed bytes); all valid only during the callback. */
typedef struct {
	uint64_t n;
	const uint8_t *origin; /* YX_KEY_BYTES */
	uint64_t seq;
	const Yrdx__Change *change;
	const uint8_t *bytes;
	size_t len;
} yx_arrival_t;

/* Called with each arrival after a cursor. Return non-zero to stop. */
typedef int (*yx_arrival_fn)(void *arg, const yx_arrival_t *arrival);

/* Relay events and joint participations in the order they arrived at this node, from
 * arrival number after + 1 on: the feed's cursor. */
int yx_store_arrivals(yx_store_t *store, uint64_t after, yx_arrival_fn fn, void *arg);

/* Called with each log entry: bytes is NULL for a stub, kind is YX_KIND_NONE for a stub;
 * digest is a stub's D, NULL for a full entry (yx_chain_digest of its bytes). bytes are
 * the exact bytes hashed, valid during the callback only. Return non-zero to stop. */
typedef int (*yx_log_fn)(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                         const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len);

/* origin's log from seq from_seq on. YX_ENOTFOUND if the origin is unknown. */
int yx_store_log_iterate(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], uint64_t from_seq,
                         yx_log_fn fn, void *arg);

/* The chain hash H(seq) of origin's change seq (what events answering it name). */
int yx_store_hash(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                  uint8_t hash[YX_HASH_BYTES]);

/* The first signed head of origin at seq >= min_seq. YX_ENOTFOUND if none. */
int yx_store_head_find(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], uint64_t min_seq,
                       yx_head_t *head);

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES];
	uint64_t fills; /* yx_store_vector: commits through this handle that filled stubs of
	                 * the origin (counted since it was opened; 0 elsewhere) */
} yx_tip_t;

typedef struct {
	yx_tip_t *tips; /* sorted by origin key bytes */
	size_t n;
} yx_vector_t;

/* The version vector; caller frees with yx_vector_free. */
int yx_store_vector(yx_store_t *store, yx_vector_t *vector);
void yx_vector_free(yx_vector_t *vector);

/* Tip of one origin; YX_ENOTFOUND if the store holds nothing of it. */
int yx_store_tip(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], yx_tip_t *tip);

/* Per-origin digest: BLAKE2b over (origin, seq, H(seq)) of its tip, which commits to the
 * whole log. Two stores holding the same changes of origin have the same digest. */
int yx_store_origin_digest(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES],
                           uint8_t digest[YX_HASH_BYTES]);

/* Digest of the whole store: BLAKE2b over every tip in origin order. */
int yx_store_digest(yx_store_t *store, uint8_t digest[YX_HASH_BYTES]);

/* ---- several reads in one snapshot --------------------------------------------------- */

/* A read snapshot: one LMDB read transaction, so what several reads return is
 * consistent, and costs one transaction, not one per record. Writers are not blocked; a
 * snapshot held long keeps the pages it sees from being reused, so keep it short. Not
 * for use across a yx_store_set_map_size. */
typedef struct yx_snap yx_snap_t;

/* Opens a snapshot of what store holds now; caller closes it with yx_snap_close. */
int yx_snap_open(yx_store_t *store, yx_snap_t **out);

/* Ends the snapshot and nulls the pointer; accepts NULL. What its reads handed out
 * from LMDB's memory (yx_stored_t.bytes and .hash) is gone then; changes decoded into a
 * caller's arena stay. */
void yx_snap_close(yx_snap_t **snap);

/* One current record as stored. origin, hash and bytes point into the snapshot (valid
 * during the callback only); bytes are the change exactly as its origin signed it, never
 * re-encoded. change is decoded from them into the arena the read was given (valid until
 * that arena is reset), or, if none was, valid during the callback only. */
typedef struct {
	const uint8_t *origin; /* YX_KEY_BYTES */
	uint64_t seq;
	const uint8_t *hash; /* H(seq): what an event answering this one names */
	const uint8_t *bytes;
	size_t len;
	const Yrdx__Change *change;
} yx_stored_t;

/* Called with each record found; return non-zero to stop (that value is then returned). */
typedef int (*yx_stored_fn)(void *arg, const yx_stored_t *rec);

/* Every current record of kind (any kind: YX_KIND_NONE) whose index entry equals term,
 * through the index: the cost follows what is found, not what the store holds.
 * Decoded into arena, which the call never resets (NULL: see yx_stored_t). */
int yx_snap_find(yx_snap_t *snap, yx_index_t index, const void *term, size_t term_len,
                 yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn, void *arg);

/* Every current record of kind (all kinds if YX_KIND_NONE), in key order. */
int yx_snap_scan(yx_snap_t *snap, yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn, void *arg);

/* Every retraction that is its record's last word (the record retracted and not written
 * again), of kind (any: YX_KIND_NONE), in key order: rec->change is the tombstone — the
 * record's kind and id, its reason, and the envelope's time_ms; rec->origin its author. */
int yx_snap_scan_retracted(yx_snap_t *snap, yx_kind_t kind, yx_arena_t *arena, yx_stored_fn fn,
                           void *arg);

/* Every current record of kind whose id begins with id_prefix, at every origin the store
 * knows: one seek per origin, then the records found (a vote's id starts "v<version>-"). */
int yx_snap_scan_ids(yx_snap_t *snap, yx_kind_t kind, const char *id_prefix, yx_arena_t *arena,
                     yx_stored_fn fn, void *arg);

/* The current record (kind, id) of every origin that holds one: one point lookup per
 * origin the store knows. */
int yx_snap_get_all(yx_snap_t *snap, yx_kind_t kind, const char *id, yx_arena_t *arena,
                    yx_stored_fn fn, void *arg);

/* Who holds a current record (kind, id), from the state alone (nothing read from the log,
 * nothing decoded): *ours if the origin self (NULL: none) does — asked first, and then no
 * other is; else *other and the first other origin holding one, in the store's order. A
 * check per row for an import, where most rows are the node's own. */
int yx_snap_holder(yx_snap_t *snap, yx_kind_t kind, const char *id, const uint8_t *self, bool *ours,
                   bool *other, uint8_t origin[YX_KEY_BYTES]);

/* As yx_snap_get_all, at the origins whose key begins with the prefix_len bytes of
 * prefix only: a point lookup at the one origin an id names by its key (relay.h). */
int yx_snap_get_prefixed(yx_snap_t *snap, yx_kind_t kind, const uint8_t *prefix, size_t prefix_len,
                         const char *id, yx_arena_t *arena, yx_stored_fn fn, void *arg);

/* Called with each origin the store knows (origin points into the store: copy it to keep
 * it); return non-zero to stop. */
typedef int (*yx_origin_fn)(void *arg, const uint8_t origin[YX_KEY_BYTES]);
int yx_snap_origins(yx_snap_t *snap, yx_origin_fn fn, void *arg);

/* As yx_store_log_iterate, yx_store_head_find and yx_store_tip, in the snapshot. */
int yx_snap_log_iterate(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], uint64_t from_seq,
                        yx_log_fn fn, void *arg);
int yx_snap_head_find(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], uint64_t min_seq,
                      yx_head_t *head);
int yx_snap_tip(yx_snap_t *snap, const uint8_t origin[YX_KEY_BYTES], yx_tip_t *tip);

/* The origin of this store's own log: the key its first local batch was signed with,
 * which names the log for good, whatever key signs it now (yx_store_signers);
 * YX_ENOTFOUND if no local batch was ever committed. */
int yx_store_node_key(yx_store_t *store, uint8_t key[YX_KEY_BYTES]);

/* ---- key rotation of this store's own log (docs/design.md, "Key rotation") ---------- */

/* The keys a log may have over its life: its origin and the successors (the charter's
 * YX_CHARTER_MAX_KEYS). */
#define YX_MAX_SIGNERS 16

/* A key and the seqs it signs: heads at seq > after_seq, up to the next one's after_seq. */
typedef struct {
	uint64_t after_seq;
	uint8_t key[YX_KEY_BYTES];
} yx_signer_t;

/* Hands this store's own log to key from seq after_seq + 1 on: local batches then need id
 * = key (yx_batch_begin), and the store's own checks of its log (yx_store_verify, and
 * segments of its own log pulled back from peers) take key's signatures past after_seq
 * where no rules are set (yx_store_set_rules; the charter's rules say the same).
 * Recorded in meta "signers" in a write transaction of its own: YX_EBUSY while a batch
 * or remote one is open. Setting the same (after_seq, key) again changes nothing.
 * YX_ENOTFOUND if the store has no origin yet; YX_EINVAL with diag if key signed this
 * log before, if after_seq is not past the last rotation's, or if the log already holds
 * entries past after_seq (signed by the key before: the rotation would orphan them);
 * YX_ETOOBIG past YX_MAX_SIGNERS keys. */
int yx_store_set_signer(yx_store_t *store, uint64_t after_seq, const uint8_t key[YX_KEY_BYTES],
                        yx_diag_t *diag);

/* The keys of this store's own log into out (max of them): [0] its origin, after_seq 0,
 * then each successor in order; *n how many, 0 if the store has no origin yet. */
int yx_store_signers(yx_store_t *store, yx_signer_t *out, size_t max, size_t *n);

/* A key rotation this node proposed and waits for (meta "rotating"): the charter version
 * that would adopt it, and the seq of the log after which the new key would sign. Set
 * when the proposal is written, cleared (version 0) when a version numbered so is
 * adopted; kept across restarts, so local writes stay fenced until then. A write
 * transaction of its own: YX_EBUSY while a batch or remote one is open.
 * yx_store_rotating: YX_ENOTFOUND if none. */
int yx_store_set_rotating(yx_store_t *store, uint32_t version, uint64_t after_seq);
int yx_store_rotating(yx_store_t *store, uint32_t *version, uint64_t *after_seq);

/* Up to max seqs >= from of origin held as stubs (holes whose bodies another peer may
 * send), ascending, into seqs; how many. 0 also when the store cannot be read. The stubs
 * are the log's own entries: a call reads at most YX_HOLES_SCAN of them, so a long log
 * of bodies is looked through in steps. *next gets the seq to go on from when the call
 * stopped there (then fewer than max, perhaps 0, were found), else UINT64_MAX. */
#define YX_HOLES_SCAN 65536
size_t yx_store_holes(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                      uint64_t *seqs, size_t max, uint64_t *next);

/* The fence mark (meta "fenced"): a store that may be older than its node's own log —
 * every copy yrdxctl backup makes carries it. The daemon refuses local writes while it is
 * set and clears it once its peers confirm it holds its own latest log. yx_store_fence
 * is a write transaction of its own: YX_EBUSY while a batch or remote one is open. */
int yx_store_fence(yx_store_t *store, bool on);
int yx_store_fenced(yx_store_t *store, bool *fenced);

/* Writes a consistent, compacted copy of the store into directory dest (created, must not
 * hold a store), while other processes keep reading and writing. -EEXIST if dest holds
 * a data file. */
int yx_store_backup(yx_store_t *store, const char *dest, yx_diag_t *diag);

/* Changes the map size of an open store, e.g. when node/map_size is raised by a reload
 * (rounded up to whole pages; never below what the data needs). YX_EBUSY while a batch
 * or remote transaction is open; no read may be in progress in this process. */
int yx_store_set_map_size(yx_store_t *store, size_t map_size);

/* Whether the store has about need bytes to grow by: YX_OK, YX_EMAPFULL when the map's
 * unused end is smaller, YX_ENOSPC when its filesystem has less free. A hint (pages freed
 * inside the map are not counted), for deciding when to try writing again. */
int yx_store_room(yx_store_t *store, uint64_t need);

/* Bytes of the data file in use (last page) and the map size, for status. */
int yx_store_usage(yx_store_t *store, uint64_t *used, uint64_t *map);

/* How many commits through this handle replaced stubs by their bodies (fills): a log
 * entry once written changes only so, so what was read of a log range holds while this
 * stays. Counted after each such commit; only the daemon's handle fills. */
uint64_t yx_store_fill_gen(const yx_store_t *store);

#endif
