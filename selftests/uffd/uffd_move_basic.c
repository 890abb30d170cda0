// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE on small anonymous folios: the success path, the progress
 * contract (an error at the first page comes back as -errno in .move, an
 * error after k pages as EAGAIN with .move = k pages), source holes,
 * populated destinations, folios shared with a child, the zero page, and
 * the wake-up of a thread blocked on the destination.
 *
 * Destinations are registered MISSING on a userfaultfd opened with
 * UFFD_FEATURE_SIGBUS: a test that wrongly reads an empty destination
 * gets a signal (a FAIL) instead of blocking forever.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uffd/uffd_harness.h"

#define NPAGES		64
#define PAGE		MM_PAGE
#define DEADLINE_MS	3000

FIXTURE(basic) {
	int uffd;
	char *src;
	char *dst;
	uint64_t ioctls;
};

FIXTURE_SETUP(basic)
{
	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	OPEN_UFFD_OR_SKIP(&self->uffd, UFFD_FEATURE_SIGBUS);
	uffd_map_pair(_metadata, self->uffd, &self->src, &self->dst,
		      NPAGES * PAGE, PAGE, &self->ioctls);
}

FIXTURE_TEARDOWN(basic)
{
	uffd_unmap_pair(self->uffd, self->src, self->dst, NPAGES * PAGE);
}

TEST_F(basic, register_reports_move)
{
	EXPECT_TRUE(self->ioctls & (1ULL << _UFFDIO_MOVE))
		TH_LOG("UFFDIO_REGISTER ioctls 0x%llx lack UFFDIO_MOVE",
		       (unsigned long long)self->ioctls);
}

TEST_F(basic, single_page)
{
	int64_t moved;

	uffd_util_fill(self->src, 1, 100);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, PAGE, 0,
			       &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst, 1));
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 100));
	EXPECT_TRUE(uffd_util_range_empty(self->src, 1));
	/* The source is not registered: it reads back as a fresh zero page. */
	EXPECT_EQ(-1, uffd_util_check_zero(self->src, 1));
}

/* A registered source is empty after the move: reading it raises a
 * missing fault, which the reader thread resolves with the zero page. */
