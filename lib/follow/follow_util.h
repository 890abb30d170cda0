/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the pfnmap-follow tests (selftests/follow/): the kernel's own
 * users of follow_pfnmap_start() (generic_access_phys() behind
 * /proc/pid/mem and ptrace, KVM's hva_to_pfn_remapped(), vfio type1's
 * follow_fault_pfn(), x86 PAT) must reach the pfn the mapping maps at
 * every level.  These helpers give them sample byte offsets spread over
 * every level, whole pages of distinct data at those offsets, and the
 * oracle's verdict on the entries behind them.
 *
 * Data: every 8-byte word W of mapping page P carries
 * pfnmap_kmod_value(seed, rpage, W), rpage being P's page index in the
 * provider's pfn range (so pfnmap_check_path() agrees on its words).
 * Helpers return 0 or -errno; checks -1 with WHY set when the fact does
 * not hold.  Nothing here exits or asserts.
 */
#ifndef MM_FOLLOW_UTIL_H
#define MM_FOLLOW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnmap/pfnmap_provider.h"

/* Bytes compared at each sample offset (a span may cross a page). */
#define FOLLOW_SPAN		16
#define FOLLOW_MAX_OFFS		12

/*
 * The byte offsets below LEN - FOLLOW_SPAN of: the first page, 4 KiB + 1,
 * inside the first 2 MiB, across the first 2 MiB boundary, 2 MiB + 4 KiB,
 * past 512 MiB, across 1 GiB, 1 GiB + 4 MiB + 4 KiB, the last bytes.
 * Fills OUT (FOLLOW_MAX_OFFS), returns how many.
 */
int follow_offsets(uint64_t len, uint64_t *out);

/* The pattern bytes [off, off + len) of the mapping should hold. */
void follow_expect(const struct pfnmap *pm, uint64_t seed, uint64_t off,
		   void *buf, size_t len);

/*
 * Write the whole pattern of every page that [offs[i], + FOLLOW_SPAN)
 * touches through the provider's second path (not the mapping).
 */
int follow_fill(struct pfnmap *pm, uint64_t seed, const uint64_t *offs,
		int n);

/* Does the second path hold BUF at mapping offset OFF?  0, -1, -errno. */
int follow_path_equals(struct pfnmap *pm, uint64_t off, const void *buf,
		       size_t len);

/* Read one byte of every page the spans touch, so each is faulted in. */
void follow_touch(const struct pfnmap *pm, const uint64_t *offs, int n);

/*
 * The oracle on every page the spans touch: present, at the level
 * pfnmap_fit_level() predicts for the whole mapping, mapping
 * pfnmap_pfn() (when the oracle can tell).  0; -1 with WHY; -errno.
 */
int follow_check_levels(struct pfnmap *pm, const uint64_t *offs, int n,
			char *why, size_t whylen);

/*
 * The VMA at ADDR as the module sees it (MMCONF_IOC_VMA_QUERY through
 * pm->qfd): whether it has vm_ops->access and which.  0; -ENODEV when the
 * oracle is ptdump (module not loaded); -ENOTTY from an older module.
 */
int follow_vma_query(struct pfnmap *pm, const void *addr,
		     struct mmconf_vma_query *q);

#endif /* MM_FOLLOW_UTIL_H */
