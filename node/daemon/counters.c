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
        [C_GAPS] = "gaps",
        [C_ORIGINS_REFUSED] = "origins_refused",
        [C_SEGMENTS_SENT] = "segments_sent",
        [C_CHANGES_SENT] = "changes_sent",
        [C_STUBS_SENT] = "stubs_sent",
        [C_COMMITS] = "commits",
        [C_LOCAL_CHANGES] = "local_changes",
        [C_CONTROL_REQUESTS] = "control_requests",
        [C_RELOADS] = "reloads",
};

const char *yxd_counter_name(yxd_counter_t c)
{
	return names[c];
}
