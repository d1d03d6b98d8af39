/*
 * plot.c - writes the data each plots/<name>.gp script reads, then runs
 * gnuplot on it.  The scripts own the look; the report model (model.h)
 * owns the numbers; this file only lays them out in gnuplot's format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/sys.h"
#include "report/plot.h"
#include "report/style.h"

/* Prints a number, or "-" (gnuplot's missing value) for NAN. */
static void put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(" -", f);
	else
		fprintf(f, " %.6g", v);
}

static void put_stats(FILE *f, const struct agg_stat *s)
{
	put_num(f, s->median);
	put_num(f, s->min);
	put_num(f, s->max);
}

/* Runs plotdir/<script>.gp with the variables vars; adds the plot to
 * made if gnuplot succeeded. */
void plot_draw(const char *dir, const char *plotdir, const char *script, const char *name,
	       const char *vars, const char *caption, const char *experiment,
	       struct plot_list *made)
{
	char *gp = sys_fmt("%s/%s.gp", plotdir, script);
	char *log = sys_fmt("%s/plots/%s.log", dir, name);
	char *e = sys_fmt("plotdir='%s'; outbase='%s/plots/%s'; %s", plotdir, dir, name, vars);
	char *argv[] = {"/usr/bin/env", "gnuplot", "-e", e, gp, NULL};
	struct stat st;

	if (sys_run(argv, log, 60.0) != 0)
		sys_warn("plot %s failed, see %s", name, log);
	else if (made->n < PLOT_MAX) {
		sys_copy(made->plot[made->n].name, sizeof(made->plot[0].name), name);
		sys_copy(made->plot[made->n].caption, sizeof(made->plot[0].caption), caption);
		sys_copy(made->plot[made->n].experiment, sizeof(made->plot[0].experiment),
			 experiment);
		made->n++;
	}
	/* gnuplot is quiet when all is well: drop empty logs. */
	if (stat(log, &st) == 0 && st.st_size == 0)
		unlink(log);
	free(gp);
	free(log);
	free(e);
}

FILE *plot_open_data(const char *dir, const char *name, char **path)
{
	FILE *f;

	*path = sys_fmt("%s/plots/%s.dat", dir, name);
	f = fopen(*path, "w");
	if (!f)
		sys_warn("cannot write %s", *path);
	return f;
}

const char *plot_x_label(const char *x_key, int *logscale)
{
	static const struct {
		const char *key, *label;
		int log;
	} labels[] = {
	    {"connections", "concurrent connections (log scale)", 1},
	    {"idle", "idle connections held open (plus the active ones)", 0},
	    {"work_us", "CPU work per request (microseconds)", 0},
	    {"delay_us", "backend delay per request (microseconds, log scale)", 1},
	    {"pipeline", "requests in flight per connection (log scale)", 1},
	    {"size", "echo message size (bytes, log scale)", 1},
	};

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(labels[i].key, x_key) == 0) {
			*logscale = labels[i].log;
			return labels[i].label;
		}
	*logscale = 0;
	return x_key;
}

/* Appends word to a space separated list held in *list. */
static void add_word(char **list, const char *word)
{
	char *old = *list;

	*list = *old ? sys_fmt("%s %s", old, word) : sys_strdup(word);
	free(old);
}

/* The models of a plot with a line per model, in the order of their data
 * blocks, with each one's fixed line type and family (report/style.c). */
struct legend {
	char *models, *styles, *families;
	int count;
	int unknown; /* models not in the style table so far */
};

/* More lines than this in one throughput plot: also draw it per family. */
#define FAMILY_PANELS_FROM 8

static void legend_init(struct legend *l)
{
	l->models = sys_strdup("");
	l->styles = sys_strdup("");
	l->families = sys_strdup("");
	l->count = l->unknown = 0;
}

