/*
 * style.c - the models' fixed styles.  A model keeps its colour when
 * another plot leaves some models out, and models of one family stand
 * together in every legend, in colours of one hue: reds and browns for
 * a blocked thread or process per connection, blues for readiness loops,
 * greens for the event libraries, purple for completion, pinks for
 * scheduling in user space.  plots/common.gp defines line type k as row
 * k of this table: change both together.
 */
#include <stdlib.h>
#include <string.h>

#include "report/style.h"

static const struct {
	const char *model, *family;
} table[] = {
    {"iterative", "blocking"},	    {"thread-per-conn", "blocking"},
    {"prefork", "blocking"},	    {"thread-pool", "blocking"},
    {"select", "readiness"},	    {"poll", "readiness"},
    {"epoll", "readiness"},	    {"epoll-reuseport", "readiness"},
    {"epoll-offload", "readiness"}, {"libevent", "library"},
    {"libev", "library"},	    {"libuv", "library"},
    {"io-uring", "completion"},	    {"green-threads", "user-space"},
    {"coroutines", "user-space"},
};

#define N_STYLED ((int)(sizeof(table) / sizeof(table[0])))
#define N_SPARE 5 /* line types after the table's, for other models */

static int row_of(const char *model)
{
	for (int i = 0; i < N_STYLED; i++)
		if (strcmp(table[i].model, model) == 0)
			return i;
	return -1;
}

int style_linetype(const char *model, int nth_unknown)
{
	int row = row_of(model);

	return row >= 0 ? row + 1 : N_STYLED + 1 + nth_unknown % N_SPARE;
}

const char *style_family(const char *model)
{
	int row = row_of(model);

	return row >= 0 ? table[row].family : "other";
}

void style_order(const char (*models)[SUITE_NAME_MAX], int n, int *order)
{
	int k = 0;

	for (int row = 0; row < N_STYLED; row++)
		for (int j = 0; j < n; j++)
			if (strcmp(models[j], table[row].model) == 0)
				order[k++] = j;
	for (int j = 0; j < n; j++)
		if (row_of(models[j]) < 0)
			order[k++] = j;
}
