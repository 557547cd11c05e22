/* charter: the federation charter (联盟章程) offline — a founder's member line, the
 * draft of version 1, signatures gathered by passing the file around, the text of a file
 * or of the node's adopted charter, installing a verified file at a node (yrdxd stopped)
 * and exporting the adopted chain for a city that joins. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "charter_view.h"
#include "fileio.h"
#include "keys.h"
#include "validate.h"

static const char help[] =
        "usage: yrdxctl [-c NODE.zpl] charter SUBCOMMAND ...\n"
        "The federation charter (联盟章程): the member city nodes (成员城市), the cities\n"
        "whose records each may write (管辖范围), their keys and peer endpoints, and how\n"
        "many members must sign an amendment. Version 1 is signed by every founder.\n\n"
        "  -c NODE.zpl charter member\n"
        "      this node's line for a draft: NAME CITY KEY ENDPOINT (ENDPOINT is listen/peer;\n"
        "      write the address the other cities reach it at instead, if it differs)\n"
        "  charter draft --federation NAME --threshold T [--summary TEXT] -o FILE [--force]\n"
        "                MEMBERS.txt\n"
        "      writes version 1, unsigned, to FILE (mode 0600; never over a file without\n"
        "      --force) from one member per line of MEMBERS.txt:\n"
        "          NAME CITY KEY ENDPOINT [jurisdiction=CITY,CITY...]\n"
        "      CITY a GB/T 2260 code or the city's name (310000, 上海); '#' comments.\n"
        "      T: the members that must sign an amendment, more than half of them.\n"
        "  -c NODE.zpl charter sign FILE\n"
        "      adds this node's signature to FILE's last version; says who has signed\n"
        "      and who is still missing\n"
        "  -c NODE.zpl charter propose AMENDMENT [--summary TEXT]\n"
        "      proposes the next version through the federation (this node's vote, in its\n"
        "      log): admit NAME CITY KEY ENDPOINT [--jurisdiction C,...] | revoke NAME\n"
        "      [--after SEQ] | endpoint NAME ENDPOINT | threshold N | jurisdiction NAME\n"
        "      C,...   (see charter propose --help)\n"
        "  -c NODE.zpl charter sign ID\n"
        "      votes for the pending proposal ID (its vote id, or 4+ hex digits of its hash)\n"
        "  -c NODE.zpl charter status\n"
        "      the version this node follows, the open round, pending proposals and who\n"
        "      voted for them; each node adopts a version once threshold members signed\n"
        "  charter show [FILE]\n"
        "      the text of every version of FILE and its signatures; with -c and no FILE\n"
        "      the charter this node has adopted\n"
        "  -c NODE.zpl charter install FILE\n"
        "      verifies FILE (every signature) and makes it this node's charter, yrdxd\n"
        "      stopped; refuses another federation's charter, or an older one than held.\n"
        "      `yrdxctl init ... --charter FILE` does the same for a new node.\n"
        "  -c NODE.zpl charter export -o FILE [--force]\n"
        "      this node's adopted chain, for a city that joins to install\n\n"
        "Founding: each founding city sends its `charter member` line; one of them drafts;\n"
        "the file goes round and each signs it; each installs the signed file.\n"
        "--json: machine-readable output (keys never shortened).\n";

/* ---- member ------------------------------------------------------------------------ */

static int sub_member(ctl_t *ctl, int argc, char **argv)
{
	uint8_t self[32];
	char key[YX_PUBKEY_TEXT_LEN + 1];
	(void)argv;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "charter member: no arguments expected");
	int rc = ctl_self_key(ctl, self);
	if (rc)
		return rc;
	const yx_config_t *cfg = ctl->cfg;
	yx_pubkey_format(self, key);
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:i, s:s, s:s, s:s}", "name", cfg->name, "city",
		                         (int)cfg->city, "city_name", yx_city_name(cfg->city),
		                         "key", key, "endpoint", cfg->peer_endpoint));
	else
		printf("%s %u %s %s\n", cfg->name, cfg->city, key, cfg->peer_endpoint);
	if (strstr(cfg->peer_endpoint, "://*:") || strstr(cfg->peer_endpoint, "://0.0.0.0:"))
		fprintf(stderr,
		        "yrdxctl: note: listen/peer is %s; in the draft, write the address the "
		        "other cities reach this node at\n",
		        cfg->peer_endpoint);
	return EXIT_OK;
}

