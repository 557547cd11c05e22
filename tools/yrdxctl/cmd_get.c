/* get: one record by kind and id, from every origin that has one (or from one): for
 * people with the plan's terms, or --json. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cells.h"
#include "figures.h"
#include "json.h"
#include "keys.h"
#include "reflect.h"
#include "table.h"
#include "terms.h"
#include "tierset.h"
#include "yrdxctl.h"

/* Field f of m, and the fields of a message it holds, as "name  value" lines (prefix:
 * the path so far). */
static void field_lines(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                        const char *prefix)
{
	char name[128], v[CELL_MAX];
	snprintf(name, sizeof(name), "%s%s", prefix, f->name);
	if (!yx_field_present(m, f))
		return;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE && f->label != PROTOBUF_C_LABEL_REPEATED) {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)yx_field_value(m, f, 0);
		const ProtobufCMessageDescriptor *d = f->descriptor;
		strncat(name, ".", sizeof(name) - strlen(name) - 1);
		for (unsigned i = 0; sub && i < d->n_fields; i++)
			field_lines(sub, &d->fields[i], name);
		return;
	}
	printf("  ");
	text_pad(stdout, name, 28);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		/* a list of small messages (evaluation scores): each one's fields in a row */
		const ProtobufCMessageDescriptor *d = f->descriptor;
		for (size_t k = 0; k < yx_field_count(m, f); k++) {
			const ProtobufCMessage *e =
			        *(ProtobufCMessage *const *)yx_field_value(m, f, k);
			for (unsigned i = 0; e && i < d->n_fields; i++)
				printf("%s%s",
				       i   ? " "
				       : k ? "; "
				           : "",
				       cell_text(e, &d->fields[i], v, sizeof(v)));
		}
	} else if (f->type == PROTOBUF_C_TYPE_BYTES) {
		for (size_t k = 0; k < yx_field_count(m, f); k++)
			printf("%s(%zu bytes)", k ? ", " : "",
			       ((const ProtobufCBinaryData *)yx_field_value(m, f, k))->len);
	} else {
		fputs(cell_text(m, f, v, sizeof(v)), stdout);
	}
	putchar('\n');
}

/* The record for people: a heading naming the city that wrote it, then its fields with
 * the plan's terms, and for an incubator the tier its evaluations left it in. */
static void show(ctl_t *ctl, const uint8_t origin[32], const Yrdx__Change *c, const yx_tier_t *tier)
{
	const ProtobufCMessage *body = yx_change_body(c);
	char who[YX_NAME_LABEL_MAX], v[CELL_MAX], when[CTL_TIME_MAX];
	printf("%s %s of %s, seq %llu, %s\n", yx_kind_name(yx_change_body_kind(c)), c->id,
	       ctl_label(ctl, origin, YX_NAME_SHORT, who), (unsigned long long)c->seq,
	       ctl_time(c->time_ms, when));
	for (unsigned i = 0; body && i < body->descriptor->n_fields; i++) {
		field_lines(body, &body->descriptor->fields[i], "");
		if (tier && strcmp(body->descriptor->fields[i].name, "tier") == 0) {
			printf("  ");
			text_pad(stdout, "effective tier (动态调整)", 28);
			printf("%s%s%s\n",
			       yx_term_label(&yrdx__incubator_tier__descriptor, tier->effective, v,
			                     sizeof(v)),
			       tier->candidate ? ", 晋升候选 promotion candidate" : "",
			       tier->eliminated ? ", eliminated (淘汰)" : "");
		}
	}
}

/* The retraction of (kind, id) by origin, if that is its last word: who retracted it,
 * when and why, for people or as JSON. */
static bool retraction_show(ctl_t *ctl, yx_store_t *store, yx_kind_t kind, const uint8_t origin[32],
                            const char *id)
{
	Yrdx__Change *t = NULL;
	char when[CTL_TIME_MAX], label[YX_NAME_LABEL_MAX];
	if (yx_store_get_retracted(store, NULL, kind, origin, id, &t) != YX_OK)
		return false;
	const char *reason = t->tombstone && t->tombstone->reason ? t->tombstone->reason : "";
	if (ctl->json) {
		json_t *j = json_pack("{s:s, s:s, s:b, s:s, s:I, s:I}", "kind", yx_kind_name(kind),
		                      "id", id, "retracted", 1, "reason", reason, "time_ms",
		                      (json_int_t)t->time_ms, "seq", (json_int_t)t->seq);
		yx_names_json_set(ctl->names, j, "origin", "origin_name", "origin_city", origin);
		ctl_print_json(j);
	} else {
		printf("%s %s of %s, seq %llu, %s: retracted (撤回)%s%s\n", yx_kind_name(kind), id,
		       ctl_label(ctl, origin, YX_NAME_SHORT, label), (unsigned long long)t->seq,
		       ctl_time(t->time_ms, when), reason[0] ? ": " : ", no reason given", reason);
	}
	yx_change_free(&t);
	return true;
}

