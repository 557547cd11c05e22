/* yrdxd: the node daemon's shared context. One thread of application logic runs every
 * subsystem from one poll loop (main.c); ZeroMQ's I/O threads do CURVE encryption. */
#ifndef YRDXD_H
#define YRDXD_H

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

struct MHD_Daemon;

#include "charter.h"
#include "config.h"
#include "keys.h"
#include "relay.h"
#include "squash.h"
#include "store.h"
#include "wire.h"

typedef struct yxd yxd_t;

/* ---- counters (counters.c): what the node reports in status and metrics ---- */
typedef enum {
	C_HANDSHAKES_REFUSED,   /* refused before authentication: all refused_* below */
	C_SEGMENTS_RECEIVED,    /* segments that verified and were applied */
	C_CHANGES_RECEIVED,     /* entries received in segments (new or not) */
	C_CHANGES_APPLIED,      /* entries new to this store */
	C_CHANGES_FILLED,       /* stubs whose bodies came later (from a peer that shares them) */
	C_REJECTED_CHAIN,       /* segments refused: broken chain / altered bytes */
	C_REJECTED_SIGNATURE,   /* segments refused: head signature */
	C_REJECTED_FORK,        /* segments refused: fork (two hashes, one seq) */
	C_REJECTED_INVALID,     /* segments refused: malformed message or invalid record */
	C_REFUSED_JURISDICTION, /* segments refused: a record outside its origin's 管辖范围 */
	C_GAPS,                 /* segments that started past our tip (dropped, re-pulled) */
	C_REFUSED_TIPS_ORIGINS, /* origins beyond sync/max_origins (a Tips refused unread: 1) */
	C_SEGMENTS_SENT,
	C_CHANGES_SENT,
	C_STUBS_SENT,    /* entries withheld by sharing policy */
	C_COMMITS,       /* durable LMDB commits of received data */
	C_LOCAL_CHANGES, /* changes written by this node */
	C_CONTROL_REQUESTS,
	C_RELOADS,
	C_REFUSED_HELLO_ORIGINS,    /* Hellos listing more than sync/max_origins */
	C_REFUSED_PULL_SESSIONS,    /* pull connections over sync/pull_sessions_max */
	C_REFUSED_FEED_CONNECTIONS, /* feed connections over sync/feed_connections_max */
	/* Refused before authentication, by reason (guard.c, zap.c): */
	C_REFUSED_KEY,         /* CURVE key not in the trust store (ZAP) */
	C_REFUSED_MECHANISM,   /* not CURVE */
	C_REFUSED_CRYPTO,      /* CURVE boxes that do not open: a wrong secret key */
	C_REFUSED_PROTOCOL,    /* malformed ZMTP */
	C_REFUSED_UNFINISHED,  /* closed or timed out in the handshake, or a frame too large */
	C_REFUSED_CONNECTIONS, /* over listen/connections_per_address */
	C_SOCKET_FAILURES,     /* sockets that could not be made (out of file descriptors) */
	/* Refused by the charter on receive (client.c, members.c): */
	C_REFUSED_NONMEMBER, /* origins no member has, named in a peer's Tips (once per peer,
	                      * origin and connection), and segments of them */
	C_REFUSED_REVOKED,   /* segments of a revoked member past its revocation */
	/* Compressed segments (squash.h): */
	C_SQUASHED_SENT,     /* segments sent compressed */
	C_SQUASHED_RECEIVED, /* compressed segments received and decompressed */
	C_REFUSED_SQUASHED,  /* compressed segments refused unread: a size past a segment's
	                      * limit, not one zstd frame of the size declared, another codec */
	C_SEGMENTS_REUSED,   /* segments sent as the bytes another puller got (serve.c) */
	C_COUNT
} yxd_counter_t;

const char *yxd_counter_name(yxd_counter_t c);
/* One sentence saying what c counts (the metrics' HELP line). */
const char *yxd_counter_help(yxd_counter_t c);

/* Which refusals a counter counts: what the console groups them under. */
typedef enum {
	YXD_REFUSAL_NONE,           /* not a refusal */
	YXD_REFUSAL_BAD_DATA,       /* a peer's segment or message that does not verify */
	YXD_REFUSAL_UNKNOWN_ORIGIN, /* an origin no member has, or a revoked one's */
	YXD_REFUSAL_HANDSHAKE,      /* a connection refused before authentication */
	YXD_REFUSAL_LIMIT,          /* an admitted peer or park over one of the sync limits */
} yxd_refusal_kind_t;
yxd_refusal_kind_t yxd_counter_refusal(yxd_counter_t c);
/* The console's words for refusal counter c ("签名无效"); its name for other counters. */
const char *yxd_counter_term(yxd_counter_t c);
const char *yxd_refusal_kind_name(yxd_refusal_kind_t k); /* "bad_data": metrics' label */
const char *yxd_refusal_kind_term(yxd_refusal_kind_t k); /* "坏数据 bad data" */

/* Time: every interval, timer, back-off and liveness clock of the daemon is a moment of
 * the monotonic clock (zclock_mono), which NTP, an operator's `date -s` or a resumed
 * virtual machine never step; the wall clock (zclock_time) is read only for what is shown
 * or stored as a date — record times, refusals — and a monotonic moment is shown as a
 * date through yxd_wall_ms. */
