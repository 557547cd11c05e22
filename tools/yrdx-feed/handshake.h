/* handshake: whether the node's feed port takes this park at all. libzmq does not tell
 * the application that a CURVE handshake was refused — it re-dials a connection the node
 * closed, and after a ZAP refusal it does not even do that — so a wrong --node-key or a
 * park key the node does not authorise would leave the feed waiting in silence. A socket
 * monitor on the feed's DEALER reads the handshake events instead. The watch outlives
 * the connections it watches: refusals on one connection after another, for
 * HS_GIVE_UP_MS with no handshake succeeding, are the answer. */
#ifndef YRDX_FEED_HANDSHAKE_H
#define YRDX_FEED_HANDSHAKE_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

/* Refused this long, with no handshake succeeding, is refused for good: long enough for
 * a node to pick up a park just added to its trust store (it checks its config file ten
 * times a second), short enough to answer within a few seconds. */
#define HS_GIVE_UP_MS 3000
/* A connection refused is made anew this soon (libzmq would not, after a ZAP refusal). */
#define HS_RETRY_MS 300

typedef enum {
	HS_WAITING,     /* no handshake finished yet, or refusals not yet for good */
	HS_OK,          /* a handshake succeeded: the node took this park's key */
	HS_REFUSED_KEY, /* the node's ZAP refused this park's key: not in its trust store */
	HS_CLOSED,      /* the node closed every handshake: its key is not --node-key */
} hs_state_t;

typedef struct hs_watch hs_watch_t;

/* A watch with no socket yet; NULL if out of memory (the caller goes on without). */
hs_watch_t *hs_watch_new(void);
/* Frees the watch (detached first); nulls the pointer; accepts NULL. */
void hs_watch_destroy(hs_watch_t **w);

/* Watches s's handshakes from now on (call before s connects; s outlives the attachment:
 * detach before destroying it). false if the monitor cannot be made: the watch then
 * watches nothing. */
bool hs_watch_attach(hs_watch_t *w, zsock_t *s);
void hs_watch_detach(hs_watch_t *w);

/* The socket to poll for events; NULL while detached. */
zsock_t *hs_watch_socket(hs_watch_t *w);

/* Reads the events waiting and returns the state as it now stands (now: zclock_mono). */
hs_state_t hs_watch_read(hs_watch_t *w, int64_t now);

/* Whether the last connection was refused and nothing succeeded since: time to make the
 * connection anew (after HS_RETRY_MS). */
bool hs_watch_refused(const hs_watch_t *w);

/* Whether libzmq re-made the connection (a handshake succeeded after a drop) since the
 * last call: the node's side of it, the subscription, is gone. */
bool hs_watch_take_renewed(hs_watch_t *w);

#endif
