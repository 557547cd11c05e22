/* charter (daemon): the federation charter this node follows (docs/design.md, "The
 * charter"). Holds the adopted chain, read from the store at start; gives the store its
 * rules (who signs a member's heads at a seq, whether a received change stands); says
 * who this node is in it; and adopts each next version by itself once the members' votes
 * in the logs it holds make it valid — after any commit that may have brought votes, and
 * at start, since votes may have arrived before a restart. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "log.h"
#include "yrdxd.h"

/* The key that signs origin's head at seq: the member's key for that seq of its log, or
 * NULL when the origin is no member or the seq lies past its revocation. */
static const uint8_t *charter_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	yxd_t *d = arg;
	const yx_member_t *m = yx_charter_member_by_origin(yxd_charter_current(d), origin);
	if (!m || !yx_member_seq_stands(m, seq))
		return NULL;
	return yx_member_key_at(m, seq);
}

/* The store's rules from the chain held (none without a charter). */
static void charter_rules(yxd_t *d)
{
	yx_rules_t rules = {charter_signer, yxd_charter_admit, d};
	yx_store_set_rules(d->store, d->charter.chain ? &rules : NULL);
}

int yxd_charter_start(yxd_t *d)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	int ret = yx_store_charter_get(d->store, &bytes, &len);
	if (ret == YX_ENOTFOUND) {
		yx_log_warn("no charter installed: this node trusts the peers in its config and "
		            "every origin they offer (yrdxctl charter install FILE)");
		return YX_OK;
	}
	if (ret == YX_OK)
		ret = yx_charter_file_decode(bytes, len, false, &d->charter.chain, NULL, &diag);
	free(bytes);
	if (ret) {
		yx_log_error("the charter in %s does not verify: %s", d->cfg->data_dir,
		             diag.msg[0] ? diag.msg : yx_strerror(ret));
		return ret;
	}
	const yx_charter_t *c = yxd_charter_current(d);
	if (!yxd_charter_self(d))
		yx_log_warn("charter version %u does not name this node's key: its records "
		            "reach no member",
		            c->version);
	yx_log_info("charter %s version %u: %zu members, threshold %u", c->federation, c->version,
	            c->n_members, c->threshold);
	charter_rules(d);
	d->charter.due = true; /* votes may have come before the restart */
	return YX_OK;
}

void yxd_charter_stop(yxd_t *d)
{
	if (d->store)
		yx_store_set_rules(d->store, NULL);
	yx_charter_chain_free(&d->charter.chain);
	free(d->charter.next_keys);
	d->charter.next_keys = NULL;
	d->charter.n_next_keys = 0;
}

const yx_charter_t *yxd_charter_current(const yxd_t *d)
{
	return yx_charter_chain_current(d->charter.chain);
}

const yx_member_t *yxd_charter_self(const yxd_t *d)
{
	return yx_charter_member_by_origin(yxd_charter_current(d), d->origin);
}

/* ---- votes held ------------------------------------------------------------------------ */

typedef struct {
	yxd_votes_t *out;
	uint32_t version;
	int ret;
} gather_t;

/* One vote record: kept if its id is the one its bytes and version give. */
static int gather_one(void *arg, const yx_stored_t *rec)
{
	gather_t *g = arg;
	yxd_votes_t *v = g->out;
	const Yrdx__Change *c = rec->change;
	if (!c || c->body_case != YRDX__CHANGE__BODY_CHARTER_VOTE || !c->charter_vote->proposal)
		return 0;
	const Yrdx__SignedCharter *p = c->charter_vote->proposal;
	uint8_t hash[32];
	char id[YX_CHARTER_VOTE_ID_MAX];
	if (p->n_signatures != 1 || p->signatures[0]->key.len != 32 ||
	    p->signatures[0]->signature.len != YX_SIG_BYTES)
		return 0; /* validation refuses these; a store of old may hold one */
	yx_charter_hash(p->charter.data, p->charter.len, hash);
	yx_charter_vote_id_round(g->version, hash, c->charter_vote->round, id);
	if (strcmp(id, c->charter_vote->id) != 0)
		return 0; /* a vote that says it is for another proposal or round than it is */
	if (v->n == v->cap) {
		size_t cap = yx_grow_cap(v->cap, v->n + 1, 16);
		if (!cap || yx_resize(v->votes, cap) || yx_resize(v->ids, cap))
			return g->ret = -ENOMEM;
		v->cap = cap;
	}
	yx_vote_t *out = &v->votes[v->n];
	memcpy(out->origin, rec->origin, 32);
	out->seq = rec->seq;
	out->charter = p->charter.data;
	out->len = p->charter.len;
	memcpy(out->signer, p->signatures[0]->key.data, 32);
	memcpy(out->signature, p->signatures[0]->signature.data, YX_SIG_BYTES);
	out->round = c->charter_vote->round;
	memcpy(v->ids[v->n], id, sizeof(id));
	v->n++;
	return 0;
}

