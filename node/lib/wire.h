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
#include "wire.pb-c.h"

#define YX_MAX_WIRE_BYTES (8u << 20) /* no legitimate message comes close */

/* Packs msg into one frame and sends it on sock, after routing_id (a ROUTER's peer) when
 * not NULL. Returns YX_OK or -errno; *sent_bytes (may be NULL) gets the frame size. */
int yx_wire_send(zsock_t *sock, zframe_t *routing_id, const ProtobufCMessage *msg,
                 size_t *sent_bytes);

/* Receives one message from sock. For a ROUTER, *routing_id (caller destroys) gets the
 * sender's id, else pass NULL. *frame (caller destroys with zframe_destroy) holds the
 * packed bytes, which the unpacked message may point into; its metadata (User-Id set by
 * the ZAP handler) is read with zframe_meta. Returns YX_OK, YX_EDECODE for a malformed
 * multipart shape, YX_ETOOBIG, or -errno (-EAGAIN when nothing is waiting). */
int yx_wire_recv(zsock_t *sock, zframe_t **routing_id, zframe_t **frame);

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
 * frees with protobuf_c_message_free_unpacked. NULL if malformed. A PeerMessage may
 * instead be unpacked into arena (not NULL), which then holds it until its reset. */
Yrdx__PeerMessage *yx_wire_peer_message(zframe_t *frame, yx_arena_t *arena);
Yrdx__ControlRequest *yx_wire_control_request(zframe_t *frame);
Yrdx__ControlReply *yx_wire_control_reply(zframe_t *frame);

#endif
