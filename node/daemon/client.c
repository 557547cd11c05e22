/* client: our pull connections, one DEALER per configured peer, CURVE-authenticated
 * against the peer's key from the trust store.
 *
 * Each origin we lack is subscribed at exactly one peer (the one that has most of it and
 * has not served us bad data); that peer streams the origin's log and keeps pushing new
 * segments as they commit. Every segment is verified back to its origin's signed head
 * before it is stored. Received segments share one LMDB transaction until the input
 * drains; credit goes back only after the durable commit, so memory stays bounded by
 * credit × segment size however fast a peer sends. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "grow.h"
#include "log.h"
#include "wire_segment.h"

/* Commit after this many received entries at the latest. In entries, not segments: LMDB
 * holds the pages a transaction dirtied in memory until it commits, and keeps those
 * buffers for reuse after, so the largest commit sets the node's anonymous memory. */
#define FLUSH_ENTRIES  (16u * 1024)
#define SLOW_COMMIT_MS 1000 /* a commit this slow is worth a line in the log */
/* Room the store must have before pulling resumes after it was full. */
#define STORE_ROOM_BYTES (16u << 20)

/* The credit window: sync/credit is the node's, shared among the peers that use it (at
 * least MIN_WINDOW each), so what can be in flight towards this node — and held in its
 * memory — is max(credit, MIN_WINDOW x peers) segments. A session starts with an
 * even share among all peers; after each commit, the peers that streamed in it are
 * topped up towards an even share among them, out of what the window has left: one peer
 * streaming gets the whole window. */
#define MIN_WINDOW 2
static uint32_t window(const yxd_t *d, size_t sharing)
{
	uint32_t w = sharing ? d->cfg->credit / (uint32_t)sharing : d->cfg->credit;
	return w < MIN_WINDOW ? MIN_WINDOW : w;
}

/* n segments of credit, or fewer: at most the server's window, as its Tips said (credit
 * past it is dropped there, and would be counted in flight here for nothing). */
static uint32_t within_server(const yxd_client_t *c, uint32_t n)
{
	return c->window && c->window < n ? c->window : n;
}

/* Every Hello carries the whole window until Tips show the server holds state for this
 * session (a Hello lost on a connection that was not up yet must not leave the server
 * with none); after that, credit comes back in Credit messages. */
static int send_hello(yxd_t *d, yxd_client_t *c)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Hello h = YRDX__HELLO__INIT;
	Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
	/* From here the peer owes us an answer, whether this one leaves now or not. */
	int64_t now = zclock_mono();
	if (!c->asked_ms)
		c->asked_ms = now;
	if (!c->asked_answer_ms)
		c->asked_answer_ms = now;
	if (!(zsock_events(c->sock) & ZMQ_POLLOUT))
		return -EAGAIN; /* no connection up (ZMQ_IMMEDIATE): nothing to build it for */
	int ret = yxd_vector_msg(d, &vec);
	if (ret)
		return ret;
	h.name = d->cfg->name;
	h.vector = &vec;
	h.credit = c->epoch ? 0 : within_server(c, window(d, d->n_clients));
	if (!c->epoch)
		c->inflight = h.credit; /* the server takes the first Hello's only */
	h.session = c->session;
	h.codecs = d->cfg->compress_level ? YX_SQUASH_ZSTD : 0;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_HELLO;
	m.hello = &h;
	ret = yxd_client_send(c, &m);
	if (ret == YX_OK)
		c->last_hello_ms = now; /* else retried at the next tick */
	yxd_vector_msg_free(&vec);
	return ret;
}

/* Forgets what the server held for our session: subscriptions and credit. */
static void session_reset(yxd_client_t *c)
{
	c->session = ((uint64_t)randombytes_random() << 32) | randombytes_random();
	c->epoch = 0;
	for (size_t i = 0; i < c->n_tips; i++) {
		peer_tip_t *t = &c->tips[i];
		t->subscribed = false;
		t->fill_next = t->fill_from = t->fill_wait = 0;
		t->fill_pending = t->fill_done = false;
	}
	c->credit_owed = 0;
	c->inflight = 0;
	c->fill_scan = true;
}

static void client_disconnect(yxd_t *d, yxd_client_t *c, const char *why)
{
	bool never_answered = c->sock && !c->heard;
	if (c->sock && c->heard)
		yx_log_info("peer %s: disconnected (%s)", c->name, why);
	else if (c->sock)
		yx_log_debug("peer %s: no answer from %s yet (%s)", c->name, c->endpoint, why);
	yxd_socket_close(&c->sock);
	c->connected = false;
	session_reset(c);
	yxd_tips_prune(c);
	c->origins_refused = false;
	c->squash_logged = false;
	c->refused_logged = false;
	/* A peer that answered and went silent may be restarting: try again soon, then less
	 * often. One that never answered in dead_after_ms (its socket re-dialled all along)
	 * is down: try it at the longest interval. */
	/* While a rotation is in the air, a connection that falls silent tries the other
	 * keys next: the peer may have taken its new key, or refuse our old one, now. */
	if (never_answered || c->alt_set || d->rotation.next_set)
		c->attempt++;
	if (never_answered)
		c->backoff_ms = d->cfg->reconnect_max_ms;
	else
		c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : d->cfg->reconnect_min_ms;
	if (c->backoff_ms > d->cfg->reconnect_max_ms)
		c->backoff_ms = d->cfg->reconnect_max_ms;
	c->next_connect_ms = zclock_mono() + c->backoff_ms;
}

