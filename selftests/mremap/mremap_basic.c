// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() basics on anonymous private memory: shrink, expand in place,
 * expand when blocked (with and without MREMAP_MAYMOVE), MREMAP_FIXED
 * onto an existing mapping, and overlapping ranges.
 *
 * The mapping under test sits one page into a PROT_NONE reservation, so
 * its neighbours are known: a PROT_NONE guard page before it (nothing can
 * merge with it there), and after it the rest of the reservation (which
 * blocks an in-place expand) or, once unmapped, free space.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>

#include "mm_harness.h"
#include "mremap/mremap_util.h"

#define NR_PAGES	8
#define LEN		(NR_PAGES * MM_PAGE)
#define WINDOW		(64 * MM_PAGE)
#define SALT_SRC	0x5eed
#define SALT_DST	0xd57

FIXTURE(mremap_basic) {
	char *window;	/* reservation; the mapping starts a page in */
	char *map;
};

FIXTURE_SETUP(mremap_basic)
{
	self->window = mremap_util_reserve(WINDOW, MM_PAGE);
	ASSERT_NE(MAP_FAILED, self->window);
	self->map = mremap_util_map_filled(self->window + MM_PAGE, LEN, SALT_SRC);
	ASSERT_EQ(self->window + MM_PAGE, self->map);
}

FIXTURE_TEARDOWN(mremap_basic)
{
	munmap(self->window, WINDOW);
}

/* Make the range right after the mapping free, up to the window's end. */
static void free_after(FIXTURE_DATA(mremap_basic) *self)
{
	munmap(self->map + LEN, self->window + WINDOW - (self->map + LEN));
}

TEST_F(mremap_basic, shrink_in_place)
{
	char *ret = mremap_util_mremap(self->map, LEN, LEN / 2, 0, NULL);

	ASSERT_EQ(self->map, ret);
	EXPECT_EQ(-1, mremap_util_check(self->map, LEN / 2, SALT_SRC, 0));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, LEN / 2));
	EXPECT_TRUE(mremap_util_range_unmapped(self->map + LEN / 2, LEN / 2));
	EXPECT_EQ(SIGSEGV, mm_probe_read(self->map + LEN / 2));
	EXPECT_EQ(SIGSEGV, mm_probe_read(self->map + LEN - MM_PAGE));
}

TEST_F(mremap_basic, expand_in_place)
{
	char *ret;

	free_after(self);
	ret = mremap_util_mremap(self->map, LEN, 2 * LEN, 0, NULL);
	ASSERT_EQ(self->map, ret);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, 2 * LEN));
	EXPECT_EQ(-1, mremap_util_check(self->map, LEN, SALT_SRC, 0));
	EXPECT_EQ(-1, mremap_util_check_zero(self->map + LEN, LEN));
}

TEST_F(mremap_basic, expand_blocked_nomove)
{
	char *ret = mremap_util_mremap(self->map, LEN, 2 * LEN, 0, NULL);

	ASSERT_EQ(MAP_FAILED, ret);
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, LEN));
	EXPECT_EQ(-1, mremap_util_check(self->map, LEN, SALT_SRC, 0));
	/* The blocker is untouched. */
	EXPECT_EQ(SIGSEGV, mm_probe_read(self->map + LEN));
}

TEST_F(mremap_basic, expand_blocked_maymove)
{
	char *ret = mremap_util_mremap(self->map, LEN, 2 * LEN, MREMAP_MAYMOVE, NULL);

	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	EXPECT_TRUE(mremap_util_in_one_vma(ret, 2 * LEN));
	EXPECT_EQ(-1, mremap_util_check(ret, LEN, SALT_SRC, 0));
	EXPECT_EQ(-1, mremap_util_check_zero(ret + LEN, LEN));
	EXPECT_TRUE(mremap_util_range_unmapped(self->map, LEN));
	EXPECT_EQ(SIGSEGV, mm_probe_read(self->map));
	munmap(ret, 2 * LEN);
}

TEST_F(mremap_basic, fixed_replaces_mapping)
{
	/* A destination twice as long: only its first half is replaced. */
	char *dst = self->window + WINDOW / 2;
	char *ret;

	ASSERT_EQ(dst, mremap_util_map_filled(dst, 2 * LEN, SALT_DST));

	ret = mremap_util_mremap(self->map, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED,
			 dst);
	ASSERT_EQ(dst, ret);
	EXPECT_EQ(-1, mremap_util_check(dst, LEN, SALT_SRC, 0));
	EXPECT_EQ(-1, mremap_util_check(dst + LEN, LEN, SALT_DST, NR_PAGES));
	EXPECT_TRUE(mremap_util_range_unmapped(self->map, LEN));
	EXPECT_EQ(SIGSEGV, mm_probe_read(self->map));
}

TEST_F(mremap_basic, overlap_einval)
{
	char *ret;

	free_after(self);
	ret = mremap_util_mremap(self->map, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED,
			 self->map + LEN / 2);
	ASSERT_EQ(MAP_FAILED, ret);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, LEN));
	EXPECT_EQ(-1, mremap_util_check(self->map, LEN, SALT_SRC, 0));
	EXPECT_TRUE(mremap_util_range_unmapped(self->map + LEN, LEN));
}

MM_HARNESS_MAIN
