/* feed: the feed port, where partner parks' yrdx-feed connect. A ROUTER with CURVE whose
 * ZAP domain "feed" admits only the parks of the trust store; the admitted park name is
 * each message's User-Id. What a park sees is decided here, for its authenticated key:
 * the events of relay cases addressed to its park at this node, and — where the node's
 * policy (parks/NAME/open_cases) allows — open cases whose enterprise fits its
 * industries. A client's own filters are never trusted. The cursor is the node's arrival
 * number, so a feed resumes exactly where it stopped; delivery is at-least-once, with a
 * stable event id ("<origin key>/<seq>") to drop repeats. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "match.h"
#include "yrdxd.h"

/* One park connection and its one subscription: a new SUBSCRIBE on it replaces the old. */
typedef struct {
	zframe_t *routing_id;
	char park[33];
	char key[YX_PUBKEY_TEXT_LEN + 1]; /* the key it was admitted with (ZAP's X-Key) */
	uint64_t cursor;                  /* arrivals up to here have been considered */
	uint32_t credit;                  /* at most feed_credit_max */
	bool due;    /* a pump is owed: at the end of this input, or the next tick */
	bool silent; /* unheard 2 x dead_after_ms, its connection open: sent nothing until heard */
	int64_t last_rx_ms;
	int64_t warned_ms; /* when a failed scan of the store was last said */
} feed_sub_t;

/* Refused connections are logged at most once per this long, with how many there were. */
#define LOG_EVERY_MS 10000

/* When a park was last heard from on this port, connected or not (status). */
typedef struct {
	char park[33];
	int64_t ms;
} feed_seen_t;

struct yxd_feed {
	zsock_t *sock;
	feed_sub_t *subs;
	size_t n_subs;
	feed_seen_t *seen;
	size_t n_seen;
	int64_t refused_log_ms;
	uint64_t refused_since;
};

int yxd_feed_start(yxd_t *d)
{
	if (!d->cfg->feed_endpoint[0])
		return YX_OK;
	d->feed = calloc(1, sizeof(*d->feed));
	if (!d->feed)
		return -ENOMEM;
	d->feed->sock = zsock_new(ZMQ_ROUTER);
	if (!d->feed->sock)
		return -ENOMEM;
	zsock_set_zap_domain(d->feed->sock, "feed");
	zsock_set_curve_server(d->feed->sock, 1);
	zsock_set_curve_secretkey_bin(d->feed->sock, d->curve_secret);
	zsock_set_sndtimeo(d->feed->sock, 0);
	/* Credit bounds the batches queued for a park (at most one event each), plus room
	 * for action results: a park that never reads holds no more than that here. */
	zsock_set_sndhwm(d->feed->sock, (int)(d->cfg->feed_credit_max + 64));
	zsock_set_router_mandatory(d->feed->sock, 1);
	yxd_socket_limit(d, d->feed->sock, YX_MAX_FEED_REQUEST_BYTES);
	if (yxd_guard_start(d, d->feed->sock, "feed", &d->feed_guard))
		return -EMFILE;
	if (yxd_socket_bind(d->feed->sock, d->cfg->feed_endpoint) < 0) {
		yx_log_error("feed port %s: %s", d->cfg->feed_endpoint, zmq_strerror(zmq_errno()));
		return -EADDRINUSE;
	}
	yx_log_info("serving park feeds on %s", d->cfg->feed_endpoint);
	return YX_OK;
}

void yxd_feed_stop(yxd_t *d)
{
	if (!d->feed)
		return;
	for (size_t i = 0; i < d->feed->n_subs; i++)
		zframe_destroy(&d->feed->subs[i].routing_id);
	free(d->feed->subs);
	free(d->feed->seen);
	yxd_guard_unwatch(d->feed->sock);
	zsock_destroy(&d->feed->sock);
	yxd_guard_stop(&d->feed_guard);
	free(d->feed);
	d->feed = NULL;
}

zsock_t *yxd_feed_socket(const yxd_t *d)
{
	return d->feed ? d->feed->sock : NULL;
}

static feed_sub_t *sub_find(yxd_t *d, zframe_t *rid)
{
	for (size_t i = 0; i < d->feed->n_subs; i++)
		if (zframe_eq(d->feed->subs[i].routing_id, rid))
			return &d->feed->subs[i];
	return NULL;
}

