// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() of VM_PFNMAP mappings mapped with PTE, PMD or PUD entries, from
 * every provider of lib/pfnmap/pfnmap_provider.h: the test module (huge_fault,
 * and its mmap_prepare node), a vfio-pci BAR and /dev/mem
 * (remap_pfn_range(), PAT-tracked).
 *
 * A shrink works; a huge pfnmap entry is never split: the one straddling
 * the cut is zapped and its remaining part refaults at the largest level
 * that fits.  Growing is EFAULT (VM_PFNMAP | VM_DONTEXPAND) and
 * MREMAP_DONTUNMAP is EINVAL, and neither may touch a MREMAP_FIXED
 * destination.  A MREMAP_FIXED move works, to a destination that keeps
 * the level (aligned to the entry size) and to one that does not.  Data
 * is checked through the mappings and, out of band, through the
 * provider's second path (module ioctl, vfio pread, a second /dev/mem
 * mapping).  The runner fails a case that logs "bad pud", "bad pmd",
 * "freeing invalid memtype" or a BUG.
 *
 * /dev/mem mappings reserve a PAT memtype for their physical range: the
 * range is listed once in /sys/kernel/debug/x86/pat_memtype_list while
 * mapped, however the mapping was moved or shrunk, and not after unmap.
 *
 * Known kernel bugs (selftests/expectations): PUD entries hit a DEBUG_VM
 * BUG in __split_huge_pud on a shrink to a length that is not a multiple
 * of 1 GiB, and any move of them logs "bad pud" (get_old_pud() clears the
 * huge leaf as a bad table entry) and drops them, even between 1 GiB-
 * aligned addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mm_harness.h"
#include "mremap/mremap_expect.h"
#include "pfnmap/pfnmap_provider.h"

#define SALT_DST	0xd0d0

FIXTURE(mremap_pfnmap) {
	struct pfnmap pm;
	char *map;
	size_t len;
	size_t entry;		/* bytes one entry of the level maps */
	char *dst;		/* entry-aligned, inside the dst window */
	char *dst_window;
	size_t dst_window_len;
	unsigned long salt;
};

FIXTURE_VARIANT(mremap_pfnmap) {
	enum pfnmap_provider provider;
	unsigned int level;
};

FIXTURE_VARIANT_ADD(mremap_pfnmap, kmod_pte) {
	.provider = PFNMAP_KMOD, .level = MMCONF_LEVEL_PTE,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, kmod_pmd) {
	.provider = PFNMAP_KMOD, .level = MMCONF_LEVEL_PMD,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, kmod_pud) {
	.provider = PFNMAP_KMOD, .level = MMCONF_LEVEL_PUD,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, prepare_pte) {
	.provider = PFNMAP_PREPARE, .level = MMCONF_LEVEL_PTE,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, vfio_pte) {
	.provider = PFNMAP_VFIO, .level = MMCONF_LEVEL_PTE,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, vfio_pmd) {
	.provider = PFNMAP_VFIO, .level = MMCONF_LEVEL_PMD,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, vfio_pud) {
	.provider = PFNMAP_VFIO, .level = MMCONF_LEVEL_PUD,
};
FIXTURE_VARIANT_ADD(mremap_pfnmap, devmem_pte) {
	.provider = PFNMAP_DEVMEM, .level = MMCONF_LEVEL_PTE,
};

static const char *level_name(int level)
{
	return level < 0 ? "error" : pfnmap_level_name(level);
}

/* The mapping's entries are of @want at @addr (read now, not faulted). */
#define EXPECT_LEVEL(want, addr) do {					\
		int __got = pfnmap_level(&self->pm, (addr));		\
									\
		EXPECT_EQ((int)(want), __got) {				\
			TH_LOG("%p mapped at %s, expected %s",		\
			       (void *)(addr), level_name(__got),	\
			       level_name(want));			\
		}							\
	} while (0)

/*
 * Every entry of the whole mapping is still at its level, present and
 * mapping its pfn (pfnmap_check_entries(): the first and last page of
 * each entry and the sample pages), not just the first one: for the
 * calls the kernel must refuse without touching the mapping.
 */
#define EXPECT_ALL_ENTRIES() do {					\
		uintptr_t __s = (uintptr_t)self->map;			\
		char __why[512];					\
									\
		EXPECT_EQ(0, pfnmap_check_entries(&self->pm, 0, self->len, \
						  __s, __s + self->len,	\
						  0, 0, __why,		\
						  sizeof(__why)))	\
			TH_LOG("%s", __why);				\
	} while (0)

