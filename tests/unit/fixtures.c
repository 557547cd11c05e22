#include "fixtures.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "validate.h"

char *fx_tmpdir(const char *tag)
{
	const char *base = getenv("YRDX_TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	mkdir(base, 0700);
	char *path = NULL;
	if (asprintf(&path, "%s/%s-XXXXXX", base, tag) < 0 || !mkdtemp(path)) {
		perror("fx_tmpdir");
		abort();
	}
	return path;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

void fx_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *fx_path(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		perror("fx_path");
		abort();
	}
	return p;
}

char *fx_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (cap - n < 4096) {
			char *bigger = realloc(buf, cap = cap * 2 + 4096);
			if (!bigger) {
				perror("fx_read_file");
				abort();
			}
			buf = bigger;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void fx_write_file(const char *path, const char *text, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	size_t n = strlen(text);
	if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0 || chmod(path, mode) != 0) {
		fprintf(stderr, "fx_write_file: %s: %s\n", path, strerror(errno));
		abort();
	}
}

uint64_t fx_seed(const char *test)
{
	const char *env = getenv("YRDX_SEED");
	uint64_t seed;
	if (env && *env) {
		char *end = NULL;
		errno = 0;
		seed = strtoull(env, &end, 10);
		if (errno || *end) {
			fprintf(stderr, "%s: YRDX_SEED=\"%s\" is not a decimal number\n", test,
			        env);
			abort();
		}
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) % 1000000007u;
	}
	fprintf(stderr, "%s: seed %" PRIu64 " (YRDX_SEED=%" PRIu64 " repeats this run)\n", test,
	        seed, seed);
	return seed;
}

uint64_t fx_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void fx_credit_code(uint32_t i, char out[19])
{
	/* 9 = 工商 registration authority, 1 = enterprise; 310115 浦东新区; then a 9-character
	 * organisation code made from i. */
	snprintf(out, 19, "91310115%09u", i);
	out[17] = yx_credit_code_check_char(out);
	out[18] = '\0';
}

void fx_enterprise_init(fx_enterprise_t *f, uint32_t i)
{
	static const uint32_t cities[] = {310000, 320500, 330100, 340100};
	memset(f, 0, sizeof(*f));
	yrdx__enterprise__init(&f->e);
	yrdx__enterprise_financials__init(&f->fin);
	fx_credit_code(i, f->code);
	snprintf(f->name, sizeof(f->name), "长三角硬科技样本企业%u有限公司", i);
	snprintf(f->incubator, sizeof(f->incubator), "SH-INC-%04u", i % 500);
	f->incubators[0] = f->incubator;
	f->industries[0] = YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS + (Yrdx__Industry)(i % 3);
	f->industries[1] = YRDX__INDUSTRY__INDUSTRY_FUTURE_HEALTH + (Yrdx__Industry)(i % 5);
	f->qualifications[0] = YRDX__QUALIFICATION__QUALIFICATION_TECH_SME;
	f->qualifications[1] = YRDX__QUALIFICATION__QUALIFICATION_GAZELLE;
	f->e.credit_code = f->code;
	f->e.name = f->name;
	f->e.city = cities[i % 4];
	f->e.stage = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_GROWTH;
	f->e.n_incubator_ids = 1;
	f->e.incubator_ids = f->incubators;
	f->e.n_industries = 2;
	f->e.industries = f->industries;
	f->e.n_qualifications = (i % 7 == 0) ? 2 : 1;
	f->e.qualifications = f->qualifications;
	f->e.employees = 20 + i % 400;
	f->e.patents = i % 37;
	f->e.funding_wan_yuan = 500 + (uint64_t)(i % 10000) * 3;
	f->e.founded_year = 2015 + i % 10;
	f->fin.revenue_wan_yuan = 1000 + i % 99991;
	f->fin.rd_spend_wan_yuan = 100 + i % 9973;
	f->fin.valuation_wan_yuan = 20000 + (uint64_t)i * 7 % 1000003;
	f->e.financials = &f->fin;
}

