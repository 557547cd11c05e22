/* yrdx-feed: the client a partner park runs. It connects with CURVE to its city's node
 * feed port under its own key, receives the relay-incubation events the node decides it
 * may see, and hands each one on — NDJSON on stdout, or a command per event with the event
 * on stdin — before it advances a durable cursor. After a crash it resumes where it
 * stopped: every event at least once, with a stable event id to drop repeats.
 *
 *   yrdx-feed keygen FILE
 *   yrdx-feed [CONNECTION] [--state FILE] [--exec CMD] run
 *   yrdx-feed [CONNECTION] accept|decline CASE [--note TEXT]
 *   CONNECTION: --node tcp://HOST:PORT --node-key PUBKEY --key FILE */
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "json.h"
#include "keys.h"
#include "wire.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define CREDIT         64
#define RESUBSCRIBE_MS 5000 /* idle this long: reconnect and subscribe again */
#define RETRY_MS       1000 /* a failed --exec is retried after this */

static const char usage[] =
        "usage: yrdx-feed keygen FILE\n"
        "       yrdx-feed CONNECTION [--state FILE] [--exec CMD] run\n"
        "       yrdx-feed CONNECTION accept|decline CASE [--note TEXT]\n"
        "CONNECTION: --node tcp://HOST:PORT  the city node's feed port\n"
        "            --node-key PUBKEY       that node's public key (yrdxctl pubkey)\n"
        "            --key FILE              this park's key (yrdx-feed keygen; mode 0600)\n"
        "run prints each event addressed to this park as one JSON line (or runs CMD with\n"
        "the event on stdin: a non-zero exit retries it later, the cursor does not move),\n"
        "then records its cursor in --state FILE (default yrdx-feed.state), so a restart\n"
        "resumes where it stopped. Events carry a stable event_id for de-duplication.\n"
        "accept/decline acts on a case addressed to this park, as the destination city.\n";

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("yrdx-feed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static uint64_t state_read(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long cursor = 0;
	if (f) {
		if (fscanf(f, "%llu", &cursor) != 1)
			cursor = 0;
		fclose(f);
	}
	return cursor;
}

/* Durable before it returns: temporary file, fsync, rename. */
static int state_write(const char *path, uint64_t cursor)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)cursor);
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	close(fd);
	return rename(tmp, path) == 0 ? 0 : -errno;
}

/* Runs cmd with text on its stdin; its exit status (or -1). */
static int run_exec(const char *cmd, const char *text)
{
	int in[2];
	if (pipe(in))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	size_t len = strlen(text);
	ssize_t w = write(in[1], text, len);
	if (w == (ssize_t)len && write(in[1], "\n", 1) != 1)
		w = -1; /* one JSON line, as on stdout */
	close(in[1]);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || w != (ssize_t)len)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

typedef struct {
	const char *node, *node_key, *key_file, *state, *exec;
} opts_t;

static zsock_t *connect_node(const opts_t *o)
{
	uint8_t node[32], node_curve[32], pub[32], sec[32];
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	if (!o->node || !o->node_key || !o->key_file) {
		fail(EXIT_USAGE, "--node, --node-key and --key are required");
		return NULL;
	}
	if (yx_pubkey_parse(o->node_key, node, &diag) || yx_pubkey_to_curve(node, node_curve)) {
		fail(EXIT_USAGE, "--node-key: %s", diag.msg[0] ? diag.msg : "not an Ed25519 key");
		return NULL;
	}
	if (yx_identity_load(o->key_file, &id, &diag) != YX_OK) {
		fail(EXIT_USAGE, "%s", diag.msg);
		return NULL;
	}
	yx_identity_curve_keys(id, pub, sec);
	yx_identity_free(&id);
	zsock_t *s = zsock_new(ZMQ_DEALER);
	zsock_set_curve_serverkey_bin(s, node_curve);
	zsock_set_curve_publickey_bin(s, pub);
	zsock_set_curve_secretkey_bin(s, sec);
	zsock_set_linger(s, 1000);
	/* A FeedBatch is the largest message (wire.h): anything larger from a server that
	 * may not even have proved its key yet is refused as its header arrives. */
	zsock_set_maxmsgsize(s, (int)YX_MAX_WIRE_BYTES);
	sodium_memzero(sec, sizeof(sec));
	if (zsock_connect(s, "%s", o->node) != 0) {
		fail(EXIT_USAGE, "--node %s: not a ZeroMQ endpoint", o->node);
		zsock_destroy(&s);
	}
	return s;
}

