/* keygen, pubkey: node identities, and a node's next key for a key rotation. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "yrdxctl.h"

/* The next key file named by the config's key_file into path (cap bytes); an exit code. */
static int next_path(ctl_t *ctl, char *path, size_t cap)
{
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	if (!yx_key_next_path(ctl->cfg->key_file, path, cap))
		return ctl_fail(EXIT_USAGE, "keygen --next: %s: path too long", ctl->cfg->key_file);
	return EXIT_OK;
}

/* A next key that is there already is not replaced: a rotation proposal may name it. */
static int next_exists(const char *path)
{
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	char pub[YX_PUBKEY_TEXT_LEN + 1];
	if (yx_identity_load(path, &id, &diag) != YX_OK)
		return ctl_fail(EXIT_FAIL, "keygen --next: %s exists and is no key: %s", path,
		                diag.msg);
	yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	return ctl_fail(EXIT_FAIL,
	                "keygen --next: %s holds a next key already (%s), which a rotation "
	                "proposal may name; refusing to replace it (remove it first if no "
	                "proposal names it)",
	                path, pub);
}

int cmd_keygen(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl keygen FILE\n"
	        "       yrdxctl -c FILE keygen --next\n"
	        "Generates an Ed25519 node key into FILE (mode 0600, never overwritten) and "
	        "prints its public key.\n"
	        "With --next, the node's next key, beside its key file (node/key_file + "
	        "\".next\"):\n"
	        "the key a key rotation proposal names. The node goes on signing with its "
	        "key until\n"
	        "the federation's charter adopts the rotation; then yrdxd takes the next key "
	        "for\n"
	        "node/key_file and keeps the one before as key_file + \".old\". Its log keeps "
	        "its\n"
	        "identity, the first key.\n";
	yx_identity_t *id = NULL;
	char pub[YX_PUBKEY_TEXT_LEN + 1], next[YX_CONFIG_PATH_MAX + 8];
	const char *path = argc == 2 ? argv[1] : NULL;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "keygen: expected one FILE or --next (see --help)");
	if (strcmp(argv[1], "--next") == 0) {
		int rc = next_path(ctl, next, sizeof(next));
		if (rc)
			return rc;
		if (access(next, F_OK) == 0)
			return next_exists(next);
		path = next;
	}
	int ret = yx_identity_generate(&id);
	if (ret == YX_OK)
		ret = yx_identity_save(id, path);
	if (ret) {
		yx_identity_free(&id);
		return ctl_fail(EXIT_FAIL, "keygen %s: %s", path,
		                ret == -EEXIST ? "file exists; refusing to overwrite a key"
		                               : yx_strerror(ret));
	}
	yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:s}", "key_file", path, "public_key", pub));
	} else {
		printf("%s\n", pub);
	}
	return EXIT_OK;
}

int cmd_pubkey(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] = "usage: yrdxctl -c FILE pubkey | yrdxctl pubkey KEYFILE\n"
	                           "Prints the node's public key in its one text form (base64).\n";
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	char pub[YX_PUBKEY_TEXT_LEN + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	const char *path = argc == 2 ? argv[1] : NULL;
	if (!path) {
		int rc = ctl_need_config(ctl);
		if (rc)
			return rc;
		path = ctl->cfg->key_file;
	}
	int ret = yx_identity_load(path, &id, &diag);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s", diag.msg);
	yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	if (ctl->json)
		ctl_print_json(json_pack("{s:s}", "public_key", pub));
	else
		printf("%s\n", pub);
	return EXIT_OK;
}
