#include "figures.h"

#include <string.h>

#include <sodium.h>

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void yx_figures_salt(yx_figures_t *f, const uint8_t key[32])
{
	static const char domain[] = "yrdx-figures-salt-v1";
	const Yrdx__EnterpriseFinancials *fin = f->rec.financials;
	const char *code = f->rec.credit_code ? f->rec.credit_code : "";
	uint8_t nums[24] = {0};
	crypto_generichash_state st;

	if (fin) {
		put_u64(nums, fin->revenue_wan_yuan);
		put_u64(nums + 8, fin->rd_spend_wan_yuan);
		put_u64(nums + 16, fin->valuation_wan_yuan);
	}
	crypto_generichash_init(&st, key, 32, sizeof(f->salt));
	crypto_generichash_update(&st, (const uint8_t *)domain, sizeof(domain));
	/* The code with its NUL, so that code and figures cannot run into each other. */
	crypto_generichash_update(&st, (const uint8_t *)code, strlen(code) + 1);
	crypto_generichash_update(&st, nums, sizeof(nums));
	crypto_generichash_final(&st, f->salt, sizeof(f->salt));
	f->rec.salt.data = f->salt;
	f->rec.salt.len = sizeof(f->salt);
}

bool yx_figures_split(Yrdx__Enterprise *e, const uint8_t key[32], yx_figures_t *f)
{
	if (!e || !e->financials)
		return false;
	memset(f, 0, sizeof(*f));
	yrdx__enterprise_figures__init(&f->rec);
	f->rec.credit_code = e->credit_code;
	f->rec.financials = e->financials;
	e->financials = NULL;
	yx_figures_salt(f, key);
	return true;
}

void yx_figures_unsplit(Yrdx__Enterprise *e, yx_figures_t *f)
{
	if (e && !e->financials)
		e->financials = f->rec.financials;
	f->rec.financials = NULL;
}

void yx_figures_join(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], Yrdx__Enterprise *e,
                     Yrdx__Change **held)
{
	*held = NULL;
	if (!e || e->financials || !e->credit_code)
		return;
	if (yx_store_get(store, YX_KIND_FIGURES, origin, e->credit_code, held) != YX_OK)
		return;
	if ((*held)->body_case != YRDX__CHANGE__BODY_ENTERPRISE_FIGURES ||
	    !(*held)->enterprise_figures->financials) {
		yx_change_free(held);
		return;
	}
	e->financials = (*held)->enterprise_figures->financials;
}

void yx_figures_unjoin(Yrdx__Enterprise *e, Yrdx__Change **held)
{
	if (*held && e && e->financials == (*held)->enterprise_figures->financials)
		e->financials = NULL;
	yx_change_free(held);
}
