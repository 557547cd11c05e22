/* control: the local socket yrdxctl talks to (a ZeroMQ ROUTER on an ipc:// path made
 * owner-only). Writes of this node's own records go through here, so every change is
 * chained, signed and pushed to peers by the one process that owns the log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evalrules.h"
#include "figures.h"
#include "log.h"
#include "yrdxd.h"

/* Relay proposals queued on the control socket share one batch and one durable commit
 * (group commit); each is answered only after that commit. */
#define GROUP_MAX 256

typedef struct {
	zframe_t *routing_id;
	char case_id[96];
} grouped_t;

struct yxd_control {
	zsock_t *sock;
	struct {
		yx_batch_t *batch;
		grouped_t req[GROUP_MAX];
		size_t n;
	} group;
	int full_logged; /* the store-full error last logged for local writes; 0: none */
};

int yxd_control_start(yxd_t *d)
{
	d->control = calloc(1, sizeof(*d->control));
	if (!d->control)
		return -ENOMEM;
	d->control->sock = zsock_new(ZMQ_ROUTER);
	if (!d->control->sock)
		return -ENOMEM;
	zsock_set_sndtimeo(d->control->sock, 0);
	/* Requests past YX_MAX_CONTROL_BYTES are read (up to this) to be answered with the
	 * limit; only a frame past this drops the connection unanswered. */
	zsock_set_maxmsgsize(d->control->sock, (int)YX_MAX_CONTROL_FRAME);
	unlink(d->cfg->control_path); /* a socket file left by a killed daemon */
	/* The socket file is created owner-only: only the node's administrator may write. */
	mode_t old = umask(0077);
	int rc = zsock_bind(d->control->sock, "ipc://%s", d->cfg->control_path);
	umask(old);
	if (rc != 0) {
		yx_log_error("control socket %s: %s", d->cfg->control_path,
		             zmq_strerror(zmq_errno()));
		zsock_destroy(&d->control->sock);
		return -EADDRINUSE;
	}
	chmod(d->cfg->control_path, 0600);
	return YX_OK;
}

void yxd_control_stop(yxd_t *d)
{
	if (!d->control)
		return;
	zsock_destroy(&d->control->sock);
	free(d->control);
	d->control = NULL;
	if (d->cfg)
		unlink(d->cfg->control_path);
}

zsock_t *yxd_control_socket(const yxd_t *d)
{
	return d->control->sock;
}

static void reply_error(Yrdx__ControlReply *r, int err, const char *msg)
{
	r->error = err;
	r->message = strdup(msg);
}

/* Local writes the store refused for want of room are logged once, when they start
 * (and again if the reason changes), not once per request; a write that commits ends
 * the episode. */
static void note_write_result(yxd_t *d, int err, const char *what, size_t records)
{
	if (yx_err_is_store_full(err) && err != d->control->full_logged) {
		yx_log_error("%s of %zu record%s refused, nothing of it written: %s; local writes "
		             "fail until there is room (logged once)",
		             what, records, records == 1 ? "" : "s", yx_strerror(err));
		d->control->full_logged = err;
	} else if (err == YX_OK && records && d->control->full_logged) {
		yx_log_info("%s of %zu record%s committed: the store has room again", what, records,
		            records == 1 ? "" : "s");
		d->control->full_logged = 0;
	}
}

/* The reply to a put the store had no room for: what, and that nothing was written. */
static void reply_store_full(yxd_t *d, Yrdx__ControlReply *r, int err, size_t records)
{
	char msg[300];
	snprintf(msg, sizeof(msg), "%s; nothing of this batch of %zu record%s was written",
	         yx_strerror(err), records, records == 1 ? "" : "s");
	reply_error(r, err, msg);
	note_write_result(d, err, "put", records);
}

/* An enterprise that left this city through a relay case (stage relocated, relocate.c):
 * its record here follows the case, not the registry file it came from. A re-import
 * (*reimport: skip_unchanged) keeps it as it is; a put is refused, naming the case. The
 * keep rule of yx_batch_put_kept, which reads the current version once for it. */
