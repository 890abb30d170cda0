// SPDX-License-Identifier: GPL-2.0
/* Children that report back, fault counts, snapshots; see fork.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fork/fork.h"

#define FORK_STACK_BYTES	(64 * 1024)

void fork_init(struct fork_child *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->up[0] = fc->up[1] = fc->down[0] = fc->down[1] = -1;
	fc->msg = MAP_FAILED;
}

static void fork_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int fork_start(struct fork_child *fc, fork_fn fn, void *arg)
{
	int err;

	fork_init(fc);
	fc->arg = arg;
	fc->msg = mmap(NULL, FORK_MSG_LEN, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fc->msg == MAP_FAILED)
		return -errno;
	if (pipe2(fc->up, O_CLOEXEC) || pipe2(fc->down, O_CLOEXEC)) {
		err = -errno;
		fork_free(fc);
		return err;
	}
	fc->pid = fork();
	if (fc->pid < 0) {
		err = -errno;
		fc->pid = 0;
		fork_free(fc);
		return err;
	}
	if (!fc->pid) {
		/* Only the ends this side uses, so EOF means "gone". */
		fork_close(&fc->up[0]);
		fork_close(&fc->down[1]);
		_exit(fn(fc) ? 1 : 0);
	}
	fork_close(&fc->up[1]);
	fork_close(&fc->down[0]);
	return 0;
}

int fork_fail(struct fork_child *fc, const char *fmt, ...)
{
	va_list ap;

	if (fc->msg != MAP_FAILED && !fc->msg[0]) {
		va_start(ap, fmt);
		vsnprintf(fc->msg, FORK_MSG_LEN, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int fork_put(int fd)
{
	char c = 1;
	ssize_t n;

	do
		n = write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -EPIPE : -errno;
	return 0;
}

static int fork_get(int fd)
{
	ssize_t n;
	char c;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -EPIPE;
}

int fork_step(struct fork_child *fc)
{
	return fork_put(fc->up[1]);
}

int fork_await(struct fork_child *fc)
{
	return fork_get(fc->down[0]);
}

int fork_wait_step(struct fork_child *fc)
{
	return fork_get(fc->up[0]);
}

int fork_go(struct fork_child *fc)
{
	return fork_put(fc->down[1]);
}

int fork_reap(struct fork_child *fc)
{
	int status;
	pid_t pid;

	if (!fc->pid)
		return -ECHILD;
	do
		pid = waitpid(fc->pid, &status, 0);
	while (pid < 0 && errno == EINTR);
	if (pid < 0)
		return -errno;
	fc->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

const char *fork_msg(const struct fork_child *fc)
{
	if (fc->msg == MAP_FAILED || !fc->msg[0])
		return "(no message)";
	return fc->msg;
}

void fork_free(struct fork_child *fc)
{
	if (fc->pid > 0) {
		kill(fc->pid, SIGKILL);
		fork_reap(fc);
	}
	fork_close(&fc->up[0]);
	fork_close(&fc->up[1]);
	fork_close(&fc->down[0]);
	fork_close(&fc->down[1]);
	if (fc->msg != MAP_FAILED)
		munmap(fc->msg, FORK_MSG_LEN);
	fc->msg = MAP_FAILED;
}

void fork_prefault_stack(void)
{
	volatile char buf[FORK_STACK_BYTES];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 512)
		buf[i] = (char)i;
}

int fork_read_all(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;
	int fd, err;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	for (;;) {
		if (cap - len < 4096) {
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				err = -ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto fail;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return err;
}

static size_t fork_line_len(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl ? (size_t)(nl - s) : strlen(s);
}

bool fork_text_differs(const char *a, const char *b, char *buf, size_t len)
{
	size_t la, lb;

	while (*a || *b) {
		la = fork_line_len(a);
		lb = fork_line_len(b);
		if (la != lb || memcmp(a, b, la)) {
			snprintf(buf, len, "-%.*s +%.*s", (int)la, a, (int)lb, b);
			return true;
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	return false;
}
