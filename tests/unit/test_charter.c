/* The charter (联盟章程): every check of one version's decoder, with the message that names
 * what is wrong; founding signed by every member it names; the checks a next version must
 * pass (threshold, forged and foreign signatures, previous hash, version order, members
 * kept, revocations final); adoption from votes, round by round, the same in every order
 * of arrival; key rotation. Real Ed25519 keys throughout (yx_identity_generate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "fixtures.h"

/* The cities of the tests: members 0..6, and 7 which is never one. */
#define NIDS     8
#define STRANGER 7
static yx_identity_t *ids[NIDS];
static yx_identity_t *rotated; /* shanghai's second key */
static const char *const names[NIDS] = {"shanghai", "hangzhou", "hefei", "suzhou",
                                        "nanjing",  "ningbo",   "wuxi",  "stranger"};
static const uint32_t cities[NIDS] = {310000, 330100, 340100, 320500,
                                      320100, 330200, 320200, 341000};

static const uint8_t *pk(int i)
{
	return yx_identity_public(ids[i]);
}

static int setup(void **state)
{
	(void)state;
	if (yx_crypto_init() != YX_OK)
		return -1;
	for (int i = 0; i < NIDS; i++)
		if (yx_identity_generate(&ids[i]) != YX_OK)
			return -1;
	return yx_identity_generate(&rotated) == YX_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NIDS; i++)
		yx_identity_free(&ids[i]);
	yx_identity_free(&rotated);
	return 0;
}

/* Fails the test, printing msg, unless msg holds every needle of the NULL-terminated ap. */
static void says_v(const char *msg, va_list ap)
{
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (!strstr(msg, needle)) {
			print_error("message \"%s\" does not say \"%s\"\n", msg, needle);
			fail();
		}
}

static void assert_says(const char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	says_v(msg, ap);
	va_end(ap);
}

/* ---- versions built field by field, as any encoder (or attacker) could -------------- */

#define RAW_MAX  8
#define RAW_KEYS 4

typedef struct {
	Yrdx__Charter c;
	Yrdx__CharterMember m[RAW_MAX];
	Yrdx__CharterMember *mp[RAW_MAX];
	Yrdx__MemberKey k[RAW_MAX][RAW_KEYS];
	Yrdx__MemberKey *kp[RAW_MAX][RAW_KEYS];
	char ep[RAW_MAX][48];
	char *epp[RAW_MAX][2];
	uint32_t jur[RAW_MAX][4];
	uint8_t prev[40];
} raw_t;

/* Version `version` of the federation naming the cities who[0..n) (indexes of ids), each
 * with its own key as origin and only key, one endpoint, no jurisdiction (its own city).
 * prev (32 bytes) is the previous version's hash, NULL for version 1. r must stay put:
 * it points into itself. */
static void raw_init(raw_t *r, uint32_t version, const uint8_t *prev, uint32_t threshold,
                     const int *who, size_t n)
{
	memset(r, 0, sizeof(*r));
	yrdx__charter__init(&r->c);
	r->c.federation = "长三角协同孵化网络";
	r->c.version = version;
	r->c.threshold = threshold;
	r->c.time_ms = 1767225600000;
	r->c.summary = version == 1 ? "founding" : "amendment";
	if (prev) {
		memcpy(r->prev, prev, 32);
		r->c.prev_hash = (ProtobufCBinaryData){32, r->prev};
	}
	r->c.members = r->mp;
	r->c.n_members = n;
	for (size_t i = 0; i < n; i++) {
		Yrdx__CharterMember *m = &r->m[i];
		int id = who[i];
		yrdx__charter_member__init(m);
		r->mp[i] = m;
		m->name = (char *)names[id];
		m->city = cities[id];
		m->origin = (ProtobufCBinaryData){32, (uint8_t *)pk(id)};
		for (int k = 0; k < RAW_KEYS; k++) {
			yrdx__member_key__init(&r->k[i][k]);
			r->kp[i][k] = &r->k[i][k];
		}
		r->k[i][0].key = (ProtobufCBinaryData){32, (uint8_t *)pk(id)};
		m->keys = r->kp[i];
		m->n_keys = 1;
		snprintf(r->ep[i], sizeof(r->ep[i]), "tcp://127.0.0.1:%d", 7401 + 10 * id);
		r->epp[i][0] = r->ep[i];
		m->endpoints = r->epp[i];
		m->n_endpoints = 1;
		m->jurisdiction = r->jur[i];
	}
}

/* Member i's keys go on with key from its log's seq after_seq + 1 on. */
static void raw_rotate(raw_t *r, size_t i, uint64_t after_seq, const uint8_t *key)
{
	Yrdx__MemberKey *k = &r->k[i][r->m[i].n_keys++];
	k->after_seq = after_seq;
	k->key = (ProtobufCBinaryData){32, (uint8_t *)key};
}

static uint8_t *raw_pack(const raw_t *r, size_t *len)
{
	*len = yrdx__charter__get_packed_size(&r->c);
	uint8_t *bytes = malloc(*len ? *len : 1);
	assert_non_null(bytes);
	yrdx__charter__pack(&r->c, bytes);
	return bytes;
}

static yx_charter_t *raw_decode(const raw_t *r)
{
	size_t len;
	uint8_t *bytes = raw_pack(r, &len);
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	int ret = yx_charter_decode(bytes, len, &c, &diag);
	free(bytes);
	if (ret != YX_OK)
		print_error("refused: %s\n", diag.msg);
	assert_int_equal(ret, YX_OK);
	return c;
}

/* The decoder refuses r with err, and its message holds the needles (NULL-terminated). */
#define raw_refused(r, err, ...) raw_refused_(r, err, __VA_ARGS__, NULL)
static void raw_refused_(const raw_t *r, int err, ...)
{
	size_t len;
	uint8_t *bytes = raw_pack(r, &len);
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	int ret = yx_charter_decode(bytes, len, &c, &diag);
	free(bytes);
	if (ret != err)
		print_error("expected %s, got %s: %s\n", yx_strerror(err), yx_strerror(ret),
		            diag.msg);
	assert_int_equal(ret, err);
	assert_null(c);
	va_list ap;
	va_start(ap, err);
	says_v(diag.msg, ap);
	va_end(ap);
}

/* ---- signatures ------------------------------------------------------------------- */

#define SIGS_MAX 16

typedef struct {
	Yrdx__CharterSignature s[SIGS_MAX];
	Yrdx__CharterSignature *p[SIGS_MAX];
	uint8_t key[SIGS_MAX][32];
	uint8_t sig[SIGS_MAX][YX_SIG_BYTES];
	size_t n;
} sigs_t;

static void sig_add(sigs_t *s, const uint8_t key[32], const uint8_t sig[YX_SIG_BYTES])
{
	assert_true(s->n < SIGS_MAX);
	size_t i = s->n++;
	yrdx__charter_signature__init(&s->s[i]);
	memcpy(s->key[i], key, 32);
	memcpy(s->sig[i], sig, YX_SIG_BYTES);
	s->s[i].key = (ProtobufCBinaryData){32, s->key[i]};
	s->s[i].signature = (ProtobufCBinaryData){YX_SIG_BYTES, s->sig[i]};
	s->p[i] = &s->s[i];
}

