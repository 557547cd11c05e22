/* A federation store for the report benchmark (tests/bench/report.sh): the logs of
 * ORIGINS city nodes, each signed by its own key and appended verified as a peer's
 * segments would be (yx_remote_append), into the store of a node directory that
 * `yrdxctl init` made:
 *
 *   bench_report DIR ENTERPRISES EVALUATIONS ORIGINS
 *
 * ENTERPRISES enterprises spread over the origins (their cities' own), written over the
 * years 2021..2025 so that `stats --by-year` has five years to count; one in a hundred
 * of the first origin's enterprises relayed to the second (relocated at the first,
 * landed at the second: counted once); EVALUATIONS evaluations, two periods (2024 and
 * 2025H1) of EVALUATIONS / 2 incubators in three tiers, with the plan's funding; ten
 * parks per city. Prints what it wrote and how long it took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fixtures.h"
#include "store.h"

static const uint32_t cities[] = {310000, 320500, 330100, 340100, 320100, 330200, 340200, 320200};
#define MAX_ORIGINS (sizeof(cities) / sizeof(cities[0]))

/* The middle of June of 2021 + k, Unix ms. */
static int64_t year_ms(uint32_t k)
{
	return (1623715200000 /* 2021-06-15 */ + (int64_t)k * 31557600000) +
	       (int64_t)(k % 7) * 1000;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
	yx_store_t *store;
	yx_remote_t *txn;
	size_t in_txn; /* entries in the open transaction */
	fx_log_t log;
	uint64_t written;
} writer_t;

/* The pending entries as one verified segment; a commit every 100,000 entries. */
static void flush(writer_t *w)
{
	yx_diag_t d = {{0}};
	size_t appended = 0;
	if (!w->log.n)
		return;
	fx_log_sign(&w->log, year_ms(4));
	if (!w->txn && yx_remote_begin(w->store, &w->txn) != YX_OK) {
		fprintf(stderr, "bench_report: remote_begin failed\n");
		exit(1);
	}
	if (yx_remote_append(w->txn, yx_identity_public(w->log.id), w->log.e, w->log.n,
	                     &w->log.head, &appended, &d) != YX_OK) {
		fprintf(stderr, "bench_report: segment refused: %s\n", d.msg);
		exit(1);
	}
	w->written += appended;
	w->in_txn += appended;
	fx_log_clear(&w->log);
	if (w->in_txn >= 100000) {
		if (yx_remote_commit(&w->txn) != YX_OK) {
			fprintf(stderr, "bench_report: commit failed\n");
			exit(1);
		}
		w->in_txn = 0;
	}
}

static void add(writer_t *w, yx_kind_t kind, void *record, int64_t time_ms)
{
	if (w->log.n == FX_LOG_MAX)
		flush(w);
	fx_log_append(&w->log, kind, record, time_ms);
}

static void done(writer_t *w)
{
	flush(w);
	if (w->txn && yx_remote_commit(&w->txn) != YX_OK) {
		fprintf(stderr, "bench_report: commit failed\n");
		exit(1);
	}
	w->in_txn = 0;
}

