/* config: golden files for what loads, one file per way a config can be wrong, the
 * example configs in config/, and trust-store edits on scratch copies.
 *
 * Golden files: tests/data/config/good-NAME.zpl is loaded where it is and printed; the
 * directory of the file (the base of every resolved path) is replaced by "@DIR@", and
 * the result must equal good-NAME.golden byte for byte. YRDX_UPDATE_GOLDEN=1 rewrites
 * the golden files instead (review the diff). The data and examples are found relative
 * to this source file (CMake compiles it by absolute path). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fixtures.h"
#include "keys.h"

/* Real Ed25519 public keys (secret halves thrown away), as in edit-base.zpl. */
#define K1 "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns=" /* edit-base: peers/hangzhou */
#define K2 "lPpPEyjZNaw35YInrLUsHoWad4OavKm6J/pn7xeF2pI=" /* edit-base: parks/sip */
#define K3 "3FToyGUXjtwrqXFqOMlQjC4FyREa9jQOmCucwggjapY="
#define K4 "5LXV6wO2eOnvQk789vCwd8UdEAAUAJDHq4EWWnEyFkk="

#define ALL_KINDS                                                                        \
	((1u << YX_KIND_INCUBATOR) | (1u << YX_KIND_ENTERPRISE) | (1u << YX_KIND_PARK) | \
	 (1u << YX_KIND_RELAY_EVENT) | (1u << YX_KIND_JOINT) | (1u << YX_KIND_EVALUATION))

static char data_dir[PATH_MAX];     /* tests/data/config */
static char examples_dir[PATH_MAX]; /* config/ */

/* ---- helpers ---- */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;
	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &cap);
	assert_non_null(m);
	int ch;
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	if (len)
		*len = cap;
	return buf;
}

static void write_all(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* text with every occurrence of from replaced by to; caller frees. */
static char *replace_all(const char *text, const char *from, const char *to)
{
	char *out = NULL;
	size_t cap = 0, fl = strlen(from);
	FILE *m = open_memstream(&out, &cap);
	assert_non_null(m);
	for (const char *p = text; *p;) {
		if (fl && strncmp(p, from, fl) == 0) {
			fputs(to, m);
			p += fl;
		} else {
			fputc(*p++, m);
		}
	}
	fclose(m);
	return out;
}

static char *print_cfg(const yx_config_t *cfg)
{
	char *out = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&out, &cap);
	assert_non_null(m);
	assert_int_equal(yx_config_print(cfg, m), YX_OK);
	fclose(m);
	return out;
}

static yx_config_t *load_ok(const char *path)
{
	yx_config_t *cfg = NULL;
	yx_diag_t d = {{0}};
	int ret = yx_config_load(path, &cfg, &d);
	if (ret != YX_OK)
		fail_msg("%s: %s (%d)", path, d.msg, ret);
	return cfg;
}

static void key_of(const char *text, uint8_t key[32])
{
	assert_int_equal(yx_pubkey_parse(text, key, NULL), YX_OK);
}

/* Names in dir starting with prefix and ending in suffix, sorted; NULL-terminated. */
static char **list_dir(const char *dir, const char *prefix, const char *suffix, size_t *n)
{
	struct dirent **ents = NULL;
	int count = scandir(dir, &ents, NULL, alphasort);
	char **names = calloc((size_t)(count > 0 ? count : 0) + 1, sizeof(char *));
	assert_true(count >= 0);
	assert_non_null(names);
	*n = 0;
	for (int i = 0; i < count; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name), sl = strlen(suffix);
		if (strncmp(name, prefix, strlen(prefix)) == 0 && len > sl &&
		    strcmp(name + len - sl, suffix) == 0)
			names[(*n)++] = strdup(name);
		free(ents[i]);
	}
	free(ents);
	return names;
}