static void release(FIXTURE_DATA(mremap_pfnmap) *self)
{
	/* vfio-pci's unbind waits for every mapping of the BAR to go. */
	if (self->dst_window != MAP_FAILED)
		munmap(self->dst_window, self->dst_window_len);
	self->dst_window = MAP_FAILED;
	/* Moved or unmapped by the test: nothing of ours is left there. */
	if (self->map == MAP_FAILED)
		self->pm.addr = MAP_FAILED;
	pfnmap_put(&self->pm);
}

/* Map @len bytes at the variant's level; 0, MM_SKIP or -errno. */
static int get_pfnmap(FIXTURE_DATA(mremap_pfnmap) *self,
		      const FIXTURE_VARIANT(mremap_pfnmap) *variant,
		      uint64_t len, char *why, size_t whylen)
{
	const struct pfnmap_req req = {
		.provider = variant->provider, .level = variant->level,
		.shared = true, .prot = PROT_READ | PROT_WRITE, .len = len,
	};

	return pfnmap_get(&self->pm, &req, why, whylen);
}

FIXTURE_SETUP(mremap_pfnmap)
{
	struct timespec ts;
	char why[512];
	int ret, first, last;

	self->map = self->dst_window = MAP_FAILED;
	self->entry = pfnmap_level_size(variant->level);
	/* Two entries where the provider has room, else one. */
	self->len = 2 * self->entry;
	ret = get_pfnmap(self, variant, self->len, why, sizeof(why));
	if (ret == MM_SKIP && variant->level == MMCONF_LEVEL_PUD) {
		pfnmap_put(&self->pm);
		self->len = self->entry;
		ret = get_pfnmap(self, variant, self->len, why, sizeof(why));
	}
	if (ret == MM_SKIP) {
		pfnmap_put(&self->pm);
		SKIP(return, "%s", why);
	}
	ASSERT_EQ(0, ret) {
		TH_LOG("%s: %s", pfnmap_provider_name(variant->provider), why);
		pfnmap_put(&self->pm);
	}
	self->map = self->pm.addr;
	self->dst_window_len = 2 * self->len + 2 * SZ_1G;
	self->dst_window = mremap_util_reserve(self->dst_window_len, SZ_1G);
	ASSERT_NE(MAP_FAILED, self->dst_window) release(self);
	self->dst = self->dst_window + SZ_1G;

	/* The pfn range outlives the test: a fresh salt every time. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	self->salt = ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 30) ^ getpid();
	mremap_util_fill_sparse(self->map, self->len, self->salt, 0);
	/* Verified, not assumed: the level the kernel claims. */
	first = pfnmap_level(&self->pm, self->map);
	last = pfnmap_level(&self->pm, self->map + self->len - MM_PAGE);
	ASSERT_TRUE(first == (int)variant->level &&
		    last == (int)variant->level) {
		TH_LOG("mapped at %s and %s, expected %s", level_name(first),
		       level_name(last), level_name(variant->level));
		release(self);
	}
}

FIXTURE_TEARDOWN(mremap_pfnmap)
{
	release(self);
}

/*
 * The data of [off, off + len) of the pfn range, read through @addr and,
 * at the first, a middle and the last page and past 2 MiB and 1 GiB, out
 * of band through the provider.
 */
static void expect_data(struct __test_metadata *_metadata,
			FIXTURE_DATA(mremap_pfnmap) *self, const char *addr,
			uint64_t off, size_t len)
{
	const uint64_t at[] = {
		0, 300 * MM_PAGE, SZ_2M + MM_PAGE, SZ_1G + 7 * MM_PAGE,
		len / MM_PAGE / 2 * MM_PAGE, len - MM_PAGE,
	};
	static char page[MM_PAGE];
	unsigned int i;

	EXPECT_EQ(-1, mremap_util_check(addr, len, self->salt, off / MM_PAGE));
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		if (at[i] >= len)
			continue;
		ASSERT_EQ(0, pfnmap_read(&self->pm, off + at[i], page, MM_PAGE));
		EXPECT_EQ(-1, mremap_util_check(page, MM_PAGE, self->salt,
					(off + at[i]) / MM_PAGE)) {
			TH_LOG("provider offset %#llx",
			       (unsigned long long)(off + at[i]));
		}
	}
}

TEST_F(mremap_pfnmap, no_resize)
{
	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len, 0,
					NULL));
	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE, NULL));
	EXPECT_LEVEL(variant->level, self->map);
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

/*
 * Cut inside the last entry (PTE: at an entry boundary, there is no
 * inside): the entries before it stay, it is zapped, and what is left of
 * it refaults one level down, the largest that fits.
 */
