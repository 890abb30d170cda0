// SPDX-License-Identifier: GPL-2.0
/*
 * madvise() and THP controls on pfnmaps, every provider and level
 * (lib/pfnmap/pfnmap_provider.h).  Every provider's VMA is VM_IO | VM_PFNMAP |
 * VM_DONTEXPAND | VM_DONTDUMP and file backed, which mm/madvise.c refuses,
 * identically in 6.1, 6.12 and 7.2, for:
 *
 *   DONTNEED, DONTNEED_LOCKED, FREE  madvise_dontneed_free_valid_vma(): VM_PFNMAP
 *   COLD, PAGEOUT                    can_madv_lru_vma(): VM_PFNMAP
 *   WIPEONFORK                       vma->vm_file (anonymous memory only)
 *   DOFORK                           VM_IO (7.2: VM_SPECIAL)
 *   DODUMP                           VM_SPECIAL
 *   POPULATE_READ, POPULATE_WRITE    GUP's check_vma_flags(): VM_IO|VM_PFNMAP,
 *                                    reported as EINVAL for MADV_POPULATE_*
 *   COLLAPSE                         hugepage_vma_check() / thp_vma_allowable
 *                                    _order(): VM_NO_KHUGEPAGED (VM_SPECIAL)
 *
 * all with EINVAL, and nothing may be unmapped.  DONTFORK is accepted and
 * a forked child lacks the range.  MADV_NOHUGEPAGE and PR_SET_THP_DISABLE
 * leave present entries alone and make later faults 4 KiB.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif

#define RW		(PROT_READ | PROT_WRITE)

FIXTURE(madv) {
	struct pfnmap pm;
	bool got;
	bool thp_disabled;
	uint64_t seed;
};

FIXTURE_VARIANT(madv) {
	struct pfnmap_req req;
};

#define MADV(_p, _l, _sh, _off, _len)					\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = RW, .off = _off, .len = _len }

FIXTURE_VARIANT_ADD(madv, kmod_pte) {
	MADV(PFNMAP_KMOD, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, kmod_pte_private) {
	MADV(PFNMAP_KMOD, PTE, false, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, kmod_pmd) {
	MADV(PFNMAP_KMOD, PMD, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, kmod_pud) {
	MADV(PFNMAP_KMOD, PUD, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(madv, prepare_pte) {
	MADV(PFNMAP_PREPARE, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, vfio_pte) {
	MADV(PFNMAP_VFIO, PTE, true, 0, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, vfio_pmd) {
	MADV(PFNMAP_VFIO, PMD, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, vfio_pud) {
	MADV(PFNMAP_VFIO, PUD, true, 0, SZ_1G) };
/* BAR pages of their own (see pfnmap_split.c). */
FIXTURE_VARIANT_ADD(madv, devmem_pte) {
	MADV(PFNMAP_DEVMEM, PTE, true, 32 * SZ_2M, 2 * SZ_2M) };
FIXTURE_VARIANT_ADD(madv, devmem_pte_private) {
	MADV(PFNMAP_DEVMEM, PTE, false, 36 * SZ_2M, 2 * SZ_2M) };

FIXTURE_SETUP(madv)
{
	self->got = false;
	self->thp_disabled = false;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(madv)
{
	if (self->thp_disabled)
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	if (self->got)
		pfnmap_put(&self->pm);
}

/* Samples hold the pattern (second path); every entry faulted and right. */
static void madv_fill_touch(struct __test_metadata *_metadata,
			    FIXTURE_DATA(madv) *self, uint64_t *samples,
			    int n)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t start = (uintptr_t)pm->addr;
	char why[512];

	ASSERT_EQ(0, pfnmap_fill_path(pm, self->seed, samples, n));
	pfnmap_touch(pm, 0, pm->req.len, start, start + pm->req.len, false);
	ASSERT_EQ(0, pfnmap_check_entries(pm, 0, pm->req.len, start,
					  start + pm->req.len, 0, 0, why,
					  sizeof(why))) TH_LOG("%s", why);
}

