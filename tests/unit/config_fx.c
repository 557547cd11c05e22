#include "config_fx.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"

char conf_data_dir[PATH_MAX];
char conf_examples_dir[PATH_MAX];

void conf_paths_init(const char *source)
{
	char src[PATH_MAX - 32];
	snprintf(src, sizeof(src), "%s", source);
	char *slash = strrchr(src, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(src, ".");
	snprintf(conf_data_dir, sizeof(conf_data_dir), "%s/../data/config", src);
	snprintf(conf_examples_dir, sizeof(conf_examples_dir), "%s/../../config", src);
}

char *conf_print(const yx_config_t *cfg)
{
	char *out = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&out, &cap);
	assert_non_null(m);
	assert_int_equal(yx_config_print(cfg, m), YX_OK);
	fclose(m);
	return out;
}

yx_config_t *conf_load_ok(const char *path)
{
	yx_config_t *cfg = NULL;
	yx_diag_t d = {{0}};
	int ret = yx_config_load(path, &cfg, &d);
	if (ret != YX_OK)
		fail_msg("%s: %s (%d)", path, d.msg, ret);
	return cfg;
}

void conf_key_of(const char *text, uint8_t key[32])
{
	assert_int_equal(yx_pubkey_parse(text, key, NULL), YX_OK);
}

void conf_expect_msg_at(const char *msg, const char *const *needles, size_t n, int line)
{
	for (size_t i = 0; i < n && needles[i]; i++)
		if (!strstr(msg, needles[i]))
			fail_msg("line %d: message lacks \"%s\":\n  %s", line, needles[i], msg);
}
