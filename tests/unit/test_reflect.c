/* reflect: presence, every protobuf type the schema uses through its text form and back
 * (and the reasons bad text gets), enum names, field paths, and the path a validation
 * diag carries (what CSV names its column from). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "fixtures.h"
#include "json.h"
#include "reflect.h"
#include "validate.h"

/* ---- helpers ---- */

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *d, const char *name)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(d, name);
	if (!f)
		fail_msg("%s has no field %s", d->short_name, name);
	return f;
}

/* Whether the field named name of message m is present. */
static bool has(const void *m, const char *name)
{
	const ProtobufCMessage *msg = m;
	return yx_field_present(msg, field(msg->descriptor, name));
}

/* The text form of the value at member, as a string (static). */
static const char *text_of(const ProtobufCFieldDescriptor *f, const void *member)
{
	static char out[256];
	yx_buf_t b = {0};
	assert_int_equal(yx_value_to_text(f, member, &b), YX_OK);
	assert_true(b.len < sizeof(out));
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	yx_buf_free(&b);
	return out;
}

/* Reads text into member (allocations from malloc); returns the result, why filled. */
static int from_text(const ProtobufCFieldDescriptor *f, const char *text, void *member,
                     char why[YX_REASON_MAX])
{
	why[0] = '\0';
	return yx_value_from_text(f, text, strlen(text), NULL, member, why, YX_REASON_MAX);
}

static void expect_refused(const ProtobufCFieldDescriptor *f, const char *text, const char *want)
{
	char why[YX_REASON_MAX];
	uint64_t member[4] = {0, 0, 0, 0};
	assert_int_equal(from_text(f, text, member, why), YX_EINVAL);
	assert_string_equal(why, want);
}

/* ---- presence ---- */

static void test_presence(void **state)
{
	const ProtobufCMessageDescriptor *d = &yrdx__enterprise__descriptor;
	Yrdx__Enterprise e = YRDX__ENTERPRISE__INIT;
	Yrdx__EnterpriseFinancials fin = YRDX__ENTERPRISE_FINANCIALS__INIT;
	Yrdx__Industry industries[2] = {YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE,
	                                YRDX__INDUSTRY__INDUSTRY_METAVERSE};
	const ProtobufCMessage *m = &e.base;
	(void)state;

	/* Everything at its default is absent. */
	for (unsigned i = 0; i < d->n_fields; i++)
		if (yx_field_present(m, &d->fields[i]))
			fail_msg("default %s present", d->fields[i].name);
	e.credit_code = "91310000MA1K4ABC1X";
	e.city = 310000;
	e.industries = industries;
	e.n_industries = 2;
	e.financials = &fin; /* present although every field of it is 0 */
	e.funding_wan_yuan = 1;
	assert_true(has(m, "credit_code"));
	assert_true(has(m, "city"));
	assert_true(has(m, "industries"));
	assert_true(has(m, "financials"));
	assert_true(has(m, "funding_wan_yuan"));
	assert_false(has(m, "name"));
	assert_false(has(m, "qualifications"));
	e.name = "";
	assert_false(has(m, "name"));

	/* Elements of a repeated field; a singular field is one value, its member. */
	assert_int_equal(yx_field_count(m, field(d, "industries")), 2);
	assert_ptr_equal(yx_field_value(m, field(d, "industries"), 1), &industries[1]);
	assert_int_equal(yx_field_count(m, field(d, "city")), 1);
	assert_ptr_equal(yx_field_value(m, field(d, "city"), 0), &e.city);

	/* A oneof member is present when its case names it, whatever it points at. */
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &e);
	assert_true(has(&c, "enterprise"));
	assert_false(has(&c, "park"));
	assert_false(has(&c, "origin"));
	uint8_t key[32] = {1};
	c.origin.data = key;
	c.origin.len = 32;
	assert_true(has(&c, "origin"));

	Yrdx__Incubator inc = YRDX__INCUBATOR__INIT;
	assert_false(has(&inc, "transformed"));
	inc.transformed = 1;
	assert_true(has(&inc, "transformed"));
}

