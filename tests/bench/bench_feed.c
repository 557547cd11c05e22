/* Feed delivery benchmarks, run by tests/bench/feed.py:
 *
 *   bench_feed yrdx CONTROL PARK_KEYFILE FEED_ENDPOINT FEED_NODE_KEY DEST_KEY PARK_ID CODES N
 *       Proposes N relay cases at the origin node (CONTROL: its control socket), one
 *       enterprise each (CODES: a file of N credit codes in its registry), pipelined, for
 *       PARK_ID at the destination node DEST_KEY; meanwhile follows the park's feed at a
 *       node FEED_ENDPOINT (key FEED_NODE_KEY) under PARK_KEYFILE, in a thread of its
 *       own. Each PROPOSE is answered after its durable commit at the origin (proposals
 *       queued together share one). Prints events/s (first request to last delivery) and
 *       the latency from each request to the park's delivery, p50 and p99.
 *   bench_feed nats URL N BYTES
 *       The same shape on NATS JetStream: a file-backed stream, N messages of BYTES
 *       published asynchronously, a durable pull consumer with explicit acks fetching them.
 *       Prints messages/s and publish-to-consumer latency p50/p99. */
#include <czmq.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "ctlclient.h"
#include "keys.h"
#include "relay.h"
#include "wire.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *prefix, const char *unit, long n, double t0, double t_end,
                   double *lat)
{
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("%s_throughput: %.0f %s/s\n", prefix, n / ((t_end - t0) / 1e3), unit);
	printf("%s_latency_p50: %.3f ms\n", prefix, lat[n / 2]);
	printf("%s_latency_p99: %.3f ms\n", prefix, lat[(long)(n * 0.99)]);
}

static zsock_t *curve_dealer(const char *endpoint, const char *server_key_text, const char *keyfile)
{
	uint8_t server[32], server_curve[32], pub[32], sec[32];
	yx_identity_t *id = NULL;
	yx_diag_t diag;
	if (yx_pubkey_parse(server_key_text, server, &diag) ||
	    yx_pubkey_to_curve(server, server_curve) || yx_identity_load(keyfile, &id, &diag) ||
	    yx_identity_curve_keys(id, pub, sec))
		return NULL;
	yx_identity_free(&id);
	zsock_t *s = zsock_new(ZMQ_DEALER);
	zsock_set_curve_serverkey_bin(s, server_curve);
	zsock_set_curve_publickey_bin(s, pub);
	zsock_set_curve_secretkey_bin(s, sec);
	zsock_set_rcvhwm(s, 0);
	zsock_set_sndhwm(s, 0);
	zsock_connect(s, "%s", endpoint);
	return s;
}

/* The park's side of the yrdx run, in a thread of its own as on the JetStream side: reads
 * only each event's envelope, the id "<origin>/<seq>", notes when it came, and gives each
 * batch's credit back as yrdx-feed does (the node holds a park to feed/credit_max events
 * in flight, whatever credit it asks for). */
typedef struct {
	zsock_t *feed;
	long n;
	uint64_t *seq;
	double *at;
	double t_end;
	int err;
} park_t;

static void *follow(void *arg)
{
	park_t *p = arg;
	zpoller_t *poller = zpoller_new(p->feed, NULL);
	long delivered = 0;
	while (delivered < p->n) {
		if (!zpoller_wait(poller, 10000)) {
			fprintf(stderr, "bench_feed: feed stalled at %ld events\n", delivered);
			p->err = 1;
			break;
		}
		zframe_t *frame = NULL;
		while (yx_wire_recv(p->feed, NULL, &frame) == YX_OK) {
			Yrdx__FeedMessage *m = yrdx__feed_message__unpack(NULL, zframe_size(frame),
			                                                  zframe_data(frame));
			size_t k = m && m->msg_case == YRDX__FEED_MESSAGE__MSG_BATCH
			                   ? m->batch->n_events
			                   : 0;
			double at = now_ms();
			for (size_t i = 0; i < k && delivered < p->n; i++) {
				const char *slash = strrchr(m->batch->events[i]->event_id, '/');
				if (!slash)
					continue;
				p->seq[delivered] = strtoull(slash + 1, NULL, 10);
				p->at[delivered++] = p->t_end = at;
			}
			if (m)
				yrdx__feed_message__free_unpacked(m, NULL);
			zframe_destroy(&frame);
			if (k) {
				Yrdx__FeedMessage ack = YRDX__FEED_MESSAGE__INIT;
				Yrdx__FeedAck a = YRDX__FEED_ACK__INIT;
				a.credit = (uint32_t)k;
				ack.msg_case = YRDX__FEED_MESSAGE__MSG_ACK;
				ack.ack = &a;
				yx_wire_send(p->feed, NULL, &ack.base, NULL);
			}
		}
	}
	zpoller_destroy(&poller);
	return NULL;
}

