/* config: the node's ZPL configuration file, read with CZMQ's zconfig and checked against
 * one static schema table (after Knot DNS's conf schema): each key's type, default and
 * range drive loading, validation, the normalised print and the comments of the files
 * this module writes. zconfig does all the reading; this file never parses ZPL itself. */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "keys.h"
#include "log.h"
#include "validate.h"
#include "text.h"

#define MAX_FILE_BYTES (1024 * 1024) /* a config with thousands of peers is still tiny */
#define ZPL_LINE_MAX   1024          /* zconfig silently cuts longer lines */
#define KEY_PATH_MAX   160           /* "peers/<name>/public_key" */
#define MAX_ITEMS      8             /* keys per section */

/* ---- schema ---- */

typedef enum {
	T_STRING,   /* one line of printable UTF-8 (park ids, as in park records) */
	T_NAME,     /* node, peer and park names: [a-z0-9-], 1..32, not starting with '-' */
	T_PATH,     /* file or directory, relative to the config file's directory */
	T_ENDPOINT, /* ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH where F_IPC */
	T_ADDR,     /* HOST:PORT */
	T_U32,      /* decimal within [min, max] */
	T_PUBKEY,   /* Ed25519 public key in its 44-character base64 text form */
	T_KINDS,    /* comma list of record kind names, "all" or "none" */
	T_LEVEL,    /* log level name */
	T_CITY,     /* GB/T 2260 code of a Yangtze River Delta city */
	T_SIZE,     /* bytes: a whole number, or with K, M, G or T (powers of 1024) */
} item_type_t;

/* node/map_size: from 1 MiB (a store smaller than that holds nothing useful) to 64 TiB
 * (a tenth of the 47-bit address space a process has, by far the most LMDB can use). */
#define MAP_SIZE_MIN ((uint64_t)1 << 20)
#define MAP_SIZE_MAX ((uint64_t)64 << 40)

enum {
	F_REQUIRED = 1 << 0, /* no default: the file must give it */
	F_OFF = 1 << 1,      /* "" is allowed and turns the feature off */
	F_IPC = 1 << 2,      /* ipc://PATH allowed besides tcp:// */
	F_BIND = 1 << 3,     /* an endpoint to bind: host may be '*' */
	F_SOCKET = 1 << 4,   /* a UNIX socket path: sun_path limits its length */
};

typedef struct {
	const char *name;
	item_type_t type;
	unsigned flags;
	const char *def;     /* default in text form, parsed like a value from the file */
	uint32_t min, max;   /* range of a T_U32 */
	size_t offset, size; /* the field in yx_config_t, yx_peer_conf_t or yx_park_conf_t */
	const char *doc;     /* written above the key in files this module writes */
} item_t;

typedef enum { SEC_NODE, SEC_LISTEN, SEC_SYNC, SEC_PEERS, SEC_PARKS, SEC_COUNT } section_id_t;

typedef struct {
	const char *name;
	section_id_t id;
	const char *entry;   /* maps (peers, parks): what one named entry is */
	const item_t *items; /* keys of the section, or of each entry of a map */
	size_t n_items;
	const char *doc;
} section_t;

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
         "Log segments (up to 1024 records each) in flight towards this node,\n"
         "shared among its peers (at least 2 each): what it buffers stays bounded."},
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

static const section_t sections[SEC_COUNT] = {
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
         "verifies.\n"
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

static const char *const level_names[] = {
        [YX_LOG_ERROR] = "error",
        [YX_LOG_WARN] = "warn",
        [YX_LOG_INFO] = "info",
        [YX_LOG_DEBUG] = "debug",
};

/* ---- small helpers ---- */

/* Where a value came from, for messages: the file as the caller named it. */
typedef struct {
	const char *file;
	const char *dir; /* absolute: base of relative paths */
	yx_diag_t *diag;
} ctx_t;

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

/* "FILE: KEY: "VALUE": WHY", or "FILE: KEY: WHY" when value is NULL; YX_ECONFIG. */
__attribute__((format(printf, 4, 5))) static int fail(const ctx_t *c, const char *key,
                                                      const char *value, const char *fmt, ...)
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

/* "prefix/name" in buf (KEY_PATH_MAX bytes); an unknown key may be long: cut with "...". */
static const char *key_path(char *buf, const char *prefix, const char *name)
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

/* The name closest to word (within two edits) among n structs of the given stride whose
 * first member is a const char *name; NULL if none is close. Catches typos. */
static const char *suggest(const char *word, const void *base, size_t n, size_t stride)
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

/* " (did you mean "x"?)" or "". */
static const char *did_you_mean(char *buf, size_t cap, const char *guess)
{
	if (!guess)
		return "";
	snprintf(buf, cap, " (did you mean \"%s\"?)", guess);
	return buf;
}

static const section_t *section_find(const char *name)
{
	for (size_t i = 0; i < SEC_COUNT; i++)
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	return NULL;
}

static const item_t *item_find(const section_t *sec, const char *name)
{
	for (size_t i = 0; i < sec->n_items; i++)
		if (strcmp(sec->items[i].name, name) == 0)
			return &sec->items[i];
	return NULL;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > YX_CONFIG_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

#define NAME_RULE "1 to 32 characters of a-z, 0-9 and - (not starting with -)"

/* Every value is one line of UTF-8 that the writer can quote: a reason if not. */
static const char *text_problem(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		size_t n = yx_utf8_seq_len(p, SIZE_MAX);
		if (n == 0)
			return "not valid UTF-8";
		if (n == 1 && (*p < 0x20 || *p == 0x7F))
			return "contains a control character";
		p += n;
	}
	if (strchr(v, '"') && strchr(v, '\''))
		return "contains both kinds of quotes";
	return NULL;
}

/* dir + "/" + p (or p if absolute) with ".", ".." and repeated slashes removed; false
 * if the result does not fit in cap bytes. */
static bool path_resolve(const char *dir, const char *p, char *out, size_t cap)
{
	char joined[2 * YX_CONFIG_PATH_MAX];
	int n = p[0] == '/' ? snprintf(joined, sizeof(joined), "%s", p)
	                    : snprintf(joined, sizeof(joined), "%s/%s", dir, p);
	if (n < 0 || (size_t)n >= sizeof(joined) || cap < 2)
		return false;
	size_t len = 0;
	char *save = NULL;
	for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			continue;
		}
		size_t sl = strlen(seg);
		if (len + 1 + sl >= cap)
			return false;
		out[len++] = '/';
		memcpy(out + len, seg, sl);
		len += sl;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return true;
}

/* ---- value types ---- */

