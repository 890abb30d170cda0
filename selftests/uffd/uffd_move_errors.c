// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE argument and VMA checks: every way the ioctl refuses a
 * range, what it does with overlapping ranges (there is no overlap
 * check: the results are asserted so that a change is noticed), a
 * poisoned source, and the mmap_changing window of a pending
 * non-cooperative event.
 *
 * The argument checks (alignment, length, mode bits) fail before the
 * kernel writes uffdio_move.move; every later error writes -errno there.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "uffd/uffd_harness.h"

#define NPAGES		8
#define PAGE		MM_PAGE
#define DEADLINE_MS	3000

static void *map_anon(size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, MAP_ANONYMOUS | flags, -1, 0);
}

/* src: NPAGES pages, the first four filled; dst: NPAGES pages, registered. */
FIXTURE(err) {
	int uffd;
	char *src;
	char *dst;
};

FIXTURE_SETUP(err)
{
	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	OPEN_UFFD_OR_SKIP(&self->uffd, UFFD_FEATURE_SIGBUS);
	uffd_map_pair(_metadata, self->uffd, &self->src, &self->dst,
		      NPAGES * PAGE, PAGE, NULL);
	uffd_util_fill(self->src, 4, 0);
}

FIXTURE_TEARDOWN(err)
{
	uffd_unmap_pair(self->uffd, self->src, self->dst, NPAGES * PAGE);
}

/* The move fails with _err (-errno) and .move is _moved; nothing moved,
 * the source intact. */
#define ASSERT_MOVE_FAILS(_err, _moved, _dst, _src, _len, _mode) do {\
	int64_t _m;							\
	ASSERT_EQ(_err, uffd_move(self->uffd, _dst, _src, _len, _mode,	\
				  &_m));				\
	EXPECT_EQ((int64_t)(_moved), _m);				\
	EXPECT_TRUE(uffd_util_range_empty(self->dst, NPAGES));			\
	EXPECT_EQ(-1, uffd_util_check(self->src, 4, 0));			\
} while (0)

TEST_F(err, src_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst,
			   self->src + 1, PAGE, 0);
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst,
			   self->src + PAGE / 2, PAGE, 0);
}

TEST_F(err, dst_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst + 1,
			   self->src, PAGE, 0);
}

TEST_F(err, len_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   PAGE + 1, 0);
}

TEST_F(err, len_zero)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   0, 0);
}

TEST_F(err, unknown_mode_bits)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   PAGE, 1ULL << 2);
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   PAGE, 1ULL << 63);
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   PAGE, ~0ULL);
}

TEST_F(err, dst_not_registered)
{
	char *dst = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, dst, self->src, PAGE, 0);
	EXPECT_TRUE(uffd_util_range_empty(dst, 1));
	munmap(dst, PAGE);
}

TEST_F(err, dst_registered_with_other_uffd)
{
	char *dst = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int other;

	ASSERT_NE(MAP_FAILED, dst);
	OPEN_UFFD_OR_SKIP(&other, UFFD_FEATURE_SIGBUS);
	ASSERT_EQ(0, uffd_register(other, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, dst, self->src, PAGE, 0);
	EXPECT_TRUE(uffd_util_range_empty(dst, 1));
	close(other);
	munmap(dst, PAGE);
}

/* An address where nothing is mapped (until somebody maps it again). */
static void *hole(void)
{
	void *p = map_anon(4 * PAGE, PROT_NONE, MAP_PRIVATE);

	if (p == MAP_FAILED)
		return p;
	munmap(p, 4 * PAGE);
	return p;
}

TEST_F(err, src_no_vma)
{
	void *src = hole();

	ASSERT_NE(MAP_FAILED, src);
	ASSERT_MOVE_FAILS(-ENOENT, -ENOENT, self->dst, src, PAGE, 0);
}

TEST_F(err, dst_no_vma)
{
	void *dst = hole();

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_MOVE_FAILS(-ENOENT, -ENOENT, dst, self->src, PAGE, 0);
}

/* The range must lie in one VMA, even when the next one is mapped. */
TEST_F(err, src_crosses_vma_end)
{
	char *src = uffd_util_map(8 * PAGE, PAGE);

	ASSERT_NE(MAP_FAILED, src);
	uffd_util_fill(src, 8, 100);
	ASSERT_EQ(0, mprotect(src + 4 * PAGE, 4 * PAGE, PROT_READ));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, 8 * PAGE, 0);
	EXPECT_EQ(-1, uffd_util_check(src, 8, 100));
	/* and into a hole */
	ASSERT_EQ(0, munmap(src + 4 * PAGE, 4 * PAGE));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, 8 * PAGE, 0);
	EXPECT_EQ(-1, uffd_util_check(src, 4, 100));
	munmap(src, 4 * PAGE);
}

