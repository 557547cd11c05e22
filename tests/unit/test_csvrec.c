/* csvrec: every record kind through a CSV row and back to the same packed bytes (with
 * malloc and with an arena), the required-column table held to validate.c, and the
 * reader's, the header's and the cells' messages, one case per error class. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "csvrec.h"
#include "error.h"
#include "fixtures.h"
#include "json.h"
#include "validate.h"

/* ---- helpers ---- */

/* A stream holding exactly n bytes of text (tmpfile: fmemopen refuses empty buffers). */
static FILE *open_text(const char *text, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(text, 1, n, f), n);
	rewind(f);
	return f;
}

typedef struct {
	FILE *f;
	yx_csv_reader_t *r;
	yx_csv_header_t *h;
	yx_kind_t kind;
} doc_t;

/* Opens text as a CSV of kind and binds its header (which must be fine). */
static void doc_open(doc_t *d, yx_kind_t kind, const char *text, size_t n)
{
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};

	d->kind = kind;
	d->f = open_text(text, n);
	assert_int_equal(yx_csv_reader_new(d->f, "t.csv", &d->r), YX_OK);
	int ret = yx_csv_reader_next(d->r, &row, &diag);
	if (ret != YX_OK)
		fail_msg("header: %d %s", ret, diag.msg);
	ret = yx_csv_header_new(kind, "t.csv", &row, &d->h, &diag);
	if (ret != YX_OK)
		fail_msg("header: %s", diag.msg);
	assert_int_equal(yx_csv_header_kind(d->h), kind);
}

static void doc_close(doc_t *d)
{
	yx_csv_header_destroy(&d->h);
	assert_null(d->h);
	yx_csv_reader_destroy(&d->r);
	assert_null(d->r);
	fclose(d->f);
}

static uint8_t *pack(const void *record, size_t *len)
{
	const ProtobufCMessage *m = record;
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	assert_non_null(buf);
	*len = protobuf_c_message_pack(m, buf);
	return buf;
}

static void assert_same(const void *a, const void *b)
{
	size_t al, bl;
	uint8_t *pa = pack(a, &al), *pb = pack(b, &bl);
	assert_int_equal(al, bl);
	assert_memory_equal(pa, pb, al);
	free(pa);
	free(pb);
}

/* A bump allocator, as yrdxctl import uses for a batch of records. */
typedef struct {
	char mem[1 << 16];
	size_t used;
} arena_t;

static void *arena_alloc(void *data, size_t size)
{
	arena_t *a = data;
	size_t at = (a->used + 15) & ~(size_t)15;
	if (at + size > sizeof(a->mem))
		return NULL;
	a->used = at + size;
	return a->mem + at;
}

static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

/* record -> header + row text -> record, with malloc and with an arena; the packed bytes
 * must not change, and the row written again must be the same text. */
static void assert_roundtrip(yx_kind_t kind, const void *record)
{
	char *text = NULL, *again = NULL;
	size_t len = 0, again_len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(yx_csv_write_header(out, kind), YX_OK);
	assert_int_equal(yx_csv_write_record(out, kind, record), YX_OK);
	fclose(out);

	for (int pass = 0; pass < 2; pass++) {
		static arena_t arena;
		ProtobufCAllocator alloc = {arena_alloc, arena_free, &arena};
		ProtobufCAllocator *a = pass ? &alloc : NULL;
		doc_t d;
		yx_csv_row_t row;
		yx_diag_t diag = {{0}};
		void *back = NULL;

		arena.used = 0;
		doc_open(&d, kind, text, len);
		assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_OK);
		assert_null(row.error);
		assert_int_equal(row.line, 2);
		int ret = yx_csv_row_to_record(d.h, &row, a, &back, &diag);
		if (ret != YX_OK)
			fail_msg("%s: %s\n%s", yx_kind_name(kind), diag.msg, text);
		assert_same(record, back);
		if (pass == 0) {
			out = open_memstream(&again, &again_len);
			assert_int_equal(yx_csv_write_header(out, kind), YX_OK);
			assert_int_equal(yx_csv_write_record(out, kind, back), YX_OK);
			fclose(out);
			assert_string_equal(text, again);
			free(again);
			protobuf_c_message_free_unpacked(back, NULL);
		}
		assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_ENOTFOUND);
		doc_close(&d);
	}
	free(text);
}

