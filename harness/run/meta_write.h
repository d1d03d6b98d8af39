/*
 * meta_write.h - writing meta.json while a suite runs.
 *
 * meta_write() records the machine, the build and the plan as a run
 * starts; the run adds what it learns (the system call counter, the
 * descriptor limit, the core split) and marks the file finished at the
 * end.  Reading it back is data/meta.h.
 */
#ifndef BENCH_RUN_META_WRITE_H
#define BENCH_RUN_META_WRITE_H

#include <jansson.h>

#include "data/suite.h"
#include "run/cli.h"
#include "run/models.h"

/* Writes dir/meta.json for a run that is starting (or resuming).  Dies if
 * the file cannot be written. */
void meta_write(const char *dir, const struct run_opts *o, const struct suite *s,
		const struct model_list *models);

/* Sets dir/meta.json's key to a string (or an integer with meta_set_int). */
void meta_set(const char *dir, const char *key, const char *value);
void meta_set_int(const char *dir, const char *key, long long value);

/* Sets dir/meta.json's key to v (stolen), e.g. the agents' hosts. */
void meta_set_json(const char *dir, const char *key, json_t *v);

/* Records that the run finished, and its wall time, in dir/meta.json. */
void meta_finish(const char *dir, double wall_s);

/* For --resume: fills the options that were not given on the command line
 * (suite, models, reps, duration) from dir/meta.json.  Returns 0 or -1. */
int meta_resume_options(const char *dir, struct run_opts *o);

#endif
