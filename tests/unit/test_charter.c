/* charter (联盟章程): every check of one version's decoder, with the message that names
 * what is wrong; founding signed by every member it names; the checks a next version must
 * pass (threshold, forged and foreign signatures, previous hash, version order, members
 * kept, revocations final); key rotation; charter files, drafts and the chain they hold.
 * Real Ed25519 keys throughout (yx_identity_generate); the fixtures in charter_fx.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "charter_fx.h"

/* The decoder refuses r with err, and its message holds the needles (NULL-terminated). */
#define raw_refused(r, err, ...) raw_refused_(r, err, __VA_ARGS__, NULL)
static void raw_refused_(const cfx_raw_t *r, int err, ...)
{
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	int ret = cfx_raw_try_decode(r, &c, &diag);
	if (ret != err)
		print_error("expected %s, got %s: %s\n", yx_strerror(err), yx_strerror(ret),
		            diag.msg);
	assert_int_equal(ret, err);
	assert_null(c);
	va_list ap;
	va_start(ap, err);
	cfx_says_v(diag.msg, ap);
	va_end(ap);
}

/* check_next of (prev, next) with sigs: YX_OK, or err with the needles in its message. */
#define next_refused(prev, next, s, ...) next_refused_(prev, next, s, __VA_ARGS__, NULL)
static void next_refused_(const yx_charter_t *prev, const yx_charter_t *next, const cfx_sigs_t *s,
                          ...)
{
	yx_diag_t diag = {{0}};
	int ret = yx_charter_check_next(prev, next, s->p, s->n, &diag);
	if (ret != YX_EINVAL)
		print_error("expected a refusal, got %s: %s\n", yx_strerror(ret), diag.msg);
	assert_int_equal(ret, YX_EINVAL);
	va_list ap;
	va_start(ap, s);
	cfx_says_v(diag.msg, ap);
	va_end(ap);
}

static void next_ok(const yx_charter_t *prev, const yx_charter_t *next, const cfx_sigs_t *s)
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
	cfx_raw_t r;
	cfx_raw_founders(&r);
	yx_charter_t *c = cfx_raw_decode(&r);
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
		assert_string_equal(m->name, cfx_names[i]);
		assert_int_equal(m->city, cfx_cities[i]);
		assert_memory_equal(m->origin, cfx_pk(i), 32);
		assert_int_equal(m->n_keys, 1);
		assert_memory_equal(yx_member_current_key(m), cfx_pk(i), 32);
		assert_true(yx_member_active(m));
		assert_ptr_equal(yx_charter_member_by_name(c, cfx_names[i]), m);
		assert_ptr_equal(yx_charter_member_by_origin(c, cfx_pk(i)), m);
		assert_ptr_equal(yx_charter_member_by_key(c, cfx_pk(i)), m);
		assert_true(yx_member_may_write(m, cfx_cities[i]));
	}
	/* jurisdiction: its own city by default, else the list */
	assert_int_equal(c->members[0].n_jurisdiction, 1);
	assert_int_equal(c->members[0].jurisdiction[0], 310000);
	assert_false(yx_member_may_write(&c->members[0], 330100));
	assert_int_equal(c->members[2].n_jurisdiction, 2);
	assert_true(yx_member_may_write(&c->members[2], 341000));
	assert_false(yx_member_may_write(&c->members[2], 310000));
	assert_null(yx_charter_member_by_name(c, "stranger"));
	assert_null(yx_charter_member_by_origin(c, cfx_pk(CFX_STRANGER)));
	assert_null(yx_charter_member_by_key(c, cfx_pk(CFX_STRANGER)));
	/* the hash is over the exact bytes: another time is another version */
	r.c.time_ms++;
	yx_charter_t *c2 = cfx_raw_decode(&r);
	assert_memory_not_equal(c->hash, c2->hash, 32);
	yx_charter_free(&c2);
	yx_charter_free(&c);
	assert_null(c);
	yx_charter_free(&c); /* accepts NULL */
}

static void test_build_round_trip(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding(), *built = NULL, *again = NULL, *decoded = NULL,
	             *copy = NULL;
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
	cfx_assert_says(diag.msg, "threshold", NULL);
	yx_charter_free(&copy);
	yx_charter_free(&again);
	yx_charter_free(&decoded);
	yx_charter_free(&v1);
}

