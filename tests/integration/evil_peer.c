/* evil_peer: a hostile member peer, for the integration tests only. It takes a real node's
 * config and key (so its handshake is trusted), reads that node's store, and answers
 * pulls like yrdxd does — except in the way its mode names:
 *
 *   flip           one byte of the first change of each segment is flipped
 *   forge          the head is re-signed with the evil node's own key
 *   lie-tip        Tips claim seq 2^64-1 for every origin it holds; a Pull gets nothing.
 *                  Its Tips never name the puller's session: it answers, but not us
 *   lie-tip-echo   as lie-tip, its Tips under the puller's session
 *   stubs          every change is relayed as its digest (a stub), never as a body
 *   policy-stub    every change whole but the origin's sharing policy, relayed as a stub:
 *                  a receiver that believed it would apply the default policy and pass
 *                  on what the origin withholds from a third city
 *   empty-entries  a Pull gets a segment message of ~8 MB holding ~4 M empty entries
 *   tips-flood     every Tips adds TIPS_FLOOD invented origins (random keys, seeded)
 *   tips-trickle   every Tips adds TIPS_TRICKLE invented origins, fewer than a Tips may name
 *   zstd-bomb      a Pull gets compressed segments (Squashed) of 1 GiB of zeros, ~40 KB
 *                  each on the wire, in turn: declaring their true size; declaring 1 MiB
 *                  while the zstd frame's header says 1 GiB; with a header patched to say
 *                  1 MiB too (only decoding finds the rest); and a frame without a size
 *
 * Except in lie-tip, it answers every Hello with Tips that echo the puller's session under
 * one epoch, as a live server does: the victim sees a peer that reads it and answers.
 *
 *   evil_peer -c NODE.zpl MODE [SEED] */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "config.h"
#include "keys.h"
#include "store.h"
#include "wire.h"

#define TIPS_FLOOD    5000
#define TIPS_TRICKLE  300
#define EMPTY_ENTRIES 4000000u /* 2 bytes each on the wire: just under YX_MAX_WIRE_BYTES */

typedef enum {
	M_FLIP,
	M_FORGE,
	M_LIE_TIP,
	M_LIE_TIP_ECHO,
	M_STUBS,
	M_POLICY_STUB,
	M_EMPTY_ENTRIES,
	M_TIPS_FLOOD,
	M_TIPS_TRICKLE,
	M_ZSTD_BOMB
} mode_t_;

static const struct {
	const char *name;
	mode_t_ mode;
} modes[] = {
        {"flip", M_FLIP},
        {"forge", M_FORGE},
        {"lie-tip", M_LIE_TIP},
        {"lie-tip-echo", M_LIE_TIP_ECHO},
        {"stubs", M_STUBS},
        {"policy-stub", M_POLICY_STUB},
        {"empty-entries", M_EMPTY_ENTRIES},
        {"tips-flood", M_TIPS_FLOOD},
        {"tips-trickle", M_TIPS_TRICKLE},
        {"zstd-bomb", M_ZSTD_BOMB},
};

typedef struct {
	mode_t_ mode;
	zsock_t *router;
	yx_store_t *store;
	const yx_identity_t *id;
	uint64_t epoch;
	uint64_t rng; /* xorshift state, from the seed */
} evil_t;

typedef struct {
	Yrdx__LogEntry entries[YX_HEAD_INTERVAL];
	Yrdx__LogEntry *ptrs[YX_HEAD_INTERVAL];
	uint8_t *bufs[YX_HEAD_INTERVAL];
	size_t n;
	uint64_t last;
	bool stubs;       /* every entry as its digest */
	bool policy_stub; /* the origin's sharing policy as its digest */
} seg_t;

static uint64_t rng_next(evil_t *e)
{
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return e->rng;
}

