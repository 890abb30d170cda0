/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One call for a VM_PFNMAP mapping from any provider, at a chosen level:
 *
 *   kmod      the mmconf_pfnmap test module (RAM with struct pages):
 *             MAP_SHARED through huge_fault, PTE/PMD/PUD up to the level
 *             asked; MAP_PRIVATE a COW pfnmap by remap_pfn_range(), PTEs
 *   prepare   the module's f_op->mmap_prepare node (kernels that have it):
 *             remapped by the core at mmap time, PTEs, shared or private
 *   vfio      BAR2 of an ivshmem device bound to vfio-pci: huge_fault at
 *             the largest level the address allows; shared only (vfio
 *             refuses MAP_PRIVATE); PTEs through MADV_NOHUGEPAGE
 *   devmem    an unclaimed ivshmem BAR2 through /dev/mem: remap_pfn_range,
 *             PTEs, shared or private (lib/pfnmap/devmem.h)
 *
 * The mapping is placed so the asked level is possible: its address is
 * congruent to its physical address modulo the level's entry size (and,
 * for vfio, which maps as large as it can, not modulo the next larger
 * one).  A SKEW moves it off that on purpose.
 *
 * Beside the mapping come an oracle (the module's page-table walk when the
 * module is loaded, else ptdump, which cannot tell special/dirty/young/pfn)
 * and a second data path to the same pfns that is not this mapping: the
 * module's read/write ioctls (direct map), vfio pread/pwrite (the kernel's
 * own ioremap of the BAR), or a second /dev/mem mapping.
 *
 * Levels are enum mmconf_level (NONE 0, PTE 1, PMD 2, PUD 3).  The
 * providers live in pfnmap_provider.c, the oracle and the entry checks in
 * pfnmap_oracle.c.
 */
#ifndef MM_PFNMAP_PROVIDER_H
#define MM_PFNMAP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mm_util.h"
#include "pfnmap/devmem.h"
#include "pfnmap/pfnmap_kmod_ioctl.h"
#include "pfnmap/ptdump.h"
#include "pfnmap/vfio.h"

enum pfnmap_provider {
	PFNMAP_KMOD,
	PFNMAP_PREPARE,
	PFNMAP_VFIO,
	PFNMAP_DEVMEM,
	PFNMAP_NR_PROVIDERS
};

struct pfnmap_req {
	enum pfnmap_provider provider;
	unsigned int level;	/* largest entries wanted (MMCONF_LEVEL_*) */
	bool shared;		/* MAP_SHARED, else MAP_PRIVATE */
	int prot;		/* PROT_READ, optionally | PROT_WRITE */
	uint64_t off;		/* byte offset in the provider's pfn range */
	uint64_t len;
	uint64_t skew;		/* bytes past the placement LEVEL needs */
};

struct pfnmap {
	struct pfnmap_req req;
	char *addr;		/* MAP_FAILED until mapped */
	uint64_t phys;		/* physical address behind addr[0] */
	unsigned int cap;	/* largest level this mapping may get */
	const char *path;	/* what pfnmap_read/write go through */
	int qfd;		/* module fd for the oracle; -1: ptdump */
	pid_t owner;		/* only the opener unbinds and unmaps */
	struct pfnmap_kmod km;
	struct vfio_bar bar;
	struct devmem_bar dm;
	bool km_open, bar_open, dm_open;
};

/* What the oracle saw at one address. */
struct pfnmap_entry {
	unsigned int level;	/* MMCONF_LEVEL_*; NONE: nothing mapped */
	unsigned int flags;	/* MMCONF_PT_* */
	unsigned int known;	/* the MMCONF_PT_* bits this oracle can tell */
	bool pfn_known;
	uint64_t pfn;
};

const char *pfnmap_provider_name(enum pfnmap_provider provider);

/*
 * Does the kernel claim pfnmaps of LEVEL (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP,
 * _PUD_PFNMAP in /proc/config.gz; PTE always)?  1 yes, 0 no (WHY says so:
 * a SKIP), -errno when the config cannot be read (WHY says so: a SKIP too,
 * as the kernel then makes no claim either way).
 */
int pfnmap_claims_huge(unsigned int level, char *why, size_t whylen);

/*
 * Open REQ's provider and map.  0; MM_SKIP with WHY when the kernel
 * does not claim the level or the provider's module, device or config is
 * absent; -errno with WHY when something that should work did not (an
 * mmap() the provider refuses returns that mmap errno, e.g. -EINVAL for
 * a private vfio mapping).  pfnmap_put() afterwards in every case.
 */
