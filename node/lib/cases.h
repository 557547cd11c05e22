/* cases: the relay-case events a store holds, loaded for derivation (relay.h). One case
 * is read through the credit-code index in one snapshot (events.h): its cost follows the
 * enterprise's events, not the store's. */
#ifndef YRDX_CASES_H
#define YRDX_CASES_H

#include "events.h"
#include "relay.h"

typedef struct {
	yx_case_event_t *events; /* point into raw */
	yx_events_t raw;         /* owned: each event's change, same order */
	size_t n;
} yx_case_events_t;

/* The current relay events of case case_id in store — its PROPOSE, found by its record
 * id (yx_case_event_id) at the one origin whose key the case id names, and every event
 * under its credit code that names the case — or of all cases if case_id is NULL (a
 * scan), with origin, seq and chain hash. A case id that names no key (relay.h) has no
 * events. A PROPOSE written under another record id is not found by case (yrdx writes
 * none). Caller frees with yx_case_events_free; on error *out is left empty. */
int yx_case_events_load(yx_store_t *store, const char *case_id, yx_case_events_t *out);

/* As yx_case_events_load, but the PROPOSEs naming the case are read at every origin,
 * with the events under their credit codes: the claims of other keys on the case too,
 * for showing them (never applied). One lookup per city. */
int yx_case_claims_load(yx_store_t *store, const char *case_id, yx_case_events_t *out);
/* Every relay event under enterprise credit_code: the events of all its cases, for
 * deriving each (yx_case_derive on the whole set) — relay suggest's declined parks, a
 * profile's cases. */
int yx_case_events_load_enterprise(yx_store_t *store, const char *credit_code,
                                   yx_case_events_t *out);
void yx_case_events_free(yx_case_events_t *events);

/* Calls fn(arg, case id, case) for every case whose opening PROPOSE is among events, each
 * derived once over its own events: the events are reordered, grouped by case id, so the
 * cost is a sort, not cases × events. The events' applied marks and notes are then those
 * of their case; c points into events. Returns fn's first non-zero, else YX_OK. */
typedef int (*yx_case_fn)(void *arg, const char *case_id, const yx_case_t *c);
int yx_cases_each(yx_case_events_t *events, yx_case_fn fn, void *arg);

/* The origin of the city that opened case_id: the origin whose key the case id names and
 * that holds the case's PROPOSE (one point lookup). YX_OK with origin set; YX_ENOTFOUND
 * if this store holds no such PROPOSE (or the id names no key); a store error. */
int yx_case_proposer(yx_store_t *store, const char *case_id, uint8_t origin[YX_KEY_BYTES]);

#endif
