/*
 * html.c - index.html: the machine it ran on, every plot (PNG linking to
 * its SVG), a table of medians per scenario, and the batch timings.
 * Plain HTML with a little CSS, no script, so it opens from a file.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/hyperfine.h"
#include "report/caption.h"
#include "report/html.h"
#include "data/results.h"
#include "data/sys.h"

static void esc(FILE *f, const char *s)
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

/* A JSON value as one line of text. */
static void put_json_value(FILE *f, json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	int n = 0;

	if (json_is_string(v))
		esc(f, json_string_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, item)
		{
			fputs(i ? " " : "", f);
			put_json_value(f, item);
		}
	else if (json_is_object(v))
		json_object_foreach(v, key, item)
		{
			fputs(n++ ? ", " : "", f);
			esc(f, key);
			fputs("=", f);
			put_json_value(f, item);
		}
	else {
		char *text = json_dumps(v, JSON_ENCODE_ANY);

		esc(f, text ? text : "?");
		free(text);
	}
}

static void put_meta(FILE *f, const char *dir)
{
	char *path = sys_fmt("%s/meta.json", dir);
	json_t *m = json_load_file(path, 0, NULL), *v;
	const char *key;

	fputs("<h2>Where these numbers come from</h2>\n<table class=meta>\n", f);
	json_object_foreach(m, key, v)
	{
		fputs("<tr><th>", f);
		esc(f, key);
		fputs("</th><td>", f);
		put_json_value(f, v);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p>Raw data: <a href=\"runs.csv\">runs.csv</a>, "
	      "<a href=\"meta.json\">meta.json</a>, histograms in <a href=\"hist/\">hist/</a>, "
	      "server and load generator output in <a href=\"logs/\">logs/</a>.</p>\n",
	      f);
	json_decref(m);
	free(path);
}

static void put_figures(FILE *f, const struct plot_list *plots, const char *experiment)
{
	for (int i = 0; i < plots->n; i++) {
		if (strcmp(plots->plot[i].experiment, experiment))
			continue;
		fprintf(f, "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" alt=\"",
			plots->plot[i].name, plots->plot[i].name);
		esc(f, plots->plot[i].caption);
		fputs("\"></a><figcaption>", f);
		esc(f, plots->plot[i].caption);
		fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>)</figcaption></figure>\n",
			plots->plot[i].name);
	}
}

/* One section: title, the caption computed from the numbers, plots. */
static void put_section(FILE *f, const char *title, const char *caption,
			const struct plot_list *plots, const char *experiment)
{
	fputs("<h2>", f);
	esc(f, title);
	fputs("</h2>\n", f);
	if (caption[0]) {
		fputs("<p class=caption>", f);
		esc(f, caption);
		fputs("</p>\n", f);
	}
	put_figures(f, plots, experiment);
}

/* A section per experiment (in runs.csv order), the batches, then the
 * plots of every scenario. */
static void put_plots(FILE *f, const char *dir, const struct agg *a, const struct plot_list *plots)
{
	char caption[2048];
	bool batch_plots = false;

	for (int i = 0; i < a->n_scenarios; i++) {
		const char *e = a->scenarios[i].first.experiment;
		bool seen = false;

		for (int k = 0; k < i; k++)
			seen |= strcmp(a->scenarios[k].first.experiment, e) == 0;
		if (seen)
			continue;
		caption_experiment(a, e, caption, sizeof(caption));
		put_section(f, caption_title(e), caption, plots, e);
	}
	for (int i = 0; i < plots->n; i++)
		batch_plots |= strcmp(plots->plot[i].experiment, "batch") == 0;
	if (batch_plots) {
		caption_batches(dir, caption, sizeof(caption));
		put_section(f, caption_title("batch"), caption, plots, "batch");
	}
	caption_syscalls(a, caption, sizeof(caption));
	put_section(f, caption_title("syscalls"), caption, plots, "syscalls");
	put_section(f, "Every scenario", "", plots, "");
}

/* A cell "median<small>min..max</small>" with the given scale and format. */
static void put_stat(FILE *f, const struct sample *s, double scale, const char *fmt)
{
	char buf[64];

	fputs("<td>", f);
	if (s->n == 0) {
		fputs("-</td>", f);
		return;
	}
	snprintf(buf, sizeof(buf), fmt, sample_median(s) * scale);
	fputs(buf, f);
	if (s->n > 1) {
		fputs("<small> ", f);
		fprintf(f, fmt, sample_min(s) * scale);
		fputs("..", f);
		fprintf(f, fmt, sample_max(s) * scale);
		fputs("</small>", f);
	}
	fputs("</td>", f);
}

/* The columns a scenario shows beyond the common ones, by what it ran. */
struct extras {
	bool idle, mbps, connect;
};

static struct extras extras_of(const struct agg_scenario *sc)
{
	return (struct extras){.idle = sc->first.idle > 0,
			       .mbps = strcmp(sc->proto, "echo") == 0,
			       .connect = sc->first.keepalive == 0};
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
	fputs("<th>server CPU &micro;s/req</th><th>syscalls/req</th><th>peak RSS MiB</th>"
	      "<th>note</th></tr>\n",
	      f);
}

