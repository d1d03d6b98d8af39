/*
 * agg.c - grouping runs into cells of repetitions (data/agg.h).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/agg.h"
#include "data/sys.h"

static int find_scenario(struct agg *a, const struct run_row *r)
{
	for (int i = 0; i < a->n_scenarios; i++)
		if (strcmp(a->scenarios[i].name, r->scenario) == 0)
			return i;
	a->scenarios = sys_grow(a->scenarios, (a->n_scenarios + 1) * sizeof(*a->scenarios));
	struct agg_scenario *s = &a->scenarios[a->n_scenarios];

	sys_copy(s->name, sizeof(s->name), r->scenario);
	sys_copy(s->series, sizeof(s->series), r->series);
	sys_copy(s->proto, sizeof(s->proto), r->proto);
	s->connections = r->connections;
	s->first = *r;
	return a->n_scenarios++;
}

const char *agg_model_key(const struct run_row *r, char *buf, size_t size)
{
	if (r->build[0])
		snprintf(buf, size, "%s@%s", r->model, r->build);
	else
		snprintf(buf, size, "%s", r->model);
	return buf;
}

static int find_model(struct agg *a, const char *model)
{
	for (int j = 0; j < a->n_models; j++)
		if (strcmp(a->models[j], model) == 0)
			return j;
	a->models = sys_grow(a->models, (a->n_models + 1) * sizeof(*a->models));
	sys_copy(a->models[a->n_models], SUITE_NAME_MAX, model);
	return a->n_models++;
}

struct agg_cell *agg_cell(const struct agg *a, int i, int j)
{
	return &a->cells[i * a->n_models + j];
}

/* The rep whose requests/s is the median of the cell (for its spectrum). */
static void pick_median_rep(struct agg_cell *c, const struct run_table *t, const char *scenario,
			    const char *model)
{
	double median = sample_median(&c->m[MET_RPS]), best = INFINITY;

	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];
		double d = fabs(r->m[MET_RPS] - median);
		char key[2 * SUITE_NAME_MAX + 2];

		if (strcmp(r->status, "ok") || strcmp(r->scenario, scenario) ||
		    strcmp(agg_model_key(r, key, sizeof(key)), model) || r->rep == 0 || !(d < best))
			continue;
		best = d;
		c->median_rep = (int)r->rep;
	}
}

/* The reason of an ok run without its marks ("disturbed: ...",
 * "client-bound: ...", issue 13): the report shows those as footnotes, and
 * what is left is the errors the run had, if any. */
static void copy_errors(char *note, size_t size, const char *reason)
{
	size_t len = 0;

	note[0] = '\0';
	for (const char *p = reason; *p && len + 1 < size;) {
		size_t n = strcspn(p, ";");

		if (strncmp(p, "disturbed:", 10) && strncmp(p, "client-bound:", 13))
			len +=
			    snprintf(note + len, size - len, "%s%.*s", len ? "; " : "", (int)n, p);
		p += n;
		while (*p == ';' || *p == ' ')
			p++;
	}
}

/* Adds a row's metrics to its cell, each by its row of the metric table:
 * the system call pass (rep 0) counts for PASS metrics only, a failed run
 * for KEPT ones only. */
static void add_row(struct agg_cell *c, const struct run_row *r, bool skip_flagged)
{
	bool ok = strcmp(r->status, "ok") == 0;

	if (r->rep != 0)
		c->rate = r->rate;
	/* A flagged run of a cell that has clean ones: counted, not sampled
	 * (its retry is another row). */
	if (skip_flagged && r->rep != 0 && ok && r->flags[0]) {
		c->ok++;
		return;
	}

	if (r->rep != 0 && ok)
		c->ok++;
	else if (r->rep != 0)
		c->failed++;
	for (int m = 0; m < METRICS; m++) {
		enum metric_how how = metrics[m].how;

		if (r->rep == 0 ? ok && how == METRIC_PASS : ok || how == METRIC_KEPT)
			sample_add(&c->m[m], r->m[m]);
	}
	if (r->rep == 0)
		return;
	if (ok) {
		if (r->reason[0] && !c->note[0])
			copy_errors(c->note, sizeof(c->note), r->reason);
	} else {
		c->ports_out += strncmp(r->reason, "ports ran out", 13) == 0;
		/* A failure reason matters more than an error count. */
		if (c->failed == 1)
			sys_copy(c->note, sizeof(c->note), r->reason);
	}
}

/* The scenario with blocking scenario b's delay as a timer (same delay,
 * connections and experiment), or -1. */
static int timer_twin(const struct agg *a, int b)
{
	const struct run_row *rb = &a->scenarios[b].first;

	if (!rb->delay_blocking)
		return -1;
	for (int i = 0; i < a->n_scenarios; i++) {
		const struct run_row *r = &a->scenarios[i].first;

		if (!r->delay_blocking && r->delay_us == rb->delay_us &&
		    r->connections == rb->connections && !strcmp(r->experiment, rb->experiment))
			return i;
	}
	return -1;
}

