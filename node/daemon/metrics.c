/* metrics: the node's figures as Prometheus text (exposition format 0.0.4) for /metrics
 * — the counters, the per-origin tips and lag, the peers, relay cases by state and city
 * pair, the park feeds' cursors, the plan's figures beside Shanghai's 2025 targets, and
 * the refusals by reason: what the console (console.c) shows, from the same view
 * (overview.h). Every family has its HELP and TYPE lines; every label value that is not
 * a number of ours is escaped (a member's name is a member's choice). */
#include <inttypes.h>
#include <string.h>

#include "http.h"
#include "terms.h"

/* The HELP and TYPE lines of a family. */
static void family(yxd_page_t *p, const char *name, const char *type, const char *help)
{
	yxd_page_add(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The labels of a node: its key in full, its name and city ("" where not known). */
static void node_labels(yxd_page_t *p, const char *key_label, const uint8_t key[32],
                        const yx_names_t *names)
{
	yx_node_name_t nn;
	yx_names_lookup(names, key, &nn);
	yxd_page_add(p, "%s=\"", key_label);
	yxd_page_key(p, key);
	yxd_page_add(p, "\",name=\"");
	yxd_page_label(p, nn.name);
	yxd_page_add(p, "\",city=\"%" PRIu32 "\"", nn.city);
}

static void counters(yxd_t *d, yxd_page_t *p)
{
	char name[96];
	for (int i = 0; i < C_COUNT; i++) {
		snprintf(name, sizeof(name), "yrdx_%s_total", yxd_counter_name((yxd_counter_t)i));
		family(p, name, "counter", yxd_counter_help((yxd_counter_t)i));
		yxd_page_add(p, "%s %" PRIu64 "\n", name, d->counters[i]);
	}
	family(p, "yrdx_refusals_total", "counter",
	       "Refusals by reason (the counter's name) and kind: bad_data, unknown_origin, "
	       "handshake, limit.");
	for (int i = 0; i < C_COUNT; i++) {
		yxd_refusal_kind_t k = yxd_counter_refusal((yxd_counter_t)i);
		if (k != YXD_REFUSAL_NONE)
			yxd_page_add(p,
			             "yrdx_refusals_total{reason=\"%s\",kind=\"%s\"} %" PRIu64 "\n",
			             yxd_counter_name((yxd_counter_t)i), yxd_refusal_kind_name(k),
			             d->counters[i]);
	}
}

static void node(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	family(p, "yrdx_node_info", "gauge", "This node: its key, name and city (value 1).");
	yxd_page_add(p, "yrdx_node_info{");
	node_labels(p, "key", d->origin, v->names);
	yxd_page_add(p, "} 1\n");
	family(p, "yrdx_charter_version", "gauge",
	       "The charter (联盟章程) version this node follows; 0: none installed.");
	yxd_page_add(p, "yrdx_charter_version %" PRIu32 "\n", v->charter ? v->charter->version : 0);
	family(p, "yrdx_store_bytes", "gauge", "Bytes of the store's map in use.");
	yxd_page_add(p, "yrdx_store_bytes %" PRIu64 "\n", v->store_bytes);
	family(p, "yrdx_store_map_bytes", "gauge", "Size of the store's map.");
	yxd_page_add(p, "yrdx_store_map_bytes %" PRIu64 "\n", v->map_bytes);
}

static void origins(const yxd_view_t *v, yxd_page_t *p)
{
	family(p, "yrdx_origin_seq", "gauge",
	       "Each origin's log tip held here (members held nothing of: 0).");
	for (size_t i = 0; i < v->n_origins; i++) {
		yxd_page_add(p, "yrdx_origin_seq{");
		node_labels(p, "origin", v->origins[i].origin, v->names);
		yxd_page_add(p, "} %" PRIu64 "\n", v->origins[i].seq);
	}
	family(p, "yrdx_origin_lag", "gauge",
	       "Records of each origin a peer holds and this node does not yet.");
	for (size_t i = 0; i < v->n_origins; i++) {
		yxd_page_add(p, "yrdx_origin_lag{");
		node_labels(p, "origin", v->origins[i].origin, v->names);
		yxd_page_add(p, "} %" PRIu64 "\n", yxd_origin_lag(&v->origins[i]));
	}
}

/* A peer's family: the label is the name this node's config or charter gives it. */
static void peer_family(const yxd_view_t *v, yxd_page_t *p, const char *name, const char *type,
                        const char *help, uint64_t (*value)(const yxd_peer_row_t *r))
{
	family(p, name, type, help);
	for (size_t i = 0; i < v->n_peers; i++) {
		yxd_page_add(p, "%s{peer=\"", name);
		yxd_page_label(p, v->peers[i].status->name);
		yxd_page_add(p, "\"} %" PRIu64 "\n", value(&v->peers[i]));
	}
}

static uint64_t peer_up(const yxd_peer_row_t *r)
{
	return r->status->connected;
}

static uint64_t peer_behind(const yxd_peer_row_t *r)
{
	return r->behind;
}

static uint64_t peer_bytes_in(const yxd_peer_row_t *r)
{
	return r->status->bytes_in;
}

static uint64_t peer_bytes_out(const yxd_peer_row_t *r)
{
	return r->status->bytes_out;
}

static uint64_t peer_rejected(const yxd_peer_row_t *r)
{
	return r->status->rejected;
}

static void peers(const yxd_view_t *v, yxd_page_t *p)
{
	size_t up = 0;
	for (size_t i = 0; i < v->n_peers; i++)
		up += v->peers[i].status->connected;
	family(p, "yrdx_peers", "gauge",
	       "Pull connections (configured peers and members "
	       "pulled from in return).");
	yxd_page_add(p, "yrdx_peers %zu\n", v->n_peers);
	family(p, "yrdx_peers_up", "gauge", "Pull connections up now.");
	yxd_page_add(p, "yrdx_peers_up %zu\n", up);
	peer_family(v, p, "yrdx_peer_connected", "gauge",
	            "1 while the pull connection to that peer is up.", peer_up);
	peer_family(v, p, "yrdx_peer_behind", "gauge",
	            "Records that peer claims and this node does not hold, over every origin.",
	            peer_behind);
	peer_family(v, p, "yrdx_peer_bytes_in_total", "counter", "Bytes received from that peer.",
	            peer_bytes_in);
	peer_family(v, p, "yrdx_peer_bytes_out_total", "counter", "Bytes sent to that peer.",
	            peer_bytes_out);
	peer_family(v, p, "yrdx_peer_rejected_total", "counter", "Segments from that peer refused.",
	            peer_rejected);
}

static void relay(const yxd_view_t *v, yxd_page_t *p)
{
	const yxd_overview_t *o = v->cached;
	family(p, "yrdx_relay_cases", "gauge", "Relay-incubation cases (接力孵化) held, by state.");
	for (int s = 0; s < YX_CASE_STATES; s++)
		yxd_page_add(p, "yrdx_relay_cases{state=\"%s\"} %" PRIu64 "\n",
		             yx_case_state_name((yx_case_state_t)s), o->relay.by_state[s]);
	family(p, "yrdx_relay_pair_cases", "gauge",
	       "Relay cases by the proposing city, the destination city (GB/T 2260; 0: not "
	       "known) and state.");
	for (size_t i = 0; i < o->relay.n; i++)
		for (int s = 0; s < YX_CASE_STATES; s++)
			if (o->relay.v[i].by_state[s])
				yxd_page_add(p,
				             "yrdx_relay_pair_cases{from_city=\"%" PRIu32
				             "\",to_city=\"%" PRIu32 "\",state=\"%s\"} %" PRIu64
				             "\n",
				             o->relay.v[i].from_city, o->relay.v[i].to_city,
				             yx_case_state_name((yx_case_state_t)s),
				             o->relay.v[i].by_state[s]);
}

/* A feed's labels: the park's name under parks and its registry id. */
static void feed_labels(yxd_page_t *p, const char *name, const yx_park_conf_t *park)
{
	yxd_page_add(p, "%s{park=\"", name);
	yxd_page_label(p, park->name);
	yxd_page_add(p, "\",park_id=\"");
	yxd_page_label(p, park->park_id);
	yxd_page_add(p, "\"}");
}

static void feeds(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	family(p, "yrdx_feed_connected", "gauge",
	       "1 while a yrdx-feed of that park is subscribed.");
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		feed_labels(p, "yrdx_feed_connected", &d->cfg->parks[i]);
		yxd_page_add(p, " %d\n", v->feed_connected[i] ? 1 : 0);
	}
	family(p, "yrdx_feed_cursor", "gauge",
	       "The park feed's cursor: arrivals up to here were sent to it (0: none connected).");
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		feed_labels(p, "yrdx_feed_cursor", &d->cfg->parks[i]);
		yxd_page_add(p, " %" PRIu64 "\n", v->feed_cursor[i]);
	}
	family(p, "yrdx_feed_behind", "gauge",
	       "Events for that park past its cursor, as last counted (yrdx_console_age_seconds).");
	for (size_t i = 0; i < d->cfg->n_parks; i++)
		if (v->feed_count[i]) {
			feed_labels(p, "yrdx_feed_behind", &d->cfg->parks[i]);
			yxd_page_add(p, " %" PRIu64 "\n", v->feed_count[i]->behind);
		}
}

