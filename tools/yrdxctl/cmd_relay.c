/* relay: relay-incubation cases (接力孵化). Steps are written by the daemon, which checks
 * them against the case's derived state; list, show and suggest read the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_view.h"
#include "grow.h"
#include "json.h"
#include "keys.h"
#include "match.h"
#include "table.h"
#include "terms.h"
#include "validate.h"
#include "yrdxctl.h"

#define RELAY_TIMEOUT_MS 10000

static const char help[] =
        "usage: yrdxctl -c FILE relay propose CREDIT_CODE --to-park PARK_ID [--to NODE]\n"
        "                                     [--dossier FILE] [--note TEXT]\n"
        "       yrdxctl -c FILE relay accept|decline|withdraw|land|close CASE [--note TEXT]\n"
        "       yrdxctl -c FILE relay list [--state STATE]\n"
        "       yrdxctl -c FILE relay show CASE\n"
        "       yrdxctl -c FILE relay suggest CREDIT_CODE [--limit N] [--explain]\n"
        "An enterprise graduating from this city's incubator is proposed to a park (推荐), in\n"
        "this city or another; the destination city accepts (接收) or declines (婉拒), lands\n"
        "it (落地) and closes the case (结案). Each step is written by the city that owns it\n"
        "(within one city, all by this node). land registers the enterprise at the\n"
        "destination in the same step (stage landed, the park, the case), copied from the\n"
        "source's record; when the source city learns of it, its own record turns\n"
        "relocated (已迁出). The dossier is sealed to the destination node: every city\n"
        "stores and forwards it, only the destination can open it (relay show prints it\n"
        "there). show lists the steps in case order with time, city and note.\n"
        "\n"
        "suggest ranks every park known here for the enterprise (产业匹配度), score of 100:\n"
        "  industry   70  x the share of the enterprise's industries the park is built for\n"
        "  track      10  x the share of the others whose track of \"2+(3+6)+(4+5)\" it serves\n"
        "  capacity   10  in proportion to places left: 1 per 20, 10 from 200, 1 while any\n"
        "  hard-tech  10  a hard-tech or little-giant enterprise at a high-tech zone or\n"
        "                 demonstration base (the plan steers 硬科技企业 there)\n"
        "A park built for none of its industries scores at most 30, below any park built\n"
        "for half (35 or more). A park that declined the enterprise is not suggested for it\n"
        "again. --explain says why for each part of each park, and which parks declined.\n";

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

/* The case state text names: its name (landed) or the plan's term (已落地); or
 * EXIT_USAGE listing them. */
static int state_parse(const char *text, yx_case_state_t *state)
{
	char list[256];
	size_t len = 0;
	for (int s = YX_CASE_PROPOSED; s <= YX_CASE_CLOSED; s++) {
		const char *term = yx_case_state_term((yx_case_state_t)s);
		if (strcmp(text, yx_case_state_name((yx_case_state_t)s)) == 0 ||
		    (term && strcmp(text, term) == 0)) {
			*state = (yx_case_state_t)s;
			return EXIT_OK;
		}
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
		                        yx_case_state_name((yx_case_state_t)s));
	}
	return ctl_fail(EXIT_USAGE, "relay list: --state %s: not a case state (one of %s)", text,
	                list);
}

