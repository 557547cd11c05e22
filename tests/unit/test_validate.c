/* validate: every record rule, each shown by one mutated record whose diag names the
 * field (credit and city codes: test_validate_codes.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "text.h"
#include "tiers.h"
#include "validate.h"

/* ---- helpers ---- */

/* Fixtures of every kind, re-initialised by each case before it mutates one field. The
 * storage is static: cmocka runs the tests one after another. */
static struct {
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	fx_change_t ch;
} w;

static Yrdx__Change *incubator(void)
{
	fx_incubator_init(&w.inc, 7);
	fx_change_init(&w.ch, YX_KIND_INCUBATOR, &w.inc.inc, 1);
	return &w.ch.c;
}

static Yrdx__Change *enterprise(void)
{
	fx_enterprise_init(&w.ent, 7);
	fx_change_init(&w.ch, YX_KIND_ENTERPRISE, &w.ent.e, 2);
	return &w.ch.c;
}

static Yrdx__Change *park(void)
{
	fx_park_init(&w.park, 7);
	fx_change_init(&w.ch, YX_KIND_PARK, &w.park.park, 3);
	return &w.ch.c;
}

static Yrdx__Change *relay(void)
{
	fx_relay_event_init(&w.relay, 7);
	fx_change_init(&w.ch, YX_KIND_RELAY_EVENT, &w.relay.ev, 4);
	return &w.ch.c;
}

static Yrdx__Change *joint(void)
{
	fx_joint_init(&w.joint, 7);
	fx_change_init(&w.ch, YX_KIND_JOINT, &w.joint.jp, 5);
	return &w.ch.c;
}

static Yrdx__Change *evaluation(void)
{
	fx_evaluation_init(&w.eval, 7);
	fx_change_init(&w.ch, YX_KIND_EVALUATION, &w.eval.ev, 6);
	return &w.ch.c;
}

static Yrdx__Change *tombstone(void)
{
	fx_tombstone_init(&w.ch, YX_KIND_PARK, "PARK-0007", 7);
	return &w.ch.c;
}

static void expect_ok_at(const Yrdx__Change *c, int line)
{
	yx_diag_t d = {{0}};
	int ret = yx_validate_change(c, &d);
	if (ret != YX_OK)
		fail_msg("line %d: expected valid, got %s: %s", line, yx_strerror(ret), d.msg);
}

/* The record rules are checked by yx_validate_record; yx_validate_change must reject the
 * same record too (possibly for the id it no longer matches, when the id was mutated). */
static void expect_bad_at(const Yrdx__Change *c, const char *field, const char *detail, int line)
{
	yx_diag_t d = {{0}};
	int ret = yx_validate_record(c, &d);
	if (ret != YX_EINVAL)
		fail_msg("line %d: expected YX_EINVAL naming %s, got %s (%s)", line, field,
		         yx_strerror(ret), d.msg);
	if (!strstr(d.msg, field) || (detail && !strstr(d.msg, detail)))
		fail_msg("line %d: expected \"%s\" and \"%s\" in: %s", line, field,
		         detail ? detail : "", d.msg);
	assert_int_equal(yx_validate_change(c, &d), YX_EINVAL);
	/* A NULL diag is allowed and only the code comes back. */
	assert_int_equal(yx_validate_record(c, NULL), YX_EINVAL);
}

/* Envelope rules are checked by yx_validate_change alone. */
static void expect_bad_change_at(const Yrdx__Change *c, const char *field, const char *detail,
                                 int line)
{
	yx_diag_t d = {{0}};
	int ret = yx_validate_change(c, &d);
	if (ret != YX_EINVAL)
		fail_msg("line %d: expected YX_EINVAL naming %s, got %s (%s)", line, field,
		         yx_strerror(ret), d.msg);
	if (!strstr(d.msg, field) || (detail && !strstr(d.msg, detail)))
		fail_msg("line %d: expected \"%s\" and \"%s\" in: %s", line, field,
		         detail ? detail : "", d.msg);
}

#define expect_ok(c)                        expect_ok_at((c), __LINE__)
#define expect_bad(c, field, detail)        expect_bad_at((c), (field), (detail), __LINE__)
#define expect_bad_change(c, field, detail) expect_bad_change_at((c), (field), (detail), __LINE__)

static char *repeat(char *buf, size_t size, const char *unit, size_t times)
{
	buf[0] = '\0';
	for (size_t i = 0; i < times; i++)
		strncat(buf, unit, size - strlen(buf) - 1);
	return buf;
}

/* ---- valid records ---- */

