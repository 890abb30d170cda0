// SPDX-License-Identifier: GPL-2.0
/*
 * fork() of a pfnmap, every provider and level (lib/pfnmap/pfnmap_provider.h):
 * what the child gets, before and after anyone touches it.
 *
 * copy_page_range() copies the page tables of every VM_PFNMAP VMA
 * (vma_needs_copy()): a pfnmap cannot be refilled by a fault the way page
 * cache can.  Since v6.12 ("mm/fork: accept huge pfnmap entries")
 * copy_huge_pmd() copies a special PMD into the child too, instead of
 * skipping it as a refaultable file entry, and copy_huge_pud() a PUD; both
 * keep the write bit of a shared mapping and write-protect only a COW
 * mapping's entries, on both sides, as copy_present_ptes() does for PTEs.
 * So, for every variant:
 *
 *   entries_copied  the child, before it touches anything, has every entry
 *                   at the parent's level and pfn, special, writable iff
 *                   shared; a private (COW) mapping is write-protected on
 *                   both sides, a page the parent had already copied too
 *   no_refault      shared: a write per entry (per 2 MiB of a huge one) in
 *                   the child, and in the parent once the child exited,
 *                   takes no fault (getrusage, and the module's per-level
 *                   counters); private: neither do reads
 *   child_data      the child reads the parent's per-page data on every
 *                   level; shared: its writes reach the parent and the
 *                   second data path; private: a write makes an anonymous
 *                   copy of that page only, in the child as in the parent
 *
 * A kernel without huge pfnmaps (6.1) SKIPs the PMD/PUD variants; 6.11
 * and older would fail entries_copied and no_refault on them (the child's
 * huge entries were left to refault).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "fork/fork_harness.h"
#include "fork/fork.h"
#include "mm_util.h"

#define FORK_NONE	UINT64_MAX

FIXTURE(fork) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	int nsamples;
	struct fork_child fc;
};

FIXTURE_VARIANT(fork) {
	struct pfnmap_req req;
};

FORK_PFNMAP_VARIANTS(fork);

FIXTURE_SETUP(fork)
{
	self->got = false;
	self->seed = mm_seed();
	fork_init(&self->fc);
}

FIXTURE_TEARDOWN(fork)
{
	fork_free(&self->fc);
	if (self->got)
		pfnmap_put(&self->pm);
}

/* Map, fill the samples, fault and check every entry; false: SKIP. */
static bool fork_prepare(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fork) *self,
			 const FIXTURE_VARIANT(fork) *variant)
{
	return fork_pfnmap_prepare(_metadata, &self->pm, &variant->req,
				   &self->got, self->seed, self->samples,
				   &self->nsamples);
}

/* The entry at page PAGE now. */
static int fork_query(struct pfnmap *pm, uint64_t page, struct pfnmap_entry *e)
{
	const void *a = pm->addr + page * SZ_4K;

	return pfnmap_query(pm, &a, 1, e);
}

/*
 * Entries after the fork, in parent or child: as before it (special,
 * writable iff shared), except that page COW, which the parent had
 * written before the fork, maps anonymous page COW_PFN read-only (when
 * COW is not FORK_NONE).  0, or -1 with WHY.
 */
static int fork_check_copied(struct pfnmap *pm, uint64_t cow, uint64_t cow_pfn,
			     char *why, size_t len)
{
	uintptr_t s = (uintptr_t)pm->addr, e = s + pm->req.len;
	uint64_t cow_off = cow * SZ_4K;
	struct pfnmap_entry ent;
	char got[192];
	int ret;

	if (cow == FORK_NONE)
		return pfnmap_check_entries(pm, 0, pm->req.len, s, e,
					    fork_pfnmap_want(pm), FORK_PT_MASK, why, len);
	if (pfnmap_check_entries(pm, 0, cow_off, s, e, fork_pfnmap_want(pm),
				 FORK_PT_MASK, why, len) ||
	    pfnmap_check_entries(pm, cow_off + SZ_4K, pm->req.len, s, e,
				 fork_pfnmap_want(pm), FORK_PT_MASK, why, len))
		return -1;
	ret = fork_query(pm, cow, &ent);
	if (ret) {
		snprintf(why, len, "page-table query: %s", strerror(-ret));
		return -1;
	}
	if (ent.level == MMCONF_LEVEL_PTE &&
	    (ent.flags & (ent.known & (MMCONF_PT_PRESENT | FORK_PT_MASK))) ==
	    MMCONF_PT_PRESENT && (!ent.pfn_known || ent.pfn == cow_pfn))
		return 0;
	pfnmap_describe(&ent, got, sizeof(got));
	snprintf(why, len, "page %llu, copied by a write before the fork, is %s;"
		 " want PTE present read-only not-special pfn %#llx (the "
		 "anonymous copy, write-protected for COW)",
		 (unsigned long long)cow, got, (unsigned long long)cow_pfn);
	return -1;
}

