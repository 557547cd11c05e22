/* joint: this node's participations in joint-incubation agreements (联合孵化). The
 * proposer finds each incubator's city in the registries it holds and publishes its
 * participation listing every party; each other party's node checks that it is one and
 * publishes its own, copying the terms. The agreement's state is derived from the
 * participations (node/lib/joint.h), identically on every node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joint.h"
#include "log.h"
#include "validate.h"
#include "names.h"
#include "yrdxd.h"

#define ROLE_PROPOSER "lead"
#define ROLE_SIGNER   "co-incubator"

/* One --incubators entry: ID, or CITY:ID where CITY is "self", this node's name, a
 * peer's name or a node key, and what the registries held here say about it. */
typedef struct {
	const char *text; /* as given */
	const char *id;   /* points into text */
	bool pinned;      /* CITY given */
	uint8_t city[YX_KEY_BYTES];
	size_t found; /* registries holding it (among the pinned city's, if pinned) */
	uint8_t origin[2][YX_KEY_BYTES]; /* the first two of them */
} spec_t;

typedef struct {
	spec_t *specs;
	size_t n;
} resolve_t;

/* What every output calls key: its charter name and city, else the config's name, else
 * the key in full (names.h). Only error messages need it. */
static void label(const yxd_t *d, const uint8_t key[YX_KEY_BYTES], char *out, size_t cap)
{
	yx_names_t *names = NULL;
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (yx_names_new(yxd_charter_current(d), d->cfg, d->origin, &names) == YX_OK) {
		yx_names_label(names, key, YX_NAME_SHORT, out, cap);
	} else {
		yx_pubkey_format(key, text);
		snprintf(out, cap, "%s", text);
	}
	yx_names_free(&names);
}

/* The node a CITY prefix names — "self", a member's or a peer's name, a key in full;
 * false if it names none (then ':' is part of the id). */
static bool city_key(const yxd_t *d, const char *city, size_t len, uint8_t key[YX_KEY_BYTES])
{
	char name[YX_PUBKEY_TEXT_LEN + 1];
	yx_names_t *names = NULL;
	if (len == 0 || len >= sizeof(name))
		return false;
	memcpy(name, city, len);
	name[len] = '\0';
	bool found = yx_names_new(yxd_charter_current(d), d->cfg, d->origin, &names) == YX_OK &&
	             yx_names_resolve(names, name, key, NULL) == YX_OK;
	yx_names_free(&names);
	return found;
}

static int find_incubator(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                          const Yrdx__Change *c)
{
	resolve_t *r = arg;
	(void)seq;
	for (size_t i = 0; i < r->n; i++) {
		spec_t *s = &r->specs[i];
		if (strcmp(c->incubator->id, s->id) != 0 ||
		    (s->pinned && memcmp(s->city, origin, YX_KEY_BYTES) != 0))
			continue;
		if (s->found < 2)
			memcpy(s->origin[s->found], origin, YX_KEY_BYTES);
		s->found++;
	}
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, YX_KEY_BYTES);
}

/* Whether any registry held here has the enterprise: a typo in the credit code that still
 * passes its check character is caught here rather than published. */
static bool enterprise_known(yxd_t *d, const char *code)
{
	yx_vector_t vec;
	bool known = false;
	if (yx_store_vector(d->store, &vec) != YX_OK)
		return false;
	for (size_t i = 0; i < vec.n && !known; i++) {
		Yrdx__Change *c = NULL;
		if (yx_store_get(d->store, YX_KIND_ENTERPRISE, vec.tips[i].origin, code, &c) ==
		    YX_OK)
			known = true;
		yx_change_free(&c);
	}
	yx_vector_free(&vec);
	return known;
}

/* Fills jp for a new agreement: each incubator in exactly one registry, this node among
 * their cities, the parties every city found, sorted. The id names this node's key and
 * the seq its participation will get (yx_joint_id_make): no other key can open it. keys, ids and
 * own are the caller's storage jp points into. */