static void test_valid_fixtures(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 64; i++) {
		fx_incubator_init(&w.inc, i);
		fx_change_init(&w.ch, YX_KIND_INCUBATOR, &w.inc.inc, 1 + i);
		expect_ok(&w.ch.c);
		fx_enterprise_init(&w.ent, i);
		fx_change_init(&w.ch, YX_KIND_ENTERPRISE, &w.ent.e, 1 + i);
		expect_ok(&w.ch.c);
		fx_park_init(&w.park, i);
		fx_change_init(&w.ch, YX_KIND_PARK, &w.park.park, 1 + i);
		expect_ok(&w.ch.c);
		fx_relay_event_init(&w.relay, i);
		fx_change_init(&w.ch, YX_KIND_RELAY_EVENT, &w.relay.ev, 1 + i);
		expect_ok(&w.ch.c);
		fx_joint_init(&w.joint, i);
		fx_change_init(&w.ch, YX_KIND_JOINT, &w.joint.jp, 1 + i);
		expect_ok(&w.ch.c);
		fx_evaluation_init(&w.eval, i);
		fx_change_init(&w.ch, YX_KIND_EVALUATION, &w.eval.ev, 1 + i);
		expect_ok(&w.ch.c);
		fx_tombstone_init(&w.ch, (yx_kind_t)(YX_KIND_INCUBATOR + i % 6), "SH-INC-0001",
		                  1 + i);
		expect_ok(&w.ch.c);
	}
}

/* Valid variants at the edges of the rules. */
static void test_valid_edges(void **state)
{
	char buf[YX_MAX_TEXT_LEN + 8];
	(void)state;

	/* A PROPOSE names its destination and answers nothing. */
	relay();
	w.relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	w.relay.ev.answers = NULL;
	expect_ok(&w.ch.c);
	/* Later events need no destination node. */
	relay();
	w.relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND;
	w.relay.ev.destination_node.len = 0;
	w.relay.ev.sealed_dossier.len = 0;
	w.relay.ev.park_id = "";
	w.relay.ev.source_incubator_id = "";
	w.relay.ev.note = "";
	expect_ok(&w.ch.c);
	/* Dossier exactly at its limit; notes may span lines. */
	{
		static uint8_t dossier[YX_MAX_DOSSIER_BYTES];
		relay();
		w.relay.ev.sealed_dossier = (ProtobufCBinaryData){sizeof(dossier), dossier};
		w.relay.ev.note = "第一行\n第二行\r\n\t缩进";
		expect_ok(&w.ch.c);
	}
	/* Strings exactly at their limits, in multi-byte UTF-8 (3 bytes a character). */
	incubator();
	w.inc.inc.name = repeat(buf, sizeof(buf), "孵", YX_MAX_NAME_LEN / 3);
	w.inc.inc.id = repeat(buf + 300, 100, "I", YX_MAX_ID_LEN);
	w.ch.c.id = w.inc.inc.id;
	expect_ok(&w.ch.c);
	relay();
	w.relay.ev.note = repeat(buf, sizeof(buf), "x", YX_MAX_TEXT_LEN);
	expect_ok(&w.ch.c);
	/* 4-byte UTF-8 is fine. */
	park();
	w.park.park.name = "火箭\xf0\x9f\x9a\x80园区";
	expect_ok(&w.ch.c);
	/* Optional lists may be empty. */
	enterprise();
	w.ent.e.n_industries = 0;
	w.ent.e.n_qualifications = 0;
	w.ent.e.n_incubator_ids = 0;
	w.ent.e.financials = NULL;
	expect_ok(&w.ch.c);
	/* Scores at both ends; a reward with passed; every quarter and half of a year. */
	evaluation();
	w.eval.score[0].score = 0;
	w.eval.score[1].score = 100;
	w.eval.ev.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_PASSED;
	w.eval.ev.milestone_reward_wan_yuan = 200;
	expect_ok(&w.ch.c);
	{
		static const char *const periods[] = {"2000",   "2099",   "2025H1",
		                                      "2025H2", "2024Q1", "2024Q4"};
		static char ids[6][32];
		for (int i = 0; i < 6; i++) {
			evaluation();
			snprintf(ids[i], sizeof(ids[i]), "%s/%s", w.eval.ev.incubator_id,
			         periods[i]);
			w.eval.ev.period = (char *)periods[i];
			w.eval.ev.id = ids[i];
			w.ch.c.id = ids[i];
			expect_ok(&w.ch.c);
		}
	}
	/* Exactly two parties; the repeated-count limit itself; every Industry at once. */
	joint();
	w.joint.jp.n_parties = 2;
	expect_ok(&w.ch.c);
	{
		static char *ids[YX_MAX_REPEATED];
		static Yrdx__Industry all[20];
		enterprise();
		for (int i = 0; i < YX_MAX_REPEATED; i++)
			ids[i] = "SH-INC-0001";
		w.ent.e.incubator_ids = ids;
		w.ent.e.n_incubator_ids = YX_MAX_REPEATED;
		expect_ok(&w.ch.c);
		park();
		for (int i = 0; i < 20; i++)
			all[i] = (Yrdx__Industry)(20 - i);
		w.park.park.industries = all;
		w.park.park.n_industries = 20;
		expect_ok(&w.ch.c);
	}
	/* seq 1 has an all-zero prev_hash: still 32 bytes. */
	incubator();
	w.ch.c.seq = 1;
	expect_ok(&w.ch.c);
}

/* ---- record rules, one mutation each ---- */

