/* config_int: what the config module's files share, seen by no other module (include
 * config.h instead). The module is split by job:
 *
 *   config_schema.c  the schema table; messages naming file, key and value; typo hints
 *   config_value.c   one value of each type: parsed from text, formatted back
 *   config.c         loading: file -> ZPL tree -> yx_config_t, the rules across keys
 *   config_print.c   ZPL out: the normalised print and the layout of files written
 *   config_edit.c    trust-store edits and new files, installed atomically */
#ifndef YRDX_CONFIG_INT_H
#define YRDX_CONFIG_INT_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"

#define KEY_PATH_MAX 160 /* "peers/<name>/public_key" */

#define NAME_RULE "1 to 32 characters of a-z, 0-9 and - (not starting with -)"

/* ---- schema (config_schema.c) ---- */

typedef enum {
	T_STRING,   /* one line of printable UTF-8 (park ids, as in park records) */
	T_NAME,     /* node, peer and park names: [a-z0-9-], 1..32, not starting with '-' */
	T_PATH,     /* file or directory, relative to the config file's directory */
	T_ENDPOINT, /* ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH where F_IPC */
	T_ADDR,     /* HOST:PORT */
	T_U32,      /* decimal within [min, max] */
	T_PUBKEY,   /* Ed25519 public key in its 44-character base64 text form */
	T_KINDS,    /* comma list of record kind names, "all" or "none" */
	T_LEVEL,    /* log level name */
	T_CITY,     /* GB/T 2260 code of a Yangtze River Delta city */
	T_SIZE,     /* bytes: a whole number, or with K, M, G or T (powers of 1024) */
} item_type_t;

enum {
	F_REQUIRED = 1 << 0, /* no default: the file must give it */
	F_OFF = 1 << 1,      /* "" is allowed and turns the feature off */
	F_IPC = 1 << 2,      /* ipc://PATH allowed besides tcp:// */
	F_BIND = 1 << 3,     /* an endpoint to bind: host may be '*' */
	F_SOCKET = 1 << 4,   /* a UNIX socket path: sun_path limits its length */
};

typedef struct {
	const char *name;
	item_type_t type;
	unsigned flags;
	const char *def;     /* default in text form, parsed like a value from the file */
	uint32_t min, max;   /* range of a T_U32 */
	size_t offset, size; /* the field in yx_config_t, yx_peer_conf_t or yx_park_conf_t */
	const char *doc;     /* written above the key in files this module writes */
} item_t;

typedef enum { SEC_NODE, SEC_LISTEN, SEC_SYNC, SEC_PEERS, SEC_PARKS, SEC_COUNT } section_id_t;

typedef struct {
	const char *name;
	section_id_t id;
	const char *entry;   /* maps (peers, parks): what one named entry is */
	const item_t *items; /* keys of the section, or of each entry of a map */
	size_t n_items;
	const char *doc;
} section_t;

/* The schema: every section in file order, indexed by section_id_t. */
extern const section_t config_sections[SEC_COUNT];

/* Where a value came from, for messages: the file as the caller named it. */
typedef struct {
	const char *file;
	const char *dir; /* absolute: base of relative paths */
	yx_diag_t *diag;
} ctx_t;

/* Sets c's diag to "FILE: KEY: "VALUE": WHY", or "FILE: KEY: WHY" when value is NULL;
 * the value is quoted with its control bytes escaped. Returns YX_ECONFIG. */
__attribute__((format(printf, 4, 5))) int config_fail(const ctx_t *c, const char *key,
                                                      const char *value, const char *fmt, ...);

/* Writes "prefix/name" in buf (KEY_PATH_MAX bytes; prefix may be buf itself), cut with
 * "..." if too long. Returns buf. */
const char *config_key_path(char *buf, const char *prefix, const char *name);

/* The name closest to word (within two edits) among n structs of the given stride whose
 * first member is a const char *name; NULL if none is close. Points into base. */
const char *config_suggest(const char *word, const void *base, size_t n, size_t stride);

/* " (did you mean "x"?)" written in buf, or "" (static) when guess is NULL. */
const char *config_did_you_mean(char *buf, size_t cap, const char *guess);

/* The schema's section or item of that name; NULL if there is none. */
const section_t *config_section_find(const char *name);
const item_t *config_item_find(const section_t *sec, const char *name);

/* ---- values (config_value.c) ---- */

/* true if s is a node, peer or park name (NAME_RULE). */

/* dir + "/" + p (or p if absolute) with ".", ".." and repeated slashes removed, in out;
 * false if the result does not fit in cap bytes. */
bool config_path_resolve(const char *dir, const char *p, char *out, size_t cap);

/* A decimal number of at most 10 digits that fits 32 bits: true and *out, or false. */
bool config_u32_parse(const char *v, uint32_t *out);

/* Parses the value v of key (full path, for messages) into dst as item it says; dst is
 * the item's field (it->size bytes). Returns YX_OK or YX_ECONFIG (diag naming key and
 * value). */
int config_value_parse(const ctx_t *c, const char *key, const item_t *it, const char *v, void *dst);

/* Text form of the item's field in base (a yx_config_t, yx_peer_conf_t or
 * yx_park_conf_t) as yx_config_print shows it, written in buf. */
void config_value_format(const item_t *it, const void *base, char *buf, size_t cap);

/* ---- loading (config.c) ---- */

/* Parses ZPL text with zconfig. Returns the tree (caller destroys), or NULL with why
 * filled in ("line 3: indent 4 spaces at once"). Writes nothing to stdout. */
zconfig_t *config_zpl_parse(const char *text, size_t len, char *why, size_t cap);

/* Reads and parses the file at path: YX_OK and *root (caller destroys) and *st, or an
 * error naming the file: -errno if it cannot be read, YX_ECONFIG if it is no config
 * file or no ZPL, -ENOMEM. */
int config_tree_load(const char *path, zconfig_t **root, struct stat *st, yx_diag_t *diag);

/* The absolute form of path without following a symlink at path itself: the real
 * directory in dir and dir + the file name in abs. YX_OK, or -errno if the directory
 * cannot be resolved (no diag). */
int config_path_locate(const char *path, char abs[YX_CONFIG_PATH_MAX],
                       char dir[YX_CONFIG_PATH_MAX]);

/* The loader proper, shared by yx_config_load and the edits: validates the tree and
 * builds the configuration. file names the file in messages; abs and dir are absolute.
 * On YX_OK *out is the caller's (yx_config_free); else YX_ECONFIG, YX_ECRYPTO or
 * -ENOMEM and *out untouched. */
int config_from_tree(zconfig_t *root, const char *file, const char *abs, const char *dir,
                     yx_config_t **out, yx_diag_t *diag);

/* ---- ZPL out (config_print.c) ---- */

/* Writes a validated tree in the layout of this module's files: the tree's root
 * comments first, then each section with the schema's explanation of every key as
 * indented comments. Errors show in ferror(f). */
void config_tree_write(FILE *f, zconfig_t *root);

#endif
