/* amend: amendments of the federation charter (联盟章程) through the federation. propose
 * builds the version after the one the node follows, with one amendment, and has the
 * daemon write this node's vote for it (a rotation of this node's key the daemon builds
 * itself: the new key signs past the seq its vote gets); sign (cmd_charter_vote) votes for a
 * proposal another member made; status shows the version followed and the proposals pending with
 * who voted and who has not. Votes travel in the members' logs; every node adopts a
 * version by itself once it holds the votes of the threshold of members. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "charter.h"
#include "keys.h"
#include "validate.h"
#include "yrdxctl.h"

#define CHARTER_TIMEOUT_MS 10000

static const char propose_help[] =
        "usage: yrdxctl -c FILE charter propose AMENDMENT [--summary TEXT]\n"
        "  admit NAME CITY KEY ENDPOINT [--jurisdiction C,...]   a new member city node\n"
        "                                (the threshold rises if it would be no majority)\n"
        "  revoke NAME [--after SEQ]     its log stands up to SEQ (default: its tip as this\n"
        "                                node holds it), nothing of it after\n"
        "  endpoint NAME ENDPOINT[,...]  a member's peer endpoint(s), tcp://HOST:PORT\n"
        "  threshold N                   members who must sign an amendment (a majority)\n"
        "  jurisdiction NAME C,...       the cities (GB/T 2260 codes or names) whose records\n"
        "                                the member may write (管辖范围)\n"
        "  rotate [--key FILE]           this node's own new key (default: the one `yrdxctl\n"
        "                                keygen --next` wrote, node/key_file + \".next\"); it\n"
        "                                signs this node's log past the seq of this vote, and\n"
        "                                the node writes nothing until the version is decided\n"
        "Builds the version after the one this node follows with that one change and writes\n"
        "this node's vote for it into its log; the other members sign it with\n"
        "`yrdxctl charter sign ID`. Every node adopts it once it holds the votes of the\n"
        "threshold of members. A member's first vote for a version is the one that counts.\n";

static const char vote_help[] =
        "usage: yrdxctl -c FILE charter sign ID\n"
        "Writes this node's vote for the pending proposal ID (its vote id, v<version>-<hex>,\n"
        "or the start of its hash, as `charter status` shows them). A member votes once for\n"
        "a version: its first vote is the one that counts.\n";

static const char status_help[] =
        "usage: yrdxctl -c FILE charter status [--json]\n"
        "The charter version this node follows (联盟章程), its members, and the proposals for\n"
        "the next version whose votes this node holds: who voted for each, and who has not.\n";

/* ---- talking to the daemon ------------------------------------------------------------ */

/* One charter request; *reply holds r->charter. Errors are printed: an EINVAL/ENOTFOUND
 * from the daemon is the input's fault (exit 2), anything else the node's (exit 1). */
static int charter_call(ctl_t *ctl, Yrdx__CharterRequest *q, const char *what,
                        Yrdx__ControlReply **reply)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_CHARTER;
	req.charter = q;
	int rc = ctl_call(ctl, &req, CHARTER_TIMEOUT_MS, reply);
	if (rc)
		return rc;
	if ((*reply)->error || !(*reply)->charter) {
		int err = (*reply)->error;
		rc = ctl_fail(err == YX_EINVAL || err == YX_ENOTFOUND ? EXIT_USAGE : EXIT_FAIL,
		              "charter %s: %s", what,
		              (*reply)->message[0] ? (*reply)->message : "no answer");
		yrdx__control_reply__free_unpacked(*reply, NULL);
		*reply = NULL;
	}
	return rc;
}

/* The daemon's view: the version it follows (decoded into *cur) and the proposals. */
static int charter_standing(ctl_t *ctl, const char *what, Yrdx__ControlReply **reply,
                            yx_charter_t **cur)
{
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yx_diag_t diag = {{0}};
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS;
	*cur = NULL;
	int rc = charter_call(ctl, &q, what, reply);
	if (rc)
		return rc;
	const Yrdx__CharterReply *cr = (*reply)->charter;
	if (cr->current.len == 0)
		return EXIT_OK;
	if (yx_charter_decode(cr->current.data, cr->current.len, cur, &diag) != YX_OK) {
		rc = ctl_fail(EXIT_FAIL, "charter %s: the node's charter does not decode: %s", what,
		              diag.msg);
		yrdx__control_reply__free_unpacked(*reply, NULL);
		*reply = NULL;
	}
	return rc;
}