static void test_strings(void **state)
{
	char buf[YX_MAX_TEXT_LEN + 8];
	(void)state;
	expect_bad((incubator(), w.inc.inc.id = "", &w.ch.c), "incubator.id", "must not be empty");
	expect_bad((incubator(), w.inc.inc.id = NULL, &w.ch.c), "incubator.id",
	           "must not be empty");
	expect_bad((incubator(), w.inc.inc.id = repeat(buf, sizeof(buf), "I", 65), &w.ch.c),
	           "incubator.id", "65 bytes, at most 64");
	expect_bad((incubator(), w.inc.inc.id = "SH\nINC", &w.ch.c), "incubator.id",
	           "control character 0x0A at byte 3");
	expect_bad((incubator(), w.inc.inc.name = "", &w.ch.c), "incubator.name",
	           "must not be empty");
	expect_bad((incubator(), w.inc.inc.name = repeat(buf, sizeof(buf), "孵", 67), &w.ch.c),
	           "incubator.name", "201 bytes, at most 200");
	expect_bad((incubator(), w.inc.inc.name = "孵化\tA", &w.ch.c), "incubator.name",
	           "control character 0x09");
	expect_bad((incubator(), w.inc.inc.name = "孵化\x7f", &w.ch.c), "incubator.name",
	           "control character 0x7F");
	/* Malformed UTF-8: truncated sequence, stray continuation, overlong '/', surrogate,
	 * past U+10FFFF, bytes that never occur. */
	expect_bad((incubator(), w.inc.inc.name = "孵\xe5\xad", &w.ch.c), "incubator.name",
	           "invalid UTF-8 at byte 4");
	expect_bad((incubator(), w.inc.inc.name = "a\x80", &w.ch.c), "incubator.name",
	           "invalid UTF-8 at byte 2");
	expect_bad((incubator(), w.inc.inc.name = "\xc0\xaf", &w.ch.c), "incubator.name",
	           "invalid UTF-8 at byte 1");
	expect_bad((incubator(), w.inc.inc.name = "\xe0\x80\xaf", &w.ch.c), "incubator.name",
	           "invalid UTF-8");
	expect_bad((incubator(), w.inc.inc.name = "\xed\xa0\x80", &w.ch.c), "incubator.name",
	           "invalid UTF-8");
	expect_bad((incubator(), w.inc.inc.name = "\xf4\x90\x80\x80", &w.ch.c), "incubator.name",
	           "invalid UTF-8");
	expect_bad((incubator(), w.inc.inc.name = "ok\xff", &w.ch.c), "incubator.name",
	           "invalid UTF-8 at byte 3");
	expect_bad((relay(), w.relay.ev.note = repeat(buf, sizeof(buf), "x", 2001), &w.ch.c),
	           "relay_event.note", "2001 bytes, at most 2000");
	expect_bad((relay(), w.relay.ev.note = "a\x01z", &w.ch.c), "relay_event.note",
	           "control character 0x01");
	expect_bad((relay(), w.relay.ev.note = "\xfe", &w.ch.c), "relay_event.note",
	           "invalid UTF-8");
}

/* A string's verdict by the rule written out plainly: every character well-formed
 * UTF-8 (yx_utf8_seq_len, tested on its own in test_text), no control character but
 * the line breaks and tabs free text may hold; 0 if accepted, else the 1-based byte the
 * refusal names. */
static size_t string_fault_by_rule(const char *s, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i];) {
		size_t n = yx_utf8_seq_len(p + i, strlen(s + i));
		if (n == 0)
			return i + 1;
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7F) &&
		    !(multiline && (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')))
			return i + 1;
		i += n;
	}
	return 0;
}

/* Seeded strings of printable ASCII with, here and there, a control character, DEL, a
 * Chinese character, a cut or stray UTF-8 byte: the validator (which takes printable
 * ASCII eight bytes at a time) accepts exactly what the rule accepts and names the byte
 * the rule names, in a name (one line) and in a note (free text). */
static void test_strings_against_rule(void **state)
{
	static const char *const odd[] = {"\x01",     "\x1f", "\x7f", "\n",       "\t", "\r", "孵",
	                                  "\xe5\xad", "\x80", "\xff", "\xc0\xaf", "~",  " "};
	uint64_t rng = fx_seed("test_strings_against_rule");
	size_t accepted = 0;
	(void)state;
	for (uint32_t round = 0; round < 100000; round++) {
		char s[160];
		size_t len = 0, target = 1 + fx_rand(&rng) % 60;
		while (len < target) {
			if (fx_rand(&rng) % 12 == 0) {
				const char *o = odd[fx_rand(&rng) % (sizeof(odd) / sizeof(odd[0]))];
				memcpy(s + len, o, strlen(o));
				len += strlen(o);
			} else {
				s[len++] = (char)(0x20 + fx_rand(&rng) % 95);
			}
		}
		s[len] = '\0';
		for (int multiline = 0; multiline < 2; multiline++) {
			yx_diag_t d = {{0}};
			size_t fault = string_fault_by_rule(s, multiline);
			int ret;
			char where[32];
			if (multiline)
				ret = yx_validate_record((relay(), w.relay.ev.note = s, &w.ch.c),
				                         &d);
			else
				ret = yx_validate_record((incubator(), w.inc.inc.name = s, &w.ch.c),
				                         &d);
			if ((ret == YX_OK) != (fault == 0))
				fail_msg("round %u (%s): validator %s, rule %s: %s", round,
				         multiline ? "note" : "name",
				         ret == YX_OK ? "accepts" : "refuses",
				         fault ? "refuses" : "accepts", d.msg);
			snprintf(where, sizeof(where), "at byte %zu", fault);
			if (fault && !strstr(d.msg, where))
				fail_msg("round %u: the rule's fault is %s; the validator says: %s",
				         round, where, d.msg);
			accepted += ret == YX_OK;
		}
	}
	printf("test_strings_against_rule: 200000 strings, %zu valid\n", accepted);
	assert_true(accepted > 10000 && accepted < 190000);
}

