/*
 * stattest.c - Welch's t-test, the Mann-Whitney U test and
 * Benjamini-Hochberg (see stattest.h).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/stattest.h"
#include "data/sys.h"

/* The continued fraction of the incomplete beta function, evaluated with
 * the modified Lentz method; converges quickly for x < (a+1)/(a+b+2). */
static double beta_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		double step;

		d = 1 + even * d, c = 1 + even / c;
		d = 1 / (fabs(d) < tiny ? tiny : d), c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		d = 1 + odd * d, c = 1 + odd / c;
		d = 1 / (fabs(d) < tiny ? tiny : d), c = fabs(c) < tiny ? tiny : c;
		step = d * c;
		h *= step;
		if (fabs(step - 1) < 1e-15)
			break;
	}
	return h;
}

/* The regularised incomplete beta function I_x(a, b). */
static double incomplete_beta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(a, b, x) / a;
	return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double stat_t_sf(double t, double df)
{
	double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t));

	return t >= 0 ? tail : 1 - tail;
}

static void mean_var(const double *x, int n, double *mean, double *var)
{
	double s = 0, ss = 0;

	for (int i = 0; i < n; i++)
		s += x[i];
	*mean = s / n;
	for (int i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*var = n > 1 ? ss / (n - 1) : 0;
}

double stat_welch_p(const double *a, int na, const double *b, int nb)
{
	double ma, va, mb, vb, se2, t, df;

	if (na < 2 || nb < 2)
		return 1;
	mean_var(a, na, &ma, &va);
	mean_var(b, nb, &mb, &vb);
	se2 = va / na + vb / nb;
	if (se2 <= 0)
		return ma == mb ? 1 : 0;
	t = fabs(ma - mb) / sqrt(se2);
	df = se2 * se2 / ((va / na) * (va / na) / (na - 1) + (vb / nb) * (vb / nb) / (nb - 1));
	return fmin(1, 2 * stat_t_sf(t, df));
}

struct ranked {
	double v;
	int side; /* 0: a, 1: b */
};

static int by_value(const void *x, const void *y)
{
	double a = ((const struct ranked *)x)->v, b = ((const struct ranked *)y)->v;

	return (a > b) - (a < b);
}

/* P(U <= u) for samples of na and nb without ties, by counting: among the
 * C(na+nb, na) equally likely arrangements, how many give U <= u.  The
 * count N(i, j, u) of arrangements of i a's and j b's with U = u obeys
 * N(i, j, u) = N(i-1, j, u-j) + N(i, j-1, u): the largest value is a b
 * (adding nothing to U) or an a (above all j b's). */
static double exact_cdf(int na, int nb, int u)
{
	int umax = na * nb;
	double *cur, *prev, total = 0, below = 0;
	double *table = sys_alloc((size_t)(na + 1) * (nb + 1) * (umax + 1) * sizeof(double));

#define N(i, j) (table + ((size_t)(i) * (nb + 1) + (j)) * (umax + 1))
	memset(table, 0, (size_t)(na + 1) * (nb + 1) * (umax + 1) * sizeof(double));
	for (int i = 0; i <= na; i++)
		for (int j = 0; j <= nb; j++) {
			cur = N(i, j);
			if (i == 0 || j == 0) {
				cur[0] = 1;
				continue;
			}
			prev = N(i, j - 1);
			for (int k = 0; k <= umax; k++)
				cur[k] = prev[k] + (k >= j ? N(i - 1, j)[k - j] : 0);
		}
	cur = N(na, nb);
	for (int k = 0; k <= umax; k++) {
		total += cur[k];
		if (k <= u)
			below += cur[k];
	}
#undef N
	free(table);
	return below / total;
}

double stat_mann_whitney_p(const double *a, int na, const double *b, int nb)
{
	int n = na + nb;
	struct ranked *all;
	double rank_a = 0, ties = 0, u, mu, sigma, z;
	bool tied = false;

	if (na == 0 || nb == 0)
		return 1;
	all = sys_alloc(n * sizeof(*all));
	for (int i = 0; i < na; i++)
		all[i] = (struct ranked){a[i], 0};
	for (int i = 0; i < nb; i++)
		all[na + i] = (struct ranked){b[i], 1};
	qsort(all, n, sizeof(*all), by_value);
	for (int i = 0; i < n;) {
		int j = i;
		double mid;

		while (j < n && all[j].v == all[i].v)
			j++;
		mid = (i + 1 + j) / 2.0; /* ranks i+1 .. j share their average */
		for (int k = i; k < j; k++)
			if (all[k].side == 0)
				rank_a += mid;
		if (j - i > 1) {
			tied = true;
			ties += (double)(j - i) * (j - i) * (j - i) - (j - i);
		}
		i = j;
	}
	free(all);
	u = rank_a - na * (na + 1) / 2.0;
	if (!tied && na * nb <= 400) {
		double lo = exact_cdf(na, nb, (int)u), hi = exact_cdf(na, nb, na * nb - (int)u);

		return fmin(1, 2 * fmin(lo, hi));
	}
	mu = na * nb / 2.0;
	sigma = sqrt(na * nb / 12.0 * ((n + 1) - ties / ((double)n * (n - 1))));
	if (sigma <= 0)
		return 1;
	z = fmax(0, fabs(u - mu) - 0.5) / sigma;
	return fmin(1, erfc(z / sqrt(2)));
}

double stat_mann_whitney_min_p(int na, int nb)
{
	double c = 1;

	for (int i = 1; i <= na; i++)
		c = c * (nb + i) / i; /* C(na + nb, na) */
	return fmin(1, 2 / c);
}

struct indexed {
	double p;
	int i;
};

static int by_p(const void *x, const void *y)
{
	double a = ((const struct indexed *)x)->p, b = ((const struct indexed *)y)->p;

	return (a > b) - (a < b);
}

int stat_benjamini_hochberg(const double *p, int n, double q, bool *reject)
{
	struct indexed *s;
	int k = 0;

	if (n == 0)
		return 0;
	s = sys_alloc(n * sizeof(*s));
	for (int i = 0; i < n; i++)
		s[i] = (struct indexed){p[i], i};
	qsort(s, n, sizeof(*s), by_p);
	/* The largest rank r (1-based) with p_(r) <= r q / n; ranks up to it are
	 * discoveries, even those whose own p is above their threshold. */
	for (int r = 1; r <= n; r++)
		if (s[r - 1].p <= r * q / n)
			k = r;
	for (int r = 0; r < n; r++)
		reject[s[r].i] = r < k;
	free(s);
	return k;
}
