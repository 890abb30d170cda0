// SPDX-License-Identifier: GPL-2.0
/*
 * The pfnmap oracle (the module's page-table walk, else ptdump), entry
 * checks, touching and fault probing; see pfnmap_provider.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "mm_util.h"
#include "pfnmap/pfnmap_provider.h"


static int pp_query_kmod(struct pfnmap *pm, const void *addr,
			 struct pfnmap_entry *e)
{
	struct mmconf_pt_query q = { .addr = (uintptr_t)addr };

	if (ioctl(pm->qfd, MMCONF_IOC_PT_QUERY, &q))
		return -errno;
	e->flags = q.flags;
	e->level = q.flags & MMCONF_PT_PRESENT ? q.level : MMCONF_LEVEL_NONE;
	e->known = MMCONF_PT_PRESENT | MMCONF_PT_WRITE | MMCONF_PT_DIRTY |
		   MMCONF_PT_YOUNG | MMCONF_PT_SPECIAL;
	e->pfn_known = q.flags & MMCONF_PT_PRESENT;
	e->pfn = q.pfn;
	return 0;
}

static void pp_query_ptdump(const struct ptdump *pd, const void *addr,
			    struct pfnmap_entry *e)
{
	const struct ptdump_range *r = ptdump_find(pd, (uintptr_t)addr);

	e->known = MMCONF_PT_PRESENT | MMCONF_PT_WRITE;
	if (!r || !(r->flags & PTDUMP_PRESENT))
		return;
	e->flags = MMCONF_PT_PRESENT |
		   (r->flags & PTDUMP_RW ? MMCONF_PT_WRITE : 0);
	if (r->level == PTDUMP_PUD)
		e->level = MMCONF_LEVEL_PUD;
	else if (r->level == PTDUMP_PMD)
		e->level = MMCONF_LEVEL_PMD;
	else if (r->level == PTDUMP_PTE)
		e->level = MMCONF_LEVEL_PTE;
}

int pfnmap_query(struct pfnmap *pm, const void *const *addrs, int n,
		 struct pfnmap_entry *out)
{
	struct ptdump pd = { 0 };
	char why[256];
	int i, ret = 0;

	memset(out, 0, n * sizeof(*out));
	if (pm->qfd < 0) {
		ret = ptdump_read(&pd, why, sizeof(why));
		if (ret)
			return ret;
	}
	for (i = 0; i < n && !ret; i++) {
		if (pm->qfd >= 0)
			ret = pp_query_kmod(pm, addrs[i], &out[i]);
		else
			pp_query_ptdump(&pd, addrs[i], &out[i]);
	}
	ptdump_free(&pd);
	return ret;
}

int pfnmap_level(struct pfnmap *pm, const void *addr)
{
	struct pfnmap_entry e;
	int ret;

	ret = pfnmap_query(pm, &addr, 1, &e);
	return ret ? ret : (int)e.level;
}

static const char *pp_bit(const struct pfnmap_entry *e, unsigned int bit,
			  const char *name)
{
	if (!(e->known & bit))
		return "";
	return e->flags & bit ? name : "";
}

void pfnmap_describe(const struct pfnmap_entry *e, char *buf, size_t len)
{
	char pfn[32] = "pfn ?";

	if (e->pfn_known)
		snprintf(pfn, sizeof(pfn), "pfn %#llx",
			 (unsigned long long)e->pfn);
	snprintf(buf, len, "%s%s%s%s%s%s %s%s",
		 pfnmap_level_name(e->level),
		 e->flags & MMCONF_PT_PRESENT ? " present" : " not-present",
		 pp_bit(e, MMCONF_PT_WRITE, " write"),
		 pp_bit(e, MMCONF_PT_DIRTY, " dirty"),
		 pp_bit(e, MMCONF_PT_YOUNG, " young"),
		 pp_bit(e, MMCONF_PT_SPECIAL, " special"), pfn,
		 e->known & MMCONF_PT_SPECIAL ? "" :
		 " (ptdump: dirty/young/special/pfn unknown)");
}

/* Offset of the end of the entry holding mapping offset OFF. */
static uint64_t pp_entry_end(struct pfnmap *pm, uint64_t off, uint64_t end,
			     uintptr_t vs, uintptr_t ve)
{
	char *p = pm->addr + off;
	uint64_t size = pfnmap_level_size(pfnmap_fit_level(pm, vs, ve, p));
	uint64_t next = (((uintptr_t)p & ~(uintptr_t)(size - 1)) + size) -
			(uintptr_t)pm->addr;

	return next < end ? next : end;
}

