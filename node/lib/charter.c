/* charter: one version decoded and checked, the chain of versions, and adoption from the
 * members' votes (charter.h). The text form is in charter_print.c. */
#include "charter.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter_int.h"
#include "text.h"
#include "validate.h"

static const char hash_tag[] = "yrdx-charter-v1";
static const char sig_tag[] = "yrdx-charter-sig-v1";

#define SIG_MSG_LEN (sizeof(sig_tag) - 1 + 32)

/* ---- hashing and signing -------------------------------------------------------------- */

void yx_charter_hash(const uint8_t *bytes, size_t len, uint8_t out[32])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)hash_tag, sizeof(hash_tag) - 1);
	crypto_generichash_update(&st, bytes, len);
	crypto_generichash_final(&st, out, 32);
}

static void sig_message(const uint8_t hash[32], uint8_t msg[SIG_MSG_LEN])
{
	memcpy(msg, sig_tag, sizeof(sig_tag) - 1);
	memcpy(msg + sizeof(sig_tag) - 1, hash, 32);
}

void yx_charter_sign(const uint8_t hash[32], const yx_identity_t *id, uint8_t sig[YX_SIG_BYTES])
{
	uint8_t msg[SIG_MSG_LEN];
	sig_message(hash, msg);
	yx_identity_sign(id, msg, sizeof(msg), sig);
}

int yx_charter_sig_verify(const uint8_t hash[32], const uint8_t key[32],
                          const uint8_t sig[YX_SIG_BYTES])
{
	uint8_t msg[SIG_MSG_LEN];
	sig_message(hash, msg);
	return yx_signature_verify(key, msg, sizeof(msg), sig);
}

/* ---- one version ------------------------------------------------------------------ */

/* Checks one text field: valid UTF-8 of at most cap - 1 bytes, no control characters. */
static bool text_ok(const char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n >= cap)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t k = yx_utf8_seq_len(p, n - (size_t)(p - (const unsigned char *)s));
		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7F)))
			return false;
		p += k;
	}
	return true;
}

#define MFAIL(...) yx_diag_set(diag, YX_EINVAL, __VA_ARGS__)

static int member_keys(const Yrdx__CharterMember *m, yx_member_t *out, const char *who,
                       yx_diag_t *diag)
{
	if (m->n_keys == 0 || m->n_keys > YX_CHARTER_MAX_KEYS)
		return MFAIL("%s: %zu keys, expected 1 to %d", who, m->n_keys, YX_CHARTER_MAX_KEYS);
	for (size_t k = 0; k < m->n_keys; k++) {
		const Yrdx__MemberKey *mk = m->keys[k];
		if (!mk || mk->key.len != 32)
			return MFAIL("%s: keys[%zu] is not a 32-byte key", who, k);
		if (k == 0 && (mk->after_seq != 0 || memcmp(mk->key.data, out->origin, 32) != 0))
			return MFAIL("%s: keys[0] must be its origin key from seq 0", who);
		if (k > 0 && mk->after_seq <= out->keys[k - 1].after_seq)
			return MFAIL("%s: keys[%zu] after seq %llu does not follow keys[%zu]", who,
			             k, (unsigned long long)mk->after_seq, k - 1);
		out->keys[k].after_seq = mk->after_seq;
		memcpy(out->keys[k].key, mk->key.data, 32);
	}
	out->n_keys = m->n_keys;
	return YX_OK;
}

