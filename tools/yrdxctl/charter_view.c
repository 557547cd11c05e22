/* charter_view: a charter chain as yrdxctl shows, reads, writes and installs it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "charter_view.h"
#include "fileio.h"
#include "keys.h"
#include "validate.h"

static bool sig_ok(const Yrdx__CharterSignature *s)
{
	return s && s->key.len == 32 && s->signature.len == YX_SIG_BYTES;
}

void ctl_charter_tally(const yx_charter_chain_t *chain, size_t i, ctl_tally_t *t)
{
	const yx_charter_t *v = chain->versions[i];
	const yx_charter_t *prev = i ? chain->versions[i - 1] : NULL;
	const yx_charter_t *src = prev ? prev : v;
	memset(t, 0, sizeof(*t));
	for (size_t k = 0; k < src->n_members && t->n_electors < YX_CHARTER_MAX_MEMBERS; k++) {
		const yx_member_t *m = &src->members[k];
		if (prev && !yx_member_active(m))
			continue;
		const uint8_t *key = prev ? yx_member_current_key(m) : m->origin;
		size_t e = t->n_electors++;
		t->electors[e] = m;
		for (size_t s = 0; s < chain->n_sigs[i]; s++) {
			const Yrdx__CharterSignature *sig = chain->sigs[i][s];
			if (!sig_ok(sig) || memcmp(sig->key.data, key, 32) != 0)
				continue;
			if (yx_charter_sig_verify(v->hash, key, sig->signature.data) == YX_OK)
				t->signed_by[e] = true;
			else
				t->bad[e] = true;
		}
		if (t->signed_by[e]) {
			t->bad[e] = false;
			t->n_signed++;
		}
	}
	t->needed = prev ? prev->threshold : t->n_electors;
}

static void print_names(FILE *out, const char *label, const ctl_tally_t *t, int which)
{
	size_t n = 0;
	fprintf(out, "  %-8s", label);
	for (size_t e = 0; e < t->n_electors; e++) {
		bool in = which == 0 ? t->signed_by[e] : which == 1 ? !t->signed_by[e] : t->bad[e];
		if (!in)
			continue;
		const char *city = yx_city_name(t->electors[e]->city);
		fprintf(out, "%s %s %s", n++ ? "," : "", t->electors[e]->name, city ? city : "");
	}
	fprintf(out, "%s\n", n ? "" : " (none)");
}

void ctl_charter_print_tally(const yx_charter_chain_t *chain, size_t i, FILE *out)
{
	ctl_tally_t t;
	ctl_charter_tally(chain, i, &t);
	const yx_charter_t *v = chain->versions[i];
	if (i == 0)
		fprintf(out,
		        "version 1: signed by %zu of its %zu members (every one must sign)%s\n",
		        t.n_signed, t.n_electors, t.n_signed >= t.needed ? ": complete" : "");
	else
		fprintf(out,
		        "version %u: signed by %zu of the %zu active members of version %u "
		        "(threshold %zu)%s\n",
		        v->version, t.n_signed, t.n_electors, v->version - 1, t.needed,
		        t.n_signed >= t.needed ? ": adopted" : "");
	print_names(out, "signed:", &t, 0);
	if (t.n_signed < t.n_electors)
		print_names(out, "missing:", &t, 1);
	for (size_t e = 0; e < t.n_electors; e++)
		if (t.bad[e]) {
			print_names(out, "bad:", &t, 2);
			break;
		}
}

int ctl_charter_print_chain(const yx_charter_chain_t *chain, FILE *out)
{
	for (size_t i = 0; i < chain->n; i++) {
		if (i)
			fputc('\n', out);
		int ret =
		        yx_charter_print(chain->versions[i], chain->sigs[i], chain->n_sigs[i], out);
		if (ret)
			return ret;
		ctl_charter_print_tally(chain, i, out);
	}
	return YX_OK;
}

static json_t *key_json(const uint8_t key[32])
{
	char text[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(key, text);
	return json_string(text);
}

static json_t *hash_json(const uint8_t hash[32])
{
	char hex[65];
	ctl_hex(hash, 32, hex);
	return json_string(hex);
}

static json_t *member_json(const yx_member_t *m)
{
	const char *city = yx_city_name(m->city);
	json_t *jur = json_array(), *keys = json_array(), *eps = json_array();
	for (size_t k = 0; k < m->n_jurisdiction; k++)
		json_array_append_new(jur, json_integer(m->jurisdiction[k]));
	for (size_t k = 0; k < m->n_keys; k++)
		json_array_append_new(keys, json_pack("{s:I, s:o}", "after_seq",
		                                      (json_int_t)m->keys[k].after_seq, "key",
		                                      key_json(m->keys[k].key)));
	for (size_t k = 0; k < m->n_endpoints; k++)
		json_array_append_new(eps, json_string(m->endpoints[k]));
	json_t *j = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "name", m->name,
	                      "city", (json_int_t)m->city, "city_name", city ? city : "",
	                      "jurisdiction", jur, "origin", key_json(m->origin), "key",
	                      key_json(yx_member_current_key(m)), "keys", keys, "endpoints", eps,
	                      "state", yx_member_active(m) ? "active" : "revoked");
	if (!yx_member_active(m))
		json_object_set_new(j, "revoked_after", json_integer((json_int_t)m->revoked_after));
	return j;
}

static json_t *names_json(const ctl_tally_t *t, int which)
{
	json_t *a = json_array();
	for (size_t e = 0; e < t->n_electors; e++) {
		bool in = which == 0 ? t->signed_by[e] : which == 1 ? !t->signed_by[e] : t->bad[e];
		if (in)
			json_array_append_new(a, json_string(t->electors[e]->name));
	}
	return a;
}

/* Each signature: its key in full, the member it is of (NULL if none), and whether it
 * verifies and counts. */
