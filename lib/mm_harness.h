/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Glue between the kselftest harness (included from the kernel tree) and
 * run_vmtests.sh.  The runner runs every harness case as its own process
 * (its own timeout, taint check and crash attribution), so it needs the
 * exact names the harness's "-r" option accepts; "-l" pads its columns
 * and pairs variants with tests side by side, which cannot be parsed back.
 */
#ifndef MM_HARNESS_H
#define MM_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"

static inline int mm_list_cases(void)
{
	struct __fixture_variant_metadata none = { .name = "" };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &none; v; v = v->next)
			for (t = f->tests; t; t = t->next)
				printf("%s%s%s.%s\n", f->name,
				       v->name[0] ? "." : "", v->name, t->name);
	return 0;
}

#define MM_HARNESS_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		if (argc == 2 && !strcmp(argv[1], "--list-cases"))	\
			return mm_list_cases();				\
		return test_harness_run(argc, argv);			\
	}

#endif /* MM_HARNESS_H */
