/* profile: an enterprise's digital profile (数字画像) merged across every city's records
 * this node holds: where it is — its record in each city with its stage and since when
 * (landed at 合肥, relocated from 上海) — the incubators it went through, its
 * relay-incubation cases with their steps in case order, and its joint-incubation
 * agreements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_view.h"
#include "figures.h"
#include "json.h"
#include "keys.h"
#include "reflect.h"
#include "table.h"
#include "terms.h"
#include "validate.h"
#include "yrdxctl.h"

/* What the store holds about one enterprise, gathered before anything is printed. */
typedef struct {
	ctl_t *ctl;
	yx_store_t *store;
	const char *code;    /* its credit code */
	json_t *records;     /* its record in each city whose registry has one */
	json_t *cases;       /* relay events naming it */
	json_t *relay_cases; /* its cases, derived, each with its steps in case order */
	json_t *joints;      /* joint-incubation agreements naming it */
} profile_t;

/* Every version of one enterprise record in its origin's log: stage and qualifications
 * over time. The log is read in order; only enterprise entries are decoded. */
typedef struct {
	const char *code;
	json_t *history;
} history_t;

static int on_version(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t *hash,
                      const uint8_t *digest, const uint8_t *bytes, size_t len)
{
	history_t *h = arg;
	Yrdx__Change *c = NULL;
	(void)hash;
	(void)digest;
	if (kind != YX_KIND_ENTERPRISE || !bytes || yx_change_decode(bytes, len, &c) != YX_OK)
		return 0;
	if (strcmp(c->id, h->code) == 0) {
		json_t *j = c->body_case == YRDX__CHANGE__BODY_ENTERPRISE
		                    ? yx_record_to_json(YX_KIND_ENTERPRISE, c->enterprise)
		                    : json_object();
		json_t *v = json_pack("{s:I, s:I, s:O*, s:O*}", "seq", (json_int_t)seq, "time_ms",
		                      (json_int_t)c->time_ms, "stage", json_object_get(j, "stage"),
		                      "qualifications", json_object_get(j, "qualifications"));
		if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE)
			json_object_set_new(v, "retracted", json_true());
		json_array_append_new(h->history, v);
		json_decref(j);
	}
	yx_change_free(&c);
	return 0;
}

static int on_indexed(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                      const Yrdx__Change *c)
{
	profile_t *p = arg;
	(void)seq;
	/* Its figures where this store holds them: at its origin, or a city it named. */
	Yrdx__Change *fig = NULL;
	yx_figures_join(p->store, origin, c->enterprise, &fig);
	json_t *j = yx_change_to_json(c);
	yx_figures_unjoin(c->enterprise, &fig);
	yx_names_json_set(p->ctl->names, j, NULL, "origin_name", "origin_city", origin);
	json_array_append_new(c->body_case == YRDX__CHANGE__BODY_RELAY_EVENT ? p->cases : p->joints,
	                      j);
	return 0;
}

/* The incubators an enterprise record names, with their names where the same city's
 * registry has them. Caller owns the array. */
static json_t *record_incubators(profile_t *p, const uint8_t *origin, const Yrdx__Enterprise *e)
{
	json_t *incs = json_array();
	for (size_t k = 0; k < e->n_incubator_ids; k++) {
		Yrdx__Change *inc = NULL;
		const char *iid = e->incubator_ids[k];
		if (yx_store_get(p->store, YX_KIND_INCUBATOR, origin, iid, &inc) == YX_OK) {
			json_array_append_new(incs, json_pack("{s:s, s:s}", "id", iid, "name",
			                                      inc->incubator->name));
			yx_change_free(&inc);
		} else {
			json_array_append_new(incs, json_pack("{s:s}", "id", iid));
		}
	}
	return incs;
}

/* The enterprise's record in origin's registry with its incubators and its history;
 * NULL if that registry has none. Caller owns the object. */
