/* evil_author: a compromised member city's hostile relay event, for the integration tests
 * only. It opens a stopped node's store with that node's own key and appends a relay
 * event with chosen fields, signed properly — what a member whose key was stolen could
 * write. Two records that reuse another city's id are scripted:
 *
 *   evil_author -c NODE.zpl propose CASE PARK_ID [--lower]
 *   evil_author -c NODE.zpl joint AGREEMENT [--lower]
 *
 * and two records of a city outside NODE's jurisdiction (管辖范围), what a member could
 * write by going round its daemon's checks:
 *
 *   evil_author -c NODE.zpl enterprise CITY [CREDIT_CODE]
 *   evil_author -c NODE.zpl incubator CITY ID
 *
 * enterprise writes an enterprise registered in CITY (GB/T 2260), qualified 高新技术企业,
 * with CREDIT_CODE or one made from CITY and the seq it gets; incubator writes a 高质量
 * incubator ID of CITY. Each prints one JSON line: the seq and hash written, the id and
 * the city.
 *
 * propose writes, under NODE's key, a PROPOSE with record id "<case>/propose" and case id
 * CASE, naming the enterprise and destination of the case as NODE's store derives it,
 * but park PARK_ID. joint writes a participation in AGREEMENT with its enterprise and
 * incubators but other parties: NODE and the agreement's first other party (its
 * proposer), so the parties still to sign are shut out. With --lower the record is
 * rewritten (a new version, a new note or role) until its chain hash is below that of the
 * record it competes with — the tie-break a derivation taking the lowest hash of any
 * origin would follow; only the version that wins is committed. Prints one JSON line:
 * the seq and hash written, and the hash it had to beat.
 *
 *   evil_author -c NODE.zpl vote VOTE_ID [--forge | --signer KEYFILE]
 *
 * vote writes, into NODE's log, a vote (联盟章程, record kind charter-vote) for the
 * proposal VOTE_ID as NODE's store holds it (any origin's vote with that id): signed with
 * NODE's key — a vote the daemon would refuse to write (NODE is no member, votes a second
 * time, or the version is over); with --forge signed by a key of no one while naming
 * NODE's key as the signer; with --signer signed by KEYFILE's key, named as the signer (a
 * non-member's vote carried in a member's log). Prints {"seq": N, "id": VOTE_ID}.
 *
 *   evil_author -c NODE.zpl oldkey KEYFILE [CREDIT_CODE]
 *
 * oldkey writes, into NODE's log at its next seq, an enterprise of NODE's own city (inside
 * its 管辖范围: only the key is wrong) signed by KEYFILE's key — after a rotation, the key
 * NODE's log was rotated away from, which a thief of the old key would hold. NODE's store
 * takes batches of its current key only, so its record of the keys that signed its log
 * (meta "signers") is set aside for the write and put back after: the store then holds a
 * head past the rotation signed by the old key, and serves it. Prints the JSON line of
 * enterprise. */
#include <errno.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "charter.h"
#include "config.h"
#include "joint.h"
#include "keys.h"
#include "store.h"
#include "validate.h"

/* A try beats a hash h with probability h / 2^256: over a uniformly drawn h, all of N
 * tries fail with probability 1 / (N + 1). A try that loses is an aborted batch (no disk
 * write), so N can be large: 2^20 tries take about a second. */
#define MAX_TRIES (1 << 20)

static void hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, b, n);
}

/* Appends one version of the hostile PROPOSE to b. */
static int put_propose(yx_batch_t *b, const Yrdx__RelayEvent *root, const char *case_id,
                       const char *park, int try, yx_diag_t *diag)
{
	Yrdx__RelayEvent ev = YRDX__RELAY_EVENT__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	char event_id[128], note[64];
	if (!yx_case_event_id(case_id, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, event_id,
	                      sizeof(event_id)))
		return yx_diag_set(diag, YX_EINVAL, "case id %s too long", case_id);
	snprintf(note, sizeof(note), "take-over attempt %d", try);
	ev.id = event_id;
	ev.case_id = (char *)case_id;
	ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	ev.credit_code = root->credit_code;
	ev.source_incubator_id = root->source_incubator_id;
	ev.destination_node = root->destination_node;
	ev.park_id = (char *)park;
	ev.note = note;
	yx_change_set_body(&c, YX_KIND_RELAY_EVENT, &ev);
	c.id = event_id;
	return yx_batch_put(b, &c, diag);
}

