/*
 * style.h - one colour, point shape and family per model, the same in
 * every plot: the table that plots/common.gp's line types follow.
 */
#ifndef BENCH_REPORT_STYLE_H
#define BENCH_REPORT_STYLE_H

#include "data/suite.h"

/* The gnuplot line type of model (1-15 for the models in the table, in
 * family order; 16-20, then round again, for the nth model not in it). */
int style_linetype(const char *model, int nth_unknown);

/* The model's family, one word for a legend ("blocking", "readiness",
 * "library", "completion", "user-space"), or "other". */
const char *style_family(const char *model);

/* Fills order[0..n) with the indexes of models[0..n), in the table's
 * order (families together), models not in it last in their own order. */
void style_order(const char (*models)[SUITE_NAME_MAX], int n, int *order);

#endif
