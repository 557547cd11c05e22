/* Fuzz harness: a message on the feed port. As yrdxd reads a park's (feed.c): unpacked,
 * and a FeedAction (accept or decline) checked and written by yxd_feed_action_into
 * against a real store holding a case addressed to the park (fuzz_node.h), into a batch
 * that is then aborted: whatever the bytes, the store must be left as it was. As
 * yrdx-feed reads the node's: a FeedBatch's events decoded and printed as JSON, as its
 * event_text does.
 *
 * With YRDX_FUZZ_SEEDS=DIR set, writes a seed corpus of real messages to DIR first. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_node.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void action_check(fz_node_t *n, const Yrdx__FeedAction *a)
{
	yx_batch_t *b = NULL;
	yx_diag_t diag = {{0}};
	yx_tip_t before, after;
	char case_id[96];
	const uint8_t *self = yx_identity_public(n->d.id);
	if (yx_store_tip(n->d.store, self, &before) != YX_OK ||
	    yxd_writer_begin(&n->d, &b, &diag) != YX_OK)
		abort();
	fz_note("feed action",
	        yxd_feed_action_into(&n->d, b, &n->park, a, case_id, sizeof(case_id), &diag),
	        &diag);
	yx_batch_abort(&b);
	if (yx_store_tip(n->d.store, self, &after) != YX_OK || after.seq != before.seq) {
		fprintf(stderr, "an aborted park step changed the store\n");
		abort();
	}
}

/* yrdx-feed's event_text: the change as JSON, with the event's cursor, id, why and
 * summary (yx_feed_event_to_json, the code yrdx-feed runs). */
static void batch_print(const Yrdx__FeedBatch *batch)
{
	for (size_t i = 0; i < batch->n_events; i++) {
		const Yrdx__FeedEvent *e = batch->events[i];
		Yrdx__Change *c = NULL;
		if (yx_change_decode(e->change.data, e->change.len, &c) != YX_OK)
			continue;
		json_t *j = yx_feed_event_to_json(e, c);
		yx_change_free(&c);
		if (j)
			free(json_dumps(j, JSON_COMPACT));
		json_decref(j);
	}
}

static void seed_write(const char *dir, const char *name, const Yrdx__FeedMessage *m)
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
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedSubscribe sub = YRDX__FEED_SUBSCRIBE__INIT;
	sub.after = 3;
	sub.credit = 256;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_SUBSCRIBE;
	m.subscribe = &sub;
	seed_write(dir, "subscribe.bin", &m);

	Yrdx__FeedAck ack = YRDX__FEED_ACK__INIT;
	ack.credit = 16;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_ACK;
	m.ack = &ack;
	seed_write(dir, "ack.bin", &m);

	Yrdx__FeedAction act = YRDX__FEED_ACTION__INIT;
	act.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT;
	act.case_id = FZ_CASE_ID;
	act.note = "接收：产业匹配";
	m.msg_case = YRDX__FEED_MESSAGE__MSG_ACTION;
	m.action = &act;
	seed_write(dir, "action-accept.bin", &m);
	act.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE;
	act.note = "";
	seed_write(dir, "action-decline.bin", &m);
	act.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND;
	seed_write(dir, "action-land.bin", &m);

	Yrdx__FeedBatch batch = YRDX__FEED_BATCH__INIT;
	Yrdx__FeedEvent ev[2] = {YRDX__FEED_EVENT__INIT, YRDX__FEED_EVENT__INIT};
	Yrdx__FeedEvent *evp[2] = {&ev[0], &ev[1]};
	for (int i = 0; i < 2; i++) {
		ev[i].cursor = 4 + (uint64_t)i;
		ev[i].event_id = i ? "othercity/5" : "othercity/4";
		ev[i].change =
		        (ProtobufCBinaryData){n->next.e[i].len, (uint8_t *)n->next.e[i].bytes};
		ev[i].why = i ? "open-case" : "addressed";
	}
	/* the first with a summary, as a node gives one */
	Yrdx__FeedSummary summary = YRDX__FEED_SUMMARY__INIT;
	Yrdx__Enterprise ent = YRDX__ENTERPRISE__INIT;
	char *incubators[1] = {"SH-INC-0008"};
	Yrdx__Industry industries[1] = {YRDX__INDUSTRY__INDUSTRY_FUTURE_MATERIALS};
	ent.credit_code = "91310104MA4HJQ3A56";
	ent.name = "上海辰晶前沿材料有限公司";
	ent.city = 310000;
	ent.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_STARTUP;
	ent.n_incubator_ids = 1;
	ent.incubator_ids = incubators;
	ent.n_industries = 1;
	ent.industries = industries;
	summary.enterprise = &ent;
	summary.incubator_id = "SH-INC-0008";
	summary.incubator_name = "元禾原点创投孵化器";
	uint8_t proposer[YX_KEY_BYTES];
	memset(proposer, 0x5a, sizeof(proposer)); /* any key: the summary only names it */
	summary.proposer = (ProtobufCBinaryData){YX_KEY_BYTES, proposer};
	summary.proposer_name = "shanghai";
	summary.proposer_city = 310000;
	ev[0].summary = &summary;
	batch.n_events = 2;
	batch.events = evp;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_BATCH;
	m.batch = &batch;
	seed_write(dir, "batch.bin", &m);

	Yrdx__FeedResult res = YRDX__FEED_RESULT__INIT;
	res.error = -22;
	res.message = "a park may only accept or decline";
	res.case_id = FZ_CASE_ID;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_RESULT;
	m.result = &res;
	seed_write(dir, "result.bin", &m);
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
	Yrdx__FeedMessage *m = yrdx__feed_message__unpack(NULL, size, data);
	if (!m)
		return 0;
	if (m->msg_case == YRDX__FEED_MESSAGE__MSG_ACTION)
		action_check(n, m->action);
	else if (m->msg_case == YRDX__FEED_MESSAGE__MSG_BATCH)
		batch_print(m->batch);
	yrdx__feed_message__free_unpacked(m, NULL);
	yx_arena_reset(&n->d.scratch); /* what a park's step read, as feed.c resets it */
	return 0;
}
