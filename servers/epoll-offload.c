/*
 * epoll-offload - half-sync/half-async: one epoll loop does all the I/O, a
 * fixed pool of threads does each request's blocking part.
 *
 * The epoll model's rule is that a handler must never block: one blocking
 * call (a disk read, a synchronous database driver, here --delay-blocking)
 * stalls every connection the loop serves.  When the blocking call cannot be
 * avoided, the loop hands it to a thread pool and carries on: nginx's
 * "thread_pool" (aio threads) and libuv's uv_queue_work() (which Node.js uses
 * for file I/O and DNS) do exactly this.  Here the loop parses a request,
 * then queues a job: the --work-us spin and the --delay-blocking sleep, run
 * by one of --workers threads.  The thread puts the finished connection on a
 * done list under a mutex and writes to an eventfd; the loop watches that
 * eventfd like any socket, takes the done list and sends the answers.  A
 * plain --delay-us (no --delay-blocking) is a timer in the loop, as in epoll.
 * The loop is lib/reactor.c's; this file is only the pool, plugged in
 * through struct reactor_offload.
 *
 * While its job runs, a connection is watched for nothing and never times
 * out (the wait is the server's, as with a timer); a peer that resets
 * meanwhile is noticed when the answer is written.  A connection the loop
 * closes meanwhile (at shutdown) is only marked, and freed when the pool
 * hands it back: a pool thread still holds it by its queue link.
 *
 * Pool size: 32 threads by default, nginx's default thread pool
 * ("thread_pool default threads=32").  A job only ever waits, so the threads
 * cost memory (a stack each), not CPU.  The queue has no cap: a connection
 * has at most one job, so it holds at most one entry per connection (nginx
 * caps it at max_queue=65536 and fails the request past it).
 *
 * What it costs, per request with work: a handoff (a mutex and a condition
 * variable), two context switches (to a pool thread and back to the loop),
 * an eventfd write and read, and the connection leaves epoll's interest
 * list while its job runs and comes back after.  With --work-us 1 at 10
 * connections that came to 10.3 system calls per request against epoll's
 * 2.4 (bench run, 2 December 2026).  Without --work-us or --delay-blocking
 * no job is made and the model is epoll.
 *
 * Where it breaks: the pool, not the loop, is now the limit.  A blocking
 * job of D seconds holds a thread, so throughput is capped at workers / D
 * requests/s (Little's law: 32 threads at 10 ms give 3,200/s); past that the
 * job queue, and every client's wait, grows.  epoll stays at 1 / D (it runs
 * one blocking call at a time, for every connection); thread-pool is capped
 * at workers / D too, but its workers are held for the whole connection,
 * even while a keep-alive client sends nothing, where here they are held
 * only for the blocking part of a request.  CPU work (--work-us) on the pool
 * uses every core, which epoll cannot; but then the loop and the pool share
 * the cores.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "conn.h"
#include "reactor.h"
#include "server.h"
#include "sig.h"
#include "util.h"

struct pool {
	const struct server_config *cfg;
	pthread_mutex_t lock;
	pthread_cond_t has_job;
	struct conn_fifo todo; /* submitted, not started */
	struct conn_fifo done; /* finished, not yet taken back by the loop */
	int stopping;
	int done_fd; /* eventfd: written once per finished job */
	int nthreads;
	pthread_t *threads;
};

/* The next job, waiting while there is none; NULL once stopping. */
static struct conn *take_job(struct pool *p)
{
	struct conn *c = NULL;

	pthread_mutex_lock(&p->lock);
	while (p->todo.head == NULL && !p->stopping)
		pthread_cond_wait(&p->has_job, &p->lock);
	if (!p->stopping)
		c = conn_fifo_pop(&p->todo);
	pthread_mutex_unlock(&p->lock);
	return c;
}

/* Hands c back: onto the done list, then a wake-up for the loop. */
static void finish_job(struct pool *p, struct conn *c)
{
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	conn_fifo_push(&p->done, c);
	pthread_mutex_unlock(&p->lock);
	/* Cannot fail short of a counter overflow (2^64 - 1 jobs unread). */
	if (write(p->done_fd, &one, sizeof(one)) < 0)
		log_msg("eventfd write: %s", strerror(errno));
}

/* A pool thread: run jobs until stopped.  It never touches the connection
 * but for the queue link, under the lock. */
static void *worker(void *arg)
{
	struct pool *p = arg;
	struct conn *c;

	while ((c = take_job(p)) != NULL) {
		conn_run_job(p->cfg);
		finish_job(p, c);
	}
	return NULL;
}

static void start_threads(struct pool *p)
{
	sigset_t old;

	p->threads = calloc((size_t)p->nthreads, sizeof(*p->threads));
	if (p->threads == NULL)
		die("out of memory for %d pool threads", p->nthreads);
	/* Pool threads never take a stop signal: the loop's thread does. */
	sig_block_stop(&old);
	for (int i = 0; i < p->nthreads; i++) {
		int err = pthread_create(&p->threads[i], NULL, worker, p);
		if (err)
			die("pthread_create pool thread %d: %s", i, strerror(err));
	}
	sig_restore(&old);
}

static void *pool_start(const struct server_config *cfg, int *done_fd)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->done_fd < 0) {
		free(p);
		return NULL;
	}
	p->cfg = cfg;
	p->nthreads = cfg->workers;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->has_job, NULL);
	start_threads(p);
	*done_fd = p->done_fd;
	return p;
}

static void pool_submit(void *pool, struct conn *c)
{
	struct pool *p = pool;

	pthread_mutex_lock(&p->lock);
	conn_fifo_push(&p->todo, c);
	pthread_cond_signal(&p->has_job);
	pthread_mutex_unlock(&p->lock);
}

/* Moves every connection of from to the end of to. */
static void move_all(struct conn_fifo *to, struct conn_fifo *from)
{
	struct conn *c;

	while ((c = conn_fifo_pop(from)) != NULL)
		conn_fifo_push(to, c);
}

static void pool_take_done(void *pool, struct conn_fifo *done)
{
	struct pool *p = pool;
	uint64_t count;

	/* Reset the counter first: a job finished after this read writes
	 * again, so none is left on the list without a wake-up. */
	if (read(p->done_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_msg("eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&p->lock);
	move_all(done, &p->done);
	pthread_mutex_unlock(&p->lock);
}

static void pool_stop(void *pool, struct conn_fifo *left)
{
	struct pool *p = pool;

	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->has_job);
	pthread_mutex_unlock(&p->lock);
	/* A thread in a job finishes it first: at most --delay-us. */
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	move_all(left, &p->done);
	move_all(left, &p->todo);
	pthread_cond_destroy(&p->has_job);
	pthread_mutex_destroy(&p->lock);
	close(p->done_fd);
	free(p->threads);
	free(p);
}

static const struct reactor_offload pool_offload = {pool_start, pool_submit, pool_take_done,
						    pool_stop};

static int serve(int listen_fd, const struct server_config *cfg)
{
	return reactor_run_offload(listen_fd, cfg, &reactor_epoll, &pool_offload);
}

const struct model model = {
    .name = "epoll-offload",
    .about = "one epoll loop for I/O, a thread pool for the blocking part of requests",
    .default_workers = 32,
    .serve = serve,
};
