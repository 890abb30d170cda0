// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() resizing and moving on every kind of mapping (mapping_kind.h):
 * no resize, shrink (in place, across VMAs, with MREMAP_FIXED), expand (in
 * place, blocked with and without MREMAP_MAYMOVE), MREMAP_FIXED onto a
 * mapping, MREMAP_DONTUNMAP and the old_len == 0 duplicate.
 *
 * Each case checks the return value or errno, the data through the
 * resulting addresses, and /proc/self/maps.  hugetlb refuses every
 * expand with EINVAL (its reservations cannot be split); the window
 * layout is in mremap_window.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mremap/mremap_fixture.h"

#define SALT		0x4b1d
#define SALT_DST	0xd057

FIXTURE(mremap_kind) {
	MREMAP_FIXTURE_MEMBERS;
	unsigned long pages;	/* in the mapping */
};

MREMAP_FIXTURE_KIND_VARIANTS(mremap_kind);

FIXTURE_SETUP(mremap_kind)
{
	MREMAP_FIXTURE_SETUP(variant->kind, SALT);
	self->pages = self->len / MM_PAGE;
	/* Otherwise the kind would only repeat anon_private. */
	if (variant->kind == MAPPING_KIND_THP)
		MREMAP_FIXTURE_ASSERT_THP_MAPPED();
}

/* In the parent: it runs even when the test died of a signal. */
FIXTURE_TEARDOWN_PARENT(mremap_kind)
{
	mremap_window_restore(&self->w);
}

TEST_F(mremap_kind, no_resize)
{
	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len, 0,
					NULL));
	EXPECT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE, NULL));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

TEST_F(mremap_kind, shrink_in_place)
{
	size_t half = self->len / 2;

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, half, 0, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, half));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, half, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map + half, half);
}

/* The unmapped tail may cover the next VMA too. */
TEST_F(mremap_kind, shrink_across_vmas)
{
	size_t half = self->len / 2, next_len = 2 * self->unit;
	char *next = self->map + self->len;

	ASSERT_EQ(next, mremap_util_map_filled(next, next_len, SALT_DST));
	/* Read-only: it must not merge with an anonymous mapping kind. */
	ASSERT_EQ(0, mprotect(next, next_len, PROT_READ));

	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len + next_len, half,
					0, NULL));
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, half));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, half, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map + half, self->len - half + next_len);
}

