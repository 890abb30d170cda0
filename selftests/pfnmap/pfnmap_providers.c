// SPDX-License-Identifier: GPL-2.0
/*
 * Does every pfnmap provider map at the level it is asked for, with the
 * right bits and the right pfns?  (lib/pfnmap/pfnmap_provider.h)
 *
 * For each provider (the mmconf_pfnmap module, its mmap_prepare node, a
 * vfio-pci BAR, a BAR through /dev/mem) x level (PTE, PMD, PUD) x shared
 * or private where the provider allows it: map, touch every entry, and the
 * oracle must show each at the level the placement allows (a PMD/PUD
 * fallback on a kernel that claims CONFIG_ARCH_SUPPORTS_P?D_PFNMAP is a
 * FAIL), present, special, young, writable iff PROT_WRITE and MAP_SHARED,
 * mapping the expected pfn.  Mappings placed off the alignment on purpose
 * (PUD asked 2 MiB past a 1 GiB boundary, PMD asked 4 KiB past a 2 MiB
 * one) must fall back one level and still carry the right data.
 *
 * Data takes two paths: the mapping, and a second path to the same pfns
 * that is not this mapping (module ioctls through the direct map, vfio
 * pread/pwrite, a second /dev/mem mapping); patterns differ per 4 KiB page.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)

FIXTURE(prov) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
};

FIXTURE_VARIANT(prov) {
	struct pfnmap_req req;
};

#define PROV(_p, _l, _sh, _prot, _off, _len, _skew)			\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = _prot, .off = _off,		\
		 .len = _len, .skew = _skew }

FIXTURE_VARIANT_ADD(prov, kmod_pte) {
	PROV(PFNMAP_KMOD, PTE, true, RW, SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, kmod_pte_ro) {
	PROV(PFNMAP_KMOD, PTE, true, PROT_READ, SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, kmod_pte_private) {
	PROV(PFNMAP_KMOD, PTE, false, RW, SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, kmod_pmd) {
	PROV(PFNMAP_KMOD, PMD, true, RW, 2 * SZ_2M, 8 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, kmod_pud) {
	PROV(PFNMAP_KMOD, PUD, true, RW, 0, SZ_1G, 0) };
FIXTURE_VARIANT_ADD(prov, kmod_pud_ro) {
	PROV(PFNMAP_KMOD, PUD, true, PROT_READ, 0, SZ_1G, 0) };
/* PUD asked 2 MiB past a 1 GiB boundary: no 1 GiB block fits, 512 PMDs. */
FIXTURE_VARIANT_ADD(prov, kmod_pud_at_2m) {
	PROV(PFNMAP_KMOD, PUD, true, RW, 0, SZ_1G, SZ_2M) };
/* PMD asked 4 KiB past a 2 MiB boundary: PTEs. */
FIXTURE_VARIANT_ADD(prov, kmod_pmd_at_4k) {
	PROV(PFNMAP_KMOD, PMD, true, RW, 0, 2 * SZ_2M, SZ_4K) };