static int do_list(ctl_t *ctl, int argc, char **argv)
{
	yx_case_state_t state = YX_CASE_PROPOSED;
	bool by_state = false;
	yx_store_t *store = NULL;
	yx_case_events_t ev;
	int rc;
	if (argc == 4 && strcmp(argv[2], "--state") == 0) {
		if ((rc = state_parse(argv[3], &state)))
			return rc;
		by_state = true;
	} else if (argc != 2) {
		return ctl_fail(EXIT_USAGE, "relay list: [--state STATE]");
	}
	rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_case_events_load(store, NULL, &ev);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "relay list: %s", yx_strerror(ret));
	case_row_t *rows;
	size_t n = case_view_derive_all(&ev, &rows);
	table_t *t = ctl->json
	                     ? NULL
	                     : table_new("case", "state", "enterprise", "park", "from", "to", NULL);
	for (size_t i = 0; i < n; i++) {
		const yx_case_t *c = &rows[i].c;
		char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX], st[64];
		if (by_state && c->state != state)
			continue;
		ctl_label(ctl, c->source, YX_NAME_SHORT, from);
		ctl_label(ctl, c->destination, YX_NAME_SHORT, to);
		if (ctl->json)
			ctl_print_json(case_view_json(ctl, rows[i].id, c));
		else
			table_row(t, rows[i].id, case_view_state_label(c->state, st, sizeof(st)),
			          c->propose->ev->credit_code, c->propose->ev->park_id, from, to);
	}
	if (t)
		table_print(&t, stdout);
	free(rows);
	yx_case_events_free(&ev);
	return EXIT_OK;
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
	/* In case order: the path, then what was left off it, each with time and author. */
	json_t *events = case_view_steps(ctl, &ev, argv[2]);
	if (ctl->json) {
		json_t *o = case_view_json(ctl, argv[2], &c);
		json_object_set_new(o, "dossier", dossier);
		json_object_set_new(o, "events", events);
		ctl_print_json(o);
	} else {
		char from[YX_NAME_LABEL_MAX], to[YX_NAME_LABEL_MAX], st[64];
		ctl_label(ctl, c.source, YX_NAME_LONG, from);
		ctl_label(ctl, c.destination, YX_NAME_LONG, to);
		printf("接力孵化 case %s: %s\n  enterprise %s from %s, incubator %s\n"
		       "  to park %s in %s\n",
		       argv[2], case_view_state_label(c.state, st, sizeof(st)), p->credit_code,
		       from, p->source_incubator_id, p->park_id, to);
		if (!json_is_null(dossier))
			printf("  dossier: %s\n", json_string_value(dossier));
		printf("  steps:\n");
		case_view_print_steps(ctl, events, "    ");
		json_decref(dossier);
		json_decref(events);
	}
	yx_case_events_free(&ev);
	return EXIT_OK;
}

typedef struct {
	char id[65], name[201];
	uint8_t origin[32]; /* whose registry holds it */
	uint32_t city;
	uint32_t capacity;
	yx_match_t m;
	const yx_case_event_t *declined; /* its DECLINE of this enterprise, if it said no */
} park_score_t;

typedef struct {
	const Yrdx__Enterprise *e;
	const yx_case_events_t *cases; /* the enterprise's, every case derived */
	park_score_t *parks;
	size_t n, cap;
} suggest_t;

static int score_park(void *arg, const uint8_t origin[32], uint64_t seq, const Yrdx__Change *c)
{
	suggest_t *s = arg;
	(void)seq;
	if (yx_grow(s->parks, s->cap, s->n + 1, 32))
		return -ENOMEM;
	park_score_t *p = &s->parks[s->n++];
	snprintf(p->id, sizeof(p->id), "%s", c->park->id);
	snprintf(p->name, sizeof(p->name), "%s", c->park->name);
	memcpy(p->origin, origin, 32);
	p->city = c->park->city;
	p->capacity = c->park->capacity;
	p->m = yx_match_park(s->e, c->park);
	p->declined = yx_match_declined(s->cases->events, s->cases->n, origin, c->park->id);
	return 0;
}

/* Suggested first, by score, then park id for a stable order; the parks that declined
 * last. */
