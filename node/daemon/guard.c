/* guard: the listening ports before authentication, where anyone on the network may
 * talk to the node.
 *
 * Every connection costs a file descriptor and, while its handshake runs, a buffer of
 * whatever size its frames claim. So each CURVE socket gets a maximum message size
 * (wire.h) and a handshake interval (listen/handshake_ms) before it binds; and a socket
 * monitor on the peer and feed ROUTERs counts each remote address's open connections
 * and refuses those past listen/connections_per_address at once, so one address cannot
 * take the descriptors a trusted peer needs. libzmq 4.3 has no connection limit of its
 * own: the refusal is a shutdown(2) of the accepted descriptor, which its engine sees as
 * the peer closing. Every refused connection or handshake is counted under its reason
 * and logged — the first at once, then at most one line per reason per second with the
 * count held back, so a flood cannot fill the disk.
 *
 * Sockets made while the node runs (pull connections, monitors) come from
 * yxd_socket_new, which returns NULL where CZMQ's zsock_new would assert: out of file
 * descriptors is an error path, retried later, not an abort. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "grow.h"
#include "log.h"
#include "yrdxd.h"

#define LOG_EVERY_MS 1000
#define MONITOR_HWM  100000 /* events queued for the loop: ~50 bytes each */
#define N_REASONS    (C_REFUSED_CONNECTIONS - C_REFUSED_KEY + 1)
#define MONITORED                                                                     \
	(ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_DISCONNECTED |      \
	 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | \
	 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

/* One open connection: its descriptor (what the monitor names it by), its address, and
 * whether it got as far as authentication (a ZAP request from its address). */
typedef struct {
	int fd;
	bool zap;
	bool refused; /* shut down at accept: its end is counted already */
	char addr[INET6_ADDRSTRLEN];
} conn_t;

/* The rate limit of one kind of log line. */
typedef struct {
	int64_t last_ms;  /* the last line written */
	uint64_t held;    /* occurrences since, not logged */
	char detail[400]; /* the last line held back */
} throttle_t;

struct yxd_guard {
	char port[8];
	void *monitor;
	conn_t *conns;
	size_t n, cap;
	throttle_t reasons[N_REASONS];
	throttle_t accept_failed;
	bool after_failure; /* the last event was a failed handshake (counted already) */
	/* A handshake that failed without detail, counted once its connection's end shows
	 * whether it was one refused at accept (whose end libzmq reports so too). */
	bool pending;
	char pending_detail[64];
};

void yxd_nofile_raise(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		yx_log_warn("cannot read the open files limit: %s", strerror(errno));
		return;
	}
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			yx_log_warn("cannot raise the open files limit from %llu to %llu: %s",
			            (unsigned long long)was, (unsigned long long)rl.rlim_max,
			            strerror(errno));
			rl.rlim_cur = was;
		}
	}
	yx_log_info("open files: soft limit %llu (was %llu), hard limit %llu",
	            (unsigned long long)rl.rlim_cur, (unsigned long long)was,
	            (unsigned long long)rl.rlim_max);
}

void *yxd_socket_new(yxd_t *d, int type, const char *what)
{
	void *s = zsys_socket(type, NULL, 0);
	if (!s) {
		d->counters[C_SOCKET_FAILURES]++;
		yx_log_error("cannot make a socket for %s: %s; tried again later", what,
		             zmq_strerror(zmq_errno()));
	}
	return s;
}

void yxd_socket_close(void **sock)
{
	if (*sock) {
		zsys_close(*sock, NULL, 0);
		*sock = NULL;
	}
}

int yxd_socket_bind(zsock_t *sock, const char *endpoint)
{
	int64_t deadline = zclock_mono() + 1000;
	int rc;
	while ((rc = zsock_bind(sock, "%s", endpoint)) < 0 && zmq_errno() == EADDRINUSE &&
	       zclock_mono() < deadline)
		zclock_sleep(10);
	return rc;
}

/* A connection that answers no ZMTP PING for this many dead_after_ms is closed. */
#define ZMTP_DEAD_FACTOR 12

