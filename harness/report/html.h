/*
 * html.h - index.html of a results folder: the headline, every plot and
 * the medians, each linking to the files behind it.
 */
#ifndef BENCH_REPORT_HTML_H
#define BENCH_REPORT_HTML_H

#include "report/model.h"
#include "report/plot.h"

/* The data file each plot drawn was made from, as a path relative to the
 * folder ("plots/rps.dat"; "" when there is none), by plot index. */
struct html_plot_data {
	char path[PLOT_MAX][128];
};

/* Writes m->dir/index.html atomically, showing the plots drawn, each with
 * links to its SVG and its data file.  Returns 0 or -1. */
int html_write(const struct report_model *m, const struct plot_list *plots,
	       const struct html_plot_data *data);

/* Writes s to f with <, >, & and " as HTML entities. */
void html_esc(FILE *f, const char *s);

#endif
