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
#include "report/agentsrep.h"
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

/* Each plot of the section: its PNG linking to its SVG, and a caption
 * linking to the SVG and to the data file it was drawn from. */
static void put_figures(FILE *f, const struct plot_list *plots, const struct html_plot_data *data,
			const char *experiment)
{
	for (int i = 0; i < plots->n; i++) {
		if (strcmp(plots->plot[i].experiment, experiment))
			continue;
		fprintf(f, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" alt=\"",
			plots->plot[i].name, plots->plot[i].name);
		html_esc(f, plots->plot[i].caption);
		fputs("\"></a><figcaption>", f);
		html_esc(f, plots->plot[i].caption);
		fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>", plots->plot[i].name);
		if (data->path[i][0]) {
			fputs(", data: <a href=\"", f);
			html_esc(f, data->path[i]);
			fputs("\">", f);
			html_esc(f, strrchr(data->path[i], '/') ? strrchr(data->path[i], '/') + 1
								: data->path[i]);
			fputs("</a>", f);
		}
		fputs(")</figcaption></figure>\n", f);
	}
}

/* One section: title, the caption computed from the numbers, plots. */
static bool has_plots(const struct plot_list *plots, const char *experiment)
{
	for (int i = 0; i < plots->n; i++)
		if (strcmp(plots->plot[i].experiment, experiment) == 0)
			return true;
	return false;
}

static void put_section(FILE *f, const char *title, const char *caption,
			const struct plot_list *plots, const struct html_plot_data *data,
			const char *experiment)
{
	fputs("<h2>", f);
	html_esc(f, title);
	fputs("</h2>\n", f);
	if (caption[0]) {
		fputs("<p class=caption>", f);
		html_esc(f, caption);
		fputs("</p>\n", f);
	}
	put_figures(f, plots, data, experiment);
}

/* A section per experiment (in runs.csv order), the batches, then the
 * plots of every scenario. */
static void put_plots(FILE *f, const struct report_model *m, const struct plot_list *plots,
		      const struct html_plot_data *data)
{
	bool batch_plots = false;

	for (int i = 0; i < m->n_sections; i++)
		put_section(f, m->sections[i].title, m->sections[i].caption, plots, data,
			    m->sections[i].experiment);
	for (int i = 0; i < plots->n; i++)
		batch_plots |= strcmp(plots->plot[i].experiment, "batch") == 0;
	if (batch_plots)
		put_section(f, caption_title("batch"), m->batch_caption, plots, data, "batch");
	/* Without a system call count (--syscalls none, a sweep) nothing to show. */
	if (m->syscalls_caption[0] || has_plots(plots, "syscalls"))
		put_section(f, caption_title("syscalls"), m->syscalls_caption, plots, data,
			    "syscalls");
	put_section(f, "Every scenario", "", plots, data, "");
}

/* The file of kind in files ("hgrm", "json", ...), or NULL. */
static const struct model_file *file_kind(const struct model_files *files, const char *kind)
{
	for (int k = 0; k < files->n; k++)
		if (strcmp(files->f[k].kind, kind) == 0)
			return &files->f[k];
	return NULL;
}

/* What a figure of a cell links to: a file of one of its runs. */
struct cell_link {
	const char *path; /* NULL: no link */
	const char *what;
	int rep;
};

/* The file of the first kind found in files, in the order given. */
static struct cell_link link_to(const struct model_files *files, const char *kind1,
				const char *kind2)
{
	const struct model_file *r = file_kind(files, kind1);

	if (!r && kind2)
		r = file_kind(files, kind2);
	if (!r && files->n)
		r = &files->f[0];
	return r ? (struct cell_link){r->path, r->what, files->rep}
		 : (struct cell_link){NULL, NULL, -1};
}

/* A cell "median<small>min..max</small>" with the given scale and format,
 * the median linking to the run file behind it, and footnote mark N when
 * mark > 0. */
static void put_stat_mark(FILE *f, const struct agg_stat *s, double scale, const char *fmt,
			  struct cell_link link, int mark)
{
	struct model_figure x = model_figure(s, scale, fmt);

	fputs("<td>", f);
	if (x.n == 0)
		fputs("-", f);
	else if (link.path) {
		fputs("<a href=\"", f);
		html_esc(f, link.path);
		fprintf(f, "\" title=\"%s of repetition %d\">%s</a>", link.what, link.rep,
			x.median);
	} else
		fputs(x.median, f);
	if (x.n > 1)
		fprintf(f, "<small> %s..%s</small>", x.min, x.max);
	if (mark > 0)
		fprintf(f, "<sup>*%d</sup>", mark);
	fputs("</td>", f);
}

static void put_stat(FILE *f, const struct agg_stat *s, double scale, const char *fmt,
		     struct cell_link link)
{
	put_stat_mark(f, s, scale, fmt, link, 0);
}

