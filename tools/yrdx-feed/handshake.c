#include "handshake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hs_watch {
	zsock_t *watched;
	zsock_t *pair;       /* the monitor's events */
	bool succeeded;      /* a handshake went through on this socket */
	int64_t refused_ms;  /* first refusal since the last success; 0: none */
	int refusals;        /* since then */
	bool auth;           /* the node's ZAP refused us since the last success */
};

hs_watch_t *hs_watch_new(zsock_t *s)
{
	char endpoint[64], connect[70];
	hs_watch_t *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	snprintf(endpoint, sizeof(endpoint), "inproc://yrdx-feed-handshake-%p", (void *)w);
	if (zmq_socket_monitor(zsock_resolve(s), endpoint,
	                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	                               ZMQ_EVENT_DISCONNECTED) != 0 ||
	    (snprintf(connect, sizeof(connect), ">%s", endpoint),
	     !(w->pair = zsock_new_pair(connect)))) {
		zmq_socket_monitor(zsock_resolve(s), NULL, 0);
		free(w);
		return NULL;
	}
	w->watched = s;
	return w;
}

void hs_watch_destroy(hs_watch_t **wp)
{
	hs_watch_t *w = *wp;
	if (!w)
		return;
	zmq_socket_monitor(zsock_resolve(w->watched), NULL, 0);
	zsock_destroy(&w->pair);
	free(w);
	*wp = NULL;
}

zsock_t *hs_watch_socket(hs_watch_t *w)
{
	return w->pair;
}

static void refused(hs_watch_t *w, bool auth, int64_t now)
{
	if (!w->refused_ms)
		w->refused_ms = now;
	w->refusals++;
	w->auth |= auth; /* the node's ZAP said no: the closing that follows says no more */
}

hs_state_t hs_watch_read(hs_watch_t *w, int64_t now)
{
	while (zsock_events(w->pair) & ZMQ_POLLIN) {
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
			w->succeeded = true;
			w->refused_ms = 0;
			w->refusals = 0;
			w->auth = false;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: refused(w, true, now); break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: refused(w, false, now); break;
		case ZMQ_EVENT_DISCONNECTED:
			/* closed before any handshake finished: the node could not open our
			 * HELLO, which is sealed to the key we were told is its */
			if (!w->succeeded)
				refused(w, false, now);
			break;
		default: break;
		}
	}
	if (w->refusals >= 2 && now - w->refused_ms >= HS_GIVE_UP_MS)
		return w->auth ? HS_REFUSED_KEY : HS_CLOSED;
	return w->succeeded ? HS_OK : HS_WAITING;
}