static inline int64_t yxd_wall_ms(int64_t mono_ms)
{
	return mono_ms ? zclock_time() - (zclock_mono() - mono_ms) : 0;
}

/* The loop's timers (heartbeats, silence, back-offs) are looked at this often (ms). */
#define YXD_TICK_MS 100

/* How late this tick is — beyond two tick intervals since *last, which it then becomes:
 * time the node was not listening (a pass held by a long commit, the process stopped).
 * Peers are not judged silent over it: what they sent meanwhile may not have been read,
 * or not even have reached ZeroMQ from the kernel. */
static inline int64_t yxd_tick_late(int64_t *last, int64_t now)
{
	int64_t late = *last ? now - *last - 2 * YXD_TICK_MS : 0;
	*last = now;
	return late > 0 ? late : 0;
}

/* Moves a liveness clock (a moment, 0: none) on by late, never past now: one set in this
 * pass after the node was listening again (a read before the tick) stays where it is. */
static inline void yxd_move_on(int64_t *clock, int64_t late, int64_t now)
{
	if (*clock && late > 0 && *clock < now)
		*clock = *clock + late < now ? *clock + late : now;
}

/* ---- refusals.c: the latest refusals, with time, what and who, for the console ---- */
#define YXD_REFUSALS 32
typedef struct {
	int64_t first_ms, last_ms; /* a repeat of the one before is folded into it */
	uint64_t count;
	yxd_counter_t reason; /* the counter it was counted under */
	bool has_key;
	uint8_t key[32]; /* the key refused, or the origin whose data was */
	char who[96];    /* the peer that sent it, or the port and address that tried */
	char what[320];  /* the log line's words */
} yxd_refusal_t;

/* A ring of the last YXD_REFUSALS: a flood of refusals costs a copy each, no memory. */
typedef struct {
	yxd_refusal_t ring[YXD_REFUSALS];
	uint64_t total; /* slots written so far; the newest is ring[(total - 1) % YXD_REFUSALS] */
} yxd_refusals_t;

/* Notes a refusal at now_ms: reason, who (may be NULL), key (32 bytes, may be NULL) and
 * what (the log's words, may be NULL), each cut to fit. A refusal equal to the newest
 * in reason, who and key only counts it again. */
void yxd_refusals_add(yxd_refusals_t *r, int64_t now_ms, yxd_counter_t reason, const char *who,
                      const uint8_t *key, const char *what);
/* The i-th newest refusal (0: the newest); NULL past the ones held. */
const yxd_refusal_t *yxd_refusals_get(const yxd_refusals_t *r, size_t i);

/* Stub seqs one Fill asks for at most (fill.c asks, serve.c answers). */
#define YXD_FILL_SEQS 64

/* What a listening port saw before authentication (guard.c). */
typedef struct yxd_guard yxd_guard_t;
/* One pull connection: our DEALER to a configured peer's ROUTER (client.c). */
typedef struct yxd_client yxd_client_t;
/* The control socket and the relay proposals grouped into one commit (control.c). */
typedef struct yxd_control yxd_control_t;
/* The feed port and the parks subscribed to it (feed.c). */
typedef struct yxd_feed yxd_feed_t;
/* The peer port's pullers and what each is sent (serve.c). */
typedef struct yxd_serve yxd_serve_t;
/* What the console and /metrics show that costs a scan of the store, kept between
 * requests (overview.c). */
typedef struct yxd_overview yxd_overview_t;

/* The writer (writer.c): what to do before a local batch, whom to tell after a commit. */
#define YXD_WRITER_HOOKS 5
typedef int (*yxd_flush_fn)(yxd_t *d);
typedef void (*yxd_moved_fn)(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);
typedef struct {
	yxd_flush_fn flush; /* commits what was received (client.c) */
	yxd_moved_fn hooks[YXD_WRITER_HOOKS];
	size_t n_hooks;
} yxd_writer_t;

/* A set of origins (client.c: those the open transaction moved). */
typedef struct {
	uint8_t (*keys)[YX_KEY_BYTES];
	size_t n, cap;
} yxd_origins_t;

/* What the open transaction of received segments holds, counted once it commits. */
typedef struct {
	uint64_t segments, received, applied, filled;
} yxd_staged_t;

/* Local writes wait until the node holds its own latest log (fence.c). */
typedef struct {
	bool on;
	bool persisted;  /* the store's mark says so too */
	size_t answered; /* peers that answered our session (client.c tells, each tick) */
	uint64_t claim;  /* the most of our own log any of them holds */
	int64_t since_ms;
	char status[256]; /* why, for status replies */
} yxd_fence_t;

/* A key rotation this node proposed and waits for (rotate.c): no local writes until the
 * charter version that would adopt it, or another numbered so, is adopted. */
typedef struct {
	bool pending;
	uint32_t version;   /* the charter version proposing the new key */
	uint64_t after_seq; /* the new key signs our log past this seq */
	bool rekey_due;     /* sockets still carry the key before: re-made in the loop */
	/* While pending: the new key's CURVE pair (from the next key file), which a member
	 * that adopted the version before us admits instead of ours; our pull connections
	 * try it in turn (client.c), so that we can fetch the votes that adopt it. */
	bool next_set;
	uint8_t next_public[32];
	uint8_t next_secret[32];
} yxd_rotation_t;

