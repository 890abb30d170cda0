// SPDX-License-Identifier: GPL-2.0
/*
 * UFFDIO_MOVE of long-term pinned anonymous folios must fail with EBUSY
 * and leave the pin pointing at the page still mapped at the source.
 * Pins come from gup_test (PIN_LONGTERM_TEST_START) or from io_uring
 * fixed buffers, which any user can create.
 *
 * Moving 4 KiB out of a pinned THP is a known kernel bug: the move
 * splits the PMD, then split_folio() of the pinned folio fails with
 * EAGAIN and move_pages() retries forever.  So every case runs in a
 * child process with a deadline on each step; a move that has not
 * returned after MOVE_DEADLINE_MS is a FAIL and the child is killed
 * (the retry loop checks for fatal signals).  See selftests/expectations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "uffd/uffd_harness.h"
#include "uffd/gup_pin.h"

#define PAGE		MM_PAGE
#define PMD		SZ_2M
#define SETUP_DEADLINE_MS	20000
#define MOVE_DEADLINE_MS	3000
#define KILL_DEADLINE_MS	10000

enum pin_kind { PIN_GUP, PIN_URING };
enum move_shape { SMALL_FOLIO, THP_WHOLE, THP_PARTIAL };
enum stage { ST_READY, ST_SKIP, ST_ERROR, ST_MOVED, ST_CHECKED };

struct report {
	int stage;
	int err;		/* uffd_move(): 0 or -errno */
	int64_t moved;
	bool data_ok, pin_ok, dst_empty;
	char text[320];
};

struct pin_case {
	enum pin_kind kind;
	enum move_shape shape;
	int uffd;
	char *src, *dst;
	size_t len;		/* pinned and mapped at src */
	struct gup_pin gup;
	struct uring_pin uring;
};

/* Tell the parent why the child stops here; returns its exit code. */
static int send_report(int fd, int stage, const char *fmt, const char *arg)
{
	struct report r = { .stage = stage };

	snprintf(r.text, sizeof(r.text), fmt, arg);
	uffd_util_send(fd, &r, sizeof(r));
	return stage == ST_SKIP ? 4 : 1;
}

/* Map and fill the source, map and register the destination. */
static const char *child_map(struct pin_case *c)
{
	c->len = c->shape == SMALL_FOLIO ? PAGE : PMD;
	c->src = uffd_util_map(c->len, PMD);
	c->dst = uffd_util_map(PMD, PMD);
	if (c->src == MAP_FAILED || c->dst == MAP_FAILED)
		return "mmap failed";
	if (uffd_register(c->uffd, c->dst, PMD, UFFDIO_REGISTER_MODE_MISSING,
			  NULL))
		return "UFFDIO_REGISTER failed";
	if (c->shape == SMALL_FOLIO) {
		madvise(c->src, c->len, MADV_NOHUGEPAGE);
		uffd_util_fill(c->src, 1, 0);
		return NULL;
	}
	return uffd_util_thp_fill(c->src, 0) ? NULL : "";
}

/* Pin the whole source; 0, or the child's exit code after reporting. */
static int child_pin(struct pin_case *c, int out)
{
	char why[256] = "";
	int ret;

	if (c->kind == PIN_GUP) {
		ret = gup_pin_open(&c->gup, why, sizeof(why));
		if (!ret)
			ret = gup_pin_start(&c->gup, c->src, c->len, true);
		if (ret < 0 && !why[0])
			snprintf(why, sizeof(why), "PIN_LONGTERM_TEST_START: %s",
				 strerror(-ret));
	} else {
		ret = uring_pin_start(&c->uring, c->src, c->len, why,
				      sizeof(why));
	}
	if (ret == MM_SKIP)
		return send_report(out, ST_SKIP, "%s", why);
	if (ret)
		return send_report(out, ST_ERROR, "pin: %s", why);
	/* A long-term pin may migrate the folio first; it must stay a THP. */
	if (c->shape != SMALL_FOLIO && !uffd_util_is_pmd_thp(c->src))
		return send_report(out, ST_SKIP, "%s",
				   "the pinned THP was split or migrated by the pin");
	return 0;
}

/* Does the pin still see what is mapped at the source? */
static bool pin_sees_src(struct pin_case *c)
{
	char *buf = malloc(c->len);
	bool ok = false;
	int memfd;

	if (!buf)
		return false;
	uffd_util_fill(c->src, 1, 777);
	if (c->kind == PIN_GUP) {
		ok = !gup_pin_read(&c->gup, buf);
	} else {
		memfd = memfd_create("pin_check", MFD_CLOEXEC);
		ok = memfd >= 0 &&
		     !uring_pin_write(&c->uring, memfd, PAGE, MOVE_DEADLINE_MS) &&
		     pread(memfd, buf, PAGE, 0) == PAGE;
		if (memfd >= 0)
			close(memfd);
	}
	ok = ok && uffd_util_check(buf, 1, 777) == -1;
	free(buf);
	return ok;
}

