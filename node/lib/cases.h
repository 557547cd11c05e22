/* cases: the relay-case events a store holds, loaded for derivation (relay.h). */
#ifndef YRDX_CASES_H
#define YRDX_CASES_H

#include "events.h"
#include "relay.h"

typedef struct {
	yx_case_event_t *events; /* point into raw */
	yx_events_t raw;         /* owned: each event's change, same order */
	size_t n;
} yx_case_events_t;

/* Every current relay event in store (of case case_id, or of all cases if NULL), with
 * its origin, seq and chain hash. Caller frees with yx_case_events_free. */
int yx_case_events_load(yx_store_t *store, const char *case_id, yx_case_events_t *out);
void yx_case_events_free(yx_case_events_t *events);

#endif