void yxd_socket_limit(yxd_t *d, void *sock, size_t max)
{
	zsock_set_maxmsgsize(sock, (int)max);
	zsock_set_handshake_ivl(sock, (int)d->cfg->handshake_ms);
	/* ZMTP heartbeats: libzmq PINGs each connection every dead_after_ms and closes one
	 * that answers nothing for ZMTP_DEAD_FACTOR x dead_after_ms, freeing its queue: a
	 * half-open connection (a link gone dark, a host gone) is otherwise held until TCP
	 * gives up, if ever. PONGs come from the peer's I/O thread, so a busy peer answers;
	 * the factor leaves far more than the liveness rules' horizon (4 x dead_after_ms)
	 * to a peer held whole (a stopped process, a paused machine). */
	zsock_set_heartbeat_ivl(sock, (int)d->cfg->dead_after_ms);
	zsock_set_heartbeat_timeout(sock, (int)(ZMTP_DEAD_FACTOR * d->cfg->dead_after_ms));
}

static const char *reason_text(yxd_counter_t c)
{
	switch (c) {
	case C_REFUSED_KEY: return "CURVE key not in the trust store";
	case C_REFUSED_MECHANISM: return "not a CURVE client (security mechanism mismatch)";
	case C_REFUSED_CRYPTO:
		return "CURVE handshake does not decrypt (a secret key that is not the public "
		       "key's, or altered bytes)";
	case C_REFUSED_PROTOCOL: return "malformed ZMTP handshake";
	case C_REFUSED_UNFINISHED:
		return "handshake not finished (closed, over listen/handshake_ms, or a frame over "
		       "the size limit)";
	case C_REFUSED_CONNECTIONS:
		return "too many open connections from one address "
		       "(listen/connections_per_address)";
	default: return "?";
	}
}

/* Whether a line may be written now; if not, the occurrence is held with its detail. */
static bool throttle_pass(throttle_t *t, const char *detail)
{
	int64_t now = zclock_mono();
	if (!t->held && now - t->last_ms >= LOG_EVERY_MS) {
		t->last_ms = now;
		return true;
	}
	t->held++;
	snprintf(t->detail, sizeof(t->detail), "%s", detail ? detail : "");
	return false;
}

void yxd_guard_refused(yxd_t *d, yxd_guard_t *g, yxd_counter_t c, const char *address,
                       const char *detail)
{
	char line[400];
	snprintf(line, sizeof(line), "%s port: refused a connection: %s%s%s", g ? g->port : "?",
	         reason_text(c), detail && *detail ? "; " : "", detail ? detail : "");
	yxd_guard_refused_line(d, g, c, address, NULL, line);
}

void yxd_guard_refused_line(yxd_t *d, yxd_guard_t *g, yxd_counter_t c, const char *address,
                            const uint8_t *key, const char *line)
{
	char who[96];
	d->counters[C_HANDSHAKES_REFUSED]++;
	d->counters[c]++;
	snprintf(who, sizeof(who), "%s port%s%s", g ? g->port : "?", address ? " " : "",
	         address ? address : "");
	yxd_refusals_add(&d->refusals, zclock_time(), c, who, key, line);
	if (!g || throttle_pass(&g->reasons[c - C_REFUSED_KEY], line))
		yx_log_warn("%s", line);
}

void yxd_guard_tick(yxd_t *d, yxd_guard_t *g, int64_t now_ms)
{
	(void)d;
	if (!g)
		return;
	for (int i = 0; i < N_REASONS; i++) {
		throttle_t *t = &g->reasons[i];
		if (!t->held || now_ms - t->last_ms < LOG_EVERY_MS)
			continue;
		yx_log_warn("%s port: refused %llu more connections in %.1f s: %s%s%s", g->port,
		            (unsigned long long)t->held, (double)(now_ms - t->last_ms) / 1000,
		            reason_text((yxd_counter_t)(C_REFUSED_KEY + i)),
		            t->detail[0] ? "; the last: " : "", t->detail);
		t->held = 0;
		t->last_ms = now_ms;
	}
	throttle_t *t = &g->accept_failed;
	if (t->held && now_ms - t->last_ms >= LOG_EVERY_MS) {
		yx_log_error("%s port: %llu more connections could not be accepted in %.1f s: %s",
		             g->port, (unsigned long long)t->held,
		             (double)(now_ms - t->last_ms) / 1000, t->detail);
		t->held = 0;
		t->last_ms = now_ms;
	}
}

