/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rest of gup_test (debugfs, CONFIG_GUP_TEST) beside lib/uffd/gup_pin.h's
 * PIN_LONGTERM_TEST: the one-shot ioctls that get or pin a range and
 * put it back before returning (GUP_FAST_BENCHMARK, PIN_FAST_BENCHMARK,
 * PIN_LONGTERM_BENCHMARK, GUP_BASIC_TEST, PIN_BASIC_TEST,
 * DUMP_USER_PAGES_TEST), and PIN_LONGTERM_TEST_START with the
 * gup-fast flag.  Open the file with gup_pin_open().
 *
 * mm/gup_test.c's __gup_test_ioctl() returns 0 however many pages the
 * get or pin calls took, and reports the bytes it walked in .size: with
 * one call over the whole range (nr_pages_per_call = all of it), .size
 * is 0 when the first and only call took nothing, and the whole length
 * when it took every page.  That is the count these helpers return.
 *
 * Every function returns 0 or -errno.
 */
#ifndef MM_GUP_BENCH_H
#define MM_GUP_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#include "uffd/gup_pin.h"

/* mm/gup_test.h is not uapi: its struct gup_test, field for field. */
#define GUP_BENCH_MAX_DUMP	8
struct gup_bench_args {
	__u64 get_delta_usec;
	__u64 put_delta_usec;
	__u64 addr;
	__u64 size;
	__u32 nr_pages_per_call;
	__u32 gup_flags;
	__u32 test_flags;
	__u32 which_pages[GUP_BENCH_MAX_DUMP];	/* 1-based, 0: none */
};

#define GUP_BENCH_GUP_FAST	_IOWR('g', 1, struct gup_bench_args)
#define GUP_BENCH_PIN_FAST	_IOWR('g', 2, struct gup_bench_args)
#define GUP_BENCH_PIN_LONGTERM	_IOWR('g', 3, struct gup_bench_args)
#define GUP_BENCH_GUP_BASIC	_IOWR('g', 4, struct gup_bench_args)
#define GUP_BENCH_PIN_BASIC	_IOWR('g', 5, struct gup_bench_args)
#define GUP_BENCH_DUMP_PAGES	_IOWR('g', 6, struct gup_bench_args)
/* .test_flags of DUMP_PAGES: pin_user_pages() rather than get_user_pages() */
#define GUP_BENCH_DUMP_USE_PIN	0x1
/* FOLL_WRITE (include/linux/mm_types.h, enum foll_flags: 1 << 0) */
#define GUP_BENCH_FOLL_WRITE	0x1
/* pin_longterm_test .flags: pin_user_pages_fast() instead of the slow path */
#define GUP_PIN_LONGTERM_TEST_FLAG_USE_FAST	2

/* "GUP_FAST_BENCHMARK" and so on, for messages. */
const char *gup_bench_name(unsigned long cmd);

/*
 * One CMD over [ADDR, ADDR + LEN) in a single call, FOLL_WRITE with
 * WRITE; DUMP_PAGE (1-based page, 0: none) for DUMP_USER_PAGES_TEST,
 * whose pages dump_page() logs.  *DONE: the bytes the kernel got or
 * pinned (and put back), see above.  0 or -errno (the ioctl's).
 */
int gup_bench_run(struct gup_pin *g, unsigned long cmd, void *addr,
		  uint64_t len, bool write, uint32_t test_flags,
		  uint32_t dump_page, uint64_t *done);

/*
 * PIN_LONGTERM_TEST_START with FOLL_WRITE when WRITE and through
 * pin_user_pages_fast() when FAST: the pin stays until gup_pin_stop()
 * or gup_pin_close().  0 or -errno (-EFAULT when refused).
 */
int gup_bench_longterm_start(struct gup_pin *g, void *addr, uint64_t len,
			     bool write, bool fast);

/*
 * Does gup_test have PIN_LONGTERM_TEST_START (not in 6.1) and, with
 * FAST, its PIN_LONGTERM_TEST_FLAG_USE_FAST?  Probed by pinning one anonymous page
 * (an unknown ioctl or flag is -EINVAL).  1 yes, 0 no, -errno.
 */
int gup_bench_longterm_probe(struct gup_pin *g, bool fast);

#endif /* MM_GUP_BENCH_H */
