#include "cases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h" /* YX_MAX_ID_LEN */

static bool in_case(const Yrdx__Change *c, const char *case_id)
{
	return c->body_case == YRDX__CHANGE__BODY_RELAY_EVENT &&
	       (!case_id || strcmp(c->relay_event->case_id, case_id) == 0);
}

/* A case is anchored by its PROPOSE, whose record id every node writes alike. An id
 * that names no key anchors nothing: no PROPOSE can open it (relay.h). */
static bool propose_id(const char *case_id, char *id, size_t cap)
{
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t seq;
	return yx_case_id_parse(case_id, &seq, fp) &&
	       yx_case_event_id(case_id, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, id, cap);
}

/* The PROPOSE that opens the case is at the origin whose key the case id names: one
 * point lookup, not one per city. */
static size_t propose_origin(const char *case_id, uint8_t prefix[YX_KEY_BYTES])
{
	uint64_t seq;
	return yx_case_id_parse(case_id, &seq, prefix) ? YX_CASE_FP_BYTES : 0;
}

/* Every event of a case repeats the PROPOSE's enterprise (derivation leaves out those
 * that do not), so the case is found under its credit code. */
static const char *propose_code(const Yrdx__Change *c)
{
	return c->relay_event->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE
	               ? c->relay_event->credit_code
	               : NULL;
}

static const yx_event_kind_t relay_kind = {YX_KIND_RELAY_EVENT, in_case, propose_id, propose_code,
                                           propose_origin};
/* The claims on a case: its PROPOSE under the case's record id at every origin. */
static const yx_event_kind_t claims_kind = {YX_KIND_RELAY_EVENT, in_case, propose_id, propose_code,
                                            NULL};

/* Each loaded event as derivation reads it (events point into out->raw). */
static int fill(yx_case_events_t *out)
{
	out->events = calloc(out->raw.n ? out->raw.n : 1, sizeof(*out->events));
	if (!out->events) {
		yx_events_free(&out->raw);
		return -ENOMEM;
	}
	for (size_t i = 0; i < out->raw.n; i++) {
		const yx_event_t *e = &out->raw.v[i];
		memcpy(out->events[i].origin, e->origin, YX_KEY_BYTES);
		out->events[i].seq = e->seq;
		out->events[i].time_ms = e->change->time_ms;
		memcpy(out->events[i].hash, e->hash, YX_HASH_BYTES);
		out->events[i].ev = e->change->relay_event;
	}
	out->n = out->raw.n;
	return YX_OK;
}

static int load(yx_store_t *store, const yx_event_kind_t *kind, const char *case_id,
                yx_case_events_t *out)
{
	memset(out, 0, sizeof(*out));
	int ret = yx_events_load(store, kind, case_id, &out->raw);
	return ret ? ret : fill(out);
}

int yx_case_events_load_enterprise(yx_store_t *store, const char *credit_code,
                                   yx_case_events_t *out)
{
	memset(out, 0, sizeof(*out));
	int ret = yx_events_load_code(store, &relay_kind, credit_code, &out->raw);
	return ret ? ret : fill(out);
}

int yx_case_events_load(yx_store_t *store, const char *case_id, yx_case_events_t *out)
{
	return load(store, &relay_kind, case_id, out);
}

int yx_case_claims_load(yx_store_t *store, const char *case_id, yx_case_events_t *out)
{
	return load(store, &claims_kind, case_id, out);
}

void yx_case_events_free(yx_case_events_t *o)
{
	yx_events_free(&o->raw);
	free(o->events);
	memset(o, 0, sizeof(*o));
}

static int note_origin(void *arg, const yx_stored_t *rec)
{
	if (!in_case(rec->change, NULL) ||
	    rec->change->relay_event->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE)
		return 0;
	memcpy(arg, rec->origin, YX_KEY_BYTES);
	return 1;
}

int yx_case_proposer(yx_store_t *store, const char *case_id, uint8_t origin[YX_KEY_BYTES])
{
	char id[YX_MAX_ID_LEN + 1];
	uint8_t prefix[YX_KEY_BYTES];
	size_t plen = propose_origin(case_id, prefix);
	yx_snap_t *snap = NULL;
	if (!plen || !propose_id(case_id, id, sizeof(id)))
		return YX_ENOTFOUND;
	int ret = yx_snap_open(store, &snap);
	if (ret == YX_OK)
		ret = yx_snap_get_prefixed(snap, YX_KIND_RELAY_EVENT, prefix, plen, id, NULL,
		                           note_origin, origin);
	yx_snap_close(&snap);
	return ret == 1 ? YX_OK : ret ? ret : YX_ENOTFOUND;
}

static int event_case_compare(const void *pa, const void *pb)
{
	const yx_case_event_t *a = pa, *b = pb;
	return strcmp(a->ev->case_id ? a->ev->case_id : "", b->ev->case_id ? b->ev->case_id : "");
}

int yx_cases_each(yx_case_events_t *events, yx_case_fn fn, void *arg)
{
	yx_case_event_t *ev = events->events;
	int ret = YX_OK;
	if (events->n)
		qsort(ev, events->n, sizeof(*ev), event_case_compare);
	for (size_t at = 0, end; ret == YX_OK && at < events->n; at = end) {
		const char *id = ev[at].ev->case_id ? ev[at].ev->case_id : "";
		yx_case_t c;
		for (end = at + 1;
		     end < events->n && !strcmp(ev[end].ev->case_id ? ev[end].ev->case_id : "", id);
		     end++)
			;
		if (yx_case_derive(ev + at, end - at, id, &c) ==
		    YX_OK) /* else no PROPOSE opens it */
			ret = fn(arg, id, &c);
	}
	return ret;
}
