/*
 * summary.c - the terminal summary of a report (summary.h).  It formats
 * the report model (model.h) and reads no file of its own.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/caption.h"
#include "report/agentsrep.h"
#include "report/summary.h"

/* "31234 [30100..32000]", or "-" */
static void stat_text(char *buf, size_t size, const struct agg_stat *s, double scale,
		      const char *fmt)
{
	struct model_figure x = model_figure(s, scale, fmt);

	if (x.n == 0)
		snprintf(buf, size, "-");
	else if (x.n > 1)
		snprintf(buf, size, "%s [%s..%s]", x.median, x.min, x.max);
	else
		snprintf(buf, size, "%s", x.median);
}

/* A median as text, "-" when there is none. */
static const char *median_text(char *buf, size_t size, const struct agg_stat *s, double scale,
			       const char *fmt)
{
	struct model_figure x = model_figure(s, scale, fmt);

	snprintf(buf, size, "%s", x.n ? x.median : "-");
	return buf;
}

/* The host's TCP counters of a cell, when something happened: listen
 * overflows and drops, retransmits (context switches are in index.html). */
static void kernel_text(char *buf, size_t size, const struct agg_cell *c)
{
	size_t len = 0;

	buf[0] = '\0';
	if (c->st[MET_LISTEN_OVERFLOWS].max > 0 || c->st[MET_LISTEN_DROPS].max > 0)
		len += snprintf(buf, size, " listen overflows %.0f drops %.0f (median)",
				c->st[MET_LISTEN_OVERFLOWS].median, c->st[MET_LISTEN_DROPS].median);
	if (c->st[MET_RETRANS].max > 0 && len < size)
		snprintf(buf + len, size - len, " tcp retransmits %.0f (median)",
			 c->st[MET_RETRANS].median);
}

/* A push scenario: events and their delivery latency, missed events, how
 * many subscribers were held, memory. */
static void summary_push(FILE *out, const struct report_model *m, int i)
{
	const struct agg *a = &m->agg;
	const struct agg_scenario *sc = &a->scenarios[i];

	fprintf(out, "\n%s (push %s, %.0f subscribers, %g events/s)\n", sc->name,
		sc->first.subscribe, sc->connections, sc->first.publish_hz);
	fprintf(out, "  %-16s %5s %-26s %8s %8s %8s %7s %7s %7s %8s  %s\n", "model", "ok",
		"events/s [min..max]", "p50 ms", "p99 ms", "p999 ms", "missed", "held", "errors",
		"rss MiB", "note");
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);
		char eps[96], ok[24], p50[24], p99[24], p999[24], missed[24], held[24], errs[24],
		    rss[24];

		if (c->ok + c->failed == 0)
			continue; /* skipped in this scenario */
		stat_text(eps, sizeof(eps), &c->st[MET_EVENTS_PER_S], 1, "%.0f");
		snprintf(ok, sizeof(ok), "%d/%d", c->ok, c->ok + c->failed);
		fprintf(
		    out, "  %-16s %5s %-26s %8s %8s %8s %7s %7s %7s %8s  %.70s\n", a->models[j], ok,
		    eps, median_text(p50, sizeof(p50), &c->st[MET_DELIVERY_P50], 1e-3, "%.3g"),
		    median_text(p99, sizeof(p99), &c->st[MET_DELIVERY_P99], 1e-3, "%.3g"),
		    median_text(p999, sizeof(p999), &c->st[MET_DELIVERY_P999], 1e-3, "%.3g"),
		    median_text(missed, sizeof(missed), &c->st[MET_MISSED], 1, "%.0f"),
		    median_text(held, sizeof(held), &c->st[MET_SUBSCRIBED], 1, "%.0f"),
		    median_text(errs, sizeof(errs), &c->st[MET_ERRORS], 1, "%.0f"),
		    median_text(rss, sizeof(rss), &c->st[MET_RSS], 1 / 1024.0, "%.3g"), c->note);
	}
}

