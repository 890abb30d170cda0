/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A huge pfnmap provider: BAR2 of an ivshmem-plain PCI device (vendor
 * 0x1af4, device 0x1110; a RAM-backed, 64-bit prefetchable, naturally
 * aligned BAR), bound to vfio-pci and mmap()ed through the vfio device
 * fd.  vfio-pci's huge_fault maps it with PMD/PUD entries where the
 * address, the pfn and the VMA allow it (6.12+).
 *
 * vfio_bar_open() binds the device to vfio-pci and opens it;
 * vfio_bar_close() undoes all of it, restoring the previous driver and
 * driver_override.  Both belong to the process that opened: a forked
 * child keeps the fds and mappings, and its vfio_bar_close() only closes
 * its own fds.
 */
#ifndef MM_VFIO_H
#define MM_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mm_util.h"

struct vfio_bar {
	char bdf[32];			/* "0000:00:04.0" */
	uint64_t size;			/* BAR size */
	uint64_t phys;			/* BAR bus address (for alignment) */
	uint64_t region_offset;		/* of the BAR in the device fd */
	int container_fd;
	int group_fd;
	int device_fd;
	bool noiommu;			/* vfio no-IOMMU mode (taints) */
	/* What vfio_bar_close() restores. */
	pid_t owner;
	bool bound_by_us;
	bool noiommu_enabled_by_us;
	char prev_driver[64];		/* "" when none was bound */
	char prev_override[64];		/* "" when "(null)" */
};

/*
 * Bind the ivshmem device with the smallest BAR2 of at least MIN_SIZE
 * bytes to vfio-pci and open it.  0 on success; MM_SKIP when the
 * environment lacks something (WHY says what: a SKIP); -errno when a
 * step that should work failed (WHY says which: a FAIL); on failure
 * nothing is left bound or open, and vfio_bar_close() is a no-op.  Devices
 * whose group is already open (EBUSY) are passed over, so a test may open
 * two.
 */
int vfio_bar_open(struct vfio_bar *bar, uint64_t min_size, char *why,
		  size_t whylen);

/* Close the fds and, in the opening process, restore the binding. */
void vfio_bar_close(struct vfio_bar *bar);

/*
 * mmap() [off, off + len) of the BAR, shared and read-write, at an
 * address congruent to SKEW modulo ALIGN (ALIGN a power of two, SKEW a
 * multiple of the page size below ALIGN): SKEW 0 gives an ALIGN-aligned
 * address; ALIGN 1 GiB with SKEW 2 MiB gives one that is 2 MiB- but not
 * 1 GiB-aligned.  Returns the address or MAP_FAILED with errno set.
 */
void *vfio_bar_map(const struct vfio_bar *bar, uint64_t off, size_t len,
		   size_t align, size_t skew);

/*
 * A PCI device's current driver ("" when none) and driver_override (""
 * when unset): what vfio_bar_close() must leave as it found.  0 or -errno.
 */
int vfio_pci_binding(const char *bdf, char *driver, size_t dlen,
		     char *override, size_t olen);

/* pread()/pwrite() of the BAR through the vfio device fd (not mmap). */
ssize_t vfio_bar_pread(const struct vfio_bar *bar, void *buf, size_t len,
		       uint64_t off);
ssize_t vfio_bar_pwrite(const struct vfio_bar *bar, const void *buf,
			size_t len, uint64_t off);

#endif /* MM_VFIO_H */
