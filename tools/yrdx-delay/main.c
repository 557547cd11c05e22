/* yrdx-delay: a TCP relay that holds every byte for a fixed time before passing it on,
 * both ways. It stands in for the propagation delay of a long link where the kernel has no
 * sch_netem: deploy/federation.sh puts one in each city's network namespace, with a route
 * per peer, and the nodes dial their peers through it; rate is shaped apart (tc tbf).
 *
 *   yrdx-delay [--buffer BYTES] [--max-connections N] LISTEN=TARGET@MS ...
 *
 * One thread, one epoll loop. What a connection may hold is bounded: each direction
 * stops reading once BYTES are queued (TCP's own flow control then holds the sender), and
 * at most N connections are open, so the relay never holds more than 2 x N x BYTES. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define READ_MAX (64u << 10) /* bytes one read takes: a chunk */

static const char usage[] =
        "usage: yrdx-delay [--buffer BYTES] [--max-connections N] LISTEN=TARGET@MS ...\n"
        "Relays each TCP connection accepted on LISTEN (HOST:PORT, IPv4) to TARGET\n"
        "(HOST:PORT), holding every byte MS milliseconds (0-10000) before passing it on,\n"
        "in both directions: a round trip through it takes 2 x MS longer. Give one\n"
        "LISTEN=TARGET@MS per route; one process serves them all.\n"
        "  --buffer BYTES         most bytes held per connection and direction (default\n"
        "                         4194304); past it the relay stops reading that side\n"
        "  --max-connections N    connections open at once (default 256); more are\n"
        "                         closed at once\n"
        "It prints \"ready\" on stdout once every LISTEN is bound, and on SIGTERM or\n"
        "SIGINT one line of figures on stderr (connections, bytes each way, the most\n"
        "bytes it ever held at once) before it exits.\n";

typedef struct chunk {
	struct chunk *next;
	int64_t due_us; /* when it may go on */
	size_t len, off;
	uint8_t data[];
} chunk_t;

/* One direction of a connection: bytes read from one side, waiting for the other. */
typedef struct {
	chunk_t *head, *tail;
	size_t queued;
	bool eof;       /* its source has closed its sending side */
	int64_t eof_us; /* when the close is passed on (after the bytes before it) */
	bool shut;      /* passed on */
} pipe_t;

enum { KIND_LISTENER, KIND_END };

typedef struct {
	int kind;
	int fd;
	struct sockaddr_in listen, target;
	int64_t delay_us;
} route_t;

struct conn;
typedef struct {
	int kind;
	struct conn *c;
	int side;        /* 0: the accepted socket, 1: the one to the target */
	uint32_t events; /* what epoll watches now */
} end_t;

typedef struct conn {
	struct conn *next, *prev;
	route_t *route;
	int fd[2];
	end_t end[2];
	pipe_t dir[2]; /* dir[i]: read from fd[i], written to fd[1 - i] */
	bool connecting;
	bool dead;
} conn_t;

typedef struct {
	int ep;
	route_t *routes;
	size_t n_routes;
	conn_t *conns;
	size_t n_conns, max_conns, buffer;
	size_t held, held_peak; /* bytes held over every connection */
	uint64_t accepted, refused, bytes[2];
} relay_t;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("yrdx-delay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* HOST:PORT (IPv4) into *a; false if it is not one. */
static bool parse_addr(const char *s, size_t len, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = memrchr(s, ':', len);
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return false;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (end != s + len || end == colon + 1 || errno || port < 1 || port > 65535)
		return false;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1;
}

/* LISTEN=TARGET@MS into *r; an error message naming the part that is wrong, or NULL. */
static const char *parse_route(const char *arg, route_t *r)
{
	const char *eq = strchr(arg, '='), *at = strrchr(arg, '@');
	if (!eq || !at || at < eq)
		return "expected LISTEN=TARGET@MS";
	if (!parse_addr(arg, (size_t)(eq - arg), &r->listen))
		return "LISTEN is not HOST:PORT (an IPv4 address and a port 1-65535)";
	if (!parse_addr(eq + 1, (size_t)(at - eq - 1), &r->target))
		return "TARGET is not HOST:PORT (an IPv4 address and a port 1-65535)";
	char *end;
	errno = 0;
	long ms = strtol(at + 1, &end, 10);
	if (*end || end == at + 1 || errno || ms < 0 || ms > 10000)
		return "MS is not a whole number of milliseconds 0-10000";
	r->kind = KIND_LISTENER;
	r->delay_us = ms * 1000;
	return NULL;
}

static void watch(relay_t *r, end_t *e, uint32_t events)
{
	if (e->events == events)
		return;
	struct epoll_event ev = {.events = events, .data.ptr = e};
	int op = e->events ? (events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL) : EPOLL_CTL_ADD;
	if (op == EPOLL_CTL_DEL)
		epoll_ctl(r->ep, op, e->c->fd[e->side], NULL);
	else
		epoll_ctl(r->ep, op, e->c->fd[e->side], &ev);
	e->events = events;
}

static void conn_free(relay_t *r, conn_t *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] >= 0)
			close(c->fd[i]); /* also leaves the epoll set */
		for (chunk_t *k = c->dir[i].head, *next; k; k = next) {
			next = k->next;
			r->held -= k->len - k->off;
			free(k);
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	r->n_conns--;
	free(c);
}