FIXTURE_VARIANT_ADD(prov, prepare_pte) {
	PROV(PFNMAP_PREPARE, PTE, true, RW, SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, prepare_pte_private) {
	PROV(PFNMAP_PREPARE, PTE, false, RW, 0, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, vfio_pte) {
	PROV(PFNMAP_VFIO, PTE, true, RW, 2 * SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, vfio_pmd) {
	PROV(PFNMAP_VFIO, PMD, true, RW, SZ_2M, 8 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, vfio_pud) {
	PROV(PFNMAP_VFIO, PUD, true, RW, 0, SZ_1G, 0) };
FIXTURE_VARIANT_ADD(prov, vfio_pud_ro) {
	PROV(PFNMAP_VFIO, PUD, true, PROT_READ, 0, SZ_1G, 0) };
/*
 * 2 GiB, 2 MiB past a 1 GiB boundary: the 1 GiB block inside the VMA maps
 * a pfn 2 MiB off alignment, so huge_fault must refuse PUD: 1024 PMDs.
 */
FIXTURE_VARIANT_ADD(prov, vfio_pud_at_2m) {
	PROV(PFNMAP_VFIO, PUD, true, RW, 0, 2 * SZ_1G, SZ_2M) };
FIXTURE_VARIANT_ADD(prov, vfio_pmd_at_4k) {
	PROV(PFNMAP_VFIO, PMD, true, RW, 0, 2 * SZ_2M, SZ_4K) };
/*
 * Each /dev/mem case maps BAR pages of its own (see pfnmap_split.c); the
 * first not 2 MiB-aligned in the BAR: page granular offsets work too.
 */
FIXTURE_VARIANT_ADD(prov, devmem_pte) {
	PROV(PFNMAP_DEVMEM, PTE, true, RW, 40 * SZ_2M + 3 * SZ_4K, 2 * SZ_2M,
	     0) };
FIXTURE_VARIANT_ADD(prov, devmem_pte_ro) {
	PROV(PFNMAP_DEVMEM, PTE, true, PROT_READ, 44 * SZ_2M, 2 * SZ_2M, 0) };
FIXTURE_VARIANT_ADD(prov, devmem_pte_private) {
	PROV(PFNMAP_DEVMEM, PTE, false, RW, 48 * SZ_2M, 2 * SZ_2M, 0) };

FIXTURE_SETUP(prov)
{
	self->got = false;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(prov)
{
	if (self->got)
		pfnmap_put(&self->pm);
}

static bool prov_writable(const FIXTURE_VARIANT(prov) *variant)
{
	return variant->req.shared && (variant->req.prot & PROT_WRITE);
}

/* Every entry: the level the placement allows, bits, pfn. */
static void prov_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(prov) *self,
		       const FIXTURE_VARIANT(prov) *variant, unsigned int need)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t start = (uintptr_t)pm->addr, end = start + pm->req.len;
	unsigned int want = MMCONF_PT_SPECIAL | MMCONF_PT_YOUNG | need |
			    (prov_writable(variant) ? MMCONF_PT_WRITE : 0);
	char why[512];

	ASSERT_EQ(0, pfnmap_check_entries(pm, 0, pm->req.len, start, end,
					  want, want | MMCONF_PT_WRITE, why,
					  sizeof(why)))
		TH_LOG("%s at %p (phys %#llx): %s",
		       pfnmap_provider_name(pm->req.provider), pm->addr,
		       (unsigned long long)pm->phys, why);
}

/*
 * The module's MAP_SHARED mappings are faulted in entry by entry, and its
 * counters show who decided what.  Whether a huge entry fits (inside the
 * VMA, pfn aligned) is the handler's call, as in vfio_pci_core's
 * huge_fault: __thp_vma_allowable_orders() skips the alignment check for
 * page faults ("Huge fault does the check in fault handlers").  What the
 * kernel decides is the order it asks for: the largest one first
 * (__handle_mm_fault(): create_huge_pud(), then create_huge_pmd()), and
 * after VM_FAULT_FALLBACK the next one down, down to handle_pte_fault().
 * So: every entry served at the level the placement allows, none at
 * another, and where that is below the asked level, the asked level was
 * tried first and declined.
 */
static void prov_check_kmod_faults(struct __test_metadata *_metadata,
				   struct pfnmap *pm)
{
	uintptr_t start = (uintptr_t)pm->addr, end = start + pm->req.len, a;
	uint64_t want[MMCONF_NR_LEVELS] = { 0 }, size;
	struct mmconf_counters c;
	unsigned int l, lowest = pm->req.level;

	for (a = start; a < end; a = (a & ~(uintptr_t)(size - 1)) + size) {
		l = pfnmap_fit_level(pm, start, end, (void *)a);
		if (l < MMCONF_LEVEL_PTE || l > MMCONF_LEVEL_PUD)
			break;
		size = pfnmap_level_size(l);
		want[l]++;
		if (l < lowest)
			lowest = l;
	}
	ASSERT_EQ(0, pfnmap_kmod_counters(&pm->km, &c));
	for (l = MMCONF_LEVEL_PTE; l < MMCONF_NR_LEVELS; l++) {
		uint64_t served = c.faults[l], allowed = want[l];

		EXPECT_EQ(allowed, served)
			TH_LOG("%s entries served: %llu, the placement allows "
			       "%llu", pfnmap_level_name(l),
			       (unsigned long long)served,
			       (unsigned long long)allowed);
	}
	if (lowest < pm->req.level)
		EXPECT_LE(1, c.fallbacks[pm->req.level])
			TH_LOG("the kernel never asked the handler for a %s "
			       "entry before it served %s ones",
			       pfnmap_level_name(pm->req.level),
			       pfnmap_level_name(lowest));
}

static bool prov_faulted_kmod(const struct pfnmap *pm)
{
	return pm->req.provider == PFNMAP_KMOD && pm->req.shared;
}

/* Touch every entry; each must be what the placement allows. */
TEST_F(prov, level)
{
	struct pfnmap *pm = &self->pm;
	uintptr_t start;
	uint64_t n;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	start = (uintptr_t)pm->addr;
	if (prov_faulted_kmod(pm))
		ASSERT_EQ(0, pfnmap_kmod_reset_counters(&pm->km));
	n = pfnmap_touch(pm, 0, pm->req.len, start, start + pm->req.len, false);
	if (prov_faulted_kmod(pm))
		prov_check_kmod_faults(_metadata, pm);
	TH_LOG("%s: %llu entries, first one %s, oracle %s",
	       pfnmap_provider_name(pm->req.provider), (unsigned long long)n,
	       pfnmap_level_name(pfnmap_fit_level(pm, start,
						  start + pm->req.len, pm->addr)),
	       pm->qfd >= 0 ? "module walk" : "ptdump");
	prov_check(_metadata, self, variant, 0);
}

/*
 * Second path -> mapping, then (writable) mapping -> second path.  A
 * shared mapping's writes reach the pfns and leave the entries whole and
 * dirty; a private one's make COW copies (PTE, writable, not special,
 * another pfn) and never reach the pfns.
 */
TEST_F(prov, pattern)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES], seed2, npages;
	struct pfnmap *pm = &self->pm;
	struct pfnmap_entry e;
	char got[192];
	int n;

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &variant->req, &self->got))
		return;
	npages = pm->req.len / SZ_4K;
	n = pfnmap_samples(pm, samples);
	seed2 = pfnmap_kmod_value(self->seed, UINT64_MAX, 1);
	TH_LOG("second path: %s", pm->path);
	ASSERT_EQ(0, pfnmap_fill_path(pm, self->seed, samples, n));
	EXPECT_EQ(-1, pfnmap_check_map(pm, self->seed, samples, n))
		TH_LOG("written through the second path, wrong in the mapping");
	/* Read in: each entry at its level, not yet dirty. */
	pfnmap_touch(pm, 0, pm->req.len, (uintptr_t)pm->addr,
		     (uintptr_t)pm->addr + pm->req.len, false);
	prov_check(_metadata, self, variant, 0);
	if (!(variant->req.prot & PROT_WRITE)) {
		EXPECT_TRUE(pfnmap_write_faults(pm->addr + pm->req.len - 1))
			TH_LOG("a PROT_READ mapping took a write");
		/* The refused write changed no entry. */
		prov_check(_metadata, self, variant, 0);
		return;
	}
	if (variant->req.shared) {
		pfnmap_fill_map(pm, seed2, NULL, npages);
		EXPECT_EQ(-1, pfnmap_check_map(pm, seed2, NULL, npages));
		EXPECT_EQ(-1, pfnmap_check_path(pm, seed2, samples, n))
			TH_LOG("written through the mapping, wrong through %s",
			       pm->path);
		prov_check(_metadata, self, variant, MMCONF_PT_DIRTY);
		return;
	}
	pfnmap_fill_map(pm, seed2, samples, n);
	EXPECT_EQ(-1, pfnmap_check_map(pm, seed2, samples, n));
	EXPECT_EQ(-1, pfnmap_check_path(pm, self->seed, samples, n))
		TH_LOG("a private mapping's write reached the pfns");
	ASSERT_EQ(0, pfnmap_query(pm, (const void *[]){ pm->addr }, 1, &e));
	pfnmap_describe(&e, got, sizeof(got));
	EXPECT_TRUE(e.level == MMCONF_LEVEL_PTE &&
		    (e.flags & MMCONF_PT_WRITE) &&
		    !(e.flags & e.known & MMCONF_PT_SPECIAL) &&
		    (!e.pfn_known || e.pfn != pfnmap_pfn(pm, pm->addr)))
		TH_LOG("written private page is %s; want a writable, not "
		       "special PTE of a copy", got);
}

