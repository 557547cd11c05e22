#include "charter_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

yx_identity_t *cfx_ids[CFX_NIDS];
yx_identity_t *cfx_rotated;
const char *const cfx_names[CFX_NIDS] = {"shanghai", "hangzhou", "hefei", "suzhou",
                                         "nanjing",  "ningbo",   "wuxi",  "stranger"};
const uint32_t cfx_cities[CFX_NIDS] = {310000, 330100, 340100, 320500,
                                       320100, 330200, 320200, 341000};

const uint8_t *cfx_pk(int i)
{
	return yx_identity_public(cfx_ids[i]);
}

int cfx_setup(void **state)
{
	(void)state;
	if (yx_crypto_init() != YX_OK)
		return -1;
	for (int i = 0; i < CFX_NIDS; i++)
		if (yx_identity_generate(&cfx_ids[i]) != YX_OK)
			return -1;
	return yx_identity_generate(&cfx_rotated) == YX_OK ? 0 : -1;
}

int cfx_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < CFX_NIDS; i++)
		yx_identity_free(&cfx_ids[i]);
	yx_identity_free(&cfx_rotated);
	return 0;
}

void cfx_says_v(const char *msg, va_list ap)
{
	const char *needle;
	while ((needle = va_arg(ap, const char *)) != NULL)
		if (!strstr(msg, needle)) {
			print_error("message \"%s\" does not say \"%s\"\n", msg, needle);
			fail();
		}
}

void cfx_assert_says(const char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	cfx_says_v(msg, ap);
	va_end(ap);
}

void cfx_raw_init(cfx_raw_t *r, uint32_t version, const uint8_t *prev, uint32_t threshold,
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
		m->name = (char *)cfx_names[id];
		m->city = cfx_cities[id];
		m->origin = (ProtobufCBinaryData){32, (uint8_t *)cfx_pk(id)};
		for (int k = 0; k < CFX_RAW_KEYS; k++) {
			yrdx__member_key__init(&r->k[i][k]);
			r->kp[i][k] = &r->k[i][k];
		}
		r->k[i][0].key = (ProtobufCBinaryData){32, (uint8_t *)cfx_pk(id)};
		m->keys = r->kp[i];
		m->n_keys = 1;
		snprintf(r->ep[i], sizeof(r->ep[i]), "tcp://127.0.0.1:%d", 7401 + 10 * id);
		r->epp[i][0] = r->ep[i];
		m->endpoints = r->epp[i];
		m->n_endpoints = 1;
		m->jurisdiction = r->jur[i];
	}
}

void cfx_raw_rotate(cfx_raw_t *r, size_t i, uint64_t after_seq, const uint8_t *key)
{
	Yrdx__MemberKey *k = &r->k[i][r->m[i].n_keys++];
	k->after_seq = after_seq;
	k->key = (ProtobufCBinaryData){32, (uint8_t *)key};
}

uint8_t *cfx_raw_pack(const cfx_raw_t *r, size_t *len)
{
	*len = yrdx__charter__get_packed_size(&r->c);
	uint8_t *bytes = malloc(*len ? *len : 1);
	assert_non_null(bytes);
	yrdx__charter__pack(&r->c, bytes);
	return bytes;
}

void cfx_raw_founders(cfx_raw_t *r)
{
	cfx_raw_init(r, 1, NULL, 3, cfx_five, 5);
	r->jur[2][0] = 340100;
	r->jur[2][1] = 341000;
	r->m[2].n_jurisdiction = 2;
}

int cfx_raw_try_decode(const cfx_raw_t *r, yx_charter_t **c, yx_diag_t *diag)
{
	size_t len;
	uint8_t *bytes = cfx_raw_pack(r, &len);
	int ret = yx_charter_decode(bytes, len, c, diag);
	free(bytes);
	return ret;
}

yx_charter_t *cfx_raw_decode(const cfx_raw_t *r)
{
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	int ret = cfx_raw_try_decode(r, &c, &diag);
	if (ret != YX_OK)
		print_error("refused: %s\n", diag.msg);
	assert_int_equal(ret, YX_OK);
	return c;
}

void cfx_sig_add(cfx_sigs_t *s, const uint8_t key[32], const uint8_t sig[YX_SIG_BYTES])
{
	assert_true(s->n < CFX_SIGS_MAX);
	size_t i = s->n++;
	yrdx__charter_signature__init(&s->s[i]);
	memcpy(s->key[i], key, 32);
	memcpy(s->sig[i], sig, YX_SIG_BYTES);
	s->s[i].key = (ProtobufCBinaryData){32, s->key[i]};
	s->s[i].signature = (ProtobufCBinaryData){YX_SIG_BYTES, s->sig[i]};
	s->p[i] = &s->s[i];
}

void cfx_sig_by(cfx_sigs_t *s, const yx_charter_t *c, const yx_identity_t *id)
{
	uint8_t sig[YX_SIG_BYTES];
	yx_charter_sign(c->hash, id, sig);
	cfx_sig_add(s, yx_identity_public(id), sig);
}

void cfx_sigs_of(cfx_sigs_t *s, const yx_charter_t *c, const int *who, size_t n)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		cfx_sig_by(s, c, cfx_ids[who[i]]);
}

const int cfx_five[5] = {0, 1, 2, 3, 4};
const int cfx_six[6] = {0, 1, 2, 3, 4, 5};

yx_charter_t *cfx_founding(void)
{
	cfx_raw_t r;
	cfx_raw_init(&r, 1, NULL, 3, cfx_five, 5);
	return cfx_raw_decode(&r);
}

void cfx_v2_raw(cfx_raw_t *r, const yx_charter_t *v1)
{
	cfx_raw_init(r, 2, v1->hash, 4, cfx_six, 6);
}
