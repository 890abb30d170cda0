/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address window an mremap test works in: a PROT_NONE reservation,
 * PMD-aligned, with the mapping under test one unit in, so every
 * neighbour is known.  In units of mapping_kind_unit(kind):
 *
 *   0        1            5                16             24
 *   | guard  | mapping    | blocker (PROT_NONE, or freed) | destination |
 *
 * The guard keeps the mapping from merging with whatever lies before
 * the window; the blocker stops an in-place expand until
 * mremap_window_free_after() unmaps it; the destination is spare reserved space.
 */
#ifndef MREMAP_WINDOW_H
#define MREMAP_WINDOW_H

#include "mremap/mapping_kind.h"

#define MREMAP_WINDOW_MAP_UNITS	4
#define MREMAP_WINDOW_DST_UNIT	16
#define MREMAP_WINDOW_UNITS	24

struct mremap_window {
	struct mapping_kind_env env;
	struct mapping_kind_map map;
	char *window;
	size_t unit;
	size_t len;	/* of the mapping: MREMAP_WINDOW_MAP_UNITS units */
};

/*
 * Prepare the system for @kind (room for @extra more bytes of it, e.g.
 * huge pages a test will fault in later), reserve the window and map
 * the mapping under test, filled with stream @salt.  Returns 0, MM_SKIP
 * when the kind is not offered (reason in @why), -errno on error (reason
 * in @why).  On anything but 0 nothing stays changed.
 */
int mremap_window_setup(struct mremap_window *w, enum mapping_kind kind, size_t extra,
	      unsigned long salt, char *why, size_t whylen);

/* Undo mremap_window_setup()'s system changes (the mappings go with the process). */
void mremap_window_restore(struct mremap_window *w);

/* Address of unit @u of the window. */
char *mremap_window_at(const struct mremap_window *w, unsigned int u);

/* Unmap the blocker: free space from the mapping's end to the destination. */
void mremap_window_free_after(const struct mremap_window *w);

#endif /* MREMAP_WINDOW_H */
