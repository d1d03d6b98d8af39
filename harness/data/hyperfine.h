/*
 * hyperfine.h - the batch-<name>.json files a results folder holds:
 * hyperfine's --export-json of one batch (run/batch.h runs them), one
 * result per model.
 */
#ifndef BENCH_DATA_HYPERFINE_H
#define BENCH_DATA_HYPERFINE_H

#include <stddef.h>

/* One model's timings in a hyperfine export. */
struct hyperfine_result {
	char model[64];
	double mean_s, stddev_s, median_s, min_s, max_s;
	int runs;
	int cut_off; /* runs stopped by the bound (timeout exit 124 or 137) */
	int failed;  /* runs whose load generator itself failed */
};

/* The batch's settings, which bench adds to hyperfine's export (run/batch.c)
 * under "batch"; files written before that have none. */
struct hyperfine_batch {
	char proto[16];
	int clients, messages, think_ms, idle_timeout_s;
	double bound_s;
};

/* Reads the settings of the batch in path.  Returns 0, or -1 (and clients
 * 0) if the file has none. */
int hyperfine_load_batch(const char *path, struct hyperfine_batch *b);

/* Reads hyperfine's --export-json file; *out is allocated (caller frees).
 * Returns the number of results, or -1 if the file is missing or bad. */
int hyperfine_load(const char *path, struct hyperfine_result **out);

/* Describes what went wrong in r's runs ("cut off in 3/3 runs"), or "". */
void hyperfine_describe(const struct hyperfine_result *r, char *buf, size_t size);

/* The batch-<name>.json files in dir, sorted, as a NULL-terminated list
 * of file names (caller frees each and the list). */
char **hyperfine_list_files(const char *dir);

#endif
