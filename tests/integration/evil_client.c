/* evil_client: a hostile client of a node that is admitted, for the integration tests only.
 * It takes a trusted node's config (its key_file) or a park's key file, so its CURVE
 * handshake gets in, connects to the victim's peer port as a puller or to its feed port as
 * a park, and runs one attack until SIGTERM:
 *
 *   peer hello-origins N   one puller whose Hello (sent every second, like a heartbeat)
 *                          lists N invented origins
 *   peer credit-max N      N puller connections, each announcing credit 2^32-1 and
 *                          pulling every origin the victim's Tips name from seq 1, that
 *                          never read again
 *   feed subscribe-flood N one park connection sending N SUBSCRIBE(after=0) each second
 *   feed subscribe-conns N N park connections, each subscribing from 0 with credit 2^32-1,
 *                          that never read (an ACK of no credit each second keeps them)
 *   peer pull-order N      no attack: one puller that pulls every origin from seq 1,
 *                          then gives credit N (and each second what it read), and
 *                          prints each segment it gets, in order, as "segment ORIGIN
 *                          FROM LAST" (the origin's public key): the order in which the
 *                          server streams
 *
 *   evil_client (-c NODE.zpl | -k KEYFILE) peer|feed ENDPOINT SERVER_PUBKEY MODE N [SEED]
 *
 * It prints one line per round to stdout ("round R: ...") so a test can wait for it. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keys.h"
#include "wire.h"

#define MAX_CONNS 256

typedef struct {
	const char *endpoint;
	uint8_t server_curve[32], pub[32], sec[32];
	uint64_t n;
	uint64_t rng; /* xorshift64 state, from the seed */
	zsock_t *socks[MAX_CONNS];
	size_t n_socks;
} evil_t;

typedef int (*mode_fn)(evil_t *e, unsigned round);

static uint64_t rng_next(evil_t *e)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return e->rng;
}

/* A DEALER connected to the victim under our key. rcvhwm 1 and a small kernel buffer keep
 * what the victim sends in the victim's queues, not ours, once we stop reading. */
static zsock_t *evil_connect(evil_t *e, int rcvhwm)
{
	zsock_t *s = zsock_new(ZMQ_DEALER);
	if (!s)
		return NULL;
	zsock_set_curve_serverkey_bin(s, e->server_curve);
	zsock_set_curve_publickey_bin(s, e->pub);
	zsock_set_curve_secretkey_bin(s, e->sec);
	zsock_set_linger(s, 0);
	zsock_set_sndtimeo(s, 1000);
	if (rcvhwm) {
		zsock_set_rcvhwm(s, rcvhwm);
		zsock_set_rcvbuf(s, 4096);
	}
	if (zsock_connect(s, "%s", e->endpoint) < 0) {
		zsock_destroy(&s);
		return NULL;
	}
	return s;
}

static int send_peer(zsock_t *s, Yrdx__PeerMessage *m)
{
	return yx_wire_send(s, NULL, &m->base, NULL);
}

/* Reads and drops whatever is waiting on s. */
static void drain(zsock_t *s)
{
	zframe_t *f;
	while (zsock_events(s) & ZMQ_POLLIN) {
		if (yx_wire_recv(s, NULL, &f) != YX_OK)
			break;
		zframe_destroy(&f);
	}
}

/* ---- peer hello-origins N ---- */

