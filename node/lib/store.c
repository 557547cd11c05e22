#include "store.h"

#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "validate.h"

#define DEFAULT_MAP_SIZE ((size_t)YX_STORE_DEFAULT_MAP_SIZE)
/* Less than this left on the store's filesystem after a failed write: the disk is full. */
#define DISK_FULL_SLACK (4u << 20)
#define MAX_ORIGINS     4096
#define LOG_HDR         (2 + YX_HASH_BYTES + YX_HASH_BYTES) /* flags, kind, H, D */
#define LOG_H           2
#define LOG_D           (2 + YX_HASH_BYTES)
#define LOG_FLAG_STUB   1
#define HEAD_VAL        (YX_HASH_BYTES + 8 + YX_SIG_BYTES)
#define TIP_VAL         (8 + YX_HASH_BYTES)
/* kind(1) | origin id(4) | record id */
#define STATE_KEY_MAX (1 + 4 + YX_MAX_ID_LEN)
#define INDEX_KEY_MAX (YX_MAX_ID_LEN + 1 + 12)

enum {
	DB_META,
	DB_ORIGINS,
	DB_LOG,
	DB_HEADS,
	DB_VECTOR,
	DB_STATE,
	DB_IDX_CREDIT,
	DB_IDX_INCUBATOR,
	DB_IDX_PARK,
	DB_IDX_INDUSTRY,
	DB_ARRIVAL,
	DB_COUNT
};

static const char *const db_names[DB_COUNT] = {
        "meta",       "origins",       "log",      "heads",        "vector",  "state",
        "idx_credit", "idx_incubator", "idx_park", "idx_industry", "arrival",
};

/* The write set of a transaction: state and index changes wait here and are applied in
 * key order at flush. Credit codes arrive in no particular order; LMDB inserts sorted
 * keys about twice as fast as random ones, because consecutive puts land on the page
 * just made dirty. */
typedef struct {
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
} pending_t;

struct yx_store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	bool readonly;
	bool writing; /* a batch or remote txn is open */
	/* Origin public keys by local id, mirrored from "origins"; may lag behind the
	 * database in a read-only opener, so misses re-read it. */
	uint8_t (*origins)[YX_KEY_BYTES];
	uint32_t n_origins;
	yx_arena_t segment_arena; /* the decoded changes of the segment being appended */
};

struct yx_batch {
	yx_store_t *store;
	MDB_txn *txn;
	const yx_identity_t *id;
	uint32_t origin_id;
	uint64_t seq;                /* last seq written */
	uint64_t head_seq;           /* last seq covered by a head written in this batch */
	uint8_t hash[YX_HASH_BYTES]; /* H(seq) */
	size_t count;
	int64_t time_ms;
	uint64_t arrival;    /* last arrival number */
	yx_head_t last_head; /* the most recent head written in this batch */
	pending_t pending;
};

struct yx_remote {
	yx_store_t *store;
	MDB_txn *txn;
	uint64_t arrival;
	pending_t pending;
	size_t filled; /* stubs the last append replaced by their bodies */
};

/* ---- encoding helpers ------------------------------------------------------------ */

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Free bytes of the filesystem holding env's files, for this process; UINT64_MAX if
 * unknown. */
static uint64_t env_free_bytes(MDB_env *env)
{
	const char *path = NULL;
	struct statvfs st;
	if (!env || mdb_env_get_path(env, &path) != 0 || !path || statvfs(path, &st) != 0)
		return UINT64_MAX;
	return (uint64_t)st.f_bavail * st.f_frsize;
}

/* The one place LMDB's errors become ours. env is the environment a write went to (NULL
 * for reads): LMDB turns a write the filesystem cut short for lack of space into EIO
 * (pwrite came back short and left errno alone), so an EIO from a write to a filesystem
 * with next to nothing left is the disk being full, not a failing disk. */
static int lmdb_error_in(MDB_env *env, int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS: return YX_OK;
	case MDB_NOTFOUND: return YX_ENOTFOUND;
	case MDB_MAP_FULL: return YX_EMAPFULL;
	case ENOSPC:
	case EDQUOT: return YX_ENOSPC;
	case EIO:
		if (env_free_bytes(env) < DISK_FULL_SLACK)
			return YX_ENOSPC;
		yx_log_error("store: %s: %s", what, mdb_strerror(rc));
		return -EIO;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		yx_log_error("store: %s: %s", what, mdb_strerror(rc));
		return YX_ECORRUPT;
	}
	if (rc > 0 && rc < 1000) /* errno values */
		return -rc;
	yx_log_error("store: %s: %s", what, mdb_strerror(rc));
	return YX_ESTORE;
}

/* Errors of calls that only read. */
static int lmdb_error(int rc, const char *what)
{
	return lmdb_error_in(NULL, rc, what);
}

/* Errors of calls that write into txn. */
static int lmdb_write_error(MDB_txn *txn, int rc, const char *what)
{
	return rc ? lmdb_error_in(mdb_txn_env(txn), rc, what) : YX_OK;
}

/* Commits txn: its pages written and synced, durable on return. */
static int txn_commit(MDB_env *env, MDB_txn *txn)
{
	return lmdb_error_in(env, mdb_txn_commit(txn), "commit");
}

static int txn_begin(yx_store_t *s, bool write, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
	if (rc == MDB_READERS_FULL) {
		/* Slots of readers that died without closing: reclaim and retry once. */
		int dead = 0;
		mdb_reader_check(s->env, &dead);
		rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
	}
	return lmdb_error(rc, "begin transaction");
}

static int db_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = {klen, (void *)key};
	return lmdb_error(mdb_get(txn, dbi, &k, val), "get");
}

static int db_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val,
                  size_t vlen, unsigned flags)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return lmdb_write_error(txn, mdb_put(txn, dbi, &k, &v, flags), "put");
}

/* ---- open / close ---------------------------------------------------------------- */

static int reindex(yx_store_t *s, MDB_txn *txn);

/* The schema this build upgrades in place: 2 keyed index entries by state key. */
#define SCHEMA_REINDEX 2

static int check_schema(yx_store_t *s, MDB_txn *txn, bool fresh, yx_diag_t *diag)
{
	MDB_val v;
	uint8_t buf[4];
	int ret = db_get(txn, s->dbi[DB_META], "schema", 6, &v);
	if (ret == YX_ENOTFOUND && fresh) {
		be32_put(buf, YX_SCHEMA_VERSION);
		return db_put(txn, s->dbi[DB_META], "schema", 6, buf, 4, 0);
	}
	if (ret == YX_ENOTFOUND || (ret == YX_OK && v.mv_size != 4))
		return yx_diag_set(diag, YX_ESCHEMA, "store has no yrdx schema version");
	if (ret)
		return ret;
	uint32_t version = be32_get(v.mv_data);
	if (version > YX_SCHEMA_VERSION)
		return yx_diag_set(diag, YX_ENEWER,
		                   "store schema version %u is newer than this build's %u", version,
		                   YX_SCHEMA_VERSION);
	if (version == SCHEMA_REINDEX && !s->readonly) {
		if ((ret = reindex(s, txn)))
			return yx_diag_set(diag, ret, "upgrading the store's indexes: %s",
			                   yx_strerror(ret));
		be32_put(buf, YX_SCHEMA_VERSION);
		return db_put(txn, s->dbi[DB_META], "schema", 6, buf, 4, 0);
	}
	if (version < YX_SCHEMA_VERSION)
		return yx_diag_set(
		        diag, YX_ESCHEMA, "store schema version %u is older than this build's %u%s",
		        version, YX_SCHEMA_VERSION,
		        version == SCHEMA_REINDEX ? " (yrdxd upgrades it when it starts)" : "");
	return YX_OK;
}

static int load_origins(yx_store_t *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi[DB_ORIGINS], &cur);
	if (rc)
		return lmdb_error(rc, "open cursor");
	s->n_origins = 0;
	while ((rc = mdb_cursor_get(cur, &k, &v, s->n_origins ? MDB_NEXT : MDB_FIRST)) == 0) {
		uint32_t id = be32_get(k.mv_data);
		if (k.mv_size != 4 || v.mv_size != YX_KEY_BYTES || id != s->n_origins ||
		    id >= MAX_ORIGINS) {
			mdb_cursor_close(cur);
			return YX_ECORRUPT;
		}
		memcpy(s->origins[id], v.mv_data, YX_KEY_BYTES);
		s->n_origins++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? YX_OK : lmdb_error(rc, "read origins");
}