/* Reads text as kind and expects the first data row to fail with exactly msg. */
static void expect_row_error(yx_kind_t kind, const char *text, const char *msg)
{
	doc_t d;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	void *record = &diag;

	doc_open(&d, kind, text, strlen(text));
	assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_OK);
	int ret = yx_csv_row_to_record(d.h, &row, NULL, &record, &diag);
	if (ret == YX_OK) {
		/* Converted: the error must be validation's. */
		Yrdx__Change c = YRDX__CHANGE__INIT;
		yx_change_set_body(&c, kind, record);
		ret = yx_csv_validate(d.h, &row, &c, &diag);
		protobuf_c_message_free_unpacked(record, NULL);
	} else {
		assert_null(record);
	}
	assert_int_equal(ret, YX_EINVAL);
	assert_string_equal(diag.msg, msg);
	doc_close(&d);
}

/* Reads text to its end and expects reading to stop with err and exactly msg, after
 * rows good rows (header included). */
static void expect_read_error(const char *text, size_t n, size_t rows, int err, const char *msg)
{
	FILE *f = open_text(text, n);
	yx_csv_reader_t *r = NULL;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	size_t got = 0;
	int ret;

	assert_int_equal(yx_csv_reader_new(f, "t.csv", &r), YX_OK);
	while ((ret = yx_csv_reader_next(r, &row, &diag)) == YX_OK)
		got++;
	assert_int_equal(ret, err);
	assert_string_equal(diag.msg, msg);
	assert_int_equal(got, rows);
	/* And it stays stopped. */
	memset(&diag, 0, sizeof(diag));
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), err);
	assert_string_equal(diag.msg, msg);
	yx_csv_reader_destroy(&r);
	fclose(f);
}

#define ENT_HEADER "credit_code,name,city,stage,industries,employees,financials.revenue_wan_yuan\n"

/* A valid enterprise row's first cells. */
static const char *good_code(void)
{
	static char code[19];
	fx_credit_code(7, code);
	return code;
}

/* ---- round trips ---- */

static void test_roundtrip_every_kind(void **state)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	(void)state;

	for (uint32_t i = 0; i < 16; i++) {
		fx_incubator_init(&inc, i);
		assert_roundtrip(YX_KIND_INCUBATOR, &inc.inc);
		fx_enterprise_init(&ent, i);
		assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);
		ent.e.financials = NULL;
		assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);
		fx_park_init(&park, i);
		assert_roundtrip(YX_KIND_PARK, &park.park);
		fx_relay_event_init(&relay, i);
		assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
		relay.ev.type = YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE;
		relay.ev.answers = NULL;
		assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
		fx_joint_init(&joint, i);
		assert_roundtrip(YX_KIND_JOINT, &joint.jp);
		fx_evaluation_init(&eval, i);
		assert_roundtrip(YX_KIND_EVALUATION, &eval.ev);
	}
}

/* Text CSV must quote, ids holding the list separator, extremes of the integer types. */
static void test_roundtrip_edges(void **state)
{
	fx_enterprise_t ent;
	fx_relay_event_t relay;
	char *ids[3] = {"INC;1", "INC\\2", "INC-3"};
	(void)state;

	fx_enterprise_init(&ent, 3);
	snprintf(ent.name, sizeof(ent.name), "上海\"芯\",有限公司\n第二行");
	ent.e.incubator_ids = ids;
	ent.e.n_incubator_ids = 3;
	ent.e.employees = UINT32_MAX;
	ent.fin.valuation_wan_yuan = UINT64_MAX;
	assert_roundtrip(YX_KIND_ENTERPRISE, &ent.e);

	fx_relay_event_init(&relay, 5);
	snprintf(relay.note, sizeof(relay.note), " leading and trailing spaces ");
	assert_roundtrip(YX_KIND_RELAY_EVENT, &relay.ev);
}