static void free_list(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/* Fails unless msg contains every needle. */
static void expect_msg_at(const char *msg, const char *const *needles, size_t n, int line)
{
	for (size_t i = 0; i < n && needles[i]; i++)
		if (!strstr(msg, needles[i]))
			fail_msg("line %d: message lacks \"%s\":\n  %s", line, needles[i], msg);
}

#define expect_msg(msg, ...)                                                                      \
	do {                                                                                      \
		const char *const needles_[] = {__VA_ARGS__};                                     \
		expect_msg_at((msg), needles_, sizeof(needles_) / sizeof(needles_[0]), __LINE__); \
	} while (0)

/* A scratch directory holding node.zpl, a copy of edit-base.zpl with mode 0600. */
typedef struct {
	char *dir;
	char *path;
	char *before; /* contents before the step under test */
	size_t before_len;
} scratch_t;

static int scratch_setup(void **state)
{
	scratch_t *s = calloc(1, sizeof(*s));
	char *src = join(data_dir, "edit-base.zpl");
	char *text = read_all(src, NULL);
	assert_non_null(s);
	assert_non_null(text);
	s->dir = fx_tmpdir("config");
	s->path = join(s->dir, "node.zpl");
	write_all(s->path, text, 0600);
	free(text);
	free(src);
	*state = s;
	return 0;
}

static int scratch_teardown(void **state)
{
	scratch_t *s = *state;
	fx_rmtree(s->dir);
	free(s->dir);
	free(s->path);
	free(s->before);
	free(s);
	return 0;
}

static void snapshot(scratch_t *s)
{
	free(s->before);
	s->before = read_all(s->path, &s->before_len);
	assert_non_null(s->before);
}

/* The file is byte for byte what snapshot saw, and no temporary file was left. */
static void expect_unchanged_at(const scratch_t *s, int line)
{
	size_t len = 0;
	char *now = read_all(s->path, &len);
	if (!now || len != s->before_len || memcmp(now, s->before, len) != 0)
		fail_msg("line %d: %s changed", line, s->path);
	free(now);
	DIR *d = opendir(s->dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fail_msg("line %d: temporary file %s left behind", line, e->d_name);
	closedir(d);
}

#define expect_unchanged(s) expect_unchanged_at((s), __LINE__)

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* ---- loading ---- */

/* Every good-*.zpl prints exactly its golden file. */
static void test_golden(void **state)
{
	(void)state;
	size_t n = 0;
	char **names = list_dir(data_dir, "good-", ".zpl", &n);
	bool update =
	        getenv("YRDX_UPDATE_GOLDEN") && strcmp(getenv("YRDX_UPDATE_GOLDEN"), "1") == 0;
	int bad = 0;
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		char *path = join(data_dir, names[i]);
		yx_config_t *cfg = load_ok(path);
		char *printed = print_cfg(cfg);
		char *stable = replace_all(printed, cfg->dir, "@DIR@");
		char *golden_path = NULL;
		assert_true(asprintf(&golden_path, "%.*s.golden", (int)strlen(path) - 4, path) > 0);
		if (update) {
			write_all(golden_path, stable, 0644);
			printf("wrote %s\n", golden_path);
		} else {
			char *golden = read_all(golden_path, NULL);
			if (!golden) {
				printf("%s: missing (run with YRDX_UPDATE_GOLDEN=1)\n",
				       golden_path);
				bad++;
			} else if (strcmp(golden, stable) != 0) {
				printf("%s differs; printed:\n%s", golden_path, stable);
				bad++;
			}
			free(golden);
		}
		free(golden_path);
		free(stable);
		free(printed);
		yx_config_free(&cfg);
		assert_null(cfg);
		free(path);
	}
	free_list(names);
	assert_int_equal(bad, 0);
}

/* The print is a config itself: loading it gives the same configuration back. */
static void test_print_round_trip(void **state)
{
	(void)state;
	size_t n = 0;
	char **names = list_dir(data_dir, "good-", ".zpl", &n);
	char *dir = fx_tmpdir("config-rt");
	char *copy = join(dir, "printed.zpl");
	for (size_t i = 0; i < n; i++) {
		char *path = join(data_dir, names[i]);
		yx_config_t *a = load_ok(path), *b = NULL;
		char *first = print_cfg(a);
		write_all(copy, first, 0600);
		b = load_ok(copy);
		char *second = print_cfg(b);
		assert_string_equal(first, second);
		assert_int_equal(a->n_peers, b->n_peers);
		for (size_t j = 0; j < a->n_peers; j++)
			assert_memory_equal(&a->peers[j], &b->peers[j], sizeof(a->peers[j]));
		free(first);
		free(second);
		yx_config_free(&a);
		yx_config_free(&b);
		free(path);
	}
	free_list(names);
	fx_rmtree(dir);
	free(copy);
	free(dir);
}

/* Values the golden files cannot show: the parsed struct itself. */
static void test_full_values(void **state)
{
	(void)state;
	char *path = join(data_dir, "good-full.zpl");
	yx_config_t *cfg = load_ok(path);
	uint8_t key[32];
	char expect[YX_CONFIG_PATH_MAX + 32];

	assert_string_equal(cfg->name, "hangzhou-2");
	assert_int_equal(cfg->city, 330100);
	assert_int_equal(cfg->log_level, 3);
	snprintf(expect, sizeof(expect), "%s/state/data", cfg->dir);
	assert_string_equal(cfg->data_dir, expect);
	snprintf(expect, sizeof(expect), "%s/good-full.zpl", cfg->dir);
	assert_string_equal(cfg->path, expect);
	assert_string_equal(cfg->key_file, "/etc/yrdx/hangzhou.key");
	assert_string_equal(cfg->feed_endpoint, "tcp://[::1]:7412");
	assert_int_equal(cfg->credit, 1);
	assert_int_equal(cfg->n_peers, 4);
	/* Sorted by name whatever the file's order. */
	assert_string_equal(cfg->peers[0].name, "anhui-wuhu");
	assert_string_equal(cfg->peers[3].name, "suzhou");
	assert_int_equal(cfg->peers[0].share_mask, ALL_KINDS);
	assert_int_equal(yx_config_peer_by_name(cfg, "hefei")->share_mask, 0);
	assert_int_equal(yx_config_peer_by_name(cfg, "suzhou")->share_mask,
	                 (1u << YX_KIND_INCUBATOR) | (1u << YX_KIND_PARK) |
	                         (1u << YX_KIND_EVALUATION));
	snprintf(expect, sizeof(expect), "ipc://%s/hefei.ipc", cfg->dir);
	assert_string_equal(yx_config_peer_by_name(cfg, "hefei")->endpoint, expect);
	assert_int_equal(cfg->n_parks, 2);
	assert_string_equal(cfg->parks[1].park_id, "ZJ 科学城-01");
	key_of(K3, key);
	assert_ptr_equal(yx_config_peer_by_key(cfg, key), yx_config_peer_by_name(cfg, "suzhou"));
	assert_null(yx_config_park_by_key(cfg, key));
	key_of("b9LA8niLb75e53dAJNSDoV4hfCOFnZccGe0oz70z35k=", key);
	assert_ptr_equal(yx_config_park_by_key(cfg, key), yx_config_park_by_name(cfg, "binjiang"));
	assert_null(yx_config_peer_by_name(cfg, "nanjing"));
	assert_null(yx_config_park_by_name(cfg, "nowhere"));
	yx_config_free(&cfg);
	yx_config_free(&cfg); /* accepts NULL */
	free(path);
}

static const struct {
	const char *file;
	const char *needles[3]; /* each must appear in the message */
} bad_cases[] = {
        {"bad-missing-name.zpl", {"node/name: missing"}},
        {"bad-city.zpl", {"node/city: \"999999\": not a Yangtze River Delta"}},
        {"bad-endpoint-no-port.zpl", {"listen/peer: \"tcp://host\": port missing"}},
        {"bad-port-range.zpl",
         {"peers/hangzhou/endpoint: \"tcp://127.0.0.1:70000\"", "port 70000 is out of range"}},
        {"bad-unknown-key.zpl", {"node/nmae: unknown key", "did you mean \"name\"?"}},
        {"bad-unknown-section.zpl", {"sinc: unknown section", "did you mean \"sync\"?"}},
        {"bad-pubkey.zpl",
         {"peers/hangzhou/public_key: \"abc\": expected 44 characters of base64 (32 bytes)"}},
        {"bad-pubkey-point.zpl",
         {"peers/hangzhou/public_key: \"ydNRM6gYlvsJ8A3hcqP6RExZnz1OagxEidyN9/txEPg=\"",
          "not an Ed25519 public key"}},
        {"bad-duplicate-peer-key.zpl",
         {"peers/hefei/public_key: \"" K1 "\"", "same key as peers/hangzhou"}},
        {"bad-park-key-is-peer.zpl",
         {"parks/sip/public_key: \"" K1 "\"", "same key as peers/hangzhou"}},
        {"bad-share-kind.zpl",
         {"peers/hangzhou/share: \"incubator,enterprize\"", "unknown kind \"enterprize\"",
          "did you mean \"enterprise\"?"}},
        {"bad-share-empty.zpl", {"peers/hangzhou/share: \"\": empty"}},
        {"bad-log-level.zpl", {"node/log_level: \"verbose\"", "error, warn, info or debug"}},
        {"bad-credit-zero.zpl", {"sync/credit: \"0\": must be from 1 to 1024"}},
        {"bad-u32-text.zpl", {"sync/heartbeat_ms: \"1s\": expected a whole number"}},
        {"bad-dead-after.zpl", {"sync/dead_after_ms: \"1500\"", "twice sync/heartbeat_ms"}},
        {"bad-reconnect.zpl", {"sync/reconnect_max_ms: \"1000\"", "sync/reconnect_min_ms"}},
        {"bad-indent.zpl", {"cannot parse as ZPL", "line 4: indent 4 spaces at once"}},
        {"bad-no-equals.zpl", {"cannot parse as ZPL", "line 3: invalid syntax 'shanghai'"}},
        {"bad-quote.zpl", {"cannot parse as ZPL", "line 3: missing \""}},
        {"bad-duplicate-peer-name.zpl", {"peers/hangzhou: peer given twice"}},
        {"bad-duplicate-key.zpl", {"node/city: given twice"}},
        {"bad-name-chars.zpl", {"node/name: \"Shanghai\"", "a-z, 0-9 and -"}},
        {"bad-peer-name.zpl", {"peers/Hang_zhou: a peer's name must be"}},
        {"bad-peer-own-name.zpl", {"peers/shanghai: a peer cannot have this node's own name"}},
        {"bad-peer-no-key.zpl", {"peers/hangzhou/public_key: missing"}},
        {"bad-section-value.zpl", {"node: \"main\": a section takes no value"}},
        {"bad-key-children.zpl", {"node/name: a key cannot have indented lines below it"}},
        {"bad-ipv6-brackets.zpl", {"listen/peer: \"tcp://::1:7401\"", "in brackets"}},
        {"bad-feed-ipc.zpl", {"listen/feed: \"ipc:///run/feed.ipc\": expected tcp://HOST:PORT"}},
        {"bad-feed-same.zpl",
         {"listen/feed: \"tcp://127.0.0.1:7401\": same endpoint as listen/peer"}},
        {"bad-metrics.zpl", {"listen/metrics: \"7403\": port missing (expected HOST:PORT)"}},
        {"bad-tilde.zpl", {"node/data_dir: \"~/yrdx\": ~ is not expanded"}},
        {"bad-empty.zpl", {"node/name: missing"}},
        {"bad-tab.zpl", {"cannot parse as ZPL", "line 3: invalid syntax"}},
};

/* Each bad-*.zpl: YX_ECONFIG, a message that starts with the file and names the key
 * path and value; and every bad-*.zpl in the directory is in the table. */
static void test_bad_inputs(void **state)
{
	(void)state;
	size_t n_cases = sizeof(bad_cases) / sizeof(bad_cases[0]), n_files = 0;
	char **files = list_dir(data_dir, "bad-", ".zpl", &n_files);
	int failures = 0;
	for (size_t i = 0; i < n_files; i++) {
		size_t j;
		for (j = 0; j < n_cases && strcmp(bad_cases[j].file, files[i]) != 0; j++)
			;
		if (j == n_cases) {
			printf("%s: not in bad_cases\n", files[i]);
			failures++;
		}
	}
	free_list(files);
	for (size_t i = 0; i < n_cases; i++) {
		char *path = join(data_dir, bad_cases[i].file);
		yx_config_t *cfg = NULL;
		yx_diag_t d = {{0}};
		int ret = yx_config_load(path, &cfg, &d);
		bool ok = ret == YX_ECONFIG && !cfg && strncmp(d.msg, path, strlen(path)) == 0 &&
		          d.msg[strlen(path)] == ':';
		for (size_t k = 0; k < 3 && bad_cases[i].needles[k]; k++)
			ok = ok && strstr(d.msg, bad_cases[i].needles[k]);
		if (!ok) {
			printf("%s: ret %d, message:\n  %s\n", bad_cases[i].file, ret, d.msg);
			failures++;
		}
		yx_config_free(&cfg);
		free(path);
	}
	assert_int_equal(failures, 0);
}

static void test_missing_file(void **state)
{
	(void)state;
	char *dir = fx_tmpdir("config-missing");
	char *path = join(dir, "shanghai.zpl");
	yx_config_t *cfg = NULL;
	yx_diag_t d = {{0}};
	assert_int_equal(yx_config_load(path, &cfg, &d), -ENOENT);
	assert_null(cfg);
	expect_msg(d.msg, path, "no such file");
	/* A directory is not a config file. */
	assert_int_equal(yx_config_load(dir, &cfg, &d), YX_ECONFIG);
	expect_msg(d.msg, "not a regular file");
	/* Binary junk is refused before zconfig sees it. */
	{
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite("node\n    name = sh\0x\n", 1, 21, f);
		fclose(f);
	}
	assert_int_equal(yx_config_load(path, &cfg, &d), YX_ECONFIG);
	expect_msg(d.msg, "line 2: NUL byte");
	/* zconfig would silently cut a line past 1024 bytes. */
	{
		char line[1200];
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		memset(line, 'x', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		fprintf(f, "node\n    name = shanghai\n    city = 310000 # %s\n", line);
		fclose(f);
	}
	assert_int_equal(yx_config_load(path, &cfg, &d), YX_ECONFIG);
	expect_msg(d.msg, "line 3: longer than 1024 bytes");
	/* Unreadable is an I/O error, not a config error (root reads anything). */
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		assert_int_equal(yx_config_load(path, &cfg, &d), -EACCES);
		expect_msg(d.msg, "cannot read");
	}
	fx_rmtree(dir);
	free(path);
	free(dir);
}

/* zconfig prints its syntax errors to stdout; the loader must keep them off the
 * caller's stdout (yrdxctl's output may be piped somewhere) and in the diag. */
static void test_parse_errors_stay_off_stdout(void **state)
{
	(void)state;
	char *path = join(data_dir, "bad-indent.zpl");
	yx_config_t *cfg = NULL;
	yx_diag_t d = {{0}};
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	int ret = yx_config_load(path, &cfg, &d);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	assert_int_equal(ret, YX_ECONFIG);
	expect_msg(d.msg, "line 4: indent 4 spaces at once");
	assert_int_equal(fseek(tmp, 0, SEEK_END), 0);
	assert_int_equal(ftell(tmp), 0);
	fclose(tmp);
	free(path);
}

/* ---- the examples in config/ ---- */

static const struct {
	const char *name;
	uint32_t city;
	const char *peer;
} example_nodes[] = {
        {"shanghai", 310000, "tcp://127.0.0.1:7401"},
        {"hangzhou", 330100, "tcp://127.0.0.1:7411"},
        {"hefei", 340100, "tcp://127.0.0.1:7421"},
        {"suzhou", 320500, "tcp://127.0.0.1:7431"},
};

#define N_EXAMPLES (sizeof(example_nodes) / sizeof(example_nodes[0]))

static void test_examples(void **state)
{
	(void)state;
	yx_config_t *cfg[N_EXAMPLES] = {0};
	char *text[N_EXAMPLES] = {0};
	size_t n = 0, links = 0;
	char **all = list_dir(examples_dir, "", ".zpl", &n);

	/* Every example in config/ loads, whatever its name. */
	assert_true(n >= N_EXAMPLES);
	for (size_t i = 0; i < n; i++) {
		char *path = join(examples_dir, all[i]);
		yx_config_t *c = load_ok(path);
		yx_config_free(&c);
		free(path);
	}
	free_list(all);

	for (size_t i = 0; i < N_EXAMPLES; i++) {
		char file[64];
		snprintf(file, sizeof(file), "%s.zpl", example_nodes[i].name);
		char *path = join(examples_dir, file);
		cfg[i] = load_ok(path);
		text[i] = read_all(path, NULL);
		assert_string_equal(cfg[i]->name, example_nodes[i].name);
		assert_int_equal(cfg[i]->city, example_nodes[i].city);
		assert_string_equal(cfg[i]->peer_endpoint, example_nodes[i].peer);
		free(path);
	}
	/* A consistent federation: every link is configured at both ends, each end names
	 * the other's listen/peer, and a node's key is the same in every config that lists
	 * it and in the comment of its own file. */
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		for (size_t p = 0; p < cfg[i]->n_peers; p++) {
			const yx_peer_conf_t *peer = &cfg[i]->peers[p];
			size_t j;
			char key_text[YX_PUBKEY_TEXT_LEN + 1], line[128];
			for (j = 0; j < N_EXAMPLES && strcmp(cfg[j]->name, peer->name) != 0; j++)
				;
			assert_true(j < N_EXAMPLES);
			assert_string_equal(peer->endpoint, cfg[j]->peer_endpoint);
			assert_non_null(yx_config_peer_by_name(cfg[j], cfg[i]->name));
			yx_pubkey_format(peer->key, key_text);
			snprintf(line, sizeof(line), "# Example public key of this node: %s\n",
			         key_text);
			assert_non_null(strstr(text[j], line));
			links++;
		}
	}
	/* shanghai–hangzhou, hangzhou–hefei, suzhou–shanghai, each counted at both ends */
	assert_int_equal(links, 6);
	assert_non_null(yx_config_peer_by_name(cfg[0], "hangzhou"));
	assert_non_null(yx_config_peer_by_name(cfg[1], "hefei"));
	assert_non_null(yx_config_peer_by_name(cfg[3], "shanghai"));
	/* Suzhou's node serves Suzhou Industrial Park on its feed. */
	const yx_park_conf_t *sip = yx_config_park_by_name(cfg[3], "suzhou-sip");
	assert_non_null(sip);
	assert_string_equal(sip->park_id, "SZ-PARK-SIP");
	assert_ptr_equal(yx_config_park_by_key(cfg[3], sip->key), sip);
	assert_null(yx_config_peer_by_key(cfg[3], sip->key));
	for (size_t i = 0; i < N_EXAMPLES; i++) {
		yx_config_free(&cfg[i]);
		free(text[i]);
	}
}

