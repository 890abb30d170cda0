// SPDX-License-Identifier: GPL-2.0
/* PCI devices through sysfs; see pci_dev.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfnmap/pci_dev.h"

void pci_dev_strcpy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void pci_dev_path(char *path, size_t len, const char *bdf, const char *attr)
{
	snprintf(path, len, PCI_DEV_SYSFS "/%s/%s", bdf, attr);
}

unsigned long pci_dev_hex(const char *bdf, const char *attr)
{
	char path[PATH_MAX], buf[32];

	pci_dev_path(path, sizeof(path), bdf, attr);
	if (mm_read_str(path, buf, sizeof(buf)) < 0)
		return 0;
	return strtoul(buf, NULL, 16);
}

int pci_dev_bar(const char *bdf, int n, uint64_t *phys, uint64_t *size)
{
	unsigned long long start, end, flags;
	char path[PATH_MAX];
	int i, ret = -ENOENT;
	FILE *f;

	pci_dev_path(path, sizeof(path), bdf, "resource");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (i = 0; i <= n; i++) {
		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3)
			break;
		if (i == n && end > start) {
			*phys = start;
			*size = end - start + 1;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

int pci_dev_link(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	pci_dev_path(path, sizeof(path), bdf, attr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	pci_dev_strcpy(buf, len, base ? base + 1 : target);
	return 0;
}

bool pci_dev_is_ivshmem(const char *bdf)
{
	return pci_dev_hex(bdf, "vendor") == IVSHMEM_VENDOR &&
	       pci_dev_hex(bdf, "device") == IVSHMEM_DEVICE;
}