/* size rounded up to whole OS pages, as LMDB wants a map. */
static size_t map_round(size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;
	return (size + p - 1) / p * p;
}

/* A reader maps at least DEFAULT_MAP_SIZE, or what the store's meta says if that is more:
 * the writer may grow the data past what a smaller map shows (an address range costs a
 * reader nothing until it touches it). */
static int reader_map_widen(yx_store_t *s)
{
	MDB_envinfo info;
	int ret = lmdb_error(mdb_env_info(s->env, &info), "env info");
	if (ret == YX_OK && info.me_mapsize < DEFAULT_MAP_SIZE)
		ret = lmdb_error(mdb_env_set_mapsize(s->env, DEFAULT_MAP_SIZE), "map size");
	return ret;
}

/* LMDB never maps less than the data: a map_size below it leaves the store full. */
static void map_check(yx_store_t *s, const char *dir, size_t map_size)
{
	MDB_envinfo info;
	if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > map_round(map_size))
		yx_log_warn("store %s already holds %zu bytes, more than the map size asked for "
		            "(%zu): the map is that size, and full",
		            dir, info.me_mapsize, map_size);
}

int yx_store_open(const char *dir, unsigned flags, size_t map_size, yx_store_t **out,
                  yx_diag_t *diag)
{
	int ret;
	MDB_txn *txn = NULL;
	yx_store_t *s = calloc(1, sizeof(*s));
	bool readonly = flags & YX_STORE_READONLY;
	bool fresh = false;
	struct stat st;
	char path[4096];

	if (!s)
		return -ENOMEM;
	s->readonly = readonly;
	yx_arena_init(&s->segment_arena);
	s->origins = calloc(MAX_ORIGINS, YX_KEY_BYTES);
	if (!s->origins) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !(flags & YX_STORE_CREATE) || readonly) {
			ret = yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			ret = yx_diag_set(diag, -errno, "%s: %s", dir, strerror(errno));
			goto out;
		}
		fresh = true;
	}
	if ((ret = lmdb_error(mdb_env_create(&s->env), "create environment")))
		goto out;
	mdb_env_set_maxdbs(s->env, DB_COUNT);
	mdb_env_set_maxreaders(s->env, 254);
	if (map_size || fresh)
		mdb_env_set_mapsize(s->env, map_round(map_size ? map_size : DEFAULT_MAP_SIZE));
	ret = lmdb_error_in(
	        s->env, mdb_env_open(s->env, dir, (readonly ? MDB_RDONLY : 0) | MDB_NOTLS, 0600),
	        "open environment");
	if (ret) {
		yx_diag_set(diag, ret, "%s: cannot open store: %s", dir, yx_strerror(ret));
		goto out;
	}
	if (readonly && !map_size && (ret = reader_map_widen(s)))
		goto out;
	if (!readonly && map_size)
		map_check(s, dir, map_size);
	if ((ret = txn_begin(s, !readonly, &txn)))
		goto out;
	for (int i = 0; i < DB_COUNT; i++) {
		int rc = mdb_dbi_open(txn, db_names[i], readonly ? 0 : MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			ret = yx_diag_set(diag, YX_ESCHEMA, "%s: store has no \"%s\" database", dir,
			                  db_names[i]);
			goto out;
		}
		if ((ret = lmdb_error(rc, "open database")))
			goto out;
	}
	if ((ret = check_schema(s, txn, fresh, diag)))
		goto out;
	if ((ret = load_origins(s, txn)))
		goto out;
	/* Committed even when read-only: database handles opened in an aborted txn close. */
	ret = txn_commit(s->env, txn);
	txn = NULL;
	if (ret)
		goto out;
	*out = s;
	s = NULL;
out:
	if (txn)
		mdb_txn_abort(txn);
	yx_store_close(&s);
	return ret;
}

void yx_store_close(yx_store_t **store)
{
	if (!store || !*store)
		return;
	yx_store_t *s = *store;
	if (s->env)
		mdb_env_close(s->env);
	free(s->origins);
	yx_arena_free(&s->segment_arena);
	free(s);
	*store = NULL;
}

/* ---- origins ----------------------------------------------------------------------- */

/* Local id of origin, or YX_ENOTFOUND. Re-reads the table on a miss, since another
 * process may have added origins since this handle loaded it. */
static int origin_lookup(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES],
                         uint32_t *id)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < s->n_origins; i++)
			if (memcmp(s->origins[i], origin, YX_KEY_BYTES) == 0) {
				*id = i;
				return YX_OK;
			}
		if (pass == 0) {
			int ret = load_origins(s, txn);
			if (ret)
				return ret;
		}
	}
	return YX_ENOTFOUND;
}

/* Local id of origin, assigning the next one inside txn if new. The in-memory table
 * is only extended; an aborted txn leaves a stale extra entry that load_origins drops
 * at the next miss, and a re-used id is simply re-written identically. */
static int origin_intern(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES],
                         uint32_t *id)
{
	int ret = origin_lookup(s, txn, origin, id);
	if (ret != YX_ENOTFOUND)
		return ret;
	if (s->n_origins >= MAX_ORIGINS) {
		yx_log_error("store: a store holds the logs of at most %d origins", MAX_ORIGINS);
		return YX_ETOOBIG;
	}
	uint8_t key[4];
	be32_put(key, s->n_origins);
	if ((ret = db_put(txn, s->dbi[DB_ORIGINS], key, 4, origin, YX_KEY_BYTES, 0)))
		return ret;
	memcpy(s->origins[s->n_origins], origin, YX_KEY_BYTES);
	*id = s->n_origins++;
	return YX_OK;
}

static int tip_read(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t *seq,
                    uint8_t hash[YX_HASH_BYTES])
{
	uint8_t key[4];
	MDB_val v;
	be32_put(key, oid);
	int ret = db_get(txn, s->dbi[DB_VECTOR], key, 4, &v);
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

static int tip_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                     const uint8_t hash[YX_HASH_BYTES])
{
	uint8_t key[4], val[TIP_VAL];
	be32_put(key, oid);
	be64_put(val, seq);
	memcpy(val + 8, hash, YX_HASH_BYTES);
	return db_put(txn, s->dbi[DB_VECTOR], key, 4, val, TIP_VAL, 0);
}

static void log_key(uint8_t key[12], uint32_t oid, uint64_t seq)
{
	be32_put(key, oid);
	be64_put(key + 4, seq);
}

/* The header of origin's log entry seq (flags, kind, H, D: LOG_HDR bytes). */
static int log_header(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, const uint8_t **hdr)
{
	uint8_t key[12];
	MDB_val v;
	log_key(key, oid, seq);
	int ret = db_get(txn, s->dbi[DB_LOG], key, 12, &v);
	if (ret)
		return ret == YX_ENOTFOUND ? YX_ECORRUPT : ret;
	if (v.mv_size < LOG_HDR)
		return YX_ECORRUPT;
	*hdr = v.mv_data;
	return YX_OK;
}

/* H(seq) of origin from its log; zeros for seq 0. */
static int log_hash(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                    uint8_t hash[YX_HASH_BYTES])
{
	const uint8_t *hdr;
	if (seq == 0) {
		memset(hash, 0, YX_HASH_BYTES);
		return YX_OK;
	}
	int ret = log_header(s, txn, oid, seq, &hdr);
	if (ret == YX_OK)
		memcpy(hash, hdr + LOG_H, YX_HASH_BYTES);
	return ret;
}

/* Whether origin's entry seq is held as a stub (its digest only). */
static int log_is_stub(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, bool *stub)
{
	const uint8_t *hdr;
	int ret = log_header(s, txn, oid, seq, &hdr);
	if (ret == YX_OK)
		*stub = hdr[0] & LOG_FLAG_STUB;
	return ret;
}

/* Holes: the stubs this store holds, as meta keys "hole" | origin id | seq, so the body
 * of each can be asked for again (yx_store_next_hole) and the key dropped once it came. */
#define HOLE_KEY 16
static void hole_key(uint8_t key[HOLE_KEY], uint32_t oid, uint64_t seq)
{
	memcpy(key, "hole", 4);
	log_key(key + 4, oid, seq);
}

