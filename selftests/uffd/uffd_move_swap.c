// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of swapped-out anonymous pages.  The fixture puts a swap
 * device on a fresh zram disk (and removes it afterwards, from the
 * harness parent, so a crashed test does not leave it behind), then
 * MADV_PAGEOUT pushes pages out: a swap entry moves as a swap entry,
 * with or without its folio in the swap cache; a swap entry shared with
 * a child is EBUSY; and UFFDIO_MOVE racing MADV_PAGEOUT must neither
 * lose data nor misreport its progress nor make the kernel complain
 * (the runner's kernel-log gate sees WARN/BUG).
 *
 * A large folio in the swap cache (EBUSY) needs a swap device with
 * asynchronous I/O: zram writes synchronously and reclaim frees the
 * folio at once.  A loop device over a memfd keeps it there.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uffd/uffd_harness.h"
#include "uffd/swap_dev.h"

#define NPAGES		16
#define PAGE		MM_PAGE
#define PMD		SZ_2M
#define PMD_PAGES	(PMD / PAGE)
#define DEADLINE_MS	5000
#define RACE_MS		2000

static size_t nr_swapped(const void *addr, size_t npages)
{
	size_t present, swapped;

	return uffd_util_range_state(addr, npages, &present, &swapped) ? 0 : swapped;
}

/* MADV_PAGEOUT is best effort (a busy folio is skipped): insist a bit. */
static bool swap_out(void *addr, size_t npages)
{
	int i;

	for (i = 0; i < 20; i++) {
		if (madvise(addr, npages * PAGE, MADV_PAGEOUT))
			return false;
		if (nr_swapped(addr, npages) == npages)
			return true;
		usleep(10000);
	}
	return false;
}

/* Pages of the range whose swapped-out folio sits in the swap cache. */
static size_t nr_swapcached(void *addr, size_t npages)
{
	unsigned char vec[PMD_PAGES];
	size_t i, n = 0;

	if (npages > PMD_PAGES || mincore(addr, npages * PAGE, vec))
		return 0;
	for (i = 0; i < npages; i++)
		n += vec[i] & 1;
	return n;
}

FIXTURE(swap) {
	int uffd;
	char *src;
	char *dst;
	struct swap_dev swapdev;
};

/* A 64 MiB swap device of this kind, or SKIP with prefix and the reason. */
#define SWAP_DEV_OR_SKIP(d, kind, prefix) do {				\
	char _why[256];							\
	int _ret = swap_dev_setup((d), (kind), 64 << 20, _why,		\
				  sizeof(_why));			\
	if (_ret == MM_SKIP)						\
		SKIP(return, prefix "%s", _why);			\
	ASSERT_EQ(0, _ret) TH_LOG("%s", _why);				\
} while (0)

FIXTURE_SETUP(swap)
{
	self->swapdev.id = -1;
	OPEN_UFFD_OR_SKIP(&self->uffd, UFFD_FEATURE_SIGBUS);
	uffd_map_pair(_metadata, self->uffd, &self->src, &self->dst, PMD, PMD,
		      NULL);
	/* Last: no ASSERT may bail out between swapon and the teardown. */
	SWAP_DEV_OR_SKIP(&self->swapdev, SWAP_DEV_ZRAM, "");
}

/* Runs in the harness parent: the swap device outlives a crashed test. */
FIXTURE_TEARDOWN_PARENT(swap)
{
	swap_dev_teardown(&self->swapdev);
}

/* Swap out src[0, n), fail the test if the kernel will not. */
#define SWAP_OUT_OR_FAIL(addr, n)					\
	ASSERT_TRUE(swap_out((addr), (n)))				\
		TH_LOG("MADV_PAGEOUT left %zu of %zu pages resident",	\
		       (size_t)(n) - nr_swapped((addr), (n)), (size_t)(n))

