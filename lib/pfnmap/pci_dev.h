/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI devices through sysfs (/sys/bus/pci/devices/<bdf>/...), as the two
 * BAR providers (vfio.c, devmem.c) need them: the ivshmem device the VM
 * gives, its attributes, its BARs and its driver.
 */
#ifndef MM_PCI_DEV_H
#define MM_PCI_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm_util.h"

#define PCI_DEV_SYSFS	"/sys/bus/pci/devices"

/* QEMU's ivshmem-plain: BAR2 is its shared memory (docs/specs/ivshmem-spec). */
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define IVSHMEM_BAR	2

/* Copy @src into @dst of @len bytes, truncated and NUL-terminated. */
void pci_dev_strcpy(char *dst, size_t len, const char *src);

/* @path = PCI_DEV_SYSFS/@bdf/@attr. */
void pci_dev_path(char *path, size_t len, const char *bdf, const char *attr);

/* A hex attribute ("vendor", "device"); 0 when it cannot be read. */
unsigned long pci_dev_hex(const char *bdf, const char *attr);

/*
 * BAR @n from the device's "resource" file (one BAR a line): 0 with
 * @phys and @size set, -ENOENT when the BAR is absent, or -errno.
 */
int pci_dev_bar(const char *bdf, int n, uint64_t *phys, uint64_t *size);

/*
 * Basename of the device's symlink @attr ("driver", "iommu_group") into
 * @buf: 0, or -errno with @buf set to "" (no driver bound: -ENOENT).
 */
int pci_dev_link(const char *bdf, const char *attr, char *buf, size_t len);

/* true when @bdf is an ivshmem device (IVSHMEM_VENDOR:IVSHMEM_DEVICE). */
bool pci_dev_is_ivshmem(const char *bdf);

#endif /* MM_PCI_DEV_H */
