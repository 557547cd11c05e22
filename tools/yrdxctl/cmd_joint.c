/* joint: joint-incubation agreements (联合孵化). Participations are written by the daemon
 * (propose, sign); list and show derive each agreement's state from the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joint.h"
#include "keys.h"
#include "table.h"
#include "validate.h"
#include "yrdxctl.h"

#define JOINT_TIMEOUT_MS 10000

static const char help[] =
        "usage: yrdxctl -c FILE joint propose --incubators ID,ID,... --enterprise CREDIT_CODE\n"
        "                                     [--role ROLE]\n"
        "       yrdxctl -c FILE joint sign AGREEMENT [--role ROLE]\n"
        "       yrdxctl -c FILE joint list [--active|--pending]\n"
        "       yrdxctl -c FILE joint show AGREEMENT\n"
        "Incubators of several cities incubate an enterprise together. propose names the\n"
        "incubators, each by its id in its own city's registry (CITY:ID picks the city when\n"
        "two registries use the same id; CITY is self, a peer's name or a node key); their\n"
        "cities are the parties, and this node must be one of them. Each other party's node\n"
        "then runs joint sign. The agreement is active once every party's node has published\n"
        "its signed participation, pending until then. Default roles: lead (proposer),\n"
        "co-incubator (the others).\n";

static int request(ctl_t *ctl, Yrdx__JointRequest *q, const char *what)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_JOINT;
	req.joint = q;
	int rc = ctl_call(ctl, &req, JOINT_TIMEOUT_MS, &reply);
	if (rc)
		return rc;
	unsigned long long seq = reply->head ? (unsigned long long)reply->head->seq : 0;
	if (reply->error) {
		rc = ctl_fail(reply->error == YX_EINVAL || reply->error == YX_ENOTFOUND ? EXIT_USAGE
		                                                                        : EXIT_FAIL,
		              "joint %s: %s", what, reply->message);
	} else if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:I}", "agreement", reply->agreement_id, "seq",
		                         (json_int_t)seq));
	} else if (q->action == YRDX__JOINT_REQUEST__ACTION__ACTION_PROPOSE) {
		printf("agreement %s: proposed, %s's participation written (log seq %llu)\n"
		       "pending until every party signs: yrdxctl joint sign %s at each one's "
		       "node\n",
		       reply->agreement_id, ctl->cfg->name, seq, reply->agreement_id);
	} else {
		printf("agreement %s: signed, %s's participation written (log seq %llu)\n",
		       reply->agreement_id, ctl->cfg->name, seq);
	}
	yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

static int do_propose(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__JointRequest q = YRDX__JOINT_REQUEST__INIT;
	const char *incubators = NULL;
	char *copy = NULL, *ids[YX_MAX_REPEATED];
	yx_diag_t diag = {{0}};
	size_t n = 0;
	int rc = EXIT_OK;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return ctl_fail(EXIT_USAGE, "joint propose: %s needs a value", argv[i]);
		if (strcmp(argv[i], "--incubators") == 0)
			incubators = argv[++i];
		else if (strcmp(argv[i], "--enterprise") == 0)
			q.credit_code = argv[++i];
		else if (strcmp(argv[i], "--role") == 0)
			q.role = argv[++i];
		else
			return ctl_fail(EXIT_USAGE, "joint propose: unexpected \"%s\"", argv[i]);
	}
	if (!incubators || q.credit_code == protobuf_c_empty_string)
		return ctl_fail(
		        EXIT_USAGE,
		        "joint propose: --incubators ID,ID,... and --enterprise CREDIT_CODE "
		        "are required");
	if (yx_credit_code_check(q.credit_code, "--enterprise", &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "joint propose: %s", diag.msg);
	if (!(copy = strdup(incubators)))
		return ctl_fail(EXIT_FAIL, "out of memory");
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		for (char *end = tok + strlen(tok); end > tok && end[-1] == ' ';)
			*--end = '\0';
		if (!*tok)
			continue;
		if (n == YX_MAX_REPEATED) {
			rc = ctl_fail(EXIT_USAGE, "joint propose: more than %d incubators",
			              YX_MAX_REPEATED);
			goto out;
		}
		ids[n++] = tok;
	}
	if (n < 2) {
		rc = ctl_fail(EXIT_USAGE,
		              "joint propose: --incubators needs at least two ids, of two cities");
		goto out;
	}
	q.action = YRDX__JOINT_REQUEST__ACTION__ACTION_PROPOSE;
	q.incubator_ids = ids;
	q.n_incubator_ids = n;
	rc = request(ctl, &q, "propose");
out:
	free(copy);
	return rc;
}

static int do_sign(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__JointRequest q = YRDX__JOINT_REQUEST__INIT;
	if (argc == 5 && strcmp(argv[3], "--role") == 0)
		q.role = argv[4];
	else if (argc != 3)
		return ctl_fail(EXIT_USAGE, "joint sign: expected AGREEMENT [--role ROLE]");
	q.action = YRDX__JOINT_REQUEST__ACTION__ACTION_SIGN;
	q.agreement_id = argv[2];
	return request(ctl, &q, "sign");
}

/* An agreement as JSON: its terms and each party, signed or not. */
static json_t *agreement_json(ctl_t *ctl, const char *id, const yx_joint_t *j)
{
	const Yrdx__JointParticipation *t = j->terms->jp;
	json_t *incs = json_array(), *parties = json_array();
	for (size_t i = 0; i < t->n_incubator_ids; i++)
		json_array_append_new(incs, json_string(t->incubator_ids[i]));
	for (size_t k = 0; k < j->n_parties; k++) {
		const yx_joint_party_t *p = &j->parties[k];
		json_t *o = json_pack("{s:b}", "signed", p->part != NULL);
		yx_names_json_set(ctl->names, o, "key", "name", "city", p->key);
		if (p->part) {
			json_object_set_new(o, "incubator_id",
			                    json_string(p->part->jp->incubator_id));
			json_object_set_new(o, "role", json_string(p->part->jp->role));
			json_object_set_new(o, "seq", json_integer((json_int_t)p->part->seq));
		}
		json_array_append_new(parties, o);
	}
	return json_pack("{s:s, s:s, s:b, s:s, s:o, s:i, s:i, s:o}", "agreement", id, "state",
	                 j->active ? "active" : "pending", "active", j->active, "credit_code",
	                 t->credit_code, "incubator_ids", incs, "signed", (int)j->n_signed,
	                 "parties_total", (int)j->n_parties, "parties", parties);
}

