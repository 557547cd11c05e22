/* Test fixtures: scratch directories, realistic records built in caller-owned storage
 * (no heap, nothing to free) and hand-built origin logs. Shared by the unit tests and the
 * benchmarks. */
#ifndef YRDX_FIXTURES_H
#define YRDX_FIXTURES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "store.h"

/* A fresh, empty directory under $YRDX_TEST_TMP (or /tmp) whose name starts with tag;
 * caller frees the string. Aborts the test run if it cannot be made. */
char *fx_tmpdir(const char *tag);

/* Removes dir and everything in it; accepts NULL. */
void fx_rmtree(const char *dir);

/* "dir/name"; caller frees. */
char *fx_path(const char *dir, const char *name);
/* The whole file, NUL-terminated, its length in *len (may be NULL); NULL if it cannot be
 * read. Caller frees. */
char *fx_read_file(const char *path, size_t *len);
/* Writes text to path (replacing it, a new inode) and gives it mode; aborts the run if it
 * cannot. */
void fx_write_file(const char *path, const char *text, mode_t mode);

/* A node's parts for a test: a store in a fresh scratch directory and a new identity. */
typedef struct {
	char *dir;
	yx_store_t *store;
	yx_identity_t *id;
} fx_node_t;

/* Opens n under a directory whose name starts with tag; aborts the run if it cannot. */
void fx_node_open(fx_node_t *n, const char *tag);
/* Closes the store, frees the identity, removes the directory. */
void fx_node_close(fx_node_t *n);
/* Puts enterprises [first, first+count) (fx_enterprise_init) in one batch of store's own
 * log, signed by id, and commits it (*head gets its head; may be NULL): the first error of
 * a put (said in *d, if d) or of the commit. The batch is gone either way. */
int fx_try_put_enterprises(yx_store_t *store, const yx_identity_t *id, uint32_t first,
                           uint32_t count, yx_head_t *head, yx_diag_t *d);
/* The same on n, aborting with what the store said if it refuses; the batch's head. */
yx_head_t fx_put_enterprises(fx_node_t *n, uint32_t first, uint32_t count);

/* The seed of a test's random choices: $YRDX_SEED if set (the variable the integration
 * tests read too), else drawn from the clock. Printed on stderr with the way to repeat
 * the run, tagged with test. Aborts on a YRDX_SEED that is not a number. */
uint64_t fx_seed(const char *test);

/* The next number from a seeded generator (splitmix64) whose state starts as the seed:
 * the same sequence for the same seed on every machine and libc. */
uint64_t fx_rand(uint64_t *state);

/* A valid unified social credit code, different for every i. */
void fx_credit_code(uint32_t i, char out[19]);

typedef struct {
	Yrdx__Enterprise e;
	Yrdx__EnterpriseFinancials fin;
	char code[19];
	char name[64];
	char incubator[32];
	char *incubators[1];
	Yrdx__Industry industries[2];
	Yrdx__Qualification qualifications[2];
} fx_enterprise_t;

/* Fills f with enterprise number i (valid, about 200 bytes encoded). */
void fx_enterprise_init(fx_enterprise_t *f, uint32_t i);

typedef struct {
	Yrdx__Incubator inc;
	char id[32];
	char name[64];
	Yrdx__Industry industries[3];
	Yrdx__ServicePlatform platforms[2];
} fx_incubator_t;

/* Fills f with incubator number i (valid). */
void fx_incubator_init(fx_incubator_t *f, uint32_t i);

typedef struct {
	Yrdx__Park park;
	char id[32];
	char name[64];
	Yrdx__Industry industries[2];
} fx_park_t;

/* Fills f with park number i (valid; in one of the four provinces' cities). */
void fx_park_init(fx_park_t *f, uint32_t i);

#define FX_DOSSIER_BYTES 304 /* 48 bytes of sealed-box overhead + 256 of "材料" */

typedef struct {
	Yrdx__RelayEvent ev;
	Yrdx__ChangeRef answers;
	char id[72];      /* "<case id>/<type>" */
	char case_id[56]; /* YX_CASE_ID_MAX + 1 */
	char code[19];
	char source[32];
	char park_id[32];
	char note[96];
	uint8_t destination[32];
	uint8_t answers_origin[32];
	uint8_t answers_hash[32];
	uint8_t dossier[FX_DOSSIER_BYTES];
} fx_relay_event_t;

