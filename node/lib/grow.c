/* grow: arrays and buffers that double (grow.h). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

size_t yx_grow_cap(size_t cap, size_t need, size_t first)
{
	size_t n = cap ? cap : (first ? first : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return 0;
		n *= 2;
	}
	return n;
}

/* The array pointer is read and written through memcpy: slot holds some T *, which this
 * function only knows as bytes of a pointer. */
int yx_resize_(void *slot, size_t n, size_t elem)
{
	void *old, *p;
	if (elem && n > SIZE_MAX / elem)
		return -ENOMEM;
	memcpy(&old, slot, sizeof(old));
	if (!(p = realloc(old, n * elem > 0 ? n * elem : 1)))
		return -ENOMEM;
	memcpy(slot, &p, sizeof(p));
	return 0;
}

int yx_grow_(void *slot, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t n = yx_grow_cap(*cap, need, first);
	int ret = n ? yx_resize_(slot, n, elem) : -ENOMEM;
	if (ret == 0)
		*cap = n;
	return ret;
}
