/* relay: relay-incubation cases (接力孵化). Steps are written by the daemon, which checks
 * them against the case's derived state; list, show and suggest read the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "json.h"
#include "keys.h"
#include "match.h"
#include "table.h"
#include "validate.h"
#include "yrdxctl.h"

#define RELAY_TIMEOUT_MS 10000

static const char help[] =
        "usage: yrdxctl -c FILE relay propose CREDIT_CODE --to-park PARK_ID [--to NODE]\n"
        "                                     [--dossier FILE] [--note TEXT]\n"
        "       yrdxctl -c FILE relay accept|decline|withdraw|land|close CASE [--note TEXT]\n"
        "       yrdxctl -c FILE relay list [--state STATE]\n"
        "       yrdxctl -c FILE relay show CASE\n"
        "       yrdxctl -c FILE relay suggest CREDIT_CODE [--limit N]\n"
        "An enterprise graduating from this city's incubator is proposed to a park, often\n"
        "in another city; the destination city accepts or declines, registers the\n"
        "enterprise when it lands, and closes the case. Each step is written by the city\n"
        "that owns it. The dossier is sealed to the destination node: every city stores\n"
        "and forwards it, only the destination can open it (relay show prints it there).\n"
        "suggest ranks every park known here by industry fit (产业匹配度), with its parts.\n";

/* Which node's registry holds park_id; exactly one must, unless --to names it. */
typedef struct {
	const char *park_id;
	uint8_t key[32];
	int found;
} park_find_t;

static int find_park(void *arg, const uint8_t origin[32], uint64_t seq, const Yrdx__Change *c)
{
	park_find_t *f = arg;
	(void)seq;
	if (strcmp(c->park->id, f->park_id) == 0) {
		memcpy(f->key, origin, 32);
		f->found++;
	}
	return 0;
}

static int step(ctl_t *ctl, Yrdx__RelayRequest *q, const char *what)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_RELAY;
	req.relay = q;
	int rc = ctl_call(ctl, &req, RELAY_TIMEOUT_MS, &reply);
	if (rc)
		return rc;
	if (reply->error) {
		rc = ctl_fail(reply->error == YX_EINVAL || reply->error == YX_ENOTFOUND ? EXIT_USAGE
		                                                                        : EXIT_FAIL,
		              "relay: %s", reply->message);
	} else if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:I}", "case", reply->case_id, "seq",
		                         (json_int_t)(reply->head ? reply->head->seq : 0)));
	} else {
		printf("case %s: %s written (log seq %llu)\n", reply->case_id, what,
		       (unsigned long long)(reply->head ? reply->head->seq : 0));
	}
	yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

