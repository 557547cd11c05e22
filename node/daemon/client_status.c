/* client_status: what `status` says of the pull connections — each peer pulled from (its
 * endpoint and key, connected, contact, bytes, segments and refusals, whether the charter
 * made it a peer in return, its tips as it last told them) and whether pulling waits on a
 * full store or the fence. */
#include <stdlib.h>

#include "client.h"

void yxd_clients_status(yxd_t *d, Yrdx__StatusReply *r)
{
	if (d->full.since_ms) {
		r->store_full_since_ms = yxd_wall_ms(d->full.since_ms);
		r->store_full = (char *)yx_strerror(d->full.err);
	}
	yxd_fence_status(d, d->fence.status, sizeof(d->fence.status));
	r->fenced = d->fence.status;
	r->peers = calloc(d->n_clients ? d->n_clients : 1, sizeof(*r->peers));
	if (!r->peers)
		return;
	for (size_t i = 0; i < d->n_clients; i++) {
		yxd_client_t *c = d->clients[i];
		Yrdx__PeerStatus *p = calloc(1, sizeof(*p));
		Yrdx__VersionVector *v = calloc(1, sizeof(*v));
		if (!p || !v) {
			free(p);
			free(v);
			break;
		}
		yrdx__peer_status__init(p);
		yrdx__version_vector__init(v);
		p->name = c->name;
		p->key.data = c->key;
		p->key.len = YX_KEY_BYTES;
		p->endpoint = c->endpoint;
		p->connected = c->connected;
		p->last_contact_ms = c->connected ? yxd_wall_ms(c->last_rx_ms) : 0;
		p->bytes_in = c->bytes_in;
		p->bytes_out = c->bytes_out;
		p->segments_in = c->segments_in;
		p->rejected = c->rejected;
		p->charter = c->charter;
		v->entries = calloc(c->n_tips ? c->n_tips : 1, sizeof(*v->entries));
		for (size_t k = 0; v->entries && k < c->n_tips; k++) {
			Yrdx__VectorEntry *e = calloc(1, sizeof(*e));
			if (!e)
				break;
			yrdx__vector_entry__init(e);
			e->origin.data = c->tips[k].origin;
			e->origin.len = YX_KEY_BYTES;
			e->seq = c->tips[k].seq;
			v->entries[v->n_entries++] = e;
		}
		p->tips = v;
		r->peers[r->n_peers++] = p;
	}
}

void yxd_clients_status_free(Yrdx__StatusReply *r)
{
	for (size_t i = 0; i < r->n_peers; i++) {
		Yrdx__PeerStatus *p = r->peers[i];
		for (size_t k = 0; p->tips && k < p->tips->n_entries; k++)
			free(p->tips->entries[k]);
		if (p->tips)
			free(p->tips->entries);
		free(p->tips);
		free(p);
	}
	free(r->peers);
	r->peers = NULL;
	r->n_peers = 0;
}
