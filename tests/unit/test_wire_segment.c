/* wire_segment: a segment read in place is the segment protobuf-c unpacks, entry for entry
 * — for real segments, for the forms left to protobuf-c, and for seeded random mutations
 * of a real one (the seed is printed); a segment written is what protobuf-c packs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "fixtures.h"
#include "wire_segment.h"

#define N_ENTRIES 5
#define T0        1700000000000

/* A real segment of an origin: entries 1..N_ENTRIES, the second a stub, signed. */
typedef struct {
	yx_identity_t *id;
	fx_log_t log;
	Yrdx__LogEntry le[N_ENTRIES], *lep[N_ENTRIES];
	Yrdx__SignedHead sh;
	Yrdx__LogBatch lb;
	Yrdx__Segment seg;
	Yrdx__PeerMessage m;
	uint8_t *packed;
	size_t len;
} seg_fx_t;

static void seg_fx_open(seg_fx_t *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(yx_identity_generate(&f->id), YX_OK);
	fx_log_init(&f->log, f->id);
	for (uint32_t i = 0; i < N_ENTRIES; i++) {
		fx_enterprise_t e;
		fx_enterprise_init(&e, i);
		fx_log_append(&f->log, YX_KIND_ENTERPRISE, &e.e, T0 + i);
	}
	fx_log_sign(&f->log, T0 + N_ENTRIES);
	for (size_t i = 0; i < N_ENTRIES; i++) {
		yrdx__log_entry__init(&f->le[i]);
		f->le[i].seq = f->log.e[i].seq;
		if (i == 1) {
			f->le[i].entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
			f->le[i].digest = (ProtobufCBinaryData){YX_HASH_BYTES, f->log.digest[i]};
		} else {
			f->le[i].entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
			f->le[i].change = (ProtobufCBinaryData){f->log.e[i].len, f->log.bytes[i]};
		}
		f->lep[i] = &f->le[i];
	}
	yx_head_to_proto(&f->log.head, &f->sh);
	yrdx__log_batch__init(&f->lb);
	f->lb.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(f->id)};
	f->lb.n_entries = N_ENTRIES;
	f->lb.entries = f->lep;
	f->lb.head = &f->sh;
	yrdx__segment__init(&f->seg);
	f->seg.batch = &f->lb;
	yrdx__peer_message__init(&f->m);
	f->m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	f->m.segment = &f->seg;
	f->len = protobuf_c_message_get_packed_size(&f->m.base);
	f->packed = malloc(f->len);
	assert_non_null(f->packed);
	assert_int_equal(protobuf_c_message_pack(&f->m.base, f->packed), f->len);
}

static void seg_fx_close(seg_fx_t *f)
{
	free(f->packed);
	fx_log_clear(&f->log);
	yx_identity_free(&f->id);
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t len)
{
	return (a == NULL) == (b == NULL) && (!a || memcmp(a, b, len) == 0);
}

/* The two reads of data agree: protobuf-c's unpack holds a segment whenever the read in
 * place took data for one, and its batch converted gives the same result and diagnosis,
 * origin, head and entries. Returns what the read in place said. */
static int read_both(const uint8_t *data, size_t len)
{
	yx_arena_t arena;
	yx_wire_segment_t a, b;
	yx_diag_t da = {{0}}, db = {{0}};
	yx_arena_init(&arena);
	int ra = yx_wire_segment_read(data, len, &arena, &a, &da);
	Yrdx__PeerMessage *m = yrdx__peer_message__unpack(NULL, len, data);
	if (ra == YX_ENOTFOUND) {
		if (m)
			yrdx__peer_message__free_unpacked(m, NULL);
		yx_arena_free(&arena);
		return ra;
	}
	assert_non_null(m);
	assert_int_equal(m->msg_case, YRDX__PEER_MESSAGE__MSG_SEGMENT);
	int rb = yx_wire_segment_from_batch(m->segment->batch, &arena, &b, &db);
	assert_int_equal(ra, rb);
	assert_string_equal(da.msg, db.msg);
	assert_true(same_bytes(a.origin, b.origin, YX_KEY_BYTES));
	if (ra == YX_OK) {
		assert_memory_equal(a.head.origin, b.head.origin, YX_KEY_BYTES);
		assert_int_equal(a.head.seq, b.head.seq);
		assert_memory_equal(a.head.hash, b.head.hash, YX_HASH_BYTES);
		assert_int_equal(a.head.time_ms, b.head.time_ms);
		assert_memory_equal(a.head.signature, b.head.signature, YX_SIG_BYTES);
		assert_int_equal(a.head.version, b.head.version);
		assert_int_equal(a.head.policy_seq, b.head.policy_seq);
		assert_int_equal(a.n_entries, b.n_entries);
		for (size_t i = 0; i < a.n_entries; i++) {
			assert_int_equal(a.entries[i].seq, b.entries[i].seq);
			assert_int_equal(a.entries[i].len, b.entries[i].len);
			assert_true(same_bytes(a.entries[i].bytes, b.entries[i].bytes,
			                       a.entries[i].len));
			assert_true(same_bytes(a.entries[i].digest, b.entries[i].digest,
			                       YX_HASH_BYTES));
		}
	}
	yrdx__peer_message__free_unpacked(m, NULL);
	yx_arena_free(&arena);
	return ra;
}