static int hole_set(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq, bool on)
{
	uint8_t key[HOLE_KEY];
	hole_key(key, oid, seq);
	if (on)
		return db_put(txn, s->dbi[DB_META], key, HOLE_KEY, "", 0, 0);
	MDB_val k = {HOLE_KEY, key};
	int rc = mdb_del(txn, s->dbi[DB_META], &k, NULL);
	return rc == MDB_NOTFOUND ? YX_OK : lmdb_write_error(txn, rc, "hole");
}

/* kind is the change's record kind (tombstones included), 0 for a stub: kept beside the
 * bytes so a sender can apply its sharing policy without decoding every change. */
static int log_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                     const uint8_t hash[YX_HASH_BYTES], const uint8_t digest[YX_HASH_BYTES],
                     yx_kind_t kind, const uint8_t *bytes, size_t len)
{
	uint8_t key[12];
	MDB_val k = {12, key}, v = {LOG_HDR + (bytes ? len : 0), NULL};
	log_key(key, oid, seq);
	/* Reserve and fill in place: the change bytes are copied once, into the map. */
	int rc = mdb_put(txn, s->dbi[DB_LOG], &k, &v, MDB_RESERVE);
	if (rc)
		return lmdb_write_error(txn, rc, "append log");
	uint8_t *p = v.mv_data;
	p[0] = bytes ? 0 : LOG_FLAG_STUB;
	p[1] = (uint8_t)kind;
	memcpy(p + LOG_H, hash, YX_HASH_BYTES);
	memcpy(p + LOG_D, digest, YX_HASH_BYTES);
	if (bytes)
		memcpy(p + LOG_HDR, bytes, len);
	return YX_OK;
}

static int head_write(yx_store_t *s, MDB_txn *txn, uint32_t oid, const yx_head_t *h)
{
	uint8_t key[12], val[HEAD_VAL];
	log_key(key, oid, h->seq);
	memcpy(val, h->hash, YX_HASH_BYTES);
	be64_put(val + YX_HASH_BYTES, (uint64_t)h->time_ms);
	memcpy(val + YX_HASH_BYTES + 8, h->signature, YX_SIG_BYTES);
	return db_put(txn, s->dbi[DB_HEADS], key, 12, val, HEAD_VAL, 0);
}

/* ---- state and indexes ------------------------------------------------------------- */

static size_t state_key(uint8_t *key, yx_kind_t kind, uint32_t oid, const char *id)
{
	size_t idlen = strlen(id);
	key[0] = (uint8_t)kind;
	be32_put(key + 1, oid);
	memcpy(key + 5, id, idlen);
	return 5 + idlen;
}

#define PENDING_FLUSH_BYTES (64u << 20)

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

static int pending_push(pending_t *p, int db, const uint8_t *key, size_t klen, uint32_t slot,
                        uint32_t oid, uint64_t seq, bool tombstone)
{
	if (p->n_ops == p->cap_ops) {
		size_t cap = p->cap_ops ? p->cap_ops * 2 : 4096;
		pending_op_t *ops = realloc(p->ops, cap * sizeof(*ops));
		if (!ops)
			return -ENOMEM;
		p->ops = ops;
		p->cap_ops = cap;
	}
	if (p->keys_len + klen > p->keys_cap) {
		size_t cap = p->keys_cap ? p->keys_cap * 2 : (size_t)1 << 18;
		while (cap < p->keys_len + klen)
			cap *= 2;
		uint8_t *keys = realloc(p->keys, cap);
		if (!keys)
			return -ENOMEM;
		p->keys = keys;
		p->keys_cap = cap;
	}
	memcpy(p->keys + p->keys_len, key, klen);
	p->ops[p->n_ops++] = (pending_op_t){
	        (uint32_t)p->keys_len, (uint16_t)klen, (uint8_t)db, tombstone, slot, oid, seq};
	p->keys_len += klen;
	return YX_OK;
}

static void pending_free(pending_t *p)
{
	free(p->ops);
	free(p->keys);
	memset(p, 0, sizeof(*p));
}

static void index_apply(index_op_t *op, int db, const void *term, size_t tlen, bool text)
{
	uint8_t key[INDEX_KEY_MAX + 1];
	if (op->ret || tlen == 0 || tlen > YX_MAX_ID_LEN)
		return;
	memcpy(key, term, tlen);
	size_t klen = tlen;
	if (text)
		key[klen++] =
		        0; /* ids hold no control characters (validate.c): the term ends here */
	log_key(key + klen, op->oid, op->seq);
	klen += 12;
	if (op->mode == INDEX_COLLECT) {
		op->ret = pending_push(op->pending, db, key, klen, op->slot, 0, 0, false);
		return;
	}
	MDB_val k = {klen, key}, v = {0, ""};
	int rc = op->mode == INDEX_DEL ? mdb_del(op->txn, op->s->dbi[db], &k, NULL)
	                               : mdb_put(op->txn, op->s->dbi[db], &k, &v, 0);
	if (rc == MDB_NOTFOUND && op->mode == INDEX_DEL)
		rc = 0;
	op->ret = lmdb_write_error(op->txn, rc, "index");
}

static void index_text(index_op_t *op, int db, const char *term)
{
	if (term)
		index_apply(op, db, term, strlen(term), true);
}

static void index_industries(index_op_t *op, const Yrdx__Industry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t term = (uint8_t)v[i];
		index_apply(op, DB_IDX_INDUSTRY, &term, 1, false);
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

/* The stored bytes of the full change at (oid, seq), valid while txn is. */
static int log_read_bytes(yx_store_t *s, MDB_txn *txn, uint32_t oid, uint64_t seq,
                          const uint8_t **bytes, size_t *len)
{
	uint8_t key[12];
	MDB_val v;
	log_key(key, oid, seq);
	int ret = db_get(txn, s->dbi[DB_LOG], key, 12, &v);
	if (ret)
		return ret == YX_ENOTFOUND ? YX_ECORRUPT : ret;
	const uint8_t *p = v.mv_data;
	if (v.mv_size < LOG_HDR || (p[0] & LOG_FLAG_STUB))
		return YX_ECORRUPT; /* state never points at a stub */
	*bytes = p + LOG_HDR;
	*len = v.mv_size - LOG_HDR;
	return YX_OK;
}

/* The decoded change at (oid, seq): in arena if not NULL, else the caller frees it. */
static int log_read_change(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid,
                           uint64_t seq, Yrdx__Change **out)
{
	const uint8_t *bytes;
	size_t len;
	int ret = log_read_bytes(s, txn, oid, seq, &bytes, &len);
	if (ret)
		return ret;
	ret = arena ? yx_change_decode_in(arena, bytes, len, out)
	            : yx_change_decode(bytes, len, out);
	return ret == YX_OK ? YX_OK : YX_ECORRUPT;
}

/* Rebuilds every index from state and log, in the layout of this schema. */
static int reindex(yx_store_t *s, MDB_txn *txn)
{
	static const int dbs[] = {DB_IDX_CREDIT, DB_IDX_INCUBATOR, DB_IDX_PARK, DB_IDX_INDUSTRY};
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int ret = YX_OK, rc = 0;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]) && ret == YX_OK; i++)
		ret = lmdb_write_error(txn, mdb_drop(txn, s->dbi[dbs[i]], 0), "reindex");
	if (ret == YX_OK)
		ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_STATE], &cur), "cursor");
	for (rc = ret ? 0 : mdb_cursor_get(cur, &k, &v, MDB_FIRST); ret == YX_OK && rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Yrdx__Change *c = NULL;
		if (k.mv_size < 5 || v.mv_size != 8) {
			ret = YX_ECORRUPT;
			break;
		}
		uint32_t oid = be32_get((const uint8_t *)k.mv_data + 1);
		uint64_t seq = be64_get(v.mv_data);
		ret = log_read_change(s, txn, NULL, oid, seq, &c);
		if (ret == YX_OK)
			ret = index_record(
			        (index_op_t){s, txn, oid, seq, INDEX_PUT, NULL, 0, YX_OK}, c);
		yx_change_free(&c);
	}
	if (ret == YX_OK && rc != MDB_NOTFOUND)
		ret = lmdb_error(rc, "reindex");
	if (cur)
		mdb_cursor_close(cur);
	return ret;
}

static bool kind_is_fed(yx_kind_t kind)
{
	return kind == YX_KIND_RELAY_EVENT || kind == YX_KIND_JOINT;
}

/* Queues change (oid, seq) to become the current version of its record; relay events and
 * joint participations also get their arrival number now (an append). */