/* The store could not grow (map or disk full): pulling waits (client.c). */
typedef struct {
	int64_t since_ms; /* 0: not full */
	int64_t retry_ms; /* probe for room, and pull again, from then on */
	int64_t ended_ms; /* when the last episode ended */
	uint32_t backoff_ms;
	int err;     /* what the store said */
	bool logged; /* the log said it stopped, and not yet that it resumed */
} yxd_full_t;

/* A member's rotation of its own key, proposed by its vote for the version after the
 * current one (charter.c): it may hold the new key on its sockets already. */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint8_t key[YX_KEY_BYTES];
} yxd_next_key_t;

/* The federation charter this node follows (charter.c). */
typedef struct {
	yx_charter_chain_t *chain; /* adopted versions 1..N; NULL: none installed */
	/* The admit rule's last refusal was one of jurisdiction (jurisdiction.c): set with
	 * it, taken (and cleared) by the client that counts the refused segment. */
	bool refused_jurisdiction;
	bool due;            /* a commit may have brought votes: count them */
	bool votes_came;     /* a vote was written or admitted since the last commit */
	int64_t retry_ms;    /* an adoption could not be written: try again then */
	int64_t adopted_ms;  /* when this node adopted the current version; 0: earlier */
	uint8_t counted[32]; /* which votes were last counted (their origins and seqs) */
	bool counted_set;
	bool started; /* the version held at start was checked for a rotation of ours */
	/* The members' own rotations proposed for the next version, as the votes held
	 * show them (members.c tries each new key on the pull connection to its member). */
	yxd_next_key_t *next_keys;
	size_t n_next_keys;
	/* main.c's hooks (yxd_charter_hooks): each version adopted (and the one held at
	 * start) is shown to on_version (a rotation of ours it decides: rotate.c); after
	 * adoptions, or a member's proposed key moved, on_changed makes trust and peers
	 * follow. The charter names neither. */
	void (*on_version)(struct yxd *d, const yx_charter_t *v);
	void (*on_changed)(struct yxd *d);
} yxd_charter_t;

/* Whom this node deals with on the peer port and its pull connections (members.c).
 * Without a charter: the config's peers, both ways. With one: the peer port admits every
 * active member but this node (its config share if configured, else the default), and
 * this node pulls from the config's peers that are active members at the charter's key,
 * and from the members that pull from it (reciprocity). */
typedef struct {
	yx_peer_conf_t *admitted; /* by name, with the key it is admitted with */
	uint8_t (*curve)[32];     /* parallel to admitted: that key's CURVE form (ZAP) */
	size_t n_admitted;
	yx_peer_conf_t *pulled; /* one pull connection each */
	bool *reciprocal;       /* parallel to pulled: a member pulled from in return */
	/* parallel to pulled: the key the member proposed to rotate to, tried in turn with
	 * its key (it may have adopted the rotation before us); zeros: none */
	uint8_t (*alt)[32];
	size_t n_pulled, cap_pulled;
} yxd_members_t;

/* Our records of enterprises relayed to other cities, turned relocated once landed there
 * (relocate.c): the arrivals up to cursor have been looked at. */
typedef struct {
	bool due;            /* a commit (or the start) may have brought a LAND */
	uint64_t cursor;     /* arrival number (store.h) read up to */
	int64_t retry_ms;    /* a write was refused: not before then */
	uint32_t backoff_ms; /* doubling while refused */
	bool refused;        /* the log said so, and not yet that it passed */
} yxd_relocate_t;

/* The votes a store holds for one charter version (charter.c), decoded into arena. */
typedef struct {
	yx_vote_t *votes;
	char (*ids)[YX_CHARTER_VOTE_ID_MAX]; /* each vote's record id */
	size_t n, cap;
	yx_arena_t arena;
} yxd_votes_t;

struct yxd {
	yx_config_t *cfg;
	yx_store_t *store;
	/* Our log's identity, the key it was first signed with, and the key that signs it
	 * now: the same until a rotation (rotate.c). Records, heads, vectors, case and
	 * agreement ids name the origin; heads are signed, and every CURVE socket keyed, by
	 * id. */
	uint8_t origin[YX_KEY_BYTES];
	yx_identity_t *id;
	uint8_t curve_public[32];
	uint8_t curve_secret[32];
	char pubkey_text[YX_PUBKEY_TEXT_LEN + 1];

	zsock_t *zap;            /* inproc ZAP handler (zap.c) */
	zsock_t *peer_router;    /* serves pulls (serve.c) */
	yxd_guard_t *peer_guard; /* its connections and refused handshakes (guard.c) */
	yxd_guard_t *feed_guard; /* the feed port's; NULL when off */
	yxd_control_t *control;  /* yrdxctl requests (control.c) */
	yxd_feed_t *feed;        /* partner parks' yrdx-feed (feed.c); NULL when off */

	yxd_client_t **clients; /* one per configured peer */
	size_t n_clients;
	int64_t clients_tick_ms; /* the last yxd_clients_tick (yxd_tick_late) */
	size_t client_turn;      /* which peer's input is read first in the next pass */
	uint64_t pull_passes;    /* schedule_pulls passes so far (client.c) */
	yxd_serve_t *serve;
	yxd_writer_t writer;