/* A segment as packed is read in place: its entries point into the bytes, as sent. */
static void test_read_in_place(void **state)
{
	(void)state;
	seg_fx_t f;
	yx_arena_t arena;
	yx_wire_segment_t s;
	yx_diag_t d = {{0}};
	seg_fx_open(&f);
	yx_arena_init(&arena);
	assert_int_equal(yx_wire_segment_read(f.packed, f.len, &arena, &s, &d), YX_OK);
	assert_memory_equal(s.origin, yx_identity_public(f.id), YX_KEY_BYTES);
	assert_int_equal(s.n_entries, N_ENTRIES);
	for (size_t i = 0; i < N_ENTRIES; i++) {
		assert_int_equal(s.entries[i].seq, i + 1);
		if (i == 1) {
			assert_null(s.entries[i].bytes);
			assert_memory_equal(s.entries[i].digest, f.log.digest[i], YX_HASH_BYTES);
		} else {
			assert_true(s.entries[i].bytes > f.packed &&
			            s.entries[i].bytes < f.packed + f.len);
			assert_int_equal(s.entries[i].len, f.log.e[i].len);
			assert_memory_equal(s.entries[i].bytes, f.log.bytes[i], f.log.e[i].len);
		}
	}
	assert_int_equal(s.head.seq, N_ENTRIES);
	assert_int_equal(yx_head_verify(&s.head), YX_OK);
	assert_int_equal(read_both(f.packed, f.len), YX_OK);
	yx_arena_free(&arena);
	seg_fx_close(&f);
}

static size_t pack(uint8_t *out, const ProtobufCMessage *m)
{
	return protobuf_c_message_pack(m, out);
}

