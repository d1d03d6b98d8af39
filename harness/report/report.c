/*
 * report.c - turns a results folder into plots, index.html and a summary
 * table on the terminal (see report.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/agg.h"
#include "data/hyperfine.h"
#include "report/caption.h"
#include "report/html.h"
#include "data/meta.h"
#include "report/plot.h"
#include "report/report.h"
#include "data/results.h"
#include "data/sys.h"

/* "31234 [30100..32000]" or "-" */
static void stat_text(char *buf, size_t size, const struct sample *s, double scale, const char *fmt)
{
	char a[24], b[24], c[24];

	if (s->n == 0) {
		snprintf(buf, size, "-");
		return;
	}
	snprintf(a, sizeof(a), fmt, sample_median(s) * scale);
	snprintf(b, sizeof(b), fmt, sample_min(s) * scale);
	snprintf(c, sizeof(c), fmt, sample_max(s) * scale);
	if (s->n > 1)
		snprintf(buf, size, "%s [%s..%s]", a, b, c);
	else
		snprintf(buf, size, "%s", a);
}

/* A median as text, "-" when there is none. */
static const char *median_text(char *buf, size_t size, const struct sample *s, double scale,
			       const char *fmt)
{
	if (s->n == 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, fmt, sample_median(s) * scale);
	return buf;
}

static void summary_scenario(FILE *out, const struct agg *a, int i)
{
	const struct agg_scenario *sc = &a->scenarios[i];

	fprintf(out, "\n%s (%s, %.0f connections)\n", sc->name, sc->proto, sc->connections);
	fprintf(out, "  %-16s %5s %-26s %8s %8s %8s %9s %8s %8s  %s\n", "model", "ok",
		"requests/s [min..max]", "p50 ms", "p99 ms", "errors", "cpu us/r", "sysc/r",
		"rss MiB", "note");
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);
		char rps[96], ok[24], p50[24], p99[24], errs[24], cpu[24], sysc[24], rss[24];

		if (c->ok + c->failed == 0)
			continue; /* skipped in this scenario */
		stat_text(rps, sizeof(rps), &c->m[AGG_RPS], 1, "%.0f");
		snprintf(ok, sizeof(ok), "%d/%d", c->ok, c->ok + c->failed);
		fprintf(out, "  %-16s %5s %-26s %8s %8s %8s %9s %8s %8s  %.70s\n", a->models[j], ok,
			rps, median_text(p50, sizeof(p50), &c->m[AGG_P50], 1e-3, "%.3g"),
			median_text(p99, sizeof(p99), &c->m[AGG_P99], 1e-3, "%.3g"),
			median_text(errs, sizeof(errs), &c->m[AGG_ERRORS], 1, "%.0f"),
			median_text(cpu, sizeof(cpu), &c->m[AGG_CPU], 1, "%.3g"),
			median_text(sysc, sizeof(sysc), &c->m[AGG_SYSCALLS], 1, "%.3g"),
			median_text(rss, sizeof(rss), &c->m[AGG_RSS], 1 / 1024.0, "%.3g"), c->note);
	}
}

static void summary_batch(FILE *out, const char *dir, const char *file)
{
	char *path = sys_fmt("%s/%s", dir, file);
	struct hyperfine_result *r;
	int n = hyperfine_load(path, &r);

	fprintf(out, "\n%.*s (hyperfine, whole batch)\n  %-16s %10s %10s %10s  %s\n",
		(int)strlen(file) - 5, file, "model", "median s", "min s", "max s", "note");
	for (int k = 0; k < n; k++) {
		char note[96];

		hyperfine_describe(&r[k], note, sizeof(note));
		fprintf(out, "  %-16s %10.3f %10.3f %10.3f  %s\n", r[k].model, r[k].median_s,
			r[k].min_s, r[k].max_s, note);
	}
	free(r);
	free(path);
}

static void summary_batches(FILE *out, const char *dir)
{
	char **files = hyperfine_list_files(dir);

	for (int i = 0; files[i]; i++) {
		summary_batch(out, dir, files[i]);
		free(files[i]);
	}
	free(files);
}

/* The computed caption of every experiment, as on index.html. */
static void summary_captions(FILE *out, const char *dir, const struct agg *a)
{
	char caption[2048];

	for (int i = 0; i < a->n_scenarios; i++) {
		const char *e = a->scenarios[i].first.experiment;
		bool seen = false;

		for (int k = 0; k < i; k++)
			seen |= strcmp(a->scenarios[k].first.experiment, e) == 0;
		caption_experiment(a, e, caption, sizeof(caption));
		if (!seen && caption[0])
			fprintf(out, "\n== %s ==\n%s\n", caption_title(e), caption);
	}
	caption_batches(dir, caption, sizeof(caption));
	if (caption[0])
		fprintf(out, "\n== %s ==\n%s\n", caption_title("batch"), caption);
	caption_syscalls(a, caption, sizeof(caption));
	if (caption[0])
		fprintf(out, "\n== %s ==\n%s\n", caption_title("syscalls"), caption);
}

int report_build(const char *dir, const char *plotdir, FILE *out)
{
	struct run_table t;
	struct agg a;
	struct plot_list plots;
	char err[256], *spectrum = meta_get(dir, "spectrum");

	if (results_load_csv(dir, &t, err, sizeof(err)) < 0) {
		sys_warn("%s", err);
		free(spectrum);
		return -1;
	}
	agg_build(&a, &t);
	results_prepare_dir(dir); /* a folder copied without plots/ */
	if (!spectrum && a.n_scenarios)
		spectrum = sys_strdup(a.scenarios[0].name);
	plot_all(dir, plotdir, &a, spectrum, &plots);
	if (html_write(dir, &a, &plots) < 0)
		sys_warn("cannot write %s/index.html", dir);
	for (int i = 0; i < a.n_scenarios; i++)
		summary_scenario(out, &a, i);
	summary_batches(out, dir);
	summary_captions(out, dir, &a);
	if (a.load_runs)
		fprintf(
		    out,
		    "\nload average as runs began: mean %.2f, max %.2f; %d of %d runs above %ld\n",
		    a.load_sum / a.load_runs, a.load_max, a.load_busy, a.load_runs,
		    sysconf(_SC_NPROCESSORS_ONLN));
	fprintf(out, "\n%d runs (%d plots) in %s; open %s/index.html\n", t.n, plots.n, dir, dir);
	agg_free(&a);
	results_free(&t);
	free(spectrum);
	return 0;
}