static void summary_scenario(FILE *out, const struct report_model *m, int i)
{
	const struct agg *a = &m->agg;
	const struct agg_scenario *sc = &a->scenarios[i];
	char kernel[160];

	fprintf(out, "\n%s (%s, %.0f connections)\n", sc->name, sc->proto, sc->connections);
	fprintf(out, "  %-16s %5s %-26s %8s %8s %8s %9s %8s %8s  %s\n", "model", "ok",
		"requests/s [min..max]", "p50 ms", "p99 ms", "errors", "cpu us/r", "sysc/r",
		"rss MiB", "note");
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);
		char rps[96], ok[24], p50[24], p99[24], errs[24], cpu[24], sysc[24], rss[24];

		if (c->ok + c->failed == 0)
			continue; /* skipped in this scenario */
		stat_text(rps, sizeof(rps), &c->st[MET_RPS], 1, "%.0f");
		/* A cell resting on marked runs: "31234 [..] *1", footnote below. */
		if (model_marks_of(m, i, j)->note_no)
			snprintf(rps + strlen(rps), sizeof(rps) - strlen(rps), " *%d",
				 model_marks_of(m, i, j)->note_no);
		snprintf(ok, sizeof(ok), "%d/%d", c->ok, c->ok + c->failed);
		fprintf(out, "  %-16s %5s %-26s %8s %8s %8s %9s %8s %8s  %.70s\n", a->models[j], ok,
			rps, median_text(p50, sizeof(p50), &c->st[MET_P50], 1e-3, "%.3g"),
			median_text(p99, sizeof(p99), &c->st[MET_P99], 1e-3, "%.3g"),
			median_text(errs, sizeof(errs), &c->st[MET_ERRORS], 1, "%.0f"),
			median_text(cpu, sizeof(cpu), &c->st[MET_CPU], 1, "%.3g"),
			median_text(sysc, sizeof(sysc), &c->st[MET_SYSCALLS], 1, "%.3g"),
			median_text(rss, sizeof(rss), &c->st[MET_RSS], 1 / 1024.0, "%.3g"),
			c->note);
	}
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);
		const struct model_marks *mk = model_marks_of(m, i, j);

		if (mk->note_no)
			fprintf(out, "  *%d %s: %s\n", mk->note_no, a->models[j], mk->note);
		if (c->ok + c->failed == 0)
			continue;
		kernel_text(kernel, sizeof(kernel), c);
		if (kernel[0])
			fprintf(out, "     %s:%s\n", a->models[j], kernel);
	}
}

static void summary_batch(FILE *out, const struct model_batch *b)
{
	fprintf(out, "\n%.*s (hyperfine, whole batch)\n  %-16s %10s %10s %10s  %s\n",
		(int)strlen(b->file) - 5, b->file, "model", "median s", "min s", "max s", "note");
	for (int k = 0; k < b->n; k++)
		fprintf(out, "  %-16s %10.3f %10.3f %10.3f  %s\n", b->r[k].model, b->r[k].median_s,
			b->r[k].min_s, b->r[k].max_s, b->note[k]);
}

/* The captions, as on index.html (sections with nothing to say left out). */
static void summary_captions(FILE *out, const struct report_model *m)
{
	for (int i = 0; i < m->n_sections; i++)
		if (m->sections[i].caption[0])
			fprintf(out, "\n== %s ==\n%s\n", m->sections[i].title,
				m->sections[i].caption);
	if (m->batch_caption[0])
		fprintf(out, "\n== %s ==\n%s\n", caption_title("batch"), m->batch_caption);
	if (m->syscalls_caption[0])
		fprintf(out, "\n== %s ==\n%s\n", caption_title("syscalls"), m->syscalls_caption);
}

/* A rate sweep as one table: per model, the closed-loop probe's
 * requests/s and the capacity at p99 <= 1 ms and <= 10 ms. */
static void summary_sweep(FILE *out, const struct report_model *m, int i)
{
	const struct agg *a = &m->agg;
	const char *series = a->scenarios[i].series;
	int steps = 0;

	for (int k = 0; k < a->n_scenarios; k++)
		steps += agg_is_sweep(a, k) && !strcmp(a->scenarios[k].series, series) &&
			 !agg_is_sweep_probe(a, k);
	fprintf(out, "\n%s (rate sweep, %s, %.0f connections, %d open-loop steps)\n", series,
		a->scenarios[i].proto, a->scenarios[i].connections, steps);
	fprintf(out, "  %-16s %14s %18s %18s\n", "model", "probe req/s", "at p99 <= 1 ms",
		"at p99 <= 10 ms");
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *probe = agg_cell(a, i, j);
		double c1 = caption_sweep_capacity(a, series, j, 1000);
		double c10 = caption_sweep_capacity(a, series, j, 10000);
		char p[32], t1[32], t10[32];

		if (probe->ok + probe->failed == 0)
			continue;
		snprintf(p, sizeof(p), probe->ok ? "%.0f" : "failed", probe->st[MET_RPS].median);
		snprintf(t1, sizeof(t1), isnan(c1) ? "-" : "%.0f", c1);
		snprintf(t10, sizeof(t10), isnan(c10) ? "-" : "%.0f", c10);
		fprintf(out, "  %-16s %14s %18s %18s\n", a->models[j], p, t1, t10);
	}
}

