/* Fuzz harness: the charter (联盟章程, node/lib/charter.c) as files, versions and votes.
 *   - the input as a charter file, strictly and as a draft: what decodes is a chain of
 *     versions 1..n, each following the one before; encoded again it decodes to the
 *     same versions (strictly if it did strictly), and prints;
 *   - the input as one version: what decodes builds again to a version with the same
 *     fields, builds idempotently, copies and prints;
 *   - votes derived from the input, 4 bytes each (the member whose log holds it, the
 *     proposal — one of three real ones, or the input itself — the signer and signature,
 *     its seq and its round) over a founding version of five real keys: yx_charter_adopt
 *     gives the same result in three orders of the votes, and what it adopts passes
 *     yx_charter_check_next with signatures of distinct active members.
 * Keys are generated once per process; nothing in the outcome depends on their bytes
 * but tie-breaks between proposals of equal support, which the assertions do not fix. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMBERS   5
#define IDS       7 /* members, one city to admit, one stranger */
#define MAX_VOTES 32

static const char *const names[IDS] = {"shanghai", "hangzhou", "hefei",   "suzhou",
                                       "nanjing",  "ningbo",   "stranger"};
static const uint32_t cities[IDS] = {310000, 330100, 340100, 320500, 320100, 330200, 341000};

typedef struct {
	yx_identity_t *ids[IDS];
	yx_charter_t *v1;
	yx_charter_t *proposals[3];         /* admit ningbo; move hefei; leave nanjing out */
	uint8_t sigs[IDS][3][YX_SIG_BYTES]; /* each key's signature of each proposal */
} world_t;

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_charter: %s\n", why);
	abort();
}

static yx_charter_t *build(const yx_charter_t *c)
{
	yx_charter_t *out = NULL;
	yx_diag_t diag = {{0}};
	if (yx_charter_build(c, &out, &diag) != YX_OK) {
		fprintf(stderr, "fuzz_charter: %s\n", diag.msg);
		abort();
	}
	return out;
}

/* Version `version` of the members who[0..n), each with its own key, after prev. */
static yx_charter_t *version_of(const world_t *w, uint32_t version, const yx_charter_t *prev,
                                uint32_t threshold, const int *who, size_t n)
{
	yx_member_t m[IDS];
	yx_charter_t c = {.version = version, .threshold = threshold, .members = m, .n_members = n};
	memset(m, 0, sizeof(m));
	snprintf(c.federation, sizeof(c.federation), "长三角协同孵化网络");
	if (prev)
		memcpy(c.prev_hash, prev->hash, 32);
	for (size_t i = 0; i < n; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "%s", names[who[i]]);
		m[i].city = cities[who[i]];
		m[i].jurisdiction[0] = m[i].city;
		m[i].n_jurisdiction = 1;
		memcpy(m[i].origin, yx_identity_public(w->ids[who[i]]), 32);
		memcpy(m[i].keys[0].key, m[i].origin, 32);
		m[i].n_keys = 1;
		snprintf(m[i].endpoints[0], sizeof(m[i].endpoints[0]), "tcp://127.0.0.1:%d",
		         7401 + 10 * who[i]);
		m[i].n_endpoints = 1;
	}
	return build(&c);
}

static const world_t *world(void)
{
	static world_t w;
	static int made;
	static const int five[5] = {0, 1, 2, 3, 4}, six[6] = {0, 1, 2, 3, 4, 5};
	if (made)
		return &w;
	if (yx_crypto_init() != YX_OK)
		fail("libsodium");
	for (int i = 0; i < IDS; i++)
		if (yx_identity_generate(&w.ids[i]) != YX_OK)
			fail("keys");
	w.v1 = version_of(&w, 1, NULL, 3, five, MEMBERS);
	w.proposals[0] = version_of(&w, 2, w.v1, 4, six, 6);
	/* the same members with hefei at another endpoint: another hash */
	yx_charter_t *moved = NULL;
	if (yx_charter_copy(w.v1, &moved) != YX_OK)
		fail("copy");
	moved->version = 2;
	memcpy(moved->prev_hash, w.v1->hash, 32);
	snprintf(moved->members[2].endpoints[0], sizeof(moved->members[2].endpoints[0]),
	         "tcp://10.0.0.3:7401");
	w.proposals[1] = build(moved);
	yx_charter_free(&moved);
	w.proposals[2] = version_of(&w, 2, w.v1, 3, five, 4); /* nanjing left out */
	for (int i = 0; i < IDS; i++)
		for (int p = 0; p < 3; p++)
			yx_charter_sign(w.proposals[p]->hash, w.ids[i], w.sigs[i][p]);
	made = 1;
	return &w;
}