static void test_write_form(void **state)
{
	fx_evaluation_t eval;
	char *text = NULL;
	size_t len = 0;
	(void)state;

	fx_evaluation_init(&eval, 1);
	FILE *out = open_memstream(&text, &len);
	assert_int_equal(yx_csv_write_header(out, YX_KIND_EVALUATION), YX_OK);
	fclose(out);
	assert_string_equal(text, "id,incubator_id,period,scores,result,startup_funding_wan_yuan,"
	                          "operating_subsidy_wan_yuan,milestone_reward_wan_yuan\n");
	free(text);
	out = open_memstream(&text, &len);
	assert_int_equal(yx_csv_write_header(out, YX_KIND_ENTERPRISE), YX_OK);
	fclose(out);
	assert_string_equal(
	        text, "credit_code,name,city,stage,incubator_ids,industries,"
	              "qualifications,employees,patents,funding_wan_yuan,park_id,"
	              "founded_year,financials.revenue_wan_yuan,"
	              "financials.rd_spend_wan_yuan,financials.valuation_wan_yuan,relay_case_id\n");
	free(text);

	/* Pairs, enums by short name, defaults empty. */
	Yrdx__Evaluation e = YRDX__EVALUATION__INIT;
	Yrdx__DimensionScore s[2] = {YRDX__DIMENSION_SCORE__INIT, YRDX__DIMENSION_SCORE__INIT};
	Yrdx__DimensionScore *sp[2] = {&s[0], &s[1]};
	s[0].dimension = YRDX__EVALUATION_DIMENSION__EVALUATION_DIMENSION_TALENT;
	s[0].score = 80;
	s[1].dimension = YRDX__EVALUATION_DIMENSION__EVALUATION_DIMENSION_HARD_TECH_ORIGINATION;
	s[1].score = 75;
	e.id = "SH-INC-0001/2024";
	e.incubator_id = "SH-INC-0001";
	e.period = "2024";
	e.scores = sp;
	e.n_scores = 2;
	e.result = YRDX__MILESTONE_RESULT__MILESTONE_RESULT_EXCELLENT;
	e.milestone_reward_wan_yuan = 300;
	out = open_memstream(&text, &len);
	assert_int_equal(yx_csv_write_record(out, YX_KIND_EVALUATION, &e), YX_OK);
	fclose(out);
	assert_string_equal(text, "SH-INC-0001/2024,SH-INC-0001,2024,"
	                          "talent:80;hard_tech_origination:75,excellent,,,300\n");
	free(text);
}

/* Input takes what json.c takes for enums, any column order, numbers for enums. */
static void test_input_spellings(void **state)
{
	char text[512];
	doc_t d;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	void *rec = NULL;
	(void)state;

	snprintf(text, sizeof(text),
	         "industries,stage,city,name,credit_code,financials.revenue_wan_yuan\n"
	         "Integrated-Circuits;INDUSTRY_BIOMEDICINE;5,3,310000,名称,%s,\n",
	         good_code());
	doc_open(&d, YX_KIND_ENTERPRISE, text, strlen(text));
	assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_OK);
	assert_int_equal(yx_csv_row_to_record(d.h, &row, NULL, &rec, &diag), YX_OK);
	Yrdx__Enterprise *e = rec;
	assert_int_equal(e->n_industries, 3);
	assert_int_equal(e->industries[0], YRDX__INDUSTRY__INDUSTRY_INTEGRATED_CIRCUITS);
	assert_int_equal(e->industries[1], YRDX__INDUSTRY__INDUSTRY_BIOMEDICINE);
	assert_int_equal(e->industries[2], YRDX__INDUSTRY__INDUSTRY_ARTIFICIAL_INTELLIGENCE);
	assert_int_equal(e->stage, YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_GROWTH);
	assert_string_equal(e->name, "名称");
	assert_null(e->financials); /* all its cells empty: absent */
	protobuf_c_message_free_unpacked(rec, NULL);
	doc_close(&d);

	/* Nor does a nested default make one: "0" is written as an empty cell. */
	snprintf(text, sizeof(text),
	         "credit_code,name,city,stage,financials.revenue_wan_yuan,"
	         "financials.rd_spend_wan_yuan\n%s,名称,310000,seed,0,7\n%s,名称,"
	         "310000,seed,0,\n",
	         good_code(), good_code());
	doc_open(&d, YX_KIND_ENTERPRISE, text, strlen(text));
	assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_OK);
	assert_int_equal(yx_csv_row_to_record(d.h, &row, NULL, &rec, &diag), YX_OK);
	e = rec;
	assert_non_null(e->financials);
	assert_int_equal(e->financials->revenue_wan_yuan, 0);
	assert_int_equal(e->financials->rd_spend_wan_yuan, 7);
	protobuf_c_message_free_unpacked(rec, NULL);
	assert_int_equal(yx_csv_reader_next(d.r, &row, &diag), YX_OK);
	assert_int_equal(yx_csv_row_to_record(d.h, &row, NULL, &rec, &diag), YX_OK);
	assert_null(((Yrdx__Enterprise *)rec)->financials);
	protobuf_c_message_free_unpacked(rec, NULL);
	doc_close(&d);
}

