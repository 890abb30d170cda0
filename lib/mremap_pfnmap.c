// SPDX-License-Identifier: GPL-2.0
/* pfnmap providers for the mremap tests; see mremap_pfnmap.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "kconfig.h"
#include "mremap_pfnmap.h"
#include "ptdump.h"

static const char *const mpf_claims[MMCONF_NR_LEVELS] = {
	[MMCONF_LEVEL_PMD] = "CONFIG_ARCH_SUPPORTS_PMD_PFNMAP",
	[MMCONF_LEVEL_PUD] = "CONFIG_ARCH_SUPPORTS_PUD_PFNMAP",
};

const char *mpf_name(enum mpf_provider provider)
{
	return provider == MPF_KMOD ? "mmconf_pfnmap module" : "vfio BAR";
}

/* Does the kernel claim huge pfnmaps at @level?  0 yes, else MPF_SKIP. */
static int mpf_kernel_claims(unsigned int level, char *why, size_t whylen)
{
	const char *sym = mpf_claims[level];
	int ret;

	if (!sym)
		return 0;
	ret = kconfig_value(sym, NULL, 0);
	if (ret > 0)
		return 0;
	if (ret < 0)
		snprintf(why, whylen, "cannot read /proc/config.gz (%s): "
			 "unknown whether the kernel claims %s", strerror(-ret),
			 sym);
	else
		snprintf(why, whylen, "%s not set: the kernel does not claim "
			 "%s-level pfnmaps", sym,
			 pfnmap_kmod_level_name(level));
	return MPF_SKIP;
}

static int mpf_open_kmod(struct mpf *p, uint64_t min_size, char *why,
			 size_t whylen)
{
	static const unsigned int feat[MMCONF_NR_LEVELS] = {
		[MMCONF_LEVEL_PMD] = MMCONF_FEAT_HUGE_PMD,
		[MMCONF_LEVEL_PUD] = MMCONF_FEAT_HUGE_PUD,
	};
	uint64_t align = pfnmap_kmod_level_size(p->level);
	int ret;

	ret = pfnmap_kmod_open(&p->km, MMCONF_PFNMAP_DEV, why, whylen);
	if (ret)
		return ret == PFNMAP_KMOD_SKIP ? MPF_SKIP : ret;
	p->open = true;
	if ((p->km.info.features & feat[p->level]) != feat[p->level]) {
		snprintf(why, whylen, "this build of %s cannot insert %s "
			 "entries (features 0x%x)", MMCONF_PFNMAP_MODULE,
			 pfnmap_kmod_level_name(p->level),
			 p->km.info.features);
		return MPF_SKIP;
	}
	if (!pfnmap_kmod_region_fits(&p->km, 0, min_size, align, why, whylen))
		return MPF_SKIP;
	p->size = p->km.info.region_size;
	return pfnmap_kmod_set_max_level(&p->km, p->level);
}

static int mpf_open_vfio(struct mpf *p, uint64_t min_size, char *why,
			 size_t whylen)
{
	struct ptdump pd;
	int ret;

	ret = ptdump_read(&pd, why, whylen);
	if (ret && ret != -EINVAL)
		return MPF_SKIP;
	if (ret)
		return ret;
	ptdump_free(&pd);
	ret = vfio_bar_open(&p->bar, min_size, why, whylen);
	if (ret)
		return ret == VFIO_BAR_SKIP ? MPF_SKIP : ret;
	p->open = true;
	p->size = p->bar.size;
	return 0;
}

int mpf_open(struct mpf *p, enum mpf_provider provider, unsigned int level,
	     uint64_t min_size, char *why, size_t whylen)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->km.fd = p->bar.container_fd = p->bar.group_fd = -1;
	p->bar.device_fd = -1;
	p->provider = provider;
	p->level = level;
	ret = mpf_kernel_claims(level, why, whylen);
	if (ret)
		return ret;
	ret = provider == MPF_KMOD ? mpf_open_kmod(p, min_size, why, whylen) :
				     mpf_open_vfio(p, min_size, why, whylen);
	if (ret)
		mpf_close(p);
	return ret;
}

void mpf_close(struct mpf *p)
{
	if (!p->open)
		return;
	if (p->provider == MPF_KMOD)
		pfnmap_kmod_close(&p->km);
	else
		vfio_bar_close(&p->bar);
	p->open = false;
}

void *mpf_map(struct mpf *p, size_t len, size_t align, size_t skew)
{
	void *map;

	if (p->provider == MPF_KMOD)
		return pfnmap_kmod_map(&p->km, 0, len, PROT_READ | PROT_WRITE,
				       MAP_SHARED, align, skew);
	map = vfio_bar_map(&p->bar, 0, len, align, skew);
	/* vfio maps as large as the address allows; THP off means PTEs. */
	if (map != MAP_FAILED && p->level == MMCONF_LEVEL_PTE &&
	    madvise(map, len, MADV_NOHUGEPAGE)) {
		munmap(map, len);
		return MAP_FAILED;
	}
	return map;
}

int mpf_level(struct mpf *p, const void *addr)
{
	struct mmconf_pt_query q;
	int ret;

	if (p->provider == MPF_KMOD) {
		ret = pfnmap_kmod_query(&p->km, addr, &q);
		if (ret)
			return ret;
		return q.flags & MMCONF_PT_PRESENT ? (int)q.level :
						     MMCONF_LEVEL_NONE;
	}
	ret = ptdump_level((uintptr_t)addr);
	switch (ret) {
	case PTDUMP_PUD:
		return MMCONF_LEVEL_PUD;
	case PTDUMP_PMD:
		return MMCONF_LEVEL_PMD;
	case PTDUMP_PTE:
		return MMCONF_LEVEL_PTE;
	case -EFAULT:
		return MMCONF_LEVEL_NONE;
	default:
		return ret < 0 ? ret : -EPROTO;
	}
}

int mpf_read(struct mpf *p, uint64_t off, void *buf, size_t len)
{
	ssize_t n;

	if (p->provider == MPF_KMOD)
		return pfnmap_kmod_read(&p->km, off, buf, len);
	n = vfio_bar_pread(&p->bar, buf, len, off);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
