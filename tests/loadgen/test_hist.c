/*
 * test_hist.c - lib/hist.c against the truth: the same samples, sorted.
 *
 * For several distributions (uniform, exponential, heavy-tailed over 1 us
 * to 60 s, a single value), every percentile the histogram reports must be
 * at least the exact nearest-rank sample and above it by at most the
 * histogram's precision (1/1024 of the value, rounded up to the unit).
 * Also: merging two halves equals recording all, a rebuild from the
 * (value, count) list equals the original, and the CLASSIC output has the
 * header and footer HdrHistogram's plotters look for.
 */
#include "hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 200000

static int failures;

static void check(int cond, const char *name, const char *why)
{
	if (cond) {
		printf("ok - %s\n", name);
	} else {
		printf("not ok - %s: %s\n", name, why);
		failures++;
	}
}

static uint64_t xorshift(void)
{
	static uint64_t x = 88172645463325252ull;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static double uniform01(void)
{
	return (double)(xorshift() >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank computed with integers: p is in millionths (99.99% = 999900). */
static uint64_t exact(const uint64_t *sorted, size_t n, uint64_t p_millionths)
{
	uint64_t rank = (p_millionths * n + 999999) / 1000000;

	return sorted[(rank ? rank : 1) - 1];
}

static void check_percentiles(const char *dist, uint64_t *v, size_t n)
{
	static const uint64_t ps[] = {0,      1,      500000, 750000, 900000,
				      990000, 999000, 999900, 1000000};
	struct hist *h = hist_new();
	char name[128], why[256];
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		hist_record(h, v[i]);
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]) && !bad; i++) {
		uint64_t want = exact(v, n, ps[i]);
		uint64_t got = hist_percentile(h, (double)ps[i] / 10000.0);
		uint64_t slack = want / 1024 + 1;

		if (got < want || got > want + slack) {
			snprintf(why, sizeof(why), "p%g: histogram %llu, sorted samples %llu",
				 (double)ps[i] / 10000.0, (unsigned long long)got,
				 (unsigned long long)want);
			bad = 1;
		}
	}
	snprintf(name, sizeof(name), "hist/percentiles-%s", dist);
	check(!bad, name, why);
	snprintf(name, sizeof(name), "hist/min-max-count-%s", dist);
	check(h->min == v[0] && h->max == v[n - 1] && h->total == n, name,
	      "min, max or count differ from the samples");
	hist_free(h);
}

static void check_mean(void)
{
	struct hist *h = hist_new();
	double sum = 0, sq = 0, mean, sd;

	for (int i = 0; i < N; i++) {
		uint64_t v = 1000 + xorshift() % 100000;

		hist_record(h, v);
		sum += (double)v;
		sq += (double)v * (double)v;
	}
	mean = sum / N;
	sd = sqrt(sq / N - mean * mean);
	check(fabs(hist_mean(h) - mean) < mean / 1000 && fabs(hist_stdev(h) - sd) < sd / 500,
	      "hist/mean-stdev", "mean or stdev off by more than the precision");
	hist_free(h);
}

static int same(const struct hist *a, const struct hist *b)
{
	return a->total == b->total && a->min == b->min && a->max == b->max &&
	       memcmp(a->counts, b->counts, sizeof(a->counts)) == 0;
}

static void check_merge_and_rebuild(void)
{
	struct hist *all = hist_new(), *a = hist_new(), *b = hist_new();
	struct hist *rebuilt = hist_new();
	uint64_t value, count;
	int cursor = 0, ok = 1;

	for (int i = 0; i < N; i++) {
		uint64_t v = (uint64_t)exp(uniform01() * log(6e7));

		hist_record(all, v);
		hist_record(i % 2 ? a : b, v);
	}
	hist_merge(a, b);
	check(same(a, all), "hist/merge", "merged halves differ from the whole");
	while (hist_next_bucket(all, &cursor, &value, &count))
		hist_record_n(rebuilt, value, count);
	/* A rebuild knows bucket values only, so compare counts, not min/max. */
	ok = rebuilt->total == all->total &&
	     memcmp(rebuilt->counts, all->counts, sizeof(all->counts)) == 0;
	check(ok, "hist/rebuild-from-buckets", "counts differ after rebuild");
	hist_free(all);
	hist_free(a);
	hist_free(b);
	hist_free(rebuilt);
}

/* Three "agents" each record a third of the samples; their histograms go
 * through the run-length encoding and are added up as the coordinator
 * does: the counts must be those of one histogram of every sample. */