int yxd_charter_votes(yxd_t *d, uint32_t version, yxd_votes_t *out)
{
	char prefix[24];
	yx_snap_t *snap = NULL;
	gather_t g = {out, version, YX_OK};
	memset(out, 0, sizeof(*out));
	yx_arena_init(&out->arena);
	snprintf(prefix, sizeof(prefix), "v%u-", version);
	int ret = yx_snap_open(d->store, &snap);
	if (ret == YX_OK)
		ret = yx_snap_scan_ids(snap, YX_KIND_CHARTER, prefix, &out->arena, gather_one, &g);
	yx_snap_close(&snap);
	if (ret == YX_OK)
		ret = g.ret;
	if (ret)
		yxd_votes_free(out);
	return ret;
}

void yxd_votes_free(yxd_votes_t *v)
{
	free(v->votes);
	free(v->ids);
	yx_arena_free(&v->arena);
	memset(v, 0, sizeof(*v));
}

/* ---- rotations in the air ---------------------------------------------------------- */

const uint8_t *yxd_charter_next_key(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES])
{
	for (size_t i = 0; i < d->charter.n_next_keys; i++)
		if (memcmp(d->charter.next_keys[i].origin, origin, YX_KEY_BYTES) == 0)
			return d->charter.next_keys[i].key;
	return NULL;
}

/* The new key vote v proposes for its own member, if it is such a vote: cast by an
 * active member of cur with its current key, for a version that may follow cur and gives
 * that member one more key. */
static bool own_rotation(const yx_charter_t *cur, const yx_vote_t *v, uint8_t key[32])
{
	const yx_member_t *m = yx_charter_member_by_origin(cur, v->origin);
	yx_charter_t *p = NULL;
	yx_diag_t diag;
	uint8_t hash[32];
	bool is = false;
	if (!m || !yx_member_active(m) ||
	    memcmp(v->signer, yx_member_current_key(m), YX_KEY_BYTES) != 0)
		return false;
	yx_charter_hash(v->charter, v->len, hash);
	if (yx_charter_sig_verify(hash, v->signer, v->signature) != YX_OK ||
	    yx_charter_decode(v->charter, v->len, &p, &diag) != YX_OK)
		return false;
	const yx_member_t *pm = yx_charter_member_by_origin(p, m->origin);
	if (pm && pm->n_keys == m->n_keys + 1 && yx_charter_check_follows(cur, p, &diag) == YX_OK) {
		memcpy(key, yx_member_current_key(pm), YX_KEY_BYTES);
		is = true;
	}
	yx_charter_free(&p);
	return is;
}

/* The members' own rotations among the votes v held for the version after cur, made
 * d->charter.next_keys; true if they differ from the ones before (the pull connections
 * follow them). */
static bool next_keys_update(yxd_t *d, const yx_charter_t *cur, const yxd_votes_t *v)
{
	yxd_next_key_t *keys = calloc(v->n ? v->n : 1, sizeof(*keys));
	size_t n = 0;
	uint8_t key[32];
	if (!keys)
		return false; /* kept as they were; counted again with the next votes */
	for (size_t i = 0; cur && i < v->n; i++) {
		if (!own_rotation(cur, &v->votes[i], key))
			continue;
		size_t k = 0;
		while (k < n && memcmp(keys[k].origin, v->votes[i].origin, YX_KEY_BYTES) != 0)
			k++;
		if (k < n)
			continue; /* its daemon proposes one at a time; a second is not tried */
		memcpy(keys[n].origin, v->votes[i].origin, YX_KEY_BYTES);
		memcpy(keys[n++].key, key, YX_KEY_BYTES);
	}
	bool changed = n != d->charter.n_next_keys ||
	               (n && memcmp(keys, d->charter.next_keys, n * sizeof(*keys)) != 0);
	free(d->charter.next_keys);
	d->charter.next_keys = keys;
	d->charter.n_next_keys = n;
	return changed;
}

/* ---- adoption ------------------------------------------------------------------------ */

void yxd_charter_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)origins;
	(void)n;
	/* Only a commit that held a vote (ours, or one the admit rule saw come in) makes a
	 * count due: the votes are not read again after every commit of records. */
	if (d->charter.chain && d->charter.votes_came)
		d->charter.due = true;
	d->charter.votes_came = false;
}

/* Which votes these are (their origins and seqs, for the version): the same set twice
 * needs no second count. */
static void votes_fingerprint(uint32_t version, const yxd_votes_t *v, uint8_t out[32])
{
	crypto_generichash_state st;
	uint8_t be[12];
	crypto_generichash_init(&st, NULL, 0, 32);
	for (int i = 0; i < 4; i++)
		be[i] = (uint8_t)(version >> (24 - 8 * i));
	crypto_generichash_update(&st, be, 4);
	for (size_t i = 0; i < v->n; i++) {
		for (int k = 0; k < 8; k++)
			be[k] = (uint8_t)(v->votes[i].seq >> (56 - 8 * k));
		crypto_generichash_update(&st, v->votes[i].origin, 32);
		crypto_generichash_update(&st, be, 8);
	}
	crypto_generichash_final(&st, out, 32);
}

