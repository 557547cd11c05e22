/* http: the node's read-only HTTP port (listen/metrics, plain HTTP, localhost by
 * default): the console at / and Prometheus text at /metrics. libmicrohttpd runs without
 * threads of its own: its epoll descriptor is polled by the node's one loop, so the
 * handlers read the node's state without locks — and whatever they compute, the loop
 * waits for, which is why the costly figures are cached (overview.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"

/* The console runs no script and loads nothing: a policy saying so makes any markup a
 * record might smuggle past the escaping inert as well. */
#define CONSOLE_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *body, size_t len)
{
	struct MHD_Response *r =
	        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy", CONSOLE_CSP);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *data_size, void **state)
{
	static const char text[] = "text/plain; charset=utf-8";
	yxd_t *d = cls;
	yxd_view_t v;
	yxd_page_t p = {{0}};
	bool metrics = strcmp(url, "/metrics") == 0;
	(void)version;
	(void)data;
	(void)data_size;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char msg[] = "read-only: GET only\n";
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, msg, sizeof(msg) - 1);
	}
	if (!metrics && strcmp(url, "/") != 0) {
		static const char msg[] = "not found: the console is at / and the metrics at "
		                          "/metrics\n";
		return reply(conn, MHD_HTTP_NOT_FOUND, text, msg, sizeof(msg) - 1);
	}
	int ret = yxd_view_make(d, zclock_mono(), &v);
	if (ret == YX_OK) {
		if (metrics)
			yxd_metrics_text(d, &v, &p);
		else
			yxd_console_page(d, &v, &p);
		yxd_view_free(&v);
		ret = p.err;
	}
	enum MHD_Result r;
	if (ret) {
		/* Out of memory is an answer too, not an abort. */
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "the node could not make this page now: %s\n",
		                 yx_strerror(ret));
		r = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text, msg, (size_t)n);
	} else {
		r = reply(conn, MHD_HTTP_OK,
		          metrics ? "text/plain; version=0.0.4; charset=utf-8"
		                  : "text/html; charset=utf-8",
		          p.b.p ? p.b.p : "", p.b.len);
	}
	yxd_page_free(&p);
	return r;
}

int yxd_http_start(yxd_t *d)
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
	if (yxd_overview_start(d) != YX_OK) {
		yx_log_error("metrics: out of memory");
		return -ENOMEM;
	}
	d->http = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL,
	                           NULL, handle, d, MHD_OPTION_SOCK_ADDR, &addr,
	                           MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT,
	                           16u, MHD_OPTION_END);
	if (!d->http) {
		yx_log_error("metrics: cannot listen on %s", d->cfg->metrics_addr);
		yxd_overview_stop(d);
		return -EADDRINUSE;
	}
	yx_log_info("metrics on http://%s/metrics, the console on http://%s/", d->cfg->metrics_addr,
	            d->cfg->metrics_addr);
	return YX_OK;
}

void yxd_http_stop(yxd_t *d)
{
	if (d->http)
		MHD_stop_daemon(d->http);
	d->http = NULL;
	yxd_overview_stop(d);
}

int yxd_http_fd(yxd_t *d)
{
	if (!d->http)
		return -1;
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->http, MHD_DAEMON_INFO_EPOLL_FD);
	return info ? info->epoll_fd : -1;
}

void yxd_http_run(yxd_t *d)
{
	if (d->http)
		MHD_run(d->http);
}
