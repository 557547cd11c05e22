/* serve: the peer port. A ROUTER that answers each authenticated puller's Hello with our
 * tips, streams the segments it pulls while its credit lasts, and pushes new segments to
 * pullers that are caught up, so a commit reaches them without a poll interval.
 *
 * The puller's identity is the peer name the ZAP handler put in the connection's User-Id.
 * What it gets of an origin's log as bodies is what that origin's latest sharing policy
 * lets its city have, narrowed by our own share with it (policy.h); the rest goes as
 * stubs. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "grow.h"
#include "log.h"
#include "policy.h"
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
	size_t next;        /* the pump's round robin over known: whose turn it is */
	uint32_t run;       /* segments sent in a row in this turn */
	int64_t last_rx_ms; /* moved on by time this node was not listening (yxd_tick_late) */
	known_t *known;     /* only origins we hold: we cannot serve the others */
	size_t n_known, cap_known;
	uint32_t *slots; /* known's hash index: index + 1, 0 = free; a power of two long */
	size_t n_slots;
	uint64_t bytes_out, segments_out;
	bool squash; /* it offered zstd in its Hello: segments go compressed (squash.h) */
} sub_t;

/* Messages beyond the credit window a puller's queue may hold: Tips and refusals. */
#define HWM_SLACK 64

/* Refusals are logged at most once per LOG_EVERY_MS each, with how many there were. */
#define LOG_EVERY_MS 10000
typedef struct {
	int64_t last_ms;
	uint64_t since;
} refusal_log_t;

struct yxd_serve {
	sub_t *subs;
	size_t n_subs;
	/* SipHash key of the known indexes: origins are chosen by the pullers, so their
	 * places in the index must not be. */
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	refusal_log_t log_origins, log_sessions, log_invalid;
	yxd_segments_t *segments; /* built once for all the pullers that get the same one */
	int64_t tick_ms;          /* the last yxd_serve_tick (yxd_tick_late) */
};

/* What a puller is admitted as now (members.c: the trust store's entry, or with a charter
 * the member's): NULL once it was removed, revoked or its key replaced, whatever the
 * connection was admitted with. */
static const yx_peer_conf_t *trusted_peer(yxd_t *d, const char *name, const char *key)
{
	const yx_peer_conf_t *p = name ? yxd_members_admitted(d, name) : NULL;
	return p && yxd_zap_key_is(key, p->key) ? p : NULL;
}

/* Forgets what s held for its session (the connection keeps its place). */
static void sub_forget(sub_t *s)
{
	free(s->known);
	free(s->slots);
	s->known = NULL;
	s->slots = NULL;
	s->n_known = s->cap_known = s->n_slots = 0;
	s->credit = 0;
	s->next = 0;
	s->run = 0;
}

