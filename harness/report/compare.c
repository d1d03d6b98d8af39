/*
 * compare.c - `bench compare` (compare.h): two sides of runs, every metric
 * of data/metrics.h, a verdict per cell that says what the data can and
 * cannot support.
 *
 * The work is done in four steps, in this order:
 *
 *   1. load: each side is a list of runs - a result folder, maybe narrowed
 *      to one build label (runs.csv column `build`) - with its meta.json;
 *   2. describe: what differs between the two sides besides the kernel,
 *      and which level of variation the intervals are built from;
 *   3. judge: for every metric x cell, the samples of both sides, the
 *      median change with its bootstrap interval, the Mann-Whitney p-value;
 *      then Benjamini-Hochberg over every p-value tested, and the verdicts;
 *   4. print: LKP's layout, main metrics first, then the side metrics, and
 *      a summary per metric with the smallest change each could detect.
 *
 * Why both a rank test and an interval: the interval says how big the
 * change is and whether it clears the threshold (a 0.5% change can be
 * "significant" and still not matter); the rank test, corrected for the
 * hundreds of cells tested at once, keeps the share of false alarms among
 * the calls at 5%.  A verdict needs both.
 */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/meta.h"
#include "data/metrics.h"
#include "data/results.h"
#include "data/sample.h"
#include "data/stattest.h"
#include "data/sys.h"
#include "report/compare.h"

#define ROUNDS 10000 /* bootstrap resamples */
#define FDR_Q 0.05   /* Benjamini-Hochberg false discovery rate */
#define ALPHA 0.05   /* what a single test must be able to reach */
#define MAX_RUNS 32  /* result folders per side */
#define MAX_METRICS 64

static const char usage[] =
    "usage: bench compare A[,A2...] B[,B2...] [--metric COLUMN]... [--threshold PCT]\n"
    "                     [--drift PCT] [--builds LABEL_A,LABEL_B]\n"
    "       bench compare DIR [--builds LABEL_A,LABEL_B]   (two builds interleaved in DIR)\n"
    "       bench compare --metrics";

/* Where an interval's spread comes from, lowest level first. */
enum level {
	LEVEL_REPS,   /* repetitions within one run per side */
	LEVEL_BUILDS, /* repetitions of two builds interleaved in one run */
	LEVEL_RUNS,   /* each run's median, runs within one boot */
	LEVEL_BOOTS,  /* each run's median, runs from several boots */
};

/* How a metric is shown: main and side metrics are judged; context
 * figures describe the load generator or the host, not the server under
 * test, and are shown without a verdict unless --metric names them. */
enum group { G_MAIN, G_SIDE, G_OTHER, G_CONTEXT };

enum verdict {
	V_NODATA, /* a side has no value */
	V_SHOWN,  /* a context figure: no verdict */
	V_PASSES, /* system call passes: too few or unequal counts */
	V_ZERO,	  /* A's median is 0: no relative change */
	V_SAME,	  /* every value on both sides equal */
	V_FEW,	  /* too few repetitions to detect a threshold change */
	V_CANNOT, /* inside the host's run-to-run drift */
	V_HOST,	  /* a change no larger than the whole host's change of speed */
	V_NONE,	  /* no significant change */
	V_SLOWER, /* worse beyond the threshold, and a discovery */
	V_FASTER, /* better beyond the threshold, and a discovery */
};

/* One run of a side: a result folder, maybe narrowed to one build. */
struct run {
	char *dir;
	const char *build; /* build label, or NULL for every row */
	struct run_table t;
	char **labels; /* each row's build label ("" when none) */
	json_t *meta;  /* NULL when the folder has no meta.json */
};

struct side {
	const char *name; /* "A" or "B" */
	struct run runs[MAX_RUNS];
	int n;
};

struct cmetric {
	const char *column;
	int id; /* row of data/metrics.h, or -1 for another numeric column */
	bool higher_is_better;
	enum group group;
	bool judged;
};

struct cell {
	char scenario[SUITE_NAME_MAX], model[SUITE_NAME_MAX];
};

/* One printed line: a metric in a cell. */
struct line {
	int metric, cell;
	struct sample a, b;
	double ma, mb, sda, sdb; /* medians; standard deviations in % of the mean */
	double change, lo, hi, p;
	double detect; /* the smallest change this line could detect, or NAN */
	int need;      /* observations per side a threshold change needs */
	bool tested, discovery;
	enum verdict v;
};

struct compare {
	struct side a, b;
	struct cmetric m[MAX_METRICS];
	int n_metrics;
	bool explicit_metrics;
	struct cell *cells;
	int n_cells;
	double threshold, drift; /* fractions; drift NAN when not given */
	enum level level;
	bool drift_applies; /* one run per side, separate runs */
	/* The CPU-speed control: B's time per loop over A's, with its 95%
	 * interval; speed_differs when the whole interval lies outside
	 * +-SPEED_BAND, i.e. the host as a whole ran at another speed. */
	double speed_ratio, speed_lo, speed_hi;
	bool speed_differs;
};

/* How far the CPU-speed control may move before the host counts as
 * changed.  A register-only loop does not depend on the kernel, so a
 * change in it is the machine's (another physical host, a clock, a noisy
 * neighbour on the same core).  Within one run it varies by 2-5% (sd). */
#define SPEED_BAND 0.02

/* ------------------------------------------------------------------ */
/* Metrics: which are judged, in which order they are printed.         */

static const char *const main_metrics[] = {"requests_per_s", "mb_per_s", "p50_us", "p90_us",
					   "p99_us",	     "p999_us",	 "max_us", "connect_p50_us",
					   "connect_p99_us", NULL};
