/* Adoption of charter amendments (联盟章程) by the daemon, through yxd_t on a real store and
 * no sockets: this node's own votes written through the control request (propose, sign),
 * the other members' votes arriving as verified segments of their own logs, the version
 * adopted once the threshold of members voted for it — written to the store, followed by
 * the store's rules — and never on fewer votes, forged ones, a non-member's, a member's
 * second vote or an old version's. Votes arriving in any order resolve the same way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "yrdxd.h"

#define FOUNDERS 5
#define MAX_IDS  8

static const uint32_t cities[MAX_IDS] = {310000, 320100, 330100, 340100,
                                         320500, 320200, 330200, 340200};

/* A federation of FOUNDERS members (m0..m4, threshold 3) and the node of m0, plus the
 * keys of three more cities that are no members yet; each member's log as its node
 * would send it. */
typedef struct {
	yxd_t d;
	yx_config_t cfg;
	char *dir;
	yx_identity_t *ids[MAX_IDS];
	fx_log_t logs[MAX_IDS];
	yx_charter_t *v1;
	int64_t clock;
} fed_t;

static void member_init(yx_member_t *m, size_t i, const yx_identity_t *id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "m%zu", i);
	m->city = cities[i];
	m->jurisdiction[0] = cities[i];
	m->n_jurisdiction = 1;
	memcpy(m->origin, yx_identity_public(id), 32);
	memcpy(m->keys[0].key, m->origin, 32);
	m->n_keys = 1;
	snprintf(m->endpoints[0], sizeof(m->endpoints[0]), "tcp://127.0.0.1:%zu", 17000 + i);
	m->n_endpoints = 1;
}

/* Version 1 signed by every founder, installed in the store; the daemon started on it. */
/* main.c's charter_changed: the members' lists, then the pull connections. */
static void follow_trust(yxd_t *d)
{
	if (yxd_members_changed(d) == YX_OK)
		yxd_clients_sync_config(d);
}

static void fed_open(fed_t *f)
{
	yx_diag_t diag = {{0}};
	yx_charter_t c;
	memset(f, 0, sizeof(*f));
	f->dir = fx_tmpdir("adopt");
	f->cfg.dead_after_ms = 5000;
	snprintf(f->cfg.name, sizeof(f->cfg.name), "m0");
	snprintf(f->cfg.data_dir, sizeof(f->cfg.data_dir), "%s", f->dir);
	for (size_t i = 0; i < MAX_IDS; i++) {
		assert_int_equal(yx_identity_generate(&f->ids[i]), YX_OK);
		fx_log_init(&f->logs[i], f->ids[i]);
	}
	memset(&c, 0, sizeof(c));
	c.version = 1;
	c.threshold = 3;
	snprintf(c.federation, sizeof(c.federation), "长三角协同孵化网络");
	snprintf(c.summary, sizeof(c.summary), "founding");
	c.members = calloc(FOUNDERS, sizeof(*c.members));
	assert_non_null(c.members);
	for (size_t i = 0; i < FOUNDERS; i++)
		member_init(&c.members[i], i, f->ids[i]);
	c.n_members = FOUNDERS;
	assert_int_equal(yx_charter_build(&c, &f->v1, &diag), YX_OK);
	free(c.members);

	Yrdx__CharterSignature sig[FOUNDERS], *psig[FOUNDERS];
	uint8_t raw[FOUNDERS][YX_SIG_BYTES];
	for (size_t i = 0; i < FOUNDERS; i++) {
		yrdx__charter_signature__init(&sig[i]);
		yx_charter_sign(f->v1->hash, f->ids[i], raw[i]);
		sig[i].key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(f->ids[i])};
		sig[i].signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw[i]};
		psig[i] = &sig[i];
	}
	yx_charter_chain_t *chain = calloc(1, sizeof(*chain));
	uint8_t *bytes = NULL;
	size_t len = 0;
	assert_non_null(chain);
	assert_int_equal(yx_charter_chain_append(chain, f->v1, psig, FOUNDERS), YX_OK);
	assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
	yx_charter_chain_free(&chain);

	/* the node's key in its key file, as yrdxd loads it (a rotation replaces both) */
	snprintf(f->cfg.key_file, sizeof(f->cfg.key_file), "%s/node.key", f->dir);
	assert_int_equal(yx_identity_save(f->ids[0], f->cfg.key_file), YX_OK);
	assert_int_equal(yx_identity_load(f->cfg.key_file, &f->d.id, &diag), YX_OK);
	f->d.cfg = &f->cfg;
	memcpy(f->d.origin, yx_identity_public(f->ids[0]), YX_KEY_BYTES);
	assert_int_equal(yx_store_open(f->dir, YX_STORE_CREATE, 0, &f->d.store, &diag), YX_OK);
	assert_int_equal(yx_store_charter_put(f->d.store, bytes, len), YX_OK);
	free(bytes);
	yxd_writer_on_commit(&f->d.writer, yxd_charter_moved);
	/* as main.c wires it: a version may rotate our key, then trust and peers follow */
	yxd_charter_hooks(&f->d, yxd_rotation_follows, follow_trust);
	assert_int_equal(yxd_charter_start(&f->d), YX_OK);
	f->clock = 1000;
}

