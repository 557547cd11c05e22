/* counters: the names the node's counters go by in status and metrics. */
#include "yrdxd.h"

static const char *const names[C_COUNT] = {
        [C_HANDSHAKES_REFUSED] = "handshakes_refused",
        [C_SEGMENTS_RECEIVED] = "segments_received",
        [C_CHANGES_RECEIVED] = "changes_received",
        [C_CHANGES_APPLIED] = "changes_applied",
        [C_CHANGES_FILLED] = "changes_filled",
        [C_REJECTED_CHAIN] = "rejected_chain",
        [C_REJECTED_SIGNATURE] = "rejected_signature",
        [C_REJECTED_FORK] = "rejected_fork",
        [C_REJECTED_INVALID] = "rejected_invalid",
        [C_REFUSED_JURISDICTION] = "refused_jurisdiction",
        [C_GAPS] = "gaps",
        [C_REFUSED_TIPS_ORIGINS] = "refused_tips_origins",
        [C_SEGMENTS_SENT] = "segments_sent",
        [C_CHANGES_SENT] = "changes_sent",
        [C_STUBS_SENT] = "stubs_sent",
        [C_COMMITS] = "commits",
        [C_LOCAL_CHANGES] = "local_changes",
        [C_CONTROL_REQUESTS] = "control_requests",
        [C_RELOADS] = "reloads",
        [C_REFUSED_HELLO_ORIGINS] = "refused_hello_origins",
        [C_REFUSED_PULL_SESSIONS] = "refused_pull_sessions",
        [C_REFUSED_FEED_CONNECTIONS] = "refused_feed_connections",
        [C_REFUSED_KEY] = "refused_key",
        [C_REFUSED_MECHANISM] = "refused_mechanism",
        [C_REFUSED_CRYPTO] = "refused_crypto",
        [C_REFUSED_PROTOCOL] = "refused_protocol",
        [C_REFUSED_UNFINISHED] = "refused_unfinished",
        [C_REFUSED_CONNECTIONS] = "refused_connections",
        [C_SOCKET_FAILURES] = "socket_failures",
        [C_REFUSED_NONMEMBER] = "refused_nonmember",
        [C_REFUSED_REVOKED] = "refused_revoked",
        [C_SQUASHED_SENT] = "squashed_sent",
        [C_SQUASHED_RECEIVED] = "squashed_received",
        [C_REFUSED_SQUASHED] = "refused_squashed",
};

const char *yxd_counter_name(yxd_counter_t c)
{
	return names[c];
}
