/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel claims to be built with, from /proc/config.gz
 * (CONFIG_IKCONFIG_PROC).  A test SKIPs a variant only when the kernel
 * does not claim the feature, so "config unreadable" (no claim either
 * way) must stay distinguishable from "symbol absent" (a claim of no).
 */
#ifndef MM_KCONFIG_H
#define MM_KCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Look SYM up ("CONFIG_FOO" or "FOO").  Returns 1 and copies its value
 * ("y", "m", "0x10", a quoted string, ...) into VAL when it is set, 0 when
 * it is absent or "is not set", -errno when the config cannot be read.
 * VAL may be NULL.
 */
int kconfig_value(const char *sym, char *val, size_t len);

/* SYM is =y or =m.  False as well when the config is unreadable. */
bool kconfig_enabled(const char *sym);

/* /proc/config.gz exists and decompresses to a non-empty config. */
bool kconfig_available(void);

/*
 * The same lookup on config text already in memory (one "CONFIG_X=v" or
 * "# CONFIG_X is not set" a line): 1 set, 0 absent.  For unit tests.
 */
int kconfig_lookup(const char *text, const char *sym, char *val, size_t len);

#endif /* MM_KCONFIG_H */
