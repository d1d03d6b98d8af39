/*
 * metrics.h - the one table of what a run measures.
 *
 * Every figure a run records (requests/s, latency percentiles, server CPU
 * per request, ...) is one row of METRIC_TABLE below, and that row alone
 * says everything the harness needs to know about it:
 *
 *   column   its runs.csv column (and the name `bench compare --metric`
 *            takes); a new metric's column is appended to runs.csv
 *   json     where the load generator's --json output holds it (a dotted
 *            path, see clients/README.md), or NULL when the harness
 *            measures it itself (server CPU, memory, system calls, ...)
 *   absent   the value when that JSON key is missing: NAN, or 0 for the
 *            error counters loadgen leaves out when nothing went wrong
 *   unit     what one unit is, for people
 *   better   HIGHER or LOWER: which way is an improvement (`bench compare`
 *            calls a change in the other direction "slower")
 *   how      which runs it is aggregated over: MEASURED (the ok measured
 *            repetitions), PASS (also the system call pass, rep 0, which
 *            is the only run `bench compare` takes it from), KEPT (failed
 *            repetitions too: what a failed run still tells)
 *   format   its printf format in runs.csv
 *
 * runs.csv (data/results.c), the JSON reading (data/lgjson.c), the
 * aggregation (data/agg.c) and the comparison (report/compare.c) all walk
 * this table, so adding a metric is adding one row here (two lines of
 * the macro) - plus filling it
 * in the runner (run/runner.c) if the harness measures it itself.  Rows are
 * in runs.csv order; never reorder them, only append.
 */
#ifndef BENCH_DATA_METRICS_H
#define BENCH_DATA_METRICS_H

#include <math.h>

