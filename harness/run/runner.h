/*
 * runner.h - one run: a model under one scenario, one repetition.
 *
 *   start the server pinned to the server CPUs, on port 0, and wait for its
 *   "listening on" line; run the load generator pinned to the client CPUs
 *   while sampling the server tree's memory; SIGTERM the server and reap it
 *   (SIGKILL after 2 s = stalled); then judge: crash, stall, bad responses
 *   or a failed load generator make the run failed, with a reason.
 */
#ifndef BENCH_RUN_RUNNER_H
#define BENCH_RUN_RUNNER_H

#include <signal.h>
#include <stdbool.h>

#include "data/results.h"
#include "data/suite.h"
#include "run/agents.h"
#include "run/syscount.h"

struct runner_env {
	const char *build_dir;	 /* holds server-<model> */
	const char *build_label; /* "" or NULL with one build; else files are named
				    "<scenario>-<model>@<label>-<rep>" */
	const char *loadgen;	 /* path of build/loadgen */
	const char *server_cpus, *client_cpus;
	int client_ncpus;
	const char *outdir; /* the results folder */
	const struct suite *suite;
	double duration_s;		 /* > 0: overrides the suite and scenario */
	long work_us;			 /* >= 0: overrides the scenario */
	volatile sig_atomic_t *stopping; /* set by SIGINT/SIGTERM */
	enum syscount_method syscalls;	 /* how system calls are counted */
	/* --clients: the load comes from these agents (run/agents.h), not
	 * from one loadgen; NULL = one local loadgen as always. */
	const struct agents_conf *agents;
	const char *server_ns;	 /* --server-host netns:NAME, else NULL */
	const char *server_addr; /* --server-addr: bound and connected to */
};

/* The name of a run's files: "<scenario>-<model>-<rep>"; system call pass
 * k (rep 0) is "<scenario>-<model>-0" for k = 1, "...-0-<k>" after it. */
char *runner_run_name(const struct scenario *sc, const char *model, int rep, int pass);

/* Measured seconds plus warm-up of one run of sc, repetition rep (for the
 * ETA).  Rep 0 is the short system call pass (suite key syscalls_s). */
double runner_planned_s(const struct runner_env *env, const struct scenario *sc, int rep);

/* Whether scenario sc's system calls are counted: then every measured
 * repetition k of a cell is preceded by system call pass k (a rep 0 row),
 * so that the count has as many values as every other metric.  Not for a
 * push scenario: it serves no requests to count them per. */
bool runner_counts_syscalls(const struct runner_env *env, const struct scenario *sc);

/* Performs one run and fills row.  Rep 0 is a system call pass (pass says
 * which, from 1): the counter is attached only then, so it never slows the
 * measured reps; pass is 0 for a measured repetition.  Returns 0 when the
 * row is complete (ok or failed), -1 if the harness was interrupted (row
 * must not be kept). */
int runner_run(const struct runner_env *env, const struct scenario *sc, const char *model, int rep,
	       int pass, struct run_row *row);

#endif