static void legend_add(struct legend *l, const char *model)
{
	char lt[16];
	int k = style_linetype(model, l->unknown);

	l->unknown += strcmp(style_family(model), "other") == 0;
	l->count++;
	snprintf(lt, sizeof(lt), "%d", k);
	add_word(&l->models, model);
	add_word(&l->styles, lt);
	add_word(&l->families, style_family(model));
}

/* The gnuplot variables models, styles and families (caller frees). */
static char *legend_vars(const struct legend *l)
{
	return sys_fmt("models='%s'; styles='%s'; families='%s'", l->models, l->styles,
		       l->families);
}

static void legend_free(struct legend *l)
{
	free(l->models);
	free(l->styles);
	free(l->families);
}

/* throughput-<series> and p99-<series>: one data block per model. */
static void plot_series(const char *dir, const char *plotdir, const struct agg *a,
			const char *series, struct plot_list *made)
{
	int idx[a->n_scenarios + 1], n = agg_series_members(a, series, idx);
	int order[a->n_models + 1];
	char *path, *name = sys_fmt("series-%s", series);
	struct legend lg;
	FILE *f = plot_open_data(dir, name, &path);

	legend_init(&lg);
	style_order((const char(*)[SUITE_NAME_MAX])a->models, a->n_models, order);
	for (int o = 0; f && o < a->n_models; o++) {
		int points = 0, j = order[o];

		for (int k = 0; k < n; k++) {
			const struct agg_cell *c = agg_cell(a, idx[k], j);

			if (c->ok == 0)
				continue;
			if (points++ == 0)
				fprintf(f, "# %s\n", a->models[j]);
			fprintf(f, "%.6g", agg_x(a, idx[k]));
			put_stats(f, &c->st[MET_RPS]);
			put_stats(f, &c->st[MET_P99]);
			fputc('\n', f);
		}
		if (points) {
			fputs("\n\n", f);
			legend_add(&lg, a->models[j]);
		}
	}
	if (f && fclose(f) == 0 && *lg.models) {
		const struct run_row *first = &a->scenarios[idx[0]].first;
		int logx;
		const char *xlabel = plot_x_label(first->x_key, &logx);
		char *lv = legend_vars(&lg);
		char *vars = sys_fmt("datafile='%s'; %s; series='%s'; xlabel='%s'; logx=%d", path,
				     lv, series, xlabel, logx);
		char *tp = sys_fmt("throughput-%s", series), *p99 = sys_fmt("p99-%s", series);
		char *cap1 = sys_fmt("Requests/s against %s, %s scenarios", first->x_key, series);
		char *cap2 = sys_fmt("p99 latency against %s, %s scenarios", first->x_key, series);

		plot_draw(dir, plotdir, "throughput", tp, vars, cap1, first->experiment, made);
		/* Crowded: the same again, a panel per family on shared axes. */
		if (lg.count > FAMILY_PANELS_FROM) {
			char *fp = sys_fmt("families-%s", series);
			char *cap = sys_fmt("Requests/s against %s, %s scenarios, a panel per "
					    "model family (same axes)",
					    first->x_key, series);

			plot_draw(dir, plotdir, "families", fp, vars, cap, first->experiment, made);
			free(fp);
			free(cap);
		}
		plot_draw(dir, plotdir, "p99", p99, vars, cap2, first->experiment, made);
		free(vars);
		free(tp);
		free(p99);
		free(cap1);
		free(cap2);
		free(lv);
	}
	legend_free(&lg);
	free(name);
	free(path);
}

/* cpu and memory: a row per model, median/min/max per scenario. */
static void plot_bars(const char *dir, const char *plotdir, const struct agg *a,
		      enum metric_id metric, const char *script, const char *caption,
		      struct plot_list *made)
{
	char *path, *scenarios = sys_strdup(""), *vars;
	FILE *f = plot_open_data(dir, script, &path);
	int values = 0;

