/* text: small helpers on text shared by the parsers (config, JSON, CSV). */
#ifndef YRDX_TEXT_H
#define YRDX_TEXT_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Levenshtein distance of two short names, to suggest what a typo meant; SIZE_MAX when a
 * name is longer than 64 bytes. */
size_t yx_edit_distance(const char *a, const char *b);

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if there is none:
 * overlong forms, surrogates and code points past U+10FFFF are not UTF-8, so a peer
 * cannot smuggle two spellings of one name past a comparison. Never reads past a
 * terminating NUL, which is not a continuation byte. */
/* (Inline: the validation of every received record runs it on each character.) */
static inline size_t yx_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

#define YX_INT_TEXT 24 /* room for any 64-bit integer in decimal, sign included */

/* The decimal text of an integer of magnitude v (negative if neg), written at the end
 * of buf; returns where it starts and sets *len. No locale, no printf: the codecs print
 * millions of these. */
const char *yx_uint_text(char buf[YX_INT_TEXT], uint64_t v, bool neg, size_t *len);

/* The same for a signed value. */
const char *yx_int_text(char buf[YX_INT_TEXT], int64_t v, size_t *len);

#define YX_QUOTE_MAX 48                     /* bytes of a value a message quotes */
#define YX_QUOTE_BUF (YX_QUOTE_MAX * 4 + 8) /* room for them, every byte escaped */

/* len bytes of s as a double-quoted value for a message: '"', '\\', control bytes and
 * broken UTF-8 escaped (values come from files and peers and end up on terminals and in
 * logs: a hostile one cannot forge a line), cut at a character boundary past
 * YX_QUOTE_MAX bytes ("..." after it). Returns buf. */
const char *yx_quote(char buf[YX_QUOTE_BUF], const char *s, size_t len);

/* A growing buffer of text. Zero-initialised it is empty; yx_buf_free releases it. */
typedef struct {
	char *p;
	size_t len, cap;
} yx_buf_t;

/* Room for more bytes after len, and one for a NUL: 0 or -ENOMEM (b unchanged). */
int yx_buf_room(yx_buf_t *b, size_t more);

/* Appends n bytes of s: 0 or -ENOMEM (b unchanged). Inline: the writers of CSV and
 * JSON add a few bytes at a time, millions of times. */
static inline int yx_buf_add(yx_buf_t *b, const char *s, size_t n)
{
	if (n >= b->cap - b->len && yx_buf_room(b, n) != 0)
		return -ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Appends the text fmt makes: 0, or -ENOMEM (b unchanged) — also for a format vsnprintf
 * cannot render. */
int yx_buf_printf(yx_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int yx_buf_vprintf(yx_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

void yx_buf_free(yx_buf_t *b);

#endif
