/* Fuzz harness: joint-agreement derivation (node/lib/joint.c) on participations built from
 * the input, 4 bytes each: who wrote it (one of four cities), its agreement (one of two),
 * its parties (a subset of the cities, in some order, perhaps with a key repeated or cut
 * short), its enterprise and its incubators (a subset of three ids, perhaps repeated).
 * Each gets its own seq per city and a chain hash of its own, as in a store. Asserted:
 *   - the derived agreement does not depend on the order the participations are given in
 *     (its terms, parties, signatures, and which participations count);
 *   - a participation counts only as its own writer's signature, its writer one of the
 *     agreement's parties, with the agreement's terms, once per party;
 *   - the agreement is active exactly when every party signed. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CITIES    4
#define MAX_PARTS 48

static const char *const agreement_ids[2] = {"a-3", "b-9"};
static const char *const codes[2] = {"91310115MA1K3YJ12G", "91320500MA1MXXXX1A"};
static const char *const incubators[3] = {"SH-INC-0001", "SZ-INC-0002", "HZ-INC-0003"};

typedef struct {
	uint8_t keys[CITIES][YX_KEY_BYTES];
	size_t n;
	Yrdx__JointParticipation jp[MAX_PARTS];
	ProtobufCBinaryData parties[MAX_PARTS][CITIES + 1];
	char *ids[MAX_PARTS][4];
	yx_joint_part_t p[MAX_PARTS];
} parts_t;

static void fail(const char *why)
{
	fprintf(stderr, "fuzz_joint: %s\n", why);
	abort();
}

static void parts_build(parts_t *s, const uint8_t *data, size_t size)
{
	uint64_t seqs[CITIES] = {0};
	memset(s, 0, sizeof(*s));
	for (int c = 0; c < CITIES; c++)
		memset(s->keys[c], 0x10 * (c + 1), YX_KEY_BYTES);
	s->n = size / 4 < MAX_PARTS ? size / 4 : MAX_PARTS;
	for (size_t i = 0; i < s->n; i++) {
		const uint8_t *b = data + 4 * i;
		Yrdx__JointParticipation *jp = &s->jp[i];
		yx_joint_part_t *p = &s->p[i];
		uint64_t idx = i;
		yrdx__joint_participation__init(jp);
		int city = b[0] % CITIES;
		memcpy(p->origin, s->keys[city], YX_KEY_BYTES);
		p->seq = ++seqs[city];
		crypto_generichash_state h;
		crypto_generichash_init(&h, NULL, 0, YX_HASH_BYTES);
		crypto_generichash_update(&h, (const uint8_t *)&idx, sizeof(idx));
		crypto_generichash_update(&h, b, 4);
		crypto_generichash_final(&h, p->hash, YX_HASH_BYTES);
		p->jp = jp;
		jp->id = (char *)agreement_ids[(b[0] >> 2) & 1];
		jp->credit_code = (char *)codes[(b[0] >> 3) & 1];
		/* Parties: the cities of the low nibble, rotated; a repeat or a short key. */
		int rot = b[1] >> 6;
		jp->parties = s->parties[i];
		for (int k = 0; k < CITIES; k++) {
			int c = (k + rot) % CITIES;
			if (b[1] & (1 << c))
				jp->parties[jp->n_parties++] =
				        (ProtobufCBinaryData){YX_KEY_BYTES, s->keys[c]};
		}
		if ((b[1] & 0x10) && jp->n_parties)
			s->parties[i][jp->n_parties++] = s->parties[i][0];
		if ((b[1] & 0x20) && jp->n_parties)
			s->parties[i][0].len = YX_KEY_BYTES - 1;
		for (int k = 0; k < 3; k++)
			if (b[2] & (1 << k))
				s->ids[i][jp->n_incubator_ids++] =
				        (char *)incubators[(k + (b[2] >> 6)) % 3];
		if ((b[2] & 0x08) && jp->n_incubator_ids)
			s->ids[i][jp->n_incubator_ids++] = s->ids[i][0];
		jp->incubator_ids = s->ids[i];
		jp->incubator_id = jp->n_incubator_ids ? jp->incubator_ids[0] : "";
		jp->role = (b[3] & 1) ? "lead" : "co-incubator";
	}
}

static yx_joint_part_t *find(parts_t *s, const yx_joint_part_t *x)
{
	for (size_t i = 0; x && i < s->n; i++)
		if (s->p[i].seq == x->seq && memcmp(s->p[i].origin, x->origin, YX_KEY_BYTES) == 0)
			return &s->p[i];
	return NULL;
}

static void agreement_check(parts_t *s, parts_t *r, const char *id)
{
	yx_joint_t j, k;
	int ret = yx_joint_derive(s->p, s->n, id, &j);

	/* The same participations in another order (seeded by the participations). */
	*r = *s;
	uint64_t x = s->n ? s->p[0].hash[0] * 0x9e3779b97f4a7c15ULL + s->n : 1;
	for (size_t i = r->n; i > 1; i--) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t m = x % i;
		yx_joint_part_t t = r->p[i - 1];
		r->p[i - 1] = r->p[m];
		r->p[m] = t;
	}
	if (ret != yx_joint_derive(r->p, r->n, id, &k))
		fail("whether the agreement exists depends on the order");
	if (ret != YX_OK)
		return;
	if (j.active != k.active || j.n_signed != k.n_signed || j.n_parties != k.n_parties ||
	    !yx_joint_same_terms(j.terms->jp, k.terms->jp))
		fail("the derived agreement depends on the order");
	if (j.active != (j.n_signed == j.n_parties))
		fail("active is not every party signed");
	for (size_t q = 0; q < j.n_parties; q++) {
		if (memcmp(j.parties[q].key, k.parties[q].key, YX_KEY_BYTES) != 0 ||
		    find(s, j.parties[q].part) != find(s, k.parties[q].part))
			fail("a party's signature depends on the order");
		const yx_joint_part_t *p = j.parties[q].part;
		if (!p)
			continue;
		if (memcmp(p->origin, j.parties[q].key, YX_KEY_BYTES) != 0)
			fail("a participation counts as another city's signature");
		if (!p->counted || !yx_joint_same_terms(p->jp, j.terms->jp) ||
		    strcmp(p->jp->id, id) != 0)
			fail("a counted participation has other terms");
	}
	size_t counted = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->p[i].jp->id, id) != 0)
			continue; /* another agreement's: its flags are that derivation's */
		if (find(r, &s->p[i])->counted != s->p[i].counted)
			fail("whether a participation counts depends on the order");
		if (!s->p[i].counted)
			continue;
		counted++;
		if (!yx_joint_party(&j, s->p[i].origin))
			fail("a participation of a non-party counts");
	}
	if (counted != j.n_signed)
		fail("the signatures are not the participations counted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parts_t *s = malloc(sizeof(*s)), *r = malloc(sizeof(*r));
	if (s && r) {
		parts_build(s, data, size);
		for (int i = 0; i < 2; i++)
			agreement_check(s, r, agreement_ids[i]);
	}
	free(s);
	free(r);
	return 0;
}
