/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A swap device on a fresh zram disk, for tests that need pages swapped
 * out (MADV_PAGEOUT) on a machine with no swap configured.
 *
 *   struct zram_swap z;
 *   ret = zram_swap_setup(&z, 64 << 20, why, sizeof(why));
 *   ZRAM_SWAP_UNAVAILABLE: SKIP with why; other non-zero: an errno.
 *   ...
 *   zram_swap_teardown(&z);   swapoff, reset and hot_remove the disk
 *
 * The disk comes from /sys/class/zram-control/hot_add, so it never
 * touches a zram device somebody else configured, and it gets the
 * highest swap priority so MADV_PAGEOUT writes to it first.  Needs root.
 */
#ifndef MM_ZRAM_SWAP_H
#define MM_ZRAM_SWAP_H

#include <stddef.h>

#define ZRAM_SWAP_UNAVAILABLE	(-1)

struct zram_swap {
	int id;			/* zram<id>, -1 when none */
	int swapped_on;
	int made_node;		/* we created the /dev node */
	char dev[64];
};

int zram_swap_setup(struct zram_swap *z, size_t bytes, char *why,
		    size_t whylen);
void zram_swap_teardown(struct zram_swap *z);

#endif /* MM_ZRAM_SWAP_H */