/* ---- the required columns are validate.c's ---- */

static void clear_field(void *record, const char *name)
{
	ProtobufCMessage *m = record;
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	assert_non_null(f);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		*(size_t *)((char *)m + f->quantifier_offset) = 0;
		return;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: *(char **)((char *)m + f->offset) = ""; break;
	case PROTOBUF_C_TYPE_MESSAGE: *(void **)((char *)m + f->offset) = NULL; break;
	case PROTOBUF_C_TYPE_BYTES:
		((ProtobufCBinaryData *)((char *)m + f->offset))->len = 0;
		break;
	case PROTOBUF_C_TYPE_UINT64: *(uint64_t *)((char *)m + f->offset) = 0; break;
	default: *(uint32_t *)((char *)m + f->offset) = 0; break;
	}
}

static bool is_required(yx_kind_t kind, const char *name)
{
	for (const char *const *r = yx_csv_required_columns(kind); *r; r++)
		if (strcmp(*r, name) == 0)
			return true;
	return false;
}

/* Clearing a required field fails validation, clearing any other does not. */
static void check_required(yx_kind_t kind, void (*init)(void *, uint32_t), void *fx, void *record,
                           const char *conditional)
{
	const ProtobufCMessageDescriptor *d = yx_kind_descriptor(kind);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const char *name = d->fields[i].name;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		yx_diag_t diag = {{0}};
		if (conditional && strstr(conditional, name))
			continue;
		init(fx, 3);
		clear_field(record, name);
		yx_change_set_body(&c, kind, record);
		int ret = yx_validate_record(&c, &diag);
		if (is_required(kind, name) != (ret != YX_OK))
			fail_msg("%s.%s: required in csvrec.c: %d, validate.c says: %s",
			         yx_kind_name(kind), name, is_required(kind, name),
			         ret ? diag.msg : "ok");
	}
}

static void init_inc(void *f, uint32_t i)
{
	fx_incubator_init(f, i);
}
static void init_ent(void *f, uint32_t i)
{
	fx_enterprise_init(f, i);
}
static void init_park(void *f, uint32_t i)
{
	fx_park_init(f, i);
}
static void init_relay(void *f, uint32_t i)
{
	fx_relay_event_init(f, i);
}
static void init_joint(void *f, uint32_t i)
{
	fx_joint_init(f, i);
}
static void init_eval(void *f, uint32_t i)
{
	fx_evaluation_init(f, i);
}

