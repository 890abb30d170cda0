// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O must not pin a VM_PFNMAP buffer: O_DIRECT read()/write()
 * and io_uring (registered buffers, IORING_OP_READ/WRITE on an O_DIRECT
 * file) into or out of any pfnmap provider and level fail with EFAULT,
 * and nothing reaches the pfns or the disk; the same I/O on ordinary
 * memory (anonymous 4 KiB, THP, hugetlb) moves the data.
 *
 * O_DIRECT on a block device pins the buffer in bio_iov_iter_get_pages()
 * (iov_iter_extract_pages() -> pin_user_pages_fast()), which gup-fast and
 * then check_vma_flags() (VM_IO | VM_PFNMAP -> -EFAULT) refuse.  At the
 * edge, a vector [pfnmap page, ordinary page] moves nothing (EFAULT); in
 * [ordinary page, pfnmap page] the bio is submitted short (after the
 * ordinary page bio_iov_iter_get_pages() returns 0) and the block device
 * moves the rest through the page cache, copying through the mapping:
 * 8192 bytes, no pin, asserted exactly.  io_uring_register_buffers()
 * pins with FOLL_LONGTERM (io_pin_pages()) and is refused the same way.
 */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "gup/gup_blkdev.h"
#include "gup/gup_harness.h"
#include "mm_util.h"

#define SZ_64K		(64ULL << 10)
#define DISK_LEN	(4 * SZ_2M)
/* BIO_MAX_VECS (256) pages: one bio's worth for blkdev_direct_IO() */
#define IO_BIO_MAX_BYTES	(256 * SZ_4K)

FIXTURE(gup_io) {
	struct gup_target t;
	bool got;
	struct gup_blkdev d;
	uint64_t seed;		/* the target's pattern */
	uint64_t dseed;		/* the disk's pattern */
	struct gup_watch w;
};

FIXTURE_VARIANT(gup_io) {
	struct gup_target_req req;
};

GUP_TARGET_VARIANTS(gup_io);

FIXTURE_SETUP(gup_io)
{
	self->got = false;
	self->d.id = self->d.fd = -1;
	self->seed = mm_seed();
	self->dseed = mm_mix(self->seed);
}

FIXTURE_TEARDOWN(gup_io)
{
	gup_blkdev_teardown(&self->d);
	if (self->got)
		gup_target_put(&self->t);
}

struct io_range {
	uint64_t off, len;
	const char *what;
};

/*
 * 64 KiB (one bio, __blkdev_direct_IO_simple()) at the start, inside the
 * entry past 2 MiB and past 1 GiB, and 2 MiB (more than BIO_MAX_VECS
 * pages: several bios, __blkdev_direct_IO()) from the start.
 */
static int io_ranges(const struct gup_target *t, struct io_range *r)
{
	const struct io_range all[] = {
		{ 0, SZ_64K, "64 KiB at the start" },
		{ SZ_2M + 3 * SZ_4K, SZ_64K, "64 KiB past 2 MiB" },
		{ SZ_1G + 3 * SZ_4K, SZ_64K, "64 KiB past 1 GiB" },
		{ 0, SZ_2M, "2 MiB at the start" },
	};
	int i, n = 0;

	for (i = 0; i < (int)(sizeof(all) / sizeof(all[0])); i++)
		if (all[i].off + all[i].len <= t->len)
			r[n++] = all[i];
	return n;
}

