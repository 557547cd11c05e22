#include "wire_segment.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "change.pb-c.h"
#include "grow.h"
#include "pbwalk.h"

/* Field numbers (proto/wire.proto, proto/change.proto). */
enum {
	PEER_SEGMENT = 4,
	SEGMENT_BATCH = 1,
	BATCH_ORIGIN = 1,
	BATCH_ENTRIES = 2,
	BATCH_HEAD = 3,
	ENTRY_SEQ = 1,
	ENTRY_CHANGE = 2,
	ENTRY_DIGEST = 3,
};

/* What the reader leaves to protobuf-c. */
#define OTHER YX_ENOTFOUND

/* A length-delimited field's bytes, and whether the message had it. */
typedef struct {
	const uint8_t *data;
	size_t len;
	bool present;
} span_t;

/* Reads the next field of a message of descriptor d. true: f holds a field the reader
 * handles. false with *ret OTHER: the bytes are not fields, or f is a field of d the
 * reader does not handle (left to protobuf-c); false with *ret YX_OK: the end. A field d
 * does not know is skipped, as protobuf-c sets it aside unused. */
static bool field(const uint8_t **p, const uint8_t *end, const ProtobufCMessageDescriptor *d,
                  uint32_t handled, yx_pb_field_t *f, int *ret)
{
	*ret = YX_OK;
	while (*p < end) {
		if (!yx_pb_field(p, end, f)) {
			*ret = OTHER;
			return false;
		}
		if (f->num <= 31 && (handled >> f->num & 1))
			return true;
		if (protobuf_c_message_descriptor_get_field(d, f->num)) {
			*ret = OTHER;
			return false;
		}
	}
	return false;
}

/* A handled field of one occurrence: length-delimited, given once. */
static int take_once(span_t *s, const yx_pb_field_t *f)
{
	if (f->wire != 2 || s->present)
		return OTHER;
	*s = (span_t){f->data, f->len, true};
	return YX_OK;
}

/* The PeerMessage's segment: its msg oneof given once, as a segment, and nothing after. */
static int peer_segment(const uint8_t *data, size_t len, span_t *seg)
{
	const uint8_t *p = data, *end = data + len;
	yx_pb_field_t f;
	int ret;
	while (field(&p, end, &yrdx__peer_message__descriptor, 1u << PEER_SEGMENT, &f, &ret))
		if ((ret = take_once(seg, &f)))
			return ret;
	/* Another member after it (the last one wins) stopped the walk with OTHER. */
	return ret ? ret : seg->present ? YX_OK : OTHER;
}

static int segment_batch(const span_t *seg, span_t *batch)
{
	const uint8_t *p = seg->data, *end = seg->data + seg->len;
	yx_pb_field_t f;
	int ret;
	while (field(&p, end, &yrdx__segment__descriptor, 1u << SEGMENT_BATCH, &f, &ret))
		if ((ret = take_once(batch, &f)))
			return ret;
	return ret;
}

/* The batch's origin and head, and how many entries it has. */
static int batch_scan(const span_t *batch, span_t *origin, span_t *head, size_t *n)
{
	const uint32_t handled = 1u << BATCH_ORIGIN | 1u << BATCH_ENTRIES | 1u << BATCH_HEAD;
	const uint8_t *p = batch->data, *end = batch->data + batch->len;
	yx_pb_field_t f;
	int ret;
	*n = 0;
	while (field(&p, end, &yrdx__log_batch__descriptor, handled, &f, &ret)) {
		if (f.num == BATCH_ENTRIES)
			ret = f.wire == 2 ? (++*n, YX_OK) : OTHER;
		else
			ret = take_once(f.num == BATCH_ORIGIN ? origin : head, &f);
		if (ret)
			return ret;
	}
	return ret;
}

