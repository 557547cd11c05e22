/* wire: messages through real ZeroMQ sockets (inproc) and back unchanged, a ROUTER's
 * routing id passed through; malformed bytes, extra frames, a missing body frame and an
 * oversized frame refused, and the socket still usable after each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "fixtures.h"
#include "wire.h"

#define T0 1700000000000

/* A connected PAIR of sockets on an endpoint of its own. */
typedef struct {
	zsock_t *a, *b;
} pair_t;

static void pair_open(pair_t *p, const char *name)
{
	char ep[128];
	snprintf(ep, sizeof(ep), "inproc://test-wire-%s", name);
	p->a = zsock_new(ZMQ_PAIR);
	assert_non_null(p->a);
	assert_int_equal(zsock_bind(p->a, "%s", ep), 0);
	p->b = zsock_new(ZMQ_PAIR);
	assert_non_null(p->b);
	assert_int_equal(zsock_connect(p->b, "%s", ep), 0);
}

static void pair_close(pair_t *p)
{
	zsock_destroy(&p->a);
	zsock_destroy(&p->b);
}

/* Waits (at most 5 s, never needed on a healthy run) until sock has a message. */
static void wait_readable(zsock_t *sock)
{
	zpoller_t *poller = zpoller_new(sock, NULL);
	assert_non_null(poller);
	assert_ptr_equal(zpoller_wait(poller, 5000), sock);
	zpoller_destroy(&poller);
}

/* Sends len raw bytes as one frame, with more frames to follow if more. */
static void send_raw(zsock_t *sock, const void *data, size_t len, bool more)
{
	zframe_t *f = zframe_new(data, len);
	assert_non_null(f);
	assert_int_equal(zframe_send(&f, sock, more ? ZFRAME_MORE : 0), 0);
}

static zframe_t *recv_ok(zsock_t *sock)
{
	zframe_t *frame = NULL;
	wait_readable(sock);
	assert_int_equal(yx_wire_recv(sock, NULL, &frame), YX_OK);
	assert_non_null(frame);
	return frame;
}

/* Sends a Credit message on sock (from a DEALER, its ROUTER learns who it is). */
static void send_credit(zsock_t *sock, uint32_t credit)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Credit c = YRDX__CREDIT__INIT;
	c.credit = credit;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
	m.credit = &c;
	assert_int_equal(yx_wire_send(sock, NULL, &m.base, NULL), YX_OK);
}

/* Sends a Credit message and receives it again: the socket still works. */
static void expect_usable(pair_t *p, uint32_t credit)
{
	send_credit(p->a, credit);
	zframe_t *frame = recv_ok(p->b);
	Yrdx__PeerMessage *u = yx_wire_peer_message(frame, NULL);
	assert_non_null(u);
	assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_CREDIT);
	assert_int_equal(u->credit->credit, credit);
	yrdx__peer_message__free_unpacked(u, NULL);
	zframe_destroy(&frame);
}

static void check_hello(const Yrdx__PeerMessage *u, const uint8_t origins[2][32])
{
	assert_non_null(u);
	assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_HELLO);
	assert_string_equal(u->hello->name, "hangzhou");
	assert_int_equal(u->hello->credit, 16);
	assert_int_equal(u->hello->session, 0x8000000000000001ull);
	assert_int_equal(u->hello->vector->n_entries, 2);
	for (int i = 0; i < 2; i++) {
		const Yrdx__VectorEntry *e = u->hello->vector->entries[i];
		assert_int_equal(e->origin.len, 32);
		assert_memory_equal(e->origin.data, origins[i], 32);
		assert_int_equal(e->seq, 1000u * (i + 1));
		assert_int_equal(e->hash.len, 32);
	}
}