/* ---- draft -------------------------------------------------------------------------- */

/* The message of a diag about a charter of one member without the "charter version 1: "
 * and "members[0]: " it starts with: the line it is about says which. */
static const char *diag_tail(const yx_diag_t *diag)
{
	const char *p = diag->msg;
	if (strncmp(p, "charter ", 8) == 0 && strstr(p, ": "))
		p = strstr(p, ": ") + 2;
	if (strncmp(p, "members[0]: ", 12) == 0)
		p += 12;
	return p;
}

/* jurisdiction=CITY,CITY... into m. */
static int parse_jurisdiction(const char *file, unsigned line, char *list, yx_member_t *m)
{
	char *save = NULL;
	for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		if (m->n_jurisdiction == YX_CHARTER_MAX_CITIES)
			return ctl_fail(EXIT_USAGE, "%s:%u: jurisdiction: more than %d cities",
			                file, line, YX_CHARTER_MAX_CITIES);
		uint32_t code;
		if (yx_city_from_text(c, &code) != YX_OK)
			return ctl_fail(EXIT_USAGE,
			                "%s:%u: jurisdiction: \"%s\" is not a Yangtze River Delta "
			                "city (code or name)",
			                file, line, c);
		for (size_t k = 0; k < m->n_jurisdiction; k++)
			if (m->jurisdiction[k] == code)
				return ctl_fail(EXIT_USAGE,
				                "%s:%u: jurisdiction: %s (%u) named twice", file,
				                line, yx_city_name(code), code);
		m->jurisdiction[m->n_jurisdiction++] = code;
	}
	if (!m->n_jurisdiction)
		return ctl_fail(EXIT_USAGE, "%s:%u: jurisdiction= names no city", file, line);
	return EXIT_OK;
}

/* One line "NAME CITY KEY ENDPOINT [jurisdiction=...]" (comment already cut) into m,
 * checked alone as the decoder checks a member. */