static bool u32_parse(const char *v, uint32_t *out)
{
	uint64_t x = 0;
	if (!*v || strlen(v) > 10 || strspn(v, "0123456789") != strlen(v))
		return false;
	for (const char *p = v; *p; p++)
		x = x * 10 + (uint64_t)(*p - '0');
	if (x > UINT32_MAX)
		return false;
	*out = (uint32_t)x;
	return true;
}

static const char size_suffixes[] = "KMGT"; /* 1024^1 .. 1024^4 */

/* A byte count: digits, then optionally K, M, G or T (any case), optionally followed by
 * "iB" or "B". false if malformed or beyond 2^64 - 1. */
static bool size_parse(const char *v, uint64_t *out)
{
	size_t digits = strspn(v, "0123456789");
	uint64_t x = 0;
	if (digits == 0 || digits > 20)
		return false;
	for (size_t i = 0; i < digits; i++) {
		if (x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	const char *p = v + digits, *unit = NULL;
	if (*p && (unit = strchr(size_suffixes, toupper((unsigned char)*p))) != NULL) {
		p++;
		if (strcasecmp(p, "iB") == 0 || strcasecmp(p, "B") == 0)
			p += strlen(p);
	}
	if (*p)
		return false;
	for (int shift = unit ? 10 * (int)(unit - size_suffixes + 1) : 0; shift > 0; shift -= 10) {
		if (x > UINT64_MAX >> 10)
			return false;
		x <<= 10;
	}
	*out = x;
	return true;
}

/* bytes in the largest unit that divides it exactly ("16G", "1536M", "1000"). */
static void size_format(uint64_t bytes, char *buf, size_t cap)
{
	int unit = 0;
	while (unit < 4 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		unit++;
	}
	/* Not "%.*s" into size_suffixes: gcc 12's printf checker crashes on that under the
	 * sanitizer build. */
	char suffix[2] = {unit ? size_suffixes[unit - 1] : '\0', '\0'};
	snprintf(buf, cap, "%llu%s", (unsigned long long)bytes, suffix);
}

/* Checks a host name, IPv4 address or (wildcard) '*'; NULL or the reason. */
static const char *host_problem(const char *h, bool wildcard)
{
	struct in_addr a4;
	size_t n = strlen(h);
	if (wildcard && strcmp(h, "*") == 0)
		return NULL;
	if (strspn(h, "0123456789.") == n)
		return inet_pton(AF_INET, h, &a4) == 1 ? NULL : "not an IPv4 address";
	if (n > 253)
		return "host name longer than 253 characters";
	for (const char *label = h; *label;) {
		size_t ln = strcspn(label, ".");
		if (ln == 0 || ln > 63 || label[0] == '-' || label[ln - 1] == '-' ||
		    strspn(label, "abcdefghijklmnopqrstuvwxyz"
		                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < ln)
			return "not a valid host name";
		label += ln;
		if (*label == '.' && *++label == '\0')
			break; /* a trailing dot is allowed */
	}
	return NULL;
}

/* Checks "HOST:PORT" with HOST a name, an IPv4 address or [IPv6]; form names the
 * expected syntax in the reason. Returns true, or false with why filled in. */
static bool hostport_check(const char *hp, bool wildcard, const char *form, char *why, size_t cap)
{
	char host[256];
	const char *port, *problem;
	size_t n;
	if (hp[0] == '[') {
		struct in6_addr a6;
		const char *close = strchr(hp, ']');
		n = close ? (size_t)(close - hp - 1) : 0;
		if (!close || n == 0 || n >= sizeof(host)) {
			snprintf(why, cap, "an IPv6 address goes in brackets (expected %s)", form);
			return false;
		}
		memcpy(host, hp + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			snprintf(why, cap, "[%s] is not an IPv6 address", host);
			return false;
		}
		if (close[1] != ':') {
			snprintf(why, cap, "port missing (expected %s)", form);
			return false;
		}
		port = close + 2;
	} else {
		const char *colon = strrchr(hp, ':');
		if (!colon) {
			snprintf(why, cap, "port missing (expected %s)", form);
			return false;
		}
		n = (size_t)(colon - hp);
		if (memchr(hp, ':', n)) {
			snprintf(why, cap, "an IPv6 address goes in brackets (expected %s)", form);
			return false;
		}
		if (n == 0 || n >= sizeof(host)) {
			snprintf(why, cap, "host missing (expected %s)", form);
			return false;
		}
		memcpy(host, hp, n);
		host[n] = '\0';
		if ((problem = host_problem(host, wildcard))) {
			snprintf(why, cap, "\"%s\": %s (expected %s)", host, problem, form);
			return false;
		}
		port = colon + 1;
	}
	uint32_t p;
	if (!u32_parse(port, &p) || strlen(port) > 5) {
		snprintf(why, cap, "port \"%.16s\" is not a number (expected %s)", port, form);
		return false;
	}
	if (p < 1 || p > 65535) {
		snprintf(why, cap, "port %u is out of range 1..65535", p);
		return false;
	}
	return true;
}

static int endpoint_parse(const ctx_t *c, const char *key, const item_t *it, const char *v,
                          char *dst, size_t size)
{
	char why[200];
	const char *form = it->flags & F_IPC ? "tcp://HOST:PORT or ipc://PATH" : "tcp://HOST:PORT";
	if (strncmp(v, "tcp://", 6) == 0) {
		if (!hostport_check(v + 6, it->flags & F_BIND, form, why, sizeof(why)))
			return fail(c, key, v, "%s", why);
		if (strlen(v) >= size)
			return fail(c, key, v, "longer than %zu characters", size - 1);
		strcpy(dst, v);
		return YX_OK;
	}
	if (strncmp(v, "ipc://", 6) == 0 && (it->flags & F_IPC)) {
		/* Relative ipc paths would follow the daemon's working directory: resolve them
		 * like every other path. '@' is Linux's abstract socket namespace. */
		char path[YX_CONFIG_PATH_MAX];
		const char *p = v + 6;
		if (!*p)
			return fail(c, key, v, "path missing (expected %s)", form);
		if (p[0] == '@') {
			if (strlen(p) >= YX_CONFIG_SOCKET_MAX)
				return fail(c, key, v, "longer than a UNIX socket path (%d bytes)",
				            YX_CONFIG_SOCKET_MAX - 1);
			snprintf(dst, size, "%s", v);
			return YX_OK;
		}
		if (!path_resolve(c->dir, p, path, sizeof(path)) ||
		    strlen(path) >= YX_CONFIG_SOCKET_MAX)
			return fail(c, key, v,
			            "resolves to a path longer than a UNIX socket path "
			            "(%d bytes)",
			            YX_CONFIG_SOCKET_MAX - 1);
		snprintf(dst, size, "ipc://%s", path);
		return YX_OK;
	}
	return fail(c, key, v, "expected %s", form);
}

static int kinds_parse(const ctx_t *c, const char *key, const char *v, uint32_t *mask)
{
	const char *names[YX_KIND_COUNT];
	const uint32_t all = ((1u << YX_KIND_COUNT) - 1) & ~(1u << YX_KIND_NONE);
	const char *expect = "incubator, enterprise, park, relay-event, joint, evaluation "
	                     "(comma-separated), all, or none";
	char buf[256], m[64];
	char *save = NULL;
	for (int k = YX_KIND_NONE + 1; k < YX_KIND_COUNT; k++)
		names[k] = yx_kind_name((yx_kind_t)k);
	if (strcmp(v, "all") == 0) {
		*mask = all;
		return YX_OK;
	}
	if (strcmp(v, "none") == 0) {
		*mask = 0;
		return YX_OK;
	}
	if (!*v)
		return fail(c, key, v, "empty: expected %s", expect);
	if (strlen(v) >= sizeof(buf))
		return fail(c, key, v, "too long: expected %s", expect);
	strcpy(buf, v);
	if (buf[strlen(buf) - 1] == ',' || buf[0] == ',' || strstr(buf, ",,"))
		return fail(c, key, v, "empty item in the list: expected %s", expect);
	*mask = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		size_t wl = strlen(w);
		while (wl > 0 && w[wl - 1] == ' ')
			w[--wl] = '\0';
		if (strcmp(w, "all") == 0 || strcmp(w, "none") == 0)
			return fail(c, key, v, "\"%s\" stands alone, not in a list", w);
		yx_kind_t k = yx_kind_from_name(w);
		if (k == YX_KIND_NONE)
			return fail(c, key, v, "unknown kind \"%.32s\"%s: expected %s", w,
			            did_you_mean(m, sizeof(m),
			                         suggest(w, &names[1], YX_KIND_COUNT - 1,
			                                 sizeof(names[0]))),
			            expect);
		*mask |= 1u << k;
	}
	return YX_OK;
}

/* Parses the value v of key (full path, for messages) into dst as item it says. */
static int value_parse(const ctx_t *c, const char *key, const item_t *it, const char *v, void *dst)
{
	const char *problem = text_problem(v);
	char why[200];
	uint32_t u;
	if (problem)
		return fail(c, key, v, "%s", problem);
	if (!*v && (it->flags & F_OFF)) {
		memset(dst, 0, it->size);
		return YX_OK;
	}
	switch (it->type) {
	case T_STRING:
		if (!*v)
			return fail(c, key, v, "must not be empty");
		if (strlen(v) >= it->size)
			return fail(c, key, v, "%zu bytes, at most %zu", strlen(v), it->size - 1);
		if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
			return fail(c, key, v, "leading or trailing spaces");
		strcpy(dst, v);
		return YX_OK;
	case T_NAME:
		if (!name_ok(v))
			return fail(c, key, v, "expected " NAME_RULE);
		strcpy(dst, v);
		return YX_OK;
	case T_PATH: {
		char path[YX_CONFIG_PATH_MAX];
		if (!*v)
			return fail(c, key, v, "must not be empty");
		if (v[0] == '~')
			return fail(c, key, v,
			            "~ is not expanded: give an absolute path or one "
			            "relative to this file's directory");
		if (!path_resolve(c->dir, v, path, sizeof(path)) || strlen(path) >= it->size)
			return fail(
			        c, key, v, "resolved path is longer than %zu bytes%s", it->size - 1,
			        it->flags & F_SOCKET ? ", the limit of a UNIX socket path" : "");
		strcpy(dst, path);
		return YX_OK;
	}
	case T_ENDPOINT: return endpoint_parse(c, key, it, v, dst, it->size);
	case T_ADDR:
		if (!hostport_check(v, false, "HOST:PORT", why, sizeof(why)))
			return fail(c, key, v, "%s", why);
		if (strlen(v) >= it->size)
			return fail(c, key, v, "longer than %zu characters", it->size - 1);
		strcpy(dst, v);
		return YX_OK;
	case T_U32:
		if (!u32_parse(v, &u))
			return fail(c, key, v, "expected a whole number from %u to %u", it->min,
			            it->max);
		if (u < it->min || u > it->max)
			return fail(c, key, v, "must be from %u to %u", it->min, it->max);
		memcpy(dst, &u, sizeof(u));
		return YX_OK;
	case T_PUBKEY: {
		uint8_t key32[32], curve[32];
		if (yx_pubkey_parse(v, key32, NULL) != YX_OK)
			return fail(c, key, v, "expected %d characters of base64 (32 bytes)",
			            YX_PUBKEY_TEXT_LEN);
		if (yx_pubkey_to_curve(key32, curve) != YX_OK)
			return fail(c, key, v, "not an Ed25519 public key (it has no CURVE form)");
		memcpy(dst, key32, 32);
		return YX_OK;
	}
	case T_KINDS: return kinds_parse(c, key, v, dst);
	case T_LEVEL: {
		int level = yx_log_level_from_name(v);
		if (level < 0)
			return fail(c, key, v, "expected error, warn, info or debug");
		memcpy(dst, &level, sizeof(level));
		return YX_OK;
	}
	case T_SIZE: {
		uint64_t bytes;
		char lo[16], hi[16];
		size_format(MAP_SIZE_MIN, lo, sizeof(lo));
		size_format(MAP_SIZE_MAX, hi, sizeof(hi));
		if (!size_parse(v, &bytes))
			return fail(c, key, v,
			            "expected a size in bytes, or with K, M, G or T (powers of "
			            "1024), e.g. 512M or 16G");
		if (bytes < MAP_SIZE_MIN || bytes > MAP_SIZE_MAX)
			return fail(c, key, v, "must be from %s to %s", lo, hi);
		memcpy(dst, &bytes, sizeof(bytes));
		return YX_OK;
	}
	case T_CITY:
		if (yx_city_from_text(v, &u) != YX_OK)
			return fail(c, key, v,
			            "not a Yangtze River Delta prefecture-level city "
			            "(GB/T 2260 code, e.g. 310000 上海, 330100 杭州)");
		memcpy(dst, &u, sizeof(u));
		return YX_OK;
	}
	return fail(c, key, v, "no parser for this type");
}

/* Text form of a field as yx_config_print shows it. */
static void value_format(const item_t *it, const void *base, char *buf, size_t cap)
{
	const char *f = (const char *)base + it->offset;
	uint32_t u;
	int level;
	switch (it->type) {
	case T_STRING:
	case T_NAME:
	case T_PATH:
	case T_ENDPOINT:
	case T_ADDR: snprintf(buf, cap, "%s", f); return;
	case T_U32:
	case T_CITY:
		memcpy(&u, f, sizeof(u));
		snprintf(buf, cap, "%u", u);
		return;
	case T_PUBKEY: {
		char text[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format((const uint8_t *)f, text);
		snprintf(buf, cap, "%s", text);
		return;
	}
	case T_KINDS: {
		size_t o = 0;
		memcpy(&u, f, sizeof(u));
		buf[0] = '\0';
		for (int k = YX_KIND_NONE + 1; k < YX_KIND_COUNT; k++)
			if (u & (1u << k))
				o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "," : "",
				                      yx_kind_name((yx_kind_t)k));
		if (o == 0)
			snprintf(buf, cap, "none");
		return;
	}
	case T_SIZE: {
		uint64_t bytes;
		memcpy(&bytes, f, sizeof(bytes));
		size_format(bytes, buf, cap);
		return;
	}
	case T_LEVEL:
		memcpy(&level, f, sizeof(level));
		snprintf(buf, cap, "%s",
		         level >= 0 && level <= YX_LOG_DEBUG ? level_names[level] : "?");
		return;
	}
	snprintf(buf, cap, "?");
}

/* ---- loading: tree -> yx_config_t ---- */

/* Loads the keys of one section (or one peer/park entry) from node, which may be NULL
 * when the file leaves the section out: then only defaults apply. */
static int items_load(const ctx_t *c, const char *prefix, const item_t *items, size_t n,
                      zconfig_t *node, void *base)
{
	zconfig_t *given[MAX_ITEMS] = {0};
	char key[KEY_PATH_MAX], m[64], list[200];
	assert(n <= MAX_ITEMS);
	for (zconfig_t *k = node ? zconfig_child(node) : NULL; k; k = zconfig_next(k)) {
		const char *name = zconfig_name(k);
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(items[i].name, name) == 0)
				break;
		key_path(key, prefix, name);
		if (i == n) {
			size_t o = 0;
			for (size_t j = 0; j < n; j++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				                      j ? ", " : "", items[j].name);
			return fail(c, key, NULL, "unknown key%s; %s takes %s",
			            did_you_mean(m, sizeof(m),
			                         suggest(name, items, n, sizeof(items[0]))),
			            prefix, list);
		}
		if (given[i])
			return fail(c, key, NULL, "given twice");
		if (zconfig_child(k))
			return fail(c, key, NULL, "a key cannot have indented lines below it");
		given[i] = k;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = given[i] ? zconfig_value(given[i]) : items[i].def;
		key_path(key, prefix, items[i].name);
		if (!given[i] && (items[i].flags & F_REQUIRED))
			return fail(c, key, NULL, "missing: this key is required");
		int ret =
		        value_parse(c, key, &items[i], v ? v : "", (char *)base + items[i].offset);
		if (ret != YX_OK)
			return ret;
	}
	return YX_OK;
}

static char *entry_name(yx_config_t *cfg, section_id_t id, size_t i)
{
	return id == SEC_PEERS ? cfg->peers[i].name : cfg->parks[i].name;
}

/* Loads a map section (peers, parks): one entry per child, named by the operator. */
static int map_load(const ctx_t *c, const section_t *sec, zconfig_t *node, yx_config_t *cfg)
{
	size_t n = 0, i = 0;
	char key[KEY_PATH_MAX];
	for (zconfig_t *e = node ? zconfig_child(node) : NULL; e; e = zconfig_next(e))
		n++;
	if (n == 0)
		return YX_OK;
	if (sec->id == SEC_PEERS) {
		if (!(cfg->peers = calloc(n, sizeof(*cfg->peers))))
			return -ENOMEM;
		cfg->n_peers = n;
	} else {
		if (!(cfg->parks = calloc(n, sizeof(*cfg->parks))))
			return -ENOMEM;
		cfg->n_parks = n;
	}
	for (zconfig_t *e = zconfig_child(node); e; e = zconfig_next(e), i++) {
		const char *name = zconfig_name(e), *v = zconfig_value(e);
		key_path(key, sec->name, name);
		if (!name_ok(name))
			return fail(c, key, NULL, "a %s's name must be " NAME_RULE, sec->entry);
		if (v && *v)
			return fail(c, key, v,
			            "a %s takes no value: its keys go on the lines "
			            "below, indented 4 more spaces",
			            sec->entry);
		for (size_t j = 0; j < i; j++)
			if (strcmp(entry_name(cfg, sec->id, j), name) == 0)
				return fail(c, key, NULL, "%s given twice", sec->entry);
		strcpy(entry_name(cfg, sec->id, i), name);
		void *base = sec->id == SEC_PEERS ? (void *)&cfg->peers[i] : (void *)&cfg->parks[i];
		int ret = items_load(c, key, sec->items, sec->n_items, e, base);
		if (ret != YX_OK)
			return ret;
	}
	return YX_OK;
}

/* fail() for a number that breaks a rule across keys. */
__attribute__((format(printf, 4, 5))) static int u32_fail(const ctx_t *c, const char *key,
                                                          uint32_t v, const char *fmt, ...)
{
	char text[16], why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%u", v);
	return fail(c, key, text, "%s", why);
}

/* Rules across keys, checked once every key has its value. */
static int cross_check(const ctx_t *c, yx_config_t *cfg)
{
	char key[KEY_PATH_MAX], kk[KEY_PATH_MAX], other[KEY_PATH_MAX];
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (cfg->dead_after_ms < 2 * (uint64_t)cfg->heartbeat_ms)
		return u32_fail(c, "sync/dead_after_ms", cfg->dead_after_ms,
		                "must be at least twice sync/heartbeat_ms (%u)", cfg->heartbeat_ms);
	if (cfg->reconnect_max_ms < cfg->reconnect_min_ms)
		return u32_fail(c, "sync/reconnect_max_ms", cfg->reconnect_max_ms,
		                "must not be less than sync/reconnect_min_ms (%u)",
		                cfg->reconnect_min_ms);
	if (cfg->feed_endpoint[0] && strcmp(cfg->feed_endpoint, cfg->peer_endpoint) == 0)
		return fail(c, "listen/feed", cfg->feed_endpoint, "same endpoint as listen/peer");
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const yx_peer_conf_t *p = &cfg->peers[i];
		key_path(key, "peers", p->name);
		if (strcmp(p->name, cfg->name) == 0)
			return fail(c, key, NULL,
			            "a peer cannot have this node's own name (node/name)");
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->peers[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				key_path(other, "peers", cfg->peers[j].name);
				return fail(c, key_path(kk, key, "public_key"), text,
				            "same key as %s: one key is one node", other);
			}
	}
	for (size_t i = 0; i < cfg->n_parks; i++) {
		const yx_park_conf_t *p = &cfg->parks[i];
		key_path(key, "parks", p->name);
		for (size_t j = 0; j < cfg->n_peers; j++)
			if (memcmp(cfg->peers[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				key_path(other, "peers", cfg->peers[j].name);
				return fail(c, key_path(kk, key, "public_key"), text,
				            "same key as %s: a park's yrdx-feed has its own key, "
				            "never a city node's",
				            other);
			}
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->parks[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				key_path(other, "parks", cfg->parks[j].name);
				return fail(c, key_path(kk, key, "public_key"), text,
				            "same key as %s: one key is one park", other);
			}
	}
	return YX_OK;
}

static int peer_cmp(const void *a, const void *b)
{
	return strcmp(((const yx_peer_conf_t *)a)->name, ((const yx_peer_conf_t *)b)->name);
}

static int park_cmp(const void *a, const void *b)
{
	return strcmp(((const yx_park_conf_t *)a)->name, ((const yx_park_conf_t *)b)->name);
}

/* The loader proper, shared by yx_config_load and the edits: validates the tree and
 * builds the configuration. file names the file in messages; abs and dir are absolute. */
static int config_from_tree(zconfig_t *root, const char *file, const char *abs, const char *dir,
                            yx_config_t **out, yx_diag_t *diag)
{
	ctx_t c = {file, dir, diag};
	zconfig_t *given[SEC_COUNT] = {0};
	yx_config_t *cfg = NULL;
	char m[64];
	int ret;

	if (yx_crypto_init() != YX_OK)
		return yx_diag_set(diag, YX_ECRYPTO, "%s: libsodium failed to initialise", file);
	for (zconfig_t *s = zconfig_child(root); s; s = zconfig_next(s)) {
		const char *name = zconfig_name(s), *v = zconfig_value(s);
		const section_t *sec = section_find(name);
		if (!sec)
			return fail(&c, name, NULL,
			            "unknown section%s; sections are node, listen, "
			            "sync, peers and parks",
			            did_you_mean(m, sizeof(m),
			                         suggest(name, sections, SEC_COUNT,
			                                 sizeof(sections[0]))));
		if (given[sec->id])
			return fail(&c, name, NULL, "section given twice");
		if (v && *v)
			return fail(&c, name, v,
			            "a section takes no value: its keys go on the "
			            "lines below, indented 4 spaces");
		given[sec->id] = s;
	}
	if (!(cfg = calloc(1, sizeof(*cfg))))
		return -ENOMEM;
	snprintf(cfg->path, sizeof(cfg->path), "%s", abs);
	snprintf(cfg->dir, sizeof(cfg->dir), "%s", dir);
	for (size_t i = 0; i < SEC_COUNT; i++) {
		const section_t *sec = &sections[i];
		if (sec->entry)
			ret = map_load(&c, sec, given[i], cfg);
		else
			ret = items_load(&c, sec->name, sec->items, sec->n_items, given[i], cfg);
		if (ret != YX_OK)
			goto out;
	}
	if ((ret = cross_check(&c, cfg)) != YX_OK)
		goto out;
	if (cfg->n_peers)
		qsort(cfg->peers, cfg->n_peers, sizeof(*cfg->peers), peer_cmp);
	if (cfg->n_parks)
		qsort(cfg->parks, cfg->n_parks, sizeof(*cfg->parks), park_cmp);
	*out = cfg;
	cfg = NULL;
out:
	yx_config_free(&cfg);
	return ret;
}

/* ---- reading ---- */

/* Reads a whole config file. -errno (diag says so) if it cannot be read, YX_ECONFIG if
 * it is not a regular file or too large. *text is NUL-terminated, caller frees. */
static int file_read(const char *path, char **text, size_t *len, struct stat *st, yx_diag_t *diag)
{
	int ret = YX_OK;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			yx_diag_set(diag, ret, "%s: no such file", path);
		else
			yx_diag_set(diag, ret, "%s: cannot read: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, st) != 0) {
		ret = yx_diag_set(diag, -errno, "%s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = yx_diag_set(diag, YX_ECONFIG, "%s: not a regular file", path);
		goto out;
	}
	if (st->st_size > MAX_FILE_BYTES) {
		ret = yx_diag_set(diag, YX_ECONFIG, "%s: larger than %d bytes: not a config file",
		                  path, MAX_FILE_BYTES);
		goto out;
	}
	if (!(buf = malloc((size_t)st->st_size + 1))) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = yx_diag_set(diag, -errno, "%s: cannot read: %s", path,
			                  strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return ret;
}

/* Parses ZPL text with zconfig. zconfig only prints its syntax errors (with zclock_log,
 * to stdout); a library must not write to its caller's stdout and the operator needs
 * that message, so stdout points at a memory file while zconfig runs. Returns the tree
 * (caller destroys), or NULL with why filled in ("line 3: indent 4 spaces at once"). */
static zconfig_t *zpl_parse(const char *text, size_t len, char *why, size_t cap)
{
	zconfig_t *root = NULL;
	zchunk_t *chunk = NULL;
	FILE *capture = NULL;
	int saved = -1, mfd;
	size_t line = 1, start = 0;

	/* zconfig would cut long lines and stop at NUL bytes without a word. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\0') {
			snprintf(why, cap, "line %zu: NUL byte: not a text file", line);
			return NULL;
		}
		if (text[i] == '\n') {
			line++;
			start = i + 1;
		} else if (i - start >= ZPL_LINE_MAX) {
			snprintf(why, cap, "line %zu: longer than %d bytes", line, ZPL_LINE_MAX);
			return NULL;
		}
	}
	if (!(chunk = zchunk_new(text, len))) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	fflush(stdout);
	if ((mfd = memfd_create("yrdx-zconfig", MFD_CLOEXEC)) >= 0 &&
	    !(capture = fdopen(mfd, "w+")))
		close(mfd);
	if (capture && (saved = dup(STDOUT_FILENO)) >= 0 &&
	    dup2(fileno(capture), STDOUT_FILENO) < 0) {
		close(saved);
		saved = -1;
	}
	root = zconfig_chunk_load(chunk);
	if (saved >= 0) {
		fflush(stdout);
		dup2(saved, STDOUT_FILENO);
		close(saved);
	}
	if (!root) {
		char msg[256] = "";
		const char *at;
		int n = 0, lineno = 0;
		if (capture && saved >= 0) {
			rewind(capture);
			if (!fgets(msg, sizeof(msg), capture))
				msg[0] = '\0';
			msg[strcspn(msg, "\n")] = '\0';
		}
		/* "26-11-28 04:36:43 E (zconfig): (2) indent 4 spaces at once" */
		if ((at = strstr(msg, "(zconfig): ")) &&
		    sscanf(at, "(zconfig): (%d) %n", &lineno, &n) == 1 && n > 0)
			snprintf(why, cap, "line %d: %s", lineno, at + n);
		else
			snprintf(why, cap, "%s", msg[0] ? msg : "syntax error");
	}
	if (capture)
		fclose(capture);
	zchunk_destroy(&chunk);
	return root;
}

/* The absolute form of path without following a symlink at path itself: the real
 * directory and the file name. -errno if the directory cannot be resolved. */
static int path_locate(const char *path, char abs[YX_CONFIG_PATH_MAX], char dir[YX_CONFIG_PATH_MAX])
{
	char parent[YX_CONFIG_PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	if (!*base)
		return -EISDIR;
	if (strlen(path) >= sizeof(parent))
		return -ENAMETOOLONG;
	if (!slash)
		strcpy(parent, ".");
	else if (slash == path)
		strcpy(parent, "/");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	if (!realpath(parent, real))
		return -errno;
	if (strlen(real) >= YX_CONFIG_PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(dir, real);
	if (snprintf(abs, YX_CONFIG_PATH_MAX, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base) >=
	    YX_CONFIG_PATH_MAX)
		return -ENAMETOOLONG;
	return YX_OK;
}

/* Reads and parses a file: the tree, or an error naming the file. */
static int tree_load(const char *path, zconfig_t **root, struct stat *st, yx_diag_t *diag)
{
	char *text = NULL, why[300];
	size_t len = 0;
	int ret = file_read(path, &text, &len, st, diag);
	if (ret != YX_OK)
		return ret;
	if (!(*root = zpl_parse(text, len, why, sizeof(why))))
		ret = yx_diag_set(diag, YX_ECONFIG, "%s: cannot parse as ZPL (zconfig): %s", path,
		                  why);
	free(text);
	return ret;
}

int yx_config_load(const char *path, yx_config_t **out, yx_diag_t *diag)
{
	char abs[YX_CONFIG_PATH_MAX], dir[YX_CONFIG_PATH_MAX];
	zconfig_t *root = NULL;
	struct stat st;
	int ret;
	assert(path && out);
	if ((ret = tree_load(path, &root, &st, diag)) != YX_OK)
		return ret;
	if ((ret = path_locate(path, abs, dir)) != YX_OK)
		yx_diag_set(diag, ret, "%s: cannot resolve its directory: %s", path,
		            strerror(-ret));
	else
		ret = config_from_tree(root, path, abs, dir, out, diag);
	zconfig_destroy(&root);
	return ret;
}

void yx_config_free(yx_config_t **cfg)
{
	if (!cfg || !*cfg)
		return;
	free((*cfg)->peers);
	free((*cfg)->parks);
	free(*cfg);
	*cfg = NULL;
}

/* ---- writing ZPL ---- */

/* "key = value" at depth (4 spaces each), quoting the value when zconfig would
 * otherwise change it: empty, '#' (a comment), edge spaces, a leading quote. */
static void line_write(FILE *f, int depth, const char *name, const char *v, const item_t *it)
{
	size_t n = strlen(v);
	bool quote = it && it->type == T_PUBKEY;
	uint32_t city;
	if (n == 0 || strchr(v, '#') || v[0] == ' ' || v[n - 1] == ' ' || v[0] == '"' ||
	    v[0] == '\'')
		quote = true;
	char q = strchr(v, '"') ? '\'' : '"';
	fprintf(f, "%*s%s = ", depth * 4, "", name);
	if (quote)
		fprintf(f, "%c%s%c", q, v, q);
	else
		fputs(v, f);
	if (it && it->type == T_CITY && yx_city_from_text(v, &city) == YX_OK &&
	    strcmp(v, yx_city_name(city)) != 0)
		fprintf(f, "    # %s", yx_city_name(city));
	fputc('\n', f);
}

/* A schema doc as comment lines indented to depth. */
static void doc_write(FILE *f, int depth, const char *doc)
{
	while (doc && *doc) {
		size_t n = strcspn(doc, "\n");
		fprintf(f, "%*s# %.*s\n", depth * 4, "", (int)n, doc);
		doc += n + (doc[n] == '\n');
	}
}

/* Writes a validated tree in the layout of this module's files: the file's column-0
 * comments first (zconfig keeps those, and only those, on the root), then each section
 * with the schema's explanation of every key as indented comments. zconfig drops
 * indented comments on load, so rewriting never duplicates them. */
static void tree_write(FILE *f, zconfig_t *root)
{
	zlist_t *comments = zconfig_comments(root);
	if (comments && zlist_size(comments) > 0) {
		for (char *cm = zlist_first(comments); cm; cm = zlist_next(comments))
			fprintf(f, "#%s\n", cm);
		fputc('\n', f);
	}
	for (zconfig_t *s = zconfig_child(root); s; s = zconfig_next(s)) {
		const section_t *sec = section_find(zconfig_name(s));
		fprintf(f, "%s\n", zconfig_name(s));
		if (sec && sec->doc) {
			doc_write(f, 1, sec->doc);
			if (zconfig_child(s))
				fputc('\n', f);
		}
		for (zconfig_t *k = zconfig_child(s); k; k = zconfig_next(k)) {
			if (sec && sec->entry) {
				fprintf(f, "%s    %s\n", k == zconfig_child(s) ? "" : "\n",
				        zconfig_name(k));
				for (zconfig_t *e = zconfig_child(k); e; e = zconfig_next(e)) {
					const char *v = zconfig_value(e);
					line_write(f, 2, zconfig_name(e), v ? v : "",
					           item_find(sec, zconfig_name(e)));
				}
				continue;
			}
			const item_t *it = sec ? item_find(sec, zconfig_name(k)) : NULL;
			const char *v = zconfig_value(k);
			if (it)
				doc_write(f, 1, it->doc);
			line_write(f, 1, zconfig_name(k), v ? v : "", it);
		}
		if (zconfig_next(s))
			fputc('\n', f);
	}
}

int yx_config_print(const yx_config_t *cfg, FILE *out)
{
	char v[YX_CONFIG_PATH_MAX];
	assert(cfg && out);
	fprintf(out, "# yrdx effective configuration: defaults filled in, paths resolved\n");
	for (size_t s = 0; s < SEC_COUNT; s++) {
		const section_t *sec = &sections[s];
		fprintf(out, "\n%s\n", sec->name);
		size_t n = sec->id == SEC_PEERS   ? cfg->n_peers
		           : sec->id == SEC_PARKS ? cfg->n_parks
		                                  : 1;
		for (size_t i = 0; i < n; i++) {
			const void *base = cfg;
			int depth = 1;
			if (sec->entry) {
				base = sec->id == SEC_PEERS ? (const void *)&cfg->peers[i]
				                            : (const void *)&cfg->parks[i];
				fprintf(out, "    %s\n",
				        sec->id == SEC_PEERS ? cfg->peers[i].name
				                             : cfg->parks[i].name);
				depth = 2;
			}
			for (size_t k = 0; k < sec->n_items; k++) {
				value_format(&sec->items[k], base, v, sizeof(v));
				line_write(out, depth, sec->items[k].name, v, &sec->items[k]);
			}
		}
	}
	return ferror(out) ? -EIO : YX_OK;
}

/* ---- lookups ---- */

const yx_peer_conf_t *yx_config_peer_by_key(const yx_config_t *cfg, const uint8_t key[32])
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (memcmp(cfg->peers[i].key, key, 32) == 0)
			return &cfg->peers[i];
	return NULL;
}

const yx_peer_conf_t *yx_config_peer_by_name(const yx_config_t *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0)
			return &cfg->peers[i];
	return NULL;
}

const yx_park_conf_t *yx_config_park_by_key(const yx_config_t *cfg, const uint8_t key[32])
{
	for (size_t i = 0; i < cfg->n_parks; i++)
		if (memcmp(cfg->parks[i].key, key, 32) == 0)
			return &cfg->parks[i];
	return NULL;
}

const yx_park_conf_t *yx_config_park_by_name(const yx_config_t *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_parks; i++)
		if (strcmp(cfg->parks[i].name, name) == 0)
			return &cfg->parks[i];
	return NULL;
}

/* ---- writing files ---- */

/* Puts data at target through a temporary file in the same directory: mode and owner
 * of orig (or 0600 and no overwrite when orig is NULL), fsync, then rename (or link, which
 * refuses an existing target), then fsync of the directory. target is absolute. */
static int file_install(const char *target, const char *data, size_t len, const struct stat *orig,
                        const char *file, yx_diag_t *diag)
{
	char tmp[YX_CONFIG_PATH_MAX + 16], dir[YX_CONFIG_PATH_MAX];
	const char *slash = strrchr(target, '/');
	const char *what = "cannot write";
	int ret = YX_OK, fd, dfd;
	size_t done = 0;

	assert(slash);
	snprintf(dir, sizeof(dir), "%.*s", slash == target ? 1 : (int)(slash - target), target);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, slash + 1) >= (int)sizeof(tmp))
		return yx_diag_set(diag, -ENAMETOOLONG, "%s: path too long", file);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return yx_diag_set(diag, -errno, "%s: cannot create a file beside it: %s", file,
		                   strerror(errno));
	if (orig) {
		struct stat now;
		if (fstat(fd, &now) != 0 ||
		    ((now.st_uid != orig->st_uid || now.st_gid != orig->st_gid) &&
		     fchown(fd, orig->st_uid, orig->st_gid) != 0)) {
			ret = -errno;
			what = "cannot keep its owner";
			goto out;
		}
	}
	if (fchmod(fd, orig ? orig->st_mode & 07777 : 0600) != 0) {
		ret = -errno;
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		ret = -errno;
		goto out;
	}
	if (orig ? rename(tmp, target) != 0 : link(tmp, target) != 0) {
		ret = -errno;
		if (ret == -EEXIST)
			what = "already exists; not overwriting it";
		goto out;
	}
	if (!orig)
		unlink(tmp);
	tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	close(fd);
	if (tmp[0])
		unlink(tmp);
	if (ret != YX_OK) {
		if (ret == -EEXIST)
			yx_diag_set(diag, ret, "%s: %s", file, what);
		else
			yx_diag_set(diag, ret, "%s: %s: %s", file, what, strerror(-ret));
	}
	return ret;
}