/* Map, make the disk (pattern dseed), note page counts.  False: SKIP. */
static bool io_get(struct __test_metadata *_metadata,
		   FIXTURE_DATA(gup_io) *self,
		   const FIXTURE_VARIANT(gup_io) *variant)
{
	char why[512];
	void *buf;
	int ret;

	if (!gup_target_get_or_skip(_metadata, &self->t, &variant->req,
				    &self->got))
		return false;
	ret = gup_blkdev_setup(&self->d, DISK_LEN, why, sizeof(why));
	if (ret == GUP_BLKDEV_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ASSERT_EQ(0, posix_memalign(&buf, SZ_4K, DISK_LEN));
	gup_pattern_fill(buf, 0, DISK_LEN, self->dseed);
	ASSERT_EQ((ssize_t)DISK_LEN, pwrite(self->d.fd, buf, DISK_LEN, 0))
		TH_LOG("O_DIRECT write from the heap: %s", strerror(errno));
	free(buf);
	gup_watch_begin(_metadata, &self->t, &self->w);
	return true;
}

static void io_check_refs(struct __test_metadata *_metadata,
			FIXTURE_DATA(gup_io) *self, const char *when)
{
	gup_watch_expect_steady(_metadata, &self->t, &self->w, when);
}

/* Disk bytes [doff, doff + len) hold pattern SEED at origin ORIGIN. */
static int64_t io_disk_check(FIXTURE_DATA(gup_io) *self, uint64_t doff,
			     uint64_t len, uint64_t origin, uint64_t seed)
{
	int64_t ret;
	void *buf;

	if (posix_memalign(&buf, SZ_4K, len))
		return doff;
	ret = pread(self->d.fd, buf, len, doff) == (ssize_t)len ?
	      gup_pattern_check(buf, origin, len, seed) : (int64_t)doff;
	free(buf);
	return ret;
}

/*
 * What a transfer of the target's [off, off + len) must give: EFAULT and
 * no data moved from a pfnmap, LEN and the data from a control.  RET is
 * the syscall's (or cqe's) result, -errno on error.
 */
static void io_expect(struct __test_metadata *_metadata,
		      FIXTURE_DATA(gup_io) *self, const char *when,
		      bool to_mem, const struct io_range *r, ssize_t ret,
		      ssize_t err)
{
	int64_t bad;

	if (self->t.refused) {
		EXPECT_EQ(err, ret)
			TH_LOG("%s: %zd (%s), expected %s", when, ret,
			       ret < 0 ? strerror(-ret) : "bytes",
			       strerror(-err));
		/* Nothing reached the pfns, nor the disk. */
		bad = gup_target_check(&self->t, r->off, r->len, self->seed);
		EXPECT_EQ(-1, bad) TH_LOG("%s: the pfnmap changed at +%#llx",
					  when, (unsigned long long)bad);
		bad = io_disk_check(self, 0, r->len, 0, self->dseed);
		EXPECT_EQ(-1, bad) TH_LOG("%s: the disk changed at %#llx",
					  when, (unsigned long long)bad);
	} else {
		EXPECT_EQ((ssize_t)r->len, ret)
			TH_LOG("%s: %zd (%s)", when, ret,
			       ret < 0 ? strerror(-ret) : "bytes");
		bad = to_mem ? gup_target_check(&self->t, r->off, r->len,
						self->dseed - r->off) :
		      io_disk_check(self, 0, r->len, r->off, self->seed);
		EXPECT_EQ(-1, bad) TH_LOG("%s: wrong data at %#llx", when,
					  (unsigned long long)bad);
	}
	io_check_refs(_metadata, self, when);
}

/* Restore the disk's pattern over [0, len) after a control wrote it. */
static void io_disk_reset(struct __test_metadata *_metadata,
			  FIXTURE_DATA(gup_io) *self, uint64_t len)
{
	void *buf;

	ASSERT_EQ(0, posix_memalign(&buf, SZ_4K, len));
	gup_pattern_fill(buf, 0, len, self->dseed);
	ASSERT_EQ((ssize_t)len, pwrite(self->d.fd, buf, len, 0));
	free(buf);
}

/* pread()/pwrite() of O_DIRECT disk offset 0 with the target as buffer. */
static void io_direct(struct __test_metadata *_metadata,
		      FIXTURE_DATA(gup_io) *self, bool to_mem)
{
	struct io_range r[4];
	int n = io_ranges(&self->t, r), i;
	char when[160];
	ssize_t ret;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, gup_target_fill(&self->t, r[i].off, r[i].len,
					     self->seed));
		snprintf(when, sizeof(when), "O_DIRECT %s %s of %s",
			 to_mem ? "read into" : "write from", r[i].what,
			 gup_target_name(&self->t));
		ret = to_mem ? pread(self->d.fd, self->t.addr + r[i].off,
				     r[i].len, 0) :
			       pwrite(self->d.fd, self->t.addr + r[i].off,
				      r[i].len, 0);
		io_expect(_metadata, self, when, to_mem, &r[i],
			  ret < 0 ? -errno : ret, -EFAULT);
		io_disk_reset(_metadata, self, r[i].len);
	}
}