struct fork_copied_arg {
	struct pfnmap *pm;
	uint64_t cow, cow_pfn;
};

/* The child, first thing: its own entries (the oracle walks its mm). */
static int fork_copied_child(struct fork_child *fc)
{
	struct fork_copied_arg *a = fc->arg;
	char why[512];

	if (fork_check_copied(a->pm, a->cow, a->cow_pfn, why, sizeof(why)))
		return fork_fail(fc, "the child's entries: %s", why);
	return 0;
}

/*
 * The parent faults every entry in and forks; the child has them all,
 * copied at the same level, before it touches anything.
 */
TEST_F(fork, entries_copied)
{
	struct fork_copied_arg a = { .pm = &self->pm, .cow = FORK_NONE };
	struct pfnmap *pm = &self->pm;
	struct pfnmap_entry e;
	char why[512];

	if (!fork_prepare(_metadata, self, variant))
		return;
	if (!pm->req.shared) {
		/* Page 1 gets an anonymous copy before the fork. */
		a.cow = 1;
		pfnmap_fill_map(pm, self->seed + 1, &a.cow, 1);
		ASSERT_EQ(0, fork_query(pm, a.cow, &e));
		ASSERT_TRUE(e.level == MMCONF_LEVEL_PTE &&
			    (e.flags & MMCONF_PT_WRITE) &&
			    (!e.pfn_known ||
			     e.pfn != pfnmap_pfn(pm, pm->addr + SZ_4K)))
			TH_LOG("a private write did not make a writable copy");
		a.cow_pfn = e.pfn;
	}
	ASSERT_EQ(0, fork_start(&self->fc, fork_copied_child, &a));
	fork_expect_child_ok(_metadata, &self->fc, "right after the fork");
	EXPECT_EQ(0, fork_check_copied(pm, a.cow, a.cow_pfn, why, sizeof(why)))
		TH_LOG("the parent's entries after the fork: %s", why);
}

/*
 * One access per 4 KiB of PTE entries, per 2 MiB of huge ones, writing
 * the byte back when WRITE; the minor faults each one took.  *FIRST gets
 * the offset of the first access that faulted, *N_ACCESS the number of
 * accesses.  DRY touches a stack byte
 * instead: it faults in this code's text (file pages fork does not copy)
 * and stack, so the real pass counts nothing but its own accesses.
 */
static long fork_access(struct pfnmap *pm, bool write, bool dry,
			uint64_t *first, uint64_t *n_access)
{
	uintptr_t s = (uintptr_t)pm->addr, e = s + pm->req.len;
	long before, faults = 0, n;
	volatile char local = 0, *p;
	uint64_t off, step;
	char c;

	for (off = 0; off < pm->req.len; off += step) {
		step = pfnmap_fit_level(pm, s, e, pm->addr + off) ==
		       MMCONF_LEVEL_PTE ? SZ_4K : SZ_2M;
		p = dry ? &local : (volatile char *)pm->addr + off;
		before = mm_minflt();
		c = *p;
		if (write)
			*p = c;
		n = mm_minflt() - before;
		if (n && !faults)
			*first = off;
		faults += n;
		(*n_access)++;
	}
	return faults;
}

static uint64_t fork_sum(const __u64 *v)
{
	uint64_t sum = 0;
	int l;

	for (l = 0; l < MMCONF_NR_LEVELS; l++)
		sum += v[l];
	return sum;
}