static void sig_by(sigs_t *s, const yx_charter_t *c, const yx_identity_t *id)
{
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(c->hash, id, sig);
	sig_add(s, yx_identity_public(id), sig);
}

/* Signatures of c by the cities who[0..n). */
static void sigs_of(sigs_t *s, const yx_charter_t *c, const int *who, size_t n)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		sig_by(s, c, ids[who[i]]);
}

static const int five[5] = {0, 1, 2, 3, 4};
static const int six[6] = {0, 1, 2, 3, 4, 5};

/* Version 1: shanghai, hangzhou, hefei, suzhou, nanjing; threshold 3. */
static yx_charter_t *founding(void)
{
	raw_t r;
	raw_init(&r, 1, NULL, 3, five, 5);
	return raw_decode(&r);
}

/* check_next of (prev, next) with sigs: YX_OK, or err with the needles in its message. */
#define next_refused(prev, next, s, ...) next_refused_(prev, next, s, __VA_ARGS__, NULL)
static void next_refused_(const yx_charter_t *prev, const yx_charter_t *next, const sigs_t *s, ...)
{
	yx_diag_t diag = {{0}};
	int ret = yx_charter_check_next(prev, next, s->p, s->n, &diag);
	if (ret != YX_EINVAL)
		print_error("expected a refusal, got %s: %s\n", yx_strerror(ret), diag.msg);
	assert_int_equal(ret, YX_EINVAL);
	va_list ap;
	va_start(ap, s);
	says_v(diag.msg, ap);
	va_end(ap);
}

static void next_ok(const yx_charter_t *prev, const yx_charter_t *next, const sigs_t *s)
{
	yx_diag_t diag = {{0}};
	int ret = yx_charter_check_next(prev, next, s->p, s->n, &diag);
	if (ret != YX_OK)
		print_error("refused: %s\n", diag.msg);
	assert_int_equal(ret, YX_OK);
}

/* ---- one version ------------------------------------------------------------------ */

static void test_decode_fields(void **state)
{
	(void)state;
	raw_t r;
	raw_init(&r, 1, NULL, 3, five, 5);
	r.jur[2][0] = 340100;
	r.jur[2][1] = 341000;
	r.m[2].n_jurisdiction = 2;
	yx_charter_t *c = raw_decode(&r);
	assert_int_equal(c->version, 1);
	assert_int_equal(c->threshold, 3);
	assert_string_equal(c->federation, "长三角协同孵化网络");
	assert_int_equal(c->n_members, 5);
	uint8_t zeros[32] = {0}, hash[32];
	assert_memory_equal(c->prev_hash, zeros, 32);
	yx_charter_hash(c->bytes, c->len, hash);
	assert_memory_equal(c->hash, hash, 32);
	for (int i = 0; i < 5; i++) {
		const yx_member_t *m = &c->members[i];
		assert_string_equal(m->name, names[i]);
		assert_int_equal(m->city, cities[i]);
		assert_memory_equal(m->origin, pk(i), 32);
		assert_int_equal(m->n_keys, 1);
		assert_memory_equal(yx_member_current_key(m), pk(i), 32);
		assert_true(yx_member_active(m));
		assert_ptr_equal(yx_charter_member_by_name(c, names[i]), m);
		assert_ptr_equal(yx_charter_member_by_origin(c, pk(i)), m);
		assert_ptr_equal(yx_charter_member_by_key(c, pk(i)), m);
		assert_true(yx_member_may_write(m, cities[i]));
	}
	/* jurisdiction: its own city by default, else the list */
	assert_int_equal(c->members[0].n_jurisdiction, 1);
	assert_int_equal(c->members[0].jurisdiction[0], 310000);
	assert_false(yx_member_may_write(&c->members[0], 330100));
	assert_int_equal(c->members[2].n_jurisdiction, 2);
	assert_true(yx_member_may_write(&c->members[2], 341000));
	assert_false(yx_member_may_write(&c->members[2], 310000));
	assert_null(yx_charter_member_by_name(c, "stranger"));
	assert_null(yx_charter_member_by_origin(c, pk(STRANGER)));
	assert_null(yx_charter_member_by_key(c, pk(STRANGER)));
	/* the hash is over the exact bytes: another time is another version */
	r.c.time_ms++;
	yx_charter_t *c2 = raw_decode(&r);
	assert_memory_not_equal(c->hash, c2->hash, 32);
	yx_charter_free(&c2);
	yx_charter_free(&c);
	assert_null(c);
	yx_charter_free(&c); /* accepts NULL */
}

static void test_build_round_trip(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *built = NULL, *again = NULL, *decoded = NULL, *copy = NULL;
	yx_diag_t diag = {{0}};
	/* build from the decoded fields: the same fields come back */
	assert_int_equal(yx_charter_build(v1, &built, &diag), YX_OK);
	assert_int_equal(built->version, 1);
	assert_int_equal(built->n_members, 5);
	assert_string_equal(built->federation, v1->federation);
	assert_string_equal(built->summary, v1->summary);
	assert_int_equal(built->time_ms, v1->time_ms);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(built->members[i].name, v1->members[i].name);
		assert_int_equal(built->members[i].city, v1->members[i].city);
		assert_memory_equal(built->members[i].origin, v1->members[i].origin, 32);
		assert_string_equal(built->members[i].endpoints[0], v1->members[i].endpoints[0]);
	}
	/* building is idempotent, and decoding its bytes gives the same version */
	assert_int_equal(yx_charter_build(built, &again, &diag), YX_OK);
	assert_int_equal(again->len, built->len);
	assert_memory_equal(again->bytes, built->bytes, built->len);
	assert_memory_equal(again->hash, built->hash, 32);
	assert_int_equal(yx_charter_decode(built->bytes, built->len, &decoded, &diag), YX_OK);
	assert_memory_equal(decoded->hash, built->hash, 32);
	/* a copy is deep */
	assert_int_equal(yx_charter_copy(built, &copy), YX_OK);
	assert_ptr_not_equal(copy->bytes, built->bytes);
	assert_ptr_not_equal(copy->members, built->members);
	assert_memory_equal(copy->bytes, built->bytes, built->len);
	assert_memory_equal(copy->hash, built->hash, 32);
	yx_charter_free(&built);
	assert_string_equal(copy->members[4].name, "nanjing");
	/* build checks as decode does */
	copy->threshold = 2;
	assert_int_equal(yx_charter_build(copy, &built, &diag), YX_EINVAL);
	assert_null(built);
	assert_says(diag.msg, "threshold", NULL);
	yx_charter_free(&copy);
	yx_charter_free(&again);
	yx_charter_free(&decoded);
	yx_charter_free(&v1);
}

static void test_decode_names(void **state)
{
	(void)state;
	raw_t r;
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[2].name = "He Fei";
	raw_refused(&r, YX_EINVAL,
	            "charter version 1: members[2]: name \"He Fei\" is not [a-z0-9-]");
	r.m[2].name = "";
	raw_refused(&r, YX_EINVAL, "members[2]: name \"\" is not [a-z0-9-], 1 to 32 characters");
	r.m[2].name = "a-name-that-is-far-too-long-for-a-node-name";
	raw_refused(&r, YX_EINVAL,
	            "members[2]: name \"a-name-that-is-far-too-long-for-a-node-n\" is not");
	r.m[2].name = "shanghai"; /* the name of member 0 */
	raw_refused(&r, YX_EINVAL, "charter version 1: member shanghai is listed twice");
	r.m[2].name = "hefei";
	yx_charter_t *c = raw_decode(&r);
	yx_charter_free(&c);
}