static void accept_all(relay_t *r, route_t *rt)
{
	for (;;) {
		int fd = accept4(rt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				fail(0, "accept: %s", strerror(errno));
			return;
		}
		conn_t *c = r->n_conns < r->max_conns ? calloc(1, sizeof(*c)) : NULL;
		int out = c ? socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
		if (out < 0) {
			/* Over the limit, or out of memory or descriptors: this one is refused. */
			r->refused++;
			close(fd);
			free(c);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->route = rt;
		c->fd[0] = fd;
		c->fd[1] = out;
		c->connecting = true;
		for (int i = 0; i < 2; i++)
			c->end[i] = (end_t){.kind = KIND_END, .c = c, .side = i};
		c->next = r->conns;
		if (r->conns)
			r->conns->prev = c;
		r->conns = c;
		r->n_conns++;
		r->accepted++;
		if (connect(out, (struct sockaddr *)&rt->target, sizeof(rt->target)) < 0 &&
		    errno != EINPROGRESS)
			c->dead = true;
	}
}

/* Reads what side i has for the other side, while the direction has room. */
static void read_side(relay_t *r, conn_t *c, int i, int64_t now)
{
	pipe_t *p = &c->dir[i];
	while (!p->eof && p->queued < r->buffer) {
		size_t room = r->buffer - p->queued;
		size_t want = room < READ_MAX ? room : READ_MAX;
		chunk_t *k = malloc(sizeof(*k) + want);
		if (!k)
			return; /* out of memory: read again later */
		ssize_t n = read(c->fd[i], k->data, want);
		if (n <= 0) {
			free(k);
			if (n == 0) {
				p->eof = true;
				p->eof_us = now + c->route->delay_us;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				c->dead = true;
			}
			return;
		}
		if ((size_t)n < want / 2) {
			chunk_t *smaller = realloc(k, sizeof(*k) + (size_t)n);
			if (smaller)
				k = smaller;
		}
		k->next = NULL;
		k->due_us = now + c->route->delay_us;
		k->len = (size_t)n;
		k->off = 0;
		if (p->tail)
			p->tail->next = k;
		else
			p->head = k;
		p->tail = k;
		p->queued += (size_t)n;
		r->held += (size_t)n;
		if (r->held > r->held_peak)
			r->held_peak = r->held;
	}
}

/* Writes the chunks of direction i that are due to the other side; returns when the next
 * one is due (INT64_MAX: nothing waiting) or 0 when the socket is full. */
static int64_t write_due(relay_t *r, conn_t *c, int i, int64_t now)
{
	pipe_t *p = &c->dir[i];
	int to = c->fd[1 - i];
	while (p->head) {
		chunk_t *k = p->head;
		if (k->due_us > now)
			return k->due_us;
		ssize_t n = write(to, k->data + k->off, k->len - k->off);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			c->dead = true;
			return INT64_MAX;
		}
		k->off += (size_t)n;
		p->queued -= (size_t)n;
		r->held -= (size_t)n;
		r->bytes[i] += (uint64_t)n;
		if (k->off < k->len)
			return 0;
		p->head = k->next;
		if (!p->head)
			p->tail = NULL;
		free(k);
	}
	if (p->eof && !p->shut) {
		if (p->eof_us > now)
			return p->eof_us;
		shutdown(to, SHUT_WR);
		p->shut = true;
	}
	return INT64_MAX;
}

/* Moves c on as far as it can now: writes what is due, sets what epoll watches. Returns
 * when it next needs a turn, or -1 when it is finished (and freed). */
static int64_t step(relay_t *r, conn_t *c, int64_t now)
{
	int64_t next = INT64_MAX;
	bool blocked[2] = {false, false}; /* writing to side i would block */
	if (!c->connecting) {
		for (int i = 0; i < 2 && !c->dead; i++) {
			int64_t due = write_due(r, c, i, now);
			if (due == 0)
				blocked[1 - i] = true;
			else if (due < next)
				next = due;
		}
	}
	if (c->dead || (c->dir[0].shut && c->dir[1].shut)) {
		conn_free(r, c);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t ev = 0;
		if (c->connecting) {
			ev = i == 1 ? EPOLLOUT : 0;
		} else {
			if (!c->dir[i].eof && c->dir[i].queued < r->buffer)
				ev |= EPOLLIN;
			if (blocked[i])
				ev |= EPOLLOUT;
		}
		watch(r, &c->end[i], ev);
	}
	return next;
}

