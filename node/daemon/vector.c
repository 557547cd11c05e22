/* vector: the store's version vector as the wire message both sync directions send. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "yrdxd.h"

int yxd_vector_msg(yxd_t *d, Yrdx__VersionVector *msg)
{
	yx_vector_t v;
	int ret = yx_store_vector(d->store, &v);
	yrdx__version_vector__init(msg);
	if (ret)
		return ret;
	/* One allocation holds the pointer array, the entries and a copy of the tips they
	 * point into, so freeing msg->entries frees it all. */
	size_t n = v.n;
	size_t size = n * (sizeof(void *) + sizeof(Yrdx__VectorEntry) + sizeof(yx_tip_t)) + 1;
	char *mem = calloc(1, size);
	if (!mem) {
		yx_vector_free(&v);
		return -ENOMEM;
	}
	Yrdx__VectorEntry **ptrs = (Yrdx__VectorEntry **)mem;
	Yrdx__VectorEntry *entries = (Yrdx__VectorEntry *)(ptrs + n);
	yx_tip_t *tips = (yx_tip_t *)(entries + n);
	memcpy(tips, v.tips, n * sizeof(yx_tip_t));
	yx_vector_free(&v);
	for (size_t i = 0; i < n; i++) {
		yrdx__vector_entry__init(&entries[i]);
		entries[i].origin.data = tips[i].origin;
		entries[i].origin.len = YX_KEY_BYTES;
		entries[i].seq = tips[i].seq;
		entries[i].hash.data = tips[i].hash;
		entries[i].hash.len = YX_HASH_BYTES;
		entries[i].fills = tips[i].fills;
		ptrs[i] = &entries[i];
	}
	msg->entries = ptrs;
	msg->n_entries = n;
	return YX_OK;
}

void yxd_vector_msg_free(Yrdx__VersionVector *msg)
{
	free(msg->entries);
	yrdx__version_vector__init(msg);
}
