/* The console's parts that need no socket, through yxd_t with a real store: escaping
 * (HTML text and attributes, Prometheus label values, broken UTF-8), the refusals ring
 * (newest first, repeats folded, wrap-around), and the cache of costly figures — made at
 * the first request, not again until a commit makes it due and the interval has passed,
 * and then holding what the store holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "http.h"

/* What a page writer made of s, as a string the caller frees. */
static char *written(void (*write)(yxd_page_t *, const char *), const char *s)
{
	yxd_page_t p = {{0}};
	yxd_page_add(&p, "%s", ""); /* an empty page still has a buffer */
	write(&p, s);
	assert_int_equal(p.err, 0);
	char *out = strndup(p.b.p, p.b.len);
	yxd_page_free(&p);
	return out;
}

static void expect_written(void (*write)(yxd_page_t *, const char *), const char *in,
                           const char *want)
{
	char *got = written(write, in);
	assert_string_equal(got, want);
	free(got);
}

static void test_html_escapes_what_records_say(void **state)
{
	(void)state;
	expect_written(yxd_page_html, "<script>alert(\"x\")</script>",
	               "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	expect_written(yxd_page_html, "a&b 'c' <img src=x onerror=alert(1)>",
	               "a&amp;b &#39;c&#39; &lt;img src=x onerror=alert(1)&gt;");
	/* Chinese passes as it is; control bytes and broken UTF-8 become U+FFFD. */
	expect_written(yxd_page_html, "上海张江\x01芯片\xff公司\t\n",
	               "上海张江\xEF\xBF\xBD芯片\xEF\xBF\xBD公司\t\n");
	expect_written(yxd_page_html, "\xe4\xb8", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* cut short */
	expect_written(yxd_page_html, NULL, "");
	expect_written(yxd_page_html, "", "");
}

static void test_label_values_escaped(void **state)
{
	(void)state;
	expect_written(yxd_page_label, "a\"b\\c\nd", "a\\\"b\\\\c\\nd");
	expect_written(yxd_page_label, "合肥 <park>", "合肥 <park>");
	expect_written(yxd_page_label, "x\xc0\xafy", "x\xEF\xBF\xBD\xEF\xBF\xBDy"); /* overlong */
}

static void test_page_grows_past_any_chunk(void **state)
{
	(void)state;
	yxd_page_t p = {{0}};
	char big[5000];
	memset(big, '<', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 100; i++)
		yxd_page_add(&p, "%d:%s;", i, "0123456789012345678901234567890123456789");
	yxd_page_html(&p, big);
	assert_int_equal(p.err, 0);
	assert_int_equal(p.b.len, 10 * 43 + 90 * 44 + 4999 * 4); /* "0:".."99:", then &lt; */
	assert_memory_equal(p.b.p, "0:0123", 6);
	assert_memory_equal(p.b.p + p.b.len - 8, "&lt;&lt;", 8);
	yxd_page_free(&p);
}

static void test_refusals_ring(void **state)
{
	(void)state;
	yxd_refusals_t *r = calloc(1, sizeof(*r));
	uint8_t key[32];
	memset(key, 0x5A, sizeof(key));
	assert_null(yxd_refusals_get(r, 0));

	yxd_refusals_add(r, 1000, C_REFUSED_KEY, "peer port 127.0.0.1", key, "not admitted");
	yxd_refusals_add(r, 2000, C_REJECTED_CHAIN, "hangzhou", key, "chain broken at seq 7");
	/* The same again: folded into the newest, counted, its time and words the latest. */
	yxd_refusals_add(r, 3000, C_REJECTED_CHAIN, "hangzhou", key, "chain broken at seq 9");
	const yxd_refusal_t *e = yxd_refusals_get(r, 0);
	assert_non_null(e);
	assert_int_equal(e->reason, C_REJECTED_CHAIN);
	assert_int_equal(e->count, 2);
	assert_int_equal(e->first_ms, 2000);
	assert_int_equal(e->last_ms, 3000);
	assert_string_equal(e->what, "chain broken at seq 9");
	assert_true(e->has_key);
	assert_memory_equal(e->key, key, 32);
	e = yxd_refusals_get(r, 1);
	assert_int_equal(e->reason, C_REFUSED_KEY);
	assert_string_equal(e->who, "peer port 127.0.0.1");
	assert_null(yxd_refusals_get(r, 2));
	/* Another peer's, or no key: not the same refusal. */
	yxd_refusals_add(r, 4000, C_REJECTED_CHAIN, "hefei", key, "x");
	yxd_refusals_add(r, 4000, C_REJECTED_CHAIN, "hefei", NULL, "x");
	assert_false(yxd_refusals_get(r, 0)->has_key);
	assert_int_equal(yxd_refusals_get(r, 0)->count, 1);
	assert_string_equal(yxd_refusals_get(r, 1)->who, "hefei");

	/* Past the ring's size: the oldest go, the newest YXD_REFUSALS stay, newest first. */
	char who[32];
	for (int i = 0; i < 3 * YXD_REFUSALS; i++) {
		snprintf(who, sizeof(who), "address %d", i);
		yxd_refusals_add(r, 5000 + i, C_REFUSED_UNFINISHED, who, NULL, NULL);
	}
	for (size_t i = 0; i < YXD_REFUSALS; i++) {
		snprintf(who, sizeof(who), "address %d", 3 * YXD_REFUSALS - 1 - (int)i);
		assert_string_equal(yxd_refusals_get(r, i)->who, who);
		assert_string_equal(yxd_refusals_get(r, i)->what, "");
	}
	assert_null(yxd_refusals_get(r, YXD_REFUSALS));
	/* Words longer than a slot are cut, not overrun. */
	char longer[1000];
	memset(longer, 'w', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	yxd_refusals_add(r, 9000, C_REFUSED_PROTOCOL, longer, NULL, longer);
	assert_int_equal(strlen(yxd_refusals_get(r, 0)->who), sizeof(e->who) - 1);
	assert_int_equal(strlen(yxd_refusals_get(r, 0)->what), sizeof(e->what) - 1);
	free(r);
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
	n->dir = fx_tmpdir("console");
	n->cfg.dead_after_ms = 5000;
	n->cfg.city = 310000;
	snprintf(n->cfg.name, sizeof(n->cfg.name), "shanghai");
	n->d.cfg = &n->cfg;
	assert_int_equal(yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->d.store, &diag), YX_OK);
	assert_int_equal(yx_identity_generate(&n->d.id), YX_OK);
	assert_int_equal(yxd_rotation_start(&n->d), YX_OK);
	yxd_writer_on_commit(&n->d.writer, yxd_overview_moved);
	assert_int_equal(yxd_overview_start(&n->d), YX_OK);
}

static void node_close(node_t *n)
{
	yxd_overview_stop(&n->d);
	yx_store_close(&n->d.store);
	yx_identity_free(&n->d.id);
	fx_rmtree(n->dir);
	free(n->dir);
}

static void put_enterprises(node_t *n, uint32_t from, uint32_t count)
{
	yx_batch_t *b = NULL;
	yx_head_t head;
	yx_diag_t diag = {{0}};
	assert_int_equal(yxd_writer_begin(&n->d, &b, &diag), YX_OK);
	for (uint32_t i = from; i < from + count; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i * 4); /* i * 4: a Shanghai enterprise (fixtures.c) */
		assert_int_equal(f.e.city, 310000);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		assert_int_equal(yx_batch_put(b, &c, &diag), YX_OK);
	}
	assert_int_equal(yxd_writer_commit(&n->d, &b, &head, &diag), YX_OK);
}

