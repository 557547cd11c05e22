/* handshake: whether the node's feed port takes this park at all. libzmq retries a
 * refused CURVE handshake for ever and says nothing to the application, so a wrong
 * --node-key or a park key the node does not authorise would leave the feed waiting in
 * silence. A socket monitor on the feed's DEALER reads the handshake events instead:
 * refusals that go on for HS_GIVE_UP_MS with no handshake succeeding are the answer. */
#ifndef YRDX_FEED_HANDSHAKE_H
#define YRDX_FEED_HANDSHAKE_H

#include <czmq.h>
#include <stdint.h>

/* Refused this long, with no handshake succeeding, is refused for good: long enough for
 * a node to pick up a park just added to its trust store (it checks its config file ten
 * times a second), short enough to answer within a few seconds. */
#define HS_GIVE_UP_MS 3000

typedef enum {
	HS_WAITING,     /* no handshake finished yet, or refusals not yet for good */
	HS_OK,          /* a handshake succeeded: the node took this park's key */
	HS_REFUSED_KEY, /* the node's ZAP refused this park's key: not in its trust store */
	HS_CLOSED,      /* the node closed every handshake: its key is not --node-key */
} hs_state_t;

typedef struct hs_watch hs_watch_t;

/* Watches s's handshakes (call before s connects). NULL if the monitor cannot be made
 * (out of memory or descriptors); the caller then goes on without it. Caller destroys
 * it with hs_watch_destroy before s. */
hs_watch_t *hs_watch_new(zsock_t *s);
void hs_watch_destroy(hs_watch_t **w);

/* The socket to poll for events. */
zsock_t *hs_watch_socket(hs_watch_t *w);

/* Reads the events waiting and returns the state as it now stands (now: zclock_mono). */
hs_state_t hs_watch_read(hs_watch_t *w, int64_t now);

#endif
