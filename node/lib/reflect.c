#include "reflect.h"

#include <assert.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Repeated enums are arrays of int: protobuf-c forces enums to int size. */
_Static_assert(sizeof(Yrdx__Industry) == sizeof(int), "protobuf-c enums are int-sized");

#define MEMBER(m, off)  ((void *)((char *)(m) + (off)))
#define CMEMBER(m, off) ((const void *)((const char *)(m) + (off)))

#define PATH_TEXT 256 /* a path as text: schema names and small indices always fit */

/* ---- record kinds ---- */

static const struct {
	const ProtobufCMessageDescriptor *desc;
	const char *key;
} kinds[YX_KIND_COUNT] = {
        [YX_KIND_INCUBATOR] = {&yrdx__incubator__descriptor, "id"},
        [YX_KIND_ENTERPRISE] = {&yrdx__enterprise__descriptor, "credit_code"},
        [YX_KIND_PARK] = {&yrdx__park__descriptor, "id"},
        [YX_KIND_RELAY_EVENT] = {&yrdx__relay_event__descriptor, "id"},
        [YX_KIND_JOINT] = {&yrdx__joint_participation__descriptor, "id"},
        [YX_KIND_EVALUATION] = {&yrdx__evaluation__descriptor, "id"},
        [YX_KIND_POLICY] = {&yrdx__sharing_policy__descriptor, "id"},
        [YX_KIND_FIGURES] = {&yrdx__enterprise_figures__descriptor, "credit_code"},
        [YX_KIND_CHARTER] = {&yrdx__charter_vote__descriptor, "id"},
};

const ProtobufCMessageDescriptor *yx_kind_descriptor(yx_kind_t kind)
{
	if ((int)kind <= YX_KIND_NONE || kind >= YX_KIND_COUNT)
		return NULL;
	return kinds[kind].desc;
}

const char *yx_kind_key(yx_kind_t kind)
{
	return yx_kind_descriptor(kind) ? kinds[kind].key : NULL;
}

const char *yx_message_name(const ProtobufCMessageDescriptor *d)
{
	const ProtobufCMessageDescriptor *cd = &yrdx__change__descriptor;

	if (d == cd)
		return "change";
	for (unsigned i = 0; i < cd->n_fields; i++)
		if (cd->fields[i].type == PROTOBUF_C_TYPE_MESSAGE && cd->fields[i].descriptor == d)
			return cd->fields[i].name;
	return d->short_name;
}

/* ---- values: protobuf-c's types, once ---- */

const yx_type_t yx_types[PROTOBUF_C_TYPE_MESSAGE + 1] = {
        [PROTOBUF_C_TYPE_INT32] = {YX_VALUE_INT, 4},
        [PROTOBUF_C_TYPE_SINT32] = {YX_VALUE_INT, 4},
        [PROTOBUF_C_TYPE_SFIXED32] = {YX_VALUE_INT, 4},
        [PROTOBUF_C_TYPE_INT64] = {YX_VALUE_INT, 8},
        [PROTOBUF_C_TYPE_SINT64] = {YX_VALUE_INT, 8},
        [PROTOBUF_C_TYPE_SFIXED64] = {YX_VALUE_INT, 8},
        [PROTOBUF_C_TYPE_UINT32] = {YX_VALUE_UINT, 4},
        [PROTOBUF_C_TYPE_FIXED32] = {YX_VALUE_UINT, 4},
        [PROTOBUF_C_TYPE_UINT64] = {YX_VALUE_UINT, 8},
        [PROTOBUF_C_TYPE_FIXED64] = {YX_VALUE_UINT, 8},
        [PROTOBUF_C_TYPE_FLOAT] = {YX_VALUE_REAL, sizeof(float)},
        [PROTOBUF_C_TYPE_DOUBLE] = {YX_VALUE_REAL, sizeof(double)},
        [PROTOBUF_C_TYPE_BOOL] = {YX_VALUE_BOOL, sizeof(protobuf_c_boolean)},
        [PROTOBUF_C_TYPE_ENUM] = {YX_VALUE_ENUM, sizeof(int)},
        [PROTOBUF_C_TYPE_STRING] = {YX_VALUE_STRING, sizeof(char *)},
        [PROTOBUF_C_TYPE_BYTES] = {YX_VALUE_BYTES, sizeof(ProtobufCBinaryData)},
        [PROTOBUF_C_TYPE_MESSAGE] = {YX_VALUE_MESSAGE, sizeof(ProtobufCMessage *)},
};

