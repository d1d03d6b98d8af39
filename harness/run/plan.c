/*
 * plan.c - runs a suite from start to end (see plan.h).
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "data/results.h"
#include "data/sample.h"
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
			 "each measured repetition of a scenario x model is preceded by a short "
			 "extra run, rep 0 (suite key syscalls_s, no warm-up), with the counter "
			 "attached; syscalls_per_req comes from these passes, as many as the "
			 "repetitions, and their other figures are in no median, so counting "
			 "never slows the measured repetitions");
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

/*
 * The 95% confidence interval of a median, without assuming a distribution.
 *
 * Order statistics: if x(1) <= ... <= x(n) are n independent runs, the
 * number of runs below the true median is Binomial(n, 1/2), so
 * [x(k), x(n+1-k)] holds the median with probability 1 - 2 P(B <= k-1).
 * The largest k whose coverage is still >= 95% gives the interval.  This
 * is exact (conservative: the coverage is at least 95%, often more) and
 * needs nothing of the shape of the distribution, which for requests/s on
 * a shared machine is skewed and sometimes bimodal.  Why not the bootstrap
 * of data/sample.c: with few runs it is too narrow - with 3 runs the
 * resampled median's 2.5..97.5th percentiles are min and max, an interval
 * that really holds the median 75% of the time, not 95%.  The price of
 * honesty: below 6 runs no pair of order statistics reaches 95%
 * (n = 5 gives 93.75%), so a cell asked for a target interval gets at
 * least 6 repetitions.
 */