static void fed_close(fed_t *f)
{
	yxd_charter_stop(&f->d);
	yxd_clients_stop(&f->d);
	yxd_members_free(&f->d);
	yx_store_close(&f->d.store);
	yx_identity_free(&f->d.id);
	for (size_t i = 0; i < MAX_IDS; i++) {
		fx_log_clear(&f->logs[i]);
		yx_identity_free(&f->ids[i]);
	}
	yx_charter_free(&f->v1);
	fx_rmtree(f->dir);
	free(f->dir);
}

static uint32_t version(fed_t *f)
{
	return yxd_charter_current(&f->d)->version;
}

/* The loop's turn: whatever the commits brought is counted. */
static void settle(fed_t *f)
{
	f->clock += 100;
	yxd_charter_adopt_due(&f->d, f->clock);
}

/* The proposal after cur: cur with member `admit` (an index into ids) added (and the
 * threshold raised if it would be no majority), or with the threshold raised by one when
 * admit is 0; tag tells two of a kind apart. */
static yx_charter_t *proposal(fed_t *f, const yx_charter_t *cur, size_t admit, const char *tag)
{
	yx_diag_t diag = {{0}};
	yx_charter_t *next = NULL, *out = NULL;
	assert_int_equal(yx_charter_copy(cur, &next), YX_OK);
	next->version = cur->version + 1;
	memcpy(next->prev_hash, cur->hash, 32);
	next->time_ms = 1700000000000;
	snprintf(next->summary, sizeof(next->summary), "%s", tag);
	if (admit) {
		next->members = realloc(next->members, (next->n_members + 1) * sizeof(yx_member_t));
		assert_non_null(next->members);
		member_init(&next->members[next->n_members++], admit, f->ids[admit]);
		if (next->threshold * 2 <= next->n_members) /* stays a majority */
			next->threshold = (uint32_t)next->n_members / 2 + 1;
	} else {
		next->threshold++;
	}
	assert_int_equal(yx_charter_build(next, &out, &diag), YX_OK);
	yx_charter_free(&next);
	return out;
}

/* A vote record for p in round in log i's next entry, signed by signer (the member's own
 * key, or not); id NULL: the one its bytes and round give. */
static void log_vote_round(fed_t *f, size_t i, const yx_charter_t *p, const yx_identity_t *signer,
                           const char *id, uint32_t round)
{
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	uint8_t raw[YX_SIG_BYTES];
	char vid[YX_CHARTER_VOTE_ID_MAX];
	yx_charter_vote_id_round(p->version, p->hash, round, vid);
	yx_charter_sign(p->hash, signer, raw);
	sig.key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(f->ids[i])};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw};
	sc.charter = (ProtobufCBinaryData){p->len, p->bytes};
	sc.n_signatures = 1;
	sc.signatures = &psig;
	v.id = (char *)(id ? id : vid);
	v.proposal = &sc;
	v.round = round;
	fx_log_append(&f->logs[i], YX_KIND_CHARTER, &v, f->clock);
}

static void log_vote(fed_t *f, size_t i, const yx_charter_t *p, const yx_identity_t *signer,
                     const char *id)
{
	log_vote_round(f, i, p, signer, id, 0);
}

/* Log i's pending entries arrive at the node as one verified segment, and are committed. */
static int deliver(fed_t *f, size_t i)
{
	yx_diag_t diag = {{0}};
	size_t appended = 0;
	fx_log_sign(&f->logs[i], f->clock);
	int ret = yx_store_append_verified(f->d.store, yx_identity_public(f->ids[i]), f->logs[i].e,
	                                   f->logs[i].n, &f->logs[i].head, &appended, &diag);
	if (ret == YX_OK) {
		uint8_t moved[1][YX_KEY_BYTES];
		memcpy(moved[0], yx_identity_public(f->ids[i]), YX_KEY_BYTES);
		yxd_writer_moved(&f->d, (const uint8_t(*)[YX_KEY_BYTES])moved, 1);
	}
	fx_log_clear(&f->logs[i]);
	return ret;
}

/* A charter request to the node, as the control socket hands it on. */
static int request(fed_t *f, Yrdx__CharterRequest__Action action, const yx_charter_t *p,
                   const char *vote, Yrdx__ControlReply *r)
{
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yrdx__control_reply__init(r);
	q.action = action;
	if (p)
		q.charter = (ProtobufCBinaryData){p->len, p->bytes};
	q.vote = (char *)(vote ? vote : "");
	yxd_amend_request(&f->d, &q, r);
	assert_non_null(r->charter);
	return r->error;
}

static void reply_free(Yrdx__ControlReply *r)
{
	yxd_amend_reply_free(r);
	if (r->message != protobuf_c_empty_string)
		free(r->message);
	r->message = (char *)protobuf_c_empty_string;
}