static void test_decode_names(void **state)
{
	(void)state;
	cfx_raw_t r;
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
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
	yx_charter_t *c = cfx_raw_decode(&r);
	yx_charter_free(&c);
}

static void test_decode_identities(void **state)
{
	(void)state;
	cfx_raw_t r;
	yx_charter_t *c;
	/* two members with one origin (and key) */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.m[3].origin = r.m[1].origin;
	r.k[3][0].key = r.k[1][0].key;
	raw_refused(&r, YX_EINVAL, "members hangzhou and suzhou have the same origin key");
	/* an origin that is no key */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.m[3].origin.len = 31;
	raw_refused(&r, YX_EINVAL, "member suzhou: origin of 31 bytes, expected 32");
	/* keys not starting with the origin */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.k[3][0].key = (ProtobufCBinaryData){32, (uint8_t *)cfx_pk(CFX_STRANGER)};
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[0] must be its origin key from seq 0");
	/* the first key from a seq other than 0 */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.k[3][0].after_seq = 5;
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[0] must be its origin key from seq 0");
	/* no key at all */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.m[3].n_keys = 0;
	raw_refused(&r, YX_EINVAL, "member suzhou: 0 keys, expected 1 to 16");
	/* a key of 31 bytes */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 3, 10, cfx_pk(CFX_STRANGER));
	r.k[3][1].key.len = 31;
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[1] is not a 32-byte key");
	/* keys not ascending by after_seq */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 3, 10, cfx_pk(CFX_STRANGER));
	cfx_raw_rotate(&r, 3, 10, yx_identity_public(cfx_rotated));
	raw_refused(&r, YX_EINVAL, "member suzhou: keys[2] after seq 10 does not follow keys[1]");
	/* two members whose current keys are one key */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 3, 10, cfx_pk(1));
	raw_refused(&r, YX_EINVAL, "members hangzhou and suzhou have the same current key");
	/* a rotation, well formed */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 3, 10, cfx_pk(CFX_STRANGER));
	cfx_raw_rotate(&r, 3, 20, yx_identity_public(cfx_rotated));
	c = cfx_raw_decode(&r);
	assert_int_equal(c->members[3].n_keys, 3);
	assert_ptr_equal(yx_charter_member_by_key(c, yx_identity_public(cfx_rotated)),
	                 &c->members[3]);
	assert_ptr_equal(yx_charter_member_by_origin(c, cfx_pk(3)), &c->members[3]);
	yx_charter_free(&c);
}

static void test_decode_cities_and_endpoints(void **state)
{
	(void)state;
	cfx_raw_t r;
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.m[2].city = 34010;
	raw_refused(&r, YX_EINVAL,
	            "member hefei: city 34010 is not a Yangtze River Delta city code");
	r.m[2].city = 110000; /* 北京: a real code, not a city of the delta */
	raw_refused(&r, YX_EINVAL,
	            "member hefei: city 110000 is not a Yangtze River Delta city code");
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.jur[2][0] = 340100;
	r.jur[2][1] = 999999;
	r.m[2].n_jurisdiction = 2;
	raw_refused(&r, YX_EINVAL,
	            "member hefei: jurisdiction: 999999 is not a Yangtze River Delta city code");
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	snprintf(r.ep[4], sizeof(r.ep[4]), "ipc:///tmp/nanjing");
	raw_refused(&r, YX_EINVAL,
	            "member nanjing: endpoint \"ipc:///tmp/nanjing\": expected tcp://HOST:PORT");
	snprintf(r.ep[4], sizeof(r.ep[4]), "tcp://");
	raw_refused(&r, YX_EINVAL, "member nanjing: endpoint \"tcp://\": port missing");
}

