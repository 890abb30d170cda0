/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A temporary swap device, for tests that need pages swapped out
 * (MADV_PAGEOUT) on a machine with no swap configured.  Two kinds:
 *
 *   SWAP_DEV_ZRAM  a fresh zram disk (hot_add): synchronous I/O, so
 *                  reclaim frees a folio from the swap cache at once;
 *   SWAP_DEV_LOOP  a loop device over a memfd: asynchronous I/O, so a
 *                  paged-out folio stays in the swap cache, unmapped.
 *
 *   struct swap_dev d;
 *   ret = swap_dev_setup(&d, SWAP_DEV_ZRAM, 64 << 20, why, sizeof(why));
 *   MM_SKIP: SKIP with why; other non-zero: -errno (FAIL with why).
 *   (The lib/ return convention of mm_util.h.)
 *   ...
 *   swap_dev_teardown(&d);   swapoff, then remove the device
 *
 * The device never touches one somebody else configured, and gets the
 * highest swap priority so MADV_PAGEOUT writes to it first.  Needs root.
 * Teardown only uses what is in the struct, so it may run in another
 * process (the harness parent) than setup did.
 */
#ifndef MM_SWAP_DEV_H
#define MM_SWAP_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include "mm_util.h"

enum swap_dev_kind {
	SWAP_DEV_ZRAM,
	SWAP_DEV_LOOP,
};

struct swap_dev {
	enum swap_dev_kind kind;
	int id;			/* zram<id> or loop<id>, -1 when none */
	bool swapped_on;
	bool made_node;		/* we created the /dev node */
	char dev[64];
};

int swap_dev_setup(struct swap_dev *d, enum swap_dev_kind kind, size_t bytes,
		   char *why, size_t whylen);
void swap_dev_teardown(struct swap_dev *d);

#endif /* MM_SWAP_DEV_H */