static int client_connect(yxd_t *d, yxd_client_t *c)
{
	uint8_t server_curve[32];
	/* The pair of keys this attempt tries: the peer's or the one it proposed to rotate
	 * to, ours or our pending rotation's next (either side may have adopted first). */
	uint32_t servers = c->alt_set ? 2 : 1, ours = d->rotation.next_set ? 2 : 1;
	uint32_t pick = c->attempt % (servers * ours);
	bool next = pick / servers;
	int ret = yx_pubkey_to_curve(pick % servers ? c->alt : c->key, server_curve);
	if (ret)
		return ret;
	c->sock = yxd_socket_new(d, ZMQ_DEALER, "a pull connection");
	if (!c->sock)
		return -EMFILE; /* logged; the tick tries again after the back-off */
	zsock_set_curve_serverkey_bin(c->sock, server_curve);
	zsock_set_curve_publickey_bin(c->sock, next ? d->rotation.next_public : d->curve_public);
	zsock_set_curve_secretkey_bin(c->sock, next ? d->rotation.next_secret : d->curve_secret);
	zsock_set_sndhwm(c->sock, 100000);
	zsock_set_rcvhwm(c->sock, 100000);
	zsock_set_linger(c->sock, 0);
	zsock_set_sndtimeo(c->sock, 0); /* the loop never blocks on a send */
	/* Nothing is queued for a connection that is not up: a Hello that cannot go now is
	 * sent again at the next tick, so a peer that comes back gets one fresh Hello, not a
	 * backlog of heartbeats. */
	zsock_set_immediate(c->sock, 1);
	/* ZeroMQ re-dials by itself while the peer is unreachable: from the back-off this
	 * peer has reached, doubling up to reconnect_max_ms, so a dead peer costs about one
	 * connect per reconnect_max_ms. (It gives up after a refused handshake: the socket
	 * is made anew after dead_after_ms of silence, see yxd_clients_tick.) */
	zsock_set_reconnect_ivl(c->sock,
	                        (int)(c->backoff_ms ? c->backoff_ms : d->cfg->reconnect_min_ms));
	zsock_set_reconnect_ivl_max(c->sock, (int)d->cfg->reconnect_max_ms);
	/* Segments are the largest messages (wire.h): a server that sends more is cut off
	 * before the CURVE box is even opened. (No ZMQ_HANDSHAKE_IVL here: a server that
	 * never finishes is made anew after dead_after_ms; and with it set, the live push
	 * of test_chain came measurably later under ASan, 1.07-1.24 s against < 1 s.) */
	zsock_set_maxmsgsize(c->sock, (int)YX_MAX_WIRE_BYTES);
	if (zmq_connect(c->sock, c->endpoint) < 0) {
		yx_log_error("peer %s: cannot connect to %s: %s", c->name, c->endpoint,
		             zmq_strerror(zmq_errno()));
		yxd_socket_close(&c->sock);
		return -EINVAL;
	}
	session_reset(c);
	c->heard = false;
	c->last_rx_ms = c->drained_ms = zclock_mono();
	c->asked_ms = c->asked_answer_ms = 0;
	c->last_hello_ms = 0;
	send_hello(d, c); /* -EAGAIN until the connection is up: the tick retries */
	return YX_OK;
}

static yxd_client_t *client_new(const yx_peer_conf_t *p)
{
	yxd_client_t *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", p->name);
	snprintf(c->endpoint, sizeof(c->endpoint), "%s", p->endpoint);
	memcpy(c->key, p->key, YX_KEY_BYTES);
	return c;
}

static void client_destroy(yxd_client_t **cp)
{
	yxd_client_t *c = *cp;
	if (!c)
		return;
	yxd_socket_close(&c->sock);
	yxd_tips_free(c);
	free(c);
	*cp = NULL;
}

/* The client of ours that is p's healthy connection (same peer, endpoint and key), as an
 * index into d->clients; d->n_clients if none. */
static size_t client_match(const yxd_t *d, const yx_peer_conf_t *p)
{
	for (size_t j = 0; j < d->n_clients; j++) {
		const yxd_client_t *c = d->clients[j];
		if (c && strcmp(c->name, p->name) == 0 && strcmp(c->endpoint, p->endpoint) == 0 &&
		    memcmp(c->key, p->key, YX_KEY_BYTES) == 0)
			return j;
	}
	return d->n_clients;
}

