/*
 * results.h - the results folder and its runs.csv.
 *
 * results/<date>-<host>-<kernel>/ holds meta.json, runs.csv, hist/ (each
 * run's loadgen JSON and .hgrm), logs/ (server output), plots/ and
 * index.html.  Every file is written atomically (temp file, fsync, rename),
 * so a harness killed at any moment leaves the previous version readable.
 */
#ifndef BENCH_DATA_RESULTS_H
#define BENCH_DATA_RESULTS_H

#include <stddef.h>

#include "data/metrics.h"
#include "data/suite.h"

/* One row of runs.csv.  Numbers are NAN when not measured (empty cells):
 * every number of a failed run, and syscalls_per_req until it is measured. */
struct run_row {
	char suite[SUITE_NAME_MAX], scenario[SUITE_NAME_MAX];
	char model[SUITE_NAME_MAX], proto[8];
	double connections, pipeline, rate, delay_us, work_us, rep;
	char status[8];	  /* "ok" or "failed" */
	char reason[256]; /* why it failed, or which errors it had */
	/* What the run measured: one value per row of data/metrics.h, NAN
	 * when not measured. */
	double m[METRICS];
	/* Columns added after the fixed ones (only ever appended). */
	char series[SUITE_NAME_MAX];
	/* Added for the experiments: the suite a scenario came from, the
	 * column its series is plotted against, and the knobs it used. */
	char experiment[SUITE_NAME_MAX], x_key[32];
	double idle, keepalive, size, delay_blocking;
	char server_cpus[32], client_cpus[32];
	double loadgen_threads;
	double host_load; /* 1-minute load average as the run began */
	/* Issue 13: marks of a run that stays ok but whose figures may not
	 * be the server's alone: "", "disturbed" (other work on the pinned
	 * cores, or steal), "client-bound" (the load generator used more than
	 * 90% of its cores), or both joined by '+'; why is in reason.  Runs
	 * marked "disturbed" are retried (run/plan.c). */
	char flags[64];
	/* The label of the build the servers came from when one `bench run`
	 * ran several (--build A --build B); empty with one build. */
	char build[SUITE_NAME_MAX];
	/* io-uring only: which mode ran, from the server's log: "multishot",
	 * "single-shot", or "accept multishot, receive single-shot". */
	char io_uring_mode[48];
	/* Issue 15: a push scenario's subscribers ("poll", "sse", "ws"; ""
	 * for request runs) and the server's --publish-hz (NAN if none);
	 * connections is then the number of subscribers. */
	char subscribe[8];
	double publish_hz;
};

struct run_table {
	struct run_row *rows;
	int n;
};

/* Creates base/<date>-<host>-<kernel>[-N]/ and its hist/ and logs/
 * subfolders; returns the new path (caller frees).  Dies if it cannot. */
char *results_create_dir(const char *base);

/* Creates dir and its subfolders if missing (for --out and --resume). */
void results_prepare_dir(const char *dir);

/* Writes len bytes to path atomically: temp file, fsync, rename, fsync of
 * the folder.  Returns 0 or -1 (errno set); path is untouched on failure. */
int results_write_atomic(const char *path, const char *data, size_t len);

/* Fills a row's scenario columns (everything before status) from sc. */
void results_row_init(struct run_row *row, const char *suite, const struct scenario *sc,
		      const char *model, int rep);

/* Marks the row failed with a reason and clears its measurements. */
void results_row_fail(struct run_row *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a row to the table (copied). */
void results_add(struct run_table *t, const struct run_row *row);

/* Finds the row of (scenario, model, rep), or NULL. */
const struct run_row *results_find(const struct run_table *t, const char *scenario,
				   const char *model, int rep);

/* The row of (build, scenario, model, rep) that counts for that run: the
 * last one not flagged "disturbed", else the last one; NULL if none.
 * *tries (may be NULL) gets how many rows that run has (retries). */
const struct run_row *results_find_build(const struct run_table *t, const char *build,
					 const char *scenario, const char *model, int rep,
					 int *tries);

/* True if the row's flags say other processes disturbed it. */
int results_disturbed(const struct run_row *r);

/* Writes the whole table to dir/runs.csv atomically.  Returns 0 or -1. */
int results_save_csv(const char *dir, const struct run_table *t);

/* Reads dir/runs.csv (a missing file is an empty table).  Columns are found
 * by their header name, so files with extra columns still load.  Returns 0,
 * or -1 with a message in err. */
int results_load_csv(const char *dir, struct run_table *t, char *err, size_t errlen);

/* The value of the numeric column named column in row r.  Returns 0, or
 * -1 if there is no such numeric column. */
int results_get(const struct run_row *r, const char *column, double *v);

void results_free(struct run_table *t);

#endif
