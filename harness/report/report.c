/*
 * report.c - turns a results folder into plots, index.html and a summary
 * table on the terminal (see report.h): load -> aggregate -> model ->
 * render, one stage after the other (model.h says what each stage does).
 */
#include <stdio.h>

#include "data/results.h"
#include "data/sys.h"
#include "report/html.h"
#include "report/model.h"
#include "report/plot.h"
#include "report/report.h"
#include "report/summary.h"

int report_build(const char *dir, const char *plotdir, FILE *out)
{
	struct report_model m;
	struct plot_list plots;
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
	if (html_write(&m, &plots) < 0)
		sys_warn("cannot write %s/index.html", dir);
	summary_print(&m, plots.n, out);
	model_free(&m);
	return 0;
}