static int state_queue(yx_store_t *s, MDB_txn *txn, pending_t *p, uint32_t oid, uint64_t seq,
                       const Yrdx__Change *c, uint64_t *arrival)
{
	uint8_t skey[STATE_KEY_MAX];
	yx_kind_t kind = (yx_kind_t)c->kind;
	size_t sklen = state_key(skey, kind, oid, c->id);
	bool tombstone = c->body_case == YRDX__CHANGE__BODY_TOMBSTONE;
	uint32_t slot = p->slots++;
	int ret = pending_push(p, DB_STATE, skey, sklen, slot, oid, seq, tombstone);
	if (ret == YX_OK && !tombstone)
		ret = index_record((index_op_t){s, txn, oid, seq, INDEX_COLLECT, p, slot, YX_OK},
		                   c);
	if (ret == YX_OK && kind_is_fed(kind)) {
		uint8_t akey[8], aval[12];
		be64_put(akey, ++*arrival);
		log_key(aval, oid, seq);
		ret = db_put(txn, s->dbi[DB_ARRIVAL], akey, 8, aval, 12, MDB_APPEND);
	}
	return ret;
}

static int pending_compare(const void *a, const void *b, void *arg)
{
	const pending_op_t *x = a, *y = b;
	const uint8_t *keys = arg;
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(keys + x->key_off, keys + y->key_off, n);
	if (c || x->key_len != y->key_len)
		return c ? c : (x->key_len < y->key_len ? -1 : 1);
	/* Later versions last: by seq, as a body filled in for an old stub may come after a
	 * newer version of the same record in one transaction. */
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Makes one state op current: replaces (or for a tombstone deletes) the state entry and
 * removes the index entries of the version it replaces. Returns 1, writing nothing, when
 * the store already holds a newer version (a body filled in for an old stub). */
static int state_write(yx_store_t *s, MDB_txn *txn, const pending_op_t *op, const uint8_t *key)
{
	uint8_t sval[8];
	MDB_val k = {op->key_len, (void *)key}, v = {8, sval};
	int ret, rc;
	be64_put(sval, op->seq);
	rc = op->tombstone ? mdb_get(txn, s->dbi[DB_STATE], &k, &v)
	                   : mdb_put(txn, s->dbi[DB_STATE], &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST || (op->tombstone && rc == 0)) {
		Yrdx__Change *old = NULL;
		if (v.mv_size != 8)
			return YX_ECORRUPT;
		uint64_t old_seq = be64_get(v.mv_data);
		if (old_seq > op->seq)
			return 1;
		ret = log_read_change(s, txn, NULL, op->oid, old_seq, &old);
		if (ret == YX_OK)
			ret = index_record(
			        (index_op_t){s, txn, op->oid, old_seq, INDEX_DEL, NULL, 0, YX_OK},
			        old);
		yx_change_free(&old);
		if (ret)
			return ret;
		v.mv_data = sval;
		v.mv_size = 8;
		rc = op->tombstone ? mdb_del(txn, s->dbi[DB_STATE], &k, NULL)
		                   : mdb_put(txn, s->dbi[DB_STATE], &k, &v, 0);
	} else if (op->tombstone && rc == MDB_NOTFOUND) {
		rc = 0; /* retraction of a record never seen here (e.g. withheld) */
	}
	return lmdb_write_error(txn, rc, "state");
}

/* Applies the write set in key order. A record changed twice in the set keeps only its
 * last version; the index entries of the versions it skips are never written. */
static int pending_flush(yx_store_t *s, MDB_txn *txn, pending_t *p)
{
	bool *superseded = NULL;
	MDB_cursor *cur = NULL;
	int cur_db = -1, ret = YX_OK;

	if (p->n_ops == 0)
		goto out;
	superseded = calloc(p->slots, sizeof(bool));
	if (!superseded) {
		ret = -ENOMEM;
		goto out;
	}
	qsort_r(p->ops, p->n_ops, sizeof(pending_op_t), pending_compare, p->keys);
	/* DB_STATE sorts before the index databases: state ops come first. */
	size_t i = 0;
	for (; i < p->n_ops && p->ops[i].db == DB_STATE; i++) {
		const pending_op_t *op = &p->ops[i], *next = i + 1 < p->n_ops ? op + 1 : NULL;
		if (next && next->db == DB_STATE && next->key_len == op->key_len &&
		    memcmp(p->keys + next->key_off, p->keys + op->key_off, op->key_len) == 0) {
			superseded[op->slot] = true;
			continue;
		}
		if ((ret = state_write(s, txn, op, p->keys + op->key_off)) == 1) {
			superseded[op->slot] = true; /* its index entries go with it */
			ret = YX_OK;
		}
		if (ret)
			goto out;
	}
	for (; i < p->n_ops; i++) {
		const pending_op_t *op = &p->ops[i];
		if (superseded[op->slot])
			continue;
		if (op->db != cur_db) {
			if (cur)
				mdb_cursor_close(cur);
			cur = NULL;
			if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[op->db], &cur),
			                      "cursor")))
				goto out;
			cur_db = op->db;
		}
		MDB_val k = {op->key_len, p->keys + op->key_off}, v = {0, ""};
		if ((ret = lmdb_write_error(txn, mdb_cursor_put(cur, &k, &v, 0), "index")))
			goto out;
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	free(superseded);
	p->n_ops = 0;
	p->keys_len = 0;
	p->slots = 0;
	return ret;
}

static int arrival_last(yx_store_t *s, MDB_txn *txn, uint64_t *last)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi[DB_ARRIVAL], &cur);
	if (rc)
		return lmdb_error(rc, "cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	*last = (rc == 0 && k.mv_size == 8) ? be64_get(k.mv_data) : 0;
	return rc == 0 || rc == MDB_NOTFOUND ? YX_OK : lmdb_error(rc, "arrival");
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
	if ((ret = txn_begin(s, true, &b->txn)))
		goto out;
	ret = db_get(b->txn, s->dbi[DB_META], "node", 4, &v);
	if (ret == YX_ENOTFOUND)
		ret = db_put(b->txn, s->dbi[DB_META], "node", 4, pk, YX_KEY_BYTES, 0);
	else if (ret == YX_OK && (v.mv_size != YX_KEY_BYTES || memcmp(v.mv_data, pk, YX_KEY_BYTES)))
		ret = YX_EKEY; /* this store belongs to another node's key */
	if (ret)
		goto out;
	if ((ret = origin_intern(s, b->txn, pk, &b->origin_id)))
		goto out;
	if ((ret = tip_read(s, b->txn, b->origin_id, &b->seq, b->hash)))
		goto out;
	if ((ret = arrival_last(s, b->txn, &b->arrival)))
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
	memcpy(h.origin, yx_identity_public(b->id), YX_KEY_BYTES);
	h.seq = b->seq;
	memcpy(h.hash, b->hash, YX_HASH_BYTES);
	h.time_ms = b->time_ms;
	yx_head_sign(&h, b->id);
	int ret = head_write(b->store, b->txn, b->origin_id, &h);
	if (ret == YX_OK) {
		b->head_seq = b->seq;
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

	c->origin.data = (uint8_t *)yx_identity_public(b->id);
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
	ret = log_write(b->store, b->txn, b->origin_id, c->seq, hash, digest, (yx_kind_t)c->kind,
	                bytes, len);
	if (ret == YX_OK)
		ret = state_queue(b->store, b->txn, &b->pending, b->origin_id, c->seq, c,
		                  &b->arrival);
	if (ret == YX_OK && b->pending.keys_len > PENDING_FLUSH_BYTES)
		ret = pending_flush(b->store, b->txn, &b->pending);
	free(bytes);
	if (ret) {
		/* The txn may hold part of this change: nothing of the batch can be trusted. */
		yx_diag_set(diag, ret, "store: %s", yx_strerror(ret));
		return ret;
	}
	b->seq++;
	memcpy(b->hash, hash, YX_HASH_BYTES);
	b->count++;
	if (b->seq - b->head_seq >= YX_HEAD_INTERVAL)
		ret = batch_write_head(b);
	return ret;
}

int yx_batch_put(yx_batch_t *b, const Yrdx__Change *c, yx_diag_t *diag)
{
	if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE)
		return yx_diag_set(diag, YX_EINVAL, "use yx_batch_retract for tombstones");
	return batch_append(b, c, diag);
}

/* Whether two record messages pack to the same bytes. Packing is deterministic for one
 * build, which is all a comparison needs (stored bytes are never re-packed for hashing). */
