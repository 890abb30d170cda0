/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Long-term pins on user pages, two ways:
 *
 * gup_test (debugfs, CONFIG_GUP_TEST): pin_user_pages(FOLL_LONGTERM) of
 * a range, the pinned pages readable back through the pin.  The kernel
 * keeps one such pin set at a time, system-wide, until STOP or close.
 *   gup_pin_open(&g, why, len)   0; MM_SKIP (SKIP with why); or -errno
 *				  (why set).  Mounts debugfs if needed.
 *   gup_pin_start(&g, addr, len, write)
 *   gup_pin_read(&g, buf)        copy every pinned page into buf
 *   gup_pin_stop(&g); gup_pin_close(&g);
 *
 * io_uring fixed buffers (liburing): what an unprivileged program can
 * do.  The ring pins the buffer until it is unregistered or closed.
 *   uring_pin_start(&u, addr, len, why, len)   same return convention
 *   uring_pin_write(&u, fd, len, timeout_ms)    WRITE_FIXED of the
 *				  pinned buffer to fd at offset 0
 *   uring_pin_stop(&u);
 *
 * The lib/ return convention (mm_util.h): every function that can fail
 * returns 0 or -errno; gup_pin_open() and uring_pin_start() may also
 * return MM_SKIP (why says why) when the kernel lacks the pin mechanism
 * or the privilege to use it.
 */
#ifndef MM_GUP_PIN_H
#define MM_GUP_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <liburing.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#include "mm_util.h"

/* mm/gup_test.h is not uapi: the part of its layout this file uses. */
struct gup_pin_longterm_test {
	__u64 addr;
	__u64 size;
	__u32 flags;
};

#define GUP_PIN_LONGTERM_TEST_START	_IOW('g', 7, struct gup_pin_longterm_test)
#define GUP_PIN_LONGTERM_TEST_STOP	_IO('g', 8)
#define GUP_PIN_LONGTERM_TEST_READ	_IOW('g', 9, __u64)
#define GUP_PIN_LONGTERM_TEST_FLAG_USE_WRITE	1

struct gup_pin {
	int fd;
	bool mounted_debugfs;
	bool pinned;
};

int gup_pin_open(struct gup_pin *g, char *why, size_t whylen);
int gup_pin_start(struct gup_pin *g, void *addr, size_t len, bool write);
int gup_pin_read(struct gup_pin *g, void *buf);
int gup_pin_stop(struct gup_pin *g);
void gup_pin_close(struct gup_pin *g);
/* Undo the mount of a gup_pin whose mounted_debugfs the caller took over. */
void gup_pin_umount_debugfs(void);

struct uring_pin {
	struct io_uring ring;
	bool ring_ok;
	bool registered;
	void *addr;
	size_t len;
};

int uring_pin_start(struct uring_pin *u, void *addr, size_t len, char *why,
		    size_t whylen);
int uring_pin_write(struct uring_pin *u, int fd, size_t len, int timeout_ms);
void uring_pin_stop(struct uring_pin *u);

#endif /* MM_GUP_PIN_H */
