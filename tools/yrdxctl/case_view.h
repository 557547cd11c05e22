/* case_view: what yrdxctl shows of relay-incubation cases (接力孵化) — each case's row, and
 * its steps as people read them: in case order (the applied path, then the events left off
 * it: yx_case_order), each with its time, the city that wrote it (names.h), its note and
 * the plan's terms for steps and states (terms.h; --json keeps the enum names). Shared by
 * `relay list|show` (cmd_relay.c) and `profile` (cmd_profile.c). */
#ifndef YRDXCTL_CASE_VIEW_H
#define YRDXCTL_CASE_VIEW_H

#include <jansson.h>

#include "cases.h"
#include "yrdxctl.h"

typedef struct {
	char id[96];
	yx_case_t c;
} case_row_t;

/* Derives every case whose PROPOSE is among ev (each once: yx_cases_each, which groups ev
 * by case id), into *rows in case id order (caller frees; NULL and 0 when out of memory).
 * The events' applied marks and notes are those of their case. */
size_t case_view_derive_all(yx_case_events_t *ev, case_row_t **rows);

/* "已落地 landed": a state's term and name into out (cap bytes). Returns out. */
const char *case_view_state_label(yx_case_state_t state, char *out, size_t cap);

/* The same for a state's name as --json writes it ("landed"); the name alone if it is
 * none. */
const char *case_view_state_text(const char *name, char *out, size_t cap);

/* A case's row (state, enterprise, park, its source and destination each in names.h's JSON
 * shape of a node). Caller owns it. */
json_t *case_view_json(ctl_t *ctl, const char *id, const yx_case_t *c);

/* The steps of case id among ev (derived), in case order: each {"step" (its place on the
 * path, absent when not applied), "type", "term", "applied", "seq", "time_ms", the signer
 * in names.h's shape ("signer", "by", "by_city"), "text" (the author's note, if any),
 * "note" (why not applied)}. Caller owns the array. */
json_t *case_view_steps(ctl_t *ctl, const yx_case_events_t *ev, const char *id);

/* steps (as case_view_steps made them) as text, one line each under indent: number, term
 * and name, local time, author city, its seq in the author's log, the note — and why, for
 * a step not applied. */
void case_view_print_steps(ctl_t *ctl, json_t *steps, const char *indent);

#endif
