/* relay: the state of a relay-incubation case (接力孵化), derived from its events.
 *
 * Every event is a record of the node that authored it, and each one after PROPOSE names
 * the event it answers by (origin, seq, hash). The state is a pure function of the set of
 * events — never of their arrival order or of clocks — so every node derives the same:
 *
 *   PROPOSED --ACCEPT(dest)--> ACCEPTED --LAND(dest)--> LANDED --CLOSE(either)--> CLOSED
 *       |  \--DECLINE(dest)--> DECLINED --CLOSE(source)--> CLOSED
 *       \----WITHDRAW(source)--> WITHDRAWN --CLOSE(source)--> CLOSED
 *   (ACCEPTED --WITHDRAW(source)--> WITHDRAWN too, before landing)
 *
 * From the current step, only an event that answers it, has a legal type, names the
 * PROPOSE's enterprise and is authored by the party owning that step moves the case on. Two such
 * events (say ACCEPT and WITHDRAW written at the same time in two cities) are ordered by their
 * hashes: the lower one wins everywhere; the other is kept and shown as superseded. */
#ifndef YRDX_RELAY_H
#define YRDX_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "error.h"

typedef enum {
	YX_CASE_PROPOSED,
	YX_CASE_ACCEPTED,
	YX_CASE_DECLINED,
	YX_CASE_WITHDRAWN,
	YX_CASE_LANDED,
	YX_CASE_CLOSED,
} yx_case_state_t;

/* One event as stored: who wrote it where, and what it says (points into the caller's
 * decoded change). */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;
	uint8_t hash[YX_HASH_BYTES]; /* the change's chain hash: what answers name */
	const Yrdx__RelayEvent *ev;
	/* filled by yx_case_derive */
	bool applied;     /* on the case's path */
	const char *note; /* why not, when not applied */
} yx_case_event_t;

typedef struct {
	yx_case_state_t state;
	const yx_case_event_t *propose; /* the case's first event */
	const yx_case_event_t *last;    /* the event that set the state */
	uint8_t source[YX_KEY_BYTES];   /* proposer's node */
	uint8_t destination[YX_KEY_BYTES];
	size_t steps; /* events applied, PROPOSE included */
} yx_case_t;

/* The record id of the event of type in case case_id, as every node writes it —
 * "<case id>/<type>" in lower case, "sh-17/accept" — into out (cap bytes): how a case's
 * PROPOSE is found by id. false if it does not fit or type has no name. */
bool yx_case_event_id(const char *case_id, Yrdx__RelayEventType type, char *out, size_t cap);

/* Name of a state, lower case ("proposed", ...). */
const char *yx_case_state_name(yx_case_state_t state);

/* Derives the case rooted at the PROPOSE among events (any order; events of other cases
 * may be present and are left alone). Marks each event of this case applied or not, with
 * a note. YX_ENOTFOUND if no valid PROPOSE for case_id is among them. */
int yx_case_derive(yx_case_event_t *events, size_t n, const char *case_id, yx_case_t *out);

/* Whether author may now add an event of type to the case: YX_OK, or YX_EINVAL with a
 * message saying who owns that step or which state it needs. */
int yx_case_check_step(const yx_case_t *c, Yrdx__RelayEventType type,
                       const uint8_t author[YX_KEY_BYTES], yx_diag_t *diag);

#endif
