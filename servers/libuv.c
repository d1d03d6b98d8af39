/*
 * libuv - one thread, one loop, and libuv's stream API: "here are bytes".
 *
 * libuv (2011) is the loop under Node.js.  Its interface is closer to a
 * proactor than to a reactor: the program does not read when a socket is
 * ready, libuv reads and calls back with the bytes (uv_read_start), and a
 * write is a request that completes later (uv_write).  So lib/conn.c's
 * readiness handlers, which do their own read() and write(), do not fit:
 * this file feeds the bytes to session_process() itself and keeps conn.c's
 * buffer policy by hand (a shared 64 KiB read buffer, a connection's own
 * buffer only for a partial request or for output the socket would not
 * take, no reading while output is pending).  Good at: the same as epoll,
 * behind a portable API that also runs files, DNS and processes.  Breaks
 * when: a request needs real CPU work or a handler blocks.  Special cases:
 * libuv does its own accept() (Debian 12's 1.44 takes every pending
 * connection per wakeup, not 64) and its own EMFILE trick, so connections
 * it sheds are not in the refused count.  Its close path, not conn_close(),
 * frees the connection, so it calls session_end() itself (a lines
 * session's previous line).
 *
 * Links: libuv
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "conn.h"
#include "server.h"
#include "session.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

#define SCRATCH_SIZE (64 * 1024) /* as lib/conn.c */
#define SWEEP_MS (CONN_SWEEP_US / 1000)

struct server {
	uv_loop_t loop;
	const struct server_config *cfg;
	uv_tcp_t listener;
	uv_poll_t stop;	  /* sig_fd(): libuv's own signal handling would
			   * replace lib/sig.c's handlers */
	uv_timer_t sweep; /* idle and header timeouts, once a second */
	uv_timer_t delay; /* the earliest --delay-us deadline */
	struct conn_list conns;
	struct conn_fifo delayed;	/* waiting on --delay-us, oldest first */
	char scratch_in[SCRATCH_SIZE];	/* every read without a partial request */
	char scratch_out[SCRATCH_SIZE]; /* every response, before it is sent */
};

/* A connection.  struct conn holds the state every event model keeps (the
 * session, the partial input, the timeouts); the readiness handlers of
 * lib/conn.c are not used, only its fields and its lists. */
struct uconn {
	struct conn conn; /* first: the lists hand back a struct conn */
	uv_tcp_t tcp;	  /* tcp.data points back here */
	uint8_t reading;  /* between uv_read_start and uv_read_stop */
};

/* Output the socket would not take now, and libuv's request to send it. */
struct pending_write {
	uv_write_t req;
	size_t len;
	char data[];
};

static void run_session(struct uconn *u, const char *data, size_t len);

static struct server *server_of(struct uconn *u)
{
	return u->tcp.loop->data;
}

static void on_closed(uv_handle_t *handle)
{
	free(handle->data);
}

/* Starts closing the connection; libuv calls on_closed (which frees it)
 * after cancelling its pending write, so nothing else frees it. */
static void close_conn(struct uconn *u)
{
	if (uv_is_closing((uv_handle_t *)&u->tcp))
		return;
	conn_list_remove(&server_of(u)->conns, &u->conn);
	session_end(&u->conn.session); /* conn_close()'s part, done here */
	free(u->conn.in);
	u->conn.in = NULL;
	u->conn.in_len = u->conn.in_cap = 0;
	uv_close((uv_handle_t *)&u->tcp, on_closed);
}

/* libuv asks where to put the next read: behind the partial request if
 * there is one, else the loop's scratch buffer.  A zero-length buffer (a
 * partial request at its cap) makes libuv report UV_ENOBUFS. */
static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct uconn *u = handle->data;
	struct conn *c = &u->conn;

	if (c->in_len == 0) {
		*buf = uv_buf_init(server_of(u)->scratch_in, SCRATCH_SIZE);
		return;
	}
	if (conn_grow_input(c) < 0)
		*buf = uv_buf_init(NULL, 0);
	else
		*buf = uv_buf_init(c->in + c->in_len, c->in_cap - c->in_len);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void start_reading(struct uconn *u)
{
	if (u->reading)
		return;
	if (uv_read_start((uv_stream_t *)&u->tcp, on_alloc, on_read) < 0) {
		close_conn(u);
		return;
	}
	u->reading = 1;
}

