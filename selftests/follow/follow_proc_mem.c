// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/pid/mem and ptrace PEEKDATA/POKEDATA on pfnmaps, for every
 * provider and level (lib/pfnmap/pfnmap_provider.h), at the sample offsets of
 * lib/follow/follow_util.h.
 *
 * GUP refuses VM_IO/VM_PFNMAP VMAs (check_vma_flags()), so
 * __access_remote_vm() falls back to vm_ops->access: generic_access_phys()
 * for /dev/mem, the module's mmconf_access(), both built on
 * follow_pfnmap_start() (6.12+; follow_pte() before).  That must find the
 * pfn of the exact 4 KiB page inside a PTE, PMD or PUD leaf: a wrong mask
 * makes a debugger read another page, silently.  Where the VMA has no
 * ->access (vfio-pci in 6.12), or the entry is not present (->access does
 * not fault), the kernel copies nothing and mem_rw()/ptrace_access_vm()
 * report -EIO.  Whether ->access exists is probed (MMCONF_IOC_VMA_QUERY),
 * never keyed on the kernel version.
 *
 * A write needs a writable entry (generic_access_phys() checks
 * args.writable): a MAP_PRIVATE pfnmap's entries are read-only COW
 * entries, and nothing makes the copy for /proc/pid/mem, so the write is
 * refused with -EIO and nothing changes.  Once the process itself wrote a
 * page (COW), the entry maps an anonymous page in the pfnmap VMA, and
 * /proc/pid/mem must read and write that copy, never the pfns (fixture
 * proc_cow).
 *
 * Known kernel bug (selftests/expectations): generic_access_phys() does
 * not tell such a copy from the device pfns it was written for and
 * ioremap()s the anonymous page: "ioremap on RAM" WARNs and the access
 * fails (/dev/mem MAP_PRIVATE, proc_cow.devmem_pte_private).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "follow/follow_util.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)
/* A page no sample offset touches, outside every sampled 2 MiB block. */
#define UNTOUCHED	(3 * SZ_2M + 3 * SZ_4K)

FIXTURE(proc_mem) {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t offs[FOLLOW_MAX_OFFS];
	int n;
	bool access;		/* the VMA has vm_ops->access */
	char access_fn[64];
};

FIXTURE_VARIANT(proc_mem) {
	struct pfnmap_req req;
};

#define PM(_p, _l, _sh, _len)						\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _sh, .prot = RW, .off = 0, .len = _len }

