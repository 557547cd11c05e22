#include "ctlclient.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The DEALER's connection events arrive on a PAIR socket (libzmq's socket monitor): the
 * kernel closes the daemon's end of the ipc connection the moment the daemon dies, and
 * libzmq reports that as ZMQ_EVENT_DISCONNECTED, so a request in flight fails at once
 * instead of waiting out its deadline. */
#define MONITOR_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED)

struct yx_ctl {
	zsock_t *sock;
	zsock_t *monitor;
	bool connected; /* the connection to the daemon is (or was) up */
	bool lost;      /* it went down: this connection is finished */
	bool refused;   /* it never came up: nothing accepts on the socket */
};

/* A plain connect, which refuses at once when the daemon that made the socket file is
 * gone. */
int yx_ctl_listening(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? YX_OK : -errno;
	close(fd);
	return ret == -ECONNREFUSED || ret == -ENOENT ? ret : YX_OK;
}

static int monitor_start(yx_ctl_t *c)
{
	/* The endpoint of a closed connection's monitor may still be bound a moment after
	 * it is stopped, and a new yx_ctl_t can get the old one's address: a sequence number
	 * keeps every monitor's endpoint its own. */
	static unsigned opened;
	char endpoint[80];
	snprintf(endpoint, sizeof(endpoint), "inproc://yx-ctl-monitor-%d-%u", (int)getpid(),
	         ++opened);
	if (zmq_socket_monitor(zsock_resolve(c->sock), endpoint, MONITOR_EVENTS) != 0)
		return -zmq_errno();
	c->monitor = zsock_new(ZMQ_PAIR);
	if (!c->monitor)
		return -ENOMEM;
	if (zsock_connect(c->monitor, "%s", endpoint) != 0)
		return -zmq_errno();
	return YX_OK;
}

int yx_ctl_open(const char *path, yx_ctl_t **out)
{
	struct stat st;
	int ret;
	if (stat(path, &st) != 0)
		return -errno;
	if (access(path, R_OK | W_OK) != 0)
		return -errno;
	if ((ret = yx_ctl_listening(path)) && ret != -ENAMETOOLONG)
		return ret; /* too long to ask this way: ZeroMQ's ipc tells below */
	yx_ctl_t *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	zsys_handler_set(NULL);
	c->sock = zsock_new(ZMQ_DEALER);
	ret = c->sock ? monitor_start(c) : -ENOMEM;
	if (ret == YX_OK && zsock_connect(c->sock, "ipc://%s", path) != 0)
		ret = -ECONNREFUSED;
	if (ret) {
		yx_ctl_close(&c);
		return ret;
	}
	zsock_set_linger(c->sock, 0);
	*out = c;
	return YX_OK;
}

void yx_ctl_close(yx_ctl_t **ctl)
{
	if (!ctl || !*ctl)
		return;
	yx_ctl_t *c = *ctl;
	if (c->sock && c->monitor)
		zmq_socket_monitor(zsock_resolve(c->sock), NULL, 0);
	zsock_destroy(&c->monitor);
	zsock_destroy(&c->sock);
	free(c);
	*ctl = NULL;
}

/* Reads one monitor event (two frames: event number and value, then the endpoint). */
static void monitor_read(yx_ctl_t *c)
{
	zmsg_t *msg = zmsg_recv(c->monitor);
	zframe_t *f = msg ? zmsg_first(msg) : NULL;
	uint16_t event = 0;
	if (f && zframe_size(f) >= sizeof(event))
		memcpy(&event, zframe_data(f), sizeof(event));
	zmsg_destroy(&msg);
	if (event == ZMQ_EVENT_CONNECTED)
		c->connected = true;
	else if (event == ZMQ_EVENT_DISCONNECTED && c->connected)
		c->lost = true;
	else if (event == ZMQ_EVENT_CONNECT_RETRIED && !c->connected)
		c->refused = true; /* ipc: nothing accepts on the path */
}

/* What the connection's state means for a request: YX_OK while usable. */
static int conn_state(const yx_ctl_t *c)
{
	if (c->lost)
		return -ECONNRESET;
	if (c->refused)
		return -ECONNREFUSED;
	return YX_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the reply is readable (YX_OK), the connection is lost, or the deadline. */
static int reply_wait(yx_ctl_t *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		zmq_pollitem_t items[2] = {{zsock_resolve(c->sock), 0, ZMQ_POLLIN, 0},
		                           {zsock_resolve(c->monitor), 0, ZMQ_POLLIN, 0}};
		int64_t left = deadline - now_ms();
		if (left < 0)
			left = 0;
		int n = zmq_poll(items, 2, (long)left);
		if (n < 0 && zmq_errno() != EINTR)
			return -zmq_errno();
		if (n > 0 && (items[1].revents & ZMQ_POLLIN)) {
			monitor_read(c);
			/* A reply that arrived before the daemon went away still counts. */
			if (conn_state(c) && !(items[0].revents & ZMQ_POLLIN))
				return conn_state(c);
		}
		if (n > 0 && (items[0].revents & ZMQ_POLLIN))
			return YX_OK;
		if (left == 0)
			return -ETIMEDOUT;
	}
}

int yx_ctl_call(yx_ctl_t *ctl, const Yrdx__ControlRequest *req, int timeout_ms,
                Yrdx__ControlReply **reply)
{
	zframe_t *frame = NULL;
	int ret;
	while (zsock_events(ctl->monitor) & ZMQ_POLLIN)
		monitor_read(ctl);
	if ((ret = conn_state(ctl)))
		return ret;
	size_t size = protobuf_c_message_get_packed_size(&req->base);
	if (size > YX_MAX_CONTROL_BYTES) {
		/* The daemon would answer the same (control.c); saying so here saves sending
		 * it, and a request past YX_MAX_CONTROL_FRAME would get no answer at all. */
		char msg[160];
		snprintf(msg, sizeof(msg),
		         "request of %zu bytes exceeds the limit of %u bytes; send it in smaller "
		         "batches",
		         size, YX_MAX_CONTROL_BYTES);
		Yrdx__ControlReply *r = malloc(sizeof(*r));
		if (!r || !(r->message = strdup(msg))) {
			free(r);
			return -ENOMEM;
		}
		char *m = r->message;
		yrdx__control_reply__init(r);
		r->message = m;
		r->error = YX_ETOOBIG;
		*reply = r;
		return YX_OK;
	}
	zsock_set_sndtimeo(ctl->sock, timeout_ms);
	ret = yx_wire_send(ctl->sock, NULL, &req->base, NULL);
	if (ret)
		return ret == -EAGAIN ? -ETIMEDOUT : ret;
	if ((ret = reply_wait(ctl, timeout_ms)))
		return ret;
	if ((ret = yx_wire_recv(ctl->sock, NULL, &frame)))
		return ret;
	*reply = yx_wire_control_reply(frame);
	zframe_destroy(&frame);
	return *reply ? YX_OK : YX_EDECODE;
}
