/* squash: zstd for segments (squash.h). */
#include <errno.h>
#include <stdlib.h>
#include <zstd.h>

#include "squash.h"

/* A compressed segment's window: a segment is at most YX_MAX_WIRE_BYTES (8 MiB), and a
 * frame asking the decoder for a larger window than that is refused by zstd itself. */
#define WINDOW_LOG_MAX 23

struct yx_squash {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	uint8_t *cbuf, *dbuf; /* grown to the largest segment seen, never past the limits */
	size_t cbuf_cap, dbuf_cap;
};

yx_squash_t *yx_squash_new(void)
{
	yx_squash_t *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->cctx = ZSTD_createCCtx();
	z->dctx = ZSTD_createDCtx();
	if (!z->cctx || !z->dctx ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(z->dctx, ZSTD_d_windowLogMax, WINDOW_LOG_MAX)))
		yx_squash_destroy(&z);
	return z;
}

void yx_squash_destroy(yx_squash_t **zp)
{
	yx_squash_t *z = zp ? *zp : NULL;
	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	ZSTD_freeDCtx(z->dctx);
	free(z->cbuf);
	free(z->dbuf);
	free(z);
	*zp = NULL;
}

static int grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return YX_OK;
	uint8_t *b = realloc(*buf, need);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = need;
	return YX_OK;
}

int yx_squash_pack(yx_squash_t *z, int level, const uint8_t *in, size_t len, const uint8_t **out,
                   size_t *out_len)
{
	int ret = grow(&z->cbuf, &z->cbuf_cap, ZSTD_compressBound(len));
	if (ret)
		return ret;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level)))
		return YX_EINVAL;
	/* The frame records its content size (ZSTD_compress2 does on one-shot calls), which
	 * the receiver checks against the size the message declares. */
	size_t n = ZSTD_compress2(z->cctx, z->cbuf, z->cbuf_cap, in, len);
	if (ZSTD_isError(n))
		return -ENOMEM; /* with a buffer of the bound, only allocation can fail */
	*out = z->cbuf;
	*out_len = n;
	return YX_OK;
}

int yx_squash_unpack(yx_squash_t *z, const uint8_t *in, size_t len, uint64_t size, size_t max,
                     const uint8_t **out)
{
	if (size > max)
		return YX_ETOOBIG;
	/* The frame's own header must say the same: decoding stops at size bytes anyway,
	 * but a frame that disagrees is not one an honest peer made. */
	unsigned long long framed = ZSTD_getFrameContentSize(in, len);
	if (framed == ZSTD_CONTENTSIZE_ERROR || framed == ZSTD_CONTENTSIZE_UNKNOWN ||
	    framed != size)
		return framed != ZSTD_CONTENTSIZE_ERROR && framed != ZSTD_CONTENTSIZE_UNKNOWN &&
		                       framed > max
		               ? YX_ETOOBIG
		               : YX_EDECODE;
	if (ZSTD_findFrameCompressedSize(in, len) != len)
		return YX_EDECODE; /* trailing bytes or more frames: not what a peer sends */
	int ret = grow(&z->dbuf, &z->dbuf_cap, size ? (size_t)size : 1);
	if (ret)
		return ret;
	size_t n = ZSTD_decompressDCtx(z->dctx, z->dbuf, (size_t)size, in, len);
	if (ZSTD_isError(n) || n != size)
		return YX_EDECODE;
	*out = z->dbuf;
	return YX_OK;
}