TEST(single_page_src_registered)
{
	struct uffd_reader reader;
	struct uffd_msg msg;
	char *src, *dst;
	uint64_t val = 1;
	int64_t moved;
	int uffd;

	OPEN_UFFD_OR_SKIP(&uffd, 0);
	src = uffd_util_map(PAGE, PAGE);
	dst = uffd_util_map(PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	uffd_util_fill(src, 1, 101);
	ASSERT_EQ(0, uffd_register(uffd, src, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_register(uffd, dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, uffd_move(uffd, dst, src, PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(dst, 1, 101));
	ASSERT_TRUE(uffd_util_range_empty(src, 1));

	ASSERT_EQ(0, uffd_reader_start(&reader, uffd, UFFD_READER_ZEROPAGE));
	EXPECT_EQ(0, uffd_util_read_timeout((uint64_t *)src, DEADLINE_MS, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(0, uffd_reader_wait(&reader, UFFD_EVENT_PAGEFAULT, 1,
				      DEADLINE_MS));
	EXPECT_EQ(0, uffd_reader_stop(&reader));
	ASSERT_EQ(0, uffd_reader_get(&reader, UFFD_EVENT_PAGEFAULT, 0, &msg));
	EXPECT_EQ((unsigned long)src,
		  msg.arg.pagefault.address & ~(PAGE - 1));
	close(uffd);
}

/* An error at the very first page: that errno, and .move = -errno. */
TEST_F(basic, progress_error_at_first_page)
{
	int64_t moved;

	uffd_util_fill(uffd_util_page_at(self->src, 1), 3, 200);
	ASSERT_EQ(-ENOENT, uffd_move(self->uffd, self->dst, self->src,
				     4 * PAGE, 0, &moved));
	EXPECT_EQ(-ENOENT, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, 4));
	EXPECT_EQ(-1, uffd_util_check(uffd_util_page_at(self->src, 1), 3, 200));
}

/* An error after k pages: EAGAIN and .move = k pages; the retry from
 * there reports the real error at the first page. */
TEST_F(basic, progress_error_after_k_pages)
{
	char *busy = uffd_util_page_at(self->dst, 3);
	int64_t moved;

	uffd_util_fill(self->src, 8, 300);
	uffd_util_fill(self->src + 32 * PAGE, 1, 399);
	ASSERT_EQ(0, uffd_copy(self->uffd, busy, self->src + 32 * PAGE, PAGE));

	ASSERT_EQ(-EAGAIN, uffd_move(self->uffd, self->dst, self->src,
				     8 * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(3 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 3, 300));
	EXPECT_TRUE(uffd_util_range_empty(self->src, 3));

	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, busy, uffd_util_page_at(self->src, 3),
				     5 * PAGE, 0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(busy, 1, 399));
	EXPECT_EQ(-1, uffd_util_check(uffd_util_page_at(self->src, 3), 5, 303));
}

TEST_F(basic, many_pages)
{
	int64_t moved;

	uffd_util_fill(self->src, NPAGES, 400);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src,
			       NPAGES * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(NPAGES * PAGE), moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst, NPAGES));
	EXPECT_EQ(-1, uffd_util_check(self->dst, NPAGES, 400));
	EXPECT_TRUE(uffd_util_range_empty(self->src, NPAGES));
}

/* Source layout for the hole tests: P P H P H P P P */
static const bool hole_layout[8] = { 0, 0, 1, 0, 1, 0, 0, 0 };

static void fill_with_holes(char *src)
{
	int i;

	for (i = 0; i < 8; i++)
		if (!hole_layout[i])
			uffd_util_fill(uffd_util_page_at(src, i), 1, 500 + i);
}

TEST_F(basic, holes_strict)
{
	int64_t moved;

	fill_with_holes(self->src);
	ASSERT_EQ(-EAGAIN, uffd_move(self->uffd, self->dst, self->src,
				     8 * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(2 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 2, 500));

	ASSERT_EQ(-ENOENT, uffd_move(self->uffd, uffd_util_page_at(self->dst, 2),
				     uffd_util_page_at(self->src, 2), 6 * PAGE, 0,
				     &moved));
	EXPECT_EQ(-ENOENT, moved);
	EXPECT_TRUE(uffd_util_range_empty(uffd_util_page_at(self->dst, 2), 6));
	EXPECT_EQ(-1, uffd_util_check(uffd_util_page_at(self->src, 3), 1, 503));
}

TEST_F(basic, holes_allowed)
{
	int64_t moved;
	int i;

	fill_with_holes(self->src);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, 8 * PAGE,
			       UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES, &moved));
	ASSERT_EQ((int64_t)(8 * PAGE), moved);
	for (i = 0; i < 8; i++) {
		if (hole_layout[i]) {
			EXPECT_TRUE(uffd_util_range_empty(uffd_util_page_at(self->dst, i), 1))
				TH_LOG("dst page %d filled from a hole", i);
			continue;
		}
		ASSERT_TRUE(uffd_util_range_present(uffd_util_page_at(self->dst, i), 1));
		EXPECT_EQ(-1, uffd_util_check(uffd_util_page_at(self->dst, i), 1, 500 + i));
	}
	EXPECT_TRUE(uffd_util_range_empty(self->src, 8));
}

/* A source never touched has no page table at all. */
TEST_F(basic, untouched_src)
{
	char *src = uffd_util_map(SZ_2M, SZ_2M);
	int64_t moved;

	ASSERT_NE(MAP_FAILED, src);
	ASSERT_EQ(-ENOENT, uffd_move(self->uffd, self->dst, src, 8 * PAGE, 0,
				     &moved));
	EXPECT_EQ(-ENOENT, moved);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, src, 8 * PAGE,
			       UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES, &moved));
	EXPECT_EQ((int64_t)(8 * PAGE), moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, 8));
	munmap(src, SZ_2M);
}

TEST_F(basic, dst_populated)
{
	int64_t moved;

	uffd_util_fill(self->src, 4, 600);
	uffd_util_fill(self->src + 32 * PAGE, 1, 699);
	ASSERT_EQ(0, uffd_copy(self->uffd, self->dst, self->src + 32 * PAGE,
			       PAGE));
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, self->dst, self->src,
				     4 * PAGE, 0, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 699));
	EXPECT_TRUE(uffd_util_range_empty(uffd_util_page_at(self->dst, 1), 3));
	EXPECT_EQ(-1, uffd_util_check(self->src, 4, 600));
}

/* The destination check comes before the hole check. */
TEST_F(basic, dst_populated_src_hole_allowed)
{
	int64_t moved;

	uffd_util_fill(self->src + 32 * PAGE, 1, 799);
	ASSERT_EQ(0, uffd_copy(self->uffd, self->dst, self->src + 32 * PAGE,
			       PAGE));
	ASSERT_EQ(-EEXIST, uffd_move(self->uffd, self->dst, self->src, PAGE,
				     UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES, &moved));
	EXPECT_EQ(-EEXIST, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 799));
}

/* The child keeps the pages shared until the parent has tried. */
TEST_F(basic, shared_after_fork)
{
	struct uffd_util_holder holder = { self->src, 4, 900 };
	struct uffd_util_child child;
	int64_t moved;
	int status;

	uffd_util_fill(self->src, 4, 900);
	uffd_holder_start(_metadata, &child, &holder, DEADLINE_MS);

	ASSERT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src, 4 * PAGE,
				    0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_EQ(-1, uffd_util_check(self->src, 4, 900));
	EXPECT_TRUE(uffd_util_range_empty(self->dst, 4));

	uffd_holder_finish(_metadata, &child, DEADLINE_MS, &status);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child saw changed data (status 0x%x)", status);

	/* A write after the child is gone makes the folio exclusive again. */
	uffd_util_fill(self->src, 4, 950);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, 4 * PAGE, 0,
			       &moved));
	EXPECT_EQ((int64_t)(4 * PAGE), moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 4, 950));
}