/* ---- trust-store edits ---- */

static void test_peer_add(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	uint8_t key[32];
	yx_config_t *cfg;

	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_OK);
	cfg = load_ok(s->path);
	assert_int_equal(cfg->n_peers, 2);
	const yx_peer_conf_t *p = yx_config_peer_by_name(cfg, "hefei");
	assert_non_null(p);
	assert_string_equal(p->endpoint, "tcp://127.0.0.1:7421");
	key_of(K3, key);
	assert_memory_equal(p->key, key, 32);
	assert_ptr_equal(yx_config_peer_by_key(cfg, key), p);
	assert_int_equal(p->share_mask, ALL_KINDS);
	/* What was there stays. */
	assert_non_null(yx_config_peer_by_name(cfg, "hangzhou"));
	assert_non_null(yx_config_park_by_name(cfg, "sip"));
	assert_string_equal(cfg->feed_endpoint, "tcp://127.0.0.1:7402");
	yx_config_free(&cfg);
	assert_int_equal(mode_of(s->path), 0600);

	assert_int_equal(yx_config_peer_add(s->path, "suzhou", "tcp://127.0.0.1:7431", K4,
	                                    "incubator, park", &d),
	                 YX_OK);
	assert_int_equal(yx_config_peer_add(s->path, "wuhu", "ipc:///run/yrdx/wuhu.ipc",
	                                    "7rq6Yxuxuv8b/FKHBNh8BJMszoyciFD+WRo/3N7Bzm0=", "none",
	                                    &d),
	                 YX_OK);
	cfg = load_ok(s->path);
	assert_int_equal(cfg->n_peers, 4);
	assert_int_equal(yx_config_peer_by_name(cfg, "suzhou")->share_mask,
	                 (1u << YX_KIND_INCUBATOR) | (1u << YX_KIND_PARK));
	assert_int_equal(yx_config_peer_by_name(cfg, "wuhu")->share_mask, 0);
	yx_config_free(&cfg);

	/* Comments: zconfig keeps column-0 comments (written back at the top) and drops
	 * indented and end-of-line ones; the rewrite explains each key from the schema. */
	snapshot(s);
	expect_msg(s->before, "# edit-base: a node the trust-store edit tests change.\n"
	                      "# Column-0 comments like these two lines survive an edit.\n");
	assert_null(strstr(s->before, "An indented comment"));
	assert_null(strstr(s->before, "end-of-line comment"));
	expect_msg(s->before, "    # Short name of this city node",
	           "        public_key = \"" K3 "\"\n", "        share = none\n");
	expect_unchanged(s);
}

