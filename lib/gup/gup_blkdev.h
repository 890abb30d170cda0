/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scratch block device for O_DIRECT I/O: a loop device of our own over
 * a memfd.  O_DIRECT on a block device node goes through
 * blkdev_direct_IO() -> bio_iov_iter_get_pages(), which pins the user
 * buffer (iov_iter_extract_pages() -> pin_user_pages_fast()) whatever
 * the loop device then does with the bio, so the backing file need not
 * support O_DIRECT itself.
 *
 *   struct gup_blkdev d;
 *   ret = gup_blkdev_setup(&d, bytes, why, sizeof(why));
 *     0: d.fd is the device opened O_RDWR | O_DIRECT;
 *     GUP_BLKDEV_SKIP: no loop support or no privilege (WHY says);
 *     -errno (WHY says).
 *   gup_blkdev_teardown(&d);  in every case: close, detach, remove
 */
#ifndef MM_GUP_BLKDEV_H
#define MM_GUP_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>

#define GUP_BLKDEV_SKIP	1

struct gup_blkdev {
	int id;			/* loop<id>, -1 when none */
	int fd;			/* O_DIRECT fd, -1 when none */
	bool made_node;		/* we created /dev/loop<id> */
	char dev[32];
};

int gup_blkdev_setup(struct gup_blkdev *d, size_t bytes, char *why,
		     size_t whylen);
void gup_blkdev_teardown(struct gup_blkdev *d);

#endif /* MM_GUP_BLKDEV_H */