int yxd_guard_start(yxd_t *d, void *sock, const char *port, yxd_guard_t **out)
{
	char endpoint[64];
	int ret = YX_OK;
	yxd_guard_t *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	snprintf(g->port, sizeof(g->port), "%s", port);
	/* A name of its own: the monitor of a port just re-made (yxd_rotation_rekey) may
	 * hold the one before until libzmq's reaper gets to it. */
	snprintf(endpoint, sizeof(endpoint), "inproc://yrdxd-guard-%s-%08x", port,
	         (unsigned)randombytes_random());
	/* Before the bind, so that no connection is accepted unseen. */
	if (zmq_socket_monitor(zsock_resolve(sock), endpoint, MONITORED) != 0) {
		ret = -zmq_errno();
		yx_log_error("%s port: cannot monitor its connections: %s", port,
		             zmq_strerror(-ret));
		goto out;
	}
	if (!(g->monitor = yxd_socket_new(d, ZMQ_PAIR, "a port's monitor"))) {
		ret = -EMFILE;
		goto out;
	}
	/* libzmq drops events past the queue's high-water mark (1,000 by default), and a
	 * connection whose ACCEPTED is lost escapes the limit: room for a flood's worth. */
	zsock_set_rcvhwm(g->monitor, MONITOR_HWM);
	if (zmq_connect(g->monitor, endpoint) != 0) {
		ret = -zmq_errno();
		yx_log_error("%s port: cannot read its monitor: %s", port, zmq_strerror(-ret));
		goto out;
	}
	*out = g;
	g = NULL;
out:
	yxd_guard_stop(&g);
	return ret;
}

void yxd_guard_unwatch(zsock_t *sock)
{
	if (sock)
		zmq_socket_monitor(zsock_resolve(sock), NULL, 0);
}

void yxd_guard_stop(yxd_guard_t **gp)
{
	yxd_guard_t *g = *gp;
	if (!g)
		return;
	yxd_socket_close(&g->monitor);
	free(g->conns);
	free(g);
	*gp = NULL;
}

void *yxd_guard_socket(const yxd_guard_t *g)
{
	return g ? g->monitor : NULL;
}

/* The remote address of an accepted descriptor, as text; false if it has none (closed
 * meanwhile: the monitor reads its events after the fact). */
static bool peer_address(int fd, char addr[INET6_ADDRSTRLEN])
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (ss.ss_family == AF_INET)
		return inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr,
		                 INET6_ADDRSTRLEN) != NULL;
	if (ss.ss_family == AF_INET6)
		return inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr,
		                 INET6_ADDRSTRLEN) != NULL;
	snprintf(addr, INET6_ADDRSTRLEN, "local"); /* ipc: one address, the machine */
	return true;
}

static conn_t *conn_find(yxd_guard_t *g, int fd)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->conns[i].fd == fd)
			return &g->conns[i];
	return NULL;
}

static void conn_forget(yxd_guard_t *g, int fd)
{
	conn_t *c = conn_find(g, fd);
	if (c)
		*c = g->conns[--g->n];
}

void yxd_guard_zap_seen(yxd_guard_t *g, const char *address)
{
	/* ZAP names the address, not the connection: the oldest of that address's not yet
	 * authenticated connections is taken to be the one (the count is what matters). */
	for (size_t i = 0; g && address && i < g->n; i++) {
		if (!g->conns[i].zap && strcmp(g->conns[i].addr, address) == 0) {
			g->conns[i].zap = true;
			return;
		}
	}
}

/* A connection ended. One that never reached authentication and whose end libzmq did
 * not report as a failed handshake was cut off without a word: a frame over the size
 * limit, or a client that gave up. */
static void on_disconnected(yxd_t *d, yxd_guard_t *g, int fd, bool after_failure)
{
	char detail[160];
	conn_t *c = conn_find(g, fd);
	bool pending = g->pending;
	g->pending = false;
	if (c && c->refused) {
		conn_forget(g, fd); /* counted when it was refused */
		return;
	}
	if (pending) {
		snprintf(detail, sizeof(detail), "%s%s%s", c ? c->addr : "", c ? ": " : "",
		         g->pending_detail);
		yxd_guard_refused(d, g, C_REFUSED_UNFINISHED, c ? c->addr : NULL, detail);
	} else if (c && !c->zap && !after_failure) {
		snprintf(detail, sizeof(detail), "%s closed before authentication", c->addr);
		yxd_guard_refused(d, g, C_REFUSED_UNFINISHED, c->addr, detail);
	}
	conn_forget(g, fd);
}