TEST_F(gup_io, odirect_read)
{
	if (io_get(_metadata, self, variant))
		io_direct(_metadata, self, true);
}

TEST_F(gup_io, odirect_write)
{
	if (io_get(_metadata, self, variant))
		io_direct(_metadata, self, false);
}

/*
 * The edge: preadv()/pwritev() of [target page, heap page] on a pfnmap
 * moves nothing (EFAULT: bio_iov_iter_get_pages() fails on the first
 * page, and blkdev_read_iter()/blkdev_write_iter() return the error).
 * [heap page, target page] moves all 8192 bytes: the direct part stops
 * after the heap page (bio_iov_iter_get_pages() returns 0 once the bio
 * holds a page) and the block device finishes the rest through the page
 * cache (filemap_read() / direct_write_fallback()), which copies through
 * the mapping and pins nothing.  Controls: 8192, all direct.
 */
static void io_direct_edge(struct __test_metadata *_metadata,
			   FIXTURE_DATA(gup_io) *self, bool to_mem)
{
	uint64_t off = self->t.len > SZ_2M ? SZ_2M : 0, tdo, hdo;
	ssize_t want, ret;
	struct iovec iov[2];
	char *heap, when[160];
	int64_t bad;
	int first;

	ASSERT_EQ(0, posix_memalign((void **)&heap, SZ_4K, SZ_4K));
	/*
	 * Target page first, first: the heap-first read copies into the
	 * target page, which in a MAP_PRIVATE pfnmap makes it an anonymous
	 * COW copy that no longer is a pfnmap entry.
	 */
	for (first = 1; first >= 0; first--) {
		tdo = first ? 0 : SZ_4K;	/* disk offset of each page */
		hdo = first ? SZ_4K : 0;
		gup_pattern_fill(heap, 0, SZ_4K, self->seed + 1);
		ASSERT_EQ(0, gup_target_fill(&self->t, off, SZ_4K, self->seed));
		iov[first].iov_base = heap;
		iov[!first].iov_base = self->t.addr + off;
		iov[0].iov_len = iov[1].iov_len = SZ_4K;
		ret = to_mem ? preadv(self->d.fd, iov, 2, 0) :
			       pwritev(self->d.fd, iov, 2, 0);
		ret = ret < 0 ? -errno : ret;
		want = self->t.refused && first ? -EFAULT :
		       (ssize_t)(2 * SZ_4K);
		snprintf(when, sizeof(when), "O_DIRECT %s of [%s] of %s",
			 to_mem ? "preadv" : "pwritev", first ?
			 "target page, heap page" : "heap page, target page",
			 gup_target_name(&self->t));
		EXPECT_EQ(want, ret) TH_LOG("%s: %zd", when, ret);
		if (ret < 0) {
			/* nothing moved either way */
			bad = gup_target_check(&self->t, off, SZ_4K, self->seed);
			EXPECT_EQ(-1, bad) TH_LOG("%s: the pfnmap page changed",
						  when);
			bad = io_disk_check(self, 0, 2 * SZ_4K, 0, self->dseed);
			EXPECT_EQ(-1, bad) TH_LOG("%s: the disk changed", when);
		} else if (to_mem) {
			bad = gup_pattern_check(heap, hdo, SZ_4K, self->dseed);
			EXPECT_EQ(-1, bad) TH_LOG("%s: heap page data", when);
			if (self->t.refused && !self->t.req.pfn.shared) {
				/* the copy went to a COW page, not the pfn */
				bad = gup_pattern_check(self->t.addr + off, off,
							SZ_4K, self->dseed +
							tdo - off);
				EXPECT_EQ(-1, bad)
					TH_LOG("%s: COW copy data", when);
				bad = gup_target_check(&self->t, off, SZ_4K,
						       self->seed);
			} else {
				bad = gup_target_check(&self->t, off, SZ_4K,
						       self->dseed + tdo - off);
			}
			EXPECT_EQ(-1, bad) TH_LOG("%s: target page data", when);
		} else {
			bad = io_disk_check(self, hdo, SZ_4K, 0, self->seed + 1);
			EXPECT_EQ(-1, bad) TH_LOG("%s: heap page on disk", when);
			bad = io_disk_check(self, tdo, SZ_4K, off, self->seed);
			EXPECT_EQ(-1, bad) TH_LOG("%s: target page on disk",
						  when);
		}
		io_check_refs(_metadata, self, when);
		io_disk_reset(_metadata, self, 2 * SZ_4K);
	}
	free(heap);
}

