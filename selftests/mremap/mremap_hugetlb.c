// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() rules that are hugetlb's own (2 MiB pages): both lengths are
 * rounded up to the huge page size, so a shrink by less than a huge page
 * changes nothing and a 4 KiB move moves a whole huge page; the old and
 * the new address must be huge-page-aligned, the new one even without
 * MREMAP_FIXED (where it is otherwise ignored); a move hands over the
 * huge pages rather than copying them.
 */
#include <errno.h>
#include <sys/mman.h>

#include "mremap/mremap_fixture.h"

#define SALT		0x4a6e

FIXTURE(mremap_hugetlb) {
	MREMAP_FIXTURE_MEMBERS;
};

FIXTURE_SETUP(mremap_hugetlb)
{
	MREMAP_FIXTURE_SETUP(MAPPING_KIND_HUGETLB, SALT);
}

FIXTURE_TEARDOWN_PARENT(mremap_hugetlb)
{
	mremap_window_restore(&self->w);
}

TEST_F(mremap_hugetlb, shrink_less_than_huge_page)
{
	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len,
					self->len - MM_PAGE, 0, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

/* new_len rounds up: 3 huge pages minus 4 KiB keeps 3 huge pages. */
TEST_F(mremap_hugetlb, shrink_rounds_up)
{
	size_t keep = self->len - SZ_2M;

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len,
					keep - MM_PAGE, 0, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, keep));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, keep, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map + keep, SZ_2M);
}

/* old_len rounds up too: moving 4 KiB moves the whole first huge page. */
TEST_F(mremap_hugetlb, small_move_moves_huge_page)
{
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, MM_PAGE, MM_PAGE,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	EXPECT_TRUE(mremap_util_is_one_vma(self->dst, SZ_2M));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, SZ_2M, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, SZ_2M);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map + SZ_2M, self->len - SZ_2M));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map + SZ_2M,
		  self->len - SZ_2M, SALT, SZ_2M / MM_PAGE);
}

/*
 * Without MREMAP_FIXED the new address means nothing, yet it has to be
 * huge-page-aligned: an aligned one is ignored, a misaligned one is
 * EINVAL.
 */
TEST_F(mremap_hugetlb, new_addr_checked_without_fixed)
{
	struct mm_vma vma;

	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len / 2, 0,
				     self->dst + MM_PAGE));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len / 2,
					0, self->dst));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len / 2));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, self->len / 2, SALT, 0);
	/* Nothing went there: it is still the window's reservation. */
	ASSERT_TRUE(mremap_util_vma_at(self->dst, &vma));
	EXPECT_STREQ("---p", vma.perms);
}

TEST_F(mremap_hugetlb, expand_fixed_einval)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, 2 * self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->dst));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

/* A move takes the huge pages along: none is allocated or freed. */
TEST_F(mremap_hugetlb, move_keeps_pages)
{
	long before = mapping_kind_huge_free();

	ASSERT_LE(0, before);
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	EXPECT_EQ(before, mapping_kind_huge_free());
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	EXPECT_EQ(before, mapping_kind_huge_free());
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

MM_HARNESS_MAIN
