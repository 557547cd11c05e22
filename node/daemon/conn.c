/* conn: what a pull connection's modules share — the peer's tips as it told them, and
 * sending on the connection — below both client.c (the connection and its receive path)
 * and fill.c (asking for the bodies of stubs). A peer names the origins in its tips, so
 * their table is a hash map with a cap (sync/max_origins), emptied when it disconnects. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client.h"
#include "grow.h"
#include "log.h"

void *yxd_client_socket(const yxd_client_t *c)
{
	return c->sock;
}

static size_t tip_slot(const yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(h, origin, YX_KEY_BYTES, c->tip_key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (c->tip_slots - 1);
}

/* Rebuilds the index for slots positions (a power of two above 2 × n_tips). */
static int tips_reindex(yxd_client_t *c, size_t slots)
{
	uint32_t *index = calloc(slots, sizeof(*index));
	if (!index)
		return -ENOMEM;
	if (!c->tip_slots)
		randombytes_buf(c->tip_key, sizeof(c->tip_key));
	free(c->tip_index);
	c->tip_index = index;
	c->tip_slots = slots;
	for (size_t i = 0; i < c->n_tips; i++) {
		size_t s = tip_slot(c, c->tips[i].origin);
		while (index[s])
			s = (s + 1) & (slots - 1);
		index[s] = (uint32_t)(i + 1);
	}
	return YX_OK;
}

peer_tip_t *yxd_tip_get(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], bool create)
{
	if (create)
		return yxd_tip_add(c, origin, SIZE_MAX);
	if (!c->tip_slots)
		return NULL;
	for (size_t s = tip_slot(c, origin); c->tip_index[s]; s = (s + 1) & (c->tip_slots - 1)) {
		peer_tip_t *t = &c->tips[c->tip_index[s] - 1];
		if (memcmp(t->origin, origin, YX_KEY_BYTES) == 0)
			return t;
	}
	return NULL;
}

peer_tip_t *yxd_tip_add(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], size_t max)
{
	peer_tip_t *t = yxd_tip_get(c, origin, false);
	if (t)
		return t;
	if (c->n_tips >= max || c->n_tips >= UINT32_MAX / 4)
		return NULL;
	if (yx_grow(c->tips, c->tips_cap, c->n_tips + 1, 16))
		return NULL;
	if (2 * (c->n_tips + 1) > c->tip_slots &&
	    tips_reindex(c, c->tip_slots ? c->tip_slots * 2 : 32) != YX_OK)
		return NULL;
	t = &c->tips[c->n_tips];
	memset(t, 0, sizeof(*t));
	memcpy(t->origin, origin, YX_KEY_BYTES);
	size_t s = tip_slot(c, origin);
	while (c->tip_index[s])
		s = (s + 1) & (c->tip_slots - 1);
	c->tip_index[s] = (uint32_t)++c->n_tips;
	return t;
}

void yxd_tips_prune(yxd_client_t *c)
{
	int64_t now = zclock_mono();
	size_t kept = 0;
	for (size_t i = 0; i < c->n_tips; i++) {
		peer_tip_t *t = &c->tips[i];
		if (t->bad_until_ms <= now && !t->stalls)
			continue;
		t->seq = 0;           /* what it claims comes again with its next Tips */
		t->nonmember = false; /* said again on the next connection */
		c->tips[kept++] = *t;
	}
	c->n_tips = kept;
	if (!kept) {
		yxd_tips_free(c);
		return;
	}
	size_t slots = 32;
	while (slots < 2 * kept)
		slots *= 2;
	if (tips_reindex(c, slots) != YX_OK)
		yxd_tips_free(c); /* no index, no entries: only the liars' record is lost */
}

void yxd_tips_free(yxd_client_t *c)
{
	free(c->tips);
	free(c->tip_index);
	c->tips = NULL;
	c->tip_index = NULL;
	c->n_tips = c->tips_cap = c->tip_slots = 0;
}

