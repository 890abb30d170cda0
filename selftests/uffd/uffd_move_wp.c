// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE into a destination registered for uffd write-protection
 * (UFFDIO_REGISTER_MODE_MISSING | MODE_WP, UFFD_FEATURE_PAGEFAULT_FLAG_WP).
 *
 * The move carries no uffd-wp state: move_present_pte() (6.12) and
 * move_present_ptes() (7.x) build the destination PTE from
 * dst_vma->vm_page_prot, pte_mkwrite() it and never pte_mkuffd_wp() it,
 * whether or not the source PTE was write-protected.  So a moved page
 * arrives writable and unprotected (pagemap bit 57 clear), a write to it
 * raises no fault; once UFFDIO_WRITEPROTECT protects it, a write raises
 * the WP fault the registration promises (handle_userfault() with
 * UFFD_PAGEFAULT_FLAG_WP), and unprotecting it lets the write finish.
 *
 * With UFFD_FEATURE_WP_UNPOPULATED, write-protecting an empty anonymous
 * range leaves uffd-wp PTE markers in it (change_pte_range()): the
 * destination entry is not pte_none(), so move_pages_pte() refuses the
 * move with EEXIST.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm_util.h"
#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define NPAGES		4
#define FAULT_MS	3000
#define QUIET_MS	300

struct wp_pair {
	int uffd;
	char *src, *dst;
};

/* src filled, dst registered MISSING | WP on p->uffd. */
static void wp_pair_setup(struct __test_metadata *_metadata,
			  struct wp_pair *p)
{
	uint64_t ioctls;