static void test_required_columns(void **state)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	(void)state;

	check_required(YX_KIND_INCUBATOR, init_inc, &inc, &inc.inc, NULL);
	check_required(YX_KIND_ENTERPRISE, init_ent, &ent, &ent.e, NULL);
	check_required(YX_KIND_PARK, init_park, &park, &park.park, NULL);
	/* Required by type only (PROPOSE needs a destination, the rest an answer). */
	check_required(YX_KIND_RELAY_EVENT, init_relay, &relay, &relay.ev,
	               "destination_node answers");
	check_required(YX_KIND_JOINT, init_joint, &joint, &joint.jp, NULL);
	check_required(YX_KIND_EVALUATION, init_eval, &eval, &eval.ev, NULL);
	assert_null(yx_csv_required_columns(YX_KIND_NONE));
}

/* ---- the reader ---- */

/* BOM, CRLF, quoted commas, quotes and line breaks, blank lines: rows and their lines. */
static void test_read_dialects(void **state)
{
	static const char text[] = "\xEF\xBB\xBF"
	                           "a,b,c\r\n"
	                           "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
	                           "\r\n"
	                           "2,\"two\r\nlines\",\r\n"
	                           "3, spaced ,\"\"\r\n"
	                           "4,last,row";
	FILE *f = open_text(text, sizeof(text) - 1);
	yx_csv_reader_t *r = NULL;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	(void)state;

	assert_int_equal(yx_csv_reader_new(f, "t.csv", &r), YX_OK);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(row.n, 3);
	assert_string_equal(row.cells[0], "a"); /* no BOM in the first name */
	assert_int_equal(row.line, 1);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(row.line, 2);
	assert_string_equal(row.cells[1], "x, y");
	assert_string_equal(row.cells[2], "say \"hi\"");
	assert_string_equal(row.raw, "1,\"x, y\",\"say \"\"hi\"\"\"\r\n");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(row.line, 4);
	assert_string_equal(row.cells[1], "two\r\nlines");
	assert_int_equal(row.lens[2], 0);
	assert_string_equal(row.raw, "2,\"two\r\nlines\",\r\n");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(row.line, 6);
	assert_string_equal(row.cells[1], " spaced ");
	assert_null(row.error);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(row.line, 7);
	assert_string_equal(row.cells[2], "row");
	assert_string_equal(row.raw, "4,last,row");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_ENOTFOUND);
	assert_int_equal(yx_csv_reader_offset(r), sizeof(text) - 1);
	yx_csv_reader_destroy(&r);
	fclose(f);
}

/* A character cut by the 64 KiB chunk boundary, and a row across it. */
static void test_read_chunk_boundary(void **state)
{
	size_t n = 70000;
	char *text = malloc(n + 1);
	FILE *f;
	yx_csv_reader_t *r = NULL;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	size_t len = 0, rows = 0;
	(void)state;

	assert_non_null(text);
	len += (size_t)sprintf(text, "name\n");
	/* Rows of 3-byte characters shifted so one straddles byte 65536. */
	while (len + 40 < n) {
		text[len++] = 'x';
		for (int k = 0; k < 10 && len + 4 < n; k++) {
			memcpy(text + len, "园", 3);
			len += 3;
		}
		text[len++] = '\n';
	}
	f = open_text(text, len);
	assert_int_equal(yx_csv_reader_new(f, "t.csv", &r), YX_OK);
	while (yx_csv_reader_next(r, &row, &diag) == YX_OK) {
		assert_null(row.error);
		assert_int_equal(row.line, rows + 1);
		if (rows++)
			assert_int_equal(row.lens[0], 31);
	}
	assert_int_equal(yx_csv_reader_offset(r), len);
	yx_csv_reader_destroy(&r);
	fclose(f);
	free(text);
}