/* The store's charter as a restart would read it: verified, its current version. */
static uint32_t stored_version(fed_t *f, uint8_t hash[32])
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_charter_chain_t *chain = NULL;
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_store_charter_get(f->d.store, &bytes, &len), YX_OK);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag), YX_OK);
	uint32_t v = yx_charter_chain_current(chain)->version;
	if (hash)
		memcpy(hash, yx_charter_chain_current(chain)->hash, 32);
	yx_charter_chain_free(&chain);
	free(bytes);
	return v;
}

/* Proposed here, signed by a second member: pending, not adopted; a third: adopted —
 * in memory, in the store, and by the store's rules (the admitted city's log is taken). */
static void test_adopts_at_threshold(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	fed_open(&f);
	yx_charter_t *p = proposal(&f, f.v1, 5, "admit m5");
	char id[YX_CHARTER_VOTE_ID_MAX];
	yx_charter_vote_id(2, p->hash, id);

	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, p, NULL, &r),
	                 YX_OK);
	assert_string_equal(r.charter->vote_id, id);
	assert_int_equal(r.charter->seq, 1);
	assert_int_equal(r.charter->votes, 1);
	reply_free(&r);
	settle(&f);
	assert_int_equal(version(&f), 1);

	/* m5 is no member yet: its log is refused by the store's rules. (A record of no city,
	 * so that only membership decides.) */
	log_vote(&f, 5, p, f.ids[5], NULL);
	assert_int_equal(deliver(&f, 5), YX_EREFUSED);
	fx_log_init(&f.logs[5], f.ids[5]); /* sent again later, from seq 1 */

	log_vote(&f, 1, p, f.ids[1], NULL);
	assert_int_equal(deliver(&f, 1), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 1);
	assert_int_equal(stored_version(&f, NULL), 1);

	/* Status: one proposal, m0 and m1 voted. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS, NULL, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->n_pending, 1);
	assert_string_equal(r.charter->pending[0]->id, id);
	assert_string_equal(r.charter->pending[0]->summary, "admit m5");
	assert_int_equal(r.charter->pending[0]->n_voters, 2);
	assert_int_equal(r.charter->ignored, 0);
	assert_memory_equal(r.charter->current.data, f.v1->bytes, f.v1->len);
	reply_free(&r);

	log_vote(&f, 2, p, f.ids[2], NULL);
	assert_int_equal(deliver(&f, 2), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_memory_equal(yxd_charter_current(&f.d)->hash, p->hash, 32);
	uint8_t stored[32];
	assert_int_equal(stored_version(&f, stored), 2);
	assert_memory_equal(stored, p->hash, 32);
	assert_int_equal(f.d.charter.adopted_ms, f.clock);
	assert_non_null(yx_charter_member_by_name(yxd_charter_current(&f.d), "m5"));

	/* Now m5's log is taken. */
	log_vote(&f, 5, p, f.ids[5], NULL);
	assert_int_equal(deliver(&f, 5), YX_OK);

	/* Status after: nothing pending for version 3. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS, NULL, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->n_pending, 0);
	assert_memory_equal(r.charter->current.data, p->bytes, p->len);
	reply_free(&r);
	yx_charter_free(&p);
	fed_close(&f);
}

/* sign: by vote id or hash prefix; a second vote for a version is refused naming the
 * first; an id of an adopted or a later version, or one not held, is refused saying so;
 * a proposal that cannot follow is refused at propose. */
