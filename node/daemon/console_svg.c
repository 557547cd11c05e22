/* console_svg: the console's pictures, drawn on the server as inline SVG — the map of
 * the delta with this node's links, and the plan's figures as bars. */
#include <inttypes.h>
#include <string.h>

#include "http.h"
#include "validate.h"

/* The map: an equirectangular projection of the delta (115.5–122.5°E, 27.8–34.8°N),
 * longitude scaled by the cosine of the middle latitude so that distances look right. */
#define MAP_W     560
#define MAP_H     620
#define MAP_PAD   30
#define LON_WEST  115.5
#define LAT_NORTH 34.8
#define PX_LAT    80.0
#define PX_LON    68.2 /* 80 × cos 31.5° */

/* Colours: links and cities by state. */
#define C_OK   "#2e7d32"
#define C_LAG  "#ef8f00"
#define C_DOWN "#c62828"
#define C_NONE "#9aa4ae"

static bool place(uint32_t code, double *x, double *y)
{
	double lon, lat;
	if (!yx_city_position(code, &lon, &lat))
		return false;
	*x = MAP_PAD + (lon - LON_WEST) * PX_LON;
	*y = MAP_PAD + (LAT_NORTH - lat) * PX_LAT;
	return true;
}

/* The province's tint (GB/T 2260: 31 上海, 32 江苏, 33 浙江, 34 安徽). */
static const char *province_fill(uint32_t code)
{
	switch (code / 10000) {
	case 31: return "#dce9f7";
	case 32: return "#e4f2e1";
	case 33: return "#f6ecd9";
	default: return "#efe2f1";
	}
}

/* The member rows of city: whether any member is of it, and the largest lag among them. */
static bool member_city(const yxd_view_t *v, uint32_t code, uint64_t *lag, bool *self)
{
	bool any = false;
	*lag = 0;
	*self = false;
	for (size_t i = 0; i < v->n_origins; i++) {
		const yxd_origin_row_t *o = &v->origins[i];
		if (o->city != code || (!o->member && !o->self))
			continue;
		any = true;
		*self |= o->self;
		uint64_t l = yxd_origin_lag(o);
		*lag = l > *lag ? l : *lag;
	}
	return any;
}

static void links(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	double x0, y0, x1, y1;
	if (!place(d->cfg->city, &x0, &y0))
		return;
	for (size_t i = 0; i < v->n_peers; i++) {
		const yxd_peer_row_t *r = &v->peers[i];
		if (r->city == d->cfg->city || !place(r->city, &x1, &y1))
			continue; /* a node of our own city, or one whose city is not known */
		bool up = r->status->connected;
		const char *colour = !up ? C_DOWN : r->behind ? C_LAG : C_OK;
		yxd_page_add(p,
		             "<line class=\"link %s\" data-from=\"%" PRIu32 "\" data-to=\"%" PRIu32
		             "\" data-peer=\"",
		             up ? "connected" : "down", d->cfg->city, r->city);
		yxd_page_html(p, r->status->name);
		yxd_page_add(p,
		             "\" data-behind=\"%" PRIu64 "\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		             "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%d\"%s><title>",
		             r->behind, x0, y0, x1, y1, colour, up ? 4 : 3,
		             up ? "" : " stroke-dasharray=\"8 5\"");
		yxd_page_html(p, r->label);
		yxd_page_add(p, ": %s, behind %" PRIu64 "</title></line>",
		             up ? "connected" : "down", r->behind);
	}
}

static void cities(const yxd_view_t *v, yxd_page_t *p)
{
	uint32_t code;
	double x, y;
	/* Every city of the delta, faint; then the members above them. */
	for (size_t i = 0; (code = yx_city_at(i)); i++) {
		uint64_t lag;
		bool self;
		if (!place(code, &x, &y) || member_city(v, code, &lag, &self))
			continue;
		yxd_page_add(p,
		             "<g class=city data-city=\"%" PRIu32
		             "\"><circle cx=\"%.1f\" cy=\"%.1f\" "
		             "r=\"3.5\" fill=\"%s\" stroke=\"" C_NONE "\"/><text x=\"%.1f\" "
		             "y=\"%.1f\" font-size=\"10\" fill=\"#8a94a0\">%s</text></g>",
		             code, x, y, province_fill(code), x + 5, y + 3, yx_city_name(code));
	}
	for (size_t i = 0; (code = yx_city_at(i)); i++) {
		uint64_t lag;
		bool self;
		if (!place(code, &x, &y) || !member_city(v, code, &lag, &self))
			continue;
		yxd_page_add(p,
		             "<g class=\"city member%s\" data-city=\"%" PRIu32
		             "\" data-lag=\"%" PRIu64
		             "\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" "
		             "stroke=\"#1d2733\" stroke-width=\"%d\"/><text x=\"%.1f\" y=\"%.1f\" "
		             "font-size=\"14\" font-weight=\"bold\" fill=\"#1d2733\">%s",
		             self ? " self" : "", code, lag, x, y, self ? 10 : 8,
		             lag ? C_LAG : C_OK, self ? 3 : 1, x + 12, y + 5, yx_city_name(code));
		/* the members' names, smaller */
		for (size_t k = 0; k < v->n_origins; k++)
			if (v->origins[k].city == code &&
			    (v->origins[k].member || v->origins[k].self)) {
				const char *label = v->origins[k].label;
				const char *space =
				        strchr(label, ' '); /* "上海 shanghai": the name */
				yxd_page_add(p, "<tspan font-size=\"11\" font-weight=\"normal\"> ");
				yxd_page_html(p, space ? space + 1 : label);
				yxd_page_add(p, "</tspan>");
			}
		yxd_page_add(p, "</text><title>%s: %s, lag %" PRIu64 "</title></g>",
		             yx_city_name(code), self ? "this node" : "member", lag);
	}
}

