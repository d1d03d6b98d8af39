/*
 * history.c - `bench history`: series of runs, their change points, a
 * trend page and a nightly gate (see history.h).
 *
 * The work is done in three passes, in the load / model / render order of
 * `bench report` (README "Map"):
 *
 *   load     each run folder once: meta.json (kernel, date, CPU model) and
 *            runs.csv (plus its `build` column, if any, which the shared
 *            runs.csv reader does not keep); every cell's repetitions go
 *            into a point of the series its fingerprint names;
 *   model    each series sorted (by date or kernel version), and per
 *            metric the run medians, their change points and the verdict
 *            on the newest run (struct trend);
 *   render   the terminal lines, one .dat and one gnuplot call per plotted
 *            series and metric, and index.html.
 *
 * Failed runs and repetitions are left out, as in every median the report
 * shows; a point without a value for a metric is left out of that
 * metric's series only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/changepoint.h"
#include "data/csv.h"
#include "data/meta.h"
#include "data/metrics.h"
#include "data/results.h"
#include "data/sample.h"
#include "data/sys.h"
#include "report/history.h"
#include "report/html.h"
#include "report/plot.h"

#define CP_MAX 16 /* change points kept per series and metric */
/* Earlier runs (since the last change point) the newest run is judged
 * against when no change point falls on it. */
#define MIN_PREVIOUS 3

static const char usage[] =
    "usage: bench history [DIR...] [--by date|kernel] [--metric COLUMN] [--min-change PCT]\n"
    "                     [--out DIR] [--top REPO] [--check]";

struct hist_opts {
	bool by_kernel, check;
	double min_change;   /* fraction: 0.05 = 5% */
	int metric[METRICS]; /* the metrics followed (data/metrics.h ids) */
	int n_metric;
	const char *out, *top;
};

/* One run folder. */
struct hist_run {
	char *dir, *kernel, *date, *cpu;
};

/* One run of a series: the repetitions of each followed metric. */
struct hist_point {
	int run;	   /* index into history.runs */
	struct sample *sm; /* [n_metric] */
};

/* Everything the fingerprint holds, and the points of the series. */
struct hist_series {
	char suite[SUITE_NAME_MAX], scenario[SUITE_NAME_MAX], model[SUITE_NAME_MAX];
	char cpu[128], server_cpus[32], client_cpus[32], build[64];
	struct hist_point *p;
	int n;
};

struct history {
	struct hist_run *runs;
	int n_runs;
	struct hist_series *s;
	int n_s;
	const struct hist_opts *o;
};

/* One metric of one series, as the model computes it: the points with a
 * value (idx into series.p), their medians, the change points among
 * them, and whether the newest point is a regression. */
struct trend {
	int n, *idx;
	double *x;
	struct change_point cp[CP_MAX];
	int ncp;
	bool regress;
	double change; /* the regression's relative change (from the nearest run) */
	char why[160];
};

/* ---- load ------------------------------------------------------------ */

static const char *json_str(json_t *meta, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(meta, key));

	return s && *s ? s : dflt;
}

/* The `build` column of dir/runs.csv, one entry per row in the order
 * results_load_csv() gives them (it skips blank records, so do we), or
 * NULL when there is no such column. */
static char (*read_builds(const char *dir, int rows))[64]
{
	char *path = sys_fmt("%s/runs.csv", dir), *text = sys_read_file(path, NULL), *pos;
	char *cells[128], (*builds)[64] = NULL;
	int n, col = -1, k = 0;

	free(path);
	if (!text)
		return NULL;
	pos = text;
	n = csv_next_record(&pos, cells, 128);
	for (int i = 0; i < n; i++)
		if (strcmp(cells[i], "build") == 0)
			col = i;
	if (col >= 0) {
		builds = sys_alloc(sizeof(*builds) * (rows + 1));
		while (k < rows && (n = csv_next_record(&pos, cells, 128)) >= 0) {
			if (n == 1 && !cells[0][0])
				continue;
			sys_copy(builds[k++], sizeof(builds[0]), col < n ? cells[col] : "");
		}
		while (k < rows)
			builds[k++][0] = '\0';
	}
	free(text);
	return builds;
}