/* Backpressure, and the delay: no more input until we are ready for it. */
static void stop_reading(struct uconn *u)
{
	uv_read_stop((uv_stream_t *)&u->tcp);
	u->reading = 0;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct uconn *u = stream->data;
	struct conn *c = &u->conn;

	if (nread == 0)
		return;	 /* libuv's EAGAIN */
	if (nread < 0) { /* EOF: all our output is sent, as we stop reading till then */
		if (nread != UV_EOF && nread != UV_ENOBUFS && !c->draining)
			stats_add(STAT_IO_ERRORS, 1);
		close_conn(u);
		return;
	}
	if (c->draining)
		return; /* after our last answer: discard until EOF */
	stats_add(STAT_BYTES_IN, (uint64_t)nread);
	c->last_active_us = util_now_us();
	if (buf->base == server_of(u)->scratch_in) {
		run_session(u, buf->base, (size_t)nread);
		return;
	}
	c->in_len += (uint32_t)nread;
	run_session(u, c->in, c->in_len);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	free(req);
}

/* The session is done: send FIN once the output is out, and read until the
 * client closes (the sweep bounds that to 2 s), so it gets our last answer
 * instead of a reset. */
static void start_drain(struct uconn *u)
{
	uv_shutdown_t *req = malloc(sizeof(*req));

	if (req == NULL || uv_shutdown(req, (uv_stream_t *)&u->tcp, on_shutdown) < 0) {
		free(req);
		close_conn(u);
		return;
	}
	conn_mark_draining(&u->conn);
	start_reading(u);
}

static void on_delay(uv_timer_t *timer);

/* Sets the loop's one delay timer for the oldest deadline.  Every delay has
 * the same length, so deadlines expire in the order they were set and one
 * timer over a FIFO replaces a timer per connection (152 bytes each). */
static void arm_delay_timer(struct server *srv)
{
	uint64_t now = util_now_us();

	if (srv->delayed.head == NULL)
		return;
	uv_update_time(&srv->loop); /* libuv counts from its cached time */
	uv_timer_start(&srv->delay, on_delay,
		       (uint64_t)conn_fifo_timeout_ms(&srv->delayed, now, SWEEP_MS), 0);
}

static void start_delay(struct uconn *u)
{
	struct server *srv = server_of(u);

	uint64_t now = util_now_us();

	stop_reading(u);
	u->conn.deadline_us = now + session_delay_us(&u->conn.session, srv->cfg, now);
	conn_fifo_push(&srv->delayed, &u->conn);
	if (!uv_is_active((uv_handle_t *)&srv->delay))
		arm_delay_timer(srv);
}

/* A push subscriber's tick (lib/push.h).  It was not read while it waited
 * (reading is stopped during a delay), so read here, once, what it sent
 * meanwhile - WebSocket frames, or the end of the stream - straight from the
 * socket as lib/conn.c does, and run the session, which also writes the
 * events due.  libuv would only report the same bytes a loop turn later. */
static void push_tick(struct uconn *u)
{
	struct server *srv = server_of(u);
	struct conn *c = &u->conn;
	char *buf = srv->scratch_in;
	size_t cap = SCRATCH_SIZE;
	ssize_t n;

	if (c->in_len > 0 && conn_grow_input(c) == 0) {
		buf = c->in + c->in_len;
		cap = c->in_cap - c->in_len;
	} else if (c->in_len > 0) {
		cap = 0; /* full: it holds a whole frame */
	}
	n = cap ? read(c->fd, buf, cap) : -1;
	if (n == 0 || (n < 0 && cap && errno != EAGAIN && errno != EINTR)) {
		close_conn(u); /* the subscriber has gone */
		return;
	}
	if (n > 0)
		stats_add(STAT_BYTES_IN, (uint64_t)n);
	n = n > 0 ? n : 0;
	if (c->in_len > 0) {
		c->in_len += (uint32_t)n;
		run_session(u, c->in, c->in_len);
	} else {
		run_session(u, srv->scratch_in, (size_t)n);
	}
}

/* Resumes the sessions whose delay is over.  The sweep calls it too, so it
 * never sees a connection whose deadline passed but is still queued. */
