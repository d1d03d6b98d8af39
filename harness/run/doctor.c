/*
 * doctor.c - the checks behind `bench doctor` (see doctor.h).
 *
 * Every check reads files under o->root ("" on a live machine), so that the
 * tests can hand it a fixture tree with the /proc and /sys files of a noisy
 * or a quiet host.  Only two things are live-only: the 0.5 s window over
 * /proc/stat (steal and other work on the pinned CPUs now, rather than since
 * boot) and the perf probe.
 */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/doctor.h"
#include "run/hoststat.h"

/* Thresholds, each with the reason it is where it is. */
#define LOAD_QUIET 0.5	    /* a quarter of a 2-core machine's capacity */
#define STEAL_QUIET 0.01    /* 1% of CPU time taken by the hypervisor */
#define BUSY_QUIET 0.05	    /* 5% of a pinned CPU used by other work */
#define BACKLOG_WANTED 4096 /* the servers' --backlog default */
#define PORTS_WANTED 28000  /* the connect suite's busiest minute */
#define NOFILE_WANTED 20000 /* c10k: 15,000 idle + the active ones + the server's */

static void add(struct doctor_report *r, const char *name, const char *group,
		enum doctor_status status, char *value, char *reason, char *fix)
{
	struct doctor_finding *f;

	r->f = sys_grow(r->f, (r->n + 1) * sizeof(*r->f));
	f = &r->f[r->n++];
	f->name = name;
	f->group = group;
	f->status = status;
	f->value = value;
	f->reason = reason;
	f->fix = fix;
}

/* The trimmed contents of root/path, or NULL; the caller frees it. */
static char *slurp(const struct doctor_opts *o, const char *path)
{
	char *full = sys_fmt("%s%s", o->root, path);
	char *text = sys_read_file(full, NULL);

	free(full);
	if (text != NULL)
		sys_trim(text);
	return text;
}

/* "0-1" for the set, written back in the kernel's notation. */
static char *cpu_set_text(const cpu_set_t *set)
{
	char *out = sys_strdup("");

	for (int c = 0; c < CPU_SETSIZE; c++) {
		int hi = c;
		char *next;

		if (!CPU_ISSET(c, set))
			continue;
		while (hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set))
			hi++;
		next = hi > c ? sys_fmt("%s%s%d-%d", out, *out ? "," : "", c, hi)
			      : sys_fmt("%s%s%d", out, *out ? "," : "", c);
		free(out);
		out = next;
		c = hi;
	}
	return out;
}

/* The CPUs the run is pinned to: the union of the server's and client's. */
static void pinned_cpus(const struct doctor_opts *o, cpu_set_t *set)
{
	cpu_set_t one;

	CPU_ZERO(set);
	for (int k = 0; k < 2; k++)
		if (o->cpus[k] != NULL && sys_cpu_set(o->cpus[k], &one) > 0)
			CPU_OR(set, set, &one);
}

static void check_governor(struct doctor_report *r, const struct doctor_opts *o,
			   const cpu_set_t *cpus)
{
	char *bad = NULL, *seen = NULL;

	for (int c = 0; c < CPU_SETSIZE; c++) {
		char *path, *gov;

		if (!CPU_ISSET(c, cpus))
			continue;
		path = sys_fmt("/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", c);
		gov = slurp(o, path);
		free(path);
		if (gov == NULL)
			continue;
		if (seen == NULL)
			seen = sys_strdup(gov);
		if (strcmp(gov, "performance") != 0 && bad == NULL)
			bad = sys_fmt("%s on cpu%d", gov, c);
		free(gov);
	}
	if (seen == NULL)
		add(r, "cpu-governor", "setup", DOCTOR_OK,
		    sys_strdup("no cpufreq control (a fixed clock, or a virtual machine)"), NULL,
		    NULL);
	else if (bad == NULL)
		add(r, "cpu-governor", "setup", DOCTOR_OK,
		    sys_strdup("performance on every pinned CPU"), NULL, NULL);
	else
		add(r, "cpu-governor", "setup", DOCTOR_WARNING, bad,
		    sys_strdup("the clock follows the load, so a model that keeps its core busier "
			       "also runs it faster"),
		    sys_strdup("echo performance | tee "
			       "/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor"));
	free(seen);
}