static void madv_intact(struct __test_metadata *_metadata,
			FIXTURE_DATA(madv) *self, uint64_t *samples, int n,
			const char *after)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t start = (uintptr_t)pm->addr;
	char why[512];

	EXPECT_EQ(0, pfnmap_check_entries(pm, 0, pm->req.len, start,
					  start + pm->req.len, 0, 0, why,
					  sizeof(why)))
		TH_LOG("after %s: %s", after, why);
	EXPECT_EQ(-1, pfnmap_check_map(pm, self->seed, samples, n))
		TH_LOG("after %s: data lost", after);
}

static const struct {
	int advice;
	const char *name;
} refused_advice[] = {
	{ MADV_DONTNEED, "MADV_DONTNEED" },
	{ MADV_DONTNEED_LOCKED, "MADV_DONTNEED_LOCKED" },
	{ MADV_FREE, "MADV_FREE" },
	{ MADV_WIPEONFORK, "MADV_WIPEONFORK" },
	{ MADV_COLD, "MADV_COLD" },
	{ MADV_PAGEOUT, "MADV_PAGEOUT" },
	{ MADV_POPULATE_READ, "MADV_POPULATE_READ" },
	{ MADV_POPULATE_WRITE, "MADV_POPULATE_WRITE" },
	{ MADV_DOFORK, "MADV_DOFORK" },
	{ MADV_DODUMP, "MADV_DODUMP" },
	{ MADV_COLLAPSE, "MADV_COLLAPSE" },
};

/* Each refused advice: EINVAL, over all of the mapping and one page. */
TEST_F(madv, refused)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	int i, n, ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	for (i = 0; i < (int)(sizeof(refused_advice) / sizeof(refused_advice[0]));
	     i++) {
		errno = 0;
		ret = madvise(pm->addr, pm->req.len, refused_advice[i].advice);
		EXPECT_TRUE(ret == -1 && errno == EINVAL)
			TH_LOG("%s over the mapping: %d (%s), want EINVAL",
			       refused_advice[i].name, ret, strerror(errno));
		errno = 0;
		ret = madvise(pm->addr + SZ_2M, SZ_4K, refused_advice[i].advice);
		EXPECT_TRUE(ret == -1 && errno == EINVAL)
			TH_LOG("%s of one page: %d (%s), want EINVAL",
			       refused_advice[i].name, ret, strerror(errno));
	}
	madv_intact(_metadata, self, samples, n, "the refused advice");
}

/* MADV_DONTFORK: the child has no such range, the parent keeps it. */
TEST_F(madv, dontfork)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	int n, status;
	char *ctl;
	pid_t pid;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	ASSERT_EQ(0, madvise(pm->addr, pm->req.len, MADV_DONTFORK))
		TH_LOG("MADV_DONTFORK: %s", strerror(errno));
	/* The control: a mapping the child does inherit. */
	ctl = mmap(NULL, SZ_4K, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ctl);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* msync() fails with ENOMEM exactly where nothing is mapped. */
		if (msync(ctl, SZ_4K, MS_ASYNC))
			_exit(2);
		if (!msync(pm->addr, pm->req.len, MS_ASYNC) ||
		    errno != ENOMEM)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	munmap(ctl, SZ_4K);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(2, WEXITSTATUS(status))
		TH_LOG("the child lacks its inherited control mapping too");
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the child inherited the MADV_DONTFORK range");
	madv_intact(_metadata, self, samples, n, "the fork");
}

/* Each of PAGES[0..N) mapped by a PTE. */
static void madv_check_ptes(struct __test_metadata *_metadata,
			    struct pfnmap *pm, const uint64_t *pages, int n)
{
	struct pfnmap_entry *e = calloc(n, sizeof(*e));
	const void **a = calloc(n, sizeof(*a));
	int i;

	ASSERT_TRUE(e && a);
	for (i = 0; i < n; i++)
		a[i] = pm->addr + pages[i] * SZ_4K;
	ASSERT_EQ(0, pfnmap_query(pm, a, n, e));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(MMCONF_LEVEL_PTE, e[i].level)
			TH_LOG("page %llu faulted with THP off: %s",
			       (unsigned long long)pages[i],
			       pfnmap_level_name(e[i].level));
		if (e[i].level != MMCONF_LEVEL_PTE)
			break;
	}
	free(e);
	free(a);
}

/*
 * Fault the first entry (unless it would cover the whole mapping), turn
 * THP off (MADV_NOHUGEPAGE, or PR_SET_THP_DISABLE), then touch one page
 * per 2 MiB block at a varying offset: the first entry stays as it was,
 * every later fault maps 4 KiB entries, and the data is right.
 */
