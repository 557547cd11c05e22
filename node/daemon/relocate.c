/* relocate: this city's record of an enterprise it relayed to another city turns
 * relocated (已迁出) once that city has landed it.
 *
 * The destination writes its own record (stage landed) in the batch of its LAND
 * (author.c); the source learns of the landing when the LAND arrives, and writes its own
 * record again with stage relocated and the case, so that every city's registry says where
 * the enterprise is and stats count it at the city it landed in. The work is driven by the
 * arrivals (the local order in which relay events were stored, store.h): after a commit
 * the arrivals past our cursor are read for LANDs of cases this node proposed, at start
 * from the first one (whatever was missed before a crash is reconciled then). A write the
 * writer refuses (fence, full store) leaves the cursor where it was and is tried again
 * after a back-off. It is idempotent: a record already relocated through the case is left
 * alone, and so is one a later case has moved since (landed here again, or relocated
 * through another case after our PROPOSE). main.c registers yxd_relocate_moved as a commit
 * hook and calls yxd_relocate_due from the loop; the writer names neither. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "log.h"
#include "yrdxd.h"

#define SCAN_MAX    4096 /* arrivals read per pass: a start over a long history is sliced */
#define CASES_MAX   256  /* landed cases handled (one batch) per pass */
#define BACKOFF_MIN 1000
#define BACKOFF_MAX 60000

/* The LANDs of our cases that arrived past the cursor (written by another city). */
typedef struct {
	const uint8_t *self;
	char (*cases)[YX_CASE_ID_MAX + 1];
	uint64_t *arrival; /* parallel: the arrival number of each */
	size_t n;
	uint64_t last; /* the last arrival read */
	size_t read;
} gather_t;

static int gather(void *arg, const yx_arrival_t *a)
{
	gather_t *g = arg;
	const Yrdx__Change *c = a->change;
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t seq;
	if (g->n == CASES_MAX || g->read == SCAN_MAX)
		return 1;
	g->read++;
	g->last = a->n;
	if (c->body_case != YRDX__CHANGE__BODY_RELAY_EVENT ||
	    c->relay_event->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND ||
	    memcmp(a->origin, g->self, YX_KEY_BYTES) == 0 ||
	    !yx_case_id_parse(c->relay_event->case_id, &seq, fp) ||
	    memcmp(fp, g->self, YX_CASE_FP_BYTES) != 0 ||
	    strlen(c->relay_event->case_id) > YX_CASE_ID_MAX)
		return 0;
	strcpy(g->cases[g->n], c->relay_event->case_id);
	g->arrival[g->n++] = a->n;
	return 0;
}

/* Whether our record r (of our log, at r->seq) still has to say the enterprise left
 * through the case whose PROPOSE is our seq propose_seq. */
static bool needs_relocating(const Yrdx__Change *r, const char *case_id, uint64_t propose_seq)
{
	const Yrdx__Enterprise *e = r->enterprise;
	bool other_case =
	        e->relay_case_id && e->relay_case_id[0] && strcmp(e->relay_case_id, case_id) != 0;
	if (e->stage == YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED && !other_case)
		return false;
	/* Written after our PROPOSE and naming another case: a later case moved it since. */
	return !(r->seq > propose_seq && other_case);
}

/* Our record of the enterprise case_id relayed, as relocated, into b — if the case is one
 * of ours that landed in another city and the record still needs it. YX_OK also when
 * there is nothing to write; else the error (the batch then holds nothing reliable). */