/* Edits that must be refused, each leaving the file exactly as it was. */
static void test_edit_refused(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	snapshot(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "hangzhou", "tcp://127.0.0.1:7412", K3, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, s->path, "peers/hangzhou", "already configured");
	expect_unchanged(s);

	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K1, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "peers/hefei/public_key: \"" K1 "\"", "same key as peers/hangzhou");
	expect_unchanged(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", "abc", NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, s->path,
	           "peers/hefei/public_key: \"abc\": expected 44 characters of base64");
	expect_unchanged(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:70000", K3, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "peers/hefei/endpoint: \"tcp://127.0.0.1:70000\"");
	expect_unchanged(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, "enterprize", &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "peers/hefei/share: \"enterprize\"");
	expect_unchanged(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "he/fei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "peers/he/fei: a peer's name must be");
	expect_unchanged(s);

	assert_int_equal(
	        yx_config_peer_add(s->path, "shanghai", "tcp://127.0.0.1:7421", K3, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "peers/shanghai: a peer cannot have this node's own name");
	expect_unchanged(s);

	assert_int_equal(yx_config_park_add(s->path, "zhangjiang", "SH-PARK-ZJ", K1, false, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "parks/zhangjiang/public_key: \"" K1 "\"", "same key as peers/hangzhou");
	expect_unchanged(s);

	assert_int_equal(yx_config_park_add(s->path, "zhangjiang", "SH-PARK-ZJ", K2, false, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "parks/zhangjiang/public_key", "same key as parks/sip");
	expect_unchanged(s);

	assert_int_equal(yx_config_park_add(s->path, "zhangjiang", "", K3, false, &d), YX_ECONFIG);
	expect_msg(d.msg, "parks/zhangjiang/park_id: \"\": must not be empty");
	expect_unchanged(s);

	assert_int_equal(yx_config_park_add(s->path, "sip", "SZ-PARK-SIP2", K3, false, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "parks/sip", "already configured");
	expect_unchanged(s);

	/* A peer key as a park key, the other way round. */
	assert_int_equal(
	        yx_config_peer_add(s->path, "suzhou", "tcp://127.0.0.1:7431", K2, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "parks/sip/public_key", "same key as peers/suzhou");
	expect_unchanged(s);
}

static void test_peer_remove(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	yx_config_t *cfg;

	assert_int_equal(yx_config_peer_remove(s->path, "hangzhou", &d), YX_OK);
	cfg = load_ok(s->path);
	assert_int_equal(cfg->n_peers, 0);
	assert_null(yx_config_peer_by_name(cfg, "hangzhou"));
	assert_int_equal(cfg->n_parks, 1);
	yx_config_free(&cfg);
	assert_int_equal(mode_of(s->path), 0600);

	snapshot(s);
	assert_int_equal(yx_config_peer_remove(s->path, "hangzhou", &d), YX_ENOTFOUND);
	expect_msg(d.msg, s->path, "peers/hangzhou: no such peer");
	expect_unchanged(s);
	/* A park is not a peer. */
	assert_int_equal(yx_config_peer_remove(s->path, "sip", &d), YX_ENOTFOUND);
	expect_unchanged(s);
}

static void test_park_add_remove(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	uint8_t key[32];
	yx_config_t *cfg;

	assert_int_equal(yx_config_park_add(s->path, "zhangjiang", "SH-PARK-ZJ", K4, false, &d),
	                 YX_OK);
	cfg = load_ok(s->path);
	assert_int_equal(cfg->n_parks, 2);
	key_of(K4, key);
	const yx_park_conf_t *p = yx_config_park_by_key(cfg, key);
	assert_non_null(p);
	assert_string_equal(p->name, "zhangjiang");
	assert_string_equal(p->park_id, "SH-PARK-ZJ");
	assert_null(yx_config_peer_by_key(cfg, key));
	yx_config_free(&cfg);

	assert_int_equal(yx_config_park_remove(s->path, "sip", &d), YX_OK);
	cfg = load_ok(s->path);
	assert_int_equal(cfg->n_parks, 1);
	assert_null(yx_config_park_by_name(cfg, "sip"));
	assert_int_equal(cfg->n_peers, 1);
	yx_config_free(&cfg);

	snapshot(s);
	assert_int_equal(yx_config_park_remove(s->path, "sip", &d), YX_ENOTFOUND);
	expect_msg(d.msg, "parks/sip: no such park");
	expect_unchanged(s);
	assert_int_equal(mode_of(s->path), 0600);
}

/* The rewritten file keeps the original's mode, whatever it was. */
static void test_edit_keeps_mode(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_OK);
	assert_int_equal(mode_of(s->path), 0600);
	assert_int_equal(chmod(s->path, 0640), 0);
	assert_int_equal(yx_config_peer_remove(s->path, "hefei", &d), YX_OK);
	assert_int_equal(mode_of(s->path), 0640);
}

/* A file that does not load is not edited, whatever the edit. */
static void test_edit_broken_file(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	write_all(s->path, "node\n   name = shanghai\n", 0600);
	snapshot(s);
	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, s->path, "cannot parse as ZPL", "line 2");
	expect_unchanged(s);

	write_all(s->path,
	          "node\n    name = shanghai\n    city = 999999\nlisten\n"
	          "    peer = tcp://127.0.0.1:7401\n",
	          0600);
	snapshot(s);
	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "node/city: \"999999\"");
	expect_unchanged(s);

	char *missing = join(s->dir, "missing.zpl");
	assert_int_equal(yx_config_peer_add(missing, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 -ENOENT);
	expect_msg(d.msg, "missing.zpl: no such file");
	assert_int_equal(access(missing, F_OK), -1);
	free(missing);
}

/* Editing through a symlink rewrites its target and keeps the link. */
static void test_edit_symlink(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	struct stat st;
	char *link_path = join(s->dir, "link.zpl");
	assert_int_equal(symlink("node.zpl", link_path), 0);
	assert_int_equal(
	        yx_config_peer_add(link_path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	        YX_OK);
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	yx_config_t *cfg = load_ok(s->path);
	assert_non_null(yx_config_peer_by_name(cfg, "hefei"));
	yx_config_free(&cfg);
	free(link_path);
}

static void test_write_new(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	char *path = join(s->dir, "new.zpl"), *other = join(s->dir, "other.zpl");
	char expect[YX_CONFIG_PATH_MAX + 32];
	size_t len0 = 0, len1 = 0;

	assert_int_equal(yx_config_write_new(path, "hefei", 340100, "tcp://0.0.0.0:7421",
	                                     "tcp://0.0.0.0:7422", NULL, NULL, &d),
	                 YX_OK);
	assert_int_equal(mode_of(path), 0600);
	yx_config_t *cfg = load_ok(path);
	assert_string_equal(cfg->name, "hefei");
	assert_int_equal(cfg->city, 340100);
	assert_string_equal(cfg->peer_endpoint, "tcp://0.0.0.0:7421");
	assert_string_equal(cfg->feed_endpoint, "tcp://0.0.0.0:7422");
	snprintf(expect, sizeof(expect), "%s/node.key", cfg->dir);
	assert_string_equal(cfg->key_file, expect);
	assert_int_equal(cfg->heartbeat_ms, 1000);
	assert_int_equal(cfg->credit, 32);
	assert_int_equal(cfg->n_peers + cfg->n_parks, 0);
	yx_config_free(&cfg);
	char *first = read_all(path, &len0);
	expect_msg(first, "# yrdx node configuration: 合肥 (340100), node \"hefei\"\n",
	           "    # GB/T 2260 code of this node's city", "    city = 340100    # 合肥\n",
	           "    feed = tcp://0.0.0.0:7422\n", "    metrics = \"\"\n");

	/* Never overwrites. */
	assert_int_equal(yx_config_write_new(path, "hefei", 340100, "tcp://0.0.0.0:7421", NULL,
	                                     NULL, NULL, &d),
	                 -EEXIST);
	expect_msg(d.msg, "new.zpl: already exists");

	/* Invalid values never reach a file. */
	assert_int_equal(yx_config_write_new(other, "hefei", 999999, "tcp://0.0.0.0:7421", NULL,
	                                     NULL, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "other.zpl: node/city: \"999999\"");
	assert_int_equal(
	        yx_config_write_new(other, "hefei", 340100, "tcp://0.0.0.0", NULL, NULL, NULL, &d),
	        YX_ECONFIG);
	expect_msg(d.msg, "listen/peer: \"tcp://0.0.0.0\": port missing");
	assert_int_equal(yx_config_write_new(other, "He Fei", 340100, "tcp://0.0.0.0:1", NULL, NULL,
	                                     NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "node/name: \"He Fei\"");
	assert_int_equal(access(other, F_OK), -1);

	/* Feed off by default; then the layout is stable under edits: adding and removing
	 * a peer gives back the very same bytes, header comments included. */
	assert_int_equal(yx_config_write_new(other, "wuhu", 340200, "tcp://127.0.0.1:7441", NULL,
	                                     NULL, NULL, &d),
	                 YX_OK);
	cfg = load_ok(other);
	assert_string_equal(cfg->feed_endpoint, "");
	assert_string_equal(cfg->metrics_addr, ""); /* metrics off by default too */
	yx_config_free(&cfg);

	/* listen/metrics as given (yrdxctl init --metrics), checked like any HOST:PORT. */
	char *metered = join(s->dir, "metered.zpl");
	assert_int_equal(yx_config_write_new(metered, "wuhu", 340200, "tcp://127.0.0.1:7441", NULL,
	                                     NULL, "127.0.0.1:9108", &d),
	                 YX_OK);
	cfg = load_ok(metered);
	assert_string_equal(cfg->metrics_addr, "127.0.0.1:9108");
	yx_config_free(&cfg);
	unlink(metered);
	assert_int_equal(yx_config_write_new(metered, "wuhu", 340200, "tcp://127.0.0.1:7441", NULL,
	                                     NULL, "9108", &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "listen/metrics: \"9108\"");
	assert_int_equal(access(metered, F_OK), -1);
	free(metered);
	assert_int_equal(yx_config_peer_add(path, "hangzhou", "tcp://127.0.0.1:7411", K1, NULL, &d),
	                 YX_OK);
	assert_int_equal(yx_config_park_add(path, "hf-park", "HF-PARK-1", K2, false, &d), YX_OK);
	assert_int_equal(yx_config_park_remove(path, "hf-park", &d), YX_OK);
	assert_int_equal(yx_config_peer_remove(path, "hangzhou", &d), YX_OK);
	char *again = read_all(path, &len1);
	assert_int_equal(len0, len1);
	assert_string_equal(first, again);
	assert_int_equal(mode_of(path), 0600);
	free(first);
	free(again);
	free(path);
	free(other);
}

/* A config with node/map_size = value (written as given) in s->dir/size.zpl. */
static char *size_config(scratch_t *s, const char *value)
{
	char *path = join(s->dir, "size.zpl"), *text = NULL;
	assert_true(asprintf(&text,
	                     "node\n    name = shanghai\n    city = 310000\n"
	                     "    map_size = %s\nlisten\n    peer = tcp://127.0.0.1:7401\n",
	                     value) > 0);
	write_all(path, text, 0600);
	free(text);
	return path;
}

/* node/map_size: sizes with and without units load to bytes and print in the largest
 * exact unit (and that print loads back); bad ones are refused naming file, key and
 * value; the default is 16 GiB; yx_config_write_new takes one. */
static void test_map_size(void **state)
{
	scratch_t *s = *state;
	static const struct {
		const char *text;
		uint64_t bytes;
		const char *printed;
	} good[] = {
	        {"16G", (uint64_t)16 << 30, "16G"}, {"64M", 64u << 20, "64M"},
	        {"1536MiB", 1536u << 20, "1536M"},  {"2gb", (uint64_t)2 << 30, "2G"},
	        {"1048576", 1u << 20, "1M"},        {"1048577", 1048577, "1048577"},
	        {"3072k", 3u << 20, "3M"},          {"64T", (uint64_t)64 << 40, "64T"},
	        {"\"512M\"", 512u << 20, "512M"},
	};
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
	        {"12x", "expected a size in bytes, or with K, M, G or T"},
	        {"16 G", "expected a size in bytes"},
	        {"G", "expected a size in bytes"},
	        {"-5M", "expected a size in bytes"},
	        {"1.5G", "expected a size in bytes"},
	        {"16GiBs", "expected a size in bytes"},
	        {"1023K", "must be from 1M to 64T"},
	        {"0", "must be from 1M to 64T"},
	        {"65T", "must be from 1M to 64T"},
	        {"99999999999999999999", "expected a size in bytes"},
	        {"18014398509481984K", "expected a size in bytes"}, /* 2^54 K: 2^64 bytes */
	};
	char want[256];
	yx_diag_t d = {{0}};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *path = size_config(s, good[i].text);
		yx_config_t *cfg = load_ok(path);
		assert_int_equal(cfg->map_size, good[i].bytes);
		char *printed = print_cfg(cfg);
		snprintf(want, sizeof(want), "\n    map_size = %s\n", good[i].printed);
		if (!strstr(printed, want))
			fail_msg("%s: printed\n%s", good[i].text, printed);
		write_all(path, printed, 0600);
		yx_config_t *again = load_ok(path);
		assert_int_equal(again->map_size, good[i].bytes);
		yx_config_free(&again);
		yx_config_free(&cfg);
		free(printed);
		free(path);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = size_config(s, bad[i].text);
		yx_config_t *cfg = NULL;
		assert_int_equal(yx_config_load(path, &cfg, &d), YX_ECONFIG);
		assert_null(cfg);
		snprintf(want, sizeof(want), "%s: node/map_size: \"%s\": %s", path, bad[i].text,
		         bad[i].why);
		if (strncmp(d.msg, want, strlen(want)) != 0)
			fail_msg("%s: got\n  %s\nwanted\n  %s", bad[i].text, d.msg, want);
		free(path);
	}
	/* Default, and through yx_config_write_new (as yrdxctl init --map-size). */
	yx_config_t *cfg = load_ok(s->path);
	assert_int_equal(cfg->map_size, (uint64_t)16 << 30);
	yx_config_free(&cfg);
	char *made = join(s->dir, "made.zpl"), *refused = join(s->dir, "refused.zpl");
	assert_int_equal(yx_config_write_new(made, "hefei", 340100, "tcp://127.0.0.1:7421", NULL,
	                                     "256M", NULL, &d),
	                 YX_OK);
	cfg = load_ok(made);
	assert_int_equal(cfg->map_size, 256u << 20);
	yx_config_free(&cfg);
	char *text = read_all(made, NULL);
	expect_msg(text, "    # Most the store may hold (LMDB's map)", "    map_size = 256M\n");
	free(text);
	assert_int_equal(yx_config_write_new(refused, "hefei", 340100, "tcp://127.0.0.1:7421", NULL,
	                                     "lots", NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "refused.zpl: node/map_size: \"lots\": expected a size in bytes");
	assert_int_equal(access(refused, F_OK), -1);
	free(made);
	free(refused);
}

int main(void)
{
	/* tests/unit/test_config.c -> tests/data/config and config/ */
	char src[PATH_MAX - 32];
	snprintf(src, sizeof(src), "%s", __FILE__);
	char *slash = strrchr(src, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(src, ".");
	snprintf(data_dir, sizeof(data_dir), "%s/../data/config", src);
	snprintf(examples_dir, sizeof(examples_dir), "%s/../../config", src);

	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden),
	        cmocka_unit_test(test_print_round_trip),
	        cmocka_unit_test(test_full_values),
	        cmocka_unit_test(test_bad_inputs),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_parse_errors_stay_off_stdout),
	        cmocka_unit_test(test_examples),
	        cmocka_unit_test_setup_teardown(test_peer_add, scratch_setup, scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_edit_refused, scratch_setup, scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_peer_remove, scratch_setup, scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_park_add_remove, scratch_setup,
	                                        scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_edit_keeps_mode, scratch_setup,
	                                        scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_edit_broken_file, scratch_setup,
	                                        scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_edit_symlink, scratch_setup, scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_write_new, scratch_setup, scratch_teardown),
	        cmocka_unit_test_setup_teardown(test_map_size, scratch_setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