	p->src = uffd_util_map(NPAGES * PAGE, PAGE);
	p->dst = uffd_util_map(NPAGES * PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, p->src);
	ASSERT_NE(MAP_FAILED, p->dst);
	ASSERT_EQ(0, madvise(p->src, NPAGES * PAGE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(p->dst, NPAGES * PAGE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, uffd_register(p->uffd, p->dst, NPAGES * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING |
				   UFFDIO_REGISTER_MODE_WP, &ioctls));
	ASSERT_TRUE(ioctls & (1ULL << _UFFDIO_MOVE));
	ASSERT_TRUE(ioctls & (1ULL << _UFFDIO_WRITEPROTECT));
	uffd_util_fill(p->src, NPAGES, 0);
}

FIXTURE(move_wp) {
	struct wp_pair p;
};

FIXTURE_SETUP(move_wp)
{
	self->p.uffd = -1;
	self->p.src = self->p.dst = MAP_FAILED;
	OPEN_UFFD_OR_SKIP(&self->p.uffd, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	wp_pair_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(move_wp)
{
	uffd_unmap_pair(self->p.uffd, self->p.src, self->p.dst, NPAGES * PAGE);
}

/* The same with UFFD_FEATURE_WP_UNPOPULATED: empty entries get markers. */
FIXTURE(move_wp_marker) {
	struct wp_pair p;
};

FIXTURE_SETUP(move_wp_marker)
{
	self->p.uffd = -1;
	self->p.src = self->p.dst = MAP_FAILED;
	OPEN_UFFD_OR_SKIP(&self->p.uffd, UFFD_FEATURE_PAGEFAULT_FLAG_WP |
			  UFFD_FEATURE_WP_UNPOPULATED);
	wp_pair_setup(_metadata, &self->p);
}

FIXTURE_TEARDOWN(move_wp_marker)
{
	uffd_unmap_pair(self->p.uffd, self->p.src, self->p.dst, NPAGES * PAGE);
}

/* Is the uffd-wp bit of the entry at addr set (pagemap bit 57)? */
static int pagemap_wp(const void *addr)
{
	uint64_t e;
	int ret = uffd_util_pagemap(addr, &e);

	return ret ? ret : !!(e & UFFD_PM_UFFD_WP);
}

/* Is a page mapped at addr?  (A marker is an entry, but no page.) */
static int pagemap_present(const void *addr)
{
	uint64_t e;
	int ret = uffd_util_pagemap(addr, &e);

	return ret ? ret : !!(e & MM_PM_PRESENT);
}

/*
 * Write val at addr from a thread and expect exactly one WP fault there,
 * then unprotect and expect the write to finish.
 */
static void expect_wp_fault(struct __test_metadata *_metadata, int uffd,
			    char *addr, uint64_t val)
{
	struct uffd_util_writer w;
	struct uffd_msg msg;

	ASSERT_EQ(0, uffd_util_writer_start(&w, (volatile uint64_t *)addr, val));
	EXPECT_EQ(-ETIMEDOUT, uffd_util_writer_join(&w, QUIET_MS))
		TH_LOG("a write to a write-protected page did not block");
	ASSERT_EQ(0, uffd_read_msg(uffd, &msg, FAULT_MS))
		TH_LOG("no fault message for the write");
	EXPECT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_TRUE(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WRITE);
	EXPECT_TRUE(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP);
	EXPECT_EQ((unsigned long)addr, msg.arg.pagefault.address & ~(PAGE - 1));
	ASSERT_EQ(0, uffd_writeprotect(uffd, addr, PAGE, false));
	ASSERT_EQ(0, uffd_util_writer_join(&w, FAULT_MS))
		TH_LOG("the write did not finish after the unprotect");
	EXPECT_EQ(val, *(volatile uint64_t *)addr);
	EXPECT_EQ(0, pagemap_wp(addr));
}

/*
 * Moved into a WP-registered range: writable, not write-protected, no
 * fault on a write; protected afterwards, a write faults as registered.
 */
TEST_F(move_wp, moved_page_unprotected)
{
	struct uffd_msg msg;
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->p.uffd, self->p.dst, self->p.src, PAGE, 0,
			       &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	ASSERT_TRUE(uffd_util_range_present(self->p.dst, 1));
	EXPECT_EQ(-1, uffd_util_check(self->p.dst, 1, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->p.src, 1));
	EXPECT_EQ(-1, uffd_util_check(self->p.src + PAGE, NPAGES - 1, 1));
	EXPECT_EQ(0, pagemap_wp(self->p.dst));

	/* Not protected: the write completes and raises no message. */
	uffd_util_fill(self->p.dst, 1, 100);
	EXPECT_EQ(-ETIMEDOUT, uffd_read_msg(self->p.uffd, &msg, QUIET_MS));
	EXPECT_EQ(-1, uffd_util_check(self->p.dst, 1, 100));

	ASSERT_EQ(0, uffd_writeprotect(self->p.uffd, self->p.dst, PAGE, true));
	EXPECT_EQ(1, pagemap_wp(self->p.dst));
	expect_wp_fault(_metadata, self->p.uffd, self->p.dst, 0x5a5a5a5a5a5a5a5aULL);
}

/*
 * A write-protected source page (its VMA registered WP too): the move
 * drops the protection, the page arrives writable at the destination.
 */
TEST_F(move_wp, src_protection_dropped)
{
	struct uffd_msg msg;
	int64_t moved;

	ASSERT_EQ(0, uffd_register(self->p.uffd, self->p.src, NPAGES * PAGE,
				   UFFDIO_REGISTER_MODE_WP, NULL));
	ASSERT_EQ(0, uffd_writeprotect(self->p.uffd, self->p.src, PAGE, true));
	ASSERT_EQ(1, pagemap_wp(self->p.src));

	ASSERT_EQ(0, uffd_move(self->p.uffd, self->p.dst, self->p.src, PAGE, 0,
			       &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->p.dst, 1, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->p.src, 1));
	EXPECT_EQ(0, pagemap_wp(self->p.dst))
		TH_LOG("the source's uffd-wp bit came along");
	uffd_util_fill(self->p.dst, 1, 200);
	EXPECT_EQ(-ETIMEDOUT, uffd_read_msg(self->p.uffd, &msg, QUIET_MS));
	EXPECT_EQ(-1, uffd_util_check(self->p.dst, 1, 200));
}

/*
 * The destination write-protected while empty, without WP_UNPOPULATED:
 * nothing is left in the empty entry (pagemap bit clear), the move
 * succeeds and the page arrives unprotected.
 */
TEST_F(move_wp, dst_protected_empty)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_writeprotect(self->p.uffd, self->p.dst, PAGE, true));
	EXPECT_EQ(0, pagemap_wp(self->p.dst));
	ASSERT_EQ(0, uffd_move(self->p.uffd, self->p.dst, self->p.src, PAGE,
			       0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->p.dst, 1, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->p.src, 1));
	EXPECT_EQ(0, pagemap_wp(self->p.dst));
}

/*
 * With WP_UNPOPULATED a marker is left (pagemap bit set on an entry that
 * is not present): move_pages_pte() sees !pte_none() and says EEXIST,
 * nothing moves, the marker stays; the next page, not protected, still
 * takes the move.
 */
TEST_F(move_wp_marker, dst_protected_empty)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_writeprotect(self->p.uffd, self->p.dst, PAGE, true));
	ASSERT_EQ(1, pagemap_wp(self->p.dst)) TH_LOG("no uffd-wp marker");
	EXPECT_EQ(0, pagemap_present(self->p.dst));
	EXPECT_EQ(-EEXIST, uffd_move(self->p.uffd, self->p.dst, self->p.src,
				     PAGE, 0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(0, pagemap_present(self->p.dst));
	EXPECT_EQ(1, pagemap_wp(self->p.dst)) TH_LOG("marker gone");
	EXPECT_EQ(-1, uffd_util_check(self->p.src, NPAGES, 0));

	ASSERT_EQ(0, uffd_move(self->p.uffd, self->p.dst + PAGE, self->p.src,
			       PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->p.dst + PAGE, 1, 0));
	EXPECT_EQ(0, pagemap_wp(self->p.dst + PAGE));
	EXPECT_TRUE(uffd_util_range_empty(self->p.src, 1));
}

MM_HARNESS_MAIN
