/* config: loading the node's ZPL configuration file: the file read whole, parsed by CZMQ's
 * zconfig (this module never parses ZPL itself), every key checked against the schema
 * (config_schema.c) and parsed into yx_config_t (config_value.c), then the rules across
 * keys. The edits (config_edit.c) load through the same path. */
#include "config.h"

#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "keys.h"

#define MAX_FILE_BYTES (1024 * 1024) /* a config with thousands of peers is still tiny */
#define ZPL_LINE_MAX   1024          /* zconfig silently cuts longer lines */
#define MAX_ITEMS      24            /* keys per section (the schema's longest, sync, has 10) */

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
		config_key_path(key, prefix, name);
		if (i == n) {
			size_t o = 0;
			for (size_t j = 0; j < n; j++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				                      j ? ", " : "", items[j].name);
			return config_fail(c, key, NULL, "unknown key%s; %s takes %s",
			                   config_did_you_mean(m, sizeof(m),
			                                       config_suggest(name, items, n,
			                                                      sizeof(items[0]))),
			                   prefix, list);
		}
		if (given[i])
			return config_fail(c, key, NULL, "given twice");
		if (zconfig_child(k))
			return config_fail(c, key, NULL,
			                   "a key cannot have indented lines below it");
		given[i] = k;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = given[i] ? zconfig_value(given[i]) : items[i].def;
		config_key_path(key, prefix, items[i].name);
		if (!given[i] && (items[i].flags & F_REQUIRED))
			return config_fail(c, key, NULL, "missing: this key is required");
		int ret = config_value_parse(c, key, &items[i], v ? v : "",
		                             (char *)base + items[i].offset);
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
		config_key_path(key, sec->name, name);
		if (!yx_config_name_ok(name))
			return config_fail(c, key, NULL, "a %s's name must be " NAME_RULE,
			                   sec->entry);
		if (v && *v)
			return config_fail(c, key, v,
			                   "a %s takes no value: its keys go on the lines "
			                   "below, indented 4 more spaces",
			                   sec->entry);
		for (size_t j = 0; j < i; j++)
			if (strcmp(entry_name(cfg, sec->id, j), name) == 0)
				return config_fail(c, key, NULL, "%s given twice", sec->entry);
		strcpy(entry_name(cfg, sec->id, i), name);
		void *base = sec->id == SEC_PEERS ? (void *)&cfg->peers[i] : (void *)&cfg->parks[i];
		int ret = items_load(c, key, sec->items, sec->n_items, e, base);
		if (ret != YX_OK)
			return ret;
	}
	return YX_OK;
}

/* config_fail() for a number that breaks a rule across keys. */
__attribute__((format(printf, 4, 5))) static int u32_fail(const ctx_t *c, const char *key,
                                                          uint32_t v, const char *fmt, ...)
{
	char text[16], why[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%u", v);
	return config_fail(c, key, text, "%s", why);
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
		return config_fail(c, "listen/feed", cfg->feed_endpoint,
		                   "same endpoint as listen/peer");
	for (size_t i = 0; i < cfg->n_peers; i++) {
		const yx_peer_conf_t *p = &cfg->peers[i];
		config_key_path(key, "peers", p->name);
		if (strcmp(p->name, cfg->name) == 0)
			return config_fail(c, key, NULL,
			                   "a peer cannot have this node's own name (node/name)");
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->peers[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				config_key_path(other, "peers", cfg->peers[j].name);
				return config_fail(c, config_key_path(kk, key, "public_key"), text,
				                   "same key as %s: one key is one node", other);
			}
	}
	for (size_t i = 0; i < cfg->n_parks; i++) {
		const yx_park_conf_t *p = &cfg->parks[i];
		config_key_path(key, "parks", p->name);
		for (size_t j = 0; j < cfg->n_peers; j++)
			if (memcmp(cfg->peers[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				config_key_path(other, "peers", cfg->peers[j].name);
				return config_fail(
				        c, config_key_path(kk, key, "public_key"), text,
				        "same key as %s: a park's yrdx-feed has its own key, "
				        "never a city node's",
				        other);
			}
		for (size_t j = 0; j < i; j++)
			if (memcmp(cfg->parks[j].key, p->key, 32) == 0) {
				yx_pubkey_format(p->key, text);
				config_key_path(other, "parks", cfg->parks[j].name);
				return config_fail(c, config_key_path(kk, key, "public_key"), text,
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

int config_from_tree(zconfig_t *root, const char *file, const char *abs, const char *dir,
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
		const section_t *sec = config_section_find(name);
		if (!sec)
			return config_fail(
			        &c, name, NULL,
			        "unknown section%s; sections are node, listen, "
			        "sync, peers and parks",
			        config_did_you_mean(m, sizeof(m),
			                            config_suggest(name, config_sections, SEC_COUNT,
			                                           sizeof(config_sections[0]))));
		if (given[sec->id])
			return config_fail(&c, name, NULL, "section given twice");
		if (v && *v)
			return config_fail(&c, name, v,
			                   "a section takes no value: its keys go on the "
			                   "lines below, indented 4 spaces");
		given[sec->id] = s;
	}
	if (!(cfg = calloc(1, sizeof(*cfg))))
		return -ENOMEM;
	snprintf(cfg->path, sizeof(cfg->path), "%s", abs);
	snprintf(cfg->dir, sizeof(cfg->dir), "%s", dir);
	for (size_t i = 0; i < SEC_COUNT; i++) {
		const section_t *sec = &config_sections[i];
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

/* zconfig only prints its syntax errors (with zclock_log, to stdout); a library must not
 * write to its caller's stdout and the operator needs that message, so stdout points at
 * a memory file while zconfig runs. */
zconfig_t *config_zpl_parse(const char *text, size_t len, char *why, size_t cap)
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

int config_path_locate(const char *path, char abs[YX_CONFIG_PATH_MAX], char dir[YX_CONFIG_PATH_MAX])
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

int config_tree_load(const char *path, zconfig_t **root, struct stat *st, yx_diag_t *diag)
{
	char *text = NULL, why[300];
	size_t len = 0;
	int ret = file_read(path, &text, &len, st, diag);
	if (ret != YX_OK)
		return ret;
	if (!(*root = config_zpl_parse(text, len, why, sizeof(why))))
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
	if ((ret = config_tree_load(path, &root, &st, diag)) != YX_OK)
		return ret;
	if ((ret = config_path_locate(path, abs, dir)) != YX_OK)
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
