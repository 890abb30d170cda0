// SPDX-License-Identifier: GPL-2.0
/*
 * gup_test (CONFIG_GUP_TEST) must get or pin nothing of a VM_PFNMAP
 * mapping, at every level and from every provider, and pin all of
 * ordinary memory (anonymous 4 KiB, THP, hugetlb: the controls).
 *
 * A pfnmap entry is not a page reference: gup-fast refuses the special
 * bit at each level (gup_fast_pte_range(): pte_special(); since v6.12
 * "mm/gup: detect huge pfnmap entries in gup-fast", gup_fast_pmd_leaf():
 * pmd_special() and gup_fast_pud_leaf(): pud_special()), and the slow
 * path refuses the VMA (check_vma_flags(): VM_IO | VM_PFNMAP -> -EFAULT).
 * Every fast call falls back to the slow path for what it did not pin,
 * so a wrong gup-fast pin shows as pages counted, and (with the test
 * module, whose region pages have struct pages) as a page_count() that
 * moved: the benchmark ioctls put their pages back before returning, so
 * the count is compared after each call, and the held pins of
 * PIN_LONGTERM_TEST_START while they are held.
 *
 * Each path runs over the whole mapping, the whole second entry, one
 * page inside the entry past 2 MiB, one past 1 GiB where the mapping
 * reaches, and the last page, with and without FOLL_WRITE.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gup/gup_bench.h"
#include "gup/gup_harness.h"
#include "mm_util.h"


FIXTURE(gup) {
	struct gup_target t;
	bool got;
	struct gup_pin g;
	struct gup_watch w;
};

FIXTURE_VARIANT(gup) {
	struct gup_target_req req;
};

GUP_TARGET_VARIANTS(gup);

FIXTURE_SETUP(gup)
{
	self->got = false;
	self->g.fd = -1;
}

FIXTURE_TEARDOWN(gup)
{
	gup_pin_close(&self->g);
	if (self->got)
		gup_target_put(&self->t);
}

struct gup_range {
	uint64_t off, len;
	const char *what;
};

/* The ranges every path is run over; returns how many lie in the target. */
static int gup_ranges(const struct gup_target *t, struct gup_range *r)
{
	uint64_t entry = t->req.kind == GUP_TARGET_PFNMAP ?
			 pfnmap_level_size(t->req.pfn.level) : SZ_2M;
	const struct gup_range all[] = {
		{ 0, t->len, "the whole mapping" },
		{ entry, entry, "the second entry" },
		{ SZ_2M + 3 * SZ_4K, SZ_4K, "a page past 2 MiB" },
		{ SZ_1G + 3 * SZ_4K, SZ_4K, "a page past 1 GiB" },
		{ t->len - SZ_4K, SZ_4K, "the last page" },
	};
	int i, n = 0;

	for (i = 0; i < (int)(sizeof(all) / sizeof(all[0])); i++)
		if (all[i].off + all[i].len <= t->len)
			r[n++] = all[i];
	return n;
}

/* Map the target, open gup_test, note the page counts.  False: SKIP. */
static bool gup_get(struct __test_metadata *_metadata,
		    FIXTURE_DATA(gup) *self, const FIXTURE_VARIANT(gup) *variant)
{
	if (!gup_target_get_or_skip(_metadata, &self->t, &variant->req,
				    &self->got))
		return false;
	if (!gup_pin_open_or_skip(_metadata, &self->g))
		return false;
	gup_watch_begin(_metadata, &self->t, &self->w);
	return true;
}

/* The region pages' counts are back at (or still at) their baseline. */
static void gup_check_refs(struct __test_metadata *_metadata,
			FIXTURE_DATA(gup) *self, const char *when)
{
	gup_watch_expect_steady(_metadata, &self->t, &self->w, when);
}

/*
 * CMD over every range, reading and writing: nothing of a pfnmap, all of
 * a control, page counts unchanged after each call.
 */
static void gup_bench_all(struct __test_metadata *_metadata,
			  FIXTURE_DATA(gup) *self, unsigned long cmd,
			  uint32_t test_flags)
{
	struct gup_range r[8];
	int n = gup_ranges(&self->t, r), i, w, ret;
	char when[160];
	uint64_t done;

	for (i = 0; i < n; i++) {
		for (w = 0; w < 2; w++) {
			ret = gup_bench_run(&self->g, cmd,
					    self->t.addr + r[i].off, r[i].len,
					    w, test_flags, 1, &done);
			snprintf(when, sizeof(when), "%s%s of %s of %s",
				 gup_bench_name(cmd), w ? " FOLL_WRITE" : "",
				 r[i].what, gup_target_name(&self->t));
			ASSERT_EQ(0, ret) TH_LOG("%s: %s", when, strerror(-ret));
			if (self->t.refused) {
				EXPECT_EQ(0, done)
					TH_LOG("%s: %llu bytes taken", when,
					       (unsigned long long)done);
			} else {
				EXPECT_EQ(r[i].len, done)
					TH_LOG("%s: only %llu of %llu bytes",
					       when, (unsigned long long)done,
					       (unsigned long long)r[i].len);
			}
			gup_check_refs(_metadata, self, when);
		}
	}
}

/* get_user_pages_fast(): gup-fast, then the slow path for the rest. */
TEST_F(gup, gup_fast_benchmark)
{
	if (gup_get(_metadata, self, variant))
		gup_bench_all(_metadata, self, GUP_BENCH_GUP_FAST, 0);
}