TEST_F(err, dst_crosses_vma_end)
{
	char *dst = uffd_util_map(8 * PAGE, PAGE);

	ASSERT_NE(MAP_FAILED, dst);
	/* Registering half of it splits the VMA there. */
	ASSERT_EQ(0, uffd_register(self->uffd, dst, 4 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	uffd_util_fill(self->src + 4 * PAGE, 4, 4);
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, dst, self->src, 8 * PAGE, 0);
	EXPECT_TRUE(uffd_util_range_empty(dst, 8));
	munmap(dst, 8 * PAGE);
}

TEST_F(err, prot_differs)
{
	char *dst = map_anon(PAGE, PROT_READ, MAP_PRIVATE);

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, dst, self->src, PAGE, 0);
	EXPECT_TRUE(uffd_util_range_empty(dst, 1));
	munmap(dst, PAGE);
}

/* Same protection on both sides, but not writable. */
TEST_F(err, both_read_only)
{
	char *dst = map_anon(PAGE, PROT_READ, MAP_PRIVATE);
	char *src = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_NE(MAP_FAILED, src);
	uffd_util_fill(src, 1, 200);
	ASSERT_EQ(0, mprotect(src, PAGE, PROT_READ));
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(-EINVAL, uffd_move(self->uffd, dst, src, PAGE, 0, &moved));
	EXPECT_EQ(-EINVAL, moved);
	EXPECT_EQ(-1, uffd_util_check(src, 1, 200));
	EXPECT_TRUE(uffd_util_range_empty(dst, 1));
	munmap(dst, PAGE);
	munmap(src, PAGE);
}

TEST_F(err, mlock_differs)
{
	ASSERT_EQ(0, mlock(self->src, NPAGES * PAGE));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, self->src, PAGE, 0);
}

/* Both VMAs mlocked, dst left empty: registration happens after mlock. */
TEST_F(err, mlock_both)
{
	char *dst = uffd_util_map(PAGE, PAGE);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(0, mlock(self->src, NPAGES * PAGE));
	ASSERT_EQ(0, mlock2(dst, PAGE, MLOCK_ONFAULT));
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_move(self->uffd, dst, self->src, PAGE, 0, &moved))
		TH_LOG("moved %lld", (long long)moved);
	EXPECT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(dst, 1, 0));
	munmap(dst, PAGE);
}

TEST_F(err, src_shmem)
{
	char *src = map_anon(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);

	ASSERT_NE(MAP_FAILED, src);
	uffd_util_fill(src, 1, 300);
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, PAGE, 0);
	EXPECT_EQ(-1, uffd_util_check(src, 1, 300));
	munmap(src, PAGE);
}

static char *map_memfd_private(void)
{
	char *p = MAP_FAILED;
	int fd;

	fd = memfd_create("uffd_move", MFD_CLOEXEC);
	if (fd < 0)
		return p;
	if (!ftruncate(fd, PAGE))
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	return p;
}

/* Written to, a private file page is an anonymous folio, in a file VMA. */
TEST_F(err, src_file_private)
{
	char *src = map_memfd_private();

	ASSERT_NE(MAP_FAILED, src);
	uffd_util_fill(src, 1, 400);
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, PAGE, 0);
	EXPECT_EQ(-1, uffd_util_check(src, 1, 400));
	munmap(src, PAGE);
}

TEST_F(err, src_hugetlb)
{
	char *src = map_anon(SZ_2M, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE);

	if (src == MAP_FAILED)
		SKIP(return, "no 2 MiB hugetlb mapping: %s (CONFIG_HUGETLBFS?)",
		     strerror(errno));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, PAGE, 0);
	munmap(src, SZ_2M);
}

