/*
 * poll - one thread, one loop, poll() over every connection.
 *
 * poll() (System V, 1986) fixes select's worst limit: it takes an array of
 * struct pollfd, so any descriptor number works.  But like select, every
 * call hands the kernel the whole array and the kernel checks every entry,
 * busy or idle.  Good at: moderate connection counts, portable code.
 * Breaks when: thousands of mostly idle connections make each call scan
 * them all (compare epoll).
 *
 * The event loop itself is shared (lib/reactor.c); this file is only the
 * waiting mechanism.  Compare it with select.c and epoll.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "reactor.h"
#include "server.h"

struct poll_state {
	struct pollfd *fds; /* what we watch, packed; poll() fills revents */
	int *slot;	    /* index in fds of each descriptor, or -1 */
	int count, cap, slot_len;
};

static void *poll_create(void)
{
	return calloc(1, sizeof(struct poll_state));
}

static int grow(struct poll_state *s, int fd)
{
	if (fd >= s->slot_len) {
		int len = s->slot_len ? s->slot_len * 2 : 1024;
		while (len <= fd)
			len *= 2;
		int *slot = realloc(s->slot, (size_t)len * sizeof(*slot));
		if (slot == NULL)
			return -1;
		for (int i = s->slot_len; i < len; i++)
			slot[i] = -1;
		s->slot = slot;
		s->slot_len = len;
	}
	if (s->count == s->cap) {
		int cap = s->cap ? s->cap * 2 : 1024;
		struct pollfd *fds = realloc(s->fds, (size_t)cap * sizeof(*fds));
		if (fds == NULL)
			return -1;
		s->fds = fds;
		s->cap = cap;
	}
	return 0;
}

static int poll_watch(void *state, int fd, int old_mask, int new_mask)
{
	struct poll_state *s = state;
	short events = (short)((new_mask & REACTOR_READ ? POLLIN : 0) |
			       (new_mask & REACTOR_WRITE ? POLLOUT : 0));

	if (old_mask == 0) { /* add at the end */
		if (grow(s, fd) < 0)
			return -1;
		s->slot[fd] = s->count;
		s->fds[s->count++] = (struct pollfd){.fd = fd, .events = events};
	} else if (new_mask == 0) { /* move the last entry into the hole */
		int i = s->slot[fd];
		s->fds[i] = s->fds[--s->count];
		s->slot[s->fds[i].fd] = i;
		s->slot[fd] = -1;
	} else {
		s->fds[s->slot[fd]].events = events;
	}
	return 0;
}

static int poll_wait(void *state, long timeout_us, struct reactor_event *events, int max)
{
	struct poll_state *s = state;
	struct timespec ts = {.tv_sec = timeout_us / 1000000,
			      .tv_nsec = timeout_us % 1000000 * 1000};
	int n = ppoll(s->fds, (nfds_t)s->count, &ts, NULL), count = 0;

	if (n <= 0)
		return n;
	/* Scan every entry: the kernel did the same to fill in revents. */
	for (int i = 0; i < s->count && count < max; i++) {
		short re = s->fds[i].revents;
		int mask = (re & (POLLIN | POLLERR | POLLHUP) ? REACTOR_READ : 0) |
			   (re & (POLLOUT | POLLERR | POLLHUP) ? REACTOR_WRITE : 0);
		if (mask)
			events[count++] = (struct reactor_event){s->fds[i].fd, mask};
	}
	return count;
}

static void poll_destroy(void *state)
{
	struct poll_state *s = state;

	free(s->fds);
	free(s->slot);
	free(s);
}

static const struct poller poll_poller = {poll_create, poll_watch, poll_wait, poll_destroy};

static int serve(int listen_fd, const struct server_config *cfg)
{
	return reactor_run(listen_fd, cfg, &poll_poller);
}

const struct model model = {
    .name = "poll",
    .about = "one thread, poll() over every connection",
    .serve = serve,
};