/* The series of this fingerprint, added if new. */
static struct hist_series *series_of(struct history *h, const struct run_row *r, const char *cpu,
				     const char *build)
{
	struct hist_series key = {0}, *s;

	sys_copy(key.suite, sizeof(key.suite), r->suite);
	sys_copy(key.scenario, sizeof(key.scenario), r->scenario);
	sys_copy(key.model, sizeof(key.model), r->model);
	sys_copy(key.cpu, sizeof(key.cpu), cpu);
	sys_copy(key.server_cpus, sizeof(key.server_cpus), r->server_cpus);
	sys_copy(key.client_cpus, sizeof(key.client_cpus), r->client_cpus);
	sys_copy(key.build, sizeof(key.build), build);
	for (int i = 0; i < h->n_s; i++) {
		s = &h->s[i];
		if (!strcmp(s->suite, key.suite) && !strcmp(s->scenario, key.scenario) &&
		    !strcmp(s->model, key.model) && !strcmp(s->cpu, key.cpu) &&
		    !strcmp(s->server_cpus, key.server_cpus) &&
		    !strcmp(s->client_cpus, key.client_cpus) && !strcmp(s->build, key.build))
			return s;
	}
	h->s = sys_grow(h->s, sizeof(*h->s) * (h->n_s + 1));
	h->s[h->n_s] = key;
	return &h->s[h->n_s++];
}

/* Whether row r holds a value of metric id that its medians take: the
 * system call pass (rep 0) for PASS metrics and only for them; failed
 * runs only for KEPT ones (what a failed run still tells). */
static bool counts(const struct run_row *r, int id)
{
	bool ok = strcmp(r->status, "ok") == 0;

	switch (metrics[id].how) {
	case METRIC_PASS:
		return ok && r->rep == 0;
	case METRIC_KEPT:
		return r->rep >= 1;
	default:
		return ok && r->rep >= 1;
	}
}

/* Loads one run folder into h.  Returns 0, or -1 (and says why on stderr)
 * when it is no run folder. */
static int load_dir(struct history *h, const char *dir)
{
	char err[256], (*builds)[64];
	struct run_table t;
	struct hist_run *run;
	json_t *meta;
	struct stat st;
	char *csv = sys_fmt("%s/runs.csv", dir);
	int missing = stat(csv, &st) != 0;

	free(csv);
	if (missing) {
		fprintf(stderr, "bench history: skipping %s: no runs.csv\n", dir);
		return -1;
	}
	if (results_load_csv(dir, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench history: skipping %s: %s\n", dir, err);
		return -1;
	}
	meta = meta_load(dir);
	if (!meta)
		fprintf(stderr,
			"bench history: %s has no readable meta.json: kernel, CPU and date "
			"unknown\n",
			dir);
	h->runs = sys_grow(h->runs, sizeof(*h->runs) * (h->n_runs + 1));
	run = &h->runs[h->n_runs];
	run->dir = sys_strdup(dir);
	run->kernel = sys_strdup(json_str(meta, "kernel", "?"));
	run->date = sys_strdup(json_str(meta, "date", "?"));
	run->cpu = sys_strdup(json_str(meta, "cpu_model", "?"));
	builds = read_builds(dir, t.n);
	for (int k = 0; k < t.n; k++) {
		const struct run_row *r = &t.rows[k];
		struct hist_series *s = series_of(h, r, run->cpu, builds ? builds[k] : "");
		struct hist_point *p;

		if (s->n == 0 || s->p[s->n - 1].run != h->n_runs) {
			s->p = sys_grow(s->p, sizeof(*s->p) * (s->n + 1));
			p = &s->p[s->n++];
			p->run = h->n_runs;
			p->sm = sys_alloc(sizeof(*p->sm) * h->o->n_metric);
			memset(p->sm, 0, sizeof(*p->sm) * h->o->n_metric);
		}
		p = &s->p[s->n - 1];
		for (int i = 0; i < h->o->n_metric; i++)
			if (counts(r, h->o->metric[i]))
				sample_add(&p->sm[i], r->m[h->o->metric[i]]);
	}
	h->n_runs++;
	free(builds);
	results_free(&t);
	json_decref(meta);
	return 0;
}

/* Every folder of base that holds a runs.csv, in name order; others are
 * skipped with a word (but not the output folder, which is ours). */
static int load_all(struct history *h, const char *base, const char *out)
{
	struct dirent **names;
	int n = scandir(base, &names, NULL, alphasort), loaded = 0;
	char real_out[PATH_MAX];

	if (n < 0)
		die("cannot read %s: %s", base, strerror(errno));
	if (!realpath(out, real_out))
		real_out[0] = '\0';
	for (int i = 0; i < n; i++) {
		char *path = sys_fmt("%s/%s", base, names[i]->d_name), real[PATH_MAX];
		struct stat st;

		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !(realpath(path, real) && strcmp(real, real_out) == 0))
			loaded += load_dir(h, path) == 0;
		free(path);
		free(names[i]);
	}
	free(names);
	return loaded;
}

