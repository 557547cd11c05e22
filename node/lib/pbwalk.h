/* pbwalk: protobuf's wire format read field by field, in place, for the few readers that
 * look at packed bytes without protobuf-c's unpack: a change's kind and body peeked from
 * the store (codec.c), a message's element count taken before unpacking it (wire.c), a
 * received segment read where it lies (wire_segment.c); and the varints of the one
 * message written without protobuf-c's pack, a segment served (wire_segment.c).
 *
 * Header-only: these run once per field of every received entry. */
#ifndef YRDX_PBWALK_H
#define YRDX_PBWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One field: its number and wire type; a varint's value, or a length-delimited field's
 * bytes (len of them at data). Fixed-size fields are skipped, their value not kept. */
typedef struct {
	uint32_t num;
	unsigned wire; /* 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit */
	uint64_t v;    /* wire 0: the value */
	const uint8_t *data;
	size_t len; /* wire 2: the bytes */
} yx_pb_field_t;

/* A varint at *p (before end): its value, *p moved past it; false if cut or too long. */
static inline bool yx_pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	/* one byte, most tags and small numbers: no loop */
	if (*p < end && !(**p & 0x80)) {
		*v = *(*p)++;
		return true;
	}
	*v = 0;
	for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The field at *p (before end), *p moved past it. false at the end, or if what follows is
 * not a field as protobuf-c reads one: cut short, field number 0 or past 2^32 - 1, a tag
 * or a length in more than 5 bytes, or a group (which proto3 never writes). */
static inline bool yx_pb_field(const uint8_t **p, const uint8_t *end, yx_pb_field_t *f)
{
	const uint8_t *start = *p;
	uint64_t tag, n;
	if (*p >= end || !yx_pb_varint(p, end, &tag) || *p - start > 5 || tag >> 3 == 0 ||
	    tag >> 3 > UINT32_MAX)
		return false;
	f->num = (uint32_t)(tag >> 3);
	f->wire = (unsigned)(tag & 7);
	f->v = 0;
	f->data = NULL;
	f->len = 0;
	switch (f->wire) {
	case 0: return yx_pb_varint(p, end, &f->v);
	case 1:
	case 5:
		n = f->wire == 1 ? 8 : 4;
		if ((uint64_t)(end - *p) < n)
			return false;
		*p += n;
		return true;
	case 2:
		start = *p;
		if (!yx_pb_varint(p, end, &n) || *p - start > 5 || n > (uint64_t)(end - *p))
			return false;
		f->data = *p;
		f->len = (size_t)n;
		*p += n;
		return true;
	default: return false;
	}
}

/* How many bytes v takes as a varint (1 to 10). */
static inline size_t yx_pb_varint_size(uint64_t v)
{
	size_t n = 1;
	for (; v >= 0x80; v >>= 7)
		n++;
	return n;
}

/* v as a varint at out; the bytes written (yx_pb_varint_size of them). */
static inline size_t yx_pb_varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	for (; v >= 0x80; v >>= 7)
		out[n++] = (uint8_t)(v | 0x80);
	out[n++] = (uint8_t)v;
	return n;
}

#endif
