// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() errors on every kind of mapping: each refused call returns the
 * documented errno and leaves the mapping, its data and its neighbours as
 * they were.
 *
 * hugetlb gets its own answers where its rules come first: lengths are
 * rounded to 2 MiB, addresses must be 2 MiB-aligned, any expand is EINVAL
 * and its VMAs are VM_DONTEXPAND, which MREMAP_DONTUNMAP refuses.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mremap/mremap_fixture.h"

#ifndef __NR_mseal
#define __NR_mseal 462
#endif

#define SALT		0xe770
#define SALT_DST	0xd5d5

FIXTURE(mremap_err) {
	MREMAP_FIXTURE_MEMBERS;
};

MREMAP_FIXTURE_KIND_VARIANTS(mremap_err);

FIXTURE_SETUP(mremap_err)
{
	MREMAP_FIXTURE_SETUP(variant->kind, SALT);
}

FIXTURE_TEARDOWN_PARENT(mremap_err)
{
	mremap_window_restore(&self->w);
}

TEST_F(mremap_err, fixed_without_maymove)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_FIXED, self->dst));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, overlap_fixed)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->map + self->unit));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

/* A DONTUNMAP destination hint may not overlap the source either. */
TEST_F(mremap_err, overlap_dontunmap)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
				     self->map + self->unit));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, misaligned_old)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map + 1, self->len - MM_PAGE,
				     self->len - MM_PAGE, MREMAP_MAYMOVE |
				     MREMAP_FIXED, self->dst));
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map + 1, MM_PAGE, MM_PAGE, 0,
				     NULL));
	if (variant->kind == MAPPING_KIND_HUGETLB) {
		/* Page-aligned is not enough: huge-page-aligned. */
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map + MM_PAGE, MM_PAGE,
					     MM_PAGE, MREMAP_MAYMOVE |
					     MREMAP_FIXED, self->dst));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, misaligned_new_fixed)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->dst + 1));
	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
					     MREMAP_MAYMOVE | MREMAP_FIXED,
					     self->dst + MM_PAGE));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, misaligned_new_dontunmap)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
				     self->dst + 1));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, new_len_zero)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, 0, 0, NULL));
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, 0,
				     MREMAP_MAYMOVE | MREMAP_FIXED, self->dst));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, unknown_flags)
{
	static const unsigned long bad[] = { 8, 0x10, 1UL << 31, 1UL << 63 };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
					     bad[i], NULL));
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len,
					     self->len / 2,
					     MREMAP_MAYMOVE | bad[i], NULL));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, old_range_unmapped)
{
	char *hole = self->map + self->len + self->unit;

	mremap_window_free_after(&self->w);
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(hole, self->unit, self->unit, 0, NULL));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(hole, self->unit, 2 * self->unit,
				     MREMAP_MAYMOVE, NULL));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(hole, self->unit, self->unit,
				     MREMAP_MAYMOVE | MREMAP_FIXED, self->dst));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_range_unmapped(hole, self->unit));
}

/* An expand or a DONTUNMAP move may not reach into the next VMA. */
TEST_F(mremap_err, old_range_spans_vmas)
{
	size_t span = self->len + self->unit;

	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : EFAULT,
		  mremap_util_mremap(self->map, span, 2 * span, MREMAP_MAYMOVE, NULL));
	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : EFAULT,
		  mremap_util_mremap(self->map, span, span,
			     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_in_one_vma(self->map + self->len, self->unit));
}

TEST_F(mremap_err, dontunmap_without_maymove)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_DONTUNMAP, NULL));
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_DONTUNMAP | MREMAP_FIXED,
				     self->dst));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, dontunmap_resize)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len / 2,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len / 2, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

