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
 * The case is opened by the one PROPOSE its id names, by key and log position (see
 * yx_case_id_make): a PROPOSE of another origin reusing the id takes nothing over.
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
#include "keyid.h"

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
	int64_t time_ms; /* when its author wrote it (informative: never decides a step) */
	const Yrdx__RelayEvent *ev;
	/* filled by yx_case_derive */
	bool applied;     /* on the case's path */
	unsigned step;    /* its place on the path, 1 for the PROPOSE; 0 when not applied */
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

/* A case id names the PROPOSE that opens the case and the key that signed it (keyid.h):
 *
 *   <node name>-<seq>-<fingerprint>            "shanghai-92-3fa2c1d08e7b6a54"
 *
 * Only the PROPOSE at that seq of the log whose key begins with the fingerprint opens
 * the case: another key's PROPOSE naming it is kept (it is signed data) and never
 * applied. Ids without a fingerprint (the old "<name>-<seq>") name no key and open no
 * case: there is no deployment holding any. */
#define YX_CASE_FP_BYTES YX_KEYID_FP_BYTES
/* The longest case id yrdx makes: "<case id>/withdraw", the longest event id, then fits
 * a record id (YX_MAX_ID_LEN, 64). */
#define YX_CASE_ID_MAX 55

/* The id of the case the PROPOSE at (origin, seq) opens, written by the node named name,
 * into out (cap bytes, at least YX_CASE_ID_MAX + 1): the name is cut to fit. false if
 * cap is too small. */
bool yx_case_id_make(const char *name, const uint8_t origin[YX_KEY_BYTES], uint64_t seq, char *out,
                     size_t cap);

/* What a case id looks like, for messages refusing one that is not. */
#define YX_CASE_ID_FORM                                                                      \
	"NAME-SEQ-FINGERPRINT, as relay propose prints it (ids without the key fingerprint " \
	"are not read)"

/* The seq and key fingerprint case_id names; false if it is not of the form above (an
 * old id, or not a case id). */
bool yx_case_id_parse(const char *case_id, uint64_t *seq, uint8_t fp[YX_CASE_FP_BYTES]);

/* Whether the change at (origin, seq) is the one case_id names: the only PROPOSE that
 * may open that case. */
bool yx_case_id_names(const char *case_id, const uint8_t origin[YX_KEY_BYTES], uint64_t seq);

/* The record id of the event of type in case case_id, as every node writes it —
 * "<case id>/<type>" in lower case, "sh-17/accept" — into out (cap bytes): how a case's
 * PROPOSE is found by id. false if it does not fit or type has no name. */
bool yx_case_event_id(const char *case_id, Yrdx__RelayEventType type, char *out, size_t cap);

/* Name of a state, lower case ("proposed", ...). */
const char *yx_case_state_name(yx_case_state_t state);

/* Derives the case rooted at the PROPOSE case_id names among events (any order; events
 * of other cases may be present and are left alone). Marks each event of this case
 * applied or not, with a note: a PROPOSE of another key or seq is never applied.
 * YX_ENOTFOUND if the PROPOSE case_id names is not among them (or case_id names none). */
int yx_case_derive(yx_case_event_t *events, size_t n, const char *case_id, yx_case_t *out);

/* The events of case case_id among events (derived by yx_case_derive) in the order people
 * read them: the applied path step by step, then the events left off it by the time they
 * were written (seq, then origin, breaking ties). Their indexes into order (room for n);
 * returns how many. */
size_t yx_case_order(const yx_case_event_t *events, size_t n, const char *case_id, size_t *order);

/* Whether an event of type was applied on the case's path among events (derived): a case
 * CLOSED after landing has its LAND applied, one closed after a decline has not. */
bool yx_case_has_step(const yx_case_event_t *events, size_t n, const char *case_id,
                      Yrdx__RelayEventType type);

/* Whether author may now add an event of type to the case: YX_OK, or YX_EINVAL with a
 * message saying who owns that step or which state it needs. */
int yx_case_check_step(const yx_case_t *c, Yrdx__RelayEventType type,
                       const uint8_t author[YX_KEY_BYTES], yx_diag_t *diag);

#endif
