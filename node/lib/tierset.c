#include "grow.h"
#include "tierset.h"
#include "validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One evaluation: its incubator's key, then what the derivation reads. */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	char *incubator;    /* owned */
	yx_tier_input_t in; /* id and period owned */
} entry_t;

struct yx_tierset {
	entry_t *v;
	size_t n, cap;
	yx_tier_input_t *inputs; /* contiguous copy, grouped as v is sorted */
};

static int entry_compare(const void *pa, const void *pb)
{
	const entry_t *a = pa, *b = pb;
	int c = memcmp(a->origin, b->origin, YX_KEY_BYTES);
	return c ? c : strcmp(a->incubator, b->incubator);
}

/* Keeps e, an evaluation of origin, in set (copied). */
int yx_tierset_add(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES], const Yrdx__Evaluation *e)
{
	char incubator[YX_MAX_ID_LEN + 1];
	/* the id names the incubator (validate.c holds it to incubator_id) */
	if (!yx_evaluation_incubator(e->id, incubator, sizeof(incubator)))
		return YX_OK;
	if (yx_grow(set->v, set->cap, set->n + 1, 256))
		return -ENOMEM;
	entry_t *x = &set->v[set->n];
	memcpy(x->origin, origin, YX_KEY_BYTES);
	x->incubator = strdup(incubator);
	x->in.id = strdup(e->id);
	x->in.period = strdup(e->period ? e->period : "");
	x->in.result = e->result;
	if (!x->incubator || !x->in.id || !x->in.period) {
		free(x->incubator);
		free((char *)x->in.id);
		free((char *)x->in.period);
		return -ENOMEM;
	}
	set->n++;
	return YX_OK;
}

static int visit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, const Yrdx__Change *c)
{
	(void)seq;
	if (c->body_case != YRDX__CHANGE__BODY_EVALUATION || !c->evaluation)
		return 0;
	return yx_tierset_add(arg, origin, c->evaluation);
}

int yx_tierset_new(yx_tierset_t **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? YX_OK : -ENOMEM;
}

int yx_tierset_seal(yx_tierset_t *set)
{
	free(set->inputs);
	set->inputs = NULL;
	if (!set->n)
		return YX_OK;
	qsort(set->v, set->n, sizeof(*set->v), entry_compare);
	if (!(set->inputs = malloc(set->n * sizeof(*set->inputs))))
		return -ENOMEM;
	for (size_t i = 0; i < set->n; i++)
		set->inputs[i] = set->v[i].in;
	return YX_OK;
}

int yx_tierset_load(yx_store_t *store, yx_tierset_t **out)
{
	yx_tierset_t *set = NULL;
	int ret;
	*out = NULL;
	if ((ret = yx_tierset_new(&set)))
		return ret;
	if ((ret = yx_store_scan(store, YX_KIND_EVALUATION, visit, set)) ||
	    (ret = yx_tierset_seal(set))) {
		yx_tierset_free(&set);
		return ret;
	}
	*out = set;
	return YX_OK;
}

void yx_tierset_free(yx_tierset_t **setp)
{
	yx_tierset_t *set = *setp;
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].incubator);
		free((char *)set->v[i].in.id);
		free((char *)set->v[i].in.period);
	}
	free(set->v);
	free(set->inputs);
	free(set);
	*setp = NULL;
}

size_t yx_tierset_inputs(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES],
                         const char *incubator_id, yx_tier_input_t **inputs)
{
	*inputs = NULL;
	if (!set || !set->n)
		return 0;
	entry_t key;
	memcpy(key.origin, origin, YX_KEY_BYTES);
	key.incubator = (char *)incubator_id;
	/* the first entry of the group: lower bound */
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (entry_compare(&set->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < set->n && entry_compare(&set->v[end], &key) == 0)
		end++;
	if (end == lo)
		return 0;
	*inputs = &set->inputs[lo];
	return end - lo;
}

void yx_tierset_derive(yx_tierset_t *set, const uint8_t origin[YX_KEY_BYTES],
                       const Yrdx__Incubator *inc, yx_tier_t *out, yx_tier_step_t *steps)
{
	yx_tier_input_t *inputs;
	size_t n = yx_tierset_inputs(set, origin, inc->id, &inputs);
	yx_tier_derive(inc, inputs, n, out, steps);
}