static void legend(yxd_page_t *p)
{
	static const struct {
		const char *colour, *text;
	} items[] = {
	        {C_OK, "已连接/无落后 connected, up to date"},
	        {C_LAG, "有落后 records behind"},
	        {C_DOWN, "断开 down"},
	};
	for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
		yxd_page_add(
		        p,
		        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		        "stroke-width=\"4\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
		        MAP_PAD, MAP_H - 60 + (int)i * 16, MAP_PAD + 24, MAP_H - 60 + (int)i * 16,
		        items[i].colour, MAP_PAD + 30, MAP_H - 56 + (int)i * 16, items[i].text);
}

void yxd_console_map(yxd_t *d, const yxd_view_t *v, yxd_page_t *p)
{
	yxd_page_add(p,
	             "<svg id=delta-map xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	             "width=\"%d\" height=\"%d\" role=img aria-label=\"长三角成员城市地图 map of "
	             "the delta's member cities\"><rect width=\"100%%\" height=\"100%%\" "
	             "fill=\"#fbfcfd\"/><text x=\"%d\" y=\"20\" font-size=\"12\" "
	             "fill=\"#5b6775\">长三角 Yangtze River Delta · 41 cities</text>",
	             MAP_W, MAP_H, MAP_W, MAP_H, MAP_PAD);
	links(d, v, p);
	cities(v, p);
	legend(p);
	yxd_page_add(p, "</svg>");
}

#define BAR_W     560
#define BAR_LEFT  150
#define BAR_RIGHT 120
#define BAR_ROW   34

void yxd_console_bars(const yxd_view_t *v, yxd_page_t *p)
{
	int span = BAR_W - BAR_LEFT - BAR_RIGHT, rows = 0;
	for (size_t f = 0; f < YX_PLAN_FIGURES; f++)
		rows += yx_plan_figures[f].target != NULL;
	yxd_page_add(p,
	             "<svg id=plan-bars xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	             "width=\"%d\" height=\"%d\" role=img aria-label=\"实施方案目标 plan figures "
	             "against the 2025 targets\">",
	             BAR_W, BAR_ROW * rows + 10, BAR_W, BAR_ROW * rows + 10);
	for (size_t f = 0, row = 0; f < YX_PLAN_FIGURES; f++) {
		const yx_plan_figure_t *fig = &yx_plan_figures[f];
		if (!fig->target)
			continue; /* the plan sets no number: no bar */
		uint64_t value = v->shanghai ? fig->value(v->shanghai) : 0, target = *fig->target;
		double share = target ? (double)value / (double)target : 0;
		int y = 6 + (int)row++ * BAR_ROW;
		double w = (share > 1 ? 1 : share) * span;
		yxd_page_add(
		        p,
		        "<g class=bar data-figure=\"%s\" data-value=\"%" PRIu64
		        "\" data-target=\"%" PRIu64 "\"><text x=\"0\" y=\"%d\" font-size=\"13\">%s"
		        "</text><rect class=target x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" "
		        "fill=\"#e3e8ee\"/><rect class=value x=\"%d\" y=\"%d\" width=\"%.1f\" "
		        "height=\"20\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
		        "font-size=\"12\">%" PRIu64 " / %" PRIu64 " (%.1f%%)</text></g>",
		        fig->name, value, target, y + 15, fig->term, BAR_LEFT, y, span, BAR_LEFT, y,
		        w > 0 && w < 1 ? 1.0 : w, share >= 1 ? C_OK : "#0b5394",
		        BAR_LEFT + span + 8, y + 15, value, target, share * 100);
	}
	yxd_page_add(p, "</svg>");
}
