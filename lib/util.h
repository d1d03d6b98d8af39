/*
 * util.h - logging, fatal errors and clocks.
 */
#ifndef MODELBENCH_UTIL_H
#define MODELBENCH_UTIL_H

#include <stdint.h>

/* Prints "server-<model>: <message>" to stderr and exits 1.  For set-up
 * failures only; a failing connection is never a reason to die. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Prints "server-<model>: <message>" to stderr. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A rate limit for one message: when it last went out. */
struct log_limit {
	uint64_t last_us;
};

/* log_msg(), unless this message already went out within the last
 * interval_us.  For events that come in storms (out of descriptors, out of threads,
 * a descriptor too high for select): one line a second says what is going
 * on, ten thousand would drown the log and cost time in the server under
 * test.  Not thread-safe: one thread at a time per limit (the callers log
 * from one thread, or under a lock). */
void log_every(struct log_limit *limit, uint64_t interval_us, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic time in microseconds (vDSO, no system call). */
uint64_t util_now_us(void);

/* Monotonic time in nanoseconds (vDSO, no system call). */
uint64_t util_now_ns(void);

/* Spins the CPU for ns nanoseconds of wall time (the --work-us and --work-ns
 * knobs): a known cost per request, so that a slowdown of known size can be
 * injected and its detection tested. */
void util_spin_ns(long ns);

/* The program name used by die() and log_msg(). */
extern const char *util_progname;

#endif
