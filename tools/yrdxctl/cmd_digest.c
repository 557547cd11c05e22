/* digest, verify: read-only looks at the store, with or without the daemon running. */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "yrdxctl.h"

int cmd_digest(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE digest [--json]\n"
	        "Prints the store's digest (equal on every node holding the same changes) and\n"
	        "each origin's tip: sequence number and chain hash.\n";
	yx_store_t *store = NULL;
	yx_vector_t vec;
	uint8_t digest[YX_HASH_BYTES], self[32];
	char hex[2 * YX_HASH_BYTES + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 1)
		return ctl_fail(EXIT_USAGE, "digest: no arguments expected");
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	bool have_self = yx_store_node_key(store, self) == YX_OK;
	int ret = yx_store_digest(store, digest);
	if (ret == YX_OK)
		ret = yx_store_vector(store, &vec);
	if (ret) {
		yx_store_close(&store);
		return ctl_fail(EXIT_FAIL, "digest: %s", yx_strerror(ret));
	}
	ctl_hex(digest, YX_HASH_BYTES, hex);
	json_t *origins = json_array();
	if (!ctl->json)
		printf("digest %s (%zu origin%s)\n", hex, vec.n, vec.n == 1 ? "" : "s");
	for (size_t i = 0; i < vec.n; i++) {
		char key[YX_PUBKEY_TEXT_LEN + 1], h[2 * YX_HASH_BYTES + 1];
		yx_pubkey_format(vec.tips[i].origin, key);
		ctl_hex(vec.tips[i].hash, YX_HASH_BYTES, h);
		char name[64];
		ctl_node_label(ctl, vec.tips[i].origin, have_self ? self : NULL, name,
		               sizeof(name));
		if (ctl->json)
			json_array_append_new(origins,
			                      json_pack("{s:s, s:s, s:I, s:s}", "origin", key,
			                                "name", name, "seq",
			                                (json_int_t)vec.tips[i].seq, "hash", h));
		else
			printf("  %-14s %s  seq %-10llu hash %.16s\n", name, key,
			       (unsigned long long)vec.tips[i].seq, h);
	}
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:o}", "digest", hex, "origins", origins));
	else
		json_decref(origins);
	yx_vector_free(&vec);
	yx_store_close(&store);
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
