/* store_db: what every store file stands on — LMDB's errors translated into the project's
 * (map full, disk full, corruption), transactions, get and put, the named databases and
 * the flags each is made with, and the table that gives each origin its 4-byte local
 * number. It calls nothing of the other store files. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "log.h"
#include "store_int.h"

/* Less than this left on the store's filesystem after a failed write: the disk is full. */
#define DISK_FULL_SLACK (4u << 20)

/* ---- LMDB's errors and transactions --------------------------------------------------- */

/* Free bytes of the filesystem holding env's files, for this process; UINT64_MAX if
 * unknown. */
uint64_t yxs_env_free_bytes(MDB_env *env)
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
int yxs_error_in(MDB_env *env, int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS: return YX_OK;
	case MDB_NOTFOUND: return YX_ENOTFOUND;
	case MDB_MAP_FULL: return YX_EMAPFULL;
	case ENOSPC:
	case EDQUOT: return YX_ENOSPC;
	case EIO:
		if (yxs_env_free_bytes(env) < DISK_FULL_SLACK)
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
int yxs_error(int rc, const char *what)
{
	return yxs_error_in(NULL, rc, what);
}

/* Errors of calls that write into txn. */
int yxs_write_error(MDB_txn *txn, int rc, const char *what)
{
	return rc ? yxs_error_in(mdb_txn_env(txn), rc, what) : YX_OK;
}

/* Commits txn: its pages written and synced, durable on return. */
int yxs_txn_commit(MDB_env *env, MDB_txn *txn)
{
	return yxs_error_in(env, mdb_txn_commit(txn), "commit");
}

int yxs_txn_begin(yx_store_t *s, bool write, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
	if (rc == MDB_READERS_FULL) {
		/* Slots of readers that died without closing: reclaim and retry once. */
		int dead = 0;
		mdb_reader_check(s->env, &dead);
		rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn);
	}
	rc = yxs_error(rc, "begin transaction");
	/* A write txn that interned an origin may have been aborted since: the table is read
	 * again before the next write, or that origin's id would be used without its row. */
	if (rc == YX_OK && write && s->origins_unsure) {
		if ((rc = yxs_origins_load(s, *txn))) {
			mdb_txn_abort(*txn);
			*txn = NULL;
			return rc;
		}
		s->origins_unsure = false;
	}
	return rc;
}

int yxs_get(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, MDB_val *val)
{
	MDB_val k = {klen, (void *)key};
	return yxs_error(mdb_get(txn, dbi, &k, val), "get");
}

int yxs_put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen,
            unsigned flags)
{
	MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
	return yxs_write_error(txn, mdb_put(txn, dbi, &k, &v, flags), "put");
}

/* ---- open / close ---------------------------------------------------------------- */

static const char *const db_names[DB_COUNT] = {
        "meta",          "origins",  "heads",        "vector",  "state",     "idx_credit",
        "idx_incubator", "idx_park", "idx_industry", "arrival", "retracted",
};

const char *yxs_db_name(int db)
{
	return db_names[db];
}

int yxs_db_open(yx_store_t *s, MDB_txn *txn, int db)
{
	/* An index entry is a duplicate of its term: LMDB packs a term's log keys 12 bytes
	 * each, where a key per entry cost a node header and the term again (an incubator's
	 * index was 29 MB for 410,000 enterprises, 8.8 MB so). The flags count only when
	 * the database is made. */
	bool index = db == DB_IDX_CREDIT || db == DB_IDX_INCUBATOR || db == DB_IDX_PARK ||
	             db == DB_IDX_INDUSTRY;
	unsigned flags = (s->readonly ? 0 : MDB_CREATE) | (index ? MDB_DUPSORT | MDB_DUPFIXED : 0);
	int rc = mdb_dbi_open(txn, db_names[db], flags, &s->dbi[db]);
	return rc == MDB_NOTFOUND ? YX_ENOTFOUND : yxs_error(rc, "open database");
}