static int propose(yxd_t *d, const Yrdx__JointRequest *q, Yrdx__JointParticipation *jp,
                   char *agreement_id, size_t cap, uint8_t (*keys)[YX_KEY_BYTES],
                   ProtobufCBinaryData *parties, char **ids, yx_diag_t *diag)
{
	const uint8_t *self = d->origin;
	spec_t specs[YX_MAX_REPEATED];
	resolve_t r = {specs, q->n_incubator_ids};
	const char *own = NULL;
	size_t n_keys = 0;
	yx_tip_t tip;
	int ret;

	if (q->n_incubator_ids == 0)
		return yx_diag_set(diag, YX_EINVAL, "no incubators given");
	if (q->n_incubator_ids > YX_MAX_REPEATED)
		return yx_diag_set(diag, YX_EINVAL, "%zu incubators, at most %d",
		                   q->n_incubator_ids, YX_MAX_REPEATED);
	if (yx_credit_code_check(q->credit_code, "enterprise", diag) != YX_OK)
		return YX_EINVAL;
	if (!enterprise_known(d, q->credit_code))
		return yx_diag_set(diag, YX_EINVAL,
		                   "enterprise %s is in no registry held by this node",
		                   q->credit_code);
	memset(specs, 0, sizeof(specs));
	for (size_t i = 0; i < r.n; i++) {
		spec_t *s = &specs[i];
		const char *colon = strchr(q->incubator_ids[i], ':');
		s->text = q->incubator_ids[i];
		s->id = s->text;
		if (colon && city_key(d, s->text, (size_t)(colon - s->text), s->city)) {
			s->pinned = true;
			s->id = colon + 1;
		}
		if (*s->id == '\0' || strlen(s->id) > YX_MAX_ID_LEN)
			return yx_diag_set(diag, YX_EINVAL, "\"%s\" is not an incubator id",
			                   s->text);
		for (size_t k = 0; k < i; k++)
			if (strcmp(specs[k].id, s->id) == 0 &&
			    (!s->pinned || !specs[k].pinned ||
			     memcmp(specs[k].city, s->city, YX_KEY_BYTES) == 0))
				return yx_diag_set(diag, YX_EINVAL, "incubator %s is listed twice",
				                   s->id);
	}
	if ((ret = yx_store_scan(d->store, YX_KIND_INCUBATOR, find_incubator, &r)))
		return yx_diag_set(diag, ret, "reading the registries: %s", yx_strerror(ret));
	for (size_t i = 0; i < r.n; i++) {
		spec_t *s = &specs[i];
		char a[YX_NAME_LABEL_MAX], b[YX_NAME_LABEL_MAX];
		if (s->found == 0)
			return yx_diag_set(diag, YX_EINVAL,
			                   "incubator %s is in no registry held by this node",
			                   s->text);
		if (s->found > 1) {
			label(d, s->origin[0], a, sizeof(a));
			label(d, s->origin[1], b, sizeof(b));
			return yx_diag_set(diag, YX_EINVAL,
			                   "incubator %s is registered by more than one city "
			                   "(%s, %s%s): write CITY:%s",
			                   s->id, a, b, s->found > 2 ? ", ..." : "", s->id);
		}
		bool seen = false;
		for (size_t k = 0; k < n_keys; k++)
			seen |= memcmp(keys[k], s->origin[0], YX_KEY_BYTES) == 0;
		if (!seen)
			memcpy(keys[n_keys++], s->origin[0], YX_KEY_BYTES);
		if (!own && memcmp(s->origin[0], self, YX_KEY_BYTES) == 0)
			own = s->id;
		ids[i] = (char *)s->id;
	}
	if (!own)
		return yx_diag_set(diag, YX_EINVAL,
		                   "none of the incubators is in %s's own registry", d->cfg->name);
	if (n_keys < 2)
		return yx_diag_set(diag, YX_EINVAL,
		                   "every incubator is %s's own: a joint agreement needs "
		                   "incubators of at least two cities",
		                   d->cfg->name);
	qsort(keys, n_keys, YX_KEY_BYTES, cmp_key);
	for (size_t k = 0; k < n_keys; k++)
		parties[k] = (ProtobufCBinaryData){YX_KEY_BYTES, keys[k]};
	if (yx_store_tip(d->store, self, &tip) != YX_OK)
		tip.seq = 0;
	if (!yx_joint_id_make(d->cfg->name, self, tip.seq + 1, agreement_id, cap))
		return yx_diag_set(diag, YX_EINVAL, "no room for an agreement id");
	jp->id = agreement_id;
	jp->n_parties = n_keys;
	jp->parties = parties;
	jp->n_incubator_ids = r.n;
	jp->incubator_ids = ids;
	jp->credit_code = q->credit_code;
	jp->incubator_id = (char *)own;
	jp->role = q->role && *q->role ? q->role : ROLE_PROPOSER;
	return YX_OK;
}

