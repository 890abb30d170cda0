// SPDX-License-Identifier: GPL-2.0
/*
 * pfnmap providers, placement and second data path; see pfnmap_provider.h
 * (the oracle and entry checks are in pfnmap_oracle.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kconfig.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_provider.h"

#define PP_PAGE_WORDS	(MM_PAGE / 8)

static const char *const pp_claims[MMCONF_NR_LEVELS] = {
	[MMCONF_LEVEL_PMD] = "CONFIG_ARCH_SUPPORTS_PMD_PFNMAP",
	[MMCONF_LEVEL_PUD] = "CONFIG_ARCH_SUPPORTS_PUD_PFNMAP",
};

const char *pfnmap_provider_name(enum pfnmap_provider provider)
{
	static const char *const names[PFNMAP_NR_PROVIDERS] = {
		[PFNMAP_KMOD] = "mmconf_pfnmap module",
		[PFNMAP_PREPARE] = "mmconf_pfnmap mmap_prepare node",
		[PFNMAP_VFIO] = "vfio-pci BAR",
		[PFNMAP_DEVMEM] = "/dev/mem BAR",
	};

	return provider < PFNMAP_NR_PROVIDERS ? names[provider] : "?";
}

uint64_t pfnmap_level_size(unsigned int level)
{
	return pfnmap_kmod_level_size(level);
}

const char *pfnmap_level_name(unsigned int level)
{
	return pfnmap_kmod_level_name(level);
}

int pfnmap_claims_huge(unsigned int level, char *why, size_t whylen)
{
	const char *sym = level < MMCONF_NR_LEVELS ? pp_claims[level] : NULL;
	int ret;

	if (!sym)
		return 1;
	ret = kconfig_value(sym, NULL, 0);
	if (ret < 0)
		snprintf(why, whylen, "cannot read /proc/config.gz (%s): unknown "
			 "whether the kernel claims %s", strerror(-ret), sym);
	else if (!ret)
		snprintf(why, whylen, "%s not set: the kernel does not claim "
			 "%s-level pfnmaps", sym, pfnmap_level_name(level));
	return ret;
}

/*
 * The module's walk when it is loaded (it serves queries even without a
 * region), else ptdump.  MM_SKIP when neither exists.
 */
static int pp_open_oracle(struct pfnmap *pm, char *why, size_t whylen)
{
	struct mmconf_info info;
	char pwhy[256];
	struct ptdump pd;
	int ret;

	pm->qfd = open(MMCONF_PFNMAP_DEV, O_RDWR | O_CLOEXEC);
	if (pm->qfd >= 0) {
		if (!ioctl(pm->qfd, MMCONF_IOC_INFO, &info) &&
		    info.abi == MMCONF_PFNMAP_ABI)
			return 0;
		close(pm->qfd);
		pm->qfd = -1;
	}
	ret = ptdump_read(&pd, pwhy, sizeof(pwhy));
	if (!ret) {
		ptdump_free(&pd);
		return 0;
	}
	snprintf(why, whylen, "no page-table oracle: module %s not loaded "
		 "(or another ABI) and %s", MMCONF_PFNMAP_MODULE, pwhy);
	return ret == -EINVAL ? ret : MM_SKIP;
}

