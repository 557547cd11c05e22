#include "relay.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
        [YX_CASE_PROPOSED] = "proposed", [YX_CASE_ACCEPTED] = "accepted",
        [YX_CASE_DECLINED] = "declined", [YX_CASE_WITHDRAWN] = "withdrawn",
        [YX_CASE_LANDED] = "landed",     [YX_CASE_CLOSED] = "closed",
};

const char *yx_case_state_name(yx_case_state_t state)
{
	return state_names[state];
}

/* "ACCEPT" for RELAY_EVENT_TYPE_ACCEPT; NULL for a type this build does not know. */
static const char *type_word(Yrdx__RelayEventType type)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(
	        &yrdx__relay_event_type__descriptor, (int)type);
	return v ? v->name + strlen("RELAY_EVENT_TYPE_") : NULL;
}

bool yx_case_id_make(const char *name, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, char *out,
                     size_t cap)
{
	return yx_keyid_make(name, "", origin, seq, YX_CASE_ID_MAX, out, cap);
}

bool yx_case_id_parse(const char *case_id, uint64_t *seq, uint8_t fp[YX_CASE_FP_BYTES])
{
	return yx_keyid_parse(case_id, "", seq, fp);
}

bool yx_case_id_names(const char *case_id, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t want;
	return yx_case_id_parse(case_id, &want, fp) && want == seq &&
	       memcmp(origin, fp, YX_CASE_FP_BYTES) == 0;
}

