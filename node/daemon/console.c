/* console: the node's read-only console at / — what an administrator of a city, or a
 * coordinator of the delta, looks at: the member cities and this node's links on a map,
 * each origin's records and lag, relay cases by state and city pair, the park feeds and
 * their cursors, the plan's figures against Shanghai's 2025 targets, and the latest
 * refusals. Server-rendered HTML with inline SVG (console_svg.c), in Chinese with English
 * beside it; no script. Every string that comes from a record, a member, a peer or the
 * config goes through yxd_page_html (page.h). Elements carry data-* attributes with the
 * raw figures, so that a test (or a scraper) reads them without parsing prose. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "terms.h"
#include "validate.h"

/* China Standard Time, which the plan and its administrators count in. */
#define CST_OFFSET_S (8 * 3600)

static const char style[] =
        "body{font-family:'Noto Sans CJK SC','Noto Sans SC',sans-serif;margin:0 24px 24px;"
        "color:#1d2733;background:#f6f7f9;font-size:14px}"
        "header{border-bottom:3px solid #0b5394;padding:8px 0}"
        "h1{font-size:22px;margin:8px 0}h1 small,h2 small{color:#5b6775;font-weight:normal}"
        "h2{font-size:17px;margin:20px 0 8px;color:#0b5394}"
        "section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:8px 14px;"
        "margin-top:14px}"
        ".cols{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}"
        ".cols>*{flex:1 1 480px;min-width:0}#map{flex:0 0 auto}"
        "table{border-collapse:collapse;margin:6px 0}"
        "th,td{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:left;"
        "vertical-align:top}"
        "th{background:#eef1f5;font-weight:600}td.n{text-align:right;"
        "font-variant-numeric:tabular-nums}"
        "code{font-size:11px}.note{color:#5b6775;font-size:12px}.nw{white-space:nowrap}"
        ".ok{color:#1e7d32}.warn{color:#b26a00}.bad{color:#c62828}.none{color:#8a94a0}";

static void when(yxd_page_t *p, int64_t ms)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)(ms / 1000) + CST_OFFSET_S;
	if (!ms) {
		yxd_page_add(p, "—");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	yxd_page_add(p, "<span class=nw>%s</span>", buf);
}

static void city(yxd_page_t *p, uint32_t code)
{
	const char *name = yx_city_name(code);
	if (name)
		yxd_page_add(p, "%s", name);
	else
		yxd_page_add(p, "<span class=none>?</span>");
}

static void header(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	char label[YX_NAME_LABEL_MAX];
	const yxd_overview_t *o = v->cached;
	yx_names_label(v->names, d->origin, YX_NAME_LONG, label, sizeof(label));
	yxd_page_add(p, "<!doctype html><html lang=zh-CN><meta charset=utf-8>"
	                "<meta name=viewport content=\"width=device-width\"><title>yrdx 控制台 · ");
	yxd_page_html(p, label);
	yxd_page_add(p, "</title><style>%s</style><header><h1>", style);
	if (v->charter) {
		yxd_page_html(p, v->charter->federation);
		yxd_page_add(p, " · ");
	}
	yxd_page_add(p, "节点控制台 <small>node console</small></h1><p id=node data-name=\"");
	yxd_page_html(p, d->cfg->name);
	yxd_page_add(p, "\" data-city=\"%" PRIu32 "\">本节点 this node: <b>", d->cfg->city);
	yxd_page_html(p, label);
	yxd_page_add(p, "</b> · 公钥 key <code>");
	yxd_page_key(p, d->origin);
	yxd_page_add(p, "</code> · ");
	if (v->charter)
		yxd_page_add(p,
		             "联盟章程 charter version %" PRIu32 " (签署门槛 threshold %" PRIu32
		             " of %zu)",
		             v->charter->version, v->charter->threshold, v->charter->n_members);
	else
		yxd_page_add(p, "<span class=warn>未安装联盟章程 no charter installed</span>");
	yxd_page_add(p, " · 存储 store %.1f MiB of %.0f MiB</p><p class=note>生成于 generated ",
	             (double)v->store_bytes / 1048576, (double)v->map_bytes / 1048576);
	when(p, yxd_wall_ms(v->now_ms));
	yxd_page_add(p,
	             " (UTC+8). 统计、接力案例与推送积压每次提交后至多每 %d 秒重算一次 — the plan "
	             "figures, relay cases and feed backlogs are cached and made again after a "
	             "commit, at most every %d s (or %d× as long as making them took): these are "
	             "%.1f s old and took %.1f ms. Links, tips and refusals are live.",
	             YXD_OVERVIEW_REFRESH_MS / 1000, YXD_OVERVIEW_REFRESH_MS / 1000,
	             YXD_OVERVIEW_COST_SHARE,
	             o->made_ms ? (double)(v->now_ms - o->made_ms) / 1000 : 0.0,
	             (double)o->cost_us / 1000);
	if (o->err)
		yxd_page_add(p, " <span class=bad>The last attempt failed: %s.</span>",
		             yx_strerror(o->err));
	yxd_page_add(p, "</p></header>");
}

