/* config_schema: the schema of the configuration file, after Knot DNS's conf schema: one
 * static table of sections and keys, each key's type, default, range and explanation,
 * which drives loading, validation, the normalised print and the comments of the files
 * this module writes; and the messages that name file, key and value, with a guess at
 * what a misspelt name meant. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "text.h"

#define CFG(f)  offsetof(yx_config_t, f), sizeof(((yx_config_t *)0)->f)
#define PEER(f) offsetof(yx_peer_conf_t, f), sizeof(((yx_peer_conf_t *)0)->f)
#define PARK(f) offsetof(yx_park_conf_t, f), sizeof(((yx_park_conf_t *)0)->f)

static const item_t node_items[] = {
        {"name", T_NAME, F_REQUIRED, NULL, 0, 0, CFG(name),
         "Short name of this city node (城市节点) in logs and in the other cities'\n"
         "configs: a-z, 0-9 and -, at most 32 characters."},
        {"city", T_CITY, F_REQUIRED, NULL, 0, 0, CFG(city),
         "GB/T 2260 code of this node's city, one of the 41 Yangtze River Delta\n"
         "cities: 310000 上海, 320100 南京, 320500 苏州, 330100 杭州, 340100 合肥, ..."},
        {"data_dir", T_PATH, 0, "data", 0, 0, CFG(data_dir),
         "Directory of this node's LMDB store: its own records and those the other\n"
         "cities sent."},
        {"key_file", T_PATH, 0, "node.key", 0, 0, CFG(key_file),
         "This node's Ed25519 key pair, made by `yrdxctl init` (secret: mode 0600).\n"
         "Its public half is what the other cities enter as this node's public_key."},
        {"log_level", T_LEVEL, 0, "info", 0, 0, CFG(log_level), "error | warn | info | debug"},
        {"map_size", T_SIZE, 0, "16G", 0, 0, CFG(map_size),
         "Most the store may hold (LMDB's map), e.g. 512M, 16G or 1T (powers of 1024;\n"
         "1M to 64T). Only address space: the file grows as records are written. When\n"
         "it is full the node stops taking records, says so, and resumes once this is\n"
         "raised and the node restarted."},
};

static const item_t listen_items[] = {
        {"peer", T_ENDPOINT, F_REQUIRED | F_IPC | F_BIND, NULL, 0, 0, CFG(peer_endpoint),
         "Where the other cities' nodes connect to sync: tcp://HOST:PORT (* = every\n"
         "interface) or ipc://PATH. CURVE-encrypted; only keys under peers get in."},
        {"feed", T_ENDPOINT, F_OFF | F_BIND, "", 0, 0, CFG(feed_endpoint),
         "Where partner parks' yrdx-feed connects to receive the relay-incubation\n"
         "(接力孵化) cases addressed to them: tcp://HOST:PORT; \"\" = no feed. Only keys\n"
         "under parks get in."},
        {"control", T_PATH, F_SOCKET, "control.sock", 0, 0, CFG(control_path),
         "UNIX socket for yrdxctl on this machine (owner-only)."},
        {"metrics", T_ADDR, F_OFF, "", 0, 0, CFG(metrics_addr),
         "HOST:PORT of the Prometheus metrics and status page (plain HTTP: keep it\n"
         "on localhost); \"\" = off."},
        {"handshake_ms", T_U32, 0, "5000", 100, 600000, CFG(handshake_ms),
         "A connection to the peer or feed port that has not finished its CURVE\n"
         "handshake in this time is closed: a stranger cannot hold sockets open idle."},
        {"connections_per_address", T_U32, 0, "64", 1, 65536, CFG(connections_per_address),
         "Open connections one remote address may hold on the peer port, and as many\n"
         "on the feed port; more are refused at once, logged and counted."},
};

static const item_t sync_items[] = {
        {"heartbeat_ms", T_U32, 0, "1000", 10, 600000, CFG(heartbeat_ms),
         "How often each peer hears from this node when there is nothing to send."},
        {"dead_after_ms", T_U32, 0, "5000", 20, 3600000, CFG(dead_after_ms),
         "A peer silent this long counts as down (at least twice heartbeat_ms)."},
        {"reconnect_min_ms", T_U32, 0, "100", 1, 60000, CFG(reconnect_min_ms),
         "First wait before reconnecting to a peer that went down; it doubles on\n"
         "each failed attempt..."},
        {"reconnect_max_ms", T_U32, 0, "5000", 1, 3600000, CFG(reconnect_max_ms), "...up to this."},
        {"credit", T_U32, 0, "32", 1, 1024, CFG(credit),
         "Log segments (up to 4096 records each) in flight towards this node,\n"
         "shared among its peers (at least 2 each): what it buffers stays bounded.\n"
         "Also the most a puller may have in flight from this node, whatever it asks."},
        {"compress_level", T_U32, 0, "1", 0, 19, CFG(compress_level),
         "zstd level of the log segments sent to pullers that offer compression in\n"
         "their Hello (1 is fast and already shrinks a segment some 3x; more costs CPU\n"
         "for little). This node offers it to its peers when not 0; 0: never\n"
         "compress, never offer (as nodes before compression)."},
        {"max_origins", T_U32, 0, "1024", 64, 1000000, CFG(max_origins),
         "Most origins (city logs) one peer may name: in a Hello it sends us, in the\n"
         "Tips it answers (41 cities, with ample room). More are refused, logged and\n"
         "counted (refused_hello_origins, refused_tips_origins): a lying peer cannot\n"
         "make this node track millions."},
        {"pull_sessions_max", T_U32, 0, "2", 1, 64, CFG(pull_sessions_max),
         "Pull connections of one peer key served at once; a further one is refused\n"
         "while these are open (refused_pull_sessions), so many connections of one\n"
         "key cost what these do."},
        {"feed_connections_max", T_U32, 0, "2", 1, 64, CFG(feed_connections_max),
         "Feed connections of one park key served at once; a further one is refused\n"
         "while these are open (refused_feed_connections)."},
        {"feed_credit_max", T_U32, 0, "1024", 1, 65536, CFG(feed_credit_max),
         "Most events in flight towards one park connection, whatever it asks."},
        {"feed_scan_max", T_U32, 0, "4096", 256, 1000000, CFG(feed_scan_max),
         "Arrivals a park's feed reads per pass of the node's loop: a park far behind,\n"
         "or subscribing again and again, costs a bounded share of the loop."},
};

static const item_t peer_items[] = {
        {"endpoint", T_ENDPOINT, F_REQUIRED | F_IPC, NULL, 0, 0, PEER(endpoint), NULL},
        {"public_key", T_PUBKEY, F_REQUIRED, NULL, 0, 0, PEER(key), NULL},
        {"share", T_KINDS, 0, "all", 0, 0, PEER(share_mask), NULL},
};

static const item_t park_items[] = {
        {"park_id", T_STRING, F_REQUIRED, NULL, 0, 0, PARK(park_id), NULL},
        {"public_key", T_PUBKEY, F_REQUIRED, NULL, 0, 0, PARK(key), NULL},
        {"open_cases", T_U32, 0, "0", 0, 1, PARK(open_cases), NULL},
};

#define ITEMS(a) a, sizeof(a) / sizeof(a[0])

const section_t config_sections[SEC_COUNT] = {
        {"node", SEC_NODE, NULL, ITEMS(node_items),
         "This city's node. Relative paths are relative to this file's directory."},
        {"listen", SEC_LISTEN, NULL, ITEMS(listen_items), NULL},
        {"sync", SEC_SYNC, NULL, ITEMS(sync_items),
         "Syncing with the peer cities; times in milliseconds."},
        {"peers", SEC_PEERS, "peer", ITEMS(peer_items),
         "The other cities' nodes this node syncs with, one block per city:\n"
         "    NAME\n"
         "        endpoint = tcp://HOST:PORT      (that node's listen/peer)\n"
         "        public_key = \"...\"              (from that city's yrdxctl init)\n"
         "        share = incubator,enterprise,park,relay-event,joint,evaluation\n"
         "share lists the record kinds this node passes on to that city (all by\n"
         "default, or none); changes withheld still travel as stubs, so every chain\n"
         "verifies. For this node's own records it is also its sharing policy, which\n"
         "travels in its log: no node passes that city more of them, by any path.\n"
         "financials (enterprise figures) are never in all: list them to name a\n"
         "city that may have them.\n"
         "Add and remove with `yrdxctl -c FILE peer add` / `peer remove`."},
        {"parks", SEC_PARKS, "park", ITEMS(park_items),
         "Partner parks (接力孵化 destination parks) whose yrdx-feed may connect to\n"
         "listen/feed, one block per park:\n"
         "    NAME\n"
         "        park_id = SZ-PARK-SIP           (the park's record id)\n"
         "        public_key = \"...\"              (its yrdx-feed key)\n"
         "        open_cases = 0                  (1: also open cases in its industries)\n"
         "Add and remove with `yrdxctl -c FILE park add` / `park remove`."},
};

/* ---- messages ---- */