/* Fills f with an ACCEPT event of relay case i (valid): it answers the case's PROPOSE
 * (answers set) and carries a destination node and a sealed dossier, so every field is
 * populated. For a valid PROPOSE set ev.type to PROPOSE and ev.answers to NULL. Keys,
 * hash and dossier are deterministic filler bytes, not real keys or ciphertext. */
void fx_relay_event_init(fx_relay_event_t *f, uint32_t i);

typedef struct {
	Yrdx__JointParticipation jp;
	uint8_t keys[3][32];
	ProtobufCBinaryData parties[3];
	char incubator_id[3][32];
	char *incubator_ids[3];
	char id[48];
	char code[19];
	char role[16];
} fx_joint_t;

/* Fills f with this party's participation in joint agreement i (valid): three parties,
 * three incubators, the first party's incubator as its own, role "lead". */
void fx_joint_init(fx_joint_t *f, uint32_t i);

typedef struct {
	Yrdx__Evaluation ev;
	Yrdx__DimensionScore score[5];
	Yrdx__DimensionScore *scores[5];
	char id[48];
	char incubator_id[32];
	char period[8];
} fx_evaluation_t;

/* Fills f with evaluation i of incubator i (valid): all five dimensions scored. */
void fx_evaluation_init(fx_evaluation_t *f, uint32_t i);

typedef struct {
	Yrdx__Change c;
	Yrdx__Tombstone tomb;
	uint8_t origin[32];
	uint8_t prev_hash[32];
	char reason[64];
} fx_change_t;

/* Wraps record (a Yrdx__Incubator* etc. matching kind) in change seq of a fixed test
 * origin: prev_hash filler (zeros for seq 1), change id taken from the body. The change
 * points into f and record; nothing is copied. */
void fx_change_init(fx_change_t *f, yx_kind_t kind, void *record, uint64_t seq);

/* Fills f with a tombstone retracting (kind, id) as change seq; points at id. */
void fx_tombstone_init(fx_change_t *f, yx_kind_t kind, const char *id, uint64_t seq);

/* ---- an origin's log built by hand, as its peer would send it ------------------ */

#define FX_LOG_MAX 64

/* Changes of one origin, encoded, chained (chain.h) and closed by a head the origin
 * signs, without a store: what yx_remote_append must accept, and, altered, refuse. The
 * pending entries (e[0..n)) form one segment; fx_log_clear starts the next after them. */
typedef struct {
	const yx_identity_t *id;
	uint64_t seq;                /* of the last change appended; 0 before any */
	uint8_t hash[YX_HASH_BYTES]; /* H(seq); zeros before any */
	size_t n;                    /* entries pending */
	yx_entry_t e[FX_LOG_MAX];
	uint8_t *bytes[FX_LOG_MAX];                /* owned, freed by fx_log_clear */
	uint8_t digest[FX_LOG_MAX][YX_HASH_BYTES]; /* D of each pending entry */
	uint8_t chain[FX_LOG_MAX][YX_HASH_BYTES];  /* H of each pending entry */
	yx_head_t head;                            /* set by fx_log_sign */
} fx_log_t;

/* An empty log of id's origin (id must outlive it). */
void fx_log_init(fx_log_t *log, const yx_identity_t *id);

/* Appends record (kind) as the origin's next change, written at time_ms: the envelope
 * (origin, seq, prev_hash, time, id) is filled here. Aborts if it does not encode. */
void fx_log_append(fx_log_t *log, yx_kind_t kind, void *record, int64_t time_ms);

/* Appends already encoded change bytes as the next entry, whatever envelope they carry
 * (for changes whose envelope lies); the log takes ownership of bytes (malloc'd). */
void fx_log_append_bytes(fx_log_t *log, uint8_t *bytes, size_t len);

/* Signs log->head over the last change appended, at time_ms. */
void fx_log_sign(fx_log_t *log, int64_t time_ms);

/* Frees the pending entries; the chain goes on from log->seq. */
void fx_log_clear(fx_log_t *log);

/* Re-signs head as a version 1 head (no policy seq), as a store from before version 2
 * keeps them: over "yrdx-head-v1" || origin || seq || hash || time, built here. */
void fx_head_sign_v1(yx_head_t *head, const yx_identity_t *id);

/* A signer rule (yx_rules_t.signer, arg an fx_rotated_t) for one rotated origin: its first
 * key signs heads up to seq after, the next key those past it (what the charter's rule
 * says of it); every other origin signs with its own key. */
typedef struct {
	uint8_t origin[YX_KEY_BYTES];
	uint64_t after;
	uint8_t next[YX_KEY_BYTES];
} fx_rotated_t;
const uint8_t *fx_rotated_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq);

#endif