static void peers(const yxd_view_t *v, yxd_page_t *p)
{
	yxd_page_add(p, "<section id=peers><h2>连接 <small>links: this node's pull connections"
	                "</small></h2><table><tr><th>城市 peer<th>状态 state<th>落后 behind"
	                "<th>最近联系 last contact<th>接收 bytes in<th>发送 bytes out"
	                "<th>拒绝 rejected</tr>");
	for (size_t i = 0; i < v->n_peers; i++) {
		const yxd_peer_row_t *r = &v->peers[i];
		bool up = r->status->connected;
		yxd_page_add(p, "<tr class=peer data-peer=\"");
		yxd_page_html(p, r->status->name);
		yxd_page_add(p,
		             "\" data-city=\"%" PRIu32 "\" data-state=\"%s\" data-behind=\"%" PRIu64
		             "\"><td>",
		             r->city, up ? "connected" : "down", r->behind);
		yxd_page_html(p, r->label);
		if (r->status->charter)
			yxd_page_add(p, " <span class=note>(charter)</span>");
		yxd_page_add(p, "<td class=%s>%s<td class=n>%" PRIu64 "<td>",
		             up ? (r->behind ? "warn" : "ok") : "bad",
		             up ? "已连接 connected" : "断开 down", r->behind);
		when(p, r->status->last_contact_ms);
		yxd_page_add(p,
		             "<td class=n>%" PRIu64 "<td class=n>%" PRIu64 "<td class=n>%" PRIu64
		             "</tr>",
		             r->status->bytes_in, r->status->bytes_out, r->status->rejected);
	}
	if (!v->n_peers)
		yxd_page_add(p, "<tr><td colspan=7 class=none>没有连接 no peers</tr>");
	yxd_page_add(p, "</table></section>");
}

static void origins(const yxd_view_t *v, yxd_page_t *p)
{
	yxd_page_add(p, "<section id=origins><h2>各城市记录 <small>records per origin: held here, "
	                "and the most a peer holds</small></h2><table><tr><th>来源 origin"
	                "<th>城市 city<th>本节点 seq<th>对端最高 claimed<th>落后 lag<th>公钥 key"
	                "</tr>");
	for (size_t i = 0; i < v->n_origins; i++) {
		const yxd_origin_row_t *o = &v->origins[i];
		uint64_t lag = yxd_origin_lag(o);
		yxd_page_add(p, "<tr class=origin data-origin=\"");
		yxd_page_key(p, o->origin);
		yxd_page_add(p,
		             "\" data-seq=\"%" PRIu64 "\" data-lag=\"%" PRIu64 "\"><td class=nw>",
		             o->seq, lag);
		yxd_page_html(p, o->label);
		if (o->self)
			yxd_page_add(p, " <span class=note>(本节点 this node)</span>");
		yxd_page_add(p, "<td>");
		city(p, o->city);
		yxd_page_add(p,
		             "<td class=n>%" PRIu64 "<td class=n>%" PRIu64
		             "<td class=\"n %s\">%" PRIu64 "<td><code>",
		             o->seq, o->claimed, lag ? "warn" : "ok", lag);
		yxd_page_key(p, o->origin);
		yxd_page_add(p, "</code></tr>");
	}
	yxd_page_add(p, "</table></section>");
}

static void state_label(yxd_page_t *p, yx_case_state_t s)
{
	yxd_page_add(p, "%s <small>%s</small>", yx_case_state_term(s), yx_case_state_name(s));
}

