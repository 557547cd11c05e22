/* keygen, pubkey: node identities. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "yrdxctl.h"

int cmd_keygen(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] = "usage: yrdxctl keygen FILE\n"
	                           "Generates an Ed25519 node key into FILE (mode 0600, never "
	                           "overwritten) and prints its public key.\n";
	yx_identity_t *id = NULL;
	char pub[YX_PUBKEY_TEXT_LEN + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "keygen: expected one FILE (see --help)");
	int ret = yx_identity_generate(&id);
	if (ret == YX_OK)
		ret = yx_identity_save(id, argv[1]);
	if (ret) {
		yx_identity_free(&id);
		return ctl_fail(EXIT_FAIL, "keygen %s: %s", argv[1],
		                ret == -EEXIST ? "file exists; refusing to overwrite a key"
		                               : yx_strerror(ret));
	}
	yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:s}", "key_file", argv[1], "public_key", pub));
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