int yxd_clients_sync_config(yxd_t *d)
{
	const yxd_members_t *ms = &d->members;
	yxd_client_t **next = calloc(ms->n_pulled ? ms->n_pulled : 1, sizeof(*next));
	if (!next)
		return -ENOMEM;
	/* The new ones first: when memory lacks, the connections stay as they were. */
	for (size_t i = 0; i < ms->n_pulled; i++) {
		if (client_match(d, &ms->pulled[i]) < d->n_clients)
			continue;
		if (!(next[i] = client_new(&ms->pulled[i]))) {
			for (size_t k = 0; k < i; k++)
				client_destroy(&next[k]);
			free(next);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < ms->n_pulled; i++) {
		size_t j = client_match(d, &ms->pulled[i]);
		if (!next[i]) {
			next[i] = d->clients[j]; /* kept: a healthy connection stays */
			d->clients[j] = NULL;
		}
		next[i]->charter = ms->reciprocal[i];
		static const uint8_t none[YX_KEY_BYTES];
		next[i]->alt_set = memcmp(ms->alt[i], none, YX_KEY_BYTES) != 0;
		memcpy(next[i]->alt, ms->alt[i], YX_KEY_BYTES);
	}
	for (size_t j = 0; j < d->n_clients; j++) {
		if (d->clients[j])
			yx_log_info("peer %s: %s", d->clients[j]->name,
			            yxd_charter_current(d)
			                    ? "no longer pulled from (charter, config)"
			                    : "removed from the trust store");
		client_destroy(&d->clients[j]);
	}
	free(d->clients);
	d->clients = next;
	d->n_clients = ms->n_pulled;
	return YX_OK;
}

void yxd_clients_stop(yxd_t *d)
{
	for (size_t i = 0; i < d->n_clients; i++)
		client_destroy(&d->clients[i]);
	free(d->clients);
	d->clients = NULL;
	d->n_clients = 0;
}

static bool any_subscribed(yxd_t *d)
{
	for (size_t i = 0; i < d->n_clients; i++)
		for (size_t k = 0; k < d->clients[i]->n_tips; k++)
			if (d->clients[i]->tips[k].subscribed)
				return true;
	return false;
}

/* Our committed tip of origin, from a vector read once (sorted by origin key). */
static uint64_t vector_seq(const yx_vector_t *v, const uint8_t origin[YX_KEY_BYTES])
{
	size_t lo = 0, hi = v->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(v->tips[mid].origin, origin, YX_KEY_BYTES);
		if (c == 0)
			return v->tips[mid].seq;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* For every origin some peer has more of, subscribe at the best peer: the one with the
 * highest tip that has not served bad data for that origin lately. Runs only with no
 * uncommitted segments, so our tips are exact; each origin is weighed once per pass. */
static void schedule_pulls(yxd_t *d)
{
	int64_t now = zclock_mono();
	yx_vector_t vec;
	if (d->remote || (d->full.since_ms && now < d->full.retry_ms))
		return;
	if (yx_store_vector(d->store, &vec) != YX_OK)
		return;
	uint64_t pass = ++d->pull_passes;
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *ci = d->clients[i];
		for (size_t k = 0; k < ci->n_tips; k++) {
			const uint8_t *origin = ci->tips[k].origin;
			if (ci->tips[k].pass == pass)
				continue; /* weighed already, from another peer's tips */
			uint64_t mine = vector_seq(&vec, origin);
			if (memcmp(origin, d->origin, YX_KEY_BYTES) == 0 && !yxd_fence_pulls_own(d))
				continue; /* nobody else writes our log; fenced, we fetch it back */
			yxd_client_t *best = NULL, *current = NULL;
			uint64_t best_seq = mine;
			for (size_t j = 0; j < d->n_clients; j++) {
				yxd_client_t *cj = d->clients[j];
				peer_tip_t *t = yxd_tip_get(cj, origin, false);
				if (!t)
					continue;
				t->pass = pass;
				if (t->subscribed)
					current = cj;
				if (cj->connected && t->seq > best_seq && t->bad_until_ms <= now) {
					best = cj;
					best_seq = t->seq;
				}
			}
			if (!best)
				continue;
			if (current) {
				peer_tip_t *ct = yxd_tip_get(current, origin, false);
				if (current->connected && ct->seq > mine && ct->bad_until_ms <= now)
					continue; /* it still has more for us */
				ct->subscribed = false;
				yxd_send_pull(current, origin, 0);
			}
			if (yxd_send_pull(best, origin, mine + 1) == YX_OK) {
				peer_tip_t *bt = yxd_tip_get(best, origin, false);
				bt->subscribed = true;
				yxd_mark_progress(best, bt, now);
			}
		}
	}
	yx_vector_free(&vec);
}

static int remote_open(yxd_t *d)
{
	if (d->remote)
		return YX_OK;
	int ret = yx_remote_begin(d->store, &d->remote);
	if (ret == YX_OK) {
		d->remote_segments = 0;
		d->remote_entries = 0;
	}
	return ret;
}

/* Notes an origin this transaction moved, for announcing after the commit. */
static void note_moved(yxd_t *d, const uint8_t origin[YX_KEY_BYTES])
{
	yxd_origins_t *m = &d->moved;
	for (size_t i = 0; i < m->n; i++)
		if (memcmp(m->keys[i], origin, YX_KEY_BYTES) == 0)
			return;
	if (yx_grow(m->keys, m->cap, m->n + 1, 16))
		return;
	memcpy(m->keys[m->n++], origin, YX_KEY_BYTES);
}

bool yxd_remote_due(const yxd_t *d)
{
	return d->remote && d->remote_entries >= FLUSH_ENTRIES;
}

int yxd_remote_flush(yxd_t *d)
{
	int ret = YX_OK;
	if (d->remote) {
		int64_t t0 = zclock_mono();
		size_t segments = d->remote_segments;
		ret = yx_remote_commit(&d->remote);
		if (zclock_mono() - t0 > SLOW_COMMIT_MS)
			yx_log_warn(
			        "committing %zu received segments took %lld ms (the disk is slow "
			        "or the machine overloaded)",
			        segments, (long long)(zclock_mono() - t0));
		if (ret) {
			d->moved.n = 0;
			d->staged = (yxd_staged_t){0};
			if (yx_err_is_store_full(ret)) {
				yxd_store_full(d, ret);
			} else {
				yx_log_error("commit of received segments failed: %s; re-pulling",
				             yx_strerror(ret));
				yxd_unsubscribe_all(d);
			}
		} else {
			/* Counted only once durable. */
			d->counters[C_COMMITS]++;
			d->counters[C_SEGMENTS_RECEIVED] += d->staged.segments;
			d->counters[C_CHANGES_RECEIVED] += d->staged.received;
			d->counters[C_CHANGES_APPLIED] += d->staged.applied;
			d->counters[C_CHANGES_FILLED] += d->staged.filled;
			d->staged = (yxd_staged_t){0};
		}
	}
	/* Top the peers that streamed up to an even share of what the node's window has
	 * left: in flight stays within credit, plus MIN_WINDOW per streaming peer. */
	size_t streaming = 0;
	uint64_t total = 0;
	for (size_t i = 0; i < d->n_clients; i++) {
		streaming += d->clients[i]->credit_owed && d->clients[i]->sock;
		total += d->clients[i]->inflight;
	}
	uint32_t fair = window(d, streaming);
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *c = d->clients[i];
		uint32_t give = 0;
		uint32_t share = within_server(c, fair), least = within_server(c, MIN_WINDOW);
		if (c->credit_owed && c->sock && c->inflight < share) {
			uint64_t left = total < d->cfg->credit ? d->cfg->credit - total : 0;
			give = share - c->inflight;
			if (give > left)
				give = (uint32_t)left;
			if (c->inflight + give < least)
				give = least - c->inflight;
		}
		if (give) {
			Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
			Yrdx__Credit cr = YRDX__CREDIT__INIT;
			cr.credit = give;
			m.msg_case = YRDX__PEER_MESSAGE__MSG_CREDIT;
			m.credit = &cr;
			if (yxd_client_send(c, &m) == YX_OK) {
				c->inflight += give;
				total += give;
			}
		}
		c->credit_owed = 0;
	}
	if (d->moved.n) {
		yxd_writer_moved(d, (const uint8_t(*)[YX_KEY_BYTES])d->moved.keys, d->moved.n);
		d->moved.n = 0;
	}
	schedule_pulls(d);
	return ret;
}

