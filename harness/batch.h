/*
 * batch.h - whole batches timed with hyperfine, across models.
 *
 * A batch is the seed article's benchmark: N clients each send M messages,
 * think_ms apart ("100 clients x 10 messages, one per second", scaled down
 * so one run takes about a second).  hyperfine times the load generator
 * for every model with --parameter-list; the server is started once per
 * model in hyperfine's --setup and stopped in --cleanup (hyperfine 1.15 on
 * Debian 12 has no --conclude), by `bench server-start` / `server-stop`.
 * A model that cannot finish (iterative) is cut off after bound_s.
 */
#ifndef BENCH_BATCH_H
#define BENCH_BATCH_H

#include "models.h"
#include "runner.h"

/* One model's timings in a hyperfine export. */
struct batch_result {
	char model[64];
	double mean_s, stddev_s, median_s, min_s, max_s;
	int runs;
	int cut_off; /* runs stopped by the bound (timeout exit 124 or 137) */
	int failed;  /* runs whose load generator itself failed */
};

/* Reads hyperfine's --export-json file; *out is allocated (caller frees).
 * Returns the number of results, or -1 if the file is missing or bad. */
int batch_load_results(const char *path, struct batch_result **out);

/* Describes what went wrong in r's runs ("cut off in 3/3 runs"), or "". */
void batch_describe(const struct batch_result *r, char *buf, size_t size);

/* The batch-<name>.json files in dir, sorted, as a NULL-terminated list
 * of file names (caller frees each and the list). */
char **batch_list_files(const char *dir);

/* Runs every batch of env->suite; writes batch-<name>.json (hyperfine's
 * export) into env->outdir.  A missing hyperfine is reported and skipped. */
void batch_run_all(const struct runner_env *env, const struct model_list *m);

/* `bench server-start --build DIR --model M --proto P --cpus LIST --state
 * PREFIX`: starts the server pinned, waits for "listening on", writes
 * PREFIX.addr and PREFIX.pid, and exits leaving the server running. */
int batch_server_start(int argc, char **argv);

/* `bench server-stop --state PREFIX`: SIGTERM, then SIGKILL to the
 * server's group after 2 s; removes nothing of the logs. */
int batch_server_stop(int argc, char **argv);

#endif
