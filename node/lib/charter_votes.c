/* charter_votes: what a vote is called (its record id) and how the votes held for the
 * next version stand in one round — each member's counted vote and the proposals they are
 * for — by the one count adoption makes (charter.c, yxc_first_votes). What `charter
 * status` shows, and what the daemon reads to refuse a member's second vote in a round. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "charter_int.h"

void yx_charter_vote_id(uint32_t version, const uint8_t hash[32], char out[YX_CHARTER_VOTE_ID_MAX])
{
	yx_charter_vote_id_round(version, hash, 0, out);
}

void yx_charter_vote_id_round(uint32_t version, const uint8_t hash[32], uint32_t round,
                              char out[YX_CHARTER_VOTE_ID_MAX])
{
	char hex[17];
	sodium_bin2hex(hex, sizeof(hex), hash, 8);
	if (round == 0)
		snprintf(out, YX_CHARTER_VOTE_ID_MAX, "v%u-%s", version, hex);
	else
		snprintf(out, YX_CHARTER_VOTE_ID_MAX, "v%u-%s-r%u", version, hex, round);
}

int yx_charter_tally(const yx_charter_t *current, const yx_vote_t *votes, size_t n_votes,
                     uint32_t round, yx_tally_t *out)
{
	yxc_counted_t *firsts = calloc(current->n_members, sizeof(*firsts));
	memset(out, 0, sizeof(*out));
	out->member_vote = calloc(current->n_members, sizeof(*out->member_vote));
	out->member_proposal = calloc(current->n_members, sizeof(*out->member_proposal));
	/* at most one proposal per member */
	out->proposals = calloc(current->n_members, sizeof(*out->proposals));
	if (!firsts || !out->member_vote || !out->member_proposal || !out->proposals) {
		free(firsts);
		yx_charter_tally_free(out);
		return -ENOMEM;
	}
	yxc_first_votes(current, votes, n_votes, round, firsts);
	size_t counted = 0, in_round = 0;
	for (size_t i = 0; i < n_votes; i++)
		in_round += votes[i].round == round;
	for (size_t i = 0; i < current->n_members; i++) {
		out->member_vote[i] = firsts[i].vote;
		out->member_proposal[i] = SIZE_MAX;
		if (!firsts[i].vote)
			continue;
		counted++;
		size_t p = 0;
		while (p < out->n && memcmp(out->proposals[p].hash, firsts[i].hash, 32) != 0)
			p++;
		if (p == out->n) {
			memcpy(out->proposals[p].hash, firsts[i].hash, 32);
			out->proposals[p].vote = firsts[i].vote; /* a fixed pick: lowest member */
			out->n++;
		}
		out->proposals[p].n_votes++;
	}
	/* by hash, as adoption orders them; member_proposal indexes that order */
	for (size_t a = 1; a < out->n; a++)
		for (size_t b = a;
		     b > 0 && memcmp(out->proposals[b - 1].hash, out->proposals[b].hash, 32) > 0;
		     b--) {
			yx_proposal_t t = out->proposals[b];
			out->proposals[b] = out->proposals[b - 1];
			out->proposals[b - 1] = t;
		}
	for (size_t i = 0; i < current->n_members; i++)
		for (size_t p = 0; firsts[i].vote && p < out->n; p++)
			if (memcmp(out->proposals[p].hash, firsts[i].hash, 32) == 0)
				out->member_proposal[i] = p;
	out->n_members = current->n_members;
	out->round = round;
	out->ignored = in_round - counted;
	free(firsts);
	return YX_OK;
}

void yx_charter_tally_free(yx_tally_t *t)
{
	if (!t)
		return;
	free(t->proposals);
	free(t->member_vote);
	free(t->member_proposal);
	memset(t, 0, sizeof(*t));
}
