/* Fuzz harness: change bytes as a peer sends them — decoded, validated, printed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "codec.h"
#include "json.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Yrdx__Change *c = NULL;
	yx_diag_t diag;
	if (yx_change_decode(data, size, &c) != YX_OK)
		return 0;
	if (yx_validate_change(c, &diag) == YX_OK) {
		json_t *j = yx_change_to_json(c);
		char *text = json_dumps(j, JSON_COMPACT);
		free(text);
		json_decref(j);
	}
	yx_change_free(&c);
	return 0;
}