static void test_read_errors(void **state)
{
	char *big;
	size_t n;
	(void)state;

	expect_read_error("", 0, 0, YX_EINVAL, "t.csv: empty file");
	expect_read_error("\xEF\xBB\xBF", 3, 0, YX_EINVAL, "t.csv: empty file");
	expect_read_error("\n\r\n\n", 4, 0, YX_EINVAL, "t.csv: empty file");
	expect_read_error("a,b\n1,x\"y\n", 10, 1, YX_EINVAL,
	                  "t.csv:2:4: '\"' inside an unquoted field (quote the whole field and "
	                  "double the quote)");
	expect_read_error("a,b\n\"中文\"x,2\n", 15, 1, YX_EINVAL,
	                  "t.csv:2:5: 'x' after a closing quote (a quote inside a quoted field is "
	                  "written twice)");
	expect_read_error("a,b\n1,2\n3,\"open\n4,5\n", 20, 2, YX_EINVAL,
	                  "t.csv:3: a quoted field is still open at the end of the file (a quote "
	                  "is missing)");
	/* A cell longer than the limit stops reading, naming the header's column. */
	n = YX_CSV_CELL_MAX + 200;
	big = malloc(n + 16);
	assert_non_null(big);
	memcpy(big, "id,name\nX,", 10);
	memset(big + 10, 'a', n - 10);
	big[n] = '\n';
	expect_read_error(big, n + 1, 1, YX_EINVAL,
	                  "t.csv:2: column name: cell of more than 65536 bytes");
	free(big);
}

/* Rows that cannot be used say why, and reading goes on. */
static void test_row_errors(void **state)
{
	static const char text[] = "a,b\n"
	                           "1,caf\xE9\n"
	                           "2,ok\n"
	                           "3\n"
	                           "4,\"x\",y\n"
	                           "5,n\x00l\n";
	FILE *f = open_text(text, sizeof(text) - 1);
	yx_csv_reader_t *r = NULL;
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};
	(void)state;

	assert_int_equal(yx_csv_reader_new(f, "t.csv", &r), YX_OK);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_string_equal(row.error, "t.csv:2:6: invalid UTF-8 (byte 0xE9): the file must be "
	                               "UTF-8 (convert it, e.g. iconv -f GB18030 -t UTF-8)");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_null(row.error);
	assert_string_equal(row.cells[1], "ok");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_string_equal(row.error, "t.csv:4: 1 cell, but the header has 2 columns");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_string_equal(row.error, "t.csv:5: 3 cells, but the header has 2 columns");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	assert_string_equal(row.error, "t.csv:6:4: NUL byte (0x00)");
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_ENOTFOUND);
	yx_csv_reader_destroy(&r);
	fclose(f);
}

/* ---- header ---- */

static void expect_header_error(yx_kind_t kind, const char *text, const char *msg)
{
	FILE *f = open_text(text, strlen(text));
	yx_csv_reader_t *r = NULL;
	yx_csv_header_t *h = (yx_csv_header_t *)&r; /* must come back untouched */
	yx_csv_row_t row;
	yx_diag_t diag = {{0}};

	assert_int_equal(yx_csv_reader_new(f, "t.csv", &r), YX_OK);
	assert_int_equal(yx_csv_reader_next(r, &row, &diag), YX_OK);
	h = NULL;
	assert_int_equal(yx_csv_header_new(kind, "t.csv", &row, &h, &diag), YX_EINVAL);
	assert_null(h);
	assert_string_equal(diag.msg, msg);
	yx_csv_reader_destroy(&r);
	fclose(f);
}

static void test_header_errors(void **state)
{
	(void)state;
	expect_header_error(YX_KIND_PARK, "id,name,city,type,size\n",
	                    "t.csv:1: unknown column \"size\" (park has id, name, city, type, "
	                    "industries, capacity, area_m2)");
	expect_header_error(YX_KIND_PARK, "id,name,city,type,name\n",
	                    "t.csv:1: column name appears twice (columns 2 and 5)");
	expect_header_error(YX_KIND_PARK, "id,,city,type\n", "t.csv:1: column 2 has no name");
	expect_header_error(YX_KIND_ENTERPRISE, "name,city,employees\n",
	                    "t.csv:1: missing required columns credit_code, stage (enterprise "
	                    "records need credit_code, name, city, stage)");
	expect_header_error(YX_KIND_EVALUATION, "incubator_id,period,result,scores\n",
	                    "t.csv:1: missing required column id (evaluation records need id, "
	                    "incubator_id, period, scores, result)");
	expect_header_error(YX_KIND_ENTERPRISE, "credit_code,name,city,stage,financials\n",
	                    "t.csv:1: unknown column \"financials\" (enterprise has credit_code, "
	                    "name, city, stage, incubator_ids, industries, qualifications, "
	                    "employees, patents, funding_wan_yuan, park_id, founded_year, "
	                    "financials.revenue_wan_yuan, financials.rd_spend_wan_yuan, "
	                    "financials.valuation_wan_yuan, relay_case_id)");
}

