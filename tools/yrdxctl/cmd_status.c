/* status, sync: ask the running node. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "table.h"
#include "validate.h"
#include "yrdxctl.h"

#define STATUS_TIMEOUT_MS 5000

static int get_status(ctl_t *ctl, Yrdx__ControlReply **reply)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__StatusRequest st = YRDX__STATUS_REQUEST__INIT;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_STATUS;
	req.status = &st;
	int rc = ctl_call(ctl, &req, STATUS_TIMEOUT_MS, reply);
	if (rc == EXIT_OK && (!(*reply)->status || (*reply)->error)) {
		rc = ctl_fail(EXIT_FAIL, "status: %s", (*reply)->message);
		yrdx__control_reply__free_unpacked(*reply, NULL);
	}
	return rc;
}

int ctl_status_if_running(ctl_t *ctl, Yrdx__ControlReply **reply)
{
	yx_ctl_t *conn = NULL;
	*reply = NULL;
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	int ret = yx_ctl_open(ctl->cfg->control_path, &conn);
	if (ret == -ENOENT || ret == -ECONNREFUSED)
		return EXIT_OK;
	yx_ctl_close(&conn);
	return get_status(ctl, reply);
}

/* bytes for people: "512 B", "307.2 KiB", "64 MiB", "1.5 GiB", "16 GiB": the largest
 * unit of which there is at least one, with one decimal unless the size is a whole
 * number of that unit. */
static const char *human_size(uint64_t bytes, char *buf, size_t cap)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
	int unit = 0;
	if (bytes < 1024) {
		snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (unit < 3 && bytes >= ((uint64_t)1024 << (10 * (unit + 1))))
		unit++;
	uint64_t scale = (uint64_t)1024 << (10 * unit);
	if (bytes % scale == 0)
		snprintf(buf, cap, "%llu %s", (unsigned long long)(bytes / scale), units[unit]);
	else
		snprintf(buf, cap, "%.1f %s", (double)bytes / (double)scale, units[unit]);
	return buf;
}

/* "used of a map (percent)": the store line's figures. */
static void print_store(const Yrdx__StatusReply *s, uint64_t changes)
{
	char used[32], map[32];
	printf("store: %llu changes from %zu origins, %s used of a %s map",
	       (unsigned long long)changes, s->vector ? s->vector->n_entries : 0,
	       human_size(s->store_bytes, used, sizeof(used)),
	       human_size(s->map_bytes, map, sizeof(map)));
	if (s->map_bytes)
		printf(" (%.1f%%)", 100.0 * (double)s->store_bytes / (double)s->map_bytes);
	putchar('\n');
	if (s->store_full && s->store_full[0]) {
		char when[CTL_TIME_MAX] = "?";
		if (s->store_full_since_ms)
			ctl_time(s->store_full_since_ms, when);
		printf("store FULL since %s: %s; pulling from peers is paused and retried "
		       "until there is room\n",
		       when, s->store_full);
	}
	if (s->fenced && s->fenced[0])
		printf("local writes refused: %s\n", s->fenced);
}

static uint64_t vector_seq(const Yrdx__VersionVector *v, const ProtobufCBinaryData *origin)
{
	for (size_t i = 0; v && i < v->n_entries; i++)
		if (v->entries[i]->origin.len == origin->len &&
		    memcmp(v->entries[i]->origin.data, origin->data, origin->len) == 0)
			return v->entries[i]->seq;
	return 0;
}

uint64_t ctl_peer_behind(const Yrdx__StatusReply *s, const Yrdx__PeerStatus *p)
{
	uint64_t n = 0;
	for (size_t i = 0; p->tips && i < p->tips->n_entries; i++) {
		uint64_t mine = vector_seq(s->vector, &p->tips->entries[i]->origin);
		if (p->tips->entries[i]->seq > mine)
			n += p->tips->entries[i]->seq - mine;
	}
	return n;
}

