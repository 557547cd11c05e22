#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	yx_store_t *store;
	yx_event_keep_fn keep;
	const char *group;
	yx_events_t *out;
	size_t cap;
} load_t;

static int collect(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                   const Yrdx__Change *c)
{
	load_t *l = arg;
	yx_events_t *o = l->out;
	if (!l->keep(c, l->group))
		return 0;
	if (o->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		yx_event_t *v = realloc(o->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		o->v = v;
		l->cap = cap;
	}
	/* The scan's change lives only during the call: keep a decoded copy of our own. */
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_event_t *e = &o->v[o->n];
	memset(e, 0, sizeof(*e));
	int ret = yx_change_encode(c, &bytes, &len);
	if (ret == YX_OK)
		ret = yx_change_decode(bytes, len, &e->change);
	free(bytes);
	if (ret == YX_OK && (ret = yx_store_hash(l->store, origin, seq, e->hash)))
		yx_change_free(&e->change);
	if (ret)
		return ret;
	memcpy(e->origin, origin, YX_KEY_BYTES);
	e->seq = seq;
	o->n++;
	return 0;
}

int yx_events_load(yx_store_t *store, yx_kind_t kind, yx_event_keep_fn keep, const char *group,
                   yx_events_t *out)
{
	load_t l = {store, keep, group, out, 0};
	memset(out, 0, sizeof(*out));
	int ret = yx_store_scan(store, kind, collect, &l);
	if (ret)
		yx_events_free(out);
	return ret;
}

void yx_events_free(yx_events_t *o)
{
	for (size_t i = 0; i < o->n; i++)
		yx_change_free(&o->v[i].change);
	free(o->v);
	memset(o, 0, sizeof(*o));
}
