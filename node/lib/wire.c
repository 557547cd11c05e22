#include "wire.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "pbwalk.h"

struct yx_wire_blob {
	atomic_uint refs;
	size_t len;
	uint8_t data[];
};

/* Sends frame (and destroys it), after routing_id when not NULL. */
static int send_frame(zsock_t *sock, zframe_t *routing_id, zframe_t *frame)
{
	if (routing_id) {
		zframe_t *id = zframe_dup(routing_id);
		if (zframe_send(&id, sock, ZFRAME_MORE) != 0) {
			zframe_destroy(&id);
			zframe_destroy(&frame);
			return -errno;
		}
	}
	if (zframe_send(&frame, sock, 0) != 0) {
		int err = errno;
		zframe_destroy(&frame);
		return -err;
	}
	return YX_OK;
}

int yx_wire_send(zsock_t *sock, zframe_t *routing_id, const ProtobufCMessage *msg,
                 size_t *sent_bytes)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	zframe_t *frame = zframe_new(NULL, len);
	if (!frame)
		return -ENOMEM;
	protobuf_c_message_pack(msg, zframe_data(frame));
	if (sent_bytes)
		*sent_bytes = len;
	return send_frame(sock, routing_id, frame);
}

yx_wire_blob_t *yx_wire_blob_new(size_t len)
{
	yx_wire_blob_t *b = malloc(sizeof(*b) + len);
	if (b) {
		atomic_init(&b->refs, 1);
		b->len = len;
	}
	return b;
}

uint8_t *yx_wire_blob_data(yx_wire_blob_t *blob)
{
	return blob->data;
}

size_t yx_wire_blob_len(const yx_wire_blob_t *blob)
{
	return blob->len;
}

yx_wire_blob_t *yx_wire_blob_ref(yx_wire_blob_t *blob)
{
	atomic_fetch_add_explicit(&blob->refs, 1, memory_order_relaxed);
	return blob;
}

static void blob_release(yx_wire_blob_t *b)
{
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

void yx_wire_blob_unref(yx_wire_blob_t **blob)
{
	if (blob && *blob) {
		blob_release(*blob);
		*blob = NULL;
	}
}

/* libzmq let go of a message made from a blob (sent, or dropped with its connection). */
static void blob_sent(void *data, void *hint)
{
	(void)data;
	blob_release(hint);
}

int yx_wire_send_blob(zsock_t *sock, zframe_t *routing_id, yx_wire_blob_t *blob)
{
	zmq_msg_t msg;
	if (routing_id) {
		zframe_t *id = zframe_dup(routing_id);
		if (zframe_send(&id, sock, ZFRAME_MORE) != 0) {
			zframe_destroy(&id);
			return -errno;
		}
	}
	yx_wire_blob_ref(blob); /* libzmq's, let go in blob_sent */
	if (zmq_msg_init_data(&msg, blob->data, blob->len, blob_sent, blob) != 0) {
		int err = errno;
		blob_release(blob);
		return -err;
	}
	if (zmq_msg_send(&msg, zsock_resolve(sock), 0) < 0) {
		int err = errno;
		zmq_msg_close(&msg); /* which releases the blob */
		return -err;
	}
	return YX_OK;
}

int yx_wire_recv(zsock_t *sock, zframe_t **routing_id, zframe_t **frame)
{
	int ret = yx_wire_recv_max(sock, routing_id, frame, YX_MAX_WIRE_BYTES, NULL);
	if (ret == YX_ETOOBIG && routing_id)
		zframe_destroy(routing_id);
	return ret;
}

int yx_wire_recv_max(zsock_t *sock, zframe_t **routing_id, zframe_t **frame, size_t max,
                     size_t *size)
{
	int ret = YX_OK;
	*frame = NULL;
	if (routing_id)
		*routing_id = NULL;
	/* The first part without waiting (the parts of a message arrive together). Asking
	 * the socket for ZMQ_EVENTS first would cost a poll(2) of its mailbox per message. */
	zframe_t *first = zframe_recv_nowait(sock);
	if (!first)
		return -zmq_errno();
	if (routing_id) {
		*routing_id = first;
		if (!zframe_more(*routing_id)) {
			ret = YX_EDECODE;
			goto out;
		}
		*frame = zframe_recv(sock);
		if (!*frame) {
			ret = -zmq_errno();
			goto out;
		}
	} else {
		*frame = first;
	}
	if (zframe_more(*frame)) {
		/* More parts than the protocol has: drain them and refuse the message. */
		while (zsock_rcvmore(sock)) {
			zframe_t *extra = zframe_recv(sock);
			zframe_destroy(&extra);
		}
		ret = YX_EDECODE;
		goto out;
	}
	if (size)
		*size = zframe_size(*frame);
	if (zframe_size(*frame) > max) {
		zframe_destroy(frame);
		return YX_ETOOBIG; /* the routing id stays, for an answer */
	}
out:
	if (ret) {
		zframe_destroy(frame);
		if (routing_id)
			zframe_destroy(routing_id);
	}
	return ret;
}

int yx_wire_count(const uint8_t *data, size_t len, const uint32_t *path, size_t depth, size_t limit,
                  size_t *count)
{
	const uint8_t *p = data, *end = data + len;
	yx_pb_field_t f;
	if (!depth)
		return YX_EDECODE;
	while (p < end && *count <= limit) {
		if (!yx_pb_field(&p, end, &f))
			return YX_EDECODE;
		/* length-delimited: the one kind that can be on the path */
		if (f.wire != 2 || f.num != path[0])
			continue;
		if (depth == 1)
			(*count)++;
		else if (yx_wire_count(f.data, f.len, path + 1, depth - 1, limit, count))
			return YX_EDECODE;
	}
	return YX_OK;
}

Yrdx__PeerMessage *yx_wire_peer_message(zframe_t *frame, yx_arena_t *arena)
{
	return yrdx__peer_message__unpack(arena ? yx_arena_allocator(arena) : NULL,
	                                  zframe_size(frame), zframe_data(frame));
}

Yrdx__ControlRequest *yx_wire_control_request(zframe_t *frame, yx_arena_t *arena)
{
	return yrdx__control_request__unpack(arena ? yx_arena_allocator(arena) : NULL,
	                                     zframe_size(frame), zframe_data(frame));
}

Yrdx__ControlReply *yx_wire_control_reply(zframe_t *frame)
{
	return yrdx__control_reply__unpack(NULL, zframe_size(frame), zframe_data(frame));
}
