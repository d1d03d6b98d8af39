/*
 * html.c - index.html: the machine it ran on, every plot (PNG linking to
 * its SVG), a table of medians per scenario, and the batch timings.
 * Plain HTML with a little CSS, no script, so it opens from a file.  It
 * renders the report model (model.h) and reads no file of its own.
 */
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/results.h"
#include "data/sys.h"
#include "report/caption.h"
#include "report/html.h"

void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_meta(FILE *f, const struct report_model *m)
{
	fputs("<h2>Where these numbers come from</h2>\n<table class=meta>\n", f);
	for (int k = 0; k < m->n_meta; k++) {
		fputs("<tr><th>", f);
		html_esc(f, m->meta_key[k]);
		fputs("</th><td>", f);
		html_esc(f, m->meta_value[k]);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p>Raw data: <a href=\"runs.csv\">runs.csv</a>, "
	      "<a href=\"meta.json\">meta.json</a>, histograms in <a href=\"hist/\">hist/</a>, "
	      "server and load generator output in <a href=\"logs/\">logs/</a>.</p>\n",
	      f);
}

static void put_figures(FILE *f, const struct plot_list *plots, const char *experiment)
{
	for (int i = 0; i < plots->n; i++) {
		if (strcmp(plots->plot[i].experiment, experiment))
			continue;
		fprintf(f, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" alt=\"",
			plots->plot[i].name, plots->plot[i].name);
		html_esc(f, plots->plot[i].caption);
		fputs("\"></a><figcaption>", f);
		html_esc(f, plots->plot[i].caption);
		fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>)</figcaption></figure>\n",
			plots->plot[i].name);
	}
}

/* One section: title, the caption computed from the numbers, plots. */
static void put_section(FILE *f, const char *title, const char *caption,
			const struct plot_list *plots, const char *experiment)
{
	fputs("<h2>", f);
	html_esc(f, title);
	fputs("</h2>\n", f);
	if (caption[0]) {
		fputs("<p class=caption>", f);
		html_esc(f, caption);
		fputs("</p>\n", f);
	}
	put_figures(f, plots, experiment);
}

/* A section per experiment (in runs.csv order), the batches, then the
 * plots of every scenario. */
static void put_plots(FILE *f, const struct report_model *m, const struct plot_list *plots)
{
	bool batch_plots = false;

	for (int i = 0; i < m->n_sections; i++)
		put_section(f, m->sections[i].title, m->sections[i].caption, plots,
			    m->sections[i].experiment);
	for (int i = 0; i < plots->n; i++)
		batch_plots |= strcmp(plots->plot[i].experiment, "batch") == 0;
	if (batch_plots)
		put_section(f, caption_title("batch"), m->batch_caption, plots, "batch");
	put_section(f, caption_title("syscalls"), m->syscalls_caption, plots, "syscalls");
	put_section(f, "Every scenario", "", plots, "");
}

/* A cell "median<small>min..max</small>" with the given scale and format,
 * and footnote mark N when mark > 0. */
static void put_stat_mark(FILE *f, const struct agg_stat *s, double scale, const char *fmt,
			  int mark)
{
	struct model_figure x = model_figure(s, scale, fmt);

	fputs("<td>", f);
	if (x.n == 0)
		fputs("-", f);
	else
		fputs(x.median, f);
	if (x.n > 1)
		fprintf(f, "<small> %s..%s</small>", x.min, x.max);
	if (mark > 0)
		fprintf(f, "<sup>*%d</sup>", mark);
	fputs("</td>", f);
}

static void put_stat(FILE *f, const struct agg_stat *s, double scale, const char *fmt)
{
	put_stat_mark(f, s, scale, fmt, 0);
}

/* The columns a scenario shows beyond the common ones, by what it ran. */
struct extras {
	bool idle, mbps, connect;
	bool cswitch, listen, retrans; /* some cell has a nonzero figure */
};

/* Whether any cell of scenario i measured metric id above zero. */
static bool any_nonzero(const struct agg *a, int i, enum metric_id id)
{
	for (int j = 0; j < a->n_models; j++)
		if (agg_cell(a, i, j)->st[id].max > 0)
			return true;
	return false;
}

