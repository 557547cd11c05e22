/* yrdx-feed: the client a partner park runs. It connects with CURVE to its city's node
 * feed port under its own key, receives the relay-incubation events the node decides it
 * may see, and hands each one on — NDJSON on stdout, or a command per event with the event
 * on stdin — before it advances a durable cursor. After a crash it resumes where it
 * stopped: every event at least once, with a stable event id to drop repeats.
 *
 *   yrdx-feed keygen FILE
 *   yrdx-feed [CONNECTION] [--state FILE] [--exec CMD] [--dossier-dir DIR] run
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec.h"
#include "fileio.h"
#include "handshake.h"
#include "json.h"
#include "keys.h"
#include "validate.h"
#include "wire.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define CREDIT         64
#define RESUBSCRIBE_MS 5000 /* idle this long: reconnect and subscribe again */
#define RETRY_MS       1000 /* a failed --exec is retried after this */

static const char usage[] =
        "usage: yrdx-feed keygen FILE\n"
        "       yrdx-feed CONNECTION [--state FILE] [--exec CMD] [--dossier-dir DIR] run\n"
        "       yrdx-feed CONNECTION accept|decline CASE [--note TEXT]\n"
        "CONNECTION: --node tcp://HOST:PORT  the city node's feed port\n"
        "            --node-key PUBKEY       that node's public key (yrdxctl pubkey)\n"
        "            --key FILE              this park's key (yrdx-feed keygen; mode 0600)\n"
        "run prints each event addressed to this park as one JSON line (or runs CMD with\n"
        "the event on stdin: a non-zero exit retries it later, the cursor does not move),\n"
        "then records its cursor in --state FILE (default yrdx-feed.state), so a restart\n"
        "resumes where it stopped. Events carry a stable event_id for de-duplication,\n"
        "and a summary to decide on: the enterprise (name, industries, qualifications,\n"
        "stage, incubator) as the node holds the proposing city's record, and that city.\n"
        "The dossier of a case addressed to this park comes sealed to this park's key:\n"
        "--dossier-dir DIR opens it and writes DIR/CASE.dossier (mode 0600, DIR 0700).\n"
        "accept/decline acts on a case addressed to this park, as the destination city.\n"
        "A node that refuses this park's key, or whose key is not --node-key, is said\n"
        "within seconds (exit 1 and 2).\n";

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
	const char *node, *node_key, *key_file, *state, *exec, *dossier_dir;
} opts_t;

/* Why the node will not have us, said once the handshake watch knows (handshake.h):
 * the park's key refused, or the node's key not the one we were told. The exit code. */
static int refused(const opts_t *o, hs_state_t st)
{
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	char pub[YX_PUBKEY_TEXT_LEN + 1] = "?";
	if (yx_identity_load(o->key_file, &id, &diag) == YX_OK)
		yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	if (st == HS_REFUSED_KEY)
		return fail(EXIT_FAIL,
		            "the node at %s refused this park's key %s (--key %s): it is not in "
		            "that node's trust store; its city authorises it with: yrdxctl park "
		            "add NAME PARK_ID %s",
		            o->node, pub, o->key_file, pub);
	return fail(EXIT_USAGE,
	            "the node at %s closed every handshake for %d s: --node-key %s is not that "
	            "node's key (the node prints its key with: yrdxctl pubkey; after a key "
	            "rotation it has a new one)",
	            o->node, HS_GIVE_UP_MS / 1000, o->node_key);
}

