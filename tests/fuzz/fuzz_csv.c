/* Fuzz harness: a CSV registry file as yrdxctl import reads it, row by row into an arena,
 * then checked; the first byte picks the kind (incubators, enterprises, parks,
 * evaluations, and the kinds import refuses, whose headers must be refused cleanly). A
 * row that converts and validates is written back as CSV, as export would. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "csvrec.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	yx_csv_reader_t *reader = NULL;
	yx_csv_header_t *header = NULL;
	yx_csv_row_t row;
	yx_diag_t diag;
	yx_arena_t arena;
	FILE *in = NULL, *out = NULL;
	char *written = NULL;
	size_t written_len = 0;

	if (size < 2)
		return 0;
	yx_kind_t kind = (yx_kind_t)(1 + data[0] % (YX_KIND_COUNT - 1));
	yx_arena_init(&arena);
	if (!(in = fmemopen((void *)(data + 1), size - 1, "r")) ||
	    !(out = open_memstream(&written, &written_len)))
		goto out;
	if (yx_csv_reader_new(in, "fuzz.csv", &reader) != YX_OK)
		goto out;
	if (yx_csv_reader_next(reader, &row, &diag) != YX_OK || row.error ||
	    yx_csv_header_new(kind, "fuzz.csv", &row, &header, &diag) != YX_OK)
		goto out;
	while (yx_csv_reader_next(reader, &row, &diag) == YX_OK) {
		void *record = NULL;
		if (yx_csv_row_to_record(header, &row, yx_arena_allocator(&arena), &record,
		                         &diag) == YX_OK) {
			Yrdx__Change c = YRDX__CHANGE__INIT;
			yx_change_set_body(&c, kind, record);
			c.id = (char *)yx_change_body_id(&c);
			if (yx_csv_validate(header, &row, &c, &diag) == YX_OK)
				yx_csv_write_record(out, kind, record);
		}
		yx_arena_reset(&arena);
	}
out:
	yx_csv_header_destroy(&header);
	yx_csv_reader_destroy(&reader);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	free(written);
	yx_arena_free(&arena);
	return 0;
}
