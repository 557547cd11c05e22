/* conn: what a pull connection's modules share — the peer's tips as it told them, and
 * sending on the connection — below both client.c (the connection and its receive path)
 * and fill.c (asking for the bodies of stubs). */
#include <stdlib.h>
#include <string.h>

#include "client.h"

void *yxd_client_socket(const yxd_client_t *c)
{
	return c->sock;
}

peer_tip_t *yxd_tip_get(yxd_client_t *c, const uint8_t origin[YX_KEY_BYTES], bool create)
{
	for (size_t i = 0; i < c->n_tips; i++)
		if (memcmp(c->tips[i].origin, origin, YX_KEY_BYTES) == 0)
			return &c->tips[i];
	if (!create)
		return NULL;
	peer_tip_t *t = realloc(c->tips, (c->n_tips + 1) * sizeof(*t));
	if (!t)
		return NULL;
	c->tips = t;
	t = &c->tips[c->n_tips++];
	memset(t, 0, sizeof(*t));
	memcpy(t->origin, origin, YX_KEY_BYTES);
	return t;
}

int yxd_client_send(yxd_client_t *c, Yrdx__PeerMessage *m)
{
	size_t bytes = 0;
	int ret = yx_wire_send(c->sock, NULL, &m->base, &bytes);
	if (ret == YX_OK)
		c->bytes_out += bytes;
	return ret;
}
