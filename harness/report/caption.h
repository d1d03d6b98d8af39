/*
 * caption.h - the captions of index.html's experiment sections, computed
 * from the runs' own numbers (never fixed text about results).
 *
 * Each experiment (the runs.csv `experiment` column: c10k, slow, cpu,
 * connect, pipeline; any other name gets a generic caption) has a function
 * that picks its scenarios by what they ran (idle count, delay, work,
 * pipelining depth, message size), not by their names, and writes two or
 * three sentences quoting medians: "the iterative server completed 97
 * requests/s at 10 ms delay; 1/delay is 100".
 */
#ifndef BENCH_REPORT_CAPTION_H
#define BENCH_REPORT_CAPTION_H

#include <stddef.h>

#include "data/agg.h"
#include "report/model.h"

/* The section title of an experiment ("C10K: idle connections"). */
const char *caption_title(const char *experiment);

/* Writes the caption of experiment into buf (always terminated; "" when
 * there is nothing to say). */
void caption_experiment(const struct agg *a, const char *experiment, char *buf, size_t size);

/* The caption of the system call section: per model, system calls per
 * request and requests/s in the plainest HTTP scenario (keep-alive, the
 * connection count nearest 100, no delay, work, idle or pipelining). */
void caption_syscalls(const struct agg *a, char *buf, size_t size);

/* Model j's capacity at a latency bound in rate sweep `series`: the most
 * requests/s achieved by an open-loop step that kept up with its offered
 * rate (90% of it), had no errors, and whose p99 stayed within bound_us
 * (wrk2's and Lancet's "capacity at an SLO").
 * NAN when no step of the model met it. */
double caption_sweep_capacity(const struct agg *a, const char *series, int j, double bound_us);

/* The caption of the hyperfine batches (the seed benchmark). */
void caption_batches(const struct model_batch *batches, int n, char *buf, size_t size);

/* The headline of the report (model.h): who served the most requests/s
 * in the plain HTTP scenario and by how much, the lowest p99 and server
 * CPU per request there, the least memory per idle connection, and where
 * models stop serving.  Reads the aggregate, the marks, the memory per
 * idle connection and the batches of m, so it is called last. */
void caption_headline(const struct report_model *m, struct model_headline *h);

#endif
