/* The daemon's writer and fence, through yxd_t with a real store and no sockets: the
 * flush before a local batch, the hooks told after a commit (in order, with what moved),
 * counts, and a fenced node's refusals until its peers confirm its log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "yrdxd.h"

/* What the hooks saw, in the order they saw it. */
typedef struct {
	int flushes;
	int flush_result;
	char calls[8];
	size_t n_calls;
	uint8_t origins[4][YX_KEY_BYTES];
	size_t n_origins;
} seen_t;

static seen_t seen;

static int flush_hook(yxd_t *d)
{
	(void)d;
	seen.flushes++;
	return seen.flush_result;
}

static void record(char who, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	if (seen.n_calls < sizeof(seen.calls))
		seen.calls[seen.n_calls++] = who;
	seen.n_origins = n;
	memcpy(seen.origins, origins, (n < 4 ? n : 4) * YX_KEY_BYTES);
}

static void serve_hook(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)d;
	record('s', origins, n);
}

static void feed_hook(yxd_t *d, const uint8_t (*origins)[YX_KEY_BYTES], size_t n)
{
	(void)d;
	record('f', origins, n);
}

typedef struct {
	yxd_t d;
	yx_config_t cfg;
	char *dir;
} node_t;

static void node_open(node_t *n)
{
	yx_diag_t diag = {{0}};
	memset(n, 0, sizeof(*n));
	memset(&seen, 0, sizeof(seen));
	n->dir = fx_tmpdir("writer");
	n->cfg.dead_after_ms = 5000;
	n->d.cfg = &n->cfg;
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	assert_int_equal(yx_identity_generate(&n->d.id), YX_OK);
	assert_int_equal(yxd_rotation_start(&n->d), YX_OK); /* our origin: the key's, a new log */
	yxd_writer_set_flush(&n->d.writer, flush_hook);
	yxd_writer_on_commit(&n->d.writer, serve_hook);
	yxd_writer_on_commit(&n->d.writer, feed_hook);
}

static void node_close(node_t *n)
{
	yx_store_close(&n->d.store);
	yx_identity_free(&n->d.id);
	fx_rmtree(n->dir);
	free(n->dir);
}

/* Writes enterprise i through the writer; returns what begin or commit said. */
static int write_one(node_t *n, uint32_t i, yx_diag_t *diag)
{
	yx_batch_t *b = NULL;
	yx_head_t head;
	fx_enterprise_t f;
	Yrdx__Change c = YRDX__CHANGE__INIT;
	int ret = yxd_writer_begin(&n->d, &b, diag);
	if (ret) {
		assert_null(b);
		return ret;
	}
	fx_enterprise_init(&f, i);
	yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
	c.id = f.code;
	assert_int_equal(yx_batch_put(b, &c, diag), YX_OK);
	return yxd_writer_commit(&n->d, &b, &head, diag);
}

static void test_commit_tells_hooks_in_order(void **state)
{
	(void)state;
	node_t n;
	yx_diag_t diag = {{0}};
	node_open(&n);

	assert_int_equal(write_one(&n, 7, &diag), YX_OK);
	assert_int_equal(seen.flushes, 1); /* what was received went first */
	assert_int_equal(seen.n_calls, 2);
	assert_memory_equal(seen.calls, "sf", 2); /* pullers, then feeds */
	assert_int_equal(seen.n_origins, 1);
	assert_memory_equal(seen.origins[0], yx_identity_public(n.d.id), YX_KEY_BYTES);
	assert_int_equal(n.d.counters[C_LOCAL_CHANGES], 1);

	/* The record is in the store, as this node's. */
	fx_enterprise_t f;
	Yrdx__Change *got = NULL;
	fx_enterprise_init(&f, 7);
	assert_int_equal(yx_store_get(n.d.store, YX_KIND_ENTERPRISE, yx_identity_public(n.d.id),
	                              f.code, &got),
	                 YX_OK);
	assert_string_equal(got->enterprise->name, f.e.name);
	yx_change_free(&got);

	/* A batch with nothing in it commits, but tells nobody and counts nothing. */
	yx_batch_t *b = NULL;
	yx_head_t head;
	assert_int_equal(yxd_writer_begin(&n.d, &b, &diag), YX_OK);
	assert_int_equal(yxd_writer_commit(&n.d, &b, &head, &diag), YX_OK);
	assert_null(b);
	assert_int_equal(seen.n_calls, 2);
	assert_int_equal(n.d.counters[C_LOCAL_CHANGES], 1);

	/* Received commits are told the same way, with every origin that moved. */
	uint8_t two[2][YX_KEY_BYTES];
	memset(two[0], 0xA1, YX_KEY_BYTES);
	memset(two[1], 0xB2, YX_KEY_BYTES);
	yxd_writer_moved(&n.d, (const uint8_t(*)[YX_KEY_BYTES])two, 2);
	assert_int_equal(seen.n_calls, 4);
	assert_memory_equal(seen.calls + 2, "sf", 2);
	assert_int_equal(seen.n_origins, 2);
	assert_memory_equal(seen.origins[1], two[1], YX_KEY_BYTES);
	node_close(&n);
}