static void test_decode_identities(void **state)
{
	(void)state;
	raw_t r;
	yx_charter_t *c;
	/* two members with one origin (and key) */
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[3].origin = r.m[1].origin;
	r.k[3][0].key = r.k[1][0].key;
	raw_refused(&r, YX_EINVAL, "members hangzhou and suzhou have the same origin key");
	/* an origin that is no key */
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[3].origin.len = 31;
	raw_refused(&r, YX_EINVAL, "member suzhou: origin of 31 bytes, expected 32");
	/* keys not starting with the origin */
	raw_init(&r, 1, NULL, 3, five, 5);
	r.k[3][0].key = (ProtobufCBinaryData){32, (uint8_t *)pk(STRANGER)};
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[0] must be its origin key from seq 0");
	/* the first key from a seq other than 0 */
	raw_init(&r, 1, NULL, 3, five, 5);
	r.k[3][0].after_seq = 5;
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[0] must be its origin key from seq 0");
	/* no key at all */
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[3].n_keys = 0;
	raw_refused(&r, YX_EINVAL, "member suzhou: 0 keys, expected 1 to 16");
	/* a key of 31 bytes */
	raw_init(&r, 1, NULL, 3, five, 5);
	raw_rotate(&r, 3, 10, pk(STRANGER));
	r.k[3][1].key.len = 31;
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[1] is not a 32-byte key");
	/* keys not ascending by after_seq */
	raw_init(&r, 1, NULL, 3, five, 5);
	raw_rotate(&r, 3, 10, pk(STRANGER));
	raw_rotate(&r, 3, 10, yx_identity_public(rotated));
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[2] after seq 10 does not follow keys[1]");
	/* two members whose current keys are one key */
	raw_init(&r, 1, NULL, 3, five, 5);
	raw_rotate(&r, 3, 10, pk(1));
	raw_refused(&r, YX_EINVAL, "members hangzhou and suzhou have the same current key");
	/* a rotation, well formed */
	raw_init(&r, 1, NULL, 3, five, 5);
	raw_rotate(&r, 3, 10, pk(STRANGER));
	raw_rotate(&r, 3, 20, yx_identity_public(rotated));
	c = raw_decode(&r);
	assert_int_equal(c->members[3].n_keys, 3);
	assert_ptr_equal(yx_charter_member_by_key(c, yx_identity_public(rotated)), &c->members[3]);
	assert_ptr_equal(yx_charter_member_by_origin(c, pk(3)), &c->members[3]);
	yx_charter_free(&c);
}

static void test_decode_cities_and_endpoints(void **state)
{
	(void)state;
	raw_t r;
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[2].city = 34010;
	raw_refused(&r, YX_EINVAL,
	            "member hefei: city 34010 is not a Yangtze River Delta city code");
	r.m[2].city = 110000; /* 北京: a real code, not a city of the delta */
	raw_refused(&r, YX_EINVAL,
	            "member hefei: city 110000 is not a Yangtze River Delta city code");
	raw_init(&r, 1, NULL, 3, five, 5);
	r.jur[2][0] = 340100;
	r.jur[2][1] = 999999;
	r.m[2].n_jurisdiction = 2;
	raw_refused(&r, YX_EINVAL,
	            "member hefei: jurisdiction: 999999 is not a Yangtze River Delta city code");
	raw_init(&r, 1, NULL, 3, five, 5);
	snprintf(r.ep[4], sizeof(r.ep[4]), "ipc:///tmp/nanjing");
	raw_refused(&r, YX_EINVAL,
	            "member nanjing: endpoint \"ipc:///tmp/nanjing\": expected tcp://HOST:PORT");
	snprintf(r.ep[4], sizeof(r.ep[4]), "tcp://");
	raw_refused(&r, YX_EINVAL, "member nanjing: endpoint \"tcp://\": port missing");
}

static void test_decode_threshold(void **state)
{
	(void)state;
	raw_t r;
	yx_charter_t *c;
	raw_init(&r, 1, NULL, 0, five, 5);
	raw_refused(&r, YX_EINVAL,
	            "charter version 1: threshold 0, expected 1 to 5 (the active members)");
	raw_init(&r, 1, NULL, 2, five, 5); /* 2 of 5 is no majority */
	raw_refused(&r, YX_EINVAL, "threshold 2 of 5 active members is not a majority");
	raw_init(&r, 1, NULL, 6, five, 5);
	raw_refused(&r, YX_EINVAL, "threshold 6, expected 1 to 5 (the active members)");
	raw_init(&r, 1, NULL, 5, five, 5);
	c = raw_decode(&r);
	yx_charter_free(&c);
	uint8_t h[32];
	memset(h, 0x5a, 32);
	raw_init(&r, 2, h, 2, six, 4); /* 2 of 4 is half, not more */
	raw_refused(&r, YX_EINVAL,
	            "charter version 2: threshold 2 of 4 active members is not a majority");
	/* revoked members are not counted: 3 of 5 active is a majority, 3 of 6 is not */
	raw_init(&r, 2, h, 3, six, 6);
	raw_refused(&r, YX_EINVAL, "threshold 3 of 6 active members is not a majority");
	r.m[5].revoked = 1;
	r.m[5].revoked_after = 7;
	c = raw_decode(&r);
	assert_false(yx_member_active(&c->members[5]));
	assert_true(yx_member_seq_stands(&c->members[5], 7));
	assert_false(yx_member_seq_stands(&c->members[5], 8));
	assert_true(yx_member_seq_stands(&c->members[0], 1000000));
	yx_charter_free(&c);
	/* nobody at all */
	raw_init(&r, 1, NULL, 1, five, 0);
	raw_refused(&r, YX_EINVAL, "charter version 1: 0 members, expected 1 to 256");
}

static void test_decode_version_and_prev_hash(void **state)
{
	(void)state;
	raw_t r;
	uint8_t h[32];
	memset(h, 0x5a, 32);
	raw_init(&r, 0, NULL, 3, five, 5);
	raw_refused(&r, YX_EINVAL, "charter: version 0 (versions start at 1)");
	raw_init(&r, 2, NULL, 3, five, 5); /* version 2 without the hash of version 1 */
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 0 bytes, expected 32");
	raw_init(&r, 2, h, 3, five, 5);
	r.c.prev_hash.len = 31;
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 31 bytes, expected 32");
	r.c.prev_hash.len = 33;
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 33 bytes, expected 32");
	raw_init(&r, 1, h, 3, five, 5); /* version 1 follows nothing */
	raw_refused(&r, YX_EINVAL, "charter version 1: previous hash of 32 bytes, expected 0");
	raw_init(&r, 2, h, 3, five, 5);
	yx_charter_t *c = raw_decode(&r);
	assert_memory_equal(c->prev_hash, h, 32);
	yx_charter_free(&c);
}

