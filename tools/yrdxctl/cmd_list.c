/* list: the current records of one kind, filtered, as a table or NDJSON. Filters are read
 * as put and import read the record's own fields (reflect.h: --tier high_quality,
 * --industry Integrated-Circuits, --city 上海), and matched on the records' values. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "json.h"
#include "keys.h"
#include "table.h"
#include "terms.h"
#include "tierset.h"
#include "validate.h"
#include "yrdxctl.h"

typedef struct {
	const char *option; /* --tier */
	const char *field;  /* record field the option filters on */
	const char *value;  /* NULL: not given */
	const ProtobufCFieldDescriptor *f;
	int64_t want; /* the value read from value */
} filter_t;

enum { F_CITY, F_TIER, F_INDUSTRY, F_QUALIFICATION, F_STAGE, F_COUNT };

typedef struct {
	ctl_t *ctl;
	yx_kind_t kind;
	filter_t filters[F_COUNT];
	const uint8_t *origin;
	long limit;
	long shown;
	table_t *table;
	yx_tierset_t *tiers; /* incubators: every evaluation, for their effective tier */
} list_t;

/* The field of industries for each kind (incubators call theirs focus_industries). */
static const char *industry_field(yx_kind_t kind)
{
	return kind == YX_KIND_INCUBATOR ? "focus_industries" : "industries";
}

/* The field a filter names in records of kind, and its value read as import reads it. */
static int filter_bind(ctl_t *ctl, filter_t *flt, yx_kind_t kind)
{
	const ProtobufCMessageDescriptor *d = yx_kind_descriptor(kind);
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(d, flt->field);
	char why[YX_REASON_MAX];
	uint32_t city = 0;
	int v = 0;

	if (!flt->value)
		return EXIT_OK;
	if (!f || (f->type != PROTOBUF_C_TYPE_ENUM && strcmp(f->name, "city") != 0))
		return ctl_fail(EXIT_USAGE, "list: --%s: %s records have no %s", flt->option,
		                yx_kind_name(kind), flt->field);
	if (f->type == PROTOBUF_C_TYPE_ENUM &&
	    yx_value_from_text(f, flt->value, strlen(flt->value), NULL, &v, why, sizeof(why)) !=
	            YX_OK)
		return ctl_fail(EXIT_USAGE, "list: --%s %s: %s", flt->option, flt->value, why);
	if (f->type != PROTOBUF_C_TYPE_ENUM && ctl_city(ctl, "list: --city", flt->value, &city))
		return EXIT_USAGE;
	flt->f = f;
	flt->want = f->type == PROTOBUF_C_TYPE_ENUM ? v : (int64_t)city;
	return EXIT_OK;
}

/* Whether m holds the filter's value (one of them, for a repeated field). */
static bool filter_matches(const filter_t *flt, const ProtobufCMessage *m)
{
	for (size_t k = 0; k < yx_field_count(m, flt->f); k++) {
		yx_value_t v = yx_value_get(flt->f, yx_field_value(m, flt->f, k));
		if ((v.cls == YX_VALUE_UINT ? (int64_t)v.u : v.i) == flt->want)
			return true;
	}
	return false;
}

#define COLUMNS_MAX 8

/* The columns of each kind's table: record fields, and for incubators what their
 * evaluations made of them (tiers.h): "effective_tier" and "candidate". */
static const char *const columns[YX_KIND_COUNT][COLUMNS_MAX] = {
        [YX_KIND_INCUBATOR] = {"id", "name", "city", "tier", "effective_tier", "candidate",
                               "operator_type", "focus_industries"},
        [YX_KIND_ENTERPRISE] = {"credit_code", "name", "city", "stage", "qualifications",
                                "industries"},
        [YX_KIND_PARK] = {"id", "name", "city", "type", "industries", "capacity"},
        [YX_KIND_RELAY_EVENT] = {"id", "case_id", "type", "credit_code", "park_id", "note"},
        [YX_KIND_JOINT] = {"id", "credit_code", "incubator_id", "role", "incubator_ids", "parties"},
        [YX_KIND_EVALUATION] = {"id", "incubator_id", "period", "result",
                                "operating_subsidy_wan_yuan", "milestone_reward_wan_yuan"},
};

/* A column's header: the field's name, the plan's words for the derived ones. */
static const char *header(const char *column)
{
	if (strcmp(column, "tier") == 0)
		return "registered tier";
	if (strcmp(column, "effective_tier") == 0)
		return "effective tier (动态调整)";
	if (strcmp(column, "candidate") == 0)
		return "晋升候选";
	return column;
}

static size_t n_columns(yx_kind_t kind)
{
	size_t n = 0;
	while (n < COLUMNS_MAX && columns[kind][n])
		n++;
	return n;
}

