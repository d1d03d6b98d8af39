/*
 * agentsrep.c - the per-agent table of coordinated runs (see agentsrep.h).
 *
 * It reads the run documents themselves (hist/RUN.json) rather than
 * runs.csv: the agents are a list per run, which a CSV row has no room
 * for, and the document is what the merged figures came from.  One line
 * per agent, then the merged line, whose requests/s is the sum over the
 * longest measured phase and whose percentiles come from the added
 * histograms (so they are not the mean of the agents' percentiles).
 */
#include <glob.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "data/sys.h"
#include "report/agentsrep.h"
#include "report/html.h"

struct agent_line {
	char who[96]; /* "agent 2 netns:agt-2" or "merged" */
	double rps, cpu_s, errors, p50_ms, p99_ms, late_ms;
};

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static struct agent_line line_of(const json_t *a)
{
	struct agent_line l;
	const json_t *lat = json_object_get(a, "latency_us");

	snprintf(l.who, sizeof(l.who), "%lld %s", json_integer_value(json_object_get(a, "agent")),
		 json_string_value(json_object_get(a, "target")));
	l.rps = num(a, "requests_per_s");
	l.cpu_s = num(a, "client_cpu_s");
	l.errors = num(a, "errors");
	l.p50_ms = num(lat, "p50") / 1000;
	l.p99_ms = num(lat, "p99") / 1000;
	l.late_ms = num(a, "start_late_us") / 1000;
	return l;
}

static struct agent_line merged_line(const json_t *doc)
{
	struct agent_line l = {.late_ms = -1};
	const json_t *lat = json_object_get(doc, "latency_us");

	snprintf(l.who, sizeof(l.who), "merged");
	l.rps = num(doc, "requests_per_s");
	l.cpu_s = num(doc, "client_cpu_s");
	l.errors = num(json_object_get(doc, "errors"), "total");
	l.p50_ms = num(lat, "p50") / 1000;
	l.p99_ms = num(lat, "p99") / 1000;
	return l;
}

/* Calls put() for every coordinated run in dir: its name, its agents'
 * lines and the merged line, and its start skew. */
typedef void (*put_run_fn)(FILE *f, const char *run, const struct agent_line *lines, int n,
			   double skew_ms, bool first);

static void each_run(FILE *f, const char *dir, put_run_fn put)
{
	char *pattern = sys_fmt("%s/hist/*.json", dir);
	glob_t g;
	bool first = true;

	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			json_t *doc = json_load_file(g.gl_pathv[i], 0, NULL);
			json_t *agents = json_object_get(doc, "agents"), *a;
			struct agent_line lines[17];
			size_t k, n = 0;
			char *name = basename(g.gl_pathv[i]);

			json_array_foreach(agents, k, a) if (n < 16) lines[n++] = line_of(a);
			if (n) {
				lines[n] = merged_line(doc);
				name[strlen(name) - 5] = '\0'; /* ".json" */
				put(f, name, lines, (int)n + 1, num(doc, "start_skew_us") / 1000,
				    first);
				first = false;
			}
			json_decref(doc);
		}
		globfree(&g);
	}
	free(pattern);
}

static void put_text(FILE *f, const char *run, const struct agent_line *l, int n, double skew_ms,
		     bool first)
{
	if (first)
		fprintf(f, "\nagents (bench run --clients): each one's share, then the merge\n");
	fprintf(f, "  %s, start skew %.3f ms\n", run, skew_ms);
	fprintf(f, "    %-32s %12s %8s %8s %9s %9s %9s\n", "agent", "requests/s", "CPU s", "errors",
		"p50 ms", "p99 ms", "late ms");
	for (int i = 0; i < n; i++) {
		fprintf(f, "    %-32s %12.0f %8.2f %8.0f %9.3f %9.3f", l[i].who, l[i].rps,
			l[i].cpu_s, l[i].errors, l[i].p50_ms, l[i].p99_ms);
		if (l[i].late_ms >= 0)
			fprintf(f, " %9.3f\n", l[i].late_ms);
		else
			fputs("         -\n", f);
	}
}

static void put_html(FILE *f, const char *run, const struct agent_line *l, int n, double skew_ms,
		     bool first)
{
	if (first)
		fputs("<h2>Agents</h2>\n<p>Coordinated runs (<code>bench run --clients</code>): "
		      "each agent's share of the load, then the merge (requests/s summed over "
		      "the longest measured phase, percentiles read from the added histograms). "
		      "<i>late</i> is when the agent started after the common start, in "
		      "the coordinator's clock.</p>\n",
		      f);
	fputs("<h3>", f);
	html_esc(f, run);
	fprintf(f,
		" &mdash; start skew %.3f ms</h3>\n<table><tr><th>agent</th><th>requests/s</th>"
		"<th>CPU s</th><th>errors</th><th>p50 ms</th><th>p99 ms</th><th>late ms</th>"
		"</tr>\n",
		skew_ms);
	for (int i = 0; i < n; i++) {
		fputs(i == n - 1 ? "<tr><td><b>" : "<tr><td>", f);
		html_esc(f, l[i].who);
		fprintf(f,
			"%s</td><td>%.0f</td><td>%.2f</td><td>%.0f</td><td>%.3f</td><td>%.3f</td>",
			i == n - 1 ? "</b>" : "", l[i].rps, l[i].cpu_s, l[i].errors, l[i].p50_ms,
			l[i].p99_ms);
		if (l[i].late_ms >= 0)
			fprintf(f, "<td>%.3f</td></tr>\n", l[i].late_ms);
		else
			fputs("<td>&ndash;</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void agentsrep_text(FILE *out, const char *dir)
{
	each_run(out, dir, put_text);
}

void agentsrep_html(FILE *f, const char *dir)
{
	each_run(f, dir, put_html);
}