static struct extras extras_of(const struct agg *a, int i)
{
	const struct agg_scenario *sc = &a->scenarios[i];

	return (struct extras){.idle = sc->first.idle > 0,
			       .mbps = strcmp(sc->proto, "echo") == 0,
			       .connect = sc->first.keepalive == 0,
			       .cswitch =
				   any_nonzero(a, i, MET_VCSW) || any_nonzero(a, i, MET_IVCSW),
			       .listen = any_nonzero(a, i, MET_LISTEN_OVERFLOWS) ||
					 any_nonzero(a, i, MET_LISTEN_DROPS),
			       .retrans = any_nonzero(a, i, MET_RETRANS)};
}

static void put_scenario_head(FILE *f, const struct agg_scenario *sc, struct extras x)
{
	fprintf(f, "<h3>%s</h3>\n<p>%s, %.0f connections", sc->name, sc->proto, sc->connections);
	if (x.idle)
		fprintf(f, " plus %.0f idle", sc->first.idle);
	fprintf(f,
		" (server CPUs %s, load generator CPUs %s). Medians of the successful "
		"repetitions, with min..max.</p>\n<table class=runs>\n"
		"<tr><th>model</th><th>ok runs</th><th>requests/s</th>",
		sc->first.server_cpus[0] ? sc->first.server_cpus : "?",
		sc->first.client_cpus[0] ? sc->first.client_cpus : "?");
	if (x.mbps)
		fputs("<th>MB/s</th>", f);
	fputs("<th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>errors</th>", f);
	if (x.connect)
		fputs("<th>connect p50 &micro;s</th><th>connect p99 &micro;s</th>", f);
	if (x.idle)
		fputs("<th>idle open at end</th><th>refused by server</th>", f);
	fputs("<th>server CPU &micro;s/req</th><th>syscalls/req</th><th>peak RSS MiB</th>", f);
	if (x.cswitch)
		fputs("<th>context switches/req voluntary</th><th>involuntary</th>", f);
	if (x.listen)
		fputs("<th>listen overflows</th><th>listen drops</th>", f);
	if (x.retrans)
		fputs("<th>TCP retransmits</th>", f);
	fputs("<th>note</th></tr>\n", f);
}

/* A rate sweep as one table, at its probe: per model, the probe's
 * requests/s, the capacity at p99 <= 1 and 10 ms, and each open-loop step
 * as "achieved requests/s / p99 ms" (a step that fell behind its rate by
 * more than 10% in italics: it did not serve that load). */