static int member_from(const Yrdx__CharterMember *m, size_t i, yx_member_t *out, const char *where,
                       yx_diag_t *diag)
{
	char who[128];
	char why[200];
	memset(out, 0, sizeof(*out));
	if (!m)
		return MFAIL("%s: members[%zu] missing", where, i);
	if (!yx_config_name_ok(m->name))
		return MFAIL(
		        "%s: members[%zu]: name \"%.40s\" is not [a-z0-9-], 1 to %d characters",
		        where, i, m->name, YX_CONFIG_NAME_MAX);
	snprintf(who, sizeof(who), "%s: member %s", where, m->name);
	strcpy(out->name, m->name);
	if (!yx_city_name(m->city))
		return MFAIL("%s: city %u is not a Yangtze River Delta city code", who, m->city);
	out->city = m->city;
	if (m->n_jurisdiction > YX_CHARTER_MAX_CITIES)
		return MFAIL("%s: jurisdiction of %zu cities, at most %d", who, m->n_jurisdiction,
		             YX_CHARTER_MAX_CITIES);
	for (size_t j = 0; j < m->n_jurisdiction; j++) {
		if (!yx_city_name(m->jurisdiction[j]))
			return MFAIL("%s: jurisdiction: %u is not a Yangtze River Delta city code",
			             who, m->jurisdiction[j]);
		out->jurisdiction[j] = m->jurisdiction[j];
	}
	out->n_jurisdiction = m->n_jurisdiction;
	if (out->n_jurisdiction == 0)
		out->jurisdiction[out->n_jurisdiction++] = m->city;
	if (m->origin.len != 32)
		return MFAIL("%s: origin of %zu bytes, expected 32", who, m->origin.len);
	memcpy(out->origin, m->origin.data, 32);
	int ret = member_keys(m, out, who, diag);
	if (ret)
		return ret;
	if (m->n_endpoints > YX_CHARTER_MAX_ENDPOINTS)
		return MFAIL("%s: %zu endpoints, at most %d", who, m->n_endpoints,
		             YX_CHARTER_MAX_ENDPOINTS);
	for (size_t e = 0; e < m->n_endpoints; e++) {
		if (!m->endpoints[e] || !yx_config_endpoint_ok(m->endpoints[e], why, sizeof(why)))
			return MFAIL("%s: endpoint \"%.60s\": %s", who,
			             m->endpoints[e] ? m->endpoints[e] : "", why);
		strcpy(out->endpoints[e], m->endpoints[e]);
	}
	out->n_endpoints = m->n_endpoints;
	out->revoked = m->revoked;
	out->revoked_after = m->revoked ? m->revoked_after : 0;
	if (!m->revoked && m->revoked_after)
		return MFAIL("%s: revoked_after set but not revoked", who);
	return YX_OK;
}

/* The rules between members of one version, and the threshold. */
static int charter_whole(const yx_charter_t *c, const char *where, yx_diag_t *diag)
{
	size_t active = 0;
	for (size_t i = 0; i < c->n_members; i++) {
		const yx_member_t *m = &c->members[i];
		active += !m->revoked;
		for (size_t j = 0; j < i; j++) {
			const yx_member_t *o = &c->members[j];
			if (strcmp(m->name, o->name) == 0)
				return MFAIL("%s: member %s is listed twice", where, m->name);
			if (memcmp(m->origin, o->origin, 32) == 0)
				return MFAIL("%s: members %s and %s have the same origin key",
				             where, o->name, m->name);
			if (memcmp(yx_member_current_key(m), yx_member_current_key(o), 32) == 0)
				return MFAIL("%s: members %s and %s have the same current key",
				             where, o->name, m->name);
		}
	}
	if (active == 0)
		return MFAIL("%s: no active member", where);
	if (c->threshold < 1 || c->threshold > active)
		return MFAIL("%s: threshold %u, expected 1 to %zu (the active members)", where,
		             c->threshold, active);
	if ((size_t)c->threshold * 2 <= active)
		return MFAIL("%s: threshold %u of %zu active members is not a majority: two "
		             "amendments could pass for one version",
		             where, c->threshold, active);
	return YX_OK;
}

static int charter_from(const Yrdx__Charter *m, yx_charter_t *c, yx_diag_t *diag)
{
	char where[64];
	int ret;
	snprintf(where, sizeof(where), "charter version %u", m->version);
	if (m->version < 1)
		return MFAIL("charter: version 0 (versions start at 1)");
	c->version = m->version;
	c->threshold = m->threshold;
	c->time_ms = m->time_ms;
	if (m->version == 1 ? m->prev_hash.len != 0 : m->prev_hash.len != 32)
		return MFAIL("%s: previous hash of %zu bytes, expected %d", where, m->prev_hash.len,
		             m->version == 1 ? 0 : 32);
	if (m->version > 1)
		memcpy(c->prev_hash, m->prev_hash.data, 32);
	if (!text_ok(m->federation, sizeof(c->federation)) || !*m->federation)
		return MFAIL("%s: federation name missing, too long or not one line of UTF-8",
		             where);
	if (!text_ok(m->summary, sizeof(c->summary)))
		return MFAIL("%s: summary too long or not one line of UTF-8", where);
	strcpy(c->federation, m->federation);
	strcpy(c->summary, m->summary);
	if (m->n_members == 0 || m->n_members > YX_CHARTER_MAX_MEMBERS)
		return MFAIL("%s: %zu members, expected 1 to %d", where, m->n_members,
		             YX_CHARTER_MAX_MEMBERS);
	if (!(c->members = calloc(m->n_members, sizeof(*c->members))))
		return -ENOMEM;
	for (size_t i = 0; i < m->n_members; i++, c->n_members++)
		if ((ret = member_from(m->members[i], i, &c->members[i], where, diag)))
			return ret;
	return charter_whole(c, where, diag);
}