static void test_decode_bad_bytes(void **state)
{
	(void)state;
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	static const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x'};
	assert_int_equal(yx_charter_decode(junk, sizeof(junk), &c, &diag), YX_EDECODE);
	assert_null(c);
	assert_true(diag.msg[0] != '\0');
	assert_int_equal(yx_charter_decode(junk, 0, &c, &diag), YX_EINVAL); /* version 0 */
	uint8_t *big = calloc(YX_CHARTER_MAX_BYTES + 1, 1);
	assert_non_null(big);
	assert_int_equal(yx_charter_decode(big, YX_CHARTER_MAX_BYTES + 1, &c, &diag), YX_ETOOBIG);
	assert_null(c);
	free(big);
	/* every truncation of a valid version is refused or decodes as something valid */
	raw_t r;
	size_t len;
	raw_init(&r, 1, NULL, 3, five, 5);
	uint8_t *bytes = raw_pack(&r, &len);
	for (size_t cut = 0; cut < len; cut++) {
		int ret = yx_charter_decode(bytes, cut, &c, &diag);
		assert_true(ret != YX_OK || c != NULL);
		yx_charter_free(&c);
	}
	free(bytes);
}

/* ---- founding ---------------------------------------------------------------------- */

static void test_founding_needs_every_member(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	sigs_t s;
	sigs_of(&s, v1, five, 5);
	next_ok(NULL, v1, &s);
	/* in any order */
	sigs_t rev;
	memset(&rev, 0, sizeof(rev));
	for (int i = 4; i >= 0; i--)
		sig_by(&rev, v1, ids[i]);
	next_ok(NULL, v1, &rev);
	/* hefei and nanjing missing: both named, the signers not */
	static const int three[3] = {0, 1, 3};
	sigs_of(&s, v1, three, 3);
	next_refused(NULL, v1, &s, "3 valid signatures", "needs 5", "missing: hefei, nanjing");
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_check_next(NULL, v1, s.p, s.n, &diag), YX_EINVAL);
	assert_null(strstr(diag.msg, "hangzhou"));
	assert_null(strstr(diag.msg, "suzhou"));
	/* a non-member's signature counts for nothing: a file carrying one is refused,
	 * naming its key, even with every member's signature */
	char stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(pk(STRANGER), stranger);
	sig_by(&s, v1, ids[STRANGER]);
	next_refused(NULL, v1, &s, stranger, "no active member");
	sigs_of(&s, v1, five, 5);
	sig_by(&s, v1, ids[STRANGER]);
	next_refused(NULL, v1, &s, stranger, "no active member");
	/* nor does a member's signature given twice */
	sigs_of(&s, v1, five, 4);
	sig_by(&s, v1, ids[0]);
	next_refused(NULL, v1, &s, "missing: nanjing");
	/* no signature at all */
	memset(&s, 0, sizeof(s));
	next_refused(NULL, v1, &s, "has 0 valid signatures",
	             "missing: shanghai, hangzhou, hefei, suzhou, nanjing");
	yx_charter_free(&v1);
}

static void test_founding_bad_signature_named(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	sigs_t s;
	/* one flipped bit in hefei's signature */
	sigs_of(&s, v1, five, 5);
	s.sig[2][10] ^= 0x04;
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* hefei's key over another version's signature */
	raw_t r;
	raw_init(&r, 1, NULL, 4, five, 5);
	yx_charter_t *other = raw_decode(&r);
	sigs_of(&s, v1, five, 5);
	yx_charter_sign(other->hash, ids[2], s.sig[2]);
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* a signature of 63 bytes */
	sigs_of(&s, v1, five, 5);
	s.s[2].signature.len = 63;
	next_refused(NULL, v1, &s, "signature 2 is malformed");
	/* a key of 31 bytes */
	sigs_of(&s, v1, five, 5);
	s.s[2].key.len = 31;
	next_refused(NULL, v1, &s, "signature 2 is malformed");
	/* hangzhou signs in hefei's name: hefei's signature is missing */
	sigs_of(&s, v1, five, 5);
	yx_charter_sign(v1->hash, ids[1], s.sig[2]);
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* the signature primitive itself */
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(v1->hash, ids[0], sig);
	assert_int_equal(yx_charter_sig_verify(v1->hash, pk(0), sig), YX_OK);
	assert_int_equal(yx_charter_sig_verify(v1->hash, pk(1), sig), YX_ESIG);
	assert_int_equal(yx_charter_sig_verify(other->hash, pk(0), sig), YX_ESIG);
	yx_charter_free(&other);
	yx_charter_free(&v1);
}

/* ---- the next version ---------------------------------------------------------------- */

/* Version 2 after v1: ningbo admitted (threshold 4 of 6), or as the caller edits it. */
static void v2_raw(raw_t *r, const yx_charter_t *v1)
{
	raw_init(r, 2, v1->hash, 4, six, 6);
}

static void test_next_threshold(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	raw_t r;
	v2_raw(&r, v1);
	yx_charter_t *v2 = raw_decode(&r);
	sigs_t s;
	static const int met[3] = {4, 0, 2}, short_[2] = {0, 2};
	sigs_of(&s, v2, met, 3);
	next_ok(v1, v2, &s);
	/* all five: more than enough */
	sigs_of(&s, v2, five, 5);
	next_ok(v1, v2, &s);
	/* one short: the count, the need, and the members who have not signed */
	sigs_of(&s, v2, short_, 2);
	next_refused(v1, v2, &s,
	             "charter version 2 has 2 valid signatures of members of version 1, "
	             "needs 3; missing: hangzhou, suzhou, nanjing");
	/* shanghai's signature twice is one */
	sig_by(&s, v2, ids[0]);
	next_refused(v1, v2, &s, "has 2 valid signatures", "missing: hangzhou, suzhou, nanjing");
	/* ningbo's own signature does not count: it is no member of version 1 */
	sig_by(&s, v2, ids[5]);
	next_refused(v1, v2, &s, "charter version 2: a signature by ningbo", "version 1");
	/* nor a stranger's */
	sigs_of(&s, v2, met, 3);
	sig_by(&s, v2, ids[STRANGER]);
	char stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(pk(STRANGER), stranger);
	next_refused(v1, v2, &s, stranger, "no active member of version 1");
	/* a forged signature in hangzhou's name (made by shanghai) */
	sigs_of(&s, v2, short_, 2);
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(v2->hash, ids[0], sig);
	sig_add(&s, pk(1), sig);
	next_refused(v1, v2, &s, "charter version 2: the signature of hangzhou does not verify");
	/* a signature of version 1 (the founding one) offered for version 2 */
	sigs_of(&s, v2, short_, 2);
	yx_charter_sign(v1->hash, ids[1], sig);
	sig_add(&s, pk(1), sig);
	next_refused(v1, v2, &s, "charter version 2: the signature of hangzhou does not verify");
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_order(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *v2, *bad;
	raw_t r;
	sigs_t s;
	uint8_t wrong[32];
	v2_raw(&r, v1);
	v2 = raw_decode(&r);
	/* wrong previous hash */
	memcpy(wrong, v1->hash, 32);
	wrong[0] ^= 1;
	raw_init(&r, 2, wrong, 4, six, 6);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "charter version 2 names another version 1 than the one held");
	yx_charter_free(&bad);
	/* a version skipped: 3 after 1 */
	raw_init(&r, 3, v1->hash, 4, six, 6);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "charter version 3 cannot follow version 1");
	yx_charter_free(&bad);
	/* an old version replayed: version 1 after version 2, and version 2 again */
	sigs_of(&s, v1, five, 5);
	next_refused(v2, v1, &s, "charter version 1 cannot follow version 2");
	sigs_of(&s, v2, six, 6);
	next_refused(v2, v2, &s, "charter version 2 cannot follow version 2");
	/* version 1 as an amendment */
	raw_init(&r, 1, NULL, 4, six, 6);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "charter version 1 cannot follow version 1");
	yx_charter_free(&bad);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_members_kept(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *bad;
	raw_t r;
	sigs_t s;
	/* hefei dropped */
	static const int no_hefei[4] = {0, 1, 3, 4};
	raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* hefei's origin changed (a new key in the old name) */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	r.m[2].origin = (ProtobufCBinaryData){32, (uint8_t *)pk(STRANGER)};
	r.k[2][0].key = r.m[2].origin;
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* hefei's key replaced rather than rotated (the first key gone) */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	r.k[2][0].key = (ProtobufCBinaryData){32, (uint8_t *)pk(STRANGER)};
	r.m[2].origin = r.k[2][0].key;
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* an endpoint moved: the ordinary amendment */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	yx_charter_t *v2 = raw_decode(&r);
	sigs_of(&s, v2, five, 3);
	next_ok(v1, v2, &s);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_revocation_final(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *v2, *bad;
	raw_t r;
	sigs_t s;
	/* version 2 revokes nanjing after its seq 7: 4 active, threshold 3 */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 7;
	v2 = raw_decode(&r);
	sigs_of(&s, v2, five, 3);
	next_ok(v1, v2, &s);
	/* version 3 un-revokes it */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 4);
	next_refused(v2, bad, &s, "member nanjing was revoked and cannot come back");
	yx_charter_free(&bad);
	/* ... or moves its last seq */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 9;
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 4);
	next_refused(v2, bad, &s, "member nanjing was revoked and cannot come back");
	yx_charter_free(&bad);
	/* a revoked member's signature no longer counts: 2 active and nanjing are short */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 7;
	r.c.summary = "threshold unchanged, endpoints unchanged";
	yx_charter_t *v3 = raw_decode(&r);
	static const int two_and_nanjing[3] = {0, 1, 4};
	sigs_of(&s, v3, two_and_nanjing, 3);
	next_refused(v2, v3, &s, "charter version 3: a signature by nanjing", "revoked");
	sigs_of(&s, v3, five, 3);
	next_ok(v2, v3, &s);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* ---- rotation ---------------------------------------------------------------------- */

