// SPDX-License-Identifier: GPL-2.0
/* A temporary zram or loop swap device: see swap_dev.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "uffd/swap_dev.h"
#include "mm_util.h"

#define SD_ZRAM_CTL	"/sys/class/zram-control"
#define SD_LOOP_CTL	"/dev/loop-control"

static const char *sd_name(const struct swap_dev *d)
{
	return d->kind == SWAP_DEV_ZRAM ? "zram" : "loop";
}

/* 0, or -errno (-EIO when the attribute took only part of val). */
static int sd_zram_attr(struct swap_dev *d, const char *attr, const char *val)
{
	char path[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/block/zram%d/%s", d->id, attr);
	n = mm_write_str(path, val);
	if (n < 0)
		return n;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* The block device node: devtmpfs makes it, else we do from sysfs. */
static int sd_node(struct swap_dev *d)
{
	unsigned int major, minor;
	char path[128], buf[32];
	ssize_t n;
	int i;

	snprintf(d->dev, sizeof(d->dev), "/dev/%s%d", sd_name(d), d->id);
	for (i = 0; i < 100; i++) {
		if (!access(d->dev, F_OK))
			return 0;
		usleep(10000);
	}
	snprintf(path, sizeof(path), "/sys/block/%s%d/dev", sd_name(d), d->id);
	n = mm_read_str(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (sscanf(buf, "%u:%u", &major, &minor) != 2)
		return -EINVAL;
	if (mknod(d->dev, S_IFBLK | 0600, makedev(major, minor)))
		return -mm_errno();
	d->made_node = true;
	return 0;
}

static int sd_zram_create(struct swap_dev *d, size_t bytes, char *why,
			  size_t whylen)
{
	char buf[32];
	ssize_t n;
	int ret;

	if (access(SD_ZRAM_CTL "/hot_add", R_OK)) {
		snprintf(why, whylen, "no zram (%s missing: CONFIG_ZRAM not set?)",
			 SD_ZRAM_CTL "/hot_add");
		return MM_SKIP;
	}
	/* Reading hot_add creates a disk and returns its number. */
	n = mm_read_str(SD_ZRAM_CTL "/hot_add", buf, sizeof(buf));
	if (n < 0) {
		snprintf(why, whylen, "zram hot_add: %s", strerror(-n));
		return n;
	}
	d->id = atoi(buf);
	snprintf(buf, sizeof(buf), "%zu", bytes);
	ret = sd_zram_attr(d, "disksize", buf);
	if (ret)
		snprintf(why, whylen, "zram%d disksize: %s", d->id,
			 strerror(-ret));
	return ret;
}

static int sd_loop_create(struct swap_dev *d, size_t bytes, char *why,
			  size_t whylen)
{
	int ctl, loop, backing, ret = 0;
	char path[64];

	ctl = open(SD_LOOP_CTL, O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		snprintf(why, whylen, "no loop devices (%s: %s; CONFIG_BLK_DEV_LOOP not set?)",
			 SD_LOOP_CTL, strerror(errno));
		return MM_SKIP;
	}
	/* A loop device of our own, so teardown can remove it again. */
	for (d->id = 64; d->id < 1024; d->id++) {
		snprintf(path, sizeof(path), "/sys/block/loop%d", d->id);
		if (access(path, F_OK) && ioctl(ctl, LOOP_CTL_ADD, d->id) >= 0)
			break;
	}
	ret = d->id < 1024 ? 0 : -mm_errno();
	close(ctl);
	if (ret) {
		d->id = -1;
		snprintf(why, whylen, "LOOP_CTL_ADD: %s", strerror(-ret));
		return ret;
	}
	ret = sd_node(d);
	if (ret) {
		snprintf(why, whylen, "loop%d node: %s", d->id, strerror(-ret));
		return ret;
	}
	backing = memfd_create("swap_dev", MFD_CLOEXEC);
	if (backing < 0 || ftruncate(backing, bytes)) {
		ret = -mm_errno();
		snprintf(why, whylen, "memfd for loop%d: %s", d->id, strerror(-ret));
		if (backing >= 0)
			close(backing);
		return ret;
	}
	loop = open(d->dev, O_RDWR | O_CLOEXEC);
	if (loop < 0 || ioctl(loop, LOOP_SET_FD, backing)) {
		ret = -mm_errno();
		snprintf(why, whylen, "%s LOOP_SET_FD: %s", d->dev, strerror(-ret));
	}
	if (loop >= 0)
		close(loop);
	close(backing);		/* the loop device holds its own reference */
	return ret;
}

/* What mkswap writes: a version-1 header and the magic at the page end. */
static int sd_mkswap(struct swap_dev *d, size_t bytes)
{
	static char page[MM_PAGE];
	uint32_t v;
	int fd, ret = 0;

	memset(page, 0, sizeof(page));
	v = 1;				/* info.version */
	memcpy(page + 1024, &v, sizeof(v));
	v = bytes / MM_PAGE - 1;	/* info.last_page */
	memcpy(page + 1028, &v, sizeof(v));
	memcpy(page + MM_PAGE - 10, "SWAPSPACE2", 10);
	fd = open(d->dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -mm_errno();
	if (pwrite(fd, page, sizeof(page), 0) != sizeof(page) || fsync(fd))
		ret = -mm_errno();
	close(fd);
	return ret;
}

int swap_dev_setup(struct swap_dev *d, enum swap_dev_kind kind, size_t bytes,
		   char *why, size_t whylen)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->id = -1;
	ret = kind == SWAP_DEV_ZRAM ? sd_zram_create(d, bytes, why, whylen) :
				      sd_loop_create(d, bytes, why, whylen);
	if (ret)
		goto fail;
	ret = sd_node(d);
	if (!ret)
		ret = sd_mkswap(d, bytes);
	if (ret) {
		snprintf(why, whylen, "%s swap header: %s", d->dev, strerror(-ret));
		goto fail;
	}
	if (swapon(d->dev, SWAP_FLAG_PREFER |
		   ((32767 << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK))) {
		ret = -mm_errno();
		snprintf(why, whylen, "swapon %s: %s", d->dev, strerror(-ret));
		if (ret == -ENOSYS) {
			snprintf(why, whylen, "no swap support (CONFIG_SWAP not set)");
			ret = MM_SKIP;
		}
		goto fail;
	}
	d->swapped_on = true;
	return 0;
fail:
	swap_dev_teardown(d);
	return ret;
}

static void sd_loop_remove(struct swap_dev *d)
{
	int fd, i;

	fd = open(d->dev, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		/* EBUSY while swapoff's last close is still in flight */
		for (i = 0; i < 50 && ioctl(fd, LOOP_CLR_FD) && errno == EBUSY; i++)
			usleep(20000);
		close(fd);
	}
	fd = open(SD_LOOP_CTL, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ioctl(fd, LOOP_CTL_REMOVE, d->id);
		close(fd);
	}
}

void swap_dev_teardown(struct swap_dev *d)
{
	char buf[16];
	int i;

	if (d->id < 0)
		return;
	if (d->swapped_on && !swapoff(d->dev))
		d->swapped_on = false;
	if (d->kind == SWAP_DEV_LOOP) {
		sd_loop_remove(d);
	} else {
		/* reset fails with EBUSY while the last opener is closing. */
		for (i = 0; i < 50 && sd_zram_attr(d, "reset", "1"); i++)
			usleep(20000);
		snprintf(buf, sizeof(buf), "%d", d->id);
		mm_write_str(SD_ZRAM_CTL "/hot_remove", buf);
	}
	if (d->made_node)
		unlink(d->dev);
	d->id = -1;
}
