#include "json.h"
#include "text.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Per kind: the message, the name that starts every diag path (the record's field name in
 * Change, as validate.c names it) and the key field that output always carries. */
static const struct {
	const ProtobufCMessageDescriptor *desc;
	const char *root;
	const char *key;
} kinds[YX_KIND_COUNT] = {
        [YX_KIND_INCUBATOR] = {&yrdx__incubator__descriptor, "incubator", "id"},
        [YX_KIND_ENTERPRISE] = {&yrdx__enterprise__descriptor, "enterprise", "credit_code"},
        [YX_KIND_PARK] = {&yrdx__park__descriptor, "park", "id"},
        [YX_KIND_RELAY_EVENT] = {&yrdx__relay_event__descriptor, "relay_event", "id"},
        [YX_KIND_JOINT] = {&yrdx__joint_participation__descriptor, "joint_participation", "id"},
        [YX_KIND_EVALUATION] = {&yrdx__evaluation__descriptor, "evaluation", "id"},
};

/* Values are quoted at most this many bytes long: a diag is 1024 bytes and also holds the
 * path and, for enums, the list of accepted names. */
#define QUOTE_MAX 48
#define QUOTE_BUF (QUOTE_MAX + 8)
#define PATH_BUF  256
#define LIST_BUF  YX_ENUM_LIST_MAX

/* Reals are integral field values only where a double holds them exactly. */
#define EXACT_REAL_MAX 9007199254740992.0 /* 2^53 */

/* Repeated enums are arrays of int: protobuf-c forces enums to int size. */
_Static_assert(sizeof(Yrdx__Industry) == sizeof(int), "protobuf-c enums are int-sized");

/* The member of message m that field f describes. */
#define MEMBER(m, off)  ((void *)((char *)(m) + (off)))
#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

const ProtobufCMessageDescriptor *yx_kind_descriptor(yx_kind_t kind)
{
	if ((int)kind <= YX_KIND_NONE || kind >= YX_KIND_COUNT)
		return NULL;
	return kinds[kind].desc;
}

void yx_record_free(yx_kind_t kind, void **record)
{
	if (!record || !*record)
		return;
	assert(((ProtobufCMessage *)*record)->descriptor == yx_kind_descriptor(kind));
	(void)kind;
	protobuf_c_message_free_unpacked(*record, NULL);
	*record = NULL;
}

/* ---- helpers shared by both directions ---- */

/* Length of the name prefix all of an enum's value names share ("INDUSTRY_"): the zero
 * value's name without "UNSPECIFIED". 0 for an enum not written in that style, whose
 * values are then shown by their full names. */
static size_t enum_prefix_compute(const ProtobufCEnumDescriptor *d)
{
	static const char unspecified[] = "UNSPECIFIED";
	const size_t ulen = sizeof(unspecified) - 1;
	const ProtobufCEnumValue *zero = protobuf_c_enum_descriptor_get_value(d, 0);
	size_t n;

	if (!zero)
		return 0;
	n = strlen(zero->name);
	if (n <= ulen || strcmp(zero->name + n - ulen, unspecified) != 0)
		return 0;
	n -= ulen;
	for (unsigned i = 0; i < d->n_values; i++)
		if (strncmp(d->values[i].name, zero->name, n) != 0 || d->values[i].name[n] == '\0')
			return 0;
	return n;
}

/* enum_prefix_compute, remembered per descriptor: an export writes a few enum values per
 * record, and the schema has a dozen enums. */