int pfnmap_get(struct pfnmap *pm, const struct pfnmap_req *req, char *why,
	       size_t whylen);

/* Unmap all of [addr, addr + len) (holes are fine), close, rebind. */
void pfnmap_put(struct pfnmap *pm);

/* Byte size of one entry of LEVEL: 4 KiB, 2 MiB, 1 GiB on x86_64. */
uint64_t pfnmap_level_size(unsigned int level);
const char *pfnmap_level_name(unsigned int level);

/*
 * The level the entry mapping ADDR should have once faulted, when the VMA
 * holding it is [VMA_START, VMA_END): the largest level up to pm->cap
 * whose aligned block lies inside the VMA and maps an aligned pfn.
 */
unsigned int pfnmap_fit_level(const struct pfnmap *pm, uintptr_t vma_start,
			      uintptr_t vma_end, const void *addr);

/* Expected pfn behind ADDR (shared, or a private page not yet written). */
uint64_t pfnmap_pfn(const struct pfnmap *pm, const void *addr);

/*
 * The oracle: the entries mapping ADDRS[0..N) now, read in one go (one
 * ptdump snapshot).  0 or -errno.  pfnmap_level(): just the level, or
 * -errno.
 */
int pfnmap_query(struct pfnmap *pm, const void *const *addrs, int n,
		 struct pfnmap_entry *out);
int pfnmap_level(struct pfnmap *pm, const void *addr);
/* "PMD present write special pfn 0x..." (unknown bits as '?'). */
void pfnmap_describe(const struct pfnmap_entry *e, char *buf, size_t len);

/*
 * Check the entries of mapping offsets [off, end), which lie in the VMA
 * [vma_start, vma_end): the first and last page of every entry that
 * pfnmap_fit_level() predicts, and the sample pages in the range, must be
 * present at the predicted level, map pfnmap_pfn() and have the MMCONF_PT_*
 * bits WANT within MASK (bits and pfns the oracle cannot tell are not
 * checked).  0; -1 with WHY describing the first entry that is not;
 * -errno (WHY says) when the oracle fails.
 */
int pfnmap_check_entries(struct pfnmap *pm, uint64_t off, uint64_t end,
			 uintptr_t vma_start, uintptr_t vma_end,
			 unsigned int want, unsigned int mask, char *why,
			 size_t whylen);

/* Mapping offset OFF through the second path, not through any mapping. */
int pfnmap_read(struct pfnmap *pm, uint64_t off, void *buf, size_t len);
int pfnmap_write(struct pfnmap *pm, uint64_t off, const void *buf,
		 size_t len);

/*
 * Per-page patterns (pfnmap_kmod_value(), keyed by the page's index in
 * the pfn range, so any mapping of the same pfns agrees).  PAGES lists
 * mapping page indices; NULL means 0 .. N-1.  Checks return -1 or the
 * first page that differs; a second-path error counts as a difference.
 */
void pfnmap_fill_map(struct pfnmap *pm, uint64_t seed, const uint64_t *pages,
		     int n);
int64_t pfnmap_check_map(const struct pfnmap *pm, uint64_t seed,
			 const uint64_t *pages, int n);
int pfnmap_fill_path(struct pfnmap *pm, uint64_t seed, const uint64_t *pages,
		     int n);
int64_t pfnmap_check_path(struct pfnmap *pm, uint64_t seed,
			  const uint64_t *pages, int n);

/* Sample pages of the mapping (pfnmap_kmod_samples()); returns how many. */
int pfnmap_samples(const struct pfnmap *pm, uint64_t *out);

/*
 * Read (or write, keeping the byte) one byte per entry of [off, end) at
 * the level pfnmap_fit_level() gives for VMA [vma_start, vma_end), so
 * each fault maps one whole entry.  Returns the number of entries.
 */
uint64_t pfnmap_touch(struct pfnmap *pm, uint64_t off, uint64_t end,
		      uintptr_t vma_start, uintptr_t vma_end, bool write);

/* Does a write (read) of the byte at P raise SIGSEGV or SIGBUS? */
bool pfnmap_write_faults(volatile char *p);
bool pfnmap_read_faults(const volatile char *p);

#endif /* MM_PFNMAP_PROVIDER_H */
