/* The fuzz harnesses' node: see fuzz_node.h. */
#include "fuzz_node.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_TIME_MS 1764000000000LL /* every change and head of the peer: fixed */

static void fz_die(const char *what, const yx_diag_t *diag)
{
	fprintf(stderr, "fuzz_node: %s: %s\n", what, diag ? diag->msg : "");
	abort();
}

/* An identity from a fixed seed, through a key file as yrdxd loads it. */
static yx_identity_t *fz_identity(const char *dir, const char *name, uint8_t tag)
{
	uint8_t seed[32];
	char b64[64], path[1024];
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(tag + i);
	sodium_bin2base64(b64, sizeof(b64), seed, sizeof(seed), sodium_base64_VARIANT_ORIGINAL);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "secret: %s\n", b64) < 0 || fclose(f) != 0 || chmod(path, 0600) != 0)
		fz_die("cannot write a key file", NULL);
	if (yx_identity_load(path, &id, &diag) != YX_OK)
		fz_die("cannot load a key file", &diag);
	return id;
}

/* This node's own records: an incubator, an enterprise, the park of fuzzpark. */
static void fz_own_records(fz_node_t *n)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	yx_batch_t *b = NULL;
	yx_diag_t diag = {{0}};
	Yrdx__Change c[3] = {YRDX__CHANGE__INIT, YRDX__CHANGE__INIT, YRDX__CHANGE__INIT};
	fx_incubator_init(&inc, 0);
	fx_enterprise_init(&ent, 0);
	fx_park_init(&park, 0);
	snprintf(n->park.park_id, sizeof(n->park.park_id), "%s", park.id);
	yx_change_set_body(&c[0], YX_KIND_INCUBATOR, &inc.inc);
	yx_change_set_body(&c[1], YX_KIND_ENTERPRISE, &ent.e);
	yx_change_set_body(&c[2], YX_KIND_PARK, &park.park);
	if (yx_batch_begin(n->d.store, n->d.id, &b) != YX_OK)
		fz_die("cannot begin a batch", NULL);
	for (int i = 0; i < 3; i++) {
		c[i].id = (char *)yx_change_body_id(&c[i]);
		if (yx_batch_put(b, &c[i], &diag) != YX_OK)
			fz_die("own record refused", &diag);
	}
	if (yx_batch_commit(&b, NULL) != YX_OK)
		fz_die("cannot commit own records", NULL);
}

/* The peer's first segment, appended as a verified segment from elsewhere. */
static void fz_other_records(fz_node_t *n)
{
	fx_log_t log;
	fx_enterprise_t ent;
	fx_relay_event_t prop;
	fx_joint_t joint;
	fx_incubator_t own_inc;
	yx_remote_t *txn = NULL;
	yx_diag_t diag = {{0}};
	const uint8_t *self = yx_identity_public(n->d.id);

	fx_log_init(&log, n->other);
	fx_enterprise_init(&ent, 1);
	fx_log_append(&log, YX_KIND_ENTERPRISE, &ent.e, FZ_TIME_MS);

	fx_relay_event_init(&prop, 1);
	prop.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	prop.ev.answers = NULL;
	snprintf(prop.case_id, sizeof(prop.case_id), "%s", FZ_CASE_ID);
	if (!yx_case_event_id(prop.case_id, prop.ev.type, prop.id, sizeof(prop.id)))
		fz_die("no event id for the PROPOSE", NULL);
	snprintf(prop.code, sizeof(prop.code), "%s", ent.code);
	prop.ev.park_id = n->park.park_id;
	memcpy(prop.destination, self, YX_KEY_BYTES);
	fx_log_append(&log, YX_KIND_RELAY_EVENT, &prop.ev, FZ_TIME_MS);

	fx_incubator_init(&own_inc, 0);
	fx_joint_init(&joint, 1);
	snprintf(joint.id, sizeof(joint.id), "%s", FZ_AGREEMENT_ID);
	memcpy(joint.keys[0], yx_identity_public(n->other), YX_KEY_BYTES);
	memcpy(joint.keys[1], self, YX_KEY_BYTES);
	snprintf(joint.incubator_id[1], sizeof(joint.incubator_id[1]), "%s", own_inc.id);
	joint.jp.n_parties = 2;
	joint.jp.n_incubator_ids = 2;
	fx_log_append(&log, YX_KIND_JOINT, &joint.jp, FZ_TIME_MS);
	fx_log_sign(&log, FZ_TIME_MS);

	if (yx_remote_begin(n->d.store, &txn) != YX_OK ||
	    yx_remote_append(txn, yx_identity_public(n->other), log.e, log.n, &log.head, NULL,
	                     &diag) != YX_OK ||
	    yx_remote_commit(&txn) != YX_OK)
		fz_die("the peer's segment was refused", &diag);
	fx_log_clear(&log);

	/* The next segment, signed, kept aside. */
	n->next = log;
	for (uint32_t i = 0; i < FZ_NEXT_SEQS; i++) {
		fx_enterprise_t more;
		fx_enterprise_init(&more, 2 + i);
		fx_log_append(&n->next, YX_KIND_ENTERPRISE, &more.e, FZ_TIME_MS + 1);
	}
	fx_log_sign(&n->next, FZ_TIME_MS + 1);
}

