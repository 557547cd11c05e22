/* charter_print: the text of a charter version an administrator reads before signing
 * (yx_charter_print): the federation, members with their cities' Chinese names, endpoints
 * and keys, the signatures by member name or a stranger's key in full, and the text
 * without signatures. Real Ed25519 keys (yx_identity_generate); the fixtures in
 * charter_fx.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "charter.h"
#include "charter_fx.h"

static void test_print(void **state)
{
	(void)state;
	cfx_raw_t r;
	cfx_raw_founders(&r);
	yx_charter_t *v1 = cfx_raw_decode(&r);
	cfx_sigs_t s;
	cfx_sigs_of(&s, v1, cfx_five, 2);
	cfx_sig_by(&s, v1, cfx_ids[CFX_STRANGER]);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(yx_charter_print(v1, s.p, s.n, out), YX_OK);
	fclose(out);
	char key[YX_PUBKEY_TEXT_LEN + 1], stranger[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(cfx_pk(4), key);
	yx_pubkey_format(cfx_pk(CFX_STRANGER), stranger);
	cfx_assert_says(text, "长三角协同孵化网络", "上海", "杭州", "合肥", "黄山", "苏州", "南京",
	                "shanghai", "nanjing", "tcp://127.0.0.1:7441", key, stranger, NULL);
	free(text);
	/* without signatures */
	out = open_memstream(&text, &len);
	assert_int_equal(yx_charter_print(v1, NULL, 0, out), YX_OK);
	fclose(out);
	cfx_assert_says(text, "nanjing", NULL);
	free(text);
	yx_charter_free(&v1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, cfx_setup, cfx_teardown);
}
