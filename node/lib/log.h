/* log: leveled, journald-friendly logging to stderr ("<level> component: message"). */
#ifndef YRDX_LOG_H
#define YRDX_LOG_H

typedef enum { YX_LOG_ERROR, YX_LOG_WARN, YX_LOG_INFO, YX_LOG_DEBUG } yx_log_level_t;

/* Messages above level are dropped. Default: YX_LOG_INFO. */
void yx_log_set_level(yx_log_level_t level);

/* Level for a name ("error", "warn", "info", "debug"); -1 if unknown. */
int yx_log_level_from_name(const char *name);

void yx_log(yx_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define yx_log_error(...) yx_log(YX_LOG_ERROR, __VA_ARGS__)
#define yx_log_warn(...)  yx_log(YX_LOG_WARN, __VA_ARGS__)
#define yx_log_info(...)  yx_log(YX_LOG_INFO, __VA_ARGS__)
#define yx_log_debug(...) yx_log(YX_LOG_DEBUG, __VA_ARGS__)

#endif
