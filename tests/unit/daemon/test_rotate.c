/* The daemon's key rotation (rotate.c), through yxd_t with a real store and real key
 * files: a pending rotation fences writes with its reason, across a restart; the switch
 * makes the new key sign our log's heads (which still name our origin), renames the key
 * files, and the store verifies with the charter's rule; the old key and a stranger's are
 * refused afterwards; a competing version adopted lets the old key go on; and the peer
 * and feed ports, re-made, answer to the new CURVE key only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "yrdxd.h"

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	char *dir;
	uint8_t moved[YX_KEY_BYTES]; /* the origin the last commit told the hooks of */
} node_t;

static node_t *hooked;

static void moved_hook(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)d;
	assert_int_equal(n, 1);
	memcpy(hooked->moved, origins[0], YX_KEY_BYTES);
}

static void key_path(const node_t *n, const char *suffix, char *out, size_t cap)
{
	snprintf(out, cap, "%s/node.key%s", n->dir, suffix);
}

/* A new key file at n's node.key + suffix; its public key into pk. */
static void key_new(const node_t *n, const char *suffix, uint8_t pk[YX_KEY_BYTES])
{
	char path[1200];
	yx_identity_t *id = NULL;
	key_path(n, suffix, path, sizeof(path));
	assert_int_equal(yx_identity_generate(&id), YX_OK);
	assert_int_equal(yx_identity_save(id, path), YX_OK);
	memcpy(pk, yx_identity_public(id), YX_KEY_BYTES);
	yx_identity_free(&id);
}

