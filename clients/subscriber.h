/*
 * subscriber.h - --subscribe poll|sse|ws N: hold N push subscribers and
 * measure how late each event reaches each of them (subscriber.c).
 *
 * A subscriber is not a request loop: it sends one request (or one long
 * poll at a time) and then reads what the server pushes, so it has its
 * own per-thread loop rather than a mode of client.c.  main calls
 * subscribers_run() instead of running the workers; the text and JSON
 * reports then print the push figures (struct lg_push).
 */
#ifndef LOADGEN_SUBSCRIBER_H
#define LOADGEN_SUBSCRIBER_H

#include "loadgen.h"
#include "process.h"

/* Sets the run's times in clk, runs cfg->threads threads holding
 * cfg->connections subscribers until the end of -d (or a signal), and
 * fills s->total (connections, errors, bytes) and s->push. */
void subscribers_run(const struct lg_config *cfg, const struct lg_target *tgt, struct lg_clock *clk,
		     struct lg_summary *s);

#endif