static void test_hello_round_trip(void **state)
{
	(void)state;
	pair_t p;
	uint8_t origins[2][32], hashes[2][32];
	Yrdx__VectorEntry ve[2], *vep[2];
	Yrdx__VersionVector vv = YRDX__VERSION_VECTOR__INIT;
	Yrdx__Hello h = YRDX__HELLO__INIT;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	size_t sent = 0;
	pair_open(&p, "hello");
	for (int i = 0; i < 2; i++) {
		memset(origins[i], 0x10 + i, 32);
		memset(hashes[i], 0x20 + i, 32);
		yrdx__vector_entry__init(&ve[i]);
		ve[i].origin = (ProtobufCBinaryData){32, origins[i]};
		ve[i].seq = 1000u * (uint64_t)(i + 1);
		ve[i].hash = (ProtobufCBinaryData){32, hashes[i]};
		vep[i] = &ve[i];
	}
	vv.n_entries = 2;
	vv.entries = vep;
	h.name = "hangzhou";
	h.vector = &vv;
	h.credit = 16;
	h.session = 0x8000000000000001ull;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;

	assert_int_equal(yx_wire_send(p.a, NULL, &m.base, &sent), YX_OK);
	assert_int_equal(sent, yrdx__peer_message__get_packed_size(&m));
	zframe_t *frame = recv_ok(p.b);
	assert_int_equal(zframe_size(frame), sent);
	Yrdx__PeerMessage *u = yx_wire_peer_message(frame, NULL);
	check_hello(u, (const uint8_t(*)[32])origins);
	yrdx__peer_message__free_unpacked(u, NULL);

	/* The same frame unpacked into an arena. */
	yx_arena_t arena;
	yx_arena_init(&arena);
	u = yx_wire_peer_message(frame, &arena);
	check_hello(u, (const uint8_t(*)[32])origins);
	assert_true(arena.total > 0);
	yx_arena_free(&arena);
	zframe_destroy(&frame);
	pair_close(&p);
}

/* A segment of real changes and a signed head: the change bytes arrive exactly as sent
 * (they are hashed, never re-encoded) and the head still verifies. */
static void test_segment_round_trip(void **state)
{
	(void)state;
	pair_t p;
	yx_identity_t *id = NULL;
	yx_diag_t d = {{0}};
	fx_log_t log;
	Yrdx__LogEntry le[3], *lep[3];
	Yrdx__SignedHead sh;
	Yrdx__LogBatch lb = YRDX__LOG_BATCH__INIT;
	Yrdx__Segment seg = YRDX__SEGMENT__INIT;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	pair_open(&p, "segment");
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	fx_log_init(&log, id);
	for (uint32_t i = 0; i < 3; i++) {
		fx_enterprise_t f;
		fx_enterprise_init(&f, i);
		fx_log_append(&log, YX_KIND_ENTERPRISE, &f.e, T0 + i);
	}
	fx_log_sign(&log, T0 + 3);
	for (size_t i = 0; i < 3; i++) {
		yrdx__log_entry__init(&le[i]);
		le[i].seq = log.e[i].seq;
		if (i == 1) { /* a stub */
			le[i].entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
			le[i].digest = (ProtobufCBinaryData){YX_HASH_BYTES, log.digest[i]};
		} else {
			le[i].entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
			le[i].change = (ProtobufCBinaryData){log.e[i].len, log.bytes[i]};
		}
		lep[i] = &le[i];
	}
	yx_head_to_proto(&log.head, &sh);
	lb.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(id)};
	lb.n_entries = 3;
	lb.entries = lep;
	lb.head = &sh;
	seg.batch = &lb;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	m.segment = &seg;

	assert_int_equal(yx_wire_send(p.a, NULL, &m.base, NULL), YX_OK);
	zframe_t *frame = recv_ok(p.b);
	Yrdx__PeerMessage *u = yx_wire_peer_message(frame, NULL);
	assert_non_null(u);
	assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_SEGMENT);
	const Yrdx__LogBatch *got = u->segment->batch;
	assert_int_equal(got->n_entries, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(got->entries[i]->seq, i + 1);
		if (i == 1) {
			assert_int_equal(got->entries[i]->entry_case,
			                 YRDX__LOG_ENTRY__ENTRY_DIGEST);
			assert_memory_equal(got->entries[i]->digest.data, log.digest[i], 32);
		} else {
			assert_int_equal(got->entries[i]->entry_case,
			                 YRDX__LOG_ENTRY__ENTRY_CHANGE);
			assert_int_equal(got->entries[i]->change.len, log.e[i].len);
			assert_memory_equal(got->entries[i]->change.data, log.bytes[i],
			                    log.e[i].len);
		}
	}
	yx_head_t head;
	assert_int_equal(yx_head_from_proto(got->head, &head, &d), YX_OK);
	/* Field by field: the struct has padding, which nothing sets. */
	assert_memory_equal(head.origin, log.head.origin, YX_KEY_BYTES);
	assert_int_equal(head.seq, log.head.seq);
	assert_memory_equal(head.hash, log.head.hash, YX_HASH_BYTES);
	assert_int_equal(head.time_ms, log.head.time_ms);
	assert_memory_equal(head.signature, log.head.signature, YX_SIG_BYTES);
	assert_int_equal(head.version, YX_HEAD_V2);
	assert_int_equal(head.policy_seq, log.head.policy_seq);
	assert_int_equal(yx_head_verify(&head), YX_OK);
	yrdx__peer_message__free_unpacked(u, NULL);
	zframe_destroy(&frame);
	fx_log_clear(&log);
	yx_identity_free(&id);
	pair_close(&p);
}

