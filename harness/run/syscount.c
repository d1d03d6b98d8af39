/*
 * syscount.c - counting a server's system calls with perf or strace (see
 * syscount.h).
 *
 * perf is told to start with its events disabled (-D -1) and to take
 * commands on a FIFO; "enable" is answered with "ack" on a second FIFO
 * only once the counters exist, which is the moment the load may start.
 * Counting stays on while the server is stopped, so the total covers the
 * same life as the server's own request count (warm-up included).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/proc.h"
#include "run/syscount.h"

#define ATTACH_TIMEOUT_S 5.0
#define MAX_PIDS 256

const char *syscount_name(enum syscount_method m)
{
	return m == SYSCOUNT_PERF ? "perf" : m == SYSCOUNT_STRACE ? "strace" : "none";
}

/* Runs argv with its output thrown away; true if it exited 0 in time. */
static bool runs_ok(char *const argv[])
{
	struct proc_spawn sp = {.argv = argv, .die_with_parent = true};
	struct rusage ru;
	int status = -1;
	pid_t pid = proc_start(&sp);

	if (pid < 0)
		return false;
	if (proc_wait(pid, 10.0, &status, &ru) < 0) {
		kill(pid, SIGKILL);
		proc_wait(pid, 1.0, &status, &ru);
		return false;
	}
	return status == 0;
}

static bool perf_works(void)
{
	char *argv[] = {"/usr/bin/env", "perf", "stat",	     "-e",   "raw_syscalls:sys_enter",
			"-x,",		"-o",	"/dev/null", "true", NULL};

	return runs_ok(argv);
}

static bool strace_works(void)
{
	char *argv[] = {"/usr/bin/env", "strace", "-f", "-c", "-o", "/dev/null", "true", NULL};

	return runs_ok(argv);
}

enum syscount_method syscount_probe(const char *want, char *why, size_t size)
{
	bool any = strcmp(want, "auto") == 0;

	if (strcmp(want, "none") == 0) {
		snprintf(why, size, "not measured: --syscalls none");
		return SYSCOUNT_NONE;
	}
	if ((any || strcmp(want, "perf") == 0) && perf_works()) {
		snprintf(why, size,
			 "perf stat -e raw_syscalls:sys_enter attached to the server tree "
			 "(threads and forked workers inherit the counter)");
		return SYSCOUNT_PERF;
	}
	if ((any || strcmp(want, "strace") == 0) && strace_works()) {
		snprintf(why, size,
			 "strace -f -c attached to the server tree: perf is not allowed here; "
			 "ptrace slows the server, so throughput figures of this run are "
			 "lower than without counting");
		return SYSCOUNT_STRACE;
	}
	snprintf(why, size,
		 "not measured: neither perf stat -e raw_syscalls:sys_enter nor strace -c "
		 "works on this machine (%s asked)",
		 want);
	return SYSCOUNT_NONE;
}

static pid_t start_counter(char **argv, const char *cpus, const char *log)
{
	struct proc_spawn sp = {
	    .argv = argv, .cpus = cpus, .out_path = log, .err_path = log, .die_with_parent = true};

	return proc_start(&sp);
}

/* Opens perf's command FIFO once perf has it open, sends "enable" and
 * waits for "ack".  Returns 0 or -1. */
