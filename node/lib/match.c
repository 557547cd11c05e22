#include "match.h"

#include <stdbool.h>

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
	size_t exact = 0, same_track = 0;
	for (size_t k = 0; k < e->n_industries; k++) {
		if (park_has(p, e->industries[k]))
			exact++;
		else if (park_has_track(p, yx_industry_track(e->industries[k])))
			same_track++;
	}
	if (e->n_industries) {
		m.industry = (int)(60 * exact / e->n_industries);
		m.track = (int)(20 * same_track / e->n_industries);
	}
	m.capacity = p->capacity > 0 ? 10 : 0;
	bool hard = false;
	for (size_t k = 0; k < e->n_qualifications; k++)
		hard |= e->qualifications[k] == YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH ||
		        e->qualifications[k] == YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT;
	if (hard && (p->type == YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE ||
	             p->type == YRDX__PARK_TYPE__PARK_TYPE_SCI_TECH_DEMO_BASE))
		m.hard_tech = 10;
	m.total = m.industry + m.track + m.capacity + m.hard_tech;
	return m;
}
