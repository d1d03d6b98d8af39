/*
 * plot.c - writes the data each plots/<name>.gp script reads, then runs
 * gnuplot on it.  The scripts own the look; this file owns the numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "lgjson.h"
#include "plot.h"
#include "proc.h"
#include "sys.h"

/* Prints a number, or "-" (gnuplot's missing value) for NAN. */
static void put_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(" -", f);
	else
		fprintf(f, " %.6g", v);
}

static void put_stats(FILE *f, const struct sample *s)
{
	put_num(f, sample_median(s));
	put_num(f, sample_min(s));
	put_num(f, sample_max(s));
}

/* Runs plotdir/<script>.gp with the variables vars; adds the plot to
 * made if gnuplot succeeded. */
static void draw(const char *dir, const char *plotdir, const char *script, const char *name,
		 const char *vars, const char *caption, struct plot_list *made)
{
	char *gp = sys_fmt("%s/%s.gp", plotdir, script);
	char *log = sys_fmt("%s/plots/%s.log", dir, name);
	char *e = sys_fmt("plotdir='%s'; outbase='%s/plots/%s'; %s", plotdir, dir, name, vars);
	char *argv[] = {"/usr/bin/env", "gnuplot", "-e", e, gp, NULL};
	struct proc_spawn sp = {
	    .argv = argv, .out_path = log, .err_path = log, .die_with_parent = true};
	struct rusage ru;
	struct stat st;
	int status = -1;
	pid_t pid = proc_start(&sp);

	if (pid < 0 || proc_wait(pid, 60.0, &status, &ru) < 0 || status != 0)
		sys_warn("plot %s failed, see %s", name, log);
	else if (made->n < PLOT_MAX) {
		sys_copy(made->plot[made->n].name, sizeof(made->plot[0].name), name);
		sys_copy(made->plot[made->n].caption, sizeof(made->plot[0].caption), caption);
		made->n++;
	}
	/* gnuplot is quiet when all is well: drop empty logs. */
	if (stat(log, &st) == 0 && st.st_size == 0)
		unlink(log);
	free(gp);
	free(log);
	free(e);
}

static FILE *open_data(const char *dir, const char *name, char **path)
{
	FILE *f;

	*path = sys_fmt("%s/plots/%s.dat", dir, name);
	f = fopen(*path, "w");
	if (!f)
		sys_warn("cannot write %s", *path);
	return f;
}

/* Scenario indexes of one series, by increasing connections. */
static int series_members(const struct agg *a, const char *series, int *idx)
{
	int n = 0;

	for (int i = 0; i < a->n_scenarios; i++)
		if (strcmp(a->scenarios[i].series, series) == 0)
			idx[n++] = i;
	for (int x = 1; x < n; x++)
		for (int y = x; y > 0 && a->scenarios[idx[y]].connections <
					     a->scenarios[idx[y - 1]].connections;
		     y--) {
			int t = idx[y];

			idx[y] = idx[y - 1];
			idx[y - 1] = t;
		}
	return n;
}

/* Appends word to a space separated list held in *list. */
static void add_word(char **list, const char *word)
{
	char *old = *list;

	*list = *old ? sys_fmt("%s %s", old, word) : sys_strdup(word);
	free(old);
}

/* throughput-<series> and p99-<series>: one data block per model. */
static void plot_series(const char *dir, const char *plotdir, const struct agg *a,
			const char *series, struct plot_list *made)
{
	int idx[a->n_scenarios + 1], n = series_members(a, series, idx);
	char *path, *name = sys_fmt("series-%s", series), *models = sys_strdup("");
	FILE *f = open_data(dir, name, &path);

	for (int j = 0; f && j < a->n_models; j++) {
		int points = 0;

		for (int k = 0; k < n; k++) {
			const struct agg_cell *c = agg_cell(a, idx[k], j);

			if (c->ok == 0)
				continue;
			if (points++ == 0)
				fprintf(f, "# %s\n", a->models[j]);
			fprintf(f, "%.0f", a->scenarios[idx[k]].connections);
			put_stats(f, &c->m[AGG_RPS]);
			put_stats(f, &c->m[AGG_P99]);
			fputc('\n', f);
		}
		if (points) {
			fputs("\n\n", f);
			add_word(&models, a->models[j]);
		}
	}
	if (f && fclose(f) == 0 && *models) {
		char *vars =
		    sys_fmt("datafile='%s'; models='%s'; series='%s'", path, models, series);
		char *tp = sys_fmt("throughput-%s", series), *p99 = sys_fmt("p99-%s", series);
		char *cap1 = sys_fmt("Requests/s against connections, %s scenarios", series);
		char *cap2 = sys_fmt("p99 latency against connections, %s scenarios", series);

		draw(dir, plotdir, "throughput", tp, vars, cap1, made);
		draw(dir, plotdir, "p99", p99, vars, cap2, made);
		free(vars);
		free(tp);
		free(p99);
		free(cap1);
		free(cap2);
	}
	free(models);
	free(name);
	free(path);
}

/* cpu and memory: a row per model, median/min/max per scenario. */
static void plot_bars(const char *dir, const char *plotdir, const struct agg *a,
		      enum agg_metric metric, const char *script, const char *caption,
		      struct plot_list *made)
{
	char *path, *scenarios = sys_strdup(""), *vars;
	FILE *f = open_data(dir, script, &path);
	int values = 0;

