/* store: the store's environment — opening, schema and its upgrade — and its meta: node
 * key, fence mark, backup, map size and room. The other jobs live beside it: store_db.c
 * (LMDB's errors, transactions, get/put, the databases, the origins table, under all
 * the others), store_log.c (log entries, heads, tips, holes), store_state.c (current
 * versions and indexes), store_write.c (batches and received segments), store_read.c
 * (reads); verification policy lives in verify.c. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "store_int.h"

/* The schemas this build upgrades in place: 2 keyed index entries by state key; 3 had no
 * record of retractions (every log's tombstones are read once to make it); up to 6 kept
 * every origin's log in one database (split first: the other steps read the logs); up
 * to 7 kept each index entry as a key of its own (the indexes are made anew). */
#define SCHEMA_REINDEX      2
#define SCHEMA_NO_RETRACTED 3
#define SCHEMA_HOLE_KEYS    4
#define SCHEMA_LOG_SHARED   6 /* and before: every origin's log in one database */
#define SCHEMA_INDEX_KEYS   7 /* and before: an index entry was a key of its own */
#define SCHEMA_WHOLE_LOGS   8 /* and before: log entries kept whole, with their D */

/* Checks the store's schema version, upgrading an older one it knows in txn (*upgraded
 * then says so). */
static int check_schema(yx_store_t *s, MDB_txn *txn, bool fresh, bool *upgraded, yx_diag_t *diag)
{
	MDB_val v;
	uint8_t buf[4];
	int ret = yxs_get(txn, s->dbi[DB_META], "schema", 6, &v);
	if (ret == YX_ENOTFOUND && fresh) {
		be32_put(buf, YX_SCHEMA_VERSION);
		return yxs_put(txn, s->dbi[DB_META], "schema", 6, buf, 4, 0);
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
	if (version >= SCHEMA_REINDEX && version < YX_SCHEMA_VERSION && !s->readonly) {
		if ((version > SCHEMA_LOG_SHARED && version <= SCHEMA_WHOLE_LOGS &&
		     (ret = yxs_logs_gather(s, txn))) ||
		    (ret = yxs_logs_split(s, txn)))
			return yx_diag_set(diag, ret, "upgrading the store's logs: %s",
			                   yx_strerror(ret));
		if (version <= SCHEMA_INDEX_KEYS && (ret = yxs_reindex(s, txn)))
			return yx_diag_set(diag, ret, "upgrading the store's indexes: %s",
			                   yx_strerror(ret));
		if (version <= SCHEMA_NO_RETRACTED && (ret = yxs_retracted_rebuild(s, txn)))
			return yx_diag_set(diag, ret, "upgrading the store's retractions: %s",
			                   yx_strerror(ret));
		if ((ret = yxs_holes_drop(s, txn)))
			return yx_diag_set(diag, ret, "upgrading the store's stub holes: %s",
			                   yx_strerror(ret));
		be32_put(buf, YX_SCHEMA_VERSION);
		if ((ret = yxs_put(txn, s->dbi[DB_META], "schema", 6, buf, 4, 0)))
			return ret;
		yx_log_info("store: upgraded from schema version %u to %u", version,
		            YX_SCHEMA_VERSION);
		*upgraded = true;
		return YX_OK;
	}
	if (version < YX_SCHEMA_VERSION)
		return yx_diag_set(
		        diag, YX_ESCHEMA, "store schema version %u is older than this build's %u%s",
		        version, YX_SCHEMA_VERSION,
		        version >= SCHEMA_REINDEX ? " (yrdxd upgrades it when it starts)" : "");
	return YX_OK;
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
	int ret = yxs_error(mdb_env_info(s->env, &info), "env info");
	if (ret == YX_OK && info.me_mapsize < DEFAULT_MAP_SIZE)
		ret = yxs_error(mdb_env_set_mapsize(s->env, DEFAULT_MAP_SIZE), "map size");
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
	if ((ret = yxs_error(mdb_env_create(&s->env), "create environment")))
		goto out;
	/* and the shared log of schema 6 and before, while it is split */
	mdb_env_set_maxdbs(s->env, DB_COUNT + MAX_ORIGINS + 1);
	mdb_env_set_maxreaders(s->env, 254);
	if (map_size || fresh)
		mdb_env_set_mapsize(s->env, map_round(map_size ? map_size : DEFAULT_MAP_SIZE));
	ret = yxs_error_in(s->env,
	                   mdb_env_open(s->env, dir, (readonly ? MDB_RDONLY : 0) | MDB_NOTLS, 0600),
	                   "open environment");
	if (ret) {
		yx_diag_set(diag, ret, "%s: cannot open store: %s", dir, yx_strerror(ret));
		goto out;
	}
	if (readonly && !map_size && (ret = reader_map_widen(s)))
		goto out;
	if (!readonly && map_size)
		map_check(s, dir, map_size);
	if ((ret = yxs_txn_begin(s, !readonly, &txn)))
		goto out;
	bool missing = false; /* a database a newer schema added: check_schema says so */
	for (int i = 0; i < DB_COUNT; i++) {
		ret = yxs_db_open(s, txn, i);
		if (ret == YX_ENOTFOUND && i == DB_RETRACTED) {
			missing = true;
			continue;
		}
		if (ret == YX_ENOTFOUND) {
			ret = yx_diag_set(diag, YX_ESCHEMA, "%s: store has no \"%s\" database", dir,
			                  yxs_db_name(i));
			goto out;
		}
		if (ret)
			goto out;
	}
	int logs = yxs_logs_open(s, txn); /* made here unless read-only */
	if (logs != YX_OK && logs != YX_ENOTFOUND) {
		ret = logs;
		goto out;
	}
	bool upgraded = false;
	if ((ret = check_schema(s, txn, fresh, &upgraded, diag)))
		goto out;
	if (logs == YX_ENOTFOUND) {
		ret = yx_diag_set(diag, YX_ESCHEMA, "%s: store has no \"log.0\" database", dir);
		goto out;
	}
	if (missing) {
		ret = yx_diag_set(diag, YX_ESCHEMA, "%s: store has no \"%s\" database", dir,
		                  yxs_db_name(DB_RETRACTED));
		goto out;
	}
	if ((ret = yxs_origins_load(s, txn)) || (ret = yxs_signers_load(s, txn)))
		goto out;
	/* Committed even when read-only: database handles opened in an aborted txn close. */
	ret = yxs_txn_commit(s->env, txn);
	txn = NULL;
	if (ret)
		goto out;
	if (upgraded) {
		/* LMDB keeps the pages an upgrade's one large transaction made dirty (the whole
		 * log, when it was split) for later transactions, as long as the environment is
		 * open: opened anew, the daemon does not carry them for its lifetime. */
		yx_store_close(&s);
		return yx_store_open(dir, flags, map_size, out, diag);
	}
	*out = s;
	s = NULL;
out:
	if (txn)
		mdb_txn_abort(txn);
	yx_store_close(&s);
	return ret;
}

void yx_store_set_rules(yx_store_t *store, const yx_rules_t *rules)
{
	if (rules)
		store->rules = *rules;
	else
		memset(&store->rules, 0, sizeof(store->rules));
}

void yx_store_close(yx_store_t **store)
{
	if (!store || !*store)
		return;
	yx_store_t *s = *store;
	if (s->env)
		mdb_env_close(s->env);
	free(s->origins);
	free(s->fills);
	yx_arena_free(&s->segment_arena);
	yxs_pending_free(&s->write_set);
	free(s);
	*store = NULL;
}

/* ---- meta: node key, fence, backup, map ------------------------------------------------ */

int yx_store_node_key(yx_store_t *s, uint8_t key[YX_KEY_BYTES])
{
	MDB_txn *txn = NULL;
	MDB_val v;
	int ret = yxs_txn_begin(s, false, &txn);
	if (ret)
		return ret;
	ret = yxs_get(txn, s->dbi[DB_META], "node", 4, &v);
	if (ret == YX_OK && v.mv_size != YX_KEY_BYTES)
		ret = YX_ECORRUPT;
	if (ret == YX_OK)
		memcpy(key, v.mv_data, YX_KEY_BYTES);
	mdb_txn_abort(txn);
	return ret;
}

int yx_store_charter_get(yx_store_t *s, uint8_t **bytes, size_t *len)
{
	return yxs_meta_get(s, "charter", bytes, len);
}

int yx_store_charter_put(yx_store_t *s, const uint8_t *bytes, size_t len)
{
	return yxs_meta_set(s, "charter", bytes, len);
}

int yx_store_fence(yx_store_t *s, bool on)
{
	static const uint8_t one = 1;
	return yxs_meta_set(s, "fenced", on ? &one : NULL, 1);
}

int yx_store_fenced(yx_store_t *s, bool *fenced)
{
	uint8_t *v = NULL;
	size_t len;
	int ret = yxs_meta_get(s, "fenced", &v, &len);
	free(v);
	*fenced = ret == YX_OK;
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

int yx_store_backup(yx_store_t *s, const char *dest, yx_diag_t *diag)
{
	char path[4200];
	struct stat st;
	if (mkdir(dest, 0700) != 0 && errno != EEXIST)
		return yx_diag_set(diag, -errno, "%s: %s", dest, strerror(errno));
	/* The copy holds every record, confidential figures included: owner-only, the
	 * directory too, whatever the umask and whatever mode an existing one had. */
	if (stat(dest, &st) != 0)
		return yx_diag_set(diag, -errno, "%s: %s", dest, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return yx_diag_set(diag, -ENOTDIR, "%s: not a directory", dest);
	if ((st.st_mode & 077) && chmod(dest, st.st_mode & 0700) != 0)
		return yx_diag_set(diag, -errno, "%s: cannot make it owner-only: %s", dest,
		                   strerror(errno));
	snprintf(path, sizeof(path), "%s/data.mdb", dest);
	/* Created here, 0600 and never over an existing store; LMDB's own copy would create
	 * it 0666 less the umask. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return yx_diag_set(diag, -EEXIST, "%s already holds a store; refusing to overwrite",
		                   dest);
	if (fd < 0)
		return yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
	/* mdb_env_copyfd2 reads one snapshot in a read transaction: writers are not
	 * blocked. */
	int ret = yxs_error(mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT), "backup");
	if (ret == YX_OK && fsync(fd) != 0)
		ret = yxs_error(errno, "backup");
	if (close(fd) != 0 && ret == YX_OK)
		ret = yxs_error(errno, "backup");
	if (ret)
		unlink(path); /* a partial copy is no backup */
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
	return yxs_error(mdb_env_set_mapsize(s->env, map_round(map_size)), "map size");
}

int yx_store_room(yx_store_t *s, uint64_t need)
{
	uint64_t used = 0, map = 0;
	int ret = yx_store_usage(s, &used, &map);
	if (ret)
		return ret;
	if (used + need > map)
		return YX_EMAPFULL;
	if (yxs_env_free_bytes(s->env) < need)
		return YX_ENOSPC;
	return YX_OK;
}

uint64_t yx_store_fill_gen(const yx_store_t *s)
{
	return s->fill_gen;
}

int yx_store_usage(yx_store_t *s, uint64_t *used, uint64_t *map)
{
	MDB_envinfo info;
	MDB_stat st;
	int ret = yxs_error(mdb_env_info(s->env, &info), "env info");
	if (ret == YX_OK)
		ret = yxs_error(mdb_env_stat(s->env, &st), "env stat");
	if (ret)
		return ret;
	*used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	*map = info.me_mapsize;
	return YX_OK;
}