/* The metrics that are times (or their inverse): a host that runs its
 * CPU-speed control 10% slower makes them about 10% worse by itself. */
static const char *const timed_metrics[] = {"requests_per_s",
					    "mb_per_s",
					    "p50_us",
					    "p90_us",
					    "p99_us",
					    "p999_us",
					    "max_us",
					    "connect_p50_us",
					    "connect_p99_us",
					    "server_cpu_us_per_req",
					    "server_user_us_per_req",
					    "server_sys_us_per_req",
					    NULL};
static const char *const side_metrics[] = {"server_cpu_us_per_req", "server_user_us_per_req",
					   "server_sys_us_per_req", "syscalls_per_req",
					   "server_peak_rss_kb",    NULL};
/* Figures of the load generator and the machine, not of the server:
 * client_cpu_s rises with the server's throughput, so "slower" on it
 * would call a faster server a regression; the TCP counters count the
 * whole network namespace; the CPU-speed control is the host's. */
static const char *const context_metrics[] = {
    "client_cpu_s",	"duration_s",	"client_cpu_share", "cpu_speed_ns",
    "listen_overflows", "listen_drops", "tcp_retrans_segs", NULL};

static int list_index(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

static enum group group_of(const char *column)
{
	if (list_index(main_metrics, column) >= 0)
		return G_MAIN;
	if (list_index(side_metrics, column) >= 0)
		return G_SIDE;
	/* Context switches per request are the server's, but they follow
	 * its throughput (a faster server batches more per wake-up): shown
	 * beside the others, judged only when --metric names them. */
	if (list_index(context_metrics, column) >= 0 || strstr(column, "switch") ||
	    strstr(column, "foreign") || strstr(column, "steal") ||
	    strncmp(column, "host_", 5) == 0)
		return G_CONTEXT;
	return G_OTHER;
}

/* The place of a metric in the output: group, then its list order. */
static int order_of(const struct cmetric *m)
{
	int i = list_index(m->group == G_MAIN ? main_metrics : side_metrics, m->column);

	return m->group * 1000 + (i >= 0 ? i : 100);
}

static int by_order(const void *x, const void *y)
{
	const struct cmetric *a = x, *b = y;
	int d = order_of(a) - order_of(b);

	return d ? d : (a->id > b->id) - (a->id < b->id);
}

static void add_metric(struct compare *c, const char *column, bool judged)
{
	struct cmetric *m;

	for (int i = 0; i < c->n_metrics; i++)
		if (strcmp(c->m[i].column, column) == 0)
			return;
	if (c->n_metrics == MAX_METRICS)
		die("too many metrics");
	m = &c->m[c->n_metrics++];
	m->column = column;
	m->id = metric_find(column);
	/* Any other numeric runs.csv column (connections, host_load...)
	 * counts as lower-is-better. */
	m->higher_is_better = m->id >= 0 && metrics[m->id].better == METRIC_HIGHER;
	m->group = group_of(column);
	m->judged = judged;
	/* A context figure asked for by name is judged like any other. */
	if (judged && m->group == G_CONTEXT)
		m->group = G_OTHER;
}

/* `bench compare --metrics`: every metric with its direction and unit. */
static void list_metrics(void)
{
	for (int i = 0; i < METRICS; i++)
		printf("%-24s %-6s is better  %s\n", metrics[i].column,
		       metrics[i].better == METRIC_HIGHER ? "higher" : "lower", metrics[i].unit);
	exit(0);
}

/* ------------------------------------------------------------------ */
/* Loading: result folders, their build labels and meta.json.          */

/* Each row's `build` label, in the order results_load_csv() keeps rows
 * (it skips blank records, so does this).  The column is read here by
 * name, so folders written before it existed load with "" labels. */
static char **load_labels(const char *dir, int rows)
{
	char *path = sys_fmt("%s/runs.csv", dir), *text = sys_read_file(path, NULL), *pos;
	char *cells[128], **labels = sys_alloc((rows + 1) * sizeof(*labels));
	int n, col = -1, k = 0;

	free(path);
	pos = text;
	n = text ? csv_next_record(&pos, cells, 128) : -1;
	for (int i = 0; i < n; i++)
		if (strcmp(cells[i], "build") == 0)
			col = i;
	while (text && k < rows && (n = csv_next_record(&pos, cells, 128)) >= 0) {
		if (n == 1 && !cells[0][0])
			continue;
		labels[k++] = sys_strdup(col >= 0 && col < n ? cells[col] : "");
	}
	while (k < rows)
		labels[k++] = sys_strdup("");
	free(text);
	return labels;
}

static void load_run(struct side *s, const char *dir, const char *build)
{
	struct run *r;
	char err[256];

	if (s->n == MAX_RUNS)
		die("more than %d result folders on side %s", MAX_RUNS, s->name);
	r = &s->runs[s->n++];
	r->dir = sys_strdup(dir);
	r->build = build;
	if (results_load_csv(dir, &r->t, err, sizeof(err)) < 0)
		die("%s", err);
	if (r->t.n == 0)
		die("%s: no runs.csv rows", dir);
	r->labels = load_labels(dir, r->t.n);
	r->meta = meta_load(dir);
	if (build) {
		int k = 0;

		while (k < r->t.n && strcmp(r->labels[k], build))
			k++;
		if (k == r->t.n)
			die("%s: no rows of build '%s'", dir, build);
	}
}

/* A side given as "DIR[,DIR...]". */
static void load_side(struct side *s, const char *list, const char *build)
{
	char *copy = sys_strdup(list), *save = NULL;

	for (char *d = strtok_r(copy, ",", &save); d; d = strtok_r(NULL, ",", &save))
		load_run(s, d, build);
	if (s->n == 0)
		die("%s", usage);
	free(copy);
}

static bool row_in_run(const struct run *r, int k)
{
	return !r->build || strcmp(r->labels[k], r->build) == 0;
}

/* The first two build labels of dir's runs.csv, in order of appearance. */
static void find_builds(const char *list, char **la, char **lb)
{
	struct side tmp = {.name = "?"};

	load_side(&tmp, list, NULL);
	*la = *lb = NULL;
	for (int k = 0; k < tmp.runs[0].t.n; k++) {
		const char *l = tmp.runs[0].labels[k];

		if (!*l)
			continue;
		if (!*la)
			*la = sys_strdup(l);
		else if (!*lb && strcmp(l, *la))
			*lb = sys_strdup(l);
	}
	if (!*lb)
		die("%s holds %s build label: compare two folders, or run `bench run --build A "
		    "--build B`",
		    list, *la ? "only one" : "no");
	for (int i = 0; i < tmp.n; i++) {
		struct run *r = &tmp.runs[i];

		for (int k = 0; k < r->t.n; k++)
			free(r->labels[k]);
		free(r->labels);
		results_free(&r->t);
		json_decref(r->meta);
		free(r->dir);
	}
}

static void parse(struct compare *c, int argc, char **argv)
{
	static const struct option opts[] = {{"threshold", 1, NULL, 't'}, {"metric", 1, NULL, 'm'},
					     {"metrics", 0, NULL, 'l'},	  {"drift", 1, NULL, 'd'},
					     {"builds", 1, NULL, 'b'},	  {NULL, 0, NULL, 0}};
	char *end, *builds = NULL, *la = NULL, *lb = NULL;
	int ch, n_pos;

	c->threshold = 0.05;
	c->drift = NAN;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't' || ch == 'd') {
			double v = strtod(optarg, &end) / 100;

			if (end == optarg || *end || v < 0)
				die("--%s wants a percentage, got '%s'",
				    ch == 't' ? "threshold" : "drift", optarg);
			*(ch == 't' ? &c->threshold : &c->drift) = v;
		} else if (ch == 'm') {
			if (!*optarg)
				die("%s", usage);
			add_metric(c, optarg, true);
			c->explicit_metrics = true;
		} else if (ch == 'l') {
			list_metrics();
		} else if (ch == 'b') {
			builds = optarg;
		} else {
			die("%s", usage);
		}
	}
	n_pos = argc - optind;
	if (n_pos < 1 || n_pos > 2)
		die("%s", usage);
	if (builds) {
		char *comma = strchr(builds, ',');

		if (!comma || comma == builds || !comma[1] || strchr(comma + 1, ','))
			die("--builds wants LABEL_A,LABEL_B, got '%s'", builds);
		la = sys_strdup(builds);
		la[comma - builds] = '\0';
		lb = sys_strdup(comma + 1);
	} else if (n_pos == 1) {
		find_builds(argv[optind], &la, &lb);
	}
	c->a.name = "A";
	c->b.name = "B";
	load_side(&c->a, argv[optind], la);
	load_side(&c->b, argv[optind + n_pos - 1], lb);
	if (!c->explicit_metrics) {
		for (int i = 0; i < METRICS; i++)
			add_metric(c, metrics[i].column, group_of(metrics[i].column) != G_CONTEXT);
	}
	qsort(c->m, c->n_metrics, sizeof(c->m[0]), by_order);
}

