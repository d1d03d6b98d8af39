/*
 * runner.c - one run of one model under one scenario (see runner.h).
 *
 * The steps are separate functions that share a struct run_ctx: start the
 * server, drive the load, stop the server, judge.  The system call counter
 * (syscount.h) attaches in drive_load() once the server is listening and
 * is read after the server exited, so its total covers the same life as
 * the server's own request count.
 *
 * Interference (issue 13).  A run's figures are the server's only if
 * nothing else ran on its cores, so every run also measures the host
 * around it (run/hoststat.h):
 *
 *   - The window is the load generator's life, warm-up included: the
 *     kernel's counters (/proc/stat per CPU, the TCP counters) are read
 *     just before it starts and just after it exits.  Its measured part
 *     alone has no edge the harness sees; the warm-up is loaded exactly
 *     like it, so the whole life is the closest window that has both ends.
 *   - Our own CPU time in that window is subtracted from the busy time of
 *     the union of the server's and the client's cores: the server tree's
 *     (/proc/PID/stat of its process group at both ends, not wait4's
 *     whole-life figure, which would include start-up and shutdown), the
 *     load generator's (wait4: its life is the window), the harness's
 *     (it sleeps pinned to the client cores and scans /proc every 100 ms)
 *     and the system call counter's in the pass.  What is left is
 *     foreign_cpu_share: other processes, and kernel work not charged to
 *     any task (interrupts), as a share of the pinned cores' time.
 *   - disturbed: foreign CPU above DISTURBED_SHARE (5%) of the pinned
 *     cores, or steal above STEAL_SHARE (1%).  5% because a quiet run
 *     stays well below it (1.5% in one check by hand: epoll and loadgen
 *     used 433 ticks of CPUs 0-1 in 2.3 s, /proc/stat counted 440 busy;
 *     twelve quiet harness runs: 0.0% to 2.0%;
 *     /proc/stat counts in 10 ms ticks and the harness's scans are counted
 *     as ours), while a job taking 5% of the server's
 *     core costs a CPU-bound server up to that much throughput - the size
 *     of change a comparison is asked to see.  Steal has no baseline at
 *     all on a host that is not overcommitted, so 1% already tells.
 *   - client-bound: the load generator used more than CLIENT_BOUND_SHARE
 *     (90%) of its cores over the window (its wait4 CPU / (window x client
 *     cores); loadgen's own client_cpu_s covers warm-up and measured part
 *     but is divided by nothing that long in its JSON): the figures then
 *     measure the client as much as the server.
 *   A window shorter than MARK_MIN_WINDOW_S (0.3 s) earns no mark: at
 *     10 ms ticks its shares cannot resolve 5%; its figures are kept.
 *   Marked runs stay ok with their figures (runs.csv column flags, the why
 *     appended to reason); the report says which cells rest on them, and
 *     adaptive repetitions retry the disturbed ones.
 *   - Also per run: the server tree's voluntary and involuntary context
 *     switches per request (wait4's ru_nvcsw, ru_nivcsw, its whole life
 *     like its CPU time), the host-wide ListenOverflows, ListenDrops and
 *     RetransSegs deltas (the whole network namespace: other jobs' sockets
 *     count too), the CPU-speed control timed just before the server
 *     starts with the harness pinned for a moment to the server's cores,
 *     and io-uring's mode from its log.
 *
 * Coordinated runs (--clients, issue 17).  The load comes from agents
 * (run/agents.h) instead of one loadgen child: drive_load() runs the
 * coordinator on a thread and keeps sampling the server meanwhile; the
 * agents' merged document lands where loadgen's --json would, so judging
 * and recording are unchanged.  A failed coordination fails the row with
 * its reason.  Such runs earn no interference marks: their load generators
 * are other processes, maybe on other hosts, whose CPU this host's
 * counters cannot tell apart from foreign work.  --server-host netns:NAME
 * starts the server through `ip netns exec` (its pid, group, memory and
 * CPU are then read as for a local server); --server-addr is the address
 * it binds and the agents connect to.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/lgjson.h"
#include "data/sys.h"
#include "run/hoststat.h"
#include "run/proc.h"
#include "run/runner.h"

#define START_TIMEOUT_S 5.0	/* server must print "listening on" by then */
#define STOP_TIMEOUT_S 2.0	/* ... and exit this long after SIGTERM */
#define SAMPLE_EVERY_S 0.1	/* memory sampling period */
#define DISTURBED_SHARE 0.05	/* foreign CPU, share of the pinned cores (see above) */
#define STEAL_SHARE 0.01	/* steal, share of the pinned cores */
#define CLIENT_BOUND_SHARE 0.90 /* load generator CPU, share of its cores */
/* /proc/stat counts 10 ms ticks: over a shorter window than this, 5% of
 * two cores is under 3 ticks, so the figures are kept but earn no mark. */