static size_t enum_prefix_len(const ProtobufCEnumDescriptor *d)
{
	static _Thread_local struct {
		const ProtobufCEnumDescriptor *d;
		size_t prefix;
	} known[32];
	static _Thread_local size_t n_known;

	for (size_t i = 0; i < n_known; i++)
		if (known[i].d == d)
			return known[i].prefix;
	size_t prefix = enum_prefix_compute(d);
	if (n_known < sizeof(known) / sizeof(known[0])) {
		known[n_known].d = d;
		known[n_known].prefix = prefix;
		n_known++;
	}
	return prefix;
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ---- JSON to record ---- */

typedef struct {
	char path[PATH_BUF];
	size_t len;
	yx_diag_t *diag;
} ctx_t;

/* Appends ".name" or "[i]" to the path; returns the length to restore afterwards. A path
 * too long for the buffer is cut, which only shortens the message. */
static size_t path_push(ctx_t *cx, const char *name, size_t index)
{
	size_t old = cx->len;
	size_t room = sizeof(cx->path) - cx->len;
	int n = name ? snprintf(cx->path + cx->len, room, ".%s", name)
	             : snprintf(cx->path + cx->len, room, "[%zu]", index);

	cx->len = (n < 0 || (size_t)n >= room) ? sizeof(cx->path) - 1 : cx->len + (size_t)n;
	return old;
}

static void path_pop(ctx_t *cx, size_t len)
{
	cx->len = len;
	cx->path[len] = '\0';
}

/* v as compact JSON for a diag, cut (at a character boundary) past QUOTE_MAX bytes. */
static const char *quote(const json_t *v, char out[QUOTE_BUF])
{
	/* 15 significant digits: what the user typed, not 1e300's nearest double in full. */
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
	size_t n;

	if (!s)
		return "?";
	n = strlen(s);
	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		snprintf(out, QUOTE_BUF, "%.*s...", (int)n, s);
	} else {
		snprintf(out, QUOTE_BUF, "%s", s);
	}
	free(s);
	return out;
}

/* "path: value: what", the shape of every value error. */
static int value_error(ctx_t *cx, const json_t *v, const char *what)
{
	char q[QUOTE_BUF];
	return yx_diag_set(cx->diag, YX_EINVAL, "%s: %s: %s", cx->path, quote(v, q), what);
}

static int no_memory(ctx_t *cx)
{
	return yx_diag_set(cx->diag, -ENOMEM, "%s: out of memory", cx->path);
}

/* An integer as sign and magnitude, so every int64 and uint64 fits. */
typedef struct {
	bool neg;
	uint64_t mag;
} wide_int_t;

/* Reads len bytes of text, an optional '-' then decimal digits and nothing else (a NUL
 * inside included); NULL, or why not. */
static const char *decimal_parse(const char *s, size_t len, wide_int_t *out)
{
	size_t i = len > 0 && s[0] == '-';
	uint64_t m = 0;

	out->neg = i == 1;
	if (i == len)
		return "not a decimal integer";
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return "not a decimal integer";
		unsigned digit = (unsigned)(s[i] - '0');
		if (m > (UINT64_MAX - digit) / 10)
			return "out of range for a 64-bit integer";
		m = m * 10 + digit;
	}
	out->mag = m;
	return NULL;
}

/* w in min..max: YX_OK with *out set, or YX_EINVAL with the reason in why. */
static int signed_range(wide_int_t w, int64_t min, int64_t max, int64_t *out, char *why,
                        size_t size)
{
	if ((!w.neg && w.mag > (uint64_t)max) || (w.neg && w.mag > (uint64_t)(-(min + 1)) + 1)) {
		snprintf(why, size, "out of range (%lld..%lld)", (long long)min, (long long)max);
		return YX_EINVAL;
	}
	if (!w.neg)
		*out = (int64_t)w.mag;
	else
		*out = w.mag == 0 ? 0 : -(int64_t)(w.mag - 1) - 1;
	return YX_OK;
}

static int unsigned_range(wide_int_t w, uint64_t max, uint64_t *out, char *why, size_t size)
{
	if (w.neg && w.mag != 0) {
		snprintf(why, size, "must be a non-negative integer");
		return YX_EINVAL;
	}
	if (w.mag > max) {
		snprintf(why, size, "out of range (0..%llu)", (unsigned long long)max);
		return YX_EINVAL;
	}
	*out = w.mag;
	return YX_OK;
}

int yx_text_to_int(const char *text, size_t len, int64_t min, int64_t max, int64_t *out,
                   char why[YX_WHY_MAX])
{
	wide_int_t w = {0};
	const char *bad = decimal_parse(text, len, &w);

	if (bad) {
		snprintf(why, YX_WHY_MAX, "%s", bad);
		return YX_EINVAL;
	}
	return signed_range(w, min, max, out, why, YX_WHY_MAX);
}

int yx_text_to_uint(const char *text, size_t len, uint64_t max, uint64_t *out, char why[YX_WHY_MAX])
{
	wide_int_t w = {0};
	const char *bad = decimal_parse(text, len, &w);

	if (bad) {
		snprintf(why, YX_WHY_MAX, "%s", bad);
		return YX_EINVAL;
	}
	return unsigned_range(w, max, out, why, YX_WHY_MAX);
}

