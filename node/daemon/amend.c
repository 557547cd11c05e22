/* amend: the amendments of the federation charter (联盟章程) this node takes part in. A
 * member proposes the version after the current one or signs a proposal pending; either
 * way it writes its vote — the proposed version's bytes and its signature of their hash —
 * into its own log, where it travels to every node like any record (never withheld).
 * Every node then adopts by itself (charter.c). A member's first vote for a version is the
 * one that counts, so this node refuses to write a second one. The rotation of this node's
 * own key is proposed here too: its version is built here, since the new key signs past
 * the seq its own vote gets. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "validate.h"
#include "yrdxd.h"

/* The shortest hash prefix sign takes: 16 bits leave little room for a mistake. */
#define MIN_PREFIX_HEX 4

/* What a request reads: the votes held for the version after the current one, the round
 * open for it, how the votes stand in that round, and every proposal some member's vote
 * counted for in a round so far (it may be voted on again in the open one). */
typedef struct {
	const yx_charter_t *cur;
	yxd_votes_t votes;
	uint32_t round;
	yx_tally_t tally;
	yx_proposal_t *known; /* by hash */
	size_t n_known;
} standing_t;

/* The round in which a vote counts now: the one adoption stops at. */
static int open_round(const standing_t *s, uint32_t *round)
{
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n_sigs = 0;
	int ret =
	        yx_charter_adopt(s->cur, s->votes.votes, s->votes.n, &next, &sigs, &n_sigs, round);
	yx_charter_free(&next); /* adoptable: the loop adopts it after this request */
	yx_charter_sigs_free(sigs, n_sigs);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

/* Adds the proposals of t not yet in s->known (kept by hash). */
static int known_add(standing_t *s, const yx_tally_t *t)
{
	for (size_t p = 0; p < t->n; p++) {
		size_t k = 0;
		while (k < s->n_known && memcmp(s->known[k].hash, t->proposals[p].hash, 32) < 0)
			k++;
		if (k < s->n_known && memcmp(s->known[k].hash, t->proposals[p].hash, 32) == 0)
			continue;
		yx_proposal_t *grown = realloc(s->known, (s->n_known + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->known = grown;
		memmove(&s->known[k + 1], &s->known[k], (s->n_known - k) * sizeof(*grown));
		s->known[k] = t->proposals[p];
		s->known[k].n_votes = 0; /* counted in the open round below */
		s->n_known++;
	}
	return YX_OK;
}

static void standing_free(standing_t *s)
{
	yx_charter_tally_free(&s->tally);
	yxd_votes_free(&s->votes);
	free(s->known);
	s->known = NULL;
}

static int standing_read(yxd_t *d, standing_t *s, yx_diag_t *diag)
{
	memset(s, 0, sizeof(*s));
	s->cur = yxd_charter_current(d);
	if (!s->cur)
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "no charter installed at this node (yrdxctl charter install "
		                   "FILE): there is no version to amend");
	int ret = yxd_charter_votes(d, s->cur->version + 1, &s->votes);
	if (ret == YX_OK)
		ret = open_round(s, &s->round);
	for (uint32_t r = 0; ret == YX_OK && r <= s->round; r++) {
		yx_charter_tally_free(&s->tally);
		ret = yx_charter_tally(s->cur, s->votes.votes, s->votes.n, r, &s->tally);
		if (ret == YX_OK)
			ret = known_add(s, &s->tally);
	}
	/* s->tally is the open round's now: its votes per known proposal */
	for (size_t k = 0; ret == YX_OK && k < s->n_known; k++)
		for (size_t p = 0; p < s->tally.n; p++)
			if (memcmp(s->known[k].hash, s->tally.proposals[p].hash, 32) == 0)
				s->known[k].n_votes = s->tally.proposals[p].n_votes;
	if (ret) {
		standing_free(s);
		yx_diag_set(diag, ret, "cannot read the votes held: %s", yx_strerror(ret));
	}
	return ret;
}

/* This node may vote on the next version: a charter, an active member, and no vote of
 * its own in the open round yet (whether it counts or not: it was written). */
static int may_vote(yxd_t *d, const standing_t *s, yx_diag_t *diag)
{
	const yx_member_t *self = yxd_charter_self(d);
	if (!self || !yx_member_active(self))
		return yx_diag_set(diag, YX_EINVAL,
		                   "this node (%s) is no active member of charter version %u: "
		                   "its vote would not count",
		                   d->cfg->name, s->cur->version);
	const uint8_t *me = self->origin; /* our log's identity, whatever key signs now */
	for (size_t i = 0; i < s->votes.n; i++)
		if (s->votes.votes[i].round == s->round &&
		    memcmp(s->votes.votes[i].origin, me, YX_KEY_BYTES) == 0)
			return yx_diag_set(
			        diag, YX_EINVAL,
			        "%s voted for version %u in round %u already: %s (log seq %llu); a "
			        "member's first vote in a round is the one that counts, and a new "
			        "round opens only once every active member has voted in this one "
			        "without a proposal reaching the threshold",
			        self->name, s->cur->version + 1, s->round, s->votes.ids[i],
			        (unsigned long long)s->votes.votes[i].seq);
	return YX_OK;
}

/* Appends this node's vote for proposal p (checked to follow the current version), in
 * round, to the open batch b; id receives the vote's id. */
static int vote_put(yxd_t *d, yx_batch_t *b, const yx_charter_t *p, uint32_t round,
                    char id[YX_CHARTER_VOTE_ID_MAX], yx_diag_t *diag)
{
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	uint8_t signature[YX_SIG_BYTES];
	yx_charter_vote_id_round(p->version, p->hash, round, id);
	yx_charter_sign(p->hash, d->id, signature);
	sig.key = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(d->id)};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, signature};
	sc.charter = (ProtobufCBinaryData){p->len, p->bytes};
	sc.n_signatures = 1;
	sc.signatures = &psig;
	v.id = id;
	v.proposal = &sc;
	v.round = round;
	yx_change_set_body(&c, YX_KIND_CHARTER, &v);
	c.id = id;
	int ret = yx_batch_put(b, &c, diag);
	d->charter.votes_came |= ret == YX_OK; /* counted after the commit */
	return ret;
}