	for (int i = 0; i < a->n_scenarios; i++)
		add_word(&scenarios, a->scenarios[i].name);
	for (int j = 0; f && j < a->n_models; j++) {
		fprintf(f, "%s", a->models[j]);
		for (int i = 0; i < a->n_scenarios; i++) {
			put_stats(f, &agg_cell(a, i, j)->m[metric]);
			values += agg_cell(a, i, j)->m[metric].n;
		}
		fputc('\n', f);
	}
	/* gnuplot cannot draw an empty histogram: skip it (all runs failed). */
	if (f && fclose(f) == 0 && values) {
		vars = sys_fmt("datafile='%s'; scenarios='%s'", path, scenarios);
		draw(dir, plotdir, script, script, vars, caption, made);
		free(vars);
	}
	free(scenarios);
	free(path);
}

/* The spectrum of one scenario: per model, the repetition with the median
 * throughput, recomputed from the histogram in its loadgen JSON. */
static void plot_spectrum(const char *dir, const char *plotdir, const struct agg *a,
			  const char *scenario, struct plot_list *made)
{
	char *path, *models = sys_strdup(""), *vars, *caption;
	FILE *f = open_data(dir, "spectrum", &path);
	int i;

	for (i = 0; i < a->n_scenarios && strcmp(a->scenarios[i].name, scenario); i++)
		;
	for (int j = 0; f && i < a->n_scenarios && j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);
		char *json =
		    sys_fmt("%s/hist/%s-%s-%d.json", dir, scenario, a->models[j], c->median_rep);
		long at = ftell(f);

		fprintf(f, "# %s rep %d\n", a->models[j], c->median_rep);
		if (c->ok && lgjson_write_spectrum(json, f) > 0) {
			fputs("\n\n", f);
			add_word(&models, a->models[j]);
		} else {
			fseek(f, at, SEEK_SET); /* no histogram: drop the block */
			if (ftruncate(fileno(f), at) < 0)
				sys_warn("cannot truncate %s", path);
		}
		free(json);
	}
	if (f && fclose(f) == 0 && *models) {
		vars = sys_fmt("datafile='%s'; models='%s'; scenario='%s'", path, models, scenario);
		caption = sys_fmt("Latency percentile spectrum, scenario %s", scenario);
		draw(dir, plotdir, "spectrum", "spectrum", vars, caption, made);
		free(vars);
		free(caption);
	}
	free(models);
	free(path);
}

/* One batch-<name>.json (hyperfine's export) as bars. */
static void plot_batch(const char *dir, const char *plotdir, const char *file,
		       struct plot_list *made)
{
	char *json = sys_fmt("%s/%s", dir, file), *name = sys_strdup(file), *path;
	struct batch_result *r;
	int n = batch_load_results(json, &r);
	FILE *f;

	name[strlen(name) - 5] = '\0'; /* drop ".json" */
	f = n > 0 ? open_data(dir, name, &path) : NULL;
	for (int k = 0; f && k < n; k++) {
		char note[96];

		batch_describe(&r[k], note, sizeof(note));
		fprintf(f, "%s %.6f %.6f %.6f \"%s\"\n", r[k].model, r[k].median_s, r[k].min_s,
			r[k].max_s, note[0] ? note : "-");
	}
	if (f && fclose(f) == 0) {
		char *vars = sys_fmt("datafile='%s'; batch='%s'", path, name + 6);
		char *caption = sys_fmt("Whole-batch time by hyperfine, %s", name + 6);

		draw(dir, plotdir, "batch", name, vars, caption, made);
		free(vars);
		free(caption);
		free(path);
	}
	free(r);
	free(name);
	free(json);
}

static void plot_batches(const char *dir, const char *plotdir, struct plot_list *made)
{
	char **files = batch_list_files(dir);

	for (int i = 0; files[i]; i++) {
		plot_batch(dir, plotdir, files[i], made);
		free(files[i]);
	}
	free(files);
}

void plot_all(const char *dir, const char *plotdir, const struct agg *a, const char *spectrum,
	      struct plot_list *made)
{
	made->n = 0;
	for (int i = 0; i < a->n_scenarios; i++) {
		int first = 1, idx[a->n_scenarios + 1];

		for (int k = 0; k < i; k++)
			first &= strcmp(a->scenarios[k].series, a->scenarios[i].series) != 0;
		/* A line needs two connection counts; one alone is in the bars. */
		if (first && series_members(a, a->scenarios[i].series, idx) > 1)
			plot_series(dir, plotdir, a, a->scenarios[i].series, made);
	}
	if (spectrum)
		plot_spectrum(dir, plotdir, a, spectrum, made);
	plot_bars(dir, plotdir, a, AGG_RPS, "rps", "Requests/s of every model in every scenario",
		  made);
	plot_bars(dir, plotdir, a, AGG_CPU, "cpu",
		  "Server CPU time (user+system) per request, every scenario", made);
	plot_bars(dir, plotdir, a, AGG_SYSCALLS, "syscalls",
		  "System calls of the server tree per request (perf stat, separate pass)", made);
	plot_bars(dir, plotdir, a, AGG_RSS, "memory",
		  "Server peak memory (RSS of its process tree), every scenario", made);
	plot_batches(dir, plotdir, made);
}
