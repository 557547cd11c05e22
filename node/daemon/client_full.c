/* client_full: the pull side when the store cannot grow (map or disk full) — pulling
 * stops, what is in flight is dropped, and the store is probed for room after a back-off
 * (client.c probes; docs/design.md, "The store"). */
#include "client.h"
#include "log.h"

/* Drops every subscription (the server stops streaming), so that what is re-pulled later
 * starts from the committed tip; and the filling of stubs starts again from the first
 * hole, as fills answered into what was dropped are lost with it. */
void yxd_unsubscribe_all(yxd_t *d)
{
	for (size_t i = 0; i < d->n_clients; i++) {
		for (size_t k = 0; k < d->clients[i]->n_tips; k++)
			if (d->clients[i]->tips[k].subscribed) {
				d->clients[i]->tips[k].subscribed = false;
				yxd_send_pull(d->clients[i], d->clients[i]->tips[k].origin, 0);
			}
		yxd_fill_again(d->clients[i]);
	}
}

/* The store refused to grow (map or disk full): stop pulling, drop what is in flight, and
 * probe for room after a back-off that doubles up to reconnect_max_ms × 12 (a minute by
 * default). Said once in the log per episode; an episode that starts again soon after
 * the last one ended continues its back-off, silently. */
void yxd_store_full(yxd_t *d, int err)
{
	int64_t now = zclock_mono();
	uint32_t start = d->cfg->reconnect_min_ms * 10, max = d->cfg->reconnect_max_ms * 12;
	if (!d->full.since_ms) {
		bool recent = d->full.ended_ms &&
		              now - d->full.ended_ms < 2 * (int64_t)d->full.backoff_ms;
		d->full.since_ms = now;
		d->full.backoff_ms = recent ? d->full.backoff_ms : start;
		if (!recent) {
			yx_log_error("%s: pulling stopped until there is room; trying again with "
			             "a back-off of up to %u s",
			             yx_strerror(err), max / 1000);
			d->full.logged = true;
		}
	} else {
		d->full.backoff_ms = d->full.backoff_ms * 2 > max ? max : d->full.backoff_ms * 2;
	}
	d->full.err = err;
	d->full.retry_ms = now + d->full.backoff_ms;
	yxd_unsubscribe_all(d);
}

/* The probe found room: pull again. */
void yxd_store_room_again(yxd_t *d)
{
	int64_t now = zclock_mono();
	if (d->full.logged) {
		yx_log_info("the store has room again (full for %lld s): pulling resumed",
		            (long long)((now - d->full.since_ms) / 1000));
		d->full.logged = false;
	}
	d->full.since_ms = 0;
	d->full.ended_ms = now;
}
