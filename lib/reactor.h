/*
 * reactor.h - one event loop, many ways to wait (the shape of Redis's ae.c).
 *
 * reactor_run() is the whole single-threaded event loop: accept, dispatch
 * readiness to the conn_on_* handlers, fire --delay-us timers, close idle
 * connections, stop on a signal.  The one thing it does not know is how to
 * wait for readiness: a model supplies that as a struct poller (select, poll,
 * epoll, ...).  So servers/select.c and servers/poll.c differ only in the
 * system call they wrap.
 */
#ifndef MODELBENCH_REACTOR_H
#define MODELBENCH_REACTOR_H

#include "opt.h"

struct conn;
struct conn_fifo;

#define REACTOR_READ 0x1
#define REACTOR_WRITE 0x2

/* One ready descriptor.  Errors and hang-ups are reported as readable (and
 * writable): the next read or write then says what happened. */
struct reactor_event {
	int fd;
	int mask;
};

struct poller {
	/* Creates the backend's state for one loop, or returns NULL and sets
	 * errno. */
	void *(*create)(void);
	/* Changes what fd is watched for from old_mask to new_mask (REACTOR_*
	 * bits; 0 = not watched).  Returns 0, or -1 with errno set when fd
	 * cannot be watched: the reactor then closes that connection. */
	int (*watch)(void *state, int fd, int old_mask, int new_mask);
	/* Waits at most timeout_us for readiness and stores at most max ready
	 * descriptors in events.  Returns their count, or -1 with errno set.
	 * Microseconds, because a --delay-us timer rounded up to whole
	 * milliseconds would make every delay up to 1 ms too long. */
	int (*wait)(void *state, long timeout_us, struct reactor_event *events, int max);
	void (*destroy)(void *state);
};

/* The epoll backend (lib/reactor_epoll.c), shared by two models. */
extern const struct poller reactor_epoll;

/* Serves listen_fd with one event loop in the calling thread until a stop
 * signal.  Thread-safe: several threads may each run their own loop.
 * Returns 0, or -1 after logging why it could not run. */
int reactor_run(int listen_fd, const struct server_config *cfg, const struct poller *poller);

/* The same, on backend state the caller made with poller->create() and that
 * reactor_run_on() destroys.  For a model with several loops: it makes every
 * loop's state before any loop accepts, because the first loop to accept can
 * take the last free descriptor and leave a later create() with EMFILE. */
int reactor_run_on(void *state, int listen_fd, const struct server_config *cfg,
		   const struct poller *poller);

/*
 * The one hook for a model that runs each request's blocking part on other
 * threads (half-sync/half-async, servers/epoll-offload.c).  The loop runs
 * with cfg->defer_work set, so a connection whose request has work to do
 * wants CONN_WANT_JOB: the loop stops watching it and submit()s it.  The
 * pool calls conn_run_job() on one of its threads, then makes done_fd
 * readable; the loop, which watches done_fd, calls take_done() and resumes
 * each connection with conn_on_job_done().
 *
 * Lifetime: a connection is the pool's from submit() until take_done() or
 * stop() hands it back, and the loop never frees it in between.  If the
 * loop closes it meanwhile (at shutdown), it closes the descriptor at once
 * and frees the memory when the connection comes back.
 */
struct reactor_offload {
	/* Starts the pool for cfg.  Returns its state and sets *done_fd, or
	 * returns NULL with errno set. */
	void *(*start)(const struct server_config *cfg, int *done_fd);
	/* Queues c's job.  Called by the loop's thread; never blocks long. */
	void (*submit)(void *pool, struct conn *c);
	/* Once done_fd is readable: moves the finished jobs to *done. */
	void (*take_done)(void *pool, struct conn_fifo *done);
	/* Stops and joins the threads, moves every job not yet handed back
	 * (queued or finished) to *done, and frees the pool. */
	void (*stop)(void *pool, struct conn_fifo *done);
};

/* reactor_run() with an offload pool.  reactor_run() is this with none, so
 * the other models' loop is unchanged. */
int reactor_run_offload(int listen_fd, const struct server_config *cfg, const struct poller *poller,
			const struct reactor_offload *offload);

#endif