static void relay(const yxd_view_t *v, yxd_page_t *p)
{
	const yxd_overview_t *o = v->cached;
	yxd_page_add(p,
	             "<section id=relay><h2>接力孵化 <small>relay cases: %" PRIu64
	             "</small></h2><table id=relay-states><tr>",
	             o->relay.total);
	for (int s = 0; s < YX_CASE_STATES; s++) {
		yxd_page_add(p, "<th>");
		state_label(p, (yx_case_state_t)s);
	}
	yxd_page_add(p, "</tr><tr>");
	for (int s = 0; s < YX_CASE_STATES; s++)
		yxd_page_add(p, "<td class=n data-state=\"%s\">%" PRIu64 "",
		             yx_case_state_name((yx_case_state_t)s), o->relay.by_state[s]);
	yxd_page_add(p, "</tr></table><h3>按城市 <small>by city pair (proposing → destination)"
	                "</small></h3><table id=relay-pairs><tr><th>推荐城市 from<th>目的城市 to");
	for (int s = 0; s < YX_CASE_STATES; s++)
		yxd_page_add(p, "<th>%s", yx_case_state_term((yx_case_state_t)s));
	yxd_page_add(p, "<th>合计 total</tr>");
	for (size_t i = 0; i < o->relay.n; i++) {
		const yx_relay_pair_t *r = &o->relay.v[i];
		yxd_page_add(p,
		             "<tr class=pair data-from=\"%" PRIu32 "\" data-to=\"%" PRIu32
		             "\" data-total=\"%" PRIu64 "\"><td>",
		             r->from_city, r->to_city, r->total);
		city(p, r->from_city);
		yxd_page_add(p, "<td>");
		city(p, r->to_city);
		for (int s = 0; s < YX_CASE_STATES; s++)
			yxd_page_add(p, "<td class=n data-state=\"%s\">%" PRIu64,
			             yx_case_state_name((yx_case_state_t)s), r->by_state[s]);
		yxd_page_add(p, "<td class=n>%" PRIu64 "</tr>", r->total);
	}
	if (!o->relay.n)
		yxd_page_add(p, "<tr><td colspan=9 class=none>暂无案例 no cases</tr>");
	yxd_page_add(p,
	             "</table><h3>最新案例 <small>latest cases</small></h3><table id=relay-recent>"
	             "<tr><th>案例 case<th>状态 state<th>企业 enterprise<th>园区 park"
	             "<th>路线 route<th>推荐时间 proposed</tr>");
	for (size_t i = 0; i < o->n_recent; i++) {
		const yxd_case_row_t *c = &o->recent[i];
		yxd_page_add(p, "<tr class=case data-case=\"");
		yxd_page_html(p, c->case_id);
		yxd_page_add(p, "\" data-state=\"%s\"><td><code>", yx_case_state_name(c->state));
		yxd_page_html(p, c->case_id);
		yxd_page_add(p, "</code><td>");
		state_label(p, c->state);
		yxd_page_add(p, "<td class=enterprise>");
		yxd_page_html(p, c->enterprise[0] ? c->enterprise : "");
		yxd_page_add(p, " <code>");
		yxd_page_html(p, c->credit_code);
		yxd_page_add(p, "</code><td>");
		yxd_page_html(p, c->park_id);
		yxd_page_add(p, "<td>");
		city(p, c->from_city);
		yxd_page_add(p, " → ");
		city(p, c->to_city);
		yxd_page_add(p, "<td>");
		when(p, c->time_ms);
		yxd_page_add(p, "</tr>");
	}
	yxd_page_add(p, "</table></section>");
}

static void feeds(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	yxd_page_add(p, "<section id=feeds><h2>园区推送 <small>park feeds (yrdx-feed) and their "
	                "cursors</small></h2><table><tr><th>园区 park<th>登记名称 registry name"
	                "<th>状态 state<th>游标 cursor<th>待推送 behind</tr>");
	for (size_t i = 0; i < d->cfg->n_parks; i++) {
		const yx_park_conf_t *park = &d->cfg->parks[i];
		const yxd_feed_count_t *c = v->feed_count[i];
		bool up = v->feed_connected[i];
		yxd_page_add(p, "<tr class=feed data-park=\"");
		yxd_page_html(p, park->name);
		yxd_page_add(p, "\" data-state=\"%s\" data-cursor=\"%" PRIu64 "\"><td>",
		             up ? "connected" : "down", v->feed_cursor[i]);
		yxd_page_html(p, park->name);
		yxd_page_add(p, " <code>");
		yxd_page_html(p, park->park_id);
		yxd_page_add(p, "</code><td class=park-name>");
		yxd_page_html(p, c ? c->name : "");
		yxd_page_add(p, "<td class=%s>%s<td class=n>%" PRIu64 "<td class=n>",
		             up ? "ok" : "none", up ? "已订阅 subscribed" : "未连接 not connected",
		             v->feed_cursor[i]);
		if (c && c->cursor == v->feed_cursor[i])
			yxd_page_add(p, "%" PRIu64, c->behind);
		else
			yxd_page_add(p, "<span class=none>counting</span>");
		yxd_page_add(p, "</tr>");
	}
	if (!d->cfg->n_parks)
		yxd_page_add(p,
		             "<tr><td colspan=5 class=none>没有授权园区 no parks authorised</tr>");
	yxd_page_add(p, "</table></section>");
}

