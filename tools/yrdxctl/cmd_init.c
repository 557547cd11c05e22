/* init: a new node directory — config, key, empty store — without hand-editing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "charter_view.h"
#include "keys.h"
#include "validate.h"
#include "yrdxctl.h"

/* What init makes a node from. */
typedef struct {
	const char *dir, *name;
	uint32_t city;
	const char *host;
	long peer_port, feed_port;
	const char *map_size;
	const char *metrics;             /* HOST:PORT, or NULL: off */
	const char *charter_path;        /* --charter FILE, or NULL */
	const yx_charter_chain_t *chain; /* its chain, verified */
} init_t;

/* The node's directory, config, key and store, with the charter if given. */
static int node_create(ctl_t *ctl, const init_t *in)
{
	char key_path[4200], cfg_path[4200], data_path[4200], peer_ep[300], feed_ep[300];
	char pub[YX_PUBKEY_TEXT_LEN + 1];
	yx_identity_t *id = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	int ret, rc = EXIT_OK;
	if (mkdir(in->dir, 0700) != 0 && errno != EEXIST)
		return ctl_fail(EXIT_FAIL, "init: %s: %s", in->dir, strerror(errno));
	snprintf(key_path, sizeof(key_path), "%s/node.key", in->dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/yrdxd.zpl", in->dir);
	snprintf(data_path, sizeof(data_path), "%s/data", in->dir);
	snprintf(peer_ep, sizeof(peer_ep), "tcp://%s:%ld", in->host, in->peer_port);
	snprintf(feed_ep, sizeof(feed_ep), "tcp://%s:%ld", in->host, in->feed_port);
	struct stat st;
	if (stat(cfg_path, &st) == 0 || stat(key_path, &st) == 0)
		return ctl_fail(EXIT_FAIL, "init: %s already holds a node; refusing to overwrite",
		                in->dir);
	if ((ret = yx_config_write_new(cfg_path, in->name, in->city, peer_ep, feed_ep, in->map_size,
	                               in->metrics, &diag)))
		return ctl_fail(ret == YX_ECONFIG ? EXIT_USAGE : EXIT_FAIL, "init: %s", diag.msg);
	/* The store gets the map the config says (the config has just been validated). */
	yx_config_t *cfg = NULL;
	if ((ret = yx_config_load(cfg_path, &cfg, &diag)))
		return ctl_fail(EXIT_FAIL, "init: %s", diag.msg);
	uint64_t map_bytes = cfg->map_size;
	yx_config_free(&cfg);
	if ((ret = yx_identity_generate(&id)) || (ret = yx_identity_save(id, key_path))) {
		yx_identity_free(&id);
		return ctl_fail(EXIT_FAIL, "init: %s: %s", key_path, yx_strerror(ret));
	}
	if ((ret = yx_store_open(data_path, YX_STORE_CREATE, (size_t)map_bytes, &store, &diag))) {
		yx_identity_free(&id);
		return ctl_fail(EXIT_FAIL, "init: %s", diag.msg);
	}
	if (in->chain)
		rc = ctl_charter_put(ctl, "init", store, in->charter_path, in->chain,
		                     yx_identity_public(id), false);
	yx_store_close(&store);
	yx_pubkey_format(yx_identity_public(id), pub);
	const yx_charter_t *cur = yx_charter_chain_current(in->chain);
	if (rc) {
		/* the rest of the node stands: say how to finish it */
		fprintf(stderr,
		        "yrdxctl: init: %s is made without its charter; then: yrdxctl -c %s "
		        "charter install FILE\n",
		        in->dir, cfg_path);
	} else if (ctl->json) {
		json_t *j =
		        json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", in->name, "config", cfg_path,
		                  "key_file", key_path, "peer", peer_ep, "public_key", pub);
		json_object_set_new(j, "metrics",
		                    in->metrics ? json_string(in->metrics) : json_null());
		if (cur)
			json_object_set_new(j, "charter",
			                    json_pack("{s:s, s:i}", "federation", cur->federation,
			                              "version", (int)cur->version));
		ctl_print_json(j);
	} else {
		printf("node %s (%s) created in %s\n", in->name, yx_city_name(in->city), in->dir);
		printf("  config      %s\n  peer port   %s\n", cfg_path, peer_ep);
		if (in->metrics)
			printf("  metrics     http://%s/metrics\n", in->metrics);
		printf("  public key  %s\n", pub);
		if (cur) {
			printf("  charter     联盟章程 \"%s\" version %u\n  ", cur->federation,
			       cur->version);
			ctl_charter_say_member(cur, yx_identity_public(id), stdout);
		}
		printf("next: yrdxd -c %s\n", cfg_path);
	}
	yx_identity_free(&id);
	return rc;
}

