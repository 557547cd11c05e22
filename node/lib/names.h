/* names: what every output calls a node (design decision 8). A member city is named by
 * its charter name and its city, "上海 shanghai"; without a charter (or for a key the
 * charter does not hold) by the name this node's config gives it: itself, or a peer;
 * a key nobody names is printed in full, never cut short — a prefix of a key is no name
 * a reader can check, and two keys may share one.
 *
 * The forms, one for each use:
 *   YX_NAME_SHORT  "上海 shanghai"           tables and lines that name many nodes
 *   YX_NAME_LONG   "上海 shanghai (310000)"  headings that name one
 * where the city is not known (a config peer without a charter) both are "hangzhou";
 * where nobody names the key both are the key's 44 characters of base64.
 *
 * In JSON a node is always its key in full, with its name and city beside it (null where
 * unknown): yx_names_json_set. The same module resolves what a person types for a node
 * (--origin NAME|KEY) to the origin whose log it means. */
#ifndef YRDX_NAMES_H
#define YRDX_NAMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charter.h"
#include "config.h"
#include "error.h"
#include "store.h"

/* Room for any label: a city's Chinese name, a node name, a code, or a key in full. */
#define YX_NAME_LABEL_MAX 96

typedef enum { YX_NAME_SHORT, YX_NAME_LONG } yx_name_form_t;

typedef struct yx_names yx_names_t;

/* What is known of one key. Pointers point into the names (valid while it lives) or
 * into static tables. */
typedef struct {
	const char *name;      /* charter or config name; NULL: nobody names the key */
	uint32_t city;         /* GB/T 2260; 0 when not known */
	const char *city_name; /* "上海"; NULL when city is 0 */
	uint8_t origin[32];    /* the log the key writes: a member's origin, else the key */
	bool member;           /* named by the charter */
	bool self;             /* this node */
} yx_node_name_t;

/* Names from charter (the current version; NULL if none is installed), cfg (this node's
 * name and city, its peers) and self (this node's key; NULL if not known). Borrows
 * charter and cfg: both must outlive the names. YX_OK or -ENOMEM. */
int yx_names_new(const yx_charter_t *charter, const yx_config_t *cfg, const uint8_t *self,
                 yx_names_t **out);

/* The same from the charter store holds (yx_store_charter_get), which the names then
 * own. No charter installed is no error: names from cfg alone. A charter that does not
 * verify is YX_EINVAL with diag saying why (and *out unset): the caller may go on with
 * yx_names_new(NULL, ...) after saying so. */
int yx_names_load(yx_store_t *store, const yx_config_t *cfg, const uint8_t *self, yx_names_t **out,
                  yx_diag_t *diag);

/* Frees and nulls; accepts NULL. */
void yx_names_free(yx_names_t **names);

/* The current charter the names come from; NULL if none. */
const yx_charter_t *yx_names_charter(const yx_names_t *names);

/* What is known of key: an origin, or any key a member signs with. True if someone
 * names it (charter or config); false leaves out->name NULL and out->origin the key. */
bool yx_names_lookup(const yx_names_t *names, const uint8_t key[32], yx_node_name_t *out);

/* key's label in form into out (cap >= YX_NAME_LABEL_MAX); returns out. */
const char *yx_names_label(const yx_names_t *names, const uint8_t key[32], yx_name_form_t form,
                           char *out, size_t cap);

/* Sets, in obj: key_field (if not NULL) to key in full, name_field (if not NULL) to the
 * name (null if nobody names it), city_field to the city code and city_field + "_name" to its
 * Chinese name (both null when not known). The one JSON shape of a node. YX_OK or -ENOMEM. */
int yx_names_json_set(const yx_names_t *names, json_t *obj, const char *key_field,
                      const char *name_field, const char *city_field, const uint8_t key[32]);

/* The names of the nodes of city (members whose city it is; else those whose
 * jurisdiction holds it; without a charter this node, if it is of that city) into out,
 * at most cap of them, in the charter's order; returns how many there are. */
size_t yx_names_of_city(const yx_names_t *names, uint32_t city, const char **out, size_t cap);

/* The origin text means: "self", a member's name, this node's name, a configured peer's
 * name, or a key in full (a member's current or earlier key means its origin). YX_OK,
 * or YX_ENOTFOUND with diag saying what it accepts (and the members' names). */
int yx_names_resolve(const yx_names_t *names, const char *text, uint8_t origin[32],
                     yx_diag_t *diag);

#endif