/* Every kind of remap of a sealed VMA is refused, before anything else. */
TEST_F(mremap_err, sealed)
{
	char *half = self->map + self->len / 2;

	if (syscall(__NR_mseal, self->map, self->len, 0)) {
		ASSERT_EQ(ENOSYS, errno);
		SKIP(return, "kernel has no mseal() (ENOSYS)");
	}
	mremap_window_free_after(&self->w);
	MREMAP_EXPECT_FAILS(EPERM, mremap_util_mremap(self->map, self->len, self->len / 2, 0,
				    NULL));
	MREMAP_EXPECT_FAILS(EPERM, mremap_util_mremap(self->map, self->len, 2 * self->len, 0,
				    NULL));
	MREMAP_EXPECT_FAILS(EPERM, mremap_util_mremap(self->map, self->len, self->len,
				    MREMAP_MAYMOVE | MREMAP_FIXED, self->dst));
	MREMAP_EXPECT_FAILS(EPERM, mremap_util_mremap(half, self->len / 2, self->len / 2,
				    MREMAP_MAYMOVE | MREMAP_FIXED, self->dst));
	if (variant->kind != MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EPERM, mremap_util_mremap(self->map, self->len, self->len,
					    MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
					    NULL));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

/*
 * A FIXED remap that is refused leaves the destination mapped.  The
 * refusal: for hugetlb a DONTUNMAP (VM_DONTEXPAND), for the others an
 * expand whose old range reaches into the next VMA.
 */
TEST_F(mremap_err, refused_fixed_keeps_destination)
{
	size_t span = self->len + self->unit;
	size_t dst_len = (MREMAP_WINDOW_UNITS - MREMAP_WINDOW_DST_UNIT) * self->unit;
	char *ret;

	ASSERT_EQ(self->dst, mremap_util_map_filled(self->dst, dst_len, SALT_DST));
	if (variant->kind == MAPPING_KIND_HUGETLB) {
		ret = mremap_util_mremap(self->map, self->len, self->len,
				 MREMAP_MAYMOVE | MREMAP_FIXED |
				 MREMAP_DONTUNMAP, self->dst);
		MREMAP_EXPECT_FAILS(EINVAL, ret);
	} else {
		/* Stays inside the window even if the target is unmapped. */
		ret = mremap_util_mremap(self->map, span, span + self->unit,
				 MREMAP_MAYMOVE | MREMAP_FIXED, self->dst);
		MREMAP_EXPECT_FAILS(EFAULT, ret);
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_is_one_vma(self->dst, dst_len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, dst_len, SALT_DST, 0);
}

/*
 * The boundary pairs: for each check that refuses, the last input it
 * refuses and the first it accepts, one page (the kernel's granule: a
 * huge page for hugetlb, whose addresses must be huge-page aligned
 * before any other check looks at them) apart.
 */
static size_t err_granule(enum mapping_kind kind)
{
	return kind == MAPPING_KIND_HUGETLB ? mapping_kind_unit(kind) : MM_PAGE;
}

/* The page of the data stream that @addr, inside the mapping, holds. */
static unsigned long err_pg(FIXTURE_DATA(mremap_err) *self, const char *addr)
{
	return (addr - self->map) / MM_PAGE;
}

/*
 * The overlap check: mremap_to() (6.1, 6.12) and check_mremap_params() ->
 * vrm_overlaps() (7.2) refuse addr + old_len > new_addr && new_addr +
 * new_len > addr with EINVAL, before anything is unmapped.  End edge: the
 * new range starting one granule before the old end vs at it.
 */
TEST_F(mremap_err, edge_fixed_overlap_end)
{
	char *at = self->map + self->len - err_granule(variant->kind);

	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED, at));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, edge_fixed_adjacent_end)
{
	char *at = self->map + self->len;

	ASSERT_EQ(at, mremap_util_mremap(self->map, self->len, self->len,
				 MREMAP_MAYMOVE | MREMAP_FIXED, at));
	EXPECT_TRUE(mremap_util_is_one_vma(at, self->len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, at, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

/*
 * Start edge of the same check: the upper half moved down so that the
 * new range ends one granule past the old start vs exactly at it.
 */
TEST_F(mremap_err, edge_fixed_overlap_start)
{
	size_t half = self->len / 2;
	char *at = self->map + err_granule(variant->kind);

	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map + half, half, half,
				     MREMAP_MAYMOVE | MREMAP_FIXED, at));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, edge_fixed_adjacent_start)
{
	size_t half = self->len / 2;
	char *old = self->map + half;

	ASSERT_EQ(self->map, mremap_util_mremap(old, half, half,
					MREMAP_MAYMOVE | MREMAP_FIXED, self->map));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, half));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, half, SALT,
			    err_pg(self, old));
	mremap_expect_unmapped(_metadata, old, half);
}

/*
 * A DONTUNMAP hint goes through the same overlap check (mremap_to() is
 * entered for MREMAP_FIXED | MREMAP_DONTUNMAP; 7.2: vrm_implies_new_addr()).
 * The accepted side gets a free hint, so it is taken as it is; hugetlb
 * is then refused by the next check, VM_DONTEXPAND (vma_to_resize(),
 * 7.2 check_prep_vma()).
 */