/* ------------------------------------------------------------------ */
/* Cells and samples.                                                  */

static bool side_has_cell(const struct side *s, const char *scenario, const char *model)
{
	for (int i = 0; i < s->n; i++)
		for (int k = 0; k < s->runs[i].t.n; k++) {
			const struct run_row *r = &s->runs[i].t.rows[k];

			if (row_in_run(&s->runs[i], k) && !strcmp(r->scenario, scenario) &&
			    !strcmp(r->model, model))
				return true;
		}
	return false;
}

/* Every (scenario, model) of A also in B, in A's order. */
static void find_cells(struct compare *c)
{
	for (int i = 0; i < c->a.n; i++) {
		const struct run *run = &c->a.runs[i];

		for (int k = 0; k < run->t.n; k++) {
			const struct run_row *r = &run->t.rows[k];
			bool seen = false;

			if (!row_in_run(run, k))
				continue;
			for (int j = 0; j < c->n_cells && !seen; j++)
				seen = !strcmp(c->cells[j].scenario, r->scenario) &&
				       !strcmp(c->cells[j].model, r->model);
			if (seen || !side_has_cell(&c->b, r->scenario, r->model))
				continue;
			c->cells = sys_grow(c->cells, (c->n_cells + 1) * sizeof(*c->cells));
			sys_copy(c->cells[c->n_cells].scenario, SUITE_NAME_MAX, r->scenario);
			sys_copy(c->cells[c->n_cells].model, SUITE_NAME_MAX, r->model);
			c->n_cells++;
		}
	}
}

/* Does row r count for metric m?  The system call pass (rep 0) holds the
 * PASS metrics and nothing else; KEPT metrics keep failed repetitions. */
static bool row_counts(const struct run_row *r, const struct cmetric *m)
{
	enum metric_how how = m->id >= 0 ? metrics[m->id].how : METRIC_MEASURED;

	if ((r->rep == 0) != (how == METRIC_PASS))
		return false;
	return how == METRIC_KEPT || strcmp(r->status, "ok") == 0;
}

/* The values of metric m in one run's rows of cell. */
static void run_sample(const struct run *run, const struct cell *cell, const struct cmetric *m,
		       struct sample *s)
{
	double v;

