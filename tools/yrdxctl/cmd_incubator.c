/* incubator history: what an incubator's milestone evaluations made of its tier
 * (跟踪评估 · 动态调整): its registered tier and tier_since, then each evaluation in period
 * order with its scores, the tier it moved from and to, and whether it marked a promotion
 * candidate. The derivation is tiers.c's, over tierset.c's evaluations: the same that
 * list, get and stats count. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "json.h"
#include "reflect.h"
#include "table.h"
#include "terms.h"
#include "tierset.h"
#include "yrdxctl.h"

#define DIMENSIONS 5

static const ProtobufCEnumDescriptor *const tiers_d = &yrdx__incubator_tier__descriptor;
static const ProtobufCEnumDescriptor *const results_d = &yrdx__milestone_result__descriptor;
static const ProtobufCEnumDescriptor *const dims_d = &yrdx__evaluation_dimension__descriptor;

static json_t *enum_json(const ProtobufCEnumDescriptor *d, int v)
{
	char name[YX_ENUM_NAME_MAX];
	return yx_enum_to_text(d, v, name, sizeof(name)) ? json_string(name) : json_integer(v);
}

void ctl_tier_json(json_t *j, const yx_tier_t *tier)
{
	json_object_set_new(j, "effective_tier", enum_json(tiers_d, tier->effective));
	json_object_set_new(j, "promotion_candidate", json_boolean(tier->candidate));
	json_object_set_new(j, "eliminated", json_boolean(tier->eliminated));
}

/* An evaluation's score of dimension dim (1..5), -1 if it has none (or no evaluation). */
static int score_of(const Yrdx__Evaluation *e, int dim)
{
	for (size_t i = 0; e && i < e->n_scores; i++)
		if (e->scores[i] && (int)e->scores[i]->dimension == dim)
			return (int)e->scores[i]->score;
	return -1;
}

/* "高质量孵化器 → 一般孵化器", or the tier alone when it did not move. */
static const char *move_text(const yx_tier_step_t *s, char *out, size_t cap)
{
	const char *from = yx_term(tiers_d, s->from), *to = yx_term(tiers_d, s->to);
	if (!s->counted)
		snprintf(out, cap, "history (before tier_since)");
	else if (s->from == s->to)
		snprintf(out, cap, "%s", from ? from : "?");
	else
		snprintf(out, cap, "%s → %s", from ? from : "?", to ? to : "?");
	return out;
}

typedef struct {
	ctl_t *ctl;
	yx_store_t *store;
	yx_tierset_t *set;
} history_t;

static json_t *step_json(const yx_tier_step_t *s, const Yrdx__Evaluation *e)
{
	json_t *o = json_pack("{s:s, s:s}", "id", s->evaluation_id, "period", s->period);
	json_t *scores = json_object();
	int total = 0;
	char name[YX_ENUM_NAME_MAX];
	for (int d = 1; d <= DIMENSIONS; d++) {
		int v = score_of(e, d);
		if (v >= 0 && yx_enum_to_text(dims_d, d, name, sizeof(name))) {
			json_object_set_new(scores, name, json_integer(v));
			total += v;
		}
	}
	json_object_set_new(o, "scores", scores);
	json_object_set_new(o, "total", json_integer(total));
	json_object_set_new(o, "result", enum_json(results_d, s->result));
	json_object_set_new(o, "tier_from", enum_json(tiers_d, s->from));
	json_object_set_new(o, "tier_to", enum_json(tiers_d, s->to));
	json_object_set_new(o, "promotion_candidate", json_boolean(s->candidate));
	json_object_set_new(o, "counted", json_boolean(s->counted));
	return o;
}

/* One step's row: period, the five scores, total, result, the move, the mark. */
static void step_row(table_t *t, const yx_tier_step_t *s, const Yrdx__Evaluation *e)
{
	char v[DIMENSIONS][12], total[12], result[CELL_MAX], move[CELL_MAX];
	const char *row[DIMENSIONS + 5];
	int sum = 0;
	row[0] = s->period;
	for (int d = 1; d <= DIMENSIONS; d++) {
		int x = score_of(e, d);
		snprintf(v[d - 1], sizeof(v[d - 1]), x >= 0 ? "%d" : "-", x);
		sum += x > 0 ? x : 0;
		row[d] = v[d - 1];
	}
	snprintf(total, sizeof(total), "%d", sum);
	row[DIMENSIONS + 1] = total;
	row[DIMENSIONS + 2] = yx_term_label(results_d, s->result, result, sizeof(result));
	row[DIMENSIONS + 3] = move_text(s, move, sizeof(move));
	row[DIMENSIONS + 4] = s->candidate && s->counted ? "晋升候选" : "";
	table_row_v(t, row);
}

