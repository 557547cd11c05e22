#include "validate.h"
#include "charter.h"
#include "reflect.h"
#include "terms.h"
#include "text.h"
#include "tiers.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Validation is a run of independent checks in field order; the first failure is the one
 * reported, so every check either returns YX_OK or fills the diag and stops the run. */
#define TRY(expr)                            \
	do {                                 \
		if ((ret = (expr)) != YX_OK) \
			goto out;            \
	} while (0)

/* A path as text in a message ("evaluation.scores"). */
#define FIELD_BUF 96

/* Repeated enums are read through const int *: protobuf-c forces every enum to int size
 * (PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE) and stores unknown numbers unchanged. */
_Static_assert(sizeof(Yrdx__Industry) == sizeof(int), "protobuf-c enums are int-sized");
_Static_assert(sizeof(Yrdx__ServicePlatform) == sizeof(int), "protobuf-c enums are int-sized");
_Static_assert(sizeof(Yrdx__Qualification) == sizeof(int), "protobuf-c enums are int-sized");

/* ---- GB 32100-2015 unified social credit code ---- */

/* The 31 characters of the code: digits and capitals without I, O, Z, S, V. A character's
 * value is its index. */
static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static const unsigned credit_weights[YX_CREDIT_CODE_LEN - 1] = {
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
};

/* Each byte's value plus one, 0 for a byte outside the alphabet: a record's credit code
 * is looked up some fifty times (the check loop, then the check character). */
static const uint8_t credit_values[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
        ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
        ['E'] = 15, ['F'] = 16, ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21,
        ['M'] = 22, ['N'] = 23, ['P'] = 24, ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28,
        ['W'] = 29, ['X'] = 30, ['Y'] = 31,
};

static int credit_value(char c)
{
	return (int)credit_values[(unsigned char)c] - 1;
}

/* ---- GB/T 2260 prefecture-level cities of the Yangtze River Delta ---- */

/* With each city's approximate position (its centre, WGS 84 degrees, two decimals: about
 * a kilometre), for the console's map of the delta (yx_city_position). */
static const struct {
	uint32_t code;
	const char *name;
	double lon, lat;
} cities[] = {
        {310000, "上海", 121.47, 31.23},
        /* Jiangsu */
        {320100, "南京", 118.80, 32.06},
        {320200, "无锡", 120.31, 31.49},
        {320300, "徐州", 117.28, 34.20},
        {320400, "常州", 119.97, 31.81},
        {320500, "苏州", 120.58, 31.30},
        {320600, "南通", 120.89, 31.98},
        {320700, "连云港", 119.22, 34.60},
        {320800, "淮安", 119.02, 33.61},
        {320900, "盐城", 120.16, 33.35},
        {321000, "扬州", 119.41, 32.39},
        {321100, "镇江", 119.42, 32.19},
        {321200, "泰州", 119.92, 32.46},
        {321300, "宿迁", 118.28, 33.96},
        /* Zhejiang */
        {330100, "杭州", 120.16, 30.27},
        {330200, "宁波", 121.55, 29.87},
        {330300, "温州", 120.70, 28.00},
        {330400, "嘉兴", 120.76, 30.75},
        {330500, "湖州", 120.09, 30.89},
        {330600, "绍兴", 120.58, 30.00},
        {330700, "金华", 119.65, 29.08},
        {330800, "衢州", 118.87, 28.94},
        {330900, "舟山", 122.21, 29.99},
        {331000, "台州", 121.42, 28.66},
        {331100, "丽水", 119.92, 28.45},
        /* Anhui (341400 巢湖 was dissolved in 2011) */
        {340100, "合肥", 117.23, 31.82},
        {340200, "芜湖", 118.43, 31.35},
        {340300, "蚌埠", 117.39, 32.92},
        {340400, "淮南", 117.00, 32.63},
        {340500, "马鞍山", 118.51, 31.67},
        {340600, "淮北", 116.80, 33.96},
        {340700, "铜陵", 117.81, 30.94},
        {340800, "安庆", 117.05, 30.53},
        {341000, "黄山", 118.34, 29.71},
        {341100, "滁州", 118.32, 32.30},
        {341200, "阜阳", 115.81, 32.89},
        {341300, "宿州", 116.96, 33.65},
        {341500, "六安", 116.52, 31.74},
        {341600, "亳州", 115.78, 33.84},
        {341700, "池州", 117.49, 30.66},
        {341800, "宣城", 118.76, 30.94},
};

/* ---- where a value sits ---- */

/* A field of a record (d): by name, an element of it (index >= 0), a field of that
 * element's or field's message (member). A yx_path_t is made of it only when a check
 * fails: most records pass, and a path costs lookups by name. Each check's fields are
 * static constants; elements are named only once one fails. */
typedef struct {
	const ProtobufCMessageDescriptor *d;
	const char *field;
	long index;
	const char *member;
} at_t;