/* Reads an integer: a JSON integer, an integral real (spreadsheets write 5000.0) or, for
 * 64-bit fields (strings), a decimal string, the only way past jansson's json_int_t. */
static int integer_from_json(ctx_t *cx, const json_t *v, bool strings, wide_int_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		out->neg = i < 0;
		out->mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
		return YX_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!(d >= -EXACT_REAL_MAX && d <= EXACT_REAL_MAX))
			return value_error(cx, v,
			                   "too large to be exact as a real, write it "
			                   "without fraction or exponent");
		long long i = (long long)d;
		if ((double)i != d)
			return value_error(cx, v, "must be an integer");
		out->neg = i < 0;
		out->mag = i < 0 ? (uint64_t)(-i) : (uint64_t)i;
		return YX_OK;
	}
	if (strings && json_is_string(v)) {
		const char *why = decimal_parse(json_string_value(v), json_string_length(v), out);
		return why ? value_error(cx, v, why) : YX_OK;
	}
	return value_error(
	        cx, v, strings ? "expected an integer or a decimal string" : "expected an integer");
}

static int signed_from_json(ctx_t *cx, const json_t *v, bool strings, int64_t min, int64_t max,
                            int64_t *out)
{
	wide_int_t w = {0};
	int ret = integer_from_json(cx, v, strings, &w);
	char what[YX_WHY_MAX];

	if (ret != YX_OK)
		return ret;
	if (signed_range(w, min, max, out, what, sizeof(what)) != YX_OK)
		return value_error(cx, v, what);
	return YX_OK;
}

static int unsigned_from_json(ctx_t *cx, const json_t *v, bool strings, uint64_t max, uint64_t *out)
{
	wide_int_t w = {0};
	int ret = integer_from_json(cx, v, strings, &w);
	char what[YX_WHY_MAX];

	if (ret != YX_OK)
		return ret;
	if (unsigned_range(w, max, out, what, sizeof(what)) != YX_OK)
		return value_error(cx, v, what);
	return YX_OK;
}

static int real_from_json(ctx_t *cx, const json_t *v, double max, double *out)
{
	if (!json_is_number(v))
		return value_error(cx, v, "expected a number");
	*out = json_number_value(v);
	if (*out > max || *out < -max)
		return value_error(cx, v, "out of range");
	return YX_OK;
}

/* True if input spells name case-insensitively, with '-' allowed for '_'. */
static bool enum_name_matches(const char *input, const char *name)
{
	for (; *input && *name; input++, name++) {
		char c = *input == '-' ? '_' : ascii_lower(*input);
		if (c != ascii_lower(*name))
			return false;
	}
	return *input == *name;
}

int yx_enum_from_text(const ProtobufCEnumDescriptor *d, const char *text, int *value)
{
	size_t prefix = enum_prefix_len(d);

	for (unsigned i = 0; i < d->n_values; i++) {
		if (enum_name_matches(text, d->values[i].name + prefix) ||
		    enum_name_matches(text, d->values[i].name)) {
			*value = d->values[i].value;
			return YX_OK;
		}
	}
	return YX_ENOTFOUND;
}

const char *yx_enum_to_text(const ProtobufCEnumDescriptor *d, int value, char *out, size_t size)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, value);
	const char *name;
	size_t n;

	if (!ev)
		return NULL;
	name = ev->name + enum_prefix_len(d);
	n = strlen(name);
	if (n >= size)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		out[i] = ascii_lower(name[i]);
	return out;
}

/* The short names of d's values other than UNSPECIFIED, for "expected one of". */
const char *yx_enum_names(const ProtobufCEnumDescriptor *d, char out[LIST_BUF])
{
	size_t prefix = enum_prefix_len(d);
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < d->n_values; i++) {
		if (prefix && d->values[i].value == 0)
			continue;
		const char *name = d->values[i].name + prefix;
		size_t n = strlen(name);
		if (len + n + 7 >= LIST_BUF) {
			memcpy(out + len, ", ...", 6);
			break;
		}
		if (len) {
			memcpy(out + len, ", ", 2);
			len += 2;
		}
		for (size_t k = 0; k < n; k++)
			out[len++] = ascii_lower(name[k]);
		out[len] = '\0';
	}
	return out;
}

