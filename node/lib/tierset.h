/* tierset: the evaluations a store holds, grouped by incubator, so that any incubator's
 * effective tier (tiers.h) is derived without reading the store again — what `stats`,
 * `list incubator --tier`, `report` and `incubator history` share.
 *
 * An evaluation belongs to the incubator of the same origin whose id its own id names
 * ("<incubator id>/<period>", yx_evaluation_incubator); evaluations of other origins
 * never move a city's incubators. */
#ifndef YRDX_TIERSET_H
#define YRDX_TIERSET_H

#include "store.h"
#include "tiers.h"

typedef struct yx_tierset yx_tierset_t;

/* Reads every current evaluation of store (one scan of the kind) into *out. Caller frees
 * with yx_tierset_free. */
int yx_tierset_load(yx_store_t *store, yx_tierset_t **out);
void yx_tierset_free(yx_tierset_t **set);

/* A set built by hand, from evaluations the caller picks (stats --by-year: those written
 * by the end of a year): new, add each (copied; one with an id that names no incubator
 * is left out), then seal before any lookup. Each returns YX_OK or -ENOMEM; the set is
 * freed with yx_tierset_free either way. */
int yx_tierset_new(yx_tierset_t **out);
int yx_tierset_add(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES],
                   const Yrdx__Evaluation *e);
int yx_tierset_seal(yx_tierset_t *set);

/* The evaluations of incubator (a record of origin) in set: how many, and the inputs
 * themselves (owned by set) for yx_tier_derive; 0 and NULL if none. The array may be
 * reordered (yx_tier_derive sorts it): do not share one set between threads. */
size_t yx_tierset_inputs(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES],
                         const char *incubator_id, yx_tier_input_t **inputs);

/* yx_tier_derive of inc (a record of origin) over its evaluations in set. steps (may be
 * NULL) receives one entry per evaluation: room for yx_tierset_inputs' count. */
void yx_tierset_derive(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES],
                       const Yrdx__Incubator *inc, yx_tier_t *out, yx_tier_step_t *steps);

#endif
