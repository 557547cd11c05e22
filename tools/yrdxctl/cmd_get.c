/* get: one record by kind and id, from every origin that has one (or from one). */
#include <stdio.h>
#include <string.h>

#include "figures.h"
#include "json.h"
#include "keys.h"
#include "yrdxctl.h"

/* The retraction of (kind, id) by origin, if that is its last word: as JSON on stdout,
 * and who, when and why on stderr. */
static bool retraction_show(ctl_t *ctl, yx_store_t *store, yx_kind_t kind, const uint8_t origin[32],
                            const char *id)
{
	Yrdx__Change *t = NULL;
	char when[CTL_TIME_MAX], label[YX_NAME_LABEL_MAX];
	if (yx_store_get_retracted(store, NULL, kind, origin, id, &t) != YX_OK)
		return false;
	const char *reason = t->tombstone && t->tombstone->reason ? t->tombstone->reason : "";
	json_t *j = json_pack("{s:s, s:s, s:b, s:s, s:I, s:I}", "kind", yx_kind_name(kind), "id",
	                      id, "retracted", 1, "reason", reason, "time_ms",
	                      (json_int_t)t->time_ms, "seq", (json_int_t)t->seq);
	yx_names_json_set(ctl->names, j, "origin", "origin_name", "origin_city", origin);
	ctl_print_json(j);
	fprintf(stderr, "yrdxctl: %s %s: retracted by %s on %s%s%s\n", yx_kind_name(kind), id,
	        ctl_label(ctl, origin, YX_NAME_SHORT, label), ctl_time(t->time_ms, when),
	        reason[0] ? ": " : " (no reason given)", reason);
	yx_change_free(&t);
	return true;
}

int cmd_get(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE get KIND ID [--origin NAME|KEY]\n"
	        "Prints the current version of record ID of KIND as JSON, one line per origin\n"
	        "that holds one (a record belongs to the node that wrote it, named beside it:\n"
	        "origin_name, origin_city). --origin: a member's name, self, a peer's name or\n"
	        "a public key in full. A record retracted (retract --reason) is shown as such:\n"
	        "its retraction as JSON (\"retracted\": true, reason, time, origin) and a line\n"
	        "on stderr saying who retracted it, when and why. Exit 1 if no origin holds\n"
	        "the record (retracted or never written).\n";
	yx_store_t *store = NULL;
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
	if (yx_store_vector(store, &vec) != YX_OK) {
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
		json_t *j = yx_change_to_json(c);
		yx_names_json_set(ctl->names, j, NULL, "origin_name", "origin_city",
		                  vec.tips[i].origin);
		ctl_print_json(j);
		yx_figures_unjoin(e, &fig);
		yx_change_free(&c);
	}
	yx_vector_free(&vec);
	yx_store_close(&store);
	if (!found && retracted)
		return EXIT_FAIL; /* each retraction said */
	if (!found)
		return ctl_fail(EXIT_FAIL, "no %s \"%s\" in this node's store", argv[1], argv[2]);
	return EXIT_OK;
}
