// SPDX-License-Identifier: GPL-2.0
/* Mapping kinds for the mremap tests; see mapping_kind.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "mremap/mapping_kind.h"
#include "mm_util.h"
#include "mremap/mremap_util.h"

#define MAPPING_KIND_HUGE_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB"
#define MAPPING_KIND_THP_TOP	"/sys/kernel/mm/transparent_hugepage/enabled"
#define MAPPING_KIND_THP_2M	\
	"/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

static const char *const mapping_kind_names[] = {
	[MAPPING_KIND_ANON_PRIVATE] = "anon_private", [MAPPING_KIND_ANON_SHARED] = "anon_shared",
	[MAPPING_KIND_MEMFD] = "memfd", [MAPPING_KIND_TMPFS_FILE] = "tmpfs_file",
	[MAPPING_KIND_THP] = "thp", [MAPPING_KIND_HUGETLB] = "hugetlb",
	[MAPPING_KIND_MLOCKED] = "mlocked", [MAPPING_KIND_UFFD] = "uffd",
};

const char *mapping_kind_name(enum mapping_kind kind)
{
	return mapping_kind_names[kind];
}

size_t mapping_kind_unit(enum mapping_kind kind)
{
	return kind == MAPPING_KIND_THP || kind == MAPPING_KIND_HUGETLB ? SZ_2M : MM_PAGE;
}

bool mapping_kind_is_shared(enum mapping_kind kind)
{
	return kind == MAPPING_KIND_ANON_SHARED || kind == MAPPING_KIND_MEMFD ||
	       kind == MAPPING_KIND_TMPFS_FILE;
}

static long mapping_kind_read_long(const char *path)
{
	char buf[32];

	return mm_read_str(path, buf, sizeof(buf)) > 0 ?
	       strtol(buf, NULL, 10) : -1;
}

/* 0, -errno, or -EIO for a short write. */
static int mapping_kind_write_str(const char *path, const char *val)
{
	ssize_t n = mm_write_str(path, val);

	if (n < 0)
		return n;
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

static int mapping_kind_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return mapping_kind_write_str(path, buf);
}

long mapping_kind_huge_free(void)
{
	return mapping_kind_read_long(MAPPING_KIND_HUGE_DIR "/free_hugepages");
}

/* Huge pages free and not promised to someone else's mapping. */
static long mapping_kind_huge_available(void)
{
	long free_pages = mapping_kind_huge_free();
	long resv = mapping_kind_read_long(MAPPING_KIND_HUGE_DIR "/resv_hugepages");

	return free_pages < 0 || resv < 0 ? -1 : free_pages - resv;
}

static int mapping_kind_prepare_hugetlb(struct mapping_kind_env *env, size_t bytes, char *why,
			      size_t whylen)
{
	long need = (bytes + SZ_2M - 1) / SZ_2M;
	long nr = mapping_kind_read_long(MAPPING_KIND_HUGE_DIR "/nr_hugepages");
	long avail = mapping_kind_huge_available();
	int ret;

	if (nr < 0 || avail < 0) {
		snprintf(why, whylen, "kernel offers no 2 MiB hugetlb pages (%s)",
			 MAPPING_KIND_HUGE_DIR);
		return MM_SKIP;
	}
	if (avail >= need)
		return 0;
	ret = mapping_kind_write_long(MAPPING_KIND_HUGE_DIR "/nr_hugepages",
				      nr + need - avail);
	if (ret) {
		snprintf(why, whylen, "cannot write %s/nr_hugepages: %s",
			 MAPPING_KIND_HUGE_DIR, strerror(-ret));
		return MM_SKIP;
	}
	env->saved_nr_hugepages = nr;
	avail = mapping_kind_huge_available();
	if (avail < need) {
		mapping_kind_env_restore(env);
		snprintf(why, whylen,
			 "only %ld of %ld 2 MiB huge pages could be reserved",
			 avail, need);
		return MM_SKIP;
	}
	return 0;
}

/* Turn a THP "enabled" knob that says never into madvise, saving it. */
static int mapping_kind_thp_unblock(const char *path, char *saved, size_t savedlen)
{
	char buf[128];
	ssize_t n = mm_read_str(path, buf, sizeof(buf));

	if (n == -ENOENT)
		return 0;
	if (n <= 0)
		return n < 0 ? n : -ENODATA;
	if (!strstr(buf, "[never]"))
		return 0;
	n = mapping_kind_write_str(path, "madvise");
	if (n)
		return n;
	snprintf(saved, savedlen, "never");
	return 0;
}

