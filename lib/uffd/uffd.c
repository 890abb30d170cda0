// SPDX-License-Identifier: GPL-2.0
/* userfaultfd helpers: see uffd.h for the contract of each function. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "uffd/uffd.h"
#include "uffd/uffd_util.h"

/* A userfaultfd without the API handshake; 0 or -errno. */
static int uffd_open_raw(int *fd)
{
	int dev, ret, sys_err;

	*fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (*fd >= 0)
		return 0;
	sys_err = -mm_errno();
	/* The device node lets a non-root user in where the sysctl does not. */
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return sys_err;
#ifdef USERFAULTFD_IOC_NEW
	*fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	ret = *fd < 0 ? -mm_errno() : 0;
#else
	ret = sys_err;
#endif
	close(dev);
	return ret;
}

int uffd_features(uint64_t *features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	int fd, ret;

	ret = uffd_open_raw(&fd);
	if (ret)
		return ret;
	ret = ioctl(fd, UFFDIO_API, &api) ? -mm_errno() : 0;
	close(fd);
	*features = api.features;
	return ret;
}

static const char *uffd_feature_name(uint64_t bit)
{
	switch (bit) {
	case UFFD_FEATURE_MOVE:
		return "UFFD_FEATURE_MOVE (Linux 6.8+)";
	case UFFD_FEATURE_POISON:
		return "UFFD_FEATURE_POISON (Linux 6.6+)";
	case UFFD_FEATURE_EVENT_REMOVE:
		return "UFFD_FEATURE_EVENT_REMOVE";
	case UFFD_FEATURE_SIGBUS:
		return "UFFD_FEATURE_SIGBUS";
	case UFFD_FEATURE_PAGEFAULT_FLAG_WP:
		return "UFFD_FEATURE_PAGEFAULT_FLAG_WP";
	case UFFD_FEATURE_WP_UNPOPULATED:
		return "UFFD_FEATURE_WP_UNPOPULATED (Linux 6.4+)";
	}
	return "a requested feature";
}

/* Why the uapi headers of this build cannot use a wanted feature. */
static const char *uffd_uapi_lacks(uint64_t want)
{
	if ((want & UFFD_FEATURE_MOVE) && !UFFD_HAVE_MOVE_UAPI)
		return "built against uapi headers without UFFDIO_MOVE (pre-6.8)";
	if ((want & UFFD_FEATURE_POISON) && !UFFD_HAVE_POISON_UAPI)
		return "built against uapi headers without UFFDIO_POISON (pre-6.6)";
	return NULL;
}

int uffd_open_features(uint64_t want, int *fd, char *why, size_t whylen)
{
	struct uffdio_api api = { .api = UFFD_API, .features = want };
	uint64_t have, missing;
	const char *uapi;
	int ret;

	*fd = -1;
	ret = uffd_features(&have);
	if (ret == -EPERM || ret == -EACCES) {
		snprintf(why, whylen, "no privilege to open a userfaultfd (%s)",
			 strerror(-ret));
		return MM_SKIP;
	}
	if (ret == -ENOSYS || ret == -ENOENT) {
		snprintf(why, whylen, "kernel has no userfaultfd (CONFIG_USERFAULTFD)");
		return MM_SKIP;
	}
	if (ret) {
		snprintf(why, whylen, "UFFDIO_API probe: %s", strerror(-ret));
		return ret;
	}
	missing = want & ~have;
	if (missing) {
		/* The move tests name MOVE first: the reason all of them share. */
		if (missing & UFFD_FEATURE_MOVE)
			missing = UFFD_FEATURE_MOVE;
		snprintf(why, whylen, "UFFDIO_API does not report %s (features 0x%llx)",
			 uffd_feature_name(missing & -missing),
			 (unsigned long long)have);
		return MM_SKIP;
	}
	uapi = uffd_uapi_lacks(want);
	if (uapi) {
		snprintf(why, whylen, "%s", uapi);
		return MM_SKIP;
	}
	ret = uffd_open_raw(fd);
	if (!ret && ioctl(*fd, UFFDIO_API, &api)) {
		ret = -mm_errno();
		close(*fd);
		*fd = -1;
	}
	if (ret)
		snprintf(why, whylen, "userfaultfd with features 0x%llx: %s",
			 (unsigned long long)want, strerror(-ret));
	return ret;
}

int uffd_register(int fd, void *addr, size_t len, uint64_t mode,
		  uint64_t *ioctls)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = mode,
	};

	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return -mm_errno();
	if (ioctls)
		*ioctls = reg.ioctls;
	return 0;
}

int uffd_unregister(int fd, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (unsigned long)addr, .len = len };

	return ioctl(fd, UFFDIO_UNREGISTER, &range) ? -mm_errno() : 0;
}

int uffd_copy(int fd, void *dst, const void *src, size_t len)
{
	struct uffdio_copy copy = {
		.dst = (unsigned long)dst,
		.src = (unsigned long)src,
		.len = len,
	};

	if (ioctl(fd, UFFDIO_COPY, &copy))
		return -mm_errno();
	return copy.copy == (int64_t)len ? 0 : -EIO;
}

int uffd_zeropage(int fd, void *addr, size_t len)
{
	struct uffdio_zeropage zp = {
		.range = { .start = (unsigned long)addr, .len = len },
	};

	return ioctl(fd, UFFDIO_ZEROPAGE, &zp) ? -mm_errno() : 0;
}