/* A ROUTER receives the sender's routing id beside the message and answers through it. */
static void test_router_routing_id(void **state)
{
	(void)state;
	zsock_t *router = zsock_new_router("@inproc://test-wire-router");
	zsock_t *dealer = zsock_new_dealer(">inproc://test-wire-router");
	assert_non_null(router);
	assert_non_null(dealer);
	uint8_t origin[32];
	memset(origin, 0x42, 32);
	Yrdx__Pull pull = YRDX__PULL__INIT;
	pull.origin = (ProtobufCBinaryData){32, origin};
	pull.from_seq = 1025;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_PULL;
	m.pull = &pull;
	assert_int_equal(yx_wire_send(dealer, NULL, &m.base, NULL), YX_OK);

	zframe_t *rid = NULL, *frame = NULL;
	wait_readable(router);
	assert_int_equal(yx_wire_recv(router, &rid, &frame), YX_OK);
	assert_non_null(rid);
	assert_true(zframe_size(rid) > 0);
	Yrdx__PeerMessage *u = yx_wire_peer_message(frame, NULL);
	assert_non_null(u);
	assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_PULL);
	assert_int_equal(u->pull->from_seq, 1025);
	assert_memory_equal(u->pull->origin.data, origin, 32);
	yrdx__peer_message__free_unpacked(u, NULL);
	zframe_destroy(&frame);

	Yrdx__PullRefused r = YRDX__PULL_REFUSED__INIT;
	r.origin = (ProtobufCBinaryData){32, origin};
	r.reason = "unknown origin";
	m.msg_case = YRDX__PEER_MESSAGE__MSG_REFUSED;
	m.refused = &r;
	assert_int_equal(yx_wire_send(router, rid, &m.base, NULL), YX_OK);
	assert_non_null(rid); /* still the caller's */
	zframe_destroy(&rid);
	frame = recv_ok(dealer);
	u = yx_wire_peer_message(frame, NULL);
	assert_non_null(u);
	assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_REFUSED);
	assert_string_equal(u->refused->reason, "unknown origin");
	yrdx__peer_message__free_unpacked(u, NULL);
	zframe_destroy(&frame);

	/* A message without a body frame after the routing id is refused. */
	pair_t p;
	pair_open(&p, "no-body");
	send_raw(p.a, "id", 2, false);
	wait_readable(p.b);
	rid = frame = NULL;
	assert_int_equal(yx_wire_recv(p.b, &rid, &frame), YX_EDECODE);
	assert_null(rid);
	assert_null(frame);
	expect_usable(&p, 1);
	pair_close(&p);
	zsock_destroy(&dealer);
	zsock_destroy(&router);
}