static void test_decode_threshold(void **state)
{
	(void)state;
	cfx_raw_t r;
	yx_charter_t *c;
	cfx_raw_init(&r, 1, NULL, 0, cfx_five, 5);
	raw_refused(&r, YX_EINVAL,
	            "charter version 1: threshold 0, expected 1 to 5 (the active members)");
	cfx_raw_init(&r, 1, NULL, 2, cfx_five, 5); /* 2 of 5 is no majority */
	raw_refused(&r, YX_EINVAL, "threshold 2 of 5 active members is not a majority");
	cfx_raw_init(&r, 1, NULL, 6, cfx_five, 5);
	raw_refused(&r, YX_EINVAL, "threshold 6, expected 1 to 5 (the active members)");
	cfx_raw_init(&r, 1, NULL, 5, cfx_five, 5);
	c = cfx_raw_decode(&r);
	yx_charter_free(&c);
	uint8_t h[32];
	memset(h, 0x5a, 32);
	cfx_raw_init(&r, 2, h, 2, cfx_six, 4); /* 2 of 4 is half, not more */
	raw_refused(&r, YX_EINVAL,
	            "charter version 2: threshold 2 of 4 active members is not a majority");
	/* revoked members are not counted: 3 of 5 active is a majority, 3 of 6 is not */
	cfx_raw_init(&r, 2, h, 3, cfx_six, 6);
	raw_refused(&r, YX_EINVAL, "threshold 3 of 6 active members is not a majority");
	r.m[5].revoked = 1;
	r.m[5].revoked_after = 7;
	c = cfx_raw_decode(&r);
	assert_false(yx_member_active(&c->members[5]));
	assert_true(yx_member_seq_stands(&c->members[5], 7));
	assert_false(yx_member_seq_stands(&c->members[5], 8));
	assert_true(yx_member_seq_stands(&c->members[0], 1000000));
	yx_charter_free(&c);
	/* nobody at all */
	cfx_raw_init(&r, 1, NULL, 1, cfx_five, 0);
	raw_refused(&r, YX_EINVAL, "charter version 1: 0 members, expected 1 to 256");
}

