// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of anonymous large folios smaller than a PMD (mTHP:
 * /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled set to
 * "always" for the test, restored afterwards), 16 KiB and 64 KiB.
 *
 * move_pages() takes the PTE path for them (no PMD maps them), and
 * move_pages_pte() moves no large folio as it is: an exclusive one is
 * split first (split_folio(), to order 0), then moved page by page,
 * moved whole or in part; the pages not moved stay at the source,
 * intact, as small pages.  After fork() no page of it is exclusive
 * (copy_present_ptes() -> folio_try_dup_anon_rmap_ptes()): EBUSY,
 * nothing moves.  A long-term pinned one (an io_uring fixed buffer, so
 * no privilege is needed) keeps its exclusive bit; split_folio() then
 * fails with EAGAIN for the extra references and move_pages() retries
 * EAGAIN: the move must still come back (an error, the data in place),
 * so it runs in a child with a deadline, like uffd_move_pin's THP case.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm_util.h"
#include "uffd/gup_pin.h"
#include "uffd/uffd_harness.h"

#define PAGE		MM_PAGE
#define SETUP_MS	20000
#define MOVE_MS		3000
#define KILL_MS		10000
#define MTHP_DIR	"/sys/kernel/mm/transparent_hugepage/hugepages-"

FIXTURE(mthp) {
	int uffd;
	char *src, *dst;
	size_t size;		/* one folio */
	size_t npages;		/* pages of one folio */
	char knob[128];
	char saved[64];
	bool have_saved;
	struct uffd_util_child child;
};

FIXTURE_VARIANT(mthp) {
	unsigned int kb;
};

FIXTURE_VARIANT_ADD(mthp, kb16) { .kb = 16 };
FIXTURE_VARIANT_ADD(mthp, kb64) { .kb = 64 };

/* "always [madvise] never" -> "madvise" */
static void selected_mode(const char *line, char *out, size_t len)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b && (size_t)(b - a) < len)
		snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
	else
		snprintf(out, len, "%s", "never");
}

FIXTURE_SETUP(mthp)
{
	char buf[128];

	self->uffd = -1;
	self->src = self->dst = MAP_FAILED;
	self->child.pid = 0;
	self->have_saved = false;
	self->size = variant->kb * 1024UL;
	self->npages = self->size / PAGE;
	OPEN_UFFD_OR_SKIP(&self->uffd, 0);
	THP_OR_SKIP();
	snprintf(self->knob, sizeof(self->knob), MTHP_DIR "%ukB/enabled",
		 variant->kb);
	if (mm_read_str(self->knob, buf, sizeof(buf)) == -ENOENT)
		SKIP(return, "the kernel offers no %u KiB mTHP (no %s)",
		     variant->kb, self->knob);
	selected_mode(buf, self->saved, sizeof(self->saved));
	self->have_saved = true;
	ASSERT_LT(0, mm_write_str(self->knob, "always"));

	/* Two folios' worth, folio-aligned; no PMD fits in the VMA. */
	self->src = uffd_util_map(2 * self->size, self->size);
	self->dst = uffd_util_map_registered(self->uffd, 2 * self->size,
					     self->size, 0);
	ASSERT_NE(MAP_FAILED, self->src);
	ASSERT_NE(NULL, self->dst);
	uffd_util_fill(self->src, 2 * self->npages, 0);
	ASSERT_TRUE(uffd_util_is_folio(self->src, self->npages))
		TH_LOG("no %u KiB folio at the source", variant->kb);
	ASSERT_TRUE(uffd_util_is_folio(self->src + self->size, self->npages));
}

FIXTURE_TEARDOWN(mthp)
{
	uffd_util_child_reap(&self->child, true, KILL_MS, NULL);
	uffd_unmap_pair(self->uffd, self->src,
			self->dst ? self->dst : MAP_FAILED, 2 * self->size);
	if (self->have_saved)
		mm_write_str(self->knob, self->saved);
}