static int rank_compare(const void *a, const void *b)
{
	const park_score_t *x = a, *y = b;
	if (!x->declined != !y->declined)
		return x->declined ? 1 : -1;
	if (x->m.total != y->m.total)
		return x->m.total > y->m.total ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The enterprise's industries whose bit is set in set, as the plan's terms ("集成电路,
 * 未来健康"), into out. */
static const char *industries_in(const Yrdx__Enterprise *e, uint64_t set, bool with_track,
                                 char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t k = 0; k < e->n_industries && k < 64; k++) {
		if (!(set & ((uint64_t)1 << k)))
			continue;
		const char *term = yx_term(&yrdx__industry__descriptor, (int)e->industries[k]);
		const char *track = yx_track_term(yx_industry_track(e->industries[k]));
		int n = snprintf(out + len, cap - len, "%s%s%s%s%s", len ? ", " : "",
		                 term ? term : "?", with_track ? " (" : "",
		                 with_track && track ? track : "", with_track ? ")" : "");
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	return out;
}

/* Why each part of park p's score is what it is: four lines (yx_match_t's parts). */
static void explain_parts(const Yrdx__Enterprise *e, const park_score_t *p, char why[4][512])
{
	const yx_match_t *m = &p->m;
	char list[400];
	snprintf(why[0], 512, "built for %zu of its %zu industries%s%s", m->exact, m->industries,
	         m->exact ? ": " : "", industries_in(e, m->exact_set, false, list, sizeof(list)));
	if (m->same_track)
		snprintf(why[1], 512, "%zu more on a track it serves: %s", m->same_track,
		         industries_in(e, m->track_set, true, list, sizeof(list)));
	else
		snprintf(why[1], 512, "%s",
		         m->exact == m->industries ? "every industry served exactly"
		                                   : "serves none of the other industries' tracks");
	snprintf(why[2], 512, "%u places left (1 point per %d, at least 1 while any, %d from %d)",
	         p->capacity, YX_MATCH_CAPACITY_FULL / YX_MATCH_CAPACITY, YX_MATCH_CAPACITY,
	         YX_MATCH_CAPACITY_FULL);
	snprintf(why[3], 512, "%s",
	         m->hard_tech ? "a hard-tech or little-giant enterprise at a high-tech zone or "
	                        "demonstration base"
	         : !m->hard_enterprise ? "not a hard-tech or little-giant enterprise"
	                               : "the park is no high-tech zone or demonstration base");
}

static json_t *park_json(const Yrdx__Enterprise *e, const park_score_t *p, bool explain)
{
	const yx_match_t *m = &p->m;
	json_t *o = json_pack("{s:s, s:s, s:i}", "park_id", p->id, "name", p->name, "city",
	                      (int)p->city);
	if (p->declined) {
		json_object_set_new(o, "declined",
		                    json_pack("{s:s, s:I, s:s*}", "case", p->declined->ev->case_id,
		                              "time_ms", (json_int_t)p->declined->time_ms, "note",
		                              p->declined->ev->note && *p->declined->ev->note
		                                      ? p->declined->ev->note
		                                      : NULL));
		return o;
	}
	json_object_set_new(o, "score", json_integer(m->total));
	json_object_set_new(o, "parts",
	                    json_pack("{s:i, s:i, s:i, s:i}", "industry", m->industry, "track",
	                              m->track, "capacity", m->capacity, "hard_tech",
	                              m->hard_tech));
	if (explain) {
		char why[4][512];
		explain_parts(e, p, why);
		json_object_set_new(o, "explain",
		                    json_pack("{s:s, s:s, s:s, s:s}", "industry", why[0], "track",
		                              why[1], "capacity", why[2], "hard_tech", why[3]));
	}
	return o;
}

static void print_explained(ctl_t *ctl, const Yrdx__Enterprise *e, const park_score_t *p,
                            size_t rank)
{
	char who[YX_NAME_LABEL_MAX], why[4][512];
	const yx_match_t *m = &p->m;
	ctl_label(ctl, p->origin, YX_NAME_SHORT, who);
	printf("%zu. %s %s (%s): %d/100\n", rank, p->id, p->name, who, m->total);
	explain_parts(e, p, why);
	printf("     industry   %2d/%d  %s\n", m->industry, YX_MATCH_INDUSTRY, why[0]);
	printf("     track      %2d/%d  %s\n", m->track, YX_MATCH_TRACK, why[1]);
	printf("     capacity   %2d/%d  %s\n", m->capacity, YX_MATCH_CAPACITY, why[2]);
	printf("     hard-tech  %2d/%d  %s\n", m->hard_tech, YX_MATCH_HARD_TECH, why[3]);
}

static void print_declined(ctl_t *ctl, const park_score_t *p)
{
	char who[YX_NAME_LABEL_MAX], day[32];
	time_t t = (time_t)(p->declined->time_ms / 1000);
	strftime(day, sizeof(day), "%Y-%m-%d", localtime(&t));
	ctl_label(ctl, p->origin, YX_NAME_SHORT, who);
	const char *note = p->declined->ev->note;
	printf("   %s %s (%s): declined it %s in case %s%s%s%s\n", p->id, p->name, who, day,
	       p->declined->ev->case_id, note && *note ? " 「" : "", note && *note ? note : "",
	       note && *note ? "」" : "");
}

static int do_suggest(ctl_t *ctl, int argc, char **argv)
{
	yx_store_t *store = NULL;
	yx_vector_t vec;
	yx_case_events_t cases = {0};
	case_row_t *rows = NULL;
	Yrdx__Change *ent = NULL;
	long limit = 10;
	bool explain = false;
	int rc;
	if (argc < 3)
		return ctl_fail(EXIT_USAGE,
		                "relay suggest: expected CREDIT_CODE [--limit N] [--explain]");
	for (int i = 3; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--explain") == 0) {
			explain = true;
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			limit = strtol(argv[++i], &end, 10);
			if (!*argv[i] || *end || limit < 1)
				return ctl_fail(
				        EXIT_USAGE,
				        "relay suggest: --limit: \"%s\" is not a number of parks "
				        "(1 or more)",
				        argv[i]);
		} else {
			return ctl_fail(EXIT_USAGE, "relay suggest: unexpected \"%s\" (see --help)",
			                argv[i]);
		}
	}
	if ((rc = ctl_open_store(ctl, &store)) || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
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
	/* its cases, each derived: the parks that declined it are not suggested again */
	int ret = yx_case_events_load_enterprise(store, argv[2], &cases);
	if (ret == YX_OK)
		case_view_derive_all(&cases, &rows);
	suggest_t s = {ent->enterprise, &cases, NULL, 0, 0};
	if (ret == YX_OK)
		ret = yx_store_scan(store, YX_KIND_PARK, score_park, &s);
	yx_store_close(&store);
	if (ret) {
		rc = ctl_fail(EXIT_FAIL, "relay suggest: %s", yx_strerror(ret));
		goto out;
	}
	if (s.n)
		qsort(s.parks, s.n, sizeof(*s.parks), rank_compare);
	table_t *t = ctl->json || explain ? NULL
	                                  : table_new("park", "name", "city", "score", "industry",
	                                              "track", "capacity", "hard-tech", NULL);
	size_t shown = 0, declined = 0;
	for (size_t i = 0; i < s.n; i++) {
		const park_score_t *p = &s.parks[i];
		if (p->declined) {
			declined++;
			continue;
		}
		if ((long)shown == limit)
			continue;
		shown++;
		if (ctl->json) {
			ctl_print_json(park_json(ent->enterprise, p, explain));
		} else if (explain) {
			print_explained(ctl, ent->enterprise, p, shown);
		} else {
			const char *city = yx_city_name(p->city);
			char v[5][16];
			snprintf(v[0], 16, "%d", p->m.total);
			snprintf(v[1], 16, "%d/%d", p->m.industry, YX_MATCH_INDUSTRY);
			snprintf(v[2], 16, "%d/%d", p->m.track, YX_MATCH_TRACK);
			snprintf(v[3], 16, "%d/%d", p->m.capacity, YX_MATCH_CAPACITY);
			snprintf(v[4], 16, "%d/%d", p->m.hard_tech, YX_MATCH_HARD_TECH);
			table_row(t, p->id, p->name, city ? city : "?", v[0], v[1], v[2], v[3],
			          v[4]);
		}
	}
	if (t)
		table_print(&t, stdout);
	if (explain && declined) {
		if (!ctl->json)
			printf("not suggested: %zu park%s declined this enterprise\n", declined,
			       declined == 1 ? "" : "s");
		for (size_t i = 0; i < s.n; i++)
			if (s.parks[i].declined) {
				if (ctl->json)
					ctl_print_json(
					        park_json(ent->enterprise, &s.parks[i], true));
				else
					print_declined(ctl, &s.parks[i]);
			}
	}
	rc = EXIT_OK;
out:
	free(s.parks);
	free(rows);
	yx_case_events_free(&cases);
	yx_change_free(&ent);
	return rc;
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
