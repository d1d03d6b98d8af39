/*
 * suite.h - experiment definitions read from suites/<name>.conf.
 *
 * A suite is a plain text file a person edits: settings ("reps = 3"), one
 * "scenario NAME key=value ..." line per load, and "batch NAME ..." lines
 * for the whole-batch timings done with hyperfine.  suites/quick.conf
 * documents every key.
 */
#ifndef BENCH_DATA_SUITE_H
#define BENCH_DATA_SUITE_H

#include <stddef.h>

#define SUITE_NAME_MAX 64

/* One load: which protocol, how many connections, which server knobs. */
struct scenario {
	char name[SUITE_NAME_MAX];
	char proto[8];		     /* "http" or "echo" */
	char series[SUITE_NAME_MAX]; /* plotted together against connections */
	int connections;
	int pipeline;			 /* requests in flight per connection */
	long rate;			 /* requests/s in total; 0 = closed loop */
	long delay_us, work_us;		 /* passed to the server */
	int size;			 /* echo message bytes */
	int keepalive;			 /* 0 = a new connection per request */
	int workers;			 /* server --workers; 0 = model default */
	int threads;			 /* loadgen threads; 0 = one per client CPU */
	double duration_s, warmup_s;	 /* 0 = the suite's value */
	int timeout_ms;			 /* loadgen --timeout; 0 = the suite's */
	int idle;			 /* loadgen --idle: silent connections */
	int delay_blocking;		 /* server --delay-blocking */
	char server_cpus[32];		 /* "" = bench run's --server-cpus */
	char client_cpus[32];		 /* "" = bench run's --client-cpus */
	char x[32];			 /* runs.csv column of the series' x axis */
	char experiment[SUITE_NAME_MAX]; /* suite it came from (include) */
	char skip[128];			 /* models not run here, "a,b" */
	int sweep;			 /* a rate sweep of this many open-loop
					  * steps after a closed-loop probe; 0 = a
					  * plain scenario */
	char subscribe[8];		 /* push: "poll", "sse" or "ws"; "" = requests */
	int subscribers;		 /* push: held subscribers (= connections) */
	double publish_hz;		 /* push: server --publish-hz [10] */
};

/* A batch timed whole: clients x messages, think_ms apart (hyperfine). */
struct batch {
	char name[SUITE_NAME_MAX];
	char proto[16];	  /* echo or lines */
	int idle_timeout; /* server --idle-timeout; 0 = the server's default */
	int clients, messages, think_ms, size;
	int runs;	/* hyperfine --runs */
	double bound_s; /* a run is killed after this long */
};

struct suite {
	char name[SUITE_NAME_MAX];
	int reps;
	double duration_s, warmup_s;
	int timeout_ms;		       /* loadgen --timeout */
	char spectrum[SUITE_NAME_MAX]; /* scenario drawn as a latency spectrum */
	double syscalls_s;	       /* measured seconds of the rep-0 pass */
	double target_ci;	       /* adaptive reps: +-PCT wanted; 0 = off */
	int max_reps;		       /* adaptive reps stop here (default 10) */
	struct scenario *scenarios;
	int n_scenarios;
	struct batch *batches;
	int n_batches;
};

/* Reads the suite file at path into s (name = file name without .conf).
 * Returns 0, or -1 with a message naming the line in err. */
int suite_load(const char *path, struct suite *s, char *err, size_t errlen);

/* True if model is in sc's skip list. */
int suite_skips(const struct scenario *sc, const char *model);

/* Finds a scenario by name, or NULL. */
const struct scenario *suite_find(const struct suite *s, const char *name);

void suite_free(struct suite *s);

#endif
