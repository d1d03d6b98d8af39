/*
 * report.c - turns a results folder into plots, index.html and a summary
 * table on the terminal (see report.h): load -> aggregate -> model ->
 * render, one stage after the other (model.h says what each stage does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/results.h"
#include "data/sys.h"
#include "report/html.h"
#include "report/model.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/summary.h"

/* The data file of each plot drawn, by plot.c's names: plots/<name>.dat,
 * or for the throughput-<series> and p99-<series> plots the series-<series>
 * .dat they share.  A plot with neither gets no link, never a broken one. */
static void find_plot_data(const char *dir, const struct plot_list *plots,
			   struct html_plot_data *data)
{
	for (int i = 0; i < plots->n; i++) {
		const char *name = plots->plot[i].name, *dash = strchr(name, '-');
		char *own = sys_fmt("plots/%s.dat", name);
		char *shared = sys_fmt("plots/series-%s.dat", dash ? dash + 1 : name);
		char *path;

		data->path[i][0] = '\0';
		for (int k = 0; k < 2 && !data->path[i][0]; k++) {
			path = sys_fmt("%s/%s", dir, k ? shared : own);
			if (access(path, R_OK) == 0)
				sys_copy(data->path[i], sizeof(data->path[i]), k ? shared : own);
			free(path);
		}
		free(own);
		free(shared);
	}
}

int report_build(const char *dir, const char *plotdir, FILE *out)
{
	struct report_model m;
	struct plot_list plots;
	struct html_plot_data *data;
	char err[256];

	/* load and aggregate: every input file read once, every figure and
	 * caption computed once */
	if (model_build(&m, dir, err, sizeof(err)) < 0) {
		sys_warn("%s", err);
		return -1;
	}
	results_prepare_dir(dir); /* a folder copied without plots/ */
	/* render: the plots, index.html, the summary */
	plot_all(dir, plotdir, &m, &plots);
	data = sys_alloc(sizeof(*data));
	find_plot_data(dir, &plots, data);
	if (html_write(&m, &plots, data) < 0)
		sys_warn("cannot write %s/index.html", dir);
	free(data);
	summary_print(&m, plots.n, out);
	model_free(&m);
	return 0;
}
