/* codec: every record kind through yx_change_encode / yx_change_decode and back to the
 * same bytes; malformed, truncated and oversize input; the kind name table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "codec.h"
#include "error.h"

/* ---- comparisons, field by field ---- */

static void assert_bytes(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len)
		assert_memory_equal(a->data, b->data, a->len);
}

static void assert_strings(char *const *a, size_t na, char *const *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

/* Repeated enums of any type: protobuf-c stores them int-sized. */
static void assert_enums(const void *a, size_t na, const void *b, size_t nb)
{
	assert_int_equal(na, nb);
	if (na)
		assert_memory_equal(a, b, na * sizeof(int));
}

static void assert_envelope(const Yrdx__Change *a, const Yrdx__Change *b)
{
	assert_bytes(&a->origin, &b->origin);
	assert_int_equal(a->seq, b->seq);
	assert_bytes(&a->prev_hash, &b->prev_hash);
	assert_int_equal(a->time_ms, b->time_ms);
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->body_case, b->body_case);
}

static void assert_incubator(const Yrdx__Incubator *a, const Yrdx__Incubator *b)
{
	assert_non_null(b);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->city, b->city);
	assert_int_equal(a->tier, b->tier);
	assert_int_equal(a->operator_type, b->operator_type);
	assert_enums(a->focus_industries, a->n_focus_industries, b->focus_industries,
	             b->n_focus_industries);
	assert_enums(a->platforms, a->n_platforms, b->platforms, b->n_platforms);
	assert_int_equal(a->seed_fund_wan_yuan, b->seed_fund_wan_yuan);
	assert_int_equal(a->mentors, b->mentors);
	assert_int_equal(a->transformed, b->transformed);
	assert_int_equal(a->area_m2, b->area_m2);
}

static void assert_enterprise(const Yrdx__Enterprise *a, const Yrdx__Enterprise *b)
{
	assert_non_null(b);
	assert_string_equal(a->credit_code, b->credit_code);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->city, b->city);
	assert_int_equal(a->stage, b->stage);
	assert_strings(a->incubator_ids, a->n_incubator_ids, b->incubator_ids, b->n_incubator_ids);
	assert_enums(a->industries, a->n_industries, b->industries, b->n_industries);
	assert_enums(a->qualifications, a->n_qualifications, b->qualifications,
	             b->n_qualifications);
	assert_int_equal(a->employees, b->employees);
	assert_int_equal(a->patents, b->patents);
	assert_int_equal(a->funding_wan_yuan, b->funding_wan_yuan);
	assert_string_equal(a->park_id, b->park_id);
	assert_int_equal(a->founded_year, b->founded_year);
	if (!a->financials) {
		assert_null(b->financials);
	} else {
		assert_non_null(b->financials);
		assert_int_equal(a->financials->revenue_wan_yuan, b->financials->revenue_wan_yuan);
		assert_int_equal(a->financials->rd_spend_wan_yuan,
		                 b->financials->rd_spend_wan_yuan);
		assert_int_equal(a->financials->valuation_wan_yuan,
		                 b->financials->valuation_wan_yuan);
	}
}

static void assert_park(const Yrdx__Park *a, const Yrdx__Park *b)
{
	assert_non_null(b);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->city, b->city);
	assert_int_equal(a->type, b->type);
	assert_enums(a->industries, a->n_industries, b->industries, b->n_industries);
	assert_int_equal(a->capacity, b->capacity);
	assert_int_equal(a->area_m2, b->area_m2);
}

static void assert_relay_event(const Yrdx__RelayEvent *a, const Yrdx__RelayEvent *b)
{
	assert_non_null(b);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->case_id, b->case_id);
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->credit_code, b->credit_code);
	assert_string_equal(a->source_incubator_id, b->source_incubator_id);
	assert_bytes(&a->destination_node, &b->destination_node);
	assert_string_equal(a->park_id, b->park_id);
	if (!a->answers) {
		assert_null(b->answers);
	} else {
		assert_non_null(b->answers);
		assert_bytes(&a->answers->origin, &b->answers->origin);
		assert_int_equal(a->answers->seq, b->answers->seq);
		assert_bytes(&a->answers->hash, &b->answers->hash);
	}
	assert_string_equal(a->note, b->note);
	assert_bytes(&a->sealed_dossier, &b->sealed_dossier);
}