/* Shanghai's tech_sme count as the view shows it, and how often the cache was made. */
static uint64_t tech_sme(node_t *n, int64_t now, uint64_t *made)
{
	yxd_view_t v;
	assert_int_equal(yxd_view_make(&n->d, now, &v), YX_OK);
	uint64_t count = v.shanghai ? yx_plan_figures[3].value(v.shanghai) : 0;
	*made = v.cached->made;
	/* and the page and the metrics render from it */
	yxd_page_t p = {{0}};
	yxd_console_page(&n->d, &v, &p);
	yxd_metrics_text(&n->d, &v, &p);
	assert_int_equal(p.err, 0);
	assert_non_null(strstr(p.b.p, "<svg id=plan-bars"));
	assert_non_null(strstr(p.b.p, "# TYPE yrdx_plan_figure gauge"));
	yxd_page_free(&p);
	yxd_view_free(&v);
	return count;
}

static void test_costly_figures_cached(void **state)
{
	(void)state;
	node_t n;
	uint64_t made;
	node_open(&n);
	assert_string_equal(yx_plan_figures[3].name, "tech_sme");

	put_enterprises(&n, 0, 10);
	int64_t t = 1000000;
	assert_int_equal(tech_sme(&n, t, &made), 10); /* the first request makes them */
	assert_int_equal(made, 1);
	/* Nothing moved: not made again. */
	assert_int_equal(tech_sme(&n, t + 1000, &made), 10);
	assert_int_equal(made, 1);
	/* A commit makes them due, but not before the interval since the last making. */
	put_enterprises(&n, 10, 5);
	assert_int_equal(tech_sme(&n, t + 2000, &made), 10);
	assert_int_equal(made, 1);
	int64_t next = n.d.overview->next_ms;
	assert_true(next >= t + YXD_OVERVIEW_REFRESH_MS);
	assert_int_equal(tech_sme(&n, next - 1, &made), 10);
	assert_int_equal(made, 1);
	assert_int_equal(tech_sme(&n, next, &made), 15);
	assert_int_equal(made, 2);
	/* Nothing moved since: not made again, however late. */
	assert_int_equal(tech_sme(&n, next + 600000, &made), 15);
	assert_int_equal(made, 2);
	/* And the federation's figure beside it. */
	assert_int_equal(yx_plan_figures[3].value(&n.d.overview->stats.federation), 15);
	node_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_html_escapes_what_records_say),
	        cmocka_unit_test(test_label_values_escaped),
	        cmocka_unit_test(test_page_grows_past_any_chunk),
	        cmocka_unit_test(test_refusals_ring),
	        cmocka_unit_test(test_costly_figures_cached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