static int mapping_kind_prepare_thp(struct mapping_kind_env *env, char *why, size_t whylen)
{
	int ret;

	if (access(MAPPING_KIND_THP_TOP, F_OK)) {
		snprintf(why, whylen, "kernel built without THP (no %s)",
			 MAPPING_KIND_THP_TOP);
		return MM_SKIP;
	}
	ret = mapping_kind_thp_unblock(MAPPING_KIND_THP_TOP, env->saved_thp[0],
				       sizeof(env->saved_thp[0]));
	if (!ret)
		ret = mapping_kind_thp_unblock(MAPPING_KIND_THP_2M,
					       env->saved_thp[1],
					       sizeof(env->saved_thp[1]));
	if (ret) {
		mapping_kind_env_restore(env);
		snprintf(why, whylen, "cannot set THP to madvise: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

static bool mapping_kind_dir_takes_tmpfile(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A tmpfs mounted already (/dev/shm, /tmp, /run), else one of our own. */
static int mapping_kind_prepare_tmpfs(struct mapping_kind_env *env, char *why, size_t whylen)
{
	char line[512], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s %63s", dir, type) != 2 ||
		    strcmp(type, "tmpfs") || strlen(dir) >= sizeof(env->tmpfs_dir))
			continue;
		if (mapping_kind_dir_takes_tmpfile(dir)) {
			snprintf(env->tmpfs_dir, sizeof(env->tmpfs_dir), "%s", dir);
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	snprintf(env->tmpfs_dir, sizeof(env->tmpfs_dir), "/mremap-tmpfs.XXXXXX");
	if (!mkdtemp(env->tmpfs_dir) ||
	    mount("tmpfs", env->tmpfs_dir, "tmpfs", 0, "size=256m")) {
		snprintf(why, whylen, "no tmpfs mounted and cannot mount one: %s",
			 strerror(errno));
		rmdir(env->tmpfs_dir);
		env->tmpfs_dir[0] = '\0';
		return MM_SKIP;
	}
	env->mounted_tmpfs = true;
	return 0;
}

/* The UFFDIO_API handshake for UFFD_FEATURE_SIGBUS: 0 or -errno. */
static int mapping_kind_uffd_api(int fd)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS };

	if (ioctl(fd, UFFDIO_API, &api))
		return -errno;
	return api.features & UFFD_FEATURE_SIGBUS ? 0 : -EOPNOTSUPP;
}

static int mapping_kind_prepare_uffd(char *why, size_t whylen)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "userfaultfd(): %s", strerror(errno));
		return MM_SKIP;
	}
	if (mapping_kind_uffd_api(fd)) {
		snprintf(why, whylen, "UFFDIO_API lacks UFFD_FEATURE_SIGBUS");
		close(fd);
		return MM_SKIP;
	}
	close(fd);
	return 0;
}

int mapping_kind_env_prepare(struct mapping_kind_env *env,
			     enum mapping_kind kind, size_t bytes,
		   char *why, size_t whylen)
{
	int fd;

	memset(env, 0, sizeof(*env));
	env->kind = kind;
	env->saved_nr_hugepages = -1;
	switch (kind) {
	case MAPPING_KIND_HUGETLB:
		return mapping_kind_prepare_hugetlb(env, bytes, why, whylen);
	case MAPPING_KIND_THP:
		return mapping_kind_prepare_thp(env, why, whylen);
	case MAPPING_KIND_TMPFS_FILE:
		return mapping_kind_prepare_tmpfs(env, why, whylen);
	case MAPPING_KIND_UFFD:
		return mapping_kind_prepare_uffd(why, whylen);
	case MAPPING_KIND_MEMFD:
		fd = memfd_create("mremap-probe", MFD_CLOEXEC);
		if (fd < 0) {
			snprintf(why, whylen, "memfd_create(): %s",
				 strerror(errno));
			return MM_SKIP;
		}
		close(fd);
		return 0;
	default:
		return 0;
	}
}

void mapping_kind_env_restore(struct mapping_kind_env *env)
{
	if (env->saved_nr_hugepages >= 0) {
		mapping_kind_write_long(MAPPING_KIND_HUGE_DIR "/nr_hugepages",
			      env->saved_nr_hugepages);
		env->saved_nr_hugepages = -1;
	}
	if (env->saved_thp[0][0])
		mapping_kind_write_str(MAPPING_KIND_THP_TOP, env->saved_thp[0]);
	if (env->saved_thp[1][0])
		mapping_kind_write_str(MAPPING_KIND_THP_2M, env->saved_thp[1]);
	env->saved_thp[0][0] = env->saved_thp[1][0] = '\0';
	if (env->mounted_tmpfs) {
		umount2(env->tmpfs_dir, MNT_DETACH);
		rmdir(env->tmpfs_dir);
		env->mounted_tmpfs = false;
	}
}