/* The public key in the key file at node.key + suffix, which must be owner-only. */
static void key_read(const node_t *n, const char *suffix, uint8_t pk[YX_KEY_BYTES])
{
	char path[1200];
	struct stat st;
	yx_identity_t *id = NULL;
	yx_diag_t diag = {{0}};
	key_path(n, suffix, path, sizeof(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	if (yx_identity_load(path, &id, &diag) != YX_OK)
		fail_msg("%s: %s", path, diag.msg);
	memcpy(pk, yx_identity_public(id), YX_KEY_BYTES);
	yx_identity_free(&id);
}

static bool key_exists(const node_t *n, const char *suffix)
{
	char path[1200];
	key_path(n, suffix, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* Starts n as yrdxd does: its key from node.key + suffix, its store, yxd_rotation_start. */
static int node_start(node_t *n, const char *suffix)
{
	yx_diag_t diag = {{0}};
	char path[1200];
	yx_identity_t *id = NULL;
	key_path(n, suffix, path, sizeof(path));
	if (yx_identity_load(path, &id, &diag) != YX_OK)
		fail_msg("%s: %s", path, diag.msg);
	assert_int_equal(yxd_key_use(&n->d, &id), YX_OK);
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	return yxd_rotation_start(&n->d);
}

static void node_stop(node_t *n)
{
	yx_store_close(&n->d.store);
	yx_identity_free(&n->d.id);
	memset(&n->d.rotation, 0, sizeof(n->d.rotation));
}

static void node_open(node_t *n, uint8_t key_a[YX_KEY_BYTES])
{
	memset(n, 0, sizeof(*n));
	hooked = n;
	n->dir = fx_tmpdir("rotate");
	n->cfg.dead_after_ms = 5000;
	snprintf(n->cfg.data_dir, sizeof(n->cfg.data_dir), "%s", n->dir);
	key_path(n, "", n->cfg.key_file, sizeof(n->cfg.key_file));
	n->d.cfg = &n->cfg;
	yxd_writer_on_commit(&n->d.writer, moved_hook);
	key_new(n, "", key_a);
	assert_int_equal(node_start(n, ""), YX_OK);
	assert_memory_equal(n->d.origin, key_a, YX_KEY_BYTES);
}

static void node_close(node_t *n)
{
	yxd_serve_stop(&n->d);
	yxd_clients_stop(&n->d);
	node_stop(n);
	fx_rmtree(n->dir);
	free(n->dir);
}

/* Writes enterprise i through the writer; the head into head (may be NULL). */
static int write_one(node_t *n, uint32_t i, yx_head_t *head, yx_diag_t *diag)
{
	yx_batch_t *b = NULL;
	yx_head_t h;
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	memset(diag, 0, sizeof(*diag));
	int ret = yxd_writer_begin(&n->d, &b, diag);
	if (ret) {
		assert_null(b);
		return ret;
	}
	fx_enterprise_init(&f, i);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_put(b, &c, diag), YX_OK);
	return yxd_writer_commit(&n->d, &b, head ? head : &h, diag);
}

/* The charter's rule for n's log: key a signs up to seq after, key b past it. */
typedef struct {
	uint8_t a[YX_KEY_BYTES], b[YX_KEY_BYTES];
	uint64_t after;
} rule_t;

static const uint8_t *rule_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	const rule_t *r = arg;
	if (memcmp(origin, r->a, YX_KEY_BYTES) != 0 || seq <= r->after)
		return origin;
	return r->b;
}

static void expect_verify(node_t *n, const rule_t *rule, int err)
{
	yx_diag_t diag = {{0}};
	yx_rules_t rules = {.signer = rule_signer, .arg = (void *)rule};
	yx_store_set_rules(n->d.store, rule ? &rules : NULL);
	int ret = yx_store_verify(n->d.store, &diag);
	yx_store_set_rules(n->d.store, NULL);
	if (ret != err)
		fail_msg("verify: expected %s, got %s (%s)", yx_strerror(err), yx_strerror(ret),
		         diag.msg);
}

static void test_rotate_to(void **state)
{
	(void)state;
	node_t n;
	yx_diag_t diag;
	yx_head_t h;
	uint8_t a[YX_KEY_BYTES], b[YX_KEY_BYTES], got[YX_KEY_BYTES];
	char status[256], next[1200];
	uint32_t version = 0;
	uint64_t after = 0;
	node_open(&n, a);

	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(write_one(&n, i, &h, &diag), YX_OK);
	assert_int_equal(h.seq, 4);

	/* Our vote for version 2 is at seq 4: fenced, saying why, also after a restart. */
	assert_int_equal(yxd_rotation_pending(&n.d, 4, 2), YX_OK);
	assert_int_equal(write_one(&n, 100, NULL, &diag), YX_EFENCED);
	assert_string_equal(diag.msg, "this node's key rotation waits for charter version 2 to "
	                              "be adopted; writes resume then");
	yxd_fence_status(&n.d, status, sizeof(status));
	assert_string_equal(status, diag.msg);
	node_stop(&n);
	assert_int_equal(node_start(&n, ""), YX_OK);
	assert_true(n.d.rotation.pending);
	assert_int_equal(write_one(&n, 100, NULL, &diag), YX_EFENCED);

	/* A key file others can read is refused, and nothing changes. */
	key_new(&n, ".next", b);
	key_path(&n, ".next", next, sizeof(next));
	assert_int_equal(chmod(next, 0644), 0);
	assert_int_equal(yxd_rotate_to(&n.d, next), YX_EKEYPERM);
	assert_memory_equal(yx_identity_public(n.d.id), a, YX_KEY_BYTES);
	assert_true(n.d.rotation.pending);
	assert_int_equal(chmod(next, 0600), 0);

	/* Version 2 adopted: B signs past seq 4. */
	assert_int_equal(yxd_rotate_to(&n.d, next), YX_OK);
	assert_memory_equal(yx_identity_public(n.d.id), b, YX_KEY_BYTES);
	assert_memory_equal(n.d.origin, a, YX_KEY_BYTES);
	assert_false(n.d.rotation.pending);
	assert_int_equal(yx_store_rotating(n.d.store, &version, &after), YX_ENOTFOUND);
	uint8_t curve[32];
	assert_int_equal(yx_pubkey_to_curve(b, curve), YX_OK);
	assert_memory_equal(n.d.curve_public, curve, 32);
	/* The key files: node.key holds B, node.key.old A, both owner-only. */
	key_read(&n, "", got);
	assert_memory_equal(got, b, YX_KEY_BYTES);
	key_read(&n, ".old", got);
	assert_memory_equal(got, a, YX_KEY_BYTES);
	assert_false(key_exists(&n, ".next"));
	assert_true(n.d.rotation.rekey_due);
	assert_int_equal(yxd_rotation_rekey(&n.d), YX_OK); /* no sockets here */
	assert_false(n.d.rotation.rekey_due);

	/* Writes resume: B's heads name A, carry B's signature, and tell the hooks A moved. */
	assert_int_equal(write_one(&n, 4, &h, &diag), YX_OK);
	assert_int_equal(h.seq, 5);
	assert_memory_equal(h.origin, a, YX_KEY_BYTES);
	assert_int_equal(yx_head_verify_by(&h, b), YX_OK);
	assert_int_equal(yx_head_verify(&h), YX_ESIG);
	assert_memory_equal(n.moved, a, YX_KEY_BYTES);
	assert_int_equal(write_one(&n, 5, &h, &diag), YX_OK);
	yx_head_t h4;
	assert_int_equal(yx_store_head_find(n.d.store, a, 4, &h4), YX_OK);
	assert_int_equal(h4.seq, 4);
	assert_int_equal(yx_head_verify(&h4), YX_OK); /* A's heads stay A's */

	/* The store verifies: on its own, with the charter's rule; not with a rule that
	 * knows no rotation. */
	rule_t rule = {.after = 4};
	memcpy(rule.a, a, YX_KEY_BYTES);
	memcpy(rule.b, b, YX_KEY_BYTES);
	expect_verify(&n, NULL, YX_OK);
	expect_verify(&n, &rule, YX_OK);
	rule.after = 6;
	expect_verify(&n, &rule, YX_ESIG);
	node_close(&n);
}

/* A's log handed to B past seq 4, as test_rotate_to does it; b receives B. */
static void rotated(node_t *n, uint8_t a[YX_KEY_BYTES], uint8_t b[YX_KEY_BYTES])
{
	yx_diag_t diag;
	char next[1200];
	node_open(n, a);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(write_one(n, i, NULL, &diag), YX_OK);
	assert_int_equal(yxd_rotation_pending(&n->d, 4, 2), YX_OK);
	key_new(n, ".next", b);
	key_path(n, ".next", next, sizeof(next));
	assert_int_equal(yxd_rotate_to(&n->d, next), YX_OK);
	assert_int_equal(write_one(n, 4, NULL, &diag), YX_OK);
	assert_int_equal(write_one(n, 5, NULL, &diag), YX_OK);
}

/* After a rotation: a restart with the new key writes on, one with the old key or a
 * stranger's does not; a rotation proposed and lost lets the key go on; a third key
 * moves the first key's file on to node.key.old.1. */
static void test_rotate_after(void **state)
{
	(void)state;
	node_t n;
	yx_diag_t diag;
	yx_head_t h;
	uint8_t a[YX_KEY_BYTES], b[YX_KEY_BYTES], got[YX_KEY_BYTES];
	char next[1200];
	uint32_t version = 0;
	uint64_t after = 0;
	rotated(&n, a, b);
	key_path(&n, ".next", next, sizeof(next));

	/* A restart with node.key (B) writes on; with the old key, or a stranger's, not. */
	node_stop(&n);
	assert_int_equal(node_start(&n, ""), YX_OK);
	assert_memory_equal(n.d.origin, a, YX_KEY_BYTES);
	assert_false(n.d.rotation.pending);
	assert_int_equal(write_one(&n, 6, &h, &diag), YX_OK);
	assert_int_equal(h.seq, 7);
	node_stop(&n);
	assert_int_equal(node_start(&n, ".old"), YX_OK); /* said in the log */
	assert_int_equal(write_one(&n, 7, NULL, &diag), YX_EKEY);
	node_stop(&n);
	uint8_t c[YX_KEY_BYTES];
	key_new(&n, ".stranger", c);
	assert_int_equal(node_start(&n, ".stranger"), YX_EKEY);
	node_stop(&n);

	/* A second rotation proposed, and another version 3 adopted: B goes on. */
	assert_int_equal(node_start(&n, ""), YX_OK);
	assert_int_equal(yxd_rotation_pending(&n.d, 7, 3), YX_OK);
	assert_int_equal(write_one(&n, 7, NULL, &diag), YX_EFENCED);
	yxd_rotation_clear(&n.d);
	assert_int_equal(yx_store_rotating(n.d.store, &version, &after), YX_ENOTFOUND);
	assert_int_equal(write_one(&n, 7, &h, &diag), YX_OK);
	assert_int_equal(h.seq, 8);
	assert_int_equal(yx_head_verify_by(&h, b), YX_OK);

	/* ... and a third, adopted: C after 9; A's file moves on to node.key.old.1. */
	assert_int_equal(write_one(&n, 8, &h, &diag), YX_OK);
	assert_int_equal(yxd_rotation_pending(&n.d, 9, 4), YX_OK);
	key_new(&n, ".next", c);
	assert_int_equal(yxd_rotate_to(&n.d, next), YX_OK);
	assert_int_equal(write_one(&n, 9, &h, &diag), YX_OK);
	assert_int_equal(yx_head_verify_by(&h, c), YX_OK);
	key_read(&n, "", got);
	assert_memory_equal(got, c, YX_KEY_BYTES);
	key_read(&n, ".old", got);
	assert_memory_equal(got, b, YX_KEY_BYTES);
	key_read(&n, ".old.1", got);
	assert_memory_equal(got, a, YX_KEY_BYTES);
	expect_verify(&n, NULL, YX_OK);
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(n.d.store, a, &tip), YX_OK);
	assert_int_equal(tip.seq, 10);
	node_close(&n);
}

/* ---- the peer port, re-made -------------------------------------------------------- */

/* A CURVE client of n's peer port (feed false) or feed port (feed true) that takes key
 * (Ed25519) for the server's: 1 once its socket monitor says the handshake succeeded, -1
 * once the port counts a refused handshake, 0 if neither came within 5 s. */
static int handshake_with(node_t *n, bool feed, const uint8_t key[YX_KEY_BYTES])
{
	uint8_t server[32], pub[32], sec[32];
	static int seq;
	char mon[64];
	int outcome = 0;
	uint64_t refused = n->d.counters[C_HANDSHAKES_REFUSED];
	yxd_guard_t *guard = feed ? n->d.feed_guard : n->d.peer_guard;
	zsock_t *port = feed ? yxd_feed_socket(&n->d) : n->d.peer_router;
	assert_int_equal(yx_pubkey_to_curve(key, server), YX_OK);
	crypto_box_keypair(pub, sec);
	zsock_t *s = zsock_new(ZMQ_DEALER);
	assert_non_null(s);
	zsock_set_curve_serverkey_bin(s, server);
	zsock_set_curve_publickey_bin(s, pub);
	zsock_set_curve_secretkey_bin(s, sec);
	zsock_set_linger(s, 0);
	snprintf(mon, sizeof(mon), "inproc://rotate-mon-%d", ++seq);
	assert_int_equal(zmq_socket_monitor(zsock_resolve(s), mon, ZMQ_EVENT_ALL), 0);
	zsock_t *m = zsock_new_pair(mon);
	assert_non_null(m);
	assert_int_equal(zsock_connect(s, "%s", feed ? n->cfg.feed_endpoint : n->cfg.peer_endpoint),
	                 0);
	int64_t deadline = zclock_mono() + 5000;
	while (!outcome && zclock_mono() < deadline) {
		/* The port and its guard are read as in the daemon's loop. */
		zmq_pollitem_t items[3] = {{zsock_resolve(m), 0, ZMQ_POLLIN, 0},
		                           {yxd_guard_socket(guard), 0, ZMQ_POLLIN, 0},
		                           {zsock_resolve(port), 0, ZMQ_POLLIN, 0}};
		if (zmq_poll(items, 3, 50) <= 0)
			continue;
		if ((items[2].revents & ZMQ_POLLIN) && feed)
			yxd_feed_handle(&n->d);
		else if (items[2].revents & ZMQ_POLLIN)
			yxd_serve_handle(&n->d);
		if (items[1].revents & ZMQ_POLLIN)
			yxd_guard_handle(&n->d, guard);
		if (n->d.counters[C_HANDSHAKES_REFUSED] > refused)
			outcome = -1;
		if (!(items[0].revents & ZMQ_POLLIN))
			continue;
		zmsg_t *ev = zmsg_recv(m);
		zframe_t *f = zmsg_first(ev);
		uint16_t event = 0;
		if (f && zframe_size(f) >= 2)
			memcpy(&event, zframe_data(f), 2);
		if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
			outcome = 1;
		zmsg_destroy(&ev);
	}
	/* libzmq's reaper sends a closing socket's last events to its monitor, blocking:
	 * the monitor goes first, or the reaper waits for ever on a reader that is gone. */
	zmq_socket_monitor(zsock_resolve(s), NULL, 0);
	zsock_destroy(&s);
	zsock_destroy(&m);
	sodium_memzero(sec, sizeof(sec));
	return outcome;
}

/* Starts the peer and feed ports on loopback ports below 32768 that are free, drawn from
 * the seed. */
static void ports_start(node_t *n, uint64_t *seed)
{
	int ret = -1;
	for (int i = 0; i < 20 && ret != YX_OK; i++) {
		unsigned port = 20000 + (unsigned)(fx_rand(seed) % 12000);
		snprintf(n->cfg.peer_endpoint, sizeof(n->cfg.peer_endpoint), "tcp://127.0.0.1:%u",
		         port);
		snprintf(n->cfg.feed_endpoint, sizeof(n->cfg.feed_endpoint), "tcp://127.0.0.1:%u",
		         port + 1);
		if ((ret = yxd_serve_start(&n->d)) == YX_OK && (ret = yxd_feed_start(&n->d)))
			yxd_feed_stop(&n->d);
		if (ret)
			yxd_serve_stop(&n->d);
	}
	assert_int_equal(ret, YX_OK);
}

/* Before the rotation the peer and feed ports answer to key A; re-made after it, to key
 * B only: a puller or park that still takes A for our key fails its handshake, and the
 * port counts it. */
static void test_rekey_ports(void **state)
{
	(void)state;
	node_t n;
	uint8_t a[YX_KEY_BYTES], b[YX_KEY_BYTES];
	char next[1200];
	yx_diag_t diag;
	uint64_t seed = fx_seed("test_rekey_ports");
	node_open(&n, a);
	n.cfg.credit = 16;
	n.cfg.feed_credit_max = 16;
	n.cfg.handshake_ms = 5000;
	n.cfg.connections_per_address = 64;
	assert_int_equal(write_one(&n, 1, NULL, &diag), YX_OK);
	ports_start(&n, &seed);
	assert_int_equal(handshake_with(&n, false, a), 1);
	assert_int_equal(handshake_with(&n, true, a), 1);

	assert_int_equal(yxd_rotation_pending(&n.d, 1, 2), YX_OK);
	key_new(&n, ".next", b);
	key_path(&n, ".next", next, sizeof(next));
	assert_int_equal(yxd_rotate_to(&n.d, next), YX_OK);
	assert_int_equal(yxd_rotation_rekey(&n.d), YX_OK);
	assert_false(n.d.stopping);
	for (int feed = 0; feed < 2; feed++) {
		uint64_t crypto = n.d.counters[C_REFUSED_CRYPTO];
		assert_int_equal(handshake_with(&n, feed, a), -1);
		/* a box for A's key, which B's secret cannot open */
		assert_int_equal(n.d.counters[C_REFUSED_CRYPTO], crypto + 1);
		assert_int_equal(handshake_with(&n, feed, b), 1);
	}
	yxd_feed_stop(&n.d);
	node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rotate_to),
	        cmocka_unit_test(test_rotate_after),
	        cmocka_unit_test(test_rekey_ports),
	};
	if (yx_crypto_init() != YX_OK)
		return 1;
	zsys_init();
	zsys_set_linger(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