void fx_incubator_init(fx_incubator_t *f, uint32_t i)
{
	memset(f, 0, sizeof(*f));
	yrdx__incubator__init(&f->inc);
	snprintf(f->id, sizeof(f->id), "SH-INC-%04u", i);
	snprintf(f->name, sizeof(f->name), "上海样本孵化器%u号", i);
	f->industries[0] = YRDX__INDUSTRY__INDUSTRY_ARTIFICIAL_INTELLIGENCE;
	f->industries[1] = YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE;
	f->industries[2] = YRDX__INDUSTRY__INDUSTRY_FUTURE_SPACE;
	f->platforms[0] = YRDX__SERVICE_PLATFORM__SERVICE_PLATFORM_CONCEPT_VERIFICATION;
	f->platforms[1] = YRDX__SERVICE_PLATFORM__SERVICE_PLATFORM_PILOT_BASE;
	f->inc.id = f->id;
	f->inc.name = f->name;
	f->inc.city = 310000;
	f->inc.tier =
	        YRDX__INCUBATOR_TIER__INCUBATOR_TIER_HIGH_QUALITY + (Yrdx__IncubatorTier)(i % 3);
	f->inc.operator_type = YRDX__OPERATOR_TYPE__OPERATOR_TYPE_UNIVERSITY_SCIENCE_PARK +
	                       (Yrdx__OperatorType)(i % 8);
	f->inc.n_focus_industries = 3;
	f->inc.focus_industries = f->industries;
	f->inc.n_platforms = 2;
	f->inc.platforms = f->platforms;
	f->inc.seed_fund_wan_yuan = 5000;
	f->inc.mentors = 12 + i % 30;
	f->inc.transformed = (i % 2) == 0;
	f->inc.area_m2 = 8000;
}

/* Deterministic filler for keys, hashes and blobs: distinct per (tag, i). */
static void fx_fill(uint8_t *buf, size_t len, uint8_t tag, uint32_t i)
{
	for (size_t k = 0; k < len; k++)
		buf[k] = (uint8_t)(tag * 31u + i * 7u + k * 13u);
}

void fx_park_init(fx_park_t *f, uint32_t i)
{
	static const uint32_t cities[] = {320500, 330100, 340100, 310000};
	memset(f, 0, sizeof(*f));
	yrdx__park__init(&f->park);
	snprintf(f->id, sizeof(f->id), "PARK-%04u", i);
	snprintf(f->name, sizeof(f->name), "长三角样本产业园%u号", i);
	f->industries[0] = YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS;
	f->industries[1] = YRDX__INDUSTRY__INDUSTRY_HIGH_END_EQUIPMENT + (Yrdx__Industry)(i % 3);
	f->park.id = f->id;
	f->park.name = f->name;
	f->park.city = cities[i % 4];
	f->park.type = YRDX__PARK_TYPE__PARK_TYPE_HIGH_TECH_ZONE + (Yrdx__ParkType)(i % 3);
	f->park.n_industries = 2;
	f->park.industries = f->industries;
	f->park.capacity = 40 + i % 60;
	f->park.area_m2 = 20000 + i % 5000;
}

void fx_relay_event_init(fx_relay_event_t *f, uint32_t i)
{
	memset(f, 0, sizeof(*f));
	yrdx__relay_event__init(&f->ev);
	yrdx__change_ref__init(&f->answers);
	snprintf(f->case_id, sizeof(f->case_id), "SH-RELAY-%04u", i);
	snprintf(f->id, sizeof(f->id), "%s/accept", f->case_id);
	fx_credit_code(i, f->code);
	snprintf(f->source, sizeof(f->source), "SH-INC-%04u", i % 500);
	snprintf(f->park_id, sizeof(f->park_id), "PARK-%04u", i);
	snprintf(f->note, sizeof(f->note), "接力孵化：产业匹配，园区接收（案例%u）", i);
	fx_fill(f->destination, sizeof(f->destination), 1, i);
	fx_fill(f->answers_origin, sizeof(f->answers_origin), 2, i);
	fx_fill(f->answers_hash, sizeof(f->answers_hash), 3, i);
	fx_fill(f->dossier, sizeof(f->dossier), 4, i);
	f->answers.origin = (ProtobufCBinaryData){sizeof(f->answers_origin), f->answers_origin};
	f->answers.seq = 1 + i;
	f->answers.hash = (ProtobufCBinaryData){sizeof(f->answers_hash), f->answers_hash};
	f->ev.id = f->id;
	f->ev.case_id = f->case_id;
	f->ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_ACCEPT;
	f->ev.credit_code = f->code;
	f->ev.source_incubator_id = f->source;
	f->ev.destination_node = (ProtobufCBinaryData){sizeof(f->destination), f->destination};
	f->ev.park_id = f->park_id;
	f->ev.answers = &f->answers;
	f->ev.note = f->note;
	f->ev.sealed_dossier = (ProtobufCBinaryData){sizeof(f->dossier), f->dossier};
}