static int mapping_kind_open_file(struct mapping_kind_map *m, const struct mapping_kind_env *env,
			size_t len)
{
	if (m->kind == MAPPING_KIND_MEMFD)
		m->fd = memfd_create("mremap-test", MFD_CLOEXEC);
	else
		m->fd = open(env->tmpfs_dir, O_TMPFILE | O_RDWR | O_CLOEXEC,
			     0600);
	if (m->fd < 0)
		return -errno;
	if (ftruncate(m->fd, len))
		return -errno;
	return 0;
}

static int mapping_kind_register_uffd(struct mapping_kind_map *m)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)m->addr, .len = m->len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int ret;

	m->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (m->uffd < 0)
		return -errno;
	ret = mapping_kind_uffd_api(m->uffd);
	if (ret)
		return ret;
	if (ioctl(m->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

int mapping_kind_map(struct mapping_kind_map *m,
		     const struct mapping_kind_env *env, enum mapping_kind kind,
	   void *at, size_t len, unsigned long salt)
{
	int flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS;
	int ret;
	void *p;

	m->kind = kind;
	m->addr = at;
	m->len = len;
	m->fd = m->uffd = -1;
	if (kind == MAPPING_KIND_MEMFD || kind == MAPPING_KIND_TMPFS_FILE) {
		ret = mapping_kind_open_file(m, env, len);
		if (ret)
			return ret;
		flags = MAP_FIXED | MAP_SHARED;
	} else if (kind == MAPPING_KIND_ANON_SHARED) {
		flags = MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS;
	} else if (kind == MAPPING_KIND_HUGETLB) {
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	}
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags, m->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (kind == MAPPING_KIND_THP && madvise(p, len, MADV_HUGEPAGE))
		return -errno;
	/* Data first: a uffd-registered page can not be written into. */
	mremap_util_fill(p, len, salt, 0);
	if (kind == MAPPING_KIND_MLOCKED && mlock(p, len))
		return -errno;
	if (kind == MAPPING_KIND_UFFD)
		return mapping_kind_register_uffd(m);
	return 0;
}

void mapping_kind_close(struct mapping_kind_map *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->uffd >= 0)
		close(m->uffd);
	m->fd = m->uffd = -1;
}

enum mapping_kind_read mapping_kind_expanded_tail(enum mapping_kind kind)
{
	/*
	 * A shared mapping's tail lies past the end of its file (an
	 * anonymous shared mapping's shmem file is sized at mmap()), and a
	 * uffd-registered VMA stays registered as it grows.
	 */
	if (mapping_kind_is_shared(kind) || kind == MAPPING_KIND_UFFD)
		return MAPPING_KIND_READS_SIGBUS;
	return MAPPING_KIND_READS_ZERO;
}

enum mapping_kind_read mapping_kind_moved_tail(enum mapping_kind kind)
{
	/* Without UFFD_FEATURE_EVENT_REMAP a move drops the registration. */
	if (kind == MAPPING_KIND_UFFD)
		return MAPPING_KIND_READS_ZERO;
	return mapping_kind_expanded_tail(kind);
}

enum mapping_kind_read mapping_kind_dontunmap_source(enum mapping_kind kind)
{
	/* Shared memory refaults from its file; private memory is gone. */
	if (mapping_kind_is_shared(kind))
		return MAPPING_KIND_READS_DATA;
	if (kind == MAPPING_KIND_UFFD)
		return MAPPING_KIND_READS_SIGBUS;
	return MAPPING_KIND_READS_ZERO;
}

enum mapping_kind_read mapping_kind_read_page(const void *addr, unsigned long salt,
			  unsigned long pg)
{
	switch (mm_probe_read(addr)) {
	case SIGBUS:
		return MAPPING_KIND_READS_SIGBUS;
	case SIGSEGV:
		return MAPPING_KIND_READS_SIGSEGV;
	}
	if (mremap_util_check(addr, MM_PAGE, salt, pg) < 0)
		return MAPPING_KIND_READS_DATA;
	if (mremap_util_check_zero(addr, MM_PAGE) < 0)
		return MAPPING_KIND_READS_ZERO;
	return MAPPING_KIND_READS_OTHER;
}

const char *mapping_kind_read_name(enum mapping_kind_read r)
{
	static const char *const names[] = {
		[MAPPING_KIND_READS_ZERO] = "zero", [MAPPING_KIND_READS_DATA] = "data",
		[MAPPING_KIND_READS_SIGBUS] = "SIGBUS", [MAPPING_KIND_READS_SIGSEGV] = "SIGSEGV",
		[MAPPING_KIND_READS_OTHER] = "other data",
	};

	return names[r];
}
