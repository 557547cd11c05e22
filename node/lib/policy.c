#include "policy.h"

#include <string.h>

static uint32_t kinds_mask(const Yrdx__RecordKind *k, size_t n)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++)
		if ((int)k[i] > YX_KIND_NONE && (int)k[i] < YX_KIND_COUNT)
			m |= YX_KIND_BIT(k[i]);
	return m;
}

/* Writes mask's kinds into k (room for YX_KIND_COUNT); returns how many. */
static size_t kinds_list(uint32_t mask, Yrdx__RecordKind *k)
{
	size_t n = 0;
	for (int i = YX_KIND_NONE + 1; i < YX_KIND_COUNT; i++)
		if (mask & YX_KIND_BIT(i))
			k[n++] = (Yrdx__RecordKind)i;
	return n;
}

uint32_t yx_policy_mask(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES])
{
	if (!p)
		return YX_SHARE_DEFAULT | YX_SHARE_ALWAYS;
	for (size_t i = 0; i < p->n_cities; i++) {
		const Yrdx__CityShare *c = p->cities[i];
		if (c && c->node.len == YX_KEY_BYTES &&
		    memcmp(c->node.data, node, YX_KEY_BYTES) == 0)
			return kinds_mask(c->kinds, c->n_kinds) | YX_SHARE_ALWAYS;
	}
	return kinds_mask(p->default_kinds, p->n_default_kinds) | YX_SHARE_ALWAYS;
}

uint32_t yx_policy_serve_mask(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES],
                              uint32_t own_share)
{
	return yx_policy_mask(p, node) & (own_share | YX_SHARE_ALWAYS);
}

bool yx_policy_allows(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES],
                      yx_kind_t kind)
{
	return (int)kind >= YX_KIND_NONE && (int)kind < YX_KIND_COUNT &&
	       (yx_policy_mask(p, node) & YX_KIND_BIT(kind));
}

static uint32_t default_mask(const Yrdx__SharingPolicy *p)
{
	return p ? kinds_mask(p->default_kinds, p->n_default_kinds) : YX_SHARE_DEFAULT;
}

/* Whether every city a names gets the same from b. */
static bool cities_alike(const Yrdx__SharingPolicy *a, const Yrdx__SharingPolicy *b)
{
	for (size_t i = 0; a && i < a->n_cities; i++) {
		const Yrdx__CityShare *c = a->cities[i];
		if (!c || c->node.len != YX_KEY_BYTES)
			continue;
		if (yx_policy_mask(a, c->node.data) != yx_policy_mask(b, c->node.data))
			return false;
	}
	return true;
}

bool yx_policy_same(const Yrdx__SharingPolicy *a, const Yrdx__SharingPolicy *b)
{
	return default_mask(a) == default_mask(b) && cities_alike(a, b) && cities_alike(b, a);
}

int yx_policy_from_config(const yx_config_t *cfg, yx_policy_build_t *b, yx_diag_t *diag)
{
	size_t n = 0;
	memset(b, 0, sizeof(*b));
	yrdx__sharing_policy__init(&b->msg);
	b->msg.id = (char *)YX_POLICY_ID;
	b->msg.default_kinds = b->kinds[YX_MAX_POLICY_CITIES];
	b->msg.n_default_kinds = kinds_list(YX_SHARE_DEFAULT, b->msg.default_kinds);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const yx_peer_conf_t *p = &cfg->peers[i];
		if (p->share_mask == YX_SHARE_DEFAULT)
			continue;
		if (n == YX_MAX_POLICY_CITIES)
			return yx_diag_set(diag, YX_ECONFIG,
			                   "%s: more than %d peers have a share of their own; a "
			                   "sharing policy names at most %d cities",
			                   cfg->path, YX_MAX_POLICY_CITIES, YX_MAX_POLICY_CITIES);
		Yrdx__CityShare *c = &b->city[n];
		yrdx__city_share__init(c);
		memcpy(b->keys[n], p->key, YX_KEY_BYTES);
		c->node.data = b->keys[n];
		c->node.len = YX_KEY_BYTES;
		c->kinds = b->kinds[n];
		c->n_kinds = kinds_list(p->share_mask, c->kinds);
		b->cities[n] = c;
		n++;
	}
	b->msg.cities = n ? b->cities : NULL;
	b->msg.n_cities = n;
	return YX_OK;
}
