/*
 * plan.c - runs a suite from start to end (see plan.h).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "data/results.h"
#include "data/sys.h"
#include "run/batch.h"
#include "run/meta_write.h"
#include "run/models.h"
#include "run/plan.h"
#include "run/proc.h"
#include "run/progress.h"
#include "run/runner.h"
#include "run/syscount.h"

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The harness sleeps on the client CPUs so its sampling never steals time
 * from the server, and lets its children open as many sockets as the
 * system allows (the C10K scenarios need more than 1024). */
static void setup_process(const struct run_opts *o)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	struct rlimit rl;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	proc_init();
	if (proc_pin(o->client_cpus) < 0)
		sys_warn("cannot pin the harness to CPUs %s", o->client_cpus);
}

/* meta.json says how system calls were counted (or why not) and how
 * many descriptors the servers and the load generator may open. */
static void record_limits(const char *dir, enum syscount_method syscalls, const char *why)
{
	struct rlimit rl;
	char *note;

	meta_set(dir, "syscalls_counter", syscount_name(syscalls));
	meta_set(dir, "syscalls_note", why);
	if (syscalls != SYSCOUNT_NONE)
		meta_set(dir, "syscalls_pass",
			 "rep 0 of every scenario x model is a short extra run (suite key "
			 "syscalls_s) with the counter attached; syscalls_per_req comes from it "
			 "and its other figures are in no median, so counting never slows the "
			 "measured repetitions");
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	meta_set_int(dir, "nofile_limit", (long long)rl.rlim_cur);
	note = sys_fmt("the harness raised its RLIMIT_NOFILE soft limit to the hard limit "
		       "(%llu); servers and the load generator inherit it, so each may hold "
		       "that many descriptors",
		       (unsigned long long)rl.rlim_max);
	meta_set(dir, "nofile_note", note);
	free(note);
}

/* meta.json "core_split": where the server and the load generator ran, for
 * the scenarios that place them themselves and for the rest. */
static void record_core_split(const char *dir, const struct suite *s, const struct run_opts *o)
{
	char *text = sys_fmt("server on CPUs %s, load generator on CPUs %s (one thread per CPU)",
			     o->server_cpus, o->client_cpus);

	for (int i = 0; i < s->n_scenarios; i++) {
		const struct scenario *sc = &s->scenarios[i];
		char *more;

		if (!sc->server_cpus[0] && !sc->client_cpus[0])
			continue;
		more =
		    sys_fmt("%s; %s: server on CPUs %s, load generator on CPUs %s with %d "
			    "thread(s)",
			    text, sc->name, sc->server_cpus[0] ? sc->server_cpus : o->server_cpus,
			    sc->client_cpus[0] ? sc->client_cpus : o->client_cpus,
			    sc->threads > 0 ? sc->threads
					    : proc_cpu_count(sc->client_cpus[0] ? sc->client_cpus
										: o->client_cpus));
		free(text);
		text = more;
	}
	meta_set(dir, "core_split", text);
	free(text);
}

static void load_suite(const struct run_opts *o, struct suite *s)
{
	char err[512], *path;

	if (strchr(o->suite, '/') || strstr(o->suite, ".conf"))
		path = sys_strdup(o->suite);
	else
		path = sys_fmt("%s/suites/%s.conf", o->top, o->suite);
	if (suite_load(path, s, err, sizeof(err)) < 0)
		die("%s", err);
	if (o->reps > 0)
		s->reps = o->reps;
	if (o->duration_s > 0)
		s->duration_s = o->duration_s;
	free(path);
}

/* Picks the results folder: --resume, --out, or a new dated one. */
static char *results_dir(const struct run_opts *o)
{
	struct stat st;

	if (o->resume) {
		if (stat(o->resume, &st) < 0 || !S_ISDIR(st.st_mode))
			die("--resume %s: no such results folder", o->resume);
		results_prepare_dir(o->resume);
		return sys_strdup(o->resume);
	}
	if (o->out) {
		results_prepare_dir(o->out);
		return sys_strdup(o->out);
	}
	return results_create_dir(o->results_root);
}

static double planned_total(const struct runner_env *env, const struct suite *s,
			    const struct model_list *m, const struct run_table *t)
{
	double total = 0;

	for (int rep = runner_first_rep(env); rep <= s->reps; rep++)
		for (int i = 0; i < s->n_scenarios; i++)
			for (int j = 0; j < m->n; j++)
				if (!results_find(t, s->scenarios[i].name, m->names[j], rep) &&
				    !suite_skips(&s->scenarios[i], m->names[j]))
					total += runner_planned_s(env, &s->scenarios[i], rep);
	return total;
}

/* Every run not yet in the table, rep-major.  Returns 0, or -1 if stopped. */
static int run_all(const struct runner_env *env, const struct model_list *m, const char *dir,
		   struct run_table *t)
{
	const struct suite *s = env->suite;
	struct progress p;
	int todo = 0;