/* Appends to b one version of the hostile participation, signed by self, in the agreement
 * whose terms are t. */
static int put_joint(yx_batch_t *b, const uint8_t *self, const Yrdx__JointParticipation *t, int try,
                     yx_diag_t *diag)
{
	Yrdx__JointParticipation jp = YRDX__JOINT_PARTICIPATION__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	ProtobufCBinaryData parties[2];
	char role[32];
	parties[0] = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)self};
	parties[1] = t->parties[0];
	if (memcmp(parties[1].data, self, YX_KEY_BYTES) == 0)
		parties[1] = t->parties[1];
	snprintf(role, sizeof(role), "take-over %d", try);
	jp.id = t->id;
	jp.n_parties = 2;
	jp.parties = parties;
	jp.n_incubator_ids = t->n_incubator_ids;
	jp.incubator_ids = t->incubator_ids;
	jp.credit_code = t->credit_code;
	jp.incubator_id = t->incubator_ids[0];
	jp.role = role;
	yx_change_set_body(&c, YX_KIND_JOINT, &jp);
	c.id = jp.id;
	return yx_batch_put(b, &c, diag);
}

/* A valid credit code of an enterprise registered in city, different for every n. */
static void forged_code(uint32_t city, uint64_t n, char out[YX_CREDIT_CODE_LEN + 1])
{
	snprintf(out, YX_CREDIT_CODE_LEN + 1, "91%06u%09llu", city % 1000000,
	         (unsigned long long)(n % 1000000000));
	out[YX_CREDIT_CODE_LEN - 1] = yx_credit_code_check_char(out);
	out[YX_CREDIT_CODE_LEN] = '\0';
}

/* Writes, signed by id, an enterprise or a 高质量 incubator of city into store, committed
 * whole; prints the JSON line. 0, or 1 with the reason on stderr. */
static int forge_record(yx_store_t *store, const yx_identity_t *id, bool is_enterprise,
                        uint32_t city, const char *rec_id)
{
	Yrdx__Enterprise ent = YRDX__ENTERPRISE__INIT;
	Yrdx__Incubator inc = YRDX__INCUBATOR__INIT;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	Yrdx__Industry industries[1] = {YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS};
	Yrdx__Qualification quals[1] = {YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH};
	char code[YX_CREDIT_CODE_LEN + 1], hash[2 * YX_HASH_BYTES + 1];
	yx_diag_t diag = {{0}};
	yx_batch_t *b = NULL;
	int ret;
	if ((ret = yx_batch_begin(store, id, &b))) {
		fprintf(stderr, "evil_author: batch: %s\n", yx_strerror(ret));
		return 1;
	}
	uint64_t seq = yx_batch_next_seq(b);
	if (is_enterprise) {
		if (!rec_id)
			forged_code(city, seq, code);
		ent.credit_code = rec_id ? (char *)rec_id : code;
		ent.name = "越权登记的企业有限公司";
		ent.city = city;
		ent.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_GROWTH;
		ent.n_industries = 1;
		ent.industries = industries;
		ent.n_qualifications = 1;
		ent.qualifications = quals;
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &ent);
		c.id = ent.credit_code;
	} else {
		inc.id = (char *)rec_id;
		inc.name = "越权登记的孵化器";
		inc.city = city;
		inc.tier = YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY;
		inc.operator_type = YRDX__OPERATOR_TYPE__OPERATOR_TYPE_RESEARCH_INSTITUTE;
		inc.n_focus_industries = 1;
		inc.focus_industries = industries;
		yx_change_set_body(&c, YX_KIND_INCUBATOR, &inc);
		c.id = inc.id;
	}
	if ((ret = yx_batch_put(b, &c, &diag))) {
		yx_batch_abort(&b);
		fprintf(stderr, "evil_author: %s\n", diag.msg);
		return 1;
	}
	hex(yx_batch_hash(b), YX_HASH_BYTES, hash);
	if ((ret = yx_batch_commit(&b, NULL))) {
		fprintf(stderr, "evil_author: commit: %s\n", yx_strerror(ret));
		return 1;
	}
	printf("{\"seq\": %llu, \"hash\": \"%s\", \"id\": \"%s\", \"city\": %u}\n",
	       (unsigned long long)seq, hash, c.id, city);
	return 0;
}

