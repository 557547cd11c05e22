/* client.h: what the pull side's modules share (client.c: connections, subscriptions,
 * the receive path; fill.c: asking peers for the bodies of stubs; conn.c: the tips and
 * sending both use; client_status.c: what status says of them). Not for the rest of
 * the daemon, which sees only yxd_client_t through yrdxd.h. */
#ifndef YRDXD_CLIENT_H
#define YRDXD_CLIENT_H

#include "yrdxd.h"

typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t seq;         /* the peer's tip, as it last told us */
	bool subscribed;      /* we pull this origin from this peer */
	int64_t bad_until_ms; /* it served bad data for this origin: avoid until then */
	/* Liveness of the subscription (docs/design.md, "Liveness"): when this origin last
	 * moved here, the connection's segment count then, and how many stalls in a row. */
	int64_t progress_ms;
	uint64_t progress_mark, progress_answers;
	uint32_t stalls;
	/* Segments of this origin from this peer the charter refused in a row: the same
	 * signed log is refused again until the charter changes, so each time it is
	 * avoided twice as long (docs/design.md, "The charter"). */
	uint32_t refusals;
	/* Stubs we hold of this origin, asked of this peer once per session, a segment at a
	 * time: from where to look for the next, the seq asked for and when, all asked. */
	uint64_t fill_next, fill_from, fill_last;
	/* All asked, but with stubs beyond the peer's tip then, the first of which is this,
	 * or where a look through a long run of bodies beyond it stopped (0: none): once its
	 * tip passes it, it may have them too. */
	uint64_t fill_wait;
	uint64_t fills; /* the peer's count of commits that filled stubs of the origin (Tips) */
	int64_t fill_sent_ms;
	bool fill_pending, fill_done;
	/* A reason to ask again from the first stub came while a Fill was out: its answer,
	 * which may tell what the peer held before, is followed from the first stub. */
	bool fill_restart;
	uint64_t pass;  /* the schedule_pulls pass that last considered this origin */
	bool nonmember; /* no member's: refused (counted and logged once this connection) */
} peer_tip_t;

struct yxd_client {
	char name[33];
	char endpoint[256];
	uint8_t key[YX_KEY_BYTES];
	void *sock;       /* a raw libzmq handle (yxd_socket_new); NULL between connections */
	uint64_t session; /* ours, in every Hello */
	uint64_t epoch;   /* the server's state for our session (Tips.epoch); 0: none yet */
	bool connected;   /* heard from within dead_after_ms */
	bool heard;       /* heard from on this socket at all */
	int64_t last_rx_ms, last_hello_ms, last_segment_ms, next_connect_ms;
	int64_t drained_ms; /* when a read last found the socket empty */
	/* The first Hello tried since the peer's last message (asked_ms) and since its last
	 * Tips of our session or segment (asked_answer_ms): 0, none. Silence counts from
	 * there (yxd_clients_tick). */
	int64_t asked_ms, asked_answer_ms;
	uint32_t backoff_ms;
	/* What the peer told us, an entry per origin (at most sync/max_origins), found
	 * through an open-addressing index of tip positions + 1 (0: free) keyed by a
	 * SipHash of the origin under a key of our own: a peer choosing origins cannot
	 * make lookups collide. Pruned when the connection drops (yxd_tips_prune). */
	peer_tip_t *tips;
	size_t n_tips, tips_cap;
	uint32_t *tip_index;
	size_t tip_slots; /* a power of two, at least twice n_tips; 0: no index yet */
	uint8_t tip_key[16];
	bool origins_refused; /* said in the log this session */
	bool squash_logged;   /* a refused compressed segment was said in the log */
	bool refused_logged;  /* a message refused unread was said in the log */
	uint32_t credit_owed; /* segments received since the last commit */
	uint32_t inflight;    /* credit granted this session and not yet used */
	uint32_t window;      /* the server's credit window, from its Tips (0: not said) */
	uint64_t bytes_in, bytes_out, segments_in, rejected;
	uint64_t answers; /* Tips of our session: the server is alive and reading us */
	bool fill_scan;   /* some origin's stubs may be worth asking this peer for */
	bool charter;     /* a member pulled from in return, not a configured peer */
	/* A rotation in the air (docs/design.md, "Rotation"): the key the peer proposed to
	 * rotate to (alt_set), and the next key of a rotation this node proposed, are tried
	 * in turn with the current ones, one pair per connection that never answered. */
	uint8_t alt[YX_KEY_BYTES];
	bool alt_set;
	uint32_t attempt;
};

#define BAD_PEER_MS     30000  /* how long a peer that served bad data is avoided */
#define BAD_PEER_MAX_MS 600000 /* the longest a stalling peer is avoided */