static void set_stats(struct agg_cell *c)
{
	for (int m = 0; m < METRICS; m++)
		c->st[m] = (struct agg_stat){.median = sample_median(&c->m[m]),
					     .min = sample_min(&c->m[m]),
					     .max = sample_max(&c->m[m]),
					     .n = c->m[m].n};
}

void agg_build(struct agg *a, const struct run_table *t)
{
	char key[2 * SUITE_NAME_MAX + 2];
	bool *clean;

	memset(a, 0, sizeof(*a));
	for (int k = 0; k < t->n; k++) {
		find_scenario(a, &t->rows[k]);
		find_model(a, agg_model_key(&t->rows[k], key, sizeof(key)));
	}
	a->cells = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(*a->cells));
	/* Which cells have an unflagged ok measured run. */
	clean = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(*clean));
	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];

		if (r->rep != 0 && !r->flags[0] && !strcmp(r->status, "ok"))
			clean[find_scenario(a, r) * a->n_models +
			      find_model(a, agg_model_key(r, key, sizeof(key)))] = true;
	}
	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];
		int i = find_scenario(a, r), j = find_model(a, agg_model_key(r, key, sizeof(key)));

		add_row(agg_cell(a, i, j), r, clean[i * a->n_models + j]);
		if (isnan(r->host_load))
			continue;
		a->load_runs++;
		a->load_sum += r->host_load;
		a->load_busy += r->host_load > sysconf(_SC_NPROCESSORS_ONLN);
		if (r->host_load > a->load_max)
			a->load_max = r->host_load;
	}
	for (int i = 0; i < a->n_scenarios; i++) {
		a->scenarios[i].timer_twin = timer_twin(a, i);
		for (int j = 0; j < a->n_models; j++) {
			set_stats(agg_cell(a, i, j));
			pick_median_rep(agg_cell(a, i, j), t, a->scenarios[i].name, a->models[j]);
		}
	}
	free(clean);
}

int agg_find_scenario(const struct agg *a, const char *name)
{
	for (int i = 0; i < a->n_scenarios; i++)
		if (strcmp(a->scenarios[i].name, name) == 0)
			return i;
	return -1;
}

int agg_find_model(const struct agg *a, const char *name)
{
	for (int j = 0; j < a->n_models; j++)
		if (strcmp(a->models[j], name) == 0)
			return j;
	return -1;
}

double agg_median(const struct agg *a, int i, int j, enum metric_id m)
{
	if (i < 0 || j < 0)
		return NAN;
	return agg_cell(a, i, j)->st[m].median;
}

double agg_x(const struct agg *a, int i)
{
	double v = NAN;

	if (results_get(&a->scenarios[i].first, a->scenarios[i].first.x_key, &v) < 0)
		v = a->scenarios[i].connections;
	return v;
}

int agg_series_members(const struct agg *a, const char *series, int *idx)
{
	int n = 0;

	for (int i = 0; i < a->n_scenarios; i++)
		if (strcmp(a->scenarios[i].series, series) == 0)
			idx[n++] = i;
	for (int x = 1; x < n; x++)
		for (int y = x; y > 0 && agg_x(a, idx[y]) < agg_x(a, idx[y - 1]); y--) {
			int t = idx[y];

			idx[y] = idx[y - 1];
			idx[y - 1] = t;
		}
	return n;
}

bool agg_is_sweep(const struct agg *a, int i)
{
	return strcmp(a->scenarios[i].first.x_key, "rate") == 0;
}

bool agg_is_sweep_probe(const struct agg *a, int i)
{
	return agg_is_sweep(a, i) && a->scenarios[i].first.rate == 0;
}

double agg_kib_per_idle(const struct agg *a, int i, int i0, int j)
{
	double rss = agg_median(a, i, j, MET_RSS), rss0 = agg_median(a, i0, j, MET_RSS);
	double n = agg_median(a, i, j, MET_IDLE_ALIVE);

	if (isnan(rss) || isnan(rss0) || !(n > 0))
		return NAN;
	return (rss - rss0) / n;
}

bool agg_is_push(const struct agg *a, int i)
{
	return a->scenarios[i].first.subscribe[0] != '\0';
}

double agg_kib_per_subscriber(const struct agg *a, int i, int i0, int j)
{
	double rss = agg_median(a, i, j, MET_RSS), rss0 = agg_median(a, i0, j, MET_RSS);
	double n = agg_median(a, i, j, MET_SUBSCRIBED), n0 = agg_median(a, i0, j, MET_SUBSCRIBED);

	if (isnan(rss) || isnan(rss0) || isnan(n) || isnan(n0) || !(n > n0))
		return NAN;
	return (rss - rss0) / (n - n0);
}

void agg_free(struct agg *a)
{
	free(a->scenarios);
	free(a->models);
	free(a->cells);
	memset(a, 0, sizeof(*a));
}
