/* jurisdiction (管辖范围): a member writes records of the cities its charter entry names
 * only — checked when this node writes (put, import, relay) and when it receives. The
 * decision itself is node/lib/jurisdiction.c's; here is whose jurisdiction applies and
 * what a refusal says. Without a charter nothing is checked, as before there was one. */
#include <stdio.h>

#include "jurisdiction.h"
#include "yrdxd.h"

/* The record c as a message names it: "enterprise 91310000MA1FL8XQ3N". */
static void record_label(const Yrdx__Change *c, char *out, size_t cap)
{
	const char *kind = yx_kind_name(yx_change_body_kind(c));
	const char *id = yx_change_body_id(c);
	snprintf(out, cap, "%s %.64s", kind ? kind : "record", id ? id : "");
}

int yxd_charter_admit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                      const Yrdx__Change *change, yx_diag_t *diag)
{
	yxd_t *d = arg;
	const yx_charter_t *cur = yxd_charter_current(d);
	const yx_member_t *m = cur ? yx_charter_member_by_origin(cur, origin) : NULL;
	yx_diag_t why = {{0}};
	char record[96];
	if (!cur)
		return YX_OK;
	/* Every change that enters the store from elsewhere passes here: a vote among them
	 * makes the charter count votes after the commit (charter.c). */
	if (change->body_case == YRDX__CHANGE__BODY_CHARTER_VOTE)
		d->charter.votes_came = true;
	/* The signer rule refused a non-member's head before any change was decoded; this
	 * holds should it ever not have. */
	if (!m)
		return yx_diag_set(diag, YX_EREFUSED,
		                   "seq %llu: its origin is no member of charter version %u",
		                   (unsigned long long)seq, cur->version);
	if (yx_jurisdiction_check(m, change, YX_EREFUSED, &why) == YX_OK)
		return YX_OK;
	record_label(change, record, sizeof(record));
	d->charter.refused_jurisdiction = true;
	return yx_diag_set(diag, YX_EREFUSED, "origin %s seq %llu wrote %s: %s", m->name,
	                   (unsigned long long)seq, record, why.msg);
}

int yxd_jurisdiction_local(yxd_t *d, const Yrdx__Change *c, yx_diag_t *diag)
{
	const yx_charter_t *cur = yxd_charter_current(d);
	const yx_member_t *self = yxd_charter_self(d);
	yx_member_t own;
	if (!cur)
		return YX_OK;
	if (!self) {
		yx_jurisdiction_own(&own, d->cfg->name, d->cfg->city);
		self = &own;
	}
	int ret = yx_jurisdiction_check(self, c, YX_EINVAL, diag);
	if (ret && self == &own) {
		char why[sizeof(diag->msg)];
		snprintf(why, sizeof(why), "%s", diag->msg);
		yx_diag_set(diag, ret,
		            "%.800s (this node is no member of charter version %u: until it is "
		            "admitted, its jurisdiction is its own city)",
		            why, cur->version);
	}
	return ret;
}
