/*
 * sys.c - fatal errors, memory, clocks, files and command capture.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "data/sys.h"

static void vwarn(const char *fmt, va_list ap)
{
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(2);
}

void sys_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void *sys_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *sys_grow(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

char *sys_strdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *sys_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return s;
}

double sys_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sys_sleep(double s)
{
	double end = sys_now() + s;
	struct timespec ts;

	while (s > 0) {
		ts.tv_sec = (time_t)s;
		ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
		if (nanosleep(&ts, NULL) == 0)
			break;
		s = end - sys_now();
	}
}

char *sys_read_file(const char *path, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	buf = sys_alloc(cap);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (cap - n < 2)
			buf = sys_grow(buf, cap *= 2);
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The child half of sys_first_line(): stdout to the pipe, stderr muted. */
static void exec_captured(char *const argv[], int out_fd)
{
	int null_fd = open("/dev/null", O_WRONLY);

	dup2(out_fd, STDOUT_FILENO);
	if (null_fd >= 0)
		dup2(null_fd, STDERR_FILENO);
	execvp(argv[0], argv);
	_exit(127);
}

char *sys_first_line(char *const argv[])
{
	char buf[512], drain[4096];
	size_t n = 0;
	ssize_t r;
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return NULL;
	pid = fork();
	if (pid == 0)
		exec_captured(argv, fds[1]);
	close(fds[1]);
	/* Keep only the start but drain everything, so that a chatty command
	 * never blocks on a full pipe while we wait for it. */
	while (pid > 0) {
		if (n < sizeof(buf) - 1)
			r = read(fds[0], buf + n, sizeof(buf) - 1 - n);
		else
			r = read(fds[0], drain, sizeof(drain));
		if (r <= 0)
			break;
		if (n < sizeof(buf) - 1)
			n += r;
	}
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return n ? sys_strdup(buf) : NULL;
}

void sys_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

char *sys_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* The child half of sys_run(): never returns. */
static void exec_logged(char *const argv[], const char *log_path, pid_t parent)
{
	int in = open("/dev/null", O_RDONLY);
	int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	sigset_t none;

	/* The parent may have died before prctl() took effect: check. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (in >= 0)
		dup2(in, STDIN_FILENO);
	if (log >= 0) {
		dup2(log, STDOUT_FILENO);
		dup2(log, STDERR_FILENO);
	}
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "bench: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int sys_run(char *const argv[], const char *log_path, double timeout_s)
{
	double deadline = sys_now() + timeout_s;
	pid_t parent = getpid(), pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_logged(argv, log_path, parent);
	if (pid < 0)
		return -1;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (sys_now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		sys_sleep(0.005);
	}
}

int sys_cpu_set(const char *cpus, cpu_set_t *set)
{
	const char *p = cpus;
	char *end;
	long lo, hi;

	CPU_ZERO(set);
	while (*p && *p != '\n') {
		lo = strtol(p, &end, 10);
		if (end == p || lo < 0 || lo >= CPU_SETSIZE)
			return -1;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (end == p || hi < lo || hi >= CPU_SETSIZE)
				return -1;
		}
		for (long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		if (*end && *end != ',' && *end != '\n')
			return -1;
		p = *end == ',' ? end + 1 : end;
	}
	return CPU_COUNT(set) ? CPU_COUNT(set) : -1;
}

int sys_cpu_count(const char *cpus)
{
	cpu_set_t set;

	return sys_cpu_set(cpus, &set);
}
