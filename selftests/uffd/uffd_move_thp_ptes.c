// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of a THP that is mapped by PTEs somewhere: the corner the
 * UFFDIO_REMAP uABI review argued about, where looking at the PMD
 * mapping alone would miss PTE mappings of the same folio elsewhere.
 *
 * The kernel decides exclusivity per page, never by mapcount:
 * PageAnonExclusive() of the head page for a PMD (move_pages() before it
 * splits, move_pages_huge_pmd() before it moves) and of each page for a
 * PTE (move_pages_pte()).  fork() clears it for every page of the folio
 * in both processes (copy_huge_pmd() -> folio_try_dup_anon_rmap_pmd();
 * copy_present_ptes() -> folio_try_dup_anon_rmap_ptes()), so:
 *
 *  shared     a THP PMD-mapped in one process and PTE-mapped in the
 *             other (the split done by mprotect() of one page and back):
 *             a whole-PMD move and a 4 KiB move are EBUSY on either side,
 *             nothing moves, and the child's copy is intact.  The child's
 *             exit does not make the folio exclusive again; the parent's
 *             next write does (do_huge_pmd_wp_page() reuses the PMD;
 *             do_wp_page() copies or reuses each PTE-mapped page), and
 *             then the same moves succeed.
 *  exclusive  in one process, a THP whose PMD was split that way: moves
 *             of 4 KiB, of the whole 2 MiB and of a range crossing into
 *             the next, still PMD-mapped THP all succeed, the folio split
 *             by move_pages_pte() -> split_folio(), the data intact.
 *
 * Which pages are PMD-mapped is read with PAGEMAP_SCAN (PAGE_IS_HUGE),
 * folio membership with /proc/kpageflags.
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
#define DEADLINE_MS	10000

/* Pages of the range PAGEMAP_SCAN reports PMD-mapped, or -errno. */
static long huge_pages(const void *addr, size_t npages)
{
	size_t huge;
	int ret = uffd_util_scan_huge(addr, npages, &huge);

	return ret ? ret : (long)huge;
}

/* Store each page's first word back: a write fault on every page. */
static void write_each_page(char *addr, size_t npages)
{
	volatile uint64_t *w;
	size_t i;

	for (i = 0; i < npages; i++) {
		w = (volatile uint64_t *)(addr + i * PAGE);
		*w = *w;
	}
}

FIXTURE(thp_ptes) {
	int uffd;
	char *src, *dst;
	size_t len;
};

