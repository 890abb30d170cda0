// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/pfnmap/ptdump.c, the page-table level oracle of the pfnmap
 * tests: parsing, coalescing, lookups, checks and rejection of text it
 * does not understand, on written and captured ptdump text.  The "live"
 * case reads the running kernel's own ptdump where there is one.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mm_harness.h"
#include "pfnmap/ptdump.h"
#include "ptdump_samples.h"
#include "ptdump_vm61.h"
#include "ptdump_vm612.h"
#include "ptdump_vm72.h"

#define PROT_HUGE_BAR	(PTDUMP_PRESENT | PTDUMP_USR | PTDUMP_RW | \
			 PTDUMP_PCD | PTDUMP_PSE | PTDUMP_NX)

FIXTURE(hand) {
	struct ptdump pd;
	char why[256];
};

FIXTURE_SETUP(hand)
{
	ASSERT_EQ(0, ptdump_parse(&self->pd, ptdump_sample_hand, self->why,
				  sizeof(self->why))) TH_LOG("%s", self->why);
}

FIXTURE_TEARDOWN(hand)
{
	ptdump_free(&self->pd);
}

/* Equal neighbours merge, even across a marker line; others do not. */
TEST_F(hand, coalesced)
{
	const struct ptdump_range *r;

	ASSERT_EQ(17, self->pd.nr);
	r = ptdump_find(&self->pd, 0x40000000);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0x40000000, r->start);
	EXPECT_EQ(0xc0000000, r->end);
	EXPECT_EQ(PTDUMP_PUD, r->level);
	EXPECT_EQ(PROT_HUGE_BAR, r->flags);
	/* Same flags, another level: a range of its own. */
	EXPECT_EQ(PTDUMP_PMD, ptdump_find(&self->pd, 0xc0000000)->level);
	/* User-space end and kernel hole: both not-present pgd, one range. */
	r = ptdump_find(&self->pd, 0x800000000000ULL);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0x8000000000ULL, r->start);
	EXPECT_EQ(0xffff888000000000ULL, r->end);
	EXPECT_EQ(0, r->flags);
}

TEST_F(hand, flags)
{
	const struct ptdump_range *r;
	char buf[64];

	r = ptdump_find(&self->pd, 0x400fff);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(PTDUMP_PTE, r->level);
	EXPECT_EQ(PTDUMP_PRESENT | PTDUMP_USR, r->flags);
	EXPECT_STREQ("USR ro x", ptdump_flags_str(r->flags, buf, sizeof(buf)));
	r = ptdump_find(&self->pd, 0x401000);
	EXPECT_EQ(PTDUMP_PRESENT | PTDUMP_USR | PTDUMP_RW | PTDUMP_NX, r->flags);
	r = ptdump_find(&self->pd, 0xc0200000);
	EXPECT_EQ(PROT_HUGE_BAR | PTDUMP_PWT | PTDUMP_PAT, r->flags);
	EXPECT_STREQ("USR RW PWT PCD PSE PAT NX",
		     ptdump_flags_str(r->flags, buf, sizeof(buf)));
	r = ptdump_find(&self->pd, 0xffffffff81000000ULL);
	EXPECT_EQ(PTDUMP_PRESENT | PTDUMP_PSE | PTDUMP_GLB, r->flags);
	r = ptdump_find(&self->pd, 0x402000);
	EXPECT_EQ(0, r->flags);
	EXPECT_EQ(PTDUMP_PTE, r->level);
	EXPECT_STREQ("not-present", ptdump_flags_str(r->flags, buf, sizeof(buf)));
}

/* The last line ends at 0, i.e. it runs to the top of the address space. */
TEST_F(hand, last_line_wraps)
{
	const struct ptdump_range *r = ptdump_find(&self->pd, UINT64_MAX - 1);

	ASSERT_NE(NULL, r);
	EXPECT_EQ(0xffffffffff600000ULL, r->start);
	EXPECT_EQ(UINT64_MAX, r->end);
	EXPECT_EQ(&self->pd.ranges[self->pd.nr - 1], r);
}

