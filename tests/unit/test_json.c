/* json: every record kind through JSON and back to the same packed bytes, the output form
 * pinned by a golden string, the enum spellings input accepts, and one case per error
 * class with the JSON path its diag names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "fixtures.h"
#include "codec.h"
#include "error.h"
#include "json.h"

/* ---- helpers ---- */

static uint8_t *pack(const void *record, size_t *len)
{
	const ProtobufCMessage *m = record;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	*len = protobuf_c_message_pack(m, buf);
	assert_int_equal(*len, n);
	return buf;
}

/* record -> JSON text -> record; the packed bytes must not change. */
static void assert_roundtrip(yx_kind_t kind, const void *record)
{
	yx_diag_t diag = {{0}};
	void *back = NULL;
	size_t a_len, b_len;
	json_t *j = yx_record_to_json(kind, record);
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);

	int ret = yx_json_to_record_text(kind, text, strlen(text), &back, &diag);
	if (ret != YX_OK)
		fail_msg("%s: %s\n%s", yx_kind_name(kind), diag.msg, text);
	assert_non_null(back);
	assert_ptr_equal(((ProtobufCMessage *)back)->descriptor, yx_kind_descriptor(kind));
	uint8_t *a = pack(record, &a_len);
	uint8_t *b = pack(back, &b_len);
	assert_int_equal(a_len, b_len);
	assert_memory_equal(a, b, a_len);

	/* And the JSON of the rebuilt record is the JSON we started from. */
	json_t *again = yx_record_to_json(kind, back);
	assert_true(json_equal(j, again));

	json_decref(again);
	free(a);
	free(b);
	free(text);
	json_decref(j);
	yx_record_free(kind, &back);
	assert_null(back);
}

/* Parses text as kind; returns the record (caller frees) after asserting success. */
static void *parse_ok(yx_kind_t kind, const char *text)
{
	yx_diag_t diag = {{0}};
	void *record = NULL;
	int ret = yx_json_to_record_text(kind, text, strlen(text), &record, &diag);
	if (ret != YX_OK)
		fail_msg("%s: unexpected error: %s", text, diag.msg);
	assert_non_null(record);
	return record;
}

/* Parses text as kind and expects YX_EINVAL with exactly this diag. */
static void expect_error(yx_kind_t kind, const char *text, const char *msg)
{
	yx_diag_t diag = {{0}};
	void *record = (void *)&diag; /* must come back NULL */
	int ret = yx_json_to_record_text(kind, text, strlen(text), &record, &diag);
	if (ret != YX_EINVAL)
		fail_msg("%s: returned %d (%s), expected YX_EINVAL", text, ret, yx_strerror(ret));
	assert_null(record);
	assert_string_equal(diag.msg, msg);
}

/* Dumps j compactly with sorted keys, the form the golden strings use; frees j. */
static char *dump_sorted(json_t *j)
{
	assert_non_null(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	json_decref(j);
	return text;
}

/* ---- round trips ---- */

static void test_roundtrip_every_kind(void **state)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	(void)state;

	for (uint32_t i = 0; i < 16; i++) {
		fx_incubator_init(&inc, i);
		assert_roundtrip(YX_KIND_INCUBATOR, &inc.inc);
		fx_enterprise_init(&ent, i);
		assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);
		ent.e.financials = NULL;
		assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);
		fx_park_init(&park, i);
		assert_roundtrip(YX_KIND_PARK, &park.park);
		fx_relay_event_init(&relay, i);
		assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
		relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
		relay.ev.answers = NULL;
		assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
		fx_joint_init(&joint, i);
		assert_roundtrip(YX_KIND_JOINT, &joint.jp);
		fx_evaluation_init(&eval, i);
		assert_roundtrip(YX_KIND_EVALUATION, &eval.ev);
	}
}

/* Values at the edges of their types survive too: the largest uint32 and uint64 (the
 * latter printed as a string, past json_int_t), an empty but present submessage. */
