/*
 * proc.c - process control for runs: pinned start, readiness, stop, reap,
 * and the memory of a process group read from /proc.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/proc.h"
#include "data/sys.h"

void proc_init(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		sys_warn("cannot become a subreaper (%s): orphaned workers "
			 "will be reaped by init",
			 strerror(errno));
}

/* Parses "0", "1-3", "0,2-3" into set; returns the count or -1. */
static int parse_cpus(const char *cpus, cpu_set_t *set)
{
	const char *p = cpus;
	char *end;
	long lo, hi;

	CPU_ZERO(set);
	while (*p) {
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
		if (*end && *end != ',')
			return -1;
		p = *end ? end + 1 : end;
	}
	return CPU_COUNT(set) ? CPU_COUNT(set) : -1;
}

int proc_cpu_count(const char *cpus)
{
	cpu_set_t set;

	return parse_cpus(cpus, &set);
}

int proc_pin(const char *cpus)
{
	cpu_set_t set;

	if (parse_cpus(cpus, &set) < 0)
		return -1;
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Points fd at path (created, truncated). */
static void redirect(int fd, const char *path)
{
	int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f >= 0 && f != fd) {
		dup2(f, fd);
		close(f);
	}
}

/* The child side of proc_start(): never returns. */
static void exec_child(const struct proc_spawn *sp, pid_t parent)
{
	cpu_set_t set;
	sigset_t none;

	if (sp->new_group)
		setpgid(0, 0);
	/* The parent may have died before prctl() took effect: check. */
	if (sp->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent))
		_exit(127);
	if (sp->cpus && parse_cpus(sp->cpus, &set) > 0 &&
	    sched_setaffinity(0, sizeof(set), &set) < 0)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	redirect(STDIN_FILENO, NULL);
	redirect(STDOUT_FILENO, sp->out_path);
	redirect(STDERR_FILENO, sp->err_path);
	execv(sp->argv[0], sp->argv);
	dprintf(STDERR_FILENO, "bench: exec %s: %s\n", sp->argv[0], strerror(errno));
	_exit(127);
}

pid_t proc_start(const struct proc_spawn *sp)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_child(sp, parent);
	/* Set the group from both sides so neither can race the other. */
	if (pid > 0 && sp->new_group)
		setpgid(pid, pid);
	return pid;
}

bool proc_alive(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	/* WNOWAIT: look without reaping, so wait4() still gets the rusage. */
	if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
		return false;
	return info.si_pid == 0;
}

/* Finds a complete line starting with prefix in text; copies it to line. */
static bool find_line(const char *text, const char *prefix, char *line, size_t size)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		if (p[n] != '\n')
			break; /* still being written */
		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			snprintf(line, size, "%.*s", (int)n, p);
			return true;
		}
		p += n + 1;
	}
	return false;
}

int proc_wait_line(const char *path, const char *prefix, char *line, size_t size, pid_t pid,
		   double timeout_s)
{
	double deadline = sys_now() + timeout_s;
	bool found;

	for (;;) {
		char *text = sys_read_file(path, NULL);

		found = text && find_line(text, prefix, line, size);
		free(text);
		if (found)
			return 0;
		if (!proc_alive(pid))
			return -2;
		if (sys_now() > deadline)
			return -1;
		sys_sleep(0.002);
	}
}

int proc_wait(pid_t pid, double timeout_s, int *status, struct rusage *ru)
{
	double deadline = sys_now() + timeout_s;

	for (;;) {
		pid_t r = wait4(pid, status, WNOHANG, ru);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (sys_now() > deadline)
			return -1;
		sys_sleep(0.005);
	}
}

struct proc_stat {
	pid_t pid;
	char state;
	pid_t pgrp;
	long rss_pages;
};

/* Reads /proc/<pid>/stat.  The command name is in parentheses and may hold
 * spaces, so the fields are counted from the last ')'. */
static int read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	long ppid, pgrp;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %ld %ld", &st->state, &ppid, &pgrp) != 3)
		return -1;
	/* Fields are numbered from 1 and the ')' ends field 2: step over one
	 * space per field until p is the space just before field 24, rss. */
	for (int field = 2; field < 24 && p; field++)
		p = strchr(p + 1, ' ');
	st->pid = pid;
	st->pgrp = (pid_t)pgrp;
	st->rss_pages = p ? atol(p + 1) : 0;
	return 0;
}

/* Calls fn for every process of group pgid; returns how many there were. */
static int for_each_in_group(pid_t pgid, void (*fn)(const struct proc_stat *, void *), void *arg)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	struct proc_stat st;
	int count = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (read_stat(atoi(e->d_name), &st) < 0 || st.pgrp != pgid)
			continue;
		count++;
		if (fn)
			fn(&st, arg);
	}
	closedir(d);
	return count;
}

static void add_rss(const struct proc_stat *st, void *arg)
{
	*(long *)arg += st->rss_pages;
}

long proc_group_rss_kb(pid_t pgid)
{
	long pages = 0;

	for_each_in_group(pgid, add_rss, &pages);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

struct pid_list {
	pid_t *pids;
	int n, max;
};

static void note_pid(const struct proc_stat *st, void *arg)
{
	struct pid_list *l = arg;

	if (st->state != 'Z' && l->n < l->max)
		l->pids[l->n++] = st->pid;
}

int proc_group_pids(pid_t pgid, pid_t *pids, int max)
{
	struct pid_list l = {.pids = pids, .n = 0, .max = max};

	for_each_in_group(pgid, note_pid, &l);
	return l.n;
}

struct leftovers {
	pid_t pids[256];
	int n, alive;
};

static void note_leftover(const struct proc_stat *st, void *arg)
{
	struct leftovers *l = arg;

	if (st->state != 'Z')
		l->alive++;
	if (l->n < 256)
		l->pids[l->n++] = st->pid;
}

static void add_rusage(struct rusage *sum, const struct rusage *ru)
{
	timeradd(&sum->ru_utime, &ru->ru_utime, &sum->ru_utime);
	timeradd(&sum->ru_stime, &ru->ru_stime, &sum->ru_stime);
	if (ru->ru_maxrss > sum->ru_maxrss)
		sum->ru_maxrss = ru->ru_maxrss;
}

int proc_kill_group(pid_t pgid, struct rusage *ru)
{
	struct leftovers l = {.n = 0, .alive = 0};
	struct rusage child;
	int status;

	for_each_in_group(pgid, note_leftover, &l);
	if (l.n == 0)
		return 0;
	kill(-pgid, SIGKILL);
	/* Orphans were re-parented to us (subreaper): reap them, counting
	 * their CPU time with the server's. */
	for (int i = 0; i < l.n; i++)
		if (proc_wait(l.pids[i], 1.0, &status, &child) == 0 && ru)
			add_rusage(ru, &child);
	return l.alive;
}

void proc_reap_orphans(void)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

void proc_describe(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "status 0x%x", status);
}
