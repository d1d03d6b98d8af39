/*
 * syscount.h - how many system calls a server tree makes during a run.
 *
 * The counter attaches to a server that is already running (the harness
 * stays its parent, so SIGTERM, the stats line and wait4()'s CPU time are
 * untouched) and follows every thread and process it creates afterwards:
 *
 *   perf    perf stat -e raw_syscalls:sys_enter -p PIDS, counting inherited
 *           by new threads and forked workers; started with its events
 *           disabled and enabled through a control FIFO, so the harness
 *           knows the counter is live before the load starts.
 *   strace  strace -f -c -p PIDS, where perf is not allowed (ptrace: it
 *           slows the server a lot, which meta.json says).
 *   none    neither works: syscalls_per_req stays empty.
 */
#ifndef BENCH_RUN_SYSCOUNT_H
#define BENCH_RUN_SYSCOUNT_H

#include <stddef.h>
#include <sys/types.h>

enum syscount_method { SYSCOUNT_NONE, SYSCOUNT_PERF, SYSCOUNT_STRACE };

/* One attached counter. */
struct syscount {
	enum syscount_method method;
	pid_t pid;	 /* perf or strace; -1 when not attached */
	char *out_path;	 /* where the counter writes its total */
	char *ctl, *ack; /* perf's control FIFOs */
	int ctl_fd, ack_fd;
};

/* Which counter works on this machine ("auto"), or the one asked for
 * ("perf", "strace", "none").  Writes a sentence saying why to why. */
enum syscount_method syscount_probe(const char *want, char *why, size_t size);

/* "perf", "strace" or "none". */
const char *syscount_name(enum syscount_method m);

/* Attaches to every process of group pgid, pinned to cpus; the counter's
 * files are named after base (base.perf, base.ctl, ...).  Returns 0 once
 * counting, or -1 (nothing left running). */
int syscount_attach(struct syscount *s, enum syscount_method m, pid_t pgid, const char *cpus,
		    const char *base);

/* Stops the counter (after the server exited) and returns the number of
 * system calls it saw, or NAN.  Safe on a counter that never attached. */
double syscount_finish(struct syscount *s);

#endif