	/* Received segments accumulate in one LMDB transaction, committed when the input
	 * drains or grows large, then credit is returned (client.c). */
	yx_remote_t *remote;
	size_t remote_segments;
	size_t remote_entries;
	yxd_staged_t staged;
	yxd_origins_t moved;
	yxd_full_t full;
	yxd_fence_t fence;
	yxd_rotation_t rotation;
	yxd_charter_t charter;
	yxd_members_t members;
	yxd_relocate_t relocate;
	/* What one input needs decoded while it is handled — a peer message (client.c), a
	 * control request and the records its step reads (control.c, author.c) — reset once
	 * that input is done. */
	yx_arena_t scratch;
	/* Compresses the segments served, decompresses those received (serve.c, client.c). */
	yx_squash_t *squash;

	struct MHD_Daemon *http;  /* the console and /metrics (http.c); NULL when off */
	yxd_overview_t *overview; /* their costly figures, cached; NULL when off */
	yxd_refusals_t refusals;  /* the latest refusals, for the console */

	uint64_t counters[C_COUNT];
	bool stopping;
	bool reload_requested;
	bool policy_due;       /* the config's sharing policy may differ from the published one */
	bool policy_logged;    /* that it could not be published yet was said */
	uint64_t config_stamp; /* of the config file, to notice edits */
};

/* ---- charter.c: the federation charter ---- */
/* Reads the adopted chain from the store and sets the store's rules from it; without a
 * charter the node runs on its config's trust store alone, and says so. */
int yxd_charter_start(yxd_t *d);
void yxd_charter_stop(yxd_t *d);
/* The current version; NULL when no charter is installed. */
const yx_charter_t *yxd_charter_current(const yxd_t *d);
/* This node's entry in it (by its origin); NULL without a charter or if not a member. */
const yx_member_t *yxd_charter_self(const yxd_t *d);
/* The writer's hook: a commit may have brought votes (ours or received ones). */
void yxd_charter_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);
/* Adopts every version the votes held make valid, one after the other, if a commit (or
 * the start) may have brought votes: each appended to the chain and written to the store
 * (what was received is committed first), logged, a key rotation of ours it decides
 * carried out (rotate.c), the store's rules and the members' trust made to follow it.
 * Called from the loop, where no subsystem is mid-way. */
void yxd_charter_adopt_due(yxd_t *d, int64_t now_ms);
typedef void (*yxd_version_fn)(yxd_t *d, const yx_charter_t *v);
typedef void (*yxd_charter_fn)(yxd_t *d);
void yxd_charter_hooks(yxd_t *d, yxd_version_fn on_version, yxd_charter_fn on_changed);
/* The key member origin proposed to rotate to by its vote for the next version (while
 * that is pending here), or NULL. */
const uint8_t *yxd_charter_next_key(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES]);
/* The votes held for version (the records of kind charter-vote whose id names it), each
 * checked to be what its id says (a vote whose bytes or round give another id is left
 * out).
 * Caller frees with yxd_votes_free. */
int yxd_charter_votes(yxd_t *d, uint32_t version, yxd_votes_t *out);
void yxd_votes_free(yxd_votes_t *v);

/* ---- amend.c: amendments this node proposes and signs, and how they stand ---- */
/* A charter request (propose, sign, status, and rotate: this node's own key, the version
 * built here with the new key past the seq of its vote, writes fenced from then on); r->charter
 * is set (free with yxd_amend_reply_free). */
void yxd_amend_request(yxd_t *d, const Yrdx__CharterRequest *q, Yrdx__ControlReply *r);
void yxd_amend_reply_free(Yrdx__ControlReply *r);

/* ---- jurisdiction.c: 管辖范围 ---- */
/* The store's admit rule (verify.h): whether a verified change of origin at seq stands.
 * With a charter, a record of a city outside its origin's jurisdiction (in the current
 * version) does not: YX_EREFUSED, diag naming the origin (member name), seq, record,
 * city and jurisdiction, and d->charter.refused_jurisdiction set. */
int yxd_charter_admit(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                      const Yrdx__Change *change, yx_diag_t *diag);
/* Whether this node may write c (put, import, a relay PROPOSE's enterprise): YX_OK
 * without a charter or for a record of a city in its jurisdiction (its charter entry's;
 * its own city while the charter does not name it), else YX_EINVAL with diag naming the
 * city and the jurisdiction (the caller names the record). */
int yxd_jurisdiction_local(yxd_t *d, const Yrdx__Change *c, yx_diag_t *diag);

/* ---- members.c ---- */
/* The chain or the config changed (start, reload, an amendment adopted): whom the peer
 * port admits and whom this node pulls from are made anew from the current version and
 * the config's peers — config peers that name no active member, or with another key than
 * the charter's, skipped with an error in the log. The caller then makes the pull
 * connections follow (yxd_clients_sync_config: healthy ones kept) and the peer port
 * (yxd_serve_trust_changed: pullers no longer admitted no longer served). YX_OK or
 * -ENOMEM (the lists stay as they were). */
