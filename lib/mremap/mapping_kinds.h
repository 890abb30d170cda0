/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of mapping the mremap tests run over, and what each kind is
 * expected to show where a test looks (a new tail, a DONTUNMAP source).
 *
 * A fixture calls mk_env_prepare() once (it may reserve huge pages, turn
 * THP on for madvise, or mount a tmpfs, remembering what it changed),
 * mk_map() for each mapping, and mk_env_restore() in its teardown.
 */
#ifndef MAPPING_KINDS_H
#define MAPPING_KINDS_H

#include <stdbool.h>
#include <stddef.h>

enum mk_kind {
	MK_ANON_PRIVATE,
	MK_ANON_SHARED,
	MK_MEMFD,
	MK_TMPFS_FILE,
	MK_THP,		/* anonymous private, MADV_HUGEPAGE, PMD-aligned */
	MK_HUGETLB,	/* anonymous private MAP_HUGETLB, 2 MiB pages */
	MK_MLOCKED,	/* anonymous private, mlock()ed */
	MK_UFFD,	/* anonymous private, uffd MISSING-registered */
};

/* What reading a page of a range shows. */
enum mk_read {
	MK_READS_ZERO,
	MK_READS_DATA,	/* the data written there before */
	MK_READS_SIGBUS,
	MK_READS_SIGSEGV,
	MK_READS_OTHER,	/* neither zero nor the expected data */
};

/* System state a fixture changed, to put back in its teardown. */
struct mk_env {
	enum mk_kind kind;
	long saved_nr_hugepages;	/* -1: untouched */
	char saved_thp[2][16];		/* "": untouched */
	char tmpfs_dir[64];		/* where tmpfs files go */
	bool mounted_tmpfs;		/* tmpfs_dir is our own mount */
};

struct mk_map {
	enum mk_kind kind;
	char *addr;
	size_t len;
	int fd;		/* memfd or tmpfs file, else -1 */
	int uffd;	/* MK_UFFD: registered with UFFD_FEATURE_SIGBUS, else -1 */
};

const char *mk_name(enum mk_kind kind);

/* The size tests count in: 2 MiB for THP and hugetlb, else 4 KiB. */
size_t mk_unit(enum mk_kind kind);

/* MAP_SHARED kinds: anonymous shared, memfd, tmpfs file. */
bool mk_is_shared(enum mk_kind kind);

/* Free 2 MiB hugetlb pages (free_hugepages), -1 when it cannot be read. */
long mk_huge_free(void);

/*
 * Get the system ready for mappings of @kind totalling @bytes.  Returns
 * 0 when ready, 1 when the kernel does not offer the kind (reason in
 * @why), -1 on error (reason in @why).  On anything but 0, nothing stays
 * changed.
 */
int mk_env_prepare(struct mk_env *env, enum mk_kind kind, size_t bytes,
		   char *why, size_t whylen);

/* Put back what mk_env_prepare() changed.  Safe to call twice. */
void mk_env_restore(struct mk_env *env);

/*
 * Map @len bytes of @kind at @at (MAP_FIXED), fill it with the pattern
 * of stream @salt (mremap_util.h), then lock or register it as the kind
 * wants.  A file kind's file is exactly @len long.  Returns 0 or -errno.
 */
int mk_map(struct mk_map *m, const struct mk_env *env, enum mk_kind kind,
	   void *at, size_t len, unsigned long salt);

/* Close the files of @m; the caller unmaps what the tests left mapped. */
void mk_close(struct mk_map *m);

/* What the tail of a mapping expanded in place shows. */
enum mk_read mk_expanded_tail(enum mk_kind kind);

/* What the new tail of a mapping expanded by a move shows. */
enum mk_read mk_moved_tail(enum mk_kind kind);

/*
 * What the source of an MREMAP_DONTUNMAP move shows afterwards (hugetlb,
 * VM_DONTEXPAND, refuses the move).
 */
enum mk_read mk_dontunmap_source(enum mk_kind kind);

/*
 * Read the page at @addr and say what it shows: MK_READS_DATA means the
 * pattern of stream @salt, page @pg.
 */
enum mk_read mk_read_page(const void *addr, unsigned long salt,
			  unsigned long pg);

const char *mk_read_name(enum mk_read r);

#endif /* MAPPING_KINDS_H */
