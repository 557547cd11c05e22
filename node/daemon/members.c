/* members: whom this node talks to under the charter (docs/design.md, "The charter") —
 * which keys the peer port admits and what each is served, whom this node pulls from,
 * and which origins it pulls at all.
 *
 * Without a charter the config's peers are both lists, as before. With one, any active
 * member may pull from us (a city admitted by an amendment needs nobody's config edited);
 * a member this node does not pull from is pulled from in return once it pulls, so data
 * flows both ways; config peers name members and must carry the charter's key. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "log.h"
#include "policy.h"
#include "yrdxd.h"

/* The lists being made: freed unless they replace the node's. */
typedef struct {
	yx_peer_conf_t *admitted, *pulled;
	uint8_t (*curve)[32];
	bool *reciprocal;
	uint8_t (*alt)[32];
	size_t n_admitted, n_pulled, cap;
} lists_t;

static void lists_free(lists_t *l)
{
	free(l->admitted);
	free(l->curve);
	free(l->pulled);
	free(l->reciprocal);
	free(l->alt);
	memset(l, 0, sizeof(*l));
}

static int lists_alloc(lists_t *l, size_t admitted, size_t pulled)
{
	l->cap = pulled ? pulled : 1;
	l->admitted = calloc(admitted ? admitted : 1, sizeof(*l->admitted));
	l->curve = calloc(admitted ? admitted : 1, sizeof(*l->curve));
	l->pulled = calloc(l->cap, sizeof(*l->pulled));
	l->reciprocal = calloc(l->cap, sizeof(*l->reciprocal));
	l->alt = calloc(l->cap, sizeof(*l->alt));
	if (!l->admitted || !l->curve || !l->pulled || !l->reciprocal || !l->alt) {
		lists_free(l);
		return -ENOMEM;
	}
	return YX_OK;
}

static const yx_peer_conf_t *find(const yx_peer_conf_t *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	return NULL;
}

/* A member as a peer: its name, current key and first endpoint, the default share. */
static void member_peer(const yx_member_t *m, yx_peer_conf_t *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", m->name);
	memcpy(p->key, yx_member_current_key(m), YX_KEY_BYTES);
	if (m->n_endpoints)
		snprintf(p->endpoint, sizeof(p->endpoint), "%s", m->endpoints[0]);
	p->share_mask = YX_SHARE_DEFAULT;
}

/* The config's peers checked against the charter: each one that names an active member
 * with the charter's key (or one it had before a rotation) is pulled from at its config
 * endpoint and served its config share; the others are skipped, said in the log, and
 * only their share still applies to the member of that name (what the administrator
 * chose to withhold from a city stays withheld). */
static void config_peers(yxd_t *d, const yx_charter_t *c, lists_t *l)
{
	for (size_t i = 0; i < d->cfg->n_peers; i++) {
		const yx_peer_conf_t *p = &d->cfg->peers[i];
		const yx_member_t *m = NULL;
		bool stale = false;
		yx_diag_t diag = {{0}};
		if (yx_charter_peer_check(c, p->name, p->key, d->origin, &m, &stale, &diag) !=
		    YX_OK) {
			yx_peer_conf_t *a =
			        (yx_peer_conf_t *)find(l->admitted, l->n_admitted, p->name);
			if (a)
				a->share_mask = p->share_mask;
			yx_log_error("%s: %s: not pulled from%s", d->cfg->path, diag.msg,
			             a ? "; its share still applies to that member" : "");
			continue;
		}
		yx_peer_conf_t *a = (yx_peer_conf_t *)find(l->admitted, l->n_admitted, m->name);
		if (a)
			a->share_mask = p->share_mask;
		yx_peer_conf_t *q = &l->pulled[l->n_pulled++];
		*q = *p;
		memcpy(q->key, yx_member_current_key(m), YX_KEY_BYTES);
		if (stale)
			yx_log_warn("%s: peer %s: its key is the one member %s had before its "
			            "rotation; the charter's current key is used (yrdxctl peer "
			            "remove %s, then peer add %s, writes it in the config)",
			            d->cfg->path, p->name, m->name, p->name, p->name);
	}
}

/* The lists under the charter c: every active member but this node admitted; the valid
 * config peers pulled from, then the members pulled from in return that are still
 * active and not configured. */
static int charter_lists(yxd_t *d, const yx_charter_t *c, lists_t *l)
{
	const uint8_t *self = d->origin;
	int ret = lists_alloc(l, c->n_members, d->cfg->n_peers + d->members.n_pulled);
	if (ret)
		return ret;
	for (size_t i = 0; i < c->n_members; i++) {
		const yx_member_t *m = &c->members[i];
		if (yx_member_active(m) && memcmp(m->origin, self, YX_KEY_BYTES) != 0)
			member_peer(m, &l->admitted[l->n_admitted++]);
	}
	config_peers(d, c, l);
	for (size_t i = 0; i < d->members.n_pulled; i++) {
		const char *name = d->members.pulled[i].name;
		const yx_peer_conf_t *a = find(l->admitted, l->n_admitted, name);
		if (!d->members.reciprocal[i] || !a || !a->endpoint[0] ||
		    find(l->pulled, l->n_pulled, name))
			continue;
		l->pulled[l->n_pulled] = *a;
		l->reciprocal[l->n_pulled++] = true;
	}
	return YX_OK;
}