/* "PTE 0 PMD 0 PUD 1 fallbacks 0": what the module counted from C0 to C1. */
static void fork_counted(const struct mmconf_counters *c0,
			 const struct mmconf_counters *c1, char *buf,
			 size_t len)
{
	snprintf(buf, len, "PTE %llu PMD %llu PUD %llu, fallbacks %llu",
		 (unsigned long long)(c1->faults[MMCONF_LEVEL_PTE] -
				      c0->faults[MMCONF_LEVEL_PTE]),
		 (unsigned long long)(c1->faults[MMCONF_LEVEL_PMD] -
				      c0->faults[MMCONF_LEVEL_PMD]),
		 (unsigned long long)(c1->faults[MMCONF_LEVEL_PUD] -
				      c0->faults[MMCONF_LEVEL_PUD]),
		 (unsigned long long)(fork_sum(c1->fallbacks) -
				      fork_sum(c0->fallbacks)));
}

/*
 * WHO writes (reads, when !WRITE) one byte per entry: no minor fault and,
 * for the module, no fault or fallback counted at any level.  0 with the
 * figures in WHY, or -1 with WHY naming the first entry that faulted and
 * the level it came back at.
 */
static int fork_count_faults(struct pfnmap *pm, bool write, const char *who,
			     char *why, size_t len)
{
	struct mmconf_counters c0 = { 0 }, c1 = { 0 };
	const char *op = write ? "writes" : "reads";
	uint64_t first = 0, n = 0;
	char counted[128];
	int level, ret = 0;
	long faults;

	fork_prefault_stack();
	fork_access(pm, write, true, &first, &n);
	if (pm->km_open)
		ret = pfnmap_kmod_counters(&pm->km, &c0);
	if (ret) {
		snprintf(why, len, "%s: module counters: %s", who,
			 strerror(-ret));
		return -1;
	}
	n = 0;
	faults = fork_access(pm, write, false, &first, &n);
	if (faults) {
		level = pfnmap_level(pm, pm->addr + first);
		counted[0] = '\0';
		if (pm->km_open && !pfnmap_kmod_counters(&pm->km, &c1))
			fork_counted(&c0, &c1, counted, sizeof(counted));
		snprintf(why, len, "%s: %ld minor faults over its %llu %s; the "
			 "first at map+%#llx, whose entry came back as %s%s%s",
			 who, faults, (unsigned long long)n, op,
			 (unsigned long long)first,
			 level < 0 ? strerror(-level) : pfnmap_level_name(level),
			 counted[0] ? "; the module counted " : "", counted);
		return -1;
	}
	if (!pm->km_open) {
		snprintf(why, len, "%s: 0 minor faults over its %llu %s", who,
			 (unsigned long long)n, op);
		return 0;
	}
	ret = pfnmap_kmod_counters(&pm->km, &c1);
	if (ret) {
		snprintf(why, len, "%s: module counters: %s", who,
			 strerror(-ret));
		return -1;
	}
	fork_counted(&c0, &c1, counted, sizeof(counted));
	snprintf(why, len, "%s: 0 minor faults over its %llu %s; the module "
		 "counted %s", who, (unsigned long long)n, op, counted);
	return fork_sum(c1.faults) != fork_sum(c0.faults) ||
	       fork_sum(c1.fallbacks) != fork_sum(c0.fallbacks) ? -1 : 0;
}

static int fork_no_refault_child(struct fork_child *fc)
{
	struct pfnmap *pm = fc->arg;
	char why[512];
	int ret;

	ret = fork_count_faults(pm, pm->req.shared, "the child", why,
				sizeof(why));
	if (ret)
		return fork_fail(fc, "%s", why);
	snprintf(fc->msg, FORK_MSG_LEN, "%s", why);
	return 0;
}

/*
 * The copied entries serve the child's accesses, and the parent's keep
 * serving it after the child exited: a shared mapping takes no fault for
 * a write, a private one none for a read (a write would COW).
 */