/* ---- files and versions ------------------------------------------------------------ */

static void chain_check(const yx_charter_chain_t *chain, bool allow_draft)
{
	yx_charter_chain_t *again = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	if (chain->n == 0)
		fail("a chain of no version");
	for (size_t i = 0; i < chain->n; i++) {
		if (chain->versions[i]->version != i + 1)
			fail("versions out of order");
		if (i && memcmp(chain->versions[i]->prev_hash, chain->versions[i - 1]->hash, 32))
			fail("a version that does not name the one before");
	}
	if (yx_charter_file_encode(chain, &bytes, &len) != YX_OK)
		fail("encode");
	if (yx_charter_file_decode(bytes, len, allow_draft, &again, NULL, &diag) != YX_OK) {
		fprintf(stderr, "fuzz_charter: %s\n", diag.msg);
		fail("a decoded chain, encoded, does not decode");
	}
	if (again->n != chain->n)
		fail("re-decoded chain of another length");
	for (size_t i = 0; i < chain->n; i++)
		if (memcmp(again->versions[i]->hash, chain->versions[i]->hash, 32))
			fail("re-decoded chain of other versions");
	FILE *out = fopen("/dev/null", "w");
	for (size_t i = 0; out && i < chain->n; i++)
		if (yx_charter_print(chain->versions[i], chain->sigs[i], chain->n_sigs[i], out))
			fail("print");
	if (out)
		fclose(out);
	yx_charter_chain_free(&again);
	free(bytes);
}

static void version_check(const yx_charter_t *c)
{
	yx_charter_t *b1 = build(c), *b2 = build(b1), *copy = NULL;
	if (b1->version != c->version || b1->threshold != c->threshold ||
	    b1->n_members != c->n_members || strcmp(b1->federation, c->federation) ||
	    memcmp(b1->prev_hash, c->prev_hash, 32))
		fail("built from a version's fields, another version");
	for (size_t i = 0; i < c->n_members; i++)
		if (strcmp(b1->members[i].name, c->members[i].name) ||
		    memcmp(b1->members[i].origin, c->members[i].origin, 32) ||
		    b1->members[i].n_keys != c->members[i].n_keys ||
		    b1->members[i].revoked != c->members[i].revoked)
			fail("built from a member's fields, another member");
	if (b2->len != b1->len || memcmp(b2->bytes, b1->bytes, b1->len))
		fail("building is not idempotent");
	if (yx_charter_copy(c, &copy) != YX_OK || memcmp(copy->hash, c->hash, 32))
		fail("copy");
	FILE *out = fopen("/dev/null", "w");
	if (out) {
		if (yx_charter_print(c, NULL, 0, out))
			fail("print");
		fclose(out);
	}
	yx_charter_free(&copy);
	yx_charter_free(&b2);
	yx_charter_free(&b1);
}

/* ---- votes --------------------------------------------------------------------------- */

typedef struct {
	yx_charter_t *next;
	Yrdx__CharterSignature **sigs;
	size_t n_sigs;
	uint32_t open;
	int ret;
} outcome_t;

static void adopt(const world_t *w, const yx_vote_t *v, size_t n, outcome_t *o)
{
	memset(o, 0, sizeof(*o));
	o->ret = yx_charter_adopt(w->v1, v, n, &o->next, &o->sigs, &o->n_sigs, &o->open);
	if (o->ret != YX_OK && o->ret != YX_ENOTFOUND)
		fail("adopt failed other than by finding nothing");
	if (o->ret != YX_OK && o->next)
		fail("nothing adopted, yet a version");
}

static void outcome_free(outcome_t *o)
{
	yx_charter_sigs_free(o->sigs, o->n_sigs);
	yx_charter_free(&o->next);
}

static void same_outcome(const outcome_t *a, const outcome_t *b)
{
	if (a->ret != b->ret || (a->ret == YX_OK && memcmp(a->next->hash, b->next->hash, 32)) ||
	    (a->ret == YX_ENOTFOUND && a->open != b->open))
		fail("the outcome depends on the order of the votes");
	if (a->ret == YX_OK && a->n_sigs != b->n_sigs)
		fail("the signatures adopted depend on the order of the votes");
}