/* A private /dev/mem mapping of a legacy hole is a VM_PFNMAP VMA. */
TEST_F(err, src_pfnmap)
{
	static const off_t offs[] = { 0xa0000, 0 };
	char flags[256] = "";
	char *src = MAP_FAILED;
	unsigned int i;
	int fd;

	fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "/dev/mem: %s (CONFIG_DEVMEM?)", strerror(errno));
	for (i = 0; i < 2 && src == MAP_FAILED; i++)
		src = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			   offs[i]);
	close(fd);
	if (src == MAP_FAILED)
		SKIP(return, "no private /dev/mem mapping: %s", strerror(errno));
	ASSERT_EQ(0, uffd_util_smaps_line(src, "VmFlags:", flags, sizeof(flags)));
	ASSERT_NE(NULL, strstr(flags, " pf")) TH_LOG("VmFlags:%s", flags);
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, self->dst, src, PAGE, 0);
	munmap(src, PAGE);
}

TEST_F(err, dst_file_private)
{
	char *dst = map_memfd_private();

	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(0, uffd_register(self->uffd, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_MOVE_FAILS(-EINVAL, -EINVAL, dst, self->src, PAGE, 0);
	munmap(dst, PAGE);
}

/* dst = src + 1 page: the first destination page is the second source page. */
TEST_F(err, overlap_dst_above_src)
{
	char *area = uffd_util_map(NPAGES * PAGE, PAGE);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	uffd_util_fill(area, 4, 500);
	ASSERT_EQ(0, uffd_register(self->uffd, area, NPAGES * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, area + PAGE, area, 4 * PAGE,
				     0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(area, 4, 500));
	munmap(area, NPAGES * PAGE);
}

/* dst = src - 1 page over a hole: pages move up one by one, each into
 * the slot the previous one left, so the data shifts down by a page. */
TEST_F(err, overlap_dst_below_src)
{
	char *area = uffd_util_map(NPAGES * PAGE, PAGE);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	uffd_util_fill(area + PAGE, 4, 600);
	ASSERT_EQ(0, uffd_register(self->uffd, area, NPAGES * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_move(self->uffd, area, area + PAGE, 4 * PAGE, 0,
			       &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(area, 4, 600));
	EXPECT_TRUE(uffd_util_range_empty(area + 4 * PAGE, NPAGES - 4));
	munmap(area, NPAGES * PAGE);
}

/* A UFFDIO_POISON marker is neither a page nor a swap entry. */
TEST(poisoned_src)
{
	char *src = uffd_util_map(2 * PAGE, PAGE), *dst = uffd_util_map(2 * PAGE, PAGE);
	int64_t moved;
	int uffd;

	OPEN_UFFD_OR_SKIP(&uffd, UFFD_FEATURE_POISON | UFFD_FEATURE_SIGBUS);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	uffd_util_fill(uffd_util_page_at(src, 1), 1, 700);
	ASSERT_EQ(0, uffd_register(uffd, src, 2 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_register(uffd, dst, 2 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_poison(uffd, src, PAGE));
	ASSERT_EQ(-EFAULT, uffd_move(uffd, dst, src, 2 * PAGE, 0, &moved));
	EXPECT_EQ(-EFAULT, moved);
	EXPECT_TRUE(uffd_util_range_empty(dst, 2));
	EXPECT_EQ(-1, uffd_util_check(uffd_util_page_at(src, 1), 1, 700));
	close(uffd);
}

struct dontneed_arg {
	void *addr;
	int ret;
};

static void *dontneed_fn(void *arg)
{
	struct dontneed_arg *a = arg;

	/* Blocks until the monitor reads the UFFD_EVENT_REMOVE message. */
	a->ret = madvise(a->addr, PAGE, MADV_DONTNEED);
	return NULL;
}

static int join_within(pthread_t t, int timeout_ms)
{
	struct timespec ts;

	mm_deadline(&ts, timeout_ms + 1000);
	return pthread_timedjoin_np(t, NULL, &ts);
}

/*
 * While a REMOVE event is queued (POLLIN seen, message not read),
 * mmap_changing is raised: UFFDIO_MOVE returns EAGAIN and writes
 * -EAGAIN to .move before looking at anything else.
 */
TEST(mmap_changing)
{
	struct dontneed_arg arg;
	struct pollfd pfd;
	struct uffd_msg msg;
	char *src, *dst;
	pthread_t t;
	int64_t moved;
	int uffd;

	OPEN_UFFD_OR_SKIP(&uffd, UFFD_FEATURE_EVENT_REMOVE);
	src = uffd_util_map(PAGE, PAGE);
	dst = uffd_util_map(2 * PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	uffd_util_fill(src, 1, 800);
	ASSERT_EQ(0, uffd_register(uffd, dst, 2 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));

	arg.addr = dst + PAGE;
	ASSERT_EQ(0, pthread_create(&t, NULL, dontneed_fn, &arg));
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, DEADLINE_MS)) {
		close(uffd);	/* releases the blocked madvise */
		join_within(t, DEADLINE_MS);
	}

	EXPECT_EQ(-EAGAIN, uffd_move(uffd, dst, src, PAGE, 0, &moved));
	EXPECT_EQ(-EAGAIN, moved);
	EXPECT_EQ(-1, uffd_util_check(src, 1, 800));

	ASSERT_EQ(0, uffd_read_msg(uffd, &msg, DEADLINE_MS));
	EXPECT_EQ(UFFD_EVENT_REMOVE, msg.event);
	EXPECT_EQ((unsigned long)(dst + PAGE), msg.arg.remove.start);
	EXPECT_EQ((unsigned long)(dst + 2 * PAGE), msg.arg.remove.end);
	ASSERT_EQ(0, join_within(t, DEADLINE_MS));
	EXPECT_EQ(0, arg.ret);

	/* Event consumed and madvise returned: mmap_changing is back to 0. */
	ASSERT_EQ(0, uffd_move(uffd, dst, src, PAGE, 0, &moved));
	EXPECT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(dst, 1, 800));
	close(uffd);
}

/*
 * The boundary pairs: for each check that refuses, the last input it
 * refuses and the first it accepts.
 *
 * Alignment and length: validate_range() (6.12 fs/userfaultfd.c, 7.2
 * mm/userfaultfd.c) refuses start & ~PAGE_MASK, len & ~PAGE_MASK and
 * !len with EINVAL before .move is written.  Refused: one byte short of
 * the next page; accepted: that page.
 */
TEST_F(err, edge_src_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst,
			   self->src + PAGE - 1, PAGE, 0);
}

TEST_F(err, edge_src_aligned)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src + PAGE, PAGE,
			       0, &moved));
	EXPECT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 1));
	EXPECT_TRUE(uffd_util_range_empty(self->dst + PAGE, NPAGES - 1));
	EXPECT_TRUE(uffd_util_range_empty(self->src + PAGE, 1));
	EXPECT_EQ(-1, uffd_util_check(self->src, 1, 0));
	EXPECT_EQ(-1, uffd_util_check(self->src + 2 * PAGE, 2, 2));
}

