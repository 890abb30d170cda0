// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for the x86 ptdump format (arch/x86/mm/dump_pagetables.c, the
 * same from 6.1 to 7.x).  A range line is
 *
 *   0x<start:016x>-0x<end:016x>   <size:%9lu><unit> <flags> <level>
 *
 * where unit is one of "BKMGTPE", flags are blank-padded columns ("USR",
 * "RW"/"ro", "PWT", "PCD", "PSE", "PAT", "GLB", "NX"/"x") printed only for
 * present entries, and level is pgd/p4d/pud/pmd/pte.  Marker lines
 * ("---[ User Space ]---") and "... N entries skipped ..." lines carry
 * no mapping.  The last line of a walk ends at 0: it runs to the top.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfnmap/ptdump.h"

static const char * const ptdump_level_names[PTDUMP_NR_LEVELS] = {
	[PTDUMP_PGD] = "pgd",
	[PTDUMP_P4D] = "p4d",
	[PTDUMP_PUD] = "pud",
	[PTDUMP_PMD] = "pmd",
	[PTDUMP_PTE] = "pte",
};

static const struct {
	const char *name;
	unsigned int flag;
} ptdump_flag_names[] = {
	{ "USR", PTDUMP_USR },
	{ "RW", PTDUMP_RW | PTDUMP_PRESENT },
	{ "ro", PTDUMP_PRESENT },
	{ "PWT", PTDUMP_PWT },
	{ "PCD", PTDUMP_PCD },
	{ "PSE", PTDUMP_PSE },
	{ "PAT", PTDUMP_PAT },
	{ "GLB", PTDUMP_GLB },
	{ "NX", PTDUMP_NX },
	{ "x", 0 },
};

#define PTDUMP_NR_FLAG_NAMES \
	(sizeof(ptdump_flag_names) / sizeof(ptdump_flag_names[0]))

const char *ptdump_level_name(enum ptdump_level level)
{
	if (level < 0 || level >= PTDUMP_NR_LEVELS)
		return "?";
	return ptdump_level_names[level];
}

uint64_t ptdump_level_size(enum ptdump_level level)
{
	switch (level) {
	case PTDUMP_PTE:
		return 4096;
	case PTDUMP_PMD:
		return 2ull << 20;
	case PTDUMP_PUD:
		return 1ull << 30;
	default:
		return 0;
	}
}

/* Append NAME to BUF when COND holds; returns the new length. */
static size_t ptdump_cat(char *buf, size_t len, size_t used, bool cond,
			 const char *name)
{
	if (!cond || used >= len)
		return used;
	return used + snprintf(buf + used, len - used, "%s%s",
			       used ? " " : "", name);
}

const char *ptdump_flags_str(unsigned int flags, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!(flags & PTDUMP_PRESENT)) {
		snprintf(buf, len, "not-present");
		return buf;
	}
	used = ptdump_cat(buf, len, used, flags & PTDUMP_USR, "USR");
	used = ptdump_cat(buf, len, used, true,
			  flags & PTDUMP_RW ? "RW" : "ro");
	used = ptdump_cat(buf, len, used, flags & PTDUMP_PWT, "PWT");
	used = ptdump_cat(buf, len, used, flags & PTDUMP_PCD, "PCD");
	used = ptdump_cat(buf, len, used, flags & PTDUMP_PSE, "PSE");
	used = ptdump_cat(buf, len, used, flags & PTDUMP_PAT, "PAT");
	used = ptdump_cat(buf, len, used, flags & PTDUMP_GLB, "GLB");
	ptdump_cat(buf, len, used, true, flags & PTDUMP_NX ? "NX" : "x");
	return buf;
}

void ptdump_free(struct ptdump *pd)
{
	free(pd->ranges);
	pd->ranges = NULL;
	pd->nr = 0;
	pd->cap = 0;
}

