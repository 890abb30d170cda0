// SPDX-License-Identifier: GPL-2.0
/* Pfnmaps and ordinary-memory controls for the GUP tests: gup_target.h. */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gup/gup_target.h"
#include "mm_util.h"

#define GT_4K	4096ULL
#define GT_2M	(2ULL << 20)
#define GT_1G	(1ULL << 30)

/*
 * Present and special: pte_special()/pmd_special()/pud_special() is all
 * gup-fast looks at (it never sees the VMA), so a pfnmap entry without
 * the special bit would be pinned; the oracle checks the bit where it
 * can tell (the module's walk; ptdump cannot).
 */
#define GT_WANT	(MMCONF_PT_PRESENT | MMCONF_PT_SPECIAL)

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

static const char *const gt_control_names[] = {
	[GUP_TARGET_ANON] = "anon", [GUP_TARGET_THP] = "thp",
	[GUP_TARGET_HUGETLB] = "hugetlb",
};

const char *gup_target_name(const struct gup_target *t)
{
	static char buf[64];

	if (t->req.kind != GUP_TARGET_PFNMAP)
		return gt_control_names[t->req.kind];
	snprintf(buf, sizeof(buf), "%s %s %s",
		 pfnmap_provider_name(t->req.pfn.provider),
		 pfnmap_level_name(t->req.pfn.level),
		 t->req.pfn.shared ? "MAP_SHARED" : "MAP_PRIVATE");
	return buf;
}

static int gt_get_pfnmap(struct gup_target *t, char *why, size_t whylen)
{
	struct pfnmap *pm = &t->pm;
	uintptr_t start;
	int ret;

	t->pm_got = true;
	ret = pfnmap_get(pm, &t->req.pfn, why, whylen);
	if (ret)
		return ret;
	t->addr = pm->addr;
	t->len = pm->req.len;
	t->refused = true;
	t->writable = pm->req.prot & PROT_WRITE;
	t->has_refs = pm->req.provider == PFNMAP_KMOD ||
		      pm->req.provider == PFNMAP_PREPARE;
	/*
	 * Fault every entry in by a read (a private mapping then still maps
	 * the provider's pfns, no COW copy) and make sure each is the leaf
	 * asked for: gup_fast_pud_leaf()/gup_fast_pmd_leaf() only see a
	 * special entry that is present.
	 */
	start = (uintptr_t)pm->addr;
	pfnmap_touch(pm, 0, t->len, start, start + t->len, false);
	ret = pfnmap_check_entries(pm, 0, t->len, start, start + t->len,
				   GT_WANT, GT_WANT, why, whylen);
	if (ret == -1)
		return -EIO;
	return ret;
}

#define GT_NODE0_HUGE	\
	"/sys/devices/system/node/node0/hugepages/hugepages-2048kB"

static long gt_read_long(const char *path)
{
	char buf[32];

	return mm_read_str(path, buf, sizeof(buf)) > 0 ?
	       strtol(buf, NULL, 10) : -1;
}

/*
 * The hugetlb control lives on node 0.  A long-term pin first migrates a
 * folio out of ZONE_MOVABLE (check_and_migrate_movable_folios()), and a
 * hugetlb folio may only move within its node (htlb_allow_alloc_fallback()
 * is false for MR_LONGTERM_PIN: __GFP_THISNODE); the guest's node 1 is
 * all ZONE_MOVABLE (movablecore=), so a hugetlb page there can never be
 * long-term pinned (ENOMEM), which is no fact about GUP.  Make sure node
 * 0 has NEED free 2 MiB pages.  0 or -errno.
 */
static int gt_node0_hugetlb(struct gup_target *t, long need, char *why,
			    size_t whylen)
{
	long nr = gt_read_long(GT_NODE0_HUGE "/nr_hugepages");
	long free = gt_read_long(GT_NODE0_HUGE "/free_hugepages");
	char buf[32];

	if (nr < 0 || free < 0 || free >= need)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", nr + need - free);
	if (mm_write_str(GT_NODE0_HUGE "/nr_hugepages", buf) < 0 ||
	    gt_read_long(GT_NODE0_HUGE "/free_hugepages") < need) {
		snprintf(buf, sizeof(buf), "%ld", nr);
		mm_write_str(GT_NODE0_HUGE "/nr_hugepages", buf);
		snprintf(why, whylen, "cannot get %ld free 2 MiB hugetlb pages "
			 "on node 0", need);
		return -ENOMEM;
	}
	t->node0_saved = nr;
	return 0;
}