/* The reply's account of the vote written. */
static int vote_reply(Yrdx__CharterReply *cr, const char *id, uint64_t seq, uint32_t round)
{
	cr->vote_id = strdup(id);
	cr->seq = seq;
	cr->round = round;
	return cr->vote_id ? YX_OK : -ENOMEM;
}

/* Writes this node's vote for proposal p (checked to follow the current version). */
static int write_vote(yxd_t *d, const yx_charter_t *p, uint32_t round, Yrdx__CharterReply *cr,
                      yx_diag_t *diag)
{
	char id[YX_CHARTER_VOTE_ID_MAX];
	yx_batch_t *b = NULL;
	yx_head_t head;
	int ret = yxd_writer_begin(d, &b, diag);
	if (ret == YX_OK && (ret = vote_put(d, b, p, round, id, diag)) != YX_OK)
		yx_batch_abort(&b);
	if (ret == YX_OK)
		ret = yxd_writer_commit(d, &b, &head, diag);
	return ret ? ret : vote_reply(cr, id, head.seq, round);
}

/* Counted votes for hash in the open round after ours: those held, and this node's own. */
static uint32_t votes_with_ours(const standing_t *s, const uint8_t hash[32])
{
	for (size_t p = 0; p < s->tally.n; p++)
		if (memcmp(s->tally.proposals[p].hash, hash, 32) == 0)
			return (uint32_t)s->tally.proposals[p].n_votes + 1;
	return 1;
}

static void log_vote(const char *what, const yx_charter_t *p, const Yrdx__CharterReply *cr,
                     uint32_t votes, uint32_t threshold)
{
	yx_log_info("charter version %u (%s) %s: vote %s written at log seq %llu, %u of %u "
	            "votes held",
	            p->version, p->summary[0] ? p->summary : "no summary", what, cr->vote_id,
	            (unsigned long long)cr->seq, votes, threshold);
}

/* A proposal given whole. (A rotation of this node's own key is the one amendment whose
 * bytes depend on where its vote lands — the new key signs past that seq — so do_rotate
 * builds it here, once the batch's next seq is known.) */
static int do_propose(yxd_t *d, const Yrdx__CharterRequest *q, Yrdx__CharterReply *cr,
                      yx_diag_t *diag)
{
	standing_t s;
	yx_charter_t *p = NULL;
	int ret = standing_read(d, &s, diag);
	if (ret)
		return ret;
	if ((ret = may_vote(d, &s, diag)) == YX_OK &&
	    (ret = yx_charter_decode(q->charter.data, q->charter.len, &p, diag)) == YX_OK &&
	    (ret = yx_charter_check_follows(s.cur, p, diag)) == YX_OK &&
	    (ret = write_vote(d, p, s.round, cr, diag)) == YX_OK) {
		cr->votes = votes_with_ours(&s, p->hash);
		log_vote("proposed", p, cr, cr->votes, s.cur->threshold);
	}
	if (ret == YX_EDECODE || ret == YX_ETOOBIG)
		ret = YX_EINVAL; /* the proposal given is bad input, whatever the reason */
	yx_charter_free(&p);
	standing_free(&s);
	return ret;
}

