// SPDX-License-Identifier: GPL-2.0
/*
 * The syscalls that take page references on user memory must refuse a
 * VM_PFNMAP range, for every provider and level, and work on ordinary
 * memory (anonymous 4 KiB, THP, hugetlb):
 *
 *   vmsplice() into a pipe: iter_to_pipe() -> iov_iter_get_pages2() ->
 *     get_user_pages_fast(); EFAULT, and the pipe stays empty;
 *   FUTEX_WAIT / FUTEX_WAKE (shared futexes): get_futex_key() takes the
 *     page with get_user_pages_fast() to key the futex on its mapping;
 *     EFAULT (a control: EAGAIN for a value that differs, 0 woken);
 *   process_vm_readv()/writev() from another process:
 *     process_vm_rw_single_vec() -> pin_user_pages_remote(); EFAULT.
 *
 * vmsplice and process_vm_rw count what they moved before a failing
 * page: a vector [ordinary page, pfnmap page] gives exactly 4096, and
 * [pfnmap page, ordinary page] EFAULT (the edge of the refusal).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gup/gup_harness.h"
#include "kconfig.h"
#include "mm_util.h"

#define SZ_16K	(16ULL << 10)

FIXTURE(gup_user) {
	struct gup_target t;
	bool got;
	uint64_t seed;
	struct gup_watch w;
};

FIXTURE_VARIANT(gup_user) {
	struct gup_target_req req;
};

GUP_TARGET_VARIANTS(gup_user);

FIXTURE_SETUP(gup_user)
{
	self->got = false;
	self->seed = mm_seed();
}

FIXTURE_TEARDOWN(gup_user)
{
	if (self->got)
		gup_target_put(&self->t);
}

/* Offsets tried: the start, past 2 MiB, past 1 GiB, the end (16 KiB each). */
static int user_offsets(const struct gup_target *t, uint64_t *off)
{
	const uint64_t all[] = { 0, SZ_2M + 3 * SZ_4K,
				 SZ_1G + 3 * SZ_4K, t->len - SZ_16K };
	int i, n = 0;

	for (i = 0; i < 4; i++)
		if (all[i] + SZ_16K <= t->len)
			off[n++] = all[i];
	return n;
}

static bool user_get(struct __test_metadata *_metadata,
		     FIXTURE_DATA(gup_user) *self,
		     const FIXTURE_VARIANT(gup_user) *variant)
{
	if (!gup_target_get_or_skip(_metadata, &self->t, &variant->req,
				    &self->got))
		return false;
	gup_watch_begin(_metadata, &self->t, &self->w);
	return true;
}

static void user_check_refs(struct __test_metadata *_metadata,
			FIXTURE_DATA(gup_user) *self, const char *when)
{
	gup_watch_expect_steady(_metadata, &self->t, &self->w, when);
}

/*
 * vmsplice() of IOV into a fresh pipe: WANT bytes (-errno), the pipe
 * holds them (checked before the pipe is read, while it would still hold
 * wrongly taken page references), and they read back as the data.
 */
static void user_vmsplice(struct __test_metadata *_metadata,
			  FIXTURE_DATA(gup_user) *self, struct iovec *iov,
			  int n, ssize_t want, const char *when)
{
	char *buf = malloc(2 * SZ_16K);
	int fds[2], queued = -1;
	ssize_t ret;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, pipe2(fds, O_NONBLOCK));
	ret = vmsplice(fds[1], iov, n, SPLICE_F_NONBLOCK);
	ret = ret < 0 ? -errno : ret;
	EXPECT_EQ(want, ret) TH_LOG("%s: %zd (%s)", when, ret,
				    ret < 0 ? strerror(-ret) : "bytes");
	ASSERT_EQ(0, ioctl(fds[0], FIONREAD, &queued));
	EXPECT_EQ(want < 0 ? 0 : want, queued)
		TH_LOG("%s: the pipe holds %d bytes", when, queued);
	user_check_refs(_metadata, self, when);
	if (want > 0 && queued == want) {
		ASSERT_EQ(want, read(fds[0], buf, want));
		EXPECT_EQ(0, memcmp(buf, iov[0].iov_base,
				    iov[0].iov_len < (size_t)want ?
				    iov[0].iov_len : (size_t)want))
			TH_LOG("%s: the pipe reads other data", when);
	}
	close(fds[0]);
	close(fds[1]);
	free(buf);
	user_check_refs(_metadata, self, when);
}

