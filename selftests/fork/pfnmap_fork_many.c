// SPDX-License-Identifier: GPL-2.0
/*
 * fork() of a process holding several pfnmaps at once (module PMD and
 * PUD, a vfio BAR, /dev/mem shared and private), many times over:
 *
 *   many_children  200 children, alive together, each check a sample of
 *                  every mapping (level, pfn, special, write, data) and
 *                  exit in a random order: afterwards the x86 PAT memtype
 *                  list is back to what it was (track_pfn_copy() reserved
 *                  the /dev/mem range once per child, untrack_pfn() must
 *                  free each once), the module pages' refcounts are as
 *                  before (pfnmaps take no references), and the parent's
 *                  mappings are intact
 *   fail_nth       fault injection (/proc/thread-self/fail-nth, failslab
 *                  and fail_page_alloc) fails the Nth allocation of one
 *                  fork() for N = 1, 2, ... until one reaches none: the
 *                  failures land in dup_mmap() (vm_area_dup(), the PAT
 *                  duplication), copy_page_range() (pud/pmd/pte tables,
 *                  copy_huge_pud()) and the unwinding after them; every
 *                  fork either fails with an error or gives a child that
 *                  sees the mappings, and every time the parent's
 *                  mappings keep their levels and data and the memtype
 *                  list is unchanged
 *
 * The "pte" variant keeps to PTEs, so it runs where huge pfnmaps do not
 * (6.1).  The runner checks the kernel log for complaints after each.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pfnmap/devmem.h"
#include "fork/fork_harness.h"
#include "fork/fork.h"
#include "kconfig.h"
#include "mm_util.h"

#define MANY_MAPS	5
#define MANY_CHILDREN	200
#define MANY_MSG	256
#define MANY_MAX_NTH	5000
#define MANY_NKNOBS	6

struct many_map {
	struct pfnmap pm;
	bool got;
	uint64_t seed;
	uint64_t samples[PFNMAP_KMOD_MAX_SAMPLES];
	int n;
	unsigned int ref[PFNMAP_KMOD_MAX_SAMPLES];
};

FIXTURE(fork_many) {
	struct many_map map[MANY_MAPS];
	pid_t pid[MANY_CHILDREN];
	char *msg;		/* MANY_CHILDREN x MANY_MSG, shared */
	char *pat0;
	char knobs[MANY_NKNOBS][32];	/* fault-injection settings to restore */
	bool knobs_saved;
};

FIXTURE_VARIANT(fork_many) {
	struct pfnmap_req req[MANY_MAPS];
};

/*
 * vfio first: it binds the smallest BAR that fits, and /dev/mem then
 * takes one that no driver holds (the other ivshmem BAR).
 */
FIXTURE_VARIANT_ADD(fork_many, huge) {
	.req = {
		FORK_PFNMAP_REQ(PFNMAP_VFIO, PUD, true, 0, SZ_1G),
		FORK_PFNMAP_REQ(PFNMAP_KMOD, PMD, true, 0, 8 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_KMOD, PUD, true, 0, SZ_1G),
		FORK_PFNMAP_REQ(PFNMAP_DEVMEM, PTE, true, 72 * SZ_2M,
				2 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_DEVMEM, PTE, false, 76 * SZ_2M,
				2 * SZ_2M),
	},
};

FIXTURE_VARIANT_ADD(fork_many, pte) {
	.req = {
		FORK_PFNMAP_REQ(PFNMAP_VFIO, PTE, true, 0, 2 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_KMOD, PTE, true, 0, 2 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_KMOD, PTE, false, 4 * SZ_2M,
				2 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_DEVMEM, PTE, true, 72 * SZ_2M,
				2 * SZ_2M),
		FORK_PFNMAP_REQ(PFNMAP_DEVMEM, PTE, false, 76 * SZ_2M,
				2 * SZ_2M),
	},
};

/* Fault-injection knobs fail_nth sets (and restores), and their values. */
static const char *const many_knob[MANY_NKNOBS][2] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N" },
};

FIXTURE_SETUP(fork_many)
{
	uint64_t seed;
	int i;

	memset(self->map, 0, sizeof(self->map));
	memset(self->pid, 0, sizeof(self->pid));
	self->pat0 = NULL;
	self->knobs_saved = false;
	self->msg = mmap(NULL, MANY_CHILDREN * MANY_MSG, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->msg);
	/*
	 * One seed for all: a pattern is keyed by the page's index in its
	 * pfn range, so the module's PMD and PUD mappings, which share
	 * pages, agree on them.
	 */
	seed = mm_seed();
	for (i = 0; i < MANY_MAPS; i++)
		self->map[i].seed = seed;
}