void fx_joint_init(fx_joint_t *f, uint32_t i)
{
	static const char *const prefixes[3] = {"SH", "SZ", "HZ"};
	memset(f, 0, sizeof(*f));
	yrdx__joint_participation__init(&f->jp);
	for (int k = 0; k < 3; k++) {
		fx_fill(f->keys[k], sizeof(f->keys[k]), (uint8_t)(10 + k), i);
		f->parties[k] = (ProtobufCBinaryData){sizeof(f->keys[k]), f->keys[k]};
		snprintf(f->incubator_id[k], sizeof(f->incubator_id[k]), "%s-INC-%04u", prefixes[k],
		         i % 500);
		f->incubator_ids[k] = f->incubator_id[k];
	}
	snprintf(f->id, sizeof(f->id), "JOINT-%04u", i);
	fx_credit_code(i, f->code);
	snprintf(f->role, sizeof(f->role), "lead");
	f->jp.id = f->id;
	f->jp.n_parties = 3;
	f->jp.parties = f->parties;
	f->jp.n_incubator_ids = 3;
	f->jp.incubator_ids = f->incubator_ids;
	f->jp.credit_code = f->code;
	f->jp.incubator_id = f->incubator_id[0];
	f->jp.role = f->role;
}

void fx_evaluation_init(fx_evaluation_t *f, uint32_t i)
{
	memset(f, 0, sizeof(*f));
	yrdx__evaluation__init(&f->ev);
	snprintf(f->incubator_id, sizeof(f->incubator_id), "SH-INC-%04u", i);
	snprintf(f->period, sizeof(f->period), "%u", 2023 + i % 3);
	snprintf(f->id, sizeof(f->id), "%s/%s", f->incubator_id, f->period);
	for (int k = 0; k < 5; k++) {
		yrdx__dimension_score__init(&f->score[k]);
		f->score[k].dimension = YRDX__EVALUATION_DIMENSION__EVALUATION_DIMENSION_TALENT +
		                        (Yrdx__EvaluationDimension)k;
		f->score[k].score = 60 + (i + (uint32_t)k * 7) % 41;
		f->scores[k] = &f->score[k];
	}
	f->ev.id = f->id;
	f->ev.incubator_id = f->incubator_id;
	f->ev.period = f->period;
	f->ev.n_scores = 5;
	f->ev.scores = f->scores;
	f->ev.result =
	        YRDX__MILESTONE_RESULT__MILESTONE_RESULT_EXCELLENT + (Yrdx__MilestoneResult)(i % 4);
	f->ev.startup_funding_wan_yuan = 500 + i % 100;
	f->ev.operating_subsidy_wan_yuan = 200 + i % 50;
	f->ev.milestone_reward_wan_yuan = (i % 4 == 0) ? 300 : 0;
}

static void fx_change_envelope(fx_change_t *f, uint64_t seq)
{
	memset(f, 0, sizeof(*f));
	yrdx__change__init(&f->c);
	yrdx__tombstone__init(&f->tomb);
	fx_fill(f->origin, sizeof(f->origin), 20, 0);
	if (seq > 1)
		fx_fill(f->prev_hash, sizeof(f->prev_hash), 21, (uint32_t)seq);
	f->c.origin = (ProtobufCBinaryData){sizeof(f->origin), f->origin};
	f->c.seq = seq;
	f->c.prev_hash = (ProtobufCBinaryData){sizeof(f->prev_hash), f->prev_hash};
	f->c.time_ms = 1700000000000 + (int64_t)seq * 1000;
}

void fx_change_init(fx_change_t *f, yx_kind_t kind, void *record, uint64_t seq)
{
	fx_change_envelope(f, seq);
	yx_change_set_body(&f->c, kind, record);
	f->c.id = (char *)yx_change_body_id(&f->c);
}

void fx_tombstone_init(fx_change_t *f, yx_kind_t kind, const char *id, uint64_t seq)
{
	fx_change_envelope(f, seq);
	snprintf(f->reason, sizeof(f->reason), "撤回：登记有误 (seq %llu)",
	         (unsigned long long)seq);
	f->tomb.reason = f->reason;
	f->c.kind = (Yrdx__RecordKind)kind;
	f->c.id = (char *)id;
	f->c.body_case = YRDX__CHANGE__BODY_TOMBSTONE;
	f->c.tombstone = &f->tomb;
}

void fx_log_init(fx_log_t *log, const yx_identity_t *id)
{
	memset(log, 0, sizeof(*log));
	log->id = id;
}

void fx_log_append_bytes(fx_log_t *log, uint8_t *bytes, size_t len)
{
	if (log->n == FX_LOG_MAX) {
		fprintf(stderr, "fx_log_append: more than %d pending entries\n", FX_LOG_MAX);
		abort();
	}
	size_t i = log->n++;
	log->seq++;
	log->bytes[i] = bytes;
	yx_chain_digest(bytes, len, log->digest[i]);
	yx_chain_link(log->hash, log->digest[i], log->chain[i]);
	memcpy(log->hash, log->chain[i], YX_HASH_BYTES);
	log->e[i] = (yx_entry_t){.seq = log->seq, .bytes = bytes, .len = len};
}