/* ---- values ---- */

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(yx_field_class(field(&yrdx__enterprise__descriptor, "name")),
	                 YX_VALUE_STRING);
	assert_int_equal(yx_field_class(field(&yrdx__enterprise__descriptor, "city")),
	                 YX_VALUE_UINT);
	assert_int_equal(yx_field_class(field(&yrdx__change__descriptor, "time_ms")), YX_VALUE_INT);
	assert_int_equal(yx_field_class(field(&yrdx__enterprise__descriptor, "stage")),
	                 YX_VALUE_ENUM);
	assert_int_equal(yx_field_class(field(&yrdx__incubator__descriptor, "transformed")),
	                 YX_VALUE_BOOL);
	assert_int_equal(yx_field_class(field(&yrdx__relay_event__descriptor, "sealed_dossier")),
	                 YX_VALUE_BYTES);
	assert_int_equal(yx_field_class(field(&yrdx__enterprise__descriptor, "financials")),
	                 YX_VALUE_MESSAGE);
	assert_int_equal(yx_field_value_size(PROTOBUF_C_TYPE_UINT32), 4);
	assert_int_equal(yx_field_value_size(PROTOBUF_C_TYPE_UINT64), 8);
	assert_int_equal(yx_field_value_size(PROTOBUF_C_TYPE_STRING), sizeof(char *));
	assert_int_equal(yx_field_value_size(PROTOBUF_C_TYPE_BYTES), sizeof(ProtobufCBinaryData));
}

static void test_uint_text(void **state)
{
	const ProtobufCFieldDescriptor *u32 = field(&yrdx__incubator__descriptor, "area_m2");
	const ProtobufCFieldDescriptor *u64 =
	        field(&yrdx__incubator__descriptor, "seed_fund_wan_yuan");
	char why[YX_REASON_MAX];
	uint32_t a = UINT32_MAX, a2 = 0;
	uint64_t b = UINT64_MAX, b2 = 0;
	(void)state;

	assert_string_equal(text_of(u32, &a), "4294967295");
	assert_int_equal(from_text(u32, "4294967295", &a2, why), YX_OK);
	assert_int_equal(a2, UINT32_MAX);
	assert_int_equal(from_text(u32, "-0", &a2, why), YX_OK);
	assert_int_equal(a2, 0);
	assert_string_equal(text_of(u64, &b), "18446744073709551615");
	assert_int_equal(from_text(u64, "18446744073709551615", &b2, why), YX_OK);
	assert_true(b2 == UINT64_MAX);
	assert_int_equal(yx_value_get(u64, &b2).cls, YX_VALUE_UINT);
	assert_true(yx_value_get(u64, &b2).u == UINT64_MAX);

	expect_refused(u32, "4294967296", "out of range (0..4294967295)");
	expect_refused(u32, "-1", "must be a non-negative integer");
	expect_refused(u32, "12 ", "not a decimal integer");
	expect_refused(u32, "", "not a decimal integer");
	expect_refused(u32, "-", "not a decimal integer");
	expect_refused(u64, "18446744073709551616", "out of range for a 64-bit integer");
}

static void test_int_text(void **state)
{
	const ProtobufCFieldDescriptor *i64 = field(&yrdx__change__descriptor, "time_ms");
	char why[YX_REASON_MAX];
	int64_t v = INT64_MIN, back = 0;
	(void)state;

	assert_string_equal(text_of(i64, &v), "-9223372036854775808");
	assert_int_equal(from_text(i64, "-9223372036854775808", &back, why), YX_OK);
	assert_true(back == INT64_MIN);
	v = 1700000000123;
	assert_string_equal(text_of(i64, &v), "1700000000123");
	assert_int_equal(from_text(i64, "1700000000123", &back, why), YX_OK);
	assert_true(back == 1700000000123);
	assert_true(yx_value_get(i64, &back).i == 1700000000123);
	expect_refused(i64, "9223372036854775808",
	               "out of range (-9223372036854775808..9223372036854775807)");
	expect_refused(i64, "-9223372036854775809",
	               "out of range (-9223372036854775808..9223372036854775807)");
	expect_refused(i64, "1e3", "not a decimal integer");

	/* Sign and magnitude, as JSON numbers arrive, into a 64-bit signed member. */
	assert_int_equal(yx_value_set_int(i64, &back, true, 5, why), YX_OK);
	assert_true(back == -5);
}

