#include "validate.h"
#include "text.h"

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

/* Room for a field name with an index and a nested member, e.g.
 * "evaluation.scores[31].dimension". */
#define FIELD_BUF 96

/* Values are shown at most this many input bytes long: a diag is 1024 bytes and some
 * messages quote two values. */
#define QUOTE_MAX 48
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

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

static const struct {
	uint32_t code;
	const char *name;
} cities[] = {
        {310000, "上海"},
        /* Jiangsu */
        {320100, "南京"},
        {320200, "无锡"},
        {320300, "徐州"},
        {320400, "常州"},
        {320500, "苏州"},
        {320600, "南通"},
        {320700, "连云港"},
        {320800, "淮安"},
        {320900, "盐城"},
        {321000, "扬州"},
        {321100, "镇江"},
        {321200, "泰州"},
        {321300, "宿迁"},
        /* Zhejiang */
        {330100, "杭州"},
        {330200, "宁波"},
        {330300, "温州"},
        {330400, "嘉兴"},
        {330500, "湖州"},
        {330600, "绍兴"},
        {330700, "金华"},
        {330800, "衢州"},
        {330900, "舟山"},
        {331000, "台州"},
        {331100, "丽水"},
        /* Anhui (341400 巢湖 was dissolved in 2011) */
        {340100, "合肥"},
        {340200, "芜湖"},
        {340300, "蚌埠"},
        {340400, "淮南"},
        {340500, "马鞍山"},
        {340600, "淮北"},
        {340700, "铜陵"},
        {340800, "安庆"},
        {341000, "黄山"},
        {341100, "滁州"},
        {341200, "阜阳"},
        {341300, "宿州"},
        {341500, "六安"},
        {341600, "亳州"},
        {341700, "池州"},
        {341800, "宣城"},
};

/* ---- strings ---- */

/* Writes s into buf as a double-quoted value for a diag. Values come from peers and files
 * and end up in logs and on terminals, so control bytes and broken UTF-8 are escaped
 * (a hostile value cannot forge a log line) and long values are cut on a character
 * boundary. Returns buf. */