	/* A rate sweep's steps are one plot of their own (plot_sweep); push
	 * scenarios serve no requests, so only their memory is a bar. */
	for (int i = 0; i < a->n_scenarios; i++)
		if (!agg_is_sweep(a, i) && (metric == MET_RSS || !agg_is_push(a, i)))
			add_word(&scenarios, a->scenarios[i].name);
	for (int j = 0; f && j < a->n_models; j++) {
		fprintf(f, "%s", a->models[j]);
		for (int i = 0; i < a->n_scenarios; i++) {
			if (agg_is_sweep(a, i) || (metric != MET_RSS && agg_is_push(a, i)))
				continue;
			put_stats(f, &agg_cell(a, i, j)->st[metric]);
			values += agg_cell(a, i, j)->st[metric].n;
		}
		fputc('\n', f);
	}
	/* gnuplot cannot draw an empty histogram: skip it (all runs failed). */
	if (f && fclose(f) == 0 && values) {
		vars = sys_fmt("datafile='%s'; scenarios='%s'", path, scenarios);
		/* System calls have their own section in index.html. */
		plot_draw(dir, plotdir, script, script, vars, caption,
			  metric == MET_SYSCALLS ? "syscalls" : "", made);
		free(vars);
	}
	free(scenarios);
	free(path);
}

/* The spectrum of one scenario: per model, the repetition with the median
 * throughput (the points come from the model). */
static void plot_spectrum(const char *dir, const char *plotdir, const struct report_model *m,
			  struct plot_list *made)
{
	char *path, *vars, *caption, *lv;
	int order[m->agg.n_models + 1];
	struct legend lg;
	FILE *f = plot_open_data(dir, "spectrum", &path);

	legend_init(&lg);
	style_order((const char(*)[SUITE_NAME_MAX])m->agg.models, m->agg.n_models, order);
	for (int o = 0; f && m->spectrum_i >= 0 && o < m->agg.n_models; o++) {
		int j = order[o];
		const struct model_spectrum *c = &m->curves[j];

		if (c->n < 1)
			continue;
		fprintf(f, "# %s rep %d\n", m->agg.models[j], c->rep);
		for (int k = 0; k < c->n; k++)
			fprintf(f, "%.0f %.9f %.3f\n", c->p[k].latency_us, c->p[k].percentile,
				c->p[k].inverse);
		fputs("\n\n", f);
		legend_add(&lg, m->agg.models[j]);
	}
	if (f && fclose(f) == 0 && *lg.models) {
		lv = legend_vars(&lg);
		vars = sys_fmt("datafile='%s'; %s; scenario='%s'", path, lv, m->spectrum);
		free(lv);
		caption = sys_fmt("Latency percentile spectrum, scenario %s", m->spectrum);
		plot_draw(dir, plotdir, "spectrum", "spectrum", vars, caption, "", made);
		free(vars);
		free(caption);
	}
	legend_free(&lg);
	free(path);
}

/* One batch (hyperfine's export) as bars. */
static void plot_batch(const char *dir, const char *plotdir, const struct model_batch *b,
		       struct plot_list *made)
{
	char *name = sys_strdup(b->file), *path;
	FILE *f;

	name[strlen(name) - 5] = '\0'; /* drop ".json" */
	f = b->n > 0 ? plot_open_data(dir, name, &path) : NULL;
	for (int k = 0; f && k < b->n; k++)
		fprintf(f, "%s %.6f %.6f %.6f \"%s\"\n", b->r[k].model, b->r[k].median_s,
			b->r[k].min_s, b->r[k].max_s, b->note[k][0] ? b->note[k] : "-");
	if (f && fclose(f) == 0) {
		char *vars = sys_fmt("datafile='%s'; batch='%s'", path, name + 6);
		char *caption = sys_fmt("Whole-batch time by hyperfine, %s", name + 6);

		plot_draw(dir, plotdir, "batch", name, vars, caption, "batch", made);
		free(vars);
		free(caption);
		free(path);
	}
	free(name);
}