#define FIELD(record, field)                                   \
	{                                                      \
		&yrdx__##record##__descriptor, field, -1, NULL \
	}
#define MEMBER(record, field, member)                            \
	{                                                        \
		&yrdx__##record##__descriptor, field, -1, member \
	}

/* Element i of at's field (and its member, if not NULL), in *out. Returns out. */
static const at_t *element(const at_t *at, size_t i, const char *member, at_t *out)
{
	*out = (at_t){at->d, at->field, (long)i, member};
	return out;
}

static void at_path(const at_t *at, yx_path_t *p)
{
	yx_path_init(p, at->d);
	yx_path_push_name(p, at->field, at->index);
	if (at->member)
		yx_path_push_name(p, at->member, -1);
}

/* The field itself, not an element or member, as text ("evaluation.scores"). */
static const char *at_field(const at_t *at, char buf[FIELD_BUF])
{
	yx_path_t p;
	at_path(&(const at_t){at->d, at->field, -1, NULL}, &p);
	return yx_path_text(&p, true, buf, FIELD_BUF);
}

/* "<path>: <what>" into diag (if not NULL), the path kept in it: YX_EINVAL. */
static int fail(yx_diag_t *diag, const at_t *at, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(yx_diag_t *diag, const at_t *at, const char *fmt, ...)
{
	yx_path_t p;
	va_list ap;

	if (diag) {
		at_path(at, &p);
		va_start(ap, fmt);
		yx_diag_vat(diag, YX_EINVAL, &p, fmt, ap);
		va_end(ap);
	}
	return YX_EINVAL;
}

static const char *quote(char buf[YX_QUOTE_BUF], const char *s)
{
	return yx_quote(buf, s, strlen(s));
}

/* ---- strings ---- */

typedef enum {
	STR_ID,     /* required record, case or period id */
	STR_OPT_ID, /* an id that may be left empty */
	STR_NAME,   /* required official name */
	STR_TEXT,   /* optional free text: notes, roles, reasons */
} str_class_t;

/* What each class of string may hold. Ids and names are single-line (they are keys and
 * table cells); free text may span lines. */
static const struct {
	size_t max;
	bool required;
	bool multiline;
} str_rules[] = {
        [STR_ID] = {YX_MAX_ID_LEN, true, false},
        [STR_OPT_ID] = {YX_MAX_ID_LEN, false, false},
        [STR_NAME] = {YX_MAX_NAME_LEN, true, false},
        [STR_TEXT] = {YX_MAX_TEXT_LEN, false, true},
};

/* How many of s's first len bytes are printable ASCII (0x20-0x7E), which every class
 * accepts, taken eight at a time: ids, codes and the Latin part of any text. A count short
 * of a word's end is fine: check_str's loop judges what follows, from a character's start
 * (an ASCII byte is a character). */
static size_t printable_ascii_run(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w, del;
		memcpy(&w, s + i, 8);
		del = w ^ (0x7F * ones);
		/* a byte past 0x7F; one under 0x20 (its subtraction borrows into the high
		 * bit); one equal to 0x7F (a zero byte of del) */
		if ((w & highs) | ((w - 0x20 * ones) & ~w & highs) | ((del - ones) & ~del & highs))
			break;
	}
	return i;
}

static int check_str(const char *s, str_class_t cls, const at_t *at, yx_diag_t *diag)
{
	int ret = YX_EINVAL;
	char q[YX_QUOTE_BUF];
	const unsigned char *p;
	size_t len;

	/* Strings built by hand may be NULL; decoded ones are "" when absent. */
	if (!s)
		s = "";
	len = strlen(s);
	if (len == 0 && str_rules[cls].required) {
		fail(diag, at, "\"\": must not be empty");
		goto out;
	}
	if (len > str_rules[cls].max) {
		fail(diag, at, "%s: %zu bytes, at most %zu", quote(q, s), len, str_rules[cls].max);
		goto out;
	}
	for (p = (const unsigned char *)s + printable_ascii_run((const unsigned char *)s, len);
	     *p;) {
		size_t n = *p < 0x80 ? 1 : yx_utf8_seq_len(p, SIZE_MAX);
		if (n == 0) {
			fail(diag, at, "%s: invalid UTF-8 at byte %zu", quote(q, s),
			     (size_t)(p - (const unsigned char *)s) + 1);
			goto out;
		}
		if (n == 1 && (*p < 0x20 || *p == 0x7F) &&
		    !(str_rules[cls].multiline && (*p == '\n' || *p == '\r' || *p == '\t'))) {
			fail(diag, at, "%s: control character 0x%02X at byte %zu", quote(q, s), *p,
			     (size_t)(p - (const unsigned char *)s) + 1);
			goto out;
		}
		p += n;
	}
	ret = YX_OK;
out:
	return ret;
}

