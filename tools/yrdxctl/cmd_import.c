/* import: a registry file of this node's records, CSV or NDJSON, read twice. Pass 1 checks
 * every row (conversion, validation, duplicate keys) without writing anything, so a file
 * with errors imports nothing unless --skip-invalid sets its bad rows aside. Pass 2 sends
 * the rows to the daemon in batches of about BATCH_RECORDS over one connection, with
 * skip_unchanged: importing the same file again writes nothing.
 *
 * Each batch is one transaction at the daemon, committed whole or not at all; the import
 * as a whole is not (a transaction held open across batches would stop the node's
 * receiving and every other local write for the whole import). An import that stops
 * half way says how many rows were committed, and running it again completes it: the
 * node stopping shows at once (the control connection closes), and what the batch in
 * flight did is read from the store.
 *
 * Both passes stream the file. Pass 2 builds each batch's records in one arena, so a row
 * costs no malloc; pass 1 keeps only a bit per row and a hash per key. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <getopt.h>

#include "csvrec.h"
#include "json.h"
#include "validate.h"
#include "yrdxctl.h"

#define BATCH_RECORDS     5000
#define BATCH_BYTES       (6u << 20) /* a PutRequest stays under this */
#define IMPORT_TIMEOUT_MS 60000      /* one batch committed, fsync included, on a busy node */
#define READY_TIMEOUT_MS  10000      /* a status request */
#define SHOW_ERRORS       100        /* bad rows printed; the rest are counted */
#define NDJSON_LINE_MAX   (1u << 20)
#define ARENA_BLOCK       (1u << 20)
/* Envelope bytes the daemon adds to a record: origin, prev_hash, seq, time_ms. */
#define ENVELOPE_BYTES 96

typedef enum { FMT_CSV, FMT_NDJSON } format_t;

/* ---- kind names, singular and plural ---- */

static const struct {
	const char *word;
	yx_kind_t kind;
} kind_words[] = {
        {"incubators", YX_KIND_INCUBATOR},
        {"incubator", YX_KIND_INCUBATOR},
        {"enterprises", YX_KIND_ENTERPRISE},
        {"enterprise", YX_KIND_ENTERPRISE},
        {"parks", YX_KIND_PARK},
        {"park", YX_KIND_PARK},
        {"relay-events", YX_KIND_RELAY_EVENT},
        {"relay-event", YX_KIND_RELAY_EVENT},
        {"joint-participations", YX_KIND_JOINT},
        {"joint-participation", YX_KIND_JOINT},
        {"joints", YX_KIND_JOINT},
        {"joint", YX_KIND_JOINT},
        {"evaluations", YX_KIND_EVALUATION},
        {"evaluation", YX_KIND_EVALUATION},
};