/* evil_author -c NODE.zpl enterprise CITY [CREDIT_CODE] | incubator CITY ID */
static int forge_main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *id = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	bool is_enterprise = strcmp(argv[3], "enterprise") == 0;
	uint32_t city = 0;
	int rc = 1;
	if (is_enterprise ? argc > 6 : argc != 6) {
		fprintf(stderr, "usage: evil_author -c NODE.zpl enterprise CITY [CREDIT_CODE]\n"
		                "       evil_author -c NODE.zpl incubator CITY ID\n");
		return 2;
	}
	if (yx_city_from_text(argv[4], &city) != YX_OK) {
		fprintf(stderr, "evil_author: %s is no Yangtze River Delta city\n", argv[4]);
		return 2;
	}
	if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
	    yx_identity_load(cfg->key_file, &id, &diag) ||
	    yx_store_open(cfg->data_dir, 0, 0, &store, &diag))
		fprintf(stderr, "evil_author: %s\n", diag.msg);
	else
		rc = forge_record(store, id, is_enterprise, city, argc == 6 ? argv[5] : NULL);
	yx_store_close(&store);
	yx_identity_free(&id);
	yx_config_free(&cfg);
	return rc;
}

/* The store in dir's meta "signers" (the keys that signed its own log after a rotation):
 * taken out into *saved (malloc'd, *len bytes; NULL if there is none), or put back. 0, or
 * 1 with the reason on stderr. */
static int signers_swap(const char *dir, uint8_t **saved, size_t *len, bool put_back)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k = {7, (void *)"signers"}, v;
	int rc = mdb_env_create(&env);
	if (rc == 0)
		mdb_env_set_maxdbs(env, 32);
	if (rc == 0)
		rc = mdb_env_open(env, dir, MDB_NOTLS, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "meta", 0, &dbi);
	if (rc == 0 && put_back && *saved) {
		v = (MDB_val){*len, *saved};
		rc = mdb_put(txn, dbi, &k, &v, 0);
	} else if (rc == 0 && !put_back && (rc = mdb_get(txn, dbi, &k, &v)) == 0) {
		if (!(*saved = malloc(v.mv_size)))
			rc = ENOMEM;
		else
			memcpy(*saved, v.mv_data, *len = v.mv_size);
		if (rc == 0)
			rc = mdb_del(txn, dbi, &k, NULL);
	} else if (rc == MDB_NOTFOUND) {
		rc = 0; /* never rotated: nothing to set aside */
	}
	if (rc == 0) {
		rc = mdb_txn_commit(txn);
		txn = NULL;
	}
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	if (rc)
		fprintf(stderr, "evil_author: %s: meta \"signers\": %s\n", dir, mdb_strerror(rc));
	return rc ? 1 : 0;
}

/* evil_author -c NODE.zpl oldkey KEYFILE [CREDIT_CODE] */
static int oldkey_main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *old = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	uint8_t *saved = NULL;
	size_t len = 0;
	int rc = 1;
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: evil_author -c NODE.zpl oldkey KEYFILE [CREDIT_CODE]\n");
		return 2;
	}
	if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
	    yx_identity_load(argv[4], &old, &diag)) {
		fprintf(stderr, "evil_author: %s\n", diag.msg);
		goto out;
	}
	if (signers_swap(cfg->data_dir, &saved, &len, false))
		goto out;
	if (yx_store_open(cfg->data_dir, 0, 0, &store, &diag) != YX_OK)
		fprintf(stderr, "evil_author: %s\n", diag.msg);
	else
		rc = forge_record(store, old, true, cfg->city, argc == 6 ? argv[5] : NULL);
	yx_store_close(&store);
	if (signers_swap(cfg->data_dir, &saved, &len, true))
		rc = 1;
out:
	free(saved);
	yx_identity_free(&old);
	yx_config_free(&cfg);
	return rc;
}