static int perf_enable(struct syscount *s)
{
	double deadline = sys_now() + ATTACH_TIMEOUT_S;
	struct pollfd p = {.events = POLLIN};
	char buf[16];

	while ((s->ctl_fd = open(s->ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno != ENXIO || !proc_alive(s->pid) || sys_now() > deadline)
			return -1;
		sys_sleep(0.005);
	}
	if (write(s->ctl_fd, "enable\n", 7) != 7)
		return -1;
	p.fd = s->ack_fd;
	while (sys_now() < deadline && proc_alive(s->pid)) {
		if (poll(&p, 1, 20) == 1 && read(s->ack_fd, buf, sizeof(buf)) > 0)
			return 0;
	}
	return -1;
}

static int attach_perf(struct syscount *s, const pid_t *pids, int n, const char *cpus,
		       const char *log)
{
	char *list = sys_strdup(""), *fifos, *argv[16];
	int rc, a = 0;

	for (int i = 0; i < n; i++) {
		char *more = sys_fmt("%s%s%d", list, i ? "," : "", (int)pids[i]);

		free(list);
		list = more;
	}
	unlink(s->ctl);
	unlink(s->ack);
	if (mkfifo(s->ctl, 0600) < 0 || mkfifo(s->ack, 0600) < 0) {
		free(list);
		return -1;
	}
	s->ack_fd = open(s->ack, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	fifos = sys_fmt("fifo:%s,%s", s->ctl, s->ack);
	argv[a++] = "/usr/bin/env", argv[a++] = "perf", argv[a++] = "stat";
	argv[a++] = "-e", argv[a++] = "raw_syscalls:sys_enter", argv[a++] = "-x,";
	argv[a++] = "-o", argv[a++] = s->out_path, argv[a++] = "-D", argv[a++] = "-1";
	argv[a++] = "--control", argv[a++] = fifos, argv[a++] = "-p", argv[a++] = list;
	argv[a] = NULL;
	s->pid = start_counter(argv, cpus, log);
	rc = s->pid > 0 && s->ack_fd >= 0 ? perf_enable(s) : -1;
	free(fifos);
	free(list);
	return rc;
}

static int attach_strace(struct syscount *s, const pid_t *pids, int n, const char *cpus,
			 const char *log)
{
	char *argv[8 + 2 * MAX_PIDS], line[128];
	int a = 0, rc;

	argv[a++] = "/usr/bin/env", argv[a++] = "strace", argv[a++] = "-f";
	argv[a++] = "-c", argv[a++] = "-o", argv[a++] = s->out_path;
	for (int i = 0; i < n; i++) {
		argv[a++] = "-p";
		argv[a++] = sys_fmt("%d", (int)pids[i]);
	}
	argv[a] = NULL;
	s->pid = start_counter(argv, cpus, log);
	/* strace says "Process N attached" once per process it stopped. */
	rc = s->pid > 0 ? proc_wait_line(log, "strace: Process ", line, sizeof(line), s->pid,
					 ATTACH_TIMEOUT_S)
			: -1;
	for (int i = 7; i < a; i += 2)
		free(argv[i]);
	return rc == 0 ? 0 : -1;
}

/* Threads of every process of group pgid (/proc/PID/task entries). */
static int group_tasks(pid_t pgid)
{
	pid_t pids[MAX_PIDS];
	int n = proc_group_pids(pgid, pids, MAX_PIDS), tasks = 0;

	for (int i = 0; i < n; i++) {
		char *path = sys_fmt("/proc/%d/task", (int)pids[i]);
		DIR *d = opendir(path);
		struct dirent *e;

		while (d && (e = readdir(d)))
			tasks += e->d_name[0] != '.';
		if (d)
			closedir(d);
		free(path);
	}
	return tasks;
}

/* A server may still be forking workers or starting threads after it
 * printed "listening on".  A counter follows what is created after it
 * attached, and perf lists the threads when it starts: one created in
 * between would be missed.  So wait until the tree stops growing (three
 * equal looks 20 ms apart, 1 s at most). */
static void wait_until_settled(pid_t pgid)
{
	double deadline = sys_now() + 1.0;
	int last = group_tasks(pgid), same = 0;

	while (same < 2 && sys_now() < deadline) {
		int now;

		sys_sleep(0.02);
		now = group_tasks(pgid);
		same = now == last ? same + 1 : 0;
		last = now;
	}
}

int syscount_attach(struct syscount *s, enum syscount_method m, pid_t pgid, const char *cpus,
		    const char *base)
{
	pid_t pids[MAX_PIDS];
	int n, rc = -1;
	char *log = sys_fmt("%s.log", base);

	wait_until_settled(pgid);
	n = proc_group_pids(pgid, pids, MAX_PIDS);
	memset(s, 0, sizeof(*s));
	s->method = m;
	s->pid = -1;
	s->ctl_fd = s->ack_fd = -1;
	s->out_path = sys_fmt("%s.%s", base, syscount_name(m));
	s->ctl = sys_fmt("%s.ctl", base);
	s->ack = sys_fmt("%s.ack", base);
	unlink(s->out_path);
	if (n > 0 && m == SYSCOUNT_PERF)
		rc = attach_perf(s, pids, n, cpus, log);
	else if (n > 0 && m == SYSCOUNT_STRACE)
		rc = attach_strace(s, pids, n, cpus, log);
	free(log);
	if (rc < 0)
		syscount_finish(s), s->method = SYSCOUNT_NONE;
	return rc;
}

/* The count in perf's CSV line "N,,raw_syscalls:sys_enter,...". */
static double parse_perf(const char *text)
{
	const char *p = strstr(text, ",raw_syscalls:sys_enter");
	char *end;
	double v;

	if (!p)
		return NAN;
	while (p > text && p[-1] != '\n')
		p--;
	v = strtod(p, &end);
	return end == p || *end != ',' ? NAN : v;
}

/* The calls column of strace -c's "total" line. */
static double parse_strace(const char *text)
{
	const char *p = strstr(text, " total");
	double pct, secs, per_call, calls;

	if (!p)
		return NAN;
	while (p > text && p[-1] != '\n')
		p--;
	if (sscanf(p, "%lf %lf %lf %lf", &pct, &secs, &per_call, &calls) != 4)
		return NAN;
	return calls;
}

double syscount_finish(struct syscount *s)
{
	struct rusage ru;
	int status = -1;
	double n = NAN;
	char *text;

	if (!s->out_path)
		return NAN; /* never attached */
	if (s->pid > 0) {
		/* SIGINT: perf prints its counts, strace detaches and sums up. */
		kill(s->pid, SIGINT);
		if (proc_wait(s->pid, 3.0, &status, &ru) < 0) {
			kill(s->pid, SIGKILL);
			proc_wait(s->pid, 1.0, &status, &ru);
		}
		text = sys_read_file(s->out_path, NULL);
		if (text && s->method == SYSCOUNT_PERF)
			n = parse_perf(text);
		else if (text && s->method == SYSCOUNT_STRACE)
			n = parse_strace(text);
		free(text);
	}
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	if (s->ack_fd >= 0)
		close(s->ack_fd);
	if (s->ctl) {
		unlink(s->ctl);
		unlink(s->ack);
	}
	free(s->out_path);
	free(s->ctl);
	free(s->ack);
	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->ctl_fd = s->ack_fd = -1;
	return n;
}
