/*
 * cli.h - the command line of `bench run` (and the paths it implies).
 */
#ifndef BENCH_RUN_CLI_H
#define BENCH_RUN_CLI_H

#include <stdbool.h>

/* At most this many --build folders in one `bench run`. */
#define RUN_MAX_BUILDS 4

/* One build of the servers: a folder holding server-<model>, and the label
 * its rows carry in runs.csv's build column ("" when there is one build). */
struct run_build {
	const char *dir;
	char label[24]; /* short: "<model>@<label>" names report cells */
};

struct run_opts {
	const char *suite;  /* name in suites/, or a path to a .conf */
	const char *models; /* "epoll libuv" (spaces or commas); NULL = all */
	int reps;	    /* 0 = the suite's */
	double duration_s;  /* 0 = the suite's */
	long work_us;	    /* -1 = the scenario's */
	const char *server_cpus, *client_cpus;
	const char *top;       /* repository root: suites/, plots/, servers/ */
	const char *build_dir; /* server-<model> and loadgen live here (builds[0]) */
	struct run_build builds[RUN_MAX_BUILDS]; /* --build, in order */
	int n_builds;				 /* 1 unless several --build */
	double target_ci; /* --target-ci PCT; 0 = the suite's (0 = fixed reps) */
	int max_reps;	  /* --max-reps N; 0 = the suite's (default 10) */
	int retries;	  /* --retries N: reruns of a disturbed run; -1: 2 if adaptive, else 0 */
	const char *loadgen;
	const char *results_root; /* new folders go under it */
	const char *out;	  /* exact results folder (tests) */
	const char *resume;	  /* carry on in this folder */
	const char *syscalls;	  /* auto, perf, strace or none */
	bool no_batch, no_report, dry_run;
	bool explicit_suite, explicit_models, explicit_reps, explicit_duration;
	bool explicit_syscalls;
	/* Load from several hosts (issue 17, run/agents.h). */
	const char *clients;	 /* --clients T1,T2: NULL = one local loadgen */
	const char *server_host; /* --server-host: NULL/"local" or "netns:NAME" */
	const char *server_addr; /* --server-addr IP: NULL = 127.0.0.1 */
	const char *ssh_config;	 /* --ssh-config FILE: ssh -F FILE */
	int argc;
	char **argv; /* recorded in meta.json */
};

/* Parses `bench run [options]` (argv[0] is "run").  Prints usage and exits
 * 0 on --help, dies on a bad option. */
void cli_parse_run(struct run_opts *o, int argc, char **argv);

/* The folder holding this executable (build/). */
char *cli_exe_dir(void);

/* Prints the usage of every subcommand. */
void cli_usage(void);

#endif
