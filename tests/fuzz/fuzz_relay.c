/* Fuzz harness: relay-case derivation (node/lib/relay.c) on events built from the input,
 * 4 bytes each: who wrote it (one of three cities), its type, which event it answers
 * (or none), and its case, enterprise and destination (one of two, or none). Each event
 * gets its own seq per city and a chain hash of its own, as in a store. Asserted:
 *   - the derived case does not depend on the order the events are given in;
 *   - every applied step was written by the city that owns it (ACCEPT, DECLINE and LAND
 *     by the destination, WITHDRAW by the source, CLOSE by either), answers the step
 *     applied before it, and names the PROPOSE's enterprise;
 *   - a step yx_case_check_step allows, written next, is applied by the derivation. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CITIES     3
#define MAX_EVENTS 48
#define PROPOSE    YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE

static const char *const case_ids[2] = {"a-1", "b-7"};
static const char *const codes[2] = {"91310115MA1K3YJ12G", "91320500MA1MXXXX1A"};

typedef struct {
	uint8_t keys[CITIES][YX_KEY_BYTES];
	size_t n;
	Yrdx__RelayEvent ev[MAX_EVENTS + 1];
	Yrdx__ChangeRef ref[MAX_EVENTS + 1];
	yx_case_event_t e[MAX_EVENTS + 1];
} events_t;

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_relay: %s\n", why);
	abort();
}

static void event_hash(events_t *s, size_t i, const uint8_t *bytes, size_t len)
{
	crypto_generichash_state h;
	uint64_t idx = i;
	crypto_generichash_init(&h, NULL, 0, YX_HASH_BYTES);
	crypto_generichash_update(&h, (const uint8_t *)&idx, sizeof(idx));
	crypto_generichash_update(&h, bytes, len);
	crypto_generichash_final(&h, s->e[i].hash, YX_HASH_BYTES);
}

/* Points event i's answer at event k (its origin, seq and hash), as the daemon links it. */
static void link_to(events_t *s, size_t i, size_t k)
{
	s->ref[i].origin = (ProtobufCBinaryData){YX_KEY_BYTES, s->e[k].origin};
	s->ref[i].seq = s->e[k].seq;
	s->ref[i].hash = (ProtobufCBinaryData){YX_HASH_BYTES, s->e[k].hash};
	s->ev[i].answers = &s->ref[i];
}

static void events_build(events_t *s, const uint8_t *data, size_t size)
{
	uint64_t seqs[CITIES] = {0};
	memset(s, 0, sizeof(*s));
	for (int c = 0; c < CITIES; c++)
		memset(s->keys[c], 0x10 * (c + 1), YX_KEY_BYTES);
	s->n = size / 4 < MAX_EVENTS ? size / 4 : MAX_EVENTS;
	for (size_t i = 0; i < s->n; i++) {
		const uint8_t *b = data + 4 * i;
		Yrdx__RelayEvent *ev = &s->ev[i];
		yrdx__relay_event__init(ev);
		yrdx__change_ref__init(&s->ref[i]);
		int city = b[0] % CITIES;
		memcpy(s->e[i].origin, s->keys[city], YX_KEY_BYTES);
		s->e[i].seq = ++seqs[city];
		event_hash(s, i, b, 4);
		s->e[i].ev = ev;
		ev->type = (Yrdx__RelayEventType)(b[1] % 7);
		ev->case_id = (char *)case_ids[b[3] & 1];
		ev->credit_code = (char *)codes[(b[3] >> 1) & 1];
		int dest = (b[3] >> 2) & 3;
		if (dest < CITIES)
			ev->destination_node =
			        (ProtobufCBinaryData){YX_KEY_BYTES, s->keys[(dest + 1) % CITIES]};
	}
	/* Answers once every hash is known: any event, earlier or later, or none. */
	for (size_t i = 0; i < s->n; i++) {
		uint8_t a = data[4 * i + 2];
		if (a == 0)
			continue;
		link_to(s, i, (size_t)(a - 1) % s->n);
		if (a >= 0xf0) /* a reference that is off by one byte of its hash */
			s->ref[i].hash.len = YX_HASH_BYTES - 1;
	}
}

static const yx_case_event_t *find(const events_t *s, const yx_case_event_t *x)
{
	for (size_t i = 0; x && i < s->n; i++)
		if (s->e[i].seq == x->seq && memcmp(s->e[i].origin, x->origin, YX_KEY_BYTES) == 0)
			return &s->e[i];
	return NULL;
}