static void assert_joint(const Yrdx__JointParticipation *a, const Yrdx__JointParticipation *b)
{
	assert_non_null(b);
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->n_parties, b->n_parties);
	for (size_t i = 0; i < a->n_parties; i++)
		assert_bytes(&a->parties[i], &b->parties[i]);
	assert_strings(a->incubator_ids, a->n_incubator_ids, b->incubator_ids, b->n_incubator_ids);
	assert_string_equal(a->credit_code, b->credit_code);
	assert_string_equal(a->incubator_id, b->incubator_id);
	assert_string_equal(a->role, b->role);
}

static void assert_evaluation(const Yrdx__Evaluation *a, const Yrdx__Evaluation *b)
{
	assert_non_null(b);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->incubator_id, b->incubator_id);
	assert_string_equal(a->period, b->period);
	assert_int_equal(a->n_scores, b->n_scores);
	for (size_t i = 0; i < a->n_scores; i++) {
		assert_int_equal(a->scores[i]->dimension, b->scores[i]->dimension);
		assert_int_equal(a->scores[i]->score, b->scores[i]->score);
	}
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->startup_funding_wan_yuan, b->startup_funding_wan_yuan);
	assert_int_equal(a->operating_subsidy_wan_yuan, b->operating_subsidy_wan_yuan);
	assert_int_equal(a->milestone_reward_wan_yuan, b->milestone_reward_wan_yuan);
}

/* Encodes in, decodes it, checks the envelope, and checks that re-encoding the decoded
 * change gives the very same bytes. Returns the decoded change for the body comparison;
 * caller frees with yx_change_free. */
static Yrdx__Change *roundtrip(const Yrdx__Change *in)
{
	uint8_t *first = NULL, *second = NULL;
	size_t first_len = 0, second_len = 0;
	Yrdx__Change *out = NULL;

	assert_int_equal(yx_change_encode(in, &first, &first_len), YX_OK);
	assert_true(first_len > 0);
	assert_int_equal(yx_change_decode(first, first_len, &out), YX_OK);
	assert_non_null(out);
	assert_envelope(in, out);
	assert_int_equal(yx_change_encode(out, &second, &second_len), YX_OK);
	assert_int_equal(first_len, second_len);
	assert_memory_equal(first, second, first_len);
	free(first);
	free(second);
	return out;
}

/* ---- round trips ---- */

static void test_roundtrip_incubator(void **state)
{
	fx_incubator_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_incubator_init(&f, i);
		fx_change_init(&ch, YX_KIND_INCUBATOR, &f.inc, 1 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_incubator(&f.inc, out->incubator);
		yx_change_free(&out);
		assert_null(out);
	}
}

static void test_roundtrip_enterprise(void **state)
{
	fx_enterprise_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_enterprise_init(&f, i);
		/* Every field set, including the optional park and the financials... */
		f.e.park_id = "SZ-PARK-SIP";
		fx_change_init(&ch, YX_KIND_ENTERPRISE, &f.e, 100 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_enterprise(&f.e, out->enterprise);
		assert_non_null(out->enterprise->financials);
		yx_change_free(&out);
		/* ...and without the financials (withheld by sharing policy). */
		f.e.financials = NULL;
		out = roundtrip(&ch.c);
		assert_enterprise(&f.e, out->enterprise);
		yx_change_free(&out);
	}
}

/* What yx_enterprise_peek must agree on with protobuf-c's decode of the same bytes. */
static void expect_peek_as_decoded(const uint8_t *bytes, size_t len)
{
	Yrdx__Change *c = NULL;
	yx_enterprise_peek_t pk;
	bool peeked = yx_enterprise_peek(bytes, len, &pk);
	if (yx_change_decode(bytes, len, &c) != YX_OK) {
		assert_false(peeked);
		return;
	}
	if (c->body_case != YRDX__CHANGE__BODY_ENTERPRISE || !c->enterprise->credit_code[0]) {
		assert_false(peeked);
		yx_change_free(&c);
		return;
	}
	assert_true(peeked);
	const Yrdx__Enterprise *e = c->enterprise;
	uint32_t quals = 0;
	for (size_t i = 0; i < e->n_qualifications; i++)
		if ((unsigned)e->qualifications[i] < 32)
			quals |= 1u << e->qualifications[i];
	assert_int_equal(pk.time_ms, c->time_ms);
	assert_int_equal(pk.credit_code_len, strlen(e->credit_code));
	assert_memory_equal(pk.credit_code, e->credit_code, pk.credit_code_len);
	assert_int_equal(pk.city, e->city);
	assert_int_equal(pk.stage, e->stage);
	assert_int_equal(pk.qualifications, quals);
	yx_change_free(&c);
}