/* ---- model ----------------------------------------------------------- */

/* Kernel versions compared as people read them: runs of digits as
 * numbers, everything else character by character (6.1.9 < 6.1.10 < 6.2,
 * 6.1 < 6.1.1 < 6.1.1-2), except that a release candidate comes before
 * its release (6.2-rc7 < 6.2). */
static int version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else if (*a != *b) {
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		} else {
			a++;
			b++;
		}
	}
	if (*a)
		return strncmp(a, "-rc", 3) == 0 ? -1 : 1;
	if (*b)
		return strncmp(b, "-rc", 3) == 0 ? 1 : -1;
	return 0;
}

static int point_cmp(const void *pa, const void *pb, void *arg)
{
	const struct history *h = arg;
	const struct hist_run *a = &h->runs[((const struct hist_point *)pa)->run];
	const struct hist_run *b = &h->runs[((const struct hist_point *)pb)->run];
	int c = h->o->by_kernel ? version_cmp(a->kernel, b->kernel) : 0;

	if (!c)
		c = strcmp(a->date, b->date);
	return c ? c : strcmp(a->dir, b->dir);
}

/* How much worse value is than ref, by metric id's direction: the
 * relative change, positive when worse, negative when better. */
static double worse_by(int id, double value, double ref)
{
	double change = value / ref - 1;

	return metrics[id].better == METRIC_HIGHER ? -change : change;
}

/* Medians, change points and the newest-run verdict of metric i of s. */
static void trend_build(const struct history *h, const struct hist_series *s, int i,
			struct trend *tr)
{
	int id = h->o->metric[i], last, start;
	struct cp_opts co;

	memset(tr, 0, sizeof(*tr));
	tr->idx = sys_alloc(sizeof(int) * (s->n + 1));
	tr->x = sys_alloc(sizeof(double) * (s->n + 1));
	for (int k = 0; k < s->n; k++)
		if (s->p[k].sm[i].n > 0) {
			tr->idx[tr->n] = k;
			tr->x[tr->n++] = sample_median(&s->p[k].sm[i]);
		}
	if (tr->n < 2)
		return;
	cp_defaults(&co);
	co.min_change = h->o->min_change;
	tr->ncp = cp_detect(tr->x, tr->n, &co, tr->cp, CP_MAX);

	/* The newest run: a change point on it that goes the bad way, or -
	 * as change points need a few runs after them - the newest median
	 * beyond every median since the last change point by more than
	 * min_change, the bad way. */
	last = tr->n - 1;
	if (tr->ncp && tr->cp[tr->ncp - 1].index == last) {
		const struct change_point *c = &tr->cp[tr->ncp - 1];

		tr->change = c->after / c->before - 1;
		tr->regress = worse_by(id, c->after, c->before) > h->o->min_change;
		snprintf(tr->why, sizeof(tr->why), "a change point at the newest run");
		return;
	}
	start = tr->ncp ? tr->cp[tr->ncp - 1].index : 0;
	/* One or two earlier runs say nothing of how much runs drift: two
	 * runs of one build minutes apart differed by 30% here.  Three or
	 * more, and the newest must lie beyond all of them. */
	if (last - start < MIN_PREVIOUS) {
		snprintf(tr->why, sizeof(tr->why),
			 "too few runs to judge the newest (%d before it, %d needed)", last - start,
			 MIN_PREVIOUS);
		return;
	}
	/* The previous run least favourable to a regression verdict: the
	 * smallest median for a higher-is-better metric, the largest else. */
	double ref = tr->x[start];