static json_t *status_json(ctl_t *ctl, const Yrdx__StatusReply *s)
{
	char key[YX_PUBKEY_TEXT_LEN + 1];
	json_t *peers = json_array(), *counters = json_object(), *vector = json_array();
	json_t *feeds = json_array();
	for (size_t i = 0; i < s->n_feeds; i++)
		json_array_append_new(feeds,
		                      json_pack("{s:s, s:s, s:b, s:I, s:I}", "park",
		                                s->feeds[i]->park, "park_id", s->feeds[i]->park_id,
		                                "connected", s->feeds[i]->connected, "cursor",
		                                (json_int_t)s->feeds[i]->cursor, "behind",
		                                (json_int_t)s->feeds[i]->behind));
	for (size_t i = 0; s->vector && i < s->vector->n_entries; i++) {
		const Yrdx__VectorEntry *e = s->vector->entries[i];
		json_t *o = json_pack("{s:I}", "seq", (json_int_t)e->seq);
		if (e->origin.len == 32)
			yx_names_json_set(ctl->names, o, "origin", "name", "city", e->origin.data);
		json_array_append_new(vector, o);
	}
	for (size_t i = 0; i < s->n_peers; i++) {
		const Yrdx__PeerStatus *p = s->peers[i];
		json_t *by_origin = json_object(); /* records behind, per origin */
		for (size_t k = 0; p->tips && k < p->tips->n_entries; k++) {
			uint64_t mine = vector_seq(s->vector, &p->tips->entries[k]->origin);
			if (p->tips->entries[k]->seq > mine) {
				yx_pubkey_format(p->tips->entries[k]->origin.data, key);
				json_object_set_new(
				        by_origin, key,
				        json_integer(
				                (json_int_t)(p->tips->entries[k]->seq - mine)));
			}
		}
		yx_pubkey_format(p->key.data, key);
		json_t *o = json_pack(
		        "{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:o, s:I, s:I, s:I, s:I}", "name",
		        p->name, "endpoint", p->endpoint, "key", key, "charter", p->charter,
		        "connected", p->connected, "last_contact_ms",
		        (json_int_t)p->last_contact_ms, "behind", (json_int_t)ctl_peer_behind(s, p),
		        "behind_by_origin", by_origin, "bytes_in", (json_int_t)p->bytes_in,
		        "bytes_out", (json_int_t)p->bytes_out, "segments_in",
		        (json_int_t)p->segments_in, "rejected", (json_int_t)p->rejected);
		/* "name" is the daemon's for the peer (its config's); its city beside it */
		if (p->key.len == 32)
			yx_names_json_set(ctl->names, o, NULL, NULL, "city", p->key.data);
		json_array_append_new(peers, o);
	}
	for (size_t i = 0; i < s->n_counters; i++)
		json_object_set_new(counters, s->counters[i]->name,
		                    json_integer((json_int_t)s->counters[i]->value));
	/* not counted but held: the 联盟章程 version followed (0: none installed) */
	json_object_set_new(counters, "charter_version", json_integer(s->charter_version));
	yx_pubkey_format(s->key.data, key);
	json_t *o = json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "name", s->name,
	                      "city", (int)s->city, "key", key, "vector", vector, "peers", peers,
	                      "feeds", feeds, "counters", counters, "store_bytes",
	                      (json_int_t)s->store_bytes, "map_bytes", (json_int_t)s->map_bytes);
	const char *city = yx_city_name(s->city);
	json_object_set_new(o, "city_name", city ? json_string(city) : json_null());
	bool full = s->store_full && s->store_full[0];
	json_object_set_new(o, "store_full", full ? json_string(s->store_full) : json_null());
	json_object_set_new(o, "store_full_since_ms",
	                    full ? json_integer((json_int_t)s->store_full_since_ms) : json_null());
	json_object_set_new(o, "fenced",
	                    s->fenced && s->fenced[0] ? json_string(s->fenced) : json_null());
	return o;
}

