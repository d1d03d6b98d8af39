/*
 * mine - your own concurrency model (lab 6, labs/06-your-own-model.md).
 *
 * As handed out, this server is correct but serves one connection at a time:
 * it accepts a client, serves it until it leaves, and only then accepts the
 * next one.  It is the iterative server again, written with the non-blocking
 * helpers of lib/conn.h, so one idle keep-alive client blocks everyone.
 * Your job: replace serve_one() with one poll() loop that waits for the
 * listening socket, the stop signal and every connection at once.  Follow
 * the TODOs in order; `make grade MODEL=mine` tells you how far you got.
 *
 * What lib/ already does for you (read lib/conn.h): conn_on_readable(),
 * conn_on_writable() and conn_on_timer() read, run the HTTP or echo session,
 * write what the socket takes and keep the rest, and return what the
 * connection waits for next (enum conn_want).  A loop only has to wait for
 * that and call the matching handler: see advance() below.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

/* How often the loop wakes up when nothing happens, to close connections
 * that stayed idle past --idle-timeout. */
#define SWEEP_MS 1000

/* Calls the handler for the event the connection was waiting for, now that
 * it has happened, and returns what the connection wants next. */
static enum conn_want advance(struct conn *c, enum conn_want want, const struct server_config *cfg)
{
	switch (want) {
	case CONN_WANT_READ:
		return conn_on_readable(c, cfg);
	case CONN_WANT_WRITE:
		return conn_on_writable(c, cfg);
	case CONN_WANT_TIMER:
		return conn_on_timer(c, cfg);
	default:
		return CONN_WANT_CLOSE;
	}
}

/* The poll() events that wait for what the connection wants.  A connection
 * waiting on its --delay-us timer waits for no event at all. */
static short events_for(enum conn_want want)
{
	return want == CONN_WANT_READ ? POLLIN : want == CONN_WANT_WRITE ? POLLOUT : 0;
}

/* Milliseconds from now until deadline_us, rounded up (poll() counts in
 * milliseconds; ppoll() would take a struct timespec). */
static int ms_until(uint64_t deadline_us)
{
	uint64_t now = util_now_us();

	return deadline_us <= now ? 0 : (int)((deadline_us - now + 999) / 1000);
}

/*
 * TODO 1: a table of connections.  Every connection needs its struct conn
 * and what it waits for (enum conn_want).  poll() wants an array of struct
 * pollfd; keep a second array beside it (or a struct with both) so that
 * entry i of one is entry i of the other.  Reserve two entries for the
 * listening socket and sig_fd().  Arrays that grow with realloc() serve
 * 1,000 connections and more; a fixed array of 1024 would hit the same wall
 * as select().
 */

/*
 * serve_one - THE PROBLEM.  It serves one connection to the end, waiting
 * with poll() on that connection alone.  While it waits here, nobody else
 * is accepted or answered.  Once your loop works, delete it.
 */
static void serve_one(int fd, const struct server_config *cfg)
{
	struct conn c;
	enum conn_want want = CONN_WANT_READ;

	if (net_set_nonblock(fd) < 0) {
		close(fd);
		return;
	}
	conn_init(&c, fd, cfg->proto);
	while (want != CONN_WANT_CLOSE && !sig_stopping()) {
		struct pollfd fds[2] = {{.fd = fd, .events = events_for(want)},
					{.fd = sig_fd(), .events = POLLIN}};
		int timeout = want == CONN_WANT_TIMER ? ms_until(c.deadline_us) : SWEEP_MS;
		int n = poll(fds, 2, timeout);

		if (n < 0 && errno != EINTR)
			break;
		if (want == CONN_WANT_TIMER ? util_now_us() >= c.deadline_us : fds[0].revents != 0)
			want = advance(&c, want, cfg);
		if (want != CONN_WANT_CLOSE && conn_expired(&c, cfg, util_now_us()))
			want = CONN_WANT_CLOSE;
	}
	conn_close(&c);
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	/*
	 * TODO 2: make the listening socket non-blocking (net_set_nonblock), so
	 * that accepting can never block the loop, and set up your table.
	 */
	while (!sig_stopping()) {
		/*
		 * TODO 3: instead of the two calls below, fill in one struct
		 * pollfd per connection (events_for() its want; fd -1 makes
		 * poll() skip an entry, handy for a connection on its timer),
		 * and call poll() once for all of them.  The timeout: the
		 * nearest --delay-us deadline (c.deadline_us of connections
		 * that want CONN_WANT_TIMER), or SWEEP_MS.
		 *
		 * TODO 4: for every connection whose revents is not 0 (or whose
		 * timer is due), want = advance(...).  When it returns
		 * CONN_WANT_CLOSE, conn_close() it and take it out of the table
		 * (moving the last entry into its place is O(1)).
		 *
		 * TODO 5: when the listening socket is readable, accept every
		 * waiting client: net_accept(listen_fd, true) until it returns
		 * -1, conn_init() each one and add it, wanting CONN_WANT_READ.
		 *
		 * TODO 6: about once a second, close the connections for which
		 * conn_expired() is true (idle or slowloris clients).  Give it
		 * util_now_us() read just before the sweep: a time taken before
		 * the handlers ran is older than the activity they recorded,
		 * and the subtraction inside conn_expired() wraps around.
		 */
		int fd = net_accept_blocking(listen_fd);
		if (fd >= 0)
			serve_one(fd, cfg);
	}
	/* TODO 7: conn_close() every connection still open, free the table. */
	conn_thread_done();
	return 0;
}

const struct model model = {
    .name = "mine",
    .about = "my own model (lab 6; as handed out: one connection at a time)",
    .serve = serve,
};
