/* refusals: the latest things the node refused — a peer's bad data, an origin no member
 * has, a handshake — kept with their time, what and who for the console. The counters
 * say how many; this says which, so an administrator can tell whom to call. A fixed ring
 * in yxd_t: noting one costs a copy, and a flood costs no memory. */
#include <stdio.h>
#include <string.h>

#include "yrdxd.h"

static yxd_refusal_t *newest(yxd_refusals_t *r)
{
	return r->total ? &r->ring[(r->total - 1) % YXD_REFUSALS] : NULL;
}

void yxd_refusals_add(yxd_refusals_t *r, int64_t now_ms, yxd_counter_t reason, const char *who,
                      const uint8_t *key, const char *what)
{
	yxd_refusal_t *last = newest(r);
	char w[sizeof(last->who)];
	snprintf(w, sizeof(w), "%s", who ? who : "");
	/* The same refusal again (a peer retrying, a scanner knocking): counted on the one
	 * before, so that a flood of one kind does not push every other kind out. */
	if (last && last->reason == reason && strcmp(last->who, w) == 0 &&
	    last->has_key == (key != NULL) && (!key || memcmp(last->key, key, 32) == 0)) {
		last->count++;
		last->last_ms = now_ms;
		snprintf(last->what, sizeof(last->what), "%s", what ? what : "");
		return;
	}
	yxd_refusal_t *e = &r->ring[r->total % YXD_REFUSALS];
	r->total++;
	memset(e, 0, sizeof(*e));
	e->first_ms = e->last_ms = now_ms;
	e->count = 1;
	e->reason = reason;
	e->has_key = key != NULL;
	if (key)
		memcpy(e->key, key, 32);
	memcpy(e->who, w, sizeof(w));
	snprintf(e->what, sizeof(e->what), "%s", what ? what : "");
}

const yxd_refusal_t *yxd_refusals_get(const yxd_refusals_t *r, size_t i)
{
	if (i >= r->total || i >= YXD_REFUSALS)
		return NULL;
	return &r->ring[(r->total - 1 - i) % YXD_REFUSALS];
}
