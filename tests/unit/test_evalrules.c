/* evalrules: an evaluation against the registry — the incubator exists in the same
 * origin's registry and is live, startup funding once in the earliest period, the
 * operating subsidy once a calendar year — with what is stored and what the same checker
 * saw earlier (one put, one import file) alike. A real store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evalrules.h"
#include "fixtures.h"
#include "reflect.h"

static fx_node_t node;
static uint8_t self[YX_KEY_BYTES];

/* An evaluation of SH-INC-<inc> for period, result passed, with the funding given. */
typedef struct {
	fx_evaluation_t f;
	fx_change_t ch;
	char id[48];
	char period[8];
} ev_t;

static Yrdx__Change *eval(ev_t *e, uint32_t inc, const char *period, uint64_t startup,
                          uint64_t subsidy)
{
	fx_evaluation_init(&e->f, inc);
	snprintf(e->period, sizeof(e->period), "%s", period);
	snprintf(e->id, sizeof(e->id), "%s/%s", e->f.incubator_id, period);
	e->f.ev.period = e->period;
	e->f.ev.id = e->id;
	e->f.ev.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_PASSED;
	e->f.ev.startup_funding_wan_yuan = startup;
	e->f.ev.operating_subsidy_wan_yuan = subsidy;
	e->f.ev.milestone_reward_wan_yuan = 0;
	fx_change_init(&e->ch, YX_KIND_EVALUATION, &e->f.ev, 1);
	e->ch.c.id = e->id;
	return &e->ch.c;
}

static Yrdx__Change *incubator(fx_incubator_t *f, fx_change_t *ch, uint32_t i)
{
	fx_incubator_init(f, i);
	fx_change_init(ch, YX_KIND_INCUBATOR, &f->inc, 1);
	return &ch->c;
}

/* The store: incubators 1, 2 and 4 (4 retracted), and SH-INC-0001/2024 with startup
 * funding 1000 and a subsidy of 300. */
