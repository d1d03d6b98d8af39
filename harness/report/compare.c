/*
 * compare.c - bootstrap comparison of two result folders (compare.h); a
 * metric's direction comes from its row of data/metrics.h.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/metrics.h"
#include "data/results.h"
#include "data/sample.h"
#include "data/sys.h"
#include "report/compare.h"

#define ROUNDS 10000

static const char usage[] =
    "usage: bench compare A B [--threshold PCT] [--metric COLUMN] | --metrics";

struct compare_opts {
	const char *a, *b, *metric;
	double threshold; /* fraction, 0.05 = 5% */
	int id; /* the metric's row in data/metrics.h, or -1 */
	bool higher_is_better;
};

/* `bench compare --metrics`: every metric with its direction and unit. */
static void list_metrics(void)
{
	for (int i = 0; i < METRICS; i++)
		printf("%-24s %-6s is better  %s\n", metrics[i].column,
		       metrics[i].better == METRIC_HIGHER ? "higher" : "lower", metrics[i].unit);
	exit(0);
}

static void parse(struct compare_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {{"threshold", 1, NULL, 't'},
					     {"metric", 1, NULL, 'm'},
					     {"metrics", 0, NULL, 'l'},
					     {NULL, 0, NULL, 0}};
	char *end;
	int c;

	o->metric = "requests_per_s";
	o->threshold = 0.05;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 't') {
			o->threshold = strtod(optarg, &end) / 100;
			if (end == optarg || *end || o->threshold < 0)
				die("--threshold wants a percentage, got '%s'", optarg);
		} else if (c == 'm') {
			o->metric = optarg;
		} else if (c == 'l') {
			list_metrics();
		} else {
			die("%s", usage);
		}
	}
	if (argc - optind != 2)
		die("%s", usage);
	o->a = argv[optind];
	o->b = argv[optind + 1];
	/* Each metric's direction is its row of data/metrics.h; any other
	 * numeric runs.csv column (connections, host_load...) counts as
	 * lower-is-better. */
	o->id = metric_find(o->metric);
	o->higher_is_better = o->id >= 0 && metrics[o->id].better == METRIC_HIGHER;
}

static void load(const char *dir, struct run_table *t)
{
	char err[256];

	if (results_load_csv(dir, t, err, sizeof(err)) < 0)
		die("%s", err);
	if (t->n == 0)
		die("%s: no runs.csv rows", dir);
}

/* The metric of the ok runs of (scenario, model) in t. */
static void collect(const struct run_table *t, const char *scenario, const char *model,
		    const struct compare_opts *o, struct sample *s)
{
	double v;

	memset(s, 0, sizeof(*s));
	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];

		if (strcmp(r->status, "ok") || strcmp(r->scenario, scenario) ||
		    strcmp(r->model, model))
			continue;
		/* Rep 0 is the system call pass: only its own metrics count,
		 * and only from it. */
		if ((r->rep == 0) != (o->id >= 0 && metrics[o->id].how == METRIC_PASS))
			continue;
		if (results_get(r, o->metric, &v) < 0)
			die("no numeric column '%s' in runs.csv", o->metric);
		sample_add(s, v);
	}
}

static bool has_cell(const struct run_table *t, const char *scenario, const char *model)
{
	for (int k = 0; k < t->n; k++)
		if (!strcmp(t->rows[k].scenario, scenario) && !strcmp(t->rows[k].model, model))
			return true;
	return false;
}

/* True if this (scenario, model) was already compared (rows repeat). */
static bool seen_before(const struct run_table *t, int k)
{
	for (int i = 0; i < k; i++)
		if (!strcmp(t->rows[i].scenario, t->rows[k].scenario) &&
		    !strcmp(t->rows[i].model, t->rows[k].model))
			return true;
	return false;
}

/* Compares one cell; prints its line.  Returns 1 if it got slower. */
static int compare_cell(const struct compare_opts *o, const struct run_table *ta,
			const struct run_table *tb, const char *scenario, const char *model)
{
	struct sample a, b;
	double change, lo, hi, worse, better;
	const char *verdict = "no significant change";

	collect(ta, scenario, model, o, &a);
	collect(tb, scenario, model, o, &b);
	printf("%-16s %-16s ", scenario, model);
	if (a.n == 0 || b.n == 0 ||
	    sample_bootstrap_change(&a, &b, ROUNDS, 1, &change, &lo, &hi) < 0) {
		printf("%12s %12s  (no successful runs in %s)\n", "-", "-", a.n ? "B" : "A");
		return 0;
	}
	/* Express the interval as "how much worse": positive = slower. */
	worse = o->higher_is_better ? -hi : lo;
	better = o->higher_is_better ? lo : -hi;
	if (a.n < 2 || b.n < 2)
		verdict = "too few repetitions";
	else if (worse > 0 && fabs(change) > o->threshold)
		verdict = "slower";
	else if (better > 0 && fabs(change) > o->threshold)
		verdict = "faster";
	printf("%12.6g %12.6g %+8.1f%%  [%+7.1f%%, %+7.1f%%]  %d/%d  %s\n", sample_median(&a),
	       sample_median(&b), change * 100, lo * 100, hi * 100, a.n, b.n, verdict);
	return strcmp(verdict, "slower") == 0;
}

int compare_main(int argc, char **argv)
{
	struct compare_opts o;
	struct run_table ta, tb;
	int slower = 0, compared = 0;

	parse(&o, argc, argv);
	load(o.a, &ta);
	load(o.b, &tb);
	printf("A = %s\nB = %s\nmetric %s (%s is better), 95%% bootstrap CI of the "
	       "change in the median over repetitions, threshold %.1f%%\n\n",
	       o.a, o.b, o.metric, o.higher_is_better ? "higher" : "lower", o.threshold * 100);
	printf("%-16s %-16s %12s %12s %9s  %-20s  %-5s  %s\n", "scenario", "model", "A median",
	       "B median", "change", "95% CI", "reps", "verdict");
	for (int k = 0; k < ta.n; k++) {
		const struct run_row *r = &ta.rows[k];

		if (seen_before(&ta, k) || !has_cell(&tb, r->scenario, r->model))
			continue;
		slower += compare_cell(&o, &ta, &tb, r->scenario, r->model);
		compared++;
	}
	printf("\n%d compared, %d slower beyond %.1f%%\n", compared, slower, o.threshold * 100);
	results_free(&ta);
	results_free(&tb);
	return slower ? 1 : 0;
}
