/* validate: credit codes (GB 32100-2015) and the city table (GB/T 2260): real published
 * codes, the rule written out plainly against seeded codes, every kind of invalid code,
 * and the 41 cities by code, name and place. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"
#include "validate.h"

/* ---- credit codes ---- */

/* Published codes of well-known enterprises (from their business licences / annual
 * reports), each also checked by an independent computation of the check character. */
static const char *const real_codes[] = {
        "91350100M000100Y43", /* the GB 32100-2015 worked example, hand-computed below */
        "91110000802100433B", /* 北京百度网讯科技有限公司 */
        "914403001922038216", /* 华为技术有限公司 */
        "91440300708461136T", /* 深圳市腾讯计算机系统有限公司 */
        "91330100716105852F", /* 阿里巴巴(中国)有限公司 */
        "91110108551385082Q", /* 小米科技有限责任公司 */
        "91520000214434146R", /* 贵州茅台酒股份有限公司 */
        "91440300192317458F", /* 比亚迪股份有限公司 */
        "91440300100012316L", /* 中国平安保险(集团)股份有限公司 */
        "91310000132260250X", /* 上海汽车集团股份有限公司 */
        "91440400192548256N", /* 珠海格力电器股份有限公司 */
        "91440606722473344C", /* 美的集团股份有限公司 */
        "9144030027939873X7", /* 中兴通讯股份有限公司 */
};

static void test_credit_code_real(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(real_codes) / sizeof(real_codes[0]); i++) {
		yx_diag_t d = {{0}};
		const char *code = real_codes[i];
		if (yx_credit_code_check(code, "enterprise.credit_code", &d) != YX_OK)
			fail_msg("%s: %s", code, d.msg);
		assert_int_equal(yx_credit_code_check_char(code), code[17]);
	}
}

static void test_credit_code_hand_computed(void **state)
{
	(void)state;
	/* 9 1 3 5 0 1 0 0 M(21) 0 0 0 1 0 0 Y(30) 4 against 1 3 9 27 19 26 16 17 20 29 25
	 * 13 8 24 10 30 28: 9+3+27+135+26+420+8+900+112 = 1640 = 52*31 + 28; 31-28 = 3. */
	assert_int_equal(yx_credit_code_check_char("91350100M000100Y4"), '3');
	/* 9+3+27+27+26+16+85+30+56 = 279 = 9*31: the remainder 0 gives 31, which maps to '0'. */
	assert_int_equal(yx_credit_code_check_char("91310115000000012"), '0');
	assert_int_equal(yx_credit_code_check("913101150000000120", NULL, NULL), YX_OK);
	/* Remainder 1 gives 30, the last character of the alphabet. */
	assert_int_equal(yx_credit_code_check_char("91310115000000002"), 'Y');
	/* Only the first 17 characters count. */
	assert_int_equal(yx_credit_code_check_char("91350100M000100Y4ZZZ"), '3');
	/* Outside the alphabet, lowercase, short or NULL: no check character. */
	assert_int_equal(yx_credit_code_check_char("91350100I000100Y4"), '\0');
	assert_int_equal(yx_credit_code_check_char("91350100m000100Y4"), '\0');
	assert_int_equal(yx_credit_code_check_char("9135"), '\0');
	assert_int_equal(yx_credit_code_check_char(""), '\0');
	assert_int_equal(yx_credit_code_check_char(NULL), '\0');
}

static void test_credit_code_fixtures(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 5000; i += 7) {
		char code[19];
		yx_diag_t d = {{0}};
		fx_credit_code(i, code);
		if (yx_credit_code_check(code, "enterprise.credit_code", &d) != YX_OK)
			fail_msg("fx_credit_code(%u) = %s: %s", i, code, d.msg);
	}
}

/* The rule written out plainly, to check the validator's one-pass acceptance against. */
static bool credit_code_by_rule(const char *code)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	if (strlen(code) != 18)
		return false;
	for (size_t i = 0; i < 18; i++) {
		if (!strchr(alphabet, code[i]) ||
		    (i >= 2 && i < 8 && !(code[i] >= '0' && code[i] <= '9')))
			return false;
	}
	return yx_credit_code_check_char(code) == code[17];
}

/* Seeded codes, valid ones with 0-2 characters changed, cut or lengthened: accepted exactly
 * when the rule accepts them, and a refusal always says why. */