int yx_charter_decode(const uint8_t *bytes, size_t len, yx_charter_t **out, yx_diag_t *diag)
{
	Yrdx__Charter *m;
	yx_charter_t *c;
	int ret;
	if (len > YX_CHARTER_MAX_BYTES)
		return yx_diag_set(diag, YX_ETOOBIG, "charter: %zu bytes, at most %d", len,
		                   YX_CHARTER_MAX_BYTES);
	if (!(m = yrdx__charter__unpack(NULL, len, bytes)))
		return yx_diag_set(diag, YX_EDECODE, "charter: not a charter message (%zu bytes)",
		                   len);
	if (!(c = calloc(1, sizeof(*c)))) {
		yrdx__charter__free_unpacked(m, NULL);
		return -ENOMEM;
	}
	ret = charter_from(m, c, diag);
	yrdx__charter__free_unpacked(m, NULL);
	if (ret == YX_OK && !(c->bytes = malloc(len ? len : 1)))
		ret = -ENOMEM;
	if (ret) {
		yx_charter_free(&c);
		return ret;
	}
	memcpy(c->bytes, bytes, len);
	c->len = len;
	yx_charter_hash(bytes, len, c->hash);
	*out = c;
	return YX_OK;
}

/* The members of c as protobuf messages, in arrays the caller frees (pointing into c). */
typedef struct {
	Yrdx__CharterMember m;
	Yrdx__CharterMember *pm;
	Yrdx__MemberKey keys[YX_CHARTER_MAX_KEYS];
	Yrdx__MemberKey *pkeys[YX_CHARTER_MAX_KEYS];
	char *endpoints[YX_CHARTER_MAX_ENDPOINTS];
} member_msg_t;

static void member_to(const yx_member_t *in, member_msg_t *mm)
{
	Yrdx__CharterMember *m = &mm->m;
	yrdx__charter_member__init(m);
	m->name = (char *)in->name;
	m->city = in->city;
	/* a jurisdiction of the own city alone is the default: written as none */
	if (!(in->n_jurisdiction == 1 && in->jurisdiction[0] == in->city)) {
		m->n_jurisdiction = in->n_jurisdiction;
		m->jurisdiction = (uint32_t *)in->jurisdiction;
	}
	m->origin = (ProtobufCBinaryData){32, (uint8_t *)in->origin};
	for (size_t k = 0; k < in->n_keys; k++) {
		yrdx__member_key__init(&mm->keys[k]);
		mm->keys[k].after_seq = in->keys[k].after_seq;
		mm->keys[k].key = (ProtobufCBinaryData){32, (uint8_t *)in->keys[k].key};
		mm->pkeys[k] = &mm->keys[k];
	}
	m->n_keys = in->n_keys;
	m->keys = mm->pkeys;
	for (size_t e = 0; e < in->n_endpoints; e++)
		mm->endpoints[e] = (char *)in->endpoints[e];
	m->n_endpoints = in->n_endpoints;
	m->endpoints = mm->endpoints;
	m->revoked = in->revoked;
	m->revoked_after = in->revoked_after;
	mm->pm = m;
}

int yx_charter_build(const yx_charter_t *c, yx_charter_t **out, yx_diag_t *diag)
{
	Yrdx__Charter m = YRDX__CHARTER__INIT;
	member_msg_t *mm = NULL;
	Yrdx__CharterMember **pms = NULL;
	uint8_t *bytes = NULL;
	int ret = -ENOMEM;
	if (c->n_members > YX_CHARTER_MAX_MEMBERS)
		return MFAIL("charter: %zu members, at most %d", c->n_members,
		             YX_CHARTER_MAX_MEMBERS);
	if (c->n_members && (!(mm = calloc(c->n_members, sizeof(*mm))) ||
	                     !(pms = calloc(c->n_members, sizeof(*pms)))))
		goto out;
	for (size_t i = 0; i < c->n_members; i++) {
		if (c->members[i].n_keys > YX_CHARTER_MAX_KEYS ||
		    c->members[i].n_endpoints > YX_CHARTER_MAX_ENDPOINTS ||
		    c->members[i].n_jurisdiction > YX_CHARTER_MAX_CITIES) {
			ret = MFAIL("charter: member %s has too many keys, endpoints or cities",
			            c->members[i].name);
			goto out;
		}
		member_to(&c->members[i], &mm[i]);
		pms[i] = mm[i].pm;
	}
	m.federation = (char *)c->federation;
	m.version = c->version;
	if (c->version > 1)
		m.prev_hash = (ProtobufCBinaryData){32, (uint8_t *)c->prev_hash};
	m.threshold = c->threshold;
	m.n_members = c->n_members;
	m.members = pms;
	m.time_ms = c->time_ms;
	m.summary = (char *)c->summary;
	size_t len = yrdx__charter__get_packed_size(&m);
	if (len > YX_CHARTER_MAX_BYTES) {
		ret = yx_diag_set(diag, YX_ETOOBIG, "charter: %zu bytes, at most %d", len,
		                  YX_CHARTER_MAX_BYTES);
		goto out;
	}
	if (!(bytes = malloc(len ? len : 1)))
		goto out;
	yrdx__charter__pack(&m, bytes);
	ret = yx_charter_decode(bytes, len, out, diag);
out:
	free(bytes);
	free(pms);
	free(mm);
	return ret;
}

