/*
 * html.h - index.html of a results folder: every plot and the medians.
 */
#ifndef BENCH_REPORT_HTML_H
#define BENCH_REPORT_HTML_H

#include "report/model.h"
#include "report/plot.h"

/* Writes m->dir/index.html atomically, showing the plots drawn.  Returns
 * 0 or -1. */
int html_write(const struct report_model *m, const struct plot_list *plots);

/* Writes s to f with <, >, & and " as HTML entities. */
void html_esc(FILE *f, const char *s);

#endif