static void enterprise(fx_enterprise_t *f, uint32_t i, uint32_t city, uint32_t origin)
{
	fx_enterprise_init(f, i);
	f->e.financials = NULL; /* confidential figures travel as a record of their own */
	f->e.city = city;
	snprintf(f->incubator, sizeof(f->incubator), "O%u-INC-%05u", origin, i % 1000);
	/* every qualification, in proportions like the sample registries' */
	static const Yrdx__Qualification q[] = {
	        YRDX__QUALIFICATION__QUALIFICATION_HIGH_TECH,
	        YRDX__QUALIFICATION__QUALIFICATION_GAZELLE,
	        YRDX__QUALIFICATION__QUALIFICATION_LITTLE_GIANT,
	        YRDX__QUALIFICATION__QUALIFICATION_HARD_TECH,
	};
	f->qualifications[1] = q[i % 4];
	f->e.n_qualifications = i % 3 == 0 ? 2 : 1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: bench_report DIR ENTERPRISES EVALUATIONS ORIGINS\n");
		return 2;
	}
	uint32_t n_ent = (uint32_t)strtoul(argv[2], NULL, 10);
	uint32_t n_eval = (uint32_t)strtoul(argv[3], NULL, 10);
	uint32_t n_orig = (uint32_t)strtoul(argv[4], NULL, 10);
	yx_diag_t d = {{0}};
	writer_t w = {0};
	if (n_orig < 2 || n_orig > MAX_ORIGINS) {
		fprintf(stderr, "bench_report: ORIGINS is 2..%zu\n", MAX_ORIGINS);
		return 2;
	}
	if (yx_crypto_init() != YX_OK ||
	    yx_store_open(argv[1], YX_STORE_CREATE, 0, &w.store, &d) != YX_OK) {
		fprintf(stderr, "bench_report: %s: %s\n", argv[1], d.msg);
		return 1;
	}
	double t0 = now_s();
	uint32_t incs = n_eval / 2, relayed = 0;
	for (uint32_t o = 0; o < n_orig; o++) {
		yx_identity_t *id = NULL;
		if (yx_identity_generate(&id) != YX_OK)
			return 1;
		fx_log_init(&w.log, id);
		uint32_t city = cities[o];
		for (uint32_t k = o; k < incs; k += n_orig) {
			fx_incubator_t inc;
			fx_incubator_init(&inc, k);
			snprintf(inc.id, sizeof(inc.id), "O%u-INC-%05u", o, k);
			inc.inc.city = city;
			add(&w, YX_KIND_INCUBATOR, &inc.inc, year_ms(k % 3));
		}
		for (uint32_t k = 0; k < 10; k++) {
			fx_park_t pk;
			fx_park_init(&pk, o * 10 + k);
			pk.park.city = city;
			add(&w, YX_KIND_PARK, &pk.park, year_ms(k % 5));
		}
		for (uint32_t i = o; i < n_ent; i += n_orig) {
			fx_enterprise_t e;
			enterprise(&e, i, city, o);
			/* one in a hundred of the first city's enterprises left for the second */
			if (o == 0 && i % 100 == 0)
				e.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
			add(&w, YX_KIND_ENTERPRISE, &e.e, year_ms(i % 5));
		}
		if (o == 1) {
			for (uint32_t i = 0; i < n_ent; i += n_orig * 100) {
				fx_enterprise_t e;
				enterprise(&e, i, city, o);
				e.e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_LANDED;
				add(&w, YX_KIND_ENTERPRISE, &e.e, year_ms(4));
				relayed++;
			}
		}
		/* two periods per incubator: 2024 (startup funding and the yearly subsidy) and
		 * 2025H1 (the subsidy, and the milestone reward after excellent or passed) */
		for (uint32_t k = o; k < incs; k += n_orig) {
			for (uint32_t p = 0; p < 2; p++) {
				fx_evaluation_t ev;
				fx_evaluation_init(&ev, k * 2 + p);
				snprintf(ev.incubator_id, sizeof(ev.incubator_id), "O%u-INC-%05u",
				         o, k);
				snprintf(ev.period, sizeof(ev.period), "%s", p ? "2025H1" : "2024");
				snprintf(ev.id, sizeof(ev.id), "%s/%s", ev.incubator_id, ev.period);
				bool rewarded = ev.ev.result <=
				                YRDX__MILESTONE_RESULT__MILESTONE_RESULT_PASSED;
				ev.ev.startup_funding_wan_yuan = p ? 0 : 1000;
				ev.ev.operating_subsidy_wan_yuan = 300;
				ev.ev.milestone_reward_wan_yuan = p && rewarded ? 500 : 0;
				add(&w, YX_KIND_EVALUATION, &ev.ev, year_ms(3 + p));
			}
		}
		done(&w);
		yx_identity_free(&id);
	}
	printf("wrote %llu changes of %u origins (%u enterprises, %u of them relayed; %u "
	       "incubators, %u evaluations) in %.1f s\n",
	       (unsigned long long)w.written, n_orig, n_ent, relayed, incs, incs * 2, now_s() - t0);
	yx_store_close(&w.store);
	return 0;
}
