/* peer, park: the trust store in the node's config file — listed with what the running
 * node says of each entry, and edited. The running node picks an edit up by itself (it
 * watches the file) or on SIGHUP. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "charter.h"
#include "keys.h"
#include "policy.h"
#include "table.h"
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

/* "the node is not running" for a list: said first, so a table without state is not
 * taken for one where every entry is down. */
static void say_not_running(const ctl_t *ctl)
{
	printf("yrdxd is not running (no control socket at %s): the trust store of %s, "
	       "without connection state\n",
	       ctl->cfg->control_path, ctl->cfg->path);
}

/* A share mask for people and JSON: "all" for the default kinds, else the list. */
static const char *share_text(uint32_t mask, char *buf, size_t cap)
{
	return mask == YX_SHARE_DEFAULT ? "all" : yx_config_share_text(mask, buf, cap);
}

static const Yrdx__PeerStatus *peer_state(const Yrdx__StatusReply *s, const uint8_t key[32],
                                          const char *name)
{
	for (size_t i = 0; s && i < s->n_peers; i++)
		if ((s->peers[i]->key.len == 32 && memcmp(s->peers[i]->key.data, key, 32) == 0) ||
		    strcmp(s->peers[i]->name, name) == 0)
			return s->peers[i];
	return NULL;
}

/* One row of peer list: a configured peer (conf) or a member the node pulls from in
 * return (conf NULL, p set). */
static void peer_row(ctl_t *ctl, const Yrdx__StatusReply *s, const yx_peer_conf_t *conf,
                     const Yrdx__PeerStatus *p, table_t *t, json_t *arr)
{
	char key[YX_PUBKEY_TEXT_LEN + 1], label[YX_NAME_LABEL_MAX], share[200], when[CTL_TIME_MAX];
	char behind[24];
	const uint8_t *k = conf ? conf->key : p->key.data;
	const char *name = conf ? conf->name : p->name;
	const char *endpoint = conf ? conf->endpoint : p->endpoint;
	yx_node_name_t nn;
	yx_pubkey_format(k, key);
	if (yx_names_lookup(ctl->names, k, &nn))
		ctl_label(ctl, k, YX_NAME_SHORT, label);
	else
		snprintf(label, sizeof(label), "%s", name);
	const char *shared =
	        share_text(conf ? conf->share_mask : YX_SHARE_DEFAULT, share, sizeof(share));
	if (p)
		snprintf(behind, sizeof(behind), "%llu", (unsigned long long)ctl_peer_behind(s, p));
	if (arr) {
		json_t *o =
		        json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", name, "key", key, "endpoint",
		                  endpoint, "share", shared, "configured", conf != NULL);
		yx_names_json_set(ctl->names, o, NULL, NULL, "city", k);
		json_object_set_new(o, "state",
		                    !s  ? json_null()
		                    : p ? json_string(p->connected ? "connected" : "down")
		                        : json_string("not pulled"));
		json_object_set_new(o, "last_contact_ms",
		                    p && p->last_contact_ms ? json_integer(p->last_contact_ms)
		                                            : json_null());
		json_object_set_new(o, "behind",
		                    p ? json_integer((json_int_t)ctl_peer_behind(s, p))
		                      : json_null());
		json_array_append_new(arr, o);
		return;
	}
	if (!conf)
		snprintf(label + strlen(label), sizeof(label) - strlen(label), " (charter)");
	if (!s)
		table_row(t, label, key, endpoint, shared);
	else if (p)
		table_row(t, label, key, endpoint, shared, p->connected ? "connected" : "down",
		          ctl_time(p->last_contact_ms, when), behind);
	else
		table_row(t, label, key, endpoint, shared, "not pulled", "-", "-");
}