static int check_count(size_t n, const at_t *at, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (n > YX_MAX_REPEATED)
		ret = fail(diag, at, "%zu entries, at most %d", n, YX_MAX_REPEATED);
	return ret;
}

static int check_id_list(char *const *ids, size_t n, const at_t *at, yx_diag_t *diag)
{
	at_t el;
	int ret;

	TRY(check_count(n, at, diag));
	for (size_t i = 0; i < n; i++)
		if (check_str(ids[i], STR_ID, at, NULL) != YX_OK)
			TRY(check_str(ids[i], STR_ID, element(at, i, NULL, &el), diag));
out:
	return ret;
}

/* ---- enums ---- */

/* protobuf-c keeps enum numbers it does not know, so the range is whatever the generated
 * descriptor lists, not a hard-coded maximum. */
static int check_enum(int v, const ProtobufCEnumDescriptor *d, bool required, const at_t *at,
                      yx_diag_t *diag)
{
	int ret = YX_OK;

	if (!protobuf_c_enum_descriptor_get_value(d, v))
		ret = fail(diag, at, "%d is not a valid %s", v, d->short_name);
	else if (required && v == 0)
		ret = fail(diag, at, "%s: must be set", yx_enum_full_name(d, v));
	return ret;
}

/* A repeated enum is a set: every entry meaningful (no UNSPECIFIED), none twice. */
static int check_enum_list(const void *values, size_t n, const ProtobufCEnumDescriptor *d,
                           const at_t *at, yx_diag_t *diag)
{
	const int *v = values;
	char f[FIELD_BUF];
	at_t el;
	int ret;

	TRY(check_count(n, at, diag));
	for (size_t i = 0; i < n; i++) {
		if (check_enum(v[i], d, true, at, NULL) != YX_OK)
			TRY(check_enum(v[i], d, true, element(at, i, NULL, &el), diag));
		for (size_t j = 0; j < i; j++)
			if (v[j] == v[i])
				TRY(fail(diag, element(at, i, NULL, &el), "%s repeats %s[%zu]",
				         yx_enum_full_name(d, v[i]), at_field(at, f), j));
	}
out:
	return ret;
}

/* ---- keys, hashes, references ---- */

/* Node keys and chain hashes are both 32 bytes (YX_KEY_BYTES == YX_HASH_BYTES). */
static int check_key32(const ProtobufCBinaryData *b, const at_t *at, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (b->len != YX_KEY_BYTES)
		ret = fail(diag, at, "%zu bytes, expected %d", b->len, YX_KEY_BYTES);
	return ret;
}

static int check_city(uint32_t code, const at_t *at, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (code == 0)
		ret = fail(diag, at, "must be set (GB/T 2260 city code)");
	else if (!yx_city_name(code))
		ret = fail(diag, at,
		           "%u is not a Yangtze River Delta prefecture-level city (GB/T 2260)",
		           code);
	return ret;
}

/* relay_event.answers, the one reference a record holds. */
static int check_answers(const Yrdx__ChangeRef *r, yx_diag_t *diag)
{
	static const at_t origin = MEMBER(relay_event, "answers", "origin"),
	                  seq = MEMBER(relay_event, "answers", "seq"),
	                  hash = MEMBER(relay_event, "answers", "hash");
	int ret;

	TRY(check_key32(&r->origin, &origin, diag));
	if (r->seq == 0)
		TRY(fail(diag, &seq, "0, changes are numbered from 1"));
	TRY(check_key32(&r->hash, &hash, diag));
out:
	return ret;
}

static int check_credit_code(const char *code, const at_t *at, yx_diag_t *diag);

/* ---- records ---- */

static int check_incubator(const Yrdx__Incubator *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(incubator, "id"), name = FIELD(incubator, "name"),
	                  city = FIELD(incubator, "city"), tier = FIELD(incubator, "tier"),
	                  operator_type = FIELD(incubator, "operator_type"),
	                  focus_industries = FIELD(incubator, "focus_industries"),
	                  platforms = FIELD(incubator, "platforms"),
	                  tier_since = FIELD(incubator, "tier_since");
	yx_period_t since;
	char q[YX_QUOTE_BUF];
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	TRY(check_str(m->name, STR_NAME, &name, diag));
	TRY(check_city(m->city, &city, diag));
	TRY(check_enum(m->tier, &yrdx__incubator_tier__descriptor, true, &tier, diag));
	TRY(check_enum(m->operator_type, &yrdx__operator_type__descriptor, true, &operator_type,
	               diag));
	TRY(check_enum_list(m->focus_industries, m->n_focus_industries, &yrdx__industry__descriptor,
	                    &focus_industries, diag));
	TRY(check_enum_list(m->platforms, m->n_platforms, &yrdx__service_platform__descriptor,
	                    &platforms, diag));
	if (m->tier_since && m->tier_since[0] && !yx_period_parse(m->tier_since, &since))
		TRY(fail(diag, &tier_since, "%s: not a period, expected " YX_PERIOD_FORM,
		         quote(q, m->tier_since)));
out:
	return ret;
}