static int parse_member(const char *file, unsigned line, char *text, const char *federation,
                        yx_member_t *m)
{
	char *tok[6], *save = NULL;
	size_t n = 0;
	yx_diag_t diag = {{0}};
	for (char *t = strtok_r(text, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save))
		if (n++ < 6)
			tok[n - 1] = t;
	if (n < 4 || n > 5)
		return ctl_fail(EXIT_USAGE,
		                "%s:%u: expected NAME CITY KEY ENDPOINT [jurisdiction=CITY,...], "
		                "found %zu field%s",
		                file, line, n, n == 1 ? "" : "s");
	memset(m, 0, sizeof(*m));
	if (strlen(tok[0]) > YX_CONFIG_NAME_MAX)
		return ctl_fail(EXIT_USAGE, "%s:%u: name \"%s\": longer than %d characters", file,
		                line, tok[0], YX_CONFIG_NAME_MAX);
	snprintf(m->name, sizeof(m->name), "%s", tok[0]);
	if (yx_city_from_text(tok[1], &m->city) != YX_OK)
		return ctl_fail(
		        EXIT_USAGE,
		        "%s:%u: city \"%s\" is not a Yangtze River Delta city (code or name)", file,
		        line, tok[1]);
	if (yx_pubkey_parse(tok[2], m->origin, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "%s:%u: key: %s", file, line, diag.msg);
	m->keys[0].after_seq = 0;
	memcpy(m->keys[0].key, m->origin, 32);
	m->n_keys = 1;
	if (strlen(tok[3]) >= YX_CONFIG_ENDPOINT_MAX)
		return ctl_fail(EXIT_USAGE, "%s:%u: endpoint longer than %d characters", file, line,
		                YX_CONFIG_ENDPOINT_MAX - 1);
	snprintf(m->endpoints[0], sizeof(m->endpoints[0]), "%s", tok[3]);
	m->n_endpoints = 1;
	if (n == 5) {
		if (strncmp(tok[4], "jurisdiction=", 13) != 0)
			return ctl_fail(
			        EXIT_USAGE,
			        "%s:%u: \"%s\": the fifth field is jurisdiction=CITY,CITY...", file,
			        line, tok[4]);
		int rc = parse_jurisdiction(file, line, tok[4] + 13, m);
		if (rc)
			return rc;
	} else {
		m->jurisdiction[0] = m->city;
		m->n_jurisdiction = 1;
	}
	/* The member alone, as a charter of one: the decoder's checks of a member. */
	yx_charter_t one = {.version = 1, .threshold = 1, .members = m, .n_members = 1};
	yx_charter_t *built = NULL;
	snprintf(one.federation, sizeof(one.federation), "%s", federation);
	if (yx_charter_build(&one, &built, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "%s:%u: %s", file, line, diag_tail(&diag));
	yx_charter_free(&built);
	return EXIT_OK;
}

/* Every member line of file into c->members (c->n_members of them). */
static int parse_members(const char *file, yx_charter_t *c)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	unsigned lines[YX_CHARTER_MAX_MEMBERS], line = 0;
	int rc = EXIT_OK;
	if (yx_file_read(file, 1 << 20, &bytes, &len, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "charter draft: %s", diag.msg);
	if (!(c->members = calloc(YX_CHARTER_MAX_MEMBERS, sizeof(*c->members)))) {
		free(bytes);
		return ctl_fail(EXIT_FAIL, "charter draft: out of memory");
	}
	char *text = (char *)bytes;
	/* strsep keeps empty lines, so that line numbers count every line */
	for (char *l = strsep(&text, "\n"); l && rc == EXIT_OK; l = strsep(&text, "\n")) {
		line++;
		char *hash = strchr(l, '#');
		if (hash)
			*hash = '\0';
		if (strspn(l, " \t\r") == strlen(l))
			continue;
		if (c->n_members == YX_CHARTER_MAX_MEMBERS) {
			rc = ctl_fail(EXIT_USAGE, "%s:%u: more than %d members", file, line,
			              YX_CHARTER_MAX_MEMBERS);
			break;
		}
		yx_member_t *m = &c->members[c->n_members];
		if ((rc = parse_member(file, line, l, c->federation, m)))
			break;
		for (size_t k = 0; k < c->n_members && rc == EXIT_OK; k++) {
			if (strcmp(c->members[k].name, m->name) == 0)
				rc = ctl_fail(EXIT_USAGE, "%s:%u: name %s is on line %u already",
				              file, line, m->name, lines[k]);
			else if (memcmp(c->members[k].origin, m->origin, 32) == 0)
				rc = ctl_fail(EXIT_USAGE,
				              "%s:%u: the key of %s is %s's, on line %u", file,
				              line, m->name, c->members[k].name, lines[k]);
		}
		lines[c->n_members++] = line;
	}
	free(bytes);
	if (rc == EXIT_OK && !c->n_members)
		rc = ctl_fail(EXIT_USAGE, "%s: no member lines", file);
	return rc;
}

static int sub_draft(ctl_t *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"federation", required_argument, NULL, 'f'},
	        {"threshold", required_argument, NULL, 't'},
	        {"summary", required_argument, NULL, 's'},
	        {"output", required_argument, NULL, 'o'},
	        {"force", no_argument, NULL, 'F'},
	        {NULL, 0, NULL, 0},
	};
	const char *federation = NULL, *summary = NULL, *out = NULL;
	long threshold = 0;
	bool force = false;
	char *end;
	int opt;
	while ((opt = getopt_long(argc - 1, argv + 1, "o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': federation = optarg; break;
		case 's': summary = optarg; break;
		case 'o': out = optarg; break;
		case 'F': force = true; break;
		case 't':
			threshold = strtol(optarg, &end, 10);
			if (*end || threshold <= 0 || threshold > YX_CHARTER_MAX_MEMBERS)
				return ctl_fail(EXIT_USAGE,
				                "charter draft: --threshold \"%s\": not a "
				                "number of members",
				                optarg);
			break;
		default: return ctl_fail(EXIT_USAGE, "charter draft: see yrdxctl charter --help");
		}
	}
	if (!federation || !threshold || !out || optind != argc - 2)
		return ctl_fail(EXIT_USAGE, "charter draft: --federation, --threshold, -o FILE and "
		                            "MEMBERS.txt are required (see --help)");
	const char *file = argv[optind + 1];
	yx_charter_t c = {.version = 1, .threshold = (uint32_t)threshold};
	yx_charter_t *built = NULL;
	yx_diag_t diag = {{0}};
	struct timespec now;
	if (strlen(federation) >= sizeof(c.federation) ||
	    (summary && strlen(summary) >= sizeof(c.summary)))
		return ctl_fail(EXIT_USAGE, "charter draft: --%s longer than %zu bytes",
		                strlen(federation) >= sizeof(c.federation) ? "federation"
		                                                           : "summary",
		                (strlen(federation) >= sizeof(c.federation) ? sizeof(c.federation)
		                                                            : sizeof(c.summary)) -
		                        1);
	snprintf(c.federation, sizeof(c.federation), "%s", federation);
	clock_gettime(CLOCK_REALTIME, &now);
	c.time_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	int rc = parse_members(file, &c);
	if (rc == EXIT_OK) {
		if (summary)
			snprintf(c.summary, sizeof(c.summary), "%s", summary);
		else
			snprintf(c.summary, sizeof(c.summary), "founding: %zu member cities",
			         c.n_members);
		if (yx_charter_build(&c, &built, &diag) != YX_OK)
			rc = ctl_fail(EXIT_USAGE, "charter draft: %s: %s", file, diag_tail(&diag));
	}
	free(c.members);
	if (rc)
		return rc;
	Yrdx__CharterSignature **no_sigs = NULL;
	size_t zero = 0;
	yx_charter_chain_t chain = {.versions = &built, .n = 1, .sigs = &no_sigs, .n_sigs = &zero};
	if ((rc = ctl_charter_save("charter draft", out, &chain, force)) == EXIT_OK) {
		if (ctl->json) {
			ctl_print_json(ctl_charter_version_json(&chain, 0));
		} else {
			ctl_charter_print_chain(&chain, stdout);
			printf("\nwritten to %s; next, every member signs it in turn:\n"
			       "  yrdxctl -c NODE.zpl charter sign %s\n",
			       out, out);
		}
	}
	yx_charter_free(&built);
	return rc;
}

/* ---- sign --------------------------------------------------------------------------- */

/* The member of the chain's last version whose signature the key is: for version 1 a
 * member it names, by its first key; later, an active member of the version before, by
 * its current key. NULL if none. */
static const yx_member_t *signer_of(const yx_charter_chain_t *chain, const uint8_t key[32])
{
	if (chain->n == 1) {
		const yx_member_t *m = yx_charter_member_by_origin(chain->versions[0], key);
		return m && memcmp(m->origin, key, 32) == 0 ? m : NULL;
	}
	const yx_member_t *m = yx_charter_member_by_key(chain->versions[chain->n - 2], key);
	return m && yx_member_active(m) ? m : NULL;
}

/* Writes the chain to path with sig as the key's signature of its last version (any
 * other signature by that key dropped). */
static int save_signed(const char *path, yx_charter_chain_t *chain, const uint8_t key[32],
                       const uint8_t sig[YX_SIG_BYTES])
{
	size_t last = chain->n - 1, n = chain->n_sigs[last], k = 0;
	Yrdx__CharterSignature **old = chain->sigs[last], mine;
	Yrdx__CharterSignature **grown = calloc(n + 1, sizeof(*grown));
	if (!grown)
		return ctl_fail(EXIT_FAIL, "charter sign: out of memory");
	for (size_t i = 0; i < n; i++)
		if (!(old[i]->key.len == 32 && memcmp(old[i]->key.data, key, 32) == 0))
			grown[k++] = old[i];
	yrdx__charter_signature__init(&mine);
	mine.key = (ProtobufCBinaryData){32, (uint8_t *)key};
	mine.signature = (ProtobufCBinaryData){YX_SIG_BYTES, (uint8_t *)sig};
	grown[k++] = &mine;
	/* the chain lends its signatures; it gets its own back before it is freed */
	chain->sigs[last] = grown;
	chain->n_sigs[last] = k;
	int rc = ctl_charter_save("charter sign", path, chain, true);
	chain->sigs[last] = old;
	chain->n_sigs[last] = n;
	free(grown);
	return rc;
}

static int sub_sign(ctl_t *ctl, int argc, char **argv)
{
	yx_charter_chain_t *chain = NULL;
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	uint8_t sig[YX_SIG_BYTES];
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "charter sign: expected FILE (see --help)");
	const char *path = argv[2];
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	if (yx_identity_load(ctl->cfg->key_file, &id, &diag) != YX_OK)
		return ctl_fail(EXIT_FAIL, "charter sign: %s", diag.msg);
	if ((rc = ctl_charter_load("charter sign", path, true, &chain, NULL))) {
		yx_identity_free(&id);
		return rc;
	}
	const uint8_t *self = yx_identity_public(id);
	const yx_charter_t *v = yx_charter_chain_current(chain);
	const yx_member_t *m = signer_of(chain, self);
	ctl_tally_t t;
	ctl_charter_tally(chain, chain->n - 1, &t);
	bool already = false;
	for (size_t e = 0; e < t.n_electors; e++)
		already |= t.electors[e] == m && t.signed_by[e];
	if (!m) {
		ctl_charter_print_tally(chain, chain->n - 1, stderr);
		if (v->version == 1)
			rc = ctl_fail(
			        EXIT_USAGE,
			        "charter sign: this node's key is no member of version 1 of %s: "
			        "only the members it names sign it",
			        path);
		else
			rc = ctl_fail(
			        EXIT_USAGE,
			        "charter sign: this node's key is not the current key of an "
			        "active member of version %u: only they sign version %u of %s",
			        v->version - 1, v->version, path);
	} else if (already) {
		if (!ctl->json)
			printf("%s has signed version %u of %s already\n", m->name, v->version,
			       path);
	} else {
		/* m and v live in the chain, which is read again once the file is written */
		char name[YX_CONFIG_NAME_MAX + 1];
		uint32_t city = m->city, version = v->version;
		snprintf(name, sizeof(name), "%s", m->name);
		yx_charter_sign(v->hash, id, sig);
		rc = save_signed(path, chain, self, sig);
		yx_charter_chain_free(&chain);
		if (rc == EXIT_OK)
			rc = ctl_charter_load("charter sign", path, true, &chain, NULL);
		if (rc == EXIT_OK && !ctl->json)
			printf("signed version %u of \"%s\" in %s as %s (%s)\n", version,
			       yx_charter_chain_current(chain)->federation, path, name,
			       yx_city_name(city));
	}
	if (rc == EXIT_OK && ctl->json) {
		ctl_print_json(ctl_charter_version_json(chain, chain->n - 1));
	} else if (rc == EXIT_OK) {
		ctl_tally_t done;
		ctl_charter_print_tally(chain, chain->n - 1, stdout);
		ctl_charter_tally(chain, chain->n - 1, &done);
		if (done.n_signed < done.needed)
			printf("next: pass %s on to a member still missing\n", path);
		else if (chain->n == 1)
			printf("every founder has signed: install it at each node with\n"
			       "  yrdxctl -c NODE.zpl charter install %s\n",
			       path);
	}
	yx_charter_chain_free(&chain);
	yx_identity_free(&id);
	return rc;
}

