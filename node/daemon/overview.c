/* overview: the console's and /metrics' figures — the costly ones cached, the live ones
 * read at each request (overview.h says which and why). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "grow.h"
#include "log.h"
#include "overview.h"

int yxd_overview_start(yxd_t *d)
{
	d->overview = calloc(1, sizeof(*d->overview));
	if (!d->overview)
		return -ENOMEM;
	d->overview->due = true;
	return YX_OK;
}

static void figures_free(yxd_overview_t *o)
{
	yx_stats_free(&o->stats);
	yx_relay_report_free(&o->relay);
	free(o->feeds);
	o->feeds = NULL;
	o->n_feeds = 0;
}

void yxd_overview_stop(yxd_t *d)
{
	if (!d->overview)
		return;
	figures_free(d->overview);
	free(d->overview);
	d->overview = NULL;
}

void yxd_overview_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)origins;
	(void)n;
	if (d->overview)
		d->overview->due = true;
}

/* ---- the costly part ---------------------------------------------------------------- */

static uint32_t key_city(const yx_names_t *names, const uint8_t key[YX_KEY_BYTES])
{
	yx_node_name_t nn;
	yx_names_lookup(names, key, &nn);
	return nn.city;
}

/* Keeps c among the YXD_RECENT_CASES latest by time, newest first. */
static void recent_note(yxd_overview_t *o, const yxd_case_row_t *c)
{
	size_t at = o->n_recent;
	while (at > 0 && o->recent[at - 1].time_ms < c->time_ms)
		at--;
	if (at >= YXD_RECENT_CASES)
		return;
	size_t keep = o->n_recent < YXD_RECENT_CASES ? o->n_recent : YXD_RECENT_CASES - 1;
	memmove(&o->recent[at + 1], &o->recent[at], (keep - at) * sizeof(*c));
	o->recent[at] = *c;
	if (o->n_recent < YXD_RECENT_CASES)
		o->n_recent++;
}

/* The name of the record (kind, id) of origin, "" if this node does not hold its body. */
static void record_name(yxd_t *d, yx_kind_t kind, const uint8_t origin[YX_KEY_BYTES],
                        const char *id, char *out, size_t cap)
{
	Yrdx__Change *c = NULL;
	const char *name = NULL;
	out[0] = '\0';
	if (!id || !id[0] || yx_store_get(d->store, kind, origin, id, &c) != YX_OK)
		return;
	if (kind == YX_KIND_ENTERPRISE && c->body_case == YRDX__CHANGE__BODY_ENTERPRISE)
		name = c->enterprise->name;
	else if (kind == YX_KIND_PARK && c->body_case == YRDX__CHANGE__BODY_PARK)
		name = c->park->name;
	snprintf(out, cap, "%s", name ? name : "");
	yx_change_free(&c);
}

static uint32_t names_city(void *arg, const uint8_t key[YX_KEY_BYTES])
{
	return key_city(arg, key);
}

typedef struct {
	yxd_overview_t *o;
	const yx_names_t *names;
} recent_t;

/* One case as yx_report_relay_each counts it: kept if it is among the latest. */
static int note_case(void *arg, const char *id, const yx_case_t *c)
{
	yxd_case_row_t row = {0};
	yxd_overview_t *o = ((recent_t *)arg)->o;
	const yx_names_t *names = ((recent_t *)arg)->names;
	row.state = c->state;
	row.from_city = key_city(names, c->source);
	row.to_city = key_city(names, c->destination);
	row.time_ms = c->propose->time_ms;
	memcpy(row.proposer, c->propose->origin, YX_KEY_BYTES);
	snprintf(row.case_id, sizeof(row.case_id), "%s", id);
	snprintf(row.credit_code, sizeof(row.credit_code), "%s",
	         c->propose->ev->credit_code ? c->propose->ev->credit_code : "");
	snprintf(row.park_id, sizeof(row.park_id), "%s",
	         c->propose->ev->park_id ? c->propose->ev->park_id : "");
	recent_note(o, &row);
	return 0;
}

/* Every relay case derived once, counted by its cities and state (report.h), the latest
 * kept for the list; then the names of those few, a point lookup each. */
static int relay_figures(yxd_t *d, const yx_names_t *names, const yx_key_city_t *cities,
                         yxd_overview_t *o)
{
	recent_t arg = {o, names};
	int ret = yx_report_relay_each(d->store, cities, note_case, &arg, &o->relay);
	if (ret)
		return ret;
	for (size_t i = 0; i < o->n_recent; i++)
		record_name(d, YX_KIND_ENTERPRISE, o->recent[i].proposer, o->recent[i].credit_code,
		            o->recent[i].enterprise, sizeof(o->recent[i].enterprise));
	return YX_OK;
}

