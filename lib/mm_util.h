/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The base every area of lib/ builds on (area headers include this one,
 * never each other's): sizes, the return convention, the per-page pattern
 * mixer, a fresh seed, errno and deadline helpers, sysfs/proc file
 * access, smaps queries, fault probes and aligned mappings.
 *
 * The return convention of every lib/ function that can fail: 0 on
 * success, -errno on failure, or MM_SKIP when the kernel or the
 * environment lacks what the caller needs (the function then says why in
 * its @why buffer).  Functions that return a count, an address or a bool
 * say so in their comment.  Library code never exits and never asserts:
 * only the *_harness.h glue talks to the kselftest harness.
 */
#ifndef MM_UTIL_H
#define MM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* x86-64 page-table entry sizes: PTE, PMD and PUD leaves. */
#define SZ_4K		4096ULL
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
/* The base page size; the suite is x86-64 only. */
#define MM_PAGE		4096UL

/* The one SKIP sentinel (see the return convention above). */
#define MM_SKIP		1

/* /proc/self/pagemap bits (Documentation/admin-guide/mm/pagemap.rst) */
#define MM_PM_PRESENT	(1ULL << 63)
#define MM_PM_SWAP	(1ULL << 62)
#define MM_PM_PFN	((1ULL << 55) - 1)
/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define MM_KPF_THP	(1ULL << 22)
#define MM_KPF_ZERO	(1ULL << 24)

/* errno as a return value: never 0, even if the call did not set it. */
int mm_errno(void);

/*
 * now + @timeout_ms on CLOCK_REALTIME, the clock of
 * pthread_cond_timedwait() and pthread_timedjoin_np().
 */
void mm_deadline(struct timespec *ts, int timeout_ms);

/* splitmix64 finaliser: nearby inputs give unrelated outputs. */
uint64_t mm_mix(uint64_t x);

/*
 * A seed that differs per run and per process, so data a previous run
 * left in a long-lived region can not pass for this run's pattern.
 */
uint64_t mm_seed(void);

/*
 * Read at most @len - 1 bytes of @path into @buf and NUL-terminate them.
 * Returns the bytes read, or -errno with @buf left untouched.
 */
ssize_t mm_read_str(const char *path, char *buf, size_t len);

/* Write @val to @path in one write(): the bytes written, or -errno. */
ssize_t mm_write_str(const char *path, const char *val);

/* A VMA as /proc/self/maps and smaps show it in their header lines. */
struct mm_vma {
	unsigned long start;
	unsigned long end;
	char perms[8];
};

/*
 * Read @f (/proc/self/maps or smaps) up to the first VMA that overlaps
 * [start, end), leaving @f just after its line.  false when none does.
 */
bool mm_seek_vma(FILE *f, unsigned long start, unsigned long end,
		 struct mm_vma *vma);

/*
 * /proc/self/smaps, read up to just after the header of the VMA
 * containing @addr.  NULL when there is none.
 */
FILE *mm_smaps_open(const void *addr);

/*
 * Read @f up to the line "@field: ...", left in @line; with @one_vma not
 * past the next VMA's smaps header.  false when there is none.
 */
bool mm_find_field(FILE *f, const char *field, bool one_vma, char *line,
		   size_t len);

/* The number on the line mm_find_field() finds, in kB; -1 when none. */
long mm_field_kb(FILE *f, const char *field, bool one_vma);

/* smaps "@field:" (no colon in @field) of the VMA at @addr; -1 if none. */
long mm_smaps_kb(const void *addr, const char *field);

/*
 * Read one byte at @p and, with @write, store it back, catching the
 * fault.  Returns 0 when the access worked, else the signal it raised
 * (SIGSEGV, SIGBUS).
 */
int mm_probe(volatile char *p, bool write);

/* Minor faults this process took so far (getrusage()), -1 on error. */
long mm_minflt(void);

/* mm_probe() of a read at @addr. */
int mm_probe_read(const void *addr);

/*
 * mmap(@fd, @foff) over @len bytes at an address @skew bytes past an
 * @align boundary (a power of two).  MAP_FAILED with errno on failure.
 */
void *mm_mmap_at(int fd, uint64_t foff, size_t len, int prot, int flags,
		 size_t align, size_t skew);

#endif /* MM_UTIL_H */