/* ---- show, install, export ---------------------------------------------------------- */

/* The chain the node's store holds; prints why not (none installed: EXIT_FAIL). */
static int held_chain(ctl_t *ctl, const char *what, yx_charter_chain_t **chain)
{
	yx_store_t *store = NULL;
	uint8_t *bytes = NULL;
	size_t len = 0;
	yx_diag_t diag = {{0}};
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	int ret = yx_store_charter_get(store, &bytes, &len);
	yx_store_close(&store);
	if (ret == YX_ENOTFOUND)
		return ctl_fail(EXIT_FAIL,
		                "%s: no charter installed at this node (yrdxctl -c %s charter "
		                "install FILE)",
		                what, ctl->cfg->path);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s: reading the charter: %s", what, yx_strerror(ret));
	ret = yx_charter_file_decode(bytes, len, false, chain, NULL, &diag);
	free(bytes);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s: the charter this node holds does not decode: %s",
		                what, diag.msg);
	return EXIT_OK;
}

static int sub_show(ctl_t *ctl, int argc, char **argv)
{
	yx_charter_chain_t *chain = NULL;
	int rc;
	if (argc > 3)
		return ctl_fail(EXIT_USAGE, "charter show: expected at most one FILE (see --help)");
	if (argc == 3)
		rc = ctl_charter_load("charter show", argv[2], true, &chain, NULL);
	else if (ctl->config_path)
		rc = held_chain(ctl, "charter show", &chain);
	else
		return ctl_fail(EXIT_USAGE, "charter show: expected FILE, or -c NODE.zpl for the "
		                            "node's charter");
	if (rc)
		return rc;
	if (ctl->json)
		ctl_print_json(ctl_charter_json(chain));
	else
		ctl_charter_print_chain(chain, stdout);
	yx_charter_chain_free(&chain);
	return EXIT_OK;
}