TEST_F(fork, no_refault)
{
	struct pfnmap *pm = &self->pm;
	char why[512];
	int ret;

	if (!fork_prepare(_metadata, self, variant))
		return;
	if (pm->km_open) {
		/* The counters count: the parent's faults before the fork. */
		struct mmconf_counters c0 = { 0 }, c1;
		char counted[128];

		ASSERT_EQ(0, pfnmap_kmod_counters(&pm->km, &c1));
		fork_counted(&c0, &c1, counted, sizeof(counted));
		TH_LOG("the parent's faults before the fork: the module "
		       "counted %s", counted);
	}
	ASSERT_EQ(0, fork_start(&self->fc, fork_no_refault_child, pm));
	if (fork_expect_child_ok(_metadata, &self->fc, "the child's accesses"))
		TH_LOG("%s", fork_msg(&self->fc));
	ret = fork_count_faults(pm, pm->req.shared,
				"the parent, after the child exited", why,
				sizeof(why));
	TH_LOG("%s", why);
	EXPECT_EQ(0, ret);
}

struct fork_data_arg {
	FIXTURE_DATA(fork) *self;
	uint64_t seed2;
	uint64_t p, q;		/* private: pages the child, the parent write */
};

/* The first sample page other than SKIP not holding SEED's data, or -1. */
static int64_t fork_check_but(FIXTURE_DATA(fork) *self, uint64_t seed,
			      uint64_t skip)
{
	int i;

	for (i = 0; i < self->nsamples; i++)
		if (self->samples[i] != skip &&
		    pfnmap_check_map(&self->pm, seed, &self->samples[i], 1) >= 0)
			return self->samples[i];
	return -1;
}

/* Shared: the parent's data, and the child's writes reach the pfns. */
static int fork_data_child_shared(struct fork_child *fc)
{
	struct fork_data_arg *a = fc->arg;
	FIXTURE_DATA(fork) *self = a->self;
	struct pfnmap *pm = &self->pm;
	int n = self->nsamples;
	int64_t bad;

	bad = pfnmap_check_map(pm, self->seed, self->samples, n);
	if (bad >= 0)
		return fork_fail(fc, "the child reads page %lld wrong: not "
				 "the parent's data", (long long)bad);
	pfnmap_fill_map(pm, a->seed2, self->samples, n);
	bad = pfnmap_check_map(pm, a->seed2, self->samples, n);
	if (bad >= 0)
		return fork_fail(fc, "the child's write to page %lld reads "
				 "back wrong", (long long)bad);
	bad = pfnmap_check_path(pm, a->seed2, self->samples, n);
	if (bad >= 0)
		return fork_fail(fc, "the child's write to page %lld is "
				 "missing from %s", (long long)bad, pm->path);
	return 0;
}

/*
 * Private: the child reads the parent's data; its write to page P makes
 * an anonymous copy (writable, not special, another pfn) that the pfn and
 * the parent never see, every other page still maps its pfn read-only;
 * then the parent's write to page Q (step/go) does not show here.
 */
static int fork_data_child_private(struct fork_child *fc)
{
	struct fork_data_arg *a = fc->arg;
	FIXTURE_DATA(fork) *self = a->self;
	struct pfnmap *pm = &self->pm;
	uint64_t pfn = pfnmap_pfn(pm, pm->addr + a->p * SZ_4K);
	struct pfnmap_entry e;
	char why[512], got[192];
	int64_t bad;
	int ret;

	bad = pfnmap_check_map(pm, self->seed, self->samples, self->nsamples);
	if (bad >= 0)
		return fork_fail(fc, "the child reads page %lld wrong: not "
				 "the parent's data", (long long)bad);
	pfnmap_fill_map(pm, a->seed2, &a->p, 1);
	if (pfnmap_check_map(pm, a->seed2, &a->p, 1) >= 0)
		return fork_fail(fc, "the child's write to page %llu reads "
				 "back wrong", (unsigned long long)a->p);
	ret = fork_query(pm, a->p, &e);
	if (ret)
		return fork_fail(fc, "page-table query: %s", strerror(-ret));
	pfnmap_describe(&e, got, sizeof(got));
	if (e.level != MMCONF_LEVEL_PTE ||
	    (e.flags & e.known & (MMCONF_PT_PRESENT | FORK_PT_MASK)) !=
	    (e.known & (MMCONF_PT_PRESENT | MMCONF_PT_WRITE)) ||
	    (e.pfn_known && e.pfn == pfn))
		return fork_fail(fc, "after the child's write page %llu is %s; "
				 "want a writable not-special anonymous copy, "
				 "not pfn %#llx", (unsigned long long)a->p,
				 got, (unsigned long long)pfn);
	if (pfnmap_check_path(pm, self->seed, &a->p, 1) >= 0)
		return fork_fail(fc, "the child's private write to page %llu "
				 "reached the pfn (%s)",
				 (unsigned long long)a->p, pm->path);
	if (pfnmap_check_entries(pm, 0, a->p * SZ_4K, (uintptr_t)pm->addr,
				 (uintptr_t)pm->addr + pm->req.len,
				 MMCONF_PT_SPECIAL, FORK_PT_MASK, why, sizeof(why)) ||
	    pfnmap_check_entries(pm, (a->p + 1) * SZ_4K, pm->req.len,
				 (uintptr_t)pm->addr,
				 (uintptr_t)pm->addr + pm->req.len,
				 MMCONF_PT_SPECIAL, FORK_PT_MASK, why, sizeof(why)))
		return fork_fail(fc, "after the child's write to page %llu: %s",
				 (unsigned long long)a->p, why);
	if (fork_step(fc) || fork_await(fc))
		return fork_fail(fc, "the parent went away");
	bad = fork_check_but(self, self->seed, a->p);
	if (bad >= 0)
		return fork_fail(fc, "after the parent's write to page %llu the "
				 "child reads page %lld wrong",
				 (unsigned long long)a->q, (long long)bad);
	return 0;
}

