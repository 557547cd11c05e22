#include "joint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h" /* YX_MAX_ID_LEN */

static bool has_party(const Yrdx__JointParticipation *jp, const uint8_t key[YX_KEY_BYTES])
{
	for (size_t i = 0; i < jp->n_parties; i++)
		if (jp->parties[i].len == YX_KEY_BYTES &&
		    memcmp(jp->parties[i].data, key, YX_KEY_BYTES) == 0)
			return true;
	return false;
}

static bool has_id(char *const *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* Stored records passed validation, but derivation also runs on whatever a caller
 * built: a party list that is not a set of keys is never counted. */
static bool well_formed(const Yrdx__JointParticipation *jp)
{
	if (jp->n_parties < 2 || jp->n_parties > YX_JOINT_MAX_PARTIES)
		return false;
	for (size_t i = 0; i < jp->n_parties; i++) {
		if (jp->parties[i].len != YX_KEY_BYTES)
			return false;
		for (size_t k = 0; k < i; k++)
			if (memcmp(jp->parties[k].data, jp->parties[i].data, YX_KEY_BYTES) == 0)
				return false;
	}
	return true;
}

bool yx_joint_same_terms(const Yrdx__JointParticipation *a, const Yrdx__JointParticipation *b)
{
	if (strcmp(str(a->credit_code), str(b->credit_code)) != 0 || a->n_parties != b->n_parties ||
	    a->n_incubator_ids != b->n_incubator_ids)
		return false;
	for (size_t i = 0; i < a->n_parties; i++)
		if (a->parties[i].len != YX_KEY_BYTES || !has_party(b, a->parties[i].data))
			return false;
	for (size_t i = 0; i < a->n_incubator_ids; i++)
		if (!has_id(b->incubator_ids, b->n_incubator_ids, a->incubator_ids[i]) ||
		    !has_id(a->incubator_ids, a->n_incubator_ids, b->incubator_ids[i]))
			return false;
	return true;
}

static bool of_agreement(const yx_joint_part_t *p, const char *id)
{
	return strcmp(str(p->jp->id), id) == 0;
}

static bool eligible(const yx_joint_part_t *p)
{
	return well_formed(p->jp) && has_party(p->jp, p->origin);
}

/* The group of participations with terms's terms: the signer of each of its parties (in
 * terms's party order; the lowest hash if one node somehow wrote two) and the group's
 * lowest hash. Returns how many parties signed. */
static size_t group(yx_joint_part_t *parts, size_t n, const char *id, const yx_joint_part_t *terms,
                    yx_joint_part_t **by, const uint8_t **lowest)
{
	size_t signers = 0;
	*lowest = NULL;
	for (size_t k = 0; k < terms->jp->n_parties; k++)
		by[k] = NULL;
	for (size_t i = 0; i < n; i++) {
		yx_joint_part_t *p = &parts[i];
		if (!of_agreement(p, id) || !eligible(p) || !yx_joint_same_terms(p->jp, terms->jp))
			continue;
		if (!*lowest || memcmp(p->hash, *lowest, YX_HASH_BYTES) < 0)
			*lowest = p->hash;
		for (size_t k = 0; k < terms->jp->n_parties; k++) {
			if (memcmp(terms->jp->parties[k].data, p->origin, YX_KEY_BYTES) != 0)
				continue;
			if (!by[k])
				signers++;
			if (!by[k] || memcmp(p->hash, by[k]->hash, YX_HASH_BYTES) < 0)
				by[k] = p;
		}
	}
	return signers;
}

static int cmp_party(const void *a, const void *b)
{
	return memcmp(((const yx_joint_party_t *)a)->key, ((const yx_joint_party_t *)b)->key,
	              YX_KEY_BYTES);
}

int yx_joint_derive(yx_joint_part_t *parts, size_t n, const char *agreement_id, yx_joint_t *out)
{
	yx_joint_part_t *best_by[YX_JOINT_MAX_PARTIES];
	const yx_joint_part_t *best = NULL;
	const uint8_t *lowest;
	uint8_t fp[YX_KEYID_FP_BYTES];
	uint64_t seq = 0;
	bool keyed = yx_joint_id_parse(agreement_id, &seq, fp);

	memset(out, 0, sizeof(*out));
	/* The terms are those of the participation the agreement id names, by its
	 * proposer's key and log position: a participation of anyone else reusing the id,
	 * however many sign along with it, is never the agreement. */
	for (size_t i = 0; i < n; i++) {
		yx_joint_part_t *p = &parts[i];
		if (!of_agreement(p, agreement_id))
			continue;
		p->counted = false;
		if (!well_formed(p->jp)) {
			p->note = "malformed parties list";
			continue;
		}
		if (!has_party(p->jp, p->origin)) {
			p->note = "written by a node that is not one of its parties";
			continue;
		}
		p->note = "its parties, enterprise or incubators differ from the agreement's";
		if (!keyed) {
			p->note = "the agreement id names no key (an old id without a fingerprint)";
			continue;
		}
		if (memcmp(p->origin, fp, YX_KEYID_FP_BYTES) != 0 || p->seq != seq)
			continue;
		/* Two only if a second key was ground to share the fingerprint: still one
		 * answer on every node. */
		if (!best || memcmp(p->hash, best->hash, YX_HASH_BYTES) < 0)
			best = p;
	}
	if (!best)
		return YX_ENOTFOUND;
	group(parts, n, agreement_id, best, best_by, &lowest);
	out->terms = best;
	out->n_parties = best->jp->n_parties;
	for (size_t k = 0; k < out->n_parties; k++) {
		memcpy(out->parties[k].key, best->jp->parties[k].data, YX_KEY_BYTES);
		out->parties[k].part = best_by[k];
		if (best_by[k]) {
			best_by[k]->counted = true;
			best_by[k]->note = NULL;
			out->n_signed++;
		}
	}
	/* A second participation of one node with the same terms (never from a store,
	 * which keeps one record per node and id) is not its signature. */
	for (size_t i = 0; i < n; i++) {
		yx_joint_part_t *p = &parts[i];
		if (of_agreement(p, agreement_id) && !p->counted && eligible(p) &&
		    yx_joint_same_terms(p->jp, best->jp))
			p->note = "superseded by another participation of the same node";
	}
	qsort(out->parties, out->n_parties, sizeof(out->parties[0]), cmp_party);
	out->active = out->n_signed == out->n_parties;
	return YX_OK;
}

const yx_joint_party_t *yx_joint_party(const yx_joint_t *j, const uint8_t key[YX_KEY_BYTES])
{
	for (size_t k = 0; k < j->n_parties; k++)
		if (memcmp(j->parties[k].key, key, YX_KEY_BYTES) == 0)
			return &j->parties[k];
	return NULL;
}

bool yx_joint_id_make(const char *name, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, char *out,
                      size_t cap)
{
	return yx_keyid_make(name, "J", origin, seq, YX_MAX_ID_LEN, out, cap);
}

bool yx_joint_id_parse(const char *agreement_id, uint64_t *seq, uint8_t fp[YX_KEYID_FP_BYTES])
{
	return yx_keyid_parse(agreement_id, "J", seq, fp);
}

/* ---- loading from a store ----------------------------------------------------------- */

static bool in_agreement(const Yrdx__Change *c, const char *id)
{
	return c->body_case == YRDX__CHANGE__BODY_JOINT_PARTICIPATION &&
	       (!id || strcmp(c->joint_participation->id, id) == 0);
}

/* Every party writes its participation under the agreement id (change.id equals the
 * body's id, validate.c): one lookup per origin finds them all. */
static bool agreement_id(const char *id, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, "%s", id) < cap;
}

static const yx_event_kind_t joint_kind = {YX_KIND_JOINT, in_agreement, agreement_id, NULL};

int yx_joint_parts_load(yx_store_t *store, const char *agreement_id, yx_joint_parts_t *out)
{
	memset(out, 0, sizeof(*out));
	int ret = yx_events_load(store, &joint_kind, agreement_id, &out->raw);
	if (ret)
		return ret;
	out->parts = calloc(out->raw.n ? out->raw.n : 1, sizeof(*out->parts));
	if (!out->parts) {
		yx_events_free(&out->raw);
		return -ENOMEM;
	}
	for (size_t i = 0; i < out->raw.n; i++) {
		const yx_event_t *e = &out->raw.v[i];
		memcpy(out->parts[i].origin, e->origin, YX_KEY_BYTES);
		out->parts[i].seq = e->seq;
		memcpy(out->parts[i].hash, e->hash, YX_HASH_BYTES);
		out->parts[i].jp = e->change->joint_participation;
	}
	out->n = out->raw.n;
	return YX_OK;
}

void yx_joint_parts_free(yx_joint_parts_t *o)
{
	yx_events_free(&o->raw);
	free(o->parts);
	memset(o, 0, sizeof(*o));
}
