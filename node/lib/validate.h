/* validate: is a record well-formed by the plan's rules? Credit codes (GB 32100-2015),
 * Yangtze River Delta city codes (GB/T 2260), required fields, enum ranges, size limits.
 *
 * Every failure fills a yx_diag_t naming the field and the offending value, e.g.
 *   enterprise.credit_code: "91350100M000100Y44": check character is '4', expected '3'
 * Input here comes from files, peers, parks and the command line: nothing asserts. */
#ifndef YRDX_VALIDATE_H
#define YRDX_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "codec.h"
#include "error.h"

#define YX_CREDIT_CODE_LEN   18
#define YX_MAX_ID_LEN        64   /* record ids, case ids, period */
#define YX_MAX_NAME_LEN      200  /* names, in bytes of UTF-8 */
#define YX_MAX_TEXT_LEN      2000 /* notes, roles, reasons */
#define YX_MAX_REPEATED      32   /* industries, qualifications, incubators, parties, scores */
#define YX_MAX_POLICY_CITIES 64   /* cities a sharing policy names (the federation has 41) */
#define YX_MAX_DOSSIER_BYTES (48 * 1024)

#define YX_FIGURES_SALT_BYTES 16       /* EnterpriseFigures.salt */
#define YX_POLICY_ID          "policy" /* the one sharing policy record of an origin */

/* The check character (GB 32100-2015) for the first 17 characters of a credit code, or
 * '\0' if one of them is outside the code's 31-character alphabet. */
char yx_credit_code_check_char(const char *first17);

/* YX_OK if code is a well-formed unified social credit code with a correct check
 * character; YX_EINVAL with diag otherwise. field names the field for the message. */
int yx_credit_code_check(const char *code, const char *field, yx_diag_t *diag);

/* Name of a Yangtze River Delta prefecture-level city (Shanghai, Jiangsu, Zhejiang, Anhui:
 * 41 cities) by GB/T 2260 code, in Chinese; NULL if code is not one of them. */
const char *yx_city_name(uint32_t code);

/* A city's approximate position (its centre: longitude east and latitude north, degrees)
 * into *lon and *lat; false, leaving them unset, if code is not one of the 41. */
bool yx_city_position(uint32_t code, double *lon, double *lat);

/* The i-th of the 41 cities' codes in GB/T 2260 order (上海, then 江苏, 浙江, 安徽), 0
 * past the last: how a caller walks them all. */
uint32_t yx_city_at(size_t i);

/* The city text names: its GB/T 2260 code ("310000") or its Chinese name, with or without
 * 市 ("上海", "苏州市"). YX_OK with *code set, or YX_ENOTFOUND if text names no Yangtze
 * River Delta prefecture-level city. The one parser of cities given as text (command
 * lines, the config's node/city). */
int yx_city_from_text(const char *text, uint32_t *code);

/* Validates the body of a change as a record of its kind: required fields present,
 * enums in range, sizes within limits, codes valid. YX_OK or YX_EINVAL with diag. */
int yx_validate_record(const Yrdx__Change *change, yx_diag_t *diag);

/* Validates a whole change envelope: origin/prev_hash sizes, seq > 0, kind matches the
 * body, id matches the body's own id, then the body (or tombstone) itself. */
int yx_validate_change(const Yrdx__Change *change, yx_diag_t *diag);

#endif
