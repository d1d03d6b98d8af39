/*
 * agg.h - runs.csv grouped by scenario x model, the repetitions of each
 * cell kept as samples, for the plots, the tables and the summary.
 */
#ifndef BENCH_DATA_AGG_H
#define BENCH_DATA_AGG_H

#include "data/results.h"
#include "data/sample.h"

enum agg_metric {
	AGG_RPS,
	AGG_P50,
	AGG_P90,
	AGG_P99,
	AGG_P999,
	AGG_MAX,
	AGG_ERRORS,
	AGG_CPU,
	AGG_RSS,
	AGG_CLIENT_CPU,
	AGG_SYSCALLS, /* from the system call pass (rep 0) only */
	AGG_MBPS,
	AGG_CONNECT_P50,
	AGG_CONNECT_P99,
	AGG_IDLE_ESTABLISHED,
	AGG_IDLE_ALIVE,
	AGG_REFUSED,
	AGG_TIMEOUTS,
	AGG_METRICS
};

struct agg_cell {
	struct sample m[AGG_METRICS]; /* ok runs only */
	int ok, failed;		      /* measured reps (1..), not the pass */
	char note[256];		      /* a failure reason, or errors of ok runs */
	int median_rep;		      /* the ok rep with the median requests/s */
	int ports_out;		      /* runs failed with "ports ran out" */
};

struct agg_scenario {
	char name[SUITE_NAME_MAX], series[SUITE_NAME_MAX], proto[8];
	double connections;
	struct run_row first; /* its first row: what was run (knobs, CPUs) */
};

struct agg {
	struct agg_scenario *scenarios; /* in runs.csv order */
	int n_scenarios;
	char (*models)[SUITE_NAME_MAX]; /* in runs.csv order */
	int n_models;
	struct agg_cell *cells; /* n_scenarios x n_models */
	/* The load average as runs began: how many, the largest, and how
	 * many began above the number of online CPUs (a busy machine). */
	int load_runs, load_busy;
	double load_max, load_sum;
};

/* Groups the rows of t.  Never fails (an empty table gives empty lists). */
void agg_build(struct agg *a, const struct run_table *t);

/* The cell of scenario i and model j. */
struct agg_cell *agg_cell(const struct agg *a, int i, int j);

/* Name of a metric's runs.csv column ("requests_per_s", ...). */
const char *agg_metric_column(enum agg_metric m);

/* The index of the scenario named name, or -1. */
int agg_find_scenario(const struct agg *a, const char *name);

/* The index of model name, or -1. */
int agg_find_model(const struct agg *a, const char *name);

/* The median of metric m in cell (i, j), or NAN without samples. */
double agg_median(const struct agg *a, int i, int j, enum agg_metric m);

/* The x value of scenario i: its runs.csv column x_key (connections,
 * idle, work_us, ...). */
double agg_x(const struct agg *a, int i);

void agg_free(struct agg *a);

#endif
