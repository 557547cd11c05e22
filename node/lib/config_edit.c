/* config_edit: the files this module writes: trust-store edits (peer and park add and
 * remove) and a new node's first file. Each is a ZPL tree that is written out, loaded
 * back and validated exactly as yx_config_load would, and only then put in place
 * atomically, through a temporary file in the same directory. */
#include <assert.h>
#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "fileio.h"
#include "validate.h"

/* ---- writing files ---- */

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
	config_tree_write(f, root);
	if (fclose(f) != 0 || !text) {
		free(text);
		return -ENOMEM;
	}
	if (!(again = config_zpl_parse(text, len, why, sizeof(why)))) {
		ret = yx_diag_set(diag, YX_ECONFIG, "%s: the rewritten file would not parse: %s",
		                  file, why);
		goto out;
	}
	if ((ret = config_from_tree(again, file, abs, dir, &cfg, diag)) != YX_OK)
		goto out;
	ret = yx_file_install(target, text, len, orig, file, diag);
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
	const section_t *sec = &config_sections[ed->sec];
	char abs[YX_CONFIG_PATH_MAX], dir[YX_CONFIG_PATH_MAX], target[PATH_MAX], lockdir[PATH_MAX];
	char key[KEY_PATH_MAX];
	ctx_t c = {path, NULL, diag};
	zconfig_t *root = NULL;
	struct stat st;
	int ret, lfd = -1;

	assert(path && ed->name);
	config_key_path(key, sec->name, ed->name);
	if (!yx_config_name_ok(ed->name))
		return config_fail(&c, key, NULL, "a %s's name must be " NAME_RULE, sec->entry);
	/* Write where a symlink at path points, so the link stays; resolve relative paths
	 * as the loader does, from path's own directory. */
	if ((ret = config_path_locate(path, abs, dir)) != YX_OK)
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
	if ((ret = config_tree_load(path, &root, &st, diag)) != YX_OK)
		goto out;
	zconfig_t *section = child_named(root, sec->name);
	zconfig_t *entry = child_named(section, ed->name);
	if (ed->add) {
		if (entry) {
			ret = config_fail(&c, key, NULL,
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
                        const char *metrics, yx_diag_t *diag)
{
	char abs[YX_CONFIG_PATH_MAX], dir[YX_CONFIG_PATH_MAX], city_text[16];
	const char *city_name = yx_city_name(city);
	zconfig_t *root = NULL;
	struct stat st;
	int ret;

	assert(path && name && peer_endpoint);
	if ((ret = config_path_locate(path, abs, dir)) != YX_OK)
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
		const section_t *sec = &config_sections[s];
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
			else if (s == SEC_LISTEN && strcmp(it->name, "metrics") == 0 && metrics)
				v = metrics;
			zconfig_t *kv = zconfig_new(it->name, node);
			assert(kv);
			zconfig_set_value(kv, "%s", v ? v : "");
		}
	}
	ret = tree_install(root, path, abs, abs, dir, NULL, diag);
	zconfig_destroy(&root);
	return ret;
}
