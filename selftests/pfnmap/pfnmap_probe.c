// SPDX-License-Identifier: GPL-2.0
/*
 * Does the kernel map a PCI BAR with the page-table level it claims?
 *
 * An ivshmem BAR2 is bound to vfio-pci and mmap()ed through the vfio
 * device fd.  vfio-pci's huge_fault (6.12+) maps it with 1 GiB (pud)
 * entries where the address and the pfn are both 1 GiB-aligned, with
 * 2 MiB (pmd) entries where they are only 2 MiB-aligned, and with 4 KiB
 * (pte) entries when THP is off for the VMA (MADV_NOHUGEPAGE) or the
 * process (PR_SET_THP_DISABLE): the controls.  The level comes from
 * ptdump; the kernel's claim from CONFIG_ARCH_SUPPORTS_{PUD,PMD}_PFNMAP.
 *
 * Data goes in through the huge mapping and is read back through the
 * vfio fd (pread, the kernel's own ioremap of the BAR), so a huge entry
 * that points at the wrong pfns cannot hide behind its own mapping.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "mm_harness.h"
#include "mm_util.h"
#include "kconfig.h"
#include "pfnmap/pfnmap_kmod_ioctl.h"
#include "pfnmap/ptdump.h"
#include "pfnmap/vfio.h"

#define PAGE_WORDS	(SZ_4K / 8)
/* The 8-byte words of each page that carry the pattern. */
static const unsigned int probe_words[] = { 0, PAGE_WORDS / 2 + 3, PAGE_WORDS - 1 };
#define NR_WORDS	(sizeof(probe_words) / sizeof(probe_words[0]))

enum thp_off {
	THP_ON,
	THP_OFF_MADVISE,	/* MADV_NOHUGEPAGE on the VMA */
	THP_OFF_PRCTL,		/* PR_SET_THP_DISABLE on the process */
};

FIXTURE(pfnmap_probe) {
	struct vfio_bar bar;
	bool opened;
	char *map;
	uint64_t len;
	uint64_t seed;
};

FIXTURE_VARIANT(pfnmap_probe) {
	const char *claim;	/* config symbol that claims LEVEL, or NULL */
	enum ptdump_level level;
	uint64_t min_bar;	/* the smallest BAR2 that fits */
	size_t align;
	size_t skew;		/* the mapping starts at align * k + skew */
	enum thp_off thp_off;
};

/* 2 GiB BAR at a 1 GiB-aligned address: two pud entries. */
FIXTURE_VARIANT_ADD(pfnmap_probe, pud) {
	.claim = "CONFIG_ARCH_SUPPORTS_PUD_PFNMAP",
	.level = PTDUMP_PUD,
	.min_bar = 2 * SZ_1G,
	.align = SZ_1G,
	.skew = 0,
	.thp_off = THP_ON,
};

/* 1 GiB BAR 2 MiB past a 1 GiB boundary: pud impossible, 512 pmds. */
FIXTURE_VARIANT_ADD(pfnmap_probe, pmd) {
	.claim = "CONFIG_ARCH_SUPPORTS_PMD_PFNMAP",
	.level = PTDUMP_PMD,
	.min_bar = SZ_1G,
	.align = SZ_1G,
	.skew = SZ_2M,
	.thp_off = THP_ON,
};

/* 1 GiB-aligned, so only the madvise stands between it and a pud. */
FIXTURE_VARIANT_ADD(pfnmap_probe, pte_nohugepage) {
	.claim = NULL,
	.level = PTDUMP_PTE,
	.min_bar = SZ_1G,
	.align = SZ_1G,
	.skew = 0,
	.thp_off = THP_OFF_MADVISE,
};

FIXTURE_VARIANT_ADD(pfnmap_probe, pte_thp_disable) {
	.claim = NULL,
	.level = PTDUMP_PTE,
	.min_bar = SZ_1G,
	.align = SZ_1G,
	.skew = 0,
	.thp_off = THP_OFF_PRCTL,
};

