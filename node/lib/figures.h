/* figures: an enterprise's confidential figures (营业收入/研发投入/估值) as a record of their
 * own (企业财务数据, kind financials, id = credit code), so that a sharing policy can
 * withhold them while the enterprise itself travels (docs/design.md, "Sharing is the
 * origin's"). The origin's daemon splits them off every enterprise it writes; its own
 * reads join them back.
 *
 * The figures are low-entropy: a node holding only the stub's digest could hash guesses
 * of a revenue until one matched. So each figures record carries a salt, keyed by a
 * secret of the origin's over the credit code and the figures: unguessable elsewhere, yet
 * the same for the same figures, so re-importing a registry writes nothing new. */
#ifndef YRDX_FIGURES_H
#define YRDX_FIGURES_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "store.h"
#include "validate.h"

/* One split: the figures record and its salt, in storage the caller owns. */
typedef struct {
	Yrdx__EnterpriseFigures rec;
	uint8_t salt[YX_FIGURES_SALT_BYTES];
} yx_figures_t;

/* Sets f->rec.salt from key (32 secret bytes of the origin's) over the record's credit
 * code and figures. */
void yx_figures_salt(yx_figures_t *f, const uint8_t key[32]);

/* Moves e's financials into f (credit code, figures, salt keyed by key) and leaves e
 * without them. Returns false, touching nothing, if e has none. The figures message
 * still belongs to whoever owned e's: give it back with yx_figures_unsplit before e is
 * freed. */
bool yx_figures_split(Yrdx__Enterprise *e, const uint8_t key[32], yx_figures_t *f);
void yx_figures_unsplit(Yrdx__Enterprise *e, yx_figures_t *f);

/* For display: e (a record of origin) gets the figures this store holds for it, if it
 * has none of its own and the store holds them (at the origin, or a city it named).
 * *held is what to pass to yx_figures_unjoin once e has been shown. */
void yx_figures_join(yx_store_t *store, const uint8_t origin[YX_KEY_BYTES], Yrdx__Enterprise *e,
                     Yrdx__Change **held);
void yx_figures_unjoin(Yrdx__Enterprise *e, Yrdx__Change **held);

#endif