/* How quiet the machine was, in one line: the doctor's verdict, the run
 * marks, the load average. */
static void summary_quiet(FILE *out, const struct report_model *m)
{
	fputs("quiet:   ", out);
	if (m->doctor_quiet == 1)
		fputs("bench doctor called the machine quiet as the run began", out);
	else if (m->doctor_quiet == 0)
		fprintf(out, "bench doctor called the machine NOT quiet as the run began (%s)",
			m->doctor_warnings);
	else
		fputs("not recorded (the run predates bench doctor)", out);
	/* runs before bench doctor were not marked either */
	if (m->marked_runs || (m->doctor_quiet >= 0 && m->measured_runs))
		fprintf(out, "; %d of %d measured runs marked: %d disturbed, %d client-bound",
			m->marked_runs, m->measured_runs, m->disturbed_runs, m->client_bound_runs);
	if (m->load_runs)
		fprintf(out, "; load average as runs began: mean %.2f, max %.2f", m->load_mean,
			m->load_max);
	fputs("\n", out);
}

/* The headline, first: the machine, how quiet it was, who wins where. */
static void summary_headline(FILE *out, const struct report_model *m)
{
	fprintf(out, "== %s ==\n", m->base);
	if (m->headline.machine[0])
		fprintf(out, "machine: %s\n", m->headline.machine);
	fprintf(out, "run:     %s\n", m->headline.run);
	summary_quiet(out, m);
	if (m->n_failed)
		fprintf(out, "failed:  %d of %d runs (listed at the end)\n", m->n_failed,
			m->runs.n);
	for (int k = 0; k < m->headline.n; k++)
		fprintf(out, "- %s\n", m->headline.said[k]);
}

/* Every failed run with its reason. */
static void summary_failed(FILE *out, const struct report_model *m)
{
	if (m->n_failed)
		fprintf(out, "\nfailed runs (%d):\n", m->n_failed);
	for (int k = 0; k < m->n_failed; k++) {
		const struct run_row *r = m->failed[k].row;

		fprintf(out, "  %s %s rep %.0f: %s\n", r->scenario, r->model, r->rep, r->reason);
	}
}

void summary_print(const struct report_model *m, int plots, FILE *out)
{
	summary_headline(out, m);
	for (int i = 0; i < m->agg.n_scenarios; i++) {
		/* A sweep is one table, at its probe; its steps are in it. */
		if (agg_is_push(&m->agg, i))
			summary_push(out, m, i);
		else if (!agg_is_sweep(&m->agg, i))
			summary_scenario(out, m, i);
		else if (agg_is_sweep_probe(&m->agg, i))
			summary_sweep(out, m, i);
	}
	for (int i = 0; i < m->n_batches; i++)
		summary_batch(out, &m->batches[i]);
	summary_captions(out, m);
	agentsrep_text(out, m->dir);
	summary_failed(out, m);
	if (m->load_runs)
		fprintf(out,
			"\nload average as runs began: mean %.2f, max %.2f; %d of %d runs above "
			"%ld\n",
			m->load_mean, m->load_max, m->load_busy, m->load_runs, m->cpus);
	if (m->marked_runs)
		fprintf(out,
			"\n%d of %d measured runs are marked: %d disturbed (foreign CPU or steal "
			"on the pinned cores), %d client-bound; cells resting on them have a *N\n",
			m->marked_runs, m->measured_runs, m->disturbed_runs, m->client_bound_runs);
	fprintf(out, "\n%d runs (%d plots) in %s; open %s/index.html\n", m->runs.n, plots, m->dir,
		m->dir);
}