static void test_bool_text(void **state)
{
	const ProtobufCFieldDescriptor *f = field(&yrdx__incubator__descriptor, "transformed");
	static const struct {
		const char *text;
		protobuf_c_boolean value;
	} ok[] = {{"true", 1}, {"TRUE", 1}, {"1", 1}, {"false", 0}, {"False", 0}, {"0", 0}};
	char why[YX_REASON_MAX];
	protobuf_c_boolean b = 1;
	(void)state;

	assert_string_equal(text_of(f, &b), "true");
	b = 0;
	assert_string_equal(text_of(f, &b), "false");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		b = !ok[i].value;
		assert_int_equal(from_text(f, ok[i].text, &b, why), YX_OK);
		assert_int_equal(b, ok[i].value);
	}
	expect_refused(f, "yes", "expected true or false");
	expect_refused(f, "truee", "expected true or false");
}

static void test_enum_text(void **state)
{
	const ProtobufCFieldDescriptor *f = field(&yrdx__enterprise__descriptor, "industries");
	static const char *const spellings[] = {
	        "biomedicine",          "BIOMEDICINE",          "Biomedicine",
	        "INDUSTRY_BIOMEDICINE", "industry-biomedicine", "4",
	};
	char why[YX_REASON_MAX];
	int v = YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE;
	(void)state;

	assert_string_equal(text_of(f, &v), "biomedicine");
	for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
		v = 0;
		if (from_text(f, spellings[i], &v, why) != YX_OK)
			fail_msg("\"%s\": %s", spellings[i], why);
		assert_int_equal(v, YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE);
	}
	assert_int_equal(from_text(f, "integrated-circuits", &v, why), YX_OK);
	assert_int_equal(v, YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS);
	/* A number this build does not know is printed, not read. */
	v = 99;
	assert_string_equal(text_of(f, &v), "99");
	expect_refused(f, "99",
	               "not a valid Industry (expected one of digital_transformation, "
	               "green_transformation, integrated_circuits, biomedicine, "
	               "artificial_intelligence, electronic_information, life_health, automotive, "
	               "high_end_equipment, advanced_materials, fashion_consumer_goods, "
	               "digital_economy, green_low_carbon, metaverse, smart_terminals, "
	               "future_health, future_intelligence, future_energy, future_space, "
	               "future_materials)");
	expect_refused(field(&yrdx__park__descriptor, "type"), "characteristic park",
	               "not a valid ParkType (expected one of high_tech_zone, characteristic_park, "
	               "sci_tech_demo_base)");
	expect_refused(field(&yrdx__park__descriptor, "type"), "-1",
	               "not a valid ParkType (expected one of high_tech_zone, characteristic_park, "
	               "sci_tech_demo_base)");
}