yx_value_t yx_value_get(const ProtobufCFieldDescriptor *f, const void *member)
{
	yx_value_t v = {.cls = yx_field_class(f)};
	bool wide = yx_types[f->type].size == 8;

	switch (v.cls) {
	case YX_VALUE_INT: v.i = wide ? *(const int64_t *)member : *(const int32_t *)member; break;
	case YX_VALUE_UINT:
		v.u = wide ? *(const uint64_t *)member : *(const uint32_t *)member;
		break;
	case YX_VALUE_REAL: v.d = wide ? *(const double *)member : *(const float *)member; break;
	case YX_VALUE_BOOL: v.b = *(const protobuf_c_boolean *)member; break;
	case YX_VALUE_ENUM: v.i = *(const int *)member; break;
	case YX_VALUE_STRING:
		v.s = *(char *const *)member;
		if (!v.s)
			v.s = "";
		break;
	case YX_VALUE_BYTES: v.bytes = *(const ProtobufCBinaryData *)member; break;
	case YX_VALUE_MESSAGE: v.m = *(ProtobufCMessage *const *)member; break;
	}
	return v;
}

/* yx_value_set_int, inlined where text is read. */
static inline int set_int(const ProtobufCFieldDescriptor *f, void *member, bool neg, uint64_t mag,
                          char why[YX_WHY_MAX])
{
	bool wide = yx_types[f->type].size == 8;

	if (yx_field_class(f) == YX_VALUE_UINT) {
		uint64_t max = wide ? UINT64_MAX : UINT32_MAX;
		if (neg && mag != 0)
			return yx_why(why, YX_WHY_MAX, YX_EINVAL, "must be a non-negative integer");
		if (mag > max)
			return yx_why(why, YX_WHY_MAX, YX_EINVAL, "out of range (0..%llu)",
			              (unsigned long long)max);
		if (wide)
			*(uint64_t *)member = mag;
		else
			*(uint32_t *)member = (uint32_t)mag;
		return YX_OK;
	}
	assert(yx_field_class(f) == YX_VALUE_INT);
	int64_t min = wide ? INT64_MIN : INT32_MIN, max = wide ? INT64_MAX : INT32_MAX;
	if ((!neg && mag > (uint64_t)max) || (neg && mag > (uint64_t)(-(min + 1)) + 1))
		return yx_why(why, YX_WHY_MAX, YX_EINVAL, "out of range (%lld..%lld)",
		              (long long)min, (long long)max);
	int64_t i = !neg ? (int64_t)mag : mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
	if (wide)
		*(int64_t *)member = i;
	else
		*(int32_t *)member = (int32_t)i;
	return YX_OK;
}

int yx_value_set_int(const ProtobufCFieldDescriptor *f, void *member, bool neg, uint64_t mag,
                     char why[YX_WHY_MAX])
{
	return set_int(f, member, neg, mag, why);
}

int yx_value_set_real(const ProtobufCFieldDescriptor *f, void *member, double d)
{
	bool wide = yx_types[f->type].size == 8;
	double max = wide ? DBL_MAX : FLT_MAX;

	assert(yx_field_class(f) == YX_VALUE_REAL);
	if (!(d <= max && d >= -max))
		return YX_EINVAL;
	if (wide)
		*(double *)member = d;
	else
		*(float *)member = (float)d;
	return YX_OK;
}

/* ---- integers from text ---- */

/* yx_text_to_wide, inlined where text is read. */
static inline const char *to_wide(const char *s, size_t len, bool *neg, uint64_t *mag)
{
	size_t i = len > 0 && s[0] == '-';
	uint64_t m = 0;

	*neg = i == 1;
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
	*mag = m;
	return NULL;
}