int yx_charter_copy(const yx_charter_t *c, yx_charter_t **out)
{
	yx_diag_t d;
	return yx_charter_decode(c->bytes, c->len, out, &d);
}

void yx_charter_free(yx_charter_t **c)
{
	if (!c || !*c)
		return;
	free((*c)->members);
	free((*c)->bytes);
	free(*c);
	*c = NULL;
}

/* ---- members ------------------------------------------------------------------------ */

const yx_member_t *yx_charter_member_by_origin(const yx_charter_t *c, const uint8_t origin[32])
{
	for (size_t i = 0; c && i < c->n_members; i++)
		if (memcmp(c->members[i].origin, origin, 32) == 0)
			return &c->members[i];
	return NULL;
}

const yx_member_t *yx_charter_member_by_name(const yx_charter_t *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_members; i++)
		if (strcmp(c->members[i].name, name) == 0)
			return &c->members[i];
	return NULL;
}

const yx_member_t *yx_charter_member_by_key(const yx_charter_t *c, const uint8_t key[32])
{
	for (size_t i = 0; c && i < c->n_members; i++)
		if (memcmp(yx_member_current_key(&c->members[i]), key, 32) == 0)
			return &c->members[i];
	return NULL;
}

const uint8_t *yx_member_key_at(const yx_member_t *m, uint64_t seq)
{
	const uint8_t *key = m->keys[0].key;
	for (size_t k = 1; k < m->n_keys; k++)
		if (seq > m->keys[k].after_seq)
			key = m->keys[k].key;
	return key;
}

const uint8_t *yx_member_current_key(const yx_member_t *m)
{
	return m->keys[m->n_keys - 1].key;
}

bool yx_member_seq_stands(const yx_member_t *m, uint64_t seq)
{
	return !m->revoked || seq <= m->revoked_after;
}

bool yx_member_may_write(const yx_member_t *m, uint32_t city)
{
	for (size_t j = 0; j < m->n_jurisdiction; j++)
		if (m->jurisdiction[j] == city)
			return true;
	return false;
}

bool yx_member_active(const yx_member_t *m)
{
	return !m->revoked;
}

/* ---- the chain ------------------------------------------------------------------------ */

/* What a member of next must keep of its entry in prev. */
static int member_follows(const yx_member_t *was, const yx_member_t *is, uint32_t version,
                          yx_diag_t *diag)
{
	if (strcmp(was->name, is->name) != 0)
		return MFAIL("charter version %u renames member %s to %s", version, was->name,
		             is->name);
	if (was->revoked && (!is->revoked || is->revoked_after != was->revoked_after))
		return MFAIL("charter version %u: member %s was revoked and cannot come back",
		             version, was->name);
	if (is->n_keys < was->n_keys || is->n_keys > was->n_keys + 1 ||
	    memcmp(is->keys, was->keys, was->n_keys * sizeof(was->keys[0])) != 0)
		return MFAIL("charter version %u: member %s's keys must be those of version %u, "
		             "with at most one new key",
		             version, was->name, version - 1);
	return YX_OK;
}

/* Appends name to a ", "-separated list in buf. */
static void list_add(char *buf, size_t cap, const char *name)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", name);
}

/* The refusal of a signature by key, which is no counting key of signers: named by the
 * member it is a key of where there is one (revoked, rotated away from, or admitted by
 * next itself), else by the key in full. */
static int stray_signature(const yx_charter_t *signers, const yx_charter_t *next,
                           const uint8_t key[32], yx_diag_t *diag)
{
	char text[YX_PUBKEY_TEXT_LEN + 1];
	const char *why = "who is no active member of";
	const yx_member_t *m = NULL;
	for (size_t i = 0; i < signers->n_members && !m; i++)
		for (size_t k = 0; k < signers->members[i].n_keys && !m; k++)
			if (memcmp(signers->members[i].keys[k].key, key, 32) == 0)
				m = &signers->members[i];
	if (m)
		why = m->revoked ? "who is revoked in" : "with a key it has rotated away from in";
	else if (signers != next && (m = yx_charter_member_by_key(next, key)))
		why = "who is no member yet of";
	yx_pubkey_format(key, text);
	return MFAIL("charter version %u: a signature by %s, %s version %u", next->version,
	             m ? m->name : text, why, signers->version);
}

/* Who of signers (the members whose signatures count) signed next's hash validly. Every
 * signature given must be valid and by one of them. */