/* EXIT_OK if yrdxd does not run on this config (it reads its charter when it starts and
 * writes it when it adopts an amendment). */
static int need_stopped(ctl_t *ctl, const char *what)
{
	int up = yx_ctl_listening(ctl->cfg->control_path);
	if (up == YX_OK)
		return ctl_fail(EXIT_USAGE,
		                "%s: yrdxd is running (control socket %s); stop it first: a "
		                "running node takes new versions through the federation",
		                what, ctl->cfg->control_path);
	if (up == -ENAMETOOLONG)
		return ctl_fail(EXIT_FAIL,
		                "%s: cannot tell whether yrdxd runs (control socket path %s too "
		                "long); stop it and remove the socket",
		                what, ctl->cfg->control_path);
	return EXIT_OK;
}

static int sub_install(ctl_t *ctl, int argc, char **argv)
{
	yx_charter_chain_t *chain = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	uint8_t self[32];
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "charter install: expected FILE (see --help)");
	int rc = ctl_self_key(ctl, self);
	if (rc || (rc = need_stopped(ctl, "charter install")))
		return rc;
	if ((rc = ctl_charter_load("charter install", argv[2], false, &chain, NULL)))
		return rc;
	int ret = yx_store_open(ctl->cfg->data_dir, 0, ctl->cfg->map_size, &store, &diag);
	if (ret)
		rc = ctl_fail(EXIT_FAIL, "charter install: %s",
		              diag.msg[0] ? diag.msg : yx_strerror(ret));
	else
		rc = ctl_charter_put(ctl, "charter install", store, argv[2], chain, self, true);
	yx_store_close(&store);
	yx_charter_chain_free(&chain);
	return rc;
}