static void test_roundtrip_edges(void **state)
{
	fx_incubator_t inc;
	fx_relay_event_t relay;
	fx_enterprise_t ent;
	Yrdx__EnterpriseFinancials empty = YRDX__ENTERPRISE_FINANCIALS__INIT;
	(void)state;

	fx_incubator_init(&inc, 3);
	inc.inc.area_m2 = UINT32_MAX;
	inc.inc.seed_fund_wan_yuan = UINT64_MAX;
	assert_roundtrip(YX_KIND_INCUBATOR, &inc.inc);
	char *text = dump_sorted(yx_record_to_json(YX_KIND_INCUBATOR, &inc.inc));
	assert_non_null(strstr(text, "\"area_m2\":4294967295,"));
	assert_non_null(strstr(text, "\"seed_fund_wan_yuan\":\"18446744073709551615\""));
	free(text);

	inc.inc.seed_fund_wan_yuan = (uint64_t)INT64_MAX;
	assert_roundtrip(YX_KIND_INCUBATOR, &inc.inc);

	fx_relay_event_init(&relay, 4);
	relay.answers.seq = 0;
	relay.answers.origin.len = 0;
	relay.answers.hash.len = 0;
	assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
	text = dump_sorted(yx_record_to_json(YX_KIND_RELAY_EVENT, &relay.ev));
	assert_non_null(strstr(text, "\"answers\":{},"));
	free(text);

	fx_enterprise_init(&ent, 5);
	ent.e.financials = &empty;
	assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);
}

/* ---- the output form ---- */

static void test_enterprise_golden(void **state)
{
	fx_enterprise_t f;
	(void)state;

	fx_enterprise_init(&f, 1);
	char expected[1024];
	snprintf(expected, sizeof(expected),
	         "{\"city\":320500,\"credit_code\":\"%s\",\"employees\":21,"
	         "\"financials\":{\"rd_spend_wan_yuan\":101,\"revenue_wan_yuan\":1001,"
	         "\"valuation_wan_yuan\":20007},\"founded_year\":2016,\"funding_wan_yuan\":503,"
	         "\"incubator_ids\":[\"SH-INC-0001\"],"
	         "\"industries\":[\"biomedicine\",\"future_intelligence\"],"
	         "\"name\":\"长三角硬科技样本企业1有限公司\",\"patents\":1,"
	         "\"qualifications\":[\"tech_sme\"],\"stage\":\"growth\"}",
	         f.code);
	char *text = dump_sorted(yx_record_to_json(YX_KIND_ENTERPRISE, &f.e));
	assert_string_equal(text, expected);
	free(text);

	/* Unsorted, keys follow the proto's field order. */
	json_t *j = yx_record_to_json(YX_KIND_ENTERPRISE, &f.e);
	text = json_dumps(j, JSON_COMPACT);
	assert_true(strncmp(text, "{\"credit_code\":", 15) == 0);
	assert_non_null(strstr(text, "\"funding_wan_yuan\":503,\"founded_year\":2016,"));
	free(text);
	json_decref(j);
}

/* The key is printed even when empty; everything else at its default is left out. */
static void test_defaults_omitted(void **state)
{
	Yrdx__Enterprise e = YRDX__ENTERPRISE__INIT;
	Yrdx__Incubator inc = YRDX__INCUBATOR__INIT;
	(void)state;

	char *text = dump_sorted(yx_record_to_json(YX_KIND_ENTERPRISE, &e));
	assert_string_equal(text, "{\"credit_code\":\"\"}");
	free(text);
	text = dump_sorted(yx_record_to_json(YX_KIND_INCUBATOR, &inc));
	assert_string_equal(text, "{\"id\":\"\"}");
	free(text);

	/* A repeated enum keeps UNSPECIFIED entries (validate rejects them, not JSON); an
	 * enum number this build does not know stays a number. */
	Yrdx__Industry ind[2] = {YRDX__INDUSTRY__INDUSTRY_UNSPECIFIED, (Yrdx__Industry)99};
	inc.id = "SH-INC-0001";
	inc.n_focus_industries = 2;
	inc.focus_industries = ind;
	inc.tier = YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION;
	inc.transformed = 1;
	text = dump_sorted(yx_record_to_json(YX_KIND_INCUBATOR, &inc));
	assert_string_equal(text,
	                    "{\"focus_industries\":[\"unspecified\",99],\"id\":\"SH-INC-0001\","
	                    "\"tier\":\"high_quality_cultivation\",\"transformed\":true}");
	free(text);
}