static int gather(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[32],
                  const uint8_t digest[32], const uint8_t *bytes, size_t len)
{
	seg_t *s = arg;
	uint8_t d[32];
	(void)hash;
	if (seq > s->last || s->n == YX_HEAD_INTERVAL)
		return 1;
	if (bytes && (s->stubs || (s->policy_stub && kind == YX_KIND_POLICY))) {
		yx_chain_digest(bytes, len, d); /* a full entry's digest is not stored */
		digest = d;
		bytes = NULL;
	}
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

/* A field's key and a varint, protobuf wire format. */
static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* PeerMessage{segment: Segment{batch: LogBatch{origin, EMPTY_ENTRIES × entries {}}}},
 * written by hand: no library would build 4 M empty entries for us cheaply. */
static void send_empty_entries(evil_t *e, zframe_t *rid, const uint8_t *origin)
{
	size_t batch_len = 2 + 32 + 2 * (size_t)EMPTY_ENTRIES;
	uint8_t hdr[32];
	size_t h = 0;
	hdr[h++] = 0x22; /* PeerMessage.segment = 4, length-delimited */
	uint8_t seg_len[10], batch_hdr[10];
	size_t bl = put_varint(batch_hdr, batch_len);
	size_t segment_len = 1 + bl + batch_len;
	size_t sl = put_varint(seg_len, segment_len);
	memcpy(hdr + h, seg_len, sl);
	h += sl;
	hdr[h++] = 0x0a; /* Segment.batch = 1 */
	memcpy(hdr + h, batch_hdr, bl);
	h += bl;
	zframe_t *f = zframe_new(NULL, h + batch_len);
	uint8_t *p = zframe_data(f);
	memcpy(p, hdr, h);
	p += h;
	*p++ = 0x0a; /* LogBatch.origin = 1 */
	*p++ = 32;
	memcpy(p, origin, 32);
	p += 32;
	for (size_t i = 0; i < EMPTY_ENTRIES; i++) {
		*p++ = 0x12; /* LogBatch.entries = 2, an empty LogEntry */
		*p++ = 0;
	}
	zframe_t *id = zframe_dup(rid);
	zframe_send(&id, e->router, ZFRAME_MORE);
	zframe_send(&f, e->router, 0);
	fprintf(stderr, "evil_peer: segment of %u empty entries\n", EMPTY_ENTRIES);
}

#define BOMB_BYTES (1ull << 30)
#define BOMB_CLAIM (1ull << 20)

/* 1 GiB of zeros as one zstd frame, its content size in its header (with_size) or not. */
static uint8_t *bomb_frame(bool with_size, size_t *len)
{
	static uint8_t zeros[1 << 20];
	size_t cap = 1 << 20, n = 0;
	uint8_t *out = malloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
	if (with_size)
		ZSTD_CCtx_setPledgedSrcSize(cc, BOMB_BYTES);
	for (uint64_t fed = 0; fed < BOMB_BYTES; fed += sizeof(zeros)) {
		bool last = fed + sizeof(zeros) >= BOMB_BYTES;
		ZSTD_inBuffer in = {zeros, sizeof(zeros), 0};
		size_t left;
		do {
			ZSTD_outBuffer o = {out, cap, n};
			left = ZSTD_compressStream2(cc, &o, &in,
			                            last ? ZSTD_e_end : ZSTD_e_continue);
			n = o.pos;
		} while (!ZSTD_isError(left) && (in.pos < in.size || (last && left)));
	}
	ZSTD_freeCCtx(cc);
	*len = n;
	return out;
}

/* The compressed segments of zstd-bomb, one of each kind per Pull. */
static void send_bombs(evil_t *e, zframe_t *rid)
{
	static uint8_t *sized, *unsized, *patched;
	static size_t sized_len, unsized_len;
	if (!sized) {
		sized = bomb_frame(true, &sized_len);
		unsized = bomb_frame(false, &unsized_len);
		/* The same frame, its header's content size rewritten to 1 MiB: magic (4),
		 * descriptor (1), window (1: not a single segment), no dictionary, then the
		 * size in 4 bytes (the descriptor's top bits are 2), little-endian. */
		patched = malloc(sized_len);
		memcpy(patched, sized, sized_len);
		if ((patched[4] >> 6) != 2 || (patched[4] & 0x23) != 0) {
			fprintf(stderr, "evil_peer: unexpected zstd frame header %02x\n",
			        patched[4]);
			exit(1);
		}
		for (int i = 0; i < 4; i++)
			patched[6 + i] = (uint8_t)(BOMB_CLAIM >> (8 * i));
	}
	const struct {
		const uint8_t *data;
		size_t len;
		uint64_t claim;
		const char *what;
	} bombs[] = {
	        {sized, sized_len, BOMB_BYTES, "declaring 1 GiB"},
	        {sized, sized_len, BOMB_CLAIM, "declaring 1 MiB, its header 1 GiB"},
	        {patched, sized_len, BOMB_CLAIM, "declaring 1 MiB, its header patched to 1 MiB"},
	        {unsized, unsized_len, BOMB_CLAIM, "declaring 1 MiB, its header no size"},
	};
	for (size_t i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
		Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
		Yrdx__Squashed sq = YRDX__SQUASHED__INIT;
		sq.codec = YRDX__CODEC__CODEC_ZSTD;
		sq.size = bombs[i].claim;
		sq.data = (ProtobufCBinaryData){bombs[i].len, (uint8_t *)bombs[i].data};
		m.msg_case = YRDX__PEER_MESSAGE__MSG_SQUASHED;
		m.squashed = &sq;
		yx_wire_send(e->router, rid, &m.base, NULL);
		fprintf(stderr, "evil_peer: squashed bomb of %zu bytes, %s\n", bombs[i].len,
		        bombs[i].what);
	}
}

static void serve_pull(evil_t *e, zframe_t *rid, const uint8_t *origin, uint64_t from)
{
	yx_tip_t tip;
	if (e->mode == M_LIE_TIP || e->mode == M_LIE_TIP_ECHO || e->mode == M_TIPS_FLOOD ||
	    e->mode == M_TIPS_TRICKLE)
		return; /* claims, never delivers */
	if (e->mode == M_EMPTY_ENTRIES) {
		send_empty_entries(e, rid, origin);
		return;
	}
	if (e->mode == M_ZSTD_BOMB) {
		send_bombs(e, rid);
		return;
	}
	if (yx_store_tip(e->store, origin, &tip) != YX_OK)
		return;
	while (from <= tip.seq) {
		static seg_t s;
		yx_head_t head;
		if (yx_store_head_find(e->store, origin, from, &head) != YX_OK)
			return;
		memset(&s, 0, sizeof(s));
		s.last = head.seq;
		s.stubs = e->mode == M_STUBS;
		s.policy_stub = e->mode == M_POLICY_STUB;
		yx_store_log_iterate(e->store, origin, from, gather, &s);
		if (e->mode == M_FORGE)
			yx_head_sign(&head, e->id); /* a signature by the wrong key */
		else if (e->mode == M_FLIP && s.n &&
		         s.entries[0].entry_case == YRDX__LOG_ENTRY__ENTRY_CHANGE)
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
		yx_wire_send(e->router, rid, &m.base, NULL);
		fprintf(stderr, "evil_peer: segment of %zu entries\n", s.n);
		for (size_t i = 0; i < s.n; i++)
			free(s.bufs[i]);
		from = head.seq + 1;
	}
}

/* Tips answering a Hello: the store's vector as it is (lie-tip: every seq 2^64-1), or
 * TIPS_FLOOD origins nobody has heard of (tips-flood), under the puller's session. */
static void send_tips(evil_t *e, zframe_t *rid, uint64_t session)
{
	yx_vector_t v = {0};
	bool invent = e->mode == M_TIPS_FLOOD || e->mode == M_TIPS_TRICKLE;
	if (!invent && yx_store_vector(e->store, &v) != YX_OK)
		return;
	size_t n = e->mode == M_TIPS_FLOOD ? TIPS_FLOOD : invent ? TIPS_TRICKLE : v.n;
	Yrdx__VectorEntry *ents = calloc(n ? n : 1, sizeof(*ents));
	Yrdx__VectorEntry **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	uint8_t(*keys)[32] = calloc(n ? n : 1, 32);
	for (size_t i = 0; i < n; i++) {
		yrdx__vector_entry__init(&ents[i]);
		if (invent) {
			for (size_t b = 0; b < 32; b += 8) {
				uint64_t r = rng_next(e);
				memcpy(keys[i] + b, &r, 8);
			}
			ents[i].origin = (ProtobufCBinaryData){32, keys[i]};
			ents[i].seq = 1 + rng_next(e) % 1000;
		} else {
			ents[i].origin = (ProtobufCBinaryData){32, v.tips[i].origin};
			bool lie = e->mode == M_LIE_TIP || e->mode == M_LIE_TIP_ECHO;
			ents[i].seq = lie ? UINT64_MAX : v.tips[i].seq;
			ents[i].hash = (ProtobufCBinaryData){32, v.tips[i].hash};
		}
		ptrs[i] = &ents[i];
	}
	Yrdx__PeerMessage r = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Tips tips = YRDX__TIPS__INIT;
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	vec.entries = ptrs;
	vec.n_entries = n;
	tips.vector = &vec;
	tips.session = e->mode == M_LIE_TIP ? 0 : session;
	tips.epoch = e->epoch;
	r.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
	r.tips = &tips;
	yx_wire_send(e->router, rid, &r.base, NULL);
	fprintf(stderr, "evil_peer: tips %zu origins\n", n);
	free(keys);
	free(ptrs);
	free(ents);
	yx_vector_free(&v);
}

int main(int argc, char **argv)
{
	yx_config_t *cfg = NULL;
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	uint8_t cpk[32], csk[32];
	evil_t e = {0};
	size_t m_i = 0;
	if (argc >= 4 && strcmp(argv[1], "-c") == 0)
		while (m_i < sizeof(modes) / sizeof(modes[0]) && strcmp(modes[m_i].name, argv[3]))
			m_i++;
	if (argc < 4 || argc > 5 || strcmp(argv[1], "-c") != 0 ||
	    m_i == sizeof(modes) / sizeof(modes[0])) {
		fprintf(stderr, "usage: evil_peer -c NODE.zpl "
		                "flip|forge|lie-tip|lie-tip-echo|stubs|policy-stub|empty-entries|"
		                "tips-flood|"
		                "tips-trickle|zstd-bomb "
		                "[SEED]\n");
		return 2;
	}
	e.mode = modes[m_i].mode;
	e.rng = argc == 5 ? strtoull(argv[4], NULL, 10) : 1;
	e.rng = e.rng ? e.rng : 1;
	e.epoch = rng_next(&e) | 1;
	if (yx_crypto_init() || yx_config_load(argv[2], &cfg, &diag) ||
	    yx_identity_load(cfg->key_file, &id, &diag) ||
	    yx_store_open(cfg->data_dir, YX_STORE_READONLY, 0, &e.store, &diag) ||
	    yx_identity_curve_keys(id, cpk, csk)) {
		fprintf(stderr, "evil_peer: %s\n", diag.msg);
		return 1;
	}
	e.id = id;
	e.router = zsock_new(ZMQ_ROUTER);
	zsock_set_curve_server(e.router, 1);
	zsock_set_curve_secretkey_bin(e.router, csk);
	zsock_set_sndhwm(e.router, 100000);
	if (zsock_bind(e.router, "%s", cfg->peer_endpoint) < 0) {
		fprintf(stderr, "evil_peer: cannot bind %s\n", cfg->peer_endpoint);
		return 1;
	}
	fprintf(stderr, "evil_peer: serving %s data on %s\n", argv[3], cfg->peer_endpoint);
	zpoller_t *p = zpoller_new(e.router, NULL);
	while (!zsys_interrupted) {
		zframe_t *rid = NULL, *frame = NULL;
		void *ready = zpoller_wait(p, 200);
		if (!ready || yx_wire_recv(e.router, &rid, &frame) != YX_OK)
			continue;
		Yrdx__PeerMessage *m = yx_wire_peer_message(frame, NULL);
		if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_HELLO) {
			send_tips(&e, rid, m->hello->session);
			yx_vector_t v;
			if (e.mode == M_EMPTY_ENTRIES && yx_store_vector(e.store, &v) == YX_OK) {
				if (v.n) /* every heartbeat, pulled or not */
					send_empty_entries(&e, rid, v.tips[0].origin);
				yx_vector_free(&v);
			}
		} else if (m && m->msg_case == YRDX__PEER_MESSAGE__MSG_PULL && m->pull->from_seq &&
		           m->pull->origin.len == 32) {
			serve_pull(&e, rid, m->pull->origin.data, m->pull->from_seq);
		}
		if (m)
			yrdx__peer_message__free_unpacked(m, NULL);
		zframe_destroy(&rid);
		zframe_destroy(&frame);
	}
	zpoller_destroy(&p);
	zsock_destroy(&e.router);
	yx_store_close(&e.store);
	yx_identity_free(&id);
	yx_config_free(&cfg);
	return 0;
}