/* ---- the amendments --------------------------------------------------------------------- */

/* One amendment: args (after its name, --summary removed) applied to next, a copy of
 * the current version; summary gets what it does, for people, unless one was given. */
typedef int (*amend_fn)(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                        size_t cap);

static yx_member_t *member_named(yx_charter_t *c, const char *name)
{
	for (size_t i = 0; i < c->n_members; i++)
		if (strcmp(c->members[i].name, name) == 0)
			return &c->members[i];
	return NULL;
}

static int no_member(const yx_charter_t *next, const char *name)
{
	char names[1024] = "";
	for (size_t i = 0; i < next->n_members; i++) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
		         next->members[i].name);
	}
	return ctl_fail(EXIT_USAGE,
	                "charter propose: no member %s in charter version %u (members: %s)", name,
	                next->version - 1, names);
}

/* The threshold kept a majority of next's active members, and no more than them: an
 * admission raises it, a revocation may lower it. Said in the summary (cap bytes). */
static void threshold_follows(yx_charter_t *next, char *summary, size_t cap)
{
	uint32_t active = 0, was = next->threshold;
	for (size_t i = 0; i < next->n_members; i++)
		active += yx_member_active(&next->members[i]);
	if (next->threshold * 2 <= active)
		next->threshold = active / 2 + 1;
	if (next->threshold > active)
		next->threshold = active;
	if (next->threshold != was) {
		size_t n = strlen(summary);
		snprintf(summary + n, cap - n, "; threshold %u → %u of %u", was, next->threshold,
		         active);
	}
}

static const char *city_text(uint32_t code)
{
	const char *name = yx_city_name(code);
	return name ? name : "?";
}

/* A list of cities "310000,苏州,..." into out (at most YX_CHARTER_MAX_CITIES). */
static int parse_cities(const char *what, const char *text, uint32_t *out, size_t *n)
{
	char *copy = strdup(text), *save = NULL;
	int rc = EXIT_OK;
	*n = 0;
	if (!copy)
		return ctl_fail(EXIT_FAIL, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == EXIT_OK;
	     tok = strtok_r(NULL, ",", &save)) {
		uint32_t code;
		if (yx_city_from_text(tok, &code) != YX_OK)
			rc = ctl_fail(
			        EXIT_USAGE,
			        "charter propose: %s: \"%s\" is no city of the Yangtze River "
			        "Delta (a GB/T 2260 code such as 320500, or a name such as 苏州)",
			        what, tok);
		else if (*n == YX_CHARTER_MAX_CITIES)
			rc = ctl_fail(EXIT_USAGE, "charter propose: %s: more than %d cities", what,
			              YX_CHARTER_MAX_CITIES);
		else
			out[(*n)++] = code;
	}
	if (rc == EXIT_OK && *n == 0)
		rc = ctl_fail(EXIT_USAGE, "charter propose: %s: no city given", what);
	free(copy);
	return rc;
}

/* Endpoints "tcp://a:1,tcp://b:2" into m. */
static int parse_endpoints(const char *text, yx_member_t *m)
{
	char *copy = strdup(text), *save = NULL, why[200];
	int rc = EXIT_OK;
	if (!copy)
		return ctl_fail(EXIT_FAIL, "out of memory");
	m->n_endpoints = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && rc == EXIT_OK;
	     tok = strtok_r(NULL, ",", &save)) {
		if (m->n_endpoints == YX_CHARTER_MAX_ENDPOINTS)
			rc = ctl_fail(EXIT_USAGE, "charter propose: more than %d endpoints",
			              YX_CHARTER_MAX_ENDPOINTS);
		else if (strlen(tok) >= YX_CONFIG_ENDPOINT_MAX ||
		         !yx_config_endpoint_ok(tok, why, sizeof(why)))
			rc = ctl_fail(EXIT_USAGE, "charter propose: endpoint \"%s\": %s", tok,
			              strlen(tok) >= YX_CONFIG_ENDPOINT_MAX ? "too long" : why);
		else
			snprintf(m->endpoints[m->n_endpoints++], YX_CONFIG_ENDPOINT_MAX, "%s", tok);
	}
	if (rc == EXIT_OK && m->n_endpoints == 0)
		rc = ctl_fail(EXIT_USAGE, "charter propose: no endpoint given");
	free(copy);
	return rc;
}