/* What yx_change_peek_body must agree on with protobuf-c's decode of the same bytes: the
 * oneof's case, and body bytes that decode to the body the whole change decodes to. */
static void expect_body_as_decoded(const uint8_t *bytes, size_t len)
{
	Yrdx__Change *c = NULL;
	unsigned body_case = 0;
	const uint8_t *body = NULL;
	size_t body_len = 0;
	bool peeked = yx_change_peek_body(bytes, len, &body_case, &body, &body_len);
	if (peeked) /* whatever the bytes, never a body past their end */
		assert_true(body >= bytes && body_len <= (size_t)(bytes + len - body));
	if (yx_change_decode(bytes, len, &c) != YX_OK)
		return;
	assert_int_equal(peeked, c->body_case != YRDX__CHANGE__BODY__NOT_SET);
	if (!peeked) {
		yx_change_free(&c);
		return;
	}
	assert_int_equal(body_case, c->body_case);
	const ProtobufCFieldDescriptor *fd =
	        protobuf_c_message_descriptor_get_field(&yrdx__change__descriptor, body_case);
	assert_non_null(fd);
	const ProtobufCMessage *whole = *(ProtobufCMessage *const *)((const char *)c + fd->offset);
	ProtobufCMessage *alone = protobuf_c_message_unpack(fd->descriptor, NULL, body_len, body);
	assert_non_null(alone);
	size_t a_len = protobuf_c_message_get_packed_size(whole);
	assert_int_equal(a_len, protobuf_c_message_get_packed_size(alone));
	uint8_t *pa = malloc(a_len + 1), *pb = malloc(a_len + 1);
	protobuf_c_message_pack(whole, pa);
	protobuf_c_message_pack(alone, pb);
	assert_memory_equal(pa, pb, a_len);
	free(pa);
	free(pb);
	protobuf_c_message_free_unpacked(alone, NULL);
	yx_change_free(&c);
}

/* Bytes then one more field (tag, then the message bytes) appended. */
static uint8_t *with_field(const uint8_t *bytes, size_t len, uint8_t tag, const uint8_t *msg,
                           size_t msg_len, size_t *out_len)
{
	uint8_t *out = malloc(len + 2 + msg_len);
	assert_non_null(out);
	assert_true(msg_len < 128);
	memcpy(out, bytes, len);
	out[len] = tag;
	out[len + 1] = (uint8_t)msg_len;
	if (msg_len)
		memcpy(out + len + 2, msg, msg_len);
	*out_len = len + 2 + msg_len;
	return out;
}

/* The peeks read what the decoder reads: seeded random enterprises, a second enterprise
 * message (protobuf-c keeps the last, unmerged: no credit code then), a retraction as the
 * last body, cut bytes. */