static int visit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const Yrdx__Change *c)
{
	list_t *l = arg;
	(void)seq;
	const ProtobufCMessage *body = yx_change_body(c);
	const Yrdx__Incubator *inc =
	        c->body_case == YRDX__CHANGE__BODY_INCUBATOR ? c->incubator : NULL;
	yx_tier_t tier;
	if (!body || (l->origin && memcmp(l->origin, origin, YX_KEY_BYTES) != 0))
		return 0;
	if (inc)
		yx_tierset_derive(l->tiers, origin, inc, &tier, NULL);
	for (int f = 0; f < F_COUNT; f++) {
		if (!l->filters[f].f)
			continue;
		/* an incubator's tier is the one its evaluations left it in */
		if (inc && f == F_TIER ? (int64_t)tier.effective != l->filters[f].want
		                       : !filter_matches(&l->filters[f], body))
			return 0;
	}
	if (l->ctl->json) {
		json_t *j = yx_change_to_json(c);
		yx_names_json_set(l->ctl->names, j, NULL, "origin_name", "origin_city", origin);
		if (inc)
			ctl_tier_json(j, &tier);
		ctl_print_json(j);
	} else {
		char v[COLUMNS_MAX + 1][CELL_MAX], who[YX_NAME_LABEL_MAX];
		const char *row[COLUMNS_MAX + 1];
		size_t n = 0, k = n_columns(l->kind);
		/* rows of several origins mix unless --origin picked one: which city wrote
		 * each one comes first */
		if (!l->origin)
			row[n++] = ctl_label(l->ctl, origin, YX_NAME_SHORT, who);
		for (size_t i = 0; i < k; i++, n++) {
			const char *col = columns[l->kind][i];
			if (inc && strcmp(col, "effective_tier") == 0)
				yx_term_label(&yrdx__incubator_tier__descriptor, tier.effective,
				              v[i], CELL_MAX);
			else if (inc && strcmp(col, "candidate") == 0)
				snprintf(v[i], CELL_MAX, "%s", tier.candidate ? "晋升候选" : "");
			else
				cell_named(body, col, v[i], CELL_MAX);
			row[n] = v[i];
		}
		table_row_v(l->table, row);
	}
	l->shown++;
	return l->limit && l->shown >= l->limit ? 1 : 0;
}

static int visit_retracted(void *arg, const yx_stored_t *rec)
{
	list_t *l = arg;
	const Yrdx__Change *t = rec->change;
	const char *reason = t->tombstone && t->tombstone->reason ? t->tombstone->reason : "";
	char who[YX_NAME_LABEL_MAX], when[CTL_TIME_MAX], seq[24];
	if (l->origin && memcmp(rec->origin, l->origin, 32) != 0)
		return 0;
	if (l->ctl->json) {
		json_t *j =
		        json_pack("{s:s, s:s, s:b, s:s, s:I, s:I}", "kind", yx_kind_name(l->kind),
		                  "id", t->id ? t->id : "", "retracted", 1, "reason", reason,
		                  "time_ms", (json_int_t)t->time_ms, "seq", (json_int_t)rec->seq);
		yx_names_json_set(l->ctl->names, j, "origin", "origin_name", "origin_city",
		                  rec->origin);
		ctl_print_json(j);
	} else {
		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)rec->seq);
		table_row(l->table, ctl_label(l->ctl, rec->origin, YX_NAME_SHORT, who),
		          t->id ? t->id : "", ctl_time(t->time_ms, when), seq, reason);
	}
	l->shown++;
	return l->limit && l->shown >= l->limit ? 1 : 0;
}

/* --retracted: the records of the kind whose last word is their retraction (撤回). */
static int list_retracted(list_t *l, yx_store_t *store)
{
	yx_snap_t *snap = NULL;
	if (!l->ctl->json)
		l->table = table_new("retracted by", "id", "time", "seq", "reason", NULL);
	int ret = yx_snap_open(store, &snap);
	if (ret == YX_OK)
		ret = yx_snap_scan_retracted(snap, l->kind, NULL, visit_retracted, l);
	yx_snap_close(&snap);
	if (l->table)
		table_print(&l->table, stdout);
	if (ret != YX_OK && ret != 1)
		return ctl_fail(EXIT_FAIL, "list: %s", yx_strerror(ret));
	if (!l->ctl->json)
		printf("%ld %s record%s retracted\n", l->shown, yx_kind_name(l->kind),
		       l->shown == 1 ? "" : "s");
	return EXIT_OK;
}