int cmd_init(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl init --dir DIR --name NAME --city CODE [--peer-port N]\n"
	        "                    [--feed-port N] [--host ADDR] [--map-size SIZE]\n"
	        "                    [--metrics [HOST:]PORT] [--charter FILE]\n"
	        "Creates DIR with yrdxd.zpl (the config), node.key (mode 0600) and an empty\n"
	        "store, and prints the node's public key. CODE is the GB/T 2260 city code\n"
	        "(310000 上海, 330100 杭州, 340100 合肥, 320500 苏州, ...). Ports default to\n"
	        "7401 (peers) and 7402 (park feeds); ADDR (default 127.0.0.1) is where they\n"
	        "listen. SIZE (node/map_size, default 16G) is the most the store may hold,\n"
	        "e.g. 512M or 64G. --metrics serves Prometheus metrics and a status page\n"
	        "over plain HTTP at HOST:PORT (listen/metrics; HOST 127.0.0.1 when only a\n"
	        "port is given: keep it on localhost). FILE is the federation's charter\n"
	        "(联盟章程), every signature verified first, as `yrdxctl charter install`\n"
	        "takes it. Then: yrdxd -c DIR/yrdxd.zpl\n";
	static const struct option opts[] = {
	        {"dir", required_argument, NULL, 'd'},
	        {"name", required_argument, NULL, 'n'},
	        {"city", required_argument, NULL, 'y'},
	        {"peer-port", required_argument, NULL, 'p'},
	        {"feed-port", required_argument, NULL, 'f'},
	        {"host", required_argument, NULL, 'H'},
	        {"map-size", required_argument, NULL, 'm'},
	        {"charter", required_argument, NULL, 'C'},
	        {"metrics", required_argument, NULL, 'M'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *name = NULL, *host = "127.0.0.1", *map_size = NULL;
	const char *charter = NULL, *metrics = NULL;
	char metrics_addr[YX_CONFIG_ADDR_MAX];
	long peer_port = 7401, feed_port = 7402;
	uint32_t city = 0;
	char *end;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 'n': name = optarg; break;
		case 'H': host = optarg; break;
		case 'm': map_size = optarg; break;
		case 'C': charter = optarg; break;
		case 'M':
			/* a port alone is on localhost: metrics are plain HTTP */
			snprintf(metrics_addr, sizeof(metrics_addr), "%s%s",
			         strchr(optarg, ':') ? "" : "127.0.0.1:", optarg);
			metrics = metrics_addr;
			break;
		case 'y':
			if (yx_city_from_text(optarg, &city) != YX_OK)
				return ctl_fail(EXIT_USAGE,
				                "init: --city %s is not a Yangtze River Delta city "
				                "(code or name)",
				                optarg);
			break;
		case 'p':
		case 'f': {
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0)
				return ctl_fail(EXIT_USAGE, "init: --%s \"%s\": not a number",
				                opt == 'p' ? "peer-port" : "feed-port", optarg);
			*(opt == 'p' ? &peer_port : &feed_port) = v;
			break;
		}
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: fputs(help, stderr); return EXIT_USAGE;
		}
	}
	if (!dir || !name || !city || optind != argc)
		return ctl_fail(EXIT_USAGE,
		                "init: --dir, --name and --city are required (see --help)");
	if (peer_port > 65535 || feed_port > 65535 || peer_port == feed_port)
		return ctl_fail(EXIT_USAGE, "init: ports must be distinct and at most 65535");

	yx_charter_chain_t *chain = NULL;
	int rc = charter ? ctl_charter_load("init", charter, false, &chain, NULL) : EXIT_OK;
	if (rc == EXIT_OK) {
		init_t in = {dir,       name,     city,    host,    peer_port,
		             feed_port, map_size, metrics, charter, chain};
		rc = node_create(ctl, &in);
	}
	yx_charter_chain_free(&chain);
	return rc;
}