/* Lines left out by "... N entries skipped ..." map nothing known. */
TEST_F(hand, skipped_gap)
{
	uint64_t bytes[PTDUMP_NR_LEVELS], unmapped;

	EXPECT_NE(NULL, ptdump_find(&self->pd, 0xfffffe0000000fffULL));
	EXPECT_EQ(NULL, ptdump_find(&self->pd, 0xfffffe0000001000ULL));
	EXPECT_EQ(NULL, ptdump_find(&self->pd, 0xffffffff7fffffffULL));
	EXPECT_EQ(-1, ptdump_check(&self->pd, 0xfffffe0000000000ULL,
				   0xfffffe0000002000ULL, PTDUMP_PTE, 0,
				   self->why, sizeof(self->why)));
	EXPECT_NE(NULL, strstr(self->why, "no ptdump line")) TH_LOG("%s", self->why);
	ptdump_count(&self->pd, 0xfffffe0000000000ULL, 0xffffffff80001000ULL,
		     bytes, &unmapped);
	EXPECT_EQ(4096, bytes[PTDUMP_PTE]);
	EXPECT_EQ(0xffffffff80001000ULL - 0xfffffe0000001000ULL, unmapped);
}

TEST_F(hand, check)
{
	EXPECT_EQ(0, ptdump_check(&self->pd, 0x40000000, 0xc0000000,
				  PTDUMP_PUD, PTDUMP_RW | PTDUMP_PCD,
				  self->why, sizeof(self->why)));
	EXPECT_EQ(0, ptdump_check(&self->pd, 0x40001000, 0x40002000,
				  PTDUMP_PUD, 0, self->why, sizeof(self->why)));
	/* Runs on into the pmds. */
	EXPECT_EQ(-1, ptdump_check(&self->pd, 0x40000000, 0xc0000001,
				   PTDUMP_PUD, 0, self->why, sizeof(self->why)));
	EXPECT_STREQ("0xc0000000-0xc0200000 is pmd USR RW PCD PSE NX", self->why);
	/* A flag the entries lack. */
	EXPECT_EQ(-1, ptdump_check(&self->pd, 0x40000000, 0x80000000,
				   PTDUMP_PUD, PTDUMP_PWT, self->why,
				   sizeof(self->why)));
	/* Not present is never a match, whatever the level. */
	EXPECT_EQ(-1, ptdump_check(&self->pd, 0x402000, 0x403000, PTDUMP_PTE,
				   0, self->why, sizeof(self->why)));
	EXPECT_STREQ("0x402000-0x600000 is pte not-present", self->why);
	EXPECT_EQ(0, ptdump_check(&self->pd, 0x400000, 0x402000, PTDUMP_PTE,
				  0, self->why, sizeof(self->why)));
}

TEST_F(hand, count)
{
	uint64_t bytes[PTDUMP_NR_LEVELS], unmapped;

	ptdump_count(&self->pd, 0, 0x100000000ULL, bytes, &unmapped);
	EXPECT_EQ(2ULL << 30, bytes[PTDUMP_PUD]);
	EXPECT_EQ(4ULL << 20, bytes[PTDUMP_PMD]);
	EXPECT_EQ(8192, bytes[PTDUMP_PTE]);
	EXPECT_EQ(0, bytes[PTDUMP_PGD] + bytes[PTDUMP_P4D]);
	EXPECT_EQ(0x100000000ULL - (2ULL << 30) - (4ULL << 20) - 8192, unmapped);
	/* Part of one range. */
	ptdump_count(&self->pd, 0x7ffff000, 0x80001000, bytes, &unmapped);
	EXPECT_EQ(0x2000, bytes[PTDUMP_PUD]);
	EXPECT_EQ(0, unmapped);
}

/*
 * Text captured in the guest on 6.12, 7.2 and 6.1 (see the headers for
 * what was mapped where):
 * the oracle must see the vfio BARs at the level the kernel used, and a
 * run of equal entries as one range however many lines ptdump printed.
 */
FIXTURE(captured) {
	struct ptdump pd;
	char why[256];
};

FIXTURE_VARIANT(captured) {
	const char *text;
	uint64_t big;			/* 2 GiB BAR, all of it touched */
	enum ptdump_level big_level;
	uint64_t small;			/* 1 GiB BAR */
	enum ptdump_level small_level;
	uint64_t small_mapped;		/* bytes of it mapped */
	uint64_t anon;			/* 64 pages, every third touched */
};

/* Huge pfnmaps: two puds; four pmds, only the touched ones. */
FIXTURE_VARIANT_ADD(captured, vm612) {
	.text = ptdump_sample_vm612,
	.big = 0x7f9a00000000ULL,
	.big_level = PTDUMP_PUD,
	.small = 0x7f9980200000ULL,
	.small_level = PTDUMP_PMD,
	.small_mapped = 8ULL << 20,
	.anon = 0x7f9aa52ef000ULL,
};

