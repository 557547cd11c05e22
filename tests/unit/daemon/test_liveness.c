/* The clocks a pull connection is judged by (liveness.c), no sockets: what a late tick
 * (the node not listening: a long commit, the process stopped) does to them.
 *
 * A review found that moving every clock on by the lateness pushed the ones set in the
 * same pass, after the node was listening again (a read before the tick), into the
 * future: a socket found empty then said it was drained `late` ms from now, and a peer
 * whose messages wait unread was judged silent over time not yet come ("no answer"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fixtures.h"
#include "yrdxd.h"

static const uint8_t origin[YX_KEY_BYTES] = {9, 9, 9};

#define T0   1000000 /* a moment before the pause */
#define LATE 5000    /* how long the node was not listening */
#define NOW  (T0 + LATE + 300)

static yxd_client_t *client_at(int64_t when)
{
	yxd_client_t *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	peer_tip_t *t = yxd_tip_add(c, origin, 16);
	assert_non_null(t);
	c->asked_ms = c->asked_answer_ms = c->drained_ms = c->last_segment_ms = when;
	t->progress_ms = when;
	return c;
}

static void client_free(yxd_client_t *c)
{
	yxd_tips_free(c);
	free(c);
}

/* Set before the pause: each moves on by the lateness, as if the pause had not been. */
static void test_before_the_pause(void **state)
{
	(void)state;
	yxd_client_t *c = client_at(T0);
	yxd_not_listening(c, LATE, NOW);
	assert_int_equal(c->asked_ms, T0 + LATE);
	assert_int_equal(c->asked_answer_ms, T0 + LATE);
	assert_int_equal(c->drained_ms, T0 + LATE);
	assert_int_equal(c->last_segment_ms, T0 + LATE);
	assert_int_equal(c->tips[0].progress_ms, T0 + LATE);
	client_free(c);
}

/* Set in this pass, after the pause (a read before the tick): none goes past now. */
static void test_after_the_pause(void **state)
{
	(void)state;
	yxd_client_t *c = client_at(NOW - 10);
	yxd_not_listening(c, LATE, NOW);
	assert_int_equal(c->asked_ms, NOW);
	assert_int_equal(c->drained_ms, NOW);
	assert_int_equal(c->last_segment_ms, NOW);
	assert_int_equal(c->tips[0].progress_ms, NOW);
	/* and the tick after, on time, moves nothing */
	yxd_not_listening(c, 0, NOW + 100);
	assert_int_equal(c->drained_ms, NOW);
	client_free(c);
}

/* A debt not owed (0: no Hello unanswered) stays none. */
static void test_none_stays_none(void **state)
{
	(void)state;
	yxd_client_t *c = client_at(T0);
	c->asked_ms = c->asked_answer_ms = 0;
	yxd_not_listening(c, LATE, NOW);
	assert_int_equal(c->asked_ms, 0);
	assert_int_equal(c->asked_answer_ms, 0);
	client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_before_the_pause),
	        cmocka_unit_test(test_after_the_pause),
	        cmocka_unit_test(test_none_stays_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
