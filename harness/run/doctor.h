/*
 * doctor.h - is this machine fit to measure on?  (`bench doctor`)
 *
 * Before a number can be trusted across runs, the machine it came from has
 * to be known: a CPU that changes frequency, a sibling hyperthread, other
 * work on the pinned cores or a hypervisor that steals time each move
 * requests/s by more than most regressions do.  The doctor reads what the
 * kernel says about each of these (from /proc and /sys, nothing is changed)
 * and gives one finding per check: ok, or a warning with the reason and the
 * exact command that would fix it.  pyperf's `system show`, LKP's host
 * checks and hyperfine's warnings are the models.
 *
 * The findings fall into two groups:
 *   - "state": what the machine is doing now (load, runnable tasks, steal).
 *     The machine is *quiet* when every state finding is ok.
 *   - "setup": how the machine is configured (governor, turbo, SMT, CPU
 *     isolation, irqbalance, huge pages, sysctls, limits, perf).  A warning
 *     here does not make runs wrong, only noisier or more limited.
 * Some findings only record a value (kernel command line, CPU vulnerability
 * mitigations): they explain differences between kernels, so compare and
 * history can show them.
 *
 * `bench run` runs the doctor silently at its start and keeps the result in
 * meta.json under "doctor".  Tests point it at a fixture tree with --root.
 */
#ifndef BENCH_DOCTOR_H
#define BENCH_DOCTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum doctor_status { DOCTOR_OK, DOCTOR_WARNING, DOCTOR_RECORD };

struct doctor_finding {
	const char *name;  /* "cpu-governor", ... (stable: tests and meta.json use it) */
	const char *group; /* "state" or "setup" or "record" */
	enum doctor_status status;
	char *value;  /* what was read, e.g. "performance on cpu0-1" */
	char *reason; /* why it matters, for a warning; or NULL */
	char *fix;    /* the exact command that would fix it, or NULL */
};

struct doctor_report {
	struct doctor_finding *f;
	int n;
	bool quiet; /* every "state" finding is ok */
};

struct doctor_opts {
	const char *root;    /* "" for this machine, or a fixture tree */
	const char *cpus[2]; /* the server's and the client's CPU lists ("0", "1-3") */
	bool run_commands;   /* probe perf (off for fixtures) */
};

/* Runs every check.  Never fails: a file that cannot be read gives a
 * finding that says so. */
void doctor_run(struct doctor_report *r, const struct doctor_opts *o);

/* {"quiet": true, "warnings": N, "findings": [{name, group, status, value,
 * reason, fix}, ...]} */
json_t *doctor_json(const struct doctor_report *r);

/* The human-readable table `bench doctor` prints. */
void doctor_print(FILE *out, const struct doctor_report *r);

void doctor_free(struct doctor_report *r);

/* `bench doctor [--root DIR] [--json] [--server-cpus L] [--client-cpus L]`:
 * prints the findings; exits 0 when the machine is quiet, 1 otherwise. */
int doctor_main(int argc, char **argv);

#endif