static void put_scenario(FILE *f, const struct agg *a, int i)
{
	const struct agg_scenario *sc = &a->scenarios[i];
	struct extras x = extras_of(sc);

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
		put_stat(f, &c->m[AGG_RPS], 1, "%.0f");
		if (x.mbps)
			put_stat(f, &c->m[AGG_MBPS], 1, "%.3g");
		put_stat(f, &c->m[AGG_P50], 1e-3, "%.3g");
		put_stat(f, &c->m[AGG_P99], 1e-3, "%.3g");
		put_stat(f, &c->m[AGG_P999], 1e-3, "%.3g");
		put_stat(f, &c->m[AGG_ERRORS], 1, "%.0f");
		if (x.connect) {
			put_stat(f, &c->m[AGG_CONNECT_P50], 1, "%.0f");
			put_stat(f, &c->m[AGG_CONNECT_P99], 1, "%.0f");
		}
		if (x.idle) {
			put_stat(f, &c->m[AGG_IDLE_ALIVE], 1, "%.0f");
			put_stat(f, &c->m[AGG_REFUSED], 1, "%.0f");
		}
		put_stat(f, &c->m[AGG_CPU], 1, "%.3g");
		put_stat(f, &c->m[AGG_SYSCALLS], 1, "%.3g");
		put_stat(f, &c->m[AGG_RSS], 1 / 1024.0, "%.3g");
		fputs("<td>", f);
		esc(f, c->note);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void put_batch(FILE *f, const char *dir, const char *file)
{
	char *path = sys_fmt("%s/%s", dir, file);
	struct hyperfine_result *r;
	int n = hyperfine_load(path, &r);

	fprintf(f,
		"<h3>%.*s</h3>\n<table class=runs>\n<tr><th>model</th><th>runs</th>"
		"<th>median s</th><th>min s</th><th>max s</th><th>mean &plusmn; sd s</th>"
		"<th>note</th></tr>\n",
		(int)strlen(file) - 5, file);
	for (int k = 0; k < n; k++) {
		char note[96];

		hyperfine_describe(&r[k], note, sizeof(note));
		fprintf(f, "<tr class=%s><td>", note[0] ? "failed" : "ok");
		esc(f, r[k].model);
		fprintf(f,
			"</td><td>%d</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
			"<td>%.3f &plusmn; %.3f</td><td>%s</td></tr>\n",
			r[k].runs, r[k].median_s, r[k].min_s, r[k].max_s, r[k].mean_s,
			r[k].stddev_s, note);
	}
	fputs("</table>\n", f);
	free(r);
	free(path);
}

static void put_batches(FILE *f, const char *dir)
{
	char **files = hyperfine_list_files(dir);

	if (files[0])
		fputs("<h2>Batches timed by hyperfine</h2>\n", f);
	for (int i = 0; files[i]; i++) {
		put_batch(f, dir, files[i]);
		free(files[i]);
	}
	free(files);
}

static const char *style =
    "body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}"
    "img{max-width:100%;border:1px solid #ddd}figure{margin:1em 0}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:right}td:first-child,th:first-child,td:last-child"
    "{text-align:left}.meta td,.meta th{text-align:left}tr.failed{background:#fdd}"
    "tr.errors{background:#ffd}small{color:#666}"
    "p.caption{background:#f4f6fa;border-left:4px solid #1f77b4;padding:.5em .8em}";

int html_write(const char *dir, const struct agg *a, const struct plot_list *plots)
{
	char *buf = NULL, *path = sys_fmt("%s/index.html", dir);
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	int rc;

	fprintf(f,
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<title>modelbench %s</title>\n<style>%s</style></head><body>\n"
		"<h1>modelbench results: %s</h1>\n",
		base, style, base);
	put_plots(f, dir, a, plots);
	fputs("<h2>Medians per scenario</h2>\n<p>Rows in red had failed runs (the note "
	      "says why); rows in yellow finished with errors (timeouts, refused "
	      "connections), which is how a model shows what it cannot do.</p>\n",
	      f);
	for (int i = 0; i < a->n_scenarios; i++)
		put_scenario(f, a, i);
	put_batches(f, dir);
	if (a->load_runs)
		fprintf(
		    f,
		    "<p>Load average as the runs began: mean %.2f, at most %.2f; %d of %d runs "
		    "began with it above the %ld CPUs (other jobs competing for the cores: their "
		    "figures are noisier).</p>\n",
		    a->load_sum / a->load_runs, a->load_max, a->load_busy, a->load_runs,
		    sysconf(_SC_NPROCESSORS_ONLN));
	put_meta(f, dir);
	fputs("</body></html>\n", f);
	fclose(f);
	rc = results_write_atomic(path, buf, len);
	free(buf);
	free(path);
	return rc;
}
