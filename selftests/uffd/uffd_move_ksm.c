// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of a page KSM has merged (CONFIG_KSM, MADV_MERGEABLE, ksmd
 * driven through /sys/kernel/mm/ksm until the page is KPF_KSM and
 * pages_shared counts it; every setting restored afterwards).
 *
 * A KSM page is never exclusive: write_protect_page() ->
 * folio_try_share_anon_rmap_pte() clears PageAnonExclusive() before
 * replace_page() maps the KSM page in its place, and nothing sets it on a
 * KSM page again.  So move_pages_pte() refuses it with EBUSY
 * (!PageAnonExclusive(&folio->page)), nothing moves, and the other
 * process whose identical page it was merged with still reads its data.
 * A page of the same mergeable VMA KSM did not merge is an ordinary
 * exclusive anonymous page and moves; a write to the KSM page breaks the
 * sharing (do_wp_page(): wp_can_reuse_anon_folio() never reuses a KSM
 * folio, the copy is exclusive) and then that page moves too.
 *
 * Merging is observed through the page tables: the two identical pages
 * of the source map one PFN, not exclusively (pagemap), and pages_shared
 * counts it.  /proc/kpageflags' KPF_KSM is checked on its own
 * (kpf_ksm): 6.12's stable_page_flags() tests
 * "mapping & PAGE_MAPPING_KSM", which PAGE_MAPPING_ANON alone passes, so
 * it reports every anonymous page as KSM (selftests/expectations).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm_util.h"
#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define NPAGES		4	/* 0, 1: the same data; 2, 3: unique */
#define MERGE_MS	60000
#define CHILD_MS	10000
#define KSM		"/sys/kernel/mm/ksm/"

static const char *const ksm_knobs[] = {
	KSM "run", KSM "pages_to_scan", KSM "sleep_millisecs",
};
#define NR_KNOBS	(sizeof(ksm_knobs) / sizeof(ksm_knobs[0]))

FIXTURE(ksm) {
	int uffd;
	char *src, *dst;
	uint64_t key;		/* the pattern of the merged pages */
	char saved[NR_KNOBS][32];
	bool have_saved[NR_KNOBS];
	struct uffd_util_child child;
};

/* The child's page: the same data as src pages 0 and 1, mergeable. */
struct ksm_child {
	uint64_t key;
};

/*
 * Map and fill a page of its own, report readiness (0) or failure (1),
 * and when the parent says so exit 0 if it still holds the data.
 */
static int ksm_child_fn(void *arg, int out, int in)
{
	const struct ksm_child *c = arg;
	char state = 0, go;
	char *p = uffd_util_map(PAGE, PAGE);

	if (p == MAP_FAILED || madvise(p, PAGE, MADV_NOHUGEPAGE)) {
		state = 1;
	} else {
		uffd_util_fill(p, 1, c->key);
		if (madvise(p, PAGE, MADV_MERGEABLE))
			state = 1;
	}
	if (uffd_util_send(out, &state, 1) || state ||
	    uffd_util_recv(in, &go, 1, MERGE_MS + 20000))
		return 2;
	return uffd_util_check(p, 1, c->key) == -1 ? 0 : 1;
}

/* The PFN mapped at addr, 0 when none (or hidden); *excl: mapped only here. */
static uint64_t pfn_at(const void *addr, bool *excl)
{
	uint64_t e;

	if (uffd_util_pagemap(addr, &e) || !(e & MM_PM_PRESENT))
		return 0;
	if (excl)
		*excl = e & UFFD_PM_MMAP_EXCLUSIVE;
	return e & MM_PM_PFN;
}

/* Pages 0 and 1 of src are one page now, shared: KSM merged them. */
static bool merged(const char *src)
{
	uint64_t pfn = pfn_at(src, NULL);

	return pfn && pfn == pfn_at(src + PAGE, NULL);
}

/* The page at addr is a page of its own, mapped only here. */
static bool own_page(const char *addr, const char *merged_page)
{
	bool excl = false;
	uint64_t pfn = pfn_at(addr, &excl);

	return pfn && excl && pfn != pfn_at(merged_page, NULL);
}

static bool kpf_ksm(const void *addr)
{
	uint64_t flags;

	return !uffd_util_kpageflags(addr, &flags) && (flags & UFFD_KPF_KSM);
}