static int pin_child(void *arg, int out, int in)
{
	struct pin_case *c = arg;
	size_t npages;
	struct report r = { 0 };
	const char *err;
	char why[256];
	int ret;

	(void)in;
	ret = uffd_open_features(UFFD_FEATURE_MOVE | UFFD_FEATURE_SIGBUS,
				 &c->uffd, why, sizeof(why));
	if (ret)
		return send_report(out, ret == MM_SKIP ? ST_SKIP : ST_ERROR,
				   "%s", why);
	err = child_map(c);
	if (err)
		return send_report(out, *err ? ST_ERROR : ST_SKIP, "%s",
				   *err ? err : "no THP could be allocated");
	ret = child_pin(c, out);
	if (ret)
		return ret;
	r.stage = ST_READY;
	uffd_util_send(out, &r, sizeof(r));
	r.stage = ST_MOVED;
	r.err = uffd_move(c->uffd, c->dst, c->src,
			  c->shape == THP_WHOLE ? PMD : PAGE, 0, &r.moved);
	uffd_util_send(out, &r, sizeof(r));

	npages = c->len / PAGE;
	r.stage = ST_CHECKED;
	r.data_ok = uffd_util_check(c->src, npages, 0) == -1;
	r.dst_empty = uffd_util_range_empty(c->dst, PMD / PAGE);
	r.pin_ok = pin_sees_src(c);
	uffd_util_send(out, &r, sizeof(r));
	return 0;
}

FIXTURE(pin) {
	struct uffd_util_child child;
	bool unmount_debugfs;
};

FIXTURE_VARIANT(pin) {
	enum pin_kind kind;
};

FIXTURE_VARIANT_ADD(pin, gup) { .kind = PIN_GUP };
FIXTURE_VARIANT_ADD(pin, uring) { .kind = PIN_URING };

FIXTURE_SETUP(pin)
{
	char why[256];
	int fd, ret;

	self->child.pid = 0;
	self->unmount_debugfs = false;
	OPEN_UFFD_OR_SKIP(&fd, 0);
	close(fd);
	if (variant->kind == PIN_GUP) {
		struct gup_pin probe;

		/* Mount debugfs here: a killed child could not unmount it. */
		ret = gup_pin_open(&probe, why, sizeof(why));
		if (ret == MM_SKIP)
			SKIP(return, "%s", why);
		ASSERT_EQ(0, ret) TH_LOG("%s", why);
		self->unmount_debugfs = probe.mounted_debugfs;
		probe.mounted_debugfs = false;
		gup_pin_close(&probe);
	}
}

FIXTURE_TEARDOWN(pin)
{
	uffd_util_child_reap(&self->child, true, MOVE_DEADLINE_MS, NULL);
	if (self->unmount_debugfs)
		gup_pin_umount_debugfs();
}

static void run_case(struct __test_metadata *_metadata,
		     FIXTURE_DATA(pin) *self, enum pin_kind kind,
		     enum move_shape shape)
{
	struct pin_case c = { .kind = kind, .shape = shape, .uffd = -1 };
	struct report r;
	int ret;

	if (shape != SMALL_FOLIO)
		THP_OR_SKIP();
	ASSERT_EQ(0, uffd_util_child_start(&self->child, pin_child, &c));
	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &r, sizeof(r),
			     SETUP_DEADLINE_MS)) TH_LOG("child setup stuck");
	if (r.stage == ST_SKIP)
		SKIP(return, "%s", r.text);
	ASSERT_EQ(ST_READY, r.stage) TH_LOG("child: %s", r.text);

	ret = uffd_util_recv(self->child.from_child, &r, sizeof(r), MOVE_DEADLINE_MS);
	ASSERT_EQ(0, ret) {
		char how[256];
		pid_t pid = self->child.pid;

		uffd_util_describe_stuck(pid, how, sizeof(how));
		TH_LOG("UFFDIO_MOVE of a pinned %s did not return within %d ms (%s)",
		       shape == SMALL_FOLIO ? "small folio" : "THP",
		       MOVE_DEADLINE_MS, how);
		ret = uffd_util_child_reap(&self->child, true, KILL_DEADLINE_MS, NULL);
		if (ret) {
			uffd_util_describe_stuck(pid, how, sizeof(how));
			TH_LOG("the child is still there %d ms after SIGKILL (%s)",
			       KILL_DEADLINE_MS, how);
		}
	}
	ASSERT_EQ(ST_MOVED, r.stage);
	TH_LOG("UFFDIO_MOVE: %s, .move %lld", strerror(-r.err),
	       (long long)r.moved);
	if (shape == THP_PARTIAL) {
		/* Expected: an error, most likely EBUSY; never success. */
		EXPECT_NE(0, r.err) TH_LOG("moved a page out of a pinned THP");
		EXPECT_EQ((int64_t)r.err, r.moved);
	} else {
		EXPECT_EQ(-EBUSY, r.err) TH_LOG("err %d (%s)", r.err,
						strerror(-r.err));
		EXPECT_EQ(-EBUSY, r.moved);
	}

	ASSERT_EQ(0, uffd_util_recv(self->child.from_child, &r, sizeof(r),
			     SETUP_DEADLINE_MS));
	ASSERT_EQ(ST_CHECKED, r.stage);
	EXPECT_TRUE(r.data_ok) TH_LOG("source data changed");
	EXPECT_TRUE(r.dst_empty) TH_LOG("destination populated");
	EXPECT_TRUE(r.pin_ok) TH_LOG("the pin no longer sees the source page");
}

TEST_F(pin, small_folio)
{
	run_case(_metadata, self, variant->kind, SMALL_FOLIO);
}

TEST_F(pin, thp_whole)
{
	run_case(_metadata, self, variant->kind, THP_WHOLE);
}

TEST_F(pin, thp_partial)
{
	run_case(_metadata, self, variant->kind, THP_PARTIAL);
}

MM_HARNESS_MAIN
