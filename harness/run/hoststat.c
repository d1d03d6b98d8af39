/*
 * hoststat.c - per-run host counters and the CPU-speed control (see
 * hoststat.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/hoststat.h"

static char *read_under(const char *root, const char *path)
{
	char *full = sys_fmt("%s%s", root, path);
	char *text = sys_read_file(full, NULL);

	free(full);
	return text;
}

/* The value of `name` in a /proc/net/{netstat,snmp} text, where each
 * section is a header line "Prefix: Name1 Name2 ..." followed by a line
 * "Prefix: 12 34 ...".  -1 if it is not there. */
static long long net_counter(const char *text, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix);

	for (const char *line = text; line != NULL && *line;) {
		const char *next = strchr(line, '\n');

		if (strncmp(line, prefix, plen) == 0 && next != NULL &&
		    strncmp(next + 1, prefix, plen) == 0) {
			const char *h = line + plen, *v = next + 1 + plen;
			size_t nlen = strlen(name);

			/* Walk the names and the values in step. */
			while (*h && *h != '\n') {
				long long value;
				int used;

				while (*h == ' ')
					h++;
				if (sscanf(v, " %lld%n", &value, &used) != 1)
					break;
				v += used;
				if (strncmp(h, name, nlen) == 0 &&
				    (h[nlen] == ' ' || h[nlen] == '\n' || h[nlen] == '\0'))
					return value;
				while (*h && *h != ' ' && *h != '\n')
					h++;
			}
			line = strchr(next + 1, '\n');
			line = line ? line + 1 : NULL;
			continue;
		}
		line = next ? next + 1 : NULL;
	}
	return -1;
}

int host_stat_cpu_line(const char *line, struct stat_cpu *out)
{
	unsigned long long v[8] = {0};
	int skip = 0, n;

	memset(out, 0, sizeof(*out));
	if (strncmp(line, "cpu", 3) != 0)
		return 0;
	if (line[3] == ' ')
		out->cpu = -1;
	else if (sscanf(line + 3, "%d", &out->cpu) != 1 || out->cpu < 0)
		return 0;
	sscanf(line, "%*s%n", &skip);
	/* user nice system idle iowait irq softirq steal [guest guest_nice];
	 * guest time is already counted in user. */
	n = sscanf(line + skip, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return 0;
	out->user = v[0], out->nice = v[1], out->system = v[2], out->idle = v[3];
	out->iowait = v[4], out->irq = v[5], out->softirq = v[6], out->steal = v[7];
	return n;
}

void host_counters_read(struct host_counters *c, const char *root)
{
	char *stat = read_under(root, "/proc/stat");
	char *netstat = read_under(root, "/proc/net/netstat");
	char *snmp = read_under(root, "/proc/net/snmp");
	struct timespec ts;

	memset(c, 0, sizeof(*c));
	for (const char *p = stat; p != NULL && *p;) {
		struct stat_cpu t;

		if (host_stat_cpu_line(p, &t) >= 8 && t.cpu >= 0 && t.cpu < HOST_MAX_CPUS) {
			c->busy[t.cpu] = t.user + t.nice + t.system + t.irq + t.softirq;
			c->steal[t.cpu] = t.steal;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	c->listen_overflows = net_counter(netstat, "TcpExt:", "ListenOverflows");
	c->listen_drops = net_counter(netstat, "TcpExt:", "ListenDrops");
	c->retrans_segs = net_counter(snmp, "Tcp:", "RetransSegs");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->when_s = ts.tv_sec + ts.tv_nsec / 1e9;
	free(stat);
	free(netstat);
	free(snmp);
}

static long long delta(long long a, long long b)
{
	return a < 0 || b < 0 ? -1 : b - a;
}

int host_window_of(const struct host_counters *a, const struct host_counters *b, const char *cpus,
		   double own_cpu_s, struct host_window *w)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	unsigned long long busy = 0, steal = 0;
	cpu_set_t set;

	memset(w, 0, sizeof(*w));
	if (sys_cpu_set(cpus, &set) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE && c < HOST_MAX_CPUS; c++)
		if (CPU_ISSET(c, &set)) {
			w->pinned_cores++;
			busy += b->busy[c] - a->busy[c];
			steal += b->steal[c] - a->steal[c];
		}
	if (w->pinned_cores == 0)
		return -1;
	w->seconds = b->when_s - a->when_s;
	w->pinned_busy_s = busy / hz;
	w->pinned_steal_s = steal / hz;
	w->foreign_s = w->pinned_busy_s > own_cpu_s ? w->pinned_busy_s - own_cpu_s : 0;
	w->foreign_share = w->seconds > 0 ? w->foreign_s / (w->seconds * w->pinned_cores) : 0;
	w->listen_overflows = delta(a->listen_overflows, b->listen_overflows);
	w->listen_drops = delta(a->listen_drops, b->listen_drops);
	w->retrans_segs = delta(a->retrans_segs, b->retrans_segs);
	return 0;
}

/* Adds the CPU ticks of /proc/<pid>/stat to *ticks if the process is in
 * group pgid (any group when pgid is 0).  Fields after the command name,
 * which may hold spaces and ends at the last ')': 3 state, 5 pgrp, 14
 * utime, 15 stime, 16 cutime, 17 cstime. */
static void add_ticks(pid_t pid, pid_t pgid, unsigned long long *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, cut, cst;
	long pgrp;
	char state;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %ld %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			 &state, &pgrp, &ut, &st, &cut, &cst) != 6)
		return;
	if (pgid == 0 || pgrp == pgid)
		*ticks += ut + st + cut + cst;
}

double host_group_cpu_s(pid_t pgid, pid_t pid)
{
	unsigned long long ticks = 0;
	struct dirent *e;
	DIR *d;

	if (pgid == 0) {
		add_ticks(pid, 0, &ticks);
		return ticks / (double)sysconf(_SC_CLK_TCK);
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			add_ticks(atoi(e->d_name), pgid, &ticks);
	closedir(d);
	return ticks / (double)sysconf(_SC_CLK_TCK);
}

/* The calling thread's own CPU time: a timing that another process
 * preempts still measures only the loop. */
static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int by_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* A chain of dependent multiply-adds and xorshifts: the CPU cannot overlap
 * the iterations, no memory is touched, and the result is used, so the
 * compiler cannot drop the loop. */
static uint64_t spin(uint64_t n)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (uint64_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		x ^= x >> 29;
	}
	return x;
}

double host_cpu_speed_ns(void)
{
	const uint64_t n = 4000000; /* about 20 ms on a 2020s core */
	double t[5];
	volatile uint64_t sink = spin(n / 10); /* warm up, and let the clock rise */

	for (int i = 0; i < 5; i++) {
		double t0 = thread_ns();

		sink += spin(n);
		t[i] = (thread_ns() - t0) / n;
	}
	(void)sink;
	qsort(t, 5, sizeof(t[0]), by_double);
	return t[2];
}
