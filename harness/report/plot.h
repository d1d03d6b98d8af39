/*
 * plot.h - data files for gnuplot and the calls that draw them.
 */
#ifndef BENCH_REPORT_PLOT_H
#define BENCH_REPORT_PLOT_H

#include "data/agg.h"

#define PLOT_MAX 64

/* The plots drawn, for index.html: dir/plots/<name>.png and .svg. */
struct plot_list {
	struct {
		char name[96];
		char caption[256];
		char experiment[64]; /* the index.html section it belongs to */
	} plot[PLOT_MAX];
	int n;
};

/* Runs plotdir/<script>.gp with the gnuplot variables vars, drawing
 * dir/plots/<name>.png and .svg; adds it to made (under experiment, ""
 * for the general section) if gnuplot succeeded. */
void plot_draw(const char *dir, const char *plotdir, const char *script, const char *name,
	       const char *vars, const char *caption, const char *experiment,
	       struct plot_list *made);

/* Opens dir/plots/<name>.dat for writing; *path is its name (caller
 * frees).  NULL (and a warning) if it cannot. */
FILE *plot_open_data(const char *dir, const char *name, char **path);

/* Scenario indexes of one series, by increasing x (agg_x); returns how
 * many.  idx must have room for a->n_scenarios. */
int plot_series_members(const struct agg *a, const char *series, int *idx);

/* Axis label and whether a log scale suits the x column x_key. */
const char *plot_x_label(const char *x_key, int *logscale);

/* Draws every plot the aggregated runs and batch files of dir allow.
 * spectrum names the scenario whose latency spectrum is drawn. */
void plot_all(const char *dir, const char *plotdir, const struct agg *a, const char *spectrum,
	      struct plot_list *made);

#endif