static int send_msg(zsock_t *s, Yrdx__FeedMessage *m)
{
	return yx_wire_send(s, NULL, &m->base, NULL);
}

static void subscribe(zsock_t *s, uint64_t after, uint32_t credit)
{
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedSubscribe sub = YRDX__FEED_SUBSCRIBE__INIT;
	sub.after = after;
	sub.credit = credit;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_SUBSCRIBE;
	m.subscribe = &sub;
	send_msg(s, &m);
}

/* The event as one JSON line: the change as yrdxctl prints it, plus feed fields. */
static char *event_text(const Yrdx__FeedEvent *e)
{
	Yrdx__Change *c = NULL;
	if (yx_change_decode(e->change.data, e->change.len, &c) != YX_OK)
		return NULL;
	json_t *j = yx_change_to_json(c);
	yx_change_free(&c);
	json_object_set_new(j, "cursor", json_integer((json_int_t)e->cursor));
	json_object_set_new(j, "event_id", json_string(e->event_id));
	json_object_set_new(j, "why", json_string(e->why));
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return text;
}

static int cmd_run(const opts_t *o)
{
	const char *state = o->state ? o->state : "yrdx-feed.state";
	uint64_t cursor = state_read(state);
	zsock_t *s = connect_node(o);
	if (!s)
		return EXIT_USAGE;
	subscribe(s, cursor, CREDIT);
	fprintf(stderr, "yrdx-feed: following %s from cursor %llu\n", o->node,
	        (unsigned long long)cursor);
	zpoller_t *poller = zpoller_new(s, NULL);
	int64_t last_rx = zclock_mono();
	while (!zsys_interrupted) {
		zframe_t *frame = NULL;
		if (!zpoller_wait(poller, 500)) {
			if (zpoller_terminated(poller))
				break;
			if (zclock_mono() - last_rx > RESUBSCRIBE_MS) {
				/* A new connection: a refused handshake (key not yet trusted) or a
				 * restarted node is not retried on the old one. */
				zpoller_destroy(&poller);
				zsock_destroy(&s);
				if (!(s = connect_node(o)))
					return EXIT_FAIL;
				poller = zpoller_new(s, NULL);
				subscribe(s, cursor, CREDIT);
				last_rx = zclock_mono();
			}
			continue;
		}
		if (yx_wire_recv(s, NULL, &frame) != YX_OK)
			continue;
		last_rx = zclock_mono();
		Yrdx__FeedMessage *m =
		        yrdx__feed_message__unpack(NULL, zframe_size(frame), zframe_data(frame));
		zframe_destroy(&frame);
		if (!m || m->msg_case != YRDX__FEED_MESSAGE__MSG_BATCH) {
			if (m)
				yrdx__feed_message__free_unpacked(m, NULL);
			continue;
		}
		/* Hand each event on; the cursor moves past what was handed on, is saved once
		 * per batch, and the batch's credit goes back. */
		uint64_t before = cursor;
		bool stop = false;
		for (size_t i = 0; i < m->batch->n_events && !stop; i++) {
			const Yrdx__FeedEvent *e = m->batch->events[i];
			if (e->cursor <= cursor)
				continue; /* already handed on before a resubscribe */
			char *text = event_text(e);
			if (text && o->exec) {
				int rc;
				while ((rc = run_exec(o->exec, text)) != 0 && !zsys_interrupted) {
					fprintf(stderr,
					        "yrdx-feed: %s exited %d for %s; retrying\n",
					        o->exec, rc, e->event_id);
					zclock_sleep(RETRY_MS);
				}
				stop = rc != 0;
			} else if (text) {
				printf("%s\n", text);
			}
			free(text);
			if (!stop)
				cursor = e->cursor;
		}
		fflush(stdout);
		uint32_t credit = (uint32_t)m->batch->n_events;
		yrdx__feed_message__free_unpacked(m, NULL);
		if (cursor != before) {
			int ret = state_write(state, cursor);
			if (ret)
				return fail(EXIT_FAIL, "%s: %s", state, strerror(-ret));
		}
		if (stop)
			break;
		Yrdx__FeedMessage ack = YRDX__FEED_MESSAGE__INIT;
		Yrdx__FeedAck a = YRDX__FEED_ACK__INIT;
		a.credit = credit;
		ack.msg_case = YRDX__FEED_MESSAGE__MSG_ACK;
		ack.ack = &a;
		send_msg(s, &ack);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&s);
	return EXIT_OK;
}

