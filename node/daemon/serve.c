/* serve: the peer port. A ROUTER that answers each authenticated puller's Hello with our
 * tips, streams the segments it pulls while its credit lasts, and pushes new segments to
 * pullers that are caught up, so a commit reaches them without a poll interval.
 *
 * The puller's identity is the peer name the ZAP handler put in the connection's User-Id;
 * what it may see (the sharing policy) is decided here from our own config. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "yrdxd.h"

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;       /* the puller has (or has been sent) the log up to here */
	bool pulling;       /* it asked for more: stream while credit lasts */
	uint64_t fill_from; /* it asked for the segment holding this seq once; 0: not */
} known_t;

typedef struct {
	zframe_t *routing_id;
	char peer[33];
	char key[YX_PUBKEY_TEXT_LEN + 1]; /* the key it was admitted with (ZAP's X-Key) */
	uint64_t session;                 /* the puller's, from its Hello */
	uint64_t epoch;                   /* drawn when this state was made (Tips.epoch) */
	uint32_t credit;
	size_t next; /* the pump's round robin over known */
	int64_t last_rx_ms;
	known_t *known;
	size_t n_known;
	uint64_t bytes_out, segments_out;
} sub_t;

struct yxd_serve {
	sub_t *subs;
	size_t n_subs;
};

/* The trust store's entry for a puller, as the store is now: NULL once the peer was
 * removed or its key replaced, whatever the connection was admitted with. */
static const yx_peer_conf_t *trusted_peer(yxd_t *d, const char *name, const char *key)
{
	const yx_peer_conf_t *p = name && key ? yx_config_peer_by_name(d->cfg, name) : NULL;
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (!p)
		return NULL;
	yx_pubkey_format(p->key, text);
	return strcmp(text, key) == 0 ? p : NULL;
}

static void sub_free(sub_t *s)
{
	zframe_destroy(&s->routing_id);
	free(s->known);
	memset(s, 0, sizeof(*s));
}

static void sub_remove(yxd_serve_t *sv, size_t i)
{
	sub_free(&sv->subs[i]);
	sv->subs[i] = sv->subs[--sv->n_subs];
}

static sub_t *sub_find(yxd_serve_t *sv, zframe_t *routing_id)
{
	for (size_t i = 0; i < sv->n_subs; i++)
		if (zframe_eq(sv->subs[i].routing_id, routing_id))
			return &sv->subs[i];
	return NULL;
}

static known_t *known_get(sub_t *s, const uint8_t origin[YX_KEY_BYTES], bool create)
{
	for (size_t i = 0; i < s->n_known; i++)
		if (memcmp(s->known[i].origin, origin, YX_KEY_BYTES) == 0)
			return &s->known[i];
	if (!create)
		return NULL;
	known_t *k = realloc(s->known, (s->n_known + 1) * sizeof(*k));
	if (!k)
		return NULL;
	s->known = k;
	k = &s->known[s->n_known++];
	memset(k, 0, sizeof(*k));
	memcpy(k->origin, origin, YX_KEY_BYTES);
	return k;
}

int yxd_serve_start(yxd_t *d)
{
	d->serve = calloc(1, sizeof(*d->serve));
	if (!d->serve)
		return -ENOMEM;
	d->peer_router = zsock_new(ZMQ_ROUTER);
	if (!d->peer_router)
		return -ENOMEM;
	zsock_set_zap_domain(d->peer_router, "peer");
	zsock_set_curve_server(d->peer_router, 1);
	zsock_set_curve_secretkey_bin(d->peer_router, d->curve_secret);
	/* Credit bounds what is queued; the high-water marks only need to exceed it. */
	zsock_set_sndhwm(d->peer_router, 100000);
	zsock_set_rcvhwm(d->peer_router, 100000);
	zsock_set_router_mandatory(d->peer_router, 1);
	zsock_set_sndtimeo(d->peer_router, 0); /* the loop never blocks on a send */
	/* Pullers send small messages (wire.h): a stranger's frame past that is refused
	 * before the handshake, as its header arrives. */
	yxd_socket_limit(d, d->peer_router, YX_MAX_PEER_REQUEST_BYTES);
	if (yxd_guard_start(d, d->peer_router, "peer", &d->peer_guard))
		return -EMFILE;
	if (zsock_bind(d->peer_router, "%s", d->cfg->peer_endpoint) < 0) {
		yx_log_error("peer port %s: %s", d->cfg->peer_endpoint, zmq_strerror(zmq_errno()));
		return -EADDRINUSE;
	}
	yx_log_info("serving peers on %s", d->cfg->peer_endpoint);
	return YX_OK;
}

