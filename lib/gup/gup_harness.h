/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue of the pfnmap-gup tests: the one table of what they try
 * to pin, and gup_target_get() with its SKIP/FAIL decision.
 *
 * GUP_TARGET_VARIANTS(fixture) adds one variant per pfnmap provider x
 * level x sharing (each must be refused) and one per control kind
 * (anonymous 4 KiB, THP, hugetlb: each must be pinned), so every case
 * of a fixture runs on both sides and gets a test id per combination.
 * The fixture's variant is FIXTURE_VARIANT(f) { struct gup_target_req req; }.
 */
#ifndef MM_GUP_HARNESS_H
#define MM_GUP_HARNESS_H

#include <stdbool.h>
#include <sys/mman.h>

#include <string.h>

#include "uffd/gup_pin.h"
#include "gup/gup_target.h"
#include "mm_harness.h"
#include "mm_util.h"


#define GUP_PFN(_p, _l, _sh, _len)					\
	.req = { .kind = GUP_TARGET_PFNMAP,				\
		 .pfn = { .provider = _p, .level = MMCONF_LEVEL_##_l,	\
			  .shared = _sh, .prot = PROT_READ | PROT_WRITE,	\
			  .len = _len } }
#define GUP_CONTROL(_k)							\
	.req = { .kind = GUP_TARGET_##_k, .len = 2 * SZ_2M }

/*
 * Lengths: two entries of the level where the provider has room, so a
 * range can start inside the second one; the vfio PUD case maps the
 * 2 GiB BAR to reach past 1 GiB (the module's region is 1 GiB).
 */
#define GUP_PFNMAP_VARIANTS(f)						\
	FIXTURE_VARIANT_ADD(f, kmod_pte) {				\
		GUP_PFN(PFNMAP_KMOD, PTE, true, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pte_private) {			\
		GUP_PFN(PFNMAP_KMOD, PTE, false, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pmd) {				\
		GUP_PFN(PFNMAP_KMOD, PMD, true, 4 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pud) {				\
		GUP_PFN(PFNMAP_KMOD, PUD, true, SZ_1G) };		\
	FIXTURE_VARIANT_ADD(f, prepare_pte) {				\
		GUP_PFN(PFNMAP_PREPARE, PTE, true, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, prepare_pte_private) {			\
		GUP_PFN(PFNMAP_PREPARE, PTE, false, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, vfio_pte) {				\
		GUP_PFN(PFNMAP_VFIO, PTE, true, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, vfio_pmd) {				\
		GUP_PFN(PFNMAP_VFIO, PMD, true, 4 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, vfio_pud) {				\
		GUP_PFN(PFNMAP_VFIO, PUD, true, 2 * SZ_1G) };	\
	FIXTURE_VARIANT_ADD(f, devmem_pte) {				\
		GUP_PFN(PFNMAP_DEVMEM, PTE, true, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, devmem_pte_private) {			\
		GUP_PFN(PFNMAP_DEVMEM, PTE, false, 2 * SZ_2M) }

#define GUP_CONTROL_VARIANTS(f)						\
	FIXTURE_VARIANT_ADD(f, control_anon) { GUP_CONTROL(ANON) };	\
	FIXTURE_VARIANT_ADD(f, control_thp) { GUP_CONTROL(THP) };	\
	FIXTURE_VARIANT_ADD(f, control_hugetlb) { GUP_CONTROL(HUGETLB) }

#define GUP_TARGET_VARIANTS(f)						\
	GUP_PFNMAP_VARIANTS(f);						\
	GUP_CONTROL_VARIANTS(f)

/*
 * Map REQ into T.  *GOT is set first, so the teardown calls
 * gup_target_put() whatever happened.  False after a SKIP.
 */
static inline bool gup_target_get_or_skip(struct __test_metadata *_metadata,
					  struct gup_target *t,
					  const struct gup_target_req *req,
					  bool *got)
{
	char why[512];
	int ret;

	*got = true;
	ret = gup_target_get(t, req, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	return true;
}

/* gup_pin_open(); false after a SKIP (no CONFIG_GUP_TEST, no root). */
static inline bool gup_pin_open_or_skip(struct __test_metadata *_metadata,
					struct gup_pin *g)
{
	char why[512];
	int ret;

	ret = gup_pin_open(g, why, sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	return true;
}

/*
 * The module's region pages behind a target, watched: their page_count()
 * when watching began.  A pfnmap page must never gain a reference.
 */
struct gup_watch {
	uint64_t off[GUP_TARGET_MAX_WATCH];
	unsigned int base[GUP_TARGET_MAX_WATCH];
	int n;
};

/* Start watching T's region pages (none for targets without a region). */
static inline void gup_watch_begin(struct __test_metadata *_metadata,
				   struct gup_target *t, struct gup_watch *w)
{
	int ret;

	w->n = gup_target_watch(t, w->off);
	ret = gup_target_refs(t, w->off, w->n, w->base);
	ASSERT_TRUE(!ret || ret == -EOPNOTSUPP)
		TH_LOG("MMCONF_IOC_PAGE_INFO: %s", strerror(-ret));
}

/* The watched pages' counts are (back) at their baseline WHEN. */
static inline void gup_watch_expect_steady(struct __test_metadata *_metadata,
					   struct gup_target *t,
					   const struct gup_watch *w,
					   const char *when)
{
	unsigned int now = 0;
	int i;

	i = gup_target_refs_changed(t, w->off, w->n, w->base, &now);
	ASSERT_LE(-1, i) TH_LOG("MMCONF_IOC_PAGE_INFO: %s", strerror(-i));
	EXPECT_EQ(-1, i)
		TH_LOG("%s: region page at mapping offset %#llx has page_count "
		       "%u, was %u: a reference was taken on a pfnmap page",
		       when, (unsigned long long)w->off[i], now, w->base[i]);
}

#endif /* MM_GUP_HARNESS_H */
