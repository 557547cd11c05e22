#include "wire.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

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

/* One varint at data[*at] (protobuf wire format); false when cut short or over-long. */
static bool varint_read(const uint8_t *data, size_t len, size_t *at, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *at < len; shift += 7) {
		uint8_t b = data[(*at)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

int yx_wire_count(const uint8_t *data, size_t len, const uint32_t *path, size_t depth, size_t limit,
                  size_t *count)
{
	size_t at = 0;
	uint64_t key, v;
	if (!depth)
		return YX_EDECODE;
	while (at < len && *count <= limit) {
		if (!varint_read(data, len, &at, &key))
			return YX_EDECODE;
		switch (key & 7) {
		case 0: /* varint */
			if (!varint_read(data, len, &at, &v))
				return YX_EDECODE;
			break;
		case 1: /* 64-bit */
			if (len - at < 8)
				return YX_EDECODE;
			at += 8;
			break;
		case 5: /* 32-bit */
			if (len - at < 4)
				return YX_EDECODE;
			at += 4;
			break;
		case 2: /* length-delimited: the one kind that can be on the path */
			if (!varint_read(data, len, &at, &v) || v > len - at)
				return YX_EDECODE;
			if ((key >> 3) == path[0]) {
				if (depth == 1)
					(*count)++;
				else if (yx_wire_count(data + at, (size_t)v, path + 1, depth - 1,
				                       limit, count))
					return YX_EDECODE;
			}
			at += (size_t)v;
			break;
		default: /* groups, which proto3 never writes, or garbage */ return YX_EDECODE;
		}
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

int yx_wire_segment_entries(const Yrdx__LogBatch *b, yx_head_t *head, yx_entry_t **entries,
                            yx_diag_t *diag)
{
	yx_entry_t *e = NULL;
	int ret;
	*entries = NULL;
	if (!b || b->origin.len != YX_KEY_BYTES || !b->head)
		return yx_diag_set(diag, YX_EDECODE, "segment without origin or head");
	if ((ret = yx_head_from_proto(b->head, head, diag)))
		return ret;
	if (!(e = calloc(b->n_entries ? b->n_entries : 1, sizeof(*e))))
		return -ENOMEM;
	for (size_t i = 0; i < b->n_entries; i++) {
		const Yrdx__LogEntry *le = b->entries[i];
		e[i].seq = le->seq;
		if (le->entry_case == YRDX__LOG_ENTRY__ENTRY_CHANGE) {
			e[i].bytes = le->change.data;
			e[i].len = le->change.len;
		} else if (le->entry_case == YRDX__LOG_ENTRY__ENTRY_DIGEST &&
		           le->digest.len == YX_HASH_BYTES) {
			e[i].digest = le->digest.data;
		} else {
			free(e);
			return yx_diag_set(diag, YX_EDECODE, "entry %zu is neither change nor stub",
			                   i);
		}
	}
	*entries = e;
	return YX_OK;
}
