/* keys: key files (owner-only, refused when open to others or malformed, each refusal
 * naming the file and what is wrong), the public key's text form, signatures, the CURVE
 * keys and sealed boxes. Real libsodium keys in scratch directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "keys.h"

/* RFC 8032 section 7.1, TEST 1: an Ed25519 seed, its public key and its signature of
 * the empty message. A key file holding this seed must give exactly these. */
static const char rfc_seed_b64[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char rfc_public_hex[] =
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char rfc_signature_hex[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e0652"
                                        "24901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24"
                                        "655141438e7a100b";

typedef struct {
	char *dir;
	char path[4200];
} scratch_t;

static void scratch_open(scratch_t *s, const char *tag)
{
	s->dir = fx_tmpdir(tag);
	snprintf(s->path, sizeof(s->path), "%s/node.key", s->dir);
}

static void scratch_close(scratch_t *s)
{
	fx_rmtree(s->dir);
	free(s->dir);
}

static void hex_decode(const char *hex, uint8_t *out, size_t len)
{
	size_t got = 0;
	assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL), 0);
	assert_int_equal(got, len);
}

/* Loads path expecting err, with a diag that names the file and contains what. */
static void expect_load_error(const char *path, int err, const char *what)
{
	yx_identity_t *id = NULL;
	yx_diag_t d = {{0}};
	int ret = yx_identity_load(path, &id, &d);
	if (ret != err)
		fail_msg("%s: got %d (%s), expected %d (%s): %s", path, ret, yx_strerror(ret), err,
		         yx_strerror(err), d.msg);
	assert_null(id);
	if (!strstr(d.msg, path) || !strstr(d.msg, what))
		fail_msg("diag \"%s\" should name %s and say \"%s\"", d.msg, path, what);
}

static void test_save_load_round_trip(void **state)
{
	(void)state;
	scratch_t s;
	yx_identity_t *id = NULL, *back = NULL;
	yx_diag_t d = {{0}};
	char pub[YX_PUBKEY_TEXT_LEN + 1], line[128];
	struct stat st;
	scratch_open(&s, "keys-save");
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	/* Owner-only whatever the process umask lets through. */
	mode_t old = umask(0);
	int ret = yx_identity_save(id, s.path);
	umask(old);
	assert_int_equal(ret, YX_OK);
	assert_int_equal(stat(s.path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Text: a secret line and the public key in its one text form. */
	yx_pubkey_format(yx_identity_public(id), pub);
	snprintf(line, sizeof(line), "\npublic: %s\n", pub);
	char *text = fx_read_file(s.path, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nsecret: "));
	assert_non_null(strstr(text, line));

	assert_int_equal(yx_identity_load(s.path, &back, &d), YX_OK);
	assert_memory_equal(yx_identity_public(back), yx_identity_public(id), 32);
	/* The loaded secret is the saved one: its signature verifies under the old key. */
	const uint8_t msg[] = "长三角孵化器数据交换";
	uint8_t sig[YX_SIG_BYTES];
	yx_identity_sign(back, msg, sizeof(msg), sig);
	assert_int_equal(yx_signature_verify(yx_identity_public(id), msg, sizeof(msg), sig), YX_OK);

	/* Never overwritten: the second save fails and the file is unchanged. */
	yx_identity_t *other = NULL;
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	assert_int_equal(yx_identity_save(other, s.path), -EEXIST);
	char *after = fx_read_file(s.path, NULL);
	assert_non_null(after);
	assert_string_equal(after, text);
	free(after);
	free(text);

	yx_identity_free(&id);
	yx_identity_free(&back);
	yx_identity_free(&other);
	assert_null(id);
	yx_identity_free(&id); /* accepts NULL */
	yx_identity_free(NULL);
	scratch_close(&s);
}

/* A known seed in a key file gives the RFC 8032 key and signature: the file format is
 * the Ed25519 seed, not some other secret. */
static void test_known_seed(void **state)
{
	(void)state;
	scratch_t s;
	yx_identity_t *id = NULL;
	yx_diag_t d = {{0}};
	uint8_t pub[32], sig[YX_SIG_BYTES], want_sig[YX_SIG_BYTES];
	char text[256], pub_text[YX_PUBKEY_TEXT_LEN + 1];
	scratch_open(&s, "keys-rfc");
	hex_decode(rfc_public_hex, pub, 32);
	hex_decode(rfc_signature_hex, want_sig, YX_SIG_BYTES);

	/* The public line is optional; without it the key is derived. */
	snprintf(text, sizeof(text), "secret: %s\n", rfc_seed_b64);
	fx_write_file(s.path, text, 0600);
	assert_int_equal(yx_identity_load(s.path, &id, &d), YX_OK);
	assert_memory_equal(yx_identity_public(id), pub, 32);
	yx_identity_sign(id, (const uint8_t *)"", 0, sig);
	assert_memory_equal(sig, want_sig, YX_SIG_BYTES);
	yx_identity_free(&id);

	/* With a matching public line, CRLF line ends and a comment, as saved elsewhere. */
	yx_pubkey_format(pub, pub_text);
	snprintf(text, sizeof(text), "# node key\r\nsecret: %s\r\npublic: %s\r\n", rfc_seed_b64,
	         pub_text);
	fx_write_file(s.path, text, 0400);
	assert_int_equal(yx_identity_load(s.path, &id, &d), YX_OK);
	assert_memory_equal(yx_identity_public(id), pub, 32);
	yx_identity_free(&id);
	scratch_close(&s);
}

/* Any bit for group or others refuses the file, and the message says how to fix it. */
static void test_load_refuses_open_modes(void **state)
{
	(void)state;
	static const mode_t modes[] = {0640, 0620, 0610, 0604, 0602, 0601, 0644, 0666};
	scratch_t s;
	yx_identity_t *id = NULL;
	yx_diag_t d = {{0}};
	char want[64], fix[4300];
	scratch_open(&s, "keys-perm");
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_save(id, s.path), YX_OK);
	yx_identity_free(&id);
	snprintf(fix, sizeof(fix), "chmod 600 %s", s.path);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(s.path, modes[i]), 0);
		snprintf(want, sizeof(want), "key file mode is %04o", (unsigned)modes[i]);
		expect_load_error(s.path, YX_EKEYPERM, want);
		assert_int_equal(yx_identity_load(s.path, &id, &d), YX_EKEYPERM);
		assert_non_null(strstr(d.msg, fix));
	}
	/* Owner-only modes load. */
	assert_int_equal(chmod(s.path, 0400), 0);
	assert_int_equal(yx_identity_load(s.path, &id, &d), YX_OK);
	yx_identity_free(&id);
	assert_int_equal(chmod(s.path, 0700), 0);
	assert_int_equal(yx_identity_load(s.path, &id, &d), YX_OK);
	yx_identity_free(&id);
	scratch_close(&s);
}