void yxd_serve_stop(yxd_t *d)
{
	if (d->serve) {
		for (size_t i = 0; i < d->serve->n_subs; i++)
			sub_free(&d->serve->subs[i]);
		free(d->serve->subs);
		free(d->serve);
		d->serve = NULL;
	}
	zsock_destroy(&d->peer_router);
	yxd_guard_stop(&d->peer_guard);
}

static int send_msg(yxd_t *d, sub_t *s, Yrdx__PeerMessage *m)
{
	size_t bytes = 0;
	int ret = yx_wire_send(d->peer_router, s->routing_id, &m->base, &bytes);
	if (ret == YX_OK)
		s->bytes_out += bytes;
	return ret;
}

static int send_tips(yxd_t *d, sub_t *s, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Tips tips = YRDX__TIPS__INIT;
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	int ret = yxd_vector_msg(d, &vec);
	if (ret)
		return ret;
	tips.session = s->session;
	tips.epoch = s->epoch;
	if (origins) {
		/* Only the origins that moved. */
		size_t keep = 0;
		for (size_t i = 0; i < vec.n_entries; i++) {
			bool moved = false;
			for (size_t j = 0; j < n && !moved; j++)
				moved = memcmp(vec.entries[i]->origin.data, origins[j],
				               YX_KEY_BYTES) == 0;
			if (moved) {
				Yrdx__VectorEntry *t = vec.entries[keep];
				vec.entries[keep++] = vec.entries[i];
				vec.entries[i] = t;
			}
		}
		Yrdx__VersionVector part = vec;
		part.n_entries = keep;
		tips.vector = &part;
		m.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
		m.tips = &tips;
		ret = send_msg(d, s, &m);
	} else {
		tips.vector = &vec;
		m.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
		m.tips = &tips;
		ret = send_msg(d, s, &m);
	}
	yxd_vector_msg_free(&vec);
	return ret;
}

/* One segment being gathered from the log. */
typedef struct {
	Yrdx__LogEntry *entries;
	Yrdx__LogEntry **ptrs;
	size_t n, cap;
	uint64_t last;
	uint32_t share_mask;
	size_t stubs;
	uint8_t *buf;
	size_t buf_len, buf_cap;
	int err;
} gather_t;

/* Copies what an entry needs into one growing buffer; data pointers hold offsets until
 * the buffer stops moving, then fix_pointers makes them real. */
static int gather_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                        const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	gather_t *g = arg;
	(void)hash;
	if (seq > g->last || g->n == g->cap)
		return 1;
	bool stub = !bytes || (kind != YX_KIND_NONE && !(g->share_mask & (1u << kind)));
	const uint8_t *src = stub ? digest : bytes;
	size_t n = stub ? YX_HASH_BYTES : len;
	if (g->buf_len + n > g->buf_cap) {
		size_t cap = g->buf_cap ? g->buf_cap * 2 : 64 * 1024;
		while (cap < g->buf_len + n)
			cap *= 2;
		uint8_t *buf = realloc(g->buf, cap);
		if (!buf) {
			g->err = -ENOMEM;
			return 1;
		}
		g->buf = buf;
		g->buf_cap = cap;
	}
	Yrdx__LogEntry *e = &g->entries[g->n++];
	yrdx__log_entry__init(e);
	e->seq = seq;
	memcpy(g->buf + g->buf_len, src, n);
	ProtobufCBinaryData b = {n, (uint8_t *)(uintptr_t)g->buf_len};
	if (stub) {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_DIGEST;
		e->digest = b;
		g->stubs++;
	} else {
		e->entry_case = YRDX__LOG_ENTRY__ENTRY_CHANGE;
		e->change = b;
	}
	g->buf_len += n;
	return 0;
}

static void fix_pointers(gather_t *g)
{
	for (size_t i = 0; i < g->n; i++) {
		Yrdx__LogEntry *e = &g->entries[i];
		ProtobufCBinaryData *b =
		        e->entry_case == YRDX__LOG_ENTRY__ENTRY_DIGEST ? &e->digest : &e->change;
		b->data = g->buf + (uintptr_t)b->data;
		g->ptrs[i] = e;
	}
}

