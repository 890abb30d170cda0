/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio type1 DMA mappings of user memory, for the pfnmap-follow tests:
 * VFIO_IOMMU_MAP_DMA of a pfnmap address reaches vaddr_get_pfns(), whose
 * pin_user_pages_remote() refuses VM_PFNMAP, so follow_fault_pfn() ->
 * follow_pfnmap_start() gives the pfn (fixup_user_fault() first when
 * nothing is mapped), and only pfns without a usable struct page
 * (is_invalid_reserved_pfn(): a BAR) are accepted; RAM behind a pfnmap
 * is refused with EFAULT.  Both return 0 or -errno.
 */
#ifndef MM_FOLLOW_DMA_H
#define MM_FOLLOW_DMA_H

#include <stdbool.h>
#include <stdint.h>

/*
 * VFIO_IOMMU_MAP_DMA of [vaddr, vaddr + size) at IOVA, which the device
 * may read (VFIO_DMA_MAP_FLAG_READ) and, with DEVICE_WRITES, write: the
 * pfns are then followed for a write (follow_fault_pfn() refuses an
 * entry that is not writable, fixup_user_fault() a VMA that is not).
 */
int follow_dma_map_prot(int container_fd, const void *vaddr, uint64_t iova,
			uint64_t size, bool device_writes);

/* follow_dma_map_prot(), read and write. */
int follow_dma_map(int container_fd, const void *vaddr, uint64_t iova,
		   uint64_t size);

/* VFIO_IOMMU_UNMAP_DMA of [iova, iova + size); *UNMAPPED: bytes unmapped. */
int follow_dma_unmap(int container_fd, uint64_t iova, uint64_t size,
		     uint64_t *unmapped);

#endif /* MM_FOLLOW_DMA_H */