static void test_rotation(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *v2, *v3, *bad;
	raw_t r;
	sigs_t s;
	/* shanghai rotates from its log's seq 40 on; signed with its old key */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	raw_rotate(&r, 0, 40, yx_identity_public(rotated));
	v2 = raw_decode(&r);
	sigs_of(&s, v2, five, 3);
	next_ok(v1, v2, &s);
	const yx_member_t *sh = yx_charter_member_by_name(v2, "shanghai");
	assert_memory_equal(sh->origin, pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 1), pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 40), pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 41), yx_identity_public(rotated), 32);
	assert_memory_equal(yx_member_key_at(sh, UINT64_MAX), yx_identity_public(rotated), 32);
	assert_memory_equal(yx_member_current_key(sh), yx_identity_public(rotated), 32);
	assert_ptr_equal(yx_charter_member_by_key(v2, yx_identity_public(rotated)), sh);
	assert_null(yx_charter_member_by_key(v2, pk(0))); /* no longer its current key */
	assert_ptr_equal(yx_charter_member_by_origin(v2, pk(0)), sh);
	/* version 3: shanghai must sign with its new key; its old key counts for nothing */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	raw_rotate(&r, 0, 40, yx_identity_public(rotated));
	snprintf(r.ep[1], sizeof(r.ep[1]), "tcp://10.0.0.2:7401");
	v3 = raw_decode(&r);
	static const int two[2] = {1, 2};
	sigs_of(&s, v3, two, 2);
	sig_by(&s, v3, ids[0]);
	next_refused(v2, v3, &s, "charter version 3: a signature by shanghai", "rotated");
	sigs_of(&s, v3, two, 2);
	sig_by(&s, v3, rotated);
	next_ok(v2, v3, &s);
	/* a rotation taken back (the new key dropped) or moved is refused */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 4);
	next_refused(v2, bad, &s, "member shanghai's keys must be those of version 2");
	yx_charter_free(&bad);
	raw_init(&r, 3, v2->hash, 3, five, 5);
	raw_rotate(&r, 0, 30, yx_identity_public(rotated));
	bad = raw_decode(&r);
	sigs_of(&s, bad, five, 4);
	next_refused(v2, bad, &s, "member shanghai's keys must be those of version 2");
	yx_charter_free(&bad);
	/* a second rotation must start past the first */
	raw_init(&r, 3, v2->hash, 3, five, 5);
	raw_rotate(&r, 0, 40, yx_identity_public(rotated));
	raw_rotate(&r, 0, 39, pk(STRANGER));
	size_t len;
	uint8_t *bytes = raw_pack(&r, &len);
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_decode(bytes, len, &bad, &diag), YX_EINVAL);
	free(bytes);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* ---- adoption from votes ------------------------------------------------------------- */

static yx_vote_t vote_of(const yx_charter_t *proposal, int member, uint64_t seq)
{
	yx_vote_t v;
	memset(&v, 0, sizeof(v));
	memcpy(v.origin, pk(member), 32);
	v.seq = seq;
	v.charter = proposal->bytes;
	v.len = proposal->len;
	memcpy(v.signer, pk(member), 32);
	yx_charter_sign(proposal->hash, ids[member], v.signature);
	return v;
}

/* The two competing proposals for version 2 after v1: A admits ningbo, B moves hefei. */
typedef struct {
	yx_charter_t *v1, *a, *b;
} contest_t;

static void contest_init(contest_t *t)
{
	raw_t r;
	t->v1 = founding();
	v2_raw(&r, t->v1);
	t->a = raw_decode(&r);
	raw_init(&r, 2, t->v1->hash, 3, five, 5);
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	t->b = raw_decode(&r);
}

static void contest_free(contest_t *t)
{
	yx_charter_free(&t->a);
	yx_charter_free(&t->b);
	yx_charter_free(&t->v1);
}

/* adopt() gives want (NULL: nothing) signed by exactly the cities who[0..n). */
static void adopt_is(const yx_charter_t *cur, const yx_vote_t *votes, size_t n_votes,
                     const yx_charter_t *want, const int *who, size_t n)
{
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n_sigs = 0;
	int ret = yx_charter_adopt(cur, votes, n_votes, &next, &sigs, &n_sigs, NULL);
	if (!want) {
		assert_int_equal(ret, YX_ENOTFOUND);
		assert_null(next);
		return;
	}
	assert_int_equal(ret, YX_OK);
	assert_memory_equal(next->hash, want->hash, 32);
	assert_int_equal(next->len, want->len);
	assert_memory_equal(next->bytes, want->bytes, want->len);
	assert_int_equal(n_sigs, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < n_sigs; k++)
			found |= sigs[k]->key.len == 32 &&
			         memcmp(sigs[k]->key.data, pk(who[i]), 32) == 0;
		if (!found)
			print_error("no signature of %s among the %zu adopted\n", names[who[i]],
			            n_sigs);
		assert_true(found);
	}
	/* what was adopted passes the checks of a next version */
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_check_next(cur, next, sigs, n_sigs, &diag), YX_OK);
	yx_charter_sigs_free(sigs, n_sigs);
	yx_charter_free(&next);
}

