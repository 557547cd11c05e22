/* Fuzz harness: a JSON record as put and import read it; the first byte picks the kind. */
#include <stddef.h>
#include <stdint.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *record = NULL;
	yx_diag_t diag;
	if (size < 1)
		return 0;
	yx_kind_t kind = (yx_kind_t)(1 + data[0] % (YX_KIND_COUNT - 1));
	if (yx_json_to_record_text(kind, (const char *)data + 1, size - 1, &record, &diag) == YX_OK)
		yx_record_free(kind, &record);
	return 0;
}
