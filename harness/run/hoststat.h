/*
 * hoststat.h - what the rest of the machine did while a run was measured.
 *
 * A run's figures are only the server's if nothing else used its cores.
 * The doctor looks once, before a suite; this looks at every run: it takes
 * the kernel's counters when the measured window opens and when it closes,
 * and subtracts.
 *
 *   - CPU time on the pinned cores (/proc/stat, per CPU), minus the time the
 *     server tree and the load generator used themselves (from wait4 and
 *     the load generator's own figure): what is left is *foreign* CPU, work
 *     of other processes (or of the kernel on their behalf) on our cores.
 *   - Steal time on the pinned cores: CPU the hypervisor gave to other
 *     guests.
 *   - TCP counters (/proc/net/netstat, /proc/net/snmp): ListenOverflows and
 *     ListenDrops (the accept queue was full) and RetransSegs.
 *
 * And between runs, a CPU-speed control: a fixed loop of integer work, no
 * memory traffic and no system calls, timed on the server's core.  If it
 * takes 10% longer in one run than in another, the whole host slowed down
 * (thermal limits, a noisy neighbour, a different CPU), and a 10% slower
 * server says nothing about the server.
 */
#ifndef BENCH_HOSTSTAT_H
#define BENCH_HOSTSTAT_H

#include <stdbool.h>
#include <sys/types.h>

#define HOST_MAX_CPUS 1024

struct host_counters {
	unsigned long long busy[HOST_MAX_CPUS];	 /* ticks not idle, iowait or steal */
	unsigned long long steal[HOST_MAX_CPUS]; /* ticks stolen by the hypervisor */
	long long listen_overflows, listen_drops, retrans_segs; /* -1: unreadable */
	double when_s;						/* monotonic */
};

/* What happened between two snapshots. */
struct host_window {
	double seconds;
	double pinned_busy_s;  /* CPU time used on the union of the pinned cores */
	double pinned_steal_s; /* stolen from them */
	double foreign_s;      /* pinned_busy_s minus the run's own CPU time, >= 0 */
	double foreign_share;  /* foreign_s / (seconds x pinned cores) */
	int pinned_cores;
	long long listen_overflows, listen_drops, retrans_segs; /* -1: unreadable */
};

/* One CPU line of /proc/stat, in clock ticks: "cpu" (every CPU, cpu -1)
 * or "cpuN".  Fields an older kernel does not print are 0. */
struct stat_cpu {
	int cpu;
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
};

/* Parses the /proc/stat line that starts at line; returns how many tick
 * fields it read (at least 4), or 0 if it is not a CPU line.  The one
 * parser of those lines, for the doctor and for the per-run counters. */
int host_stat_cpu_line(const char *line, struct stat_cpu *out);

/* Reads the counters (root "" for this machine, or a fixture tree). */
void host_counters_read(struct host_counters *c, const char *root);

/* The window between a and b on the cores in `cpus` (a CPU list such as
 * "0", "0-1" or "0,2"), given the CPU seconds the run's own processes used
 * in it.  Returns 0, or -1 if cpus is not a CPU list. */
int host_window_of(const struct host_counters *a, const struct host_counters *b, const char *cpus,
		   double own_cpu_s, struct host_window *w);

/* CPU seconds (user + system, with the children each reaped: cutime,
 * cstime) of every live process of process group pgid so far, from
 * /proc/PID/stat; or of the one process pid when pgid is 0.  Taken at both
 * ends of a window, the difference is what the group used inside it
 * (a process that exits unreaped inside the window takes its time with it:
 * an undercount, so foreign CPU is overcounted, never hidden). */
double host_group_cpu_s(pid_t pgid, pid_t pid);

/* The CPU-speed control: nanoseconds per iteration of a fixed integer
 * loop, the median of 5 timings of about 20 ms each of the calling
 * thread's own CPU time (so that being preempted does not count), on its
 * current CPU.  Pin the caller first. */
double host_cpu_speed_ns(void);

#endif
