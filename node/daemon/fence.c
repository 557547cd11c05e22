/* fence: a node whose store is older than its own log writes nothing until it holds that
 * log again.
 *
 * A node restored from a backup would number its next changes from the backup's tip,
 * seqs its peers already hold with other contents: a fork every peer refuses and nobody
 * sees coming. So a store made by `yrdxctl backup` carries a mark, and a node started on
 * it is fenced: it pulls its own log back from its peers (they verify it against the
 * node's own signatures like any other origin's) and refuses local writes until
 *   - at least one peer answered, and its own tip is at least what every peer that
 *     answered claims for it, and
 *   - every configured peer answered, or 2 × dead_after_ms passed since the fence rose
 *     (a peer that is down for good cannot hold the node's writes hostage).
 * A node with no peers has nobody to ask and nobody to fork against: its fence drops at
 * once. A peer claiming more of this node's log than the store holds raises the fence
 * at any time, restored with yrdxctl or not (a store copied back by hand) — but a claim
 * is believed only while its peer is not avoided for that origin: one that claims more
 * and delivers none of it is avoided by the stall rules (docs/design.md, "Liveness"),
 * so a member claiming 2^64-1 of our log holds our writes for a few dead_after_ms, not
 * for ever (tests/integration/test_hostile_pulling.py, test_lie_tip_own_log). */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "yrdxd.h"

static uint64_t own_tip(yxd_t *d)
{
	yx_tip_t tip;
	return yx_store_tip(d->store, d->origin, &tip) == YX_OK ? tip.seq : 0;
}

static void raise_fence(yxd_t *d, const char *why)
{
	if (!d->fence.on) {
		d->fence.on = true;
		d->fence.since_ms = zclock_mono();
		yx_log_warn("local writes refused until this node holds its own latest log: %s",
		            why);
	}
	/* Persisted at the next tick with no transaction open, so a restart before the
	 * log is back keeps the fence. */
	d->fence.persisted = false;
}

void yxd_fence_start(yxd_t *d)
{
	bool marked = false;
	if (yx_store_fenced(d->store, &marked) == YX_OK && marked) {
		raise_fence(d, "the store was made by yrdxctl backup");
		d->fence.persisted = true;
	}
}

void yxd_fence_own_claim(yxd_t *d, const char *peer, uint64_t seq)
{
	uint64_t mine = own_tip(d);
	if (seq <= mine || d->fence.on)
		return;
	char why[160];
	snprintf(why, sizeof(why),
	         "peer %s holds our log up to seq %llu, this store only to %llu (restored from "
	         "an old copy?)",
	         peer, (unsigned long long)seq, (unsigned long long)mine);
	raise_fence(d, why);
}

/* What keeps the fence up now, in words; "" when it may drop. */
static void fence_reason(yxd_t *d, int64_t now, char *buf, size_t cap)
{
	uint64_t claim = d->fence.claim, mine = own_tip(d);
	size_t answered = d->fence.answered;
	bool waited = now - d->fence.since_ms >= 2 * (int64_t)d->cfg->dead_after_ms;
	buf[0] = '\0';
	if (d->n_clients == 0)
		return;
	if (answered == 0)
		snprintf(buf, cap,
		         "started on an older copy of its store: writes refused until its peers "
		         "confirm its latest seq (0 of %zu peers answered; own log at %llu)",
		         d->n_clients, (unsigned long long)mine);
	else if (mine < claim || d->remote || (answered < d->n_clients && !waited))
		snprintf(buf, cap,
		         "started on an older copy of its store: writes refused until its peers "
		         "confirm its latest seq (%zu of %zu peers answered; own log at %llu, "
		         "they hold it to %llu)",
		         answered, d->n_clients, (unsigned long long)mine,
		         (unsigned long long)claim);
}

void yxd_fence_peers(yxd_t *d, size_t answered, uint64_t claim)
{
	d->fence.answered = answered;
	d->fence.claim = claim;
}

void yxd_fence_tick(yxd_t *d, int64_t now)
{
	char why[256];
	if (!d->fence.on || d->remote)
		return;
	if (!d->fence.persisted) {
		int ret = yx_store_fence(d->store, true);
		if (ret)
			yx_log_error("cannot record the fence in the store: %s", yx_strerror(ret));
		d->fence.persisted = ret == YX_OK;
	}
	fence_reason(d, now, why, sizeof(why));
	if (why[0])
		return;
	int ret = yx_store_fence(d->store, false);
	if (ret) {
		yx_log_error("cannot lift the fence in the store: %s", yx_strerror(ret));
		return;
	}
	d->fence.on = false;
	if (d->n_clients == 0)
		yx_log_warn("no peers to ask for this node's latest log: writing again from seq "
		            "%llu",
		            (unsigned long long)own_tip(d) + 1);
	else
		yx_log_info("own log confirmed by the peers up to seq %llu: writing again",
		            (unsigned long long)own_tip(d));
}

int yxd_fence_check(yxd_t *d, yx_diag_t *diag)
{
	char why[256];
	int ret = yxd_rotation_check(d, diag); /* a key rotation this node waits for */
	if (ret || !d->fence.on)
		return ret;
	fence_reason(d, zclock_mono(), why, sizeof(why));
	if (!why[0])
		snprintf(why, sizeof(why), "catching up with its own log; try again in a moment");
	return yx_diag_set(diag, YX_EFENCED, "this node %s", why);
}

bool yxd_fence_pulls_own(const yxd_t *d)
{
	return d->fence.on;
}

void yxd_fence_status(yxd_t *d, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (d->fence.on)
		fence_reason(d, zclock_mono(), buf, cap);
	if (d->fence.on && !buf[0])
		snprintf(buf, cap, "own log confirmed: writing again at the next tick");
	if (!buf[0])
		yxd_rotation_status(d, buf, cap);
}

/* ---- a key rotation this node waits for (rotate.c sets it) ---- */

void yxd_rotation_status(yxd_t *d, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (d->rotation.pending)
		snprintf(buf, cap,
		         "this node's key rotation waits for charter version %u to be adopted; "
		         "writes resume then",
		         d->rotation.version);
}

int yxd_rotation_check(yxd_t *d, yx_diag_t *diag)
{
	char why[160];
	yxd_rotation_status(d, why, sizeof(why));
	return why[0] ? yx_diag_set(diag, YX_EFENCED, "%s", why) : YX_OK;
}
