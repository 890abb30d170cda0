/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IOMMU oracle: what intel-iommu's second-level page tables map an
 * IOVA to, read back from its debugfs (CONFIG_INTEL_IOMMU_DEBUGFS), so a
 * test can check that VFIO_IOMMU_MAP_DMA of a pfnmap programmed the
 * device's domain with the pfns follow_fault_pfn() found, not only that
 * the ioctl returned 0.
 *
 * drivers/iommu/intel/debugfs.c walks the domain (pgtable_walk_level())
 * and prints one line per present leaf (dump_page_info()):
 *
 *   0x<IOVA_PFN, 13 digits> |\t<PML5E>\t<PML4E>\t<PDPE>[\t<PDE>[\t<PTE>]]
 *
 * the raw entries on the way down to the leaf, the leaf the last.  Per
 * kernel:
 *   6.1   one file, iommu/intel/domain_translation_struct, every PCI
 *         device's domain in turn (the first device of each group), a
 *         "Device 0000:00:04.0 @0x<pgd>" line before each; all five
 *         columns always, 0 below the leaf
 *   6.12+ one file per device, iommu/intel/<bdf>/domain_translation_struct
 *         (intel_iommu_debugfs_create_dev()), "Device 0000:00:04.0 @0x..."
 *         ("... with pasid 0 @0x..." in scalable mode); the PDE and PTE
 *         columns only when the walk reached them
 * Both are read the same way: the leaf is the last non-zero column, its
 * level is its column (PDPE 1 GiB, PDE 2 MiB, PTE 4 KiB).
 *
 * Nothing here exits or asserts.
 */
#ifndef MM_IOMMU_PT_H
#define MM_IOMMU_PT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* VT-d second-level entry bits (VT-d spec 9.8, intel-iommu.h DMA_PTE_*). */
#define IOMMU_PT_READ		(1ULL << 0)
#define IOMMU_PT_WRITE		(1ULL << 1)
#define IOMMU_PT_LARGE		(1ULL << 7)
#define IOMMU_PT_ADDR		0x000ffffffffff000ULL

/* The leaf that maps one IOVA. */
struct iommu_pt_entry {
	uint64_t iova;		/* the IOVA asked for */
	uint64_t size;		/* the leaf's size; 0: nothing maps iova */
	uint64_t raw;		/* the leaf entry as debugfs shows it */
	uint64_t phys;		/* the physical address iova maps to */
};

/*
 * Look IOVAS[0..N) up in the domain of PCI device BDF ("0000:00:04.0")
 * in one read of its domain_translation_struct.  Every OUT[i] is filled:
 * size 0 when no leaf maps the IOVA.  0 when the file was read (whether
 * or not each IOVA is mapped); MM_SKIP with WHY when the kernel does not
 * claim CONFIG_INTEL_IOMMU_DEBUGFS; -errno with WHY when it does and the
 * file or the device's section cannot be read.
 */
int iommu_pt_lookup(const char *bdf, const uint64_t *iovas, int n,
		    struct iommu_pt_entry *out, char *why, size_t whylen);

/* "2M leaf 0x...: phys 0x..., R W" or "not mapped". */
void iommu_pt_describe(const struct iommu_pt_entry *e, char *buf,
		       size_t len);

#endif /* MM_IOMMU_PT_H */
