/*
 * worker.c - one thread: the loop over its share of the connections.
 *
 * The loop is the same whatever the I/O engine (--engine, engine.h): it
 * asks the engine to wait and to hand the socket events to the connection
 * code, and it runs the timers.  Time-driven work, the open-loop schedule,
 * think time and reconnect back-off, waits in the group's wake-up queue
 * (wakeq.h, a heap keyed by wake-up time); one timerfd, armed at
 * microsecond resolution for the earliest of them, wakes the loop (epoll
 * watches it, io_uring reads it).  The same timer ticks every few
 * milliseconds to enforce timeouts actively (a stuck request fails at its
 * deadline, not when a late answer comes) and to notice the end of the
 * run.
 *
 * The loop and the engine call the connection code (client.h) and are
 * never called back by it: what a connection waits for is in the engine
 * or the wake-up queue, and the loop hands over whatever comes out.
 */
#include "worker.h"

#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MAX_EARLY_US 150

struct worker {
	struct client_group group; /* the clients and what they share */
	int tfd;
	int nclients;
	uint64_t tick_us, next_tick, armed_us;
	struct slot *ring; /* every client's ring, one allocation */
};

const struct lg_result *worker_result(const struct worker *w)
{
	return &w->group.res;
}

/* Arms the timerfd for the earliest of the next tick and the first queued
 * wake-up; a system call only when that time changed. */
static void arm_timer(struct worker *w)
{
	const struct wakeup *first = wakeq_first(&w->group.wakeq);
	uint64_t when = w->next_tick;
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (first && first->at_us < when)
		when = first->at_us;
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
	struct client_group *g = &w->group;
	bool stopped = lg_run_over(g->clk, now);

	for (int i = 0; i < w->nclients; i++) {
		struct client *c = &g->clients[i];

		if (c->state == CLIENT_DONE)
			continue;
		client_check_timeout(g, c, now);
		if (stopped)
			client_next(g, c, now);
	}
	w->next_tick = now + w->tick_us;
}

static void on_timer(struct worker *w, uint64_t now)
{
	struct client_group *g = &w->group;
	struct wakeup *due;

	/* A timer fires some tens of microseconds late (more on a VM); learn
	 * by how much, so open-loop sends can be woken that much early. */
	if (w->armed_us && now > w->armed_us) {
		int64_t late = (int64_t)(now - w->armed_us) - (int64_t)g->early_us;

		g->early_us = (uint64_t)((int64_t)g->early_us + late / 16);
		if (g->early_us > MAX_EARLY_US)
			g->early_us = MAX_EARLY_US;
	}
	w->armed_us = 0;
	/* client_next() only ever queues a client for a time after now,
	 * so this loop ends. */
	while ((due = wakeq_pop_due(&g->wakeq, now)))
		client_next(g, client_of_wakeup(due), now);
	if (now >= w->next_tick)
		tick(w, now);
}

void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct client_group *g = &w->group;
	uint64_t now;

	/* Here, not in worker_new(): an io_uring made SINGLE_ISSUER must be
	 * set up by the thread that submits to it. */
	g->io->init(g, w->tfd);
	now = lg_now_us();
	w->next_tick = now + w->tick_us;
	for (int i = 0; i < w->nclients; i++)
		client_next(g, &g->clients[i], now);
	while (g->active > 0) {
		arm_timer(w);
		if (g->io->wait(g))
			on_timer(w, lg_now_us());
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
	const struct lg_config *cfg = w->group.cfg;
	struct lg_result *res = &w->group.res;

	res->latency = new_hist();
	res->connect = new_hist();
	res->ttfb = new_hist();
	res->uncorrected = cfg->rate ? new_hist() : NULL;
	res->timeline_len = cfg->duration_us ? cfg->duration_us / 1000000 + 2 : 16;
	res->timeline = xcalloc(res->timeline_len, sizeof(uint64_t));
}

/* Shares out -n over connections, and sets each one's open-loop phase:
 * connection i starts i/R seconds in, so requests are evenly spread. */
static void init_clients(struct worker *w, int first)
{
	struct client_group *g = &w->group;
	const struct lg_config *cfg = g->cfg;
	uint64_t n = cfg->requests, c = (uint64_t)cfg->connections;

	for (int i = 0; i < w->nclients; i++) {
		struct client *cl = &g->clients[i];
		uint64_t gi = (uint64_t)(first + i);

		cl->fd = -1;
		cl->index = first + i;
		cl->ring = w->ring + (size_t)i * (g->ring_mask + 1);
		cl->budget = n ? n / c + (gi < n % c) : UINT64_MAX;
		if (cfg->proto == LG_LINES)
			cl->lines_out = xcalloc((size_t)cfg->pipeline, CLIENT_LINE_MAX);
		if (cfg->rate && !cfg->keepalive)
			cl->sched_base =
			    g->clk->start_us + (uint64_t)((double)gi * 1e6 / cfg->rate);
	}
}

struct worker *worker_new(const struct lg_config *cfg, const struct lg_target *tgt,
			  const struct lg_clock *clk, int first, int count)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	struct client_group *g = &w->group;
	uint32_t ring = 1;

	while (ring < (uint32_t)cfg->pipeline)
		ring *= 2;
	g->cfg = cfg;
	g->tgt = tgt;
	g->clk = clk;
	w->nclients = g->active = count;
	g->ring_mask = ring - 1;
	g->interval_us = cfg->rate ? cfg->connections * 1e6 / cfg->rate : 0;
	w->tick_us = cfg->timeout_us / 10 < 10000 ? cfg->timeout_us / 10 : 10000;
	g->clients = xcalloc((size_t)count, sizeof(*g->clients));
	w->ring = xcalloc((size_t)count * ring, sizeof(*w->ring));
	wakeq_init(&g->wakeq);
	init_results(w);
	init_clients(w, first);
	g->io = cfg->engine == LG_ENGINE_URING ? &engine_uring : &engine_epoll;
	w->tfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | (g->io->blocking_fds ? 0 : TFD_NONBLOCK));
	if (w->tfd < 0)
		lg_die("timerfd_create: %s", strerror(errno));
	return w;
}

void worker_free(struct worker *w)
{
	struct client_group *g = &w->group;

	g->io->free(g);
	close(w->tfd);
	for (int i = 0; i < w->nclients; i++) {
		check_free(&g->clients[i].chk);
		free(g->clients[i].lines_out);
	}
	hist_free(g->res.latency);
	hist_free(g->res.connect);
	hist_free(g->res.ttfb);
	hist_free(g->res.uncorrected);
	free(g->res.timeline);
	free(g->clients);
	free(w->ring);
	free(w);
}
