/* cells: a record's fields as people read them in tables (list, get, incubator history):
 * an enum by the plan's Chinese term and its name ("高质量孵化器 high_quality", the name
 * being what --tier and put take), a list of enums by their terms, a city by its name.
 * `--json` output keeps the enum names (reflect.h, json.h); these are for people. */
#ifndef YRDXCTL_CELLS_H
#define YRDXCTL_CELLS_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#define CELL_MAX 400 /* a cell's bytes, with the NUL; longer text is cut */

/* Field f of m as text into out (cap bytes, cut to fit); "" for an absent value, bytes
 * and messages. Returns out. */
const char *cell_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, char *out,
                      size_t cap);

/* The same for the field m's message names name; "" if it has none. */
const char *cell_named(const ProtobufCMessage *m, const char *name, char *out, size_t cap);

#endif
