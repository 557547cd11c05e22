#include "match.h"

#include <stdbool.h>
#include <string.h>

int yx_industry_track(Yrdx__Industry i)
{
	if (i >= YRDX__INDUSTRY__INDUSTRY_DIGITAL_TRANSFORMATION &&
	    i <= YRDX__INDUSTRY__INDUSTRY_GREEN_TRANSFORMATION)
		return 1;
	if (i >= YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS &&
	    i <= YRDX__INDUSTRY__INDUSTRY_ARTIFICIAL_INTELLIGENCE)
		return 2;
	if (i >= YRDX__INDUSTRY__INDUSTRY_ELECTRONIC_INFORMATION &&
	    i <= YRDX__INDUSTRY__INDUSTRY_FASHION_CONSUMER_GOODS)
		return 3;
	if (i >= YRDX__INDUSTRY__INDUSTRY_DIGITAL_ECONOMY &&
	    i <= YRDX__INDUSTRY__INDUSTRY_SMART_TERMINALS)
		return 4;
	if (i >= YRDX__INDUSTRY__INDUSTRY_FUTURE_HEALTH &&
	    i <= YRDX__INDUSTRY__INDUSTRY_FUTURE_MATERIALS)
		return 5;
	return 0;
}

const char *yx_track_term(int track)
{
	static const char *const terms[] = {NULL,           "两大转型",   "三大先导产业",
	                                    "六大重点产业", "四大新赛道", "五大未来产业"};
	return track >= 1 && track <= 5 ? terms[track] : NULL;
}

static bool park_has(const Yrdx__Park *p, Yrdx__Industry i)
{
	for (size_t k = 0; k < p->n_industries; k++)
		if (p->industries[k] == i)
			return true;
	return false;
}

static bool park_has_track(const Yrdx__Park *p, int track)
{
	for (size_t k = 0; k < p->n_industries; k++)
		if (track && yx_industry_track(p->industries[k]) == track)
			return true;
	return false;
}

yx_match_t yx_match_park(const Yrdx__Enterprise *e, const Yrdx__Park *p)
{
	yx_match_t m = {0};
	m.industries = e->n_industries;
	for (size_t k = 0; k < e->n_industries; k++) {
		uint64_t bit = k < 64 ? (uint64_t)1 << k : 0;
		if (park_has(p, e->industries[k])) {
			m.exact++;
			m.exact_set |= bit;
		} else if (park_has_track(p, yx_industry_track(e->industries[k]))) {
			m.same_track++;
			m.track_set |= bit;
		}
	}
	if (e->n_industries) {
		m.industry = (int)(YX_MATCH_INDUSTRY * m.exact / e->n_industries);
		m.track = (int)(YX_MATCH_TRACK * m.same_track / e->n_industries);
	}
	uint32_t places =
	        p->capacity < YX_MATCH_CAPACITY_FULL ? p->capacity : YX_MATCH_CAPACITY_FULL;
	m.capacity = (int)(YX_MATCH_CAPACITY * places / YX_MATCH_CAPACITY_FULL);
	if (p->capacity > 0 && m.capacity == 0)
		m.capacity = 1; /* room for one more beats none */
	for (size_t k = 0; k < e->n_qualifications; k++)
		m.hard_enterprise |=
		        e->qualifications[k] == YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH ||
		        e->qualifications[k] == YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT;
	m.hard_park = p->type == YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE ||
	              p->type == YRDX__PARK_TYPE__PARK_TYPE_SCI_TECH_DEMO_BASE;
	if (m.hard_enterprise && m.hard_park)
		m.hard_tech = YX_MATCH_HARD_TECH;
	m.total = m.industry + m.track + m.capacity + m.hard_tech;
	return m;
}

const yx_case_event_t *yx_match_declined(const yx_case_event_t *events, size_t n,
                                         const uint8_t dest[YX_KEY_BYTES], const char *park_id)
{
	const yx_case_event_t *found = NULL;
	for (size_t i = 0; i < n; i++) {
		const yx_case_event_t *e = &events[i];
		const Yrdx__RelayEvent *ev = e->ev;
		/* every step repeats its PROPOSE's park and destination (author.c), and only
		 * the destination's DECLINE is ever applied */
		if (!e->applied || ev->type != YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE ||
		    strcmp(ev->park_id, park_id) != 0 || memcmp(e->origin, dest, YX_KEY_BYTES) != 0)
			continue;
		if (!found || e->time_ms > found->time_ms)
			found = e;
	}
	return found;
}