static int amend_admit(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                       size_t cap)
{
	const char *jurisdiction = NULL;
	yx_diag_t diag = {{0}};
	yx_member_t m;
	(void)ctl;
	memset(&m, 0, sizeof(m));
	if (argc == 6 && strcmp(argv[4], "--jurisdiction") == 0) {
		jurisdiction = argv[5];
		argc = 4;
	}
	if (argc != 4)
		return ctl_fail(EXIT_USAGE,
		                "charter propose admit: expected NAME CITY KEY ENDPOINT "
		                "[--jurisdiction C,...]");
	if (strlen(argv[0]) > YX_CONFIG_NAME_MAX)
		return ctl_fail(EXIT_USAGE, "charter propose admit: name \"%s\" is longer than %d",
		                argv[0], YX_CONFIG_NAME_MAX);
	if (member_named(next, argv[0]))
		return ctl_fail(EXIT_USAGE, "charter propose admit: %s is a member already",
		                argv[0]);
	snprintf(m.name, sizeof(m.name), "%s", argv[0]);
	if (yx_city_from_text(argv[1], &m.city) != YX_OK)
		return ctl_fail(
		        EXIT_USAGE,
		        "charter propose admit: city \"%s\" is no city of the Yangtze River "
		        "Delta (a GB/T 2260 code such as 320500, or a name such as 苏州)",
		        argv[1]);
	if (yx_pubkey_parse(argv[2], m.origin, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "charter propose admit: key: %s", diag.msg);
	m.n_keys = 1;
	memcpy(m.keys[0].key, m.origin, 32);
	int rc = parse_endpoints(argv[3], &m);
	if (rc == EXIT_OK && jurisdiction)
		rc = parse_cities("--jurisdiction", jurisdiction, m.jurisdiction,
		                  &m.n_jurisdiction);
	if (rc)
		return rc;
	if (!jurisdiction) {
		m.jurisdiction[0] = m.city;
		m.n_jurisdiction = 1;
	}
	yx_member_t *grown = realloc(next->members, (next->n_members + 1) * sizeof(*grown));
	if (!grown)
		return ctl_fail(EXIT_FAIL, "out of memory");
	next->members = grown;
	next->members[next->n_members++] = m;
	snprintf(summary, cap, "admit %s (%s, %u)", m.name, city_text(m.city), m.city);
	threshold_follows(next, summary, cap);
	return EXIT_OK;
}

/* The tip of origin's log in this node's store: where a revocation ends it by default. */
static int held_tip(ctl_t *ctl, const uint8_t origin[32], uint64_t *seq)
{
	yx_store_t *store = NULL;
	yx_tip_t tip;
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	*seq = yx_store_tip(store, origin, &tip) == YX_OK ? tip.seq : 0;
	yx_store_close(&store);
	return EXIT_OK;
}

static int parse_u64(const char *what, const char *text, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = strtoull(text, &end, 10);
	if (!*text || *end || text[0] == '-' || v > max)
		return ctl_fail(EXIT_USAGE,
		                "charter propose: %s: \"%s\" is not a number from 0 to %llu", what,
		                text, (unsigned long long)max);
	*out = v;
	return EXIT_OK;
}

static int amend_revoke(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                        size_t cap)
{
	uint64_t after = 0;
	bool given = argc == 3 && strcmp(argv[1], "--after") == 0;
	if (argc != 1 && !given)
		return ctl_fail(EXIT_USAGE, "charter propose revoke: expected NAME [--after SEQ]");
	yx_member_t *m = member_named(next, argv[0]);
	if (!m)
		return no_member(next, argv[0]);
	if (m->revoked)
		return ctl_fail(
		        EXIT_USAGE,
		        "charter propose revoke: %s is revoked already (its log stands up to "
		        "seq %llu)",
		        m->name, (unsigned long long)m->revoked_after);
	int rc = given ? parse_u64("--after", argv[2], UINT64_MAX, &after)
	               : held_tip(ctl, m->origin, &after);
	if (rc)
		return rc;
	m->revoked = true;
	m->revoked_after = after;
	snprintf(summary, cap, "revoke %s (%s) after its log seq %llu", m->name, city_text(m->city),
	         (unsigned long long)after);
	threshold_follows(next, summary, cap);
	return EXIT_OK;
}

static int amend_endpoint(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                          size_t cap)
{
	(void)ctl;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE,
		                "charter propose endpoint: expected NAME ENDPOINT[,...]");
	yx_member_t *m = member_named(next, argv[0]);
	if (!m)
		return no_member(next, argv[0]);
	int rc = parse_endpoints(argv[1], m);
	if (rc == EXIT_OK)
		snprintf(summary, cap, "endpoint of %s: %s", m->name, argv[1]);
	return rc;
}