/* A 2 MiB-aligned reservation the control is mapped over (MAP_FIXED). */
static int gt_reserve(struct gup_target *t, char *why, size_t whylen)
{
	char *p;

	t->resv_len = t->req.len + GT_2M;
	t->resv = mmap(NULL, t->resv_len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->resv == MAP_FAILED) {
		t->resv = NULL;
		snprintf(why, whylen, "reserve %llu bytes: %s",
			 (unsigned long long)t->resv_len, strerror(errno));
		return -errno;
	}
	p = (char *)(((uintptr_t)t->resv + GT_2M - 1) & ~(GT_2M - 1));
	t->addr = p;
	t->len = t->req.len;
	return 0;
}

static int gt_get_control(struct gup_target *t, char *why, size_t whylen)
{
	static const enum mapping_kind env_kind[] = {
		[GUP_TARGET_ANON] = MAPPING_KIND_ANON_PRIVATE,
		[GUP_TARGET_THP] = MAPPING_KIND_THP, [GUP_TARGET_HUGETLB] = MAPPING_KIND_HUGETLB,
	};
	int flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, ret;
	enum gup_target_kind kind = t->req.kind;
	uint64_t off;
	long kb;

	if (!t->req.len || t->req.len % GT_2M) {
		snprintf(why, whylen, "control length not a 2 MiB multiple");
		return -EINVAL;
	}
	if (kind == GUP_TARGET_HUGETLB) {
		ret = gt_node0_hugetlb(t, t->req.len / GT_2M, why, whylen);
		if (ret)
			return ret;
	}
	ret = mapping_kind_env_prepare(&t->env, env_kind[kind], t->req.len, why, whylen);
	if (ret)
		return ret == 1 ? MM_SKIP : -EIO;
	t->env_got = true;
	ret = gt_reserve(t, why, whylen);
	if (ret)
		return ret;
	if (kind == GUP_TARGET_HUGETLB)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	if (mmap(t->addr, t->len, PROT_READ | PROT_WRITE, flags, -1, 0) ==
	    MAP_FAILED) {
		snprintf(why, whylen, "mmap %s control: %s",
			 gt_control_names[kind], strerror(errno));
		return -errno;
	}
	t->writable = true;
	if (kind == GUP_TARGET_HUGETLB && gt_read_long(GT_NODE0_HUGE
						      "/nr_hugepages") >= 0) {
		unsigned long node0 = 1;

		if (mbind(t->addr, t->len, MPOL_BIND, &node0, 2, 0)) {
			snprintf(why, whylen, "mbind hugetlb control to node "
				 "0: %s", strerror(errno));
			return -errno;
		}
	}
	if (kind != GUP_TARGET_HUGETLB &&
	    madvise(t->addr, t->len, kind == GUP_TARGET_THP ?
		    MADV_HUGEPAGE : MADV_NOHUGEPAGE)) {
		snprintf(why, whylen, "madvise %s control: %s",
			 gt_control_names[kind], strerror(errno));
		return -errno;
	}
	for (off = 0; off < t->len; off += GT_4K)
		t->addr[off] = 1;
	if (kind == GUP_TARGET_THP) {
		kb = mm_smaps_kb(t->addr, "AnonHugePages");
		if (kb < (long)(t->len >> 10)) {
			snprintf(why, whylen, "THP control: AnonHugePages %ld "
				 "kB of %llu kB", kb,
				 (unsigned long long)t->len >> 10);
			return -EIO;
		}
	}
	return 0;
}

