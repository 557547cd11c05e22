#include "ctlclient.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct yx_ctl {
	zsock_t *sock;
};

int yx_ctl_open(const char *path, yx_ctl_t **out)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	if (access(path, R_OK | W_OK) != 0)
		return -errno;
	yx_ctl_t *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	zsys_handler_set(NULL);
	c->sock = zsock_new(ZMQ_DEALER);
	if (!c->sock || zsock_connect(c->sock, "ipc://%s", path) != 0) {
		zsock_destroy(&c->sock);
		free(c);
		return -ECONNREFUSED;
	}
	zsock_set_linger(c->sock, 0);
	*out = c;
	return YX_OK;
}

void yx_ctl_close(yx_ctl_t **ctl)
{
	if (ctl && *ctl) {
		zsock_destroy(&(*ctl)->sock);
		free(*ctl);
		*ctl = NULL;
	}
}

int yx_ctl_call(yx_ctl_t *ctl, const Yrdx__ControlRequest *req, int timeout_ms,
                Yrdx__ControlReply **reply)
{
	zframe_t *frame = NULL;
	zsock_set_sndtimeo(ctl->sock, timeout_ms);
	int ret = yx_wire_send(ctl->sock, NULL, &req->base, NULL);
	if (ret)
		return ret == -EAGAIN ? -ETIMEDOUT : ret;
	zpoller_t *poller = zpoller_new(ctl->sock, NULL);
	if (!poller)
		return -ENOMEM;
	void *ready = zpoller_wait(poller, timeout_ms);
	zpoller_destroy(&poller);
	if (!ready)
		return -ETIMEDOUT;
	if ((ret = yx_wire_recv(ctl->sock, NULL, &frame)))
		return ret;
	*reply = yx_wire_control_reply(frame);
	zframe_destroy(&frame);
	return *reply ? YX_OK : YX_EDECODE;
}