/* ---- conn.c ---- */
/* What peer c told us of origin; NULL (or, with create, a new entry) if nothing. A new
 * entry beyond max entries, or one memory is lacking for, is NULL too. */
peer_tip_t *yxd_tip_get(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], bool create);
peer_tip_t *yxd_tip_add(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], size_t max);
/* The connection dropped: forgets what the peer claimed, keeping only the entries that
 * remember it stalled or served bad data (their claim set to 0), so that a peer cannot
 * leave a large table behind and a liar's record outlives its reconnect. */
void yxd_tips_prune(yxd_client_t *c);
void yxd_tips_free(yxd_client_t *c);
int yxd_client_send(yxd_client_t *c, Yrdx__PeerMessage *m);
/* Asks c to stream origin's log from seq from on; from 0 ends the subscription. */
int yxd_send_pull(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], uint64_t from);
/* How long an origin is avoided at a peer after its nth stall in a row (n >= 2). */
int64_t yxd_avoid_ms(uint32_t stalls);
/* c holds subscriptions and never answers our session: each origin it claims more of
 * than we hold counts a stall and is avoided there as after a second one. */
void yxd_avoid_withheld(yxd_t *d, yxd_client_t *c, int64_t now);

/* liveness.c: the stall watchdog (rules 4 and 5 of docs/design.md, "Liveness"). */
/* The origin moved at this peer (or the stall clock starts): now is its last progress. */
void yxd_mark_progress(yxd_client_t *c, peer_tip_t *t, int64_t now);
/* Moves an origin elsewhere where a subscription stalls again; true at a first stall:
 * then c's connection is to be made anew. */
bool yxd_check_stalls(yxd_t *d, yxd_client_t *c, int64_t seen, int64_t now);
/* The node was not listening for late ms: c's liveness clocks move on by it. */
void yxd_not_listening(yxd_client_t *c, int64_t late, int64_t now);
/* Up to when we know what c's peer sent: silence and stalls are judged up to there. */
int64_t yxd_read_until(const yxd_t *d, const yxd_client_t *c, int64_t now);
/* The pull connections whose Tips answered our current session; *max_claim gets the
 * highest seq of origin one of them claims and is believed in. */
size_t yxd_clients_answered(yxd_t *d, const uint8_t origin[YX_KEY_BYTES], int64_t now,
                            uint64_t *max_claim);

/* A segment of origin from c failed its head's signature, and the head is signed by the
 * key origin proposed to rotate to (yxd_charter_next_key): c adopted that version before
 * this node. Not bad data: not counted, the origin pulled again from c after
 * reconnect_max_ms (by then adopted here, most likely), said in the log once a while.
 * false if the head is no such one. */
bool yxd_rotation_ahead(yxd_t *d, yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES],
                        const yx_head_t *head);

/* ---- client_full.c ---- */
/* Drops every subscription (the servers stop streaming): what is pulled again later
 * starts from the committed tip, and the filling of stubs from the first hole. */
void yxd_unsubscribe_all(yxd_t *d);
/* The store refused to grow (err): pulling stops until a probe finds room. */
void yxd_store_full(yxd_t *d, int err);
/* The probe found room: pulling resumes. */
void yxd_store_room_again(yxd_t *d);

/* ---- fill.c ---- */
/* After a segment of origin from c was staged: the fill asked of c is answered, and new
 * stubs in it make the other peers worth asking. */
void yxd_fill_after_segment(yxd_t *d, yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES],
                            const yx_entry_t *e, size_t n, uint64_t head_seq, size_t appended);
/* Each tick: asks c for the bodies of the next stubs it may have; seen is
 * yxd_read_until's. */
void yxd_fill_request(yxd_t *d, yxd_client_t *c, int64_t seen, int64_t now);
/* What was staged was dropped (a failed commit, a full store): fills answered into it
 * are lost, so every origin is worth asking c about again, from its first hole. */
void yxd_fill_again(yxd_client_t *c);
/* A PullRefused that answers our Fill (c withholds them all): true if it was one. */
bool yxd_fill_refused(yxd_client_t *c, const Yrdx__PullRefused *r);
/* c's tip of t's origin rose to t->seq (Tips, or a head it sent): stubs we hold that lay
 * beyond it when c was all asked may be its now. */
void yxd_fill_tip_rose(yxd_client_t *c, peer_tip_t *t);
/* A Tips entry of t's origin from c, its tip set in t->seq: fills is c's count of commits
 * that filled stubs of the origin (VectorEntry.fills). A new count, or a tip past stubs c
 * lacked when it was all asked, makes c worth asking again. */
void yxd_fill_tips(yxd_client_t *c, peer_tip_t *t, uint64_t fills);

#endif
