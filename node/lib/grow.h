/* grow: the one way the project's arrays and buffers grow — by doubling, with the size
 * checked for overflow.
 *
 *	if ((ret = yx_grow(v->items, v->cap, v->n + 1, 16)))
 *		return ret;
 *	v->items[v->n++] = item;
 *
 * yx_grow makes room for at least need elements in arr (a T *, NULL while empty) whose
 * capacity is cap (a size_t lvalue): the capacity starts at first and doubles until it
 * holds need. On failure (-ENOMEM: out of memory, or more bytes than a size_t counts)
 * arr and cap are as they were, so the caller loses nothing it held.
 *
 * Arrays that share one capacity (parallel arrays) take the new capacity from
 * yx_grow_cap and are each resized to it with yx_resize; the shared capacity is set once
 * all of them succeeded (those that did keep their larger size, which is harmless). */
#ifndef YRDX_GROW_H
#define YRDX_GROW_H

#include <stddef.h>

#define yx_grow(arr, cap, need, first) \
	yx_grow_((void *)&(arr), &(cap), (need), sizeof(*(arr)), (first))
#define yx_resize(arr, n) yx_resize_((void *)&(arr), (n), sizeof(*(arr)))

/* The capacity, doubled from cap (or first when cap is 0), that holds need; cap itself
 * when it already does; 0 when it would overflow. */
size_t yx_grow_cap(size_t cap, size_t need, size_t first);

/* Behind the macros: slot is the address of the array pointer, elem its element size. */
int yx_grow_(void *slot, size_t *cap, size_t need, size_t elem, size_t first);
int yx_resize_(void *slot, size_t n, size_t elem);

#endif
