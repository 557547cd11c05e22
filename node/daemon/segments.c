/* segments: the segments the peer port sends (serve.c). A segment is origin's log from a
 * seq to the signed head after it, the kinds a puller may have as bodies and the rest as
 * stubs (digests), packed into one PeerMessage and compressed for a puller that takes
 * zstd when that makes it smaller. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "policy.h"
#include "yrdxd.h"

/* Kept: segments as they went out, for the next puller that gets the same one. At a capital
 * each segment a commit brings is pushed to the dozen or more cities that pull its origin
 * there, all getting the same kinds as bodies (the default policy): gathering, packing and
 * compressing it once instead of once per puller was most of a hub's serving. Kept by
 * what decides the bytes — the origin, the range, the kinds that go as bodies, compressed
 * or not — and the store's count of fills, since a stub filled in changes a segment and
 * nothing else does (keyed by the last transaction instead, half the sends of a 41-city
 * run were built anew: a hub commits between one puller's ask and the next's). As many as
 * SENT_SLOTS, and SENT_KEEP_BYTES in all, the oldest going first. */
#define SENT_SLOTS      32
#define SENT_MAX_BYTES  (2u << 20) /* a larger segment is sent, not kept */
#define SENT_KEEP_BYTES (4u << 20)
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t from, last, fill_gen;
	uint32_t mask;
	bool squash; /* built for a puller that takes zstd */
} sent_key_t;

typedef struct {
	sent_key_t key;
	bool squashed;         /* compressed (it was smaller so) */
	size_t entries, stubs; /* what it holds */
	yx_wire_blob_t *blob;  /* the frame, shared with the sends still queued; NULL: empty */
} sent_t;

struct yxd_segments {
	sent_t slot[SENT_SLOTS];
	size_t turn;     /* the slot the next new segment takes: the oldest kept */
	size_t bytes;    /* what the kept segments hold */
	uint8_t *packed; /* a segment packed before compression, grown to the largest one */
	size_t packed_cap;
};

yxd_segments_t *yxd_segments_new(void)
{
	return calloc(1, sizeof(yxd_segments_t));
}

/* Forgets the segment kept in c (the sends still queued keep their reference). */
static void sent_drop(yxd_segments_t *sg, sent_t *c)
{
	if (c->blob)
		sg->bytes -= yx_wire_blob_len(c->blob);
	yx_wire_blob_unref(&c->blob);
	*c = (sent_t){0};
}

/* One segment being gathered from the log. */
typedef struct {
	Yrdx__LogEntry *entries;
	Yrdx__LogEntry **ptrs;
	size_t n, cap;
	uint64_t last;
	uint32_t share_mask;
	size_t stubs;
	uint8_t *buf;
	size_t buf_len, buf_cap;
	int err;
} gather_t;

/* Copies what an entry needs into one growing buffer; data pointers hold offsets until
 * the buffer stops moving, then fix_pointers makes them real. */
static int gather_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                        const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	gather_t *g = arg;
	(void)hash;
	if (seq > g->last || g->n == g->cap)
		return 1;
	bool stub = !bytes || (int)kind < 0 || kind >= YX_KIND_COUNT ||
	            !(g->share_mask & YX_KIND_BIT(kind));
	const uint8_t *src = stub ? digest : bytes;
	size_t n = stub ? YX_HASH_BYTES : len;
	if (yx_grow(g->buf, g->buf_cap, g->buf_len + n, 64 * 1024)) {
		g->err = -ENOMEM;
		return 1;
	}
	Yrdx__LogEntry *e = &g->entries[g->n++];
	yrdx__log_entry__init(e);
	e->seq = seq;
	memcpy(g->buf + g->buf_len, src, n);
	ProtobufCBinaryData b = {n, (uint8_t *)(uintptr_t)g->buf_len};
	if (stub) {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
		e->digest = b;
		g->stubs++;
	} else {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
		e->change = b;
	}
	g->buf_len += n;
	return 0;
}

static void fix_pointers(gather_t *g)
{
	for (size_t i = 0; i < g->n; i++) {
		Yrdx__LogEntry *e = &g->entries[i];
		ProtobufCBinaryData *b =
		        e->entry_case == YRDX__LOG_ENTRY__ENTRY_DIGEST ? &e->digest : &e->change;
		b->data = g->buf + (uintptr_t)b->data;
		g->ptrs[i] = e;
	}
}

/* Packs the segment message m into c's bytes: compressed when squash (a puller that
 * offered zstd, this node's sync/compress_level set) and compressing makes it smaller;
 * plain otherwise, and when memory for compressing is lacking. */
static int frame_segment(yxd_t *d, yxd_segments_t *sg, bool squash, Yrdx__PeerMessage *m, sent_t *c)
{
	Yrdx__PeerMessage outer = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Squashed sq = YRDX__SQUASHED__INIT;
	const ProtobufCMessage *frame = &m->base;
	size_t len = protobuf_c_message_get_packed_size(&m->base);
	c->squashed = false;
	if (squash && len > sg->packed_cap) {
		uint8_t *grown = realloc(sg->packed, len);
		if (grown) {
			sg->packed = grown;
			sg->packed_cap = len;
		}
	}
	if (squash && len <= sg->packed_cap) {
		const uint8_t *z = NULL;
		size_t z_len = 0;
		protobuf_c_message_pack(&m->base, sg->packed);
		if (yx_squash_pack(d->squash, (int)d->cfg->compress_level, sg->packed, len, &z,
		                   &z_len) == YX_OK &&
		    z_len < len) {
			sq.codec = YRDX__CODEC__CODEC_ZSTD;
			sq.size = len;
			sq.data.data = (uint8_t *)(uintptr_t)z;
			sq.data.len = z_len;
			outer.msg_case = YRDX__PEER_MESSAGE__MSG_SQUASHED;
			outer.squashed = &sq;
			frame = &outer.base;
			c->squashed = true;
		}
	}
	if (!(c->blob = yx_wire_blob_new(protobuf_c_message_get_packed_size(frame))))
		return -ENOMEM;
	protobuf_c_message_pack(frame, yx_wire_blob_data(c->blob));
	return YX_OK;
}

