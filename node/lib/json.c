#include "json.h"
#include "text.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"     /* a node's key in its text form */
#include "validate.h" /* yx_city_name */

/* Values are quoted at most this many bytes long: a diag is 1024 bytes and also holds the
 * path and, for enums, the list of accepted names. */
#define QUOTE_MAX 48
#define QUOTE_BUF (QUOTE_MAX + 8)
#define LIST_BUF  YX_ENUM_LIST_MAX

/* Reals are integral field values only where a double holds them exactly. */
#define EXACT_REAL_MAX 9007199254740992.0 /* 2^53 */

void yx_record_free(yx_kind_t kind, void **record)
{
	if (!record || !*record)
		return;
	assert(((ProtobufCMessage *)*record)->descriptor == yx_kind_descriptor(kind));
	(void)kind;
	protobuf_c_message_free_unpacked(*record, NULL);
	*record = NULL;
}

/* Whether output carries field f of m: set, or the field named always (the record's key,
 * printed even at its default; NULL for none). */
static bool shown(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, const char *always)
{
	return yx_field_present(m, f) ||
	       (always && f->label != PROTOBUF_C_LABEL_REPEATED && strcmp(f->name, always) == 0);
}

/* ---- JSON to record ---- */

typedef struct {
	yx_path_t path;
	yx_diag_t *diag;
} ctx_t;

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
	return yx_diag_at(cx->diag, YX_EINVAL, &cx->path, "%s: %s", quote(v, q), what);
}

static int no_memory(ctx_t *cx)
{
	return yx_diag_at(cx->diag, -ENOMEM, &cx->path, "out of memory");
}

/* Reads an integer as sign and magnitude: a JSON integer, an integral real (spreadsheets
 * write 5000.0) or, for 64-bit fields (strings), a decimal string, the only way past
 * jansson's json_int_t. */
static int integer_from_json(ctx_t *cx, const json_t *v, bool strings, bool *neg, uint64_t *mag)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		*neg = i < 0;
		*mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
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
		*neg = i < 0;
		*mag = i < 0 ? (uint64_t)(-i) : (uint64_t)i;
		return YX_OK;
	}
	if (strings && json_is_string(v)) {
		const char *why =
		        yx_text_to_wide(json_string_value(v), json_string_length(v), neg, mag);
		return why ? value_error(cx, v, why) : YX_OK;
	}
	return value_error(
	        cx, v, strings ? "expected an integer or a decimal string" : "expected an integer");
}

static int enum_from_json(ctx_t *cx, const ProtobufCEnumDescriptor *d, const json_t *v, int *out)
{
	char what[YX_REASON_MAX];

	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i >= INT32_MIN && i <= INT32_MAX &&
		    protobuf_c_enum_descriptor_get_value(d, (int)i)) {
			*out = (int)i;
			return YX_OK;
		}
	} else if (json_is_string(v)) {
		if (yx_enum_from_name(d, json_string_value(v), strlen(json_string_value(v)), out) ==
		    YX_OK)
			return YX_OK;
	} else {
		snprintf(what, sizeof(what), "expected a %s name (string)", d->short_name);
		return value_error(cx, v, what);
	}
	return value_error(cx, v, yx_enum_reason(d, what, sizeof(what)));
}

/* A string or bytes value from a JSON string, as its text form reads. */
static int text_from_json(ctx_t *cx, const ProtobufCFieldDescriptor *f, const json_t *v,
                          void *member)
{
	char why[YX_REASON_MAX];
	int ret;

	if (!json_is_string(v))
		return value_error(cx, v,
		                   f->type == PROTOBUF_C_TYPE_STRING ? "expected a string"
		                                                     : "expected a base64 string");
	/* jansson allows "\u0000" when asked to; a C string cannot hold it. */
	if (f->type == PROTOBUF_C_TYPE_STRING &&
	    json_string_length(v) != strlen(json_string_value(v)))
		return value_error(cx, v, "contains a NUL character");
	ret = yx_value_from_text(f, json_string_value(v), json_string_length(v), NULL, member, why,
	                         sizeof(why));
	if (ret == -ENOMEM)
		return no_memory(cx);
	return ret == YX_OK ? YX_OK : value_error(cx, v, why);
}

static int message_from_json(ctx_t *cx, const ProtobufCMessageDescriptor *d, const json_t *obj,
                             ProtobufCMessage **out);

