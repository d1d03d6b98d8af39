/*
 * reactor.c - the single-threaded event loop shared by the readiness models.
 *
 * With a struct reactor_offload (epoll-offload only), the loop also hands
 * connections that want CONN_WANT_JOB to a pool and resumes them when the
 * pool's descriptor turns readable; without one, none ever wants a job.
 */
#include "reactor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "sig.h"
#include "util.h"

#define MAX_EVENTS 256

/* A connection plus what the poller is watching it for. */
struct rconn {
	struct conn conn;
	int mask;
	int orphaned; /* closed while its job ran: free it when the job returns */
};

struct reactor {
	const struct poller *poller;
	void *state;
	const struct server_config *cfg;
	int listen_fd;
	struct rconn **by_fd; /* the connection on each descriptor, or NULL */
	int by_fd_len;
	struct conn_list conns;
	struct conn_fifo timers;
	uint64_t next_sweep_us;
	const struct reactor_offload *offload; /* NULL but for epoll-offload */
	void *pool;
	int done_fd; /* readable when the pool has finished jobs; -1 if none */
};

static int set_mask(struct reactor *r, int fd, int *mask, int new_mask)
{
	int rc = 0;

	if (*mask != new_mask) {
		rc = r->poller->watch(r->state, fd, *mask, new_mask);
		if (rc == 0)
			*mask = new_mask;
	}
	return rc;
}

static void close_conn(struct reactor *r, struct rconn *rc)
{
	set_mask(r, rc->conn.fd, &rc->mask, 0);
	r->by_fd[rc->conn.fd] = NULL;
	conn_list_remove(&r->conns, &rc->conn);
	conn_close(&rc->conn);
	if (rc->conn.in_job)
		rc->orphaned = 1; /* a pool thread may still hold it */
	else
		free(rc);
}

/* Makes the poller watch for what the connection wants next. */
static void apply(struct reactor *r, struct rconn *rc, enum conn_want want)
{
	int new_mask = want == CONN_WANT_READ	 ? REACTOR_READ
		       : want == CONN_WANT_WRITE ? REACTOR_WRITE
						 : 0;

	if (want == CONN_WANT_CLOSE || set_mask(r, rc->conn.fd, &rc->mask, new_mask) < 0) {
		close_conn(r, rc);
		return;
	}
	if (want == CONN_WANT_TIMER)
		conn_fifo_push(&r->timers, &rc->conn);
	else if (want == CONN_WANT_JOB)
		r->offload->submit(r->pool, &rc->conn);
}

/* Connections whose job has returned: resume them, or free them if they
 * were closed meanwhile. */
static void resume_jobs(struct reactor *r, struct conn_fifo *done)
{
	struct conn *c;

	while ((c = conn_fifo_pop(done)) != NULL) {
		struct rconn *rc = (struct rconn *)c;
		if (rc->orphaned)
			free(rc);
		else
			apply(r, rc, conn_on_job_done(c, r->cfg));
	}
}

static void jobs_done(struct reactor *r)
{
	struct conn_fifo done = {0};

	r->offload->take_done(r->pool, &done);
	resume_jobs(r, &done);
}

static int grow_table(struct reactor *r, int fd)
{
	int len = r->by_fd_len ? r->by_fd_len : 1024;
	struct rconn **t;

	while (len <= fd)
		len *= 2;
	t = realloc(r->by_fd, (size_t)len * sizeof(*t));
	if (t == NULL)
		return -1;
	memset(t + r->by_fd_len, 0, (size_t)(len - r->by_fd_len) * sizeof(*t));
	r->by_fd = t;
	r->by_fd_len = len;
	return 0;
}

/* Takes one accepted connection (net_accept_batch's callback). */
static void add_conn(void *arg, int fd)
{
	struct reactor *r = arg;
	struct rconn *rc = calloc(1, sizeof(*rc));

	if (rc == NULL || (fd >= r->by_fd_len && grow_table(r, fd) < 0)) {
		free(rc);
		close(fd);
		return;
	}
	conn_init(&rc->conn, fd, r->cfg->proto);
	r->by_fd[fd] = rc;
	conn_list_add(&r->conns, &rc->conn);
	apply(r, rc, CONN_WANT_READ);
}

static void dispatch(struct reactor *r, const struct reactor_event *ev)
{
	struct rconn *rc = ev->fd < r->by_fd_len ? r->by_fd[ev->fd] : NULL;

	if (rc == NULL)
		return;
	if ((rc->mask & REACTOR_WRITE) && (ev->mask & REACTOR_WRITE))
		apply(r, rc, conn_on_writable(&rc->conn, r->cfg));
	else if ((rc->mask & REACTOR_READ) && (ev->mask & REACTOR_READ))
		apply(r, rc, conn_on_readable(&rc->conn, r->cfg));
}

