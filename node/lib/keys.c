#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct yx_identity {
	uint8_t public_key[crypto_sign_PUBLICKEYBYTES];
	uint8_t secret_key[crypto_sign_SECRETKEYBYTES]; /* seed || public, libsodium layout */
};

#define SEED_TEXT_LEN 44

int yx_crypto_init(void)
{
	return sodium_init() < 0 ? YX_ECRYPTO : YX_OK;
}

static yx_identity_t *identity_alloc(void)
{
	yx_identity_t *id = sodium_malloc(sizeof(*id));
	return id;
}

int yx_identity_generate(yx_identity_t **out)
{
	int ret = yx_crypto_init();
	if (ret)
		return ret;
	yx_identity_t *id = identity_alloc();
	if (!id)
		return -ENOMEM;
	crypto_sign_keypair(id->public_key, id->secret_key);
	*out = id;
	return YX_OK;
}

bool yx_key_next_path(const char *key_file, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s.next", key_file);
	return n > 0 && (size_t)n < cap;
}

void yx_identity_free(yx_identity_t **id)
{
	if (id && *id) {
		sodium_free(*id); /* sodium_free wipes before releasing */
		*id = NULL;
	}
}

const uint8_t *yx_identity_public(const yx_identity_t *id)
{
	return id->public_key;
}

void yx_pubkey_format(const uint8_t key[32], char out[YX_PUBKEY_TEXT_LEN + 1])
{
	sodium_bin2base64(out, YX_PUBKEY_TEXT_LEN + 1, key, 32, sodium_base64_VARIANT_ORIGINAL);
}

int yx_pubkey_parse(const char *text, uint8_t key[32], yx_diag_t *diag)
{
	size_t len = 0;
	const char *end = NULL;
	if (strlen(text) != YX_PUBKEY_TEXT_LEN ||
	    sodium_base642bin(key, 32, text, YX_PUBKEY_TEXT_LEN, NULL, &len, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != 32 || *end != '\0')
		return yx_diag_set(
		        diag, YX_EINVAL,
		        "public key \"%.60s\": expected %d characters of base64 (32 bytes)", text,
		        YX_PUBKEY_TEXT_LEN);
	return YX_OK;
}

int yx_identity_save(const yx_identity_t *id, const char *path)
{
	char seed[SEED_TEXT_LEN + 1], pub[YX_PUBKEY_TEXT_LEN + 1];
	int ret = YX_OK;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto out;
	}
	/* The seed is the first half of libsodium's secret key; the rest is derived. */
	sodium_bin2base64(seed, sizeof(seed), id->secret_key, crypto_sign_SEEDBYTES,
	                  sodium_base64_VARIANT_ORIGINAL);
	yx_pubkey_format(id->public_key, pub);
	fprintf(f,
	        "# yrdx node key (Ed25519 seed). Secret: keep this file mode 0600.\n"
	        "secret: %s\npublic: %s\n",
	        seed, pub);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		ret = -errno;
	if (fclose(f) != 0 && ret == YX_OK)
		ret = -errno;
out:
	sodium_memzero(seed, sizeof(seed));
	if (ret != YX_OK)
		unlink(path);
	return ret;
}

/* Finds "name: value" in the key file text, copying value (without newline) into out. */
static int key_field(const char *text, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	for (const char *line = text; line && *line;
	     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		const char *v = line + nlen + 1;
		while (*v == ' ')
			v++;
		size_t vlen = strcspn(v, "\r\n");
		if (vlen >= cap)
			return -1;
		memcpy(out, v, vlen);
		out[vlen] = '\0';
		return 0;
	}
	return -1;
}

