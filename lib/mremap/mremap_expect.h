/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions the mremap tests share, as harness EXPECTs (so they take the
 * harness's _metadata).  Include after mm_harness.h.
 */
#ifndef MREMAP_EXPECT_H
#define MREMAP_EXPECT_H

#include <errno.h>
#include <signal.h>

#include "mremap/mapping_kind.h"
#include "mm_harness.h"
#include "mremap/mremap_util.h"

/*
 * Expect every page of [addr, addr + len) to read as @want; for
 * MAPPING_KIND_READS_DATA the pattern of stream @salt starting at page @pg.
 * Signals are sampled at the first, a middle and the last page; data
 * and zeroes are checked in every page once the samples agree.
 */
static inline void mremap_expect_reads(struct __test_metadata *_metadata,
			     enum mapping_kind_read want, const void *addr, size_t len,
			     unsigned long salt, unsigned long pg)
{
	const size_t offs[] = {
		0, len / MM_PAGE / 2 * MM_PAGE, len - MM_PAGE,
	};
	const char *p = addr;
	enum mapping_kind_read got;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		got = mapping_kind_read_page(p + offs[i], salt, pg + offs[i] / MM_PAGE);
		if (got != want)
			TH_LOG("page %p (+%#zx of %p) reads %s, expected %s",
			       p + offs[i], offs[i], addr, mapping_kind_read_name(got),
			       mapping_kind_read_name(want));
		EXPECT_EQ(want, got);
		if (got != want)
			return;
	}
	if (want == MAPPING_KIND_READS_DATA) {
		EXPECT_EQ(-1, mremap_util_check(addr, len, salt, pg));
	} else if (want == MAPPING_KIND_READS_ZERO) {
		EXPECT_EQ(-1, mremap_util_check_zero(addr, len));
	}
}

/* Expect [addr, addr + len) to be unmapped: absent from maps, SIGSEGV. */
static inline void mremap_expect_unmapped(struct __test_metadata *_metadata,
				const void *addr, size_t len)
{
	const char *p = addr;

	EXPECT_TRUE(mremap_util_range_unmapped(addr, len)) {
		TH_LOG("%p..%p still in /proc/self/maps", p, p + len);
	}
	EXPECT_EQ(SIGSEGV, mm_probe_read(p));
	EXPECT_EQ(SIGSEGV, mm_probe_read(p + len - 1));
}

/* Expect an mremap() (evaluated here, once) to fail with @err. */
#define MREMAP_EXPECT_FAILS(err, ret) do {					\
		void *__r = (void *)(ret);				\
		int __e = errno;					\
									\
		EXPECT_EQ(MAP_FAILED, __r);				\
		EXPECT_EQ(err, __e) {					\
			TH_LOG("errno %d (%s), expected %d (%s)", __e,	\
			       strerror(__e), err, strerror(err));	\
		}							\
	} while (0)

#endif /* MREMAP_EXPECT_H */