static json_t *city_record(profile_t *p, const uint8_t *origin)
{
	Yrdx__Change *c = NULL;
	if (yx_store_get(p->store, YX_KIND_ENTERPRISE, origin, p->code, &c) != YX_OK)
		return NULL;
	json_t *j = yx_change_to_json(c);
	yx_names_json_set(p->ctl->names, j, NULL, "origin_name", "origin_city", origin);
	json_object_set_new(j, "incubators", record_incubators(p, origin, c->enterprise));
	history_t h = {p->code, json_array()};
	yx_store_log_iterate(p->store, origin, 1, on_version, &h);
	json_object_set_new(j, "history", h.history);
	/* since when it is at the stage it is at: the first of the latest versions with it */
	json_t *stage = json_object_get(json_object_get(j, "record"), "stage");
	json_int_t since = json_integer_value(json_object_get(j, "time_ms"));
	for (size_t k = json_array_size(h.history); k > 0; k--) {
		json_t *v = json_array_get(h.history, k - 1);
		if (!json_equal(json_object_get(v, "stage"), stage))
			break;
		since = json_integer_value(json_object_get(v, "time_ms"));
	}
	json_object_set_new(j, "stage_since_ms", json_integer(since));
	yx_change_free(&c);
	return j;
}

/* Fills p from the store: the record of every origin that has one, then the relay cases
 * and joint agreements the credit-code index finds. */
static void profile_gather(profile_t *p)
{
	yx_vector_t vec;
	if (yx_store_vector(p->store, &vec) == YX_OK) {
		for (size_t i = 0; i < vec.n; i++) {
			json_t *j = city_record(p, vec.tips[i].origin);
			if (j)
				json_array_append_new(p->records, j);
		}
		yx_vector_free(&vec);
	}
	yx_store_find(p->store, YX_INDEX_CREDIT_CODE, p->code, strlen(p->code), on_indexed, p);
	/* its cases, derived, with their steps in case order */
	yx_case_events_t ev;
	case_row_t *rows = NULL;
	if (yx_case_events_load_enterprise(p->store, p->code, &ev) != YX_OK)
		return;
	size_t n = case_view_derive_all(&ev, &rows);
	for (size_t i = 0; i < n; i++) {
		json_t *c = case_view_json(p->ctl, rows[i].id, &rows[i].c);
		json_object_set_new(c, "events", case_view_steps(p->ctl, &ev, rows[i].id));
		json_array_append_new(p->relay_cases, c);
	}
	free(rows);
	yx_case_events_free(&ev);
}

/* The local date of obj's "time_ms" as YYYY-MM-DD. */
static void day_of(json_t *obj, char day[32])
{
	time_t t = (time_t)(json_integer_value(json_object_get(obj, "time_ms")) / 1000);
	strftime(day, 32, "%Y-%m-%d", localtime(&t));
}

/* "已落地 landed": the term and name of a value of enum d as the record's JSON names it. */
static const char *enum_label(const ProtobufCEnumDescriptor *d, json_t *value, char *out,
                              size_t cap)
{
	const char *name = json_string_value(value);
	int v;
	if (!name)
		snprintf(out, cap, "-");
	else if (yx_enum_from_name(d, name, strlen(name), &v) != YX_OK)
		snprintf(out, cap, "%s", name);
	else
		yx_term_label(d, v, out, cap);
	return out;
}

static const char *stage_label(json_t *stage, char *out, size_t cap)
{
	return enum_label(&yrdx__enterprise_stage__descriptor, stage, out, cap);
}

/* "科技型中小企业 tech_sme, 硬科技企业 hard_tech": a JSON array of values of enum d, each
 * with its term ("-" when empty), into out. */