static void err_expect_dontunmap_moved(struct __test_metadata *_metadata,
				       FIXTURE_DATA(mremap_err) *self,
				       enum mapping_kind kind, char *old,
				       size_t len, char *at)
{
	char *ret = mremap_util_mremap(old, len, len,
				       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, at);

	if (kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		EXPECT_TRUE(mremap_util_is_one_vma(old, len));
		mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, old, len, SALT,
				    err_pg(self, old));
		return;
	}
	ASSERT_EQ(at, ret) TH_LOG("errno %d (%s)", errno, strerror(errno));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, at, len, SALT,
			    err_pg(self, old));
	EXPECT_TRUE(mremap_util_is_one_vma(old, len));
	mremap_expect_reads(_metadata, mapping_kind_dontunmap_source(kind), old, len,
			    SALT, err_pg(self, old));
}

TEST_F(mremap_err, edge_dontunmap_overlap_end)
{
	char *at = self->map + self->len - err_granule(variant->kind);

	mremap_window_free_after(&self->w);
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, at));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_range_unmapped(self->map + self->len, self->len));
}

TEST_F(mremap_err, edge_dontunmap_adjacent_end)
{
	mremap_window_free_after(&self->w);
	err_expect_dontunmap_moved(_metadata, self, variant->kind, self->map,
				   self->len, self->map + self->len);
}

/* The lower half unmapped, so the hint at the mapping's start is free. */
TEST_F(mremap_err, edge_dontunmap_overlap_start)
{
	size_t half = self->len / 2;
	char *old = self->map + half;

	ASSERT_EQ(0, munmap(self->map, half));
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(old, half, half,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
				     self->map + err_granule(variant->kind)));
	EXPECT_TRUE(mremap_util_is_one_vma(old, half));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, old, half, SALT,
			    err_pg(self, old));
	EXPECT_TRUE(mremap_util_range_unmapped(self->map, half));
}

TEST_F(mremap_err, edge_dontunmap_adjacent_start)
{
	size_t half = self->len / 2;

	ASSERT_EQ(0, munmap(self->map, half));
	err_expect_dontunmap_moved(_metadata, self, variant->kind, self->map + half,
				   half, self->map);
}

/*
 * The old range must end inside its VMA: vma_to_resize() (6.1, 6.12) and
 * check_prep_vma() (7.2) refuse old_len > vma->vm_end - addr with EFAULT,
 * whichever VMA addr is in.  Edges: the range one page past the mapping's
 * end (into the PROT_NONE blocker), one page before its start (addr in
 * the PROT_NONE guard), and exactly the mapping.  An expand (MAYMOVE, so
 * not a move-only call, which 7.2 lets span VMAs); hugetlb refuses any
 * expand first (EINVAL), except from the guard, which is not hugetlb.
 */
TEST_F(mremap_err, edge_expand_past_vma_end)
{
	size_t old_len = self->len + MM_PAGE;

	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : EFAULT,
		  mremap_util_mremap(self->map, old_len, old_len + self->unit,
				     MREMAP_MAYMOVE, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_in_one_vma(self->map + self->len, self->unit));
}

TEST_F(mremap_err, edge_expand_before_vma_start)
{
	char *guard = self->map - MM_PAGE;

	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(guard, self->len + MM_PAGE,
				     self->len + MM_PAGE + self->unit,
				     MREMAP_MAYMOVE, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_is_one_vma(mremap_window_at(&self->w, 0), self->unit));
}