/* One LogEntry into e; *bad when it is neither a change nor a stub. */
static int entry_read(const span_t *s, yx_entry_t *e, bool *bad)
{
	const uint32_t handled = 1u << ENTRY_SEQ | 1u << ENTRY_CHANGE | 1u << ENTRY_DIGEST;
	const uint8_t *p = s->data, *end = s->data + s->len;
	span_t body = {0};
	uint32_t body_case = 0;
	bool seq = false;
	yx_pb_field_t f;
	int ret;
	*e = (yx_entry_t){0};
	while (field(&p, end, &yrdx__log_entry__descriptor, handled, &f, &ret)) {
		if (f.num == ENTRY_SEQ) {
			if (f.wire != 0 || seq)
				return OTHER;
			e->seq = f.v;
			seq = true;
		} else if ((ret = take_once(&body, &f))) { /* the entry oneof, given once */
			return ret;
		} else {
			body_case = f.num;
		}
	}
	if (ret)
		return ret;
	/* As protobuf-c gives them: an empty change has no bytes. */
	if (body_case == ENTRY_CHANGE) {
		e->bytes = body.len ? body.data : NULL;
		e->len = body.len;
	} else if (body_case == ENTRY_DIGEST && body.len == YX_HASH_BYTES) {
		e->digest = body.data;
	} else {
		*bad = true;
	}
	return YX_OK;
}

/* What both ways read, checked alike: bad is the first entry that is neither a change
 * nor a stub (n_entries if none). */
static int finish(yx_wire_segment_t *seg, const uint8_t *origin, size_t origin_len,
                  const Yrdx__SignedHead *head, size_t bad, yx_diag_t *diag)
{
	int ret;
	seg->origin = origin_len == YX_KEY_BYTES ? origin : NULL;
	if (!seg->origin || !head)
		return yx_diag_set(diag, YX_EDECODE, "segment without origin or head");
	if ((ret = yx_head_from_proto(head, &seg->head, diag)))
		return ret;
	if (bad < seg->n_entries)
		return yx_diag_set(diag, YX_EDECODE, "entry %zu is neither change nor stub", bad);
	return YX_OK;
}

static int entries_alloc(yx_wire_segment_t *seg, yx_arena_t *arena, size_t n)
{
	seg->entries = yx_arena_alloc(arena, (n ? n : 1) * sizeof(yx_entry_t));
	seg->n_entries = n;
	return seg->entries ? YX_OK : -ENOMEM;
}

int yx_wire_segment_read(const uint8_t *data, size_t len, yx_arena_t *arena, yx_wire_segment_t *seg,
                         yx_diag_t *diag)
{
	span_t s = {0}, batch = {0}, origin = {0}, head = {0};
	Yrdx__SignedHead *h = NULL;
	size_t n, bad, i = 0;
	yx_pb_field_t f;
	int ret;

	memset(seg, 0, sizeof(*seg));
	if ((ret = peer_segment(data, len, &s)) || (ret = segment_batch(&s, &batch)))
		return ret;
	if (!batch.present)
		return finish(seg, NULL, 0, NULL, 0, diag);
	if ((ret = batch_scan(&batch, &origin, &head, &n)))
		return ret;
	/* A malformed head fails protobuf-c's unpack of the whole message: its way. */
	if (head.present &&
	    !(h = yrdx__signed_head__unpack(yx_arena_allocator(arena), head.len, head.data)))
		return OTHER;
	if ((ret = entries_alloc(seg, arena, n)))
		return ret;
	bad = n;
	const uint8_t *p = batch.data, *end = batch.data + batch.len;
	while (yx_pb_field(&p, end, &f)) {
		if (f.num != BATCH_ENTRIES)
			continue; /* read by batch_scan */
		bool wrong = false;
		if ((ret = entry_read(&(span_t){f.data, f.len, true}, &seg->entries[i], &wrong)))
			return ret;
		if (wrong && bad == n)
			bad = i;
		i++;
	}
	return finish(seg, origin.data, origin.len, h, bad, diag);
}

int yx_wire_segment_from_batch(const Yrdx__LogBatch *b, yx_arena_t *arena, yx_wire_segment_t *seg,
                               yx_diag_t *diag)
{
	int ret;
	memset(seg, 0, sizeof(*seg));
	if (!b)
		return finish(seg, NULL, 0, NULL, 0, diag);
	if ((ret = entries_alloc(seg, arena, b->n_entries)))
		return ret;
	size_t bad = b->n_entries;
	for (size_t i = 0; i < b->n_entries; i++) {
		const Yrdx__LogEntry *le = b->entries[i];
		yx_entry_t *e = &seg->entries[i];
		*e = (yx_entry_t){.seq = le->seq};
		if (le->entry_case == YRDX__LOG_ENTRY__ENTRY_CHANGE) {
			e->bytes = le->change.data;
			e->len = le->change.len;
		} else if (le->entry_case == YRDX__LOG_ENTRY__ENTRY_DIGEST &&
		           le->digest.len == YX_HASH_BYTES) {
			e->digest = le->digest.data;
		} else if (bad == b->n_entries) {
			bad = i;
		}
	}
	return finish(seg, b->origin.data, b->origin.len, b->head, bad, diag);
}

