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

typedef struct {
	zframe_t *routing_id;
	char park[33];
	uint64_t cursor; /* arrivals up to here have been considered */
	uint32_t credit;
	int64_t last_rx_ms;
} feed_sub_t;

struct yxd_feed {
	zsock_t *sock;
	feed_sub_t *subs;
	size_t n_subs;
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
	zsock_set_sndhwm(d->feed->sock, 100000);
	zsock_set_router_mandatory(d->feed->sock, 1);
	yxd_socket_limit(d, d->feed->sock, YX_MAX_FEED_REQUEST_BYTES);
	if (yxd_guard_start(d, d->feed->sock, "feed", &d->feed_guard))
		return -EMFILE;
	if (zsock_bind(d->feed->sock, "%s", d->cfg->feed_endpoint) < 0) {
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
	bool to_us =
	        ev->destination_node.len == YX_KEY_BYTES &&
	        memcmp(ev->destination_node.data, yx_identity_public(d->id), YX_KEY_BYTES) == 0;
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
	    yx_store_get(d->store, YX_KIND_PARK, yx_identity_public(d->id), park->park_id, &own) ==
	            YX_OK &&
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
		g->events[g->n++] = e;
		g->credit--;
		g->bytes += a->len + ID_CAP + 32;
	}
	g->cursor = a->n;
	if (g->credit == 0 || g->n == BATCH_MAX)
		return 1;
	/* 256 relay events with full dossiers would pass yrdx-feed's message limit. */
	return g->bytes + YX_MAX_CHANGE_BYTES + 1024 > YX_MAX_WIRE_BYTES ? 1 : 0;
}

/* Sends s what is waiting for it, in batches, while its credit lasts. The cursor moves
 * past a batch only once the batch is queued, and past events it may not see as well. */
static void pump(yxd_t *d, feed_sub_t *s)
{
	const yx_park_conf_t *park = yx_config_park_by_name(d->cfg, s->park);
	yx_arena_t arena;
	if (!park)
		return;
	yx_arena_init(&arena);
	while (s->credit > 0) {
		gather_t g = {d, park, s->credit, s->cursor, &arena, {0}, 0, 0};
		int ret = yx_store_arrivals(d->store, s->cursor, gather, &g);
		if ((ret != YX_OK && ret != 1) || g.err)
			break; /* 1: gather stopped the scan (batch full or credit spent) */
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
	    memcmp(c->destination, yx_identity_public(a->d->id), YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_EINVAL, "case %s is not addressed to park %s",
		                   c->propose->ev->case_id, a->park->park_id);
	return YX_OK;
}

/* The park acts on a case addressed to it: the node writes the step as the destination
 * city, noting the park. The case is derived once, by the step (author.c). */
static void on_action(yxd_t *d, zframe_t *rid, const yx_park_conf_t *park,
                      const Yrdx__FeedAction *a)
{
	Yrdx__FeedMessage m = YRDX__FEED_MESSAGE__INIT;
	Yrdx__FeedResult res = YRDX__FEED_RESULT__INIT;
	Yrdx__RelayRequest q = YRDX__RELAY_REQUEST__INIT;
	acting_park_t acting = {d, park};
	yx_diag_t diag = {{0}};
	yx_head_t head;
	char note[YX_CONFIG_NAME_MAX + 2048], case_id[96];
	int ret;
	res.case_id = a->case_id;
	if (a->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT &&
	    a->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE) {
		ret = yx_diag_set(&diag, YX_EINVAL, "a park may only accept or decline");
	} else {
		snprintf(note, sizeof(note), "by park %s%s%s", park->name, a->note[0] ? ": " : "",
		         a->note);
		q.type = a->type;
		q.case_id = a->case_id;
		q.note = note;
		ret = yxd_author_relay(d, &q, addressed_to, &acting, case_id, sizeof(case_id),
		                       &head, &diag);
	}
	res.error = ret;
	res.message = ret ? (diag.msg[0] ? diag.msg : (char *)yx_strerror(ret)) : "ok";
	m.msg_case = YRDX__FEED_MESSAGE__MSG_RESULT;
	m.result = &res;
	send_feed(d, rid, &m);
}

void yxd_feed_handle(yxd_t *d)
{
	for (int budget = 0; budget < 64; budget++) {
		zframe_t *rid = NULL, *frame = NULL;
		if (yx_wire_recv(d->feed->sock, &rid, &frame) != YX_OK) {
			if (!rid && !frame)
				return;
			continue;
		}
		const char *name = zframe_meta(frame, "User-Id");
		const yx_park_conf_t *park = name ? yx_config_park_by_name(d->cfg, name) : NULL;
		Yrdx__FeedMessage *m =
		        yrdx__feed_message__unpack(NULL, zframe_size(frame), zframe_data(frame));
		feed_sub_t *s = sub_find(d, rid);
		if (!park || !m) /* removed from the trust store since, or garbage */
			goto next;
		if (s)
			s->last_rx_ms = zclock_time();
		if (m->msg_case == YRDX__FEED_MESSAGE__MSG_SUBSCRIBE) {
			if (!s) {
				feed_sub_t *grown = realloc(d->feed->subs,
				                            (d->feed->n_subs + 1) * sizeof(*grown));
				if (!grown)
					goto next;
				d->feed->subs = grown;
				s = &d->feed->subs[d->feed->n_subs++];
				memset(s, 0, sizeof(*s));
				s->routing_id = zframe_dup(rid);
				yx_log_info("park %s (%s) subscribed from cursor %llu", park->name,
				            park->park_id, (unsigned long long)m->subscribe->after);
			}
			snprintf(s->park, sizeof(s->park), "%s", park->name);
			s->cursor = m->subscribe->after;
			s->credit = m->subscribe->credit;
			s->last_rx_ms = zclock_time();
			pump(d, s);
		} else if (m->msg_case == YRDX__FEED_MESSAGE__MSG_ACK && s) {
			s->credit += m->ack->credit;
			pump(d, s);
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
}

void yxd_feed_tick(yxd_t *d, int64_t now)
{
	for (size_t i = 0; d->feed && i < d->feed->n_subs;) {
		if (now - d->feed->subs[i].last_rx_ms > (int64_t)d->cfg->dead_after_ms * 2) {
			zframe_destroy(&d->feed->subs[i].routing_id);
			d->feed->subs[i] = d->feed->subs[--d->feed->n_subs];
			continue;
		}
		pump(d, &d->feed->subs[i]);
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
		for (size_t k = 0; d->feed && k < d->feed->n_subs; k++)
			if (strcmp(d->feed->subs[k].park, park->name) == 0) {
				f->connected = true;
				f->cursor = d->feed->subs[k].cursor;
			}
		behind_t b = {d, park, 0};
		yx_store_arrivals(d->store, f->cursor, count_visible, &b);
		f->behind = b.count;
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
