/* rotate: this node's key rotation (docs/design.md, "Key rotation"; the charter's
 * decision 7).
 *
 * A member's log keeps its identity, its origin, for good; the key that signs its heads
 * and keys its CURVE sockets may change. The member proposes the charter version that
 * adds its new key, signing past the seq P of its own vote, and from then on writes
 * nothing (yxd_rotation_pending): an entry past P signed by the old key would be refused
 * everywhere once the version is adopted. When the version is adopted the charter code
 * calls yxd_rotate_to and the node signs with the new key; when another version with
 * that number is adopted it calls yxd_rotation_clear and the old key goes on. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "yrdxd.h"

static uint64_t own_tip(yxd_t *d)
{
	yx_tip_t tip;
	return yx_store_tip(d->store, d->origin, &tip) == YX_OK ? tip.seq : 0;
}

int yxd_key_use(yxd_t *d, yx_identity_t **id)
{
	uint8_t pub[32], sec[32];
	int ret = yx_identity_curve_keys(*id, pub, sec);
	if (ret == YX_OK) {
		yx_identity_free(&d->id);
		d->id = *id;
		*id = NULL;
		memcpy(d->curve_public, pub, sizeof(pub));
		memcpy(d->curve_secret, sec, sizeof(sec));
		yx_pubkey_format(yx_identity_public(d->id), d->pubkey_text);
	}
	sodium_memzero(sec, sizeof(sec));
	return ret;
}

/* The next key's CURVE pair while a rotation is pending (yxd_rotation_t.next_*), from
 * the next key file; without it our pull connections try our key alone. */
static void next_load(yxd_t *d)
{
	char path[sizeof(d->cfg->key_file) + 8];
	yx_identity_t *next = NULL;
	yx_diag_t diag = {{0}};
	d->rotation.next_set = false;
	if (!yx_key_next_path(d->cfg->key_file, path, sizeof(path)) ||
	    yx_identity_load(path, &next, &diag) != YX_OK ||
	    yx_identity_curve_keys(next, d->rotation.next_public, d->rotation.next_secret) != YX_OK)
		yx_log_warn("key rotation: the next key (%s) cannot be read: %s; the rotation "
		            "cannot be carried out when it is adopted until it is there",
		            path, diag.msg[0] ? diag.msg : "no key");
	else
		d->rotation.next_set = true;
	yx_identity_free(&next);
}

static void next_forget(yxd_t *d)
{
	d->rotation.next_set = false;
	sodium_memzero(d->rotation.next_secret, sizeof(d->rotation.next_secret));
}