static void plan(const yxd_view_t *v, yxd_page_t *p)
{
	yxd_page_add(p,
	             "<section id=plan><h2>实施方案目标 <small>the plan's figures against "
	             "Shanghai's 2025 targets (《上海市高质量孵化器培育实施方案》)</small></h2>");
	yxd_console_bars(v, p);
	yxd_page_add(p, "<p class=note>上海 Shanghai's records as this node holds them; the "
	                "targets are Shanghai's own. 联邦 federation: ");
	for (size_t f = 0; f < YX_PLAN_FIGURES; f++)
		yxd_page_add(p, "%s%s %" PRIu64, f ? ", " : "", yx_plan_figures[f].term,
		             yx_plan_figures[f].value(&v->cached->stats.federation));
	yxd_page_add(p, ".</p></section>");
}

static void refusals(yxd_t *d, yxd_page_t *p)
{
	uint64_t by_kind[YXD_REFUSAL_LIMIT + 1] = {0};
	for (int i = 0; i < C_COUNT; i++)
		by_kind[yxd_counter_refusal((yxd_counter_t)i)] += d->counters[i];
	yxd_page_add(p, "<section id=refusals><h2>最近拒绝 <small>recent refusals</small></h2>"
	                "<p>");
	for (int k = YXD_REFUSAL_BAD_DATA; k <= YXD_REFUSAL_LIMIT; k++)
		yxd_page_add(p, "%s<span data-kind=\"%s\">%s: %" PRIu64 "</span>",
		             k > YXD_REFUSAL_BAD_DATA ? " · " : "",
		             yxd_refusal_kind_name((yxd_refusal_kind_t)k),
		             yxd_refusal_kind_term((yxd_refusal_kind_t)k), by_kind[k]);
	yxd_page_add(p, " <span class=note>(since the node started)</span></p><table><tr>"
	                "<th>时间 time<th>类别 kind<th>原因 reason<th>来自 who"
	                "<th>公钥 key <small>(a handshake's: its CURVE form)</small>"
	                "<th>详情 what<th>次数 times</tr>");
	const yxd_refusal_t *r;
	for (size_t i = 0; (r = yxd_refusals_get(&d->refusals, i)); i++) {
		yxd_refusal_kind_t k = yxd_counter_refusal(r->reason);
		yxd_page_add(p, "<tr class=refusal data-reason=\"%s\" data-kind=\"%s\"><td>",
		             yxd_counter_name(r->reason), yxd_refusal_kind_name(k));
		when(p, r->last_ms);
		yxd_page_add(p, "<td>%s<td>%s <small>%s</small><td>", yxd_refusal_kind_term(k),
		             yxd_counter_term(r->reason), yxd_counter_name(r->reason));
		yxd_page_html(p, r->who);
		yxd_page_add(p, "<td>");
		if (r->has_key) {
			yxd_page_add(p, "<code>");
			yxd_page_key(p, r->key);
			yxd_page_add(p, "</code>");
		}
		yxd_page_add(p, "<td>");
		yxd_page_html(p, r->what);
		yxd_page_add(p, "<td class=n>%" PRIu64 "</tr>", r->count);
	}
	if (!d->refusals.total)
		yxd_page_add(p, "<tr><td colspan=7 class=none>无 none</tr>");
	yxd_page_add(p, "</table></section>");
}

void yxd_console_page(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	header(d, v, p);
	yxd_page_add(p, "<div class=cols><section id=map><h2>成员城市与连接 <small>member cities "
	                "and this node's links</small></h2>");
	yxd_console_map(d, v, p);
	yxd_page_add(p, "</section><div>");
	peers(v, p);
	feeds(d, v, p);
	yxd_page_add(p, "</div></div>");
	origins(v, p);
	yxd_page_add(p, "<div class=cols>");
	relay(v, p);
	plan(v, p);
	yxd_page_add(p, "</div>");
	refusals(d, p);
	yxd_page_add(p, "<p class=note>只读 read-only · <a href=/metrics>Prometheus /metrics</a>"
	                " · yrdx</p></html>\n");
}
