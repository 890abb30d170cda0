// SPDX-License-Identifier: GPL-2.0
/* The address window of the mremap tests; see mremap_window.h. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mremap/mremap_util.h"
#include "mremap/mremap_window.h"

int mrw_setup(struct mrw *w, enum mk_kind kind, size_t extra,
	      unsigned long salt, char *why, size_t whylen)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->unit = mk_unit(kind);
	w->len = MRW_MAP_UNITS * w->unit;
	ret = mk_env_prepare(&w->env, kind, w->len + extra, why, whylen);
	if (ret)
		return ret;
	w->window = mrm_reserve(MRW_UNITS * w->unit, SZ_2M);
	if (w->window == MAP_FAILED) {
		snprintf(why, whylen, "cannot reserve the address window");
		mk_env_restore(&w->env);
		return -1;
	}
	ret = mk_map(&w->map, &w->env, kind, mrw_at(w, 1), w->len, salt);
	if (ret) {
		snprintf(why, whylen, "cannot map %s: %s", mk_name(kind),
			 strerror(-ret));
		mk_close(&w->map);
		munmap(w->window, MRW_UNITS * w->unit);
		mk_env_restore(&w->env);
		return -1;
	}
	return 0;
}

void mrw_restore(struct mrw *w)
{
	mk_env_restore(&w->env);
}

char *mrw_at(const struct mrw *w, unsigned int u)
{
	return w->window + u * w->unit;
}

void mrw_free_after(const struct mrw *w)
{
	munmap(mrw_at(w, 1 + MRW_MAP_UNITS),
	       (MRW_DST_UNIT - 1 - MRW_MAP_UNITS) * w->unit);
}
