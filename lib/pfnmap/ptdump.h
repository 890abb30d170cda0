/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table level oracle: the x86 ptdump debugfs files
 * (/sys/kernel/debug/page_tables/current_kernel, CONFIG_PTDUMP_DEBUGFS)
 * parsed into address ranges, each with the level of its leaf entries
 * and the flags ptdump prints.  The file shows the page tables of the
 * process that reads it, so a test reads it itself (never through a
 * helper process such as cat).
 */
#ifndef MM_PTDUMP_H
#define MM_PTDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Same numbering as the kernel's ptdump (pgd 0 .. pte 4). */
enum ptdump_level {
	PTDUMP_PGD,
	PTDUMP_P4D,
	PTDUMP_PUD,
	PTDUMP_PMD,
	PTDUMP_PTE,
	PTDUMP_NR_LEVELS,
};

/* Flags as ptdump prints them; PRESENT is implied by "RW" or "ro". */
#define PTDUMP_PRESENT	(1u << 0)
#define PTDUMP_USR	(1u << 1)
#define PTDUMP_RW	(1u << 2)
#define PTDUMP_PWT	(1u << 3)
#define PTDUMP_PCD	(1u << 4)
#define PTDUMP_PSE	(1u << 5)
#define PTDUMP_PAT	(1u << 6)
#define PTDUMP_GLB	(1u << 7)
#define PTDUMP_NX	(1u << 8)
/* The bits that select the PAT entry, i.e. the caching mode. */
#define PTDUMP_CACHE_MASK	(PTDUMP_PWT | PTDUMP_PCD | PTDUMP_PAT)

/* [start, end): end is UINT64_MAX for the range that runs to the top. */
struct ptdump_range {
	uint64_t start;
	uint64_t end;
	enum ptdump_level level;
	unsigned int flags;
};

/* Adjacent lines of equal level and flags are merged into one range. */
struct ptdump {
	struct ptdump_range *ranges;
	size_t nr;
	size_t cap;
};

/* Where the calling process's page tables are shown. */
#define PTDUMP_DIR		"/sys/kernel/debug/page_tables"

/*
 * Parse ptdump text.  0, or -EINVAL with WHY naming the offending line
 * (an unknown format is an error, not something to guess around), or
 * -ENOMEM.  PD must be zeroed or freed before.
 */
int ptdump_parse(struct ptdump *pd, const char *text, char *why,
		 size_t whylen);

/*
 * Read and parse the calling process's page tables.  0; -ENOENT (or
 * another errno from open) when ptdump is not available, with WHY saying
 * so: a SKIP; -EINVAL when the text does not parse: a FAIL.
 */
int ptdump_read(struct ptdump *pd, char *why, size_t whylen);

void ptdump_free(struct ptdump *pd);

/* The range holding ADDR, or NULL when ADDR lies in no parsed line. */
const struct ptdump_range *ptdump_find(const struct ptdump *pd, uint64_t addr);

/*
 * The level of the present leaf entry mapping ADDR in the calling
 * process, read afresh: a PTDUMP_* level, -EFAULT when ADDR is not
 * mapped, or the error of ptdump_read().
 */
int ptdump_level(uint64_t addr);

/*
 * Whether all of [start, end) is mapped by present entries of LEVEL that
 * carry every flag in FLAGS.  0, or -1 with WHY describing the first
 * range that is not.
 */
int ptdump_check(const struct ptdump *pd, uint64_t start, uint64_t end,
		 enum ptdump_level level, unsigned int flags, char *why,
		 size_t whylen);

/* Bytes of [start, end) mapped at each level, and not mapped at all. */
void ptdump_count(const struct ptdump *pd, uint64_t start, uint64_t end,
		  uint64_t bytes[PTDUMP_NR_LEVELS], uint64_t *unmapped);

const char *ptdump_level_name(enum ptdump_level level);

/* Bytes one leaf entry maps: pte, pmd and pud only (0 for the others). */
uint64_t ptdump_level_size(enum ptdump_level level);

/* FLAGS as ptdump would print them ("USR RW PCD PSE NX"), into BUF. */
const char *ptdump_flags_str(unsigned int flags, char *buf, size_t len);

#endif /* MM_PTDUMP_H */