/* The proposal's bytes from any vote held with that id (copied into *bytes). */
static int held_proposal(void *arg, const yx_stored_t *rec)
{
	ProtobufCBinaryData *out = arg;
	const Yrdx__CharterVote *v = rec->change->charter_vote;
	if (out->data || !v || !v->proposal)
		return 0;
	if (!(out->data = malloc(v->proposal->charter.len)))
		return -1;
	memcpy(out->data, v->proposal->charter.data, v->proposal->charter.len);
	out->len = v->proposal->charter.len;
	return 0;
}

/* signer: who signs and is named (NULL: NODE's key); forge: a key of no one signs. */
static int vote_main(yx_store_t *store, const yx_identity_t *id, const char *vote_id, bool forge,
                     const yx_identity_t *signer)
{
	ProtobufCBinaryData charter = {0, NULL};
	yx_snap_t *snap = NULL;
	yx_identity_t *other = NULL;
	yx_batch_t *b = NULL;
	yx_head_t head;
	yx_diag_t diag = {{0}};
	uint8_t hash[32], raw[YX_SIG_BYTES];
	int rc = 1;
	if (yx_snap_open(store, &snap) != YX_OK ||
	    yx_snap_get_all(snap, YX_KIND_CHARTER, vote_id, NULL, held_proposal, &charter) !=
	            YX_OK ||
	    !charter.data) {
		fprintf(stderr, "evil_author: no vote %s held\n", vote_id);
		goto out;
	}
	yx_charter_hash(charter.data, charter.len, hash);
	if (forge) {
		if (yx_identity_generate(&other) != YX_OK)
			goto out;
		yx_charter_sign(hash, other, raw);
	} else {
		yx_charter_sign(hash, signer ? signer : id, raw);
	}
	Yrdx__CharterVote v = YRDX__CHARTER_VOTE__INIT;
	Yrdx__SignedCharter sc = YRDX__SIGNED_CHARTER__INIT;
	Yrdx__CharterSignature sig = YRDX__CHARTER_SIGNATURE__INIT, *psig = &sig;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	sig.key = (ProtobufCBinaryData){32, (uint8_t *)yx_identity_public(signer ? signer : id)};
	sig.signature = (ProtobufCBinaryData){YX_SIG_BYTES, raw};
	sc.charter = charter;
	sc.n_signatures = 1;
	sc.signatures = &psig;
	v.id = (char *)vote_id;
	v.proposal = &sc;
	const char *r = strstr(vote_id, "-r"); /* a later round's vote: "v<N>-<hex>-r<R>" */
	v.round = r ? (uint32_t)strtoul(r + 2, NULL, 10) : 0;
	yx_change_set_body(&c, YX_KIND_CHARTER, &v);
	c.id = (char *)vote_id;
	if (yx_batch_begin(store, id, &b) != YX_OK || yx_batch_put(b, &c, &diag) != YX_OK ||
	    yx_batch_commit(&b, &head) != YX_OK) {
		fprintf(stderr, "evil_author: vote not written: %s\n", diag.msg);
		yx_batch_abort(&b);
		goto out;
	}
	printf("{\"seq\": %llu, \"id\": \"%s\"}\n", (unsigned long long)head.seq, vote_id);
	rc = 0;
out:
	yx_snap_close(&snap);
	yx_identity_free(&other);
	free(charter.data);
	return rc;
}