static int bench_yrdx(char **a, long n)
{
	const char *control = a[0], *park_key = a[1], *feed_ep = a[2], *feed_node = a[3];
	const char *dest_text = a[4], *park_id = a[5], *codes_path = a[6];
	uint8_t dest[32];
	yx_diag_t diag;
	char(*codes)[19] = calloc((size_t)n, 19);
	double *sent = calloc((size_t)n, sizeof(double)), *lat = calloc((size_t)n, sizeof(double));
	uint64_t *reply_seq = calloc((size_t)n, sizeof(uint64_t));
	park_t park = {
	        NULL, n, calloc((size_t)n, sizeof(uint64_t)), calloc((size_t)n, sizeof(double)),
	        0,    0};
	FILE *f = fopen(codes_path, "r");
	if (!codes || !sent || !lat || !reply_seq || !park.seq || !park.at || !f ||
	    yx_pubkey_parse(dest_text, dest, &diag))
		return 2;
	for (long i = 0; i < n; i++)
		if (fscanf(f, "%18s", codes[i]) != 1)
			return 2;
	fclose(f);

	park.feed = curve_dealer(feed_ep, feed_node, park_key);
	zsock_t *ctl = zsock_new(ZMQ_DEALER);
	if (!park.feed || !ctl || zsock_connect(ctl, "ipc://%s", control) != 0)
		return 1;
	zsock_set_sndhwm(ctl, 0);
	zsock_set_rcvhwm(ctl, 0);
	Yrdx__FeedMessage fm = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedSubscribe sub = YRDX__FEED_SUBSCRIBE__INIT;
	sub.after = 0;
	sub.credit = (uint32_t)n + 16;
	fm.msg_case = YRDX__FEED_MESSAGE__MSG_SUBSCRIBE;
	fm.subscribe = &sub;
	yx_wire_send(park.feed, NULL, &fm.base, NULL);
	pthread_t thread;
	pthread_create(&thread, NULL, follow, &park);

	/* Pipelined requests: up to WINDOW outstanding at the origin's control socket. A
	 * reply names the case "<node>-<seq>"; the seq pairs it with the park's event. */
	enum { WINDOW = 256 };
	long next = 0, replies = 0;
	double t0 = now_ms();
	zpoller_t *poller = zpoller_new(ctl, NULL);
	while (replies < n) {
		while (next < n && next - replies < WINDOW) {
			Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
			Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
			q.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
			q.credit_code = codes[next];
			q.park_id = (char *)park_id;
			q.destination.data = dest;
			q.destination.len = 32;
			req.req_case = YRDX__CONTROL_REQUEST__REQ_RELAY;
			req.relay = &q;
			sent[next] = now_ms();
			yx_wire_send(ctl, NULL, &req.base, NULL);
			next++;
		}
		if (!zpoller_wait(poller, 10000)) {
			fprintf(stderr, "bench_feed: stalled at %ld replies\n", replies);
			return 1;
		}
		zframe_t *frame = NULL;
		while (yx_wire_recv(ctl, NULL, &frame) == YX_OK) {
			Yrdx__ControlReply *r = yx_wire_control_reply(frame);
			uint8_t fp[YX_CASE_FP_BYTES];
			uint64_t seq = 0;
			if (!r || r->error || replies >= n ||
			    !yx_case_id_parse(r->case_id, &seq, fp)) {
				fprintf(stderr, "bench_feed: propose failed: %s\n",
				        r ? r->message : "?");
				return 1;
			}
			/* The case id names its PROPOSE's seq. Answers come in request order,
			 * with rising seqs. */
			reply_seq[replies] = seq;
			if (replies && reply_seq[replies] <= reply_seq[replies - 1]) {
				fprintf(stderr, "bench_feed: case seqs out of order\n");
				return 1;
			}
			replies++;
			yrdx__control_reply__free_unpacked(r, NULL);
			zframe_destroy(&frame);
		}
	}
	pthread_join(thread, NULL);
	if (park.err)
		return 1;
	/* Each event's latency: from the request whose answer carried its seq (a binary
	 * search: seqs rise with the requests). */
	for (long i = 0; i < n; i++) {
		long lo = 0, hi = replies - 1;
		while (lo < hi) {
			long mid = (lo + hi) / 2;
			if (reply_seq[mid] < park.seq[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		if (reply_seq[lo] != park.seq[i]) {
			fprintf(stderr, "bench_feed: event seq %llu was never requested\n",
			        (unsigned long long)park.seq[i]);
			return 1;
		}
		lat[i] = park.at[i] - sent[lo];
	}
	report("yrdx_feed", "events", n, t0, park.t_end, lat);
	zpoller_destroy(&poller);
	zsock_destroy(&park.feed);
	zsock_destroy(&ctl);
	free(codes);
	free(sent);
	free(lat);
	free(reply_seq);
	free(park.seq);
	free(park.at);
	return 0;
}

#define NATS_CHECK(expr)                                                                        \
	do {                                                                                    \
		natsStatus s_ = (expr);                                                         \
		if (s_ != NATS_OK) {                                                            \
			fprintf(stderr, "bench_feed: %s: %s\n", #expr, natsStatus_GetText(s_)); \
			return 1;                                                               \
		}                                                                               \
	} while (0)

typedef struct {
	natsSubscription *sub;
	long n;
	double *lat;
	double t_end;
	int err;
} consumer_t;

/* The durable pull consumer, in a thread of its own as a park's client would be. */
static void *consume(void *arg)
{
	consumer_t *c = arg;
	long delivered = 0;
	jsErrCode jerr = 0;
	while (delivered < c->n) {
		natsMsgList list = {0};
		natsStatus st = natsSubscription_Fetch(&list, c->sub, 256, 10000, &jerr);
		if (st == NATS_TIMEOUT)
			continue;
		if (st != NATS_OK) {
			c->err = 1;
			return NULL;
		}
		for (int i = 0; i < list.Count; i++) {
			double t;
			memcpy(&t, natsMsg_GetData(list.Msgs[i]), sizeof(t));
			if (delivered < c->n)
				c->lat[delivered++] = now_ms() - t;
			natsMsg_Ack(list.Msgs[i], NULL);
		}
		c->t_end = now_ms();
		natsMsgList_Destroy(&list);
	}
	return NULL;
}

static int bench_nats(const char *url, long n, long bytes)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	jsStreamConfig sc;
	jsErrCode jerr = 0;
	jsSubOptions so;
	consumer_t c = {NULL, n, calloc((size_t)n, sizeof(double)), 0, 0};
	char *payload = calloc(1, (size_t)bytes);
	pthread_t thread;
	if (!c.lat || !payload || bytes < 16)
		return 2;
	NATS_CHECK(natsConnection_ConnectTo(&nc, url));
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = 256; /* the same window as the yrdx producer */
	NATS_CHECK(natsConnection_JetStream(&js, nc, &jo));
	jsStreamConfig_Init(&sc);
	sc.Name = "RELAY";
	const char *subjects[] = {"relay.>"};
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	js_DeleteStream(js, "RELAY", NULL, NULL);
	NATS_CHECK(js_AddStream(NULL, js, &sc, NULL, &jerr));
	jsSubOptions_Init(&so);
	so.Config.AckPolicy = js_AckExplicit;
	NATS_CHECK(js_PullSubscribe(&c.sub, js, "relay.park", "park", NULL, &so, &jerr));
	pthread_create(&thread, NULL, consume, &c);
	double t0 = now_ms();
	for (long i = 0; i < n; i++) {
		double t = now_ms();
		memcpy(payload, &t, sizeof(t));
		NATS_CHECK(js_PublishAsync(js, "relay.park", payload, (int)bytes, NULL));
	}
	NATS_CHECK(js_PublishAsyncComplete(js, NULL));
	pthread_join(thread, NULL);
	if (c.err)
		return 1;
	report("nats_jetstream", "messages", n, t0, c.t_end, c.lat);
	natsSubscription_Destroy(c.sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	free(c.lat);
	free(payload);
	return 0;
}

int main(int argc, char **argv)
{
	if (yx_crypto_init())
		return 1;
	zsys_handler_set(NULL);
	if (argc == 10 && strcmp(argv[1], "yrdx") == 0)
		return bench_yrdx(argv + 2, atol(argv[9]));
	if (argc == 5 && strcmp(argv[1], "nats") == 0)
		return bench_nats(argv[2], atol(argv[3]), atol(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of bench_feed.c\n");
	return 2;
}