/* A peer's Tips name an origin that no member of the charter has: it is not pulled (and
 * no longer, if it was), counted and logged once per peer, origin and connection, with
 * the origin's key in full so the administrator can tell whose it is. */
static void refuse_nonmember(yxd_t *d, yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES])
{
	char who[YX_PUBKEY_TEXT_LEN + 1];
	peer_tip_t *t = yxd_tip_add(c, origin, d->cfg->max_origins);
	if (t && t->nonmember)
		return;
	d->counters[C_REFUSED_NONMEMBER]++;
	yxd_refusals_add(&d->refusals, zclock_time(), C_REFUSED_NONMEMBER, c->name, origin,
	                 "offers an origin no member of the charter has: not pulled");
	yx_pubkey_format(origin, who);
	yx_log_warn("peer %s offers origin %s, which is no member of charter version %u: not "
	            "pulled, nothing of it stored",
	            c->name, who, yxd_charter_current(d)->version);
	if (!t)
		return; /* over max_origins: counted again at its next Tips */
	t->nonmember = true;
	t->seq = 0;
	if (t->subscribed) {
		t->subscribed = false;
		yxd_send_pull(c, origin, 0);
	}
}

static void on_tips(yxd_t *d, yxd_client_t *c, const Yrdx__Tips *tips)
{
	if (tips->session == c->session) {
		c->answers++;
		c->asked_answer_ms = 0;
		/* The server holds at most its window of our credit and dropped the rest: what
		 * we count in flight past it will never come. */
		c->window = tips->window;
		c->inflight = within_server(c, c->inflight);
		if (!c->epoch) {
			c->epoch = tips->epoch;
		} else if (tips->epoch != c->epoch) {
			/* The server made new state for our session: it restarted, or dropped
			 * us, or ZeroMQ re-made the connection underneath. What it held for us
			 * (subscriptions, credit) is gone: start a new session. */
			yx_log_info("peer %s: our session was lost there (restart or reconnect); "
			            "subscribing afresh",
			            c->name);
			session_reset(c);
			send_hello(d, c);
		}
	}
	if (!tips->vector)
		return;
	size_t refused = 0;
	for (size_t i = 0; i < tips->vector->n_entries; i++) {
		const Yrdx__VectorEntry *e = tips->vector->entries[i];
		if (e->origin.len != YX_KEY_BYTES)
			continue;
		uint64_t seq = e->seq; /* cut at a revoked member's last seq that stands */
		bool own = memcmp(e->origin.data, d->origin, YX_KEY_BYTES) == 0;
		if (!own && !yxd_members_origin_ok(d, e->origin.data, &seq)) {
			refuse_nonmember(d, c, e->origin.data);
			continue;
		}
		peer_tip_t *t = yxd_tip_add(c, e->origin.data, d->cfg->max_origins);
		if (!t) {
			refused++;
			continue;
		}
		if (t->subscribed && seq > t->seq) {
			/* It had nothing more for us and now has: the stall clock starts. */
			yx_tip_t mine;
			if (yx_store_tip(d->store, t->origin, &mine) != YX_OK)
				mine.seq = 0;
			if (t->seq <= mine.seq)
				yxd_mark_progress(c, t, zclock_mono());
		}
		t->seq = seq;
		yxd_fill_tips(c, t, e->fills);
		if (memcmp(t->origin, d->origin, YX_KEY_BYTES) == 0 &&
		    t->bad_until_ms <= zclock_mono())
			yxd_fence_own_claim(d, c->name, t->seq);
	}
	if (refused) {
		/* More origins than the federation has: said once a connection, counted always. */
		d->counters[C_REFUSED_TIPS_ORIGINS] += refused;
		if (!c->origins_refused)
			yx_log_warn("peer %s: names more than %u origins (sync/max_origins); %zu "
			            "refused, and the ones after them",
			            c->name, d->cfg->max_origins, refused);
		c->origins_refused = true;
	}
	schedule_pulls(d);
}