/* Sends sub the segment of origin that starts at from. Returns YX_OK, YX_ENOTFOUND if we
 * have nothing from there on, or an error. *last gets the segment's last seq. */
static int send_segment(yxd_t *d, sub_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                        uint64_t *last)
{
	yx_head_t head;
	gather_t g = {0};
	int ret = yx_store_head_find(d->store, origin, from, &head);
	if (ret)
		return ret;
	const yx_peer_conf_t *peer = trusted_peer(d, s->peer, s->key);
	if (!peer)
		return -EHOSTUNREACH; /* no longer trusted: nothing at all, not even stubs */
	g.share_mask = peer->share_mask;
	g.last = head.seq;
	g.cap = (size_t)(head.seq - from + 1);
	if (g.cap > YX_HEAD_INTERVAL)
		return YX_ECORRUPT; /* heads are at most an interval apart */
	g.entries = calloc(g.cap, sizeof(*g.entries));
	g.ptrs = calloc(g.cap, sizeof(*g.ptrs));
	if (!g.entries || !g.ptrs) {
		ret = -ENOMEM;
		goto out;
	}
	ret = yx_store_log_iterate(d->store, origin, from, gather_entry, &g);
	if (ret == 1)
		ret = YX_OK;
	if (ret == YX_OK)
		ret = g.err;
	if (ret)
		goto out;
	if (g.n != g.cap || g.entries[0].seq != from) {
		ret = YX_ECORRUPT;
		goto out;
	}
	fix_pointers(&g);

	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Segment seg = YRDX__SEGMENT__INIT;
	Yrdx__LogBatch batch = YRDX__LOG_BATCH__INIT;
	Yrdx__SignedHead h;
	yx_head_to_proto(&head, &h);
	batch.origin.data = (uint8_t *)origin;
	batch.origin.len = YX_KEY_BYTES;
	batch.entries = g.ptrs;
	batch.n_entries = g.n;
	batch.head = &h;
	seg.batch = &batch;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_SEGMENT;
	m.segment = &seg;
	if ((ret = send_msg(d, s, &m)))
		goto out;
	s->segments_out++;
	d->counters[C_SEGMENTS_SENT]++;
	d->counters[C_CHANGES_SENT] += g.n;
	d->counters[C_STUBS_SENT] += g.stubs;
	*last = head.seq;
out:
	free(g.entries);
	free(g.ptrs);
	free(g.buf);
	return ret;
}

/* Streams to s while it has credit: origins it pulls, and origins it is caught up on
 * (push). Stops at each origin's tip. Round robin from where the last pump stopped, so
 * with a small window every pulled origin still gets its turn. */
static void pump(yxd_t *d, sub_t *s)
{
	size_t idle = 0; /* origins in a row with nothing to send */
	while (s->credit > 0 && s->n_known && idle < s->n_known) {
		known_t *k = &s->known[s->next++ % s->n_known];
		yx_tip_t tip;
		idle++;
		if (k->fill_from) {
			uint64_t last = 0;
			int ret = send_segment(d, s, k->origin, k->fill_from, &last);
			if (ret == -EHOSTUNREACH || ret == -EAGAIN) {
				s->next--;
				return;
			}
			k->fill_from = 0; /* sent, or nothing to send from there */
			if (ret == YX_OK) {
				s->credit--;
				idle = 0;
			}
			continue;
		}
		if (!k->pulling)
			continue;
		if (yx_store_tip(d->store, k->origin, &tip) != YX_OK || tip.seq <= k->seq)
			continue; /* caught up: the subscription stays, later commits are pushed */
		uint64_t last = 0;
		int ret = send_segment(d, s, k->origin, k->seq + 1, &last);
		if (ret == -EHOSTUNREACH || ret == -EAGAIN) {
			s->next--; /* its turn again next time */
			return;    /* gone, or its queue is full: try at the next tick */
		}
		if (ret) {
			yx_log_warn("peer %s: cannot serve origin from seq %llu: %s", s->peer,
			            (unsigned long long)(k->seq + 1), yx_strerror(ret));
			k->pulling = false;
			continue;
		}
		k->seq = last;
		s->credit--;
		idle = 0;
	}
}