static int count_signatures(const yx_charter_t *signers, bool first_keys, const yx_charter_t *next,
                            Yrdx__CharterSignature *const *sigs, size_t n_sigs, size_t need,
                            yx_diag_t *diag)
{
	char missing[512] = "";
	size_t valid = 0;
	bool *seen = calloc(signers->n_members ? signers->n_members : 1, sizeof(bool));
	int ret = YX_OK;
	if (!seen)
		return -ENOMEM;
	for (size_t s = 0; s < n_sigs && ret == YX_OK; s++) {
		const Yrdx__CharterSignature *sig = sigs[s];
		if (!sig || sig->key.len != 32 || sig->signature.len != YX_SIG_BYTES) {
			ret = MFAIL("charter version %u: signature %zu is malformed", next->version,
			            s);
			break;
		}
		size_t i = 0;
		for (; i < signers->n_members; i++) {
			const yx_member_t *m = &signers->members[i];
			const uint8_t *k = first_keys ? m->keys[0].key : yx_member_current_key(m);
			if (!m->revoked && memcmp(k, sig->key.data, 32) == 0)
				break;
		}
		if (i == signers->n_members)
			ret = stray_signature(signers, next, sig->key.data, diag);
		else if (yx_charter_sig_verify(next->hash, sig->key.data, sig->signature.data))
			ret = MFAIL("charter version %u: the signature of %s does not verify",
			            next->version, signers->members[i].name);
		else if (!seen[i]) {
			seen[i] = true;
			valid++;
		}
	}
	if (ret == YX_OK && valid < need) {
		for (size_t i = 0; i < signers->n_members; i++)
			if (!seen[i] && !signers->members[i].revoked)
				list_add(missing, sizeof(missing), signers->members[i].name);
		ret = MFAIL("charter version %u has %zu valid signature%s of members of version "
		            "%u, needs %zu; missing: %s",
		            next->version, valid, valid == 1 ? "" : "s", signers->version, need,
		            missing);
	}
	free(seen);
	return ret;
}

/* Everything yx_charter_check_next checks but the signatures: what a draft must pass. */
static int next_follows(const yx_charter_t *prev, const yx_charter_t *next, yx_diag_t *diag)
{
	if (!prev) {
		if (next->version != 1)
			return MFAIL("charter version %u: the first version must be 1",
			             next->version);
		for (size_t i = 0; i < next->n_members; i++)
			if (next->members[i].n_keys != 1 || next->members[i].revoked)
				return MFAIL(
				        "charter version 1: member %s: a founder has one key and "
				        "is not revoked",
				        next->members[i].name);
		return YX_OK;
	}
	if (next->version != prev->version + 1)
		return MFAIL("charter version %u cannot follow version %u", next->version,
		             prev->version);
	if (memcmp(next->prev_hash, prev->hash, 32) != 0)
		return MFAIL("charter version %u names another version %u than the one held",
		             next->version, prev->version);
	if (strcmp(next->federation, prev->federation) != 0)
		return MFAIL("charter version %u is of another federation (%s, not %s)",
		             next->version, next->federation, prev->federation);
	for (size_t i = 0; i < prev->n_members; i++) {
		const yx_member_t *was = &prev->members[i];
		const yx_member_t *is = yx_charter_member_by_origin(next, was->origin);
		if (!is)
			return MFAIL("charter version %u leaves out member %s (a member leaves by "
			             "revocation)",
			             next->version, was->name);
		int ret = member_follows(was, is, next->version, diag);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < next->n_members; i++) {
		const yx_member_t *m = &next->members[i];
		if (!yx_charter_member_by_origin(prev, m->origin) && (m->n_keys != 1 || m->revoked))
			return MFAIL("charter version %u: new member %s must have one key and be "
			             "active",
			             next->version, m->name);
	}
	return YX_OK;
}

/* The signatures next needs: every founder's for version 1, else prev's threshold. */
static int next_signed(const yx_charter_t *prev, const yx_charter_t *next,
                       Yrdx__CharterSignature *const *sigs, size_t n_sigs, yx_diag_t *diag)
{
	if (!prev)
		return count_signatures(next, true, next, sigs, n_sigs, next->n_members, diag);
	return count_signatures(prev, false, next, sigs, n_sigs, prev->threshold, diag);
}

int yx_charter_check_next(const yx_charter_t *prev, const yx_charter_t *next,
                          Yrdx__CharterSignature *const *sigs, size_t n_sigs, yx_diag_t *diag)
{
	int ret = next_follows(prev, next, diag);
	return ret ? ret : next_signed(prev, next, sigs, n_sigs, diag);
}