static void plan(const yxd_view_t *v, yxd_page_t *p)
{
	const yx_stats_t *st = &v->cached->stats;
	family(p, "yrdx_plan_target_2025", "gauge",
	       "The plan's 2025 targets (《上海市高质量孵化器培育实施方案》, Shanghai's own).");
	for (size_t f = 0; f < YX_PLAN_FIGURES; f++)
		if (yx_plan_figures[f].target)
			yxd_page_add(p, "yrdx_plan_target_2025{figure=\"%s\"} %" PRIu64 "\n",
			             yx_plan_figures[f].name, *yx_plan_figures[f].target);
	family(p, "yrdx_plan_figure", "gauge",
	       "The plan's figures as the store holds them, per city (GB/T 2260) and for the "
	       "federation (city=\"federation\").");
	for (size_t f = 0; f < YX_PLAN_FIGURES; f++) {
		for (size_t c = 0; c < st->n; c++)
			yxd_page_add(p,
			             "yrdx_plan_figure{figure=\"%s\",city=\"%" PRIu32 "\"} %" PRIu64
			             "\n",
			             yx_plan_figures[f].name, st->cities[c].city,
			             yx_plan_figures[f].value(&st->cities[c]));
		yxd_page_add(p, "yrdx_plan_figure{figure=\"%s\",city=\"federation\"} %" PRIu64 "\n",
		             yx_plan_figures[f].name, yx_plan_figures[f].value(&st->federation));
	}
}

static void console(const yxd_view_t *v, yxd_page_t *p)
{
	const yxd_overview_t *o = v->cached;
	family(p, "yrdx_console_age_seconds", "gauge",
	       "Age of the cached figures (plan, relay cases, feed backlogs).");
	yxd_page_add(p, "yrdx_console_age_seconds %.3f\n",
	             o->made_ms ? (double)(v->now_ms - o->made_ms) / 1000 : 0.0);
	family(p, "yrdx_console_cost_seconds", "gauge",
	       "What making the cached figures took the last time (the node's loop waits).");
	yxd_page_add(p, "yrdx_console_cost_seconds %.6f\n", (double)o->cost_us / 1e6);
	family(p, "yrdx_console_refreshes_total", "counter", "Times the cached figures were made.");
	yxd_page_add(p, "yrdx_console_refreshes_total %" PRIu64 "\n", o->made);
}

void yxd_metrics_text(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	counters(d, p);
	node(d, v, p);
	origins(v, p);
	peers(v, p);
	relay(v, p);
	feeds(d, v, p);
	plan(v, p);
	console(v, p);
}
