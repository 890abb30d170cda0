// SPDX-License-Identifier: GPL-2.0
/*
 * Probes of the runner's verdicts, run by `make check` in the VM (category
 * infra-crash, never part of a default run).  Each case does something a
 * green result must never hide; fixtures/vm/check.sh asserts the line the
 * runner prints for it:
 *
 *   kernel_warning   passes, but a WARNING reached the kernel log in its
 *                    window: not ok (the log gate)
 *   unpinned_skip    SKIPs for a reason selftests/skips does not pin:
 *                    not ok in the VM
 *   known_failure    fails with the signature its selftests/expectations
 *                    entry records: XFAIL
 *   other_failure    fails otherwise than its entry records: not ok, and
 *                    the line says what was expected
 *   runner_killed    kills the runner: the guest powers off without its
 *                    "# DONE", and the host must not call that a pass
 *
 * The kernel log line is written through /dev/kmsg, so it needs no
 * kernel bug; the runner reads every record, whatever its facility.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mm_harness.h"

FIXTURE(gates) {};
FIXTURE_SETUP(gates) {}
FIXTURE_TEARDOWN(gates) {}

TEST_F(gates, kernel_warning)
{
	static const char line[] =
		"<4>WARNING: mmconf infra probe: a passing test logged this\n";
	int fd = open("/dev/kmsg", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(line), write(fd, line, strlen(line)));
	ASSERT_EQ(0, close(fd));
}

TEST_F(gates, unpinned_skip)
{
	SKIP(return, "infra probe: a SKIP that selftests/skips does not pin");
}

TEST_F(gates, known_failure)
{
	ASSERT_TRUE(false) TH_LOG("infra probe: the recorded failure");
}

TEST_F(gates, other_failure)
{
	ASSERT_TRUE(false) TH_LOG("infra probe: a failure nobody recorded");
}

/* The parent of @pid and its command name, from /proc/<pid>/stat. */
static int parent_of(pid_t pid, char *comm, size_t len)
{
	char path[64], stat[512], *open_paren, *close_paren;
	int fd, ppid = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	stat[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
	open_paren = strchr(stat, '(');
	close_paren = strrchr(stat, ')');
	if (!open_paren || !close_paren ||
	    sscanf(close_paren + 2, "%*c %d", &ppid) != 1)
		return -1;
	*close_paren = '\0';
	snprintf(comm, len, "%s", open_paren + 1);
	return ppid;
}

TEST_F(gates, runner_killed)
{
	pid_t pid = getppid(), ppid;
	char comm[64];

	/* Up through the harness and timeout(1) to run_vmtests.sh. */
	for (;;) {
		ppid = parent_of(pid, comm, sizeof(comm));
		ASSERT_LT(0, ppid) TH_LOG("cannot read /proc/%d/stat", pid);
		if (!strcmp(comm, "run_vmtests.sh"))
			break;
		ASSERT_LT(1, ppid) TH_LOG("no run_vmtests.sh among the ancestors");
		pid = ppid;
	}
	ASSERT_EQ(0, kill(pid, SIGKILL));
}

MM_HARNESS_MAIN
