/*
 * meta.h - meta.json: where a result set came from.
 *
 * Kernel, CPU, compiler and flags, library versions, git commit, suite,
 * command line, date and CPUs - everything needed to tell whether two
 * result sets can be compared, and to redo the run.
 */
#ifndef BENCH_META_H
#define BENCH_META_H

#include "cli.h"
#include "models.h"
#include "suite.h"

/* Writes dir/meta.json for a run that is starting (or resuming).  Dies if
 * the file cannot be written. */
void meta_write(const char *dir, const struct run_opts *o, const struct suite *s,
		const struct model_list *models);

/* Sets dir/meta.json's key to a string (or an integer with meta_set_int). */
void meta_set(const char *dir, const char *key, const char *value);
void meta_set_int(const char *dir, const char *key, long long value);

/* Records that the run finished, and its wall time, in dir/meta.json. */
void meta_finish(const char *dir, double wall_s);

/* For --resume: fills the options that were not given on the command line
 * (suite, models, reps, duration) from dir/meta.json.  Returns 0 or -1. */
int meta_resume_options(const char *dir, struct run_opts *o);

/* A string from dir/meta.json (e.g. "spectrum", "suite"), or NULL; the
 * caller frees it. */
char *meta_get(const char *dir, const char *key);

#endif
