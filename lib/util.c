/*
 * util.c - logging, fatal errors and clocks.
 */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char *util_progname = "server";

static void vlog(const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	/* One fprintf per line, so lines from several threads do not interleave. */
	fprintf(stderr, "%s: %s\n", util_progname, line);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
	exit(1);
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_every(struct log_limit *limit, uint64_t interval_us, const char *fmt, ...)
{
	uint64_t now = util_now_us();
	va_list ap;

	if (now - limit->last_us <= interval_us)
		return;
	limit->last_us = now;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

uint64_t util_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t util_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/*
 * Real CPU work, not a sleep: the point of --work-us is to burn a core.
 * The clock is read in nanoseconds (about 20-30 ns a read here) between
 * short steps of arithmetic, so the spin ends within a step of what was
 * asked.  (An earlier version read microseconds and stopped when the
 * counter reached start + N: it spun N - 0.5 us on average, 0.2 us for
 * --work-us 1 and 3.9 for 5, which made a calibrated slowdown impossible.)  Wall time equals
 * CPU time unless the thread is preempted mid-spin, which a pinned server
 * on a quiet core is not.
 */
void util_spin_ns(long ns)
{
	uint64_t end = util_now_ns() + (uint64_t)ns;
	volatile uint64_t sink = 0;

	while (util_now_ns() < end)
		for (int i = 0; i < 8; i++)
			sink += (uint64_t)i;
	(void)sink; /* clang: set, and that is the point */
}
