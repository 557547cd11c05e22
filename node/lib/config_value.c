/* config_value: one value of each schema type, parsed from the file's text into its field
 * with a message naming what is wrong, and formatted back for the normalised print. */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "config_int.h"
#include "keys.h"
#include "log.h"
#include "policy.h"
#include "text.h"
#include "validate.h"

/* node/map_size: from 1 MiB (a store smaller than that holds nothing useful) to 64 TiB
 * (a tenth of the 47-bit address space a process has, by far the most LMDB can use). */
#define MAP_SIZE_MIN ((uint64_t)1 << 20)
#define MAP_SIZE_MAX ((uint64_t)64 << 40)

static const char *const level_names[] = {
        [YX_LOG_ERROR] = "error",
        [YX_LOG_WARN] = "warn",
        [YX_LOG_INFO] = "info",
        [YX_LOG_DEBUG] = "debug",
};

/* ---- rules every value follows ---- */

bool yx_config_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > YX_CONFIG_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

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

bool config_path_resolve(const char *dir, const char *p, char *out, size_t cap)
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

bool config_u32_parse(const char *v, uint32_t *out)
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
	if (!config_u32_parse(port, &p) || strlen(port) > 5) {
		snprintf(why, cap, "port \"%.16s\" is not a number (expected %s)", port, form);
		return false;
	}
	if (p < 1 || p > 65535) {
		snprintf(why, cap, "port %u is out of range 1..65535", p);
		return false;
	}
	return true;
}

bool yx_config_endpoint_ok(const char *v, char *why, size_t cap)
{
	if (strncmp(v, "tcp://", 6) != 0) {
		snprintf(why, cap, "expected tcp://HOST:PORT");
		return false;
	}
	if (strlen(v) >= YX_CONFIG_ENDPOINT_MAX) {
		snprintf(why, cap, "longer than %d characters", YX_CONFIG_ENDPOINT_MAX - 1);
		return false;
	}
	return hostport_check(v + 6, false, "tcp://HOST:PORT", why, cap);
}

static int endpoint_parse(const ctx_t *c, const char *key, const item_t *it, const char *v,
                          char *dst, size_t size)
{
	char why[200];
	const char *form = it->flags & F_IPC ? "tcp://HOST:PORT or ipc://PATH" : "tcp://HOST:PORT";
	if (strncmp(v, "tcp://", 6) == 0) {
		if (!hostport_check(v + 6, it->flags & F_BIND, form, why, sizeof(why)))
			return config_fail(c, key, v, "%s", why);
		if (strlen(v) >= size)
			return config_fail(c, key, v, "longer than %zu characters", size - 1);
		strcpy(dst, v);
		return YX_OK;
	}
	if (strncmp(v, "ipc://", 6) == 0 && (it->flags & F_IPC)) {
		/* Relative ipc paths would follow the daemon's working directory: resolve them
		 * like every other path. '@' is Linux's abstract socket namespace. */
		char path[YX_CONFIG_PATH_MAX];
		const char *p = v + 6;
		if (!*p)
			return config_fail(c, key, v, "path missing (expected %s)", form);
		if (p[0] == '@') {
			if (strlen(p) >= YX_CONFIG_SOCKET_MAX)
				return config_fail(c, key, v,
				                   "longer than a UNIX socket path (%d bytes)",
				                   YX_CONFIG_SOCKET_MAX - 1);
			snprintf(dst, size, "%s", v);
			return YX_OK;
		}
		if (!config_path_resolve(c->dir, p, path, sizeof(path)) ||
		    strlen(path) >= YX_CONFIG_SOCKET_MAX)
			return config_fail(c, key, v,
			                   "resolves to a path longer than a UNIX socket path "
			                   "(%d bytes)",
			                   YX_CONFIG_SOCKET_MAX - 1);
		snprintf(dst, size, "ipc://%s", path);
		return YX_OK;
	}
	return config_fail(c, key, v, "expected %s", form);
}

static int kinds_parse(const ctx_t *c, const char *key, const char *v, uint32_t *mask)
{
	const char *names[YX_KIND_COUNT];
	/* "all" is every registry kind; the enterprise figures are named, never implied,
	 * and a policy goes to every city whatever a share says (policy.h). */
	const uint32_t all = YX_SHARE_DEFAULT;
	const char *expect = "incubator, enterprise, park, relay-event, joint, evaluation, "
	                     "financials (comma-separated), all, or none";
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
		return config_fail(c, key, v, "empty: expected %s", expect);
	if (strlen(v) >= sizeof(buf))
		return config_fail(c, key, v, "too long: expected %s", expect);
	strcpy(buf, v);
	if (buf[strlen(buf) - 1] == ',' || buf[0] == ',' || strstr(buf, ",,"))
		return config_fail(c, key, v, "empty item in the list: expected %s", expect);
	*mask = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		while (*w == ' ')
			w++;
		size_t wl = strlen(w);
		while (wl > 0 && w[wl - 1] == ' ')
			w[--wl] = '\0';
		if (strcmp(w, "all") == 0 || strcmp(w, "none") == 0)
			return config_fail(c, key, v, "\"%s\" stands alone, not in a list", w);
		yx_kind_t k = yx_kind_from_name(w);
		if (k == YX_KIND_NONE)
			return config_fail(
			        c, key, v, "unknown kind \"%.32s\"%s: expected %s", w,
			        config_did_you_mean(m, sizeof(m),
			                            config_suggest(w, &names[1], YX_KIND_COUNT - 1,
			                                           sizeof(names[0]))),
			        expect);
		if (k == YX_KIND_POLICY)
			return config_fail(c, key, v,
			                   "\"policy\" is not listed: a sharing policy goes to "
			                   "every city");
		*mask |= 1u << k;
	}
	return YX_OK;
}

