// SPDX-License-Identifier: GPL-2.0
/* Mapping kinds for the mremap tests; see mapping_kinds.h. */
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

#include "mremap/mapping_kinds.h"
#include "mm_util.h"
#include "mremap/mremap_util.h"

#define MK_HUGE_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB"
#define MK_THP_TOP	"/sys/kernel/mm/transparent_hugepage/enabled"
#define MK_THP_2M	\
	"/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

static const char *const mk_names[] = {
	[MK_ANON_PRIVATE] = "anon_private", [MK_ANON_SHARED] = "anon_shared",
	[MK_MEMFD] = "memfd", [MK_TMPFS_FILE] = "tmpfs_file",
	[MK_THP] = "thp", [MK_HUGETLB] = "hugetlb",
	[MK_MLOCKED] = "mlocked", [MK_UFFD] = "uffd",
};

const char *mk_name(enum mk_kind kind)
{
	return mk_names[kind];
}

size_t mk_unit(enum mk_kind kind)
{
	return kind == MK_THP || kind == MK_HUGETLB ? SZ_2M : MM_PAGE;
}

bool mk_is_shared(enum mk_kind kind)
{
	return kind == MK_ANON_SHARED || kind == MK_MEMFD ||
	       kind == MK_TMPFS_FILE;
}

static long mk_read_long(const char *path)
{
	char buf[32];

	return mm_read_str(path, buf, sizeof(buf)) > 0 ?
	       strtol(buf, NULL, 10) : -1;
}

static int mk_write_str(const char *path, const char *val)
{
	return mm_write_str(path, val) == (ssize_t)strlen(val) ? 0 : -1;
}

static int mk_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return mk_write_str(path, buf);
}

long mk_huge_free(void)
{
	return mk_read_long(MK_HUGE_DIR "/free_hugepages");
}

/* Huge pages free and not promised to someone else's mapping. */
static long mk_huge_available(void)
{
	long free_pages = mk_huge_free();
	long resv = mk_read_long(MK_HUGE_DIR "/resv_hugepages");

	return free_pages < 0 || resv < 0 ? -1 : free_pages - resv;
}

static int mk_prepare_hugetlb(struct mk_env *env, size_t bytes, char *why,
			      size_t whylen)
{
	long need = (bytes + SZ_2M - 1) / SZ_2M;
	long nr = mk_read_long(MK_HUGE_DIR "/nr_hugepages");
	long avail = mk_huge_available();

	if (nr < 0 || avail < 0) {
		snprintf(why, whylen, "kernel offers no 2 MiB hugetlb pages (%s)",
			 MK_HUGE_DIR);
		return 1;
	}
	if (avail >= need)
		return 0;
	if (mk_write_long(MK_HUGE_DIR "/nr_hugepages", nr + need - avail)) {
		snprintf(why, whylen, "cannot write %s/nr_hugepages: %s",
			 MK_HUGE_DIR, strerror(errno));
		return 1;
	}
	env->saved_nr_hugepages = nr;
	avail = mk_huge_available();
	if (avail < need) {
		mk_env_restore(env);
		snprintf(why, whylen,
			 "only %ld of %ld 2 MiB huge pages could be reserved",
			 avail, need);
		return 1;
	}
	return 0;
}

/* Turn a THP "enabled" knob that says never into madvise, saving it. */
static int mk_thp_unblock(const char *path, char *saved, size_t savedlen)
{
	char buf[128];
	ssize_t n = mm_read_str(path, buf, sizeof(buf));

	if (n == -ENOENT)
		return 0;
	if (n <= 0)
		return -1;
	if (!strstr(buf, "[never]"))
		return 0;
	if (mk_write_str(path, "madvise"))
		return -1;
	snprintf(saved, savedlen, "never");
	return 0;
}

static int mk_prepare_thp(struct mk_env *env, char *why, size_t whylen)
{
	if (access(MK_THP_TOP, F_OK)) {
		snprintf(why, whylen, "kernel built without THP (no %s)",
			 MK_THP_TOP);
		return 1;
	}
	if (mk_thp_unblock(MK_THP_TOP, env->saved_thp[0],
			   sizeof(env->saved_thp[0])) ||
	    mk_thp_unblock(MK_THP_2M, env->saved_thp[1],
			   sizeof(env->saved_thp[1]))) {
		mk_env_restore(env);
		snprintf(why, whylen, "cannot set THP to madvise: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static bool mk_dir_takes_tmpfile(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A tmpfs mounted already (/dev/shm, /tmp, /run), else one of our own. */
static int mk_prepare_tmpfs(struct mk_env *env, char *why, size_t whylen)
{
	char line[512], dir[256], type[64];
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s %63s", dir, type) != 2 ||
		    strcmp(type, "tmpfs") || strlen(dir) >= sizeof(env->tmpfs_dir))
			continue;
		if (mk_dir_takes_tmpfile(dir)) {
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
		return 1;
	}
	env->mounted_tmpfs = true;
	return 0;
}

/* The UFFDIO_API handshake for UFFD_FEATURE_SIGBUS: 0 or -errno. */
static int mk_uffd_api(int fd)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_SIGBUS };

	if (ioctl(fd, UFFDIO_API, &api))
		return -errno;
	return api.features & UFFD_FEATURE_SIGBUS ? 0 : -EOPNOTSUPP;
}