/* Serialises a tree, checks that the text loads back (so the file written is always
 * one yx_config_load accepts), and installs it. */
static int tree_install(zconfig_t *root, const char *file, const char *target, const char *abs,
                        const char *dir, const struct stat *orig, yx_diag_t *diag)
{
	char *text = NULL, why[300];
	size_t len = 0;
	yx_config_t *cfg = NULL;
	zconfig_t *again = NULL;
	int ret;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	tree_write(f, root);
	if (fclose(f) != 0 || !text) {
		free(text);
		return -ENOMEM;
	}
	if (!(again = zpl_parse(text, len, why, sizeof(why)))) {
		ret = yx_diag_set(diag, YX_ECONFIG, "%s: the rewritten file would not parse: %s",
		                  file, why);
		goto out;
	}
	if ((ret = config_from_tree(again, file, abs, dir, &cfg, diag)) != YX_OK)
		goto out;
	ret = file_install(target, text, len, orig, file, diag);
out:
	yx_config_free(&cfg);
	zconfig_destroy(&again);
	free(text);
	return ret;
}

/* A copy of the tree under src (its comments too) without the node skip. */
static void tree_copy(zconfig_t *src, zconfig_t *dst, zconfig_t *skip)
{
	for (zconfig_t *n = zconfig_child(src); n; n = zconfig_next(n)) {
		if (n == skip)
			continue;
		zconfig_t *copy = zconfig_new(zconfig_name(n), dst);
		assert(copy);
		if (zconfig_value(n))
			zconfig_set_value(copy, "%s", zconfig_value(n));
		tree_copy(n, copy, skip);
	}
}

