// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE with a VM_PFNMAP mapping (PMD- and PUD-mapped, from the
 * test module and from a vfio-pci BAR; lib/pfnmap/pfnmap_provider.h) as
 * its source or its destination: EINVAL before a page-table entry is
 * looked at, .move = -EINVAL, and the pfnmap's entries (level, pfn,
 * present), its data and the anonymous side untouched.
 *
 * move_pages() refuses a VM_SHARED source or destination first (every
 * huge pfnmap is shared: vfio refuses MAP_PRIVATE, the module's private
 * mappings are remap_pfn_range() PTEs); validate_move_areas() ->
 * vma_move_compatible() refuses VM_PFNMAP | VM_IO on either side, which
 * the private PTE variant reaches.  A pfnmap cannot be registered as a
 * destination at all: vma_can_userfault() refuses VM_SPECIAL, so
 * UFFDIO_REGISTER is EINVAL too.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define RW		(PROT_READ | PROT_WRITE)
#define ANON_PAGES	4

FIXTURE(move_pfnmap) {
	int uffd;
	struct pfnmap pm;
	bool got;
	char *anon;		/* empty, registered MISSING */
	size_t anon_len;
	char *filled;		/* ANON_PAGES of data, not registered */
	uint64_t seed;
	uint64_t pages[PFNMAP_KMOD_MAX_SAMPLES];
	int npages;
};

FIXTURE_VARIANT(move_pfnmap) {
	struct pfnmap_req req;
};

#define PFNMAP(_p, _l, _sh, _len)					\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = RW, .len = _len }

