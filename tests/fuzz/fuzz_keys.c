/* Fuzz harness: a node's key file as yrdxd and yrdxctl load it (the file is written to a
 * private temporary directory: the loader checks the file's mode, so it takes a path),
 * and a public key's text form as the config and the command line give it. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One file for the whole process, rewritten for every input. */
static char path[256], made[256]; /* the input's file, and its directory */

static void scratch_remove(void)
{
	unlink(path);
	rmdir(made);
}

static const char *key_path(void)
{
	if (!path[0]) {
		/* In memory where there is /dev/shm: a file per input, millions of them. */
		char shm[] = "/dev/shm/yrdx-fuzz-keys-XXXXXX", tmp[] = "/tmp/yrdx-fuzz-keys-XXXXXX";
		const char *dir = mkdtemp(shm) ? shm : mkdtemp(tmp);
		if (!dir)
			abort();
		snprintf(made, sizeof(made), "%s", dir);
		snprintf(path, sizeof(path), "%s/node.key", dir);
		atexit(scratch_remove);
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file = key_path();
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	uint8_t key[32];

	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (yx_identity_load(file, &id, &diag) == YX_OK) {
		/* What loaded is a working key: it signs, and its signature verifies. */
		uint8_t sig[YX_SIG_BYTES];
		yx_identity_sign(id, data, size, sig);
		if (yx_signature_verify(yx_identity_public(id), data, size, sig) != YX_OK)
			abort();
		yx_identity_free(&id);
	}

	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (yx_pubkey_parse(text, key, &diag) == YX_OK) {
		char back[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(key, back);
		uint8_t again[32];
		if (yx_pubkey_parse(back, again, &diag) != YX_OK || memcmp(key, again, 32) != 0)
			abort();
	}
	free(text);
	return 0;
}