TEST_F(mremap_pfnmap, shrink)
{
	size_t cut = self->entry / 2 < MM_PAGE ? self->entry :
						    self->entry / 2;
	size_t keep = self->len - cut;
	char *straddled = self->map + keep / self->entry * self->entry;

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, keep, 0, NULL));
	mremap_expect_unmapped(_metadata, self->map + keep, self->len - keep);
	if (straddled > self->map)
		EXPECT_LEVEL(variant->level, self->map);
	if (straddled < self->map + keep) {
		EXPECT_LEVEL(MMCONF_LEVEL_NONE, straddled);
		(void)*(volatile char *)straddled;
		EXPECT_LEVEL(variant->level - 1, straddled);
	}
	expect_data(_metadata, self, self->map, 0, keep);
	munmap(self->map, keep);
	self->map = MAP_FAILED;
}

TEST_F(mremap_pfnmap, expand_efault)
{
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->map, self->len,
				     self->len + self->entry, 0, NULL));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->map, self->len,
				     self->len + self->entry, MREMAP_MAYMOVE,
				     NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	EXPECT_LEVEL(variant->level, self->map);
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

TEST_F(mremap_pfnmap, dontunmap_einval)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	EXPECT_LEVEL(variant->level, self->map);
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

/*
 * The edge of the expand refusal: vma_to_resize() (6.1, 6.12) and
 * check_prep_vma() (7.2) return the mapping as it is when new_len ==
 * old_len, after both are PAGE_ALIGN()ed, and only then refuse VM_PFNMAP
 * | VM_DONTEXPAND with EFAULT.  Refused: one page more, and one byte more
 * (a page once rounded); accepted: one page minus one byte less, which
 * rounds to the same length.
 */
TEST_F(mremap_pfnmap, edge_expand_one_page)
{
	const size_t more[] = { MM_PAGE, 1 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->map, self->len,
					     self->len + more[i], 0, NULL));
		MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->map, self->len,
					     self->len + more[i],
					     MREMAP_MAYMOVE, NULL));
	}
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

TEST_F(mremap_pfnmap, edge_same_len_rounded)
{
	size_t new_len = self->len - MM_PAGE + 1;

	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, new_len, 0,
						NULL));
	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, new_len,
						MREMAP_MAYMOVE, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

/*
 * MREMAP_DONTUNMAP is refused for VM_PFNMAP whatever the range
 * (vma_to_resize(), 7.2 check_prep_vma()): its accepted counterpart is
 * the same call without the flag, move_keeps_level.  The resize check
 * before it (old_len != new_len, sys_mremap() / check_mremap_params())
 * refuses one page less too: EINVAL either way, nothing unmapped.
 */
TEST_F(mremap_pfnmap, edge_dontunmap_one_page_less)
{
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len,
				     self->len - MM_PAGE,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	EXPECT_ALL_ENTRIES();
	expect_data(_metadata, self, self->map, 0, self->len);
}

/* Refused, so the FIXED destination must still be there. */
TEST_F(mremap_pfnmap, dontunmap_fixed_keeps_destination)
{
	size_t dst_len = 4 * MM_PAGE;

	ASSERT_EQ(self->dst, mmap(self->dst, dst_len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				  -1, 0));
	mremap_util_fill(self->dst, dst_len, SALT_DST, 0);
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED |
				     MREMAP_DONTUNMAP, self->dst));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	expect_data(_metadata, self, self->map, 0, self->len);
	EXPECT_TRUE(mremap_util_is_one_vma(self->dst, dst_len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, dst_len, SALT_DST, 0);
}

/*
 * Move the mapping to @dst.  Afterwards its entries are of @level, once
 * the data has been read through it; with @kept, already before that: a
 * move between addresses aligned for the level moves the entries.
 */
