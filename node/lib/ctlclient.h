/* ctlclient: the client side of a node's control socket, used by yrdxctl. One request,
 * one reply, with a deadline: a daemon that is not running is reported, not waited on. */
#ifndef YRDX_CTLCLIENT_H
#define YRDX_CTLCLIENT_H

#include "error.h"
#include "wire.h"

typedef struct yx_ctl yx_ctl_t;

/* Whether a daemon listens on the control socket at path now: YX_OK if something
 * accepts, -ECONNREFUSED if nothing does (a killed daemon's socket file refuses), -ENOENT
 * if there is no socket file, -ENAMETOOLONG if the path is too long to ask. */
int yx_ctl_listening(const char *path);

/* Connects to the daemon's control socket at path. -ENOENT if no socket file exists and
 * -ECONNREFUSED if nothing listens on it (daemon not running, or killed and its socket
 * file left behind), -EACCES if not ours to use. Caller closes with yx_ctl_close. */
int yx_ctl_open(const char *path, yx_ctl_t **out);
void yx_ctl_close(yx_ctl_t **ctl);

/* Sends req and waits up to timeout_ms for the reply (caller frees it with
 * yrdx__control_reply__free_unpacked). -ETIMEDOUT if the daemon does not answer,
 * YX_EDECODE for a malformed reply. -ECONNRESET as soon as the daemon closes the
 * connection (it stopped or died) before answering, or if it did so since the last
 * call: the connection is then finished, every later call on it fails the same way, and
 * whether a request in flight took effect is for the caller to find out.
 * -ECONNREFUSED if the connection never came up. A request past YX_MAX_CONTROL_BYTES
 * is not sent: the reply is then an error YX_ETOOBIG whose message names its size and
 * the limit, as the daemon's would. */
int yx_ctl_call(yx_ctl_t *ctl, const Yrdx__ControlRequest *req, int timeout_ms,
                Yrdx__ControlReply **reply);

#endif
