/* Store test fixtures: what the test_store* unit tests share, cmocka asserts inside (so
 * for unit tests only, unlike fixtures.h): batches of enterprises, a log's segment copied
 * out as a peer sends it, counts of what a store holds, and a refused append checked to
 * leave the store as it was. */
#ifndef YRDX_STORE_FX_H
#define YRDX_STORE_FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fixtures.h"
#include "store.h"

/* A segment of a store's log copied out, as a peer would send it. */
typedef struct {
	size_t n;
	yx_entry_t *e;
	uint8_t **bytes;
	uint8_t (*digests)[YX_HASH_BYTES];
	yx_head_t head;
} sfx_segment_t;

/* Entries (first, head at or after first] of origin's log in store; with stubs, every
 * change as a stub (its digest only). sfx_segment_free it. */
sfx_segment_t sfx_segment_read(yx_store_t *store, const uint8_t *origin, uint64_t first,
                               bool stubs);
/* Frees what sfx_segment_read allocated for s. */
void sfx_segment_free(sfx_segment_t *s);

/* A yx_store_find / yx_store_scan callback: counts the records in the size_t at arg. */
int sfx_count_record(void *arg, const uint8_t *origin, uint64_t seq, const Yrdx__Change *c);

/* Retractions that are their records' last word, of any kind. */
size_t sfx_count_retracted(fx_node_t *n);

/* Expects append to fail with err and leave b's data file and digest untouched. */
void sfx_expect_rejected(fx_node_t *b, const uint8_t *origin, sfx_segment_t *s, int err,
                         const char *msg_part);

#endif