/* xy_values()'s metric for the memory per idle connection and per push
 * subscriber (model.h), which are not metrics of the table. */
#define XY_IDLE_KIB (-1)
#define XY_PUSH_KIB (-2)

/* One value of cell (i, j) for an xy plot: the metric's median, min and
 * max, or (XY_IDLE_KIB, XY_PUSH_KIB) the memory per idle connection or
 * per subscriber against the lowest count of the series. */
static void xy_values(const struct report_model *m, int i, int j, int metric, double v[3])
{
	const struct agg_stat *s = &agg_cell(&m->agg, i, j)->st[metric < 0 ? 0 : metric];

	if (metric < 0) {
		const double *kib = metric == XY_PUSH_KIB ? m->push_kib : m->idle_kib;

		v[0] = v[1] = v[2] = kib[i * m->agg.n_models + j];
		return;
	}
	v[0] = s->median;
	v[1] = s->min;
	v[2] = s->max;
}

/* One measure against the series' x, a line per model (plots/xy.gp). */
static void plot_xy(const char *dir, const char *plotdir, const struct report_model *m,
		    const char *series, int metric, const char *name, const char *title,
		    const char *ylabel, int logy, const char *caption, struct plot_list *made)
{
	const struct agg *a = &m->agg;
	int idx[a->n_scenarios + 1], n = agg_series_members(a, series, idx), logx;
	int order[a->n_models + 1];
	char *path;
	struct legend lg;
	FILE *f = plot_open_data(dir, name, &path);
	const struct run_row *first = &a->scenarios[idx[0]].first;

	legend_init(&lg);
	style_order((const char(*)[SUITE_NAME_MAX])a->models, a->n_models, order);
	for (int o = 0; f && o < a->n_models; o++) {
		int points = 0, j = order[o];

		for (int k = 0; k < n; k++) {
			double v[3], x = agg_x(a, idx[k]);

			xy_values(m, idx[k], j, metric, v);
			/* A push point sits at the subscribers the model held
			 * (median), not at those asked for: a model that held
			 * 256 of 10,000 must not look as if it served 10,000. */
			if (first->subscribe[0])
				x = agg_cell(a, idx[k], j)->st[MET_SUBSCRIBED].median;
			if (isnan(v[0]) || (logy && v[0] <= 0) || isnan(x) || x <= 0)
				continue;
			if (points++ == 0)
				fprintf(f, "# %s\n", a->models[j]);
			fprintf(f, "%.6g", x);
			for (int q = 0; q < 3; q++)
				put_num(f, v[q]);
			fputc('\n', f);
		}
		if (points) {
			fputs("\n\n", f);
			legend_add(&lg, a->models[j]);
		}
	}
	if (f && fclose(f) == 0 && *lg.models) {
		const char *xlabel = plot_x_label(first->x_key, &logx);
		char *lv = legend_vars(&lg);
		char *vars;

		/* A push series' connections are its subscribers. */
		if (first->subscribe[0])
			xlabel = "subscribers held open (log scale)";
		vars = sys_fmt("datafile='%s'; %s; title='%s'; xlabel='%s'; ylabel='%s'; "
			       "logx=%d; logy=%d",
			       path, lv, title, xlabel, ylabel, logx, logy);

		plot_draw(dir, plotdir, "xy", name, vars, caption, first->experiment, made);
		free(vars);
		free(lv);
	}
	legend_free(&lg);
	free(path);
}

/* Bars per model: each blocking scenario of the series beside its timer
 * twin, so the stall of the sleeping event loops shows at a glance. */