/* Six votes: A by shanghai (seq 5), hangzhou (seq 3) and nanjing (seq 9); B by hefei
 * (seq 4), suzhou (seq 2) and hangzhou again (seq 7, after its vote for A: not counted).
 * A has 3 of threshold 3; B 2, or 3 if hangzhou's later vote were counted. */
static void contest_votes(const contest_t *t, yx_vote_t v[6])
{
	v[0] = vote_of(t->a, 0, 5);
	v[1] = vote_of(t->a, 1, 3);
	v[2] = vote_of(t->b, 2, 4);
	v[3] = vote_of(t->b, 3, 2);
	v[4] = vote_of(t->b, 1, 7);
	v[5] = vote_of(t->a, 4, 9);
}

static const int a_signers[3] = {0, 1, 4};

static size_t permutations;

static void adopt_every_order(const contest_t *t, yx_vote_t *v, int k, int n)
{
	if (k == n) {
		adopt_is(t->v1, v, (size_t)n, t->a, a_signers, 3);
		permutations++;
		return;
	}
	for (int i = k; i < n; i++) {
		yx_vote_t tmp = v[k];
		v[k] = v[i];
		v[i] = tmp;
		adopt_every_order(t, v, k + 1, n);
		v[i] = v[k];
		v[k] = tmp;
	}
}

static void test_adopt_every_order(void **state)
{
	(void)state;
	contest_t t;
	yx_vote_t v[6];
	contest_init(&t);
	contest_votes(&t, v);
	permutations = 0;
	adopt_every_order(&t, v, 0, 6);
	assert_int_equal(permutations, 720);
	contest_free(&t);
}

static void test_adopt_competing(void **state)
{
	(void)state;
	contest_t t;
	yx_vote_t v[8];
	contest_init(&t);
	contest_votes(&t, v);
	/* without nanjing's vote neither has the threshold */
	yx_vote_t w[5] = {v[0], v[1], v[2], v[3], v[4]};
	adopt_is(t.v1, w, 5, NULL, NULL, 0);
	/* hangzhou's first vote is for B now (seq 1): B wins, A has 2 */
	w[1].seq = 8;
	w[4].seq = 1;
	adopt_is(t.v1, w, 5, t.b, (const int[]){1, 2, 3}, 3);
	/* no votes, and votes for nothing but the current version */
	adopt_is(t.v1, NULL, 0, NULL, NULL, 0);
	yx_vote_t cur[3] = {vote_of(t.v1, 0, 1), vote_of(t.v1, 1, 1), vote_of(t.v1, 2, 1)};
	adopt_is(t.v1, cur, 3, NULL, NULL, 0);
	/* all five for A: every signature counted */
	yx_vote_t all[5];
	for (int i = 0; i < 5; i++)
		all[i] = vote_of(t.a, i, 10 + (uint64_t)i);
	adopt_is(t.v1, all, 5, t.a, five, 5);
	/* one vote given twice (the same record from two paths) counts once */
	yx_vote_t twice[4] = {v[0], v[0], v[1], v[1]};
	adopt_is(t.v1, twice, 4, NULL, NULL, 0);
	contest_free(&t);
}

static void test_adopt_ignores_outsiders(void **state)
{
	(void)state;
	contest_t t;
	contest_init(&t);
	yx_vote_t v[6];
	v[0] = vote_of(t.a, 0, 5);
	v[1] = vote_of(t.a, 1, 3);
	/* ningbo, admitted by A, votes for it: not a member of version 1 */
	v[2] = vote_of(t.a, 5, 1);
	/* a stranger */
	v[3] = vote_of(t.a, STRANGER, 1);
	/* hefei's signature found in suzhou's log: a wrong signer */
	v[4] = vote_of(t.a, 2, 6);
	memcpy(v[4].origin, pk(3), 32);
	/* nanjing's vote with a forged signature */
	v[5] = vote_of(t.a, 4, 2);
	v[5].signature[0] ^= 0x80;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* suzhou's log holding a vote signed by suzhou but naming hefei as signer */
	v[4] = vote_of(t.a, 3, 6);
	memcpy(v[4].signer, pk(2), 32);
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* the proposal's bytes altered under a valid signature */
	uint8_t *copy = malloc(t.a->len);
	assert_non_null(copy);
	memcpy(copy, t.a->bytes, t.a->len);
	copy[t.a->len - 1] ^= 1;
	v[4] = vote_of(t.a, 3, 6);
	v[4].charter = copy;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* garbage as the proposal */
	v[4].len = 3;
	adopt_is(t.v1, v, 6, NULL, NULL, 0);
	/* the third valid vote makes it */
	v[5] = vote_of(t.a, 4, 2);
	adopt_is(t.v1, v, 6, t.a, a_signers, 3);
	free(copy);
	contest_free(&t);
}

static void test_adopt_invalid_proposal(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	raw_t r;
	/* every member votes for a version that drops hefei: it can never be adopted */
	static const int no_hefei[4] = {0, 1, 3, 4};
	raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	yx_charter_t *drop = raw_decode(&r);
	yx_vote_t v[5];
	for (int i = 0; i < 5; i++)
		v[i] = vote_of(drop, i, 1);
	adopt_is(v1, v, 5, NULL, NULL, 0);
	/* such a vote is no vote: a member's later vote for a valid proposal is its first */
	raw_init(&r, 2, v1->hash, 3, five, 5);
	r.c.summary = "hefei moves";
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	yx_charter_t *move = raw_decode(&r);
	yx_vote_t w[6] = {
	        v[0], v[1], v[2], vote_of(move, 0, 2), vote_of(move, 1, 2), vote_of(move, 2, 2)};
	adopt_is(v1, w, 6, move, (const int[]){0, 1, 2}, 3);
	yx_charter_free(&move);
	/* nor a version 3, nor one with another previous hash */
	raw_init(&r, 3, v1->hash, 3, five, 5);
	yx_charter_t *skip = raw_decode(&r);
	for (int i = 0; i < 5; i++)
		v[i] = vote_of(skip, i, 1);
	adopt_is(v1, v, 5, NULL, NULL, 0);
	yx_charter_free(&skip);
	yx_charter_free(&drop);
	yx_charter_free(&v1);
}