static int left_through_case(void *reimport, const uint8_t *current, size_t len,
                             const Yrdx__Change *c, yx_diag_t *diag)
{
	const Yrdx__EnterpriseStage relocated = YRDX__ENTERPRISE_STAGE__ENTERPRISE_STAGE_RELOCATED;
	yx_enterprise_peek_t cur;
	if (!c->enterprise || c->enterprise->stage == relocated ||
	    !yx_enterprise_peek(current, len, &cur) || cur.stage != (int)relocated)
		return YX_OK;
	if (*(const bool *)reimport)
		return 1;
	/* Refused: the case it left through, for the message. */
	Yrdx__Change *was = NULL;
	const char *case_id = yx_change_decode(current, len, &was) == YX_OK && was->enterprise
	                              ? was->enterprise->relay_case_id
	                              : "?";
	int ret = yx_diag_set(diag, YX_EINVAL,
	                      "enterprise %s left this city through relay case %s (已迁出 "
	                      "relocated): its record here follows the case, put does not write it",
	                      c->id, case_id);
	yx_change_free(&was);
	return ret;
}

static int put_change(yx_batch_t *b, const Yrdx__Change *c, bool skip_unchanged, bool *written,
                      bool *kept, yx_diag_t *diag)
{
	yx_keep_fn keep = c->body_case == YRDX__CHANGE__BODY_ENTERPRISE ? left_through_case : NULL;
	return yx_batch_put_kept(b, c, skip_unchanged, keep, &skip_unchanged, written, kept, diag);
}

/* Puts one record. A record of a city outside this node's jurisdiction (管辖范围) is
 * refused: with a charter, every member would refuse this log from it on. An
 * enterprise's financials never enter the log inside it: they are split off into a
 * figures record of their own (figures.h), which the sharing policy withholds from every
 * city the origin does not name. A figures record given as such gets its salt from us,
 * whatever it came with. *written: whether the record (the enterprise, for a split one)
 * was appended; *kept: whether an enterprise that left through a relay case was left as
 * it is (left_through_case), its figures too. */
static int put_record(yxd_t *d, yx_batch_t *b, Yrdx__Change *c, bool skip_unchanged, bool *written,
                      bool *kept, yx_diag_t *diag)
{
	yx_figures_t f;
	bool fig_written, fig_kept;
	int ret;

	if ((ret = yxd_jurisdiction_local(d, c, diag)))
		return ret;
	if (c->body_case == YRDX__CHANGE__BODY_ENTERPRISE_FIGURES && c->enterprise_figures) {
		Yrdx__EnterpriseFigures *given = c->enterprise_figures;
		f.rec = *given;
		yx_figures_salt(&f, d->curve_secret);
		c->enterprise_figures = &f.rec;
		ret = put_change(b, c, skip_unchanged, written, kept, diag);
		c->enterprise_figures = given;
		return ret;
	}
	if (c->body_case != YRDX__CHANGE__BODY_ENTERPRISE ||
	    !yx_figures_split(c->enterprise, d->curve_secret, &f))
		return put_change(b, c, skip_unchanged, written, kept, diag);
	ret = put_change(b, c, skip_unchanged, written, kept, diag);
	if (ret == YX_OK && !*kept) {
		Yrdx__Change fc = YRDX__CHANGE__INIT;
		yx_change_set_body(&fc, YX_KIND_FIGURES, &f.rec);
		fc.id = f.rec.credit_code;
		ret = put_change(b, &fc, skip_unchanged, &fig_written, &fig_kept, diag);
		*written = *written || fig_written;
	}
	yx_figures_unsplit(c->enterprise, &f);
	return ret;
}

/* Records put does not write, and why (into why, cap bytes), for record i: the sharing
 * policy comes from the config; relay steps, joint participations and charter votes are
 * checked against what they answer by the commands that write them. */
static bool not_put(const Yrdx__Change *c, size_t i, char *why, size_t cap)
{
	switch ((int)c->kind) {
	case YRDX__RECORD_KIND__RECORD_KIND_SHARING_POLICY:
		snprintf(why, cap,
		         "record %zu: this node's sharing policy is written from its config "
		         "(peers/NAME/share), not put",
		         i + 1);
		return true;
	case YRDX__RECORD_KIND__RECORD_KIND_RELAY_EVENT:
	case YRDX__RECORD_KIND__RECORD_KIND_JOINT_PARTICIPATION:
		snprintf(why, cap,
		         "record %zu: %s records are written with yrdxctl %s, which checks each "
		         "step",
		         i + 1, yx_kind_name((yx_kind_t)c->kind),
		         c->kind == YRDX__RECORD_KIND__RECORD_KIND_RELAY_EVENT ? "relay" : "joint");
		return true;
	case YRDX__RECORD_KIND__RECORD_KIND_CHARTER_VOTE:
		snprintf(why, cap,
		         "record %zu: charter votes are written with yrdxctl charter propose or "
		         "charter sign, which check that this node votes once in a round",
		         i + 1);
		return true;
	default: return false;
	}
}