/* A segment that did not make it into the transaction: refused (counted, the origin
 * avoided at this peer for a while and pulled elsewhere), or a storage failure (what
 * the transaction holds is dropped). A segment the charter refuses is signed by its
 * origin and would be refused again: the peer is avoided for it twice as long each time
 * in a row, up to BAD_PEER_MAX_MS, so a member stuck at a refused segment costs a pull
 * of it now and then, not a loop. */
static void segment_failed(yxd_t *d, yxd_client_t *c, const yx_wire_segment_t *s, int ret,
                           const yx_diag_t *diag)
{
	bool jurisdiction = d->charter.refused_jurisdiction; /* what the admit rule said */
	yxd_counter_t reason = C_REJECTED_INVALID;
	d->charter.refused_jurisdiction = false;
	switch (ret) {
	case YX_ECHAIN: reason = C_REJECTED_CHAIN; break;
	case YX_ESIG: reason = C_REJECTED_SIGNATURE; break;
	case YX_EFORK: reason = C_REJECTED_FORK; break;
	case YX_EINVAL:
	case YX_EDECODE:
	case YX_ETOOBIG: break;
	case YX_EREFUSED:
		/* The charter's: the peer's bad data for that origin, like the rest here —
		 * a record outside its origin's jurisdiction as the admit rule said, else
		 * the origin is no member or revoked. */
		reason = jurisdiction ? C_REFUSED_JURISDICTION
		         : s->origin  ? yxd_members_refusal(d, s->origin, s->head.seq)
		                      : C_REJECTED_INVALID;
		break;
	default:
		/* A storage failure: what this transaction holds cannot be trusted. */
		yx_remote_abort(&d->remote);
		d->moved.n = 0;
		d->staged = (yxd_staged_t){0};
		if (yx_err_is_store_full(ret)) {
			yxd_store_full(d, ret);
		} else {
			yx_log_error("peer %s: storing a segment failed: %s", c->name,
			             yx_strerror(ret));
			yxd_unsubscribe_all(d);
		}
		return;
	}
	d->counters[reason]++;
	yxd_refusals_add(&d->refusals, zclock_time(), reason, c->name, s->origin,
	                 diag->msg[0] ? diag->msg : yx_strerror(ret));
	c->rejected++;
	peer_tip_t *t = s->origin ? yxd_tip_add(c, s->origin, d->cfg->max_origins) : NULL;
	int64_t avoid = t && ret == YX_EREFUSED ? yxd_avoid_ms(++t->refusals + 1) : BAD_PEER_MS;
	if (ret == YX_EFORK) {
		yx_log_error("peer %s: FORK refused, never merged: %s", c->name, diag->msg);
	} else if (ret == YX_EREFUSED && t) {
		char who[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(s->origin, who);
		yx_log_warn(
		        "peer %s: segment of origin %s refused by the charter, pulled elsewhere "
		        "for %lld s: %s",
		        c->name, who, (long long)(avoid / 1000), diag->msg);
	} else {
		yx_log_warn(
		        "peer %s: segment refused (%s), its origin pulled elsewhere for %lld s: "
		        "%s",
		        c->name, yx_strerror(ret), (long long)(avoid / 1000), diag->msg);
	}
	if (t) {
		t->bad_until_ms = zclock_mono() + avoid;
		t->fill_pending = false;
		t->fill_done = true; /* not from this peer, this session */
		t->fill_wait = 0;
		if (t->subscribed) {
			t->subscribed = false;
			yxd_send_pull(c, s->origin, 0);
		}
	}
}

/* A segment of c's arrived, good or bad: the credit the server spent on it is ours to
 * give again. */
static void segment_spent(yxd_client_t *c)
{
	c->credit_owed++;
	if (c->inflight)
		c->inflight--;
}

/* Verifies and stages one segment, read with ret (yx_wire_segment_read). Bad data is
 * counted, the origin is avoided at this peer for a while and re-pulled elsewhere; it
 * never reaches the store. */
static void on_segment(yxd_t *d, yxd_client_t *c, const yx_wire_segment_t *s, int ret,
                       yx_diag_t *diag)
{
	const yx_head_t *head = &s->head;
	size_t appended = 0;

	c->segments_in++;
	segment_spent(c);
	c->last_segment_ms = zclock_mono();
	c->asked_answer_ms = 0;
	if (ret == -ENOMEM)
		return;
	if (ret)
		goto rejected;
	if (d->full.since_ms)
		return; /* in flight when the store filled: dropped, pulled again later */
	if ((ret = remote_open(d))) {
		yx_log_error("cannot open a store transaction: %s", yx_strerror(ret));
		return;
	}
	ret = yx_remote_append(d->remote, s->origin, s->entries, s->n_entries, head, &appended,
	                       diag);
	if (ret == YX_OK) {
		peer_tip_t *t = yxd_tip_get(c, s->origin, false);
		if (t) {
			yxd_mark_progress(c, t, c->last_segment_ms);
			t->stalls = 0;
			t->refusals = 0;
			/* It holds what it signed a head for, whatever its last Tips said: the
			 * holes asked of it (fill.c) are the ones up to its tip. */
			if (head->seq > t->seq) {
				t->seq = head->seq;
				yxd_fill_tip_rose(c, t);
			}
		}
		size_t filled = yx_remote_filled(d->remote);
		d->remote_segments++;
		d->remote_entries += s->n_entries;
		d->staged.segments++;
		d->staged.applied += appended;
		d->staged.filled += filled;
		d->staged.received += s->n_entries;
		if (appended || filled)
			note_moved(d, s->origin);
		yxd_fill_after_segment(d, c, s->origin, s->entries, s->n_entries, head->seq,
		                       appended);
		return;
	}
	if (ret == YX_EGAP) {
		/* Not the peer's fault: it streamed from a point past our tip (its idea of
		 * what we hold was off, say after we switched peers). Ask again from our
		 * tip, once what is staged is committed, or the stream never resumes. */
		d->counters[C_GAPS]++;
		peer_tip_t *t = yxd_tip_get(c, s->origin, false);
		if (t && t->subscribed) {
			yx_tip_t mine;
			yxd_remote_flush(d);
			if (yx_store_tip(d->store, s->origin, &mine) != YX_OK)
				mine.seq = 0;
			if (t->subscribed && c->sock)
				yxd_send_pull(c, s->origin, mine.seq + 1);
		}
		return;
	}
	if (ret == YX_ESIG && yxd_rotation_ahead(d, c, s->origin, head))
		return; /* signed by the key its origin proposed: not the peer's fault */
rejected:
	segment_failed(d, c, s, ret, diag);
}

/* protobuf-c allocates every element of a repeated field: a message of 8 MB can hold 4 M
 * empty segment entries or vector entries, some 400 MB once unpacked. So the elements are
 * counted from the bytes first, and a segment beyond YX_HEAD_INTERVAL entries (an origin
 * signs a head at least that often) or Tips beyond sync/max_origins origins is refused
 * unread. false if data is within bounds; else true, why saying what is wrong and
 * *counter the counter it goes to. */
static bool frame_fault(yxd_t *d, const uint8_t *data, size_t len, yxd_counter_t *counter,
                        char why[96])
{
	static const uint32_t segment_entries[] = {4, 1, 2}; /* PeerMessage.segment.batch.entries */
	static const uint32_t tips_origins[] = {2, 1, 1};    /* PeerMessage.tips.vector.entries */
	size_t entries = 0, origins = 0;
	*counter = C_REJECTED_INVALID;
	if (yx_wire_count(data, len, segment_entries, 3, YX_HEAD_INTERVAL, &entries) ||
	    yx_wire_count(data, len, tips_origins, 3, d->cfg->max_origins, &origins)) {
		snprintf(why, 96, "a malformed message (%zu bytes)", len);
	} else if (entries > YX_HEAD_INTERVAL) {
		snprintf(why, 96, "segment refused unread: over %d entries in %zu bytes",
		         YX_HEAD_INTERVAL, len);
	} else if (origins > d->cfg->max_origins) {
		*counter = C_REFUSED_TIPS_ORIGINS;
		snprintf(why, 96, "Tips refused unread: over %u origins (sync/max_origins)",
		         d->cfg->max_origins);
	} else {
		return false;
	}
	return true;
}

/* A message from c refused before any of it was used: counted under counter, kept among
 * the recent refusals with c's name (status, the console), said in the log once per
 * connection — a peer sending many costs a counter each, not a line. */
static void refused_from(yxd_t *d, yxd_client_t *c, yxd_counter_t counter, const char *what)
{
	d->counters[counter]++;
	c->rejected++;
	yxd_refusals_add(&d->refusals, zclock_time(), counter, c->name, NULL, what);
	if (!c->refused_logged) {
		yx_log_warn("peer %s: %s: dropped (said once per connection; every one is counted)",
		            c->name, what);
		c->refused_logged = true;
	}
}

/* A segment message's bytes read as a segment: in place (wire_segment.h), or unpacked by
 * protobuf-c when in a form left to it. YX_ENOTFOUND: they hold another message, or none. */
static int segment_read(yxd_t *d, const uint8_t *data, size_t len, yx_wire_segment_t *seg,
                        yx_diag_t *diag)
{
	int ret = yx_wire_segment_read(data, len, &d->scratch, seg, diag);
	if (ret != YX_ENOTFOUND)
		return ret;
	Yrdx__PeerMessage *m =
	        yrdx__peer_message__unpack(yx_arena_allocator(&d->scratch), len, data);
	if (!m || m->msg_case != YRDX__PEER_MESSAGE__MSG_SEGMENT)
		return YX_ENOTFOUND;
	return yx_wire_segment_from_batch(m->segment->batch, &d->scratch, seg, diag);
}

/* A compressed segment (squash.h), decompressed and read as the plain segment message it
 * holds: true, with *seg and *ret as segment_read gives them; false, refused and
 * counted, if its declared size is past what a plain segment frame may be, if its bytes
 * are not one zstd frame of that size, or if what they hold is not a segment within the
 * bounds of one. *size gets the bytes it decompressed to. Nothing is inflated past
 * YX_MAX_WIRE_BYTES, whatever the peer claims: a zstd bomb costs this node one bounded
 * buffer and a counter. */
static bool unsquash(yxd_t *d, yxd_client_t *c, const Yrdx__Squashed *sq, size_t *size,
                     yx_wire_segment_t *seg, int *ret, yx_diag_t *diag)
{
	const uint8_t *plain = NULL;
	yxd_counter_t unused;
	char why[96];
	int got = sq->codec == YRDX__CODEC__CODEC_ZSTD
	                  ? yx_squash_unpack(d->squash, sq->data.data, sq->data.len, sq->size,
	                                     YX_MAX_WIRE_BYTES, &plain)
	                  : YX_EDECODE;
	*size = got == YX_OK ? (size_t)sq->size : 0; /* inflated: its cost, refused or not */
	if (got == YX_OK && !frame_fault(d, plain, (size_t)sq->size, &unused, why) &&
	    (*ret = segment_read(d, plain, *size, seg, diag)) != YX_ENOTFOUND) {
		d->counters[C_SQUASHED_RECEIVED]++;
		return true;
	}
	d->counters[C_REFUSED_SQUASHED]++;
	c->rejected++;
	segment_spent(c); /* the server spent credit on it: refused, it is still ours */
	if (!c->squash_logged) {
		/* Once per connection: a peer sending many costs a counter each, not a line. */
		yx_log_warn("peer %s: compressed segment refused unread: %s (codec %d, %zu bytes "
		            "declaring %llu, limit %u)",
		            c->name,
		            got == YX_ETOOBIG ? "its size is past a segment's limit"
		            : got             ? "not one zstd frame of the size it declares"
		                              : "it holds no segment within a segment's bounds",
		            (int)sq->codec, sq->data.len, (unsigned long long)sq->size,
		            YX_MAX_WIRE_BYTES);
		c->squash_logged = true;
	}
	return false;
}

/* One message from the peer. A segment is read in place; the rest unpacked. */
static void on_message(yxd_t *d, yxd_client_t *c, const uint8_t *data, size_t len, size_t *bytes)
{
	yx_wire_segment_t seg;
	yx_diag_t diag = {{0}};
	int ret = yx_wire_segment_read(data, len, &d->scratch, &seg, &diag);
	if (ret != YX_ENOTFOUND) {
		on_segment(d, c, &seg, ret, &diag);
		return;
	}
	Yrdx__PeerMessage *m =
	        yrdx__peer_message__unpack(yx_arena_allocator(&d->scratch), len, data);
	if (!m) {
		refused_from(d, c, C_REJECTED_INVALID, "a message that is no peer message");
	} else if (m->msg_case == YRDX__PEER_MESSAGE__MSG_TIPS) {
		on_tips(d, c, m->tips);
	} else if (m->msg_case == YRDX__PEER_MESSAGE__MSG_SEGMENT) {
		ret = yx_wire_segment_from_batch(m->segment->batch, &d->scratch, &seg, &diag);
		on_segment(d, c, &seg, ret, &diag);
	} else if (m->msg_case == YRDX__PEER_MESSAGE__MSG_SQUASHED) {
		size_t plain = 0;
		if (unsquash(d, c, m->squashed, &plain, &seg, &ret, &diag))
			on_segment(d, c, &seg, ret, &diag);
		*bytes += plain; /* what it costs to read is what it holds */
	} else if (m->msg_case == YRDX__PEER_MESSAGE__MSG_REFUSED) {
		if (!yxd_fill_refused(c, m->refused))
			yx_log_warn("peer %s refused a pull: %s", c->name,
			            m->refused->reason ? m->refused->reason : "");
	} else {
		refused_from(d, c, C_REJECTED_INVALID, "a kind of message no server sends");
	}
}

void yxd_client_handle(yxd_t *d, yxd_client_t *c)
{
	/* A full transaction stops the reading: the loop commits it (yxd_remote_due) before
	 * more is read, so one pass of the loop holds at most one commit, and heartbeats
	 * keep going however much arrives. */
	size_t bytes = 0;
	for (int budget = 0;
	     budget < 64 && c->sock && !yxd_remote_due(d) && bytes < 2 * (size_t)YX_MAX_WIRE_BYTES;
	     budget++) {
		zframe_t *frame = NULL;
		int ret = yx_wire_recv(c->sock, NULL, &frame);
		if (ret == -EAGAIN) {
			c->drained_ms = zclock_mono(); /* all it sent until now is read */
			return;
		}
		if (ret) {
			refused_from(d, c, C_REJECTED_INVALID, "a multipart or unreadable message");
			continue;
		}
		c->bytes_in += zframe_size(frame);
		bytes += zframe_size(frame); /* big messages: the other inputs get their turn */
		c->last_rx_ms = zclock_mono();
		c->asked_ms = 0;
		c->heard = true;
		if (!c->connected) {
			yx_log_info("peer %s: connected to %s", c->name, c->endpoint);
			c->connected = true;
			c->backoff_ms = 0;
		}
		yxd_counter_t counter;
		char why[96];
		if (frame_fault(d, zframe_data(frame), zframe_size(frame), &counter, why))
			refused_from(d, c, counter, why);
		else
			on_message(d, c, zframe_data(frame), zframe_size(frame), &bytes);
		yx_arena_reset(&d->scratch);
		zframe_destroy(&frame);
	}
}

void yxd_clients_tick(yxd_t *d, int64_t now)
{
	/* Time this node was not listening moves each peer's liveness clocks on. */
	int64_t late = yxd_tick_late(&d->clients_tick_ms, now);
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *c = d->clients[i];
		yxd_not_listening(c, late, now);
		if (!c->sock) {
			if (now >= c->next_connect_ms && client_connect(d, c) != YX_OK)
				client_disconnect(d, c, "connect failed");
			continue;
		}
		/* Silent: it answered nothing for dead_after_ms after we asked (a Hello), or
		 * never answered since the connect (say a refused handshake, after which
		 * ZeroMQ stops re-dialling). Made anew after the back-off, with a new session.
		 * Counted from our asking, not from its last message: a node too busy to say
		 * Hello does not hold its peers' quiet against them; and over what has been
		 * read (yxd_read_until). */
		int64_t seen = yxd_read_until(d, c, now);
		int64_t asked = c->heard ? c->asked_ms : c->last_rx_ms;
		if (asked && seen - asked > (int64_t)d->cfg->dead_after_ms) {
			client_disconnect(d, c, c->heard ? "no answer" : "never answered");
			continue;
		}
		/* Heard from, yet neither Tips of our session nor a segment for dead_after_ms:
		 * it answers, but not us — the stall watchdog, which waits for two answers,
		 * would wait for ever. Made anew, and the origins it held back are pulled
		 * elsewhere. */
		if (c->heard && c->asked_answer_ms &&
		    seen - c->asked_answer_ms > (int64_t)d->cfg->dead_after_ms) {
			yxd_avoid_withheld(d, c, now);
			client_disconnect(d, c, "it answers, but never our session");
			continue;
		}
		/* Until the first answer, a Hello goes out as soon as the connection is up
		 * (send_hello only builds one then); after it, every heartbeat. */
		if (now - c->last_hello_ms >= (int64_t)d->cfg->heartbeat_ms ||
		    (!c->heard && !c->last_hello_ms))
			send_hello(d, c);
		if (yxd_check_stalls(d, c, seen, now)) {
			client_disconnect(d, c, "stalled");
			c->backoff_ms = 0;
			c->next_connect_ms = now;
		}
		yxd_fill_request(d, c, seen, now);
	}
	uint64_t claim = 0;
	size_t n = yxd_clients_answered(d, d->origin, now, &claim);
	yxd_fence_peers(d, n, claim);
	if (d->full.since_ms && now >= d->full.retry_ms) {
		/* Pull again only when there looks to be room: a full store costs its peers
		 * nothing while it waits. */
		int room = yx_store_room(d->store, STORE_ROOM_BYTES);
		if (room == YX_OK) {
			schedule_pulls(d);
			if (!any_subscribed(d))
				yxd_store_room_again(d); /* room, and nothing to wait for */
		} else {
			d->full.err = room;
			yxd_store_full(d, room);
		}
	}
}

int64_t yxd_clients_next_timer(const yxd_t *d, int64_t now)
{
	int64_t next = now + d->cfg->heartbeat_ms;
	for (size_t i = 0; i < d->n_clients; i++) {
		const yxd_client_t *c = d->clients[i];
		int64_t t = c->sock ? c->last_hello_ms + d->cfg->heartbeat_ms : c->next_connect_ms;
		if (t < next)
			next = t;
	}
	return next;
}

int yxd_clients_sync_now(yxd_t *d, const char *peer)
{
	int found = 0;
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *c = d->clients[i];
		if (peer && *peer && strcmp(peer, c->name) != 0)
			continue;
		found++;
		if (!c->sock) {
			c->next_connect_ms = 0; /* skip the backoff */
			c->backoff_ms = 0;
		} else {
			send_hello(d, c);
		}
	}
	return found ? YX_OK : YX_ENOTFOUND;
}