static void test_string_and_bytes_text(void **state)
{
	const ProtobufCFieldDescriptor *name = field(&yrdx__enterprise__descriptor, "name");
	const ProtobufCFieldDescriptor *dest =
	        field(&yrdx__relay_event__descriptor, "destination_node");
	char why[YX_REASON_MAX];
	const char *text = "长三角,\"芯\";有限公司 ";
	char *s = NULL;
	uint8_t key[32];
	ProtobufCBinaryData b = {sizeof(key), key}, back = {0, NULL};
	yx_arena_t arena;
	(void)state;

	assert_int_equal(from_text(name, text, &s, why), YX_OK);
	assert_string_equal(s, text);
	assert_string_equal(text_of(name, &s), text);
	free(s);
	s = NULL;
	assert_string_equal(yx_value_get(name, &s).s, ""); /* NULL reads as "" */

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	const char *b64 = text_of(dest, &b);
	assert_int_equal(strlen(b64), 44);
	assert_string_equal(b64, "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=");
	/* From an arena: nothing to free one by one. */
	yx_arena_init(&arena);
	assert_int_equal(yx_value_from_text(dest, b64, strlen(b64), yx_arena_allocator(&arena),
	                                    &back, why, sizeof(why)),
	                 YX_OK);
	assert_int_equal(back.len, 32);
	assert_memory_equal(back.data, key, 32);
	assert_true(arena.total >= 32);
	yx_arena_free(&arena);
	expect_refused(dest, "not base64!", "not valid base64 (standard alphabet, padded)");
	expect_refused(dest, "-_8=", "not valid base64 (standard alphabet, padded)");
	expect_refused(dest, "AAE", "not valid base64 (standard alphabet, padded)");
	back.len = 9;
	assert_int_equal(from_text(dest, "", &back, why), YX_OK); /* empty: no bytes */
	assert_int_equal(back.len, 9);
	/* A message has no text form of its own. */
	expect_refused(field(&yrdx__enterprise__descriptor, "financials"), "x", "no text form");
}

/* ---- enum names ---- */

static void test_enum_names(void **state)
{
	const ProtobufCEnumDescriptor *kinds = &yrdx__record_kind__descriptor;
	const ProtobufCEnumDescriptor *tiers = &yrdx__incubator_tier__descriptor;
	char name[YX_ENUM_NAME_MAX], why[YX_REASON_MAX];
	int v = -1;
	(void)state;

	assert_string_equal(yx_enum_to_text(kinds,
	                                    YRDX__RECORD_KIND__RECORD_KIND_JOINT_PARTICIPATION,
	                                    name, sizeof(name)),
	                    "joint_participation");
	assert_null(yx_enum_to_text(kinds, 99, name, sizeof(name)));
	assert_null(yx_enum_to_text(kinds, 1, name, 5)); /* "incubator" does not fit */
	assert_string_equal(yx_enum_full_name(tiers, 2), "INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION");
	assert_string_equal(yx_enum_full_name(tiers, 9), "?");
	assert_int_equal(yx_enum_from_name(tiers, "high-quality-cultivation", 24, &v), YX_OK);
	assert_int_equal(v, 2);
	/* len bytes exactly, no more, no less, and nothing past a NUL. */
	assert_int_equal(yx_enum_from_name(tiers, "high_quality_cultivation", 12, &v), YX_OK);
	assert_int_equal(v, 1);
	assert_int_equal(yx_enum_from_name(tiers, "standard\0x", 10, &v), YX_ENOTFOUND);
	assert_int_equal(yx_enum_from_name(tiers, "unspecified", 11, &v), YX_OK);
	assert_int_equal(v, 0);

	/* The reason's list is cut, at a name, to the room it is given. */
	assert_string_equal(yx_enum_reason(tiers, why, sizeof(why)),
	                    "not a valid IncubatorTier (expected one of high_quality, "
	                    "high_quality_cultivation, standard)");
	assert_string_equal(yx_enum_reason(tiers, why, 80),
	                    "not a valid IncubatorTier (expected one of high_quality, ...)");
}

/* ---- paths ---- */

