// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() of uffd-registered anonymous memory.
 *
 * With UFFD_FEATURE_EVENT_REMAP a move is reported as UFFD_EVENT_REMAP
 * (from, to and the page-aligned length moved) and the new VMA stays
 * registered; mremap() does not return before the monitor has read the
 * event, so a reader thread (lib/uffd/uffd.h) collects it.  Without the feature
 * the move still works and the new VMA is no longer registered.  A
 * MREMAP_DONTUNMAP source stays registered and empty, so touching it is a
 * missing fault.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mremap/mremap_fixture.h"
#include "uffd/uffd.h"

#define SALT	0x0ffd

FIXTURE(mremap_uffd) {
	MREMAP_FIXTURE_MEMBERS;
	struct uffd_reader reader;
	bool reading;
	int uffd;
};

FIXTURE_SETUP(mremap_uffd)
{
	self->uffd = -1;
	MREMAP_FIXTURE_SETUP(MAPPING_KIND_ANON_PRIVATE, SALT);
}

FIXTURE_TEARDOWN(mremap_uffd)
{
	if (self->reading)
		uffd_reader_stop(&self->reader);
	if (self->uffd >= 0)
		close(self->uffd);
}

/*
 * Register the mapping with a userfaultfd asking for @features and start
 * a reader that resolves missing faults with the zero page.  Returns
 * false (with the reason logged) when the kernel lacks a feature.
 */
