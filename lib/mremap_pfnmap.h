/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One face for the pfnmap providers the mremap tests use: the
 * mmconf_pfnmap test module (lib/pfnmap_kmod.h: PTE, PMD or PUD entries,
 * as asked) and an ivshmem BAR through vfio-pci (lib/vfio.h: PMD or PUD
 * entries where the address allows, PTE under MADV_NOHUGEPAGE).  Levels
 * are enum mmconf_level (PTE 1, PMD 2, PUD 3, NONE 0 for not mapped),
 * read from the module's page-table walk or from ptdump.
 */
#ifndef MREMAP_PFNMAP_H
#define MREMAP_PFNMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfnmap_kmod.h"
#include "vfio.h"

enum mpf_provider {
	MPF_KMOD,
	MPF_VFIO,
};

struct mpf {
	enum mpf_provider provider;
	unsigned int level;	/* what mappings are made for */
	struct pfnmap_kmod km;
	struct vfio_bar bar;
	bool open;
	uint64_t size;		/* bytes of pfn range the provider offers */
};

/* mpf_open(): the kernel, the module or the machine lacks something. */
#define MPF_SKIP	1

/*
 * Open @provider for mappings at @level of at least @min_size bytes.
 * Returns 0, MPF_SKIP (the kernel does not claim the level, the device or
 * module is absent, no page-table oracle; reason in @why) or -errno.
 */
int mpf_open(struct mpf *p, enum mpf_provider provider, unsigned int level,
	     uint64_t min_size, char *why, size_t whylen);

/* Close what mpf_open() opened; unmap every mapping of it first. */
void mpf_close(struct mpf *p);

/*
 * Map the first @len bytes, shared and read-write, at an address @skew
 * past a multiple of @align.  MAP_FAILED with errno on failure.
 */
void *mpf_map(struct mpf *p, size_t len, size_t align, size_t skew);

/* enum mmconf_level of the entry mapping @addr now, or -errno. */
int mpf_level(struct mpf *p, const void *addr);

/* Read @len bytes at offset @off of the pfn range, not through a mapping. */
int mpf_read(struct mpf *p, uint64_t off, void *buf, size_t len);

const char *mpf_name(enum mpf_provider provider);

#endif /* MREMAP_PFNMAP_H */
