// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of transparent huge pages.  A PMD-aligned 2 MiB move of a
 * PMD-mapped THP into an empty, PMD-aligned destination moves the PMD
 * itself (the destination stays huge, whatever its MADV_NOHUGEPAGE
 * says); any other shape splits the source and moves 4 KiB at a time; a
 * THP already at the destination is EEXIST; the huge zero page moves as
 * a PMD too.  Every VMA here is exactly the region under test, so its
 * smaps AnonHugePages tells whether that region is PMD-mapped.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm_util.h"
#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define PMD		SZ_2M
#define PMD_PAGES	(PMD / PAGE)
#define DEADLINE_MS	5000

static long anon_huge_kb(const void *addr)
{
	return mm_smaps_kb(addr, "AnonHugePages");
}

FIXTURE(thp) {
	int uffd;
};

FIXTURE_SETUP(thp)
{
	self->uffd = -1;
	OPEN_UFFD_OR_SKIP(&self->uffd, UFFD_FEATURE_SIGBUS);
	THP_OR_SKIP();
}

FIXTURE_TEARDOWN(thp)
{
	if (self->uffd >= 0)
		close(self->uffd);
}

/*
 * A PMD-aligned VMA of len bytes holding one THP filled from first.
 * MADV_NOHUGEPAGE afterwards keeps khugepaged from collapsing what a
 * split leaves behind while the test looks at it.
 */
#define MAP_THP_OR_SKIP(var, len, first) do {				\
	(var) = uffd_util_map((len), PMD);					\
	ASSERT_NE(MAP_FAILED, (var));					\
	THP_FILL_OR_SKIP((var), (first));				\
	ASSERT_EQ(0, madvise((var), (len), MADV_NOHUGEPAGE));		\
} while (0)

static void pmd_move(struct __test_metadata *_metadata, int uffd, int advice)
{
	char *src, *dst = uffd_util_map_registered(uffd, PMD, PMD, advice);
	int64_t moved;

	ASSERT_NE(NULL, dst);
	MAP_THP_OR_SKIP(src, PMD, 0);
	ASSERT_EQ(0, uffd_move(uffd, dst, src, PMD, 0, &moved));
	ASSERT_EQ((int64_t)PMD, moved);
	EXPECT_TRUE(uffd_util_is_pmd_thp(dst))
		TH_LOG("dst not PMD-mapped (AnonHugePages %ld kB)",
		       anon_huge_kb(dst));
	EXPECT_EQ(-1, uffd_util_check(dst, PMD_PAGES, 0));
	EXPECT_TRUE(uffd_util_range_empty(src, PMD_PAGES));
	EXPECT_EQ(0, anon_huge_kb(src));
	munmap(src, PMD);
	munmap(dst, PMD);
}

TEST_F(thp, pmd_move)
{
	pmd_move(_metadata, self->uffd, 0);
}

/* move_pages_huge_pmd() does not consult the destination's THP advice. */
TEST_F(thp, pmd_move_nohugepage_dst)
{
	pmd_move(_metadata, self->uffd, MADV_NOHUGEPAGE);
}

/* Source starts 4 KiB into the THP: split, 511 pages moved one by one. */
TEST_F(thp, split_src_unaligned)
{
	char *src, *dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	int64_t moved;

	ASSERT_NE(NULL, dst);
	MAP_THP_OR_SKIP(src, PMD, 0);
	ASSERT_EQ(0, uffd_move(self->uffd, dst, src + PAGE, PMD - PAGE, 0,
			       &moved));
	ASSERT_EQ((int64_t)(PMD - PAGE), moved);
	ASSERT_TRUE(uffd_util_range_present(dst, PMD_PAGES - 1));
	EXPECT_EQ(-1, uffd_util_check(dst, PMD_PAGES - 1, 1));
	EXPECT_TRUE(uffd_util_range_empty(dst + PMD - PAGE, 1));
	EXPECT_EQ(-1, uffd_util_check(src, 1, 0));
	EXPECT_TRUE(uffd_util_range_empty(src + PAGE, PMD_PAGES - 1));
	EXPECT_EQ(0, anon_huge_kb(src));
	EXPECT_EQ(0, anon_huge_kb(dst));
	munmap(src, PMD);
	munmap(dst, PMD);
}