FIXTURE_VARIANT_ADD(move_pfnmap, kmod_pmd) {
	PFNMAP(PFNMAP_KMOD, PMD, true, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(move_pfnmap, kmod_pud) {
	PFNMAP(PFNMAP_KMOD, PUD, true, SZ_1G) };
FIXTURE_VARIANT_ADD(move_pfnmap, vfio_pmd) {
	PFNMAP(PFNMAP_VFIO, PMD, true, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(move_pfnmap, vfio_pud) {
	PFNMAP(PFNMAP_VFIO, PUD, true, SZ_1G) };
/* Not VM_SHARED: refused by vma_move_compatible() instead. */
FIXTURE_VARIANT_ADD(move_pfnmap, kmod_pte_private) {
	PFNMAP(PFNMAP_KMOD, PTE, false, 2 * SZ_2M) };

FIXTURE_SETUP(move_pfnmap)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t start;
	char why[512];

	self->uffd = -1;
	self->got = false;
	self->anon = self->filled = MAP_FAILED;
	self->anon_len = variant->req.len;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	if (!pfnmap_get_or_skip(_metadata, pm, &variant->req, &self->got))
		return;
	start = (uintptr_t)pm->addr;
	self->seed = mm_seed();
	self->npages = pfnmap_samples(pm, self->pages);
	/* A private mapping's writes would only make copies. */
	if (variant->req.shared)
		pfnmap_fill_map(pm, self->seed, self->pages, self->npages);
	else
		ASSERT_EQ(0, pfnmap_fill_path(pm, self->seed, self->pages,
					      self->npages));
	pfnmap_touch(pm, 0, variant->req.len, start, start + variant->req.len,
		     false);
	/* Verified, not assumed: every entry at the level asked for. */
	ASSERT_EQ(0, pfnmap_check_entries(pm, 0, variant->req.len, start,
					  start + variant->req.len, 0, 0, why,
					  sizeof(why)))
		TH_LOG("before the move: %s", why);

	/*
	 * As large as the pfnmap and aligned like it, so every move here
	 * fits both VMAs; MAP_NORESERVE, as 1 GiB must not need that much
	 * free memory.
	 */
	self->anon = mm_mmap_at(-1, 0, self->anon_len, RW,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				pfnmap_level_size(variant->req.level), 0);
	ASSERT_NE(MAP_FAILED, self->anon);
	ASSERT_EQ(0, madvise(self->anon, self->anon_len, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, uffd_register(self->uffd, self->anon, self->anon_len,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	self->filled = uffd_util_map(ANON_PAGES * PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, self->filled);
	ASSERT_EQ(0, madvise(self->filled, ANON_PAGES * PAGE, MADV_NOHUGEPAGE));
	uffd_util_fill(self->filled, ANON_PAGES, 0);
}

FIXTURE_TEARDOWN(move_pfnmap)
{
	if (self->got)
		pfnmap_put(&self->pm);
	uffd_unmap_pair(self->uffd, self->anon, MAP_FAILED, self->anon_len);
	if (self->filled != MAP_FAILED)
		munmap(self->filled, ANON_PAGES * PAGE);
}

/* The pfnmap as it was: every entry (oracle), the data both ways. */
static void expect_pfnmap_intact(struct __test_metadata *_metadata,
				 FIXTURE_DATA(move_pfnmap) *self)
{
	uintptr_t start = (uintptr_t)self->pm.addr;
	uint64_t len = self->pm.req.len;
	char why[512];

	EXPECT_EQ(0, pfnmap_check_entries(&self->pm, 0, len, start,
					  start + len, 0, 0, why, sizeof(why)))
		TH_LOG("after the move: %s", why);
	EXPECT_EQ(-1, pfnmap_check_map(&self->pm, self->seed, self->pages,
				       self->npages));
	EXPECT_EQ(-1, pfnmap_check_path(&self->pm, self->seed, self->pages,
					self->npages));
}

/* The move of len bytes is EINVAL (move_pages() wrote .move), and only that. */
#define EXPECT_MOVE_EINVAL(dst, src, len) do {				\
	int64_t _m;							\
	EXPECT_EQ(-EINVAL, uffd_move(self->uffd, (dst), (src), (len), 0,\
				     &_m));				\
	EXPECT_EQ(-EINVAL, _m);						\
} while (0)

/*
 * The pfnmap as the source, into an empty registered anonymous range:
 * one entry's worth from the start, one page, and one page at the last
 * page of the mapping (the entry's far edge).
 */
TEST_F(move_pfnmap, src)
{
	uint64_t entry = pfnmap_level_size(variant->req.level);
	uint64_t last = variant->req.len - PAGE;

	EXPECT_MOVE_EINVAL(self->anon, self->pm.addr, entry);
	EXPECT_MOVE_EINVAL(self->anon, self->pm.addr, PAGE);
	EXPECT_MOVE_EINVAL(self->anon + last, self->pm.addr + last, PAGE);
	EXPECT_TRUE(uffd_util_range_empty(self->anon, ANON_PAGES));
	EXPECT_TRUE(uffd_util_range_empty(self->anon + last, 1));
	expect_pfnmap_intact(_metadata, self);
}

/*
 * The pfnmap as the destination: it cannot be registered
 * (vma_can_userfault(): VM_SPECIAL), and a move into it from a
 * populated anonymous range is EINVAL, the anonymous pages staying put.
 */
TEST_F(move_pfnmap, dst)
{
	uint64_t entry = pfnmap_level_size(variant->req.level);

	EXPECT_EQ(-EINVAL, uffd_register(self->uffd, self->pm.addr,
					 variant->req.len,
					 UFFDIO_REGISTER_MODE_MISSING, NULL));
	EXPECT_MOVE_EINVAL(self->pm.addr, self->filled, PAGE);
	EXPECT_MOVE_EINVAL(self->pm.addr, self->filled, ANON_PAGES * PAGE);
	EXPECT_MOVE_EINVAL(self->pm.addr + entry - PAGE, self->filled, PAGE);
	ASSERT_TRUE(uffd_util_range_present(self->filled, ANON_PAGES));
	EXPECT_EQ(-1, uffd_util_check(self->filled, ANON_PAGES, 0));
	expect_pfnmap_intact(_metadata, self);
}

/*
 * Control: the same anonymous pages move into the registered anonymous
 * range, so the EINVALs above are the pfnmap's.
 */
TEST_F(move_pfnmap, anon_control)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->anon, self->filled,
			       ANON_PAGES * PAGE, 0, &moved));
	EXPECT_EQ((int64_t)(ANON_PAGES * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->anon, ANON_PAGES, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->filled, ANON_PAGES));
	expect_pfnmap_intact(_metadata, self);
}

MM_HARNESS_MAIN
