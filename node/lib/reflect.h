/* reflect: records seen through their protobuf-c descriptors, for every text form of a
 * record (json.c, csvrec.c) and for the field paths of validation's diags (validate.c).
 * This is the one place that knows protobuf-c's field types, labels, presence and
 * storage; the codecs above it see values of a few classes, so a field added to
 * proto/records.proto later has its JSON, its CSV column and its paths without code.
 *
 * Text forms of one value (what CSV cells hold, and JSON strings where a value is one):
 *   - integers in decimal, '-' for negative ones of signed types;
 *   - booleans true/false (input also 1/0, any case);
 *   - enums by their output name: the value's name without the prefix every value of
 *     the enum shares, lower case (INDUSTRY_BIOMEDICINE is "biomedicine"); input also
 *     takes any case, '-' for '_', the full value name, or the number of a defined value;
 *   - bytes in standard padded base64;
 *   - strings as they are.
 *
 * Input here comes from files and peers: nothing asserts on it. Programmer errors (a
 * kind that is not a record kind, a message where a scalar belongs) assert. */
#ifndef YRDX_REFLECT_H
#define YRDX_REFLECT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "error.h"
#include "text.h"

#define YX_ENUM_NAME_MAX 128                     /* an enum value's output name, with its NUL */
#define YX_ENUM_LIST_MAX 384                     /* yx_enum_names' list, with its NUL */
#define YX_WHY_MAX       80                      /* a reason yx_value_set_int gives */
#define YX_REASON_MAX    (YX_ENUM_LIST_MAX + 64) /* any reason yx_value_from_text gives */

/* ---- record kinds as messages ---- */

/* The message of kind's records (Yrdx__Incubator etc.); NULL if kind is not a record
 * kind. Static, never freed. */
const ProtobufCMessageDescriptor *yx_kind_descriptor(yx_kind_t kind);

/* The field that names a record of kind (credit_code for an enterprise, id otherwise),
 * which its text forms always carry; NULL if kind is not a record kind. Static. */
const char *yx_kind_key(yx_kind_t kind);

/* The name every path into a message of d starts with: its field name in Change
 * ("relay_event", "tombstone"), "change" for Change itself, else its short name.
 * Static. */
const char *yx_message_name(const ProtobufCMessageDescriptor *d);

/* ---- values ---- */

/* What a field's values are, whatever protobuf-c type stores them. */
typedef enum {
	YX_VALUE_INT,     /* int32, sint32, sfixed32, int64, sint64, sfixed64: .i */
	YX_VALUE_UINT,    /* uint32, fixed32, uint64, fixed64: .u */
	YX_VALUE_REAL,    /* float, double: .d */
	YX_VALUE_BOOL,    /* .b */
	YX_VALUE_ENUM,    /* .i: the number (protobuf-c keeps numbers it does not know) */
	YX_VALUE_STRING,  /* .s, never NULL */
	YX_VALUE_BYTES,   /* .bytes */
	YX_VALUE_MESSAGE, /* .m, NULL if unset */
} yx_value_class_t;

typedef struct {
	yx_value_class_t cls;
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		const char *s;
		ProtobufCBinaryData bytes;
		const ProtobufCMessage *m;
	};
} yx_value_t;

/* protobuf-c's types, the one table of them: the class of their values and the bytes one
 * value takes in a message or a repeated field's array. Read through the accessors. */
typedef struct {
	yx_value_class_t cls;
	unsigned char size;
} yx_type_t;

extern const yx_type_t yx_types[PROTOBUF_C_TYPE_MESSAGE + 1];

/* The accessors below are inline: exports and imports call them for every field of
 * every record, and a call costs as much as what they do. */

static inline yx_value_class_t yx_field_class(const ProtobufCFieldDescriptor *f)
{
	return yx_types[f->type].cls;
}

static inline size_t yx_field_value_size(ProtobufCType t)
{
	return yx_types[t].size;
}

