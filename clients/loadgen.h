/*
 * loadgen.h - what the parts of the load generator share: the run's
 * configuration, the target, the per-thread results and the summary, and
 * the functions main calls once each (options, target, idle connections,
 * reports).  Process-wide state (lg_die(), the stop flag, the clock) is in
 * process.h.
 *
 * Files, each depending only on those after it:
 *   loadgen.c  main: wiring, threads, merging, exit status
 *   worker.c   one thread: the loop, its timerfd, timeout tick (worker.h)
 *   engine_epoll.c, engine_uring.c   how a thread waits for its sockets
 *              and does their I/O (--engine; engine.h)
 *   client.c   one connection's state machine (client.h)
 *   wakeq.c    the wake-up queue, a heap keyed by time (wakeq.h)
 *   check.c    response verification (check.h)
 *   subscriber.c  --subscribe: held push subscribers, their own loop
 *              (subscriber.h); main runs it instead of the workers
 *   options.c, target.c, idle.c, report.c, json.c   the parts main calls
 *   process.c  lg_die(), lg_stopping, signal set-up (process.h)
 *   agent.c    --agent: the same run, driven over stdin/stdout (main
 *              calls it; it calls lg_measure() and json_document())
 * No file calls a function of a file before it in this list.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "hist.h"

#define LG_MAX_HEADERS 32
#define LG_MAX_PIPELINE 1024
#define LG_MAX_ERRNO 160 /* connect errors are also counted by errno */

/* LG_LINES is the seed article's stateful echo (lib/lines.h): client.c
 * sends "Hello World!:n" lines and checks each answer names the previous
 * line it sent. */
enum lg_proto { LG_HTTP, LG_ECHO, LG_LINES };

/* What every --proto lines line says before its number. */
#define LG_LINE_TEXT "Hello World!:"

/* The protocol's name on the command line and in reports. */
static inline const char *lg_proto_name(enum lg_proto p)
{
	return p == LG_HTTP ? "http" : p == LG_ECHO ? "echo" : "lines";
}

/* --subscribe: how the subscribers receive pushed events (see
 * clients/README.md, "Push subscribers", for the wire format). */
enum lg_subscribe { LG_SUB_NONE, LG_SUB_POLL, LG_SUB_SSE, LG_SUB_WS };

/* --engine: how a thread does its socket I/O (engine.h).  The connection
 * code, the checks and the figures are the same for both. */
enum lg_engine { LG_ENGINE_EPOLL, LG_ENGINE_URING };

/* The engine's name on the command line and in reports. */
static inline const char *lg_engine_name(enum lg_engine e)
{
	return e == LG_ENGINE_URING ? "io_uring" : "epoll";
}

/* Everything the command line says, as given (durations in microseconds). */
struct lg_config {
	int threads;
	int connections;
	uint64_t duration_us; /* 0 when running a fixed -n */
	uint64_t requests;    /* -n; 0 = run for duration_us */
	uint64_t warmup_us;
	uint64_t timeout_us;
	enum lg_proto proto;
	size_t size; /* echo message bytes */
	int pipeline;
	uint64_t think_us;
	bool keepalive;
	bool linger0;
	double rate; /* -R total requests/s; 0 = closed loop */
	int idle;
	bool latency; /* print the percentile table */
	int expect_status;
	const char *headers[LG_MAX_HEADERS];
	int nheaders;
	const char *json_path;
	const char *hgrm_path;
	const char *url; /* the target as given on the command line */
	const char *host;
	const char *port;
	const char *path;
	enum lg_subscribe subscribe; /* LG_SUB_NONE: requests, as always */
	enum lg_engine engine;	     /* LG_ENGINE_EPOLL unless --engine */
	int batch_us;		     /* io_uring: wait this long for a batch of completions */
};

/* The resolved target and the bytes of one request, built once. */
struct lg_target {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *request; /* one request (HTTP) or one message (echo) */
	size_t reqlen;
	char *batch; /* pipeline copies of request, for one write per batch */
};

enum lg_error {
	LG_ERR_CONNECT,
	LG_ERR_READ,
	LG_ERR_WRITE,
	LG_ERR_TIMEOUT,
	LG_ERR_BAD_RESPONSE,
	LG_ERR_CLOSED,
	LG_ERR_COUNT
};

/* What one thread measured.  Written only by its thread; main reads it
 * after pthread_join, so no locking. */
