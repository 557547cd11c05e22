/* segments: the segments the peer port sends (serve.c). A segment is origin's log from a
 * seq to the signed head after it, the kinds a puller may have as bodies and the rest as
 * stubs (digests), packed into one PeerMessage and compressed for a puller that takes
 * zstd when that makes it smaller. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "policy.h"
#include "wire_segment.h"
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
	size_t turn;                /* the slot the next new segment takes: the oldest kept */
	size_t bytes;               /* what the kept segments hold */
	yx_segment_writer_t writer; /* the segment being built, grown to the largest one */
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

/* One segment being gathered from the log, written as it is read. */
typedef struct {
	yx_segment_writer_t *w;
	uint64_t last;
	uint32_t share_mask;
	int err;
} gather_t;

static int gather_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                        const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	gather_t *g = arg;
	uint8_t d[YX_HASH_BYTES];
	(void)hash;
	if (seq > g->last)
		return 1;
	bool stub = !bytes || (int)kind < 0 || kind >= YX_KIND_COUNT ||
	            !(g->share_mask & YX_KIND_BIT(kind));
	if (stub && bytes) {
		yx_chain_digest(bytes, len, d); /* withheld: the digest of what we hold */
		digest = d;
	}
	if ((g->err = yx_segment_writer_add(g->w, seq, stub ? digest : bytes, len, stub)))
		return 1;
	return 0;
}

/* Puts the packed segment frame[len] into c's bytes: compressed when squash (a puller
 * that offered zstd, this node's sync/compress_level set) and compressing makes it
 * smaller; plain otherwise, and when memory for compressing is lacking. */
static int frame_segment(yxd_t *d, bool squash, const uint8_t *frame, size_t len, sent_t *c)
{
	const uint8_t *z = NULL;
	size_t z_len = 0;
	c->squashed = squash &&
	              yx_squash_pack(d->squash, (int)d->cfg->compress_level, frame, len, &z,
	                             &z_len) == YX_OK &&
	              z_len < len;
	if (!c->squashed) {
		if (!(c->blob = yx_wire_blob_new(len)))
			return -ENOMEM;
		memcpy(yx_wire_blob_data(c->blob), frame, len);
		return YX_OK;
	}
	Yrdx__PeerMessage outer = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Squashed sq = YRDX__SQUASHED__INIT;
	sq.codec = YRDX__CODEC__CODEC_ZSTD;
	sq.size = len;
	sq.data.data = (uint8_t *)(uintptr_t)z;
	sq.data.len = z_len;
	outer.msg_case = YRDX__PEER_MESSAGE__MSG_SQUASHED;
	outer.squashed = &sq;
	if (!(c->blob = yx_wire_blob_new(protobuf_c_message_get_packed_size(&outer.base))))
		return -ENOMEM;
	protobuf_c_message_pack(&outer.base, yx_wire_blob_data(c->blob));
	return YX_OK;
}

/* Gathers origin's segment from..head into c's bytes, what share_mask lets go as bodies
 * as bodies and the rest as stubs. */
static int build_segment(yxd_t *d, yxd_segments_t *sg, const uint8_t origin[YX_KEY_BYTES],
                         uint64_t from, const yx_head_t *head, uint32_t share_mask, bool squash,
                         sent_t *c)
{
	gather_t g = {&sg->writer, head->seq, share_mask, YX_OK};
	const uint8_t *frame;
	size_t len, want = (size_t)(head->seq - from + 1);
	int ret;
	if (head->seq < from || want > YX_HEAD_INTERVAL)
		return YX_ECORRUPT; /* heads are at most an interval apart */
	yx_segment_writer_reset(&sg->writer);
	ret = yx_store_log_iterate(d->store, origin, from, gather_entry, &g);
	if (ret == 1)
		ret = YX_OK;
	if (ret == YX_OK)
		ret = g.err;
	if (ret)
		return ret;
	if (sg->writer.entries != want)
		return YX_ECORRUPT;
	if ((ret = yx_segment_writer_finish(&sg->writer, origin, head, &frame, &len)) ||
	    (ret = frame_segment(d, squash, frame, len, c)))
		return ret;
	c->entries = sg->writer.entries;
	c->stubs = sg->writer.stubs;
	return YX_OK;
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
	yx_segment_writer_free(&sg->writer);
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