TEST_F(err, edge_dst_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst + PAGE - 1,
			   self->src, PAGE, 0);
}

TEST_F(err, edge_dst_aligned)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + PAGE, self->src, PAGE,
			       0, &moved));
	EXPECT_EQ((int64_t)PAGE, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, 1));
	EXPECT_EQ(-1, uffd_util_check(self->dst + PAGE, 1, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->dst + 2 * PAGE, NPAGES - 2));
	EXPECT_TRUE(uffd_util_range_empty(self->src, 1));
}

TEST_F(err, edge_len_unaligned)
{
	ASSERT_MOVE_FAILS(-EINVAL, UFFD_MOVE_UNWRITTEN, self->dst, self->src,
			   2 * PAGE - 1, 0);
}

/* Accepted counterpart of edge_len_unaligned (and of len_zero: one page). */
static void err_expect_moved_head(struct __test_metadata *_metadata,
				  FIXTURE_DATA(err) *self, size_t npages)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, npages * PAGE,
			       0, &moved));
	EXPECT_EQ((int64_t)(npages * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, npages, 0));
	EXPECT_TRUE(uffd_util_range_empty(self->dst + npages * PAGE,
					  NPAGES - npages));
	EXPECT_TRUE(uffd_util_range_empty(self->src, npages));
	EXPECT_EQ(-1, uffd_util_check(self->src + npages * PAGE, 4 - npages,
				      npages));
}