/* Stores one JSON value into member, the storage of one (singular or array element)
 * value of field f. Anything allocated is already owned by member on return, error or
 * not, so freeing the message frees it. */
static int value_from_json(ctx_t *cx, const ProtobufCFieldDescriptor *f, const json_t *v,
                           void *member)
{
	char why[YX_WHY_MAX];
	bool neg = false;
	uint64_t mag = 0;
	int ret;

	switch (yx_field_class(f)) {
	case YX_VALUE_INT:
	case YX_VALUE_UINT:
		ret = integer_from_json(cx, v, yx_field_value_size(f->type) == 8, &neg, &mag);
		if (ret == YX_OK && yx_value_set_int(f, member, neg, mag, why) != YX_OK)
			ret = value_error(cx, v, why);
		return ret;
	case YX_VALUE_REAL:
		if (!json_is_number(v))
			return value_error(cx, v, "expected a number");
		if (yx_value_set_real(f, member, json_number_value(v)) != YX_OK)
			return value_error(cx, v, "out of range");
		return YX_OK;
	case YX_VALUE_BOOL:
		if (!json_is_boolean(v))
			return value_error(cx, v, "expected true or false");
		*(protobuf_c_boolean *)member = json_is_true(v);
		return YX_OK;
	case YX_VALUE_ENUM: return enum_from_json(cx, f->descriptor, v, member);
	case YX_VALUE_STRING:
	case YX_VALUE_BYTES: return text_from_json(cx, f, v, member);
	case YX_VALUE_MESSAGE: return message_from_json(cx, f->descriptor, v, member);
	}
	return YX_EINVAL;
}

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
	if (!(arr = yx_field_alloc(m, f, n, NULL)))
		return no_memory(cx);
	for (size_t i = 0; i < n && ret == YX_OK; i++) {
		yx_path_index(&cx->path, (long)i);
		ret = value_from_json(cx, f, json_array_get(v, i), arr + i * size);
	}
	yx_path_index(&cx->path, -1);
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
		return yx_diag_at(cx->diag, YX_EINVAL, &cx->path,
		                  "unknown field %s (did you mean \"%s\"?)", q, best);
	list[0] = '\0';
	for (unsigned i = 0; i < d->n_fields && len < LIST_BUF; i++) {
		int n = snprintf(list + len, LIST_BUF - len, "%s%s", i ? ", " : "",
		                 d->fields[i].name);
		len += n > 0 ? (size_t)n : 0;
	}
	return yx_diag_at(cx->diag, YX_EINVAL, &cx->path, "unknown field %s (expected one of %s)",
	                  q, list);
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
	if (!(m = yx_message_new(d, NULL)))
		return no_memory(cx);
	*out = m;

	/* jansson's iteration takes json_t * but does not modify the object. */
	json_object_foreach((json_t *)obj, key, v)
	{
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, key);
		const ProtobufCFieldDescriptor *other = NULL;
		unsigned at;

		if (!f) {
			ret = unknown_field(cx, d, key);
			break;
		}
		if (json_is_null(v))
			continue;
		at = yx_path_push(&cx->path, f, -1);
		if (yx_field_claim(m, f, &other) != YX_OK)
			ret = yx_diag_at(cx->diag, YX_EINVAL, &cx->path,
			                 "cannot be given with \"%s\" (one of them only)",
			                 other ? other->name : "?");
		else if (f->label == PROTOBUF_C_LABEL_REPEATED)
			ret = repeated_from_json(cx, f, v, m);
		else if ((ret = value_from_json(cx, f, v, yx_field_member(m, f))) == YX_OK)
			yx_field_mark(m, f);
		yx_path_pop(&cx->path, at);
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
	yx_path_init(&cx.path, yx_kind_descriptor(kind));
	ret = message_from_json(&cx, yx_kind_descriptor(kind), obj, &m);
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

/* json_int_t stops at 2^63-1; larger values go out as decimal strings, which input
 * accepts for 64-bit fields. */
static json_t *u64_to_json(uint64_t u)
{
	char text[YX_INT_TEXT];
	size_t len;

	if (u <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)u);
	const char *digits = yx_uint_text(text, u, false, &len);
	return json_stringn(digits, len);
}

