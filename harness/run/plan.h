/*
 * plan.h - `bench run`: every model x scenario x repetition of a suite,
 * then the hyperfine batches, then the report.
 *
 * Runs are ordered repetition-major (all of rep 1, then all of rep 2...) so
 * that a slow drift of the machine spreads over every model instead of
 * landing on one, and so that a suite stopped half-way already has one
 * repetition of everything.
 *
 * Three things make the numbers hold up better (issue 13):
 *  - several builds (--build A --build B) run alternately, each
 *    (scenario, model) once per build per repetition, which build goes
 *    first rotating, so both builds go through the same drift;
 *  - a run flagged "disturbed" (other processes on its CPUs) is run again,
 *    at most twice, every row kept;
 *  - --target-ci PCT adds repetitions, a round at a time over the cells
 *    that need them, until the 95% interval of each cell's median (order
 *    statistics, see plan.c) is within +-PCT or the cell has --max-reps.
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
