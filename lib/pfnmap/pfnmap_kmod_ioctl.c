// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace side of the mmconf_pfnmap test module; see pfnmap_kmod_ioctl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm_util.h"
#include "pfnmap/pfnmap_kmod_ioctl.h"

#define PKM_PAGE_WORDS	(MM_PAGE / 8)
#define PKM_SPREAD	24

const unsigned int pfnmap_kmod_words[PFNMAP_KMOD_NR_WORDS] = {
	0, PKM_PAGE_WORDS / 2 + 3, PKM_PAGE_WORDS - 1,
};

static bool pkm_module_loaded(void)
{
	struct stat st;

	return stat("/sys/module/" MMCONF_PFNMAP_MODULE, &st) == 0;
}

/* Why DEV cannot be opened, for a SKIP or an error. */
static int pkm_open_failed(const char *dev, int err, char *why, size_t len)
{
	if (err != ENOENT && err != ENXIO && err != ENODEV) {
		snprintf(why, len, "open %s: %s", dev, strerror(err));
		return -err;
	}
	if (!pkm_module_loaded())
		snprintf(why, len, "module %s is not loaded (no %s): insmod "
			 MMCONF_PFNMAP_MODULE ".ko", MMCONF_PFNMAP_MODULE, dev);
	else if (!strcmp(dev, MMCONF_PFNMAP_PREPARE_DEV))
		snprintf(why, len, "no %s: the kernel the module was built "
			 "for has no f_op->mmap_prepare with vm_area_desc "
			 "actions", dev);
	else
		snprintf(why, len, "module %s is loaded but %s is missing "
			 "(no devtmpfs?)", MMCONF_PFNMAP_MODULE, dev);
	return MM_SKIP;
}

int pfnmap_kmod_open(struct pfnmap_kmod *km, const char *dev,
		     char *why, size_t len)
{
	int err;

	memset(km, 0, sizeof(*km));
	km->fd = open(dev, O_RDWR | O_CLOEXEC);
	if (km->fd < 0)
		return pkm_open_failed(dev, errno, why, len);
	if (ioctl(km->fd, MMCONF_IOC_INFO, &km->info)) {
		err = errno;
		snprintf(why, len, "MMCONF_IOC_INFO on %s: %s", dev,
			 strerror(err));
		goto fail;
	}
	if (km->info.abi != MMCONF_PFNMAP_ABI) {
		err = EPROTO;
		snprintf(why, len, "%s speaks ABI %u, the tests %u: module and "
			 "tests come from different trees", dev, km->info.abi,
			 MMCONF_PFNMAP_ABI);
		goto fail;
	}
	if (!km->info.region_size) {
		snprintf(why, len, "module %s has no RAM region (%s wanted "
			 "%llu MiB: %s); see its kernel log lines",
			 MMCONF_PFNMAP_MODULE, dev,
			 (unsigned long long)km->info.wanted_size >> 20,
			 strerror(-km->info.wanted_err));
		pfnmap_kmod_close(km);
		return MM_SKIP;
	}
	return 0;
fail:
	pfnmap_kmod_close(km);
	return -err;
}

void pfnmap_kmod_close(struct pfnmap_kmod *km)
{
	if (km->fd >= 0)
		close(km->fd);
	km->fd = -1;
}

bool pfnmap_kmod_region_fits(const struct pfnmap_kmod *km, uint64_t off,
			     uint64_t len, uint64_t align,
			     char *why, size_t wlen)
{
	const struct mmconf_info *in = &km->info;
	uint64_t phys = in->region_pfn * MM_PAGE + off;

	if (off <= in->region_size && len <= in->region_size - off &&
	    (!align || phys % align == 0))
		return true;
	snprintf(why, wlen, "module region is %llu MiB at %llu MiB alignment, "
		 "the test needs %llu MiB at +%llu MiB aligned to %llu MiB "
		 "(the module wanted %llu MiB: %s; boot with movablecore=)",
		 (unsigned long long)in->region_size >> 20,
		 (unsigned long long)in->region_align >> 20,
		 (unsigned long long)len >> 20, (unsigned long long)off >> 20,
		 (unsigned long long)align >> 20,
		 (unsigned long long)in->wanted_size >> 20,
		 in->wanted_err ? strerror(-in->wanted_err) : "got it");
	return false;
}

