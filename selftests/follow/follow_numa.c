// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA calls on pfnmaps, for every provider and level
 * (lib/pfnmap/pfnmap_provider.h): a pfnmap's pfns belong to its driver and are
 * never migrated, whatever node they sit on.
 *
 * move_pages() without nodes reports no node for any page: -ENOENT
 * since 6.12 (do_pages_stat_array(): folio_walk_start() finds no normal
 * folio under a special entry), -EFAULT before (follow_page(FOLL_DUMP)
 * of a special pte), the same for every page; with nodes, -EFAULT for
 * every page (add_folio_for_migration(): !vma_migratable() for
 * VM_PFNMAP), and the call itself succeeds.  mbind(MPOL_MF_MOVE) sets the VMA's policy and
 * skips the walk (queue_pages_test_walk(): not migratable, not STRICT):
 * every entry stays present at its level, data in place.  With
 * MPOL_MF_STRICT the walk does enter the VMA; a PTE-level pfnmap has no
 * normal folios there (vm_normal_folio()), so nothing can violate the
 * policy: the call must succeed and leave the mapping and its data as
 * they were, at every level.  get_mempolicy(MPOL_F_ADDR) answers from the
 * VMA's policy without touching the mapping.
 */
#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "follow/follow_util.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)

FIXTURE(numa) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t offs[FOLLOW_MAX_OFFS];
	int n;
	int other;		/* a node to ask for */
};

FIXTURE_VARIANT(numa) {
	struct pfnmap_req req;
};

#define NU(_p, _l, _len)						\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = true, .prot = RW, .off = 0, .len = _len }

