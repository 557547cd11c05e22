/* events: the current records of an event-sourced kind that a store holds — relay-case
 * events (cases.h), joint participations (joint.h) — each with its origin, seq and chain
 * hash (what later events name when they answer it), for derivation.
 *
 * One group (a case, an agreement) is loaded through the store's indexes in one read
 * snapshot, so its cost follows the group, not the store's history: the group's anchors
 * (the record every party writes under a known id, such as a case's PROPOSE) are looked
 * up by id at each origin, and where the kind says so the rest is found under the
 * anchor's credit code. Records are handed over as stored and decoded once, into the
 * set's own arena: nothing is re-encoded. */
#ifndef YRDX_EVENTS_H
#define YRDX_EVENTS_H

#include <stdbool.h>

#include "arena.h"
#include "store.h"

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES];
	const Yrdx__Change *change; /* decoded into the set's arena */
} yx_event_t;

typedef struct {
	yx_event_t *v;
	size_t n, cap;
	yx_arena_t arena; /* every event's change */
} yx_events_t;

/* How the records of one group of a kind are recognised and found. */
typedef struct {
	yx_kind_t kind;
	/* Whether change is of group (group NULL: of any). */
	bool (*keep)(const Yrdx__Change *change, const char *group);
	/* The record id every group's anchor has, whoever wrote it, into id (cap bytes);
	 * false if group cannot have one. */
	bool (*anchor_id)(const char *group, char *id, size_t cap);
	/* NULL: the anchors are the whole group. Else the credit code the group's records
	 * are indexed under, read from an anchor of it (NULL if the anchor names none). */
	const char *(*term)(const Yrdx__Change *anchor);
	/* NULL: anchors are looked up at every origin. Else how many leading bytes of the
	 * anchor's origin key the group names, into prefix (at most YX_KEY_BYTES; 0: any
	 * origin): the anchor is looked up at that origin only. */
	size_t (*anchor_origin)(const char *group, uint8_t prefix[YX_KEY_BYTES]);
} yx_event_kind_t;

/* The records of kind of group (every one if group is NULL: a scan of the kind), in
 * state key order, into out. Caller frees with yx_events_free; on error *out is left
 * empty. */
int yx_events_load(yx_store_t *store, const yx_event_kind_t *kind, const char *group,
                   yx_events_t *out);

/* Every record of kind under credit code code (the credit-code index), whatever its group:
 * all of an enterprise's relay cases at once, in one read snapshot. Caller frees with
 * yx_events_free; on error *out is left empty. */
int yx_events_load_code(yx_store_t *store, const yx_event_kind_t *kind, const char *code,
                        yx_events_t *out);

/* Frees what out holds and empties it; accepts an emptied or zeroed set. */
void yx_events_free(yx_events_t *events);

#endif
