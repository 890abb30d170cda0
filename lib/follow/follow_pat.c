// SPDX-License-Identifier: GPL-2.0
/* PAT index decoding and tracked memtypes; see follow_pat.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pfnmap/devmem.h"
#include "follow/follow_pat.h"

#define FP_PWT		(1ULL << 3)
#define FP_PCD		(1ULL << 4)
#define FP_PAT_4K	(1ULL << 7)
#define FP_PAT_LARGE	(1ULL << 12)
#define FP_TAG		"x86/PAT: Configuration [0-7]: "

static const char *const fp_default[8] = {
	"WB", "WC", "UC-", "UC", "WB", "WP", "UC-", "WT",
};

/* Parse "WB  WC  UC- UC  ..." (4 columns each) after the tag. */
static bool fp_parse(struct follow_pat *pat, const char *s)
{
	char t[8][4];
	int i;

	if (sscanf(s, "%3s %3s %3s %3s %3s %3s %3s %3s", t[0], t[1], t[2],
		   t[3], t[4], t[5], t[6], t[7]) != 8)
		return false;
	for (i = 0; i < 8; i++)
		memcpy(pat->type[i], t[i], sizeof(t[i]));
	return true;
}

void follow_pat_config(struct follow_pat *pat)
{
	char rec[2048], *p;
	ssize_t n;
	int fd, i;

	for (i = 0; i < 8; i++)
		snprintf(pat->type[i], sizeof(pat->type[i]), "%s",
			 fp_default[i]);
	pat->from_log = false;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	/* One record per read(); EPIPE when one was overwritten: go on. */
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		p = strstr(rec, FP_TAG);
		if (p && fp_parse(pat, p + strlen(FP_TAG))) {
			pat->from_log = true;
			break;
		}
	}
	close(fd);
}

const char *follow_pat_entry_type(const struct follow_pat *pat,
				  uint64_t entry, unsigned int level)
{
	uint64_t patbit = level == MMCONF_LEVEL_PTE ? FP_PAT_4K : FP_PAT_LARGE;
	unsigned int idx = (entry & FP_PWT ? 1 : 0) | (entry & FP_PCD ? 2 : 0) |
			   (entry & patbit ? 4 : 0);

	return pat->type[idx];
}

const char *follow_pat_short(const char *cattr)
{
	static const char *const map[][2] = {
		{ "write-back", "WB" }, { "write-combining", "WC" },
		{ "uncached-minus", "UC-" }, { "uncached", "UC" },
		{ "write-through", "WT" }, { "write-protected", "WP" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(cattr, map[i][0]))
			return map[i][1];
	return NULL;
}

int follow_pat_tracked(uint64_t phys, bool ram, const char **type)
{
	char cattr[64];
	int ret;

	ret = devmem_pat_lookup(phys, phys + 4096, cattr, sizeof(cattr),
				NULL, NULL);
	if (ret < 0)
		return ret;
	if (ret) {
		*type = follow_pat_short(cattr);
		return *type ? 0 : -EPROTO;
	}
	*type = ram ? "WB" : "UC-";
	return 0;
}

int follow_raw_entry(struct pfnmap *pm, const void *addr, uint64_t *entry,
		     unsigned int *level)
{
	struct mmconf_pt_query q = { .addr = (uintptr_t)addr };

	if (pm->qfd < 0)
		return -ENODEV;
	if (ioctl(pm->qfd, MMCONF_IOC_PT_QUERY, &q))
		return -errno;
	*entry = q.entry;
	*level = q.flags & MMCONF_PT_PRESENT ? q.level : MMCONF_LEVEL_NONE;
	return 0;
}

int follow_pat_set_ram(int kmod_fd, uint64_t off, uint64_t len,
		       unsigned int type)
{
	struct mmconf_memtype m = { .offset = off, .len = len, .type = type };

	return ioctl(kmod_fd, MMCONF_IOC_SET_MEMTYPE, &m) ? -errno : 0;
}