static int hello_origins(evil_t *e, unsigned round)
{
	if (round == 0 && !(e->socks[e->n_socks++] = evil_connect(e, 0)))
		return -1;
	zsock_t *s = e->socks[0];
	size_t n = (size_t)e->n;
	Yrdx__VectorEntry *entries = calloc(n, sizeof(*entries));
	Yrdx__VectorEntry **ptrs = calloc(n, sizeof(*ptrs));
	uint8_t(*keys)[32] = calloc(n, 32);
	if (!entries || !ptrs || !keys) {
		free(entries), free(ptrs), free(keys);
		return -1;
	}
	uint64_t start = e->rng; /* the same invented origins every round */
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < 32; b += 8) {
			uint64_t r = rng_next(e);
			memcpy(keys[i] + b, &r, 8);
		}
		yrdx__vector_entry__init(&entries[i]);
		entries[i].origin = (ProtobufCBinaryData){32, keys[i]};
		entries[i].seq = 1 + i % 1000;
		ptrs[i] = &entries[i];
	}
	e->rng = start;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Hello h = YRDX__HELLO__INIT;
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	vec.entries = ptrs;
	vec.n_entries = n;
	h.name = "evil";
	h.vector = &vec;
	h.credit = 2;
	h.session = 0xe1e1e1e1u;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;
	size_t bytes = protobuf_c_message_get_packed_size(&m.base);
	int ret = send_peer(s, &m);
	drain(s);
	printf("round %u: Hello of %zu origins (%zu bytes): %s\n", round, n, bytes,
	       ret ? "not sent" : "sent");
	free(entries), free(ptrs), free(keys);
	return 0;
}

/* ---- peer credit-max N ---- */

static int send_hello(zsock_t *s, uint64_t session, uint32_t credit)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Hello h = YRDX__HELLO__INIT;
	h.name = "evil";
	h.credit = credit;
	h.session = session;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;
	return send_peer(s, &m);
}

/* If the victim's Tips are waiting on s, pulls every origin they name from seq 1 and
 * returns how many (the one read of this connection); else -1. */
static int pull_everything(zsock_t *s)
{
	zframe_t *f = NULL;
	int pulled = -1;
	if (!(zsock_events(s) & ZMQ_POLLIN) || yx_wire_recv(s, NULL, &f) != YX_OK)
		return -1;
	Yrdx__PeerMessage *m = yx_wire_peer_message(f, NULL);
	if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_TIPS && m->tips->vector) {
		pulled = 0;
		for (size_t i = 0; i < m->tips->vector->n_entries; i++) {
			Yrdx__PeerMessage q = YRDX__PEER_MESSAGE__INIT;
			Yrdx__Pull pull = YRDX__PULL__INIT;
			pull.origin = m->tips->vector->entries[i]->origin;
			pull.from_seq = 1;
			q.msg_case = YRDX__PEER_MESSAGE__MSG_PULL;
			q.pull = &pull;
			if (send_peer(s, &q) == YX_OK)
				pulled++;
		}
	}
	if (m)
		yrdx__peer_message__free_unpacked(m, NULL);
	zframe_destroy(&f);
	return pulled;
}

static int credit_max(evil_t *e, unsigned round)
{
	if (round == 0) {
		bool answered[MAX_CONNS] = {false};
		size_t n_answered = 0;
		int pulled = 0;
		if (e->n > MAX_CONNS)
			return -1;
		for (size_t i = 0; i < e->n; i++) {
			if (!(e->socks[e->n_socks++] = evil_connect(e, 1)))
				return -1;
			send_hello(e->socks[i], 0xc0ffee00u + i, UINT32_MAX);
		}
		/* Three seconds for the victim's answers; each connection reads one. */
		for (int64_t end = zclock_mono() + 3000;
		     zclock_mono() < end && !zsys_interrupted && n_answered < e->n_socks;) {
			for (size_t i = 0; i < e->n_socks; i++) {
				int n = answered[i] ? -1 : pull_everything(e->socks[i]);
				if (n >= 0) {
					answered[i] = true;
					n_answered++;
					pulled = n;
				}
			}
			zclock_sleep(20);
		}
		printf("round 0: %zu connections with credit %u, %zu answered, %d origins "
		       "pulled on each\n",
		       e->n_socks, UINT32_MAX, n_answered, pulled);
		return 0;
	}
	/* Heartbeats keep the sessions alive; nothing is ever read. */
	for (size_t i = 0; i < e->n_socks; i++)
		send_hello(e->socks[i], 0xc0ffee00u + i, UINT32_MAX);
	printf("round %u: heartbeats on %zu connections\n", round, e->n_socks);
	return 0;
}

