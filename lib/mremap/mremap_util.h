/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mremap tests: per-page data patterns, raw mremap,
 * /proc/self/{maps,smaps,status} queries; the generic pieces (pattern
 * mixer, smaps walk, fault probe) are in mm_util.h.
 */
#ifndef MREMAP_UTIL_H
#define MREMAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm_util.h"


/* Not in every libc's headers; values from the 6.12 uapi. */
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/*
 * mremap() through the raw syscall, so the fifth argument reaches the
 * kernel whatever the flags (glibc's wrapper is variadic).  Returns
 * MAP_FAILED with errno set on failure.
 */
void *mremap_util_mremap(void *old, size_t old_len, size_t new_len,
		 unsigned long flags, void *new_addr);

/*
 * Fill @len bytes at @addr with a pattern that differs in every 8-byte
 * word and in every 4 KiB page: page i of the range gets the words of
 * page (@first_page + i) of the stream named @salt.
 */
void mremap_util_fill(void *addr, size_t len, unsigned long salt,
	      unsigned long first_page);

/*
 * The same pattern, but only the words mremap_util_check() samples: cheap enough
 * for gigabytes (a pfnmap BAR), and as good for mremap_util_check().
 */
void mremap_util_fill_sparse(void *addr, size_t len, unsigned long salt,
		     unsigned long first_page);

/*
 * Map @len bytes of anonymous private read-write memory at @at
 * (MAP_FIXED) and mremap_util_fill() them from page 0 of stream @salt.  Returns
 * what mmap() did: @at, or MAP_FAILED with errno set.
 */
void *mremap_util_map_filled(void *at, size_t len, unsigned long salt);

/*
 * Check the pattern written by mremap_util_fill() at a few words of every page.
 * Returns -1 when all match, else the byte offset of the first mismatch.
 */
long mremap_util_check(const void *addr, size_t len, unsigned long salt,
	       unsigned long first_page);

/* Returns -1 when the sampled words of every page are 0, else an offset. */
long mremap_util_check_zero(const void *addr, size_t len);

/* false when no VMA contains @addr. */
bool mremap_util_vma_at(const void *addr, struct mm_vma *vma);

/* true when no VMA overlaps [addr, addr + len). */
bool mremap_util_range_unmapped(const void *addr, size_t len);

/* true when exactly one VMA covers [addr, addr + len), no more, no less. */
bool mremap_util_is_one_vma(const void *addr, size_t len);

/*
 * true when one VMA contains all of [addr, addr + len); it may extend
 * further, where the kernel merged it with a compatible neighbour.
 */
bool mremap_util_in_one_vma(const void *addr, size_t len);

/* Whether the VmFlags of the VMA containing @addr include @flag ("lo"). */
bool mremap_util_has_vmflag(const void *addr, const char *flag);

/* A field of /proc/self/status in kB ("VmLck"), -1 when absent. */
long mremap_util_status_kb(const char *field);

/*
 * Reserve @len bytes of address space aligned to @align (a power of two)
 * as one PROT_NONE mapping.  Returns MAP_FAILED on failure.
 */
void *mremap_util_reserve(size_t len, size_t align);

#endif /* MREMAP_UTIL_H */
