/* peer, park: edit the trust store in the node's config file. The running node picks
 * the change up by itself (it watches the file) or on SIGHUP. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "yrdxctl.h"

static int edit_result(int ret, const yx_diag_t *diag)
{
	if (ret == YX_OK)
		return EXIT_OK;
	return ctl_fail(ret == YX_ECONFIG || ret == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s",
	                diag->msg[0] ? diag->msg : yx_strerror(ret));
}

int cmd_peer(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE peer add NAME ENDPOINT PUBKEY [--share KINDS]\n"
	        "       yrdxctl -c FILE peer remove NAME\n"
	        "Adds or removes a peer city's node. ENDPOINT is tcp://HOST:PORT of its peer\n"
	        "port, PUBKEY its public key (yrdxctl pubkey on that node). KINDS is a comma\n"
	        "list of the record kinds passed on to it (incubator,enterprise,park,\n"
	        "relay-event,joint,evaluation; default all; 'none'): withheld kinds travel as\n"
	        "hash stubs only.\n";
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
	if (argc == 5 && strcmp(argv[1], "add") == 0)
		return edit_result(yx_config_peer_add(ctl->config_path, argv[2], argv[3], argv[4],
		                                      share, &diag),
		                   &diag);
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