static int check_enterprise(const Yrdx__Enterprise *m, yx_diag_t *diag)
{
	static const at_t credit_code = FIELD(enterprise, "credit_code"),
	                  name = FIELD(enterprise, "name"), city = FIELD(enterprise, "city"),
	                  stage = FIELD(enterprise, "stage"),
	                  incubator_ids = FIELD(enterprise, "incubator_ids"),
	                  industries = FIELD(enterprise, "industries"),
	                  qualifications = FIELD(enterprise, "qualifications"),
	                  park_id = FIELD(enterprise, "park_id"),
	                  relay_case_id = FIELD(enterprise, "relay_case_id");
	int ret;

	TRY(check_credit_code(m->credit_code, &credit_code, diag));
	TRY(check_str(m->name, STR_NAME, &name, diag));
	TRY(check_city(m->city, &city, diag));
	TRY(check_enum(m->stage, &yrdx__enterprise_stage__descriptor, true, &stage, diag));
	TRY(check_id_list(m->incubator_ids, m->n_incubator_ids, &incubator_ids, diag));
	TRY(check_enum_list(m->industries, m->n_industries, &yrdx__industry__descriptor,
	                    &industries, diag));
	TRY(check_enum_list(m->qualifications, m->n_qualifications,
	                    &yrdx__qualification__descriptor, &qualifications, diag));
	TRY(check_str(m->park_id, STR_OPT_ID, &park_id, diag));
	TRY(check_str(m->relay_case_id, STR_OPT_ID, &relay_case_id, diag));
out:
	return ret;
}

static int check_park(const Yrdx__Park *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(park, "id"), name = FIELD(park, "name"),
	                  city = FIELD(park, "city"), type = FIELD(park, "type"),
	                  industries = FIELD(park, "industries");
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	TRY(check_str(m->name, STR_NAME, &name, diag));
	TRY(check_city(m->city, &city, diag));
	TRY(check_enum(m->type, &yrdx__park_type__descriptor, true, &type, diag));
	TRY(check_enum_list(m->industries, m->n_industries, &yrdx__industry__descriptor,
	                    &industries, diag));
out:
	return ret;
}

/* A PROPOSE opens a case: it names the destination node (the dossier is sealed to it) and
 * answers nothing. Every later event answers an earlier one, so it must say which. */
static int check_relay_event(const Yrdx__RelayEvent *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(relay_event, "id"), case_id = FIELD(relay_event, "case_id"),
	                  type = FIELD(relay_event, "type"),
	                  credit_code = FIELD(relay_event, "credit_code"),
	                  source = FIELD(relay_event, "source_incubator_id"),
	                  destination = FIELD(relay_event, "destination_node"),
	                  park_id = FIELD(relay_event, "park_id"),
	                  answers = FIELD(relay_event, "answers"),
	                  note = FIELD(relay_event, "note"),
	                  dossier = FIELD(relay_event, "sealed_dossier");
	const ProtobufCEnumDescriptor *types = &yrdx__relay_event_type__descriptor;
	const char *propose =
	        yx_enum_full_name(types, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE);
	bool is_propose = m->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	TRY(check_str(m->case_id, STR_ID, &case_id, diag));
	TRY(check_enum(m->type, types, true, &type, diag));
	TRY(check_credit_code(m->credit_code, &credit_code, diag));
	TRY(check_str(m->source_incubator_id, STR_OPT_ID, &source, diag));
	if (is_propose && m->destination_node.len == 0)
		TRY(fail(diag, &destination, "missing, required for %s", propose));
	if (m->destination_node.len)
		TRY(check_key32(&m->destination_node, &destination, diag));
	TRY(check_str(m->park_id, STR_OPT_ID, &park_id, diag));
	if (is_propose && m->answers)
		TRY(fail(diag, &answers, "must be unset for %s", propose));
	if (!is_propose && !m->answers)
		TRY(fail(diag, &answers, "missing, required for %s",
		         yx_enum_full_name(types, m->type)));
	if (m->answers)
		TRY(check_answers(m->answers, diag));
	TRY(check_str(m->note, STR_TEXT, &note, diag));
	if (m->sealed_dossier.len > YX_MAX_DOSSIER_BYTES)
		TRY(fail(diag, &dossier, "%zu bytes, at most %d", m->sealed_dossier.len,
		         YX_MAX_DOSSIER_BYTES));
out:
	return ret;
}