/* The park name's entry in the trust store as it is now, if key (a connection's X-Key) is
 * still its key: a park whose key was replaced keeps its name. */
static const yx_park_conf_t *trusted_park(yxd_t *d, const char *name, const char *key)
{
	const yx_park_conf_t *park = name ? yx_config_park_by_name(d->cfg, name) : NULL;
	return park && yxd_zap_key_is(key, park->key) ? park : NULL;
}

static int send_feed(yxd_t *d, zframe_t *rid, Yrdx__FeedMessage *m)
{
	return yx_wire_send(d->feed->sock, rid, &m->base, NULL);
}

/* "addressed", "open-case" or NULL: may this park see this change? */
static const char *visible(yxd_t *d, const yx_park_conf_t *park, const Yrdx__Change *c)
{
	if (c->body_case != YRDX__CHANGE__BODY_RELAY_EVENT)
		return NULL;
	const Yrdx__RelayEvent *ev = c->relay_event;
	/* A PROPOSE that is not the one its case id names (another key reusing the id)
	 * opens nothing: no park is shown it. */
	if (ev->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE &&
	    (c->origin.len != YX_KEY_BYTES ||
	     !yx_case_id_names(ev->case_id, c->origin.data, c->seq)))
		return NULL;
	bool to_us = ev->destination_node.len == YX_KEY_BYTES &&
	             memcmp(ev->destination_node.data, d->origin, YX_KEY_BYTES) == 0;
	if (to_us && strcmp(ev->park_id, park->park_id) == 0)
		return "addressed";
	if (!park->open_cases || ev->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE ||
	    c->origin.len != YX_KEY_BYTES)
		return NULL;
	/* An open opportunity: the enterprise (as its own city shares it) fits the park. */
	Yrdx__Change *ent = NULL, *own = NULL;
	const char *why = NULL;
	if (yx_store_get(d->store, YX_KIND_ENTERPRISE, c->origin.data, ev->credit_code, &ent) ==
	            YX_OK &&
	    yx_store_get(d->store, YX_KIND_PARK, d->origin, park->park_id, &own) == YX_OK &&
	    yx_match_park(ent->enterprise, own->park).industry > 0)
		why = "open-case";
	yx_change_free(&ent);
	yx_change_free(&own);
	return why;
}

#define BATCH_MAX 256 /* events per FeedBatch */

/* One batch being gathered from the arrivals after a subscriber's cursor. */
typedef struct {
	yxd_t *d;
	const yx_park_conf_t *park;
	uint32_t credit;   /* what the subscriber still takes */
	uint64_t cursor;   /* arrivals considered so far */
	size_t budget;     /* arrivals this scan may still read */
	yx_arena_t *arena; /* the events' copies: the scan's read snapshot ends before the send */
	Yrdx__FeedEvent *events[BATCH_MAX];
	size_t n;
	size_t bytes; /* the events' changes, so the batch fits one message (wire.h) */
	int err;
} gather_t;

static int gather(void *arg, const yx_arrival_t *a)
{
	gather_t *g = arg;
	const char *why = visible(g->d, g->park, a->change);
	if (why) {
		/* "<origin key>/<seq>": the key's text, a slash, at most 20 digits. */
		enum { ID_CAP = YX_PUBKEY_TEXT_LEN + 22 };
		char key[YX_PUBKEY_TEXT_LEN + 1];
		Yrdx__FeedEvent *e = yx_arena_alloc(g->arena, sizeof(*e));
		char *id = yx_arena_alloc(g->arena, ID_CAP);
		uint8_t *bytes = yx_arena_alloc(g->arena, a->len ? a->len : 1);
		if (!e || !id || !bytes) {
			g->err = -ENOMEM;
			return 1;
		}
		yrdx__feed_event__init(e);
		yx_pubkey_format(a->origin, key);
		snprintf(id, ID_CAP, "%s/%llu", key, (unsigned long long)a->seq);
		memcpy(bytes, a->bytes, a->len); /* the exact bytes its author signed */
		e->cursor = a->n;
		e->event_id = id;
		e->change.data = bytes;
		e->change.len = a->len;
		e->why = (char *)why;
		/* what the park decides on; the dossier for the park the case is addressed to */
		if (yxd_feed_summary(g->d, a->change, g->arena, &e->summary) != YX_OK ||
		    (strcmp(why, "addressed") == 0 &&
		     yxd_feed_dossier(g->d, g->park, a->change, g->arena, &e->dossier) != YX_OK)) {
			g->err = -ENOMEM;
			return 1;
		}
		g->events[g->n++] = e;
		g->credit--;
		g->bytes += a->len + ID_CAP + 32 + yrdx__feed_summary__get_packed_size(e->summary) +
		            e->dossier.len;
	}
	g->cursor = a->n;
	g->budget--;
	if (g->credit == 0 || g->n == BATCH_MAX || g->budget == 0)
		return 1;
	/* 256 relay events with full dossiers would pass yrdx-feed's message limit. The next
	 * event is at most its change, a summary drawn from a record and a dossier drawn
	 * from the change, each at most a change's size. */
	return g->bytes + 3 * YX_MAX_CHANGE_BYTES + 1024 > YX_MAX_WIRE_BYTES ? 1 : 0;
}

