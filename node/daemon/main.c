/* yrdxd: a city's node. Loads its config and key, opens its store, and runs one poll
 * loop over the ZAP handler, the peer port, the pull connections, the control socket and
 * a signalfd: SIGTERM/SIGINT stop it cleanly, SIGHUP (or an edited config file) reloads
 * the trust store and peers without dropping healthy connections. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "yrdxd.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: yrdxd -c FILE            run the node\n"
	             "       yrdxd --check -c FILE    validate FILE and print it normalised\n"
	             "\n"
	             "  -c, --config FILE   node configuration (see config/*.zpl)\n"
	             "      --check         check the configuration and exit\n"
	             "  -h, --help          this help\n");
}

/* A fingerprint of the config file: yrdxctl replaces it by rename, so the inode changes
 * even when the edit falls in the same second as the last one. */
static uint64_t file_stamp(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return (uint64_t)st.st_ino * 1000003u ^ (uint64_t)st.st_mtim.tv_sec * 1000000007u ^
	       (uint64_t)st.st_mtim.tv_nsec ^ (uint64_t)st.st_size << 40;
}

/* Whom this node trusts and pulls from follows its config and charter: the members'
 * lists made anew, then the pull connections (healthy ones kept), the peer port
 * (pullers no longer admitted no longer served) and the feed port (parks removed or whose
 * key changed no longer served). At start, on reload, and as the charter's on_changed
 * hook after an adoption. */
static int follow_trust(yxd_t *d)
{
	int ret = yxd_members_changed(d);
	if (ret)
		return ret;
	if ((ret = yxd_clients_sync_config(d)))
		yx_log_error("cannot set up the pull connections: %s", yx_strerror(ret));
	if (d->serve)
		yxd_serve_trust_changed(d);
	yxd_feed_trust_changed(d);
	return ret;
}

static void charter_changed(yxd_t *d)
{
	follow_trust(d);
}

/* Re-reads the config; on any error the running config stays. The trust store, peers
 * and map size take effect at once, other settings at the next start. */
static void reload(yxd_t *d)
{
	yx_config_t *fresh = NULL;
	yx_diag_t diag = {{0}};
	d->config_stamp = file_stamp(d->cfg->path);
	if (yx_config_load(d->cfg->path, &fresh, &diag) != YX_OK) {
		yx_log_error("reload refused, keeping the running configuration: %s", diag.msg);
		return;
	}
	if (strcmp(fresh->peer_endpoint, d->cfg->peer_endpoint) != 0 ||
	    strcmp(fresh->data_dir, d->cfg->data_dir) != 0 ||
	    strcmp(fresh->control_path, d->cfg->control_path) != 0)
		yx_log_warn("listen addresses and paths change only at restart");
	/* The sockets keep the endpoints and paths they were made with. */
	snprintf(fresh->peer_endpoint, sizeof(fresh->peer_endpoint), "%s", d->cfg->peer_endpoint);
	snprintf(fresh->control_path, sizeof(fresh->control_path), "%s", d->cfg->control_path);
	snprintf(fresh->data_dir, sizeof(fresh->data_dir), "%s", d->cfg->data_dir);
	if (fresh->map_size != d->cfg->map_size) {
		/* A raised map ends a map-full pause by itself (client.c). */
		yxd_remote_flush(d); /* no transaction may be open */
		int ret = yx_store_set_map_size(d->store, fresh->map_size);
		if (ret) {
			yx_log_error("reload: cannot change the map size: %s", yx_strerror(ret));
			fresh->map_size = d->cfg->map_size;
		} else {
			yx_log_info("map size now %llu bytes", (unsigned long long)fresh->map_size);
			d->full.retry_ms = 0; /* if it was full: try again now */
		}
	}
	yx_config_free(&d->cfg);
	d->cfg = fresh;
	yx_log_set_level((yx_log_level_t)d->cfg->log_level);
	follow_trust(d); /* the peers, checked against the charter if there is one */
	yxd_policy_due(d);
	yxd_policy_publish(d);
	d->counters[C_RELOADS]++;
	yx_log_info("reloaded %s: %zu peers, %zu parks", d->cfg->path, d->cfg->n_peers,
	            d->cfg->n_parks);
}

static int open_node(yxd_t *d)
{
	yx_diag_t diag = {{0}};
	yx_identity_t *id = NULL;
	int ret = yx_identity_load(d->cfg->key_file, &id, &diag);
	if (ret) {
		yx_log_error("%s", diag.msg);
		return ret;
	}
	if ((ret = yxd_key_use(d, &id))) {
		yx_identity_free(&id);
		return ret;
	}
	ret = yx_store_open(d->cfg->data_dir, YX_STORE_CREATE, d->cfg->map_size, &d->store, &diag);
	if (ret) {
		yx_log_error("%s", diag.msg[0] ? diag.msg : yx_strerror(ret));
		return ret;
	}
	return yxd_rotation_start(d); /* our origin, and whether the key may sign its log */
}