/* An agreement is between at least two distinct nodes; each party publishes the same list. */
static int check_joint(const Yrdx__JointParticipation *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(joint_participation, "id"),
	                  parties = FIELD(joint_participation, "parties"),
	                  incubator_ids = FIELD(joint_participation, "incubator_ids"),
	                  credit_code = FIELD(joint_participation, "credit_code"),
	                  incubator_id = FIELD(joint_participation, "incubator_id"),
	                  role = FIELD(joint_participation, "role");
	char f[FIELD_BUF];
	at_t el;
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	if (m->n_parties < 2)
		TRY(fail(diag, &parties, "%zu entries, at least 2", m->n_parties));
	TRY(check_count(m->n_parties, &parties, diag));
	for (size_t i = 0; i < m->n_parties; i++) {
		TRY(check_key32(&m->parties[i], element(&parties, i, NULL, &el), diag));
		for (size_t j = 0; j < i; j++)
			if (memcmp(m->parties[j].data, m->parties[i].data, YX_KEY_BYTES) == 0)
				TRY(fail(diag, &el, "repeats %s[%zu]", at_field(&parties, f), j));
	}
	TRY(check_id_list(m->incubator_ids, m->n_incubator_ids, &incubator_ids, diag));
	TRY(check_credit_code(m->credit_code, &credit_code, diag));
	TRY(check_str(m->incubator_id, STR_ID, &incubator_id, diag));
	TRY(check_str(m->role, STR_TEXT, &role, diag));
out:
	return ret;
}

/* The plan's scorecard (分类评价体系): each of the five dimensions scored exactly once,
 * 0..100; the id names the incubator and the period it evaluates; a result is required,
 * and a milestone reward (里程碑绩效评价后奖励) follows only a milestone evaluated excellent
 * or passed. What needs the registry (the incubator exists, funding phases) is
 * evalrules.c's. */
static int check_evaluation(const Yrdx__Evaluation *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(evaluation, "id"),
	                  incubator_id = FIELD(evaluation, "incubator_id"),
	                  period = FIELD(evaluation, "period"),
	                  scores = FIELD(evaluation, "scores"),
	                  result = FIELD(evaluation, "result"),
	                  reward = FIELD(evaluation, "milestone_reward_wan_yuan");
	const ProtobufCEnumDescriptor *dims = &yrdx__evaluation_dimension__descriptor,
	                              *results = &yrdx__milestone_result__descriptor;
	char f[FIELD_BUF], q[YX_QUOTE_BUF], want[2 * YX_MAX_ID_LEN + 2];
	unsigned seen = 0;
	yx_period_t p;
	at_t el;
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	TRY(check_str(m->incubator_id, STR_ID, &incubator_id, diag));
	TRY(check_str(m->period, STR_ID, &period, diag));
	if (!yx_period_parse(m->period, &p))
		TRY(fail(diag, &period, "%s: not a period, expected " YX_PERIOD_FORM,
		         quote(q, m->period)));
	snprintf(want, sizeof(want), "%s/%s", m->incubator_id, m->period);
	if (strcmp(m->id, want) != 0)
		TRY(fail(diag, &id, "%s: expected \"%s\" (<incubator_id>/<period>)",
		         quote(q, m->id), want));
	TRY(check_count(m->n_scores, &scores, diag));
	for (size_t i = 0; i < m->n_scores; i++) {
		const Yrdx__DimensionScore *s = m->scores[i];
		if (!s)
			TRY(fail(diag, element(&scores, i, NULL, &el), "missing"));
		TRY(check_enum(s->dimension, dims, true, element(&scores, i, "dimension", &el),
		               diag));
		for (size_t j = 0; j < i; j++)
			if (m->scores[j]->dimension == s->dimension)
				TRY(fail(diag, &el, "%s repeats %s[%zu]",
				         yx_enum_full_name(dims, s->dimension),
				         at_field(&scores, f), j));
		if (s->score > 100)
			TRY(fail(diag, element(&scores, i, "score", &el), "%u, expected 0..100",
			         s->score));
		seen |= 1u << s->dimension;
	}
	for (unsigned k = 0; k < dims->n_values; k++) {
		int v = dims->values[k].value;
		if (v != 0 && !(seen & (1u << v)))
			TRY(fail(diag, &scores,
			         "%s (%s) missing: each of the %u dimensions is scored once",
			         yx_enum_full_name(dims, v), yx_term(dims, v), dims->n_values - 1));
	}
	TRY(check_enum(m->result, results, true, &result, diag));
	if (m->milestone_reward_wan_yuan > 0 &&
	    m->result != YRDX__MILESTONE_RESULT__MILESTONE_RESULT_EXCELLENT &&
	    m->result != YRDX__MILESTONE_RESULT__MILESTONE_RESULT_PASSED)
		TRY(fail(diag, &reward,
		         "%llu 万元 with result %s (%s): 里程碑奖励 only after a milestone "
		         "evaluated "
		         "excellent (优秀) or passed (合格)",
		         (unsigned long long)m->milestone_reward_wan_yuan,
		         yx_enum_full_name(results, m->result), yx_term(results, m->result)));
out:
	return ret;
}