/* Values in messages are escaped and cut, so a peer cannot forge log lines. */
static void test_message_quoting(void **state)
{
	char buf[2200];
	yx_diag_t d = {{0}};
	(void)state;
	incubator();
	w.inc.inc.name = "evil\x1b[31m\"name\"";
	assert_int_equal(yx_validate_record(&w.ch.c, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "\"evil\\x1B[31m\\\"name\\\"\""));
	assert_null(strchr(d.msg, '\x1b'));
	incubator();
	w.inc.inc.name = "孵\xff";
	assert_int_equal(yx_validate_record(&w.ch.c, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "\"孵\\xFF\""));
	relay();
	w.relay.ev.note = repeat(buf, sizeof(buf), "长", 700);
	assert_int_equal(yx_validate_record(&w.ch.c, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "...\": 2100 bytes, at most 2000"));
	assert_true(strlen(d.msg) < 200);
}

static void test_cities(void **state)
{
	(void)state;
	expect_bad((incubator(), w.inc.inc.city = 0, &w.ch.c), "incubator.city", "must be set");
	expect_bad((incubator(), w.inc.inc.city = 320000, &w.ch.c), "incubator.city",
	           "320000 is not a Yangtze River Delta");
	expect_bad((enterprise(), w.ent.e.city = 350100, &w.ch.c), "enterprise.city", "350100");
	expect_bad((enterprise(), w.ent.e.city = 0, &w.ch.c), "enterprise.city", "must be set");
	expect_bad((park(), w.park.park.city = 310115, &w.ch.c), "park.city", "310115");
}

static void test_enums(void **state)
{
	(void)state;
	expect_bad((incubator(), w.inc.inc.tier = 0, &w.ch.c), "incubator.tier",
	           "INCUBATOR_TIER_UNSPECIFIED: must be set");
	expect_bad((incubator(), w.inc.inc.tier = (Yrdx__IncubatorTier)4, &w.ch.c),
	           "incubator.tier", "4 is not a valid IncubatorTier");
	expect_bad((incubator(), w.inc.inc.operator_type = 0, &w.ch.c), "incubator.operator_type",
	           "OPERATOR_TYPE_UNSPECIFIED");
	expect_bad((incubator(), w.inc.inc.operator_type = (Yrdx__OperatorType)9, &w.ch.c),
	           "incubator.operator_type", "9 is not a valid OperatorType");
	expect_bad((incubator(), w.inc.inc.operator_type = (Yrdx__OperatorType)-1, &w.ch.c),
	           "incubator.operator_type", "-1 is not a valid OperatorType");
	expect_bad((enterprise(), w.ent.e.stage = 0, &w.ch.c), "enterprise.stage",
	           "ENTERPRISE_STAGE_UNSPECIFIED");
	expect_bad((enterprise(), w.ent.e.stage = (Yrdx__EnterpriseStage)7, &w.ch.c),
	           "enterprise.stage", "7 is not a valid EnterpriseStage");
	expect_bad((park(), w.park.park.type = 0, &w.ch.c), "park.type", "PARK_TYPE_UNSPECIFIED");
	expect_bad((park(), w.park.park.type = (Yrdx__ParkType)4, &w.ch.c), "park.type",
	           "4 is not a valid ParkType");
	expect_bad((relay(), w.relay.ev.type = 0, &w.ch.c), "relay_event.type",
	           "RELAY_EVENT_TYPE_UNSPECIFIED");
	expect_bad((relay(), w.relay.ev.type = (Yrdx__RelayEventType)7, &w.ch.c),
	           "relay_event.type", "7 is not a valid RelayEventType");
	expect_bad((evaluation(), w.eval.ev.result = 0, &w.ch.c), "evaluation.result",
	           "MILESTONE_RESULT_UNSPECIFIED");
	expect_bad((evaluation(), w.eval.ev.result = (Yrdx__MilestoneResult)5, &w.ch.c),
	           "evaluation.result", "5 is not a valid MilestoneResult");
}

