#include "verify.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "store.h"
#include "validate.h"

/* How an origin is named in a diagnosis: its key in full, as every output names a key
 * nobody has a name for (the callers add names where they know them). */
static void who_of(const uint8_t *key, char out[YX_PUBKEY_TEXT_LEN + 1])
{
	yx_pubkey_format(key, out);
}

/* Checks one full change against the envelope its place in the chain demands, then as a
 * record: YX_ECHAIN or YX_EINVAL. */
static int verify_change(const uint8_t origin[YX_KEY_BYTES], uint64_t seq,
                         const uint8_t prev[YX_HASH_BYTES], const Yrdx__Change *c, const char *who,
                         yx_diag_t *diag)
{
	if (c->origin.len != YX_KEY_BYTES || memcmp(c->origin.data, origin, YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_ECHAIN, "%s seq %llu: change names another origin", who,
		                   (unsigned long long)seq);
	if (c->seq != seq)
		return yx_diag_set(diag, YX_ECHAIN, "%s seq %llu: change carries seq %llu", who,
		                   (unsigned long long)seq, (unsigned long long)c->seq);
	if (c->prev_hash.len != YX_HASH_BYTES ||
	    memcmp(c->prev_hash.data, prev, YX_HASH_BYTES) != 0)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "%s seq %llu: prev_hash does not match the hash of seq %llu",
		                   who, (unsigned long long)seq, (unsigned long long)(seq - 1));
	yx_diag_t vd;
	if (yx_validate_change(c, &vd) != YX_OK)
		return yx_diag_set(diag, YX_EINVAL, "%s seq %llu: %s", who, (unsigned long long)seq,
		                   vd.msg);
	return YX_OK;
}

/* ---- a received segment ---------------------------------------------------------------- */

/* Step 1, and the gap: the entries are consecutive, well formed, and closed by a head of
 * this origin; they start no later than just past the tip. */
static int segment_shape(const uint8_t origin[YX_KEY_BYTES], const yx_entry_t *e, size_t n,
                         const yx_head_t *head, uint64_t tip, const char *who, yx_diag_t *diag)
{
	if (n == 0 || n > YX_HEAD_INTERVAL)
		return yx_diag_set(diag, n ? YX_ETOOBIG : YX_EDECODE,
		                   "origin %s: segment of %zu entries (1..%d allowed)", who, n,
		                   YX_HEAD_INTERVAL);
	if (memcmp(head->origin, origin, YX_KEY_BYTES) != 0)
		return yx_diag_set(diag, YX_ESIG, "origin %s: head signed for another origin", who);
	for (size_t i = 0; i < n; i++)
		if (e[i].seq != e[0].seq + i || (!e[i].bytes && !e[i].digest))
			return yx_diag_set(diag, YX_EDECODE,
			                   "origin %s: entry %zu malformed or out of sequence", who,
			                   i);
	if (head->seq != e[n - 1].seq)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "origin %s: head at seq %llu does not close the segment ending "
		                   "at %llu",
		                   who, (unsigned long long)head->seq,
		                   (unsigned long long)e[n - 1].seq);
	if (e[0].seq == 0)
		return yx_diag_set(diag, YX_EDECODE, "origin %s: seq 0 does not exist", who);
	if (e[0].seq > tip + 1)
		return yx_diag_set(diag, YX_EGAP,
		                   "origin %s: segment starts at seq %llu but the local log ends "
		                   "at %llu",
		                   who, (unsigned long long)e[0].seq, (unsigned long long)tip);
	return YX_OK;
}

/* Steps 2 and 3: the digests chained from prev end in the hash the origin signed, and the
 * signature holds. Nothing has been parsed yet. */
