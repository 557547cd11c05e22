/* text: the growing buffer's formatted append — text of any length, appended to what is
 * there, and the buffer left as it was when it cannot grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

static void test_buf_printf(void **state)
{
	yx_buf_t b = {0};
	char big[3000];
	(void)state;
	assert_int_equal(yx_buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.p);
	assert_int_equal(yx_buf_printf(&b, "seq %d of %s", 7, "上海"), 0);
	assert_string_equal(b.p, "seq 7 of 上海");
	/* Past the room there is: grown, formatted once more, appended after what was. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	size_t before = b.len;
	assert_int_equal(yx_buf_printf(&b, "[%s]%d", big, 42), 0);
	assert_int_equal(b.len, before + 1 + 2999 + 1 + 2);
	assert_memory_equal(b.p, "seq 7 of 上海[xxx", before + 4);
	assert_string_equal(b.p + b.len - 3, "]42");
	assert_int_equal(b.p[b.len], '\0');
	for (int i = 0; i < 1000; i++)
		assert_int_equal(yx_buf_printf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, before + 3003 + 2000);
	yx_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_buf_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
