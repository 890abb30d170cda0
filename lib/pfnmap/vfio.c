// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem BAR2 through vfio-pci: find, bind, open, mmap, restore.
 *
 * The unbind in vfio_bar_close() waits until every mmap() of the device
 * fd is gone (vfio-pci's remove blocks on the open device), so callers
 * munmap() their BAR mappings, in every process, before closing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "mm_util.h"
#include "pfnmap/pci_dev.h"
#include "pfnmap/vfio.h"

#define VFIO_DRIVER	"/sys/bus/pci/drivers/vfio-pci"
#define NOIOMMU_PARAM	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define UNSAFE_IRQ_PARAM \
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"
#define VFIO_MAX_CANDS	16

struct vfio_cand {
	char bdf[32];
	uint64_t size;
	uint64_t phys;
};

/* Read a sysfs attribute without its trailing newline: 0 or -errno. */
static int vfio_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n = mm_read_str(path, buf, len);

	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* 0 or -errno; a short write counts as done. */
static int vfio_sysfs_write(const char *path, const char *val)
{
	ssize_t n = mm_write_str(path, val);

	return n < 0 ? n : 0;
}

static int vfio_cand_cmp(const void *a, const void *b)
{
	const struct vfio_cand *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->bdf, y->bdf);
}

/* ivshmem devices with a BAR2 of at least MIN_SIZE, smallest first. */
static int vfio_find_cands(struct vfio_cand *c, int max, uint64_t min_size)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(PCI_DEV_SYSFS);
	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < max) {
		if (d->d_name[0] == '.' ||
		    !pci_dev_is_ivshmem(d->d_name))
			continue;
		if (pci_dev_bar(d->d_name, IVSHMEM_BAR, &c[n].phys,
				 &c[n].size) || c[n].size < min_size)
			continue;
		pci_dev_strcpy(c[n].bdf, sizeof(c[n].bdf), d->d_name);
		n++;
	}
	closedir(dir);
	qsort(c, n, sizeof(*c), vfio_cand_cmp);
	return n;
}

/*
 * Without an IOMMU group only vfio's no-IOMMU mode can bind the device;
 * turn it on if vfio offers it (restored on close).
 */
static int vfio_need_noiommu(struct vfio_bar *bar, char *why, size_t whylen)
{
	char val[8];
	int ret;

	if (vfio_sysfs_read(NOIOMMU_PARAM, val, sizeof(val))) {
		snprintf(why, whylen, "%s has no IOMMU group and vfio has no "
			 "no-IOMMU mode (CONFIG_VFIO_NOIOMMU)", bar->bdf);
		return MM_SKIP;
	}
	bar->noiommu = true;
	if (val[0] == 'Y' || val[0] == '1')
		return 0;
	ret = vfio_sysfs_write(NOIOMMU_PARAM, "Y");
	if (ret) {
		snprintf(why, whylen, "enabling %s: %s", NOIOMMU_PARAM,
			 strerror(-ret));
		return ret;
	}
	bar->noiommu_enabled_by_us = true;
	return 0;
}

int vfio_pci_binding(const char *bdf, char *driver, size_t dlen,
		     char *override, size_t olen)
{
	char path[PATH_MAX];
	int ret;

	ret = pci_dev_link(bdf, "driver", driver, dlen);
	if (ret && ret != -ENOENT)
		return ret;
	pci_dev_path(path, sizeof(path), bdf, "driver_override");
	ret = vfio_sysfs_read(path, override, olen);
	if (ret)
		return ret;
	if (!strcmp(override, "(null)"))
		override[0] = '\0';
	return 0;
}

/* Point the device at vfio-pci, remembering what to restore. */
static int vfio_bind(struct vfio_bar *bar, char *why, size_t whylen)
{
	char path[PATH_MAX], drv[64];
	int ret;

	ret = vfio_pci_binding(bar->bdf, bar->prev_driver,
			       sizeof(bar->prev_driver), bar->prev_override,
			       sizeof(bar->prev_override));
	if (ret) {
		snprintf(why, whylen, "reading the driver binding of %s: %s",
			 bar->bdf, strerror(-ret));
		return ret;
	}
	if (!strcmp(bar->prev_driver, "vfio-pci"))
		return 0;
	pci_dev_path(path, sizeof(path), bar->bdf, "driver_override");
	bar->bound_by_us = true;
	ret = vfio_sysfs_write(path, "vfio-pci");
	if (!ret && bar->prev_driver[0]) {
		pci_dev_path(path, sizeof(path), bar->bdf, "driver/unbind");
		ret = vfio_sysfs_write(path, bar->bdf);
	}
	if (!ret)
		ret = vfio_sysfs_write("/sys/bus/pci/drivers_probe", bar->bdf);
	pci_dev_link(bar->bdf, "driver", drv, sizeof(drv));
	if (!ret && strcmp(drv, "vfio-pci"))
		ret = -ENODEV;
	if (ret)
		snprintf(why, whylen, "binding %s to vfio-pci (was \"%s\"): %s",
			 bar->bdf, bar->prev_driver, strerror(-ret));
	return ret;
}

