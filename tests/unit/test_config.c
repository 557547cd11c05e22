/* config: golden files for what loads, one file per way a config can be wrong, and the
 * example configs in config/ (trust-store edits: test_config_edit.c).
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
#include "config_fx.h"
#include "fixtures.h"
#include "keys.h"

/* ---- helpers ---- */

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

/* ---- loading ---- */

/* Every good-*.zpl prints exactly its golden file. */
static void test_golden(void **state)
{
	(void)state;
	size_t n = 0;
	char **names = list_dir(conf_data_dir, "good-", ".zpl", &n);
	bool update =
	        getenv("YRDX_UPDATE_GOLDEN") && strcmp(getenv("YRDX_UPDATE_GOLDEN"), "1") == 0;
	int bad = 0;
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		char *path = fx_path(conf_data_dir, names[i]);
		yx_config_t *cfg = conf_load_ok(path);
		char *printed = conf_print(cfg);
		char *stable = replace_all(printed, cfg->dir, "@DIR@");
		char *golden_path = NULL;
		assert_true(asprintf(&golden_path, "%.*s.golden", (int)strlen(path) - 4, path) > 0);
		if (update) {
			fx_write_file(golden_path, stable, 0644);
			printf("wrote %s\n", golden_path);
		} else {
			char *golden = fx_read_file(golden_path, NULL);
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
	char **names = list_dir(conf_data_dir, "good-", ".zpl", &n);
	char *dir = fx_tmpdir("config-rt");
	char *copy = fx_path(dir, "printed.zpl");
	for (size_t i = 0; i < n; i++) {
		char *path = fx_path(conf_data_dir, names[i]);
		yx_config_t *a = conf_load_ok(path), *b = NULL;
		char *first = conf_print(a);
		fx_write_file(copy, first, 0600);
		b = conf_load_ok(copy);
		char *second = conf_print(b);
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
	char *path = fx_path(conf_data_dir, "good-full.zpl");
	yx_config_t *cfg = conf_load_ok(path);
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
	conf_key_of(K3, key);
	assert_ptr_equal(yx_config_peer_by_key(cfg, key), yx_config_peer_by_name(cfg, "suzhou"));
	assert_null(yx_config_park_by_key(cfg, key));
	conf_key_of("b9LA8niLb75e53dAJNSDoV4hfCOFnZccGe0oz70z35k=", key);
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
	char **files = list_dir(conf_data_dir, "bad-", ".zpl", &n_files);
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
		char *path = fx_path(conf_data_dir, bad_cases[i].file);
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
	char *path = fx_path(dir, "shanghai.zpl");
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
	char *path = fx_path(conf_data_dir, "bad-indent.zpl");
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
	char **all = list_dir(conf_examples_dir, "", ".zpl", &n);

	/* Every example in config/ loads, whatever its name. */
	assert_true(n >= N_EXAMPLES);
	for (size_t i = 0; i < n; i++) {
		char *path = fx_path(conf_examples_dir, all[i]);
		yx_config_t *c = conf_load_ok(path);
		yx_config_free(&c);
		free(path);
	}
	free_list(all);

	for (size_t i = 0; i < N_EXAMPLES; i++) {
		char file[64];
		snprintf(file, sizeof(file), "%s.zpl", example_nodes[i].name);
		char *path = fx_path(conf_examples_dir, file);
		cfg[i] = conf_load_ok(path);
		text[i] = fx_read_file(path, NULL);
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

int main(void)
{
	conf_paths_init(__FILE__);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_golden),
	        cmocka_unit_test(test_print_round_trip),
	        cmocka_unit_test(test_full_values),
	        cmocka_unit_test(test_bad_inputs),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_parse_errors_stay_off_stdout),
	        cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
