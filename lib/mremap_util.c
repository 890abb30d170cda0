// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the mremap tests; see mremap_util.h. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mremap_util.h"

#define MRM_WORDS_PER_PAGE (MRM_PAGE / sizeof(uint64_t))

void *mrm_mremap(void *old, size_t old_len, size_t new_len,
		 unsigned long flags, void *new_addr)
{
	long ret = syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);

	return ret == -1 ? MAP_FAILED : (void *)ret;
}

/* splitmix64 finaliser: nearby inputs give unrelated outputs. */
static uint64_t mrm_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t mrm_word(unsigned long salt, unsigned long page,
			 unsigned long word)
{
	uint64_t w = mrm_mix(mrm_mix(salt) ^ page) ^ (word * 0x100000001b3ULL);

	/* Never 0, so a zero-filled page can not pass for pattern data. */
	return w ? w : 1;
}

void mrm_fill(void *addr, size_t len, unsigned long salt,
	      unsigned long first_page)
{
	uint64_t *p = addr;
	unsigned long pg, w;

	for (pg = 0; pg < len / MRM_PAGE; pg++)
		for (w = 0; w < MRM_WORDS_PER_PAGE; w++)
			p[pg * MRM_WORDS_PER_PAGE + w] =
				mrm_word(salt, first_page + pg, w);
}

void *mrm_map_filled(void *at, size_t len, unsigned long salt)
{
	void *p = mmap(at, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != MAP_FAILED)
		mrm_fill(p, len, salt, 0);
	return p;
}

/* First, a middle and the last word: offsets inside the page matter too. */
static const unsigned long mrm_sample_words[] = {
	0, MRM_WORDS_PER_PAGE / 2 + 3, MRM_WORDS_PER_PAGE - 1,
};
#define MRM_SAMPLES (sizeof(mrm_sample_words) / sizeof(mrm_sample_words[0]))

void mrm_fill_sparse(void *addr, size_t len, unsigned long salt,
		     unsigned long first_page)
{
	volatile uint64_t *p = addr;
	unsigned long pg, i, w;

	for (pg = 0; pg < len / MRM_PAGE; pg++) {
		for (i = 0; i < MRM_SAMPLES; i++) {
			w = mrm_sample_words[i];
			p[pg * MRM_WORDS_PER_PAGE + w] =
				mrm_word(salt, first_page + pg, w);
		}
	}
}

/*
 * Offset of the first sampled word that does not hold the pattern of
 * stream @salt (or, with @zero, 0), -1 when all do.
 */
static long mrm_check_samples(const void *addr, size_t len, bool zero,
			      unsigned long salt, unsigned long first_page)
{
	const volatile uint64_t *p = addr;
	unsigned long pg, i, w;
	uint64_t want;

	for (pg = 0; pg < len / MRM_PAGE; pg++) {
		for (i = 0; i < MRM_SAMPLES; i++) {
			w = mrm_sample_words[i];
			want = zero ? 0 : mrm_word(salt, first_page + pg, w);
			if (p[pg * MRM_WORDS_PER_PAGE + w] != want)
				return (pg * MRM_WORDS_PER_PAGE + w) * 8;
		}
	}
	return -1;
}

long mrm_check(const void *addr, size_t len, unsigned long salt,
	       unsigned long first_page)
{
	return mrm_check_samples(addr, len, false, salt, first_page);
}

long mrm_check_zero(const void *addr, size_t len)
{
	return mrm_check_samples(addr, len, true, 0, 0);
}

/* Only live while mrm_probe_read() runs, and per thread. */
static __thread sigjmp_buf *mrm_probe_jmp;

static void mrm_probe_handler(int sig)
{
	siglongjmp(*mrm_probe_jmp, sig);
}