static int vfio_open_group(struct vfio_bar *bar, char *why, size_t whylen)
{
	char group[32], path[64];
	int ret;

	ret = pci_dev_link(bar->bdf, "iommu_group", group, sizeof(group));
	if (ret) {
		snprintf(why, whylen, "%s has no iommu_group after binding",
			 bar->bdf);
		return ret;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s%s",
		 bar->noiommu ? "noiommu-" : "", group);
	bar->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (bar->group_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "open %s: %s", path, strerror(-ret));
		return ret;
	}
	return 0;
}

/* The IOMMU model this container offers, or 0. */
static int vfio_iommu_type(const struct vfio_bar *bar)
{
	if (bar->noiommu)
		return ioctl(bar->container_fd, VFIO_CHECK_EXTENSION,
			     VFIO_NOIOMMU_IOMMU) > 0 ? VFIO_NOIOMMU_IOMMU : 0;
	if (ioctl(bar->container_fd, VFIO_CHECK_EXTENSION,
		  VFIO_TYPE1v2_IOMMU) > 0)
		return VFIO_TYPE1v2_IOMMU;
	if (ioctl(bar->container_fd, VFIO_CHECK_EXTENSION,
		  VFIO_TYPE1_IOMMU) > 0)
		return VFIO_TYPE1_IOMMU;
	return 0;
}

/*
 * type1 refuses an IOMMU without interrupt remapping (a guest kernel
 * without CONFIG_IRQ_REMAP) unless told the interrupts may be unsafe.
 * The tests use no device interrupts, so say so for the one attach, and
 * put the knob back at once: it is read only when a group attaches.
 */
static int vfio_set_iommu(struct vfio_bar *bar, int type)
{
	char val[8];
	int ret, err;

	ret = ioctl(bar->container_fd, VFIO_SET_IOMMU, type);
	if (!ret || errno != EPERM || bar->noiommu ||
	    vfio_sysfs_read(UNSAFE_IRQ_PARAM, val, sizeof(val)) ||
	    val[0] != 'N' || vfio_sysfs_write(UNSAFE_IRQ_PARAM, "Y")) {
		return ret;
	}
	ret = ioctl(bar->container_fd, VFIO_SET_IOMMU, type);
	err = errno;
	vfio_sysfs_write(UNSAFE_IRQ_PARAM, "N");
	errno = err;
	return ret;
}