static void check_boost(struct doctor_report *r, const struct doctor_opts *o)
{
	char *no_turbo = slurp(o, "/sys/devices/system/cpu/intel_pstate/no_turbo");
	char *boost = slurp(o, "/sys/devices/system/cpu/cpufreq/boost");

	if (no_turbo != NULL && strcmp(no_turbo, "0") == 0)
		add(r, "cpu-boost", "setup", DOCTOR_WARNING, sys_strdup("Intel Turbo Boost on"),
		    sys_strdup("the clock rises while the package is cool and falls as it warms, "
			       "so early runs are faster than late ones"),
		    sys_strdup("echo 1 > /sys/devices/system/cpu/intel_pstate/no_turbo"));
	else if (boost != NULL && strcmp(boost, "1") == 0)
		add(r, "cpu-boost", "setup", DOCTOR_WARNING, sys_strdup("cpufreq boost on"),
		    sys_strdup("the clock rises while the package is cool and falls as it warms, "
			       "so early runs are faster than late ones"),
		    sys_strdup("echo 0 > /sys/devices/system/cpu/cpufreq/boost"));
	else if (no_turbo == NULL && boost == NULL)
		add(r, "cpu-boost", "setup", DOCTOR_OK, sys_strdup("no boost control exposed"),
		    NULL, NULL);
	else
		add(r, "cpu-boost", "setup", DOCTOR_OK, sys_strdup("boost off"), NULL, NULL);
	free(no_turbo);
	free(boost);
}

/* SMT: worst when the server's and the client's CPUs are two hyperthreads
 * of one core, since they then share its execution units. */