/* peer list: the config's peers, and the members the running node pulls from in return. */
static int peer_list(ctl_t *ctl)
{
	Yrdx__ControlReply *reply = NULL;
	int rc = ctl_status_if_running(ctl, &reply);
	if (rc || (rc = ctl_names(ctl, NULL))) {
		if (reply)
			yrdx__control_reply__free_unpacked(reply, NULL);
		return rc;
	}
	const Yrdx__StatusReply *s = reply ? reply->status : NULL;
	json_t *arr = ctl->json ? json_array() : NULL;
	table_t *t = NULL;
	if (!arr && !s)
		t = table_new("PEER", "KEY", "ENDPOINT", "SHARE", NULL);
	else if (!arr)
		t = table_new("PEER", "KEY", "ENDPOINT", "SHARE", "STATE", "LAST CONTACT", "BEHIND",
		              NULL);
	for (size_t i = 0; i < ctl->cfg->n_peers; i++) {
		const yx_peer_conf_t *c = &ctl->cfg->peers[i];
		peer_row(ctl, s, c, s ? peer_state(s, c->key, c->name) : NULL, t, arr);
	}
	size_t reciprocal = 0;
	for (size_t i = 0; s && i < s->n_peers; i++)
		if (s->peers[i]->charter && s->peers[i]->key.len == 32) {
			peer_row(ctl, s, NULL, s->peers[i], t, arr);
			reciprocal++;
		}
	if (arr) {
		ctl_print_json(json_pack("{s:b, s:o}", "running", s != NULL, "peers", arr));
	} else {
		if (!s)
			say_not_running(ctl);
		table_print(&t, stdout);
		printf("%zu peer%s in the trust store", ctl->cfg->n_peers,
		       ctl->cfg->n_peers == 1 ? "" : "s");
		if (reciprocal)
			printf(", %zu member%s pulled from in return (charter)", reciprocal,
			       reciprocal == 1 ? "" : "s");
		putchar('\n');
	}
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return EXIT_OK;
}

/* park list: the parks authorised on the feed port, with their feeds' state. */
static int park_list(ctl_t *ctl)
{
	Yrdx__ControlReply *reply = NULL;
	int rc = ctl_status_if_running(ctl, &reply);
	if (rc)
		return rc;
	const Yrdx__StatusReply *s = reply ? reply->status : NULL;
	json_t *arr = ctl->json ? json_array() : NULL;
	table_t *t = NULL;
	if (!arr)
		t = s ? table_new("PARK", "PARK ID", "KEY", "OPEN CASES", "STATE", "LAST SEEN",
		                  "CURSOR", "BEHIND", NULL)
		      : table_new("PARK", "PARK ID", "KEY", "OPEN CASES", NULL);
	for (size_t i = 0; i < ctl->cfg->n_parks; i++) {
		const yx_park_conf_t *c = &ctl->cfg->parks[i];
		const Yrdx__FeedStatus *f = NULL;
		char key[YX_PUBKEY_TEXT_LEN + 1], when[CTL_TIME_MAX], cursor[24], behind[24];
		for (size_t k = 0; s && k < s->n_feeds; k++)
			if (strcmp(s->feeds[k]->park, c->name) == 0)
				f = s->feeds[k];
		yx_pubkey_format(c->key, key);
		if (arr) {
			json_t *o =
			        json_pack("{s:s, s:s, s:s, s:b}", "name", c->name, "park_id",
			                  c->park_id, "key", key, "open_cases", c->open_cases != 0);
			json_object_set_new(o, "state",
			                    f ? json_string(f->connected ? "connected" : "down")
			                      : json_null());
			json_object_set_new(o, "last_seen_ms",
			                    f && f->last_seen_ms ? json_integer(f->last_seen_ms)
			                                         : json_null());
			json_object_set_new(o, "cursor",
			                    f ? json_integer((json_int_t)f->cursor) : json_null());
			json_object_set_new(o, "behind",
			                    f ? json_integer((json_int_t)f->behind) : json_null());
			json_array_append_new(arr, o);
			continue;
		}
		if (!s) {
			table_row(t, c->name, c->park_id, key, c->open_cases ? "yes" : "no");
			continue;
		}
		snprintf(cursor, sizeof(cursor), "%llu", f ? (unsigned long long)f->cursor : 0ULL);
		snprintf(behind, sizeof(behind), "%llu", f ? (unsigned long long)f->behind : 0ULL);
		table_row(t, c->name, c->park_id, key, c->open_cases ? "yes" : "no",
		          f && f->connected ? "connected" : "down",
		          ctl_time(f ? f->last_seen_ms : 0, when), cursor, behind);
	}
	if (arr) {
		ctl_print_json(json_pack("{s:b, s:o}", "running", s != NULL, "parks", arr));
	} else {
		if (!s)
			say_not_running(ctl);
		table_print(&t, stdout);
		printf("%zu park%s authorised on the feed port\n", ctl->cfg->n_parks,
		       ctl->cfg->n_parks == 1 ? "" : "s");
	}
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return EXIT_OK;
}

