/* restore: put a backup back as the node's store, fenced so the node cannot fork its own
 * log (it writes again only once its peers confirm its latest seq; see node/daemon/fence.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yrdxctl.h"

/* Copies src to dst (created owner-only, never over an existing file) and syncs it. */
static int copy_file(const char *src, const char *dst)
{
	char buf[1 << 16];
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, ret = 0;
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			ret = errno ? -errno : -EIO;
			break;
		}
	}
	if (ret == 0 && fsync(out) != 0)
		ret = -errno;
	close(in);
	if (close(out) != 0 && ret == 0)
		ret = -errno;
	if (ret)
		unlink(dst);
	return ret;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return ret;
}

/* Opens the backup, checks it belongs to this node and verifies it. */
static int check_backup(ctl_t *ctl, const char *dir, uint8_t digest[YX_HASH_BYTES], uint64_t *own)
{
	yx_store_t *b = NULL;
	yx_diag_t diag = {{0}};
	uint8_t self[YX_KEY_BYTES];
	yx_signer_t keys[YX_MAX_SIGNERS];
	size_t n = 0;
	yx_tip_t tip;
	int rc = ctl_self_key(ctl, self);
	if (rc)
		return rc;
	int ret = yx_store_open(dir, YX_STORE_READONLY, 0, &b, &diag);
	if (ret)
		return ctl_fail(EXIT_USAGE, "restore: %s is not a yrdx store: %s", dir,
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	/* This node's if the key file's key signed its log: its first key, or one it was
	 * rotated to. */
	ret = yx_store_signers(b, keys, YX_MAX_SIGNERS, &n);
	bool ours = n == 0;
	for (size_t i = 0; i < n; i++)
		ours = ours || memcmp(keys[i].key, self, YX_KEY_BYTES) == 0;
	if (ret == YX_OK && !ours) {
		yx_store_close(&b);
		return ctl_fail(EXIT_USAGE,
		                "restore: %s is another node's store (its key is not %s's)", dir,
		                ctl->cfg->key_file);
	}
	if (ret == YX_OK && (ret = yx_store_verify(b, &diag)) == YX_OK)
		ret = yx_store_digest(b, digest);
	*own = yx_store_tip(b, n ? keys[0].key : self, &tip) == YX_OK ? tip.seq : 0;
	yx_store_close(&b);
	if (ret)
		return ctl_fail(EXIT_FAIL, "restore: %s does not verify: %s", dir,
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	return EXIT_OK;
}

int cmd_restore(ctl_t *ctl, int argc, char **argv)
{
	static const char help[] =
	        "usage: yrdxctl -c FILE restore BACKUP\n"
	        "Puts the store in directory BACKUP (made by yrdxctl backup) back as the node's\n"
	        "store, with yrdxd stopped. The backup is verified and must be this node's. The\n"
	        "store it replaces is kept beside it as data.mdb.before-restore.\n"
	        "Restored, the node refuses local writes until its peers have told it its own\n"
	        "latest seq and it has fetched its own log back from them: writing from the\n"
	        "backup's older tip would fork its log. `yrdxctl status` shows the wait.\n";
	char src[4200], dst[4200], tmp[4300], old[4300];
	uint8_t digest[YX_HASH_BYTES];
	char hex[2 * YX_HASH_BYTES + 1];
	uint64_t own = 0;
	yx_diag_t diag = {{0}};
	struct stat st;
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc != 2)
		return ctl_fail(EXIT_USAGE, "restore: expected BACKUP (see --help)");
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	int up = yx_ctl_listening(ctl->cfg->control_path);
	if (up == -ENAMETOOLONG)
		return ctl_fail(EXIT_FAIL,
		                "restore: cannot tell whether yrdxd runs (control socket "
		                "path %s too long); stop it and remove the socket",
		                ctl->cfg->control_path);
	if (up == YX_OK)
		return ctl_fail(EXIT_USAGE,
		                "restore: yrdxd is running (control socket %s); stop it "
		                "first",
		                ctl->cfg->control_path);
	if ((rc = check_backup(ctl, argv[1], digest, &own)))
		return rc;
	snprintf(src, sizeof(src), "%s/data.mdb", argv[1]);
	snprintf(dst, sizeof(dst), "%s/data.mdb", ctl->cfg->data_dir);
	snprintf(tmp, sizeof(tmp), "%s.restoring", dst);
	snprintf(old, sizeof(old), "%s.before-restore", dst);
	if (mkdir(ctl->cfg->data_dir, 0700) != 0 && errno != EEXIST)
		return ctl_fail(EXIT_FAIL, "restore: %s: %s", ctl->cfg->data_dir, strerror(errno));
	unlink(tmp);
	int ret = copy_file(src, tmp);
	if (ret)
		return ctl_fail(EXIT_FAIL, "restore: copying %s to %s: %s", src, tmp,
		                strerror(-ret));
	if (stat(dst, &st) == 0 && rename(dst, old) != 0) {
		ret = -errno;
		unlink(tmp);
		return ctl_fail(EXIT_FAIL, "restore: keeping %s as %s: %s", dst, old,
		                strerror(-ret));
	}
	if (rename(tmp, dst) != 0 || sync_dir(ctl->cfg->data_dir) != 0)
		return ctl_fail(EXIT_FAIL, "restore: installing %s: %s", dst, strerror(errno));
	/* A backup made by hand (mdb_copy) has no fence mark: set it in every case. */
	yx_store_t *s = NULL;
	if ((ret = yx_store_open(ctl->cfg->data_dir, 0, ctl->cfg->map_size, &s, &diag)) == YX_OK)
		ret = yx_store_fence(s, true);
	yx_store_close(&s);
	if (ret)
		return ctl_fail(EXIT_FAIL, "restore: marking %s: %s", dst,
		                diag.msg[0] ? diag.msg : yx_strerror(ret));
	ctl_hex(digest, YX_HASH_BYTES, hex);
	if (ctl->json) {
		ctl_print_json(json_pack("{s:s, s:s, s:s, s:I, s:b}", "restored", argv[1], "store",
		                         dst, "digest", hex, "own_seq", (json_int_t)own, "fenced",
		                         1));
	} else {
		printf("restored %s into %s (digest %s, own log at seq %llu)\n", argv[1], dst, hex,
		       (unsigned long long)own);
		printf("yrdxd will refuse writes until its peers confirm its latest seq; "
		       "`yrdxctl status` shows the wait.\n");
		if (stat(old, &st) == 0)
			printf("the replaced store is kept as %s\n", old);
	}
	return EXIT_OK;
}
