// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the mremap tests; see mremap_util.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mremap/mremap_util.h"

#define MREMAP_UTIL_WORDS_PER_PAGE (MM_PAGE / sizeof(uint64_t))

void *mremap_util_mremap(void *old, size_t old_len, size_t new_len,
		 unsigned long flags, void *new_addr)
{
	long ret = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);

	return ret == -1 ? MAP_FAILED : (void *)ret;
}

static uint64_t mremap_util_word(unsigned long salt, unsigned long page,
			 unsigned long word)
{
	uint64_t w = mm_mix(mm_mix(salt) ^ page) ^ (word * 0x100000001b3ULL);

	/* Never 0, so a zero-filled page can not pass for pattern data. */
	return w ? w : 1;
}

void mremap_util_fill(void *addr, size_t len, unsigned long salt,
	      unsigned long first_page)
{
	uint64_t *p = addr;
	unsigned long pg, w;

	for (pg = 0; pg < len / MM_PAGE; pg++)
		for (w = 0; w < MREMAP_UTIL_WORDS_PER_PAGE; w++)
			p[pg * MREMAP_UTIL_WORDS_PER_PAGE + w] =
				mremap_util_word(salt, first_page + pg, w);
}

void *mremap_util_map_filled(void *at, size_t len, unsigned long salt)
{
	void *p = mmap(at, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != MAP_FAILED)
		mremap_util_fill(p, len, salt, 0);
	return p;
}

/* First, a middle and the last word: offsets inside the page matter too. */
static const unsigned long mremap_util_sample_words[] = {
	0, MREMAP_UTIL_WORDS_PER_PAGE / 2 + 3, MREMAP_UTIL_WORDS_PER_PAGE - 1,
};
#define MREMAP_UTIL_SAMPLES (sizeof(mremap_util_sample_words) / sizeof(mremap_util_sample_words[0]))

void mremap_util_fill_sparse(void *addr, size_t len, unsigned long salt,
		     unsigned long first_page)
{
	volatile uint64_t *p = addr;
	unsigned long pg, i, w;

	for (pg = 0; pg < len / MM_PAGE; pg++) {
		for (i = 0; i < MREMAP_UTIL_SAMPLES; i++) {
			w = mremap_util_sample_words[i];
			p[pg * MREMAP_UTIL_WORDS_PER_PAGE + w] =
				mremap_util_word(salt, first_page + pg, w);
		}
	}
}

/*
 * Offset of the first sampled word that does not hold the pattern of
 * stream @salt (or, with @zero, 0), -1 when all do.
 */
static long mremap_util_check_samples(const void *addr, size_t len, bool zero,
			      unsigned long salt, unsigned long first_page)
{
	const volatile uint64_t *p = addr;
	unsigned long pg, i, w;
	uint64_t want;

	for (pg = 0; pg < len / MM_PAGE; pg++) {
		for (i = 0; i < MREMAP_UTIL_SAMPLES; i++) {
			w = mremap_util_sample_words[i];
			want = zero ? 0 : mremap_util_word(salt, first_page + pg, w);
			if (p[pg * MREMAP_UTIL_WORDS_PER_PAGE + w] != want)
				return (pg * MREMAP_UTIL_WORDS_PER_PAGE + w) * 8;
		}
	}
	return -1;
}

long mremap_util_check(const void *addr, size_t len, unsigned long salt,
	       unsigned long first_page)
{
	return mremap_util_check_samples(addr, len, false, salt, first_page);
}

long mremap_util_check_zero(const void *addr, size_t len)
{
	return mremap_util_check_samples(addr, len, true, 0, 0);
}

bool mremap_util_vma_at(const void *addr, struct mm_vma *vma)
{
	unsigned long a = (unsigned long)addr;
	bool found;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	found = mm_seek_vma(f, a, a + 1, vma);
	fclose(f);
	return found;
}

bool mremap_util_range_unmapped(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr;
	struct mm_vma vma;
	bool overlap;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	overlap = mm_seek_vma(f, a, a + len, &vma);
	fclose(f);
	return !overlap;
}

bool mremap_util_is_one_vma(const void *addr, size_t len)
{
	struct mm_vma vma;

	return mremap_util_vma_at(addr, &vma) && vma.start == (unsigned long)addr &&
	       vma.end == (unsigned long)addr + len;
}

bool mremap_util_in_one_vma(const void *addr, size_t len)
{
	struct mm_vma vma;

	return mremap_util_vma_at(addr, &vma) &&
	       vma.end >= (unsigned long)addr + len;
}

bool mremap_util_has_vmflag(const void *addr, const char *flag)
{
	char line[512];
	bool found = false;
	char *tok, *save;
	FILE *f = mm_smaps_open(addr);

	if (!f)
		return false;
	if (mm_find_field(f, "VmFlags", true, line, sizeof(line))) {
		for (tok = strtok_r(line + 8, " \n", &save); tok && !found;
		     tok = strtok_r(NULL, " \n", &save))
			found = !strcmp(tok, flag);
	}
	fclose(f);
	return found;
}

long mremap_util_status_kb(const char *field)
{
	long kb;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	kb = mm_field_kb(f, field, false);
	fclose(f);
	return kb;
}

void *mremap_util_reserve(size_t len, size_t align)
{
	unsigned long start, aligned;
	size_t span = len + align;
	char *p;

	p = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	start = (unsigned long)p;
	aligned = (start + align - 1) & ~(align - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	if (aligned + len < start + span)
		munmap((void *)(aligned + len), start + span - aligned - len);
	return (void *)aligned;
}
