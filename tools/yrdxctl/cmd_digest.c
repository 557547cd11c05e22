/* digest, verify: read-only looks at the store, with or without the daemon running. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "table.h"
#include "yrdxctl.h"

int cmd_digest(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE digest [--json]\n"
	        "Prints the store's digest (equal on every node holding the same changes) and\n"
	        "each origin's tip: sequence number and chain hash.\n";
	yx_store_t *store = NULL;
	yx_vector_t vec;
	uint8_t digest[YX_HASH_BYTES];
	char hex[2 * YX_HASH_BYTES + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 1)
		return ctl_fail(EXIT_USAGE, "digest: no arguments expected");
	int rc = ctl_open_store(ctl, &store);
	if (rc || (rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	int ret = yx_store_digest(store, digest);
	if (ret == YX_OK)
		ret = yx_store_vector(store, &vec);
	yx_store_close(&store);
	if (ret)
		return ctl_fail(EXIT_FAIL, "digest: %s", yx_strerror(ret));
	ctl_hex(digest, YX_HASH_BYTES, hex);
	json_t *origins = json_array();
	char(*names)[YX_NAME_LABEL_MAX] = calloc(vec.n ? vec.n : 1, YX_NAME_LABEL_MAX);
	int width = 0;
	if (!names) {
		yx_vector_free(&vec);
		json_decref(origins);
		return ctl_fail(EXIT_FAIL, "out of memory");
	}
	/* the key is printed beside the name anyway: a key nobody names is "-" */
	for (size_t i = 0; i < vec.n; i++) {
		yx_node_name_t nn;
		if (yx_names_lookup(ctl->names, vec.tips[i].origin, &nn))
			ctl_label(ctl, vec.tips[i].origin, YX_NAME_LONG, names[i]);
		else
			snprintf(names[i], YX_NAME_LABEL_MAX, "-");
		if (text_width(names[i]) > width)
			width = text_width(names[i]);
	}
	if (!ctl->json)
		printf("digest %s (%zu origin%s)\n", hex, vec.n, vec.n == 1 ? "" : "s");
	for (size_t i = 0; i < vec.n; i++) {
		char key[YX_PUBKEY_TEXT_LEN + 1], h[2 * YX_HASH_BYTES + 1];
		yx_pubkey_format(vec.tips[i].origin, key);
		ctl_hex(vec.tips[i].hash, YX_HASH_BYTES, h);
		if (ctl->json) {
			json_t *o = json_pack("{s:I, s:s}", "seq", (json_int_t)vec.tips[i].seq,
			                      "hash", h);
			yx_names_json_set(ctl->names, o, "origin", "name", "city",
			                  vec.tips[i].origin);
			json_array_append_new(origins, o);
			continue;
		}
		fputs("  ", stdout);
		text_pad(stdout, names[i], width + 2);
		printf("%s  seq %-10llu hash %.16s\n", key, (unsigned long long)vec.tips[i].seq, h);
	}
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:o}", "digest", hex, "origins", origins));
	else
		json_decref(origins);
	free(names);
	yx_vector_free(&vec);
	return EXIT_OK;
}

int cmd_verify(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE verify\n"
	        "Re-checks every change digest, chain link and signed head of every origin in\n"
	        "the store and reports the first fault precisely (origin and seq).\n";
	yx_store_t *store = NULL;
	yx_vector_t vec;
	yx_diag_t diag = {{0}};
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	int ret = yx_store_verify(store, &diag);
	unsigned long long changes = 0;
	size_t origins = 0;
	if (ret == YX_OK && yx_store_vector(store, &vec) == YX_OK) {
		for (size_t i = 0; i < vec.n; i++)
			changes += vec.tips[i].seq;
		origins = vec.n;
		yx_vector_free(&vec);
	}
	yx_store_close(&store);
	if (ret) {
		if (ctl->json)
			ctl_print_json(json_pack("{s:b, s:s}", "ok", 0, "fault", diag.msg));
		return ctl_fail(EXIT_FAIL, "verify: %s", diag.msg[0] ? diag.msg : yx_strerror(ret));
	}
	if (ctl->json)
		ctl_print_json(json_pack("{s:b, s:I, s:I}", "ok", 1, "origins", (json_int_t)origins,
		                         "changes", (json_int_t)changes));
	else
		printf("ok: %llu changes of %zu origin%s verified\n", changes, origins,
		       origins == 1 ? "" : "s");
	return EXIT_OK;
}
