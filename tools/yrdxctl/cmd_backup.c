/* backup: a consistent, compacted hot copy of the store while the node runs. */
#include <errno.h>
#include <stdio.h>

#include "yrdxctl.h"

int cmd_backup(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE backup DEST\n"
	        "Writes a consistent, compacted copy of the node's store into directory DEST\n"
	        "(one LMDB snapshot; the running node keeps reading and writing), then opens the\n"
	        "copy and checks it: every chain and signature, and the digest.\n";
	yx_store_t *store = NULL, *copy = NULL;
	yx_diag_t diag = {{0}};
	uint8_t d1[YX_HASH_BYTES];
	char hex[2 * YX_HASH_BYTES + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "backup: expected DEST (see --help)");
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	int ret = yx_store_backup(store, argv[1], &diag);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(ret == -EEXIST ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	ret = yx_store_open(argv[1], YX_STORE_READONLY, 0, &copy, &diag);
	if (ret == YX_OK)
		ret = yx_store_verify(copy, &diag);
	if (ret == YX_OK)
		ret = yx_store_digest(copy, d1);
	yx_store_close(&copy);
	if (ret)
		return ctl_fail(EXIT_FAIL, "backup %s does not verify: %s", argv[1],
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	ctl_hex(d1, YX_HASH_BYTES, hex);
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:s}", "backup", argv[1], "digest", hex));
	else
		printf("backup %s verified, digest %s\n", argv[1], hex);
	return EXIT_OK;
}