static uint64_t new_epoch(void)
{
	uint64_t e;
	do
		e = ((uint64_t)randombytes_random() << 32) | randombytes_random();
	while (e == 0);
	return e;
}

static void on_hello(yxd_t *d, zframe_t *rid, const char *peer, const char *key,
                     const Yrdx__Hello *h, int64_t now)
{
	yxd_serve_t *sv = d->serve;
	sub_t *s = sub_find(sv, rid);
	if (!s) {
		sub_t *grown = realloc(sv->subs, (sv->n_subs + 1) * sizeof(*grown));
		if (!grown)
			return;
		sv->subs = grown;
		s = &sv->subs[sv->n_subs++];
		memset(s, 0, sizeof(*s));
		s->routing_id = zframe_dup(rid);
		yx_log_info("peer %s connected to pull", peer);
	}
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	snprintf(s->key, sizeof(s->key), "%s", key);
	if (s->session != h->session || s->epoch == 0) {
		/* A new session of that peer, or state made from a heartbeat after ours was
		 * lost: start over from what it says it has, under a new epoch, which tells
		 * the puller whether its subscriptions and credit are still here. */
		s->session = h->session;
		s->epoch = new_epoch();
		s->credit = h->credit;
		free(s->known);
		s->known = NULL;
		s->n_known = 0;
	}
	s->last_rx_ms = now;
	if (h->vector) {
		for (size_t i = 0; i < h->vector->n_entries; i++) {
			const Yrdx__VectorEntry *e = h->vector->entries[i];
			if (e->origin.len != YX_KEY_BYTES)
				continue;
			known_t *k = known_get(s, e->origin.data, true);
			if (k && e->seq > k->seq)
				k->seq = e->seq;
		}
	}
	send_tips(d, s, NULL, 0);
	pump(d, s);
}

static void on_pull(yxd_t *d, sub_t *s, const Yrdx__Pull *p)
{
	if (!s || p->origin.len != YX_KEY_BYTES)
		return;
	known_t *k = known_get(s, p->origin.data, true);
	if (!k)
		return;
	if (p->from_seq == 0) {
		k->pulling = false; /* cancelled */
		return;
	}
	k->seq = p->from_seq - 1;
	k->pulling = true;
	pump(d, s);
}

/* Whether origin's entry seq goes to peer as a body (not a stub) under its policy. */
typedef struct {
	bool body;
	yx_kind_t kind;
} peek_t;

static int peek_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                      const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	peek_t *p = arg;
	(void)seq, (void)hash, (void)digest, (void)len;
	p->body = bytes != NULL;
	p->kind = kind;
	return 1;
}

static bool goes_as_body(yxd_t *d, const yx_peer_conf_t *peer, const uint8_t *origin, uint64_t seq)
{
	peek_t p = {0};
	if (yx_store_log_iterate(d->store, origin, seq, peek_entry, &p) != 1)
		return false;
	return p.body && (p.kind == YX_KIND_NONE || (peer->share_mask & (1u << p.kind)));
}

/* A Fill: the segment from the first asked-for seq this puller may have as a body, once;
 * if it may have none of them, a PullRefused naming the last, so it asks for the next. */
static void on_fill(yxd_t *d, sub_t *s, const Yrdx__Fill *f)
{
	const yx_peer_conf_t *peer = s ? trusted_peer(d, s->peer, s->key) : NULL;
	if (!peer || f->origin.len != YX_KEY_BYTES || f->n_seqs == 0)
		return;
	size_t n = f->n_seqs < YXD_FILL_SEQS ? f->n_seqs : YXD_FILL_SEQS;
	for (size_t i = 0; i < n; i++) {
		if (!f->seqs[i] || !goes_as_body(d, peer, f->origin.data, f->seqs[i]))
			continue;
		known_t *k = known_get(s, f->origin.data, true);
		if (k) {
			k->fill_from = f->seqs[i];
			pump(d, s);
		}
		return;
	}
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__PullRefused r = YRDX__PULL_REFUSED__INIT;
	r.origin = f->origin;
	r.reason = "withheld";
	r.fill_last = f->seqs[n - 1];
	m.msg_case = YRDX__PEER_MESSAGE__MSG_REFUSED;
	m.refused = &r;
	send_msg(d, s, &m);
}