static long ksm_counter(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), KSM "%s", name);
	if (mm_read_str(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

FIXTURE_SETUP(ksm)
{
	struct ksm_child c;
	char state, buf[32];
	unsigned int i;
	int waited;

	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	self->child.pid = 0;
	for (i = 0; i < NR_KNOBS; i++)
		self->have_saved[i] = false;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	if (mm_read_str(KSM "run", buf, sizeof(buf)) == -ENOENT)
		SKIP(return, "no KSM (CONFIG_KSM not set)");
	for (i = 0; i < NR_KNOBS; i++) {
		ASSERT_LT(0, mm_read_str(ksm_knobs[i], self->saved[i],
					 sizeof(self->saved[i])));
		self->have_saved[i] = true;
	}
	/*
	 * The other process first: forked after the source is filled it
	 * would share the source's folios (not exclusive, and mergeable
	 * in the child's copy of the VMA too).
	 */
	self->key = mm_seed();
	c.key = self->key;
	ASSERT_EQ(0, uffd_util_child_start(&self->child, ksm_child_fn, &c));
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &state, 1,
				    CHILD_MS));
	ASSERT_EQ(0, state) TH_LOG("the child could not map its page");
	uffd_map_pair(_metadata, self->uffd, &self->src, &self->dst,
		      NPAGES * PAGE, PAGE, NULL);
	uffd_util_fill(self->src, 1, self->key);
	uffd_util_fill(self->src + PAGE, 1, self->key);
	uffd_util_fill(self->src + 2 * PAGE, 2, self->key + 2);
	ASSERT_EQ(0, madvise(self->src, NPAGES * PAGE, MADV_MERGEABLE));

	ASSERT_LT(0, mm_write_str(KSM "pages_to_scan", "1000"));
	ASSERT_LT(0, mm_write_str(KSM "sleep_millisecs", "10"));
	ASSERT_LT(0, mm_write_str(KSM "run", "1"));
	for (waited = 0; waited < MERGE_MS; waited += 50) {
		if (merged(self->src) && ksm_counter("pages_shared") > 0)
			break;
		usleep(50000);
	}
	/* Stop ksmd (merged pages stay merged) so it cannot race the moves. */
	ASSERT_LT(0, mm_write_str(KSM "run", self->saved[0][0] == '1' ?
				  "0" : self->saved[0]));
	ASSERT_TRUE(merged(self->src))
		TH_LOG("ksmd did not merge the identical pages in %d ms "
		       "(pages_shared %ld, pages_sharing %ld)", MERGE_MS,
		       ksm_counter("pages_shared"),
		       ksm_counter("pages_sharing"));
	ASSERT_TRUE(own_page(self->src + 2 * PAGE, self->src));
	ASSERT_TRUE(own_page(self->src + 3 * PAGE, self->src));
}

FIXTURE_TEARDOWN(ksm)
{
	unsigned int i;

	uffd_util_child_reap(&self->child, true, CHILD_MS, NULL);
	uffd_unmap_pair(self->uffd, self->src, self->dst, NPAGES * PAGE);
	/* run last: the scan rate is back before ksmd may start again. */
	for (i = NR_KNOBS; i-- > 0;)
		if (self->have_saved[i])
			mm_write_str(ksm_knobs[i], self->saved[i]);
}

/* The child still reads its page, which KSM merged with ours. */
static void expect_child_intact(struct __test_metadata *_metadata,
				FIXTURE_DATA(ksm) *self)
{
	char go = 'x';
	int status;

	ASSERT_EQ(0, uffd_util_send(self->child.to_child, &go, 1));
	ASSERT_EQ(0, uffd_util_child_reap(&self->child, false, CHILD_MS,
					  &status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the other process's copy changed (status 0x%x)", status);
}

/* The merged page, alone and with its merged neighbour: EBUSY. */
TEST_F(ksm, merged_page)
{
	int64_t moved;

	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src, PAGE, 0,
				    &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src,
				    2 * PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, NPAGES));
	EXPECT_TRUE(merged(self->src));
	EXPECT_EQ(-1, uffd_util_check(self->src, 1, self->key));
	EXPECT_EQ(-1, uffd_util_check(self->src + PAGE, 1, self->key));
	EXPECT_EQ(-1, uffd_util_check(self->src + 2 * PAGE, 2, self->key + 2));
	expect_child_intact(_metadata, self);
}

/*
 * The edge between an unmerged page and a merged one: page 2 of the
 * same mergeable VMA moves, page 1 right before it does not.
 */
TEST_F(ksm, unmerged_page_moves)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + 2 * PAGE,
			       self->src + 2 * PAGE, PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst + 2 * PAGE, 1, self->key + 2));
	EXPECT_TRUE(uffd_util_range_empty(self->src + 2 * PAGE, 1));
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst + PAGE,
				    self->src + PAGE, PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst + PAGE, 1));
	EXPECT_EQ(-1, uffd_util_check(self->src + PAGE, 1, self->key));
	expect_child_intact(_metadata, self);
}

/* A write unshares the page (a private copy): then it moves. */
TEST_F(ksm, moves_after_cow)
{
	volatile uint64_t *w = (volatile uint64_t *)(self->src + PAGE);
	int64_t moved;

	*w = *w;
	EXPECT_TRUE(own_page(self->src + PAGE, self->src));
	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + PAGE, self->src + PAGE,
			       PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst + PAGE, 1, self->key));
	EXPECT_TRUE(uffd_util_range_empty(self->src + PAGE, 1));
	/* Its former partner is still the KSM page, still refused. */
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src, PAGE, 0,
				    &moved));
	EXPECT_EQ(-1, uffd_util_check(self->src, 1, self->key));
	expect_child_intact(_metadata, self);
}

/* kpageflags agrees: KPF_KSM on the merged page, not on the others. */
TEST_F(ksm, kpf_ksm)
{
	EXPECT_TRUE(kpf_ksm(self->src))
		TH_LOG("kpageflags: the merged page is not KSM");
	EXPECT_FALSE(kpf_ksm(self->src + 2 * PAGE))
		TH_LOG("kpageflags says KSM for the unmerged page");
}

MM_HARNESS_MAIN