static bool same_record(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	if (!a || !b || a->descriptor != b->descriptor)
		return false;
	size_t la = protobuf_c_message_get_packed_size(a),
	       lb = protobuf_c_message_get_packed_size(b);
	if (la != lb)
		return false;
	uint8_t *pa = malloc(la ? la : 1), *pb = malloc(lb ? lb : 1);
	bool same = pa && pb;
	if (same) {
		protobuf_c_message_pack(a, pa);
		protobuf_c_message_pack(b, pb);
		same = memcmp(pa, pb, la) == 0;
	}
	free(pa);
	free(pb);
	return same;
}

int yx_batch_put_if_changed(yx_batch_t *b, const Yrdx__Change *c, bool *written, yx_diag_t *diag)
{
	uint8_t skey[STATE_KEY_MAX];
	MDB_val v;
	*written = false;
	if (c->id && strlen(c->id) <= YX_MAX_ID_LEN &&
	    c->body_case != YRDX__CHANGE__BODY_TOMBSTONE) {
		size_t sklen = state_key(skey, (yx_kind_t)c->kind, b->origin_id, c->id);
		if (db_get(b->txn, b->store->dbi[DB_STATE], skey, sklen, &v) == YX_OK &&
		    v.mv_size == 8) {
			Yrdx__Change *cur = NULL;
			bool same = log_read_change(b->store, b->txn, NULL, b->origin_id,
			                            be64_get(v.mv_data), &cur) == YX_OK &&
			            same_record(yx_change_body(cur), yx_change_body(c));
			yx_change_free(&cur);
			if (same)
				return YX_OK;
		}
	}
	int ret = yx_batch_put(b, c, diag);
	*written = ret == YX_OK;
	return ret;
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
	size_t sklen = state_key(skey, kind, b->origin_id, id);
	/* Existence is asked of state, so what this batch put so far must be there. */
	int ret = pending_flush(b->store, b->txn, &b->pending);
	if (ret == YX_OK)
		ret = db_get(b->txn, b->store->dbi[DB_STATE], skey, sklen, &v);
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

size_t yx_batch_count(const yx_batch_t *b)
{
	return b->count;
}

static void batch_free(yx_batch_t **batch)
{
	yx_batch_t *b = *batch;
	if (b->txn)
		mdb_txn_abort(b->txn);
	b->store->writing = false;
	pending_free(&b->pending);
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
	if ((ret = pending_flush(b->store, b->txn, &b->pending)))
		goto out;
	if (b->head_seq != b->seq && (ret = batch_write_head(b)))
		goto out;
	if ((ret = tip_write(b->store, b->txn, b->origin_id, b->seq, b->hash)))
		goto out;
	ret = txn_commit(b->store->env, b->txn);
	b->txn = NULL;
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
	if ((ret = txn_begin(s, true, &r->txn)) || (ret = arrival_last(s, r->txn, &r->arrival))) {
		if (r->txn)
			mdb_txn_abort(r->txn);
		free(r);
		return ret;
	}
	s->writing = true;
	*out = r;
	return YX_OK;
}

static void hex8(const uint8_t *key, char out[17])
{
	sodium_bin2hex(out, 17, key, 8);
}

/* Checks one full change against its expected envelope; ECHAIN/EDECODE/EINVAL. */
static int verify_change(const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                         const uint8_t prev[YX_HASH_BYTES], const Yrdx__Change *c, const char *who,
                         yx_diag_t *diag)
{
	if (c->origin.len != YX_KEY_BYTES || memcmp(c->origin.data, origin, YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_ECHAIN, "%s seq %llu: change names another origin", who,
		                   (unsigned long long)seq);
	if (c->seq != seq)
		return yx_diag_set(diag, YX_ECHAIN, "%s seq %llu: change carries seq %llu", who,
		                   (unsigned long long)seq, (unsigned long long)c->seq);
	if (c->prev_hash.len != YX_HASH_BYTES ||
	    memcmp(c->prev_hash.data, prev, YX_HASH_BYTES) != 0)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "%s seq %llu: prev_hash does not match the hash of seq %llu",
		                   who, (unsigned long long)seq, (unsigned long long)(seq - 1));
	yx_diag_t vd;
	if (yx_validate_change(c, &vd) != YX_OK)
		return yx_diag_set(diag, YX_EINVAL, "%s seq %llu: %s", who, (unsigned long long)seq,
		                   vd.msg);
	return YX_OK;
}

int yx_remote_append(yx_remote_t *r, const uint8_t origin[YX_KEY_BYTES], const yx_entry_t *e,
                     size_t n, const yx_head_t *head, size_t *appended, yx_diag_t *diag)
{
	yx_store_t *s = r->store;
	uint8_t tip_hash[YX_HASH_BYTES], prev[YX_HASH_BYTES];
	uint8_t(*hashes)[YX_HASH_BYTES] = NULL, (*digests)[YX_HASH_BYTES] = NULL;
	Yrdx__Change **changes = NULL;
	bool *fill = NULL;
	uint64_t tip = 0;
	uint32_t oid = 0;
	bool known;
	char who[17];
	int ret;

	hex8(origin, who);
	if (appended)
		*appended = 0;
	r->filled = 0;
	if (n == 0 || n > YX_HEAD_INTERVAL)
		return yx_diag_set(diag, n ? YX_ETOOBIG : YX_EDECODE,
		                   "origin %s: segment of %zu entries (1..%d allowed)", who, n,
		                   YX_HEAD_INTERVAL);
	if (memcmp(head->origin, origin, YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_ESIG, "origin %s: head signed for another origin", who);
	for (size_t i = 0; i < n; i++)
		if (e[i].seq != e[0].seq + i || (!e[i].bytes && !e[i].digest))
			return yx_diag_set(diag, YX_EDECODE,
			                   "origin %s: entry %zu malformed or out "
			                   "of sequence",
			                   who, i);
	if (head->seq != e[n - 1].seq)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "origin %s: head at seq %llu does not close the "
		                   "segment ending at %llu",
		                   who, (unsigned long long)head->seq,
		                   (unsigned long long)e[n - 1].seq);
	if (e[0].seq == 0)
		return yx_diag_set(diag, YX_EDECODE, "origin %s: seq 0 does not exist", who);

	ret = origin_lookup(s, r->txn, origin, &oid);
	known = ret == YX_OK;
	if (ret && ret != YX_ENOTFOUND)
		return ret;
	if (known && (ret = tip_read(s, r->txn, oid, &tip, tip_hash)))
		return ret;
	if (e[0].seq > tip + 1)
		return yx_diag_set(diag, YX_EGAP,
		                   "origin %s: segment starts at seq %llu but the "
		                   "local log ends at %llu",
		                   who, (unsigned long long)e[0].seq, (unsigned long long)tip);
	if ((ret = known ? log_hash(s, r->txn, oid, e[0].seq - 1, prev) : YX_OK))
		return ret;
	if (!known)
		memset(prev, 0, YX_HASH_BYTES);

	hashes = malloc(n * YX_HASH_BYTES);
	digests = malloc(n * YX_HASH_BYTES);
	changes = calloc(n, sizeof(*changes));
	fill = calloc(n, sizeof(*fill));
	if (!hashes || !digests || !changes || !fill) {
		ret = -ENOMEM;
		goto out;
	}
	/* Phase 1: verify everything, writing nothing. First the chain of digests must end
	 * in the hash the origin signed, so nothing unauthenticated is parsed; then the
	 * overlap with what we hold (a mismatch there is a fork, proven by the signature);
	 * then each new change must carry its own envelope and be a valid record. */
	uint8_t link[YX_HASH_BYTES];
	memcpy(link, prev, YX_HASH_BYTES);
	for (size_t i = 0; i < n; i++) {
		if (e[i].bytes && e[i].len > YX_MAX_CHANGE_BYTES) {
			ret = yx_diag_set(diag, YX_ETOOBIG, "origin %s seq %llu: %zu bytes", who,
			                  (unsigned long long)e[i].seq, e[i].len);
			goto out;
		}
		if (e[i].bytes)
			yx_chain_digest(e[i].bytes, e[i].len, digests[i]);
		else
			memcpy(digests[i], e[i].digest, YX_HASH_BYTES);
		yx_chain_link(link, digests[i], hashes[i]);
		memcpy(link, hashes[i], YX_HASH_BYTES);
	}
	if (sodium_memcmp(link, head->hash, YX_HASH_BYTES) != 0) {
		ret = yx_diag_set(diag, YX_ECHAIN,
		                  "origin %s: seq %llu..%llu do not hash to the "
		                  "head at seq %llu (altered or out of chain)",
		                  who, (unsigned long long)e[0].seq, (unsigned long long)head->seq,
		                  (unsigned long long)head->seq);
		goto out;
	}
	if (yx_head_verify(head) != YX_OK) {
		ret = yx_diag_set(diag, YX_ESIG, "origin %s: head at seq %llu has a bad signature",
		                  who, (unsigned long long)head->seq);
		goto out;
	}
	size_t fills = 0;
	for (size_t i = 0; i < n && e[i].seq <= tip; i++) {
		uint8_t have[YX_HASH_BYTES];
		bool stub = false;
		if ((ret = log_hash(s, r->txn, oid, e[i].seq, have)))
			goto out;
		if (sodium_memcmp(have, hashes[i], YX_HASH_BYTES) != 0) {
			ret = yx_diag_set(diag, YX_EFORK,
			                  "origin %s seq %llu: signed hash differs "
			                  "from the stored change (fork)",
			                  who, (unsigned long long)e[i].seq);
			goto out;
		}
		/* The body of an entry held as a stub: verified like a new one, then filled in
		 * (its hash equals the stored one, so its digest does too). */
		if (e[i].bytes && (ret = log_is_stub(s, r->txn, oid, e[i].seq, &stub)))
			goto out;
		fill[i] = stub;
		fills += stub;
	}
	if (head->seq <= tip && !fills)
		goto out; /* all known already */
	for (size_t i = 0; i < n; i++) {
		const uint8_t *want_prev = i ? hashes[i - 1] : prev;
		if ((e[i].seq <= tip && !fill[i]) || !e[i].bytes)
			continue;
		ret = yx_change_decode_in(&s->segment_arena, e[i].bytes, e[i].len, &changes[i]);
		if (ret) {
			yx_diag_set(diag, ret, "origin %s seq %llu: not a change message", who,
			            (unsigned long long)e[i].seq);
			goto out;
		}
		if ((ret = verify_change(origin, e[i].seq, want_prev, changes[i], who, diag)))
			goto out;
	}

	/* Phase 2: apply what is new, and the bodies of stubs. */
	if ((ret = origin_intern(s, r->txn, origin, &oid)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (e[i].seq <= tip && !fill[i])
			continue;
		ret = log_write(s, r->txn, oid, e[i].seq, hashes[i], digests[i],
		                changes[i] ? (yx_kind_t)changes[i]->kind : YX_KIND_NONE, e[i].bytes,
		                e[i].len);
		if (ret == YX_OK && changes[i])
			ret = state_queue(s, r->txn, &r->pending, oid, e[i].seq, changes[i],
			                  &r->arrival);
		if (ret == YX_OK && (fill[i] || !e[i].bytes))
			ret = hole_set(s, r->txn, oid, e[i].seq, !fill[i]);
		if (ret)
			goto out;
	}
	r->filled = fills;
	if (head->seq > tip && ((ret = head_write(s, r->txn, oid, head)) ||
	                        (ret = tip_write(s, r->txn, oid, head->seq, head->hash))))
		goto out;
	if (appended)
		*appended = head->seq > tip ? (size_t)(head->seq - tip) : 0;
	if (r->pending.keys_len > PENDING_FLUSH_BYTES)
		ret = pending_flush(s, r->txn, &r->pending);
out:
	yx_arena_reset(&s->segment_arena);
	free(fill);
	free(changes);
	free(hashes);
	free(digests);
	return ret;
}

static void remote_free(yx_remote_t **txn)
{
	yx_remote_t *r = *txn;
	if (r->txn)
		mdb_txn_abort(r->txn);
	r->store->writing = false;
	pending_free(&r->pending);
	free(r);
	*txn = NULL;
}

int yx_remote_commit(yx_remote_t **txn)
{
	yx_remote_t *r = *txn;
	int ret = pending_flush(r->store, r->txn, &r->pending);
	if (ret == YX_OK) {
		ret = txn_commit(r->store->env, r->txn);
		r->txn = NULL;
	}
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

/* ---- reads --------------------------------------------------------------------------- */

static int store_get(yx_store_t *s, yx_arena_t *arena, yx_kind_t kind,
                     const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	uint8_t skey[STATE_KEY_MAX];
	uint32_t oid;
	int ret;
	if (strlen(id) > YX_MAX_ID_LEN)
		return YX_ENOTFOUND;
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	if ((ret = origin_lookup(s, txn, origin, &oid)))
		goto out;
	size_t sklen = state_key(skey, kind, oid, id);
	if ((ret = db_get(txn, s->dbi[DB_STATE], skey, sklen, &v)))
		goto out;
	if (v.mv_size != 8) {
		ret = YX_ECORRUPT;
		goto out;
	}
	ret = log_read_change(s, txn, arena, oid, be64_get(v.mv_data), out);
out:
	mdb_txn_abort(txn);
	return ret;
}

int yx_store_get(yx_store_t *s, yx_kind_t kind, const uint8_t origin[YX_KEY_BYTES], const char *id,
                 Yrdx__Change **out)
{
	return store_get(s, NULL, kind, origin, id, out);
}

int yx_store_get_in(yx_store_t *s, yx_arena_t *arena, yx_kind_t kind,
                    const uint8_t origin[YX_KEY_BYTES], const char *id, Yrdx__Change **out)
{
	return store_get(s, arena, kind, origin, id, out);
}

/* Calls fn for the record version at (oid, seq) (read in txn), decoded in arena, which is
 * reset once fn returns: a scan's records cost no malloc each. */
static int visit_version(yx_store_t *s, MDB_txn *txn, yx_arena_t *arena, uint32_t oid, uint64_t seq,
                         yx_record_fn fn, void *arg)
{
	Yrdx__Change *c = NULL;
	if (oid >= s->n_origins && load_origins(s, txn) != YX_OK)
		return YX_ECORRUPT;
	if (oid >= s->n_origins)
		return YX_ECORRUPT;
	int ret = log_read_change(s, txn, arena, oid, seq, &c);
	if (ret == YX_OK)
		ret = fn(arg, s->origins[oid], seq, c);
	yx_arena_reset(arena);
	return ret;
}

int yx_store_find(yx_store_t *s, yx_index_t index, const void *term, size_t term_len,
                  yx_record_fn fn, void *arg)
{
	static const int dbs[YX_INDEX_COUNT] = {DB_IDX_CREDIT, DB_IDX_INCUBATOR, DB_IDX_PARK,
	                                        DB_IDX_INDUSTRY};
	uint8_t prefix[YX_MAX_ID_LEN + 1];
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	bool text = index != YX_INDEX_INDUSTRY;
	yx_arena_t arena;
	int ret, rc;

	assert(index < YX_INDEX_COUNT);
	if (term_len == 0 || term_len > YX_MAX_ID_LEN)
		return YX_OK;
	memcpy(prefix, term, term_len);
	size_t plen = term_len;
	if (text)
		prefix[plen++] = 0;
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	yx_arena_init(&arena);
	if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[dbs[index]], &cur), "cursor")))
		goto out;
	k.mv_size = plen;
	k.mv_data = prefix;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		/* Entries exist only for current versions: the log key is all it takes. */
		const uint8_t *lkey = (const uint8_t *)k.mv_data + plen;
		if (k.mv_size != plen + 12) {
			ret = YX_ECORRUPT;
			goto out;
		}
		if ((ret = visit_version(s, txn, &arena, be32_get(lkey), be64_get(lkey + 4), fn,
		                         arg)))
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = lmdb_error(rc, "index scan");
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	yx_arena_free(&arena);
	return ret == YX_ENOTFOUND ? YX_ECORRUPT : ret;
}