static void fire_timers(struct reactor *r, uint64_t now)
{
	struct conn *c;

	while ((c = conn_fifo_pop_expired(&r->timers, now)) != NULL) {
		struct rconn *rc = (struct rconn *)c;
		apply(r, rc, conn_on_timer(c, r->cfg));
	}
}

static void sweep_close(struct conn *c, void *arg)
{
	close_conn(arg, (struct rconn *)c);
}

/* Once a second: close connections idle too long or trickling a head. */
static void sweep(struct reactor *r, uint64_t now)
{
	if (now < r->next_sweep_us)
		return;
	r->next_sweep_us = now + CONN_SWEEP_US;
	conn_sweep(&r->conns, r->cfg, now, sweep_close, r);
}

static void close_all(struct reactor *r)
{
	while (r->conns.head)
		close_conn(r, (struct rconn *)r->conns.head);
}

static int loop(struct reactor *r)
{
	struct reactor_event events[MAX_EVENTS];
	int stop_mask = 0, listen_mask = 0, done_mask = 0;

	if (set_mask(r, sig_fd(), &stop_mask, REACTOR_READ) < 0 ||
	    set_mask(r, r->listen_fd, &listen_mask, REACTOR_READ) < 0 ||
	    (r->offload && set_mask(r, r->done_fd, &done_mask, REACTOR_READ) < 0)) {
		log_msg("cannot watch the listening socket: %s", strerror(errno));
		return -1;
	}
	while (!sig_stopping()) {
		uint64_t now = util_now_us();
		/* Wake for the sweep too: events that keep arriving just before
		 * it is due must not push it back (a slowloris would gain time). */
		uint64_t until_sweep = r->next_sweep_us > now ? r->next_sweep_us - now : 0;
		long timeout = (long)conn_fifo_timeout_us(&r->timers, now, until_sweep);
		int n = r->poller->wait(r->state, timeout, events, MAX_EVENTS);
		if (n < 0 && errno != EINTR) {
			log_msg("wait: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].fd == r->listen_fd)
				net_accept_batch(r->listen_fd, false, add_conn, r);
			else if (r->offload && events[i].fd == r->done_fd)
				jobs_done(r);
			else if (events[i].fd != sig_fd())
				dispatch(r, &events[i]);
		}
		now = util_now_us();
		fire_timers(r, now);
		sweep(r, now);
	}
	set_mask(r, r->listen_fd, &listen_mask, 0);
	set_mask(r, sig_fd(), &stop_mask, 0);
	if (r->offload)
		set_mask(r, r->done_fd, &done_mask, 0);
	return 0;
}

/* Shutdown with a pool: every connection is closed at once (those in a job
 * are only marked), then the pool is stopped and what it hands back freed. */
static void stop_offload(struct reactor *r)
{
	struct conn_fifo left = {0};

	close_all(r);
	r->offload->stop(r->pool, &left);
	resume_jobs(r, &left);
}

/* The loop on the poller's state (which it destroys), with a pool or not. */
static int run(void *state, int listen_fd, const struct server_config *cfg,
	       const struct poller *poller, const struct reactor_offload *offload)
{
	struct server_config deferring = *cfg;
	struct reactor r = {.poller = poller,
			    .state = state,
			    .cfg = cfg,
			    .listen_fd = listen_fd,
			    .offload = offload,
			    .done_fd = -1};
	int rc;

	if (net_set_nonblock(listen_fd) < 0) {
		log_msg("cannot start the event loop: %s", strerror(errno));
		poller->destroy(state);
		return -1;
	}
	if (offload) {
		deferring.defer_work = true;
		r.cfg = &deferring;
		r.pool = offload->start(r.cfg, &r.done_fd);
		if (r.pool == NULL) {
			log_msg("cannot start the offload pool: %s", strerror(errno));
			poller->destroy(r.state);
			return -1;
		}
	}
	rc = loop(&r);
	if (offload)
		stop_offload(&r);
	close_all(&r);
	poller->destroy(r.state);
	free(r.by_fd);
	conn_thread_done();
	return rc;
}

/* The poller's state for a new loop, or NULL after logging why not. */
static void *new_state(const struct poller *poller)
{
	void *state = poller->create();

	if (state == NULL)
		log_msg("cannot start the event loop: %s", strerror(errno));
	return state;
}

int reactor_run_offload(int listen_fd, const struct server_config *cfg, const struct poller *poller,
			const struct reactor_offload *offload)
{
	void *state = new_state(poller);

	return state ? run(state, listen_fd, cfg, poller, offload) : -1;
}

int reactor_run(int listen_fd, const struct server_config *cfg, const struct poller *poller)
{
	return reactor_run_offload(listen_fd, cfg, poller, NULL);
}

int reactor_run_on(void *state, int listen_fd, const struct server_config *cfg,
		   const struct poller *poller)
{
	return run(state, listen_fd, cfg, poller, NULL);
}
