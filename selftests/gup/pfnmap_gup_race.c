// SPDX-License-Identifier: GPL-2.0
/*
 * The races gup-fast exists for, on huge pfnmaps: for a few seconds one
 * thread pins the whole range (PIN_FAST_BENCHMARK, pin_user_pages_fast())
 * while another munmap()s and re-mmap()s the pfnmap at the same address
 * and refaults every entry, and a third forks (copy_huge_pmd() and
 * copy_huge_pud() copy the special entries into the child).
 *
 * gup-fast walks the page tables with interrupts off and no mmap lock,
 * so it can meet an entry that is being zapped or was just inserted; it
 * must still see the special bit (gup_fast_pmd_leaf()/gup_fast_pud_leaf()
 * read the entry once and refuse pmd_special()/pud_special()) and the
 * slow path must still refuse the VMA.  No pin may ever succeed, the
 * module's region pages keep their page_count() throughout (sampled
 * while the race runs) and after, and the kernel log stays clean (the
 * runner's gate).  The THP control runs the same race and must pin.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup/gup_bench.h"
#include "gup/gup_harness.h"
#include "mm_util.h"

#define RACE_SECS	3

FIXTURE(gup_race) {
	struct gup_target t;
	bool got;
	struct gup_pin g;
};

FIXTURE_VARIANT(gup_race) {
	struct gup_target_req req;
};

FIXTURE_VARIANT_ADD(gup_race, kmod_pmd) {
	GUP_PFN(PFNMAP_KMOD, PMD, true, 4 * SZ_2M) };
FIXTURE_VARIANT_ADD(gup_race, kmod_pud) {
	GUP_PFN(PFNMAP_KMOD, PUD, true, SZ_1G) };
FIXTURE_VARIANT_ADD(gup_race, vfio_pmd) {
	GUP_PFN(PFNMAP_VFIO, PMD, true, 4 * SZ_2M) };
FIXTURE_VARIANT_ADD(gup_race, vfio_pud) {
	GUP_PFN(PFNMAP_VFIO, PUD, true, SZ_1G) };
FIXTURE_VARIANT_ADD(gup_race, control_thp) { GUP_CONTROL(THP) };

FIXTURE_SETUP(gup_race)
{
	self->got = false;
	self->g.fd = -1;
}

FIXTURE_TEARDOWN(gup_race)
{
	gup_pin_close(&self->g);
	if (self->got)
		gup_target_put(&self->t);
}

struct race {
	struct gup_target *t;
	struct gup_pin *g;
	int fd, flags;		/* how to map the target again */
	uint64_t foff, step;	/* file offset; bytes per entry */
	atomic_bool go, stop;
	atomic_long pins, pinned, bad_bytes, pin_err;
	atomic_long remaps, remap_err, unmap_err, forks, fork_err;
};

/*
 * Every thread exists before any runs: a thread created later would get
 * its stack mmap()ed into the hole the remapper just made.
 */
static void race_wait_go(struct race *r)
{
	while (!atomic_load(&r->go))
		sched_yield();
}

static void *race_pinner(void *arg)
{
	struct race *r = arg;
	uint64_t done;
	long n = 0;
	int ret;

	race_wait_go(r);
	while (!atomic_load(&r->stop)) {
		/*
		 * A control pins for write only: a read pin of anonymous
		 * memory the remapper has not written yet maps the zero page,
		 * which gup takes no pin on, and gup_test's
		 * verify_dma_pinned() WARNs about it.
		 */
		ret = gup_bench_run(r->g, GUP_BENCH_PIN_FAST, r->t->addr,
				    r->t->len, !r->t->refused || (n++ & 1), 0,
				    0, &done);
		atomic_fetch_add(&r->pins, 1);
		if (ret)
			atomic_store(&r->pin_err, -ret);
		else if (r->t->refused && done)
			atomic_store(&r->bad_bytes, done);
		else if (done == r->t->len)
			atomic_fetch_add(&r->pinned, 1);
	}
	return NULL;
}

/* Unmap, map again at the same address, fault every entry in. */
static void *race_remapper(void *arg)
{
	struct race *r = arg;
	char *addr = r->t->addr, *p;
	uint64_t off;

	race_wait_go(r);
	while (!atomic_load(&r->stop)) {
		if (munmap(addr, r->t->len)) {
			atomic_store(&r->unmap_err, errno);
			break;
		}
		p = mmap(addr, r->t->len, PROT_READ | PROT_WRITE,
			 r->flags | MAP_FIXED_NOREPLACE, r->fd, r->foff);
		if (p != addr) {
			atomic_store(&r->remap_err, p == MAP_FAILED ? errno :
				     EADDRINUSE);
			if (p != MAP_FAILED)
				munmap(p, r->t->len);
			break;
		}
		if (!r->t->refused)
			madvise(addr, r->t->len, MADV_HUGEPAGE);
		for (off = 0; off < r->t->len; off += r->step)
			*(volatile char *)(addr + off) = addr[off];
		atomic_fetch_add(&r->remaps, 1);
	}
	return NULL;
}