static int cmp_part_id(const void *a, const void *b)
{
	return strcmp(((const yx_joint_part_t *)a)->jp->id, ((const yx_joint_part_t *)b)->jp->id);
}

static int do_list(ctl_t *ctl, int argc, char **argv)
{
	yx_store_t *store = NULL;
	yx_joint_parts_t parts;
	int want = -1; /* -1 every agreement, 1 active, 0 pending */
	if (argc == 3 && strcmp(argv[2], "--active") == 0)
		want = 1;
	else if (argc == 3 && strcmp(argv[2], "--pending") == 0)
		want = 0;
	else if (argc != 2)
		return ctl_fail(EXIT_USAGE, "joint list: [--active|--pending]");
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_joint_parts_load(store, NULL, &parts);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "joint list: %s", yx_strerror(ret));
	/* One agreement's participations side by side, each derived on its own. */
	if (parts.n)
		qsort(parts.parts, parts.n, sizeof(parts.parts[0]), cmp_part_id);
	table_t *t = ctl->json ? NULL
	                       : table_new("agreement", "state", "enterprise", "signed",
	                                   "waiting for", "incubators", NULL);
	for (size_t at = 0, end; at < parts.n; at = end) {
		const char *id = parts.parts[at].jp->id;
		yx_joint_t j;
		for (end = at + 1; end < parts.n && strcmp(parts.parts[end].jp->id, id) == 0; end++)
			;
		if (yx_joint_derive(parts.parts + at, end - at, id, &j) != YX_OK)
			continue;
		if (want >= 0 && j.active != (want == 1))
			continue;
		if (ctl->json) {
			ctl_print_json(agreement_json(ctl, id, &j));
			continue;
		}
		const Yrdx__JointParticipation *terms = j.terms->jp;
		/* 32 labels of < 96 bytes, 32 ids of <= 64, with separators: never cut */
		char signed_[32], waiting[32 * (YX_NAME_LABEL_MAX + 2)] = "", incs[4096] = "";
		size_t wn = 0, in = 0;
		for (size_t k = 0; k < j.n_parties; k++) {
			char name[YX_NAME_LABEL_MAX];
			if (j.parties[k].part || wn >= sizeof(waiting))
				continue;
			ctl_label(ctl, j.parties[k].key, YX_NAME_SHORT, name);
			wn += (size_t)snprintf(waiting + wn, sizeof(waiting) - wn, "%s%s",
			                       wn ? ", " : "", name);
		}
		for (size_t k = 0; k < terms->n_incubator_ids && in < sizeof(incs); k++)
			in += (size_t)snprintf(incs + in, sizeof(incs) - in, "%s%s", k ? ", " : "",
			                       terms->incubator_ids[k]);
		snprintf(signed_, sizeof(signed_), "%zu/%zu", j.n_signed, j.n_parties);
		table_row(t, id, j.active ? "active" : "pending", terms->credit_code, signed_,
		          wn ? waiting : "-", incs);
	}
	if (t)
		table_print(&t, stdout);
	yx_joint_parts_free(&parts);
	return EXIT_OK;
}

/* The enterprise's name in the most recently updated registry that has it, or NULL
 * (caller frees). */
static char *enterprise_name(yx_store_t *store, const char *code)
{
	yx_vector_t vec;
	char *name = NULL;
	int64_t when = -1;
	if (yx_store_vector(store, &vec) != YX_OK)
		return NULL;
	for (size_t i = 0; i < vec.n; i++) {
		Yrdx__Change *c = NULL;
		if (yx_store_get(store, YX_KIND_ENTERPRISE, vec.tips[i].origin, code, &c) != YX_OK)
			continue;
		if (c->time_ms > when) {
			free(name);
			name = strdup(c->enterprise->name);
			when = c->time_ms;
		}
		yx_change_free(&c);
	}
	yx_vector_free(&vec);
	return name;
}