/* The received transaction could not commit (say the map is full): no batch opens, the
 * caller hears why, nobody is told anything. */
static void test_flush_failure_opens_nothing(void **state)
{
	(void)state;
	node_t n;
	yx_diag_t diag = {{0}};
	node_open(&n);
	seen.flush_result = YX_EMAPFULL;
	assert_int_equal(write_one(&n, 1, &diag), YX_EMAPFULL);
	assert_string_equal(diag.msg, yx_strerror(YX_EMAPFULL));
	assert_int_equal(seen.n_calls, 0);
	assert_int_equal(n.d.counters[C_LOCAL_CHANGES], 0);
	yx_tip_t tip;
	assert_int_equal(yx_store_tip(n.d.store, yx_identity_public(n.d.id), &tip), YX_ENOTFOUND);
	node_close(&n);
}

/* A store marked by a backup: writes are refused, saying what the node waits for, until
 * the peers that answered confirm its own log; then they go through. */
static void test_fence_refuses_until_confirmed(void **state)
{
	(void)state;
	node_t n;
	yx_diag_t diag = {{0}};
	node_open(&n);
	assert_int_equal(write_one(&n, 1, &diag), YX_OK); /* own log at seq 1 */
	assert_int_equal(yx_store_fence(n.d.store, true), YX_OK);
	yxd_fence_start(&n.d);
	n.d.n_clients = 2; /* two configured peers; only their count is read */

	assert_int_equal(write_one(&n, 2, &diag), YX_EFENCED);
	assert_non_null(strstr(diag.msg, "0 of 2 peers answered; own log at 1"));
	assert_int_equal(seen.flushes, 1); /* refused before anything was flushed */
	seen.flushes = 0;

	/* Both answered, one holds our log to seq 5: still refused, and says so. */
	yxd_fence_peers(&n.d, 2, 5);
	yxd_fence_tick(&n.d, zclock_mono());
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(write_one(&n, 2, &diag), YX_EFENCED);
	assert_non_null(strstr(diag.msg, "2 of 2 peers answered; own log at 1, they hold it to 5"));
	bool marked = false;
	assert_int_equal(yx_store_fenced(n.d.store, &marked), YX_OK);
	assert_true(marked);

	/* They confirm seq 1: the tick lifts the fence, in memory and in the store. */
	yxd_fence_peers(&n.d, 2, 1);
	yxd_fence_tick(&n.d, zclock_mono());
	assert_int_equal(yx_store_fenced(n.d.store, &marked), YX_OK);
	assert_false(marked);
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(write_one(&n, 2, &diag), YX_OK);
	assert_int_equal(n.d.counters[C_LOCAL_CHANGES], 2);

	/* A peer claiming more of our log than we hold raises it again at once. */
	yxd_fence_own_claim(&n.d, "hangzhou", 9);
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(write_one(&n, 3, &diag), YX_EFENCED);
	node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_commit_tells_hooks_in_order),
	        cmocka_unit_test(test_flush_failure_opens_nothing),
	        cmocka_unit_test(test_fence_refuses_until_confirmed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