static int segment_chain(yx_segment_t *seg, const yx_entry_t *e, const yx_head_t *head,
                         const uint8_t prev[YX_HASH_BYTES], const yx_rules_t *rules,
                         const char *who, yx_diag_t *diag)
{
	const uint8_t *signer = head->origin;
	uint8_t link[YX_HASH_BYTES];
	memcpy(link, prev, YX_HASH_BYTES);
	for (size_t i = 0; i < seg->n; i++) {
		if (e[i].bytes && e[i].len > YX_MAX_CHANGE_BYTES)
			return yx_diag_set(diag, YX_ETOOBIG, "origin %s seq %llu: %zu bytes", who,
			                   (unsigned long long)e[i].seq, e[i].len);
		if (e[i].bytes)
			yx_chain_digest(e[i].bytes, e[i].len, seg->digests[i]);
		else
			memcpy(seg->digests[i], e[i].digest, YX_HASH_BYTES);
		yx_chain_link(link, seg->digests[i], seg->hashes[i]);
		memcpy(link, seg->hashes[i], YX_HASH_BYTES);
	}
	if (sodium_memcmp(link, head->hash, YX_HASH_BYTES) != 0)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "origin %s: seq %llu..%llu do not hash to the head at seq %llu "
		                   "(altered or out of chain)",
		                   who, (unsigned long long)e[0].seq, (unsigned long long)head->seq,
		                   (unsigned long long)head->seq);
	if (rules && rules->signer &&
	    !(signer = rules->signer(rules->arg, head->origin, head->seq)))
		return yx_diag_set(diag, YX_EREFUSED,
		                   "origin %s: not a member of the federation's charter (head at "
		                   "seq %llu)",
		                   who, (unsigned long long)head->seq);
	if (yx_head_verify_by(head, signer) != YX_OK)
		return yx_diag_set(diag, YX_ESIG,
		                   "origin %s: head at seq %llu has a bad signature%s", who,
		                   (unsigned long long)head->seq,
		                   memcmp(signer, head->origin, YX_KEY_BYTES) != 0
		                           ? " (not by the key the charter gives its log at that "
		                             "seq, after a key rotation)"
		                           : "");
	return YX_OK;
}

/* Step 4: what overlaps the log held has its hashes — or the origin signed two histories.
 * A body for an entry held as a stub is noted to be filled in (its hash equals the stored
 * one, so its digest does too). */
static int segment_overlap(yx_segment_t *seg, const yx_entry_t *e, const yx_held_t *held,
                           const char *who, yx_diag_t *diag)
{
	int ret;
	for (size_t i = 0; i < seg->n && e[i].seq <= held->tip; i++) {
		uint8_t have[YX_HASH_BYTES];
		bool stub = false;
		if ((ret = held->held(held->arg, e[i].seq, have, &stub)))
			return ret;
		if (sodium_memcmp(have, seg->hashes[i], YX_HASH_BYTES) != 0)
			return yx_diag_set(
			        diag, YX_EFORK,
			        "origin %s seq %llu: signed hash differs from the stored "
			        "change (fork)",
			        who, (unsigned long long)e[i].seq);
		seg->fill[i] = stub && e[i].bytes;
		seg->fills += seg->fill[i];
	}
	return YX_OK;
}

/* Step 5: authenticated now, each new change (and each stub's body) is decoded and must
 * carry its own envelope and be a valid record. */
static int segment_decode(yx_segment_t *seg, const uint8_t origin[YX_KEY_BYTES],
                          const yx_entry_t *e, const uint8_t prev[YX_HASH_BYTES], uint64_t tip,
                          const yx_rules_t *rules, yx_arena_t *arena, const char *who,
                          yx_diag_t *diag)
{
	int ret;
	for (size_t i = 0; i < seg->n; i++) {
		const uint8_t *want_prev = i ? seg->hashes[i - 1] : prev;
		if ((e[i].seq <= tip && !seg->fill[i]) || !e[i].bytes)
			continue;
		if ((ret = yx_change_decode_in(arena, e[i].bytes, e[i].len, &seg->changes[i])))
			return yx_diag_set(diag, ret, "origin %s seq %llu: not a change message",
			                   who, (unsigned long long)e[i].seq);
		if ((ret = verify_change(origin, e[i].seq, want_prev, seg->changes[i], who, diag)))
			return ret;
		if (rules && rules->admit &&
		    (ret = rules->admit(rules->arg, origin, e[i].seq, seg->changes[i], diag)))
			return ret;
	}
	return YX_OK;
}