static int setup(void **state)
{
	(void)state;
	fx_incubator_t inc;
	fx_change_t ch;
	ev_t e;
	yx_batch_t *b = NULL;
	yx_diag_t d = {{0}};
	fx_node_open(&node, "evalrules");
	memcpy(self, yx_identity_public(node.id), YX_KEY_BYTES);
	assert_int_equal(yx_batch_begin(node.store, node.id, &b), YX_OK);
	for (uint32_t i = 1; i <= 4; i++)
		if (i != 3)
			assert_int_equal(yx_batch_put(b, incubator(&inc, &ch, i), &d), YX_OK);
	assert_int_equal(yx_batch_put(b, eval(&e, 1, "2024", 1000, 300), &d), YX_OK);
	assert_int_equal(yx_batch_retract(b, YX_KIND_INCUBATOR, "SH-INC-0004", "closed", &d),
	                 YX_OK);
	assert_int_equal(yx_batch_commit(&b, NULL), YX_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_node_close(&node);
	return 0;
}

#define expect_ok(r, c)                 expect_ok_at((r), (c), __LINE__)
#define expect_bad(r, c, field, detail) expect_bad_at((r), (c), (field), (detail), __LINE__)

static void expect_ok_at(yx_evalrules_t *r, const Yrdx__Change *c, int line)
{
	yx_diag_t d = {{0}};
	int ret = yx_evalrules_check(r, c, &d);
	if (ret != YX_OK)
		fail_msg("line %d: %s refused: %s", line, c->id, d.msg);
}

/* Refused naming field (the message and the diag's path), with detail in the message. */
static void expect_bad_at(yx_evalrules_t *r, const Yrdx__Change *c, const char *field,
                          const char *detail, int line)
{
	yx_diag_t d = {{0}};
	char path[96];
	int ret = yx_evalrules_check(r, c, &d);
	if (ret != YX_EINVAL)
		fail_msg("line %d: %s: expected YX_EINVAL naming %s, got %s (%s)", line, c->id,
		         field, yx_strerror(ret), d.msg);
	if (strncmp(d.msg, field, strlen(field)) != 0 || !strstr(d.msg, detail))
		fail_msg("line %d: expected \"%s: ...%s...\", got: %s", line, field, detail, d.msg);
	if (d.path.root != &yrdx__evaluation__descriptor ||
	    strcmp(yx_path_text(&d.path, true, path, sizeof(path)), field) != 0)
		fail_msg("line %d: the diag's path is not %s", line, field);
}

static yx_evalrules_t *rules(void)
{
	yx_evalrules_t *r = NULL;
	assert_int_equal(yx_evalrules_new(node.store, self, &r), YX_OK);
	return r;
}

static void test_incubator_of_this_registry(void **state)
{
	(void)state;
	yx_evalrules_t *r = rules(), *other = NULL;
	uint8_t stranger[YX_KEY_BYTES];
	fx_incubator_t inc;
	fx_change_t ch, tomb;
	ev_t e;
	expect_bad(r, eval(&e, 99, "2025", 0, 0), "evaluation.incubator_id",
	           "\"SH-INC-0099\": no incubator of this city's registry has this id");
	/* retracted in the store */
	expect_bad(r, eval(&e, 4, "2025", 0, 0), "evaluation.incubator_id",
	           "\"SH-INC-0004\": no incubator");
	/* another origin's registry holds nothing of ours */
	memset(stranger, 0x5a, sizeof(stranger));
	assert_int_equal(yx_evalrules_new(node.store, stranger, &other), YX_OK);
	expect_bad(other, eval(&e, 1, "2025", 0, 0), "evaluation.incubator_id",
	           "\"SH-INC-0001\": no incubator");
	/* no store at all: only what the checker saw */
	yx_evalrules_free(&other);
	assert_int_equal(yx_evalrules_new(NULL, self, &other), YX_OK);
	expect_bad(other, eval(&e, 1, "2025", 0, 0), "evaluation.incubator_id", "no incubator");
	expect_ok(other, incubator(&inc, &ch, 1));
	expect_ok(other, eval(&e, 1, "2025", 500, 100));
	yx_evalrules_free(&other);
	yx_evalrules_free(&other); /* accepts NULL */
	/* an incubator earlier in the batch counts; its retraction too */
	expect_ok(r, incubator(&inc, &ch, 3));
	expect_ok(r, eval(&e, 3, "2024", 800, 200));
	fx_tombstone_init(&tomb, YX_KIND_INCUBATOR, "SH-INC-0003", 1);
	expect_ok(r, &tomb.c);
	expect_bad(r, eval(&e, 3, "2025", 0, 0), "evaluation.incubator_id",
	           "that incubator is retracted earlier in this batch");
	/* registered again, and live again */
	expect_ok(r, incubator(&inc, &ch, 3));
	expect_ok(r, eval(&e, 3, "2025", 0, 100));
	/* other kinds pass untouched */
	fx_park_t park;
	fx_park_init(&park, 1);
	fx_change_init(&ch, YX_KIND_PARK, &park.park, 1);
	expect_ok(r, &ch.c);
	yx_evalrules_free(&r);
}

static void test_startup_funding_once_first(void **state)
{
	(void)state;
	yx_evalrules_t *r = rules();
	fx_change_t tomb;
	ev_t e;
	/* stored: SH-INC-0001/2024 carries it */
	expect_bad(r, eval(&e, 1, "2025", 500, 0), "evaluation.startup_funding_wan_yuan",
	           "500 万元: 启动建设经费 (startup funding) is granted once, and SH-INC-0001/2024 "
	           "already carries it (1000 万元)");
	/* the same record again replaces itself: accepted, as is a change of its amount */
	expect_ok(r, eval(&e, 1, "2024", 1000, 300));
	expect_ok(r, eval(&e, 1, "2024", 1200, 300));
	/* a later period without startup funding is fine */
	expect_ok(r, eval(&e, 1, "2025", 0, 300));
	/* incubator 2 has no evaluation stored: the first in the batch takes it... */
	expect_ok(r, eval(&e, 2, "2025", 600, 0));
	/* ...and an earlier period after it may not take it again */
	expect_bad(r, eval(&e, 2, "2024", 600, 0), "evaluation.startup_funding_wan_yuan",
	           "SH-INC-0002/2025 already carries it (600 万元)");
	expect_ok(r, eval(&e, 2, "2024", 0, 0));
	yx_evalrules_free(&r);
	/* an evaluation of an earlier period exists: not the earliest */
	r = rules();
	expect_ok(r, eval(&e, 2, "2024H1", 0, 0));
	expect_bad(r, eval(&e, 2, "2024H2", 700, 0), "evaluation.startup_funding_wan_yuan",
	           "700 万元 in 2024H2: 启动建设经费 (startup funding) is granted in the "
	           "incubator's earliest evaluated period, and SH-INC-0002/2024H1 is of an earlier "
	           "one");
	/* a quarter after that half too */
	expect_bad(r, eval(&e, 2, "2024Q3", 700, 0), "evaluation.startup_funding_wan_yuan",
	           "SH-INC-0002/2024H1 is of an earlier one");
	yx_evalrules_free(&r);
	/* a retraction earlier in the batch no longer counts */
	r = rules();
	fx_tombstone_init(&tomb, YX_KIND_EVALUATION, "SH-INC-0001/2024", 1);
	expect_ok(r, &tomb.c);
	expect_ok(r, eval(&e, 1, "2025", 500, 0));
	yx_evalrules_free(&r);
}

static void test_subsidy_once_a_year(void **state)
{
	(void)state;
	yx_evalrules_t *r = rules();
	ev_t e;
	/* stored: 2024 has one */
	expect_bad(r, eval(&e, 1, "2024H2", 0, 150), "evaluation.operating_subsidy_wan_yuan",
	           "150 万元: 年度运营补贴 (operating subsidy) is granted at most once a calendar "
	           "year, and SH-INC-0001/2024 already carries it for 2024 (300 万元)");
	/* without a subsidy, another evaluation that year is fine */
	expect_ok(r, eval(&e, 1, "2024H2", 0, 0));
	/* two in one batch: the second of the year is refused, another year's is not */
	expect_ok(r, eval(&e, 1, "2025H1", 0, 300));
	expect_bad(r, eval(&e, 1, "2025Q4", 0, 300), "evaluation.operating_subsidy_wan_yuan",
	           "SH-INC-0001/2025H1 already carries it for 2025");
	expect_ok(r, eval(&e, 1, "2026", 0, 300));
	/* a refused record was not noted: the year is still free for another incubator */
	expect_ok(r, eval(&e, 2, "2025Q4", 0, 300));
	yx_evalrules_free(&r);
}

/* Many incubators through the checker's table (it grows), each judged on its own. */
static void test_many(void **state)
{
	(void)state;
	yx_evalrules_t *r = NULL;
	fx_incubator_t inc;
	fx_change_t ch;
	ev_t e;
	assert_int_equal(yx_evalrules_new(node.store, self, &r), YX_OK);
	for (uint32_t i = 100; i < 1100; i++) {
		expect_ok(r, incubator(&inc, &ch, i));
		expect_ok(r, eval(&e, i, "2024", 100, 50));
	}
	for (uint32_t i = 100; i < 1100; i += 97)
		expect_bad(r, eval(&e, i, "2025", 100, 0), "evaluation.startup_funding_wan_yuan",
		           "already carries it");
	yx_evalrules_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_incubator_of_this_registry),
	        cmocka_unit_test(test_startup_funding_once_first),
	        cmocka_unit_test(test_subsidy_once_a_year),
	        cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
