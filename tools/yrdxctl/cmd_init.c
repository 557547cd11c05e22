/* init: a new node directory — config, key, empty store — without hand-editing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys.h"
#include "validate.h"
#include "yrdxctl.h"

int cmd_init(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl init --dir DIR --name NAME --city CODE [--peer-port N]\n"
	        "                    [--feed-port N] [--host ADDR] [--map-size SIZE]\n"
	        "Creates DIR with yrdxd.zpl (the config), node.key (mode 0600) and an empty\n"
	        "store, and prints the node's public key. CODE is the GB/T 2260 city code\n"
	        "(310000 上海, 330100 杭州, 340100 合肥, 320500 苏州, ...). Ports default to\n"
	        "7401 (peers) and 7402 (park feeds); ADDR (default 127.0.0.1) is where they\n"
	        "listen. SIZE (node/map_size, default 16G) is the most the store may hold,\n"
	        "e.g. 512M or 64G. Then: yrdxd -c DIR/yrdxd.zpl\n";
	static const struct option opts[] = {
	        {"dir", required_argument, NULL, 'd'},
	        {"name", required_argument, NULL, 'n'},
	        {"city", required_argument, NULL, 'y'},
	        {"peer-port", required_argument, NULL, 'p'},
	        {"feed-port", required_argument, NULL, 'f'},
	        {"host", required_argument, NULL, 'H'},
	        {"map-size", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *name = NULL, *host = "127.0.0.1", *map_size = NULL;
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

	char key_path[4200], cfg_path[4200], data_path[4200], peer_ep[300], feed_ep[300];
	char pub[YX_PUBKEY_TEXT_LEN + 1];
	yx_identity_t *id = NULL;
	yx_store_t *store = NULL;
	yx_diag_t diag = {{0}};
	int ret;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return ctl_fail(EXIT_FAIL, "init: %s: %s", dir, strerror(errno));
	snprintf(key_path, sizeof(key_path), "%s/node.key", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/yrdxd.zpl", dir);
	snprintf(data_path, sizeof(data_path), "%s/data", dir);
	snprintf(peer_ep, sizeof(peer_ep), "tcp://%s:%ld", host, peer_port);
	snprintf(feed_ep, sizeof(feed_ep), "tcp://%s:%ld", host, feed_port);
	struct stat st;
	if (stat(cfg_path, &st) == 0 || stat(key_path, &st) == 0)
		return ctl_fail(EXIT_FAIL, "init: %s already holds a node; refusing to overwrite",
		                dir);
	if ((ret = yx_config_write_new(cfg_path, name, city, peer_ep, feed_ep, map_size, &diag)))
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
	yx_store_close(&store);
	yx_pubkey_format(yx_identity_public(id), pub);
	yx_identity_free(&id);
	if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "config",
		                         cfg_path, "key_file", key_path, "peer", peer_ep,
		                         "public_key", pub));
	} else {
		printf("node %s (%s) created in %s\n", name, yx_city_name(city), dir);
		printf("  config      %s\n  peer port   %s\n  public key  %s\n", cfg_path, peer_ep,
		       pub);
		printf("next: yrdxd -c %s\n", cfg_path);
	}
	return EXIT_OK;
}