TEST_F(swap, swap_entry)
{
	int64_t moved;

	uffd_util_fill(self->src, NPAGES, 0);
	SWAP_OUT_OR_FAIL(self->src, NPAGES);
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src,
			       NPAGES * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(NPAGES * PAGE), moved);
	EXPECT_EQ(NPAGES, nr_swapped(self->dst, NPAGES))
		TH_LOG("not moved as swap entries");
	EXPECT_TRUE(uffd_util_range_empty(self->src, NPAGES));
	/* Only now touch dst: the swap-in must find the data. */
	EXPECT_EQ(-1, uffd_util_check(self->dst, NPAGES, 0));
}

/* MADV_WILLNEED reads the entries back into the swap cache, unmapped:
 * the folio's rmap has to move along with the swap entry. */
TEST_F(swap, swapcache_entry)
{
	int64_t moved;
	int i;

	uffd_util_fill(self->src, NPAGES, 100);
	SWAP_OUT_OR_FAIL(self->src, NPAGES);
	ASSERT_EQ(0, madvise(self->src, NPAGES * PAGE, MADV_WILLNEED));
	for (i = 0; i < 100 && nr_swapcached(self->src, NPAGES) < NPAGES; i++)
		usleep(20000);
	ASSERT_EQ(NPAGES, nr_swapcached(self->src, NPAGES))
		TH_LOG("MADV_WILLNEED did not read the pages into the swap cache");
	ASSERT_EQ(NPAGES, nr_swapped(self->src, NPAGES));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src,
			       NPAGES * PAGE, 0, &moved));
	ASSERT_EQ((int64_t)(NPAGES * PAGE), moved);
	EXPECT_EQ(NPAGES, nr_swapped(self->dst, NPAGES));
	EXPECT_EQ(NPAGES, nr_swapcached(self->dst, NPAGES));
	EXPECT_TRUE(uffd_util_range_empty(self->src, NPAGES));
	EXPECT_EQ(-1, uffd_util_check(self->dst, NPAGES, 100));
}

/* fork() duplicates the swap entries and clears their exclusive bit. */
TEST_F(swap, shared_swap_entry)
{
	struct uffd_util_holder holder = { self->src, NPAGES, 200 };
	struct uffd_util_child child;
	int64_t moved;
	int status;

	uffd_util_fill(self->src, NPAGES, 200);
	SWAP_OUT_OR_FAIL(self->src, NPAGES);
	uffd_holder_start(_metadata, &child, &holder, DEADLINE_MS);
	ASSERT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src,
				    NPAGES * PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, NPAGES));
	EXPECT_EQ(NPAGES, nr_swapped(self->src, NPAGES));
	uffd_holder_finish(_metadata, &child, DEADLINE_MS, &status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child saw changed data (status 0x%x)", status);
	EXPECT_EQ(-1, uffd_util_check(self->src, NPAGES, 200));
}

struct pageout_arg {
	char *addr;
	size_t len;
	int stop;
	long rounds;
};

static void *pageout_fn(void *arg)
{
	struct pageout_arg *a = arg;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		madvise(a->addr, a->len, MADV_PAGEOUT);
		a->rounds++;
	}
	return NULL;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * Move npages, resuming after partial progress.  EAGAIN with .move = k
 * pages means exactly k pages moved: page k must still be at the source,
 * not at the destination.  Returns 0, or -errno (-EBADMSG when .move
 * lied, -ETIMEDOUT when EAGAIN went on too long) with why set.
 */
