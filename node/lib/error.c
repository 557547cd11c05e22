#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *yx_strerror(int err)
{
	switch (err) {
	case YX_OK: return "success";
	case YX_EINVAL: return "invalid input";
	case YX_EDECODE: return "malformed message";
	case YX_ENOTFOUND: return "not found";
	case YX_ECHAIN: return "hash chain broken";
	case YX_ESIG: return "bad head signature";
	case YX_EGAP: return "gap in change log";
	case YX_EFORK: return "fork: two hashes for one origin sequence";
	case YX_ESCHEMA: return "store has an unknown or older schema";
	case YX_ENEWER: return "store has a newer schema than this build";
	case YX_ENOSPC: return "disk full: no space left on the store's filesystem";
	case YX_EKEYPERM: return "key file is readable by group or others";
	case YX_EKEY: return "key file malformed";
	case YX_ECORRUPT: return "stored data corrupt";
	case YX_ETOOBIG: return "too large";
	case YX_EBUSY: return "busy";
	case YX_ECRYPTO: return "crypto library failed to initialise";
	case YX_ESTORE: return "storage engine failure";
	case YX_ECONFIG: return "invalid configuration";
	case YX_EMAPFULL: return "the store's map is full (raise node/map_size in the config)";
	case YX_ESTUB: return "held as a stub only (its body withheld or not yet received)";
	case YX_EREFUSED:
		return "refused by the federation charter (not a member, revoked, or outside "
		       "its jurisdiction)";
	case YX_EFENCED:
		return "this node's store is older than its own log (restored from a backup): "
		       "writes wait until its peers confirm its latest seq";
	}
	if (err < 0 && err > -1000)
		return strerror(-err);
	return "unknown error";
}

bool yx_err_is_store_full(int err)
{
	return err == YX_ENOSPC || err == YX_EMAPFULL;
}

int yx_diag_set(yx_diag_t *diag, int err, const char *fmt, ...)
{
	if (diag) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
		diag->path.root = NULL;
		diag->what = 0;
	}
	return err;
}

int yx_why(char *why, size_t size, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return err;
}