int cmd_get(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE get KIND ID [--origin NAME|KEY] [--json]\n"
	        "Prints the current version of record ID of KIND, once per origin that "
	        "holds\n"
	        "one (a record belongs to the node that wrote it, named beside it:\n"
	        "origin_name, origin_city). --origin: a member's name, self, a peer's name "
	        "or\n"
	        "a public key in full. Exit 1 if none holds it.\n"
	        "Shown for people: each field on a line, enums with the plan's terms\n"
	        "(高质量孵化器 high_quality); an incubator with its effective tier "
	        "(动态调整: see\n"
	        "yrdxctl incubator history). --json: one JSON line per origin, enums by "
	        "name,\n"
	        "an incubator with effective_tier and promotion_candidate.\n"
	        "A record retracted (retract --reason) is shown as retracted: by which "
	        "city,\n"
	        "when and why (--json: \"retracted\": true, reason, time_ms, origin); exit "
	        "1.\n";
	yx_store_t *store = NULL;
	yx_tierset_t *tiers = NULL;
	yx_vector_t vec;
	uint8_t only[32];
	bool have_only = false;
	int rc;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc == 5 && strcmp(argv[3], "--origin") == 0) {
		if ((rc = ctl_origin(ctl, "get: --origin", argv[4], only)))
			return rc;
		have_only = true;
	} else if (argc != 3) {
		return ctl_fail(EXIT_USAGE, "get: expected KIND ID (see --help)");
	}
	yx_kind_t kind;
	if ((rc = ctl_kind("get", argv[1], &kind)))
		return rc;
	if ((rc = ctl_open_store(ctl, &store)) || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	/* An incubator is shown with the tier its evaluations left it in. */
	if ((kind == YX_KIND_INCUBATOR && yx_tierset_load(store, &tiers) != YX_OK) ||
	    yx_store_vector(store, &vec) != YX_OK) {
		yx_tierset_free(&tiers);
		yx_store_close(&store);
		return ctl_fail(EXIT_FAIL, "get: cannot read the store");
	}
	size_t found = 0, retracted = 0;
	for (size_t i = 0; i < vec.n; i++) {
		Yrdx__Change *c = NULL;
		if (have_only && memcmp(only, vec.tips[i].origin, 32) != 0)
			continue;
		if (yx_store_get(store, kind, vec.tips[i].origin, argv[2], &c) != YX_OK) {
			retracted += retraction_show(ctl, store, kind, vec.tips[i].origin, argv[2]);
			continue;
		}
		found++;
		/* An enterprise's figures are a record of their own (figures.h): shown with
		 * it where this store holds them (its origin, or a city it named). */
		Yrdx__Change *fig = NULL;
		Yrdx__Enterprise *e =
		        c->body_case == YRDX__CHANGE__BODY_ENTERPRISE ? c->enterprise : NULL;
		yx_figures_join(store, vec.tips[i].origin, e, &fig);
		yx_tier_t tier;
		const yx_tier_t *tp = NULL;
		if (c->body_case == YRDX__CHANGE__BODY_INCUBATOR) {
			yx_tierset_derive(tiers, vec.tips[i].origin, c->incubator, &tier, NULL);
			tp = &tier;
		}
		if (ctl->json) {
			json_t *j = yx_change_to_json(c);
			yx_names_json_set(ctl->names, j, NULL, "origin_name", "origin_city",
			                  vec.tips[i].origin);
			if (tp)
				ctl_tier_json(j, tp);
			ctl_print_json(j);
		} else {
			if (found > 1)
				putchar('\n');
			show(ctl, vec.tips[i].origin, c, tp);
		}
		yx_figures_unjoin(e, &fig);
		yx_change_free(&c);
	}
	yx_vector_free(&vec);
	yx_tierset_free(&tiers);
	yx_store_close(&store);
	if (!found && retracted)
		return EXIT_FAIL; /* each retraction said */
	if (!found)
		return ctl_fail(EXIT_FAIL, "no %s \"%s\" in this node's store", argv[1], argv[2]);
	return EXIT_OK;
}
