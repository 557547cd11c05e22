#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

/* The first chunk is small, so an arena made for one scan or one lookup costs a small
 * malloc; each new chunk doubles the last, so a segment of a thousand changes needs a
 * handful, and the reset then keeps one chunk the size of everything. */
#define CHUNK_MIN (4u << 10)
/* The most a reset keeps: a segment of a thousand changes fits, so the steady load still
 * allocates nothing, while the peak of one outsized input (a control request of many
 * records, a hostile peer's message) goes back to the system once it is handled. */
#define CHUNK_KEEP (4u << 20)

struct yx_arena_chunk {
	yx_arena_chunk_t *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

static void *pb_alloc(void *arena, size_t size)
{
	return yx_arena_alloc(arena, size);
}

static void pb_free(void *arena, void *pointer)
{
	(void)arena;
	(void)pointer; /* released by the reset */
}

void yx_arena_init(yx_arena_t *a)
{
	a->chunks = NULL;
	a->total = 0;
	a->pb = (ProtobufCAllocator){pb_alloc, pb_free, a};
}

static yx_arena_chunk_t *chunk_new(size_t size)
{
	yx_arena_chunk_t *c = malloc(sizeof(*c) + size);
	if (c) {
		c->next = NULL;
		c->size = size;
		c->used = 0;
	}
	return c;
}

void *yx_arena_alloc(yx_arena_t *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	size_t need = (size + align - 1) & ~(align - 1);
	if (need < size)
		return NULL; /* overflow */
	yx_arena_chunk_t *c = a->chunks;
	if (!c || c->size - c->used < need) {
		size_t chunk = c ? c->size * 2 : CHUNK_MIN;
		if (chunk < need)
			chunk = need;
		if (!(c = chunk_new(chunk)))
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->total += need;
	return p;
}

ProtobufCAllocator *yx_arena_allocator(yx_arena_t *a)
{
	return &a->pb;
}

void yx_arena_reset(yx_arena_t *a)
{
	yx_arena_chunk_t *c = a->chunks;
	if (c && (c->next || c->size > CHUNK_KEEP)) {
		/* Several chunks, or one beyond what is kept: replace them by one that holds
		 * what they held, up to CHUNK_KEEP. */
		size_t want = a->total > CHUNK_MIN ? a->total : CHUNK_MIN;
		yx_arena_free(a);
		a->chunks = chunk_new(want < CHUNK_KEEP ? want : CHUNK_KEEP);
	} else if (c) {
		c->used = 0;
	}
	a->total = 0;
}

void yx_arena_free(yx_arena_t *a)
{
	for (yx_arena_chunk_t *c = a->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->total = 0;
}
