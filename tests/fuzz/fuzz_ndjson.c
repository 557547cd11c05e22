/* Fuzz harness: an NDJSON import file as yrdxctl import reads it, through import_read.c
 * itself: each line a bare record of the import's kind or {"kind": K, "record": {...}},
 * converted and validated as pass 1 does. The first byte picks the import's kind (0:
 * none, the lines name it). The file is written to a private temporary directory, since
 * the reader opens it by path as import does. */
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* import_read.c reports through yrdxctl's ctl_fail; the harness keeps quiet. */
int ctl_fail(int code, const char *fmt, ...)
{
	(void)fmt;
	return code;
}

static char path[256], made[256]; /* the input's file, and its directory */

static void scratch_remove(void)
{
	unlink(path);
	rmdir(made);
}

static const char *input_path(void)
{
	if (!path[0]) {
		/* In memory where there is /dev/shm: a file per input, millions of them. */
		char shm[] = "/dev/shm/yrdx-fuzz-ndjson-XXXXXX",
		     tmp[] = "/tmp/yrdx-fuzz-ndjson-XXXXXX";
		const char *dir = mkdtemp(shm) ? shm : mkdtemp(tmp);
		if (!dir)
			abort();
		snprintf(made, sizeof(made), "%s", dir);
		snprintf(path, sizeof(path), "%s/records.ndjson", dir);
		atexit(scratch_remove);
	}
	return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	source_t s = {.path = input_path(), .fmt = FMT_NDJSON};
	yx_arena_t arena;
	yx_kind_t kind;
	void *record;
	rowmsg_t msg;

	if (size < 1)
		return 0;
	s.kind = (yx_kind_t)(data[0] % YX_KIND_COUNT);
	FILE *f = fopen(s.path, "wb");
	if (!f || fwrite(data + 1, 1, size - 1, f) != size - 1 || fclose(f) != 0)
		abort();
	yx_arena_init(&arena);
	if (source_open(&s) != EXIT_OK)
		goto out;
	while (source_next(&s, &arena, &kind, &record, &msg) > 0) {
		if (record) {
			Yrdx__Change c;
			yx_diag_t diag;
			import_wrap(&c, kind, record);
			if (yx_validate_record(&c, &diag) == YX_OK)
				protobuf_c_message_get_packed_size(record);
		}
		source_drop(&s, kind, &record);
		yx_arena_reset(&arena);
	}
out:
	source_close(&s);
	yx_arena_free(&arena);
	return 0;
}
