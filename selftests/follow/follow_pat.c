// SPDX-License-Identifier: GPL-2.0
/*
 * x86 PAT and pfnmap entries: the cache bits (PWT/PCD/PAT) of every entry
 * the oracle returns (PTE, PMD, PUD) must select the memory type x86 PAT
 * tracks for that physical page (lib/follow/follow_pat.h), and the memtype
 * reservation of a remap_pfn_range() mapping must live exactly as long
 * as the mapping.
 *
 * Huge entries get their protection through the same track_pfn_insert()
 * / pfnmap_setup_cachemode() lookup as PTEs, from lookup_memtype() of
 * the entry's first pfn; the PAT bit moves from bit 7 to bit 12 in a
 * leaf PMD/PUD.  /dev/mem (mmap_mem(): remap_pfn_range() ->
 * track_pfn_remap() -> reserve_pfn_range()) asks for UC- when opened
 * O_SYNC and WB otherwise; if the range is already reserved, the mapping
 * takes the type already there when is_new_memtype_allowed() permits and
 * is refused (EAGAIN) when not, e.g. UC- asked over WB.  So a type that
 * differs from what the mapping asked for is checked too.
 *
 * The module's RAM takes a type other than WB when the module sets one
 * on its pages (set_memory_wc()/_uc(), kept in the page flags): every
 * entry inserted afterwards, PTE, PMD or PUD, must carry it (pat_ram).
 *
 * Partial munmap of a /dev/mem mapping is pfnmap_split's (a known 6.1 and
 * 6.12 bug there: "freeing invalid memtype").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "follow/follow_pat.h"
#include "follow/follow_util.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)

FIXTURE(pat) {
	struct pfnmap pm;
	bool got;
	struct follow_pat pat;
};

FIXTURE_VARIANT(pat) {
	struct pfnmap_req req;
};

#define PT(_p, _l, _sh, _off, _len)					\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = RW, .off = _off, .len = _len }

FIXTURE_VARIANT_ADD(pat, kmod_pte) { PT(PFNMAP_KMOD, PTE, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(pat, kmod_pmd) { PT(PFNMAP_KMOD, PMD, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(pat, kmod_pud) { PT(PFNMAP_KMOD, PUD, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(pat, vfio_pte) { PT(PFNMAP_VFIO, PTE, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(pat, vfio_pmd) { PT(PFNMAP_VFIO, PMD, true, 0, SZ_1G) };
FIXTURE_VARIANT_ADD(pat, vfio_pud) { PT(PFNMAP_VFIO, PUD, true, 0, 2 * SZ_1G) };
FIXTURE_VARIANT_ADD(pat, devmem_pte) {
	PT(PFNMAP_DEVMEM, PTE, true, 48 * SZ_2M, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(pat, devmem_pte_private) {
	PT(PFNMAP_DEVMEM, PTE, false, 56 * SZ_2M, 8 * SZ_2M) };

FIXTURE_SETUP(pat)
{
	self->got = false;
	follow_pat_config(&self->pat);
}

FIXTURE_TEARDOWN(pat)
{
	if (self->got)
		pfnmap_put(&self->pm);
}

/*
 * The entry at every sample page of [ADDR, ADDR + LEN) (a mapping of
 * physical PHYS) is present at level LEVEL (0: any) and its cache bits
 * select WANT, or, when WANT is NULL, the type PAT tracks for the page.
 */
static void pat_check_entries(struct __test_metadata *_metadata,
			      struct pfnmap *pm, const struct follow_pat *pat,
			      char *addr, uint64_t phys, uint64_t len,
			      bool ram, const char *want)
{
	uint64_t offs[FOLLOW_MAX_OFFS], entry;
	const char *got, *tracked;
	unsigned int level;
	int i, n, ret;

	n = follow_offsets(len, offs);
	for (i = 0; i < n; i++) {
		(void)*(volatile char *)(addr + offs[i]);
		ret = follow_raw_entry(pm, addr + offs[i], &entry, &level);
		ASSERT_EQ(0, ret) TH_LOG("page-table query: %s", strerror(-ret));
		ASSERT_NE(MMCONF_LEVEL_NONE, level);
		tracked = want;
		if (!tracked) {
			ret = follow_pat_tracked(phys + offs[i], ram, &tracked);
			ASSERT_EQ(0, ret) TH_LOG("%s: %s", DEVMEM_PAT_LIST,
						 strerror(-ret));
		}
		got = follow_pat_entry_type(pat, entry, level);
		EXPECT_STREQ(tracked, got)
			TH_LOG("map+%#llx (phys %#llx): %s entry %#llx selects "
			       "%s, PAT tracks %s (PAT layout %s)",
			       (unsigned long long)offs[i],
			       (unsigned long long)(phys + offs[i]),
			       pfnmap_level_name(level),
			       (unsigned long long)entry, got, tracked,
			       pat->from_log ? "from the boot log" :
			       "assumed: pat_bp_init()'s");
	}
}

