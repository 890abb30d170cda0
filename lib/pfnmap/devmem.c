// SPDX-License-Identifier: GPL-2.0
/* ivshmem BAR2 through /dev/mem; see devmem.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pfnmap/devmem.h"
#include "mm_util.h"
#include "pfnmap/pci_dev.h"

#define DM_CMD_MEMORY	0x2	/* PCI_COMMAND_MEMORY */

struct dm_cand {
	char bdf[32];
	uint64_t phys;
	uint64_t size;
	char driver[64];	/* "" when unclaimed */
};

/*
 * The smallest fitting BAR2, unclaimed if any is; *CLAIMED counts the
 * fitting ones a driver holds.  0 when there is no fitting one at all.
 */
static int dm_find(struct dm_cand *best, uint64_t min_size, int *claimed)
{
	struct dm_cand c;
	struct dirent *d;
	int found = 0;
	DIR *dir;

	*claimed = 0;
	dir = opendir(PCI_DEV_SYSFS);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' ||
		    !pci_dev_is_ivshmem(d->d_name) ||
		    pci_dev_bar(d->d_name, IVSHMEM_BAR, &c.phys, &c.size) ||
		    c.size < min_size)
			continue;
		pci_dev_strcpy(c.bdf, sizeof(c.bdf), d->d_name);
		pci_dev_link(c.bdf, "driver", c.driver, sizeof(c.driver));
		if (c.driver[0])
			(*claimed)++;
		/* Unclaimed beats claimed; then smaller beats larger. */
		if (!found || (!c.driver[0] && best->driver[0]) ||
		    (!c.driver[0] == !best->driver[0] && c.size < best->size))
			*best = c;
		found = 1;
	}
	closedir(dir);
	return found;
}

/* Memory decoding off: the BAR reads as all ones, writes vanish. */
static int dm_decoding(const char *bdf, char *why, size_t whylen)
{
	char path[PATH_MAX];
	unsigned char cmd[2];
	int fd;

	pci_dev_path(path, sizeof(path), bdf, "config");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, cmd, 2, 4) != 2) {
		snprintf(why, whylen, "reading the command register of %s: %s",
			 bdf, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	if (cmd[0] & DM_CMD_MEMORY)
		return 0;
	snprintf(why, whylen, "memory decoding of %s is off (command "
		 "register 0x%02x%02x): its BAR would read as all ones",
		 bdf, cmd[1], cmd[0]);
	return -ENXIO;
}

int devmem_bar_open(struct devmem_bar *db, uint64_t min_size, char *why,
		    size_t whylen)
{
	struct dm_cand c;
	int claimed, err;

	memset(db, 0, sizeof(*db));
	db->fd = -1;
	if (!dm_find(&c, min_size, &claimed)) {
		snprintf(why, whylen, "no ivshmem device (%04x:%04x) with a "
			 "BAR%d of at least %llu MiB", IVSHMEM_VENDOR,
			 IVSHMEM_DEVICE, IVSHMEM_BAR,
			 (unsigned long long)(min_size >> 20));
		return MM_SKIP;
	}
	if (c.driver[0]) {
		snprintf(why, whylen, "every ivshmem BAR%d of at least %llu "
			 "MiB is claimed by a driver (%s by %s): /dev/mem maps "
			 "unclaimed ones only", IVSHMEM_BAR,
			 (unsigned long long)(min_size >> 20), c.bdf, c.driver);
		return MM_SKIP;
	}
	/*
	 * O_SYNC maps uncached-minus, as vfio-pci does: a memtype that a
	 * kernel bug leaks over the BAR then cannot conflict with a later
	 * ioremap() of it (vfio's pread) in the same boot.
	 */
	db->fd = open(DEVMEM_PATH, O_RDWR | O_SYNC | O_CLOEXEC);
	if (db->fd < 0) {
		err = errno;
		snprintf(why, whylen, "open " DEVMEM_PATH ": %s%s", strerror(err),
			 err == ENOENT ? " (CONFIG_DEVMEM off?)" : "");
		return err == ENOENT || err == EACCES || err == EPERM ?
		       MM_SKIP : -err;
	}
	err = dm_decoding(c.bdf, why, whylen);
	if (err) {
		devmem_bar_close(db);
		return err;
	}
	pci_dev_strcpy(db->bdf, sizeof(db->bdf), c.bdf);
	db->phys = c.phys;
	db->size = c.size;
	return 0;
}

void devmem_bar_close(struct devmem_bar *db)
{
	if (db->fd >= 0)
		close(db->fd);
	db->fd = -1;
}

void *devmem_bar_map(const struct devmem_bar *db, uint64_t off, size_t len,
		     int prot, int flags, size_t align, size_t skew)
{
	if (align < MM_PAGE)
		align = MM_PAGE;
	return mm_mmap_at(db->fd, db->phys + off, len, prot, flags, align,
			  skew);
}

static int dm_copy(const struct devmem_bar *db, uint64_t off, void *buf,
		   size_t len, bool write)
{
	uint64_t first = off & ~(MM_PAGE - 1);
	size_t span = (off + len - first + MM_PAGE - 1) & ~(MM_PAGE - 1);
	volatile char *map;
	size_t i;

	if (off > db->size || len > db->size - off)
		return -EINVAL;
	map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, db->fd,
		   db->phys + first);
	if (map == MAP_FAILED)
		return -errno;
	map += off - first;
	/* Bytewise through volatile: no vector loads or stores on the BAR. */
	for (i = 0; i < len; i++) {
		if (write)
			map[i] = ((const char *)buf)[i];
		else
			((char *)buf)[i] = map[i];
	}
	munmap((void *)(map - (off - first)), span);
	return 0;
}

int devmem_bar_read(const struct devmem_bar *db, uint64_t off, void *buf,
		    size_t len)
{
	return dm_copy(db, off, buf, len, false);
}

int devmem_bar_write(const struct devmem_bar *db, uint64_t off,
		     const void *buf, size_t len)
{
	return dm_copy(db, off, (void *)buf, len, true);
}

/* "PAT: [mem 0x...-0x...] write-back" (end exclusive); 6.1 to 7.2. */
int devmem_pat_lookup(uint64_t start, uint64_t end, char *type, size_t len,
		      uint64_t *estart, uint64_t *eend)
{
	unsigned long long s, e;
	char line[256], t[64];
	int found = 0;
	FILE *f;

	f = fopen(DEVMEM_PAT_LIST, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %63s", &s, &e, t) != 3)
			continue;
		if (s >= end || e <= start)
			continue;
		/* The first overlapping entry describes the range. */
		if (!found++) {
			if (type)
				pci_dev_strcpy(type, len, t);
			if (estart)
				*estart = s;
			if (eend)
				*eend = e;
		}
	}
	fclose(f);
	return found;
}