void yxd_control_put(yxd_t *d, Yrdx__PutRequest *req, Yrdx__ControlReply *r, yx_head_t *head)
{
	yx_batch_t *b = NULL;
	yx_evalrules_t *rules = NULL;
	yx_diag_t diag = {{0}};
	/* Our records go out under the policy our config states now, never an older one. */
	yxd_policy_publish(d);
	int ret = yxd_writer_begin(d, &b, &diag);
	if (ret)
		goto refused;
	/* Evaluations are checked against the registry, the batch's earlier records counted
	 * as stored (evalrules.h). yxd_writer_begin committed the received segments, so the
	 * store holds everything but this batch. */
	if ((ret = yx_evalrules_new(d->store, d->origin, &rules))) {
		snprintf(diag.msg, sizeof(diag.msg), "out of memory");
		goto refused;
	}
	for (size_t i = 0; i < req->n_changes; i++) {
		Yrdx__Change *c = req->changes[i];
		char why[300];
		if (not_put(c, i, why, sizeof(why))) {
			reply_error(r, YX_EINVAL, why);
			goto out;
		}
		if (c->body_case == YRDX__CHANGE__BODY_TOMBSTONE) {
			ret = yx_batch_retract(b, (yx_kind_t)c->kind, c->id ? c->id : "",
			                       c->tombstone->reason, &diag);
			/* An enterprise's figures go with it; one without figures has none. */
			if (ret == YX_OK && c->kind == YRDX__RECORD_KIND__RECORD_KIND_ENTERPRISE) {
				yx_diag_t none = {{0}};
				ret = yx_batch_retract(b, YX_KIND_FIGURES, c->id ? c->id : "",
				                       c->tombstone->reason, &none);
				if (ret == YX_ENOTFOUND)
					ret = YX_OK;
				else if (ret)
					diag = none;
			}
		} else {
			bool written = false, left = false;
			ret = put_record(d, b, c, req->skip_unchanged, &written, &left, &diag);
			if (ret == YX_OK && !written)
				r->unchanged++;
			if (left)
				r->relocated++;
		}
		/* After the put, which validated the record: the rules read a valid one. */
		if (ret == YX_OK)
			ret = yx_evalrules_check(rules, c, &diag);
		if (ret && !yx_err_is_store_full(ret)) {
			char msg[sizeof(diag.msg) + 200];
			snprintf(msg, sizeof(msg), "record %zu (%s %s): %s", i + 1,
			         yx_kind_name((yx_kind_t)c->kind) ? yx_kind_name((yx_kind_t)c->kind)
			                                          : "?",
			         c->id ? c->id : "", diag.msg[0] ? diag.msg : yx_strerror(ret));
			reply_error(r, ret, msg);
			goto out;
		}
		if (ret)
			goto refused;
	}
	/* Records, not changes: an enterprise and its figures are one record given. */
	uint32_t records = (uint32_t)(req->n_changes - r->unchanged);
	if (req->dry_run) {
		r->applied = records;
		goto out;
	}
	size_t n = yx_batch_count(b);
	if ((ret = yxd_writer_commit(d, &b, head, &diag)))
		goto refused;
	note_write_result(d, YX_OK, "put", n);
	r->applied = records;
	if (n) {
		Yrdx__SignedHead *h = malloc(sizeof(*h));
		if (h) {
			yx_head_to_proto(head, h);
			r->head = h;
		}
	}
	goto out;
refused:
	if (yx_err_is_store_full(ret))
		reply_store_full(d, r, ret, req->n_changes);
	else
		reply_error(r, ret, diag.msg);
out:
	yx_batch_abort(&b);
	yx_evalrules_free(&rules);
}

