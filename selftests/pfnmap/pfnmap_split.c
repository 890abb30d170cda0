// SPDX-License-Identifier: GPL-2.0
/*
 * Splitting the VMA of a pfnmap: mprotect() of one 4 KiB page, munmap()
 * of a 2 MiB hole, for every provider and level (lib/pfnmap/pfnmap_provider.h).
 *
 * Huge pfnmap entries are never split into smaller ones: the kernel zaps
 * the entry that straddles a new VMA boundary (__split_huge_pmd/pud on a
 * special VMA), and later faults refill it at the largest level that fits
 * the new VMAs.  So after the split: the covering entry is gone, every
 * entry refaults at the fitting level, all data is intact, the read-only
 * page takes no write (SIGSEGV) while its neighbours do, and a hole
 * faults while the rest keeps its data.  For BAR mappings, no PAT memtype
 * may be left over the range once all pieces are unmapped.
 *
 * Known kernel bugs (selftests/expectations): on PUD mappings both cases
 * crash 6.12 and 7.2 (mprotect: oops in __split_huge_pmd from
 * vma_adjust_trans_huge; munmap: kernel BUG in __split_huge_pud under
 * CONFIG_DEBUG_VM).  The tests stay strict; the run survives the crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)
#define NR_EXTRA	8
#define BAR_SHIFT	(4 * SZ_2M)	/* BAR offset of the munmap cases */

FIXTURE(split) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t *pages;	/* pages whose data is known */
	int npages;
};

FIXTURE_VARIANT(split) {
	struct pfnmap_req req;
};

#define SPLIT(_p, _l, _sh, _off, _len)					\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = RW, .off = _off, .len = _len }

