// SPDX-License-Identifier: GPL-2.0
/*
 * vfio type1 VFIO_IOMMU_MAP_DMA of pfnmap addresses, for every provider
 * and level (lib/pfnmap/pfnmap_provider.h; lib/follow/follow_dma.h says how the kernel
 * resolves them).
 *
 * What the kernel must do: a BAR mapping (vfio-pci's own, at PTE, PMD
 * and PUD level, or /dev/mem's) maps, whole or in part, at any page
 * aligned vaddr/iova/size; UNMAP_DMA reports the bytes mapped; the
 * mapping's entries the map faulted in (fixup_user_fault()) are at the
 * level the mapping allows, with the right pfn.  Misalignment by a byte
 * (vfio_dma_do_map(): (size | iova | vaddr) & (pgsize - 1)) is EINVAL,
 * and a range one page past the VMA is EFAULT with nothing left mapped.
 * RAM with struct pages behind a pfnmap (the module) is refused, EFAULT,
 * at every level: vaddr_get_pfns() accepts only
 * is_invalid_reserved_pfn() pfns.  A read-only mapping may be mapped for
 * the device to read, and is EFAULT for it to write.
 *
 * A container is needed: vfio's own (the BAR's device is also the DMA
 * target), else a second ivshmem device opened through lib/pfnmap/vfio.h (for
 * /dev/mem, the other device than the one whose BAR /dev/mem maps).
 *
 * And the IOMMU really maps those pfns: intel-iommu's page tables, read
 * back through its debugfs (lib/follow/iommu_pt.h), translate every
 * sampled IOVA to the physical address the mapping has at that offset.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "follow/follow_dma.h"
#include "follow/follow_util.h"
#include "follow/iommu_pt.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"
#include "pfnmap/vfio.h"

#define RW		(PROT_READ | PROT_WRITE)
#define IOVA		(4 * SZ_1G)	/* clear of the MSI window */

FIXTURE(dma) {
	struct pfnmap pm;
	bool got;
	struct vfio_bar dev;	/* the DMA device when not pm's own */
	bool dev_open;
	int cfd;		/* the container MAP_DMA goes to */
	const char *bdf;	/* the device whose domain that is */
	bool accepted;		/* the kernel takes these pfns for DMA */
};

FIXTURE_VARIANT(dma) {
	struct pfnmap_req req;
};

#define DMP(_p, _l, _len, _prot)					\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = true, .prot = _prot, .off = 0, .len = _len }
#define DM(_p, _l, _len)	DMP(_p, _l, _len, RW)