TEST_F(err, edge_len_one_page)
{
	err_expect_moved_head(_metadata, self, 1);
}

TEST_F(err, edge_len_aligned)
{
	err_expect_moved_head(_metadata, self, 2);
}

/*
 * The range must lie in one VMA: move_pages() refuses src_start + len >
 * src_vma->vm_end and dst_start + len > dst_vma->vm_end with EINVAL
 * (written to .move), before validate_move_areas() and the page walk,
 * whichever VMA the start is in.
 *
 * src: three VMAs of 4 pages, read-only / read-write / read-only, all
 * 12 pages filled; the middle one is the source.  Refused: one page past
 * its end, and starting one page before its start (so in the read-only
 * VMA, whose range check fails first); accepted: exactly it.
 */
#define EDGE_SRC_SALT	900

static char *err_map_src_edges(struct __test_metadata *_metadata)
{
	char *area = uffd_util_map(12 * PAGE, PAGE);

	EXPECT_NE(MAP_FAILED, area);
	if (area == MAP_FAILED)
		return area;
	EXPECT_EQ(0, madvise(area, 12 * PAGE, MADV_NOHUGEPAGE));
	uffd_util_fill(area, 12, EDGE_SRC_SALT);
	EXPECT_EQ(0, mprotect(area, 4 * PAGE, PROT_READ));
	EXPECT_EQ(0, mprotect(area + 8 * PAGE, 4 * PAGE, PROT_READ));
	return area;
}

static void err_expect_src_refused(struct __test_metadata *_metadata,
				   FIXTURE_DATA(err) *self, size_t first,
				   size_t npages)
{
	char *area = err_map_src_edges(_metadata);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(-EINVAL, uffd_move(self->uffd, self->dst, area + first * PAGE,
				     npages * PAGE, 0, &moved));
	EXPECT_EQ(-EINVAL, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, NPAGES));
	EXPECT_EQ(-1, uffd_util_check(area, 12, EDGE_SRC_SALT));
	munmap(area, 12 * PAGE);
}

TEST_F(err, edge_src_past_vma_end)
{
	err_expect_src_refused(_metadata, self, 4, 5);
}

TEST_F(err, edge_src_before_vma_start)
{
	err_expect_src_refused(_metadata, self, 3, 5);
}

TEST_F(err, edge_src_whole_vma)
{
	char *area = err_map_src_edges(_metadata);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, area + 4 * PAGE,
			       4 * PAGE, 0, &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 4, EDGE_SRC_SALT + 4));
	EXPECT_TRUE(uffd_util_range_empty(area + 4 * PAGE, 4));
	EXPECT_EQ(-1, uffd_util_check(area, 4, EDGE_SRC_SALT));
	EXPECT_EQ(-1, uffd_util_check(area + 8 * PAGE, 4, EDGE_SRC_SALT + 8));
	munmap(area, 12 * PAGE);
}

/*
 * dst: 12 pages with only the middle 4 registered (registering splits
 * the VMA there), so its neighbours are unregistered VMAs.  Same edges.
 */