int gup_target_get(struct gup_target *t, const struct gup_target_req *req,
		   char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	t->req = *req;
	t->addr = MAP_FAILED;
	t->node0_saved = -1;
	if (req->kind == GUP_TARGET_PFNMAP)
		return gt_get_pfnmap(t, why, whylen);
	return gt_get_control(t, why, whylen);
}

void gup_target_put(struct gup_target *t)
{
	if (t->pm_got)
		pfnmap_put(&t->pm);
	t->pm_got = false;
	if (t->resv)
		munmap(t->resv, t->resv_len);
	t->resv = NULL;
	if (t->node0_saved >= 0) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%ld", t->node0_saved);
		mm_write_str(GT_NODE0_HUGE "/nr_hugepages", buf);
		t->node0_saved = -1;
	}
	if (t->env_got)
		mapping_kind_env_restore(&t->env);
	t->env_got = false;
	t->addr = MAP_FAILED;
}

int gup_target_watch(const struct gup_target *t, uint64_t *out)
{
	uint64_t pages[PFNMAP_KMOD_MAX_SAMPLES], extra[] = {
		0, 3 * GT_4K, GT_2M + 3 * GT_4K, GT_1G + 3 * GT_4K,
		t->len - GT_4K,
	};
	int n = 0, i, j, np;

	for (i = 0; i < (int)(sizeof(extra) / sizeof(extra[0])); i++)
		if (extra[i] < t->len)
			out[n++] = extra[i];
	if (t->req.kind != GUP_TARGET_PFNMAP)
		return n;
	np = pfnmap_samples(&t->pm, pages);
	for (i = 0; i < np && n < GUP_TARGET_MAX_WATCH; i++) {
		for (j = 0; j < n && out[j] != pages[i] * GT_4K; j++)
			;
		if (j == n)	/* each page once */
			out[n++] = pages[i] * GT_4K;
	}
	return n;
}

int gup_target_refs(struct gup_target *t, const uint64_t *offs, int n,
		    unsigned int *refs)
{
	int i, ret;

	if (!t->has_refs)
		return -EOPNOTSUPP;
	for (i = 0; i < n; i++) {
		ret = pfnmap_kmod_refcount(&t->pm.km, t->pm.req.off + offs[i],
					   &refs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

int gup_target_refs_changed(struct gup_target *t, const uint64_t *offs,
			    int n, const unsigned int *base,
			    unsigned int *now)
{
	unsigned int ref;
	int i, ret;

	if (!t->has_refs)
		return -1;
	for (i = 0; i < n; i++) {
		ret = pfnmap_kmod_refcount(&t->pm.km, t->pm.req.off + offs[i],
					   &ref);
		if (ret)
			return ret;
		if (ref != base[i]) {
			*now = ref;
			return i;
		}
	}
	return -1;
}

void gup_pattern_fill(void *buf, uint64_t off, uint64_t len, uint64_t seed)
{
	uint64_t *w = buf, i;

	for (i = 0; i < len / 8; i++)
		w[i] = mm_mix(seed + off + 8 * i);
}

int64_t gup_pattern_check(const void *buf, uint64_t off, uint64_t len,
			  uint64_t seed)
{
	const uint64_t *w = buf;
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != mm_mix(seed + off + 8 * i))
			return off + 8 * i;
	return -1;
}

int gup_target_fill(struct gup_target *t, uint64_t off, uint64_t len,
		    uint64_t seed)
{
	void *buf;
	int ret;

	if (!t->refused) {
		gup_pattern_fill(t->addr + off, off, len, seed);
		return 0;
	}
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	gup_pattern_fill(buf, off, len, seed);
	ret = pfnmap_write(&t->pm, off, buf, len);
	free(buf);
	return ret;
}

int64_t gup_target_check(struct gup_target *t, uint64_t off, uint64_t len,
			 uint64_t seed)
{
	int64_t ret;
	void *buf;

	if (!t->refused)
		return gup_pattern_check(t->addr + off, off, len, seed);
	buf = malloc(len);
	if (!buf)
		return off;
	ret = pfnmap_read(&t->pm, off, buf, len) ? (int64_t)off :
	      gup_pattern_check(buf, off, len, seed);
	free(buf);
	return ret;
}
