// SPDX-License-Identifier: GPL-2.0
/*
 * Probes of the suite's own crash recovery, run by `make check` in the VM
 * (category infra-crash, never part of a default run).  The check stage
 * asserts the outcome of each case: marker passes, sysrq_crash kills the
 * guest (reported as a crash), after_crash passes in a fresh guest (the
 * marker is gone), hang is killed by the runner's per-test timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "mm_harness.h"

#define MARKER "/tmp/mmconf-infra-marker"

FIXTURE(infra) {};
FIXTURE_SETUP(infra) {}
FIXTURE_TEARDOWN(infra) {}

TEST_F(infra, marker)
{
	int fd = open(MARKER, O_CREAT | O_WRONLY, 0600);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, access(MARKER, F_OK));
}

TEST_F(infra, sysrq_crash)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	ASSERT_LE(0, fd) TH_LOG("no /proc/sysrq-trigger: %s", strerror(errno));
	/* The marker must survive until the crash for after_crash to mean it. */
	ASSERT_EQ(0, access(MARKER, F_OK));
	/* Only returns if the kernel did not crash. */
	ASSERT_EQ(1, write(fd, "c", 1));
	ASSERT_TRUE(false) TH_LOG("sysrq 'c' did not crash the kernel");
}

TEST_F(infra, after_crash)
{
	/* /tmp is a tmpfs: a fresh guest does not have the marker. */
	ASSERT_NE(0, access(MARKER, F_OK));
	ASSERT_EQ(ENOENT, errno);
}

TEST_F_TIMEOUT(infra, hang, 3600)
{
	/* Outlives the runner's --timeout, which must kill it. */
	pause();
}

MM_HARNESS_MAIN
