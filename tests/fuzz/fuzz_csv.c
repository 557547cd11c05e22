/* Fuzz harness: a CSV registry file as import reads it (enterprises), row by row. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csvrec.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in = fmemopen((void *)data, size, "r");
	yx_csv_reader_t *reader = NULL;
	yx_csv_header_t *header = NULL;
	yx_csv_row_t row;
	yx_diag_t diag;
	if (!in)
		return 0;
	if (yx_csv_reader_new(in, "fuzz.csv", &reader) != YX_OK)
		goto out;
	if (yx_csv_reader_next(reader, &row, &diag) != YX_OK || row.error ||
	    yx_csv_header_new(YX_KIND_ENTERPRISE, "fuzz.csv", &row, &header, &diag) != YX_OK)
		goto out;
	while (yx_csv_reader_next(reader, &row, &diag) == YX_OK) {
		void *record = NULL;
		if (row.error || yx_csv_row_to_record(header, &row, NULL, &record, &diag) != YX_OK)
			continue;
		Yrdx__Change c = YRDX__CHANGE__INIT;
		yx_change_set_body(&c, YX_KIND_ENTERPRISE, record);
		c.id = (char *)yx_change_body_id(&c);
		yx_csv_validate(header, &row, &c, &diag);
		protobuf_c_message_free_unpacked(record, NULL);
	}
out:
	yx_csv_header_destroy(&header);
	yx_csv_reader_destroy(&reader);
	fclose(in);
	return 0;
}