static int do_propose(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
	const char *park = NULL, *to = NULL, *dossier = NULL;
	yx_diag_t diag = {{0}};
	uint8_t dest[32];
	uint8_t *doss = NULL;
	int rc;
	if (argc < 3)
		return ctl_fail(EXIT_USAGE,
		                "relay propose: expected CREDIT_CODE --to-park PARK_ID");
	q.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	q.credit_code = argv[2];
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return ctl_fail(EXIT_USAGE, "relay propose: %s needs a value", argv[i]);
		if (strcmp(argv[i], "--to-park") == 0)
			park = argv[++i];
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[++i];
		else if (strcmp(argv[i], "--dossier") == 0)
			dossier = argv[++i];
		else if (strcmp(argv[i], "--note") == 0)
			q.note = argv[++i];
		else
			return ctl_fail(EXIT_USAGE, "relay propose: unexpected \"%s\"", argv[i]);
	}
	if (!park)
		return ctl_fail(EXIT_USAGE, "relay propose: --to-park PARK_ID is required");
	if (yx_credit_code_check(q.credit_code, "CREDIT_CODE", &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "relay propose: %s", diag.msg);
	q.park_id = (char *)park;
	if ((rc = ctl_need_config(ctl)))
		return rc;
	if (to) {
		/* the case names the destination's origin, its log's identity for good; the
		 * daemon seals the dossier to the key it holds now */
		if ((rc = ctl_origin(ctl, "relay propose: --to", to, dest)))
			return rc;
	} else {
		yx_store_t *store = NULL;
		park_find_t f = {park, {0}, 0};
		if ((rc = ctl_open_store(ctl, &store)))
			return rc;
		yx_store_scan(store, YX_KIND_PARK, find_park, &f);
		yx_store_close(&store);
		if (f.found != 1)
			return ctl_fail(
			        EXIT_USAGE, "relay propose: park %s is %s; name its city with --to",
			        park,
			        f.found ? "registered by more than one city" : "not known here");
		memcpy(dest, f.key, 32);
	}
	q.destination.data = dest;
	q.destination.len = 32;
	if (dossier) {
		FILE *fp = fopen(dossier, "rb");
		if (!fp)
			return ctl_fail(EXIT_USAGE, "relay propose: %s: %s", dossier,
			                strerror(errno));
		doss = malloc(YX_MAX_DOSSIER_BYTES + 1);
		size_t n = doss ? fread(doss, 1, YX_MAX_DOSSIER_BYTES - 48 + 1, fp) : 0;
		fclose(fp);
		if (n > YX_MAX_DOSSIER_BYTES - 48) {
			free(doss);
			return ctl_fail(EXIT_USAGE, "relay propose: %s: larger than %d bytes",
			                dossier, YX_MAX_DOSSIER_BYTES - 48);
		}
		q.dossier.data = doss;
		q.dossier.len = n;
	}
	rc = step(ctl, &q, "propose");
	free(doss);
	return rc;
}

typedef struct {
	char id[96];
	yx_case_t c;
} case_row_t;

/* Derives every case in events; *rows caller-freed. */
static size_t derive_all(yx_case_events_t *ev, case_row_t **rows)
{
	size_t n = 0;
	*rows = calloc(ev->n ? ev->n : 1, sizeof(case_row_t));
	for (size_t i = 0; *rows && i < ev->n; i++) {
		if (ev->events[i].ev->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE)
			continue;
		case_row_t *r = &(*rows)[n];
		snprintf(r->id, sizeof(r->id), "%s", ev->events[i].ev->case_id);
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup |= strcmp((*rows)[k].id, r->id) == 0;
		if (!dup && yx_case_derive(ev->events, ev->n, r->id, &r->c) == YX_OK)
			n++;
	}
	return n;
}

/* A case's row: its source and destination each as names.h's JSON shape of a node. */
static json_t *case_json(ctl_t *ctl, const char *id, const yx_case_t *c)
{
	json_t *o =
	        json_pack("{s:s, s:s, s:s, s:s, s:i}", "case", id, "state",
	                  yx_case_state_name(c->state), "credit_code", c->propose->ev->credit_code,
	                  "park_id", c->propose->ev->park_id, "steps", (int)c->steps);
	yx_names_json_set(ctl->names, o, "from_key", "from", "from_city", c->source);
	yx_names_json_set(ctl->names, o, "to_key", "to", "to_city", c->destination);
	return o;
}

static int do_list(ctl_t *ctl, int argc, char **argv)
{
	const char *state = NULL;
	yx_store_t *store = NULL;
	yx_case_events_t ev;
	if (argc == 4 && strcmp(argv[2], "--state") == 0)
		state = argv[3];
	else if (argc != 2)
		return ctl_fail(EXIT_USAGE, "relay list: [--state STATE]");
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_case_events_load(store, NULL, &ev);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "relay list: %s", yx_strerror(ret));
	case_row_t *rows;
	size_t n = derive_all(&ev, &rows);
	table_t *t = ctl->json
	                     ? NULL
	                     : table_new("case", "state", "enterprise", "park", "from", "to", NULL);
	for (size_t i = 0; i < n; i++) {
		const yx_case_t *c = &rows[i].c;
		char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX];
		if (state && strcmp(state, yx_case_state_name(c->state)) != 0)
			continue;
		ctl_label(ctl, c->source, YX_NAME_SHORT, from);
		ctl_label(ctl, c->destination, YX_NAME_SHORT, to);
		if (ctl->json)
			ctl_print_json(case_json(ctl, rows[i].id, c));
		else
			table_row(t, rows[i].id, yx_case_state_name(c->state),
			          c->propose->ev->credit_code, c->propose->ev->park_id, from, to);
	}
	if (t)
		table_print(&t, stdout);
	free(rows);
	yx_case_events_free(&ev);
	return EXIT_OK;
}