static const char *quote(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t o = 0, used = 0;

	buf[o++] = '"';
	while (*p && used < QUOTE_MAX && o + 8 < size) {
		size_t n = yx_utf8_seq_len(p, SIZE_MAX);
		if (n == 1 && (*p < 0x20 || *p == 0x7F || *p == '"' || *p == '\\')) {
			if (*p == '"' || *p == '\\')
				o += (size_t)snprintf(buf + o, size - o, "\\%c", *p);
			else
				o += (size_t)snprintf(buf + o, size - o, "\\x%02X", *p);
			n = 1;
		} else if (n == 0) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02X", *p);
			n = 1;
		} else {
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
		used += n;
	}
	if (*p) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Field names are built from fixed schema names and bounded indices and always fit; should
 * one not, the message still names it by its prefix, marked as cut. */
static const char *field_name_done(char *buf, int n)
{
	if (n < 0 || n >= FIELD_BUF)
		memcpy(buf + FIELD_BUF - 4, "...", 4);
	return buf;
}

static const char *field_at(char *buf, const char *field, size_t i)
{
	return field_name_done(buf, snprintf(buf, FIELD_BUF, "%s[%zu]", field, i));
}

static const char *field_member(char *buf, const char *field, const char *member)
{
	return field_name_done(buf, snprintf(buf, FIELD_BUF, "%s.%s", field, member));
}

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

static int check_str(const char *s, str_class_t cls, const char *field, yx_diag_t *diag)
{
	int ret = YX_EINVAL;
	char q[QUOTE_BUF];
	const unsigned char *p;
	size_t len;

	/* Strings built by hand may be NULL; decoded ones are "" when absent. */
	if (!s)
		s = "";
	len = strlen(s);
	if (len == 0) {
		if (str_rules[cls].required)
			yx_diag_set(diag, ret, "%s: \"\": must not be empty", field);
		else
			ret = YX_OK;
		goto out;
	}
	if (len > str_rules[cls].max) {
		yx_diag_set(diag, ret, "%s: %s: %zu bytes, at most %zu", field,
		            quote(q, sizeof(q), s), len, str_rules[cls].max);
		goto out;
	}
	for (p = (const unsigned char *)s; *p;) {
		size_t n = *p < 0x80 ? 1 : yx_utf8_seq_len(p, SIZE_MAX);
		size_t at = (size_t)(p - (const unsigned char *)s) + 1;
		if (n == 0) {
			yx_diag_set(diag, ret, "%s: %s: invalid UTF-8 at byte %zu", field,
			            quote(q, sizeof(q), s), at);
			goto out;
		}
		if (n == 1 && (*p < 0x20 || *p == 0x7F) &&
		    !(str_rules[cls].multiline && (*p == '\n' || *p == '\r' || *p == '\t'))) {
			yx_diag_set(diag, ret, "%s: %s: control character 0x%02X at byte %zu",
			            field, quote(q, sizeof(q), s), *p, at);
			goto out;
		}
		p += n;
	}
	ret = YX_OK;
out:
	return ret;
}

static int check_count(size_t n, const char *field, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (n > YX_MAX_REPEATED)
		ret = yx_diag_set(diag, YX_EINVAL, "%s: %zu entries, at most %d", field, n,
		                  YX_MAX_REPEATED);
	return ret;
}

static int check_id_list(char *const *ids, size_t n, const char *field, yx_diag_t *diag)
{
	int ret;
	char f[FIELD_BUF];

	TRY(check_count(n, field, diag));
	/* Checked first without a message: the indexed field name is only formatted for
	 * the one that fails (this runs for every imported record). */
	for (size_t i = 0; i < n; i++)
		if (check_str(ids[i], STR_ID, field, NULL) != YX_OK)
			TRY(check_str(ids[i], STR_ID, field_at(f, field, i), diag));
out:
	return ret;
}

/* ---- enums ---- */

static const char *enum_value_name(const ProtobufCEnumDescriptor *d, int v)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	return ev ? ev->name : "?";
}

/* protobuf-c keeps enum numbers it does not know, so the range is whatever the generated
 * descriptor lists, not a hard-coded maximum. */
static int check_enum(int v, const ProtobufCEnumDescriptor *d, bool required, const char *field,
                      yx_diag_t *diag)
{
	int ret = YX_EINVAL;

	if (!protobuf_c_enum_descriptor_get_value(d, v)) {
		yx_diag_set(diag, ret, "%s: %d is not a valid %s", field, v, d->short_name);
		goto out;
	}
	if (required && v == 0) {
		yx_diag_set(diag, ret, "%s: %s: must be set", field, enum_value_name(d, v));
		goto out;
	}
	ret = YX_OK;
out:
	return ret;
}

/* A repeated enum is a set: every entry meaningful (no UNSPECIFIED), none twice. */
static int check_enum_list(const void *values, size_t n, const ProtobufCEnumDescriptor *d,
                           const char *field, yx_diag_t *diag)
{
	const int *v = values;
	int ret;
	char f[FIELD_BUF];

	TRY(check_count(n, field, diag));
	for (size_t i = 0; i < n; i++) {
		if (check_enum(v[i], d, true, field, NULL) != YX_OK)
			TRY(check_enum(v[i], d, true, field_at(f, field, i), diag));
		for (size_t j = 0; j < i; j++) {
			if (v[j] == v[i]) {
				field_at(f, field, i);
				ret = yx_diag_set(diag, YX_EINVAL, "%s: %s repeats %s[%zu]", f,
				                  enum_value_name(d, v[i]), field, j);
				goto out;
			}
		}
	}
out:
	return ret;
}

/* ---- keys, hashes, references ---- */