/*
 * vfio_pci_core_mmap() refuses anything but MAP_SHARED (VM_SHARED) with
 * EINVAL.  The refusal is asserted on mmap() of the device fd itself, at
 * an offset and length the same fd maps MAP_SHARED, so an EINVAL from
 * anywhere else (setup, a bad offset) cannot pass for it.
 */
TEST(vfio_private_refused)
{
	struct vfio_bar bar;
	char why[512];
	void *p;
	int ret;

	ret = vfio_bar_open(&bar, SZ_2M, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);

	p = mmap(NULL, SZ_2M, RW, MAP_SHARED, bar.device_fd, bar.region_offset);
	EXPECT_NE(MAP_FAILED, p) TH_LOG("control: MAP_SHARED of the BAR: %s",
					 strerror(errno));
	if (p != MAP_FAILED)
		munmap(p, SZ_2M);

	errno = 0;
	p = mmap(NULL, SZ_2M, RW, MAP_PRIVATE, bar.device_fd,
		 bar.region_offset);
	EXPECT_EQ(MAP_FAILED, p) TH_LOG("MAP_PRIVATE of a vfio BAR was mapped");
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED)
		munmap(p, SZ_2M);
	vfio_bar_close(&bar);
}

FIXTURE(devmem_pat) {
	struct pfnmap pm;
	bool got;
};

