/* liveness: how a pull connection is judged alive — the stall watchdog of each subscribed
 * origin, and up to when a peer's silence can be judged at all (docs/design.md,
 * "Liveness", rules 4 and 5). The tick that acts on it is client.c's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "client.h"
#include "log.h"
#include "wire.h"

/* The origin moved at this peer (or the stall clock starts): now is its last progress. */
void yxd_mark_progress(yxd_client_t *c, peer_tip_t *t, int64_t now)
{
	t->progress_ms = now;
	t->progress_mark = c->segments_in;
	t->progress_answers = c->answers;
}

/* The node was not listening for late ms (yxd_tick_late): every clock a judgement of c
 * counts from moves on by it, never past now (yxd_move_on) — the debts of an answer
 * (rule 5), the last read that found the socket empty (yxd_read_until, whose 4 x
 * dead_after_ms horizon it would otherwise pass at once), the last segment, each
 * origin's last progress (rule 4) and the Fill out to it. What the peer sent meanwhile waits
 * unread, or has not even reached ZeroMQ from the kernel. */
void yxd_not_listening(yxd_client_t *c, int64_t late, int64_t now)
{
	if (late <= 0)
		return;
	yxd_move_on(&c->asked_ms, late, now);
	yxd_move_on(&c->asked_answer_ms, late, now);
	yxd_move_on(&c->drained_ms, late, now);
	yxd_move_on(&c->last_segment_ms, late, now);
	for (size_t k = 0; k < c->n_tips; k++) {
		yxd_move_on(&c->tips[k].progress_ms, late, now);
		yxd_move_on(&c->tips[k].fill_sent_ms, late, now);
	}
}

/* A subscription stalls when the peer claims more of the origin than we hold and sends
 * none of it for dead_after_ms, while the connection is idle or busy with other origins,
 * and while the peer answers our heartbeats (twice at least: it reads what we send, so
 * it is not merely overloaded, and it would have streamed had it our state). The time is
 * judged up to seen (yxd_read_until): a segment waiting unread in our own socket is not
 * one the peer held back. The first stall makes the connection anew (new session, fresh
 * credit: true, the caller's to do); the next ones avoid the peer for that origin, for
 * twice as long each time, so another peer serves it. */
bool yxd_check_stalls(yxd_t *d, yxd_client_t *c, int64_t seen, int64_t now)
{
	int64_t limit = (int64_t)d->cfg->dead_after_ms;
	bool idle = seen - c->last_segment_ms > limit;
	/* Segments of other origins that may come before an origin's turn: what is in flight,
	 * and a turn of each origin pulled here (wire.h, YX_SERVE_RUN). */
	uint64_t round = 2 * (uint64_t)d->cfg->credit;
	for (size_t k = 0; k < c->n_tips; k++)
		round += c->tips[k].subscribed ? YX_SERVE_RUN : 0;
	for (size_t k = 0; k < c->n_tips && c->sock; k++) {
		peer_tip_t *t = &c->tips[k];
		yx_tip_t mine;
		if (!t->subscribed || seen - t->progress_ms <= limit)
			continue;
		if (c->answers - t->progress_answers < 2)
			continue; /* the peer is not reading us either: busy, or dead (see tick) */
		if (!idle && c->segments_in - t->progress_mark <= round)
			continue; /* its turn has not come round yet */
		if (yx_store_tip(d->store, t->origin, &mine) != YX_OK)
			mine.seq = 0;
		if (t->seq <= mine.seq)
			continue; /* nothing more to come: an idle subscription */
		char who[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(t->origin, who);
		t->stalls++;
		yxd_mark_progress(c, t, now);
		if (t->stalls == 1) {
			yx_log_warn("peer %s: claims %s up to %llu, we hold %llu, and sent none of "
			            "it for over %lld ms: connecting anew",
			            c->name, who, (unsigned long long)t->seq,
			            (unsigned long long)mine.seq, (long long)limit);
			return true; /* the caller makes it anew, at once */
		}
		int64_t avoid = yxd_avoid_ms(t->stalls);
		yx_log_warn("peer %s: still sends none of %s (claims %llu, we hold %llu): pulling "
		            "it elsewhere for %lld s",
		            c->name, who, (unsigned long long)t->seq, (unsigned long long)mine.seq,
		            (long long)(avoid / 1000));
		t->bad_until_ms = now + avoid;
		t->subscribed = false;
		yxd_send_pull(c, t->origin, 0);
	}
	return false;
}

/* Up to when we know what the peer sent: now, or — while messages of it wait in our
 * socket unread — the last time a read found the socket empty. The loop reads its peers
 * in turn and stops at each full transaction to commit it (yxd_client_handle), so on a
 * busy node with many peers one may wait seconds for its turn: its last message read is
 * then old because we are behind, not because it went quiet, and silence is judged only
 * over the time we have read. A peer that keeps the socket full for 4 x dead_after_ms
 * (never letting a read find it empty) is judged on the clock again. */
int64_t yxd_read_until(const yxd_t *d, const yxd_client_t *c, int64_t now)
{
	/* zsock_events on the raw handle, as send_hello asks it for ZMQ_POLLOUT. */
	if (now - c->drained_ms > 4 * (int64_t)d->cfg->dead_after_ms ||
	    !(zsock_events(c->sock) & ZMQ_POLLIN))
		return now;
	return c->drained_ms;
}
