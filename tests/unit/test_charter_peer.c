/* charter_peer: a configured peer checked against a charter version — the member it
 * names, its key (current, or one before a rotation when the caller allows it), and the
 * refusals with their messages (no such member, this node, revoked, another key, named
 * in full). Real libsodium keys, a version built by the library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "charter.h"
#include "keys.h"

typedef struct {
	yx_identity_t *ids[4]; /* shanghai, hangzhou, hefei, hefei's next key */
	yx_charter_t *c;
} fx_t;

static const char *const names[] = {"shanghai", "hangzhou", "hefei"};
static const uint32_t cities[] = {310000, 330100, 340100};

/* Three members; hefei rotated to ids[3] after seq 40; hangzhou revoked after 7 when
 * revoked is set. */
static int fx_setup(void **state)
{
	fx_t *f = calloc(1, sizeof(*f));
	yx_charter_t v = {0};
	yx_member_t members[3];
	yx_diag_t diag = {{0}};
	assert_int_equal(yx_crypto_init(), YX_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(yx_identity_generate(&f->ids[i]), YX_OK);
	memset(members, 0, sizeof(members));
	for (int i = 0; i < 3; i++) {
		yx_member_t *m = &members[i];
		strcpy(m->name, names[i]);
		m->city = cities[i];
		m->jurisdiction[m->n_jurisdiction++] = m->city;
		memcpy(m->origin, yx_identity_public(f->ids[i]), 32);
		memcpy(m->keys[0].key, m->origin, 32);
		m->n_keys = 1;
		snprintf(m->endpoints[0], sizeof(m->endpoints[0]), "tcp://127.0.0.1:%d", 7401 + i);
		m->n_endpoints = 1;
	}
	members[2].keys[1].after_seq = 40;
	memcpy(members[2].keys[1].key, yx_identity_public(f->ids[3]), 32);
	members[2].n_keys = 2;
	members[1].revoked = true;
	members[1].revoked_after = 7;
	v.version = 1;
	v.threshold = 2;
	strcpy(v.federation, "长三角协同孵化网络");
	v.members = members;
	v.n_members = 3;
	assert_int_equal(yx_charter_build(&v, &f->c, &diag), YX_OK);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	fx_t *f = *state;
	for (int i = 0; i < 4; i++)
		yx_identity_free(&f->ids[i]);
	yx_charter_free(&f->c);
	free(f);
	return 0;
}

static const uint8_t *pub(fx_t *f, int i)
{
	return yx_identity_public(f->ids[i]);
}

static void test_member_found_and_keys(void **state)
{
	fx_t *f = *state;
	const yx_member_t *m = NULL;
	bool stale = true;
	yx_diag_t diag = {{0}};
	/* No key given: the charter's. */
	assert_int_equal(
	        yx_charter_peer_check(f->c, "shanghai", NULL, pub(f, 2), &m, &stale, &diag), YX_OK);
	assert_string_equal(m->name, "shanghai");
	assert_false(stale);
	/* Its current key. */
	assert_int_equal(
	        yx_charter_peer_check(f->c, "hefei", pub(f, 3), pub(f, 0), &m, &stale, &diag),
	        YX_OK);
	assert_false(stale);
	/* The key before its rotation: stale when the caller allows it, refused otherwise. */
	assert_int_equal(
	        yx_charter_peer_check(f->c, "hefei", pub(f, 2), pub(f, 0), &m, &stale, &diag),
	        YX_OK);
	assert_true(stale);
	assert_string_equal(m->name, "hefei");
	assert_int_equal(
	        yx_charter_peer_check(f->c, "hefei", pub(f, 2), pub(f, 0), &m, NULL, &diag),
	        YX_EINVAL);
}

static void test_refusals_named(void **state)
{
	fx_t *f = *state;
	const yx_member_t *m = NULL;
	yx_diag_t diag = {{0}};
	char have[YX_PUBKEY_TEXT_LEN + 1], want[YX_PUBKEY_TEXT_LEN + 1], msg[300];

	assert_int_equal(yx_charter_peer_check(f->c, "nanjing", NULL, NULL, &m, NULL, &diag),
	                 YX_ENOTFOUND);
	assert_null(m);
	assert_string_equal(diag.msg,
	                    "peer nanjing: no member of charter version 1 is named nanjing");

	/* A member's key under another name: the name it has is said. */
	assert_int_equal(yx_charter_peer_check(f->c, "sh", pub(f, 0), NULL, &m, NULL, &diag),
	                 YX_ENOTFOUND);
	assert_non_null(strstr(diag.msg, "its key is member shanghai's"));

	assert_int_equal(yx_charter_peer_check(f->c, "shanghai", NULL, pub(f, 0), &m, NULL, &diag),
	                 YX_EINVAL);
	assert_string_equal(diag.msg,
	                    "peer shanghai: member shanghai is this node itself, not a peer");

	assert_int_equal(yx_charter_peer_check(f->c, "hangzhou", pub(f, 1), NULL, &m, NULL, &diag),
	                 YX_EINVAL);
	assert_string_equal(diag.msg, "peer hangzhou: member hangzhou is revoked (its log ends at "
	                              "seq 7) in charter version 1");

	/* Another key: both named in full. */
	assert_int_equal(yx_charter_peer_check(f->c, "shanghai", pub(f, 2), NULL, &m, NULL, &diag),
	                 YX_EINVAL);
	yx_pubkey_format(pub(f, 2), have);
	yx_pubkey_format(pub(f, 0), want);
	snprintf(msg, sizeof(msg),
	         "peer shanghai: key %s differs from the charter's key %s for member shanghai",
	         have, want);
	assert_string_equal(diag.msg, msg);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_member_found_and_keys, fx_setup, fx_teardown),
	        cmocka_unit_test_setup_teardown(test_refusals_named, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