	memset(s, 0, sizeof(*s));
	for (int k = 0; k < run->t.n; k++) {
		const struct run_row *r = &run->t.rows[k];

		if (!row_in_run(run, k) || strcmp(r->scenario, cell->scenario) ||
		    strcmp(r->model, cell->model) || !row_counts(r, m))
			continue;
		if (results_get(r, m->column, &v) < 0)
			die("no numeric column '%s' in runs.csv", m->column);
		sample_add(s, v);
	}
}

/* A side's sample: its one run's repetitions, or each run's median. */
static void side_sample(const struct compare *c, const struct side *s, const struct cell *cell,
			const struct cmetric *m, struct sample *out)
{
	struct sample one;

	if (c->level <= LEVEL_BUILDS) {
		run_sample(&s->runs[0], cell, m, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < s->n; i++) {
		run_sample(&s->runs[i], cell, m, &one);
		sample_add(out, sample_median(&one));
	}
}

/* Standard deviation in % of the mean, as LKP prints it. */
static double rel_stddev(const struct sample *s)
{
	double mean = 0, ss = 0;

	if (s->n < 2)
		return 0;
	for (int i = 0; i < s->n; i++)
		mean += s->v[i];
	mean /= s->n;
	for (int i = 0; i < s->n; i++)
		ss += (s->v[i] - mean) * (s->v[i] - mean);
	return mean ? 100 * sqrt(ss / (s->n - 1)) / fabs(mean) : 0;
}

/* The smallest n per side for which a threshold change could be called:
 * the rank test must be able to reach p < 0.05, and the interval's
 * expected half-width, about 2 sd / sqrt(n) with sd the relative spread
 * of the difference of the two sides, must be below the threshold. */
static int needed(const struct line *l, double threshold)
{
	double sd = sqrt(l->sda * l->sda + l->sdb * l->sdb) / 100;
	double by_width = threshold > 0 ? ceil(pow(2 * sd / threshold, 2) + 1e-9) : 1e9;
	int n = 2;

	while (stat_mann_whitney_min_p(n, n) >= ALPHA)
		n++;
	return by_width > 9999 ? 10000 : (int)fmax(n, by_width);
}

/* ------------------------------------------------------------------ */
/* Judging.                                                             */

static bool all_equal(const struct sample *a, const struct sample *b)
{
	for (int i = 0; i < a->n; i++)
		if (a->v[i] != a->v[0])
			return false;
	for (int i = 0; i < b->n; i++)
		if (b->v[i] != a->v[0])
			return false;
	return true;
}

/* Fills l's samples and figures, and its verdict as far as it is known
 * before the correction for the number of tests. */
static void measure(const struct compare *c, struct line *l)
{
	const struct cmetric *m = &c->m[l->metric];
	const struct cell *cell = &c->cells[l->cell];

	side_sample(c, &c->a, cell, m, &l->a);
	side_sample(c, &c->b, cell, m, &l->b);
	l->ma = sample_median(&l->a);
	l->mb = sample_median(&l->b);
	l->sda = rel_stddev(&l->a);
	l->sdb = rel_stddev(&l->b);
	l->change = l->lo = l->hi = l->detect = NAN;
	l->p = 1;
	if (l->a.n == 0 || l->b.n == 0) {
		l->v = V_NODATA;
		return;
	}
	if (l->ma != 0)
		sample_bootstrap_change(&l->a, &l->b, ROUNDS, 1, &l->change, &l->lo, &l->hi);
	if (!m->judged) {
		l->v = V_SHOWN;
	} else if (m->id >= 0 && metrics[m->id].how == METRIC_PASS &&
		   (l->a.n != l->b.n || l->a.n < 2)) {
		l->v = V_PASSES;
	} else if (all_equal(&l->a, &l->b)) {
		l->v = V_SAME;
	} else if (l->ma == 0) {
		l->v = V_ZERO;
	} else if (stat_mann_whitney_min_p(l->a.n, l->b.n) >= ALPHA) {
		l->v = V_FEW;
		l->need = needed(l, c->threshold);
	} else {
		l->tested = true;
		l->p = stat_mann_whitney_p(l->a.v, l->a.n, l->b.v, l->b.n);
	}
}

/* Does l's interval still lie outside +-limit once the host's change of
 * speed is divided out?  A time on a host whose control loop took q times
 * as long is expected to be q times as long (a rate 1/q times as high). */
static bool beyond_host(const struct compare *c, const struct cmetric *m, const struct line *l,
			double limit)
{
	double q = c->speed_ratio;
	double lo = m->higher_is_better ? (1 + l->lo) * q - 1 : (1 + l->lo) / q - 1;
	double hi = m->higher_is_better ? (1 + l->hi) * q - 1 : (1 + l->hi) / q - 1;

	return lo > limit || hi < -limit;
}

/* The verdict of a tested line, once its p-value has been corrected. */
static void decide(const struct compare *c, struct line *l)
{
	const struct cmetric *m = &c->m[l->metric];
	double half = (l->hi - l->lo) / 2;
	double limit = c->threshold;

	l->detect = half;
	/* One run per side and no measured drift: the interval lacks the
	 * largest source of variance, so no verdict can be honest.  (On the
	 * 2-core machine this was written on, twelve A/A pairs of single runs
	 * called 15 of 24 cells "faster" on CPU per request when verdicts were
	 * given here.) */
	if (c->drift_applies && isnan(c->drift)) {
		l->v = V_CANNOT;
		return;
	}
	if (c->drift_applies && !isnan(c->drift)) {
		l->detect = fmax(half, c->drift);
		limit = fmax(limit, c->drift);
	}
	if (l->discovery && (l->lo > limit || l->hi < -limit)) {
		bool up = l->lo > limit;

		l->v = up == m->higher_is_better ? V_FASTER : V_SLOWER;
		if (c->speed_differs && list_index(timed_metrics, m->column) >= 0 &&
		    !beyond_host(c, m, l, limit))
			l->v = V_HOST;
	} else if (c->drift_applies && !isnan(c->drift)) {
		l->v = V_CANNOT;
	} else if (l->lo >= -limit && l->hi <= limit) {
		/* The whole interval inside the band: no change that matters. */
		l->v = V_NONE;
	} else {
		/* The interval reaches past the band on one side or both
		 * (+3% to +12% against 5%): neither a change nor none can be
		 * claimed; more repetitions would narrow it. */
		l->v = V_FEW;
		l->need = needed(l, c->threshold);
	}
}

/* Benjamini-Hochberg over every tested line at once: the family is all
 * cells x metrics that could have been called. */
static void correct(struct line *lines, int n)
{
	double *p = sys_alloc((n + 1) * sizeof(*p));
	bool *reject = sys_alloc((n + 1) * sizeof(*reject));
	int *index = sys_alloc((n + 1) * sizeof(*index));
	int k = 0;

	for (int i = 0; i < n; i++)
		if (lines[i].tested) {
			index[k] = i;
			p[k++] = lines[i].p;
		}
	stat_benjamini_hochberg(p, k, FDR_Q, reject);
	for (int j = 0; j < k; j++)
		lines[index[j]].discovery = reject[j];
	free(p);
	free(reject);
	free(index);
}

/* ------------------------------------------------------------------ */
/* Describing the two sides.                                            */

static const char *level_unit(enum level lv)
{
	return lv >= LEVEL_RUNS ? "runs" : "repetitions";
}

/* meta.json's key as text, "(none)" when absent. */
static char *meta_text(json_t *meta, const char *key)
{
	json_t *v = meta ? json_object_get(meta, key) : NULL;

	return v && !json_is_null(v) ? meta_value_text(v) : sys_strdup("(none)");
}

static const char *or_what(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : "?";
}

/* A doctor finding's value, "(none)" when not recorded. */
static char *doctor_text(json_t *meta, const char *name)
{
	json_t *list = json_object_get(json_object_get(meta, "doctor"), "findings"), *f;
	size_t i;

	json_array_foreach(list, i, f)
	{
		if (json_is_string(json_object_get(f, "name")) &&
		    strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
			return sys_fmt("%s (%s)", or_what(json_object_get(f, "value")),
				       or_what(json_object_get(f, "status")));
	}
	return sys_strdup("(none)");
}

/* What one run says about a property, as text. */
static char *property(const struct run *r, const char *key)
{
	if (strcmp(key, "core split") == 0) {
		char *s = meta_text(r->meta, "server_cpus"),
		     *cl = meta_text(r->meta, "client_cpus");
		char *v = sys_fmt("server %s, client %s", s, cl);

		free(s);
		free(cl);
		return v;
	}
	if (strcmp(key, "compiler flags") == 0)
		return meta_text(r->meta, "server_build");
	if (strcmp(key, "doctor quiet") == 0) {
		json_t *q = json_object_get(json_object_get(r->meta, "doctor"), "quiet");

		return sys_strdup(!q ? "(none)" : json_is_true(q) ? "quiet" : "NOT quiet");
	}
	if (strncmp(key, "doctor ", 7) == 0)
		return doctor_text(r->meta, key + 7);
	return meta_text(r->meta, key);
}

/* The distinct values of a property over a side's runs, " | "-joined. */
static char *side_property(const struct side *s, const char *key)
{
	char *out = NULL;

	for (int i = 0; i < s->n; i++) {
		char *v = property(&s->runs[i], key), *joined;

		if (out && strstr(out, v)) {
			free(v);
			continue;
		}
		joined = out ? sys_fmt("%s | %s", out, v) : sys_strdup(v);
		free(out);
		free(v);
		out = joined;
	}
	return out;
}

/* The median host_load (1-minute load average as each run began). */
static double side_load(const struct side *s)
{
	struct sample l = {.n = 0};

	for (int i = 0; i < s->n; i++)
		for (int k = 0; k < s->runs[i].t.n; k++)
			if (row_in_run(&s->runs[i], k))
				sample_add(&l, s->runs[i].t.rows[k].host_load);
	return sample_median(&l);
}

/* The io_uring modes a side's io-uring runs used ("multishot", "accept
 * multishot, receive single-shot"), distinct, joined by " / "; "" when it
 * ran no io-uring. */
static void side_uring_modes(const struct side *s, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < s->n; i++)
		for (int k = 0; k < s->runs[i].t.n; k++) {
			const char *mode = s->runs[i].t.rows[k].io_uring_mode;

			if (row_in_run(&s->runs[i], k) && mode[0] && !strstr(buf, mode))
				snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
					 buf[0] ? " / " : "", mode);
		}
}