static void test_decode_version_and_prev_hash(void **state)
{
	(void)state;
	cfx_raw_t r;
	uint8_t h[32];
	memset(h, 0x5a, 32);
	cfx_raw_init(&r, 0, NULL, 3, cfx_five, 5);
	raw_refused(&r, YX_EINVAL, "charter: version 0 (versions start at 1)");
	cfx_raw_init(&r, 2, NULL, 3, cfx_five, 5); /* version 2 without the hash of version 1 */
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 0 bytes, expected 32");
	cfx_raw_init(&r, 2, h, 3, cfx_five, 5);
	r.c.prev_hash.len = 31;
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 31 bytes, expected 32");
	r.c.prev_hash.len = 33;
	raw_refused(&r, YX_EINVAL, "charter version 2: previous hash of 33 bytes, expected 32");
	cfx_raw_init(&r, 1, h, 3, cfx_five, 5); /* version 1 follows nothing */
	raw_refused(&r, YX_EINVAL, "charter version 1: previous hash of 32 bytes, expected 0");
	cfx_raw_init(&r, 2, h, 3, cfx_five, 5);
	yx_charter_t *c = cfx_raw_decode(&r);
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
	cfx_raw_t r;
	size_t len;
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	uint8_t *bytes = cfx_raw_pack(&r, &len);
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
	yx_charter_t *v1 = cfx_founding();
	cfx_sigs_t s;
	cfx_sigs_of(&s, v1, cfx_five, 5);
	next_ok(NULL, v1, &s);
	/* in any order */
	cfx_sigs_t rev;
	memset(&rev, 0, sizeof(rev));
	for (int i = 4; i >= 0; i--)
		cfx_sig_by(&rev, v1, cfx_ids[i]);
	next_ok(NULL, v1, &rev);
	/* hefei and nanjing missing: both named, the signers not */
	static const int three[3] = {0, 1, 3};
	cfx_sigs_of(&s, v1, three, 3);
	next_refused(NULL, v1, &s, "3 valid signatures", "needs 5", "missing: hefei, nanjing");
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_check_next(NULL, v1, s.p, s.n, &diag), YX_EINVAL);
	assert_null(strstr(diag.msg, "hangzhou"));
	assert_null(strstr(diag.msg, "suzhou"));
	/* a non-member's signature counts for nothing: a file carrying one is refused,
	 * naming its key, even with every member's signature */
	char stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(cfx_pk(CFX_STRANGER), stranger);
	cfx_sig_by(&s, v1, cfx_ids[CFX_STRANGER]);
	next_refused(NULL, v1, &s, stranger, "no active member");
	cfx_sigs_of(&s, v1, cfx_five, 5);
	cfx_sig_by(&s, v1, cfx_ids[CFX_STRANGER]);
	next_refused(NULL, v1, &s, stranger, "no active member");
	/* nor does a member's signature given twice */
	cfx_sigs_of(&s, v1, cfx_five, 4);
	cfx_sig_by(&s, v1, cfx_ids[0]);
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
	yx_charter_t *v1 = cfx_founding();
	cfx_sigs_t s;
	/* one flipped bit in hefei's signature */
	cfx_sigs_of(&s, v1, cfx_five, 5);
	s.sig[2][10] ^= 0x04;
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* hefei's key over another version's signature */
	cfx_raw_t r;
	cfx_raw_init(&r, 1, NULL, 4, cfx_five, 5);
	yx_charter_t *other = cfx_raw_decode(&r);
	cfx_sigs_of(&s, v1, cfx_five, 5);
	yx_charter_sign(other->hash, cfx_ids[2], s.sig[2]);
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* a signature of 63 bytes */
	cfx_sigs_of(&s, v1, cfx_five, 5);
	s.s[2].signature.len = 63;
	next_refused(NULL, v1, &s, "signature 2 is malformed");
	/* a key of 31 bytes */
	cfx_sigs_of(&s, v1, cfx_five, 5);
	s.s[2].key.len = 31;
	next_refused(NULL, v1, &s, "signature 2 is malformed");
	/* hangzhou signs in hefei's name: hefei's signature is missing */
	cfx_sigs_of(&s, v1, cfx_five, 5);
	yx_charter_sign(v1->hash, cfx_ids[1], s.sig[2]);
	next_refused(NULL, v1, &s, "the signature of hefei does not verify");
	/* the signature primitive itself */
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(v1->hash, cfx_ids[0], sig);
	assert_int_equal(yx_charter_sig_verify(v1->hash, cfx_pk(0), sig), YX_OK);
	assert_int_equal(yx_charter_sig_verify(v1->hash, cfx_pk(1), sig), YX_ESIG);
	assert_int_equal(yx_charter_sig_verify(other->hash, cfx_pk(0), sig), YX_ESIG);
	yx_charter_free(&other);
	yx_charter_free(&v1);
}

/* ---- the next version ---------------------------------------------------------------- */

