// SPDX-License-Identifier: GPL-2.0
/*
 * fork() of a pfnmap, every provider and level, around the VMA: what
 * madvise() makes fork skip, and the parent's mapping across a vfork()
 * and exec, and across the exit of a child that used it.
 *
 *   dontfork            MADV_DONTFORK of the whole range: dup_mmap()
 *                       skips the VMA (VM_DONTCOPY), the child has
 *                       nothing there; the parent's entries and data stay
 *   dontfork_part       MADV_DONTFORK from the middle of the first huge
 *                       entry on: the VMA is split there, so the entry
 *                       across the boundary is zapped (huge pfnmap entries
 *                       are never split: __split_huge_pmd_locked() on a
 *                       special VMA) and refaults at the level that fits;
 *                       the child has exactly the part not marked, copied
 *                       at that level, and nothing in the rest
 *   wipeonfork_refused  MADV_WIPEONFORK is for anonymous memory only
 *                       (madvise_vma_behavior(): EINVAL for a vm_file or
 *                       VM_SHARED VMA); the fork copies it all, data too
 *   vfork_exec          a vfork()ed child that execs leaves the parent's
 *                       mm (shared until the exec) as it was
 *   exit_while_mapped   a forked child faults and writes, then exits:
 *                       zapping its copy leaves the parent's entries, its
 *                       data (shared: the child's writes), the PAT memtype
 *                       list and the module pages' refcounts as they were
 *
 * Known kernel bug (selftests/expectations): dontfork_part on a PUD
 * mapping splits the VMA inside a 1 GiB entry, the crash pfnmap_split's
 * mprotect case shows (vma_adjust_trans_huge() walks the leaf as a PMD
 * table).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pfnmap/devmem.h"
#include "fork/fork_harness.h"
#include "fork/fork.h"
#include "mm_util.h"

FIXTURE(fork_vma) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	int nsamples;
	struct fork_child fc;
};

FIXTURE_VARIANT(fork_vma) {
	struct pfnmap_req req;
};

FORK_PFNMAP_VARIANTS(fork_vma);

FIXTURE_SETUP(fork_vma)
{
	self->got = false;
	self->seed = mm_seed();
	fork_init(&self->fc);
}

FIXTURE_TEARDOWN(fork_vma)
{
	fork_free(&self->fc);
	if (self->got)
		pfnmap_put(&self->pm);
}

static bool vma_prepare(struct __test_metadata *_metadata,
			FIXTURE_DATA(fork_vma) *self,
			const FIXTURE_VARIANT(fork_vma) *variant)
{
	return fork_pfnmap_prepare(_metadata, &self->pm, &variant->req,
				   &self->got, self->seed, self->samples,
				   &self->nsamples);
}

/*
 * [off, end) of the mapping, lying in the VMA [vs, ve): every entry at
 * the level that fits, special, writable iff shared.
 */
static int vma_check(struct pfnmap *pm, uint64_t off, uint64_t end,
		     uint64_t vs, uint64_t ve, char *why, size_t len)
{
	uintptr_t a = (uintptr_t)pm->addr;

	return pfnmap_check_entries(pm, off, end, a + vs, a + ve,
				    fork_pfnmap_want(pm), FORK_PT_MASK, why, len);
}

/* The parent after the child: entries of [0, len) as before, data SEED. */
static void vma_parent_intact(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fork_vma) *self, uint64_t seed,
			      const char *after)
{
	struct pfnmap *pm = &self->pm;
	char why[512];

	EXPECT_EQ(0, vma_check(pm, 0, pm->req.len, 0, pm->req.len, why,
			       sizeof(why)))
		TH_LOG("the parent's entries after %s: %s", after, why);
	EXPECT_EQ(-1, pfnmap_check_map(pm, seed, self->samples,
				       self->nsamples))
		TH_LOG("the parent's data after %s", after);
}

struct vma_arg {
	FIXTURE_DATA(fork_vma) *self;
	uint64_t from;		/* the child lacks [from, len) */
	uint64_t seed2;
};

/*
 * Is [off, end) absent from this process?  Nothing mapped by the oracle
 * at its ends, and msync() fails with ENOMEM, which it does exactly where
 * no VMA is.  0, or -1 with WHY.
 */
