// SPDX-License-Identifier: GPL-2.0
/* Helpers several test areas share; see mm_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mm_util.h"

int mm_errno(void)
{
	return errno ? errno : EIO;
}

void mm_deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

uint64_t mm_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t mm_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec << 30) ^ ts.tv_nsec ^
	       ((uint64_t)getpid() << 48);
}

ssize_t mm_read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	return n;
}

ssize_t mm_write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

static bool mm_parse_vma(const char *line, struct mm_vma *vma)
{
	return sscanf(line, "%lx-%lx %7s", &vma->start, &vma->end,
		      vma->perms) == 3;
}

bool mm_seek_vma(FILE *f, unsigned long start, unsigned long end,
		 struct mm_vma *vma)
{
	char line[512];

	while (fgets(line, sizeof(line), f))
		if (mm_parse_vma(line, vma) &&
		    vma->start < end && start < vma->end)
			return true;
	return false;
}

FILE *mm_smaps_open(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	struct mm_vma vma;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return NULL;
	if (mm_seek_vma(f, a, a + 1, &vma))
		return f;
	fclose(f);
	return NULL;
}

bool mm_find_field(FILE *f, const char *field, bool one_vma, char *line,
		   size_t len)
{
	size_t n = strlen(field);
	struct mm_vma vma;

	while (fgets(line, len, f)) {
		if (one_vma && mm_parse_vma(line, &vma))
			return false;
		if (!strncmp(line, field, n) && line[n] == ':')
			return true;
	}
	return false;
}

long mm_field_kb(FILE *f, const char *field, bool one_vma)
{
	char line[512];

	if (!mm_find_field(f, field, one_vma, line, sizeof(line)))
		return -1;
	return strtol(line + strlen(field) + 1, NULL, 10);
}

long mm_smaps_kb(const void *addr, const char *field)
{
	long kb;
	FILE *f = mm_smaps_open(addr);

	if (!f)
		return -1;
	kb = mm_field_kb(f, field, true);
	fclose(f);
	return kb;
}

/* Only live while mm_probe() runs, and per thread. */
static __thread sigjmp_buf *mm_probe_jmp;

static void mm_probe_handler(int sig)
{
	siglongjmp(*mm_probe_jmp, sig);
}

int mm_probe(volatile char *p, bool write)
{
	struct sigaction sa = { .sa_handler = mm_probe_handler };
	struct sigaction old_segv, old_bus;
	sigjmp_buf jmp;
	char c;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	mm_probe_jmp = &jmp;
	sig = sigsetjmp(jmp, 1);
	if (!sig) {
		c = *p;
		if (write)
			*p = c;
	}
	mm_probe_jmp = NULL;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

long mm_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt;
}

int mm_probe_read(const void *addr)
{
	return mm_probe((volatile char *)addr, false);
}

void *mm_mmap_at(int fd, uint64_t foff, size_t len, int prot, int flags,
		 size_t align, size_t skew)
{
	size_t span = len + align + skew, head, tail;
	char *res, *at;
	void *p;
	int err;

	/* Reserve room to slide to the wanted alignment, then map over it. */
	res = mmap(NULL, span, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)res + align - 1) & ~(uintptr_t)(align - 1));
	at += skew;
	p = mmap(at, len, prot, flags | MAP_FIXED, fd, foff);
	if (p == MAP_FAILED) {
		err = errno;
		munmap(res, span);
		errno = err;
		return MAP_FAILED;
	}
	head = at - res;
	tail = span - head - len;
	if (head)
		munmap(res, head);
	if (tail)
		munmap(at + len, tail);
	return p;
}
