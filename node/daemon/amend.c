/* amend: the amendments of the federation charter (联盟章程) this node takes part in. A
 * member proposes the version after the current one or signs a proposal pending; either
 * way it writes its vote — the proposed version's bytes and its signature of their hash —
 * into its own log, where it travels to every node like any record (never withheld).
 * Every node then adopts by itself (charter.c). A member's first vote for a version is the
 * one that counts, so this node refuses to write a second one. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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

/* Writes this node's vote for proposal p (checked to follow the current version). */
static int write_vote(yxd_t *d, const yx_charter_t *p, uint32_t round, Yrdx__CharterReply *cr,
                      yx_diag_t *diag)
{
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	uint8_t signature[YX_SIG_BYTES];
	char id[YX_CHARTER_VOTE_ID_MAX];
	yx_batch_t *b = NULL;
	yx_head_t head;
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
	int ret = yxd_writer_begin(d, &b, diag);
	if (ret == YX_OK && (ret = yx_batch_put(b, &c, diag)) != YX_OK)
		yx_batch_abort(&b);
	if (ret == YX_OK)
		ret = yxd_writer_commit(d, &b, &head, diag);
	if (ret)
		return ret;
	cr->vote_id = strdup(id);
	cr->seq = head.seq;
	cr->round = round;
	if (!cr->vote_id)
		return -ENOMEM;
	return YX_OK;
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
 * bytes depend on where its vote lands — the new key signs past that seq — so it is built
 * here, from the current version, once the batch's next seq is known: the rotation's own
 * request, beside this one.) */
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
	cr->adopted_ms = d->charter.adopted_ms;
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
	free(cr);
	r->charter = NULL;
}
