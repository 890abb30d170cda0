// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/kconfig.c: symbol matching on config text, and the
 * live /proc/config.gz, which the pfnmap tests trust to decide between
 * SKIP (the kernel does not claim a feature) and FAIL.
 */
#include <errno.h>

#include "mm_harness.h"
#include "kconfig.h"

static const char config_text[] =
	"#\n"
	"# Automatically generated file; DO NOT EDIT.\n"
	"#\n"
	"CONFIG_FOO_BAR=m\n"
	"CONFIG_FOO=y\n"
	"# CONFIG_BAZ is not set\n"
	"# CONFIG_BAZ_QUX=y is not how a comment looks, and it is no setting\n"
	"CONFIG_STR=\"hello world\"\n"
	"CONFIG_HEX=0x10\n"
	"CONFIG_LAST=42";

TEST(lookup)
{
	char val[32];

	EXPECT_EQ(1, kconfig_lookup(config_text, "FOO", val, sizeof(val)));
	EXPECT_STREQ("y", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "CONFIG_FOO", val, sizeof(val)));
	EXPECT_STREQ("y", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "FOO_BAR", val, sizeof(val)));
	EXPECT_STREQ("m", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "STR", val, sizeof(val)));
	EXPECT_STREQ("\"hello world\"", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "HEX", val, sizeof(val)));
	EXPECT_STREQ("0x10", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "LAST", val, sizeof(val)));
	EXPECT_STREQ("42", val);
	EXPECT_EQ(1, kconfig_lookup(config_text, "FOO", NULL, 0));
}

/* Prefixes, suffixes and comments are not the symbol. */
TEST(absent)
{
	char val[32] = "untouched";

	EXPECT_EQ(0, kconfig_lookup(config_text, "FO", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup(config_text, "OO", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup(config_text, "FOO_BA", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup(config_text, "BAZ", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup(config_text, "BAZ_QUX", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup(config_text, "NOPE", val, sizeof(val)));
	EXPECT_EQ(0, kconfig_lookup("", "FOO", val, sizeof(val)));
	EXPECT_STREQ("untouched", val);
}

TEST(truncates)
{
	char val[4];

	EXPECT_EQ(1, kconfig_lookup(config_text, "STR", val, sizeof(val)));
	EXPECT_STREQ("\"he", val);
}

/* The running kernel's config: readable here, and it answers sensibly. */
TEST(live)
{
	char val[64];
	int ret;

	ret = kconfig_value("CONFIG_MMU", val, sizeof(val));
	if (ret < 0 && access("/proc/config.gz", F_OK))
		SKIP(return, "no /proc/config.gz (CONFIG_IKCONFIG_PROC)");
	/* It exists, so failing to read it is a broken zcat, not a SKIP. */
	ASSERT_EQ(1, ret) TH_LOG("CONFIG_MMU: %d (%s)", ret,
				 ret < 0 ? strerror(-ret) : "absent");
	EXPECT_STREQ("y", val);
	EXPECT_TRUE(kconfig_available());
	EXPECT_TRUE(kconfig_enabled("MMU"));
	EXPECT_EQ(0, kconfig_value("CONFIG_MMCONF_NO_SUCH_SYMBOL", val,
				   sizeof(val)));
	EXPECT_FALSE(kconfig_enabled("CONFIG_MMCONF_NO_SUCH_SYMBOL"));
}

MM_HARNESS_MAIN