bool yx_case_event_id(const char *case_id, Yrdx__RelayEventType type, char *out, size_t cap)
{
	const char *word = type_word(type);
	int n = word ? snprintf(out, cap, "%s/%s", case_id, word) : -1;
	if (n < 0 || (size_t)n >= cap)
		return false;
	for (char *s = out; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	return true;
}

typedef enum { PARTY_SOURCE, PARTY_DESTINATION, PARTY_EITHER } party_t;

/* The legal steps: from a state, an event type by a party leads to a state. */
static const struct {
	yx_case_state_t from;
	Yrdx__RelayEventType type;
	party_t by;
	yx_case_state_t to;
} steps[] = {
        {YX_CASE_PROPOSED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, PARTY_DESTINATION,
         YX_CASE_ACCEPTED},
        {YX_CASE_PROPOSED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE, PARTY_DESTINATION,
         YX_CASE_DECLINED},
        {YX_CASE_PROPOSED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, PARTY_SOURCE,
         YX_CASE_WITHDRAWN},
        {YX_CASE_ACCEPTED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, PARTY_DESTINATION,
         YX_CASE_LANDED},
        {YX_CASE_ACCEPTED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, PARTY_SOURCE,
         YX_CASE_WITHDRAWN},
        {YX_CASE_LANDED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, PARTY_EITHER,
         YX_CASE_CLOSED},
        {YX_CASE_DECLINED, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, PARTY_SOURCE,
         YX_CASE_CLOSED},
        {YX_CASE_WITHDRAWN, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, PARTY_SOURCE,
         YX_CASE_CLOSED},
};
#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

static const char *party_name(party_t p)
{
	return p == PARTY_SOURCE        ? "the proposing city"
	       : p == PARTY_DESTINATION ? "the destination city"
	                                : "either city";
}

static bool is_party(const yx_case_t *c, party_t p, const uint8_t who[YX_KEY_BYTES])
{
	bool src = memcmp(who, c->source, YX_KEY_BYTES) == 0;
	bool dst = memcmp(who, c->destination, YX_KEY_BYTES) == 0;
	return p == PARTY_SOURCE ? src : p == PARTY_DESTINATION ? dst : src || dst;
}

/* The step event type takes from state, or -1. */
static int step_for(yx_case_state_t state, Yrdx__RelayEventType type)
{
	for (size_t i = 0; i < N_STEPS; i++)
		if (steps[i].from == state && steps[i].type == type)
			return (int)i;
	return -1;
}

static bool answers(const yx_case_event_t *e, const yx_case_event_t *to)
{
	const Yrdx__ChangeRef *r = e->ev->answers;
	return r && r->seq == to->seq && r->origin.len == YX_KEY_BYTES &&
	       r->hash.len == YX_HASH_BYTES &&
	       memcmp(r->origin.data, to->origin, YX_KEY_BYTES) == 0 &&
	       memcmp(r->hash.data, to->hash, YX_HASH_BYTES) == 0;
}

int yx_case_derive(yx_case_event_t *events, size_t n, const char *case_id, yx_case_t *out)
{
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t seq = 0;
	bool keyed = yx_case_id_parse(case_id, &seq, fp);
	memset(out, 0, sizeof(*out));
	/* The PROPOSE: the one the case id names by key and log position. Any other naming
	 * the case — another member reusing the id, whatever its hash — is left out. */
	for (size_t i = 0; i < n; i++) {
		yx_case_event_t *e = &events[i];
		if (strcmp(e->ev->case_id, case_id) != 0)
			continue;
		e->applied = false;
		e->step = 0;
		e->note = "does not answer the case's current step";
		if (e->ev->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE)
			continue;
		if (!keyed) {
			e->note = "the case id names no key (an old id without a fingerprint)";
			continue;
		}
		if (memcmp(e->origin, fp, YX_CASE_FP_BYTES) != 0) {
			e->note = "PROPOSE signed by a key the case id does not name";
			continue;
		}
		if (e->seq != seq) {
			e->note = "PROPOSE at another log position than the case id names";
			continue;
		}
		if (e->ev->destination_node.len != YX_KEY_BYTES) {
			e->note = "PROPOSE without a destination node";
			continue;
		}
		/* Two only if a second key was ground to share the 64-bit fingerprint: still
		 * one answer on every node. */
		if (!out->propose || memcmp(e->hash, out->propose->hash, YX_HASH_BYTES) < 0)
			out->propose = e;
	}
	if (!out->propose)
		return YX_ENOTFOUND;
	yx_case_event_t *root = (yx_case_event_t *)out->propose;
	root->applied = true;
	root->step = 1;
	root->note = NULL;
	memcpy(out->source, root->origin, YX_KEY_BYTES);
	memcpy(out->destination, root->ev->destination_node.data, YX_KEY_BYTES);
	out->state = YX_CASE_PROPOSED;
	out->last = root;
	out->steps = 1;
	for (;;) {
		yx_case_event_t *next = NULL;
		for (size_t i = 0; i < n; i++) {
			yx_case_event_t *e = &events[i];
			if (e->applied || strcmp(e->ev->case_id, case_id) != 0 ||
			    !answers(e, out->last))
				continue;
			/* A case is read under its enterprise's credit code (cases.h): an
			 * event naming another must not count when the case is read one way
			 * and go unseen when it is read another. */
			if (strcmp(e->ev->credit_code, root->ev->credit_code) != 0) {
				e->note = "names another enterprise than the case";
				continue;
			}
			int s = step_for(out->state, e->ev->type);
			if (s < 0) {
				e->note = "not a step this state allows";
				continue;
			}
			if (!is_party(out, steps[s].by, e->origin)) {
				e->note = "written by a party that does not own this step";
				continue;
			}
			if (next) {
				/* Two legal answers: the lower hash wins, on every node alike. */
				yx_case_event_t *loser =
				        memcmp(e->hash, next->hash, YX_HASH_BYTES) < 0 ? next : e;
				loser->note = "superseded by a concurrent step with a lower hash";
				if (loser == next)
					next = e;
				continue;
			}
			next = e;
		}
		if (!next)
			break;
		next->applied = true;
		next->note = NULL;
		out->state = steps[step_for(out->state, next->ev->type)].to;
		out->last = next;
		next->step = (unsigned)++out->steps;
	}
	return YX_OK;
}

/* Path first, by step; then the rest by time, seq and origin. */
static bool reads_before(const yx_case_event_t *a, const yx_case_event_t *b)
{
	if (a->applied != b->applied)
		return a->applied;
	if (a->applied)
		return a->step < b->step;
	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms;
	if (a->seq != b->seq)
		return a->seq < b->seq;
	return memcmp(a->origin, b->origin, YX_KEY_BYTES) < 0;
}

size_t yx_case_order(const yx_case_event_t *events, size_t n, const char *case_id, size_t *order)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(events[i].ev->case_id, case_id) != 0)
			continue;
		size_t j = k++;
		for (; j > 0 && reads_before(&events[i], &events[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	return k;
}

bool yx_case_has_step(const yx_case_event_t *events, size_t n, const char *case_id,
                      Yrdx__RelayEventType type)
{
	for (size_t i = 0; i < n; i++)
		if (events[i].applied && events[i].ev->type == type &&
		    strcmp(events[i].ev->case_id, case_id) == 0)
			return true;
	return false;
}

int yx_case_check_step(const yx_case_t *c, Yrdx__RelayEventType type,
                       const uint8_t author[YX_KEY_BYTES], yx_diag_t *diag)
{
	const char *tname = type_word(type) ? type_word(type) : "?";
	int s = step_for(c->state, type);
	if (s < 0)
		return yx_diag_set(diag, YX_EINVAL, "case %s is %s: %s is not a step from there",
		                   c->propose->ev->case_id, yx_case_state_name(c->state), tname);
	if (!is_party(c, steps[s].by, author))
		return yx_diag_set(diag, YX_EINVAL, "case %s: %s belongs to %s, not to this node",
		                   c->propose->ev->case_id, tname, party_name(steps[s].by));
	return YX_OK;
}