FIXTURE_VARIANT_ADD(numa, kmod_pte) { NU(PFNMAP_KMOD, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(numa, kmod_pmd) { NU(PFNMAP_KMOD, PMD, SZ_1G) };
FIXTURE_VARIANT_ADD(numa, kmod_pud) { NU(PFNMAP_KMOD, PUD, SZ_1G) };
FIXTURE_VARIANT_ADD(numa, vfio_pte) { NU(PFNMAP_VFIO, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(numa, vfio_pmd) { NU(PFNMAP_VFIO, PMD, SZ_1G) };
FIXTURE_VARIANT_ADD(numa, vfio_pud) { NU(PFNMAP_VFIO, PUD, 2 * SZ_1G) };
FIXTURE_VARIANT_ADD(numa, devmem_pte) { NU(PFNMAP_DEVMEM, PTE, SZ_1G) };

FIXTURE_SETUP(numa)
{
	self->got = false;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(numa)
{
	if (self->got)
		pfnmap_put(&self->pm);
}

/*
 * Map, fill and fault in the sample pages, check their entries.  The
 * node asked for is one the module's region is not on (node 1 when it
 * is unknown).  False after a SKIP.
 */
static bool nu_get(struct __test_metadata *_metadata,
		   FIXTURE_DATA(numa) *self, const FIXTURE_VARIANT(numa) *variant)
{
	struct pfnmap *pm = &self->pm;
	char why[512];

	if (!pfnmap_get_or_skip(_metadata, pm, &variant->req, &self->got))
		return false;
	self->n = follow_offsets(variant->req.len, self->offs);
	ASSERT_EQ(0, follow_fill(pm, self->seed, self->offs, self->n));
	follow_touch(pm, self->offs, self->n);
	ASSERT_EQ(0, follow_check_levels(pm, self->offs, self->n, why,
					 sizeof(why)))
		TH_LOG("%s", why);
	self->other = pm->km_open && pm->km.info.region_nid == 1 ? 0 : 1;
	return true;
}

/* Entries still present at their level, data still the pattern. */
static void nu_unchanged(struct __test_metadata *_metadata,
			 FIXTURE_DATA(numa) *self, const char *what)
{
	unsigned char want[FOLLOW_SPAN];
	char why[512];
	int i;

	EXPECT_EQ(0, follow_check_levels(&self->pm, self->offs, self->n, why,
					 sizeof(why)))
		TH_LOG("after %s, without a refault: %s", what, why);
	for (i = 0; i < self->n; i++) {
		follow_expect(&self->pm, self->seed, self->offs[i], want,
			      sizeof(want));
		EXPECT_EQ(0, memcmp(self->pm.addr + self->offs[i], want,
				    sizeof(want)))
			TH_LOG("after %s: map+%#llx lost its data", what,
			       (unsigned long long)self->offs[i]);
		EXPECT_EQ(0, follow_path_equals(&self->pm, self->offs[i], want,
						sizeof(want)))
			TH_LOG("after %s: %s at map+%#llx", what, self->pm.path,
			       (unsigned long long)self->offs[i]);
	}
}

/* move_pages(): -ENOENT per page as a query, -EFAULT per page as a move. */
TEST_F(numa, move_pages_status)
{
	void *pages[FOLLOW_MAX_OFFS];
	int nodes[FOLLOW_MAX_OFFS], status[FOLLOW_MAX_OFFS];
	long ret;
	int i;

	if (!nu_get(_metadata, self, variant))
		return;
	for (i = 0; i < self->n; i++) {
		pages[i] = self->pm.addr + self->offs[i];
		nodes[i] = self->other;
		status[i] = 12345;
	}
	ret = move_pages(0, self->n, pages, NULL, status, 0);
	ASSERT_EQ(0, ret) TH_LOG("move_pages query: %s", strerror(errno));
	EXPECT_TRUE(status[0] == -ENOENT || status[0] == -EFAULT)
		TH_LOG("query status of map+0: %d, not -ENOENT/-EFAULT",
		       status[0]);
	for (i = 1; i < self->n; i++) {
		EXPECT_EQ(status[0], status[i])
			TH_LOG("query status of map+%#llx differs from map+0's",
			       (unsigned long long)self->offs[i]);
	}
	for (i = 0; i < self->n; i++)
		status[i] = 12345;
	ret = move_pages(0, self->n, pages, nodes, status, MPOL_MF_MOVE);
	ASSERT_EQ(0, ret) TH_LOG("move_pages move: %s", strerror(errno));
	for (i = 0; i < self->n; i++) {
		EXPECT_EQ(-EFAULT, status[i])
			TH_LOG("move status of map+%#llx",
			       (unsigned long long)self->offs[i]);
	}
	nu_unchanged(_metadata, self, "move_pages");
}

/*
 * mbind(MPOL_BIND, MPOL_MF_MOVE) of the whole mapping (a part would split
 * the VMA): the VMA takes the policy, get_mempolicy(MPOL_F_ADDR) reports
 * it, the mapping is left alone.
 */
TEST_F(numa, mbind_move)
{
	unsigned long mask = 1UL << self->other, got_mask = 0;
	int mode = -1;

	if (!nu_get(_metadata, self, variant))
		return;
	ASSERT_EQ(0, get_mempolicy(&mode, &got_mask, 64, self->pm.addr,
				   MPOL_F_ADDR))
		TH_LOG("get_mempolicy(MPOL_F_ADDR): %s", strerror(errno));
	EXPECT_EQ(MPOL_DEFAULT, mode);
	ASSERT_EQ(0, mbind(self->pm.addr, variant->req.len, MPOL_BIND, &mask,
			   64, MPOL_MF_MOVE))
		TH_LOG("mbind(MPOL_MF_MOVE): %s", strerror(errno));
	nu_unchanged(_metadata, self, "mbind(MPOL_MF_MOVE)");
	ASSERT_EQ(0, get_mempolicy(&mode, &got_mask, 64,
				   self->pm.addr + self->offs[self->n - 1],
				   MPOL_F_ADDR));
	EXPECT_EQ(MPOL_BIND, mode);
	EXPECT_EQ(mask, got_mask);
	nu_unchanged(_metadata, self, "get_mempolicy");
}

/*
 * mbind(MPOL_MF_STRICT | MPOL_MF_MOVE): the walk enters the pfnmap VMA;
 * there are no normal folios to check or move, so the call succeeds and
 * the mapping stays as it was, at every level.
 */
TEST_F(numa, mbind_strict)
{
	unsigned long mask = 1UL << self->other;
	int ret;

	if (!nu_get(_metadata, self, variant))
		return;
	ret = mbind(self->pm.addr, variant->req.len, MPOL_BIND, &mask, 64,
		    MPOL_MF_STRICT | MPOL_MF_MOVE);
	EXPECT_EQ(0, ret) TH_LOG("mbind(MPOL_MF_STRICT | MPOL_MF_MOVE): %s",
				 strerror(errno));
	nu_unchanged(_metadata, self, "mbind(MPOL_MF_STRICT)");
}

MM_HARNESS_MAIN
