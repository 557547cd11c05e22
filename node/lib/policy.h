/* policy: confidentiality decided by the origin (docs/design.md, "Sharing is the origin's").
 *
 * An origin's sharing policy (共享策略) is a record of its own log, written by its daemon
 * from its config: the kinds member cities may have of its records, and per-city
 * exceptions by node key. Every node that serves the origin's log sends a change as a body
 * only if the origin's latest policy lets the receiving city have its kind AND the
 * server's own per-peer share does: a relay may pass less, never more. No policy
 * published = the default, every kind but the enterprise figures (企业财务数据), which
 * therefore leave their city only to cities the origin names. Policies themselves and
 * tombstones are never withheld.
 *
 * Kind sets are masks of bit (1u << kind). */
#ifndef YRDX_POLICY_H
#define YRDX_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "config.h"
#include "error.h"
#include "validate.h"

#define YX_KIND_BIT(k) (1u << (unsigned)(k))

/* "all" in a share list, and what an origin that published no policy lets every city
 * have: the six registry kinds. Not the figures: those go only where they are named. */
#define YX_SHARE_DEFAULT                                                    \
	(YX_KIND_BIT(YX_KIND_INCUBATOR) | YX_KIND_BIT(YX_KIND_ENTERPRISE) | \
	 YX_KIND_BIT(YX_KIND_PARK) | YX_KIND_BIT(YX_KIND_RELAY_EVENT) |     \
	 YX_KIND_BIT(YX_KIND_JOINT) | YX_KIND_BIT(YX_KIND_EVALUATION))

/* Kinds that go to every city whatever a policy or a share says: policies (so that every
 * server knows what the origin decided), charter votes (so that every node counts the
 * same votes) and tombstones (no kind). */
#define YX_SHARE_ALWAYS \
	(YX_KIND_BIT(YX_KIND_NONE) | YX_KIND_BIT(YX_KIND_POLICY) | YX_KIND_BIT(YX_KIND_CHARTER))

/* The kinds the origin whose policy is p (NULL: it published none) lets the city of
 * node have, YX_SHARE_ALWAYS included. */
uint32_t yx_policy_mask(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES]);

/* The kinds a server sends the city of node as bodies, of an origin whose policy is p:
 * the origin's word for that city, narrowed by the server's own share with it. */
uint32_t yx_policy_serve_mask(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES],
                              uint32_t own_share);

/* Whether p (NULL: none) lets the city of node have a change of kind as a body. */
bool yx_policy_allows(const Yrdx__SharingPolicy *p, const uint8_t node[YX_KEY_BYTES],
                      yx_kind_t kind);

/* Whether a and b (NULL: the default) decide alike for every city and kind. */
bool yx_policy_same(const Yrdx__SharingPolicy *a, const Yrdx__SharingPolicy *b);

/* The policy a config states, in storage the caller owns: the default kinds, and each
 * peer whose share differs from them as an exception (config order: by name). */
typedef struct {
	Yrdx__SharingPolicy msg;
	Yrdx__CityShare city[YX_MAX_POLICY_CITIES];
	Yrdx__CityShare *cities[YX_MAX_POLICY_CITIES];
	Yrdx__RecordKind kinds[YX_MAX_POLICY_CITIES + 1][YX_KIND_COUNT];
	uint8_t keys[YX_MAX_POLICY_CITIES][YX_KEY_BYTES];
} yx_policy_build_t;

/* Fills b from cfg. YX_OK, or YX_ECONFIG (diag says) if more than YX_MAX_POLICY_CITIES
 * peers have a share of their own. */
int yx_policy_from_config(const yx_config_t *cfg, yx_policy_build_t *b, yx_diag_t *diag);

#endif