FIXTURE_VARIANT_ADD(captured, vm72) {
	.text = ptdump_sample_vm72,
	.big = 0x7f72c0000000ULL,
	.big_level = PTDUMP_PUD,
	.small = 0x7f7240200000ULL,
	.small_level = PTDUMP_PMD,
	.small_mapped = 8ULL << 20,
	.anon = 0x7f736894d000ULL,
};

/* 6.1's vfio maps the whole VMA with ptes on the first fault. */
FIXTURE_VARIANT_ADD(captured, vm61) {
	.text = ptdump_sample_vm61,
	.big = 0x7f8b40000000ULL,
	.big_level = PTDUMP_PTE,
	.small = 0x7f8ac0200000ULL,
	.small_level = PTDUMP_PTE,
	.small_mapped = 1ULL << 30,
	.anon = 0x7f8bf3d45000ULL,
};

FIXTURE_SETUP(captured)
{
	ASSERT_EQ(0, ptdump_parse(&self->pd, variant->text, self->why,
				  sizeof(self->why))) TH_LOG("%s", self->why);
}

FIXTURE_TEARDOWN(captured)
{
	ptdump_free(&self->pd);
}

TEST_F(captured, whole_address_space)
{
	ASSERT_LT(50, self->pd.nr);
	EXPECT_EQ(0, self->pd.ranges[0].start);
	EXPECT_EQ(UINT64_MAX, self->pd.ranges[self->pd.nr - 1].end);
	/* Each GiB was touched once, yet all of it is one range. */
	EXPECT_EQ(variant->big, ptdump_find(&self->pd, variant->big)->start);
	EXPECT_EQ(variant->big + (2ULL << 30),
		  ptdump_find(&self->pd, variant->big)->end);
}

TEST_F(captured, bars)
{
	unsigned int flags = PTDUMP_USR | PTDUMP_RW | PTDUMP_PCD | PTDUMP_NX;
	uint64_t bytes[PTDUMP_NR_LEVELS], unmapped;

	if (variant->big_level != PTDUMP_PTE)
		flags |= PTDUMP_PSE;
	EXPECT_EQ(0, ptdump_check(&self->pd, variant->big,
				  variant->big + (2ULL << 30),
				  variant->big_level, flags, self->why,
				  sizeof(self->why))) TH_LOG("%s", self->why);
	ptdump_count(&self->pd, variant->small, variant->small + (1ULL << 30),
		     bytes, &unmapped);
	EXPECT_EQ(variant->small_mapped, bytes[variant->small_level]);
	EXPECT_EQ((1ULL << 30) - variant->small_mapped, unmapped);
	EXPECT_EQ(0, ptdump_check(&self->pd, variant->small,
				  variant->small + variant->small_mapped,
				  variant->small_level, flags, self->why,
				  sizeof(self->why))) TH_LOG("%s", self->why);
	/* Right below it: the skew left a not-present pmd. */
	EXPECT_EQ(-1, ptdump_check(&self->pd, variant->small - 4096,
				   variant->small, PTDUMP_PMD, 0, self->why,
				   sizeof(self->why)));
}

TEST_F(captured, anon_ptes)
{
	uint64_t bytes[PTDUMP_NR_LEVELS], unmapped;
	const struct ptdump_range *r;
	int page;

	ptdump_count(&self->pd, variant->anon, variant->anon + 64 * 4096,
		     bytes, &unmapped);
	EXPECT_EQ(22 * 4096, bytes[PTDUMP_PTE]);
	EXPECT_EQ(42 * 4096, unmapped);
	for (page = 0; page < 64; page++) {
		r = ptdump_find(&self->pd, variant->anon + page * 4096);
		ASSERT_NE(NULL, r);
		EXPECT_EQ(PTDUMP_PTE, r->level);
		EXPECT_EQ(page % 3 == 0, !!(r->flags & PTDUMP_PRESENT))
			TH_LOG("anon page %d", page);
	}
}

TEST(level_names)
{
	EXPECT_STREQ("pud", ptdump_level_name(PTDUMP_PUD));
	EXPECT_STREQ("pte", ptdump_level_name(PTDUMP_PTE));
	EXPECT_STREQ("?", ptdump_level_name(PTDUMP_NR_LEVELS));
	EXPECT_EQ(1ULL << 30, ptdump_level_size(PTDUMP_PUD));
	EXPECT_EQ(2ULL << 20, ptdump_level_size(PTDUMP_PMD));
	EXPECT_EQ(4096, ptdump_level_size(PTDUMP_PTE));
	EXPECT_EQ(0, ptdump_level_size(PTDUMP_PGD));
}

