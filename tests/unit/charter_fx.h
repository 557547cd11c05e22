/* Charter test fixtures: what test_charter.c, test_charter_votes.c and
 * test_charter_print.c share, cmocka asserts inside (so for unit tests only, unlike
 * fixtures.h): the cities of the tests with real Ed25519 keys, versions built field by
 * field as any encoder (or attacker) could, the founding version and the next, members'
 * signatures of a version, and messages checked for what they say. */
#ifndef YRDX_CHARTER_FX_H
#define YRDX_CHARTER_FX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "charter.h"

/* The cities of the tests: members 0..6, and 7 which is never one. */
#define CFX_NIDS     8
#define CFX_STRANGER 7
/* Their identities (cfx_setup makes them, cfx_teardown frees them), names and city codes. */
extern yx_identity_t *cfx_ids[CFX_NIDS];
extern yx_identity_t *cfx_rotated; /* shanghai's second key */
extern const char *const cfx_names[CFX_NIDS];
extern const uint32_t cfx_cities[CFX_NIDS];

/* The public key of city i. */
const uint8_t *cfx_pk(int i);

/* Group setup: libsodium ready, a new identity for every city and for cfx_rotated. */
int cfx_setup(void **state);
/* Group teardown: frees what cfx_setup made. */
int cfx_teardown(void **state);

/* Fails the test, printing msg, unless msg holds every needle of the NULL-terminated ap. */
void cfx_says_v(const char *msg, va_list ap);
/* The same with the needles as arguments, NULL last. */
void cfx_assert_says(const char *msg, ...);

/* ---- versions built field by field, as any encoder (or attacker) could -------------- */

#define CFX_RAW_MAX  8
#define CFX_RAW_KEYS 4

/* A version's protobuf message and the storage its members, keys and endpoints point
 * into: edit any field before packing. */
typedef struct {
	Yrdx__Charter c;
	Yrdx__CharterMember m[CFX_RAW_MAX];
	Yrdx__CharterMember *mp[CFX_RAW_MAX];
	Yrdx__MemberKey k[CFX_RAW_MAX][CFX_RAW_KEYS];
	Yrdx__MemberKey *kp[CFX_RAW_MAX][CFX_RAW_KEYS];
	char ep[CFX_RAW_MAX][48];
	char *epp[CFX_RAW_MAX][2];
	uint32_t jur[CFX_RAW_MAX][4];
	uint8_t prev[40];
} cfx_raw_t;

/* Version `version` of the federation naming the cities who[0..n) (indexes of cfx_ids),
 * each with its own key as origin and only key, one endpoint, no jurisdiction (its own
 * city). prev (32 bytes) is the previous version's hash, NULL for version 1. r must stay
 * put: it points into itself. */
void cfx_raw_init(cfx_raw_t *r, uint32_t version, const uint8_t *prev, uint32_t threshold,
                  const int *who, size_t n);
/* Member i's keys go on with key from its log's seq after_seq + 1 on. */
void cfx_raw_rotate(cfx_raw_t *r, size_t i, uint64_t after_seq, const uint8_t *key);
/* r packed into *len bytes; the caller frees them. */
uint8_t *cfx_raw_pack(const cfx_raw_t *r, size_t *len);
/* The five founders' version 1 (cfx_five, threshold 3), Hefei (member 2) answering for
 * Huangshan (341000) besides its own city. */
void cfx_raw_founders(cfx_raw_t *r);
/* r packed and decoded: the decoder's result, *c (yx_charter_free it) and *diag. */
int cfx_raw_try_decode(const cfx_raw_t *r, yx_charter_t **c, yx_diag_t *diag);
/* r decoded (yx_charter_free it); fails the test, printing why, if the decoder refuses. */
yx_charter_t *cfx_raw_decode(const cfx_raw_t *r);

/* The founders (cities 0..4), and they with ningbo (0..5). */
extern const int cfx_five[5];
extern const int cfx_six[6];

/* Version 1: shanghai, hangzhou, hefei, suzhou, nanjing; threshold 3. */
yx_charter_t *cfx_founding(void);
/* Version 2 after v1: ningbo admitted (threshold 4 of 6), or as the caller edits it. */
void cfx_v2_raw(cfx_raw_t *r, const yx_charter_t *v1);

/* ---- signatures ------------------------------------------------------------------- */

#define CFX_SIGS_MAX 16

/* Signatures of a version as a file carries them (p, n), their keys and bytes editable. */
typedef struct {
	Yrdx__CharterSignature s[CFX_SIGS_MAX];
	Yrdx__CharterSignature *p[CFX_SIGS_MAX];
	uint8_t key[CFX_SIGS_MAX][32];
	uint8_t sig[CFX_SIGS_MAX][YX_SIG_BYTES];
	size_t n;
} cfx_sigs_t;

/* Adds the signature sig under key to s (a copy of both). */
void cfx_sig_add(cfx_sigs_t *s, const uint8_t key[32], const uint8_t sig[YX_SIG_BYTES]);
/* Adds id's signature of c to s. */
void cfx_sig_by(cfx_sigs_t *s, const yx_charter_t *c, const yx_identity_t *id);
/* Signatures of c by the cities who[0..n). */
void cfx_sigs_of(cfx_sigs_t *s, const yx_charter_t *c, const int *who, size_t n);

#endif
