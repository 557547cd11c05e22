#include "codec.h"

#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pbwalk.h"

/* Change's field numbers (proto/change.proto). */
#define CHANGE_FIELD_TIME       4
#define CHANGE_FIELD_KIND       5
#define CHANGE_FIELD_BODY_FIRST 10 /* the body oneof: incubator ... */
#define CHANGE_FIELD_ENTERPRISE 11
#define CHANGE_FIELD_BODY_LAST  19 /* ... charter_vote */

static const char *const kind_names[YX_KIND_COUNT] = {
        [YX_KIND_NONE] = "none",
        [YX_KIND_INCUBATOR] = "incubator",
        [YX_KIND_ENTERPRISE] = "enterprise",
        [YX_KIND_PARK] = "park",
        [YX_KIND_RELAY_EVENT] = "relay-event",
        [YX_KIND_JOINT] = "joint",
        [YX_KIND_EVALUATION] = "evaluation",
        [YX_KIND_POLICY] = "policy",
        [YX_KIND_FIGURES] = "financials",
        [YX_KIND_CHARTER] = "charter-vote",
};

const char *yx_kind_name(yx_kind_t kind)
{
	if ((int)kind < 0 || kind >= YX_KIND_COUNT)
		return NULL;
	return kind_names[kind];
}