struct median_ci {
	double median, lo, hi;
	double half_pct; /* the wider side, in % of the median; INFINITY: n < 6 */
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void median_ci(const struct sample *s, struct median_ci *ci)
{
	double v[SAMPLE_MAX], tail = 0, p = 1; /* p: C(n,i) / 2^n */
	int n = s->n, k = 0;

	*ci = (struct median_ci){
	    .median = sample_median(s), .lo = NAN, .hi = NAN, .half_pct = INFINITY, .n = n};
	memcpy(v, s->v, n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	for (int i = 0; i < n; i++)
		p /= 2;
	/* tail = P(B <= k-1); grow k while 1 - 2 P(B <= k) >= 0.95. */
	for (int i = 0; i < n / 2; i++) {
		tail += p;
		p = p * (n - i) / (i + 1);
		if (1 - 2 * tail < 0.95)
			break;
		k = i + 1;
	}
	if (k < 1 || !(ci->median > 0))
		return;
	ci->lo = v[k - 1];
	ci->hi = v[n - k];
	ci->half_pct = 100 * fmax(ci->median - ci->lo, ci->hi - ci->median) / ci->median;
}

/* "3.2%", or why there is no interval. */
static const char *median_ci_text(const struct median_ci *ci)
{
	static char buf[4][32];
	static int next;
	char *b = buf[next++ % 4];

	if (ci->n == 0)
		return "-";
	if (isinf(ci->half_pct))
		snprintf(b, 32, "none(n=%d)", ci->n);
	else
		snprintf(b, 32, "%.1f%%", ci->half_pct);
	return b;
}

/*
 * The plan's cells and how they are run.
 *
 * A cell is one model under one scenario, from one build.  Cells are kept
 * in suite order (scenario, model, build), and every pass over them runs
 * one repetition of each cell that needs it, so the repetitions of a cell
 * are always spread over the pass (rep-major, interleaved).  With several
 * builds, the builds of one (scenario, model) run one after the other, and
 * which goes first rotates with the repetition and the cell, so neither
 * build always runs first (or always right after a given other model).
 */
struct cell {
	const struct scenario *sc;
	const char *model;
	int build;		   /* index in o->builds */
	int group;		   /* index of its (scenario, model) */
	struct median_ci rps, cpu; /* after the plan: the interval reached */
	int reps;		   /* measured repetitions done (highest rep) */
	bool met;		   /* adaptive: both intervals within the target */
};

struct planner {
	const struct run_opts *o;
	const char *dir;
	struct run_table *t;
	int retries; /* reruns of a disturbed run: --retries, else 2 when adaptive */
	struct runner_env env[RUN_MAX_BUILDS]; /* one per build: its folder and label */
	struct cell *cells;
	int n_cells, n_builds;
	struct progress p;
};

/* A run flagged "disturbed" is run again, at most this many times. */
#define RETRIES (pl->retries)

static const char *label_of(const struct planner *pl, const struct cell *c)
{
	return pl->o->builds[c->build].label;
}

/* The cell that runs k-th in group g's slot of repetition rep. */
static struct cell *cell_at(struct planner *pl, int g, int k, int rep)
{
	int nb = pl->n_builds;

	return &pl->cells[g * nb + (k + rep + g + nb - 1) % nb];
}

static bool done(const struct planner *pl, const struct cell *c, int rep)
{
	int tries;
	const struct run_row *r =
	    results_find_build(pl->t, label_of(pl, c), c->sc->name, c->model, rep, &tries);

	return r && (!results_disturbed(r) || tries > RETRIES);
}

/* How many system call passes (rep 0 rows) cell c has. */
static int passes_of(const struct planner *pl, const struct cell *c)
{
	int n;

	results_find_build(pl->t, label_of(pl, c), c->sc->name, c->model, 0, &n);
	return n;
}

/* Adds row to the table and saves runs.csv, so that a stopped run resumes
 * after its last finished run. */
static void keep_row(struct planner *pl, const struct cell *c, struct run_row *row)
{
	sys_copy(row->build, sizeof(row->build), label_of(pl, c));
	results_add(pl->t, row);
	if (results_save_csv(pl->dir, pl->t) < 0)
		die("cannot write %s/runs.csv: %s", pl->dir, strerror(errno));
}

/* System call pass k of cell c, unless it has k already.  A pass is never
 * retried: its only figure is the count, which interference does not
 * change.  Returns 0, or -1 if the harness was stopped. */
static int run_pass(struct planner *pl, struct cell *c, int k)
{
	const struct runner_env *env = &pl->env[c->build];
	const char *label = label_of(pl, c);
	struct run_row row;
	char what[320];

	if (!runner_counts_syscalls(env, c->sc) || passes_of(pl, c) >= k)
		return 0;
	snprintf(what, sizeof(what), "%s %s%s%s syscall pass %d", c->sc->name, c->model,
		 *label ? "@" : "", label, k);
	progress_show(&pl->p, what);
	if (runner_run(env, c->sc, c->model, 0, k, &row) < 0)
		return -1;
	keep_row(pl, c, &row);
	progress_step(&pl->p, runner_planned_s(env, c->sc, 0));
	return 0;
}

/* Repetition rep of cell c, after its system call pass of the same number,
 * retried while it comes out disturbed.  Every row is kept.  Returns 0, or
 * -1 if the harness was stopped. */
static int run_cell(struct planner *pl, struct cell *c, int rep, int reps_shown)
{
	const struct runner_env *env = &pl->env[c->build];
	const char *label = label_of(pl, c);
	int tries;

	if (run_pass(pl, c, rep) < 0)
		return -1;
	results_find_build(pl->t, label, c->sc->name, c->model, rep, &tries);
	for (; tries <= RETRIES; tries++) {
		struct run_row row;
		char what[320];

		snprintf(what, sizeof(what), "%s %s%s%s rep %d/%d%s", c->sc->name, c->model,
			 *label ? "@" : "", label, rep, reps_shown,
			 tries ? " (retry: disturbed)" : "");
		progress_show(&pl->p, what);
		if (runner_run(env, c->sc, c->model, rep, 0, &row) < 0)
			return -1;
		keep_row(pl, c, &row);
		progress_step(&pl->p, runner_planned_s(env, c->sc, rep));
		if (!results_disturbed(&row) || tries == RETRIES)
			break;
		/* One more run than planned: the progress line says so. */
		pl->p.total++;
		pl->p.planned_s += runner_planned_s(env, c->sc, rep);
	}
	return 0;
}

/* The fixed repetitions 1 to reps, each over every cell not yet done, and
 * each with its system call pass.  Returns 0, or -1 if stopped. */
static int run_fixed(struct planner *pl, int reps)
{
	int groups = pl->n_cells / pl->n_builds, todo = 0;
	double planned = 0;

	for (int rep = 1; rep <= reps; rep++)
		for (int i = 0; i < pl->n_cells; i++) {
			const struct cell *c = &pl->cells[i];
			const struct runner_env *env = &pl->env[c->build];

			if (runner_counts_syscalls(env, c->sc) && passes_of(pl, c) < rep) {
				todo++;
				planned += runner_planned_s(env, c->sc, 0);
			}
			if (!done(pl, c, rep)) {
				todo++;
				planned += runner_planned_s(env, c->sc, rep);
			}
		}
	progress_start(&pl->p, todo, planned);
	for (int rep = 1; rep <= reps; rep++)
		for (int g = 0; g < groups; g++)
			for (int k = 0; k < pl->n_builds; k++) {
				struct cell *c = cell_at(pl, g, k, rep);

				if (run_pass(pl, c, rep) < 0 ||
				    (!done(pl, c, rep) && run_cell(pl, c, rep, reps) < 0))
					return -1;
			}
	return 0;
}

/* The measured values of metric m in cell c: its ok repetitions, only the
 * unflagged ones when there are any (as data/agg.c does). */
static void cell_sample(const struct planner *pl, const struct cell *c, enum metric_id m,
			struct sample *s)
{
	const char *label = label_of(pl, c);
	bool clean = false;

	memset(s, 0, sizeof(*s));
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < pl->t->n; k++) {
			const struct run_row *r = &pl->t->rows[k];

			if (r->rep < 1 || strcmp(r->status, "ok") || strcmp(r->build, label) ||
			    strcmp(r->scenario, c->sc->name) || strcmp(r->model, c->model))
				continue;
			if (pass == 0)
				clean |= !r->flags[0];
			else if (!clean || !r->flags[0])
				sample_add(s, r->m[m]);
		}
}

/* The highest measured repetition of cell c in the table. */
static int cell_reps(const struct planner *pl, const struct cell *c)
{
	int n = 0;

	for (int k = 0; k < pl->t->n; k++) {
		const struct run_row *r = &pl->t->rows[k];

		if (r->rep > n && !strcmp(r->build, label_of(pl, c)) &&
		    !strcmp(r->scenario, c->sc->name) && !strcmp(r->model, c->model))
			n = (int)r->rep;
	}
	return n;
}

/* Fills c's intervals; returns whether both are within +-target %.  A
 * metric with no values (a failed cell, a server without CPU figures)
 * cannot get narrower with more runs of the same kind: it does not hold
 * the cell back, except requests/s, which every cell must have. */
static bool cell_measure(const struct planner *pl, struct cell *c, double target)
{
	struct sample s;

	cell_sample(pl, c, MET_RPS, &s);
	median_ci(&s, &c->rps);
	cell_sample(pl, c, MET_CPU, &s);
	median_ci(&s, &c->cpu);
	c->reps = cell_reps(pl, c);
	c->met = c->rps.n > 0 && c->rps.half_pct <= target &&
		 (c->cpu.n == 0 || c->cpu.half_pct <= target);
	return c->met;
}

/* Adaptive repetitions (--target-ci): one round at a time, one more
 * repetition of every cell whose interval is still too wide and that has
 * fewer than max_reps, in plan order.  Each round runs each cell at most
 * once, so there are at most max_reps rounds.  Returns 0, or -1. */
static int run_adaptive(struct planner *pl, double target, int max_reps)
{
	int groups = pl->n_cells / pl->n_builds;

	for (int round = 1; round <= max_reps && !*pl->env[0].stopping; round++) {
		bool need[pl->n_cells];
		int n = 0;

		for (int i = 0; i < pl->n_cells; i++) {
			struct cell *c = &pl->cells[i];

			need[i] = !cell_measure(pl, c, target) && c->reps < max_reps &&
				  c->reps > 0 && c->rps.n > 0;
			if (need[i]) {
				n++;
				pl->p.total++;
				pl->p.planned_s += runner_planned_s(&pl->env[c->build], c->sc, 1);
			}
		}
		if (!n)
			break;
		fprintf(stderr, "%sbench: adaptive round %d: %d cell(s) wider than +-%g%%\n",
			pl->p.tty ? "\r\033[K" : "", round, n, target);
		for (int g = 0; g < groups; g++)
			for (int k = 0; k < pl->n_builds; k++) {
				struct cell *c = cell_at(pl, g, k, round);

				if (need[c - pl->cells] &&
				    run_cell(pl, c, c->reps + 1, max_reps) < 0)
					return -1;
			}
	}
	for (int i = 0; i < pl->n_cells; i++)
		cell_measure(pl, &pl->cells[i], target);
	return 0;
}

/* adaptive.csv, and the same table on stdout: the interval each cell
 * reached, and whether it met the target. */
static char *report_adaptive(const struct planner *pl, double target, int max_reps)
{
	char *buf = NULL, *path, *text = NULL;
	size_t len = 0, text_len = 0;
	FILE *f = open_memstream(&buf, &len), *g = open_memstream(&text, &text_len);
	int met = 0;

	if (!f || !g)
		die("out of memory");
	fprintf(f, "build,scenario,model,reps,rps_median,rps_lo,rps_hi,rps_ci_pct,"
		   "cpu_median,cpu_lo,cpu_hi,cpu_ci_pct,target_pct,met\n");
	fprintf(g,
		"\nAdaptive repetitions: 95%% interval of the median (order statistics), "
		"target +-%g%%, at most %d reps\n",
		target, max_reps);
	fprintf(g, "  %-28s %4s  %-24s %-22s %s\n", "cell", "reps", "requests/s +-%",
		"server CPU us/req +-%", "target");
	for (int i = 0; i < pl->n_cells; i++) {
		const struct cell *c = &pl->cells[i];
		const char *label = label_of(pl, c);
		char name[160];

		met += c->met;
		fprintf(f, "%s,%s,%s,%d,%g,%g,%g,%g,%g,%g,%g,%g,%g,%s\n", label, c->sc->name,
			c->model, c->reps, c->rps.median, c->rps.lo, c->rps.hi, c->rps.half_pct,
			c->cpu.median, c->cpu.lo, c->cpu.hi, c->cpu.half_pct, target,
			c->met ? "yes" : "no");
		snprintf(name, sizeof(name), "%s %s%s%s", c->sc->name, c->model, *label ? "@" : "",
			 label);
		fprintf(g, "  %-28s %4d  %10.0f +-%-9s %8.2f +-%-9s %s\n", name, c->reps,
			c->rps.median, median_ci_text(&c->rps), c->cpu.median,
			median_ci_text(&c->cpu), c->met ? "met" : "NOT met");
	}
	fprintf(g, "  %d of %d cells met the target\n", met, pl->n_cells);
	fclose(f);
	path = sys_fmt("%s/adaptive.csv", pl->dir);
	if (results_write_atomic(path, buf, len) < 0)
		sys_warn("cannot write %s", path);
	free(path);
	free(buf);
	fclose(g);
	return text;
}

/* ------------------------------------------------------------------ */
/* Rate sweeps: latency against offered load, as wrk2 and mutilate draw */
/* it.  Per model, a closed-loop probe finds what it serves flat out;     */
/* then open-loop runs at rates from well below that to past it, one run */
/* per rate.  Each step is a scenario of its own in runs.csv             */
/* ("<name>-probe", "<name>-01" ...), with x_key "rate", so the report    */
/* can draw p99 against the requests/s each step achieved.               */

/* Step k of n as a fraction of the probe's requests/s: a geometric ladder
 * from 10% to 60% for the first third, then even steps from 70% to 125%,
 * where the knee is, so that most steps land near it. */
static double sweep_fraction(int k, int n)
{
	int low = n / 3 > 1 ? n / 3 : 1, high = n - low;

	if (k < low)
		return low > 1 ? 0.1 * pow(6.0, (double)k / (low - 1)) : 0.4;
	k -= low;
	return high > 1 ? 0.7 + 0.55 * k / (high - 1) : 1.0;
}

/* The scenario of one step: step 0 is the probe (closed loop). */
static struct scenario sweep_step(const struct scenario *sc, int step, long rate)
{
	struct scenario s = *sc;

