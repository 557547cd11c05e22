/* page: a response's text, escaped where it must be (page.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "page.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

void yxd_page_add(yxd_page_t *p, const char *fmt, ...)
{
	va_list ap;
	if (p->err)
		return;
	va_start(ap, fmt);
	p->err = yx_buf_vprintf(&p->b, fmt, ap);
	va_end(ap);
}

/* Writes s with each character replaced by escape(c) where that gives one. */
static void escaped(yxd_page_t *p, const char *s, const char *(*escape)(unsigned char c))
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, i = 0, run = 0;
	while (!p->err && i < n) {
		size_t len = yx_utf8_seq_len(u + i, n - i);
		const char *rep = len == 0 ? REPLACEMENT : len == 1 ? escape(u[i]) : NULL;
		if (!rep) {
			i += len;
			run += len;
			continue;
		}
		if ((run && yx_buf_add(&p->b, s + i - run, run)) ||
		    yx_buf_add(&p->b, rep, strlen(rep)))
			p->err = -ENOMEM;
		run = 0;
		i += len ? len : 1;
	}
	if (!p->err && run && yx_buf_add(&p->b, s + n - run, run))
		p->err = -ENOMEM;
}

static const char *html_escape(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t':
	case '\n': return NULL;
	default: return c < 0x20 || c == 0x7F ? REPLACEMENT : NULL;
	}
}

static const char *label_escape(unsigned char c)
{
	switch (c) {
	case '\\': return "\\\\";
	case '"': return "\\\"";
	case '\n': return "\\n";
	default: return NULL;
	}
}

void yxd_page_html(yxd_page_t *p, const char *s)
{
	escaped(p, s, html_escape);
}

void yxd_page_label(yxd_page_t *p, const char *s)
{
	escaped(p, s, label_escape);
}

void yxd_page_key(yxd_page_t *p, const uint8_t key[32])
{
	char text[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(key, text);
	yxd_page_add(p, "%s", text); /* base64: no character to escape */
}

void yxd_page_free(yxd_page_t *p)
{
	yx_buf_free(&p->b);
	p->err = 0;
}