/* Who wrote an event of relay show's JSON: the label of its signer's key. */
static const char *signer_label(ctl_t *ctl, json_t *e, char who[YX_NAME_LABEL_MAX])
{
	uint8_t key[32];
	const char *text = json_string_value(json_object_get(e, "signer"));
	if (!text || yx_pubkey_parse(text, key, NULL) != YX_OK)
		return text ? text : "?";
	return ctl_label(ctl, key, YX_NAME_SHORT, who);
}

/* relay show's events as text, the names in one column. */
static void print_events(ctl_t *ctl, json_t *events)
{
	char who[YX_NAME_LABEL_MAX];
	int width = 0;
	size_t k;
	json_t *e;
	json_array_foreach(events, k, e)
	{
		int w = text_width(signer_label(ctl, e, who));
		width = w > width ? w : width;
	}
	printf("  events:\n");
	json_array_foreach(events, k, e)
	{
		const char *note = json_string_value(json_object_get(e, "note"));
		printf("    %-9s by ", json_string_value(json_object_get(e, "type")));
		text_pad(stdout, signer_label(ctl, e, who), width);
		printf(" seq %-6lld signed %s%s%s\n",
		       (long long)json_integer_value(json_object_get(e, "seq")),
		       json_string_value(json_object_get(e, "signer")), note ? "  — " : "",
		       note ? note : "");
	}
}