/* The origin's sharing policy: one per origin (id "policy"), each city named once, and
 * no more cities than YX_MAX_POLICY_CITIES (the federation has 41). */
static int check_policy(const Yrdx__SharingPolicy *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(sharing_policy, "id"),
	                  kinds = FIELD(sharing_policy, "default_kinds"),
	                  city_list = FIELD(sharing_policy, "cities");
	const ProtobufCEnumDescriptor *rk = &yrdx__record_kind__descriptor;
	at_t el;
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	if (strcmp(m->id, YX_POLICY_ID) != 0)
		TRY(fail(diag, &id, "\"%.64s\", expected \"" YX_POLICY_ID "\"", m->id));
	TRY(check_enum_list(m->default_kinds, m->n_default_kinds, rk, &kinds, diag));
	if (m->n_cities > YX_MAX_POLICY_CITIES)
		TRY(fail(diag, &city_list, "%zu entries, at most %d", m->n_cities,
		         YX_MAX_POLICY_CITIES));
	for (size_t i = 0; i < m->n_cities; i++) {
		const Yrdx__CityShare *c = m->cities[i];
		if (!c)
			TRY(fail(diag, element(&city_list, i, NULL, &el), "missing"));
		TRY(check_key32(&c->node, element(&city_list, i, "node", &el), diag));
		TRY(check_enum_list(c->kinds, c->n_kinds, rk, element(&city_list, i, "kinds", &el),
		                    diag));
		for (size_t j = 0; j < i; j++)
			if (memcmp(m->cities[j]->node.data, c->node.data, YX_KEY_BYTES) == 0)
				TRY(fail(diag, element(&city_list, i, "node", &el),
				         "names the city of cities[%zu] again", j));
	}
out:
	return ret;
}

/* An enterprise's figures: its credit code, the figures, a 16-byte salt. */
static int check_figures(const Yrdx__EnterpriseFigures *m, yx_diag_t *diag)
{
	static const at_t code = FIELD(enterprise_figures, "credit_code"),
	                  fin = FIELD(enterprise_figures, "financials"),
	                  salt = FIELD(enterprise_figures, "salt");
	int ret;

	TRY(check_credit_code(m->credit_code, &code, diag));
	if (!m->financials)
		TRY(fail(diag, &fin, "not set"));
	if (m->salt.len != YX_FIGURES_SALT_BYTES)
		TRY(fail(diag, &salt, "%zu bytes, expected %d", m->salt.len,
		         YX_FIGURES_SALT_BYTES));
out:
	return ret;
}

/* A member's vote on a charter version: its id, and the version's bytes with exactly one
 * signature. Whether the bytes are a charter, the id its version and hash, and the
 * signature the member's is decided where votes are counted (node/lib/charter.c). */
static int check_charter_vote(const Yrdx__CharterVote *m, yx_diag_t *diag)
{
	static const at_t id = FIELD(charter_vote, "id"), prop = FIELD(charter_vote, "proposal");
	const Yrdx__SignedCharter *p = m->proposal;
	int ret;

	TRY(check_str(m->id, STR_ID, &id, diag));
	if (!p)
		TRY(fail(diag, &prop, "missing"));
	if (p->charter.len == 0 || p->charter.len > YX_CHARTER_MAX_BYTES)
		TRY(fail(diag, &prop, "charter of %zu bytes, expected 1 to %d", p->charter.len,
		         YX_CHARTER_MAX_BYTES));
	if (p->n_signatures != 1 || !p->signatures[0])
		TRY(fail(diag, &prop, "%zu signatures, a vote holds its member's one",
		         p->n_signatures));
	if (p->signatures[0]->key.len != YX_KEY_BYTES || p->signatures[0]->signature.len != 64)
		TRY(fail(diag, &prop,
		         "a signature of %zu bytes by a key of %zu, expected 64 and %d",
		         p->signatures[0]->signature.len, p->signatures[0]->key.len, YX_KEY_BYTES));
out:
	return ret;
}

/* The record a change's body points at (a Yrdx__Tombstone for a retraction); NULL if the
 * body is not set. */
static const void *body_record(const Yrdx__Change *c)
{
	if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE)
		return c->tombstone;
	return yx_change_body(c);
}

/* The name of the body's oneof member for messages, "body" when none is set. */
static const char *body_field(const Yrdx__Change *c)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field(c->base.descriptor, c->body_case);
	return f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ? f->name : "body";
}

/* ---- public API ---- */