/* The value stored at member, a value of field f (the member of a singular field, an
 * element of a repeated one's array). Strings, bytes and messages point into it. */
yx_value_t yx_value_get(const ProtobufCFieldDescriptor *f, const void *member);

/* Stores the integer -mag (neg) or mag at member, a value of an integer field f, if f's
 * type holds it: YX_OK, or YX_EINVAL with the reason in why ("out of range
 * (0..4294967295)", "must be a non-negative integer"). Sign and magnitude hold every
 * int64 and every uint64. */
int yx_value_set_int(const ProtobufCFieldDescriptor *f, void *member, bool neg, uint64_t mag,
                     char why[YX_WHY_MAX]);

/* Stores d at member, a value of a real field f, if f's type holds it: YX_OK or
 * YX_EINVAL. */
int yx_value_set_real(const ProtobufCFieldDescriptor *f, void *member, double d);

/* Reads one value of field f (not a message) from len bytes of text, its text form above,
 * into member. Strings and bytes are allocated with allocator (NULL: malloc) and owned by
 * member once stored. YX_OK; YX_EINVAL with the reason in why (size bytes: an enum's
 * list of names is cut, ", ...", to fit); -ENOMEM. */
int yx_value_from_text(const ProtobufCFieldDescriptor *f, const char *text, size_t len,
                       ProtobufCAllocator *allocator, void *member, char *why, size_t size);

#define YX_VALUE_TEXT YX_ENUM_NAME_MAX /* room for yx_value_text's text, with its NUL */

/* The text form of the value at member without allocating: a number, a boolean or an
 * enum (its number if this build does not know it) written into buf, a string as it is;
 * NULL for bytes and messages. *len is its length. */
const char *yx_value_text(const ProtobufCFieldDescriptor *f, const void *member,
                          char buf[YX_VALUE_TEXT], size_t *len);

/* Appends the text form of the value at member (a value of f, not a message) to out, as
 * yx_value_text, bytes in base64. YX_OK or -ENOMEM. */
int yx_value_to_text(const ProtobufCFieldDescriptor *f, const void *member, yx_buf_t *out);

/* Parses len bytes, an optional '-' then decimal digits and nothing else, as an integer
 * of sign and magnitude (every int64 and uint64 fits): NULL, or why not ("not a decimal
 * integer", "out of range for a 64-bit integer"). */
const char *yx_text_to_wide(const char *text, size_t len, bool *neg, uint64_t *mag);

/* ---- enums ---- */

/* The value of enum d that len bytes of text name: output name, full value name, any
 * case, '-' for '_' (not numbers). YX_OK with *value set, or YX_ENOTFOUND. */
int yx_enum_from_name(const ProtobufCEnumDescriptor *d, const char *text, size_t len, int *value);

/* value's output name ("biomedicine") written into out (size bytes); returns out, or
 * NULL if d defines no such value (or out is too small). */
const char *yx_enum_to_text(const ProtobufCEnumDescriptor *d, int value, char *out, size_t size);

/* value's full name ("INDUSTRY_BIOMEDICINE"), as diags about stored values name it;
 * "?" if d defines no such value. Static. */
const char *yx_enum_full_name(const ProtobufCEnumDescriptor *d, int value);

/* "not a valid Industry (expected one of ...)" into why (size bytes), the list cut to
 * fit. Returns why. */
const char *yx_enum_reason(const ProtobufCEnumDescriptor *d, char *why, size_t size);

/* ---- fields of a message ---- */

#define YX_MEMBER(m, off) ((const void *)((const char *)(m) + (off)))

/* Whether field f of m is set: the member its oneof's case names, a message that is
 * there, a has_ flag, a repeated field with elements; otherwise a value other than the
 * default (0, "", no bytes). */
