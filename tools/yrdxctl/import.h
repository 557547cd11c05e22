/* import: the parts of yrdxctl import. cmd_import.c is the command and pass 1, which
 * converts and checks every row once and spools the good ones; import_read.c reads a
 * file's rows as records (CSV or NDJSON); import_send.c sends the spooled records to
 * the daemon in batches (pass 2). */
#ifndef YRDXCTL_IMPORT_H
#define YRDXCTL_IMPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "charter.h"
#include "csvrec.h"
#include "evalrules.h"
#include "text.h"
#include "yrdxctl.h"

/* Envelope bytes the daemon adds to a record: origin, prev_hash, seq, time_ms. */
#define ENVELOPE_BYTES 96

typedef enum { FMT_CSV, FMT_NDJSON } format_t;

/* Why a row is bad, as printed: room for a long path before a library's full diag. */
typedef struct {
	int err; /* YX_EINVAL: the input; else the machine (-EIO, -ENOMEM) */
	char msg[sizeof(((yx_diag_t *)0)->msg) + 512];
} rowmsg_t;

/* Sets m; returns err. */
int msg_set(rowmsg_t *m, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- import_read.c: rows of a file as records ---- */

typedef struct {
	const char *path;
	format_t fmt;
	yx_kind_t kind; /* of every row of a CSV; of bare NDJSON lines (NONE: they name it) */
	FILE *f;
	yx_csv_reader_t *reader;
	yx_csv_header_t *header;
	yx_csv_row_t row;
	char *header_raw;
	size_t header_raw_len;
	char *line; /* NDJSON */
	size_t line_len;
	unsigned long lineno;
	/* the current row */
	unsigned long at;
	const char *raw;
	size_t raw_len;
	size_t cells;
	bool malloced; /* its record came from malloc (NDJSON), not the arena */
} source_t;

/* The kinds import takes (ctl_importable), YX_KIND_NONE-terminated. */
extern const yx_kind_t import_csv_kinds[];

/* Opens the file and, for a CSV, reads and binds its header (of s->kind; with none given,
 * of the one kind whose columns it names). EXIT_OK or an exit code
 * with the message printed. */
int source_open(source_t *s);

/* The next row as a record, built in arena (a CSV's) or with malloc (NDJSON: s->malloced;
 * source_drop frees it). 1: a row (*record set, or diag says why it is bad; the row's text
 * is s->raw); 0: the end; -1: the file cannot be read on (diag). */
int source_next(source_t *s, yx_arena_t *arena, yx_kind_t *kind, void **record, rowmsg_t *diag);

/* Lets go of the record source_next returned. */
void source_drop(source_t *s, yx_kind_t kind, void **record);

void source_close(source_t *s);

/* ---- import_send.c: the checked records, spooled, then sent ---- */

/* Pass 1's good rows as packed records in an unlinked temporary file (TMPDIR): pass 2
 * sends what pass 1 converted and checked, without reading the input again. */
typedef struct {
	FILE *f;
	char dir[PATH_MAX];
	yx_buf_t buf;
	uint64_t n;
} spool_t;

/* Creates the file. EXIT_OK or an exit code with the message printed. */
int spool_open(spool_t *sp);

/* Appends record (len bytes packed, as protobuf_c_message_get_packed_size says) of kind,
 * from line. EXIT_OK or an exit code with the message printed. */
int spool_put(spool_t *sp, yx_kind_t kind, unsigned long line, const ProtobufCMessage *record,
              size_t len);

void spool_close(spool_t *sp);

typedef struct {
	ctl_t *ctl;
	source_t src;
	bool dry_run;
	const char *rejects_path;
	FILE *rejects;
	bool rejects_header;
	spool_t spool; /* not for a dry run */
	/* With a charter installed, this node's jurisdiction (管辖范围): its member entry
	 * in the current version, or its own city while it is no member. */
	bool charter;
	yx_member_t juris;
	/* The store (read-only, NULL if none yet) and its own log's origin (has_origin:
	 * it has one): a row that is a record another origin's log holds, and this one's
	 * does not, is refused by name (an export of every origin read back); evaluations
	 * are checked against the registry (evalrules.h), the rows checked so far counted
	 * as stored. */
	yx_store_t *store;
	yx_snap_t *snap; /* pass 1's one view of the store (other_origin), NULL otherwise */
	bool has_origin;
	uint8_t origin[YX_KEY_BYTES];
	yx_evalrules_t *rules;
	/* pass 1 */
	uint64_t rows, bad;
	/* pass 2 */
	uint64_t imported, unchanged;
	uint64_t relocated;         /* of the unchanged: left through relay cases, not written */
	uint8_t self[YX_KEY_BYTES]; /* the node's key: its own log is where rows go */
	uint64_t tip;               /* its own log's last seq, as of the last answer */
	/* progress on a terminal */
	bool progress;
	double t0, shown;
} import_t;

double import_now(void);

/* A row's change envelope, pointing at record (not owned). */
static inline void import_wrap(Yrdx__Change *c, yx_kind_t kind, void *record)
{
	yrdx__change__init(c);
	yx_change_set_body(c, kind, record);
	c->id = (char *)yx_change_body_id(c);
}

/* "\rwhat: done / total rows ..." on stderr, at most five times a second (last: the
 * final one, then cleared). */
void import_progress(import_t *im, const char *what, uint64_t done, uint64_t total, bool last);

/* The daemon answers a status request: fail now, not after checking a big file. Notes
 * the node's key and its own log's tip (where the import's rows will go). EXIT_OK or an
 * exit code with the message printed. */
int import_ready(import_t *im, yx_ctl_t *conn);

/* Pass 2: the spooled records to the daemon over conn, in batches each committed whole.
 * EXIT_OK or an exit code with what was committed and what to do next printed. */
int import_send(import_t *im, yx_ctl_t *conn);

#endif
