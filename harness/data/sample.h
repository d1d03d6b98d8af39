/*
 * sample.h - statistics over the repetitions of one measurement.
 *
 * Repetitions are few (3 to 10), so everything here is exact or resampled,
 * never a normal approximation: medians, min/max, and a percentile
 * bootstrap for the relative change between two result sets.
 */
#ifndef BENCH_DATA_SAMPLE_H
#define BENCH_DATA_SAMPLE_H

#include <stdint.h>

/* Up to SAMPLE_MAX values of one metric; NANs (failed runs) are skipped
 * when added. */
#define SAMPLE_MAX 64

struct sample {
	double v[SAMPLE_MAX];
	int n;
};

void sample_add(struct sample *s, double v);

/* Median, smallest and largest value; NAN for an empty sample. */
double sample_median(const struct sample *s);
double sample_min(const struct sample *s);
double sample_max(const struct sample *s);

/* The median of v[0..n), sorting v in place; NAN when n is 0.  For more
 * values than a struct sample holds (a long series of runs). */
double sample_median_of(double *v, int n);

/* The relative change of the median from a to b (b/a - 1) and its 95%
 * confidence interval by a percentile bootstrap: both samples are
 * resampled with replacement `rounds` times and the 2.5th and 97.5th
 * percentiles of the resampled changes are kept.  The generator is seeded
 * so a comparison prints the same figures every time.  Returns 0, or -1
 * when either sample is empty. */
int sample_bootstrap_change(const struct sample *a, const struct sample *b, int rounds,
			    uint64_t seed, double *change, double *lo, double *hi);

#endif