/* Sends s what is waiting for it, in batches, while its credit lasts, reading at most
 * feed_scan_max arrivals: a park far behind, or one that subscribes from 0 again and
 * again, costs a bounded share of the loop, and the scan goes on where it stopped (the
 * cursor) at the next pass. The cursor moves past a batch only once the batch is
 * queued, and past events it may not see as well. */
static void pump(yxd_t *d, feed_sub_t *s)
{
	const yx_park_conf_t *park = trusted_park(d, s->park, s->key);
	size_t budget = d->cfg->feed_scan_max;
	yx_arena_t arena;
	s->due = false;
	if (!park || s->silent)
		return;
	yx_arena_init(&arena);
	while (s->credit > 0) {
		gather_t g = {d, park, s->credit, s->cursor, budget, &arena, {0}, 0, 0};
		int ret = yx_store_arrivals(d->store, s->cursor, gather, &g);
		if ((ret != YX_OK && ret != 1) || g.err) {
			/* 1: gather stopped the scan (batch full, credit or budget spent). Else
			 * the next tick tries again from the same cursor; said once a while. */
			int64_t now = zclock_mono();
			if (!s->warned_ms || now - s->warned_ms >= LOG_EVERY_MS) {
				yx_log_warn(
				        "park %s: cannot read the arrivals after cursor %llu for "
				        "its feed: %s (tried again each tick)",
				        s->park, (unsigned long long)s->cursor,
				        yx_strerror(g.err ? g.err : ret));
				s->warned_ms = now;
			}
			break;
		}
		if (g.n) {
			Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
			Yrdx__FeedBatch b = YRDX__FEED_BATCH__INIT;
			b.events = g.events;
			b.n_events = g.n;
			m.msg_case = YRDX__FEED_MESSAGE__MSG_BATCH;
			m.batch = &b;
			if (send_feed(d, s->routing_id, &m) != YX_OK)
				break; /* gone or full: the cursor stays before this batch */
			s->credit -= (uint32_t)g.n;
		}
		s->cursor = g.cursor;
		yx_arena_reset(&arena);
		if (g.budget == 0) {
			s->due = true; /* more to read, at the next pass */
			break;
		}
		budget = g.budget;
		if (g.n < BATCH_MAX && g.credit > 0)
			break; /* the scan reached the last arrival */
	}
	yx_arena_free(&arena);
}

static void pump_all(yxd_t *d)
{
	for (size_t i = 0; d->feed && i < d->feed->n_subs; i++)
		pump(d, &d->feed->subs[i]);
}

void yxd_feed_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)origins;
	(void)n; /* any commit may have brought arrivals: the cursor tells which */
	pump_all(d);
}

/* The park's check on the case it acts on, made on the derivation the step is written
 * from: the case is addressed to this park at this node. */
typedef struct {
	const yxd_t *d;
	const yx_park_conf_t *park;
} acting_park_t;