static bool registry_has(yxd_t *d, const uint8_t origin[YX_KEY_BYTES], const char *incubator)
{
	Yrdx__Change *inc = NULL;
	bool has = yx_store_get(d->store, YX_KIND_INCUBATOR, origin, incubator, &inc) == YX_OK;
	yx_change_free(&inc);
	return has;
}

/* Fills jp for this node's signature of an agreement another party proposed: the terms
 * come from the participations held here, which must agree; this node must be a party
 * that has not signed yet, with one of the incubators in its own registry. jp points
 * into parts and into own_id (the caller's). */
static int sign(yxd_t *d, const Yrdx__JointRequest *q, const yx_joint_parts_t *parts,
                Yrdx__JointParticipation *jp, char *own_id, size_t own_cap, yx_diag_t *diag)
{
	const uint8_t *self = d->origin;
	const char *id = q->agreement_id;
	yx_joint_t j;

	if (parts->n == 0)
		return yx_diag_set(diag, YX_ENOTFOUND, "no agreement %s known to this node", id);
	if (yx_joint_derive(parts->parts, parts->n, id, &j) != YX_OK)
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "agreement %s has no participation by one of its parties here",
		                   id);
	const yx_joint_party_t *me = yx_joint_party(&j, self);
	if (!me)
		return yx_diag_set(diag, YX_EINVAL, "not a party of agreement %s", id);
	if (me->part)
		return yx_diag_set(diag, YX_EINVAL, "%s has already signed agreement %s",
		                   d->cfg->name, id);
	/* Two sets of terms among the parties: which one this node would endorse is for
	 * its administrator to settle with the others, not for the daemon to pick. */
	const Yrdx__JointParticipation *t = j.terms->jp;
	for (size_t i = 0; i < parts->n; i++) {
		const yx_joint_part_t *p = &parts->parts[i];
		char who[YX_NAME_LABEL_MAX];
		if (memcmp(p->origin, self, YX_KEY_BYTES) == 0 || !yx_joint_party(&j, p->origin) ||
		    yx_joint_same_terms(p->jp, t))
			continue;
		label(d, p->origin, who, sizeof(who));
		return yx_diag_set(diag, YX_EINVAL,
		                   "agreement %s: the parties' participations disagree on its "
		                   "terms (%s's differs): settle them before signing",
		                   id, who);
	}
	/* This node's incubator: the first listed that its registry holds and no other
	 * party's does; else the first its registry holds. The proposer may have pinned an
	 * id two registries share to one city, and the record cannot say which. */
	own_id[0] = '\0';
	bool shared = true;
	for (size_t i = 0; i < t->n_incubator_ids && shared; i++) {
		const char *iid = t->incubator_ids[i];
		if (!registry_has(d, self, iid))
			continue;
		bool elsewhere = false;
		for (size_t k = 0; k < j.n_parties && !elsewhere; k++)
			elsewhere = memcmp(j.parties[k].key, self, YX_KEY_BYTES) != 0 &&
			            registry_has(d, j.parties[k].key, iid);
		if (!own_id[0] || !elsewhere)
			snprintf(own_id, own_cap, "%s", iid);
		shared = elsewhere;
	}
	if (!own_id[0])
		return yx_diag_set(diag, YX_EINVAL,
		                   "agreement %s: none of its incubators is in %s's registry", id,
		                   d->cfg->name);
	jp->id = (char *)id;
	jp->n_parties = t->n_parties;
	jp->parties = t->parties;
	jp->n_incubator_ids = t->n_incubator_ids;
	jp->incubator_ids = t->incubator_ids;
	jp->credit_code = t->credit_code;
	jp->incubator_id = own_id;
	jp->role = q->role && *q->role ? q->role : ROLE_SIGNER;
	return YX_OK;
}