static json_t *sigs_json(const yx_charter_chain_t *chain, size_t i, const ctl_tally_t *t)
{
	const yx_charter_t *v = chain->versions[i];
	json_t *a = json_array();
	for (size_t s = 0; s < chain->n_sigs[i]; s++) {
		const Yrdx__CharterSignature *sig = chain->sigs[i][s];
		if (!sig_ok(sig)) {
			json_array_append_new(a, json_pack("{s:n, s:n, s:b, s:b}", "key", "member",
			                                   "valid", 0, "counted", 0));
			continue;
		}
		const yx_member_t *m = NULL;
		bool counted = false;
		for (size_t e = 0; e < t->n_electors && !m; e++) {
			const uint8_t *key =
			        i ? yx_member_current_key(t->electors[e]) : t->electors[e]->origin;
			if (memcmp(key, sig->key.data, 32) == 0) {
				m = t->electors[e];
				counted = t->signed_by[e];
			}
		}
		if (!m)
			m = yx_charter_member_by_key(v, sig->key.data);
		bool valid =
		        yx_charter_sig_verify(v->hash, sig->key.data, sig->signature.data) == YX_OK;
		json_array_append_new(a, json_pack("{s:o, s:o, s:b, s:b}", "key",
		                                   key_json(sig->key.data), "member",
		                                   m ? json_string(m->name) : json_null(), "valid",
		                                   valid, "counted", counted));
	}
	return a;
}

json_t *ctl_charter_version_json(const yx_charter_chain_t *chain, size_t i)
{
	const yx_charter_t *v = chain->versions[i];
	ctl_tally_t t;
	ctl_charter_tally(chain, i, &t);
	json_t *members = json_array();
	for (size_t k = 0; k < v->n_members; k++)
		json_array_append_new(members, member_json(&v->members[k]));
	return json_pack(
	        "{s:s, s:i, s:o, s:o, s:i, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:i, "
	        "s:b}",
	        "federation", v->federation, "version", (int)v->version, "hash", hash_json(v->hash),
	        "prev_hash", v->version > 1 ? hash_json(v->prev_hash) : json_null(), "threshold",
	        (int)v->threshold, "time_ms", (json_int_t)v->time_ms, "summary", v->summary,
	        "members", members, "signatures", sigs_json(chain, i, &t), "signed",
	        names_json(&t, 0), "missing", names_json(&t, 1), "bad", names_json(&t, 2), "needed",
	        (int)t.needed, "complete", t.n_signed >= t.needed);
}

json_t *ctl_charter_json(const yx_charter_chain_t *chain)
{
	const yx_charter_t *cur = yx_charter_chain_current(chain);
	json_t *versions = json_array();
	for (size_t i = 0; i < chain->n; i++)
		json_array_append_new(versions, ctl_charter_version_json(chain, i));
	return json_pack("{s:s, s:i, s:o, s:o}", "federation", cur->federation, "version",
	                 (int)cur->version, "hash", hash_json(cur->hash), "versions", versions);
}

int ctl_charter_load(const char *what, const char *path, bool allow_draft,
                     yx_charter_chain_t **chain, size_t *missing)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	int ret = yx_file_read(path, YX_CHARTER_FILE_MAX, &bytes, &len, &diag);
	if (ret)
		return ctl_fail(ret == YX_ETOOBIG ? EXIT_USAGE : EXIT_FAIL, "%s: %s", what,
		                diag.msg);
	ret = yx_charter_file_decode(bytes, len, allow_draft, chain, missing, &diag);
	free(bytes);
	if (ret)
		return ctl_fail(EXIT_USAGE, "%s: %s: %s", what, path,
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	return EXIT_OK;
}