/* Without a charter: the config's peers, both ways, as before there was one. */
static int config_lists(yxd_t *d, lists_t *l)
{
	int ret = lists_alloc(l, d->cfg->n_peers, d->cfg->n_peers);
	if (ret)
		return ret;
	if (d->cfg->n_peers) {
		memcpy(l->admitted, d->cfg->peers, d->cfg->n_peers * sizeof(*l->admitted));
		memcpy(l->pulled, d->cfg->peers, d->cfg->n_peers * sizeof(*l->pulled));
	}
	l->n_admitted = l->n_pulled = d->cfg->n_peers;
	return YX_OK;
}

/* The admitted keys' CURVE forms, made once rather than at every handshake (a stranger's
 * refused handshake would cost one conversion per member). A key with none is never
 * admitted: its slot stays zeros, which no client's CURVE key is. */
static void lists_curve(lists_t *l)
{
	for (size_t i = 0; i < l->n_admitted; i++)
		if (yx_pubkey_to_curve(l->admitted[i].key, l->curve[i]) != YX_OK)
			memset(l->curve[i], 0, 32);
}

/* The key member name proposed to rotate to (while that is pending here) into alt, or
 * zeros: a pull connection to it tries that key in turn with its current one. */
static void alt_of(const yxd_t *d, const char *name, uint8_t alt[32])
{
	const yx_member_t *m = yx_charter_member_by_name(yxd_charter_current(d), name);
	const uint8_t *next = m ? yxd_charter_next_key(d, m->origin) : NULL;
	if (next)
		memcpy(alt, next, 32);
	else
		memset(alt, 0, 32);
}

static void lists_install(yxd_t *d, lists_t *l)
{
	lists_curve(l);
	for (size_t i = 0; i < l->n_pulled; i++)
		alt_of(d, l->pulled[i].name, l->alt[i]);
	yxd_members_free(d);
	d->members.admitted = l->admitted;
	d->members.curve = l->curve;
	d->members.n_admitted = l->n_admitted;
	d->members.pulled = l->pulled;
	d->members.reciprocal = l->reciprocal;
	d->members.alt = l->alt;
	d->members.n_pulled = l->n_pulled;
	d->members.cap_pulled = l->cap;
	memset(l, 0, sizeof(*l));
}

int yxd_members_changed(yxd_t *d)
{
	const yx_charter_t *c = yxd_charter_current(d);
	lists_t l = {0};
	int ret = c ? charter_lists(d, c, &l) : config_lists(d, &l);
	if (ret) {
		yx_log_error("cannot make the list of peers anew: %s", yx_strerror(ret));
		return ret;
	}
	lists_install(d, &l);
	if (c)
		yx_log_info("charter version %u: %zu members admitted on the peer port, %zu "
		            "pulled from",
		            c->version, d->members.n_admitted, d->members.n_pulled);
	return ret;
}

void yxd_members_free(yxd_t *d)
{
	free(d->members.admitted);
	free(d->members.curve);
	free(d->members.pulled);
	free(d->members.reciprocal);
	free(d->members.alt);
	memset(&d->members, 0, sizeof(d->members));
}

const yx_peer_conf_t *yxd_members_admitted(const yxd_t *d, const char *name)
{
	return name ? find(d->members.admitted, d->members.n_admitted, name) : NULL;
}

const yx_peer_conf_t *yxd_members_admitted_curve(const yxd_t *d, const uint8_t curve[32])
{
	static const uint8_t none[32];
	if (sodium_memcmp(curve, none, 32) == 0)
		return NULL;
	for (size_t i = 0; i < d->members.n_admitted; i++)
		if (sodium_memcmp(d->members.curve[i], curve, 32) == 0)
			return &d->members.admitted[i];
	return NULL;
}

bool yxd_members_pulled_by(yxd_t *d, const char *name)
{
	yxd_members_t *ms = &d->members;
	const yx_peer_conf_t *a = yxd_members_admitted(d, name);
	if (!yxd_charter_current(d) || !a || find(ms->pulled, ms->n_pulled, name))
		return false;
	if (!a->endpoint[0]) {
		yx_log_warn("member %s pulls from this node; the charter names no endpoint of "
		            "it, so it is not pulled from in return",
		            name);
		return false;
	}
	if (ms->n_pulled == ms->cap_pulled) {
		size_t cap = yx_grow_cap(ms->cap_pulled, ms->n_pulled + 1, 4);
		if (!cap || yx_resize(ms->pulled, cap) || yx_resize(ms->reciprocal, cap) ||
		    yx_resize(ms->alt, cap))
			return false; /* it asks again at its next connection */
		ms->cap_pulled = cap;
	}
	ms->pulled[ms->n_pulled] = *a;
	alt_of(d, name, ms->alt[ms->n_pulled]);
	ms->reciprocal[ms->n_pulled++] = true;
	yx_log_info("member %s pulls from this node and is not one of its peers: pulling "
	            "from it in return at %s (charter)",
	            name, a->endpoint);
	return true;
}

bool yxd_members_origin_ok(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES], uint64_t *seq)
{
	const yx_charter_t *c = yxd_charter_current(d);
	if (!c)
		return true;
	const yx_member_t *m = yx_charter_member_by_origin(c, origin);
	if (!m)
		return false;
	if (!yx_member_seq_stands(m, *seq))
		*seq = m->revoked_after;
	return true;
}

yxd_counter_t yxd_members_refusal(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES],
                                  uint64_t head_seq)
{
	const yx_member_t *m = yx_charter_member_by_origin(yxd_charter_current(d), origin);
	if (!m)
		return C_REFUSED_NONMEMBER;
	if (!yx_member_seq_stands(m, head_seq))
		return C_REFUSED_REVOKED;
	return C_REJECTED_INVALID;
}
