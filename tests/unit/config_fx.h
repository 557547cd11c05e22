/* Config test fixtures: what test_config.c (loading, the examples) and
 * test_config_edit.c (trust-store edits) share; cmocka asserts inside, so for unit tests
 * only (unlike fixtures.h). */
#ifndef YRDX_CONFIG_FX_H
#define YRDX_CONFIG_FX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Real Ed25519 public keys (secret halves thrown away), as in edit-base.zpl. */
#define K1 "rPeSjC1Eumn+qrHOykFdkt4MiQdUo4vWcHHB+IGsEns=" /* edit-base: peers/hangzhou */
#define K2 "lPpPEyjZNaw35YInrLUsHoWad4OavKm6J/pn7xeF2pI=" /* edit-base: parks/sip */
#define K3 "3FToyGUXjtwrqXFqOMlQjC4FyREa9jQOmCucwggjapY="
#define K4 "5LXV6wO2eOnvQk789vCwd8UdEAAUAJDHq4EWWnEyFkk="

#define ALL_KINDS                                                                        \
	((1u << YX_KIND_INCUBATOR) | (1u << YX_KIND_ENTERPRISE) | (1u << YX_KIND_PARK) | \
	 (1u << YX_KIND_RELAY_EVENT) | (1u << YX_KIND_JOINT) | (1u << YX_KIND_EVALUATION))

extern char conf_data_dir[PATH_MAX];     /* tests/data/config */
extern char conf_examples_dir[PATH_MAX]; /* config/ */

/* Sets the two directories from the test's source path (CMake compiles it by absolute
 * path): tests/unit/X.c -> tests/data/config and config/. */
void conf_paths_init(const char *source);

/* cfg as yx_config_print writes it; caller frees. */
char *conf_print(const yx_config_t *cfg);
/* The config at path, which must load; fails the test naming what was wrong. */
yx_config_t *conf_load_ok(const char *path);
/* The public key text must parse; its bytes into key. */
void conf_key_of(const char *text, uint8_t key[32]);

/* Fails the test (naming line) unless msg contains every needle of needles[n]. */
void conf_expect_msg_at(const char *msg, const char *const *needles, size_t n, int line);

#define expect_msg(msg, ...)                                                                \
	do {                                                                                \
		const char *const needles_[] = {__VA_ARGS__};                               \
		conf_expect_msg_at((msg), needles_, sizeof(needles_) / sizeof(needles_[0]), \
		                   __LINE__);                                               \
	} while (0)

#endif