static void test_enum_lists(void **state)
{
	static Yrdx__Industry many[YX_MAX_REPEATED + 1];
	(void)state;
	expect_bad((incubator(), w.inc.industries[1] = 0, &w.ch.c), "incubator.focus_industries[1]",
	           "INDUSTRY_UNSPECIFIED: must be set");
	expect_bad((incubator(), w.inc.industries[2] = (Yrdx__Industry)21, &w.ch.c),
	           "incubator.focus_industries[2]", "21 is not a valid Industry");
	expect_bad((incubator(), w.inc.industries[2] = w.inc.industries[0], &w.ch.c),
	           "incubator.focus_industries[2]",
	           "INDUSTRY_ARTIFICIAL_INTELLIGENCE repeats incubator.focus_industries[0]");
	expect_bad((incubator(), w.inc.platforms[1] = (Yrdx__ServicePlatform)5, &w.ch.c),
	           "incubator.platforms[1]", "5 is not a valid ServicePlatform");
	expect_bad((incubator(), w.inc.platforms[0] = 0, &w.ch.c), "incubator.platforms[0]",
	           "SERVICE_PLATFORM_UNSPECIFIED");
	expect_bad((enterprise(), w.ent.industries[1] = (Yrdx__Industry)99, &w.ch.c),
	           "enterprise.industries[1]", "99 is not a valid Industry");
	expect_bad((enterprise(), w.ent.e.n_qualifications = 2,
	            w.ent.qualifications[1] = (Yrdx__Qualification)6, &w.ch.c),
	           "enterprise.qualifications[1]", "6 is not a valid Qualification");
	expect_bad((enterprise(), w.ent.qualifications[0] = 0, &w.ch.c),
	           "enterprise.qualifications[0]", "QUALIFICATION_UNSPECIFIED");
	expect_bad((park(), w.park.industries[1] = w.park.industries[0], &w.ch.c),
	           "park.industries[1]", "repeats park.industries[0]");
	for (int i = 0; i <= YX_MAX_REPEATED; i++)
		many[i] = (Yrdx__Industry)(1 + i % 20);
	expect_bad((park(), w.park.park.industries = many,
	            w.park.park.n_industries = YX_MAX_REPEATED + 1, &w.ch.c),
	           "park.industries", "33 entries, at most 32");
	expect_bad((incubator(), w.inc.inc.focus_industries = many,
	            w.inc.inc.n_focus_industries = YX_MAX_REPEATED + 1, &w.ch.c),
	           "incubator.focus_industries", "33 entries, at most 32");
}

static void test_enterprise_rules(void **state)
{
	static char *ids[YX_MAX_REPEATED + 1];
	char buf[128];
	(void)state;
	expect_bad((enterprise(), w.ent.code[17] ^= 1, &w.ch.c), "enterprise.credit_code",
	           "check character is");
	expect_bad((enterprise(), w.ent.code[9] = 'a', &w.ch.c), "enterprise.credit_code",
	           "lowercase character 'a' at position 10");
	expect_bad((enterprise(), w.ent.e.credit_code = "", &w.ch.c), "enterprise.credit_code",
	           "empty");
	expect_bad((enterprise(), w.ent.e.name = "", &w.ch.c), "enterprise.name",
	           "must not be empty");
	expect_bad((enterprise(), w.ent.incubator[0] = '\0', &w.ch.c),
	           "enterprise.incubator_ids[0]", "must not be empty");
	for (int i = 0; i <= YX_MAX_REPEATED; i++)
		ids[i] = "SH-INC-0001";
	expect_bad((enterprise(), w.ent.e.incubator_ids = ids,
	            w.ent.e.n_incubator_ids = YX_MAX_REPEATED + 1, &w.ch.c),
	           "enterprise.incubator_ids", "33 entries, at most 32");
	expect_bad((enterprise(), w.ent.e.park_id = repeat(buf, sizeof(buf), "P", 65), &w.ch.c),
	           "enterprise.park_id", "65 bytes");
}

