// SPDX-License-Identifier: GPL-2.0
/* A swap device on a hot-added zram disk: see zram_swap.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zram_swap.h"

#define ZS_PAGE		4096
#define ZS_CONTROL	"/sys/class/zram-control"

static int zs_errno(void)
{
	return errno ? errno : EIO;
}

static int zs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return zs_errno();
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return zs_errno();
	buf[n] = '\0';
	return 0;
}

static int zs_write(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return zs_errno();
	n = write(fd, val, strlen(val));
	close(fd);
	if (n < 0)
		return zs_errno();
	return 0;
}

static int zs_sysfs(struct zram_swap *z, const char *attr, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/block/zram%d/%s", z->id, attr);
	return zs_write(path, val);
}

/* The block device node: devtmpfs makes it, else we do from sysfs. */
static int zs_node(struct zram_swap *z)
{
	unsigned int major, minor;
	char path[128], buf[32];
	int i, ret;

	snprintf(z->dev, sizeof(z->dev), "/dev/zram%d", z->id);
	for (i = 0; i < 100; i++) {
		if (!access(z->dev, F_OK))
			return 0;
		usleep(10000);
	}
	snprintf(path, sizeof(path), "/sys/block/zram%d/dev", z->id);
	ret = zs_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	if (sscanf(buf, "%u:%u", &major, &minor) != 2)
		return EINVAL;
	if (mknod(z->dev, S_IFBLK | 0600, makedev(major, minor)))
		return zs_errno();
	z->made_node = 1;
	return 0;
}

/* What mkswap writes: a version-1 header and the magic at the page end. */
static int zs_mkswap(struct zram_swap *z, size_t bytes)
{
	static char page[ZS_PAGE];
	uint32_t v;
	int fd, ret = 0;

	memset(page, 0, sizeof(page));
	v = 1;				/* info.version */
	memcpy(page + 1024, &v, sizeof(v));
	v = bytes / ZS_PAGE - 1;	/* info.last_page */
	memcpy(page + 1028, &v, sizeof(v));
	memcpy(page + ZS_PAGE - 10, "SWAPSPACE2", 10);
	fd = open(z->dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return zs_errno();
	if (pwrite(fd, page, sizeof(page), 0) != sizeof(page) || fsync(fd))
		ret = zs_errno();
	close(fd);
	return ret;
}

int zram_swap_setup(struct zram_swap *z, size_t bytes, char *why,
		    size_t whylen)
{
	char buf[32];
	int ret;

	memset(z, 0, sizeof(*z));
	z->id = -1;
	if (access(ZS_CONTROL "/hot_add", R_OK)) {
		snprintf(why, whylen, "no zram (%s missing: CONFIG_ZRAM not set?)",
			 ZS_CONTROL "/hot_add");
		return ZRAM_SWAP_UNAVAILABLE;
	}
	/* Reading hot_add creates a disk and returns its number. */
	ret = zs_read(ZS_CONTROL "/hot_add", buf, sizeof(buf));
	if (ret) {
		snprintf(why, whylen, "zram hot_add: %s", strerror(ret));
		return ret;
	}
	z->id = atoi(buf);
	snprintf(buf, sizeof(buf), "%zu", bytes);
	ret = zs_sysfs(z, "disksize", buf);
	if (ret) {
		snprintf(why, whylen, "zram%d disksize: %s", z->id,
			 strerror(ret));
		goto fail;
	}
	ret = zs_node(z);
	if (!ret)
		ret = zs_mkswap(z, bytes);
	if (ret) {
		snprintf(why, whylen, "zram%d swap header: %s", z->id,
			 strerror(ret));
		goto fail;
	}
	if (swapon(z->dev, SWAP_FLAG_PREFER |
		   ((32767 << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK))) {
		ret = zs_errno();
		snprintf(why, whylen, "swapon %s: %s", z->dev, strerror(ret));
		if (ret == ENOSYS) {
			snprintf(why, whylen, "no swap support (CONFIG_SWAP not set)");
			ret = ZRAM_SWAP_UNAVAILABLE;
		}
		goto fail;
	}
	z->swapped_on = 1;
	return 0;
fail:
	zram_swap_teardown(z);
	return ret;
}

void zram_swap_teardown(struct zram_swap *z)
{
	char buf[16];
	int i;

	if (z->id < 0)
		return;
	if (z->swapped_on && !swapoff(z->dev))
		z->swapped_on = 0;
	if (z->made_node)
		unlink(z->dev);
	/* reset fails with EBUSY while the last opener is still closing. */
	for (i = 0; i < 50 && zs_sysfs(z, "reset", "1"); i++)
		usleep(20000);
	snprintf(buf, sizeof(buf), "%d", z->id);
	zs_write(ZS_CONTROL "/hot_remove", buf);
	z->id = -1;
}