TEST(empty_and_unterminated)
{
	struct ptdump pd;
	char why[256];

	ASSERT_EQ(0, ptdump_parse(&pd, "", why, sizeof(why)));
	EXPECT_EQ(0, pd.nr);
	EXPECT_EQ(NULL, ptdump_find(&pd, 0));
	ptdump_free(&pd);
	ASSERT_EQ(0, ptdump_parse(&pd, "---[ User Space ]---\n"
		"0x0000000000000000-0x0000000000001000           4K USR RW                     NX pte",
		why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(1, pd.nr);
	EXPECT_EQ(4096, pd.ranges[0].end);
	ptdump_free(&pd);
}

/* Text the parser must refuse, with the line it stopped at. */
struct bad_line {
	const char *line;
	const char *err;
};

static const struct bad_line bad_lines[] = {
	{ "0x0000000000400000-0x0000000000600000           4M                               pmd",
	  "size column disagrees" },
	{ "0x0000000000400000-0x0000000000600000           2K                               pmd",
	  "size column disagrees" },
	{ "0x0000000000400000-0x0000000000600000           2Q                               pmd",
	  "bad size column" },
	{ "0x0000000000400000-0x0000000000600000           2M                               pxd",
	  "unknown level" },
	{ "0x0000000000400000-0x0000000000600000           2M USR RW FOO               NX pmd",
	  "unknown flag" },
	{ "0x0000000000400000-0x0000000000600000           2M USR                             pmd",
	  "flags on a not-present entry" },
	{ "0x0000000000400000-0x0000000000600000           2M ",
	  "no level" },
	{ "0x0000000000600000-0x0000000000400000           2M                               pmd",
	  "end before start" },
	{ "0x00000000003ff000-0x0000000000600000        2052K                               pmd",
	  "overlaps the previous line" },
	{ "0x0000000000400000 0x0000000000600000           2M                               pmd",
	  "bad start address" },
	{ "0x0000000000400000-0x00000000006000zz           2M                               pmd",
	  "bad end address" },
	{ "pud 0x40000000", "not a ptdump line" },
};

TEST(rejects)
{
	static const char head[] = "---[ User Space ]---\n"
		"0x0000000000000000-0x0000000000400000           4M                               pmd\n";
	struct ptdump pd = { 0 };
	char text[512], why[512];
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", head, bad_lines[i].line);
		EXPECT_EQ(-EINVAL, ptdump_parse(&pd, text, why, sizeof(why)))
			TH_LOG("accepted: %s", bad_lines[i].line);
		EXPECT_NE(NULL, strstr(why, bad_lines[i].err))
			TH_LOG("want \"%s\", got: %s", bad_lines[i].err, why);
		EXPECT_NE(NULL, strstr(why, "line 3:")) TH_LOG("%s", why);
		EXPECT_EQ(NULL, pd.ranges);
		EXPECT_EQ(0, pd.nr);
	}
}

/*
 * The running kernel's ptdump parses, and it sees a page this process
 * just mapped (a pte: THP is off for it) and not one it just unmapped.
 */
TEST(live)
{
	struct ptdump pd;
	char why[512];
	char *p;
	int ret;

	ret = ptdump_read(&pd, why, sizeof(why));
	if (ret && ret != -EINVAL)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_LT(10, pd.nr);
	ptdump_free(&pd);

	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise(p, 3 * 4096, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, munmap(p + 2 * 4096, 4096));
	p[0] = 1;
	EXPECT_EQ(PTDUMP_PTE, ptdump_level((uintptr_t)p));
	/* Mapped but never touched, and unmapped: both not present. */
	EXPECT_EQ(-EFAULT, ptdump_level((uintptr_t)p + 4096));
	EXPECT_EQ(-EFAULT, ptdump_level((uintptr_t)p + 2 * 4096));

	ASSERT_EQ(0, ptdump_read(&pd, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, ptdump_check(&pd, (uintptr_t)p, (uintptr_t)p + 4096,
				  PTDUMP_PTE, PTDUMP_USR | PTDUMP_RW | PTDUMP_NX,
				  why, sizeof(why))) TH_LOG("%s", why);
	ptdump_free(&pd);
	munmap(p, 2 * 4096);
}

MM_HARNESS_MAIN
