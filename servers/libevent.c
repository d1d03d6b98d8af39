/*
 * libevent - one thread, one loop, run by libevent instead of our own.
 *
 * libevent (2002) is the portable reactor behind memcached, tmux and Tor: it
 * picks the best readiness API of the system (epoll here), keeps the timers,
 * and calls a function when a socket is ready or a timeout expires.  Every
 * connection is one `struct event` that calls the same lib/conn.h handlers as
 * epoll.c, so the difference between the two is libevent's loop and nothing
 * else.  Good at: the same as epoll (many connections, little memory each),
 * on any Unix and Windows, with a timer queue for free.  Breaks when: a
 * request needs real CPU work or a handler blocks, as any single loop does.
 * Not bufferevents, libevent's higher-level API: they copy every byte through
 * evbuffers, which would change the buffer policy (lib/conn.c) and so the
 * comparison.  Special case: the precise clock (see new_base()), without
 * which a 2 ms delay lasts 4.
 *
 * Links: libevent
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

struct server {
	struct event_base *base;
	const struct server_config *cfg;
	const struct timeval *delay; /* libevent's queue for --delay-us */
	struct conn_list conns;
	struct event listener, stop, sweep;
};

/* A connection and its one event.  A connection waits for exactly one thing
 * at a time (conn.h), so the same struct event watches the socket for
 * reading or writing, or is a timer during a --delay-us wait: an idle
 * connection then costs one event, not two (about 130 bytes less). */
struct lconn {
	struct conn conn; /* first: the sweep casts a struct conn back */
	struct event ev;
	enum conn_want want; /* what ev is set up for now */
	struct server *srv;
};

static void on_conn_event(evutil_socket_t fd, short what, void *arg);

static void close_conn(struct lconn *lc)
{
	event_del(&lc->ev);
	conn_list_remove(&lc->srv->conns, &lc->conn);
	conn_close(&lc->conn);
	free(lc);
}

/* Sets the (deleted) event up for what the connection wants and adds it.
 * Returns 0, or -1 when libevent cannot watch it. */
static int arm(struct lconn *lc, enum conn_want want)
{
	struct server *srv = lc->srv;
	short kind = want == CONN_WANT_READ ? EV_READ : EV_WRITE;

	lc->want = want;
	if (want == CONN_WANT_TIMER) {
		evtimer_assign(&lc->ev, srv->base, on_conn_event, lc);
		if (session_is_push(&lc->conn.session)) {
			/* A push wait ends at the next publish tick: its length
			 * varies, so it goes in libevent's heap, not the
			 * common-timeout queue of equal delays. */
			uint64_t now = util_now_us(), d = lc->conn.deadline_us;
			uint64_t us = d > now ? d - now : 0;
			struct timeval tv = {(time_t)(us / 1000000), (suseconds_t)(us % 1000000)};
			return evtimer_add(&lc->ev, &tv);
		}
		return evtimer_add(&lc->ev, srv->delay);
	}
	event_assign(&lc->ev, srv->base, lc->conn.fd, kind | EV_PERSIST, on_conn_event, lc);
	return event_add(&lc->ev, NULL);
}

/* Points the connection's event at what it wants next.  An added event
 * cannot be changed, so a change is delete, assign, add; the common case
 * (read after read) changes nothing and costs no system call. */
static void apply(struct lconn *lc, enum conn_want want)
{
	if (want == CONN_WANT_CLOSE) {
		close_conn(lc);
		return;
	}
	if (want == lc->want && want != CONN_WANT_TIMER)
		return;
	event_del(&lc->ev);
	if (arm(lc, want) < 0)
		close_conn(lc);
}

/* The socket is ready, or the delay is over: run the matching handler. */
static void on_conn_event(evutil_socket_t fd, short what, void *arg)
{
	struct lconn *lc = arg;
	const struct server_config *cfg = lc->srv->cfg;

	if (what & EV_TIMEOUT)
		apply(lc, conn_on_timer(&lc->conn, cfg));
	else if (what & EV_WRITE)
		apply(lc, conn_on_writable(&lc->conn, cfg));
	else
		apply(lc, conn_on_readable(&lc->conn, cfg));
}

