/* evil_handshake: clients that fail where yrdxd must refuse and say so, for the
 * integration tests only (tests/integration/test_hostile_preauth.py):
 *
 *   evil_handshake wrong-secret ENDPOINT SERVER_KEY CLIENT_KEY
 *       a CURVE client that presents CLIENT_KEY (a trusted peer's public key, base64)
 *       with a secret key that is not its own; sends one message, lingers 1.5 s
 *   evil_handshake control-big PATH BYTES
 *       sends a request of BYTES bytes to the control socket at PATH, as yrdxctl never
 *       would, and prints the daemon's answer: "error N: MESSAGE" (exit 0), or exits 1
 *       after 20 s without one */
#include <czmq.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "wire.h"

static int wrong_secret(const char *endpoint, const char *server_text, const char *client_text)
{
	uint8_t server[32], client[32], server_curve[32], client_curve[32], secret[32];
	if (yx_pubkey_parse(server_text, server, NULL) ||
	    yx_pubkey_parse(client_text, client, NULL) ||
	    yx_pubkey_to_curve(server, server_curve) || yx_pubkey_to_curve(client, client_curve)) {
		fprintf(stderr, "evil_handshake: bad key\n");
		return 2;
	}
	randombytes_buf(secret, sizeof(secret));
	zsock_t *s = zsock_new(ZMQ_DEALER);
	zsock_set_curve_serverkey_bin(s, server_curve);
	zsock_set_curve_publickey_bin(s, client_curve);
	zsock_set_curve_secretkey_bin(s, secret);
	zsock_set_linger(s, 0);
	if (zsock_connect(s, "%s", endpoint) != 0) {
		fprintf(stderr, "evil_handshake: cannot connect to %s\n", endpoint);
		zsock_destroy(&s);
		return 2;
	}
	zsock_set_sndtimeo(s, 1500);
	zstr_send(s, "hello");
	zclock_sleep(1500);
	zsock_destroy(&s);
	return 0;
}

static int control_big(const char *path, const char *bytes_text)
{
	size_t n = strtoull(bytes_text, NULL, 10);
	int ret = 1;
	zsock_t *s = zsock_new(ZMQ_DEALER);
	zsock_set_linger(s, 0);
	zsock_set_rcvtimeo(s, 20000);
	if (zsock_connect(s, "ipc://%s", path) != 0) {
		fprintf(stderr, "evil_handshake: cannot connect to %s\n", path);
		zsock_destroy(&s);
		return 2;
	}
	zframe_t *f = zframe_new(NULL, n);
	memset(zframe_data(f), 0, n);
	zframe_send(&f, s, 0);
	zframe_t *r = zframe_recv(s);
	if (r) {
		Yrdx__ControlReply *reply = yx_wire_control_reply(r);
		if (reply) {
			printf("error %d: %s\n", reply->error, reply->message);
			yrdx__control_reply__free_unpacked(reply, NULL);
			ret = 0;
		}
		zframe_destroy(&r);
	}
	zsock_destroy(&s);
	return ret;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	if (argc == 5 && strcmp(argv[1], "wrong-secret") == 0)
		return wrong_secret(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "control-big") == 0)
		return control_big(argv[2], argv[3]);
	fprintf(stderr, "usage: evil_handshake wrong-secret ENDPOINT SERVER_KEY CLIENT_KEY\n"
	                "       evil_handshake control-big PATH BYTES\n");
	return 2;
}