/* Each configured park's backlog from its cursor now, and its name in this city's
 * registry. */
static int feed_figures(yxd_t *d, yxd_overview_t *o)
{
	o->feeds = calloc(d->cfg->n_parks ? d->cfg->n_parks : 1, sizeof(*o->feeds));
	if (!o->feeds)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		const yx_park_conf_t *park = &d->cfg->parks[i];
		yxd_feed_count_t *f = &o->feeds[o->n_feeds++];
		snprintf(f->park, sizeof(f->park), "%s", park->name);
		yxd_feed_cursor(d, park->name, &f->cursor);
		f->behind = yxd_feed_behind(d, park, f->cursor);
		record_name(d, YX_KIND_PARK, d->origin, park->park_id, f->name, sizeof(f->name));
	}
	return YX_OK;
}

/* Whether a park's cursor moved since its backlog was counted (or the parks changed). */
static bool cursors_moved(yxd_t *d, const yxd_overview_t *o)
{
	if (o->n_feeds != d->cfg->n_parks)
		return true;
	for (size_t i = 0; i < o->n_feeds; i++) {
		uint64_t cursor;
		yxd_feed_cursor(d, d->cfg->parks[i].name, &cursor);
		if (strcmp(o->feeds[i].park, d->cfg->parks[i].name) != 0 ||
		    cursor != o->feeds[i].cursor)
			return true;
	}
	return false;
}

/* Makes the cached figures again if they are due and the last making is far enough
 * behind. A failure keeps the figures before (and says so once in the log). */
static void refresh(yxd_t *d, const yx_names_t *names, int64_t now_ms)
{
	yxd_overview_t *o = d->overview;
	if (o->made_ms && (now_ms < o->next_ms || (!o->due && !cursors_moved(d, o))))
		return;
	int64_t t0 = zclock_usecs();
	yxd_overview_t fresh = {0};
	yx_key_city_t cities = {names_city, (void *)names};
	int ret = yx_stats_collect(d->store, 0, &cities, &fresh.stats);
	if (ret == YX_OK)
		ret = relay_figures(d, names, &cities, &fresh);
	if (ret == YX_OK)
		ret = feed_figures(d, &fresh);
	int64_t cost = zclock_usecs() - t0;
	o->due = false;
	o->cost_us = cost;
	o->next_ms = now_ms + (YXD_OVERVIEW_REFRESH_MS > cost / 1000 * YXD_OVERVIEW_COST_SHARE
	                               ? YXD_OVERVIEW_REFRESH_MS
	                               : cost / 1000 * YXD_OVERVIEW_COST_SHARE);
	if (ret) {
		if (!o->err)
			yx_log_warn(
			        "console: the figures could not be made (%s); the ones of before "
			        "are shown",
			        yx_strerror(ret));
		o->err = ret;
		figures_free(&fresh);
		if (!o->made_ms)
			o->made_ms =
			        now_ms; /* nothing to show but the error: not at every request */
		return;
	}
	figures_free(o);
	fresh.due = false;
	fresh.made_ms = now_ms;
	fresh.cost_us = cost;
	fresh.next_ms = o->next_ms;
	fresh.made = o->made + 1;
	*o = fresh;
}

/* ---- the live part ------------------------------------------------------------------ */

static yxd_origin_row_t *origin_row(yxd_view_t *v, const uint8_t origin[YX_KEY_BYTES])
{
	for (size_t i = 0; i < v->n_origins; i++)
		if (memcmp(v->origins[i].origin, origin, YX_KEY_BYTES) == 0)
			return &v->origins[i];
	return NULL;
}

static int origin_add(yxd_view_t *v, size_t *cap, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	if (yx_grow(v->origins, *cap, v->n_origins + 1, 64))
		return -ENOMEM;
	yxd_origin_row_t *o = &v->origins[v->n_origins++];
	yx_node_name_t nn;
	memset(o, 0, sizeof(*o));
	memcpy(o->origin, origin, YX_KEY_BYTES);
	o->seq = seq;
	yx_names_lookup(v->names, origin, &nn);
	o->city = nn.city;
	o->member = nn.member;
	o->self = nn.self;
	yx_names_label(v->names, origin, YX_NAME_SHORT, o->label, sizeof(o->label));
	return YX_OK;
}

static int label_compare(const void *a, const void *b)
{
	const yxd_origin_row_t *x = a, *y = b;
	if (x->city != y->city)
		return x->city < y->city ? -1 : 1;
	return strcmp(x->label, y->label);
}

/* Every origin held, and every active member held nothing of, with the most the peers
 * claim of each. */
