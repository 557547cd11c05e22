/* config_print: ZPL out. The normalised print of a loaded configuration, and the layout
 * of every file this module writes: sections in schema order, each key explained by its
 * schema comment, values quoted where zconfig would otherwise read them differently. */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "config_int.h"
#include "validate.h"

/* ---- writing ZPL ---- */

/* "key = value" at depth (4 spaces each), quoting the value when zconfig would
 * otherwise change it: empty, '#' (a comment), edge spaces, a leading quote. */
static void line_write(FILE *f, int depth, const char *name, const char *v, const item_t *it)
{
	size_t n = strlen(v);
	bool quote = it && it->type == T_PUBKEY;
	uint32_t city;
	if (n == 0 || strchr(v, '#') || v[0] == ' ' || v[n - 1] == ' ' || v[0] == '"' ||
	    v[0] == '\'')
		quote = true;
	char q = strchr(v, '"') ? '\'' : '"';
	fprintf(f, "%*s%s = ", depth * 4, "", name);
	if (quote)
		fprintf(f, "%c%s%c", q, v, q);
	else
		fputs(v, f);
	if (it && it->type == T_CITY && yx_city_from_text(v, &city) == YX_OK &&
	    strcmp(v, yx_city_name(city)) != 0)
		fprintf(f, "    # %s", yx_city_name(city));
	fputc('\n', f);
}

/* A schema doc as comment lines indented to depth. */
static void doc_write(FILE *f, int depth, const char *doc)
{
	while (doc && *doc) {
		size_t n = strcspn(doc, "\n");
		fprintf(f, "%*s# %.*s\n", depth * 4, "", (int)n, doc);
		doc += n + (doc[n] == '\n');
	}
}

/* The root's comments are the file's column-0 comments (zconfig keeps those, and only
 * those, on the root). zconfig drops indented comments on load, so rewriting never
 * duplicates them. */
void config_tree_write(FILE *f, zconfig_t *root)
{
	zlist_t *comments = zconfig_comments(root);
	if (comments && zlist_size(comments) > 0) {
		for (char *cm = zlist_first(comments); cm; cm = zlist_next(comments))
			fprintf(f, "#%s\n", cm);
		fputc('\n', f);
	}
	for (zconfig_t *s = zconfig_child(root); s; s = zconfig_next(s)) {
		const section_t *sec = config_section_find(zconfig_name(s));
		fprintf(f, "%s\n", zconfig_name(s));
		if (sec && sec->doc) {
			doc_write(f, 1, sec->doc);
			if (zconfig_child(s))
				fputc('\n', f);
		}
		for (zconfig_t *k = zconfig_child(s); k; k = zconfig_next(k)) {
			if (sec && sec->entry) {
				fprintf(f, "%s    %s\n", k == zconfig_child(s) ? "" : "\n",
				        zconfig_name(k));
				for (zconfig_t *e = zconfig_child(k); e; e = zconfig_next(e)) {
					const char *v = zconfig_value(e);
					line_write(f, 2, zconfig_name(e), v ? v : "",
					           config_item_find(sec, zconfig_name(e)));
				}
				continue;
			}
			const item_t *it = sec ? config_item_find(sec, zconfig_name(k)) : NULL;
			const char *v = zconfig_value(k);
			if (it)
				doc_write(f, 1, it->doc);
			line_write(f, 1, zconfig_name(k), v ? v : "", it);
		}
		if (zconfig_next(s))
			fputc('\n', f);
	}
}

int yx_config_print(const yx_config_t *cfg, FILE *out)
{
	char v[YX_CONFIG_PATH_MAX];
	assert(cfg && out);
	fprintf(out, "# yrdx effective configuration: defaults filled in, paths resolved\n");
	for (size_t s = 0; s < SEC_COUNT; s++) {
		const section_t *sec = &config_sections[s];
		fprintf(out, "\n%s\n", sec->name);
		size_t n = sec->id == SEC_PEERS   ? cfg->n_peers
		           : sec->id == SEC_PARKS ? cfg->n_parks
		                                  : 1;
		for (size_t i = 0; i < n; i++) {
			const void *base = cfg;
			int depth = 1;
			if (sec->entry) {
				base = sec->id == SEC_PEERS ? (const void *)&cfg->peers[i]
				                            : (const void *)&cfg->parks[i];
				fprintf(out, "    %s\n",
				        sec->id == SEC_PEERS ? cfg->peers[i].name
				                             : cfg->parks[i].name);
				depth = 2;
			}
			for (size_t k = 0; k < sec->n_items; k++) {
				config_value_format(&sec->items[k], base, v, sizeof(v));
				line_write(out, depth, sec->items[k].name, v, &sec->items[k]);
			}
		}
	}
	return ferror(out) ? -EIO : YX_OK;
}