/* Append, merging with the previous range when nothing tells them apart. */
static int ptdump_add(struct ptdump *pd, const struct ptdump_range *r)
{
	struct ptdump_range *last = pd->nr ? &pd->ranges[pd->nr - 1] : NULL;

	if (last && last->end == r->start && last->level == r->level &&
	    last->flags == r->flags) {
		last->end = r->end;
		return 0;
	}
	if (pd->nr == pd->cap) {
		size_t cap = pd->cap ? 2 * pd->cap : 256;
		struct ptdump_range *n;

		n = realloc(pd->ranges, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		pd->ranges = n;
		pd->cap = cap;
	}
	pd->ranges[pd->nr++] = *r;
	return 0;
}

/* The size column as the kernel computes it from the raw end address. */
static int ptdump_size_ok(uint64_t start, uint64_t raw_end, uint64_t size,
			  char unit)
{
	static const char units[] = "BKMGTPE";
	uint64_t delta = raw_end - start;
	const char *u = units;

	while (!(delta & 1023) && u[1]) {
		delta >>= 10;
		u++;
	}
	return delta == size && *u == unit;
}

static int ptdump_parse_flag(const char *tok, size_t n, unsigned int *flags)
{
	size_t i;

	for (i = 0; i < PTDUMP_NR_FLAG_NAMES; i++) {
		if (strlen(ptdump_flag_names[i].name) == n &&
		    !strncmp(ptdump_flag_names[i].name, tok, n)) {
			*flags |= ptdump_flag_names[i].flag;
			return 0;
		}
	}
	return -1;
}

static int ptdump_parse_level(const char *tok, size_t n)
{
	int l;

	for (l = 0; l < PTDUMP_NR_LEVELS; l++)
		if (n == 3 && !strncmp(ptdump_level_names[l], tok, 3))
			return l;
	return -1;
}

/* The flag and level columns of a range line, from P to the line's end. */
static const char *ptdump_parse_tail(const char *p, const char *eol,
				     struct ptdump_range *r)
{
	const char *tok = NULL;
	size_t n = 0;
	int level;

	r->flags = 0;
	for (;;) {
		while (p < eol && *p == ' ')
			p++;
		if (p == eol)
			break;
		if (tok && ptdump_parse_flag(tok, n, &r->flags))
			return "unknown flag";
		tok = p;
		n = strcspn(p, " \n");
		if (p + n > eol)
			n = eol - p;
		p += n;
	}
	if (!tok)
		return "no level";
	level = ptdump_parse_level(tok, n);
	if (level < 0)
		return "unknown level";
	r->level = level;
	if ((r->flags & ~PTDUMP_PRESENT) && !(r->flags & PTDUMP_PRESENT))
		return "flags on a not-present entry";
	return NULL;
}

/* One "0x...-0x... size flags level" line into R; NULL or what is wrong. */
static const char *ptdump_parse_line(const char *p, const char *eol,
				     struct ptdump_range *r)
{
	uint64_t raw_end, size;
	char *e;
	char unit;

	r->start = strtoull(p, &e, 16);
	if (e == p || *e != '-' || strncmp(e + 1, "0x", 2))
		return "bad start address";
	p = e + 1;
	raw_end = strtoull(p, &e, 16);
	if (e == p || *e != ' ')
		return "bad end address";
	p = e;
	while (*p == ' ')
		p++;
	size = strtoull(p, &e, 10);
	if (e == p || !strchr("BKMGTPE", *e) || !*e || e[1] != ' ')
		return "bad size column";
	unit = *e;
	/* The final line of a walk ends at address 0, i.e. the top. */
	r->end = raw_end ? raw_end : UINT64_MAX;
	if (r->end <= r->start)
		return "end before start";
	if (!ptdump_size_ok(r->start, raw_end, size, unit))
		return "size column disagrees with the addresses";
	return ptdump_parse_tail(e + 1, eol, r);
}

static bool ptdump_ignored_line(const char *p, const char *eol)
{
	while (p < eol && *p == ' ')
		p++;
	return p == eol || !strncmp(p, "---[ ", 5) || !strncmp(p, "... ", 4);
}

int ptdump_parse(struct ptdump *pd, const char *text, char *why,
		 size_t whylen)
{
	const char *p = text, *eol, *err;
	struct ptdump_range r;
	unsigned int lineno = 0;

	pd->ranges = NULL;
	pd->nr = pd->cap = 0;
	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		lineno++;
		if (ptdump_ignored_line(p, eol))
			continue;
		if (strncmp(p, "0x", 2))
			err = "not a ptdump line";
		else
			err = ptdump_parse_line(p, eol, &r);
		if (!err && pd->nr && r.start < pd->ranges[pd->nr - 1].end)
			err = "overlaps the previous line";
		if (!err && ptdump_add(pd, &r)) {
			ptdump_free(pd);
			snprintf(why, whylen, "out of memory");
			return -ENOMEM;
		}
		if (err) {
			snprintf(why, whylen, "ptdump line %u: %s: \"%.*s\"",
				 lineno, err, (int)(eol - p), p);
			ptdump_free(pd);
			return -EINVAL;
		}
	}
	return 0;
}