static void test_enterprise_peek(void **state)
{
	(void)state;
	uint64_t rng = fx_seed("test_enterprise_peek");
	for (uint32_t i = 0; i < 500; i++) {
		fx_enterprise_t f;
		fx_change_t ch;
		uint8_t *bytes = NULL, *more;
		size_t len = 0, more_len;
		fx_enterprise_init(&f, (uint32_t)fx_rand(&rng));
		f.e.financials = NULL;
		f.e.city = (uint32_t)(fx_rand(&rng) % 1000000);
		f.e.stage = (Yrdx__EnterpriseStage)(fx_rand(&rng) % 7);
		f.e.n_qualifications = fx_rand(&rng) % 3;
		f.qualifications[0] = (Yrdx__Qualification)(fx_rand(&rng) % 6);
		f.qualifications[1] = (Yrdx__Qualification)(fx_rand(&rng) % 6);
		fx_change_init(&ch, YX_KIND_ENTERPRISE, &f.e, 1 + fx_rand(&rng) % 100000);
		ch.c.time_ms = (int64_t)(fx_rand(&rng) % 4102444800000);
		assert_int_equal(yx_change_encode(&ch.c, &bytes, &len), YX_OK);
		expect_peek_as_decoded(bytes, len);
		expect_body_as_decoded(bytes, len);
		/* as encoded, the body's bytes are its packing (what a re-import compares) */
		unsigned body_case;
		const uint8_t *body;
		size_t body_len;
		assert_true(yx_change_peek_body(bytes, len, &body_case, &body, &body_len));
		assert_int_equal(body_case, YRDX__CHANGE__BODY_ENTERPRISE);
		assert_int_equal(body_len, protobuf_c_message_get_packed_size(&f.e.base));
		/* field 11 again: city 310000 (varint 0x90 0xf5 0x12), little giant unpacked */
		static const uint8_t merged[] = {0x18, 0xb0, 0xf5, 0x12, 0x38, 0x04};
		more = with_field(bytes, len, (11 << 3) | 2, merged, sizeof(merged), &more_len);
		expect_peek_as_decoded(more, more_len);
		expect_body_as_decoded(more, more_len);
		free(more);
		/* a tombstone after the enterprise: the oneof's last body */
		more = with_field(bytes, len, (16 << 3) | 2, NULL, 0, &more_len);
		expect_peek_as_decoded(more, more_len);
		expect_body_as_decoded(more, more_len);
		free(more);
		/* cut anywhere: refused, never read past the end */
		size_t cut = (size_t)(fx_rand(&rng) % len);
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, bytes, cut);
		expect_peek_as_decoded(part, cut);
		expect_body_as_decoded(part, cut);
		free(part);
		free(bytes);
	}
}

static void test_roundtrip_park(void **state)
{
	fx_park_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_park_init(&f, i);
		fx_change_init(&ch, YX_KIND_PARK, &f.park, 1 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_park(&f.park, out->park);
		yx_change_free(&out);
	}
}

static void test_roundtrip_relay_event(void **state)
{
	fx_relay_event_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_relay_event_init(&f, i);
		fx_change_init(&ch, YX_KIND_RELAY_EVENT, &f.ev, 1 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_non_null(out->relay_event);
		assert_non_null(out->relay_event->answers);
		assert_int_equal(out->relay_event->sealed_dossier.len, FX_DOSSIER_BYTES);
		assert_relay_event(&f.ev, out->relay_event);
		yx_change_free(&out);
		/* A PROPOSE: no answers. */
		f.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
		f.ev.answers = NULL;
		out = roundtrip(&ch.c);
		assert_relay_event(&f.ev, out->relay_event);
		yx_change_free(&out);
	}
}

static void test_roundtrip_joint(void **state)
{
	fx_joint_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_joint_init(&f, i);
		fx_change_init(&ch, YX_KIND_JOINT, &f.jp, 1 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_joint(&f.jp, out->joint_participation);
		yx_change_free(&out);
	}
}

static void test_roundtrip_evaluation(void **state)
{
	fx_evaluation_t f;
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		fx_evaluation_init(&f, i);
		fx_change_init(&ch, YX_KIND_EVALUATION, &f.ev, 1 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_int_equal(out->evaluation->n_scores, 5);
		assert_evaluation(&f.ev, out->evaluation);
		yx_change_free(&out);
	}
}

static void test_roundtrip_tombstone(void **state)
{
	fx_change_t ch;
	(void)state;
	for (uint32_t i = 0; i < 6; i++) {
		fx_tombstone_init(&ch, (yx_kind_t)(YX_KIND_INCUBATOR + i), "SH-INC-0042", 10 + i);
		Yrdx__Change *out = roundtrip(&ch.c);
		assert_non_null(out->tombstone);
		assert_string_equal(out->tombstone->reason, ch.tomb.reason);
		assert_int_equal(yx_change_body_kind(out), YX_KIND_NONE);
		assert_null(yx_change_body_id(out));
		yx_change_free(&out);
	}
}

/* The envelope's own edge values survive too: seq 1 with a zero prev_hash, a huge seq,
 * a negative time. */
