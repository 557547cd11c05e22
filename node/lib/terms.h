/* terms: the plan's Chinese terms (《上海市高质量孵化器培育实施方案》) for every enum value
 * administrators read — tiers, operator types, industries, qualifications, stages, park
 * types, relay steps and case states, evaluation dimensions and results — so that tables
 * show 高质量孵化器 and 瞪羚企业 beside or instead of the enum names. `--json` output
 * keeps the enum names (reflect.h); these are for people. */
#ifndef YRDX_TERMS_H
#define YRDX_TERMS_H

#include <protobuf-c/protobuf-c.h>

#include "relay.h"

/* The Chinese term for value of enum d, or NULL if there is none (an unknown enum, the
 * UNSPECIFIED value, a number this build does not know). */
const char *yx_term(const ProtobufCEnumDescriptor *d, int value);

/* The Chinese term for a relay case's state (提议 / 已接收 / ...). */
const char *yx_case_state_term(yx_case_state_t state);

/* "高质量孵化器 high_quality": the term and the enum's output name (reflect.h) into out
 * (cap bytes); the name alone if there is no term. Returns out. */
const char *yx_term_label(const ProtobufCEnumDescriptor *d, int value, char *out, size_t cap);

#endif
