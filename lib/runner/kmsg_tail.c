// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg_tail: read the kernel log by record sequence number, so the runner
 * can see exactly what one test case logged without clearing the log
 * (dmesg -c) and without being fooled by a wrapped ring buffer.
 *
 *   kmsg_tail next               print the sequence number of the next record
 *   kmsg_tail since SEQ [FILE]   print the text of every record numbered
 *                                >= SEQ; with FILE, write there the number
 *                                of the record after the last one read, so
 *                                a cursor advanced this way misses no
 *                                record and reads none twice, and the
 *                                kernel's taint mask after that read
 *
 * The taint comes along so that run_vmtests.sh needs one process per case
 * for both: a shell cannot read /proc/sys/kernel/tainted itself, since
 * its read builtin takes a byte at a time and proc_dointvec() answers a
 * read at a nonzero offset with EOF ("4096" reads as "4").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A record is "prio,seq,usec,flags[,...];text\n" plus continuation lines. */
static int parse_seq(const char *rec, unsigned long long *seq)
{
	const char *comma = strchr(rec, ',');

	if (!comma)
		return -1;
	*seq = strtoull(comma + 1, NULL, 10);
	return 0;
}

/* The taint mask, or -1 (written as such: the runner fails on it). */
static long long read_taint(void)
{
	long long taint = -1;
	FILE *f = fopen("/proc/sys/kernel/tainted", "r");

	if (f) {
		if (fscanf(f, "%lld", &taint) != 1)
			taint = -1;
		fclose(f);
	}
	return taint;
}

static int walk(unsigned long long since, int print, const char *next_file)
{
	unsigned long long seq, next = since;
	char rec[8192];
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror("kmsg_tail: open /dev/kmsg");
		return 1;
	}
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten while reading */
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (parse_seq(rec, &seq))
			continue;
		next = seq + 1;
		if (print && seq >= since) {
			char *text = strchr(rec, ';');

			fputs(text ? text + 1 : rec, stdout);
		}
	}
	close(fd);
	if (!print)
		printf("%llu\n", next);
	if (next_file) {
		FILE *f = fopen(next_file, "w");

		if (!f || fprintf(f, "%llu %lld\n", next, read_taint()) < 0 ||
		    fclose(f)) {
			perror("kmsg_tail: write next sequence number");
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "next"))
		return walk(0, 0, NULL);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "since"))
		return walk(strtoull(argv[2], NULL, 10), 1,
			    argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: kmsg_tail next | kmsg_tail since SEQ [FILE]\n");
	return 2;
}
