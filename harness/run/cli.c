/*
 * cli.c - options of `bench run`, with getopt_long.
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/sys.h"
#include "run/cli.h"
#include "run/proc.h"

void cli_usage(void)
{
	/* The usage text is laid out as it prints. */
	/* clang-format off */
	fputs("usage: bench run [options]          run a suite, write results/<date>-<host>-<kernel>/\n"
	      "       bench report DIR             redraw plots, index.html and the summary of DIR\n"
	      "       bench compare A B [options]  which differences between two result folders are real\n"
	      "       bench history [DIR...]       runs as series by date or kernel, change points, --check\n"
	      "       bench doctor [--json]        is this machine quiet and set up to measure on?\n"
	      "       bench server-start ... / server-stop ...   (used by hyperfine batches)\n"
	      "\n"
	      "run options:\n"
	      "  --suite NAME|FILE   suites/NAME.conf (default quick)\n"
	      "  --models \"a b\"      models to run (default: every build/server-* from servers/*.c)\n"
	      "  --reps N            repetitions (default: the suite's)\n"
	      "  --duration S        measured seconds per run (default: the suite's)\n"
	      "  --work-us N         make every server spin N us per request (slow it on purpose)\n"
	      "  --server-cpus LIST  CPUs of the server (default 0)\n"
	      "  --client-cpus LIST  CPUs of the load generator (default 1)\n"
	      "  --build DIR         where server-<model> and loadgen are (default: bench's folder);\n"
	      "                      twice (--build A --build B): both builds run alternately\n"
	      "  --build-label L=DIR as --build DIR, its rows labelled L in runs.csv's build column\n"
	      "  --target-ci PCT     add reps to a cell until the 95% CI of its median is +-PCT\n"
	      "  --max-reps N        ... but stop a cell at N reps (default 10)\n"
	      "  --retries N         run a disturbed run again up to N times\n"
	      "                      (default 2 with --target-ci, else 0)\n"
	      "  --loadgen PATH      load generator (default BUILD/loadgen; the same path on ssh hosts)\n"
	      "  --clients T1,T2,... drive the load from these agents (loadgen --agent), each\n"
	      "                      local, netns:NAME or ssh:[user@]host; histograms are merged\n"
	      "  --server-host T     where the server runs: local (default) or netns:NAME\n"
	      "  --server-addr IP    address the server binds and the clients connect to (127.0.0.1)\n"
	      "  --ssh-config FILE   ssh -F FILE for ssh: agents (default: the user's ~/.ssh/config)\n"
	      "  --results DIR       parent of new result folders (default TOP/results)\n"
	      "  --out DIR           write into exactly this folder\n"
	      "  --resume DIR        carry on in DIR, skipping runs already in its runs.csv\n"
	      "  --syscalls HOW      count server system calls: auto (default), perf, strace, none\n"
	      "  --no-batch          skip the hyperfine batches\n"
	      "  --no-report         skip plots and index.html\n"
	      "  --dry-run           print the plan and its estimated time, run nothing\n"
	      "  --top DIR           repository root with suites/, plots/, servers/ (default: BUILD/..)\n"
	      "\n"
	      "compare options: --threshold PCT (default 5), --metric COLUMN (default requests_per_s)\n"
	      "       bench compare --metrics      every metric, and whether higher or lower is better\n",
	      stdout);
	/* clang-format on */
}

char *cli_exe_dir(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n < 0)
		die("cannot find my own executable");
	path[n] = '\0';
	return sys_strdup(dirname(path));
}

/* Option tables read best several options a line. */
/* clang-format off */
enum { O_SUITE = 256, O_MODELS, O_REPS, O_DURATION, O_WORK, O_SCPUS, O_CCPUS,
       O_BUILD, O_LOADGEN, O_RESULTS, O_OUT, O_RESUME, O_NOBATCH, O_NOREPORT,
       O_TOP, O_HELP, O_DRYRUN, O_SYSCALLS, O_LABEL, O_TARGET, O_MAXREPS, O_RETRIES,
       O_CLIENTS, O_SHOST, O_SADDR, O_SSHCONF };