yx_kind_t yx_kind_from_name(const char *name)
{
	for (int k = YX_KIND_INCUBATOR; k < YX_KIND_COUNT; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return (yx_kind_t)k;
	return YX_KIND_NONE;
}

yx_kind_t yx_kind_from_word(const char *text, size_t len)
{
	/* The schema's names (RecordKind) where they differ from the short ones. */
	static const struct {
		const char *name;
		yx_kind_t kind;
	} aliases[] = {{"joint-participation", YX_KIND_JOINT},
	               {"sharing-policy", YX_KIND_POLICY},
	               {"enterprise-figures", YX_KIND_FIGURES}};
	char w[32];

	if (len >= sizeof(w))
		return YX_KIND_NONE;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		w[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c == '_' ? '-' : c;
	}
	w[len] = '\0';
	/* Tried as written, then without a plural's 's'. */
	for (int plural = 0; plural < 2; plural++) {
		if (plural && (len < 2 || w[len - 1] != 's'))
			break;
		w[len - (size_t)plural] = '\0';
		yx_kind_t k = yx_kind_from_name(w);
		for (size_t i = 0; k == YX_KIND_NONE && i < sizeof(aliases) / sizeof(aliases[0]);
		     i++)
			if (strcmp(w, aliases[i].name) == 0)
				k = aliases[i].kind;
		if (k != YX_KIND_NONE)
			return k;
	}
	return YX_KIND_NONE;
}

yx_kind_t yx_change_peek_kind(const uint8_t *bytes, size_t len)
{
	const uint8_t *p = bytes, *end = bytes + len;
	yx_pb_field_t f;
	while (yx_pb_field(&p, end, &f))
		if (f.num == CHANGE_FIELD_KIND && f.wire == 0)
			return f.v < YX_KIND_COUNT ? (yx_kind_t)f.v : YX_KIND_NONE;
	return YX_KIND_NONE;
}

bool yx_change_peek_body(const uint8_t *bytes, size_t len, unsigned *body_case,
                         const uint8_t **body, size_t *body_len)
{
	const uint8_t *p = bytes, *end = bytes + len;
	yx_pb_field_t f;
	*body_case = 0;
	while (p < end) {
		if (!yx_pb_field(&p, end, &f))
			return false;
		if (f.num >= CHANGE_FIELD_BODY_FIRST && f.num <= CHANGE_FIELD_BODY_LAST) {
			if (f.wire != 2)
				return false;
			*body_case = f.num;
			*body = f.data;
			*body_len = f.len;
		}
	}
	return *body_case != 0;
}

/* Enterprise fields the peek reads (proto/records.proto). */
enum {
	ENT_CREDIT_CODE = 1,
	ENT_CITY = 3,
	ENT_STAGE = 4,
	ENT_QUALIFICATIONS = 7,
};

/* The enterprise's fields from its message bytes into out. */
static bool enterprise_fields(const uint8_t *p, const uint8_t *end, yx_enterprise_peek_t *out)
{
	yx_pb_field_t f;
	while (p < end) {
		if (!yx_pb_field(&p, end, &f))
			return false;
		if (f.num == ENT_CREDIT_CODE && f.wire == 2) {
			out->credit_code = (const char *)f.data;
			out->credit_code_len = f.len;
		} else if (f.num == ENT_CITY && f.wire == 0) {
			out->city = (uint32_t)f.v;
		} else if (f.num == ENT_STAGE && f.wire == 0) {
			out->stage = (int)(int32_t)f.v;
		} else if (f.num == ENT_QUALIFICATIONS && (f.wire == 0 || f.wire == 2)) {
			/* unpacked: one value; packed: a run of varints */
			const uint8_t *q = f.wire == 2 ? f.data : NULL,
			              *qend = q ? f.data + f.len : NULL;
			uint64_t v = f.v;
			do {
				if (q && !yx_pb_varint(&q, qend, &v))
					return false;
				if (v < 32)
					out->qualifications |= 1u << v;
			} while (q && q < qend);
		}
	}
	return true;
}

bool yx_enterprise_peek(const uint8_t *bytes, size_t len, yx_enterprise_peek_t *out)
{
	const uint8_t *p = bytes, *end = bytes + len;
	uint32_t body = 0;
	yx_pb_field_t f;
	memset(out, 0, sizeof(*out));
	while (p < end) {
		if (!yx_pb_field(&p, end, &f))
			return false;
		if (f.num == CHANGE_FIELD_TIME && f.wire == 0) {
			out->time_ms = (int64_t)f.v;
		} else if (f.num >= CHANGE_FIELD_BODY_FIRST && f.num <= CHANGE_FIELD_BODY_LAST) {
			/* a oneof: the last body given is the body, and protobuf-c takes a
			 * message given twice as the last one, not merged */
			memset(&out->credit_code, 0,
			       sizeof(*out) - offsetof(yx_enterprise_peek_t, credit_code));
			body = f.num;
			if (f.num == CHANGE_FIELD_ENTERPRISE && f.wire == 2 &&
			    !enterprise_fields(f.data, f.data + f.len, out))
				return false;
		}
	}
	return body == CHANGE_FIELD_ENTERPRISE && out->credit_code;
}

yx_kind_t yx_change_body_kind(const Yrdx__Change *c)
{
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: return YX_KIND_INCUBATOR;
	case YRDX__CHANGE__BODY_ENTERPRISE: return YX_KIND_ENTERPRISE;
	case YRDX__CHANGE__BODY_PARK: return YX_KIND_PARK;
	case YRDX__CHANGE__BODY_RELAY_EVENT: return YX_KIND_RELAY_EVENT;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION: return YX_KIND_JOINT;
	case YRDX__CHANGE__BODY_EVALUATION: return YX_KIND_EVALUATION;
	case YRDX__CHANGE__BODY_SHARING_POLICY: return YX_KIND_POLICY;
	case YRDX__CHANGE__BODY_ENTERPRISE_FIGURES: return YX_KIND_FIGURES;
	case YRDX__CHANGE__BODY_CHARTER_VOTE: return YX_KIND_CHARTER;
	default: return YX_KIND_NONE;
	}
}

const char *yx_change_body_id(const Yrdx__Change *c)
{
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: return c->incubator->id;
	case YRDX__CHANGE__BODY_ENTERPRISE: return c->enterprise->credit_code;
	case YRDX__CHANGE__BODY_PARK: return c->park->id;
	case YRDX__CHANGE__BODY_RELAY_EVENT: return c->relay_event->id;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION: return c->joint_participation->id;
	case YRDX__CHANGE__BODY_EVALUATION: return c->evaluation->id;
	case YRDX__CHANGE__BODY_SHARING_POLICY: return c->sharing_policy->id;
	case YRDX__CHANGE__BODY_ENTERPRISE_FIGURES: return c->enterprise_figures->credit_code;
	case YRDX__CHANGE__BODY_CHARTER_VOTE: return c->charter_vote->id;
	default: return NULL;
	}
}

