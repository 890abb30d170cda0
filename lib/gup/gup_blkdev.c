// SPDX-License-Identifier: GPL-2.0
/* A loop device over a memfd for O_DIRECT tests: see gup_blkdev.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/loop.h>

#include "gup/gup_blkdev.h"

#define GB_LOOP_CTL	"/dev/loop-control"
#define GB_LOOP_MAJOR	7

static int gb_fail(char *why, size_t whylen, const char *what, int err)
{
	snprintf(why, whylen, "%s: %s", what, strerror(err));
	return err == EPERM || err == EACCES ? GUP_BLKDEV_SKIP : -err;
}

/* A loop minor nobody uses, added by us so teardown can remove it. */
static int gb_add(struct gup_blkdev *d, char *why, size_t whylen)
{
	char path[64];
	int ctl, err = 0;

	ctl = open(GB_LOOP_CTL, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(why, whylen, "no loop devices (%s: %s; "
			 "CONFIG_BLK_DEV_LOOP not set?)", GB_LOOP_CTL,
			 strerror(errno));
		return GUP_BLKDEV_SKIP;
	}
	for (d->id = 200; d->id < 1024; d->id++) {
		snprintf(path, sizeof(path), "/sys/block/loop%d", d->id);
		if (access(path, F_OK) && ioctl(ctl, LOOP_CTL_ADD, d->id) >= 0)
			break;
		err = errno;
	}
	close(ctl);
	if (d->id == 1024) {
		d->id = -1;
		return gb_fail(why, whylen, "LOOP_CTL_ADD", err);
	}
	snprintf(d->dev, sizeof(d->dev), "/dev/loop%d", d->id);
	if (access(d->dev, F_OK)) {
		if (mknod(d->dev, S_IFBLK | 0600,
			  makedev(GB_LOOP_MAJOR, d->id)))
			return gb_fail(why, whylen, d->dev, errno);
		d->made_node = true;
	}
	return 0;
}

int gup_blkdev_setup(struct gup_blkdev *d, size_t bytes, char *why,
		     size_t whylen)
{
	int backing, loop, ret;

	memset(d, 0, sizeof(*d));
	d->id = d->fd = -1;
	ret = gb_add(d, why, whylen);
	if (ret)
		return ret;
	backing = memfd_create("gup_blkdev", MFD_CLOEXEC);
	if (backing < 0)
		return gb_fail(why, whylen, "memfd_create", errno);
	if (ftruncate(backing, bytes)) {
		ret = gb_fail(why, whylen, "ftruncate memfd", errno);
		close(backing);
		return ret;
	}
	loop = open(d->dev, O_RDWR | O_CLOEXEC);
	if (loop < 0 || ioctl(loop, LOOP_SET_FD, backing)) {
		ret = gb_fail(why, whylen, "LOOP_SET_FD", errno);
		if (loop >= 0)
			close(loop);
		close(backing);
		return ret;
	}
	close(loop);
	close(backing);		/* the loop device holds its own reference */
	d->fd = open(d->dev, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0)
		return gb_fail(why, whylen, "open O_DIRECT", errno);
	return 0;
}

void gup_blkdev_teardown(struct gup_blkdev *d)
{
	int fd, i;

	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->id < 0)
		return;
	fd = open(d->dev, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		/* EBUSY while the O_DIRECT fd's last close is in flight */
		for (i = 0; i < 50 && ioctl(fd, LOOP_CLR_FD) && errno == EBUSY;
		     i++)
			usleep(20000);
		close(fd);
	}
	fd = open(GB_LOOP_CTL, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, LOOP_CTL_REMOVE, d->id);
		close(fd);
	}
	if (d->made_node)
		unlink(d->dev);
	d->id = -1;
}