/* A peer's label: the charter's or config's name with its city, else the daemon's; a
 * member pulled from because it pulls from us, in no config, is marked "(charter)". */
static const char *peer_label(ctl_t *ctl, const Yrdx__PeerStatus *p, char out[YX_NAME_LABEL_MAX])
{
	yx_node_name_t nn;
	if (p->key.len == 32 && yx_names_lookup(ctl->names, p->key.data, &nn))
		ctl_label(ctl, p->key.data, YX_NAME_SHORT, out);
	else
		snprintf(out, YX_NAME_LABEL_MAX, "%s", p->name);
	if (p->charter) {
		size_t n = strlen(out);
		snprintf(out + n, YX_NAME_LABEL_MAX - n, " (charter)");
	}
	return out;
}

/* The peers, then each origin this store holds with its tip. */
static void print_peers_origins(ctl_t *ctl, const Yrdx__StatusReply *s)
{
	table_t *t = table_new("PEER", "STATE", "LAST CONTACT", "BEHIND", "BYTES IN", "BYTES OUT",
	                       "REJECTED", NULL);
	char label[YX_NAME_LABEL_MAX], v[5][24];
	for (size_t i = 0; i < s->n_peers; i++) {
		const Yrdx__PeerStatus *p = s->peers[i];
		char when[CTL_TIME_MAX];
		ctl_time(p->last_contact_ms, when);
		snprintf(v[0], sizeof(v[0]), "%llu", (unsigned long long)ctl_peer_behind(s, p));
		snprintf(v[1], sizeof(v[1]), "%llu", (unsigned long long)p->bytes_in);
		snprintf(v[2], sizeof(v[2]), "%llu", (unsigned long long)p->bytes_out);
		snprintf(v[3], sizeof(v[3]), "%llu", (unsigned long long)p->rejected);
		table_row(t, peer_label(ctl, p, label), p->connected ? "connected" : "down", when,
		          v[0], v[1], v[2], v[3]);
	}
	table_print(&t, stdout);
	t = table_new("ORIGIN", "SEQ", "KEY", NULL);
	for (size_t i = 0; s->vector && i < s->vector->n_entries; i++) {
		const Yrdx__VectorEntry *e = s->vector->entries[i];
		char key[YX_PUBKEY_TEXT_LEN + 1];
		yx_node_name_t nn;
		if (e->origin.len != 32)
			continue;
		yx_pubkey_format(e->origin.data, key);
		snprintf(v[4], sizeof(v[4]), "%llu", (unsigned long long)e->seq);
		table_row(t,
		          yx_names_lookup(ctl->names, e->origin.data, &nn)
		                  ? ctl_label(ctl, e->origin.data, YX_NAME_SHORT, label)
		                  : "-",
		          v[4], key);
	}
	table_print(&t, stdout);
}

int cmd_status(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE status [--json]\n"
	        "This node, each peer (connected, last contact, records behind,\n"
	        "bytes in/out) and the node's counters.\n";
	Yrdx__ControlReply *reply = NULL;
	char key[YX_PUBKEY_TEXT_LEN + 1];
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	int rc = get_status(ctl, &reply);
	if (rc)
		return rc;
	const Yrdx__StatusReply *s = reply->status;
	if ((rc = ctl_names(ctl, NULL))) {
		yrdx__control_reply__free_unpacked(reply, NULL);
		return rc;
	}
	if (ctl->json) {
		ctl_print_json(status_json(ctl, s));
	} else {
		char label[YX_NAME_LABEL_MAX];
		uint64_t total = 0;
		for (size_t i = 0; s->vector && i < s->vector->n_entries; i++)
			total += s->vector->entries[i]->seq;
		yx_pubkey_format(s->key.data, key);
		if (s->key.len == 32)
			ctl_label(ctl, s->key.data, YX_NAME_LONG, label);
		else
			snprintf(label, sizeof(label), "%s (%u)", s->name, s->city);
		printf("node %s key %s\n", label, key);
		print_store(s, total);
		print_peers_origins(ctl, s);
		for (size_t i = 0; i < s->n_feeds; i++) {
			const Yrdx__FeedStatus *f = s->feeds[i];
			if (i == 0)
				printf("%-12s %-16s %-10s %10s %10s\n", "PARK FEED", "PARK ID",
				       "STATE", "CURSOR", "BEHIND");
			printf("%-12s %-16s %-10s %10llu %10llu\n", f->park, f->park_id,
			       f->connected ? "connected" : "down", (unsigned long long)f->cursor,
			       (unsigned long long)f->behind);
		}
		printf("counters:");
		for (size_t i = 0; i < s->n_counters; i++)
			if (s->counters[i]->value)
				printf(" %s=%llu", s->counters[i]->name,
				       (unsigned long long)s->counters[i]->value);
		if (s->charter_version)
			printf(" charter_version=%u", s->charter_version);
		printf("\n");
	}
	yrdx__control_reply__free_unpacked(reply, NULL);
	return EXIT_OK;
}