int mrm_probe_read(const void *addr)
{
	struct sigaction sa = { .sa_handler = mrm_probe_handler };
	struct sigaction old_segv, old_bus;
	sigjmp_buf jmp;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	mrm_probe_jmp = &jmp;
	sig = sigsetjmp(jmp, 1);
	if (!sig)
		(void)*(const volatile char *)addr;
	mrm_probe_jmp = NULL;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

static bool mrm_parse_vma(const char *line, struct mrm_vma *vma)
{
	return sscanf(line, "%lx-%lx %7s", &vma->start, &vma->end,
		      vma->perms) == 3;
}

/*
 * Read @f (/proc/self/maps or smaps) up to the first VMA that overlaps
 * [start, end), leaving @f just after its line.  false when none does.
 */
static bool mrm_seek_vma(FILE *f, unsigned long start, unsigned long end,
			 struct mrm_vma *vma)
{
	char line[512];

	while (fgets(line, sizeof(line), f))
		if (mrm_parse_vma(line, vma) &&
		    vma->start < end && start < vma->end)
			return true;
	return false;
}

bool mrm_vma_at(const void *addr, struct mrm_vma *vma)
{
	unsigned long a = (unsigned long)addr;
	bool found;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	found = mrm_seek_vma(f, a, a + 1, vma);
	fclose(f);
	return found;
}

bool mrm_range_unmapped(const void *addr, size_t len)
{
	unsigned long a = (unsigned long)addr;
	struct mrm_vma vma;
	bool overlap;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return false;
	overlap = mrm_seek_vma(f, a, a + len, &vma);
	fclose(f);
	return !overlap;
}

bool mrm_is_one_vma(const void *addr, size_t len)
{
	struct mrm_vma vma;

	return mrm_vma_at(addr, &vma) && vma.start == (unsigned long)addr &&
	       vma.end == (unsigned long)addr + len;
}

bool mrm_in_one_vma(const void *addr, size_t len)
{
	struct mrm_vma vma;

	return mrm_vma_at(addr, &vma) &&
	       vma.end >= (unsigned long)addr + len;
}

/*
 * /proc/self/smaps, read up to just after the header of the VMA
 * containing @addr.  NULL when there is none.
 */
static FILE *mrm_smaps_open(const void *addr)
{
	unsigned long a = (unsigned long)addr;
	struct mrm_vma vma;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return NULL;
	if (mrm_seek_vma(f, a, a + 1, &vma))
		return f;
	fclose(f);
	return NULL;
}

/*
 * Read @f up to the line "@field: ...", left in @line; with @one_vma not
 * past the next VMA's smaps header.  false when there is none.
 */
static bool mrm_find_field(FILE *f, const char *field, bool one_vma,
			   char *line, size_t len)
{
	size_t n = strlen(field);
	struct mrm_vma vma;

	while (fgets(line, len, f)) {
		if (one_vma && mrm_parse_vma(line, &vma))
			return false;
		if (!strncmp(line, field, n) && line[n] == ':')
			return true;
	}
	return false;
}

/* The number on the line mrm_find_field() finds, in kB; -1 when none. */
static long mrm_field_kb(FILE *f, const char *field, bool one_vma)
{
	char line[512];

	if (!mrm_find_field(f, field, one_vma, line, sizeof(line)))
		return -1;
	return strtol(line + strlen(field) + 1, NULL, 10);
}

long mrm_smaps_kb(const void *addr, const char *field)
{
	long kb;
	FILE *f = mrm_smaps_open(addr);

	if (!f)
		return -1;
	kb = mrm_field_kb(f, field, true);
	fclose(f);
	return kb;
}

bool mrm_has_vmflag(const void *addr, const char *flag)
{
	char line[512];
	bool found = false;
	char *tok, *save;
	FILE *f = mrm_smaps_open(addr);

	if (!f)
		return false;
	if (mrm_find_field(f, "VmFlags", true, line, sizeof(line))) {
		for (tok = strtok_r(line + 8, " \n", &save); tok && !found;
		     tok = strtok_r(NULL, " \n", &save))
			found = !strcmp(tok, flag);
	}
	fclose(f);
	return found;
}

long mrm_status_kb(const char *field)
{
	long kb;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	kb = mrm_field_kb(f, field, false);
	fclose(f);
	return kb;
}

long mrm_minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt;
}

void *mrm_reserve(size_t len, size_t align)
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
