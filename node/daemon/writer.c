/* writer: the one way the daemon writes its store and tells the rest of itself.
 *
 * LMDB has one writer, and the daemon keeps received segments in an open transaction
 * until its input drains; so a local batch first has that committed (the flush hook,
 * client.c's). A node whose store is older than its own log writes nothing (fence.c).
 * After any commit, local or received, the commit hooks are told which origins moved:
 * the peer server pushes segments to its pullers, the feeds pump new arrivals to parks.
 * The subsystems register here; the writer knows none of them. */
#include <assert.h>
#include <string.h>

#include "yrdxd.h"

int yxd_writer_flush(yxd_t *d)
{
	return d->writer.flush ? d->writer.flush(d) : YX_OK;
}

void yxd_writer_set_flush(yxd_writer_t *w, yxd_flush_fn fn)
{
	w->flush = fn;
}

void yxd_writer_on_commit(yxd_writer_t *w, yxd_moved_fn fn)
{
	assert(w->n_hooks < YXD_WRITER_HOOKS);
	w->hooks[w->n_hooks++] = fn;
}

void yxd_writer_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	for (size_t i = 0; i < d->writer.n_hooks; i++)
		d->writer.hooks[i](d, origins, n);
}

int yxd_writer_begin(yxd_t *d, yx_batch_t **b, yx_diag_t *diag)
{
	int ret = yxd_fence_check(d, diag);
	if (ret == YX_OK && d->writer.flush)
		ret = d->writer.flush(d);
	if (ret == YX_OK)
		ret = yx_batch_begin(d->store, d->id, b);
	if (ret && !diag->msg[0])
		yx_diag_set(diag, ret, "%s", yx_strerror(ret));
	return ret;
}

int yxd_writer_commit(yxd_t *d, yx_batch_t **b, yx_head_t *head, yx_diag_t *diag)
{
	size_t n = yx_batch_count(*b);
	int ret = yx_batch_commit(b, head);
	if (ret)
		return yx_diag_set(diag, ret, "%s", yx_strerror(ret));
	d->counters[C_LOCAL_CHANGES] += n;
	if (n) {
		uint8_t self[1][YX_KEY_BYTES];
		memcpy(self[0], d->origin, YX_KEY_BYTES);
		yxd_writer_moved(d, (const uint8_t(*)[YX_KEY_BYTES])self, 1);
	}
	return YX_OK;
}
