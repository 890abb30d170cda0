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

MM_HARNESS_MAIN
