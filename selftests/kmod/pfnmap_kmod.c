// SPDX-License-Identifier: GPL-2.0
/*
 * Does the kernel map the test module's RAM-backed pfnmaps as asked?
 *
 * mmconf_pfnmap (fixtures/kmod) maps a contiguous RAM region as
 * VM_PFNMAP: MAP_SHARED through its huge_fault handler, which inserts
 * PTE, PMD or PUD entries up to the level the file asks for; MAP_PRIVATE
 * through remap_pfn_range() (a COW pfnmap); and, on kernels with
 * f_op->mmap_prepare, through a second node whose mmap_prepare hands the
 * remap to the core.  After touching every entry, the module's own walk
 * of our page tables must show the wanted level (PMD/PUD: when the kernel
 * claims CONFIG_ARCH_SUPPORTS_{PMD,PUD}_PFNMAP; a fallback is a FAIL),
 * the special bit, write permission iff PROT_WRITE and MAP_SHARED, and
 * the right pfn for every entry.
 *
 * Data takes two independent paths: the user mapping, and the module's
 * read/write ioctls through the kernel direct map; /proc/self/mem reaches
 * the mapping through the module's .access handler (follow_pfnmap_start).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm_harness.h"
#include "mm_util.h"
#include "kconfig.h"
#include "pfnmap/pfnmap_kmod_ioctl.h"

#define NR_SAMPLES	PFNMAP_KMOD_MAX_SAMPLES

FIXTURE(kmod_map) {
	struct pfnmap_kmod km;
	bool opened;
	char *map;
	uint64_t seed;
};

FIXTURE_VARIANT(kmod_map) {
	const char *dev;
	unsigned int want;	/* max level the file asks for */
	unsigned int level;	/* level every entry must have */
	bool shared;		/* MAP_SHARED, else MAP_PRIVATE */
	bool write;		/* PROT_WRITE */
	uint64_t off;		/* region offset */
	uint64_t len;
	size_t align;		/* the mapping starts at align * k + skew */
	size_t skew;
};

FIXTURE_VARIANT_ADD(kmod_map, shared_pte_rw) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = true, .write = true,
	.off = 0, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, shared_pte_ro) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = true, .write = false,
	.off = 0, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

/* 8 entries, from a region offset that is not 0 (pgoff is honoured). */
FIXTURE_VARIANT_ADD(kmod_map, shared_pmd_rw) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PMD,
	.level = MMCONF_LEVEL_PMD, .shared = true, .write = true,
	.off = SZ_2M, .len = 8 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, shared_pmd_ro) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PMD,
	.level = MMCONF_LEVEL_PMD, .shared = true, .write = false,
	.off = SZ_2M, .len = 8 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, shared_pud_rw) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PUD,
	.level = MMCONF_LEVEL_PUD, .shared = true, .write = true,
	.off = 0, .len = SZ_1G, .align = SZ_1G, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, shared_pud_ro) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PUD,
	.level = MMCONF_LEVEL_PUD, .shared = true, .write = false,
	.off = 0, .len = SZ_1G, .align = SZ_1G, .skew = 0,
};

/* PUD asked, address 2 MiB past a 1 GiB boundary: 512 PMDs. */
FIXTURE_VARIANT_ADD(kmod_map, shared_pud_misaligned) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PUD,
	.level = MMCONF_LEVEL_PMD, .shared = true, .write = true,
	.off = 0, .len = SZ_1G, .align = SZ_1G, .skew = SZ_2M,
};

/*
 * PMD asked, address 4 KiB past a 2 MiB boundary: the 2 MiB-aligned
 * addresses inside map pfns that are not 2 MiB-aligned, so PTEs only.
 */
FIXTURE_VARIANT_ADD(kmod_map, shared_pmd_misaligned) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PMD,
	.level = MMCONF_LEVEL_PTE, .shared = true, .write = true,
	.off = 0, .len = 2 * SZ_2M, .align = SZ_2M, .skew = SZ_4K,
};

