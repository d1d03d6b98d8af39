/*
 * worker.c - one thread: an epoll loop over its share of the connections.
 *
 * Sockets are level-triggered, with EPOLLOUT only while a write is blocked,
 * so a request costs one recv() and one send() in the common case (wrk
 * adds and removes a writable event per request).  Time-driven work, the
 * open-loop schedule, think time and reconnect back-off, waits in a binary
 * heap of connections keyed by wake-up time; one timerfd, armed at
 * microsecond resolution for the earliest of them, wakes the loop.  The
 * same timer ticks every few milliseconds to enforce timeouts actively
 * (a stuck request fails at its deadline, not when a late answer comes)
 * and to notice the end of the run.
 */
#include "worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define MAX_EARLY_US 150

static void heap_place(struct worker *w, int i, struct conn *c)
{
	w->heap[i] = c;
	c->heap_pos = i + 1;
}

static void sift_up(struct worker *w, int i)
{
	struct conn *c = w->heap[i];

	while (i > 0) {
		int parent = (i - 1) / 2;

		if (w->heap[parent]->wake_us <= c->wake_us)
			break;
		heap_place(w, i, w->heap[parent]);
		i = parent;
	}
	heap_place(w, i, c);
}

static void sift_down(struct worker *w, int i)
{
	struct conn *c = w->heap[i];

	for (;;) {
		int child = 2 * i + 1;

		if (child >= w->heap_len)
			break;
		if (child + 1 < w->heap_len &&
		    w->heap[child + 1]->wake_us < w->heap[child]->wake_us)
			child++;
		if (c->wake_us <= w->heap[child]->wake_us)
			break;
		heap_place(w, i, w->heap[child]);
		i = child;
	}
	heap_place(w, i, c);
}

void worker_wake_at(struct worker *w, struct conn *c, uint64_t when)
{
	uint64_t old = c->wake_us;

	c->wake_us = when;
	if (!c->heap_pos) {
		heap_place(w, w->heap_len++, c);
		sift_up(w, w->heap_len - 1);
	} else if (when < old) {
		sift_up(w, c->heap_pos - 1);
	} else {
		sift_down(w, c->heap_pos - 1);
	}
}

void worker_unqueue(struct worker *w, struct conn *c)
{
	int i = c->heap_pos - 1;
	struct conn *last;

	if (!c->heap_pos)
		return;
	c->heap_pos = 0;
	last = w->heap[--w->heap_len];
	if (last == c)
		return;
	heap_place(w, i, last);
	sift_up(w, i);
	sift_down(w, last->heap_pos - 1);
}

bool worker_stopped(const struct worker *w, uint64_t now)
{
	return lg_stopping || (w->clk->stop_us && now >= w->clk->stop_us);
}

/* Arms the timerfd for the earliest of the next tick and the first queued
 * wake-up; a system call only when that time changed. */
static void arm_timer(struct worker *w)
{
	uint64_t when = w->next_tick;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (w->heap_len && w->heap[0]->wake_us < when)
		when = w->heap[0]->wake_us;
	if (when == w->armed_us)
		return;
	its.it_value.tv_sec = (time_t)(when / 1000000);
	its.it_value.tv_nsec = (long)(when % 1000000) * 1000;
	if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		lg_die("timerfd_settime: %s", strerror(errno));
	w->armed_us = when;
}

/* Timeouts and the end of the run, every tick_us. */
static void tick(struct worker *w, uint64_t now)
{
	bool stopped = worker_stopped(w, now);

	for (int i = 0; i < w->nconns; i++) {
		struct conn *c = &w->conns[i];

		if (c->state == CONN_DONE)
			continue;
		conn_check_timeout(w, c, now);
		if (stopped)
			conn_next(w, c, now);
	}
	w->next_tick = now + w->tick_us;
}