static int enum_from_json(ctx_t *cx, const ProtobufCEnumDescriptor *d, const json_t *v, int *out)
{
	char what[LIST_BUF + 64];
	char list[LIST_BUF];

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i >= INT32_MIN && i <= INT32_MAX &&
		    protobuf_c_enum_descriptor_get_value(d, (int)i)) {
			*out = (int)i;
			return YX_OK;
		}
	} else if (json_is_string(v)) {
		if (yx_enum_from_text(d, json_string_value(v), out) == YX_OK)
			return YX_OK;
	} else {
		snprintf(what, sizeof(what), "expected a %s name (string)", d->short_name);
		return value_error(cx, v, what);
	}
	snprintf(what, sizeof(what), "not a valid %s (expected one of %s)", d->short_name,
	         yx_enum_names(d, list));
	return value_error(cx, v, what);
}

static int string_from_json(ctx_t *cx, const json_t *v, char **out)
{
	if (!json_is_string(v))
		return value_error(cx, v, "expected a string");
	/* jansson allows "\u0000" when asked to; a C string cannot hold it. */
	if (json_string_length(v) != strlen(json_string_value(v)))
		return value_error(cx, v, "contains a NUL character");
	*out = strdup(json_string_value(v));
	return *out ? YX_OK : no_memory(cx);
}

static int bytes_from_json(ctx_t *cx, const json_t *v, ProtobufCBinaryData *out)
{
	uint8_t *bin = NULL;
	size_t len, max, bin_len = 0;
	int ret = YX_OK;

	if (!json_is_string(v)) {
		ret = value_error(cx, v, "expected a base64 string");
		goto out;
	}
	len = json_string_length(v);
	if (len == 0)
		goto out;
	max = len / 4 * 3 + 3;
	bin = malloc(max);
	if (!bin) {
		ret = no_memory(cx);
		goto out;
	}
	if (sodium_base642bin(bin, max, json_string_value(v), len, NULL, &bin_len, NULL,
	                      sodium_base64_VARIANT_ORIGINAL) != 0) {
		ret = value_error(cx, v, "not valid base64 (standard alphabet, padded)");
		goto out;
	}
	if (bin_len > 0) {
		out->data = bin;
		out->len = bin_len;
		bin = NULL;
	}
out:
	free(bin);
	return ret;
}

static int message_from_json(ctx_t *cx, const ProtobufCMessageDescriptor *d, const json_t *obj,
                             ProtobufCMessage **out);

/* Stores one JSON value into member, the storage of one (singular or array element)
 * value of field f. Anything allocated is already owned by member on return, error or
 * not, so freeing the message frees it. */
static int value_from_json(ctx_t *cx, const ProtobufCFieldDescriptor *f, const json_t *v,
                           void *member)
{
	int ret = YX_OK;
	int64_t i64 = 0;
	uint64_t u64 = 0;
	double dbl = 0;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		ret = signed_from_json(cx, v, false, INT32_MIN, INT32_MAX, &i64);
		if (ret == YX_OK)
			*(int32_t *)member = (int32_t)i64;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		ret = signed_from_json(cx, v, true, INT64_MIN, INT64_MAX, &i64);
		if (ret == YX_OK)
			*(int64_t *)member = i64;
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		ret = unsigned_from_json(cx, v, false, UINT32_MAX, &u64);
		if (ret == YX_OK)
			*(uint32_t *)member = (uint32_t)u64;
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		ret = unsigned_from_json(cx, v, true, UINT64_MAX, &u64);
		if (ret == YX_OK)
			*(uint64_t *)member = u64;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		ret = real_from_json(cx, v, FLT_MAX, &dbl);
		if (ret == YX_OK)
			*(float *)member = (float)dbl;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		ret = real_from_json(cx, v, DBL_MAX, &dbl);
		if (ret == YX_OK)
			*(double *)member = dbl;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			ret = value_error(cx, v, "expected true or false");
		else
			*(protobuf_c_boolean *)member = json_is_true(v);
		break;
	case PROTOBUF_C_TYPE_ENUM: ret = enum_from_json(cx, f->descriptor, v, (int *)member); break;
	case PROTOBUF_C_TYPE_STRING: ret = string_from_json(cx, v, (char **)member); break;
	case PROTOBUF_C_TYPE_BYTES:
		ret = bytes_from_json(cx, v, (ProtobufCBinaryData *)member);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		ret = message_from_json(cx, f->descriptor, v, (ProtobufCMessage **)member);
		break;
	}
	return ret;
}

/* The array is zero-filled and attached, count included, before any element is read:
 * free_unpacked then frees exactly what was built whatever element fails. */