static void test_sign_rules(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	fed_open(&f);
	yx_charter_t *a = proposal(&f, f.v1, 5, "admit m5");
	yx_charter_t *b = proposal(&f, f.v1, 0, "threshold 4");
	char ida[YX_CHARTER_VOTE_ID_MAX], idb[YX_CHARTER_VOTE_ID_MAX], hexb[65];
	yx_charter_vote_id(2, a->hash, ida);
	yx_charter_vote_id(2, b->hash, idb);
	for (size_t i = 0; i < 32; i++)
		snprintf(hexb + 2 * i, 3, "%02x", b->hash[i]);

	/* Not held yet. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, ida, &r),
	                 YX_ENOTFOUND);
	assert_non_null(strstr(r.message, "is held at this node"));
	reply_free(&r);

	log_vote(&f, 1, a, f.ids[1], NULL);
	log_vote(&f, 1, b, f.ids[1], NULL); /* m1's second vote: does not count */
	assert_int_equal(deliver(&f, 1), YX_OK);
	log_vote(&f, 2, b, f.ids[2], NULL);
	assert_int_equal(deliver(&f, 2), YX_OK);
	settle(&f);

	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, "v1-00", &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "follows version 1 already"));
	reply_free(&r);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, "v3-00", &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "only version 2 can be voted on"));
	reply_free(&r);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, "ab", &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "names no proposal"));
	reply_free(&r);

	/* The status: a and b pending, one vote each, m1's second ignored. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS, NULL, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->n_pending, 2);
	assert_int_equal(r.charter->pending[0]->n_voters, 1);
	assert_int_equal(r.charter->pending[1]->n_voters, 1);
	assert_int_equal(r.charter->ignored, 1);
	reply_free(&r);

	/* Signed by hash prefix. */
	char prefix[9];
	memcpy(prefix, hexb, 8);
	prefix[8] = '\0';
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, prefix, &r),
	                 YX_OK);
	assert_string_equal(r.charter->vote_id, idb);
	assert_int_equal(r.charter->votes, 2);
	reply_free(&r);
	settle(&f);
	assert_int_equal(version(&f), 1);

	/* A second vote of this node for version 2: refused, naming the first. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, ida, &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "m0 voted for version 2 in round 0 already"));
	assert_non_null(strstr(r.message, idb));
	reply_free(&r);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, a, NULL, &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "already"));
	reply_free(&r);

	/* A third member for b: adopted; for a, m1's first vote alone stands. */
	log_vote(&f, 3, b, f.ids[3], NULL);
	assert_int_equal(deliver(&f, 3), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_memory_equal(yxd_charter_current(&f.d)->hash, b->hash, 32);
	assert_int_equal(yxd_charter_current(&f.d)->threshold, 4);

	/* A proposal that cannot follow version 2 (it names version 1 as before). */
	yx_charter_t *stale = proposal(&f, f.v1, 6, "admit m6");
	assert_int_equal(
	        request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, stale, NULL, &r),
	        YX_EINVAL);
	assert_non_null(strstr(r.message, "cannot follow version 2"));
	reply_free(&r);
	/* Bytes that are no charter. */
	yx_charter_t junk = *stale;
	junk.len = 3;
	assert_int_equal(
	        request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, &junk, NULL, &r),
	        YX_EINVAL);
	reply_free(&r);
	yx_charter_free(&stale);
	yx_charter_free(&a);
	yx_charter_free(&b);
	fed_close(&f);
}

/* Votes that do not count: a signature by another key than the member's, a vote signed
 * by a non-member's key in a member's log, a non-member's own log (held from before the
 * charter: the rules refuse it now), a vote whose id names another proposal, and two
 * valid ones: nothing adopted, four ignored. */
static void test_forged_and_nonmember_votes(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	fed_open(&f);
	yx_charter_t *p = proposal(&f, f.v1, 5, "admit m5");
	yx_charter_t *q = proposal(&f, f.v1, 0, "threshold 4");
	char idq[YX_CHARTER_VOTE_ID_MAX];
	yx_charter_vote_id(2, q->hash, idq);

	/* m6, no member, held from before the charter was installed. */
	yx_store_set_rules(f.d.store, NULL);
	log_vote(&f, 6, p, f.ids[6], NULL);
	assert_int_equal(deliver(&f, 6), YX_OK);
	yxd_charter_stop(&f.d);
	assert_int_equal(yxd_charter_start(&f.d), YX_OK);
	log_vote(&f, 7, p, f.ids[7], NULL);
	assert_int_equal(deliver(&f, 7), YX_EREFUSED); /* now refused outright */

	log_vote(&f, 1, p, f.ids[1], NULL);
	assert_int_equal(deliver(&f, 1), YX_OK);
	log_vote(&f, 2, p, f.ids[6], NULL); /* m2's log, m2's key named, m6's signature */
	assert_int_equal(deliver(&f, 2), YX_OK);
	log_vote(&f, 3, p, f.ids[3], idq); /* says it is q */
	assert_int_equal(deliver(&f, 3), YX_OK);
	settle(&f);

	/* The evil vote in m4's log: signed by m4 but naming m6's key as signer. */
	{
		Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
		Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
		Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
		uint8_t raw[YX_SIG_BYTES];
		char vid[YX_CHARTER_VOTE_ID_MAX];
		yx_charter_vote_id(2, p->hash, vid);
		yx_charter_sign(p->hash, f.ids[6], raw);
		sig.key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(f.ids[6])};
		sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw};
		sc.charter = (ProtobufCBinaryData){p->len, p->bytes};
		sc.n_signatures = 1;
		sc.signatures = &psig;
		v.id = vid;
		v.proposal = &sc;
		fx_log_append(&f.logs[4], YX_KIND_CHARTER, &v, f.clock);
		assert_int_equal(deliver(&f, 4), YX_OK);
	}
	settle(&f);
	assert_int_equal(version(&f), 1);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS, NULL, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->n_pending, 1);
	assert_int_equal(r.charter->pending[0]->n_voters, 1); /* m1 */
	/* m6's, m2's forged, m4's with m6's key; m3's lying id is not even gathered as a
	 * vote for p, and as one for q its bytes are not q's */
	assert_int_equal(r.charter->ignored, 3);
	reply_free(&r);

	/* m0 (this node) votes: two valid votes, still short of 3. */
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, p, NULL, &r),
	                 YX_OK);
	reply_free(&r);
	settle(&f);
	assert_int_equal(version(&f), 1);
	assert_int_equal(stored_version(&f, NULL), 1);
	yx_charter_free(&p);
	yx_charter_free(&q);
	fed_close(&f);
}