TEST_F(gup_user, vmsplice)
{
	uint64_t off[4];
	struct iovec iov;
	char when[160];
	int n, i;

	if (!user_get(_metadata, self, variant))
		return;
	n = user_offsets(&self->t, off);
	for (i = 0; i < n; i++) {
		snprintf(when, sizeof(when), "vmsplice of 16 KiB at +%#llx of %s",
			 (unsigned long long)off[i], gup_target_name(&self->t));
		iov.iov_base = self->t.addr + off[i];
		iov.iov_len = SZ_16K;
		user_vmsplice(_metadata, self, &iov, 1,
			      self->t.refused ? -EFAULT : (ssize_t)SZ_16K,
			      when);
	}
}

/* [heap page, target page]: 4096 of a pfnmap; [target, heap]: EFAULT. */
TEST_F(gup_user, vmsplice_edge)
{
	struct iovec iov[2];
	char *heap;
	ssize_t want;
	int first;

	if (!user_get(_metadata, self, variant))
		return;
	heap = aligned_alloc(SZ_4K, SZ_4K);
	ASSERT_NE(NULL, heap);
	memset(heap, 0x5a, SZ_4K);
	for (first = 0; first < 2; first++) {
		iov[first].iov_base = heap;
		iov[!first].iov_base = self->t.addr;
		iov[0].iov_len = iov[1].iov_len = SZ_4K;
		want = !self->t.refused ? (ssize_t)(2 * SZ_4K) :
		       first ? -EFAULT : (ssize_t)SZ_4K;
		user_vmsplice(_metadata, self, iov, 2, want, first ?
			      "vmsplice [target page, heap page]" :
			      "vmsplice [heap page, target page]");
	}
	free(heap);
}

static long user_futex(void *addr, int op, uint32_t val)
{
	struct timespec ts = { 0, 1000000 };

	return syscall(SYS_futex, addr, op, val,
		       op == FUTEX_WAIT ? &ts : NULL, NULL, 0) < 0 ? -errno : 0;
}

/*
 * Shared (not FUTEX_PRIVATE_FLAG) futexes are keyed by page:
 * get_futex_key() -> get_user_pages_fast() fails on a pfnmap -> EFAULT,
 * before the value is even compared.  Controls: EAGAIN (the value
 * differs), and a wake of nobody returns 0.
 */
TEST_F(gup_user, futex_shared)
{
	uint64_t off[4];
	char when[160];
	uint32_t *w;
	int n, i;
	long ret;

	if (!user_get(_metadata, self, variant))
		return;
	n = user_offsets(&self->t, off);
	for (i = 0; i < n; i++) {
		w = (uint32_t *)(self->t.addr + off[i]);
		snprintf(when, sizeof(when), "at +%#llx of %s",
			 (unsigned long long)off[i], gup_target_name(&self->t));
		ret = user_futex(w, FUTEX_WAIT, *(volatile uint32_t *)w + 1);
		EXPECT_EQ(self->t.refused ? -EFAULT : -EAGAIN, ret)
			TH_LOG("FUTEX_WAIT %s: %s", when, strerror(-ret));
		ret = user_futex(w, FUTEX_WAKE, 1);
		EXPECT_EQ(self->t.refused ? -EFAULT : 0, ret)
			TH_LOG("FUTEX_WAKE %s: %s", when, strerror(-ret));
		user_check_refs(_metadata, self, when);
	}
}

struct user_vm_result {
	ssize_t ret;		/* bytes, or -errno */
	int64_t bad;		/* -1 or where the local data differs */
};

/*
 * A child calls process_vm_readv() (WRITE false) or process_vm_writev()
 * (TO_REMOTE) on this process: local is LOCAL (LEN bytes, pattern SEED
 * at origin ORIGIN for a write), remote RIOV.  Returns what it got.
 */
static struct user_vm_result user_vm_rw(char *local, uint64_t len,
					struct iovec *riov, int rn, bool to_remote,
					uint64_t seed, uint64_t origin)
{
	struct user_vm_result res = { -EIO, -1 };
	struct iovec liov = { local, len };
	pid_t parent = getpid(), pid;
	int fds[2];

	if (pipe(fds))
		return res;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (to_remote)
			gup_pattern_fill(local, origin, len, seed);
		else
			memset(local, 0, len);
		res.ret = to_remote ? process_vm_writev(parent, &liov, 1, riov, rn, 0) :
			  process_vm_readv(parent, &liov, 1, riov, rn, 0);
		res.ret = res.ret < 0 ? -errno : res.ret;
		if (!to_remote && res.ret > 0)
			res.bad = gup_pattern_check(local, origin, res.ret, seed);
		if (write(fds[1], &res, sizeof(res)) != sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &res, sizeof(res)) != sizeof(res))
		res.ret = -EIO;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return res;
}

/*
 * process_vm_readv/writev exist only with CONFIG_CROSS_MEMORY_ATTACH
 * (ENOSYS without).  False after a SKIP.
 */