static int repeated_from_json(ctx_t *cx, const ProtobufCFieldDescriptor *f, const json_t *v,
                              ProtobufCMessage *m)
{
	size_t n, size = yx_field_value_size(f->type);
	char *arr;
	int ret = YX_OK;

	if (!json_is_array(v))
		return value_error(cx, v, "expected an array");
	n = json_array_size(v);
	if (n == 0)
		return YX_OK;
	arr = calloc(n, size);
	if (!arr)
		return no_memory(cx);
	*(void **)MEMBER(m, f->offset) = arr;
	*(size_t *)MEMBER(m, f->quantifier_offset) = n;
	for (size_t i = 0; i < n && ret == YX_OK; i++) {
		size_t at = path_push(cx, NULL, i);
		ret = value_from_json(cx, f, json_array_get(v, i), arr + i * size);
		path_pop(cx, at);
	}
	return ret;
}

static int unknown_field(ctx_t *cx, const ProtobufCMessageDescriptor *d, const char *key)
{
	char q[QUOTE_BUF];
	char list[LIST_BUF];
	json_t *k = json_string(key);
	const char *best = NULL;
	size_t best_dist = 3, len = 0;

	quote(k, q);
	json_decref(k);
	for (unsigned i = 0; i < d->n_fields; i++) {
		size_t dist = yx_edit_distance(key, d->fields[i].name);
		if (dist < best_dist) {
			best_dist = dist;
			best = d->fields[i].name;
		}
	}
	if (best)
		return yx_diag_set(cx->diag, YX_EINVAL,
		                   "%s: unknown field %s (did you mean \"%s\"?)", cx->path, q,
		                   best);
	list[0] = '\0';
	for (unsigned i = 0; i < d->n_fields && len < LIST_BUF; i++) {
		int n = snprintf(list + len, LIST_BUF - len, "%s%s", i ? ", " : "",
		                 d->fields[i].name);
		len += n > 0 ? (size_t)n : 0;
	}
	return yx_diag_set(cx->diag, YX_EINVAL, "%s: unknown field %s (expected one of %s)",
	                   cx->path, q, list);
}

/* Builds *out from obj, setting *out before any field is read so that a failure part way
 * leaves a message the caller can free whole. */
static int message_from_json(ctx_t *cx, const ProtobufCMessageDescriptor *d, const json_t *obj,
                             ProtobufCMessage **out)
{
	ProtobufCMessage *m;
	const char *key;
	json_t *v;
	int ret = YX_OK;

	if (!json_is_object(obj))
		return value_error(cx, obj, "expected an object");
	m = malloc(d->sizeof_message);
	if (!m)
		return no_memory(cx);
	protobuf_c_message_init(d, m);
	*out = m;

	/* jansson's iteration takes json_t * but does not modify the object. */
	json_object_foreach((json_t *)obj, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);
		size_t at;

		if (!f) {
			ret = unknown_field(cx, d, key);
			break;
		}
		if (json_is_null(v))
			continue;
		at = path_push(cx, key, 0);
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			/* The case is set before the value so free_unpacked sees the member. */
			uint32_t *which = MEMBER(m, f->quantifier_offset);
			if (*which != 0 && *which != f->id) {
				const ProtobufCFieldDescriptor *other =
				        protobuf_c_message_descriptor_get_field(d, *which);
				ret = yx_diag_set(
				        cx->diag, YX_EINVAL,
				        "%s: cannot be given with \"%s\" (one of them only)",
				        cx->path, other ? other->name : "?");
				path_pop(cx, at);
				break;
			}
			*which = f->id;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			ret = repeated_from_json(cx, f, v, m);
		} else {
			ret = value_from_json(cx, f, v, MEMBER(m, f->offset));
			/* proto3 `optional` scalars and bytes carry a has_ flag. */
			if (ret == YX_OK && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
			    !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
				*(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
		}
		path_pop(cx, at);
		if (ret != YX_OK)
			break;
	}
	return ret;
}

int yx_json_to_record(yx_kind_t kind, const json_t *obj, void **record, yx_diag_t *diag)
{
	ctx_t cx = {.diag = diag};
	ProtobufCMessage *m = NULL;
	int ret;

	assert(yx_kind_descriptor(kind) && obj && record);
	*record = NULL;
	cx.len = (size_t)snprintf(cx.path, sizeof(cx.path), "%s", kinds[kind].root);
	ret = message_from_json(&cx, kinds[kind].desc, obj, &m);
	if (ret != YX_OK)
		protobuf_c_message_free_unpacked(m, NULL);
	else
		*record = m;
	return ret;
}