static void test_relay_rules(void **state)
{
	static uint8_t big[YX_MAX_DOSSIER_BYTES + 1];
	uint8_t key[33] = {0};
	char buf[128];
	(void)state;
	expect_bad((relay(), w.relay.ev.id = "", &w.ch.c), "relay_event.id", "must not be empty");
	expect_bad((relay(), w.relay.ev.case_id = "", &w.ch.c), "relay_event.case_id",
	           "must not be empty");
	expect_bad((relay(), w.relay.ev.case_id = repeat(buf, sizeof(buf), "C", 65), &w.ch.c),
	           "relay_event.case_id", "65 bytes");
	expect_bad((relay(), w.relay.code[17] ^= 1, &w.ch.c), "relay_event.credit_code",
	           "check character is");
	expect_bad((relay(), w.relay.ev.credit_code = "", &w.ch.c), "relay_event.credit_code",
	           "empty");
	expect_bad((relay(), w.relay.ev.source_incubator_id = "a\nb", &w.ch.c),
	           "relay_event.source_incubator_id", "control character");
	expect_bad((relay(), w.relay.ev.destination_node.len = 31, &w.ch.c),
	           "relay_event.destination_node", "31 bytes, expected 32");
	expect_bad((relay(), w.relay.ev.destination_node = (ProtobufCBinaryData){33, key}, &w.ch.c),
	           "relay_event.destination_node", "33 bytes, expected 32");
	expect_bad((relay(), w.relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE,
	            w.relay.ev.answers = NULL, w.relay.ev.destination_node.len = 0, &w.ch.c),
	           "relay_event.destination_node",
	           "missing, required for RELAY_EVENT_TYPE_PROPOSE");
	expect_bad((relay(), w.relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE,
	            &w.ch.c),
	           "relay_event.answers", "must be unset for RELAY_EVENT_TYPE_PROPOSE");
	expect_bad((relay(), w.relay.ev.answers = NULL, &w.ch.c), "relay_event.answers",
	           "missing, required for RELAY_EVENT_TYPE_ACCEPT");
	expect_bad((relay(), w.relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE,
	            w.relay.ev.answers = NULL, &w.ch.c),
	           "relay_event.answers", "missing, required for RELAY_EVENT_TYPE_CLOSE");
	expect_bad((relay(), w.relay.answers.origin.len = 0, &w.ch.c), "relay_event.answers.origin",
	           "0 bytes, expected 32");
	expect_bad((relay(), w.relay.answers.hash = (ProtobufCBinaryData){33, key}, &w.ch.c),
	           "relay_event.answers.hash", "33 bytes, expected 32");
	expect_bad((relay(), w.relay.answers.seq = 0, &w.ch.c), "relay_event.answers.seq",
	           "0, changes are numbered from 1");
	expect_bad((relay(), w.relay.ev.park_id = repeat(buf, sizeof(buf), "P", 65), &w.ch.c),
	           "relay_event.park_id", "65 bytes");
	expect_bad((relay(), w.relay.ev.sealed_dossier = (ProtobufCBinaryData){sizeof(big), big},
	            &w.ch.c),
	           "relay_event.sealed_dossier", "49153 bytes, at most 49152");
}

static void test_joint_rules(void **state)
{
	static uint8_t keys[YX_MAX_REPEATED + 1][32];
	static ProtobufCBinaryData many[YX_MAX_REPEATED + 1];
	char buf[YX_MAX_TEXT_LEN + 8];
	(void)state;
	expect_bad((joint(), w.joint.jp.id = "", &w.ch.c), "joint_participation.id",
	           "must not be empty");
	expect_bad((joint(), w.joint.jp.n_parties = 1, &w.ch.c), "joint_participation.parties",
	           "1 entries, at least 2");
	expect_bad((joint(), w.joint.jp.n_parties = 0, &w.ch.c), "joint_participation.parties",
	           "0 entries, at least 2");
	expect_bad((joint(), w.joint.parties[1].len = 16, &w.ch.c),
	           "joint_participation.parties[1]", "16 bytes, expected 32");
	expect_bad((joint(), w.joint.parties[2].len = 0, &w.ch.c), "joint_participation.parties[2]",
	           "0 bytes, expected 32");
	expect_bad((joint(), memcpy(w.joint.keys[2], w.joint.keys[0], 32), &w.ch.c),
	           "joint_participation.parties[2]", "repeats joint_participation.parties[0]");
	for (int i = 0; i <= YX_MAX_REPEATED; i++) {
		memset(keys[i], i + 1, 32);
		many[i] = (ProtobufCBinaryData){32, keys[i]};
	}
	expect_bad((joint(), w.joint.jp.parties = many, w.joint.jp.n_parties = YX_MAX_REPEATED + 1,
	            &w.ch.c),
	           "joint_participation.parties", "33 entries, at most 32");
	expect_bad((joint(), w.joint.incubator_id[1][0] = '\0', &w.ch.c),
	           "joint_participation.incubator_ids[1]", "must not be empty");
	expect_bad((joint(), w.joint.code[0] = 'I', &w.ch.c), "joint_participation.credit_code",
	           "character 'I' at position 1 is not allowed");
	expect_bad((joint(), w.joint.jp.incubator_id = "", &w.ch.c),
	           "joint_participation.incubator_id", "must not be empty");
	expect_bad((joint(), w.joint.jp.role = repeat(buf, sizeof(buf), "r", 2001), &w.ch.c),
	           "joint_participation.role", "2001 bytes, at most 2000");
}