static const struct option long_opts[] = {
	{ "suite", 1, NULL, O_SUITE }, { "models", 1, NULL, O_MODELS },
	{ "reps", 1, NULL, O_REPS }, { "duration", 1, NULL, O_DURATION },
	{ "work-us", 1, NULL, O_WORK }, { "server-cpus", 1, NULL, O_SCPUS },
	{ "client-cpus", 1, NULL, O_CCPUS }, { "build", 1, NULL, O_BUILD },
	{ "loadgen", 1, NULL, O_LOADGEN }, { "results", 1, NULL, O_RESULTS },
	{ "out", 1, NULL, O_OUT }, { "resume", 1, NULL, O_RESUME },
	{ "no-batch", 0, NULL, O_NOBATCH }, { "no-report", 0, NULL, O_NOREPORT },
	{ "top", 1, NULL, O_TOP }, { "help", 0, NULL, O_HELP },
	{ "dry-run", 0, NULL, O_DRYRUN }, { "syscalls", 1, NULL, O_SYSCALLS },
	{ "build-label", 1, NULL, O_LABEL }, { "target-ci", 1, NULL, O_TARGET },
	{ "max-reps", 1, NULL, O_MAXREPS }, { "retries", 1, NULL, O_RETRIES },
	{ "clients", 1, NULL, O_CLIENTS }, { "server-host", 1, NULL, O_SHOST },
	{ "server-addr", 1, NULL, O_SADDR }, { "ssh-config", 1, NULL, O_SSHCONF },
	{ NULL, 0, NULL, 0 }
};
/* clang-format on */

static double positive(const char *name, const char *text)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end || v <= 0)
		die("--%s wants a positive number, got '%s'", name, text);
	return v;
}

/* Adds a --build (label NULL: chosen by default_labels). */
static void add_build(struct run_opts *o, const char *dir, const char *label)
{
	struct run_build *b;

	if (o->n_builds == RUN_MAX_BUILDS)
		die("at most %d --build folders", RUN_MAX_BUILDS);
	if (!*dir)
		die("--build wants a folder");
	b = &o->builds[o->n_builds++];
	b->dir = dir;
	sys_copy(b->label, sizeof(b->label), label ? label : "");
	if (label && strlen(label) >= sizeof(b->label))
		die("--build-label: '%s' is too long (at most %zu characters)", label,
		    sizeof(b->label) - 1);
	if (label && (!*label || strpbrk(label, "@,/ \"\n")))
		die("--build-label: a label is a short word without @ , / or spaces, got '%s'",
		    label);
}

/* Labels of builds given without one: with one build none (runs.csv as
 * before); with several, the folder's basename, or A, B, C... when two
 * basenames are equal.  Labels must differ. */
static void default_labels(struct run_opts *o)
{
	bool clash = false;

	if (o->n_builds < 2)
		return;
	for (int i = 0; i < o->n_builds; i++)
		for (int j = 0; j < i; j++) {
			char *a = sys_strdup(o->builds[i].dir), *b = sys_strdup(o->builds[j].dir);

			clash |= strcmp(basename(a), basename(b)) == 0;
			free(a);
			free(b);
		}
	for (int i = 0; i < o->n_builds; i++) {
		char *d = sys_strdup(o->builds[i].dir);

		if (!o->builds[i].label[0] && clash)
			snprintf(o->builds[i].label, sizeof(o->builds[i].label), "%c", 'A' + i);
		else if (!o->builds[i].label[0])
			sys_copy(o->builds[i].label, sizeof(o->builds[i].label), basename(d));
		for (char *p = o->builds[i].label; *p; p++)
			if (strchr("@,/ \"", *p))
				*p = '_';
		free(d);
	}
	for (int i = 0; i < o->n_builds; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(o->builds[i].label, o->builds[j].label))
				die("two builds are labelled '%s' (use --build-label L=DIR)",
				    o->builds[i].label);
}

