/* yrdxctl: the administrator's tool for a city node. One file per command (or family of
 * commands), a command table in main.c. Exit codes: 0 ok, 1 operational failure, 2 usage
 * or input error. Tools use libyrdx only: reads may open LMDB read-only, writes go
 * through the daemon's control socket. */
#ifndef YRDXCTL_H
#define YRDXCTL_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "ctlclient.h"
#include "names.h"
#include "store.h"
#include "tiers.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct {
	const char *config_path; /* -c FILE */
	yx_config_t *cfg;        /* loaded for commands that need it */
	bool json;               /* --json: machine-readable output */
	yx_names_t *names;       /* what nodes are called here: ctl_names */
} ctl_t;

typedef int (*ctl_cmd_fn)(ctl_t *ctl, int argc, char **argv);

/* common.c */
/* Prints "yrdxctl: " + message to stderr; returns code for `return ctl_fail(...)`. */
int ctl_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Loads ctl->cfg from -c FILE (or fails with a message naming what to pass). */
int ctl_need_config(ctl_t *ctl);
/* Opens the node's store read-only (works while the daemon runs, and when it does not). */
int ctl_open_store(ctl_t *ctl, yx_store_t **store);
/* One control request to the running daemon; prints why if it is not reachable. */
int ctl_call(ctl_t *ctl, const Yrdx__ControlRequest *req, int timeout_ms,
             Yrdx__ControlReply **reply);
/* ctl_call in two steps, for many requests over one connection (import): connect once
 * (caller closes *conn with yx_ctl_close), then call on it. Both print why they fail. */
int ctl_connect(ctl_t *ctl, yx_ctl_t **conn);
int ctl_call_on(ctl_t *ctl, yx_ctl_t *conn, const Yrdx__ControlRequest *req, int timeout_ms,
                Yrdx__ControlReply **reply);
/* A time (ms since the epoch) as people read it, in local time: "2026-12-06 17:41:02",
 * "never" for 0. Returns out. */
#define CTL_TIME_MAX 32
const char *ctl_time(int64_t time_ms, char out[CTL_TIME_MAX]);
/* The running node's status (cmd_status.c): *reply set (free it with
 * yrdx__control_reply__free_unpacked), or *reply NULL and EXIT_OK when the node is not
 * running (no control socket: nothing printed); otherwise why, printed. */
int ctl_status_if_running(ctl_t *ctl, Yrdx__ControlReply **reply);
/* Records this node lacks that peer p claims, summed over origins (cmd_status.c). */
uint64_t ctl_peer_behind(const Yrdx__StatusReply *s, const Yrdx__PeerStatus *p);
/* Lower-case hex of n bytes into out (2n+1). */
void ctl_hex(const uint8_t *bytes, size_t n, char *out);
/* Prints a JSON value followed by a newline and releases it. */
void ctl_print_json(json_t *value);
/* This node's own public key, from its key file. */
int ctl_self_key(ctl_t *ctl, uint8_t self[32]);
/* Loads ctl->names (names.h) once: the charter store holds (store may be NULL: it is
 * opened for the while), the config and this node's key. A charter that does not verify
 * is said on stderr and the config's names used. EXIT_OK, or why not (no config). */
int ctl_names(ctl_t *ctl, yx_store_t *store);
/* key's label (names.h) in form, from ctl->names (ctl_names first). Returns out. */
const char *ctl_label(ctl_t *ctl, const uint8_t key[32], yx_name_form_t form,
                      char out[YX_NAME_LABEL_MAX]);
/* --origin TEXT as the origin it means (yx_names_resolve), or EXIT_USAGE naming what was
 * wrong, prefixed with what ("list: --origin"). */
int ctl_origin(ctl_t *ctl, const char *what, const char *text, uint8_t origin[32]);
/* The kind text names (singular or plural, any case: yx_kind_from_word), or EXIT_USAGE
 * with a message, prefixed with what ("list"), listing the kinds there are. */
int ctl_kind(const char *what, const char *text, yx_kind_t *kind);
/* The city text names: a GB/T 2260 code, a Chinese name (上海, 杭州) or the name of a
 * node of the federation (hangzhou: its city); or EXIT_USAGE with a message prefixed
 * with what ("list: --city"). */
int ctl_city(ctl_t *ctl, const char *what, const char *text, uint32_t *city);
/* cmd_incubator.c: what an incubator's evaluations made of it (tiers.h) added to its
 * JSON: effective_tier, promotion_candidate and eliminated, enums by name. */
void ctl_tier_json(json_t *j, const yx_tier_t *tier);
/* A subcommand of a command family (relay, joint): argv[1] names it. */
typedef struct {
	const char *name;
	ctl_cmd_fn fn;
} ctl_sub_t;

/* --help, the node's config, then the subcommand argv[1] names from subs (n of them). */
int ctl_run_sub(ctl_t *ctl, int argc, char **argv, const char *help, const ctl_sub_t *subs,
                size_t n);

/* Whether import takes records of kind: the registry's (incubator, enterprise, park,
 * evaluation, financials). Relay events, joints, charter votes and the sharing policy
 * are written by the commands (or the daemon) that check them, never imported. */
bool ctl_importable(yx_kind_t kind);

/* Standard --help handling: true if argv asks for help (the text has been printed). */
bool ctl_wants_help(int argc, char **argv, const char *usage);

/* commands */
int cmd_init(ctl_t *ctl, int argc, char **argv);
int cmd_keygen(ctl_t *ctl, int argc, char **argv);
int cmd_pubkey(ctl_t *ctl, int argc, char **argv);
int cmd_peer(ctl_t *ctl, int argc, char **argv);
int cmd_park(ctl_t *ctl, int argc, char **argv);
int cmd_put(ctl_t *ctl, int argc, char **argv);
int cmd_retract(ctl_t *ctl, int argc, char **argv);
int cmd_get(ctl_t *ctl, int argc, char **argv);
int cmd_list(ctl_t *ctl, int argc, char **argv);
int cmd_incubator(ctl_t *ctl, int argc, char **argv);
int cmd_profile(ctl_t *ctl, int argc, char **argv);
int cmd_stats(ctl_t *ctl, int argc, char **argv);
int cmd_backup(ctl_t *ctl, int argc, char **argv);
int cmd_restore(ctl_t *ctl, int argc, char **argv);
int cmd_relay(ctl_t *ctl, int argc, char **argv);
int cmd_joint(ctl_t *ctl, int argc, char **argv);
int cmd_import(ctl_t *ctl, int argc, char **argv);
int cmd_export(ctl_t *ctl, int argc, char **argv);
int cmd_digest(ctl_t *ctl, int argc, char **argv);
int cmd_verify(ctl_t *ctl, int argc, char **argv);
int cmd_status(ctl_t *ctl, int argc, char **argv);
int cmd_sync(ctl_t *ctl, int argc, char **argv);
int cmd_charter(ctl_t *ctl, int argc, char **argv);
/* cmd_amend.c: the charter's amendments through the federation (charter propose, charter
 * sign ID, charter status); argv[1] is the subcommand. */
int cmd_charter_propose(ctl_t *ctl, int argc, char **argv);
int cmd_charter_vote(ctl_t *ctl, int argc, char **argv);
int cmd_charter_status(ctl_t *ctl, int argc, char **argv);

#endif
