/*
 * changepoint.h - where did a series of benchmark results change level?
 *
 * `bench history` lines up the runs of one cell (suite, scenario, model,
 * host) by date or kernel version and asks where the level moved.  The
 * method follows E-divisive means (Matteson and James, 2014) as Apache
 * Otava (formerly Hunter, from MongoDB's performance CI) adapts it:
 *
 *   1. In a segment, every split point t is scored by the energy distance
 *      between the points before and after it, weighted by the sizes of the
 *      two sides.  E-divisive's exponent alpha sets what counts as a
 *      difference: Otava uses alpha = 1 (any change in distribution); we use
 *      alpha = 2, where the energy distance becomes twice the squared
 *      difference of the means: Q(t) = m n / (m + n) (mean_before -
 *      mean_after)^2.  A benchmark's level shifts, and alpha = 2 places a
 *      shift most precisely (it is the least-squares split); it also takes
 *      one pass instead of n^2 pairs.
 *   2. The best split is kept only if it is significant - Welch's t-test of
 *      the `window` points on each side, at level alpha divided by the
 *      number of splits that were tried (the best of many is always
 *      unusual; a t-test, not E-divisive's permutations, so the answer is
 *      deterministic, as in Otava) - and large enough to matter: the means
 *      differ by at least min_change (relative).
 *   3. Both halves are searched again, until no split passes.
 *
 * The window keeps the test local: a change two years ago does not hide a
 * change last week.
 */
#ifndef BENCH_CHANGEPOINT_H
#define BENCH_CHANGEPOINT_H

struct cp_opts {
	int window;	   /* points on each side the t-test sees (default 30) */
	int min_segment;   /* fewest points on either side of a change (default 3) */
	double alpha;	   /* significance level (default 0.001) */
	double min_change; /* smallest relative change reported (default 0.02) */
};

struct change_point {
	int index;     /* the first point after the change */
	double before; /* mean of the window before it */
	double after;  /* mean of the window after it */
	double p;      /* Welch's p-value */
};

/* Fills o with the defaults above. */
void cp_defaults(struct cp_opts *o);

/* Finds the change points of x[0..n), in order of index, into out (room for
 * max).  Returns how many. */
int cp_detect(const double *x, int n, const struct cp_opts *o, struct change_point *out, int max);

#endif
