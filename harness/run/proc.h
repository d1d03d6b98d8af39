/*
 * proc.h - starting, watching and stopping the processes of one run.
 *
 * Every server runs in its own process group, so "the server" means the
 * whole tree it forks (prefork's workers included): its memory is summed
 * over the group, and anything left behind is found by the group id.  The
 * harness makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so a
 * worker orphaned by a crashing server is re-parented to us and reaped here,
 * not by init.
 *
 * A wait here sleeps in poll() until the process exits (a pidfd) or its log
 * grows, or its time is up: no sleeping in steps (see proc.c).
 *
 * Environment: BENCH_NO_PIDFD=1 makes every wait use the fallback a kernel
 * without pidfd_open(2) gets (SIGCHLD read from a signalfd), so that tests
 * cover both ways on any kernel.
 */
#ifndef BENCH_PROC_H
#define BENCH_PROC_H

#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct proc_spawn {
	char *const *argv;
	const char *cpus;     /* CPU list like "0" or "1-3"; NULL = any */
	const char *out_path; /* stdout and stderr go to these files */
	const char *err_path;
	bool new_group;	      /* own process group (servers) */
	bool die_with_parent; /* SIGKILL it if the harness dies */
};

/* Makes the harness a subreaper; call once at start. */
void proc_init(void);

/* Parses a CPU list ("0", "1-3", "0,2") into a count; -1 if malformed. */
int proc_cpu_count(const char *cpus);

/* Pins the calling process to cpus.  Returns 0 or -1. */
int proc_pin(const char *cpus);

/* Forks and execs sp->argv.  Returns the pid, or -1 (errno set) if fork
 * failed; an exec failure shows as exit status 127.  The logs are created
 * and truncated before it returns.  A child that dies with the harness and
 * has a stdout log of its own writes stdout to a pipe that a thread of the
 * harness copies into the log for as long as the pipe is open. */
pid_t proc_start(const struct proc_spawn *sp);

/* Waits until the file at path holds a line starting with prefix, the
 * process pid exits, or timeout_s passes.  Copies the line (without the
 * newline) to line.  Returns 0 (found), -1 (timeout) or -2 (pid exited).
 * Wakes as the line is written, and reads the file only once. */
int proc_wait_line(const char *path, const char *prefix, char *line, size_t size, pid_t pid,
		   double timeout_s);

/* Waits up to timeout_s for pid to exit; reaps it with wait4().  Returns 0
 * with *status and *ru filled (and all it wrote to stdout in its log), or -1
 * if it is still running (or is not our child). */
int proc_wait(pid_t pid, double timeout_s, int *status, struct rusage *ru);

/* True while pid has not exited (zombies count as exited; not reaped). */
bool proc_alive(pid_t pid);

/* Sum of the resident memory (KiB) of every process in group pgid. */
long proc_group_rss_kb(pid_t pgid);

/* Fills pids with the processes of group pgid (at most max); returns how
 * many it found. */
int proc_group_pids(pid_t pgid, pid_t *pids, int max);

/* SIGKILLs every process left in group pgid and reaps those that are our
 * children, adding their CPU time to *ru if ru is not NULL; what they wrote
 * to the leader's stdout is then in its log.  Returns how many processes
 * were left. */
int proc_kill_group(pid_t pgid, struct rusage *ru);

/* Reaps any exited children without waiting (orphans re-parented to us). */
void proc_reap_orphans(void);

/* Describes a wait status: "exit 3", "signal 11 (Segmentation fault)". */
void proc_describe(int status, char *buf, size_t size);

#endif