int ctl_charter_save(const char *what, const char *path, const yx_charter_chain_t *chain,
                     bool force)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	struct stat st, *orig = NULL;
	int ret = yx_charter_file_encode(chain, &bytes, &len);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s: encoding the charter: %s", what, yx_strerror(ret));
	if (force && stat(path, &st) == 0) {
		st.st_mode = (st.st_mode & ~07777u) | 0600;
		orig = &st;
	}
	ret = yx_file_install(path, bytes, len, orig, path, &diag);
	free(bytes);
	if (ret == -EEXIST)
		return ctl_fail(EXIT_USAGE, "%s: %s already exists; --force to overwrite it", what,
		                path);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s: %s", what, diag.msg);
	return EXIT_OK;
}

/* Why the store may not take chain instead of held (NULL: it may); *same: it holds it. */
static const char *put_refusal(const yx_charter_chain_t *held, const yx_charter_chain_t *chain,
                               bool *same, char *why, size_t cap)
{
	const yx_charter_t *h1 = held->versions[0], *f1 = chain->versions[0];
	char a[17], b[17];
	*same = false;
	if (memcmp(h1->hash, f1->hash, 32) != 0) {
		ctl_hex(f1->hash, 8, a);
		ctl_hex(h1->hash, 8, b);
		snprintf(why, cap,
		         "it is the charter of another federation: its version 1 (\"%s\", %s) is "
		         "not the version 1 this node holds (\"%s\", %s)",
		         f1->federation, a, h1->federation, b);
		return why;
	}
	size_t common = held->n < chain->n ? held->n : chain->n;
	for (size_t i = 1; i < common; i++)
		if (memcmp(held->versions[i]->hash, chain->versions[i]->hash, 32) != 0) {
			snprintf(why, cap,
			         "its version %u differs from the version %u this node holds "
			         "(two amendments of one version)",
			         chain->versions[i]->version, held->versions[i]->version);
			return why;
		}
	if (chain->n < held->n) {
		snprintf(why, cap,
		         "it is older than the charter this node holds: it ends at version %zu, "
		         "this node has adopted version %zu",
		         chain->n, held->n);
		return why;
	}
	*same = chain->n == held->n;
	return NULL;
}

void ctl_charter_say_member(const yx_charter_t *cur, const uint8_t self[32], FILE *out)
{
	const yx_member_t *m = yx_charter_member_by_key(cur, self);
	if (m && yx_member_active(m))
		fprintf(out, "this node is member %s (%s) of version %u\n", m->name,
		        yx_city_name(m->city), cur->version);
	else if (m)
		fprintf(out, "this node is member %s of version %u, revoked after its seq %llu\n",
		        m->name, cur->version, (unsigned long long)m->revoked_after);
	else
		fprintf(out,
		        "this node's key is no member of version %u: it joins once an amendment "
		        "admits it\n",
		        cur->version);
}

int ctl_charter_put(ctl_t *ctl, const char *what, yx_store_t *store, const char *path,
                    const yx_charter_chain_t *chain, const uint8_t self[32], bool report)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_charter_chain_t *held = NULL;
	yx_diag_t diag = {{0}};
	bool same = false;
	char why[512];
	const char *refusal = NULL;
	int ret = yx_store_charter_get(store, &bytes, &len);
	if (ret == YX_OK) {
		ret = yx_charter_file_decode(bytes, len, false, &held, NULL, &diag);
		free(bytes);
		bytes = NULL;
		if (ret)
			return ctl_fail(EXIT_FAIL,
			                "%s: the charter this node holds does not decode: %s", what,
			                diag.msg);
		refusal = put_refusal(held, chain, &same, why, sizeof(why));
	} else if (ret != YX_ENOTFOUND) {
		return ctl_fail(EXIT_FAIL, "%s: reading the charter held: %s", what,
		                yx_strerror(ret));
	}
	yx_charter_chain_free(&held);
	const yx_charter_t *cur = yx_charter_chain_current(chain);
	if (refusal)
		return ctl_fail(EXIT_USAGE, "%s: refusing %s: %s", what, path, refusal);
	if (!same) {
		if ((ret = yx_charter_file_encode(chain, &bytes, &len)) == YX_OK)
			ret = yx_store_charter_put(store, bytes, len);
		free(bytes);
		if (ret)
			return ctl_fail(EXIT_FAIL, "%s: writing the charter to the store: %s", what,
			                yx_strerror(ret));
	}
	char hex[65];
	ctl_hex(cur->hash, 32, hex);
	if (report && ctl->json) {
		const yx_member_t *m = yx_charter_member_by_key(cur, self);
		ctl_print_json(json_pack("{s:s, s:s, s:i, s:s, s:b, s:o}", "installed", path,
		                         "federation", cur->federation, "version",
		                         (int)cur->version, "hash", hex, "unchanged", same,
		                         "member", m ? json_string(m->name) : json_null()));
	} else if (report) {
		printf("%s 联盟章程 \"%s\" version %u (%s)\n",
		       same ? "this node holds already" : "installed", cur->federation,
		       cur->version, hex);
		ctl_charter_say_member(cur, self, stdout);
	}
	return EXIT_OK;
}
