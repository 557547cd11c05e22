/* author: relay-incubation steps this node writes for its city. The step is checked
 * against the case's state as derived from every event this node holds — derived once
 * per step, and the caller's own check (a park's, feed.c) made on that same derivation —
 * linked to the step it answers, and for a PROPOSE the dossier is sealed to the
 * destination node's current key, so every city stores and forwards it and only the
 * destination can open it. A LAND writes, in its batch, the destination city's own record
 * of the enterprise (stage landed); the source's record turns relocated when the source
 * learns of it (relocate.c). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "validate.h"
#include "log.h"
#include "yrdxd.h"

static const char *type_word(Yrdx__RelayEventType t)
{
	const ProtobufCEnumValue *v =
	        protobuf_c_enum_descriptor_get_value(&yrdx__relay_event_type__descriptor, (int)t);
	return v ? v->name + strlen("RELAY_EVENT_TYPE_") : "?";
}

/* Fills ev for a PROPOSE: the enterprise must be in this node's registry, of a city in
 * its jurisdiction (管辖范围); the case id names this node's key and the seq the event
 * will get (yx_case_id_make), so no other key can open a case under it. */
static int propose(yxd_t *d, yx_batch_t *b, const Yrdx__RelayRequest *q, Yrdx__RelayEvent *ev,
                   char *case_id, size_t cap, char *incubator, size_t incubator_cap,
                   uint8_t **sealed, yx_diag_t *diag)
{
	const uint8_t *self = d->origin;
	Yrdx__Change *ent = NULL, *park = NULL;
	uint8_t curve[32];
	if (q->destination.len != YX_KEY_BYTES)
		return yx_diag_set(diag, YX_EINVAL, "propose: no destination node");
	/* Within one city (the plan's most common case) the park must be in our own
	 * registry: the case then runs its steps at this node alone. */
	if (memcmp(q->destination.data, self, YX_KEY_BYTES) == 0 &&
	    yx_store_get_in(d->store, &d->scratch, YX_KIND_PARK, self, q->park_id, &park) != YX_OK)
		return yx_diag_set(diag, YX_EINVAL, "propose: park %s is not in %s's registry",
		                   q->park_id, d->cfg->name);
	if (yx_store_get_in(d->store, &d->scratch, YX_KIND_ENTERPRISE, self, q->credit_code,
	                    &ent) != YX_OK)
		return yx_diag_set(diag, YX_EINVAL,
		                   "propose: enterprise %s is not in %s's registry", q->credit_code,
		                   d->cfg->name);
	/* Registered before a charter (or a narrower one) was adopted: not ours to relay. */
	yx_diag_t why = {{0}};
	if (yxd_jurisdiction_local(d, ent, &why))
		return yx_diag_set(diag, YX_EINVAL, "propose: enterprise %s: %s", q->credit_code,
		                   why.msg);
	if (!yx_case_id_make(d->cfg->name, self, yx_batch_next_seq(b), case_id, cap))
		return yx_diag_set(diag, YX_EINVAL, "propose: no room for a case id");
	ev->case_id = case_id;
	ev->credit_code = q->credit_code;
	ev->park_id = q->park_id;
	ev->destination_node = q->destination;
	snprintf(incubator, incubator_cap, "%s",
	         ent->enterprise->n_incubator_ids ? ent->enterprise->incubator_ids[0] : "");
	ev->source_incubator_id = incubator;
	if (q->dossier.len) {
		/* Sealed to the key the destination holds now: its charter entry's current
		 * key (its origin, the case's destination, is the key it had first). */
		const yx_member_t *to =
		        yx_charter_member_by_origin(yxd_charter_current(d), q->destination.data);
		const uint8_t *key = to ? yx_member_current_key(to) : q->destination.data;
		if (yx_pubkey_to_curve(key, curve) != YX_OK)
			return yx_diag_set(diag, YX_EINVAL,
			                   "propose: destination key has no X25519 form");
		*sealed = malloc(q->dossier.len + crypto_box_SEALBYTES);
		if (!*sealed)
			return -ENOMEM;
		crypto_box_seal(*sealed, q->dossier.data, q->dossier.len, curve);
		ev->sealed_dossier.data = *sealed;
		ev->sealed_dossier.len = q->dossier.len + crypto_box_SEALBYTES;
	}
	return YX_OK;
}