FIXTURE_SETUP(pfnmap_probe)
{
	/* Everything that needs undoing happens in the test, after setup. */
	self->opened = false;
	self->map = MAP_FAILED;
	/* The BAR outlives the test: a fresh seed keeps old data from passing. */
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(pfnmap_probe)
{
	/* vfio-pci's unbind waits for every mapping of the device to go. */
	if (self->map != MAP_FAILED)
		munmap(self->map, self->len);
	if (self->opened)
		vfio_bar_close(&self->bar);
}

/* Distinct for every word of every 4 KiB page. */
static uint64_t probe_value(uint64_t seed, uint64_t page, unsigned int word)
{
	return mm_mix(seed ^ mm_mix(page * PAGE_WORDS + word));
}

/*
 * The pages a case touches.  Huge mappings: all of them (a fault maps
 * a whole entry).  PTE controls: every page of the first 4 MiB and of
 * the last 2 MiB, and one page per 2 MiB elsewhere, at a varying offset,
 * which keeps the fault count low enough for an emulated guest.
 */
static bool probe_page_used(const FIXTURE_VARIANT(pfnmap_probe) *variant,
			    uint64_t npages, uint64_t page)
{
	const uint64_t per_pmd = SZ_2M / SZ_4K;

	if (variant->level != PTDUMP_PTE)
		return true;
	return page < 2 * per_pmd || page >= npages - per_pmd ||
	       page % per_pmd == (page / per_pmd) % per_pmd;
}

/*
 * Map the BAR as the variant wants.  False after a SKIP: the kernel does
 * not claim the level, or there is no ptdump, ivshmem device or vfio.
 */
static bool probe_open(struct __test_metadata *_metadata,
		       FIXTURE_DATA(pfnmap_probe) *self,
		       const FIXTURE_VARIANT(pfnmap_probe) *variant)
{
	struct ptdump pd;
	char why[512];
	int ret;

	if (variant->claim) {
		ret = kconfig_value(variant->claim, NULL, 0);
		if (ret < 0)
			SKIP(return false, "cannot read /proc/config.gz (%s): unknown "
			     "whether the kernel claims %s", strerror(-ret),
			     variant->claim);
		if (ret == 0)
			SKIP(return false, "%s not set: the kernel does not claim "
			     "%s-level pfnmaps", variant->claim,
			     ptdump_level_name(variant->level));
	}
	ret = ptdump_read(&pd, why, sizeof(why));
	if (ret && ret != -EINVAL)
		SKIP(return false, "no page-table oracle: %s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ptdump_free(&pd);

	if (variant->thp_off == THP_OFF_PRCTL)
		ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));

	ret = vfio_bar_open(&self->bar, variant->min_bar, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->opened = true;

	self->len = self->bar.size;
	self->map = vfio_bar_map(&self->bar, 0, self->len, variant->align,
				 variant->skew);
	ASSERT_NE(MAP_FAILED, self->map)
		TH_LOG("mmap of %s BAR2: %s", self->bar.bdf, strerror(errno));
	if (variant->thp_off == THP_OFF_MADVISE)
		ASSERT_EQ(0, madvise(self->map, self->len, MADV_NOHUGEPAGE))
			TH_LOG("MADV_NOHUGEPAGE on a vfio BAR: %s",
			       strerror(errno));
	return true;
}

/* One read per entry the case expects, so each fault maps one entry. */
static void probe_touch(FIXTURE_DATA(pfnmap_probe) *self,
			const FIXTURE_VARIANT(pfnmap_probe) *variant)
{
	uint64_t step = ptdump_level_size(variant->level);
	uint64_t npages = self->len / SZ_4K, off;

	for (off = 0; off < self->len; off += step)
		if (probe_page_used(variant, npages, off / SZ_4K))
			(void)*(volatile char *)(self->map + off);
}

/* The page-table state the variant expects, with FLAGS on every entry. */
static void probe_check_level(struct __test_metadata *_metadata,
			      FIXTURE_DATA(pfnmap_probe) *self,
			      const FIXTURE_VARIANT(pfnmap_probe) *variant,
			      unsigned int flags)
{
	uint64_t start = (uintptr_t)self->map, end = start + self->len;
	uint64_t bytes[PTDUMP_NR_LEVELS], unmapped, page, addr;
	uint64_t npages = self->len / SZ_4K;
	const struct ptdump_range *r;
	struct ptdump pd;
	char why[512];

	ASSERT_EQ(0, ptdump_read(&pd, why, sizeof(why))) TH_LOG("%s", why);
	ptdump_count(&pd, start, end, bytes, &unmapped);
	TH_LOG("%s BAR2 at %p: pud %llu MiB, pmd %llu MiB, pte %llu KiB, "
	       "unmapped %llu MiB", self->bar.bdf, self->map,
	       (unsigned long long)bytes[PTDUMP_PUD] >> 20,
	       (unsigned long long)bytes[PTDUMP_PMD] >> 20,
	       (unsigned long long)bytes[PTDUMP_PTE] >> 10,
	       (unsigned long long)unmapped >> 20);
	if (variant->level != PTDUMP_PTE) {
		EXPECT_EQ(0, ptdump_check(&pd, start, end, variant->level,
					  flags, why, sizeof(why)))
			TH_LOG("%s claimed, but %s (want %s)", variant->claim,
			       why, ptdump_level_name(variant->level));
	} else {
		EXPECT_EQ(0, bytes[PTDUMP_PUD] + bytes[PTDUMP_PMD])
			TH_LOG("THP is off for this mapping, yet it has huge entries");
		for (page = 0; page < npages; page++) {
			if (!probe_page_used(variant, npages, page))
				continue;
			r = ptdump_find(&pd, start + page * SZ_4K);
			if (!r || r->level != PTDUMP_PTE ||
			    (r->flags & (flags | PTDUMP_PRESENT)) !=
			    (flags | PTDUMP_PRESENT))
				break;
		}
		EXPECT_EQ(npages, page)
			TH_LOG("touched page %llu is not a present pte with "
			       "the wanted flags", (unsigned long long)page);
	}
	/*
	 * A device BAR mapped write-back would be cached by the CPU: every
	 * present leaf of the mapping carries a cache bit (PWT/PCD/PAT), not
	 * just the first one.
	 */
	for (addr = start; addr < end; addr = r->end) {
		r = ptdump_find(&pd, addr);
		if (!r || (r->level >= PTDUMP_PUD &&
			   (r->flags & PTDUMP_PRESENT) &&
			   !(r->flags & PTDUMP_CACHE_MASK)))
			break;
	}
	EXPECT_LE(end, addr) TH_LOG("BAR page at %#llx: %s",
				     (unsigned long long)addr,
				     r ? "mapped write-back (no PWT/PCD/PAT)" :
					 "in no ptdump line");
	ptdump_free(&pd);
}

/*
 * Write the pattern through the mapping into every sampled word (VERIFY
 * false), or compare it there (VERIFY true).  Page number of the first
 * word that does not read back, or -1.
 */
static int64_t probe_walk_map(FIXTURE_DATA(pfnmap_probe) *self,
			      const FIXTURE_VARIANT(pfnmap_probe) *variant,
			      bool verify)
{
	uint64_t npages = self->len / SZ_4K, page, want;
	volatile uint64_t *p;
	size_t w;

	for (page = 0; page < npages; page++) {
		if (!probe_page_used(variant, npages, page))
			continue;
		p = (volatile uint64_t *)(self->map + page * SZ_4K);
		for (w = 0; w < NR_WORDS; w++) {
			want = probe_value(self->seed, page, probe_words[w]);
			if (!verify)
				p[probe_words[w]] = want;
			else if (p[probe_words[w]] != want)
				return page;
		}
	}
	return -1;
}

/* The sampled pages through the vfio fd, not through any user mapping. */
static void probe_verify_fd(struct __test_metadata *_metadata,
			    FIXTURE_DATA(pfnmap_probe) *self)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES], page, want, got;
	/* The named places on every level, then a spread (lib). */
	int i, n = pfnmap_kmod_samples(self->len / SZ_4K, samples);
	size_t w;

	for (i = 0; i < n; i++) {
		page = samples[i];
		for (w = 0; w < NR_WORDS; w++) {
			want = probe_value(self->seed, page, probe_words[w]);
			got = ~want;
			ASSERT_EQ(8, vfio_bar_pread(&self->bar, &got, 8,
				  page * SZ_4K + probe_words[w] * 8))
				TH_LOG("pread of BAR offset 0x%llx: %s",
				       (unsigned long long)page * SZ_4K,
				       strerror(errno));
			ASSERT_EQ(want, got)
				TH_LOG("BAR page %llu word %u: written through "
				       "the mapping, read back through vfio",
				       (unsigned long long)page, probe_words[w]);
		}
	}
}

