// SPDX-License-Identifier: GPL-2.0
/* Sample offsets, page patterns and entry checks; see follow_util.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "follow/follow_util.h"

#define FU_WORDS	(MM_PAGE / 8)
#define FU_2M		(2ULL << 20)
#define FU_1G		(1ULL << 30)

int follow_offsets(uint64_t len, uint64_t *out)
{
	const uint64_t offs[] = {
		0,				/* first page */
		MM_PAGE + 1,			/* 4 KiB + 1, unaligned */
		FU_2M / 2 + 77 * 8 + 3,		/* inside the first 2 MiB */
		FU_2M - FOLLOW_SPAN / 2,	/* across the first PMD */
		FU_2M + MM_PAGE,		/* 2 MiB + 4 KiB */
		512 * (FU_2M / 2) + 3 * MM_PAGE + 40,	/* past 512 MiB */
		FU_1G - FOLLOW_SPAN / 2,	/* across the first PUD */
		FU_1G + 2 * FU_2M + MM_PAGE,	/* 1 GiB + 4 MiB + 4 KiB */
	};
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		if (offs[i] + FOLLOW_SPAN <= len - MM_PAGE)
			out[n++] = offs[i];
	if (len >= MM_PAGE + FOLLOW_SPAN)
		out[n++] = len - FOLLOW_SPAN;	/* the last bytes */
	return n;
}

static uint64_t fu_word(const struct pfnmap *pm, uint64_t seed,
			uint64_t page, unsigned int w)
{
	return pfnmap_kmod_value(seed, pm->req.off / MM_PAGE + page, w);
}

void follow_expect(const struct pfnmap *pm, uint64_t seed, uint64_t off,
		   void *buf, size_t len)
{
	unsigned char *b = buf;
	uint64_t v, at;
	size_t i;

	for (i = 0; i < len; i++) {
		at = off + i;
		v = fu_word(pm, seed, at / MM_PAGE, (at % MM_PAGE) / 8);
		b[i] = v >> (8 * (at % 8));
	}
}

int follow_fill(struct pfnmap *pm, uint64_t seed, const uint64_t *offs,
		int n)
{
	uint64_t buf[FU_WORDS], p, last;
	unsigned int w;
	int i, ret;

	for (i = 0; i < n; i++) {
		last = (offs[i] + FOLLOW_SPAN - 1) / MM_PAGE;
		for (p = offs[i] / MM_PAGE; p <= last; p++) {
			for (w = 0; w < FU_WORDS; w++)
				buf[w] = fu_word(pm, seed, p, w);
			ret = pfnmap_write(pm, p * MM_PAGE, buf, sizeof(buf));
			if (ret)
				return ret;
		}
	}
	return 0;
}

int follow_path_equals(struct pfnmap *pm, uint64_t off, const void *buf,
		       size_t len)
{
	unsigned char got[MM_PAGE];
	int ret;

	if (len > sizeof(got))
		return -EINVAL;
	ret = pfnmap_read(pm, off, got, len);
	if (ret)
		return ret;
	return memcmp(got, buf, len) ? -1 : 0;
}

void follow_touch(const struct pfnmap *pm, const uint64_t *offs, int n)
{
	const volatile char *p;
	int i;

	for (i = 0; i < n; i++) {
		p = pm->addr + offs[i];
		(void)p[0];
		(void)p[FOLLOW_SPAN - 1];
	}
}

static int fu_check_one(struct pfnmap *pm, uint64_t off, char *why,
			size_t whylen)
{
	uintptr_t start = (uintptr_t)pm->addr, end = start + pm->req.len;
	const void *addr = pm->addr + off;
	struct pfnmap_entry e;
	unsigned int want;
	char desc[160];
	int ret;

	ret = pfnmap_query(pm, &addr, 1, &e);
	if (ret) {
		snprintf(why, whylen, "page-table query at map+%#llx: %s",
			 (unsigned long long)off, strerror(-ret));
		return ret;
	}
	want = pfnmap_fit_level(pm, start, end, addr);
	if (e.level == want && (!e.pfn_known || e.pfn == pfnmap_pfn(pm, addr)))
		return 0;
	pfnmap_describe(&e, desc, sizeof(desc));
	snprintf(why, whylen, "map+%#llx: want a present %s entry of pfn "
		 "%#llx, the oracle sees %s", (unsigned long long)off,
		 pfnmap_level_name(want),
		 (unsigned long long)pfnmap_pfn(pm, addr), desc);
	return -1;
}

int follow_check_levels(struct pfnmap *pm, const uint64_t *offs, int n,
			char *why, size_t whylen)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = fu_check_one(pm, offs[i], why, whylen);
		if (!ret)
			ret = fu_check_one(pm, offs[i] + FOLLOW_SPAN - 1, why,
					   whylen);
		if (ret)
			return ret;
	}
	return 0;
}

int follow_vma_query(struct pfnmap *pm, const void *addr,
		     struct mmconf_vma_query *q)
{
	memset(q, 0, sizeof(*q));
	q->addr = (uintptr_t)addr;
	if (pm->qfd < 0)
		return -ENODEV;
	return ioctl(pm->qfd, MMCONF_IOC_VMA_QUERY, q) ? -errno : 0;
}