static void plot_blocking(const char *dir, const char *plotdir, const struct agg *a,
			  const char *series, struct plot_list *made)
{
	int idx[a->n_scenarios + 1], n = agg_series_members(a, series, idx), pairs = 0;
	char *path, *name = sys_fmt("blocking-%s", series), *bars = sys_strdup("");
	FILE *f;

	for (int k = 0; k < n; k++) {
		const struct run_row *r = &a->scenarios[idx[k]].first;
		char *w;

		if (a->scenarios[idx[k]].timer_twin < 0)
			continue;
		w = sys_fmt("timer-%.0fus blocking-%.0fus", r->delay_us, r->delay_us);
		add_word(&bars, w);
		free(w);
		pairs++;
	}
	f = pairs ? plot_open_data(dir, name, &path) : NULL;
	for (int j = 0; f && j < a->n_models; j++) {
		fprintf(f, "%s", a->models[j]);
		for (int k = 0; k < n; k++) {
			int t = a->scenarios[idx[k]].timer_twin;

			if (t < 0)
				continue;
			put_stats(f, &agg_cell(a, t, j)->st[MET_RPS]);
			put_stats(f, &agg_cell(a, idx[k], j)->st[MET_RPS]);
		}
		fputc('\n', f);
	}
	if (f && fclose(f) == 0) {
		char *vars = sys_fmt("datafile='%s'; scenarios='%s'; title='Timer against "
				     "--delay-blocking, %.0f connections (log scale)'",
				     path, bars, a->scenarios[idx[0]].first.connections);

		plot_draw(dir, plotdir, "rps", name, vars,
			  "Requests/s with the delay as a timer and as a sleep in the loop",
			  a->scenarios[idx[0]].first.experiment, made);
		free(vars);
		free(path);
	}
	free(bars);
	free(name);
}

static int by_median_desc(const void *x, const void *y, void *arg)
{
	const double *v = arg;
	double a = v[*(const int *)x], b = v[*(const int *)y];

	return (a < b) - (a > b);
}

/* A scenario alone in its series (one load): requests/s of every model as
 * bars sorted from the highest median, with min..max (plots/ranked.gp). */
static void plot_ranked(const char *dir, const char *plotdir, const struct agg *a, int i,
			struct plot_list *made)
{
	int order[a->n_models + 1], n = 0, unknown = 0;
	double med[a->n_models + 1];
	char *path, *name = sys_fmt("ranked-%s", a->scenarios[i].name);
	FILE *f = plot_open_data(dir, name, &path);

	for (int j = 0; j < a->n_models; j++) {
		med[j] = agg_cell(a, i, j)->st[MET_RPS].median;
		if (agg_cell(a, i, j)->st[MET_RPS].n > 0)
			order[n++] = j;
	}
	qsort_r(order, n, sizeof(*order), by_median_desc, med);
	for (int k = 0; f && k < n; k++) {
		const char *model = a->models[order[k]];

		fprintf(f, "%s", model);
		put_stats(f, &agg_cell(a, i, order[k])->st[MET_RPS]);
		fprintf(f, " %d %s\n", style_linetype(model, unknown), style_family(model));
		unknown += strcmp(style_family(model), "other") == 0;
	}
	if (f && fclose(f) == 0 && n > 1) {
		char *vars = sys_fmt("datafile='%s'; title='Throughput at %s, %.0f connections "
				     "- highest first, bars min..max'; ylabel='requests per second "
				     "(log scale)'",
				     path, a->scenarios[i].name, a->scenarios[i].connections);
		char *caption =
		    sys_fmt("Requests/s at %s, every model, sorted", a->scenarios[i].name);

		plot_draw(dir, plotdir, "ranked", name, vars, caption,
			  a->scenarios[i].first.experiment, made);
		free(vars);
		free(caption);
	}
	free(name);
	free(path);
}

/* A rate sweep: p99 (log scale) against the requests/s each open-loop
 * step achieved, a line per model (plots/xy.gp), the probe left out. */
