/* charter (daemon): the federation charter this node follows (docs/design.md, "The
 * charter"). Holds the adopted chain, read from the store at start; gives the store its
 * rules (who signs a member's heads at a seq, whether a received change stands); says
 * who this node is in it. Adoption of amendments from the members' votes builds on this. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "yrdxd.h"

/* The key that signs origin's head at seq: the member's key for that seq of its log, or
 * NULL when the origin is no member or the seq lies past its revocation. */
static const uint8_t *charter_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	yxd_t *d = arg;
	const yx_member_t *m = yx_charter_member_by_origin(yxd_charter_current(d), origin);
	if (!m || !yx_member_seq_stands(m, seq))
		return NULL;
	return yx_member_key_at(m, seq);
}

/* The store's rules from the chain held (none without a charter). */
static void charter_rules(yxd_t *d)
{
	yx_rules_t rules = {charter_signer, yxd_charter_admit, d};
	yx_store_set_rules(d->store, d->charter.chain ? &rules : NULL);
}

int yxd_charter_start(yxd_t *d)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	int ret = yx_store_charter_get(d->store, &bytes, &len);
	if (ret == YX_ENOTFOUND) {
		yx_log_warn("no charter installed: this node trusts the peers in its config and "
		            "every origin they offer (yrdxctl charter install FILE)");
		return YX_OK;
	}
	if (ret == YX_OK)
		ret = yx_charter_file_decode(bytes, len, false, &d->charter.chain, NULL, &diag);
	free(bytes);
	if (ret) {
		yx_log_error("the charter in %s does not verify: %s", d->cfg->data_dir,
		             diag.msg[0] ? diag.msg : yx_strerror(ret));
		return ret;
	}
	const yx_charter_t *c = yxd_charter_current(d);
	if (!yxd_charter_self(d))
		yx_log_warn("charter version %u does not name this node's key: its records "
		            "reach no member",
		            c->version);
	yx_log_info("charter %s version %u: %zu members, threshold %u", c->federation, c->version,
	            c->n_members, c->threshold);
	charter_rules(d);
	return YX_OK;
}

void yxd_charter_stop(yxd_t *d)
{
	if (d->store)
		yx_store_set_rules(d->store, NULL);
	yx_charter_chain_free(&d->charter.chain);
}

const yx_charter_t *yxd_charter_current(const yxd_t *d)
{
	return yx_charter_chain_current(d->charter.chain);
}

const yx_member_t *yxd_charter_self(const yxd_t *d)
{
	return yx_charter_member_by_origin(yxd_charter_current(d), d->origin);
}