static void test_paths(void **state)
{
	const ProtobufCMessageDescriptor *ev = &yrdx__evaluation__descriptor;
	char text[128];
	yx_path_t p;
	(void)state;

	assert_string_equal(yx_message_name(&yrdx__relay_event__descriptor), "relay_event");
	assert_string_equal(yx_message_name(&yrdx__change__descriptor), "change");
	assert_string_equal(yx_message_name(&yrdx__tombstone__descriptor), "tombstone");
	assert_string_equal(yx_message_name(&yrdx__dimension_score__descriptor), "DimensionScore");

	yx_path_init(&p, ev);
	assert_string_equal(yx_path_text(&p, true, text, sizeof(text)), "evaluation");
	assert_string_equal(yx_path_text(&p, false, text, sizeof(text)), "");
	unsigned at = yx_path_push_name(&p, "scores", 3);
	assert_int_equal(at, 0);
	yx_path_push_name(&p, "dimension", -1);
	assert_int_equal(p.depth, 2);
	assert_ptr_equal(p.step[0].field, field(ev, "scores"));
	assert_ptr_equal(p.step[1].field, field(&yrdx__dimension_score__descriptor, "dimension"));
	assert_string_equal(yx_path_text(&p, true, text, sizeof(text)),
	                    "evaluation.scores[3].dimension");
	assert_string_equal(yx_path_text(&p, false, text, sizeof(text)), "scores[3].dimension");
	/* A name the schema does not know, or a field of a scalar, leaves the path. */
	assert_int_equal(yx_path_push_name(&p, "nonsense", -1), 2);
	assert_int_equal(p.depth, 2);
	yx_path_pop(&p, at);
	assert_int_equal(p.depth, 0);
	yx_path_push(&p, field(ev, "scores"), -1);
	yx_path_index(&p, 7);
	assert_string_equal(yx_path_text(&p, false, text, sizeof(text)), "scores[7]");
	/* Cut to the room given; deeper than kept, marked. */
	assert_string_equal(yx_path_text(&p, true, text, 10), "evaluatio");
	for (int i = 0; i < YX_PATH_MAX + 2; i++)
		yx_path_push(&p, field(ev, "id"), -1);
	assert_int_equal(p.depth, YX_PATH_MAX + 3);
	assert_string_equal(yx_path_text(&p, false, text, sizeof(text)),
	                    "scores[7].id.id.id.id.id....");
}

/* A diag about a field holds the field: the path, and where the reason starts. */
static void test_validation_diag_path(void **state)
{
	fx_enterprise_t ent;
	fx_evaluation_t eval;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_diag_t d = {{0}};
	char text[128];
	(void)state;

	fx_enterprise_init(&ent, 1);
	ent.e.city = 110000;
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &ent.e);
	assert_int_equal(yx_validate_record(&c, &d), YX_EINVAL);
	assert_ptr_equal(d.path.root, &yrdx__enterprise__descriptor);
	assert_int_equal(d.path.depth, 1);
	assert_ptr_equal(d.path.step[0].field, field(&yrdx__enterprise__descriptor, "city"));
	assert_int_equal(d.path.step[0].index, -1);
	assert_string_equal(
	        d.msg + d.what,
	        "110000 is not a Yangtze River Delta prefecture-level city (GB/T 2260)");
	assert_true(strncmp(d.msg, "enterprise.city: ", d.what) == 0);

	/* An element of a repeated field, and a field of that element's message. */
	ent.e.city = 310000;
	ent.industries[1] = ent.industries[0];
	assert_int_equal(yx_validate_record(&c, &d), YX_EINVAL);
	assert_ptr_equal(d.path.step[0].field, field(&yrdx__enterprise__descriptor, "industries"));
	assert_int_equal(d.path.step[0].index, 1);
	assert_string_equal(yx_path_text(&d.path, true, text, sizeof(text)),
	                    "enterprise.industries[1]");

	fx_evaluation_init(&eval, 2);
	eval.ev.scores[1]->dimension = eval.ev.scores[0]->dimension;
	yx_change_set_body(&c, YX_KIND_EVALUATION, &eval.ev);
	assert_int_equal(yx_validate_record(&c, &d), YX_EINVAL);
	assert_ptr_equal(d.path.root, &yrdx__evaluation__descriptor);
	assert_int_equal(d.path.depth, 2);
	assert_int_equal(d.path.step[0].index, 1);
	assert_string_equal(yx_path_text(&d.path, false, text, sizeof(text)),
	                    "scores[1].dimension");

	/* The envelope's fields are Change's; a diag about no field has no path. */
	assert_int_equal(yx_validate_change(&c, &d), YX_EINVAL);
	assert_ptr_equal(d.path.root, &yrdx__change__descriptor);
	assert_string_equal(yx_path_text(&d.path, true, text, sizeof(text)), "change.origin");
	c.body_case = YRDX__CHANGE__BODY__NOT_SET;
	assert_int_equal(yx_validate_record(&c, &d), YX_EINVAL);
	assert_null(d.path.root);
	assert_string_equal(d.msg, "change.body: not set");

	/* JSON input errors carry theirs too. */
	void *r = NULL;
	static const char bad[] = "{\"scores\":[{},{\"score\":-1}]}";
	assert_int_equal(yx_json_to_record_text(YX_KIND_EVALUATION, bad, strlen(bad), &r, &d),
	                 YX_EINVAL);
	assert_string_equal(yx_path_text(&d.path, true, text, sizeof(text)),
	                    "evaluation.scores[1].score");
	assert_string_equal(d.msg + d.what, "-1: must be a non-negative integer");
}