/* Touch every entry, then the level must be what the variant expects. */
TEST_F(pfnmap_probe, level)
{
	if (!probe_open(_metadata, self, variant))
		return;
	probe_touch(self, variant);
	probe_check_level(_metadata, self, variant, 0);
}

/*
 * Write a distinct pattern through the mapping and read it back through
 * the mapping and through the vfio fd; the write faults must neither
 * split the entries nor leave them read-only.
 */
TEST_F(pfnmap_probe, pattern)
{
	if (!probe_open(_metadata, self, variant))
		return;
	probe_touch(self, variant);
	probe_check_level(_metadata, self, variant, 0);
	probe_walk_map(self, variant, false);
	probe_check_level(_metadata, self, variant, PTDUMP_RW);
	EXPECT_EQ(-1, probe_walk_map(self, variant, true));
	probe_verify_fd(_metadata, self);
}

/* Closing the BAR puts the device's driver and driver_override back. */
TEST(binding_restored)
{
	char why[512], drv[64], ovr[64];
	struct vfio_bar bar;
	int ret;

	ret = vfio_bar_open(&bar, SZ_1G, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, vfio_pci_binding(bar.bdf, drv, sizeof(drv), ovr,
				      sizeof(ovr)));
	EXPECT_STREQ("vfio-pci", drv);
	vfio_bar_close(&bar);
	ASSERT_EQ(0, vfio_pci_binding(bar.bdf, drv, sizeof(drv), ovr,
				      sizeof(ovr)));
	EXPECT_STREQ(bar.prev_driver, drv);
	EXPECT_STREQ(bar.prev_override, ovr);
	TH_LOG("%s: driver \"%s\", driver_override \"%s\"", bar.bdf, drv, ovr);
}

MM_HARNESS_MAIN