static int pp_open_kmod(struct pfnmap *pm, const char *dev, char *why,
			size_t whylen)
{
	static const unsigned int feat[MMCONF_NR_LEVELS] = {
		[MMCONF_LEVEL_PMD] = MMCONF_FEAT_HUGE_PMD,
		[MMCONF_LEVEL_PUD] = MMCONF_FEAT_HUGE_PUD,
	};
	const struct pfnmap_req *r = &pm->req;
	int ret;

	ret = pfnmap_kmod_open(&pm->km, dev, why, whylen);
	if (ret)
		return ret == MM_SKIP ? MM_SKIP : ret;
	pm->km_open = true;
	if ((pm->km.info.features & feat[r->level]) != feat[r->level]) {
		snprintf(why, whylen, "the kernel claims %s pfnmaps, but this "
			 "build of %s cannot insert them (features 0x%x): built "
			 "for another kernel?", pfnmap_level_name(r->level),
			 MMCONF_PFNMAP_MODULE, pm->km.info.features);
		return -EOPNOTSUPP;
	}
	if (!pfnmap_kmod_region_fits(&pm->km, r->off, r->len,
				     pfnmap_level_size(r->level), why, whylen))
		return MM_SKIP;
	pm->phys = pm->km.info.region_pfn * MM_PAGE + r->off;
	pm->path = "the module's read/write ioctls (kernel direct map)";
	ret = pfnmap_kmod_set_max_level(&pm->km, r->level);
	if (ret)
		snprintf(why, whylen, "MMCONF_IOC_SET_MAX_LEVEL %s: %s",
			 pfnmap_level_name(r->level), strerror(-ret));
	return ret;
}

static int pp_open_vfio(struct pfnmap *pm, char *why, size_t whylen)
{
	int ret;

	ret = vfio_bar_open(&pm->bar, pm->req.off + pm->req.len, why, whylen);
	if (ret)
		return ret == MM_SKIP ? MM_SKIP : ret;
	pm->bar_open = true;
	pm->phys = pm->bar.phys + pm->req.off;
	pm->path = "vfio pread/pwrite (the kernel's ioremap of the BAR)";
	return 0;
}

static int pp_open_devmem(struct pfnmap *pm, char *why, size_t whylen)
{
	int ret;

	ret = devmem_bar_open(&pm->dm, pm->req.off + pm->req.len, why, whylen);
	if (ret)
		return ret == MM_SKIP ? MM_SKIP : ret;
	pm->dm_open = true;
	pm->phys = pm->dm.phys + pm->req.off;
	pm->path = "a second, transient /dev/mem mapping";
	return 0;
}

/* Requests no provider can serve are the caller's mistake: -EINVAL. */
static int pp_check_req(const struct pfnmap_req *r, char *why, size_t whylen)
{
	bool remapped = r->provider == PFNMAP_PREPARE ||
			r->provider == PFNMAP_DEVMEM ||
			(r->provider == PFNMAP_KMOD && !r->shared);

	if (r->provider >= PFNMAP_NR_PROVIDERS || !r->level ||
	    r->level >= MMCONF_NR_LEVELS || !r->len || r->len % MM_PAGE ||
	    r->off % MM_PAGE || r->skew % MM_PAGE) {
		snprintf(why, whylen, "bad pfnmap request");
		return -EINVAL;
	}
	if (remapped && r->level != MMCONF_LEVEL_PTE) {
		snprintf(why, whylen, "%s %s is remapped at mmap time: PTEs only",
			 pfnmap_provider_name(r->provider),
			 r->shared ? "MAP_SHARED" : "MAP_PRIVATE");
		return -EINVAL;
	}
	return 0;
}

/*
 * Address congruent to the physical one modulo the level's entry size;
 * vfio maps as large as it can, so one entry size off modulo the next.
 */
