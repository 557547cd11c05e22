/* peer, park: edit the trust store in the node's config file. The running node picks
 * the change up by itself (it watches the file) or on SIGHUP. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "charter.h"
#include "keys.h"
#include "yrdxctl.h"

static int edit_result(int ret, const yx_diag_t *diag)
{
	if (ret == YX_OK)
		return EXIT_OK;
	return ctl_fail(ret == YX_ECONFIG || ret == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s",
	                diag->msg[0] ? diag->msg : yx_strerror(ret));
}

/* The charter the node has adopted (ctl_names reads it from the store): *out NULL when
 * none is installed or the node has no store yet; self the origin of the node's own log. */
static int adopted_charter(ctl_t *ctl, const yx_charter_t **out, uint8_t self[32])
{
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	*out = NULL;
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	int ret = yx_store_open(ctl->cfg->data_dir, YX_STORE_READONLY, 0, &store, &diag);
	if (ret == -ENOENT)
		return EXIT_OK; /* never started: no charter either */
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s", diag.msg[0] ? diag.msg : yx_strerror(ret));
	rc = ctl_names(ctl, store);
	if (rc == EXIT_OK && (*out = yx_names_charter(ctl->names)) &&
	    yx_store_node_key(store, self) != YX_OK)
		rc = ctl_self_key(ctl, self); /* nothing written yet: no rotation either */
	yx_store_close(&store);
	return rc;
}

/* peer add with a charter: NAME must be a member; its key comes from the charter (a key
 * given must be the same), its endpoint too unless one is given. */
static int peer_add_member(ctl_t *ctl, const yx_charter_t *c, const uint8_t self[32],
                           const char *name, const char *endpoint, const char *pubkey,
                           const char *share)
{
	uint8_t key[32];
	char key_text[YX_PUBKEY_TEXT_LEN + 1];
	const yx_member_t *m = NULL;
	yx_diag_t diag = {{0}};
	int rc;
	if (pubkey && yx_pubkey_parse(pubkey, key, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "peer %s: %s", name, diag.msg);
	if (yx_charter_peer_check(c, name, pubkey ? key : NULL, self, &m, NULL, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "%s", diag.msg);
	if (!endpoint && m->n_endpoints == 0)
		return ctl_fail(EXIT_USAGE,
		                "peer %s: charter version %u names no endpoint of member %s: give "
		                "one (peer add %s ENDPOINT)",
		                name, c->version, m->name, name);
	if (!endpoint)
		endpoint = m->endpoints[0];
	yx_pubkey_format(yx_member_current_key(m), key_text);
	rc = edit_result(
	        yx_config_peer_add(ctl->config_path, name, endpoint, key_text, share, &diag),
	        &diag);
	if (rc == EXIT_OK)
		printf("peer %s: member %s of charter version %u, key %s, at %s\n", name, m->name,
		       c->version, key_text, endpoint);
	return rc;
}

/* peer add NAME [ENDPOINT [PUBKEY]]: without a charter, both are needed. */
static int peer_add(ctl_t *ctl, int argc, char **argv, const char *share)
{
	const yx_charter_t *c = NULL;
	yx_diag_t diag = {{0}};
	uint8_t self[32];
	const char *name = argv[2], *endpoint = argc > 3 ? argv[3] : NULL;
	const char *pubkey = argc > 4 ? argv[4] : NULL;
	int rc = adopted_charter(ctl, &c, self);
	if (rc)
		return rc;
	if (c)
		return peer_add_member(ctl, c, self, name, endpoint, pubkey, share);
	if (!pubkey)
		return ctl_fail(EXIT_USAGE,
		                "peer add %s: this node has no charter installed, so its key and "
		                "endpoint come from nowhere else: peer add %s ENDPOINT PUBKEY",
		                name, name);
	return edit_result(
	        yx_config_peer_add(ctl->config_path, name, endpoint, pubkey, share, &diag), &diag);
}

int cmd_peer(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE peer add NAME [ENDPOINT [PUBKEY]] [--share KINDS]\n"
	        "       yrdxctl -c FILE peer remove NAME\n"
	        "Adds or removes a peer city's node. ENDPOINT is tcp://HOST:PORT of its peer\n"
	        "port, PUBKEY its public key (yrdxctl pubkey on that node). With a charter\n"
	        "(联盟章程) installed, NAME is a member city's name and both come from the\n"
	        "charter: an ENDPOINT given overrides its endpoint, a PUBKEY given must be its\n"
	        "key. KINDS is a comma list of the record kinds passed on to it (incubator,\n"
	        "enterprise,park,relay-event,joint,evaluation; default all; 'none'): withheld\n"
	        "kinds travel as hash stubs only.\n";
	yx_diag_t diag = {{0}};
	const char *share = NULL;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (!ctl->config_path)
		return ctl_fail(EXIT_USAGE, "peer: needs -c FILE");
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--share") == 0) {
			share = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 2) * sizeof(char *));
			argc -= 2;
			break;
		}
	if (argc >= 3 && argc <= 5 && strcmp(argv[1], "add") == 0)
		return peer_add(ctl, argc, argv, share);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return edit_result(yx_config_peer_remove(ctl->config_path, argv[2], &diag), &diag);
	fputs(help, stderr);
	return EXIT_USAGE;
}

int cmd_park(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE park add NAME PARK_ID PUBKEY [--open-cases]\n"
	        "       yrdxctl -c FILE park remove NAME\n"
	        "Authorises a partner park's yrdx-feed key (yrdx-feed keygen prints it) to\n"
	        "receive the relay-incubation cases addressed to park PARK_ID. With\n"
	        "--open-cases this node's policy also shows it open cases (proposals to other\n"
	        "parks) whose enterprise fits its industries.\n";
	yx_diag_t diag = {{0}};
	bool open_cases = false;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (!ctl->config_path)
		return ctl_fail(EXIT_USAGE, "park: needs -c FILE");
	if (argc == 6 && strcmp(argv[5], "--open-cases") == 0) {
		open_cases = true;
		argc--;
	}
	if (argc == 5 && strcmp(argv[1], "add") == 0)
		return edit_result(yx_config_park_add(ctl->config_path, argv[2], argv[3], argv[4],
		                                      open_cases, &diag),
		                   &diag);
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return edit_result(yx_config_park_remove(ctl->config_path, argv[2], &diag), &diag);
	fputs(help, stderr);
	return EXIT_USAGE;
}