/*
 * Every provider and level: the cache bits of every sampled entry select
 * the type PAT tracks for its page (the module's RAM WB; a BAR the type
 * of its reservation, UC- for vfio's ioremap and /dev/mem O_SYNC).
 */
TEST_F(pat, entry_cache_bits)
{
	struct pfnmap *pm = &self->pm;
	uint64_t offs[FOLLOW_MAX_OFFS];
	char why[512];
	int n;

	if (!pfnmap_get_or_skip(_metadata, pm, &variant->req, &self->got))
		return;
	n = follow_offsets(variant->req.len, offs);
	/* vfio: the pwrite() path ioremaps the BAR, reserving its memtype. */
	ASSERT_EQ(0, follow_fill(pm, mm_seed(), offs, n));
	follow_touch(pm, offs, n);
	ASSERT_EQ(0, follow_check_levels(pm, offs, n, why, sizeof(why)))
		TH_LOG("%s", why);
	pat_check_entries(_metadata, pm, &self->pat, pm->addr, pm->phys,
			  variant->req.len, variant->req.provider == PFNMAP_KMOD,
			  NULL);
}

/*
 * The module's RAM with types of its own, set before any entry exists:
 * mapping 2 MiB blocks alternate WC, UC-, WB (a PUD mapping, one entry,
 * is WC all through: a huge entry takes its first pfn's type).
 */
FIXTURE(pat_ram) {
	struct pfnmap pm;
	bool got;
	struct follow_pat pat;
	int fd;			/* the module, for MMCONF_IOC_SET_MEMTYPE */
	bool typed;
};

FIXTURE_VARIANT(pat_ram) {
	struct pfnmap_req req;
};

