/* wire_segment: a Segment read as received, into what yx_remote_append verifies, and
 * written as served, entry by entry.
 *
 * A city taking in the whole delta receives some 800,000 entries. Unpacked by protobuf-c,
 * every LogEntry is a message of its own and every change's bytes are copied: 7 % of
 * what such a city spent. So a segment in the form packers write — each field once, in
 * any order, unknown fields skipped — is read where it lies, its entries pointing into the
 * bytes read. A segment in any other form protobuf-c accepts (a submessage given twice,
 * which protobuf merges; a oneof given twice) is left to protobuf-c and its batch
 * converted: both ways give the same segment (tests/unit/test_wire.c, tests/fuzz/
 * fuzz_peer.c compare them). Nothing is verified here. */
#ifndef YRDX_WIRE_SEGMENT_H
#define YRDX_WIRE_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "chain.h"
#include "error.h"
#include "verify.h"
#include "wire.pb-c.h"

typedef struct {
	const uint8_t *origin; /* YX_KEY_BYTES; NULL when the batch has no origin of that size */
	yx_head_t head;        /* on YX_OK */
	yx_entry_t *entries;   /* in the arena; their bytes and digests where they were read */
	size_t n_entries;
} yx_wire_segment_t;

/* data[len]: a packed PeerMessage. YX_OK: it holds a Segment, read into *seg (valid while
 * data and the arena's allocations are). YX_ENOTFOUND: it holds another message or a
 * segment in a form left to protobuf-c; the caller unpacks it. YX_EDECODE with diag: a
 * segment without an origin or a head, or with an entry that is neither a change nor a
 * stub of YX_HASH_BYTES; what yx_head_from_proto says of a malformed head. -ENOMEM.
 * On an error, seg->origin is set as far as the batch has one. */
int yx_wire_segment_read(const uint8_t *data, size_t len, yx_arena_t *arena, yx_wire_segment_t *seg,
                         yx_diag_t *diag);

/* The same of a batch protobuf-c unpacked (b may be NULL: a Segment without one); the
 * entries point into b. */
int yx_wire_segment_from_batch(const Yrdx__LogBatch *b, yx_arena_t *arena, yx_wire_segment_t *seg,
                               yx_diag_t *diag);

/* A segment written as the PeerMessage a server sends, entry by entry as the log is read,
 * in the bytes protobuf-c's pack would give (fields in number order: the same bytes,
 * test_wire_segment compares them) without building a message of each entry first: at a
 * capital, packing the segments it serves was a quarter of its serving. */
typedef struct {
	uint8_t *buf; /* room for the message's head, then the entries as written */
	size_t len, cap;
	size_t entries, stubs;
} yx_segment_writer_t;

/* Empties w for a new segment, keeping its buffer. */
void yx_segment_writer_reset(yx_segment_writer_t *w);

/* Appends entry seq: its change bytes[len], or for a stub its digest (YX_HASH_BYTES at
 * bytes, len ignored). -ENOMEM. */
int yx_segment_writer_add(yx_segment_writer_t *w, uint64_t seq, const uint8_t *bytes, size_t len,
                          bool stub);

/* Closes the segment with origin and head: *frame (inside w's buffer, valid until w
 * changes) gets the whole packed PeerMessage, *frame_len its size. -ENOMEM. */
int yx_segment_writer_finish(yx_segment_writer_t *w, const uint8_t origin[YX_KEY_BYTES],
                             const yx_head_t *head, const uint8_t **frame, size_t *frame_len);

void yx_segment_writer_free(yx_segment_writer_t *w);

#endif