static int origins_make(yxd_t *d, yxd_view_t *v)
{
	yx_vector_t vec = {0};
	size_t cap = 0;
	int ret = yx_store_vector(d->store, &vec);
	if (ret)
		return ret;
	for (size_t i = 0; i < vec.n && ret == YX_OK; i++)
		ret = origin_add(v, &cap, vec.tips[i].origin, vec.tips[i].seq);
	yx_vector_free(&vec);
	for (size_t i = 0; v->charter && i < v->charter->n_members && ret == YX_OK; i++) {
		const yx_member_t *m = &v->charter->members[i];
		if (!m->revoked && !origin_row(v, m->origin))
			ret = origin_add(v, &cap, m->origin, 0);
	}
	if (ret)
		return ret;
	for (size_t i = 0; i < v->status.n_peers; i++) {
		const Yrdx__VersionVector *tips = v->status.peers[i]->tips;
		for (size_t k = 0; tips && k < tips->n_entries; k++) {
			const Yrdx__VectorEntry *e = tips->entries[k];
			yxd_origin_row_t *o = e->origin.len == YX_KEY_BYTES
			                              ? origin_row(v, e->origin.data)
			                              : NULL;
			if (o && e->seq > o->claimed)
				o->claimed = e->seq; /* an origin only claimed is not pulled: not
				                        shown */
		}
	}
	if (v->n_origins)
		qsort(v->origins, v->n_origins, sizeof(*v->origins), label_compare);
	return YX_OK;
}

static int peers_make(yxd_t *d, yxd_view_t *v)
{
	(void)d;
	v->peers = calloc(v->status.n_peers ? v->status.n_peers : 1, sizeof(*v->peers));
	if (!v->peers)
		return -ENOMEM;
	for (size_t i = 0; i < v->status.n_peers; i++) {
		const Yrdx__PeerStatus *p = v->status.peers[i];
		yxd_peer_row_t *r = &v->peers[v->n_peers++];
		r->status = p;
		if (p->key.len == YX_KEY_BYTES) {
			yx_names_label(v->names, p->key.data, YX_NAME_SHORT, r->label,
			               sizeof(r->label));
			r->city = key_city(v->names, p->key.data);
		} else {
			snprintf(r->label, sizeof(r->label), "%s", p->name);
		}
		for (size_t k = 0; p->tips && k < p->tips->n_entries; k++) {
			const Yrdx__VectorEntry *e = p->tips->entries[k];
			const yxd_origin_row_t *o = e->origin.len == YX_KEY_BYTES
			                                    ? origin_row(v, e->origin.data)
			                                    : NULL;
			if (o && e->seq > o->seq)
				r->behind += e->seq - o->seq;
		}
	}
	return YX_OK;
}

static int feeds_make(yxd_t *d, yxd_view_t *v)
{
	size_t n = d->cfg->n_parks ? d->cfg->n_parks : 1;
	v->feed_connected = calloc(n, sizeof(*v->feed_connected));
	v->feed_cursor = calloc(n, sizeof(*v->feed_cursor));
	v->feed_count = calloc(n, sizeof(*v->feed_count));
	if (!v->feed_connected || !v->feed_cursor || !v->feed_count)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		const char *park = d->cfg->parks[i].name;
		v->feed_connected[i] = yxd_feed_cursor(d, park, &v->feed_cursor[i]);
		for (size_t k = 0; k < v->cached->n_feeds; k++)
			if (strcmp(v->cached->feeds[k].park, park) == 0)
				v->feed_count[i] = &v->cached->feeds[k];
	}
	return YX_OK;
}

int yxd_view_make(yxd_t *d, int64_t now_ms, yxd_view_t *v)
{
	memset(v, 0, sizeof(*v));
	yrdx__status_reply__init(&v->status);
	v->now_ms = now_ms;
	v->charter = yxd_charter_current(d);
	int ret = yx_names_new(v->charter, d->cfg, d->origin, &v->names);
	if (ret)
		goto out;
	refresh(d, v->names, now_ms);
	v->cached = d->overview;
	for (size_t i = 0; i < v->cached->stats.n; i++)
		if (v->cached->stats.cities[i].city == 310000)
			v->shanghai = &v->cached->stats.cities[i];
	yxd_clients_status(d, &v->status);
	if ((ret = origins_make(d, v)) || (ret = peers_make(d, v)) || (ret = feeds_make(d, v)))
		goto out;
	yx_store_usage(d->store, &v->store_bytes, &v->map_bytes);
out:
	if (ret)
		yxd_view_free(v);
	return ret;
}

void yxd_view_free(yxd_view_t *v)
{
	yxd_clients_status_free(&v->status);
	yx_names_free(&v->names);
	free(v->origins);
	free(v->peers);
	free(v->feed_connected);
	free(v->feed_cursor);
	free(v->feed_count);
	memset(v, 0, sizeof(*v));
}
