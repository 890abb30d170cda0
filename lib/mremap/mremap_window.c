// SPDX-License-Identifier: GPL-2.0
/* The address window of the mremap tests; see mremap_window.h. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mremap/mremap_util.h"
#include "mremap/mremap_window.h"

int mremap_window_setup(struct mremap_window *w, enum mapping_kind kind, size_t extra,
	      unsigned long salt, char *why, size_t whylen)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->unit = mapping_kind_unit(kind);
	w->len = MREMAP_WINDOW_MAP_UNITS * w->unit;
	ret = mapping_kind_env_prepare(&w->env, kind, w->len + extra, why, whylen);
	if (ret)
		return ret;
	w->window = mremap_util_reserve(MREMAP_WINDOW_UNITS * w->unit, SZ_2M);
	if (w->window == MAP_FAILED) {
		ret = -mm_errno();
		snprintf(why, whylen, "cannot reserve the address window: %s",
			 strerror(-ret));
		mapping_kind_env_restore(&w->env);
		return ret;
	}
	ret = mapping_kind_map(&w->map, &w->env, kind, mremap_window_at(w, 1), w->len, salt);
	if (ret) {
		snprintf(why, whylen, "cannot map %s: %s", mapping_kind_name(kind),
			 strerror(-ret));
		mapping_kind_close(&w->map);
		munmap(w->window, MREMAP_WINDOW_UNITS * w->unit);
		mapping_kind_env_restore(&w->env);
		return ret;
	}
	return 0;
}

void mremap_window_restore(struct mremap_window *w)
{
	mapping_kind_env_restore(&w->env);
}

char *mremap_window_at(const struct mremap_window *w, unsigned int u)
{
	return w->window + u * w->unit;
}

void mremap_window_free_after(const struct mremap_window *w)
{
	munmap(mremap_window_at(w, 1 + MREMAP_WINDOW_MAP_UNITS),
	       (MREMAP_WINDOW_DST_UNIT - 1 - MREMAP_WINDOW_MAP_UNITS) * w->unit);
}
