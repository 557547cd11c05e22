/* Relay-case derivation: the same state from the same events in any order; steps by the
 * wrong party or out of order are left out; concurrent steps resolve alike everywhere; a
 * case is opened only by the PROPOSE its id names by key and log position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <string.h>

#include "relay.h"

#define SRC  0x11
#define DST  0x22
#define EVIL 0x33
/* The case SRC's PROPOSE at seq 1 (event 0 below) opens. */
#define CASE "sh-1-1111111111111111"

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
	s->ev.case_id = CASE;
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
	assert_int_equal(yx_case_derive(shuffled, (size_t)n, CASE, &c), YX_OK);
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
	assert_int_equal(yx_case_derive(events, 4, CASE, &c), YX_OK);
	assert_int_equal(c.steps, 4);
	assert_ptr_equal(c.last, &events[3]);
	assert_string_equal(yx_case_state_name(c.state), "closed");
	/* without the PROPOSE there is no case */
	assert_int_equal(yx_case_derive(events + 1, 3, CASE, &c), YX_ENOTFOUND);
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
	assert_int_equal(yx_case_derive(events, 3, CASE, &c), YX_OK);
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
	assert_int_equal(yx_case_derive(events, 3, CASE, &c), YX_OK);
	assert_non_null(strstr(events[1].note, "superseded"));
	/* with the hashes the other way round, the accept wins, again in any order */
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x60);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, SRC, 0, 0x70);
	permute_all(perm, 0, 3, YX_CASE_ACCEPTED);
}

static void test_case_id_names_key_and_seq(void **state)
{
	(void)state;
	uint8_t key[32], fp[YX_CASE_FP_BYTES];
	uint64_t seq = 0;
	char id[YX_CASE_ID_MAX + 1], event_id[80];
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0xa0 + i);
	assert_true(yx_case_id_make("shanghai", key, 92, id, sizeof(id)));
	assert_string_equal(id, "shanghai-92-a0a1a2a3a4a5a6a7");
	assert_true(yx_case_id_parse(id, &seq, fp));
	assert_int_equal(seq, 92);
	assert_memory_equal(fp, key, YX_CASE_FP_BYTES);
	assert_true(yx_case_id_names(id, key, 92));
	assert_false(yx_case_id_names(id, key, 93));
	key[7] ^= 1;
	assert_false(yx_case_id_names(id, key, 92));
	/* The longest name and seq: the name is cut (no dangling '-'), the seq and key kept,
	 * and every event id of the case still fits a record id. */
	const char *name = "abcdefghijklmnop-qrstuvwxyz012345"; /* 33: longer than any */
	assert_true(yx_case_id_make(name, key, UINT64_MAX, id, sizeof(id)));
	assert_true(strlen(id) <= YX_CASE_ID_MAX);
	assert_string_equal(id, "abcdefghijklmnop-18446744073709551615-a0a1a2a3a4a5a6a6");
	assert_true(yx_case_id_parse(id, &seq, fp));
	assert_true(seq == UINT64_MAX);
	assert_true(yx_case_event_id(id, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW,
	                             event_id, 65));
	assert_false(yx_case_id_make("shanghai", key, 1, id, YX_CASE_ID_MAX));
	/* Ids that name no key, or not in the one way yx_case_id_make writes them. */
	static const char *const bad[] = {
	        "shanghai-92",                                    /* the old form */
	        "SH-2026-0001",                                   /* not a case id of yrdx's */
	        "-92-a0a1a2a3a4a5a6a7",                           /* no name */
	        "shanghai-092-a0a1a2a3a4a5a6a7",                  /* leading zero */
	        "shanghai-0-a0a1a2a3a4a5a6a7",                    /* seq 0 */
	        "shanghai-18446744073709551616-a0a1a2a3a4a5a6a7", /* past 2^64 - 1 */
	        "shanghai-92-A0A1A2A3A4A5A6A7",                   /* upper case */
	        "shanghai-92-a0a1a2a3a4a5a6",                     /* 48 bits */
	        "shanghai-92-a0a1a2a3a4a5a6a7a8",                 /* 72 bits */
	        "shanghai-9x-a0a1a2a3a4a5a6a7",                   /* not a number */
	        "shanghai92-a0a1a2a3a4a5a6a7",                    /* no '-' before the seq */
	        "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (yx_case_id_parse(bad[i], &seq, fp))
			fail_msg("\"%s\" parsed as a case id", bad[i]);
}

