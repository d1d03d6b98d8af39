/*
 * metrics.c - the metric table of data/metrics.h as an array.
 */
#include <stddef.h>
#include <string.h>

#include "data/metrics.h"

const struct metric metrics[METRICS] = {
#define METRIC_ROW(id, column, json, absent, unit, better, how, format)                            \
	[MET_##id] = {column, json, absent, unit, METRIC_##better, METRIC_##how, format},
    METRIC_TABLE(METRIC_ROW)
#undef METRIC_ROW
};

int metric_find(const char *column)
{
	for (int i = 0; i < METRICS; i++)
		if (strcmp(metrics[i].column, column) == 0)
			return i;
	return -1;
}