FIXTURE_VARIANT(devmem_pat) {
	bool shared;
	uint64_t off;
};

FIXTURE_VARIANT_ADD(devmem_pat, shared) {
	.shared = true, .off = 52 * SZ_2M };
FIXTURE_VARIANT_ADD(devmem_pat, private) {
	.shared = false, .off = 56 * SZ_2M };

FIXTURE_SETUP(devmem_pat)
{
	self->got = false;
}

FIXTURE_TEARDOWN(devmem_pat)
{
	if (self->got)
		pfnmap_put(&self->pm);
}

/*
 * remap_pfn_range() of a range that is not RAM reserves its memtype with
 * x86 PAT (track_pfn_remap / pfnmap_track) until the last VMA piece goes:
 * listed while mapped, gone after munmap.
 */
TEST_F(devmem_pat, memtype_tracked)
{
	struct pfnmap_req req = {
		.provider = PFNMAP_DEVMEM, .level = MMCONF_LEVEL_PTE,
		.shared = variant->shared, .prot = RW, .off = variant->off,
		.len = 2 * SZ_2M,
	};
	uint64_t s = 0, e = 0, phys;
	char type[64] = "";
	int ret;

	ret = devmem_pat_lookup(0, 1, NULL, 0, NULL, NULL);
	if (ret < 0)
		SKIP(return, "cannot read %s: %s (CONFIG_X86_PAT, debugfs)",
		     DEVMEM_PAT_LIST, strerror(-ret));
	if (!pfnmap_get_or_skip(_metadata, &self->pm, &req, &self->got))
		return;
	phys = self->pm.phys;
	(void)*(volatile char *)self->pm.addr;

	ASSERT_EQ(1, devmem_pat_lookup(phys, phys + req.len, type,
				       sizeof(type), &s, &e))
		TH_LOG("[%#llx, %#llx) mapped through /dev/mem, not in %s",
		       (unsigned long long)phys,
		       (unsigned long long)(phys + req.len), DEVMEM_PAT_LIST);
	TH_LOG("%s: [%#llx, %#llx) %s", self->pm.dm.bdf,
	       (unsigned long long)s, (unsigned long long)e, type);
	EXPECT_TRUE(s <= phys && e >= phys + req.len)
		TH_LOG("the entry covers only part of the mapping");
	pfnmap_put(&self->pm);
	self->got = false;
	EXPECT_EQ(0, devmem_pat_lookup(phys, phys + req.len, type,
				       sizeof(type), &s, &e))
		TH_LOG("after munmap, %s still lists [%#llx, %#llx) %s",
		       DEVMEM_PAT_LIST, (unsigned long long)s,
		       (unsigned long long)e, type);
}

MM_HARNESS_MAIN
