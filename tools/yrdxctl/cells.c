#include "cells.h"

#include <stdio.h>
#include <string.h>

#include "reflect.h"
#include "terms.h"
#include "validate.h"

/* One value of f stored at member; list: an item of a repeated field (enums by term). */
static void value_text(const ProtobufCFieldDescriptor *f, const void *member, bool list, char *out,
                       size_t cap)
{
	char buf[YX_VALUE_TEXT];
	size_t len;
	const char *text;
	if (f->type == PROTOBUF_C_TYPE_ENUM) {
		int v = *(const int *)member;
		const char *term = yx_term(f->descriptor, v);
		if (list && term)
			snprintf(out, cap, "%s", term);
		else
			yx_term_label(f->descriptor, v, out, cap);
		return;
	}
	if (f->type == PROTOBUF_C_TYPE_UINT32 && strcmp(f->name, "city") == 0) {
		const char *city = yx_city_name(*(const uint32_t *)member);
		if (city) {
			snprintf(out, cap, "%s", city);
			return;
		}
	}
	text = yx_value_text(f, member, buf, &len);
	snprintf(out, cap, "%.*s", text ? (int)len : 0, text ? text : "");
}

const char *cell_text(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, char *out,
                      size_t cap)
{
	bool list = f->label == PROTOBUF_C_LABEL_REPEATED;
	size_t used = 0;
	out[0] = '\0';
	if (!yx_field_present(m, f) || f->type == PROTOBUF_C_TYPE_MESSAGE ||
	    f->type == PROTOBUF_C_TYPE_BYTES)
		return out;
	for (size_t k = 0; k < yx_field_count(m, f) && used + 1 < cap; k++) {
		if (k)
			used += (size_t)snprintf(out + used, cap - used, ",");
		if (used + 1 < cap)
			value_text(f, yx_field_value(m, f, k), list, out + used, cap - used);
		used = strlen(out);
	}
	return out;
}

const char *cell_named(const ProtobufCMessage *m, const char *name, char *out, size_t cap)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	out[0] = '\0';
	return f ? cell_text(m, f, out, cap) : out;
}
