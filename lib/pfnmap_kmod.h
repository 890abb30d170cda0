/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of the mmconf_pfnmap test module (fixtures/kmod): RAM
 * backed VM_PFNMAP mappings at a chosen page-table level, and its
 * page-table oracle (the module's own walk of the caller's page tables).
 */
#ifndef PFNMAP_KMOD_H
#define PFNMAP_KMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmconf_pfnmap_uapi.h"

struct pfnmap_kmod {
	int fd;
	struct mmconf_info info;
};

/* pfnmap_kmod_open(): the module, its device node or its region is absent. */
#define PFNMAP_KMOD_SKIP	1

/*
 * Open DEV (MMCONF_PFNMAP_DEV or MMCONF_PFNMAP_PREPARE_DEV) and read the
 * module's info.  Returns 0; PFNMAP_KMOD_SKIP when the module is not
 * loaded, this build of it has no such node, or it could not get its RAM
 * region; -errno on anything else (an ABI mismatch is -EPROTO).  WHY says
 * what, for SKIP()/TH_LOG().  Every level starts at PTE.
 */
int pfnmap_kmod_open(struct pfnmap_kmod *km, const char *dev,
		     char *why, size_t len);
void pfnmap_kmod_close(struct pfnmap_kmod *km);

/*
 * Does the region hold [OFF, OFF + LEN) with its physical start aligned
 * to at least ALIGN?  If not, WHY says what the module got, and why.
 */
bool pfnmap_kmod_region_fits(const struct pfnmap_kmod *km, uint64_t off,
			     uint64_t len, uint64_t align,
			     char *why, size_t wlen);

/* Largest level (enum mmconf_level) later faults may insert; -errno. */
int pfnmap_kmod_set_max_level(struct pfnmap_kmod *km, unsigned int level);

/*
 * mmap() LEN bytes of the region from byte offset OFF at an address that
 * is SKEW past a multiple of ALIGN (both page multiples; ALIGN a power
 * of two, 0 for "any").  FLAGS: MAP_SHARED or MAP_PRIVATE.  Returns the
 * address, or MAP_FAILED with errno set.
 */
void *pfnmap_kmod_map(struct pfnmap_kmod *km, uint64_t off, size_t len,
		      int prot, int flags, size_t align, size_t skew);

/* The caller's page-table entry mapping ADDR; 0 or -errno. */
int pfnmap_kmod_query(struct pfnmap_kmod *km, const void *addr,
		      struct mmconf_pt_query *q);

/* "PMD present write dirty young special pfn 0x... region+0x..." */
void pfnmap_kmod_describe(const struct mmconf_pt_query *q,
			  char *buf, size_t len);

int pfnmap_kmod_counters(struct pfnmap_kmod *km, struct mmconf_counters *c);
int pfnmap_kmod_reset_counters(struct pfnmap_kmod *km);

/* Region bytes through the kernel direct map, not any user mapping. */
int pfnmap_kmod_read(struct pfnmap_kmod *km, uint64_t off,
		     void *buf, size_t len);
int pfnmap_kmod_write(struct pfnmap_kmod *km, uint64_t off,
		      const void *buf, size_t len);

/* page_count() of the region page at byte offset OFF; 0 or -errno. */
int pfnmap_kmod_refcount(struct pfnmap_kmod *km, uint64_t off,
			 unsigned int *ref);

const char *pfnmap_kmod_level_name(unsigned int level);
/* Bytes one entry of LEVEL maps (4 KiB, 2 MiB, 1 GiB on x86_64). */
uint64_t pfnmap_kmod_level_size(unsigned int level);

#endif /* PFNMAP_KMOD_H */