static void expect_moved(struct __test_metadata *_metadata,
			 FIXTURE_DATA(mremap_pfnmap) *self, char *dst,
			 int level, bool kept)
{
	ASSERT_EQ(dst, mremap_util_mremap(self->map, self->len, self->len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	mremap_expect_unmapped(_metadata, self->map, self->len);
	self->map = MAP_FAILED;
	EXPECT_TRUE(mremap_util_is_one_vma(dst, self->len));
	if (kept) {
		EXPECT_LEVEL(level, dst);
		EXPECT_LEVEL(level, dst + self->len - MM_PAGE);
	}
	expect_data(_metadata, self, dst, 0, self->len);
	EXPECT_LEVEL(level, dst);
	EXPECT_LEVEL(level, dst + self->len - MM_PAGE);
}

TEST_F(mremap_pfnmap, move_keeps_level)
{
	expect_moved(_metadata, self, self->dst, variant->level, true);
}

/*
 * PUD: to a 2 MiB- but not 1 GiB-aligned address, PMD entries then; PMD:
 * to a page- but not 2 MiB-aligned one, PTEs; PTE: still PTEs.
 */
TEST_F(mremap_pfnmap, move_loses_level)
{
	size_t skew = variant->level == MMCONF_LEVEL_PUD ? SZ_2M : MM_PAGE;
	int level = variant->level == MMCONF_LEVEL_PTE ? MMCONF_LEVEL_PTE :
							 variant->level - 1;

	expect_moved(_metadata, self, self->dst + skew, level,
		     variant->level == MMCONF_LEVEL_PTE);
}

/*
 * The PAT memtype reservation of a /dev/mem mapping.  Each case uses its
 * own part of the BAR, so an entry another case leaked cannot pass for
 * (or spoil) its own.
 */
FIXTURE(mremap_pat) {
	struct pfnmap pm;
	char *map;
	size_t len;
	char *dst_window;
	size_t dst_window_len;
};

FIXTURE_SETUP(mremap_pat)
{
	self->map = self->dst_window = MAP_FAILED;
	self->len = 4 * MM_PAGE;
	self->dst_window_len = 2 * SZ_2M;
	self->dst_window = mremap_util_reserve(self->dst_window_len, SZ_2M);
	ASSERT_NE(MAP_FAILED, self->dst_window);
}

FIXTURE_TEARDOWN(mremap_pat)
{
	munmap(self->dst_window, self->dst_window_len);
	if (self->map == MAP_FAILED)
		self->pm.addr = MAP_FAILED;
	pfnmap_put(&self->pm);
}

/* Entries of pat_memtype_list overlapping physical [start, end), or -errno. */
static int pat_entries(uint64_t start, uint64_t end)
{
	return devmem_pat_lookup(start, end, NULL, 0, NULL, NULL);
}

/* Map the BAR at @off through /dev/mem; false after a SKIP. */
static bool map_devmem(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mremap_pat) *self, uint64_t off)
{
	const struct pfnmap_req req = {
		.provider = PFNMAP_DEVMEM, .level = MMCONF_LEVEL_PTE,
		.shared = true, .prot = PROT_READ | PROT_WRITE,
		.off = off, .len = self->len,
	};
	char why[512];
	int ret = pfnmap_get(&self->pm, &req, why, sizeof(why));

	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	EXPECT_EQ(0, ret) TH_LOG("%s", why);
	if (ret)
		return false;
	self->map = self->pm.addr;
	ret = pat_entries(self->pm.phys, self->pm.phys + self->len);
	if (ret == -ENOENT)
		SKIP(return false, "no /sys/kernel/debug/x86/pat_memtype_list (PAT off, or no debugfs)");
	EXPECT_EQ(1, ret);
	return !_metadata->exit_code;
}

#define EXPECT_PAT_ENTRIES(n) \
	EXPECT_EQ(n, pat_entries(self->pm.phys, self->pm.phys + self->len))

TEST_F(mremap_pat, move_keeps_memtype)
{
	char *dst = self->dst_window + SZ_2M;

	if (!map_devmem(_metadata, self, 16 * SZ_2M))
		return;
	mremap_util_fill(self->map, self->len, 0x9a7, 0);
	ASSERT_EQ(dst, mremap_util_mremap(self->map, self->len, self->len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	self->map = MAP_FAILED;
	EXPECT_PAT_ENTRIES(1);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst, self->len, 0x9a7, 0);
	ASSERT_EQ(0, munmap(dst, self->len));
	EXPECT_PAT_ENTRIES(0);
}

TEST_F(mremap_pat, shrink_keeps_memtype)
{
	size_t keep = self->len / 2;

	if (!map_devmem(_metadata, self, 32 * SZ_2M))
		return;
	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, keep, 0, NULL));
	EXPECT_PAT_ENTRIES(1);
	ASSERT_EQ(0, munmap(self->map, keep));
	self->map = MAP_FAILED;
	EXPECT_PAT_ENTRIES(0);
}

TEST_F(mremap_pat, refused_keeps_memtype)
{
	if (!map_devmem(_metadata, self, 48 * SZ_2M))
		return;
	MREMAP_EXPECT_FAILS(EINVAL, mremap_util_mremap(self->map, self->len, self->len,
				     MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->map, self->len, 2 * self->len,
				     MREMAP_MAYMOVE, NULL));
	EXPECT_PAT_ENTRIES(1);
	ASSERT_EQ(0, munmap(self->map, self->len));
	self->map = MAP_FAILED;
	EXPECT_PAT_ENTRIES(0);
}

MM_HARNESS_MAIN
