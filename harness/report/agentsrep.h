/*
 * agentsrep.h - the per-agent table of a coordinated run (bench run
 * --clients): for every run whose document (hist/<run>.json) lists
 * "agents", each agent's throughput, CPU, errors and latency beside the
 * merged figures, and the measured start skew, so a reader sees whether
 * one client host was the bottleneck.  Nothing is printed for a folder of
 * ordinary runs.
 */
#ifndef BENCH_REPORT_AGENTSREP_H
#define BENCH_REPORT_AGENTSREP_H

#include <stdio.h>

/* The table as text (the terminal summary). */
void agentsrep_text(FILE *out, const char *dir);

/* The table as an HTML section (index.html). */
void agentsrep_html(FILE *f, const char *dir);

#endif