int config_value_parse(const ctx_t *c, const char *key, const item_t *it, const char *v, void *dst)
{
	const char *problem = text_problem(v);
	char why[200];
	uint32_t u;
	if (problem)
		return config_fail(c, key, v, "%s", problem);
	if (!*v && (it->flags & F_OFF)) {
		memset(dst, 0, it->size);
		return YX_OK;
	}
	switch (it->type) {
	case T_STRING:
		if (!*v)
			return config_fail(c, key, v, "must not be empty");
		if (strlen(v) >= it->size)
			return config_fail(c, key, v, "%zu bytes, at most %zu", strlen(v),
			                   it->size - 1);
		if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
			return config_fail(c, key, v, "leading or trailing spaces");
		strcpy(dst, v);
		return YX_OK;
	case T_NAME:
		if (!yx_config_name_ok(v))
			return config_fail(c, key, v, "expected " NAME_RULE);
		strcpy(dst, v);
		return YX_OK;
	case T_PATH: {
		char path[YX_CONFIG_PATH_MAX];
		if (!*v)
			return config_fail(c, key, v, "must not be empty");
		if (v[0] == '~')
			return config_fail(c, key, v,
			                   "~ is not expanded: give an absolute path or one "
			                   "relative to this file's directory");
		if (!config_path_resolve(c->dir, v, path, sizeof(path)) || strlen(path) >= it->size)
			return config_fail(
			        c, key, v, "resolved path is longer than %zu bytes%s", it->size - 1,
			        it->flags & F_SOCKET ? ", the limit of a UNIX socket path" : "");
		strcpy(dst, path);
		return YX_OK;
	}
	case T_ENDPOINT: return endpoint_parse(c, key, it, v, dst, it->size);
	case T_ADDR:
		if (!hostport_check(v, false, "HOST:PORT", why, sizeof(why)))
			return config_fail(c, key, v, "%s", why);
		if (strlen(v) >= it->size)
			return config_fail(c, key, v, "longer than %zu characters", it->size - 1);
		strcpy(dst, v);
		return YX_OK;
	case T_U32:
		if (!config_u32_parse(v, &u))
			return config_fail(c, key, v, "expected a whole number from %u to %u",
			                   it->min, it->max);
		if (u < it->min || u > it->max)
			return config_fail(c, key, v, "must be from %u to %u", it->min, it->max);
		memcpy(dst, &u, sizeof(u));
		return YX_OK;
	case T_PUBKEY: {
		uint8_t key32[32], curve[32];
		if (yx_pubkey_parse(v, key32, NULL) != YX_OK)
			return config_fail(c, key, v, "expected %d characters of base64 (32 bytes)",
			                   YX_PUBKEY_TEXT_LEN);
		if (yx_pubkey_to_curve(key32, curve) != YX_OK)
			return config_fail(c, key, v,
			                   "not an Ed25519 public key (it has no CURVE form)");
		memcpy(dst, key32, 32);
		return YX_OK;
	}
	case T_KINDS: return kinds_parse(c, key, v, dst);
	case T_LEVEL: {
		int level = yx_log_level_from_name(v);
		if (level < 0)
			return config_fail(c, key, v, "expected error, warn, info or debug");
		memcpy(dst, &level, sizeof(level));
		return YX_OK;
	}
	case T_SIZE: {
		uint64_t bytes;
		char lo[16], hi[16];
		size_format(MAP_SIZE_MIN, lo, sizeof(lo));
		size_format(MAP_SIZE_MAX, hi, sizeof(hi));
		if (!size_parse(v, &bytes))
			return config_fail(
			        c, key, v,
			        "expected a size in bytes, or with K, M, G or T (powers of "
			        "1024), e.g. 512M or 16G");
		if (bytes < MAP_SIZE_MIN || bytes > MAP_SIZE_MAX)
			return config_fail(c, key, v, "must be from %s to %s", lo, hi);
		memcpy(dst, &bytes, sizeof(bytes));
		return YX_OK;
	}
	case T_CITY:
		if (yx_city_from_text(v, &u) != YX_OK)
			return config_fail(c, key, v,
			                   "not a Yangtze River Delta prefecture-level city "
			                   "(GB/T 2260 code, e.g. 310000 上海, 330100 杭州)");
		memcpy(dst, &u, sizeof(u));
		return YX_OK;
	}
	return config_fail(c, key, v, "no parser for this type");
}

const char *yx_config_share_text(uint32_t mask, char *buf, size_t cap)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int k = YX_KIND_NONE + 1; k < YX_KIND_COUNT && o < cap; k++)
		if (mask & (1u << k))
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "," : "",
			                      yx_kind_name((yx_kind_t)k));
	if (o == 0)
		snprintf(buf, cap, "none");
	return buf;
}

void config_value_format(const item_t *it, const void *base, char *buf, size_t cap)
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
	case T_KINDS:
		memcpy(&u, f, sizeof(u));
		yx_config_share_text(u, buf, cap);
		return;
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
