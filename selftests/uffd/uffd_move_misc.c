// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE and the rest of the system: a moved page keeps its NUMA
 * node (the move rewrites page tables, it never copies, whatever the
 * destination's memory policy says), and moves from two threads into
 * one registered range while a third thread faults on it lose nothing.
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define DEADLINE_MS	10000

static int bind_to(void *addr, size_t len, int node)
{
	unsigned long mask[4] = { 0 };

	mask[node / (8 * sizeof(long))] = 1UL << (node % (8 * sizeof(long)));
	return mbind(addr, len, MPOL_BIND, mask, 8 * sizeof(mask), 0) ? errno : 0;
}

/*
 * src pages 0-1 on node 1, 2-3 on node 0 (placed with move_pages(2), so
 * src stays one VMA); dst bound to node 0 by policy, which the move
 * does not apply: pages keep the node they are on.
 */
TEST(numa_node_kept)
{
	static const int want[4] = { 1, 1, 0, 0 };
	int status[4], nodes[4];
	void *pages[4];
	char *src, *dst;
	long long free1 = 0;
	int64_t moved;
	int uffd, i;

	OPEN_UFFD_OR_SKIP(&uffd, UFFD_FEATURE_SIGBUS);
	if (numa_available() < 0)
		SKIP(return, "no NUMA support (numa_available() < 0)");
	if (numa_max_node() < 1)
		SKIP(return, "only one NUMA node");
	if (numa_node_size64(1, &free1) <= 0 || free1 < (long long)(1 << 20))
		SKIP(return, "NUMA node 1 has no free memory");

	src = uffd_util_map(4 * PAGE, PAGE);
	dst = uffd_util_map(4 * PAGE, PAGE);
	ASSERT_NE(MAP_FAILED, src);
	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(0, madvise(src, 4 * PAGE, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, bind_to(dst, 4 * PAGE, 0));
	uffd_util_fill(src, 4, 0);
	for (i = 0; i < 4; i++) {
		pages[i] = src + i * PAGE;
		nodes[i] = want[i];
	}
	ASSERT_EQ(0, move_pages(0, 4, pages, nodes, status, MPOL_MF_MOVE))
		TH_LOG("move_pages: %s", strerror(errno));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(want[i], uffd_util_page_node(src + i * PAGE))
			TH_LOG("src page %d not on node %d", i, want[i]);
	ASSERT_EQ(0, uffd_register(uffd, dst, 4 * PAGE,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));

	ASSERT_EQ(0, uffd_move(uffd, dst, src, 4 * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(4 * PAGE), moved);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(want[i], uffd_util_page_node(dst + i * PAGE))
			TH_LOG("dst page %d changed node", i);
	EXPECT_EQ(-1, uffd_util_check(dst, 4, 0));
	EXPECT_TRUE(uffd_util_range_empty(src, 4));
	close(uffd);
}

#define CPAGES	64

struct mover {
	int uffd;
	char *src, *dst;
	pthread_barrier_t *start;
	int err;		/* first failure, -errno */
	int64_t moved;		/* its .move */
	size_t page;		/* where */
};

/* One page at a time, so the faulter's wake-ups interleave with moves. */
static void *mover_fn(void *arg)
{
	struct mover *m = arg;
	int64_t moved;
	size_t i;
	int ret;

	pthread_barrier_wait(m->start);
	for (i = 0; i < CPAGES; i++) {
		ret = uffd_move(m->uffd, m->dst + i * PAGE, m->src + i * PAGE,
				PAGE, 0, &moved);
		if (ret || moved != (int64_t)PAGE) {
			m->err = ret ?: -EIO;
			m->moved = moved;
			m->page = i;
			break;
		}
	}
	return NULL;
}

struct faulter {
	char *dst;
	pthread_barrier_t *start;
	long bad;		/* first page read with wrong data */
};

/* Walk the destination backwards, so most reads hit not-yet-moved pages
 * and sleep in the missing fault until a move wakes them. */
static void *faulter_fn(void *arg)
{
	struct faulter *f = arg;
	long i;

	f->bad = -1;
	pthread_barrier_wait(f->start);
	for (i = 2 * CPAGES - 1; i >= 0; i--) {
		if (uffd_util_check(f->dst + i * PAGE, 1, i) != -1) {
			f->bad = i;
			break;
		}
	}
	return NULL;
}

static int join_within(pthread_t t, const struct timespec *deadline)
{
	return pthread_timedjoin_np(t, NULL, deadline);
}

TEST(concurrent_movers_and_faulter)
{
	struct mover m[2] = { 0 };
	struct faulter f = { 0 };
	struct uffd_reader reader;
	pthread_barrier_t start;
	struct timespec deadline;
	pthread_t tm[2], tf;
	char *src, *dst;
	int uffd, i, late = 0;

	OPEN_UFFD_OR_SKIP(&uffd, 0);
	uffd_map_pair(_metadata, uffd, &src, &dst, 2 * CPAGES * PAGE, PAGE,
		      NULL);
	uffd_util_fill(src, 2 * CPAGES, 0);
	/* Drains the fault messages; the moves themselves wake the faulter. */
	ASSERT_EQ(0, uffd_reader_start(&reader, uffd, 0));

	pthread_barrier_init(&start, NULL, 4);
	for (i = 0; i < 2; i++) {
		m[i] = (struct mover){
			.uffd = uffd, .start = &start,
			.src = src + i * CPAGES * PAGE,
			.dst = dst + i * CPAGES * PAGE,
		};
		ASSERT_EQ(0, pthread_create(&tm[i], NULL, mover_fn, &m[i]));
	}
	f = (struct faulter){ .dst = dst, .start = &start };
	ASSERT_EQ(0, pthread_create(&tf, NULL, faulter_fn, &f));
	pthread_barrier_wait(&start);

	mm_deadline(&deadline, DEADLINE_MS);
	for (i = 0; i < 2; i++)
		late |= join_within(tm[i], &deadline) ? 1 << i : 0;
	late |= join_within(tf, &deadline) ? 4 : 0;
	uffd_reader_stop(&reader);
	TH_LOG("%u missing faults raced with the moves", reader.total);
	if (late) {
		/* Closing the uffd releases a faulter stuck on a lost wake-up. */
		close(uffd);
		ASSERT_EQ(0, late) TH_LOG("threads 0x%x still running after %d ms",
					  late, DEADLINE_MS);
	}
	for (i = 0; i < 2; i++) {
		const struct mover *mi = &m[i];

		EXPECT_EQ(0, mi->err)
			TH_LOG("mover %d, page %zu: %s, .move %lld", i,
			       mi->page, strerror(-mi->err),
			       (long long)mi->moved);
	}
	EXPECT_EQ(-1, f.bad) TH_LOG("faulter read wrong data");
	EXPECT_EQ(-1, uffd_util_check(dst, 2 * CPAGES, 0));
	EXPECT_TRUE(uffd_util_range_empty(src, 2 * CPAGES));
	pthread_barrier_destroy(&start);
	close(uffd);
}

MM_HARNESS_MAIN