/* Private, the parent's side: P untouched, its write to Q its own. */
static void fork_data_parent_private(struct __test_metadata *_metadata,
				     FIXTURE_DATA(fork) *self,
				     struct fork_data_arg *a)
{
	struct pfnmap *pm = &self->pm;
	struct pfnmap_entry e;
	int ret = fork_wait_step(&self->fc);

	if (ret) {
		fork_expect_child_ok(_metadata, &self->fc, "the child, before "
				     "the parent's write");
		ASSERT_EQ(0, ret) TH_LOG("the child ended before its step");
	}
	EXPECT_EQ(-1, pfnmap_check_map(pm, self->seed, &a->p, 1))
		TH_LOG("the child's private write to page %llu shows in the "
		       "parent", (unsigned long long)a->p);
	pfnmap_fill_map(pm, a->seed2 + 1, &a->q, 1);
	EXPECT_EQ(-1, pfnmap_check_path(pm, self->seed, &a->q, 1))
		TH_LOG("the parent's private write to page %llu reached the "
		       "pfn", (unsigned long long)a->q);
	ASSERT_EQ(0, fork_query(pm, a->q, &e));
	EXPECT_FALSE(e.pfn_known &&
		     e.pfn == pfnmap_pfn(pm, pm->addr + a->q * SZ_4K))
		TH_LOG("the parent's write to page %llu did not copy it",
		       (unsigned long long)a->q);
	ASSERT_EQ(0, fork_go(&self->fc));
	fork_expect_child_ok(_metadata, &self->fc, "private data");
	EXPECT_EQ(-1, pfnmap_check_map(pm, a->seed2 + 1, &a->q, 1));
	EXPECT_EQ(-1, fork_check_but(self, self->seed, a->q))
		TH_LOG("the parent lost its data after the child's writes");
}

TEST_F(fork, child_data)
{
	struct fork_data_arg a = { .self = self };
	struct pfnmap *pm = &self->pm;
	int n;

	if (!fork_prepare(_metadata, self, variant))
		return;
	n = self->nsamples;
	a.seed2 = mm_mix(self->seed);
	if (!pm->req.shared) {
		/* Inside the first 2 MiB, and past it. */
		a.p = 300;
		a.q = SZ_2M / SZ_4K + 1;
		ASSERT_LT(a.q, pm->req.len / SZ_4K);
		ASSERT_EQ(0, fork_start(&self->fc, fork_data_child_private, &a));
		fork_data_parent_private(_metadata, self, &a);
		return;
	}
	ASSERT_EQ(0, fork_start(&self->fc, fork_data_child_shared, &a));
	fork_expect_child_ok(_metadata, &self->fc, "shared data");
	EXPECT_EQ(-1, pfnmap_check_map(pm, a.seed2, self->samples, n))
		TH_LOG("the child's writes are not seen by the parent");
	EXPECT_EQ(-1, pfnmap_check_path(pm, a.seed2, self->samples, n))
		TH_LOG("the child's writes are missing from %s", pm->path);
}

MM_HARNESS_MAIN