/* ---- building messages ---- */

static void test_building(void **state)
{
	const ProtobufCMessageDescriptor *cd = &yrdx__change__descriptor;
	const ProtobufCFieldDescriptor *other = NULL;
	yx_arena_t arena;
	(void)state;

	yx_arena_init(&arena);
	ProtobufCMessage *c = yx_message_new(cd, yx_arena_allocator(&arena));
	assert_non_null(c);
	assert_ptr_equal(c->descriptor, cd);
	/* A oneof takes one member: the second is refused, naming the first. */
	assert_int_equal(yx_field_claim(c, field(cd, "park"), &other), YX_OK);
	assert_int_equal(((Yrdx__Change *)c)->body_case, YRDX__CHANGE__BODY_PARK);
	assert_int_equal(yx_field_claim(c, field(cd, "park"), &other), YX_OK);
	assert_int_equal(yx_field_claim(c, field(cd, "enterprise"), &other), YX_EINVAL);
	assert_ptr_equal(other, field(cd, "park"));
	assert_int_equal(yx_field_claim(c, field(cd, "seq"), &other), YX_OK); /* not a oneof */

	ProtobufCMessage *e = yx_message_new(&yrdx__enterprise__descriptor, NULL);
	const ProtobufCFieldDescriptor *ind = field(&yrdx__enterprise__descriptor, "industries");
	int *arr = yx_field_alloc(e, ind, 3, NULL);
	assert_non_null(arr);
	assert_int_equal(yx_field_count(e, ind), 3);
	assert_int_equal(arr[0] | arr[1] | arr[2], 0);
	arr[2] = YRDX__INDUSTRY__INDUSTRY_METAVERSE;
	assert_int_equal(yx_value_get(ind, yx_field_value(e, ind, 2)).i,
	                 YRDX__INDUSTRY__INDUSTRY_METAVERSE);
	*(char **)yx_field_member(e, field(&yrdx__enterprise__descriptor, "name")) = strdup("x");
	protobuf_c_message_free_unpacked(e, NULL); /* frees what was attached */
	yx_arena_free(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_presence),
	        cmocka_unit_test(test_classes),
	        cmocka_unit_test(test_uint_text),
	        cmocka_unit_test(test_int_text),
	        cmocka_unit_test(test_bool_text),
	        cmocka_unit_test(test_enum_text),
	        cmocka_unit_test(test_string_and_bytes_text),
	        cmocka_unit_test(test_enum_names),
	        cmocka_unit_test(test_paths),
	        cmocka_unit_test(test_validation_diag_path),
	        cmocka_unit_test(test_building),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
