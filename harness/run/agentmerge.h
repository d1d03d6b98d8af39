/*
 * agentmerge.h - the merged result of a coordinated run: the agents'
 * loadgen --json documents added up, and their histograms added counter by
 * counter (never percentiles averaged).  Kept apart from agents.c, which
 * is about processes and the protocol, so the arithmetic reads on its own.
 */
#ifndef BENCH_RUN_AGENTMERGE_H
#define BENCH_RUN_AGENTMERGE_H

#include <jansson.h>
#include <stddef.h>

#include "hist.h"

/* The histograms of an agent's result, in this order in merged[]. */
#define AGENTMERGE_HISTS 4 /* latency, uncorrected, connect, ttfb */

/* Adds up n result messages ({"doc":..., "hists":...}, agentproto.h):
 * merged[] (empty histograms from hist_new) receive the sum of every
 * agent's counters, and *doc a new loadgen --json document with the summed
 * counts, the longest measured phase, requests/s over it, and percentiles
 * read from the merged histograms.  Returns 0, or -1 with the reason in
 * err if a result is malformed (*doc untouched). */
int agentmerge(json_t *const *results, int n, struct hist *merged[AGENTMERGE_HISTS], json_t **doc,
	       char *err, size_t errlen);

#endif