/* A connection was accepted on fd: kept, or refused past the per-address limit. */
static void on_accepted(yxd_t *d, yxd_guard_t *g, int fd)
{
	char addr[INET6_ADDRSTRLEN], detail[160];
	/* A descriptor closed and reused before this event was read: the entry is stale. */
	conn_forget(g, fd);
	/* A connection libzmq already closed (a frame over the limit is cut at once) has no
	 * address any more; it is still noted, so that its end is counted. */
	bool known = peer_address(fd, addr);
	if (!known)
		snprintf(addr, sizeof(addr), "(address gone)");
	size_t held = 0;
	for (size_t i = 0; known && i < g->n; i++)
		held += !g->conns[i].refused && strcmp(g->conns[i].addr, addr) == 0;
	bool refuse = known && held >= d->cfg->connections_per_address;
	if (refuse) {
		/* The descriptor is libzmq's: shut down, not closed, so its engine ends the
		 * connection and closes it itself. */
		shutdown(fd, SHUT_RDWR);
		snprintf(detail, sizeof(detail), "%s holds %zu (limit %u)", addr, held,
		         d->cfg->connections_per_address);
		yxd_guard_refused(d, g, C_REFUSED_CONNECTIONS, addr, detail);
	}
	if (yx_grow(g->conns, g->cap, g->n + 1, 64))
		return; /* not counted: the limit is looser until memory returns */
	g->conns[g->n].fd = fd;
	g->conns[g->n].zap = false;
	g->conns[g->n].refused = refuse;
	snprintf(g->conns[g->n].addr, sizeof(g->conns[g->n].addr), "%s", addr);
	g->n++;
}

static void on_protocol_error(yxd_t *d, yxd_guard_t *g, int code)
{
	char detail[64];
	if (code == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) {
		yxd_guard_refused(d, g, C_REFUSED_MECHANISM, NULL, NULL);
	} else if (code == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC) {
		yxd_guard_refused(d, g, C_REFUSED_CRYPTO, NULL, NULL);
	} else {
		snprintf(detail, sizeof(detail), "ZMTP protocol error 0x%x", (unsigned)code);
		yxd_guard_refused(d, g, C_REFUSED_PROTOCOL, NULL, detail);
	}
}

/* Reads one event: 1 if there was one (event and value set, or 0 if malformed), 0 when
 * none is waiting. */
static int event_read(void *monitor, uint16_t *event, int32_t *value)
{
	zmq_msg_t msg;
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, monitor, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&msg);
		return 0;
	}
	*event = 0;
	if (zmq_msg_size(&msg) >= 6) {
		memcpy(event, zmq_msg_data(&msg), 2);
		memcpy(value, (uint8_t *)zmq_msg_data(&msg) + 2, 4);
	}
	while (zmq_msg_more(&msg)) { /* the endpoint: the local one, which we know */
		zmq_msg_close(&msg);
		zmq_msg_init(&msg);
		if (zmq_msg_recv(&msg, monitor, 0) < 0)
			break;
	}
	zmq_msg_close(&msg);
	return 1;
}

void yxd_guard_handle(yxd_t *d, yxd_guard_t *g)
{
	uint16_t event;
	int32_t value = 0;
	char detail[160];
	/* A budget: a flood of failing accepts must not hold the loop. */
	for (int budget = 0; budget < 4096 && event_read(g->monitor, &event, &value); budget++) {
		/* libzmq reports a failed handshake, then the end of its connection. */
		bool after_failure = g->after_failure;
		g->after_failure = event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL ||
		                   event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
		                   event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
		if (g->pending && event != ZMQ_EVENT_DISCONNECTED) {
			/* Its end was not reported (events lost): counted without it. */
			g->pending = false;
			yxd_guard_refused(d, g, C_REFUSED_UNFINISHED, NULL, g->pending_detail);
		}
		switch (event) {
		case ZMQ_EVENT_ACCEPTED: on_accepted(d, g, value); break;
		case ZMQ_EVENT_DISCONNECTED: on_disconnected(d, g, value, after_failure); break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			g->pending = true;
			snprintf(g->pending_detail, sizeof(g->pending_detail), "%s",
			         value == EAGAIN ? "timed out"
			         : value         ? strerror(value)
			                         : "closed by the peer");
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: on_protocol_error(d, g, value); break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			break; /* a ZAP refusal: counted and logged by zap.c, with the key */
		case ZMQ_EVENT_ACCEPT_FAILED:
			d->counters[C_SOCKET_FAILURES]++;
			snprintf(detail, sizeof(detail), "%s", strerror(value));
			if (throttle_pass(&g->accept_failed, detail))
				yx_log_error("%s port: cannot accept a connection: %s", g->port,
				             detail);
			break;
		default: break;
		}
	}
}