static char lower_dash(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c == '_' ? '-' : c;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The one kind a file name names as a word ("shanghai-enterprises.csv"); YX_KIND_NONE
 * if none, and *several set if more than one. */
static yx_kind_t kind_from_path(const char *path, bool *several)
{
	const char *base = strrchr(path, '/');
	char name[256];
	yx_kind_t found = YX_KIND_NONE;
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	for (size_t i = 0; i < n; i++)
		name[i] = lower_dash(base[i]);
	name[n] = '\0';
	*several = false;
	for (size_t i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++) {
		size_t wl = strlen(kind_words[i].word);
		for (const char *p = strstr(name, kind_words[i].word); p;
		     p = strstr(p + 1, kind_words[i].word)) {
			if ((p > name && word_char(p[-1])) || word_char(p[wl]))
				continue;
			if (found != YX_KIND_NONE && found != kind_words[i].kind)
				*several = true;
			found = kind_words[i].kind;
		}
	}
	return found;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* By extension, else by the first byte that is not a BOM or white space. */
static format_t detect_format(const char *path, FILE *f)
{
	unsigned char head[64];
	size_t n, i = 0;

	if (has_suffix(path, ".csv"))
		return FMT_CSV;
	if (has_suffix(path, ".ndjson") || has_suffix(path, ".jsonl") || has_suffix(path, ".json"))
		return FMT_NDJSON;
	n = fread(head, 1, sizeof(head), f);
	rewind(f);
	if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	return i < n && head[i] == '{' ? FMT_NDJSON : FMT_CSV;
}

/* ---- an arena for one batch of records ---- */

typedef struct block {
	struct block *next;
	size_t size, used;
	max_align_t mem[];
} block_t;

typedef struct {
	block_t *head, *cur;
	ProtobufCAllocator pa;
} arena_t;

static void *arena_alloc(void *data, size_t size)
{
	arena_t *a = data;
	size = (size + 15) & ~(size_t)15;
	while (a->cur && a->cur->used + size > a->cur->size) {
		if (!a->cur->next)
			break;
		a->cur = a->cur->next;
		a->cur->used = 0;
	}
	if (!a->cur || a->cur->used + size > a->cur->size) {
		size_t bytes = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		block_t *b = malloc(sizeof(*b) + bytes);
		if (!b)
			return NULL;
		b->size = bytes;
		b->used = 0;
		b->next = NULL;
		if (a->cur) {
			b->next = a->cur->next;
			a->cur->next = b;
		} else {
			a->head = b;
		}
		a->cur = b;
	}
	void *p = (char *)a->cur->mem + a->cur->used;
	a->cur->used += size;
	return p;
}

static void arena_nofree(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void arena_init(arena_t *a)
{
	a->head = a->cur = NULL;
	a->pa.alloc = arena_alloc;
	a->pa.free = arena_nofree;
	a->pa.allocator_data = a;
}

/* Forgets everything allocated, keeping the blocks. */
static void arena_reset(arena_t *a)
{
	a->cur = a->head;
	if (a->cur)
		a->cur->used = 0;
}

static void arena_free_all(arena_t *a)
{
	for (block_t *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->cur = NULL;
}

/* ---- the keys seen: a duplicate row is an error ---- */

/* Two independent 64-bit hashes of (kind, id): equal keys are found by their hashes
 * alone, without keeping a million ids (a false match needs a 128-bit collision). */
typedef struct {
	uint64_t a, b;
	unsigned long line;
} key_slot_t;

typedef struct {
	key_slot_t *slots;
	size_t cap, n;
} keyset_t;

static void key_hash(yx_kind_t kind, const char *id, uint64_t *a, uint64_t *b)
{
	uint64_t h1 = 0xcbf29ce484222325ull ^ (uint64_t)kind,
	         h2 = 0x9e3779b97f4a7c15ull + (uint64_t)kind;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		h1 = (h1 ^ *p) * 0x100000001b3ull;
		h2 = (h2 ^ *p) * 0xff51afd7ed558ccdull;
		h2 ^= h2 >> 29;
	}
	*a = h1 | 1; /* 0 marks a free slot */
	*b = h2;
}

/* Adds the key; returns 0, the line it was first seen on, or -1 out of memory. */
static long keyset_add(keyset_t *ks, yx_kind_t kind, const char *id, unsigned long line)
{
	uint64_t a, b;

	if (ks->n * 4 >= ks->cap * 3) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		key_slot_t *s = calloc(cap, sizeof(*s));
		if (!s)
			return -1;
		for (size_t i = 0; i < ks->cap; i++) {
			if (!ks->slots[i].a)
				continue;
			size_t k = ks->slots[i].a & (cap - 1);
			while (s[k].a)
				k = (k + 1) & (cap - 1);
			s[k] = ks->slots[i];
		}
		free(ks->slots);
		ks->slots = s;
		ks->cap = cap;
	}
	key_hash(kind, id, &a, &b);
	size_t k = a & (ks->cap - 1);
	for (; ks->slots[k].a; k = (k + 1) & (ks->cap - 1))
		if (ks->slots[k].a == a && ks->slots[k].b == b)
			return (long)ks->slots[k].line;
	ks->slots[k] = (key_slot_t){a, b, line};
	ks->n++;
	return 0;
}

/* ---- reading the file: rows of either format ---- */

/* Why a row is bad, as printed: room for a long path before a library's full diag. */
typedef struct {
	int err; /* YX_EINVAL: the input; else the machine (-EIO, -ENOMEM) */
	char msg[sizeof(((yx_diag_t *)0)->msg) + 512];
} rowmsg_t;

static int msg_set(rowmsg_t *m, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int msg_set(rowmsg_t *m, int err, const char *fmt, ...)
{
	va_list ap;
	m->err = err;
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	return err;
}

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

static void source_close(source_t *s)
{
	yx_csv_header_destroy(&s->header);
	yx_csv_reader_destroy(&s->reader);
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	free(s->header_raw);
	s->header_raw = NULL;
	free(s->line);
	s->line = NULL;
}

/* Opens the file and, for a CSV, reads and binds its header. EXIT_OK or an exit code
 * with the message printed. */
static int source_open(source_t *s)
{
	yx_diag_t diag = {{0}};
	int ret;

	s->f = fopen(s->path, "rb");
	if (!s->f)
		return ctl_fail(EXIT_USAGE, "%s: %s", s->path, strerror(errno));
	if (s->fmt == FMT_NDJSON) {
		s->line = malloc(NDJSON_LINE_MAX + 2);
		return s->line ? EXIT_OK : ctl_fail(EXIT_FAIL, "out of memory");
	}
	if (yx_csv_reader_new(s->f, s->path, &s->reader) != YX_OK)
		return ctl_fail(EXIT_FAIL, "out of memory");
	ret = yx_csv_reader_next(s->reader, &s->row, &diag);
	if (ret == YX_ENOTFOUND)
		return ctl_fail(EXIT_USAGE, "%s: empty file", s->path);
	if (ret == YX_OK)
		ret = yx_csv_header_new(s->kind, s->path, &s->row, &s->header, &diag);
	if (ret)
		return ctl_fail(ret == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	s->header_raw = malloc(s->row.raw_len + 1);
	if (!s->header_raw)
		return ctl_fail(EXIT_FAIL, "out of memory");
	memcpy(s->header_raw, s->row.raw, s->row.raw_len);
	s->header_raw_len = s->row.raw_len;
	return EXIT_OK;
}

/* The next NDJSON line that is not blank, in s->line: 1; 2 with diag for a line too long
 * (a bad row: the rest of it is skipped); 0 at the end; -1 with diag on a read error. */
static int ndjson_line(source_t *s, rowmsg_t *diag)
{
	int c = EOF;

	for (;;) {
		size_t n = 0;
		bool blank = true, too_long = false;
		s->lineno++;
		while ((c = getc_unlocked(s->f)) != EOF && c != '\n') {
			if (n < NDJSON_LINE_MAX)
				s->line[n++] = (char)c;
			else
				too_long = true;
			if (c != ' ' && c != '\t' && c != '\r')
				blank = false;
		}
		if (n == 0 && c == EOF)
			return ferror(s->f) ? (msg_set(diag, -EIO, "%s: read error", s->path), -1)
			                    : 0;
		if (s->lineno == 1 && n >= 3 && memcmp(s->line, "\xEF\xBB\xBF", 3) == 0) {
			memmove(s->line, s->line + 3, n - 3);
			n -= 3;
			blank = strspn(s->line, " \t\r") >= n;
		}
		s->line[n] = '\n';
		s->line_len = n;
		s->at = s->lineno;
		s->raw = s->line;
		s->raw_len = n + 1;
		if (too_long) {
			msg_set(diag, YX_EINVAL, "%s:%lu: line longer than %u bytes", s->path,
			        s->lineno, NDJSON_LINE_MAX);
			return 2;
		}
		if (!blank)
			return 1;
		if (c == EOF)
			return 0;
	}
}

static const char *const envelope_keys[] = {"kind", "id", "origin", "seq", "time_ms", "record"};

/* An NDJSON line as a record: a bare record of s->kind, or {"kind": K, "record": {...}}
 * (what export writes for several kinds, and get prints). */
static int ndjson_record(source_t *s, yx_kind_t *kind, void **record, rowmsg_t *diag)
{
	json_error_t err;
	json_t *obj = json_loadb(s->line, s->line_len, JSON_REJECT_DUPLICATES, &err);
	const json_t *rec = obj;
	yx_diag_t d = {{0}};
	int ret = YX_EINVAL;

	*kind = s->kind;
	if (!obj) {
		msg_set(diag, ret, "%s:%lu:%d: %s", s->path, s->lineno, err.column, err.text);
		goto out;
	}
	if (!json_is_object(obj)) {
		msg_set(diag, ret, "%s:%lu: expected a JSON object", s->path, s->lineno);
		goto out;
	}
	if (json_object_get(obj, "record")) {
		const char *key;
		json_t *v;
		json_object_foreach(obj, key, v)
		{
			bool known = false;
			for (size_t i = 0; i < sizeof(envelope_keys) / sizeof(envelope_keys[0]);
			     i++)
				known |= strcmp(key, envelope_keys[i]) == 0;
			if (!known) {
				msg_set(diag, ret,
				        "%s:%lu: unknown field \"%.40s\" beside \"record\"",
				        s->path, s->lineno, key);
				goto out;
			}
		}
		const char *k = json_string_value(json_object_get(obj, "kind"));
		*kind = k ? yx_kind_from_word(k, strlen(k)) : YX_KIND_NONE;
		if (*kind == YX_KIND_NONE) {
			msg_set(diag, ret, "%s:%lu: kind: expected a record kind beside \"record\"",
			        s->path, s->lineno);
			goto out;
		}
		if (s->kind != YX_KIND_NONE && *kind != s->kind) {
			msg_set(diag, ret, "%s:%lu: kind: \"%s\", but this import is of %s",
			        s->path, s->lineno, yx_kind_name(*kind), yx_kind_name(s->kind));
			goto out;
		}
		rec = json_object_get(obj, "record");
	} else if (*kind == YX_KIND_NONE) {
		msg_set(diag, ret,
		        "%s:%lu: which kind of record? Name it with --kind or in "
		        "the file name, or write {\"kind\": ..., \"record\": {...}}",
		        s->path, s->lineno);
		goto out;
	}
	ret = yx_json_to_record(*kind, rec, record, &d);
	if (ret)
		msg_set(diag, ret, "%s:%lu: %s", s->path, s->lineno, d.msg);
out:
	json_decref(obj);
	return ret;
}

/* The next row as a record. 1: a row (*record set, or diag says why it is bad; the row's
 * text is s->raw); 0: the end; -1: the file cannot be read on (diag). */
static int source_next(source_t *s, ProtobufCAllocator *arena, yx_kind_t *kind, void **record,
                       rowmsg_t *diag)
{
	yx_diag_t d = {{0}};
	int ret;

	*record = NULL;
	*kind = s->kind;
	if (s->fmt == FMT_NDJSON) {
		s->malloced = true;
		s->cells = 1;
		ret = ndjson_line(s, diag);
		if (ret == 1)
			ndjson_record(s, kind, record, diag);
		return ret == 2 ? 1 : ret;
	}
	ret = yx_csv_reader_next(s->reader, &s->row, &d);
	if (ret == YX_ENOTFOUND)
		return 0;
	if (ret) {
		msg_set(diag, ret, "%s", d.msg);
		return -1;
	}
	s->at = s->row.line;
	s->raw = s->row.raw;
	s->raw_len = s->row.raw_len;
	s->cells = s->row.n;
	s->malloced = false;
	if (yx_csv_row_to_record(s->header, &s->row, arena, record, &d) != YX_OK)
		msg_set(diag, YX_EINVAL, "%s", d.msg);
	return 1;
}

static void record_drop(source_t *s, yx_kind_t kind, void **record)
{
	if (s->malloced)
		yx_record_free(kind, record);
	*record = NULL;
}

/* ---- the import ---- */

typedef struct {
	ctl_t *ctl;
	source_t src;
	bool dry_run;
	const char *rejects_path;
	FILE *rejects;
	bool rejects_header;
	/* pass 1 */
	uint64_t rows, bad;
	uint64_t *bad_bits;
	size_t bad_words;
	keyset_t keys;
	/* pass 2 */
	uint64_t imported, unchanged, sent;
	uint8_t self[YX_KEY_BYTES]; /* the node's key: its own log is where rows go */
	uint64_t tip;               /* its own log's last seq, as of the last answer */
	/* progress on a terminal */
	bool progress;
	double t0, shown;
} import_t;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(import_t *im, const char *what, uint64_t done, uint64_t total, bool last)
{
	double t = now(), rate;

	if (!im->progress || (!last && t - im->shown < 0.2))
		return;
	im->shown = t;
	rate = t > im->t0 ? (double)done / (t - im->t0) : 0;
	if (total)
		fprintf(stderr, "\r%s: %llu / %llu rows (%.0f%%), %.0f rows/s\033[K", what,
		        (unsigned long long)done, (unsigned long long)total,
		        100.0 * (double)done / (double)total, rate);
	else
		fprintf(stderr, "\r%s: %llu rows, %.0f rows/s\033[K", what,
		        (unsigned long long)done, rate);
	if (last)
		fputs("\r\033[K", stderr);
}

static int mark_bad(import_t *im, uint64_t ordinal)
{
	size_t w = (size_t)(ordinal / 64);
	if (w >= im->bad_words) {
		size_t n = im->bad_words ? im->bad_words * 2 : 1024;
		while (n <= w)
			n *= 2;
		uint64_t *bits = realloc(im->bad_bits, n * sizeof(uint64_t));
		if (!bits)
			return -ENOMEM;
		memset(bits + im->bad_words, 0, (n - im->bad_words) * sizeof(uint64_t));
		im->bad_bits = bits;
		im->bad_words = n;
	}
	im->bad_bits[w] |= 1ull << (ordinal % 64);
	return YX_OK;
}

static bool is_bad(const import_t *im, uint64_t ordinal)
{
	size_t w = (size_t)(ordinal / 64);
	return w < im->bad_words && (im->bad_bits[w] >> (ordinal % 64) & 1);
}

/* Relay events and joint participations are steps of shared objects, which the daemon
 * takes only from the relay and joint commands (each checked against its case). */
static bool importable(yx_kind_t kind)
{
	return kind != YX_KIND_RELAY_EVENT && kind != YX_KIND_JOINT;
}

static const char *not_importable(yx_kind_t kind)
{
	return kind == YX_KIND_RELAY_EVENT
	               ? "relay-event records are not imported: yrdxctl relay writes them, "
	                 "checking each step against its case"
	               : "joint records are not imported: yrdxctl joint writes them, checking "
	                 "each step against its agreement";
}

/* A row's change envelope, pointing at record. */
static void change_wrap(Yrdx__Change *c, yx_kind_t kind, void *record)
{
	yrdx__change__init(c);
	yx_change_set_body(c, kind, record);
	c->kind = (Yrdx__RecordKind)kind;
	c->id = (char *)yx_change_body_id(c);
}

/* Checks one converted row: valid, small enough, its key not seen before. */
static int check_row(import_t *im, yx_kind_t kind, void *record, rowmsg_t *diag)
{
	source_t *s = &im->src;
	yx_diag_t d = {{0}};
	Yrdx__Change c;
	int ret;

	if (!importable(kind))
		return msg_set(diag, YX_EINVAL, "%s:%lu: %s", s->path, s->at, not_importable(kind));
	change_wrap(&c, kind, record);
	if (s->fmt == FMT_CSV) {
		if ((ret = yx_csv_validate(s->header, &s->row, &c, &d)) != YX_OK)
			msg_set(diag, ret, "%s", d.msg);
	} else if ((ret = yx_validate_record(&c, &d)) != YX_OK) {
		msg_set(diag, ret, "%s:%lu: %s", s->path, s->at, d.msg);
	}
	if (ret)
		return ret;
	/* Text is never much smaller than its encoding: count exactly only near the limit. */
	if (s->raw_len + 16 * s->cells + ENVELOPE_BYTES + 256 > YX_MAX_CHANGE_BYTES) {
		size_t n = protobuf_c_message_get_packed_size(&c.base) + ENVELOPE_BYTES;
		if (n > YX_MAX_CHANGE_BYTES)
			return msg_set(diag, YX_EINVAL,
			               "%s:%lu: record of %zu bytes encoded, at "
			               "most %d",
			               s->path, s->at, n, YX_MAX_CHANGE_BYTES);
	}
	long first = keyset_add(&im->keys, kind, c.id, s->at);
	if (first < 0)
		return msg_set(diag, -ENOMEM, "out of memory");
	if (first > 0)
		return msg_set(diag, YX_EINVAL,
		               "%s:%lu: %s \"%.64s\" is also on line %ld "
		               "(one row per record)",
		               s->path, s->at, kind == YX_KIND_ENTERPRISE ? "credit_code" : "id",
		               c.id, first);
	return YX_OK;
}

static int write_reject(import_t *im)
{
	source_t *s = &im->src;

	if (!im->rejects)
		return YX_OK;
	if (!im->rejects_header && s->fmt == FMT_CSV)
		fwrite(s->header_raw, 1, s->header_raw_len, im->rejects);
	im->rejects_header = true;
	fwrite(s->raw, 1, s->raw_len, im->rejects);
	if (s->raw_len && s->raw[s->raw_len - 1] != '\n')
		putc('\n', im->rejects);
	return ferror(im->rejects) ? -EIO : YX_OK;
}

/* Pass 1: every row converted and checked, nothing sent. */
static int pass_check(import_t *im)
{
	source_t *s = &im->src;
	arena_t arena;
	rowmsg_t diag;
	yx_kind_t kind;
	void *record;
	int rc, got;

	arena_init(&arena);
	if ((rc = source_open(s)))
		goto out;
	im->t0 = now();
	for (;;) {
		diag.msg[0] = '\0';
		arena_reset(&arena);
		got = source_next(s, &arena.pa, &kind, &record, &diag);
		if (got <= 0)
			break;
		int ret = record ? check_row(im, kind, record, &diag) : YX_EINVAL;
		record_drop(s, kind, &record);
		if (ret == -ENOMEM) {
			rc = ctl_fail(EXIT_FAIL, "out of memory");
			goto out;
		}
		if (ret) {
			if (++im->bad <= SHOW_ERRORS)
				fprintf(stderr, "%s\n", diag.msg);
			if (mark_bad(im, im->rows) != YX_OK) {
				rc = ctl_fail(EXIT_FAIL, "out of memory");
				goto out;
			}
			if (write_reject(im) != YX_OK) {
				rc = ctl_fail(EXIT_FAIL, "%s: %s", im->rejects_path,
				              strerror(errno));
				goto out;
			}
		}
		im->rows++;
		if ((im->rows & 1023) == 0)
			progress(im, "checking", im->rows, 0, false);
	}
	progress(im, "checking", im->rows, 0, true);
	if (im->bad > SHOW_ERRORS)
		fprintf(stderr, "... and %llu more invalid rows\n",
		        (unsigned long long)(im->bad - SHOW_ERRORS));
	if (got < 0)
		rc = ctl_fail(diag.err == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	else if (s->fmt == FMT_NDJSON && im->rows == 0)
		rc = ctl_fail(EXIT_USAGE, "%s: empty file", s->path);
out:
	arena_free_all(&arena);
	source_close(s);
	return rc;
}

/* ---- pass 2: batches to the daemon ----
 *
 * Two batches: the main thread fills one while a sender thread waits for the daemon to
 * commit the other, so reading and converting rows overlaps the daemon's work. The
 * control connection is used by the sender thread only once it runs. */

typedef struct {
	Yrdx__Change changes[BATCH_RECORDS];
	Yrdx__Change *ptrs[BATCH_RECORDS];
	yx_kind_t kinds[BATCH_RECORDS];
	size_t n, bytes;
	unsigned long first_line, last_line;
	bool malloced; /* records to free (NDJSON) rather than an arena to reset */
	arena_t arena;
} batch_t;

typedef struct {
	import_t *im;
	yx_ctl_t *conn;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	batch_t *pending; /* handed over, not yet answered */
	bool quit;
	int rc; /* the first failure */
} sender_t;

/* Empties a batch the daemon has answered, for refilling. */
static void batch_recycle(batch_t *b)
{
	if (b->malloced)
		for (size_t i = 0; i < b->n; i++) {
			void *rec = (void *)yx_change_body(&b->changes[i]);
			yx_record_free(b->kinds[i], &rec);
		}
	b->n = 0;
	b->bytes = 0;
	arena_reset(&b->arena);
}

/* What is atomic, and how to finish, said wherever an import stops half way. */
#define STR_(x) #x
#define STR(x)  STR_(x)
static const char batch_atomic[] =
        "each batch of up to " STR(BATCH_RECORDS) " rows is committed whole or not at all";
static const char rerun[] = "run the same import again: rows already stored are left as "
                            "they are, the rest are imported";

/* The node refused a batch for want of room: nothing of it was written. */
static int fail_store_full(import_t *im, const batch_t *b, int err)
{
	const char *cfg = im->ctl->cfg->path;
	char fix[YX_CONFIG_PATH_MAX + 100];
	if (err == YX_EMAPFULL)
		snprintf(fix, sizeof(fix), "raise node/map_size in %s, restart the node, then",
		         cfg);
	else
		snprintf(fix, sizeof(fix), "free space on the node's disk, then");
	return ctl_fail(EXIT_FAIL,
	                "import stopped: %s\nyrdxctl: nothing of lines %lu-%lu of %s was "
	                "written; %llu rows before them are committed (%llu imported, %llu "
	                "unchanged), %s.\nyrdxctl: next: %s %s",
	                yx_strerror(err), b->first_line, b->last_line, im->src.path,
	                (unsigned long long)(im->imported + im->unchanged),
	                (unsigned long long)im->imported, (unsigned long long)im->unchanged,
	                batch_atomic, fix, rerun);
}

/* Whether b was committed before the node went away, from its store (read-only: the
 * node need not run): its own log grew past the tip of the last answer only if b's
 * commit got through (b was the one batch in flight; writes of others during an import
 * would be counted as b's). 1 committed, 0 not, -1 unknown. */
static int crashed_batch_committed(import_t *im, const batch_t *b)
{
	yx_store_t *store = NULL;
	yx_tip_t tip = {0};
	if (ctl_open_store(im->ctl, &store) != EXIT_OK)
		return -1;
	int ret = yx_store_tip(store, im->self, &tip);
	yx_store_close(&store);
	if (ret != YX_OK && ret != YX_ENOTFOUND)
		return -1;
	if (tip.seq <= im->tip)
		return 0;
	uint64_t written = tip.seq - im->tip < b->n ? tip.seq - im->tip : b->n;
	im->imported += written;
	im->unchanged += b->n - written;
	im->tip = tip.seq;
	return 1;
}

/* The node closed the connection (it stopped or died) before answering b. */
static int fail_node_gone(import_t *im, const batch_t *b)
{
	int committed = crashed_batch_committed(im, b);
	const char *fate = committed > 0 ? "were committed before it stopped" : "were not written";
	if (committed < 0)
		return ctl_fail(EXIT_FAIL,
		                "import interrupted: the node stopped (its control connection "
		                "closed) while lines %lu-%lu of %s were sent, and its store cannot "
		                "be read to tell whether they were committed; the %llu rows before "
		                "them are (%llu imported, %llu unchanged): %s.\nyrdxctl: next: "
		                "start the node (yrdxd -c %s), then %s",
		                b->first_line, b->last_line, im->src.path,
		                (unsigned long long)(im->imported + im->unchanged),
		                (unsigned long long)im->imported, (unsigned long long)im->unchanged,
		                batch_atomic, im->ctl->cfg->path, rerun);
	return ctl_fail(EXIT_FAIL,
	                "import interrupted: the node stopped (its control connection "
	                "closed) while lines %lu-%lu of %s were sent; those rows %s.\n"
	                "yrdxctl: %llu rows committed (%llu imported, %llu unchanged), the "
	                "rest not written: %s.\nyrdxctl: next: start the node (yrdxd -c "
	                "%s), then %s",
	                b->first_line, b->last_line, im->src.path, fate,
	                (unsigned long long)(im->imported + im->unchanged),
	                (unsigned long long)im->imported, (unsigned long long)im->unchanged,
	                batch_atomic, im->ctl->cfg->path, rerun);
}

/* No answer to b for another reason (the node too busy to answer in time, ...). */
static int fail_no_answer(import_t *im, const batch_t *b, int err)
{
	char why[YX_CONFIG_SOCKET_MAX + 100];
	if (err == -ETIMEDOUT)
		snprintf(why, sizeof(why), "the node did not answer on %s within %d s",
		         im->ctl->cfg->control_path, IMPORT_TIMEOUT_MS / 1000);
	else
		snprintf(why, sizeof(why), "control socket %s: %s", im->ctl->cfg->control_path,
		         yx_strerror(err));
	return ctl_fail(EXIT_FAIL,
	                "import stopped: %s; lines %lu-%lu of %s may or may not be committed, "
	                "%llu rows before them are (%llu imported, %llu unchanged).\n"
	                "yrdxctl: next: %s",
	                why, b->first_line, b->last_line, im->src.path,
	                (unsigned long long)(im->imported + im->unchanged),
	                (unsigned long long)im->imported, (unsigned long long)im->unchanged, rerun);
}

/* The daemon's answer to b: counted, or why not. */
static int batch_answered(import_t *im, const batch_t *b, const Yrdx__ControlReply *reply)
{
	if (yx_err_is_store_full(reply->error))
		return fail_store_full(im, b, reply->error);
	if (reply->error)
		return ctl_fail(reply->error == YX_EINVAL ? EXIT_USAGE : EXIT_FAIL,
		                "%s: the rows of lines %lu-%lu were refused (%llu records before "
		                "them were imported or unchanged): %s",
		                im->src.path, b->first_line, b->last_line,
		                (unsigned long long)(im->imported + im->unchanged), reply->message);
	im->imported += reply->applied;
	im->unchanged += reply->unchanged;
	if (reply->head && reply->head->seq > im->tip)
		im->tip = reply->head->seq;
	return EXIT_OK;
}

/* One PutRequest and its answer (sender thread). */
static int batch_send(import_t *im, yx_ctl_t *conn, batch_t *b)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__PutRequest put = YRDX__PUT_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;
	int rc;

	put.changes = b->ptrs;
	put.n_changes = b->n;
	put.skip_unchanged = 1;
	req.req_case = YRDX__CONTROL_REQUEST__REQ_PUT;
	req.put = &put;
	int ret = yx_ctl_call(conn, &req, IMPORT_TIMEOUT_MS, &reply);
	if (ret == -ECONNRESET)
		return fail_node_gone(im, b);
	if (ret)
		return fail_no_answer(im, b, ret);
	rc = batch_answered(im, b, reply);
	yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

static void *sender_main(void *arg)
{
	sender_t *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->pending && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (!s->pending)
			break;
		batch_t *b = s->pending;
		pthread_mutex_unlock(&s->mu);
		int rc = s->rc ? s->rc : batch_send(s->im, s->conn, b);
		pthread_mutex_lock(&s->mu);
		if (rc && !s->rc)
			s->rc = rc;
		s->pending = NULL;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Waits until the sender has answered what it holds; its first failure, or EXIT_OK. */
static int sender_wait(sender_t *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->pending)
		pthread_cond_wait(&s->cv, &s->mu);
	int rc = s->rc;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* Hands b to the sender once the previous batch is answered. */
static int sender_submit(sender_t *s, batch_t *b)
{
	int rc = sender_wait(s);
	if (rc || b->n == 0)
		return rc;
	pthread_mutex_lock(&s->mu);
	s->pending = b;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return EXIT_OK;
}

static int pass_import(import_t *im, yx_ctl_t *conn)
{
	source_t *s = &im->src;
	batch_t *batches = calloc(2, sizeof(batch_t)), *b;
	sender_t snd = {.im = im, .conn = conn};
	bool started = false;
	rowmsg_t diag;
	yx_kind_t kind;
	void *record;
	uint64_t ordinal = 0;
	int rc, got = 0;

	if (!batches)
		return ctl_fail(EXIT_FAIL, "out of memory");
	b = &batches[0];
	arena_init(&batches[0].arena);
	arena_init(&batches[1].arena);
	batches[0].malloced = batches[1].malloced = s->fmt == FMT_NDJSON;
	pthread_mutex_init(&snd.mu, NULL);
	pthread_cond_init(&snd.cv, NULL);
	if ((rc = source_open(s)))
		goto out;
	if (pthread_create(&snd.thread, NULL, sender_main, &snd) != 0) {
		rc = ctl_fail(EXIT_FAIL, "cannot start a thread");
		goto out;
	}
	started = true;
	im->t0 = now();
	for (;;) {
		/* Room for one more record of the largest size, or send and switch. */
		if (b->n == BATCH_RECORDS || b->bytes + YX_MAX_CHANGE_BYTES > BATCH_BYTES) {
			if ((rc = sender_submit(&snd, b)))
				goto out;
			b = b == &batches[0] ? &batches[1] : &batches[0];
			batch_recycle(b);
			progress(im, "importing", ordinal, im->rows, false);
		}
		diag.msg[0] = '\0';
		got = source_next(s, &b->arena.pa, &kind, &record, &diag);
		if (got <= 0)
			break;
		if (is_bad(im, ordinal++)) {
			record_drop(s, kind, &record);
			continue;
		}
		if (!record) {
			rc = ctl_fail(EXIT_FAIL, "%s changed since it was checked: %s", s->path,
			              diag.msg);
			goto out;
		}
		if (b->n == 0)
			b->first_line = s->at;
		b->last_line = s->at;
		change_wrap(&b->changes[b->n], kind, record);
		b->ptrs[b->n] = &b->changes[b->n];
		b->kinds[b->n] = kind;
		b->bytes += s->raw_len + 16 * s->cells + ENVELOPE_BYTES;
		b->n++;
	}
	if (got < 0)
		rc = ctl_fail(EXIT_FAIL, "%s changed since it was checked: %s", s->path, diag.msg);
	else if (ordinal != im->rows)
		rc = ctl_fail(EXIT_FAIL, "%s changed since it was checked: %llu rows, then %llu",
		              s->path, (unsigned long long)im->rows, (unsigned long long)ordinal);
	else if ((rc = sender_submit(&snd, b)) == EXIT_OK)
		rc = sender_wait(&snd);
	progress(im, "importing", ordinal, im->rows, true);
out:
	if (started) {
		sender_wait(&snd);
		pthread_mutex_lock(&snd.mu);
		snd.quit = true;
		pthread_cond_broadcast(&snd.cv);
		pthread_mutex_unlock(&snd.mu);
		pthread_join(snd.thread, NULL);
		if (!rc)
			rc = snd.rc;
	}
	pthread_mutex_destroy(&snd.mu);
	pthread_cond_destroy(&snd.cv);
	for (int i = 0; i < 2; i++) {
		batch_recycle(&batches[i]);
		arena_free_all(&batches[i].arena);
	}
	free(batches);
	source_close(s);
	return rc;
}

/* The daemon answers a status request: fail now, not after checking a big file. Notes
 * the node's key and its own log's tip (where the import's rows will go). */
static int daemon_ready(import_t *im, yx_ctl_t *conn)
{
	Yrdx__ControlRequest req = YRDX__CONTROL_REQUEST__INIT;
	Yrdx__StatusRequest st = YRDX__STATUS_REQUEST__INIT;
	Yrdx__ControlReply *reply = NULL;

	req.req_case = YRDX__CONTROL_REQUEST__REQ_STATUS;
	req.status = &st;
	int rc = EXIT_OK, ret = yx_ctl_call(conn, &req, READY_TIMEOUT_MS, &reply);
	if (ret == -ECONNRESET)
		rc = ctl_fail(EXIT_FAIL,
		              "import: the node stopped (its control connection closed) before "
		              "any row of %s was sent; nothing imported",
		              im->src.path);
	else if (ret == -ETIMEDOUT)
		rc = ctl_fail(EXIT_FAIL, "the node did not answer on %s within %d s",
		              im->ctl->cfg->control_path, READY_TIMEOUT_MS / 1000);
	else if (ret)
		rc = ctl_fail(EXIT_FAIL, "control socket %s: %s", im->ctl->cfg->control_path,
		              yx_strerror(ret));
	if (rc == EXIT_OK &&
	    (reply->error || !reply->status || reply->status->key.len != YX_KEY_BYTES))
		rc = ctl_fail(EXIT_FAIL, "status: %s",
		              reply->error ? reply->message : "the node sent no status");
	if (rc == EXIT_OK) {
		const Yrdx__StatusReply *s = reply->status;
		memcpy(im->self, s->key.data, YX_KEY_BYTES);
		im->tip = 0;
		for (size_t i = 0; s->vector && i < s->vector->n_entries; i++)
			if (s->vector->entries[i]->origin.len == YX_KEY_BYTES &&
			    memcmp(s->vector->entries[i]->origin.data, im->self, YX_KEY_BYTES) == 0)
				im->tip = s->vector->entries[i]->seq;
	}
	if (reply)
		yrdx__control_reply__free_unpacked(reply, NULL);
	return rc;
}

static void report(import_t *im)
{
	source_t *s = &im->src;
	const char *kind = s->kind != YX_KIND_NONE ? yx_kind_name(s->kind) : NULL;

	if (im->ctl->json) {
		json_t *o =
		        json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "file", s->path, "format",
		                  s->fmt == FMT_CSV ? "csv" : "ndjson", "rows",
		                  (json_int_t)im->rows, "valid", (json_int_t)(im->rows - im->bad),
		                  "rejected", (json_int_t)im->bad, "dry_run", im->dry_run);
		json_object_set_new(o, "kind", kind ? json_string(kind) : json_null());
		if (!im->dry_run) {
			json_object_set_new(o, "imported", json_integer((json_int_t)im->imported));
			json_object_set_new(o, "unchanged",
			                    json_integer((json_int_t)im->unchanged));
		}
		if (im->rejects)
			json_object_set_new(o, "rejects", json_string(im->rejects_path));
		ctl_print_json(o);
		return;
	}
	if (im->dry_run) {
		printf("%s: %llu rows checked: %llu valid, %llu invalid (dry run: nothing "
		       "written)\n",
		       s->path, (unsigned long long)im->rows,
		       (unsigned long long)(im->rows - im->bad), (unsigned long long)im->bad);
		return;
	}
	printf("%s: %llu rows: %llu imported, %llu unchanged, %llu rejected", s->path,
	       (unsigned long long)im->rows, (unsigned long long)im->imported,
	       (unsigned long long)im->unchanged, (unsigned long long)im->bad);
	if (im->bad && im->rejects)
		printf(" (written to %s)", im->rejects_path);
	putchar('\n');
}

int cmd_import(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE import [--kind KIND] [--dry-run] [--skip-invalid REJECTS]\n"
	        "                              FILE\n"
	        "Imports a registry file as records of this node: CSV (FILE.csv, a header row of\n"
	        "field names) or NDJSON (FILE.ndjson / .jsonl: one JSON object per line, as put\n"
	        "reads them, or {\"kind\": K, \"record\": {...}} as export writes several kinds).\n"
	        "KIND (incubator, enterprise, park, evaluation, or a plural) defaults to the\n"
	        "kind the file name names, e.g. shanghai-enterprises.csv. (Relay events and\n"
	        "joints are written by yrdxctl relay and joint, which check each step.)\n"
	        "Every row is checked first; if any is invalid, they are listed (the first 100)\n"
	        "and nothing is imported, unless --skip-invalid writes them to REJECTS (the\n"
	        "header and each bad row as it was) and imports the rest.\n"
	        "Records equal to this node's current version are left alone, so importing a\n"
	        "file again changes nothing. --dry-run only checks (the node need not run).\n"
	        "Rows are written in batches of up to 5000, each committed whole or not at\n"
	        "all. If the import stops half way (the node stopped, its disk or map is\n"
	        "full) it says how many rows were committed; running it again completes it.\n"
	        "CSV columns: proto field names, parent.child for nested fields; lists as\n"
	        "a;b;c; evaluation scores as talent:80;hard_tech_origination:75.\n"
	        "Exit codes: 0 imported, 1 the node failed or is not running, 2 invalid input.\n";
	static const struct option opts[] = {
	        {"kind", required_argument, NULL, 'k'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"skip-invalid", required_argument, NULL, 's'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	import_t im = {.ctl = ctl};
	yx_ctl_t *conn = NULL;
	const char *kind_arg = NULL;
	bool several = false;
	int opt, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': kind_arg = optarg; break;
		case 'n': im.dry_run = true; break;
		case 's': im.rejects_path = optarg; break;
		case 'h': fputs(help, stdout); return EXIT_OK;
		default: fputs(help, stderr); return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return ctl_fail(EXIT_USAGE, "import: expected one FILE (see --help)");
	im.src.path = argv[optind];
	if (kind_arg) {
		im.src.kind = yx_kind_from_word(kind_arg, strlen(kind_arg));
		if (im.src.kind == YX_KIND_NONE)
			return ctl_fail(EXIT_USAGE, "import: unknown kind \"%s\"", kind_arg);
	} else {
		im.src.kind = kind_from_path(im.src.path, &several);
		if (several)
			return ctl_fail(EXIT_USAGE,
			                "import: %s names more than one kind of record; "
			                "say which with --kind",
			                im.src.path);
	}
	if (im.src.kind != YX_KIND_NONE && !importable(im.src.kind))
		return ctl_fail(EXIT_USAGE, "import: %s", not_importable(im.src.kind));
	FILE *probe = fopen(im.src.path, "rb");
	if (!probe)
		return ctl_fail(EXIT_USAGE, "%s: %s", im.src.path, strerror(errno));
	im.src.fmt = detect_format(im.src.path, probe);
	fclose(probe);
	if (im.src.fmt == FMT_CSV && im.src.kind == YX_KIND_NONE)
		return ctl_fail(EXIT_USAGE,
		                "import: which kind of record does %s hold? Say it with "
		                "--kind or in the file name (e.g. shanghai-enterprises.csv)",
		                im.src.path);
	if (im.rejects_path && strcmp(im.rejects_path, im.src.path) == 0)
		return ctl_fail(EXIT_USAGE, "import: the rejects file must not be the input file");
	im.progress = isatty(STDERR_FILENO);

	if (!im.dry_run) {
		if ((rc = ctl_connect(ctl, &conn)) || (rc = daemon_ready(&im, conn)))
			goto out;
		if (im.rejects_path && !(im.rejects = fopen(im.rejects_path, "w"))) {
			rc = ctl_fail(EXIT_USAGE, "%s: %s", im.rejects_path, strerror(errno));
			goto out;
		}
	}
	if ((rc = pass_check(&im)))
		goto out;
	if (im.bad && !im.rejects_path) {
		rc = ctl_fail(EXIT_USAGE,
		              "import: %llu invalid row%s in %s; nothing imported (fix "
		              "them, or --skip-invalid REJECTS imports the rest)",
		              (unsigned long long)im.bad, im.bad == 1 ? "" : "s", im.src.path);
		goto out;
	}
	if (im.rejects && fflush(im.rejects) != 0) {
		rc = ctl_fail(EXIT_FAIL, "%s: %s", im.rejects_path, strerror(errno));
		goto out;
	}
	/* The tip again: rows counted after a crash are what the log grew by since. */
	if (!im.dry_run && ((rc = daemon_ready(&im, conn)) || (rc = pass_import(&im, conn))))
		goto out;
	report(&im);
out:
	if (im.rejects && fclose(im.rejects) != 0 && rc == EXIT_OK)
		rc = ctl_fail(EXIT_FAIL, "%s: %s", im.rejects_path, strerror(errno));
	yx_ctl_close(&conn);
	free(im.bad_bits);
	free(im.keys.slots);
	return rc;
}