	if (step == 0)
		snprintf(s.name, sizeof(s.name), "%.*s-probe", SUITE_NAME_MAX - 7, sc->name);
	else
		snprintf(s.name, sizeof(s.name), "%.*s-%02d", SUITE_NAME_MAX - 4, sc->name,
			 step % 100);
	sys_copy(s.series, sizeof(s.series), sc->name); /* its own plot */
	sys_copy(s.x, sizeof(s.x), "rate");
	s.rate = rate;
	s.sweep = 0;
	return s;
}

/* One step of a sweep for one model and build, unless runs.csv has it.
 * Returns its row (NULL if it failed), or sets *stopped. */
static const struct run_row *sweep_run(struct planner *pl, const struct scenario *step,
				       const char *model, int build, bool *stopped)
{
	const char *label = pl->o->builds[build].label;
	int tries;
	const struct run_row *r = results_find_build(pl->t, label, step->name, model, 1, &tries);
	struct run_row row;
	char what[320], rate[32];

	if (r == NULL) {
		snprintf(rate, sizeof(rate), "rate %ld/s", step->rate);
		snprintf(what, sizeof(what), "%s %s%s%s (%s)", step->name, model, *label ? "@" : "",
			 label, step->rate ? rate : "closed-loop probe");
		progress_show(&pl->p, what);
		if (runner_run(&pl->env[build], step, model, 1, 0, &row) < 0) {
			*stopped = true;
			return NULL;
		}
		sys_copy(row.build, sizeof(row.build), label);
		results_add(pl->t, &row);
		if (results_save_csv(pl->dir, pl->t) < 0)
			die("cannot write %s/runs.csv: %s", pl->dir, strerror(errno));
		progress_step(&pl->p, runner_planned_s(&pl->env[build], step, 1));
		r = results_find_build(pl->t, label, step->name, model, 1, &tries);
	}
	return r && strcmp(r->status, "ok") == 0 && r->m[MET_RPS] > 0 ? r : NULL;
}

/* Every sweep of the suite, model by model (builds alternating at each
 * step).  A model whose probe failed gets no ladder: there is no rate to
 * scale it from.  Returns 0, or -1 if stopped. */
static int run_sweeps(struct planner *pl, const struct model_list *m)
{
	const struct suite *s = pl->env[0].suite;
	bool stopped = false;
	int todo = 0;
	double planned = 0;

	for (int i = 0; i < s->n_scenarios; i++)
		if (s->scenarios[i].sweep > 0)
			for (int j = 0; j < m->n; j++)
				if (!suite_skips(&s->scenarios[i], m->names[j])) {
					todo += (s->scenarios[i].sweep + 1) * pl->n_builds;
					planned +=
					    (s->scenarios[i].sweep + 1) * pl->n_builds *
					    runner_planned_s(&pl->env[0], &s->scenarios[i], 1);
				}
	if (todo == 0)
		return 0;
	progress_start(&pl->p, todo, planned);
	for (int i = 0; i < s->n_scenarios && !stopped; i++) {
		const struct scenario *sc = &s->scenarios[i];

		for (int j = 0; sc->sweep > 0 && j < m->n && !stopped; j++) {
			double probe[RUN_MAX_BUILDS];

			if (suite_skips(sc, m->names[j]))
				continue;
			for (int b = 0; b < pl->n_builds && !stopped; b++) {
				struct scenario step = sweep_step(sc, 0, 0);
				const struct run_row *r =
				    sweep_run(pl, &step, m->names[j], b, &stopped);

				probe[b] = r ? r->m[MET_RPS] : 0;
			}
			for (int k = 1; k <= sc->sweep && !stopped; k++)
				for (int b = 0; b < pl->n_builds && !stopped; b++) {
					long rate =
					    lround(probe[b] * sweep_fraction(k - 1, sc->sweep));
					struct scenario step = sweep_step(sc, k, rate);

					if (rate > 0)
						sweep_run(pl, &step, m->names[j], b, &stopped);
				}
		}
	}
	progress_end(&pl->p);
	return stopped ? -1 : 0;
}

/* Every run not yet in the table: the fixed repetitions, then the adaptive
 * ones (whose table it returns in *adaptive_text).  Returns 0, or -1. */
static int run_all(const struct run_opts *o, const struct runner_env *base,
		   const struct model_list *m, const char *dir, struct run_table *t,
		   char **adaptive_text)
{
	const struct suite *s = base->suite;
	double target = o->target_ci > 0 ? o->target_ci : s->target_ci;
	int max_reps = o->max_reps > 0 ? o->max_reps : s->max_reps > 0 ? s->max_reps : 10;
	struct planner pl = {.o = o, .dir = dir, .t = t, .n_builds = o->n_builds};
	int rc;

	/* With a target interval, disturbed runs are run again rather than
	 * averaged in (issue 13); with fixed repetitions they are kept, marked,
	 * and left out of a cell's medians when it has clean ones (data/agg.c). */
	pl.retries = o->retries >= 0 ? o->retries : target > 0 ? 2 : 0;
	for (int b = 0; b < o->n_builds; b++) {
		pl.env[b] = *base;
		pl.env[b].build_dir = o->builds[b].dir;
		pl.env[b].build_label = o->builds[b].label;
	}
	pl.cells = sys_alloc((size_t)(s->n_scenarios * m->n * o->n_builds + 1) * sizeof(*pl.cells));
	for (int i = 0; i < s->n_scenarios; i++)
		for (int j = 0; j < m->n; j++) {
			if (suite_skips(&s->scenarios[i], m->names[j]) || s->scenarios[i].sweep > 0)
				continue; /* a sweep runs after the cells (run_sweeps) */
			for (int b = 0; b < o->n_builds; b++)
				pl.cells[pl.n_cells++] =
				    (struct cell){.sc = &s->scenarios[i],
						  .model = m->names[j],
						  .build = b,
						  .group = pl.n_cells / o->n_builds};
		}
	if (max_reps < s->reps)
		max_reps = s->reps;
	if (target > 0 && max_reps < 6)
		sys_warn("--max-reps %d: below 6 runs no 95%% interval of a median exists "
			 "(order statistics), so no cell can meet --target-ci",
			 max_reps);
	rc = run_fixed(&pl, s->reps);
	if (rc == 0 && target > 0)
		rc = run_adaptive(&pl, target, max_reps);
	progress_end(&pl.p);
	if (rc == 0)
		rc = run_sweeps(&pl, m);
	if (rc == 0 && target > 0)
		*adaptive_text = report_adaptive(&pl, target, max_reps);
	free(pl.cells);
	return rc;
}

/* --dry-run: what would run, and a time estimate from this machine's
 * overhead: about RUN_OVERHEAD_S per run to start, stop and judge (0.3 s more in
 * the system call pass, to start perf), 1 s per 2000 idle connections to
 * open and close; batches (messages - 1) x think_ms per model and run
 * (1.2 s for 10 messages 100 ms apart, with 0.3 s to start and stop),
 * plus bound_s for the model that is cut off (iterative). */
/* Measured: the quick run of 2026-12-02 (13 models, a quiet 2-core VM)
 * took 448 s, of which 364 s were load as planned and 64 s the batch:
 * about 0.1 s per run beyond its load.  0.3 leaves room for a busier
 * machine and for servers that are slow to stop. */
#define RUN_OVERHEAD_S 0.3

static int print_plan(const struct runner_env *env, const struct model_list *m,
		      const struct run_opts *o)
{
	const struct suite *s = env->suite;
	double runs_s = 0, batch_s = 0;
	double rep_s = 0; /* one repetition of every cell, with its pass */
	char pass_text[48] = "";
	int runs = 0, passes = 0;

	for (int i = 0; i < s->n_scenarios; i++) {
		const struct scenario *sc = &s->scenarios[i];
		int models = 0;

		for (int j = 0; j < m->n; j++)
			models += !suite_skips(sc, m->names[j]);
		models *= o->n_builds;
		if (sc->sweep > 0) { /* a probe and sweep steps, one run each */
			runs += models * (sc->sweep + 1);
			runs_s += models * (sc->sweep + 1) *
				  (runner_planned_s(env, sc, 1) + RUN_OVERHEAD_S);
			continue;
		}
		runs += models * s->reps;
		rep_s +=
		    models * (runner_planned_s(env, sc, 1) + RUN_OVERHEAD_S + sc->idle / 2000.0);
		if (runner_counts_syscalls(env, sc)) { /* the counter takes ~0.3 s to attach */
			passes += models * s->reps;
			rep_s += models * (runner_planned_s(env, sc, 0) + RUN_OVERHEAD_S + 0.3 +
					   sc->idle / 2000.0);
		}
	}
	runs_s += rep_s * s->reps;
	for (int i = 0; i < s->n_batches && !o->no_batch && o->n_builds == 1; i++) {
		const struct batch *b = &s->batches[i];
		double model_s = (b->messages - 1) * b->think_ms / 1000.0 + 0.3;

		batch_s += (m->n * model_s + b->bound_s) * b->runs + m->n;
	}
	if (passes)
		snprintf(pass_text, sizeof(pass_text), " + %d syscall passes", passes);
	printf("suite %s: %d models x %d scenarios x %d reps%s = %d runs (about %.0f s)"
	       ", %d batches (about %.0f s): about %.1f minutes in all\n",
	       s->name, m->n, s->n_scenarios, s->reps, pass_text, runs + passes, runs_s,
	       o->no_batch || o->n_builds > 1 ? 0 : s->n_batches, batch_s, (runs_s + batch_s) / 60);
	if (o->n_builds > 1)
		printf("%d builds, run alternately: each (scenario, model) runs once per build\n",
		       o->n_builds);
	if (o->target_ci > 0 || s->target_ci > 0)
		printf(
		    "adaptive: cells whose 95%% interval is wider than +-%g%% get more reps, up to "
		    "%d (at least 6: fewer give no 95%% interval), at most %.1f minutes more\n",
		    o->target_ci > 0 ? o->target_ci : s->target_ci,
		    o->max_reps > 0   ? o->max_reps
		    : s->max_reps > 0 ? s->max_reps
				      : 10,
		    rep_s *
			((o->max_reps > 0   ? o->max_reps
			  : s->max_reps > 0 ? s->max_reps
					    : 10) -
			 s->reps) /
			60);
	return 0;
}

/* --clients: parses the agents and reaches each once (same version,
 * host facts) before any folder is made, so an unreachable host stops
 * the suite at once.  Returns the hosts for meta.json, or NULL without
 * --clients. */
static json_t *probe_agents(const struct run_opts *o, struct agents_conf *conf)
{
	char err[512];
	json_t *hosts;

	*conf = (struct agents_conf){
	    .loadgen = o->loadgen, .ssh_config = o->ssh_config, .cpus = o->client_cpus};
	if (!o->clients)
		return NULL;
	if (agents_parse(conf, o->clients, err, sizeof(err)) < 0)
		die("%s", err);
	hosts = agents_probe(conf, err, sizeof(err));
	if (!hosts)
		die("%s", err);
	/* clang-format off */
	return json_pack("{s:s, s:s, s:o}",
			 "server_host", o->server_host ? o->server_host : "local",
			 "server_addr", o->server_addr ? o->server_addr : "127.0.0.1",
			 "clients", hosts);
	/* clang-format on */
}

int plan_run(struct run_opts *o, plan_report_fn report)
{
	struct agents_conf agents;
	json_t *topology;
	struct suite s;
	struct model_list m;
	struct run_table t;
	struct runner_env env;
	char err[256], why[256], *dir, *adaptive = NULL;
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
	topology = probe_agents(o, &agents);
	dir = results_dir(o);
	if (results_load_csv(dir, &t, err, sizeof(err)) < 0)
		die("%s", err);
	if (!o->resume)
		meta_write(dir, o, &s, &m);
	if (topology)
		meta_set_json(dir, "topology", topology);
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
				  .syscalls = syscalls,
				  .agents = o->clients ? &agents : NULL,
				  .server_ns = o->server_host ? o->server_host + 6 : NULL,
				  .server_addr = o->server_addr};
	if (run_all(o, &env, &m, dir, &t, &adaptive) == 0 && !o->no_batch && !stopping) {
		/* Batches are timed per model, not per build: with several
		 * builds they would mix them, so they are left out. */
		if (o->n_builds > 1)
			meta_set(dir, "batches_note",
				 "no hyperfine batches: several builds were run (--build) and "
				 "batches are not labelled by build");
		else if (o->clients)
			meta_set(dir, "batches_note",
				 "no hyperfine batches: the load came from agents (--clients) "
				 "and batches time one local client");
		else
			batch_run_all(&env, &m);
	}
	proc_reap_orphans();
	if (!stopping)
		meta_finish(dir, sys_now() - started);
	if (!o->no_report) {
		char *plotdir = sys_fmt("%s/plots", o->top);

		report(dir, plotdir, stdout);
		free(plotdir);
	}
	if (adaptive)
		fputs(adaptive, stdout);
	free(adaptive);
	fflush(stdout); /* the summary first, then the last word on stderr */
	fprintf(stderr, "bench: results in %s%s\n", dir, stopping ? " (interrupted)" : "");
	results_free(&t);
	models_free(&m);
	suite_free(&s);
	free(dir);
	return stopping ? 130 : 0;
}