static void adopted_check(const world_t *w, const outcome_t *o)
{
	yx_diag_t diag = {{0}};
	if (o->ret != YX_OK)
		return;
	if (o->n_sigs < w->v1->threshold)
		fail("adopted with fewer signatures than the threshold");
	if (yx_charter_check_next(w->v1, o->next, o->sigs, o->n_sigs, &diag) != YX_OK) {
		fprintf(stderr, "fuzz_charter: %s\n", diag.msg);
		fail("adopted a version that does not pass check_next");
	}
	if (!memcmp(o->next->hash, w->proposals[2]->hash, 32))
		fail("adopted a version that leaves a member out");
	for (size_t i = 0; i < o->n_sigs; i++)
		for (size_t k = 0; k < i; k++)
			if (!memcmp(o->sigs[i]->key.data, o->sigs[k]->key.data, 32))
				fail("one member's signature counted twice");
}

/* Vote i from 4 input bytes: b0 the log (a member, the city to admit or the stranger) and
 * whether its signature is corrupted; b1 the proposal (one of three, or the input itself)
 * and the signer (the log's own key, or another's); b2 its seq; b3 its round. raw_sigs
 * holds each key's signature of the input as a proposal. */
static void vote_from(const world_t *w, const uint8_t *b, const uint8_t *raw, size_t raw_len,
                      uint8_t raw_sigs[IDS][YX_SIG_BYTES], yx_vote_t *v)
{
	int log = b[0] % IDS, signer = (b[1] >> 2) % 8 < 6 ? log : (b[1] >> 5) % IDS;
	int which = b[1] & 3;
	memset(v, 0, sizeof(*v));
	memcpy(v->origin, yx_identity_public(w->ids[log]), 32);
	memcpy(v->signer, yx_identity_public(w->ids[signer]), 32);
	v->seq = b[2] % 16 + 1;
	v->round = b[3] % 3;
	if (which < 3) {
		v->charter = w->proposals[which]->bytes;
		v->len = w->proposals[which]->len;
		memcpy(v->signature, w->sigs[signer][which], YX_SIG_BYTES);
	} else {
		v->charter = raw;
		v->len = raw_len;
		memcpy(v->signature, raw_sigs[signer], YX_SIG_BYTES);
	}
	if (b[0] & 0x80)
		v->signature[b[2] % YX_SIG_BYTES] ^= 1;
}

static void votes_check(const world_t *w, const uint8_t *data, size_t size)
{
	yx_vote_t v[MAX_VOTES], r[MAX_VOTES];
	size_t n = size / 4 < MAX_VOTES ? size / 4 : MAX_VOTES;
	uint8_t raw_sigs[IDS][YX_SIG_BYTES], hash[32];
	outcome_t a, b, c;
	yx_charter_hash(data, size, hash);
	for (int i = 0; i < IDS; i++)
		yx_charter_sign(hash, w->ids[i], raw_sigs[i]);
	for (size_t i = 0; i < n; i++)
		vote_from(w, data + 4 * i, data, size, raw_sigs, &v[i]);
	adopt(w, v, n, &a);
	for (size_t i = 0; i < n; i++)
		r[i] = v[n - 1 - i];
	adopt(w, r, n, &b);
	for (size_t i = 0; i < n; i++)
		r[i] = v[(i + n / 2) % n];
	adopt(w, r, n, &c);
	same_outcome(&a, &b);
	same_outcome(&a, &c);
	adopted_check(w, &a);
	outcome_free(&a);
	outcome_free(&b);
	outcome_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const world_t *w = world();
	yx_charter_chain_t *chain = NULL;
	yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	size_t missing = 0;
	if (yx_charter_file_decode(data, size, false, &chain, &missing, &diag) == YX_OK) {
		if (missing)
			fail("a strict decode with signatures missing");
		chain_check(chain, false);
		yx_charter_chain_free(&chain);
	}
	if (yx_charter_file_decode(data, size, true, &chain, &missing, &diag) == YX_OK) {
		chain_check(chain, true);
		yx_charter_chain_free(&chain);
	}
	if (yx_charter_decode(data, size, &c, &diag) == YX_OK) {
		version_check(c);
		yx_charter_free(&c);
	}
	votes_check(w, data, size);
	return 0;
}
