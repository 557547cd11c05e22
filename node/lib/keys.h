/* keys: a node's identity. One Ed25519 key pair per node signs its change-log heads; its
 * X25519 form is the node's CURVE key on every ZeroMQ socket. Secrets live in
 * sodium_malloc'd memory and are wiped when freed; key files are owner-only.
 *
 * Public keys have one text form everywhere (config, trust store, logs, yrdxctl output):
 * standard base64 of the 32 Ed25519 bytes, 44 characters, as WireGuard prints its keys. */
#ifndef YRDX_KEYS_H
#define YRDX_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define YX_PUBKEY_TEXT_LEN 44
#define YX_SIG_BYTES       64

typedef struct yx_identity yx_identity_t;

/* Initialises libsodium once; YX_ECRYPTO if it cannot. Every entry point that generates,
 * loads or verifies calls it. */
int yx_crypto_init(void) __attribute__((warn_unused_result));

/* A fresh random identity; caller frees with yx_identity_free. */
int yx_identity_generate(yx_identity_t **out);

/* Writes the identity to path with mode 0600, refusing to overwrite an existing file
 * (-EEXIST). */
int yx_identity_save(const yx_identity_t *id, const char *path);

/* Loads an identity. YX_EKEYPERM if the file is accessible to group or others,
 * YX_EKEY (diag says which line) if malformed or if its public line does not match its
 * secret, -errno if unreadable. Caller frees with yx_identity_free. */
int yx_identity_load(const char *path, yx_identity_t **out, yx_diag_t *diag);

/* Where a node's next key waits, the one a key rotation proposal names (`yrdxctl keygen
 * --next` writes it, the daemon takes it when the charter adopts the rotation): key_file
 * + ".next", into out. false if that does not fit cap. */
bool yx_key_next_path(const char *key_file, char *out, size_t cap);

/* Wipes and frees; nulls the pointer; accepts NULL. */
void yx_identity_free(yx_identity_t **id);

/* The Ed25519 public key (32 bytes), valid while id lives. */
const uint8_t *yx_identity_public(const yx_identity_t *id);

/* Ed25519 detached signature of msg. */
void yx_identity_sign(const yx_identity_t *id, const uint8_t *msg, size_t len,
                      uint8_t sig[YX_SIG_BYTES]);

/* Opens a sealed box with this node's key file or any key it held before a rotation:
 * key_file, then key_file.old and key_file.old.1, .old.2 ... (node/daemon/rotate.c keeps
 * each key it rotated away from so), so that what was sealed to an earlier key still
 * opens. YX_OK with *plain malloc'd; YX_ECRYPTO if none opens it; key_file's own load
 * error (diag says which) or -ENOMEM. An older file that cannot be loaded is passed over. */
int yx_key_files_unseal(const char *key_file, const uint8_t *box, size_t len, uint8_t **plain,
                        size_t *plain_len, yx_diag_t *diag) __attribute__((warn_unused_result));

/* The X25519 (CURVE) key pair derived from the identity. secret must hold 32 bytes and
 * should be wiped by the caller after use. */
int yx_identity_curve_keys(const yx_identity_t *id, uint8_t public_key[32], uint8_t secret_key[32]);

/* Opens a sealed box addressed to this identity's X25519 key. Returns YX_OK and a
 * malloc'd plaintext, or YX_ECRYPTO if the box is not for this key or was altered. */
int yx_identity_unseal(const yx_identity_t *id, const uint8_t *box, size_t len, uint8_t **plain,
                       size_t *plain_len) __attribute__((warn_unused_result));

/* The X25519 public key for an Ed25519 public key (for CURVE and sealing). */
int yx_pubkey_to_curve(const uint8_t ed25519[32], uint8_t x25519[32])
        __attribute__((warn_unused_result));

/* Text form of a public key into out (YX_PUBKEY_TEXT_LEN + 1 bytes). */
void yx_pubkey_format(const uint8_t key[32], char out[YX_PUBKEY_TEXT_LEN + 1]);

/* Parses the text form; YX_EINVAL with diag naming the text on anything else. */
int yx_pubkey_parse(const char *text, uint8_t key[32], yx_diag_t *diag);

/* YX_OK if sig is a valid Ed25519 signature of msg by key, YX_ESIG otherwise. */
int yx_signature_verify(const uint8_t key[32], const uint8_t *msg, size_t len,
                        const uint8_t sig[YX_SIG_BYTES]) __attribute__((warn_unused_result));

#endif
