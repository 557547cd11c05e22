/* events: the current records of one kind that a store holds, each with its origin, seq
 * and chain hash (what later events name when they answer it), kept decoded. What the
 * event-sourced derivations — relay cases (relay.h), joint agreements (joint.h) — read. */
#ifndef YRDX_EVENTS_H
#define YRDX_EVENTS_H

#include <stdbool.h>

#include "store.h"

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES];
	Yrdx__Change *change; /* owned decoded copy */
} yx_event_t;

typedef struct {
	yx_event_t *v;
	size_t n;
} yx_events_t;

/* Whether a record belongs to the group asked for (group may be NULL: all). */
typedef bool (*yx_event_keep_fn)(const Yrdx__Change *change, const char *group);

/* Every current record of kind that keep accepts for group. Caller frees with
 * yx_events_free; on error *out is left empty. */
int yx_events_load(yx_store_t *store, yx_kind_t kind, yx_event_keep_fn keep, const char *group,
                   yx_events_t *out);
void yx_events_free(yx_events_t *events);

#endif
