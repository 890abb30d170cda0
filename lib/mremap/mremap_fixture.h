/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture the mremap tests build on an address window
 * (mremap_window.h): the members, the setup and the checks they share.
 * Macros, because they SKIP or return from the calling setup or test
 * and use its self and _metadata.
 *
 *	FIXTURE(f) {
 *		MREMAP_FIXTURE_MEMBERS;
 *		long own;
 *	};
 *	MREMAP_FIXTURE_KIND_VARIANTS(f);		(optional: one variant per kind)
 *
 *	FIXTURE_SETUP(f)
 *	{
 *		MREMAP_FIXTURE_SETUP(MAPPING_KIND_THP, SALT);
 *		...
 *	}
 */
#ifndef MREMAP_FIXTURE_H
#define MREMAP_FIXTURE_H

#include "mm_harness.h"
#include "mremap/mremap_expect.h"
#include "mremap/mremap_util.h"
#include "mremap/mremap_window.h"

#define MREMAP_FIXTURE_MEMBERS						\
	struct mremap_window w;							\
	char *map;	/* the mapping under test, unit 1 */		\
	char *dst;	/* spare reserved space, unit MREMAP_WINDOW_DST_UNIT */	\
	size_t len;	/* of the mapping */				\
	size_t unit	/* mapping_kind_unit() of its kind */

/* The variant struct, with .kind, and one FIXTURE_VARIANT per kind. */
#define MREMAP_FIXTURE_KIND_VARIANTS(f)						\
	FIXTURE_VARIANT(f) {						\
		enum mapping_kind kind;					\
	};								\
	FIXTURE_VARIANT_ADD(f, anon_private) { .kind = MAPPING_KIND_ANON_PRIVATE }; \
	FIXTURE_VARIANT_ADD(f, anon_shared) { .kind = MAPPING_KIND_ANON_SHARED };	\
	FIXTURE_VARIANT_ADD(f, memfd) { .kind = MAPPING_KIND_MEMFD };		\
	FIXTURE_VARIANT_ADD(f, tmpfs_file) { .kind = MAPPING_KIND_TMPFS_FILE };	\
	FIXTURE_VARIANT_ADD(f, thp) { .kind = MAPPING_KIND_THP };			\
	FIXTURE_VARIANT_ADD(f, hugetlb) { .kind = MAPPING_KIND_HUGETLB };		\
	FIXTURE_VARIANT_ADD(f, mlocked) { .kind = MAPPING_KIND_MLOCKED };		\
	FIXTURE_VARIANT_ADD(f, uffd) { .kind = MAPPING_KIND_UFFD }

/*
 * In FIXTURE_SETUP: mremap_window_setup() a window with a mapping of @kind filled
 * with stream @salt, and the members pointing into it.  SKIPs when the
 * kernel does not offer the kind, fails when it cannot be set up.
 */
#define MREMAP_FIXTURE_SETUP(kind, salt) do {				\
		char __why[160];					\
		int __ret;						\
									\
		__ret = mremap_window_setup(&self->w, (kind), 0, (salt), __why,	\
				  sizeof(__why));			\
		if (__ret == MM_SKIP)					\
			SKIP(return, "%s", __why);			\
		ASSERT_EQ(0, __ret) TH_LOG("%s", __why);		\
		self->map = self->w.map.addr;				\
		self->dst = mremap_window_at(&self->w, MREMAP_WINDOW_DST_UNIT);		\
		self->len = self->w.len;				\
		self->unit = self->w.unit;				\
	} while (0)

/*
 * In FIXTURE_SETUP, after MREMAP_FIXTURE_SETUP(MAPPING_KIND_THP, ...): the mapping is
 * PMD-mapped THPs, verified rather than assumed.  A failed setup gets no
 * teardown, so this one undoes mremap_window_setup()'s system changes itself.
 */
#define MREMAP_FIXTURE_ASSERT_THP_MAPPED() do {					\
		ASSERT_EQ((long)(self->len >> 10),			\
			  mm_smaps_kb(self->map, "AnonHugePages")) {	\
			mremap_window_restore(&self->w);				\
		}							\
	} while (0)

/* The mapping is as the setup left it: one VMA, all its data. */
#define MREMAP_FIXTURE_EXPECT_INTACT(salt) do {					\
		EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));	\
		mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, self->len, \
			  (salt), 0);					\
	} while (0)

#endif /* MREMAP_FIXTURE_H */
