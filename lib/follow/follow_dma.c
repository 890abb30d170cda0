// SPDX-License-Identifier: GPL-2.0
/* vfio type1 MAP_DMA/UNMAP_DMA; see follow_dma.h. */
#include <errno.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "follow/follow_dma.h"

int follow_dma_map_prot(int container_fd, const void *vaddr, uint64_t iova,
			uint64_t size, bool device_writes)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ |
			 (device_writes ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	return ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

int follow_dma_map(int container_fd, const void *vaddr, uint64_t iova,
		   uint64_t size)
{
	return follow_dma_map_prot(container_fd, vaddr, iova, size, true);
}

int follow_dma_unmap(int container_fd, uint64_t iova, uint64_t size,
		     uint64_t *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	*unmapped = 0;
	if (ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	*unmapped = unmap.size;
	return 0;
}