/* ---- cells and validation, in CSV terms ---- */

static void test_cell_errors(void **state)
{
	char text[512];
	const char *code = good_code();
	(void)state;

#define ROW(fmt, ...) (snprintf(text, sizeof(text), ENT_HEADER fmt, __VA_ARGS__), text)
	expect_row_error(YX_KIND_ENTERPRISE,
	                 ROW("%s,名称,310000,seed,integrated_circuit,1,\n", code),
	                 "t.csv:2: column industries: \"integrated_circuit\": not a valid Industry "
	                 "(expected one of digital_transformation, green_transformation, "
	                 "integrated_circuits, biomedicine, artificial_intelligence, "
	                 "electronic_information, life_health, automotive, high_end_equipment, "
	                 "advanced_materials, fashion_consumer_goods, digital_economy, "
	                 "green_low_carbon, metaverse, smart_terminals, future_health, "
	                 "future_intelligence, future_energy, future_space, future_materials)");
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,310000,seeds,,1,\n", code),
	                 "t.csv:2: column stage: \"seeds\": not a valid EnterpriseStage (expected "
	                 "one of seed, startup, growth, graduated, landed, relocated)");
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,310000,seed,,12人,\n", code),
	                 "t.csv:2: column employees: \"12人\": not a decimal integer");
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,310000,seed,,-1,\n", code),
	                 "t.csv:2: column employees: \"-1\": must be a non-negative integer");
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,310000,seed,,4294967296,\n", code),
	                 "t.csv:2: column employees: \"4294967296\": out of range (0..4294967295)");
	expect_row_error(YX_KIND_ENTERPRISE,
	                 ROW("%s,名称,310000,seed,,1,18446744073709551616\n", code),
	                 "t.csv:2: column financials.revenue_wan_yuan: \"18446744073709551616\": "
	                 "out of range for a 64-bit integer");
	expect_row_error(YX_KIND_ENTERPRISE,
	                 ROW("%s,名称,310000,seed,biomedicine;;metaverse,1,\n", code),
	                 "t.csv:2: column industries: \"biomedicine;;metaverse\": value 2 of the "
	                 "list is empty");
	/* Validation, named by column. */
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,310000,seed,,1,\n", "91310115MA1K4ABC9X"),
	                 "t.csv:2: column credit_code: \"91310115MA1K4ABC9X\": check character is "
	                 "'X', expected '1'");
	expect_row_error(YX_KIND_ENTERPRISE, ROW("%s,名称,110000,seed,,1,\n", code),
	                 "t.csv:2: column city: 110000 is not a Yangtze River Delta "
	                 "prefecture-level city (GB/T 2260)");
#undef ROW
}

static void test_cell_errors_other_kinds(void **state)
{
	(void)state;
	expect_row_error(YX_KIND_EVALUATION,
	                 "id,incubator_id,period,result,scores\n"
	                 "E/2024,E,2024,passed,talent:80;talent:70\n",
	                 "t.csv:2: column scores: scores[1].dimension: EVALUATION_DIMENSION_TALENT "
	                 "repeats evaluation.scores[0]");
	expect_row_error(YX_KIND_EVALUATION,
	                 "id,incubator_id,period,result,scores\n"
	                 "E/2024,E,2024,passed,talent=80\n",
	                 "t.csv:2: column scores: \"talent=80\": expected dimension:score");
	expect_row_error(YX_KIND_EVALUATION,
	                 "id,incubator_id,period,result,scores\n"
	                 "E/2024,E,2024,passed,talent:high\n",
	                 "t.csv:2: column scores: \"high\": not a decimal integer");
	expect_row_error(YX_KIND_INCUBATOR,
	                 "id,name,city,tier,operator_type,transformed\n"
	                 "I,孵化器,310000,standard,state_owned,yes\n",
	                 "t.csv:2: column transformed: \"yes\": expected true or false");
	expect_row_error(YX_KIND_PARK, "id,name,city,type\nP,园区,320500,high_tech_zone,\n",
	                 "t.csv:2: 5 cells, but the header has 4 columns");
	expect_row_error(YX_KIND_JOINT, "id,credit_code,incubator_id,parties\nJ,X,I,abc\n",
	                 "t.csv:2: column parties: \"abc\": not valid base64 (standard alphabet, "
	                 "padded)");
	{
		char name[300], text[512];
		memset(name, 'n', 250);
		name[250] = '\0';
		snprintf(text, sizeof(text), "id,name,city,type\nP,%s,320500,high_tech_zone\n",
		         name);
		expect_row_error(YX_KIND_PARK, text,
		                 "t.csv:2: column name: "
		                 "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\": "
		                 "250 bytes, at most 200");
	}
}