static int vma_absent(struct pfnmap *pm, uint64_t off, uint64_t end,
		      char *why, size_t len)
{
	int first = pfnmap_level(pm, pm->addr + off);
	int last = pfnmap_level(pm, pm->addr + end - SZ_4K);

	if (first != MMCONF_LEVEL_NONE || last != MMCONF_LEVEL_NONE) {
		snprintf(why, len, "map+%#llx..%#llx is mapped (%s, %s)",
			 (unsigned long long)off, (unsigned long long)end,
			 first < 0 ? "?" : pfnmap_level_name(first),
			 last < 0 ? "?" : pfnmap_level_name(last));
		return -1;
	}
	if (!msync(pm->addr + off, end - off, MS_ASYNC) || errno != ENOMEM) {
		snprintf(why, len, "msync(map+%#llx..%#llx): %s, want ENOMEM: "
			 "a VMA is there", (unsigned long long)off,
			 (unsigned long long)end, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The child of a MADV_DONTFORK from A->from on: [0, from) copied at the
 * levels of its own VMA with the parent's data, nothing in [from, len).
 */
static int vma_dontfork_child(struct fork_child *fc)
{
	struct vma_arg *a = fc->arg;
	FIXTURE_DATA(fork_vma) *self = a->self;
	struct pfnmap *pm = &self->pm;
	char why[512];
	int i;

	if (vma_absent(pm, a->from, pm->req.len, why, sizeof(why)))
		return fork_fail(fc, "the child, in the MADV_DONTFORK part: %s",
				 why);
	if (!a->from)
		return 0;
	if (vma_check(pm, 0, a->from, 0, a->from, why, sizeof(why)))
		return fork_fail(fc, "the child's entries below the "
				 "MADV_DONTFORK part: %s", why);
	for (i = 0; i < self->nsamples; i++)
		if (self->samples[i] * SZ_4K < a->from &&
		    pfnmap_check_map(pm, self->seed, &self->samples[i], 1) >= 0)
			return fork_fail(fc, "the child reads page %llu wrong",
					 (unsigned long long)self->samples[i]);
	return 0;
}

/* MADV_DONTFORK of the whole range: the child has nothing of it. */
TEST_F(fork_vma, dontfork)
{
	struct vma_arg a = { .self = self, .from = 0 };
	struct pfnmap *pm = &self->pm;

	if (!vma_prepare(_metadata, self, variant))
		return;
	ASSERT_EQ(0, madvise(pm->addr, pm->req.len, MADV_DONTFORK))
		TH_LOG("MADV_DONTFORK: %s", strerror(errno));
	ASSERT_EQ(0, fork_start(&self->fc, vma_dontfork_child, &a));
	fork_expect_child_ok(_metadata, &self->fc, "MADV_DONTFORK");
	vma_parent_intact(_metadata, self, self->seed, "a MADV_DONTFORK fork");
}

/*
 * Where MADV_DONTFORK_PART starts: in the middle of the first huge entry,
 * or, in a PTE mapping, past the middle.
 */
static uint64_t vma_part_from(const struct pfnmap_req *req)
{
	uint64_t size = pfnmap_level_size(req->level);

	if (req->level == MMCONF_LEVEL_PTE)
		return req->len / 2 + 3 * SZ_4K;
	return size / 2;
}

/*
 * MADV_DONTFORK from the middle of the first huge entry to the end: the
 * parent refaults both VMAs at their fitting levels (the entry across the
 * new boundary was zapped), the child has exactly the part not marked.
 */
TEST_F(fork_vma, dontfork_part)
{
	struct vma_arg a = { .self = self };
	struct pfnmap *pm = &self->pm;
	uint64_t len = variant->req.len;
	uintptr_t s;
	char why[512];
	int level;

	if (!vma_prepare(_metadata, self, variant))
		return;
	s = (uintptr_t)pm->addr;
	a.from = vma_part_from(&variant->req);
	ASSERT_EQ(0, madvise(pm->addr + a.from, len - a.from, MADV_DONTFORK))
		TH_LOG("MADV_DONTFORK of map+%#llx..: %s",
		       (unsigned long long)a.from, strerror(errno));
	if (variant->req.level > MMCONF_LEVEL_PTE) {
		level = pfnmap_level(pm, pm->addr + a.from);
		EXPECT_EQ(MMCONF_LEVEL_NONE, level)
			TH_LOG("the %s entry across the new VMA boundary is "
			       "still mapped (%s): it must be zapped, not split",
			       pfnmap_level_name(variant->req.level),
			       level < 0 ? "?" : pfnmap_level_name(level));
	}
	pfnmap_touch(pm, 0, a.from, s, s + a.from, pm->req.shared);
	pfnmap_touch(pm, a.from, len, s + a.from, s + len, pm->req.shared);
	ASSERT_EQ(0, vma_check(pm, 0, a.from, 0, a.from, why, sizeof(why)))
		TH_LOG("the parent's entries below the split: %s", why);
	ASSERT_EQ(0, vma_check(pm, a.from, len, a.from, len, why, sizeof(why)))
		TH_LOG("the parent's entries above the split: %s", why);

	ASSERT_EQ(0, fork_start(&self->fc, vma_dontfork_child, &a));
	fork_expect_child_ok(_metadata, &self->fc, "MADV_DONTFORK of a part");
	EXPECT_EQ(0, vma_check(pm, 0, a.from, 0, a.from, why, sizeof(why)))
		TH_LOG("the parent's entries below the split after the "
		       "fork: %s", why);
	EXPECT_EQ(0, vma_check(pm, a.from, len, a.from, len, why, sizeof(why)))
		TH_LOG("the parent's entries above the split after the "
		       "fork: %s", why);
	EXPECT_EQ(-1, pfnmap_check_map(pm, self->seed, self->samples,
				       self->nsamples))
		TH_LOG("the parent's data after the fork");
}

/* The child of a refused MADV_WIPEONFORK: all copied, the data there. */
static int vma_wipe_child(struct fork_child *fc)
{
	struct vma_arg *a = fc->arg;
	FIXTURE_DATA(fork_vma) *self = a->self;
	struct pfnmap *pm = &self->pm;
	char why[512];
	int64_t bad;

	if (vma_check(pm, 0, pm->req.len, 0, pm->req.len, why, sizeof(why)))
		return fork_fail(fc, "the child's entries: %s", why);
	bad = pfnmap_check_map(pm, self->seed, self->samples, self->nsamples);
	if (bad >= 0)
		return fork_fail(fc, "the child reads page %lld wrong (wiped?)",
				 (long long)bad);
	return 0;
}

/*
 * MADV_WIPEONFORK: EINVAL over the mapping and over one page inside a
 * huge entry, and the fork copies everything as if it had not been asked.
 */
TEST_F(fork_vma, wipeonfork_refused)
{
	struct vma_arg a = { .self = self };
	struct pfnmap *pm = &self->pm;
	int ret;

	if (!vma_prepare(_metadata, self, variant))
		return;
	errno = 0;
	ret = madvise(pm->addr, pm->req.len, MADV_WIPEONFORK);
	EXPECT_TRUE(ret == -1 && errno == EINVAL)
		TH_LOG("MADV_WIPEONFORK of the mapping: %d (%s), want EINVAL",
		       ret, strerror(errno));
	errno = 0;
	ret = madvise(pm->addr + SZ_4K, SZ_4K, MADV_WIPEONFORK);
	EXPECT_TRUE(ret == -1 && errno == EINVAL)
		TH_LOG("MADV_WIPEONFORK of one page: %d (%s), want EINVAL",
		       ret, strerror(errno));
	ASSERT_EQ(0, fork_start(&self->fc, vma_wipe_child, &a));
	fork_expect_child_ok(_metadata, &self->fc, "after MADV_WIPEONFORK");
	vma_parent_intact(_metadata, self, self->seed, "the fork");
}

/*
 * vfork() and exec this program listing its cases (quietly): the child
 * runs on the parent's mm until the exec swaps in a new one, which must
 * leave the parent's mapping, entries and data as they were.
 */
TEST_F(fork_vma, vfork_exec)
{
	char *const argv[] = { "pfnmap_fork_vma", "--list-cases", NULL };
	extern char **environ;
	int devnull, status;
	pid_t pid;

	if (!vma_prepare(_metadata, self, variant))
		return;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, devnull);
	pid = vfork();
	if (!pid) {
		/* dup2() clears O_CLOEXEC on the copy: stdout survives exec. */
		dup2(devnull, STDOUT_FILENO);
		execve("/proc/self/exe", argv, environ);
		_exit(127);
	}
	close(devnull);
	ASSERT_LT(0, pid) TH_LOG("vfork: %s", strerror(errno));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the exec'd child: status %#x", status);
	vma_parent_intact(_metadata, self, self->seed, "vfork + exec");
}

/*
 * The child faults every entry (writing when shared), puts SEED2 in the
 * sample pages (private: into copies of its own) and exits.
 */
static int vma_exit_child(struct fork_child *fc)
{
	struct vma_arg *a = fc->arg;
	FIXTURE_DATA(fork_vma) *self = a->self;
	struct pfnmap *pm = &self->pm;
	uintptr_t s = (uintptr_t)pm->addr;
	int64_t bad;

	pfnmap_touch(pm, 0, pm->req.len, s, s + pm->req.len, pm->req.shared);
	pfnmap_fill_map(pm, a->seed2, self->samples, self->nsamples);
	bad = pfnmap_check_map(pm, a->seed2, self->samples, self->nsamples);
	if (bad >= 0)
		return fork_fail(fc, "the child's write to page %lld reads "
				 "back wrong", (long long)bad);
	return 0;
}

/* Refcounts of the module pages behind SAMPLES (0 when not the module). */
static void vma_refcounts(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fork_vma) *self, unsigned int *ref)
{
	struct pfnmap *pm = &self->pm;
	int i;

	for (i = 0; i < self->nsamples; i++) {
		ref[i] = 0;
		if (pm->km_open)
			ASSERT_EQ(0, pfnmap_kmod_refcount(&pm->km, pm->req.off +
					self->samples[i] * SZ_4K, &ref[i]));
	}
}

/*
 * A child that used the mapping exits while the parent keeps it: the
 * teardown of the child's copy (zap, PAT untrack of its duplicated
 * memtype) leaves the parent's as it was.
 */
TEST_F(fork_vma, exit_while_mapped)
{
	unsigned int ref0[PFNMAP_KMOD_MAX_SAMPLES], ref1[PFNMAP_KMOD_MAX_SAMPLES];
	struct vma_arg a = { .self = self };
	char *pat0 = NULL, *pat1 = NULL;
	char diff[512];
	int i, ret;

	if (!vma_prepare(_metadata, self, variant))
		return;
	a.seed2 = mm_mix(self->seed);
	vma_refcounts(_metadata, self, ref0);
	ret = fork_read_all(DEVMEM_PAT_LIST, &pat0);
	ASSERT_EQ(0, fork_start(&self->fc, vma_exit_child, &a));
	fork_expect_child_ok(_metadata, &self->fc, "the child's use");
	vma_parent_intact(_metadata, self,
			  self->pm.req.shared ? a.seed2 : self->seed,
			  "the child's exit");
	vma_refcounts(_metadata, self, ref1);
	for (i = 0; i < self->nsamples; i++)
		EXPECT_EQ(ref0[i], ref1[i])
			TH_LOG("page %llu: refcount %u before the fork, %u "
			       "after the child's exit",
			       (unsigned long long)self->samples[i], ref0[i],
			       ref1[i]);
	if (ret) {
		TH_LOG("memtypes not checked: %s: %s", DEVMEM_PAT_LIST,
		       strerror(-ret));
	} else {
		ASSERT_EQ(0, fork_read_all(DEVMEM_PAT_LIST, &pat1));
		EXPECT_FALSE(fork_text_differs(pat0, pat1, diff, sizeof(diff)))
			TH_LOG("%s changed across the child's life: %s",
			       DEVMEM_PAT_LIST, diff);
	}
	free(pat0);
	free(pat1);
}

MM_HARNESS_MAIN