TEST_F(basic, zero_page)
{
	volatile char *s = self->src;
	uint64_t flags;
	int64_t moved;
	int ret;

	(void)s[0];	/* a read fault maps the shared zero page */
	ASSERT_TRUE(uffd_util_range_present(self->src, 1));
	ret = uffd_util_kpageflags(self->src, &flags);
	if (!ret)
		ASSERT_TRUE(flags & MM_KPF_ZERO) TH_LOG("src is not the zero page");

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, PAGE, 0,
			       &moved));
	EXPECT_EQ((int64_t)PAGE, moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst, 1));
	if (!ret) {
		ASSERT_EQ(0, uffd_util_kpageflags(self->dst, &flags));
		EXPECT_TRUE(flags & MM_KPF_ZERO) TH_LOG("dst is not the zero page");
	}
	EXPECT_EQ(-1, uffd_util_check_zero(self->dst, 1));
	EXPECT_TRUE(uffd_util_range_empty(self->src, 1));
}

/* UFFDIO_MOVE wakes a thread blocked on the destination unless DONTWAKE. */
FIXTURE(wake) {
	int uffd;
	char *src;
	char *dst;
	pthread_t thread;
	bool started;
	pid_t tid;
	int done;
	uint64_t val;
};

FIXTURE_VARIANT(wake) {
	bool dontwake;
};

FIXTURE_VARIANT_ADD(wake, wake) { .dontwake = false };
FIXTURE_VARIANT_ADD(wake, dontwake) { .dontwake = true };

FIXTURE_SETUP(wake)
{
	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	self->src = uffd_util_map(PAGE, PAGE);
	self->dst = uffd_util_map(PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, self->src);
	ASSERT_NE(MAP_FAILED, self->dst);
	ASSERT_EQ(0, uffd_register(self->uffd, self->dst, PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
}

FIXTURE_TEARDOWN(wake)
{
	/* Closing the uffd releases a thread still blocked in the fault. */
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->started)
		pthread_join(self->thread, NULL);
	if (self->src != MAP_FAILED)
		munmap(self->src, PAGE);
	if (self->dst != MAP_FAILED)
		munmap(self->dst, PAGE);
}

static void *wake_toucher(void *arg)
{
	FIXTURE_DATA(wake) *self = arg;

	__atomic_store_n(&self->tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	self->val = *(volatile uint64_t *)self->dst;
	__atomic_store_n(&self->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (mm_read_str(path, buf, sizeof(buf)) < 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/* Sleeping twice, 50 ms apart, means it is in schedule(), not just about to. */
static bool wait_asleep(pid_t tid, int timeout_ms)
{
	int t, streak = 0;

	for (t = 0; t < timeout_ms; t += 50) {
		streak = thread_state(tid) == 'S' ? streak + 1 : 0;
		if (streak == 2)
			return true;
		usleep(50000);
	}
	return false;
}

static bool wait_done(int *done, int timeout_ms)
{
	int t;

	for (t = 0; t < timeout_ms; t += 10) {
		if (__atomic_load_n(done, __ATOMIC_ACQUIRE))
			return true;
		usleep(10000);
	}
	return false;
}

TEST_F(wake, blocked_reader)
{
	uint64_t mode = variant->dontwake ? UFFDIO_MOVE_MODE_DONTWAKE : 0;
	struct uffd_msg msg;
	pid_t tid = 0;
	int64_t moved;
	int t;

	uffd_util_fill(self->src, 1, 1000);
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, wake_toucher, self));
	self->started = true;
	ASSERT_EQ(0, uffd_read_msg(self->uffd, &msg, DEADLINE_MS));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	for (t = 0; t < DEADLINE_MS && !tid; t += 10, usleep(10000))
		tid = __atomic_load_n(&self->tid, __ATOMIC_ACQUIRE);
	ASSERT_TRUE(wait_asleep(tid, DEADLINE_MS));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, PAGE, mode,
			       &moved));
	EXPECT_EQ((int64_t)PAGE, moved);
	if (variant->dontwake) {
		/* No timer wakes a uffd waiter: asleep now means not woken. */
		usleep(300000);
		ASSERT_FALSE(__atomic_load_n(&self->done, __ATOMIC_ACQUIRE))
			TH_LOG("UFFDIO_MOVE_MODE_DONTWAKE woke the faulting thread");
		ASSERT_EQ(0, uffd_wake(self->uffd, self->dst, PAGE));
	}
	ASSERT_TRUE(wait_done(&self->done, DEADLINE_MS))
		TH_LOG("faulting thread not woken");
	EXPECT_EQ(*(uint64_t *)self->dst, self->val);
	EXPECT_EQ(-1, uffd_util_check(self->dst, 1, 1000));
}

MM_HARNESS_MAIN
