/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the pfnmap-gup tests try to pin: either a VM_PFNMAP mapping from
 * any provider (lib/pfnmap/pfnmap_provider.h), which every GUP path must refuse,
 * or ordinary memory of the same length, the control that every path
 * must pin (anonymous 4 KiB pages, a THP, hugetlb 2 MiB pages), so a
 * broken path cannot pass by refusing everything.
 *
 *   struct gup_target t;
 *   ret = gup_target_get(&t, &req, why, sizeof(why));
 *     0; MM_SKIP (WHY: the kernel or machine lacks the provider
 *     or level, a SKIP); -errno (WHY says what failed).
 *   ... t.addr, t.len, t.refused ...
 *   gup_target_put(&t);      in every case, also after a failed get
 *
 * gup_target_get() faults every entry in and checks it is mapped as
 * asked (the pfnmap at its level through the oracle, a THP control
 * through smaps AnonHugePages), so gup-fast meets present leaf entries
 * and not an empty table it would hand to the slow path.
 *
 * With the test module's providers (PFNMAP_KMOD, PFNMAP_PREPARE) the
 * region pages behind the mapping have struct pages, so a pin that GUP
 * takes wrongly shows in their page_count(): gup_target_refs() reads it.
 */
#ifndef MM_GUP_TARGET_H
#define MM_GUP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mremap/mapping_kind.h"
#include "pfnmap/pfnmap_provider.h"


enum gup_target_kind {
	GUP_TARGET_PFNMAP,
	GUP_TARGET_ANON,	/* private anonymous, MADV_NOHUGEPAGE: 4 KiB */
	GUP_TARGET_THP,		/* private anonymous, MADV_HUGEPAGE, 2 MiB */
	GUP_TARGET_HUGETLB,	/* MAP_HUGETLB 2 MiB pages */
};

struct gup_target_req {
	enum gup_target_kind kind;
	struct pfnmap_req pfn;	/* GUP_TARGET_PFNMAP: what to map */
	uint64_t len;		/* controls: bytes (a 2 MiB multiple) */
};

struct gup_target {
	struct gup_target_req req;
	char *addr;		/* MAP_FAILED until mapped */
	uint64_t len;
	bool refused;		/* a pfnmap: every GUP path must refuse it */
	bool has_refs;		/* region page counts readable (module) */
	bool writable;		/* mapped with PROT_WRITE */
	struct pfnmap pm;
	bool pm_got;
	struct mapping_kind_env env;
	bool env_got;
	struct mapping_kind_map mk;
	char *resv;		/* controls: the aligned reservation */
	size_t resv_len;
	long node0_saved;	/* hugetlb: node 0's nr_hugepages, -1 */
};

/* "kmod_pud", "anon", "thp", "hugetlb": for messages. */
const char *gup_target_name(const struct gup_target *t);

int gup_target_get(struct gup_target *t, const struct gup_target_req *req,
		   char *why, size_t whylen);
void gup_target_put(struct gup_target *t);

/*
 * Mapping offsets whose region page counts the tests watch: the first
 * page, pages inside and past the first 2 MiB and past 1 GiB, the last
 * page, and the provider's sample spread.  Fills OUT (at most
 * GUP_TARGET_MAX_WATCH), returns how many.
 */
#define GUP_TARGET_MAX_WATCH	(PFNMAP_KMOD_MAX_SAMPLES + 8)
int gup_target_watch(const struct gup_target *t, uint64_t *out);

/*
 * page_count() of the region page behind mapping offset OFFS[i], for
 * each of the N offsets, into REFS.  0; -EOPNOTSUPP when the target has
 * no module region behind it (controls, vfio, /dev/mem); -errno.
 */
int gup_target_refs(struct gup_target *t, const uint64_t *offs, int n,
		    unsigned int *refs);

/*
 * Compare the page counts now with BASE (from gup_target_refs() over
 * the same offsets).  -1 when all equal (or the target has no region
 * pages), else the index of the first that differs, its count now in
 * *NOW; -errno when they cannot be read.
 */
int gup_target_refs_changed(struct gup_target *t, const uint64_t *offs,
			    int n, const unsigned int *base,
			    unsigned int *now);

/*
 * Data patterns distinct for every 8-byte word: the word at offset O of
 * a range carries mm_mix(SEED + O), O counted from the target's start
 * (or any origin the caller picks for a plain buffer).  LEN and OFF are
 * multiples of 8.  gup_pattern_check(): -1, or the first offset that
 * differs.
 */
void gup_pattern_fill(void *buf, uint64_t off, uint64_t len, uint64_t seed);
int64_t gup_pattern_check(const void *buf, uint64_t off, uint64_t len,
			  uint64_t seed);

/*
 * Put pattern SEED into [OFF, OFF + LEN) of the target, or check it is
 * there, without GUP and without a COW: a control through its mapping,
 * a pfnmap through its provider's second path (pfnmap_write/read).
 * fill: 0 or -errno.  check: -1, or the first offset that differs (a
 * second-path error counts as a difference at OFF).
 */
int gup_target_fill(struct gup_target *t, uint64_t off, uint64_t len,
		    uint64_t seed);
int64_t gup_target_check(struct gup_target *t, uint64_t off, uint64_t len,
			 uint64_t seed);

#endif /* MM_GUP_TARGET_H */
