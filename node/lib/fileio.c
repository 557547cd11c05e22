/* fileio: whole files in and out (fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int yx_file_read(const char *path, size_t max, uint8_t **bytes, size_t *len, yx_diag_t *diag)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	int ret = YX_OK;
	FILE *f = fopen(path, "rb");
	*bytes = NULL;
	*len = 0;
	if (!f)
		return yx_diag_set(diag, -errno, "%s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			/* one byte past max tells a file of max bytes from a larger one */
			size_t want = cap ? 2 * cap : 64 * 1024;
			if (want > max + 1)
				want = max + 1;
			uint8_t *grown = want > cap ? realloc(buf, want + 1) : NULL;
			if (!grown) {
				ret = want > cap
				              ? yx_diag_set(diag, -ENOMEM, "%s: out of memory",
				                            path)
				              : yx_diag_set(diag, YX_ETOOBIG,
				                            "%s: larger than %zu bytes", path, max);
				goto out;
			}
			buf = grown;
			cap = want;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		ret = yx_diag_set(diag, -EIO, "%s: read error", path);
		goto out;
	}
	if (n > max) {
		ret = yx_diag_set(diag, YX_ETOOBIG, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if (!buf && !(buf = malloc(1))) {
		ret = yx_diag_set(diag, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	buf[n] = '\0';
	*bytes = buf;
	*len = n;
	buf = NULL;
out:
	fclose(f);
	free(buf);
	return ret;
}

int yx_file_install(const char *target, const void *data, size_t len, const struct stat *orig,
                    const char *file, yx_diag_t *diag)
{
	char tmp[PATH_MAX + 16], dir[PATH_MAX];
	const char *slash = strrchr(target, '/');
	const char *base = slash ? slash + 1 : target;
	const char *what = "cannot write";
	int ret = YX_OK, fd, dfd;
	size_t done = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", slash == target ? 1 : (int)(slash - target),
	                  target) >= (int)sizeof(dir))
		return yx_diag_set(diag, -ENAMETOOLONG, "%s: path too long", file);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp))
		return yx_diag_set(diag, -ENAMETOOLONG, "%s: path too long", file);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return yx_diag_set(diag, -errno, "%s: cannot create a file beside it: %s", file,
		                   strerror(errno));
	if (orig) {
		struct stat now;
		if (fstat(fd, &now) != 0 ||
		    ((now.st_uid != orig->st_uid || now.st_gid != orig->st_gid) &&
		     fchown(fd, orig->st_uid, orig->st_gid) != 0)) {
			ret = -errno;
			what = "cannot keep its owner";
			goto out;
		}
	}
	if (fchmod(fd, orig ? orig->st_mode & 07777 : 0600) != 0) {
		ret = -errno;
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) != 0) {
		ret = -errno;
		goto out;
	}
	if (orig ? rename(tmp, target) != 0 : link(tmp, target) != 0) {
		ret = -errno;
		if (ret == -EEXIST)
			what = "already exists; not overwriting it";
		goto out;
	}
	if (!orig)
		unlink(tmp);
	tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	close(fd);
	if (tmp[0])
		unlink(tmp);
	if (ret != YX_OK) {
		if (ret == -EEXIST)
			yx_diag_set(diag, ret, "%s: %s", file, what);
		else
			yx_diag_set(diag, ret, "%s: %s: %s", file, what, strerror(-ret));
	}
	return ret;
}