int yxd_members_changed(yxd_t *d);
void yxd_members_free(yxd_t *d);
/* The peer admitted under name (the name ZAP gave its connection); NULL if none. */
const yx_peer_conf_t *yxd_members_admitted(const yxd_t *d, const char *name);
/* The peer admitted with CURVE key curve; NULL if none. */
const yx_peer_conf_t *yxd_members_admitted_curve(const yxd_t *d, const uint8_t curve[32]);
/* Peer name began a pull session here: with a charter, a member this node does not pull
 * from is listed to be pulled from in return, at its first charter endpoint. True if it
 * was added: the caller makes the pull connections follow (yxd_clients_sync_config). */
bool yxd_members_pulled_by(yxd_t *d, const char *name);
/* Whether origin's log may be pulled up to seq under the charter: false for an origin
 * that is no member; for a revoked member, *seq is cut to the last seq that stands.
 * Always true without a charter. */
bool yxd_members_origin_ok(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES], uint64_t *seq);
/* The counter a segment the charter refused (YX_EREFUSED) goes under: refused_nonmember,
 * refused_revoked (its head lies past the member's revocation), else rejected_invalid. */
yxd_counter_t yxd_members_refusal(const yxd_t *d, const uint8_t origin[YX_KEY_BYTES],
                                  uint64_t head_seq);

/* ---- guard.c: the ports before authentication ---- */
/* Raises RLIMIT_NOFILE's soft limit to the hard one and logs both. */
void yxd_nofile_raise(void);
/* A ZeroMQ socket of type (a raw libzmq handle, which CZMQ's zsock_set_*, zsock_resolve
 * and zframe_send/recv accept), or NULL with the failure logged and counted: CZMQ's
 * zsock_new asserts when libzmq cannot make one (out of file descriptors), this does
 * not. what names it in the log. Close with yxd_socket_close. */
void *yxd_socket_new(yxd_t *d, int type, const char *what);
void yxd_socket_close(void **sock);
/* Binds sock to endpoint (zsock_bind's result). A port still held by the listener of a
 * socket just closed (libzmq lets go of it in its I/O thread, after zmq_close returns:
 * the port is re-made with a new key, yxd_rotate_to) is tried again for up to a second. */
int yxd_socket_bind(zsock_t *sock, const char *endpoint);
/* The limits every listening CURVE socket gets before it binds: ZMQ_MAXMSGSIZE max,
 * ZMQ_HANDSHAKE_IVL from the config, and ZMTP heartbeats that close a connection silent
 * for 12 x dead_after_ms (guard.c). */
void yxd_socket_limit(yxd_t *d, void *sock, size_t max);
/* Watches sock (bound as port, "peer" or "feed"): counts its connections per remote
 * address, refuses those over the limit, logs and counts refused handshakes. */
int yxd_guard_start(yxd_t *d, void *sock, const char *port, yxd_guard_t **out);
/* Ends the monitoring of sock (a watched port) before it closes: libzmq's reaper sends a
 * closing socket's last events to its monitor and blocks when the guard reading them is
 * gone, and with it the closing of every other socket — a re-made port's old listener
 * among them. Accepts NULL. */
void yxd_guard_unwatch(zsock_t *sock);
void yxd_guard_stop(yxd_guard_t **g);
void *yxd_guard_socket(const yxd_guard_t *g); /* its monitor, to poll; NULL if g is */
void yxd_guard_handle(yxd_t *d, yxd_guard_t *g);
/* Writes the log lines held back by the rate limit (one per reason per second). */
void yxd_guard_tick(yxd_t *d, yxd_guard_t *g, int64_t now_ms);
/* A refusal, logged (rate-limited), counted under reason counter c and noted for the
 * console (yxd_refusals_add) with the remote address (NULL if not known); detail (may
 * be NULL) says more. */
void yxd_guard_refused(yxd_t *d, yxd_guard_t *g, yxd_counter_t c, const char *address,
                       const char *detail);
/* The same, with the whole log line given, and the CURVE key refused (32 bytes; NULL if
 * none was seen). */
void yxd_guard_refused_line(yxd_t *d, yxd_guard_t *g, yxd_counter_t c, const char *address,
                            const uint8_t *key, const char *line);
/* ZAP was asked about a connection from address (zap.c): it reached authentication. */
void yxd_guard_zap_seen(yxd_guard_t *g, const char *address);

/* ---- zap.c ---- */
int yxd_zap_start(yxd_t *d);
void yxd_zap_stop(yxd_t *d);
void yxd_zap_handle(yxd_t *d);
/* Whether x_key, a message's X-Key (the key its connection was admitted with), is key. */
bool yxd_zap_key_is(const char *x_key, const uint8_t key[32]);

/* ---- segments.c: the segments the peer port sends ---- */
/* Built once for all the pullers that get the same one, and kept (up to 32, 4 MiB). */
typedef struct yxd_segments yxd_segments_t;
typedef struct {
	yx_wire_blob_t *blob;  /* the frame: the caller's reference (yx_wire_blob_unref) */
	size_t entries, stubs; /* what it holds */
	bool squashed;         /* compressed (it was smaller so) */
	bool reused;           /* the bytes another puller got */
} yxd_segment_t;
yxd_segments_t *yxd_segments_new(void);
void yxd_segments_free(yxd_segments_t **segments);
/* Origin's segment from..head with the kinds in mask as bodies and the rest as stubs,
 * compressed if squash and smaller so: the bytes kept from a puller that got the very same
 * one (no stub in it filled since: yx_store_fill_gen), else gathered from the log, packed
 * and kept. YX_OK, or an error (YX_ECORRUPT: the log lacks part of it). */
