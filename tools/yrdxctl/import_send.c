/* import_send: pass 2 of yrdxctl import. Pass 1 spools each good row as its packed record;
 * this sends them to the daemon in batches of about BATCH_RECORDS over one connection, with
 * skip_unchanged: importing the same file again writes nothing.
 *
 * Each batch is one transaction at the daemon, committed whole or not at all; the import
 * as a whole is not (a transaction held open across batches would stop the node's
 * receiving and every other local write for the whole import). An import that stops
 * half way says how many rows were committed, and running it again completes it: the
 * node stopping shows at once (the control connection closes), and what the batch in
 * flight did is read from the store. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "import.h"
#include "reflect.h"

#define BATCH_RECORDS     5000
#define BATCH_BYTES       (YX_MAX_CONTROL_BYTES - (2u << 20)) /* a PutRequest stays under this */
#define IMPORT_TIMEOUT_MS 60000 /* one batch committed, fsync included, on a busy node */
#define READY_TIMEOUT_MS  10000 /* a status request */
#define SPOOL_BUFFER      (1u << 20)

double import_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void import_progress(import_t *im, const char *what, uint64_t done, uint64_t total, bool last)
{
	double t = import_now(), rate;

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

/* ---- the spool ---- */

/* What precedes each record in the spool. */
typedef struct {
	uint32_t len;
	uint32_t kind;
	uint64_t line;
} spooled_t;

int spool_open(spool_t *sp)
{
	const char *dir = getenv("TMPDIR");
	char path[sizeof(sp->dir) + 32];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	if (strlen(dir) >= sizeof(sp->dir))
		return ctl_fail(EXIT_USAGE, "import: TMPDIR is longer than %zu bytes",
		                sizeof(sp->dir) - 1);
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/yrdxctl-import.XXXXXX", sp->dir);
	if ((fd = mkstemp(path)) < 0)
		return ctl_fail(EXIT_FAIL,
		                "import: cannot create a temporary file in %s (TMPDIR): %s",
		                sp->dir, strerror(errno));
	/* Nobody else needs it, and it goes away with the import however that ends. */
	unlink(path);
	if (!(sp->f = fdopen(fd, "w+b"))) {
		int rc = ctl_fail(EXIT_FAIL, "import: a temporary file in %s (TMPDIR): %s", sp->dir,
		                  strerror(errno));
		close(fd);
		return rc;
	}
	setvbuf(sp->f, NULL, _IOFBF, SPOOL_BUFFER);
	return EXIT_OK;
}

int spool_put(spool_t *sp, yx_kind_t kind, unsigned long line, const ProtobufCMessage *record,
              size_t len)
{
	spooled_t h = {(uint32_t)len, (uint32_t)kind, line};

	sp->buf.len = 0;
	if (yx_buf_room(&sp->buf, len) != YX_OK)
		return ctl_fail(EXIT_FAIL, "out of memory");
	protobuf_c_message_pack(record, (uint8_t *)sp->buf.p);
	if (fwrite(&h, sizeof(h), 1, sp->f) != 1 || fwrite(sp->buf.p, 1, len, sp->f) != len)
		return ctl_fail(EXIT_FAIL,
		                "import: writing the checked rows to a temporary file in %s "
		                "(TMPDIR): %s; nothing imported",
		                sp->dir, strerror(errno));
	sp->n++;
	return EXIT_OK;
}

void spool_close(spool_t *sp)
{
	if (sp->f)
		fclose(sp->f);
	sp->f = NULL;
	yx_buf_free(&sp->buf);
}

/* Back to the first record, everything written. EXIT_OK or an exit code, printed. */
static int spool_rewind(spool_t *sp)
{
	if (fflush(sp->f) != 0 || ferror(sp->f))
		return ctl_fail(EXIT_FAIL,
		                "import: writing the checked rows to a temporary file in %s "
		                "(TMPDIR): %s; nothing imported",
		                sp->dir, strerror(errno));
	rewind(sp->f);
	return EXIT_OK;
}

/* The next record's header and packed bytes (in sp->buf): 1, 0 at the end, or -1 with
 * the message printed. */
static int spool_next(spool_t *sp, spooled_t *h)
{
	size_t got = fread(h, 1, sizeof(*h), sp->f);

	if (got == 0 && !ferror(sp->f))
		return 0;
	sp->buf.len = 0;
	if (got != sizeof(*h) || h->len > YX_MAX_CHANGE_BYTES ||
	    !yx_kind_descriptor((yx_kind_t)h->kind) || yx_buf_room(&sp->buf, h->len) != YX_OK ||
	    fread(sp->buf.p, 1, h->len, sp->f) != h->len) {
		ctl_fail(EXIT_FAIL,
		         "import: the temporary file in %s (TMPDIR) cannot be read back: %s",
		         sp->dir, ferror(sp->f) ? strerror(errno) : "it is shorter than written");
		return -1;
	}
	return 1;
}

/* ---- pass 2: batches to the daemon ----
 *
 * Two batches: the main thread fills one while a sender thread waits for the daemon to
 * commit the other, so reading and converting rows overlaps the daemon's work. The
 * control connection is used by the sender thread only once it runs. */

typedef struct {
	Yrdx__Change changes[BATCH_RECORDS];
	Yrdx__Change *ptrs[BATCH_RECORDS];
	size_t n, bytes;
	unsigned long first_line, last_line;
	yx_arena_t arena;
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
	b->n = 0;
	b->bytes = 0;
	yx_arena_reset(&b->arena);
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
	im->relocated += reply->relocated;
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

/* Adds the record spool_next read to b. EXIT_OK or an exit code, printed. */
static int batch_add(batch_t *b, spool_t *sp, const spooled_t *h)
{
	const ProtobufCMessageDescriptor *d = yx_kind_descriptor((yx_kind_t)h->kind);
	void *record = protobuf_c_message_unpack(d, yx_arena_allocator(&b->arena), h->len,
	                                         (const uint8_t *)sp->buf.p);

	if (!record)
		return ctl_fail(EXIT_FAIL,
		                "import: line %llu: out of memory (or a corrupt "
		                "temporary file in %s)",
		                (unsigned long long)h->line, sp->dir);
	if (b->n == 0)
		b->first_line = (unsigned long)h->line;
	b->last_line = (unsigned long)h->line;
	import_wrap(&b->changes[b->n], (yx_kind_t)h->kind, record);
	b->ptrs[b->n] = &b->changes[b->n];
	b->bytes += h->len + ENVELOPE_BYTES;
	b->n++;
	return EXIT_OK;
}

/* Stops the sender once it has answered what it holds; its first failure, or rc. */
static int sender_stop(sender_t *snd, int rc)
{
	sender_wait(snd);
	pthread_mutex_lock(&snd->mu);
	snd->quit = true;
	pthread_cond_broadcast(&snd->cv);
	pthread_mutex_unlock(&snd->mu);
	pthread_join(snd->thread, NULL);
	return rc ? rc : snd->rc;
}

int import_send(import_t *im, yx_ctl_t *conn)
{
	batch_t *batches = calloc(2, sizeof(batch_t)), *b;
	sender_t snd = {.im = im, .conn = conn};
	uint64_t total = im->spool.n, sent = 0;
	bool started = false;
	spooled_t h;
	int rc, got = 0;

	if (!batches)
		return ctl_fail(EXIT_FAIL, "out of memory");
	b = &batches[0];
	yx_arena_init(&batches[0].arena);
	yx_arena_init(&batches[1].arena);
	pthread_mutex_init(&snd.mu, NULL);
	pthread_cond_init(&snd.cv, NULL);
	if ((rc = spool_rewind(&im->spool)))
		goto out;
	if (pthread_create(&snd.thread, NULL, sender_main, &snd) != 0) {
		rc = ctl_fail(EXIT_FAIL, "cannot start a thread");
		goto out;
	}
	started = true;
	im->t0 = import_now();
	while ((got = spool_next(&im->spool, &h)) == 1) {
		/* Room for this record, or send and switch. */
		if (b->n == BATCH_RECORDS || b->bytes + h.len + ENVELOPE_BYTES > BATCH_BYTES) {
			if ((rc = sender_submit(&snd, b)))
				goto out;
			b = b == &batches[0] ? &batches[1] : &batches[0];
			batch_recycle(b);
			import_progress(im, "importing", sent, total, false);
		}
		if ((rc = batch_add(b, &im->spool, &h)))
			goto out;
		sent++;
	}
	if (got < 0)
		rc = EXIT_FAIL;
	else if (sent != total)
		rc = ctl_fail(EXIT_FAIL,
		              "import: the temporary file in %s (TMPDIR) holds %llu of the %llu "
		              "checked rows; nothing more sent",
		              im->spool.dir, (unsigned long long)sent, (unsigned long long)total);
	else if ((rc = sender_submit(&snd, b)) == EXIT_OK)
		rc = sender_wait(&snd);
	import_progress(im, "importing", sent, total, true);
out:
	if (started)
		rc = sender_stop(&snd, rc);
	pthread_mutex_destroy(&snd.mu);
	pthread_cond_destroy(&snd.cv);
	for (int i = 0; i < 2; i++)
		yx_arena_free(&batches[i].arena);
	free(batches);
	return rc;
}

/* The daemon answers a status request: fail now, not after checking a big file. Notes
 * the node's key and its own log's tip (where the import's rows will go). */
int import_ready(import_t *im, yx_ctl_t *conn)
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