static void fire_delays(struct server *srv, uint64_t now)
{
	struct conn *c;

	while ((c = conn_fifo_pop_expired(&srv->delayed, now)) != NULL) {
		c->last_active_us = now;
		if (session_is_push(&c->session)) {
			push_tick((struct uconn *)c);
			continue;
		}
		/* With no input held, an empty buffer rather than NULL: the
		 * parser's memchr() must not be handed NULL, even for 0 bytes. */
		run_session((struct uconn *)c, c->in ? c->in : srv->scratch_in, c->in_len);
	}
}

static void on_delay(uv_timer_t *timer)
{
	struct server *srv = timer->loop->data;

	fire_delays(srv, util_now_us());
	arm_delay_timer(srv);
}

/* All output is out: what to do next. */
static void after_output(struct uconn *u)
{
	struct conn *c = &u->conn;

	if (c->session.closing) {
		start_drain(u);
	} else if (c->delay_owed) {
		c->delay_owed = 0;
		start_delay(u);
	} else {
		start_reading(u);
	}
}

static void on_written(uv_write_t *req, int status)
{
	struct pending_write *w = (struct pending_write *)req;
	struct uconn *u = req->handle->data;
	size_t len = w->len;

	free(w);
	if (uv_is_closing((uv_handle_t *)&u->tcp))
		return; /* cancelled by close_conn */
	if (status < 0) {
		stats_add(STAT_IO_ERRORS, 1);
		close_conn(u);
		return;
	}
	stats_add(STAT_BYTES_OUT, len);
	u->conn.last_active_us = util_now_us();
	if (u->conn.in_len > 0 && !u->conn.session.closing && !u->conn.delay_owed)
		run_session(u, u->conn.in, u->conn.in_len); /* input held back */
	else
		after_output(u);
}

enum send_result { SENT_ALL, SENT_PART, SEND_FAILED };

/* Writes out[0..len) now if the socket takes it (uv_try_write, no copy);
 * copies the rest into a pending write that libuv sends when it can. */
static enum send_result send_or_queue(struct uconn *u, const char *out, size_t len)
{
	uv_buf_t buf = uv_buf_init((char *)out, (unsigned)len);
	struct pending_write *w;
	int n = uv_try_write((uv_stream_t *)&u->tcp, &buf, 1);

	if (n < 0 && n != UV_EAGAIN) {
		stats_add(STAT_IO_ERRORS, 1);
		return SEND_FAILED;
	}
	n = n < 0 ? 0 : n;
	stats_add(STAT_BYTES_OUT, (uint64_t)n);
	if ((size_t)n == len)
		return SENT_ALL;
	w = malloc(sizeof(*w) + len - (size_t)n);
	if (w == NULL)
		die("out of memory for output buffer");
	w->len = len - (size_t)n;
	memcpy(w->data, out + n, w->len);
	buf = uv_buf_init(w->data, (unsigned)w->len);
	if (uv_write(&w->req, (uv_stream_t *)&u->tcp, &buf, 1, on_written) < 0) {
		free(w);
		stats_add(STAT_IO_ERRORS, 1);
		return SEND_FAILED;
	}
	return SENT_PART;
}

/* Runs the session over data[0..len) and sends what it produces; the same
 * steps as lib/conn.c's run_session, with libuv's writes. */
static void run_session(struct uconn *u, const char *data, size_t len)
{
	struct server *srv = server_of(u);
	struct conn *c = &u->conn;
	size_t off = 0, used, out_len = 0;
	enum send_result sent = SENT_ALL;
	enum session_step step;

	for (;;) {
		step = session_process(&c->session, srv->cfg, data + off, len - off, &used,
				       srv->scratch_out, SCRATCH_SIZE, &out_len);
		off += used;
		if (step == SESSION_DELAY && srv->cfg->delay_blocking) {
			usleep((useconds_t)srv->cfg->delay_us); /* the mistake, on purpose */
			continue;
		}
		if (step != SESSION_OUTPUT_FULL)
			break;
		sent = send_or_queue(u, srv->scratch_out, out_len);
		out_len = 0;
		if (sent != SENT_ALL)
			break;
	}
	if (off > 0)
		c->head_start_us = 0; /* a request ended: any partial one is new */
	conn_keep_input(c, data + off, len - off);
	if (sent == SENT_ALL && out_len > 0)
		sent = send_or_queue(u, srv->scratch_out, out_len);
	if (step == SESSION_DELAY)
		c->delay_owed = 1;
	if (sent == SEND_FAILED)
		close_conn(u);
	else if (sent == SENT_PART)
		stop_reading(u); /* on_written carries on */
	else
		after_output(u);
}

