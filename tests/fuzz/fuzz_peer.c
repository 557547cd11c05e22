/* Fuzz harness: a message on the peer port, as yrdxd's server (serve.c) and puller
 * (client.c) decode it — unpacked on the heap and into an arena — then what each kind's
 * handling does that needs no socket: Hello and Tips vectors read entry by entry, Pull
 * and Fill fields checked and a Fill's seqs looked up in the store, and a Segment turned
 * into entries — read in place as the puller reads it (yx_wire_segment_read), which must
 * agree with protobuf-c's unpack, and from protobuf-c's batch — and verified and applied
 * by yx_remote_append against a real store holding the sender's origin (fuzz_node.h),
 * then aborted: whatever the bytes, the store must be left as it was.
 *
 * With YRDX_FUZZ_SEEDS=DIR set, writes a seed corpus of real messages to DIR first. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_node.h"
#include "wire_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each origin key of a vector, as on_hello and on_tips read them. */
static size_t vector_read(const Yrdx__VersionVector *v)
{
	size_t usable = 0;
	for (size_t i = 0; v && i < v->n_entries; i++)
		usable +=
		        v->entries[i]->origin.len == YX_KEY_BYTES &&
		        (v->entries[i]->hash.len == 0 || v->entries[i]->hash.len == YX_HASH_BYTES);
	return usable;
}

/* A Fill: each seq asked (at most YXD_FILL_SEQS) decided by the function serve.c's on_fill calls.
 */
static void fill_read(fz_node_t *n, const Yrdx__Fill *f)
{
	if (f->origin.len != YX_KEY_BYTES || f->n_seqs == 0)
		return;
	(void)yxd_serve_fill_first(&n->d, &n->peer, f);
}

/* A Segment through verification and the store's apply, then aborted. */
static void segment_apply(fz_node_t *n, const yx_wire_segment_t *s)
{
	yx_remote_t *txn = NULL;
	yx_diag_t diag = {{0}};
	yx_tip_t before, after;
	size_t appended = 0;
	const uint8_t *other = yx_identity_public(n->other);

	if (yx_store_tip(n->d.store, other, &before) != YX_OK || yx_remote_begin(n->d.store, &txn))
		abort();
	int ret = yx_remote_append(txn, s->origin, s->entries, s->n_entries, &s->head, &appended,
	                           &diag);
	fz_note("segment", ret, &diag);
	/* Only a segment the origin signed gets in: the peer's own next one, or part of it. */
	if (ret == YX_OK && appended &&
	    (memcmp(s->origin, other, YX_KEY_BYTES) != 0 ||
	     s->head.seq > FZ_OTHER_SEQS + FZ_NEXT_SEQS)) {
		fprintf(stderr, "a segment nobody signed was applied: %zu entries to seq %llu\n",
		        appended, (unsigned long long)s->head.seq);
		abort();
	}
	yx_remote_abort(&txn);
	if (yx_store_tip(n->d.store, other, &after) != YX_OK || after.seq != before.seq ||
	    memcmp(after.hash, before.hash, YX_HASH_BYTES) != 0) {
		fprintf(stderr, "an aborted segment changed the store\n");
		abort();
	}
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
	return (a == NULL) == (b == NULL) && (!a || memcmp(a, b, len) == 0);
}

/* The puller's way: a segment read in place (wire_segment.h) must be what protobuf-c
 * unpacks — the same result and diagnosis, origin, head and entries. */
static void segment_in_place(fz_node_t *n, const uint8_t *data, size_t size)
{
	yx_wire_segment_t a, b;
	yx_diag_t da = {{0}}, db = {{0}};
	int ra = yx_wire_segment_read(data, size, &n->d.scratch, &a, &da);
	if (ra == YX_ENOTFOUND)
		return; /* left to protobuf-c: handle() has it */
	Yrdx__PeerMessage *m = yrdx__peer_message__unpack(NULL, size, data);
	bool same = m && m->msg_case == YRDX__PEER_MESSAGE__MSG_SEGMENT &&
	            yx_wire_segment_from_batch(m->segment->batch, &n->d.scratch, &b, &db) == ra &&
	            strcmp(da.msg, db.msg) == 0 && same_bytes(a.origin, b.origin, YX_KEY_BYTES);
	if (same && ra == YX_OK) {
		same = a.n_entries == b.n_entries && a.head.seq == b.head.seq &&
		       memcmp(a.head.hash, b.head.hash, YX_HASH_BYTES) == 0 &&
		       memcmp(a.head.signature, b.head.signature, YX_SIG_BYTES) == 0 &&
		       a.head.time_ms == b.head.time_ms && a.head.version == b.head.version &&
		       a.head.policy_seq == b.head.policy_seq;
		for (size_t i = 0; same && i < a.n_entries; i++)
			same = a.entries[i].seq == b.entries[i].seq &&
			       a.entries[i].len == b.entries[i].len &&
			       same_bytes(a.entries[i].bytes, b.entries[i].bytes,
			                  a.entries[i].len) &&
			       same_bytes(a.entries[i].digest, b.entries[i].digest, YX_HASH_BYTES);
	}
	if (!same) {
		fprintf(stderr, "a segment read in place differs from protobuf-c's (%d)\n", ra);
		abort();
	}
	if (ra == YX_OK)
		segment_apply(n, &a);
	yrdx__peer_message__free_unpacked(m, NULL);
}