/* Versions 2 and 3 both voted on before the node counts (say, while it was down): both
 * adopted in one turn, and at a restart (the votes read again) nothing changes. A vote
 * for version 2 replayed after that changes nothing either. */
static void test_chain_and_replay(void **state)
{
	(void)state;
	fed_t f;
	fed_open(&f);
	yx_charter_t *v2 = proposal(&f, f.v1, 5, "admit m5");
	yx_charter_t *v3 = proposal(&f, v2, 0, "threshold 4");
	yx_charter_t *other2 = proposal(&f, f.v1, 6, "admit m6");
	for (size_t i = 1; i <= 4; i++) { /* v2 raised the threshold to 4 */
		log_vote(&f, i, v2, f.ids[i], NULL);
		log_vote(&f, i, v3, f.ids[i], NULL);
		assert_int_equal(deliver(&f, i), YX_OK);
	}
	/* The node was down: it counts at start. */
	yxd_charter_stop(&f.d);
	assert_int_equal(yxd_charter_start(&f.d), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 3);
	uint8_t h[32];
	assert_int_equal(stored_version(&f, h), 3);
	assert_memory_equal(h, v3->hash, 32);

	/* Replayed: votes for another version 2, by three members; and restarted. */
	for (size_t i = 2; i <= 4; i++) {
		log_vote(&f, i, other2, f.ids[i], NULL);
		assert_int_equal(deliver(&f, i), YX_OK);
	}
	settle(&f);
	yxd_charter_stop(&f.d);
	assert_int_equal(yxd_charter_start(&f.d), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 3);
	assert_memory_equal(yxd_charter_current(&f.d)->hash, v3->hash, 32);
	assert_int_equal(stored_version(&f, h), 3);
	assert_memory_equal(h, v3->hash, 32);
	yx_charter_free(&v2);
	yx_charter_free(&v3);
	yx_charter_free(&other2);
	fed_close(&f);
}

/* Two proposals for version 2, A and B. m1 votes B, then A (B counts); m4 likewise; m2,
 * m3 and this node (m0) vote A. So A has three counted votes (m0, m2, m3) and B two (m1,
 * m4), and the later votes for A of m1 and m4 count for nothing. Whatever order the five
 * logs arrive in, B is never adopted and A is once the three are held. Orders are drawn
 * from a printed seed. */
static void test_competing_any_order(void **state)
{
	(void)state;
	uint64_t seed = fx_seed("test_adopt competing"), rng = seed;
	for (int round = 0; round < 12; round++) {
		fed_t f;
		Yrdx__ControlReply r;
		fed_open(&f);
		yx_charter_t *a = proposal(&f, f.v1, 5, "A");
		yx_charter_t *b = proposal(&f, f.v1, 6, "B");
		log_vote(&f, 1, b, f.ids[1], NULL);
		log_vote(&f, 1, a, f.ids[1], NULL);
		log_vote(&f, 2, a, f.ids[2], NULL);
		log_vote(&f, 3, a, f.ids[3], NULL);
		log_vote(&f, 4, b, f.ids[4], NULL);
		log_vote(&f, 4, a, f.ids[4], NULL);
		size_t order[5] = {1, 2, 3, 4, 0}; /* 0: this node's own vote for A */
		for (size_t i = 4; i > 0; i--) {
			size_t j = (size_t)(fx_rand(&rng) % (i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (size_t k = 0; k < 5; k++) {
			if (order[k] == 0) {
				assert_int_equal(
				        request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE,
				                a, NULL, &r),
				        YX_OK);
				reply_free(&r);
			} else {
				assert_int_equal(deliver(&f, order[k]), YX_OK);
			}
			settle(&f);
			/* B never: it has two counted votes at most */
			assert_memory_not_equal(yxd_charter_current(&f.d)->hash, b->hash, 32);
		}
		assert_int_equal(version(&f), 2);
		assert_memory_equal(yxd_charter_current(&f.d)->hash, a->hash, 32);
		yx_charter_free(&a);
		yx_charter_free(&b);
		fed_close(&f);
	}
	(void)seed; /* printed by fx_seed */
}

/* A split round: all five voted in round 0 (A: m0, m1; B: m2, m3; C: m4), none has 3 —
 * the round is spent and round 1 opens. Status says so and still lists A, B and C; this
 * node may vote again (sign A, written as a round-1 vote with an id of its own, so its
 * round-0 vote stays and round 0 stays spent); m2 and m3 vote A in round 1: adopted. A
 * vote in round 2, before round 1 is spent, counts for nothing. */
static void test_rounds(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	fed_open(&f);
	yx_charter_t *a = proposal(&f, f.v1, 5, "A");
	yx_charter_t *b = proposal(&f, f.v1, 6, "B");
	yx_charter_t *c = proposal(&f, f.v1, 0, "C");
	char ida[YX_CHARTER_VOTE_ID_MAX], ida1[YX_CHARTER_VOTE_ID_MAX];
	yx_charter_vote_id(2, a->hash, ida);
	yx_charter_vote_id_round(2, a->hash, 1, ida1);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, a, NULL, &r),
	                 YX_OK);
	assert_string_equal(r.charter->vote_id, ida);
	reply_free(&r);
	log_vote(&f, 1, a, f.ids[1], NULL);
	log_vote(&f, 2, b, f.ids[2], NULL);
	log_vote(&f, 3, b, f.ids[3], NULL);
	log_vote(&f, 4, c, f.ids[4], NULL);
	log_vote_round(&f, 4, a, f.ids[4], NULL, 2); /* too early: round 2 is not open */
	for (size_t i = 1; i <= 4; i++)
		assert_int_equal(deliver(&f, i), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 1);

	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS, NULL, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->round, 1);
	assert_int_equal(r.charter->n_pending, 3);
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(r.charter->pending[k]->n_voters, 0);
		assert_non_null(strstr(r.charter->pending[k]->id, "-r1"));
	}
	reply_free(&r);

	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, ida, &r),
	                 YX_OK);
	assert_string_equal(r.charter->vote_id, ida1);
	assert_int_equal(r.charter->round, 1);
	reply_free(&r);
	/* the round-0 vote is still held beside it */
	Yrdx__Change *got = NULL;
	assert_int_equal(
	        yx_store_get(f.d.store, YX_KIND_CHARTER, yx_identity_public(f.ids[0]), ida, &got),
	        YX_OK);
	yx_change_free(&got);
	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN, NULL, ida1, &r),
	                 YX_EINVAL);
	assert_non_null(strstr(r.message, "in round 1 already"));
	reply_free(&r);
	settle(&f);
	assert_int_equal(version(&f), 1);

	log_vote_round(&f, 2, a, f.ids[2], NULL, 1);
	assert_int_equal(deliver(&f, 2), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 1); /* m0, m2 and m4's round-2 vote: two count */
	log_vote_round(&f, 3, a, f.ids[3], NULL, 1);
	assert_int_equal(deliver(&f, 3), YX_OK);
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_memory_equal(yxd_charter_current(&f.d)->hash, a->hash, 32);
	uint8_t h[32];
	assert_int_equal(stored_version(&f, h), 2);
	assert_memory_equal(h, a->hash, 32);
	yx_charter_free(&a);
	yx_charter_free(&b);
	yx_charter_free(&c);
	fed_close(&f);
}

