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

void util_spin_us(long us)
{
	uint64_t end = util_now_us() + (uint64_t)us;
	volatile uint64_t sink = 0;

	/* Real CPU work, not a sleep: the point of --work-us is to burn a core. */
	while (util_now_us() < end)
		for (int i = 0; i < 64; i++)
			sink += (uint64_t)i;
	(void)sink;	/* clang: set, and that is the point */
}