/* The whole file; seq_file text of unknown length, read to EOF. */
static char *ptdump_slurp(int fd)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *n;
	ssize_t ret;

	while (buf) {
		if (cap - len < 4096) {
			cap *= 2;
			n = realloc(buf, cap);
			if (!n)
				break;
			buf = n;
		}
		ret = read(fd, buf + len, cap - len - 1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0) {
			if (ret == 0) {
				buf[len] = '\0';
				return buf;
			}
			break;
		}
		len += ret;
	}
	free(buf);
	return NULL;
}

int ptdump_read(struct ptdump *pd, char *why, size_t whylen)
{
	/*
	 * Both show the reader's mm.  With PTI the user half of
	 * current_kernel and current_user share their lower-level tables;
	 * current_user exists only with CONFIG_MITIGATION_PAGE_TABLE_ISOLATION.
	 */
	static const char * const files[] = {
		PTDUMP_DIR "/current_kernel",
		PTDUMP_DIR "/current_user",
	};
	int fd = -1, err = 0, ret;
	size_t i;
	char *text;

	for (i = 0; i < sizeof(files) / sizeof(files[0]) && fd < 0; i++) {
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0 && !err)
			err = errno;
	}
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s/current_kernel: %s "
			 "(needs CONFIG_PTDUMP_DEBUGFS and debugfs mounted)",
			 PTDUMP_DIR, strerror(err));
		return -err;
	}
	text = ptdump_slurp(fd);
	err = errno;
	close(fd);
	if (!text) {
		snprintf(why, whylen, "reading %s: %s", files[i - 1],
			 strerror(err));
		return -err;
	}
	ret = ptdump_parse(pd, text, why, whylen);
	free(text);
	return ret;
}

/* Index of the first range that ends above ADDR (nr when none does). */
static size_t ptdump_lower(const struct ptdump *pd, uint64_t addr)
{
	size_t lo = 0, hi = pd->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pd->ranges[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct ptdump_range *ptdump_find(const struct ptdump *pd, uint64_t addr)
{
	size_t i = ptdump_lower(pd, addr);

	if (i < pd->nr && pd->ranges[i].start <= addr)
		return &pd->ranges[i];
	return NULL;
}

int ptdump_level(uint64_t addr)
{
	const struct ptdump_range *r;
	struct ptdump pd;
	char why[256];
	int ret;

	ret = ptdump_read(&pd, why, sizeof(why));
	if (ret)
		return ret;
	r = ptdump_find(&pd, addr);
	ret = r && (r->flags & PTDUMP_PRESENT) ? (int)r->level : -EFAULT;
	ptdump_free(&pd);
	return ret;
}

static void ptdump_describe(const struct ptdump_range *r, uint64_t addr,
			    char *why, size_t whylen)
{
	char flags[64];

	if (!r) {
		snprintf(why, whylen, "0x%llx lies in no ptdump line",
			 (unsigned long long)addr);
		return;
	}
	snprintf(why, whylen, "0x%llx-0x%llx is %s %s",
		 (unsigned long long)r->start, (unsigned long long)r->end,
		 ptdump_level_name(r->level),
		 ptdump_flags_str(r->flags, flags, sizeof(flags)));
}

int ptdump_check(const struct ptdump *pd, uint64_t start, uint64_t end,
		 enum ptdump_level level, unsigned int flags, char *why,
		 size_t whylen)
{
	const struct ptdump_range *r;
	uint64_t addr = start;

	flags |= PTDUMP_PRESENT;
	while (addr < end) {
		r = ptdump_find(pd, addr);
		if (!r || r->level != level || (r->flags & flags) != flags) {
			ptdump_describe(r, addr, why, whylen);
			return -1;
		}
		if (r->end == UINT64_MAX)
			break;
		addr = r->end;
	}
	return 0;
}

void ptdump_count(const struct ptdump *pd, uint64_t start, uint64_t end,
		  uint64_t bytes[PTDUMP_NR_LEVELS], uint64_t *unmapped)
{
	size_t i = ptdump_lower(pd, start);
	uint64_t addr = start, lo, hi;

	memset(bytes, 0, PTDUMP_NR_LEVELS * sizeof(bytes[0]));
	*unmapped = 0;
	for (; i < pd->nr && addr < end; i++) {
		const struct ptdump_range *r = &pd->ranges[i];

		lo = r->start > addr ? r->start : addr;
		hi = r->end < end ? r->end : end;
		if (lo >= hi)
			break;
		/* A gap left by an "entries skipped" line maps nothing known. */
		*unmapped += lo - addr;
		if (r->flags & PTDUMP_PRESENT)
			bytes[r->level] += hi - lo;
		else
			*unmapped += hi - lo;
		addr = hi;
	}
	*unmapped += end > addr ? end - addr : 0;
}
