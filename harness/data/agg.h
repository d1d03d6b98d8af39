/*
 * agg.h - runs.csv grouped by scenario x model, the repetitions of each
 * cell kept as samples of every metric (data/metrics.h says which runs
 * count), with their median, min and max, for the report model.
 *
 * Two rules of issue 13: a run of build B is its own model ("epoll@B", see
 * agg_model_key), and a run flagged (runs.csv column flags, e.g.
 * "disturbed": other processes used its CPUs) is left out of its cell's
 * samples when the cell has unflagged ok runs; it still counts as a run.
 */
#ifndef BENCH_DATA_AGG_H
#define BENCH_DATA_AGG_H

#include <stdbool.h>

#include "data/results.h"
#include "data/sample.h"

/* The median, smallest and largest of one metric's sample: what the
 * report shows of it (NAN, n = 0 when there is none). */
struct agg_stat {
	double median, min, max;
	int n;
};

struct agg_cell {
	struct sample m[METRICS];    /* by data/metrics.h's "how" */
	struct agg_stat st[METRICS]; /* each sample's median, min, max */
	int ok, failed;		     /* measured reps (1..), not the pass */
	char note[256];		     /* a failure reason, or errors of ok runs */
	int median_rep;		     /* the ok rep with the median requests/s */
	int ports_out;		     /* runs failed with "ports ran out" */
	double rate;		     /* the offered open-loop rate of its runs
				      * (a sweep step's differs per model); 0 =
				      * closed loop */
};

struct agg_scenario {
	char name[SUITE_NAME_MAX], series[SUITE_NAME_MAX], proto[8];
	double connections;
	struct run_row first; /* its first row: what was run (knobs, CPUs) */
	int timer_twin;	      /* a --delay-blocking scenario: the scenario with
				 the same delay as a timer, same connections
				 and experiment; else -1 */
};

/* A row's model as the report knows it: "epoll", or "epoll@A" when the
 * row came from build A of a run with several builds (runs.csv column
 * build), so that two builds never share a cell.  Returns buf. */
const char *agg_model_key(const struct run_row *r, char *buf, size_t size);

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

/* The index of the scenario named name, or -1. */
int agg_find_scenario(const struct agg *a, const char *name);

/* The index of model name, or -1. */
int agg_find_model(const struct agg *a, const char *name);

/* The median of metric m in cell (i, j), or NAN without samples. */
double agg_median(const struct agg *a, int i, int j, enum metric_id m);

/* The x value of scenario i: its runs.csv column x_key (connections,
 * idle, work_us, ...). */
double agg_x(const struct agg *a, int i);

/* Scenario indexes of one series, by increasing x (agg_x); returns how
 * many.  idx must have room for a->n_scenarios. */
int agg_series_members(const struct agg *a, const char *series, int *idx);

/* Is scenario i a step of a rate sweep (a suite's sweep=N: its x column
 * is "rate")?  Step 0, the closed-loop probe, has rate 0. */
bool agg_is_sweep(const struct agg *a, int i);

/* Is scenario i a rate sweep's closed-loop probe (its step 0)? */
bool agg_is_sweep_probe(const struct agg *a, int i);

/* Memory per idle connection of model j at scenario i, in KiB: (peak RSS
 * at i - peak RSS at the 0-idle scenario i0) / connections still open at
 * the end of i.  NAN when either is missing. */
double agg_kib_per_idle(const struct agg *a, int i, int i0, int j);

/* True if scenario i held push subscribers (loadgen --subscribe). */
bool agg_is_push(const struct agg *a, int i);

/* Memory per push subscriber of model j at scenario i, in KiB: (peak RSS
 * at i - peak RSS at i0) / (subscribers held at the end of i - of i0),
 * i0 being a smaller subscriber count of the series (a push run has at
 * least one subscriber, so there is no 0 to subtract as c10k has).  NAN
 * when either run has no figure or i held no more than i0. */
double agg_kib_per_subscriber(const struct agg *a, int i, int i0, int j);

void agg_free(struct agg *a);

#endif