/* Destination 4 KiB past a PMD boundary: split, moved by PTE. */
TEST_F(thp, split_dst_unaligned)
{
	char *src, *dst = uffd_util_map_registered(self->uffd, 2 * PMD, PMD, 0);
	int64_t moved;

	ASSERT_NE(NULL, dst);
	MAP_THP_OR_SKIP(src, PMD, 0);
	ASSERT_EQ(0, uffd_move(self->uffd, dst + PAGE, src, PMD, 0, &moved));
	ASSERT_EQ((int64_t)PMD, moved);
	ASSERT_TRUE(uffd_util_range_present(dst + PAGE, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(dst + PAGE, PMD_PAGES, 0));
	EXPECT_TRUE(uffd_util_range_empty(src, PMD_PAGES));
	EXPECT_EQ(0, anon_huge_kb(dst));
	munmap(src, PMD);
	munmap(dst, 2 * PMD);
}

/* Less than 2 MiB: split; the rest stays at the source, intact. */
TEST_F(thp, split_short_len)
{
	char *src, *dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	size_t half = PMD_PAGES / 2;
	int64_t moved;

	ASSERT_NE(NULL, dst);
	MAP_THP_OR_SKIP(src, PMD, 0);
	ASSERT_EQ(0, uffd_move(self->uffd, dst, src, PMD / 2, 0, &moved));
	ASSERT_EQ((int64_t)(PMD / 2), moved);
	ASSERT_TRUE(uffd_util_range_present(dst, half));
	EXPECT_EQ(-1, uffd_util_check(dst, half, 0));
	EXPECT_TRUE(uffd_util_range_empty(dst + PMD / 2, half));
	EXPECT_TRUE(uffd_util_range_empty(src, half));
	ASSERT_TRUE(uffd_util_range_present(src + PMD / 2, half));
	EXPECT_EQ(-1, uffd_util_check(src + PMD / 2, half, half));
	EXPECT_EQ(0, anon_huge_kb(src));
}

/*
 * A page table already at the destination (its last page populated):
 * the THP is split and moved by PTE until the populated page, which
 * stops the move (EAGAIN, 511 pages); the retry reports EEXIST there.
 */
TEST_F(thp, split_dst_page_table)
{
	char *src, *dst = uffd_util_map(PMD, PMD);
	char *last;
	int64_t moved;

	ASSERT_NE(MAP_FAILED, dst);
	last = dst + PMD - PAGE;
	ASSERT_EQ(0, madvise(dst, PMD, MADV_NOHUGEPAGE));
	uffd_util_fill(last, 1, 9999);
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PMD,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	MAP_THP_OR_SKIP(src, PMD, 0);

	ASSERT_EQ(-EAGAIN, uffd_move(self->uffd, dst, src, PMD, 0, &moved));
	ASSERT_EQ((int64_t)(PMD - PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(dst, PMD_PAGES - 1, 0));
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, last, src + PMD - PAGE, PAGE,
				     0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(last, 1, 9999));
	EXPECT_EQ(-1, uffd_util_check(src + PMD - PAGE, 1, PMD_PAGES - 1));
	EXPECT_TRUE(uffd_util_range_empty(src, PMD_PAGES - 1));
	EXPECT_EQ(0, anon_huge_kb(dst));
}

/* A THP at the destination is EEXIST, whole or in part. */
TEST_F(thp, dst_thp_exists)
{
	char *src, *dst;
	int64_t moved;

	MAP_THP_OR_SKIP(dst, PMD, 5000);
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PMD,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	MAP_THP_OR_SKIP(src, PMD, 0);
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, dst, src, PMD, 0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, dst + PAGE, src, PAGE, 0,
				     &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_TRUE(uffd_util_is_pmd_thp(dst));
	EXPECT_EQ(-1, uffd_util_check(dst, PMD_PAGES, 5000));
	EXPECT_TRUE(uffd_util_is_pmd_thp(src));
	EXPECT_EQ(-1, uffd_util_check(src, PMD_PAGES, 0));
}

/* Is the 2 MiB at addr the huge zero page?  -1 when PFNs are hidden. */
static int is_huge_zero(const void *addr)
{
	uint64_t flags;
	int ret = uffd_util_kpageflags(addr, &flags);

	if (ret == -ENODATA || ret == -EPERM || ret == -EACCES)
		return -1;
	return !ret && (flags & MM_KPF_ZERO) && (flags & MM_KPF_THP);
}

TEST_F(thp, huge_zero_page)
{
	char *src = uffd_util_map(PMD, PMD);
	char *dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	char buf[16] = "";
	int64_t moved;
	int zero;

	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(NULL, dst);
	if (mm_read_str("/sys/kernel/mm/transparent_hugepage/use_zero_page",
			buf, sizeof(buf)) >= 0 && buf[0] == '0')
		SKIP(return, "huge zero page disabled (use_zero_page=0)");
	ASSERT_EQ(0, madvise(src, PMD, MADV_HUGEPAGE));
	(void)*(volatile char *)src;
	ASSERT_TRUE(uffd_util_range_present(src, PMD_PAGES))
		TH_LOG("a read fault did not map the huge zero page");
	zero = is_huge_zero(src);
	if (zero >= 0)
		ASSERT_EQ(1, zero) TH_LOG("src is not the huge zero page");

	ASSERT_EQ(0, uffd_move(self->uffd, dst, src, PMD, 0, &moved));
	ASSERT_EQ((int64_t)PMD, moved);
	ASSERT_TRUE(uffd_util_range_present(dst, PMD_PAGES));
	if (zero >= 0)
		EXPECT_EQ(1, is_huge_zero(dst)) TH_LOG("dst: not the huge zero page");
	EXPECT_EQ(-1, uffd_util_check_zero(dst, PMD_PAGES));
	EXPECT_TRUE(uffd_util_range_empty(src, PMD_PAGES));
}

/* A THP shared with a child is EBUSY, whole or split. */
TEST_F(thp, shared_after_fork)
{
	char *src, *dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	struct uffd_util_holder holder = { .npages = PMD_PAGES, .first = 0 };
	struct uffd_util_child child;
	int64_t moved;
	int status;

	ASSERT_NE(NULL, dst);
	MAP_THP_OR_SKIP(src, PMD, 0);
	holder.addr = src;
	uffd_holder_start(_metadata, &child, &holder, DEADLINE_MS);
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, dst, src, PMD, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, dst, src, PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(dst, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(src, PMD_PAGES, 0));
	uffd_holder_finish(_metadata, &child, DEADLINE_MS, &status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child saw changed data (status 0x%x)", status);
}

MM_HARNESS_MAIN