static int amend_threshold(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                           size_t cap)
{
	uint64_t n = 0;
	(void)ctl;
	if (argc != 1)
		return ctl_fail(EXIT_USAGE, "charter propose threshold: expected N");
	int rc = parse_u64("threshold", argv[0], UINT32_MAX, &n);
	if (rc)
		return rc;
	next->threshold = (uint32_t)n;
	snprintf(summary, cap, "threshold %u", next->threshold);
	return EXIT_OK;
}

static int amend_jurisdiction(ctl_t *ctl, yx_charter_t *next, int argc, char **argv, char *summary,
                              size_t cap)
{
	(void)ctl;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "charter propose jurisdiction: expected NAME C,...");
	yx_member_t *m = member_named(next, argv[0]);
	if (!m)
		return no_member(next, argv[0]);
	int rc = parse_cities("jurisdiction", argv[1], m->jurisdiction, &m->n_jurisdiction);
	if (rc == EXIT_OK)
		snprintf(summary, cap, "管辖范围 jurisdiction of %s: %s", m->name, argv[1]);
	return rc;
}

static const struct {
	const char *name;
	amend_fn fn;
} amendments[] = {
        {"admit", amend_admit},
        {"revoke", amend_revoke},
        {"endpoint", amend_endpoint},
        {"threshold", amend_threshold},
        {"jurisdiction", amend_jurisdiction},
        /* rotate is no amend_fn: its version is built by the daemon (propose_rotate) */
};

/* ---- propose ------------------------------------------------------------------------------ */

static json_t *vote_json(const Yrdx__CharterReply *cr, const yx_charter_t *p, uint32_t threshold)
{
	char hex[65];
	ctl_hex(p->hash, 32, hex);
	return json_pack("{s:s, s:s, s:i, s:s, s:I, s:i, s:i, s:i}", "id", cr->vote_id, "hash", hex,
	                 "version", (int)p->version, "summary", p->summary, "seq",
	                 (json_int_t)cr->seq, "round", (int)cr->round, "votes", (int)cr->votes,
	                 "threshold", (int)threshold);
}

/* Builds the proposal: cur with the amendment argv names (argv[0]), summary (NULL: what
 * the amendment does, which made receives either way), and a new time. */
static int build_proposal(ctl_t *ctl, const yx_charter_t *cur, int argc, char **argv,
                          const char *summary, char *made, size_t cap, yx_charter_t **out)
{
	yx_charter_t *next = NULL;
	yx_diag_t diag = {{0}};
	size_t i = 0;
	int rc;
	for (; i < sizeof(amendments) / sizeof(amendments[0]); i++)
		if (strcmp(argv[0], amendments[i].name) == 0)
			break;
	if (i == sizeof(amendments) / sizeof(amendments[0]))
		return ctl_fail(EXIT_USAGE,
		                "charter propose: unknown amendment \"%s\" (see --help)", argv[0]);
	if (yx_charter_copy(cur, &next) != YX_OK)
		return ctl_fail(EXIT_FAIL, "out of memory");
	next->version = cur->version + 1;
	memcpy(next->prev_hash, cur->hash, 32);
	next->time_ms = (int64_t)time(NULL) * 1000;
	rc = amendments[i].fn(ctl, next, argc - 1, argv + 1, made, cap);
	if (rc == EXIT_OK && summary && strlen(summary) >= sizeof(next->summary))
		rc = ctl_fail(EXIT_USAGE, "charter propose: --summary is longer than %zu bytes",
		              sizeof(next->summary) - 1);
	if (rc == EXIT_OK) {
		snprintf(next->summary, sizeof(next->summary), "%s", summary ? summary : made);
		if (yx_charter_build(next, out, &diag) != YX_OK ||
		    yx_charter_check_follows(cur, *out, &diag) != YX_OK) {
			yx_charter_free(out);
			rc = ctl_fail(EXIT_USAGE, "charter propose %s: %s", argv[0], diag.msg);
		}
	}
	yx_charter_free(&next);
	return rc;
}

