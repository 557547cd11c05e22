/* yrdx error space: 0 is success, -errno values pass through, project codes sit below
 * -1000. Every outside library's errors are translated in exactly one place (LMDB in
 * store.c, libsodium in keys.c/chain.c) so callers only ever see these codes. */
#ifndef YRDX_ERROR_H
#define YRDX_ERROR_H

#include <stdbool.h>
#include <stddef.h>

enum {
	YX_OK = 0,
	YX_EINVAL = -1001,    /* input failed validation (a diag says which field) */
	YX_EDECODE = -1002,   /* bytes are not a well-formed message */
	YX_ENOTFOUND = -1003, /* no such record, origin or entry */
	YX_ECHAIN = -1004,    /* hash chain broken: a link does not match */
	YX_ESIG = -1005,      /* head signature does not verify against the origin key */
	YX_EGAP = -1006,      /* batch starts past the local tip: changes missing */
	YX_EFORK = -1007,     /* same (origin, seq) with a different hash */
	YX_ESCHEMA = -1008,   /* store written by an older or unknown schema */
	YX_ENEWER = -1009,    /* store written by a newer schema than this build */
	YX_ENOSPC = -1010,    /* disk full: the store's filesystem has no space left */
	YX_EKEYPERM = -1011,  /* key file readable by group or others */
	YX_EKEY = -1012,      /* key file malformed or inconsistent */
	YX_ECORRUPT = -1013,  /* stored data does not match what was written */
	YX_ETOOBIG = -1014,   /* message or batch exceeds its size limit */
	YX_EBUSY = -1015,     /* resource locked by another process */
	YX_ECRYPTO = -1016,   /* libsodium could not be initialised */
	YX_ESTORE = -1017,    /* other storage engine failure (logged with detail) */
	YX_ECONFIG = -1018,   /* configuration invalid (a diag says where) */
	YX_EMAPFULL = -1019,  /* the store's LMDB map is full: raise node/map_size */
	YX_EFENCED = -1020,   /* local writes wait until the node holds its own latest log */
	YX_EREFUSED = -1021,  /* the charter refuses it: not a member, revoked, outside the
	                       * origin's jurisdiction (a diag says which) */
	YX_ESTUB = -1022,     /* held as a stub only: its body was withheld or has not come */
};

/* Returns a static, human-readable description of err (never NULL). */
const char *yx_strerror(int err);

/* True for the two ways a store runs out of room: its map is full (YX_EMAPFULL) or its
 * disk is (YX_ENOSPC). Nothing of the failed transaction was written; the same write
 * succeeds once there is room again, so callers back off and retry instead of giving
 * up or spinning. */
bool yx_err_is_store_full(int err);

struct ProtobufCMessageDescriptor;
struct ProtobufCFieldDescriptor;

#define YX_PATH_MAX 6 /* fields a path holds; deeper ones are counted, not kept */

/* A field inside a message as the schema names it: the record message, then a field of
 * it (an element of it, if repeated), a field of that field's message, and so on. Paths
 * are built, printed and compared by reflect.h; this header only holds them, so that
 * every diag can carry one. */
typedef struct {
	const struct ProtobufCMessageDescriptor *root; /* NULL: the diag names no field */
	unsigned depth;
	struct {
		const struct ProtobufCFieldDescriptor *field;
		long index; /* the element of a repeated field, or -1 */
	} step[YX_PATH_MAX];
} yx_path_t;

/* A diagnostic for input errors: names the field (or file:line:column) and the value.
 * Functions that take a yx_diag_t fill it when they return YX_EINVAL/YX_EDECODE/...
 * A diag about a field of a record (validate.c, json.c) also holds the field itself,
 * so that a caller can say it in its own terms (a CSV column) without reading msg. */
typedef struct {
	char msg[1024];
	yx_path_t path; /* path.root NULL unless msg is "<path>: <what>" */
	unsigned what;  /* with a path: where <what> starts in msg */
} yx_diag_t;

/* Writes a formatted message into diag (if diag is not NULL), naming no field; returns
 * err unchanged so it can be used as `return yx_diag_set(d, YX_EINVAL, "...", ...)`. */
int yx_diag_set(yx_diag_t *diag, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Writes a formatted reason (what is wrong with a value, before anyone says where) into
 * why, size bytes; returns err, as yx_diag_set. */
int yx_why(char *why, size_t size, int err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