/* Addresses worth checking in [off, end): each entry's ends, samples. */
static int pp_check_addrs(struct pfnmap *pm, uint64_t off, uint64_t end,
			  uintptr_t vs, uintptr_t ve, const void ***out)
{
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES], o, next, n = 0;
	int i, ns = pfnmap_samples(pm, samples);
	const void **a;
	char *p;

	for (o = off; o < end; o = pp_entry_end(pm, o, end, vs, ve))
		n += 2;
	a = calloc(n + ns, sizeof(*a));
	if (!a)
		return -ENOMEM;
	n = 0;
	for (o = off; o < end; o = next) {
		next = pp_entry_end(pm, o, end, vs, ve);
		a[n++] = pm->addr + o;
		if (next - o > MM_PAGE)
			a[n++] = pm->addr + next - MM_PAGE;
	}
	for (i = 0; i < ns; i++) {
		p = pm->addr + samples[i] * MM_PAGE;
		if (p >= pm->addr + off && p < pm->addr + end)
			a[n++] = p;
	}
	*out = a;
	return n;
}

int pfnmap_check_entries(struct pfnmap *pm, uint64_t off, uint64_t end,
			 uintptr_t vma_start, uintptr_t vma_end,
			 unsigned int want, unsigned int mask, char *why,
			 size_t whylen)
{
	struct pfnmap_entry *e;
	unsigned int level, m;
	const void **a;
	char got[192];
	int i, n, ret;

	n = pp_check_addrs(pm, off, end, vma_start, vma_end, &a);
	if (n < 0)
		return n;
	e = calloc(n, sizeof(*e));
	ret = e ? pfnmap_query(pm, a, n, e) : -ENOMEM;
	if (ret)
		snprintf(why, whylen, "page-table query: %s", strerror(-ret));
	want |= MMCONF_PT_PRESENT;
	mask |= MMCONF_PT_PRESENT;
	for (i = 0; i < n && !ret; i++) {
		level = pfnmap_fit_level(pm, vma_start, vma_end, a[i]);
		m = mask & e[i].known;
		if (e[i].level == level && (e[i].flags & m) == (want & m) &&
		    (!e[i].pfn_known || e[i].pfn == pfnmap_pfn(pm, a[i])))
			continue;
		pfnmap_describe(&e[i], got, sizeof(got));
		snprintf(why, whylen, "map+%#llx is %s; want %s%s%s%s pfn %#llx",
			 (unsigned long long)((const char *)a[i] - pm->addr), got,
			 pfnmap_level_name(level),
			 mask & MMCONF_PT_WRITE ? (want & MMCONF_PT_WRITE ?
			 " write" : " read-only") : "",
			 want & MMCONF_PT_DIRTY & mask ? " dirty" : "",
			 mask & MMCONF_PT_SPECIAL ? (want & MMCONF_PT_SPECIAL ?
			 " special" : " not-special") : "",
			 (unsigned long long)pfnmap_pfn(pm, a[i]));
		ret = -1;
	}
	free(e);
	free(a);
	return ret;
}

uint64_t pfnmap_touch(struct pfnmap *pm, uint64_t off, uint64_t end,
		      uintptr_t vma_start, uintptr_t vma_end, bool write)
{
	uint64_t entries = 0;
	volatile char *p;
	char c;

	for (; off < end; off = pp_entry_end(pm, off, end, vma_start, vma_end)) {
		p = pm->addr + off;
		c = *p;
		if (write)
			*p = c;
		entries++;
	}
	return entries;
}

bool pfnmap_write_faults(volatile char *p)
{
	return mm_probe(p, true) != 0;
}

bool pfnmap_read_faults(const volatile char *p)
{
	return mm_probe((volatile char *)p, false) != 0;
}