int yxd_segment_get(yxd_t *d, yxd_segments_t *segments, const uint8_t origin[YX_KEY_BYTES],
                    uint64_t from, const yx_head_t *head, uint32_t mask, bool squash,
                    yxd_segment_t *out);

/* ---- serve.c: the ROUTER side ---- */
int yxd_serve_start(yxd_t *d);
void yxd_serve_stop(yxd_t *d);
void yxd_serve_handle(yxd_t *d);
/* Tells connected pullers that origins' tips moved (pushing segments where it can). */
void yxd_serve_announce(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);
void yxd_serve_tick(yxd_t *d, int64_t now_ms);
/* After a reload: ends what pullers removed from the trust store, or whose key changed,
 * had here; nothing more is sent to them. */
void yxd_serve_trust_changed(yxd_t *d);
/* The index of a Fill's first seq (of at most YXD_FILL_SEQS) that goes to peer as a body
 * (not a stub): held as one, and the origin's policy and our own share with peer both
 * let peer have its kind; as many as it asks (capped) if none does; SIZE_MAX if the log
 * cannot be read. What a Fill is answered with; the fuzz harness calls it as on_fill
 * does. */
size_t yxd_serve_fill_first(yxd_t *d, const yx_peer_conf_t *peer, const Yrdx__Fill *f);

/* ---- client.c: the DEALER side ---- */
int yxd_clients_sync_config(yxd_t *d); /* create/keep/destroy clients to match cfg */
void yxd_clients_stop(yxd_t *d);
void yxd_client_handle(yxd_t *d, yxd_client_t *c);
void *yxd_client_socket(const yxd_client_t *c); /* NULL between connections */
void yxd_clients_tick(yxd_t *d, int64_t now_ms);
int64_t yxd_clients_next_timer(const yxd_t *d, int64_t now_ms);
/* Commits the open remote transaction (if any), returns credit, announces new tips. */
int yxd_remote_flush(yxd_t *d);
/* The open remote transaction holds as much as one commit should: commit it now. */
bool yxd_remote_due(const yxd_t *d);
/* Sends a Hello to every (or the named) peer now, so pulls start without waiting. */
int yxd_clients_sync_now(yxd_t *d, const char *peer);
void yxd_clients_status(yxd_t *d, Yrdx__StatusReply *reply);
void yxd_clients_status_free(Yrdx__StatusReply *reply);

/* ---- feed_summary.c ---- */
/* What the event c (a relay event) carries for a park to decide on: the enterprise as the
 * proposing city's record is held here (decision fields only; none for a stub), its
 * incubator and the proposing city. Allocated in arena. YX_OK or -ENOMEM. */
int yxd_feed_summary(yxd_t *d, const Yrdx__Change *c, yx_arena_t *arena, Yrdx__FeedSummary **out);
/* For the park a PROPOSE c is addressed to (the caller decides that): its dossier, opened
 * with this node's keys and sealed to park's key, into out (in arena); out empty when
 * the case has none or it does not open here (said in the log). YX_OK or -ENOMEM. */
int yxd_feed_dossier(yxd_t *d, const yx_park_conf_t *park, const Yrdx__Change *c, yx_arena_t *arena,
                     ProtobufCBinaryData *out);

/* ---- feed.c ---- */
int yxd_feed_start(yxd_t *d);
void yxd_feed_stop(yxd_t *d);
void yxd_feed_handle(yxd_t *d);
zsock_t *yxd_feed_socket(const yxd_t *d); /* NULL when off */
/* The writer's hook: after a commit, new arrivals to the subscribed parks. */
void yxd_feed_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);
/* A park's accept or decline (a FeedAction) of a case addressed to it, written into the
 * open batch b as the destination city's step, noting the park; case_id (cap bytes)
 * receives the case. YX_EINVAL/YX_ENOTFOUND with diag for a step the park may not take;
 * b is then unchanged. */
int yxd_feed_action_into(yxd_t *d, yx_batch_t *b, const yx_park_conf_t *park,
                         const Yrdx__FeedAction *a, char *case_id, size_t cap, yx_diag_t *diag);
void yxd_feed_tick(yxd_t *d, int64_t now_ms);
/* Ends the subscriptions of parks removed from the trust store or whose key changed. */
void yxd_feed_trust_changed(yxd_t *d);
/* Whether a yrdx-feed of park (its name under parks) is subscribed now, and its cursor
 * (the last one's, 0 if none is). */
bool yxd_feed_cursor(const yxd_t *d, const char *park, uint64_t *cursor);
/* The events park may see that arrived after cursor: a scan of the arrivals past it. */
uint64_t yxd_feed_behind(yxd_t *d, const yx_park_conf_t *park, uint64_t cursor);
/* Each configured park's feed: connected, cursor, events behind (for status). */
void yxd_feed_status(yxd_t *d, Yrdx__StatusReply *reply);
void yxd_feed_status_free(Yrdx__StatusReply *reply);

/* ---- writer.c: the one write path, and who is told of commits ---- */
/* fn commits what was received before a local batch opens (one at most). */
void yxd_writer_set_flush(yxd_writer_t *w, yxd_flush_fn fn);
/* Commits what the flush hook holds open (received segments): before a transaction of
 * the store's own (the charter, a rotation mark). */
