/*
 * hist.c - a log-linear latency histogram (HdrHistogram-style).
 *
 * Counter index of a value v:
 *   v < 2048:   index v (one bucket per microsecond);
 *   otherwise:  with shift = floor(log2 v) - 10, v >> shift is in
 *               [1024, 2047], and index = shift * 1024 + (v >> shift).
 * So each power of two above 2048 gets 1024 counters of width 1 << shift,
 * and the index space is contiguous.  Recording is a count-leading-zeros,
 * two shifts and an add: cheap enough for every request.
 */
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HALF (HIST_SUB_BUCKETS / 2)

static int index_of(uint64_t v)
{
	int shift;

	if (v < HIST_SUB_BUCKETS)
		return (int)v;
	shift = 63 - __builtin_clzll(v) - 10;
	return shift * HALF + (int)(v >> shift);
}

/* Width of the values counted at index i: 1 up to 2047, then doubling. */
static int shift_of_index(int i)
{
	return i < HIST_SUB_BUCKETS ? 0 : i / HALF - 1;
}

static uint64_t lowest_of_index(int i)
{
	int shift = shift_of_index(i);

	return (uint64_t)(i - shift * HALF) << shift;
}

static uint64_t highest_of_index(int i)
{
	return lowest_of_index(i) + ((uint64_t)1 << shift_of_index(i)) - 1;
}

struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (h)
		hist_reset(h);
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_record_n(struct hist *h, uint64_t value, uint64_t count)
{
	if (count == 0)
		return;
	if (value > HIST_HIGHEST) {
		value = HIST_HIGHEST;
		h->clamped += count;
	}
	h->counts[index_of(value)] += count;
	h->total += count;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

void hist_record(struct hist *h, uint64_t value)
{
	hist_record_n(h, value, 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (int i = 0; i < HIST_COUNTERS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The 1-based rank of the sample at percentile p (nearest-rank method).
 * The tiny downward nudge keeps binary rounding (99.9 * 1000 / 100 =
 * 999.0000000000001) from moving the rank up by one. */
static uint64_t rank_of(double p, uint64_t total)
{
	double x = p / 100.0 * (double)total;
	uint64_t rank = (uint64_t)ceil(x - x * 1e-12);

	if (rank < 1)
		rank = 1;
	return rank > total ? total : rank;
}

/* Upper edge of bucket i, but never above the exact maximum. */
static uint64_t reported_value(const struct hist *h, int i)
{
	uint64_t v = highest_of_index(i);

	return v > h->max ? h->max : v;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;

	if (h->total == 0)
		return 0;
	if (p >= 100.0)
		return h->max;
	rank = rank_of(p, h->total);
	for (int i = 0; i < HIST_COUNTERS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			return reported_value(h, i);
	}
	return h->max;
}

static double midpoint(int i)
{
	return ((double)lowest_of_index(i) + (double)highest_of_index(i)) / 2;
}

double hist_mean(const struct hist *h)
{
	double sum = 0;

	if (h->total == 0)
		return 0;
	for (int i = 0; i < HIST_COUNTERS; i++)
		if (h->counts[i])
			sum += (double)h->counts[i] * midpoint(i);
	return sum / (double)h->total;
}

double hist_stdev(const struct hist *h)
{
	double mean = hist_mean(h), sum = 0;

	if (h->total == 0)
		return 0;
	for (int i = 0; i < HIST_COUNTERS; i++) {
		double d = midpoint(i) - mean;

		if (h->counts[i])
			sum += (double)h->counts[i] * d * d;
	}
	return sqrt(sum / (double)h->total);
}

double hist_within_stdev(const struct hist *h)
{
	double mean = hist_mean(h), sd = hist_stdev(h);
	uint64_t in = 0;

	if (h->total == 0)
		return 0;
	for (int i = 0; i < HIST_COUNTERS; i++)
		if (h->counts[i] && fabs(midpoint(i) - mean) <= sd)
			in += h->counts[i];
	return (double)in / (double)h->total;
}

int hist_next_bucket(const struct hist *h, int *cursor, uint64_t *value, uint64_t *count)
{
	for (int i = *cursor; i < HIST_COUNTERS; i++) {
		if (h->counts[i]) {
			*value = lowest_of_index(i);
			*count = h->counts[i];
			*cursor = i + 1;
			return 1;
		}
	}
	*cursor = HIST_COUNTERS;
	return 0;
}

static void print_line(FILE *f, double value, double p, uint64_t count)
{
	fprintf(f, "%12.3f %12.6f %12llu %12.2f\n", value, p, (unsigned long long)count,
		p < 1.0 ? 1.0 / (1.0 - p) : INFINITY);
}

/* One line per percentile tick, as HdrHistogram's percentile iterator: the
 * step between ticks halves every time the remaining distance to 100%
 * halves, so the tail gets as many lines as the body.  The last line is
 * always 100% at the exact maximum. */
static void print_ticks(const struct hist *h, FILE *f, int ticks_per_half, double scale)
{
	uint64_t seen = h->counts[0];
	double p = 0;
	int i = 0;

	for (int line = 0; line < 100000 && seen < h->total; line++) {
		uint64_t rank = rank_of(p, h->total);
		double halvings;

		while (seen < rank && i + 1 < HIST_COUNTERS)
			seen += h->counts[++i];
		print_line(f, (double)reported_value(h, i) / scale, p / 100, seen);
		halvings = floor(log2(100.0 / (100.0 - p))) + 1;
		p += 100.0 / (ticks_per_half * pow(2, halvings));
	}
	print_line(f, (double)h->max / scale, 1.0, h->total);
}

int hist_print_classic(const struct hist *h, FILE *f, int ticks_per_half, double scale)
{
	if (ticks_per_half < 1)
		ticks_per_half = 5;
	fprintf(f, "%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount",
		"1/(1-Percentile)");
	if (h->total)
		print_ticks(h, f, ticks_per_half, scale);
	fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", hist_mean(h) / scale,
		hist_stdev(h) / scale);
	fprintf(f, "#[Max     = %12.3f, Total count    = %12llu]\n", (double)h->max / scale,
		(unsigned long long)h->total);
	fprintf(f, "#[Buckets = %12d, SubBuckets     = %12d]\n", HIST_BUCKETS, HIST_SUB_BUCKETS);
	if (ferror(f)) {
		errno = errno ? errno : EIO;
		return -1;
	}
	return 0;
}

size_t hist_rle_encode(const struct hist *h, int64_t *out, size_t cap)
{
	size_t n = 0;
	int64_t zeros = 0;

	for (int i = 0; i < HIST_COUNTERS; i++) {
		if (h->counts[i] == 0) {
			zeros++;
			continue;
		}
		if (zeros) {
			if (n < cap)
				out[n] = -zeros;
			n++;
			zeros = 0;
		}
		if (n < cap) /* a count above INT64_MAX cannot happen in 60 s runs */
			out[n] = h->counts[i] > INT64_MAX ? INT64_MAX : (int64_t)h->counts[i];
		n++;
	}
	return n;
}

/* The counter index the encoding reaches, or -1 if it is malformed.  Run
 * first, so that a bad encoding leaves h untouched. */
static int rle_check(const int64_t *rle, size_t n)
{
	int64_t i = 0;

	for (size_t k = 0; k < n; k++) {
		if (rle[k] == 0 || rle[k] < -HIST_COUNTERS)
			return -1;
		i += rle[k] > 0 ? 1 : -rle[k];
		if (i > HIST_COUNTERS)
			return -1;
	}
	return (int)i;
}

int hist_rle_add(struct hist *h, const int64_t *rle, size_t n, uint64_t min, uint64_t max,
		 uint64_t clamped)
{
	int i = 0;

	if (rle_check(rle, n) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (rle[k] < 0) {
			i += (int)-rle[k];
			continue;
		}
		h->counts[i++] += (uint64_t)rle[k];
		h->total += (uint64_t)rle[k];
	}
	h->clamped += clamped;
	if (min < h->min)
		h->min = min;
	if (max > h->max)
		h->max = max;
	return 0;
}