static void plot_sweep(const char *dir, const char *plotdir, const struct report_model *m,
		       const char *series, struct plot_list *made)
{
	const struct agg *a = &m->agg;
	int idx[a->n_scenarios + 1], n = agg_series_members(a, series, idx);
	int order[a->n_models + 1];
	/* "sweep-<series>", unless the series says so already. */
	char *path, *name = sys_fmt("%s%s", strncmp(series, "sweep", 5) ? "sweep-" : "", series);
	struct legend lg;
	FILE *f = plot_open_data(dir, name, &path);

	legend_init(&lg);
	style_order((const char(*)[SUITE_NAME_MAX])a->models, a->n_models, order);
	for (int o = 0; f && o < a->n_models; o++) {
		int points = 0, j = order[o];

		for (int k = 0; k < n; k++) {
			const struct agg_cell *c = agg_cell(a, idx[k], j);
			double p99 = c->st[MET_P99].median / 1000;

			if (agg_is_sweep_probe(a, idx[k]) || c->ok == 0 || !(p99 > 0))
				continue;
			if (points++ == 0)
				fprintf(f, "# %s: requests/s achieved, p99 ms (median, min, max)\n",
					a->models[j]);
			fprintf(f, "%.6g %.6g %.6g %.6g\n", c->st[MET_RPS].median, p99, p99, p99);
		}
		if (points) {
			fputs("\n\n", f);
			legend_add(&lg, a->models[j]);
		}
	}
	if (f && fclose(f) == 0 && *lg.models) {
		char *lv = legend_vars(&lg);
		char *title = sys_fmt(
		    "Latency against offered load (%s): p99 of each open-loop step", series);
		char *vars = sys_fmt("datafile='%s'; %s; title='%s'; xlabel='requests/s achieved, "
				     "log scale (open loop, rates 10%% to 125%% of a closed-loop "
				     "probe)'; "
				     "ylabel='p99 latency (ms, log scale)'; logx=1; logy=1",
				     path, lv, title);
		char *caption =
		    sys_fmt("p99 latency against achieved requests/s, rate sweep %s", series);

		plot_draw(dir, plotdir, "xy", name, vars, caption,
			  a->scenarios[idx[0]].first.experiment, made);
		free(vars);
		free(title);
		free(caption);
		free(lv);
	}
	legend_free(&lg);
	free(name);
	free(path);
}

/* The experiment plots beyond throughput and p99, by what a series ran:
 * memory per idle connection (x = idle, from 0), MB/s against echo
 * message size, connect time without keep-alive. */
static void plot_experiment_extras(const char *dir, const char *plotdir,
				   const struct report_model *m, const char *series,
				   struct plot_list *made)
{
	const struct agg *a = &m->agg;
	int idx[a->n_scenarios + 1], n = agg_series_members(a, series, idx);
	const struct run_row *first = &a->scenarios[idx[0]].first;
	char *name;

	if (n < 2)
		return;
	if (strcmp(first->x_key, "idle") == 0 && first->idle == 0) {
		name = sys_fmt("idle-memory-%s", series);
		plot_xy(dir, plotdir, m, series, XY_IDLE_KIB, name,
			"Memory per idle connection: (peak RSS at N idle - at 0 idle) / N",
			"KiB per idle connection", 0,
			"Server memory per idle connection against idle connections", made);
		free(name);
	}
	if (strcmp(first->x_key, "size") == 0) {
		name = sys_fmt("mbps-%s", series);
		plot_xy(dir, plotdir, m, series, MET_MBPS, name,
			"Echo bandwidth: bytes read back by the client per second",
			"MB/s (log scale)", 1, "Echo MB/s against message size", made);
		free(name);
	}
	if (!first->keepalive) {
		name = sys_fmt("connect-%s", series);
		plot_xy(dir, plotdir, m, series, MET_CONNECT_P50, name,
			"Connect time, a new connection per request (p50)",
			"connect p50 (microseconds)", 0,
			"Connect time (p50, from connect() to writable) without keep-alive", made);
		free(name);
	}
}