/* One blob sent to two pullers through a ROUTER: each gets the message whole, though the
 * creator let go of it before either read it (libzmq's queued messages hold it); and one
 * still queued when its socket goes is freed then (the sanitizer build would see a leak
 * or a use after free). */
static void test_blob_shared(void **state)
{
	(void)state;
	zsock_t *router = zsock_new_router("@inproc://test-wire-blob");
	zsock_t *dealer[2] = {zsock_new_dealer(">inproc://test-wire-blob"),
	                      zsock_new_dealer(">inproc://test-wire-blob")};
	zframe_t *rid[2] = {NULL, NULL};
	assert_non_null(router);
	for (int i = 0; i < 2; i++) {
		zframe_t *frame = NULL;
		assert_non_null(dealer[i]);
		send_credit(dealer[i], 1 + (uint32_t)i);
		wait_readable(router);
		assert_int_equal(yx_wire_recv(router, &rid[i], &frame), YX_OK);
		zframe_destroy(&frame);
	}
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Credit c = YRDX__CREDIT__INIT;
	c.credit = 77;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
	m.credit = &c;
	yx_wire_blob_t *blob = yx_wire_blob_new(protobuf_c_message_get_packed_size(&m.base));
	assert_non_null(blob);
	protobuf_c_message_pack(&m.base, yx_wire_blob_data(blob));
	for (int i = 0; i < 2; i++)
		assert_int_equal(yx_wire_send_blob(router, rid[i], blob), YX_OK);
	yx_wire_blob_unref(&blob);
	assert_null(blob);
	for (int i = 0; i < 2; i++) {
		zframe_t *frame = recv_ok(dealer[i]);
		Yrdx__PeerMessage *u = yx_wire_peer_message(frame, NULL);
		assert_non_null(u);
		assert_int_equal(u->msg_case, YRDX__PEER_MESSAGE__MSG_CREDIT);
		assert_int_equal(u->credit->credit, 77);
		yrdx__peer_message__free_unpacked(u, NULL);
		zframe_destroy(&frame);
	}
	/* Queued for a puller that never reads, then its socket and ours go. */
	blob = yx_wire_blob_new(protobuf_c_message_get_packed_size(&m.base));
	assert_non_null(blob);
	protobuf_c_message_pack(&m.base, yx_wire_blob_data(blob));
	assert_int_equal(yx_wire_send_blob(router, rid[0], blob), YX_OK);
	yx_wire_blob_unref(&blob);
	yx_wire_blob_unref(&blob); /* NULL: nothing */
	for (int i = 0; i < 2; i++) {
		zframe_destroy(&rid[i]);
		zsock_destroy(&dealer[i]);
	}
	zsock_destroy(&router);
}

static void test_control_round_trip(void **state)
{
	(void)state;
	pair_t p;
	pair_open(&p, "control");
	Yrdx__SyncRequest sync = YRDX__SYNC_REQUEST__INIT;
	sync.peer = "hefei";
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_SYNC;
	req.sync = &sync;
	assert_int_equal(yx_wire_send(p.a, NULL, &req.base, NULL), YX_OK);
	zframe_t *frame = recv_ok(p.b);
	Yrdx__ControlRequest *ur = yx_wire_control_request(frame, NULL);
	assert_non_null(ur);
	assert_int_equal(ur->req_case, YRDX__CONTROL_REQUEST__REQ_SYNC);
	assert_string_equal(ur->sync->peer, "hefei");
	yrdx__control_request__free_unpacked(ur, NULL);
	zframe_destroy(&frame);

	Yrdx__ControlReply rep = YRDX__CONTROL_REPLY__INIT;
	rep.error = YX_EINVAL;
	rep.message = "enterprise.city: 999999 is not a Yangtze River Delta prefecture-level city";
	rep.applied = 7;
	assert_int_equal(yx_wire_send(p.b, NULL, &rep.base, NULL), YX_OK);
	frame = recv_ok(p.a);
	Yrdx__ControlReply *up = yx_wire_control_reply(frame);
	assert_non_null(up);
	assert_int_equal(up->error, YX_EINVAL);
	assert_string_equal(up->message, rep.message);
	assert_int_equal(up->applied, 7);
	yrdx__control_reply__free_unpacked(up, NULL);
	zframe_destroy(&frame);
	pair_close(&p);
}

