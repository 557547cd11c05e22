/* counters: what the node's counters are called in status and metrics, what each means
 * (the metrics' HELP line), and which of them count refusals — of what kind, in the
 * plan's language for the console. */
#include "yrdxd.h"

static const struct {
	const char *name;
	const char *help;
	yxd_refusal_kind_t kind; /* YXD_REFUSAL_NONE: not a refusal */
	const char *term;        /* the console's words for a refusal */
} counters[C_COUNT] = {
        [C_HANDSHAKES_REFUSED] = {"handshakes_refused",
                                  "Connections refused before authentication, every reason.",
                                  YXD_REFUSAL_NONE, NULL},
        [C_SEGMENTS_RECEIVED] = {"segments_received",
                                 "Log segments received that verified and were committed.",
                                 YXD_REFUSAL_NONE, NULL},
        [C_CHANGES_RECEIVED] = {"changes_received", "Log entries received in segments.",
                                YXD_REFUSAL_NONE, NULL},
        [C_CHANGES_APPLIED] = {"changes_applied", "Log entries received that were new here.",
                               YXD_REFUSAL_NONE, NULL},
        [C_CHANGES_FILLED] = {"changes_filled",
                              "Stubs whose bodies came later from a peer that shares them.",
                              YXD_REFUSAL_NONE, NULL},
        [C_REJECTED_CHAIN] = {"rejected_chain",
                              "Segments refused: broken hash chain or altered bytes.",
                              YXD_REFUSAL_BAD_DATA, "链哈希不符"},
        [C_REJECTED_SIGNATURE] = {"rejected_signature",
                                  "Segments refused: a head signature that does not verify.",
                                  YXD_REFUSAL_BAD_DATA, "签名无效"},
        [C_REJECTED_FORK] = {"rejected_fork", "Segments refused: a fork (two hashes for one seq).",
                             YXD_REFUSAL_BAD_DATA, "分叉"},
        [C_REJECTED_INVALID] = {"rejected_invalid",
                                "Messages or segments refused: malformed, or an invalid record.",
                                YXD_REFUSAL_BAD_DATA, "无效数据"},
        [C_REFUSED_JURISDICTION] = {"refused_jurisdiction",
                                    "Segments refused: a record outside its origin's "
                                    "jurisdiction.",
                                    YXD_REFUSAL_BAD_DATA, "超出管辖范围"},
        [C_GAPS] = {"gaps", "Segments that started past our tip (dropped and pulled again).",
                    YXD_REFUSAL_NONE, NULL},
        [C_REFUSED_TIPS_ORIGINS] = {"refused_tips_origins",
                                    "Origins a peer named past sync/max_origins.",
                                    YXD_REFUSAL_LIMIT, "来源数超限"},
        [C_SEGMENTS_SENT] = {"segments_sent", "Log segments sent to pullers.", YXD_REFUSAL_NONE,
                             NULL},
        [C_CHANGES_SENT] = {"changes_sent", "Log entries sent to pullers.", YXD_REFUSAL_NONE, NULL},
        [C_STUBS_SENT] = {"stubs_sent", "Log entries sent as stubs (withheld by sharing policy).",
                          YXD_REFUSAL_NONE, NULL},
        [C_COMMITS] = {"commits", "Durable store commits of received data.", YXD_REFUSAL_NONE,
                       NULL},
        [C_LOCAL_CHANGES] = {"local_changes", "Changes written by this node.", YXD_REFUSAL_NONE,
                             NULL},
        [C_CONTROL_REQUESTS] = {"control_requests", "Requests on the control socket.",
                                YXD_REFUSAL_NONE, NULL},
        [C_RELOADS] = {"reloads", "Config reloads.", YXD_REFUSAL_NONE, NULL},
        [C_REFUSED_HELLO_ORIGINS] = {"refused_hello_origins",
                                     "Hellos refused: more origins than sync/max_origins.",
                                     YXD_REFUSAL_LIMIT, "来源数超限"},
        [C_REFUSED_PULL_SESSIONS] = {"refused_pull_sessions",
                                     "Pull connections refused over sync/pull_sessions_max.",
                                     YXD_REFUSAL_LIMIT, "拉取会话超限"},
        [C_REFUSED_FEED_CONNECTIONS] = {"refused_feed_connections",
                                        "Feed connections refused over "
                                        "sync/feed_connections_max.",
                                        YXD_REFUSAL_LIMIT, "推送连接超限"},
        [C_REFUSED_KEY] = {"refused_key", "Handshakes refused: a CURVE key not admitted.",
                           YXD_REFUSAL_HANDSHAKE, "未知密钥"},
        [C_REFUSED_MECHANISM] = {"refused_mechanism", "Handshakes refused: not CURVE.",
                                 YXD_REFUSAL_HANDSHAKE, "非 CURVE 握手"},
        [C_REFUSED_CRYPTO] = {"refused_crypto", "Handshakes refused: CURVE boxes that do not open.",
                              YXD_REFUSAL_HANDSHAKE, "解密失败"},
        [C_REFUSED_PROTOCOL] = {"refused_protocol", "Handshakes refused: malformed ZMTP.",
                                YXD_REFUSAL_HANDSHAKE, "协议错误"},
        [C_REFUSED_UNFINISHED] = {"refused_unfinished",
                                  "Handshakes not finished: closed, timed out or oversized.",
                                  YXD_REFUSAL_HANDSHAKE, "握手未完成"},
        [C_REFUSED_CONNECTIONS] = {"refused_connections",
                                   "Connections refused over "
                                   "listen/connections_per_address.",
                                   YXD_REFUSAL_HANDSHAKE, "单地址连接过多"},
        [C_SOCKET_FAILURES] = {"socket_failures",
                               "Sockets that could not be made or accepted (file descriptors).",
                               YXD_REFUSAL_NONE, NULL},
        [C_REFUSED_NONMEMBER] = {"refused_nonmember",
                                 "Origins no charter member has, offered by peers, and their "
                                 "segments.",
                                 YXD_REFUSAL_UNKNOWN_ORIGIN, "非成员来源"},
        [C_REFUSED_REVOKED] = {"refused_revoked",
                               "Segments of a revoked member past its revocation.",
                               YXD_REFUSAL_UNKNOWN_ORIGIN, "已撤销成员"},
        [C_SQUASHED_SENT] = {"squashed_sent", "Segments sent compressed (zstd).", YXD_REFUSAL_NONE,
                             NULL},
        [C_SQUASHED_RECEIVED] = {"squashed_received", "Compressed segments received.",
                                 YXD_REFUSAL_NONE, NULL},
        [C_REFUSED_SQUASHED] = {"refused_squashed",
                                "Compressed segments refused: a size past the limit, or a "
                                "frame that does not match it.",
                                YXD_REFUSAL_BAD_DATA, "压缩数据无效"},
        [C_SEGMENTS_REUSED] = {"segments_reused",
                               "Segments sent as the very bytes another puller got since the "
                               "store last changed: gathered, packed and compressed once.",
                               YXD_REFUSAL_NONE, NULL},
};