#define MARK_MIN_WINDOW_S 0.3

struct run_ctx {
	const struct runner_env *env;
	const struct scenario *sc;
	const char *model;
	int rep;
	char *out_log, *err_log, *lg_log, *json_path, *hgrm_path;
	char addr[96]; /* "127.0.0.1:PORT" */
	pid_t server, loadgen;
	double duration_s, warmup_s;
	/* What happened, filled by the steps. */
	bool crashed, stalled, lg_hung, interrupted;
	int server_status, lg_status, leftovers;
	struct rusage server_ru;
	long peak_rss_kb;
	struct syscount counter;
	char *syscalls_base; /* the counter's files, without their suffix */
	double syscalls;     /* NAN when not counted */
	/* The interference window (the load generator's life). */
	struct host_counters *before, *after;
	bool window;	     /* both snapshots were taken */
	double own_cpu_s;    /* our processes' CPU in the window, but the load generator */
	struct rusage lg_ru; /* the load generator's, from wait4 */
	double cpu_speed_ns; /* the CPU-speed control, NAN if not timed */
	/* A coordinated run (env->agents): its outcome. */
	bool agents_failed;
	char agents_err[400];
};

char *runner_run_name(const struct scenario *sc, const char *model, int rep, int pass)
{
	if (rep == 0 && pass > 1)
		return sys_fmt("%s-%s-0-%d", sc->name, model, pass);
	return sys_fmt("%s-%s-%d", sc->name, model, rep);
}

/* Measured seconds of one run: --duration, else the scenario's, else the
 * suite's; the system call pass is shorter. */
static double measured_s(const struct runner_env *env, const struct scenario *sc, int rep)
{
	double d = env->duration_s > 0	? env->duration_s
		   : sc->duration_s > 0 ? sc->duration_s
					: env->suite->duration_s;

	if (rep == 0 && env->suite->syscalls_s > 0 && env->suite->syscalls_s < d)
		d = env->suite->syscalls_s;
	return d;
}

/* Seconds of load before the measured window.  A system call pass has
 * none: it counts the server's whole life, connections and all, per
 * request it served, so it has nothing to warm up for. */
static double warmup_s(const struct runner_env *env, const struct scenario *sc, int rep)
{
	if (rep == 0)
		return 0;
	return sc->warmup_s > 0 ? sc->warmup_s : env->suite->warmup_s;
}

double runner_planned_s(const struct runner_env *env, const struct scenario *sc, int rep)
{
	return measured_s(env, sc, rep) + warmup_s(env, sc, rep);
}

bool runner_counts_syscalls(const struct runner_env *env, const struct scenario *sc)
{
	return env->syscalls != SYSCOUNT_NONE && !sc->subscribe[0];
}

static void ctx_init(struct run_ctx *c, const struct runner_env *env, const struct scenario *sc,
		     const char *model, int rep, int pass)
{
	/* With several builds, each build's files carry its label, as the
	 * report's cells do (data/agg.h: "epoll@A"). */
	char *key = env->build_label && env->build_label[0]
			? sys_fmt("%s@%s", model, env->build_label)
			: sys_strdup(model);
	char *name = runner_run_name(sc, key, rep, pass);

	free(key);
	memset(c, 0, sizeof(*c));
	c->env = env;
	c->sc = sc;
	c->model = model;
	c->rep = rep;
	c->out_log = sys_fmt("%s/logs/%s.server.out", env->outdir, name);
	c->err_log = sys_fmt("%s/logs/%s.server.err", env->outdir, name);
	c->lg_log = sys_fmt("%s/logs/%s.loadgen.txt", env->outdir, name);
	c->syscalls_base = sys_fmt("%s/logs/%s.syscalls", env->outdir, name);
	c->json_path = sys_fmt("%s/hist/%s.json", env->outdir, name);
	c->hgrm_path = sys_fmt("%s/hist/%s.hgrm", env->outdir, name);
	c->duration_s = measured_s(env, sc, rep);
	c->warmup_s = warmup_s(env, sc, rep);
	c->server = c->loadgen = -1;
	c->counter.pid = -1;
	c->syscalls = NAN;
	c->cpu_speed_ns = NAN;
	c->before = sys_alloc(sizeof(*c->before));
	c->after = sys_alloc(sizeof(*c->after));
	free(name);
}

