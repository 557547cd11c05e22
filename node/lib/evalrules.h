/* evalrules: the rules of an evaluation (跟踪评估) that need the registry — what
 * validate.c cannot decide from the record alone:
 *
 *   - it evaluates an incubator of the same origin's registry that is live (not
 *     retracted): a city evaluates its own incubators;
 *   - 启动建设经费 (startup_funding_wan_yuan) is granted once, in the incubator's earliest
 *     evaluated period: refused if an evaluation of an earlier period exists, or another
 *     evaluation of the incubator already carries it;
 *   - 年度运营补贴 (operating_subsidy_wan_yuan) at most once per calendar year per
 *     incubator.
 *
 * The records already stored count, and so do the records checked earlier with the same
 * checker — one put request, one import file — as if they were stored: an import of
 * incubators and their evaluations, or two evaluations of one incubator in one file.
 * Another version of the same evaluation (same id) replaces it, so putting a record
 * again is judged as the record it replaces was.
 *
 * The one decision, made where this node writes (yrdxd's put path, which import's
 * batches go through) and where yrdxctl checks without writing (put --dry-run through
 * the daemon, import's first pass on the store opened read-only). Input comes from files
 * and the command line: nothing asserts on it. */
#ifndef YRDX_EVALRULES_H
#define YRDX_EVALRULES_H

#include "codec.h"
#include "error.h"
#include "store.h"

typedef struct yx_evalrules yx_evalrules_t;

/* A checker of the records origin writes, against what store holds of origin's (store
 * may be NULL: nothing is stored yet). store must outlive the checker; each lookup reads
 * it once, as it is at that moment. YX_OK or -ENOMEM; caller frees with
 * yx_evalrules_free. */
int yx_evalrules_new(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], yx_evalrules_t **out);

/* Frees and nulls; accepts NULL. */
void yx_evalrules_free(yx_evalrules_t **rules);

/* Checks change c, the next record origin writes (any kind; c already passed
 * yx_validate_record), and, if it passes, notes it as if stored: an incubator or its
 * retraction, an evaluation or its retraction. Records of other kinds pass untouched.
 * YX_OK; YX_EINVAL with diag naming the field and why (the diag carries the field's
 * path, for a CSV column):
 *   evaluation.startup_funding_wan_yuan: 500 万元: 启动建设经费 is granted once, ...
 * YX_ESTORE and the like if the store cannot be read; -ENOMEM. */
int yx_evalrules_check(yx_evalrules_t *rules, const Yrdx__Change *c, yx_diag_t *diag);

#endif