static void test_bytes_are_base64(void **state)
{
	fx_relay_event_t f;
	char b64[64];
	(void)state;

	fx_relay_event_init(&f, 2);
	json_t *j = yx_record_to_json(YX_KIND_RELAY_EVENT, &f.ev);
	sodium_bin2base64(b64, sizeof(b64), f.destination, 32, sodium_base64_VARIANT_ORIGINAL);
	const char *dest = json_string_value(json_object_get(j, "destination_node"));
	assert_non_null(dest);
	assert_int_equal(strlen(dest), 44);
	assert_string_equal(dest, b64);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "accept");
	json_t *answers = json_object_get(j, "answers");
	assert_true(json_is_object(answers));
	assert_int_equal(json_integer_value(json_object_get(answers, "seq")), 3);
	json_decref(j);
}

/* Output never fails on a string that is not UTF-8: the bad byte becomes U+FFFD. */
static void test_invalid_utf8_output(void **state)
{
	Yrdx__Park p = YRDX__PARK__INIT;
	char name[] = "园\xff区";
	(void)state;

	p.id = "P";
	p.name = name;
	json_t *j = yx_record_to_json(YX_KIND_PARK, &p);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "园\xEF\xBF\xBD区");
	json_decref(j);
}

/* ---- input ---- */

static void test_enum_spellings(void **state)
{
	static const char *const spellings[] = {
	        "\"characteristic_park\"",
	        "\"CHARACTERISTIC_PARK\"",
	        "\"Characteristic-Park\"",
	        "\"characteristic-park\"",
	        "\"PARK_TYPE_CHARACTERISTIC_PARK\"",
	        "\"park-type-characteristic-park\"",
	        "2",
	};
	char text[128];
	(void)state;

	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		snprintf(text, sizeof(text), "{\"id\":\"P\",\"type\":%s}", spellings[i]);
		void *r = parse_ok(YX_KIND_PARK, text);
		assert_int_equal(((Yrdx__Park *)r)->type,
		                 YRDX__PARK_TYPE__PARK_TYPE_CHARACTERISTIC_PARK);
		yx_record_free(YX_KIND_PARK, &r);
	}

	void *r = parse_ok(YX_KIND_INCUBATOR,
	                   "{\"tier\":\"high-quality-cultivation\","
	                   "\"focus_industries\":[\"integrated_circuits\",\"Future-Space\",4]}");
	Yrdx__Incubator *inc = r;
	assert_int_equal(inc->tier, YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION);
	assert_int_equal(inc->n_focus_industries, 3);
	assert_int_equal(inc->focus_industries[0], YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS);
	assert_int_equal(inc->focus_industries[1], YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE);
	assert_int_equal(inc->focus_industries[2], YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE);
	yx_record_free(YX_KIND_INCUBATOR, &r);

	expect_error(YX_KIND_PARK, "{\"type\":99}",
	             "park.type: 99: not a valid ParkType (expected one of high_tech_zone, "
	             "characteristic_park, sci_tech_demo_base)");
	expect_error(YX_KIND_PARK, "{\"type\":\"characteristic\"}",
	             "park.type: \"characteristic\": not a valid ParkType (expected one of "
	             "high_tech_zone, characteristic_park, sci_tech_demo_base)");
	expect_error(YX_KIND_PARK, "{\"type\":\"characteristic park\"}",
	             "park.type: \"characteristic park\": not a valid ParkType (expected one of "
	             "high_tech_zone, characteristic_park, sci_tech_demo_base)");
	expect_error(YX_KIND_PARK, "{\"type\":2.0}",
	             "park.type: 2.0: expected a ParkType name (string)");
	expect_error(YX_KIND_RELAY_EVENT, "{\"type\":\"proposal\"}",
	             "relay_event.type: \"proposal\": not a valid RelayEventType (expected one "
	             "of propose, accept, decline, withdraw, land, close)");
}