static void test_credit_code_against_rule(void **state)
{
	(void)state;
	static const char chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdz -\x7f";
	uint64_t rng = fx_seed("test_credit_code_against_rule");
	size_t accepted = 0;
	for (uint32_t round = 0; round < 200000; round++) {
		char code[24] = {0};
		yx_diag_t d = {{0}};
		fx_credit_code(round % 5000, code);
		for (int k = (int)(fx_rand(&rng) % 3); k > 0; k--) {
			size_t at = (size_t)fx_rand(&rng) % 18;
			switch (fx_rand(&rng) % 8) {
			case 0: code[at] = '\0'; break;                      /* cut */
			case 1: code[18] = code[19] ? code[19] : 'A'; break; /* longer */
			default: code[at] = chars[(size_t)fx_rand(&rng) % (sizeof(chars) - 1)];
			}
		}
		bool ok = yx_credit_code_check(code, "credit_code", &d) == YX_OK;
		if (ok != credit_code_by_rule(code))
			fail_msg("%s: validator %s, rule %s", code, ok ? "accepts" : "refuses",
			         ok ? "refuses" : "accepts");
		if (!ok && strlen(d.msg) < strlen("credit_code: "))
			fail_msg("%s: refused without a reason", code);
		accepted += ok;
	}
	printf("test_credit_code_against_rule: 200000 codes, %zu valid\n", accepted);
	assert_true(accepted > 1000 && accepted < 199000);
}

static void test_credit_code_invalid(void **state)
{
	static const struct {
		const char *code;
		const char *detail;
	} bad[] = {
	        {"91350100M000100Y44", "check character is '4', expected '3'"},
	        {"91110000802100433C", "check character is 'C', expected 'B'"},
	        {"914403001922038217", "check character is '7', expected '6'"},
	        {"91350100M000100Y4", "length 17, expected 18"},
	        {"91350100M000100Y433", "length 19, expected 18"},
	        {"9", "length 1, expected 18"},
	        {"", "empty, expected 18 characters"},
	        {"9135I100M000100Y43", "character 'I' at position 5 is not allowed"},
	        {"91350100O000100Y43", "character 'O' at position 9 is not allowed"},
	        {"91350100M000100Z43", "character 'Z' at position 16 is not allowed"},
	        {"S1350100M000100Y43", "character 'S' at position 1 is not allowed"},
	        {"91350100M00V100Y43", "character 'V' at position 12 is not allowed"},
	        {"91350100M000100Y4-", "character '-' at position 18 is not allowed"},
	        {"91350100m000100y43", "lowercase character 'm' at position 9"},
	        {"91350100M000100Y4a", "lowercase character 'a' at position 18"},
	        {"91A50100M000100Y43", "character 'A' at position 3 is not a digit"},
	        {"9135010XM000100Y43", "character 'X' at position 8 is not a digit"},
	        {"9135 100M000100Y43", "character ' ' at position 5 is not allowed"},
	        {"9135010\xef\xbc\x90M000100Y43", "byte 0xEF at position 8 is not allowed"},
	        {"91350100M000100Y4\n", "byte 0x0A at position 18 is not allowed"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		yx_diag_t d = {{0}};
		int ret = yx_credit_code_check(bad[i].code, "enterprise.credit_code", &d);
		if (ret != YX_EINVAL || !strstr(d.msg, "enterprise.credit_code: \"") ||
		    !strstr(d.msg, bad[i].detail))
			fail_msg("%s: expected \"%s\", got %d: %s", bad[i].code, bad[i].detail, ret,
			         d.msg);
	}
	assert_int_equal(yx_credit_code_check(NULL, "x", NULL), YX_EINVAL);
}

/* Every byte at position 10 (registration number): the 31 characters of GB 32100 are
 * accepted once the check character is recomputed, every other byte is refused. */
static void test_credit_code_alphabet(void **state)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	(void)state;
	for (int b = 1; b < 256; b++) {
		char code[19] = "91350100M000100Y43";
		yx_diag_t d = {{0}};
		code[9] = (char)b;
		code[17] = yx_credit_code_check_char(code);
		int ret = yx_credit_code_check(code, NULL, &d);
		if (strchr(alphabet, b))
			assert_int_equal(ret, YX_OK);
		else if (ret != YX_EINVAL)
			fail_msg("byte 0x%02X accepted in a credit code", b);
	}
}