/* ---- peer pull-order N ---- */

static int send_credit(zsock_t *s, uint32_t credit)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Credit cr = YRDX__CREDIT__INIT;
	cr.credit = credit;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
	m.credit = &cr;
	return send_peer(s, &m);
}

/* Prints the segment in frame f, if it is one. */
static size_t print_segment(zframe_t *f)
{
	size_t printed = 0;
	Yrdx__PeerMessage *m = yx_wire_peer_message(f, NULL);
	if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_SEGMENT && m->segment->batch &&
	    m->segment->batch->n_entries && m->segment->batch->origin.len == 32) {
		const Yrdx__LogBatch *b = m->segment->batch;
		char who[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(b->origin.data, who);
		printf("segment %s %llu %llu\n", who, (unsigned long long)b->entries[0]->seq,
		       (unsigned long long)b->entries[b->n_entries - 1]->seq);
		printed = 1;
	}
	if (m)
		yrdx__peer_message__free_unpacked(m, NULL);
	return printed;
}

static int pull_order(evil_t *e, unsigned round)
{
	static const uint64_t session = 0x0bde7000u;
	if (round == 0) {
		/* No credit until every origin is pulled: the server then chooses among them. */
		if (!(e->socks[e->n_socks++] = evil_connect(e, 0)) ||
		    send_hello(e->socks[0], session, 0) != YX_OK)
			return -1;
		int pulled = -1;
		for (int64_t end = zclock_mono() + 3000;
		     zclock_mono() < end && !zsys_interrupted && pulled < 0;)
			if ((pulled = pull_everything(e->socks[0])) < 0)
				zclock_sleep(20);
		if (pulled < 0 || send_credit(e->socks[0], (uint32_t)e->n) != YX_OK)
			return -1;
		printf("round 0: %d origins pulled, then credit %llu\n", pulled,
		       (unsigned long long)e->n);
		return 0;
	}
	zsock_t *s = e->socks[0];
	zframe_t *f;
	size_t segments = 0;
	while ((zsock_events(s) & ZMQ_POLLIN) && yx_wire_recv(s, NULL, &f) == YX_OK) {
		segments += print_segment(f);
		zframe_destroy(&f);
	}
	/* What was read is given back, as a puller does after its commit; and a heartbeat. */
	if ((segments && send_credit(s, (uint32_t)segments) != YX_OK) ||
	    send_hello(s, session, 0) != YX_OK)
		return -1;
	printf("round %u: %zu segments\n", round, segments);
	return 0;
}

/* ---- feed subscribe-flood N ---- */

static int subscribe_flood(evil_t *e, unsigned round)
{
	if (round == 0 && !(e->socks[e->n_socks++] = evil_connect(e, 0)))
		return -1;
	zsock_t *s = e->socks[0];
	uint64_t sent = 0;
	for (uint64_t i = 0; i < e->n; i++) {
		Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
		Yrdx__FeedSubscribe sub = YRDX__FEED_SUBSCRIBE__INIT;
		sub.after = 0;
		sub.credit = 64;
		m.msg_case = YRDX__FEED_MESSAGE__MSG_SUBSCRIBE;
		m.subscribe = &sub;
		if (yx_wire_send(s, NULL, &m.base, NULL) == YX_OK)
			sent++;
	}
	drain(s);
	printf("round %u: %llu SUBSCRIBE(after=0)\n", round, (unsigned long long)sent);
	return 0;
}

/* ---- feed subscribe-conns N ---- */

static int send_feed(zsock_t *s, Yrdx__FeedMessage *m)
{
	return yx_wire_send(s, NULL, &m->base, NULL);
}

