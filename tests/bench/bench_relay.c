/* Relay-step benchmarks, run by tests/bench/relay.py:
 *
 *   bench_relay propose CONTROL DEST_KEY PARK_ID CODES N
 *       Proposes N relay cases at a node (CONTROL: its control socket), one enterprise
 *       each (CODES: a file of N credit codes in its registry), pipelined so that they
 *       share group commits, for PARK_ID at the node DEST_KEY: how a store comes to hold
 *       N relay events quickly. Prints the case ids, one a line.
 *   bench_relay step CONTROL TYPE CASE...
 *       Writes relay step TYPE (accept, decline, ...) of each CASE in turn at a node,
 *       each answered after its durable commit, and prints the milliseconds from request
 *       to answer of each: the daemon's side of `yrdxctl relay TYPE`, without the
 *       process start.
 *   bench_relay feed-step FEED_ENDPOINT NODE_KEY PARK_KEYFILE TYPE CASE...
 *       The same through a node's feed port, as the park of PARK_KEYFILE acting on cases
 *       addressed to it (accept or decline), over one CURVE connection: the daemon's side
 *       of `yrdx-feed TYPE CASE`. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "keys.h"
#include "wire.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static zsock_t *control(const char *path)
{
	zsock_t *s = zsock_new(ZMQ_DEALER);
	if (!s || zsock_connect(s, "ipc://%s", path) != 0)
		return NULL;
	zsock_set_sndhwm(s, 0);
	zsock_set_rcvhwm(s, 0);
	return s;
}

/* The next reply on s, within 60 s; NULL if none came. */
static Yrdx__ControlReply *next_reply(zsock_t *s, zpoller_t *poller)
{
	zframe_t *frame = NULL;
	if (!zpoller_wait(poller, 60000) || yx_wire_recv(s, NULL, &frame) != YX_OK)
		return NULL;
	Yrdx__ControlReply *r = yx_wire_control_reply(frame);
	zframe_destroy(&frame);
	return r;
}

/* A DEALER to a node's feed port under the park's key. */
static zsock_t *feed_dealer(const char *endpoint, const char *server_key_text, const char *keyfile)
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
	zsock_connect(s, "%s", endpoint);
	return s;
}

static Yrdx__RelayEventType type_named(const char *word)
{
	static const struct {
		const char *word;
		Yrdx__RelayEventType type;
	} types[] = {
	        {"accept", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT},
	        {"decline", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE},
	        {"land", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND},
	        {"withdraw", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW},
	        {"close", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].word, word) == 0)
			return types[i].type;
	return 0;
}

static int send_relay(zsock_t *s, Yrdx__RelayRequest *q)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_RELAY;
	req.relay = q;
	return yx_wire_send(s, NULL, &req.base, NULL);
}

static int propose(char **a, long n)
{
	enum { WINDOW = 256 };
	const char *dest_text = a[1], *park_id = a[2];
	uint8_t dest[32];
	yx_diag_t diag;
	char(*codes)[19] = calloc((size_t)n, 19);
	FILE *f = fopen(a[3], "r");
	zsock_t *s = control(a[0]);
	long next = 0, replies = 0;
	if (!codes || !f || !s || yx_pubkey_parse(dest_text, dest, &diag))
		return 2;
	for (long i = 0; i < n; i++)
		if (fscanf(f, "%18s", codes[i]) != 1)
			return 2;
	fclose(f);
	zpoller_t *poller = zpoller_new(s, NULL);
	while (replies < n) {
		for (; next < n && next - replies < WINDOW; next++) {
			Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
			q.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
			q.credit_code = codes[next];
			q.park_id = (char *)park_id;
			q.destination.data = dest;
			q.destination.len = 32;
			send_relay(s, &q);
		}
		Yrdx__ControlReply *r = next_reply(s, poller);
		if (!r || r->error) {
			fprintf(stderr, "bench_relay: propose failed: %s\n",
			        r ? r->message : "no answer");
			return 1;
		}
		printf("%s\n", r->case_id);
		replies++;
		yrdx__control_reply__free_unpacked(r, NULL);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&s);
	free(codes);
	return 0;
}

static int step(char **a, int n)
{
	Yrdx__RelayEventType type = type_named(a[1]);
	zsock_t *s = control(a[0]);
	if (!type || !s)
		return 2;
	zpoller_t *poller = zpoller_new(s, NULL);
	for (int i = 2; i < n; i++) {
		Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
		q.type = type;
		q.case_id = a[i];
		q.note = "";
		double t0 = now_ms();
		send_relay(s, &q);
		Yrdx__ControlReply *r = next_reply(s, poller);
		double t1 = now_ms();
		if (!r || r->error) {
			fprintf(stderr, "bench_relay: %s %s failed: %s\n", a[1], a[i],
			        r ? r->message : "no answer");
			return 1;
		}
		printf("%.3f\n", t1 - t0);
		yrdx__control_reply__free_unpacked(r, NULL);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&s);
	return 0;
}

static int feed_step(char **a, int n)
{
	Yrdx__RelayEventType type = type_named(a[3]);
	zsock_t *s = feed_dealer(a[0], a[1], a[2]);
	if (!type || !s)
		return 2;
	zpoller_t *poller = zpoller_new(s, NULL);
	for (int i = 4; i < n; i++) {
		Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
		Yrdx__FeedAction act = YRDX__FEED_ACTION__INIT;
		Yrdx__FeedMessage *r = NULL;
		act.type = type;
		act.case_id = a[i];
		act.note = "";
		m.msg_case = YRDX__FEED_MESSAGE__MSG_ACTION;
		m.action = &act;
		double t0 = now_ms();
		yx_wire_send(s, NULL, &m.base, NULL);
		while (!r && zpoller_wait(poller, 60000)) {
			zframe_t *frame = NULL;
			if (yx_wire_recv(s, NULL, &frame) != YX_OK)
				continue;
			r = yrdx__feed_message__unpack(NULL, zframe_size(frame),
			                               zframe_data(frame));
			zframe_destroy(&frame);
			if (r && r->msg_case != YRDX__FEED_MESSAGE__MSG_RESULT) {
				yrdx__feed_message__free_unpacked(r, NULL);
				r = NULL;
			}
		}
		double t1 = now_ms();
		if (!r || r->result->error) {
			fprintf(stderr, "bench_relay: feed %s %s failed: %s\n", a[3], a[i],
			        r ? r->result->message : "no answer");
			return 1;
		}
		printf("%.3f\n", t1 - t0);
		yrdx__feed_message__free_unpacked(r, NULL);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "propose") == 0)
		return propose(argv + 2, atol(argv[6]));
	if (argc >= 5 && strcmp(argv[1], "step") == 0)
		return step(argv + 2, argc - 2);
	if (argc >= 7 && strcmp(argv[1], "feed-step") == 0)
		return feed_step(argv + 2, argc - 2);
	fprintf(stderr, "usage: bench_relay propose CONTROL DEST_KEY PARK_ID CODES N\n"
	                "       bench_relay step CONTROL TYPE CASE...\n"
	                "       bench_relay feed-step FEED_ENDPOINT NODE_KEY PARK_KEYFILE TYPE "
	                "CASE...\n");
	return 2;
}
