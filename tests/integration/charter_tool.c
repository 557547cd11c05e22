/* charter_tool: a version that amends a charter file, signed with members' own key files —
 * what signers would do offline with the file passed round (integration tests only,
 * never installed):
 *
 *   charter_tool revoke IN OUT NAME AFTER_SEQ SIGNER.zpl...
 *       IN's chain plus a version revoking member NAME after seq AFTER_SEQ of its log,
 *       signed by the SIGNERs' keys, written to OUT
 *
 * The file is verified the way a node verifies it (yx_charter_file_decode) before it is
 * written; a refusal prints the library's message and exits 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "config.h"
#include "keys.h"

#define FILE_MAX (16 << 20)

static int fail(const char *what, const yx_diag_t *diag, int ret)
{
	fprintf(stderr, "charter_tool: %s: %s\n", what,
	        diag && diag->msg[0] ? diag->msg : yx_strerror(ret));
	return 1;
}

static int read_all(const char *path, uint8_t **bytes, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*bytes = malloc(FILE_MAX);
	*len = *bytes ? fread(*bytes, 1, FILE_MAX, f) : 0;
	fclose(f);
	return *bytes ? 0 : -1;
}

static int write_chain(const yx_charter_chain_t *chain, const char *path)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_charter_chain_t *check = NULL;
	yx_diag_t diag = {{0}};
	int ret = yx_charter_file_encode(chain, &bytes, &len);
	if (ret == YX_OK)
		ret = yx_charter_file_decode(bytes, len, false, &check, NULL, &diag);
	yx_charter_chain_free(&check);
	if (ret) {
		free(bytes);
		return fail("the file made does not verify", &diag, ret);
	}
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(bytes, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = false;
	free(bytes);
	if (!ok)
		fprintf(stderr, "charter_tool: cannot write %s\n", path);
	return ok ? 0 : 1;
}

/* A node's config and identity. */
typedef struct {
	yx_config_t *cfg;
	yx_identity_t *id;
} node_t;

static int node_load(const char *path, node_t *n)
{
	yx_diag_t diag = {{0}};
	int ret = yx_config_load(path, &n->cfg, &diag);
	if (ret == YX_OK)
		ret = yx_identity_load(n->cfg->key_file, &n->id, &diag);
	return ret ? fail(path, &diag, ret) : 0;
}

static void node_free(node_t *n)
{
	yx_identity_free(&n->id);
	yx_config_free(&n->cfg);
}

/* Signs c with each node's key into sigs (n of them, the caller frees each). */
static void sign_all(const yx_charter_t *c, node_t *nodes, size_t n, Yrdx__CharterSignature **sigs,
                     uint8_t (*raw)[YX_SIG_BYTES])
{
	for (size_t i = 0; i < n; i++) {
		yx_charter_sign(c->hash, nodes[i].id, raw[i]);
		sigs[i] = calloc(1, sizeof(**sigs));
		yrdx__charter_signature__init(sigs[i]);
		sigs[i]->key.data = (uint8_t *)yx_identity_public(nodes[i].id);
		sigs[i]->key.len = 32;
		sigs[i]->signature.data = raw[i];
		sigs[i]->signature.len = YX_SIG_BYTES;
	}
}

/* Appends c, signed by nodes, to chain and writes it to out. */
static int append_signed(yx_charter_chain_t *chain, const yx_charter_t *c, node_t *nodes, size_t n,
                         const char *out)
{
	Yrdx__CharterSignature **sigs = calloc(n, sizeof(*sigs));
	uint8_t(*raw)[YX_SIG_BYTES] = calloc(n, YX_SIG_BYTES);
	int rc = 1;
	if (!sigs || !raw)
		goto out;
	sign_all(c, nodes, n, sigs, raw);
	int ret = yx_charter_chain_append(chain, c, sigs, n);
	rc = ret ? fail("append", NULL, ret) : write_chain(chain, out);
	for (size_t i = 0; i < n; i++)
		free(sigs[i]);
out:
	free(sigs);
	free(raw);
	return rc;
}

static int revoke(const char *in, const char *out, const char *name, uint64_t after, char **paths,
                  size_t n)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_charter_chain_t *chain = NULL;
	yx_charter_t *next = NULL, *c = NULL;
	node_t *nodes = calloc(n ? n : 1, sizeof(*nodes));
	yx_diag_t diag = {{0}};
	int rc = 1, ret;
	if (!nodes || read_all(in, &bytes, &len)) {
		fprintf(stderr, "charter_tool: cannot read %s\n", in);
		goto out;
	}
	if ((ret = yx_charter_file_decode(bytes, len, false, &chain, NULL, &diag))) {
		rc = fail(in, &diag, ret);
		goto out;
	}
	const yx_charter_t *cur = yx_charter_chain_current(chain);
	if ((ret = yx_charter_copy(cur, &next)))
		goto out;
	yx_member_t *m = (yx_member_t *)yx_charter_member_by_name(next, name);
	if (!m) {
		fprintf(stderr, "charter_tool: no member %s\n", name);
		goto out;
	}
	m->revoked = true;
	m->revoked_after = after;
	next->version = cur->version + 1;
	memcpy(next->prev_hash, cur->hash, 32);
	snprintf(next->summary, sizeof(next->summary), "revoke %s after seq %llu", name,
	         (unsigned long long)after);
	if ((ret = yx_charter_build(next, &c, &diag))) {
		rc = fail("the revoking version", &diag, ret);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (node_load(paths[i], &nodes[i]))
			goto out;
	rc = append_signed(chain, c, nodes, n, out);
out:
	for (size_t i = 0; nodes && i < n; i++)
		node_free(&nodes[i]);
	free(nodes);
	free(bytes);
	yx_charter_free(&next);
	yx_charter_free(&c);
	yx_charter_chain_free(&chain);
	return rc;
}

int main(int argc, char **argv)
{
	if (yx_crypto_init() != YX_OK)
		return 1;
	if (argc >= 7 && strcmp(argv[1], "revoke") == 0)
		return revoke(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10), &argv[6],
		              (size_t)(argc - 6));
	fprintf(stderr, "usage: charter_tool revoke IN OUT NAME AFTER_SEQ SIGNER.zpl...\n");
	return 2;
}
