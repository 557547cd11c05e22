/* yrdxctl: command table and global options. */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "yrdxctl.h"

static const struct {
	const char *name;
	ctl_cmd_fn fn;
	const char *summary;
} commands[] = {
        {"init", cmd_init, "create a node directory: config, key, empty store"},
        {"keygen", cmd_keygen, "generate a node key file"},
        {"pubkey", cmd_pubkey, "print the node's public key"},
        {"peer", cmd_peer, "add or remove a peer city in the trust store"},
        {"park", cmd_park, "add or remove a partner park in the trust store"},
        {"put", cmd_put, "write records of this node from a JSON file"},
        {"retract", cmd_retract, "retract (tombstone) a record of this node"},
        {"get", cmd_get, "print a record as JSON"},
        {"list", cmd_list, "list records of a kind, filtered"},
        {"profile", cmd_profile, "an enterprise's profile across every city"},
        {"incubator", cmd_incubator,
         "an incubator's evaluations and the tiers they moved it through: history ID"},
        {"stats", cmd_stats, "the plan's counts per city, beside its 2025 targets"},
        {"backup", cmd_backup, "consistent hot copy of the store, verified"},
        {"restore", cmd_restore, "put a backup back as the store (node stopped), fenced"},
        {"relay", cmd_relay, "relay-incubation cases: propose, accept, land, list, show, suggest"},
        {"joint", cmd_joint, "joint-incubation agreements: propose, sign, list, show"},
        {"import", cmd_import, "import a registry file (CSV or NDJSON) of this node's records"},
        {"export", cmd_export, "write the store's records as NDJSON or CSV that import reads"},
        {"digest", cmd_digest, "print the store digest and each origin's tip"},
        {"verify", cmd_verify, "re-check every chain and signature in the store"},
        {"status", cmd_status, "this node, its peers and counters"},
        {"sync", cmd_sync, "pull from peers now; --wait until caught up"},
        {"charter", cmd_charter,
         "the federation charter (联盟章程): draft, sign, install, propose, status"},
        /* TEMPORARY: joins the charter family (charter propose|sign ID|status) */
};

static void usage(FILE *out)
{
	fprintf(out, "usage: yrdxctl [-c FILE] [--json] COMMAND [ARGS]\n\n"
	             "  -c, --config FILE  the node's configuration (yrdxd.zpl)\n"
	             "      --json         machine-readable output\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'yrdxctl COMMAND --help' for each command. Exit codes: 0 ok, "
	             "1 operational failure, 2 usage or input error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	ctl_t ctl = {0};
	int opt;
	/* Display widths of Chinese text need a UTF-8 locale, whatever the environment has. */
	if (!setlocale(LC_CTYPE, "") || !strstr(setlocale(LC_CTYPE, NULL), "UTF-8"))
		setlocale(LC_CTYPE, "C.UTF-8");
	/* '+': options after the command belong to the command. */
	while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': ctl.config_path = optarg; break;
		case 'j': ctl.json = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (yx_crypto_init() != YX_OK)
		return ctl_fail(EXIT_FAIL, "libsodium failed to initialise");
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) != 0)
			continue;
		/* Each command parses its own options; --json may also follow it. */
		int cargc = argc - optind;
		char **cargv = argv + optind;
		for (int k = 1; k < cargc; k++)
			if (strcmp(cargv[k], "--json") == 0) {
				ctl.json = true;
				memmove(&cargv[k], &cargv[k + 1],
				        (size_t)(cargc - k) * sizeof(char *));
				cargc--;
				k--;
			}
		optind = 0; /* 0, not 1: glibc re-initialises (main parsed in "+" mode) */
		int rc = commands[i].fn(&ctl, cargc, cargv);
		yx_names_free(&ctl.names);
		yx_config_free(&ctl.cfg);
		return rc;
	}
	fprintf(stderr, "yrdxctl: unknown command \"%s\"\n", name);
	usage(stderr);
	return EXIT_USAGE;
}