/* The destination city's own record of the enterprise that lands, made ready for the
 * batch of the LAND (written after the event, so both or neither): stage landed, the
 * case's park, our city, the case — the rest copied from the source's record as this node
 * holds it (within one city, our own record updated). Where the source withholds its
 * enterprises from us (a stub only), our own record of it is updated instead; with
 * neither, the land is refused: an administrator registers the enterprise here first
 * (yrdxctl put), from the dossier. The source's incubators are ids of its registry, not
 * ours: a record copied from another city names none. e and c point into the scratch
 * arena and the PROPOSE. */
static int land_record(yxd_t *d, const yx_case_t *cs, Yrdx__Enterprise *e, Yrdx__Change *c,
                       yx_diag_t *diag)
{
	const Yrdx__RelayEvent *p = cs->propose->ev;
	bool same_city = memcmp(cs->source, d->origin, YX_KEY_BYTES) == 0;
	Yrdx__Change *base = NULL;
	bool copied = yx_store_get_in(d->store, &d->scratch, YX_KIND_ENTERPRISE, cs->source,
	                              p->credit_code, &base) == YX_OK;
	if (!copied && (same_city || yx_store_get_in(d->store, &d->scratch, YX_KIND_ENTERPRISE,
	                                             d->origin, p->credit_code, &base) != YX_OK))
		return yx_diag_set(
		        diag, YX_EINVAL,
		        "case %s: land: this node holds no record of enterprise %s (its "
		        "city withholds them from us, or retracted it): register it here "
		        "first (yrdxctl put enterprise), then land",
		        p->case_id, p->credit_code);
	*e = *base->enterprise;
	if (copied && !same_city) {
		e->n_incubator_ids = 0;
		e->incubator_ids = NULL;
	}
	e->stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_LANDED;
	e->park_id = p->park_id;
	e->city = d->cfg->city;
	e->relay_case_id = p->case_id;
	e->financials = NULL; /* never in the log: figures are a record of their own */
	yx_change_set_body(c, YX_KIND_ENTERPRISE, e);
	c->id = e->credit_code;
	yx_diag_t why = {{0}};
	if (yxd_jurisdiction_local(d, c, &why))
		return yx_diag_set(diag, YX_EINVAL, "case %s: land: enterprise %s: %s", p->case_id,
		                   p->credit_code, why.msg);
	return YX_OK;
}

/* Fills ev for a step answering the case as committed (the caller writes steps other than
 * PROPOSE alone): the case derived once, the caller's vet and the step's own rules
 * checked on it, and the key facts copied from its PROPOSE. */
