/*
 * blocking.h - one connection, served start to end with blocking calls.
 *
 * The blocking models (iterative, thread-per-conn, prefork, thread-pool) call
 * conn_serve_blocking() with the plain system calls; green-threads passes
 * calls that switch to another user-space thread instead of blocking.  All of
 * them run this one loop over the same session code as the event loops.
 */
#ifndef MODELBENCH_BLOCKING_H
#define MODELBENCH_BLOCKING_H

#include <sys/types.h>

#include "opt.h"

struct blocking_io {
	/* Reads up to len bytes, waiting at most timeout_ms (-1: no limit).
	 * Returns the count, 0 at end of stream, or -1 with errno set
	 * (EAGAIN or ETIMEDOUT when the time ran out). */
	ssize_t (*read)(int fd, void *buf, size_t len, int timeout_ms);
	/* Writes all len bytes.  Returns len or -1 with errno set. */
	ssize_t (*write)(int fd, const void *buf, size_t len);
	/* Waits us microseconds: the simulated slow backend. */
	void (*sleep_us)(long us);
	/* Optional (NULL: read with a timeout instead).  Waits at most us
	 * microseconds for fd to turn readable; returns 1 when it is (or has
	 * hung up), 0 when the time ran out, -1 with errno set.  A push
	 * subscriber waits for its next publish tick with it (lib/push.h):
	 * read()'s SO_RCVTIMEO counts in scheduler ticks and ends 4-8 ms late
	 * here, which would make the blocking models look slow at push. */
	int (*wait_readable)(int fd, long us);
};

/* Plain system calls: read with SO_RCVTIMEO, write, nanosleep, ppoll. */
extern const struct blocking_io blocking_io_os;

/* Serves the connected socket fd until the peer closes, an error, a timeout
 * or a stop signal; then closes fd.  Counts the connection's requests and
 * errors in stats. */
void conn_serve_blocking(int fd, const struct server_config *cfg, const struct blocking_io *io);

/* Shuts down (SHUT_RDWR) every connection conn_serve_blocking() is serving,
 * so that threads blocked in read() return at once; then waits up to
 * timeout_ms for them to finish.  Returns how many are still running.
 * Thread-safe.  For threaded models stopping on a signal. */
int blocking_interrupt_all(int timeout_ms);

#endif