static void test_next_threshold(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding();
	cfx_raw_t r;
	cfx_v2_raw(&r, v1);
	yx_charter_t *v2 = cfx_raw_decode(&r);
	cfx_sigs_t s;
	static const int met[3] = {4, 0, 2}, short_[2] = {0, 2};
	cfx_sigs_of(&s, v2, met, 3);
	next_ok(v1, v2, &s);
	/* all five: more than enough */
	cfx_sigs_of(&s, v2, cfx_five, 5);
	next_ok(v1, v2, &s);
	/* one short: the count, the need, and the members who have not signed */
	cfx_sigs_of(&s, v2, short_, 2);
	next_refused(v1, v2, &s,
	             "charter version 2 has 2 valid signatures of members of version 1, "
	             "needs 3; missing: hangzhou, suzhou, nanjing");
	/* shanghai's signature twice is one */
	cfx_sig_by(&s, v2, cfx_ids[0]);
	next_refused(v1, v2, &s, "has 2 valid signatures", "missing: hangzhou, suzhou, nanjing");
	/* ningbo's own signature does not count: it is no member of version 1 */
	cfx_sig_by(&s, v2, cfx_ids[5]);
	next_refused(v1, v2, &s, "charter version 2: a signature by ningbo", "version 1");
	/* nor a stranger's */
	cfx_sigs_of(&s, v2, met, 3);
	cfx_sig_by(&s, v2, cfx_ids[CFX_STRANGER]);
	char stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(cfx_pk(CFX_STRANGER), stranger);
	next_refused(v1, v2, &s, stranger, "no active member of version 1");
	/* a forged signature in hangzhou's name (made by shanghai) */
	cfx_sigs_of(&s, v2, short_, 2);
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(v2->hash, cfx_ids[0], sig);
	cfx_sig_add(&s, cfx_pk(1), sig);
	next_refused(v1, v2, &s, "charter version 2: the signature of hangzhou does not verify");
	/* a signature of version 1 (the founding one) offered for version 2 */
	cfx_sigs_of(&s, v2, short_, 2);
	yx_charter_sign(v1->hash, cfx_ids[1], sig);
	cfx_sig_add(&s, cfx_pk(1), sig);
	next_refused(v1, v2, &s, "charter version 2: the signature of hangzhou does not verify");
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_order(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding(), *v2, *bad;
	cfx_raw_t r;
	cfx_sigs_t s;
	uint8_t wrong[32];
	cfx_v2_raw(&r, v1);
	v2 = cfx_raw_decode(&r);
	/* wrong previous hash */
	memcpy(wrong, v1->hash, 32);
	wrong[0] ^= 1;
	cfx_raw_init(&r, 2, wrong, 4, cfx_six, 6);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "charter version 2 names another version 1 than the one held");
	yx_charter_free(&bad);
	/* a version skipped: 3 after 1 */
	cfx_raw_init(&r, 3, v1->hash, 4, cfx_six, 6);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "charter version 3 cannot follow version 1");
	yx_charter_free(&bad);
	/* an old version replayed: version 1 after version 2, and version 2 again */
	cfx_sigs_of(&s, v1, cfx_five, 5);
	next_refused(v2, v1, &s, "charter version 1 cannot follow version 2");
	cfx_sigs_of(&s, v2, cfx_six, 6);
	next_refused(v2, v2, &s, "charter version 2 cannot follow version 2");
	/* version 1 as an amendment */
	cfx_raw_init(&r, 1, NULL, 4, cfx_six, 6);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "charter version 1 cannot follow version 1");
	yx_charter_free(&bad);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_members_kept(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding(), *bad;
	cfx_raw_t r;
	cfx_sigs_t s;
	/* hefei dropped */
	static const int no_hefei[4] = {0, 1, 3, 4};
	cfx_raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* hefei's origin changed (a new key in the old name) */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	r.m[2].origin = (ProtobufCBinaryData){32, (uint8_t *)cfx_pk(CFX_STRANGER)};
	r.k[2][0].key = r.m[2].origin;
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* hefei's key replaced rather than rotated (the first key gone) */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	r.k[2][0].key = (ProtobufCBinaryData){32, (uint8_t *)cfx_pk(CFX_STRANGER)};
	r.m[2].origin = r.k[2][0].key;
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 5);
	next_refused(v1, bad, &s, "leaves out member hefei");
	yx_charter_free(&bad);
	/* an endpoint moved: the ordinary amendment */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	snprintf(r.ep[2], sizeof(r.ep[2]), "tcp://10.0.0.3:7401");
	yx_charter_t *v2 = cfx_raw_decode(&r);
	cfx_sigs_of(&s, v2, cfx_five, 3);
	next_ok(v1, v2, &s);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

static void test_next_revocation_final(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding(), *v2, *bad;
	cfx_raw_t r;
	cfx_sigs_t s;
	/* version 2 revokes nanjing after its seq 7: 4 active, threshold 3 */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 7;
	v2 = cfx_raw_decode(&r);
	cfx_sigs_of(&s, v2, cfx_five, 3);
	next_ok(v1, v2, &s);
	/* version 3 un-revokes it */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 4);
	next_refused(v2, bad, &s, "member nanjing was revoked and cannot come back");
	yx_charter_free(&bad);
	/* ... or moves its last seq */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 9;
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 4);
	next_refused(v2, bad, &s, "member nanjing was revoked and cannot come back");
	yx_charter_free(&bad);
	/* a revoked member's signature no longer counts: 2 active and nanjing are short */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	r.m[4].revoked = 1;
	r.m[4].revoked_after = 7;
	r.c.summary = "threshold unchanged, endpoints unchanged";
	yx_charter_t *v3 = cfx_raw_decode(&r);
	static const int two_and_nanjing[3] = {0, 1, 4};
	cfx_sigs_of(&s, v3, two_and_nanjing, 3);
	next_refused(v2, v3, &s, "charter version 3: a signature by nanjing", "revoked");
	cfx_sigs_of(&s, v3, cfx_five, 3);
	next_ok(v2, v3, &s);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* ---- rotation ---------------------------------------------------------------------- */