char yx_credit_code_check_char(const char *first17)
{
	char check = '\0';
	unsigned sum = 0;
	unsigned r;

	if (!first17)
		goto out;
	for (size_t i = 0; i < YX_CREDIT_CODE_LEN - 1; i++) {
		int v = credit_value(first17[i]);
		if (v < 0)
			goto out;
		sum += (unsigned)v * credit_weights[i];
	}
	r = 31 - sum % 31;
	check = credit_alphabet[r == 31 ? 0 : r];
out:
	return check;
}

/* The common case in one pass: 17 characters of the alphabet, digits where the division
 * code is, the right check character, and the end. What else there is to say of a code
 * credit_code_fault says. */
static bool credit_code_ok(const char *code)
{
	unsigned sum = 0;
	for (size_t i = 0; i < YX_CREDIT_CODE_LEN - 1; i++) {
		int v = credit_value(code[i]); /* -1 for the NUL too */
		if (v < 0 || (i >= 2 && i < 8 && v > 9))
			return false;
		sum += (unsigned)v * credit_weights[i];
	}
	unsigned r = 31 - sum % 31;
	return code[YX_CREDIT_CODE_LEN - 1] == credit_alphabet[r == 31 ? 0 : r] &&
	       code[YX_CREDIT_CODE_LEN] == '\0';
}

/* What is wrong with code, into what (size bytes: "<quoted code>: <reason>"): YX_EINVAL,
 * or YX_OK if it is a well-formed credit code with a correct check character. */
static int credit_code_fault(const char *code, char *what, size_t size)
{
	char q[YX_QUOTE_BUF];
	size_t len, i;
	char check;

	if (!code)
		code = "";
	if (credit_code_ok(code))
		return YX_OK;
	len = strlen(code);
	/* The value is quoted only for a message: most codes are valid. */
	if (len == 0)
		return yx_why(what, size, YX_EINVAL, "%s: empty, expected %d characters",
		              quote(q, code), YX_CREDIT_CODE_LEN);
	/* Non-ASCII first: a full-width digit would otherwise surface as a confusing length. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];
		if (c < 0x20 || c >= 0x7F)
			return yx_why(what, size, YX_EINVAL,
			              "%s: byte 0x%02X at position %zu is not allowed",
			              quote(q, code), c, i + 1);
	}
	if (len != YX_CREDIT_CODE_LEN)
		return yx_why(what, size, YX_EINVAL, "%s: length %zu, expected %d", quote(q, code),
		              len, YX_CREDIT_CODE_LEN);
	for (i = 0; i < len; i++) {
		char c = code[i];
		if (c >= 'a' && c <= 'z')
			return yx_why(what, size, YX_EINVAL,
			              "%s: lowercase character '%c' at position %zu (credit codes "
			              "are upper case)",
			              quote(q, code), c, i + 1);
		if (credit_value(c) < 0)
			return yx_why(what, size, YX_EINVAL,
			              "%s: character '%c' at position %zu is not allowed",
			              quote(q, code), c, i + 1);
		if (i >= 2 && i < 8 && !(c >= '0' && c <= '9'))
			return yx_why(
			        what, size, YX_EINVAL,
			        "%s: character '%c' at position %zu is not a digit (positions "
			        "3-8 are the administrative division code)",
			        quote(q, code), c, i + 1);
	}
	check = yx_credit_code_check_char(code);
	if (code[YX_CREDIT_CODE_LEN - 1] != check)
		return yx_why(what, size, YX_EINVAL, "%s: check character is '%c', expected '%c'",
		              quote(q, code), code[YX_CREDIT_CODE_LEN - 1], check);
	return YX_OK;
}

int yx_credit_code_check(const char *code, const char *field, yx_diag_t *diag)
{
	char what[sizeof(((yx_diag_t *)0)->msg)];

	if (credit_code_fault(code, what, sizeof(what)) == YX_OK)
		return YX_OK;
	return yx_diag_set(diag, YX_EINVAL, "%s: %s", field ? field : "credit_code", what);
}

static int check_credit_code(const char *code, const at_t *at, yx_diag_t *diag)
{
	char what[sizeof(((yx_diag_t *)0)->msg)];

	if (credit_code_fault(code, what, sizeof(what)) == YX_OK)
		return YX_OK;
	return fail(diag, at, "%s", what);
}

const char *yx_city_name(uint32_t code)
{
	/* 41 entries: a linear scan is cheaper to read than a search and fast enough. */
	for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++)
		if (cities[i].code == code)
			return cities[i].name;
	return NULL;
}

bool yx_city_position(uint32_t code, double *lon, double *lat)
{
	for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++)
		if (cities[i].code == code) {
			*lon = cities[i].lon;
			*lat = cities[i].lat;
			return true;
		}
	return false;
}

uint32_t yx_city_at(size_t i)
{
	return i < sizeof(cities) / sizeof(cities[0]) ? cities[i].code : 0;
}

