/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue of the pfnmap fork tests (selftests/fork/): the table of
 * pfnmap variants every program runs, and the parent's verdict on a
 * child (lib/fork/fork.h).
 */
#ifndef MM_FORK_HARNESS_H
#define MM_FORK_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "fork/fork.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"


/* A read-write struct pfnmap_req; FORK_REQ() as a variant's .req. */
#define FORK_PFNMAP_REQ(_p, _l, _sh, _off, _len)			\
	{ .provider = _p, .level = MMCONF_LEVEL_##_l, .shared = _sh,	\
	  .prot = PROT_READ | PROT_WRITE, .off = _off, .len = _len }
#define FORK_REQ(_p, _l, _sh, _off, _len)				\
	.req = FORK_PFNMAP_REQ(_p, _l, _sh, _off, _len)

/*
 * Every provider x level it offers, for a fixture whose variant holds a
 * struct pfnmap_req req: module shared PTE/PMD/PUD and private (a COW
 * pfnmap, PTEs), its mmap_prepare node (7.x), vfio PTE/PMD/PUD (shared
 * only: vfio refuses MAP_PRIVATE), /dev/mem shared and private (PTEs,
 * PAT-tracked).  vfio's PUD case maps 2 GiB (the larger BAR), so data is
 * checked past 1 GiB too; /dev/mem maps BAR pages no other program uses
 * (64 MiB on), so a memtype another program leaked cannot pass for ours.
 */
#define FORK_PFNMAP_VARIANTS(f)						\
	FIXTURE_VARIANT_ADD(f, kmod_pte) {				\
		FORK_REQ(PFNMAP_KMOD, PTE, true, 0, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pmd) {				\
		FORK_REQ(PFNMAP_KMOD, PMD, true, 0, 8 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pud) {				\
		FORK_REQ(PFNMAP_KMOD, PUD, true, 0, SZ_1G) };	\
	FIXTURE_VARIANT_ADD(f, kmod_pte_private) {			\
		FORK_REQ(PFNMAP_KMOD, PTE, false, 0, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, prepare_pte) {				\
		FORK_REQ(PFNMAP_PREPARE, PTE, true, 0, 2 * SZ_2M) }; \
	FIXTURE_VARIANT_ADD(f, prepare_pte_private) {			\
		FORK_REQ(PFNMAP_PREPARE, PTE, false, 0, 2 * SZ_2M) }; \
	FIXTURE_VARIANT_ADD(f, vfio_pte) {				\
		FORK_REQ(PFNMAP_VFIO, PTE, true, 0, 2 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, vfio_pmd) {				\
		FORK_REQ(PFNMAP_VFIO, PMD, true, 0, 8 * SZ_2M) };	\
	FIXTURE_VARIANT_ADD(f, vfio_pud) {				\
		FORK_REQ(PFNMAP_VFIO, PUD, true, 0, 2 * SZ_1G) };	\
	FIXTURE_VARIANT_ADD(f, devmem_pte) {				\
		FORK_REQ(PFNMAP_DEVMEM, PTE, true, 64 * SZ_2M,	\
			 2 * SZ_2M) };				\
	FIXTURE_VARIANT_ADD(f, devmem_pte_private) {			\
		FORK_REQ(PFNMAP_DEVMEM, PTE, false, 68 * SZ_2M,	\
			 2 * SZ_2M) }

/* Entry bits the oracle checks after a fault, and their wanted values. */
#define FORK_PT_MASK	(MMCONF_PT_SPECIAL | MMCONF_PT_WRITE)

/* Special; writable iff shared (a COW pfnmap is mapped read-only). */
static inline unsigned int fork_pfnmap_want(const struct pfnmap *pm)
{
	return MMCONF_PT_SPECIAL | (pm->req.shared ? MMCONF_PT_WRITE : 0);
}

/*
 * Map REQ into PM (*GOT as pfnmap_get_or_skip()), put SEED's pattern in
 * its sample pages SAMPLES[0..*N) (through the mapping when shared,
 * through the second path when private, where a write would only make a
 * copy), fault every entry in (by a write when shared, so huge entries are
 * writable before any fork) and check them.  False after a SKIP.
 */
static inline bool fork_pfnmap_prepare(struct __test_metadata *_metadata,
				       struct pfnmap *pm,
				       const struct pfnmap_req *req, bool *got,
				       uint64_t seed, uint64_t *samples, int *n)
{
	uintptr_t start;
	char why[512];

	if (!pfnmap_get_or_skip(_metadata, pm, req, got))
		return false;
	start = (uintptr_t)pm->addr;
	*n = pfnmap_samples(pm, samples);
	if (pm->req.shared)
		pfnmap_fill_map(pm, seed, samples, *n);
	else
		ASSERT_EQ(0, pfnmap_fill_path(pm, seed, samples, *n));
	pfnmap_touch(pm, 0, pm->req.len, start, start + pm->req.len,
		     pm->req.shared);
	ASSERT_EQ(0, pfnmap_check_entries(pm, 0, pm->req.len, start,
					  start + pm->req.len,
					  fork_pfnmap_want(pm), FORK_PT_MASK,
					  why, sizeof(why)))
		TH_LOG("before the fork: %s", why);
	return true;
}

/*
 * Reap FC and EXPECT a clean exit; otherwise log WHAT, how the child
 * ended and what it said.  True when it exited 0.
 */
static inline bool fork_expect_child_ok(struct __test_metadata *_metadata,
					struct fork_child *fc,
					const char *what)
{
	int ret = fork_reap(fc);

	EXPECT_EQ(0, ret) {
		if (ret < 0)
			TH_LOG("%s: waitpid: %s", what, strerror(-ret));
		else if (ret > 128)
			TH_LOG("%s: the child died of signal %d (%s)", what,
			       ret - 128, fork_msg(fc));
		else
			TH_LOG("%s: %s", what, fork_msg(fc));
	}
	return !ret;
}

#endif /* MM_FORK_HARNESS_H */
