// SPDX-License-Identifier: GPL-2.0
/* Observation helpers for the uffd-move tests: see uffd_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <numaif.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mm_util.h"
#include "uffd/uffd.h"
#include "uffd/uffd_util.h"

#define UFFD_UTIL_WORDS	(MM_PAGE / sizeof(uint64_t))

static uint64_t uffd_util_word(uint64_t page, uint64_t word)
{
	/* Never zero, so a zero-filled page can never match. */
	return mm_mix(mm_mix(page) ^ word) | 1;
}

void uffd_util_fill(void *addr, size_t npages, uint64_t first)
{
	uint64_t *w = addr;
	size_t p, i;

	for (p = 0; p < npages; p++)
		for (i = 0; i < UFFD_UTIL_WORDS; i++)
			w[p * UFFD_UTIL_WORDS + i] = uffd_util_word(first + p, i);
}

long uffd_util_check(const void *addr, size_t npages, uint64_t first)
{
	const uint64_t *w = addr;
	size_t p, i;

	for (p = 0; p < npages; p++)
		for (i = 0; i < UFFD_UTIL_WORDS; i++)
			if (w[p * UFFD_UTIL_WORDS + i] != uffd_util_word(first + p, i))
				return p;
	return -1;
}

long uffd_util_check_zero(const void *addr, size_t npages)
{
	const uint64_t *w = addr;
	size_t p, i;

	for (p = 0; p < npages; p++)
		for (i = 0; i < UFFD_UTIL_WORDS; i++)
			if (w[p * UFFD_UTIL_WORDS + i])
				return p;
	return -1;
}

static int uffd_util_pread_u64(const char *path, off_t off, uint64_t *val)
{
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -mm_errno();
	if (pread(fd, val, sizeof(*val), off) != sizeof(*val))
		ret = -mm_errno();
	close(fd);
	return ret;
}

int uffd_util_pagemap(const void *addr, uint64_t *entry)
{
	return uffd_util_pread_u64("/proc/self/pagemap",
			    (unsigned long)addr / MM_PAGE * sizeof(uint64_t),
			    entry);
}

int uffd_util_range_state(const void *addr, size_t npages, size_t *present,
		   size_t *swapped)
{
	uint64_t e;
	size_t i;
	int ret;

	*present = *swapped = 0;
	for (i = 0; i < npages; i++) {
		ret = uffd_util_pagemap((const char *)addr + i * MM_PAGE, &e);
		if (ret)
			return ret;
		*present += !!(e & MM_PM_PRESENT);
		*swapped += !!(e & MM_PM_SWAP);
	}
	return 0;
}

bool uffd_util_range_empty(const void *addr, size_t npages)
{
	size_t present, swapped;

	return !uffd_util_range_state(addr, npages, &present, &swapped) &&
	       !present && !swapped;
}

bool uffd_util_range_present(const void *addr, size_t npages)
{
	size_t present, swapped;

	return !uffd_util_range_state(addr, npages, &present, &swapped) &&
	       present == npages;
}

int uffd_util_kpageflags(const void *addr, uint64_t *flags)
{
	uint64_t e;
	int ret;

	ret = uffd_util_pagemap(addr, &e);
	if (ret)
		return ret;
	if (!(e & MM_PM_PRESENT) || !(e & MM_PM_PFN))
		return -ENODATA;
	return uffd_util_pread_u64("/proc/kpageflags",
			    (e & MM_PM_PFN) * sizeof(uint64_t), flags);
}