FIXTURE_VARIANT_ADD(proc_mem, kmod_pte) { PM(PFNMAP_KMOD, PTE, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, kmod_pte_private) {
	PM(PFNMAP_KMOD, PTE, false, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, kmod_pmd) { PM(PFNMAP_KMOD, PMD, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, kmod_pud) { PM(PFNMAP_KMOD, PUD, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, prepare_pte) {
	PM(PFNMAP_PREPARE, PTE, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, prepare_pte_private) {
	PM(PFNMAP_PREPARE, PTE, false, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, vfio_pte) { PM(PFNMAP_VFIO, PTE, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, vfio_pmd) { PM(PFNMAP_VFIO, PMD, true, SZ_1G) };
/* 2 GiB: the 1 GiB + 4 MiB offset lies in the second PUD entry. */
FIXTURE_VARIANT_ADD(proc_mem, vfio_pud) {
	PM(PFNMAP_VFIO, PUD, true, 2 * SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, devmem_pte) {
	PM(PFNMAP_DEVMEM, PTE, true, SZ_1G) };
FIXTURE_VARIANT_ADD(proc_mem, devmem_pte_private) {
	PM(PFNMAP_DEVMEM, PTE, false, SZ_1G) };

FIXTURE_SETUP(proc_mem)
{
	self->got = false;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(proc_mem)
{
	if (self->got)
		pfnmap_put(&self->pm);
}

/*
 * Map, write the pages of every sample span through the second path,
 * fault them in through the mapping (unless UNFAULTED) and check their
 * entries; probe the VMA's ->access.  False after a SKIP.
 */
static bool pm_get(struct __test_metadata *_metadata,
		   FIXTURE_DATA(proc_mem) *self,
		   const FIXTURE_VARIANT(proc_mem) *variant)
{
	struct pfnmap *pm = &self->pm;
	struct mmconf_vma_query q;
	char why[512];
	int ret;

	if (!pfnmap_get_or_skip(_metadata, pm, &variant->req, &self->got))
		return false;
	self->n = follow_offsets(variant->req.len, self->offs);
	ASSERT_EQ(0, follow_fill(pm, self->seed, self->offs, self->n))
		TH_LOG("writing the patterns through %s", pm->path);
	follow_touch(pm, self->offs, self->n);
	ASSERT_EQ(0, follow_check_levels(pm, self->offs, self->n, why,
					 sizeof(why)))
		TH_LOG("%s", why);
	ret = follow_vma_query(pm, pm->addr, &q);
	ASSERT_EQ(0, ret) TH_LOG("MMCONF_IOC_VMA_QUERY: %s (the probe of "
				 "vm_ops->access needs the module)",
				 strerror(-ret));
	self->access = q.has_access;
	snprintf(self->access_fn, sizeof(self->access_fn), "%s",
		 q.has_access ? q.access : "none");
	TH_LOG("%s: vm_ops->access %s", pfnmap_provider_name(pm->req.provider),
	       self->access_fn);
	return true;
}

/*
 * The outcome one access of SPAN bytes at OFF must have: N bytes copied
 * and data matching, or -1/EIO.  RET, ERR: what the call returned.
 */
static void pm_expect_io(struct __test_metadata *_metadata, bool ok,
			 long ret, int err, long n, const char *what,
			 uint64_t off, const char *fn)
{
	if (ok) {
		EXPECT_EQ(n, ret) TH_LOG("%s at map+%#llx: %s (->access %s)",
					 what, (unsigned long long)off,
					 ret < 0 ? strerror(err) : "short",
					 fn);
	} else {
		EXPECT_EQ(-1, ret) TH_LOG("%s at map+%#llx copied %ld bytes, "
					  "yet ->access is %s", what,
					  (unsigned long long)off, ret, fn);
		EXPECT_EQ(EIO, err) TH_LOG("%s at map+%#llx: %s, want EIO",
					   what, (unsigned long long)off,
					   strerror(err));
	}
}

/* pread() of FD at every sample offset; data as the pattern and the map. */
static void pm_read_all(struct __test_metadata *_metadata,
			FIXTURE_DATA(proc_mem) *self, int fd, uint64_t seed,
			const char *what)
{
	unsigned char got[FOLLOW_SPAN], want[FOLLOW_SPAN];
	const char *p;
	ssize_t ret;
	int i;

	for (i = 0; i < self->n; i++) {
		p = self->pm.addr + self->offs[i];
		memset(got, 0, sizeof(got));
		ret = pread(fd, got, sizeof(got), (uintptr_t)p);
		pm_expect_io(_metadata, self->access, ret, errno, FOLLOW_SPAN,
			     what, self->offs[i], self->access_fn);
		if (ret != FOLLOW_SPAN)
			continue;
		follow_expect(&self->pm, seed, self->offs[i], want,
			      sizeof(want));
		EXPECT_EQ(0, memcmp(want, got, sizeof(got)))
			TH_LOG("%s at map+%#llx: not the page's pattern",
			       what, (unsigned long long)self->offs[i]);
		EXPECT_EQ(0, memcmp((const void *)p, got, sizeof(got)))
			TH_LOG("%s at map+%#llx differs from the mapping", what,
			       (unsigned long long)self->offs[i]);
	}
}

/*
 * After writes of SEED2's pattern at every sample span (WROTE: they were
 * accepted), the mapping and the second path show SEED2's bytes, or,
 * when refused, still SEED's.
 */
static void pm_check_written(struct __test_metadata *_metadata,
			     FIXTURE_DATA(proc_mem) *self, uint64_t seed,
			     uint64_t seed2, bool wrote, const char *what)
{
	unsigned char want[FOLLOW_SPAN];
	uint64_t off;
	int i;

	for (i = 0; i < self->n; i++) {
		off = self->offs[i];
		follow_expect(&self->pm, wrote ? seed2 : seed, off, want,
			      sizeof(want));
		EXPECT_EQ(0, memcmp(self->pm.addr + off, want, sizeof(want)))
			TH_LOG("after %s at map+%#llx the mapping shows %s",
			       what, (unsigned long long)off,
			       wrote ? "old data" : "a refused write");
		EXPECT_EQ(0, follow_path_equals(&self->pm, off, want,
						sizeof(want)))
			TH_LOG("after %s at map+%#llx %s shows %s", what,
			       (unsigned long long)off, self->pm.path,
			       wrote ? "old data" : "a refused write");
	}
}

/* pread() of /proc/self/mem at every sample offset of every level. */
TEST_F(proc_mem, self_read)
{
	int fd;

	if (!pm_get(_metadata, self, variant))
		return;
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open /proc/self/mem: %s", strerror(errno));
	pm_read_all(_metadata, self, fd, self->seed, "pread /proc/self/mem");
	close(fd);
}

/*
 * pwrite() of /proc/self/mem: lands in the pfns (mapping and second path
 * agree) when shared with ->access; refused with EIO, nothing changed,
 * when private (read-only COW entries) or without ->access.
 */
TEST_F(proc_mem, self_write)
{
	uint64_t seed2 = mm_mix(self->seed + 1);
	unsigned char buf[FOLLOW_SPAN];
	bool ok;
	ssize_t ret;
	int fd, i;

	if (!pm_get(_metadata, self, variant))
		return;
	ok = self->access && variant->req.shared;
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open /proc/self/mem: %s", strerror(errno));
	for (i = 0; i < self->n; i++) {
		follow_expect(&self->pm, seed2, self->offs[i], buf, sizeof(buf));
		ret = pwrite(fd, buf, sizeof(buf),
			     (uintptr_t)self->pm.addr + self->offs[i]);
		pm_expect_io(_metadata, ok, ret, errno, FOLLOW_SPAN,
			     "pwrite /proc/self/mem", self->offs[i],
			     self->access_fn);
	}
	close(fd);
	pm_check_written(_metadata, self, self->seed, seed2, ok,
			 "pwrite /proc/self/mem");
}

/*
 * ->access never faults: at a page no one touched, a lazily faulted
 * mapping has no entry, so the read fails with EIO and leaves it
 * unmapped; a mapping populated at mmap time reads its data.
 */
TEST_F(proc_mem, untouched_page)
{
	uint64_t off = UNTOUCHED;
	unsigned char got[FOLLOW_SPAN], want[FOLLOW_SPAN];
	int fd, before, after;
	ssize_t ret;

	if (!pm_get(_metadata, self, variant))
		return;
	ASSERT_EQ(0, follow_fill(&self->pm, self->seed, &off, 1));
	before = pfnmap_level(&self->pm, self->pm.addr + off);
	ASSERT_LE(0, before);
	fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = pread(fd, got, sizeof(got), (uintptr_t)self->pm.addr + off);
	pm_expect_io(_metadata, self->access && before != MMCONF_LEVEL_NONE,
		     ret, errno, FOLLOW_SPAN, "pread /proc/self/mem", off,
		     self->access_fn);
	close(fd);
	after = pfnmap_level(&self->pm, self->pm.addr + off);
	EXPECT_EQ(before, after) TH_LOG("/proc/self/mem changed the entry: "
					"%s before, %s after",
					pfnmap_level_name(before),
					pfnmap_level_name(after));
	if (ret == FOLLOW_SPAN) {
		follow_expect(&self->pm, self->seed, off, want, sizeof(want));
		EXPECT_EQ(0, memcmp(want, got, sizeof(got)));
	}
}

/*
 * A tracer (this process) and a forked tracee that inherited the mapping
 * (a pfnmap VMA's entries are copied at fork: vma_needs_copy()):
 * PEEKDATA and /proc/<child>/mem read the pattern at every offset,
 * POKEDATA lands in the pfns, so this process's mapping and the second
 * path see it, when shared with ->access; EIO otherwise.
 */
TEST_F(proc_mem, ptrace_peek_poke)
{
	uint64_t seed2 = mm_mix(self->seed + 2);
	unsigned char want[8];
	char path[64];
	uint64_t word;
	int status, fd, i;
	pid_t child;
	long ret;
	bool ok;

	if (!pm_get(_metadata, self, variant))
		return;
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		follow_touch(&self->pm, self->offs, self->n);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("tracee status %#x", status);

	snprintf(path, sizeof(path), "/proc/%d/mem", child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	if (fd >= 0) {
		pm_read_all(_metadata, self, fd, self->seed, "pread /proc/pid/mem");
		close(fd);
	}
	for (i = 0; i < self->n; i++) {
		errno = 0;
		ret = ptrace(PTRACE_PEEKDATA, child,
			     self->pm.addr + self->offs[i], NULL);
		follow_expect(&self->pm, self->seed, self->offs[i], want, 8);
		memcpy(&word, want, 8);
		if (self->access) {
			EXPECT_EQ((long)word, ret)
				TH_LOG("PEEKDATA at map+%#llx: %s",
				       (unsigned long long)self->offs[i],
				       errno ? strerror(errno) : "wrong data");
		} else {
			EXPECT_EQ(EIO, errno)
				TH_LOG("PEEKDATA at map+%#llx without ->access",
				       (unsigned long long)self->offs[i]);
		}
	}
	ok = self->access && variant->req.shared;
	for (i = 0; i < self->n; i++) {
		/* POKEDATA writes 8 bytes: the rest of the span stays seed's. */
		follow_expect(&self->pm, seed2, self->offs[i], want, 8);
		memcpy(&word, want, 8);
		errno = 0;
		ret = ptrace(PTRACE_POKEDATA, child,
			     self->pm.addr + self->offs[i], (void *)word);
		pm_expect_io(_metadata, ok, ret, errno, 0, "POKEDATA",
			     self->offs[i], self->access_fn);
		if (!ok)
			continue;
		EXPECT_EQ(0, memcmp(self->pm.addr + self->offs[i], want, 8))
			TH_LOG("POKEDATA at map+%#llx not in this process's "
			       "mapping", (unsigned long long)self->offs[i]);
		EXPECT_EQ(0, follow_path_equals(&self->pm, self->offs[i],
						want, 8))
			TH_LOG("POKEDATA at map+%#llx not in %s",
			       (unsigned long long)self->offs[i], self->pm.path);
	}
	if (!ok)
		pm_check_written(_metadata, self, self->seed, seed2, false,
				 "POKEDATA");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/* A proc_mem fixture, for the private variants only. */
FIXTURE(proc_cow) {
	FIXTURE_DATA(proc_mem) d;
};

FIXTURE_VARIANT(proc_cow) {
	FIXTURE_VARIANT(proc_mem) v;
};

FIXTURE_VARIANT_ADD(proc_cow, kmod_pte_private) {
	.v = { PM(PFNMAP_KMOD, PTE, false, SZ_1G) } };
FIXTURE_VARIANT_ADD(proc_cow, prepare_pte_private) {
	.v = { PM(PFNMAP_PREPARE, PTE, false, SZ_1G) } };
FIXTURE_VARIANT_ADD(proc_cow, devmem_pte_private) {
	.v = { PM(PFNMAP_DEVMEM, PTE, false, SZ_1G) } };

FIXTURE_SETUP(proc_cow)
{
	self->d.got = false;
	self->d.seed = mm_seed();
}

FIXTURE_TEARDOWN(proc_cow)
{
	if (self->d.got)
		pfnmap_put(&self->d.pm);
}

/*
 * Write SEED2's bytes through the private mapping at every sample span
 * (each page gets its COW copy), then /proc/self/mem reads the copies and
 * writes SEED3's bytes into them; the pfns keep SEED's data throughout.
 */
TEST_F(proc_cow, copy_read_write)
{
	FIXTURE_DATA(proc_mem) *st = &self->d;
	uint64_t seed2 = mm_mix(st->seed + 4), seed3 = mm_mix(st->seed + 5);
	unsigned char got[FOLLOW_SPAN], want[FOLLOW_SPAN];
	uint64_t off;
	ssize_t ret;
	int fd, i;

	if (!pm_get(_metadata, st, &variant->v))
		return;
	ASSERT_TRUE(st->access) TH_LOG("a private pfnmap without ->access");
	for (i = 0; i < st->n; i++) {
		follow_expect(&st->pm, seed2, st->offs[i], want, sizeof(want));
		memcpy(st->pm.addr + st->offs[i], want, sizeof(want));
	}
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open /proc/self/mem: %s", strerror(errno));
	for (i = 0; i < st->n; i++) {
		off = st->offs[i];
		follow_expect(&st->pm, seed2, off, want, sizeof(want));
		ret = pread(fd, got, sizeof(got), (uintptr_t)st->pm.addr + off);
		EXPECT_EQ(FOLLOW_SPAN, ret)
			TH_LOG("pread /proc/self/mem of the COW copy at "
			       "map+%#llx: %s", (unsigned long long)off,
			       ret < 0 ? strerror(errno) : "short");
		if (ret == FOLLOW_SPAN)
			EXPECT_EQ(0, memcmp(want, got, sizeof(got)))
				TH_LOG("map+%#llx: /proc/self/mem does not show "
				       "the COW copy", (unsigned long long)off);
		follow_expect(&st->pm, seed3, off, want, sizeof(want));
		ret = pwrite(fd, want, sizeof(want),
			     (uintptr_t)st->pm.addr + off);
		EXPECT_EQ(FOLLOW_SPAN, ret)
			TH_LOG("pwrite /proc/self/mem of the COW copy at "
			       "map+%#llx: %s", (unsigned long long)off,
			       ret < 0 ? strerror(errno) : "short");
		if (ret == FOLLOW_SPAN)
			EXPECT_EQ(0, memcmp(st->pm.addr + off, want,
					    sizeof(want)))
				TH_LOG("map+%#llx: the write missed the copy",
				       (unsigned long long)off);
		follow_expect(&st->pm, st->seed, off, want, sizeof(want));
		EXPECT_EQ(0, follow_path_equals(&st->pm, off, want,
						sizeof(want)))
			TH_LOG("map+%#llx: a private write reached the pfns",
			       (unsigned long long)off);
	}
	close(fd);
}

MM_HARNESS_MAIN
