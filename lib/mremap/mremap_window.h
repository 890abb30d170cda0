/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address window an mremap test works in: a PROT_NONE reservation,
 * PMD-aligned, with the mapping under test one unit in, so every
 * neighbour is known.  In units of mk_unit(kind):
 *
 *   0        1            5                16             24
 *   | guard  | mapping    | blocker (PROT_NONE, or freed) | destination |
 *
 * The guard keeps the mapping from merging with whatever lies before
 * the window; the blocker stops an in-place expand until
 * mrw_free_after() unmaps it; the destination is spare reserved space.
 */
#ifndef MREMAP_WINDOW_H
#define MREMAP_WINDOW_H

#include "mremap/mapping_kinds.h"

#define MRW_MAP_UNITS	4
#define MRW_DST_UNIT	16
#define MRW_UNITS	24

struct mrw {
	struct mk_env env;
	struct mk_map map;
	char *window;
	size_t unit;
	size_t len;	/* of the mapping: MRW_MAP_UNITS units */
};

/*
 * Prepare the system for @kind (room for @extra more bytes of it, e.g.
 * huge pages a test will fault in later), reserve the window and map
 * the mapping under test, filled with stream @salt.  Returns 0, 1 when
 * the kind is not offered (reason in @why), -1 on error (reason in
 * @why).  On anything but 0 nothing stays changed.
 */
int mrw_setup(struct mrw *w, enum mk_kind kind, size_t extra,
	      unsigned long salt, char *why, size_t whylen);

/* Undo mrw_setup()'s system changes (the mappings go with the process). */
void mrw_restore(struct mrw *w);

/* Address of unit @u of the window. */
char *mrw_at(const struct mrw *w, unsigned int u);

/* Unmap the blocker: free space from the mapping's end to the destination. */
void mrw_free_after(const struct mrw *w);

#endif /* MREMAP_WINDOW_H */
