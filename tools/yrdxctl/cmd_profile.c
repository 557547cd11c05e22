/* profile: an enterprise's digital profile (数字画像) merged across every city's records
 * this node holds: its record in each city, the incubators it went through, where it
 * landed, its relay-incubation cases and joint-incubation agreements. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "keys.h"
#include "validate.h"
#include "yrdxctl.h"

typedef struct {
	ctl_t *ctl;
	yx_store_t *store;
	json_t *cases;
	json_t *joints;
	uint8_t self[32];
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
	char buf[64];
	(void)seq;
	json_t *j = yx_change_to_json(c);
	ctl_node_label(p->ctl, origin, p->self, buf, sizeof(buf));
	json_object_set_new(j, "origin_name", json_string(buf));
	json_array_append_new(c->body_case == YRDX__CHANGE__BODY_RELAY_EVENT ? p->cases : p->joints,
	                      j);
	return 0;
}

int cmd_profile(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE profile CREDIT_CODE\n"
	        "Each city record's history too: every version with its stage and\n"
	        "qualifications over time (read from that city's log).\n"
	        "The enterprise's profile merged across every city's records held here: its\n"
	        "record in each city (stage, qualifications, incubators, park), its relay cases\n"
	        "and its joint-incubation agreements.\n";
	yx_diag_t diag = {{0}};
	yx_vector_t vec;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "profile: expected CREDIT_CODE");
	if (yx_credit_code_check(argv[1], "CREDIT_CODE", &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "profile: %s", diag.msg);
	profile_t p = {ctl, NULL, json_array(), json_array(), {0}};
	int rc = ctl_open_store(ctl, &p.store);
	if (rc == EXIT_OK && (rc = ctl_self_key(ctl, p.self)))
		yx_store_close(&p.store);
	if (rc) {
		json_decref(p.cases);
		json_decref(p.joints);
		return rc;
	}
	json_t *records = json_array();
	if (yx_store_vector(p.store, &vec) == YX_OK) {
		for (size_t i = 0; i < vec.n; i++) {
			Yrdx__Change *c = NULL;
			char buf[64];
			const uint8_t *origin = vec.tips[i].origin;
			if (yx_store_get(p.store, YX_KIND_ENTERPRISE, origin, argv[1], &c) != YX_OK)
				continue;
			json_t *j = yx_change_to_json(c);
			ctl_node_label(ctl, origin, p.self, buf, sizeof(buf));
			json_object_set_new(j, "origin_name", json_string(buf));
			/* the incubators it names, from the same city's registry */
			json_t *incs = json_array();
			for (size_t k = 0; k < c->enterprise->n_incubator_ids; k++) {
				Yrdx__Change *inc = NULL;
				const char *iid = c->enterprise->incubator_ids[k];
				if (yx_store_get(p.store, YX_KIND_INCUBATOR, origin, iid, &inc) ==
				    YX_OK) {
					json_array_append_new(
					        incs, json_pack("{s:s, s:s}", "id", iid, "name",
					                        inc->incubator->name));
					yx_change_free(&inc);
				} else {
					json_array_append_new(incs, json_pack("{s:s}", "id", iid));
				}
			}
			json_object_set_new(j, "incubators", incs);
			history_t h = {argv[1], json_array()};
			yx_store_log_iterate(p.store, origin, 1, on_version, &h);
			json_object_set_new(j, "history", h.history);
			json_array_append_new(records, j);
			yx_change_free(&c);
		}
		yx_vector_free(&vec);
	}
	yx_store_find(p.store, YX_INDEX_CREDIT_CODE, argv[1], strlen(argv[1]), on_indexed, &p);
	yx_store_close(&p.store);
	if (json_array_size(records) == 0 && json_array_size(p.cases) == 0) {
		json_decref(records);
		json_decref(p.cases);
		json_decref(p.joints);
		return ctl_fail(EXIT_FAIL, "no enterprise %s in any city's records held here",
		                argv[1]);
	}
	if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:o, s:o, s:o}", "credit_code", argv[1], "records",
		                         records, "relay_events", p.cases, "joint_participations",
		                         p.joints));
		return EXIT_OK;
	}
	size_t i;
	json_t *r;
	printf("enterprise %s\n", argv[1]);
	json_array_foreach(records, i, r)
	{
		json_t *rec = json_object_get(r, "record");
		time_t t = (time_t)(json_integer_value(json_object_get(r, "time_ms")) / 1000);
		char when[32];
		strftime(when, sizeof(when), "%Y-%m-%d", localtime(&t));
		const char *city =
		        yx_city_name((uint32_t)json_integer_value(json_object_get(rec, "city")));
		printf("\n  in %s's registry (%s, updated %s): %s\n",
		       json_string_value(json_object_get(r, "origin_name")), city ? city : "?",
		       when, json_string_value(json_object_get(rec, "name")));
		const char *stage = json_string_value(json_object_get(rec, "stage"));
		printf("    stage           %s\n", stage ? stage : "-");
		char *q = json_dumps(json_object_get(rec, "qualifications"), JSON_COMPACT);
		char *ind = json_dumps(json_object_get(rec, "industries"), JSON_COMPACT);
		printf("    qualifications  %s\n    industries      %s\n", q ? q : "[]",
		       ind ? ind : "[]");
		free(q);
		free(ind);
		size_t k;
		json_t *inc;
		json_array_foreach(json_object_get(r, "incubators"), k, inc)
		{
			const char *name = json_string_value(json_object_get(inc, "name"));
			printf("    incubator       %s %s\n",
			       json_string_value(json_object_get(inc, "id")), name ? name : "");
		}
		const char *park = json_string_value(json_object_get(rec, "park_id"));
		if (park)
			printf("    park            %s\n", park);
		json_t *v;
		json_array_foreach(json_object_get(r, "history"), k, v)
		{
			time_t vt =
			        (time_t)(json_integer_value(json_object_get(v, "time_ms")) / 1000);
			char day[32];
			char *quals =
			        json_dumps(json_object_get(v, "qualifications"), JSON_COMPACT);
			const char *st = json_string_value(json_object_get(v, "stage"));
			strftime(day, sizeof(day), "%Y-%m-%d", localtime(&vt));
			printf("    %s %s  seq %-8lld stage %-10s qualifications %s\n",
			       k ? "          " : "history   ", day,
			       (long long)json_integer_value(json_object_get(v, "seq")),
			       st ? st
			          : (json_is_true(json_object_get(v, "retracted")) ? "retracted"
			                                                           : "-"),
			       quals ? quals : "[]");
			free(quals);
		}
	}
	if (json_array_size(p.cases)) {
		printf("\n  relay cases (接力孵化):\n");
		json_array_foreach(p.cases, i, r)
		{
			json_t *rec = json_object_get(r, "record");
			printf("    %-20s %-8s park %-14s by %s\n",
			       json_string_value(json_object_get(rec, "case_id")),
			       json_string_value(json_object_get(rec, "type")),
			       json_string_value(json_object_get(rec, "park_id"))
			               ? json_string_value(json_object_get(rec, "park_id"))
			               : "-",
			       json_string_value(json_object_get(r, "origin_name")));
		}
	}
	if (json_array_size(p.joints)) {
		printf("\n  joint incubation (联合孵化):\n");
		json_array_foreach(p.joints, i, r)
		        printf("    %s by %s\n", json_string_value(json_object_get(r, "id")),
		               json_string_value(json_object_get(r, "origin_name")));
	}
	json_decref(records);
	json_decref(p.cases);
	json_decref(p.joints);
	return EXIT_OK;
}