const char *yxd_counter_name(yxd_counter_t c)
{
	return counters[c].name;
}

const char *yxd_counter_help(yxd_counter_t c)
{
	return counters[c].help;
}

yxd_refusal_kind_t yxd_counter_refusal(yxd_counter_t c)
{
	return counters[c].kind;
}

const char *yxd_counter_term(yxd_counter_t c)
{
	return counters[c].term ? counters[c].term : counters[c].name;
}

const char *yxd_refusal_kind_name(yxd_refusal_kind_t k)
{
	switch (k) {
	case YXD_REFUSAL_BAD_DATA: return "bad_data";
	case YXD_REFUSAL_UNKNOWN_ORIGIN: return "unknown_origin";
	case YXD_REFUSAL_HANDSHAKE: return "handshake";
	case YXD_REFUSAL_LIMIT: return "limit";
	default: return "none";
	}
}

const char *yxd_refusal_kind_term(yxd_refusal_kind_t k)
{
	switch (k) {
	case YXD_REFUSAL_BAD_DATA: return "坏数据 bad data";
	case YXD_REFUSAL_UNKNOWN_ORIGIN: return "未知来源 unknown origin";
	case YXD_REFUSAL_HANDSHAKE: return "握手被拒 refused handshake";
	case YXD_REFUSAL_LIMIT: return "超出限额 over a limit";
	default: return "";
	}
}
