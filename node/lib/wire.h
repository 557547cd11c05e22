/* wire: protobuf messages over ZeroMQ sockets, one message per frame.
 *
 * Peer and control messages are packed into a single frame; a ROUTER prepends the routing
 * id frame, which these helpers pass through. Nothing here trusts the bytes: every
 * unpack failure is YX_EDECODE. */
#ifndef YRDX_WIRE_H
#define YRDX_WIRE_H

#include <czmq.h>
#include <protobuf-c/protobuf-c.h>

#include "arena.h"
#include "error.h"
#include "verify.h"
#include "wire.pb-c.h"

/* Message size limits, all in one place. Each socket's ZMQ_MAXMSGSIZE is set from these,
 * so a frame past its limit is refused by libzmq as its header arrives — before the
 * handshake, before any byte of it is buffered — and the connection is closed.
 *
 * The largest legitimate message is a Segment, received by a pull DEALER: at most
 * YX_HEAD_INTERVAL entries, and since the writer also signs a head before the change
 * bytes since the last one pass YX_MAX_SEGMENT_BYTES (store.h: 6 MiB), at most that many
 * change bytes plus per-entry framing (seq, digest, tags: under 64 bytes) and the head. */
#define YX_MAX_WIRE_BYTES (8u << 20) /* a segment: 6 MiB + 4096 x 64 B framing + head */
/* (A FeedBatch, the largest message yrdx-feed receives, is cut to fit it too: feed.c.) */
/* What a puller sends the peer port (Hello with its version vector, Pull, Credit, Fill):
 * a vector entry is under 80 bytes, so 1 MiB is room for over 13,000 origins. */
#define YX_MAX_PEER_REQUEST_BYTES (1u << 20)
/* What a park sends the feed port: credit, an accept or a decline with a note. */
#define YX_MAX_FEED_REQUEST_BYTES (64u << 10)
/* A control request (yrdxctl checks before sending; import chunks under it). The control
 * socket reads requests up to YX_MAX_CONTROL_FRAME so that one past the limit is answered
 * with the limit rather than dropped; past that frame size, libzmq drops the connection. */
#define YX_MAX_CONTROL_BYTES (8u << 20)
#define YX_MAX_CONTROL_FRAME (64u << 20)

/* A server streams the origins a puller pulls round robin, up to YX_SERVE_RUN segments of
 * one origin a turn. A puller commits what arrived a few segments at a time, and one
 * origin's entries share pages in its store (its log and its records' state sit
 * together): segments of one origin in a row write those pages once per commit, where
 * segments of as many origins would write each origin's again at every segment. The puller's stall
 * watchdog allows for an origin waiting that long for its turn (docs/design.md, "Liveness"). */
#define YX_SERVE_RUN 16

/* Packs msg into one frame and sends it on sock, after routing_id (a ROUTER's peer) when
 * not NULL. Returns YX_OK or -errno; *sent_bytes (may be NULL) gets the frame size. */
int yx_wire_send(zsock_t *sock, zframe_t *routing_id, const ProtobufCMessage *msg,
                 size_t *sent_bytes);
/* A packed message whose bytes every send shares instead of copying them: a capital pushes
 * each new segment to the dozen or more cities that pull its origin there, and libzmq
 * queues each send until that puller's connection takes it — one copy per puller before.
 * Counted references: the creator's, and one per send libzmq still holds; the last to let
 * go frees it (libzmq's may be on its I/O thread). */
typedef struct yx_wire_blob yx_wire_blob_t;

/* A blob of len bytes to fill, holding the caller's reference; NULL without memory. */
yx_wire_blob_t *yx_wire_blob_new(size_t len);
uint8_t *yx_wire_blob_data(yx_wire_blob_t *blob);
size_t yx_wire_blob_len(const yx_wire_blob_t *blob);
/* Takes another reference to blob, for a holder of its own; returns blob. */
yx_wire_blob_t *yx_wire_blob_ref(yx_wire_blob_t *blob);
/* Lets go of the caller's reference and sets *blob to NULL (NULL or *blob NULL: nothing). */
void yx_wire_blob_unref(yx_wire_blob_t **blob);
/* Sends the blob's bytes, a message packed already (one frame), as yx_wire_send does,
 * without copying them. */
int yx_wire_send_blob(zsock_t *sock, zframe_t *routing_id, yx_wire_blob_t *blob);

/* Receives one message from sock. For a ROUTER, *routing_id (caller destroys) gets the
 * sender's id, else pass NULL. *frame (caller destroys with zframe_destroy) holds the
 * packed bytes, which the unpacked message may point into; its metadata (User-Id set by
 * the ZAP handler) is read with zframe_meta. Returns YX_OK, YX_EDECODE for a malformed
 * multipart shape, YX_ETOOBIG, or -errno (-EAGAIN when nothing is waiting). */
int yx_wire_recv(zsock_t *sock, zframe_t **routing_id, zframe_t **frame);
/* The same with a limit of max bytes: for YX_ETOOBIG, *routing_id (when asked for) is
 * kept for the caller to answer and destroy, and *size (may be NULL) gets the frame's
 * size. */
int yx_wire_recv_max(zsock_t *sock, zframe_t **routing_id, zframe_t **frame, size_t max,
                     size_t *size);

/* Counts, without unpacking, how often the field at the end of path (field numbers from
 * the outer message in) occurs in the packed message data[len]: say PeerMessage.segment
 * .batch.entries = {4, 1, 2}. protobuf-c allocates every element of a repeated message
 * field, so a count taken from the bytes first lets the caller refuse a message of a
 * million empty entries before it costs a million allocations. The walk stops once
 * *count is above limit (a refusal costs no more than limit elements), and what follows
 * is not checked then. Returns YX_OK, or YX_EDECODE when the bytes walked are not a
 * well-formed message. */
int yx_wire_count(const uint8_t *data, size_t len, const uint32_t *path, size_t depth, size_t limit,
                  size_t *count);

/* Unpacks a PeerMessage / ControlRequest / ControlReply from a received frame; caller
 * frees with protobuf_c_message_free_unpacked. NULL if malformed. A PeerMessage or a
 * ControlRequest may instead be unpacked into arena (not NULL), which then holds it
 * until its reset: a put of 5,000 records is some 100,000 allocations otherwise. */
Yrdx__PeerMessage *yx_wire_peer_message(zframe_t *frame, yx_arena_t *arena);
Yrdx__ControlRequest *yx_wire_control_request(zframe_t *frame, yx_arena_t *arena);
Yrdx__ControlReply *yx_wire_control_reply(zframe_t *frame);

#endif