int cmd_sync(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE sync [PEER] [--wait] [--timeout SECONDS]\n"
	        "Asks every peer (or PEER) for what this node lacks, now. With --wait, waits\n"
	        "(progress on stderr) until no connected peer has records this node lacks.\n";
	bool wait = false;
	long timeout_s = 60;
	const char *peer = "";
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--wait") == 0)
			wait = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = atol(argv[++i]);
		else if (argv[i][0] != '-' && !*peer)
			peer = argv[i];
		else
			return ctl_fail(EXIT_USAGE, "sync: unexpected \"%s\" (see --help)",
			                argv[i]);
	}
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__SyncRequest sr = YRDX__SYNC_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;
	sr.peer = (char *)peer;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_SYNC;
	req.sync = &sr;
	int rc = ctl_call(ctl, &req, STATUS_TIMEOUT_MS, &reply);
	if (rc)
		return rc;
	if (reply->error) {
		rc = ctl_fail(EXIT_USAGE, "sync %s: %s", peer, reply->message);
		yrdx__control_reply__free_unpacked(reply, NULL);
		return rc;
	}
	yrdx__control_reply__free_unpacked(reply, NULL);
	if (!wait)
		return EXIT_OK;
	bool tty = isatty(2);
	time_t deadline = time(NULL) + timeout_s;
	uint64_t first_behind = 0;
	for (;;) {
		if ((rc = get_status(ctl, &reply)))
			return rc;
		const Yrdx__StatusReply *s = reply->status;
		uint64_t lag = 0;
		size_t connected = 0;
		for (size_t i = 0; i < s->n_peers; i++) {
			if (*peer && strcmp(peer, s->peers[i]->name) != 0)
				continue;
			if (!s->peers[i]->connected)
				continue;
			connected++;
			uint64_t b = ctl_peer_behind(s, s->peers[i]);
			if (b > lag)
				lag = b;
		}
		yrdx__control_reply__free_unpacked(reply, NULL);
		if (lag > first_behind)
			first_behind = lag;
		if (tty && first_behind) {
			int pct = (int)(100 * (first_behind - lag) / first_behind);
			fprintf(stderr, "\r[%-40.*s] %3d%%  %llu behind ", pct * 40 / 100,
			        "########################################", pct,
			        (unsigned long long)lag);
		}
		if (connected && lag == 0) {
			if (tty)
				fputc('\n', stderr);
			if (ctl->json)
				ctl_print_json(json_pack("{s:b}", "caught_up", 1));
			else
				printf("caught up\n");
			return EXIT_OK;
		}
		if (time(NULL) >= deadline) {
			if (tty)
				fputc('\n', stderr);
			return ctl_fail(EXIT_FAIL,
			                "sync: not caught up after %ld s (%llu behind, %zu "
			                "peer%s connected)",
			                timeout_s, (unsigned long long)lag, connected,
			                connected == 1 ? "" : "s");
		}
		usleep(100000);
	}
}