/* The last cell of a row: every file of the run its figures come from
 * (saying which repetition when say_rep), and the system call pass's
 * count. */
static void put_files_cell(FILE *f, const struct model_files *cf, const struct model_files *pf,
			   bool say_rep)
{
	const struct model_file *sys = file_kind(pf, "syscalls");
	const char *sep = "";

	fputs("<td class=files>", f);
	if (cf->n && say_rep)
		fprintf(f, "rep %d:", cf->rep), sep = " ";
	for (int k = 0; k < cf->n; k++, sep = " ") {
		fprintf(f, "%s<a href=\"", sep);
		html_esc(f, cf->f[k].path);
		fprintf(f, "\" title=\"%s\">%s</a>", cf->f[k].what, cf->f[k].kind);
	}
	if (sys) {
		fprintf(f, "%s<a href=\"", sep);
		html_esc(f, sys->path);
		fprintf(f, "\" title=\"%s of the pass (rep 0)\">syscalls</a>", sys->what);
	}
	fputs("</td>", f);
}

/* The columns a scenario shows beyond the common ones, by what it ran. */
struct extras {
	bool idle, mbps, connect;
	bool push;		       /* subscribers: events and delivery latency, not requests */
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
			       .push = agg_is_push(a, i),
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
	if (x.push)
		fprintf(f, "<h3>%s</h3>\n<p>push (%s), %.0f subscribers, %g events/s published",
			sc->name, sc->first.subscribe, sc->connections, sc->first.publish_hz);
	else
		fprintf(f, "<h3>%s</h3>\n<p>%s, %.0f connections", sc->name, sc->proto,
			sc->connections);
	if (x.idle)
		fprintf(f, " plus %.0f idle", sc->first.idle);
	fprintf(f,
		" (server CPUs %s, load generator CPUs %s). Medians of the successful "
		"repetitions, with min..max; a figure links to the file it comes "
		"from.</p>\n<div class=wide><table class=runs>\n"
		"<tr><th>model</th><th>ok runs</th><th>%s</th>",
		sc->first.server_cpus[0] ? sc->first.server_cpus : "?",
		sc->first.client_cpus[0] ? sc->first.client_cpus : "?",
		x.push ? "events/s received" : "requests/s");
	if (x.mbps)
		fputs("<th>MB/s</th>", f);
	if (x.push)
		fputs("<th>delivery p50 ms</th><th>delivery p99 ms</th><th>delivery p99.9 ms</th>"
		      "<th>missed events</th><th>subscribers held at end</th><th>reconnects</th>"
		      "<th>errors</th>",
		      f);
	else
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
	fputs("<th>note</th><th>run files</th></tr>\n", f);
}

/* One model's row of scenario i: every figure linking to the run file
 * behind it (the loadgen's figures to its JSON, latency to the histogram,
 * system calls to the pass's count), then the note and the files. */
