/* A small real node for the fuzz harnesses of the daemon's decoders: a yxd_t with no
 * sockets, its store in a scratch directory, built once per process. Keys and times are
 * fixed, so the messages a seed corpus holds (signed segments, case and agreement ids)
 * stay valid from run to run.
 *
 * What the store holds:
 *   this node ("fuzzcity"): an incubator, an enterprise and the park "fuzzpark" serves;
 *   the peer "othercity" (FZ_OTHER_SEQS changes, appended as a verified segment): an
 *   enterprise, a relay PROPOSE addressed to fuzzpark here (case FZ_CASE_ID), and its
 *   participation in a joint agreement with this node (FZ_AGREEMENT_ID).
 * The peer's next segment (FZ_NEXT_SEQS more changes, signed) is kept aside: the valid
 * Segment a peer fuzz seed starts from. */
#ifndef YRDX_FUZZ_NODE_H
#define YRDX_FUZZ_NODE_H

#include "fixtures.h"
#include "verify.h"
#include "yrdxd.h"

#define FZ_OTHER_SEQS   3
#define FZ_NEXT_SEQS    2
#define FZ_CASE_ID      "othercity-2"
#define FZ_AGREEMENT_ID "othercity-3"

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	yx_peer_conf_t peer;
	yx_park_conf_t park;
	char *dir;
	yx_identity_t *other;
	fx_log_t next; /* the peer's next segment, not in the store */
} fz_node_t;

/* The process's node, built at the first call; aborts if it cannot be. */
fz_node_t *fz_node_get(void);

/* The peer's next segment as the Segment message a peer sends; caller frees *bytes. */
void fz_node_next_segment(fz_node_t *n, uint8_t **bytes, size_t *len);

/* With YRDX_FUZZ_VERBOSE set, says on stderr what an input came to (for seeds). */
void fz_note(const char *what, int ret, const yx_diag_t *diag);

#endif