static void test_rotation(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding(), *v2, *v3, *bad;
	cfx_raw_t r;
	cfx_sigs_t s;
	/* shanghai rotates from its log's seq 40 on; signed with its old key */
	cfx_raw_init(&r, 2, v1->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 40, yx_identity_public(cfx_rotated));
	v2 = cfx_raw_decode(&r);
	cfx_sigs_of(&s, v2, cfx_five, 3);
	next_ok(v1, v2, &s);
	const yx_member_t *sh = yx_charter_member_by_name(v2, "shanghai");
	assert_memory_equal(sh->origin, cfx_pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 1), cfx_pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 40), cfx_pk(0), 32);
	assert_memory_equal(yx_member_key_at(sh, 41), yx_identity_public(cfx_rotated), 32);
	assert_memory_equal(yx_member_key_at(sh, UINT64_MAX), yx_identity_public(cfx_rotated), 32);
	assert_memory_equal(yx_member_current_key(sh), yx_identity_public(cfx_rotated), 32);
	assert_ptr_equal(yx_charter_member_by_key(v2, yx_identity_public(cfx_rotated)), sh);
	assert_null(yx_charter_member_by_key(v2, cfx_pk(0))); /* no longer its current key */
	assert_ptr_equal(yx_charter_member_by_origin(v2, cfx_pk(0)), sh);
	/* version 3: shanghai must sign with its new key; its old key counts for nothing */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 40, yx_identity_public(cfx_rotated));
	snprintf(r.ep[1], sizeof(r.ep[1]), "tcp://10.0.0.2:7401");
	v3 = cfx_raw_decode(&r);
	static const int two[2] = {1, 2};
	cfx_sigs_of(&s, v3, two, 2);
	cfx_sig_by(&s, v3, cfx_ids[0]);
	next_refused(v2, v3, &s, "charter version 3: a signature by shanghai", "rotated");
	cfx_sigs_of(&s, v3, two, 2);
	cfx_sig_by(&s, v3, cfx_rotated);
	next_ok(v2, v3, &s);
	/* a rotation taken back (the new key dropped) or moved is refused */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 4);
	next_refused(v2, bad, &s, "member shanghai's keys must be those of version 2");
	yx_charter_free(&bad);
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 30, yx_identity_public(cfx_rotated));
	bad = cfx_raw_decode(&r);
	cfx_sigs_of(&s, bad, cfx_five, 4);
	next_refused(v2, bad, &s, "member shanghai's keys must be those of version 2");
	yx_charter_free(&bad);
	/* a second rotation must start past the first */
	cfx_raw_init(&r, 3, v2->hash, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 0, 40, yx_identity_public(cfx_rotated));
	cfx_raw_rotate(&r, 0, 39, cfx_pk(CFX_STRANGER));
	size_t len;
	uint8_t *bytes = cfx_raw_pack(&r, &len);
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_charter_decode(bytes, len, &bad, &diag), YX_EINVAL);
	free(bytes);
	yx_charter_free(&v3);
	yx_charter_free(&v2);
	yx_charter_free(&v1);
}

/* ---- files and chains --------------------------------------------------------------- */