int yx_store_scan(yx_store_t *s, yx_kind_t kind, yx_record_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t first = (uint8_t)kind;
	yx_arena_t arena;
	int ret, rc;
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	yx_arena_init(&arena);
	if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_STATE], &cur), "cursor")))
		goto out;
	k.mv_size = kind == YX_KIND_NONE ? 0 : 1;
	k.mv_data = &first;
	for (rc = mdb_cursor_get(cur, &k, &v, k.mv_size ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (kind != YX_KIND_NONE && ((const uint8_t *)k.mv_data)[0] != first)
			break;
		if (v.mv_size != 8 || k.mv_size < 5) {
			ret = YX_ECORRUPT;
			goto out;
		}
		if ((ret = visit_version(s, txn, &arena, be32_get((const uint8_t *)k.mv_data + 1),
		                         be64_get(v.mv_data), fn, arg)))
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = lmdb_error(rc, "scan");
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	yx_arena_free(&arena);
	return ret;
}

/* Opens a read snapshot and a cursor on db positioned at the first key >= (origin, seq).
 * On success the caller closes both with cursor_done; k and v hold the entry (rc says
 * whether there was one: 0 or MDB_NOTFOUND). */
static int origin_cursor(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], int db, uint64_t seq,
                         MDB_txn **txn, MDB_cursor **cur, uint32_t *oid, MDB_val *k, MDB_val *v,
                         uint8_t key[12], int *rc)
{
	int ret;
	*txn = NULL;
	*cur = NULL;
	if ((ret = txn_begin(s, false, txn)))
		return ret;
	if ((ret = origin_lookup(s, *txn, origin, oid)) ||
	    (ret = lmdb_error(mdb_cursor_open(*txn, s->dbi[db], cur), "cursor"))) {
		if (*cur)
			mdb_cursor_close(*cur);
		mdb_txn_abort(*txn);
		*cur = NULL;
		*txn = NULL;
		return ret;
	}
	log_key(key, *oid, seq);
	k->mv_size = 12;
	k->mv_data = key;
	*rc = mdb_cursor_get(*cur, k, v, MDB_SET_RANGE);
	return YX_OK;
}