static void *race_forker(void *arg)
{
	struct race *r = arg;
	pid_t pid;

	race_wait_go(r);
	while (!atomic_load(&r->stop)) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			atomic_store(&r->fork_err, errno);
		else
			atomic_fetch_add(&r->forks, 1);
	}
	return NULL;
}

static void race_setup(struct race *r, struct gup_target *t,
		       struct gup_pin *g)
{
	memset(r, 0, sizeof(*r));
	r->t = t;
	r->g = g;
	r->fd = -1;
	r->flags = MAP_PRIVATE | MAP_ANONYMOUS;
	r->step = SZ_2M;
	if (!t->refused)
		return;
	r->flags = MAP_SHARED;
	r->step = pfnmap_level_size(t->req.pfn.level);
	if (t->req.pfn.provider == PFNMAP_VFIO) {
		r->fd = t->pm.bar.device_fd;
		r->foff = t->pm.bar.region_offset + t->req.pfn.off;
	} else {
		r->fd = t->pm.km.fd;
		r->foff = t->req.pfn.off;
	}
}

TEST_F_TIMEOUT(gup_race, pin_remap_fork, 60)
{
	uint64_t watch[GUP_TARGET_MAX_WATCH];
	unsigned int base[GUP_TARGET_MAX_WATCH], now = 0;
	pthread_t th[3];
	struct timespec end, ts;
	int nwatch, changed = -1, i, ret;
	struct race r;
	char why[512];
	uintptr_t s;

	if (!gup_target_get_or_skip(_metadata, &self->t, &variant->req,
				    &self->got))
		return;
	if (!gup_pin_open_or_skip(_metadata, &self->g))
		return;
	nwatch = gup_target_watch(&self->t, watch);
	ret = gup_target_refs(&self->t, watch, nwatch, base);
	ASSERT_TRUE(!ret || ret == -EOPNOTSUPP)
		TH_LOG("MMCONF_IOC_PAGE_INFO: %s", strerror(-ret));
	race_setup(&r, &self->t, &self->g);

	ASSERT_EQ(0, pthread_create(&th[0], NULL, race_pinner, &r));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, race_remapper, &r));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, race_forker, &r));
	atomic_store(&r.go, true);
	/* Sample the region pages while pins are attempted. */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += RACE_SECS;
	do {
		if (changed < 0)
			changed = gup_target_refs_changed(&self->t, watch,
							  nwatch, base, &now);
		usleep(2000);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while (ts.tv_sec < end.tv_sec ||
		 (ts.tv_sec == end.tv_sec && ts.tv_nsec < end.tv_nsec));
	atomic_store(&r.stop, true);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	TH_LOG("%s: %ld pin calls (%ld pinned all), %ld remaps, %ld forks",
	       gup_target_name(&self->t), atomic_load(&r.pins),
	       atomic_load(&r.pinned), atomic_load(&r.remaps),
	       atomic_load(&r.forks));
	ASSERT_EQ(0, atomic_load(&r.unmap_err))
		TH_LOG("munmap: %s", strerror(atomic_load(&r.unmap_err)));
	ASSERT_EQ(0, atomic_load(&r.remap_err))
		TH_LOG("re-mmap at the same address: %s",
		       strerror(atomic_load(&r.remap_err)));
	ASSERT_EQ(0, atomic_load(&r.fork_err));
	ASSERT_EQ(0, atomic_load(&r.pin_err))
		TH_LOG("PIN_FAST_BENCHMARK: %s",
		       strerror(atomic_load(&r.pin_err)));
	EXPECT_LT(0, atomic_load(&r.remaps));
	EXPECT_LT(0, atomic_load(&r.forks));
	ASSERT_LE(-1, changed) TH_LOG("MMCONF_IOC_PAGE_INFO: %s",
				      strerror(-changed));
	EXPECT_EQ(-1, changed)
		TH_LOG("during the race the region page at mapping offset "
		       "%#llx had page_count %u, baseline %u",
		       (unsigned long long)watch[changed], now, base[changed]);
	if (self->t.refused) {
		EXPECT_EQ(0, atomic_load(&r.bad_bytes))
			TH_LOG("a pin of the pfnmap took %ld bytes",
			       atomic_load(&r.bad_bytes));
		changed = gup_target_refs_changed(&self->t, watch, nwatch,
						  base, &now);
		EXPECT_EQ(-1, changed) TH_LOG("after the race: page_count %u",
					      now);
		/* The mapping left behind is still the level asked for. */
		s = (uintptr_t)self->t.addr;
		pfnmap_touch(&self->t.pm, 0, self->t.len, s, s + self->t.len,
			     false);
		EXPECT_EQ(0, pfnmap_check_entries(&self->t.pm, 0, self->t.len,
						  s, s + self->t.len, 0, 0,
						  why, sizeof(why)))
			TH_LOG("after the race: %s", why);
	} else {
		EXPECT_LT(0, atomic_load(&r.pinned))
			TH_LOG("the control was never pinned whole");
	}
}

MM_HARNESS_MAIN