static void on_connection(uv_stream_t *listener, int status)
{
	static struct log_limit accept_errors;
	struct server *srv = listener->loop->data;
	struct uconn *u;
	uv_os_fd_t fd;

	if (status < 0) {
		log_every(&accept_errors, 1000000, "accept: %s", uv_strerror(status));
		return;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		die("out of memory for a connection");
	uv_tcp_init(&srv->loop, &u->tcp);
	u->tcp.data = u;
	if (uv_accept(listener, (uv_stream_t *)&u->tcp) < 0 ||
	    uv_fileno((uv_handle_t *)&u->tcp, &fd) < 0) {
		uv_close((uv_handle_t *)&u->tcp, on_closed);
		return;
	}
	/* The same options as net_accept() gives every other model. */
	uv_tcp_nodelay(&u->tcp, 1);
	stats_add(STAT_CONNECTIONS, 1);
	conn_init(&u->conn, fd, srv->cfg->proto);
	conn_list_add(&srv->conns, &u->conn);
	start_reading(u);
}

static void sweep_close(struct conn *c, void *unused)
{
	close_conn((struct uconn *)c);
}

/* Once a second: close connections idle too long or trickling a head. */
static void on_sweep(uv_timer_t *timer)
{
	struct server *srv = timer->loop->data;
	uint64_t now = util_now_us();

	fire_delays(srv, now);
	conn_sweep(&srv->conns, srv->cfg, now, sweep_close, NULL);
}

/* Closes every handle; uv_run() returns once they are all closed. */
static void close_everything(struct server *srv)
{
	while (srv->conns.head)
		close_conn((struct uconn *)srv->conns.head);
	srv->delayed = (struct conn_fifo){NULL, NULL};
	uv_close((uv_handle_t *)&srv->listener, NULL);
	uv_close((uv_handle_t *)&srv->stop, NULL);
	uv_close((uv_handle_t *)&srv->sweep, NULL);
	uv_close((uv_handle_t *)&srv->delay, NULL);
}

static void on_stop(uv_poll_t *handle, int status, int events)
{
	close_everything(handle->loop->data);
}

/* libuv closes the socket it is given when the handle closes; main closes
 * listen_fd itself, so libuv gets a duplicate. */
static int open_listener(struct server *srv, int listen_fd)
{
	int fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return uv_translate_sys_error(errno);
	rc = uv_tcp_open(&srv->listener, fd);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return uv_listen((uv_stream_t *)&srv->listener, srv->cfg->backlog, on_connection);
}

/* Starts the server's handles (initialised by serve).  Returns 0 or a
 * libuv error. */
static int start_server(struct server *srv, int listen_fd)
{
	/* A signal that came before this is still seen: the pipe stays readable. */
	int rc = uv_poll_start(&srv->stop, UV_READABLE, on_stop);

	if (rc == 0)
		rc = uv_timer_start(&srv->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
	if (rc == 0)
		rc = open_listener(srv, listen_fd);
	return rc;
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct server *srv = calloc(1, sizeof(*srv));
	int rc = srv ? uv_loop_init(&srv->loop) : UV_ENOMEM;

	if (rc == 0 && (rc = uv_poll_init(&srv->loop, &srv->stop, sig_fd())) < 0)
		uv_loop_close(&srv->loop);
	if (rc < 0) {
		log_msg("cannot start the event loop: %s", uv_strerror(rc));
		free(srv);
		return -1;
	}
	srv->cfg = cfg;
	srv->loop.data = srv;
	uv_tcp_init(&srv->loop, &srv->listener);
	uv_timer_init(&srv->loop, &srv->sweep);
	uv_timer_init(&srv->loop, &srv->delay);
	rc = start_server(srv, listen_fd);
	if (rc < 0) {
		log_msg("cannot serve: %s", uv_strerror(rc));
		close_everything(srv);
	}
	uv_run(&srv->loop, UV_RUN_DEFAULT); /* until every handle is closed */
	if (uv_loop_close(&srv->loop) < 0)
		log_msg("event loop closed with handles still open");
	free(srv);
	return rc < 0 ? -1 : 0;
}

const struct model model = {
    .name = "libuv",
    .about = "one thread, libuv's stream API: read callbacks with bytes, write requests",
    .serve = serve,
};