int uffd_util_smaps_line(const void *addr, const char *field, char *buf, size_t len)
{
	unsigned long a = (unsigned long)addr, start, end;
	size_t flen = strlen(field);
	bool inside = false;
	char line[1024];
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -mm_errno();
	while (fgets(line, sizeof(line), f)) {
		/* A VMA header starts "start-end perms": fields start "Name:". */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (inside)
				break;
			inside = a >= start && a < end;
			continue;
		}
		if (inside && !strncmp(line, field, flen)) {
			snprintf(buf, len, "%s", line + flen);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int uffd_util_page_node(const void *addr)
{
	void *page = (void *)((unsigned long)addr & ~(MM_PAGE - 1));
	int status = -1;

	if (move_pages(0, 1, &page, NULL, &status, 0))
		return -mm_errno();
	return status;
}

void *uffd_util_map(size_t len, size_t align)
{
	size_t span = len + align;
	char *p, *a;

	p = mmap(NULL, span, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return p;
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	if (p + span > a + len)
		munmap(a + len, p + span - (a + len));
	return a;
}

char *uffd_util_map_registered(int uffd, size_t len, size_t align, int advice)
{
	char *p = uffd_util_map(len, align);

	if (p == MAP_FAILED)
		return NULL;
	if ((advice && madvise(p, len, advice)) ||
	    uffd_register(uffd, p, len, UFFDIO_REGISTER_MODE_MISSING, NULL)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

const char *uffd_util_thp_unavailable(void)
{
	char buf[128];

	if (mm_read_str("/sys/kernel/mm/transparent_hugepage/enabled", buf,
			sizeof(buf)) < 0)
		return "no THP (CONFIG_TRANSPARENT_HUGEPAGE not set)";
	if (strstr(buf, "[never]"))
		return "THP disabled by the administrator (enabled=never)";
	if (mm_read_str("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			buf, sizeof(buf)) >= 0 && strtoul(buf, NULL, 10) != SZ_2M)
		return "PMD size is not 2 MiB";
	return NULL;
}

bool uffd_util_is_pmd_thp(void *addr)
{
	uint64_t flags, e0, e;
	size_t i;

	if (mm_smaps_kb(addr, "AnonHugePages") < 2048)
		return false;
	if (uffd_util_pagemap(addr, &e0) || !(e0 & MM_PM_PRESENT))
		return false;
	/* Without a visible PFN (no CAP_SYS_ADMIN) smaps has to do. */
	if (!(e0 & MM_PM_PFN))
		return true;
	for (i = 1; i < SZ_2M / MM_PAGE; i += 37) {
		if (uffd_util_pagemap((char *)addr + i * MM_PAGE, &e) ||
		    (e & MM_PM_PFN) != (e0 & MM_PM_PFN) + i)
			return false;
	}
	return !uffd_util_kpageflags(addr, &flags) && (flags & MM_KPF_THP);
}

bool uffd_util_thp_fill(void *addr, uint64_t first)
{
	if (madvise(addr, SZ_2M, MADV_HUGEPAGE))
		return false;
	uffd_util_fill(addr, SZ_2M / MM_PAGE, first);
	return uffd_util_is_pmd_thp(addr);
}

int uffd_util_scan_huge(const void *addr, size_t npages, size_t *huge)
{
#ifdef PAGEMAP_SCAN
	unsigned long start = (unsigned long)addr;
	unsigned long end = start + npages * MM_PAGE;
	struct page_region vec[32];
	struct pm_scan_arg arg;
	int fd, n, i, ret = 0;

	*huge = 0;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -mm_errno();
	while (start < end) {
		memset(&arg, 0, sizeof(arg));
		arg.size = sizeof(arg);
		arg.start = start;
		arg.end = end;
		arg.vec = (unsigned long)vec;
		arg.vec_len = sizeof(vec) / sizeof(vec[0]);
		arg.category_mask = PAGE_IS_HUGE;
		arg.return_mask = PAGE_IS_HUGE;
		n = ioctl(fd, PAGEMAP_SCAN, &arg);
		if (n < 0) {
			ret = -mm_errno();
			break;
		}
		for (i = 0; i < n; i++)
			*huge += (vec[i].end - vec[i].start) / MM_PAGE;
		if (arg.walk_end <= start)
			break;
		start = arg.walk_end;
	}
	close(fd);
	return ret;
#else
	(void)addr;
	(void)npages;
	*huge = 0;
	return -EOPNOTSUPP;
#endif
}

int uffd_util_pte_map_thp(void *addr)
{
	if (mprotect(addr, MM_PAGE, PROT_READ) ||
	    mprotect(addr, MM_PAGE, PROT_READ | PROT_WRITE))
		return -mm_errno();
	return 0;
}

void uffd_util_describe_stuck(pid_t pid, char *buf, size_t len)
{
	char path[64], stat[512], wchan[64] = "?", *p;
	unsigned long utime = 0, stime = 0;
	char state = '?';

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (mm_read_str(path, stat, sizeof(stat)) >= 0) {
		p = strrchr(stat, ')');
		if (p && sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&state, &utime, &stime) != 3)
			state = '?';
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	if (mm_read_str(path, wchan, sizeof(wchan)) < 0)
		strcpy(wchan, "?");
	snprintf(buf, len, "state %c, %lu CPU ticks, wchan %s", state,
		 utime + stime, wchan);
}

/* The PFN at addr and its kpageflags; false when either is not visible. */
static bool uffd_util_pfn_flags(const void *addr, uint64_t *pfn,
				uint64_t *flags)
{
	uint64_t e;

	if (uffd_util_pagemap(addr, &e) || !(e & MM_PM_PRESENT) ||
	    !(e & MM_PM_PFN))
		return false;
	*pfn = e & MM_PM_PFN;
	return !uffd_util_pread_u64("/proc/kpageflags", *pfn * sizeof(uint64_t),
				    flags);
}

bool uffd_util_is_folio(const void *addr, size_t npages)
{
	const char *p = addr;
	uint64_t pfn0, pfn, flags;
	size_t i;

	if (!uffd_util_pfn_flags(p, &pfn0, &flags) ||
	    !(flags & UFFD_KPF_COMPOUND_HEAD))
		return false;
	for (i = 1; i < npages; i++)
		if (!uffd_util_pfn_flags(p + i * MM_PAGE, &pfn, &flags) ||
		    pfn != pfn0 + i || !(flags & UFFD_KPF_COMPOUND_TAIL))
			return false;
	/* Not part of a larger folio: the next PFN is no tail. */
	return uffd_util_pread_u64("/proc/kpageflags",
				   (pfn0 + npages) * sizeof(uint64_t), &flags) ||
	       !(flags & UFFD_KPF_COMPOUND_TAIL);
}

bool uffd_util_all_small(const void *addr, size_t npages)
{
	const char *p = addr;
	uint64_t pfn, flags;
	size_t i;

	for (i = 0; i < npages; i++)
		if (!uffd_util_pfn_flags(p + i * MM_PAGE, &pfn, &flags) ||
		    (flags & (UFFD_KPF_COMPOUND_HEAD | UFFD_KPF_COMPOUND_TAIL)))
			return false;
	return true;
}

struct uffd_util_reader {
	const volatile uint64_t *addr;
	uint64_t val;
};

static void *uffd_util_reader_fn(void *arg)
{
	struct uffd_util_reader *r = arg;

	r->val = *r->addr;
	return NULL;
}

int uffd_util_read_timeout(const volatile uint64_t *addr, int timeout_ms,
		    uint64_t *val)
{
	/* Static: a reader that never returns must not point into a freed frame. */
	static struct uffd_util_reader slots[16];
	static int next;
	struct uffd_util_reader *r = &slots[__atomic_fetch_add(&next, 1,
						__ATOMIC_RELAXED) % 16];
	struct timespec deadline;
	pthread_t t;
	int ret;

	r->addr = addr;
	/* The pthread functions return a positive errno. */
	ret = pthread_create(&t, NULL, uffd_util_reader_fn, r);
	if (ret)
		return -ret;
	mm_deadline(&deadline, timeout_ms);
	ret = pthread_timedjoin_np(t, NULL, &deadline);
	if (ret) {
		/* Left blocked in the fault; it dies with the test process. */
		pthread_detach(t);
		return -ret;
	}
	*val = r->val;
	return 0;
}

static void *uffd_util_writer_fn(void *arg)
{
	struct uffd_util_writer *w = arg;

	*w->addr = w->val;
	return NULL;
}

int uffd_util_writer_start(struct uffd_util_writer *w, volatile uint64_t *addr,
			   uint64_t val)
{
	int ret;

	w->addr = addr;
	w->val = val;
	/* The pthread functions return a positive errno. */
	ret = pthread_create(&w->thread, NULL, uffd_util_writer_fn, w);
	w->started = !ret;
	return -ret;
}

int uffd_util_writer_join(struct uffd_util_writer *w, int timeout_ms)
{
	struct timespec deadline;
	int ret;

	if (!w->started)
		return 0;
	mm_deadline(&deadline, timeout_ms);
	ret = pthread_timedjoin_np(w->thread, NULL, &deadline);
	if (!ret)
		w->started = false;
	return -ret;
}

int uffd_util_recv(int fd, void *buf, size_t len, int timeout_ms)
{
	struct timespec now, end;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	long left;
	ssize_t n;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	while (got < len) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 +
		       (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -mm_errno();
		if (ret == 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -mm_errno();
		if (n == 0)
			return -EPIPE;
		got += n;
	}
	return 0;
}

int uffd_util_send(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -mm_errno();
	return (size_t)n == len ? 0 : -EIO;
}

int uffd_util_child_start(struct uffd_util_child *c, int (*fn)(void *arg, int to_parent,
						  int from_parent), void *arg)
{
	int down[2], up[2], ret;

	if (pipe2(down, O_CLOEXEC))
		return -mm_errno();
	if (pipe2(up, O_CLOEXEC)) {
		ret = -mm_errno();
		close(down[0]);
		close(down[1]);
		return ret;
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		ret = -mm_errno();
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return ret;
	}
	if (c->pid == 0) {
		close(down[1]);
		close(up[0]);
		_exit(fn(arg, up[1], down[0]));
	}
	close(down[0]);
	close(up[1]);
	c->to_child = down[1];
	c->from_child = up[0];
	return 0;
}

int uffd_util_child_reap(struct uffd_util_child *c, bool kill_first, int timeout_ms,
		  int *status)
{
	int st = 0, waited;
	pid_t r;

	if (c->pid <= 0)
		return 0;
	if (kill_first)
		kill(c->pid, SIGKILL);
	if (c->to_child >= 0)
		close(c->to_child);
	if (c->from_child >= 0)
		close(c->from_child);
	c->to_child = c->from_child = -1;
	for (waited = 0;; waited += 10) {
		r = waitpid(c->pid, &st, WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0)
			return -mm_errno();
		if (waited >= timeout_ms) {
			kill(c->pid, SIGKILL);
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
	c->pid = 0;
	if (status)
		*status = st;
	return 0;
}

int uffd_util_holder(void *arg, int to_parent, int from_parent)
{
	const struct uffd_util_holder *h = arg;
	char c = 'r';

	if (uffd_util_send(to_parent, &c, 1) || uffd_util_recv(from_parent, &c, 1, 20000))
		return 2;
	return uffd_util_check(h->addr, h->npages, h->first) == -1 ? 0 : 1;
}
