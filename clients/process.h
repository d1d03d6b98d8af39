/*
 * process.h - what is the load generator process's, not any one part's:
 * the way to die on a set-up failure, the "stop now" flag that SIGINT and
 * SIGTERM raise, and the clock that every thread reads.
 *
 * A leaf: it includes no other header of clients/, so every file may
 * include it without making a cycle, and nothing here calls back into the
 * rest of the program.
 */
#ifndef LOADGEN_PROCESS_H
#define LOADGEN_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Times of the run, set by main before the threads start and then shared
 * read-only by all of them. */
struct lg_clock {
	uint64_t start_us;   /* threads start sending */
	uint64_t measure_us; /* warm-up over: from here on, recorded */
	uint64_t stop_us;    /* no new request after this (0 = none, -n) */
};

/* Raised by SIGINT/SIGTERM: threads stop sending and drain. */
extern volatile int lg_stopping;

/* Prints "loadgen: <message>" to stderr and exits 1 (set-up failures). */
void lg_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Raises the descriptor limit to its maximum (C10K runs need more than
 * the usual 1024), makes SIGINT and SIGTERM raise lg_stopping, and ignores
 * SIGPIPE (a write to a closed socket is an error return, not a death). */
void lg_setup_process(void);

/* Monotonic microseconds (vDSO, no system call). */
static inline uint64_t lg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* True once no new request may start: the end of -d, or a signal. */
static inline bool lg_run_over(const struct lg_clock *clk, uint64_t now)
{
	return lg_stopping || (clk->stop_us && now >= clk->stop_us);
}

#endif
