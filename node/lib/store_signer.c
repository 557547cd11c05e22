/* store_signer: the keys of this store's own log. A log keeps its identity, its origin
 * (meta "node", the first key), for good; a rotation the charter adopted hands the
 * signing of its heads to a new key from a seq on (meta "signers"), and a rotation this
 * node proposed fences its writes until it is decided (meta "rotating"). The store
 * believes its own log's successors where no rules of the charter are set, so a rotated
 * node's store verifies on its own. */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define SIGNER_VAL 40 /* after_seq(8) key(32) */

/* The rule a rotated store checks its own log by when the charter's are not set: its
 * successors for its own origin, every other origin's own key. */
static const uint8_t *own_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	const yx_store_t *s = arg;
	if (s->n_signers && memcmp(origin, s->signers[0].key, YX_KEY_BYTES) == 0)
		return yxs_signer_at(s, seq);
	return origin;
}

int yxs_signers_load(yx_store_t *s, MDB_txn *txn)
{
	MDB_val v;
	s->own_rules = (yx_rules_t){.signer = own_signer, .arg = s};
	s->n_signers = 0;
	int ret = yxs_get(txn, s->dbi[DB_META], "node", 4, &v);
	if (ret == YX_ENOTFOUND)
		return YX_OK;
	if (ret == YX_OK && v.mv_size != YX_KEY_BYTES)
		ret = YX_ECORRUPT;
	if (ret)
		return ret;
	memcpy(s->signers[0].key, v.mv_data, YX_KEY_BYTES);
	s->signers[0].after_seq = 0;
	s->n_signers = 1;
	ret = yxs_get(txn, s->dbi[DB_META], "signers", 7, &v);
	if (ret == YX_ENOTFOUND)
		return YX_OK;
	if (ret == YX_OK && (v.mv_size % SIGNER_VAL || v.mv_size / SIGNER_VAL > YX_MAX_SIGNERS - 1))
		ret = YX_ECORRUPT;
	if (ret)
		return ret;
	const uint8_t *p = v.mv_data;
	for (size_t i = 0; i < v.mv_size / SIGNER_VAL; i++, p += SIGNER_VAL) {
		yx_signer_t *g = &s->signers[s->n_signers++];
		g->after_seq = be64_get(p);
		memcpy(g->key, p + 8, YX_KEY_BYTES);
	}
	return YX_OK;
}

const uint8_t *yxs_signer_at(const yx_store_t *s, uint64_t seq)
{
	const uint8_t *key = s->signers[0].key;
	for (size_t i = 1; i < s->n_signers && s->signers[i].after_seq < seq; i++)
		key = s->signers[i].key;
	return key;
}

uint64_t yxs_signer_until(const yx_store_t *s, uint64_t seq)
{
	for (size_t i = 1; i < s->n_signers; i++)
		if (s->signers[i].after_seq >= seq)
			return s->signers[i].after_seq;
	return UINT64_MAX;
}

const yx_rules_t *yx_store_rules(const yx_store_t *store)
{
	if (yx_store_rules_given(store))
		return &store->rules;
	return store->n_signers > 1 ? &store->own_rules : NULL;
}

bool yx_store_rules_given(const yx_store_t *store)
{
	return store->rules.signer || store->rules.admit;
}

/* Whether key signed (or signs) this log already. */
static bool signer_known(const yx_store_t *s, const uint8_t key[YX_KEY_BYTES])
{
	for (size_t i = 0; i < s->n_signers; i++)
		if (memcmp(s->signers[i].key, key, YX_KEY_BYTES) == 0)
			return true;
	return false;
}

/* The checks of yx_store_set_signer against the log as txn sees it; YX_OK with *same
 * when the rotation is recorded already. */
