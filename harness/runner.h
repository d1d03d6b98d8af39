/*
 * runner.h - one run: a model under one scenario, one repetition.
 *
 *   start the server pinned to the server CPUs, on port 0, and wait for its
 *   "listening on" line; run the load generator pinned to the client CPUs
 *   while sampling the server tree's memory; SIGTERM the server and reap it
 *   (SIGKILL after 2 s = stalled); then judge: crash, stall, bad responses
 *   or a failed load generator make the run failed, with a reason.
 */
#ifndef BENCH_RUNNER_H
#define BENCH_RUNNER_H

#include <signal.h>

#include "results.h"
#include "suite.h"

struct runner_env {
	const char *build_dir; /* holds server-<model> */
	const char *loadgen;   /* path of build/loadgen */
	const char *server_cpus, *client_cpus;
	int client_ncpus;
	const char *outdir; /* the results folder */
	const struct suite *suite;
	double duration_s;		 /* > 0: overrides the suite and scenario */
	long work_us;			 /* >= 0: overrides the scenario */
	volatile sig_atomic_t *stopping; /* set by SIGINT/SIGTERM */
};

/* The name of a run's files: "<scenario>-<model>-<rep>". */
char *runner_run_name(const struct scenario *sc, const char *model, int rep);

/* Measured seconds plus warm-up of one run of sc (for the ETA). */
double runner_planned_s(const struct runner_env *env, const struct scenario *sc);

/* Performs one run and fills row.  Returns 0 when the row is complete (ok
 * or failed), -1 if the harness was interrupted (row must not be kept). */
int runner_run(const struct runner_env *env, const struct scenario *sc, const char *model, int rep,
	       struct run_row *row);

#endif