static void cursor_done(MDB_txn *txn, MDB_cursor *cur)
{
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
}

int yx_store_log_iterate(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from_seq,
                         yx_log_fn fn, void *arg)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[12];
	uint32_t oid;
	int rc, ret = origin_cursor(s, origin, DB_LOG, from_seq, &txn, &cur, &oid, &k, &v, key,
	                            &rc);
	if (ret)
		return ret;
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;
		if (k.mv_size != 12 || be32_get(k.mv_data) != oid)
			break;
		if (v.mv_size < LOG_HDR) {
			ret = YX_ECORRUPT;
			goto out;
		}
		bool stub = p[0] & LOG_FLAG_STUB;
		ret = fn(arg, be64_get((const uint8_t *)k.mv_data + 4), (yx_kind_t)p[1], p + LOG_H,
		         p + LOG_D, stub ? NULL : p + LOG_HDR, stub ? 0 : v.mv_size - LOG_HDR);
		if (ret)
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = lmdb_error(rc, "log scan");
out:
	cursor_done(txn, cur);
	return ret;
}

int yx_store_head_find(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t min_seq,
                       yx_head_t *head)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[12];
	uint32_t oid;
	int rc, ret = origin_cursor(s, origin, DB_HEADS, min_seq, &txn, &cur, &oid, &k, &v, key,
	                            &rc);
	if (ret)
		return ret;
	if (rc == 0 && (k.mv_size != 12 || be32_get(k.mv_data) != oid))
		rc = MDB_NOTFOUND;
	if ((ret = lmdb_error(rc, "head")))
		goto out;
	if (v.mv_size != HEAD_VAL) {
		ret = YX_ECORRUPT;
		goto out;
	}
	const uint8_t *p = v.mv_data;
	memcpy(head->origin, origin, YX_KEY_BYTES);
	head->seq = be64_get((const uint8_t *)k.mv_data + 4);
	memcpy(head->hash, p, YX_HASH_BYTES);
	head->time_ms = (int64_t)be64_get(p + YX_HASH_BYTES);
	memcpy(head->signature, p + YX_HASH_BYTES + 8, YX_SIG_BYTES);
out:
	cursor_done(txn, cur);
	return ret;
}

int yx_store_arrivals(yx_store_t *s, uint64_t after, yx_arrival_fn fn, void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	uint8_t key[8];
	yx_arena_t arena;
	int ret, rc;
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	yx_arena_init(&arena);
	if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_ARRIVAL], &cur), "cursor")))
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
		if (oid >= s->n_origins && (ret = load_origins(s, txn)))
			goto out;
		if (oid >= s->n_origins ||
		    (ret = log_read_bytes(s, txn, oid, a.seq, &a.bytes, &a.len))) {
			ret = ret ? ret : YX_ECORRUPT;
			goto out;
		}
		if (yx_change_decode_in(&arena, a.bytes, a.len, &c) != YX_OK) {
			ret = YX_ECORRUPT;
			goto out;
		}
		a.origin = s->origins[oid];
		a.change = c;
		ret = fn(arg, &a);
		yx_arena_reset(&arena);
		if (ret)
			goto out;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		ret = lmdb_error(rc, "arrivals");
out:
	cursor_done(txn, cur);
	yx_arena_free(&arena);
	return ret;
}

int yx_store_hash(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                  uint8_t hash[YX_HASH_BYTES])
{
	MDB_txn *txn = NULL;
	uint32_t oid;
	int ret = txn_begin(s, false, &txn);
	if (ret)
		return ret;
	if ((ret = origin_lookup(s, txn, origin, &oid)) == YX_OK)
		ret = seq ? log_hash(s, txn, oid, seq, hash) : YX_ENOTFOUND;
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
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	if ((ret = load_origins(s, txn)))
		goto out;
	vec->tips = calloc(s->n_origins ? s->n_origins : 1, sizeof(yx_tip_t));
	if (!vec->tips) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_VECTOR], &cur), "cursor")))
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
	}
	if (rc != MDB_NOTFOUND)
		ret = lmdb_error(rc, "vector");
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

int yx_store_tip(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], yx_tip_t *tip)
{
	MDB_txn *txn = NULL;
	uint32_t oid;
	int ret;
	if ((ret = txn_begin(s, false, &txn)))
		return ret;
	if ((ret = origin_lookup(s, txn, origin, &oid)) == YX_OK &&
	    (ret = tip_read(s, txn, oid, &tip->seq, tip->hash)) == YX_OK) {
		memcpy(tip->origin, origin, YX_KEY_BYTES);
		if (tip->seq == 0)
			ret = YX_ENOTFOUND;
	}
	mdb_txn_abort(txn);
	return ret;
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

int yx_store_node_key(yx_store_t *s, uint8_t key[YX_KEY_BYTES])
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int ret = txn_begin(s, false, &txn);
	if (ret)
		return ret;
	ret = db_get(txn, s->dbi[DB_META], "node", 4, &v);
	if (ret == YX_OK && v.mv_size != YX_KEY_BYTES)
		ret = YX_ECORRUPT;
	if (ret == YX_OK)
		memcpy(key, v.mv_data, YX_KEY_BYTES);
	mdb_txn_abort(txn);
	return ret;
}

size_t yx_remote_filled(const yx_remote_t *r)
{
	return r ? r->filled : 0;
}

size_t yx_store_holes(yx_store_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                      uint64_t *seqs, size_t max)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	uint8_t key[HOLE_KEY];
	uint32_t oid;
	size_t n = 0;
	if (txn_begin(s, false, &txn))
		return 0;
	if (origin_lookup(s, txn, origin, &oid) || mdb_cursor_open(txn, s->dbi[DB_META], &cur))
		goto out;
	hole_key(key, oid, from);
	MDB_val k = {HOLE_KEY, key}, v;
	for (int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && n < max;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != HOLE_KEY || memcmp(k.mv_data, key, 8) != 0)
			break; /* past this origin's holes */
		seqs[n++] = be64_get((const uint8_t *)k.mv_data + 8);
	}
out:
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
}

int yx_store_fence(yx_store_t *s, bool on)
{
	MDB_txn *txn = NULL;
	if (s->writing)
		return YX_EBUSY;
	int ret = txn_begin(s, true, &txn);
	if (ret)
		return ret;
	if (on) {
		uint8_t one = 1;
		ret = db_put(txn, s->dbi[DB_META], "fenced", 6, &one, 1, 0);
	} else {
		MDB_val k = {6, (void *)"fenced"};
		int rc = mdb_del(txn, s->dbi[DB_META], &k, NULL);
		ret = rc == MDB_NOTFOUND ? YX_OK : lmdb_error(rc, "fence");
	}
	if (ret) {
		mdb_txn_abort(txn);
		return ret;
	}
	return lmdb_error(mdb_txn_commit(txn), "fence");
}