FIXTURE_VARIANT_ADD(dma, vfio_pte) { DM(PFNMAP_VFIO, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(dma, vfio_pmd) { DM(PFNMAP_VFIO, PMD, SZ_1G) };
FIXTURE_VARIANT_ADD(dma, vfio_pud) { DM(PFNMAP_VFIO, PUD, 2 * SZ_1G) };
FIXTURE_VARIANT_ADD(dma, devmem_pte) { DM(PFNMAP_DEVMEM, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(dma, kmod_pte) { DM(PFNMAP_KMOD, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(dma, kmod_pmd) { DM(PFNMAP_KMOD, PMD, SZ_1G) };
FIXTURE_VARIANT_ADD(dma, kmod_pud) { DM(PFNMAP_KMOD, PUD, SZ_1G) };
/* Read-only mappings: the device may read them, never write. */
FIXTURE_VARIANT_ADD(dma, vfio_pud_ro) {
	DMP(PFNMAP_VFIO, PUD, 2 * SZ_1G, PROT_READ) };
FIXTURE_VARIANT_ADD(dma, devmem_pte_ro) {
	DMP(PFNMAP_DEVMEM, PTE, SZ_1G, PROT_READ) };

FIXTURE_SETUP(dma)
{
	self->got = self->dev_open = false;
	self->cfd = -1;
}

FIXTURE_TEARDOWN(dma)
{
	if (self->dev_open)
		vfio_bar_close(&self->dev);
	if (self->got)
		pfnmap_put(&self->pm);
}

static bool dma_get(struct __test_metadata *_metadata,
		    FIXTURE_DATA(dma) *self, const FIXTURE_VARIANT(dma) *variant)
{
	struct vfio_bar *bar = &self->pm.bar;
	char why[512];
	int ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req,
				&self->got))
		return false;
	self->accepted = variant->req.provider != PFNMAP_KMOD;
	if (variant->req.provider != PFNMAP_VFIO) {
		/* Past the BAR /dev/mem maps: the other device. */
		ret = vfio_bar_open(&self->dev, variant->req.provider ==
				    PFNMAP_DEVMEM ? 2 * SZ_1G : SZ_4K, why,
				    sizeof(why));
		self->dev_open = true;
		if (ret == MM_SKIP)
			SKIP(return false, "%s", why);
		ASSERT_EQ(0, ret) TH_LOG("%s", why);
		bar = &self->dev;
	}
	if (bar->noiommu)
		SKIP(return false, "vfio no-IOMMU mode: no type1 DMA mapping");
	self->cfd = bar->container_fd;
	self->bdf = bar->bdf;
	return true;
}

static int variant_prot(const FIXTURE_DATA(dma) *self)
{
	return self->pm.req.prot;
}

/*
 * Map [off, off + len) of the mapping at IOVA + off, device-writable:
 * accepted (then the unmap reports LEN), or EFAULT as the provider's
 * pfns or a read-only mapping dictate.
 */
static void dma_map_range(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dma) *self, uint64_t off, uint64_t len)
{
	uint64_t unmapped = 0;
	int ret;

	ret = follow_dma_map(self->cfd, self->pm.addr + off, IOVA + off, len);
	if (!self->accepted || !(variant_prot(self) & PROT_WRITE)) {
		EXPECT_EQ(-EFAULT, ret)
			TH_LOG("MAP_DMA, device-writable, of %s, map+%#llx: "
			       "%s", self->accepted ? "a read-only mapping" :
			       "RAM behind a pfnmap", (unsigned long long)off,
			       strerror(-ret));
		if (!ret)
			follow_dma_unmap(self->cfd, IOVA + off, len, &unmapped);
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA of map+%#llx, %#llx bytes: %s",
				 (unsigned long long)off,
				 (unsigned long long)len, strerror(-ret));
	ASSERT_EQ(0, follow_dma_unmap(self->cfd, IOVA + off, len, &unmapped));
	EXPECT_EQ(len, unmapped) TH_LOG("UNMAP_DMA of map+%#llx",
					(unsigned long long)off);
}

/*
 * The whole mapping, not faulted in before: MAP_DMA faults it in (or
 * finds it present), and the sample entries are then at the level the
 * mapping allows, with the right pfns.
 */
TEST_F(dma, map_whole)
{
	uint64_t offs[FOLLOW_MAX_OFFS];
	char why[512];
	int n;

	if (!dma_get(_metadata, self, variant))
		return;
	dma_map_range(_metadata, self, 0, variant->req.len);
	if (!self->accepted || !(variant->req.prot & PROT_WRITE))
		return;
	n = follow_offsets(variant->req.len, offs);
	EXPECT_EQ(0, follow_check_levels(&self->pm, offs, n, why, sizeof(why)))
		TH_LOG("after MAP_DMA: %s", why);
}

/* Ranges starting past 2 MiB and past 1 GiB, inside huge entries. */
TEST_F(dma, map_partial)
{
	uint64_t len = variant->req.len;

	if (!dma_get(_metadata, self, variant))
		return;
	dma_map_range(_metadata, self, SZ_2M + SZ_4K, 2 * SZ_2M);
	dma_map_range(_metadata, self, SZ_2M / 2, SZ_2M);
	if (len > SZ_1G + 4 * SZ_2M)
		dma_map_range(_metadata, self, SZ_1G + 2 * SZ_2M + SZ_4K,
			      SZ_2M);
	dma_map_range(_metadata, self, len - SZ_4K, SZ_4K);
}

/*
 * Alignment at its edge: vaddr, iova or size off by one byte is EINVAL;
 * off by one page (not huge-aligned) is accepted.
 */
TEST_F(dma, misaligned)
{
	char *va;

	if (!dma_get(_metadata, self, variant))
		return;
	va = self->pm.addr + SZ_2M;
	EXPECT_EQ(-EINVAL, follow_dma_map(self->cfd, va + 1, IOVA, SZ_2M));
	EXPECT_EQ(-EINVAL, follow_dma_map(self->cfd, va, IOVA + 1, SZ_2M));
	EXPECT_EQ(-EINVAL, follow_dma_map(self->cfd, va, IOVA, SZ_2M + 1));
	dma_map_range(_metadata, self, SZ_2M + SZ_4K, SZ_2M);
	dma_map_range(_metadata, self, SZ_4K, SZ_2M - SZ_4K);
}

/*
 * One page past the VMA's end: EFAULT, and nothing stays mapped (an
 * UNMAP_DMA of the range finds 0 bytes); exactly to the end: accepted.
 */
TEST_F(dma, past_vma_end)
{
	uint64_t len = variant->req.len, off = len - SZ_2M, unmapped = 1;
	int ret;

	if (!dma_get(_metadata, self, variant))
		return;
	/* Nothing else may be mapped right after the VMA. */
	munmap(self->pm.addr + len, SZ_4K);
	ret = follow_dma_map(self->cfd, self->pm.addr + off, IOVA + off,
			     SZ_2M + SZ_4K);
	EXPECT_EQ(-EFAULT, ret) TH_LOG("MAP_DMA one page past the VMA: %s",
				       strerror(-ret));
	EXPECT_EQ(0, follow_dma_unmap(self->cfd, IOVA + off, SZ_2M + SZ_4K,
				      &unmapped));
	EXPECT_EQ(0, unmapped) TH_LOG("a refused MAP_DMA left %llu bytes mapped",
				      (unsigned long long)unmapped);
	dma_map_range(_metadata, self, off, SZ_2M);
}

/*
 * A mapping the device only reads (VFIO_DMA_MAP_FLAG_READ alone) is
 * followed without a write fault: accepted for BAR pfns whether the VMA
 * is writable or not; a device-writable one of a read-only VMA is EFAULT
 * (dma_map_range()).
 */
TEST_F(dma, device_reads_only)
{
	uint64_t len = variant->req.len, unmapped = 0;
	int ret;

	if (!dma_get(_metadata, self, variant))
		return;
	ret = follow_dma_map_prot(self->cfd, self->pm.addr, IOVA, len, false);
	if (!self->accepted) {
		EXPECT_EQ(-EFAULT, ret) TH_LOG("MAP_DMA (device reads) of RAM "
					       "behind a pfnmap: %s",
					       strerror(-ret));
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA (device reads) of a %s mapping: %s",
				 variant->req.prot & PROT_WRITE ? "writable" :
				 "read-only", strerror(-ret));
	ASSERT_EQ(0, follow_dma_unmap(self->cfd, IOVA, len, &unmapped));
	EXPECT_EQ(len, unmapped);
	dma_map_range(_metadata, self, SZ_2M, SZ_2M);
}

/*
 * Look the IOVAs of the sample offsets up in the DMA device's domain.
 * False after a SKIP (the kernel does not claim the debugfs).
 */
static bool dma_iommu_lookup(struct __test_metadata *_metadata,
			     FIXTURE_DATA(dma) *self, const uint64_t *offs,
			     int n, struct iommu_pt_entry *e)
{
	uint64_t iovas[FOLLOW_MAX_OFFS];
	char why[512];
	int i, ret;

	for (i = 0; i < n; i++)
		iovas[i] = IOVA + offs[i];
	ret = iommu_pt_lookup(self->bdf, iovas, n, e, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	EXPECT_EQ(0, ret) TH_LOG("IOMMU page tables of %s: %s", self->bdf,
				 why);
	return !ret;
}

/*
 * The IOMMU maps the pfns follow_fault_pfn() found: after MAP_DMA of the
 * whole mapping (vfio_pin_pages_remote() collects the contiguous pfns,
 * vfio_iommu_map() -> iommu_map() programs them, as superpages where
 * IOVA and pfn allow), the leaf of every sampled IOVA in the DMA
 * device's domain translates it to the physical address the mapping has
 * at that offset, readable, and writable exactly when the device may
 * write (VFIO_DMA_MAP_FLAG_WRITE -> IOMMU_WRITE -> DMA_PTE_WRITE).
 * After UNMAP_DMA no leaf maps them; a refused MAP_DMA (the module's RAM)
 * leaves none.
 */
TEST_F(dma, iommu_maps_pfns)
{
	uint64_t offs[FOLLOW_MAX_OFFS], len = variant->req.len, unmapped = 0;
	bool writes = variant->req.prot & PROT_WRITE;
	struct iommu_pt_entry e[FOLLOW_MAX_OFFS];
	int i, n, ret, sizes[3] = { 0 };
	uint64_t want;
	char desc[160];

	if (!dma_get(_metadata, self, variant))
		return;
	n = follow_offsets(len, offs);
	ret = follow_dma_map_prot(self->cfd, self->pm.addr, IOVA, len, writes);
	if (!self->accepted) {
		EXPECT_EQ(-EFAULT, ret) TH_LOG("MAP_DMA of RAM behind a pfnmap: "
					       "%s", strerror(-ret));
		if (!dma_iommu_lookup(_metadata, self, offs, n, e))
			return;
		for (i = 0; i < n; i++) {
			iommu_pt_describe(&e[i], desc, sizeof(desc));
			EXPECT_EQ(0, e[i].size)
				TH_LOG("after a refused MAP_DMA: %s", desc);
		}
		return;
	}
	ASSERT_EQ(0, ret) TH_LOG("MAP_DMA of the whole %s mapping: %s",
				 writes ? "writable" : "read-only",
				 strerror(-ret));
	if (!dma_iommu_lookup(_metadata, self, offs, n, e))
		goto unmap;
	for (i = 0; i < n; i++) {
		want = pfnmap_pfn(&self->pm, self->pm.addr + offs[i]) * MM_PAGE +
		       offs[i] % MM_PAGE;
		iommu_pt_describe(&e[i], desc, sizeof(desc));
		EXPECT_NE(0, e[i].size) TH_LOG("map+%#llx: %s",
					       (unsigned long long)offs[i],
					       desc);
		if (!e[i].size)
			continue;
		sizes[e[i].size == SZ_1G ? 2 : e[i].size == SZ_2M]++;
		EXPECT_EQ(want, e[i].phys)
			TH_LOG("map+%#llx: %s, the mapping's page is at phys "
			       "%#llx", (unsigned long long)offs[i], desc,
			       (unsigned long long)want);
		EXPECT_TRUE(e[i].raw & IOMMU_PT_READ) TH_LOG("%s", desc);
		EXPECT_EQ(writes, !!(e[i].raw & IOMMU_PT_WRITE))
			TH_LOG("%s: the device may%s write", desc,
			       writes ? "" : " not");
	}
	TH_LOG("IOMMU leaves of the %d sampled IOVAs: %d 4K, %d 2M, %d 1G",
	       n, sizes[0], sizes[1], sizes[2]);
unmap:
	ASSERT_EQ(0, follow_dma_unmap(self->cfd, IOVA, len, &unmapped));
	EXPECT_EQ(len, unmapped);
	if (!dma_iommu_lookup(_metadata, self, offs, n, e))
		return;
	for (i = 0; i < n; i++) {
		iommu_pt_describe(&e[i], desc, sizeof(desc));
		EXPECT_EQ(0, e[i].size) TH_LOG("after UNMAP_DMA: %s", desc);
	}
}

MM_HARNESS_MAIN
