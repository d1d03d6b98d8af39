/*
 * stats.c - counters shared by every thread and worker process.
 */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

static uint64_t *counters;

static const char *const names[STAT_COUNT] = {
    [STAT_CONNECTIONS] = "connections",	  [STAT_REQUESTS] = "requests",
    [STAT_BAD_REQUESTS] = "bad_requests", [STAT_IO_ERRORS] = "io_errors",
    [STAT_REFUSED] = "refused",		  [STAT_BYTES_IN] = "bytes_in",
    [STAT_BYTES_OUT] = "bytes_out",
};

void stats_init(void)
{
	/* MAP_SHARED so that forked workers (prefork) add to the parent's totals. */
	counters = mmap(NULL, STAT_COUNT * sizeof(*counters), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counters == MAP_FAILED)
		die("mmap counters: %s", strerror(errno));
}

void stats_add(enum stat_counter c, uint64_t n)
{
	__atomic_fetch_add(&counters[c], n, __ATOMIC_RELAXED);
}

uint64_t stats_get(enum stat_counter c)
{
	return __atomic_load_n(&counters[c], __ATOMIC_RELAXED);
}

void stats_print(void)
{
	printf("stats:");
	for (int i = 0; i < STAT_COUNT; i++)
		printf(" %s=%" PRIu64, names[i], stats_get(i));
	printf("\n");
	fflush(stdout);
}
