/* config: a node's configuration file, and the trust-store edits made on it.
 *
 * The file is ZPL (rfc.zeromq.org/spec:4), read with CZMQ's zconfig: sections and
 * "key = value" lines nested by 4-space indentation, '#' starts a comment:
 *
 *     node
 *         name = shanghai
 *         city = 310000
 *         map_size = 16G
 *     listen
 *         peer = tcp://127.0.0.1:7401
 *     peers
 *         hangzhou
 *             endpoint = tcp://127.0.0.1:7411
 *             public_key = "Va8GNw0Or6YGSXX1Z6o9eUo4bIEFSFP0kGUV9wP0RPM="
 *
 * One static schema table in config_schema.c (section, key, type, default, range)
 * drives loading, validation, defaults, the normalised print and the comments of files
 * this module writes; config/ holds commented examples for real cities.
 *
 * Errors: every message names the file as the caller gave it, then the key path and
 * the offending value, e.g.
 *   shanghai.zpl: peers/hangzhou/public_key: "abc": expected 44 characters of base64 (32 bytes)
 * Invalid content is YX_ECONFIG; a file that cannot be read at all is -errno (-ENOENT
 * for a missing file), with a diag saying so. Nothing here asserts on file content.
 *
 * zconfig reports ZPL syntax errors by printing to stdout; the loader captures that
 * output for the diag (so nothing reaches the caller's stdout) by pointing fd 1 at a
 * scratch file for the duration of the parse. Call these functions from one thread. */
#ifndef YRDX_CONFIG_H
#define YRDX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

#define YX_CONFIG_NAME_MAX     32   /* node, peer and park names: [a-z0-9-] */
#define YX_CONFIG_ID_MAX       64   /* park ids, as in park records */
#define YX_CONFIG_PATH_MAX     1024 /* resolved paths, with their NUL */
#define YX_CONFIG_ENDPOINT_MAX 256  /* ZeroMQ endpoints, with their NUL */
#define YX_CONFIG_SOCKET_MAX   108  /* a UNIX socket path (sun_path), with its NUL */
#define YX_CONFIG_ADDR_MAX     128  /* HOST:PORT, with its NUL */

/* A peer city's node: where to reach it, its key, and which record kinds this node
 * passes on to it (withheld changes still travel as stubs). */
typedef struct {
	char name[YX_CONFIG_NAME_MAX + 1];
	char endpoint[YX_CONFIG_ENDPOINT_MAX]; /* tcp://HOST:PORT or ipc:///abs/path */
	uint8_t key[32];                       /* Ed25519 public key */
	uint32_t share_mask;                   /* bit (1u << kind) per yx_kind_t shared */
} yx_peer_conf_t;

/* A partner park allowed on the feed port. */
typedef struct {
	char name[YX_CONFIG_NAME_MAX + 1];
	char park_id[YX_CONFIG_ID_MAX + 1]; /* the park's record id */
	uint8_t key[32];                    /* Ed25519 public key of its yrdx-feed */
	uint32_t open_cases;                /* 1: policy lets it see open relay cases
	                                     * whose enterprise fits its industries */
} yx_park_conf_t;

/* A loaded configuration: every value effective (defaults filled in), every path
 * absolute. Owned by the caller of yx_config_load, freed with yx_config_free; the
 * peers and parks arrays belong to it and are sorted by name. */
typedef struct yx_config {
	char path[YX_CONFIG_PATH_MAX]; /* absolute path of the file */
	char dir[YX_CONFIG_PATH_MAX];  /* its directory: base of relative paths */

	char name[YX_CONFIG_NAME_MAX + 1]; /* node/name */
	uint32_t city;                     /* node/city, GB/T 2260 */
	char data_dir[YX_CONFIG_PATH_MAX]; /* node/data_dir, resolved */
	char key_file[YX_CONFIG_PATH_MAX]; /* node/key_file, resolved */
	int log_level;                     /* node/log_level, a yx_log_level_t */
	uint64_t map_size;                 /* node/map_size: the store's LMDB map, bytes */

	char peer_endpoint[YX_CONFIG_ENDPOINT_MAX]; /* listen/peer */
	char feed_endpoint[YX_CONFIG_ENDPOINT_MAX]; /* listen/feed, "" = off */
	char control_path[YX_CONFIG_SOCKET_MAX];    /* listen/control, resolved */
	char metrics_addr[YX_CONFIG_ADDR_MAX];      /* listen/metrics HOST:PORT, "" = off */
	uint32_t handshake_ms;            /* listen/handshake_ms: a handshake's time to finish */
	uint32_t connections_per_address; /* listen/: open connections one address may hold */

	uint32_t heartbeat_ms;
	uint32_t dead_after_ms; /* >= 2 * heartbeat_ms */
	uint32_t reconnect_min_ms;
	uint32_t reconnect_max_ms; /* >= reconnect_min_ms */
	uint32_t credit;           /* segments in flight towards this node, all peers */
	uint32_t compress_level;   /* zstd level of segments to pullers that offer it; 0: off */
	/* What an admitted puller or park may hold here (sync/...; docs/design.md "Bounds"). */
	uint32_t max_origins;          /* origins one peer's Hello or Tips may name */
	uint32_t pull_sessions_max;    /* pull connections served per peer key */
	uint32_t feed_connections_max; /* feed connections served per park key */
	uint32_t feed_credit_max;      /* events in flight towards one park connection */
	uint32_t feed_scan_max;        /* arrivals one feed pass reads for one park */

	yx_peer_conf_t *peers;
	size_t n_peers;
	yx_park_conf_t *parks;
	size_t n_parks;
} yx_config_t;

