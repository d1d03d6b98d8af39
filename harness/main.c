/*
 * main.c - `bench`: the experiment runner of modelbench.
 *
 * main() only picks the subcommand and hands over to the module that does
 * it: run/plan (run a suite), report/report (redraw a folder),
 * report/compare (two folders), report/history (many folders, across
 * kernels), run/doctor (is this machine fit to measure on), run/batch (the
 * server helpers hyperfine calls).  It sits above the three folders: run/
 * and report/ both use data/, never each other, so main.c hands
 * report_build() to plan_run() for the report at the end of a run.  See harness/README.md ("Map").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/sys.h"
#include "report/compare.h"
#include "report/history.h"
#include "report/report.h"
#include "run/batch.h"
#include "run/cli.h"
#include "run/doctor.h"
#include "run/plan.h"

/* `bench report DIR [--top TOP]` */
static int report_main(int argc, char **argv)
{
	char *exe = cli_exe_dir(), *plotdir;
	int rc;

	if (argc == 4 && strcmp(argv[2], "--top") == 0)
		plotdir = sys_fmt("%s/plots", argv[3]);
	else if (argc == 2)
		plotdir = sys_fmt("%s/../plots", exe);
	else
		die("usage: bench report DIR [--top REPO]");
	rc = report_build(argv[1], plotdir, stdout);
	free(plotdir);
	free(exe);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	struct run_opts opts;

	if (strcmp(cmd, "run") == 0) {
		cli_parse_run(&opts, argc - 1, argv + 1);
		opts.argc = argc; /* meta.json records the whole command */
		opts.argv = argv;
		return plan_run(&opts, report_build);
	}
	if (strcmp(cmd, "report") == 0)
		return report_main(argc - 1, argv + 1);
	if (strcmp(cmd, "compare") == 0)
		return compare_main(argc - 1, argv + 1);
	if (strcmp(cmd, "history") == 0)
		return history_main(argc - 1, argv + 1);
	if (strcmp(cmd, "doctor") == 0)
		return doctor_main(argc - 1, argv + 1);
	if (strcmp(cmd, "server-start") == 0)
		return batch_server_start(argc - 1, argv + 1);
	if (strcmp(cmd, "server-stop") == 0)
		return batch_server_stop(argc - 1, argv + 1);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
		cli_usage();
		return 0;
	}
	cli_usage();
	return 2;
}