int pfnmap_kmod_set_max_level(struct pfnmap_kmod *km, unsigned int level)
{
	uint32_t l = level;

	return ioctl(km->fd, MMCONF_IOC_SET_MAX_LEVEL, &l) ? -errno : 0;
}

void *pfnmap_kmod_map(struct pfnmap_kmod *km, uint64_t off, size_t len,
		      int prot, int flags, size_t align, size_t skew)
{
	if (align < MM_PAGE)
		align = MM_PAGE;
	return mm_mmap_at(km->fd, off, len, prot, flags, align, skew);
}

int pfnmap_kmod_query(struct pfnmap_kmod *km, const void *addr,
		      struct mmconf_pt_query *q)
{
	memset(q, 0, sizeof(*q));
	q->addr = (uintptr_t)addr;
	return ioctl(km->fd, MMCONF_IOC_PT_QUERY, q) ? -errno : 0;
}

void pfnmap_kmod_describe(const struct mmconf_pt_query *q,
			  char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s pfn %#llx %s%#llx (entry %#llx)",
		 pfnmap_kmod_level_name(q->level),
		 q->flags & MMCONF_PT_PRESENT ? " present" : " not-present",
		 q->flags & MMCONF_PT_WRITE ? " write" : "",
		 q->flags & MMCONF_PT_DIRTY ? " dirty" : "",
		 q->flags & MMCONF_PT_YOUNG ? " young" : "",
		 q->flags & MMCONF_PT_SPECIAL ? " special" : "",
		 (unsigned long long)q->pfn,
		 q->region_offset < 0 ? "outside region " : "region+",
		 (unsigned long long)(q->region_offset < 0 ? 0 :
				      q->region_offset),
		 (unsigned long long)q->entry);
}

int pfnmap_kmod_counters(struct pfnmap_kmod *km, struct mmconf_counters *c)
{
	return ioctl(km->fd, MMCONF_IOC_GET_COUNTERS, c) ? -errno : 0;
}

int pfnmap_kmod_reset_counters(struct pfnmap_kmod *km)
{
	return ioctl(km->fd, MMCONF_IOC_RESET_COUNTERS) ? -errno : 0;
}

static int pkm_rw(struct pfnmap_kmod *km, unsigned long cmd, uint64_t off,
		  const void *buf, size_t len)
{
	struct mmconf_rw rw = {
		.offset = off,
		.len = len,
		.buf = (uintptr_t)buf,
	};

	return ioctl(km->fd, cmd, &rw) ? -errno : 0;
}

int pfnmap_kmod_read(struct pfnmap_kmod *km, uint64_t off,
		     void *buf, size_t len)
{
	return pkm_rw(km, MMCONF_IOC_READ, off, buf, len);
}

int pfnmap_kmod_write(struct pfnmap_kmod *km, uint64_t off,
		      const void *buf, size_t len)
{
	return pkm_rw(km, MMCONF_IOC_WRITE, off, buf, len);
}

int pfnmap_kmod_refcount(struct pfnmap_kmod *km, uint64_t off,
			 unsigned int *ref)
{
	struct mmconf_page_info pi = { .offset = off };

	if (ioctl(km->fd, MMCONF_IOC_PAGE_INFO, &pi))
		return -errno;
	*ref = pi.refcount;
	return 0;
}

const char *pfnmap_kmod_level_name(unsigned int level)
{
	static const char *const names[] = {
		[MMCONF_LEVEL_NONE] = "none",
		[MMCONF_LEVEL_PTE] = "PTE",
		[MMCONF_LEVEL_PMD] = "PMD",
		[MMCONF_LEVEL_PUD] = "PUD",
	};

	return level < MMCONF_NR_LEVELS ? names[level] : "bad-level";
}

