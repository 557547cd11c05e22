/* Sync benchmarks' helpers, run by tests/bench/sync.py:
 *
 *   bench_sync raw-zmq N RECORD_BYTES BATCH
 *       The raw transport limit: two processes, DEALER -> ROUTER over TCP loopback with
 *       CURVE, carrying N records of RECORD_BYTES in messages of BATCH records (the
 *       sizes a sync segment has). Prints records/s.
 *   bench_sync raw-lmdb DIR N RECORD_BYTES TXN_RECORDS
 *       The raw storage limit: LMDB appending N values of RECORD_BYTES under sequential
 *       keys, TXN_RECORDS per durable transaction. Prints records/s.
 *   bench_sync latency CONTROL_PATH PEER_ENDPOINT PEER_KEY PROBE_KEYFILE ORIGIN_KEY N
 *       Commit-to-visible latency through a chain: puts one enterprise at a time through
 *       the origin node's control socket and waits until the last node of the chain
 *       pushes that change to this probe (a trusted peer subscribed to the origin there),
 *       which it does right after its own durable commit. Prints p50 and p99 in ms.
 *   bench_sync wait-tip STORE_DIR ORIGIN_KEY N
 *       Waits (up to 10 minutes) until the store, opened read-only beside its running
 *       node, holds ORIGIN's changes up to seq N, checking every millisecond from this
 *       one process (spawning a command per check would take CPU from the nodes being
 *       measured). Prints the CLOCK_MONOTONIC time it saw the tip, in seconds.
 *   bench_sync wait-tips DEADLINE_S
 *       The same for a whole federation, from one process: reads from stdin the tips to
 *       wait for ("ORIGIN_KEY SEQ HASH_HEX" lines), an empty line, then one store
 *       directory per line; checks every 50 ms which stores hold every one of those tips
 *       (that seq, that hash) and prints "INDEX TIME" (the line's 0-based index, the
 *       CLOCK_MONOTONIC time it was seen) as each does; exits 1 if some store has not
 *       by CLOCK_MONOTONIC DEADLINE_S. */
