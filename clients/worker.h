/*
 * worker.h - one thread of the load generator: an event loop over its
 * share of the connections (worker.c), on the --engine's I/O.  What one
 * connection does is client.c's; this is the loop that drives them.
 *
 * The struct is private to worker.c: main makes the workers, runs each on
 * its own thread, and reads back what each measured.
 */
#ifndef LOADGEN_WORKER_H
#define LOADGEN_WORKER_H

#include "loadgen.h"
#include "process.h"

struct worker;

/* Builds the worker for connections [first, first + count). */
struct worker *worker_new(const struct lg_config *cfg, const struct lg_target *tgt,
			  const struct lg_clock *clk, int first, int count);

/* Frees the worker and its results. */
void worker_free(struct worker *w);

/* Thread entry; returns when every connection is done. */
void *worker_run(void *worker);

/* What the worker measured: complete once worker_run() has returned. */
const struct lg_result *worker_result(const struct worker *w);

#endif
