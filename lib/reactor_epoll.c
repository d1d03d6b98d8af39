/*
 * reactor_epoll.c - the epoll backend for lib/reactor.c.
 *
 * It lives in lib/ rather than in servers/epoll.c because two models use it:
 * epoll (one loop) and epoll-reuseport (one loop per worker thread).
 * Descriptors are registered once with epoll_ctl(); epoll_wait() returns only
 * the ready ones, so no scan over idle connections.  Level-triggered, like
 * select and poll, so the three backends differ in nothing but the waiting.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "reactor.h"

#define WAIT_MAX 256

struct epoll_state {
	int epfd;
	struct epoll_event ready[WAIT_MAX];
};

static void *epoll_create_state(void)
{
	struct epoll_state *s = calloc(1, sizeof(*s));

	if (s && (s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(s);
		s = NULL;
	}
	return s;
}

static int epoll_watch(void *state, int fd, int old_mask, int new_mask)
{
	struct epoll_state *s = state;
	struct epoll_event ev = {.data.fd = fd};
	int op = old_mask == 0 ? EPOLL_CTL_ADD : new_mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	ev.events =
	    (new_mask & REACTOR_READ ? EPOLLIN : 0) | (new_mask & REACTOR_WRITE ? EPOLLOUT : 0);
	return epoll_ctl(s->epfd, op, fd, &ev);
}

static int epoll_wait_ready(void *state, long timeout_us, struct reactor_event *events, int max)
{
	struct epoll_state *s = state;
	struct timespec ts = {.tv_sec = timeout_us / 1000000,
			      .tv_nsec = timeout_us % 1000000 * 1000};
	/* epoll_pwait2 (Linux 5.11) takes a timespec; epoll_wait only milliseconds. */
	int n = epoll_pwait2(s->epfd, s->ready, max < WAIT_MAX ? max : WAIT_MAX, &ts, NULL);

	/* No scan: the kernel handed back only the ready descriptors. */
	for (int i = 0; i < n; i++) {
		uint32_t re = s->ready[i].events;
		events[i].fd = s->ready[i].data.fd;
		events[i].mask = (re & (EPOLLIN | EPOLLERR | EPOLLHUP) ? REACTOR_READ : 0) |
				 (re & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? REACTOR_WRITE : 0);
	}
	return n;
}

static void epoll_destroy(void *state)
{
	struct epoll_state *s = state;

	close(s->epfd);
	free(s);
}

const struct poller reactor_epoll = {epoll_create_state, epoll_watch, epoll_wait_ready,
				     epoll_destroy};
