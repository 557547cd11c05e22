/* Local append throughput: N enterprise records appended durably in batches through the
 * store's write-batch API (validate, encode, hash-chain, sign heads, state + indexes), in
 * random credit-code order. Beside it, in the same run, the raw limit: LMDB alone
 * appending the same number of same-sized values with sequential keys, durable, in the
 * same transaction size.
 *
 *   bench_append DIR [N] [BATCH]        prints "name: value unit" lines */
#include <errno.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixtures.h"
#include "store.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* i -> a permutation of [0, n): credit codes arrive in no particular order. */
static uint32_t shuffled(uint32_t i, uint32_t n)
{
	return (uint32_t)(((uint64_t)i * 2654435761u + 12345) % n);
}

/* The stored size of the first change, envelope included. */
static int first_size(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t *hash,
                      const uint8_t *digest, const uint8_t *bytes, size_t len)
{
	(void)seq;
	(void)kind;
	(void)hash;
	(void)digest;
	(void)bytes;
	*(size_t *)arg = len;
	return 1;
}

static double bench_store(const char *dir, uint32_t n, uint32_t batch_size, size_t *bytes)
{
	yx_store_t *s = NULL;
	yx_identity_t *id = NULL;
	yx_diag_t d;
	if (yx_store_open(dir, YX_STORE_CREATE, 0, &s, &d) || yx_identity_generate(&id)) {
		fprintf(stderr, "bench_append: open %s: %s\n", dir, d.msg);
		exit(1);
	}
	/* Records are made before the clock starts: this measures the store, not the
	 * fixture's snprintf. */
	fx_enterprise_t *recs = calloc(n, sizeof(*recs));
	if (!recs)
		exit(1);
	for (uint32_t j = 0; j < n; j++)
		fx_enterprise_init(&recs[j], shuffled(j, n));
	*bytes = 0;
	double t0 = now_s();
	for (uint32_t i = 0; i < n; i += batch_size) {
		yx_batch_t *b = NULL;
		if (yx_batch_begin(s, id, &b))
			exit(1);
		for (uint32_t j = i; j < i + batch_size && j < n; j++) {
			Yrdx__Change c = YRDX__CHANGE__INIT;
			yx_change_set_body(&c, YX_KIND_ENTERPRISE, &recs[j].e);
			c.id = recs[j].code;
			if (yx_batch_put(b, &c, &d)) {
				fprintf(stderr, "bench_append: %s\n", d.msg);
				exit(1);
			}
		}
		int ret = yx_batch_commit(&b, NULL);
		if (ret) {
			fprintf(stderr, "bench_append: commit: %s\n", yx_strerror(ret));
			exit(1);
		}
	}
	double t = now_s() - t0;
	yx_tip_t tip;
	yx_store_log_iterate(s, yx_identity_public(id), 1, first_size, bytes);
	if (yx_store_tip(s, yx_identity_public(id), &tip) || tip.seq != n) {
		fprintf(stderr, "bench_append: store holds %llu, expected %u\n",
		        (unsigned long long)tip.seq, n);
		exit(1);
	}
	yx_store_close(&s);
	yx_identity_free(&id);
	free(recs);
	return n / t;
}

static double bench_raw_lmdb(const char *dir, uint32_t n, uint32_t batch_size, size_t vlen)
{
	MDB_env *env;
	MDB_dbi dbi;
	char *val = calloc(1, vlen);
	mdb_env_create(&env);
	mdb_env_set_mapsize(env, (size_t)8 << 30);
	if (mdb_env_open(env, dir, 0, 0600)) {
		fprintf(stderr, "bench_append: raw open failed\n");
		exit(1);
	}
	double t0 = now_s();
	for (uint32_t i = 0; i < n; i += batch_size) {
		MDB_txn *txn;
		mdb_txn_begin(env, NULL, 0, &txn);
		mdb_dbi_open(txn, NULL, 0, &dbi);
		for (uint32_t j = i; j < i + batch_size && j < n; j++) {
			uint8_t key[8];
			for (int k = 0; k < 8; k++)
				key[k] = (uint8_t)((uint64_t)j >> (56 - 8 * k));
			memcpy(val, &j, sizeof(j));
			MDB_val k = {8, key}, v = {vlen, val};
			if (mdb_put(txn, dbi, &k, &v, MDB_APPEND))
				exit(1);
		}
		if (mdb_txn_commit(txn))
			exit(1);
	}
	double t = now_s() - t0;
	mdb_env_close(env);
	free(val);
	return n / t;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_append DIR [N] [BATCH]\n");
		return 2;
	}
	uint32_t n = argc > 2 ? (uint32_t)atol(argv[2]) : 1000000;
	uint32_t batch = argc > 3 ? (uint32_t)atol(argv[3]) : 100000;
	char store_dir[4096], raw_dir[4096];
	snprintf(store_dir, sizeof(store_dir), "%s/store", argv[1]);
	snprintf(raw_dir, sizeof(raw_dir), "%s/raw", argv[1]);
	if (yx_crypto_init() || (mkdir(argv[1], 0700) && errno != EEXIST))
		return 1;
	size_t bytes = 0;
	double store_rate = bench_store(store_dir, n, batch, &bytes);
	if (mkdir(raw_dir, 0700) && errno != EEXIST)
		return 1;
	double raw_rate = bench_raw_lmdb(raw_dir, n, batch, bytes + 65);
	printf("append_records: %u records\n", n);
	printf("append_batch: %u records\n", batch);
	printf("append_record_size: %zu bytes\n", bytes);
	printf("append_throughput: %.0f records/s\n", store_rate);
	printf("raw_lmdb_append_throughput: %.0f records/s\n", raw_rate);
	printf("append_vs_raw: %.2f ratio\n", store_rate / raw_rate);
	return 0;
}