static void check_smt(struct doctor_report *r, const struct doctor_opts *o)
{
	char *active = slurp(o, "/sys/devices/system/cpu/smt/active");
	cpu_set_t server, client, sib;
	int shared = -1;

	if (o->cpus[0] != NULL && o->cpus[1] != NULL && sys_cpu_set(o->cpus[0], &server) > 0 &&
	    sys_cpu_set(o->cpus[1], &client) > 0) {
		for (int c = 0; c < CPU_SETSIZE && shared < 0; c++) {
			char *path, *list;

			if (!CPU_ISSET(c, &server))
				continue;
			path = sys_fmt(
			    "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
			list = slurp(o, path);
			free(path);
			if (list != NULL && sys_cpu_set(list, &sib) > 0)
				for (int d = 0; d < CPU_SETSIZE; d++)
					if (d != c && CPU_ISSET(d, &sib) && CPU_ISSET(d, &client))
						shared = c;
			free(list);
		}
	}
	if (shared >= 0)
		add(r, "smt", "setup", DOCTOR_WARNING,
		    sys_fmt("the server's cpu%d and a client CPU are hyperthreads of one core",
			    shared),
		    sys_strdup(
			"the server and the load generator share one core's execution units"),
		    sys_strdup("pick --server-cpus and --client-cpus on different cores (see "
			       "/sys/devices/system/cpu/cpu*/topology/thread_siblings_list), or "
			       "echo off > /sys/devices/system/cpu/smt/control"));
	else if (active != NULL && strcmp(active, "1") == 0)
		add(r, "smt", "setup", DOCTOR_WARNING, sys_strdup("SMT on"),
		    sys_strdup("other work on a pinned CPU's sibling hyperthread slows it"),
		    sys_strdup("echo off > /sys/devices/system/cpu/smt/control"));
	else
		add(r, "smt", "setup", DOCTOR_OK,
		    sys_strdup(active == NULL ? "no SMT control exposed" : "SMT off"), NULL, NULL);
	free(active);
}

static void check_isolation(struct doctor_report *r, const struct doctor_opts *o,
			    const cpu_set_t *cpus)
{
	char *isolated = slurp(o, "/sys/devices/system/cpu/isolated");
	char *nohz = slurp(o, "/sys/devices/system/cpu/nohz_full");
	cpu_set_t iso, missing;
	char *pinned = cpu_set_text(cpus);

	if (isolated == NULL || sys_cpu_set(isolated, &iso) < 0)
		CPU_ZERO(&iso);
	CPU_XOR(&missing, cpus, &iso);
	CPU_AND(&missing, &missing, cpus); /* pinned and not isolated */
	if (CPU_COUNT(&missing) == 0)
		add(r, "cpu-isolation", "setup", DOCTOR_OK,
		    sys_fmt("cpus %s isolated (isolcpus); nohz_full: %s", pinned,
			    nohz != NULL && *nohz ? nohz : "none"),
		    NULL, NULL);
	else {
		char *list = cpu_set_text(&missing);

		add(r, "cpu-isolation", "setup", DOCTOR_WARNING,
		    sys_fmt("cpus %s not isolated; nohz_full: %s", list,
			    nohz != NULL && *nohz ? nohz : "none"),
		    sys_strdup("the scheduler may run other tasks on the pinned CPUs during a run"),
		    sys_fmt("boot with isolcpus=%s nohz_full=%s on the kernel command line", pinned,
			    pinned));
		free(list);
	}
	free(pinned);
	free(isolated);
	free(nohz);
}

/* Is a process with this command name running?  Scans root/proc/<pid>/comm. */
static bool process_running(const struct doctor_opts *o, const char *comm)
{
	char *dir = sys_fmt("%s/proc", o->root);
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	free(dir);
	if (d == NULL)
		return false;
	while (!found && (e = readdir(d)) != NULL) {
		char *path, *name;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		path = sys_fmt("/proc/%s/comm", e->d_name);
		name = slurp(o, path);
		found = name != NULL && strcmp(name, comm) == 0;
		free(name);
		free(path);
	}
	closedir(d);
	return found;
}

static void check_irqbalance(struct doctor_report *r, const struct doctor_opts *o)
{
	if (process_running(o, "irqbalance"))
		add(r, "irqbalance", "setup", DOCTOR_WARNING, sys_strdup("irqbalance is running"),
		    sys_strdup("it moves network interrupts between CPUs in the middle of a run"),
		    sys_strdup("systemctl stop irqbalance"));
	else
		add(r, "irqbalance", "setup", DOCTOR_OK, sys_strdup("irqbalance not running"), NULL,
		    NULL);
}

/* The aggregate "cpu" line, or cpuN's, from a /proc/stat text: total and
 * busy ticks (everything but idle and iowait) and steal. */
struct cpu_ticks {
	unsigned long long total, busy, steal;
	bool found;
};

static struct cpu_ticks stat_ticks(const char *stat, const char *label)
{
	struct cpu_ticks t = {0};
	size_t len = strlen(label);

	for (const char *p = stat; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		struct stat_cpu c;

		if (strncmp(p, label, len) != 0 || p[len] != ' ')
			continue;
		if (host_stat_cpu_line(p, &c) == 0)
			break;
		t.total =
		    c.user + c.nice + c.system + c.idle + c.iowait + c.irq + c.softirq + c.steal;
		t.busy = t.total - c.idle - c.iowait;
		t.steal = c.steal;
		t.found = true;
		break;
	}
	return t;
}

static unsigned long long stat_value(const char *stat, const char *key)
{
	const char *p = stat != NULL ? strstr(stat, key) : NULL;

	return p != NULL ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static void check_load(struct doctor_report *r, const struct doctor_opts *o, const char *stat)
{
	char *loadavg = slurp(o, "/proc/loadavg");
	double load1 = -1;
	unsigned long long running = stat_value(stat, "procs_running ");
	long cores = 0;
	char *online = slurp(o, "/sys/devices/system/cpu/online");
	cpu_set_t set;

	if (online != NULL)
		cores = sys_cpu_set(online, &set);
	free(online);
	if (loadavg == NULL || sscanf(loadavg, "%lf", &load1) != 1)
		add(r, "load-average", "state", DOCTOR_WARNING, sys_strdup("unreadable"),
		    sys_strdup("/proc/loadavg could not be read"), NULL);
	else if (load1 > LOAD_QUIET)
		add(r, "load-average", "state", DOCTOR_WARNING,
		    sys_fmt("%.2f over the last minute on %ld CPUs", load1, cores),
		    sys_fmt("other work ran in the last minute (quiet is %.1f or less)",
			    LOAD_QUIET),
		    sys_strdup("wait for it to end, or find it: top -b -n 1 -o %CPU | head -n 15"));
	else
		add(r, "load-average", "state", DOCTOR_OK,
		    sys_fmt("%.2f over the last minute on %ld CPUs", load1, cores), NULL, NULL);
	free(loadavg);

	/* procs_running counts the doctor itself. */
	if (running > 1)
		add(r, "runnable-tasks", "state", DOCTOR_WARNING,
		    sys_fmt("%llu runnable now, the doctor included", running),
		    sys_strdup("other tasks want CPU time at this moment"),
		    sys_strdup("find them: ps -eo pid,stat,pcpu,comm --sort=-pcpu | head -n 15"));
	else
		add(r, "runnable-tasks", "state", DOCTOR_OK,
		    sys_fmt("%llu runnable now, the doctor included", running), NULL, NULL);
}

/* Steal since boot (fixtures) or over the live window, and on a live host,
 * how busy the pinned CPUs were with other work during the window. */
static void check_cpu_time(struct doctor_report *r, const struct doctor_opts *o, const char *s0,
			   const char *s1, const cpu_set_t *cpus)
{
	struct cpu_ticks a = stat_ticks(s0, "cpu"), b = stat_ticks(s1 ? s1 : "", "cpu");
	unsigned long long total = a.total, steal = a.steal;
	const char *when = "since boot";
	double share;

	if (s1 != NULL && b.found && b.total > a.total) {
		total = b.total - a.total;
		steal = b.steal - a.steal;
		when = "in a 0.5 s window";
	}
	if (!a.found || total == 0)
		add(r, "steal-time", "state", DOCTOR_WARNING, sys_strdup("unreadable"),
		    sys_strdup("/proc/stat could not be read"), NULL);
	else if ((share = (double)steal / total) > STEAL_QUIET)
		add(r, "steal-time", "state", DOCTOR_WARNING,
		    sys_fmt("%.1f%% of CPU time %s", 100 * share, when),
		    sys_strdup("the hypervisor gives this guest's CPU time to other guests"),
		    sys_strdup("use a dedicated host or instance (steal cannot be tuned from "
			       "inside the guest)"));
	else
		add(r, "steal-time", "state", DOCTOR_OK,
		    sys_fmt("%.1f%% of CPU time %s", 100 * share, when), NULL, NULL);

	if (s1 == NULL)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		char label[16];
		struct cpu_ticks x, y;
		double busy;

		if (!CPU_ISSET(c, cpus))
			continue;
		snprintf(label, sizeof(label), "cpu%d", c);
		x = stat_ticks(s0, label), y = stat_ticks(s1, label);
		if (!x.found || !y.found || y.total <= x.total)
			continue;
		busy = (double)(y.busy - x.busy) / (y.total - x.total);
		if (busy > BUSY_QUIET) {
			add(r, "pinned-cpus-busy", "state", DOCTOR_WARNING,
			    sys_fmt("cpu%d was %.0f%% busy with other work in a 0.5 s window", c,
				    100 * busy),
			    sys_strdup("a run pinned there would share the CPU"),
			    sys_fmt("find it: ps -eo pid,psr,pcpu,comm --sort=-pcpu | awk "
				    "'NR==1 || $2==%d' | head -n 10",
				    c));
			return;
		}
	}
	add(r, "pinned-cpus-busy", "state", DOCTOR_OK,
	    sys_strdup("the pinned CPUs were idle in a 0.5 s window"), NULL, NULL);
}

static void check_thp(struct doctor_report *r, const struct doctor_opts *o)
{
	char *thp = slurp(o, "/sys/kernel/mm/transparent_hugepage/enabled");

	if (thp == NULL)
		add(r, "transparent-hugepages", "setup", DOCTOR_OK, sys_strdup("not available"),
		    NULL, NULL);
	else if (strstr(thp, "[always]") != NULL)
		add(r, "transparent-hugepages", "setup", DOCTOR_WARNING, sys_fmt("%s", thp),
		    sys_strdup("khugepaged may collapse a server's heap into huge pages during a "
			       "run, which moves the memory figures"),
		    sys_strdup("echo madvise > /sys/kernel/mm/transparent_hugepage/enabled"));
	else
		add(r, "transparent-hugepages", "setup", DOCTOR_OK, sys_fmt("%s", thp), NULL, NULL);
	free(thp);
}

/* A numeric sysctl that must be at least want. */
static void check_sysctl_min(struct doctor_report *r, const struct doctor_opts *o, const char *name,
			     const char *key, long want, const char *why)
{
	char *path = sys_fmt("/proc/sys/%s", key), *v = slurp(o, path);
	char *dotted = sys_strdup(key);

	for (char *p = dotted; *p; p++)
		*p = *p == '/' ? '.' : *p;
	free(path);
	if (v == NULL)
		add(r, name, "setup", DOCTOR_RECORD, sys_fmt("%s unreadable", dotted), NULL, NULL);
	else if (atol(v) < want)
		add(r, name, "setup", DOCTOR_WARNING, sys_fmt("%s = %s", dotted, v),
		    sys_fmt("%s (wanted: %ld or more)", why, want),
		    sys_fmt("sysctl -w %s=%ld", dotted, want));
	else
		add(r, name, "setup", DOCTOR_OK, sys_fmt("%s = %s", dotted, v), NULL, NULL);
	free(v);
	free(dotted);
}

static void check_sysctls(struct doctor_report *r, const struct doctor_opts *o)
{
	char *range = slurp(o, "/proc/sys/net/ipv4/ip_local_port_range");
	char *tw = slurp(o, "/proc/sys/net/ipv4/tcp_tw_reuse");
	long lo = 0, hi = 0;

	check_sysctl_min(r, o, "somaxconn", "net/core/somaxconn", BACKLOG_WANTED,
			 "the kernel caps every listen backlog at this, below the servers' "
			 "--backlog");
	check_sysctl_min(
	    r, o, "syn-backlog", "net/ipv4/tcp_max_syn_backlog", BACKLOG_WANTED,
	    "half-open connections past this get SYN cookies or are dropped in a connect burst");
	if (range == NULL || sscanf(range, "%ld %ld", &lo, &hi) != 2)
		add(r, "local-ports", "setup", DOCTOR_RECORD, sys_strdup("unreadable"), NULL, NULL);
	else if (hi - lo + 1 < PORTS_WANTED)
		add(r, "local-ports", "setup", DOCTOR_WARNING,
		    sys_fmt("net.ipv4.ip_local_port_range = %ld %ld (%ld ports)", lo, hi,
			    hi - lo + 1),
		    sys_fmt("the connect suite opens a connection per request and runs out of "
			    "ports (wanted: %d or more)",
			    PORTS_WANTED),
		    sys_strdup("sysctl -w net.ipv4.ip_local_port_range='1024 65535'"));
	else
		add(r, "local-ports", "setup", DOCTOR_OK,
		    sys_fmt("net.ipv4.ip_local_port_range = %ld %ld (%ld ports)", lo, hi,
			    hi - lo + 1),
		    NULL, NULL);
	add(r, "tcp-tw-reuse", "record", DOCTOR_RECORD,
	    sys_fmt("net.ipv4.tcp_tw_reuse = %s", tw != NULL ? tw : "unreadable"), NULL, NULL);
	free(range);
	free(tw);
}

/* The hard descriptor limit, from root/proc/self/limits ("Max open files"). */
static void check_nofile(struct doctor_report *r, const struct doctor_opts *o)
{
	char *limits = slurp(o, "/proc/self/limits");
	const char *p = limits != NULL ? strstr(limits, "Max open files") : NULL;
	char soft[32], hard[32];

	if (p == NULL || sscanf(p + strlen("Max open files"), "%31s %31s", soft, hard) != 2)
		add(r, "descriptor-limit", "setup", DOCTOR_RECORD, sys_strdup("unreadable"), NULL,
		    NULL);
	else if (strcmp(hard, "unlimited") != 0 && atol(hard) < NOFILE_WANTED)
		add(r, "descriptor-limit", "setup", DOCTOR_WARNING,
		    sys_fmt("soft %s, hard %s", soft, hard),
		    sys_fmt("the harness raises its soft limit to the hard one; below %d the c10k "
			    "suite cannot hold 15,000 idle connections",
			    NOFILE_WANTED),
		    sys_strdup("as root: ulimit -Hn 65536 (or nofile in "
			       "/etc/security/limits.conf)"));
	else
		add(r, "descriptor-limit", "setup", DOCTOR_OK,
		    sys_fmt("soft %s, hard %s", soft, hard), NULL, NULL);
	free(limits);
}

static void check_perf(struct doctor_report *r, const struct doctor_opts *o)
{
	char *paranoid = slurp(o, "/proc/sys/kernel/perf_event_paranoid");
	char *argv[] = {"/bin/sh", "-c",
			"perf stat -x, -e raw_syscalls:sys_enter true 2>&1 >/dev/null | "
			"grep -q raw_syscalls && echo yes",
			NULL};
	char *works;

	if (!o->run_commands) {
		add(r, "perf-tracepoints", "setup", DOCTOR_RECORD,
		    sys_fmt("not probed; perf_event_paranoid = %s",
			    paranoid != NULL ? paranoid : "unreadable"),
		    NULL, NULL);
		free(paranoid);
		return;
	}
	works = sys_first_line(argv);
	if (works != NULL && strcmp(works, "yes") == 0)
		add(r, "perf-tracepoints", "setup", DOCTOR_OK,
		    sys_fmt("perf stat -e raw_syscalls:sys_enter works; perf_event_paranoid = %s",
			    paranoid != NULL ? paranoid : "unreadable"),
		    NULL, NULL);
	else
		add(r, "perf-tracepoints", "setup", DOCTOR_WARNING,
		    sys_fmt("perf stat -e raw_syscalls:sys_enter fails; perf_event_paranoid = %s",
			    paranoid != NULL ? paranoid : "unreadable"),
		    sys_strdup("system calls are then counted with strace, which slows the "
			       "server during the counting pass"),
		    sys_strdup("apt-get install linux-perf && sysctl -w "
			       "kernel.perf_event_paranoid=-1"));
	free(works);
	free(paranoid);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Values kept only to explain differences between kernels and boots. */
static void record_kernel(struct doctor_report *r, const struct doctor_opts *o)
{
	char *cmdline = slurp(o, "/proc/cmdline");
	char *dir = sys_fmt("%s/sys/devices/system/cpu/vulnerabilities", o->root);
	DIR *d = opendir(dir);
	char *all = NULL;
	struct dirent *e;
	char **names = NULL;
	int n = 0;

	add(r, "kernel-cmdline", "record", DOCTOR_RECORD,
	    cmdline != NULL ? cmdline : sys_strdup("unreadable"), NULL, NULL);
	free(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = sys_grow(names, (n + 1) * sizeof(*names));
		names[n++] = sys_strdup(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (int i = 0; i < n; i++) {
		char *path = sys_fmt("/sys/devices/system/cpu/vulnerabilities/%s", names[i]);
		char *v = slurp(o, path), *next;

		next = sys_fmt("%s%s%s: %s", all ? all : "", all ? "; " : "", names[i],
			       v ? v : "unreadable");
		free(all);
		all = next;
		free(v);
		free(path);
		free(names[i]);
	}
	free(names);
	add(r, "cpu-vulnerabilities", "record", DOCTOR_RECORD,
	    all != NULL ? all : sys_strdup("not exposed"), NULL, NULL);
}

void doctor_run(struct doctor_report *r, const struct doctor_opts *o)
{
	cpu_set_t cpus;
	char *s0, *s1 = NULL;

	memset(r, 0, sizeof(*r));
	pinned_cpus(o, &cpus);
	/* The window first, while the doctor itself is still idle. */
	s0 = slurp(o, "/proc/stat");
	if (o->run_commands) {
		sys_sleep(0.5);
		s1 = slurp(o, "/proc/stat");
	}
	check_load(r, o, s1 != NULL ? s1 : s0);
	check_cpu_time(r, o, s0, s1, &cpus);
	check_governor(r, o, &cpus);
	check_boost(r, o);
	check_smt(r, o);
	check_isolation(r, o, &cpus);
	check_irqbalance(r, o);
	check_thp(r, o);
	check_sysctls(r, o);
	check_nofile(r, o);
	check_perf(r, o);
	record_kernel(r, o);
	free(s0);
	free(s1);

	r->quiet = true;
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->f[i].group, "state") == 0 && r->f[i].status == DOCTOR_WARNING)
			r->quiet = false;
}

static const char *status_name(enum doctor_status s)
{
	return s == DOCTOR_OK ? "ok" : s == DOCTOR_WARNING ? "warning" : "recorded";
}

static int warnings(const struct doctor_report *r, const char *group)
{
	int n = 0;

	for (int i = 0; i < r->n; i++)
		n += r->f[i].status == DOCTOR_WARNING && strcmp(r->f[i].group, group) == 0;
	return n;
}

json_t *doctor_json(const struct doctor_report *r)
{
	json_t *root = json_object(), *list = json_array();

	for (int i = 0; i < r->n; i++) {
		const struct doctor_finding *f = &r->f[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(f->name));
		json_object_set_new(o, "group", json_string(f->group));
		json_object_set_new(o, "status", json_string(status_name(f->status)));
		json_object_set_new(o, "value", json_string(f->value));
		json_object_set_new(o, "reason", f->reason ? json_string(f->reason) : json_null());
		json_object_set_new(o, "fix", f->fix ? json_string(f->fix) : json_null());
		json_array_append_new(list, o);
	}
	json_object_set_new(root, "quiet", json_boolean(r->quiet));
	json_object_set_new(root, "warnings",
			    json_integer(warnings(r, "state") + warnings(r, "setup")));
	json_object_set_new(root, "findings", list);
	return root;
}

void doctor_print(FILE *out, const struct doctor_report *r)
{
	static const char *const groups[] = {"state", "setup", "record"};
	static const char *const titles[] = {
	    "State (the machine is quiet when all of these are ok)",
	    "Setup (a warning makes runs noisier or more limited, not wrong)",
	    "Recorded (explains differences between kernels and boots)"};

	fprintf(out, "bench doctor: the machine is %s; %d state and %d setup warnings\n",
		r->quiet ? "quiet" : "NOT quiet", warnings(r, "state"), warnings(r, "setup"));
	for (int g = 0; g < 3; g++) {
		fprintf(out, "\n%s\n", titles[g]);
		for (int i = 0; i < r->n; i++) {
			const struct doctor_finding *f = &r->f[i];

			if (strcmp(f->group, groups[g]) != 0)
				continue;
			fprintf(out, "  %-8s %-22s %.110s%s\n", status_name(f->status), f->name,
				f->value, strlen(f->value) > 110 ? "..." : "");
			if (f->reason != NULL && f->status == DOCTOR_WARNING)
				fprintf(out, "  %-8s %-22s why: %s\n", "", "", f->reason);
			if (f->fix != NULL && f->status == DOCTOR_WARNING)
				fprintf(out, "  %-8s %-22s fix: %s\n", "", "", f->fix);
		}
	}
}

void doctor_free(struct doctor_report *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->f[i].value);
		free(r->f[i].reason);
		free(r->f[i].fix);
	}
	free(r->f);
	memset(r, 0, sizeof(*r));
}