/* A vote cannot be written by put (it would skip the one-vote-a-round check), nor
 * retracted by one. */
static void test_put_refuses_votes(void **state)
{
	(void)state;
	fed_t f;
	fed_open(&f);
	yx_charter_t *p = proposal(&f, f.v1, 5, "admit m5");
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	Yrdx__Change c = YRDX__CHANGE__INIT, *pc = &c;
	Yrdx__PutRequest req = YRDX__PUT_REQUEST__INIT;
	Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
	uint8_t raw[YX_SIG_BYTES];
	char id[YX_CHARTER_VOTE_ID_MAX];
	yx_head_t head;
	yx_charter_vote_id(2, p->hash, id);
	yx_charter_sign(p->hash, f.ids[0], raw);
	sig.key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(f.ids[0])};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw};
	sc.charter = (ProtobufCBinaryData){p->len, p->bytes};
	sc.n_signatures = 1;
	sc.signatures = &psig;
	v.id = id;
	v.proposal = &sc;
	yx_change_set_body(&c, YX_KIND_CHARTER, &v);
	c.id = id;
	req.n_changes = 1;
	req.changes = &pc;
	yxd_control_put(&f.d, &req, &r, &head);
	assert_int_equal(r.error, YX_EINVAL);
	assert_non_null(strstr(r.message, "charter votes are written with yrdxctl charter"));
	free(r.message);
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(f.d.store, yx_identity_public(f.ids[0]), &tip), YX_ENOTFOUND);
	yx_charter_free(&p);
	fed_close(&f);
}

/* Version 2 gives m0 (this node) a new key past the seq of its own vote; m0 proposed it
 * and its writes wait (rotate.c). Adopted: the node signs with the new key from then on,
 * its log keeps its origin, writes resume. */
