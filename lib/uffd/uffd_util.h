/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observation helpers for the uffd-move tests (usable by any test):
 * per-page data patterns, page state from /proc/self/pagemap,
 * /proc/kpageflags and /proc/self/smaps, aligned mappings, and a child
 * process spoken to through pipes with a deadline on every read, so a
 * syscall that never returns in the child cannot hang the test.
 * The lib/ return convention (mm_util.h): functions that can fail
 * return 0 on success or -errno on failure unless said otherwise (a
 * count, a bool, an address or a page index).
 */
#ifndef MM_UFFD_UTIL_H
#define MM_UFFD_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mm_util.h"

/*
 * Fill npages pages with words that depend on (first + page, word), so
 * every 4 KiB page of every test holds different data.  uffd_util_check()
 * returns -1 when all pages match, else the index of the first bad page.
 */
void uffd_util_fill(void *addr, size_t npages, uint64_t first);
long uffd_util_check(const void *addr, size_t npages, uint64_t first);
/* -1 when every byte is zero, else the index of the first page that is not. */
long uffd_util_check_zero(const void *addr, size_t npages);

/* The i-th 4 KiB page from base. */
static inline void *uffd_util_page_at(void *base, size_t i)
{
	return (char *)base + i * MM_PAGE;
}

int uffd_util_pagemap(const void *addr, uint64_t *entry);
/* Count pages of the range that are present / swapped out. */
int uffd_util_range_state(const void *addr, size_t npages, size_t *present,
		   size_t *swapped);
/*
 * No page of the range is mapped or swapped out / every page is mapped;
 * false when /proc/self/pagemap cannot be read.
 */
bool uffd_util_range_empty(const void *addr, size_t npages);
bool uffd_util_range_present(const void *addr, size_t npages);
/* kpageflags of the page mapped at addr; -ENODATA if not present or the
 * PFN is hidden (needs CAP_SYS_ADMIN). */
int uffd_util_kpageflags(const void *addr, uint64_t *flags);
/*
 * The rest of the "Field:" line (e.g. "VmFlags:") of that smaps entry;
 * -ENOENT when the VMA or the field is not there.
 */
int uffd_util_smaps_line(const void *addr, const char *field, char *buf, size_t len);
/* Node of the page at addr (move_pages query); <0 is -errno or status. */
int uffd_util_page_node(const void *addr);

/* An anonymous private RW mapping of len bytes at a multiple of align;
 * the VMA is exactly [ret, ret + len).  MAP_FAILED on error. */
void *uffd_util_map(size_t len, size_t align);
/*
 * An empty uffd_util_map(len, align), madvise()d with advice unless it is 0,
 * registered MISSING on uffd.  NULL on error.
 */
char *uffd_util_map_registered(int uffd, size_t len, size_t align, int advice);
/* Why THP cannot be used for a PMD-sized anonymous folio, or NULL. */
const char *uffd_util_thp_unavailable(void);
/* MADV_HUGEPAGE and fill the 2 MiB at addr; true if it is PMD-mapped. */
bool uffd_util_thp_fill(void *addr, uint64_t first);
/* true if the 2 MiB at addr is one PMD-mapped THP (smaps + kpageflags). */
bool uffd_util_is_pmd_thp(void *addr);

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define UFFD_KPF_COMPOUND_HEAD	(1ULL << 15)
#define UFFD_KPF_COMPOUND_TAIL	(1ULL << 16)
#define UFFD_KPF_KSM		(1ULL << 21)
/* /proc/self/pagemap: mapped by this process only; the PTE carries the
 * uffd-wp bit (pagemap.rst). */
#define UFFD_PM_MMAP_EXCLUSIVE	(1ULL << 56)
#define UFFD_PM_UFFD_WP		(1ULL << 57)

/*
 * How many of the npages pages at addr PAGEMAP_SCAN reports PAGE_IS_HUGE
 * (mapped by a PMD, not by PTEs: pagemap_scan_pmd_entry()) in *huge.
 * 0 or -errno; -EOPNOTSUPP when built against uapi headers without
 * PAGEMAP_SCAN (before 6.7).
 */
int uffd_util_scan_huge(const void *addr, size_t npages, size_t *huge);
/*
 * Split the PMD mapping the THP at addr into PTEs without changing the
 * VMA: mprotect() of its first 4 KiB to PROT_READ (the VMA split makes
 * vma_adjust_trans_huge() split the PMD) and back to read-write (the
 * pieces merge again).  The folio itself stays one THP.  0 or -errno.
 */
int uffd_util_pte_map_thp(void *addr);
/*
 * true if the npages pages at addr are one compound folio of exactly that
 * size: a head page first, tail pages after it, consecutive PFNs, and the
 * page after it not a tail of it.  Needs visible PFNs (CAP_SYS_ADMIN).
 */
bool uffd_util_is_folio(const void *addr, size_t npages);
/* true if no page of the range belongs to a compound folio. */
bool uffd_util_all_small(const void *addr, size_t npages);

/* Read the u64 at addr in another thread, giving up after timeout_ms. */
int uffd_util_read_timeout(const volatile uint64_t *addr, int timeout_ms,
		    uint64_t *val);

/*
 * A store from another thread, which a userfault may block:
 * uffd_util_writer_start() stores val at addr in a new thread;
 * uffd_util_writer_join() waits up to timeout_ms for it: 0 once the
 * store is done, -ETIMEDOUT while it is still blocked (call it again
 * after resolving the fault; a thread never joined dies with the
 * process).
 */
struct uffd_util_writer {
	pthread_t thread;
	volatile uint64_t *addr;
	uint64_t val;
	bool started;
};

int uffd_util_writer_start(struct uffd_util_writer *w, volatile uint64_t *addr,
			   uint64_t val);
int uffd_util_writer_join(struct uffd_util_writer *w, int timeout_ms);

/* Exactly len bytes within timeout_ms: 0, -ETIMEDOUT, or -EPIPE on EOF. */
int uffd_util_recv(int fd, void *buf, size_t len, int timeout_ms);
int uffd_util_send(int fd, const void *buf, size_t len);

/*
 * A forked child running fn(arg, to_parent, from_parent).  The child
 * exits with fn's return value; it never returns into the harness.
 */
struct uffd_util_child {
	pid_t pid;
	int to_child;	/* parent writes */
	int from_child;	/* parent reads */
};

int uffd_util_child_start(struct uffd_util_child *c, int (*fn)(void *arg, int to_parent,
						  int from_parent), void *arg);
/*
 * What a child that is not answering is doing, for a failure message:
 * "state R, 1234 CPU ticks, wchan foo" from /proc/PID/stat and wchan
 * ('?' for what cannot be read).  Never fails.
 */
void uffd_util_describe_stuck(pid_t pid, char *buf, size_t len);

/*
 * Reap within timeout_ms (SIGKILL first if kill_first); 0 if reaped,
 * else -errno (-ETIMEDOUT).
 */
int uffd_util_child_reap(struct uffd_util_child *c, bool kill_first, int timeout_ms,
		  int *status);

/*
 * A child fn for uffd_util_child_start(): its copy of the range (fork() shares
 * the folios or swap entries) stays mapped until the parent sends a
 * byte; then it exits 0 if the pages still hold the uffd_util_fill() pattern
 * from first, 1 if not, 2 if the parent did not answer within 20 s.
 * It sends one byte when it is ready.
 */
struct uffd_util_holder {
	const void *addr;
	size_t npages;
	uint64_t first;
};

int uffd_util_holder(void *arg, int to_parent, int from_parent);

#endif /* MM_UFFD_UTIL_H */