/* The exact wording, field and quoted value first. */
static void test_credit_code_messages(void **state)
{
	yx_diag_t d = {{0}};
	(void)state;
	assert_int_equal(yx_credit_code_check("91350100M000100Y44", "enterprise.credit_code", &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg, "enterprise.credit_code: \"91350100M000100Y44\": "
	                           "check character is '4', expected '3'");
	assert_int_equal(yx_credit_code_check("91350100M000100Y4", "enterprise.credit_code", &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg, "enterprise.credit_code: \"91350100M000100Y4\": "
	                           "length 17, expected 18");
	assert_int_equal(yx_credit_code_check("9135I100M000100Y43", "relay_event.credit_code", &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg, "relay_event.credit_code: \"9135I100M000100Y43\": "
	                           "character 'I' at position 5 is not allowed");
	assert_int_equal(yx_credit_code_check("91350100m000100y43", "enterprise.credit_code", &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg,
	                    "enterprise.credit_code: \"91350100m000100y43\": "
	                    "lowercase character 'm' at position 9 (credit codes are upper case)");
	assert_int_equal(yx_credit_code_check("", "joint_participation.credit_code", &d),
	                 YX_EINVAL);
	assert_string_equal(d.msg, "joint_participation.credit_code: \"\": empty, expected 18 "
	                           "characters");
}

/* ---- cities ---- */

static void test_city_table(void **state)
{
	static const struct {
		uint32_t code;
		const char *name;
	} known[] = {
	        {310000, "上海"}, {320100, "南京"},   {320500, "苏州"}, {320700, "连云港"},
	        {321300, "宿迁"}, {330100, "杭州"},   {330200, "宁波"}, {331100, "丽水"},
	        {340100, "合肥"}, {340500, "马鞍山"}, {341000, "黄山"}, {341600, "亳州"},
	        {341800, "宣城"},
	};
	static const uint32_t outside[] = {
	        0,      310100, 310115, 320000, 330000, 340000,  340900,
	        341400, 341900, 110000, 350100, 420100, 3201000, UINT32_MAX,
	};
	unsigned count = 0, per_province[4] = {0};
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *name = yx_city_name(known[i].code);
		assert_non_null(name);
		assert_string_equal(name, known[i].name);
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
		if (yx_city_name(outside[i]))
			fail_msg("%u should not be a city", outside[i]);
	for (uint32_t code = 0; code < 1000000; code++) {
		if (!yx_city_name(code))
			continue;
		assert_true(code >= 310000 && code < 350000);
		assert_int_equal(code % 100, 0);
		count++;
		per_province[code / 10000 - 31]++;
	}
	assert_int_equal(count, 41);
	assert_int_equal(per_province[0], 1);  /* 上海 */
	assert_int_equal(per_province[1], 13); /* 江苏 */
	assert_int_equal(per_province[2], 11); /* 浙江 */
	assert_int_equal(per_province[3], 16); /* 安徽 */
}

/* Every one of the 41 cities has a place on the map, inside the delta, each its own. */
static void test_city_positions(void **state)
{
	double lon, lat, lon2, lat2;
	uint32_t code;
	size_t n = 0;
	(void)state;
	for (size_t i = 0; (code = yx_city_at(i)); i++, n++) {
		assert_non_null(yx_city_name(code));
		assert_true(yx_city_position(code, &lon, &lat));
		if (lon < 115.5 || lon > 122.5 || lat < 27.8 || lat > 34.8)
			fail_msg("%u %s at %.2f, %.2f: outside the delta", code, yx_city_name(code),
			         lon, lat);
		for (size_t k = 0; k < i; k++) {
			assert_true(yx_city_position(yx_city_at(k), &lon2, &lat2));
			if (lon == lon2 && lat == lat2)
				fail_msg("%u and %u share a position", code, yx_city_at(k));
		}
		if (i > 0)
			assert_true(code > yx_city_at(i - 1)); /* GB/T 2260 order */
	}
	assert_int_equal(n, 41);
	assert_int_equal(yx_city_at(41), 0);
	assert_true(yx_city_position(310000, &lon, &lat));
	assert_true(lon > 121.4 && lon < 121.5 && lat > 31.2 && lat < 31.3);
	assert_true(yx_city_position(340100, &lon2, &lat2)); /* 合肥: west of 上海 */
	assert_true(lon2 < lon);
	lon = -1;
	assert_false(yx_city_position(341400, &lon, &lat)); /* 巢湖, dissolved in 2011 */
	assert_true(lon == -1);
}

/* Cities as text: the code, or the Chinese name with or without 市; nothing else. */
static void test_city_from_text(void **state)
{
	static const char *const bad[] = {
	        "",      "110000",   "31000", "310000 ",    " 310000",     "+310000", "上",
	        "上海 ", "上海市市", "北京",  "4294967296", "99999999999", "310000x",
	};
	uint32_t code = 7;
	(void)state;

	assert_int_equal(yx_city_from_text("310000", &code), YX_OK);
	assert_int_equal(code, 310000);
	assert_int_equal(yx_city_from_text("苏州", &code), YX_OK);
	assert_int_equal(code, 320500);
	assert_int_equal(yx_city_from_text("马鞍山市", &code), YX_OK);
	assert_int_equal(code, 340500);
	assert_int_equal(yx_city_from_text("0341800", &code), YX_OK); /* as config read it */
	assert_string_equal(yx_city_name(code), "宣城");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		code = 7;
		if (yx_city_from_text(bad[i], &code) != YX_ENOTFOUND)
			fail_msg("\"%s\" read as a city", bad[i]);
		assert_int_equal(code, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_credit_code_real),
	        cmocka_unit_test(test_credit_code_hand_computed),
	        cmocka_unit_test(test_credit_code_fixtures),
	        cmocka_unit_test(test_credit_code_against_rule),
	        cmocka_unit_test(test_credit_code_invalid),
	        cmocka_unit_test(test_credit_code_alphabet),
	        cmocka_unit_test(test_credit_code_messages),
	        cmocka_unit_test(test_city_table),
	        cmocka_unit_test(test_city_positions),
	        cmocka_unit_test(test_city_from_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