int yx_store_fenced(yx_store_t *s, bool *fenced)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int ret = txn_begin(s, false, &txn);
	if (ret)
		return ret;
	ret = db_get(txn, s->dbi[DB_META], "fenced", 6, &v);
	mdb_txn_abort(txn);
	*fenced = ret == YX_OK;
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

/* Re-derives every hash of one origin's log and checks each stored head against it. */
static int verify_origin(yx_store_t *s, MDB_txn *txn, uint32_t oid, yx_diag_t *diag)
{
	MDB_cursor *cur = NULL, *hcur = NULL;
	MDB_val k, v, hk, hv;
	uint8_t key[12], prev[YX_HASH_BYTES] = {0}, digest[YX_HASH_BYTES], hash[YX_HASH_BYTES];
	uint64_t expect = 1, tip;
	uint8_t tip_hash[YX_HASH_BYTES];
	char who[17];
	int ret, rc, hrc;

	hex8(s->origins[oid], who);
	if ((ret = tip_read(s, txn, oid, &tip, tip_hash)))
		return ret;
	if ((ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_LOG], &cur), "cursor")) ||
	    (ret = lmdb_error(mdb_cursor_open(txn, s->dbi[DB_HEADS], &hcur), "cursor")))
		goto out;
	log_key(key, oid, 1);
	k = (MDB_val){12, key};
	hk = (MDB_val){12, key};
	hrc = mdb_cursor_get(hcur, &hk, &hv, MDB_SET_RANGE);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), expect++) {
		if (k.mv_size != 12 || be32_get(k.mv_data) != oid)
			break;
		uint64_t seq = be64_get((const uint8_t *)k.mv_data + 4);
		const uint8_t *p = v.mv_data;
		if (seq != expect || v.mv_size < LOG_HDR) {
			ret = yx_diag_set(diag, YX_ECHAIN, "origin %s: log entry %llu missing", who,
			                  (unsigned long long)expect);
			goto out;
		}
		if (p[0] & LOG_FLAG_STUB) {
			memcpy(digest, p + LOG_D, YX_HASH_BYTES);
		} else {
			Yrdx__Change *c = NULL;
			yx_chain_digest(p + LOG_HDR, v.mv_size - LOG_HDR, digest);
			if (memcmp(digest, p + LOG_D, YX_HASH_BYTES) != 0) {
				ret = yx_diag_set(diag, YX_ECORRUPT,
				                  "origin %s seq %llu: change bytes "
				                  "do not match their stored digest",
				                  who, (unsigned long long)seq);
				goto out;
			}
			ret = yx_change_decode(p + LOG_HDR, v.mv_size - LOG_HDR, &c);
			if (ret == YX_OK)
				ret = verify_change(s->origins[oid], seq, prev, c, who, diag);
			else
				yx_diag_set(diag, ret, "origin %s seq %llu: undecodable change",
				            who, (unsigned long long)seq);
			yx_change_free(&c);
			if (ret)
				goto out;
		}
		yx_chain_link(prev, digest, hash);
		if (memcmp(hash, p + LOG_H, YX_HASH_BYTES) != 0) {
			ret = yx_diag_set(diag, YX_ECHAIN,
			                  "origin %s seq %llu: stored hash does not "
			                  "follow from seq %llu",
			                  who, (unsigned long long)seq,
			                  (unsigned long long)(seq - 1));
			goto out;
		}
		memcpy(prev, hash, YX_HASH_BYTES);
		/* Heads come in seq order too: check the one at this seq, if any. */
		while (hrc == 0 && hk.mv_size == 12 && be32_get(hk.mv_data) == oid &&
		       be64_get((const uint8_t *)hk.mv_data + 4) <= seq) {
			yx_head_t h;
			const uint8_t *hp = hv.mv_data;
			memcpy(h.origin, s->origins[oid], YX_KEY_BYTES);
			h.seq = be64_get((const uint8_t *)hk.mv_data + 4);
			if (hv.mv_size != HEAD_VAL || h.seq != seq) {
				ret = yx_diag_set(diag, YX_ECORRUPT,
				                  "origin %s: head at seq %llu is "
				                  "malformed or has no log entry",
				                  who, (unsigned long long)h.seq);
				goto out;
			}
			memcpy(h.hash, hp, YX_HASH_BYTES);
			h.time_ms = (int64_t)be64_get(hp + YX_HASH_BYTES);
			memcpy(h.signature, hp + YX_HASH_BYTES + 8, YX_SIG_BYTES);
			if (memcmp(h.hash, hash, YX_HASH_BYTES) != 0 ||
			    yx_head_verify(&h) != YX_OK) {
				ret = yx_diag_set(diag, YX_ESIG,
				                  "origin %s: head at seq %llu does not "
				                  "verify",
				                  who, (unsigned long long)seq);
				goto out;
			}
			hrc = mdb_cursor_get(hcur, &hk, &hv, MDB_NEXT);
		}
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		ret = lmdb_error(rc, "verify");
		goto out;
	}
	if (expect - 1 != tip || memcmp(prev, tip_hash, YX_HASH_BYTES) != 0)
		ret = yx_diag_set(diag, YX_ECHAIN,
		                  "origin %s: log ends at seq %llu but the vector "
		                  "says %llu",
		                  who, (unsigned long long)(expect - 1), (unsigned long long)tip);
out:
	if (cur)
		mdb_cursor_close(cur);
	if (hcur)
		mdb_cursor_close(hcur);
	return ret;
}

int yx_store_verify(yx_store_t *s, yx_diag_t *diag)
{
	MDB_txn *txn = NULL;
	int ret = txn_begin(s, false, &txn);
	if (ret)
		return ret;
	if ((ret = load_origins(s, txn)) == YX_OK)
		for (uint32_t oid = 0; oid < s->n_origins && ret == YX_OK; oid++)
			ret = verify_origin(s, txn, oid, diag);
	mdb_txn_abort(txn);
	return ret;
}

int yx_store_backup(yx_store_t *s, const char *dest, yx_diag_t *diag)
{
	char path[4200];
	struct stat st;
	if (mkdir(dest, 0700) != 0 && errno != EEXIST)
		return yx_diag_set(diag, -errno, "%s: %s", dest, strerror(errno));
	snprintf(path, sizeof(path), "%s/data.mdb", dest);
	if (stat(path, &st) == 0)
		return yx_diag_set(diag, -EEXIST, "%s already holds a store; refusing to overwrite",
		                   dest);
	/* mdb_env_copy2 reads one snapshot in a read transaction: writers are not blocked. */
	int ret = lmdb_error(mdb_env_copy2(s->env, dest, MDB_CP_COMPACT), "backup");
	if (ret == YX_ENOSPC)
		return yx_diag_set(diag, ret, "backup to %s: disk full (no space left there)",
		                   dest);
	if (ret)
		return yx_diag_set(diag, ret, "backup to %s: %s", dest, yx_strerror(ret));
	/* A node started on this copy, however it gets there, must not write before it
	 * holds its own log again (the daemon's fence). */
	yx_store_t *copy = NULL;
	if ((ret = yx_store_open(dest, 0, 0, &copy, diag)) == YX_OK)
		ret = yx_store_fence(copy, true);
	yx_store_close(&copy);
	if (ret)
		return yx_diag_set(diag, ret, "backup to %s: marking the copy: %s", dest,
		                   yx_strerror(ret));
	return YX_OK;
}

int yx_store_set_map_size(yx_store_t *s, size_t map_size)
{
	if (s->writing)
		return YX_EBUSY;
	if (map_size == 0)
		return YX_EINVAL;
	return lmdb_error(mdb_env_set_mapsize(s->env, map_round(map_size)), "map size");
}

int yx_store_room(yx_store_t *s, uint64_t need)
{
	uint64_t used = 0, map = 0;
	int ret = yx_store_usage(s, &used, &map);
	if (ret)
		return ret;
	if (used + need > map)
		return YX_EMAPFULL;
	if (env_free_bytes(s->env) < need)
		return YX_ENOSPC;
	return YX_OK;
}

int yx_store_usage(yx_store_t *s, uint64_t *used, uint64_t *map)
{
	MDB_envinfo info;
	MDB_stat st;
	int ret = lmdb_error(mdb_env_info(s->env, &info), "env info");
	if (ret == YX_OK)
		ret = lmdb_error(mdb_env_stat(s->env, &st), "env stat");
	if (ret)
		return ret;
	*used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	*map = info.me_mapsize;
	return YX_OK;
}