/* Step 6: the policy the head signs. A stub hides its change's kind, so a version 2 head
 * names the seq of its origin's latest sharing policy (or its retraction). A new entry at
 * that seq must come whole and be one: policies are never withheld, so a stub there is a
 * relay hiding the origin's word, which would let us pass on what the origin withholds.
 * An entry held already is left to the serving side (policy.h, yx_store_policy). */
static int segment_policy(const yx_segment_t *seg, const yx_entry_t *e, const yx_head_t *head,
                          uint64_t tip, const char *who, yx_diag_t *diag)
{
	if (head->version != YX_HEAD_V2 || head->policy_seq < e[0].seq || head->policy_seq <= tip)
		return YX_OK;
	size_t i = (size_t)(head->policy_seq - e[0].seq);
	if (i >= seg->n)
		return yx_diag_set(diag, YX_ECHAIN,
		                   "origin %s: head at seq %llu names seq %llu as its sharing "
		                   "policy, past itself",
		                   who, (unsigned long long)head->seq,
		                   (unsigned long long)head->policy_seq);
	if (!e[i].bytes)
		return yx_diag_set(
		        diag, YX_EINVAL,
		        "origin %s seq %llu: its sharing policy came as a stub (a policy "
		        "is never withheld)",
		        who, (unsigned long long)e[i].seq);
	if (seg->changes[i] && (yx_kind_t)seg->changes[i]->kind != YX_KIND_POLICY)
		return yx_diag_set(diag, YX_EINVAL,
		                   "origin %s: head at seq %llu names seq %llu as its sharing "
		                   "policy, which is a change of kind %s",
		                   who, (unsigned long long)head->seq, (unsigned long long)e[i].seq,
		                   yx_kind_name((yx_kind_t)seg->changes[i]->kind));
	return YX_OK;
}

int yx_segment_verify(yx_segment_t *seg, const uint8_t origin[YX_KEY_BYTES], const yx_entry_t *e,
                      size_t n, const yx_head_t *head, const yx_held_t *held, yx_arena_t *arena,
                      yx_diag_t *diag)
{
	uint8_t prev[YX_HASH_BYTES];
	bool stub;
	char who[YX_PUBKEY_TEXT_LEN + 1];
	int ret;

	memset(seg, 0, sizeof(*seg));
	who_of(origin, who);
	if ((ret = segment_shape(origin, e, n, head, held->tip, who, diag)))
		return ret;
	if (e[0].seq == 1)
		memset(prev, 0, YX_HASH_BYTES);
	else if ((ret = held->held(held->arg, e[0].seq - 1, prev, &stub)))
		return ret;
	seg->n = n;
	seg->hashes = yx_arena_alloc(arena, n * YX_HASH_BYTES);
	seg->digests = yx_arena_alloc(arena, n * YX_HASH_BYTES);
	seg->changes = yx_arena_alloc(arena, n * sizeof(*seg->changes));
	seg->fill = yx_arena_alloc(arena, n * sizeof(*seg->fill));
	if (!seg->hashes || !seg->digests || !seg->changes || !seg->fill)
		return -ENOMEM;
	memset(seg->changes, 0, n * sizeof(*seg->changes));
	memset(seg->fill, 0, n * sizeof(*seg->fill));
	if ((ret = segment_chain(seg, e, head, prev, held->rules, who, diag)) ||
	    (ret = segment_overlap(seg, e, held, who, diag)))
		return ret;
	if (head->seq <= held->tip && !seg->fills)
		return YX_OK; /* all held already */
	if ((ret = segment_decode(seg, origin, e, prev, held->tip, held->rules, arena, who,
	                          diag)) ||
	    (ret = segment_policy(seg, e, head, held->tip, who, diag)))
		return ret;
	seg->apply = true;
	return YX_OK;
}

/* ---- every stored log ------------------------------------------------------------------- */