static void test_load_refuses_bad_files(void **state)
{
	(void)state;
	scratch_t s;
	yx_identity_t *other = NULL;
	char text[8192], other_pub[YX_PUBKEY_TEXT_LEN + 1];
	scratch_open(&s, "keys-bad");

	expect_load_error(s.path, -ENOENT, "No such file");

	fx_write_file(s.path, "", 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");
	fx_write_file(s.path, "public: AAAA\n", 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");
	/* Not base64; 31 and 33 bytes; the name without its colon. */
	fx_write_file(s.path, "secret: this is not base64 at all, not even close!!!\n", 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");
	fx_write_file(s.path, "secret: nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyufw==\n", 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");
	fx_write_file(s.path, "secret: nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2AA\n", 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");
	snprintf(text, sizeof(text), "secret %s\n", rfc_seed_b64);
	fx_write_file(s.path, text, 0600);
	expect_load_error(s.path, YX_EKEY, "no valid \"secret:\" line");

	/* A public line that is another key's, or not a key at all. */
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	yx_pubkey_format(yx_identity_public(other), other_pub);
	snprintf(text, sizeof(text), "secret: %s\npublic: %s\n", rfc_seed_b64, other_pub);
	fx_write_file(s.path, text, 0600);
	expect_load_error(s.path, YX_EKEY, "\"public:\" line does not match the secret key");
	snprintf(text, sizeof(text), "secret: %s\npublic: nonsense\n", rfc_seed_b64);
	fx_write_file(s.path, text, 0600);
	expect_load_error(s.path, YX_EKEY, "\"public:\" line does not match the secret key");

	/* Too large to be a key file, even with a valid key in it. */
	int n = snprintf(text, sizeof(text), "secret: %s\n", rfc_seed_b64);
	memset(text + n, '#', 4200 - (size_t)n);
	text[4200] = '\0';
	fx_write_file(s.path, text, 0600);
	expect_load_error(s.path, YX_EKEY, "4200 bytes is too large for a key file");

	yx_identity_free(&other);
	scratch_close(&s);
}

static void test_pubkey_text(void **state)
{
	(void)state;
	uint8_t key[32], back[32];
	char text[YX_PUBKEY_TEXT_LEN + 1];
	yx_diag_t d = {{0}};
	hex_decode(rfc_public_hex, key, 32);
	yx_pubkey_format(key, text);
	assert_string_equal(text, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	assert_int_equal(yx_pubkey_parse(text, back, &d), YX_OK);
	assert_memory_equal(back, key, 32);

	static const char *const bad[] = {
	        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",   /* 43: padding cut */
	        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo==", /* 45 */
	        "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR!=",  /* not base64 */
	        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=",  /* URL-safe alphabet */
	        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* 44 characters, 33 bytes */
	        "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.msg[0] = '\0';
		if (yx_pubkey_parse(bad[i], back, &d) != YX_EINVAL)
			fail_msg("\"%s\" parsed as a public key", bad[i]);
		char want[128];
		snprintf(want, sizeof(want), "public key \"%s\": expected 44 characters", bad[i]);
		if (!strstr(d.msg, want))
			fail_msg("diag \"%s\" should say \"%s\"", d.msg, want);
		assert_int_equal(yx_pubkey_parse(bad[i], back, NULL), YX_EINVAL);
	}
}

static void test_signatures(void **state)
{
	(void)state;
	yx_identity_t *id = NULL, *other = NULL;
	uint8_t msg[100], sig[YX_SIG_BYTES];
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	assert_memory_not_equal(yx_identity_public(id), yx_identity_public(other), 32);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	yx_identity_sign(id, msg, sizeof(msg), sig);
	const uint8_t *key = yx_identity_public(id);
	assert_int_equal(yx_signature_verify(key, msg, sizeof(msg), sig), YX_OK);
	/* Plain Ed25519: libsodium's own check agrees. */
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), key), 0);

	msg[50] ^= 1;
	assert_int_equal(yx_signature_verify(key, msg, sizeof(msg), sig), YX_ESIG);
	msg[50] ^= 1;
	assert_int_equal(yx_signature_verify(key, msg, sizeof(msg) - 1, sig), YX_ESIG);
	sig[0] ^= 0x20;
	assert_int_equal(yx_signature_verify(key, msg, sizeof(msg), sig), YX_ESIG);
	sig[0] ^= 0x20;
	assert_int_equal(yx_signature_verify(yx_identity_public(other), msg, sizeof(msg), sig),
	                 YX_ESIG);
	assert_int_equal(yx_signature_verify(key, msg, sizeof(msg), sig), YX_OK);
	yx_identity_free(&id);
	yx_identity_free(&other);
}

/* The CURVE key pair belongs together and matches the public key's conversion; a box
 * sealed to it opens only with this identity and only unaltered. */
static void test_curve_keys_and_sealed_boxes(void **state)
{
	(void)state;
	yx_identity_t *id = NULL, *other = NULL;
	uint8_t cpk[32], csk[32], derived[32], conv[32];
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_generate(&other), YX_OK);
	assert_int_equal(yx_identity_curve_keys(id, cpk, csk), YX_OK);
	assert_int_equal(crypto_scalarmult_base(derived, csk), 0);
	assert_memory_equal(derived, cpk, 32);
	assert_int_equal(yx_pubkey_to_curve(yx_identity_public(id), conv), YX_OK);
	assert_memory_equal(conv, cpk, 32);
	sodium_memzero(csk, sizeof(csk));

	const char dossier[] = "尽调材料：营收、专利、团队";
	size_t plain_len = sizeof(dossier);
	uint8_t box[sizeof(dossier) + crypto_box_SEALBYTES];
	uint8_t *plain = NULL;
	size_t got = 0;
	assert_int_equal(crypto_box_seal(box, (const uint8_t *)dossier, plain_len, cpk), 0);
	assert_int_equal(yx_identity_unseal(id, box, sizeof(box), &plain, &got), YX_OK);
	assert_int_equal(got, plain_len);
	assert_memory_equal(plain, dossier, plain_len);
	free(plain);
	plain = NULL;

	assert_int_equal(yx_identity_unseal(other, box, sizeof(box), &plain, &got), YX_ECRYPTO);
	assert_null(plain);
	box[sizeof(box) - 1] ^= 1;
	assert_int_equal(yx_identity_unseal(id, box, sizeof(box), &plain, &got), YX_ECRYPTO);
	assert_null(plain);
	assert_int_equal(yx_identity_unseal(id, box, crypto_box_SEALBYTES - 1, &plain, &got),
	                 YX_ECRYPTO);
	assert_null(plain);

	/* An empty plaintext is a box of exactly the overhead. */
	uint8_t empty_box[crypto_box_SEALBYTES];
	assert_int_equal(crypto_box_seal(empty_box, (const uint8_t *)"", 0, cpk), 0);
	assert_int_equal(yx_identity_unseal(id, empty_box, sizeof(empty_box), &plain, &got), YX_OK);
	assert_int_equal(got, 0);
	free(plain);
	yx_identity_free(&id);
	yx_identity_free(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_save_load_round_trip),
	        cmocka_unit_test(test_known_seed),
	        cmocka_unit_test(test_load_refuses_open_modes),
	        cmocka_unit_test(test_load_refuses_bad_files),
	        cmocka_unit_test(test_pubkey_text),
	        cmocka_unit_test(test_signatures),
	        cmocka_unit_test(test_curve_keys_and_sealed_boxes),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
