#include "tiers.h"

#include <stdlib.h>
#include <string.h>

bool yx_period_parse(const char *text, yx_period_t *out)
{
	if (!text || strlen(text) < 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	unsigned year = (unsigned)((text[0] - '0') * 1000 + (text[1] - '0') * 100 +
	                           (text[2] - '0') * 10 + (text[3] - '0'));
	if (year < 2000 || year > 2099)
		return false;
	unsigned first = 0, last = 11;
	const char *rest = text + 4;
	if (*rest) {
		/* the length first: rest[2] lies past a one-letter rest's NUL */
		if (strlen(rest) != 2 || rest[1] < '1')
			return false;
		if (rest[0] == 'H' && rest[1] <= '2') {
			first = (unsigned)(rest[1] - '1') * 6;
			last = first + 5;
		} else if (rest[0] == 'Q' && rest[1] <= '4') {
			first = (unsigned)(rest[1] - '1') * 3;
			last = first + 2;
		} else {
			return false;
		}
	}
	unsigned base = (year - 2000) * 12;
	out->year = (uint16_t)year;
	out->first = (uint16_t)(base + first);
	out->last = (uint16_t)(base + last);
	return true;
}

int yx_period_compare(const yx_period_t *a, const yx_period_t *b)
{
	if (a->last != b->last)
		return a->last < b->last ? -1 : 1;
	if (a->first != b->first)
		return a->first > b->first ? -1 : 1;
	return 0;
}

/* Period order; an unparsable period first (it is skipped); ties by id, then by the
 * result, so the order is total over distinct inputs. */
static int input_compare(const void *pa, const void *pb)
{
	const yx_tier_input_t *a = pa, *b = pb;
	yx_period_t x, y;
	bool okx = yx_period_parse(a->period, &x), oky = yx_period_parse(b->period, &y);
	if (okx != oky)
		return okx ? 1 : -1;
	int c = okx ? yx_period_compare(&x, &y) : 0;
	if (c)
		return c;
	if ((c = strcmp(a->id ? a->id : "", b->id ? b->id : "")))
		return c;
	return (a->result > b->result) - (a->result < b->result);
}

static Yrdx__IncubatorTier down_one(Yrdx__IncubatorTier t)
{
	switch (t) {
	case YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY:
		return YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION;
	case YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION:
		return YRDX__INCUBATOR_TIER__INCUBATOR_TIER_STANDARD;
	default: return t;
	}
}

void yx_tier_derive(const Yrdx__Incubator *inc, yx_tier_input_t *evals, size_t n, yx_tier_t *out,
                    yx_tier_step_t *steps)
{
	yx_period_t since, p;
	bool has_since = inc->tier_since && yx_period_parse(inc->tier_since, &since);
	unsigned excellent_run = 0;

	memset(out, 0, sizeof(*out));
	out->registered = out->effective = inc->tier;
	if (n > 1)
		qsort(evals, n, sizeof(*evals), input_compare);
	for (size_t i = 0; i < n; i++) {
		const yx_tier_input_t *e = &evals[i];
		bool parsed = yx_period_parse(e->period, &p);
		bool counted = parsed && !(has_since && p.first < since.first);
		Yrdx__IncubatorTier from = out->effective;
		if (counted) {
			switch (e->result) {
			case YRDX__MILESTONE_RESULT__MILESTONE_RESULT_EXCELLENT:
				excellent_run++;
				break;
			case YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ADJUSTED:
				out->effective = down_one(out->effective);
				excellent_run = 0;
				break;
			case YRDX__MILESTONE_RESULT__MILESTONE_RESULT_ELIMINATED:
				if (out->effective ==
				            YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY ||
				    out->effective ==
				            YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION) {
					out->effective =
					        YRDX__INCUBATOR_TIER__INCUBATOR_TIER_STANDARD;
					out->eliminated = true;
				}
				excellent_run = 0;
				break;
			default: excellent_run = 0; break;
			}
			out->candidate =
			        excellent_run >= 2 &&
			        out->effective ==
			                YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY_CULTIVATION;
			out->last_period = e->period;
		}
		if (steps)
			steps[i] = (yx_tier_step_t){e->id,          e->period,      e->result, from,
			                            out->effective, out->candidate, counted};
	}
}

bool yx_evaluation_incubator(const char *evaluation_id, char *out, size_t cap)
{
	const char *slash = evaluation_id ? strrchr(evaluation_id, '/') : NULL;
	if (!slash || slash == evaluation_id)
		return false;
	size_t len = (size_t)(slash - evaluation_id);
	if (len + 1 > cap)
		return false;
	memcpy(out, evaluation_id, len);
	out[len] = '\0';
	return true;
}