int main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *id = NULL;
	yx_store_t *store = NULL;
	yx_case_events_t events = {0};
	yx_joint_parts_t parts = {0};
	yx_case_t cs;
	yx_joint_t j;
	yx_diag_t diag = {{0}};
	uint8_t hash[YX_HASH_BYTES];
	const uint8_t *beat = NULL;
	uint64_t seq = 0;
	int rc = 1, try = 0, ret;
	if (argc >= 5 && strcmp(argv[1], "-c") == 0 &&
	    (strcmp(argv[3], "enterprise") == 0 || strcmp(argv[3], "incubator") == 0))
		return forge_main(argc, argv);
	if (argc >= 5 && strcmp(argv[1], "-c") == 0 && strcmp(argv[3], "oldkey") == 0)
		return oldkey_main(argc, argv);
	if (argc >= 5 && strcmp(argv[1], "-c") == 0 && strcmp(argv[3], "vote") == 0 &&
	    (argc == 5 || (argc == 6 && strcmp(argv[5], "--forge") == 0) ||
	     (argc == 7 && strcmp(argv[5], "--signer") == 0))) {
		yx_identity_t *signer = NULL;
		if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
		    yx_identity_load(cfg->key_file, &id, &diag) ||
		    (argc == 7 && yx_identity_load(argv[6], &signer, &diag)) ||
		    yx_store_open(cfg->data_dir, 0, 0, &store, &diag))
			fprintf(stderr, "evil_author: %s\n", diag.msg);
		else
			rc = vote_main(store, id, argv[4], argc == 6, signer);
		yx_identity_free(&signer);
		goto out;
	}
	bool joint = argc >= 5 && strcmp(argv[3], "joint") == 0;
	int args = joint ? 5 : 6; /* without --lower */
	if (argc < 5 || strcmp(argv[1], "-c") != 0 || (!joint && strcmp(argv[3], "propose") != 0) ||
	    argc < args || argc > args + 1 ||
	    (argc == args + 1 && strcmp(argv[args], "--lower") != 0)) {
		fprintf(stderr, "usage: evil_author -c NODE.zpl propose CASE PARK_ID [--lower]\n"
		                "       evil_author -c NODE.zpl joint AGREEMENT [--lower]\n"
		                "       evil_author -c NODE.zpl enterprise CITY [CREDIT_CODE]\n"
		                "       evil_author -c NODE.zpl incubator CITY ID\n"
		                "       evil_author -c NODE.zpl vote VOTE_ID [--forge | --signer "
		                "KEYFILE]\n"
		                "       evil_author -c NODE.zpl oldkey KEYFILE [CREDIT_CODE]\n");
		return 2;
	}
	const char *target = argv[4];
	bool lower = argc == args + 1;
	if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
	    yx_identity_load(cfg->key_file, &id, &diag) ||
	    yx_store_open(cfg->data_dir, 0, 0, &store, &diag)) {
		fprintf(stderr, "evil_author: %s\n", diag.msg);
		goto out;
	}
	if (joint ? yx_joint_parts_load(store, target, &parts) != YX_OK ||
	                    yx_joint_derive(parts.parts, parts.n, target, &j) != YX_OK
	          : yx_case_events_load(store, target, &events) != YX_OK ||
	                    yx_case_derive(events.events, events.n, target, &cs) != YX_OK) {
		fprintf(stderr, "evil_author: no %s %s in %s\n", joint ? "agreement" : "case",
		        target, cfg->data_dir);
		goto out;
	}
	beat = joint ? j.terms->hash : cs.propose->hash;
	for (try = 1; try <= MAX_TRIES; try++) {
		yx_batch_t *b = NULL;
		if ((ret = yx_batch_begin(store, id, &b))) {
			fprintf(stderr, "evil_author: batch: %s\n", yx_strerror(ret));
			goto out;
		}
		seq = yx_batch_next_seq(b);
		ret = joint ? put_joint(b, yx_identity_public(id), j.terms->jp, try, &diag)
		            : put_propose(b, cs.propose->ev, target, argv[5], try, &diag);
		if (ret) {
			yx_batch_abort(&b);
			fprintf(stderr, "evil_author: %s\n", diag.msg);
			goto out;
		}
		memcpy(hash, yx_batch_hash(b), YX_HASH_BYTES);
		if (lower && memcmp(hash, beat, YX_HASH_BYTES) >= 0) {
			yx_batch_abort(&b);
			continue;
		}
		if ((ret = yx_batch_commit(&b, NULL))) {
			fprintf(stderr, "evil_author: commit: %s\n", yx_strerror(ret));
			goto out;
		}
		break;
	}
	if (try > MAX_TRIES) {
		fprintf(stderr, "evil_author: no lower hash in %d tries\n", MAX_TRIES);
		goto out;
	}
	char mine[2 * YX_HASH_BYTES + 1], theirs[2 * YX_HASH_BYTES + 1];
	hex(hash, YX_HASH_BYTES, mine);
	hex(beat, YX_HASH_BYTES, theirs);
	printf("{\"seq\": %llu, \"hash\": \"%s\", \"beat\": \"%s\", \"tries\": %d}\n",
	       (unsigned long long)seq, mine, theirs, try);
	rc = 0;
out:
	yx_case_events_free(&events);
	yx_joint_parts_free(&parts);
	yx_store_close(&store);
	yx_identity_free(&id);
	yx_config_free(&cfg);
	return rc;
}
