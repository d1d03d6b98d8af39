/*
 * plan.h - `bench run`: every model x scenario x repetition of a suite,
 * then the hyperfine batches, then the report.
 *
 * Runs are ordered repetition-major (all of rep 1, then all of rep 2...) so
 * that a slow drift of the machine spreads over every model instead of
 * landing on one, and so that a suite stopped half-way already has one
 * repetition of everything.
 */
#ifndef BENCH_RUN_PLAN_H
#define BENCH_RUN_PLAN_H

#include <stdio.h>

#include "run/cli.h"

/* Draws the report of a results folder (report/report.h's report_build):
 * main.c hands it in, so that the runner side never includes report/. */
typedef int (*plan_report_fn)(const char *dir, const char *plotdir, FILE *out);

/* Runs the whole plan, then report(dir, TOP/plots, stdout) unless
 * --no-report.  Returns the exit status: 0 when every run was done
 * (failed runs are results, not errors), 130 when interrupted. */
int plan_run(struct run_opts *o, plan_report_fn report);

#endif
