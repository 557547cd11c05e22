#include "evalrules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "reflect.h"
#include "text.h"
#include "tiers.h"
#include "validate.h"

/* One evaluation of an incubator, as the funding rules read it. */
typedef struct {
	char id[YX_MAX_ID_LEN + 1];
	yx_period_t period;
	uint64_t startup, subsidy;
} eval_t;

typedef enum { LIVE_UNKNOWN, LIVE_YES, LIVE_NO } live_t;

/* An incubator of the origin's registry as far as this checker has looked: whether it is
 * live (read from the store once, then as the records checked since say), and its
 * evaluations (read once when the first one is checked, then kept up to date). */
typedef struct {
	char id[YX_MAX_ID_LEN + 1];
	live_t live;
	bool retracted_here; /* by a record checked with this checker */
	bool evals_loaded;
	eval_t *evals;
	size_t n, cap;
} inc_t;

struct yx_evalrules {
	yx_store_t *store;
	uint8_t origin[YX_KEY_BYTES];
	inc_t **slots; /* open addressing by id */
	size_t cap, n;
};

int yx_evalrules_new(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], yx_evalrules_t **out)
{
	yx_evalrules_t *r = calloc(1, sizeof(*r));
	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->store = store;
	memcpy(r->origin, origin, YX_KEY_BYTES);
	*out = r;
	return YX_OK;
}

void yx_evalrules_free(yx_evalrules_t **rp)
{
	yx_evalrules_t *r = *rp;
	if (!r)
		return;
	for (size_t i = 0; i < r->cap; i++)
		if (r->slots[i]) {
			free(r->slots[i]->evals);
			free(r->slots[i]);
		}
	free(r->slots);
	free(r);
	*rp = NULL;
}

/* ---- the incubators looked at ---- */

static size_t id_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (size_t)h;
}

/* The incubator id names, added (unknown) if new; NULL out of memory. */
static inc_t *inc_get(yx_evalrules_t *r, const char *id)
{
	size_t k;
	if (r->n * 4 >= r->cap * 3) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		inc_t **s = calloc(cap, sizeof(*s));
		if (!s)
			return NULL;
		for (size_t i = 0; i < r->cap; i++) {
			if (!r->slots[i])
				continue;
			for (k = id_hash(r->slots[i]->id) & (cap - 1); s[k];
			     k = (k + 1) & (cap - 1))
				;
			s[k] = r->slots[i];
		}
		free(r->slots);
		r->slots = s;
		r->cap = cap;
	}
	for (k = id_hash(id) & (r->cap - 1); r->slots[k]; k = (k + 1) & (r->cap - 1))
		if (strcmp(r->slots[k]->id, id) == 0)
			return r->slots[k];
	inc_t *inc = calloc(1, sizeof(*inc));
	if (!inc)
		return NULL;
	snprintf(inc->id, sizeof(inc->id), "%s", id);
	r->slots[k] = inc;
	r->n++;
	return inc;
}