int yx_charter_check_follows(const yx_charter_t *prev, const yx_charter_t *next, yx_diag_t *diag)
{
	return next_follows(prev, next, diag);
}

/* ---- signatures and chains ---------------------------------------------------------- */

static Yrdx__CharterSignature *sig_dup(const uint8_t key[32], const uint8_t sig[YX_SIG_BYTES])
{
	Yrdx__CharterSignature *s = malloc(sizeof(*s) + 32 + YX_SIG_BYTES);
	if (!s)
		return NULL;
	uint8_t *data = (uint8_t *)(s + 1);
	yrdx__charter_signature__init(s);
	memcpy(data, key, 32);
	memcpy(data + 32, sig, YX_SIG_BYTES);
	s->key = (ProtobufCBinaryData){32, data};
	s->signature = (ProtobufCBinaryData){YX_SIG_BYTES, data + 32};
	return s;
}

void yx_charter_sigs_free(Yrdx__CharterSignature **sigs, size_t n)
{
	for (size_t i = 0; sigs && i < n; i++)
		free(sigs[i]);
	free(sigs);
}

int yx_charter_chain_append(yx_charter_chain_t *chain, const yx_charter_t *next,
                            Yrdx__CharterSignature *const *sigs, size_t n_sigs)
{
	size_t n = chain->n;
	yx_charter_t **v = realloc(chain->versions, (n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	chain->versions = v;
	Yrdx__CharterSignature ***s = realloc(chain->sigs, (n + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	chain->sigs = s;
	size_t *ns = realloc(chain->n_sigs, (n + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	chain->n_sigs = ns;
	Yrdx__CharterSignature **copy = calloc(n_sigs ? n_sigs : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < n_sigs; i++)
		if (!sigs[i] || sigs[i]->key.len != 32 || sigs[i]->signature.len != YX_SIG_BYTES ||
		    !(copy[i] = sig_dup(sigs[i]->key.data, sigs[i]->signature.data))) {
			yx_charter_sigs_free(copy, i);
			return sigs[i] ? -ENOMEM : YX_EINVAL;
		}
	int ret = yx_charter_copy(next, &chain->versions[n]);
	if (ret) {
		yx_charter_sigs_free(copy, n_sigs);
		return ret;
	}
	chain->sigs[n] = copy;
	chain->n_sigs[n] = n_sigs;
	chain->n = n + 1;
	return YX_OK;
}

const yx_charter_t *yx_charter_chain_current(const yx_charter_chain_t *chain)
{
	return chain && chain->n ? chain->versions[chain->n - 1] : NULL;
}

void yx_charter_chain_free(yx_charter_chain_t **chain)
{
	if (!chain || !*chain)
		return;
	yx_charter_chain_t *c = *chain;
	for (size_t i = 0; i < c->n; i++) {
		yx_charter_free(&c->versions[i]);
		yx_charter_sigs_free(c->sigs[i], c->n_sigs[i]);
	}
	free(c->versions);
	free(c->sigs);
	free(c->n_sigs);
	free(c);
	*chain = NULL;
}

/* Signatures of a draft still missing: of version 1 every founder's, of a later version
 * the previous version's threshold less the valid ones (never negative). */
static size_t draft_missing(const yx_charter_t *prev, const yx_charter_t *draft,
                            Yrdx__CharterSignature *const *sigs, size_t n)
{
	const yx_charter_t *signers = prev ? prev : draft;
	size_t need = prev ? prev->threshold : draft->n_members, valid = 0;
	for (size_t i = 0; i < signers->n_members; i++) {
		const yx_member_t *m = &signers->members[i];
		const uint8_t *k = prev ? yx_member_current_key(m) : m->keys[0].key;
		for (size_t s = 0; !m->revoked && s < n; s++)
			if (sigs[s] && sigs[s]->key.len == 32 &&
			    sigs[s]->signature.len == YX_SIG_BYTES &&
			    memcmp(sigs[s]->key.data, k, 32) == 0 &&
			    yx_charter_sig_verify(draft->hash, k, sigs[s]->signature.data) ==
			            YX_OK) {
				valid++;
				break;
			}
	}
	return valid >= need ? 0 : need - valid;
}

static int file_versions(const Yrdx__CharterFile *f, bool allow_draft, yx_charter_chain_t *chain,
                         size_t *missing, yx_diag_t *diag)
{
	int ret = YX_OK;
	for (size_t i = 0; i < f->n_versions && ret == YX_OK; i++) {
		const Yrdx__SignedCharter *sc = f->versions[i];
		yx_charter_t *c = NULL;
		if (!sc)
			return MFAIL("charter file: version %zu missing", i + 1);
		if ((ret = yx_charter_decode(sc->charter.data, sc->charter.len, &c, diag)))
			return ret;
		if (c->version != i + 1)
			ret = MFAIL("charter file: entry %zu holds version %u", i + 1, c->version);
		const yx_charter_t *prev = yx_charter_chain_current(chain);
		/* a draft lacks signatures, nothing else */
		bool follows = ret == YX_OK && (ret = next_follows(prev, c, diag)) == YX_OK;
		if (follows)
			ret = next_signed(prev, c, sc->signatures, sc->n_signatures, diag);
		if (ret == YX_EINVAL && follows && allow_draft && i + 1 == f->n_versions) {
			size_t m = draft_missing(prev, c, sc->signatures, sc->n_signatures);
			if (m > 0) { /* a draft still gathering signatures, not a bad one */
				if (missing)
					*missing = m;
				ret = YX_OK;
			}
		}
		if (ret == YX_OK)
			ret = yx_charter_chain_append(chain, c, sc->signatures, sc->n_signatures);
		yx_charter_free(&c);
	}
	return ret;
}

int yx_charter_file_decode(const uint8_t *bytes, size_t len, bool allow_draft,
                           yx_charter_chain_t **out, size_t *draft_missing_out, yx_diag_t *diag)
{
	Yrdx__CharterFile *f;
	int ret;
	if (draft_missing_out)
		*draft_missing_out = 0;
	if (len > YX_CHARTER_FILE_MAX)
		return yx_diag_set(diag, YX_ETOOBIG, "charter file: %zu bytes, at most %d", len,
		                   YX_CHARTER_FILE_MAX);
	if (!(f = yrdx__charter_file__unpack(NULL, len, bytes)))
		return yx_diag_set(diag, YX_EDECODE, "not a charter file (%zu bytes)", len);
	if (f->n_versions == 0) {
		yrdx__charter_file__free_unpacked(f, NULL);
		return MFAIL("charter file: no version");
	}
	yx_charter_chain_t *chain = calloc(1, sizeof(*chain));
	if (!chain) {
		yrdx__charter_file__free_unpacked(f, NULL);
		return -ENOMEM;
	}
	ret = file_versions(f, allow_draft, chain, draft_missing_out, diag);
	yrdx__charter_file__free_unpacked(f, NULL);
	if (ret)
		yx_charter_chain_free(&chain);
	else
		*out = chain;
	return ret;
}

int yx_charter_file_encode(const yx_charter_chain_t *chain, uint8_t **bytes, size_t *len)
{
	Yrdx__CharterFile f = YRDX__CHARTER_FILE__INIT;
	Yrdx__SignedCharter *sc = calloc(chain->n ? chain->n : 1, sizeof(*sc));
	Yrdx__SignedCharter **psc = calloc(chain->n ? chain->n : 1, sizeof(*psc));
	int ret = -ENOMEM;
	if (!sc || !psc)
		goto out;
	for (size_t i = 0; i < chain->n; i++) {
		yrdx__signed_charter__init(&sc[i]);
		sc[i].charter =
		        (ProtobufCBinaryData){chain->versions[i]->len, chain->versions[i]->bytes};
		sc[i].n_signatures = chain->n_sigs[i];
		sc[i].signatures = chain->sigs[i];
		psc[i] = &sc[i];
	}
	f.n_versions = chain->n;
	f.versions = psc;
	*len = yrdx__charter_file__get_packed_size(&f);
	if (!(*bytes = malloc(*len ? *len : 1)))
		goto out;
	yrdx__charter_file__pack(&f, *bytes);
	ret = YX_OK;
out:
	free(sc);
	free(psc);
	return ret;
}

/* ---- amendments through the logs ---------------------------------------------------- */

typedef yxc_counted_t counted_t;

/* Whether vote v is a well-formed vote of an active member of current for version
 * current + 1; its proposal's hash into hash. */
static bool vote_counts(const yx_charter_t *current, const yx_vote_t *v, size_t *member,
                        uint8_t hash[32])
{
	const yx_member_t *m = yx_charter_member_by_origin(current, v->origin);
	if (!m || m->revoked || memcmp(v->signer, yx_member_current_key(m), 32) != 0 ||
	    !yx_member_seq_stands(m, v->seq) || v->len == 0 || v->len > YX_CHARTER_MAX_BYTES)
		return false;
	yx_charter_hash(v->charter, v->len, hash);
	if (yx_charter_sig_verify(hash, v->signer, v->signature) != YX_OK)
		return false;
	*member = (size_t)(m - current->members);
	return true;
}

/* The proposal of v: decoded, a version that may follow current (signatures aside: every
 * check of yx_charter_check_next but those). A vote for anything else is no vote. */
static bool proposal_follows(const yx_charter_t *current, const yx_vote_t *v, yx_charter_t **out)
{
	yx_diag_t d;
	if (yx_charter_decode(v->charter, v->len, out, &d) != YX_OK)
		return false;
	if (next_follows(current, *out, &d) == YX_OK)
		return true;
	yx_charter_free(out);
	return false;
}

static int cmp_counted(const void *a, const void *b)
{
	const counted_t *x = a, *y = b;
	int c = memcmp(x->hash, y->hash, 32);
	if (c)
		return c;
	return x->member < y->member ? -1 : x->member > y->member;
}

/* charter_int.h */
void yxc_first_votes(const yx_charter_t *current, const yx_vote_t *votes, size_t n, uint32_t round,
                     counted_t *firsts)
{
	for (size_t i = 0; i < n; i++) {
		counted_t c = {.vote = &votes[i], .seq = votes[i].seq};
		yx_charter_t *p = NULL;
		if (votes[i].round != round || !vote_counts(current, &votes[i], &c.member, c.hash))
			continue;
		counted_t *slot = &firsts[c.member];
		if (slot->vote && (slot->seq < c.seq ||
		                   (slot->seq == c.seq && memcmp(slot->hash, c.hash, 32) <= 0)))
			continue;
		if (!proposal_follows(current, &votes[i], &p))
			continue;
		yx_charter_free(&p);
		*slot = c;
	}
}

/* The proposal of the votes firsts[i..j) (one proposal, j - i >= threshold) if they make
 * it valid: YX_OK with *next and *sigs, else YX_ENOTFOUND. */
static int adopt_group(const yx_charter_t *current, const counted_t *firsts, size_t i, size_t j,
                       yx_charter_t **next, Yrdx__CharterSignature ***sigs, size_t *n_sigs)
{
	Yrdx__CharterSignature **s = calloc(j - i, sizeof(*s));
	yx_charter_t *p = NULL;
	yx_diag_t d;
	int ret = s ? YX_OK : -ENOMEM;
	for (size_t k = i; ret == YX_OK && k < j; k++)
		if (!(s[k - i] = sig_dup(firsts[k].vote->signer, firsts[k].vote->signature)))
			ret = -ENOMEM;
	if (ret == YX_OK && !proposal_follows(current, firsts[i].vote, &p))
		ret = YX_ENOTFOUND;
	if (ret == YX_OK && yx_charter_check_next(current, p, s, j - i, &d) != YX_OK)
		ret = YX_ENOTFOUND; /* a proposal no vote can make valid */
	if (ret == YX_OK) {
		*next = p;
		*sigs = s;
		*n_sigs = j - i;
		return YX_OK;
	}
	yx_charter_free(&p);
	yx_charter_sigs_free(s, s ? j - i : 0);
	return ret;
}

/* One round: YX_OK if a proposal is adopted in it, else YX_ENOTFOUND and *spent when every
 * active member has voted in it. */
static int adopt_round(const yx_charter_t *current, const yx_vote_t *votes, size_t n_votes,
                       uint32_t round, yx_charter_t **next, Yrdx__CharterSignature ***sigs,
                       size_t *n_sigs, bool *spent)
{
	counted_t *firsts = calloc(current->n_members, sizeof(*firsts));
	size_t n = 0, active = 0;
	int ret = YX_ENOTFOUND;
	if (!firsts)
		return -ENOMEM;
	yxc_first_votes(current, votes, n_votes, round, firsts);
	for (size_t i = 0; i < current->n_members; i++) {
		active += !current->members[i].revoked;
		if (firsts[i].vote)
			firsts[n++] = firsts[i];
	}
	*spent = n == active;
	/* grouped by proposal; a majority threshold lets at most one group reach it, and the
	 * lowest hash would win were there two */
	qsort(firsts, n, sizeof(*firsts), cmp_counted);
	for (size_t i = 0; i < n && ret == YX_ENOTFOUND;) {
		size_t j = i;
		while (j < n && memcmp(firsts[j].hash, firsts[i].hash, 32) == 0)
			j++;
		if (j - i >= current->threshold)
			ret = adopt_group(current, firsts, i, j, next, sigs, n_sigs);
		i = j;
	}
	free(firsts);
	return ret;
}

int yx_charter_adopt(const yx_charter_t *current, const yx_vote_t *votes, size_t n_votes,
                     yx_charter_t **next, Yrdx__CharterSignature ***sigs, size_t *n_sigs,
                     uint32_t *open_round)
{
	/* A spent round needs a vote of every active member in it, so rounds past the
	 * highest one voted in are never spent: the loop ends there at the latest. */
	for (uint32_t round = 0;; round++) {
		bool spent = false;
		int ret = adopt_round(current, votes, n_votes, round, next, sigs, n_sigs, &spent);
		if (ret != YX_ENOTFOUND || !spent) {
			if (open_round)
				*open_round = round;
			return ret;
		}
	}
}