int yx_json_to_record_text(yx_kind_t kind, const char *text, size_t len, void **record,
                           yx_diag_t *diag)
{
	json_error_t err;
	json_t *root;
	int ret;

	assert(record);
	*record = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!root)
		return yx_diag_set(diag, YX_EINVAL, "line %d, column %d: %s", err.line, err.column,
		                   err.text);
	ret = yx_json_to_record(kind, root, record, diag);
	json_decref(root);
	return ret;
}

/* ---- record to JSON ---- */

/* Strings from peers were validated as UTF-8, but output must never fail on one that was
 * not: invalid bytes become U+FFFD. */
static json_t *string_to_json(const char *s)
{
	json_t *v;
	char *fixed;
	size_t n, len = 0;

	if (!s)
		return json_string("");
	v = json_string(s);
	if (v)
		return v;
	n = strlen(s);
	fixed = malloc(n * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = yx_utf8_seq_len((const unsigned char *)s + i, n - i);
		if (k) {
			memcpy(fixed + len, s + i, k);
			len += k;
			i += k;
		} else {
			memcpy(fixed + len, "\xEF\xBF\xBD", 3);
			len += 3;
			i++;
		}
	}
	fixed[len] = '\0';
	v = json_string(fixed);
	free(fixed);
	return v;
}

static json_t *bytes_to_json(const ProtobufCBinaryData *b)
{
	size_t size = sodium_base64_ENCODED_LEN(b->len, sodium_base64_VARIANT_ORIGINAL);
	char *text = malloc(size);
	json_t *v;

	if (!text)
		return NULL;
	sodium_bin2base64(text, size, b->data, b->len, sodium_base64_VARIANT_ORIGINAL);
	v = json_string(text);
	free(text);
	return v;
}

/* json_int_t stops at 2^63-1; larger values go out as decimal strings, which input
 * accepts for 64-bit fields. */
static json_t *u64_to_json(uint64_t u)
{
	char text[24];

	if (u <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)u);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)u);
	return json_string(text);
}

static json_t *enum_to_json(const ProtobufCEnumDescriptor *d, int value)
{
	char name[YX_ENUM_NAME_MAX];

	/* A number this build does not know (protobuf-c keeps them) stays a number. */
	if (!yx_enum_to_text(d, value, name, sizeof(name)))
		return json_integer(value);
	return json_string(name);
}

static json_t *message_to_json(const ProtobufCMessage *m, const char *always);

/* One value of field f, stored at member. New reference, NULL if out of memory. */
static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *member)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)member);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: return json_integer((json_int_t) * (const int64_t *)member);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)member);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: return u64_to_json(*(const uint64_t *)member);
	case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)member);
	case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)member);
	case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)member);
	case PROTOBUF_C_TYPE_ENUM: return enum_to_json(f->descriptor, *(const int *)member);
	case PROTOBUF_C_TYPE_STRING: return string_to_json(*(char *const *)member);
	case PROTOBUF_C_TYPE_BYTES: return bytes_to_json(member);
	case PROTOBUF_C_TYPE_MESSAGE:
		return message_to_json(*(ProtobufCMessage *const *)member, NULL);
	}
	assert(!"unknown protobuf-c field type");
	return NULL;
}

/* Whether a singular field is worth printing: set (oneof, has_ flag, pointer) or, for
 * plain proto3 fields, different from its zero default. */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *member = CMEMBER(m, f->offset);

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)CMEMBER(m, f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(ProtobufCMessage *const *)member != NULL;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(char *const *)member;
		return s && s != f->default_value && (f->label != PROTOBUF_C_LABEL_NONE || *s);
	}
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)CMEMBER(m, f->quantifier_offset);
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return ((const ProtobufCBinaryData *)member)->len != 0;
	for (size_t i = 0; i < yx_field_value_size(f->type); i++)
		if (((const unsigned char *)member)[i])
			return true;
	return false;
}