/* value in double quotes for a message: escapes quotes and control bytes, cut at ~100
 * bytes (an overlong value is usually garbage, and the diag has 1024 bytes). */
static const char *quoted(char *buf, size_t cap, const char *value)
{
	size_t o = 0;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)value; *p && o + 8 < cap; p++) {
		if (o > 100) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (*p == '"' || *p == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7F)
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

int config_fail(const ctx_t *c, const char *key, const char *value, const char *fmt, ...)
{
	char why[400], q[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (value)
		return yx_diag_set(c->diag, YX_ECONFIG, "%s: %s: %s: %s", c->file, key,
		                   quoted(q, sizeof(q), value), why);
	return yx_diag_set(c->diag, YX_ECONFIG, "%s: %s: %s", c->file, key, why);
}

const char *config_key_path(char *buf, const char *prefix, const char *name)
{
	/* Built by hand: prefix may be buf itself, and the cut is deliberate. */
	size_t plen = strlen(prefix), nlen = strlen(name);
	if (prefix != buf)
		memmove(buf, prefix, plen < KEY_PATH_MAX ? plen : KEY_PATH_MAX - 1);
	if (plen + 1 + nlen < KEY_PATH_MAX) {
		buf[plen] = '/';
		memcpy(buf + plen + 1, name, nlen + 1);
	} else {
		size_t keep = plen < KEY_PATH_MAX - 4 ? plen : KEY_PATH_MAX - 4;
		if (keep == plen && keep + 1 < KEY_PATH_MAX - 4) {
			buf[keep++] = '/';
			size_t room = KEY_PATH_MAX - 4 - keep;
			memcpy(buf + keep, name, room);
			keep += room;
		}
		memcpy(buf + keep, "...", 4);
	}
	return buf;
}

const char *config_suggest(const char *word, const void *base, size_t n, size_t stride)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < n; i++) {
		const char *cand = *(const char *const *)((const char *)base + i * stride);
		size_t d = yx_edit_distance(word, cand);
		if (d < best_d && d < strlen(word)) {
			best_d = d;
			best = cand;
		}
	}
	return best;
}

const char *config_did_you_mean(char *buf, size_t cap, const char *guess)
{
	if (!guess)
		return "";
	snprintf(buf, cap, " (did you mean \"%s\"?)", guess);
	return buf;
}

const section_t *config_section_find(const char *name)
{
	for (size_t i = 0; i < SEC_COUNT; i++)
		if (strcmp(config_sections[i].name, name) == 0)
			return &config_sections[i];
	return NULL;
}

const item_t *config_item_find(const section_t *sec, const char *name)
{
	for (size_t i = 0; i < sec->n_items; i++)
		if (strcmp(sec->items[i].name, name) == 0)
			return &sec->items[i];
	return NULL;
}
