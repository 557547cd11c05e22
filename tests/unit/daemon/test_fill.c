/* The filling of stubs (fill.c), its bookkeeping through a peer's tips, no sockets: what a
 * puller asks next once a Fill is answered, by a segment or a refusal, and what a reason
 * to ask again (the peer filled stubs since: its Tips' count moved) does while a Fill is
 * out.
 *
 * Found reading fill.c after a sanitizer run of test_fill_relay failed once (a relay's
 * puller kept stubs after the relay had every body): a relay may answer a Fill with a
 * refusal made before its last filling commit while the Tips of that commit arrive with
 * the Fill still out; the puller went on from past the refused seqs, never to ask for
 * them again, since the relay's count does not move after its last commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fixtures.h"
#include "yrdxd.h"

static const uint8_t origin[YX_KEY_BYTES] = {7, 7, 7};

typedef struct {
	yxd_t d;
	yxd_client_t *c;
	peer_tip_t *t;
} fill_fx_t;

/* A peer whose tip of origin is at 1,000, asked for the stubs at 65..128. */
static void fx_open(fill_fx_t *f)
{
	memset(f, 0, sizeof(*f));
	f->c = calloc(1, sizeof(*f->c));
	assert_non_null(f->c);
	f->t = yxd_tip_add(f->c, origin, 16);
	assert_non_null(f->t);
	f->t->seq = 1000;
	f->t->fills = 1;
	f->t->fill_pending = true;
	f->t->fill_from = 65;
	f->t->fill_last = 128;
}

static void fx_close(fill_fx_t *f)
{
	yxd_tips_free(f->c);
	free(f->c);
}

static bool refused(fill_fx_t *f)
{
	Yrdx__PullRefused r = YRDX__PULL_REFUSED__INIT;
	r.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)origin};
	r.fill_last = 128;
	return yxd_fill_refused(f->c, &r);
}

/* The answer is a segment from seq 70 to a head at 200 (bodies of stubs held: nothing
 * appended). */
static void answered(fill_fx_t *f)
{
	uint8_t body[4] = {1, 2, 3, 4};
	yx_entry_t e = {.seq = 70, .bytes = body, .len = sizeof(body)};
	yxd_fill_after_segment(&f->d, f->c, origin, &e, 1, 200, 0);
}

/* Nothing new meanwhile: the asking goes on past what was answered. */
static void test_answer_goes_on(void **state)
{
	(void)state;
	fill_fx_t f;
	fx_open(&f);
	assert_true(refused(&f));
	assert_false(f.t->fill_pending);
	assert_int_equal(f.t->fill_next, 129);
	assert_true(f.c->fill_scan);
	fx_close(&f);

	fx_open(&f);
	answered(&f);
	assert_false(f.t->fill_pending);
	assert_int_equal(f.t->fill_next, 201);
	fx_close(&f);
}

/* The peer filled stubs while the Fill was out: its answer may say what it held before,
 * so once it comes the asking starts again from the first stub. */
static void test_fills_while_out_restart_after_the_answer(void **state)
{
	(void)state;
	fill_fx_t f;
	fx_open(&f);
	yxd_fill_tips(f.c, f.t, 2);
	assert_true(f.t->fill_pending); /* the answer is still awaited */
	assert_true(refused(&f));
	assert_int_equal(f.t->fill_next, 0);
	assert_false(f.t->fill_done);
	assert_true(f.c->fill_scan);
	/* Once: the next answer goes on as usual. */
	f.t->fill_pending = true;
	assert_true(refused(&f));
	assert_int_equal(f.t->fill_next, 129);
	fx_close(&f);

	fx_open(&f);
	yxd_fill_tips(f.c, f.t, 2);
	answered(&f);
	assert_int_equal(f.t->fill_next, 0);
	fx_close(&f);
}

/* What was staged is dropped (a failed commit, a full store): the answer staged into it
 * is lost, so the asking starts again from the first stub — at once when the answer had
 * come, once the Fill out is answered or given up on when it had not. Before, the asking
 * went on past the lost bodies, and those stubs stayed for the session. */
static void test_dropped_transaction_asks_again(void **state)
{
	(void)state;
	fill_fx_t f;
	fx_open(&f);
	answered(&f);
	assert_int_equal(f.t->fill_next, 201);
	f.c->fill_scan = false;
	yxd_fill_again(f.c);
	assert_int_equal(f.t->fill_next, 0);
	assert_false(f.t->fill_done);
	assert_true(f.c->fill_scan);
	fx_close(&f);

	fx_open(&f); /* the answer not yet come when the store filled */
	yxd_fill_again(f.c);
	assert_true(f.t->fill_pending);
	assert_true(f.t->fill_restart);
	answered(&f);
	assert_int_equal(f.t->fill_next, 0);
	fx_close(&f);
}

/* A Fill's answer is late only over what has been read (yxd_read_until's seen): an answer
 * waiting unread behind a busy hub's commits is not a peer's silence; nor is time the
 * node was not listening (yxd_not_listening moves the Fill's clock on). */
static void test_fill_timeout_judged_on_what_was_read(void **state)
{
	(void)state;
	fill_fx_t f;
	yx_config_t cfg = {.dead_after_ms = 2000};
	fx_open(&f);
	f.d.cfg = &cfg;
	f.c->sock = (zsock_t *)&cfg; /* only looked at for NULL here: nothing is sent */
	f.c->epoch = 1;
	snprintf(f.c->name, sizeof(f.c->name), "hub");
	f.t->fill_sent_ms = 1000;
	yxd_fill_request(&f.d, f.c, 2500, 60000); /* a minute on the clock, 1.5 s read */
	assert_true(f.t->fill_pending);
	yxd_not_listening(f.c, 5000, 60000); /* held 5 s: the Fill's clock moves on */
	assert_int_equal(f.t->fill_sent_ms, 6000);
	yxd_fill_request(&f.d, f.c, 7500, 60000);
	assert_true(f.t->fill_pending);
	yxd_fill_request(&f.d, f.c, 8001, 60000); /* 2,001 ms of reading: given up */
	assert_false(f.t->fill_pending);
	assert_true(f.t->fill_done);
	f.c->sock = NULL;
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_answer_goes_on),
	        cmocka_unit_test(test_fills_while_out_restart_after_the_answer),
	        cmocka_unit_test(test_dropped_transaction_asks_again),
	        cmocka_unit_test(test_fill_timeout_judged_on_what_was_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