static int do_show(ctl_t *ctl, int argc, char **argv)
{
	yx_store_t *store = NULL;
	yx_case_events_t ev;
	yx_case_t c;
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "relay show: expected CASE");
	yx_diag_t diag = {{0}};
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t seq;
	if (!yx_case_id_parse(argv[2], &seq, fp)) {
		yx_store_close(&store);
		return ctl_fail(EXIT_USAGE,
		                "relay show: %s is not a case id: one is " YX_CASE_ID_FORM,
		                argv[2]);
	}
	/* Every origin's PROPOSE naming the case, so that another key's claim on it is shown
	 * (not applied) beside the case. */
	int ret = yx_case_claims_load(store, argv[2], &ev);
	yx_store_close(&store);
	if (ret == YX_OK && yx_case_derive(ev.events, ev.n, argv[2], &c) != YX_OK)
		ret = YX_ENOTFOUND;
	if (ret) {
		if (ret == YX_ENOTFOUND)
			yx_case_events_free(&ev);
		return ctl_fail(EXIT_FAIL, "relay show: no case %s known here", argv[2]);
	}
	/* The dossier opens only with the destination's key: the one it has now, or one it
	 * had when the case was proposed, before a rotation. */
	json_t *dossier = json_null();
	const Yrdx__RelayEvent *p = c.propose->ev;
	if (p->sealed_dossier.len) {
		uint8_t *plain = NULL;
		size_t len = 0;
		ret = yx_key_files_unseal(ctl->cfg->key_file, p->sealed_dossier.data,
		                          p->sealed_dossier.len, &plain, &len, &diag);
		if (ret == YX_OK) {
			dossier = json_stringn((const char *)plain, len);
			free(plain);
		} else if (ret != YX_ECRYPTO) {
			yx_case_events_free(&ev);
			return ctl_fail(EXIT_FAIL, "relay show: %s",
			                diag.msg[0] ? diag.msg : yx_strerror(ret));
		} else {
			char to[YX_NAME_LABEL_MAX];
			ctl_label(ctl, c.destination, YX_NAME_SHORT, to);
			dossier = json_sprintf("(sealed for %s: %zu bytes)", to,
			                       p->sealed_dossier.len);
		}
	}
	/* In the order they were written (time is informative only; seq breaks ties). */
	size_t order[ev.n ? ev.n : 1];
	for (size_t i = 0; i < ev.n; i++) {
		size_t j = i;
		for (; j > 0; j--) {
			const Yrdx__Change *a = ev.raw.v[order[j - 1]].change,
			                   *b = ev.raw.v[i].change;
			if (a->time_ms < b->time_ms ||
			    (a->time_ms == b->time_ms && a->seq <= b->seq))
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	json_t *events = json_array();
	for (size_t k = 0; k < ev.n; k++) {
		const yx_case_event_t *e = &ev.events[order[k]];
		json_t *rec = yx_record_to_json(YX_KIND_RELAY_EVENT, e->ev);
		json_t *j = json_pack("{s:s, s:I, s:b}", "type",
		                      json_string_value(json_object_get(rec, "type")), "seq",
		                      (json_int_t)e->seq, "applied", e->applied);
		json_decref(rec);
		yx_names_json_set(ctl->names, j, "signer", "by", "by_city", e->origin);
		if (e->note)
			json_object_set_new(j, "note", json_string(e->note));
		if (e->ev->note && *e->ev->note)
			json_object_set_new(j, "text", json_string(e->ev->note));
		json_array_append_new(events, j);
	}
	if (ctl->json) {
		json_t *o = case_json(ctl, argv[2], &c);
		json_object_set_new(o, "dossier", dossier);
		json_object_set_new(o, "events", events);
		ctl_print_json(o);
	} else {
		char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX];
		ctl_label(ctl, c.source, YX_NAME_LONG, from);
		ctl_label(ctl, c.destination, YX_NAME_LONG, to);
		printf("case %s: %s\n  enterprise %s from %s, incubator %s\n  to park %s in %s\n",
		       argv[2], yx_case_state_name(c.state), p->credit_code, from,
		       p->source_incubator_id, p->park_id, to);
		if (!json_is_null(dossier))
			printf("  dossier: %s\n", json_string_value(dossier));
		print_events(ctl, events);
		json_decref(dossier);
		json_decref(events);
	}
	yx_case_events_free(&ev);
	return EXIT_OK;
}

typedef struct {
	const Yrdx__Enterprise *e;
	struct {
		char id[65], name[201];
		uint32_t city;
		yx_match_t m;
	} * parks;
	size_t n, cap;
} suggest_t;

static int score_park(void *arg, const uint8_t origin[32], uint64_t seq, const Yrdx__Change *c)
{
	suggest_t *s = arg;
	(void)origin;
	(void)seq;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		void *grown = realloc(s->parks, cap * sizeof(*s->parks));
		if (!grown)
			return -ENOMEM;
		s->parks = grown;
		s->cap = cap;
	}
	snprintf(s->parks[s->n].id, sizeof(s->parks[s->n].id), "%s", c->park->id);
	snprintf(s->parks[s->n].name, sizeof(s->parks[s->n].name), "%s", c->park->name);
	s->parks[s->n].city = c->park->city;
	s->parks[s->n].m = yx_match_park(s->e, c->park);
	s->n++;
	return 0;
}

