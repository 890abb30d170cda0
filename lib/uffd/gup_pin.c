// SPDX-License-Identifier: GPL-2.0
/* Long-term pins through gup_test and io_uring: see gup_pin.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include "uffd/gup_pin.h"
#include "mm_util.h"

#define GP_DEBUGFS	"/sys/kernel/debug"
#define GP_GUP_TEST	GP_DEBUGFS "/gup_test"
#define GP_DEBUGFS_MAGIC	0x64626720

static bool gp_debugfs_mounted(void)
{
	struct statfs st;

	return !statfs(GP_DEBUGFS, &st) && st.f_type == GP_DEBUGFS_MAGIC;
}

int gup_pin_open(struct gup_pin *g, char *why, size_t whylen)
{
	int ret;

	memset(g, 0, sizeof(*g));
	g->fd = -1;
	if (!gp_debugfs_mounted()) {
		if (mount("debugfs", GP_DEBUGFS, "debugfs", 0, NULL)) {
			ret = -mm_errno();
			snprintf(why, whylen, "cannot mount debugfs: %s",
				 strerror(-ret));
			return ret == -EPERM ? MM_SKIP : ret;
		}
		g->mounted_debugfs = true;
	}
	g->fd = open(GP_GUP_TEST, O_RDWR | O_CLOEXEC);
	if (g->fd >= 0)
		return 0;
	ret = -mm_errno();
	snprintf(why, whylen, "%s: %s%s", GP_GUP_TEST, strerror(-ret),
		 ret == -ENOENT ? " (CONFIG_GUP_TEST not set)" : "");
	gup_pin_close(g);
	return ret == -ENOENT || ret == -EPERM || ret == -EACCES ?
		MM_SKIP : ret;
}

int gup_pin_start(struct gup_pin *g, void *addr, size_t len, bool write)
{
	struct gup_pin_longterm_test args = {
		.addr = (unsigned long)addr,
		.size = len,
		.flags = write ? GUP_PIN_LONGTERM_TEST_FLAG_USE_WRITE : 0,
	};

	if (ioctl(g->fd, GUP_PIN_LONGTERM_TEST_START, &args))
		return -mm_errno();
	g->pinned = true;
	return 0;
}

int gup_pin_read(struct gup_pin *g, void *buf)
{
	__u64 user = (unsigned long)buf;

	return ioctl(g->fd, GUP_PIN_LONGTERM_TEST_READ, &user) ? -mm_errno() : 0;
}

int gup_pin_stop(struct gup_pin *g)
{
	if (!g->pinned)
		return 0;
	g->pinned = false;
	return ioctl(g->fd, GUP_PIN_LONGTERM_TEST_STOP) ? -mm_errno() : 0;
}

void gup_pin_close(struct gup_pin *g)
{
	if (g->fd >= 0) {
		gup_pin_stop(g);
		close(g->fd);	/* release() also unpins */
		g->fd = -1;
	}
	if (g->mounted_debugfs) {
		gup_pin_umount_debugfs();
		g->mounted_debugfs = false;
	}
}

void gup_pin_umount_debugfs(void)
{
	umount2(GP_DEBUGFS, MNT_DETACH);
}

int uring_pin_start(struct uring_pin *u, void *addr, size_t len, char *why,
		    size_t whylen)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };
	int ret;

	memset(u, 0, sizeof(*u));
	u->addr = addr;
	u->len = len;
	/* liburing returns -errno too. */
	ret = io_uring_queue_init(4, &u->ring, 0);
	if (ret) {
		snprintf(why, whylen, "io_uring_queue_init: %s%s", strerror(-ret),
			 ret == -ENOSYS ? " (CONFIG_IO_URING not set)" :
			 ret == -EPERM ? " (kernel.io_uring_disabled)" : "");
		return ret == -ENOSYS || ret == -EPERM ? MM_SKIP : ret;
	}
	u->ring_ok = true;
	ret = io_uring_register_buffers(&u->ring, &iov, 1);
	if (ret) {
		snprintf(why, whylen, "io_uring_register_buffers: %s",
			 strerror(-ret));
		uring_pin_stop(u);
		return ret;
	}
	u->registered = true;
	return 0;
}

int uring_pin_write(struct uring_pin *u, int fd, size_t len, int timeout_ms)
{
	struct __kernel_timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	sqe = io_uring_get_sqe(&u->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_write_fixed(sqe, fd, u->addr, len, 0, 0);
	ret = io_uring_submit(&u->ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
	if (ret)
		return ret == -ETIME ? -ETIMEDOUT : ret;
	ret = cqe->res < 0 ? cqe->res : cqe->res == (int)len ? 0 : -EIO;
	io_uring_cqe_seen(&u->ring, cqe);
	return ret;
}

void uring_pin_stop(struct uring_pin *u)
{
	if (u->registered)
		io_uring_unregister_buffers(&u->ring);
	if (u->ring_ok)
		io_uring_queue_exit(&u->ring);
	u->registered = u->ring_ok = false;
}