static int pp_map(struct pfnmap *pm, char *why, size_t whylen)
{
	const struct pfnmap_req *r = &pm->req;
	uint64_t size = pfnmap_level_size(r->level), align = size, extra = 0;
	int flags = r->shared ? MAP_SHARED : MAP_PRIVATE, fd;
	uint64_t foff;

	if (r->provider == PFNMAP_VFIO && r->level == MMCONF_LEVEL_PMD) {
		align = pfnmap_level_size(MMCONF_LEVEL_PUD);
		extra = size;
	}
	switch (r->provider) {
	case PFNMAP_VFIO:
		fd = pm->bar.device_fd;
		foff = pm->bar.region_offset + r->off;
		break;
	case PFNMAP_DEVMEM:
		fd = pm->dm.fd;
		foff = pm->dm.phys + r->off;
		break;
	default:
		fd = pm->km.fd;
		foff = r->off;
		break;
	}
	pm->addr = mm_mmap_at(fd, foff, r->len, r->prot, flags, align,
			      (pm->phys + extra + r->skew) % align);
	if (pm->addr == MAP_FAILED) {
		snprintf(why, whylen, "mmap(%s, %llu MiB at +%#llx, %s): %s",
			 pfnmap_provider_name(r->provider),
			 (unsigned long long)r->len >> 20,
			 (unsigned long long)r->off,
			 r->shared ? "MAP_SHARED" : "MAP_PRIVATE", strerror(errno));
		return -errno;
	}
	/* vfio's huge_fault maps as large as it can; THP off means PTEs. */
	if (r->provider == PFNMAP_VFIO && r->level == MMCONF_LEVEL_PTE &&
	    madvise(pm->addr, r->len, MADV_NOHUGEPAGE)) {
		snprintf(why, whylen, "MADV_NOHUGEPAGE on a vfio BAR mapping: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static int pp_open(struct pfnmap *pm, char *why, size_t whylen)
{
	const struct pfnmap_req *r = &pm->req;
	unsigned int l;
	int ret;

	ret = pp_check_req(r, why, whylen);
	if (ret)
		return ret;
	for (l = r->level; l > MMCONF_LEVEL_PTE; l--)
		if (pfnmap_claims_huge(l, why, whylen) != 1)
			return MM_SKIP;
	switch (r->provider) {
	case PFNMAP_KMOD:
		ret = pp_open_kmod(pm, MMCONF_PFNMAP_DEV, why, whylen);
		break;
	case PFNMAP_PREPARE:
		ret = pp_open_kmod(pm, MMCONF_PFNMAP_PREPARE_DEV, why, whylen);
		break;
	case PFNMAP_VFIO:
		ret = pp_open_vfio(pm, why, whylen);
		break;
	default:
		ret = pp_open_devmem(pm, why, whylen);
		break;
	}
	return ret ? ret : pp_open_oracle(pm, why, whylen);
}

int pfnmap_get(struct pfnmap *pm, const struct pfnmap_req *req, char *why,
	       size_t whylen)
{
	int ret;

	memset(pm, 0, sizeof(*pm));
	pm->req = *req;
	pm->addr = MAP_FAILED;
	pm->qfd = pm->km.fd = pm->dm.fd = -1;
	pm->bar.container_fd = pm->bar.group_fd = pm->bar.device_fd = -1;
	pm->owner = getpid();
	pm->cap = req->provider == PFNMAP_KMOD && req->shared ? req->level :
		  req->provider == PFNMAP_VFIO ? req->level : MMCONF_LEVEL_PTE;
	ret = pp_open(pm, why, whylen);
	if (!ret)
		ret = pp_map(pm, why, whylen);
	return ret;
}

void pfnmap_put(struct pfnmap *pm)
{
	bool owner = pm->owner == getpid();

	/* vfio-pci's unbind waits for every mapping of the device to go. */
	if (pm->addr != MAP_FAILED && owner)
		munmap(pm->addr, pm->req.len);
	pm->addr = MAP_FAILED;
	if (pm->km_open)
		pfnmap_kmod_close(&pm->km);
	if (pm->bar_open)
		vfio_bar_close(&pm->bar);
	if (pm->dm_open)
		devmem_bar_close(&pm->dm);
	if (pm->qfd >= 0)
		close(pm->qfd);
	pm->qfd = -1;
	pm->km_open = pm->bar_open = pm->dm_open = false;
}

unsigned int pfnmap_fit_level(const struct pfnmap *pm, uintptr_t vma_start,
			      uintptr_t vma_end, const void *addr)
{
	uintptr_t a = (uintptr_t)addr, block;
	unsigned int l;
	uint64_t size;

	for (l = pm->cap; l > MMCONF_LEVEL_PTE; l--) {
		size = pfnmap_level_size(l);
		block = a & ~(uintptr_t)(size - 1);
		if (block < vma_start || block + size > vma_end)
			continue;
		if ((pm->phys + (block - (uintptr_t)pm->addr)) % size)
			continue;
		return l;
	}
	return MMCONF_LEVEL_PTE;
}

uint64_t pfnmap_pfn(const struct pfnmap *pm, const void *addr)
{
	return (pm->phys + ((uintptr_t)addr - (uintptr_t)pm->addr)) / MM_PAGE;
}

static int pp_rw(struct pfnmap *pm, uint64_t off, void *buf, size_t len,
		 bool write)
{
	uint64_t at = pm->req.off + off;
	ssize_t n;

	switch (pm->req.provider) {
	case PFNMAP_VFIO:
		n = write ? vfio_bar_pwrite(&pm->bar, buf, len, at) :
			    vfio_bar_pread(&pm->bar, buf, len, at);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	case PFNMAP_DEVMEM:
		return write ? devmem_bar_write(&pm->dm, at, buf, len) :
			       devmem_bar_read(&pm->dm, at, buf, len);
	default:
		return write ? pfnmap_kmod_write(&pm->km, at, buf, len) :
			       pfnmap_kmod_read(&pm->km, at, buf, len);
	}
}

int pfnmap_read(struct pfnmap *pm, uint64_t off, void *buf, size_t len)
{
	return pp_rw(pm, off, buf, len, false);
}

int pfnmap_write(struct pfnmap *pm, uint64_t off, const void *buf,
		 size_t len)
{
	return pp_rw(pm, off, (void *)buf, len, true);
}

void pfnmap_fill_map(struct pfnmap *pm, uint64_t seed, const uint64_t *pages,
		     int n)
{
	pfnmap_kmod_fill_map(pm->addr, seed, pm->req.off / MM_PAGE, pages, n);
}

int64_t pfnmap_check_map(const struct pfnmap *pm, uint64_t seed,
			 const uint64_t *pages, int n)
{
	return pfnmap_kmod_check_map(pm->addr, seed, pm->req.off / MM_PAGE,
				     pages, n);
}

static uint64_t pp_page(const uint64_t *pages, int i)
{
	return pages ? pages[i] : (uint64_t)i;
}

int pfnmap_fill_path(struct pfnmap *pm, uint64_t seed, const uint64_t *pages,
		     int n)
{
	uint64_t buf[PP_PAGE_WORDS], page, rpage;
	int i, w, ret;

	for (i = 0; i < n; i++) {
		page = pp_page(pages, i);
		rpage = pm->req.off / MM_PAGE + page;
		memset(buf, 0, sizeof(buf));
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			buf[pfnmap_kmod_words[w]] = pfnmap_kmod_value(seed,
					rpage, pfnmap_kmod_words[w]);
		ret = pfnmap_write(pm, page * MM_PAGE, buf, sizeof(buf));
		if (ret)
			return ret;
	}
	return 0;
}

int64_t pfnmap_check_path(struct pfnmap *pm, uint64_t seed,
			  const uint64_t *pages, int n)
{
	uint64_t buf[PP_PAGE_WORDS], page, rpage;
	int i, w;

	for (i = 0; i < n; i++) {
		page = pp_page(pages, i);
		rpage = pm->req.off / MM_PAGE + page;
		if (pfnmap_read(pm, page * MM_PAGE, buf, sizeof(buf)))
			return page;
		for (w = 0; w < PFNMAP_KMOD_NR_WORDS; w++)
			if (buf[pfnmap_kmod_words[w]] != pfnmap_kmod_value(seed,
					rpage, pfnmap_kmod_words[w]))
				return page;
	}
	return -1;
}

int pfnmap_samples(const struct pfnmap *pm, uint64_t *out)
{
	return pfnmap_kmod_samples(pm->req.len / MM_PAGE, out);
}