	for (int k = start; k < last; k++)
		if (worse_by(id, tr->x[k], ref) > 0)
			ref = tr->x[k];
	if (ref != 0 && worse_by(id, tr->x[last], ref) > h->o->min_change) {
		double *prev = sys_alloc(sizeof(double) * (last - start)), mid;
		int np = last - start;

		memcpy(prev, tr->x + start, sizeof(double) * np);
		mid = sample_median_of(prev, np);
		free(prev);
		tr->regress = true;
		tr->change = tr->x[last] / ref - 1;
		snprintf(tr->why, sizeof(tr->why),
			 "beyond all %d previous run(s) since %s; %+.1f%% from their median", np,
			 tr->ncp ? "the last change point" : "the first",
			 100 * (tr->x[last] / mid - 1));
	}
}

static void trend_free(struct trend *tr)
{
	free(tr->idx);
	free(tr->x);
}

/* ---- render ---------------------------------------------------------- */

static char *fingerprint(const struct hist_series *s)
{
	return sys_fmt("%s/%s/%s @ %s cpus %s/%s%s%s", s->suite, s->scenario, s->model, s->cpu,
		       s->server_cpus[0] ? s->server_cpus : "?",
		       s->client_cpus[0] ? s->client_cpus : "?", s->build[0] ? " build " : "",
		       s->build);
}

/* A copy of s gnuplot can take inside single or double quotes. */
static char *gp_safe(const char *s)
{
	char *c = sys_strdup(s);

	for (char *p = c; *p; p++)
		if (*p == '\'' || *p == '"' || *p == '\\' || *p == '\n')
			*p = '_';
	return c;
}

/* Writes the .dat of metric i of series number si and draws it.  Columns:
 * position, median, min, max, kernel (the x tic label), the mean of the
 * segment between change points.  Returns true if gnuplot drew it. */
static bool draw(const struct history *h, const char *plotdir, int si, int i,
		 const struct trend *tr)
{
	const struct hist_series *s = &h->s[si];
	const struct metric *m = &metrics[h->o->metric[i]];
	char *name = sys_fmt("s%d-%s", si + 1, m->column), *path, *fp = fingerprint(s);
	char *cps = sys_strdup(""), *labels = sys_strdup(""), *vars, *title, *t, badx[16];
	FILE *f = plot_open_data(h->o->out, name, &path);
	struct plot_list made = {.n = 0};
	double *level = sys_alloc(sizeof(double) * (tr->n + 1));

	if (!f)
		goto out;
	/* The level of each segment between change points: its mean. */
	for (int c = 0, a = 0; c <= tr->ncp; c++) {
		int b = c < tr->ncp ? tr->cp[c].index : tr->n;
		double sum = 0;

		for (int j = a; j < b; j++)
			sum += tr->x[j];
		for (int j = a; j < b; j++)
			level[j] = sum / (b - a);
		a = b;
	}
	for (int k = 0; k < tr->n; k++) {
		const struct sample *sm = &s->p[tr->idx[k]].sm[i];
		const struct hist_run *r = &h->runs[s->p[tr->idx[k]].run];
		/* By date, the kernel may repeat: its label gets the day and
		 * time of the run ("2026-11-23T12:05:01" -> "11-23 12:05"). */
		char *label = h->o->by_kernel || strlen(r->date) < 16
				  ? sys_strdup(r->kernel)
				  : sys_fmt("%s %.5s %.5s", r->kernel, r->date + 5, r->date + 11);
		/* Past 30 runs the labels would overlap: every step-th is kept,
		 * and those of the runs just after a change point. */
		int step = (tr->n + 29) / 30;
		bool keep = k % step == 0;
		char *kernel;

		for (int c = 0; c < tr->ncp; c++)
			keep = keep || tr->cp[c].index == k;
		kernel = gp_safe(keep ? label : "");

		fprintf(f, "%d %.6g %.6g %.6g \"%s\" %.6g\n", k, tr->x[k], sample_min(sm),
			sample_max(sm), kernel, level[k]);
		free(kernel);
		free(label);
	}
	fclose(f);
	for (int c = 0; c < tr->ncp; c++) {
		t = cps;
		cps = sys_fmt("%s%s%.1f", t, c ? " " : "", tr->cp[c].index - 0.5);
		free(t);
		t = labels;
		labels = sys_fmt("%s%s%+.1f%%", t, c ? " " : "",
				 100 * (tr->cp[c].after / tr->cp[c].before - 1));
		free(t);
	}
	snprintf(badx, sizeof(badx), "%d", tr->n - 1);
	t = gp_safe(fp);
	title = sys_fmt("%s: %s by %s", t, m->column, h->o->by_kernel ? "kernel" : "date");
	free(t);
	vars = sys_fmt(
	    "datafile='%s'; plottitle='%s'; ylab='%s (%s, %s is better)'; xlab='%s'; cps='%s'; "
	    "cplabels='%s'; badx='%s'; badlabel='regression %+.1f%%'",
	    path, title, m->column, m->unit, m->better == METRIC_HIGHER ? "higher" : "lower",
	    h->o->by_kernel ? "run (kernel release)" : "run (kernel release, date)", cps, labels,
	    tr->regress ? badx : "", 100 * tr->change);
	plot_draw(h->o->out, plotdir, "history", name, vars, "", "", &made);
	free(vars);
	free(title);
out:
	free(level);
	free(cps);
	free(labels);
	free(fp);
	free(path);
	free(name);
	return made.n == 1;
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("-", f);
	else
		fprintf(f, fabs(v) >= 1000 ? "%.0f" : "%.4g", v);
}