static int answer(yxd_t *d, const Yrdx__RelayRequest *q, yxd_case_vet_fn vet, void *vet_arg,
                  Yrdx__RelayEvent *ev, Yrdx__ChangeRef *ref, yx_case_events_t *events,
                  yx_case_t *cs_out, char *case_id, size_t cap, char *incubator,
                  size_t incubator_cap, yx_diag_t *diag)
{
	yx_case_t cs;
	int ret;
	uint8_t fp[YX_CASE_FP_BYTES];
	uint64_t seq;
	snprintf(case_id, cap, "%s", q->case_id);
	if (!yx_case_id_parse(case_id, &seq, fp))
		return yx_diag_set(diag, YX_EINVAL, "%s is not a case id: one is " YX_CASE_ID_FORM,
		                   case_id);
	if ((ret = yx_case_events_load(d->store, case_id, events)))
		return yx_diag_set(diag, ret, "reading case %s: %s", case_id, yx_strerror(ret));
	if (yx_case_derive(events->events, events->n, case_id, &cs) != YX_OK)
		return yx_diag_set(diag, YX_ENOTFOUND, "no relay case %s known to this node",
		                   case_id);
	if ((vet && (ret = vet(vet_arg, &cs, diag))) ||
	    (ret = yx_case_check_step(&cs, q->type, d->origin, diag)))
		return ret;
	/* Every step repeats the case's key facts, so each event is indexed alike. */
	const Yrdx__RelayEvent *p = cs.propose->ev;
	ev->case_id = case_id;
	ev->credit_code = p->credit_code;
	ev->park_id = p->park_id;
	snprintf(incubator, incubator_cap, "%s", p->source_incubator_id);
	ev->source_incubator_id = incubator;
	ev->destination_node = p->destination_node;
	ref->origin.data = (uint8_t *)cs.last->origin;
	ref->origin.len = YX_KEY_BYTES;
	ref->seq = cs.last->seq;
	ref->hash.data = (uint8_t *)cs.last->hash;
	ref->hash.len = YX_HASH_BYTES;
	ev->answers = ref;
	*cs_out = cs;
	return YX_OK;
}

int yxd_author_relay_into(yxd_t *d, yx_batch_t *b, const Yrdx__RelayRequest *q, yxd_case_vet_fn vet,
                          void *vet_arg, char *case_id, size_t cap, yx_diag_t *diag)
{
	Yrdx__RelayEvent ev = YRDX__RELAY_EVENT__INIT;
	Yrdx__ChangeRef ref = YRDX__CHANGE_REF__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_case_events_t events = {0};
	yx_case_t cs;
	Yrdx__Enterprise landed;
	Yrdx__Change landed_c = YRDX__CHANGE__INIT;
	bool lands = q->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND;
	uint8_t *sealed = NULL;
	char event_id[128], incubator[YX_MAX_ID_LEN + 1];
	int ret;

	ev.type = q->type;
	ev.note = q->note;
	if (q->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE)
		ret = propose(d, b, q, &ev, case_id, cap, incubator, sizeof(incubator), &sealed,
		              diag);
	else
		ret = answer(d, q, vet, vet_arg, &ev, &ref, &events, &cs, case_id, cap, incubator,
		             sizeof(incubator), diag);
	if (ret == YX_OK && lands)
		ret = land_record(d, &cs, &landed, &landed_c, diag);
	if (ret)
		goto out;
	if (!yx_case_event_id(case_id, q->type, event_id, sizeof(event_id))) {
		ret = yx_diag_set(diag, YX_EINVAL, "case %s: no event id for a %s", case_id,
		                  type_word(q->type));
		goto out;
	}
	ev.id = event_id;
	yx_change_set_body(&c, YX_KIND_RELAY_EVENT, &ev);
	c.id = event_id;
	ret = yx_batch_put(b, &c, diag);
	if (ret == YX_OK && lands)
		ret = yx_batch_put(b, &landed_c, diag);
out:
	free(sealed);
	yx_case_events_free(&events);
	return ret;
}

int yxd_author_relay(yxd_t *d, const Yrdx__RelayRequest *q, yxd_case_vet_fn vet, void *vet_arg,
                     char *case_id, size_t cap, yx_head_t *head, yx_diag_t *diag)
{
	yx_batch_t *b = NULL;
	int ret = yxd_writer_begin(d, &b, diag);
	if (ret)
		return ret;
	if ((ret = yxd_author_relay_into(d, b, q, vet, vet_arg, case_id, cap, diag))) {
		yx_batch_abort(&b);
		return ret;
	}
	if ((ret = yxd_writer_commit(d, &b, head, diag)))
		return ret;
	yx_log_info("relay case %s: %s written", case_id, type_word(q->type));
	return YX_OK;
}