static void test_adopt_after_rotation(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	raw_t r;
	raw_init(&r, 2, v1->hash, 3, five, 5);
	raw_rotate(&r, 0, 40, yx_identity_public(rotated));
	yx_charter_t *v2 = raw_decode(&r);
	raw_init(&r, 3, v2->hash, 3, five, 5);
	raw_rotate(&r, 0, 40, yx_identity_public(rotated));
	r.c.summary = "nanjing moves";
	snprintf(r.ep[4], sizeof(r.ep[4]), "tcp://10.0.0.5:7401");
	yx_charter_t *v3 = raw_decode(&r);
	/* shanghai's vote in its log (origin: its first key) signed with its old key */
	yx_vote_t v[3] = {vote_of(v3, 0, 41), vote_of(v3, 1, 2), vote_of(v3, 2, 2)};
	adopt_is(v2, v, 3, NULL, NULL, 0);
	/* ... and with its new key */
	memcpy(v[0].signer, yx_identity_public(rotated), 32);
	yx_charter_sign(v3->hash, rotated, v[0].signature);
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n = 0;
	assert_int_equal(yx_charter_adopt(v2, v, 3, &next, &sigs, &n, NULL), YX_OK);
	assert_memory_equal(next->hash, v3->hash, 32);
	assert_int_equal(n, 3);
	yx_charter_sigs_free(sigs, n);
	yx_charter_free(&next);
	/* a vote in the new key's "log" is no member's log */
	memcpy(v[0].origin, yx_identity_public(rotated), 32);
	adopt_is(v2, v, 3, NULL, NULL, 0);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* Rounds: a round every active member voted in without a proposal reaching the threshold
 * is spent, and votes of the next round decide; votes of a round not yet open wait. */
static void test_adopt_rounds(void **state)
{
	(void)state;
	contest_t t;
	contest_init(&t);
	raw_t r;
	raw_init(&r, 2, t.v1->hash, 3, five, 5);
	r.c.summary = "a third proposal";
	yx_charter_t *c = raw_decode(&r);
	yx_vote_t v[10];
	uint32_t open = 99;
	yx_charter_t *next = NULL;
	Yrdx__CharterSignature **sigs = NULL;
	size_t n = 0;
	/* round 0 split 2-2-1 */
	v[0] = vote_of(t.a, 0, 1);
	v[1] = vote_of(t.a, 1, 1);
	v[2] = vote_of(t.b, 2, 1);
	v[3] = vote_of(t.b, 3, 1);
	/* round 1 votes for B, cast before round 0 is spent: they wait */
	for (int i = 0; i < 3; i++) {
		v[5 + i] = vote_of(t.b, i, 5);
		v[5 + i].round = 1;
	}
	yx_vote_t early[7] = {v[0], v[1], v[2], v[3], v[5], v[6], v[7]};
	assert_int_equal(yx_charter_adopt(t.v1, early, 7, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 0);
	/* nanjing's vote for C spends round 0; round 1 adopts B */
	v[4] = vote_of(c, 4, 1);
	assert_int_equal(yx_charter_adopt(t.v1, v, 4, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 0);
	assert_int_equal(yx_charter_adopt(t.v1, v, 5, &next, &sigs, &n, &open), YX_ENOTFOUND);
	assert_int_equal(open, 1);
	adopt_is(t.v1, v, 8, t.b, (const int[]){0, 1, 2}, 3);
	/* in every order */
	for (int k = 0; k < 8; k++) {
		yx_vote_t rot[8];
		for (int i = 0; i < 8; i++)
			rot[i] = v[(i + k) % 8];
		adopt_is(t.v1, rot, 8, t.b, (const int[]){0, 1, 2}, 3);
	}
	yx_charter_free(&c);
	contest_free(&t);
}

/* Many votes, shuffled with a printed seed: the outcome is the one of the sorted set. */
static void test_adopt_shuffled(void **state)
{
	(void)state;
	uint64_t rng = fx_seed("test_charter");
	contest_t t;
	contest_init(&t);
	yx_vote_t v[16];
	size_t n = 0;
	contest_votes(&t, v);
	n = 6;
	v[n++] = vote_of(t.a, STRANGER, 1);
	v[n++] = vote_of(t.b, STRANGER, 2);
	v[n++] = vote_of(t.b, 0, 50); /* shanghai's later vote */
	v[n++] = vote_of(t.b, 4, 60); /* nanjing's later vote */
	v[n++] = vote_of(t.a, 5, 1);  /* ningbo, no member yet */
	v[n++] = v[3];                /* suzhou's vote again */
	for (int round = 0; round < 300; round++) {
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)(fx_rand(&rng) % (i + 1));
			yx_vote_t tmp = v[i];
			v[i] = v[j];
			v[j] = tmp;
		}
		adopt_is(t.v1, v, n, t.a, a_signers, 3);
	}
	contest_free(&t);
}

/* ---- files, chains, ids, text ------------------------------------------------------- */

/* A file of the given versions, each with its signatures. */
static uint8_t *file_of(yx_charter_t *const *versions, sigs_t *const *sigs, size_t n, size_t *len)
{
	Yrdx__CharterFile f;
	Yrdx__SignedCharter sc[4], *scp[4];
	yrdx__charter_file__init(&f);
	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++) {
		yrdx__signed_charter__init(&sc[i]);
		sc[i].charter = (ProtobufCBinaryData){versions[i]->len, versions[i]->bytes};
		sc[i].signatures = sigs[i]->p;
		sc[i].n_signatures = sigs[i]->n;
		scp[i] = &sc[i];
	}
	f.versions = scp;
	f.n_versions = n;
	*len = yrdx__charter_file__get_packed_size(&f);
	uint8_t *bytes = malloc(*len ? *len : 1);
	assert_non_null(bytes);
	yrdx__charter_file__pack(&f, bytes);
	return bytes;
}

