/* charter_peer: a configured peer checked against the charter (charter.h). Config peers
 * name members: the charter says which key a name has, so a config entry with another
 * key is a mistake or an attack, and is refused with both keys named in full. */
#include <string.h>

#include "charter.h"

int yx_charter_peer_check(const yx_charter_t *c, const char *name, const uint8_t *key,
                          const uint8_t *self, const yx_member_t **out, bool *stale,
                          yx_diag_t *diag)
{
	char have[YX_PUBKEY_TEXT_LEN + 1], want[YX_PUBKEY_TEXT_LEN + 1];
	const yx_member_t *m = yx_charter_member_by_name(c, name);
	*out = NULL;
	if (stale)
		*stale = false;
	if (!m) {
		const yx_member_t *owner = key ? yx_charter_member_by_key(c, key) : NULL;
		if (owner)
			return yx_diag_set(diag, YX_ENOTFOUND,
			                   "peer %s: no member of charter version %u is named %s "
			                   "(its key is member %s's: name the peer %s)",
			                   name, c->version, name, owner->name, owner->name);
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "peer %s: no member of charter version %u is named %s", name,
		                   c->version, name);
	}
	if (self && memcmp(m->origin, self, 32) == 0)
		return yx_diag_set(diag, YX_EINVAL,
		                   "peer %s: member %s is this node itself, not a peer", name,
		                   m->name);
	if (!yx_member_active(m))
		return yx_diag_set(diag, YX_EINVAL,
		                   "peer %s: member %s is revoked (its log ends at seq %llu) in "
		                   "charter version %u",
		                   name, m->name, (unsigned long long)m->revoked_after, c->version);
	const uint8_t *current = yx_member_current_key(m);
	if (key && memcmp(key, current, 32) != 0) {
		for (size_t k = 0; k + 1 < m->n_keys; k++)
			if (stale && memcmp(key, m->keys[k].key, 32) == 0) {
				/* The member rotated its key; the config has not caught up. */
				*stale = true;
				*out = m;
				return YX_OK;
			}
		yx_pubkey_format(key, have);
		yx_pubkey_format(current, want);
		return yx_diag_set(
		        diag, YX_EINVAL,
		        "peer %s: key %s differs from the charter's key %s for member %s", name,
		        have, want, m->name);
	}
	*out = m;
	return YX_OK;
}