/* The pending proposal name gives: a vote id of the next version ("v<N>-<16 hex>", with
 * or without a round's "-r<R>") or a hex prefix of its hash. Its index in s->known, or an
 * error naming what was found. */
static int find_proposal(const standing_t *s, const char *name, size_t *out, yx_diag_t *diag)
{
	uint32_t next = s->cur->version + 1;
	char hex16[17] = "";
	const char *prefix = name;
	size_t found = 0;
	unsigned version;
	int used = 0;
	bool by_id = sscanf(name, "v%u-%n", &version, &used) == 1 && used > 0;
	if (by_id && version != next)
		return yx_diag_set(diag, YX_EINVAL,
		                   version <= s->cur->version
		                           ? "%s is a vote for version %u, and this node follows "
		                             "version %u already: that vote is over"
		                           : "%s is a vote for version %u; this node follows "
		                             "version %u, so only version %u can be voted on",
		                   name, version, s->cur->version, next);
	if (by_id) { /* the 16 hex digits; a round's suffix names no other proposal */
		snprintf(hex16, sizeof(hex16), "%s", name + used);
		prefix = hex16;
	}
	size_t len = strlen(prefix);
	if (len < (by_id ? 16 : MIN_PREFIX_HEX) || len > 64 ||
	    strspn(prefix, "0123456789abcdef") != len ||
	    (by_id && name[used + 16] && strncmp(name + used + 16, "-r", 2) != 0))
		return yx_diag_set(diag, YX_EINVAL,
		                   "\"%s\" names no proposal: give its vote id (v%u-<16 hex "
		                   "digits>) or at least %d lower-case hex digits of its hash",
		                   name, next, MIN_PREFIX_HEX);
	for (size_t k = 0; k < s->n_known; k++) {
		char hex[65];
		sodium_bin2hex(hex, sizeof(hex), s->known[k].hash, 32);
		if (strncmp(hex, prefix, len) == 0) {
			*out = k;
			found++;
		}
	}
	if (found == 1)
		return YX_OK;
	if (found > 1)
		return yx_diag_set(diag, YX_EINVAL,
		                   "%s matches %zu pending proposals; give more of the hash or "
		                   "the vote id (yrdxctl charter status)",
		                   name, found);
	return yx_diag_set(diag, YX_ENOTFOUND,
	                   "no proposal %s for version %u is held at this node (%zu pending; "
	                   "yrdxctl charter status lists them — a vote may still be on its "
	                   "way)",
	                   name, next, s->n_known);
}

static int do_sign(yxd_t *d, const Yrdx__CharterRequest *q, Yrdx__CharterReply *cr, yx_diag_t *diag)
{
	standing_t s;
	yx_charter_t *p = NULL;
	size_t which = 0;
	int ret = standing_read(d, &s, diag);
	if (ret)
		return ret;
	if ((ret = may_vote(d, &s, diag)) == YX_OK &&
	    (ret = find_proposal(&s, q->vote, &which, diag)) == YX_OK) {
		const yx_vote_t *v = s.known[which].vote;
		if ((ret = yx_charter_decode(v->charter, v->len, &p, diag)) == YX_OK &&
		    (ret = yx_charter_check_follows(s.cur, p, diag)) == YX_OK &&
		    (ret = write_vote(d, p, s.round, cr, diag)) == YX_OK) {
			cr->votes = votes_with_ours(&s, p->hash);
			log_vote("signed", p, cr, cr->votes, s.cur->threshold);
		}
	}
	if (ret == YX_EDECODE || ret == YX_ETOOBIG)
		ret = YX_EINVAL;
	yx_charter_free(&p);
	standing_free(&s);
	return ret;
}

/* ---- a rotation of this node's own key ---------------------------------------------- */

/* The new key is no key of any member so far (this node's earlier ones included): a key
 * that signed a log once must never sign another seq of it, nor another city's. */