int yxs_origins_load(yx_store_t *s, MDB_txn *txn)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, s->dbi[DB_ORIGINS], &cur);
	if (rc)
		return yxs_error(rc, "open cursor");
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
	return rc == MDB_NOTFOUND ? YX_OK : yxs_error(rc, "read origins");
}

/* ---- origins ----------------------------------------------------------------------- */

/* Local id of origin, or YX_ENOTFOUND. Re-reads the table on a miss, since another
 * process may have added origins since this handle loaded it. */
int yxs_origin_lookup(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES], uint32_t *id)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < s->n_origins; i++)
			if (memcmp(s->origins[i], origin, YX_KEY_BYTES) == 0) {
				*id = i;
				return YX_OK;
			}
		if (pass == 0) {
			int ret = yxs_origins_load(s, txn);
			if (ret)
				return ret;
		}
	}
	return YX_ENOTFOUND;
}

/* Local id of origin, assigning the next one inside txn if new. The in-memory table is
 * extended at once and marked unsure: if txn is aborted, the next write txn re-reads it. */
int yxs_origin_intern(yx_store_t *s, MDB_txn *txn, const uint8_t origin[YX_KEY_BYTES], uint32_t *id)
{
	int ret = yxs_origin_lookup(s, txn, origin, id);
	if (ret != YX_ENOTFOUND)
		return ret;
	if (s->n_origins >= MAX_ORIGINS) {
		yx_log_error("store: a store holds the logs of at most %d origins", MAX_ORIGINS);
		return YX_ETOOBIG;
	}
	uint8_t key[4];
	be32_put(key, s->n_origins);
	if ((ret = yxs_put(txn, s->dbi[DB_ORIGINS], key, 4, origin, YX_KEY_BYTES, 0)))
		return ret;
	memcpy(s->origins[s->n_origins], origin, YX_KEY_BYTES);
	*id = s->n_origins++;
	s->origins_unsure = true;
	return YX_OK;
}

/* A local id read from a key or an arrival may be newer than this handle's table (another
 * process added the origin): one re-read, then it must be there. */
const uint8_t *yxs_origin_key(yx_store_t *s, MDB_txn *txn, uint32_t oid)
{
	if (oid >= s->n_origins && yxs_origins_load(s, txn) != YX_OK)
		return NULL;
	return oid < s->n_origins ? s->origins[oid] : NULL;
}

/* ---- meta values of their own (charter, fence, rotation) ---------------------------- */

int yxs_meta_get(yx_store_t *s, const char *key, uint8_t **val, size_t *len)
{
	MDB_txn *txn = NULL;
	MDB_val v;
	*val = NULL;
	*len = 0;
	int ret = yxs_txn_begin(s, false, &txn);
	if (ret)
		return ret;
	ret = yxs_get(txn, s->dbi[DB_META], key, strlen(key), &v);
	if (ret == YX_OK && !(*val = malloc(v.mv_size ? v.mv_size : 1)))
		ret = -ENOMEM;
	if (ret == YX_OK) {
		memcpy(*val, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	mdb_txn_abort(txn);
	return ret;
}

int yxs_meta_set(yx_store_t *s, const char *key, const void *val, size_t len)
{
	MDB_txn *txn = NULL;
	if (s->readonly)
		return -EROFS;
	if (s->writing)
		return YX_EBUSY;
	int ret = yxs_txn_begin(s, true, &txn);
	if (ret)
		return ret;
	if (val) {
		ret = yxs_put(txn, s->dbi[DB_META], key, strlen(key), val, len, 0);
	} else {
		MDB_val k = {strlen(key), (void *)key};
		int rc = mdb_del(txn, s->dbi[DB_META], &k, NULL);
		ret = rc == MDB_NOTFOUND ? YX_OK : yxs_write_error(txn, rc, key);
	}
	if (ret) {
		mdb_txn_abort(txn);
		return ret;
	}
	return yxs_txn_commit(s->env, txn);
}