static void on_timer(struct worker *w, uint64_t now)
{
	uint64_t expirations;

	if (read(w->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		lg_die("timerfd read: %s", strerror(errno));
	/* A timer fires some tens of microseconds late (more on a VM); learn
	 * by how much, so open-loop sends can be woken that much early. */
	if (w->armed_us && now > w->armed_us) {
		int64_t late = (int64_t)(now - w->armed_us) - (int64_t)w->early_us;

		w->early_us = (uint64_t)((int64_t)w->early_us + late / 16);
		if (w->early_us > MAX_EARLY_US)
			w->early_us = MAX_EARLY_US;
	}
	w->armed_us = 0;
	/* conn_next() only ever queues a connection for a time after now,
	 * so this loop ends. */
	while (w->heap_len && w->heap[0]->wake_us <= now) {
		struct conn *c = w->heap[0];

		worker_unqueue(w, c);
		conn_next(w, c, now);
	}
	if (now >= w->next_tick)
		tick(w, now);
}

void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[MAX_EVENTS];
	uint64_t now = lg_now_us();

	w->next_tick = now + w->tick_us;
	for (int i = 0; i < w->nconns; i++)
		conn_next(w, &w->conns[i], now);
	while (w->active > 0) {
		int n;

		arm_timer(w);
		n = epoll_wait(w->epfd, ev, MAX_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			lg_die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;
			struct conn *c;

			/* A fresh clock per event: a response handled late in
			 * a batch must not be stamped with the batch's start. */
			now = lg_now_us();
			if (tag == WORKER_TIMER_TAG) {
				on_timer(w, now);
				continue;
			}
			c = &w->conns[(uint32_t)tag];
			if (c->gen == (uint32_t)(tag >> 32))
				conn_event(w, c, ev[i].events, now);
		}
	}
	return NULL;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		lg_die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static struct hist *new_hist(void)
{
	struct hist *h = hist_new();

	if (!h)
		lg_die("out of memory for a histogram");
	return h;
}

static void init_results(struct worker *w)
{
	const struct lg_config *cfg = w->cfg;

	w->res.latency = new_hist();
	w->res.connect = new_hist();
	w->res.ttfb = new_hist();
	w->res.uncorrected = cfg->rate ? new_hist() : NULL;
	w->res.timeline_len = cfg->duration_us ? cfg->duration_us / 1000000 + 2 : 16;
	w->res.timeline = xcalloc(w->res.timeline_len, sizeof(uint64_t));
}

/* Shares out -n over connections, and sets each one's open-loop phase:
 * connection i starts i/R seconds in, so requests are evenly spread. */
static void init_conns(struct worker *w, int first)
{
	const struct lg_config *cfg = w->cfg;
	uint64_t n = cfg->requests, c = (uint64_t)cfg->connections;

	for (int i = 0; i < w->nconns; i++) {
		struct conn *conn = &w->conns[i];
		uint64_t gi = (uint64_t)(first + i);

		conn->fd = -1;
		conn->index = first + i;
		conn->ring = w->ring + (size_t)i * (w->ring_mask + 1);
		conn->budget = n ? n / c + (gi < n % c) : UINT64_MAX;
		if (cfg->rate && !cfg->keepalive)
			conn->sched_base = w->clk->start_us +
					   (uint64_t)((double)gi * 1e6 / cfg->rate);
	}
}

struct worker *worker_new(const struct lg_config *cfg,
			  const struct lg_target *tgt,
			  const struct lg_clock *clk, int first, int count)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WORKER_TIMER_TAG };
	uint32_t ring = 1;

	while (ring < (uint32_t)cfg->pipeline)
		ring *= 2;
	w->cfg = cfg;
	w->tgt = tgt;
	w->clk = clk;
	w->nconns = w->active = count;
	w->ring_mask = ring - 1;
	w->interval_us = cfg->rate ? cfg->connections * 1e6 / cfg->rate : 0;
	w->tick_us = cfg->timeout_us / 10 < 10000 ? cfg->timeout_us / 10 : 10000;
	w->conns = xcalloc((size_t)count, sizeof(*w->conns));
	w->ring = xcalloc((size_t)count * ring, sizeof(*w->ring));
	w->heap = xcalloc((size_t)count, sizeof(*w->heap));
	w->rbuf = xcalloc(1, WORKER_RBUF);
	init_results(w);
	init_conns(w, first);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->tfd < 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev) < 0)
		lg_die("epoll/timerfd set-up: %s", strerror(errno));
	return w;
}

void worker_free(struct worker *w)
{
	close(w->epfd);
	close(w->tfd);
	for (int i = 0; i < w->nconns; i++)
		check_free(&w->conns[i].chk);
	hist_free(w->res.latency);
	hist_free(w->res.connect);
	hist_free(w->res.ttfb);
	hist_free(w->res.uncorrected);
	free(w->res.timeline);
	free(w->conns);
	free(w->ring);
	free(w->heap);
	free(w->rbuf);
	free(w);
}