static int vfio_setup_container(struct vfio_bar *bar, char *why,
				size_t whylen)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int type, ret;

	bar->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (bar->container_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "open /dev/vfio/vfio: %s",
			 strerror(-ret));
		return ret == -ENOENT ? MM_SKIP : ret;
	}
	if (ioctl(bar->container_fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		snprintf(why, whylen, "unknown vfio API version");
		return MM_SKIP;
	}
	if (ioctl(bar->group_fd, VFIO_GROUP_GET_STATUS, &status)) {
		ret = -errno;
		snprintf(why, whylen, "VFIO_GROUP_GET_STATUS: %s",
			 strerror(-ret));
		return ret;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		snprintf(why, whylen, "iommu group of %s is not viable "
			 "(another device in it has a host driver)", bar->bdf);
		return MM_SKIP;
	}
	if (ioctl(bar->group_fd, VFIO_GROUP_SET_CONTAINER, &bar->container_fd)) {
		ret = -errno;
		snprintf(why, whylen, "VFIO_GROUP_SET_CONTAINER: %s",
			 strerror(-ret));
		return ret;
	}
	type = vfio_iommu_type(bar);
	if (!type) {
		snprintf(why, whylen, "vfio container offers no %s IOMMU model",
			 bar->noiommu ? "no-IOMMU" : "type1");
		return MM_SKIP;
	}
	if (vfio_set_iommu(bar, type)) {
		ret = -errno;
		snprintf(why, whylen, "VFIO_SET_IOMMU(%d): %s", type,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

static int vfio_open_device(struct vfio_bar *bar, char *why, size_t whylen)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	int ret;

	bar->device_fd = ioctl(bar->group_fd, VFIO_GROUP_GET_DEVICE_FD,
			       bar->bdf);
	if (bar->device_fd < 0) {
		ret = -errno;
		snprintf(why, whylen, "VFIO_GROUP_GET_DEVICE_FD(%s): %s",
			 bar->bdf, strerror(-ret));
		return ret;
	}
	if (ioctl(bar->device_fd, VFIO_DEVICE_GET_REGION_INFO, &info)) {
		ret = -errno;
		snprintf(why, whylen, "VFIO_DEVICE_GET_REGION_INFO(BAR2): %s",
			 strerror(-ret));
		return ret;
	}
	if (!(info.flags & VFIO_REGION_INFO_FLAG_MMAP) || info.size < bar->size) {
		snprintf(why, whylen, "vfio BAR2 region of %s: flags 0x%x, "
			 "size 0x%llx, sysfs size 0x%llx", bar->bdf, info.flags,
			 (unsigned long long)info.size,
			 (unsigned long long)bar->size);
		return -EINVAL;
	}
	bar->region_offset = info.offset;
	return 0;
}

/* A device left bound in no-IOMMU mode has vfio's fake group. */
static bool vfio_group_is_noiommu(const char *group)
{
	char path[PATH_MAX], name[32];

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/name", group);
	return !vfio_sysfs_read(path, name, sizeof(name)) &&
	       !strcmp(name, "vfio-noiommu");
}

static int vfio_open_cand(struct vfio_bar *bar, const struct vfio_cand *c,
			  char *why, size_t whylen)
{
	char group[32];
	int ret;

	memset(bar, 0, sizeof(*bar));
	bar->container_fd = bar->group_fd = bar->device_fd = -1;
	bar->owner = getpid();
	pci_dev_strcpy(bar->bdf, sizeof(bar->bdf), c->bdf);
	bar->size = c->size;
	bar->phys = c->phys;

	if (pci_dev_link(bar->bdf, "iommu_group", group, sizeof(group))) {
		ret = vfio_need_noiommu(bar, why, whylen);
		if (ret)
			return ret;
	} else {
		bar->noiommu = vfio_group_is_noiommu(group);
	}
	ret = vfio_bind(bar, why, whylen);
	if (!ret)
		ret = vfio_open_group(bar, why, whylen);
	if (!ret)
		ret = vfio_setup_container(bar, why, whylen);
	if (!ret)
		ret = vfio_open_device(bar, why, whylen);
	return ret;
}

int vfio_bar_open(struct vfio_bar *bar, uint64_t min_size, char *why,
		  size_t whylen)
{
	struct vfio_cand cands[VFIO_MAX_CANDS];
	int i, n, ret = MM_SKIP;

	/* Whatever happens, vfio_bar_close() on it is safe afterwards. */
	memset(bar, 0, sizeof(*bar));
	bar->container_fd = bar->group_fd = bar->device_fd = -1;
	bar->owner = getpid();
	n = vfio_find_cands(cands, VFIO_MAX_CANDS, min_size);
	snprintf(why, whylen, "no ivshmem device (%04x:%04x) with a BAR%d of "
		 "at least %llu MiB", IVSHMEM_VENDOR, IVSHMEM_DEVICE,
		 IVSHMEM_BAR, (unsigned long long)(min_size >> 20));
	if (!n)
		return MM_SKIP;
	if (geteuid()) {
		snprintf(why, whylen, "binding a device to vfio-pci needs root");
		return MM_SKIP;
	}
	if (access(VFIO_DRIVER, F_OK)) {
		snprintf(why, whylen, "no vfio-pci driver (CONFIG_VFIO_PCI)");
		return MM_SKIP;
	}
	for (i = 0; i < n; i++) {
		ret = vfio_open_cand(bar, &cands[i], why, whylen);
		if (!ret)
			return 0;
		vfio_bar_close(bar);
		/* Its group is open already (in this process or another). */
		if (ret != -EBUSY)
			break;
	}
	return ret;
}

static void vfio_restore(struct vfio_bar *bar)
{
	char path[PATH_MAX];

	if (bar->bound_by_us) {
		vfio_sysfs_write(VFIO_DRIVER "/unbind", bar->bdf);
		pci_dev_path(path, sizeof(path), bar->bdf, "driver_override");
		/* A lone newline clears the override. */
		vfio_sysfs_write(path, bar->prev_override[0] ?
				 bar->prev_override : "\n");
		if (bar->prev_driver[0]) {
			snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind",
				 bar->prev_driver);
			vfio_sysfs_write(path, bar->bdf);
		}
		bar->bound_by_us = false;
	}
	if (bar->noiommu_enabled_by_us) {
		vfio_sysfs_write(NOIOMMU_PARAM, "N");
		bar->noiommu_enabled_by_us = false;
	}
}

void vfio_bar_close(struct vfio_bar *bar)
{
	if (bar->device_fd >= 0)
		close(bar->device_fd);
	if (bar->group_fd >= 0)
		close(bar->group_fd);
	if (bar->container_fd >= 0)
		close(bar->container_fd);
	bar->device_fd = bar->group_fd = bar->container_fd = -1;
	if (bar->owner == getpid())
		vfio_restore(bar);
}

void *vfio_bar_map(const struct vfio_bar *bar, uint64_t off, size_t len,
		   size_t align, size_t skew)
{
	if (!align || (align & (align - 1)) || skew >= align) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return mm_mmap_at(bar->device_fd, bar->region_offset + off, len,
			  PROT_READ | PROT_WRITE, MAP_SHARED, align, skew);
}

ssize_t vfio_bar_pread(const struct vfio_bar *bar, void *buf, size_t len,
		       uint64_t off)
{
	return pread(bar->device_fd, buf, len, bar->region_offset + off);
}

ssize_t vfio_bar_pwrite(const struct vfio_bar *bar, const void *buf,
			size_t len, uint64_t off)
{
	return pwrite(bar->device_fd, buf, len, bar->region_offset + off);
}