/* A file of the given versions, each with its signatures. */
static uint8_t *file_of(yx_charter_t *const *versions, cfx_sigs_t *const *sigs, size_t n,
                        size_t *len)
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
	yx_charter_t *v1 = cfx_founding();
	cfx_raw_t r;
	cfx_v2_raw(&r, v1);
	yx_charter_t *v2 = cfx_raw_decode(&r);
	cfx_sigs_t s1, s2;
	cfx_sigs_of(&s1, v1, cfx_five, 5);
	cfx_sigs_of(&s2, v2, cfx_five, 3);
	yx_charter_t *vs[2] = {v1, v2};
	cfx_sigs_t *ss[2] = {&s1, &s2};
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
	cfx_assert_says(diag.msg, "version 2", "suzhou", "nanjing", NULL);
	free(bytes);

	/* a draft of version 1, unsigned */
	cfx_sigs_t none;
	memset(&none, 0, sizeof(none));
	cfx_sigs_t *ns[1] = {&none};
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
	cfx_assert_says(diag.msg, "nanjing", NULL);
	free(bytes);
	/* nor is a draft whose signature is bad */
	s1.n = 5;
	s2.n = 2;
	s2.sig[1][3] ^= 1;
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, &missing, &diag),
	                 YX_EINVAL);
	cfx_assert_says(diag.msg, "hangzhou", NULL);
	free(bytes);
	/* versions out of order */
	s2.sig[1][3] ^= 1;
	s2.n = 3;
	yx_charter_t *rev[2] = {v2, v1};
	cfx_sigs_t *rss[2] = {&s2, &s1};
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
	yx_charter_t *v1 = cfx_founding(), *bad;
	yx_charter_chain_t *chain = NULL;
	yx_diag_t diag = {{0}};
	cfx_sigs_t s1, none;
	cfx_raw_t r;
	size_t len, missing;
	uint8_t *bytes, wrong[32];
	cfx_sigs_of(&s1, v1, cfx_five, 5);
	memset(&none, 0, sizeof(none));
	cfx_sigs_t *ss[2] = {&s1, &none};
	static const int no_hefei[4] = {0, 1, 3, 4};
	/* version 2 leaving hefei out */
	cfx_raw_init(&r, 2, v1->hash, 3, no_hefei, 4);
	bad = cfx_raw_decode(&r);
	yx_charter_t *vs[2] = {v1, bad};
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	assert_null(chain);
	cfx_assert_says(diag.msg, "charter version 2 leaves out member hefei", NULL);
	free(bytes);
	yx_charter_free(&bad);
	/* version 2 naming another version 1 */
	memcpy(wrong, v1->hash, 32);
	wrong[31] ^= 1;
	cfx_raw_init(&r, 2, wrong, 3, cfx_five, 5);
	vs[1] = bad = cfx_raw_decode(&r);
	bytes = file_of(vs, ss, 2, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	cfx_assert_says(diag.msg, "names another version 1 than the one held", NULL);
	free(bytes);
	yx_charter_free(&bad);
	/* version 1 with a founder of two keys, and with a revoked founder */
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	cfx_raw_rotate(&r, 2, 10, cfx_pk(CFX_STRANGER));
	vs[0] = bad = cfx_raw_decode(&r);
	bytes = file_of(vs, ss + 1, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	cfx_assert_says(diag.msg, "member hefei: a founder has one key and is not revoked", NULL);
	free(bytes);
	yx_charter_free(&bad);
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	r.m[4].revoked = 1;
	vs[0] = bad = cfx_raw_decode(&r);
	bytes = file_of(vs, ss + 1, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, true, &chain, &missing, &diag),
	                 YX_EINVAL);
	cfx_assert_says(diag.msg, "member nanjing: a founder has one key and is not revoked", NULL);
	free(bytes);
	yx_charter_free(&bad);
	yx_charter_free(&v1);
}

static void test_chain_append(void **state)
{
	(void)state;
	yx_charter_t *v1 = cfx_founding();
	cfx_sigs_t s1, s2;
	cfx_sigs_of(&s1, v1, cfx_five, 5);
	yx_charter_t *vs[1] = {v1};
	cfx_sigs_t *ss[1] = {&s1};
	size_t len;
	yx_diag_t diag = {{0}};
	yx_charter_chain_t *chain = NULL;
	uint8_t *bytes = file_of(vs, ss, 1, &len);
	assert_int_equal(yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag), YX_OK);
	free(bytes);
	cfx_raw_t r;
	cfx_v2_raw(&r, v1);
	yx_charter_t *v2 = cfx_raw_decode(&r);
	cfx_sigs_of(&s2, v2, cfx_five, 3);
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
	        cmocka_unit_test(test_file),
	        cmocka_unit_test(test_draft_must_follow),
	        cmocka_unit_test(test_chain_append),
	};
	return cmocka_run_group_tests(tests, cfx_setup, cfx_teardown);
}
