/*
 * plot.h - data files for gnuplot and the calls that draw them.
 */
#ifndef BENCH_PLOT_H
#define BENCH_PLOT_H

#include "agg.h"

#define PLOT_MAX 64

/* The plots drawn, for index.html: dir/plots/<name>.png and .svg. */
struct plot_list {
	struct {
		char name[96];
		char caption[256];
	} plot[PLOT_MAX];
	int n;
};

/* Draws every plot the aggregated runs and batch files of dir allow.
 * spectrum names the scenario whose latency spectrum is drawn. */
void plot_all(const char *dir, const char *plotdir, const struct agg *a, const char *spectrum,
	      struct plot_list *made);

#endif