static void on_end(relay_t *r, end_t *e, uint32_t events, int64_t now)
{
	conn_t *c = e->c;
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
			c->dead = true;
		c->connecting = false;
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_side(r, c, e->side, now);
}

static int listen_all(relay_t *r)
{
	for (size_t i = 0; i < r->n_routes; i++) {
		route_t *rt = &r->routes[i];
		char addr[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &rt->listen.sin_addr, addr, sizeof(addr));
		int one = 1;
		rt->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (rt->fd < 0 ||
		    setsockopt(rt->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
		    bind(rt->fd, (struct sockaddr *)&rt->listen, sizeof(rt->listen)) < 0 ||
		    listen(rt->fd, 64) < 0)
			return fail(EXIT_FAIL, "cannot listen on %s:%u: %s", addr,
			            ntohs(rt->listen.sin_port), strerror(errno));
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = rt};
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, rt->fd, &ev) < 0)
			return fail(EXIT_FAIL, "epoll: %s", strerror(errno));
	}
	return EXIT_OK;
}

static void run(relay_t *r)
{
	struct epoll_event evs[64];
	while (!stopping) {
		int64_t now = now_us(), next = INT64_MAX;
		for (conn_t *c = r->conns, *after; c; c = after) {
			after = c->next;
			int64_t due = step(r, c, now);
			if (due >= 0 && due < next)
				next = due;
		}
		int timeout = next == INT64_MAX ? 1000 : (int)((next - now + 999) / 1000);
		int n = epoll_wait(r->ep, evs, 64, timeout);
		now = now_us();
		for (int i = 0; i < n; i++) {
			int kind = *(int *)evs[i].data.ptr;
			if (kind == KIND_LISTENER)
				accept_all(r, evs[i].data.ptr);
			else
				on_end(r, evs[i].data.ptr, evs[i].events, now);
		}
	}
}

int main(int argc, char **argv)
{
	relay_t r = {.ep = -1, .max_conns = 256, .buffer = 4u << 20};
	static const struct option opts[] = {
	        {"buffer", required_argument, NULL, 'b'},
	        {"max-connections", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int ret = EXIT_OK, o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		unsigned long long v;
		switch (o) {
		case 'b':
		case 'm':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*end || end == optarg || errno || v < 1 ||
			    v > (o == 'b' ? 1ull << 30 : 65536))
				return fail(EXIT_USAGE, "--%s %s: expected a whole number 1-%llu",
				            o == 'b' ? "buffer" : "max-connections", optarg,
				            o == 'b' ? 1ull << 30 : 65536ull);
			if (o == 'b')
				r.buffer = (size_t)v;
			else
				r.max_conns = (size_t)v;
			break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return fail(EXIT_USAGE, "no route given (LISTEN=TARGET@MS)");
	}
	r.n_routes = (size_t)(argc - optind);
	r.routes = calloc(r.n_routes, sizeof(*r.routes));
	if (!r.routes)
		return fail(EXIT_FAIL, "out of memory");
	for (size_t i = 0; i < r.n_routes; i++) {
		const char *why = parse_route(argv[optind + (int)i], &r.routes[i]);
		r.routes[i].fd = -1;
		if (why) {
			ret = fail(EXIT_USAGE, "route %zu \"%s\": %s", i + 1, argv[optind + (int)i],
			           why);
			goto out;
		}
	}
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.ep < 0) {
		ret = fail(EXIT_FAIL, "epoll: %s", strerror(errno));
		goto out;
	}
	if ((ret = listen_all(&r)))
		goto out;
	printf("ready\n");
	fflush(stdout);
	run(&r);
	fprintf(stderr,
	        "yrdx-delay: %llu connections (%llu refused), %llu bytes forward, %llu back, "
	        "held at most %zu bytes (buffer %zu per direction)\n",
	        (unsigned long long)r.accepted, (unsigned long long)r.refused,
	        (unsigned long long)r.bytes[0], (unsigned long long)r.bytes[1], r.held_peak,
	        r.buffer);
out:
	while (r.conns)
		conn_free(&r, r.conns);
	for (size_t i = 0; i < r.n_routes; i++)
		if (r.routes[i].fd >= 0)
			close(r.routes[i].fd);
	if (r.ep >= 0)
		close(r.ep);
	free(r.routes);
	return ret;
}