FIXTURE_TEARDOWN(fork_many)
{
	int i;

	for (i = 0; i < MANY_CHILDREN; i++)
		if (self->pid[i] > 0) {
			kill(self->pid[i], SIGKILL);
			waitpid(self->pid[i], NULL, 0);
		}
	if (self->knobs_saved)
		for (i = 0; i < MANY_NKNOBS; i++)
			mm_write_str(many_knob[i][0], self->knobs[i]);
	for (i = MANY_MAPS - 1; i >= 0; i--)
		if (self->map[i].got)
			pfnmap_put(&self->map[i].pm);
	free(self->pat0);
	if (self->msg != MAP_FAILED)
		munmap(self->msg, MANY_CHILDREN * MANY_MSG);
}

/* Map and check every mapping; record refcounts and memtypes. */
static bool many_prepare(struct __test_metadata *_metadata,
			 FIXTURE_DATA(fork_many) *self,
			 const FIXTURE_VARIANT(fork_many) *variant)
{
	struct many_map *m;
	int i, j, ret;

	for (i = 0; i < MANY_MAPS; i++) {
		m = &self->map[i];
		if (!fork_pfnmap_prepare(_metadata, &m->pm, &variant->req[i],
					 &m->got, m->seed, m->samples, &m->n))
			return false;
		for (j = 0; j < m->n && m->pm.km_open; j++)
			ASSERT_EQ(0, pfnmap_kmod_refcount(&m->pm.km,
					m->pm.req.off + m->samples[j] * SZ_4K,
					&m->ref[j]));
	}
	ret = fork_read_all(DEVMEM_PAT_LIST, &self->pat0);
	if (ret)
		TH_LOG("memtypes not checked: %s: %s", DEVMEM_PAT_LIST,
		       strerror(-ret));
	return true;
}

/*
 * The sample pages of M: at the level that fits, present, special,
 * writable iff shared, the expected pfn, holding M's data.  WRITE: also
 * write each sample's first word and put it back.  0 or -1 with WHY.
 */
static int many_check_map(struct many_map *m, bool write, char *why,
			  size_t len)
{
	struct pfnmap *pm = &m->pm;
	uintptr_t s = (uintptr_t)pm->addr, e = s + pm->req.len;
	struct pfnmap_entry ent[PFNMAP_KMOD_MAX_SAMPLES];
	const void *a[PFNMAP_KMOD_MAX_SAMPLES];
	unsigned int want = fork_pfnmap_want(pm), mask, level;
	volatile uint64_t *w;
	char got[192];
	int i, ret;
	int64_t bad;

	for (i = 0; i < m->n; i++)
		a[i] = pm->addr + m->samples[i] * SZ_4K;
	ret = pfnmap_query(pm, a, m->n, ent);
	if (ret) {
		snprintf(why, len, "page-table query: %s", strerror(-ret));
		return -1;
	}
	for (i = 0; i < m->n; i++) {
		level = pfnmap_fit_level(pm, s, e, a[i]);
		mask = ent[i].known & FORK_PT_MASK;
		if (ent[i].level == level && (ent[i].flags & mask) ==
		    (want & mask) && (!ent[i].pfn_known ||
		    ent[i].pfn == pfnmap_pfn(pm, a[i])))
			continue;
		pfnmap_describe(&ent[i], got, sizeof(got));
		snprintf(why, len, "%s %s map+%#llx is %s; want %s",
			 pfnmap_provider_name(pm->req.provider),
			 pfnmap_level_name(pm->req.level),
			 (unsigned long long)m->samples[i] * SZ_4K, got,
			 pfnmap_level_name(level));
		return -1;
	}
	bad = pfnmap_check_map(pm, m->seed, m->samples, m->n);
	if (bad >= 0) {
		snprintf(why, len, "%s %s page %lld lost its data",
			 pfnmap_provider_name(pm->req.provider),
			 pfnmap_level_name(pm->req.level), (long long)bad);
		return -1;
	}
	for (i = 0; write && pm->req.shared && i < m->n; i++) {
		w = (volatile uint64_t *)a[i];
		*w = ~*w;
		*w = ~*w;
	}
	return 0;
}

static int many_check_all(FIXTURE_DATA(fork_many) *self, bool write,
			  char *why, size_t len)
{
	int i;

	for (i = 0; i < MANY_MAPS; i++)
		if (many_check_map(&self->map[i], write, why, len))
			return -1;
	return 0;
}