static zsock_t *connect_node(const opts_t *o, hs_watch_t *watch)
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
	if (watch) /* without it, a refusal is not told apart from silence */
		hs_watch_attach(watch, s);
	if (zsock_connect(s, "%s", o->node) != 0) {
		fail(EXIT_USAGE, "--node %s: not a ZeroMQ endpoint", o->node);
		hs_watch_detach(watch);
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

/* A case id names the file its dossier goes to: nothing that leaves DIR. */
static bool file_safe(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 200;
}

/* Opens the dossier the node sealed to this park's key and puts it at DIR/CASE.dossier,
 * owner-only, whatever the umask; a repeat (the same case after a resume) is already
 * there. Its path into path, or the exit code and why on stderr. */
static int dossier_write(const opts_t *o, const Yrdx__Change *c, const Yrdx__FeedEvent *e,
                         char *path, size_t cap)
{
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	uint8_t *plain = NULL;
	size_t len = 0;
	const char *case_id = c->relay_event->case_id;
	int ret;
	if (!file_safe(case_id))
		return fail(EXIT_FAIL, "%s: case id \"%.64s\" names no file", e->event_id, case_id);
	snprintf(path, cap, "%s/%s.dossier", o->dossier_dir, case_id);
	struct stat st;
	if (mkdir(o->dossier_dir, 0700) != 0 && errno != EEXIST)
		return fail(EXIT_FAIL, "--dossier-dir %s: %s", o->dossier_dir, strerror(errno));
	/* Dossiers are confidential: the directory is owner-only too, as a backup's is,
	 * whatever mode one that existed had. */
	if (stat(o->dossier_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    ((st.st_mode & 077) && chmod(o->dossier_dir, st.st_mode & 0700) != 0))
		return fail(EXIT_FAIL,
		            "--dossier-dir %s: not a directory this park can make "
		            "owner-only",
		            o->dossier_dir);
	if ((ret = yx_identity_load(o->key_file, &id, &diag)) != YX_OK)
		return fail(EXIT_USAGE, "%s", diag.msg);
	ret = yx_identity_unseal(id, e->dossier.data, e->dossier.len, &plain, &len);
	yx_identity_free(&id);
	if (ret != YX_OK)
		return fail(EXIT_FAIL, "case %s: the dossier does not open with this park's key %s",
		            case_id, o->key_file);
	ret = yx_file_install(path, plain, len, NULL, path, &diag);
	sodium_memzero(plain, len);
	free(plain);
	if (ret != YX_OK && ret != -EEXIST)
		return fail(EXIT_FAIL, "%s", diag.msg);
	return EXIT_OK;
}

/* The event as one JSON line: the change as yrdxctl prints it, plus feed fields: the
 * summary, and where a dossier came for this park, its size and the file it went to. An
 * event that cannot be made into its line is not skipped: the feed stops before it (said),
 * its cursor kept, so that nothing is lost for good. */
static int event_text(const opts_t *o, const Yrdx__FeedEvent *e, char **text)
{
	Yrdx__Change *c = NULL;
	char path[4200];
	int rc = EXIT_OK, ret;
	*text = NULL;
	if ((ret = yx_change_decode(e->change.data, e->change.len, &c)) != YX_OK)
		return fail(EXIT_FAIL,
		            "event %s (cursor %llu): its change (%zu bytes) cannot be "
		            "read: %s; stopped before it",
		            e->event_id, (unsigned long long)e->cursor, e->change.len,
		            yx_strerror(ret));
	json_t *j = yx_feed_event_to_json(e, c);
	if (j && e->dossier.len && c->body_case == YRDX__CHANGE__BODY_RELAY_EVENT) {
		bool wrote = o->dossier_dir &&
		             (rc = dossier_write(o, c, e, path, sizeof(path))) == EXIT_OK;
		json_object_set_new(j, "dossier",
		                    json_pack("{s:I, s:o}", "sealed_bytes",
		                              (json_int_t)e->dossier.len, "file",
		                              wrote ? json_string(path) : json_null()));
	}
	yx_change_free(&c);
	if (rc == EXIT_OK && !(j && (*text = json_dumps(j, JSON_COMPACT))))
		rc = fail(EXIT_FAIL, "event %s: out of memory; stopped before it", e->event_id);
	json_decref(j);
	return rc;
}

/* A poller over the feed socket and, where there is one, its handshake watch. */
static zpoller_t *poller_for(zsock_t *s, hs_watch_t *w)
{
	return zpoller_new(s, w ? hs_watch_socket(w) : NULL, NULL);
}

/* The connection made anew: a refused handshake (a key not yet trusted) or a restarted
 * node is not retried on the old one. EXIT_OK, or the exit code (said). */
static int reconnect(const opts_t *o, zsock_t **s, hs_watch_t *watch, zpoller_t **poller)
{
	zpoller_destroy(poller);
	hs_watch_detach(watch);
	zsock_destroy(s);
	if (!(*s = connect_node(o, watch)))
		return EXIT_FAIL;
	*poller = poller_for(*s, watch);
	return *poller ? EXIT_OK : fail(EXIT_FAIL, "out of memory");
}

/* What the watch says now: EXIT_OK to go on, or the exit code of a refusal for good
 * (said); *retry when the connection should be made anew. */
static int watch_says(const opts_t *o, hs_watch_t *watch, int64_t connected_ms, bool *retry)
{
	int64_t now = zclock_mono();
	hs_state_t hs = watch ? hs_watch_read(watch, now) : HS_WAITING;
	*retry = watch && hs_watch_refused(watch) && now - connected_ms >= HS_RETRY_MS;
	return hs == HS_REFUSED_KEY || hs == HS_CLOSED ? refused(o, hs) : EXIT_OK;
}

static int cmd_run(const opts_t *o)
{
	const char *state = o->state ? o->state : "yrdx-feed.state";
	uint64_t cursor = state_read(state);
	hs_watch_t *watch = hs_watch_new();
	zsock_t *s = connect_node(o, watch);
	int rc = EXIT_OK;
	bool retry = false;
	if (!s) {
		hs_watch_destroy(&watch);
		return EXIT_USAGE;
	}
	subscribe(s, cursor, CREDIT);
	fprintf(stderr, "yrdx-feed: following %s from cursor %llu\n", o->node,
	        (unsigned long long)cursor);
	zpoller_t *poller = poller_for(s, watch);
	int64_t last_rx = zclock_mono(), connected = last_rx;
	while (!zsys_interrupted) {
		zframe_t *frame = NULL;
		void *which = zpoller_wait(poller, retry ? 100 : 500);
		if ((rc = watch_says(o, watch, connected, &retry)) != EXIT_OK)
			break;
		if (!which && zpoller_terminated(poller))
			break;
		if (hs_watch_take_renewed(watch)) { /* a restarted node, a reset connection */
			subscribe(s, cursor, CREDIT);
			last_rx = zclock_mono();
		}
		if (retry || (!which && zclock_mono() - last_rx > RESUBSCRIBE_MS)) {
			if ((rc = reconnect(o, &s, watch, &poller)) != EXIT_OK)
				break;
			subscribe(s, cursor, CREDIT);
			last_rx = connected = zclock_mono();
			continue;
		}
		if (!which)
			continue;
		if (which != s || yx_wire_recv(s, NULL, &frame) != YX_OK)
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
			char *text = NULL;
			if (e->cursor <= cursor)
				continue; /* already handed on before a resubscribe */
			if ((rc = event_text(o, e, &text)) != EXIT_OK) {
				stop = true; /* said; not handed on, the cursor before it */
			} else if (text && o->exec) {
				int ex;
				while ((ex = run_exec(o->exec, text)) != 0 && !zsys_interrupted) {
					fprintf(stderr,
					        "yrdx-feed: %s exited %d for %s; retrying\n",
					        o->exec, ex, e->event_id);
					zclock_sleep(RETRY_MS);
				}
				stop = ex != 0;
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
			if (ret) {
				rc = fail(EXIT_FAIL, "%s: %s", state, strerror(-ret));
				break;
			}
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
	hs_watch_destroy(&watch);
	zsock_destroy(&s);
	return rc;
}

static int cmd_act(const opts_t *o, Yrdx__RelayEventType type, const char *case_id,
                   const char *note)
{
	hs_watch_t *watch = hs_watch_new();
	zsock_t *s = connect_node(o, watch);
	bool retry = false;
	if (!s) {
		hs_watch_destroy(&watch);
		return EXIT_USAGE;
	}
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedAction a = YRDX__FEED_ACTION__INIT;
	a.type = type;
	a.case_id = (char *)case_id;
	a.note = (char *)(note ? note : "");
	m.msg_case = YRDX__FEED_MESSAGE__MSG_ACTION;
	m.action = &a;
	send_msg(s, &m);
	zpoller_t *poller = poller_for(s, watch);
	int rc = -1;
	int64_t connected = zclock_mono(), deadline = connected + 10000;
	while (rc < 0 && zclock_mono() < deadline) {
		zframe_t *frame = NULL;
		void *which = zpoller_wait(poller, retry ? 100 : 500);
		int said = watch_says(o, watch, connected, &retry);
		if (said != EXIT_OK) {
			rc = said;
			break;
		}
		if (zpoller_terminated(poller))
			break;
		if (retry) { /* the action again, on a connection made anew */
			if ((said = reconnect(o, &s, watch, &poller)) != EXIT_OK) {
				rc = said;
				break;
			}
			send_msg(s, &m);
			connected = zclock_mono();
			continue;
		}
		if (which != s || yx_wire_recv(s, NULL, &frame) != YX_OK)
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
		}
		if (r)
			yrdx__feed_message__free_unpacked(r, NULL);
	}
	zpoller_destroy(&poller);
	hs_watch_destroy(&watch);
	zsock_destroy(&s);
	return rc >= 0 ? rc : fail(EXIT_FAIL, "no answer from %s", o->node);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"node", required_argument, NULL, 'n'},
	        {"node-key", required_argument, NULL, 'K'},
	        {"key", required_argument, NULL, 'k'},
	        {"state", required_argument, NULL, 's'},
	        {"exec", required_argument, NULL, 'e'},
	        {"note", required_argument, NULL, 'N'},
	        {"dossier-dir", required_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
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
		case 'D': o.dossier_dir = optarg; break;
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
