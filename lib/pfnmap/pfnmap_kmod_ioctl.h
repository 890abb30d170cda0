/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of the mmconf_pfnmap test module (fixtures/kmod): RAM
 * backed VM_PFNMAP mappings at a chosen page-table level, and its
 * page-table oracle (the module's own walk of the caller's page tables).
 */
#ifndef MM_PFNMAP_KMOD_IOCTL_H
#define MM_PFNMAP_KMOD_IOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmconf_pfnmap_uapi.h"

#include "mm_util.h"

struct pfnmap_kmod {
	int fd;
	struct mmconf_info info;
};

/*
 * Open DEV (MMCONF_PFNMAP_DEV or MMCONF_PFNMAP_PREPARE_DEV) and read the
 * module's info.  Returns 0; MM_SKIP when the module is not
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

/*
 * Data patterns, distinct for every word of every 4 KiB page of the
 * region: region page RPAGE carries pfnmap_kmod_value(SEED, RPAGE, w) in
 * the words w of pfnmap_kmod_words[].  PAGES lists page indices relative
 * to FIRST (a mapping's first region page); NULL means 0 .. N-1.
 */
#define PFNMAP_KMOD_NR_WORDS	3
#define PFNMAP_KMOD_MAX_SAMPLES	40
extern const unsigned int pfnmap_kmod_words[PFNMAP_KMOD_NR_WORDS];
uint64_t pfnmap_kmod_value(uint64_t seed, uint64_t rpage, unsigned int word);

/*
 * Pages of an NPAGES-page mapping worth checking through a second path:
 * first, inside and past the first 2 MiB, around 1 GiB, the last ones,
 * and a spread.  Fills OUT (PFNMAP_KMOD_MAX_SAMPLES), returns how many.
 */
int pfnmap_kmod_samples(uint64_t npages, uint64_t *out);

/* Through the ioctls: 0 or -errno; -1 or the first page that differs. */
int pfnmap_kmod_fill_region(struct pfnmap_kmod *km, uint64_t seed,
			    uint64_t first, const uint64_t *pages, int n);
int64_t pfnmap_kmod_check_region(struct pfnmap_kmod *km, uint64_t seed,
				 uint64_t first, const uint64_t *pages, int n);

/* Through a mapping MAP of region pages FIRST...: same conventions. */
void pfnmap_kmod_fill_map(char *map, uint64_t seed, uint64_t first,
			  const uint64_t *pages, int n);
int64_t pfnmap_kmod_check_map(const char *map, uint64_t seed, uint64_t first,
			      const uint64_t *pages, int n);

const char *pfnmap_kmod_level_name(unsigned int level);
/* Bytes one entry of LEVEL maps (4 KiB, 2 MiB, 1 GiB on x86_64). */
uint64_t pfnmap_kmod_level_size(unsigned int level);

#endif /* MM_PFNMAP_KMOD_IOCTL_H */