/* Node keys and chain hashes are both 32 bytes (YX_KEY_BYTES == YX_HASH_BYTES). */
static int check_key32(const ProtobufCBinaryData *b, const char *field, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (b->len != YX_KEY_BYTES)
		ret = yx_diag_set(diag, YX_EINVAL, "%s: %zu bytes, expected %d", field, b->len,
		                  YX_KEY_BYTES);
	return ret;
}

static int check_city(uint32_t code, const char *field, yx_diag_t *diag)
{
	int ret = YX_OK;

	if (code == 0)
		ret = yx_diag_set(diag, YX_EINVAL, "%s: must be set (GB/T 2260 city code)", field);
	else if (!yx_city_name(code))
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "%s: %u is not a Yangtze River Delta prefecture-level city "
		                  "(GB/T 2260)",
		                  field, code);
	return ret;
}

static int check_ref(const Yrdx__ChangeRef *r, const char *field, yx_diag_t *diag)
{
	int ret;
	char f[FIELD_BUF];

	TRY(check_key32(&r->origin, field_member(f, field, "origin"), diag));
	if (r->seq == 0) {
		ret = yx_diag_set(diag, YX_EINVAL, "%s.seq: 0, changes are numbered from 1", field);
		goto out;
	}
	TRY(check_key32(&r->hash, field_member(f, field, "hash"), diag));
out:
	return ret;
}

/* ---- records ---- */

static int check_incubator(const Yrdx__Incubator *m, yx_diag_t *diag)
{
	int ret;

	TRY(check_str(m->id, STR_ID, "incubator.id", diag));
	TRY(check_str(m->name, STR_NAME, "incubator.name", diag));
	TRY(check_city(m->city, "incubator.city", diag));
	TRY(check_enum(m->tier, &yrdx__incubator_tier__descriptor, true, "incubator.tier", diag));
	TRY(check_enum(m->operator_type, &yrdx__operator_type__descriptor, true,
	               "incubator.operator_type", diag));
	TRY(check_enum_list(m->focus_industries, m->n_focus_industries, &yrdx__industry__descriptor,
	                    "incubator.focus_industries", diag));
	TRY(check_enum_list(m->platforms, m->n_platforms, &yrdx__service_platform__descriptor,
	                    "incubator.platforms", diag));
out:
	return ret;
}

static int check_enterprise(const Yrdx__Enterprise *m, yx_diag_t *diag)
{
	int ret;

	TRY(yx_credit_code_check(m->credit_code, "enterprise.credit_code", diag));
	TRY(check_str(m->name, STR_NAME, "enterprise.name", diag));
	TRY(check_city(m->city, "enterprise.city", diag));
	TRY(check_enum(m->stage, &yrdx__enterprise_stage__descriptor, true, "enterprise.stage",
	               diag));
	TRY(check_id_list(m->incubator_ids, m->n_incubator_ids, "enterprise.incubator_ids", diag));
	TRY(check_enum_list(m->industries, m->n_industries, &yrdx__industry__descriptor,
	                    "enterprise.industries", diag));
	TRY(check_enum_list(m->qualifications, m->n_qualifications,
	                    &yrdx__qualification__descriptor, "enterprise.qualifications", diag));
	TRY(check_str(m->park_id, STR_OPT_ID, "enterprise.park_id", diag));
out:
	return ret;
}

static int check_park(const Yrdx__Park *m, yx_diag_t *diag)
{
	int ret;

	TRY(check_str(m->id, STR_ID, "park.id", diag));
	TRY(check_str(m->name, STR_NAME, "park.name", diag));
	TRY(check_city(m->city, "park.city", diag));
	TRY(check_enum(m->type, &yrdx__park_type__descriptor, true, "park.type", diag));
	TRY(check_enum_list(m->industries, m->n_industries, &yrdx__industry__descriptor,
	                    "park.industries", diag));
out:
	return ret;
}

/* A PROPOSE opens a case: it names the destination node (the dossier is sealed to it) and
 * answers nothing. Every later event answers an earlier one, so it must say which. */
