/* arena: a bump allocator for messages that are unpacked, read and dropped together.
 *
 * A received segment carries up to a thousand changes; unpacking them with malloc costs
 * some twenty allocations and frees per change. Unpacked into an arena, they cost a
 * pointer bump each and are released at once by yx_arena_reset. */
#ifndef YRDX_ARENA_H
#define YRDX_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct yx_arena_chunk yx_arena_chunk_t;

typedef struct {
	yx_arena_chunk_t *chunks; /* the newest first */
	size_t total;             /* bytes in use since the last reset */
	ProtobufCAllocator pb;    /* hands this arena to protobuf-c's unpack */
} yx_arena_t;

void yx_arena_init(yx_arena_t *arena);

/* size bytes, aligned for any type; NULL when out of memory. Valid until the next reset. */
void *yx_arena_alloc(yx_arena_t *arena, size_t size);

/* An allocator for protobuf-c's unpack functions; messages unpacked with it are never
 * freed one by one (their free_unpacked must not be called): the reset releases them. */
ProtobufCAllocator *yx_arena_allocator(yx_arena_t *arena);

/* Releases everything allocated; keeps one chunk, large enough for what the arena last
 * held up to 4 MiB, so a steady load allocates nothing and a peak does not stay. */
void yx_arena_reset(yx_arena_t *arena);

/* Releases all memory; the arena can be used again after yx_arena_init. */
void yx_arena_free(yx_arena_t *arena);

#endif