/* Bytes that are no message: every unpacker says so, with or without an arena. */
static void test_malformed_refused(void **state)
{
	(void)state;
	pair_t p;
	yx_arena_t arena;
	pair_open(&p, "malformed");
	yx_arena_init(&arena);

	/* A valid Hello cut short inside its name. */
	Yrdx__Hello h = YRDX__HELLO__INIT;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	h.name = "shanghai-node-with-a-long-name";
	h.credit = 3;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;
	uint8_t packed[128];
	size_t len = yrdx__peer_message__get_packed_size(&m);
	assert_true(len <= sizeof(packed));
	yrdx__peer_message__pack(&m, packed);

	static const uint8_t bad_wire_type[] = {0x0f, 0x00};              /* field 1, wire type 7 */
	static const uint8_t endless_varint[] = {0x08, 0xff, 0xff, 0xff}; /* no last byte */
	static const uint8_t long_length[] = {0x0a, 0x7f, 0x01};          /* 127 bytes promised */
	const struct {
		const uint8_t *data;
		size_t len;
	} bad[] = {
	        {packed, len - 5},
	        {bad_wire_type, sizeof(bad_wire_type)},
	        {endless_varint, sizeof(endless_varint)},
	        {long_length, sizeof(long_length)},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		send_raw(p.a, bad[i].data, bad[i].len, false);
		zframe_t *frame = recv_ok(p.b);
		if (yx_wire_peer_message(frame, NULL) || yx_wire_peer_message(frame, &arena) ||
		    yx_wire_control_request(frame, NULL) || yx_wire_control_reply(frame))
			fail_msg("malformed input %zu was unpacked", i);
		zframe_destroy(&frame);
	}
	expect_usable(&p, 2);
	yx_arena_free(&arena);
	pair_close(&p);
}

/* More frames than the protocol has: the whole message is refused and drained, so the
 * next message is read as itself. */
static void test_extra_frames_refused(void **state)
{
	(void)state;
	pair_t p;
	zframe_t *frame = NULL;
	pair_open(&p, "multipart");
	send_raw(p.a, "\x2a\x02\x08\x05", 4, true); /* a valid PeerMessage{credit 5} ... */
	send_raw(p.a, "\x2a\x02\x08\x06", 4, true); /* ... with two more parts */
	send_raw(p.a, "\x2a\x02\x08\x07", 4, false);
	wait_readable(p.b);
	assert_int_equal(yx_wire_recv(p.b, NULL, &frame), YX_EDECODE);
	assert_null(frame);
	expect_usable(&p, 3);
	pair_close(&p);
}

/* The size limit: YX_MAX_WIRE_BYTES passes, one byte more is refused. */
static void test_oversized_refused(void **state)
{
	(void)state;
	pair_t p;
	zframe_t *frame = NULL;
	pair_open(&p, "oversized");
	uint8_t *big = calloc(1, YX_MAX_WIRE_BYTES + 1);
	assert_non_null(big);
	send_raw(p.a, big, YX_MAX_WIRE_BYTES + 1, false);
	wait_readable(p.b);
	assert_int_equal(yx_wire_recv(p.b, NULL, &frame), YX_ETOOBIG);
	assert_null(frame);

	send_raw(p.a, big, YX_MAX_WIRE_BYTES, false);
	frame = recv_ok(p.b);
	assert_int_equal(zframe_size(frame), YX_MAX_WIRE_BYTES);
	zframe_destroy(&frame);
	free(big);
	expect_usable(&p, 4);
	pair_close(&p);
}

static void test_nothing_waiting(void **state)
{
	(void)state;
	pair_t p;
	zframe_t *frame = NULL, *rid = NULL;
	pair_open(&p, "empty");
	assert_int_equal(yx_wire_recv(p.b, NULL, &frame), -EAGAIN);
	assert_null(frame);
	assert_int_equal(yx_wire_recv(p.b, &rid, &frame), -EAGAIN);
	assert_null(rid);
	assert_null(frame);
	pair_close(&p);
}

