/*
 * hist.h - a log-linear latency histogram (HdrHistogram-style).
 *
 * Values are integer microseconds from 1 us to HIST_HIGHEST (60 s), kept to
 * 3 significant digits: every value below 2048 has its own bucket, and above
 * that each power of two is cut into 1024 equal sub-buckets, so a bucket is
 * never wider than 1/1024 of the values it holds (relative error < 0.1%).
 * Larger values are clamped to HIST_HIGHEST and counted in clamped.
 *
 * The layout is the one HdrHistogram uses for (lowest 1, highest 60 s,
 * 3 digits): 16 buckets of 2048 sub-buckets, 17408 counters, 136 KiB.  A
 * histogram is plain memory: one per thread, merged at the end with
 * hist_merge(), or rebuilt in another process from the (value, count) pairs
 * that hist_next_bucket() lists, with hist_record_n().
 *
 * Not thread-safe: one writer per histogram.  Readers take const pointers.
 */
#ifndef MODELBENCH_HIST_H
#define MODELBENCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_LOWEST 1
#define HIST_HIGHEST 60000000 /* 60 s in microseconds */
#define HIST_SIG_DIGITS 3
#define HIST_SUB_BUCKETS 2048 /* per power of two, HdrHistogram's count */
#define HIST_BUCKETS 16	      /* powers of two from 2048 up to 60 s */
#define HIST_COUNTERS ((HIST_BUCKETS + 1) * (HIST_SUB_BUCKETS / 2))

struct hist {
	uint64_t total;	  /* number of recorded values */
	uint64_t min;	  /* exact smallest recorded value (UINT64_MAX if none) */
	uint64_t max;	  /* exact largest recorded value (0 if none) */
	uint64_t clamped; /* values above HIST_HIGHEST, recorded as HIST_HIGHEST */
	uint64_t counts[HIST_COUNTERS];
};

/* Allocates an empty histogram (136 KiB).  Returns NULL with errno set if
 * out of memory. */
struct hist *hist_new(void);

/* Frees a histogram from hist_new(); NULL is allowed. */
void hist_free(struct hist *h);

/* Empties a histogram. */
void hist_reset(struct hist *h);

/* Records one value (microseconds). */
void hist_record(struct hist *h, uint64_t value);

/* Records count copies of value.  This is how a histogram listed by
 * hist_next_bucket() (for example from loadgen's JSON) is rebuilt. */
void hist_record_n(struct hist *h, uint64_t value, uint64_t count);

/* Adds every count of src to dst (merge of per-thread histograms). */
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at percentile p (0..100): the upper edge of the bucket that
 * holds the ceil(p/100 * total)-th smallest value (at least the first), so
 * the answer is never below the true sample and above it by less than
 * 0.1%.  p >= 100 returns the exact max.  Returns 0 for an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double p);

/* Mean and standard deviation, computed from bucket midpoints (so within
 * the histogram's precision).  0 for an empty histogram. */
double hist_mean(const struct hist *h);
double hist_stdev(const struct hist *h);

/* Share (0..1) of values within one standard deviation of the mean, as
 * wrk's "+/- Stdev" column. */
double hist_within_stdev(const struct hist *h);

/* Lists the non-empty buckets in increasing order.  Start with *cursor = 0;
 * each call stores the lowest value of the next non-empty bucket and its
 * count and returns 1, or returns 0 when there are no more.  Recording
 * that value again lands in the same bucket. */
int hist_next_bucket(const struct hist *h, int *cursor, uint64_t *value, uint64_t *count);

/* Writes the percentile distribution in HdrHistogram's CLASSIC text format
 * (header "Value Percentile TotalCount 1/(1-Percentile)", then the #[Mean,
 * #[Max and #[Buckets footer lines), values divided by scale (1000 prints
 * milliseconds, as wrk2 does), ticks_per_half lines per halving of the
 * remaining percentile distance (HdrHistogram's default is 5).  Returns 0,
 * or -1 with errno set if writing failed. */
int hist_print_classic(const struct hist *h, FILE *f, int ticks_per_half, double scale);

/* Every counter, run-length encoded, for sending a histogram to another
 * process without losing anything (agent mode, clients/agent.c): a value
 * n > 0 is one counter holding n, a value -k is k counters holding 0, and
 * the zeros after the last non-empty counter are left out.  A latency
 * histogram is a few hundred runs, not 17408 counters.  Writes at most cap
 * values to out (HIST_COUNTERS is always enough) and returns how many it
 * needed; a return above cap means out was too short. */
size_t hist_rle_encode(const struct hist *h, int64_t *out, size_t cap);

/* Adds the counters of an encoding from hist_rle_encode() to h, with the
 * exact min, max and clamped count that travel beside it: the result is
 * the hist_merge() of h and the encoded histogram, bit for bit.  Returns
 * 0, or -1 (h unchanged) if the encoding is malformed: a 0, a run past the
 * last counter. */
int hist_rle_add(struct hist *h, const int64_t *rle, size_t n, uint64_t min, uint64_t max,
		 uint64_t clamped);

#endif
