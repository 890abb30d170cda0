// SPDX-License-Identifier: GPL-2.0
/* gup_test's one-shot get/pin ioctls: see gup_bench.h. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "gup/gup_bench.h"


const char *gup_bench_name(unsigned long cmd)
{
	switch (cmd) {
	case GUP_BENCH_GUP_FAST:	return "GUP_FAST_BENCHMARK";
	case GUP_BENCH_PIN_FAST:	return "PIN_FAST_BENCHMARK";
	case GUP_BENCH_PIN_LONGTERM:	return "PIN_LONGTERM_BENCHMARK";
	case GUP_BENCH_GUP_BASIC:	return "GUP_BASIC_TEST";
	case GUP_BENCH_PIN_BASIC:	return "PIN_BASIC_TEST";
	case GUP_BENCH_DUMP_PAGES:	return "DUMP_USER_PAGES_TEST";
	default:			return "?";
	}
}

int gup_bench_run(struct gup_pin *g, unsigned long cmd, void *addr,
		  uint64_t len, bool write, uint32_t test_flags,
		  uint32_t dump_page, uint64_t *done)
{
	struct gup_bench_args a;

	memset(&a, 0, sizeof(a));
	a.addr = (uintptr_t)addr;
	a.size = len;
	a.nr_pages_per_call = len / MM_PAGE;
	a.gup_flags = write ? GUP_BENCH_FOLL_WRITE : 0;
	a.test_flags = test_flags;
	a.which_pages[0] = dump_page;
	*done = 0;
	if (ioctl(g->fd, cmd, &a))
		return -errno;
	*done = a.size;
	return 0;
}

int gup_bench_longterm_start(struct gup_pin *g, void *addr, uint64_t len,
			     bool write, bool fast)
{
	struct gup_pin_longterm_test args = {
		.addr = (uintptr_t)addr,
		.size = len,
		.flags = (write ? GUP_PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0) |
			 (fast ? GUP_PIN_LONGTERM_TEST_FLAG_USE_FAST : 0),
	};

	if (ioctl(g->fd, GUP_PIN_LONGTERM_TEST_START, &args))
		return -errno;
	g->pinned = true;
	return 0;
}

int gup_bench_longterm_probe(struct gup_pin *g, bool fast)
{
	char *p = mmap(NULL, MM_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret;

	if (p == MAP_FAILED)
		return -errno;
	*(volatile char *)p = 1;
	ret = gup_bench_longterm_start(g, p, MM_PAGE, true, fast);
	if (!ret)
		gup_pin_stop(g);
	munmap(p, MM_PAGE);
	return !ret ? 1 : ret == -EINVAL ? 0 : ret;
}
