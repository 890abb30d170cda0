/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptdump text for the parser's unit tests.  HAND is written to the
 * format of arch/x86/mm/dump_pagetables.c (6.1 to 7.2 print alike) to
 * reach the corners: coalescing, every flag, a skipped-entries gap, the
 * range that spans the non-canonical hole, and the last line, which ends
 * at address 0.
 */
#ifndef PTDUMP_SAMPLES_H
#define PTDUMP_SAMPLES_H

static const char ptdump_sample_hand[] =
	"---[ User Space ]---\n"
	"0x0000000000000000-0x0000000000400000           4M                               pmd\n"
	"0x0000000000400000-0x0000000000401000           4K USR ro                     x  pte\n"
	"0x0000000000401000-0x0000000000402000           4K USR RW                     NX pte\n"
	"0x0000000000402000-0x0000000000600000        2040K                               pte\n"
	"0x0000000000600000-0x0000000040000000        1018M                               pmd\n"
	"0x0000000040000000-0x0000000080000000           1G USR RW     PCD PSE         NX pud\n"
	"0x0000000080000000-0x00000000c0000000           1G USR RW     PCD PSE         NX pud\n"
	"0x00000000c0000000-0x00000000c0200000           2M USR RW     PCD PSE         NX pmd\n"
	"0x00000000c0200000-0x00000000c0400000           2M USR RW PWT PCD PSE PAT     NX pmd\n"
	"0x00000000c0400000-0x0000000100000000        1020M                               pmd\n"
	"0x0000000100000000-0x0000008000000000         508G                               pud\n"
	"0x0000008000000000-0x0000800000000000      130560G                               pgd\n"
	"---[ Kernel Space ]---\n"
	"0x0000800000000000-0xffff888000000000   17179615744G                               pgd\n"
	"---[ Low Kernel Mapping ]---\n"
	"0xffff888000000000-0xffff888000200000           2M     RW         PSE     GLB NX pmd\n"
	"0xffff888000200000-0xffff888040000000        1022M     RW                 GLB NX pte\n"
	"---[ ESPfix Area ]---\n"
	"0xfffffe0000000000-0xfffffe0000001000           4K     ro                 GLB NX pte\n"
	"... 5 entries skipped ... \n"
	"---[ High Kernel Mapping ]---\n"
	"0xffffffff80000000-0xffffffff81000000          16M                               pmd\n"
	"0xffffffff81000000-0xffffffffff600000        2022M     ro         PSE     GLB x  pmd\n"
	"0xffffffffff600000-0x0000000000000000          10M                               pmd\n"
	;

#endif /* PTDUMP_SAMPLES_H */