static fz_node_t *fz_node_build(void)
{
	fz_node_t *n = calloc(1, sizeof(*n));
	yx_diag_t diag = {{0}};
	if (!n || yx_crypto_init() != YX_OK)
		fz_die("out of memory", NULL);
	n->dir = fx_tmpdir("fuzz-node");
	n->d.id = fz_identity(n->dir, "fuzzcity", 1);
	memcpy(n->d.origin, yx_identity_public(n->d.id), YX_KEY_BYTES); /* never rotated */
	n->other = fz_identity(n->dir, "othercity", 101);
	if (yx_store_open(n->dir, YX_STORE_CREATE, 64u << 20, &n->d.store, &diag) != YX_OK)
		fz_die("cannot open the store", &diag);
	yx_arena_init(&n->d.scratch);

	snprintf(n->cfg.name, sizeof(n->cfg.name), "fuzzcity");
	n->cfg.city = 310000;
	n->cfg.heartbeat_ms = 1000;
	n->cfg.dead_after_ms = 5000;
	n->cfg.credit = 16;
	snprintf(n->peer.name, sizeof(n->peer.name), "othercity");
	snprintf(n->peer.endpoint, sizeof(n->peer.endpoint), "tcp://127.0.0.1:1");
	memcpy(n->peer.key, yx_identity_public(n->other), YX_KEY_BYTES);
	n->peer.share_mask = ~0u;
	snprintf(n->park.name, sizeof(n->park.name), "fuzzpark");
	memset(n->park.key, 7, sizeof(n->park.key));
	n->park.open_cases = 1;
	n->cfg.peers = &n->peer;
	n->cfg.n_peers = 1;
	n->cfg.parks = &n->park;
	n->cfg.n_parks = 1;
	n->d.cfg = &n->cfg;

	fz_own_records(n);
	fz_other_records(n);
	return n;
}

/* One node per process: libFuzzer calls the harness millions of times. */
static fz_node_t *node;

static void fz_node_remove(void)
{
	yx_store_close(&node->d.store);
	fx_rmtree(node->dir);
}

fz_node_t *fz_node_get(void)
{
	if (!node) {
		node = fz_node_build();
		atexit(fz_node_remove);
	}
	return node;
}

void fz_node_next_segment(fz_node_t *n, uint8_t **bytes, size_t *len)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Segment seg = YRDX__SEGMENT__INIT;
	Yrdx__LogBatch batch = YRDX__LOG_BATCH__INIT;
	Yrdx__SignedHead head = YRDX__SIGNED_HEAD__INIT;
	Yrdx__LogEntry entries[FX_LOG_MAX], *ptrs[FX_LOG_MAX];
	for (size_t i = 0; i < n->next.n; i++) {
		yrdx__log_entry__init(&entries[i]);
		entries[i].seq = n->next.e[i].seq;
		entries[i].entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
		entries[i].change =
		        (ProtobufCBinaryData){n->next.e[i].len, (uint8_t *)n->next.e[i].bytes};
		ptrs[i] = &entries[i];
	}
	yx_head_to_proto(&n->next.head, &head);
	batch.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(n->other)};
	batch.n_entries = n->next.n;
	batch.entries = ptrs;
	batch.head = &head;
	seg.batch = &batch;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	m.segment = &seg;
	*len = protobuf_c_message_get_packed_size(&m.base);
	if (!(*bytes = malloc(*len ? *len : 1)))
		fz_die("out of memory", NULL);
	protobuf_c_message_pack(&m.base, *bytes);
}

void fz_note(const char *what, int ret, const yx_diag_t *diag)
{
	if (getenv("YRDX_FUZZ_VERBOSE"))
		fprintf(stderr, "%s: %s%s%s\n", what, yx_strerror(ret),
		        diag && diag->msg[0] ? ": " : "", diag ? diag->msg : "");
}