static void madv_thp_off(struct __test_metadata *_metadata,
			 FIXTURE_DATA(madv) *self,
			 const FIXTURE_VARIANT(madv) *variant, bool prctl_off)
{
	struct pfnmap *pm = &self->pm;
	uint64_t len = variant->req.len, per_pmd = SZ_2M / SZ_4K;
	uint64_t first_end = 0, *pages, npages = len / SZ_4K, b, nb = 0;
	unsigned int l0 = MMCONF_LEVEL_NONE;
	uintptr_t start;
	int level;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	start = (uintptr_t)pm->addr;
	if (pfnmap_level_size(pfnmap_fit_level(pm, start, start + len,
					       pm->addr)) <= len / 2) {
		l0 = pfnmap_fit_level(pm, start, start + len, pm->addr);
		first_end = pfnmap_level_size(l0);
		(void)*(volatile char *)pm->addr;
	}
	pages = calloc(npages / per_pmd + 1, sizeof(*pages));
	ASSERT_NE(NULL, pages);
	for (b = (first_end + SZ_2M - 1) / SZ_2M; b < npages / per_pmd; b++)
		pages[nb++] = b * per_pmd + (b * 37) % (per_pmd - 1);
	ASSERT_EQ(0, pfnmap_fill_path(pm, self->seed, pages, nb));

	if (prctl_off) {
		ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
		self->thp_disabled = true;
		ASSERT_EQ(1, prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0));
	} else {
		ASSERT_EQ(0, madvise(pm->addr, len, MADV_NOHUGEPAGE))
			TH_LOG("MADV_NOHUGEPAGE: %s", strerror(errno));
	}
	for (b = 0; b < nb; b++)
		(void)*(volatile char *)(pm->addr + pages[b] * SZ_4K);

	if (l0) {
		level = pfnmap_level(pm, pm->addr);
		EXPECT_EQ((int)l0, level)
			TH_LOG("the entry faulted before is now %s",
			       pfnmap_level_name(level));
	}
	madv_check_ptes(_metadata, pm, pages, nb);
	EXPECT_EQ(-1, pfnmap_check_map(pm, self->seed, pages, nb));
	free(pages);
}

TEST_F(madv, nohugepage)
{
	madv_thp_off(_metadata, self, variant, false);
}

TEST_F(madv, thp_disable)
{
	madv_thp_off(_metadata, self, variant, true);
}

/*
 * The boundary pairs: the last input refused and the first accepted.
 *
 * Length: do_madvise() rounds len up (PAGE_ALIGN()) and returns 0 for an
 * empty range before any VMA is looked at (6.1/6.12: end == start; 7.2:
 * !len_in after check_input_range()): len 0 is accepted for every
 * refused advice, one byte is a page and refused.
 */
TEST_F(madv, edge_len_zero)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	int i, n, ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	for (i = 0; i < (int)(sizeof(refused_advice) / sizeof(refused_advice[0]));
	     i++) {
		errno = 0;
		ret = madvise(pm->addr, 0, refused_advice[i].advice);
		EXPECT_EQ(0, ret)
			TH_LOG("%s of 0 bytes: %d (%s), want 0",
			       refused_advice[i].name, ret, strerror(errno));
	}
	madv_intact(_metadata, self, samples, n, "the empty advice");
}

TEST_F(madv, edge_len_one_byte)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	int i, n, ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	for (i = 0; i < (int)(sizeof(refused_advice) / sizeof(refused_advice[0]));
	     i++) {
		errno = 0;
		ret = madvise(pm->addr, 1, refused_advice[i].advice);
		EXPECT_TRUE(ret == -1 && errno == EINVAL)
			TH_LOG("%s of one byte: %d (%s), want EINVAL",
			       refused_advice[i].name, ret, strerror(errno));
	}
	madv_intact(_metadata, self, samples, n, "the one-byte advice");
}

/*
 * Start alignment: do_madvise() (7.2: check_input_range()) refuses
 * !PAGE_ALIGNED(start) with EINVAL whatever the advice.  MADV_NORMAL
 * changes no flag of the VMA (madvise_update_vma() returns before any
 * split), so the accepted side leaves every entry as it was.
 */
