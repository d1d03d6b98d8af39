/*
 * plot.h - data files for gnuplot and the calls that draw them: the
 * renderer of the report model's plots.
 */
#ifndef BENCH_REPORT_PLOT_H
#define BENCH_REPORT_PLOT_H

#include "report/model.h"

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

/* Axis label and whether a log scale suits the x column x_key. */
const char *plot_x_label(const char *x_key, int *logscale);

/* Draws every plot the model allows into dir/plots/. */
void plot_all(const char *dir, const char *plotdir, const struct report_model *m,
	      struct plot_list *made);

#endif