static void put_sweep(FILE *f, const struct report_model *m, int i)
{
	const struct agg *a = &m->agg;
	const struct agg_scenario *sc = &a->scenarios[i];
	int idx[a->n_scenarios + 1], n = agg_series_members(a, sc->series, idx);

	fprintf(f,
		"<h3>%s (rate sweep)</h3>\n<p>%s, %.0f connections: a closed-loop probe, then "
		"open-loop steps at rates scaled from it (one run each).  A step: requests/s "
		"achieved / p99 ms; in italics when it achieved less than 90%% of its "
		"rate.</p>\n<table class=runs>\n<tr><th>model</th><th>probe requests/s</th>"
		"<th>at p99 &le; 1 ms</th><th>at p99 &le; 10 ms</th>",
		sc->series, sc->proto, sc->connections);
	for (int k = 0; k < n; k++)
		if (a->scenarios[idx[k]].first.rate > 0)
			fprintf(f, "<th>step %d</th>", k);
	fputs("</tr>\n", f);
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *probe = agg_cell(a, i, j);
		double c1 = caption_sweep_capacity(a, sc->series, j, 1000);
		double c10 = caption_sweep_capacity(a, sc->series, j, 10000);

		if (probe->ok + probe->failed == 0)
			continue;
		fprintf(f, "<tr class=%s><td>%s</td>", probe->ok ? "ok" : "failed", a->models[j]);
		put_stat(f, &probe->st[MET_RPS], 1, "%.0f");
		fprintf(f, isnan(c1) ? "<td>-</td>" : "<td>%.0f</td>", c1);
		fprintf(f, isnan(c10) ? "<td>-</td>" : "<td>%.0f</td>", c10);
		for (int k = 0; k < n; k++) {
			const struct agg_cell *c = agg_cell(a, idx[k], j);
			double rate = a->scenarios[idx[k]].first.rate, rps = c->st[MET_RPS].median;

			if (rate <= 0)
				continue;
			if (c->ok == 0)
				fputs("<td>-</td>", f);
			else
				fprintf(f, "<td>%s%.0f / %.3g%s</td>", rps < 0.9 * rate ? "<i>" : "", rps,
					c->st[MET_P99].median / 1000, rps < 0.9 * rate ? "</i>" : "");
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void put_scenario(FILE *f, const struct report_model *m, int i)
{
	const struct agg *a = &m->agg;
	const struct agg_scenario *sc = &a->scenarios[i];
	struct extras x = extras_of(a, i);
	bool marked = false;

	put_scenario_head(f, sc, x);
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *c = agg_cell(a, i, j);

		if (c->ok + c->failed == 0)
			continue; /* skipped in this scenario */
		fprintf(f, "<tr class=%s><td>%s</td><td>%d/%d</td>",
			c->failed    ? "failed"
			: c->note[0] ? "errors"
				     : "ok",
			a->models[j], c->ok, c->ok + c->failed);
		/* A cell resting on marked runs: a footnote mark after it. */
		put_stat_mark(f, &c->st[MET_RPS], 1, "%.0f", model_marks_of(m, i, j)->note_no);
		marked |= model_marks_of(m, i, j)->note_no > 0;
		if (x.mbps)
			put_stat(f, &c->st[MET_MBPS], 1, "%.3g");
		put_stat(f, &c->st[MET_P50], 1e-3, "%.3g");
		put_stat(f, &c->st[MET_P99], 1e-3, "%.3g");
		put_stat(f, &c->st[MET_P999], 1e-3, "%.3g");
		put_stat(f, &c->st[MET_ERRORS], 1, "%.0f");
		if (x.connect) {
			put_stat(f, &c->st[MET_CONNECT_P50], 1, "%.0f");
			put_stat(f, &c->st[MET_CONNECT_P99], 1, "%.0f");
		}
		if (x.idle) {
			put_stat(f, &c->st[MET_IDLE_ALIVE], 1, "%.0f");
			put_stat(f, &c->st[MET_REFUSED], 1, "%.0f");
		}
		put_stat(f, &c->st[MET_CPU], 1, "%.3g");
		put_stat(f, &c->st[MET_SYSCALLS], 1, "%.3g");
		put_stat(f, &c->st[MET_RSS], 1 / 1024.0, "%.3g");
		if (x.cswitch) {
			put_stat(f, &c->st[MET_VCSW], 1, "%.3g");
			put_stat(f, &c->st[MET_IVCSW], 1, "%.3g");
		}
		if (x.listen) {
			put_stat(f, &c->st[MET_LISTEN_OVERFLOWS], 1, "%.0f");
			put_stat(f, &c->st[MET_LISTEN_DROPS], 1, "%.0f");
		}
		if (x.retrans)
			put_stat(f, &c->st[MET_RETRANS], 1, "%.0f");
		fputs("<td>", f);
		html_esc(f, c->note);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (!marked)
		return;
	fputs("<p class=marks>", f);
	for (int j = 0; j < a->n_models; j++) {
		const struct model_marks *mk = model_marks_of(m, i, j);

		if (!mk->note_no)
			continue;
		fprintf(f, "<sup>*%d</sup> %s: ", mk->note_no, a->models[j]);
		html_esc(f, mk->note);
		fputs(".<br>\n", f);
	}
	fputs("</p>\n", f);
}

static void put_batch(FILE *f, const struct model_batch *b)
{
	fprintf(f,
		"<h3>%.*s</h3>\n<table class=runs>\n<tr><th>model</th><th>runs</th>"
		"<th>median s</th><th>min s</th><th>max s</th><th>mean &plusmn; sd s</th>"
		"<th>note</th></tr>\n",
		(int)strlen(b->file) - 5, b->file);
	for (int k = 0; k < b->n; k++) {
		const struct hyperfine_result *r = &b->r[k];

		fprintf(f, "<tr class=%s><td>", b->note[k][0] ? "failed" : "ok");
		html_esc(f, r->model);
		fprintf(f,
			"</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
			"<td>%.3f &plusmn; %.3f</td><td>%s</td></tr>\n",
			r->runs, r->median_s, r->min_s, r->max_s, r->mean_s, r->stddev_s,
			b->note[k]);
	}
	fputs("</table>\n", f);
}

static void put_batches(FILE *f, const struct report_model *m)
{
	if (m->n_batches)
		fputs("<h2>Batches timed by hyperfine</h2>\n", f);
	for (int i = 0; i < m->n_batches; i++)
		put_batch(f, &m->batches[i]);
}

static const char *style =
    "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
    "img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:right}td:first-child,th:first-child,td:last-child"
    "{text-align:left}.meta td,.meta th{text-align:left}tr.failed{background:#fdd}"
    "tr.errors{background:#ffd}small{color:#666}p.marks{color:#840}"
    "p.caption{background:#f4f6fa;border-left:4px solid #1f77b4;padding:.5em .8em}";

/* How fit the machine was, first on the page: a reader who looks at
 * nothing else learns whether the figures below can be trusted.  From
 * `bench doctor` as the run began, the marks of the runs (other work on
 * the pinned cores, a saturated load generator) and the load average. */
static void put_machine(FILE *f, const struct report_model *m)
{
	fputs("<h2>How quiet the machine was</h2>\n", f);
	if (m->doctor_quiet == 1)
		fputs("<p>As the run began, <code>bench doctor</code> called the machine quiet "
		      "(load, runnable tasks, steal and other work on the pinned CPUs all "
		      "low).</p>\n",
		      f);
	else if (m->doctor_quiet == 0) {
		fputs("<p class=marks>As the run began, <code>bench doctor</code> called the "
		      "machine <b>not quiet</b>: ",
		      f);
		html_esc(f, m->doctor_warnings);
		fputs(".</p>\n", f);
	} else
		fputs("<p>This run predates <code>bench doctor</code>: nothing was recorded "
		      "about the machine as it began.</p>\n",
		      f);
	if (m->marked_runs)
		fprintf(f,
			"<p class=marks><b>%d of %d measured runs are marked</b>: %d disturbed "
			"(other work or steal on the pinned cores took more than 5%% of their "
			"time), %d client-bound (the load generator used more than 90%% of its "
			"CPUs). Their figures are kept; the cells resting on them carry a "
			"<sup>*N</sup> footnote.</p>\n",
			m->marked_runs, m->measured_runs, m->disturbed_runs, m->client_bound_runs);
	else if (m->doctor_quiet >= 0)
		fprintf(f, "<p>None of the %d measured runs was disturbed or client-bound.</p>\n",
			m->measured_runs);
	if (m->load_runs)
		fprintf(
		    f,
		    "<p>Load average as the runs began: mean %.2f, at most %.2f; %d of %d runs "
		    "began with it above the %ld CPUs (other jobs competing for the cores: their "
		    "figures are noisier).</p>\n",
		    m->load_mean, m->load_max, m->load_busy, m->load_runs, m->cpus);
}

int html_write(const struct report_model *m, const struct plot_list *plots)
{
	const struct agg *a = &m->agg;
	char *buf = NULL, *path = sys_fmt("%s/index.html", m->dir);
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	fprintf(f,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<title>modelbench %s</title>\n<style>%s</style></head><body>\n"
		"<h1>modelbench results: %s</h1>\n",
		m->base, style, m->base);
	put_machine(f, m);
	put_plots(f, m, plots);
	fputs("<h2>Medians per scenario</h2>\n<p>Rows in red had failed runs (the note "
	      "says why); rows in yellow finished with errors (timeouts, refused "
	      "connections), which is how a model shows what it cannot do.</p>\n",
	      f);
	for (int i = 0; i < a->n_scenarios; i++) {
		if (!agg_is_sweep(a, i))
			put_scenario(f, m, i);
		else if (a->scenarios[i].first.rate == 0) /* the probe */
			put_sweep(f, m, i);
	}
	put_batches(f, m);
	put_meta(f, m);
	fputs("</body></html>\n", f);
	fclose(f);
	rc = results_write_atomic(path, buf, len);
	free(buf);
	free(path);
	return rc;
}
