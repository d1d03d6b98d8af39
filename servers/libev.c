/*
 * libev - one thread, one loop, run by libev instead of our own.
 *
 * libev (2007) is a leaner rewrite of libevent's idea, used by Node.js's
 * first versions, rxvt-unicode and many small servers: "watchers" (ev_io for
 * a socket, ev_timer for a timeout) are plain structs the caller owns, and
 * changes to what a socket is watched for are collected and handed to epoll
 * once per loop iteration.  Each connection has an ev_io and an ev_timer
 * that call the same lib/conn.h handlers as epoll.c, so the difference
 * between the two is libev's loop and nothing else.  Good at: the same as
 * epoll (many connections, little memory each: a watcher is 48 bytes).
 * Breaks when: a request needs real CPU work or a handler blocks, as any
 * single loop does.  Special case: our own loop (ev_loop_new), not libev's
 * default loop, which would install a SIGCHLD handler.
 *
 * Links: -lev
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "sig.h"
#include "util.h"

struct server {
	struct ev_loop *loop;
	const struct server_config *cfg;
	struct conn_list conns;
	ev_io listener, stop;
	ev_timer sweep;
};

/* A connection and its two watchers; at most one of them runs at a time,
 * because a connection waits for exactly one thing (conn.h). */
struct evconn {
	struct conn conn; /* first: the sweep casts a struct conn back */
	ev_io io;	  /* readable or writable, as the handlers want */
	ev_timer delay;	  /* the --delay-us wait */
	struct server *srv;
};

static void close_conn(struct evconn *ec)
{
	struct ev_loop *loop = ec->srv->loop;

	ev_io_stop(loop, &ec->io);
	ev_timer_stop(loop, &ec->delay);
	conn_list_remove(&ec->srv->conns, &ec->conn);
	conn_close(&ec->conn);
	free(ec);
}

/* Starts the watcher for what the connection wants next.  Restarting an
 * ev_io for other events only records the change: libev applies it with one
 * epoll_ctl() before it next waits, and none when nothing changed. */
static void apply(struct evconn *ec, enum conn_want want)
{
	struct ev_loop *loop = ec->srv->loop;
	int events = want == CONN_WANT_READ ? EV_READ : EV_WRITE;

	switch (want) {
	case CONN_WANT_CLOSE:
		close_conn(ec);
		break;
	case CONN_WANT_TIMER:
		ev_io_stop(loop, &ec->io);
		/* conn.c set the deadline: --delay-us, or a push wait's next
		 * publish tick.  libev counts from the loop's cached time, which
		 * for a push wait must be now (else the wait ends early). */
		if (session_is_push(&ec->conn.session))
			ev_now_update(loop);
		ev_timer_set(
		    &ec->delay,
		    (double)session_delay_us(&ec->conn.session, ec->srv->cfg, util_now_us()) / 1e6,
		    0.);
		ev_timer_start(loop, &ec->delay);
		break;
	default:
		if (ev_is_active(&ec->io) && (ec->io.events & events))
			break; /* already watching for it */
		ev_io_stop(loop, &ec->io);
		ev_io_modify(&ec->io, events);
		ev_io_start(loop, &ec->io);
		break;
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evconn *ec = w->data;
	const struct server_config *cfg = ec->srv->cfg;

	if (revents & EV_WRITE)
		apply(ec, conn_on_writable(&ec->conn, cfg));
	else
		apply(ec, conn_on_readable(&ec->conn, cfg));
}

static void on_delay(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evconn *ec = w->data;

	apply(ec, conn_on_timer(&ec->conn, ec->srv->cfg));
}

/* Takes one accepted connection (net_accept_batch's callback). */
static void add_conn(void *arg, int fd)
{
	struct server *srv = arg;
	struct evconn *ec = calloc(1, sizeof(*ec));

	if (ec == NULL) {
		close(fd);
		return;
	}
	conn_init(&ec->conn, fd, srv->cfg->proto);
	ec->srv = srv;
	ev_io_init(&ec->io, on_io, fd, EV_READ);
	ev_init(&ec->delay, on_delay);
	ec->io.data = ec->delay.data = ec;
	conn_list_add(&srv->conns, &ec->conn);
	ev_io_start(srv->loop, &ec->io);
}

static void on_accept_ready(struct ev_loop *loop, ev_io *w, int revents)
{
	net_accept_batch(w->fd, false, add_conn, w->data);
}

static void sweep_close(struct conn *c, void *unused)
{
	close_conn((struct evconn *)c);
}

/* Once a second: close connections idle too long or trickling a head. */
static void on_sweep(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = w->data;

	conn_sweep(&srv->conns, srv->cfg, util_now_us(), sweep_close, NULL);
}

static void on_stop(struct ev_loop *loop, ev_io *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void start_server_watchers(struct server *srv, int listen_fd)
{
	ev_io_init(&srv->listener, on_accept_ready, listen_fd, EV_READ);
	ev_io_init(&srv->stop, on_stop, sig_fd(), EV_READ);
	ev_timer_init(&srv->sweep, on_sweep, CONN_SWEEP_US / 1e6, CONN_SWEEP_US / 1e6);
	srv->listener.data = srv->sweep.data = srv;
	ev_io_start(srv->loop, &srv->listener);
	ev_io_start(srv->loop, &srv->stop);
	ev_timer_start(srv->loop, &srv->sweep);
}

static void close_all(struct server *srv)
{
	while (srv->conns.head)
		close_conn((struct evconn *)srv->conns.head);
	ev_io_stop(srv->loop, &srv->listener);
	ev_io_stop(srv->loop, &srv->stop);
	ev_timer_stop(srv->loop, &srv->sweep);
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct server srv = {.cfg = cfg};

	/* EVFLAG_NOSIGMASK: leave the signal mask alone; lib/sig.c owns it. */
	if (net_set_nonblock(listen_fd) < 0 ||
	    (srv.loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK)) == NULL) {
		log_msg("cannot start the event loop: %s", strerror(errno));
		return -1;
	}
	start_server_watchers(&srv, listen_fd);
	/* A signal that came before the stop watcher started is still seen:
	 * the pipe stays readable. */
	ev_run(srv.loop, 0);
	close_all(&srv);
	ev_loop_destroy(srv.loop);
	return 0;
}

const struct model model = {
    .name = "libev",
    .about = "one thread, libev's loop (epoll) calling the shared handlers",
    .serve = serve,
};