/* Whether s is a valid node, peer or park name: 1 to YX_CONFIG_NAME_MAX of [a-z0-9-],
 * not starting with '-'. */
bool yx_config_name_ok(const char *s);

/* Whether v is a peer endpoint another node can connect to: tcp://HOST:PORT. If not,
 * why says so. */
bool yx_config_endpoint_ok(const char *v, char *why, size_t cap);

/* Loads and validates the file at path. Relative paths in it are resolved against the
 * directory path names (not the target of a symlink at path). On YX_OK *out is the
 * caller's, to free with yx_config_free. Returns YX_ECONFIG (diag names file, key path
 * and value; for ZPL syntax errors file and line), -ENOENT/-EACCES/... if the file
 * cannot be read, -ENOMEM, YX_ECRYPTO. *out is untouched on error. */
int yx_config_load(const char *path, yx_config_t **out, yx_diag_t *diag);

/* Frees a configuration and nulls the pointer; accepts NULL. */
void yx_config_free(yx_config_t **cfg);

/* Prints cfg as normalised ZPL that loads back to the same configuration: every key
 * with its effective value, sections in schema order, peers and parks sorted by name,
 * paths absolute, share lists in kind order (or "none"), keys in their text form.
 * Returns YX_OK or -errno if writing to out failed. */
int yx_config_print(const yx_config_t *cfg, FILE *out);

/* A share mask (yx_peer_conf_t.share_mask) as its config text: the kinds in kind order,
 * comma-separated, or "none"; into buf (cap bytes, 160 hold every kind). Returns buf. */
const char *yx_config_share_text(uint32_t mask, char *buf, size_t cap);

/* Lookups; NULL if absent. The result points into cfg. */
const yx_peer_conf_t *yx_config_peer_by_key(const yx_config_t *cfg, const uint8_t key[32]);
const yx_peer_conf_t *yx_config_peer_by_name(const yx_config_t *cfg, const char *name);
const yx_park_conf_t *yx_config_park_by_key(const yx_config_t *cfg, const uint8_t key[32]);
const yx_park_conf_t *yx_config_park_by_name(const yx_config_t *cfg, const char *name);

/* Trust-store edits, made on the file so that `yrdxctl -c FILE peer add ...` and the
 * daemon's SIGHUP reload both see them. Each one loads the file, changes the tree,
 * validates the result exactly as yx_config_load would, and only then replaces the
 * file atomically (temporary file in the same directory with the original's mode and
 * owner, fsync, rename, fsync of the directory); edits of one directory are serialised
 * with flock. A refused edit leaves the file byte for byte as it was.
 *
 * The file is rewritten in the layout yx_config_write_new uses: comments that start in
 * column 0 are kept (zconfig keeps them, all together, at the top of the file);
 * indented and end-of-line comments are not kept by zconfig and are replaced by the
 * schema's standard explanation of each key.
 *
 * Returns YX_OK; YX_ECONFIG if the edit is invalid (bad name, endpoint, key or kinds,
 * a name or key already present, a file that does not load); YX_ENOTFOUND when
 * removing a name that is not there; -errno on I/O failure. diag says which. */
int yx_config_peer_add(const char *path, const char *name, const char *endpoint,
                       const char *pubkey_text, const char *share /* NULL = all kinds */,
                       yx_diag_t *diag);
int yx_config_peer_remove(const char *path, const char *name, yx_diag_t *diag);
int yx_config_park_add(const char *path, const char *name, const char *park_id,
                       const char *pubkey_text, bool open_cases, yx_diag_t *diag);
int yx_config_park_remove(const char *path, const char *name, yx_diag_t *diag);

/* Writes a fresh, commented configuration (for `yrdxctl init`): every key with its
 * default, the given name, city and endpoints (feed_endpoint NULL or "" = feed off),
 * node/map_size as given (NULL = the default, 16G), listen/metrics as given (HOST:PORT;
 * NULL or "" = off), empty peers and parks. Mode 0600;
 * never overwrites: -EEXIST if path exists. The content is validated first (YX_ECONFIG
 * naming the bad value); the file appears complete or not at all. */
int yx_config_write_new(const char *path, const char *name, uint32_t city,
                        const char *peer_endpoint, const char *feed_endpoint, const char *map_size,
                        const char *metrics, yx_diag_t *diag);

#endif
