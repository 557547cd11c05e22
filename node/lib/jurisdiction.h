/* jurisdiction (管辖范围): which cities' records a member city node may write. An
 * incubator, an enterprise and a park each name their city; a member writes them only
 * for the cities its charter entry lists (charter.h, yx_member_t.jurisdiction; by default
 * its own city). Every other kind, and a retraction, names no city and is not limited.
 *
 * The one decision, made alike where this node writes (yrdxd's put, import and relay
 * PROPOSE; yrdxctl import's first pass) and where it receives (the store's admit rule,
 * yrdxd jurisdiction.c). Nothing here asserts on its input. */
#ifndef YRDX_JURISDICTION_H
#define YRDX_JURISDICTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charter.h"
#include "codec.h"
#include "error.h"

/* The city c's record names: true for an incubator, enterprise or park body (its `city`),
 * false for every other body and for a tombstone. */
bool yx_change_city(const Yrdx__Change *c, uint32_t *city);

/* The jurisdiction of a node the charter does not name (yet): its own city, as a member
 * admitted with the default would have. Fills m with name, city and jurisdiction {city}
 * only; m is for yx_jurisdiction_check and yx_jurisdiction_text, nothing else. */
void yx_jurisdiction_own(yx_member_t *m, const char *name, uint32_t city);

/* m's jurisdiction as people read it: "340100 合肥" or "320100 南京, 320500 苏州" (cut
 * short with "…" if cap is too small). Returns out. */
const char *yx_jurisdiction_text(const yx_member_t *m, char *out, size_t cap);

/* Whether member m may write c: YX_OK for a record of a city in m's jurisdiction or a
 * change that names no city; otherwise err, with diag naming the record's city (code and
 * Chinese name) and m's jurisdiction — the caller names the record as it knows it (a
 * row, a put's record number, an origin's seq):
 *   city 310000 上海 is outside the jurisdiction (管辖范围) of hefei: 340100 合肥 */
int yx_jurisdiction_check(const yx_member_t *m, const Yrdx__Change *c, int err, yx_diag_t *diag)
        __attribute__((warn_unused_result));

#endif