const char *yx_text_to_wide(const char *s, size_t len, bool *neg, uint64_t *mag)
{
	return to_wide(s, len, neg, mag);
}

/* ---- enums ---- */

#define ENUMS       16 /* enums known by their names at once, per thread */
#define ENUM_VALUES 32 /* values of one of them */
#define ENUM_NAME   32 /* an output name, with its NUL: longer ones take the slow way */

/* What an enum's names are, worked out once per enum and thread: the prefix every value
 * shares, and the output names, which text mostly uses and which are then found by one
 * comparison each (the spelling rules decide every other spelling). */
typedef struct {
	const ProtobufCEnumDescriptor *d;
	size_t prefix;
	unsigned n;
	int values[ENUM_VALUES];
	unsigned char lens[ENUM_VALUES];
	char names[ENUM_VALUES][ENUM_NAME];
} enum_info_t;

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

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

static void enum_info_build(enum_info_t *e, const ProtobufCEnumDescriptor *d)
{
	e->d = d;
	e->prefix = enum_prefix_compute(d);
	e->n = 0;
	for (unsigned k = 0; k < d->n_values && e->n < ENUM_VALUES; k++) {
		const char *name = d->values[k].name + e->prefix;
		size_t len = strlen(name);
		if (len >= ENUM_NAME)
			continue;
		for (size_t i = 0; i <= len; i++)
			e->names[e->n][i] = ascii_lower(name[i]);
		e->lens[e->n] = (unsigned char)len;
		e->values[e->n++] = d->values[k].value;
	}
}

/* d's names, NULL if ENUMS others are known already (the slow way then: the schema has a
 * dozen enums). Thread-local: the daemon's threads print and read enums too. */
static const enum_info_t *enum_info(const ProtobufCEnumDescriptor *d)
{
	static _Thread_local enum_info_t known[ENUMS];

	for (size_t i = 0; i < ENUMS; i++) {
		if (known[i].d == d)
			return &known[i];
		if (!known[i].d) {
			enum_info_build(&known[i], d);
			return &known[i];
		}
	}
	return NULL;
}

static size_t enum_prefix_len(const ProtobufCEnumDescriptor *d)
{
	const enum_info_t *e = enum_info(d);
	return e ? e->prefix : enum_prefix_compute(d);
}

/* True if len bytes of input spell name case-insensitively, with '-' allowed for '_'. */
static bool enum_name_matches(const char *input, size_t len, const char *name)
{
	size_t i = 0;

	for (; i < len && name[i]; i++) {
		char c = input[i] == '-' ? '_' : ascii_lower(input[i]);
		if (c != ascii_lower(name[i]))
			return false;
	}
	return i == len && name[i] == '\0';
}