static void test_evaluation_rules(void **state)
{
	static Yrdx__DimensionScore *many[YX_MAX_REPEATED + 1];
	char buf[128];
	(void)state;
	expect_bad((evaluation(), w.eval.ev.id = "", &w.ch.c), "evaluation.id",
	           "must not be empty");
	expect_bad((evaluation(), w.eval.ev.incubator_id = "", &w.ch.c), "evaluation.incubator_id",
	           "must not be empty");
	expect_bad((evaluation(), w.eval.ev.period = "", &w.ch.c), "evaluation.period",
	           "must not be empty");
	expect_bad((evaluation(), w.eval.ev.period = repeat(buf, sizeof(buf), "9", 65), &w.ch.c),
	           "evaluation.period", "65 bytes");
	expect_bad((evaluation(), w.eval.score[2].score = 101, &w.ch.c),
	           "evaluation.scores[2].score", "101, expected 0..100");
	expect_bad((evaluation(), w.eval.score[4].score = UINT32_MAX, &w.ch.c),
	           "evaluation.scores[4].score", "4294967295, expected 0..100");
	expect_bad((evaluation(), w.eval.score[1].dimension = 0, &w.ch.c),
	           "evaluation.scores[1].dimension",
	           "EVALUATION_DIMENSION_UNSPECIFIED: must be set");
	expect_bad(
	        (evaluation(), w.eval.score[1].dimension = (Yrdx__EvaluationDimension)6, &w.ch.c),
	        "evaluation.scores[1].dimension", "6 is not a valid EvaluationDimension");
	expect_bad((evaluation(), w.eval.score[3].dimension = w.eval.score[0].dimension, &w.ch.c),
	           "evaluation.scores[3].dimension",
	           "EVALUATION_DIMENSION_TALENT repeats evaluation.scores[0]");
	expect_bad((evaluation(), w.eval.scores[4] = NULL, &w.ch.c), "evaluation.scores[4]",
	           "missing");
	/* Each of the five dimensions exactly once: a missing one is named, with its term. */
	expect_bad((evaluation(), w.eval.ev.n_scores = 4, &w.ch.c), "evaluation.scores",
	           "EVALUATION_DIMENSION_RESOURCE_INTEGRATION (全要素资源整合赋能) missing");
	expect_bad((evaluation(), w.eval.ev.scores++, w.eval.ev.n_scores = 4, &w.ch.c),
	           "evaluation.scores", "EVALUATION_DIMENSION_TALENT (引进集聚一流人才) missing");
	expect_bad((evaluation(), w.eval.ev.n_scores = 0, &w.ch.c), "evaluation.scores",
	           "EVALUATION_DIMENSION_TALENT (引进集聚一流人才) missing");
	/* The period as the plan counts them; the id says incubator and period. */
	expect_bad((evaluation(), w.eval.ev.period = "2025H3", &w.ch.c), "evaluation.period",
	           "\"2025H3\": not a period, expected " YX_PERIOD_FORM);
	expect_bad((evaluation(), w.eval.ev.period = "1999", &w.ch.c), "evaluation.period",
	           "not a period");
	/* a letter with nothing after it, at the end of the string (ASan: read past it) */
	expect_bad((evaluation(), w.eval.ev.period = "2025H", &w.ch.c), "evaluation.period",
	           "not a period");
	expect_bad((evaluation(), w.eval.ev.period = "2024-1", &w.ch.c), "evaluation.period",
	           "not a period");
	expect_bad((evaluation(), w.eval.ev.id = "SH-INC-0007/2099", &w.ch.c), "evaluation.id",
	           "expected \"SH-INC-0007/2024\" (<incubator_id>/<period>)");
	expect_bad((evaluation(), w.eval.ev.incubator_id = "SH-INC-0002", &w.ch.c), "evaluation.id",
	           "expected \"SH-INC-0002/2024\"");
	/* A result is required; a reward only after excellent or passed. */
	expect_bad((evaluation(), w.eval.ev.result = 0, &w.ch.c), "evaluation.result",
	           "must be set");
	expect_bad(
	        (evaluation(),
	         w.eval.ev.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ELIMINATED,
	         w.eval.ev.milestone_reward_wan_yuan = 500, &w.ch.c),
	        "evaluation.milestone_reward_wan_yuan",
	        "500 万元 with result MILESTONE_RESULT_ELIMINATED (淘汰): 里程碑奖励 only after");
	expect_bad((evaluation(),
	            w.eval.ev.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ADJUSTED,
	            w.eval.ev.milestone_reward_wan_yuan = 1, &w.ch.c),
	           "evaluation.milestone_reward_wan_yuan", "MILESTONE_RESULT_ADJUSTED (动态调整)");
	for (int i = 0; i <= YX_MAX_REPEATED; i++)
		many[i] = &w.eval.score[0];
	expect_bad((evaluation(), w.eval.ev.scores = many, w.eval.ev.n_scores = YX_MAX_REPEATED + 1,
	            &w.ch.c),
	           "evaluation.scores", "33 entries, at most 32");
}

static void test_tombstone_rules(void **state)
{
	char buf[YX_MAX_TEXT_LEN + 8];
	(void)state;
	expect_bad((tombstone(), w.ch.tomb.reason = repeat(buf, sizeof(buf), "x", 2001), &w.ch.c),
	           "tombstone.reason", "2001 bytes, at most 2000");
	expect_bad((tombstone(), w.ch.tomb.reason = "\xc3", &w.ch.c), "tombstone.reason",
	           "invalid UTF-8");
	expect_bad((tombstone(), w.ch.c.tombstone = NULL, &w.ch.c), "change.tombstone", "not set");
	/* A tombstone needs no reason. */
	tombstone();
	w.ch.tomb.reason = "";
	expect_ok(&w.ch.c);
	/* A charter vote is never retracted: the first one in a round counts, everywhere. */
	fx_tombstone_init(&w.ch, YX_KIND_CHARTER, "v2-0011223344556677", 7);
	expect_bad_change(&w.ch.c, "change.kind", "a charter vote is never retracted");
}

/* ---- the envelope ---- */

