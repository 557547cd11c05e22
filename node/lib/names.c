/* names: see names.h. The charter speaks first (its names are the federation's own),
 * then this node's config; nothing else names a node. */
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "validate.h"

struct yx_names {
	const yx_charter_t *charter; /* current version, NULL if none */
	const yx_config_t *cfg;      /* may be NULL */
	bool have_self;
	uint8_t self[32];
	yx_charter_chain_t *chain; /* owned, when yx_names_load read it */
};

int yx_names_new(const yx_charter_t *charter, const yx_config_t *cfg, const uint8_t *self,
                 yx_names_t **out)
{
	yx_names_t *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->charter = charter;
	n->cfg = cfg;
	if (self) {
		n->have_self = true;
		memcpy(n->self, self, 32);
	}
	*out = n;
	return YX_OK;
}

int yx_names_load(yx_store_t *store, const yx_config_t *cfg, const uint8_t *self, yx_names_t **out,
                  yx_diag_t *diag)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_charter_chain_t *chain = NULL;
	int ret = yx_store_charter_get(store, &bytes, &len);
	if (ret == YX_ENOTFOUND)
		return yx_names_new(NULL, cfg, self, out);
	if (ret != YX_OK)
		return yx_diag_set(diag, ret, "the store's charter: %s", yx_strerror(ret));
	ret = yx_charter_file_decode(bytes, len, false, &chain, NULL, diag);
	free(bytes);
	if (ret != YX_OK)
		return ret;
	ret = yx_names_new(yx_charter_chain_current(chain), cfg, self, out);
	if (ret != YX_OK) {
		yx_charter_chain_free(&chain);
		return ret;
	}
	(*out)->chain = chain;
	return YX_OK;
}

void yx_names_free(yx_names_t **names)
{
	if (!names || !*names)
		return;
	yx_charter_chain_free(&(*names)->chain);
	free(*names);
	*names = NULL;
}

const yx_charter_t *yx_names_charter(const yx_names_t *names)
{
	return names->charter;
}

/* The member key belongs to: its origin, its current key, or a key it signed with
 * before a rotation (a signer shown beside an old entry). */
static const yx_member_t *member_of(const yx_charter_t *c, const uint8_t key[32])
{
	const yx_member_t *m;
	if (!c)
		return NULL;
	if ((m = yx_charter_member_by_origin(c, key)) || (m = yx_charter_member_by_key(c, key)))
		return m;
	for (size_t i = 0; i < c->n_members; i++)
		for (size_t k = 0; k < c->members[i].n_keys; k++)
			if (memcmp(c->members[i].keys[k].key, key, 32) == 0)
				return &c->members[i];
	return NULL;
}

/* Whether key is this node's: its own key, or (after a rotation) its member's. */
static bool is_self(const yx_names_t *n, const uint8_t key[32], const yx_member_t *m)
{
	if (!n->have_self)
		return false;
	if (memcmp(n->self, key, 32) == 0)
		return true;
	return m && member_of(n->charter, n->self) == m;
}

bool yx_names_lookup(const yx_names_t *n, const uint8_t key[32], yx_node_name_t *out)
{
	const yx_member_t *m = member_of(n->charter, key);
	const yx_peer_conf_t *p = n->cfg ? yx_config_peer_by_key(n->cfg, key) : NULL;
	memset(out, 0, sizeof(*out));
	memcpy(out->origin, m ? m->origin : key, 32);
	out->self = is_self(n, key, m);
	if (m) {
		out->name = m->name;
		out->city = m->city;
		out->member = true;
	} else if (out->self && n->cfg) {
		out->name = n->cfg->name;
		out->city = n->cfg->city;
	} else if (p) {
		out->name = p->name;
	}
	out->city_name = out->city ? yx_city_name(out->city) : NULL;
	if (!out->city_name)
		out->city = 0;
	return out->name != NULL;
}