int yx_city_from_text(const char *text, uint32_t *code)
{
	size_t len = strlen(text);
	uint64_t n = 0;

	if (len > 0 && len <= 10 && strspn(text, "0123456789") == len) {
		for (size_t i = 0; i < len; i++)
			n = n * 10 + (uint64_t)(text[i] - '0');
		if (n > UINT32_MAX || !yx_city_name((uint32_t)n))
			return YX_ENOTFOUND;
		*code = (uint32_t)n;
		return YX_OK;
	}
	for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++) {
		size_t k = strlen(cities[i].name);
		if (strncmp(text, cities[i].name, k) == 0 &&
		    (text[k] == '\0' || strcmp(text + k, "市") == 0)) {
			*code = cities[i].code;
			return YX_OK;
		}
	}
	return YX_ENOTFOUND;
}

int yx_validate_record(const Yrdx__Change *change, yx_diag_t *diag)
{
	static const at_t reason = FIELD(tombstone, "reason");
	const void *rec = body_record(change);
	int ret = YX_EINVAL;

	if (!rec) {
		yx_diag_set(diag, ret, "change.%s: not set", body_field(change));
		goto out;
	}
	switch (change->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: ret = check_incubator(rec, diag); break;
	case YRDX__CHANGE__BODY_ENTERPRISE: ret = check_enterprise(rec, diag); break;
	case YRDX__CHANGE__BODY_PARK: ret = check_park(rec, diag); break;
	case YRDX__CHANGE__BODY_RELAY_EVENT: ret = check_relay_event(rec, diag); break;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION: ret = check_joint(rec, diag); break;
	case YRDX__CHANGE__BODY_EVALUATION: ret = check_evaluation(rec, diag); break;
	case YRDX__CHANGE__BODY_SHARING_POLICY: ret = check_policy(rec, diag); break;
	case YRDX__CHANGE__BODY_ENTERPRISE_FIGURES: ret = check_figures(rec, diag); break;
	case YRDX__CHANGE__BODY_CHARTER_VOTE: ret = check_charter_vote(rec, diag); break;
	case YRDX__CHANGE__BODY_TOMBSTONE:
		ret = check_str(change->tombstone->reason, STR_TEXT, &reason, diag);
		break;
	default:
		/* body_record returned NULL for every other case. */
		break;
	}
out:
	return ret;
}

int yx_validate_change(const Yrdx__Change *change, yx_diag_t *diag)
{
	const Yrdx__Change *c = change;
	static const at_t origin = FIELD(change, "origin"), prev_hash = FIELD(change, "prev_hash"),
	                  seq = FIELD(change, "seq"), kind = FIELD(change, "kind"),
	                  id = FIELD(change, "id");
	const char *body_id;
	char q[YX_QUOTE_BUF], q2[YX_QUOTE_BUF];
	bool tombstone = c->body_case == YRDX__CHANGE__BODY_TOMBSTONE;
	int ret;

	TRY(check_key32(&c->origin, &origin, diag));
	if (c->prev_hash.len != YX_HASH_BYTES)
		TRY(fail(diag, &prev_hash, "%zu bytes, expected %d", c->prev_hash.len,
		         YX_HASH_BYTES));
	if (c->seq == 0)
		TRY(fail(diag, &seq, "0, changes are numbered from 1"));
	if (!body_record(c))
		TRY(yx_diag_set(diag, YX_EINVAL, "change.%s: not set", body_field(c)));
	/* The descriptor and the codec's kind table must both know the kind: a kind added to
	 * the schema but not to this build is as foreign as an unknown number. */
	TRY(check_enum(c->kind, &yrdx__record_kind__descriptor, true, &kind, diag));
	if ((int)c->kind >= YX_KIND_COUNT)
		TRY(fail(diag, &kind, "%d is not supported by this build", (int)c->kind));
	if (!tombstone && yx_change_body_kind(c) != (yx_kind_t)c->kind)
		TRY(fail(diag, &kind, "%s, but the body holds %s",
		         yx_enum_full_name(&yrdx__record_kind__descriptor, c->kind),
		         body_field(c)));
	/* A member's first vote in a round counts; a retracted one would count at the nodes
	 * that held it before the retraction and not at the others. */
	if (tombstone && c->kind == YRDX__RECORD_KIND__RECORD_KIND_CHARTER_VOTE)
		TRY(fail(diag, &kind,
		         "a charter vote is never retracted: a member's first vote in "
		         "a round is the one that counts"));
	TRY(check_str(c->id, STR_ID, &id, diag));
	/* A tombstone names the retracted record only through change.id. */
	body_id = tombstone ? NULL : yx_change_body_id(c);
	if (!tombstone && !body_id)
		body_id = "";
	if (body_id && strcmp(c->id, body_id) != 0)
		TRY(fail(diag, &id, "%s: does not match %s id %s", quote(q, c->id), body_field(c),
		         quote(q2, body_id)));
	TRY(yx_validate_record(c, diag));
out:
	return ret;
}