static int relocate_case(yxd_t *d, yx_batch_t *b, const char *case_id, size_t *written)
{
	yx_case_events_t ev = {0};
	yx_case_t cs;
	Yrdx__Change *own = NULL, c = YRDX__CHANGE__INIT;
	Yrdx__Enterprise e;
	const Yrdx__RelayEvent *p;
	yx_diag_t diag = {{0}};
	int ret = yx_case_events_load(d->store, case_id, &ev);
	if (ret)
		return ret;
	if (yx_case_derive(ev.events, ev.n, case_id, &cs) != YX_OK ||
	    memcmp(cs.source, d->origin, YX_KEY_BYTES) != 0 ||
	    memcmp(cs.destination, d->origin, YX_KEY_BYTES) == 0 ||
	    !yx_case_has_step(ev.events, ev.n, case_id,
	                      YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND))
		goto out; /* not on the case's path (yet): nothing left us */
	p = cs.propose->ev;
	if (yx_store_get(d->store, YX_KIND_ENTERPRISE, d->origin, p->credit_code, &own) != YX_OK ||
	    !needs_relocating(own, case_id, cs.propose->seq))
		goto out; /* retracted here, or said already */
	e = *own->enterprise;
	e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
	e.relay_case_id = (char *)case_id;
	e.park_id = NULL; /* in none of our parks any more */
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &e);
	c.id = e.credit_code;
	/* Registered before a charter narrowed our jurisdiction: not ours to write. */
	if (yxd_jurisdiction_local(d, &c, &diag) != YX_OK) {
		yx_log_warn("relay case %s landed: enterprise %s stays as it is here: %s", case_id,
		            p->credit_code, diag.msg);
		goto out;
	}
	ret = yx_batch_put(b, &c, &diag);
	if (ret == YX_EINVAL) { /* validated first: nothing appended */
		yx_log_error("relay case %s landed: enterprise %s cannot be marked relocated: %s",
		             case_id, p->credit_code, diag.msg);
		ret = YX_OK;
	} else if (ret == YX_OK) {
		(*written)++;
		yx_log_info("relay case %s landed elsewhere: enterprise %s now relocated (已迁出) "
		            "here",
		            case_id, p->credit_code);
	}
out:
	yx_change_free(&own);
	yx_case_events_free(&ev);
	return ret;
}

void yxd_relocate_start(yxd_t *d)
{
	memset(&d->relocate, 0, sizeof(d->relocate));
	d->relocate.due = true; /* from the first arrival: what a crash left undone */
}

void yxd_relocate_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)origins;
	(void)n;
	d->relocate.due = true;
}

/* A write refused: the cursor stays, the same cases are tried again later. */
static void back_off(yxd_t *d, int64_t now_ms, int err, const char *why)
{
	yxd_relocate_t *r = &d->relocate;
	r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : BACKOFF_MIN;
	if (r->backoff_ms > BACKOFF_MAX)
		r->backoff_ms = BACKOFF_MAX;
	r->retry_ms = now_ms + r->backoff_ms;
	if (!r->refused)
		yx_log_warn("enterprises relayed elsewhere cannot be marked relocated yet (%s); "
		            "trying again in %u ms",
		            why[0] ? why : yx_strerror(err), r->backoff_ms);
	r->refused = true;
}

void yxd_relocate_due(yxd_t *d, int64_t now_ms)
{
	yxd_relocate_t *r = &d->relocate;
	if (!r->due || now_ms < r->retry_ms)
		return;
	char(*cases)[YX_CASE_ID_MAX + 1] = malloc(CASES_MAX * sizeof(*cases));
	uint64_t *arrival = malloc(CASES_MAX * sizeof(*arrival));
	gather_t g = {d->origin, cases, arrival, 0, r->cursor, 0};
	yx_batch_t *b = NULL;
	yx_diag_t diag = {{0}};
	size_t written = 0;
	int ret = cases && arrival ? yx_store_arrivals(d->store, r->cursor, gather, &g) : -ENOMEM;
	if (ret != YX_OK && ret != 1) { /* 1: gather stopped at its limits */
		back_off(d, now_ms, ret, "");
		goto out;
	}
	r->due = g.read == SCAN_MAX || g.n == CASES_MAX; /* more to read: the next pass */
	if (g.n == 0) {
		r->cursor = g.last;
		goto out;
	}
	if ((ret = yxd_writer_begin(d, &b, &diag))) {
		r->due = true;
		back_off(d, now_ms, ret, diag.msg);
		goto out;
	}
	for (size_t i = 0; i < g.n && ret == YX_OK; i++)
		ret = relocate_case(d, b, cases[i], &written);
	if (ret == YX_OK && written)
		ret = yxd_writer_commit(d, &b, NULL, &diag);
	else
		yx_batch_abort(&b); /* an error, or nothing to say */
	if (ret) {
		r->due = true;
		back_off(d, now_ms, ret, diag.msg);
		goto out;
	}
	/* Read up to the last case gathered, or all that was read if the scan ended. */
	r->cursor = g.n == CASES_MAX ? arrival[g.n - 1] : g.last;
	r->backoff_ms = 0;
	r->retry_ms = 0;
	if (r->refused)
		yx_log_info("relocated records are written again");
	r->refused = false;
out:
	free(cases);
	free(arrival);
}
