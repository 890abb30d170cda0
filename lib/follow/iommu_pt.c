// SPDX-License-Identifier: GPL-2.0
/* intel-iommu's page tables through its debugfs; see iommu_pt.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "follow/iommu_pt.h"
#include "kconfig.h"
#include "mm_util.h"

#define IOMMU_PT_DIR	"/sys/kernel/debug/iommu/intel"
/* Columns after the '|': PML5E, PML4E, PDPE, PDE, PTE. */
#define IOMMU_PT_COLS	5

/*
 * One leaf line of pgtable_walk_level()'s dump: its first IOVA and the
 * leaf entry, with the leaf's size from its column.  false for any
 * other line.
 */
static bool iommu_pt_parse(const char *line, uint64_t *iova, uint64_t *raw,
			   uint64_t *size)
{
	uint64_t col[IOMMU_PT_COLS] = { 0 };
	const char *p;
	char *end;
	int i, leaf = -1;

	if (strncmp(line, "0x", 2))
		return false;
	*iova = strtoull(line, &end, 16) * SZ_4K;
	p = strchr(end, '|');
	if (!p)
		return false;
	p++;
	for (i = 0; i < IOMMU_PT_COLS; i++) {
		col[i] = strtoull(p, &end, 16);
		if (end == p)
			break;
		p = end;
		if (col[i])
			leaf = i;
	}
	/* A leaf above the PDPE would be a 512 GiB page: not VT-d. */
	if (leaf < 2)
		return false;
	*raw = col[leaf];
	/* PDPE (column 2) 1 GiB, PDE 2 MiB, PTE 4 KiB. */
	*size = SZ_4K << (9 * (IOMMU_PT_COLS - 1 - leaf));
	return true;
}

/* "Device 0000:00:04.0 @0x..." or "Device 0000:00:04.0 with pasid ...". */
static bool iommu_pt_is_device(const char *line, const char *bdf)
{
	size_t len = strlen(bdf);

	return !strncmp(line, "Device ", 7) && !strncmp(line + 7, bdf, len) &&
	       line[7 + len] == ' ';
}

static FILE *iommu_pt_open(const char *bdf, char *path, size_t plen)
{
	FILE *f;

	/* 6.12+: intel_iommu_debugfs_create_dev(), one file per device. */
	snprintf(path, plen, IOMMU_PT_DIR "/%s/domain_translation_struct", bdf);
	f = fopen(path, "r");
	if (f || errno != ENOENT)
		return f;
	/* 6.1: one file for every device's domain. */
	snprintf(path, plen, IOMMU_PT_DIR "/domain_translation_struct");
	return fopen(path, "r");
}

int iommu_pt_lookup(const char *bdf, const uint64_t *iovas, int n,
		    struct iommu_pt_entry *out, char *why, size_t whylen)
{
	uint64_t iova, raw, size;
	bool per_dev, in_dev = false, seen = false;
	char path[256], line[512];
	int i, ret;
	FILE *f;

	for (i = 0; i < n; i++)
		out[i] = (struct iommu_pt_entry){ .iova = iovas[i] };
	f = iommu_pt_open(bdf, path, sizeof(path));
	if (!f) {
		ret = -errno;
		if (!kconfig_enabled("CONFIG_INTEL_IOMMU_DEBUGFS")) {
			snprintf(why, whylen, "CONFIG_INTEL_IOMMU_DEBUGFS not "
				 "set: no IOMMU page tables to read");
			return MM_SKIP;
		}
		snprintf(why, whylen, "%s: %s (CONFIG_INTEL_IOMMU_DEBUGFS=y; "
			 "debugfs mounted? device %s behind intel-iommu?)",
			 path, strerror(-ret), bdf);
		return ret;
	}
	per_dev = strcmp(path, IOMMU_PT_DIR "/domain_translation_struct");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Device ", 7)) {
			in_dev = iommu_pt_is_device(line, bdf);
			seen |= in_dev;
			continue;
		}
		if (!in_dev || !iommu_pt_parse(line, &iova, &raw, &size))
			continue;
		for (i = 0; i < n; i++) {
			if (out[i].size || iovas[i] < iova ||
			    iovas[i] - iova >= size)
				continue;
			out[i].size = size;
			out[i].raw = raw;
			out[i].phys = ((raw & IOMMU_PT_ADDR) & ~(size - 1)) +
				      (iovas[i] - iova);
		}
	}
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret) {
		snprintf(why, whylen, "reading %s failed", path);
		return ret;
	}
	if (!seen) {
		/*
		 * No "Device" line: the domain has no page table the walk
		 * follows (no context entry, a pass-through domain, or DMA
		 * remapping off: "DMA Remapping is not enabled").
		 */
		snprintf(why, whylen, "%s: no section for device %s%s", path,
			 bdf, per_dev ? "" : " in the all-devices file");
		return -ENOENT;
	}
	return 0;
}

void iommu_pt_describe(const struct iommu_pt_entry *e, char *buf, size_t len)
{
	if (!e->size) {
		snprintf(buf, len, "IOVA %#" PRIx64 " not mapped", e->iova);
		return;
	}
	snprintf(buf, len, "IOVA %#" PRIx64 ": %s leaf %#" PRIx64
		 " -> phys %#" PRIx64 ",%s%s", e->iova,
		 e->size == SZ_1G ? "1G" : e->size == SZ_2M ? "2M" : "4K",
		 e->raw, e->phys, e->raw & IOMMU_PT_READ ? " R" : "",
		 e->raw & IOMMU_PT_WRITE ? " W" : "");
}
