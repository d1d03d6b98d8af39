/*
 * engine_epoll.c - the readiness engine (--engine epoll, the default):
 * epoll says which sockets can be read or written, and the thread makes
 * the recv() and send() system calls itself.
 *
 * Sockets are level-triggered, with EPOLLOUT only while a write is
 * blocked, so a request costs one recv() and one send() in the common case
 * (wrk adds and removes a writable event per request), plus its share of
 * an epoll_wait().  Every read lands in one buffer of the thread and is
 * parsed there without copying.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define RBUF_SIZE (64 * 1024)
#define TIMER_TAG UINT64_MAX /* epoll data of the timerfd */

struct epoll_state {
	int epfd; /* every client's socket and the timerfd are registered here */
	int tfd;
	bool *want_out; /* per client: EPOLLOUT registered (connecting or blocked) */
	char *rbuf;	/* RBUF_SIZE bytes: every read lands here */
	struct epoll_event ev[MAX_EVENTS];
};

static void watch(struct client_group *g, struct client *c, int op, bool out)
{
	struct epoll_state *e = g->io_state;
	struct epoll_event ev = {
	    .events = EPOLLIN | (out ? EPOLLOUT : 0),
	    .data.u64 = client_tag(g, c),
	};

	if (epoll_ctl(e->epfd, op, c->fd, &ev) < 0)
		lg_die("epoll_ctl: %s", strerror(errno));
	e->want_out[c - g->clients] = out;
}

static void epoll_init(struct client_group *g, int tfd)
{
	struct epoll_state *e = calloc(1, sizeof(*e));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_TAG};
	int n = g->active;

	if (!e || !(e->want_out = calloc((size_t)n, sizeof(bool))) ||
	    !(e->rbuf = malloc(RBUF_SIZE)))
		lg_die("out of memory for the epoll engine");
	e->tfd = tfd;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, tfd, &ev) < 0)
		lg_die("epoll set-up: %s", strerror(errno));
	g->io_state = e;
}

static void epoll_free(struct client_group *g)
{
	struct epoll_state *e = g->io_state;

	close(e->epfd);
	free(e->want_out);
	free(e->rbuf);
	free(e);
}

/* A connect finished: its outcome is in SO_ERROR. */
static void on_connect(struct client_group *g, struct client *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (!err)
		watch(g, c, EPOLL_CTL_MOD, false);
	client_connected(g, c, err, now);
}

static void on_readable(struct client_group *g, struct client *c, uint64_t now)
{
	struct epoll_state *e = g->io_state;
	ssize_t n = recv(c->fd, e->rbuf, RBUF_SIZE, 0);

	client_received(g, c, e->rbuf, n < 0 ? -errno : n, now);
}

/* Everything epoll reported for c, in the order the old loop handled it:
 * read first, then a blocked write. */
static void on_event(struct client_group *g, struct client *c, uint32_t events, uint64_t now)
{
	struct epoll_state *e = g->io_state;
	uint32_t gen = c->gen;

	if (c->state == CLIENT_CONNECTING) {
		on_connect(g, c, now);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(g, c, now);
	if ((events & EPOLLOUT) && c->gen == gen && e->want_out[c - g->clients]) {
		watch(g, c, EPOLL_CTL_MOD, false);
		client_sent(g, c, 0, now);
	}
}

static bool epoll_wait_events(struct client_group *g)
{
	struct epoll_state *e = g->io_state;
	bool timer = false;
	int n = epoll_wait(e->epfd, e->ev, MAX_EVENTS, -1);

	if (n < 0 && errno != EINTR)
		lg_die("epoll_wait: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		struct client *c;
		uint64_t expirations;

		if (e->ev[i].data.u64 == TIMER_TAG) {
			if (read(e->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				lg_die("timerfd read: %s", strerror(errno));
			timer = true;
			continue;
		}
		c = client_of_tag(g, e->ev[i].data.u64, UINT32_MAX);
		/* A fresh clock per event: a response handled late in a
		 * batch must not be stamped with the batch's start. */
		if (c)
			on_event(g, c, e->ev[i].events, lg_now_us());
	}
	return timer;
}

/* Non-blocking: a connect that cannot finish at once reports EINPROGRESS,
 * and EPOLLOUT says when it did. */
static int epoll_connect(struct client_group *g, struct client *c)
{
	const struct lg_target *t = g->tgt;

	if (connect(c->fd, (const struct sockaddr *)&t->addr, t->addrlen) < 0 &&
	    errno != EINPROGRESS)
		return -1;
	watch(g, c, EPOLL_CTL_ADD, true);
	return 0;
}

/* One send(); when the socket's buffer is full, EPOLLOUT says when to try
 * again (reported as client_sent(0)). */
static ssize_t epoll_send(struct client_group *g, struct client *c, const char *buf, size_t len)
{
	struct epoll_state *e = g->io_state;
	ssize_t n;

	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n >= 0 || errno != EAGAIN)
		return n;
	if (!e->want_out[c - g->clients])
		watch(g, c, EPOLL_CTL_MOD, true);
	return 0;
}

/* Closing a descriptor takes it out of the epoll set. */
static void epoll_close(struct client_group *g, struct client *c)
{
	struct epoll_state *e = g->io_state;

	close(c->fd);
	e->want_out[c - g->clients] = false;
}

const struct engine engine_epoll = {
    .name = "epoll",
    .blocking_fds = false,
    .init = epoll_init,
    .free = epoll_free,
    .wait = epoll_wait_events,
    .connect = epoll_connect,
    .send = epoll_send,
    .close = epoll_close,
};
