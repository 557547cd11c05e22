/* overview: what the console (/, console.c) and Prometheus /metrics (metrics.c) show,
 * gathered in one place so that both say the same.
 *
 * Two parts. The live one is read from the node's memory at every request and costs
 * nothing worth counting: the peers (connected, what they claim), the version vector
 * (one read of the tips), the members, the feeds' cursors, the refusals. The costly one
 * needs scans of the store — the plan's counts (yx_stats_collect), every relay case
 * derived, the arrivals behind each park's cursor — and the node's one loop would stall
 * while it ran. So it is cached in yxd_overview_t and made again only when it is due (a
 * commit moved the store, or a park's cursor moved) and no sooner than
 * YXD_OVERVIEW_REFRESH_MS after the last time, or twenty times as long as the last one
 * took: the scans take at most a twentieth of the loop however large the store. */
#ifndef YRDXD_OVERVIEW_H
#define YRDXD_OVERVIEW_H

#include "names.h"
#include "relay.h"
#include "report.h"
#include "stats.h"
#include "yrdxd.h"

#define YXD_OVERVIEW_REFRESH_MS 5000
#define YXD_OVERVIEW_COST_SHARE 20 /* made again no sooner than this many times its cost */
#define YXD_RECENT_CASES        8

/* One origin this node holds, or a member of the charter it holds nothing of yet. */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	char label[YX_NAME_LABEL_MAX]; /* names.h's short form: "上海 shanghai" */
	uint32_t city;                 /* 0 when not known */
	bool member, self;
	uint64_t seq;     /* held here */
	uint64_t claimed; /* the most a peer says it holds (the latest Tips of each) */
} yxd_origin_row_t;

/* One pull connection (a configured peer, or a member pulled from in return). */
typedef struct {
	const Yrdx__PeerStatus *status; /* in the view's status reply */
	char label[YX_NAME_LABEL_MAX];
	uint32_t city;
	uint64_t behind; /* records it claims that this node lacks, summed over origins */
} yxd_peer_row_t;

/* One of the latest cases, by its PROPOSE's time. */
typedef struct {
	char case_id[YX_CASE_ID_MAX + 1];
	uint8_t proposer[YX_KEY_BYTES]; /* the origin of its PROPOSE */
	yx_case_state_t state;
	char credit_code[32];
	char enterprise[256]; /* the proposing city's record's name; "" if not held here */
	char park_id[128];
	uint32_t from_city, to_city;
	int64_t time_ms;
} yxd_case_row_t;

/* A park's feed as the cache last counted it. */
typedef struct {
	char park[YX_CONFIG_NAME_MAX + 1]; /* its name under parks */
	char name[256];                    /* the park's record in this city's registry; "" */
	uint64_t cursor;                   /* the cursor behind was counted from */
	uint64_t behind;
} yxd_feed_count_t;

struct yxd_overview {
	bool due;                /* the store moved since the figures were made */
	int64_t made_ms;         /* when they were; 0: never */
	int64_t cost_us;         /* what making them took the last time */
	int64_t next_ms;         /* not made again before */
	uint64_t made;           /* how many times they were made */
	int err;                 /* the last attempt's error (the figures before are kept); 0 */
	yx_stats_t stats;        /* every city's counts (stats.h) */
	yx_relay_report_t relay; /* cases by city pair and state (report.h) */
	yxd_case_row_t recent[YXD_RECENT_CASES]; /* newest first */
	size_t n_recent;
	yxd_feed_count_t *feeds;
	size_t n_feeds;
};

/* One request's view: the live part, with the cache made fresh if it was due. */
typedef struct {
	int64_t now_ms;
	yx_names_t *names;
	const yx_charter_t *charter; /* NULL: none installed */
	const yxd_overview_t *cached;
	const yx_city_stats_t *shanghai; /* the cache's Shanghai row: the plan's targets are
	                                  * Shanghai's; NULL if it has none */
	yxd_origin_row_t *origins;       /* by label */
	size_t n_origins;
	Yrdx__StatusReply status; /* its peers: yxd_clients_status */
	yxd_peer_row_t *peers;
	size_t n_peers;
	/* parallel to d->cfg->parks: connected now, cursor now, and the cache's count */
	bool *feed_connected;
	uint64_t *feed_cursor;
	const yxd_feed_count_t **feed_count; /* NULL where the cache has none yet */
	uint64_t store_bytes, map_bytes;
} yxd_view_t;

/* Makes d's cache (d->overview). YX_OK or -ENOMEM. */
int yxd_overview_start(yxd_t *d);
/* Frees it; accepts a node without one. */
void yxd_overview_stop(yxd_t *d);

/* The view of d now (now_ms), the cache made again first if due (a failure to make it
 * is kept in cached->err, and the figures before stand). YX_OK or -ENOMEM (v empty).
 * Free with yxd_view_free. */
int yxd_view_make(yxd_t *d, int64_t now_ms, yxd_view_t *v);
void yxd_view_free(yxd_view_t *v);

/* Lag of an origin row: what a peer claims past what is held. */
static inline uint64_t yxd_origin_lag(const yxd_origin_row_t *o)
{
	return o->claimed > o->seq ? o->claimed - o->seq : 0;
}

#endif
