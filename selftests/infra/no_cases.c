// SPDX-License-Identifier: GPL-2.0
/*
 * A probe of the runner (category infra-crash, run by `make check`): a
 * program that ends in TEST_HARNESS_MAIN instead of MM_HARNESS_MAIN cannot
 * list its cases, and the runner must report it as a failure, not run
 * nothing in silence.
 */
#include "mm_harness.h"

TEST(never_listed)
{
	ASSERT_TRUE(true);
}

TEST_HARNESS_MAIN