static void test_roundtrip_envelope_edges(void **state)
{
	fx_park_t f;
	fx_change_t ch;
	(void)state;
	fx_park_init(&f, 3);
	fx_change_init(&ch, YX_KIND_PARK, &f.park, 1);
	Yrdx__Change *out = roundtrip(&ch.c);
	yx_change_free(&out);
	ch.c.seq = UINT64_MAX;
	ch.c.time_ms = -1;
	out = roundtrip(&ch.c);
	yx_change_free(&out);
	yx_change_free(&out); /* already NULL */
	yx_change_free(NULL);
}

/* ---- body accessors ---- */

static void test_body_accessors(void **state)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	(void)state;
	fx_incubator_init(&inc, 1);
	fx_enterprise_init(&ent, 1);
	fx_park_init(&park, 1);
	fx_relay_event_init(&relay, 1);
	fx_joint_init(&joint, 1);
	fx_evaluation_init(&eval, 1);
	const struct {
		yx_kind_t kind;
		void *record;
		const char *id;
	} bodies[] = {
	        {YX_KIND_INCUBATOR, &inc.inc, inc.id}, {YX_KIND_ENTERPRISE, &ent.e, ent.code},
	        {YX_KIND_PARK, &park.park, park.id},   {YX_KIND_RELAY_EVENT, &relay.ev, relay.id},
	        {YX_KIND_JOINT, &joint.jp, joint.id},  {YX_KIND_EVALUATION, &eval.ev, eval.id},
	};
	assert_int_equal(yx_change_body_kind(&c), YX_KIND_NONE);
	assert_null(yx_change_body_id(&c));
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		yx_change_set_body(&c, bodies[i].kind, bodies[i].record);
		assert_int_equal(c.kind, bodies[i].kind);
		assert_int_equal(yx_change_body_kind(&c), bodies[i].kind);
		assert_string_equal(yx_change_body_id(&c), bodies[i].id);
	}
	yx_change_set_body(&c, YX_KIND_NONE, NULL);
	assert_int_equal(c.body_case, YRDX__CHANGE__BODY__NOT_SET);
}

/* ---- malformed input ---- */