static bool start_uffd(struct __test_metadata *_metadata,
		       FIXTURE_DATA(mremap_uffd) *self, uint64_t features,
		       char *why, size_t whylen)
{
	int ret = uffd_open_features(features, &self->uffd, why, whylen);

	if (ret == MM_SKIP)
		return false;
	EXPECT_EQ(0, ret) TH_LOG("%s", why);
	EXPECT_EQ(0, uffd_register(self->uffd, self->map, self->len,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	EXPECT_EQ(0, uffd_reader_start(&self->reader, self->uffd,
				       UFFD_READER_ZEROPAGE));
	self->reading = !_metadata->exit_code;
	return true;
}

#define START_UFFD(features) do {					\
		char __why[160];					\
									\
		if (!start_uffd(_metadata, self, features, __why,	\
				sizeof(__why)))				\
			SKIP(return, "%s", __why);			\
		ASSERT_TRUE(self->reading);				\
	} while (0)

/* Expect exactly one REMAP event, with these fields. */
static void expect_remap_event(struct __test_metadata *_metadata,
			       FIXTURE_DATA(mremap_uffd) *self,
			       const void *from, const void *to, size_t len)
{
	struct uffd_msg msg;

	ASSERT_EQ(0, uffd_reader_wait(&self->reader, UFFD_EVENT_REMAP, 1,
				      2000));
	ASSERT_EQ(0, uffd_reader_get(&self->reader, UFFD_EVENT_REMAP, 0,
				     &msg));
	EXPECT_EQ((unsigned long)from, msg.arg.remap.from);
	EXPECT_EQ((unsigned long)to, msg.arg.remap.to);
	EXPECT_EQ(len, msg.arg.remap.len);
	EXPECT_EQ(-ENOENT, uffd_reader_get(&self->reader, UFFD_EVENT_REMAP, 1,
					   &msg));
}

/* Expect the reader to get one missing fault, and for @page. */
static void expect_fault_at(struct __test_metadata *_metadata,
			    FIXTURE_DATA(mremap_uffd) *self, const char *page)
{
	struct uffd_msg msg;

	ASSERT_EQ(0, uffd_reader_wait(&self->reader, UFFD_EVENT_PAGEFAULT, 1,
				      2000));
	ASSERT_EQ(0, uffd_reader_get(&self->reader, UFFD_EVENT_PAGEFAULT, 0,
				     &msg));
	EXPECT_EQ((unsigned long)page, msg.arg.pagefault.address &
		  ~(MM_PAGE - 1));
}

/*
 * Drop a page of @addr's range and read it: when the range is registered
 * the reader gets a missing fault for exactly that page (and maps the
 * zero page), otherwise no message comes.  Either way it reads zero.
 */
static void expect_missing_fault(struct __test_metadata *_metadata,
				 FIXTURE_DATA(mremap_uffd) *self, char *page,
				 bool registered)
{
	ASSERT_EQ(0, madvise(page, MM_PAGE, MADV_DONTNEED));
	EXPECT_EQ(0, *(volatile uint64_t *)(page + 8));
	if (!registered) {
		EXPECT_EQ(-ETIMEDOUT, uffd_reader_wait(&self->reader,
						       UFFD_EVENT_PAGEFAULT, 1,
						       200));
		return;
	}
	expect_fault_at(_metadata, self, page);
}

TEST_F(mremap_uffd, remap_event_fixed_move)
{
	START_UFFD(UFFD_FEATURE_EVENT_REMAP);
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	expect_remap_event(_metadata, self, self->map, self->dst, self->len);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	EXPECT_TRUE(mremap_util_has_vmflag(self->dst, "um"));
	expect_missing_fault(_metadata, self, self->dst + MM_PAGE, true);
}

/* The event carries the page-aligned old length, not the new one. */
TEST_F(mremap_uffd, remap_event_expand_move)
{
	char *ret;

	START_UFFD(UFFD_FEATURE_EVENT_REMAP);
	ret = mremap_util_mremap(self->map, self->len - 100, 2 * self->len,
			 MREMAP_MAYMOVE, NULL);
	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	expect_remap_event(_metadata, self, self->map, ret, self->len);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	/* The new tail is registered too: its first touch is a fault. */
	EXPECT_EQ(0, *(volatile uint64_t *)(ret + self->len));
	ASSERT_EQ(0, uffd_reader_wait(&self->reader, UFFD_EVENT_PAGEFAULT, 1,
				      2000));
}

/*
 * A FIXED move that also shrinks moves only new_len bytes (the rest is
 * unmapped), and that is the length the event should report.
 */
TEST_F(mremap_uffd, remap_event_fixed_shrink)
{
	size_t half = self->len / 2;

	START_UFFD(UFFD_FEATURE_EVENT_REMAP);
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, half,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, half, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	expect_remap_event(_metadata, self, self->map, self->dst, half);
}

TEST_F(mremap_uffd, remap_event_dontunmap)
{
	char *ret;

	START_UFFD(UFFD_FEATURE_EVENT_REMAP);
	ret = mremap_util_mremap(self->map, self->len, self->len,
			 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ASSERT_NE(MAP_FAILED, ret);
	expect_remap_event(_metadata, self, self->map, ret, self->len);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	EXPECT_TRUE(mremap_util_has_vmflag(ret, "um"));
	EXPECT_TRUE(mremap_util_has_vmflag(self->map, "um"));
}

/* mremap() waits for the monitor to read the event. */
struct remap_call {
	char *old;
	size_t len;
	char *dst;
	char *ret;
	int done;	/* atomic */
};

static void *remap_thread(void *arg)
{
	struct remap_call *c = arg;

	c->ret = mremap_util_mremap(c->old, c->len, c->len,
			    MREMAP_MAYMOVE | MREMAP_FIXED, c->dst);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

TEST_F(mremap_uffd, remap_waits_for_reader)
{
	struct remap_call c = {
		.old = self->map, .len = self->len, .dst = self->dst,
	};
	struct timespec pause = { .tv_nsec = 300 * 1000 * 1000 };
	struct uffd_msg msg;
	char why[160];
	pthread_t t;
	int ret;

	/* No reader thread here: this test reads the event itself. */
	ret = uffd_open_features(UFFD_FEATURE_EVENT_REMAP, &self->uffd, why,
				 sizeof(why));
	if (ret == MM_SKIP)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, uffd_register(self->uffd, self->map, self->len,
				   UFFDIO_REGISTER_MODE_MISSING, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, remap_thread, &c));
	nanosleep(&pause, NULL);
	EXPECT_EQ(0, __atomic_load_n(&c.done, __ATOMIC_SEQ_CST));
	ret = uffd_read_msg(self->uffd, &msg, 5000);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(UFFD_EVENT_REMAP, msg.event);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(self->dst, c.ret);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
}

TEST_F(mremap_uffd, no_remap_feature_unregisters)
{
	START_UFFD(0);
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	mremap_expect_unmapped(_metadata, self->map, self->len);
	EXPECT_FALSE(mremap_util_has_vmflag(self->dst, "um"));
	expect_missing_fault(_metadata, self, self->dst + MM_PAGE, false);
	EXPECT_EQ(0, self->reader.total);
}

/* The DONTUNMAP source keeps its registration and lost its pages. */
TEST_F(mremap_uffd, dontunmap_source_faults)
{
	char *ret;

	START_UFFD(0);
	ret = mremap_util_mremap(self->map, self->len, self->len,
			 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	ASSERT_NE(MAP_FAILED, ret);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	EXPECT_FALSE(mremap_util_has_vmflag(ret, "um"));
	EXPECT_TRUE(mremap_util_has_vmflag(self->map, "um"));
	/* Not dropped first: the page really is gone from the source. */
	EXPECT_EQ(0, *(volatile uint64_t *)(self->map + 2 * MM_PAGE + 8));
	expect_fault_at(_metadata, self, self->map + 2 * MM_PAGE);
}

MM_HARNESS_MAIN