/* Fills the paths that default relative to the executable. */
static void default_paths(struct run_opts *o)
{
	char *exe = cli_exe_dir();

	if (!o->n_builds)
		add_build(o, exe, NULL);
	default_labels(o);
	o->build_dir = o->builds[0].dir;
	if (!o->top) {
		char *up = sys_fmt("%s/..", exe), *real = realpath(up, NULL);

		o->top = real ? real : up; /* "results/..." reads better than "build/../results" */
		if (real)
			free(up);
	}
	if (!o->loadgen)
		o->loadgen = sys_fmt("%s/loadgen", o->build_dir);
	if (!o->results_root)
		o->results_root = sys_fmt("%s/results", o->top);
	if (proc_cpu_count(o->server_cpus) < 0 || proc_cpu_count(o->client_cpus) < 0)
		die("bad CPU list (want e.g. 0, 1-3 or 0,2)");
}

/* Options that change what is measured.  Returns false if c is not one. */
static bool set_plan_option(struct run_opts *o, int c, char *arg)
{
	switch (c) {
	case O_SUITE:
		o->suite = arg;
		o->explicit_suite = true;
		break;
	case O_MODELS:
		o->models = arg;
		o->explicit_models = true;
		break;
	case O_REPS:
		o->reps = (int)positive("reps", arg);
		o->explicit_reps = true;
		break;
	case O_DURATION:
		o->duration_s = positive("duration", arg);
		o->explicit_duration = true;
		break;
	case O_WORK:
		o->work_us = (long)positive("work-us", arg);
		break;
	case O_SCPUS:
		o->server_cpus = arg;
		break;
	case O_CCPUS:
		o->client_cpus = arg;
		break;
	case O_TARGET:
		o->target_ci = positive("target-ci", arg);
		break;
	case O_MAXREPS:
		o->max_reps = (int)positive("max-reps", arg);
		break;
	case O_RETRIES:
		o->retries = atoi(arg);
		if (o->retries < 0 || o->retries > 10)
			die("--retries wants 0 to 10, got '%s'", arg);
		break;
	case O_SYSCALLS:
		if (strcmp(arg, "auto") && strcmp(arg, "perf") && strcmp(arg, "strace") &&
		    strcmp(arg, "none"))
			die("--syscalls wants auto, perf, strace or none, got '%s'", arg);
		o->syscalls = arg;
		o->explicit_syscalls = true;
		break;
	default:
		return false;
	}
	return true;
}

/* Options that say where things are and what to skip. */
static bool set_place_option(struct run_opts *o, int c, char *arg)
{
	switch (c) {
	case O_BUILD:
		add_build(o, arg, NULL);
		break;
	case O_LABEL: {
		char *eq = strchr(arg, '=');

		if (!eq)
			die("--build-label wants LABEL=DIR, got '%s'", arg);
		*eq = '\0';
		add_build(o, eq + 1, arg);
		break;
	}
	case O_LOADGEN:
		o->loadgen = arg;
		break;
	case O_RESULTS:
		o->results_root = arg;
		break;
	case O_OUT:
		o->out = arg;
		break;
	case O_RESUME:
		o->resume = arg;
		break;
	case O_TOP:
		o->top = arg;
		break;
	case O_NOBATCH:
		o->no_batch = true;
		break;
	case O_NOREPORT:
		o->no_report = true;
		break;
	case O_DRYRUN:
		o->dry_run = true;
		break;
	case O_CLIENTS:
		o->clients = arg;
		break;
	case O_SHOST:
		if (strcmp(arg, "local") && (strncmp(arg, "netns:", 6) || !arg[6]))
			die("--server-host: '%s' is neither local nor netns:NAME (a server "
			    "over ssh is not supported: run bench on the server's host)",
			    arg);
		o->server_host = strcmp(arg, "local") ? arg : NULL;
		break;
	case O_SADDR:
		o->server_addr = arg;
		break;
	case O_SSHCONF:
		o->ssh_config = arg;
		break;
	default:
		return false;
	}
	return true;
}

void cli_parse_run(struct run_opts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->suite = "quick";
	o->work_us = -1;
	o->server_cpus = "0";
	o->client_cpus = "1";
	o->syscalls = "auto";
	o->retries = -1; /* plan.c: 2 with a target interval, else 0 */
	o->argc = argc;
	o->argv = argv;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == O_HELP) {
			cli_usage();
			exit(0);
		}
		if (!set_plan_option(o, c, optarg) && !set_place_option(o, c, optarg))
			die("bad option (see bench run --help)");
	}
	if (optind < argc)
		die("unexpected argument '%s'", argv[optind]);
	default_paths(o);
}