static const char *enum_list(const ProtobufCEnumDescriptor *d, json_t *values, char *out,
                             size_t cap)
{
	size_t k, len = 0;
	json_t *v;
	out[0] = '\0';
	json_array_foreach(values, k, v)
	{
		char one[128];
		int n = snprintf(out + len, cap - len, "%s%s", k ? ", " : "",
		                 enum_label(d, v, one, sizeof(one)));
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	if (!len)
		snprintf(out, cap, "-");
	return out;
}

/* One line per version of a city record, oldest first. */
static void print_history(json_t *history)
{
	size_t k;
	json_t *v;
	json_array_foreach(history, k, v)
	{
		char day[32], quals[512];
		const char *st = json_string_value(json_object_get(v, "stage"));
		day_of(v, day);
		char label[64];
		printf("    %s %s  seq %-8lld stage ", k ? "          " : "history   ", day,
		       (long long)json_integer_value(json_object_get(v, "seq")));
		text_pad(stdout,
		         st ? stage_label(json_object_get(v, "stage"), label, sizeof(label))
		            : (json_is_true(json_object_get(v, "retracted")) ? "retracted" : "-"),
		         18);
		printf(" qualifications %s\n",
		       enum_list(&yrdx__qualification__descriptor,
		                 json_object_get(v, "qualifications"), quals, sizeof(quals)));
	}
}

/* What the names call the node whose key obj's field holds in full (a change's
 * "origin", a case's "from_key"), in form. */
static const char *key_label(ctl_t *ctl, json_t *obj, const char *field, yx_name_form_t form,
                             char out[YX_NAME_LABEL_MAX])
{
	uint8_t key[32];
	const char *text = json_string_value(json_object_get(obj, field));
	if (!text || yx_pubkey_parse(text, key, NULL) != YX_OK)
		return text ? text : "?";
	return ctl_label(ctl, key, form, out);
}

/* One city's record as city_record built it. */
static void print_city_record(ctl_t *ctl, json_t *r)
{
	json_t *rec = json_object_get(r, "record");
	char when[32], who[YX_NAME_LABEL_MAX];
	day_of(r, when);
	const char *city = yx_city_name((uint32_t)json_integer_value(json_object_get(rec, "city")));
	printf("\n  in %s's registry (record of %s, updated %s): %s\n",
	       key_label(ctl, r, "origin", YX_NAME_LONG, who), city ? city : "?", when,
	       json_string_value(json_object_get(rec, "name")));
	char label[64], since[32];
	time_t t = (time_t)(json_integer_value(json_object_get(r, "stage_since_ms")) / 1000);
	strftime(since, sizeof(since), "%Y-%m-%d", localtime(&t));
	printf("    stage           %s since %s\n",
	       stage_label(json_object_get(rec, "stage"), label, sizeof(label)), since);
	char list[512];
	printf("    qualifications  %s\n",
	       enum_list(&yrdx__qualification__descriptor, json_object_get(rec, "qualifications"),
	                 list, sizeof(list)));
	printf("    industries      %s\n",
	       enum_list(&yrdx__industry__descriptor, json_object_get(rec, "industries"), list,
	                 sizeof(list)));
	size_t k;
	json_t *inc;
	json_array_foreach(json_object_get(r, "incubators"), k, inc)
	{
		const char *name = json_string_value(json_object_get(inc, "name"));
		printf("    incubator       %s %s\n", json_string_value(json_object_get(inc, "id")),
		       name ? name : "");
	}
	const char *park = json_string_value(json_object_get(rec, "park_id"));
	if (park)
		printf("    park            %s\n", park);
	const char *via = json_string_value(json_object_get(rec, "relay_case_id"));
	if (via)
		printf("    relay case      %s\n", via);
	print_history(json_object_get(r, "history"));
}

/* Where the enterprise is, one line per city record: "已落地 landed at 合肥 hefei since
 * 2026-12-06 (park HF-PARK-GX, case …)", "已迁出 relocated from 上海 shanghai since …". */
static void print_moves(const profile_t *p)
{
	size_t i;
	json_t *r;
	char who[YX_NAME_LABEL_MAX], label[64], since[32], extra[200];
	json_array_foreach(p->records, i, r)
	{
		json_t *rec = json_object_get(r, "record");
		const char *stage = json_string_value(json_object_get(rec, "stage"));
		const char *park = json_string_value(json_object_get(rec, "park_id"));
		const char *via = json_string_value(json_object_get(rec, "relay_case_id"));
		bool left = stage && strcmp(stage, "relocated") == 0;
		time_t t =
		        (time_t)(json_integer_value(json_object_get(r, "stage_since_ms")) / 1000);
		strftime(since, sizeof(since), "%Y-%m-%d", localtime(&t));
		snprintf(extra, sizeof(extra), "%s%s%s%s%s", park ? "park " : "", park ? park : "",
		         park && via ? ", " : "", via ? "case " : "", via ? via : "");
		printf("  %s %s %s since %s%s%s%s\n",
		       stage_label(json_object_get(rec, "stage"), label, sizeof(label)),
		       left ? "from" : "at", key_label(p->ctl, r, "origin", YX_NAME_SHORT, who),
		       since, extra[0] ? " (" : "", extra, extra[0] ? ")" : "");
	}
}

/* The profile as text: where it is, each city's record, then the relay cases with their
 * steps and the joint agreements. */
static void profile_print(const profile_t *p)
{
	size_t i;
	json_t *r;
	char who[YX_NAME_LABEL_MAX];
	printf("enterprise %s\n", p->code);
	print_moves(p);
	json_array_foreach(p->records, i, r) print_city_record(p->ctl, r);
	if (json_array_size(p->relay_cases)) {
		printf("\n  relay cases (接力孵化):\n");
		json_array_foreach(p->relay_cases, i, r)
		{
			char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX], st[64];
			printf("    %s: %s, %s → %s park %s\n",
			       json_string_value(json_object_get(r, "case")),
			       case_view_state_text(json_string_value(json_object_get(r, "state")),
			                            st, sizeof(st)),
			       key_label(p->ctl, r, "from_key", YX_NAME_SHORT, from),
			       key_label(p->ctl, r, "to_key", YX_NAME_SHORT, to),
			       json_string_value(json_object_get(r, "park_id")));
			case_view_print_steps(p->ctl, json_object_get(r, "events"), "      ");
		}
	}
	if (json_array_size(p->joints)) {
		printf("\n  joint incubation (联合孵化):\n");
		json_array_foreach(p->joints, i, r)
		        printf("    %s by %s\n", json_string_value(json_object_get(r, "id")),
		               key_label(p->ctl, r, "origin", YX_NAME_SHORT, who));
	}
}

