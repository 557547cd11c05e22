#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static yx_log_level_t max_level = YX_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* sd-daemon(3) priority prefixes, so journald keeps the level without parsing text. */
static const char *const level_prefix[] = {"<3>", "<4>", "<6>", "<7>"};

void yx_log_set_level(yx_log_level_t level)
{
	max_level = level;
}

int yx_log_level_from_name(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void yx_log(yx_log_level_t level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s: %s\n", level_prefix[level], level_names[level], line);
}
