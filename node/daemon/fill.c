/* fill: stubs are filled in (docs/design.md, "Stubs are filled in"). A stub is a change
 * its sender withheld by its own policy; another peer may share it. The store's log marks
 * each stub (a hole); each peer is asked once per session for the bodies of the stubs it holds, a
 * Fill of up to YXD_FILL_SEQS seqs at a time and one at a time per connection, and answers
 * with the segment from the first it shares or a refusal naming the last. */
#include <string.h>

#include "client.h"
#include "log.h"

static int send_fill(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], uint64_t *seqs, size_t n)
{
	Yrdx__PeerMessage m = YRDX__PEER_MESSAGE__INIT;
	Yrdx__Fill f = YRDX__FILL__INIT;
	f.origin.data = (uint8_t *)origin;
	f.origin.len = YX_KEY_BYTES;
	f.seqs = seqs;
	f.n_seqs = n;
	m.msg_case = YRDX__PEER_MESSAGE__MSG_FILL;
	m.fill = &f;
	return yxd_client_send(c, &m);
}

/* t's origin is worth asking c about again: from the first hole if restart (once the
 * Fill out, if one is, is answered: an answer made before the reason came may refuse
 * what the peer holds now), else from where the asking stopped. The one way every
 * reason to ask again (new stubs elsewhere, a new policy, a peer's fills or its tip)
 * reopens it. */
static void ask_again(yxd_client_t *c, peer_tip_t *t, bool restart)
{
	t->fill_done = false;
	t->fill_wait = 0;
	if (restart && t->fill_pending)
		t->fill_restart = true;
	else if (restart)
		t->fill_next = 0;
	c->fill_scan = true;
}

/* The Fill out is answered: the asking goes on from next, or from the first hole if a
 * reason to start again came while it was out. */
static void answered(yxd_client_t *c, peer_tip_t *t, uint64_t next)
{
	t->fill_pending = false;
	t->fill_next = t->fill_restart ? 0 : next;
	t->fill_restart = false;
	c->fill_scan = true;
}

/* Bookkeeping of stub filling after a segment of origin was staged: the fill asked of c
 * is answered (ask for the next), and new stubs from c are worth asking the other peers
 * for. */
void yxd_fill_after_segment(yxd_t *d, yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES],
                            const yx_entry_t *e, size_t n, uint64_t head_seq, size_t appended)
{
	peer_tip_t *t = yxd_tip_get(c, origin, false);
	if (t && t->fill_pending && n && t->fill_from <= e[0].seq && e[0].seq <= t->fill_last) {
		/* The answer: from the first hole it shares, to that segment's head. */
		answered(c, t, head_seq + 1);
	}
	bool new_stubs = false, new_policy = false;
	for (size_t i = n > appended ? n - appended : 0; i < n; i++) {
		new_stubs |= !e[i].bytes;
		new_policy |=
		        e[i].bytes && yx_change_peek_kind(e[i].bytes, e[i].len) == YX_KIND_POLICY;
	}
	if (!new_stubs && !new_policy)
		return;
	/* New stubs from c: the others may share them. A new policy of the origin: every
	 * peer (c too) may now send what it withheld before, from the first hole on. */
	for (size_t i = 0; i < d->n_clients; i++) {
		bool ask = new_policy || d->clients[i] != c;
		peer_tip_t *o = ask ? yxd_tip_get(d->clients[i], origin, false) : NULL;
		if (o)
			ask_again(d->clients[i], o, new_policy);
	}
}

void yxd_fill_again(yxd_client_t *c)
{
	for (size_t k = 0; k < c->n_tips; k++)
		ask_again(c, &c->tips[k], true);
}

/* Asks c for the bodies of the stubs it may have, YXD_FILL_SEQS seqs a request and one request
 * at a time per connection (docs/design.md, "Stubs are filled in"). An answer that does not
 * come within dead_after_ms, counted up to seen (yxd_read_until: an answer waiting unread
 * here is not late), ends the asking of that origin there for this session. */
void yxd_fill_request(yxd_t *d, yxd_client_t *c, int64_t seen, int64_t now)
{
	if (!c->sock || !c->epoch || d->full.since_ms)
		return;
	for (size_t k = 0; k < c->n_tips; k++) {
		peer_tip_t *t = &c->tips[k];
		if (!t->fill_pending)
			continue;
		if (seen - t->fill_sent_ms <= (int64_t)d->cfg->dead_after_ms)
			return; /* one at a time */
		char who[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(t->origin, who);
		yx_log_info("peer %s: no answer to our Fill of %s %llu..%llu within %u ms: not "
		            "asked again this session%s",
		            c->name, who, (unsigned long long)t->fill_from,
		            (unsigned long long)t->fill_last, d->cfg->dead_after_ms,
		            t->fill_restart ? " until a reason comes again" : "");
		t->fill_pending = false;
		t->fill_done = !t->fill_restart; /* a reason that came meanwhile still holds */
		t->fill_next = 0;
		t->fill_restart = false;
		t->fill_wait = 0; /* else not again, however far its tip goes */
	}
	if (!c->fill_scan)
		return;
	for (size_t k = 0; k < c->n_tips; k++) {
		peer_tip_t *t = &c->tips[k];
		uint64_t holes[YXD_FILL_SEQS];
		if (t->fill_done)
			continue;
		uint64_t next;
		size_t found = yx_store_holes(d->store, t->origin, t->fill_next ? t->fill_next : 1,
		                              holes, YXD_FILL_SEQS, &next),
		       n = found;
		while (n && holes[n - 1] > t->seq)
			n--; /* what this peer does not have */
		if (!n && next <= t->seq) {
			t->fill_next =
			        next; /* a long run of bodies: looked through further next time */
			return;
		}
		if (!n) {
			/* All asked up to its tip; from the first stub past it, or from where the
			 * look stopped in a long run of bodies past it, once it has those
			 * (yxd_fill_tip_rose). */
			t->fill_done = true;
			t->fill_wait = found ? holes[0] : next != UINT64_MAX ? next : 0;
			continue;
		}
		if (send_fill(c, t->origin, holes, n) == YX_OK) {
			t->fill_pending = true;
			t->fill_from = holes[0];
			t->fill_last = holes[n - 1];
			t->fill_sent_ms = now;
		}
		return;
	}
	c->fill_scan = false;
}

bool yxd_fill_refused(yxd_client_t *c, const Yrdx__PullRefused *r)
{
	peer_tip_t *t =
	        r->origin.len == YX_KEY_BYTES ? yxd_tip_get(c, r->origin.data, false) : NULL;
	if (!r->fill_last || !t || !t->fill_pending || r->fill_last != t->fill_last)
		return false;
	/* It withholds every one of those: ask it for the ones after. */
	answered(c, t, r->fill_last + 1);
	return true;
}

void yxd_fill_tip_rose(yxd_client_t *c, peer_tip_t *t)
{
	if (!t->fill_done || !t->fill_wait || t->seq < t->fill_wait)
		return;
	/* It holds some of what it did not when it was all asked: those are worth asking,
	 * from the first. Measured before: a city whose stubs lay past such a peer's tip kept
	 * them after the peer got the bodies, until new stubs or a new session came. */
	t->fill_next = t->fill_wait;
	ask_again(c, t, false);
}

void yxd_fill_tips(yxd_client_t *c, peer_tip_t *t, uint64_t fills)
{
	if (fills == t->fills) {
		yxd_fill_tip_rose(c, t);
		return;
	}
	/* It filled stubs of this origin since: what it refused us may be there now (a relay
	 * whose origin widened its policy for it). */
	t->fills = fills;
	ask_again(c, t, true);
}