/* always names a field printed even at its default (the record's key), or is NULL. */
static json_t *message_to_json(const ProtobufCMessage *m, const char *always)
{
	const ProtobufCMessageDescriptor *d;
	json_t *obj = json_object();

	if (!obj || !m)
		return obj;
	d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		json_t *v;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
			const char *arr = *(void *const *)CMEMBER(m, f->offset);
			size_t size = yx_field_value_size(f->type);
			if (n == 0)
				continue;
			v = json_array();
			for (size_t k = 0; v && k < n; k++) {
				if (json_array_append_new(v, value_to_json(f, arr + k * size)) !=
				    0) {
					json_decref(v);
					v = NULL;
				}
			}
		} else if (field_present(m, f) || (always && strcmp(f->name, always) == 0)) {
			v = value_to_json(f, CMEMBER(m, f->offset));
		} else {
			continue;
		}
		if (json_object_set_new(obj, f->name, v) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

json_t *yx_record_to_json(yx_kind_t kind, const void *record)
{
	assert(yx_kind_descriptor(kind) && record);
	assert(((const ProtobufCMessage *)record)->descriptor == kinds[kind].desc);
	return message_to_json(record, kinds[kind].key);
}

json_t *yx_change_to_json(const Yrdx__Change *c)
{
	json_t *obj = json_object();
	const char *kind_name = yx_kind_name((yx_kind_t)c->kind);
	yx_kind_t body_kind = yx_change_body_kind(c);
	int fail = 0;

	if (!obj)
		return NULL;
	fail |= json_object_set_new(obj, "kind",
	                            kind_name ? json_string(kind_name) : json_integer(c->kind));
	fail |= json_object_set_new(obj, "id", string_to_json(c->id));
	fail |= json_object_set_new(obj, "origin", bytes_to_json(&c->origin));
	fail |= json_object_set_new(obj, "seq", u64_to_json(c->seq));
	fail |= json_object_set_new(obj, "time_ms", json_integer((json_int_t)c->time_ms));
	if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE) {
		fail |= json_object_set_new(
		        obj, "tombstone",
		        message_to_json((const ProtobufCMessage *)c->tombstone, NULL));
	} else if (body_kind != YX_KIND_NONE) {
		/* The oneof member is found through the descriptor, like every other field. */
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field(c->base.descriptor, c->body_case);
		const void *body = *(void *const *)CMEMBER(c, f->offset);
		fail |= json_object_set_new(obj, "record",
		                            message_to_json(body, kinds[body_kind].key));
	}
	if (fail) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* ---- record to JSON text, streamed ---- */

/* The writers below print exactly what json_dumpf(yx_record_to_json(...), JSON_COMPACT)
 * prints, without a jansson tree: export writes millions of records. The stream is
 * locked once per record, so the unlocked stdio calls are safe. */

/* A string as jansson dumps it: '"', '\\' and control characters escaped (\u001F style, with
 * capitals), everything else as is; bytes that are not UTF-8 become U+FFFD, as in
 * string_to_json. */
static void write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), run = 0;

	putc_unlocked('"', out);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 1 : yx_utf8_seq_len(p + i, n - i);
		if (k == 1 && (c == '"' || c == '\\' || c < 0x20)) {
			fwrite_unlocked(p + run, 1, i - run, out);
			switch (c) {
			case '"': fputs_unlocked("\\\"", out); break;
			case '\\': fputs_unlocked("\\\\", out); break;
			case '\b': fputs_unlocked("\\b", out); break;
			case '\f': fputs_unlocked("\\f", out); break;
			case '\n': fputs_unlocked("\\n", out); break;
			case '\r': fputs_unlocked("\\r", out); break;
			case '\t': fputs_unlocked("\\t", out); break;
			default: fprintf(out, "\\u%04X", c); break;
			}
			run = ++i;
		} else if (k == 0) {
			fwrite_unlocked(p + run, 1, i - run, out);
			fputs_unlocked("\xEF\xBF\xBD", out);
			run = ++i;
		} else {
			i += k;
		}
	}
	fwrite_unlocked(p + run, 1, n - run, out);
	putc_unlocked('"', out);
}

static void write_u64(FILE *out, uint64_t v, bool neg)
{
	char buf[YX_INT_TEXT];
	size_t len;
	const char *text = yx_uint_text(buf, v, neg, &len);
	fwrite_unlocked(text, 1, len, out);
}

static void write_i64(FILE *out, int64_t v)
{
	char buf[YX_INT_TEXT];
	size_t len;
	const char *text = yx_int_text(buf, v, &len);
	fwrite_unlocked(text, 1, len, out);
}