static void describe_sides(const struct compare *c)
{
	static const char *const keys[] = {"cpu_model",
					   "cores",
					   "core split",
					   "compiler",
					   "compiler flags",
					   "cflags_env",
					   "git_commit",
					   "suite",
					   "doctor cpu-governor",
					   "doctor cpu-boost",
					   "doctor smt",
					   "doctor quiet",
					   NULL};
	char *ka = side_property(&c->a, "kernel"), *kb = side_property(&c->b, "kernel");
	char *ba = side_property(&c->a, "boot_id"), *bb = side_property(&c->b, "boot_id");
	char same[512] = "", ua[96], ub[96];
	int differ = 0;

	printf("kernel: A %s, B %s%s\n", ka, kb, strcmp(ka, kb) ? "" : " (same)");
	for (int i = 0; keys[i]; i++) {
		char *va = side_property(&c->a, keys[i]), *vb = side_property(&c->b, keys[i]);

		if (strcmp(va, vb)) {
			if (!differ++)
				printf("besides the kernel, A and B differ in:\n");
			printf("  %-20s A: %s\n  %-20s B: %s\n", keys[i], va, "", vb);
		} else {
			snprintf(same + strlen(same), sizeof(same) - strlen(same), "%s%s",
				 *same ? ", " : "", keys[i]);
		}
		free(va);
		free(vb);
	}
	if (!differ)
		printf("besides the kernel, nothing recorded differs between A and B\n");
	printf("  same on both sides: %s\n", *same ? same : "nothing");
	if (strstr(ba, "(none)") || strstr(bb, "(none)"))
		printf("boot: unknown (a meta.json without boot_id)\n");
	else if (strcmp(ba, bb) == 0 && !strchr(ba, '|'))
		printf("boot: A and B in the same boot (%s)\n", ba);
	else
		printf("boot: A and B in different boots (A %s; B %s)\n", ba, bb);
	side_uring_modes(&c->a, ua, sizeof(ua));
	side_uring_modes(&c->b, ub, sizeof(ub));
	if (ua[0] || ub[0]) /* a kernel upgrade can switch io-uring's receive path */
		printf("io_uring mode%s: A %s; B %s\n", strcmp(ua, ub) ? " DIFFERS" : "",
		       ua[0] ? ua : "(none)", ub[0] ? ub : "(none)");
	printf("load average as the runs began (median host_load): A %.2f, B %.2f\n\n",
	       side_load(&c->a), side_load(&c->b));
	free(ka);
	free(kb);
	free(ba);
	free(bb);
}