static json_t *message_to_json(const ProtobufCMessage *m, const char *always);

/* One value of field f, stored at member. New reference, NULL if out of memory. */
static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *member)
{
	yx_value_t v = yx_value_get(f, member);
	char name[YX_ENUM_NAME_MAX];
	yx_buf_t b = {0};
	json_t *j;

	switch (v.cls) {
	case YX_VALUE_INT: return json_integer((json_int_t)v.i);
	case YX_VALUE_UINT: return u64_to_json(v.u);
	case YX_VALUE_REAL: return json_real(v.d);
	case YX_VALUE_BOOL: return json_boolean(v.b);
	case YX_VALUE_ENUM:
		/* A number this build does not know (protobuf-c keeps them) stays a number. */
		if (!yx_enum_to_text(f->descriptor, (int)v.i, name, sizeof(name)))
			return json_integer((json_int_t)v.i);
		return json_string(name);
	case YX_VALUE_STRING: return string_to_json(v.s);
	case YX_VALUE_BYTES:
		j = yx_value_to_text(f, member, &b) == YX_OK ? json_stringn(b.p, b.len) : NULL;
		yx_buf_free(&b);
		return j;
	case YX_VALUE_MESSAGE: return message_to_json(v.m, NULL);
	}
	return NULL;
}

/* always names a field printed even at its default (the record's key), or is NULL. */
static json_t *message_to_json(const ProtobufCMessage *m, const char *always)
{
	json_t *obj = json_object();

	for (unsigned i = 0; obj && m && i < m->descriptor->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
		json_t *v;

		if (!shown(m, f, always))
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			v = value_to_json(f, yx_field_value(m, f, 0));
		} else {
			v = json_array();
			for (size_t k = 0, n = yx_field_count(m, f); v && k < n; k++) {
				if (json_array_append_new(
				            v, value_to_json(f, yx_field_value(m, f, k))) != 0) {
					json_decref(v);
					v = NULL;
				}
			}
		}
		if (json_object_set_new(obj, f->name, v) != 0) {
			json_decref(obj);
			obj = NULL;
		}
	}
	return obj;
}

json_t *yx_record_to_json(yx_kind_t kind, const void *record)
{
	assert(yx_kind_descriptor(kind) && record);
	assert(((const ProtobufCMessage *)record)->descriptor == yx_kind_descriptor(kind));
	return message_to_json(record, yx_kind_key(kind));
}

json_t *yx_change_to_json(const Yrdx__Change *c)
{
	const ProtobufCMessageDescriptor *cd = c->base.descriptor;
	const char *kind_name = yx_kind_name((yx_kind_t)c->kind);
	yx_kind_t body_kind = yx_change_body_kind(c);
	json_t *obj = json_object();
	int fail = 0;

	if (!obj)
		return NULL;
	fail |= json_object_set_new(obj, "kind",
	                            kind_name ? json_string(kind_name) : json_integer(c->kind));
	fail |= json_object_set_new(obj, "id", string_to_json(c->id));
	/* The envelope's values are found through the descriptor, like every other field. */
	for (const char *const *name = (const char *const[]){"origin", "seq", "time_ms", NULL};
	     *name; name++) {
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(cd, *name);
		fail |= json_object_set_new(obj, *name,
		                            value_to_json(f, yx_field_value(&c->base, f, 0)));
	}
	if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE) {
		fail |= json_object_set_new(
		        obj, "tombstone",
		        message_to_json((const ProtobufCMessage *)c->tombstone, NULL));
	} else if (body_kind != YX_KIND_NONE) {
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field(cd, c->body_case);
		yx_value_t body = yx_value_get(f, yx_field_value(&c->base, f, 0));
		fail |= json_object_set_new(obj, "record",
		                            message_to_json(body.m, yx_kind_key(body_kind)));
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
	yx_value_t v = yx_value_get(f, member);
	char buf[YX_VALUE_TEXT];
	yx_buf_t b = {0};
	bool quoted = false;
	const char *text;
	size_t n = 0;

	switch (v.cls) {
	case YX_VALUE_STRING: write_string(out, v.s); return YX_OK;
	case YX_VALUE_REAL: return write_real(out, v.d);
	case YX_VALUE_MESSAGE: return write_message(out, v.m, NULL);
	case YX_VALUE_BYTES:
		if (yx_value_to_text(f, member, &b) != YX_OK)
			return -ENOMEM;
		putc_unlocked('"', out);
		fwrite_unlocked(b.p, 1, b.len, out);
		putc_unlocked('"', out);
		yx_buf_free(&b);
		return YX_OK;
	/* Past json_int_t as a decimal string, as u64_to_json; enums by name if known. */
	case YX_VALUE_UINT: quoted = v.u > (uint64_t)INT64_MAX; break;
	case YX_VALUE_ENUM:
		quoted = protobuf_c_enum_descriptor_get_value(f->descriptor, (int)v.i);
		break;
	case YX_VALUE_INT:
	case YX_VALUE_BOOL: break;
	}
	text = yx_value_text(f, member, buf, &n);
	if (quoted)
		putc_unlocked('"', out);
	fwrite_unlocked(text, 1, n, out);
	if (quoted)
		putc_unlocked('"', out);
	return YX_OK;
}

