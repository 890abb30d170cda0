/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userfaultfd helpers shared by the tests.
 *
 * The lib/ return convention (mm_util.h): every function returns 0 on
 * success and -errno on failure (never -1 with errno), so a test can
 * write ASSERT_EQ(0, uffd_register(...)) or ASSERT_EQ(-ENOENT, ...) and
 * print strerror(-ret); uffd_open_features() may also return MM_SKIP.
 * Nothing here blocks without a deadline: message reads poll with a
 * timeout, the reader thread wakes every few milliseconds to check
 * whether it should stop.
 *
 * Opening and probing:
 *   uffd_open_features(want, &fd, why, len)
 *	open a userfaultfd (the syscall, then /dev/userfaultfd) and do the
 *	UFFDIO_API handshake asking for the UFFD_FEATURE_* bits in want.
 *	Returns 0 with *fd set, MM_SKIP with a reason in why when the
 *	kernel (or the uapi headers the test was built with) lacks a
 *	wanted feature or the caller lacks the privilege: SKIP with why.
 *	Any other value is -errno: FAIL with why.
 *   uffd_features(&features)   what UFFDIO_API reports, on a scratch fd
 *
 * Ranges:
 *   uffd_register(fd, addr, len, mode, &ioctls)   ioctls may be NULL
 *   uffd_unregister(fd, addr, len)
 *   uffd_copy(fd, dst, src, len), uffd_zeropage(fd, addr, len),
 *   uffd_wake(fd, addr, len), uffd_poison(fd, addr, len)
 *   uffd_writeprotect(fd, addr, len, wp)   UFFDIO_WRITEPROTECT: set the
 *	uffd-wp bit (wp) or clear it and wake the faults waiting there
 *
 * Messages:
 *   uffd_read_msg(fd, &msg, timeout_ms)   -ETIMEDOUT when none came
 *   struct uffd_reader: a thread that reads every message into a small
 *	log (and optionally resolves missing faults with the zero page), so
 *	a test whose syscall blocks until its event is read (mremap with
 *	UFFD_FEATURE_EVENT_REMAP, MADV_DONTNEED with ..._EVENT_REMOVE) can
 *	make progress:
 *	uffd_reader_start(&r, fd, flags); ...;
 *	uffd_reader_wait(&r, UFFD_EVENT_REMAP, 1, 2000); uffd_reader_stop(&r);
 *
 * UFFDIO_MOVE:
 *   uffd_move(fd, dst, src, len, mode, &moved)
 *	returns 0 or the ioctl's -errno and stores uffdio_move.move
 *	in *moved; *moved is UFFD_MOVE_UNWRITTEN when the kernel did not
 *	write the field (it fails argument checks before writing it).
 */
#ifndef MM_UFFD_H
#define MM_UFFD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/userfaultfd.h>

#include "mm_util.h"

/*
 * 6.1's uapi header lacks UFFDIO_MOVE and UFFDIO_POISON.  The tests still
 * build against it and SKIP at run time; the feature bits are defined so
 * they can be named, the ioctls are not, so they cannot be issued.
 */
#ifdef UFFDIO_MOVE
#define UFFD_HAVE_MOVE_UAPI	1
#else
#define UFFD_HAVE_MOVE_UAPI	0
#define UFFD_FEATURE_MOVE			(1 << 16)
#define UFFDIO_MOVE_MODE_DONTWAKE		((__u64)1 << 0)
#define UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES	((__u64)1 << 1)
#define _UFFDIO_MOVE				(0x05)
#endif

#ifdef UFFDIO_POISON
#define UFFD_HAVE_POISON_UAPI	1
#else
#define UFFD_HAVE_POISON_UAPI	0
#define UFFD_FEATURE_POISON			(1 << 14)
#endif

/* 6.1's uapi header lacks it too: a bit of UFFDIO_API, nothing to issue. */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED		(1 << 13)
#endif

/* Never a byte count nor an errno: "the kernel did not write .move". */
#define UFFD_MOVE_UNWRITTEN	INT64_MIN

int uffd_features(uint64_t *features);
int uffd_open_features(uint64_t want, int *fd, char *why, size_t whylen);
int uffd_register(int fd, void *addr, size_t len, uint64_t mode,
		  uint64_t *ioctls);
int uffd_unregister(int fd, void *addr, size_t len);
int uffd_copy(int fd, void *dst, const void *src, size_t len);
int uffd_zeropage(int fd, void *addr, size_t len);
int uffd_wake(int fd, void *addr, size_t len);
int uffd_poison(int fd, void *addr, size_t len);
int uffd_writeprotect(int fd, void *addr, size_t len, bool wp);
int uffd_move(int fd, void *dst, const void *src, size_t len, uint64_t mode,
	      int64_t *moved);
int uffd_read_msg(int fd, struct uffd_msg *msg, int timeout_ms);

#define UFFD_READER_MAX_MSGS	64
/* Resolve each missing fault by mapping the zero page there. */
#define UFFD_READER_ZEROPAGE	0x1

struct uffd_reader {
	int fd;
	unsigned int flags;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct uffd_msg msgs[UFFD_READER_MAX_MSGS];
	unsigned int nr_msgs;	/* stored, at most UFFD_READER_MAX_MSGS */
	unsigned int total;	/* read, stored or not */
	int err;		/* first error the thread hit, -errno */
	int stop;
};

int uffd_reader_start(struct uffd_reader *r, int fd, unsigned int flags);
/*
 * Wait until at least count messages of this event were read: 0,
 * -ETIMEDOUT, or the thread's error.
 */
int uffd_reader_wait(struct uffd_reader *r, uint8_t event, unsigned int count,
		     int timeout_ms);
/* Copy the i-th stored message of this event; -ENOENT if there is none. */
int uffd_reader_get(struct uffd_reader *r, uint8_t event, unsigned int i,
		    struct uffd_msg *msg);
/* Stop and join the thread; returns the first error it hit. */
int uffd_reader_stop(struct uffd_reader *r);

#endif /* MM_UFFD_H */