/* Prints the model to the terminal and writes index.html; returns the
 * number of regressions on the newest runs. */
static int render(const struct history *h, const char *plotdir)
{
	char *path = sys_fmt("%s/index.html", h->o->out), *tmp = sys_fmt("%s.tmp", path);
	FILE *html = fopen(tmp, "w");
	int regressions = 0, plotted = 0, several = 0;
	char *plots_html = NULL;
	size_t plots_len = 0;
	FILE *plots = open_memstream(&plots_html, &plots_len);

	if (!html || !plots)
		die("cannot write %s: %s", path, strerror(errno));
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>bench history</title>\n"
	      "<style>body{font-family:sans-serif;margin:1em 2em}"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;"
	      "text-align:left}td.n{text-align:right}tr.bad{background:#fdd}"
	      "img{max-width:100%}</style>\n</head><body>\n<h1>History</h1>\n",
	      html);
	for (int si = 0; si < h->n_s; si++)
		several += h->s[si].n >= 2;
	fprintf(html,
		"<p>%d run folder(s), %d series, %d of them with 2 runs or more.  Runs ordered by "
		"%s.  Points are the median of "
		"each run's repetitions, bars their min..max; a dashed line marks a change point "
		"(E-divisive means with a windowed Welch test, data/changepoint.h; at least "
		"%.1f%% change), the thin line the mean between change points.  A series with "
		"fewer than 2 runs is listed, not plotted.</p>\n",
		h->n_runs, h->n_s, several, h->o->by_kernel ? "kernel version" : "date",
		100 * h->o->min_change);
	fputs("<table>\n<tr><th>#</th><th>suite</th><th>scenario</th><th>model</th><th>host "
	      "CPU</th><th>CPUs server/client</th><th>build</th><th>runs</th><th>metric</th>"
	      "<th>latest (kernel)</th><th>change points</th><th>newest run</th></tr>\n",
	      html);
	for (int si = 0; si < h->n_s; si++) {
		const struct hist_series *s = &h->s[si];
		char *fp = fingerprint(s);

		for (int i = 0; i < h->o->n_metric; i++) {
			const struct metric *m = &metrics[h->o->metric[i]];
			struct trend tr;
			const struct hist_run *newest;
			bool drawn;

			trend_build(h, s, i, &tr);
			drawn = tr.n >= 2 && draw(h, plotdir, si, i, &tr);
			newest = tr.n ? &h->runs[s->p[tr.idx[tr.n - 1]].run] : NULL;
			fprintf(html, "<tr%s><td>%d</td><td>", tr.regress ? " class=\"bad\"" : "",
				si + 1);
			html_esc(html, s->suite);
			fputs("</td><td>", html);
			html_esc(html, s->scenario);
			fputs("</td><td>", html);
			html_esc(html, s->model);
			fputs("</td><td>", html);
			html_esc(html, s->cpu);
			fputs("</td><td>", html);
			html_esc(html, s->server_cpus);
			fputs(" / ", html);
			html_esc(html, s->client_cpus);
			fputs("</td><td>", html);
			html_esc(html, s->build);
			fprintf(html, "</td><td class=\"n\">%d</td><td>", tr.n);
			if (drawn)
				fprintf(html, "<a href=\"#s%d-%s\">%s</a>", si + 1, m->column,
					m->column);
			else
				fputs(m->column, html);
			fputs("</td><td class=\"n\">", html);
			put_value(html, tr.n ? tr.x[tr.n - 1] : NAN);
			if (newest) {
				fputs(" (", html);
				html_esc(html, newest->kernel);
				fputs(")", html);
			}
			fputs("</td><td>", html);
			for (int c = 0; c < tr.ncp; c++) {
				const struct hist_run *r =
				    &h->runs[s->p[tr.idx[tr.cp[c].index]].run];
				double pct = 100 * (tr.cp[c].after / tr.cp[c].before - 1);

				fprintf(html, "%srun %d (", c ? "; " : "", tr.cp[c].index + 1);
				html_esc(html, r->kernel);
				fprintf(html, "): %+.1f%%", pct);
				printf(
				    "change point: %s %s at run %d of %d (kernel %s, %s): %.6g -> "
				    "%.6g (%+.1f%%)\n",
				    fp, m->column, tr.cp[c].index + 1, tr.n, r->kernel, r->date,
				    tr.cp[c].before, tr.cp[c].after, pct);
			}
			fprintf(html, "</td><td>%s</td></tr>\n",
				tr.regress ? "regression"
				: tr.n < 2 ? "one run"
					   : "ok");
			if (tr.regress) {
				regressions++;
				printf("regression: %s %s: newest run (kernel %s, %s, %s) %.6g, "
				       "%+.1f%%: %s\n",
				       fp, m->column, newest->kernel, newest->date, newest->dir,
				       tr.x[tr.n - 1], 100 * tr.change, tr.why);
			}
			if (drawn) {
				plotted++;
				fprintf(plots, "<h3 id=\"s%d-%s\">%d. ", si + 1, m->column, si + 1);
				html_esc(plots, fp);
				fprintf(plots, ": %s</h3>\n<p><img src=\"plots/s%d-%s.svg\" alt=\"",
					m->column, si + 1, m->column);
				html_esc(plots, fp);
				fprintf(plots, "\"> <a href=\"plots/s%d-%s.png\">PNG</a></p>\n",
					si + 1, m->column);
			}
			trend_free(&tr);
		}
		printf("series %d: %s, %d run(s)\n", si + 1, fp, s->n);
		free(fp);
	}
	fclose(plots);
	fprintf(html, "</table>\n<h2>Trends (%d plots)</h2>\n", plotted);
	fwrite(plots_html, 1, plots_len, html);
	fputs("<h2>Run folders</h2>\n<table>\n<tr><th>folder</th><th>kernel</th><th>date</th>"
	      "<th>host CPU</th></tr>\n",
	      html);
	for (int r = 0; r < h->n_runs; r++) {
		fputs("<tr><td>", html);
		html_esc(html, h->runs[r].dir);
		fputs("</td><td>", html);
		html_esc(html, h->runs[r].kernel);
		fputs("</td><td>", html);
		html_esc(html, h->runs[r].date);
		fputs("</td><td>", html);
		html_esc(html, h->runs[r].cpu);
		fputs("</td></tr>\n", html);
	}
	fputs("</table>\n</body></html>\n", html);
	if (fclose(html) != 0 || rename(tmp, path) != 0)
		die("cannot write %s: %s", path, strerror(errno));
	printf("history: %d series from %d run folder(s), %d plot(s), %d regression(s) on the "
	       "newest run; %s\n",
	       h->n_s, h->n_runs, plotted, regressions, path);
	free(plots_html);
	free(tmp);
	free(path);
	return regressions;
}

