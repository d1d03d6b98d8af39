/*
 * stattest.h - the hypothesis tests behind compare and history.
 *
 * A benchmark comparison asks "did B change, or is this noise?".  Three
 * classic tools answer parts of it, and they are written here rather than
 * linked because each is a page of well-known mathematics:
 *
 *   - Welch's t-test: do two samples have the same mean?  Used by the
 *     change-point detector, where each side has enough points for the mean
 *     to be nearly normal.
 *   - The Mann-Whitney U test (a rank test): is one sample stochastically
 *     larger than the other?  It assumes nothing about the distribution,
 *     which suits latencies and throughputs with outliers, and is exact for
 *     the small samples (3-10 repetitions) a benchmark cell has.
 *   - Benjamini-Hochberg: when a comparison tests 50 cells at 5% each, two
 *     or three are "significant" by chance.  BH keeps the expected share of
 *     false discoveries among the changes it reports at q.
 */
#ifndef BENCH_STATTEST_H
#define BENCH_STATTEST_H

#include <stdbool.h>

/* P(T > t) for Student's t with df degrees of freedom (df > 0, may be
 * fractional, as Welch's is). */
double stat_t_sf(double t, double df);

/* Welch's two-sided t-test of a[0..na) against b[0..nb): the p-value, or 1
 * when either side has fewer than 2 points or both have no variance (then
 * the means are compared: 0 if they differ, 1 if not). */
double stat_welch_p(const double *a, int na, const double *b, int nb);

/* The two-sided Mann-Whitney U test: the p-value that a and b come from one
 * distribution.  Exact (by counting rank arrangements) when there are no
 * ties and na * nb <= 400; otherwise the normal approximation with the tie
 * correction and continuity correction.  1 when a side is empty. */
double stat_mann_whitney_p(const double *a, int na, const double *b, int nb);

/* The smallest two-sided p-value a Mann-Whitney test can give with these
 * sample sizes (all of a below all of b): 2 / C(na + nb, na).  With 3
 * repetitions per side it is 0.1, so no 3-against-3 comparison can ever
 * be significant at 5% - compare says so instead of pretending. */
double stat_mann_whitney_min_p(int na, int nb);

/* Benjamini-Hochberg at false discovery rate q: sets reject[i] for the
 * p-values p[0..n) that are discoveries.  Returns how many. */
int stat_benjamini_hochberg(const double *p, int n, double q, bool *reject);

#endif