/* A length-delimited field num of data[len] at out; its size. */
static size_t put_field(uint8_t *out, uint32_t num, const uint8_t *data, size_t len)
{
	size_t n = 0;
	out[n++] = (uint8_t)(num << 3 | 2);
	for (size_t v = len;; v >>= 7) {
		out[n++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
		if (v < 0x80)
			break;
	}
	memcpy(out + n, data, len);
	return n + len;
}

/* A PeerMessage at out holding a segment of f's origin and head with one entry, the
 * LogEntry bytes entry[len] as given; its size. batch: room to build it in. */
static size_t wrap(uint8_t *out, const seg_fx_t *f, const uint8_t *entry, size_t len,
                   uint8_t *batch)
{
	uint8_t head[256], seg[512];
	size_t b = put_field(batch, 1, f->lb.origin.data, YX_KEY_BYTES);
	b += put_field(batch + b, 2, entry, len);
	b += put_field(batch + b, 3, head, pack(head, &f->sh.base));
	size_t s = put_field(seg, 1, batch, b);
	return put_field(out, 4, seg, s);
}

/* Bytes appended to a packed message: a message of its own, merged by protobuf. */
static size_t append(uint8_t *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	return alen + blen;
}

/* What protobuf decodes otherwise than one field each is left to protobuf-c, and the
 * two ways still agree where both read a segment. */
static void test_other_forms(void **state)
{
	(void)state;
	seg_fx_t f;
	seg_fx_open(&f);
	uint8_t *buf = malloc(2 * f.len + 256);
	assert_non_null(buf);
	size_t n;

	/* The segment given twice: protobuf merges (the entries of both). */
	n = append(buf, f.packed, f.len, f.packed, f.len);
	assert_int_equal(read_both(buf, n), YX_ENOTFOUND);
	/* Another member of the oneof after it wins. */
	const uint8_t credit[] = {0x2a, 0x02, 0x08, 0x05}; /* credit { credit: 5 } */
	n = append(buf, f.packed, f.len, credit, sizeof(credit));
	assert_int_equal(read_both(buf, n), YX_ENOTFOUND);
	/* Before it, the segment wins; left to protobuf-c all the same. */
	n = append(buf, credit, sizeof(credit), f.packed, f.len);
	assert_int_equal(read_both(buf, n), YX_ENOTFOUND);
	/* An unknown field at the top is skipped: read in place. */
	const uint8_t unknown[] = {0xf8, 0x01, 0x07}; /* field 31, varint 7 */
	n = append(buf, unknown, sizeof(unknown), f.packed, f.len);
	assert_int_equal(read_both(buf, n), YX_OK);
	/* A known field with another wire type: protobuf-c refuses the message. */
	const uint8_t wrong[] = {0x20, 0x01}; /* field 4 as a varint */
	assert_int_equal(read_both(wrong, sizeof(wrong)), YX_ENOTFOUND);
	/* A tag or a length in more than 5 bytes, which protobuf-c refuses (an over-long
	 * varint of a small value): left to it. */
	const uint8_t long_tag[] = {0xa2, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00}; /* field 4 */
	assert_int_equal(read_both(long_tag, sizeof(long_tag)), YX_ENOTFOUND);
	const uint8_t long_len[] = {0x22, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	assert_int_equal(read_both(long_len, sizeof(long_len)), YX_ENOTFOUND);
	/* Not a segment. */
	assert_int_equal(read_both(credit, sizeof(credit)), YX_ENOTFOUND);
	assert_int_equal(read_both((const uint8_t *)"", 0), YX_ENOTFOUND);

	/* An entry with both a change and a digest (the oneof's last is protobuf-c's), and
	 * one with a second seq: left to protobuf-c. An entry with an unknown field: read in
	 * place. */
	uint8_t entry[256], batch[256];
	size_t e = pack(entry, &f.le[1].base); /* seq 2, digest */
	entry[e++] = 0x12;                     /* change: 1 byte */
	entry[e++] = 1;
	entry[e++] = 0x0a;
	assert_int_equal(read_both(buf, wrap(buf, &f, entry, e, batch)), YX_ENOTFOUND);
	e = pack(entry, &f.le[1].base);
	entry[e++] = 0x08; /* seq again */
	entry[e++] = 9;
	assert_int_equal(read_both(buf, wrap(buf, &f, entry, e, batch)), YX_ENOTFOUND);
	e = pack(entry, &f.le[1].base);
	entry[e++] = 0x20; /* field 4, varint: unknown to LogEntry */
	entry[e++] = 9;
	assert_int_equal(read_both(buf, wrap(buf, &f, entry, e, batch)), YX_OK);

	/* What is wrong as a segment, said alike: an entry neither change nor stub, a stub
	 * of another size, no head, no origin. */
	f.le[2].entry_case = YRDX__LOG_ENTRY__ENTRY__NOT_SET;
	n = protobuf_c_message_pack(&f.m.base, buf);
	assert_int_equal(read_both(buf, n), YX_EDECODE);
	f.le[2].entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
	f.le[2].digest = (ProtobufCBinaryData){16, f.log.digest[2]};
	n = protobuf_c_message_pack(&f.m.base, buf);
	assert_int_equal(read_both(buf, n), YX_EDECODE);
	f.lb.head = NULL;
	n = protobuf_c_message_pack(&f.m.base, buf);
	assert_int_equal(read_both(buf, n), YX_EDECODE);
	f.lb.head = &f.sh;
	f.lb.origin.len = 31;
	n = protobuf_c_message_pack(&f.m.base, buf);
	assert_int_equal(read_both(buf, n), YX_EDECODE);
	f.seg.batch = NULL;
	n = protobuf_c_message_pack(&f.m.base, buf);
	assert_int_equal(read_both(buf, n), YX_EDECODE);
	free(buf);
	seg_fx_close(&f);
}

/* Seeded random mutations of a real segment (bytes changed, cut, repeated): wherever the
 * read in place takes them, protobuf-c reads the same. */
static void test_mutations_agree(void **state)
{
	(void)state;
	seg_fx_t f;
	uint64_t rng = fx_seed("test_wire_segment");
	seg_fx_open(&f);
	uint8_t *buf = malloc(f.len + 64);
	assert_non_null(buf);
	size_t taken = 0, other = 0, refused = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = f.len;
		memcpy(buf, f.packed, n);
		for (int k = 1 + (int)(fx_rand(&rng) % 4); k > 0; k--) {
			size_t at = (size_t)fx_rand(&rng) % n;
			switch (fx_rand(&rng) % 4) {
			case 0: buf[at] = (uint8_t)fx_rand(&rng); break;
			case 1: buf[at] ^= (uint8_t)(1u << (fx_rand(&rng) % 8)); break;
			case 2: n = at + 1; break; /* cut */
			default:                   /* a run of bytes repeated */
				if (n + 16 <= f.len + 64) {
					memmove(buf + at + 16, buf + at, n - at);
					n += 16;
				}
			}
		}
		int ret = read_both(buf, n);
		taken += ret == YX_OK;
		other += ret == YX_ENOTFOUND;
		refused += ret != YX_OK && ret != YX_ENOTFOUND;
	}
	printf("test_wire_segment: 20000 mutations: %zu read in place, %zu refused as segments, "
	       "%zu left to protobuf-c\n",
	       taken, refused, other);
	/* The walk must have met each outcome, or it tested little. */
	assert_true(taken > 0 && other > 0 && refused > 0);
	free(buf);
	seg_fx_close(&f);
}

/* The writer gives the bytes protobuf-c's pack gives: for the real segment, and for one
 * of 600 entries at seqs past 2^40, whose lengths take three-byte varints. */
static void test_writer_packs_alike(void **state)
{
	(void)state;
	seg_fx_t f;
	yx_segment_writer_t w = {0};
	const uint8_t *frame;
	size_t len;
	seg_fx_open(&f);
	for (int round = 0; round < 2; round++) { /* the second reuses w's buffer */
		yx_segment_writer_reset(&w);
		for (size_t i = 0; i < N_ENTRIES; i++)
			assert_int_equal(
			        yx_segment_writer_add(&w, f.le[i].seq,
			                              i == 1 ? f.log.digest[i] : f.log.bytes[i],
			                              f.log.e[i].len, i == 1),
			        YX_OK);
		assert_int_equal(yx_segment_writer_finish(&w, yx_identity_public(f.id), &f.log.head,
		                                          &frame, &len),
		                 YX_OK);
		assert_int_equal(len, f.len);
		assert_memory_equal(frame, f.packed, len);
		assert_int_equal(w.entries, N_ENTRIES);
		assert_int_equal(w.stubs, 1);
	}

	enum { MANY = 600 };
	Yrdx__LogEntry *le = calloc(MANY, sizeof(*le)), **lep = calloc(MANY, sizeof(*lep));
	assert_non_null(le);
	assert_non_null(lep);
	yx_segment_writer_reset(&w);
	for (size_t i = 0; i < MANY; i++) {
		size_t k = i % N_ENTRIES;
		yrdx__log_entry__init(&le[i]);
		le[i].seq = ((uint64_t)1 << 40) + i;
		le[i].entry_case = f.le[k].entry_case;
		le[i].change = f.le[k].change;
		le[i].digest = f.le[k].digest;
		lep[i] = &le[i];
		bool stub = f.le[k].entry_case == YRDX__LOG_ENTRY__ENTRY_DIGEST;
		assert_int_equal(
		        yx_segment_writer_add(&w, le[i].seq,
		                              stub ? f.le[k].digest.data : f.le[k].change.data,
		                              f.le[k].change.len, stub),
		        YX_OK);
	}
	f.lb.entries = lep;
	f.lb.n_entries = MANY;
	size_t want = protobuf_c_message_get_packed_size(&f.m.base);
	uint8_t *packed = malloc(want);
	assert_non_null(packed);
	protobuf_c_message_pack(&f.m.base, packed);
	assert_true(want > 16384);
	assert_int_equal(
	        yx_segment_writer_finish(&w, yx_identity_public(f.id), &f.log.head, &frame, &len),
	        YX_OK);
	assert_int_equal(len, want);
	assert_memory_equal(frame, packed, len);
	/* And read back in place, entry for entry. */
	assert_int_equal(read_both(frame, len), YX_OK);
	free(packed);
	free(le);
	free(lep);
	f.lb.entries = f.lep;
	f.lb.n_entries = N_ENTRIES;
	yx_segment_writer_free(&w);
	seg_fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_read_in_place),
	        cmocka_unit_test(test_other_forms),
	        cmocka_unit_test(test_mutations_agree),
	        cmocka_unit_test(test_writer_packs_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