static int mk_prepare_uffd(char *why, size_t whylen)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whylen, "userfaultfd(): %s", strerror(errno));
		return 1;
	}
	if (mk_uffd_api(fd)) {
		snprintf(why, whylen, "UFFDIO_API lacks UFFD_FEATURE_SIGBUS");
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

int mk_env_prepare(struct mk_env *env, enum mk_kind kind, size_t bytes,
		   char *why, size_t whylen)
{
	int fd;

	memset(env, 0, sizeof(*env));
	env->kind = kind;
	env->saved_nr_hugepages = -1;
	switch (kind) {
	case MK_HUGETLB:
		return mk_prepare_hugetlb(env, bytes, why, whylen);
	case MK_THP:
		return mk_prepare_thp(env, why, whylen);
	case MK_TMPFS_FILE:
		return mk_prepare_tmpfs(env, why, whylen);
	case MK_UFFD:
		return mk_prepare_uffd(why, whylen);
	case MK_MEMFD:
		fd = memfd_create("mremap-probe", MFD_CLOEXEC);
		if (fd < 0) {
			snprintf(why, whylen, "memfd_create(): %s",
				 strerror(errno));
			return 1;
		}
		close(fd);
		return 0;
	default:
		return 0;
	}
}

void mk_env_restore(struct mk_env *env)
{
	if (env->saved_nr_hugepages >= 0) {
		mk_write_long(MK_HUGE_DIR "/nr_hugepages",
			      env->saved_nr_hugepages);
		env->saved_nr_hugepages = -1;
	}
	if (env->saved_thp[0][0])
		mk_write_str(MK_THP_TOP, env->saved_thp[0]);
	if (env->saved_thp[1][0])
		mk_write_str(MK_THP_2M, env->saved_thp[1]);
	env->saved_thp[0][0] = env->saved_thp[1][0] = '\0';
	if (env->mounted_tmpfs) {
		umount2(env->tmpfs_dir, MNT_DETACH);
		rmdir(env->tmpfs_dir);
		env->mounted_tmpfs = false;
	}
}

static int mk_open_file(struct mk_map *m, const struct mk_env *env,
			size_t len)
{
	if (m->kind == MK_MEMFD)
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

static int mk_register_uffd(struct mk_map *m)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)m->addr, .len = m->len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int ret;

	m->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (m->uffd < 0)
		return -errno;
	ret = mk_uffd_api(m->uffd);
	if (ret)
		return ret;
	if (ioctl(m->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

int mk_map(struct mk_map *m, const struct mk_env *env, enum mk_kind kind,
	   void *at, size_t len, unsigned long salt)
{
	int flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS;
	int ret;
	void *p;

	m->kind = kind;
	m->addr = at;
	m->len = len;
	m->fd = m->uffd = -1;
	if (kind == MK_MEMFD || kind == MK_TMPFS_FILE) {
		ret = mk_open_file(m, env, len);
		if (ret)
			return ret;
		flags = MAP_FIXED | MAP_SHARED;
	} else if (kind == MK_ANON_SHARED) {
		flags = MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS;
	} else if (kind == MK_HUGETLB) {
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	}
	p = mmap(at, len, PROT_READ | PROT_WRITE, flags, m->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (kind == MK_THP && madvise(p, len, MADV_HUGEPAGE))
		return -errno;
	/* Data first: a uffd-registered page can not be written into. */
	mrm_fill(p, len, salt, 0);
	if (kind == MK_MLOCKED && mlock(p, len))
		return -errno;
	if (kind == MK_UFFD)
		return mk_register_uffd(m);
	return 0;
}

void mk_close(struct mk_map *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->uffd >= 0)
		close(m->uffd);
	m->fd = m->uffd = -1;
}

enum mk_read mk_expanded_tail(enum mk_kind kind)
{
	/*
	 * A shared mapping's tail lies past the end of its file (an
	 * anonymous shared mapping's shmem file is sized at mmap()), and a
	 * uffd-registered VMA stays registered as it grows.
	 */
	if (mk_is_shared(kind) || kind == MK_UFFD)
		return MK_READS_SIGBUS;
	return MK_READS_ZERO;
}

enum mk_read mk_moved_tail(enum mk_kind kind)
{
	/* Without UFFD_FEATURE_EVENT_REMAP a move drops the registration. */
	if (kind == MK_UFFD)
		return MK_READS_ZERO;
	return mk_expanded_tail(kind);
}

enum mk_read mk_dontunmap_source(enum mk_kind kind)
{
	/* Shared memory refaults from its file; private memory is gone. */
	if (mk_is_shared(kind))
		return MK_READS_DATA;
	if (kind == MK_UFFD)
		return MK_READS_SIGBUS;
	return MK_READS_ZERO;
}

enum mk_read mk_read_page(const void *addr, unsigned long salt,
			  unsigned long pg)
{
	switch (mm_probe_read(addr)) {
	case SIGBUS:
		return MK_READS_SIGBUS;
	case SIGSEGV:
		return MK_READS_SIGSEGV;
	}
	if (mrm_check(addr, MM_PAGE, salt, pg) < 0)
		return MK_READS_DATA;
	if (mrm_check_zero(addr, MM_PAGE) < 0)
		return MK_READS_ZERO;
	return MK_READS_OTHER;
}

const char *mk_read_name(enum mk_read r)
{
	static const char *const names[] = {
		[MK_READS_ZERO] = "zero", [MK_READS_DATA] = "data",
		[MK_READS_SIGBUS] = "SIGBUS", [MK_READS_SIGSEGV] = "SIGSEGV",
		[MK_READS_OTHER] = "other data",
	};

	return names[r];
}
