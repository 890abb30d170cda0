/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pfnmap_get() for kselftest-harness tests: a provider the environment
 * lacks SKIPs the test with its reason, any other failure FAILs it.
 */
#ifndef MM_PFNMAP_HARNESS_H
#define MM_PFNMAP_HARNESS_H

#include <stdbool.h>

#include "mm_harness.h"
#include "pfnmap/pfnmap_provider.h"

/*
 * Map REQ into PM.  *GOT is set before anything can fail, so the
 * fixture's teardown calls pfnmap_put() whatever happened.  False after
 * a SKIP.
 */
static inline bool pfnmap_get_or_skip(struct __test_metadata *_metadata,
				      struct pfnmap *pm,
				      const struct pfnmap_req *req, bool *got)
{
	char why[512];
	int ret;

	ret = pfnmap_get(pm, req, why, sizeof(why));
	*got = true;
	if (ret == MM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	return true;
}

#endif /* MM_PFNMAP_HARNESS_H */