/* clang-format off */
#define METRIC_TABLE(X) \
	/* id               column                    json \
	   absent unit             better  how       format */ \
	X(REQUESTS,         "requests",               "requests", \
	  NAN,   "requests",      HIGHER, MEASURED, "%.0f") \
	X(RPS,              "requests_per_s",         "requests_per_s", \
	  NAN,   "requests/s",    HIGHER, MEASURED, "%.1f") \
	X(P50,              "p50_us",                 "latency_us.p50", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(P90,              "p90_us",                 "latency_us.p90", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(P99,              "p99_us",                 "latency_us.p99", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(P999,             "p999_us",                "latency_us.p999", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(MAX,              "max_us",                 "latency_us.max", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(ERRORS,           "errors",                 NULL, \
	  NAN,   "errors",        LOWER,  MEASURED, "%.0f") \
	X(CPU,              "server_cpu_us_per_req",  NULL, \
	  NAN,   "us/request",    LOWER,  MEASURED, "%.3f") \
	X(RSS,              "server_peak_rss_kb",     NULL, \
	  NAN,   "KiB",           LOWER,  MEASURED, "%.0f") \
	X(CLIENT_CPU,       "client_cpu_s",           "client_cpu_s", \
	  NAN,   "s",             LOWER,  MEASURED, "%.3f") \
	X(SYSCALLS,         "syscalls_per_req",       NULL, \
	  NAN,   "calls/request", LOWER,  PASS,     "%.2f") \
	X(USER,             "server_user_us_per_req", NULL, \
	  NAN,   "us/request",    LOWER,  MEASURED, "%.3f") \
	X(SYS,              "server_sys_us_per_req",  NULL, \
	  NAN,   "us/request",    LOWER,  MEASURED, "%.3f") \
	X(SERVER_REQUESTS,  "server_requests",        NULL, \
	  NAN,   "requests",      HIGHER, MEASURED, "%.0f") \
	X(DURATION,         "duration_s",             "duration_s", \
	  NAN,   "s",             LOWER,  MEASURED, "%.3f") \
	X(TIMEOUTS,         "errors_timeout",         "errors.timeout", \
	  0,     "errors",        LOWER,  MEASURED, "%.0f") \
	X(CONNECT_ERRORS,   "errors_connect",         "errors.connect", \
	  0,     "errors",        LOWER,  MEASURED, "%.0f") \
	X(IDLE_ESTABLISHED, "idle_established",       "idle_established", \
	  NAN,   "connections",   HIGHER, KEPT,     "%.0f") \
	X(IDLE_ALIVE,       "idle_alive_end",         "idle_alive_end", \
	  NAN,   "connections",   HIGHER, KEPT,     "%.0f") \
	X(MBPS,             "mb_per_s",               NULL, \
	  NAN,   "MB/s",          HIGHER, MEASURED, "%.3f") \
	X(CONNECT_P50,      "connect_p50_us",         "connect_us.p50", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(CONNECT_P99,      "connect_p99_us",         "connect_us.p99", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(ADDRNOTAVAIL,     "errors_addrnotavail",    "errors.connect_errno.EADDRNOTAVAIL", \
	  0,     "connects",      LOWER,  MEASURED, "%.0f") \
	X(REFUSED,          "server_refused",         NULL, \
	  NAN,   "connections",   LOWER,  KEPT,     "%.0f") \
	/* Issue 13: what else happened on the host during the run (the  \
	   harness measures these itself, run/runner.c and run/hoststat.h). */ \
	X(FOREIGN_CPU,      "foreign_cpu_share",      NULL, \
	  NAN,   "share of pinned cores", LOWER, MEASURED, "%.4f") \
	X(STEAL,            "steal_s",                NULL, \
	  NAN,   "s",             LOWER,  MEASURED, "%.3f") \
	X(CLIENT_SHARE,     "client_cpu_share",       NULL, \
	  NAN,   "share of client cores", LOWER, MEASURED, "%.3f") \
	X(VCSW,             "ctx_switches_vol_per_req", NULL, \
	  NAN,   "switches/request", LOWER, MEASURED, "%.4f") \
	X(IVCSW,            "ctx_switches_invol_per_req", NULL, \
	  NAN,   "switches/request", LOWER, MEASURED, "%.4f") \
	X(LISTEN_OVERFLOWS, "listen_overflows",       NULL, \
	  NAN,   "events",        LOWER,  MEASURED, "%.0f") \
	X(LISTEN_DROPS,     "listen_drops",           NULL, \
	  NAN,   "events",        LOWER,  MEASURED, "%.0f") \
	X(RETRANS,          "tcp_retrans_segs",       NULL, \
	  NAN,   "segments",      LOWER,  MEASURED, "%.0f") \
	X(CPU_SPEED,        "cpu_speed_ns",           NULL, \
	  NAN,   "ns/iteration",  LOWER,  MEASURED, "%.4f") \
	/* Issue 15: push subscribers (loadgen --subscribe; its "push"    \
	   block, null in request runs, so these are empty there). */   \
	X(DELIVERY_P50,     "delivery_p50_us",        "push.delivery_us.p50", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(DELIVERY_P99,     "delivery_p99_us",        "push.delivery_us.p99", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(DELIVERY_P999,    "delivery_p999_us",       "push.delivery_us.p999", \
	  NAN,   "us",            LOWER,  MEASURED, "%.0f") \
	X(EVENTS_PER_S,     "events_per_s",           "push.events_per_s", \
	  NAN,   "events/s",      HIGHER, MEASURED, "%.1f") \
	X(MISSED,           "events_missed",          "push.missed", \
	  NAN,   "events",        LOWER,  MEASURED, "%.0f") \
	X(RECONNECTS,       "reconnects",             "push.reconnects", \
	  NAN,   "reconnects",    LOWER,  MEASURED, "%.0f") \
	X(SUBSCRIBED,       "subscribers_held",       "push.held_end", \
	  NAN,   "subscribers",   HIGHER, KEPT,     "%.0f")
/* clang-format on */

enum metric_id {
#define METRIC_ENUM(id, column, json, absent, unit, better, how, format) MET_##id,
	METRIC_TABLE(METRIC_ENUM)
#undef METRIC_ENUM
	    METRICS
};

enum metric_better { METRIC_HIGHER, METRIC_LOWER };
enum metric_how { METRIC_MEASURED, METRIC_PASS, METRIC_KEPT };

struct metric {
	const char *column, *json;
	double absent;
	const char *unit;
	enum metric_better better;
	enum metric_how how;
	const char *format;
};

/* The table, indexed by enum metric_id. */
extern const struct metric metrics[METRICS];

/* The metric whose runs.csv column is column, or -1. */
int metric_find(const char *column);

#endif