static void test_change_rules(void **state)
{
	char buf[128];
	uint8_t key[33] = {0};
	(void)state;
	expect_bad_change((incubator(), w.ch.c.origin.len = 31, &w.ch.c), "change.origin",
	                  "31 bytes, expected 32");
	expect_bad_change((incubator(), w.ch.c.origin.len = 0, &w.ch.c), "change.origin",
	                  "0 bytes, expected 32");
	expect_bad_change((incubator(), w.ch.c.origin = (ProtobufCBinaryData){33, key}, &w.ch.c),
	                  "change.origin", "33 bytes, expected 32");
	expect_bad_change((incubator(), w.ch.c.prev_hash.len = 0, &w.ch.c), "change.prev_hash",
	                  "0 bytes, expected 32");
	expect_bad_change((incubator(), w.ch.c.seq = 0, &w.ch.c), "change.seq",
	                  "0, changes are numbered from 1");
	expect_bad_change((incubator(), w.ch.c.body_case = YRDX__CHANGE__BODY__NOT_SET, &w.ch.c),
	                  "change.body", "not set");
	expect_bad_change((enterprise(), w.ch.c.enterprise = NULL, &w.ch.c), "change.enterprise",
	                  "not set");
	expect_bad_change((incubator(), w.ch.c.kind = 0, &w.ch.c), "change.kind",
	                  "RECORD_KIND_UNSPECIFIED: must be set");
	expect_bad_change((incubator(), w.ch.c.kind = (Yrdx__RecordKind)99, &w.ch.c), "change.kind",
	                  "99 is not a valid RecordKind");
	expect_bad_change(
	        (enterprise(), w.ch.c.kind = YRDX__RECORD_KIND__RECORD_KIND_PARK, &w.ch.c),
	        "change.kind", "RECORD_KIND_PARK, but the body holds enterprise");
	expect_bad_change((incubator(), w.ch.c.id = "", &w.ch.c), "change.id", "must not be empty");
	expect_bad_change((incubator(), w.ch.c.id = repeat(buf, sizeof(buf), "I", 65), &w.ch.c),
	                  "change.id", "65 bytes, at most 64");
	expect_bad_change((incubator(), w.ch.c.id = "SH-INC-0008", &w.ch.c), "change.id",
	                  "\"SH-INC-0008\": does not match incubator id \"SH-INC-0007\"");
	/* An enterprise's id is its credit code. */
	expect_bad_change((enterprise(), w.ch.c.id = "SH-INC-0007", &w.ch.c), "change.id",
	                  "does not match enterprise id");
	/* With the envelope intact, the record's own rule speaks. */
	expect_bad_change((park(), w.park.park.name = "", &w.ch.c), "park.name",
	                  "must not be empty");
	/* Tombstones: kind and id name the retracted record. */
	expect_bad_change((tombstone(), w.ch.c.kind = 0, &w.ch.c), "change.kind",
	                  "RECORD_KIND_UNSPECIFIED");
	expect_bad_change((tombstone(), w.ch.c.id = "", &w.ch.c), "change.id", "must not be empty");
	expect_bad_change((tombstone(), w.ch.c.origin.len = 3, &w.ch.c), "change.origin",
	                  "3 bytes");
	assert_int_equal(yx_validate_change((incubator(), w.ch.c.seq = 0, &w.ch.c), NULL),
	                 YX_EINVAL);
}

/* protobuf-c keeps enum numbers it does not know: a peer's out-of-range value survives
 * decoding and must be caught here. */
static void test_unknown_enum_after_decode(void **state)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	Yrdx__Change *dec = NULL;
	yx_diag_t d = {{0}};
	(void)state;
	enterprise();
	w.ent.industries[1] = (Yrdx__Industry)99;
	assert_int_equal(yx_change_encode(&w.ch.c, &bytes, &len), YX_OK);
	assert_int_equal(yx_change_decode(bytes, len, &dec), YX_OK);
	assert_int_equal(dec->enterprise->industries[1], 99);
	assert_int_equal(yx_validate_change(dec, &d), YX_EINVAL);
	assert_non_null(strstr(d.msg, "enterprise.industries[1]: 99 is not a valid Industry"));
	yx_change_free(&dec);
	free(bytes);

	/* And a valid record stays valid through the codec. */
	relay();
	assert_int_equal(yx_change_encode(&w.ch.c, &bytes, &len), YX_OK);
	assert_int_equal(yx_change_decode(bytes, len, &dec), YX_OK);
	expect_ok(dec);
	yx_change_free(&dec);
	free(bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid_fixtures),
	        cmocka_unit_test(test_valid_edges),
	        cmocka_unit_test(test_strings),
	        cmocka_unit_test(test_strings_against_rule),
	        cmocka_unit_test(test_message_quoting),
	        cmocka_unit_test(test_cities),
	        cmocka_unit_test(test_enums),
	        cmocka_unit_test(test_enum_lists),
	        cmocka_unit_test(test_enterprise_rules),
	        cmocka_unit_test(test_relay_rules),
	        cmocka_unit_test(test_joint_rules),
	        cmocka_unit_test(test_evaluation_rules),
	        cmocka_unit_test(test_tombstone_rules),
	        cmocka_unit_test(test_change_rules),
	        cmocka_unit_test(test_unknown_enum_after_decode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
