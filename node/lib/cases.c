#include "cases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	yx_store_t *store;
	const char *case_id;
	yx_case_events_t *out;
	size_t cap;
} load_t;

static int collect(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
		   const Yrdx__Change *c)
{
	load_t *l = arg;
	yx_case_events_t *o = l->out;
	if (c->body_case != YRDX__CHANGE__BODY_RELAY_EVENT ||
	    (l->case_id && strcmp(c->relay_event->case_id, l->case_id) != 0))
		return 0;
	if (o->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		yx_case_event_t *ev = realloc(o->events, cap * sizeof(*ev));
		if (!ev)
			return -ENOMEM;
		o->events = ev;
		Yrdx__Change **ch = realloc(o->changes, cap * sizeof(*ch));
		if (!ch)
			return -ENOMEM;
		o->changes = ch;
		l->cap = cap;
	}
	/* The scan's change lives only during the call: keep a decoded copy of our own. */
	uint8_t *bytes = NULL;
	size_t len = 0;
	Yrdx__Change *copy = NULL;
	int ret = yx_change_encode(c, &bytes, &len);
	if (ret == YX_OK)
		ret = yx_change_decode(bytes, len, &copy);
	free(bytes);
	if (ret)
		return ret;
	yx_case_event_t *e = &o->events[o->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->origin, origin, YX_KEY_BYTES);
	e->seq = seq;
	if ((ret = yx_store_hash(l->store, origin, seq, e->hash))) {
		yx_change_free(&copy);
		return ret;
	}
	e->ev = copy->relay_event;
	o->changes[o->n++] = copy;
	return 0;
}

int yx_case_events_load(yx_store_t *store, const char *case_id, yx_case_events_t *out)
{
	load_t l = {store, case_id, out, 0};
	memset(out, 0, sizeof(*out));
	int ret = yx_store_scan(store, YX_KIND_RELAY_EVENT, collect, &l);
	if (ret)
		yx_case_events_free(out);
	return ret;
}

void yx_case_events_free(yx_case_events_t *o)
{
	for (size_t i = 0; i < o->n; i++)
		yx_change_free(&o->changes[i]);
	free(o->changes);
	free(o->events);
	memset(o, 0, sizeof(*o));
}