static void test_values_parsed(void **state)
{
	(void)state;

	/* null is absent; integral reals and 64-bit decimal strings are integers. */
	void *r = parse_ok(YX_KIND_INCUBATOR,
	                   "{\"id\":\"SH-INC-0001\",\"name\":null,\"mentors\":12.0,"
	                   "\"seed_fund_wan_yuan\":\"18446744073709551615\",\"area_m2\":1e3,"
	                   "\"transformed\":true,\"platforms\":[],\"focus_industries\":null}");
	Yrdx__Incubator *inc = r;
	assert_string_equal(inc->id, "SH-INC-0001");
	assert_string_equal(inc->name, "");
	assert_int_equal(inc->mentors, 12);
	assert_true(inc->seed_fund_wan_yuan == UINT64_MAX);
	assert_int_equal(inc->area_m2, 1000);
	assert_true(inc->transformed);
	assert_int_equal(inc->n_platforms, 0);
	assert_int_equal(inc->n_focus_industries, 0);
	yx_record_free(YX_KIND_INCUBATOR, &r);

	r = parse_ok(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":\"-0\"}");
	assert_true(((Yrdx__Incubator *)r)->seed_fund_wan_yuan == 0);
	yx_record_free(YX_KIND_INCUBATOR, &r);

	/* Empty base64 is empty bytes; nested messages and arrays of messages. */
	r = parse_ok(YX_KIND_RELAY_EVENT,
	             "{\"destination_node\":\"\",\"answers\":{\"seq\":\"7\",\"hash\":\"AAEC\"}}");
	Yrdx__RelayEvent *ev = r;
	assert_int_equal(ev->destination_node.len, 0);
	assert_non_null(ev->answers);
	assert_int_equal(ev->answers->seq, 7);
	assert_int_equal(ev->answers->hash.len, 3);
	assert_memory_equal(ev->answers->hash.data, "\x00\x01\x02", 3);
	yx_record_free(YX_KIND_RELAY_EVENT, &r);

	r = parse_ok(YX_KIND_EVALUATION,
	             "{\"id\":\"E\",\"scores\":[{\"dimension\":\"talent\",\"score\":80},{}]}");
	Yrdx__Evaluation *e = r;
	assert_int_equal(e->n_scores, 2);
	assert_int_equal(e->scores[0]->dimension,
	                 YRDX__EVALUATION_DIMENSION__EVALUATION_DIMENSION_TALENT);
	assert_int_equal(e->scores[0]->score, 80);
	assert_int_equal(e->scores[1]->score, 0);
	yx_record_free(YX_KIND_EVALUATION, &r);

	yx_record_free(YX_KIND_EVALUATION, NULL);
	yx_record_free(YX_KIND_EVALUATION, &r);
}