TEST_F(mremap_err, edge_expand_whole_vma)
{
	size_t new_len = self->len + self->unit;
	char *ret = mremap_util_mremap(self->map, self->len, new_len,
				       MREMAP_MAYMOVE, NULL);

	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_NE(MAP_FAILED, ret) TH_LOG("errno %d (%s)", errno, strerror(errno));
	EXPECT_TRUE(mremap_util_in_one_vma(ret, new_len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

/* The same check for a DONTUNMAP move (not move-only in 7.2 either). */
TEST_F(mremap_err, edge_dontunmap_past_vma_end)
{
	size_t old_len = self->len + MM_PAGE;

	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : EFAULT,
		  mremap_util_mremap(self->map, old_len, old_len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_in_one_vma(self->map + self->len, self->unit));
}

TEST_F(mremap_err, edge_dontunmap_whole_vma)
{
	char *ret = mremap_util_mremap(self->map, self->len, self->len,
				       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);

	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_NE(MAP_FAILED, ret) TH_LOG("errno %d (%s)", errno, strerror(errno));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	mremap_expect_reads(_metadata, mapping_kind_dontunmap_source(variant->kind),
			    self->map, self->len, SALT, 0);
}

/*
 * Address alignment: offset_in_page(addr) in sys_mremap() (7.2:
 * check_mremap_params()), offset_in_page(new_addr) in mremap_to() (7.2:
 * check_mremap_params()), and for hugetlb addr & ~huge_page_mask() for
 * both (sys_mremap(), 7.2 align_hugetlb()): EINVAL, nothing unmapped.
 * Refused: one byte past the mapping's start and one byte before the
 * next granule, and for hugetlb one 4 KiB page before it; accepted: the
 * granule.
 */
TEST_F(mremap_err, edge_old_addr_misaligned)
{
	size_t g = err_granule(variant->kind);
	char *at[] = { self->map + 1, self->map + g - 1, self->map + g - MM_PAGE };
	unsigned int i, n = variant->kind == MAPPING_KIND_HUGETLB ? 3 : 2;

	for (i = 0; i < n; i++) {
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(at[i], self->len - g,
					     self->len - g,
					     MREMAP_MAYMOVE | MREMAP_FIXED,
					     self->dst));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, edge_old_addr_aligned)
{
	size_t g = err_granule(variant->kind);
	char *old = self->map + g;

	ASSERT_EQ(self->dst, mremap_util_mremap(old, self->len - g, self->len - g,
					MREMAP_MAYMOVE | MREMAP_FIXED, self->dst));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len - g,
			    SALT, err_pg(self, old));
	mremap_expect_unmapped(_metadata, old, self->len - g);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, g, SALT, 0);
}

TEST_F(mremap_err, edge_new_addr_misaligned)
{
	size_t g = err_granule(variant->kind);
	char *at[] = { self->dst + 1, self->dst + g - 1, self->dst + g - MM_PAGE };
	unsigned int i, n = variant->kind == MAPPING_KIND_HUGETLB ? 3 : 2;

	for (i = 0; i < n; i++) {
		MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len,
					     self->len,
					     MREMAP_MAYMOVE | MREMAP_FIXED,
					     at[i]));
	}
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_err, edge_new_addr_aligned)
{
	char *at = self->dst + err_granule(variant->kind);

	ASSERT_EQ(at, mremap_util_mremap(self->map, self->len, self->len,
				 MREMAP_MAYMOVE | MREMAP_FIXED, at));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, at, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

/*
 * new_len is rounded up (PAGE_ALIGN(); hugetlb: to the huge page) before
 * the !new_len check refuses it: 0 is EINVAL (new_len_zero), one byte is
 * a shrink to one granule.
 */
TEST_F(mremap_err, edge_new_len_one_byte)
{
	size_t g = err_granule(variant->kind);

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, 1, 0, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, g));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, g, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map + g, self->len - g);
}

/*
 * An expand in place needs the room: vma_expandable() refuses when
 * find_vma_intersection(vm_end, vm_end + delta) finds a VMA, and without
 * MREMAP_MAYMOVE that is ENOMEM.  With the blocker gone the next mapping
 * is the reserved destination: the largest expand ends exactly at it,
 * one page more is refused.  hugetlb refuses any expand (EINVAL) first.
 */
static size_t err_room(FIXTURE_DATA(mremap_err) *self)
{
	return self->dst - (self->map + self->len);
}

TEST_F(mremap_err, edge_expand_in_place_fits)
{
	size_t room = err_room(self);
	char *ret;

	mremap_window_free_after(&self->w);
	ret = mremap_util_mremap(self->map, self->len, self->len + room, 0, NULL);
	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_EQ(self->map, ret) TH_LOG("errno %d (%s)", errno, strerror(errno));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len + room));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, self->len,
			    SALT, 0);
	mremap_expect_reads(_metadata, mapping_kind_expanded_tail(variant->kind),
			    self->map + self->len, room, SALT, self->len / MM_PAGE);
	EXPECT_TRUE(mremap_util_in_one_vma(self->dst, self->unit));
}

TEST_F(mremap_err, edge_expand_in_place_one_page_more)
{
	size_t room = err_room(self);

	mremap_window_free_after(&self->w);
	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : ENOMEM,
		  mremap_util_mremap(self->map, self->len,
				     self->len + room + MM_PAGE, 0, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	EXPECT_TRUE(mremap_util_range_unmapped(self->map + self->len, room));
}

MM_HARNESS_MAIN
