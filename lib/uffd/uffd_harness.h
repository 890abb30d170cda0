/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness glue shared by the uffd-move tests: the SKIP/FAIL decisions
 * and fixture steps every program makes the same way.  Macros where a
 * SKIP must return from the calling test (a SKIP in a helper function
 * would only return from the helper); functions, taking _metadata,
 * where an ASSERT is enough (it ends the whole test).
 */
#ifndef MM_UFFD_HARNESS_H
#define MM_UFFD_HARNESS_H

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm_harness.h"
#include "uffd/uffd.h"
#include "uffd/uffd_util.h"

/* Open a move-capable userfaultfd or SKIP/FAIL the calling test. */
#define OPEN_UFFD_OR_SKIP(fdp, features) do {				\
	char _why[256];							\
	int _ret = uffd_open_features(UFFD_FEATURE_MOVE | (features),	\
				      (fdp), _why, sizeof(_why));	\
	if (_ret == MM_SKIP)						\
		SKIP(return, "%s", _why);				\
	ASSERT_EQ(0, _ret) TH_LOG("%s", _why);				\
} while (0)

/* SKIP the calling test when no THP can back a 2 MiB anonymous folio. */
#define THP_OR_SKIP() do {						\
	const char *_no_thp = uffd_util_thp_unavailable();			\
	if (_no_thp)							\
		SKIP(return, "%s", _no_thp);				\
} while (0)

/* uffd_util_thp_fill() the 2 MiB at addr, or SKIP: THP is claimed, but none came. */
#define THP_FILL_OR_SKIP(addr, first) do {				\
	if (!uffd_util_thp_fill((addr), (first)))				\
		SKIP(return, "no THP could be allocated (memory fragmented?)");\
} while (0)

/*
 * The usual pair: src and dst of len bytes each at a multiple of align,
 * small folios only (THP moves are uffd_move_thp's business), dst
 * registered MISSING on uffd, its ioctls in *ioctls unless NULL.  *src
 * and *dst are set before anything is checked, so a teardown can unmap
 * what was mapped.
 */
static inline void uffd_map_pair(struct __test_metadata *_metadata, int uffd,
				 char **src, char **dst, size_t len,
				 size_t align, uint64_t *ioctls)
{
	*src = uffd_util_map(len, align);
	*dst = uffd_util_map(len, align);
	ASSERT_NE(MAP_FAILED, *src);
	ASSERT_NE(MAP_FAILED, *dst);
	ASSERT_EQ(0, madvise(*src, len, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, madvise(*dst, len, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, uffd_register(uffd, *dst, len,
				   UFFDIO_REGISTER_MODE_MISSING, ioctls));
}

/* Undo OPEN_UFFD_OR_SKIP() and uffd_map_pair(), as far as they got. */
static inline void uffd_unmap_pair(int uffd, char *src, char *dst, size_t len)
{
	if (uffd >= 0)
		close(uffd);
	if (src != MAP_FAILED)
		munmap(src, len);
	if (dst != MAP_FAILED)
		munmap(dst, len);
}

/* Fork a uffd_util_holder() of h and wait until it is ready. */
static inline void uffd_holder_start(struct __test_metadata *_metadata,
				     struct uffd_util_child *child,
				     struct uffd_util_holder *h, int timeout_ms)
{
	char c;

	ASSERT_EQ(0, uffd_util_child_start(child, uffd_util_holder, h));
	ASSERT_EQ(0, uffd_util_recv(child->from_child, &c, 1, timeout_ms));
}

/* Let the holder check its pages and reap it; its wait status in *status. */
static inline void uffd_holder_finish(struct __test_metadata *_metadata,
				      struct uffd_util_child *child, int timeout_ms,
				      int *status)
{
	char c = 'r';

	ASSERT_EQ(0, uffd_util_send(child->to_child, &c, 1));
	ASSERT_EQ(0, uffd_util_child_reap(child, false, timeout_ms, status));
}

#endif /* MM_UFFD_HARNESS_H */