static void test_errors(void **state)
{
	(void)state;

	/* Unknown fields, with a suggestion when one is close. */
	expect_error(YX_KIND_PARK, "{\"id\":\"P\",\"capcity\":3}",
	             "park: unknown field \"capcity\" (did you mean \"capacity\"?)");
	expect_error(YX_KIND_PARK, "{\"owner\":null}",
	             "park: unknown field \"owner\" (expected one of id, name, city, type, "
	             "industries, capacity, area_m2)");
	expect_error(YX_KIND_RELAY_EVENT, "{\"answers\":{\"hsh\":\"\"}}",
	             "relay_event.answers: unknown field \"hsh\" (did you mean \"hash\"?)");

	/* Wrong types. */
	expect_error(YX_KIND_PARK, "[1]", "park: [1]: expected an object");
	expect_error(YX_KIND_INCUBATOR, "{\"name\":5}", "incubator.name: 5: expected a string");
	expect_error(YX_KIND_INCUBATOR, "{\"mentors\":\"12\"}",
	             "incubator.mentors: \"12\": expected an integer");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":true}",
	             "incubator.seed_fund_wan_yuan: true: expected an integer or a decimal string");
	expect_error(YX_KIND_INCUBATOR, "{\"transformed\":1}",
	             "incubator.transformed: 1: expected true or false");
	expect_error(YX_KIND_INCUBATOR, "{\"focus_industries\":\"biomedicine\"}",
	             "incubator.focus_industries: \"biomedicine\": expected an array");
	expect_error(YX_KIND_ENTERPRISE, "{\"financials\":[1]}",
	             "enterprise.financials: [1]: expected an object");
	expect_error(YX_KIND_JOINT, "{\"parties\":[\"AAEC\",7]}",
	             "joint_participation.parties[1]: 7: expected a base64 string");
	expect_error(YX_KIND_EVALUATION, "{\"scores\":[{},null]}",
	             "evaluation.scores[1]: null: expected an object");

	/* Bad enum, in an array and nested in an array of messages. */
	expect_error(YX_KIND_ENTERPRISE,
	             "{\"industries\":[\"integrated_circuits\",\"integrated_circuit\"]}",
	             "enterprise.industries[1]: \"integrated_circuit\": not a valid Industry "
	             "(expected one of digital_transformation, green_transformation, "
	             "integrated_circuits, biomedicine, artificial_intelligence, "
	             "electronic_information, life_health, automotive, high_end_equipment, "
	             "advanced_materials, fashion_consumer_goods, digital_economy, "
	             "green_low_carbon, metaverse, smart_terminals, future_health, "
	             "future_intelligence, future_energy, future_space, future_materials)");
	expect_error(YX_KIND_EVALUATION,
	             "{\"scores\":[{\"dimension\":\"talent\"},{},{\"dimension\":\"talnt\"}]}",
	             "evaluation.scores[2].dimension: \"talnt\": not a valid EvaluationDimension "
	             "(expected one of talent, hard_tech_origination, disruptive_conversion, "
	             "high_growth_incubation, resource_integration)");

	/* Integers. */
	expect_error(YX_KIND_INCUBATOR, "{\"mentors\":-3}",
	             "incubator.mentors: -3: must be a non-negative integer");
	expect_error(YX_KIND_INCUBATOR, "{\"area_m2\":4294967296}",
	             "incubator.area_m2: 4294967296: out of range (0..4294967295)");
	expect_error(YX_KIND_INCUBATOR, "{\"mentors\":1.5}",
	             "incubator.mentors: 1.5: must be an integer");
	expect_error(YX_KIND_INCUBATOR, "{\"mentors\":1e300}",
	             "incubator.mentors: 1e300: too large to be exact as a real, write it "
	             "without fraction or exponent");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":-1}",
	             "incubator.seed_fund_wan_yuan: -1: must be a non-negative integer");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":\"-5\"}",
	             "incubator.seed_fund_wan_yuan: \"-5\": must be a non-negative integer");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":\"18446744073709551616\"}",
	             "incubator.seed_fund_wan_yuan: \"18446744073709551616\": out of range for a "
	             "64-bit integer");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":\"12 \"}",
	             "incubator.seed_fund_wan_yuan: \"12 \": not a decimal integer");
	expect_error(YX_KIND_INCUBATOR, "{\"seed_fund_wan_yuan\":\"\"}",
	             "incubator.seed_fund_wan_yuan: \"\": not a decimal integer");
	expect_error(YX_KIND_RELAY_EVENT, "{\"answers\":{\"seq\":-1}}",
	             "relay_event.answers.seq: -1: must be a non-negative integer");

	/* Bytes. */
	expect_error(YX_KIND_RELAY_EVENT, "{\"destination_node\":\"not base64!\"}",
	             "relay_event.destination_node: \"not base64!\": not valid base64 (standard "
	             "alphabet, padded)");
	expect_error(YX_KIND_RELAY_EVENT, "{\"answers\":{\"origin\":\"AAEC\",\"hash\":\"AAE\"}}",
	             "relay_event.answers.hash: \"AAE\": not valid base64 (standard alphabet, "
	             "padded)");
	expect_error(YX_KIND_RELAY_EVENT, "{\"sealed_dossier\":\"-_8=\"}",
	             "relay_event.sealed_dossier: \"-_8=\": not valid base64 (standard alphabet, "
	             "padded)");

	/* Long values are quoted cut short, at a character boundary. */
	expect_error(YX_KIND_PARK, "{\"capacity\":\"长三角长三角长三角长三角长三角长三角\"}",
	             "park.capacity: \"长三角长三角长三角长三角长三角...: expected an integer");
}

/* A string jansson built with a NUL inside cannot become a C string. */
static void test_nul_in_string(void **state)
{
	yx_diag_t diag = {{0}};
	void *r = NULL;
	(void)state;

	json_t *obj = json_pack("{s:s%}", "name", "a\0b", (size_t)3);
	assert_non_null(obj);
	assert_int_equal(yx_json_to_record(YX_KIND_PARK, obj, &r, &diag), YX_EINVAL);
	assert_null(r);
	assert_string_equal(diag.msg, "park.name: \"a\\u0000b\": contains a NUL character");
	json_decref(obj);
}