/* ---- json.c's streamed JSON, beside the CSV writer it serves export with ---- */

/* yx_record_write_json prints what jansson prints for yx_record_to_json. */
static void assert_json_same(yx_kind_t kind, const void *record)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(yx_record_write_json(out, kind, record), YX_OK);
	fclose(out);
	json_t *j = yx_record_to_json(kind, record);
	char *want = json_dumps(j, JSON_COMPACT);
	assert_non_null(want);
	assert_string_equal(text, want);
	free(want);
	json_decref(j);
	free(text);
}

static void test_json_stream_matches_jansson(void **state)
{
	fx_incubator_t inc;
	fx_enterprise_t ent;
	fx_park_t park;
	fx_relay_event_t relay;
	fx_joint_t joint;
	fx_evaluation_t eval;
	(void)state;

	for (uint32_t i = 0; i < 8; i++) {
		fx_incubator_init(&inc, i);
		assert_json_same(YX_KIND_INCUBATOR, &inc.inc);
		fx_enterprise_init(&ent, i);
		assert_json_same(YX_KIND_ENTERPRISE, &ent.e);
		fx_park_init(&park, i);
		assert_json_same(YX_KIND_PARK, &park.park);
		fx_relay_event_init(&relay, i);
		assert_json_same(YX_KIND_RELAY_EVENT, &relay.ev);
		fx_joint_init(&joint, i);
		assert_json_same(YX_KIND_JOINT, &joint.jp);
		fx_evaluation_init(&eval, i);
		assert_json_same(YX_KIND_EVALUATION, &eval.ev);
	}
	/* Escapes, broken UTF-8, the largest uint64 (a string), an unknown enum number, an
	 * empty but present message, a defaulted key. */
	fx_enterprise_init(&ent, 9);
	snprintf(ent.name, sizeof(ent.name), "a\"b\\c/\b\f\n\r\t\x01\x1F\x7F 中 \xC3(\xE4\xB8");
	ent.fin.valuation_wan_yuan = UINT64_MAX;
	ent.fin.revenue_wan_yuan = (uint64_t)INT64_MAX;
	ent.industries[0] = (Yrdx__Industry)77;
	assert_json_same(YX_KIND_ENTERPRISE, &ent.e);
	yrdx__enterprise_financials__init(&ent.fin);
	ent.e.credit_code = "";
	assert_json_same(YX_KIND_ENTERPRISE, &ent.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip_every_kind),
	        cmocka_unit_test(test_roundtrip_edges),
	        cmocka_unit_test(test_write_form),
	        cmocka_unit_test(test_input_spellings),
	        cmocka_unit_test(test_required_columns),
	        cmocka_unit_test(test_read_dialects),
	        cmocka_unit_test(test_read_chunk_boundary),
	        cmocka_unit_test(test_read_errors),
	        cmocka_unit_test(test_row_errors),
	        cmocka_unit_test(test_header_errors),
	        cmocka_unit_test(test_cell_errors),
	        cmocka_unit_test(test_cell_errors_other_kinds),
	        cmocka_unit_test(test_json_stream_matches_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
