/*
 * sample.c - medians and a bootstrap for few repetitions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/sample.h"
#include "data/sys.h"

void sample_add(struct sample *s, double v)
{
	if (!isnan(v) && s->n < SAMPLE_MAX)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double sample_median_of(double *v, int n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double sample_median(const struct sample *s)
{
	double v[SAMPLE_MAX];

	memcpy(v, s->v, s->n * sizeof(*v));
	return sample_median_of(v, s->n);
}

double sample_min(const struct sample *s)
{
	double m = NAN;

	for (int i = 0; i < s->n; i++)
		if (isnan(m) || s->v[i] < m)
			m = s->v[i];
	return m;
}

double sample_max(const struct sample *s)
{
	double m = NAN;

	for (int i = 0; i < s->n; i++)
		if (isnan(m) || s->v[i] > m)
			m = s->v[i];
	return m;
}

/* xorshift64*: small, seedable, and good enough for resampling indices. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ULL;
}

/* The median of one resample (with replacement) of s. */
static double resampled_median(const struct sample *s, uint64_t *state)
{
	double v[SAMPLE_MAX];

	for (int i = 0; i < s->n; i++)
		v[i] = s->v[next_random(state) % s->n];
	return sample_median_of(v, s->n);
}

int sample_bootstrap_change(const struct sample *a, const struct sample *b, int rounds,
			    uint64_t seed, double *change, double *lo, double *hi)
{
	double *changes, ma = sample_median(a);
	uint64_t state = seed ? seed : 0x9e3779b97f4a7c15ULL;

	if (a->n == 0 || b->n == 0 || ma == 0)
		return -1;
	*change = sample_median(b) / ma - 1;
	changes = sys_alloc(rounds * sizeof(*changes));
	for (int r = 0; r < rounds; r++)
		changes[r] = resampled_median(b, &state) / resampled_median(a, &state) - 1;
	qsort(changes, rounds, sizeof(*changes), cmp_double);
	*lo = changes[(int)(0.025 * (rounds - 1))];
	*hi = changes[(int)ceil(0.975 * (rounds - 1))];
	free(changes);
	return 0;
}