#include <czmq.h>
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"
#include "fixtures.h"
#include "keys.h"
#include "store.h"
#include "wire.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The receiving process of raw-zmq: counts messages, answers "done" after the last. */
static int raw_zmq_recv(int port, const char *secret_hex, long messages)
{
	uint8_t sk[32];
	if (sodium_hex2bin(sk, 32, secret_hex, 64, NULL, NULL, NULL) != 0)
		return 2;
	zsys_handler_set(NULL);
	zsock_t *r = zsock_new(ZMQ_ROUTER);
	zsock_set_curve_server(r, 1);
	zsock_set_curve_secretkey_bin(r, sk);
	zsock_set_rcvhwm(r, 1000);
	if (zsock_bind(r, "tcp://127.0.0.1:%d", port) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	long got = 0;
	zframe_t *id = NULL;
	while (got < messages) {
		zframe_destroy(&id);
		id = zframe_recv(r);
		zframe_t *f = zframe_recv(r);
		if (!f)
			return 1;
		got++;
		zframe_destroy(&f);
	}
	zframe_send(&id, r, ZFRAME_MORE);
	zstr_send(r, "done");
	zclock_sleep(100); /* let "done" leave before the context goes */
	zsock_destroy(&r);
	return 0;
}

static int raw_zmq(const char *self, long n, long record_bytes, long batch)
{
	uint8_t server_pk[32], server_sk[32], client_pk[32], client_sk[32];
	char sk_hex[65], port_s[16], messages_s[32], line[16];
	crypto_box_keypair(server_pk, server_sk);
	crypto_box_keypair(client_pk, client_sk);
	sodium_bin2hex(sk_hex, sizeof(sk_hex), server_sk, 32);
	long messages = (n + batch - 1) / batch;
	size_t msg_bytes = (size_t)(batch * record_bytes);
	int port = 20000 + getpid() % 20000;
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(messages_s, sizeof(messages_s), "%ld", messages);
	int out[2];
	if (pipe(out))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		execl(self, self, "raw-zmq-recv", port_s, sk_hex, messages_s, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	FILE *child = fdopen(out[0], "r");
	if (!fgets(line, sizeof(line), child) || strcmp(line, "ready\n") != 0)
		return 1;
	zsys_handler_set(NULL);
	zsock_t *d = zsock_new(ZMQ_DEALER);
	zsock_set_curve_serverkey_bin(d, server_pk);
	zsock_set_curve_publickey_bin(d, client_pk);
	zsock_set_curve_secretkey_bin(d, client_sk);
	zsock_set_sndhwm(d, 1000);
	zsock_connect(d, "tcp://127.0.0.1:%d", port);
	uint8_t *payload = malloc(msg_bytes);
	randombytes_buf(payload, msg_bytes);
	double t0 = now_s();
	for (long i = 0; i < messages; i++) {
		zframe_t *f = zframe_new(payload, msg_bytes);
		zframe_send(&f, d, 0);
	}
	char *done = zstr_recv(d);
	double t = now_s() - t0;
	zstr_free(&done);
	zsock_destroy(&d);
	free(payload);
	waitpid(pid, NULL, 0);
	fclose(child);
	printf("raw_zmq_curve: %.0f records/s\n", (double)n / t);
	return 0;
}

static int raw_lmdb(const char *dir, long n, long record_bytes, long txn_records)
{
	MDB_env *env;
	MDB_dbi dbi;
	uint8_t *val = calloc(1, (size_t)record_bytes);
	mkdir(dir, 0700);
	mdb_env_create(&env);
	mdb_env_set_mapsize(env, (size_t)16 << 30);
	if (mdb_env_open(env, dir, 0, 0600))
		return 1;
	double t0 = now_s();
	for (long i = 0; i < n; i += txn_records) {
		MDB_txn *txn;
		mdb_txn_begin(env, NULL, 0, &txn);
		mdb_dbi_open(txn, NULL, 0, &dbi);
		for (long j = i; j < i + txn_records && j < n; j++) {
			uint8_t key[12] = {0};
			for (int k = 0; k < 8; k++)
				key[4 + k] = (uint8_t)((uint64_t)j >> (56 - 8 * k));
			memcpy(val, &j, sizeof(j));
			MDB_val k = {12, key}, v = {(size_t)record_bytes, val};
			if (mdb_put(txn, dbi, &k, &v, MDB_APPEND))
				return 1;
		}
		if (mdb_txn_commit(txn))
			return 1;
	}
	double t = now_s() - t0;
	mdb_env_close(env);
	free(val);
	printf("raw_lmdb_append: %.0f records/s\n", (double)n / t);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int latency(char **argv)
{
	const char *control = argv[0], *endpoint = argv[1];
	uint8_t peer_key[32], origin[32], peer_curve[32], cpk[32], csk[32];
	yx_identity_t *probe = NULL;
	yx_diag_t diag;
	int n = atoi(argv[5]);
	if (yx_pubkey_parse(argv[2], peer_key, &diag) || yx_pubkey_parse(argv[4], origin, &diag) ||
	    yx_identity_load(argv[3], &probe, &diag) || yx_pubkey_to_curve(peer_key, peer_curve) ||
	    yx_identity_curve_keys(probe, cpk, csk)) {
		fprintf(stderr, "bench_sync latency: bad arguments\n");
		return 2;
	}
	zsys_handler_set(NULL);
	zsock_t *sub = zsock_new(ZMQ_DEALER);
	zsock_set_curve_serverkey_bin(sub, peer_curve);
	zsock_set_curve_publickey_bin(sub, cpk);
	zsock_set_curve_secretkey_bin(sub, csk);
	zsock_connect(sub, "%s", endpoint);
	/* Subscribe to the origin at the chain's last node, from its current tip. */
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Hello h = YRDX__HELLO__INIT;
	h.name = "probe";
	h.credit = 1000000;
	h.session = 1;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;
	yx_wire_send(sub, NULL, &m.base, NULL);
	uint64_t tip = 0;
	zframe_t *frame = NULL;
	zpoller_t *poller = zpoller_new(sub, NULL);
	if (!zpoller_wait(poller, 5000) || yx_wire_recv(sub, NULL, &frame)) {
		fprintf(stderr, "bench_sync latency: no answer from %s\n", endpoint);
		return 1;
	}
	Yrdx__PeerMessage *r = yx_wire_peer_message(frame, NULL);
	for (size_t i = 0; r && r->tips && r->tips->vector && i < r->tips->vector->n_entries; i++)
		if (memcmp(r->tips->vector->entries[i]->origin.data, origin, 32) == 0)
			tip = r->tips->vector->entries[i]->seq;
	yrdx__peer_message__free_unpacked(r, NULL);
	zframe_destroy(&frame);
	Yrdx__Pull pull = YRDX__PULL__INIT;
	pull.origin = (ProtobufCBinaryData){32, origin};
	pull.from_seq = tip + 1;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_PULL;
	m.pull = &pull;
	yx_wire_send(sub, NULL, &m.base, NULL);

	yx_ctl_t *ctl = NULL;
	if (yx_ctl_open(control, &ctl)) {
		fprintf(stderr, "bench_sync latency: no control socket %s\n", control);
		return 1;
	}
	double *ms = calloc((size_t)n, sizeof(double));
	for (int i = 0; i < n; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT, *cp = &c;
		Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
		Yrdx__PutRequest put = YRDX__PUT_REQUEST__INIT;
		Yrdx__ControlReply *reply = NULL;
		fx_enterprise_init(&f, 5000000 + (uint32_t)i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		put.changes = &cp;
		put.n_changes = 1;
		req.req_case = YRDX__CONTROL_REQUEST__REQ_PUT;
		req.put = &put;
		double t0 = now_s();
		if (yx_ctl_call(ctl, &req, 5000, &reply) || reply->error || !reply->head) {
			fprintf(stderr, "bench_sync latency: put failed\n");
			return 1;
		}
		uint64_t want = reply->head->seq;
		yrdx__control_reply__free_unpacked(reply, NULL);
		for (bool seen = false; !seen;) {
			if (!zpoller_wait(poller, 5000)) {
				fprintf(stderr, "bench_sync latency: seq %llu never arrived\n",
				        (unsigned long long)want);
				return 1;
			}
			if (yx_wire_recv(sub, NULL, &frame))
				continue;
			r = yx_wire_peer_message(frame, NULL);
			if (r && r->msg_case == YRDX__PEER_MESSAGE__MSG_SEGMENT &&
			    r->segment->batch && r->segment->batch->head &&
			    r->segment->batch->head->seq >= want)
				seen = true;
			if (r)
				yrdx__peer_message__free_unpacked(r, NULL);
			zframe_destroy(&frame);
		}
		ms[i] = (now_s() - t0) * 1000;
		/* keep the probe's credit topped up */
		Yrdx__Credit cr = YRDX__CREDIT__INIT;
		cr.credit = 1;
		m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
		m.credit = &cr;
		yx_wire_send(sub, NULL, &m.base, NULL);
	}
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	printf("latency_p50: %.3f ms\n", ms[n / 2]);
	printf("latency_p99: %.3f ms\n", ms[(int)(n * 0.99)]);
	free(ms);
	yx_ctl_close(&ctl);
	zpoller_destroy(&poller);
	zsock_destroy(&sub);
	yx_identity_free(&probe);
	return 0;
}

static int wait_tip(const char *dir, const char *origin_text, long n)
{
	uint8_t origin[YX_KEY_BYTES];
	yx_diag_t diag;
	yx_store_t *store = NULL;
	if (yx_pubkey_parse(origin_text, origin, &diag) ||
	    yx_store_open(dir, YX_STORE_READONLY, 0, &store, &diag)) {
		fprintf(stderr, "bench_sync: %s\n", diag.msg);
		return 2;
	}
	double deadline = now_s() + 600;
	yx_tip_t tip = {0};
	while (now_s() < deadline) {
		if (yx_store_tip(store, origin, &tip) == YX_OK && tip.seq >= (uint64_t)n) {
			printf("reached: %.6f s\n", now_s());
			yx_store_close(&store);
			return 0;
		}
		usleep(1000);
	}
	fprintf(stderr, "bench_sync: tip %llu after 10 minutes, waiting for %ld\n",
	        (unsigned long long)tip.seq, n);
	yx_store_close(&store);
	return 1;
}

#define WAIT_TIPS_MAX 4096

static int wait_tips(double deadline)
{
	static yx_tip_t want[WAIT_TIPS_MAX];
	static yx_store_t *stores[WAIT_TIPS_MAX];
	static char dirs[WAIT_TIPS_MAX][1024];
	size_t n_want = 0, n_dirs = 0, done = 0;
	char line[1200];
	yx_diag_t diag;
	while (fgets(line, sizeof(line), stdin) && line[0] != '\n' && n_want < WAIT_TIPS_MAX) {
		char key[128], hex[2 * YX_HASH_BYTES + 1];
		unsigned long long seq;
		if (sscanf(line, "%127s %llu %64s", key, &seq, hex) != 3 ||
		    yx_pubkey_parse(key, want[n_want].origin, &diag) ||
		    sodium_hex2bin(want[n_want].hash, YX_HASH_BYTES, hex, strlen(hex), NULL, NULL,
		                   NULL) != 0) {
			fprintf(stderr, "bench_sync: bad tip line: %s", line);
			return 2;
		}
		want[n_want++].seq = seq;
	}
	while (fgets(line, sizeof(line), stdin) && n_dirs < WAIT_TIPS_MAX) {
		line[strcspn(line, "\n")] = 0;
		if (strlen(line) >= sizeof(dirs[0])) {
			fprintf(stderr, "bench_sync: store path too long: %s\n", line);
			return 2;
		}
		if (line[0])
			memcpy(dirs[n_dirs++], line, strlen(line) + 1);
	}
	while (done < n_dirs && now_s() < deadline) {
		for (size_t i = 0; i < n_dirs; i++) {
			if (!dirs[i][0])
				continue;
			if (!stores[i] &&
			    yx_store_open(dirs[i], YX_STORE_READONLY, 0, &stores[i], &diag))
				continue; /* not there yet, or being upgraded: later */
			size_t held = 0;
			for (size_t k = 0; k < n_want; k++) {
				yx_tip_t tip;
				held += yx_store_tip(stores[i], want[k].origin, &tip) == YX_OK &&
				        tip.seq == want[k].seq &&
				        memcmp(tip.hash, want[k].hash, YX_HASH_BYTES) == 0;
			}
			if (held == n_want) {
				printf("%zu %.6f\n", i, now_s());
				fflush(stdout);
				yx_store_close(&stores[i]);
				dirs[i][0] = 0;
				done++;
			}
		}
		usleep(50000);
	}
	for (size_t i = 0; i < n_dirs; i++)
		yx_store_close(&stores[i]);
	return done == n_dirs ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (yx_crypto_init())
		return 1;
	if (argc == 5 && strcmp(argv[1], "raw-zmq") == 0)
		return raw_zmq(argv[0], atol(argv[2]), atol(argv[3]), atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "raw-zmq-recv") == 0)
		return raw_zmq_recv(atoi(argv[2]), argv[3], atol(argv[4]));
	if (argc == 6 && strcmp(argv[1], "raw-lmdb") == 0)
		return raw_lmdb(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
	if (argc == 8 && strcmp(argv[1], "latency") == 0)
		return latency(argv + 2);
	if (argc == 5 && strcmp(argv[1], "wait-tip") == 0)
		return wait_tip(argv[2], argv[3], atol(argv[4]));
	if (argc == 3 && strcmp(argv[1], "wait-tips") == 0)
		return wait_tips(atof(argv[2]));
	fprintf(stderr, "usage: see the comment at the top of bench_sync.c\n");
	return 2;
}