int yxd_writer_flush(yxd_t *d);
/* fn is told of every commit's moved origins, in the order registered (at most
 * YXD_WRITER_HOOKS). */
void yxd_writer_on_commit(yxd_writer_t *w, yxd_moved_fn fn);
/* Checks the fence, has what was received committed, opens a batch. YX_OK, or the error
 * with diag saying why not. */
int yxd_writer_begin(yxd_t *d, yx_batch_t **b, yx_diag_t *diag);
/* Commits b durably (freed either way), counts it, tells the hooks our own log moved. */
int yxd_writer_commit(yxd_t *d, yx_batch_t **b, yx_head_t *head, yx_diag_t *diag);
/* Tells the hooks that origins moved (a commit of received segments). */
void yxd_writer_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);

/* ---- policy.c: our sharing policy, published in our own log ---- */
void yxd_policy_due(yxd_t *d); /* the config may state another policy (start, reload) */
/* Publishes the config's policy if it is due and differs from the last one published.
 * YX_OK (published, or nothing to do), or why not (fenced, full: it stays due). */
int yxd_policy_publish(yxd_t *d);

/* ---- fence.c: a store older than the node's own log writes nothing until it has it ---- */
void yxd_fence_start(yxd_t *d); /* the mark yrdxctl backup leaves raises it */
/* A peer claims our own log up to seq: beyond our tip, the fence rises. */
void yxd_fence_own_claim(yxd_t *d, const char *peer, uint64_t seq);
/* What the peers say, each tick: how many answered, the most of our log one holds. */
void yxd_fence_peers(yxd_t *d, size_t answered, uint64_t claim);
void yxd_fence_tick(yxd_t *d, int64_t now_ms);
/* YX_OK, or YX_EFENCED with diag saying what the node waits for: its own log, or the
 * charter version of a key rotation it proposed (yxd_rotation_check). */
int yxd_fence_check(yxd_t *d, yx_diag_t *diag);
bool yxd_fence_pulls_own(const yxd_t *d);               /* own log pulled back from peers */
void yxd_fence_status(yxd_t *d, char *buf, size_t cap); /* either wait; "" if none */

/* ---- rotate.c: this node's key rotation (docs/design.md, "Key rotation") ---- */
/* Makes *id the key this node signs heads and keys CURVE sockets with (d->id, its CURVE
 * pair, its text form); takes it over (*id nulled) and frees the one before. An error
 * from the CURVE conversion leaves everything as it was. */
int yxd_key_use(yxd_t *d, yx_identity_t **id);
/* At start, with the key loaded and the store open: our origin (the store's, or the key's
 * for a new store), the key checked against the keys of our log (YX_EKEY, logged, for a
 * key that never signed it), and a rotation still waiting (the store's mark) fenced
 * again. */
int yxd_rotation_start(yxd_t *d);
/* We proposed charter version `version`, which hands our log to a new key past after_seq
 * (the seq of our vote): local writes are refused from now, with a message saying why,
 * until yxd_rotate_to (that version adopted) or yxd_rotation_clear (another version
 * numbered so adopted). The new key's CURVE pair is read from the next key file, for our
 * pull connections to try in turn (a member that adopted first admits only it). Kept in
 * the store across restarts; YX_OK, or why the mark could not be stored (the fence holds
 * in memory all the same). */
int yxd_rotation_pending(yxd_t *d, uint64_t after_seq, uint32_t version);
/* Another version numbered as ours was adopted: the key we have goes on; writes resume. */
void yxd_rotation_clear(yxd_t *d);
/* The charter adopted v (or holds it at start): if v gives our log another key than the
 * one we sign with, rotate to it (yxd_rotate_to, the next key file); if it carries the
 * number of the version our rotation waits for without it, clear the rotation. The
 * charter's on_version hook. */
void yxd_rotation_follows(yxd_t *d, const yx_charter_t *v);
/* The charter adopted the version in which our log has the key in new_key_file (written
 * by `yrdxctl keygen --next`: yx_key_next_path(d->cfg->key_file)), signing past the pending
 * rotation's after_seq (with none pending, past our log's tip): the store records the new key as
 * our log's signer, every later head is signed by it, the key files are renamed (new_key_file
 * becomes node/key_file, the key before is kept as key_file + ".old", 0600), and the peer port,
 * feed port and pull connections are re-made with the new key's CURVE pair — in the
 * loop's next pass (yxd_rotation_rekey), so that a caller inside a socket's handler keeps
 * its socket. Writes resume. Errors (logged): the key file's (YX_EKEY, -errno ...), the
 * store's (YX_EBUSY with a batch open, YX_EINVAL if our log holds seqs past after_seq);
 * nothing changed then. A failure renaming the files is returned too, but the rotation
 * stands: the log says which files to move by hand. The caller asks only when the
 * adopted key differs from yx_identity_public(d->id) (after a restart the key file holds
 * it already, and the next key file is gone). */
int yxd_rotate_to(yxd_t *d, const char *new_key_file);
/* Re-makes the sockets with the current key, if a rotation left them with the one
 * before; main's loop calls it after each pass. YX_OK, or the port that could not be
 * bound again. */
int yxd_rotation_rekey(yxd_t *d);
/* YX_OK, or YX_EFENCED with diag saying which charter version the node waits for (the
 * writer asks through yxd_fence_check). */
