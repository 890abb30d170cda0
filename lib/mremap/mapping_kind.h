/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kinds of mapping the mremap tests run over, and what each kind is
 * expected to show where a test looks (a new tail, a DONTUNMAP source).
 *
 * A fixture calls mapping_kind_env_prepare() once (it may reserve huge pages, turn
 * THP on for madvise, or mount a tmpfs, remembering what it changed),
 * mapping_kind_map() for each mapping, and mapping_kind_env_restore() in its teardown.
 */
#ifndef MM_MAPPING_KIND_H
#define MM_MAPPING_KIND_H

#include <stdbool.h>
#include <stddef.h>

enum mapping_kind {
	MAPPING_KIND_ANON_PRIVATE,
	MAPPING_KIND_ANON_SHARED,
	MAPPING_KIND_MEMFD,
	MAPPING_KIND_TMPFS_FILE,
	MAPPING_KIND_THP,		/* anonymous private, MADV_HUGEPAGE, PMD-aligned */
	MAPPING_KIND_HUGETLB,	/* anonymous private MAP_HUGETLB, 2 MiB pages */
	MAPPING_KIND_MLOCKED,	/* anonymous private, mlock()ed */
	MAPPING_KIND_UFFD,	/* anonymous private, uffd MISSING-registered */
};

/* What reading a page of a range shows. */
enum mapping_kind_read {
	MAPPING_KIND_READS_ZERO,
	MAPPING_KIND_READS_DATA,	/* the data written there before */
	MAPPING_KIND_READS_SIGBUS,
	MAPPING_KIND_READS_SIGSEGV,
	MAPPING_KIND_READS_OTHER,	/* neither zero nor the expected data */
};

/* System state a fixture changed, to put back in its teardown. */
struct mapping_kind_env {
	enum mapping_kind kind;
	long saved_nr_hugepages;	/* -1: untouched */
	char saved_thp[2][16];		/* "": untouched */
	char tmpfs_dir[64];		/* where tmpfs files go */
	bool mounted_tmpfs;		/* tmpfs_dir is our own mount */
};

struct mapping_kind_map {
	enum mapping_kind kind;
	char *addr;
	size_t len;
	int fd;		/* memfd or tmpfs file, else -1 */
	int uffd;	/* MAPPING_KIND_UFFD: registered with UFFD_FEATURE_SIGBUS, else -1 */
};

const char *mapping_kind_name(enum mapping_kind kind);

/* The size tests count in: 2 MiB for THP and hugetlb, else 4 KiB. */
size_t mapping_kind_unit(enum mapping_kind kind);

/* MAP_SHARED kinds: anonymous shared, memfd, tmpfs file. */
bool mapping_kind_is_shared(enum mapping_kind kind);

/* Free 2 MiB hugetlb pages (free_hugepages), -1 when it cannot be read. */
long mapping_kind_huge_free(void);

/*
 * Get the system ready for mappings of @kind totalling @bytes.  Returns
 * 0 when ready, MM_SKIP when the kernel does not offer the kind (reason in
 * @why), -errno on error (reason in @why).  On anything but 0, nothing
 * stays changed.
 */
int mapping_kind_env_prepare(struct mapping_kind_env *env,
			     enum mapping_kind kind, size_t bytes,
		   char *why, size_t whylen);

/* Put back what mapping_kind_env_prepare() changed.  Safe to call twice. */
void mapping_kind_env_restore(struct mapping_kind_env *env);

/*
 * Map @len bytes of @kind at @at (MAP_FIXED), fill it with the pattern
 * of stream @salt (mremap_util.h), then lock or register it as the kind
 * wants.  A file kind's file is exactly @len long.  Returns 0 or -errno.
 */
int mapping_kind_map(struct mapping_kind_map *m,
		     const struct mapping_kind_env *env, enum mapping_kind kind,
	   void *at, size_t len, unsigned long salt);

/* Close the files of @m; the caller unmaps what the tests left mapped. */
void mapping_kind_close(struct mapping_kind_map *m);

/* What the tail of a mapping expanded in place shows. */
enum mapping_kind_read mapping_kind_expanded_tail(enum mapping_kind kind);

/* What the new tail of a mapping expanded by a move shows. */
enum mapping_kind_read mapping_kind_moved_tail(enum mapping_kind kind);

/*
 * What the source of an MREMAP_DONTUNMAP move shows afterwards (hugetlb,
 * VM_DONTEXPAND, refuses the move).
 */
enum mapping_kind_read mapping_kind_dontunmap_source(enum mapping_kind kind);

/*
 * Read the page at @addr and say what it shows: MAPPING_KIND_READS_DATA means the
 * pattern of stream @salt, page @pg.
 */
enum mapping_kind_read mapping_kind_read_page(const void *addr, unsigned long salt,
			  unsigned long pg);

const char *mapping_kind_read_name(enum mapping_kind_read r);

#endif /* MM_MAPPING_KIND_H */