static void test_decode_garbage(void **state)
{
	static const struct {
		const char *what;
		uint8_t bytes[16];
		size_t len;
	} bad[] = {
	        {"eleven-byte varint tag",
	         {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
	         11},
	        {"wire type 7", {0x0F, 0x00}, 2},
	        {"field number 0", {0x02, 0x00}, 2},
	        {"tag without value", {0x10}, 1},
	        {"unterminated varint", {0x10, 0x80, 0x80}, 3},
	        {"bytes longer than input", {0x0A, 0x20, 0x01, 0x02}, 4},
	        {"length past 2^32", {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 6},
	        {"body longer than input", {0x62, 0x05, 0x0A, 0x01}, 4},
	        {"string in a body cut short", {0x62, 0x04, 0x0A, 0x05, 'a', 'b'}, 6},
	        {"origin sent as a varint", {0x08, 0x01}, 2},
	        {"fixed64 cut short", {0x11, 0x01, 0x02}, 3},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Yrdx__Change *out = NULL;
		int ret = yx_change_decode(bad[i].bytes, bad[i].len, &out);
		if (ret != YX_EDECODE)
			fail_msg("%s: expected YX_EDECODE, got %s", bad[i].what, yx_strerror(ret));
		assert_null(out);
	}
	/* Arbitrary bytes may or may not parse as unknown fields; either way nothing leaks or
	 * crashes (the sanitizer build checks) and failures say YX_EDECODE. */
	uint32_t x = 2463534242u;
	uint8_t buf[64];
	for (int round = 0; round < 2000; round++) {
		Yrdx__Change *out = NULL;
		size_t len = 1 + (size_t)round % sizeof(buf);
		for (size_t k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[k] = (uint8_t)x;
		}
		int ret = yx_change_decode(buf, len, &out);
		assert_true(ret == YX_OK || ret == YX_EDECODE);
		assert_true((ret == YX_OK) == (out != NULL));
		yx_change_free(&out);
	}
}

/* Cutting a change anywhere after its envelope leaves the body's declared length
 * unsatisfied: every such prefix must fail. */
static void test_decode_truncated(void **state)
{
	fx_enterprise_t ent;
	fx_relay_event_t relay;
	fx_evaluation_t eval;
	fx_change_t ch[3];
	(void)state;
	fx_enterprise_init(&ent, 5);
	fx_relay_event_init(&relay, 5);
	fx_evaluation_init(&eval, 5);
	fx_change_init(&ch[0], YX_KIND_ENTERPRISE, &ent.e, 9);
	fx_change_init(&ch[1], YX_KIND_RELAY_EVENT, &relay.ev, 9);
	fx_change_init(&ch[2], YX_KIND_EVALUATION, &eval.ev, 9);
	for (int c = 0; c < 3; c++) {
		uint8_t *bytes = NULL;
		size_t len = 0;
		Yrdx__Change head = ch[c].c;
		head.body_case = YRDX__CHANGE__BODY__NOT_SET;
		size_t head_len = yrdx__change__get_packed_size(&head);
		assert_int_equal(yx_change_encode(&ch[c].c, &bytes, &len), YX_OK);
		assert_true(head_len + 2 < len);
		for (size_t cut = head_len + 1; cut < len; cut++) {
			Yrdx__Change *out = NULL;
			int ret = yx_change_decode(bytes, cut, &out);
			if (ret != YX_EDECODE)
				fail_msg("change %d cut at %zu of %zu: got %s", c, cut, len,
				         yx_strerror(ret));
		}
		/* Cuts inside the envelope's first fields: inside origin, inside prev_hash. */
		for (size_t cut = 1; cut < 2 + YX_KEY_BYTES; cut++) {
			Yrdx__Change *out = NULL;
			assert_int_equal(yx_change_decode(bytes, cut, &out), YX_EDECODE);
		}
		/* The whole thing still decodes. */
		Yrdx__Change *out = NULL;
		assert_int_equal(yx_change_decode(bytes, len, &out), YX_OK);
		yx_change_free(&out);
		free(bytes);
	}
}

/* ---- size limit ---- */

static void test_too_big(void **state)
{
	static uint8_t dossier[YX_MAX_CHANGE_BYTES + 1];
	fx_relay_event_t f;
	fx_change_t ch;
	uint8_t *bytes = NULL;
	size_t len = 0;
	Yrdx__Change *out = NULL;
	(void)state;
	fx_relay_event_init(&f, 1);
	fx_change_init(&ch, YX_KIND_RELAY_EVENT, &f.ev, 1);

	/* A dossier past the change limit: refused before anything is allocated. */
	f.ev.sealed_dossier = (ProtobufCBinaryData){sizeof(dossier), dossier};
	assert_int_equal(yx_change_encode(&ch.c, &bytes, &len), YX_ETOOBIG);
	assert_null(bytes);

	/* The largest dossier that still fits encodes to exactly the limit. */
	size_t base = yrdx__change__get_packed_size(&ch.c) - sizeof(dossier);
	size_t fit = sizeof(dossier);
	while (fit > 0) {
		f.ev.sealed_dossier.len = fit;
		if (yrdx__change__get_packed_size(&ch.c) <= YX_MAX_CHANGE_BYTES)
			break;
		fit--;
	}
	assert_true(fit > YX_MAX_CHANGE_BYTES - base - 16);
	assert_int_equal(yx_change_encode(&ch.c, &bytes, &len), YX_OK);
	assert_true(len <= YX_MAX_CHANGE_BYTES);
	assert_int_equal(yx_change_decode(bytes, len, &out), YX_OK);
	assert_int_equal(out->relay_event->sealed_dossier.len, fit);
	yx_change_free(&out);
	free(bytes);
	bytes = NULL;
	f.ev.sealed_dossier.len = fit + 1;
	assert_int_equal(yx_change_encode(&ch.c, &bytes, &len), YX_ETOOBIG);

	/* Decoding refuses oversize input without looking at it. */
	assert_int_equal(yx_change_decode(dossier, YX_MAX_CHANGE_BYTES + 1, &out), YX_ETOOBIG);
	assert_int_equal(yx_change_decode(dossier, SIZE_MAX, &out), YX_ETOOBIG);
}

/* ---- kind names ---- */

static void test_kind_names(void **state)
{
	static const char *const expected[YX_KIND_COUNT] = {
	        [YX_KIND_NONE] = "none",
	        [YX_KIND_INCUBATOR] = "incubator",
	        [YX_KIND_ENTERPRISE] = "enterprise",
	        [YX_KIND_PARK] = "park",
	        [YX_KIND_RELAY_EVENT] = "relay-event",
	        [YX_KIND_JOINT] = "joint",
	        [YX_KIND_EVALUATION] = "evaluation",
	        [YX_KIND_POLICY] = "policy",
	        [YX_KIND_FIGURES] = "financials",
	        [YX_KIND_CHARTER] = "charter-vote",
	};
	(void)state;
	assert_int_equal(YX_KIND_COUNT, 10);
	for (int k = YX_KIND_NONE; k < YX_KIND_COUNT; k++) {
		const char *name = yx_kind_name((yx_kind_t)k);
		assert_non_null(name);
		assert_string_equal(name, expected[k]);
		if (k != YX_KIND_NONE)
			assert_int_equal(yx_kind_from_name(name), k);
		for (int j = 0; j < k; j++)
			assert_string_not_equal(name, yx_kind_name((yx_kind_t)j));
	}
	/* "none" names no record kind: it never selects one. */
	assert_int_equal(yx_kind_from_name("none"), YX_KIND_NONE);
	assert_null(yx_kind_name(YX_KIND_COUNT));
	assert_null(yx_kind_name((yx_kind_t)-1));
	assert_int_equal(yx_kind_from_name(""), YX_KIND_NONE);
	assert_int_equal(yx_kind_from_name("Enterprise"), YX_KIND_NONE);
	assert_int_equal(yx_kind_from_name("relay_event"), YX_KIND_NONE);
	assert_int_equal(yx_kind_from_name("parks"), YX_KIND_NONE);
}

/* People's spellings of kinds: plurals, any case, '_' for '-', the schema's names. */
static void test_kind_from_word(void **state)
{
	static const struct {
		const char *word;
		yx_kind_t kind;
	} cases[] = {
	        {"enterprise", YX_KIND_ENTERPRISE},
	        {"Enterprises", YX_KIND_ENTERPRISE},
	        {"PARKS", YX_KIND_PARK},
	        {"relay_event", YX_KIND_RELAY_EVENT},
	        {"relay-events", YX_KIND_RELAY_EVENT},
	        {"joint", YX_KIND_JOINT},
	        {"joints", YX_KIND_JOINT},
	        {"joint_participations", YX_KIND_JOINT},
	        {"incubators", YX_KIND_INCUBATOR},
	        {"evaluation", YX_KIND_EVALUATION},
	        {"none", YX_KIND_NONE},
	        {"nones", YX_KIND_NONE},
	        {"s", YX_KIND_NONE},
	        {"", YX_KIND_NONE},
	        {"parkss", YX_KIND_NONE},
	        {"enterprise ", YX_KIND_NONE},
	        {"participation", YX_KIND_NONE},
	        {"an-enterprise-name-far-too-long-to-be-one", YX_KIND_NONE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (yx_kind_from_word(cases[i].word, strlen(cases[i].word)) != cases[i].kind)
			fail_msg("\"%s\": expected kind %d", cases[i].word, cases[i].kind);
	/* Only len bytes are read. */
	assert_int_equal(yx_kind_from_word("parks.csv", 5), YX_KIND_PARK);
	assert_int_equal(yx_kind_from_word("parks.csv", 9), YX_KIND_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_incubator),
	        cmocka_unit_test(test_roundtrip_enterprise),
	        cmocka_unit_test(test_enterprise_peek),
	        cmocka_unit_test(test_roundtrip_park),
	        cmocka_unit_test(test_roundtrip_relay_event),
	        cmocka_unit_test(test_roundtrip_joint),
	        cmocka_unit_test(test_roundtrip_evaluation),
	        cmocka_unit_test(test_roundtrip_tombstone),
	        cmocka_unit_test(test_roundtrip_envelope_edges),
	        cmocka_unit_test(test_body_accessors),
	        cmocka_unit_test(test_decode_garbage),
	        cmocka_unit_test(test_decode_truncated),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_kind_names),
	        cmocka_unit_test(test_kind_from_word),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
