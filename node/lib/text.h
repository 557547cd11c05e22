/* text: small helpers on text shared by the parsers (config, JSON, CSV). */
#ifndef YRDX_TEXT_H
#define YRDX_TEXT_H

#include <stddef.h>

/* Levenshtein distance of two short names, to suggest what a typo meant; SIZE_MAX when a
 * name is longer than 64 bytes. */
size_t yx_edit_distance(const char *a, const char *b);

#endif
