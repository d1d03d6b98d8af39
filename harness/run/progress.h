/*
 * progress.h - the progress line with an ETA, on stderr.
 *
 * On a terminal the line is redrawn in place; otherwise (make's output in a
 * log, CI) each step is one line, so logs stay readable.
 */
#ifndef BENCH_RUN_PROGRESS_H
#define BENCH_RUN_PROGRESS_H

struct progress {
	int total, done;
	double started;
	double planned_s;      /* seconds of all runs still to do, as planned */
	double done_planned_s; /* ... of the runs already done */
	int tty;
};

/* planned_s: the sum of each run's planned length, for the first ETA. */
void progress_start(struct progress *p, int total, double planned_s);

/* Shows "[ 12/156] http-c100 epoll rep 2/3  elapsed 0:42  ETA 5:10" for the
 * run about to start. */
void progress_show(struct progress *p, const char *what);

/* Counts one run as done; planned_s is its planned length. */
void progress_step(struct progress *p, double planned_s);

/* Ends the line (on a terminal). */
void progress_end(struct progress *p);

#endif