static void sub_free(sub_t *s)
{
	zframe_destroy(&s->routing_id);
	sub_forget(s);
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

static size_t known_slot(const yxd_serve_t *sv, const sub_t *s, const uint8_t *origin)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(h, origin, YX_KEY_BYTES, sv->hash_key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (s->n_slots - 1);
}

/* Rebuilds the index at twice the size: at most half full, so probes stay short. */
static int known_rehash(const yxd_serve_t *sv, sub_t *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 64;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
	for (size_t i = 0; i < s->n_known; i++) {
		size_t j = known_slot(sv, s, s->known[i].origin);
		while (s->slots[j])
			j = (j + 1) & (n - 1);
		s->slots[j] = (uint32_t)(i + 1);
	}
	return YX_OK;
}

/* The puller's state for origin: a hash lookup, never a scan. With create, a new entry is
 * made — callers create only for origins we hold, so a sub holds at most those. */
static known_t *known_get(const yxd_serve_t *sv, sub_t *s, const uint8_t origin[YX_KEY_BYTES],
                          bool create)
{
	if (s->n_slots) {
		for (size_t j = known_slot(sv, s, origin); s->slots[j];
		     j = (j + 1) & (s->n_slots - 1)) {
			known_t *k = &s->known[s->slots[j] - 1];
			if (memcmp(k->origin, origin, YX_KEY_BYTES) == 0)
				return k;
		}
	}
	if (!create)
		return NULL;
	if (yx_grow(s->known, s->cap_known, s->n_known + 1, 16))
		return NULL;
	if ((s->n_known + 1) * 2 > s->n_slots && known_rehash(sv, s) != YX_OK)
		return NULL;
	known_t *k = &s->known[s->n_known++];
	memset(k, 0, sizeof(*k));
	memcpy(k->origin, origin, YX_KEY_BYTES);
	size_t j = known_slot(sv, s, origin);
	while (s->slots[j])
		j = (j + 1) & (s->n_slots - 1);
	s->slots[j] = (uint32_t)s->n_known;
	return k;
}

/* Whether we hold any of origin's log (so a puller's state for it is worth keeping). */
static bool we_hold(yxd_t *d, const uint8_t origin[YX_KEY_BYTES])
{
	yx_tip_t tip;
	return yx_store_tip(d->store, origin, &tip) == YX_OK && tip.seq > 0;
}

/* Logs a refusal once per LOG_EVERY_MS at most, saying how many there were since. */
static void refusal_log(refusal_log_t *l, int64_t now, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void refusal_log(refusal_log_t *l, int64_t now, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	l->since++;
	if (l->last_ms && now - l->last_ms < LOG_EVERY_MS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->since > 1)
		yx_log_warn("%s (%llu such refusals in the last %d s)", msg,
		            (unsigned long long)l->since, LOG_EVERY_MS / 1000);
	else
		yx_log_warn("%s", msg);
	l->last_ms = now;
	l->since = 0;
}

/* A message from peer (NULL: not known) refused before any of it was used: counted,
 * kept among the recent refusals with its name, said in the log once a while. */
static void invalid(yxd_t *d, const char *peer, int64_t now, const char *what)
{
	d->counters[C_REJECTED_INVALID]++;
	yxd_refusals_add(&d->refusals, zclock_time(), C_REJECTED_INVALID, peer, NULL, what);
	refusal_log(&d->serve->log_invalid, now, "peer %s on the peer port: %s: dropped",
	            peer ? peer : "?", what);
}

int yxd_serve_start(yxd_t *d)
{
	d->serve = calloc(1, sizeof(*d->serve));
	if (!d->serve || !(d->serve->segments = yxd_segments_new()))
		return -ENOMEM;
	crypto_shorthash_keygen(d->serve->hash_key);
	d->peer_router = zsock_new(ZMQ_ROUTER);
	if (!d->peer_router)
		return -ENOMEM;
	zsock_set_zap_domain(d->peer_router, "peer");
	zsock_set_curve_server(d->peer_router, 1);
	zsock_set_curve_secretkey_bin(d->peer_router, d->curve_secret);
	/* Credit bounds what is queued for a puller (a session's credit is capped at our
	 * window, which every Tips says); the send high-water mark is that, plus room for
	 * Tips, so a puller that never reads holds at most that many messages here whatever
	 * it announced. A reload that changes sync/credit moves the cap at once; the mark,
	 * set before the bind, at the next start. */
	zsock_set_sndhwm(d->peer_router, (int)(d->cfg->credit + HWM_SLACK));
	zsock_set_rcvhwm(d->peer_router, 100000);
	zsock_set_router_mandatory(d->peer_router, 1);
	zsock_set_sndtimeo(d->peer_router, 0); /* the loop never blocks on a send */
	/* Pullers send small messages (wire.h): a stranger's frame past that is refused
	 * before the handshake, as its header arrives. */
	yxd_socket_limit(d, d->peer_router, YX_MAX_PEER_REQUEST_BYTES);
	if (yxd_guard_start(d, d->peer_router, "peer", &d->peer_guard))
		return -EMFILE;
	if (yxd_socket_bind(d->peer_router, d->cfg->peer_endpoint) < 0) {
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
		yxd_segments_free(&d->serve->segments);
		free(d->serve);
		d->serve = NULL;
	}
	yxd_guard_unwatch(d->peer_router);
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

/* What every Tips to s says besides the vector: its session and our state's epoch for
 * it, and our credit window (past which its credit is dropped here). */
static void tips_init(const yxd_t *d, const sub_t *s, Yrdx__Tips *tips)
{
	yrdx__tips__init(tips);
	tips->session = s->session;
	tips->epoch = s->epoch;
	tips->window = d->cfg->credit;
}

static int send_tips(yxd_t *d, sub_t *s, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Tips tips;
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	int ret = yxd_vector_msg(d, &vec);
	if (ret)
		return ret;
	tips_init(d, s, &tips);
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

/* The kinds peer gets of origin's log as bodies: the origin's word (the policy its latest
 * head names; none = the default) narrowed by our share with peer. A few point lookups per
 * segment, so a policy that commits applies from the next segment on. While we hold that
 * policy as a stub only (it is being filled), or on a store error: nothing but what goes
 * to everyone. */
static uint32_t serve_mask(yxd_t *d, const yx_peer_conf_t *peer, const uint8_t *origin)
{
	Yrdx__Change *pol = NULL;
	if (yx_store_policy(d->store, origin, &pol) != YX_OK)
		return YX_SHARE_ALWAYS;
	uint32_t mask =
	        yx_policy_serve_mask(pol ? pol->sharing_policy : NULL, peer->key, peer->share_mask);
	yx_change_free(&pol);
	return mask;
}

/* Sends sub the segment of origin that starts at from (segments.c: built once for all
 * the pullers that get the same one). Returns YX_OK, YX_ENOTFOUND if we have nothing from
 * there on, or an error. *last gets the segment's last seq. */
static int send_segment(yxd_t *d, sub_t *s, const uint8_t origin[YX_KEY_BYTES], uint64_t from,
                        uint64_t *last)
{
	yx_head_t head;
	yxd_segment_t seg;
	int ret = yx_store_head_find(d->store, origin, from, &head);
	if (ret)
		return ret;
	const yx_peer_conf_t *peer = trusted_peer(d, s->peer, s->key);
	if (!peer)
		return -EHOSTUNREACH; /* no longer trusted: nothing at all, not even stubs */
	if ((ret = yxd_segment_get(d, d->serve->segments, origin, from, &head,
	                           serve_mask(d, peer, origin), s->squash && d->cfg->compress_level,
	                           &seg)))
		return ret;
	size_t len = yx_wire_blob_len(seg.blob);
	ret = yx_wire_send_blob(d->peer_router, s->routing_id, seg.blob);
	if (ret == YX_OK) {
		s->bytes_out += len;
		s->segments_out++;
		d->counters[C_SEGMENTS_SENT]++;
		d->counters[C_CHANGES_SENT] += seg.entries;
		d->counters[C_STUBS_SENT] += seg.stubs;
		d->counters[C_SQUASHED_SENT] += seg.squashed;
		d->counters[C_SEGMENTS_REUSED] += seg.reused;
		*last = head.seq;
	}
	yx_wire_blob_unref(&seg.blob);
	return ret;
}

/* The pump's turn moves to the next origin s knows. */
static void turn_next(sub_t *s)
{
	s->next++;
	s->run = 0;
}

/* Answers the Fill s has out, if it has one (at most one per connection): before any
 * stream, as the puller waits on it. False if the send could not be made now. */
static bool pump_fill(yxd_t *d, sub_t *s)
{
	for (size_t i = 0; i < s->n_known && s->credit > 0; i++) {
		known_t *k = &s->known[i];
		uint64_t last = 0;
		if (!k->fill_from)
			continue;
		int ret = send_segment(d, s, k->origin, k->fill_from, &last);
		if (ret == -EHOSTUNREACH || ret == -EAGAIN)
			return false; /* gone, or its queue is full: again next time */
		if (ret == YX_OK)
			s->credit--;
		else if (ret != YX_ENOTFOUND)
			yx_log_warn("peer %s: cannot answer its Fill from seq %llu: %s", s->peer,
			            (unsigned long long)k->fill_from, yx_strerror(ret));
		k->fill_from = 0; /* sent, or nothing to send from there */
		return true;
	}
	return true;
}

/* Streams to s while it has credit: origins it pulls, and origins it is caught up on
 * (push). Stops at each origin's tip. Round robin from where the last pump stopped, up
 * to YX_SERVE_RUN segments of an origin a turn (wire.h), so with a small window every
 * pulled origin still gets its turn. A Fill's answer goes first. */
static void pump(yxd_t *d, sub_t *s)
{
	size_t idle = 0; /* origins in a row with nothing to send */
	if (!pump_fill(d, s))
		return;
	while (s->credit > 0 && s->n_known && idle < s->n_known) {
		known_t *k = &s->known[s->next % s->n_known];
		uint64_t last = 0;
		int ret;
		yx_tip_t tip;
		if (!k->pulling || yx_store_tip(d->store, k->origin, &tip) != YX_OK ||
		    tip.seq <= k->seq) {
			/* caught up: the subscription stays, later commits are pushed */
			turn_next(s);
			idle++;
			continue;
		}
		ret = send_segment(d, s, k->origin, k->seq + 1, &last);
		if (ret == -EHOSTUNREACH || ret == -EAGAIN)
			return;
		if (ret) {
			yx_log_warn("peer %s: cannot serve origin from seq %llu: %s", s->peer,
			            (unsigned long long)(k->seq + 1), yx_strerror(ret));
			k->pulling = false;
			turn_next(s);
			idle++;
			continue;
		}
		k->seq = last;
		s->credit--;
		idle = 0;
		if (++s->run >= YX_SERVE_RUN || k->seq >= tip.seq)
			turn_next(s);
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

/* Whether s's connection is still there: a ROUTER drops a connection's queue when it
 * closes, and with ROUTER_MANDATORY a send to it then fails with EHOSTUNREACH. The probe
 * is an empty live notice (Tips naming no origin) for its session: harmless to a puller
 * that is there, and one whose state here was lost learns so from the epoch. */
static bool sub_reachable(yxd_t *d, sub_t *s)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Tips tips;
	Yrdx__VersionVector none = YRDX__VERSION_VECTOR__INIT;
	tips_init(d, s, &tips);
	tips.vector = &none;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_TIPS;
	m.tips = &tips;
	return send_msg(d, s, &m) != -EHOSTUNREACH;
}

/* Room for one more pull session of key: at most pull_sessions_max per key, so N
 * connections of one key cost what pull_sessions_max do. Sessions whose connection
 * is gone (a puller that made its connection anew) are dropped first. Then, at the
 * limit, the one silent longest of those already dropped as silent gives its place:
 * a link gone dark closes no connection (no FIN, no RST: its TCP connection stays
 * established here until a retransmission after the link is back meets the other end,
 * which at TCP's back-off can be minutes), and the puller's new connection is the one
 * it uses now. What the old one still queues is freed when libzmq's heartbeat closes
 * it (yxd_socket_limit). */
static bool session_room(yxd_t *d, const char *key)
{
	yxd_serve_t *sv = d->serve;
	size_t held = 0, stale = SIZE_MAX;
	for (size_t i = 0; i < sv->n_subs;) {
		sub_t *s = &sv->subs[i];
		if (strcmp(s->key, key) != 0) {
			i++;
			continue;
		}
		if (!sub_reachable(d, s)) {
			sub_remove(sv, i);
			continue;
		}
		if (!s->epoch && (stale == SIZE_MAX || s->last_rx_ms < sv->subs[stale].last_rx_ms))
			stale = i;
		held++;
		i++;
	}
	if (held < d->cfg->pull_sessions_max)
		return true;
	if (stale == SIZE_MAX)
		return false;
	yx_log_info("peer %s: a new pull connection takes the place of one silent for %lld ms",
	            sv->subs[stale].peer, (long long)(zclock_mono() - sv->subs[stale].last_rx_ms));
	sub_remove(sv, stale);
	return true;
}

/* How many vector entries the Hello in a packed PeerMessage lists, counted from its bytes
 * (no allocation) and no further than just past the limit, so a Hello of 200,000 origins
 * is refused for the cost of reading 1,025 of them. SIZE_MAX if malformed. */
static size_t hello_origins(yxd_t *d, zframe_t *frame)
{
	static const uint32_t path[] = {1, 2, 1}; /* PeerMessage.hello.vector.entries */
	size_t n = 0;
	if (yx_wire_count(zframe_data(frame), zframe_size(frame), path, 3, d->cfg->max_origins, &n))
		return SIZE_MAX;
	return n;
}

/* A Hello listing more origins than any federation has cities: refused before any of it
 * is looked at, and whatever its connection held here goes. */
static void hello_refused(yxd_t *d, sub_t *s, const char *peer, int64_t now)
{
	yxd_serve_t *sv = d->serve;
	d->counters[C_REFUSED_HELLO_ORIGINS]++;
	yxd_refusals_add(&d->refusals, zclock_time(), C_REFUSED_HELLO_ORIGINS, peer, NULL,
	                 "a Hello lists more than sync/max_origins origins");
	refusal_log(&sv->log_origins, now,
	            "peer %s: Hello lists more than sync/max_origins (%u) origins: refused", peer,
	            d->cfg->max_origins);
	if (s)
		sub_remove(sv, (size_t)(s - sv->subs));
}

static void on_hello(yxd_t *d, zframe_t *rid, const char *peer, const char *key,
                     const Yrdx__Hello *h, int64_t now)
{
	yxd_serve_t *sv = d->serve;
	sub_t *s = sub_find(sv, rid);
	size_t n = h->vector ? h->vector->n_entries : 0;
	if (n > d->cfg->max_origins) {
		hello_refused(d, s, peer, now);
		return;
	}
	if (!s) {
		if (!session_room(d, key)) {
			d->counters[C_REFUSED_PULL_SESSIONS]++;
			yxd_refusals_add(&d->refusals, zclock_time(), C_REFUSED_PULL_SESSIONS, peer,
			                 NULL, "a pull connection over sync/pull_sessions_max");
			refusal_log(
			        &sv->log_sessions, now,
			        "peer %s: a new pull connection while it holds %u pull sessions "
			        "here (sync/pull_sessions_max) whose connections are open: "
			        "refused",
			        peer, d->cfg->pull_sessions_max);
			return;
		}
		sub_t *grown = realloc(sv->subs, (sv->n_subs + 1) * sizeof(*grown));
		if (!grown)
			return;
		sv->subs = grown;
		s = &sv->subs[sv->n_subs++];
		memset(s, 0, sizeof(*s));
		s->routing_id = zframe_dup(rid);
		yx_log_info("peer %s connected to pull", peer);
		if (yxd_members_pulled_by(d, peer) && yxd_clients_sync_config(d) != YX_OK)
			yx_log_error("cannot set up the pull connection to member %s", peer);
	}
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	snprintf(s->key, sizeof(s->key), "%s", key);
	if (s->session != h->session || s->epoch == 0) {
		/* A new session of that peer, or state made from a heartbeat after ours was
		 * lost: start over from what it says it has, under a new epoch, which tells
		 * the puller whether its subscriptions and credit are still here. Its credit
		 * is capped at our own window: more would only queue here. */
		sub_forget(s);
		s->session = h->session;
		s->epoch = new_epoch();
		s->credit = h->credit < d->cfg->credit ? h->credit : d->cfg->credit;
	}
	s->last_rx_ms = now;
	s->squash = (h->codecs & YX_SQUASH_ZSTD) != 0;
	for (size_t i = 0; i < n; i++) {
		const Yrdx__VectorEntry *e = h->vector->entries[i];
		if (e->origin.len != YX_KEY_BYTES)
			continue;
		known_t *k = known_get(sv, s, e->origin.data, false);
		if (!k && e->seq > 0 && we_hold(d, e->origin.data))
			k = known_get(sv, s, e->origin.data, true);
		if (k && e->seq > k->seq)
			k->seq = e->seq;
	}
	send_tips(d, s, NULL, 0);
	pump(d, s);
}

static void on_pull(yxd_t *d, sub_t *s, const Yrdx__Pull *p)
{
	if (!s || p->origin.len != YX_KEY_BYTES)
		return;
	known_t *k = known_get(d->serve, s, p->origin.data, false);
	if (p->from_seq == 0) {
		if (k)
			k->pulling = false; /* cancelled */
		return;
	}
	/* State only for origins we hold: a puller cannot make us keep any other. */
	if (!k &&
	    (!we_hold(d, p->origin.data) || !(k = known_get(d->serve, s, p->origin.data, true))))
		return;
	k->seq = p->from_seq - 1;
	k->pulling = true;
	pump(d, s);
}

/* The first entry a log walk meets: whether it is held as a body, and its kind. */
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

size_t yxd_serve_fill_first(yxd_t *d, const yx_peer_conf_t *peer, const Yrdx__Fill *f)
{
	size_t n = f->n_seqs < YXD_FILL_SEQS ? f->n_seqs : YXD_FILL_SEQS, i = 0;
	yx_snap_t *snap = NULL;
	if (f->origin.len != YX_KEY_BYTES)
		return n;
	if (yx_snap_open(d->store, &snap) != YX_OK)
		return SIZE_MAX;
	/* One policy lookup and one read snapshot for the whole Fill: a puller asks each peer
	 * about every stub it holds, half of each log in a federation of default policies. */
	uint32_t mask = serve_mask(d, peer, f->origin.data);
	for (; i < n; i++) {
		peek_t p = {0};
		int ret = f->seqs[i] ? yx_snap_log_iterate(snap, f->origin.data, f->seqs[i],
		                                           peek_entry, &p)
		                     : 0;
		if (ret < 0 && ret != YX_ENOTFOUND) {
			i = SIZE_MAX; /* a read that failed is no "withheld" */
			break;
		}
		if (ret == 1 && p.body && (int)p.kind >= 0 && p.kind < YX_KIND_COUNT &&
		    (mask & YX_KIND_BIT(p.kind)))
			break;
	}
	yx_snap_close(&snap);
	return i;
}

/* A Fill: the segment from the first asked-for seq this puller may have as a body, once;
 * if it may have none of them, a PullRefused naming the last, so it asks for the next. */
static void on_fill(yxd_t *d, sub_t *s, const Yrdx__Fill *f)
{
	const yx_peer_conf_t *peer = s ? trusted_peer(d, s->peer, s->key) : NULL;
	if (!peer || f->origin.len != YX_KEY_BYTES || f->n_seqs == 0)
		return;
	size_t n = f->n_seqs < YXD_FILL_SEQS ? f->n_seqs : YXD_FILL_SEQS;
	size_t i = yxd_serve_fill_first(d, peer, f);
	if (i == SIZE_MAX) {
		/* Not a refusal, which would have it skip those seqs for the session. */
		yx_log_warn("peer %s: cannot read the log to answer its Fill: left unanswered",
		            s->peer);
		return;
	}
	if (i < n) {
		known_t *k = known_get(d->serve, s, f->origin.data, true);
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
	bool charter = yxd_charter_current(d) != NULL;
	for (size_t i = 0; i < sv->n_subs;) {
		sub_t *s = &sv->subs[i];
		if (!yxd_members_admitted(d, s->peer))
			untrust(sv, i,
			        charter ? "no longer an active member of the charter"
			                : "removed from the trust store");
		else if (!trusted_peer(d, s->peer, s->key))
			untrust(sv, i,
			        charter ? "its key changed in the charter"
			                : "its key changed in the trust store");
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
			invalid(d, NULL, zclock_mono(), "a multipart or unreadable message");
			continue;
		}
		const char *peer = zframe_meta(frame, "User-Id");
		const char *key = zframe_meta(frame, "X-Key");
		Yrdx__PeerMessage *m = NULL;
		int64_t now = zclock_mono();
		sub_t *s = sub_find(sv, rid);
		/* The trust store may have changed since the handshake: re-check every
		 * message against it as it is now. */
		if (!trusted_peer(d, peer, key)) {
			if (s)
				untrust(sv, (size_t)(s - sv->subs), "no longer trusted");
			goto next;
		}
		size_t listed = hello_origins(d, frame);
		if (listed != SIZE_MAX && listed > d->cfg->max_origins) {
			hello_refused(d, s, peer, now);
			goto next;
		}
		if (!(m = yx_wire_peer_message(frame, NULL))) {
			invalid(d, peer, now, "a message that is no peer message");
			goto next;
		}
		if (s)
			s->last_rx_ms = now;
		if (s && !s->epoch)
			s = NULL; /* its state was lost: only a Hello makes it anew */
		switch (m->msg_case) {
		case YRDX__PEER_MESSAGE__MSG_HELLO:
			on_hello(d, rid, peer, key, m->hello, now);
			break;
		case YRDX__PEER_MESSAGE__MSG_PULL: on_pull(d, s, m->pull); break;
		case YRDX__PEER_MESSAGE__MSG_FILL: on_fill(d, s, m->fill); break;
		case YRDX__PEER_MESSAGE__MSG_CREDIT: {
			if (!s)
				break;
			/* At most our window: more would only queue here. */
			uint64_t credit = (uint64_t)s->credit + m->credit->credit;
			s->credit = credit < d->cfg->credit ? (uint32_t)credit : d->cfg->credit;
			pump(d, s);
			break;
		}
		default: invalid(d, peer, now, "a kind of message no puller sends"); break;
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
			known_t *k = known_get(sv, s, origins[j], false);
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
	/* What came while this pass was busy elsewhere (a commit, an import batch) is read
	 * before anyone is judged silent: a Hello waiting unread here is not silence; nor
	 * is time this node was not listening. */
	yxd_serve_handle(d);
	int64_t late = yxd_tick_late(&sv->tick_ms, now_ms);
	for (size_t i = 0; i < sv->n_subs;) {
		sub_t *s = &sv->subs[i];
		yxd_move_on(&s->last_rx_ms, late, now_ms);
		if (s->epoch && now_ms - s->last_rx_ms > (int64_t)d->cfg->dead_after_ms) {
			/* Should it come back, its next Hello makes a new epoch. Its state goes;
			 * while its connection is open, it keeps its place among its key's
			 * pull sessions (what its queue holds stays there until it closes). */
			yx_log_info("peer %s stopped pulling (silent %lld ms)", s->peer,
			            (long long)(now_ms - s->last_rx_ms));
			sub_forget(s);
			s->epoch = 0;
			if (!sub_reachable(d, s)) {
				sub_remove(sv, i);
				continue;
			}
		}
		pump(d, s);
		i++;
	}
}
