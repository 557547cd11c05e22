/* evil_peer: a peer that serves altered data, for the integration tests only. It takes a
 * real node's config and key (so its handshake is trusted), reads that node's store, and
 * answers pulls like yrdxd does — except that every segment is corrupted:
 *   flip    one byte of the first change of each segment is flipped
 *   forge   the head is re-signed with the evil node's own key
 *
 *   evil_peer -c NODE.zpl MODE */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keys.h"
#include "store.h"
#include "wire.h"

typedef struct {
	Yrdx__LogEntry entries[YX_HEAD_INTERVAL];
	Yrdx__LogEntry *ptrs[YX_HEAD_INTERVAL];
	uint8_t *bufs[YX_HEAD_INTERVAL];
	size_t n;
	uint64_t last;
} seg_t;

static int gather(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[32],
                  const uint8_t digest[32], const uint8_t *bytes, size_t len)
{
	seg_t *s = arg;
	(void)kind;
	(void)hash;
	if (seq > s->last || s->n == YX_HEAD_INTERVAL)
		return 1;
	Yrdx__LogEntry *e = &s->entries[s->n];
	yrdx__log_entry__init(e);
	e->seq = seq;
	size_t n = bytes ? len : 32;
	s->bufs[s->n] = malloc(n);
	memcpy(s->bufs[s->n], bytes ? bytes : digest, n);
	if (bytes) {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
		e->change = (ProtobufCBinaryData){n, s->bufs[s->n]};
	} else {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
		e->digest = (ProtobufCBinaryData){n, s->bufs[s->n]};
	}
	s->ptrs[s->n] = e;
	s->n++;
	return 0;
}

static void serve_pull(zsock_t *router, zframe_t *rid, yx_store_t *store, const yx_identity_t *id,
                       const uint8_t *origin, uint64_t from, bool forge)
{
	yx_tip_t tip;
	if (yx_store_tip(store, origin, &tip) != YX_OK)
		return;
	while (from <= tip.seq) {
		static seg_t s;
		yx_head_t head;
		if (yx_store_head_find(store, origin, from, &head) != YX_OK)
			return;
		memset(&s, 0, sizeof(s));
		s.last = head.seq;
		yx_store_log_iterate(store, origin, from, gather, &s);
		if (forge)
			yx_head_sign(&head, id); /* a signature by the wrong key */
		else if (s.n && s.entries[0].entry_case == YRDX__LOG_ENTRY__ENTRY_CHANGE)
			s.bufs[0][s.entries[0].change.len / 2] ^= 0x20; /* one altered byte */
		Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
		Yrdx__Segment seg = YRDX__SEGMENT__INIT;
		Yrdx__LogBatch batch = YRDX__LOG_BATCH__INIT;
		Yrdx__SignedHead h;
		yx_head_to_proto(&head, &h);
		batch.origin = (ProtobufCBinaryData){32, (uint8_t *)origin};
		batch.entries = s.ptrs;
		batch.n_entries = s.n;
		batch.head = &h;
		seg.batch = &batch;
		m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
		m.segment = &seg;
		yx_wire_send(router, rid, &m.base, NULL);
		for (size_t i = 0; i < s.n; i++)
			free(s.bufs[i]);
		from = head.seq + 1;
	}
}

int main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *id = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	uint8_t cpk[32], csk[32];
	if (argc != 4 || strcmp(argv[1], "-c") != 0) {
		fprintf(stderr, "usage: evil_peer -c NODE.zpl flip|forge\n");
		return 2;
	}
	bool forge = strcmp(argv[3], "forge") == 0;
	if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
	    yx_identity_load(cfg->key_file, &id, &diag) ||
	    yx_store_open(cfg->data_dir, YX_STORE_READONLY, 0, &store, &diag) ||
	    yx_identity_curve_keys(id, cpk, csk)) {
		fprintf(stderr, "evil_peer: %s\n", diag.msg);
		return 1;
	}
	zsock_t *router = zsock_new(ZMQ_ROUTER);
	zsock_set_curve_server(router, 1);
	zsock_set_curve_secretkey_bin(router, csk);
	if (zsock_bind(router, "%s", cfg->peer_endpoint) < 0) {
		fprintf(stderr, "evil_peer: cannot bind %s\n", cfg->peer_endpoint);
		return 1;
	}
	fprintf(stderr, "evil_peer: serving %s data on %s\n", argv[3], cfg->peer_endpoint);
	while (!zsys_interrupted) {
		zframe_t *rid = NULL, *frame = NULL;
		zpoller_t *p = zpoller_new(router, NULL);
		void *ready = zpoller_wait(p, 200);
		zpoller_destroy(&p);
		if (!ready || yx_wire_recv(router, &rid, &frame) != YX_OK)
			continue;
		Yrdx__PeerMessage *m = yx_wire_peer_message(frame, NULL);
		if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_HELLO) {
			yx_vector_t v;
			if (yx_store_vector(store, &v) == YX_OK) {
				Yrdx__PeerMessage r = YRDX__PEER_MESSAGE__INIT;
				Yrdx__Tips tips = YRDX__TIPS__INIT;
				Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
				Yrdx__VectorEntry e[64], *ep[64];
				for (size_t i = 0; i < v.n && i < 64; i++) {
					yrdx__vector_entry__init(&e[i]);
					e[i].origin = (ProtobufCBinaryData){32, v.tips[i].origin};
					/* claim more than anyone, so the victim picks us first */
					e[i].seq = v.tips[i].seq;
					e[i].hash = (ProtobufCBinaryData){32, v.tips[i].hash};
					ep[i] = &e[i];
					vec.n_entries++;
				}
				vec.entries = ep;
				tips.vector = &vec;
				r.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
				r.tips = &tips;
				yx_wire_send(router, rid, &r.base, NULL);
				yx_vector_free(&v);
			}
		} else if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_PULL && m->pull->from_seq &&
		           m->pull->origin.len == 32) {
			serve_pull(router, rid, store, id, m->pull->origin.data, m->pull->from_seq,
			           forge);
		}
		if (m)
			yrdx__peer_message__free_unpacked(m, NULL);
		zframe_destroy(&rid);
		zframe_destroy(&frame);
	}
	zsock_destroy(&router);
	yx_store_close(&store);
	yx_identity_free(&id);
	yx_config_free(&cfg);
	return 0;
}
