/*
 * test_stats.c - unit tests of the harness's statistics: the t
 * distribution, Welch's t-test, the Mann-Whitney U test, Benjamini-Hochberg
 * (harness/data/stattest.c) and change-point detection
 * (harness/data/changepoint.c).
 *
 * Reference values come from t tables and from working the tests by hand
 * (shown beside each).  The change-point part is the issue's
 * acceptance test: a 5% step in 60 points with 2% noise is found within one
 * point of where it is, and flat series give no change.
 *
 *   build/tests/test_stats [SERIES]   (SERIES: how many random series of
 *                                      each kind; 20 by default)
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data/changepoint.h"
#include "data/stattest.h"

static int failed;

static void check(bool ok, const char *name, const char *fmt, double got, double want)
{
	if (ok)
		printf("ok - stats/%s\n", name);
	else {
		printf("not ok - stats/%s: ", name);
		printf(fmt, got, want);
		printf("\n");
		failed++;
	}
}

static void near(const char *name, double got, double want, double tol)
{
	check(fabs(got - want) <= tol, name, "got %.6g, want %.6g", got, want);
}

/* A small deterministic generator (xorshift64*) and Box-Muller normals, so
 * that every run of the test sees the same series. */
static uint64_t rng = 88172645463325252ull;

static double uniform(void)
{
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return ((rng * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(void)
{
	double u = uniform(), v = uniform();

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

static void test_distributions(void)
{
	double a[] = {1, 2, 3, 4, 5}, b[] = {3, 4, 5, 6, 7};
	double lo[] = {1, 2, 3}, hi[] = {4, 5, 6};
	double five_lo[] = {1, 2, 3, 4, 5}, five_hi[] = {6, 7, 8, 9, 10};
	double ta[] = {1, 2, 2, 3, 4, 4}, tb[] = {2, 4, 5, 5, 6, 7};

	near("t-sf-2-df10", stat_t_sf(2, 10), 0.036694, 1e-6);
	near("t-sf-0", stat_t_sf(0, 7), 0.5, 1e-12);
	near("t-sf-negative", stat_t_sf(-2, 10), 1 - 0.036694, 1e-6);
	near("t-sf-normal-limit", stat_t_sf(1.959964, 1e7), 0.025, 1e-5);
	near("t-sf-df1-cauchy", stat_t_sf(1, 1), 0.25, 1e-9);
	/* means 3 and 5, variances 2.5: t = 2 / sqrt(1) = 2 with 8 df */
	near("welch-p", stat_welch_p(a, 5, b, 5), 2 * 0.040258, 1e-5);
	near("welch-p-same", stat_welch_p(a, 5, a, 5), 1, 1e-12);
	near("mann-whitney-3v3", stat_mann_whitney_p(lo, 3, hi, 3), 0.1, 1e-12);
	near("mann-whitney-min-3v3", stat_mann_whitney_min_p(3, 3), 0.1, 1e-12);
	near("mann-whitney-5v5", stat_mann_whitney_p(five_lo, 5, five_hi, 5), 2.0 / 252, 1e-12);
	near("mann-whitney-symmetric", stat_mann_whitney_p(five_hi, 5, five_lo, 5), 2.0 / 252,
	     1e-12);
	/* a = {1..5} vs b = {3..7} ties at 3, 4 and 5: ranks of a 1, 2, 3.5, 5.5,
	 * 7.5, so U = 19.5 - 15 = 4.5 against a mean of 12.5; the variance with
	 * the tie correction is 25/12 (11 - 18/90) = 22.5, so z = (8 - 0.5) /
	 * 4.743 = 1.581 and p = erfc(z / sqrt 2) = 0.11385. */
	near("mann-whitney-ties", stat_mann_whitney_p(a, 5, b, 5), 0.11385, 5e-5);
	near("mann-whitney-ties-symmetric", stat_mann_whitney_p(ta, 6, tb, 6),
	     stat_mann_whitney_p(tb, 6, ta, 6), 1e-12);
	near("mann-whitney-identical", stat_mann_whitney_p(a, 5, a, 5), 1, 1e-12);
}

static void test_bh(void)
{
	double p1[] = {0.01, 0.04, 0.03, 0.005, 0.5}, p2[] = {0.02, 0.03, 0.5};
	double p3[] = {0.02, 0.04, 0.06};
	bool r[5];
	int k;

	k = stat_benjamini_hochberg(p1, 5, 0.05, r);
	check(k == 4 && r[0] && r[1] && r[2] && r[3] && !r[4], "bh-four-of-five",
	      "got %g discoveries, want %g", k, 4);
	k = stat_benjamini_hochberg(p2, 3, 0.05, r);
	check(k == 2 && r[0] && r[1] && !r[2], "bh-step-up", "got %g discoveries, want %g", k, 2);
	k = stat_benjamini_hochberg(p3, 3, 0.05, r);
	check(k == 0 && !r[0], "bh-none", "got %g discoveries, want %g", k, 0);
}

/* A series of 60 points, 2% noise, with a 5% step up at `step` (none if
 * step is 60). */
static void make_series(double *x, int step)
{
	for (int i = 0; i < 60; i++)
		x[i] = 1000 * (i < step ? 1 : 1.05) * (1 + 0.02 * normal());
}

/* The acceptance test, and the same over many series.  A 5% step
 * in 2% noise is a shift of 2.5 standard deviations: even the best
 * estimator of where it happened (the least-squares split, which alpha = 2
 * is) places it exactly about 75% of the time and within one point about
 * 92% of the time (Hinkley, 1970), so over many series "within one point"
 * is a rate, checked with room for chance. */
static void test_change_points(int series)
{
	struct cp_opts o;
	struct change_point cp[8];
	double x[60];
	int within = 0, missed = 0, alarms = 0, n;

	cp_defaults(&o);
	make_series(x, 30);
	n = cp_detect(x, 60, &o, cp, 8);
	check(n == 1 && abs(cp[0].index - 30) <= 1, "step-5pct-at-30",
	      "%g changes found, the first at %g (want 1, at 30 +- 1)", n, n ? cp[0].index : -1);
	for (int s = 0; s < 10 * series; s++) {
		int step = 15 + (int)(uniform() * 31);

		make_series(x, step);
		n = cp_detect(x, 60, &o, cp, 8);
		missed += n == 0;
		for (int k = 0; k < n; k++)
			if (abs(cp[k].index - step) <= 1) {
				within++;
				break;
			}
	}
	check(within >= 0.88 * 10 * series && missed <= 0.01 * 10 * series, "step-5pct-many-series",
	      "within one point in %g of %g series", within, 10 * series);
	for (int s = 0; s < series; s++) {
		make_series(x, 60);
		alarms += cp_detect(x, 60, &o, cp, 8);
	}
	check(alarms == 0, "flat-series-no-change", "%g changes in %g flat series", alarms, series);
	alarms = 0;
	for (int s = 0; s < 50 * series; s++) {
		make_series(x, 60);
		alarms += cp_detect(x, 60, &o, cp, 8) > 0;
	}
	check(alarms <= 0.01 * 50 * series, "flat-series-false-alarm-rate",
	      "%g of %g flat series had a change (want 1%% or fewer)", alarms, 50 * series);
}

int main(int argc, char **argv)
{
	int series = argc > 1 ? atoi(argv[1]) : 20;

	test_distributions();
	test_bh();
	test_change_points(series);
	return failed ? 1 : 0;
}