static void test_rotation_adopted(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	yx_diag_t diag = {{0}};
	yx_identity_t *nk = NULL;
	yx_charter_t *next = NULL, *p = NULL;
	char next_file[sizeof(f.cfg.key_file) + 8];
	fed_open(&f);
	assert_int_equal(yx_identity_generate(&nk), YX_OK);
	assert_true(yx_key_next_path(f.cfg.key_file, next_file, sizeof(next_file)));
	assert_int_equal(yx_identity_save(nk, next_file), YX_OK);
	assert_int_equal(yx_charter_copy(f.v1, &next), YX_OK);
	next->version = 2;
	memcpy(next->prev_hash, f.v1->hash, 32);
	snprintf(next->summary, sizeof(next->summary), "rotate m0");
	next->members[0].keys[1].after_seq = 1; /* our vote's seq */
	memcpy(next->members[0].keys[1].key, yx_identity_public(nk), 32);
	next->members[0].n_keys = 2;
	assert_int_equal(yx_charter_build(next, &p, &diag), YX_OK);

	assert_int_equal(request(&f, YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE, p, NULL, &r),
	                 YX_OK);
	assert_int_equal(r.charter->seq, 1);
	reply_free(&r);
	assert_int_equal(yxd_rotation_pending(&f.d, 1, 2), YX_OK);
	for (size_t i = 1; i <= 2; i++) {
		log_vote(&f, i, p, f.ids[i], NULL);
		assert_int_equal(deliver(&f, i), YX_OK);
	}
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_memory_equal(yx_identity_public(f.d.id), yx_identity_public(nk), 32);
	assert_memory_equal(f.d.origin, yx_identity_public(f.ids[0]), 32);
	assert_false(f.d.rotation.pending);
	yx_batch_t *b = NULL;
	assert_int_equal(yxd_writer_begin(&f.d, &b, &diag), YX_OK);
	yx_batch_abort(&b);
	yx_identity_free(&nk);
	yx_charter_free(&next);
	yx_charter_free(&p);
	fed_close(&f);
}

/* The rotation of this node's own key, asked for as `charter propose rotate` does: refused
 * for a key file missing, readable by others, holding another key, or with a member's key;
 * built by the daemon with the new key past the seq of its own vote (its key file copied
 * where the adoption takes it), writes fenced, a second refused; adopted by two more votes.
 * Another member's own rotation proposed is a key the node tries on its pull connection. */
static int rotate_request(fed_t *f, const uint8_t key[32], const char *file, Yrdx__ControlReply *r)
{
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yrdx__control_reply__init(r);
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_ROTATE;
	q.key = (ProtobufCBinaryData){32, (uint8_t *)key};
	q.key_file = (char *)file;
	yxd_amend_request(&f->d, &q, r);
	return r->error;
}

static void test_rotate_request(void **state)
{
	(void)state;
	fed_t f;
	Yrdx__ControlReply r;
	yx_diag_t diag = {{0}};
	yx_identity_t *nk = NULL, *held = NULL;
	yx_charter_t *p = NULL;
	char file[600], next_file[sizeof(f.cfg.key_file) + 8];
	const char *why[] = {"No such file", "readable", "not the key proposed", "member m1's"};
	fed_open(&f);
	assert_int_equal(yx_identity_generate(&nk), YX_OK);
	const uint8_t *nkey = yx_identity_public(nk);
	snprintf(file, sizeof(file), "%s/elsewhere.key", f.dir);
	for (int i = 0; i < 4; i++) { /* missing, 0644, another key's file, m1's key */
		if (i == 1) {
			assert_int_equal(yx_identity_save(nk, file), YX_OK);
			assert_int_equal(chmod(file, 0644), 0);
		}
		if (i == 2)
			assert_int_equal(chmod(file, 0600), 0);
		const uint8_t *k = i == 2   ? yx_identity_public(f.ids[5])
		                   : i == 3 ? yx_identity_public(f.ids[1])
		                            : nkey;
		assert_int_equal(rotate_request(&f, k, file, &r), YX_EINVAL);
		assert_non_null(strstr(r.message, why[i]));
		reply_free(&r);
	}
	assert_int_equal(rotate_request(&f, nkey, file, &r), YX_OK);
	assert_int_equal(r.charter->seq, 1);
	assert_int_equal(r.charter->votes, 1);
	assert_int_equal(
	        yx_charter_decode(r.charter->proposal.data, r.charter->proposal.len, &p, &diag),
	        YX_OK);
	reply_free(&r);
	assert_int_equal(p->version, 2);
	assert_int_equal(p->members[0].n_keys, 2);
	assert_int_equal(p->members[0].keys[1].after_seq, 1);
	assert_memory_equal(p->members[0].keys[1].key, nkey, 32);
	assert_non_null(strstr(p->summary, "rotate the key of m0"));
	assert_true(yx_key_next_path(f.cfg.key_file, next_file, sizeof(next_file)));
	assert_int_equal(yx_identity_load(next_file, &held, &diag), YX_OK); /* copied there */
	assert_memory_equal(yx_identity_public(held), nkey, 32);
	assert_true(f.d.rotation.pending && f.d.rotation.next_set);
	assert_int_equal(f.d.rotation.after_seq, 1);
	yx_batch_t *b = NULL;
	assert_int_equal(yxd_writer_begin(&f.d, &b, &diag), YX_EFENCED);
	assert_non_null(strstr(diag.msg, "charter version 2"));
	assert_int_equal(rotate_request(&f, nkey, file, &r), YX_EINVAL);
	assert_non_null(strstr(r.message, "waits already for charter version 2"));
	reply_free(&r);
	/* m1 proposes a rotation of its own too: its new key is one to try towards it */
	yx_charter_t *q1 = NULL, *c = NULL;
	assert_int_equal(yx_charter_copy(f.v1, &c), YX_OK);
	c->version = 2;
	memcpy(c->prev_hash, f.v1->hash, 32);
	c->members[1].keys[1].after_seq = 9;
	memcpy(c->members[1].keys[1].key, yx_identity_public(f.ids[6]), 32);
	c->members[1].n_keys = 2;
	assert_int_equal(yx_charter_build(c, &q1, &diag), YX_OK);
	log_vote(&f, 1, q1, f.ids[1], NULL);
	assert_int_equal(deliver(&f, 1), YX_OK);
	settle(&f);
	assert_memory_equal(yxd_charter_next_key(&f.d, yx_identity_public(f.ids[1])),
	                    yx_identity_public(f.ids[6]), 32);
	assert_null(yxd_charter_next_key(&f.d, yx_identity_public(f.ids[2])));
	for (size_t i = 2; i <= 3; i++) { /* two more votes for ours: adopted */
		log_vote(&f, i, p, f.ids[i], NULL);
		assert_int_equal(deliver(&f, i), YX_OK);
	}
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_memory_equal(yx_identity_public(f.d.id), nkey, 32);
	assert_false(f.d.rotation.pending || f.d.rotation.next_set);
	assert_null(yxd_charter_next_key(&f.d, yx_identity_public(f.ids[1]))); /* over */
	yx_identity_free(&nk);
	yx_identity_free(&held);
	yx_charter_free(&c);
	yx_charter_free(&q1);
	yx_charter_free(&p);
	fed_close(&f);
}

