/* write: the one way the daemon writes this node's own records.
 *
 * LMDB has one writer, and the daemon keeps received segments in an open transaction
 * until its input drains; so a local batch first commits what was received. A node whose
 * store is older than its own log writes nothing (fence.c). After the commit, pullers
 * are told (segments pushed) and park feeds pumped. */
#include "yrdxd.h"

int yxd_write_begin(yxd_t *d, yx_batch_t **b, yx_diag_t *diag)
{
	int ret = yxd_fence_check(d, diag);
	if (ret == YX_OK && (ret = yxd_remote_flush(d)) == YX_OK)
		ret = yx_batch_begin(d->store, d->id, b);
	if (ret && !diag->msg[0])
		yx_diag_set(diag, ret, "%s", yx_strerror(ret));
	return ret;
}

int yxd_write_commit(yxd_t *d, yx_batch_t **b, yx_head_t *head, yx_diag_t *diag)
{
	size_t n = yx_batch_count(*b);
	int ret = yx_batch_commit(b, head);
	if (ret)
		return yx_diag_set(diag, ret, "%s", yx_strerror(ret));
	d->counters[C_LOCAL_CHANGES] += n;
	if (n)
		yxd_announce_self(d);
	return YX_OK;
}