typedef struct {
	uint8_t origin[32];
	bool found;
} other_park_t;

static int note_park(void *arg, const yx_stored_t *rec)
{
	other_park_t *o = arg;
	memcpy(o->origin, rec->origin, 32);
	o->found = true;
	return 1;
}

/* park add's check: park_id is a live park record of this node's own registry (its own
 * log's origin). Another city's park, or an id no registry here holds, is refused naming
 * the id, before anything is written. */
static int park_check(ctl_t *ctl, const char *park_id)
{
	yx_store_t *store = NULL;
	yx_snap_t *snap = NULL;
	Yrdx__Change *own = NULL;
	other_park_t other = {{0}, false};
	char label[YX_NAME_LABEL_MAX], mine[YX_NAME_LABEL_MAX];
	uint8_t self[32];
	int rc = ctl_open_store(ctl, &store);
	if (rc)
		return rc;
	if ((rc = ctl_names(ctl, store))) {
		yx_store_close(&store);
		return rc;
	}
	bool have_self = yx_store_node_key(store, self) == YX_OK;
	if (!have_self && (rc = ctl_self_key(ctl, self))) {
		yx_store_close(&store);
		return rc;
	}
	if (have_self && yx_store_get(store, YX_KIND_PARK, self, park_id, &own) == YX_OK) {
		yx_change_free(&own);
		yx_store_close(&store);
		return EXIT_OK;
	}
	if (yx_snap_open(store, &snap) == YX_OK)
		yx_snap_get_all(snap, YX_KIND_PARK, park_id, NULL, note_park, &other);
	yx_snap_close(&snap);
	yx_store_close(&store);
	ctl_label(ctl, self, YX_NAME_LONG, mine);
	if (other.found)
		return ctl_fail(EXIT_USAGE,
		                "park add: %s is a park of %s's registry, not of this city's (%s): "
		                "a park is authorised at its own city's node; nothing written",
		                park_id, ctl_label(ctl, other.origin, YX_NAME_LONG, label), mine);
	return ctl_fail(EXIT_USAGE,
	                "park add: %s is no park in this city's registry (%s): register it first "
	                "(yrdxctl put park FILE.json), then authorise it; nothing written",
	                park_id, mine);
}

int cmd_peer(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE peer add NAME [ENDPOINT [PUBKEY]] [--share KINDS]\n"
	        "       yrdxctl -c FILE peer remove NAME\n"
	        "       yrdxctl -c FILE [--json] peer list\n"
	        "list shows each peer (its name as the charter gives it, key, endpoint, the\n"
	        "kinds passed on to it) and, when the node runs, its pull connection: state,\n"
	        "last contact and records behind; members pulled from in return are marked\n"
	        "(charter). When the node does not run it says so and shows the trust store.\n"
	        "add/remove add or remove a peer city's node. ENDPOINT is tcp://HOST:PORT of\n"
	        "its peer port, PUBKEY its public key (yrdxctl pubkey on that node). With a\n"
	        "charter "
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
	if (argc == 2 && strcmp(argv[1], "list") == 0 && !share)
		return peer_list(ctl);
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
	        "       yrdxctl -c FILE [--json] park list\n"
	        "add authorises a partner park's yrdx-feed key (yrdx-feed keygen prints it) to\n"
	        "receive the relay-incubation cases addressed to park PARK_ID, which must be a\n"
	        "park of this city's own registry (yrdxctl put park first). With --open-cases\n"
	        "this node's policy also shows it open cases (proposals to other parks) whose\n"
	        "enterprise fits its industries.\n"
	        "list shows each park (name, park id, key, open cases) and, when the node runs,\n"
	        "its feed: connected or down, last seen, cursor, events behind.\n";
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
	if (argc == 2 && strcmp(argv[1], "list") == 0 && !open_cases)
		return park_list(ctl);
	if (argc == 5 && strcmp(argv[1], "add") == 0) {
		int rc = park_check(ctl, argv[3]);
		if (rc)
			return rc;
		return edit_result(yx_config_park_add(ctl->config_path, argv[2], argv[3], argv[4],
		                                      open_cases, &diag),
		                   &diag);
	}
	if (argc == 3 && strcmp(argv[1], "remove") == 0)
		return edit_result(yx_config_park_remove(ctl->config_path, argv[2], &diag), &diag);
	fputs(help, stderr);
	return EXIT_USAGE;
}