/* joint show as text, from the agreement's JSON o (agreement_json and participations). */
static void show_print(ctl_t *ctl, const char *id, const yx_joint_t *j,
                       const yx_joint_parts_t *parts, json_t *o, const char *ent_name)
{
	size_t i;
	json_t *v;
	char who[YX_NAME_LABEL_MAX];
	int width = 0;
	for (size_t k = 0; k < j->n_parties; k++) {
		int w = text_width(ctl_label(ctl, j->parties[k].key, YX_NAME_SHORT, who));
		width = w > width ? w : width;
	}
	printf("agreement %s: %s (%zu of %zu parties signed)\n", id,
	       j->active ? "active" : "pending", j->n_signed, j->n_parties);
	printf("  enterprise  %s%s%s\n  incubators ", j->terms->jp->credit_code,
	       ent_name ? " " : "", ent_name ? ent_name : "");
	json_array_foreach(json_object_get(o, "incubator_ids"), i, v)
	        printf("%s%s", i ? ", " : " ", json_string_value(v));
	printf("\n  parties:\n");
	json_array_foreach(json_object_get(o, "parties"), i, v)
	{
		fputs("    ", stdout);
		text_pad(stdout, ctl_label(ctl, j->parties[i].key, YX_NAME_SHORT, who), width);
		if (json_is_true(json_object_get(v, "signed")))
			printf("  signed   incubator %s, role %s (seq %lld)\n",
			       json_string_value(json_object_get(v, "incubator_id")),
			       json_string_value(json_object_get(v, "role")),
			       (long long)json_integer_value(json_object_get(v, "seq")));
		else
			printf("  waiting  key %s\n", json_string_value(json_object_get(v, "key")));
	}
	bool header = false;
	for (i = 0; i < parts->n; i++) {
		const yx_joint_part_t *p = &parts->parts[i];
		if (p->counted)
			continue;
		if (!header)
			printf("  not counted:\n");
		header = true;
		printf("    %s seq %llu — %s\n", ctl_label(ctl, p->origin, YX_NAME_SHORT, who),
		       (unsigned long long)p->seq, p->note ? p->note : "");
	}
}

static int do_show(ctl_t *ctl, int argc, char **argv)
{
	yx_store_t *store = NULL;
	yx_joint_parts_t parts;
	yx_joint_t j;
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "joint show: expected AGREEMENT");
	const char *id = argv[2];
	uint8_t fp[YX_KEYID_FP_BYTES];
	uint64_t seq;
	if (!yx_joint_id_parse(id, &seq, fp))
		return ctl_fail(EXIT_USAGE,
		                "joint show: %s is not an agreement id: one is " YX_JOINT_ID_FORM,
		                id);
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_joint_parts_load(store, id, &parts);
	if (ret == YX_OK && yx_joint_derive(parts.parts, parts.n, id, &j) != YX_OK)
		ret = YX_ENOTFOUND;
	if (ret) {
		yx_store_close(&store);
		yx_joint_parts_free(&parts);
		if (ret != YX_ENOTFOUND)
			return ctl_fail(EXIT_FAIL, "joint show: %s", yx_strerror(ret));
		return ctl_fail(EXIT_FAIL, "joint show: no agreement %s known here", id);
	}
	char *ent_name = enterprise_name(store, j.terms->jp->credit_code);
	yx_store_close(&store);
	json_t *o = agreement_json(ctl, id, &j);
	json_object_set_new(o, "enterprise_name", ent_name ? json_string(ent_name) : json_null());
	/* every participation held here, counted or not, and why not */
	json_t *all = json_array();
	for (size_t i = 0; i < parts.n; i++) {
		const yx_joint_part_t *p = &parts.parts[i];
		json_t *e =
		        json_pack("{s:I, s:s, s:s, s:b}", "seq", (json_int_t)p->seq, "incubator_id",
		                  p->jp->incubator_id, "role", p->jp->role, "counted", p->counted);
		yx_names_json_set(ctl->names, e, "signer", "by", "by_city", p->origin);
		if (p->note)
			json_object_set_new(e, "note", json_string(p->note));
		json_array_append_new(all, e);
	}
	json_object_set_new(o, "participations", all);
	if (ctl->json) {
		ctl_print_json(o);
	} else {
		show_print(ctl, id, &j, &parts, o, ent_name);
		json_decref(o);
	}
	free(ent_name);
	yx_joint_parts_free(&parts);
	return EXIT_OK;
}

int cmd_joint(ctl_t *ctl, int argc, char **argv)
{
	static const ctl_sub_t subs[] = {
	        {"propose", do_propose}, {"sign", do_sign}, {"list", do_list}, {"show", do_show}};
	return ctl_run_sub(ctl, argc, argv, help, subs, sizeof(subs) / sizeof(subs[0]));
}
