#include "handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hs_watch {
	zsock_t *watched;   /* NULL while detached */
	zsock_t *pair;      /* the monitor's events */
	unsigned serial;    /* one inproc endpoint per attachment */
	bool succeeded;     /* a handshake went through since the last refusal */
	bool failed_here;   /* the current connection's refusal is counted */
	int64_t refused_ms; /* first refusal since the last success; 0: none */
	int refusals;       /* since then */
	bool auth;          /* the node's ZAP refused us since the last success */
	bool dropped;       /* a connection closed since the last handshake succeeded */
	bool renewed;       /* a handshake succeeded after a drop: state on the node is gone */
};

hs_watch_t *hs_watch_new(void)
{
	return calloc(1, sizeof(hs_watch_t));
}

void hs_watch_detach(hs_watch_t *w)
{
	if (!w || !w->watched)
		return;
	zmq_socket_monitor(zsock_resolve(w->watched), NULL, 0);
	zsock_destroy(&w->pair);
	w->watched = NULL;
}

void hs_watch_destroy(hs_watch_t **wp)
{
	hs_watch_detach(*wp);
	free(*wp);
	*wp = NULL;
}

bool hs_watch_attach(hs_watch_t *w, zsock_t *s)
{
	char endpoint[80];
	hs_watch_detach(w);
	snprintf(endpoint, sizeof(endpoint), "inproc://yrdx-feed-handshake-%p-%u", (void *)w,
	         w->serial++);
	if (zmq_socket_monitor(zsock_resolve(s), endpoint,
	                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	                               ZMQ_EVENT_DISCONNECTED) != 0)
		return false;
	memmove(endpoint + 1, endpoint, strlen(endpoint) + 1);
	endpoint[0] = '>'; /* a PAIR binds unless told to connect */
	if (!(w->pair = zsock_new_pair(endpoint))) {
		zmq_socket_monitor(zsock_resolve(s), NULL, 0);
		return false;
	}
	w->watched = s;
	w->failed_here = false;
	w->dropped = w->renewed = false;
	return true;
}

zsock_t *hs_watch_socket(hs_watch_t *w)
{
	return w->pair;
}

static void refused(hs_watch_t *w, bool auth, int64_t now)
{
	w->auth |= auth; /* the node's ZAP said no: the closing that follows says no more */
	if (w->failed_here)
		return; /* one refusal per connection */
	w->failed_here = true;
	w->succeeded = false;
	if (!w->refused_ms)
		w->refused_ms = now;
	w->refusals++;
}

hs_state_t hs_watch_read(hs_watch_t *w, int64_t now)
{
	while (w->pair && (zsock_events(w->pair) & ZMQ_POLLIN)) {
		zmsg_t *msg = zmsg_recv(w->pair);
		zframe_t *f = msg ? zmsg_first(msg) : NULL;
		uint16_t event = 0;
		if (f && zframe_size(f) >= 6)
			memcpy(&event, zframe_data(f), sizeof(event)); /* host order, libzmq's */
		zmsg_destroy(&msg);
		if (!f)
			break;
		switch (event) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			w->renewed |= w->dropped;
			w->dropped = false;
			w->succeeded = true;
			w->refused_ms = 0;
			w->refusals = 0;
			w->auth = false;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: refused(w, true, now); break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: refused(w, false, now); break;
		case ZMQ_EVENT_DISCONNECTED:
			/* closed before its handshake finished: the node could not open our
			 * HELLO, which is sealed to the key we were told is its */
			if (!w->succeeded)
				refused(w, false, now);
			w->failed_here = false; /* libzmq dials again: a new connection */
			w->dropped = true;
			break;
		default: break;
		}
	}
	if (w->refusals >= 2 && now - w->refused_ms >= HS_GIVE_UP_MS)
		return w->auth ? HS_REFUSED_KEY : HS_CLOSED;
	return w->succeeded ? HS_OK : HS_WAITING;
}

bool hs_watch_take_renewed(hs_watch_t *w)
{
	bool r = w && w->renewed;
	if (w)
		w->renewed = false;
	return r;
}

bool hs_watch_refused(const hs_watch_t *w)
{
	return w->refusals > 0 && !w->succeeded;
}
