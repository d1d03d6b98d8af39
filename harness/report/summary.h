/*
 * summary.h - the report model as text on the terminal: a table of
 * medians per scenario, the batch timings, every caption and the load
 * average, as `bench run` and `bench report` print them at the end.
 */
#ifndef BENCH_REPORT_SUMMARY_H
#define BENCH_REPORT_SUMMARY_H

#include <stdio.h>

#include "report/model.h"

/* Prints the summary of m to out; plots is how many plots were drawn. */
void summary_print(const struct report_model *m, int plots, FILE *out);

#endif