FIXTURE_SETUP(thp_ptes)
{
	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	self->len = 2 * PMD;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	THP_OR_SKIP();
	self->dst = uffd_util_map(self->len, PMD);
	ASSERT_NE(MAP_FAILED, self->dst);
	ASSERT_EQ(0, uffd_register(self->uffd, self->dst, self->len,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	self->src = uffd_util_map(self->len, PMD);
	ASSERT_NE(MAP_FAILED, self->src);
	THP_FILL_OR_SKIP(self->src, 0);
	THP_FILL_OR_SKIP(self->src + PMD, PMD_PAGES);
	/* Keep khugepaged from collapsing what a split leaves behind. */
	ASSERT_EQ(0, madvise(self->src, self->len, MADV_NOHUGEPAGE));
	ASSERT_EQ((long)(2 * PMD_PAGES), huge_pages(self->src, 2 * PMD_PAGES));
}

FIXTURE_TEARDOWN(thp_ptes)
{
	uffd_unmap_pair(self->uffd, self->src, self->dst, self->len);
}

/*
 * Shared: the first THP of src, forked; one side maps it by PTEs.
 * Variants say which side splits and which move runs after the child's
 * exit (both run while it is shared).
 */
FIXTURE(thp_shared) {
	int uffd;
	char *src, *dst;
	struct uffd_util_child child;
};

FIXTURE_VARIANT(thp_shared) {
	bool child_splits;
	bool whole;	/* the move after the exit: 2 MiB, else 4 KiB */
};

FIXTURE_VARIANT_ADD(thp_shared, child_ptes_whole) {
	.child_splits = true, .whole = true,
};
FIXTURE_VARIANT_ADD(thp_shared, child_ptes_page) {
	.child_splits = true, .whole = false,
};
FIXTURE_VARIANT_ADD(thp_shared, parent_ptes_whole) {
	.child_splits = false, .whole = true,
};
FIXTURE_VARIANT_ADD(thp_shared, parent_ptes_page) {
	.child_splits = false, .whole = false,
};

struct shared_child {
	char *src;
	bool split;	/* PTE-map the THP in the child, else keep the PMD */
};

/*
 * The child: shape its mapping, report 0 (as asked) or 1 (not) in one
 * byte, and when the parent says so exit 0 if its copy is intact, 1 if
 * not, 2 if the parent went silent.
 */
static int shared_child_fn(void *arg, int out, int in)
{
	const struct shared_child *c = arg;
	char state = 0, go;
	long huge;

	if (c->split && uffd_util_pte_map_thp(c->src))
		state = 1;
	huge = huge_pages(c->src, PMD_PAGES);
	if (huge != (c->split ? 0 : (long)PMD_PAGES) ||
	    !uffd_util_is_folio(c->src, PMD_PAGES))
		state = 1;
	if (uffd_util_send(out, &state, 1) ||
	    uffd_util_recv(in, &go, 1, 20000))
		return 2;
	return uffd_util_check(c->src, PMD_PAGES, 0) == -1 ? 0 : 1;
}

FIXTURE_SETUP(thp_shared)
{
	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	self->child.pid = 0;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	THP_OR_SKIP();
	self->dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	ASSERT_NE(NULL, self->dst);
	self->src = uffd_util_map(PMD, PMD);
	ASSERT_NE(MAP_FAILED, self->src);
	THP_FILL_OR_SKIP(self->src, 0);
	ASSERT_EQ(0, madvise(self->src, PMD, MADV_NOHUGEPAGE));
}

FIXTURE_TEARDOWN(thp_shared)
{
	uffd_util_child_reap(&self->child, true, DEADLINE_MS, NULL);
	uffd_unmap_pair(self->uffd, self->src,
			self->dst ? self->dst : MAP_FAILED, PMD);
}

/* The move fails with err, .move says so, nothing moved, src intact. */
#define EXPECT_MOVE_REFUSED(err, len) do {				\
	int64_t _m;							\
	EXPECT_EQ(err, uffd_move(self->uffd, self->dst, self->src,	\
				 (len), 0, &_m));			\
	EXPECT_EQ((int64_t)(err), _m);					\
	EXPECT_TRUE(uffd_util_range_empty(self->dst, PMD_PAGES));	\
	EXPECT_EQ(-1, uffd_util_check(self->src, PMD_PAGES, 0));	\
} while (0)

TEST_F(thp_shared, moves)
{
	struct shared_child c = { .src = self->src,
				  .split = variant->child_splits };
	long want_huge = variant->child_splits ? (long)PMD_PAGES : 0;
	char state, go = 'x';
	int64_t moved;
	int status;

	ASSERT_EQ(0, uffd_util_child_start(&self->child, shared_child_fn, &c));
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &state, 1,
				    DEADLINE_MS));
	ASSERT_EQ(0, state) TH_LOG("child's copy not %s-mapped",
				   c.split ? "PTE" : "PMD");
	if (!variant->child_splits)
		ASSERT_EQ(0, uffd_util_pte_map_thp(self->src));
	ASSERT_EQ(want_huge, huge_pages(self->src, PMD_PAGES));
	ASSERT_TRUE(uffd_util_is_folio(self->src, PMD_PAGES));

	/*
	 * PMD-mapped here: move_pages_huge_pmd() refuses the whole PMD and
	 * move_pages() the split for 4 KiB, both on !PageAnonExclusive()
	 * of the head page.  PTE-mapped here: move_pages_pte() on
	 * !PageAnonExclusive() of the first page.
	 */
	EXPECT_MOVE_REFUSED(-EBUSY, PMD);
	EXPECT_MOVE_REFUSED(-EBUSY, PAGE);
	EXPECT_EQ(want_huge, huge_pages(self->src, PMD_PAGES))
		TH_LOG("a refused move changed the source's mapping");

	ASSERT_EQ(0, uffd_util_send(self->child.to_child, &go, 1));
	ASSERT_EQ(0, uffd_util_child_reap(&self->child, false, DEADLINE_MS,
					  &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child's copy changed (status 0x%x)", status);

	/* Alone again, but no fault has marked the folio exclusive yet. */
	EXPECT_MOVE_REFUSED(-EBUSY, variant->whole ? PMD : PAGE);

	write_each_page(self->src, PMD_PAGES);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src,
			       variant->whole ? PMD : PAGE, 0, &moved));
	if (variant->whole) {
		ASSERT_EQ((int64_t)PMD, moved);
		EXPECT_EQ(-1, uffd_util_check(self->dst, PMD_PAGES, 0));
		EXPECT_TRUE(uffd_util_range_empty(self->src, PMD_PAGES));
		/* The reused PMD moves as one (move_pages_huge_pmd()). */
		EXPECT_EQ(want_huge, huge_pages(self->dst, PMD_PAGES));
	} else {
		ASSERT_EQ((int64_t)PAGE, moved);
		EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 0));
		EXPECT_TRUE(uffd_util_range_empty(self->dst + PAGE,
						  PMD_PAGES - 1));
		EXPECT_TRUE(uffd_util_range_empty(self->src, 1));
		EXPECT_EQ(-1, uffd_util_check(self->src + PAGE, PMD_PAGES - 1,
					      1));
	}
}