/* Reals are rare (no record has one yet): jansson formats them, so they match. */
static int write_real(FILE *out, double d)
{
	char text[64];
	json_t *v = json_real(d);
	size_t n = v ? json_dumpb(v, text, sizeof(text), JSON_ENCODE_ANY) : 0;

	json_decref(v);
	if (n == 0 || n > sizeof(text))
		return -ENOMEM;
	fwrite_unlocked(text, 1, n, out);
	return YX_OK;
}

static int write_message(FILE *out, const ProtobufCMessage *m, const char *always);

static int write_value(FILE *out, const ProtobufCFieldDescriptor *f, const void *member)
{
	char name[YX_ENUM_NAME_MAX];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: write_i64(out, *(const int32_t *)member); break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: write_i64(out, *(const int64_t *)member); break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: write_u64(out, *(const uint32_t *)member, false); break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		/* Past json_int_t as a decimal string, as u64_to_json. */
		uint64_t u = *(const uint64_t *)member;
		if (u > (uint64_t)INT64_MAX)
			putc_unlocked('"', out);
		write_u64(out, u, false);
		if (u > (uint64_t)INT64_MAX)
			putc_unlocked('"', out);
		break;
	}
	case PROTOBUF_C_TYPE_FLOAT: return write_real(out, *(const float *)member);
	case PROTOBUF_C_TYPE_DOUBLE: return write_real(out, *(const double *)member);
	case PROTOBUF_C_TYPE_BOOL:
		fputs_unlocked(*(const protobuf_c_boolean *)member ? "true" : "false", out);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		if (yx_enum_to_text(f->descriptor, *(const int *)member, name, sizeof(name)))
			write_string(out, name);
		else
			write_i64(out, *(const int *)member);
		break;
	case PROTOBUF_C_TYPE_STRING: write_string(out, *(char *const *)member); break;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = member;
		size_t size = sodium_base64_ENCODED_LEN(b->len, sodium_base64_VARIANT_ORIGINAL);
		char small[128], *text = size <= sizeof(small) ? small : malloc(size);
		if (!text)
			return -ENOMEM;
		sodium_bin2base64(text, size, b->data, b->len, sodium_base64_VARIANT_ORIGINAL);
		putc_unlocked('"', out);
		fwrite_unlocked(text, 1, size - 1, out);
		putc_unlocked('"', out);
		if (text != small)
			free(text);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return write_message(out, *(ProtobufCMessage *const *)member, NULL);
	}
	return YX_OK;
}

/* message_to_json's fields in message_to_json's order. */
static int write_message(FILE *out, const ProtobufCMessage *m, const char *always)
{
	const ProtobufCMessageDescriptor *d;
	bool first = true;
	int ret = YX_OK;

	putc_unlocked('{', out);
	d = m ? m->descriptor : NULL;
	for (unsigned i = 0; d && i < d->n_fields && ret == YX_OK; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
		size_t n = repeated ? *(const size_t *)CMEMBER(m, f->quantifier_offset) : 0;

		if (repeated ? n == 0
		             : !field_present(m, f) && !(always && strcmp(f->name, always) == 0))
			continue;
		if (!first)
			putc_unlocked(',', out);
		first = false;
		write_string(out, f->name);
		putc_unlocked(':', out);
		if (!repeated) {
			ret = write_value(out, f, CMEMBER(m, f->offset));
			continue;
		}
		const char *arr = *(void *const *)CMEMBER(m, f->offset);
		size_t size = yx_field_value_size(f->type);
		putc_unlocked('[', out);
		for (size_t k = 0; k < n && ret == YX_OK; k++) {
			if (k)
				putc_unlocked(',', out);
			ret = write_value(out, f, arr + k * size);
		}
		putc_unlocked(']', out);
	}
	putc_unlocked('}', out);
	return ret;
}

int yx_record_write_json(FILE *out, yx_kind_t kind, const void *record)
{
	int ret;

	assert(yx_kind_descriptor(kind) && record);
	assert(((const ProtobufCMessage *)record)->descriptor == kinds[kind].desc);
	flockfile(out);
	ret = write_message(out, record, kinds[kind].key);
	funlockfile(out);
	if (ret == YX_OK && ferror(out))
		ret = -EIO;
	return ret;
}

/* Bytes one value of type t takes in a repeated field's array. */
size_t yx_field_value_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: return 8;
	case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
	case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
	}
	assert(!"unknown protobuf-c field type");
	return 0;
}
