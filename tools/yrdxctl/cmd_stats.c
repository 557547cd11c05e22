/* stats: the counts the plan tracks, per city and for the federation, beside the plan's
 * 2025 targets. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "table.h"
#include "validate.h"
#include "yrdxctl.h"

static const struct {
	const char *label; /* the plan's term */
	const char *key;   /* JSON name */
	int tier;          /* IncubatorTier, or -1 */
	int qualification; /* Qualification, or -1 */
} rows[] = {
        {"高质量孵化器 high-quality incubators", "high_quality_incubators",
         YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY, -1},
        {"高质量培育 in cultivation", "cultivation_incubators",
         YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION, -1},
        {"转型升级孵化器 upgraded incubators", "transformed_incubators", -2, -1},
        {"科技型中小企业 tech-based SMEs", "tech_sme", -1,
         YRDX__QUALIFICATION__QUALIFICATION_TECH_SME},
        {"高新技术企业 high-tech enterprises", "high_tech", -1,
         YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH},
        {"瞪羚企业 gazelles", "gazelle", -1, YRDX__QUALIFICATION__QUALIFICATION_GAZELLE},
        {"科技小巨人 little giants", "little_giant", -1,
         YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT},
        {"硬科技企业 hard-tech enterprises", "hard_tech", -1,
         YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH},
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static uint64_t value(const yx_city_stats_t *s, size_t r)
{
	if (rows[r].tier == -2)
		return s->incubators_transformed;
	if (rows[r].tier >= 0)
		return s->incubators_by_tier[rows[r].tier];
	return s->enterprises_by_qualification[rows[r].qualification];
}

static uint64_t target(size_t r)
{
	if (rows[r].tier == YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY)
		return yx_plan_targets_2025.high_quality_incubators;
	if (rows[r].tier == -2)
		return yx_plan_targets_2025.transformed_incubators;
	if (rows[r].qualification >= 0)
		return yx_plan_targets_2025.by_qualification[rows[r].qualification];
	return 0;
}

/* The nodes of a city: its members, by the charter (names.h). */
#define CITY_NODES_MAX 8

static json_t *city_json(ctl_t *ctl, const yx_city_stats_t *s)
{
	json_t *o = json_object();
	if (s->city) {
		const char *nodes[CITY_NODES_MAX], *name = yx_city_name(s->city);
		size_t n = yx_names_of_city(ctl->names, s->city, nodes, CITY_NODES_MAX);
		json_t *members = json_array();
		for (size_t i = 0; i < n && i < CITY_NODES_MAX; i++)
			json_array_append_new(members, json_string(nodes[i]));
		json_object_set_new(o, "city", json_integer(s->city));
		json_object_set_new(o, "city_name", name ? json_string(name) : json_null());
		json_object_set_new(o, "members", members);
	}
	json_object_set_new(o, "incubators", json_integer((json_int_t)s->incubators));
	json_object_set_new(o, "enterprises", json_integer((json_int_t)s->enterprises));
	json_object_set_new(o, "parks", json_integer((json_int_t)s->parks));
	for (size_t r = 0; r < N_ROWS; r++)
		json_object_set_new(o, rows[r].key, json_integer((json_int_t)value(s, r)));
	return o;
}

/* "上海 shanghai": the city and the nodes that are of it (names.h), "上海" if none. */
static const char *city_label(ctl_t *ctl, uint32_t city, char out[YX_NAME_LABEL_MAX])
{
	const char *nodes[CITY_NODES_MAX], *name = yx_city_name(city);
	size_t n = yx_names_of_city(ctl->names, city, nodes, CITY_NODES_MAX), len;
	len = (size_t)snprintf(out, YX_NAME_LABEL_MAX, "%s", name ? name : "?");
	for (size_t i = 0; i < n && i < CITY_NODES_MAX && len < YX_NAME_LABEL_MAX; i++)
		len += (size_t)snprintf(out + len, YX_NAME_LABEL_MAX - len, "%s%s", i ? "," : " ",
		                        nodes[i]);
	return out;
}

int cmd_stats(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE stats [--city CODE]\n"
	        "Counts the plan tracks — high-quality incubators by tier, upgraded incubators,\n"
	        "tech-based SMEs, high-tech enterprises, gazelles, little giants, hard-tech\n"
	        "enterprises — per city and for the federation, beside the plan's 2025 targets.\n"
	        "An enterprise relayed between cities counts once in the federation.\n";
	uint32_t city = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--city") == 0 && i + 1 < argc) {
			if (yx_city_from_text(argv[++i], &city) != YX_OK)
				return ctl_fail(
				        EXIT_USAGE,
				        "stats: --city %s is not a Yangtze River Delta city "
				        "(code or name)",
				        argv[i]);
		} else {
			return ctl_fail(EXIT_USAGE, "stats: unexpected \"%s\" (see --help)",
			                argv[i]);
		}
	}
	yx_store_t *store = NULL;
	yx_stats_t st;
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_stats_collect(store, city, &st);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "stats: %s", yx_strerror(ret));
	if (ctl->json) {
		json_t *cities = json_array(), *targets = json_object();
		for (size_t i = 0; i < st.n; i++)
			json_array_append_new(cities, city_json(ctl, &st.cities[i]));
		for (size_t r = 0; r < N_ROWS; r++)
			if (target(r))
				json_object_set_new(targets, rows[r].key,
				                    json_integer((json_int_t)target(r)));
		ctl_print_json(json_pack("{s:o, s:o, s:o}", "cities", cities, "federation",
		                         city_json(ctl, &st.federation), "targets_2025", targets));
		yx_stats_free(&st);
		return EXIT_OK;
	}
	/* A row per city, then the federation and the plan's 2025 target. */
	table_t *t = table_new("城市 city", "高质量", "培育", "转型升级", "科技型中小企业",
	                       "高新技术", "瞪羚", "小巨人", "硬科技", NULL);
	char v[N_ROWS][24], label[YX_NAME_LABEL_MAX];
	for (size_t i = 0; i <= st.n + 1; i++) {
		const yx_city_stats_t *s = i < st.n ? &st.cities[i] : &st.federation;
		const char *name = i < st.n    ? city_label(ctl, s->city, label)
		                   : i == st.n ? "联邦 federation"
		                               : "2025目标 target";
		for (size_t r = 0; r < N_ROWS; r++) {
			if (i <= st.n)
				snprintf(v[r], sizeof(v[r]), "%llu",
				         (unsigned long long)value(s, r));
			else if (target(r))
				snprintf(v[r], sizeof(v[r]), "%llu", (unsigned long long)target(r));
			else
				snprintf(v[r], sizeof(v[r]), "%s",
				         rows[r].qualification >= 0 ? "一批" : "-");
		}
		table_row(t, name, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
	}
	table_print(&t, stdout);
	yx_stats_free(&st);
	return EXIT_OK;
}