int cmd_list(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE list KIND [--city CODE] [--tier T] [--industry I]\n"
	        "                               [--qualification Q] [--stage S] [--origin NODE]\n"
	        "                               [--limit N]\n"
	        "Current records of KIND held by this node (its own and every city's it syncs\n"
	        "with), filtered by field values as put/import spell them, each with the city\n"
	        "that wrote it; --origin keeps one city's records (a member's name, self, a\n"
	        "peer's name, or a public key in full). Tables show the plan's terms beside\n"
	        "the names (高质量孵化器 high_quality); --json keeps the names.\n"
	        "An incubator's --tier is its effective tier (动态调整): the registered tier as\n"
	        "its milestone evaluations moved it (adjusted: one tier down; eliminated: out\n"
	        "of the cultivation list); the table shows both, and 晋升候选 for a promotion\n"
	        "candidate (excellent twice in a row in cultivation); with --json each line\n"
	        "has effective_tier, promotion_candidate and eliminated. E.g.\n"
	        "--retracted lists the records of KIND retracted instead (撤回: by which city,\n"
	        "when, why); --origin applies, the field filters do not.\n"
	        "--city takes a GB/T 2260 code, a Chinese name (上海) or a node's name.\n"
	        "  yrdxctl -c FILE list enterprise --qualification gazelle --city 310000\n"
	        "  yrdxctl -c FILE list incubator --tier high_quality\n"
	        "  yrdxctl -c FILE list enterprise --retracted\n";
	static const struct option opts[] = {
	        {"city", required_argument, NULL, 'c'},
	        {"tier", required_argument, NULL, 't'},
	        {"industry", required_argument, NULL, 'i'},
	        {"qualification", required_argument, NULL, 'q'},
	        {"stage", required_argument, NULL, 's'},
	        {"origin", required_argument, NULL, 'o'},
	        {"limit", required_argument, NULL, 'l'},
	        {"retracted", no_argument, NULL, 'r'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	list_t l = {.ctl = ctl};
	const char *origin_arg = NULL;
	bool retracted = false;
	uint8_t origin[32];
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': l.filters[F_CITY].value = optarg; break;
		case 't': l.filters[F_TIER].value = optarg; break;
		case 'i': l.filters[F_INDUSTRY].value = optarg; break;
		case 'q': l.filters[F_QUALIFICATION].value = optarg; break;
		case 's': l.filters[F_STAGE].value = optarg; break;
		case 'o': origin_arg = optarg; break;
		case 'l':
			if ((l.limit = ctl_count("list: --limit", optarg)) < 0)
				return EXIT_USAGE;
			break;
		case 'r': retracted = true; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: fputs(help, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ctl_fail(EXIT_USAGE, "list: expected one KIND (see --help)");
	int rc;
	if ((rc = ctl_kind("list", argv[optind], &l.kind)))
		return rc;
	static const char *const options[F_COUNT] = {"city", "tier", "industry", "qualification",
	                                             "stage"};
	static const char *const fields[F_COUNT] = {"city", "tier", NULL, "qualifications",
	                                            "stage"};
	if ((rc = ctl_need_config(ctl)))
		return rc;
	for (int f = 0; retracted && f < F_COUNT; f++)
		if (l.filters[f].value)
			return ctl_fail(
			        EXIT_USAGE,
			        "list: --%s with --retracted: a retraction has no fields to "
			        "filter by (--origin applies)",
			        options[f]);
	for (int f = 0; f < F_COUNT; f++) {
		l.filters[f].option = options[f];
		l.filters[f].field = fields[f] ? fields[f] : industry_field(l.kind);
		if ((rc = filter_bind(ctl, &l.filters[f], l.kind)))
			return rc;
	}
	if (origin_arg) {
		if ((rc = ctl_origin(ctl, "list: --origin", origin_arg, origin)))
			return rc;
		l.origin = origin;
	}
	yx_store_t *store = NULL;
	if ((rc = ctl_open_store(ctl, &store)) || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	if (retracted) {
		rc = list_retracted(&l, store);
		yx_store_close(&store);
		return rc;
	}
	int ret = l.kind == YX_KIND_INCUBATOR ? yx_tierset_load(store, &l.tiers) : YX_OK;
	if (ret) {
		yx_store_close(&store);
		return ctl_fail(EXIT_FAIL, "list: %s", yx_strerror(ret));
	}
	if (!ctl->json) {
		const char *h[COLUMNS_MAX + 1];
		size_t n = 0;
		if (!l.origin)
			h[n++] = "origin";
		for (size_t i = 0; i < n_columns(l.kind); i++)
			h[n++] = header(columns[l.kind][i]);
		l.table = table_new_v(h, n);
	}
	ret = yx_store_scan(store, l.kind, visit, &l);
	yx_tierset_free(&l.tiers);
	yx_store_close(&store);
	/* several cities' rows come in the order this node first heard of each city: shown
	 * city by city, by id within a city */
	if (l.table && !l.origin)
		table_sort(l.table, 2);
	if (l.table)
		table_print(&l.table, stdout);
	if (ret != YX_OK && ret != 1)
		return ctl_fail(EXIT_FAIL, "list: %s", yx_strerror(ret));
	if (!ctl->json)
		printf("%ld %s record%s\n", l.shown, yx_kind_name(l.kind), l.shown == 1 ? "" : "s");
	return EXIT_OK;
}