int yxd_client_send(yxd_client_t *c, Yrdx__PeerMessage *m)
{
	size_t bytes = 0;
	int ret = yx_wire_send(c->sock, NULL, &m->base, &bytes);
	if (ret == YX_OK)
		c->bytes_out += bytes;
	return ret;
}

int yxd_send_pull(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], uint64_t from)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Pull p = YRDX__PULL__INIT;
	p.origin.data = (uint8_t *)origin;
	p.origin.len = YX_KEY_BYTES;
	p.from_seq = from;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_PULL;
	m.pull = &p;
	return yxd_client_send(c, &m);
}

/* How long an origin is avoided at a peer after its nth stall in a row (n >= 2). */
int64_t yxd_avoid_ms(uint32_t stalls)
{
	int64_t avoid = (int64_t)BAD_PEER_MS << (stalls - 2 < 5 ? stalls - 2 : 5);
	return avoid > BAD_PEER_MAX_MS ? BAD_PEER_MAX_MS : avoid;
}

/* c holds subscriptions and never answers our session: each origin it claims more of than
 * we hold counts a stall and is avoided there as after a second one. */
void yxd_avoid_withheld(yxd_t *d, yxd_client_t *c, int64_t now)
{
	for (size_t k = 0; k < c->n_tips; k++) {
		peer_tip_t *t = &c->tips[k];
		yx_tip_t mine;
		if (!t->subscribed)
			continue;
		if (yx_store_tip(d->store, t->origin, &mine) != YX_OK)
			mine.seq = 0;
		if (t->seq <= mine.seq)
			continue;
		char who[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(t->origin, who);
		t->stalls = t->stalls < 2 ? 2 : t->stalls + 1;
		t->bad_until_ms = now + yxd_avoid_ms(t->stalls);
		yx_log_warn("peer %s: claims %s up to %llu, we hold %llu, and sent none of it, "
		            "never answering our session: pulling it elsewhere for %lld s",
		            c->name, who, (unsigned long long)t->seq, (unsigned long long)mine.seq,
		            (long long)(yxd_avoid_ms(t->stalls) / 1000));
	}
}

/* Peers whose Tips answered our current session; *max_claim gets the highest seq of
 * origin any of them claims. */
size_t yxd_clients_answered(yxd_t *d, const uint8_t origin[YX_KEY_BYTES], int64_t now,
                            uint64_t *max_claim)
{
	size_t answered = 0;
	*max_claim = 0;
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *c = d->clients[i];
		if (!c->sock || !c->epoch)
			continue;
		answered++;
		/* A peer avoided for this origin claimed more of it and did not deliver: its
		 * claim is not believed (a member claiming 2^64-1 of our own log would hold our
		 * writes behind the fence for ever). */
		peer_tip_t *t = yxd_tip_get(c, origin, false);
		if (t && t->bad_until_ms <= now && t->seq > *max_claim)
			*max_claim = t->seq;
	}
	return answered;
}

bool yxd_rotation_ahead(yxd_t *d, yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES],
                        const yx_head_t *head)
{
	const uint8_t *next = yxd_charter_next_key(d, origin);
	peer_tip_t *t = NULL;
	if (!next || yx_head_verify_by(head, next) != YX_OK ||
	    !(t = yxd_tip_add(c, origin, d->cfg->max_origins)))
		return false;
	int64_t now = zclock_mono();
	if (t->bad_until_ms <= now) {
		char who[YX_PUBKEY_TEXT_LEN + 1];
		const yx_member_t *m = yx_charter_member_by_origin(yxd_charter_current(d), origin);
		yx_pubkey_format(origin, who);
		yx_log_info(
		        "peer %s: the head at seq %llu of member %s (origin %s) is signed by the "
		        "key it proposed to rotate to, which this node's charter does not give "
		        "it yet: pulled again once the version is adopted here",
		        c->name, (unsigned long long)head->seq, m ? m->name : "?", who);
	}
	t->bad_until_ms = now + d->cfg->reconnect_max_ms;
	t->fill_pending = false;
	if (t->subscribed) {
		t->subscribed = false;
		yxd_send_pull(c, origin, 0);
	}
	return true;
}