static void test_propose_of_another_key_takes_nothing_over(void **state)
{
	(void)state;
	yx_case_t c;
	/* The case, accepted; then a member reuses its id with a lower hash (for another
	 * park), at the same seq of its own log; and the source writes a second PROPOSE
	 * under the id at another seq of its own. */
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x51);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, EVIL, -1, 0x01);
	events[2].seq = 1;
	store[2].ev.park_id = "SZ-PARK-OTHER";
	mk(3, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x02);
	/* the destination answering the hostile PROPOSE */
	mk(4, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 2, 0x03);
	int perm[5] = {0, 1, 2, 3, 4};
	permute_all(perm, 0, 5, YX_CASE_ACCEPTED);
	assert_int_equal(yx_case_derive(events, 5, CASE, &c), YX_OK);
	assert_ptr_equal(c.propose, &events[0]);
	assert_ptr_equal(c.last, &events[1]);
	assert_int_equal(c.steps, 2);
	assert_memory_equal(c.source, events[0].origin, 32);
	assert_true(events[0].applied && events[1].applied);
	assert_false(events[2].applied);
	assert_non_null(strstr(events[2].note, "signed by a key the case id does not name"));
	assert_false(events[3].applied);
	assert_non_null(strstr(events[3].note, "another log position"));
	assert_false(events[4].applied);
	assert_non_null(strstr(events[4].note, "does not answer the case's current step"));
	/* Without the PROPOSE the id names, the others open nothing. */
	yx_case_event_t others[3] = {events[2], events[3], events[4]};
	assert_int_equal(yx_case_derive(others, 3, CASE, &c), YX_ENOTFOUND);
	/* An id of the old form names no key: no PROPOSE opens it. */
	store[0].ev.case_id = "sh-1";
	assert_int_equal(yx_case_derive(events, 1, "sh-1", &c), YX_ENOTFOUND);
	assert_false(events[0].applied);
	assert_non_null(strstr(events[0].note, "names no key"));
}

/* Within one city the source is the destination: every step is this one node's, and the
 * case still runs them all, in order. */
static void test_same_city_case(void **state)
{
	(void)state;
	yx_case_t c;
	yx_diag_t d = {{0}};
	uint8_t src[32];
	memset(src, SRC, 32);
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	memset(store[0].dest, SRC, 32);
	assert_int_equal(yx_case_derive(events, 1, CASE, &c), YX_OK);
	assert_memory_equal(c.source, c.destination, 32);
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, src, &d),
	        YX_EINVAL); /* still not before an accept */
	assert_int_equal(
	        yx_case_check_step(&c, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, src, &d),
	        YX_OK);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, SRC, 0, 0x51);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, SRC, 1, 0x52);
	mk(3, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, SRC, 2, 0x53);
	int perm[4] = {0, 1, 2, 3};
	permute_all(perm, 0, 4, YX_CASE_CLOSED);
	assert_int_equal(yx_case_derive(events, 4, CASE, &c), YX_OK);
	assert_int_equal(c.steps, 4);
	assert_true(
	        yx_case_has_step(events, 4, CASE, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND));
}

/* People read a case in its order: the path step by step — whatever the authors' clocks
 * said — then the events left off it, by time. */
static void test_case_order(void **state)
{
	(void)state;
	yx_case_t c;
	size_t order[6];
	mk(0, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE, SRC, -1, 0x50);
	mk(1, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT, DST, 0, 0x51);
	mk(2, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_WITHDRAW, SRC, 0, 0x60); /* lost */
	mk(3, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_CLOSE, SRC, 4, 0x53);
	mk(4, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND, DST, 1, 0x52);
	mk(5, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE, SRC, 0, 0x61); /* not its step */
	/* the destination's clock runs late: its LAND reads older than the CLOSE */
	int64_t t[6] = {1000, 900, 1200, 1500, 1400, 1100};
	for (int i = 0; i < 6; i++)
		events[i].time_ms = t[i];
	events[4].time_ms = 800;
	assert_int_equal(yx_case_derive(events, 6, CASE, &c), YX_OK);
	assert_int_equal(c.state, YX_CASE_CLOSED);
	assert_int_equal(yx_case_order(events, 6, CASE, order), 6);
	size_t want[6] = {0, 1, 4, 3, 5, 2};
	for (int i = 0; i < 6; i++)
		assert_int_equal(order[i], want[i]);
	assert_int_equal(events[4].step, 3);
	assert_int_equal(events[2].step, 0);
	assert_non_null(strstr(events[2].note, "superseded"));
	assert_true(
	        yx_case_has_step(events, 6, CASE, YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_LAND));
	assert_false(yx_case_has_step(events, 6, CASE,
	                              YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_DECLINE));
	/* events of another case are left out of its order */
	store[5].ev.case_id = "sh-9-1111111111111111";
	assert_int_equal(yx_case_order(events, 6, CASE, order), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_case_id_names_key_and_seq),
	        cmocka_unit_test(test_propose_of_another_key_takes_nothing_over),
	        cmocka_unit_test(test_full_path_any_order),
	        cmocka_unit_test(test_wrong_party_and_order),
	        cmocka_unit_test(test_concurrent_steps_resolve_alike),
	        cmocka_unit_test(test_same_city_case),
	        cmocka_unit_test(test_case_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