int yx_enum_from_name(const ProtobufCEnumDescriptor *d, const char *text, size_t len, int *value)
{
	const enum_info_t *e = enum_info(d);
	size_t prefix = e ? e->prefix : enum_prefix_compute(d);

	for (unsigned k = 0; e && k < e->n; k++) {
		if (e->lens[k] == len && memcmp(e->names[k], text, len) == 0) {
			*value = e->values[k];
			return YX_OK;
		}
	}
	if (memchr(text, '\0', len))
		return YX_ENOTFOUND;
	for (unsigned i = 0; i < d->n_values; i++) {
		if (enum_name_matches(text, len, d->values[i].name + prefix) ||
		    enum_name_matches(text, len, d->values[i].name)) {
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

const char *yx_enum_full_name(const ProtobufCEnumDescriptor *d, int value)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, value);
	return ev ? ev->name : "?";
}

/* "a, b, c": d's output names other than UNSPECIFIED, for "expected one of" messages;
 * cut with ", ..." if they do not fit. Returns out. */
static const char *enum_names(const ProtobufCEnumDescriptor *d, char out[YX_ENUM_LIST_MAX])
{
	size_t prefix = enum_prefix_len(d);
	size_t len = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < d->n_values; i++) {
		if (prefix && d->values[i].value == 0)
			continue;
		const char *name = d->values[i].name + prefix;
		size_t n = strlen(name);
		if (len + n + 7 >= YX_ENUM_LIST_MAX) {
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

const char *yx_enum_reason(const ProtobufCEnumDescriptor *d, char *why, size_t size)
{
	char list[YX_ENUM_LIST_MAX];
	int frame = snprintf(NULL, 0, "not a valid %s (expected one of )", d->short_name);
	size_t room = frame > 0 && (size_t)frame + 16 < size ? size - 1 - (size_t)frame : 16;

	/* The names are cut (", ...") to the room the reason has beside a long path. */
	enum_names(d, list);
	if (strlen(list) > room) {
		char *cut = list + room - 5;
		*cut = '\0';
		cut = strrchr(list, ',');
		strcpy(cut ? cut : list, ", ...");
	}
	snprintf(why, size, "not a valid %s (expected one of %s)", d->short_name, list);
	return why;
}

/* An enum's value from text: an output name (one comparison each), a defined number, or
 * what the spelling rules take. */
static int enum_value_from_text(const ProtobufCEnumDescriptor *d, const char *s, size_t len,
                                int *out, char *why, size_t size)
{
	bool neg = false;
	uint64_t number = 0;

	if (len && s[0] >= '0' && s[0] <= '9') {
		if (!yx_text_to_wide(s, len, &neg, &number) && number <= INT32_MAX &&
		    protobuf_c_enum_descriptor_get_value(d, (int)number)) {
			*out = (int)number;
			return YX_OK;
		}
	} else if (len < YX_ENUM_NAME_MAX && yx_enum_from_name(d, s, len, out) == YX_OK) {
		return YX_OK;
	}
	yx_enum_reason(d, why, size);
	return YX_EINVAL;
}

/* ---- values from and to text ---- */

static void *pb_alloc(ProtobufCAllocator *a, size_t n)
{
	return a ? a->alloc(a->allocator_data, n) : malloc(n);
}

static void pb_free(ProtobufCAllocator *a, void *p)
{
	if (a)
		a->free(a->allocator_data, p);
	else
		free(p);
}

static bool ascii_ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(s[i]) != word[i])
			return false;
	return true;
}

static int real_from_text(const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                          void *member, char *why, size_t size)
{
	char text[64], *end;
	double d;

	if (len == 0 || len >= sizeof(text))
		return yx_why(why, size, YX_EINVAL, "not a number");
	memcpy(text, s, len);
	text[len] = '\0';
	errno = 0;
	d = strtod(text, &end);
	if (end != text + len || errno == ERANGE || !isfinite(d) ||
	    yx_value_set_real(f, member, d) != YX_OK)
		return yx_why(why, size, YX_EINVAL, "not a number in range");
	return YX_OK;
}

static int bytes_from_text(const char *s, size_t len, ProtobufCAllocator *a,
                           ProtobufCBinaryData *out, char *why, size_t size)
{
	size_t max = len / 4 * 3 + 3, bin_len = 0;
	const char *end = NULL;
	uint8_t *bin;

	if (len == 0)
		return YX_OK;
	if (!(bin = pb_alloc(a, max)))
		return -ENOMEM;
	if (sodium_base642bin(bin, max, s, len, NULL, &bin_len, &end,
	                      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != s + len) {
		pb_free(a, bin);
		return yx_why(why, size, YX_EINVAL, "not valid base64 (standard alphabet, padded)");
	}
	if (bin_len == 0) {
		pb_free(a, bin);
		return YX_OK;
	}
	out->data = bin;
	out->len = bin_len;
	return YX_OK;
}

int yx_value_from_text(const ProtobufCFieldDescriptor *f, const char *s, size_t len,
                       ProtobufCAllocator *a, void *member, char *why, size_t size)
{
	char w[YX_WHY_MAX];
	const char *bad;
	bool neg = false;
	uint64_t mag = 0;
	char *str;

	switch (yx_field_class(f)) {
	case YX_VALUE_INT:
	case YX_VALUE_UINT:
		if ((bad = to_wide(s, len, &neg, &mag)))
			return yx_why(why, size, YX_EINVAL, "%s", bad);
		if (set_int(f, member, neg, mag, w) != YX_OK)
			return yx_why(why, size, YX_EINVAL, "%s", w);
		return YX_OK;
	case YX_VALUE_REAL: return real_from_text(f, s, len, member, why, size);
	case YX_VALUE_BOOL:
		if (ascii_ieq(s, len, "true") || ascii_ieq(s, len, "1"))
			*(protobuf_c_boolean *)member = 1;
		else if (ascii_ieq(s, len, "false") || ascii_ieq(s, len, "0"))
			*(protobuf_c_boolean *)member = 0;
		else
			return yx_why(why, size, YX_EINVAL, "expected true or false");
		return YX_OK;
	case YX_VALUE_ENUM: return enum_value_from_text(f->descriptor, s, len, member, why, size);
	case YX_VALUE_STRING:
		if (!(str = pb_alloc(a, len + 1)))
			return -ENOMEM;
		memcpy(str, s, len);
		str[len] = '\0';
		*(char **)member = str;
		return YX_OK;
	case YX_VALUE_BYTES: return bytes_from_text(s, len, a, member, why, size);
	case YX_VALUE_MESSAGE: break;
	}
	return yx_why(why, size, YX_EINVAL, "no text form");
}

const char *yx_value_text(const ProtobufCFieldDescriptor *f, const void *member,
                          char buf[YX_VALUE_TEXT], size_t *len)
{
	bool wide = yx_types[f->type].size == 8;
	const enum_info_t *e;
	const char *s;
	int n, v;

	/* Its own switch, not yx_value_get's: exports call this for every value. */
	switch (yx_field_class(f)) {
	case YX_VALUE_INT:
		return yx_int_text(buf, wide ? *(const int64_t *)member : *(const int32_t *)member,
		                   len);
	case YX_VALUE_UINT:
		return yx_uint_text(buf,
		                    wide ? *(const uint64_t *)member : *(const uint32_t *)member,
		                    false, len);
	case YX_VALUE_REAL:
		n = snprintf(buf, YX_VALUE_TEXT, wide ? "%.17g" : "%.9g",
		             wide ? *(const double *)member : *(const float *)member);
		*len = n > 0 ? (size_t)n : 0;
		return buf;
	case YX_VALUE_BOOL:
		s = *(const protobuf_c_boolean *)member ? "true" : "false";
		*len = strlen(s);
		return s;
	case YX_VALUE_ENUM:
		v = *(const int *)member;
		e = enum_info(f->descriptor);
		for (unsigned k = 0; e && k < e->n; k++) {
			if (e->values[k] == v) {
				*len = e->lens[k];
				return e->names[k];
			}
		}
		/* A number this build does not know (protobuf-c keeps them) stays a number. */
		if (!yx_enum_to_text(f->descriptor, v, buf, YX_VALUE_TEXT))
			return yx_int_text(buf, v, len);
		*len = strlen(buf);
		return buf;
	case YX_VALUE_STRING:
		s = *(char *const *)member;
		s = s ? s : "";
		*len = strlen(s);
		return s;
	case YX_VALUE_BYTES:
	case YX_VALUE_MESSAGE: break;
	}
	return NULL;
}

int yx_value_to_text(const ProtobufCFieldDescriptor *f, const void *member, yx_buf_t *out)
{
	char buf[YX_VALUE_TEXT];
	size_t n = 0;
	const char *t = yx_value_text(f, member, buf, &n);

	if (t)
		return yx_buf_add(out, t, n);
	assert(f->type == PROTOBUF_C_TYPE_BYTES);
	const ProtobufCBinaryData *b = member;
	size_t size = sodium_base64_ENCODED_LEN(b->len, sodium_base64_VARIANT_ORIGINAL);
	if (yx_buf_room(out, size) != 0)
		return -ENOMEM;
	sodium_bin2base64(out->p + out->len, size, b->data, b->len, sodium_base64_VARIANT_ORIGINAL);
	out->len += size - 1;
	return YX_OK;
}

/* ---- fields of a message ---- */

ProtobufCMessage *yx_message_new(const ProtobufCMessageDescriptor *d, ProtobufCAllocator *a)
{
	ProtobufCMessage *m = pb_alloc(a, d->sizeof_message);
	if (m)
		protobuf_c_message_init(d, m);
	return m;
}

int yx_field_claim_oneof(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                         const ProtobufCFieldDescriptor **other)
{
	uint32_t *which = MEMBER(m, f->quantifier_offset);

	if (*which != 0 && *which != f->id) {
		*other = protobuf_c_message_descriptor_get_field(m->descriptor, *which);
		return YX_EINVAL;
	}
	*which = f->id;
	return YX_OK;
}

void *yx_field_alloc(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t n,
                     ProtobufCAllocator *a)
{
	size_t size = yx_types[f->type].size;
	void *arr;

	assert(f->label == PROTOBUF_C_LABEL_REPEATED && n > 0);
	if (n > SIZE_MAX / size || !(arr = pb_alloc(a, n * size)))
		return NULL;
	memset(arr, 0, n * size);
	*(void **)MEMBER(m, f->offset) = arr;
	*(size_t *)MEMBER(m, f->quantifier_offset) = n;
	return arr;
}

/* ---- paths ---- */

void yx_path_init(yx_path_t *p, const ProtobufCMessageDescriptor *root)
{
	p->root = root;
	p->depth = 0;
}

unsigned yx_path_push(yx_path_t *p, const ProtobufCFieldDescriptor *f, long index)
{
	unsigned depth = p->depth;

	if (p->depth < YX_PATH_MAX) {
		p->step[p->depth].field = f;
		p->step[p->depth].index = index;
	}
	p->depth++;
	return depth;
}

unsigned yx_path_push_name(yx_path_t *p, const char *name, long index)
{
	const ProtobufCMessageDescriptor *d = p->root;
	const ProtobufCFieldDescriptor *f = NULL;

	if (p->depth > YX_PATH_MAX)
		return p->depth;
	if (p->depth > 0) {
		const ProtobufCFieldDescriptor *last = p->step[p->depth - 1].field;
		d = last->type == PROTOBUF_C_TYPE_MESSAGE ? last->descriptor : NULL;
	}
	if (d)
		f = protobuf_c_message_descriptor_get_field_by_name(d, name);
	return f ? yx_path_push(p, f, index) : p->depth;
}

void yx_path_pop(yx_path_t *p, unsigned depth)
{
	p->depth = depth;
}

void yx_path_index(yx_path_t *p, long index)
{
	if (p->depth > 0 && p->depth <= YX_PATH_MAX)
		p->step[p->depth - 1].index = index;
}

/* Appends to out (size bytes, len used); returns the length used after, cut to fit. */
static size_t text_add(char *out, size_t size, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static size_t text_add(char *out, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len + 1 >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - len ? size - 1 : len + (size_t)n;
}

const char *yx_path_text(const yx_path_t *p, bool root, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	if (root && p->root)
		len = text_add(out, size, len, "%s", yx_message_name(p->root));
	for (unsigned i = 0; i < p->depth; i++) {
		const char *dot = len ? "." : "";
		if (i == YX_PATH_MAX) {
			text_add(out, size, len, "%s...", dot);
			break;
		}
		len = text_add(out, size, len, "%s%s", dot, p->step[i].field->name);
		if (p->step[i].index >= 0)
			len = text_add(out, size, len, "[%ld]", p->step[i].index);
	}
	return out;
}

int yx_diag_vat(yx_diag_t *diag, int err, const yx_path_t *p, const char *fmt, va_list ap)
{
	char path[PATH_TEXT];
	int n;

	if (!diag)
		return err;
	yx_path_text(p, true, path, sizeof(path));
	n = snprintf(diag->msg, sizeof(diag->msg), "%s: ", path);
	diag->what = n > 0 && (size_t)n < sizeof(diag->msg) ? (unsigned)n : sizeof(diag->msg) - 1;
	vsnprintf(diag->msg + diag->what, sizeof(diag->msg) - diag->what, fmt, ap);
	diag->path = *p;
	return err;
}

int yx_diag_at(yx_diag_t *diag, int err, const yx_path_t *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = yx_diag_vat(diag, err, p, fmt, ap);
	va_end(ap);
	return err;
}
