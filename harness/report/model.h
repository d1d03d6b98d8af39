/*
 * model.h - the report model: everything a report shows, built once.
 *
 * A report is made the way libuv's uv_run() reads, one stage after the
 * other:
 *
 *   load       runs.csv, meta.json, every batch-*.json and the loadgen
 *              JSON of each spectrum curve, each file read once (data/)
 *   aggregate  runs grouped by scenario x model, medians, min, max (data/agg.h)
 *   model      this struct: the aggregate plus the captions and the
 *              headline, computed once, the batch timings, the spectrum
 *              points, the memory per idle connection, the load average,
 *              the metadata as text, the failed runs and which run files
 *              each cell rests on
 *   render     plot.c (gnuplot data files and calls), html.c (index.html)
 *              and summary.c (the terminal) only format what is here: they
 *              open no input file and compute no statistic.
 */
#ifndef BENCH_REPORT_MODEL_H
#define BENCH_REPORT_MODEL_H

#include <stddef.h>

#include "data/agg.h"
#include "data/hyperfine.h"
#include "data/lgjson.h"
#include "data/results.h"

#define MODEL_CAPTION_MAX 2048

/* One section of index.html and of the summary: an experiment (runs.csv
 * order), with its title and computed caption ("" when nothing to say). */
struct model_section {
	const char *experiment; /* points into the aggregate */
	const char *title;
	char caption[MODEL_CAPTION_MAX];
};

/* One batch-<name>.json: hyperfine's timings and what went wrong. */
struct model_batch {
	char *file; /* "batch-lines-100x10.json" */
	struct hyperfine_result *r;
	int n;			       /* results, -1 if the file is unreadable */
	char (*note)[96];	       /* n notes: "cut off in 3/3 runs" or "" */
	struct hyperfine_batch params; /* clients 0 when the file predates them */
};

/* The latency spectrum of one model (the repetition with the median
 * requests/s); n < 1 when there is none. */
struct model_spectrum {
	int rep;
	struct spectrum_point *p;
	int n;
};

/* A figure of one cell formatted once: the median, and min/max when the
 * cell has more than one repetition (n > 1); n = 0: no figure. */
struct model_figure {
	char median[24], min[24], max[24];
	int n;
};

/* The measured runs of one cell that were marked (runs.csv column flags,
 * issue 13): how many of how many, the worst foreign CPU and client share
 * seen, and a footnote saying it ("" when no run is marked). */
struct model_marks {
	int runs, disturbed, client_bound;
	double foreign_max, client_max; /* shares, NAN when not measured */
	int note_no;			/* footnote number in its scenario, 0: none */
	char note[200];
};

/* The files of one run that are in the folder (kept reference runs are
 * trimmed: results/README.md), as paths relative to it, for links. */
#define MODEL_FILES_MAX 6
struct model_file {
	const char *what; /* "latency histogram", "loadgen JSON", ... */
	const char *kind; /* short: "hgrm", "json", "server.out", ... */
	char path[192];	  /* "hist/http-c100-epoll-2.hgrm" */
};

struct model_files {
	int rep; /* -1: no run */
	int n;
	struct model_file f[MODEL_FILES_MAX];
};

/* A failed run (runs.csv status "failed"), its reason and its files. */
struct model_failed {
	const struct run_row *row; /* points into the run table */
	struct model_files files;
};

/* The top of the report, for a reader who looks at nothing else: the
 * machine in one line and a few computed sentences on who wins where
 * (caption_headline); a sentence whose figures are missing is left out. */
#define MODEL_HEADLINE_MAX 6 /* rps, p99, CPU, memory, breaks, push */
struct model_headline {
	char machine[256]; /* "AMD EPYC, 2 cores, x86_64, Linux 6.18; ..." */
	char run[256];	   /* "suite quick: 4 scenarios x 13 models, ..." */
	char said[MODEL_HEADLINE_MAX][768];
	int n;
};

struct report_model {
	const char *dir;
	const char *base; /* the folder's own name */
	struct run_table runs;
	struct agg agg;
	struct model_section *sections;
	int n_sections;
	char batch_caption[2 * MODEL_CAPTION_MAX]; /* every model's median per batch */
	char syscalls_caption[MODEL_CAPTION_MAX];
	struct model_batch *batches;
	int n_batches;
	/* The scenario drawn as a spectrum (meta.json's "spectrum", else the
	 * first one), its index (-1 if absent), and one curve per model. */
	char *spectrum;
	int spectrum_i;
	struct model_spectrum *curves;
	/* KiB per idle connection of each cell against the lowest-x scenario
	 * of its series (NAN where it means nothing), n_scenarios x n_models. */
	double *idle_kib;
	/* Memory per push subscriber of each push cell (agg_kib_per_subscriber
	 * against the smallest count of its series), NAN elsewhere; same
	 * layout as idle_kib. */
	double *push_kib;
	/* meta.json, each value as one line of text, in file order. */
	char **meta_key, **meta_value;
	int n_meta;
	/* What `bench doctor` found as the run began (meta.json "doctor"):
	 * doctor_quiet is 1 quiet, 0 not, -1 not recorded (older runs); the
	 * text names each state warning with its value, or is empty. */
	int doctor_quiet;
	char doctor_warnings[512];
	/* The load average as runs began (load_runs = 0: not recorded). */
	int load_runs, load_busy;
	double load_mean, load_max;
	long cpus;
	/* Marks per cell (n_scenarios x n_models) and over all measured runs. */
	struct model_marks *marks;
	int marked_runs, measured_runs, disturbed_runs, client_bound_runs;
	/* The files behind each cell (n_scenarios x n_models): those of the
	 * repetition with the median requests/s (of the last failed one when
	 * none is ok), and those of the system call pass (rep 0). */
	struct model_files *cell_files, *pass_files;
	/* Every failed run, by scenario, model and repetition. */
	struct model_failed *failed;
	int n_failed;
	struct model_headline headline;
};

/* The marks of the cell of scenario i and model j. */
const struct model_marks *model_marks_of(const struct report_model *m, int i, int j);

/* The files behind the cell of scenario i and model j: of the median
 * repetition, and of the system call pass. */
const struct model_files *model_cell_files(const struct report_model *m, int i, int j);
const struct model_files *model_pass_files(const struct report_model *m, int i, int j);

/* Loads dir and builds the model.  Returns 0, or -1 with a message in err
 * if runs.csv cannot be read. */
int model_build(struct report_model *m, const char *dir, char *err, size_t errlen);

/* Formats statistic s of a cell, scaled, with printf format fmt. */
struct model_figure model_figure(const struct agg_stat *s, double scale, const char *fmt);

void model_free(struct report_model *m);

#endif