/* Exclusive, split by mprotect() and back: 4 KiB out of the middle. */
TEST_F(thp_ptes, page)
{
	char *at = self->src + 100 * PAGE;
	int64_t moved;

	ASSERT_EQ(0, uffd_util_pte_map_thp(self->src));
	ASSERT_EQ((long)PMD_PAGES, huge_pages(self->src, 2 * PMD_PAGES));
	ASSERT_TRUE(uffd_util_is_folio(self->src, PMD_PAGES));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, at, PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 100));
	EXPECT_TRUE(uffd_util_range_empty(self->dst + PAGE,
					  2 * PMD_PAGES - 1));
	EXPECT_TRUE(uffd_util_range_empty(at, 1));
	EXPECT_EQ(-1, uffd_util_check(self->src, 100, 0));
	EXPECT_EQ(-1, uffd_util_check(at + PAGE, PMD_PAGES - 101, 101));
	/* move_pages_pte() -> split_folio(): the rest are small pages now. */
	EXPECT_TRUE(uffd_util_all_small(self->src, 100));
	/* The second THP was not touched. */
	EXPECT_EQ((long)PMD_PAGES, huge_pages(self->src + PMD, PMD_PAGES));
}

/* The whole 2 MiB of the PTE-mapped THP, moved by PTEs. */
TEST_F(thp_ptes, whole)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_util_pte_map_thp(self->src));
	ASSERT_EQ((long)PMD_PAGES, huge_pages(self->src, 2 * PMD_PAGES));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, PMD, 0,
			       &moved));
	ASSERT_EQ((int64_t)PMD, moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(self->dst, PMD_PAGES, 0));
	EXPECT_EQ(0, huge_pages(self->dst, PMD_PAGES));
	EXPECT_TRUE(uffd_util_all_small(self->dst, PMD_PAGES));
	EXPECT_TRUE(uffd_util_range_empty(self->src, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(self->src + PMD, PMD_PAGES, PMD_PAGES));
}

/*
 * 1 MiB into the PTE-mapped THP to 1 MiB into the next, PMD-mapped one:
 * PTE moves, then move_pages() splits the second PMD (the range ends
 * inside it) and moves on by PTE.
 */
TEST_F(thp_ptes, across_pmd)
{
	size_t half = PMD_PAGES / 2;
	int64_t moved;

	ASSERT_EQ(0, uffd_util_pte_map_thp(self->src));
	ASSERT_EQ((long)PMD_PAGES, huge_pages(self->src, 2 * PMD_PAGES));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + PMD / 2,
			       self->src + PMD / 2, PMD, 0, &moved));
	ASSERT_EQ((int64_t)PMD, moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst + PMD / 2, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(self->dst + PMD / 2, PMD_PAGES, half));
	EXPECT_TRUE(uffd_util_range_empty(self->dst, half));
	EXPECT_TRUE(uffd_util_range_empty(self->dst + PMD + PMD / 2, half));
	EXPECT_TRUE(uffd_util_range_empty(self->src + PMD / 2, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(self->src, half, 0));
	EXPECT_EQ(-1, uffd_util_check(self->src + PMD + PMD / 2, half,
				      PMD_PAGES + half));
	EXPECT_EQ(0, huge_pages(self->src, 2 * PMD_PAGES));
	EXPECT_EQ(0, huge_pages(self->dst, 2 * PMD_PAGES));
}

MM_HARNESS_MAIN