/* The history of inc, the incubator of origin. */
static int show(history_t *h, const uint8_t origin[YX_KEY_BYTES], const Yrdx__Incubator *inc)
{
	yx_tier_input_t *inputs;
	size_t n = yx_tierset_inputs(h->set, origin, inc->id, &inputs);
	yx_tier_step_t *steps = calloc(n ? n : 1, sizeof(*steps));
	Yrdx__Change **evals = calloc(n ? n : 1, sizeof(*evals));
	char who[YX_NAME_LABEL_MAX], a[CELL_MAX], b[CELL_MAX];
	yx_tier_t tier;
	if (!steps || !evals) {
		free(steps);
		free(evals);
		return ctl_fail(EXIT_FAIL, "out of memory");
	}
	yx_tier_derive(inc, inputs, n, &tier, steps);
	for (size_t i = 0; i < n; i++)
		if (yx_store_get(h->store, YX_KIND_EVALUATION, origin, steps[i].evaluation_id,
		                 &evals[i]) != YX_OK)
			evals[i] = NULL;
	ctl_label(h->ctl, origin, YX_NAME_SHORT, who);
	if (h->ctl->json) {
		json_t *j = json_pack("{s:s, s:s}", "incubator", inc->id, "name", inc->name);
		yx_names_json_set(h->ctl->names, j, "origin", "origin_name", "origin_city", origin);
		json_object_set_new(j, "registered_tier", enum_json(tiers_d, inc->tier));
		json_object_set_new(j, "tier_since",
		                    json_string(inc->tier_since ? inc->tier_since : ""));
		ctl_tier_json(j, &tier);
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			        list, step_json(&steps[i], evals[i] ? evals[i]->evaluation : NULL));
		json_object_set_new(j, "evaluations", list);
		ctl_print_json(j);
	} else {
		printf("孵化器 %s %s (%s)\n", inc->id, inc->name, who);
		printf("  registered tier  %s", yx_term_label(tiers_d, inc->tier, a, sizeof(a)));
		if (inc->tier_since && inc->tier_since[0])
			printf(", since %s (earlier evaluations are history)", inc->tier_since);
		printf("\n  effective tier   %s%s%s\n",
		       yx_term_label(tiers_d, tier.effective, b, sizeof(b)),
		       tier.candidate ? ", 晋升候选 promotion candidate" : "",
		       tier.eliminated ? ", eliminated (淘汰) from the cultivation list" : "");
		if (n == 0) {
			printf("  no evaluation of it is held here\n");
		} else {
			static const char *const hdr[] = {"period", "D1",      "D2",    "D3",
			                                  "D4",     "D5",      "total", "result",
			                                  "tier",   "晋升候选"};
			table_t *t = table_new_v(hdr, sizeof(hdr) / sizeof(hdr[0]));
			for (size_t i = 0; i < n; i++)
				step_row(t, &steps[i], evals[i] ? evals[i]->evaluation : NULL);
			table_print(&t, stdout);
			printf("D1-D5 (分类评价体系):");
			for (int d = 1; d <= DIMENSIONS; d++)
				printf(" D%d %s%s", d, yx_term(dims_d, d),
				       d < DIMENSIONS ? "," : "\n");
		}
	}
	for (size_t i = 0; i < n; i++)
		yx_change_free(&evals[i]);
	free(evals);
	free(steps);
	return EXIT_OK;
}

static int cmd_history(ctl_t *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"origin", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	history_t h = {.ctl = ctl};
	const char *origin_arg = NULL;
	uint8_t only[YX_KEY_BYTES];
	yx_vector_t vec = {0};
	size_t found = 0;
	int opt, rc;
	argc--;
	argv++;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'o')
			return ctl_fail(EXIT_USAGE,
			                "incubator history: expected ID [--origin NODE]");
		origin_arg = optarg;
	}
	if (optind + 1 != argc)
		return ctl_fail(EXIT_USAGE, "incubator history: expected one ID (see --help)");
	const char *id = argv[optind];
	if (origin_arg && (rc = ctl_origin(ctl, "incubator history: --origin", origin_arg, only)))
		return rc;
	if ((rc = ctl_open_store(ctl, &h.store)) || (rc = ctl_names(ctl, h.store)))
		goto out;
	int ret = yx_tierset_load(h.store, &h.set);
	if (ret == YX_OK)
		ret = yx_store_vector(h.store, &vec);
	if (ret) {
		rc = ctl_fail(EXIT_FAIL, "incubator history: %s", yx_strerror(ret));
		goto out;
	}
	for (size_t i = 0; i < vec.n && rc == EXIT_OK; i++) {
		Yrdx__Change *c = NULL;
		if (origin_arg && memcmp(only, vec.tips[i].origin, YX_KEY_BYTES) != 0)
			continue;
		if (yx_store_get(h.store, YX_KIND_INCUBATOR, vec.tips[i].origin, id, &c) != YX_OK)
			continue;
		if (found++ && !ctl->json)
			putchar('\n');
		rc = show(&h, vec.tips[i].origin, c->incubator);
		yx_change_free(&c);
	}
	if (rc == EXIT_OK && !found)
		rc = ctl_fail(EXIT_FAIL, "no incubator \"%s\" in this node's store", id);
out:
	yx_vector_free(&vec);
	yx_tierset_free(&h.set);
	yx_store_close(&h.store);
	return rc;
}

int cmd_incubator(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE incubator history ID [--origin NODE] [--json]\n"
	        "What an incubator's milestone evaluations (跟踪评估) made of its tier\n"
	        "(动态调整, 优胜劣汰): its registered tier and tier_since, its effective tier, "
	        "then\n"
	        "each evaluation in period order: period, the five dimension scores (D1-D5,\n"
	        "分类评价体系) and their total, the result, the tier it moved from and to, and\n"
	        "晋升候选 when it made the incubator a promotion candidate. The rules: adjusted\n"
	        "(动态调整) moves one tier down; eliminated (淘汰) leaves the cultivation list\n"
	        "(一般孵化器); excellent twice in a row in cultivation marks a promotion\n"
	        "candidate; evaluations of periods before tier_since are history and move\n"
	        "nothing. Every city holding the incubator derives the same. One block per city\n"
	        "holding an incubator of that id; --origin keeps one (a member's name, self, a\n"
	        "peer's name, or a public key in full). Exit 1 if none.\n";
	static const ctl_sub_t subs[] = {{"history", cmd_history}};
	return ctl_run_sub(ctl, argc, argv, help, subs, sizeof(subs) / sizeof(subs[0]));
}