static int subscribe_conns(evil_t *e, unsigned round)
{
	size_t sent = 0;
	if (round == 0 && e->n > MAX_CONNS)
		return -1;
	for (size_t i = 0; round == 0 && i < e->n; i++) {
		Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
		Yrdx__FeedSubscribe sub = YRDX__FEED_SUBSCRIBE__INIT;
		if (!(e->socks[e->n_socks++] = evil_connect(e, 1)))
			return -1;
		sub.credit = UINT32_MAX;
		m.msg_case = YRDX__FEED_MESSAGE__MSG_SUBSCRIBE;
		m.subscribe = &sub;
		sent += send_feed(e->socks[i], &m) == YX_OK;
	}
	for (size_t i = 0; round > 0 && i < e->n_socks; i++) {
		Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
		Yrdx__FeedAck ack = YRDX__FEED_ACK__INIT;
		m.msg_case = YRDX__FEED_MESSAGE__MSG_ACK;
		m.ack = &ack;
		sent += send_feed(e->socks[i], &m) == YX_OK;
	}
	printf("round %u: %zu connections, %zu %s sent\n", round, e->n_socks, sent,
	       round ? "ACKs" : "SUBSCRIBEs");
	return 0;
}

static const struct {
	const char *side, *name;
	mode_fn fn;
} modes[] = {
        {"peer", "hello-origins", hello_origins},     {"peer", "credit-max", credit_max},
        {"peer", "pull-order", pull_order},           {"feed", "subscribe-flood", subscribe_flood},
        {"feed", "subscribe-conns", subscribe_conns},
};

static int usage(void)
{
	fprintf(stderr, "usage: evil_client (-c NODE.zpl | -k KEYFILE) peer|feed ENDPOINT "
	                "SERVER_PUBKEY MODE N [SEED]\n"
	                "modes: peer hello-origins N, peer credit-max N, peer pull-order N, "
	                "feed subscribe-flood N, feed subscribe-conns N\n");
	return 2;
}

int main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	evil_t e = {0};
	uint8_t server[32];
	int ret = 1;
	if (argc < 8 || argc > 9 || (strcmp(argv[1], "-c") && strcmp(argv[1], "-k")))
		return usage();
	mode_fn fn = NULL;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[3], modes[i].side) == 0 && strcmp(argv[6], modes[i].name) == 0)
			fn = modes[i].fn;
	if (!fn)
		return usage();
	e.endpoint = argv[4];
	e.n = strtoull(argv[7], NULL, 10);
	e.rng = argc == 9 ? strtoull(argv[8], NULL, 10) : 1;
	if (e.rng == 0)
		e.rng = 1;
	const char *key_file = argv[2];
	if (yx_crypto_init() ||
	    (strcmp(argv[1], "-c") == 0 && yx_config_load(argv[2], &cfg, &diag))) {
		fprintf(stderr, "evil_client: %s\n", diag.msg);
		goto out;
	}
	if (cfg)
		key_file = cfg->key_file;
	if (yx_identity_load(key_file, &id, &diag) || yx_identity_curve_keys(id, e.pub, e.sec) ||
	    yx_pubkey_parse(argv[5], server, &diag) || yx_pubkey_to_curve(server, e.server_curve)) {
		fprintf(stderr, "evil_client: %s\n", diag.msg[0] ? diag.msg : "bad key");
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned round = 0; !zsys_interrupted; round++) {
		if (fn(&e, round)) {
			fprintf(stderr, "evil_client: %s %s failed in round %u\n", argv[3], argv[6],
			        round);
			goto out;
		}
		for (int64_t next = zclock_mono() + 1000;
		     !zsys_interrupted && zclock_mono() < next;)
			zclock_sleep(50);
	}
	ret = 0;
out:
	for (size_t i = 0; i < e.n_socks; i++)
		zsock_destroy(&e.socks[i]);
	yx_identity_free(&id);
	yx_config_free(&cfg);
	return ret;
}