/* message_to_json's fields in message_to_json's order. */
static int write_message(FILE *out, const ProtobufCMessage *m, const char *always)
{
	bool first = true;
	int ret = YX_OK;

	putc_unlocked('{', out);
	for (unsigned i = 0; m && i < m->descriptor->n_fields && ret == YX_OK; i++) {
		const ProtobufCFieldDescriptor *f = &m->descriptor->fields[i];
		bool repeated = f->label == PROTOBUF_C_LABEL_REPEATED;

		if (!shown(m, f, always))
			continue;
		if (!first)
			putc_unlocked(',', out);
		first = false;
		write_string(out, f->name);
		putc_unlocked(':', out);
		if (repeated)
			putc_unlocked('[', out);
		for (size_t k = 0, n = yx_field_count(m, f); k < n && ret == YX_OK; k++) {
			if (k)
				putc_unlocked(',', out);
			ret = write_value(out, f, yx_field_value(m, f, k));
		}
		if (repeated)
			putc_unlocked(']', out);
	}
	putc_unlocked('}', out);
	return ret;
}

int yx_record_write_json(FILE *out, yx_kind_t kind, const void *record)
{
	int ret;

	assert(yx_kind_descriptor(kind) && record);
	assert(((const ProtobufCMessage *)record)->descriptor == yx_kind_descriptor(kind));
	flockfile(out);
	ret = write_message(out, record, yx_kind_key(kind));
	funlockfile(out);
	if (ret == YX_OK && ferror(out))
		ret = -EIO;
	return ret;
}

/* The summary: the proposing city with its key in full and its name and city beside it,
 * as every JSON form names a node. */
static json_t *summary_to_json(const Yrdx__FeedSummary *s)
{
	char key[YX_PUBKEY_TEXT_LEN + 1];
	const char *city = s->proposer_city ? yx_city_name(s->proposer_city) : NULL;
	json_t *proposer = json_object();
	if (proposer && s->proposer.len == YX_KEY_BYTES) {
		yx_pubkey_format(s->proposer.data, key);
		json_object_set_new(proposer, "key", json_string(key));
	}
	json_object_set_new(proposer, "name",
	                    s->proposer_name[0] ? json_string(s->proposer_name) : json_null());
	json_object_set_new(proposer, "city",
	                    s->proposer_city ? json_integer(s->proposer_city) : json_null());
	json_object_set_new(proposer, "city_name", city ? json_string(city) : json_null());
	return json_pack("{s:o, s:{s:s?, s:o}, s:o}", "enterprise",
	                 s->enterprise ? yx_record_to_json(YX_KIND_ENTERPRISE, s->enterprise)
	                               : json_null(),
	                 "incubator", "id", s->incubator_id, "name",
	                 s->incubator_name[0] ? json_string(s->incubator_name) : json_null(),
	                 "proposer", proposer);
}

json_t *yx_feed_event_to_json(const Yrdx__FeedEvent *e, const Yrdx__Change *c)
{
	json_t *j = yx_change_to_json(c);
	if (!j)
		return NULL;
	json_object_set_new(j, "cursor", json_integer((json_int_t)e->cursor));
	json_object_set_new(j, "event_id", json_string(e->event_id));
	json_object_set_new(j, "why", json_string(e->why));
	if (e->summary)
		json_object_set_new(j, "summary", summary_to_json(e->summary));
	return j;
}