static char *err_map_dst_edges(struct __test_metadata *_metadata,
			       FIXTURE_DATA(err) *self)
{
	char *area = uffd_util_map(12 * PAGE, PAGE);

	EXPECT_NE(MAP_FAILED, area);
	if (area == MAP_FAILED)
		return area;
	EXPECT_EQ(0, madvise(area, 12 * PAGE, MADV_NOHUGEPAGE));
	EXPECT_EQ(0, uffd_register(self->uffd, area + 4 * PAGE, 4 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	return area;
}

static void err_expect_dst_refused(struct __test_metadata *_metadata,
				   FIXTURE_DATA(err) *self, size_t first,
				   size_t npages)
{
	char *area = err_map_dst_edges(_metadata, self);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	uffd_util_fill(self->src + 4 * PAGE, 4, 4);
	ASSERT_EQ(-EINVAL, uffd_move(self->uffd, area + first * PAGE, self->src,
				     npages * PAGE, 0, &moved));
	EXPECT_EQ(-EINVAL, moved);
	EXPECT_TRUE(uffd_util_range_empty(area, 12));
	EXPECT_EQ(-1, uffd_util_check(self->src, 8, 0));
	munmap(area, 12 * PAGE);
}

TEST_F(err, edge_dst_past_vma_end)
{
	err_expect_dst_refused(_metadata, self, 4, 5);
}

TEST_F(err, edge_dst_before_vma_start)
{
	err_expect_dst_refused(_metadata, self, 3, 5);
}

TEST_F(err, edge_dst_whole_vma)
{
	char *area = err_map_dst_edges(_metadata, self);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, uffd_move(self->uffd, area + 4 * PAGE, self->src,
			       4 * PAGE, 0, &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(area + 4 * PAGE, 4, 0));
	EXPECT_TRUE(uffd_util_range_empty(area, 4));
	EXPECT_TRUE(uffd_util_range_empty(area + 8 * PAGE, 4));
	EXPECT_TRUE(uffd_util_range_empty(self->src, 4));
	munmap(area, 12 * PAGE);
}

/*
 * Overlapping src and dst: there is no overlap check, the page walk
 * decides.  Moving up, a destination page the source still holds is
 * refused by move_pages_pte() (!pte_none(orig_dst_pte): EEXIST, nothing
 * moved); moving down, each page goes to a slot already emptied.  At
 * each end: an overlap of one page vs exactly adjacent, in one
 * registered VMA of 8 pages.
 */
#define EDGE_OVL_SALT	950

static char *err_map_overlap(struct __test_metadata *_metadata,
			     FIXTURE_DATA(err) *self, size_t first)
{
	char *area = uffd_util_map(NPAGES * PAGE, PAGE);

	EXPECT_NE(MAP_FAILED, area);
	if (area == MAP_FAILED)
		return area;
	EXPECT_EQ(0, madvise(area, NPAGES * PAGE, MADV_NOHUGEPAGE));
	uffd_util_fill(area + first * PAGE, 4, EDGE_OVL_SALT);
	EXPECT_EQ(0, uffd_register(self->uffd, area, NPAGES * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	return area;
}

TEST_F(err, edge_overlap_dst_above_by_one)
{
	char *area = err_map_overlap(_metadata, self, 0);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, area + 3 * PAGE, area,
				     4 * PAGE, 0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(area, 4, EDGE_OVL_SALT));
	EXPECT_TRUE(uffd_util_range_empty(area + 4 * PAGE, NPAGES - 4));
	munmap(area, NPAGES * PAGE);
}

TEST_F(err, edge_adjacent_dst_above)
{
	char *area = err_map_overlap(_metadata, self, 0);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, uffd_move(self->uffd, area + 4 * PAGE, area, 4 * PAGE, 0,
			       &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_TRUE(uffd_util_range_empty(area, 4));
	EXPECT_EQ(-1, uffd_util_check(area + 4 * PAGE, 4, EDGE_OVL_SALT));
	munmap(area, NPAGES * PAGE);
}

/* dst [1, 5) below src [4, 8): the shared page 4 has moved to 1 first. */
TEST_F(err, edge_overlap_dst_below_by_one)
{
	char *area = err_map_overlap(_metadata, self, 4);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, uffd_move(self->uffd, area + PAGE, area + 4 * PAGE,
			       4 * PAGE, 0, &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_TRUE(uffd_util_range_empty(area, 1));
	EXPECT_EQ(-1, uffd_util_check(area + PAGE, 4, EDGE_OVL_SALT));
	EXPECT_TRUE(uffd_util_range_empty(area + 5 * PAGE, 3));
	munmap(area, NPAGES * PAGE);
}

TEST_F(err, edge_adjacent_dst_below)
{
	char *area = err_map_overlap(_metadata, self, 4);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, area);
	ASSERT_EQ(0, uffd_move(self->uffd, area, area + 4 * PAGE, 4 * PAGE, 0,
			       &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(area, 4, EDGE_OVL_SALT));
	EXPECT_TRUE(uffd_util_range_empty(area + 4 * PAGE, 4));
	munmap(area, NPAGES * PAGE);
}

MM_HARNESS_MAIN