static int signals_open(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void signals_handle(yxd_t *d, int fd)
{
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			d->reload_requested = true;
		} else {
			yx_log_info("%s: stopping", strsignal((int)si.ssi_signo));
			d->stopping = true;
		}
	}
}

static int run(yxd_t *d, int sigfd)
{
	int64_t next_tick = 0;
	zmq_pollitem_t *items = NULL;
	size_t cap = 0;
	while (!d->stopping) {
		size_t n = 8 + d->n_clients;
		if (n > cap) {
			zmq_pollitem_t *grown = realloc(items, n * sizeof(*items));
			if (!grown)
				return -ENOMEM;
			items = grown;
			cap = n;
		}
		items[0] = (zmq_pollitem_t){zsock_resolve(d->zap), 0, ZMQ_POLLIN, 0};
		items[1] = (zmq_pollitem_t){zsock_resolve(d->peer_router), 0, ZMQ_POLLIN, 0};
		items[2] = (zmq_pollitem_t){zsock_resolve(yxd_control_socket(d)), 0, ZMQ_POLLIN, 0};
		items[3] = (zmq_pollitem_t){NULL, sigfd, ZMQ_POLLIN, 0};
		size_t live = 4;
		size_t feed_item = 0;
		if (yxd_feed_socket(d)) {
			feed_item = live;
			items[live++] = (zmq_pollitem_t){zsock_resolve(yxd_feed_socket(d)), 0,
			                                 ZMQ_POLLIN, 0};
		}
		int http_fd = yxd_http_fd(d);
		size_t http_item = 0;
		if (http_fd >= 0) {
			http_item = live;
			items[live++] = (zmq_pollitem_t){NULL, http_fd, ZMQ_POLLIN, 0};
		}
		size_t guard_items[2] = {0, 0};
		yxd_guard_t *guards[2] = {d->peer_guard, d->feed_guard};
		for (size_t i = 0; i < 2; i++) {
			if (yxd_guard_socket(guards[i])) {
				guard_items[i] = live;
				items[live++] = (zmq_pollitem_t){yxd_guard_socket(guards[i]), 0,
				                                 ZMQ_POLLIN, 0};
			}
		}
		for (size_t i = 0; i < d->n_clients; i++) {
			void *s = yxd_client_socket(d->clients[i]);
			if (s)
				items[live++] =
				        (zmq_pollitem_t){zsock_resolve(s), 0, ZMQ_POLLIN, 0};
		}
		int64_t now = zclock_mono();
		long timeout = next_tick > now ? (long)(next_tick - now) : 0;
		if (d->remote)
			timeout = 0; /* commit what arrived as soon as the input drains */
		int rc = zmq_poll(items, (int)live, timeout);
		if (rc < 0 && zmq_errno() != EINTR)
			break;
		if (items[3].revents & ZMQ_POLLIN)
			signals_handle(d, sigfd);
		/* A connection's ACCEPTED before its ZAP request: the guard must know it. */
		for (size_t i = 0; i < 2; i++)
			if (guard_items[i] && (items[guard_items[i]].revents & ZMQ_POLLIN))
				yxd_guard_handle(d, guards[i]);
		if (items[0].revents & ZMQ_POLLIN)
			yxd_zap_handle(d);
		if (http_item && (items[http_item].revents & ZMQ_POLLIN))
			yxd_http_run(d);
		/* Every client socket: polled readiness or not, read what is there until the
		 * open transaction is due for its commit. Round robin: the next pass starts
		 * after the peer whose input filled it, so every peer is read once in a round
		 * of commits, however many peers come before it. */
		size_t turn = d->client_turn + 1;
		for (size_t k = 0; k < d->n_clients && !yxd_remote_due(d); k++) {
			size_t i = (d->client_turn + k) % d->n_clients;
			if (yxd_client_socket(d->clients[i]))
				yxd_client_handle(d, d->clients[i]);
			if (yxd_remote_due(d))
				turn = i + 1;
		}
		d->client_turn = turn;
		if (yxd_remote_due(d))
			yxd_remote_flush(d);
		if (items[1].revents & ZMQ_POLLIN)
			yxd_serve_handle(d);
		if (items[2].revents & ZMQ_POLLIN)
			yxd_control_handle(d);
		if (feed_item && (items[feed_item].revents & ZMQ_POLLIN))
			yxd_feed_handle(d);
		if (rc == 0 && d->remote)
			yxd_remote_flush(d);
		now = zclock_mono();
		/* Votes that came in a commit of this pass: the next version, if they make it. */
		yxd_charter_adopt_due(d, now);
		/* Cases of ours that landed elsewhere: our records say the enterprise left. */
		yxd_relocate_due(d, now);
		if (now >= next_tick) {
			if (d->remote)
				yxd_remote_flush(d);
			yxd_clients_tick(d, now);
			yxd_fence_tick(d, now);
			yxd_policy_publish(d);
			yxd_http_run(d); /* its connection timeouts */
			yxd_serve_tick(d, now);
			yxd_feed_tick(d, now);
			yxd_guard_tick(d, d->peer_guard, now);
			yxd_guard_tick(d, d->feed_guard, now);
			if (file_stamp(d->cfg->path) != d->config_stamp)
				d->reload_requested = true;
			next_tick = now + YXD_TICK_MS;
		}
		if (d->reload_requested) {
			d->reload_requested = false;
			reload(d);
		}
		yxd_rotation_rekey(d); /* after a key rotation: ports keyed anew */
	}
	free(items);
	return YX_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"config", required_argument, NULL, 'c'},
	        {"check", no_argument, NULL, 'C'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	bool check = false;
	int opt, ret = 1, sigfd = -1;
	yxd_t d = {0};
	yx_diag_t diag = {{0}};

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'C': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (yx_config_load(config_path, &d.cfg, &diag) != YX_OK) {
		fprintf(stderr, "yrdxd: %s\n", diag.msg);
		return check ? 2 : 1;
	}
	if (check) {
		yx_config_print(d.cfg, stdout);
		yx_config_free(&d.cfg);
		return 0;
	}
	yx_log_set_level((yx_log_level_t)d.cfg->log_level);
	/* Every connection costs a descriptor: as many as the system lets this process have. */
	yxd_nofile_raise();
	yx_arena_init(&d.scratch);
	if (!(d.squash = yx_squash_new())) {
		yx_log_error("out of memory");
		goto out;
	}
	if (yx_crypto_init() != YX_OK) {
		yx_log_error("libsodium failed to initialise");
		goto out;
	}
	if (open_node(&d) != YX_OK || yxd_charter_start(&d) != YX_OK)
		goto out;
	d.config_stamp = file_stamp(d.cfg->path);
	zsys_handler_set(NULL); /* signals come through the signalfd, not CZMQ's handler */
	zsys_set_linger(0);
	if ((sigfd = signals_open()) < 0) {
		yx_log_error("cannot set up signal handling: %s", strerror(errno));
		goto out;
	}
	/* The writer's wiring: received segments are committed before a local batch; every
	 * commit pushes to pullers, then pumps the park feeds, then has the charter's votes
	 * counted and the landings of our relay cases looked for (both in the loop, after the
	 * pass), then makes the console's figures due. */
	yxd_writer_set_flush(&d.writer, yxd_remote_flush);
	yxd_writer_on_commit(&d.writer, yxd_serve_announce);
	yxd_writer_on_commit(&d.writer, yxd_feed_moved);
	yxd_writer_on_commit(&d.writer, yxd_charter_moved);
	yxd_writer_on_commit(&d.writer, yxd_relocate_moved);
	yxd_writer_on_commit(&d.writer, yxd_overview_moved);
	/* An adopted version may rotate our key, then trust and peers follow it. */
	yxd_charter_hooks(&d, yxd_rotation_follows, charter_changed);
	if (yxd_zap_start(&d) || yxd_serve_start(&d) || yxd_feed_start(&d) ||
	    yxd_control_start(&d) || yxd_http_start(&d) || follow_trust(&d))
		goto out;
	yxd_fence_start(&d);
	yxd_relocate_start(&d);
	yxd_policy_due(&d);
	yxd_policy_publish(&d);
	yx_log_info("node %s (city %u) up, key %s, %zu peers, %zu parks", d.cfg->name, d.cfg->city,
	            d.pubkey_text, d.cfg->n_peers, d.cfg->n_parks);
	ret = run(&d, sigfd) == YX_OK ? 0 : 1;
	/* The batch in flight is committed, never half applied. */
	if (yxd_remote_flush(&d) != YX_OK)
		ret = 1;
	yx_log_info("stopped");
out:
	yxd_clients_stop(&d);
	yxd_http_stop(&d);
	yxd_control_stop(&d);
	yxd_feed_stop(&d);
	yxd_serve_stop(&d);
	yxd_zap_stop(&d);
	yx_remote_abort(&d.remote);
	yxd_charter_stop(&d);
	yxd_members_free(&d);
	free(d.moved.keys);
	yx_store_close(&d.store);
	yx_arena_free(&d.scratch);
	yx_squash_destroy(&d.squash);
	yx_identity_free(&d.id);
	sodium_memzero(d.curve_secret, sizeof(d.curve_secret));
	yx_config_free(&d.cfg);
	if (sigfd >= 0)
		close(sigfd);
	zsys_shutdown();
	return ret;
}
