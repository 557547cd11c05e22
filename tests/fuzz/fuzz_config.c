/* Fuzz harness: a node's configuration file as yrdxd and yrdxctl load it — ZPL parsed from
 * memory, then validated and built by the same loader yx_config_load runs on a file's
 * text. A configuration that loads must print as ZPL that loads back to the same one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parses text as the file /fuzz/node.zpl would be. YX_OK with *out, or an error. */
static int load_text(const char *text, size_t len, yx_config_t **out)
{
	char why[300];
	yx_diag_t diag = {{0}};
	zconfig_t *root = config_zpl_parse(text, len, why, sizeof(why));
	if (!root)
		return YX_ECONFIG;
	int ret = config_from_tree(root, "node.zpl", "/fuzz/node.zpl", "/fuzz", out, &diag);
	zconfig_destroy(&root);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yx_config_t *cfg = NULL, *again = NULL;
	char *printed = NULL, *reprinted = NULL;
	size_t printed_len = 0, reprinted_len = 0;
	FILE *out = NULL;

	if (load_text((const char *)data, size, &cfg) != YX_OK)
		goto out;
	/* The normalised print loads back, and prints the same again. */
	if (!(out = open_memstream(&printed, &printed_len)) || yx_config_print(cfg, out) != YX_OK)
		goto out;
	fclose(out);
	out = NULL;
	if (load_text(printed, printed_len, &again) != YX_OK) {
		fprintf(stderr, "printed configuration does not load back:\n%s", printed);
		abort();
	}
	if (!(out = open_memstream(&reprinted, &reprinted_len)) ||
	    yx_config_print(again, out) != YX_OK)
		goto out;
	fclose(out);
	out = NULL;
	if (printed_len != reprinted_len || memcmp(printed, reprinted, printed_len) != 0) {
		fprintf(stderr, "printed configuration changes when loaded back:\n%s\n--\n%s",
		        printed, reprinted);
		abort();
	}
out:
	if (out)
		fclose(out);
	free(printed);
	free(reprinted);
	yx_config_free(&again);
	yx_config_free(&cfg);
	return 0;
}