/* Moved whole: split, every page moved, the data intact, small pages. */
TEST_F(mthp, whole)
{
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst, self->src, self->size,
			       0, &moved));
	ASSERT_EQ((int64_t)self->size, moved);
	ASSERT_TRUE(uffd_util_range_present(self->dst, self->npages));
	EXPECT_EQ(-1, uffd_util_check(self->dst, self->npages, 0));
	EXPECT_TRUE(uffd_util_all_small(self->dst, self->npages));
	EXPECT_TRUE(uffd_util_range_empty(self->src, self->npages));
	/* The next folio is untouched, still one folio. */
	EXPECT_TRUE(uffd_util_is_folio(self->src + self->size, self->npages));
	EXPECT_EQ(-1, uffd_util_check(self->src + self->size, self->npages,
				      self->npages));
}

/*
 * In part, at the folio's edges: its last page, then one page across
 * into the next folio (both folios split, only the moved pages gone).
 */
TEST_F(mthp, part)
{
	size_t n = self->npages;
	char *last = self->src + self->size - PAGE;
	int64_t moved;

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + self->size - PAGE, last,
			       PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst + self->size - PAGE, 1, n - 1));
	EXPECT_TRUE(uffd_util_range_empty(last, 1));
	EXPECT_EQ(-1, uffd_util_check(self->src, n - 1, 0));
	EXPECT_TRUE(uffd_util_all_small(self->src, n - 1));
	EXPECT_TRUE(uffd_util_is_folio(self->src + self->size, n));

	ASSERT_EQ(0, uffd_move(self->uffd, self->dst + self->size,
			       self->src + self->size, PAGE, 0, &moved));
	ASSERT_EQ((int64_t)PAGE, moved);
	EXPECT_EQ(-1, uffd_util_check(self->dst + self->size, 1, n));
	EXPECT_EQ(-1, uffd_util_check(self->src + self->size + PAGE, n - 1,
				      n + 1));
	EXPECT_TRUE(uffd_util_all_small(self->src + self->size + PAGE, n - 1));
	EXPECT_TRUE(uffd_util_range_empty(self->dst, n - 1));
}

