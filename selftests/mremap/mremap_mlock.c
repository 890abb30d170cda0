// SPDX-License-Identifier: GPL-2.0
/*
 * mremap() of mlock()ed memory: a growing remap, in place or moved, locks
 * and populates the new part before it returns (VmLck grows, touching it
 * takes no fault); growing past RLIMIT_MEMLOCK without CAP_IPC_LOCK is
 * EAGAIN; a MREMAP_DONTUNMAP source is unlocked (it keeps no pages).
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "mremap/mremap_fixture.h"

#define SALT	0x10c4

FIXTURE(mremap_mlock) {
	MREMAP_FIXTURE_MEMBERS;
	long len_kb;
	long vmlck_kb;	/* VmLck after setup */
};

FIXTURE_SETUP(mremap_mlock)
{
	MREMAP_FIXTURE_SETUP(MAPPING_KIND_MLOCKED, SALT);
	self->len_kb = self->len >> 10;
	self->vmlck_kb = mremap_util_status_kb("VmLck");
	ASSERT_LE(self->len_kb, self->vmlck_kb);
}

FIXTURE_TEARDOWN(mremap_mlock)
{
}

/* Write every page of the range; returns the minor faults that took. */
static long touch_faults(char *addr, size_t len)
{
	long before = mm_minflt();
	size_t off;

	for (off = 0; off < len; off += MM_PAGE)
		*(volatile char *)(addr + off) = 1;
	return mm_minflt() - before;
}

TEST_F(mremap_mlock, expand_in_place_populates)
{
	mremap_window_free_after(&self->w);
	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, 2 * self->len,
					0, NULL));
	EXPECT_EQ(self->vmlck_kb + self->len_kb, mremap_util_status_kb("VmLck"));
	EXPECT_EQ(2 * self->len_kb, mm_smaps_kb(self->map, "Locked"));
	EXPECT_TRUE(mremap_util_has_vmflag(self->map, "lo"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->map, self->len, SALT, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_ZERO, self->map + self->len, self->len,
		  SALT, 0);
	EXPECT_EQ(0, touch_faults(self->map + self->len, self->len));
}

TEST_F(mremap_mlock, expand_move_populates)
{
	char *ret = mremap_util_mremap(self->map, self->len, 2 * self->len,
			       MREMAP_MAYMOVE, NULL);

	ASSERT_NE(MAP_FAILED, ret);
	EXPECT_NE(self->map, ret);
	EXPECT_EQ(self->vmlck_kb + self->len_kb, mremap_util_status_kb("VmLck"));
	EXPECT_EQ(2 * self->len_kb, mm_smaps_kb(ret, "Locked"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, ret, self->len, SALT, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_ZERO, ret + self->len, self->len,
		  SALT, 0);
	EXPECT_EQ(0, touch_faults(ret, 2 * self->len));
	mremap_expect_unmapped(_metadata, self->map, self->len);
	munmap(ret, 2 * self->len);
}

TEST_F(mremap_mlock, shrink_unlocks_tail)
{
	ASSERT_EQ(self->map, mremap_util_mremap(self->map, self->len, self->len / 2,
					0, NULL));
	EXPECT_EQ(self->vmlck_kb - self->len_kb / 2, mremap_util_status_kb("VmLck"));
	EXPECT_EQ(self->len_kb / 2, mm_smaps_kb(self->map, "Locked"));
}

/* Without CAP_IPC_LOCK, RLIMIT_MEMLOCK applies to the growth. */
static void drop_ipc_lock(struct __test_metadata *_metadata)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &=
		~CAP_TO_MASK(CAP_IPC_LOCK);
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));
}

TEST_F(mremap_mlock, expand_past_rlimit)
{
	struct rlimit rl = {
		.rlim_cur = self->vmlck_kb << 10,
		.rlim_max = self->vmlck_kb << 10,
	};

	drop_ipc_lock(_metadata);
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	mremap_window_free_after(&self->w);
	MREMAP_EXPECT_FAILS(EAGAIN, mremap_util_mremap(self->map, self->len, 2 * self->len, 0,
				     NULL));
	MREMAP_EXPECT_FAILS(EAGAIN, mremap_util_mremap(self->map, self->len, 2 * self->len,
				     MREMAP_MAYMOVE, NULL));
	MREMAP_EXPECT_FAILS(EAGAIN, mremap_util_mremap(self->map, self->len, 2 * self->len,
				     MREMAP_MAYMOVE | MREMAP_FIXED,
				     self->dst));
	EXPECT_EQ(self->vmlck_kb, mremap_util_status_kb("VmLck"));
	MREMAP_FIXTURE_EXPECT_INTACT(SALT);
	/* A move that does not grow needs no more locked memory. */
	EXPECT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED,
					self->dst));
}

TEST_F(mremap_mlock, dontunmap_unlocks_source)
{
	ASSERT_EQ(self->dst, mremap_util_mremap(self->map, self->len, self->len,
					MREMAP_MAYMOVE | MREMAP_FIXED |
					MREMAP_DONTUNMAP, self->dst));
	EXPECT_FALSE(mremap_util_has_vmflag(self->map, "lo"));
	EXPECT_EQ(0, mm_smaps_kb(self->map, "Locked"));
	EXPECT_TRUE(mremap_util_has_vmflag(self->dst, "lo"));
	EXPECT_EQ(self->len_kb, mm_smaps_kb(self->dst, "Locked"));
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_DATA, self->dst, self->len, SALT, 0);
	mremap_expect_reads(_metadata, MAPPING_KIND_READS_ZERO, self->map, self->len, SALT, 0);
	/* Unlocked: reading zero did not lock anything there. */
	EXPECT_EQ(0, mm_smaps_kb(self->map, "Locked"));
}

MM_HARNESS_MAIN