static int sub_export(ctl_t *ctl, int argc, char **argv)
{
	yx_charter_chain_t *chain = NULL;
	const char *out = NULL;
	bool force = false;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) &&
		    i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else
			return ctl_fail(EXIT_USAGE,
			                "charter export: unexpected \"%s\" (see --help)", argv[i]);
	}
	if (!out)
		return ctl_fail(EXIT_USAGE, "charter export: expected -o FILE (see --help)");
	int rc = held_chain(ctl, "charter export", &chain);
	if (rc == EXIT_OK && (rc = ctl_charter_save("charter export", out, chain, force)) == 0) {
		const yx_charter_t *cur = yx_charter_chain_current(chain);
		char hex[65];
		ctl_hex(cur->hash, 32, hex);
		if (ctl->json)
			ctl_print_json(json_pack("{s:s, s:s, s:i, s:s}", "file", out, "federation",
			                         cur->federation, "version", (int)cur->version,
			                         "hash", hex));
		else
			printf("wrote 联盟章程 \"%s\" versions 1 to %u (%s) to %s\n",
			       cur->federation, cur->version, hex, out);
	}
	yx_charter_chain_free(&chain);
	return rc;
}

/* The subcommands that talk to the running daemon (cmd_amend.c). */
static int sub_online(ctl_t *ctl, int argc, char **argv)
{
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	if (strcmp(argv[1], "propose") == 0)
		return cmd_charter_propose(ctl, argc, argv);
	if (strcmp(argv[1], "status") == 0)
		return cmd_charter_status(ctl, argc, argv);
	return cmd_charter_vote(ctl, argc, argv);
}

int cmd_charter(ctl_t *ctl, int argc, char **argv)
{
	static const ctl_sub_t subs[] = {
	        {"member", sub_member},  {"draft", sub_draft},     {"sign", sub_sign},
	        {"show", sub_show},      {"install", sub_install}, {"export", sub_export},
	        {"propose", sub_online}, {"status", sub_online},
	};
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc < 2)
		return ctl_fail(EXIT_USAGE, "charter: expected a subcommand (see --help)");
	/* sign FILE signs a file passed around; sign ID votes through the federation */
	if (strcmp(argv[1], "sign") == 0 && argc == 3 && access(argv[2], F_OK) != 0)
		return sub_online(ctl, argc, argv);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(ctl, argc, argv);
	return ctl_fail(EXIT_USAGE, "charter: unknown subcommand \"%s\" (see --help)", argv[1]);
}
