#include "keyid.h"

#include <stdio.h>
#include <string.h>

#define FP_HEX (2 * YX_KEYID_FP_BYTES)

bool yx_keyid_make(const char *name, const char *mark, const uint8_t origin[YX_KEY_BYTES],
                   uint64_t seq, size_t max, char *out, size_t cap)
{
	char tail[64]; /* "-<mark><seq>-<fingerprint>": 1 + mark + 20 + 1 + 16 */
	int n = snprintf(tail, sizeof(tail), "-%.8s%llu-", mark, (unsigned long long)seq);
	for (size_t i = 0; i < YX_KEYID_FP_BYTES; i++)
		n += snprintf(tail + n, sizeof(tail) - (size_t)n, "%02x", origin[i]);
	if (cap <= max || max <= (size_t)n)
		return false;
	/* The name is for reading only: cut it to fit, without a dangling '-'. */
	size_t keep = strlen(name), room = max - (size_t)n;
	if (keep > room)
		keep = room;
	while (keep > 1 && name[keep - 1] == '-')
		keep--;
	snprintf(out, cap, "%.*s%s", (int)keep, name, tail);
	return true;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool yx_keyid_parse(const char *id, const char *mark, uint64_t *seq, uint8_t fp[YX_KEYID_FP_BYTES])
{
	/* From the right: the fingerprint after the last '-', the seq before it, the mark,
	 * and a name (which may hold '-' itself) of at least one character. */
	const char *fp_dash = strrchr(id, '-');
	size_t mlen = strlen(mark);
	if (!fp_dash || strlen(fp_dash + 1) != FP_HEX)
		return false;
	for (size_t i = 0; i < YX_KEYID_FP_BYTES; i++) {
		int hi = hex_digit(fp_dash[1 + 2 * i]), lo = hex_digit(fp_dash[2 + 2 * i]);
		if (hi < 0 || lo < 0)
			return false;
		fp[i] = (uint8_t)(hi << 4 | lo);
	}
	const char *digits = fp_dash;
	while (digits > id && digits[-1] >= '0' && digits[-1] <= '9')
		digits--;
	/* One way to write a seq: no leading zero, no zero. */
	if (digits == fp_dash || *digits == '0' || (size_t)(digits - id) < mlen + 2 ||
	    memcmp(digits - mlen, mark, mlen) != 0 || digits[-(ptrdiff_t)mlen - 1] != '-')
		return false;
	uint64_t v = 0;
	for (const char *d = digits; d < fp_dash; d++) {
		if (v > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*d - '0');
	}
	*seq = v;
	return true;
}