static void test_file(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	raw_t r;
	v2_raw(&r, v1);
	yx_charter_t *v2 = raw_decode(&r);
	sigs_t s1, s2;
	sigs_of(&s1, v1, five, 5);
	sigs_of(&s2, v2, five, 3);
	yx_charter_t *vs[2] = {v1, v2};
	sigs_t *ss[2] = {&s1, &s2};
	size_t len, missing = 99;
	yx_diag_t diag = {{0}};
	yx_charter_chain_t *chain = NULL;
	uint8_t *bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, &missing, &diag), YX_OK);
	assert_int_equal(chain->n, 2);
	assert_int_equal(missing, 0);
	assert_memory_equal(yx_charter_chain_current(chain)->hash, v2->hash, 32);
	assert_int_equal(chain->n_sigs[0], 5);
	assert_int_equal(chain->n_sigs[1], 3);
	/* encoding the chain gives the file back */
	uint8_t *again = NULL;
	size_t again_len = 0;
	assert_int_equal(yx_charter_file_encode(chain, &again, &again_len), YX_OK);
	assert_int_equal(again_len, len);
	assert_memory_equal(again, bytes, len);
	free(again);
	yx_charter_chain_free(&chain);
	assert_null(chain);
	free(bytes);

	/* a draft: version 2 with two of three signatures */
	s2.n = 2;
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag), YX_OK);
	assert_int_equal(chain->n, 2);
	assert_int_equal(missing, 1);
	yx_charter_chain_free(&chain);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag), YX_EINVAL);
	assert_null(chain);
	assert_says(diag.msg, "version 2", "suzhou", "nanjing", NULL);
	free(bytes);

	/* a draft of version 1, unsigned */
	sigs_t none;
	memset(&none, 0, sizeof(none));
	sigs_t *ns[1] = {&none};
	bytes = file_of(vs, ns, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag), YX_OK);
	assert_int_equal(missing, 5);
	yx_charter_chain_free(&chain);
	free(bytes);

	/* a version that is not the last one lacking signatures is no draft */
	s2.n = 3;
	s1.n = 4;
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_says(diag.msg, "nanjing", NULL);
	free(bytes);
	/* nor is a draft whose signature is bad */
	s1.n = 5;
	s2.n = 2;
	s2.sig[1][3] ^= 1;
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_says(diag.msg, "hangzhou", NULL);
	free(bytes);
	/* versions out of order */
	s2.sig[1][3] ^= 1;
	s2.n = 3;
	yx_charter_t *rev[2] = {v2, v1};
	sigs_t *rss[2] = {&s2, &s1};
	bytes = file_of(rev, rss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	free(bytes);
	/* an empty file, and bytes that are no file */
	assert_int_equal(
	        yx_charter_file_decode((const uint8_t *)"", 0, true, &chain, &missing, &diag),
	        YX_EINVAL);
	assert_int_equal(yx_charter_file_decode((const uint8_t *)"\x0a\xff", 2, true, &chain,
	                                        &missing, &diag),
	                 YX_EDECODE);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* A draft lacks signatures and nothing else: a last version that no signature could make
 * valid is refused, draft or not, for what is wrong with it. */
static void test_draft_must_follow(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding(), *bad;
	yx_charter_chain_t *chain = NULL;
	yx_diag_t diag = {{0}};
	sigs_t s1, none;
	raw_t r;
	size_t len, missing;
	uint8_t *bytes, wrong[32];
	sigs_of(&s1, v1, five, 5);
	memset(&none, 0, sizeof(none));
	sigs_t *ss[2] = {&s1, &none};
	static const int no_hefei[4] = {0, 1, 3, 4};
	/* version 2 leaving hefei out */
	raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	bad = raw_decode(&r);
	yx_charter_t *vs[2] = {v1, bad};
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_null(chain);
	assert_says(diag.msg, "charter version 2 leaves out member hefei", NULL);
	free(bytes);
	yx_charter_free(&bad);
	/* version 2 naming another version 1 */
	memcpy(wrong, v1->hash, 32);
	wrong[31] ^= 1;
	raw_init(&r, 2, wrong, 3, five, 5);
	vs[1] = bad = raw_decode(&r);
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_says(diag.msg, "names another version 1 than the one held", NULL);
	free(bytes);
	yx_charter_free(&bad);
	/* version 1 with a founder of two keys, and with a revoked founder */
	raw_init(&r, 1, NULL, 3, five, 5);
	raw_rotate(&r, 2, 10, pk(STRANGER));
	vs[0] = bad = raw_decode(&r);
	bytes = file_of(vs, ss + 1, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_says(diag.msg, "member hefei: a founder has one key and is not revoked", NULL);
	free(bytes);
	yx_charter_free(&bad);
	raw_init(&r, 1, NULL, 3, five, 5);
	r.m[4].revoked = 1;
	vs[0] = bad = raw_decode(&r);
	bytes = file_of(vs, ss + 1, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_says(diag.msg, "member nanjing: a founder has one key and is not revoked", NULL);
	free(bytes);
	yx_charter_free(&bad);
	yx_charter_free(&v1);
}

static void test_chain_append(void **state)
{
	(void)state;
	yx_charter_t *v1 = founding();
	sigs_t s1, s2;
	sigs_of(&s1, v1, five, 5);
	yx_charter_t *vs[1] = {v1};
	sigs_t *ss[1] = {&s1};
	size_t len;
	yx_diag_t diag = {{0}};
	yx_charter_chain_t *chain = NULL;
	uint8_t *bytes = file_of(vs, ss, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag), YX_OK);
	free(bytes);
	raw_t r;
	v2_raw(&r, v1);
	yx_charter_t *v2 = raw_decode(&r);
	sigs_of(&s2, v2, five, 3);
	assert_int_equal(yx_charter_chain_append(chain, v2, s2.p, s2.n), YX_OK);
	/* copied: the chain outlives what it was given */
	memset(s2.sig, 0, sizeof(s2.sig));
	yx_charter_free(&v2);
	assert_int_equal(chain->n, 2);
	assert_int_equal(yx_charter_chain_current(chain)->version, 2);
	assert_int_equal(yx_charter_file_encode(chain, &bytes, &len), YX_OK);
	yx_charter_chain_free(&chain);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag), YX_OK);
	assert_int_equal(chain->n, 2);
	assert_int_equal(yx_charter_chain_current(chain)->n_members, 6);
	yx_charter_chain_free(&chain);
	free(bytes);
	yx_charter_free(&v1);
}

static void test_vote_id(void **state)
{
	(void)state;
	uint8_t h[32];
	char id[YX_CHARTER_VOTE_ID_MAX];
	for (int i = 0; i < 32; i++)
		h[i] = (uint8_t)(0xa0 + i);
	yx_charter_vote_id(2, h, id);
	assert_string_equal(id, "v2-a0a1a2a3a4a5a6a7");
	yx_charter_vote_id(UINT32_MAX, h, id);
	assert_string_equal(id, "v4294967295-a0a1a2a3a4a5a6a7");
}

static void test_print(void **state)
{
	(void)state;
	raw_t r;
	raw_init(&r, 1, NULL, 3, five, 5);
	r.jur[2][0] = 340100;
	r.jur[2][1] = 341000;
	r.m[2].n_jurisdiction = 2;
	yx_charter_t *v1 = raw_decode(&r);
	sigs_t s;
	sigs_of(&s, v1, five, 2);
	sig_by(&s, v1, ids[STRANGER]);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(yx_charter_print(v1, s.p, s.n, out), YX_OK);
	fclose(out);
	char key[YX_PUBKEY_TEXT_LEN + 1], stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(pk(4), key);
	yx_pubkey_format(pk(STRANGER), stranger);
	assert_says(text, "长三角协同孵化网络", "上海", "杭州", "合肥", "黄山", "苏州", "南京",
	            "shanghai", "nanjing", "tcp://127.0.0.1:7441", key, stranger, NULL);
	free(text);
	/* without signatures */
	out = open_memstream(&text, &len);
	assert_int_equal(yx_charter_print(v1, NULL, 0, out), YX_OK);
	fclose(out);
	assert_says(text, "nanjing", NULL);
	free(text);
	yx_charter_free(&v1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_decode_fields),
	        cmocka_unit_test(test_build_round_trip),
	        cmocka_unit_test(test_decode_names),
	        cmocka_unit_test(test_decode_identities),
	        cmocka_unit_test(test_decode_cities_and_endpoints),
	        cmocka_unit_test(test_decode_threshold),
	        cmocka_unit_test(test_decode_version_and_prev_hash),
	        cmocka_unit_test(test_decode_bad_bytes),
	        cmocka_unit_test(test_founding_needs_every_member),
	        cmocka_unit_test(test_founding_bad_signature_named),
	        cmocka_unit_test(test_next_threshold),
	        cmocka_unit_test(test_next_order),
	        cmocka_unit_test(test_next_members_kept),
	        cmocka_unit_test(test_next_revocation_final),
	        cmocka_unit_test(test_rotation),
	        cmocka_unit_test(test_adopt_every_order),
	        cmocka_unit_test(test_adopt_competing),
	        cmocka_unit_test(test_adopt_ignores_outsiders),
	        cmocka_unit_test(test_adopt_invalid_proposal),
	        cmocka_unit_test(test_adopt_after_rotation),
	        cmocka_unit_test(test_adopt_rounds),
	        cmocka_unit_test(test_adopt_shuffled),
	        cmocka_unit_test(test_file),
	        cmocka_unit_test(test_draft_must_follow),
	        cmocka_unit_test(test_chain_append),
	        cmocka_unit_test(test_vote_id),
	        cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