TEST_F(gup_io, odirect_readv_edge)
{
	if (io_get(_metadata, self, variant))
		io_direct_edge(_metadata, self, true);
}

TEST_F(gup_io, odirect_writev_edge)
{
	if (io_get(_metadata, self, variant))
		io_direct_edge(_metadata, self, false);
}

/*
 * io_uring_register_buffers() pins for the ring's lifetime
 * (io_sqe_buffer_register() -> io_pin_pages(), FOLL_LONGTERM): refused
 * for a pfnmap, page counts unchanged; a control registers.
 */
TEST_F(gup_io, uring_register)
{
	struct io_range r[4];
	struct io_uring ring;
	struct iovec iov;
	char when[160];
	int n, i, ret;

	if (!io_get(_metadata, self, variant))
		return;
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring_queue_init: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	n = io_ranges(&self->t, r);
	for (i = 0; i < n; i++) {
		snprintf(when, sizeof(when), "io_uring_register_buffers of %s "
			 "of %s", r[i].what, gup_target_name(&self->t));
		iov.iov_base = self->t.addr + r[i].off;
		iov.iov_len = r[i].len;
		ret = io_uring_register_buffers(&ring, &iov, 1);
		if (self->t.refused) {
			EXPECT_EQ(-EFAULT, ret) TH_LOG("%s: %s", when,
				ret ? strerror(-ret) : "registered");
			io_check_refs(_metadata, self, when);
		} else {
			EXPECT_EQ(0, ret) TH_LOG("%s: %s", when, strerror(-ret));
		}
		if (!ret)
			io_uring_unregister_buffers(&ring);
		io_check_refs(_metadata, self, when);
	}
	io_uring_queue_exit(&ring);
}

/*
 * IORING_OP_READ/WRITE on the O_DIRECT disk with the target as buffer.
 * The kiocb is async: up to BIO_MAX_VECS pages go through
 * __blkdev_direct_IO_async(), which returns bio_iov_iter_get_pages()'s
 * -EFAULT; a larger transfer through __blkdev_direct_IO(), which ends the
 * failed bio with BLK_STS_IOERR and completes the kiocb with that
 * status: -EIO (the synchronous path returns the -EFAULT it saw).
 */
static void io_uring_rw(struct __test_metadata *_metadata,
			FIXTURE_DATA(gup_io) *self, bool to_mem)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_range r[4];
	struct io_uring ring;
	int n, i, ret;
	char when[160];

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "io_uring_queue_init: %s", strerror(-ret));
	ASSERT_EQ(0, ret) TH_LOG("io_uring_queue_init: %s", strerror(-ret));
	n = io_ranges(&self->t, r);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, gup_target_fill(&self->t, r[i].off, r[i].len,
					     self->seed));
		snprintf(when, sizeof(when), "IORING_OP_%s O_DIRECT %s of %s",
			 to_mem ? "READ into" : "WRITE from", r[i].what,
			 gup_target_name(&self->t));
		sqe = io_uring_get_sqe(&ring);
		ASSERT_NE(NULL, sqe);
		if (to_mem)
			io_uring_prep_read(sqe, self->d.fd,
					   self->t.addr + r[i].off, r[i].len, 0);
		else
			io_uring_prep_write(sqe, self->d.fd,
					    self->t.addr + r[i].off, r[i].len, 0);
		ASSERT_EQ(1, io_uring_submit(&ring));
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		io_expect(_metadata, self, when, to_mem, &r[i], ret,
			  r[i].len > IO_BIO_MAX_BYTES ? -EIO : -EFAULT);
		io_disk_reset(_metadata, self, r[i].len);
	}
	io_uring_queue_exit(&ring);
}

TEST_F(gup_io, uring_read_direct)
{
	if (io_get(_metadata, self, variant))
		io_uring_rw(_metadata, self, true);
}

TEST_F(gup_io, uring_write_direct)
{
	if (io_get(_metadata, self, variant))
		io_uring_rw(_metadata, self, false);
}

MM_HARNESS_MAIN
