/*
 * lgjson.h - reading the load generator's --json output (jansson).
 *
 * The field names are the load generator's contract, described in
 * clients/README.md; which of them are metrics is data/metrics.h.
 */
#ifndef BENCH_DATA_LGJSON_H
#define BENCH_DATA_LGJSON_H

#include <stdio.h>

#include "data/metrics.h"

/* What the harness reads of one loadgen --json file.  m[] holds every
 * metric whose row in data/metrics.h names a JSON key (NAN or 0 when the
 * key is missing, as the row says); the rest are the figures the runner
 * judges a run by. */
struct loadgen_summary {
	double m[METRICS];
	double warmup_requests; /* completed during the warm-up */
	double err_read, err_write, err_bad_response, err_closed;
	double connections_established;
	double bytes_read;
};

/* Reads path into r.  Returns 0, or -1 with a message in err. */
int lgjson_load(const char *path, struct loadgen_summary *r, char *err, size_t errlen);

/* Total of every error kind. */
double lgjson_errors(const struct loadgen_summary *r);

/* Describes the non-zero error kinds ("timeout=12 connect=3"), or "". */
void lgjson_describe_errors(const struct loadgen_summary *r, char *buf, size_t size);

/* One point of a latency spectrum: the latency of a histogram bucket,
 * the fraction of requests at or below it, and 1/(1 - that fraction). */
struct spectrum_point {
	double latency_us, percentile, inverse;
};

/* The latency spectrum of the histogram in the loadgen JSON at path,
 * HdrHistogram style, stopping before the last bucket (where 1/(1-p) is
 * infinite).  *out is allocated (caller frees).  Returns the number of
 * points, or -1 if the file has no histogram. */
int lgjson_spectrum(const char *path, struct spectrum_point **out);

#endif
