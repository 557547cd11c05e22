/* Relay-case derivation: the same state from the same events in any order; steps by the
 * wrong party or out of order are left out; concurrent steps resolve alike everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "relay.h"

#define SRC 0x11
#define DST 0x22

typedef struct {
	Yrdx__RelayEvent ev;
	Yrdx__ChangeRef ref;
	uint8_t dest[32];
} ev_store_t;

static ev_store_t store[8];
static yx_case_event_t events[8];

/* Event i of type by author (SRC/DST), answering event `answers` (-1 for none); its hash
 * is hash_byte repeated. */
static void mk(int i, Yrdx__RelayEventType type, int author, int answers, uint8_t hash_byte)
{
	ev_store_t *s = &store[i];
	yx_case_event_t *e = &events[i];
	memset(s, 0, sizeof(*s));
	memset(e, 0, sizeof(*e));
	yrdx__relay_event__init(&s->ev);
	yrdx__change_ref__init(&s->ref);
	s->ev.case_id = "SH-2026-0001";
	s->ev.type = type;
	memset(s->dest, DST, 32);
	if (type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE)
		s->ev.destination_node = (ProtobufCBinaryData){32, s->dest};
	memset(e->origin, author, 32);
	e->seq = (uint64_t)i + 1;
	memset(e->hash, hash_byte, 32);
	if (answers >= 0) {
		s->ref.origin = (ProtobufCBinaryData){32, events[answers].origin};
		s->ref.seq = events[answers].seq;
		s->ref.hash = (ProtobufCBinaryData){32, events[answers].hash};
		s->ev.answers = &s->ref;
	}
	e->ev = &s->ev;
}

/* Derives from events permuted by perm. */
static yx_case_state_t derive_permuted(const int *perm, int n)
{
	yx_case_event_t shuffled[8];
	yx_case_t c;
	for (int i = 0; i < n; i++)
		shuffled[i] = events[perm[i]];
	assert_int_equal(yx_case_derive(shuffled, (size_t)n, "SH-2026-0001", &c), YX_OK);
	return c.state;
}

static void permute_all(int *a, int k, int n, yx_case_state_t want)
{
	if (k == n) {
		assert_int_equal(derive_permuted(a, n), want);
		return;
	}
	for (int i = k; i < n; i++) {
		int t = a[k];
		a[k] = a[i];
		a[i] = t;
		permute_all(a, k + 1, n, want);
		a[i] = a[k];
		a[k] = t;
	}
}

static void test_full_path_any_order(void **state)
{
	(void)state;
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x51);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, DST, 1, 0x52);
	mk(3, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, SRC, 2, 0x53);
	int perm[4] = {0, 1, 2, 3};
	permute_all(perm, 0, 4, YX_CASE_CLOSED);
	yx_case_t c;
	assert_int_equal(yx_case_derive(events, 4, "SH-2026-0001", &c), YX_OK);
	assert_int_equal(c.steps, 4);
	assert_ptr_equal(c.last, &events[3]);
	assert_string_equal(yx_case_state_name(c.state), "closed");
	/* without the PROPOSE there is no case */
	assert_int_equal(yx_case_derive(events + 1, 3, "SH-2026-0001", &c), YX_ENOTFOUND);
}

static void test_wrong_party_and_order(void **state)
{
	(void)state;
	yx_case_t c;
	yx_diag_t d = {{0}};
	uint8_t src[32], dst[32];
	memset(src, SRC, 32);
	memset(dst, DST, 32);
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, SRC, 0,
	   0x51); /* source accepts itself */
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, DST, 0,
	   0x52); /* lands before accept */
	assert_int_equal(yx_case_derive(events, 3, "SH-2026-0001", &c), YX_OK);
	assert_int_equal(c.state, YX_CASE_PROPOSED);
	assert_false(events[1].applied);
	assert_non_null(strstr(events[1].note, "does not own this step"));
	assert_false(events[2].applied);
	assert_non_null(strstr(events[2].note, "not a step this state allows"));
	/* the checks an authoring node makes before writing */
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, src, &d),
	        YX_EINVAL);
	assert_non_null(strstr(d.msg, "belongs to the destination city"));
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, dst, &d),
	        YX_EINVAL);
	assert_non_null(strstr(d.msg, "is proposed: LAND is not a step from there"));
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, dst, &d),
	        YX_OK);
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, src, &d),
	        YX_OK);
}

static void test_concurrent_steps_resolve_alike(void **state)
{
	(void)state;
	/* The destination accepts while the source withdraws: the lower hash wins. */
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x70);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, SRC, 0, 0x60);
	int perm[3] = {0, 1, 2};
	permute_all(perm, 0, 3, YX_CASE_WITHDRAWN);
	yx_case_t c;
	assert_int_equal(yx_case_derive(events, 3, "SH-2026-0001", &c), YX_OK);
	assert_non_null(strstr(events[1].note, "superseded"));
	/* with the hashes the other way round, the accept wins, again in any order */
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x60);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, SRC, 0, 0x70);
	permute_all(perm, 0, 3, YX_CASE_ACCEPTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_full_path_any_order),
	        cmocka_unit_test(test_wrong_party_and_order),
	        cmocka_unit_test(test_concurrent_steps_resolve_alike),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
