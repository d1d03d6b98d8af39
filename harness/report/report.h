/*
 * report.h - what a results folder turns into: PNG and SVG plots drawn by
 * gnuplot from plots/NAME.gp, index.html, and a summary table.
 *
 * Everything is derived from the files in the folder (runs.csv, hist/,
 * batch-*.json, meta.json), so `bench report DIR` redraws a folder from any
 * machine, including one whose run was interrupted or resumed.
 */
#ifndef BENCH_REPORT_REPORT_H
#define BENCH_REPORT_REPORT_H

#include <stdio.h>

/* Draws the plots, writes dir/index.html and prints the summary to out.
 * plotdir holds the .gp scripts.  Returns 0, or -1 if runs.csv cannot be
 * read (a failing plot is reported and skipped). */
int report_build(const char *dir, const char *plotdir, FILE *out);

#endif
