/*
 * lgjson.h - reading the load generator's --json output (jansson).
 *
 * The field names are the contract in SPEC.md ("Machine-readable outputs").
 */
#ifndef BENCH_DATA_LGJSON_H
#define BENCH_DATA_LGJSON_H

#include <stdio.h>

struct loadgen_summary {
	double requests;	/* completed and verified, measured part */
	double warmup_requests; /* completed during the warm-up */
	double duration_s, requests_per_s, client_cpu_s;
	double p50, p90, p99, p999, max; /* microseconds */
	double err_connect, err_read, err_write, err_timeout;
	double err_bad_response, err_closed;
	double connections_established;
	double idle_established, idle_alive_end; /* NAN without --idle */
	double bytes_read;
	double connect_p50, connect_p99; /* microseconds, NAN if none */
	double err_addrnotavail;	 /* connects with EADDRNOTAVAIL */
};

/* Reads path into r.  Returns 0, or -1 with a message in err. */
int lgjson_load(const char *path, struct loadgen_summary *r, char *err, size_t errlen);

/* Total of every error kind. */
double lgjson_errors(const struct loadgen_summary *r);

/* Describes the non-zero error kinds ("timeout=12 connect=3"), or "". */
void lgjson_describe_errors(const struct loadgen_summary *r, char *buf, size_t size);

/* Writes the latency spectrum of the histogram in path as lines
 * "latency_us percentile 1/(1-percentile)", HdrHistogram style, stopping
 * before the last bucket (where 1/(1-p) is infinite).  Returns the number
 * of lines, or -1 if the file has no histogram. */
int lgjson_write_spectrum(const char *path, FILE *out);

#endif