/* Whether the store holds inc as a live record of the origin (once). */
static int inc_live(yx_evalrules_t *r, inc_t *inc)
{
	Yrdx__Change *c = NULL;
	int ret = YX_OK;
	if (inc->live != LIVE_UNKNOWN)
		return YX_OK;
	inc->live = LIVE_NO;
	if (!r->store)
		return YX_OK;
	ret = yx_store_get(r->store, YX_KIND_INCUBATOR, r->origin, inc->id, &c);
	if (ret == YX_OK)
		inc->live = LIVE_YES;
	yx_change_free(&c);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

/* Adds (or, by id, replaces) an evaluation of inc. */
static int eval_put(inc_t *inc, const eval_t *e)
{
	for (size_t i = 0; i < inc->n; i++)
		if (strcmp(inc->evals[i].id, e->id) == 0) {
			inc->evals[i] = *e;
			return YX_OK;
		}
	if (yx_grow(inc->evals, inc->cap, inc->n + 1, 8))
		return -ENOMEM;
	inc->evals[inc->n++] = *e;
	return YX_OK;
}

static void eval_drop(inc_t *inc, const char *id)
{
	for (size_t i = 0; i < inc->n; i++)
		if (strcmp(inc->evals[i].id, id) == 0) {
			inc->evals[i] = inc->evals[--inc->n];
			return;
		}
}

/* An evaluation record as the rules read it; false if its period is not one. */
static bool eval_from(const Yrdx__Evaluation *m, eval_t *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", m->id ? m->id : "");
	e->startup = m->startup_funding_wan_yuan;
	e->subsidy = m->operating_subsidy_wan_yuan;
	return yx_period_parse(m->period, &e->period);
}

typedef struct {
	yx_evalrules_t *r;
	inc_t *inc;
	int err;
} load_t;

static int load_one(void *arg, const yx_stored_t *rec)
{
	load_t *l = arg;
	const Yrdx__Change *c = rec->change;
	eval_t e;
	if (memcmp(rec->origin, l->r->origin, YX_KEY_BYTES) != 0 ||
	    c->body_case != YRDX__CHANGE__BODY_EVALUATION || !c->evaluation ||
	    strcmp(c->evaluation->incubator_id, l->inc->id) != 0 || !eval_from(c->evaluation, &e))
		return 0;
	return (l->err = eval_put(l->inc, &e)) ? 1 : 0;
}

/* The origin's stored evaluations of inc, through the incubator index (once). */
static int inc_load_evals(yx_evalrules_t *r, inc_t *inc)
{
	yx_snap_t *snap = NULL;
	load_t l = {r, inc, YX_OK};
	int ret = YX_OK;
	if (inc->evals_loaded)
		return YX_OK;
	if (r->store && (ret = yx_snap_open(r->store, &snap)) == YX_OK) {
		ret = yx_snap_find(snap, YX_INDEX_INCUBATOR, inc->id, strlen(inc->id),
		                   YX_KIND_EVALUATION, NULL, load_one, &l);
		if (ret == 1)
			ret = l.err;
		yx_snap_close(&snap);
	}
	inc->evals_loaded = ret == YX_OK;
	return ret;
}

/* ---- the rules ---- */

static int refuse(yx_diag_t *diag, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int refuse(yx_diag_t *diag, const char *field, const char *fmt, ...)
{
	yx_path_t p;
	va_list ap;
	yx_path_init(&p, &yrdx__evaluation__descriptor);
	yx_path_push_name(&p, field, -1);
	va_start(ap, fmt);
	yx_diag_vat(diag, YX_EINVAL, &p, fmt, ap);
	va_end(ap);
	return YX_EINVAL;
}

static int check_evaluation(yx_evalrules_t *r, const Yrdx__Evaluation *m, yx_diag_t *diag)
{
	char q[YX_QUOTE_BUF];
	inc_t *inc;
	eval_t e;
	int ret;

	if (!eval_from(m, &e))
		return refuse(diag, "period", "%s: not a period, expected " YX_PERIOD_FORM,
		              yx_quote(q, m->period, strlen(m->period)));
	if (!(inc = inc_get(r, m->incubator_id)))
		return -ENOMEM;
	if ((ret = inc_live(r, inc)))
		return ret;
	if (inc->live != LIVE_YES)
		return refuse(diag, "incubator_id",
		              "%s: %s; a city evaluates the incubators of its own registry",
		              yx_quote(q, m->incubator_id, strlen(m->incubator_id)),
		              inc->retracted_here
		                      ? "that incubator is retracted earlier in this batch"
		                      : "no incubator of this city's registry has this id");
	if ((ret = inc_load_evals(r, inc)))
		return ret;
	for (size_t i = 0; i < inc->n; i++) {
		const eval_t *o = &inc->evals[i];
		if (strcmp(o->id, e.id) == 0)
			continue; /* the version this one replaces */
		if (e.startup && o->startup)
			return refuse(
			        diag, "startup_funding_wan_yuan",
			        "%llu 万元: 启动建设经费 (startup funding) is granted once, and %s "
			        "already carries it (%llu 万元)",
			        (unsigned long long)e.startup, o->id,
			        (unsigned long long)o->startup);
		if (e.startup && yx_period_compare(&o->period, &e.period) < 0)
			return refuse(
			        diag, "startup_funding_wan_yuan",
			        "%llu 万元 in %s: 启动建设经费 (startup funding) is granted in the "
			        "incubator's earliest evaluated period, and %s is of an earlier "
			        "one",
			        (unsigned long long)e.startup, m->period, o->id);
		if (e.subsidy && o->subsidy && o->period.year == e.period.year)
			return refuse(
			        diag, "operating_subsidy_wan_yuan",
			        "%llu 万元: 年度运营补贴 (operating subsidy) is granted at most "
			        "once "
			        "a calendar year, and %s already carries it for %u (%llu 万元)",
			        (unsigned long long)e.subsidy, o->id, (unsigned)e.period.year,
			        (unsigned long long)o->subsidy);
	}
	return eval_put(inc, &e);
}

/* A retraction: the incubator is no longer live; the evaluation no longer counts. */
static int note_retraction(yx_evalrules_t *r, const Yrdx__Change *c)
{
	char incubator[YX_MAX_ID_LEN + 1];
	inc_t *inc;
	int ret;
	if (!c->id)
		return YX_OK;
	if (c->kind == YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR) {
		if (!(inc = inc_get(r, c->id)))
			return -ENOMEM;
		inc->live = LIVE_NO;
		inc->retracted_here = true;
		return YX_OK;
	}
	if (c->kind != YRDX__RECORD_KIND__RECORD_KIND_EVALUATION ||
	    !yx_evaluation_incubator(c->id, incubator, sizeof(incubator)))
		return YX_OK;
	if (!(inc = inc_get(r, incubator)))
		return -ENOMEM;
	if ((ret = inc_load_evals(r, inc)))
		return ret;
	eval_drop(inc, c->id);
	return YX_OK;
}

int yx_evalrules_check(yx_evalrules_t *r, const Yrdx__Change *c, yx_diag_t *diag)
{
	inc_t *inc;
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_TOMBSTONE: return note_retraction(r, c);
	case YRDX__CHANGE__BODY_INCUBATOR:
		if (!c->incubator || !c->incubator->id)
			return YX_OK;
		if (!(inc = inc_get(r, c->incubator->id)))
			return -ENOMEM;
		inc->live = LIVE_YES;
		inc->retracted_here = false;
		return YX_OK;
	case YRDX__CHANGE__BODY_EVALUATION:
		return c->evaluation ? check_evaluation(r, c->evaluation, diag) : YX_OK;
	default: return YX_OK;
	}
}