uint64_t pfnmap_kmod_level_size(unsigned int level)
{
	switch (level) {
	case MMCONF_LEVEL_PUD:
		return 1ULL << 30;
	case MMCONF_LEVEL_PMD:
		return 2ULL << 20;
	default:
		return MM_PAGE;
	}
}

uint64_t pfnmap_kmod_value(uint64_t seed, uint64_t rpage, unsigned int word)
{
	return mm_mix(seed ^ mm_mix(rpage * PKM_PAGE_WORDS + word));
}

int pfnmap_kmod_samples(uint64_t npages, uint64_t *out)
{
	const uint64_t per_pmd = SZ_2M / MM_PAGE, per_pud = SZ_1G / MM_PAGE;
	const uint64_t fixed[] = {
		0, 1, 300, per_pmd - 1, per_pmd, per_pmd + 1, 2 * per_pmd - 1,
		per_pud - 1, per_pud, npages - per_pmd, npages - 1,
	};
	uint64_t block, nblocks = (npages + per_pmd - 1) / per_pmd;
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (fixed[i] < npages)
			out[n++] = fixed[i];
	/* One page per 2 MiB block of a spread, at a varying offset. */
	for (i = 0; i < PKM_SPREAD; i++) {
		block = i * nblocks / PKM_SPREAD;
		out[n++] = (block * per_pmd + block % per_pmd) % npages;
	}
	return n;
}

static uint64_t pkm_page(const uint64_t *pages, int i)
{
	return pages ? pages[i] : (uint64_t)i;
}

int pfnmap_kmod_fill_region(struct pfnmap_kmod *km, uint64_t seed,
			    uint64_t first, const uint64_t *pages, int n)
{
	uint64_t buf[PKM_PAGE_WORDS], rpage;
	int i, w, err;

	for (i = 0; i < n; i++) {
		rpage = first + pkm_page(pages, i);
		memset(buf, 0, sizeof(buf));
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			buf[pfnmap_kmod_words[w]] =
				pfnmap_kmod_value(seed, rpage, pfnmap_kmod_words[w]);
		err = pfnmap_kmod_write(km, rpage * MM_PAGE, buf, sizeof(buf));
		if (err)
			return err;
	}
	return 0;
}

int64_t pfnmap_kmod_check_region(struct pfnmap_kmod *km, uint64_t seed,
				 uint64_t first, const uint64_t *pages, int n)
{
	uint64_t buf[PKM_PAGE_WORDS], rpage;
	int i, w;

	for (i = 0; i < n; i++) {
		rpage = first + pkm_page(pages, i);
		if (pfnmap_kmod_read(km, rpage * MM_PAGE, buf, sizeof(buf)))
			return pkm_page(pages, i);
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			if (buf[pfnmap_kmod_words[w]] !=
			    pfnmap_kmod_value(seed, rpage, pfnmap_kmod_words[w]))
				return pkm_page(pages, i);
	}
	return -1;
}

void pfnmap_kmod_fill_map(char *map, uint64_t seed, uint64_t first,
			  const uint64_t *pages, int n)
{
	volatile uint64_t *p;
	uint64_t page;
	int i, w;

	for (i = 0; i < n; i++) {
		page = pkm_page(pages, i);
		p = (volatile uint64_t *)(map + page * MM_PAGE);
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			p[pfnmap_kmod_words[w]] = pfnmap_kmod_value(seed,
					first + page, pfnmap_kmod_words[w]);
	}
}

int64_t pfnmap_kmod_check_map(const char *map, uint64_t seed, uint64_t first,
			      const uint64_t *pages, int n)
{
	const volatile uint64_t *p;
	uint64_t page;
	int i, w;

	for (i = 0; i < n; i++) {
		page = pkm_page(pages, i);
		p = (const volatile uint64_t *)(map + page * MM_PAGE);
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			if (p[pfnmap_kmod_words[w]] != pfnmap_kmod_value(seed,
					first + page, pfnmap_kmod_words[w]))
				return page;
	}
	return -1;
}
