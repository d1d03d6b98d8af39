/*
 * agg.c - grouping runs into cells of repetitions.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/agg.h"
#include "data/sys.h"

static const char *metric_columns[AGG_METRICS] = {
    "requests_per_s",
    "p50_us",
    "p90_us",
    "p99_us",
    "p999_us",
    "max_us",
    "errors",
    "server_cpu_us_per_req",
    "server_peak_rss_kb",
    "client_cpu_s",
    "syscalls_per_req",
    "mb_per_s",
    "connect_p50_us",
    "connect_p99_us",
    "idle_established",
    "idle_alive_end",
    "server_refused",
    "errors_timeout",
};

const char *agg_metric_column(enum agg_metric m)
{
	return metric_columns[m];
}

static double metric_of(const struct run_row *r, enum agg_metric m)
{
	double v = NAN;

	results_get(r, metric_columns[m], &v);
	return v;
}

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
	double median = sample_median(&c->m[AGG_RPS]), best = INFINITY;

	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];
		double d = fabs(r->requests_per_s - median);

		if (strcmp(r->status, "ok") || strcmp(r->scenario, scenario) ||
		    strcmp(r->model, model) || r->rep == 0 || !(d < best))
			continue;
		best = d;
		c->median_rep = (int)r->rep;
	}
}

static void add_row(struct agg_cell *c, const struct run_row *r)
{
	/* Rep 0 is the system call pass: its count, nothing else. */
	if (r->rep == 0) {
		if (strcmp(r->status, "ok") == 0)
			sample_add(&c->m[AGG_SYSCALLS], r->syscalls_per_req);
		return;
	}
	if (strcmp(r->status, "ok") == 0) {
		c->ok++;
		for (int m = 0; m < AGG_METRICS; m++)
			if (m != AGG_SYSCALLS || !isnan(r->syscalls_per_req))
				sample_add(&c->m[m], metric_of(r, m));
		if (r->reason[0] && !c->note[0])
			sys_copy(c->note, sizeof(c->note), r->reason);
	} else {
		c->failed++;
		c->ports_out += strncmp(r->reason, "ports ran out", 13) == 0;
		/* What a failed run still tells: refusals, idle connections. */
		sample_add(&c->m[AGG_REFUSED], r->server_refused);
		sample_add(&c->m[AGG_IDLE_ESTABLISHED], r->idle_established);
		sample_add(&c->m[AGG_IDLE_ALIVE], r->idle_alive_end);
		/* A failure reason matters more than an error count. */
		if (c->failed == 1)
			sys_copy(c->note, sizeof(c->note), r->reason);
	}
}

void agg_build(struct agg *a, const struct run_table *t)
{
	memset(a, 0, sizeof(*a));
	for (int k = 0; k < t->n; k++) {
		find_scenario(a, &t->rows[k]);
		find_model(a, t->rows[k].model);
	}
	a->cells = sys_alloc((size_t)(a->n_scenarios * a->n_models + 1) * sizeof(*a->cells));
	for (int k = 0; k < t->n; k++) {
		const struct run_row *r = &t->rows[k];

		add_row(agg_cell(a, find_scenario(a, r), find_model(a, r->model)), r);
		if (isnan(r->host_load))
			continue;
		a->load_runs++;
		a->load_sum += r->host_load;
		a->load_busy += r->host_load > sysconf(_SC_NPROCESSORS_ONLN);
		if (r->host_load > a->load_max)
			a->load_max = r->host_load;
	}
	for (int i = 0; i < a->n_scenarios; i++)
		for (int j = 0; j < a->n_models; j++)
			pick_median_rep(agg_cell(a, i, j), t, a->scenarios[i].name, a->models[j]);
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

double agg_median(const struct agg *a, int i, int j, enum agg_metric m)
{
	if (i < 0 || j < 0)
		return NAN;
	return sample_median(&agg_cell(a, i, j)->m[m]);
}

double agg_x(const struct agg *a, int i)
{
	double v = NAN;

	if (results_get(&a->scenarios[i].first, a->scenarios[i].first.x_key, &v) < 0)
		v = a->scenarios[i].connections;
	return v;
}

void agg_free(struct agg *a)
{
	free(a->scenarios);
	free(a->models);
	free(a->cells);
	memset(a, 0, sizeof(*a));
}