	for (int rep = runner_first_rep(env); rep <= s->reps; rep++)
		for (int i = 0; i < s->n_scenarios; i++)
			for (int j = 0; j < m->n; j++)
				todo += !results_find(t, s->scenarios[i].name, m->names[j], rep) &&
					!suite_skips(&s->scenarios[i], m->names[j]);
	progress_start(&p, todo, planned_total(env, s, m, t));
	/* Rep 0, when there is one, is the short system call pass. */
	for (int rep = runner_first_rep(env); rep <= s->reps; rep++) {
		for (int i = 0; i < s->n_scenarios; i++) {
			const struct scenario *sc = &s->scenarios[i];

			for (int j = 0; j < m->n; j++) {
				struct run_row row;
				char what[160];

				if (results_find(t, sc->name, m->names[j], rep) ||
				    suite_skips(sc, m->names[j]))
					continue;
				if (rep == 0)
					snprintf(what, sizeof(what), "%s %s syscall pass", sc->name,
						 m->names[j]);
				else
					snprintf(what, sizeof(what), "%s %s rep %d/%d", sc->name,
						 m->names[j], rep, s->reps);
				progress_show(&p, what);
				if (runner_run(env, sc, m->names[j], rep, &row) < 0) {
					progress_end(&p);
					return -1;
				}
				results_add(t, &row);
				if (results_save_csv(dir, t) < 0)
					die("cannot write %s/runs.csv: %s", dir, strerror(errno));
				progress_step(&p, runner_planned_s(env, sc, rep));
			}
		}
	}
	progress_end(&p);
	return 0;
}

/* --dry-run: what would run, and a time estimate from this machine's
 * overhead: about 0.6 s per run to start, stop and judge (0.3 s more in
 * the system call pass, to start perf), 1 s per 2000 idle connections to
 * open and close; batches about 1.2 s per model and run, plus bound_s for
 * the model that is cut off (iterative). */
static int print_plan(const struct runner_env *env, const struct model_list *m,
		      const struct run_opts *o)
{
	const struct suite *s = env->suite;
	double runs_s = 0, batch_s = 0;
	int first = runner_first_rep(env), runs = 0;

	for (int i = 0; i < s->n_scenarios; i++) {
		const struct scenario *sc = &s->scenarios[i];
		int models = 0;

		for (int j = 0; j < m->n; j++)
			models += !suite_skips(sc, m->names[j]);
		runs += models * (s->reps + 1 - first);
		for (int rep = first; rep <= s->reps; rep++)
			runs_s += models * (runner_planned_s(env, sc, rep) + 0.6 +
					    (rep == 0 ? 0.3 : 0) + sc->idle / 2000.0);
	}
	for (int i = 0; i < s->n_batches && !o->no_batch; i++)
		batch_s += (m->n * 1.2 + s->batches[i].bound_s) * s->batches[i].runs + m->n;
	printf("suite %s: %d models x %d scenarios x %d reps%s = %d runs (about %.0f s)"
	       ", %d batches (about %.0f s): about %.1f minutes in all\n",
	       s->name, m->n, s->n_scenarios, s->reps, first == 0 ? " + syscall pass" : "", runs,
	       runs_s, o->no_batch ? 0 : s->n_batches, batch_s, (runs_s + batch_s) / 60);
	return 0;
}

int plan_run(struct run_opts *o, plan_report_fn report)
{
	struct suite s;
	struct model_list m;
	struct run_table t;
	struct runner_env env;
	char err[256], why[256], *dir;
	double started = sys_now();
	enum syscount_method syscalls;

	if (o->resume && meta_resume_options(o->resume, o) < 0)
		die("--resume %s: no readable meta.json", o->resume);
	setup_process(o);
	load_suite(o, &s);
	models_resolve(&m, o->models, o->top, o->build_dir);
	syscalls = syscount_probe(o->syscalls, why, sizeof(why));
	if (o->dry_run) {
		env = (struct runner_env){
		    .suite = &s, .duration_s = o->duration_s, .syscalls = syscalls};
		return print_plan(&env, &m, o);
	}
	dir = results_dir(o);
	if (results_load_csv(dir, &t, err, sizeof(err)) < 0)
		die("%s", err);
	if (!o->resume)
		meta_write(dir, o, &s, &m);
	record_limits(dir, syscalls, why);
	record_core_split(dir, &s, o);
	fprintf(stderr, "bench: suite %s, %d models, %d scenarios x %d reps -> %s\n", s.name, m.n,
		s.n_scenarios, s.reps, dir);
	env = (struct runner_env){.build_dir = o->build_dir,
				  .loadgen = o->loadgen,
				  .server_cpus = o->server_cpus,
				  .client_cpus = o->client_cpus,
				  .client_ncpus = proc_cpu_count(o->client_cpus),
				  .outdir = dir,
				  .suite = &s,
				  .duration_s = o->duration_s,
				  .work_us = o->work_us,
				  .stopping = &stopping,
				  .syscalls = syscalls};
	if (run_all(&env, &m, dir, &t) == 0 && !o->no_batch && !stopping)
		batch_run_all(&env, &m);
	proc_reap_orphans();
	if (!stopping)
		meta_finish(dir, sys_now() - started);
	if (!o->no_report) {
		char *plotdir = sys_fmt("%s/plots", o->top);

		report(dir, plotdir, stdout);
		free(plotdir);
	}
	fflush(stdout); /* the summary first, then the last word on stderr */
	fprintf(stderr, "bench: results in %s%s\n", dir, stopping ? " (interrupted)" : "");
	results_free(&t);
	models_free(&m);
	suite_free(&s);
	free(dir);
	return stopping ? 130 : 0;
}