int yx_identity_load(const char *path, yx_identity_t **out, yx_diag_t *diag)
{
	int ret = yx_crypto_init();
	char *text = NULL;
	char seed_text[SEED_TEXT_LEN + 8], pub_text[YX_PUBKEY_TEXT_LEN + 8];
	uint8_t seed[crypto_sign_SEEDBYTES], pub[32];
	yx_identity_t *id = NULL;
	struct stat st;
	int fd = -1;
	if (ret)
		return ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		ret = yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (st.st_mode & 077) {
		ret = yx_diag_set(
		        diag, YX_EKEYPERM,
		        "%s: key file mode is %04o; it must be readable by its owner only "
		        "(chmod 600 %s)",
		        path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_size > 4096) {
		ret = yx_diag_set(diag, YX_EKEY, "%s: %lld bytes is too large for a key file", path,
		                  (long long)st.st_size);
		goto out;
	}
	text = sodium_malloc((size_t)st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	ssize_t n = read(fd, text, (size_t)st.st_size);
	if (n < 0) {
		ret = yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	text[n] = '\0';
	size_t len = 0;
	if (key_field(text, "secret", seed_text, sizeof(seed_text)) != 0 ||
	    sodium_base642bin(seed, sizeof(seed), seed_text, strlen(seed_text), NULL, &len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != sizeof(seed)) {
		ret = yx_diag_set(diag, YX_EKEY,
		                  "%s: no valid \"secret:\" line (base64 of 32 bytes)", path);
		goto out;
	}
	id = identity_alloc();
	if (!id) {
		ret = -ENOMEM;
		goto out;
	}
	crypto_sign_seed_keypair(id->public_key, id->secret_key, seed);
	if (key_field(text, "public", pub_text, sizeof(pub_text)) == 0) {
		if (yx_pubkey_parse(pub_text, pub, NULL) != YX_OK ||
		    sodium_memcmp(pub, id->public_key, 32) != 0) {
			ret = yx_diag_set(diag, YX_EKEY,
			                  "%s: \"public:\" line does not match the secret key",
			                  path);
			goto out;
		}
	}
	*out = id;
	id = NULL;
out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(seed_text, sizeof(seed_text));
	if (text)
		sodium_free(text);
	if (fd >= 0)
		close(fd);
	yx_identity_free(&id);
	return ret;
}

void yx_identity_sign(const yx_identity_t *id, const uint8_t *msg, size_t len,
                      uint8_t sig[YX_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, id->secret_key);
}

int yx_identity_curve_keys(const yx_identity_t *id, uint8_t public_key[32], uint8_t secret_key[32])
{
	if (crypto_sign_ed25519_pk_to_curve25519(public_key, id->public_key) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(secret_key, id->secret_key) != 0)
		return YX_EKEY;
	return YX_OK;
}

int yx_identity_unseal(const yx_identity_t *id, const uint8_t *box, size_t len, uint8_t **plain,
                       size_t *plain_len)
{
	uint8_t cpk[32], csk[32];
	int ret = YX_ECRYPTO;
	uint8_t *buf = NULL;
	if (len < crypto_box_SEALBYTES)
		return YX_ECRYPTO;
	if (yx_identity_curve_keys(id, cpk, csk) != YX_OK)
		goto out;
	buf = malloc(len - crypto_box_SEALBYTES + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	if (crypto_box_seal_open(buf, box, len, cpk, csk) != 0)
		goto out;
	*plain = buf;
	*plain_len = len - crypto_box_SEALBYTES;
	buf = NULL;
	ret = YX_OK;
out:
	sodium_memzero(csk, sizeof(csk));
	free(buf);
	return ret;
}

int yx_pubkey_to_curve(const uint8_t ed25519[32], uint8_t x25519[32])
{
	return crypto_sign_ed25519_pk_to_curve25519(x25519, ed25519) == 0 ? YX_OK : YX_EKEY;
}

int yx_signature_verify(const uint8_t key[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[YX_SIG_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, key) == 0 ? YX_OK : YX_ESIG;
}

/* Tries one key file on the box: YX_OK (opened), YX_ECRYPTO (not for it), or the load's
 * error. */
static int unseal_with(const char *path, const uint8_t *box, size_t len, uint8_t **plain,
                       size_t *plain_len, yx_diag_t *diag)
{
	yx_identity_t *id = NULL;
	int ret = yx_identity_load(path, &id, diag);
	if (ret == YX_OK)
		ret = yx_identity_unseal(id, box, len, plain, plain_len);
	yx_identity_free(&id);
	return ret;
}

int yx_key_files_unseal(const char *key_file, const uint8_t *box, size_t len, uint8_t **plain,
                        size_t *plain_len, yx_diag_t *diag)
{
	char path[4096 + 16];
	int ret = unseal_with(key_file, box, len, plain, plain_len, diag);
	if (ret != YX_ECRYPTO)
		return ret;
	/* key_file.old, then key_file.old.1, .old.2 ...: the first missing one ends it */
	for (int n = 0; n < 1000; n++) {
		int w = n ? snprintf(path, sizeof(path), "%s.old.%d", key_file, n)
		          : snprintf(path, sizeof(path), "%s.old", key_file);
		yx_diag_t skip = {{0}};
		if (w < 0 || (size_t)w >= sizeof(path) || access(path, F_OK) != 0)
			break;
		/* one that cannot be read or is no key is passed over: the box may be for another
		 */
		if ((ret = unseal_with(path, box, len, plain, plain_len, &skip)) == YX_OK ||
		    ret == -ENOMEM)
			return ret;
	}
	return YX_ECRYPTO;
}