int yxd_rotation_check(yxd_t *d, yx_diag_t *diag);
/* The same words for status ("" when writing). */
void yxd_rotation_status(yxd_t *d, char *buf, size_t cap);

/* ---- http.c: the console (/) and Prometheus /metrics on listen/metrics ---- */
/* Listens when listen/metrics is set (YX_OK and nothing done when not); YX_ECONFIG for
 * an address that is not IPv4:PORT, -EADDRINUSE if it cannot listen, -ENOMEM. */
int yxd_http_start(yxd_t *d);
void yxd_http_stop(yxd_t *d);
int yxd_http_fd(yxd_t *d); /* its epoll descriptor, for the loop's poll; -1 when off */
void yxd_http_run(yxd_t *d);

/* ---- overview.c ---- */
/* The writer's hook: a commit moved the store, so the cached figures are due again. */
void yxd_overview_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);

/* ---- author.c ---- */
/* A caller's own check of the case a step is about (feed.c: the case is addressed to the
 * acting park), made on the derivation the step is checked on: YX_OK, or an error with
 * diag, and the step is not written. */
typedef int (*yxd_case_vet_fn)(void *arg, const yx_case_t *c, yx_diag_t *diag);
/* Writes the relay step q asks for into the open batch b, as this node; case_id (cap
 * bytes) receives the case. A PROPOSE needs only committed registry data, so many share
 * one batch (group commit); every other step is derived from the committed case — once,
 * vet (may be NULL) then asked on that derivation — and must be written alone
 * (yxd_author_relay). A PROPOSE to this node itself (within one city) needs the park in
 * its own registry. A LAND puts, after the event, this city's own record of the enterprise
 * (stage landed, the case's park, this city, the case; the rest from the source's record,
 * or ours where the source's is withheld from us). YX_EINVAL/YX_ENOTFOUND with diag for a
 * step this node may not take now; b is then unchanged. */
int yxd_author_relay_into(yxd_t *d, yx_batch_t *b, const Yrdx__RelayRequest *q, yxd_case_vet_fn vet,
                          void *vet_arg, char *case_id, size_t cap, yx_diag_t *diag);
/* The same in a batch of its own, committed durably; head receives its head. */
int yxd_author_relay(yxd_t *d, const Yrdx__RelayRequest *q, yxd_case_vet_fn vet, void *vet_arg,
                     char *case_id, size_t cap, yx_head_t *head, yx_diag_t *diag);

/* ---- relocate.c: our record of an enterprise that landed in another city ---- */
/* At start: every arrival is looked at once more (what a crash left undone). */
void yxd_relocate_start(yxd_t *d);
/* The writer's hook: a commit may have brought the LAND of a case we proposed. */
void yxd_relocate_moved(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n);
/* Reads the arrivals past the cursor (at most 4096 a pass) for LANDs, by another city, of
 * cases this node proposed, and writes our record of each such enterprise again with
 * stage relocated and the case, in one batch (records already so, or moved by a later
 * case, are left alone). A refused write (fence, full store) keeps the cursor and is tried
 * again after a back-off, 1 s doubling to 60 s. Called from the loop, where no subsystem
 * is mid-way. */
void yxd_relocate_due(yxd_t *d, int64_t now_ms);

/* ---- joint.c ---- */
/* Writes this node's participation in a joint-incubation agreement: a new one
 * (ACTION_PROPOSE) or one another party proposed (ACTION_SIGN); r->agreement_id
 * (malloc'd) names it. YX_EINVAL/YX_ENOTFOUND with diag for a request this node may not
 * carry out (an incubator in no or several registries, not a party, signed already). */
int yxd_author_joint(yxd_t *d, const Yrdx__JointRequest *q, Yrdx__ControlReply *r, yx_head_t *head,
                     yx_diag_t *diag);
/* What yxd_author_joint_into wrote, for the reply and the log. */
typedef struct {
	char agreement_id[96];
	char incubator_id[128]; /* for the log: cut short if need be */
	char role[64];
	const char *what; /* "proposed" or "signed" */
} yxd_joint_written_t;
/* The same into the open batch b, which the caller commits or aborts (the fuzz harnesses
 * abort it: a request checked against the store leaves it as it was). */
int yxd_author_joint_into(yxd_t *d, yx_batch_t *b, const Yrdx__JointRequest *q,
                          yxd_joint_written_t *w, yx_diag_t *diag);

/* ---- control.c ---- */
int yxd_control_start(yxd_t *d);
void yxd_control_stop(yxd_t *d);
void yxd_control_handle(yxd_t *d);
zsock_t *yxd_control_socket(const yxd_t *d);
/* A put request: its changes written as one batch, all or none, or with req->dry_run only
 * checked (nothing written); r gets the outcome (r->message malloc'd on error, r->head
 * malloc'd once written), head the batch's head. */
void yxd_control_put(yxd_t *d, Yrdx__PutRequest *req, Yrdx__ControlReply *r, yx_head_t *head);

/* ---- vector.c helpers shared by serve and client ---- */
/* Our version vector as a protobuf message; free with yxd_vector_msg_free. */
int yxd_vector_msg(yxd_t *d, Yrdx__VersionVector *msg);
void yxd_vector_msg_free(Yrdx__VersionVector *msg);

#endif
