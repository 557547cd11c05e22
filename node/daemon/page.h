/* page: one HTTP response's text being written (the console's HTML, /metrics' exposition
 * format), with the one rule that keeps it safe: every string that did not come from
 * this program's own literals — a record's name, a member's or park's name, a config
 * value, a peer's words in a log line — goes through yxd_page_html or yxd_page_label,
 * never through a format's %s. A member writes the records; HTML from a record would
 * run in the administrator's browser. */
#ifndef YRDXD_PAGE_H
#define YRDXD_PAGE_H

#include <stdint.h>

#include "text.h"

typedef struct {
	yx_buf_t b;
	int err; /* the first failure (-ENOMEM): the page is not sent */
} yxd_page_t;

/* Markup and numbers: fmt and its arguments are this program's own. */
void yxd_page_add(yxd_page_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as HTML text or a quoted attribute value: & < > " ' as entities, control bytes
 * (but tab and newline) and broken UTF-8 as U+FFFD. NULL writes nothing. */
void yxd_page_html(yxd_page_t *p, const char *s);
/* s as a Prometheus label value (between its double quotes): \ " and newline escaped,
 * broken UTF-8 as U+FFFD. */
void yxd_page_label(yxd_page_t *p, const char *s);
/* A key (32 bytes) in base64, as every output of yrdx gives keys. */
void yxd_page_key(yxd_page_t *p, const uint8_t key[32]);
void yxd_page_free(yxd_page_t *p);

#endif