/* Who owns a step of type, as docs/design.md states the rules. */
static void owner_check(const yx_case_t *c, const yx_case_event_t *e)
{
	Yrdx__RelayEventType t = e->ev->type;
	bool src = memcmp(e->origin, c->source, YX_KEY_BYTES) == 0;
	bool dst = memcmp(e->origin, c->destination, YX_KEY_BYTES) == 0;
	bool ok = t == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT     ? dst
	          : t == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE  ? dst
	          : t == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND     ? dst
	          : t == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW ? src
	          : t == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE    ? src || dst
	                                                                   : false;
	if (!ok)
		fail("a step applied from the wrong city");
	if (strcmp(e->ev->credit_code, c->propose->ev->credit_code) != 0)
		fail("a step naming another enterprise applied");
}

static void case_check(events_t *s, const char *case_id)
{
	yx_case_t c, d;
	int ret = yx_case_derive(s->e, s->n, case_id, &c);

	/* The same events in another order (seeded by the events themselves). */
	events_t *r = malloc(sizeof(*r));
	if (!r)
		return;
	*r = *s;
	uint64_t x = s->n ? s->e[0].hash[0] * 0x9e3779b97f4a7c15ULL + s->n : 1;
	for (size_t i = r->n; i > 1; i--) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t k = x % i;
		yx_case_event_t t = r->e[i - 1];
		r->e[i - 1] = r->e[k];
		r->e[k] = t;
	}
	int ret2 = yx_case_derive(r->e, r->n, case_id, &d);
	if (ret != ret2)
		fail("whether the case exists depends on the events' order");
	if (ret != YX_OK)
		goto out;
	if (c.state != d.state || c.steps != d.steps || find(s, c.propose) != find(s, d.propose) ||
	    find(s, c.last) != find(s, d.last))
		fail("the derived case depends on the events' order");
	size_t applied = 0;
	for (size_t i = 0; i < s->n; i++) {
		const yx_case_event_t *e = &s->e[i];
		if (strcmp(e->ev->case_id, case_id) != 0)
			continue; /* another case's: its flags are that derivation's */
		if (find(r, e)->applied != e->applied)
			fail("whether an event applies depends on the events' order");
		if (!e->applied)
			continue;
		applied++;
		if (e == c.propose)
			continue;
		owner_check(&c, e);
		/* It answers an applied event of the case. */
		bool answered = false;
		for (size_t k = 0; k < s->n; k++)
			answered |=
			        s->e[k].applied && strcmp(s->e[k].ev->case_id, case_id) == 0 &&
			        e->ev->answers && e->ev->answers->seq == s->e[k].seq &&
			        memcmp(e->ev->answers->hash.data, s->e[k].hash, YX_HASH_BYTES) == 0;
		if (!answered)
			fail("an applied step answers no applied step");
	}
	if (applied != c.steps)
		fail("the steps counted are not the events applied");

	/* A step the check allows, written next, applies. */
	for (int type = 0; type < 7; type++) {
		for (int city = 0; city < CITIES; city++) {
			yx_diag_t diag;
			if (yx_case_check_step(&c, (Yrdx__RelayEventType)type, s->keys[city],
			                       &diag) != YX_OK)
				continue;
			events_t *w = r; /* reuse: s plus one event */
			*w = *s;
			size_t i = w->n++;
			uint8_t b[4] = {(uint8_t)city, (uint8_t)type, 0xee, 0xee};
			w->ev[i] = *c.propose->ev;
			w->ev[i].type = (Yrdx__RelayEventType)type;
			memcpy(w->e[i].origin, s->keys[city], YX_KEY_BYTES);
			w->e[i].seq = 1000;
			event_hash(w, i, b, sizeof(b));
			w->e[i].ev = &w->ev[i];
			link_to(w, i, (size_t)(find(s, c.last) - s->e));
			/* The copies point at s's refs: repoint each at w's own. */
			for (size_t k = 0; k < s->n; k++)
				w->e[k].ev = &w->ev[k];
			if (yx_case_derive(w->e, w->n, case_id, &d) != YX_OK || d.last != &w->e[i])
				fail("a step the check allowed did not apply");
		}
	}
out:
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	events_t *s = malloc(sizeof(*s));
	if (!s)
		return 0;
	events_build(s, data, size);
	for (int k = 0; k < 2; k++)
		case_check(s, case_ids[k]);
	free(s);
	return 0;
}
