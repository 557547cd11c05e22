/* jurisdiction (管辖范围): which cities' records a member may write (jurisdiction.h). */
#include <stdio.h>
#include <string.h>

#include "jurisdiction.h"
#include "validate.h"

bool yx_change_city(const Yrdx__Change *c, uint32_t *city)
{
	/* A body left NULL by its case (a hand-built change) names no city. */
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR:
		if (!c->incubator)
			return false;
		*city = c->incubator->city;
		return true;
	case YRDX__CHANGE__BODY_ENTERPRISE:
		if (!c->enterprise)
			return false;
		*city = c->enterprise->city;
		return true;
	case YRDX__CHANGE__BODY_PARK:
		if (!c->park)
			return false;
		*city = c->park->city;
		return true;
	default: return false;
	}
}

void yx_jurisdiction_own(yx_member_t *m, const char *name, uint32_t city)
{
	memset(m->name, 0, sizeof(m->name));
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	m->city = city;
	m->jurisdiction[0] = city;
	m->n_jurisdiction = 1;
}

const char *yx_jurisdiction_text(const yx_member_t *m, char *out, size_t cap)
{
	static const char more[] = ", …";
	size_t at = 0;
	if (cap == 0)
		return out;
	out[0] = '\0';
	for (size_t i = 0; i < m->n_jurisdiction; i++) {
		const char *name = yx_city_name(m->jurisdiction[i]);
		char one[64];
		int n = snprintf(one, sizeof(one), "%s%u %s", i ? ", " : "", m->jurisdiction[i],
		                 name ? name : "?");
		/* Room for this one, and for the mark of more after it unless it is the last. */
		size_t need = (size_t)n + (i + 1 < m->n_jurisdiction ? sizeof(more) - 1 : 0);
		if (at + need >= cap) {
			const char *mark = at ? more : more + 2; /* "…" alone when nothing fits */
			if (at + strlen(mark) < cap)
				memcpy(out + at, mark, strlen(mark) + 1);
			return out;
		}
		memcpy(out + at, one, (size_t)n + 1);
		at += (size_t)n;
	}
	return out;
}

int yx_jurisdiction_check(const yx_member_t *m, const Yrdx__Change *c, int err, yx_diag_t *diag)
{
	uint32_t city;
	if (!yx_change_city(c, &city) || yx_member_may_write(m, city))
		return YX_OK;
	const char *name = yx_city_name(city);
	char juris[512];
	return yx_diag_set(diag, err, "city %u %s is outside the jurisdiction (管辖范围) of %s: %s",
	                   city, name ? name : "?", m->name,
	                   yx_jurisdiction_text(m, juris, sizeof(juris)));
}