static void test_syntax_errors(void **state)
{
	yx_diag_t diag = {{0}};
	void *r = NULL;
	(void)state;

	static const char bad[] = "{\n  \"id\": \"P\",\n  \"name\" \"x\"\n}";
	assert_int_equal(yx_json_to_record_text(YX_KIND_PARK, bad, strlen(bad), &r, &diag),
	                 YX_EINVAL);
	assert_null(r);
	assert_true(strncmp(diag.msg, "line 3, column ", 15) == 0);
	assert_non_null(strstr(diag.msg, "':' expected"));

	static const char dup[] = "{\"id\":\"P\",\"id\":\"Q\"}";
	assert_int_equal(yx_json_to_record_text(YX_KIND_PARK, dup, strlen(dup), &r, &diag),
	                 YX_EINVAL);
	assert_true(strncmp(diag.msg, "line 1, column ", 15) == 0);
	assert_non_null(strstr(diag.msg, "duplicate object key"));

	static const char trailing[] = "{\"id\":\"P\"} {}";
	assert_int_equal(
	        yx_json_to_record_text(YX_KIND_PARK, trailing, strlen(trailing), &r, &diag),
	        YX_EINVAL);
	assert_true(strncmp(diag.msg, "line 1, column ", 15) == 0);

	assert_int_equal(yx_json_to_record_text(YX_KIND_PARK, "", 0, &r, &diag), YX_EINVAL);
	assert_null(r);

	/* Only len bytes are read: the text need not be NUL-terminated. */
	static const char two[] = "{\"id\":\"P\"}{\"id\":\"Q\"}";
	assert_int_equal(yx_json_to_record_text(YX_KIND_PARK, two, 10, &r, &diag), YX_OK);
	assert_string_equal(((Yrdx__Park *)r)->id, "P");
	yx_record_free(YX_KIND_PARK, &r);
}

static void test_kind_descriptor(void **state)
{
	(void)state;
	assert_null(yx_kind_descriptor(YX_KIND_NONE));
	assert_null(yx_kind_descriptor(YX_KIND_COUNT));
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_INCUBATOR), &yrdx__incubator__descriptor);
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_ENTERPRISE), &yrdx__enterprise__descriptor);
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_PARK), &yrdx__park__descriptor);
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_RELAY_EVENT), &yrdx__relay_event__descriptor);
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_JOINT), &yrdx__joint_participation__descriptor);
	assert_ptr_equal(yx_kind_descriptor(YX_KIND_EVALUATION), &yrdx__evaluation__descriptor);
}

/* ---- change envelopes ---- */

static void test_change_tombstone(void **state)
{
	fx_change_t ch;
	char origin[64], expected[512];
	(void)state;

	fx_tombstone_init(&ch, YX_KIND_PARK, "PARK-0001", 5);
	sodium_bin2base64(origin, sizeof(origin), ch.origin, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(expected, sizeof(expected),
	         "{\"id\":\"PARK-0001\",\"kind\":\"park\",\"origin\":\"%s\",\"seq\":5,"
	         "\"time_ms\":1700000005000,\"tombstone\":{\"reason\":\"撤回：登记有误 (seq 5)\"}}",
	         origin);
	char *text = dump_sorted(yx_change_to_json(&ch.c));
	assert_string_equal(text, expected);
	free(text);
}

static void test_change_record(void **state)
{
	fx_relay_event_t f;
	fx_change_t ch;
	(void)state;

	fx_relay_event_init(&f, 9);
	fx_change_init(&ch, YX_KIND_RELAY_EVENT, &f.ev, 12);
	json_t *j = yx_change_to_json(&ch.c);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "relay-event");
	assert_string_equal(json_string_value(json_object_get(j, "id")), "SH-RELAY-0009/accept");
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 12);
	assert_int_equal(json_integer_value(json_object_get(j, "time_ms")), 1700000012000);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "origin"))), 44);
	assert_null(json_object_get(j, "tombstone"));
	json_t *want = yx_record_to_json(YX_KIND_RELAY_EVENT, &f.ev);
	assert_true(json_equal(json_object_get(j, "record"), want));
	assert_int_equal(json_object_size(j), 6);

	/* The "record" member is what `put` takes back. */
	yx_diag_t diag = {{0}};
	void *back = NULL;
	assert_int_equal(
	        yx_json_to_record(YX_KIND_RELAY_EVENT, json_object_get(j, "record"), &back, &diag),
	        YX_OK);
	yx_record_free(YX_KIND_RELAY_EVENT, &back);
	json_decref(want);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_every_kind),
	        cmocka_unit_test(test_roundtrip_edges),
	        cmocka_unit_test(test_enterprise_golden),
	        cmocka_unit_test(test_defaults_omitted),
	        cmocka_unit_test(test_bytes_are_base64),
	        cmocka_unit_test(test_invalid_utf8_output),
	        cmocka_unit_test(test_enum_spellings),
	        cmocka_unit_test(test_values_parsed),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_nul_in_string),
	        cmocka_unit_test(test_syntax_errors),
	        cmocka_unit_test(test_kind_descriptor),
	        cmocka_unit_test(test_change_tombstone),
	        cmocka_unit_test(test_change_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