/* ---- main ------------------------------------------------------------ */

/* The repository root: the folder above bench's own (build/..). */
static char *default_top(void)
{
	char path[PATH_MAX], *up, *real;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0)
		die("cannot find my own executable");
	path[n] = '\0';
	up = sys_fmt("%s/..", dirname(path));
	real = realpath(up, NULL);
	if (real) {
		free(up);
		return real;
	}
	return up;
}

static void add_metric(struct hist_opts *o, const char *column)
{
	int id = metric_find(column);

	if (id < 0)
		die("--metric: no metric '%s' (bench compare --metrics lists them)", column);
	for (int i = 0; i < o->n_metric; i++)
		if (o->metric[i] == id)
			return;
	o->metric[o->n_metric++] = id;
}

int history_main(int argc, char **argv)
{
	enum { O_BY = 256, O_METRIC, O_MIN, O_OUT, O_TOP, O_CHECK };
	static const struct option opts[] = {
	    {"by", 1, NULL, O_BY},   {"metric", 1, NULL, O_METRIC}, {"min-change", 1, NULL, O_MIN},
	    {"out", 1, NULL, O_OUT}, {"top", 1, NULL, O_TOP},	    {"check", 0, NULL, O_CHECK},
	    {NULL, 0, NULL, 0}};
	struct hist_opts o = {.min_change = 0.05};
	struct history h = {.o = &o};
	char *top, *plotdir, *plots, *end, *results = NULL, *out = NULL;
	int c, loaded = 0, regressions;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == O_BY && (!strcmp(optarg, "kernel") || !strcmp(optarg, "date")))
			o.by_kernel = !strcmp(optarg, "kernel");
		else if (c == O_METRIC)
			add_metric(&o, optarg);
		else if (c == O_MIN) {
			o.min_change = strtod(optarg, &end) / 100;
			if (end == optarg || *end || o.min_change < 0)
				die("--min-change wants a percentage, got '%s'", optarg);
		} else if (c == O_OUT)
			o.out = optarg;
		else if (c == O_TOP)
			o.top = optarg;
		else if (c == O_CHECK)
			o.check = true;
		else
			die("%s", usage);
	}
	if (o.n_metric == 0) {
		add_metric(&o, "requests_per_s");
		add_metric(&o, "server_cpu_us_per_req");
	}
	top = o.top ? sys_strdup(o.top) : default_top();
	plotdir = sys_fmt("%s/plots", top);
	if (optind == argc)
		results = sys_fmt("%s/results", top);
	if (!o.out)
		o.out = out = sys_fmt("%s/results/history", top);
	plots = sys_fmt("%s/plots", o.out);
	if ((mkdir(o.out, 0777) < 0 && errno != EEXIST) ||
	    (mkdir(plots, 0777) < 0 && errno != EEXIST))
		die("cannot create %s: %s", plots, strerror(errno));
	if (results)
		loaded = load_all(&h, results, o.out);
	for (int i = optind; i < argc; i++)
		loaded += load_dir(&h, argv[i]) == 0;
	if (loaded == 0)
		die("no run folder (a folder with a runs.csv) to read");
	for (int si = 0; si < h.n_s; si++)
		qsort_r(h.s[si].p, h.s[si].n, sizeof(h.s[si].p[0]), point_cmp, &h);
	regressions = render(&h, plotdir);

	for (int si = 0; si < h.n_s; si++) {
		for (int k = 0; k < h.s[si].n; k++)
			free(h.s[si].p[k].sm);
		free(h.s[si].p);
	}
	for (int r = 0; r < h.n_runs; r++) {
		free(h.runs[r].dir);
		free(h.runs[r].kernel);
		free(h.runs[r].date);
		free(h.runs[r].cpu);
	}
	free(h.s);
	free(h.runs);
	free(plots);
	free(plotdir);
	free(top);
	free(results);
	free(out);
	return o.check && regressions ? 1 : 0;
}