static void check_rle_merge(void)
{
	struct hist *all = hist_new(), *merged = hist_new(), *part[3];
	static int64_t rle[HIST_COUNTERS];
	int ok = 1;

	for (int k = 0; k < 3; k++)
		part[k] = hist_new();
	for (int i = 0; i < N; i++) {
		uint64_t v = (uint64_t)exp(uniform01() * log(1.2e8)); /* some clamped */

		hist_record(all, v);
		hist_record(part[i % 3], v);
	}
	for (int k = 0; k < 3; k++) {
		size_t n = hist_rle_encode(part[k], rle, HIST_COUNTERS);

		ok &= n <= HIST_COUNTERS;
		ok &=
		    hist_rle_add(merged, rle, n, part[k]->min, part[k]->max, part[k]->clamped) == 0;
	}
	check(ok && same(merged, all) && merged->clamped == all->clamped, "hist/rle-merge",
	      "counts of the merged encodings differ from one histogram of all samples");
	rle[0] = 0;
	check(hist_rle_add(merged, rle, 1, 1, 1, 0) < 0 && same(merged, all), "hist/rle-malformed",
	      "a malformed encoding was accepted or changed the histogram");
	rle[0] = -HIST_COUNTERS, rle[1] = 5;
	check(hist_rle_add(merged, rle, 2, 1, 1, 0) < 0, "hist/rle-overrun",
	      "an encoding past the last counter was accepted");
	hist_free(all);
	hist_free(merged);
	for (int k = 0; k < 3; k++)
		hist_free(part[k]);
}

static void check_clamp(void)
{
	struct hist *h = hist_new();

	hist_record(h, 120000000); /* two minutes */
	hist_record(h, 5);
	check(h->clamped == 1 && h->max == HIST_HIGHEST &&
		  hist_percentile(h, 100) == HIST_HIGHEST && hist_percentile(h, 50) == 5,
	      "hist/clamp", "a value above 60 s was not clamped and counted");
	hist_free(h);
}

static void check_classic(void)
{
	struct hist *h = hist_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double v, p, inv;
	unsigned long long n, total = 0;
	int lines = 0, monotone = 1, footer = 0;
	char *line;

	for (int i = 1; i <= 10000; i++)
		hist_record(h, (uint64_t)i);
	hist_print_classic(h, f, 5, 1000.0);
	fclose(f);
	line = strtok(buf, "\n");
	check(line && strstr(line, "Value") && strstr(line, "Percentile") &&
		  strstr(line, "TotalCount") && strstr(line, "1/(1-Percentile)"),
	      "hist/classic-header", "header line missing");
	double lastp = -1;
	while ((line = strtok(NULL, "\n"))) {
		if (sscanf(line, "%lf %lf %llu %lf", &v, &p, &n, &inv) >= 3 && line[0] != '#') {
			monotone &= p >= lastp;
			lastp = p;
			total = n;
			lines++;
		}
		footer +=
		    strncmp(line, "#[Mean    = ", 12) == 0 && strstr(line, "StdDeviation   = ");
		footer +=
		    strncmp(line, "#[Max     = ", 12) == 0 && strstr(line, "Total count    = ");
		footer +=
		    strncmp(line, "#[Buckets = ", 12) == 0 && strstr(line, "SubBuckets     = ");
	}
	check(lines > 20 && monotone && lastp == 1.0 && total == 10000, "hist/classic-lines",
	      "percentile lines missing, unordered or not ending at 1.0");
	check(footer == 3, "hist/classic-footer", "#[Mean, #[Max or #[Buckets line missing");
	free(buf);
	hist_free(h);
}

int main(void)
{
	static uint64_t v[N];

	for (int i = 0; i < N; i++)
		v[i] = 1 + xorshift() % 5000;
	check_percentiles("uniform", v, N);
	for (int i = 0; i < N; i++)
		v[i] = (uint64_t)(-log(1 - uniform01()) * 300) + 1;
	check_percentiles("exponential", v, N);
	for (int i = 0; i < N; i++)
		v[i] = (uint64_t)exp(uniform01() * log(6e7));
	check_percentiles("log-uniform-1us-60s", v, N);
	for (int i = 0; i < 1000; i++)
		v[i] = 123456;
	check_percentiles("constant", v, 1000);
	check_percentiles("one-sample", v, 1);
	check_mean();
	check_merge_and_rebuild();
	check_rle_merge();
	check_clamp();
	check_classic();
	return failures ? 1 : 0;
}