int cmd_profile(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE profile CREDIT_CODE\n"
	        "The enterprise's profile (数字画像) merged across every city's records held\n"
	        "here: first where it is, one line per city with its stage and since when\n"
	        "(已落地 landed at 合肥 …, 已迁出 relocated from 上海 …); then its record in each\n"
	        "city (stage, qualifications, incubators, park, the relay case it landed or left\n"
	        "through) with every version over time (read from that city's log); its relay\n"
	        "cases (接力孵化), each with its steps in case order, their times, cities and\n"
	        "notes; and its joint-incubation agreements (联合孵化).\n";
	yx_diag_t diag = {{0}};
	profile_t p = {ctl, NULL, NULL, NULL, NULL, NULL, NULL};
	int rc;

	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "profile: expected CREDIT_CODE");
	if (yx_credit_code_check(argv[1], "CREDIT_CODE", &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "profile: %s", diag.msg);
	p.code = argv[1];
	p.records = json_array();
	p.cases = json_array();
	p.relay_cases = json_array();
	p.joints = json_array();
	if ((rc = ctl_open_store(ctl, &p.store)) != EXIT_OK ||
	    (rc = ctl_names(ctl, p.store)) != EXIT_OK)
		goto out;
	profile_gather(&p);
	yx_store_close(&p.store);
	if (json_array_size(p.records) == 0 && json_array_size(p.cases) == 0) {
		rc = ctl_fail(EXIT_FAIL, "no enterprise %s in any city's records held here",
		              p.code);
		goto out;
	}
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:O, s:O, s:O, s:O}", "credit_code", p.code,
		                         "records", p.records, "relay_events", p.cases,
		                         "relay_cases", p.relay_cases, "joint_participations",
		                         p.joints));
	else
		profile_print(&p);
out:
	yx_store_close(&p.store);
	json_decref(p.records);
	json_decref(p.cases);
	json_decref(p.relay_cases);
	json_decref(p.joints);
	return rc;
}
