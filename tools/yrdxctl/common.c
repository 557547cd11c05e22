#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "validate.h"
#include "keys.h"
#include "yrdxctl.h"

int ctl_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("yrdxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int ctl_need_config(ctl_t *ctl)
{
	yx_diag_t diag = {{0}};
	if (ctl->cfg)
		return EXIT_OK;
	if (!ctl->config_path)
		return ctl_fail(EXIT_USAGE,
		                "this command needs the node's config: yrdxctl -c FILE ...");
	int ret = yx_config_load(ctl->config_path, &ctl->cfg, &diag);
	if (ret)
		return ctl_fail(ret == YX_ECONFIG ? EXIT_USAGE : EXIT_FAIL, "%s", diag.msg);
	return EXIT_OK;
}

int ctl_open_store(ctl_t *ctl, yx_store_t **store)
{
	yx_diag_t diag = {{0}};
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	int ret = yx_store_open(ctl->cfg->data_dir, YX_STORE_READONLY, 0, store, &diag);
	if (ret)
		return ctl_fail(EXIT_FAIL, "%s", diag.msg[0] ? diag.msg : yx_strerror(ret));
	return EXIT_OK;
}

int ctl_connect(ctl_t *ctl, yx_ctl_t **conn)
{
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	int ret = yx_ctl_open(ctl->cfg->control_path, conn);
	if (ret == -ENOENT || ret == -ECONNREFUSED)
		return ctl_fail(EXIT_FAIL,
		                "the node is not running (no control socket at %s); "
		                "start it with: yrdxd -c %s",
		                ctl->cfg->control_path, ctl->cfg->path);
	if (ret)
		return ctl_fail(EXIT_FAIL, "control socket %s: %s", ctl->cfg->control_path,
		                yx_strerror(ret));
	return EXIT_OK;
}

int ctl_call_on(ctl_t *ctl, yx_ctl_t *conn, const Yrdx__ControlRequest *req, int timeout_ms,
                Yrdx__ControlReply **reply)
{
	int ret = yx_ctl_call(conn, req, timeout_ms, reply);
	if (ret == -ETIMEDOUT)
		return ctl_fail(EXIT_FAIL, "the node did not answer on %s within %d ms",
		                ctl->cfg->control_path, timeout_ms);
	if (ret)
		return ctl_fail(EXIT_FAIL, "control socket: %s", yx_strerror(ret));
	return EXIT_OK;
}

int ctl_call(ctl_t *ctl, const Yrdx__ControlRequest *req, int timeout_ms,
             Yrdx__ControlReply **reply)
{
	yx_ctl_t *c = NULL;
	int rc = ctl_connect(ctl, &c);
	if (rc == EXIT_OK)
		rc = ctl_call_on(ctl, c, req, timeout_ms, reply);
	yx_ctl_close(&c);
	return rc;
}

void ctl_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

void ctl_print_json(json_t *value)
{
	json_dumpf(value, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(value);
}

bool ctl_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return true;
		}
	return false;
}

int ctl_self_key(ctl_t *ctl, uint8_t self[32])
{
	yx_diag_t diag = {{0}};
	yx_identity_t *id = NULL;
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	if (yx_identity_load(ctl->cfg->key_file, &id, &diag) != YX_OK)
		return ctl_fail(EXIT_FAIL, "%s", diag.msg);
	memcpy(self, yx_identity_public(id), 32);
	yx_identity_free(&id);
	return EXIT_OK;
}

/* This node's key without a word on failure: from its key file, else the store's. */
static bool self_key_quiet(ctl_t *ctl, yx_store_t *store, uint8_t self[32])
{
	yx_identity_t *id = NULL;
	if (yx_identity_load(ctl->cfg->key_file, &id, NULL) == YX_OK) {
		memcpy(self, yx_identity_public(id), 32);
		yx_identity_free(&id);
		return true;
	}
	return store && yx_store_node_key(store, self) == YX_OK;
}

