#include "chain.h"

#include <sodium.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static const char chain_tag[] = "yrdx-chain-v1";
static const char head_tag_v1[] = "yrdx-head-v1";
static const char head_tag_v2[] = "yrdx-head-v2";

#define HEAD_MSG_V1  (sizeof(head_tag_v1) - 1 + YX_KEY_BYTES + 8 + YX_HASH_BYTES + 8)
#define HEAD_MSG_MAX (HEAD_MSG_V1 + 8)

void yx_chain_digest(const uint8_t *bytes, size_t len, uint8_t digest[YX_HASH_BYTES])
{
	crypto_generichash(digest, YX_HASH_BYTES, bytes, len, NULL, 0);
}

void yx_chain_link(const uint8_t prev[YX_HASH_BYTES], const uint8_t digest[YX_HASH_BYTES],
                   uint8_t out[YX_HASH_BYTES])
{
	/* One call over the 77 bytes: a link is hashed for every entry received, and the
	 * streaming state costs more than the hashing at this size. */
	uint8_t msg[sizeof(chain_tag) - 1 + 2 * YX_HASH_BYTES];
	memcpy(msg, chain_tag, sizeof(chain_tag) - 1);
	memcpy(msg + sizeof(chain_tag) - 1, prev, YX_HASH_BYTES);
	memcpy(msg + sizeof(chain_tag) - 1 + YX_HASH_BYTES, digest, YX_HASH_BYTES);
	crypto_generichash(out, YX_HASH_BYTES, msg, sizeof(msg), NULL, 0);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The fixed byte string a head signature covers, never a protobuf encoding; its length. */
static size_t head_message(const yx_head_t *h, uint8_t msg[HEAD_MSG_MAX])
{
	bool v2 = h->version == YX_HEAD_V2;
	uint8_t *p = msg;
	memcpy(p, v2 ? head_tag_v2 : head_tag_v1, sizeof(head_tag_v1) - 1);
	p += sizeof(head_tag_v1) - 1;
	memcpy(p, h->origin, YX_KEY_BYTES);
	p += YX_KEY_BYTES;
	put_be64(p, h->seq);
	p += 8;
	memcpy(p, h->hash, YX_HASH_BYTES);
	p += YX_HASH_BYTES;
	put_be64(p, (uint64_t)h->time_ms);
	p += 8;
	if (v2) {
		put_be64(p, h->policy_seq);
		p += 8;
	}
	return (size_t)(p - msg);
}

void yx_head_sign(yx_head_t *head, const yx_identity_t *id)
{
	uint8_t msg[HEAD_MSG_MAX];
	head->version = YX_HEAD_V2;
	size_t len = head_message(head, msg);
	yx_identity_sign(id, msg, len, head->signature);
}

int yx_head_verify(const yx_head_t *head)
{
	return yx_head_verify_by(head, head->origin);
}

int yx_head_verify_by(const yx_head_t *head, const uint8_t key[YX_KEY_BYTES])
{
	uint8_t msg[HEAD_MSG_MAX];
	size_t len = head_message(head, msg);
	return yx_signature_verify(key, msg, len, head->signature);
}

int yx_head_from_proto(const Yrdx__SignedHead *m, yx_head_t *head, yx_diag_t *diag)
{
	if (m->origin.len != YX_KEY_BYTES)
		return yx_diag_set(diag, YX_EDECODE, "head.origin: %zu bytes, expected %d",
		                   m->origin.len, YX_KEY_BYTES);
	if (m->hash.len != YX_HASH_BYTES)
		return yx_diag_set(diag, YX_EDECODE, "head.hash: %zu bytes, expected %d",
		                   m->hash.len, YX_HASH_BYTES);
	if (m->signature.len != YX_SIG_BYTES)
		return yx_diag_set(diag, YX_EDECODE, "head.signature: %zu bytes, expected %d",
		                   m->signature.len, YX_SIG_BYTES);
	memcpy(head->origin, m->origin.data, YX_KEY_BYTES);
	memcpy(head->hash, m->hash.data, YX_HASH_BYTES);
	memcpy(head->signature, m->signature.data, YX_SIG_BYTES);
	if (m->version > YX_HEAD_V2)
		return yx_diag_set(diag, YX_EDECODE, "head.version: %u, this build knows 1 and 2",
		                   m->version);
	if (m->version < YX_HEAD_V2 && m->policy_seq)
		return yx_diag_set(diag, YX_EDECODE, "head.policy_seq: set in a version 1 head");
	if (m->version == YX_HEAD_V2 && m->policy_seq > m->seq)
		return yx_diag_set(diag, YX_EDECODE,
		                   "head.policy_seq: %llu, past the head's own seq %llu",
		                   (unsigned long long)m->policy_seq, (unsigned long long)m->seq);
	head->seq = m->seq;
	head->time_ms = m->time_ms;
	head->version = m->version == YX_HEAD_V2 ? YX_HEAD_V2 : YX_HEAD_V1;
	head->policy_seq = m->policy_seq;
	return YX_OK;
}

void yx_head_to_proto(const yx_head_t *head, Yrdx__SignedHead *m)
{
	yrdx__signed_head__init(m);
	m->origin.data = (uint8_t *)head->origin;
	m->origin.len = YX_KEY_BYTES;
	m->hash.data = (uint8_t *)head->hash;
	m->hash.len = YX_HASH_BYTES;
	m->signature.data = (uint8_t *)head->signature;
	m->signature.len = YX_SIG_BYTES;
	m->seq = head->seq;
	m->time_ms = head->time_ms;
	if (head->version == YX_HEAD_V2) {
		m->version = YX_HEAD_V2;
		m->policy_seq = head->policy_seq;
	}
}

int64_t yx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