TEST_F(madv, edge_start_misaligned)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	const size_t off[] = { 1, SZ_4K - 1 };
	unsigned int i;
	int n, ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	for (i = 0; i < 2; i++) {
		errno = 0;
		ret = madvise(pm->addr + off[i], pm->req.len - SZ_4K, MADV_NORMAL);
		EXPECT_TRUE(ret == -1 && errno == EINVAL)
			TH_LOG("MADV_NORMAL at +%#zx: %d (%s), want EINVAL",
			       off[i], ret, strerror(errno));
	}
	madv_intact(_metadata, self, samples, n, "the misaligned advice");
}

TEST_F(madv, edge_start_aligned)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	int n;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	EXPECT_EQ(0, madvise(pm->addr + SZ_4K, pm->req.len - SZ_4K, MADV_NORMAL))
		TH_LOG("MADV_NORMAL at +4 KiB: %s", strerror(errno));
	madv_intact(_metadata, self, samples, n, "MADV_NORMAL");
}

/*
 * Range ends: madvise_walk_vmas() visits the VMAs of the range in
 * address order and stops at the first refusal (for MADV_DONTNEED,
 * madvise_dontneed_free_valid_vma(): VM_PFNMAP).  With an anonymous page
 * right before and right after the pfnmap: a range that ends exactly at
 * the pfnmap's start, or starts exactly at its end, only zaps the
 * neighbour; one page more reaches the pfnmap and is EINVAL, the pfnmap
 * intact (and the neighbour after it, which is never reached).
 */
#define MADV_NEIGHBOUR_BYTE	0x5a

static char *madv_neighbour(struct __test_metadata *_metadata, char *at)
{
	char *p = mmap(at, SZ_4K, RW, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	EXPECT_EQ(at, p) TH_LOG("no free page at %p for the neighbour: %s",
				at, p == MAP_FAILED ? strerror(errno) : "moved");
	if (p != at)
		return MAP_FAILED;
	memset(p, MADV_NEIGHBOUR_BYTE, SZ_4K);
	return p;
}

/* The first and last byte of the neighbour page read @want. */
#define EXPECT_NEIGHBOUR(p, want) do {					\
		EXPECT_EQ((want), ((volatile char *)(p))[0]);		\
		EXPECT_EQ((want), ((volatile char *)(p))[SZ_4K - 1]);	\
	} while (0)

static void madv_edge(struct __test_metadata *_metadata,
		      FIXTURE_DATA(madv) *self,
		      const FIXTURE_VARIANT(madv) *variant, bool after,
		      bool into)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	struct pfnmap *pm = &self->pm;
	char *nb, *start;
	int n, ret;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	n = pfnmap_samples(pm, samples);
	madv_fill_touch(_metadata, self, samples, n);
	nb = madv_neighbour(_metadata, after ? pm->addr + pm->req.len :
					       pm->addr - SZ_4K);
	ASSERT_NE(MAP_FAILED, nb);
	start = after && into ? nb - SZ_4K : nb;
	errno = 0;
	ret = madvise(start, into ? 2 * SZ_4K : SZ_4K, MADV_DONTNEED);
	if (into) {
		EXPECT_TRUE(ret == -1 && errno == EINVAL)
			TH_LOG("MADV_DONTNEED one page into the pfnmap: %d (%s), want EINVAL",
			       ret, strerror(errno));
		if (after)
			EXPECT_NEIGHBOUR(nb, MADV_NEIGHBOUR_BYTE);
	} else {
		EXPECT_EQ(0, ret)
			TH_LOG("MADV_DONTNEED of the neighbour: %s", strerror(errno));
		EXPECT_NEIGHBOUR(nb, 0);
	}
	madv_intact(_metadata, self, samples, n, "MADV_DONTNEED at the edge");
	munmap(nb, SZ_4K);
}

TEST_F(madv, edge_dontneed_before_vma_start)
{
	madv_edge(_metadata, self, variant, false, true);
}

TEST_F(madv, edge_dontneed_up_to_vma_start)
{
	madv_edge(_metadata, self, variant, false, false);
}

TEST_F(madv, edge_dontneed_past_vma_end)
{
	madv_edge(_metadata, self, variant, true, true);
}

TEST_F(madv, edge_dontneed_from_vma_end)
{
	madv_edge(_metadata, self, variant, true, false);
}

MM_HARNESS_MAIN
