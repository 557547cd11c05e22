/* keyid: ids only one key can mint, that people can still read and type.
 *
 *   <name>-<mark><seq>-<fingerprint>       "shanghai-92-3fa2c1d08e7b6a54" (a relay case)
 *                                          "shanghai-J7-3fa2c1d08e7b6a54" (an agreement)
 *
 * seq is the position in its origin's log of the record that opens what the id names,
 * and the fingerprint the first YX_KEYID_FP_BYTES of that origin's Ed25519 public key in
 * lower-case hex. The name is the author's own, for reading (cut short to fit); the
 * record's signature binds it, but it names no one. A reader accepts the opening record
 * only from the log whose key begins with the fingerprint, at that seq (relay.h,
 * joint.h), so another key reusing the id opens nothing. 64 bits, because matching them
 * for a given key is a second preimage, not a collision: about 2^63 key generations,
 * some 300 years at 10^9 keys a second (a rack of GPUs grinding vanity keys), and a key
 * so found would still have to be admitted as a member by the cities it reaches. */
#ifndef YRDX_KEYID_H
#define YRDX_KEYID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h" /* YX_KEY_BYTES */

#define YX_KEYID_FP_BYTES 8

/* The id for the record at (origin, seq) written by the node named name, with mark
 * before the seq ("" or a letter), into out (cap bytes): at most max characters, the name
 * cut to fit (without a dangling '-'). false if cap is not above max or max leaves the
 * name no room. */
bool yx_keyid_make(const char *name, const char *mark, const uint8_t origin[YX_KEY_BYTES],
                   uint64_t seq, size_t max, char *out, size_t cap);

/* The seq and key fingerprint id names; false if it is not of the form above with mark
 * (one way only to write each: no leading zero, no seq 0, lower-case hex). */
bool yx_keyid_parse(const char *id, const char *mark, uint64_t *seq, uint8_t fp[YX_KEYID_FP_BYTES]);

#endif
