/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 PAT for the pfnmap-follow tests: which memory type a page-table
 * entry's cache bits select, and which one x86 PAT tracks for a physical
 * range (pat_memtype_list, or lookup_memtype()'s defaults).
 *
 * An entry's PAT index is PWT (bit 3) | PCD (bit 4) << 1 | PAT << 2, the
 * PAT bit being bit 7 in a PTE and bit 12 in a PMD/PUD leaf
 * (_PAGE_PAT_LARGE); the PAT MSR maps the index to a type.  The kernel
 * logs that mapping at boot (init_cache_modes(): "x86/PAT: Configuration
 * [0-7]: WB  WC  UC- UC  WB  WP  UC- WT"); pat_bp_init() programs that
 * very layout on every CPU with PAT, the fallback when the line has left
 * the log.  Types use the boot line's short names: WB WC UC- UC WT WP.
 * Nothing here exits; 0 or -errno.
 */
#ifndef MM_FOLLOW_PAT_H
#define MM_FOLLOW_PAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnmap/pfnmap_provider.h"

struct follow_pat {
	char type[8][4];	/* PAT index -> "WB", "UC-"... */
	bool from_log;		/* read from the boot line, not assumed */
};

/* The PAT layout: from the kernel log, else pat_bp_init()'s. */
void follow_pat_config(struct follow_pat *pat);

/* The type the cache bits of raw entry ENTRY at LEVEL select. */
const char *follow_pat_entry_type(const struct follow_pat *pat,
				  uint64_t entry, unsigned int level);

/* pat_memtype_list's cattr_name() ("uncached-minus") as "UC-"; NULL if unknown. */
const char *follow_pat_short(const char *cattr);

/*
 * The type x86 PAT gives physical page PHYS (lookup_memtype()): the
 * pat_memtype_list entry over it, else WB for RAM (RAM is an ordinary
 * page's memtype, WB unless set_memory_*() changed it) and UC- for
 * anything else.  0 with TYPE set; -errno when the list is unreadable.
 */
int follow_pat_tracked(uint64_t phys, bool ram, const char **type);

/* Raw entry and level mapping ADDR (the module's oracle); 0 or -errno. */
int follow_raw_entry(struct pfnmap *pm, const void *addr, uint64_t *entry,
		     unsigned int *level);

/*
 * The module's MMCONF_IOC_SET_MEMTYPE through its fd KMOD_FD: region
 * bytes [off, off + len) become MMCONF_MEMTYPE_* TYPE.  0 or -errno.
 */
int follow_pat_set_ram(int kmod_fd, uint64_t off, uint64_t len,
		       unsigned int type);

#endif /* MM_FOLLOW_PAT_H */
