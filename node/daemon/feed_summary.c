/* feed_summary: what a park's feed event carries beside the change its author signed —
 * the summary a park decides on (the enterprise as the proposing city's record reaches
 * this node, its incubator, the proposing city), and for the park a case is addressed
 * to, and it alone, the case's dossier: sealed to this node's key by the proposing city,
 * opened here and sealed again to that park's key. Everything is read from this node's
 * store: what the origin's sharing policy withheld from this node is not here to add. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "log.h"
#include "yrdxd.h"

/* The proposing city of the case c belongs to: the PROPOSE's own origin, or the origin
 * the case id names that holds the PROPOSE. */
static bool proposer_of(yxd_t *d, const Yrdx__Change *c, uint8_t origin[YX_KEY_BYTES])
{
	const Yrdx__RelayEvent *ev = c->relay_event;
	if (ev->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE) {
		if (c->origin.len != YX_KEY_BYTES)
			return false;
		memcpy(origin, c->origin.data, YX_KEY_BYTES);
		return true;
	}
	return yx_case_proposer(d->store, ev->case_id, origin) == YX_OK;
}

/* The proposing city's name and city: the charter's, else this node's or a peer's. */
static void proposer_name(yxd_t *d, const uint8_t origin[YX_KEY_BYTES], Yrdx__FeedSummary *s)
{
	const yx_member_t *m = yx_charter_member_by_origin(yxd_charter_current(d), origin);
	const yx_peer_conf_t *p = yx_config_peer_by_key(d->cfg, origin);
	if (m) {
		s->proposer_name = (char *)m->name;
		s->proposer_city = m->city;
	} else if (memcmp(origin, d->origin, YX_KEY_BYTES) == 0) {
		s->proposer_name = d->cfg->name;
		s->proposer_city = d->cfg->city;
	} else if (p) {
		s->proposer_name = (char *)p->name;
	}
}

/* The fields a park decides on, of the enterprise ent as held: never its figures, its
 * headcount or funding. */
static Yrdx__Enterprise *decision_fields(const Yrdx__Enterprise *ent, yx_arena_t *arena)
{
	Yrdx__Enterprise *e = yx_arena_alloc(arena, sizeof(*e));
	if (!e)
		return NULL;
	yrdx__enterprise__init(e);
	e->credit_code = ent->credit_code;
	e->name = ent->name;
	e->city = ent->city;
	e->stage = ent->stage;
	e->n_incubator_ids = ent->n_incubator_ids;
	e->incubator_ids = ent->incubator_ids;
	e->n_industries = ent->n_industries;
	e->industries = ent->industries;
	e->n_qualifications = ent->n_qualifications;
	e->qualifications = ent->qualifications;
	return e;
}

/* text copied into arena: the event c is the arrival scan's, gone before the send. */
static char *arena_strdup(yx_arena_t *arena, const char *text)
{
	size_t len = strlen(text) + 1;
	char *copy = yx_arena_alloc(arena, len);
	return copy ? memcpy(copy, text, len) : NULL;
}

int yxd_feed_summary(yxd_t *d, const Yrdx__Change *c, yx_arena_t *arena, Yrdx__FeedSummary **out)
{
	const Yrdx__RelayEvent *ev = c->relay_event;
	uint8_t *origin = yx_arena_alloc(arena, YX_KEY_BYTES);
	Yrdx__FeedSummary *s = yx_arena_alloc(arena, sizeof(*s));
	Yrdx__Change *ent = NULL, *inc = NULL;
	*out = NULL;
	if (!s || !origin)
		return -ENOMEM;
	yrdx__feed_summary__init(s);
	if (!(s->incubator_id = arena_strdup(arena, ev->source_incubator_id)))
		return -ENOMEM;
	if (proposer_of(d, c, origin)) {
		s->proposer.data = origin;
		s->proposer.len = YX_KEY_BYTES;
		proposer_name(d, origin, s);
		/* A stub (withheld from this node by the origin's policy) is no record here. */
		if (yx_store_get_in(d->store, arena, YX_KIND_ENTERPRISE, origin, ev->credit_code,
		                    &ent) == YX_OK &&
		    !(s->enterprise = decision_fields(ent->enterprise, arena)))
			return -ENOMEM;
		if (ev->source_incubator_id[0] &&
		    yx_store_get_in(d->store, arena, YX_KIND_INCUBATOR, origin,
		                    ev->source_incubator_id, &inc) == YX_OK)
			s->incubator_name = inc->incubator->name;
	}
	*out = s;
	return YX_OK;
}

/* The dossier sealed to this node: with its key, or one it held before a rotation. */
static int dossier_open(yxd_t *d, const ProtobufCBinaryData *box, uint8_t **plain, size_t *len)
{
	yx_diag_t diag = {{0}};
	if (yx_identity_unseal(d->id, box->data, box->len, plain, len) == YX_OK)
		return YX_OK;
	return yx_key_files_unseal(d->cfg->key_file, box->data, box->len, plain, len, &diag);
}

int yxd_feed_dossier(yxd_t *d, const yx_park_conf_t *park, const Yrdx__Change *c, yx_arena_t *arena,
                     ProtobufCBinaryData *out)
{
	const Yrdx__RelayEvent *ev = c->relay_event;
	uint8_t curve[32], *plain = NULL, *box;
	size_t len = 0;
	int ret;
	out->data = NULL;
	out->len = 0;
	if (ev->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE || !ev->sealed_dossier.len)
		return YX_OK;
	if ((ret = dossier_open(d, &ev->sealed_dossier, &plain, &len)) != YX_OK) {
		yx_log_warn("relay case %s: its dossier does not open with this node's keys (%s): "
		            "park %s gets the case without it",
		            ev->case_id, yx_strerror(ret), park->name);
		return YX_OK;
	}
	if (yx_pubkey_to_curve(park->key, curve) != YX_OK) {
		ret = YX_EINVAL; /* the config checked every park key: not reached */
	} else if (!(box = yx_arena_alloc(arena, len + crypto_box_SEALBYTES))) {
		ret = -ENOMEM;
	} else if (crypto_box_seal(box, plain, len, curve) != 0) {
		ret = YX_ECRYPTO;
	} else {
		out->data = box;
		out->len = len + crypto_box_SEALBYTES;
	}
	sodium_memzero(plain, len);
	free(plain);
	return ret;
}