static void do_status(yxd_t *d, Yrdx__ControlReply *r, Yrdx__StatusReply *s,
                      Yrdx__VersionVector *vec, Yrdx__Counter *counters, Yrdx__Counter **cptrs)
{
	yrdx__status_reply__init(s);
	s->name = d->cfg->name;
	s->city = d->cfg->city;
	s->key.data = (uint8_t *)yx_identity_public(d->id);
	s->key.len = YX_KEY_BYTES;
	if (yxd_vector_msg(d, vec) == YX_OK)
		s->vector = vec;
	for (int i = 0; i < C_COUNT; i++) {
		yrdx__counter__init(&counters[i]);
		counters[i].name = (char *)yxd_counter_name((yxd_counter_t)i);
		counters[i].value = d->counters[i];
		cptrs[i] = &counters[i];
	}
	s->counters = cptrs;
	s->n_counters = C_COUNT;
	if (yxd_charter_current(d))
		s->charter_version = yxd_charter_current(d)->version;
	yxd_clients_status(d, s);
	yxd_feed_status(d, s);
	uint64_t used = 0, map = 0;
	if (yx_store_usage(d->store, &used, &map) == YX_OK) {
		s->store_bytes = used;
		s->map_bytes = map;
	}
	r->status = s;
}

static void send_reply(yxd_t *d, zframe_t *rid, Yrdx__ControlReply *r)
{
	yx_wire_send(d->control->sock, rid, &r->base, NULL);
}

/* A request over the limit is answered, not dropped: the caller learns the limit. */
static void reply_too_big(yxd_t *d, zframe_t *rid, size_t size)
{
	Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
	char msg[160];
	d->counters[C_CONTROL_REQUESTS]++;
	snprintf(msg, sizeof(msg),
	         "request of %zu bytes exceeds the limit of %u bytes; send it "
	         "in smaller batches",
	         size, YX_MAX_CONTROL_BYTES);
	yx_log_warn("control: refused: %s", msg);
	r.error = YX_ETOOBIG;
	r.message = msg;
	send_reply(d, rid, &r);
}

/* Fills r for a written step: the head that covers it. */
static void reply_written(Yrdx__ControlReply *r, const yx_head_t *head, Yrdx__SignedHead *h)
{
	yx_head_to_proto(head, h);
	r->head = h;
	r->applied = 1;
}

/* Commits the group and answers every request in it. */
static void group_flush(yxd_t *d)
{
	yx_head_t head;
	Yrdx__SignedHead h;
	yx_diag_t diag = {{0}};
	if (!d->control->group.batch)
		return;
	int err = yxd_writer_commit(d, &d->control->group.batch, &head, &diag);
	note_write_result(d, err, "relay proposals", d->control->group.n);
	for (size_t i = 0; i < d->control->group.n; i++) {
		Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
		if (err) {
			r.error = err;
			r.message = (char *)yx_strerror(err);
		} else {
			reply_written(&r, &head, &h);
			r.case_id = d->control->group.req[i].case_id;
		}
		send_reply(d, d->control->group.req[i].routing_id, &r);
		zframe_destroy(&d->control->group.req[i].routing_id);
	}
	d->control->group.n = 0;
}

/* Adds a PROPOSE to the group; true if it is answered later by group_flush. */
static bool group_propose(yxd_t *d, zframe_t *rid, const Yrdx__RelayRequest *q,
                          Yrdx__ControlReply *r)
{
	yx_diag_t diag = {{0}};
	if (d->control->group.n == GROUP_MAX)
		group_flush(d);
	if (!d->control->group.batch) {
		int ret = yxd_writer_begin(d, &d->control->group.batch, &diag);
		if (ret) {
			note_write_result(d, ret, "relay proposal", 1);
			reply_error(r, ret, diag.msg);
			return false;
		}
	}
	grouped_t *g = &d->control->group.req[d->control->group.n];
	int ret = yxd_author_relay_into(d, d->control->group.batch, q, NULL, NULL, g->case_id,
	                                sizeof(g->case_id), &diag);
	if (ret) {
		reply_error(r, ret, diag.msg[0] ? diag.msg : yx_strerror(ret));
		if (ret != YX_EINVAL && ret != YX_ENOTFOUND) {
			/* A storage failure: nothing of this batch can be trusted. */
			note_write_result(d, ret, "relay proposals", d->control->group.n + 1);
			yx_batch_abort(&d->control->group.batch);
			for (size_t i = 0; i < d->control->group.n; i++) {
				Yrdx__ControlReply e = YRDX__CONTROL_REPLY__INIT;
				e.error = ret;
				e.message = (char *)yx_strerror(ret);
				send_reply(d, d->control->group.req[i].routing_id, &e);
				zframe_destroy(&d->control->group.req[i].routing_id);
			}
			d->control->group.n = 0;
		}
		return false;
	}
	g->routing_id = zframe_dup(rid);
	d->control->group.n++;
	return true;
}