int yxd_rotation_start(yxd_t *d)
{
	yx_signer_t keys[YX_MAX_SIGNERS];
	size_t n = 0, at = YX_MAX_SIGNERS;
	const uint8_t *pk = yx_identity_public(d->id);
	int ret = yx_store_signers(d->store, keys, YX_MAX_SIGNERS, &n);
	if (ret) {
		yx_log_error("%s: cannot read the keys of this node's log: %s", d->cfg->data_dir,
		             yx_strerror(ret));
		return ret;
	}
	memcpy(d->origin, n ? keys[0].key : pk, YX_KEY_BYTES);
	for (size_t i = 0; i < n; i++)
		if (memcmp(keys[i].key, pk, YX_KEY_BYTES) == 0)
			at = i;
	if (n && at == YX_MAX_SIGNERS) {
		yx_log_error("%s belongs to another node key than %s", d->cfg->data_dir,
		             d->cfg->key_file);
		return YX_EKEY;
	}
	if (n && memcmp(d->origin, pk, YX_KEY_BYTES) != 0) {
		char origin[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(d->origin, origin);
		yx_log_info("this node's log is origin %s, signed by a key it was rotated to",
		            origin);
	}
	if (n && at + 1 < n) {
		char next[YX_PUBKEY_TEXT_LEN + 1];
		yx_pubkey_format(keys[n - 1].key, next);
		yx_log_error("%s holds a key this node's log was rotated away from (after seq "
		             "%llu): local writes will be refused; the log's key is %s",
		             d->cfg->key_file, (unsigned long long)keys[at + 1].after_seq, next);
	}
	uint32_t version = 0;
	uint64_t after = 0;
	ret = yx_store_rotating(d->store, &version, &after);
	if (ret == YX_OK) {
		d->rotation =
		        (yxd_rotation_t){.pending = true, .version = version, .after_seq = after};
		next_load(d);
		yx_log_warn("this node's key rotation waits for charter version %u to be adopted; "
		            "local writes resume then",
		            version);
	}
	return ret == YX_ENOTFOUND ? YX_OK : ret;
}

int yxd_rotation_pending(yxd_t *d, uint64_t after_seq, uint32_t version)
{
	d->rotation.pending = true;
	d->rotation.version = version;
	d->rotation.after_seq = after_seq;
	next_load(d);
	yx_log_warn("this node's key rotation waits for charter version %u to be adopted (the "
	            "new key signs past seq %llu); local writes refused until then",
	            version, (unsigned long long)after_seq);
	if (d->remote)
		yxd_remote_flush(d); /* the mark is a write transaction of its own */
	int ret = yx_store_set_rotating(d->store, version, after_seq);
	if (ret)
		yx_log_error("cannot record the pending key rotation in the store (a restart "
		             "would forget it): %s",
		             yx_strerror(ret));
	return ret;
}

/* Forgets the pending rotation, in memory and in the store. */
static void pending_end(yxd_t *d)
{
	d->rotation.pending = false;
	next_forget(d);
	if (d->remote)
		yxd_remote_flush(d);
	int ret = yx_store_set_rotating(d->store, 0, 0);
	if (ret)
		yx_log_error("cannot clear the key rotation's mark in the store (a restart would "
		             "fence writes again): %s",
		             yx_strerror(ret));
}

void yxd_rotation_clear(yxd_t *d)
{
	if (!d->rotation.pending)
		return;
	pending_end(d);
	yx_log_info("charter version %u was adopted without this node's new key: the key it "
	            "has goes on; local writes resume",
	            d->rotation.version);
}

/* path + suffix into out; false if it does not fit. */
static bool path_with(char *out, size_t cap, const char *path, const char *suffix)
{
	int n = snprintf(out, cap, "%s%s", path, suffix);
	return n > 0 && (size_t)n < cap;
}

/* Makes the renames of the directory holding path durable. */
static int sync_dir_of(const char *path)
{
	char copy[4096];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return ret;
}

/* new_file becomes key_file; key_file's key is kept as key_file.old (0600), and a .old
 * from a rotation before moves to .old.1, .old.2 ... At every moment key_file holds the
 * key before or the new one, never neither. */
static int keys_swap(const char *key_file, const char *new_file)
{
	char old[4096], tmp[4096], older[4096 + 8];
	if (!path_with(old, sizeof(old), key_file, ".old") ||
	    !path_with(tmp, sizeof(tmp), key_file, ".old.tmp"))
		return -ENAMETOOLONG;
	if (access(old, F_OK) == 0) {
		int n = 1, rc = -1;
		for (; n < 1000; n++) {
			snprintf(older, sizeof(older), "%s.%d", old, n);
			if ((rc = link(old, older)) == 0 || errno != EEXIST)
				break;
		}
		if (rc != 0)
			return -errno;
	}
	if (unlink(tmp) != 0 && errno != ENOENT)
		return -errno;
	if (link(key_file, tmp) != 0 || chmod(tmp, 0600) != 0 || rename(tmp, old) != 0)
		return -errno;
	if (rename(new_file, key_file) != 0)
		return -errno;
	return sync_dir_of(key_file);
}

/* Says the rotation in the log, and what to do by hand if the key files could not be
 * moved. */
static void rotated_log(yxd_t *d, uint64_t after, const char *new_key_file, int files)
{
	char origin[YX_PUBKEY_TEXT_LEN + 1];
	yx_pubkey_format(d->origin, origin);
	yx_log_info("key rotated: this node's log (origin %s) is signed by key %s from seq %llu "
	            "on",
	            origin, d->pubkey_text, (unsigned long long)after + 1);
	if (files == YX_OK)
		yx_log_info("key files: %s holds the new key, %s.old the one before",
		            d->cfg->key_file, d->cfg->key_file);
	else
		yx_log_error("the key files could not be moved (%s): move %s to %s by hand "
		             "before yrdxd starts again, keeping %s as %s.old",
		             yx_strerror(files), new_key_file, d->cfg->key_file, d->cfg->key_file,
		             d->cfg->key_file);
}

int yxd_rotate_to(yxd_t *d, const char *new_key_file)
{
	yx_identity_t *next = NULL;
	yx_diag_t diag = {{0}};
	uint64_t after = d->rotation.pending ? d->rotation.after_seq : own_tip(d);
	int ret = yx_identity_load(new_key_file, &next, &diag);
	if (ret) {
		yx_log_error("key rotation: %s", diag.msg[0] ? diag.msg : yx_strerror(ret));
		return ret;
	}
	if (memcmp(yx_identity_public(next), yx_identity_public(d->id), YX_KEY_BYTES) == 0) {
		yx_log_info("key rotation: %s holds the key this node signs with already",
		            new_key_file);
		goto out;
	}
	if (!d->rotation.pending)
		yx_log_warn("key rotation adopted with none pending here: the new key signs past "
		            "this log's tip, seq %llu",
		            (unsigned long long)after);
	/* Its CURVE pair is derived now: nothing may fail once the store took the key. */
	uint8_t cpub[32], csec[32];
	ret = yx_identity_curve_keys(next, cpub, csec);
	sodium_memzero(csec, sizeof(csec));
	if (ret) {
		yx_log_error("key rotation: %s has no X25519 form", new_key_file);
		goto out;
	}
	if (d->remote && (ret = yxd_remote_flush(d))) {
		yx_log_error("key rotation waits: %s", yx_strerror(ret));
		goto out;
	}
	if ((ret = yx_store_set_signer(d->store, after, yx_identity_public(next), &diag))) {
		yx_log_error("key rotation refused by the store: %s", diag.msg);
		goto out;
	}
	/* It stands from here: the store takes batches of the new key only. */
	if ((ret = yxd_key_use(d, &next)))
		goto out;
	ret = keys_swap(d->cfg->key_file, new_key_file);
	rotated_log(d, after, new_key_file, ret);
	if (d->rotation.pending)
		pending_end(d);
	d->rotation.rekey_due = true;
out:
	yx_identity_free(&next);
	return ret;
}

int yxd_rotation_rekey(yxd_t *d)
{
	int ret = YX_OK;
	if (!d->rotation.rekey_due)
		return YX_OK;
	d->rotation.rekey_due = false;
	if (d->remote)
		yxd_remote_flush(d); /* what the pull connections brought is kept */
	if (d->serve) {
		yxd_serve_stop(d);
		if ((ret = yxd_serve_start(d)))
			goto out;
	}
	if (d->feed) {
		yxd_feed_stop(d);
		if ((ret = yxd_feed_start(d)))
			goto out;
	}
	/* As a reload re-makes a peer whose key changed: new sockets, new sessions, made
	 * at once by the next tick. */
	yxd_clients_stop(d);
	if ((ret = yxd_clients_sync_config(d)))
		goto out;
	yx_log_info("peer port, feed port and %zu pull connections re-made with key %s",
	            d->n_clients, d->pubkey_text);
out:
	if (ret) {
		yx_log_error("cannot re-make the ports with the new key (%s): stopping; start "
		             "yrdxd again",
		             yx_strerror(ret));
		d->stopping = true;
	}
	return ret;
}

/* A key rotation of this node that version v decides (rotate.c): v gives our log another
 * key than the one we sign with — its new key signs from now — or v carries the number of
 * the version our rotation waits for without it, and the old key goes on. */
void yxd_rotation_follows(yxd_t *d, const yx_charter_t *v)
{
	const yx_member_t *self = yx_charter_member_by_origin(v, d->origin);
	char next[sizeof(d->cfg->key_file) + 8];
	if (self && memcmp(yx_member_current_key(self), yx_identity_public(d->id), YX_KEY_BYTES)) {
		if (!yx_key_next_path(d->cfg->key_file, next, sizeof(next)))
			yx_log_error(
			        "charter version %u gives this node a new key, but the path of "
			        "its next key file is too long: %s.next",
			        v->version, d->cfg->key_file);
		else
			yxd_rotate_to(d, next); /* says what it did, or why not */
	} else if (d->rotation.pending && v->version >= d->rotation.version) {
		yxd_rotation_clear(d);
	}
}