static int addressed_to(void *arg, const yx_case_t *c, yx_diag_t *diag)
{
	const acting_park_t *a = arg;
	if (strcmp(c->propose->ev->park_id, a->park->park_id) != 0 ||
	    memcmp(c->destination, a->d->origin, YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_EINVAL, "case %s is not addressed to park %s",
		                   c->propose->ev->case_id, a->park->park_id);
	return YX_OK;
}

int yxd_feed_action_into(yxd_t *d, yx_batch_t *b, const yx_park_conf_t *park,
                         const Yrdx__FeedAction *a, char *case_id, size_t cap, yx_diag_t *diag)
{
	Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
	acting_park_t acting = {d, park};
	char note[YX_CONFIG_NAME_MAX + 2048];
	if (a->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT &&
	    a->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE)
		return yx_diag_set(diag, YX_EINVAL, "a park may only accept or decline");
	snprintf(note, sizeof(note), "by park %s%s%s", park->name, a->note[0] ? ": " : "", a->note);
	q.type = a->type;
	q.case_id = a->case_id;
	q.note = note;
	return yxd_author_relay_into(d, b, &q, addressed_to, &acting, case_id, cap, diag);
}

/* The park acts on a case addressed to it: the node writes the step as the destination
 * city, noting the park. The case is derived once, by the step (author.c). */
static void on_action(yxd_t *d, zframe_t *rid, const yx_park_conf_t *park,
                      const Yrdx__FeedAction *a)
{
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedResult res = YRDX__FEED_RESULT__INIT;
	yx_diag_t diag = {{0}};
	yx_batch_t *b = NULL;
	yx_head_t head;
	char case_id[96];
	int ret = yxd_writer_begin(d, &b, &diag);
	if (ret == YX_OK &&
	    (ret = yxd_feed_action_into(d, b, park, a, case_id, sizeof(case_id), &diag)) != YX_OK)
		yx_batch_abort(&b);
	else if (ret == YX_OK && (ret = yxd_writer_commit(d, &b, &head, &diag)) == YX_OK)
		yx_log_info("relay case %s: park %s wrote its step", case_id, park->name);
	res.case_id = a->case_id;
	res.error = ret;
	res.message = ret ? (diag.msg[0] ? diag.msg : (char *)yx_strerror(ret)) : "ok";
	m.msg_case = YRDX__FEED_MESSAGE__MSG_RESULT;
	m.result = &res;
	send_feed(d, rid, &m);
}

/* Whether s's connection is still there: a ROUTER drops a connection's queue when it
 * closes, and with ROUTER_MANDATORY a send to it then fails with EHOSTUNREACH. The probe
 * is an empty batch, which a park's yrdx-feed takes as nothing new. */
static bool sub_reachable(yxd_t *d, feed_sub_t *s)
{
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedBatch b = YRDX__FEED_BATCH__INIT;
	m.msg_case = YRDX__FEED_MESSAGE__MSG_BATCH;
	m.batch = &b;
	return send_feed(d, s->routing_id, &m) != -EHOSTUNREACH;
}

static void sub_remove(yxd_feed_t *f, size_t i)
{
	zframe_destroy(&f->subs[i].routing_id);
	f->subs[i] = f->subs[--f->n_subs];
}

/* Ends the subscription of a park connection whose key the trust store no longer holds.
 * The connection stays open underneath (a ROUTER cannot close one), but nothing more is
 * sent on it and what it sends is dropped; yrdx-feed, idle, connects anew and its
 * handshake is refused. */
static void untrust(yxd_t *d, size_t i, const char *why)
{
	feed_sub_t *s = &d->feed->subs[i];
	yx_log_warn("park %s: %s; its feed connection is no longer served", s->park, why);
	sub_remove(d->feed, i);
}

void yxd_feed_trust_changed(yxd_t *d)
{
	for (size_t i = 0; d->feed && i < d->feed->n_subs;) {
		feed_sub_t *s = &d->feed->subs[i];
		if (!yx_config_park_by_name(d->cfg, s->park))
			untrust(d, i, "removed from the trust store");
		else if (!trusted_park(d, s->park, s->key))
			untrust(d, i, "its key changed in the trust store");
		else
			i++;
	}
}

/* Room for one more connection of park: at most feed_connections_max per park key, so
 * many connections of one park cost what those do. Subscriptions whose connection is
 * gone (yrdx-feed connects anew when idle) are dropped first. */
static bool connection_room(yxd_t *d, const char *park)
{
	yxd_feed_t *f = d->feed;
	size_t held = 0;
	for (size_t i = 0; i < f->n_subs;) {
		if (strcmp(f->subs[i].park, park) != 0) {
			i++;
		} else if (!sub_reachable(d, &f->subs[i])) {
			sub_remove(f, i);
		} else {
			held++;
			i++;
		}
	}
	return held < d->cfg->feed_connections_max;
}

static void connection_refused(yxd_t *d, const yx_park_conf_t *park, int64_t now)
{
	yxd_feed_t *f = d->feed;
	d->counters[C_REFUSED_FEED_CONNECTIONS]++;
	yxd_refusals_add(&d->refusals, zclock_time(), C_REFUSED_FEED_CONNECTIONS, park->name, NULL,
	                 "a feed connection over sync/feed_connections_max");
	f->refused_since++;
	if (f->refused_log_ms && now - f->refused_log_ms < LOG_EVERY_MS)
		return;
	yx_log_warn("park %s (%s): a new feed connection while it holds %u whose connections "
	            "are open (sync/feed_connections_max): refused (%llu in the last %d s)",
	            park->name, park->park_id, d->cfg->feed_connections_max,
	            (unsigned long long)f->refused_since, LOG_EVERY_MS / 1000);
	f->refused_log_ms = now;
	f->refused_since = 0;
}

/* A SUBSCRIBE: the connection's one subscription, made or replaced. Nothing is read
 * from the store here; the pump at the end of this input does it once, however many
 * SUBSCRIBEs came. */
static void on_subscribe(yxd_t *d, zframe_t *rid, feed_sub_t *s, const yx_park_conf_t *park,
                         const char *key, const Yrdx__FeedSubscribe *sub, int64_t now)
{
	yxd_feed_t *f = d->feed;
	if (!s) {
		if (!connection_room(d, park->name)) {
			connection_refused(d, park, now);
			return;
		}
		feed_sub_t *grown = realloc(f->subs, (f->n_subs + 1) * sizeof(*grown));
		if (!grown)
			return;
		f->subs = grown;
		s = &f->subs[f->n_subs++];
		memset(s, 0, sizeof(*s));
		s->routing_id = zframe_dup(rid);
		yx_log_info("park %s (%s) subscribed from cursor %llu", park->name, park->park_id,
		            (unsigned long long)sub->after);
	}
	snprintf(s->park, sizeof(s->park), "%s", park->name);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->cursor = sub->after;
	s->credit = sub->credit < d->cfg->feed_credit_max ? sub->credit : d->cfg->feed_credit_max;
	s->last_rx_ms = now;
	s->due = true;
}

static void note_seen(yxd_feed_t *f, const char *park, int64_t now)
{
	for (size_t i = 0; i < f->n_seen; i++)
		if (strcmp(f->seen[i].park, park) == 0) {
			f->seen[i].ms = now;
			return;
		}
	feed_seen_t *grown = realloc(f->seen, (f->n_seen + 1) * sizeof(*grown));
	if (!grown)
		return; /* status then says "not since this start": nothing else depends on it */
	f->seen = grown;
	snprintf(f->seen[f->n_seen].park, sizeof(f->seen[0].park), "%s", park);
	f->seen[f->n_seen++].ms = now;
}

static int64_t seen_ms(const yxd_feed_t *f, const char *park)
{
	for (size_t i = 0; f && i < f->n_seen; i++)
		if (strcmp(f->seen[i].park, park) == 0)
			return f->seen[i].ms;
	return 0;
}

void yxd_feed_handle(yxd_t *d)
{
	for (int budget = 0; budget < 64; budget++) {
		zframe_t *rid = NULL, *frame = NULL;
		if (yx_wire_recv(d->feed->sock, &rid, &frame) != YX_OK) {
			if (!rid && !frame)
				break;
			continue;
		}
		const char *name = zframe_meta(frame, "User-Id");
		const char *key = zframe_meta(frame, "X-Key");
		const yx_park_conf_t *park = trusted_park(d, name, key);
		Yrdx__FeedMessage *m = NULL;
		feed_sub_t *s = sub_find(d, rid);
		int64_t now = zclock_mono();
		if (!park) { /* removed from the trust store, or its key replaced, since */
			if (s)
				untrust(d, (size_t)(s - d->feed->subs), "no longer trusted");
			goto next;
		}
		if (!(m = yrdx__feed_message__unpack(NULL, zframe_size(frame), zframe_data(frame))))
			goto next;
		note_seen(d->feed, park->name, now);
		if (s) { /* it reads (it answered a probe, at least): what it is owed goes on */
			s->last_rx_ms = now;
			s->silent = false;
			s->due = true;
		}
		if (m->msg_case == YRDX__FEED_MESSAGE__MSG_SUBSCRIBE) {
			on_subscribe(d, rid, s, park, key, m->subscribe, now);
		} else if (m->msg_case == YRDX__FEED_MESSAGE__MSG_ACK && s) {
			/* At most feed_credit_max in flight, whatever it returns. */
			uint64_t credit = (uint64_t)s->credit + m->ack->credit;
			s->credit = credit < d->cfg->feed_credit_max ? (uint32_t)credit
			                                             : d->cfg->feed_credit_max;
			s->due = true;
		} else if (m->msg_case == YRDX__FEED_MESSAGE__MSG_ACTION) {
			on_action(d, rid, park, m->action);
		}
	next:
		if (m)
			yrdx__feed_message__free_unpacked(m, NULL);
		zframe_destroy(&rid);
		zframe_destroy(&frame);
		yx_arena_reset(&d->scratch); /* what a park's step read */
	}
	for (size_t i = 0; i < d->feed->n_subs; i++)
		if (d->feed->subs[i].due)
			pump(d, &d->feed->subs[i]);
}

void yxd_feed_tick(yxd_t *d, int64_t now)
{
	for (size_t i = 0; d->feed && i < d->feed->n_subs;) {
		feed_sub_t *s = &d->feed->subs[i];
		if (now - s->last_rx_ms > (int64_t)d->cfg->dead_after_ms * 2) {
			if (!sub_reachable(d, s)) {
				sub_remove(d->feed, i);
				continue;
			}
			/* Silent, but its connection is open: it keeps its place among its
			 * park's connections (what its queue holds stays until it closes) and
			 * its credit, and is sent nothing until it is heard from again — an
			 * answer to this probe will do, and it answers once it reads. */
			s->silent = true;
			s->last_rx_ms = now;
		}
		pump(d, s);
		i++;
	}
}

typedef struct {
	yxd_t *d;
	const yx_park_conf_t *park;
	uint64_t count;
} behind_t;

static int count_visible(void *arg, const yx_arrival_t *a)
{
	behind_t *b = arg;
	if (visible(b->d, b->park, a->change))
		b->count++;
	return 0;
}

bool yxd_feed_cursor(const yxd_t *d, const char *park, uint64_t *cursor)
{
	bool connected = false;
	*cursor = 0;
	for (size_t k = 0; d->feed && k < d->feed->n_subs; k++)
		if (strcmp(d->feed->subs[k].park, park) == 0) {
			connected = true;
			*cursor = d->feed->subs[k].cursor;
		}
	return connected;
}

uint64_t yxd_feed_behind(yxd_t *d, const yx_park_conf_t *park, uint64_t cursor)
{
	behind_t b = {d, park, 0};
	yx_store_arrivals(d->store, cursor, count_visible, &b);
	return b.count;
}

void yxd_feed_status(yxd_t *d, Yrdx__StatusReply *r)
{
	r->feeds = calloc(d->cfg->n_parks ? d->cfg->n_parks : 1, sizeof(*r->feeds));
	if (!r->feeds)
		return;
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		const yx_park_conf_t *park = &d->cfg->parks[i];
		Yrdx__FeedStatus *f = calloc(1, sizeof(*f));
		if (!f)
			break;
		yrdx__feed_status__init(f);
		f->park = (char *)park->name;
		f->park_id = (char *)park->park_id;
		f->connected = yxd_feed_cursor(d, park->name, &f->cursor);
		f->last_seen_ms = yxd_wall_ms(seen_ms(d->feed, park->name));
		f->behind = yxd_feed_behind(d, park, f->cursor);
		r->feeds[r->n_feeds++] = f;
	}
}

void yxd_feed_status_free(Yrdx__StatusReply *r)
{
	for (size_t i = 0; i < r->n_feeds; i++)
		free(r->feeds[i]);
	free(r->feeds);
	r->feeds = NULL;
	r->n_feeds = 0;
}