static int do_suggest(ctl_t *ctl, int argc, char **argv)
{
	yx_store_t *store = NULL;
	yx_vector_t vec;
	Yrdx__Change *ent = NULL;
	long limit = 10;
	if (argc == 5 && strcmp(argv[3], "--limit") == 0)
		limit = atol(argv[4]);
	else if (argc != 3)
		return ctl_fail(EXIT_USAGE, "relay suggest: expected CREDIT_CODE [--limit N]");
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	/* the enterprise's most recent record in any city */
	if (yx_store_vector(store, &vec) == YX_OK) {
		for (size_t i = 0; i < vec.n; i++) {
			Yrdx__Change *c = NULL;
			if (yx_store_get(store, YX_KIND_ENTERPRISE, vec.tips[i].origin, argv[2],
			                 &c) != YX_OK)
				continue;
			if (!ent || c->time_ms > ent->time_ms) {
				yx_change_free(&ent);
				ent = c;
			} else {
				yx_change_free(&c);
			}
		}
		yx_vector_free(&vec);
	}
	if (!ent) {
		yx_store_close(&store);
		return ctl_fail(EXIT_FAIL, "relay suggest: no enterprise %s known here", argv[2]);
	}
	suggest_t s = {ent->enterprise, NULL, 0, 0};
	yx_store_scan(store, YX_KIND_PARK, score_park, &s);
	yx_store_close(&store);
	/* rank: total, then park id for a stable order */
	for (size_t i = 1; i < s.n; i++)
		for (size_t j = i; j > 0 && (s.parks[j].m.total > s.parks[j - 1].m.total ||
		                             (s.parks[j].m.total == s.parks[j - 1].m.total &&
		                              strcmp(s.parks[j].id, s.parks[j - 1].id) < 0));
		     j--) {
			__typeof__(*s.parks) t = s.parks[j];
			s.parks[j] = s.parks[j - 1];
			s.parks[j - 1] = t;
		}
	table_t *t = ctl->json ? NULL
	                       : table_new("park", "name", "city", "score", "industry", "track",
	                                   "capacity", "hard-tech", NULL);
	for (size_t i = 0; i < s.n && (long)i < limit; i++) {
		const yx_match_t *m = &s.parks[i].m;
		const char *city = yx_city_name(s.parks[i].city);
		if (ctl->json) {
			ctl_print_json(json_pack("{s:s, s:s, s:i, s:i, s:{s:i, s:i, s:i, s:i}}",
			                         "park_id", s.parks[i].id, "name", s.parks[i].name,
			                         "city", (int)s.parks[i].city, "score", m->total,
			                         "parts", "industry", m->industry, "track",
			                         m->track, "capacity", m->capacity, "hard_tech",
			                         m->hard_tech));
			continue;
		}
		char v[5][16];
		snprintf(v[0], 16, "%d", m->total);
		snprintf(v[1], 16, "%d/60", m->industry);
		snprintf(v[2], 16, "%d/20", m->track);
		snprintf(v[3], 16, "%d/10", m->capacity);
		snprintf(v[4], 16, "%d/10", m->hard_tech);
		table_row(t, s.parks[i].id, s.parks[i].name, city ? city : "?", v[0], v[1], v[2],
		          v[3], v[4]);
	}
	if (t)
		table_print(&t, stdout);
	free(s.parks);
	yx_change_free(&ent);
	return EXIT_OK;
}

/* accept, decline, withdraw, land, close: argv[1] names the step. */
static int do_step(ctl_t *ctl, int argc, char **argv)
{
	static const struct {
		const char *word;
		Yrdx__RelayEventType type;
	} steps[] = {
	        {"accept", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT},
	        {"decline", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE},
	        {"withdraw", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW},
	        {"land", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND},
	        {"close", YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE},
	};
	Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
	if (argc == 5 && strcmp(argv[3], "--note") == 0)
		q.note = argv[4];
	else if (argc != 3)
		return ctl_fail(EXIT_USAGE, "relay %s: expected CASE [--note TEXT]", argv[1]);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(argv[1], steps[i].word) == 0)
			q.type = steps[i].type;
	q.case_id = argv[2];
	return step(ctl, &q, argv[1]);
}

int cmd_relay(ctl_t *ctl, int argc, char **argv)
{
	static const ctl_sub_t subs[] = {
	        {"propose", do_propose}, {"accept", do_step}, {"decline", do_step},
	        {"withdraw", do_step},   {"land", do_step},   {"close", do_step},
	        {"list", do_list},       {"show", do_show},   {"suggest", do_suggest},
	};
	return ctl_run_sub(ctl, argc, argv, help, subs, sizeof(subs) / sizeof(subs[0]));
}
