/* squash: zstd for the segments peers send each other (docs/design.md, "Compressed
 * segments"). A puller offers it in its Hello; a server that may use it sends each segment
 * as a Squashed message, the packed PeerMessage compressed, with its size before
 * compression. Peers that do not offer it (older nodes among them) get plain segments.
 *
 * The receiving side never trusts the sizes it is told: it decompresses into a buffer of
 * at most the size the frame declares, and refuses a declared size past its limit, so a
 * peer cannot make it allocate or inflate more than one plain segment could hold. zstd's
 * errors are translated here and nowhere else. */
#ifndef YRDX_SQUASH_H
#define YRDX_SQUASH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct yx_squash yx_squash_t;

/* Bits of Hello.codecs (wire.proto): 1 << the codec. */
#define YX_SQUASH_ZSTD (1u << 1)

/* A compressor and decompressor with their buffers; NULL when out of memory. The caller
 * owns it; destroy with yx_squash_destroy. One thread at a time. */
yx_squash_t *yx_squash_new(void);
/* Frees it and NULLs *z; accepts NULL. */
void yx_squash_destroy(yx_squash_t **z);

/* Compresses in[len] at zstd level (1-19) into one frame that records its size. *out
 * (owned by z, valid until its next pack) gets the compressed bytes and *out_len their
 * number. YX_OK, or -ENOMEM. */
int yx_squash_pack(yx_squash_t *z, int level, const uint8_t *in, size_t len, const uint8_t **out,
                   size_t *out_len);

/* Decompresses in[len], which its sender declares holds size bytes. YX_ETOOBIG if size is
 * past max, YX_EDECODE if in is not one zstd frame of exactly size bytes (a frame that
 * would inflate past size is cut off at size and refused, never finished). *out (owned by
 * z, valid until its next unpack) gets the bytes; -ENOMEM. */
int yx_squash_unpack(yx_squash_t *z, const uint8_t *in, size_t len, uint64_t size, size_t max,
                     const uint8_t **out);

#endif