void fx_log_append(fx_log_t *log, yx_kind_t kind, void *record, int64_t time_ms)
{
	Yrdx__Change c = YRDX__CHANGE__INIT;
	uint8_t prev[YX_HASH_BYTES], *bytes = NULL;
	size_t len = 0;
	memcpy(prev, log->hash, YX_HASH_BYTES);
	c.origin = (ProtobufCBinaryData){YX_KEY_BYTES, (uint8_t *)yx_identity_public(log->id)};
	c.seq = log->seq + 1;
	c.prev_hash = (ProtobufCBinaryData){YX_HASH_BYTES, prev};
	c.time_ms = time_ms;
	yx_change_set_body(&c, kind, record);
	c.id = (char *)yx_change_body_id(&c);
	if (yx_change_encode(&c, &bytes, &len) != YX_OK) {
		fprintf(stderr, "fx_log_append: change %llu does not encode\n",
		        (unsigned long long)c.seq);
		abort();
	}
	fx_log_append_bytes(log, bytes, len);
}

void fx_log_sign(fx_log_t *log, int64_t time_ms)
{
	memcpy(log->head.origin, yx_identity_public(log->id), YX_KEY_BYTES);
	log->head.seq = log->seq;
	memcpy(log->head.hash, log->hash, YX_HASH_BYTES);
	log->head.time_ms = time_ms;
	yx_head_sign(&log->head, log->id);
}

void fx_log_clear(fx_log_t *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->bytes[i]);
	log->n = 0;
}

void fx_node_open(fx_node_t *n, const char *tag)
{
	yx_diag_t d = {{0}};
	n->dir = fx_tmpdir(tag);
	if (yx_store_open(n->dir, YX_STORE_CREATE, 0, &n->store, &d) != YX_OK ||
	    yx_identity_generate(&n->id) != YX_OK) {
		fprintf(stderr, "fixtures: cannot open a store in %s: %s\n", n->dir, d.msg);
		abort();
	}
}

void fx_node_close(fx_node_t *n)
{
	yx_store_close(&n->store);
	yx_identity_free(&n->id);
	fx_rmtree(n->dir);
	free(n->dir);
}

int fx_try_put_enterprises(yx_store_t *store, const yx_identity_t *id, uint32_t first,
                           uint32_t count, yx_head_t *head, yx_diag_t *d)
{
	yx_batch_t *b = NULL;
	yx_diag_t none = {{0}};
	int ret = yx_batch_begin(store, id, &b);
	if (!d)
		d = &none;
	for (uint32_t i = first; ret == YX_OK && i < first + count; i++) {
		fx_enterprise_t f;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		fx_enterprise_init(&f, i);
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, &f.e);
		c.id = f.code;
		ret = yx_batch_put(b, &c, d);
	}
	if (ret == YX_OK)
		return yx_batch_commit(&b, head);
	yx_batch_abort(&b);
	return ret;
}

yx_head_t fx_put_enterprises(fx_node_t *n, uint32_t first, uint32_t count)
{
	yx_head_t head;
	yx_diag_t d = {{0}};
	int ret = fx_try_put_enterprises(n->store, n->id, first, count, &head, &d);
	if (ret != YX_OK) {
		fprintf(stderr, "fx_put_enterprises %u..%u: %s\n", first, first + count,
		        d.msg[0] ? d.msg : yx_strerror(ret));
		abort();
	}
	return head;
}

const uint8_t *fx_rotated_signer(void *arg, const uint8_t origin[YX_KEY_BYTES], uint64_t seq)
{
	const fx_rotated_t *r = arg;
	if (memcmp(origin, r->origin, YX_KEY_BYTES) != 0 || seq <= r->after)
		return origin;
	return r->next;
}

void fx_head_sign_v1(yx_head_t *head, const yx_identity_t *id)
{
	uint8_t msg[12 + YX_KEY_BYTES + 8 + YX_HASH_BYTES + 8], *p = msg;
	memcpy(p, "yrdx-head-v1", 12);
	p += 12;
	memcpy(p, head->origin, YX_KEY_BYTES);
	p += YX_KEY_BYTES;
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(head->seq >> (56 - 8 * i));
	memcpy(p, head->hash, YX_HASH_BYTES);
	p += YX_HASH_BYTES;
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)((uint64_t)head->time_ms >> (56 - 8 * i));
	head->version = YX_HEAD_V1;
	head->policy_seq = 0;
	yx_identity_sign(id, msg, sizeof(msg), head->signature);
}