static int check_relay_event(const Yrdx__RelayEvent *m, yx_diag_t *diag)
{
	const char *propose = enum_value_name(&yrdx__relay_event_type__descriptor,
	                                      YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE);
	bool is_propose = m->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	int ret;

	TRY(check_str(m->id, STR_ID, "relay_event.id", diag));
	TRY(check_str(m->case_id, STR_ID, "relay_event.case_id", diag));
	TRY(check_enum(m->type, &yrdx__relay_event_type__descriptor, true, "relay_event.type",
	               diag));
	TRY(yx_credit_code_check(m->credit_code, "relay_event.credit_code", diag));
	TRY(check_str(m->source_incubator_id, STR_OPT_ID, "relay_event.source_incubator_id", diag));
	if (is_propose && m->destination_node.len == 0) {
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "relay_event.destination_node: missing, "
		                  "required for %s",
		                  propose);
		goto out;
	}
	if (m->destination_node.len)
		TRY(check_key32(&m->destination_node, "relay_event.destination_node", diag));
	TRY(check_str(m->park_id, STR_OPT_ID, "relay_event.park_id", diag));
	if (is_propose && m->answers) {
		ret = yx_diag_set(diag, YX_EINVAL, "relay_event.answers: must be unset for %s",
		                  propose);
		goto out;
	}
	if (!is_propose && !m->answers) {
		ret = yx_diag_set(diag, YX_EINVAL, "relay_event.answers: missing, required for %s",
		                  enum_value_name(&yrdx__relay_event_type__descriptor, m->type));
		goto out;
	}
	if (m->answers)
		TRY(check_ref(m->answers, "relay_event.answers", diag));
	TRY(check_str(m->note, STR_TEXT, "relay_event.note", diag));
	if (m->sealed_dossier.len > YX_MAX_DOSSIER_BYTES) {
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "relay_event.sealed_dossier: %zu bytes, at most %d",
		                  m->sealed_dossier.len, YX_MAX_DOSSIER_BYTES);
		goto out;
	}
out:
	return ret;
}

/* An agreement is between at least two distinct nodes; each party publishes the same list. */
static int check_joint(const Yrdx__JointParticipation *m, yx_diag_t *diag)
{
	static const char parties[] = "joint_participation.parties";
	char f[FIELD_BUF];
	int ret;

	TRY(check_str(m->id, STR_ID, "joint_participation.id", diag));
	if (m->n_parties < 2) {
		ret = yx_diag_set(diag, YX_EINVAL, "%s: %zu entries, at least 2", parties,
		                  m->n_parties);
		goto out;
	}
	TRY(check_count(m->n_parties, parties, diag));
	for (size_t i = 0; i < m->n_parties; i++) {
		field_at(f, parties, i);
		TRY(check_key32(&m->parties[i], f, diag));
		for (size_t j = 0; j < i; j++) {
			if (memcmp(m->parties[j].data, m->parties[i].data, YX_KEY_BYTES) == 0) {
				ret = yx_diag_set(diag, YX_EINVAL, "%s: repeats %s[%zu]", f,
				                  parties, j);
				goto out;
			}
		}
	}
	TRY(check_id_list(m->incubator_ids, m->n_incubator_ids, "joint_participation.incubator_ids",
	                  diag));
	TRY(yx_credit_code_check(m->credit_code, "joint_participation.credit_code", diag));
	TRY(check_str(m->incubator_id, STR_ID, "joint_participation.incubator_id", diag));
	TRY(check_str(m->role, STR_TEXT, "joint_participation.role", diag));
out:
	return ret;
}

