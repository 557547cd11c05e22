#include "case_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "keys.h"
#include "table.h"
#include "terms.h"

typedef struct {
	case_row_t *rows;
	size_t n;
} rows_t;

static int row_add(void *arg, const char *id, const yx_case_t *c)
{
	rows_t *r = arg;
	snprintf(r->rows[r->n].id, sizeof(r->rows[r->n].id), "%s", id);
	r->rows[r->n++].c = *c;
	return YX_OK;
}

size_t case_view_derive_all(yx_case_events_t *ev, case_row_t **rows)
{
	/* at most one case per event */
	rows_t r = {calloc(ev->n ? ev->n : 1, sizeof(case_row_t)), 0};
	if (r.rows)
		yx_cases_each(ev, row_add, &r);
	*rows = r.rows;
	return r.n;
}

const char *case_view_state_label(yx_case_state_t state, char *out, size_t cap)
{
	const char *term = yx_case_state_term(state);
	snprintf(out, cap, "%s%s%s", term ? term : "", term ? " " : "", yx_case_state_name(state));
	return out;
}

const char *case_view_state_text(const char *name, char *out, size_t cap)
{
	for (int s = YX_CASE_PROPOSED; s <= YX_CASE_CLOSED; s++)
		if (name && strcmp(name, yx_case_state_name((yx_case_state_t)s)) == 0)
			return case_view_state_label((yx_case_state_t)s, out, cap);
	snprintf(out, cap, "%s", name ? name : "?");
	return out;
}

json_t *case_view_json(ctl_t *ctl, const char *id, const yx_case_t *c)
{
	json_t *o =
	        json_pack("{s:s, s:s, s:s, s:s, s:i}", "case", id, "state",
	                  yx_case_state_name(c->state), "credit_code", c->propose->ev->credit_code,
	                  "park_id", c->propose->ev->park_id, "steps", (int)c->steps);
	yx_names_json_set(ctl->names, o, "from_key", "from", "from_city", c->source);
	yx_names_json_set(ctl->names, o, "to_key", "to", "to_city", c->destination);
	return o;
}

json_t *case_view_steps(ctl_t *ctl, const yx_case_events_t *ev, const char *id)
{
	size_t *order = malloc((ev->n ? ev->n : 1) * sizeof(*order));
	json_t *steps = json_array();
	if (!order)
		return steps;
	size_t n = yx_case_order(ev->events, ev->n, id, order);
	for (size_t k = 0; k < n; k++) {
		const yx_case_event_t *e = &ev->events[order[k]];
		json_t *rec = yx_record_to_json(YX_KIND_RELAY_EVENT, e->ev);
		const char *term = yx_term(&yrdx__relay_event_type__descriptor, (int)e->ev->type);
		json_t *j =
		        json_pack("{s:O, s:s*, s:b, s:I, s:I}", "type",
		                  json_object_get(rec, "type"), "term", term, "applied", e->applied,
		                  "seq", (json_int_t)e->seq, "time_ms", (json_int_t)e->time_ms);
		json_decref(rec);
		if (e->applied)
			json_object_set_new(j, "step", json_integer(e->step));
		yx_names_json_set(ctl->names, j, "signer", "by", "by_city", e->origin);
		if (e->ev->note && *e->ev->note)
			json_object_set_new(j, "text", json_string(e->ev->note));
		if (e->note)
			json_object_set_new(j, "note", json_string(e->note));
		json_array_append_new(steps, j);
	}
	free(order);
	return steps;
}

/* Who wrote a step: the label of its signer's key. */
static const char *author_label(ctl_t *ctl, json_t *step, char who[YX_NAME_LABEL_MAX])
{
	uint8_t key[32];
	const char *text = json_string_value(json_object_get(step, "signer"));
	if (!text || yx_pubkey_parse(text, key, NULL) != YX_OK)
		return text ? text : "?";
	return ctl_label(ctl, key, YX_NAME_SHORT, who);
}

/* "推荐 propose": a step's term and name. */
static const char *step_label(json_t *step, char *out, size_t cap)
{
	const char *term = json_string_value(json_object_get(step, "term"));
	snprintf(out, cap, "%s%s%s", term ? term : "", term ? " " : "",
	         json_string_value(json_object_get(step, "type")));
	return out;
}

void case_view_print_steps(ctl_t *ctl, json_t *steps, const char *indent)
{
	char who[YX_NAME_LABEL_MAX], label[64];
	int wlabel = 0, wwho = 0;
	size_t k;
	json_t *s;
	json_array_foreach(steps, k, s)
	{
		int a = text_width(step_label(s, label, sizeof(label)));
		int b = text_width(author_label(ctl, s, who));
		wlabel = a > wlabel ? a : wlabel;
		wwho = b > wwho ? b : wwho;
	}
	json_array_foreach(steps, k, s)
	{
		char when[CTL_TIME_MAX], num[16];
		ctl_time(json_integer_value(json_object_get(s, "time_ms")), when);
		json_t *step = json_object_get(s, "step");
		snprintf(num, sizeof(num), step ? "%lld." : "-",
		         (long long)json_integer_value(step));
		const char *text = json_string_value(json_object_get(s, "text"));
		const char *why = json_string_value(json_object_get(s, "note"));
		printf("%s%-3s ", indent, num);
		text_pad(stdout, step_label(s, label, sizeof(label)), wlabel);
		printf("  %s  by ", when);
		text_pad(stdout, author_label(ctl, s, who), wwho);
		printf("  seq %-*lld", text || why ? 6 : 0,
		       (long long)json_integer_value(json_object_get(s, "seq")));
		if (text)
			printf("  「%s」", text);
		if (why)
			printf("  — not applied: %s", why);
		printf("\n");
	}
}