/* Shared with a child: EBUSY whole and in part, nothing moved. */
TEST_F(mthp, shared_after_fork)
{
	struct uffd_util_holder holder = {
		.addr = self->src, .npages = 2 * self->npages, .first = 0,
	};
	int64_t moved;
	int status;

	uffd_holder_start(_metadata, &self->child, &holder, SETUP_MS);
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst, self->src,
				    self->size, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_EQ(-EBUSY, uffd_move(self->uffd, self->dst + PAGE,
				    self->src + PAGE, PAGE, 0, &moved));
	EXPECT_EQ(-EBUSY, moved);
	EXPECT_TRUE(uffd_util_range_empty(self->dst, 2 * self->npages));
	EXPECT_EQ(-1, uffd_util_check(self->src, 2 * self->npages, 0));
	/* A refused move splits nothing (it stops before split_folio()). */
	EXPECT_TRUE(uffd_util_is_folio(self->src, self->npages));
	uffd_holder_finish(_metadata, &self->child, SETUP_MS, &status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child saw changed data (status 0x%x)", status);
}

enum pin_stage { PIN_READY, PIN_SKIP, PIN_ERROR, PIN_MOVED, PIN_CHECKED };

struct pin_report {
	int stage;
	int err;
	int64_t moved;
	bool data_ok, dst_empty;
	char text[256];
};

struct pin_case {
	size_t size, len;	/* folio, move */
};

static int pin_report(int out, int stage, const char *text)
{
	struct pin_report r = { .stage = stage };

	snprintf(r.text, sizeof(r.text), "%s", text);
	uffd_util_send(out, &r, sizeof(r));
	return 1;
}

/*
 * In the child (its own mm, so its own userfaultfd): an mTHP pinned by
 * an io_uring fixed buffer, then the move.
 */
static int pin_child(void *arg, int out, int in)
{
	const struct pin_case *c = arg;
	size_t npages = c->size / PAGE;
	struct pin_report r = { 0 };
	struct uring_pin u;
	char why[256];
	char *src, *dst;
	int uffd, ret;

	(void)in;
	ret = uffd_open_features(UFFD_FEATURE_MOVE, &uffd, why, sizeof(why));
	if (ret)
		return pin_report(out, PIN_ERROR, why);
	src = uffd_util_map(c->size, c->size);
	dst = uffd_util_map_registered(uffd, c->size, c->size, 0);
	if (src == MAP_FAILED || !dst)
		return pin_report(out, PIN_ERROR, "mmap failed");
	uffd_util_fill(src, npages, 0);
	if (!uffd_util_is_folio(src, npages))
		return pin_report(out, PIN_ERROR, "no mTHP at the source");
	ret = uring_pin_start(&u, src, c->size, why, sizeof(why));
	if (ret)
		return pin_report(out, ret == MM_SKIP ? PIN_SKIP : PIN_ERROR,
				  why);
	if (!uffd_util_is_folio(src, npages))
		return pin_report(out, PIN_ERROR, "the pin split the mTHP");
	r.stage = PIN_READY;
	uffd_util_send(out, &r, sizeof(r));
	r.stage = PIN_MOVED;
	r.err = uffd_move(uffd, dst, src, c->len, 0, &r.moved);
	uffd_util_send(out, &r, sizeof(r));
	r.stage = PIN_CHECKED;
	r.data_ok = uffd_util_check(src, npages, 0) == -1;
	r.dst_empty = uffd_util_range_empty(dst, npages);
	uffd_util_send(out, &r, sizeof(r));
	uring_pin_stop(&u);
	return 0;
}

static void pinned(struct __test_metadata *_metadata, FIXTURE_DATA(mthp) *self,
		   size_t len)
{
	struct pin_case c = { .size = self->size, .len = len };
	struct pin_report r;
	char how[128];

	ASSERT_EQ(0, uffd_util_child_start(&self->child, pin_child, &c));
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &r, sizeof(r),
				    SETUP_MS)) TH_LOG("child setup stuck");
	if (r.stage == PIN_SKIP)
		SKIP(return, "%s", r.text);
	ASSERT_EQ(PIN_READY, r.stage) TH_LOG("child: %s", r.text);
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &r, sizeof(r),
				    MOVE_MS)) {
		uffd_util_describe_stuck(self->child.pid, how, sizeof(how));
		TH_LOG("UFFDIO_MOVE of %zu bytes of a pinned %zu KiB mTHP did not return within %d ms (%s)",
		       len, self->size / 1024, MOVE_MS, how);
		if (uffd_util_child_reap(&self->child, true, KILL_MS, NULL))
			TH_LOG("the child is still there %d ms after SIGKILL",
			       KILL_MS);
	}
	ASSERT_EQ(PIN_MOVED, r.stage);
	TH_LOG("UFFDIO_MOVE: %s, .move %lld", strerror(-r.err),
	       (long long)r.moved);
	EXPECT_NE(0, r.err) TH_LOG("moved a page out of a pinned mTHP");
	EXPECT_EQ((int64_t)r.err, r.moved);
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &r, sizeof(r),
				    SETUP_MS));
	ASSERT_EQ(PIN_CHECKED, r.stage);
	EXPECT_TRUE(r.data_ok) TH_LOG("source data changed");
	EXPECT_TRUE(r.dst_empty) TH_LOG("destination populated");
}

TEST_F(mthp, pinned_page)
{
	pinned(_metadata, self, PAGE);
}

TEST_F(mthp, pinned_whole)
{
	pinned(_metadata, self, self->size);
}

MM_HARNESS_MAIN
