/* http: what the node's HTTP port (listen/metrics, http.c) serves, each written from one
 * view of the node (overview.h) into a page (page.h). */
#ifndef YRDXD_HTTP_H
#define YRDXD_HTTP_H

#include "overview.h"
#include "page.h"

/* metrics.c: /metrics, Prometheus text. */
void yxd_metrics_text(yxd_t *d, const yxd_view_t *v, yxd_page_t *p);

/* console.c: /, the node's read-only console, HTML. */
void yxd_console_page(yxd_t *d, const yxd_view_t *v, yxd_page_t *p);

/* console_svg.c: its pictures, inline SVG. The map of the delta's 41 cities, this node's
 * members marked, its links coloured by state and lag. */
void yxd_console_map(yxd_t *d, const yxd_view_t *v, yxd_page_t *p);
/* The plan's figures (Shanghai's) as bars against its 2025 targets. */
void yxd_console_bars(const yxd_view_t *v, yxd_page_t *p);

#endif
