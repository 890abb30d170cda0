/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests of what fork() gives a child (selftests/fork/).
 *
 * The kselftest harness's EXPECT/ASSERT only count in the process that
 * runs the test, so a forked child reports differently: it runs a
 * function that returns 0, or -1 after fork_fail() wrote why into a
 * MAP_SHARED anonymous page the parent reads once the child is reaped.
 * Two pipes let parent and child take turns: the child's fork_step() is
 * what the parent's fork_wait_step() waits for, the parent's fork_go()
 * what the child's fork_await() waits for.  A side that has gone away
 * shows up as -EPIPE on the other, never as a hang.
 *
 * Everything returns 0 or -errno unless it says otherwise; nothing here
 * exits (but the child, at the end of fork_start()) or asserts.
 */
#ifndef MM_FORK_H
#define MM_FORK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FORK_MSG_LEN	2048

struct fork_child {
	pid_t pid;		/* 0: not started, or reaped */
	int up[2];		/* child -> parent */
	int down[2];		/* parent -> child */
	char *msg;		/* FORK_MSG_LEN shared bytes, NUL-terminated */
	void *arg;		/* fork_start()'s ARG, for the child's FN */
};

typedef int (*fork_fn)(struct fork_child *fc);

/* Before fork_start() or fork_free(): nothing open, nothing running. */
void fork_init(struct fork_child *fc);

/*
 * fork() a child that runs FN(FC) and _exit()s with 0 when FN returned
 * 0, else 1.  In the parent: 0 (FC->pid set), or -errno with nothing
 * left running.  Not for tests that count the parent's own allocations
 * (fail-nth): the pipes and message page are set up before the fork.
 */
int fork_start(struct fork_child *fc, fork_fn fn, void *arg);

/* Child: keep the first failure's text for the parent; returns -1. */
int fork_fail(struct fork_child *fc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Child: tell the parent a step is done; wait for its go. */
int fork_step(struct fork_child *fc);
int fork_await(struct fork_child *fc);

/* Parent: wait for the child's step (-EPIPE: it exited first); go on. */
int fork_wait_step(struct fork_child *fc);
int fork_go(struct fork_child *fc);

/*
 * Parent: waitpid() the child.  Its exit status (0..255), 128 + the
 * signal that killed it, or -errno.  The message stays readable.
 */
int fork_reap(struct fork_child *fc);
const char *fork_msg(const struct fork_child *fc);

/* Kill (SIGKILL) and reap a child still running; close, unmap. */
void fork_free(struct fork_child *fc);

/*
 * Write to STACK_BYTES of stack below the caller: fork() write-protects
 * the parent's and the child's anonymous pages, and their first write
 * after it is a minor fault that a fault count over a test's own
 * accesses must not see.
 */
void fork_prefault_stack(void);

/*
 * The whole of PATH (a debugfs or proc file any size) in a malloc()ed,
 * NUL-terminated buffer *OUT; 0 or -errno.
 */
int fork_read_all(const char *path, char **out);

/*
 * Do texts A and B differ?  If so BUF gets the first line where they do,
 * as "-<A's line> +<B's line>" (an empty side: that text ended).
 */
bool fork_text_differs(const char *a, const char *b, char *buf, size_t len);

#endif /* MM_FORK_H */