/* Drops the last version of the chain (one that could not be written). */
static void chain_pop(yx_charter_chain_t *chain)
{
	size_t n = --chain->n;
	yx_charter_free(&chain->versions[n]);
	yx_charter_sigs_free(chain->sigs[n], chain->n_sigs[n]);
}

/* Writes the chain to the store; a failure is said and leaves the store as it was. */
static int chain_persist(yxd_t *d)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	int ret = yx_charter_file_encode(d->charter.chain, &bytes, &len);
	if (ret == YX_OK)
		ret = yx_store_charter_put(d->store, bytes, len);
	free(bytes);
	return ret;
}

/* "version 3 adopted (admit suzhou), signed by shanghai, hangzhou, nanjing" */
static void log_adopted(const yx_charter_t *prev, const yx_charter_t *next,
                        Yrdx__CharterSignature *const *sigs, size_t n)
{
	char names[1024] = "";
	for (size_t i = 0; i < n; i++) {
		const yx_member_t *m = yx_charter_member_by_key(prev, sigs[i]->key.data);
		size_t len = strlen(names);
		snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
		         m ? m->name : "?");
	}
	yx_log_info("charter version %u adopted (%s), signed by %s", next->version,
	            next->summary[0] ? next->summary : "no summary", names);
}

/* One step: the version after the current one, if the votes held make it valid. YX_OK:
 * adopted (try the next), YX_ENOTFOUND: not yet (*keys_moved: the members' own rotations
 * proposed changed), else an error (try again later). */
static int adopt_next(yxd_t *d, bool *keys_moved)
{
	const yx_charter_t *cur = yxd_charter_current(d);
	yxd_votes_t v;
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n_sigs = 0;
	uint8_t print[32];
	int ret = yxd_charter_votes(d, cur->version + 1, &v);
	if (ret)
		return ret;
	votes_fingerprint(cur->version + 1, &v, print);
	if (d->charter.counted_set && memcmp(print, d->charter.counted, 32) == 0) {
		yxd_votes_free(&v);
		return YX_ENOTFOUND; /* counted as they are already */
	}
	ret = yx_charter_adopt(cur, v.votes, v.n, &next, &sigs, &n_sigs, NULL);
	if (ret == YX_OK)
		ret = yx_charter_chain_append(d->charter.chain, next, sigs, n_sigs);
	if (ret == YX_OK && (ret = chain_persist(d)) != YX_OK) {
		yx_log_error("charter version %u is adopted by the votes held, but cannot be "
		             "written to the store: %s; trying again",
		             next->version, yx_strerror(ret));
		chain_pop(d->charter.chain);
	}
	if (ret == YX_OK) {
		log_adopted(cur, next, sigs, n_sigs); /* cur: a version the chain still holds */
		d->charter.counted_set = false;
	} else if (ret == YX_ENOTFOUND) {
		memcpy(d->charter.counted, print, 32);
		d->charter.counted_set = true;
		*keys_moved |= next_keys_update(d, cur, &v);
	}
	yx_charter_free(&next);
	yx_charter_sigs_free(sigs, n_sigs);
	yxd_votes_free(&v);
	return ret;
}

void yxd_charter_hooks(yxd_t *d, yxd_version_fn on_version, yxd_charter_fn on_changed)
{
	d->charter.on_version = on_version;
	d->charter.on_changed = on_changed;
}

void yxd_charter_adopt_due(yxd_t *d, int64_t now_ms)
{
	if (!d->charter.due || !d->charter.chain || now_ms < d->charter.retry_ms)
		return;
	/* the store takes the charter in a transaction of its own */
	if (d->remote && yxd_writer_flush(d) != YX_OK)
		return;
	d->charter.due = false;
	bool adopted = false, keys_moved = false;
	int ret;
	if (!d->charter.started) { /* a version adopted before a crash may rotate us yet */
		d->charter.started = true;
		if (d->charter.on_version)
			d->charter.on_version(d, yxd_charter_current(d));
	}
	while ((ret = adopt_next(d, &keys_moved)) == YX_OK) {
		adopted = true;
		d->charter.adopted_ms = now_ms;
		if (d->charter.on_version)
			d->charter.on_version(d, yxd_charter_current(d));
	}
	if (ret != YX_ENOTFOUND) {
		d->charter.due = true;
		d->charter.retry_ms = now_ms + 1000;
	}
	if (adopted)
		charter_rules(d);
	if ((adopted || keys_moved) && d->charter.on_changed)
		d->charter.on_changed(d);
}