/* After the children: refcounts, memtypes, the parent's mappings. */
static void many_check_after(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fork_many) *self, const char *after)
{
	char why[512], *pat1 = NULL;
	struct many_map *m;
	unsigned int ref;
	int i, j;

	EXPECT_EQ(0, many_check_all(self, true, why, sizeof(why)))
		TH_LOG("the parent after %s: %s", after, why);
	for (i = 0; i < MANY_MAPS; i++) {
		m = &self->map[i];
		for (j = 0; j < m->n && m->pm.km_open; j++) {
			ASSERT_EQ(0, pfnmap_kmod_refcount(&m->pm.km,
					m->pm.req.off + m->samples[j] * SZ_4K,
					&ref));
			EXPECT_EQ(m->ref[j], ref)
				TH_LOG("module page %llu: refcount %u before, "
				       "%u after %s", (unsigned long long)
				       m->samples[j], m->ref[j], ref, after);
		}
	}
	if (!self->pat0)
		return;
	ASSERT_EQ(0, fork_read_all(DEVMEM_PAT_LIST, &pat1));
	EXPECT_FALSE(fork_text_differs(self->pat0, pat1, why, sizeof(why)))
		TH_LOG("%s is not back to its baseline after %s: %s",
		       DEVMEM_PAT_LIST, after, why);
	free(pat1);
}

/*
 * The child: check, say it is ready (a byte on READY), wait for SIGUSR1,
 * which the parent sends the children one at a time in a random order.
 */
static void many_child(FIXTURE_DATA(fork_many) *self, int idx, int ready)
{
	char *msg = self->msg + idx * MANY_MSG, c = 0;
	sigset_t set;
	int sig, ret;

	ret = many_check_all(self, false, msg, MANY_MSG);
	if (write(ready, &c, 1) != 1)
		_exit(2);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigwait(&set, &sig);
	_exit(ret ? 1 : 0);
}

TEST_F_TIMEOUT(fork_many, many_children, 110)
{
	int ready[2], i, j, status, nfail = 0;
	sigset_t set, old;
	uint64_t r;
	pid_t t;
	char c;

	if (!many_prepare(_metadata, self, variant))
		return;
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, &old));
	for (i = 0; i < MANY_CHILDREN; i++) {
		self->pid[i] = fork();
		ASSERT_LE(0, self->pid[i]) {
			self->pid[i] = 0;
			TH_LOG("fork %d: %s", i, strerror(errno));
		}
		if (!self->pid[i]) {
			close(ready[0]);
			many_child(self, i, ready[1]);
		}
	}
	close(ready[1]);
	for (i = 0; i < MANY_CHILDREN; i++)
		ASSERT_EQ(1, read(ready[0], &c, 1))
			TH_LOG("only %d of %d children got ready", i,
			       MANY_CHILDREN);
	close(ready[0]);
	sigprocmask(SIG_SETMASK, &old, NULL);

	/* Let them exit one by one, in a shuffled order. */
	r = mm_seed();
	for (i = MANY_CHILDREN - 1; i > 0; i--) {
		r = mm_mix(r);
		j = r % (i + 1);
		t = self->pid[i];
		self->pid[i] = self->pid[j];
		self->pid[j] = t;
	}
	for (i = 0; i < MANY_CHILDREN; i++) {
		ASSERT_EQ(0, kill(self->pid[i], SIGUSR1));
		ASSERT_EQ(self->pid[i], waitpid(self->pid[i], &status, 0));
		self->pid[i] = 0;
		if (WIFEXITED(status) && !WEXITSTATUS(status))
			continue;
		if (!nfail++)
			TH_LOG("a child failed (status %#x): %s", status,
			       "see the first message below");
	}
	for (i = 0; i < MANY_CHILDREN; i++)
		if (self->msg[i * MANY_MSG]) {
			TH_LOG("child %d: %s", i, self->msg + i * MANY_MSG);
			break;
		}
	EXPECT_EQ(0, nfail) TH_LOG("%d of %d children failed", nfail,
				   MANY_CHILDREN);
	many_check_after(_metadata, self, "200 children exited");
}

static const char *const many_nth_config[] = {
	"CONFIG_FAULT_INJECTION", "CONFIG_FAILSLAB", "CONFIG_FAIL_PAGE_ALLOC",
	"CONFIG_FAULT_INJECTION_DEBUG_FS",
};