static zconfig_t *tree_without(zconfig_t *root, zconfig_t *skip)
{
	zconfig_t *copy = zconfig_new("root", NULL);
	zlist_t *comments = zconfig_comments(root);
	assert(copy);
	if (comments)
		for (char *cm = zlist_first(comments); cm; cm = zlist_next(comments))
			zconfig_set_comment(copy, "%s", cm);
	tree_copy(root, copy, skip);
	return copy;
}

static zconfig_t *child_named(zconfig_t *parent, const char *name)
{
	for (zconfig_t *n = parent ? zconfig_child(parent) : NULL; n; n = zconfig_next(n))
		if (strcmp(zconfig_name(n), name) == 0)
			return n;
	return NULL;
}

typedef struct {
	section_id_t sec;
	const char *name;
	bool add;
	const char *keys[4];
	const char *values[4];
} edit_t;

/* Read, change, validate, write: the one path every trust-store edit takes. */
static int config_edit(const char *path, const edit_t *ed, yx_diag_t *diag)
{
	const section_t *sec = &sections[ed->sec];
	char abs[YX_CONFIG_PATH_MAX], dir[YX_CONFIG_PATH_MAX], target[PATH_MAX], lockdir[PATH_MAX];
	char key[KEY_PATH_MAX];
	ctx_t c = {path, NULL, diag};
	zconfig_t *root = NULL;
	struct stat st;
	int ret, lfd = -1;

	assert(path && ed->name);
	key_path(key, sec->name, ed->name);
	if (!name_ok(ed->name))
		return fail(&c, key, NULL, "a %s's name must be " NAME_RULE, sec->entry);
	/* Write where a symlink at path points, so the link stays; resolve relative paths
	 * as the loader does, from path's own directory. */
	if ((ret = path_locate(path, abs, dir)) != YX_OK)
		return yx_diag_set(diag, ret, "%s: cannot resolve its directory: %s", path,
		                   strerror(-ret));
	if (!realpath(path, target)) {
		if (errno == ENOENT)
			return yx_diag_set(diag, -ENOENT, "%s: no such file", path);
		return yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
	}
	snprintf(lockdir, sizeof(lockdir), "%s", target);
	*strrchr(lockdir, '/') = '\0';
	/* Two yrdxctl edits at once must not lose one: serialise on the directory. */
	if ((lfd = open(lockdir[0] ? lockdir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(lfd, LOCK_EX) != 0) {
		ret = yx_diag_set(diag, -errno, "%s: cannot lock its directory: %s", path,
		                  strerror(errno));
		goto out;
	}
	if ((ret = tree_load(path, &root, &st, diag)) != YX_OK)
		goto out;
	zconfig_t *section = child_named(root, sec->name);
	zconfig_t *entry = child_named(section, ed->name);
	if (ed->add) {
		if (entry) {
			ret = fail(&c, key, NULL,
			           "a %s of this name is already configured; remove "
			           "it first",
			           sec->entry);
			goto out;
		}
		if (!section)
			section = zconfig_new(sec->name, root);
		entry = zconfig_new(ed->name, section);
		assert(section && entry);
		for (size_t i = 0; i < 3 && ed->keys[i]; i++) {
			if (!ed->values[i])
				continue;
			zconfig_t *kv = zconfig_new(ed->keys[i], entry);
			assert(kv);
			zconfig_set_value(kv, "%s", ed->values[i]);
		}
	} else {
		if (!entry) {
			ret = yx_diag_set(diag, YX_ENOTFOUND, "%s: %s: no such %s", path, key,
			                  sec->entry);
			goto out;
		}
		/* CZMQ 4.2's stable API cannot unlink one node (zconfig_remove is draft):
		 * rebuild the tree without it. */
		zconfig_t *copy = tree_without(root, entry);
		zconfig_destroy(&root);
		root = copy;
	}
	ret = tree_install(root, path, target, abs, dir, &st, diag);
out:
	zconfig_destroy(&root);
	if (lfd >= 0)
		close(lfd);
	return ret;
}

int yx_config_peer_add(const char *path, const char *name, const char *endpoint,
                       const char *pubkey_text, const char *share, yx_diag_t *diag)
{
	assert(endpoint && pubkey_text);
	edit_t ed = {SEC_PEERS,
	             name,
	             true,
	             {"endpoint", "public_key", "share"},
	             {endpoint, pubkey_text, share}};
	return config_edit(path, &ed, diag);
}

int yx_config_peer_remove(const char *path, const char *name, yx_diag_t *diag)
{
	edit_t ed = {SEC_PEERS, name, false, {NULL}, {NULL}};
	return config_edit(path, &ed, diag);
}

int yx_config_park_add(const char *path, const char *name, const char *park_id,
                       const char *pubkey_text, bool open_cases, yx_diag_t *diag)
{
	assert(park_id && pubkey_text);
	edit_t ed = {SEC_PARKS,
	             name,
	             true,
	             {"park_id", "public_key", "open_cases", NULL},
	             {park_id, pubkey_text, open_cases ? "1" : "0", NULL}};
	return config_edit(path, &ed, diag);
}

int yx_config_park_remove(const char *path, const char *name, yx_diag_t *diag)
{
	edit_t ed = {SEC_PARKS, name, false, {NULL}, {NULL}};
	return config_edit(path, &ed, diag);
}

int yx_config_write_new(const char *path, const char *name, uint32_t city,
                        const char *peer_endpoint, const char *feed_endpoint, const char *map_size,
                        yx_diag_t *diag)
{
	char abs[YX_CONFIG_PATH_MAX], dir[YX_CONFIG_PATH_MAX], city_text[16];
	const char *city_name = yx_city_name(city);
	zconfig_t *root = NULL;
	struct stat st;
	int ret;

	assert(path && name && peer_endpoint);
	if ((ret = path_locate(path, abs, dir)) != YX_OK)
		return yx_diag_set(diag, ret, "%s: cannot resolve its directory: %s", path,
		                   strerror(-ret));
	if (lstat(path, &st) == 0)
		return yx_diag_set(diag, -EEXIST, "%s: already exists; not overwriting it", path);
	snprintf(city_text, sizeof(city_text), "%u", city);
	root = zconfig_new("root", NULL);
	assert(root);
	zconfig_set_comment(root, " yrdx node configuration: %s (%u), node \"%s\"",
	                    city_name ? city_name : "?", city, name);
	zconfig_set_comment(root, "%s", "");
	zconfig_set_comment(root, " ZPL (rfc.zeromq.org/spec:4): \"key = value\", sections "
	                          "nested by indenting");
	zconfig_set_comment(root, " exactly 4 spaces, '#' starts a comment. Comments "
	                          "starting in column 0, like");
	zconfig_set_comment(root, " these, are kept when yrdxctl edits peers and parks; "
	                          "indented comments are");
	zconfig_set_comment(root, " rewritten from the schema.");
	zconfig_set_comment(root, "%s", "");
	zconfig_set_comment(root, " Give this node's public key (the \"public:\" line of "
	                          "node/key_file) to the");
	zconfig_set_comment(root, " other cities; enter theirs with `yrdxctl -c FILE peer "
	                          "add`, and partner");
	zconfig_set_comment(root, " parks' with `yrdxctl -c FILE park add`.");
	for (size_t s = 0; s < SEC_COUNT; s++) {
		const section_t *sec = &sections[s];
		zconfig_t *node = zconfig_new(sec->name, root);
		assert(node);
		if (sec->entry)
			continue;
		for (size_t i = 0; i < sec->n_items; i++) {
			const item_t *it = &sec->items[i];
			const char *v = it->def;
			if (s == SEC_NODE && strcmp(it->name, "name") == 0)
				v = name;
			else if (s == SEC_NODE && strcmp(it->name, "city") == 0)
				v = city_text;
			else if (s == SEC_LISTEN && strcmp(it->name, "peer") == 0)
				v = peer_endpoint;
			else if (s == SEC_LISTEN && strcmp(it->name, "feed") == 0)
				v = feed_endpoint ? feed_endpoint : "";
			else if (s == SEC_NODE && strcmp(it->name, "map_size") == 0 && map_size)
				v = map_size;
			zconfig_t *kv = zconfig_new(it->name, node);
			assert(kv);
			zconfig_set_value(kv, "%s", v ? v : "");
		}
	}
	ret = tree_install(root, path, abs, abs, dir, NULL, diag);
	zconfig_destroy(&root);
	return ret;
}