/* Ends what a puller that is no longer trusted had here. Its connection stays open
 * underneath (a ROUTER cannot close one peer's), but nothing more is sent on it and every
 * message it sends is dropped, so it goes silent, and its next handshake is refused. */
static void untrust(yxd_serve_t *sv, size_t i, const char *why)
{
	yx_log_warn("peer %s: %s; its pull connection is no longer served", sv->subs[i].peer, why);
	sub_remove(sv, i);
}

void yxd_serve_trust_changed(yxd_t *d)
{
	yxd_serve_t *sv = d->serve;
	for (size_t i = 0; i < sv->n_subs;) {
		sub_t *s = &sv->subs[i];
		if (!yx_config_peer_by_name(d->cfg, s->peer))
			untrust(sv, i, "removed from the trust store");
		else if (!trusted_peer(d, s->peer, s->key))
			untrust(sv, i, "its key changed in the trust store");
		else
			i++;
	}
}

void yxd_serve_handle(yxd_t *d)
{
	yxd_serve_t *sv = d->serve;
	for (int budget = 0; budget < 256; budget++) {
		zframe_t *rid = NULL, *frame = NULL;
		int ret = yx_wire_recv(d->peer_router, &rid, &frame);
		if (ret == -EAGAIN)
			return;
		if (ret) {
			d->counters[C_REJECTED_INVALID]++;
			continue;
		}
		const char *peer = zframe_meta(frame, "User-Id");
		const char *key = zframe_meta(frame, "X-Key");
		Yrdx__PeerMessage *m = NULL;
		int64_t now = zclock_time();
		sub_t *s = sub_find(sv, rid);
		/* The trust store may have changed since the handshake: re-check every
		 * message against it as it is now. */
		if (!trusted_peer(d, peer, key)) {
			if (s)
				untrust(sv, (size_t)(s - sv->subs), "no longer trusted");
			goto next;
		}
		if (!(m = yx_wire_peer_message(frame, NULL))) {
			d->counters[C_REJECTED_INVALID]++;
			goto next;
		}
		if (s)
			s->last_rx_ms = now;
		switch (m->msg_case) {
		case YRDX__PEER_MESSAGE__MSG_HELLO:
			on_hello(d, rid, peer, key, m->hello, now);
			break;
		case YRDX__PEER_MESSAGE__MSG_PULL: on_pull(d, s, m->pull); break;
		case YRDX__PEER_MESSAGE__MSG_FILL: on_fill(d, s, m->fill); break;
		case YRDX__PEER_MESSAGE__MSG_CREDIT:
			if (!s)
				break;
			s->credit += m->credit->credit;
			pump(d, s);
			break;
		default: d->counters[C_REJECTED_INVALID]++; break;
		}
	next:
		if (m)
			yrdx__peer_message__free_unpacked(m, NULL);
		zframe_destroy(&rid);
		zframe_destroy(&frame);
	}
}

void yxd_serve_announce(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	yxd_serve_t *sv = d->serve;
	for (size_t i = 0; i < sv->n_subs; i++) {
		sub_t *s = &sv->subs[i];
		bool need_notice = false;
		for (size_t j = 0; j < n; j++) {
			known_t *k = known_get(s, origins[j], false);
			/* A puller subscribed to this origin gets the new segments pushed (pump);
			 * the others are told, and pull if they want it from us. */
			if (!k || !k->pulling)
				need_notice = true;
		}
		if (need_notice)
			send_tips(d, s, origins, n);
		pump(d, s);
	}
}

void yxd_serve_tick(yxd_t *d, int64_t now_ms)
{
	yxd_serve_t *sv = d->serve;
	for (size_t i = 0; i < sv->n_subs;) {
		sub_t *s = &sv->subs[i];
		if (now_ms - s->last_rx_ms > (int64_t)d->cfg->dead_after_ms) {
			/* Should it come back, its next Hello makes a new epoch. */
			yx_log_info("peer %s stopped pulling (silent %lld ms)", s->peer,
			            (long long)(now_ms - s->last_rx_ms));
			sub_remove(sv, i);
			continue;
		}
		pump(d, s);
		i++;
	}
}

size_t yxd_serve_count(const yxd_t *d)
{
	return d->serve ? d->serve->n_subs : 0;
}
