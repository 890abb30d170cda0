// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/config.gz lookups.  zlib is not linked into the tests, so the
 * file is decompressed by a zcat found at run time (busybox in the guest).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kconfig.h"

#define KCONFIG_PATH	"/proc/config.gz"

/* Decompressors tried in turn: a host may lack one, busybox may lack another. */
static const char * const kconfig_cmds[] = {
	"zcat " KCONFIG_PATH " 2>/dev/null",
	"gzip -dc " KCONFIG_PATH " 2>/dev/null",
	"busybox zcat " KCONFIG_PATH " 2>/dev/null",
};

static const char *kconfig_strip(const char *sym)
{
	return strncmp(sym, "CONFIG_", 7) ? sym : sym + 7;
}

/*
 * One config line against SYM (without its CONFIG_ prefix): 1 when it
 * sets SYM (value copied), 0 when it says SYM "is not set", -1 otherwise.
 */
static int kconfig_match(const char *line, const char *sym, char *val,
			 size_t len)
{
	size_t n = strlen(sym), vlen;
	const char *v;

	if (!strncmp(line, "# CONFIG_", 9) && !strncmp(line + 9, sym, n) &&
	    !strncmp(line + 9 + n, " is not set", 11))
		return 0;
	if (strncmp(line, "CONFIG_", 7) || strncmp(line + 7, sym, n) ||
	    line[7 + n] != '=')
		return -1;
	v = line + 7 + n + 1;
	vlen = strcspn(v, "\n");
	if (val && len) {
		if (vlen >= len)
			vlen = len - 1;
		memcpy(val, v, vlen);
		val[vlen] = '\0';
	}
	return 1;
}

int kconfig_lookup(const char *text, const char *sym, char *val, size_t len)
{
	const char *line = text;
	int ret;

	sym = kconfig_strip(sym);
	while (line && *line) {
		ret = kconfig_match(line, sym, val, len);
		if (ret >= 0)
			return ret;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

/*
 * Stream one decompressor's output.  Returns 1/0 as kconfig_lookup(), or
 * -EIO when the command produced no config (missing tool, bad data).
 */
static int kconfig_scan_cmd(const char *cmd, const char *sym, char *val,
			    size_t len)
{
	size_t cap = 0, lines = 0;
	char *line = NULL;
	int ret = 0, status;
	FILE *f;

	f = popen(cmd, "r");
	if (!f)
		return -EIO;
	while (getline(&line, &cap, f) > 0) {
		lines++;
		if (ret == 0 && kconfig_match(line, sym, val, len) == 1)
			ret = 1;
	}
	free(line);
	status = pclose(f);
	if (!lines || status == -1 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -EIO;
	return ret;
}

int kconfig_value(const char *sym, char *val, size_t len)
{
	size_t i;
	int ret = -EIO;

	if (access(KCONFIG_PATH, R_OK))
		return -errno;
	sym = kconfig_strip(sym);
	for (i = 0; i < sizeof(kconfig_cmds) / sizeof(kconfig_cmds[0]); i++) {
		ret = kconfig_scan_cmd(kconfig_cmds[i], sym, val, len);
		if (ret >= 0)
			break;
	}
	return ret;
}

bool kconfig_enabled(const char *sym)
{
	char val[8];

	if (kconfig_value(sym, val, sizeof(val)) != 1)
		return false;
	return !strcmp(val, "y") || !strcmp(val, "m");
}

bool kconfig_available(void)
{
	return kconfig_value("CC_VERSION_TEXT", NULL, 0) >= 0;
}