int ctl_names(ctl_t *ctl, yx_store_t *store)
{
	yx_diag_t diag = {{0}};
	yx_store_t *own = NULL;
	uint8_t self[32];
	int rc = ctl_need_config(ctl);
	if (rc || ctl->names)
		return rc;
	if (!store && yx_store_open(ctl->cfg->data_dir, YX_STORE_READONLY, 0, &own, NULL) == YX_OK)
		store = own;
	bool have_self = self_key_quiet(ctl, store, self);
	int ret =
	        store ? yx_names_load(store, ctl->cfg, have_self ? self : NULL, &ctl->names, &diag)
	              : YX_ENOTFOUND;
	if (ret != YX_OK && store)
		fprintf(stderr,
		        "yrdxctl: warning: the charter in %s does not verify (%s); nodes are "
		        "named by this node's config only\n",
		        ctl->cfg->data_dir, diag.msg[0] ? diag.msg : yx_strerror(ret));
	if (ret != YX_OK)
		ret = yx_names_new(NULL, ctl->cfg, have_self ? self : NULL, &ctl->names);
	yx_store_close(&own);
	return ret == YX_OK ? EXIT_OK : ctl_fail(EXIT_FAIL, "out of memory");
}

const char *ctl_label(ctl_t *ctl, const uint8_t key[32], yx_name_form_t form,
                      char out[YX_NAME_LABEL_MAX])
{
	return yx_names_label(ctl->names, key, form, out, YX_NAME_LABEL_MAX);
}

int ctl_origin(ctl_t *ctl, const char *what, const char *text, uint8_t origin[32])
{
	yx_diag_t diag = {{0}};
	int rc = ctl_names(ctl, NULL);
	if (rc)
		return rc;
	if (yx_names_resolve(ctl->names, text, origin, &diag) != YX_OK)
		return ctl_fail(EXIT_USAGE, "%s %s", what, diag.msg);
	return EXIT_OK;
}

const char *ctl_time(int64_t time_ms, char out[CTL_TIME_MAX])
{
	struct tm tm;
	time_t t = (time_t)(time_ms / 1000);
	if (!time_ms) {
		snprintf(out, CTL_TIME_MAX, "never");
		return out;
	}
	if (!localtime_r(&t, &tm) || !strftime(out, CTL_TIME_MAX, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, CTL_TIME_MAX, "%lld ms", (long long)time_ms);
	return out;
}

int ctl_kind(const char *what, const char *text, yx_kind_t *kind)
{
	char list[256];
	size_t len = 0;
	*kind = yx_kind_from_word(text, strlen(text));
	if (*kind != YX_KIND_NONE)
		return EXIT_OK;
	list[0] = '\0';
	for (int k = YX_KIND_NONE + 1; k < YX_KIND_COUNT && len < sizeof(list); k++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "",
		                        yx_kind_name((yx_kind_t)k));
	return ctl_fail(EXIT_USAGE, "%s: unknown kind \"%s\" (one of %s, or a plural)", what, text,
	                list);
}

int ctl_city(ctl_t *ctl, const char *what, const char *text, uint32_t *city)
{
	yx_node_name_t n;
	uint8_t origin[32];
	if (yx_city_from_text(text, city) == YX_OK)
		return EXIT_OK;
	/* a node's name: its city (ctl_names quietly falls back to the config's names) */
	if (ctl_names(ctl, NULL) == EXIT_OK &&
	    yx_names_resolve(ctl->names, text, origin, NULL) == YX_OK &&
	    yx_names_lookup(ctl->names, origin, &n) && n.city) {
		*city = n.city;
		return EXIT_OK;
	}
	return ctl_fail(EXIT_USAGE,
	                "%s %s is not a Yangtze River Delta city: give a GB/T 2260 code "
	                "(310000), a Chinese name (上海) or a member node's name (shanghai)",
	                what, text);
}

int ctl_run_sub(ctl_t *ctl, int argc, char **argv, const char *help, const ctl_sub_t *subs,
                size_t n)
{
	if (ctl_wants_help(argc, argv, help))
		return EXIT_OK;
	if (argc < 2)
		return ctl_fail(EXIT_USAGE, "%s: expected a subcommand (see --help)", argv[0]);
	int rc = ctl_need_config(ctl);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(ctl, argc, argv);
	return ctl_fail(EXIT_USAGE, "%s: unknown subcommand \"%s\" (see --help)", argv[0], argv[1]);
}