/* A push series (one style, 100 to 10,000 subscribers): p99 delivery
 * latency and memory per subscriber against subscribers, a line per
 * model.  Its requests/s are none, so it has no throughput plot. */
static void plot_push(const char *dir, const char *plotdir, const struct report_model *m,
		      const char *series, struct plot_list *made)
{
	const struct agg *a = &m->agg;
	int idx[a->n_scenarios + 1];
	const char *style;
	char *name, *title, *caption;

	agg_series_members(a, series, idx);
	style = a->scenarios[idx[0]].first.subscribe;
	name = sys_fmt("push-p99-%s", style);
	title = sys_fmt("Push (%s): p99 delivery latency, publish to arrival", style);
	caption =
	    sys_fmt("p99 delivery latency against subscribers, %s (series %s)", style, series);
	plot_xy(dir, plotdir, m, series, MET_DELIVERY_P99, name, title,
		"p99 delivery latency (microseconds, log scale)", 1, caption, made);
	free(name);
	free(title);
	free(caption);
	name = sys_fmt("push-memory-%s", style);
	title = sys_fmt("Push (%s): memory per subscriber, (peak RSS at N - at the fewest) / "
			"(held at N - held at the fewest)",
			style);
	caption = sys_fmt("Server memory per subscriber against subscribers, %s (series %s)", style,
			  series);
	plot_xy(dir, plotdir, m, series, XY_PUSH_KIB, name, title, "KiB per subscriber", 0, caption,
		made);
	free(name);
	free(title);
	free(caption);
}

void plot_all(const char *dir, const char *plotdir, const struct report_model *m,
	      struct plot_list *made)
{
	const struct agg *a = &m->agg;

	made->n = 0;
	for (int i = 0; i < a->n_scenarios; i++) {
		int first = 1, idx[a->n_scenarios + 1];

		for (int k = 0; k < i; k++)
			first &= strcmp(a->scenarios[k].series, a->scenarios[i].series) != 0;
		if (first && agg_is_sweep(a, i)) {
			plot_sweep(dir, plotdir, m, a->scenarios[i].series, made);
			continue;
		}
		if (agg_is_push(a, i)) {
			if (first && agg_series_members(a, a->scenarios[i].series, idx) > 1)
				plot_push(dir, plotdir, m, a->scenarios[i].series, made);
			continue;
		}
		/* A line needs two connection counts; one alone is in the bars. */
		if (first && agg_series_members(a, a->scenarios[i].series, idx) > 1) {
			plot_series(dir, plotdir, a, a->scenarios[i].series, made);
			plot_experiment_extras(dir, plotdir, m, a->scenarios[i].series, made);
		}
		/* One load alone: every model ranked on it. */
		if (first && agg_series_members(a, a->scenarios[i].series, idx) == 1 &&
		    !a->scenarios[i].first.delay_blocking)
			plot_ranked(dir, plotdir, a, i, made);
		/* One blocking scenario beside its timer twin is already a lesson. */
		if (first && a->scenarios[i].first.delay_blocking)
			plot_blocking(dir, plotdir, a, a->scenarios[i].series, made);
	}
	if (m->spectrum)
		plot_spectrum(dir, plotdir, m, made);
	plot_bars(dir, plotdir, a, MET_RPS, "rps", "Requests/s of every model in every scenario",
		  made);
	plot_bars(dir, plotdir, a, MET_CPU, "cpu",
		  "Server CPU time (user+system) per request, every scenario", made);
	plot_bars(dir, plotdir, a, MET_SYSCALLS, "syscalls",
		  "System calls of the server tree per request (perf stat, separate pass)", made);
	plot_bars(dir, plotdir, a, MET_RSS, "memory",
		  "Server peak memory (RSS of its process tree), every scenario", made);
	for (int i = 0; i < m->n_batches; i++)
		plot_batch(dir, plotdir, &m->batches[i], made);
}