/* 0 when fault injection can run, else MM_SKIP with WHY. */
static int many_nth_missing(char *why, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(many_nth_config) / sizeof(*many_nth_config);
	     i++) {
		ret = kconfig_value(many_nth_config[i], NULL, 0);
		if (ret == 1)
			continue;
		if (ret < 0)
			snprintf(why, len, "cannot read /proc/config.gz (%s): "
				 "unknown whether the kernel has %s",
				 strerror(-ret), many_nth_config[i]);
		else
			snprintf(why, len, "%s not set: the kernel has no "
				 "systematic fault injection (fail-nth)",
				 many_nth_config[i]);
		return MM_SKIP;
	}
	if (access(many_knob[0][0], W_OK)) {
		snprintf(why, len, "%s: %s (debugfs not mounted?)",
			 many_knob[0][0], strerror(errno));
		return MM_SKIP;
	}
	return 0;
}

/* Make GFP_KERNEL and order-0 allocations injectable; restored later. */
static void many_nth_knobs(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fork_many) *self)
{
	ssize_t ret;
	char *nl;
	int i;

	for (i = 0; i < MANY_NKNOBS; i++) {
		ASSERT_LT(0, mm_read_str(many_knob[i][0], self->knobs[i],
					 sizeof(self->knobs[i])))
			TH_LOG("read %s", many_knob[i][0]);
		nl = strchr(self->knobs[i], '\n');
		if (nl)
			*nl = '\0';
	}
	self->knobs_saved = true;
	for (i = 0; i < MANY_NKNOBS; i++) {
		ret = mm_write_str(many_knob[i][0], many_knob[i][1]);
		ASSERT_LT(0, ret) TH_LOG("knob %d: %s", i, strerror(-ret));
	}
}

/* Arm fail-nth (FD) for the Nth fault point of this task; 0 disarms. */
static int many_nth_arm(int fd, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	return write(fd, buf, len) == len ? 0 : -errno;
}

/* Fault points fail-nth still had to pass (0: the fault was injected). */
static int many_nth_left(int fd)
{
	char buf[16] = "";

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -errno;
	return atoi(buf);
}

/*
 * fork() with its Nth allocation failed, N = 1, 2, ... until fail-nth
 * says no Nth fault point was reached (the fork ran clean).
 */
TEST_F_TIMEOUT(fork_many, fail_nth, 110)
{
	int fd, n, left = 0, status, failed = 0, survived = 0, err, bad = 0;
	char why[512], errs[128] = "";
	pid_t pid;

	if (many_nth_missing(why, sizeof(why)))
		SKIP(return, "%s", why);
	if (!many_prepare(_metadata, self, variant))
		return;
	many_nth_knobs(_metadata, self);
	fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("/proc/thread-self/fail-nth: %s",
				strerror(errno));
	for (n = 1; n <= MANY_MAX_NTH; n++) {
		self->msg[0] = '\0';
		why[0] = '\0';
		ASSERT_EQ(0, many_nth_arm(fd, n));
		pid = fork();
		err = errno;
		if (!pid)
			_exit(many_check_all(self, false, self->msg, MANY_MSG) ?
			      1 : 0);
		left = many_nth_left(fd);
		many_nth_arm(fd, 0);
		ASSERT_LE(0, left) TH_LOG("read fail-nth: %s", strerror(-left));
		if (pid > 0) {
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
			bad = !WIFEXITED(status) || WEXITSTATUS(status);
			EXPECT_FALSE(bad)
				TH_LOG("N=%d: the fork succeeded%s, but the "
				       "child (status %#x): %s", n, left ? "" :
				       " with a fault injected", status,
				       self->msg);
			survived += !left;
		} else {
			failed++;
			if (!strstr(errs, strerrorname_np(err)) &&
			    strlen(errs) + 16 < sizeof(errs)) {
				strcat(errs, " ");
				strcat(errs, strerrorname_np(err));
			}
		}
		bad |= many_check_all(self, true, why, sizeof(why));
		EXPECT_FALSE(bad && why[0])
			TH_LOG("the parent after fork() with allocation %d "
			       "failed: %s", n, why);
		if (bad || left)
			break;
	}
	close(fd);
	TH_LOG("fail-nth: %d values of N tried; %d forks failed (%s), %d "
	       "succeeded despite an injected failure", n, failed,
	       failed ? errs + 1 : "-", survived);
	EXPECT_LT(0, left) TH_LOG("fork() never ran clean up to N=%d", n);
	many_check_after(_metadata, self, "the failed forks");
}

MM_HARNESS_MAIN