FIXTURE_VARIANT_ADD(pat_ram, kmod_pte) {
	PT(PFNMAP_KMOD, PTE, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(pat_ram, kmod_pmd) {
	PT(PFNMAP_KMOD, PMD, true, 0, 8 * SZ_2M) };
FIXTURE_VARIANT_ADD(pat_ram, kmod_pud) {
	PT(PFNMAP_KMOD, PUD, true, 0, SZ_1G) };

FIXTURE_SETUP(pat_ram)
{
	self->got = self->typed = false;
	self->fd = -1;
	follow_pat_config(&self->pat);
}

/* Unmapped first: no WC entry may outlive its pages' return to WB. */
FIXTURE_TEARDOWN(pat_ram)
{
	if (self->got)
		pfnmap_put(&self->pm);
	if (self->typed && follow_pat_set_ram(self->fd, variant->req.off,
					      variant->req.len,
					      MMCONF_MEMTYPE_WB))
		TH_LOG("could not set the module's region back to WB");
	if (self->fd >= 0)
		close(self->fd);
}

static const char *const pr_names[] = {
	[MMCONF_MEMTYPE_WB] = "WB", [MMCONF_MEMTYPE_WC] = "WC",
	[MMCONF_MEMTYPE_UC_MINUS] = "UC-",
};

/* The type given to mapping block (2 MiB) B: WC, UC-, WB, WC, ... */
static unsigned int pr_type(uint64_t len, uint64_t b)
{
	static const unsigned int cycle[] = {
		MMCONF_MEMTYPE_WC, MMCONF_MEMTYPE_UC_MINUS, MMCONF_MEMTYPE_WB,
	};

	return len >= SZ_1G ? MMCONF_MEMTYPE_WC : cycle[b % 3];
}

TEST_F(pat_ram, entry_cache_bits)
{
	uint64_t offs[FOLLOW_MAX_OFFS], len = variant->req.len, b, entry;
	struct pfnmap *pm = &self->pm;
	unsigned int level, t;
	const char *got;
	char why[512];
	int i, n, ret;

	if (!pfnmap_get_or_skip(_metadata, pm, &variant->req, &self->got))
		return;
	self->fd = open(MMCONF_PFNMAP_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->typed = true;
	for (b = 0; b < len / SZ_2M; b++) {
		ret = follow_pat_set_ram(self->fd, variant->req.off + b * SZ_2M,
					 SZ_2M, pr_type(len, b));
		ASSERT_EQ(0, ret) TH_LOG("MMCONF_IOC_SET_MEMTYPE %s: %s",
					 pr_names[pr_type(len, b)],
					 strerror(-ret));
	}
	n = follow_offsets(len, offs);
	follow_touch(pm, offs, n);
	ASSERT_EQ(0, follow_check_levels(pm, offs, n, why, sizeof(why)))
		TH_LOG("%s", why);
	for (i = 0; i < n; i++) {
		ret = follow_raw_entry(pm, pm->addr + offs[i], &entry, &level);
		ASSERT_EQ(0, ret);
		t = pr_type(len, offs[i] / SZ_2M);
		got = follow_pat_entry_type(&self->pat, entry, level);
		EXPECT_STREQ(pr_names[t], got)
			TH_LOG("map+%#llx: %s entry %#llx selects %s, the page "
			       "is %s", (unsigned long long)offs[i],
			       pfnmap_level_name(level),
			       (unsigned long long)entry, got, pr_names[t]);
	}
}

FIXTURE(pat_devmem) {
	struct pfnmap pm;
	bool got;
	struct follow_pat pat;
	int plain_fd;
};

FIXTURE_SETUP(pat_devmem)
{
	self->got = false;
	self->plain_fd = -1;
	follow_pat_config(&self->pat);
}

FIXTURE_TEARDOWN(pat_devmem)
{
	if (self->got)
		pfnmap_put(&self->pm);
	if (self->plain_fd >= 0)
		close(self->plain_fd);
}

/* A 16 MiB /dev/mem (O_SYNC) mapping at BAR offset OFF; /dev/mem plain. */
static bool pd_get(struct __test_metadata *_metadata,
		   FIXTURE_DATA(pat_devmem) *self, uint64_t off)
{
	struct pfnmap_req req = {
		.provider = PFNMAP_DEVMEM, .level = MMCONF_LEVEL_PTE,
		.shared = true, .prot = RW, .off = off, .len = 8 * SZ_2M,
	};

	if (!pfnmap_get_or_skip(_metadata, &self->pm, &req, &self->got))
		return false;
	self->plain_fd = open(DEVMEM_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->plain_fd) TH_LOG("open %s: %s", DEVMEM_PATH,
					    strerror(errno));
	return true;
}

/*
 * BAR offsets of the pat_devmem cases: 512 MiB in, where no other
 * program's /dev/mem mapping lies.  On kernels with the PAT split leak
 * (pfnmap_split, pfnmap_fork_vma's dontfork_part: a memtype left behind
 * for the boot) a shared offset would find that leftover next to its own
 * reservation.
 */
#define PD_OFF		(256 * SZ_2M)

/* The list's type over [phys, phys + len), short name; NULL if none. */
static const char *pd_listed(struct __test_metadata *_metadata,
			     uint64_t phys, uint64_t len, uint64_t *s,
			     uint64_t *e)
{
	char cattr[64];
	int ret;

	ret = devmem_pat_lookup(phys, phys + len, cattr, sizeof(cattr), s, e);
	EXPECT_LE(0, ret) TH_LOG("%s: %s", DEVMEM_PAT_LIST, strerror(-ret));
	return ret == 1 ? follow_pat_short(cattr) : NULL;
}

/*
 * A plain (WB-asking) /dev/mem mapping of a range an O_SYNC one holds
 * as UC- gets UC-: its entries select the tracked type, not the one asked.
 */
TEST_F(pat_devmem, plain_over_uc_minus)
{
	struct pfnmap *pm = &self->pm;
	uint64_t s = 0, e = 0;
	const char *listed;
	char *p2;

	if (!pd_get(_metadata, self, PD_OFF))
		return;
	listed = pd_listed(_metadata, pm->phys, pm->req.len, &s, &e);
	ASSERT_STREQ("UC-", listed ?: "none");
	EXPECT_EQ(pm->phys, s);
	EXPECT_EQ(pm->phys + pm->req.len, e);
	p2 = mmap(NULL, pm->req.len, RW, MAP_SHARED, self->plain_fd, pm->phys);
	ASSERT_NE(MAP_FAILED, p2) TH_LOG("plain /dev/mem mapping over a UC- "
					 "reservation: %s", strerror(errno));
	pat_check_entries(_metadata, pm, &self->pat, p2, pm->phys,
			  pm->req.len, false, "UC-");
	pat_check_entries(_metadata, pm, &self->pat, pm->addr, pm->phys,
			  pm->req.len, false, "UC-");
	munmap(p2, pm->req.len);
	listed = pd_listed(_metadata, pm->phys, pm->req.len, NULL, NULL);
	EXPECT_STREQ("UC-", listed ?: "none")
		TH_LOG("the O_SYNC mapping's reservation went with the other");
	pfnmap_put(pm);
	self->got = false;
	EXPECT_EQ(NULL, pd_listed(_metadata, s, e - s, NULL, NULL))
		TH_LOG("a memtype is left after both mappings are gone");
}

/*
 * The reverse: a plain mapping first reserves the type the MTRRs allow
 * for a WB request (pat_x_mtrr_type(): WB, or UC- where the MTRRs say
 * otherwise); its entries select that type; an O_SYNC (UC-) mapping over
 * a WB reservation is refused (is_new_memtype_allowed()), over UC- it
 * is accepted with UC-.
 */
TEST_F(pat_devmem, uc_minus_over_plain)
{
	uint64_t phys, len = 8 * SZ_2M;
	const char *listed;
	char *p1, *p2;
	int sync_fd;

	if (!pd_get(_metadata, self, PD_OFF + 8 * SZ_2M))
		return;
	/* Use pages next to the provider's, which it does not map. */
	phys = self->pm.phys + len;
	p1 = mmap(NULL, len, RW, MAP_SHARED, self->plain_fd, phys);
	ASSERT_NE(MAP_FAILED, p1) TH_LOG("plain /dev/mem: %s", strerror(errno));
	listed = pd_listed(_metadata, phys, len, NULL, NULL);
	ASSERT_NE(NULL, listed) TH_LOG("no memtype for a mapped /dev/mem range");
	TH_LOG("a WB request for the BAR reserved %s", listed);
	pat_check_entries(_metadata, &self->pm, &self->pat, p1, phys, len,
			  false, listed);
	sync_fd = open(DEVMEM_PATH, O_RDWR | O_SYNC | O_CLOEXEC);
	ASSERT_LE(0, sync_fd);
	p2 = mmap(NULL, len, RW, MAP_SHARED, sync_fd, phys);
	if (!strcmp(listed, "WB")) {
		EXPECT_EQ(MAP_FAILED, p2)
			TH_LOG("UC- mapping accepted over a WB reservation");
		EXPECT_EQ(EAGAIN, errno);
	} else {
		ASSERT_NE(MAP_FAILED, p2) TH_LOG("%s", strerror(errno));
		pat_check_entries(_metadata, &self->pm, &self->pat, p2, phys,
				  len, false, listed);
	}
	if (p2 != MAP_FAILED)
		munmap(p2, len);
	close(sync_fd);
	munmap(p1, len);
	EXPECT_EQ(NULL, pd_listed(_metadata, phys, len, NULL, NULL))
		TH_LOG("a memtype is left after the mappings are gone");
}

/*
 * The reservation is the mapping's: there from mmap on, exactly its
 * range; a forked child that inherits and drops it (exit) leaves it; it
 * follows the VMA through mremap() (same pfns, same range); munmap()
 * frees it.
 */
TEST_F(pat_devmem, lifecycle)
{
	struct pfnmap *pm = &self->pm;
	uint64_t s = 0, e = 0, len;
	const char *listed;
	int status;
	pid_t child;
	char *moved;

	if (!pd_get(_metadata, self, PD_OFF + 24 * SZ_2M))
		return;
	len = pm->req.len;
	listed = pd_listed(_metadata, pm->phys, len, &s, &e);
	ASSERT_STREQ("UC-", listed ?: "none");
	EXPECT_EQ(pm->phys, s);
	EXPECT_EQ(pm->phys + len, e);

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		(void)*(volatile char *)pm->addr;
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_STREQ("UC-", pd_listed(_metadata, pm->phys, len, NULL, NULL)
			    ?: "none")
		TH_LOG("the child's exit freed the parent's memtype");

	moved = mm_mmap_at(-1, 0, len, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, SZ_2M, 0);
	ASSERT_NE(MAP_FAILED, moved);
	moved = mremap(pm->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
		       moved);
	ASSERT_NE(MAP_FAILED, moved) TH_LOG("mremap: %s", strerror(errno));
	pm->addr = moved;
	listed = pd_listed(_metadata, pm->phys, len, &s, &e);
	EXPECT_STREQ("UC-", listed ?: "none") TH_LOG("memtype lost by mremap");
	EXPECT_EQ(pm->phys, s);
	EXPECT_EQ(pm->phys + len, e);
	pat_check_entries(_metadata, pm, &self->pat, moved, pm->phys, len,
			  false, "UC-");

	ASSERT_EQ(0, munmap(moved, len));
	pm->addr = MAP_FAILED;
	EXPECT_EQ(NULL, pd_listed(_metadata, pm->phys, len, NULL, NULL))
		TH_LOG("memtype left after munmap");
}

MM_HARNESS_MAIN
