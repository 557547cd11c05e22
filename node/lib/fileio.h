/* fileio: whole files in and out. A file read into memory up to a limit, and a file put
 * in place atomically — through a temporary file beside it, fsync, rename (or link, which
 * refuses an existing file), fsync of the directory — so that no reader ever sees half of
 * one and a crash leaves the old file or the new one. The config's edits, the charter
 * files yrdxctl writes and the stores' side files all go through here. */
#ifndef YRDX_FILEIO_H
#define YRDX_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "error.h"

/* Reads the whole file at path into *bytes (malloc'd, the caller frees; a NUL follows the
 * last byte, not counted in *len). YX_ETOOBIG if it holds more than max bytes, -errno if
 * it cannot be read; diag names the path (as given) and why. */
int yx_file_read(const char *path, size_t max, uint8_t **bytes, size_t *len, yx_diag_t *diag);

/* Puts len bytes of data at target: with the mode and owner of orig, replacing the file
 * there; or, orig NULL, with mode 0600 and never over an existing file (-EEXIST). target
 * may be relative. Returns YX_OK or -errno, diag naming the file as `file` (how the user
 * gave it) and why. */
int yx_file_install(const char *target, const void *data, size_t len, const struct stat *orig,
                    const char *file, yx_diag_t *diag);

#endif