static int key_unused(const yx_charter_t *cur, const uint8_t key[32], yx_diag_t *diag)
{
	char text[YX_PUBKEY_TEXT_LEN + 1];
	for (size_t i = 0; i < cur->n_members; i++)
		for (size_t k = 0; k < cur->members[i].n_keys; k++)
			if (memcmp(cur->members[i].keys[k].key, key, YX_KEY_BYTES) == 0) {
				yx_pubkey_format(key, text);
				return yx_diag_set(
				        diag, YX_EINVAL,
				        "rotate: key %s is member %s's key%s in charter "
				        "version %u: a new key is one no member ever had "
				        "(yrdxctl keygen --next makes one)",
				        text, cur->members[i].name,
				        k + 1 < cur->members[i].n_keys ? " of before" : "",
				        cur->version);
			}
	return YX_OK;
}

/* Whether a and b are the same file. */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* The new key waits where the adoption takes it (charter.c: the next key file, beside
 * node/key_file): id, loaded from file, is copied there (0600, never over another file)
 * unless it is that file, or the next key file holds the same key already. */
static int next_key_place(yxd_t *d, const char *file, const yx_identity_t *id, yx_diag_t *diag)
{
	char next[sizeof(d->cfg->key_file) + 8], text[YX_PUBKEY_TEXT_LEN + 1];
	yx_identity_t *there = NULL;
	yx_diag_t why = {{0}};
	if (!yx_key_next_path(d->cfg->key_file, next, sizeof(next)))
		return yx_diag_set(diag, YX_EINVAL, "rotate: %s.next: path too long",
		                   d->cfg->key_file);
	if (same_file(file, next))
		return YX_OK;
	if (access(next, F_OK) != 0) {
		int ret = yx_identity_save(id, next);
		if (ret)
			return yx_diag_set(diag, ret, "rotate: cannot keep the new key at %s: %s",
			                   next, yx_strerror(ret));
		yx_log_info("rotate: the new key of %s is kept at %s until the charter adopts it",
		            file, next);
		return YX_OK;
	}
	int ret = yx_identity_load(next, &there, &why);
	bool same = ret == YX_OK &&
	            memcmp(yx_identity_public(there), yx_identity_public(id), YX_KEY_BYTES) == 0;
	if (ret == YX_OK)
		yx_pubkey_format(yx_identity_public(there), text);
	yx_identity_free(&there);
	if (same)
		return YX_OK;
	if (ret)
		return yx_diag_set(diag, YX_EINVAL,
		                   "rotate: %s, where the adoption takes the new key from, is "
		                   "there and is no key: %s",
		                   next, why.msg);
	return yx_diag_set(diag, YX_EINVAL,
	                   "rotate: %s holds another next key (%s), and the adoption takes the "
	                   "new key from there: propose with that one (no --key), or remove it",
	                   next, text);
}

/* The key file a rotation names: an absolute path, an owner-only key file whose public
 * key is q->key, a key no member had, placed where the adoption takes it. */
static int next_key_check(yxd_t *d, const yx_charter_t *cur, const Yrdx__CharterRequest *q,
                          yx_diag_t *diag)
{
	char have[YX_PUBKEY_TEXT_LEN + 1], want[YX_PUBKEY_TEXT_LEN + 1];
	yx_identity_t *id = NULL;
	yx_diag_t why = {{0}};
	if (q->key.len != YX_KEY_BYTES)
		return yx_diag_set(diag, YX_EINVAL, "rotate: no new key given");
	if (q->key_file[0] != '/')
		return yx_diag_set(diag, YX_EINVAL,
		                   "rotate: the new key's file \"%s\" is not an absolute path",
		                   q->key_file);
	int ret = key_unused(cur, q->key.data, diag);
	if (ret)
		return ret;
	if ((ret = yx_identity_load(q->key_file, &id, &why)) != YX_OK)
		return yx_diag_set(diag, ret == -ENOMEM ? ret : YX_EINVAL, "rotate: %s",
		                   why.msg[0] ? why.msg : yx_strerror(ret));
	if (memcmp(yx_identity_public(id), q->key.data, YX_KEY_BYTES) != 0) {
		yx_pubkey_format(yx_identity_public(id), have);
		yx_pubkey_format(q->key.data, want);
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "rotate: %s holds key %s, not the key proposed, %s", q->key_file,
		                  have, want);
	}
	if (ret == YX_OK)
		ret = next_key_place(d, q->key_file, id, diag);
	yx_identity_free(&id);
	return ret;
}