static void put_row(FILE *f, const struct report_model *m, int i, int j, struct extras x)
{
	const struct agg_cell *c = agg_cell(&m->agg, i, j);
	const struct model_files *cf = model_cell_files(m, i, j);
	const struct model_files *pf = model_pass_files(m, i, j);
	struct cell_link run = link_to(cf, "json", "hgrm"), lat = link_to(cf, "hgrm", NULL);
	struct cell_link sys = link_to(pf, "syscalls", "json");

	fprintf(f, "<tr class=%s><td>%s</td><td>%d/%d</td>",
		c->failed    ? "failed"
		: c->note[0] ? "errors"
			     : "ok",
		m->agg.models[j], c->ok, c->ok + c->failed);
	/* A cell resting on marked runs: a footnote mark after it. */
	put_stat_mark(f, &c->st[x.push ? MET_EVENTS_PER_S : MET_RPS], 1, "%.0f", run,
		      model_marks_of(m, i, j)->note_no);
	if (x.mbps)
		put_stat(f, &c->st[MET_MBPS], 1, "%.3g", run);
	if (x.push) { /* the histogram file holds delivery latency */
		put_stat(f, &c->st[MET_DELIVERY_P50], 1e-3, "%.3g", lat);
		put_stat(f, &c->st[MET_DELIVERY_P99], 1e-3, "%.3g", lat);
		put_stat(f, &c->st[MET_DELIVERY_P999], 1e-3, "%.3g", lat);
		put_stat(f, &c->st[MET_MISSED], 1, "%.0f", run);
		put_stat(f, &c->st[MET_SUBSCRIBED], 1, "%.0f", run);
		put_stat(f, &c->st[MET_RECONNECTS], 1, "%.0f", run);
	} else {
		put_stat(f, &c->st[MET_P50], 1e-3, "%.3g", lat);
		put_stat(f, &c->st[MET_P99], 1e-3, "%.3g", lat);
		put_stat(f, &c->st[MET_P999], 1e-3, "%.3g", lat);
	}
	put_stat(f, &c->st[MET_ERRORS], 1, "%.0f", run);
	if (x.connect) {
		put_stat(f, &c->st[MET_CONNECT_P50], 1, "%.0f", run);
		put_stat(f, &c->st[MET_CONNECT_P99], 1, "%.0f", run);
	}
	if (x.idle) {
		put_stat(f, &c->st[MET_IDLE_ALIVE], 1, "%.0f", run);
		put_stat(f, &c->st[MET_REFUSED], 1, "%.0f", run);
	}
	put_stat(f, &c->st[MET_CPU], 1, "%.3g", run);
	put_stat(f, &c->st[MET_SYSCALLS], 1, "%.3g", sys);
	put_stat(f, &c->st[MET_RSS], 1 / 1024.0, "%.3g", run);
	if (x.cswitch) {
		put_stat(f, &c->st[MET_VCSW], 1, "%.3g", run);
		put_stat(f, &c->st[MET_IVCSW], 1, "%.3g", run);
	}
	if (x.listen) {
		put_stat(f, &c->st[MET_LISTEN_OVERFLOWS], 1, "%.0f", run);
		put_stat(f, &c->st[MET_LISTEN_DROPS], 1, "%.0f", run);
	}
	if (x.retrans)
		put_stat(f, &c->st[MET_RETRANS], 1, "%.0f", run);
	fputs("<td>", f);
	html_esc(f, c->note);
	fputs("</td>", f);
	put_files_cell(f, cf, pf, true);
	fputs("</tr>\n", f);
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
		if (!agg_is_sweep_probe(a, idx[k]))
			fprintf(f, "<th>step %d</th>", k);
	fputs("</tr>\n", f);
	for (int j = 0; j < a->n_models; j++) {
		const struct agg_cell *probe = agg_cell(a, i, j);
		double c1 = caption_sweep_capacity(a, sc->series, j, 1000);
		double c10 = caption_sweep_capacity(a, sc->series, j, 10000);

		if (probe->ok + probe->failed == 0)
			continue;
		fprintf(f, "<tr class=%s><td>%s</td>", probe->ok ? "ok" : "failed", a->models[j]);
		put_stat(f, &probe->st[MET_RPS], 1, "%.0f",
			 link_to(model_cell_files(m, i, j), "json", "hgrm"));
		fprintf(f, isnan(c1) ? "<td>-</td>" : "<td>%.0f</td>", c1);
		fprintf(f, isnan(c10) ? "<td>-</td>" : "<td>%.0f</td>", c10);
		for (int k = 0; k < n; k++) {
			const struct agg_cell *c = agg_cell(a, idx[k], j);
			double rate = c->rate, rps = c->st[MET_RPS].median;

			if (rate <= 0)
				continue;
			struct cell_link hist =
			    link_to(model_cell_files(m, idx[k], j), "hgrm", NULL);

			if (c->ok == 0) {
				fputs("<td>-</td>", f);
				continue;
			}
			fputs("<td>", f);
			if (hist.path) { /* the step's histogram */
				fputs("<a href=\"", f);
				html_esc(f, hist.path);
				fputs("\">", f);
			}
			fprintf(f, "%s%.0f / %.3g%s", rps < 0.9 * rate ? "<i>" : "", rps,
				c->st[MET_P99].median / 1000, rps < 0.9 * rate ? "</i>" : "");
			fputs(hist.path ? "</a></td>" : "</td>", f);
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
		put_row(f, m, i, j, x);
		marked |= model_marks_of(m, i, j)->note_no > 0;
	}
	fputs("</table></div>\n", f);
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
		"<h3>%.*s</h3>\n<p>hyperfine's export: <a href=\"%s\">%s</a>.</p>\n"
		"<table class=runs>\n<tr><th>model</th><th>runs</th>"
		"<th>median s</th><th>min s</th><th>max s</th><th>mean &plusmn; sd s</th>"
		"<th>note</th></tr>\n",
		(int)strlen(b->file) - 5, b->file, b->file, b->file);
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
    "p.caption{background:#f4f6fa;border-left:4px solid #1f77b4;padding:.5em .8em}"
    ".headline{background:#f4f6fa;border:1px solid #c8d0e0;padding:.2em 1em;margin:1em 0}"
    ".headline li{margin:.3em 0}span.marks{color:#840}td.files{font-size:smaller;"
    "white-space:nowrap}td a{color:inherit;text-decoration:underline dotted #999}"
    "div.wide{overflow-x:auto}table.runs{font-size:90%}.failed-runs td,.failed-runs th"
    "{text-align:left}";

/* How fit the machine was: a reader who looks at nothing else learns
 * whether the figures below can be trusted.  From `bench doctor` as the
 * run began, the marks of the runs (other work on the pinned cores, a
 * saturated load generator) and the load average. */
static void put_quiet(FILE *f, const struct report_model *m)
{
	fputs("<p><b>How quiet it was:</b> ", f);
	if (m->doctor_quiet == 1)
		fputs("as the run began, <code>bench doctor</code> called the machine quiet "
		      "(load, runnable tasks, steal and other work on the pinned CPUs all "
		      "low).</p>\n",
		      f);
	else if (m->doctor_quiet == 0) {
		fputs("as the run began, <code>bench doctor</code> called the machine <b>not "
		      "quiet</b>: <span class=marks>",
		      f);
		html_esc(f, m->doctor_warnings);
		fputs("</span>.</p>\n", f);
	} else
		fputs("this run predates <code>bench doctor</code>: nothing was recorded about "
		      "the machine as it began.</p>\n",
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
		fprintf(f,
			"<p>Load average as the runs began: mean %.2f, at most %.2f; %d of %d runs "
			"began with it above the %ld CPUs. It also counts this benchmark's own "
			"server and load generator of the runs just before, so it reads high even "
			"on a quiet machine%s</p>\n",
			m->load_mean, m->load_max, m->load_busy, m->load_runs, m->cpus,
			m->doctor_quiet >= 0 ? "; the marks above count other work on the pinned "
					       "cores itself."
					     : "; this run predates the per-run marks that tell "
					       "other work from its own.");
}

/* The headline, first on the page: the machine, how quiet it was, the
 * computed sentences on who wins where, and the failed runs' count. */
static void put_headline(FILE *f, const struct report_model *m)
{
	const struct model_headline *h = &m->headline;

	fputs("<div class=headline id=headline>\n", f);
	if (h->machine[0]) {
		fputs("<p><b>Machine:</b> ", f);
		html_esc(f, h->machine);
		fputs(".</p>\n", f);
	}
	if (h->run[0]) {
		fputs("<p><b>Run:</b> ", f);
		html_esc(f, h->run);
		fputs(".</p>\n", f);
	}
	put_quiet(f, m);
	if (h->n)
		fputs("<p><b>Who wins where</b> (computed from the medians below):</p>\n<ul>\n", f);
	for (int k = 0; k < h->n; k++) {
		fputs("<li>", f);
		html_esc(f, h->said[k]);
		fputs("</li>\n", f);
	}
	if (h->n)
		fputs("</ul>\n", f);
	if (m->n_failed)
		fprintf(f,
			"<p class=marks><b>%d of %d runs failed</b>: <a href=\"#failed\">listed "
			"with their reasons</a>.</p>\n",
			m->n_failed, m->runs.n);
	fputs("</div>\n", f);
}

/* Every failed run: scenario, model, repetition, reason, and the files it
 * left (kept reference runs keep the logs of failed runs). */
static void put_failed(FILE *f, const struct report_model *m)
{
	if (!m->n_failed)
		return;
	fprintf(
	    f,
	    "<h2 id=failed>Failed runs</h2>\n<p>%d of %d runs failed (repetition 0 is the "
	    "short system call pass). A failed run counts for no figure.</p>\n"
	    "<table class=\"runs failed-runs\">\n<tr><th>scenario</th><th>model</th><th>rep</th>"
	    "<th>reason</th><th>files</th></tr>\n",
	    m->n_failed, m->runs.n);
	for (int k = 0; k < m->n_failed; k++) {
		const struct model_failed *x = &m->failed[k];

		fputs("<tr class=failed><td>", f);
		html_esc(f, x->row->scenario);
		fputs("</td><td>", f);
		html_esc(f, x->row->model);
		fprintf(f, "</td><td>%.0f</td><td>", x->row->rep);
		html_esc(f, x->row->reason);
		fputs("</td>", f);
		put_files_cell(f, &x->files, &(struct model_files){.n = 0}, false);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

int html_write(const struct report_model *m, const struct plot_list *plots,
	       const struct html_plot_data *data)
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
	put_headline(f, m);
	put_plots(f, m, plots, data);
	fputs("<h2>Medians per scenario</h2>\n<p>Rows in red had failed runs (the note "
	      "says why); rows in yellow finished with errors (timeouts, refused "
	      "connections), which is how a model shows what it cannot do.</p>\n",
	      f);
	for (int i = 0; i < a->n_scenarios; i++) {
		if (!agg_is_sweep(a, i))
			put_scenario(f, m, i);
		else if (agg_is_sweep_probe(a, i))
			put_sweep(f, m, i);
	}
	agentsrep_html(f, m->dir);
	put_failed(f, m);
	put_batches(f, m);
	put_meta(f, m);
	fputs("</body></html>\n", f);
	fclose(f);
	rc = results_write_atomic(path, buf, len);
	free(buf);
	free(path);
	return rc;
}