static int signer_check(yx_store_t *s, MDB_txn *txn, uint64_t after_seq,
                        const uint8_t key[YX_KEY_BYTES], bool *same, yx_diag_t *diag)
{
	uint32_t oid;
	uint64_t tip = 0;
	uint8_t hash[YX_HASH_BYTES];
	int ret = yxs_signers_load(s, txn);
	*same = false;
	if (ret == YX_OK && s->n_signers == 0)
		return yx_diag_set(diag, YX_ENOTFOUND,
		                   "key rotation: this store has no log of its "
		                   "own yet");
	if (ret)
		return ret;
	const yx_signer_t *last = &s->signers[s->n_signers - 1];
	if (s->n_signers > 1 && last->after_seq == after_seq &&
	    memcmp(last->key, key, YX_KEY_BYTES) == 0) {
		*same = true;
		return YX_OK;
	}
	if (signer_known(s, key))
		return yx_diag_set(diag, YX_EINVAL,
		                   "key rotation: the new key signed this log "
		                   "before");
	if (s->n_signers > 1 && after_seq <= last->after_seq)
		return yx_diag_set(diag, YX_EINVAL,
		                   "key rotation after seq %llu: the last one was after seq %llu",
		                   (unsigned long long)after_seq,
		                   (unsigned long long)last->after_seq);
	if (s->n_signers == YX_MAX_SIGNERS)
		return yx_diag_set(diag, YX_ETOOBIG, "key rotation: this log had %d keys already",
		                   YX_MAX_SIGNERS);
	if ((ret = yxs_origin_lookup(s, txn, s->signers[0].key, &oid)) == YX_OK)
		ret = yxs_tip_read(s, txn, oid, &tip, hash);
	if (ret && ret != YX_ENOTFOUND)
		return ret;
	if (tip > after_seq)
		return yx_diag_set(diag, YX_EINVAL,
		                   "key rotation after seq %llu: this log holds seq %llu already, "
		                   "signed by the key before",
		                   (unsigned long long)after_seq, (unsigned long long)tip);
	return YX_OK;
}

int yx_store_set_signer(yx_store_t *s, uint64_t after_seq, const uint8_t key[YX_KEY_BYTES],
                        yx_diag_t *diag)
{
	MDB_txn *txn = NULL;
	uint8_t val[(YX_MAX_SIGNERS - 1) * SIGNER_VAL];
	bool same = false;
	if (s->readonly)
		return -EROFS;
	if (s->writing)
		return YX_EBUSY;
	int ret = yxs_txn_begin(s, true, &txn);
	if (ret == YX_OK)
		ret = signer_check(s, txn, after_seq, key, &same, diag);
	if (ret || same)
		goto out;
	yx_signer_t *g = &s->signers[s->n_signers++];
	g->after_seq = after_seq;
	memcpy(g->key, key, YX_KEY_BYTES);
	for (size_t i = 1; i < s->n_signers; i++) {
		be64_put(val + (i - 1) * SIGNER_VAL, s->signers[i].after_seq);
		memcpy(val + (i - 1) * SIGNER_VAL + 8, s->signers[i].key, YX_KEY_BYTES);
	}
	ret = yxs_put(txn, s->dbi[DB_META], "signers", 7, val, (s->n_signers - 1) * SIGNER_VAL, 0);
	if (ret == YX_OK) {
		ret = yxs_txn_commit(s->env, txn);
		txn = NULL;
	}
out:
	if (txn)
		mdb_txn_abort(txn);
	if (ret || same) {
		/* What memory says must be what was committed. */
		MDB_txn *rtxn = NULL;
		if (yxs_txn_begin(s, false, &rtxn) == YX_OK) {
			yxs_signers_load(s, rtxn);
			mdb_txn_abort(rtxn);
		}
	}
	if (ret && diag && !diag->msg[0])
		yx_diag_set(diag, ret, "key rotation: %s", yx_strerror(ret));
	return ret;
}

int yx_store_signers(yx_store_t *s, yx_signer_t *out, size_t max, size_t *n)
{
	MDB_txn *txn = NULL;
	int ret = yxs_txn_begin(s, false, &txn);
	if (ret)
		return ret;
	ret = yxs_signers_load(s, txn);
	mdb_txn_abort(txn);
	*n = 0;
	for (size_t i = 0; ret == YX_OK && i < s->n_signers && i < max; i++)
		out[(*n)++] = s->signers[i];
	return ret;
}

int yx_store_set_rotating(yx_store_t *s, uint32_t version, uint64_t after_seq)
{
	uint8_t val[12];
	be32_put(val, version);
	be64_put(val + 4, after_seq);
	return yxs_meta_set(s, "rotating", version ? val : NULL, sizeof(val));
}

int yx_store_rotating(yx_store_t *s, uint32_t *version, uint64_t *after_seq)
{
	uint8_t *v = NULL;
	size_t len = 0;
	int ret = yxs_meta_get(s, "rotating", &v, &len);
	if (ret == YX_OK && len != 12)
		ret = YX_ECORRUPT;
	if (ret == YX_OK) {
		*version = be32_get(v);
		*after_seq = be64_get(v + 4);
	}
	free(v);
	return ret;
}
