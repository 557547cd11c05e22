/* metrics: Prometheus text at /metrics and a small read-only status page at /, over
 * plain HTTP (libmicrohttpd) on the configured localhost address. libmicrohttpd runs
 * without threads of its own: its epoll descriptor is polled by the node's one loop, so
 * handlers read the node's state without locks. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "yrdxd.h"

/* A growable text buffer for one response. */
typedef struct {
	char *buf;
	size_t len, cap;
} text_t;

static void text_add(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text_t *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->buf && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 4096;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		char *grown = realloc(t->buf, cap);
		if (!grown)
			return;
		t->buf = grown;
		t->cap = cap;
	}
}

static void metrics_text(yxd_t *d, text_t *t)
{
	Yrdx__StatusReply s = YRDX__STATUS_REPLY__INIT;
	yx_vector_t v;
	for (int i = 0; i < C_COUNT; i++) {
		const char *name = yxd_counter_name((yxd_counter_t)i);
		text_add(t, "# TYPE yrdx_%s_total counter\nyrdx_%s_total %llu\n", name, name,
		         (unsigned long long)d->counters[i]);
	}
	text_add(t, "# TYPE yrdx_charter_version gauge\nyrdx_charter_version %u\n",
	         yxd_charter_current(d) ? yxd_charter_current(d)->version : 0);
	if (yx_store_vector(d->store, &v) == YX_OK) {
		text_add(t, "# TYPE yrdx_origin_seq gauge\n");
		for (size_t i = 0; i < v.n; i++) {
			char key[YX_PUBKEY_TEXT_LEN + 1];
			yx_pubkey_format(v.tips[i].origin, key);
			text_add(t, "yrdx_origin_seq{origin=\"%s\"} %llu\n", key,
			         (unsigned long long)v.tips[i].seq);
		}
		yx_vector_free(&v);
	}
	yxd_clients_status(d, &s);
	text_add(t, "# TYPE yrdx_peer_connected gauge\n");
	for (size_t i = 0; i < s.n_peers; i++)
		text_add(t, "yrdx_peer_connected{peer=\"%s\"} %d\n", s.peers[i]->name,
		         s.peers[i]->connected ? 1 : 0);
	text_add(t, "# TYPE yrdx_peer_bytes_in_total counter\n");
	for (size_t i = 0; i < s.n_peers; i++)
		text_add(t, "yrdx_peer_bytes_in_total{peer=\"%s\"} %llu\n", s.peers[i]->name,
		         (unsigned long long)s.peers[i]->bytes_in);
	text_add(t, "# TYPE yrdx_peer_rejected_total counter\n");
	for (size_t i = 0; i < s.n_peers; i++)
		text_add(t, "yrdx_peer_rejected_total{peer=\"%s\"} %llu\n", s.peers[i]->name,
		         (unsigned long long)s.peers[i]->rejected);
	yxd_clients_status_free(&s);
}

static void status_page(yxd_t *d, text_t *t)
{
	Yrdx__StatusReply s = YRDX__STATUS_REPLY__INIT;
	text_add(t,
	         "<!doctype html><meta charset=utf-8><title>yrdx %s</title>"
	         "<h1>yrdx node %s</h1><p>city %u · key <code>%s</code></p>"
	         "<table border=1 cellpadding=4><tr><th>peer<th>endpoint<th>state"
	         "<th>bytes in<th>rejected</tr>",
	         d->cfg->name, d->cfg->name, d->cfg->city, d->pubkey_text);
	yxd_clients_status(d, &s);
	for (size_t i = 0; i < s.n_peers; i++)
		text_add(t, "<tr><td>%s<td>%s<td>%s<td>%llu<td>%llu</tr>", s.peers[i]->name,
		         s.peers[i]->endpoint, s.peers[i]->connected ? "connected" : "down",
		         (unsigned long long)s.peers[i]->bytes_in,
		         (unsigned long long)s.peers[i]->rejected);
	yxd_clients_status_free(&s);
	text_add(t, "</table><p><a href=/metrics>metrics</a></p>\n");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **state)
{
	yxd_t *d = cls;
	text_t t = {0};
	unsigned status = MHD_HTTP_OK;
	const char *type = "text/plain; version=0.0.4; charset=utf-8";
	(void)version;
	(void)data;
	(void)data_size;
	(void)state;
	if (strcmp(method, "GET") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		text_add(&t, "read-only: GET only\n");
	} else if (strcmp(url, "/metrics") == 0) {
		metrics_text(d, &t);
	} else if (strcmp(url, "/") == 0) {
		status_page(d, &t);
		type = "text/html; charset=utf-8";
	} else {
		status = MHD_HTTP_NOT_FOUND;
		text_add(&t, "not found\n");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(t.len, t.buf ? t.buf : (char *)"",
	                                                         MHD_RESPMEM_MUST_COPY);
	free(t.buf);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

int yxd_metrics_start(yxd_t *d)
{
	struct sockaddr_in addr = {0};
	char host[128];
	const char *colon = strrchr(d->cfg->metrics_addr, ':');
	if (!d->cfg->metrics_addr[0])
		return YX_OK; /* off */
	if (!colon || (size_t)(colon - d->cfg->metrics_addr) >= sizeof(host))
		return YX_ECONFIG;
	memcpy(host, d->cfg->metrics_addr, (size_t)(colon - d->cfg->metrics_addr));
	host[colon - d->cfg->metrics_addr] = '\0';
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)atoi(colon + 1));
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		yx_log_error("metrics: %s: give an IPv4 address and port", d->cfg->metrics_addr);
		return YX_ECONFIG;
	}
	d->metrics = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL,
	                              NULL, handle, d, MHD_OPTION_SOCK_ADDR, &addr,
	                              MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	                              MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	if (!d->metrics) {
		yx_log_error("metrics: cannot listen on %s", d->cfg->metrics_addr);
		return -EADDRINUSE;
	}
	yx_log_info("metrics on http://%s/metrics", d->cfg->metrics_addr);
	return YX_OK;
}

void yxd_metrics_stop(yxd_t *d)
{
	if (d->metrics)
		MHD_stop_daemon(d->metrics);
	d->metrics = NULL;
}

int yxd_metrics_fd(yxd_t *d)
{
	if (!d->metrics)
		return -1;
	const union MHD_DaemonInfo *info =
	        MHD_get_daemon_info(d->metrics, MHD_DAEMON_INFO_EPOLL_FD);
	return info ? info->epoll_fd : -1;
}

void yxd_metrics_run(yxd_t *d)
{
	if (d->metrics)
		MHD_run(d->metrics);
}
