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

/* What a request reads: the votes held for the version after the current one, and how
 * they stand. */
typedef struct {
	const yx_charter_t *cur;
	yxd_votes_t votes;
	yx_tally_t tally;
} standing_t;

static int standing_read(yxd_t *d, standing_t *s, yx_diag_t *diag)
{
	memset(s, 0, sizeof(*s));
	s->cur = yxd_charter_current(d);
	if (!s->cur)
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "no charter installed at this node (yrdxctl charter install "
		                   "FILE): there is no version to amend");
	int ret = yxd_charter_votes(d, s->cur->version + 1, &s->votes);
	if (ret == YX_OK && (ret = yx_charter_tally(s->cur, s->votes.votes, s->votes.n, &s->tally)))
		yxd_votes_free(&s->votes);
	if (ret)
		yx_diag_set(diag, ret, "cannot read the votes held: %s", yx_strerror(ret));
	return ret;
}

static void standing_free(standing_t *s)
{
	yx_charter_tally_free(&s->tally);
	yxd_votes_free(&s->votes);
}

/* This node may vote on the next version: a charter, an active member, and no vote of
 * its own for that version in its log yet (whether it counts or not: it was written). */
static int may_vote(yxd_t *d, const standing_t *s, yx_diag_t *diag)
{
	const yx_member_t *self = yxd_charter_self(d);
	const uint8_t *me = yx_identity_public(d->id);
	if (!self || !yx_member_active(self))
		return yx_diag_set(diag, YX_EINVAL,
		                   "this node (%s) is no active member of charter version %u: "
		                   "its vote would not count",
		                   d->cfg->name, s->cur->version);
	for (size_t i = 0; i < s->votes.n; i++)
		if (memcmp(s->votes.votes[i].origin, me, YX_KEY_BYTES) == 0)
			return yx_diag_set(diag, YX_EINVAL,
			                   "%s voted for version %u already: %s (log seq %llu); a "
			                   "member's first vote for a version is the one that "
			                   "counts",
			                   self->name, s->cur->version + 1, s->votes.ids[i],
			                   (unsigned long long)s->votes.votes[i].seq);
	return YX_OK;
}

/* Writes this node's vote for proposal p (checked to follow the current version). */
static int write_vote(yxd_t *d, const yx_charter_t *p, Yrdx__CharterReply *cr, yx_diag_t *diag)
{
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	uint8_t signature[YX_SIG_BYTES];
	char id[YX_CHARTER_VOTE_ID_MAX];
	yx_batch_t *b = NULL;
	yx_head_t head;
	yx_charter_vote_id(p->version, p->hash, id);
	yx_charter_sign(p->hash, d->id, signature);
	sig.key = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(d->id)};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, signature};
	sc.charter = (ProtobufCBinaryData){p->len, p->bytes};
	sc.n_signatures = 1;
	sc.signatures = &psig;
	v.id = id;
	v.proposal = &sc;
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
	if (!cr->vote_id)
		return -ENOMEM;
	return YX_OK;
}

/* Counted votes for hash after ours: those held, and this node's own. */
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
	    (ret = write_vote(d, p, cr, diag)) == YX_OK) {
		cr->votes = votes_with_ours(&s, p->hash);
		log_vote("proposed", p, cr, cr->votes, s.cur->threshold);
	}
	if (ret == YX_EDECODE || ret == YX_ETOOBIG)
		ret = YX_EINVAL; /* the proposal given is bad input, whatever the reason */
	yx_charter_free(&p);
	standing_free(&s);
	return ret;
}

/* The pending proposal name gives: a vote id of the next version, or a hex prefix of its
 * hash. Its index in s->tally, or an error naming what was found. */
static int find_proposal(const standing_t *s, const char *name, size_t *out, yx_diag_t *diag)
{
	uint32_t next = s->cur->version + 1;
	size_t len = strlen(name), found = 0;
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
	if (!by_id && (len < MIN_PREFIX_HEX || len > 64 || strspn(name, "0123456789abcdef") != len))
		return yx_diag_set(diag, YX_EINVAL,
		                   "\"%s\" names no proposal: give its vote id (v%u-…) or at least "
		                   "%d lower-case hex digits of its hash",
		                   name, next, MIN_PREFIX_HEX);
	for (size_t p = 0; p < s->tally.n; p++) {
		char id[YX_CHARTER_VOTE_ID_MAX], hex[65];
		yx_charter_vote_id(next, s->tally.proposals[p].hash, id);
		sodium_bin2hex(hex, sizeof(hex), s->tally.proposals[p].hash, 32);
		if (by_id ? strcmp(id, name) == 0 : strncmp(hex, name, len) == 0) {
			*out = p;
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
	                   name, next, s->tally.n);
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
		const yx_vote_t *v = s.tally.proposals[which].vote;
		if ((ret = yx_charter_decode(v->charter, v->len, &p, diag)) == YX_OK &&
		    (ret = yx_charter_check_follows(s.cur, p, diag)) == YX_OK &&
		    (ret = write_vote(d, p, cr, diag)) == YX_OK) {
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

/* One pending proposal for the reply: its id, hash, summary and counted voters. */
static int proposal_msg(const standing_t *s, size_t p, Yrdx__CharterProposal *m)
{
	yx_charter_t *c = NULL;
	yx_diag_t diag;
	char id[YX_CHARTER_VOTE_ID_MAX];
	const yx_proposal_t *pr = &s->tally.proposals[p];
	yrdx__charter_proposal__init(m);
	yx_charter_vote_id(s->cur->version + 1, pr->hash, id);
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
	for (size_t i = 0; i < s->tally.n_members; i++)
		if (s->tally.member_proposal[i] == p)
			m->voters[m->n_voters++] =
			        (ProtobufCBinaryData){32, (uint8_t *)s->cur->members[i].origin};
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
	cr->pending = calloc(s.tally.n ? s.tally.n : 1, sizeof(*cr->pending));
	if (!cr->pending)
		ret = -ENOMEM;
	for (size_t p = 0; ret == YX_OK && p < s.tally.n; p++) {
		Yrdx__CharterProposal *m = calloc(1, sizeof(*m));
		if (!m) {
			ret = -ENOMEM;
			break;
		}
		cr->pending[cr->n_pending++] = m;
		ret = proposal_msg(&s, p, m);
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