/* Takes one accepted connection (net_accept_batch's callback). */
static void add_conn(void *arg, int fd)
{
	struct server *srv = arg;
	struct lconn *lc = calloc(1, sizeof(*lc));

	if (lc == NULL) {
		close(fd);
		return;
	}
	conn_init(&lc->conn, fd, srv->cfg->proto);
	lc->srv = srv;
	conn_list_add(&srv->conns, &lc->conn);
	if (arm(lc, CONN_WANT_READ) < 0)
		close_conn(lc);
}

static void on_accept_ready(evutil_socket_t listen_fd, short what, void *arg)
{
	net_accept_batch(listen_fd, false, add_conn, arg);
}

static void sweep_close(struct conn *c, void *unused)
{
	close_conn((struct lconn *)c);
}

/* Once a second: close connections idle too long or trickling a head. */
static void on_sweep(evutil_socket_t unused, short what, void *arg)
{
	struct server *srv = arg;

	conn_sweep(&srv->conns, srv->cfg, util_now_us(), sweep_close, NULL);
}

static void on_stop(evutil_socket_t unused, short what, void *arg)
{
	struct server *srv = arg;

	event_base_loopbreak(srv->base);
}

/* Adds the server's own events: the listening socket, the stop signal's
 * pipe and the sweep timer.  Returns 0, or -1 with errno set. */
static int add_server_events(struct server *srv, int listen_fd)
{
	const struct timeval sweep_every = {CONN_SWEEP_US / 1000000, CONN_SWEEP_US % 1000000};

	event_assign(&srv->listener, srv->base, listen_fd, EV_READ | EV_PERSIST, on_accept_ready,
		     srv);
	event_assign(&srv->stop, srv->base, sig_fd(), EV_READ, on_stop, srv);
	event_assign(&srv->sweep, srv->base, -1, EV_PERSIST, on_sweep, srv);
	if (event_add(&srv->listener, NULL) < 0 || event_add(&srv->stop, NULL) < 0 ||
	    event_add(&srv->sweep, &sweep_every) < 0)
		return -1;
	return 0;
}

static void close_all(struct server *srv)
{
	while (srv->conns.head)
		close_conn((struct lconn *)srv->conns.head);
	event_del(&srv->listener);
	event_del(&srv->stop);
	event_del(&srv->sweep);
}

/* libevent reads CLOCK_MONOTONIC_COARSE by default, which ticks every 4 ms
 * here: a 2 ms --delay-us would last 4.  The precise clock (and a timerfd
 * for epoll's timeout) costs one system call per loop iteration. */
static struct event_base *new_base(void)
{
	struct event_config *conf = event_config_new();
	struct event_base *base = NULL;

	if (conf != NULL && event_config_set_flag(conf, EVENT_BASE_FLAG_PRECISE_TIMER) == 0)
		base = event_base_new_with_config(conf);
	if (conf != NULL)
		event_config_free(conf);
	return base;
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct server srv = {.cfg = cfg};
	/* Every delay has the same length, so libevent can keep them in a FIFO
	 * queue instead of its timer heap: a "common timeout". */
	const struct timeval delay = {cfg->delay_us / 1000000, cfg->delay_us % 1000000};
	int rc = -1;

	if (net_set_nonblock(listen_fd) < 0 || (srv.base = new_base()) == NULL) {
		log_msg("cannot start the event loop: %s", strerror(errno));
		return -1;
	}
	srv.delay = event_base_init_common_timeout(srv.base, &delay);
	if (srv.delay == NULL || add_server_events(&srv, listen_fd) < 0) {
		log_msg("cannot watch the listening socket: %s", strerror(errno));
		goto out_free_base;
	}
	/* A signal that came before the stop event was added is still seen:
	 * the pipe stays readable. */
	if (event_base_dispatch(srv.base) < 0)
		log_msg("event loop failed");
	else
		rc = 0;
	close_all(&srv);
out_free_base:
	event_base_free(srv.base);
	return rc;
}

const struct model model = {
    .name = "libevent",
    .about = "one thread, libevent's loop (epoll) calling the shared handlers",
    .serve = serve,
};