/* ---- a served segment, written ------------------------------------------------------ */

/* Tags: (field number << 3) | 2, every field written here being length-delimited. */
#define TAG(num)    ((uint8_t)((num) << 3 | 2))
#define TAG_SEQ     ((uint8_t)(ENTRY_SEQ << 3)) /* a varint */
#define ORIGIN_SIZE (2 + YX_KEY_BYTES)          /* LogBatch.origin: tag, length, key */
/* Room before the entries for what goes ahead of them: the PeerMessage's segment field
 * and the Segment's batch field (a tag and a length of up to 5 bytes each), then the
 * batch's origin. */
#define PREFIX (2 * (1 + 5) + ORIGIN_SIZE)

void yx_segment_writer_reset(yx_segment_writer_t *w)
{
	w->len = PREFIX;
	w->entries = 0;
	w->stubs = 0;
}

/* Room for n more bytes (after the prefix, in a writer never reset). */
static int writer_room(yx_segment_writer_t *w, size_t n)
{
	if (w->len < PREFIX)
		w->len = PREFIX;
	return yx_grow(w->buf, w->cap, w->len + n, 64 * 1024) ? -ENOMEM : YX_OK;
}

int yx_segment_writer_add(yx_segment_writer_t *w, uint64_t seq, const uint8_t *bytes, size_t len,
                          bool stub)
{
	if (stub)
		len = YX_HASH_BYTES;
	/* LogEntry: seq (field 1; never 0, which proto3 would leave out), then the change
	 * (field 2) or the digest (field 3). */
	size_t body = 1 + yx_pb_varint_size(seq) + 1 + yx_pb_varint_size(len) + len;
	if (writer_room(w, 1 + yx_pb_varint_size(body) + body))
		return -ENOMEM;
	uint8_t *p = w->buf + w->len;
	*p++ = TAG(BATCH_ENTRIES);
	p += yx_pb_varint_put(p, body);
	*p++ = TAG_SEQ;
	p += yx_pb_varint_put(p, seq);
	*p++ = TAG(stub ? ENTRY_DIGEST : ENTRY_CHANGE);
	p += yx_pb_varint_put(p, len);
	memcpy(p, bytes, len);
	w->len = (size_t)(p + len - w->buf);
	w->entries++;
	w->stubs += stub;
	return YX_OK;
}

int yx_segment_writer_finish(yx_segment_writer_t *w, const uint8_t origin[YX_KEY_BYTES],
                             const yx_head_t *head, const uint8_t **frame, size_t *frame_len)
{
	Yrdx__SignedHead h;
	yx_head_to_proto(head, &h);
	size_t head_len = protobuf_c_message_get_packed_size(&h.base);
	if (writer_room(w, 1 + yx_pb_varint_size(head_len) + head_len))
		return -ENOMEM;
	uint8_t *p = w->buf + w->len;
	*p++ = TAG(BATCH_HEAD);
	p += yx_pb_varint_put(p, head_len);
	p += protobuf_c_message_pack(&h.base, p);
	w->len = (size_t)(p - w->buf);

	/* Now the lengths are known: the fields ahead of the entries, ending where they begin. */
	size_t batch = ORIGIN_SIZE + (w->len - PREFIX);
	size_t seg = 1 + yx_pb_varint_size(batch) + batch;
	size_t start = PREFIX - ORIGIN_SIZE - (1 + yx_pb_varint_size(batch)) -
	               (1 + yx_pb_varint_size(seg));
	p = w->buf + start;
	*p++ = TAG(PEER_SEGMENT);
	p += yx_pb_varint_put(p, seg);
	*p++ = TAG(SEGMENT_BATCH);
	p += yx_pb_varint_put(p, batch);
	*p++ = TAG(BATCH_ORIGIN);
	*p++ = YX_KEY_BYTES;
	memcpy(p, origin, YX_KEY_BYTES);
	*frame = w->buf + start;
	*frame_len = w->len - start;
	return YX_OK;
}

void yx_segment_writer_free(yx_segment_writer_t *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