const char *yx_names_label(const yx_names_t *n, const uint8_t key[32], yx_name_form_t form,
                           char *out, size_t cap)
{
	yx_node_name_t nn;
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (!yx_names_lookup(n, key, &nn)) {
		yx_pubkey_format(key, text);
		snprintf(out, cap, "%s", text);
	} else if (!nn.city) {
		snprintf(out, cap, "%s", nn.name);
	} else if (form == YX_NAME_LONG) {
		snprintf(out, cap, "%s %s (%06u)", nn.city_name, nn.name, nn.city);
	} else {
		snprintf(out, cap, "%s %s", nn.city_name, nn.name);
	}
	return out;
}

/* field + suffix into buf; false if it does not fit. */
static bool field_name(char *buf, size_t cap, const char *field, const char *suffix)
{
	int len = snprintf(buf, cap, "%s%s", field, suffix);
	return len > 0 && (size_t)len < cap;
}

int yx_names_json_set(const yx_names_t *n, json_t *obj, const char *key_field,
                      const char *name_field, const char *city_field, const uint8_t key[32])
{
	yx_node_name_t nn;
	char text[YX_PUBKEY_TEXT_LEN + 1], city_name_field[64];
	int fail = 0;
	yx_names_lookup(n, key, &nn);
	if (key_field) {
		yx_pubkey_format(key, text);
		fail |= json_object_set_new(obj, key_field, json_string(text));
	}
	if (name_field)
		fail |= json_object_set_new(obj, name_field,
		                            nn.name ? json_string(nn.name) : json_null());
	if (!field_name(city_name_field, sizeof(city_name_field), city_field, "_name"))
		return -ENOMEM; /* a programmer's field name of 58 characters */
	fail |= json_object_set_new(obj, city_field, nn.city ? json_integer(nn.city) : json_null());
	fail |= json_object_set_new(obj, city_name_field,
	                            nn.city_name ? json_string(nn.city_name) : json_null());
	return fail ? -ENOMEM : YX_OK;
}

size_t yx_names_of_city(const yx_names_t *n, uint32_t city, const char **out, size_t cap)
{
	size_t found = 0;
	const yx_charter_t *c = n->charter;
	for (size_t i = 0; c && i < c->n_members; i++)
		if (c->members[i].city == city && found++ < cap)
			out[found - 1] = c->members[i].name;
	for (size_t i = 0; c && !found && i < c->n_members; i++)
		if (yx_member_may_write(&c->members[i], city) && found++ < cap)
			out[found - 1] = c->members[i].name;
	if (!c && n->cfg && n->cfg->city == city && found++ < cap)
		out[0] = n->cfg->name;
	return found;
}

/* The log a key given in full writes: its member's origin, else the key itself. */
static void origin_of(const yx_names_t *n, const uint8_t key[32], uint8_t origin[32])
{
	const yx_member_t *m = member_of(n->charter, key);
	memcpy(origin, m ? m->origin : key, 32);
}

/* "shanghai, hangzhou, hefei" into out: what a wrong name could have been. */
static void member_list(const yx_names_t *n, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; n->charter && i < n->charter->n_members; i++) {
		int w = snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
		                 n->charter->members[i].name);
		if (w < 0 || (size_t)w >= cap - len) {
			snprintf(out + len, cap - len, ", …");
			break;
		}
		len += (size_t)w;
	}
}

int yx_names_resolve(const yx_names_t *n, const char *text, uint8_t origin[32], yx_diag_t *diag)
{
	const yx_member_t *m = n->charter ? yx_charter_member_by_name(n->charter, text) : NULL;
	const yx_peer_conf_t *p = n->cfg ? yx_config_peer_by_name(n->cfg, text) : NULL;
	uint8_t key[32];
	char members[512];
	bool self = strcmp(text, "self") == 0 || (n->cfg && strcmp(text, n->cfg->name) == 0);

	if (m) {
		memcpy(origin, m->origin, 32);
	} else if (self && n->have_self) {
		origin_of(n, n->self, origin);
	} else if (p) {
		origin_of(n, p->key, origin);
	} else if (yx_pubkey_parse(text, key, NULL) == YX_OK) {
		origin_of(n, key, origin);
	} else {
		member_list(n, members, sizeof(members));
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "\"%s\" is not %s%s%s\"self\", a peer's name or a public key "
		                   "in full (44 characters of base64)",
		                   text, n->charter ? "a member of the charter (" : "", members,
		                   n->charter ? "), " : "");
	}
	return YX_OK;
}