/* Each of the five dimensions is scored at most once, 0..100. */
static int check_evaluation(const Yrdx__Evaluation *m, yx_diag_t *diag)
{
	static const char scores[] = "evaluation.scores";
	char f[FIELD_BUF], g[FIELD_BUF];
	int ret;

	TRY(check_str(m->id, STR_ID, "evaluation.id", diag));
	TRY(check_str(m->incubator_id, STR_ID, "evaluation.incubator_id", diag));
	TRY(check_str(m->period, STR_ID, "evaluation.period", diag));
	TRY(check_count(m->n_scores, scores, diag));
	for (size_t i = 0; i < m->n_scores; i++) {
		const Yrdx__DimensionScore *s = m->scores[i];
		field_at(f, scores, i);
		if (!s) {
			ret = yx_diag_set(diag, YX_EINVAL, "%s: missing", f);
			goto out;
		}
		TRY(check_enum(s->dimension, &yrdx__evaluation_dimension__descriptor, true,
		               field_member(g, f, "dimension"), diag));
		for (size_t j = 0; j < i; j++) {
			if (m->scores[j]->dimension == s->dimension) {
				ret = yx_diag_set(
				        diag, YX_EINVAL, "%s: %s repeats %s[%zu]", g,
				        enum_value_name(&yrdx__evaluation_dimension__descriptor,
				                        s->dimension),
				        scores, j);
				goto out;
			}
		}
		if (s->score > 100) {
			ret = yx_diag_set(diag, YX_EINVAL, "%s.score: %u, expected 0..100", f,
			                  s->score);
			goto out;
		}
	}
	TRY(check_enum(m->result, &yrdx__milestone_result__descriptor, true, "evaluation.result",
	               diag));
out:
	return ret;
}

/* The record a change's body points at (a Yrdx__Tombstone for a retraction), and the name
 * of its oneof field for messages; NULL if the body is not set. */
static const void *body_record(const Yrdx__Change *c, const char **field)
{
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: *field = "incubator"; return c->incubator;
	case YRDX__CHANGE__BODY_ENTERPRISE: *field = "enterprise"; return c->enterprise;
	case YRDX__CHANGE__BODY_PARK: *field = "park"; return c->park;
	case YRDX__CHANGE__BODY_RELAY_EVENT: *field = "relay_event"; return c->relay_event;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION:
		*field = "joint_participation";
		return c->joint_participation;
	case YRDX__CHANGE__BODY_EVALUATION: *field = "evaluation"; return c->evaluation;
	case YRDX__CHANGE__BODY_TOMBSTONE: *field = "tombstone"; return c->tombstone;
	default: *field = "body"; return NULL;
	}
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

int yx_credit_code_check(const char *code, const char *field, yx_diag_t *diag)
{
	int ret = YX_EINVAL;
	char q[QUOTE_BUF];
	size_t len, i;
	char check;

	if (!field)
		field = "credit_code";
	if (!code)
		code = "";
	len = strlen(code);
	/* The value is quoted only for a message: most codes are valid. */
	if (len == 0) {
		yx_diag_set(diag, ret, "%s: %s: empty, expected %d characters", field,
		            quote(q, sizeof(q), code), YX_CREDIT_CODE_LEN);
		goto out;
	}
	/* Non-ASCII first: a full-width digit would otherwise surface as a confusing length. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)code[i];
		if (c < 0x20 || c >= 0x7F) {
			yx_diag_set(diag, ret, "%s: %s: byte 0x%02X at position %zu is not allowed",
			            field, quote(q, sizeof(q), code), c, i + 1);
			goto out;
		}
	}
	if (len != YX_CREDIT_CODE_LEN) {
		yx_diag_set(diag, ret, "%s: %s: length %zu, expected %d", field,
		            quote(q, sizeof(q), code), len, YX_CREDIT_CODE_LEN);
		goto out;
	}
	for (i = 0; i < len; i++) {
		char c = code[i];
		if (c >= 'a' && c <= 'z') {
			yx_diag_set(diag, ret,
			            "%s: %s: lowercase character '%c' at position %zu "
			            "(credit codes are upper case)",
			            field, quote(q, sizeof(q), code), c, i + 1);
			goto out;
		}
		if (credit_value(c) < 0) {
			yx_diag_set(diag, ret,
			            "%s: %s: character '%c' at position %zu is not allowed", field,
			            quote(q, sizeof(q), code), c, i + 1);
			goto out;
		}
		if (i >= 2 && i < 8 && !(c >= '0' && c <= '9')) {
			yx_diag_set(diag, ret,
			            "%s: %s: character '%c' at position %zu is not a "
			            "digit (positions 3-8 are the administrative division code)",
			            field, quote(q, sizeof(q), code), c, i + 1);
			goto out;
		}
	}
	check = yx_credit_code_check_char(code);
	if (code[YX_CREDIT_CODE_LEN - 1] != check) {
		yx_diag_set(diag, ret, "%s: %s: check character is '%c', expected '%c'", field,
		            quote(q, sizeof(q), code), code[YX_CREDIT_CODE_LEN - 1], check);
		goto out;
	}
	ret = YX_OK;
out:
	return ret;
}

const char *yx_city_name(uint32_t code)
{
	/* 41 entries: a linear scan is cheaper to read than a search and fast enough. */
	for (size_t i = 0; i < sizeof(cities) / sizeof(cities[0]); i++)
		if (cities[i].code == code)
			return cities[i].name;
	return NULL;
}

