/* config edits: the trust store changed in place (yx_config_peer_add and the others), on
 * scratch copies of tests/data/config/edit-base.zpl: what an edit writes, what it refuses
 * (leaving the file byte for byte as it was), and writing a new config. */
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
	char *src = fx_path(conf_data_dir, "edit-base.zpl");
	char *text = fx_read_file(src, NULL);
	assert_non_null(s);
	assert_non_null(text);
	s->dir = fx_tmpdir("config");
	s->path = fx_path(s->dir, "node.zpl");
	fx_write_file(s->path, text, 0600);
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
	s->before = fx_read_file(s->path, &s->before_len);
	assert_non_null(s->before);
}

/* The file is byte for byte what snapshot saw, and no temporary file was left. */
static void expect_unchanged_at(const scratch_t *s, int line)
{
	size_t len = 0;
	char *now = fx_read_file(s->path, &len);
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

/* ---- trust-store edits ---- */

static void test_peer_add(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	uint8_t key[32];
	yx_config_t *cfg;

	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_OK);
	cfg = conf_load_ok(s->path);
	assert_int_equal(cfg->n_peers, 2);
	const yx_peer_conf_t *p = yx_config_peer_by_name(cfg, "hefei");
	assert_non_null(p);
	assert_string_equal(p->endpoint, "tcp://127.0.0.1:7421");
	conf_key_of(K3, key);
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
	cfg = conf_load_ok(s->path);
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
	cfg = conf_load_ok(s->path);
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
	cfg = conf_load_ok(s->path);
	assert_int_equal(cfg->n_parks, 2);
	conf_key_of(K4, key);
	const yx_park_conf_t *p = yx_config_park_by_key(cfg, key);
	assert_non_null(p);
	assert_string_equal(p->name, "zhangjiang");
	assert_string_equal(p->park_id, "SH-PARK-ZJ");
	assert_null(yx_config_peer_by_key(cfg, key));
	yx_config_free(&cfg);

	assert_int_equal(yx_config_park_remove(s->path, "sip", &d), YX_OK);
	cfg = conf_load_ok(s->path);
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
	fx_write_file(s->path, "node\n   name = shanghai\n", 0600);
	snapshot(s);
	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, s->path, "cannot parse as ZPL", "line 2");
	expect_unchanged(s);

	fx_write_file(s->path,
	              "node\n    name = shanghai\n    city = 999999\nlisten\n"
	              "    peer = tcp://127.0.0.1:7401\n",
	              0600);
	snapshot(s);
	assert_int_equal(yx_config_peer_add(s->path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	                 YX_ECONFIG);
	expect_msg(d.msg, "node/city: \"999999\"");
	expect_unchanged(s);

	char *missing = fx_path(s->dir, "missing.zpl");
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
	char *link_path = fx_path(s->dir, "link.zpl");
	assert_int_equal(symlink("node.zpl", link_path), 0);
	assert_int_equal(
	        yx_config_peer_add(link_path, "hefei", "tcp://127.0.0.1:7421", K3, NULL, &d),
	        YX_OK);
	assert_int_equal(lstat(link_path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	yx_config_t *cfg = conf_load_ok(s->path);
	assert_non_null(yx_config_peer_by_name(cfg, "hefei"));
	yx_config_free(&cfg);
	free(link_path);
}

static void test_write_new(void **state)
{
	scratch_t *s = *state;
	yx_diag_t d = {{0}};
	char *path = fx_path(s->dir, "new.zpl"), *other = fx_path(s->dir, "other.zpl");
	char expect[YX_CONFIG_PATH_MAX + 32];
	size_t len0 = 0, len1 = 0;

	assert_int_equal(yx_config_write_new(path, "hefei", 340100, "tcp://0.0.0.0:7421",
	                                     "tcp://0.0.0.0:7422", NULL, NULL, &d),
	                 YX_OK);
	assert_int_equal(mode_of(path), 0600);
	yx_config_t *cfg = conf_load_ok(path);
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
	char *first = fx_read_file(path, &len0);
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
	cfg = conf_load_ok(other);
	assert_string_equal(cfg->feed_endpoint, "");
	assert_string_equal(cfg->metrics_addr, ""); /* metrics off by default too */
	yx_config_free(&cfg);

	/* listen/metrics as given (yrdxctl init --metrics), checked like any HOST:PORT. */
	char *metered = fx_path(s->dir, "metered.zpl");
	assert_int_equal(yx_config_write_new(metered, "wuhu", 340200, "tcp://127.0.0.1:7441", NULL,
	                                     NULL, "127.0.0.1:9108", &d),
	                 YX_OK);
	cfg = conf_load_ok(metered);
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
	char *again = fx_read_file(path, &len1);
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
	char *path = fx_path(s->dir, "size.zpl"), *text = NULL;
	assert_true(asprintf(&text,
	                     "node\n    name = shanghai\n    city = 310000\n"
	                     "    map_size = %s\nlisten\n    peer = tcp://127.0.0.1:7401\n",
	                     value) > 0);
	fx_write_file(path, text, 0600);
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
		yx_config_t *cfg = conf_load_ok(path);
		assert_int_equal(cfg->map_size, good[i].bytes);
		char *printed = conf_print(cfg);
		snprintf(want, sizeof(want), "\n    map_size = %s\n", good[i].printed);
		if (!strstr(printed, want))
			fail_msg("%s: printed\n%s", good[i].text, printed);
		fx_write_file(path, printed, 0600);
		yx_config_t *again = conf_load_ok(path);
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
	yx_config_t *cfg = conf_load_ok(s->path);
	assert_int_equal(cfg->map_size, (uint64_t)16 << 30);
	yx_config_free(&cfg);
	char *made = fx_path(s->dir, "made.zpl"), *refused = fx_path(s->dir, "refused.zpl");
	assert_int_equal(yx_config_write_new(made, "hefei", 340100, "tcp://127.0.0.1:7421", NULL,
	                                     "256M", NULL, &d),
	                 YX_OK);
	cfg = conf_load_ok(made);
	assert_int_equal(cfg->map_size, 256u << 20);
	yx_config_free(&cfg);
	char *text = fx_read_file(made, NULL);
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
	conf_paths_init(__FILE__);
	const struct CMUnitTest tests[] = {
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