/* The version after cur in which this node's log is signed by key past seq after. */
static int rotation_build(yxd_t *d, const yx_charter_t *cur, const uint8_t key[32], uint64_t after,
                          const char *summary, yx_charter_t **out, yx_diag_t *diag)
{
	yx_charter_t *next = NULL;
	yx_member_t *self = NULL;
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (yx_charter_copy(cur, &next) != YX_OK)
		return yx_diag_set(diag, -ENOMEM, "out of memory");
	next->version = cur->version + 1;
	memcpy(next->prev_hash, cur->hash, 32);
	next->time_ms = zclock_time();
	for (size_t i = 0; i < next->n_members; i++)
		if (memcmp(next->members[i].origin, d->origin, YX_KEY_BYTES) == 0)
			self = &next->members[i];
	int ret = YX_OK;
	if (self->n_keys == YX_CHARTER_MAX_KEYS || self->n_keys == YX_MAX_SIGNERS)
		ret = yx_diag_set(diag, YX_EINVAL,
		                  "rotate: %s has had %zu keys, the most a log may", self->name,
		                  self->n_keys);
	if (ret == YX_OK) {
		self->keys[self->n_keys].after_seq = after;
		memcpy(self->keys[self->n_keys++].key, key, YX_KEY_BYTES);
		yx_pubkey_format(key, text);
		const char *city = yx_city_name(self->city);
		if (summary && summary[0])
			snprintf(next->summary, sizeof(next->summary), "%s", summary);
		else
			snprintf(next->summary, sizeof(next->summary),
			         "rotate the key of %s (%s, %u): %s signs its log past seq %llu",
			         self->name, city ? city : "?", self->city, text,
			         (unsigned long long)after);
		if ((ret = yx_charter_build(next, out, diag)) == YX_OK &&
		    (ret = yx_charter_check_follows(cur, *out, diag)) != YX_OK)
			yx_charter_free(out);
	}
	yx_charter_free(&next);
	return ret;
}

/* The proposal of a new key for this node, built and voted for in one batch: the new key
 * signs past the seq of this very vote. From then on the node writes nothing until a
 * version with that number is adopted (rotate.c). */
static int do_rotate(yxd_t *d, const Yrdx__CharterRequest *q, Yrdx__CharterReply *cr,
                     yx_diag_t *diag)
{
	standing_t s;
	yx_charter_t *p = NULL;
	yx_batch_t *b = NULL;
	yx_head_t head;
	char id[YX_CHARTER_VOTE_ID_MAX];
	if (d->rotation.pending)
		return yx_diag_set(diag, YX_EINVAL,
		                   "rotate: a key rotation of this node waits already for charter "
		                   "version %u (its vote at log seq %llu); another can be proposed "
		                   "once a version %u is adopted",
		                   d->rotation.version, (unsigned long long)d->rotation.after_seq,
		                   d->rotation.version);
	if (q->summary[0] && strlen(q->summary) >= sizeof(p->summary))
		return yx_diag_set(diag, YX_EINVAL, "rotate: the summary is longer than %zu bytes",
		                   sizeof(p->summary) - 1);
	int ret = standing_read(d, &s, diag);
	if (ret)
		return ret;
	if ((ret = may_vote(d, &s, diag)) || (ret = next_key_check(d, s.cur, q, diag)) ||
	    (ret = yxd_writer_begin(d, &b, diag)))
		goto out;
	uint64_t seq = yx_batch_next_seq(b);
	if ((ret = rotation_build(d, s.cur, q->key.data, seq, q->summary, &p, diag)) ||
	    (ret = vote_put(d, b, p, s.round, id, diag))) {
		yx_batch_abort(&b);
		goto out;
	}
	if ((ret = yxd_writer_commit(d, &b, &head, diag)))
		goto out;
	yxd_rotation_pending(d, seq, p->version); /* its store mark's failure is logged */
	if ((ret = vote_reply(cr, id, head.seq, s.round)) ||
	    !(cr->proposal.data = malloc(p->len))) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(cr->proposal.data, p->bytes, p->len);
	cr->proposal.len = p->len;
	cr->votes = votes_with_ours(&s, p->hash);
	log_vote("proposed", p, cr, cr->votes, s.cur->threshold);
out:
	if (ret == YX_EDECODE || ret == YX_ETOOBIG)
		ret = YX_EINVAL;
	yx_charter_free(&p);
	standing_free(&s);
	return ret;
}

/* Known proposal k for the reply: its id in the open round, hash, summary, and the
 * members whose vote in the open round counts for it. */
