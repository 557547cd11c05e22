/* policy: this node's sharing policy travels in its own log (docs/design.md, "Sharing is
 * the origin's"). Whenever the config states another policy than the last one published
 * — at start and after a reload — the daemon writes it as a record (kind policy, id
 * "policy"), so that every node serving our log applies our word, not its own. Not while
 * fenced: that write waits, like every local write, until the node holds its own log,
 * and is tried again each tick and before each put. */
#include <stdlib.h>

#include "log.h"
#include "policy.h"
#include "yrdxd.h"

void yxd_policy_due(yxd_t *d)
{
	d->policy_due = true;
}

int yxd_policy_publish(yxd_t *d)
{
	yx_policy_build_t *want = NULL;
	Yrdx__Change *last = NULL;
	yx_batch_t *b = NULL;
	yx_diag_t diag = {{0}};
	yx_head_t head;
	int ret;

	if (!d->policy_due)
		return YX_OK;
	if (!(want = malloc(sizeof(*want))))
		return -ENOMEM;
	if ((ret = yx_policy_from_config(d->cfg, want, &diag))) {
		yx_log_error("sharing policy not published, the last one stays: %s", diag.msg);
		d->policy_due = false; /* until the config changes */
		goto out;
	}
	if ((ret = yx_store_policy(d->store, d->origin, &last)))
		goto out;
	if (yx_policy_same(last ? last->sharing_policy : NULL, &want->msg)) {
		d->policy_due = false;
		goto out;
	}
	if ((ret = yxd_writer_begin(d, &b, &diag)))
		goto out; /* fenced or full: the next tick tries again */
	Yrdx__Change c = YRDX__CHANGE__INIT;
	yx_change_set_body(&c, YX_KIND_POLICY, &want->msg);
	c.id = (char *)YX_POLICY_ID;
	if ((ret = yx_batch_put(b, &c, &diag))) {
		yx_batch_abort(&b);
		goto out;
	}
	if ((ret = yxd_writer_commit(d, &b, &head, &diag)))
		goto out;
	d->policy_due = false;
	yx_log_info("sharing policy published at seq %llu: %zu cit%s with a share of their own",
	            (unsigned long long)head.seq, want->msg.n_cities,
	            want->msg.n_cities == 1 ? "y" : "ies");
out:
	if (ret && d->policy_due && !d->policy_logged) {
		yx_log_warn("sharing policy not yet published (tried again each tick): %s",
		            diag.msg[0] ? diag.msg : yx_strerror(ret));
		d->policy_logged = true;
	}
	if (!d->policy_due)
		d->policy_logged = false;
	yx_change_free(&last);
	free(want);
	return ret;
}