/* How many distinct boot_ids a side's runs have (0 when any is unknown). */
static int side_boots(const struct side *s)
{
	char *ids = side_property(s, "boot_id");
	int n = 1;

	if (strstr(ids, "(none)"))
		n = 0;
	for (char *p = ids; n && (p = strchr(p, '|')); p++)
		n++;
	free(ids);
	return n;
}

static void choose_level(struct compare *c)
{
	bool same_dirs = c->a.n == 1 && c->b.n == 1 && !strcmp(c->a.runs[0].dir, c->b.runs[0].dir);

	if (c->a.n == 1 && c->b.n == 1) {
		c->level = same_dirs && c->a.runs[0].build ? LEVEL_BUILDS : LEVEL_REPS;
		c->drift_applies = c->level == LEVEL_REPS && !same_dirs;
	} else {
		c->level =
		    side_boots(&c->a) > 1 || side_boots(&c->b) > 1 ? LEVEL_BOOTS : LEVEL_RUNS;
	}
}

/* A side's CPU-speed control: its one run's values (a value per run,
 * timed before each), or each run's median when it has several runs. */
static void speed_sample(const struct compare *c, const struct side *s, struct sample *out)
{
	struct sample one;
	double v;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < s->n; i++) {
		const struct run *run = &s->runs[i];

		memset(&one, 0, sizeof(one));
		for (int k = 0; k < run->t.n && one.n < SAMPLE_MAX; k++)
			if (row_in_run(run, k) &&
			    results_get(&run->t.rows[k], "cpu_speed_ns", &v) == 0 && isfinite(v))
				sample_add(&one, v);
		if (c->level <= LEVEL_BUILDS) {
			*out = one;
			return;
		}
		if (one.n)
			sample_add(out, sample_median(&one));
	}
}

/* Measures the change of the host's speed between A and B, and says it. */
static void judge_speed(struct compare *c)
{
	struct sample a, b;
	double change, lo, hi;

	speed_sample(c, &c->a, &a);
	speed_sample(c, &c->b, &b);
	c->speed_ratio = 1;
	if (a.n == 0 || b.n == 0 || sample_median(&a) <= 0) {
		printf("host speed: not known for %s (no cpu_speed_ns in runs.csv)\n\n",
		       a.n   ? "B"
		       : b.n ? "A"
			     : "A or B");
		return;
	}
	sample_bootstrap_change(&a, &b, ROUNDS, 2, &change, &lo, &hi);
	c->speed_ratio = 1 + change;
	c->speed_differs = lo > SPEED_BAND || hi < -SPEED_BAND;
	printf("host speed: the CPU-speed control (a fixed loop timed on the server's cores\n"
	       "  before each run) took %+.1f%% [%+.1f%%, %+.1f%%] as long on B as on A (%.4f -> "
	       "%.4f ns).\n",
	       change * 100, lo * 100, hi * 100, sample_median(&a), sample_median(&b));
	if (c->speed_differs)
		printf("  The machine as a whole ran %s on B, whatever the kernel does: a change\n"
		       "  of a time or rate that this explains is answered \"host-wide\", not\n"
		       "  slower or faster.\n\n",
		       change > 0 ? "slower" : "faster");
	else
		printf("  Within +-%.0f%%: the host ran at the same speed.\n\n", SPEED_BAND * 100);
}

