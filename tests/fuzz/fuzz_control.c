/* Fuzz harness: a request on the control socket, as yrdxd reads it (control.c): unpacked
 * by yx_wire_control_request, then checked against a real store (fuzz_node.h) by the
 * functions that serve it — a put by yxd_control_put as a dry run, a relay step by
 * yxd_author_relay_into and a joint participation by yxd_author_joint_into into a batch
 * that is then aborted. Whatever the bytes, the store must be left as it was. Sync and
 * status requests need sockets and the store's figures only: not here.
 *
 * With YRDX_FUZZ_SEEDS=DIR set, writes a seed corpus of real requests to DIR first. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_check(fz_node_t *n, Yrdx__PutRequest *req)
{
	Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
	yx_head_t head;
	req->dry_run = true; /* checked, never written */
	yxd_control_put(&n->d, req, &r, &head);
	fz_note(r.message, r.error, NULL);
	if (r.message != protobuf_c_empty_string)
		free(r.message);
	free(r.head);
}

static void step_check(fz_node_t *n, const Yrdx__ControlRequest *req)
{
	yx_batch_t *b = NULL;
	yx_diag_t diag = {{0}};
	char case_id[96];
	yxd_joint_written_t w;
	if (yxd_writer_begin(&n->d, &b, &diag) != YX_OK)
		abort();
	if (req->req_case == YRDX__CONTROL_REQUEST__REQ_RELAY)
		fz_note("relay",
		        yxd_author_relay_into(&n->d, b, req->relay, NULL, NULL, case_id,
		                              sizeof(case_id), &diag),
		        &diag);
	else
		fz_note("joint", yxd_author_joint_into(&n->d, b, req->joint, &w, &diag), &diag);
	yx_batch_abort(&b);
}

static void seed_write(const char *dir, const char *name, const Yrdx__ControlRequest *m)
{
	char path[1024];
	size_t len = protobuf_c_message_get_packed_size(&m->base);
	uint8_t *bytes = malloc(len ? len : 1);
	if (!bytes)
		abort();
	protobuf_c_message_pack(&m->base, bytes);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(bytes);
}

static void seeds_write(fz_node_t *n, const char *dir)
{
	Yrdx__ControlRequest m = YRDX__CONTROL_REQUEST__INIT;
	fx_enterprise_t ent;
	fx_incubator_t inc;
	fx_enterprise_init(&ent, 0);
	fx_incubator_init(&inc, 0);

	Yrdx__PutRequest put = YRDX__PUT_REQUEST__INIT;
	Yrdx__Change c[2] = {YRDX__CHANGE__INIT, YRDX__CHANGE__INIT}, *cp[2] = {&c[0], &c[1]};
	Yrdx__Tombstone tomb = YRDX__TOMBSTONE__INIT;
	yx_change_set_body(&c[0], YX_KIND_ENTERPRISE, &ent.e);
	c[0].kind = YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE;
	c[0].id = ent.code;
	tomb.reason = "closed";
	c[1].kind = YRDX__RECORD_KIND__RECORD_KIND_INCUBATOR;
	c[1].id = inc.id;
	c[1].body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	c[1].tombstone = &tomb;
	put.n_changes = 2;
	put.changes = cp;
	put.skip_unchanged = true;
	m.req_case = YRDX__CONTROL_REQUEST__REQ_PUT;
	m.put = &put;
	seed_write(dir, "put.bin", &m);

	Yrdx__RelayRequest relay = YRDX__RELAY_REQUEST__INIT;
	uint8_t dossier[] = "材料：商业计划书";
	relay.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
	relay.credit_code = ent.code;
	relay.park_id = "PARK-0001";
	relay.destination =
	        (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(n->other)};
	relay.dossier = (ProtobufCBinaryData){sizeof(dossier) - 1, dossier};
	relay.note = "接力孵化";
	m.req_case = YRDX__CONTROL_REQUEST__REQ_RELAY;
	m.relay = &relay;
	seed_write(dir, "relay-propose.bin", &m);
	Yrdx__RelayRequest accept = YRDX__RELAY_REQUEST__INIT;
	accept.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT;
	accept.case_id = FZ_CASE_ID;
	m.relay = &accept;
	seed_write(dir, "relay-accept.bin", &m);

	Yrdx__JointRequest joint = YRDX__JOINT_REQUEST__INIT;
	joint.action = YRDX__JOINT_REQUEST__ACTION__ACTION_SIGN;
	joint.agreement_id = FZ_AGREEMENT_ID;
	joint.role = "co-incubator";
	m.req_case = YRDX__CONTROL_REQUEST__REQ_JOINT;
	m.joint = &joint;
	seed_write(dir, "joint-sign.bin", &m);
	char *ids[2] = {inc.id, "othercity:SZ-INC-0001"};
	Yrdx__JointRequest propose = YRDX__JOINT_REQUEST__INIT;
	propose.action = YRDX__JOINT_REQUEST__ACTION__ACTION_PROPOSE;
	propose.n_incubator_ids = 2;
	propose.incubator_ids = ids;
	propose.credit_code = ent.code;
	m.joint = &propose;
	seed_write(dir, "joint-propose.bin", &m);

	Yrdx__StatusRequest status = YRDX__STATUS_REQUEST__INIT;
	m.req_case = YRDX__CONTROL_REQUEST__REQ_STATUS;
	m.status = &status;
	seed_write(dir, "status.bin", &m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_node_t *n = fz_node_get();
	static bool seeded;
	if (!seeded) {
		seeded = true;
		const char *dir = getenv("YRDX_FUZZ_SEEDS");
		if (dir)
			seeds_write(n, dir);
	}
	zframe_t *frame = zframe_new(data, size);
	if (!frame)
		return 0;
	yx_tip_t before, after;
	const uint8_t *self = yx_identity_public(n->d.id);
	if (yx_store_tip(n->d.store, self, &before) != YX_OK)
		abort();
	/* Into the scratch arena, as control.c unpacks a request, reset below. */
	Yrdx__ControlRequest *req = yx_wire_control_request(frame, &n->d.scratch);
	if (req && req->req_case == YRDX__CONTROL_REQUEST__REQ_PUT)
		put_check(n, req->put);
	else if (req && (req->req_case == YRDX__CONTROL_REQUEST__REQ_RELAY ||
	                 req->req_case == YRDX__CONTROL_REQUEST__REQ_JOINT))
		step_check(n, req);
	if (yx_store_tip(n->d.store, self, &after) != YX_OK || after.seq != before.seq) {
		fprintf(stderr, "a checked control request changed the store\n");
		abort();
	}
	yx_arena_reset(&n->d.scratch); /* the request and what the step read, as control.c */
	zframe_destroy(&frame);
	return 0;
}
