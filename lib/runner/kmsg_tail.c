// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg_tail: read the kernel log by record, so the runner can see exactly
 * what one test case logged without clearing the log (dmesg -c) and
 * without being fooled by a wrapped ring buffer.
 *
 *   kmsg_tail next               print the sequence number of the next record
 *   kmsg_tail since SEQ [FILE]   print the text of every record numbered
 *                                >= SEQ; with FILE, write there the number
 *                                of the record after the last one read and
 *                                the kernel's taint mask after that read
 *   kmsg_tail fd N [FILE [SEQ]]  print the text of every record not yet
 *                                read through file descriptor N (an open
 *                                /dev/kmsg the caller keeps), of those
 *                                numbered >= SEQ if given; FILE as above
 *                                (the number is SEQ, or 0, when there
 *                                was no record left to read)
 *   kmsg_tail end N              move descriptor N past the last record
 *
 * "fd" is what run_vmtests.sh uses: the open file of /dev/kmsg keeps its
 * own record cursor (devkmsg_read() advances user->seq), shared by every
 * process that inherits the descriptor, so each call reads only the new
 * records.  "since" opens /dev/kmsg afresh and reads the whole buffer to
 * find SEQ: under TCG, two such reads around every case of a 1000-record
 * log were most of the runner's cost.
 *
 * The taint comes along so that the runner needs one process per case
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

/*
 * Read records from fd until none is left.  Prints the text of those
 * numbered >= since when print is set; returns the number after the last
 * record seen (since when there was none).
 */
static unsigned long long drain(int fd, unsigned long long since, int print)
{
	unsigned long long seq, next = since;
	char rec[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		/* EPIPE: records were overwritten; the cursor moved past them. */
		if (n < 0 && (errno == EPIPE || errno == EINTR))
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
	return next;
}

static int write_next(const char *next_file, unsigned long long next)
{
	FILE *f;

	if (!next_file)
		return 0;
	f = fopen(next_file, "w");
	if (!f || fprintf(f, "%llu %lld\n", next, read_taint()) < 0 ||
	    fclose(f)) {
		perror("kmsg_tail: write next sequence number");
		return 1;
	}
	return 0;
}

static int walk(unsigned long long since, int print, const char *next_file)
{
	unsigned long long next;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		perror("kmsg_tail: open /dev/kmsg");
		return 1;
	}
	next = drain(fd, since, print);
	close(fd);
	if (!print)
		printf("%llu\n", next);
	return write_next(next_file, next);
}

/* Descriptor N, made non-blocking (it is shared: only the runner uses it). */
static int kmsg_fd(const char *arg)
{
	int fd = atoi(arg), fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		fprintf(stderr, "kmsg_tail: descriptor %s: %s\n", arg,
			strerror(errno));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc == 2 && !strcmp(argv[1], "next"))
		return walk(0, 0, NULL);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "since"))
		return walk(strtoull(argv[2], NULL, 10), 1,
			    argc == 4 ? argv[3] : NULL);
	if (argc >= 3 && argc <= 5 && !strcmp(argv[1], "fd")) {
		fd = kmsg_fd(argv[2]);
		if (fd < 0)
			return 1;
		return write_next(argc >= 4 ? argv[3] : NULL,
				  drain(fd, argc == 5 ?
					strtoull(argv[4], NULL, 10) : 0, 1));
	}
	if (argc == 3 && !strcmp(argv[1], "end")) {
		fd = kmsg_fd(argv[2]);
		if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
			perror("kmsg_tail: seek to the end of the log");
			return 1;
		}
		return 0;
	}
	fprintf(stderr,
		"usage: kmsg_tail next | since SEQ [FILE] | fd N [FILE [SEQ]] | end N\n");
	return 2;
}