TEST_F(mremap_kind, shrink_fixed)
{
	char *dst = self->dst;
	size_t half = self->len / 2;

	ASSERT_EQ(dst, mremap_util_mremap(self->map, self->len, half,
				  MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	EXPECT_TRUE(mremap_util_is_one_vma(dst, half));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst, half, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

/* Grow a file kind's file and show its new data through the new tail. */
static void expect_file_tail(struct __test_metadata *_metadata,
			     FIXTURE_DATA(mremap_kind) *self, char *tail)
{
	char *buf = malloc(self->len);

	ASSERT_NE(NULL, buf);
	mremap_util_fill(buf, self->len, SALT, self->pages);
	ASSERT_EQ(0, ftruncate(self->w.map.fd, 2 * self->len));
	ASSERT_EQ((ssize_t)self->len,
		  pwrite(self->w.map.fd, buf, self->len, self->len));
	free(buf);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, tail, self->len, SALT,
		  self->pages);
}

TEST_F(mremap_kind, expand_in_place)
{
	char *ret;

	mremap_window_free_after(&self->w);
	ret = mremap_util_mremap(self->map, self->len, 2 * self->len, 0, NULL);
	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_EQ(self->map, ret);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, 2 * self->len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, self->len, SALT, 0);
	mremap_expect_reads(_metadata, mapping_kind_expanded_tail(variant->kind),
		  self->map + self->len, self->len, SALT, self->pages);
	if (self->w.map.fd >= 0)
		expect_file_tail(_metadata, self, self->map + self->len);
}

TEST_F(mremap_kind, expand_blocked_nomove)
{
	char *ret = mremap_util_mremap(self->map, self->len, 2 * self->len, 0, NULL);

	MREMAP_EXPECT_FAILS(variant->kind == MAPPING_KIND_HUGETLB ? EINVAL : ENOMEM, ret);
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	/* The blocker is still there. */
	EXPECT_TRUE(mremap_util_in_one_vma(self->map + self->len, self->unit));
}

TEST_F(mremap_kind, expand_blocked_maymove)
{
	char *ret = mremap_util_mremap(self->map, self->len, 2 * self->len,
			       MREMAP_MAYMOVE, NULL);

	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	EXPECT_TRUE(mremap_util_in_one_vma(ret, 2 * self->len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	mremap_expect_reads(_metadata, mapping_kind_moved_tail(variant->kind), ret + self->len,
		  self->len, SALT, self->pages);
	if (self->w.map.fd >= 0)
		expect_file_tail(_metadata, self, ret + self->len);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	munmap(ret, 2 * self->len);
}

/* Only the first half of the destination mapping is replaced. */
TEST_F(mremap_kind, fixed_replaces_mapping)
{
	char *dst = self->dst;

	ASSERT_EQ(dst, mremap_util_map_filled(dst, 2 * self->len, SALT_DST));

	ASSERT_EQ(dst, mremap_util_mremap(self->map, self->len, self->len,
				  MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	EXPECT_TRUE(mremap_util_is_one_vma(dst, self->len));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst, self->len, SALT, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst + self->len, self->len,
		  SALT_DST, self->pages);
	mremap_expect_unmapped(_metadata, self->map, self->len);
}

/* What is left at the source of a DONTUNMAP move, and what moved. */
static void expect_dontunmapped(struct __test_metadata *_metadata,
				FIXTURE_DATA(mremap_kind) *self,
				enum mapping_kind kind, char *dst)
{
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, dst, self->len, SALT, 0);
	EXPECT_TRUE(mremap_util_is_one_vma(self->map, self->len));
	mremap_expect_reads(_metadata, mapping_kind_dontunmap_source(kind), self->map, self->len,
		  SALT, 0);
	if (kind == MAPPING_KIND_MLOCKED) {
		/* The source keeps no pages, so it is no longer locked. */
		EXPECT_FALSE(mremap_util_has_vmflag(self->map, "lo"));
		EXPECT_TRUE(mremap_util_has_vmflag(dst, "lo"));
	}
}

/* hugetlb VMAs are VM_DONTEXPAND, which MREMAP_DONTUNMAP refuses. */
TEST_F(mremap_kind, dontunmap)
{
	char *ret = mremap_util_mremap(self->map, self->len, self->len,
			       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);

	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_NE(MAP_FAILED, ret) TH_LOG("errno %d", errno);
	EXPECT_NE(self->map, ret);
	EXPECT_TRUE(mremap_util_in_one_vma(ret, self->len));
	expect_dontunmapped(_metadata, self, variant->kind, ret);
}

TEST_F(mremap_kind, dontunmap_fixed)
{
	char *dst = self->dst;
	char *ret = mremap_util_mremap(self->map, self->len, self->len,
			       MREMAP_MAYMOVE | MREMAP_FIXED |
			       MREMAP_DONTUNMAP, dst);

	if (variant->kind == MAPPING_KIND_HUGETLB) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_EQ(dst, ret);
	EXPECT_TRUE(mremap_util_is_one_vma(dst, self->len));
	expect_dontunmapped(_metadata, self, variant->kind, dst);
}

/* old_len 0 maps the same shared pages a second time. */
TEST_F(mremap_kind, duplicate_old_len_zero)
{
	volatile uint64_t *src, *dup;
	char *ret;

	ret = mremap_util_mremap(self->map, 0, self->len, MREMAP_MAYMOVE, NULL);
	if (!mapping_kind_is_shared(variant->kind)) {
		MREMAP_EXPECT_FAILS(EINVAL, ret);
		MREMAP_FIXTURE_EXPECT_INTACT(SALT);
		return;
	}
	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	/* The same pages, not a copy. */
	src = (uint64_t *)(self->map + self->len - MM_PAGE);
	dup = (uint64_t *)(ret + self->len - MM_PAGE);
	*src = 0x1234567;
	EXPECT_EQ(0x1234567, *dup);
	munmap(ret, self->len);
}

TEST_F(mremap_kind, duplicate_old_len_zero_nomove)
{
	char *ret = mremap_util_mremap(self->map, 0, self->len, 0, NULL);

	MREMAP_EXPECT_FAILS(mapping_kind_is_shared(variant->kind) ? ENOMEM : EINVAL, ret);
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
}

MM_HARNESS_MAIN