static int cmd_act(const opts_t *o, Yrdx__RelayEventType type, const char *case_id,
                   const char *note)
{
	zsock_t *s = connect_node(o);
	if (!s)
		return EXIT_USAGE;
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedAction a = YRDX__FEED_ACTION__INIT;
	a.type = type;
	a.case_id = (char *)case_id;
	a.note = (char *)(note ? note : "");
	m.msg_case = YRDX__FEED_MESSAGE__MSG_ACTION;
	m.action = &a;
	send_msg(s, &m);
	zpoller_t *poller = zpoller_new(s, NULL);
	int rc = -1;
	int64_t deadline = zclock_mono() + 10000;
	while (zclock_mono() < deadline && zpoller_wait(poller, 1000)) {
		zframe_t *frame = NULL;
		if (yx_wire_recv(s, NULL, &frame) != YX_OK)
			continue;
		Yrdx__FeedMessage *r =
		        yrdx__feed_message__unpack(NULL, zframe_size(frame), zframe_data(frame));
		zframe_destroy(&frame);
		if (r && r->msg_case == YRDX__FEED_MESSAGE__MSG_RESULT) {
			if (r->result->error)
				rc = fail(r->result->error == YX_EINVAL ||
				                          r->result->error == YX_ENOTFOUND
				                  ? EXIT_USAGE
				                  : EXIT_FAIL,
				          "%s", r->result->message);
			else
				rc = (printf("case %s: %s\n", r->result->case_id,
				             type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT
				                     ? "accepted"
				                     : "declined"),
				      EXIT_OK);
			yrdx__feed_message__free_unpacked(r, NULL);
			break;
		}
		if (r)
			yrdx__feed_message__free_unpacked(r, NULL);
	}
	zpoller_destroy(&poller);
	zsock_destroy(&s);
	return rc >= 0 ? rc : fail(EXIT_FAIL, "no answer from %s", o->node);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"node", required_argument, NULL, 'n'}, {"node-key", required_argument, NULL, 'K'},
	        {"key", required_argument, NULL, 'k'},  {"state", required_argument, NULL, 's'},
	        {"exec", required_argument, NULL, 'e'}, {"note", required_argument, NULL, 'N'},
	        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	opts_t o = {0};
	const char *note = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': o.node = optarg; break;
		case 'K': o.node_key = optarg; break;
		case 'k': o.key_file = optarg; break;
		case 's': o.state = optarg; break;
		case 'e': o.exec = optarg; break;
		case 'N': note = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (yx_crypto_init() != YX_OK)
		return fail(EXIT_FAIL, "libsodium failed to initialise");
	if (optind >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "keygen") == 0 && optind + 2 == argc) {
		yx_identity_t *id = NULL;
		char pub[YX_PUBKEY_TEXT_LEN + 1];
		int ret = yx_identity_generate(&id);
		if (ret == YX_OK)
			ret = yx_identity_save(id, argv[optind + 1]);
		if (ret) {
			yx_identity_free(&id);
			return fail(EXIT_FAIL, "keygen %s: %s", argv[optind + 1],
			            ret == -EEXIST ? "file exists; refusing to overwrite a key"
			                           : yx_strerror(ret));
		}
		yx_pubkey_format(yx_identity_public(id), pub);
		yx_identity_free(&id);
		printf("%s\n", pub);
		return EXIT_OK;
	}
	if (strcmp(cmd, "run") == 0 && optind + 1 == argc)
		return cmd_run(&o);
	if ((strcmp(cmd, "accept") == 0 || strcmp(cmd, "decline") == 0) && optind + 2 == argc)
		return cmd_act(&o,
		               cmd[0] == 'a' ? YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT
		                             : YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE,
		               argv[optind + 1], note);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
