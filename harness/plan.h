/*
 * plan.h - `bench run`: every model x scenario x repetition of a suite,
 * then the hyperfine batches, then the report.
 *
 * Runs are ordered repetition-major (all of rep 1, then all of rep 2...) so
 * that a slow drift of the machine spreads over every model instead of
 * landing on one, and so that a suite stopped half-way already has one
 * repetition of everything.
 */
#ifndef BENCH_PLAN_H
#define BENCH_PLAN_H

#include "cli.h"

/* Runs the whole plan.  Returns the exit status: 0 when every run was done
 * (failed runs are results, not errors), 130 when interrupted. */
int plan_run(struct run_opts *o);

#endif
