/*
 * stats.h - the counters a server prints when it exits.
 *
 * They live in a shared anonymous mapping, so worker processes (prefork)
 * and worker threads add to the same totals; updates are relaxed atomics.
 */
#ifndef MODELBENCH_STATS_H
#define MODELBENCH_STATS_H

#include <stdint.h>

enum stat_counter {
	STAT_CONNECTIONS,  /* accepted */
	STAT_REQUESTS,	   /* HTTP requests answered / echo reads echoed */
	STAT_BAD_REQUESTS, /* answered 4xx/5xx and closed */
	STAT_IO_ERRORS,	   /* resets, EPIPE, timeouts */
	STAT_REFUSED,	   /* closed at once: EMFILE, FD_SETSIZE, no thread */
	STAT_BYTES_IN,
	STAT_BYTES_OUT,
	STAT_COUNT
};

/* Maps the shared counters.  Called by main before serve(). */
void stats_init(void);

void stats_add(enum stat_counter c, uint64_t n);
uint64_t stats_get(enum stat_counter c);

/* Prints one line "connections N requests N errors N (...)" to stdout. */
void stats_print(void);

#endif
