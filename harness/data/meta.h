/*
 * meta.h - reading meta.json: where a result set came from.
 *
 * Kernel, CPU, compiler and flags, library versions, git commit, suite,
 * command line, date and CPUs - everything needed to tell whether two
 * result sets can be compared, and to redo the run.  The run writes the
 * file (run/meta_write.h); reports and --resume read it through here.
 */
#ifndef BENCH_DATA_META_H
#define BENCH_DATA_META_H

#include <jansson.h>

/* dir/meta.json parsed, or NULL if it is missing or bad; json_decref() it. */
json_t *meta_load(const char *dir);

/* A value of meta.json as one line of text, as index.html shows it:
 * strings as they are, arrays space-separated, objects "k=v, k=v".  The
 * caller frees it. */
char *meta_value_text(json_t *v);

#endif
