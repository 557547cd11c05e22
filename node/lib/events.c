#include "events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "validate.h" /* YX_MAX_ID_LEN */

/* Credit codes one group may be found under: one, unless its anchors disagree (two
 * nodes wrote a PROPOSE under one case id, read where every origin's is); each is read
 * once. */
#define TERMS_MAX 16

typedef struct {
	const yx_event_kind_t *kind;
	const char *group;
	yx_events_t *out;
	char terms[TERMS_MAX][YX_MAX_ID_LEN + 1];
	size_t n_terms;
} load_t;

/* Keeps one record of the group; its change is already in the set's arena. */
static int collect(void *arg, const yx_stored_t *rec)
{
	load_t *l = arg;
	yx_events_t *o = l->out;
	if (!l->kind->keep(rec->change, l->group))
		return 0;
	if (yx_grow(o->v, o->cap, o->n + 1, 16))
		return -ENOMEM;
	yx_event_t *e = &o->v[o->n++];
	memcpy(e->origin, rec->origin, YX_KEY_BYTES);
	e->seq = rec->seq;
	memcpy(e->hash, rec->hash, YX_HASH_BYTES);
	e->change = rec->change;
	return 0;
}

/* Notes the credit code an anchor of the group names, once. */
static int note_term(void *arg, const yx_stored_t *rec)
{
	load_t *l = arg;
	const char *term = l->kind->keep(rec->change, l->group) ? l->kind->term(rec->change) : NULL;
	if (!term || !*term || strlen(term) > YX_MAX_ID_LEN)
		return 0;
	for (size_t i = 0; i < l->n_terms; i++)
		if (strcmp(l->terms[i], term) == 0)
			return 0;
	if (l->n_terms == TERMS_MAX)
		return YX_ETOOBIG;
	strcpy(l->terms[l->n_terms++], term);
	return 0;
}

/* The group through its anchors, and where the kind says so their credit codes. */
static int load_group(yx_snap_t *snap, load_t *l)
{
	const yx_event_kind_t *k = l->kind;
	char anchor[YX_MAX_ID_LEN + 1];
	uint8_t prefix[YX_KEY_BYTES];
	size_t plen = k->anchor_origin ? k->anchor_origin(l->group, prefix) : 0;
	int ret = YX_OK;
	if (!k->anchor_id(l->group, anchor, sizeof(anchor)))
		return YX_OK; /* no record can anchor such a group: it is empty */
	if (!k->term)
		return yx_snap_get_prefixed(snap, k->kind, prefix, plen, anchor, &l->out->arena,
		                            collect, l);
	if ((ret = yx_snap_get_prefixed(snap, k->kind, prefix, plen, anchor, NULL, note_term, l)))
		return ret;
	for (size_t i = 0; ret == YX_OK && i < l->n_terms; i++)
		ret = yx_snap_find(snap, YX_INDEX_CREDIT_CODE, l->terms[i], strlen(l->terms[i]),
		                   k->kind, &l->out->arena, collect, l);
	return ret;
}

int yx_events_load(yx_store_t *store, const yx_event_kind_t *kind, const char *group,
                   yx_events_t *out)
{
	load_t l = {.kind = kind, .group = group, .out = out};
	yx_snap_t *snap = NULL;
	memset(out, 0, sizeof(*out));
	yx_arena_init(&out->arena);
	int ret = yx_snap_open(store, &snap);
	if (ret == YX_OK)
		ret = group ? load_group(snap, &l)
		            : yx_snap_scan(snap, kind->kind, &out->arena, collect, &l);
	yx_snap_close(&snap);
	if (ret)
		yx_events_free(out);
	return ret;
}

int yx_events_load_code(yx_store_t *store, const yx_event_kind_t *kind, const char *code,
                        yx_events_t *out)
{
	load_t l = {.kind = kind, .group = NULL, .out = out};
	yx_snap_t *snap = NULL;
	memset(out, 0, sizeof(*out));
	yx_arena_init(&out->arena);
	int ret = yx_snap_open(store, &snap);
	if (ret == YX_OK)
		ret = yx_snap_find(snap, YX_INDEX_CREDIT_CODE, code, strlen(code), kind->kind,
		                   &out->arena, collect, &l);
	yx_snap_close(&snap);
	if (ret)
		yx_events_free(out);
	return ret;
}

void yx_events_free(yx_events_t *o)
{
	free(o->v);
	yx_arena_free(&o->arena);
	memset(o, 0, sizeof(*o));
}