struct lg_result {
	uint64_t responses; /* complete, well-formed responses (measured) */
	uint64_t completed; /* of which verified: right status / bytes */
	uint64_t warmup;    /* requests sent during warm-up (not recorded) */
	uint64_t bytes_read, bytes_written;
	uint64_t errors[LG_ERR_COUNT];
	uint64_t connect_errno[LG_MAX_ERRNO];
	uint64_t status[6];   /* index = HTTP status / 100 */
	uint64_t connections; /* successful connects */
	uint64_t end_us;      /* when the thread finished its last request */
	uint64_t *timeline;   /* completions per second of the measured phase */
	size_t timeline_len;
	struct hist *latency;	  /* from the intended send time */
	struct hist *uncorrected; /* from the actual send (open loop only) */
	struct hist *connect;	  /* connect() to writable */
	struct hist *ttfb;	  /* send to first response byte */
};

/* What the --subscribe subscribers measured (subscriber.c), added up over
 * threads.  Only events published inside the measured phase count. */
struct lg_push {
	uint64_t events;       /* events received (measured) */
	uint64_t missed;       /* seq gaps per subscriber (measured) */
	uint64_t duplicates;   /* an event seen twice or out of order */
	uint64_t reconnects;   /* a held subscription lost and started again */
	uint64_t subscribed;   /* subscribers that got their stream at least once */
	uint64_t held_end;     /* subscribers holding their stream at the end */
	struct hist *delivery; /* arrival (CLOCK_REALTIME) - the event's t= */
};

/* The --idle connections. */
struct lg_idle {
	int *fds;
	int wanted, established;
};

/* Everything the reports print: the merged results and run-level facts. */
struct lg_summary {
	struct lg_result total; /* every thread's results added up */
	double duration_s;	/* of the measured phase */
	double cpu_s;		/* client user + system CPU while running */
	int idle_wanted, idle_established, idle_alive;
	struct lg_push push; /* --subscribe runs only (push.delivery NULL otherwise) */
};

/* options.c: parses argv into cfg; on a bad option prints why and the
 * usage to stderr and exits 2. */
void options_parse(struct lg_config *cfg, int argc, char **argv);

/* options.c: frees what options_parse() allocated. */
void options_free(struct lg_config *cfg);

/* target.c: resolves cfg's host and port and builds the request bytes;
 * dies if the name does not resolve. */
void target_init(struct lg_target *t, const struct lg_config *cfg);

/* target.c: frees the request bytes. */
void target_free(struct lg_target *t);

/* idle.c: opens cfg->idle silent connections (bounded by --timeout). */
void idle_open(struct lg_idle *idle, const struct lg_config *cfg, const struct lg_target *t);

/* idle.c: how many of the established idle connections are still open. */
int idle_alive(const struct lg_idle *idle);

/* idle.c: closes them. */
void idle_close(struct lg_idle *idle);

/* report.c: the wrk-style summary, ending with Requests/sec and
 * Transfer/sec lines. */
void report_text(FILE *f, const struct lg_config *cfg, const struct lg_summary *s);

/* report.c: the latency histogram in HdrHistogram's CLASSIC format, in
 * milliseconds.  Returns 0, or -1 with errno set. */
int report_hgrm(const char *path, const struct lg_summary *s);

/* report.c: writes path through a temporary file that is fsync'ed and
 * then renamed over it, so a reader (or a machine that crashed) never sees
 * half a file; the temporary file is removed on failure.  write returns 0
 * or -1 (errno set).  Returns 0, or -1 with errno set. */
int lg_write_atomic(const char *path, int (*write)(FILE *f, void *arg), void *arg);

/* json.c: every figure as one JSON object (jansson), written with
 * lg_write_atomic().  Returns 0, or -1 with errno set (ENOMEM when the
 * document could not be built). */
int json_write(const char *path, const struct lg_config *cfg, const struct lg_summary *s);

/* json.c: the document json_write() writes, as a jansson tree (json_t,
 * declared here without jansson's header); NULL if out of memory. */
struct json_t *json_document(const struct lg_config *cfg, const struct lg_summary *s);

/* loadgen.c: the whole measurement (idle connections, the threads, their
 * results added up) into s; cfg and the target as main prepared them. */
void lg_measure(const struct lg_config *cfg, const struct lg_target *tgt, struct lg_summary *s);

/* loadgen.c: frees what lg_measure() allocated in s. */
void lg_summary_free(struct lg_summary *s);

/* Adds r into sum: counters, histograms (by counts), the timeline, the
 * latest end.  sum's histograms must exist; r's optional ones (uncorrected)
 * and timeline may be absent.  One thread's result into the whole run's,
 * for the request workers and the push subscribers alike. */
void lg_result_add(struct lg_result *sum, const struct lg_result *r);

/* agent.c: `loadgen --agent`, the agent protocol on stdin/stdout (see
 * lib/agentproto.h); returns the exit status. */
int agent_main(void);

/* report.c: true if an open-loop run kept up with -R (99%). */
bool report_rate_achieved(const struct lg_config *cfg, const struct lg_summary *s);

#endif
