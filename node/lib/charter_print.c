/* charter_print: the text of a charter version an administrator reads before signing. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "charter.h"
#include "validate.h"

/* The member of c any of whose keys is key, or NULL. */
static const yx_member_t *member_with_key(const yx_charter_t *c, const uint8_t key[32])
{
	for (size_t i = 0; i < c->n_members; i++)
		for (size_t k = 0; k < c->members[i].n_keys; k++)
			if (memcmp(c->members[i].keys[k].key, key, 32) == 0)
				return &c->members[i];
	return NULL;
}

static void print_member(const yx_member_t *m, FILE *out)
{
	char key[YX_PUBKEY_TEXT_LEN + 1];
	fprintf(out, "  %-12s %s (%u)\n", m->name, yx_city_name(m->city), m->city);
	fprintf(out, "      管辖范围 jurisdiction:");
	for (size_t j = 0; j < m->n_jurisdiction; j++)
		fprintf(out, " %s (%u)", yx_city_name(m->jurisdiction[j]), m->jurisdiction[j]);
	fputc('\n', out);
	for (size_t k = 0; k < m->n_keys; k++) {
		yx_pubkey_format(m->keys[k].key, key);
		if (k == 0)
			fprintf(out, "      key       %s (origin, from seq 1)\n", key);
		else
			fprintf(out, "      key       %s (rotated: signs after seq %llu)\n", key,
			        (unsigned long long)m->keys[k].after_seq);
	}
	for (size_t e = 0; e < m->n_endpoints; e++)
		fprintf(out, "      endpoint  %s\n", m->endpoints[e]);
	if (m->revoked)
		fprintf(out, "      state     revoked (已撤销): its log stands up to seq %llu\n",
		        (unsigned long long)m->revoked_after);
	else
		fprintf(out, "      state     active\n");
}

int yx_charter_print(const yx_charter_t *c, Yrdx__CharterSignature *const *sigs, size_t n_sigs,
                     FILE *out)
{
	char hex[65], when[32] = "-";
	size_t active = 0;
	for (size_t i = 0; i < c->n_members; i++)
		active += !c->members[i].revoked;
	fprintf(out, "联盟章程 federation charter: %s, version %u\n", c->federation, c->version);
	sodium_bin2hex(hex, sizeof(hex), c->hash, 32);
	fprintf(out, "  hash        %s\n", hex);
	if (c->version > 1) {
		sodium_bin2hex(hex, sizeof(hex), c->prev_hash, 32);
		fprintf(out, "  previous    %s\n", hex);
	}
	fprintf(out, "  threshold   %u of %zu active members sign an amendment (签署门槛)\n",
	        c->threshold, active);
	if (c->time_ms > 0) {
		time_t t = (time_t)(c->time_ms / 1000);
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	}
	fprintf(out, "  drafted     %s\n", when);
	if (*c->summary)
		fprintf(out, "  summary     %s\n", c->summary);
	fprintf(out, "成员城市 members (%zu):\n", c->n_members);
	for (size_t i = 0; i < c->n_members; i++)
		print_member(&c->members[i], out);
	if (sigs) {
		fprintf(out, "签署 signatures (%zu):\n", n_sigs);
		for (size_t s = 0; s < n_sigs; s++) {
			char key[YX_PUBKEY_TEXT_LEN + 1] = "(malformed)";
			const yx_member_t *m = NULL;
			if (sigs[s] && sigs[s]->key.len == 32) {
				yx_pubkey_format(sigs[s]->key.data, key);
				m = member_with_key(c, sigs[s]->key.data);
			}
			fprintf(out, "  %-12s %s\n", m ? m->name : "(no member)", key);
		}
	}
	return ferror(out) ? -EIO : YX_OK;
}
