/*
 * select - one thread, one loop, select() over every connection.
 *
 * The oldest readiness API (4.2BSD, 1983): each call passes bitmaps of every
 * watched descriptor to the kernel and gets them back marked, so both sides
 * scan all of them, busy or idle.  Good at: a few hundred connections, on
 * any Unix.  Breaks at: FD_SETSIZE (1024) -- a descriptor at or above it
 * cannot be put in an fd_set at all, so this server refuses (closes and
 * logs) such connections and keeps serving the others.
 *
 * The event loop itself is shared (lib/reactor.c); this file is only the
 * waiting mechanism.  Compare it with poll.c and epoll.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

#include "reactor.h"
#include "server.h"
#include "stats.h"
#include "util.h"

struct select_state {
	fd_set readers, writers; /* what we watch; select() gets copies */
	int max_fd;
};

static void *select_create(void)
{
	struct select_state *s = calloc(1, sizeof(*s));

	if (s) {
		FD_ZERO(&s->readers);
		FD_ZERO(&s->writers);
		s->max_fd = -1;
	}
	return s;
}

static void refuse(int fd)
{
	static struct log_limit log_limit;

	stats_add(STAT_REFUSED, 1);
	log_every(&log_limit, 1000000,
		  "select: descriptor %d >= FD_SETSIZE (%d); closing that connection", fd,
		  FD_SETSIZE);
}

static int select_watch(void *state, int fd, int old_mask, int new_mask)
{
	struct select_state *s = state;

	if (fd >= FD_SETSIZE) {
		refuse(fd);
		errno = EMFILE;
		return -1;
	}
	(void)old_mask;
	if (new_mask & REACTOR_READ)
		FD_SET(fd, &s->readers);
	else
		FD_CLR(fd, &s->readers);
	if (new_mask & REACTOR_WRITE)
		FD_SET(fd, &s->writers);
	else
		FD_CLR(fd, &s->writers);
	if (new_mask && fd > s->max_fd)
		s->max_fd = fd;
	return 0;
}

static int select_wait(void *state, long timeout_us, struct reactor_event *events, int max)
{
	struct select_state *s = state;
	/* select() overwrites its sets, so it gets copies of ours. */
	fd_set readable = s->readers, writable = s->writers;
	struct timeval tv = {.tv_sec = timeout_us / 1000000, .tv_usec = timeout_us % 1000000};
	int n = select(s->max_fd + 1, &readable, &writable, NULL, &tv), count = 0;

	if (n <= 0)
		return n;
	/* Scan every descriptor up to the highest: the cost select is known for. */
	for (int fd = 0; fd <= s->max_fd && count < max; fd++) {
		int mask = (FD_ISSET(fd, &readable) ? REACTOR_READ : 0) |
			   (FD_ISSET(fd, &writable) ? REACTOR_WRITE : 0);
		if (mask)
			events[count++] = (struct reactor_event){fd, mask};
	}
	return count;
}

static void select_destroy(void *state)
{
	free(state);
}

static const struct poller select_poller = {select_create, select_watch, select_wait,
					    select_destroy};

static int serve(int listen_fd, const struct server_config *cfg)
{
	return reactor_run(listen_fd, cfg, &select_poller);
}

const struct model model = {
    .name = "select",
    .about = "one thread, select() over every connection (refuses fds >= FD_SETSIZE)",
    .serve = serve,
};