/* Gathers origin's segment from..head into c's bytes, what share_mask lets go as bodies
 * as bodies and the rest as stubs. */
static int build_segment(yxd_t *d, yxd_segments_t *sg, const uint8_t origin[YX_KEY_BYTES],
                         uint64_t from, const yx_head_t *head, uint32_t share_mask, bool squash,
                         sent_t *c)
{
	gather_t g = {0};
	int ret;
	g.share_mask = share_mask;
	g.last = head->seq;
	g.cap = (size_t)(head->seq - from + 1);
	if (g.cap > YX_HEAD_INTERVAL)
		return YX_ECORRUPT; /* heads are at most an interval apart */
	g.entries = calloc(g.cap, sizeof(*g.entries));
	g.ptrs = calloc(g.cap, sizeof(*g.ptrs));
	if (!g.entries || !g.ptrs) {
		ret = -ENOMEM;
		goto out;
	}
	ret = yx_store_log_iterate(d->store, origin, from, gather_entry, &g);
	if (ret == 1)
		ret = YX_OK;
	if (ret == YX_OK)
		ret = g.err;
	if (ret)
		goto out;
	if (g.n != g.cap || g.entries[0].seq != from) {
		ret = YX_ECORRUPT;
		goto out;
	}
	fix_pointers(&g);

	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Segment seg = YRDX__SEGMENT__INIT;
	Yrdx__LogBatch batch = YRDX__LOG_BATCH__INIT;
	Yrdx__SignedHead h;
	yx_head_to_proto(head, &h);
	batch.origin.data = (uint8_t *)origin;
	batch.origin.len = YX_KEY_BYTES;
	batch.entries = g.ptrs;
	batch.n_entries = g.n;
	batch.head = &h;
	seg.batch = &batch;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	m.segment = &seg;
	if ((ret = frame_segment(d, sg, squash, &m, c)))
		goto out;
	c->entries = g.n;
	c->stubs = g.stubs;
out:
	free(g.entries);
	free(g.ptrs);
	free(g.buf);
	return ret;
}

/* The kept segment with this key, or NULL. */
static sent_t *sent_find(yxd_segments_t *sg, const sent_key_t *key)
{
	for (size_t i = 0; i < SENT_SLOTS; i++) {
		const sent_key_t *k = &sg->slot[i].key;
		if (sg->slot[i].blob && k->from == key->from && k->last == key->last &&
		    k->fill_gen == key->fill_gen && k->mask == key->mask &&
		    k->squash == key->squash && memcmp(k->origin, key->origin, YX_KEY_BYTES) == 0)
			return &sg->slot[i];
	}
	return NULL;
}

/* Keeps the segment just built in c for the next puller that gets the same one, making
 * room by dropping the oldest kept; one over SENT_MAX_BYTES is dropped instead. */
static void sent_keep(yxd_segments_t *sg, sent_t *c)
{
	sg->bytes += yx_wire_blob_len(c->blob);
	if (yx_wire_blob_len(c->blob) > SENT_MAX_BYTES) {
		sent_drop(sg, c);
		return;
	}
	for (size_t i = 0; sg->bytes > SENT_KEEP_BYTES && i < SENT_SLOTS; i++) {
		sent_t *old = &sg->slot[(sg->turn + i) % SENT_SLOTS];
		if (old != c)
			sent_drop(sg, old);
	}
}

void yxd_segments_free(yxd_segments_t **segments)
{
	yxd_segments_t *sg = *segments;
	if (!sg)
		return;
	for (size_t i = 0; i < SENT_SLOTS; i++)
		sent_drop(sg, &sg->slot[i]);
	free(sg->packed);
	free(sg);
	*segments = NULL;
}

int yxd_segment_get(yxd_t *d, yxd_segments_t *sg, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                    const yx_head_t *head, uint32_t mask, bool squash, yxd_segment_t *out)
{
	sent_key_t key = {.from = from,
	                  .last = head->seq,
	                  .fill_gen = yx_store_fill_gen(d->store),
	                  .mask = mask,
	                  .squash = squash};
	memcpy(key.origin, origin, YX_KEY_BYTES);
	sent_t *c = sent_find(sg, &key);
	bool reused = c != NULL;
	if (!c) {
		c = &sg->slot[sg->turn++ % SENT_SLOTS];
		sent_drop(sg, c);
		int ret = build_segment(d, sg, origin, from, head, mask, squash, c);
		if (ret)
			return ret; /* c holds no bytes */
		c->key = key;
	}
	*out = (yxd_segment_t){yx_wire_blob_ref(c->blob), c->entries, c->stubs, c->squashed,
	                       reused};
	if (!reused)
		sent_keep(sg, c); /* or dropped, the caller's reference going on */
	return YX_OK;
}