int uffd_writeprotect(int fd, void *addr, size_t len, bool wp)
{
	struct uffdio_writeprotect w = {
		.range = { .start = (unsigned long)addr, .len = len },
		.mode = wp ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(fd, UFFDIO_WRITEPROTECT, &w) ? -mm_errno() : 0;
}

int uffd_wake(int fd, void *addr, size_t len)
{
	struct uffdio_range range = { .start = (unsigned long)addr, .len = len };

	return ioctl(fd, UFFDIO_WAKE, &range) ? -mm_errno() : 0;
}

int uffd_poison(int fd, void *addr, size_t len)
{
#if UFFD_HAVE_POISON_UAPI
	struct uffdio_poison poison = {
		.range = { .start = (unsigned long)addr, .len = len },
	};

	return ioctl(fd, UFFDIO_POISON, &poison) ? -mm_errno() : 0;
#else
	(void)fd, (void)addr, (void)len;
	return -ENOTTY;
#endif
}

int uffd_move(int fd, void *dst, const void *src, size_t len, uint64_t mode,
	      int64_t *moved)
{
#if UFFD_HAVE_MOVE_UAPI
	struct uffdio_move mv = {
		.dst = (unsigned long)dst,
		.src = (unsigned long)src,
		.len = len,
		.mode = mode,
		.move = UFFD_MOVE_UNWRITTEN,
	};
	int ret;

	ret = ioctl(fd, UFFDIO_MOVE, &mv) ? -mm_errno() : 0;
	*moved = mv.move;
	return ret;
#else
	(void)fd, (void)dst, (void)src, (void)len, (void)mode;
	*moved = UFFD_MOVE_UNWRITTEN;
	return -ENOTTY;
#endif
}

int uffd_read_msg(int fd, struct uffd_msg *msg, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return -mm_errno();
	if (ret == 0)
		return -ETIMEDOUT;
	n = read(fd, msg, sizeof(*msg));
	if (n < 0)
		return -mm_errno();
	return n == sizeof(*msg) ? 0 : -EIO;
}

static void uffd_reader_resolve(struct uffd_reader *r, const struct uffd_msg *m)
{
	void *page = (void *)(unsigned long)(m->arg.pagefault.address &
					     ~(MM_PAGE - 1));
	int ret;

	ret = uffd_zeropage(r->fd, page, MM_PAGE);
	/* Somebody mapped it meanwhile: the fault only needs a wake-up. */
	if (ret == -EEXIST)
		ret = uffd_wake(r->fd, page, MM_PAGE);
	if (ret && !r->err)
		r->err = ret;
}

static void *uffd_reader_fn(void *arg)
{
	struct uffd_reader *r = arg;
	struct uffd_msg msg;
	int ret;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		if (r->stop) {
			pthread_mutex_unlock(&r->lock);
			break;
		}
		pthread_mutex_unlock(&r->lock);
		ret = uffd_read_msg(r->fd, &msg, 20);
		if (ret == -ETIMEDOUT || ret == -EAGAIN || ret == -EINTR)
			continue;
		pthread_mutex_lock(&r->lock);
		if (ret) {
			r->err = r->err ?: ret;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->lock);
			break;
		}
		if (r->nr_msgs < UFFD_READER_MAX_MSGS)
			r->msgs[r->nr_msgs++] = msg;
		r->total++;
		if (msg.event == UFFD_EVENT_PAGEFAULT &&
		    (r->flags & UFFD_READER_ZEROPAGE))
			uffd_reader_resolve(r, &msg);
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

int uffd_reader_start(struct uffd_reader *r, int fd, unsigned int flags)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->flags = flags;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	/* pthread_create() returns a positive errno. */
	ret = -pthread_create(&r->thread, NULL, uffd_reader_fn, r);
	if (ret) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
	}
	return ret;
}

static unsigned int uffd_reader_count(struct uffd_reader *r, uint8_t event)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->nr_msgs; i++)
		n += r->msgs[i].event == event;
	return n;
}

int uffd_reader_wait(struct uffd_reader *r, uint8_t event, unsigned int count,
		     int timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	mm_deadline(&deadline, timeout_ms);
	pthread_mutex_lock(&r->lock);
	/* pthread_cond_timedwait() returns a positive errno. */
	while (uffd_reader_count(r, event) < count && !r->err && !ret)
		ret = -pthread_cond_timedwait(&r->cond, &r->lock, &deadline);
	if (!ret && r->err)
		ret = r->err;
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int uffd_reader_get(struct uffd_reader *r, uint8_t event, unsigned int i,
		    struct uffd_msg *msg)
{
	unsigned int k;
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	for (k = 0; k < r->nr_msgs; k++) {
		if (r->msgs[k].event != event)
			continue;
		if (i-- == 0) {
			*msg = r->msgs[k];
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int uffd_reader_stop(struct uffd_reader *r)
{
	int ret;

	pthread_mutex_lock(&r->lock);
	r->stop = 1;
	pthread_mutex_unlock(&r->lock);
	/* The thread polls with a 20 ms timeout, so this join is bounded. */
	pthread_join(r->thread, NULL);
	ret = r->err;
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	return ret;
}