int yx_validate_record(const Yrdx__Change *change, yx_diag_t *diag)
{
	const char *field;
	const void *rec = body_record(change, &field);
	int ret = YX_EINVAL;

	if (!rec) {
		yx_diag_set(diag, ret, "change.%s: not set", field);
		goto out;
	}
	switch (change->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: ret = check_incubator(rec, diag); break;
	case YRDX__CHANGE__BODY_ENTERPRISE: ret = check_enterprise(rec, diag); break;
	case YRDX__CHANGE__BODY_PARK: ret = check_park(rec, diag); break;
	case YRDX__CHANGE__BODY_RELAY_EVENT: ret = check_relay_event(rec, diag); break;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION: ret = check_joint(rec, diag); break;
	case YRDX__CHANGE__BODY_EVALUATION: ret = check_evaluation(rec, diag); break;
	case YRDX__CHANGE__BODY_TOMBSTONE:
		ret = check_str(change->tombstone->reason, STR_TEXT, "tombstone.reason", diag);
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
	const char *field, *body_id;
	char q[QUOTE_BUF], q2[QUOTE_BUF];
	bool tombstone = c->body_case == YRDX__CHANGE__BODY_TOMBSTONE;
	int ret;

	TRY(check_key32(&c->origin, "change.origin", diag));
	if (c->prev_hash.len != YX_HASH_BYTES) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.prev_hash: %zu bytes, expected %d",
		                  c->prev_hash.len, YX_HASH_BYTES);
		goto out;
	}
	if (c->seq == 0) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.seq: 0, changes are numbered from 1");
		goto out;
	}
	if (!body_record(c, &field)) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.%s: not set", field);
		goto out;
	}
	/* The descriptor and the codec's kind table must both know the kind: a kind added to
	 * the schema but not to this build is as foreign as an unknown number. */
	TRY(check_enum(c->kind, &yrdx__record_kind__descriptor, true, "change.kind", diag));
	if ((int)c->kind >= YX_KIND_COUNT) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.kind: %d is not supported by this build",
		                  (int)c->kind);
		goto out;
	}
	if (!tombstone && yx_change_body_kind(c) != (yx_kind_t)c->kind) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.kind: %s, but the body holds %s",
		                  enum_value_name(&yrdx__record_kind__descriptor, c->kind), field);
		goto out;
	}
	TRY(check_str(c->id, STR_ID, "change.id", diag));
	/* A tombstone names the retracted record only through change.id. */
	body_id = tombstone ? NULL : yx_change_body_id(c);
	if (!tombstone && !body_id)
		body_id = "";
	if (body_id && strcmp(c->id, body_id) != 0) {
		ret = yx_diag_set(diag, YX_EINVAL, "change.id: %s: does not match %s id %s",
		                  quote(q, sizeof(q), c->id), field,
		                  quote(q2, sizeof(q2), body_id));
		goto out;
	}
	TRY(yx_validate_record(c, diag));
out:
	return ret;
}