int yxd_author_joint_into(yxd_t *d, yx_batch_t *b, const Yrdx__JointRequest *q,
                          yxd_joint_written_t *w, yx_diag_t *diag)
{
	Yrdx__JointParticipation jp = YRDX__JOINT_PARTICIPATION__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_joint_parts_t parts = {0};
	uint8_t keys[YX_MAX_REPEATED][YX_KEY_BYTES];
	ProtobufCBinaryData parties[YX_MAX_REPEATED];
	char *ids[YX_MAX_REPEATED];
	char own_id[YX_MAX_ID_LEN + 1];
	int ret;

	w->what = "";
	switch (q->action) {
	case YRDX__JOINT_REQUEST__ACTION__ACTION_PROPOSE:
		w->what = "proposed";
		ret = propose(d, q, &jp, w->agreement_id, sizeof(w->agreement_id), keys, parties,
		              ids, diag);
		break;
	case YRDX__JOINT_REQUEST__ACTION__ACTION_SIGN:
		w->what = "signed";
		if (!q->agreement_id || !*q->agreement_id) {
			ret = yx_diag_set(diag, YX_EINVAL, "no agreement given");
			break;
		}
		snprintf(w->agreement_id, sizeof(w->agreement_id), "%s", q->agreement_id);
		uint64_t seq;
		uint8_t fp[YX_KEYID_FP_BYTES];
		if (!yx_joint_id_parse(w->agreement_id, &seq, fp)) {
			ret = yx_diag_set(diag, YX_EINVAL,
			                  "%s is not an agreement id: one is " YX_JOINT_ID_FORM,
			                  w->agreement_id);
			break;
		}
		if ((ret = yx_joint_parts_load(d->store, w->agreement_id, &parts))) {
			yx_diag_set(diag, ret, "reading agreement %s: %s", w->agreement_id,
			            yx_strerror(ret));
			break;
		}
		ret = sign(d, q, &parts, &jp, own_id, sizeof(own_id), diag);
		break;
	default: ret = yx_diag_set(diag, YX_EINVAL, "unknown action %d", (int)q->action); break;
	}
	if (ret)
		goto out;
	yx_change_set_body(&c, YX_KIND_JOINT, &jp);
	c.id = jp.id;
	if ((ret = yx_batch_put(b, &c, diag)))
		goto out;
	snprintf(w->incubator_id, sizeof(w->incubator_id), "%s", jp.incubator_id);
	snprintf(w->role, sizeof(w->role), "%s", jp.role);
out:
	yx_joint_parts_free(&parts);
	return ret;
}

int yxd_author_joint(yxd_t *d, const Yrdx__JointRequest *q, Yrdx__ControlReply *r, yx_head_t *head,
                     yx_diag_t *diag)
{
	yxd_joint_written_t w;
	yx_batch_t *b = NULL;
	int ret;

	/* The batch first: what was received is committed before the agreement is read. */
	if ((ret = yxd_writer_begin(d, &b, diag)))
		return ret;
	if ((ret = yxd_author_joint_into(d, b, q, &w, diag)))
		goto out;
	if ((ret = yxd_writer_commit(d, &b, head, diag)))
		goto out;
	/* Written already: a reply without the id is still a success. */
	if (!(r->agreement_id = strdup(w.agreement_id)))
		r->agreement_id = (char *)protobuf_c_empty_string;
	yx_log_info("joint agreement %s: %s (incubator %s, role %s)", w.agreement_id, w.what,
	            w.incubator_id, w.role);
out:
	yx_batch_abort(&b); /* NULL once committed */
	return ret;
}
