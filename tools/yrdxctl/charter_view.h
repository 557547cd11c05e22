/* charter_view: what yrdxctl shows of a charter (联盟章程) chain — each version's text,
 * who has signed it and who is still missing — as text or JSON, and the charter files it
 * reads and writes. Shared by `charter` (cmd_charter.c) and `init --charter`. */
#ifndef YRDXCTL_CHARTER_VIEW_H
#define YRDXCTL_CHARTER_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "charter.h"
#include "yrdxctl.h"

/* Who signs version i of a chain and who has: for version 1 every member it names (with
 * its first key), for a later one the active members of the version before (with their
 * current keys there), of whom `needed` (that version's threshold) must sign. */
typedef struct {
	const yx_member_t *electors[YX_CHARTER_MAX_MEMBERS];
	bool signed_by[YX_CHARTER_MAX_MEMBERS]; /* a valid signature of the elector's key */
	bool bad[YX_CHARTER_MAX_MEMBERS];       /* its key signed, and it does not verify */
	size_t n_electors;
	size_t n_signed;
	size_t needed;
} ctl_tally_t;

void ctl_charter_tally(const yx_charter_chain_t *chain, size_t i, ctl_tally_t *t);

/* Every version's text (yx_charter_print) followed by its tally, to out. */
int ctl_charter_print_chain(const yx_charter_chain_t *chain, FILE *out);
/* The tally of version i as text ("signatures: 2 of 3 ..."), to out. */
void ctl_charter_print_tally(const yx_charter_chain_t *chain, size_t i, FILE *out);
/* The chain as JSON: every version, member and signature, keys in full. */
json_t *ctl_charter_json(const yx_charter_chain_t *chain);
/* Version i of the chain as JSON. */
json_t *ctl_charter_version_json(const yx_charter_chain_t *chain, size_t i);

/* Reads and decodes the charter file at path (with allow_draft, its last version may lack
 * signatures; *missing says how many it needs, may be NULL). Prints why it cannot:
 * EXIT_FAIL if the file cannot be read, EXIT_USAGE if it is no valid charter (the
 * missing or bad signatures named). what prefixes the message ("charter install"). */
int ctl_charter_load(const char *what, const char *path, bool allow_draft,
                     yx_charter_chain_t **chain, size_t *missing);

/* Writes the chain to path (mode 0600, atomically): with force (or replace) over an
 * existing file, else never. Prints why it cannot. */
int ctl_charter_save(const char *what, const char *path, const yx_charter_chain_t *chain,
                     bool force);

/* Makes chain the charter the store holds (yx_store_charter_put), if it may: the same
 * federation (version 1) as the one held, and not older; versions both hold must be the
 * same. Prints why not (EXIT_USAGE); with report, what it did. path names the file in
 * messages; self is the node's key (to say which member it is). */
int ctl_charter_put(ctl_t *ctl, const char *what, yx_store_t *store, const char *path,
                    const yx_charter_chain_t *chain, const uint8_t self[32], bool report);

/* "this node is member shanghai (上海) of version 1", or that it is none, to out. */
void ctl_charter_say_member(const yx_charter_t *cur, const uint8_t self[32], FILE *out);

#endif
