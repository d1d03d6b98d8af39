/*
 * thread-pool - a pool of worker threads, bounded in size, fed by a bounded
 * queue of accepted connections (what CS:APP calls prethreading), sized
 * like Tomcat's connector.
 *
 * The acceptor thread accepts and queues; each of --workers threads takes a
 * connection and serves it with plain blocking code until it closes.  Thread
 * creation is paid once, and memory is bounded by the pool size.  Good at:
 * bounded resources, blocking code, using every core.  Breaks when: more
 * clients are connected than there are workers -- a keep-alive client holds
 * a worker until it leaves or idles out, so throughput is capped at
 * workers / (time per connection), and with a slow backend at
 * workers / delay (Little's law).
 *
 * The limits are Tomcat's defaults: 200 threads (maxThreads, --workers)
 * and 100 accepted connections waiting for a thread (acceptCount,
 * QUEUE_CAP).  Past 200 busy connections the queue fills; past 300 the
 * acceptor stops accepting and new connections wait in the kernel's listen
 * backlog (--backlog), where a client sees a connection that is open but
 * never answered.  (Tomcat's acceptCount is the listen backlog itself; a
 * queue of our own keeps that backlog the same for every model.)
 *
 * Threads are started as Tomcat's executor starts them: 10 with the server
 * (minSpareThreads), then one more each time the acceptor queues a
 * connection that no idle thread is waiting for, up to --workers.  They are
 * not stopped again (Tomcat stops a surplus thread after a minute idle).
 * Starting all 200 up front took 5-6 s under ThreadSanitizer.  Each thread
 * has the C library's default stack size (ulimit -s, 8 MiB here): that much
 * address space is reserved per thread, but only the pages a thread touches
 * become resident (the connection's buffers are on the heap): with all of
 * them started, the idle server's RSS was 1.7 MiB with 16 threads and 3.4
 * MiB with 200, about 9 KiB a thread, plus the kernel's own stack and task
 * for each.
 *
 * Concurrency: one connection per worker
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blocking.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

/* Tomcat's acceptCount: accepted connections waiting for a free thread. */
#define QUEUE_CAP 100
/* Tomcat's minSpareThreads: the threads started with the server. */
#define START_THREADS 10
/* How often a waiting acceptor looks up to see if it should stop. */
#define STOP_CHECK_MS 100

struct queue {
	int fds[QUEUE_CAP]; /* a ring of accepted connections */
	int head, count;
	int idle; /* workers waiting in queue_pop() for a connection */
	int closing;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
};

static struct queue queue = {.lock = PTHREAD_MUTEX_INITIALIZER,
			     .not_empty = PTHREAD_COND_INITIALIZER,
			     .not_full = PTHREAD_COND_INITIALIZER};
static const struct server_config *config;

/* Adds fd, waiting while the queue is full.  Returns 0; 1 if more
 * connections are queued than workers wait for them (one more thread would
 * take this one at once); or -1 if stopping. */
static int queue_push(struct queue *q, int fd)
{
	struct timespec until;
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	while (q->count == QUEUE_CAP && !sig_stopping()) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += STOP_CHECK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&q->not_full, &q->lock, &until);
	}
	if (q->count == QUEUE_CAP) {
		rc = -1;
	} else {
		q->fds[(q->head + q->count++) % QUEUE_CAP] = fd;
		pthread_cond_signal(&q->not_empty);
		rc = q->count > q->idle;
	}
	pthread_mutex_unlock(&q->lock);
	return rc;
}

/* Takes a connection, waiting while there is none.  -1 once closing. */
static int queue_pop(struct queue *q)
{
	int fd = -1;

	pthread_mutex_lock(&q->lock);
	q->idle++;
	while (q->count == 0 && !q->closing)
		pthread_cond_wait(&q->not_empty, &q->lock);
	q->idle--;
	if (q->count > 0) {
		fd = q->fds[q->head];
		q->head = (q->head + 1) % QUEUE_CAP;
		q->count--;
		pthread_cond_signal(&q->not_full);
	}
	pthread_mutex_unlock(&q->lock);
	return fd;
}

static void queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closing = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static void *worker(void *arg)
{
	int fd;

	(void)arg;
	while ((fd = queue_pop(&queue)) >= 0)
		conn_serve_blocking(fd, config, &blocking_io_os);
	return NULL;
}

/* The worker threads: started is only changed by the acceptor. */
struct workers {
	pthread_t *tids; /* --workers of them, the first started in use */
	int started, max;
};

/* Starts one more worker.  Returns 0, or the pthread_create() error. */
static int start_worker(struct workers *w)
{
	sigset_t old;
	int err;

	/* Workers never take a stop signal: the acceptor handles it. */
	sig_block_stop(&old);
	err = pthread_create(&w->tids[w->started], NULL, worker, NULL);
	sig_restore(&old);
	if (err == 0)
		w->started++;
	return err;
}

static void start_workers(struct workers *w, int max)
{
	w->max = max;
	w->started = 0;
	w->tids = calloc((size_t)max, sizeof(*w->tids));
	if (w->tids == NULL)
		die("out of memory");
	while (w->started < START_THREADS && w->started < max) {
		int err = start_worker(w);
		if (err)
			die("pthread_create worker %d: %s", w->started, strerror(err));
	}
}

/* A queued connection that no idle worker waits for: start a thread for
 * it, as Tomcat's executor does, until there are --workers. */
static void grow(struct workers *w)
{
	static struct log_limit limit;
	int err;

	if (w->started == w->max)
		return;
	err = start_worker(w);
	if (err)
		log_every(&limit, 1000000, "pthread_create: %s (%d workers)", strerror(err),
			  w->started);
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct workers w;

	config = cfg;
	start_workers(&w, cfg->workers);
	while (!sig_stopping()) {
		int fd = net_accept_blocking(listen_fd);
		if (fd < 0)
			continue;
		int rc = queue_push(&queue, fd);
		if (rc < 0)
			close(fd);
		else if (rc > 0)
			grow(&w);
	}
	queue_close(&queue);
	blocking_interrupt_all(900);
	for (int i = 0; i < w.started; i++)
		pthread_join(w.tids[i], NULL);
	while (queue.count > 0) /* accepted but never served */
		close(queue_pop(&queue));
	free(w.tids);
	return 0;
}

const struct model model = {
    .name = "thread-pool",
    .about = "up to --workers threads fed by a bounded queue, sized like Tomcat's",
    .default_workers = 200,
    .serve = serve,
};