FIXTURE_VARIANT_ADD(split, kmod_pte) {
	SPLIT(PFNMAP_KMOD, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, kmod_pte_private) {
	SPLIT(PFNMAP_KMOD, PTE, false, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, kmod_pmd) {
	SPLIT(PFNMAP_KMOD, PMD, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, kmod_pud) {
	SPLIT(PFNMAP_KMOD, PUD, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(split, prepare_pte) {
	SPLIT(PFNMAP_PREPARE, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, vfio_pte) {
	SPLIT(PFNMAP_VFIO, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, vfio_pmd) {
	SPLIT(PFNMAP_VFIO, PMD, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, vfio_pud) {
	SPLIT(PFNMAP_VFIO, PUD, true, 0, SZ_1G) };
/*
 * Each case of a PAT-tracked BAR mapping maps BAR pages of its own (the
 * munmap cases 8 MiB further on): a memtype one leaks cannot hide or fake
 * another's.
 */
FIXTURE_VARIANT_ADD(split, devmem_pte) {
	SPLIT(PFNMAP_DEVMEM, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(split, devmem_pte_private) {
	SPLIT(PFNMAP_DEVMEM, PTE, false, 16 * SZ_2M, 2 * SZ_2M) };

FIXTURE_SETUP(split)
{
	self->got = false;
	self->pages = NULL;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(split)
{
	if (self->got)
		pfnmap_put(&self->pm);
	free(self->pages);
}

static bool split_on_bar(const struct pfnmap_req *req)
{
	return req->provider == PFNMAP_VFIO || req->provider == PFNMAP_DEVMEM;
}

/*
 * Map and fill: a shared mapping every page through itself, a private
 * one (whose writes would only make copies) the sample pages and EXTRA
 * through the second path.  Touch every entry and check it.  False
 * after a SKIP.
 */
static bool split_get(struct __test_metadata *_metadata,
		      FIXTURE_DATA(split) *self,
		      const FIXTURE_VARIANT(split) *variant,
		      const uint64_t *extra, int nextra, uint64_t bar_shift)
{
	struct pfnmap_req req = variant->req;
	struct pfnmap *pm = &self->pm;
	uint64_t i, npages = variant->req.len / SZ_4K;
	uintptr_t start;
	char why[512];

	if (split_on_bar(&req) && req.level != MMCONF_LEVEL_PUD)
		req.off += bar_shift;
	if (!pfnmap_get_or_skip(_metadata, pm, &req, &self->got))
		return false;
	start = (uintptr_t)pm->addr;
	self->pages = calloc(variant->req.shared ? npages :
			     PFNMAP_KMOD_MAX_SAMPLES + NR_EXTRA,
			     sizeof(*self->pages));
	ASSERT_NE(NULL, self->pages);
	if (variant->req.shared) {
		for (i = 0; i < npages; i++)
			self->pages[i] = i;
		self->npages = npages;
		pfnmap_fill_map(pm, self->seed, NULL, npages);
	} else {
		self->npages = pfnmap_samples(pm, self->pages);
		for (i = 0; i < (uint64_t)nextra; i++)
			self->pages[self->npages++] = extra[i];
		ASSERT_EQ(0, pfnmap_fill_path(pm, self->seed, self->pages,
					      self->npages));
	}
	pfnmap_touch(pm, 0, pm->req.len, start, start + pm->req.len, false);
	ASSERT_EQ(0, pfnmap_check_entries(pm, 0, pm->req.len, start,
					  start + pm->req.len, 0, 0, why,
					  sizeof(why)))
		TH_LOG("before the split: %s", why);
	return true;
}

/* The known pages outside [lo, hi) still hold their pattern. */
static void split_check_data(struct __test_metadata *_metadata,
			     FIXTURE_DATA(split) *self, uint64_t lo,
			     uint64_t hi)
{
	int64_t bad = -1;
	int i;

	for (i = 0; i < self->npages && bad < 0; i++) {
		if (self->pages[i] >= lo && self->pages[i] < hi)
			continue;
		bad = pfnmap_check_map(&self->pm, self->seed, &self->pages[i], 1);
	}
	EXPECT_EQ(-1, bad) TH_LOG("page %lld lost its data", (long long)bad);
}

/* Refault [off, end) of VMA [vs, ve) and check it; WRITE: entries writable. */
static void split_refault(struct __test_metadata *_metadata,
			  FIXTURE_DATA(split) *self, uint64_t off,
			  uint64_t end, bool write, const char *what)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t vs = (uintptr_t)pm->addr + off, ve = (uintptr_t)pm->addr + end;
	unsigned int want = write && pm->req.shared ? MMCONF_PT_WRITE : 0;
	char why[512];

	pfnmap_touch(pm, off, end, vs, ve, false);
	EXPECT_EQ(0, pfnmap_check_entries(pm, off, end, vs, ve, want,
					  MMCONF_PT_WRITE, why, sizeof(why)))
		TH_LOG("%s: %s", what, why);
}

/*
 * A write through the mapping at page PAGE must land: in the pfns when
 * shared, in a private copy (the pfns keep their data) when private.
 */
static void split_write_lands(struct __test_metadata *_metadata,
			      FIXTURE_DATA(split) *self, uint64_t page)
{
	struct pfnmap *pm = &self->pm;
	uint64_t seed2 = pfnmap_kmod_value(self->seed, page, 2);

	EXPECT_FALSE(pfnmap_write_faults(pm->addr + page * SZ_4K))
		TH_LOG("page %llu no longer writable", (unsigned long long)page);
	pfnmap_fill_map(pm, seed2, &page, 1);
	EXPECT_EQ(-1, pfnmap_check_map(pm, seed2, &page, 1));
	if (pm->req.shared)
		EXPECT_EQ(-1, pfnmap_check_path(pm, seed2, &page, 1))
			TH_LOG("write to page %llu missing from %s",
			       (unsigned long long)page, pm->path);
}

/*
 * A BAR mapping that x86 PAT tracked (/dev/mem, 6.1's vfio): once every
 * piece of the split VMA is unmapped and the provider closed, no memtype
 * may be left over the range.
 */
static void split_check_memtype(struct __test_metadata *_metadata,
				FIXTURE_DATA(split) *self)
{
	uint64_t phys = self->pm.phys, len = self->pm.req.len, s = 0, e = 0;
	char type[64] = "";
	int ret;

	if (!split_on_bar(&self->pm.req))
		return;
	pfnmap_put(&self->pm);
	self->got = false;
	ret = devmem_pat_lookup(phys, phys + len, type, sizeof(type), &s, &e);
	/* The VM has X86_PAT and debugfs: an unreadable list checks nothing. */
	ASSERT_LE(0, ret) TH_LOG("cannot read %s: %s", DEVMEM_PAT_LIST,
				 strerror(-ret));
	EXPECT_EQ(0, ret)
		TH_LOG("all of [%#llx, %#llx) unmapped, yet %s lists [%#llx, "
		       "%#llx) %s: the split VMA's pieces did not free the "
		       "memtype", (unsigned long long)phys,
		       (unsigned long long)(phys + len), DEVMEM_PAT_LIST,
		       (unsigned long long)s, (unsigned long long)e, type);
}

/* Level of the entry at mapping offset OFF now (NONE: not mapped). */
static unsigned int split_level(struct __test_metadata *_metadata,
				FIXTURE_DATA(split) *self, uint64_t off)
{
	int level = pfnmap_level(&self->pm, self->pm.addr + off);

	EXPECT_LE(0, level) TH_LOG("page-table query: %s", strerror(-level));
	return level < 0 ? MMCONF_LEVEL_NONE : level;
}

/*
 * mprotect(PROT_READ) of page X inside the first huge entry's second half
 * (PUD) or the second PMD: the entry goes, everything refaults at the
 * level that fits [0, X), [X, X + 4K), [X + 4K, len).
 */
TEST_F(split, mprotect_ro_page)
{
	uint64_t size = pfnmap_level_size(variant->req.level);
	uint64_t x = (size < variant->req.len / 2 ? size :
		      variant->req.len / 2) + 3 * SZ_4K;
	uint64_t xp = x / SZ_4K, len = variant->req.len;
	uint64_t extra[] = { xp - 1, xp, xp + 1 };
	struct pfnmap *pm = &self->pm;
	unsigned int before, after;
	uintptr_t start;

	if (!split_get(_metadata, self, variant, extra, 3, 0))
		return;
	start = (uintptr_t)pm->addr;
	before = pfnmap_fit_level(pm, start, start + len, pm->addr + x);
	ASSERT_EQ(0, mprotect(pm->addr + x, SZ_4K, PROT_READ))
		TH_LOG("mprotect: %s", strerror(errno));
	after = split_level(_metadata, self, x);
	if (before > MMCONF_LEVEL_PTE) {
		EXPECT_EQ(MMCONF_LEVEL_NONE, after)
			TH_LOG("the %s entry over the new VMA boundary is still "
			       "mapped (%s): huge pfnmaps must be zapped, not "
			       "split", pfnmap_level_name(before),
			       pfnmap_level_name(after));
		EXPECT_EQ(MMCONF_LEVEL_NONE, split_level(_metadata, self,
					x & ~(size - 1)));
	} else {
		EXPECT_EQ(MMCONF_LEVEL_PTE, after);
	}
	split_refault(_metadata, self, 0, x, true, "below the RO page");
	split_refault(_metadata, self, x, x + SZ_4K, false, "the RO page");
	split_refault(_metadata, self, x + SZ_4K, len, true,
		      "above the RO page");
	split_check_data(_metadata, self, 0, 0);

	EXPECT_TRUE(pfnmap_write_faults(pm->addr + x))
		TH_LOG("write to the PROT_READ page went through");
	EXPECT_TRUE(pfnmap_write_faults(pm->addr + x + SZ_4K - 1))
		TH_LOG("write to the PROT_READ page's last byte went through");
	split_check_data(_metadata, self, 0, 0);
	split_write_lands(_metadata, self, xp - 1);
	split_write_lands(_metadata, self, xp + 1);
	split_write_lands(_metadata, self, len / SZ_4K - 1);
	split_check_memtype(_metadata, self);
}

/*
 * munmap() of a 2 MiB-aligned 2 MiB hole in the middle (1 MiB into a
 * PTE mapping): the hole faults, the rest keeps its data and refaults
 * at the level that fits [0, hole) and [hole + 2M, len).
 */
TEST_F(split, munmap_hole)
{
	uint64_t len = variant->req.len;
	uint64_t h = len >= 4 * SZ_2M ? (len / 2) & ~(SZ_2M - 1) : len / 4;
	uint64_t hp = h / SZ_4K, ep = (h + SZ_2M) / SZ_4K;
	uint64_t extra[] = { hp - 1, hp, ep - 1, ep };
	struct pfnmap *pm = &self->pm;

	if (!split_get(_metadata, self, variant, extra, 4, BAR_SHIFT))
		return;
	ASSERT_EQ(0, munmap(pm->addr + h, SZ_2M))
		TH_LOG("munmap: %s", strerror(errno));
	EXPECT_EQ(MMCONF_LEVEL_NONE, split_level(_metadata, self, h));
	EXPECT_EQ(MMCONF_LEVEL_NONE, split_level(_metadata, self,
						 h + SZ_2M - SZ_4K));
	EXPECT_TRUE(pfnmap_read_faults(pm->addr + h))
		TH_LOG("the hole's first byte is still readable");
	EXPECT_TRUE(pfnmap_read_faults(pm->addr + h + SZ_2M - 1))
		TH_LOG("the hole's last byte is still readable");

	split_refault(_metadata, self, 0, h, true, "below the hole");
	split_refault(_metadata, self, h + SZ_2M, len, true, "above the hole");
	split_check_data(_metadata, self, hp, ep);
	split_write_lands(_metadata, self, hp - 1);
	split_write_lands(_metadata, self, ep);
	split_check_memtype(_metadata, self);
}

MM_HARNESS_MAIN