static int move_all(int uffd, char *dst, char *src, size_t npages,
		    char *why, size_t whylen)
{
	size_t done = 0, len = npages * PAGE;
	struct timespec t0;
	int64_t moved;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < len) {
		ret = uffd_move(uffd, dst + done, src + done, len - done, 0,
				&moved);
		if (ret == 0)
			return 0;
		if (ret != -EAGAIN) {
			snprintf(why, whylen, "page %zu: %s, .move %lld",
				 done / PAGE, strerror(-ret), (long long)moved);
			return ret;
		}
		if (moved > 0) {
			done += moved;
			if (done < len && !uffd_util_range_empty(dst + done, 1)) {
				snprintf(why, whylen,
					 ".move said %lld bytes, but page %zu was moved too",
					 (long long)moved, done / PAGE);
				return -EBADMSG;
			}
		}
		if (elapsed_ms(&t0) > DEADLINE_MS) {
			snprintf(why, whylen, "page %zu: EAGAIN for %d ms",
				 done / PAGE, DEADLINE_MS);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

TEST_F_TIMEOUT(swap, race_with_pageout, 60)
{
	struct pageout_arg arg = { self->src, 64 * PAGE, 0, 0 };
	struct timespec t0;
	pthread_t t;
	long rounds = 0, bad = -1;
	char why[160] = "";
	int ret = 0;

	ASSERT_EQ(0, pthread_create(&t, NULL, pageout_fn, &arg));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (elapsed_ms(&t0) < RACE_MS) {
		uffd_util_fill(self->src, 64, rounds * 64);
		ret = move_all(self->uffd, self->dst, self->src, 64, why,
			       sizeof(why));
		if (ret)
			break;
		bad = uffd_util_check(self->dst, 64, rounds * 64);
		if (bad != -1)
			break;
		madvise(self->dst, 64 * PAGE, MADV_DONTNEED);
		rounds++;
	}
	__atomic_store_n(&arg.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, ret) TH_LOG("round %ld: UFFDIO_MOVE: %s", rounds, why);
	EXPECT_EQ(-1, bad) TH_LOG("round %ld: dst page %ld lost its data",
				  rounds, bad);
	EXPECT_LT(0, rounds);
	TH_LOG("%ld rounds of 64-page moves against %ld MADV_PAGEOUTs",
	       rounds, arg.rounds);
}

/* A THP paged out to an asynchronous swap device stays in the swap cache. */
FIXTURE(swap_async) {
	int uffd;
	struct swap_dev swapdev;
};

FIXTURE_SETUP(swap_async)
{
	self->swapdev.id = -1;
	OPEN_UFFD_OR_SKIP(&self->uffd, UFFD_FEATURE_SIGBUS);
	THP_OR_SKIP();
	SWAP_DEV_OR_SKIP(&self->swapdev, SWAP_DEV_LOOP,
			 "needs a swap device with asynchronous I/O: ");
}

FIXTURE_TEARDOWN_PARENT(swap_async)
{
	swap_dev_teardown(&self->swapdev);
}

static long vmstat(const char *name)
{
	char line[128];
	size_t len = strlen(name);
	long val = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ' ')
			val = atol(line + len + 1);
	fclose(f);
	return val;
}

TEST_F(swap_async, large_folio_in_swapcache)
{
	char *thp = uffd_util_map(PMD, PMD);
	char *dst = uffd_util_map_registered(self->uffd, PMD, PMD, 0);
	long swpout;
	int64_t moved;

	ASSERT_NE(MAP_FAILED, thp);
	ASSERT_NE(NULL, dst);
	THP_FILL_OR_SKIP(thp, 300);
	swpout = vmstat("thp_swpout");
	ASSERT_EQ(0, madvise(thp, PMD, MADV_PAGEOUT));
	ASSERT_EQ(PMD_PAGES, nr_swapped(thp, PMD_PAGES))
		TH_LOG("MADV_PAGEOUT unmapped %zu of %lu pages",
		       nr_swapped(thp, PMD_PAGES), PMD_PAGES);
	ASSERT_LT(swpout, vmstat("thp_swpout"))
		TH_LOG("the THP was split before swap-out (thp_swpout_fallback %ld)",
		       vmstat("thp_swpout_fallback"));
	ASSERT_EQ(PMD_PAGES, nr_swapcached(thp, PMD_PAGES))
		TH_LOG("the THP left the swap cache");

	ASSERT_EQ(-EBUSY, uffd_move(self->uffd, dst, thp, PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	ASSERT_EQ(-EBUSY, uffd_move(self->uffd, dst, thp + PAGE, PAGE, 0,
				    &moved));
	EXPECT_EQ(-EBUSY, moved);
	ASSERT_EQ(-EBUSY, uffd_move(self->uffd, dst, thp, PMD, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(dst, PMD_PAGES));
	EXPECT_EQ(PMD_PAGES, nr_swapped(thp, PMD_PAGES));
	EXPECT_EQ(-1, uffd_util_check(thp, PMD_PAGES, 300));
}

MM_HARNESS_MAIN