static inline bool yx_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *member = YX_MEMBER(m, f->offset);
	uint64_t bits = 0;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)YX_MEMBER(m, f->quantifier_offset) != 0;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)YX_MEMBER(m, f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(ProtobufCMessage *const *)member != NULL;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(char *const *)member;
		return s && s != f->default_value && (f->label != PROTOBUF_C_LABEL_NONE || *s);
	}
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)YX_MEMBER(m, f->quantifier_offset);
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return ((const ProtobufCBinaryData *)member)->len != 0;
	/* Numbers, booleans and enums: 4 or 8 bytes, not all zero (reals too: -0.0 is set). */
	memcpy(&bits, member, yx_types[f->type].size);
	return bits != 0;
}

/* Values field f of m holds: a repeated field's elements, else 1. */
static inline size_t yx_field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return 1;
	return *(const size_t *)(const void *)((const char *)m + f->quantifier_offset);
}

/* Where value k of field f of m is stored: the member of a singular field (k 0), an
 * element of a repeated field's array. */
static inline const void *yx_field_value(const ProtobufCMessage *m,
                                         const ProtobufCFieldDescriptor *f, size_t k)
{
	const char *member = (const char *)m + f->offset;

	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return member;
	return *(const char *const *)(const void *)member + k * yx_field_value_size(f->type);
}

/* The member of singular field f of m, to store a value in. */
static inline void *yx_field_member(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return (char *)m + f->offset;
}

/* A new message of type d, initialised, from allocator (NULL: malloc); NULL if out of
 * memory. */
ProtobufCMessage *yx_message_new(const ProtobufCMessageDescriptor *d,
                                 ProtobufCAllocator *allocator);

/* Before a value of f is stored in m: if f is a member of a oneof, its case is set to f,
 * so that freeing m frees what is stored. YX_OK, or YX_EINVAL if another member of the
 * oneof is set already (*other names it, NULL if this build does not know it). */
int yx_field_claim_oneof(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                         const ProtobufCFieldDescriptor **other);

static inline int yx_field_claim(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                                 const ProtobufCFieldDescriptor **other)
{
	return f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF ? yx_field_claim_oneof(m, f, other) : YX_OK;
}

/* After a value of singular f is stored in m: sets the has_ flag a proto3 `optional`
 * scalar or bytes field carries. */
static inline void yx_field_mark(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)(void *)((char *)m + f->quantifier_offset) = 1;
}

/* The array of repeated field f of m made n zeroed values long (allocator NULL: malloc),
 * attached and counted before any value is read, so that freeing m frees it whatever
 * fails part way. Returns the array, NULL if out of memory (m unchanged). n > 0. */
void *yx_field_alloc(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t n,
                     ProtobufCAllocator *allocator);

/* ---- paths: where in a record (yx_path_t, error.h) ---- */

/* An empty path into messages of root. */
void yx_path_init(yx_path_t *p, const ProtobufCMessageDescriptor *root);

/* Appends field f of the message the path ends at (index: its element, or -1); returns
 * the depth to go back to with yx_path_pop. */
unsigned yx_path_push(yx_path_t *p, const ProtobufCFieldDescriptor *f, long index);

/* Appends the field named name of the message the path ends at, if it has one (a name
 * the schema does not know leaves the path as it was). Returns the depth before. */
unsigned yx_path_push_name(yx_path_t *p, const char *name, long index);

void yx_path_pop(yx_path_t *p, unsigned depth);

/* Makes the path's last field name its element index (-1: the field itself). */
void yx_path_index(yx_path_t *p, long index);

/* The path as text, "relay_event.answers.seq" or "scores[1].dimension" without its root
 * name, into out (size bytes, cut if it must be). Returns out. */
const char *yx_path_text(const yx_path_t *p, bool root, char *out, size_t size);

/* Fills diag with "<path>: <what>" (the path with its root name) and keeps the path in
 * it, for callers that name the field in their own terms. Returns err. */
int yx_diag_at(yx_diag_t *diag, int err, const yx_path_t *p, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int yx_diag_vat(yx_diag_t *diag, int err, const yx_path_t *p, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));

#endif
