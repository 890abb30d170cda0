/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A PTE-level pfnmap provider: BAR2 of an ivshmem-plain device (lib/pfnmap/vfio.h
 * names it) that no driver claims, mmap()ed through /dev/mem.  mmap_mem()
 * maps it with remap_pfn_range() (7.2: f_op->mmap_prepare and the core's
 * remap action): every PTE present from mmap on, special, MAP_PRIVATE a
 * COW pfnmap, and on x86 the physical range is PAT-tracked (uncached-minus:
 * /dev/mem is opened O_SYNC) for as long as it is mapped.
 * CONFIG_STRICT_DEVMEM allows it, the BAR being neither System RAM nor,
 * unclaimed, busy (CONFIG_IO_STRICT_DEVMEM would refuse a claimed one).
 *
 * /dev/mem cannot pread() such a BAR: read_mem() serves addresses below
 * high_memory only, and a 64-bit BAR lies above the RAM.  The second data
 * path (devmem_bar_read/write) is therefore a second, transient mapping
 * of the same pages: another VMA, PTEs of its own.
 */
#ifndef MM_DEVMEM_H
#define MM_DEVMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm_util.h"

#define DEVMEM_PATH		"/dev/mem"
#define DEVMEM_PAT_LIST		"/sys/kernel/debug/x86/pat_memtype_list"

struct devmem_bar {
	char bdf[32];		/* "0000:00:02.0" */
	uint64_t phys;		/* BAR2 bus (= physical) address */
	uint64_t size;
	int fd;			/* /dev/mem */
};

/*
 * Find the smallest ivshmem BAR2 of at least MIN_SIZE bytes whose device
 * has no driver bound, and open /dev/mem.  0; MM_SKIP with WHY saying
 * what is missing; -errno with WHY when something that should work did not
 * (e.g. the device's memory decoding is off).
 */
int devmem_bar_open(struct devmem_bar *db, uint64_t min_size, char *why,
		    size_t whylen);
void devmem_bar_close(struct devmem_bar *db);

/*
 * mmap() [off, off + len) of the BAR with PROT and FLAGS (MAP_SHARED or
 * MAP_PRIVATE) at an address SKEW past a multiple of ALIGN (a power of
 * two, 0 for any).  MAP_FAILED with errno set on failure.
 */
void *devmem_bar_map(const struct devmem_bar *db, uint64_t off, size_t len,
		     int prot, int flags, size_t align, size_t skew);

/* BAR bytes through a transient shared mapping of their pages: 0, -errno. */
int devmem_bar_read(const struct devmem_bar *db, uint64_t off, void *buf,
		    size_t len);
int devmem_bar_write(const struct devmem_bar *db, uint64_t off,
		     const void *buf, size_t len);

/*
 * How many entries of /sys/kernel/debug/x86/pat_memtype_list overlap
 * physical [start, end): the count (a range mapped once has exactly one;
 * two mean a duplicate reservation), with TYPE set to the first one's
 * cache mode ("uncached-minus"...) and ESTART, EEND to its range (any may
 * be NULL); -errno when the list cannot be read (no debugfs, no PAT).
 * The suite's one parser of that file.
 */
int devmem_pat_lookup(uint64_t start, uint64_t end, char *type, size_t len,
		      uint64_t *estart, uint64_t *eend);

#endif /* MM_DEVMEM_H */
