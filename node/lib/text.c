#include "grow.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t yx_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65];
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *yx_uint_text(char buf[YX_INT_TEXT], uint64_t v, bool neg, size_t *len)
{
	size_t i = YX_INT_TEXT;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		buf[--i] = '-';
	*len = YX_INT_TEXT - i;
	return buf + i;
}

const char *yx_int_text(char buf[YX_INT_TEXT], int64_t v, size_t *len)
{
	return yx_uint_text(buf, v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v, v < 0, len);
}

const char *yx_quote(char buf[YX_QUOTE_BUF], const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	buf[o++] = '"';
	while (i < len && i < YX_QUOTE_MAX) {
		size_t n = yx_utf8_seq_len(p + i, len - i);
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7F || p[i] == '"' || p[i] == '\\')) {
			if (p[i] == '"' || p[i] == '\\')
				o += (size_t)snprintf(buf + o, YX_QUOTE_BUF - o, "\\%c", p[i]);
			else
				o += (size_t)snprintf(buf + o, YX_QUOTE_BUF - o, "\\x%02X", p[i]);
		} else if (n == 0) {
			o += (size_t)snprintf(buf + o, YX_QUOTE_BUF - o, "\\x%02X", p[i]);
			n = 1;
		} else {
			memcpy(buf + o, p + i, n);
			o += n;
		}
		i += n;
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

int yx_buf_room(yx_buf_t *b, size_t more)
{
	size_t need = b->len + more + 1;
	return need < more ? -ENOMEM : yx_grow(b->p, b->cap, need, 64);
}

int yx_buf_vprintf(yx_buf_t *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	/* Most appends fit the room there is: format once, and again only after growing. */
	va_copy(again, ap);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
	if (n >= 0 && b->p && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
	} else if (n < 0 || yx_buf_room(b, (size_t)n) != 0) {
		if (b->p)
			b->p[b->len] = '\0'; /* what vsnprintf wrote past len is not b's */
		n = -1;
	} else {
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return n < 0 ? -ENOMEM : 0;
}

int yx_buf_printf(yx_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = yx_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

void yx_buf_free(yx_buf_t *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