static int proposal_msg(const standing_t *s, size_t k, Yrdx__CharterProposal *m)
{
	yx_charter_t *c = NULL;
	yx_diag_t diag;
	char id[YX_CHARTER_VOTE_ID_MAX];
	const yx_proposal_t *pr = &s->known[k];
	yrdx__charter_proposal__init(m);
	yx_charter_vote_id_round(s->cur->version + 1, pr->hash, s->round, id);
	if (!(m->id = strdup(id)))
		return -ENOMEM;
	/* a counted vote's bytes decode: the tally decoded them */
	if (yx_charter_decode(pr->vote->charter, pr->vote->len, &c, &diag) == YX_OK) {
		char *summary = strdup(c->summary);
		m->version = c->version;
		if (summary)
			m->summary = summary;
	}
	yx_charter_free(&c);
	m->hash.data = malloc(32);
	m->voters = calloc(pr->n_votes ? pr->n_votes : 1, sizeof(*m->voters));
	if (!m->hash.data || !m->voters)
		return -ENOMEM;
	memcpy(m->hash.data, pr->hash, 32);
	m->hash.len = 32;
	for (size_t i = 0; i < s->tally.n_members; i++) {
		size_t p = s->tally.member_proposal[i];
		if (p != SIZE_MAX && memcmp(s->tally.proposals[p].hash, pr->hash, 32) == 0)
			m->voters[m->n_voters++] =
			        (ProtobufCBinaryData){32, (uint8_t *)s->cur->members[i].origin};
	}
	return YX_OK;
}

static int do_status(yxd_t *d, Yrdx__CharterReply *cr, yx_diag_t *diag)
{
	standing_t s;
	if (!yxd_charter_current(d))
		return YX_OK; /* no charter: an empty reply says so */
	int ret = standing_read(d, &s, diag);
	if (ret)
		return ret;
	/* Pointers into the current version (it outlives the reply) and into the tally. */
	cr->current = (ProtobufCBinaryData){s.cur->len, s.cur->bytes};
	cr->adopted_ms = yxd_wall_ms(d->charter.adopted_ms);
	cr->ignored = (uint32_t)s.tally.ignored;
	cr->round = s.round;
	cr->pending = calloc(s.n_known ? s.n_known : 1, sizeof(*cr->pending));
	if (!cr->pending)
		ret = -ENOMEM;
	for (size_t k = 0; ret == YX_OK && k < s.n_known; k++) {
		Yrdx__CharterProposal *m = calloc(1, sizeof(*m));
		if (!m) {
			ret = -ENOMEM;
			break;
		}
		cr->pending[cr->n_pending++] = m;
		ret = proposal_msg(&s, k, m);
	}
	standing_free(&s);
	return ret;
}

void yxd_amend_request(yxd_t *d, const Yrdx__CharterRequest *q, Yrdx__ControlReply *r)
{
	Yrdx__CharterReply *cr = calloc(1, sizeof(*cr));
	yx_diag_t diag = {{0}};
	int ret;
	if (!cr) {
		r->error = -ENOMEM;
		r->message = strdup("out of memory");
		return;
	}
	yrdx__charter_reply__init(cr);
	r->charter = cr;
	switch (q->action) {
	case YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE:
		ret = do_propose(d, q, cr, &diag);
		break;
	case YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN: ret = do_sign(d, q, cr, &diag); break;
	case YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS: ret = do_status(d, cr, &diag); break;
	case YRDX__CHARTER_REQUEST__ACTION__ACTION_ROTATE: ret = do_rotate(d, q, cr, &diag); break;
	default: ret = yx_diag_set(&diag, YX_EINVAL, "unknown charter request"); break;
	}
	if (ret) {
		r->error = ret;
		r->message = strdup(diag.msg[0] ? diag.msg : yx_strerror(ret));
	}
}

void yxd_amend_reply_free(Yrdx__ControlReply *r)
{
	Yrdx__CharterReply *cr = r->charter;
	if (!cr)
		return;
	for (size_t p = 0; p < cr->n_pending; p++) {
		Yrdx__CharterProposal *m = cr->pending[p];
		if (m->id != protobuf_c_empty_string)
			free(m->id);
		if (m->summary != protobuf_c_empty_string)
			free(m->summary);
		free(m->hash.data);
		free(m->voters); /* the origins point into the charter */
		free(m);
	}
	free(cr->pending);
	if (cr->vote_id != protobuf_c_empty_string)
		free(cr->vote_id);
	free(cr->proposal.data);
	free(cr);
	r->charter = NULL;
}