int doctor_main(int argc, char **argv)
{
	static const struct option longs[] = {{"root", required_argument, NULL, 'r'},
					      {"json", no_argument, NULL, 'j'},
					      {"server-cpus", required_argument, NULL, 's'},
					      {"client-cpus", required_argument, NULL, 'c'},
					      {"help", no_argument, NULL, 'h'},
					      {NULL, 0, NULL, 0}};
	struct doctor_opts o = {.root = "", .cpus = {"0", "1"}, .run_commands = true};
	struct doctor_report r;
	bool as_json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.root = optarg;
			o.run_commands = false; /* a fixture: no live window, no probe */
			break;
		case 'j':
			as_json = true;
			break;
		case 's':
			o.cpus[0] = optarg;
			break;
		case 'c':
			o.cpus[1] = optarg;
			break;
		case 'h':
			printf("usage: bench doctor [--json] [--server-cpus L] [--client-cpus L] "
			       "[--root DIR]\n"
			       "Checks whether this machine is fit to measure on; exits 0 when it "
			       "is quiet.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc)
		die("doctor: unexpected argument %s", argv[optind]);
	doctor_run(&r, &o);
	if (as_json) {
		json_t *j = doctor_json(&r);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(j);
	} else
		doctor_print(stdout, &r);
	c = r.quiet ? 0 : 1;
	doctor_free(&r);
	return c;
}