static void describe_level(const struct compare *c)
{
	switch (c->level) {
	case LEVEL_REPS:
		printf("interval from: repetitions within one run per side.\n"
		       "  The drift between runs is NOT in it: runs of one build minutes apart\n"
		       "  can differ by more than their repetitions do.\n");
		if (!c->drift_applies)
			printf("  (A and B are the same run.)\n");
		else if (isnan(c->drift))
			printf(
			    "  So no change is called: every cell says \"cannot tell\".  Give\n"
			    "  --drift PCT (the drift measured between two runs of one build, "
			    "e.g.\n"
			    "  by comparing two runs of it with several runs per side) to call\n"
			    "  changes larger than it, or several runs per side (A1,A2,A3\n"
			    "  B1,B2,B3), or run both builds in one run (--build A --build B).\n");
		else
			printf("  With the host's drift of %.1f%%, changes inside it are answered\n"
			       "  \"cannot tell\".\n",
			       c->drift * 100);
		break;
	case LEVEL_BUILDS:
		printf("interval from: repetitions of builds '%s' (A) and '%s' (B), interleaved\n"
		       "  in one run (%s): the drift between runs cannot show up as a\n"
		       "  difference.\n",
		       c->a.runs[0].build, c->b.runs[0].build, c->a.runs[0].dir);
		break;
	case LEVEL_RUNS:
	case LEVEL_BOOTS:
		printf("interval from: %s - each run's median is one observation (A %d runs, B %d\n"
		       "  runs), so the drift between runs is in the interval.%s\n",
		       c->level == LEVEL_BOOTS			? "boots (runs from several boots)"
		       : side_boots(&c->a) && side_boots(&c->b) ? "runs within one boot"
								: "runs (boot unknown)",
		       c->a.n, c->b.n,
		       c->level == LEVEL_RUNS ? "  The variation between boots is not." : "");
		break;
	}
	if (c->level >= LEVEL_RUNS)
		printf("  (each run's median of its system call pass for syscalls_per_req)\n");
	printf(
	    "verdict: a change is called only when the whole 95%% bootstrap interval of the\n"
	    "  change in the median lies outside +-%.1f%% and the Mann-Whitney p-value is a\n"
	    "  discovery after Benjamini-Hochberg (q = %.2f) over every cell x metric tested.\n\n",
	    c->threshold * 100, FDR_Q);
}

/* At the run level: how much each level varies, so the reader sees that
 * the level the interval is built from is the larger one.  For each
 * cell and side, the %sd of the repetitions within each run and the %sd
 * of the runs' medians; printed as medians over cells and sides. */
static void print_level_spread(const struct compare *c)
{
	for (int i = 0; i < c->n_metrics; i++) {
		const struct cmetric *m = &c->m[i];
		struct sample reps = {.n = 0}, runs = {.n = 0};

		if (strcmp(m->column, "requests_per_s") &&
		    strcmp(m->column, "server_cpu_us_per_req"))
			continue;
		for (int k = 0; k < c->n_cells; k++)
			for (int sd = 0; sd < 2; sd++) {
				const struct side *s = sd ? &c->b : &c->a;
				struct sample medians = {.n = 0}, one;

				for (int r = 0; r < s->n; r++) {
					run_sample(&s->runs[r], &c->cells[k], m, &one);
					if (one.n >= 2)
						sample_add(&reps, rel_stddev(&one));
					sample_add(&medians, sample_median(&one));
				}
				if (medians.n >= 2)
					sample_add(&runs, rel_stddev(&medians));
			}
		if (reps.n && runs.n)
			printf("  %s varies by ±%.1f%% between repetitions of a run and ±%.1f%% "
			       "between runs\n  (%%sd, median over cells and sides)\n",
			       m->column, sample_median(&reps), sample_median(&runs));
	}
}

/* ------------------------------------------------------------------ */
/* Printing.                                                            */

/* A value in at most 10 characters, as LKP does: integers when large. */
static void put_value(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else if (fabs(v) >= 100 || v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) >= 1)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.3g", v);
}

static void verdict_text(const struct compare *c, const struct line *l, char *buf, size_t size)
{
	const char *unit = level_unit(c->level);

	switch (l->v) {
	case V_NODATA:
		snprintf(buf, size, "no data in %s", l->a.n ? "B" : "A");
		break;
	case V_SHOWN:
		snprintf(buf, size, "(context figure: not judged)");
		break;
	case V_PASSES:
		snprintf(buf, size, "%d/%d counting pass%s: no verdict", l->a.n, l->b.n,
			 l->a.n == 1 && l->b.n == 1 ? "" : "es");
		break;
	case V_ZERO:
		snprintf(buf, size, "A is 0: no relative change");
		break;
	case V_SAME:
		snprintf(buf, size, "no significant change (identical values)");
		break;
	case V_FEW:
		snprintf(buf, size, "too few %s to detect a %.0f%% change (need %s%d per side)",
			 unit, c->threshold * 100, l->need >= 10000 ? ">" : "", l->need);
		break;
	case V_CANNOT:
		if (isnan(c->drift))
			snprintf(buf, size, "cannot tell (one run a side, drift unknown: --drift)");
		else
			snprintf(buf, size, "cannot tell (smallest detectable change %.1f%%)",
				 l->detect * 100);
		break;
	case V_HOST:
		snprintf(buf, size, "host-wide (the host's speed changed %+.1f%%)",
			 (c->speed_ratio - 1) * 100);
		break;
	case V_NONE:
		snprintf(buf, size, "no significant change");
		break;
	case V_SLOWER:
		snprintf(buf, size, "slower");
		break;
	case V_FASTER:
		snprintf(buf, size, "faster");
		break;
	}
}