const ProtobufCMessage *yx_change_body(const Yrdx__Change *c)
{
	/* A cast, not &c->x->base: base is every message's first member, and a body left
	 * NULL by its case (a hand-built change) is then NULL, not a member of nothing. */
	switch (c->body_case) {
	case YRDX__CHANGE__BODY_INCUBATOR: return (const ProtobufCMessage *)c->incubator;
	case YRDX__CHANGE__BODY_ENTERPRISE: return (const ProtobufCMessage *)c->enterprise;
	case YRDX__CHANGE__BODY_PARK: return (const ProtobufCMessage *)c->park;
	case YRDX__CHANGE__BODY_RELAY_EVENT: return (const ProtobufCMessage *)c->relay_event;
	case YRDX__CHANGE__BODY_JOINT_PARTICIPATION:
		return (const ProtobufCMessage *)c->joint_participation;
	case YRDX__CHANGE__BODY_EVALUATION: return (const ProtobufCMessage *)c->evaluation;
	case YRDX__CHANGE__BODY_SHARING_POLICY: return (const ProtobufCMessage *)c->sharing_policy;
	case YRDX__CHANGE__BODY_ENTERPRISE_FIGURES:
		return (const ProtobufCMessage *)c->enterprise_figures;
	case YRDX__CHANGE__BODY_CHARTER_VOTE: return (const ProtobufCMessage *)c->charter_vote;
	default: return NULL;
	}
}

void yx_change_set_body(Yrdx__Change *c, yx_kind_t kind, void *record)
{
	switch (kind) {
	case YX_KIND_INCUBATOR:
		c->body_case = YRDX__CHANGE__BODY_INCUBATOR;
		c->incubator = record;
		break;
	case YX_KIND_ENTERPRISE:
		c->body_case = YRDX__CHANGE__BODY_ENTERPRISE;
		c->enterprise = record;
		break;
	case YX_KIND_PARK:
		c->body_case = YRDX__CHANGE__BODY_PARK;
		c->park = record;
		break;
	case YX_KIND_RELAY_EVENT:
		c->body_case = YRDX__CHANGE__BODY_RELAY_EVENT;
		c->relay_event = record;
		break;
	case YX_KIND_JOINT:
		c->body_case = YRDX__CHANGE__BODY_JOINT_PARTICIPATION;
		c->joint_participation = record;
		break;
	case YX_KIND_EVALUATION:
		c->body_case = YRDX__CHANGE__BODY_EVALUATION;
		c->evaluation = record;
		break;
	case YX_KIND_POLICY:
		c->body_case = YRDX__CHANGE__BODY_SHARING_POLICY;
		c->sharing_policy = record;
		break;
	case YX_KIND_FIGURES:
		c->body_case = YRDX__CHANGE__BODY_ENTERPRISE_FIGURES;
		c->enterprise_figures = record;
		break;
	case YX_KIND_CHARTER:
		c->body_case = YRDX__CHANGE__BODY_CHARTER_VOTE;
		c->charter_vote = record;
		break;
	default: c->body_case = YRDX__CHANGE__BODY__NOT_SET; break;
	}
	c->kind = (Yrdx__RecordKind)kind;
}

int yx_change_encode(const Yrdx__Change *change, uint8_t **out, size_t *len)
{
	size_t n = yrdx__change__get_packed_size(change);
	if (n > YX_MAX_CHANGE_BYTES)
		return YX_ETOOBIG;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	*len = yrdx__change__pack(change, buf);
	*out = buf;
	return YX_OK;
}

static int change_decode(ProtobufCAllocator *allocator, const uint8_t *bytes, size_t len,
                         Yrdx__Change **out)
{
	if (len > YX_MAX_CHANGE_BYTES)
		return YX_ETOOBIG;
	*out = yrdx__change__unpack(allocator, len, bytes);
	return *out ? YX_OK : YX_EDECODE;
}

int yx_change_decode(const uint8_t *bytes, size_t len, Yrdx__Change **out)
{
	return change_decode(NULL, bytes, len, out);
}

int yx_change_decode_in(yx_arena_t *arena, const uint8_t *bytes, size_t len, Yrdx__Change **out)
{
	return change_decode(yx_arena_allocator(arena), bytes, len, out);
}

void yx_change_free(Yrdx__Change **change)
{
	if (change && *change) {
		yrdx__change__free_unpacked(*change, NULL);
		*change = NULL;
	}
}
