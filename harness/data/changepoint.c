/*
 * changepoint.c - E-divisive means with a windowed t-test (see
 * changepoint.h).
 */
#include <math.h>

#include "data/changepoint.h"
#include "data/stattest.h"

void cp_defaults(struct cp_opts *o)
{
	o->window = 30;
	o->min_segment = 3;
	o->alpha = 0.001;
	o->min_change = 0.02;
}

/* The split of x[lo..hi) with the largest energy statistic for alpha = 2,
 * m n / (m + n) * (mean before - mean after)^2, or -1 when the segment is
 * too short to split.  Prefix sums make it one pass. */
static int best_split(const double *x, int lo, int hi, int min_segment)
{
	double total = 0, left = 0, best_score = -1;
	int best = -1;

	for (int i = lo; i < hi; i++)
		total += x[i];
	for (int t = lo; t < hi - min_segment; t++) {
		double m = t - lo, n = hi - t, d, score;

		if (t >= lo + min_segment) {
			d = left / m - (total - left) / n;
			score = m * n / (m + n) * d * d;
			if (score > best_score)
				best_score = score, best = t;
		}
		left += x[t];
	}
	return best;
}

static double mean_of(const double *x, int a, int b)
{
	double s = 0;

	for (int i = a; i < b; i++)
		s += x[i];
	return s / (b - a);
}

/* Searches x[lo..hi) and appends the accepted change points to out. */
static void search(const double *x, int lo, int hi, const struct cp_opts *o,
		   struct change_point *out, int max, int *n)
{
	double before, after, p;
	int t = best_split(x, lo, hi, o->min_segment);
	int a, b, candidates = hi - lo - 2 * o->min_segment + 1;

	if (t < 0 || *n >= max)
		return;
	a = t - o->window > lo ? t - o->window : lo;
	b = t + o->window < hi ? t + o->window : hi;
	before = mean_of(x, a, t);
	after = mean_of(x, t, b);
	p = stat_welch_p(x + a, t - a, x + t, b - t);
	/* The split was chosen as the best of `candidates`: its p-value is the
	 * smallest of that many, so it must pass alpha / candidates (Bonferroni)
	 * or flat noise would show a change in one series of twenty. */
	if (p >= o->alpha / candidates || before == 0 || fabs(after / before - 1) < o->min_change)
		return;
	search(x, lo, t, o, out, max, n);
	if (*n < max)
		out[(*n)++] = (struct change_point){t, before, after, p};
	search(x, t, hi, o, out, max, n);
}

int cp_detect(const double *x, int n, const struct cp_opts *o, struct change_point *out, int max)
{
	int found = 0;

	search(x, 0, n, o, out, max, &found);
	return found;
}