static bool user_process_vm_claimed(struct __test_metadata *_metadata)
{
	int ret = kconfig_value("CONFIG_CROSS_MEMORY_ATTACH", NULL, 0);

	if (ret == 0)
		SKIP(return false, "CONFIG_CROSS_MEMORY_ATTACH not set: no "
		     "process_vm_readv/writev");
	if (ret < 0)
		SKIP(return false, "cannot read /proc/config.gz: %s",
		     strerror(-ret));
	return true;
}

static void user_process_vm(struct __test_metadata *_metadata,
			    FIXTURE_DATA(gup_user) *self, bool write)
{
	char *local = aligned_alloc(SZ_4K, SZ_16K), when[160];
	struct user_vm_result res;
	uint64_t off[4], wseed = mm_mix(self->seed + 7);
	struct iovec riov;
	int n, i;
	int64_t bad;

	ASSERT_NE(NULL, local);
	n = user_offsets(&self->t, off);
	for (i = 0; i < n; i++) {
		snprintf(when, sizeof(when), "process_vm_%s of 16 KiB at +%#llx "
			 "of %s", write ? "writev" : "readv",
			 (unsigned long long)off[i], gup_target_name(&self->t));
		ASSERT_EQ(0, gup_target_fill(&self->t, off[i], SZ_16K,
					     self->seed));
		riov.iov_base = self->t.addr + off[i];
		riov.iov_len = SZ_16K;
		/* A read must find the target's pattern, a write leaves its own. */
		res = user_vm_rw(local, SZ_16K, &riov, 1, write,
				 write ? wseed : self->seed, off[i]);
		EXPECT_EQ(self->t.refused ? -EFAULT : (ssize_t)SZ_16K, res.ret)
			TH_LOG("%s: %zd (%s)", when, res.ret, res.ret < 0 ?
			       strerror(-res.ret) : "bytes");
		EXPECT_EQ(-1, res.bad) TH_LOG("%s: read other data at %#llx",
					      when, (unsigned long long)res.bad);
		/* A refused write left the target alone; a control took it. */
		bad = gup_target_check(&self->t, off[i], SZ_16K,
				       write && !self->t.refused ?
				       wseed : self->seed);
		EXPECT_EQ(-1, bad) TH_LOG("%s: target data at +%#llx", when,
					  (unsigned long long)bad);
		user_check_refs(_metadata, self, when);
	}
	free(local);
}

TEST_F(gup_user, process_vm_readv)
{
	if (user_process_vm_claimed(_metadata) &&
	    user_get(_metadata, self, variant))
		user_process_vm(_metadata, self, false);
}

TEST_F(gup_user, process_vm_writev)
{
	if (user_process_vm_claimed(_metadata) &&
	    user_get(_metadata, self, variant))
		user_process_vm(_metadata, self, true);
}

/*
 * Remote vector [heap page, target page]: process_vm_rw_core() returns
 * the bytes moved before the failing vector, 4096 for a pfnmap;
 * [target page, heap page]: EFAULT.  Controls: 8192.
 */
TEST_F(gup_user, process_vm_readv_edge)
{
	char *heap, *local;
	struct user_vm_result res;
	struct iovec riov[2];
	ssize_t want;
	int first;

	if (!user_process_vm_claimed(_metadata) ||
	    !user_get(_metadata, self, variant))
		return;
	heap = aligned_alloc(SZ_4K, SZ_4K);
	local = aligned_alloc(SZ_4K, 2 * SZ_4K);
	ASSERT_NE(NULL, heap);
	ASSERT_NE(NULL, local);
	for (first = 0; first < 2; first++) {
		gup_pattern_fill(heap, 0, SZ_4K, self->seed);
		ASSERT_EQ(0, gup_target_fill(&self->t, 0, SZ_4K,
					     self->seed + SZ_4K));
		riov[first].iov_base = heap;
		riov[!first].iov_base = self->t.addr;
		riov[0].iov_len = riov[1].iov_len = SZ_4K;
		res = user_vm_rw(local, 2 * SZ_4K, riov, 2, false,
				 self->seed, 0);
		want = !self->t.refused ? (ssize_t)(2 * SZ_4K) :
		       first ? -EFAULT : (ssize_t)SZ_4K;
		EXPECT_EQ(want, res.ret)
			TH_LOG("process_vm_readv of [%s] of %s: %zd", first ?
			       "target page, heap page" :
			       "heap page, target page",
			       gup_target_name(&self->t), res.ret);
		if (!first)
			EXPECT_EQ(-1, res.bad) TH_LOG("local data differs");
		user_check_refs(_metadata, self, "process_vm_readv vector");
	}
	free(heap);
	free(local);
}

MM_HARNESS_MAIN
