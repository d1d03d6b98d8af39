/*
 * html.h - index.html of a results folder: every plot and the medians.
 */
#ifndef BENCH_REPORT_HTML_H
#define BENCH_REPORT_HTML_H

#include "data/agg.h"
#include "report/plot.h"

/* Writes dir/index.html atomically.  Returns 0 or -1. */
int html_write(const char *dir, const struct agg *a, const struct plot_list *plots);

#endif