static void print_line(const struct compare *c, const struct line *l)
{
	char va[32], vb[32], ch[16], ci[32], p[16], cell[2 * SUITE_NAME_MAX + 2], verdict[128];

	put_value(va, sizeof(va), l->ma);
	put_value(vb, sizeof(vb), l->mb);
	if (isnan(l->change)) {
		snprintf(ch, sizeof(ch), "-");
		snprintf(ci, sizeof(ci), "-");
	} else {
		snprintf(ch, sizeof(ch), "%+.1f%%", l->change * 100);
		snprintf(ci, sizeof(ci), "[%+.1f%%,%+.1f%%]", l->lo * 100, l->hi * 100);
	}
	if (l->tested)
		snprintf(p, sizeof(p), "%.2g%s", l->p, l->discovery ? "*" : "");
	else
		snprintf(p, sizeof(p), "-");
	snprintf(cell, sizeof(cell), "%s/%s", c->cells[l->cell].scenario, c->cells[l->cell].model);
	verdict_text(c, l, verdict, sizeof(verdict));
	printf("%10s ±%3.0f%%  %8s  %10s ±%3.0f%%  %-22s %-28s %-17s %-8s %2d/%-2d %s\n", va,
	       l->sda, ch, vb, l->sdb, c->m[l->metric].column, cell, ci, p, l->a.n, l->b.n,
	       verdict);
}

static void print_header(void)
{
	printf("%10s  %-5s  %8s  %10s  %-5s  %-22s %-28s %-17s %-8s %-5s %s\n", "A", "", "", "B",
	       "", "", "", "95% interval", "p (*:", "n", "");
	printf("%10s  %-5s  %8s  %10s  %-5s  %-22s %-28s %-17s %-8s %-5s %s\n", "median", "±%sd",
	       "%change", "median", "±%sd", "metric", "scenario/model", "of %change", "BH hit)",
	       "A/B", "verdict");
}

/* The median of the lines' detectable changes for metric i, or NAN. */
static double median_detect(const struct line *lines, int n, int metric)
{
	struct sample s = {.n = 0};

	for (int i = 0; i < n; i++)
		if (lines[i].metric == metric && !isnan(lines[i].detect))
			sample_add(&s, lines[i].detect);
	return sample_median(&s);
}

static void print_summary(const struct compare *c, const struct line *lines, int n)
{
	int total[V_FASTER + 1] = {0};

	printf("\nper metric: slower / faster / no change (identical values included, not\n"
	       "printed above) / too few / cannot tell / host-wide; the smallest change it\n"
	       "could detect (median over cells of the interval's half-width%s)\n",
	       c->drift_applies && !isnan(c->drift) ? ", at least the drift" : "");
	for (int m = 0; m < c->n_metrics; m++) {
		int k[V_FASTER + 1] = {0}, any = 0;
		double d = median_detect(lines, n, m);

		for (int i = 0; i < n; i++)
			if (lines[i].metric == m) {
				k[lines[i].v]++;
				total[lines[i].v]++;
				any += lines[i].v >= V_SAME;
			}
		if (!any)
			continue;
		printf("  %-24s %3d / %3d / %3d / %3d / %3d / %3d", c->m[m].column, k[V_SLOWER],
		       k[V_FASTER], k[V_NONE] + k[V_SAME], k[V_FEW], k[V_CANNOT], k[V_HOST]);
		if (!isnan(d))
			printf("   detectable: %.1f%%", d * 100);
		printf("\n");
	}
	printf("\n%d cells x %d metrics: %d slower, %d faster beyond %.1f%%, %d too few %s, %d "
	       "cannot tell, %d host-wide\n",
	       c->n_cells, c->n_metrics, total[V_SLOWER], total[V_FASTER], c->threshold * 100,
	       total[V_FEW], level_unit(c->level), total[V_CANNOT], total[V_HOST]);
}

int compare_main(int argc, char **argv)
{
	struct compare c = {.n_metrics = 0};
	struct line *lines;
	int n = 0, slower = 0;
	int shown = -1; /* the group whose title was printed last */

	parse(&c, argc, argv);
	find_cells(&c);
	choose_level(&c);
	for (int s = 0; s < 2; s++) {
		const struct side *sd = s ? &c.b : &c.a;

		printf("%s =", sd->name);
		for (int i = 0; i < sd->n; i++)
			printf(" %s%s%s%s", sd->runs[i].dir, sd->runs[i].build ? " (build " : "",
			       sd->runs[i].build ? sd->runs[i].build : "",
			       sd->runs[i].build ? ")" : "");
		printf("\n");
	}
	describe_sides(&c);
	judge_speed(&c);
	describe_level(&c);
	if (c.level >= LEVEL_RUNS) {
		print_level_spread(&c);
		printf("\n");
	}

	lines = sys_alloc((size_t)(c.n_metrics * c.n_cells + 1) * sizeof(*lines));
	for (int m = 0; m < c.n_metrics; m++)
		for (int k = 0; k < c.n_cells; k++) {
			struct line *l = &lines[n];

			memset(l, 0, sizeof(*l));
			l->metric = m;
			l->cell = k;
			measure(&c, l);
			/* A metric this scenario does not measure (idle
			 * connections of an HTTP scenario): no line. */
			if (l->a.n || l->b.n)
				n++;
		}
	correct(lines, n);
	for (int i = 0; i < n; i++)
		if (lines[i].tested)
			decide(&c, &lines[i]);

	print_header();
	for (int i = 0; i < n; i++) {
		const char *title[] = {
		    "main metrics", "side metrics", "other metrics",
		    "context: load generator, host, context switches (not judged)"};
		enum group g = c.m[lines[i].metric].group;

		if (lines[i].v != V_SAME && (int)g != shown) {
			printf("--- %s\n", title[g]);
			shown = g;
		}
		/* Equal values everywhere (no errors on either side): counted
		 * in the summary, not printed. */
		if (lines[i].v != V_SAME)
			print_line(&c, &lines[i]);
		slower += lines[i].v == V_SLOWER;
	}
	print_summary(&c, lines, n);
	free(lines);
	return slower ? 1 : 0;
}
