// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() of PMD-mapped anonymous THPs: a move between PMD-aligned
 * addresses moves the PMD entries themselves, so the THPs stay
 * PMD-mapped (smaps AnonHugePages counts PMD-mapped THP only); a move to
 * an address that is not PMD-aligned has to split them, and a shrink
 * that cuts a THP splits that one only.  The data survives every case.
 */
#include <errno.h>
#include <sys/mman.h>

#include "mremap/mremap_fixture.h"

#define SALT	0x7a9

FIXTURE(mremap_thp) {
	MREMAP_FIXTURE_MEMBERS;
	long len_kb;
};

FIXTURE_SETUP(mremap_thp)
{
	MREMAP_FIXTURE_SETUP(MAPPING_KIND_THP, SALT);
	self->len_kb = self->len >> 10;
	MREMAP_FIXTURE_ASSERT_THP_MAPPED();
}

FIXTURE_TEARDOWN_PARENT(mremap_thp)
{
	mremap_window_restore(&self->w);
}

TEST_F(mremap_thp, move_pmd_aligned_keeps_pmd)
{
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	EXPECT_EQ(self->len_kb, mm_smaps_kb(self->dst, "AnonHugePages"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

TEST_F(mremap_thp, move_unaligned_splits)
{
	char *dst = self->dst + MM_PAGE;

	ASSERT_EQ(dst, mremap_util_mremap(self->map, self->len, self->len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	EXPECT_EQ(0, mm_smaps_kb(dst, "AnonHugePages"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

TEST_F(mremap_thp, dontunmap_keeps_pmd)
{
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED |
					MREMAP_DONTUNMAP, self->dst));
	EXPECT_EQ(self->len_kb, mm_smaps_kb(self->dst, "AnonHugePages"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	EXPECT_EQ(0, mm_smaps_kb(self->map, "Rss"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_ZERO, self->map, self->len, SALT, 0);
}

/*
 * The kernel picks the address of a growing move; wherever that is, the
 * THPs stay PMD-mapped exactly when it is PMD-aligned.
 */
TEST_F(mremap_thp, expand_move)
{
	char *ret = mremap_util_mremap(self->map, self->len, 2 * self->len,
			       MREMAP_MAYMOVE, NULL);

	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	TH_LOG("moved to %p (%sPMD-aligned)", ret,
	       (unsigned long)ret % SZ_2M ? "not " : "");
	EXPECT_EQ((unsigned long)ret % SZ_2M ? 0 : self->len_kb,
		  mm_smaps_kb(ret, "AnonHugePages"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	munmap(ret, 2 * self->len);
}

/* Cutting inside the third THP leaves the first two PMD-mapped. */
TEST_F(mremap_thp, shrink_inside_thp)
{
	size_t keep = 2 * SZ_2M + 5 * MM_PAGE;

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, keep, 0, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, keep));
	EXPECT_EQ((long)(2 * SZ_2M >> 10),
		  mm_smaps_kb(self->map, "AnonHugePages"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, keep, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map + keep, self->len - keep);
}

MM_HARNESS_MAIN
