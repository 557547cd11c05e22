/* zap: the ZeroMQ authentication handler (ZAP, RFC 27) for every CURVE socket of the node.
 *
 * CZMQ's zauth keeps one certificate store for all sockets, but a node trusts different
 * keys on different ports: peers on the peer port, parks on the feed port. So the node
 * answers ZAP itself, on its own loop, from its trust store: domain "peer" admits the
 * configured peers — with a charter, every active member at its current key, and no one
 * else (members.c) — domain "feed" the configured parks. The admitted name becomes the
 * connection's User-Id, which every message then carries. Refusals are logged and
 * counted with the port's other refusals (guard.c). */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "log.h"
#include "yrdxd.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

int yxd_zap_start(yxd_t *d)
{
	d->zap = zsock_new(ZMQ_REP);
	if (!d->zap)
		return -ENOMEM;
	if (zsock_bind(d->zap, ZAP_ENDPOINT) != 0) {
		yx_log_error("cannot bind the ZAP handler: %s", zmq_strerror(zmq_errno()));
		zsock_destroy(&d->zap);
		return -EADDRINUSE;
	}
	return YX_OK;
}

void yxd_zap_stop(yxd_t *d)
{
	zsock_destroy(&d->zap);
}

/* Whether a CURVE client key is admitted in domain: user (64 bytes) gets the name it is
 * admitted under, key its Ed25519 key from the trust store. */
static bool admit(yxd_t *d, const char *domain, const uint8_t curve_key[32], char user[64],
                  uint8_t key[32])
{
	uint8_t ed[32];
	if (strcmp(domain, "peer") == 0) {
		const yx_peer_conf_t *p = yxd_members_admitted_curve(d, curve_key);
		if (p) {
			snprintf(user, 64, "%s", p->name);
			memcpy(key, p->key, 32);
			return true;
		}
	} else if (strcmp(domain, "feed") == 0) {
		for (size_t i = 0; i < d->cfg->n_parks; i++) {
			const yx_park_conf_t *p = &d->cfg->parks[i];
			if (yx_pubkey_to_curve(p->key, ed) == YX_OK &&
			    sodium_memcmp(ed, curve_key, 32) == 0) {
				snprintf(user, 64, "%s", p->name);
				memcpy(key, p->key, 32);
				return true;
			}
		}
	}
	return false;
}

bool yxd_zap_key_is(const char *x_key, const uint8_t key[32])
{
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (!x_key)
		return false;
	yx_pubkey_format(key, text);
	return strcmp(text, x_key) == 0;
}

/* The reply's metadata frame: property X-Key, the admitted client's Ed25519 key in its
 * text form, so every message can be re-checked against the trust store as it is now
 * (a peer whose key was replaced keeps its name). Empty for a refusal. */
static void add_key_metadata(zmsg_t *rep, const uint8_t *key)
{
	uint8_t meta[1 + 5 + 4 + YX_PUBKEY_TEXT_LEN];
	char text[YX_PUBKEY_TEXT_LEN + 1];
	if (!key) {
		zmsg_addmem(rep, NULL, 0);
		return;
	}
	yx_pubkey_format(key, text);
	size_t len = strlen(text);
	meta[0] = 5;
	memcpy(meta + 1, "X-Key", 5);
	meta[6] = (uint8_t)(len >> 24);
	meta[7] = (uint8_t)(len >> 16);
	meta[8] = (uint8_t)(len >> 8);
	meta[9] = (uint8_t)len;
	memcpy(meta + 10, text, len);
	zmsg_addmem(rep, meta, 10 + len);
}

void yxd_zap_handle(yxd_t *d)
{
	while (zsock_events(d->zap) & ZMQ_POLLIN) {
		zmsg_t *req = zmsg_recv(d->zap);
		if (!req)
			return;
		char *version = zmsg_popstr(req), *request_id = zmsg_popstr(req);
		char *domain = zmsg_popstr(req), *address = zmsg_popstr(req);
		zframe_t *identity = zmsg_pop(req);
		char *mechanism = zmsg_popstr(req);
		zframe_t *key = zmsg_pop(req);
		char user[64] = "";
		uint8_t admitted[32];
		yxd_guard_zap_seen(domain && strcmp(domain, "feed") == 0 ? d->feed_guard
		                                                         : d->peer_guard,
		                   address);
		bool ok = version && strcmp(version, "1.0") == 0 && mechanism &&
		          strcmp(mechanism, "CURVE") == 0 && key && zframe_size(key) == 32 &&
		          domain && admit(d, domain, zframe_data(key), user, admitted);
		if (!ok) {
			/* The X25519 key the client presented, in the one text form of keys
			 * (base64); its Ed25519 key is what a park's yrdx-feed prints. */
			char text[YX_PUBKEY_TEXT_LEN + 1] = "-";
			if (key && zframe_size(key) == 32)
				yx_pubkey_format(zframe_data(key), text);
			char line[300];
			const yx_charter_t *c = yxd_charter_current(d);
			bool peer = domain && strcmp(domain, "peer") == 0;
			char where[64] = "in the trust store";
			if (c && peer)
				snprintf(where, sizeof(where),
				         "any active member's of charter version %u", c->version);
			snprintf(line, sizeof(line),
			         "refused %s handshake from %s on the %s port: CURVE (X25519) key "
			         "%s is not "
			         "%s",
			         mechanism ? mechanism : "?", address ? address : "?",
			         domain ? domain : "?", text, where);
			bool feed = domain && strcmp(domain, "feed") == 0;
			yxd_guard_refused_line(
			        d, feed ? d->feed_guard : d->peer_guard, C_REFUSED_KEY, address,
			        key && zframe_size(key) == 32 ? zframe_data(key) : NULL, line);
		}
		zmsg_t *rep = zmsg_new();
		zmsg_addstr(rep, "1.0");
		zmsg_addstr(rep, request_id ? request_id : "");
		zmsg_addstr(rep, ok ? "200" : "400");
		zmsg_addstr(rep, ok ? "OK" : "not in trust store");
		zmsg_addstr(rep, user);
		add_key_metadata(rep, ok ? admitted : NULL);
		zmsg_send(&rep, d->zap);
		zstr_free(&version);
		zstr_free(&request_id);
		zstr_free(&domain);
		zstr_free(&address);
		zstr_free(&mechanism);
		zframe_destroy(&identity);
		zframe_destroy(&key);
		zmsg_destroy(&req);
	}
}