/* pin_user_pages_fast(): FOLL_PIN through gup-fast. */
TEST_F(gup, pin_fast_benchmark)
{
	if (gup_get(_metadata, self, variant))
		gup_bench_all(_metadata, self, GUP_BENCH_PIN_FAST, 0);
}

/* pin_user_pages(FOLL_LONGTERM): the slow path only. */
TEST_F(gup, pin_longterm_benchmark)
{
	if (gup_get(_metadata, self, variant))
		gup_bench_all(_metadata, self, GUP_BENCH_PIN_LONGTERM, 0);
}

/* get_user_pages() under the mmap lock. */
TEST_F(gup, gup_basic)
{
	if (gup_get(_metadata, self, variant))
		gup_bench_all(_metadata, self, GUP_BENCH_GUP_BASIC, 0);
}

/* pin_user_pages() under the mmap lock. */
TEST_F(gup, pin_basic)
{
	if (gup_get(_metadata, self, variant))
		gup_bench_all(_metadata, self, GUP_BENCH_PIN_BASIC, 0);
}

/*
 * DUMP_USER_PAGES_TEST reads the first page's struct page (dump_page())
 * through get_user_pages() and through pin_user_pages(): a pfnmap gives
 * it no page to read.
 */
TEST_F(gup, dump_user_pages)
{
	if (!gup_get(_metadata, self, variant))
		return;
	gup_bench_all(_metadata, self, GUP_BENCH_DUMP_PAGES, 0);
	gup_bench_all(_metadata, self, GUP_BENCH_DUMP_PAGES,
		      GUP_BENCH_DUMP_USE_PIN);
}

/*
 * PIN_LONGTERM_TEST_START holds its pins until STOP: a pfnmap is refused
 * with EFAULT (pin_longterm_test_start() passes the pin's error on) and
 * its page counts stay put while the pin would be held; a control is
 * pinned and reads back through the pinned pages.
 */
static void gup_longterm_hold(struct __test_metadata *_metadata,
			      FIXTURE_DATA(gup) *self, bool fast)
{
	struct gup_range r[8];
	int n = gup_ranges(&self->t, r), i, w, ret;
	uint64_t seed = mm_seed(), p;
	char when[160];
	uint64_t *buf;

	for (i = 0; i < n; i++) {
		for (w = 0; w < 2; w++) {
			snprintf(when, sizeof(when),
				 "PIN_LONGTERM_TEST_START%s%s of %s of %s",
				 fast ? " fast" : "", w ? " write" : "",
				 r[i].what, gup_target_name(&self->t));
			if (!self->t.refused)
				for (p = 0; p < r[i].len; p += SZ_4K)
					*(uint64_t *)(self->t.addr + r[i].off +
						      p) = mm_mix(seed + p);
			ret = gup_bench_longterm_start(&self->g,
						       self->t.addr + r[i].off,
						       r[i].len, w, fast);
			if (self->t.refused) {
				EXPECT_EQ(-EFAULT, ret)
					TH_LOG("%s: %s", when, ret ?
					       strerror(-ret) : "pinned");
				gup_check_refs(_metadata, self, when);
				ASSERT_EQ(0, gup_pin_stop(&self->g));
				gup_check_refs(_metadata, self, when);
				continue;
			}
			ASSERT_EQ(0, ret) TH_LOG("%s: %s", when, strerror(-ret));
			buf = malloc(r[i].len);
			ASSERT_NE(NULL, buf);
			EXPECT_EQ(0, gup_pin_read(&self->g, buf));
			for (p = 0; p < r[i].len; p += SZ_4K)
				if (buf[p / 8] != mm_mix(seed + p))
					break;
			EXPECT_EQ(r[i].len, p)
				TH_LOG("%s: pinned page at +%#llx reads other "
				       "data", when, (unsigned long long)p);
			free(buf);
			ASSERT_EQ(0, gup_pin_stop(&self->g));
		}
	}
}

/* False after a SKIP: this gup_test cannot hold a pin (6.1). */
static bool gup_longterm_claimed(struct __test_metadata *_metadata,
				 FIXTURE_DATA(gup) *self, bool fast)
{
	int ret = gup_bench_longterm_probe(&self->g, false);

	if (!ret)
		SKIP(return false, "this kernel's gup_test has no "
		     "PIN_LONGTERM_TEST_START (-EINVAL)");
	if (ret == 1 && fast)
		ret = gup_bench_longterm_probe(&self->g, true);
	if (!ret)
		SKIP(return false, "this kernel's gup_test has no "
		     "PIN_LONGTERM_TEST_FLAG_USE_FAST (-EINVAL)");
	ASSERT_EQ(1, ret) TH_LOG("PIN_LONGTERM_TEST_START of an anonymous "
				 "page: %s", strerror(-ret));
	return true;
}

TEST_F(gup, pin_longterm_hold)
{
	if (gup_get(_metadata, self, variant) &&
	    gup_longterm_claimed(_metadata, self, false))
		gup_longterm_hold(_metadata, self, false);
}

TEST_F(gup, pin_longterm_hold_fast)
{
	if (gup_get(_metadata, self, variant) &&
	    gup_longterm_claimed(_metadata, self, true))
		gup_longterm_hold(_metadata, self, true);
}

MM_HARNESS_MAIN