/* The new key of `propose rotate`: file (NULL: the next key file) made absolute into path
 * (cap bytes), loaded (owner-only, a key), its public key into pub. */
static int rotate_key(ctl_t *ctl, const char *file, char *path, size_t cap, uint8_t pub[32])
{
	char next[YX_CONFIG_PATH_MAX + 8], full[PATH_MAX];
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	if (!file && !yx_key_next_path(ctl->cfg->key_file, next, sizeof(next)))
		return ctl_fail(EXIT_USAGE, "charter propose rotate: %s.next: path too long",
		                ctl->cfg->key_file);
	if (!file)
		file = next;
	if (!realpath(file, full)) {
		if (errno == ENOENT && file == next)
			return ctl_fail(EXIT_USAGE,
			                "charter propose rotate: %s: no next key; `yrdxctl -c %s "
			                "keygen --next` makes one there",
			                file, ctl->cfg->path);
		return ctl_fail(EXIT_USAGE, "charter propose rotate: %s: %s", file,
		                strerror(errno));
	}
	if (strlen(full) >= cap)
		return ctl_fail(EXIT_USAGE, "charter propose rotate: %s: path too long", full);
	snprintf(path, cap, "%s", full);
	int ret = yx_identity_load(path, &id, &diag);
	if (ret)
		return ctl_fail(EXIT_USAGE, "charter propose rotate: %s",
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	memcpy(pub, yx_identity_public(id), 32);
	yx_identity_free(&id);
	return EXIT_OK;
}

static void rotate_print(ctl_t *ctl, const Yrdx__CharterReply *cr, const yx_charter_t *p,
                         uint32_t threshold, const uint8_t pub[32], const char *path)
{
	char key[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(pub, key);
	if (ctl->json) {
		json_t *o = vote_json(cr, p, threshold);
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "key_file", json_string(path));
		json_object_set_new(o, "after_seq", json_integer((json_int_t)cr->seq));
		ctl_print_json(o);
		return;
	}
	printf("charter version %u proposed (%s): %s's vote %s written at log seq %llu, %u of "
	       "%u votes\n",
	       p->version, p->summary, ctl->cfg->name, cr->vote_id, (unsigned long long)cr->seq,
	       cr->votes, threshold);
	printf("once adopted, key %s (%s) signs %s's log past seq %llu; until version %u is "
	       "decided this node writes nothing\n",
	       key, path, ctl->cfg->name, (unsigned long long)cr->seq, p->version);
	printf("the other members sign it with: yrdxctl charter sign %s\n", cr->vote_id);
}

/* charter propose rotate [--key FILE]: the daemon builds the version, since the new key
 * signs past the seq its vote gets. */
static int propose_rotate(ctl_t *ctl, int n, char **args, const char *summary)
{
	Yrdx__ControlReply *standing = NULL, *reply = NULL;
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yx_charter_t *cur = NULL, *p = NULL;
	yx_diag_t diag = {{0}};
	const char *file = NULL;
	char path[YX_CONFIG_PATH_MAX + 8];
	uint8_t pub[32];
	int rc;
	for (int i = 1; i < n; i++) {
		if (strcmp(args[i], "--key") == 0 && i + 1 < n)
			file = args[++i];
		else
			return ctl_fail(EXIT_USAGE,
			                "charter propose rotate: unexpected \"%s\" (expected "
			                "[--key FILE] [--summary TEXT])",
			                args[i]);
	}
	if ((rc = ctl_need_config(ctl)) || (rc = rotate_key(ctl, file, path, sizeof(path), pub)) ||
	    (rc = charter_standing(ctl, "propose", &standing, &cur)))
		return rc;
	if (!cur) {
		rc = ctl_fail(EXIT_USAGE,
		              "charter propose rotate: no charter is installed at this node "
		              "(yrdxctl charter install FILE): a key is rotated by an amendment");
		goto out;
	}
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_ROTATE;
	q.key = (ProtobufCBinaryData){32, pub};
	q.key_file = path;
	q.summary = (char *)(summary ? summary : "");
	if ((rc = charter_call(ctl, &q, "propose rotate", &reply)))
		goto out;
	const Yrdx__CharterReply *cr = reply->charter;
	if (yx_charter_decode(cr->proposal.data, cr->proposal.len, &p, &diag) != YX_OK) {
		rc = ctl_fail(EXIT_FAIL,
		              "charter propose rotate: vote %s written at log seq %llu, but the "
		              "node's reply does not decode: %s",
		              cr->vote_id, (unsigned long long)cr->seq, diag.msg);
		goto out;
	}
	rotate_print(ctl, cr, p, cur->threshold, pub, path);
out:
	yx_charter_free(&p);
	yx_charter_free(&cur);
	if (standing)
		yrdx__control_reply__free_unpacked(standing, NULL);
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

int cmd_charter_propose(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__ControlReply *standing = NULL, *reply = NULL;
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yx_charter_t *cur = NULL, *p = NULL;
	const char *summary = NULL;
	char *args[16], made[256] = "";
	int n = 0, rc;
	if (ctl_wants_help(argc, argv, propose_help))
		return EXIT_OK;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--summary") == 0) {
			if (i + 1 >= argc)
				return ctl_fail(EXIT_USAGE,
				                "charter propose: --summary needs a text");
			summary = argv[++i];
		} else if (n == (int)(sizeof(args) / sizeof(args[0]))) {
			return ctl_fail(EXIT_USAGE, "charter propose: too many arguments");
		} else {
			args[n++] = argv[i];
		}
	}
	if (n == 0)
		return ctl_fail(EXIT_USAGE,
		                "charter propose: expected an amendment: admit, revoke, "
		                "endpoint, threshold, jurisdiction or rotate (see --help)");
	if (strcmp(args[0], "rotate") == 0)
		return propose_rotate(ctl, n, args, summary);
	if ((rc = ctl_need_config(ctl)) || (rc = charter_standing(ctl, "propose", &standing, &cur)))
		return rc;
	if (!cur) {
		rc = ctl_fail(EXIT_USAGE,
		              "charter propose: no charter is installed at this node "
		              "(yrdxctl charter install FILE): there is nothing to amend");
		goto out;
	}
	if ((rc = build_proposal(ctl, cur, n, args, summary, made, sizeof(made), &p)))
		goto out;
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_PROPOSE;
	q.charter = (ProtobufCBinaryData){p->len, p->bytes};
	if ((rc = charter_call(ctl, &q, "propose", &reply)))
		goto out;
	if (ctl->json) {
		json_t *o = vote_json(reply->charter, p, cur->threshold);
		json_object_set_new(o, "change", json_string(made));
		ctl_print_json(o);
	} else {
		printf("charter version %u proposed (%s): %s's vote %s written at log seq %llu, "
		       "%u of %u votes\n",
		       p->version, p->summary, ctl->cfg->name, reply->charter->vote_id,
		       (unsigned long long)reply->charter->seq, reply->charter->votes,
		       cur->threshold);
		if (strcmp(made, p->summary) != 0)
			printf("the change: %s\n", made);
		printf("the other members sign it with: yrdxctl charter sign %s\n",
		       reply->charter->vote_id);
	}
out:
	yx_charter_free(&p);
	yx_charter_free(&cur);
	if (standing)
		yrdx__control_reply__free_unpacked(standing, NULL);
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

/* ---- sign ---------------------------------------------------------------------------------- */

int cmd_charter_vote(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__ControlReply *reply = NULL, *standing = NULL;
	Yrdx__CharterRequest q = YRDX__CHARTER_REQUEST__INIT;
	yx_charter_t *cur = NULL;
	int rc;
	if (ctl_wants_help(argc, argv, vote_help))
		return EXIT_OK;
	if (argc != 3)
		return ctl_fail(EXIT_USAGE, "charter sign: expected the ID of a pending proposal "
		                            "(yrdxctl charter status lists them)");
	if ((rc = ctl_need_config(ctl)) || (rc = charter_standing(ctl, "sign", &standing, &cur)))
		return rc;
	q.action = YRDX__CHARTER_REQUEST__ACTION__ACTION_SIGN;
	q.vote = argv[2];
	if ((rc = charter_call(ctl, &q, "sign", &reply)))
		goto out;
	const Yrdx__CharterReply *cr = reply->charter;
	const char *summary = "";
	for (size_t i = 0; i < standing->charter->n_pending; i++)
		if (strcmp(standing->charter->pending[i]->id, cr->vote_id) == 0)
			summary = standing->charter->pending[i]->summary;
	uint32_t threshold = cur ? cur->threshold : 0;
	if (ctl->json)
		ctl_print_json(json_pack("{s:s, s:s, s:I, s:i, s:i, s:i}", "id", cr->vote_id,
		                         "summary", summary, "seq", (json_int_t)cr->seq, "round",
		                         (int)cr->round, "votes", (int)cr->votes, "threshold",
		                         (int)threshold));
	else
		printf("signed %s (%s): %s's vote written at log seq %llu, %u of %u votes held "
		       "here\n",
		       cr->vote_id, summary, ctl->cfg->name, (unsigned long long)cr->seq, cr->votes,
		       threshold);
out:
	yx_charter_free(&cur);
	if (standing)
		yrdx__control_reply__free_unpacked(standing, NULL);
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

/* ---- status -------------------------------------------------------------------------------- */

static bool voted(const Yrdx__CharterProposal *p, const uint8_t origin[32])
{
	for (size_t i = 0; i < p->n_voters; i++)
		if (p->voters[i].len == 32 && memcmp(p->voters[i].data, origin, 32) == 0)
			return true;
	return false;
}

/* Which of cur's active members voted for p (0), for another proposal (1), or not (2). */
static int member_stand(const Yrdx__CharterReply *cr, size_t p, const yx_member_t *m)
{
	if (voted(cr->pending[p], m->origin))
		return 0;
	for (size_t o = 0; o < cr->n_pending; o++)
		if (o != p && voted(cr->pending[o], m->origin))
			return 1;
	return 2;
}

/* A member as JSON, the one shape of a node (names.h): its origin in full, name, city. */
static json_t *member_json(const yx_names_t *names, const yx_member_t *m)
{
	json_t *o = json_object();
	yx_names_json_set(names, o, "origin", "name", "city", m->origin);
	return o;
}

static json_t *status_json(const yx_names_t *names, const Yrdx__CharterReply *cr,
                           const yx_charter_t *cur)
{
	char hex[65], key[YX_PUBKEY_TEXT_LEN + 1];
	json_t *members = json_array(), *pending = json_array();
	for (size_t i = 0; i < cur->n_members; i++) {
		const yx_member_t *m = &cur->members[i];
		json_t *juris = json_array(), *o = member_json(names, m);
		for (size_t j = 0; j < m->n_jurisdiction; j++)
			json_array_append_new(juris, json_integer(m->jurisdiction[j]));
		yx_pubkey_format(yx_member_current_key(m), key);
		json_object_set_new(o, "key", json_string(key));
		json_object_set_new(o, "jurisdiction", juris);
		json_object_set_new(o, "state", json_string(m->revoked ? "revoked" : "active"));
		json_array_append_new(members, o);
	}
	for (size_t p = 0; p < cr->n_pending; p++) {
		json_t *lists[3] = {json_array(), json_array(), json_array()};
		for (size_t i = 0; i < cur->n_members; i++)
			if (yx_member_active(&cur->members[i]))
				json_array_append_new(lists[member_stand(cr, p, &cur->members[i])],
				                      member_json(names, &cur->members[i]));
		ctl_hex(cr->pending[p]->hash.data, cr->pending[p]->hash.len == 32 ? 32 : 0, hex);
		json_array_append_new(pending,
		                      json_pack("{s:s, s:s, s:i, s:s, s:o, s:o, s:o}", "id",
		                                cr->pending[p]->id, "hash", hex, "version",
		                                (int)cr->pending[p]->version, "summary",
		                                cr->pending[p]->summary, "votes", lists[0],
		                                "elsewhere", lists[1], "missing", lists[2]));
	}
	ctl_hex(cur->hash, 32, hex);
	return json_pack("{s:s, s:i, s:s, s:i, s:I, s:o, s:i, s:o, s:i}", "federation",
	                 cur->federation, "version", (int)cur->version, "hash", hex, "threshold",
	                 (int)cur->threshold, "adopted_ms", (json_int_t)cr->adopted_ms, "members",
	                 members, "round", (int)cr->round, "pending", pending, "ignored",
	                 (int)cr->ignored);
}

/* The active members of cur that stand so to proposal p ("上海 shanghai, …"), or "-". */
static void print_names(const yx_names_t *names, const Yrdx__CharterReply *cr, size_t p,
                        const yx_charter_t *cur, int stand)
{
	char label[YX_NAME_LABEL_MAX];
	bool any = false;
	for (size_t i = 0; i < cur->n_members; i++)
		if (yx_member_active(&cur->members[i]) &&
		    member_stand(cr, p, &cur->members[i]) == stand) {
			printf("%s%s", any ? ", " : "",
			       yx_names_label(names, cur->members[i].origin, YX_NAME_SHORT, label,
			                      sizeof(label)));
			any = true;
		}
	if (!any)
		printf("-");
}

static void status_text(const yx_names_t *names, const Yrdx__CharterReply *cr,
                        const yx_charter_t *cur)
{
	char hex[65], when[CTL_TIME_MAX] = "before this node's last start",
	              label[YX_NAME_LABEL_MAX];
	size_t active = 0;
	ctl_hex(cur->hash, 32, hex);
	if (cr->adopted_ms)
		ctl_time(cr->adopted_ms, when);
	printf("联盟章程 %s: version %u, adopted here %s\n  hash %s\n", cur->federation,
	       cur->version, when, hex);
	printf("成员城市 members:");
	for (size_t i = 0; i < cur->n_members; i++) {
		const yx_member_t *m = &cur->members[i];
		active += yx_member_active(m);
		printf("%s %s", i ? "," : "",
		       yx_names_label(names, m->origin, YX_NAME_SHORT, label, sizeof(label)));
		if (m->revoked)
			printf(" (revoked after seq %llu)", (unsigned long long)m->revoked_after);
	}
	printf("\n签署门槛 threshold: %u of %zu active members sign an amendment\n", cur->threshold,
	       active);
	if (cr->n_pending == 0)
		printf("no proposal for version %u is held here\n", cur->version + 1);
	else if (cr->round > 0)
		printf("round %u is open for version %u: every active member voted in round %u "
		       "and no proposal reached the threshold; votes count anew\n",
		       cr->round, cur->version + 1, cr->round - 1);
	for (size_t p = 0; p < cr->n_pending; p++) {
		const Yrdx__CharterProposal *m = cr->pending[p];
		printf("pending %s (%s): %zu of %u votes\n    voted:   ", m->id,
		       m->summary[0] ? m->summary : "no summary", m->n_voters, cur->threshold);
		print_names(names, cr, p, cur, 0);
		printf("\n    missing: ");
		print_names(names, cr, p, cur, 2);
		if (cr->n_pending > 1) {
			printf("\n    voted for another proposal: ");
			print_names(names, cr, p, cur, 1);
		}
		putchar('\n');
	}
	if (cr->ignored)
		printf("%u vote%s for version %u held here do%s not count (no active member's, a "
		       "signature not by the member's key, a version that cannot follow, or not "
		       "the member's first vote)\n",
		       cr->ignored, cr->ignored == 1 ? "" : "s", cur->version + 1,
		       cr->ignored == 1 ? "es" : "");
}

int cmd_charter_status(ctl_t *ctl, int argc, char **argv)
{
	Yrdx__ControlReply *reply = NULL;
	yx_charter_t *cur = NULL;
	yx_names_t *names = NULL;
	uint8_t self[32];
	int rc;
	if (ctl_wants_help(argc, argv, status_help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "charter status: unexpected \"%s\"", argv[2]);
	if ((rc = ctl_need_config(ctl)) || (rc = charter_standing(ctl, "status", &reply, &cur)))
		return rc;
	/* named by the version the daemon follows, which the store may not show yet */
	if (cur && ((rc = ctl_self_key(ctl, self)) ||
	            (yx_names_new(cur, ctl->cfg, self, &names) != YX_OK &&
	             (rc = ctl_fail(EXIT_FAIL, "out of memory")))))
		goto out;
	if (!cur && ctl->json)
		ctl_print_json(json_pack("{s:i, s:[]}", "version", 0, "pending"));
	else if (!cur)
		printf("no charter installed at this node: it trusts the peers in its config and "
		       "every origin they offer (yrdxctl charter install FILE)\n");
	else if (ctl->json)
		ctl_print_json(status_json(names, reply->charter, cur));
	else
		status_text(names, reply->charter, cur);
out:
	yx_names_free(&names);
	yx_charter_free(&cur);
	yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

/* TEMPORARY: `yrdxctl amend propose|sign|status` until these join the `charter` family
 * (tools/yrdxctl/cmd_charter.c, at the merge). */