/* yx_wire_count reads element counts from the bytes: a packed segment of n entries says
 * n, a Tips names its origins, and bytes that are not a message are YX_EDECODE. */
static void test_count_from_bytes(void **state)
{
	(void)state;
	static const uint32_t entries_path[] = {4, 1, 2}, origins_path[] = {2, 1, 1};
	Yrdx__LogEntry e[3], *ep[3];
	uint8_t origin[32] = {1}, digest[32] = {2};
	for (size_t i = 0; i < 3; i++) {
		yrdx__log_entry__init(&e[i]);
		e[i].seq = i + 1;
		e[i].entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
		e[i].digest = (ProtobufCBinaryData){32, digest};
		ep[i] = &e[i];
	}
	Yrdx__LogBatch batch = YRDX__LOG_BATCH__INIT;
	batch.origin = (ProtobufCBinaryData){32, origin};
	batch.entries = ep;
	batch.n_entries = 3;
	Yrdx__Segment seg = YRDX__SEGMENT__INIT;
	seg.batch = &batch;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	m.segment = &seg;
	uint8_t buf[512];
	size_t len = protobuf_c_message_pack(&m.base, buf), n = 0;
	assert_int_equal(yx_wire_count(buf, len, entries_path, 3, SIZE_MAX, &n), YX_OK);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(yx_wire_count(buf, len, origins_path, 3, SIZE_MAX, &n), YX_OK);
	assert_int_equal(n, 0);
	/* Cut short, or a length running past the end. */
	assert_int_equal(yx_wire_count(buf, len - 1, entries_path, 3, SIZE_MAX, &n), YX_EDECODE);
	uint8_t bad[] = {0x22, 0x7f, 0x00};
	assert_int_equal(yx_wire_count(bad, sizeof(bad), entries_path, 3, SIZE_MAX, &n),
	                 YX_EDECODE);
	/* A million empty entries: counted, not allocated. */
	size_t many = 1000000, blen = 2 * many;
	uint8_t *big = malloc(blen + 16);
	assert_non_null(big);
	size_t h = 0;
	big[h++] = 0x22;               /* segment */
	size_t seg_len = 1 + 3 + blen; /* batch key, 3-byte length, entries */
	big[h++] = (uint8_t)(0x80 | (seg_len & 0x7f));
	big[h++] = (uint8_t)(0x80 | ((seg_len >> 7) & 0x7f));
	big[h++] = (uint8_t)(seg_len >> 14);
	big[h++] = 0x0a; /* batch */
	big[h++] = (uint8_t)(0x80 | (blen & 0x7f));
	big[h++] = (uint8_t)(0x80 | ((blen >> 7) & 0x7f));
	big[h++] = (uint8_t)(blen >> 14);
	for (size_t i = 0; i < many; i++) {
		big[h++] = 0x12;
		big[h++] = 0;
	}
	n = 0;
	assert_int_equal(yx_wire_count(big, h, entries_path, 3, SIZE_MAX, &n), YX_OK);
	assert_int_equal(n, many);
	/* With a limit, the walk stops just past it. */
	n = 0;
	assert_int_equal(yx_wire_count(big, h, entries_path, 3, 1024, &n), YX_OK);
	assert_int_equal(n, 1025);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_hello_round_trip),
	        cmocka_unit_test(test_segment_round_trip),
	        cmocka_unit_test(test_router_routing_id),
	        cmocka_unit_test(test_blob_shared),
	        cmocka_unit_test(test_control_round_trip),
	        cmocka_unit_test(test_malformed_refused),
	        cmocka_unit_test(test_extra_frames_refused),
	        cmocka_unit_test(test_oversized_refused),
	        cmocka_unit_test(test_nothing_waiting),
	        cmocka_unit_test(test_count_from_bytes),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	zsys_init();
	zsys_set_linger(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
