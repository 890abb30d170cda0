// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() MREMAP_FIXED moves of a range that spans several VMAs (6.17+):
 * every VMA moves, keeping its flags, its data and the gaps between VMAs.
 * A range starting in a gap, or whose first VMA is uffd-armed with more
 * to follow, is refused with EFAULT and nothing moves.
 *
 * Kernels without the feature refuse any such range with EFAULT; the
 * fixture finds out by trying a two-VMA move first, and SKIPs then.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm_harness.h"
#include "mremap/mremap_expect.h"
#include "mremap/mremap_util.h"
#include "uffd/uffd.h"

#define PG		MM_PAGE
#define WINDOW		(32 * PG)
#define DST_OFF		(16 * PG)
#define SALT_A		0xa
#define SALT_B		0xb
#define SALT_C		0xc

/*
 * Window (pages): 0 guard | 1-2 A anon rw | 3-4 B memfd shared ro |
 * 5-6 C anon rw | ... | 16- destination, all of it reserved PROT_NONE.
 */
FIXTURE(mremap_multi) {
	char *window;
	char *a, *b, *c, *dst;
	int memfd;
	int uffd;
};

/* Can this kernel move two VMAs in one call?  Tried on scratch space. */
static int probe_multi_vma_move(void)
{
	char *p = mremap_util_reserve(4 * PG, PG);
	int ret;

	if (p == MAP_FAILED)
		return -errno;
	mprotect(p, PG, PROT_READ);	/* two VMAs: r--, --- */
	ret = mremap_util_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			 p + 2 * PG) == MAP_FAILED ? -errno : 0;
	munmap(p, 4 * PG);
	return ret;
}

FIXTURE_SETUP(mremap_multi)
{
	int ret = probe_multi_vma_move();

	self->memfd = self->uffd = -1;
	if (ret == -EFAULT)
		SKIP(return, "kernel refuses mremap() moves spanning several VMAs (EFAULT; multi-VMA moves came with 6.17)");
	ASSERT_EQ(0, ret);
	self->window = mremap_util_reserve(WINDOW, PG);
	ASSERT_NE(MAP_FAILED, self->window);
	self->a = self->window + PG;
	self->b = self->window + 3 * PG;
	self->c = self->window + 5 * PG;
	self->dst = self->window + DST_OFF;
	ASSERT_EQ(self->a, mremap_util_map_filled(self->a, 2 * PG, SALT_A));
	ASSERT_EQ(self->c, mremap_util_map_filled(self->c, 2 * PG, SALT_C));
	self->memfd = memfd_create("mremap-multi", MFD_CLOEXEC);
	ASSERT_LE(0, self->memfd);
	ASSERT_EQ(0, ftruncate(self->memfd, 2 * PG));
	ASSERT_EQ(self->b, mmap(self->b, 2 * PG, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_FIXED, self->memfd, 0));
	mremap_util_fill(self->b, 2 * PG, SALT_B, 0);
	ASSERT_EQ(0, mprotect(self->b, 2 * PG, PROT_READ));
}

FIXTURE_TEARDOWN(mremap_multi)
{
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->memfd >= 0)
		close(self->memfd);
}

/* A VMA of exactly [addr, addr + len) with these permissions. */
static void expect_vma(struct __test_metadata *_metadata, const char *addr,
		       size_t len, const char *perms)
{
	struct mm_vma vma;

	ASSERT_TRUE(mremap_util_vma_at(addr, &vma)) TH_LOG("nothing at %p", addr);
	EXPECT_EQ((unsigned long)addr, vma.start);
	EXPECT_EQ((unsigned long)addr + len, vma.end);
	EXPECT_STREQ(perms, vma.perms);
}

TEST_F(mremap_multi, move_three_vmas)
{
	static char buf[PG];
	char *d = self->dst;

	ASSERT_EQ(d, mremap_util_mremap(self->a, 6 * PG, 6 * PG,
				MREMAP_MAYMOVE | MREMAP_FIXED, d));
	expect_vma(_metadata, d, 2 * PG, "rw-p");
	expect_vma(_metadata, d + 2 * PG, 2 * PG, "r--s");
	expect_vma(_metadata, d + 4 * PG, 2 * PG, "rw-p");
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d, 2 * PG, SALT_A, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d + 2 * PG, 2 * PG, SALT_B, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d + 4 * PG, 2 * PG, SALT_C, 0);
	mremap_expect_unmapped(_metadata, self->a, 6 * PG);
	/* The moved file mapping still maps the same file pages. */
	mremap_util_fill(buf, PG, SALT_C + 1, 0);
	ASSERT_EQ((ssize_t)PG, pwrite(self->memfd, buf, PG, PG));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d + 3 * PG, PG, SALT_C + 1, 0);
}

/* The gap between A and C reappears between their copies. */
TEST_F(mremap_multi, move_keeps_gaps)
{
	char *d = self->dst;
	struct mm_vma vma;

	ASSERT_EQ(0, munmap(self->b, 2 * PG));
	ASSERT_EQ(d, mremap_util_mremap(self->a, 6 * PG, 6 * PG,
				MREMAP_MAYMOVE | MREMAP_FIXED, d));
	expect_vma(_metadata, d, 2 * PG, "rw-p");
	expect_vma(_metadata, d + 4 * PG, 2 * PG, "rw-p");
	/* Still the window's reservation where the gap lands. */
	ASSERT_TRUE(mremap_util_vma_at(d + 2 * PG, &vma));
	EXPECT_STREQ("---p", vma.perms);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d, 2 * PG, SALT_A, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, d + 4 * PG, 2 * PG, SALT_C, 0);
	mremap_expect_unmapped(_metadata, self->a, 6 * PG);
}

/* What the refused moves below must leave alone. */
static void expect_nothing_moved(struct __test_metadata *_metadata,
				 FIXTURE_DATA(mremap_multi) *self)
{
	struct mm_vma vma;

	ASSERT_TRUE(mremap_util_vma_at(self->dst, &vma));
	EXPECT_STREQ("---p", vma.perms);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->b, 2 * PG, SALT_B, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->c, 2 * PG, SALT_C, 0);
}

TEST_F(mremap_multi, gap_at_start_efault)
{
	ASSERT_EQ(0, munmap(self->a, PG));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->a, 6 * PG, 6 * PG,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->dst));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->a + PG, PG, SALT_A, 1);
	expect_nothing_moved(_metadata, self);
}

/* uffd-armed VMAs move only alone: the event needs the lock dropped. */
TEST_F(mremap_multi, uffd_armed_first_vma_efault)
{
	char why[160];
	int ret = uffd_open_features(0, &self->uffd, why, sizeof(why));

	if (ret == MM_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, uffd_register(self->uffd, self->a, 2 * PG,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	MREMAP_EXPECT_FAILS(EFAULT, mremap_util_mremap(self->a, 6 * PG, 6 * PG,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->dst));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->a, 2 * PG, SALT_A, 0);
	expect_nothing_moved(_metadata, self);
}

MM_HARNESS_MAIN