/* m0's rotation waits for version 2, but another version 2 is adopted: the old key goes
 * on and writes resume. */
static void test_rotation_overtaken(void **state)
{
	(void)state;
	fed_t f;
	yx_diag_t diag = {{0}};
	fed_open(&f);
	yx_charter_t *other = proposal(&f, f.v1, 0, "threshold 4");
	assert_int_equal(yxd_rotation_pending(&f.d, 1, 2), YX_OK);
	yx_batch_t *b = NULL;
	assert_int_equal(yxd_writer_begin(&f.d, &b, &diag), YX_EFENCED);
	for (size_t i = 1; i <= 3; i++) {
		log_vote(&f, i, other, f.ids[i], NULL);
		assert_int_equal(deliver(&f, i), YX_OK);
	}
	settle(&f);
	assert_int_equal(version(&f), 2);
	assert_false(f.d.rotation.pending);
	assert_memory_equal(yx_identity_public(f.d.id), yx_identity_public(f.ids[0]), 32);
	assert_int_equal(yxd_writer_begin(&f.d, &b, &diag), YX_OK);
	yx_batch_abort(&b);
	yx_charter_free(&other);
	fed_close(&f);
}

/* No charter: nothing to count, and a request says what is missing. */
static void test_no_charter(void **state)
{
	(void)state;
	yxd_t d;
	yx_config_t cfg;
	yx_diag_t diag = {{0}};
	Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	char *dir = fx_tmpdir("adopt-none");
	memset(&d, 0, sizeof(d));
	memset(&cfg, 0, sizeof(cfg));
	d.cfg = &cfg;
	assert_int_equal(yx_identity_generate(&d.id), YX_OK);
	memcpy(d.origin, yx_identity_public(d.id), YX_KEY_BYTES);
	assert_int_equal(yx_store_open(dir, YX_STORE_CREATE, 0, &d.store, &diag), YX_OK);
	assert_int_equal(yxd_charter_start(&d), YX_OK);
	yxd_charter_adopt_due(&d, 100);
	assert_null(yxd_charter_current(&d));
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS;
	yxd_amend_request(&d, &q, &r);
	assert_int_equal(r.error, YX_OK);
	assert_int_equal(r.charter->current.len, 0);
	yxd_amend_reply_free(&r);
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN;
	q.vote = "v2-0011223344556677";
	yxd_amend_request(&d, &q, &r);
	assert_int_equal(r.error, YX_ENOTFOUND);
	assert_non_null(strstr(r.message, "no charter installed"));
	free(r.message);
	yxd_amend_reply_free(&r);
	yxd_charter_stop(&d);
	yxd_clients_stop(&d);
	yxd_members_free(&d);
	yx_store_close(&d.store);
	yx_identity_free(&d.id);
	fx_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_adopts_at_threshold),
	        cmocka_unit_test(test_sign_rules),
	        cmocka_unit_test(test_forged_and_nonmember_votes),
	        cmocka_unit_test(test_chain_and_replay),
	        cmocka_unit_test(test_competing_any_order),
	        cmocka_unit_test(test_rounds),
	        cmocka_unit_test(test_put_refuses_votes),
	        cmocka_unit_test(test_rotation_adopted),
	        cmocka_unit_test(test_rotation_overtaken),
	        cmocka_unit_test(test_rotate_request),
	        cmocka_unit_test(test_no_charter),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