void yxd_control_handle(yxd_t *d)
{
	for (int budget = 0; budget < GROUP_MAX; budget++) {
		zframe_t *rid = NULL, *frame = NULL;
		size_t size = 0;
		int ret = yx_wire_recv_max(d->control->sock, &rid, &frame, YX_MAX_CONTROL_BYTES,
		                           &size);
		if (ret == -EAGAIN)
			break;
		if (ret == YX_ETOOBIG && rid) {
			reply_too_big(d, rid, size);
			zframe_destroy(&rid);
			continue;
		}
		if (ret)
			continue;
		d->counters[C_CONTROL_REQUESTS]++;
		/* In the scratch arena, reset once the request is answered. */
		Yrdx__ControlRequest *req = yx_wire_control_request(frame, &d->scratch);
		Yrdx__ControlReply r = YRDX__CONTROL_REPLY__INIT;
		Yrdx__StatusReply status;
		Yrdx__VersionVector vec = YRDX__VERSION_VECTOR__INIT;
		Yrdx__Counter counters[C_COUNT], *cptrs[C_COUNT];
		Yrdx__SignedHead h;
		yx_head_t head;
		char case_id[96];
		yx_diag_t diag = {{0}};
		bool deferred = false;
		if (req && req->req_case == YRDX__CONTROL_REQUEST__REQ_RELAY &&
		    req->relay->type == YRDX__RELAY_EVENT_TYPE__RELAY_EVENT_TYPE_PROPOSE) {
			deferred = group_propose(d, rid, req->relay, &r);
		} else {
			group_flush(d); /* one writer, and later steps see earlier ones */
			if (!req) {
				reply_error(&r, YX_EDECODE, "malformed control request");
			} else {
				switch (req->req_case) {
				case YRDX__CONTROL_REQUEST__REQ_PUT:
					yxd_control_put(d, req->put, &r, &head);
					break;
				case YRDX__CONTROL_REQUEST__REQ_RELAY:
					ret = yxd_author_relay(d, req->relay, NULL, NULL, case_id,
					                       sizeof(case_id), &head, &diag);
					note_write_result(d, ret, "relay step", 1);
					if (ret) {
						reply_error(&r, ret,
						            diag.msg[0] ? diag.msg
						                        : yx_strerror(ret));
					} else {
						reply_written(&r, &head, &h);
						r.case_id = strdup(case_id);
					}
					break;
				case YRDX__CONTROL_REQUEST__REQ_JOINT:
					ret = yxd_author_joint(d, req->joint, &r, &head, &diag);
					note_write_result(d, ret, "joint participation", 1);
					if (ret) {
						reply_error(&r, ret,
						            diag.msg[0] ? diag.msg
						                        : yx_strerror(ret));
					} else {
						reply_written(&r, &head, &h);
					}
					break;
				case YRDX__CONTROL_REQUEST__REQ_CHARTER:
					yxd_amend_request(d, req->charter, &r);
					if (req->charter->action !=
					    YRDX__CHARTER_REQUEST__ACTION__ACTION_STATUS)
						note_write_result(d, r.error, "charter vote", 1);
					break;
				case YRDX__CONTROL_REQUEST__REQ_SYNC:
					if (yxd_clients_sync_now(d, req->sync->peer) != YX_OK)
						reply_error(&r, YX_ENOTFOUND,
						            "no such peer in the trust store");
					break;
				case YRDX__CONTROL_REQUEST__REQ_STATUS:
					do_status(d, &r, &status, &vec, counters, cptrs);
					break;
				default:
					reply_error(&r, YX_EINVAL, "unknown control request");
					break;
				}
			}
		}
		if (!deferred)
			send_reply(d, rid, &r);
		yxd_amend_reply_free(&r);
		if (r.status) {
			yxd_clients_status_free(r.status);
			yxd_feed_status_free(r.status);
		}
		yxd_vector_msg_free(&vec);
		if (r.message != protobuf_c_empty_string)
			free(r.message); /* set by reply_error */
		if (r.case_id != protobuf_c_empty_string)
			free(r.case_id);
		if (r.agreement_id != protobuf_c_empty_string)
			free(r.agreement_id); /* set by yxd_author_joint */
		if (r.head != &h)
			free(r.head); /* yxd_control_put's */
		zframe_destroy(&rid);
		zframe_destroy(&frame);
		yx_arena_reset(&d->scratch); /* what the step read */
	}
	group_flush(d);
}