static double tv_us(struct timeval tv)
{
	return tv.tv_sec * 1e6 + tv.tv_usec;
}

/* Most runs print nothing on stderr: drop empty logs, keep the telling ones. */
static void drop_if_empty(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_size == 0)
		unlink(path);
}

static void ctx_free(struct run_ctx *c)
{
	drop_if_empty(c->err_log);
	free(c->out_log);
	free(c->err_log);
	free(c->lg_log);
	free(c->syscalls_base);
	free(c->json_path);
	free(c->hgrm_path);
	free(c->before);
	free(c->after);
}

/* An argument vector built up one formatted argument at a time. */
struct args {
	char *v[48];
	int n;
};

static void arg(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n >= (int)(sizeof(a->v) / sizeof(a->v[0])) - 1)
		die("too many arguments");
	va_start(ap, fmt);
	if (vasprintf(&a->v[a->n++], fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* The last line of a log file, for failure reasons ("" if none). */
static void last_line(const char *path, char *buf, size_t size)
{
	char *text = sys_read_file(path, NULL), *end, *start;

	buf[0] = '\0';
	if (!text)
		return;
	end = text + strlen(text);
	while (end > text && end[-1] == '\n')
		*--end = '\0';
	start = strrchr(text, '\n');
	sys_copy(buf, size, start ? start + 1 : text);
	free(text);
}

static void server_args(const struct run_ctx *c, struct args *a)
{
	const struct scenario *sc = c->sc;
	long work_us = c->env->work_us >= 0 ? c->env->work_us : sc->work_us;

	if (c->env->server_ns)
		arg(a, "ip"), arg(a, "netns"), arg(a, "exec"), arg(a, "%s", c->env->server_ns);
	arg(a, "%s/server-%s", c->env->build_dir, c->model);
	arg(a, "--proto");
	arg(a, "%s", sc->proto);
	arg(a, "--host");
	arg(a, "%s", c->env->server_addr ? c->env->server_addr : "127.0.0.1");
	arg(a, "--port");
	arg(a, "0");
	if (sc->workers > 0)
		arg(a, "--workers"), arg(a, "%d", sc->workers);
	if (sc->delay_us > 0)
		arg(a, "--delay-us"), arg(a, "%ld", sc->delay_us);
	if (work_us > 0)
		arg(a, "--work-us"), arg(a, "%ld", work_us);
	if (sc->delay_blocking)
		arg(a, "--delay-blocking");
	if (sc->subscribe[0])
		arg(a, "--publish-hz"), arg(a, "%g", sc->publish_hz);
}

/* A scenario may place the server and the load generator itself (the CPU
 * work experiment gives the server both cores). */
static const char *server_cpus(const struct run_ctx *c)
{
	return c->sc->server_cpus[0] ? c->sc->server_cpus : c->env->server_cpus;
}

static const char *client_cpus(const struct run_ctx *c)
{
	return c->sc->client_cpus[0] ? c->sc->client_cpus : c->env->client_cpus;
}

/* The scenario's request timeout, else the suite's (slow-block-10ms-c100
 * waits a second per request by design). */
static int request_timeout_ms(const struct run_ctx *c)
{
	return c->sc->timeout_ms > 0 ? c->sc->timeout_ms : c->env->suite->timeout_ms;
}

/* Load generator threads: the scenario's, else one per client CPU. */
static int loadgen_threads(const struct run_ctx *c)
{
	int threads = c->sc->threads > 0 ? c->sc->threads : proc_cpu_count(client_cpus(c));

	if (threads < 1)
		threads = 1;
	return threads > c->sc->connections ? c->sc->connections : threads;
}

/* Starts the server and waits for "listening on HOST:PORT".  Returns 0, or
 * -1 with the row marked failed. */
static int start_server(struct run_ctx *c, struct run_row *row)
{
	struct args a = {.n = 0};
	struct proc_spawn sp = {.cpus = server_cpus(c),
				.out_path = c->out_log,
				.err_path = c->err_log,
				.new_group = true,
				.die_with_parent = true};
	char line[160];
	int rc;

	server_args(c, &a);
	sp.argv = a.v;
	c->server = proc_start(&sp);
	args_free(&a);
	if (c->server < 0) {
		results_row_fail(row, "cannot fork: %s", strerror(errno));
		return -1;
	}
	rc = proc_wait_line(c->out_log, "listening on ", line, sizeof(line), c->server,
			    START_TIMEOUT_S);
	if (rc == 0 && sscanf(line, "listening on %95s", c->addr) == 1)
		return 0;
	last_line(c->err_log, line, sizeof(line));
	if (rc == -2)
		results_row_fail(row, "server exited before listening: %s", line);
	else
		results_row_fail(row, "server did not print 'listening on' within %.0f s: %s",
				 START_TIMEOUT_S, line);
	return -1;
}

/* The options every load generator of the run gets alike: length,
 * timeouts, protocol and target (the agents get these too). */
static void shared_args(const struct run_ctx *c, struct args *a)
{
	const struct scenario *sc = c->sc;

	if (sc->subscribe[0])
		arg(a, "--subscribe"), arg(a, "%s", sc->subscribe);
	arg(a, "-d"), arg(a, "%gs", c->duration_s);
	arg(a, "--warmup"), arg(a, "%gs", c->warmup_s);
	arg(a, "--timeout"), arg(a, "%dms", request_timeout_ms(c));
	if (sc->pipeline > 1)
		arg(a, "--pipeline"), arg(a, "%d", sc->pipeline);
	if (!sc->keepalive)
		arg(a, "--no-keepalive");
	if (strcmp(sc->proto, "echo") == 0) {
		arg(a, "--proto"), arg(a, "echo");
		arg(a, "--size"), arg(a, "%d", sc->size);
		arg(a, "%s", c->addr);
	} else {
		arg(a, "http://%s/", c->addr);
	}
}

/* One local loadgen: the shares the agents split, the outputs, the rest. */
static void loadgen_args(const struct run_ctx *c, struct args *a)
{
	const struct scenario *sc = c->sc;

	arg(a, "%s", c->env->loadgen);
	arg(a, "-t"), arg(a, "%d", loadgen_threads(c));
	arg(a, "-c"), arg(a, "%d", sc->connections);
	if (sc->rate > 0)
		arg(a, "-R"), arg(a, "%ld", sc->rate);
	if (sc->idle > 0)
		arg(a, "--idle"), arg(a, "%d", sc->idle);
	arg(a, "--json"), arg(a, "%s", c->json_path);
	arg(a, "--hgrm"), arg(a, "%s", c->hgrm_path);
	shared_args(c, a);
}

/* CPU seconds our own processes have used so far, but the load generator:
 * the server's process group, the harness itself, and the system call
 * counter if one is attached. */
/* Where the host counters are read: "" (the real /proc), or for a test
 * that must not depend on the machine's load, BENCH_PROC_ROOT, a folder
 * with a fixed proc/stat (a run then sees no foreign CPU and no steal). */
static const char *host_root(void)
{
	const char *root = getenv("BENCH_PROC_ROOT");

	return root ? root : "";
}

static double own_cpu_s(const struct run_ctx *c)
{
	struct rusage self;
	double s = host_group_cpu_s(c->server, 0);

	if (getrusage(RUSAGE_SELF, &self) == 0)
		s += (tv_us(self.ru_utime) + tv_us(self.ru_stime)) / 1e6;
	if (c->counter.pid > 0)
		s += host_group_cpu_s(0, c->counter.pid);
	return s;
}

/* A coordinated run on its own thread, so that drive_agents() keeps
 * watching the server. */
struct agents_job {
	struct run_ctx *c;
	struct agents_run run;
	volatile sig_atomic_t stop; /* the harness stops, or the server died */
	volatile int done, rc;
};

static void *agents_thread(void *arg)
{
	struct agents_job *j = arg;

	j->rc = agents_run(j->c->env->agents, &j->run, j->c->agents_err, sizeof(j->c->agents_err));
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* drive_load() for --clients: the agents instead of one loadgen. */
static void drive_agents(struct run_ctx *c)
{
	struct args shared = {.n = 0};
	char *base = sys_fmt("%s/logs/%s-%s-%d", c->env->outdir, c->sc->name, c->model, c->rep);
	struct agents_job j = {.c = c};
	pthread_t tid;

	shared_args(c, &shared);
	j.run = (struct agents_run){.args = shared.v,
				    .threads = loadgen_threads(c),
				    .threads_fixed = c->sc->threads > 0,
				    .connections = c->sc->connections,
				    .rate = (double)c->sc->rate,
				    .idle = c->sc->idle,
				    .run_s = c->duration_s + c->warmup_s +
					     request_timeout_ms(c) / 1000.0 + c->sc->idle / 1000.0,
				    .log_base = base,
				    .json_path = c->json_path,
				    .hgrm_path = c->hgrm_path,
				    .stopping = &j.stop};
	if ((errno = pthread_create(&tid, NULL, agents_thread, &j)))
		die("pthread_create: %s", strerror(errno));
	while (!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE)) {
		long rss = proc_group_rss_kb(c->server);

		if (rss > c->peak_rss_kb)
			c->peak_rss_kb = rss;
		sys_sleep(SAMPLE_EVERY_S);
		if (!proc_alive(c->server))
			c->crashed = true;
		c->interrupted = *c->env->stopping;
		if (c->crashed || c->interrupted)
			j.stop = 1;
	}
	pthread_join(tid, NULL);
	c->agents_failed = j.rc != 0;
	c->interrupted = *c->env->stopping;
	if (!proc_alive(c->server))
		c->crashed = true;
	args_free(&shared);
	free(base);
}

/* Runs the load generator to completion while watching the server: samples
 * the memory of its process group and notices if it dies. */
static void drive_load(struct run_ctx *c)
{
	struct args a = {.n = 0};
	struct proc_spawn sp = {.cpus = client_cpus(c),
				.out_path = c->lg_log,
				.err_path = c->lg_log,
				.die_with_parent = true};
	/* Opening thousands of idle connections takes time too. */
	double deadline = sys_now() + c->duration_s + c->warmup_s + request_timeout_ms(c) / 1000.0 +
			  10 +
			  (c->sc->idle + (c->sc->subscribe[0] ? c->sc->connections : 0)) / 1000.0;
	struct rusage ru;
	double own0;

	unlink(c->json_path);
	if (c->rep == 0 && c->env->syscalls != SYSCOUNT_NONE &&
	    syscount_attach(&c->counter, c->env->syscalls, c->server, client_cpus(c),
			    c->syscalls_base) < 0)
		sys_warn("%s: cannot count system calls, see %s.log", c->model, c->syscalls_base);
	if (c->env->agents) {
		drive_agents(c);
		return;
	}
	loadgen_args(c, &a);
	sp.argv = a.v;
	own0 = own_cpu_s(c);
	host_counters_read(c->before, host_root());
	c->loadgen = proc_start(&sp);
	args_free(&a);
	while (c->loadgen > 0) {
		long rss = proc_group_rss_kb(c->server);

		if (rss > c->peak_rss_kb)
			c->peak_rss_kb = rss;
		if (proc_wait(c->loadgen, SAMPLE_EVERY_S, &c->lg_status, &ru) == 0) {
			host_counters_read(c->after, host_root());
			c->own_cpu_s = own_cpu_s(c) - own0;
			c->lg_ru = ru;
			c->window = true;
			break;
		}
		if (!proc_alive(c->server))
			c->crashed = true;
		c->interrupted = *c->env->stopping;
		c->lg_hung = sys_now() > deadline;
		if (c->crashed || c->interrupted || c->lg_hung) {
			kill(c->loadgen, SIGKILL);
			proc_wait(c->loadgen, 1.0, &c->lg_status, &ru);
			break;
		}
	}
	if (proc_alive(c->server) == false)
		c->crashed = true;
}

/* SIGTERM, then 2 s to exit; a stalled server gets SIGKILL.  Whatever is
 * left of its process group afterwards is killed and counted. */
static void stop_server(struct run_ctx *c)
{
	if (!c->crashed)
		kill(c->server, SIGTERM);
	if (proc_wait(c->server, STOP_TIMEOUT_S, &c->server_status, &c->server_ru) < 0) {
		c->stalled = true;
		kill(-c->server, SIGKILL);
		proc_wait(c->server, 1.0, &c->server_status, &c->server_ru);
	}
	c->leftovers = proc_kill_group(c->server, &c->server_ru);
	c->syscalls = syscount_finish(&c->counter);
}

/* A counter from the server's "stats: ... NAME=N" line, or NAN if it
 * printed none. */
static double server_stat(const struct run_ctx *c, const char *name)
{
	char *text = sys_read_file(c->out_log, NULL), *p, *key = sys_fmt(" %s=", name);
	double n = NAN;

	p = text ? strstr(text, "\nstats: ") : NULL;
	p = p ? strstr(p, key) : NULL;
	if (p)
		n = strtod(p + strlen(key), NULL);
	free(text);
	free(key);
	return n;
}

static double server_requests(const struct run_ctx *c)
{
	return server_stat(c, "requests");
}

/* Failures of the server process: crash, stall, bad exit, leftovers.
 * Returns 1 if the row failed. */
static int judge_server(const struct run_ctx *c, struct run_row *row)
{
	char how[96];

	proc_describe(c->server_status, how, sizeof(how));
	if (c->crashed)
		results_row_fail(row, "server died during the run (%s)", how);
	else if (c->stalled)
		results_row_fail(row, "server stalled: still running %.0f s after SIGTERM",
				 STOP_TIMEOUT_S);
	else if (!WIFEXITED(c->server_status) || WEXITSTATUS(c->server_status))
		results_row_fail(row, "server ended with %s after SIGTERM", how);
	else if (c->leftovers)
		results_row_fail(row, "server left %d processes behind", c->leftovers);
	else
		return 0;
	return 1;
}

/* Appends "; text" (or text, if reason is empty) to the row's reason. */
static void add_reason(struct run_row *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_reason(struct run_row *row, const char *fmt, ...)
{
	size_t len = strlen(row->reason);
	va_list ap;

	if (len && len + 2 < sizeof(row->reason))
		len += snprintf(row->reason + len, sizeof(row->reason) - len, "; ");
	va_start(ap, fmt);
	if (len < sizeof(row->reason))
		vsnprintf(row->reason + len, sizeof(row->reason) - len, fmt, ap);
	va_end(ap);
}

static void add_flag(struct run_row *row, const char *flag)
{
	size_t len = strlen(row->flags);

	snprintf(row->flags + len, sizeof(row->flags) - len, "%s%s", len ? "+" : "", flag);
}

static double counter_or_nan(long long v)
{
	return v < 0 ? NAN : (double)v;
}

/* The interference figures of the window and the marks they earn. */
static void judge_host(const struct run_ctx *c, const struct loadgen_summary *lg,
		       struct run_row *row)
{
	char *cpus = sys_fmt("%s,%s", server_cpus(c), client_cpus(c));
	int client_cores = proc_cpu_count(client_cpus(c));
	double lg_cpu = (tv_us(c->lg_ru.ru_utime) + tv_us(c->lg_ru.ru_stime)) / 1e6;
	struct host_window w;

	row->m[MET_CPU_SPEED] = c->cpu_speed_ns;
	if (!c->window ||
	    host_window_of(c->before, c->after, cpus, c->own_cpu_s + lg_cpu, &w) < 0) {
		free(cpus);
		return;
	}
	if (w.seconds > 0 && client_cores > 0)
		row->m[MET_CLIENT_SHARE] = lg_cpu / (w.seconds * client_cores);
	if (row->m[MET_CLIENT_SHARE] > CLIENT_BOUND_SHARE && w.seconds >= MARK_MIN_WINDOW_S) {
		add_flag(row, "client-bound");
		add_reason(row, "client-bound: the load generator used %.0f%% of CPU %s",
			   100 * row->m[MET_CLIENT_SHARE], client_cpus(c));
	}
	{
		double steal_share =
		    w.seconds > 0 ? w.pinned_steal_s / (w.seconds * w.pinned_cores) : 0;

		row->m[MET_FOREIGN_CPU] = w.foreign_share;
		row->m[MET_STEAL] = w.pinned_steal_s;
		row->m[MET_LISTEN_OVERFLOWS] = counter_or_nan(w.listen_overflows);
		row->m[MET_LISTEN_DROPS] = counter_or_nan(w.listen_drops);
		row->m[MET_RETRANS] = counter_or_nan(w.retrans_segs);
		if ((w.foreign_share > DISTURBED_SHARE || steal_share > STEAL_SHARE) &&
		    w.seconds >= MARK_MIN_WINDOW_S) {
			add_flag(row, "disturbed");
			if (w.foreign_share > DISTURBED_SHARE)
				add_reason(row,
					   "disturbed: foreign CPU %.0f%% of CPU %s (%.2f s of "
					   "%.2f s x %d)",
					   100 * w.foreign_share, cpus, w.foreign_s, w.seconds,
					   w.pinned_cores);
			if (steal_share > STEAL_SHARE)
				add_reason(row, "disturbed: steal %.1f%% of CPU %s",
					   100 * steal_share, cpus);
		}
	}
	free(cpus);
}

/* io-uring's last words before its stats line: "io_uring: accept
 * multishot, receive single-shot" (servers/io-uring.c).  Both the same
 * gives one word. */
static void io_uring_mode(const struct run_ctx *c, struct run_row *row)
{
	char *text = sys_read_file(c->out_log, NULL), *p, acc[16], rcv[16];

	p = text ? strstr(text, "io_uring: accept ") : NULL;
	if (p && sscanf(p, "io_uring: accept %15[a-z-], receive %15[a-z-]", acc, rcv) == 2) {
		if (strcmp(acc, rcv) == 0)
			sys_copy(row->io_uring_mode, sizeof(row->io_uring_mode), acc);
		else
			snprintf(row->io_uring_mode, sizeof(row->io_uring_mode),
				 "accept %s, receive %s", acc, rcv);
	}
	free(text);
}

/* Copies the measured figures into the row. */
static void fill_row(const struct run_ctx *c, const struct loadgen_summary *lg, double served,
		     struct run_row *row)
{
	double user = tv_us(c->server_ru.ru_utime), sys = tv_us(c->server_ru.ru_stime);

	/* Every metric the load generator reports (data/metrics.h), then the
	 * ones the harness measures itself. */
	for (int i = 0; i < METRICS; i++)
		if (metrics[i].json || i == MET_ERRORS)
			row->m[i] = lg->m[i];
	row->m[MET_MBPS] =
	    lg->m[MET_DURATION] > 0 ? lg->bytes_read / lg->m[MET_DURATION] / 1e6 : NAN;
	row->m[MET_REFUSED] = server_stat(c, "refused");
	/* The server's CPU covers its whole life, warm-up included, so it is
	 * divided by the requests it served in that life (its own count). */
	row->m[MET_SERVER_REQUESTS] = served;
	if (served > 0) {
		row->m[MET_USER] = user / served;
		row->m[MET_SYS] = sys / served;
		row->m[MET_CPU] = (user + sys) / served;
		row->m[MET_SYSCALLS] = c->syscalls / served;
		row->m[MET_VCSW] = c->server_ru.ru_nvcsw / served;
		row->m[MET_IVCSW] = c->server_ru.ru_nivcsw / served;
	}
	/* ru_maxrss is the largest single process; the samples are the sum
	 * over the tree.  Keep whichever is larger. */
	row->m[MET_RSS] =
	    c->peak_rss_kb > c->server_ru.ru_maxrss ? c->peak_rss_kb : c->server_ru.ru_maxrss;
	lgjson_describe_errors(lg, row->reason, sizeof(row->reason));
	judge_host(c, lg, row);
}

/* The fewest requests the server can have answered: every request the load
 * generator verified, measured or warm-up.  A request sent at the end of the
 * warm-up may be counted in both, so up to one per connection and pipeline
 * slot is forgiven.  The warm-up figure counts requests sent, so when any
 * request failed (a refused connection, a timeout) it holds failures too
 * and only the measured, verified count is a floor. */
static double least_served(const struct run_ctx *c, const struct loadgen_summary *lg)
{
	double in_flight = (double)c->sc->connections * c->sc->pipeline;
	double warmup = lgjson_errors(lg) > 0 ? 0 : lg->warmup_requests;
	double least = lg->m[MET_REQUESTS] + warmup - in_flight;

	return least > lg->m[MET_REQUESTS] ? least : lg->m[MET_REQUESTS];
}

/* What the load generator said about its failure: its "loadgen: ..." line,
 * else its last line. */
static void loadgen_complaint(const char *path, char *buf, size_t size)
{
	char *text = sys_read_file(path, NULL), *p = text;

	while (p && *p && strncmp(p, "loadgen: ", 9) != 0)
		p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL;
	if (p && *p) {
		p[strcspn(p, "\n")] = '\0';
		sys_copy(buf, size, p + 9);
	} else {
		last_line(path, buf, size);
	}
	free(text);
}

/* Failures seen by the load generator: it hung or failed, a response was
 * wrong, or the server's own count disagrees.  Else the row gets numbers. */
static void judge_load(const struct run_ctx *c, struct run_row *row)
{
	struct loadgen_summary lg;
	char err[256], errors[160], how[64];
	double served = server_requests(c);
	int have_json = lgjson_load(c->json_path, &lg, err, sizeof(err)) == 0;

	if (c->agents_failed) {
		results_row_fail(row, "%s", c->agents_err);
		return;
	}
	proc_describe(c->lg_status, how, sizeof(how));
	if (c->lg_hung)
		results_row_fail(row, "loadgen did not finish in time");
	else if (have_json && lg.err_bad_response > 0)
		results_row_fail(row, "%.0f bad responses", lg.err_bad_response);
	else if (have_json && lg.m[MET_ADDRNOTAVAIL] > 0) {
		/* Errors of the client's machine are no measure of the server. */
		results_row_fail(row,
				 "ports ran out: %.0f connects failed with EADDRNOTAVAIL "
				 "(ephemeral ports exhausted, see TIME_WAIT)",
				 lg.m[MET_ADDRNOTAVAIL]);
		row->m[MET_ADDRNOTAVAIL] = lg.m[MET_ADDRNOTAVAIL];
	} else if (!WIFEXITED(c->lg_status) || WEXITSTATUS(c->lg_status)) {
		if (have_json)
			lgjson_describe_errors(&lg, errors, sizeof(errors));
		if (!have_json || !errors[0])
			loadgen_complaint(c->lg_log, errors, sizeof(errors));
		results_row_fail(row, "loadgen %s: %s", how, errors);
	} else if (!have_json)
		results_row_fail(row, "%s", err);
	else if (isnan(served))
		results_row_fail(row, "server printed no 'stats:' line at exit");
	else if (strcmp(c->sc->proto, "http") == 0 && served < least_served(c, &lg))
		results_row_fail(row,
				 "server counted %.0f requests, loadgen verified at least %.0f",
				 served, least_served(c, &lg));
	else
		fill_row(c, &lg, served, row);
}

/* A failed run has no throughput, but some facts still tell its story:
 * how many connections the server refused (select past FD_SETSIZE), and
 * how many idle connections were open. */
static void keep_failure_facts(const struct run_ctx *c, struct run_row *row)
{
	struct loadgen_summary lg;
	char err[256];

	row->m[MET_REFUSED] = server_stat(c, "refused");
	if (lgjson_load(c->json_path, &lg, err, sizeof(err)) == 0) {
		row->m[MET_IDLE_ESTABLISHED] = lg.m[MET_IDLE_ESTABLISHED];
		row->m[MET_IDLE_ALIVE] = lg.m[MET_IDLE_ALIVE];
		row->m[MET_ADDRNOTAVAIL] = lg.m[MET_ADDRNOTAVAIL];
		/* How many subscribers a push run still held. */
		row->m[MET_SUBSCRIBED] = lg.m[MET_SUBSCRIBED];
	}
}

/* The 1-minute load average: above the number of CPUs, other jobs were
 * competing with the run for the cores. */
static double host_load(void)
{
	char *text = sys_read_file("/proc/loadavg", NULL);
	double v = text ? strtod(text, NULL) : NAN;

	free(text);
	return v;
}

/* The CPU-speed control, timed with the harness pinned for a moment to
 * the server's cores (nothing of the run is running yet), then put back
 * where it was.  NAN if it cannot be pinned there. */
static double cpu_speed(const struct run_ctx *c)
{
	cpu_set_t saved;
	double ns = NAN;

	if (sched_getaffinity(0, sizeof(saved), &saved) < 0)
		return NAN;
	if (proc_pin(server_cpus(c)) == 0)
		ns = host_cpu_speed_ns();
	sched_setaffinity(0, sizeof(saved), &saved);
	return ns;
}

int runner_run(const struct runner_env *env, const struct scenario *sc, const char *model, int rep,
	       int pass, struct run_row *row)
{
	struct run_ctx c;
	int rc = 0;

	ctx_init(&c, env, sc, model, rep, pass);
	results_row_init(row, env->suite->name, sc, model, rep);
	sys_copy(row->server_cpus, sizeof(row->server_cpus), server_cpus(&c));
	sys_copy(row->client_cpus, sizeof(row->client_cpus), client_cpus(&c));
	row->loadgen_threads = loadgen_threads(&c);
	row->host_load = host_load();
	if (env->work_us >= 0)
		row->work_us = env->work_us;
	c.cpu_speed_ns = cpu_speed(&c);
	if (start_server(&c, row) == 0)
		drive_load(&c);
	if (c.server > 0)
		stop_server(&c);
	if (c.interrupted)
		rc = -1;
	else if (strcmp(row->status, "ok") == 0 && !judge_server(&c, row))
		judge_load(&c, row);
	if (!c.interrupted && strcmp(row->status, "failed") == 0 && c.server > 0)
		keep_failure_facts(&c, row);
	if (!c.interrupted && c.server > 0)
		io_uring_mode(&c, row);
	ctx_free(&c);
	return rc;
}