/* One origin's log walked in seq order, its hashes derived again. */
typedef struct {
	yx_snap_t *snap;
	const uint8_t *origin;
	char who[YX_PUBKEY_TEXT_LEN + 1];
	uint64_t expect;             /* the seq the next entry must have */
	uint8_t prev[YX_HASH_BYTES]; /* H(expect - 1) as derived */
	yx_head_t head;              /* the next stored head not yet checked */
	bool have_head;
	yx_arena_t arena;
	yx_diag_t *diag;
	bool said; /* diag holds the fault */
	const yx_rules_t *rules;
} walk_t;

static int walk_fault(walk_t *w, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int walk_fault(walk_t *w, int err, const char *fmt, ...)
{
	char msg[sizeof(w->diag->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->said = true;
	return yx_diag_set(w->diag, err, "origin %s%s", w->who, msg);
}

/* The next stored head from seq on, if any. */
static int walk_next_head(walk_t *w, uint64_t seq)
{
	int ret = yx_snap_head_find(w->snap, w->origin, seq, &w->head);
	w->have_head = ret == YX_OK;
	if (ret == YX_ECORRUPT)
		return walk_fault(w, ret, ": a head from seq %llu on is malformed",
		                  (unsigned long long)seq);
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

/* The stored heads at or below seq: each must sit on a log entry, name the hash derived
 * there and carry the origin's signature. */
static int walk_heads(walk_t *w, uint64_t seq, const uint8_t hash[YX_HASH_BYTES])
{
	int ret = YX_OK;
	while (ret == YX_OK && w->have_head && w->head.seq <= seq) {
		if (w->head.seq != seq)
			return walk_fault(w, YX_ECORRUPT,
			                  ": head at seq %llu is malformed or has no log entry",
			                  (unsigned long long)w->head.seq);
		const uint8_t *signer = w->head.origin;
		if (w->rules && w->rules->signer)
			signer = w->rules->signer(w->rules->arg, w->head.origin, w->head.seq);
		if (memcmp(w->head.hash, hash, YX_HASH_BYTES) != 0 || !signer ||
		    yx_head_verify_by(&w->head, signer) != YX_OK)
			return walk_fault(w, YX_ESIG, ": head at seq %llu does not verify",
			                  (unsigned long long)seq);
		ret = walk_next_head(w, seq + 1);
	}
	return ret;
}

static int walk_entry(void *arg, uint64_t seq, yx_kind_t kind, const uint8_t hash[YX_HASH_BYTES],
                      const uint8_t digest[YX_HASH_BYTES], const uint8_t *bytes, size_t len)
{
	walk_t *w = arg;
	uint8_t d[YX_HASH_BYTES], h[YX_HASH_BYTES];
	int ret = YX_OK;
	(void)kind;
	if (seq != w->expect)
		return walk_fault(w, YX_ECHAIN, ": log entry %llu missing",
		                  (unsigned long long)w->expect);
	/* The link first: an altered byte is named as such, before it is read as a record. */
	if (bytes)
		yx_chain_digest(bytes, len, d);
	else
		memcpy(d, digest, YX_HASH_BYTES); /* a stub: its digest is all there is */
	yx_chain_link(w->prev, d, h);
	if (memcmp(h, hash, YX_HASH_BYTES) != 0)
		return walk_fault(w, YX_ECHAIN,
		                  " seq %llu: stored hash does not follow from seq %llu and the "
		                  "entry's %s (one of them altered)",
		                  (unsigned long long)seq, (unsigned long long)(seq - 1),
		                  bytes ? "change bytes" : "digest");
	if (bytes) {
		Yrdx__Change *c = NULL;
		ret = yx_change_decode_in(&w->arena, bytes, len, &c);
		if (ret)
			walk_fault(w, ret, " seq %llu: undecodable change",
			           (unsigned long long)seq);
		else if ((ret = verify_change(w->origin, seq, w->prev, c, w->who, w->diag)))
			w->said = true;
		yx_arena_reset(&w->arena);
		if (ret)
			return ret;
	}
	memcpy(w->prev, h, YX_HASH_BYTES);
	w->expect++;
	return walk_heads(w, seq, h);
}

/* Re-derives every hash of one origin's log and checks each stored head against it, and
 * the log's end against the version vector. */
static int verify_origin(void *arg, const uint8_t origin[YX_KEY_BYTES])
{
	walk_t *w = arg;
	yx_tip_t tip = {0};
	int ret;

	w->origin = origin;
	who_of(origin, w->who);
	w->expect = 1;
	memset(w->prev, 0, YX_HASH_BYTES);
	w->said = false;
	ret = yx_snap_tip(w->snap, origin, &tip);
	if (ret == YX_ENOTFOUND) {
		memset(&tip, 0, sizeof(tip)); /* no vector entry: the log must be empty */
		ret = YX_OK;
	}
	if (ret || (ret = walk_next_head(w, 1)))
		return ret;
	ret = yx_snap_log_iterate(w->snap, origin, 1, walk_entry, w);
	if (ret == YX_ECORRUPT && !w->said) /* an entry too short to hold its header */
		return walk_fault(w, YX_ECHAIN, ": log entry %llu missing",
		                  (unsigned long long)w->expect);
	if (ret)
		return ret;
	if (w->expect - 1 != tip.seq || memcmp(w->prev, tip.hash, YX_HASH_BYTES) != 0)
		return walk_fault(w, YX_ECHAIN, ": log ends at seq %llu but the vector says %llu",
		                  (unsigned long long)(w->expect - 1), (unsigned long long)tip.seq);
	return YX_OK;
}

/* The keys a store's heads are checked with where no rules were set on it (a tool's
 * read): the charter it holds, each member's key at each seq of its log — what the
 * daemon's rules say — and for an origin no member has (held from before a charter was
 * installed) its own key, or for this store's own log its successors. */
typedef struct {
	yx_charter_chain_t *chain;
	const yx_rules_t *own; /* yx_store_rules: the own log's successors, or NULL */
	yx_rules_t rules;
} held_keys_t;

static const uint8_t *held_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	const held_keys_t *k = arg;
	const yx_member_t *m =
	        yx_charter_member_by_origin(yx_charter_chain_current(k->chain), origin);
	if (m)
		return yx_member_key_at(m, seq);
	return k->own && k->own->signer ? k->own->signer(k->own->arg, origin, seq) : origin;
}

/* *rules: the store's own, or the held charter's (k). */
static int held_keys(yx_store_t *store, held_keys_t *k, const yx_rules_t **rules, yx_diag_t *diag)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t why = {{0}};
	*rules = yx_store_rules(store);
	if (yx_store_rules_given(store))
		return YX_OK;
	int ret = yx_store_charter_get(store, &bytes, &len);
	if (ret == YX_ENOTFOUND)
		return YX_OK;
	if (ret == YX_OK)
		ret = yx_charter_file_decode(bytes, len, false, &k->chain, NULL, &why);
	free(bytes);
	if (ret)
		return yx_diag_set(diag, ret, "the charter the store holds: %s",
		                   why.msg[0] ? why.msg : yx_strerror(ret));
	k->own = *rules;
	k->rules = (yx_rules_t){.signer = held_signer, .arg = k};
	*rules = &k->rules;
	return YX_OK;
}

int yx_store_verify(yx_store_t *store, yx_diag_t *diag)
{
	walk_t w = {0};
	held_keys_t k = {0};
	int ret = held_keys(store, &k, &w.rules, diag);
	if (ret == YX_OK)
		ret = yx_snap_open(store, &w.snap);
	if (ret) {
		yx_charter_chain_free(&k.chain);
		return ret;
	}
	w.diag = diag;
	yx_arena_init(&w.arena);
	ret = yx_snap_origins(w.snap, verify_origin, &w);
	yx_arena_free(&w.arena);
	yx_snap_close(&w.snap);
	yx_charter_chain_free(&k.chain);
	return ret;
}