/* COW pfnmaps (remap_pfn_range): PTEs, read-only until a write. */
FIXTURE_VARIANT_ADD(kmod_map, private_rw) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = false, .write = true,
	.off = SZ_2M, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, private_ro) {
	.dev = MMCONF_PFNMAP_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = false, .write = false,
	.off = 0, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

/* f_op->mmap_prepare + mmap_action_remap(): PTEs, all present at mmap. */
FIXTURE_VARIANT_ADD(kmod_map, prepare_shared_rw) {
	.dev = MMCONF_PFNMAP_PREPARE_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = true, .write = true,
	.off = SZ_2M, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_VARIANT_ADD(kmod_map, prepare_private_rw) {
	.dev = MMCONF_PFNMAP_PREPARE_DEV, .want = MMCONF_LEVEL_PTE,
	.level = MMCONF_LEVEL_PTE, .shared = false, .write = true,
	.off = 0, .len = 2 * SZ_2M, .align = SZ_2M, .skew = 0,
};

FIXTURE_SETUP(kmod_map)
{
	self->opened = false;
	self->map = MAP_FAILED;
	/* The region outlives the test: a fresh seed keeps old data from passing. */
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(kmod_map)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, variant->len);
	if (self->opened)
		pfnmap_kmod_close(&self->km);
}

static const char *kt_claim(unsigned int level)
{
	if (level == MMCONF_LEVEL_PUD)
		return "CONFIG_ARCH_SUPPORTS_PUD_PFNMAP";
	if (level == MMCONF_LEVEL_PMD)
		return "CONFIG_ARCH_SUPPORTS_PMD_PFNMAP";
	return NULL;
}

/* False after a SKIP: level not claimed, module or region missing. */
static bool kt_claimed(struct __test_metadata *_metadata, unsigned int level)
{
	const char *sym = kt_claim(level);
	int ret;

	if (!sym)
		return true;
	ret = kconfig_value(sym, NULL, 0);
	if (ret < 0)
		SKIP(return false, "cannot read /proc/config.gz (%s): unknown "
		     "whether the kernel claims %s", strerror(-ret), sym);
	if (ret == 0)
		SKIP(return false, "%s not set: the kernel does not claim "
		     "%s-level pfnmaps", sym, pfnmap_kmod_level_name(level));
	return true;
}

static bool kt_open(struct __test_metadata *_metadata,
		    FIXTURE_DATA(kmod_map) *self,
		    const FIXTURE_VARIANT(kmod_map) *variant)
{
	int prot = PROT_READ | (variant->write ? PROT_WRITE : 0);
	int flags = variant->shared ? MAP_SHARED : MAP_PRIVATE;
	char why[512];
	int ret;

	if (!kt_claimed(_metadata, variant->level) ||
	    !kt_claimed(_metadata, variant->want))
		return false;
	ret = pfnmap_kmod_open(&self->km, variant->dev, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	self->opened = true;
	if (!pfnmap_kmod_region_fits(&self->km, variant->off, variant->len,
				     pfnmap_kmod_level_size(variant->level),
				     why, sizeof(why)))
		SKIP(return false, "%s", why);
	ret = pfnmap_kmod_set_max_level(&self->km, variant->want);
	ASSERT_EQ(0, ret) TH_LOG("kernel claims %s entries, module refuses "
				 "them: %s (built for another kernel?)",
				 pfnmap_kmod_level_name(variant->want),
				 strerror(-ret));
	self->map = pfnmap_kmod_map(&self->km, variant->off, variant->len,
				    prot, flags, variant->align, variant->skew);
	ASSERT_NE(MAP_FAILED, self->map)
		TH_LOG("mmap of %s: %s", variant->dev, strerror(errno));
	return true;
}

/* One read per entry the variant expects, so each fault maps one entry. */
static void kt_touch(FIXTURE_DATA(kmod_map) *self,
		     const FIXTURE_VARIANT(kmod_map) *variant)
{
	uint64_t step = pfnmap_kmod_level_size(variant->level), off;

	/* The first entry may start below the mapping (skewed variants). */
	for (off = 0; off < variant->len; off += step)
		(void)*(volatile char *)(self->map + off);
	(void)*(volatile char *)(self->map + variant->len - 1);
}

/*
 * The entry for mapping offset OFF: the variant's level, present,
 * special, young (just touched), writable iff shared and PROT_WRITE,
 * dirty when NEED says so, and mapping region offset variant->off + OFF.
 */
static bool kt_entry_ok(FIXTURE_DATA(kmod_map) *self,
			const FIXTURE_VARIANT(kmod_map) *variant,
			uint64_t off, unsigned int need, char *why, size_t len)
{
	unsigned int want = MMCONF_PT_PRESENT | MMCONF_PT_SPECIAL |
			    MMCONF_PT_YOUNG | need |
			    (variant->shared && variant->write ?
			     MMCONF_PT_WRITE : 0);
	unsigned int mask = want | MMCONF_PT_WRITE;
	struct mmconf_pt_query q;
	char got[160];
	int ret;

	ret = pfnmap_kmod_query(&self->km, self->map + off, &q);
	if (ret) {
		snprintf(why, len, "query of map+%#llx: %s",
			 (unsigned long long)off, strerror(-ret));
		return false;
	}
	if (q.level == variant->level && (q.flags & mask) == want &&
	    q.region_offset == (int64_t)(variant->off + off))
		return true;
	pfnmap_kmod_describe(&q, got, sizeof(got));
	snprintf(why, len, "map+%#llx is %s; want %s present%s%s special "
		 "young region+%#llx", (unsigned long long)off, got,
		 pfnmap_kmod_level_name(variant->level),
		 want & MMCONF_PT_WRITE ? " write" : " read-only",
		 need & MMCONF_PT_DIRTY ? " dirty" : "",
		 (unsigned long long)(variant->off + off));
	return false;
}

/* Every entry's first and last page, and the sample pages. */
static void kt_check_entries(struct __test_metadata *_metadata,
			     FIXTURE_DATA(kmod_map) *self,
			     const FIXTURE_VARIANT(kmod_map) *variant,
			     unsigned int need)
{
	uint64_t step = pfnmap_kmod_level_size(variant->level);
	uint64_t npages = variant->len / SZ_4K, samples[NR_SAMPLES], off;
	char why[512];
	int i, n;

	for (off = 0; off < variant->len; off += step) {
		ASSERT_TRUE(kt_entry_ok(self, variant, off, need,
					why, sizeof(why))) TH_LOG("%s", why);
		ASSERT_TRUE(kt_entry_ok(self, variant, off + step - SZ_4K,
					need, why, sizeof(why)))
			TH_LOG("%s", why);
	}
	n = pfnmap_kmod_samples(npages, samples);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(kt_entry_ok(self, variant, samples[i] * SZ_4K,
					need, why, sizeof(why)))
			TH_LOG("%s", why);
}

static bool kt_remapped(const FIXTURE_VARIANT(kmod_map) *variant)
{
	return !variant->shared ||
	       !strcmp(variant->dev, MMCONF_PFNMAP_PREPARE_DEV);
}

/*
 * Faulted mappings: one fault per entry, all at the variant's level.
 * Remapped ones were complete at mmap time: no fault at all.
 */
static void kt_check_counters(struct __test_metadata *_metadata,
			      FIXTURE_DATA(kmod_map) *self,
			      const FIXTURE_VARIANT(kmod_map) *variant)
{
	uint64_t entries = variant->len / pfnmap_kmod_level_size(variant->level);
	struct mmconf_counters c;
	unsigned int l;

	ASSERT_EQ(0, pfnmap_kmod_counters(&self->km, &c));
	for (l = MMCONF_LEVEL_PTE; l < MMCONF_NR_LEVELS; l++) {
		uint64_t want = !kt_remapped(variant) && l == variant->level ?
				entries : 0;

		EXPECT_EQ(want, c.faults[l])
			TH_LOG("%s faults served: %llu, want %llu",
			       pfnmap_kmod_level_name(l),
			       (unsigned long long)c.faults[l],
			       (unsigned long long)want);
	}
	EXPECT_EQ(0, c.sigbus);
	/* The kernel asked for the bigger entry first; the handler said no. */
	if (variant->want > variant->level && !kt_remapped(variant))
		EXPECT_LE(1, c.fallbacks[variant->level + 1]);
}

/* Touch every entry; it must be mapped at the level the variant wants. */
TEST_F(kmod_map, level)
{
	if (!kt_open(_metadata, self, variant))
		return;
	kt_touch(self, variant);
	kt_check_entries(_metadata, self, variant, 0);
	kt_check_counters(_metadata, self, variant);
}

/*
 * Region -> mapping: the ioctl writes through the direct map, the mapping
 * must read it.  Mapping -> region: a shared writable mapping's writes
 * must reach the region (and leave the entries whole, writable, dirty);
 * a private one's must not (COW copies: PTEs, writable, not special).
 */
TEST_F(kmod_map, pattern)
{
	uint64_t npages = variant->len / SZ_4K, samples[NR_SAMPLES];
	uint64_t first = variant->off / SZ_4K;
	uint64_t seed2 = pfnmap_kmod_value(self->seed, UINT64_MAX, 1);
	int n = pfnmap_kmod_samples(npages, samples);
	struct mmconf_pt_query q;
	char got[160];

	if (!kt_open(_metadata, self, variant))
		return;
	ASSERT_EQ(0, pfnmap_kmod_fill_region(&self->km, self->seed, first,
					     samples, n));
	EXPECT_EQ(-1, pfnmap_kmod_check_map(self->map, self->seed, first,
					    samples, n))
		TH_LOG("written through the direct map, wrong through the mapping");
	if (!variant->write)
		return;

	if (variant->shared) {
		pfnmap_kmod_fill_map(self->map, seed2, first, NULL, npages);
		EXPECT_EQ(-1, pfnmap_kmod_check_map(self->map, seed2, first,
						    NULL, npages));
		EXPECT_EQ(-1, pfnmap_kmod_check_region(&self->km, seed2, first,
						       samples, n))
			TH_LOG("written through the mapping, wrong in the region");
		kt_check_entries(_metadata, self, variant, MMCONF_PT_DIRTY);
		return;
	}
	pfnmap_kmod_fill_map(self->map, seed2, first, samples, n);
	EXPECT_EQ(-1, pfnmap_kmod_check_map(self->map, seed2, first, samples, n));
	EXPECT_EQ(-1, pfnmap_kmod_check_region(&self->km, self->seed, first,
					       samples, n))
		TH_LOG("a private mapping's write reached the region");
	ASSERT_EQ(0, pfnmap_kmod_query(&self->km, self->map, &q));
	pfnmap_kmod_describe(&q, got, sizeof(got));
	EXPECT_TRUE(q.level == MMCONF_LEVEL_PTE && q.region_offset < 0 &&
		    (q.flags & (MMCONF_PT_PRESENT | MMCONF_PT_WRITE |
				MMCONF_PT_SPECIAL)) ==
		    (MMCONF_PT_PRESENT | MMCONF_PT_WRITE))
		TH_LOG("written private page is %s; want a writable, not "
		       "special PTE outside the region", got);
}

/* Every pattern word of the sample pages, read through /proc/self/mem. */
static void kt_pread_samples(struct __test_metadata *_metadata,
			     FIXTURE_DATA(kmod_map) *self,
			     const FIXTURE_VARIANT(kmod_map) *variant, int fd,
			     const uint64_t *samples, int n)
{
	uint64_t want, got, woff, first = variant->off / SZ_4K;
	int i, w;

	for (i = 0; i < n; i++) {
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++) {
			woff = samples[i] * SZ_4K + pfnmap_kmod_words[w] * 8;
			want = pfnmap_kmod_value(self->seed, first + samples[i],
						 pfnmap_kmod_words[w]);
			got = ~want;
			EXPECT_EQ(8, pread(fd, &got, 8, (uintptr_t)self->map + woff))
				TH_LOG("pread of map+%#llx: %s",
				       (unsigned long long)woff, strerror(errno));
			EXPECT_EQ(want, got)
				TH_LOG("map+%#llx through /proc/self/mem",
				       (unsigned long long)woff);
		}
	}
}

/*
 * /proc/self/mem cannot pin pfnmap pages; it reads through the module's
 * .access handler, which finds the pfn with follow_pfnmap_start().
 * Writes go through only where the entry is writable.
 */
TEST_F(kmod_map, proc_mem)
{
	uint64_t npages = variant->len / SZ_4K, samples[NR_SAMPLES];
	uint64_t want, got, rpage, woff;
	int n = pfnmap_kmod_samples(npages, samples), fd;
	struct mmconf_counters c;

	if (!kt_open(_metadata, self, variant))
		return;
	if (!(self->km.info.features & MMCONF_FEAT_ACCESS))
		SKIP(return, "the module has no .access handler on this kernel "
		     "(neither follow_pfnmap_start() nor follow_pte(mm))");
	ASSERT_EQ(0, pfnmap_kmod_fill_region(&self->km, self->seed,
					     variant->off / SZ_4K, samples, n));
	/* .access finds present entries only: GUP cannot fault pfnmaps in. */
	kt_touch(self, variant);
	/* What .access walks: each entry at the variant's level. */
	kt_check_entries(_metadata, self, variant, 0);
	ASSERT_EQ(0, pfnmap_kmod_reset_counters(&self->km));
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	kt_pread_samples(_metadata, self, variant, fd, samples, n);
	ASSERT_EQ(0, pfnmap_kmod_counters(&self->km, &c));
	EXPECT_EQ(n * PFNMAP_KMOD_NR_WORDS, c.access);

	/* Now write the first word of the last sample page. */
	woff = samples[n - 1] * SZ_4K;
	rpage = variant->off / SZ_4K + samples[n - 1];
	want = pfnmap_kmod_value(self->seed, UINT64_MAX, 2);
	if (variant->shared && variant->write) {
		EXPECT_EQ(8, pwrite(fd, &want, 8, (uintptr_t)self->map + woff))
			TH_LOG("pwrite of a writable entry: %s", strerror(errno));
		ASSERT_EQ(0, pfnmap_kmod_read(&self->km, rpage * SZ_4K, &got, 8));
		EXPECT_EQ(want, got);
	} else {
		EXPECT_EQ(-1, pwrite(fd, &want, 8, (uintptr_t)self->map + woff))
			TH_LOG("pwrite through a read-only entry succeeded");
		ASSERT_EQ(0, pfnmap_kmod_read(&self->km, rpage * SZ_4K, &got, 8));
		EXPECT_EQ(pfnmap_kmod_value(self->seed, rpage, 0), got);
	}
	if (!variant->shared && variant->write) {
		/* A COW copy in a pfnmap VMA: still only .access reaches it. */
		*(volatile uint64_t *)(self->map + woff) = want;
		got = ~want;
		EXPECT_EQ(8, pread(fd, &got, 8, (uintptr_t)self->map + woff));
		EXPECT_EQ(want, got) TH_LOG("COW copy through /proc/self/mem");
	}
	close(fd);
}

/* Pfnmap entries hold no page references, mapped or written. */
TEST_F(kmod_map, no_refs)
{
	uint64_t npages = variant->len / SZ_4K, samples[NR_SAMPLES];
	int n = pfnmap_kmod_samples(npages, samples), i;
	unsigned int ref;

	if (!kt_open(_metadata, self, variant))
		return;
	kt_touch(self, variant);
	kt_check_entries(_metadata, self, variant, 0);
	if (variant->write && variant->shared) {
		pfnmap_kmod_fill_map(self->map, self->seed,
				     variant->off / SZ_4K, samples, n);
		kt_check_entries(_metadata, self, variant, 0);
	}
	for (i = 0; i < n; i++) {
		uint64_t off = variant->off + samples[i] * SZ_4K;

		ASSERT_EQ(0, pfnmap_kmod_refcount(&self->km, off, &ref));
		EXPECT_EQ(1, ref) TH_LOG("region+%#llx has page_count %u",
					 (unsigned long long)off, ref);
	}
}

/* The oracle itself, on memory whose state is known: anon and nothing. */
TEST(kmod_oracle_anon)
{
	struct pfnmap_kmod km;
	struct mmconf_pt_query q;
	char why[512], got[160];
	char *p;
	int ret;

	ret = pfnmap_kmod_open(&km, MMCONF_PFNMAP_DEV, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	p = mmap(NULL, 2 * SZ_4K, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + SZ_4K, SZ_4K));
	*(volatile char *)p = 1;

	ASSERT_EQ(0, pfnmap_kmod_query(&km, p, &q));
	pfnmap_kmod_describe(&q, got, sizeof(got));
	EXPECT_TRUE(q.level == MMCONF_LEVEL_PTE && q.pfn &&
		    q.region_offset < 0 &&
		    (q.flags & (MMCONF_PT_PRESENT | MMCONF_PT_WRITE |
				MMCONF_PT_DIRTY | MMCONF_PT_SPECIAL)) ==
		    (MMCONF_PT_PRESENT | MMCONF_PT_WRITE | MMCONF_PT_DIRTY))
		TH_LOG("written anon page is %s", got);
	ASSERT_EQ(0, pfnmap_kmod_query(&km, p + SZ_4K, &q));
	EXPECT_EQ(MMCONF_LEVEL_NONE, q.level);
	EXPECT_EQ(0, q.flags);
	munmap(p, SZ_4K);
	pfnmap_kmod_close(&km);
}

MM_HARNESS_MAIN