/* The server's and the fallback's way: a segment protobuf-c unpacked. */
static void segment_from_batch(fz_node_t *n, const Yrdx__LogBatch *b)
{
	yx_wire_segment_t s;
	yx_diag_t diag = {{0}};
	if (yx_wire_segment_from_batch(b, &n->d.scratch, &s, &diag) == YX_OK)
		segment_apply(n, &s);
}

static void handle(fz_node_t *n, const Yrdx__PeerMessage *m)
{
	switch (m->msg_case) {
	case YRDX__PEER_MESSAGE__MSG_HELLO: vector_read(m->hello->vector); break;
	case YRDX__PEER_MESSAGE__MSG_TIPS: vector_read(m->tips->vector); break;
	case YRDX__PEER_MESSAGE__MSG_FILL: fill_read(n, m->fill); break;
	case YRDX__PEER_MESSAGE__MSG_SEGMENT: segment_from_batch(n, m->segment->batch); break;
	default: break; /* Pull, Credit, PullRefused: numbers and a key length, no more */
	}
}

static void seed_write(const char *dir, const char *name, const ProtobufCMessage *m,
                       const uint8_t *bytes, size_t len)
{
	char path[1024];
	uint8_t *packed = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (m) {
		len = protobuf_c_message_get_packed_size(m);
		packed = malloc(len ? len : 1);
		protobuf_c_message_pack(m, packed);
		bytes = packed;
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(packed);
}

/* Real messages of every kind, from this node's store and the peer's next segment. */
static void seeds_write(fz_node_t *n, const char *dir)
{
	uint8_t *seg = NULL;
	size_t len = 0;
	fz_node_next_segment(n, &seg, &len);
	seed_write(dir, "segment-next.bin", NULL, seg, len);
	free(seg);

	yx_vector_t v = {0};
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	Yrdx__VectorEntry ve[4], *vp[4];
	if (yx_store_vector(n->d.store, &v) != YX_OK)
		abort();
	for (size_t i = 0; i < v.n && i < 4; i++) {
		yrdx__vector_entry__init(&ve[i]);
		ve[i].origin = (ProtobufCBinaryData){YX_KEY_BYTES, v.tips[i].origin};
		ve[i].seq = v.tips[i].seq;
		ve[i].hash = (ProtobufCBinaryData){YX_HASH_BYTES, v.tips[i].hash};
		vp[i] = &ve[i];
		vec.n_entries++;
	}
	vec.entries = vp;
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Hello hello = YRDX__HELLO__INIT;
	hello.name = "othercity";
	hello.vector = &vec;
	hello.credit = 8;
	hello.session = 0x1234567890abcdefULL;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &hello;
	seed_write(dir, "hello.bin", &m.base, NULL, 0);

	Yrdx__Tips tips = YRDX__TIPS__INIT;
	tips.vector = &vec;
	tips.session = hello.session;
	tips.epoch = 42;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
	m.tips = &tips;
	seed_write(dir, "tips.bin", &m.base, NULL, 0);

	ProtobufCBinaryData other = {YX_KEY_BYTES, (uint8_t *)yx_identity_public(n->other)};
	Yrdx__Pull pull = YRDX__PULL__INIT;
	pull.origin = other;
	pull.from_seq = 2;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_PULL;
	m.pull = &pull;
	seed_write(dir, "pull.bin", &m.base, NULL, 0);

	uint64_t seqs[3] = {1, 2, 3};
	Yrdx__Fill fill = YRDX__FILL__INIT;
	fill.origin = other;
	fill.n_seqs = 3;
	fill.seqs = seqs;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_FILL;
	m.fill = &fill;
	seed_write(dir, "fill.bin", &m.base, NULL, 0);

	Yrdx__Credit credit = YRDX__CREDIT__INIT;
	credit.credit = 4;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
	m.credit = &credit;
	seed_write(dir, "credit.bin", &m.base, NULL, 0);

	Yrdx__PullRefused refused = YRDX__PULL_REFUSED__INIT;
	refused.origin = other;
	refused.reason = "withheld";
	refused.fill_last = 3;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_REFUSED;
	m.refused = &refused;
	seed_write(dir, "refused.bin", &m.base, NULL, 0);
	yx_vector_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_node_t *n = fz_node_get();
	static bool seeded;
	if (!seeded) {
		seeded = true;
		const char *dir = getenv("YRDX_FUZZ_SEEDS");
		if (dir)
			seeds_write(n, dir);
	}
	zframe_t *frame = zframe_new(data, size);
	if (!frame)
		return 0;
	/* The server's way: on the heap. */
	Yrdx__PeerMessage *m = yx_wire_peer_message(frame, NULL);
	if (m) {
		handle(n, m);
		yrdx__peer_message__free_unpacked(m, NULL);
	}
	/* The puller's way: a segment read in place, the rest into the scratch arena, reset
	 * after each message. */
	segment_in_place(n, data, size);
	yx_arena_reset(&n->d.scratch);
	if ((m = yx_wire_peer_message(frame, &n->d.scratch)))
		handle(n, m);
	yx_arena_reset(&n->d.scratch);
	zframe_destroy(&frame);
	return 0;
}
