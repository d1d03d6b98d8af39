/*
 * coroutines - async/await style: stackless coroutines over one epoll loop.
 *
 * Each connection's handler, connection() below, reads as straight-line
 * code: wait until the socket is readable, read, answer with the shared
 * session code, wait until the answer is sent, wait out the delay, loop.
 * Where blocking code would block, it awaits instead: it returns to the
 * event loop, and the loop calls it again when the socket is ready or the
 * timer has expired.  This is the shape of Python's asyncio, C#'s and
 * Rust's async functions, written by hand the way protothreads and Simon
 * Tatham's "Coroutines in C" do it.  Good at: epoll's memory and speed with
 * handler code that reads top to bottom.  Breaks when: a request needs real
 * CPU work or the handler calls something that blocks (one thread, nothing
 * preempts it, everyone waits), as for every single-threaded loop.
 *
 * How the macros work.  The whole body of connection() is one switch on
 * co->line, the line number at which it last suspended (0: not started).
 * CO_AWAIT_*() saves __LINE__ in co->line and returns what to wait for;
 * just after that return it places a `case __LINE__:` label, so the next
 * call's switch jumps straight back to the statement after the await, even
 * into the middle of a loop (Duff's device).  CO_BEGIN opens the switch,
 * CO_END closes it and marks the coroutine finished.  The awaits return from
 * the function on purpose, against the rule of no return hidden in a
 * macro: suspending is that return.
 *
 * What cannot be done, because the frame is thrown away at every await:
 * - no local variable keeps its value across an await; what must survive
 *   lives in struct co (the step, the connection's buffers and timers);
 * - no await inside a function that connection() calls: only the coroutine
 *   itself can return to the loop (the callee's frame would be lost), so
 *   helpers do non-blocking work and say "not yet" for the caller to await;
 * - one frame per connection, so one thing awaited at a time: waiting for
 *   input and for a timer at once would need a second coroutine and a way
 *   to join the two; and two awaits cannot share a line (one case label).
 * A compiler that supports async/await does this same transformation (a
 * state machine over a heap frame holding the live locals) automatically.
 *
 * Compared with green-threads (stackful): a green thread keeps a whole stack
 * (64 KiB mapped, at least a page touched) per connection, so any code,
 * however deep its calls, can block in it (it runs conn_serve_blocking()
 * unchanged); a stackless coroutine keeps only struct co, and only the
 * coroutine's own body may suspend.  Compared with the callback models
 * (epoll over lib/conn.c's conn_on_readable() and friends): the same state
 * machine, but written by hand there, one handler per event with the
 * "where was I" kept in flags (delay_owed, draining); here the compiler's
 * switch keeps it in one number.  Memory per idle connection: struct co,
 * 128 bytes on x86-64 (struct conn's 112, the resume line, the step and
 * the epoll mask; epoll's struct rconn is 120), and the kernel's socket;
 * no stack and no buffer.
 *
 * Fairness: conn.c's buffer policy, by hand as servers/libuv.c does it (a
 * shared 64 KiB read buffer and response buffer; a connection's own buffer
 * only for a partial request or output the socket would not take; no
 * reading while output is pending), its idle sweep and its delay FIFO;
 * level-triggered epoll and accept batching as lib/reactor.c.  Special
 * case: the loop is this file's, not lib/reactor.c's, which calls the
 * conn_on_* callbacks by design; epoll's data.ptr points at the frame, so
 * there is no table from descriptor to connection (8 bytes per descriptor
 * that epoll pays and this model does not).  With --delay-blocking the
 * coroutine calls usleep() instead of awaiting the timer: the classic
 * mistake, which stops every connection.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "session.h"
#include "sig.h"
#include "stats.h"
#include "util.h"

#define SCRATCH_SIZE (64 * 1024) /* as lib/conn.c */
#define MAX_EVENTS 256

/* A coroutine's frame: everything that must survive an await. */
struct co {
	struct conn conn; /* socket, session, held input/output, timeouts */
	int line;	  /* where to resume: 0 = at the start, -1 = finished */
	int step;	  /* the session's last step, or -1 after a write error */
	uint32_t events;  /* what epoll watches conn.fd for (0 = nothing) */
};

/* The frame around a connection the lists hand back. */
static struct co *co_of(struct conn *c)
{
	return (struct co *)((char *)c - offsetof(struct co, conn));
}

/* ---- the coroutine macros ---- */

/* Opens the switch that jumps to where the last await left off. */
#define CO_BEGIN(co)                                                                               \
	switch ((co)->line) {                                                                      \
	case 0:

/* Saves where we are and returns want to the loop; the next call's switch
 * lands on the case label right after the return. */
#define CO_AWAIT(co, want)                                                                         \
	do {                                                                                       \
		(co)->line = __LINE__;                                                             \
		return (want);                                                                     \
	case __LINE__:;                                                                            \
	} while (0)

/* A coroutine serves one socket, co->conn.fd, so the fd is implied. */
#define CO_AWAIT_READABLE(co) CO_AWAIT(co, CONN_WANT_READ)
#define CO_AWAIT_WRITABLE(co) CO_AWAIT(co, CONN_WANT_WRITE)

/* Every sleep here is --delay-us long, or ends at the next publish tick of
 * server push, so deadlines expire in the order they were set and the loop
 * keeps them in a FIFO (lib/conn.h's conn_fifo). */
#define CO_AWAIT_SLEEP(co, us)                                                                     \
	do {                                                                                       \
		(co)->conn.deadline_us = util_now_us() + (uint64_t)(us);                           \
		CO_AWAIT(co, CONN_WANT_TIMER);                                                     \
	} while (0)

/* Closes the switch; a finished coroutine asks to be closed, and a call
 * after that (line -1 matches no case) lands here again. */
#define CO_END(co)                                                                                 \
	}                                                                                          \
	(co)->line = -1;                                                                           \
	return CONN_WANT_CLOSE

/* ---- the loop's state ---- */

struct loop {
	const struct server_config *cfg;
	int epfd, listen_fd;
	struct conn_list conns;	   /* every coroutine, for the sweep and the stop */
	struct conn_fifo sleeping; /* in CO_AWAIT_SLEEP, earliest deadline first */
	uint64_t next_sweep_us;
};

/* One loop: the model is single-threaded by design. */
static struct loop loop;
/* Shared by every coroutine, so valid only until the next await. */
static char scratch_in[SCRATCH_SIZE], scratch_out[SCRATCH_SIZE];
/* Tags for the two descriptors in the epoll set that are not connections. */
static char listen_tag, stop_tag;

/* ---- non-blocking helpers the coroutine calls (they never await) ---- */

/* Reads what the socket has: behind the held partial request if there is
 * one, else into scratch_in.  Sets *data and returns the bytes now in it
 * (held plus new); returns 0 at end of stream or on an error, and -1 when
 * nothing is there yet. */
static ssize_t read_input(struct conn *c, const char **data)
{
	char *buf = scratch_in;
	size_t cap = SCRATCH_SIZE;
	ssize_t n;

	if (c->in_len) {
		if (conn_grow_input(c) < 0)
			return 0; /* a request head larger than 64 KiB */
		buf = c->in + c->in_len;
		cap = c->in_cap - c->in_len;
	}
	n = read(c->fd, buf, cap);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n <= 0) {
		if (n < 0)
			stats_add(STAT_IO_ERRORS, 1);
		return 0;
	}
	stats_add(STAT_BYTES_IN, (uint64_t)n);
	c->last_active_us = util_now_us();
	if (c->in_len == 0) {
		*data = scratch_in;
		return n;
	}
	c->in_len += (uint32_t)n;
	*data = c->in;
	return c->in_len;
}

/* Runs the session over data[0..len) (fresh bytes in scratch_in, or the
 * held input c->in) and writes what it answers.  Before the coroutine may
 * await, everything is moved out of the shared buffers: the unconsumed
 * input to c->in, what the socket would not take to c->out.  Returns the
 * session's last step, or -1 on a write error. */
static int serve_input(struct conn *c, const struct server_config *cfg, const char *data,
		       size_t len)
{
	size_t off = 0, used, out_len = 0;
	enum session_step step;
	int kept = 0;

	for (;;) {
		step = session_process(&c->session, cfg, data + off, len - off, &used, scratch_out,
				       SCRATCH_SIZE, &out_len);
		off += used;
		if (step != SESSION_OUTPUT_FULL)
			break;
		kept = conn_write_or_keep(c, scratch_out, out_len);
		out_len = 0;
		if (kept != 0)
			break;
	}
	if (off > 0)
		c->head_start_us = 0; /* a request ended: any partial one is new */
	conn_keep_input(c, data + off, len - off);
	if (kept == 0 && out_len > 0)
		kept = conn_write_or_keep(c, scratch_out, out_len);
	return kept < 0 ? -1 : (int)step;
}

/* Reads and throws away what the client still sends after our last answer.
 * Returns as read_input(). */
static ssize_t discard_input(struct conn *c)
{
	ssize_t n = read(c->fd, scratch_in, SCRATCH_SIZE);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	return n > 0 ? n : 0;
}

/* ---- the coroutine: one connection, start to end ---- */

static enum conn_want connection(struct co *co, const struct server_config *cfg)
{
	struct conn *c = &co->conn;
	const char *data = NULL; /* valid only until the next await */
	ssize_t n;

	CO_BEGIN(co);
	for (;;) {
		CO_AWAIT_READABLE(co);
		n = read_input(c, &data);
		if (n < 0)
			continue; /* woken, but nothing to read yet */
		if (n == 0)
			break;
		co->step = serve_input(c, cfg, data, (size_t)n);
		while (co->step >= 0) {
			while (c->out != NULL && co->step >= 0) { /* back-pressure */
				CO_AWAIT_WRITABLE(co);
				if (conn_write_held(c) < 0)
					co->step = -1;
			}
			if (co->step == SESSION_DELAY && cfg->delay_blocking)
				usleep((useconds_t)cfg->delay_us); /* the mistake, on purpose */
			else if (co->step == SESSION_DELAY) {
				CO_AWAIT_SLEEP(co,
					       session_delay_us(&c->session, cfg, util_now_us()));
				c->last_active_us = util_now_us();
				if (session_is_push(&c->session)) {
					/* A subscriber's tick: what it sent while it
					 * slept, or its end (lib/push.h). */
					n = read_input(c, &data);
					if (n == 0) {
						co->step = -1;
						break;
					}
					if (n > 0) {
						co->step = serve_input(c, cfg, data, (size_t)n);
						continue;
					}
				}
			} else if (co->step != SESSION_OUTPUT_FULL)
				break;
			co->step = serve_input(c, cfg, c->in, c->in_len);
		}
		if (co->step != SESSION_NEED_INPUT)
			break;
	}
	/* After the last answer: send FIN and read until the client closes, so
	 * it gets the answer rather than a reset (the sweep bounds this). */
	if (co->step == SESSION_CLOSE && shutdown(c->fd, SHUT_WR) == 0) {
		conn_mark_draining(c);
		while (discard_input(c) != 0)
			CO_AWAIT_READABLE(co);
	}
	CO_END(co);
}

/* ---- the event loop: resume whichever coroutine can go on ---- */

/* Makes epoll watch the connection for events (0: nothing), as lib/reactor.c
 * does: a system call only when that changes. */
static int watch(struct co *co, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = co};
	int op = co->events == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (co->events == events)
		return 0;
	if (epoll_ctl(loop.epfd, op, co->conn.fd, &ev) < 0)
		return -1;
	co->events = events;
	return 0;
}

static void close_co(struct co *co)
{
	watch(co, 0);
	conn_list_remove(&loop.conns, &co->conn);
	conn_close(&co->conn);
	free(co);
}

/* Runs co until its next await (or its end), then waits for what it awaits. */
static void resume(struct co *co)
{
	enum conn_want want = connection(co, loop.cfg);
	uint32_t events = want == CONN_WANT_READ ? EPOLLIN : want == CONN_WANT_WRITE ? EPOLLOUT : 0;

	if (want == CONN_WANT_CLOSE || watch(co, events) < 0) {
		close_co(co);
		return;
	}
	if (want == CONN_WANT_TIMER)
		conn_fifo_push(&loop.sleeping, &co->conn);
}

/* Takes one accepted connection (net_accept_batch's callback): starting a
 * coroutine is calling it; it runs to its first await. */
static void start_connection(void *unused, int fd)
{
	struct co *co = calloc(1, sizeof(*co));

	if (co == NULL) {
		close(fd);
		stats_add(STAT_REFUSED, 1);
		return;
	}
	conn_init(&co->conn, fd, loop.cfg->proto);
	conn_list_add(&loop.conns, &co->conn);
	resume(co);
}

static void wake_sleepers(uint64_t now)
{
	struct conn *c;

	while ((c = conn_fifo_pop_expired(&loop.sleeping, now)) != NULL) {
		c->last_active_us = now;
		resume(co_of(c));
	}
}

/* The sweep may end a coroutine wherever it is suspended: it has no stack to
 * unwind, so freeing its frame is all there is to it. */
static void sweep_close(struct conn *c, void *unused)
{
	close_co(co_of(c));
}

static void sweep(uint64_t now)
{
	if (now < loop.next_sweep_us)
		return;
	loop.next_sweep_us = now + CONN_SWEEP_US;
	conn_sweep(&loop.conns, loop.cfg, now, sweep_close, NULL);
}

/* Waits for ready sockets, the next deadline or the sweep, whichever is
 * first, and resumes the coroutines that can go on. */
static int run_once(void)
{
	struct epoll_event ev[MAX_EVENTS];
	uint64_t now = util_now_us();
	uint64_t until_sweep = loop.next_sweep_us > now ? loop.next_sweep_us - now : 0;
	uint64_t us = conn_fifo_timeout_us(&loop.sleeping, now, until_sweep);
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000),
			      .tv_nsec = (long)(us % 1000000) * 1000};
	int n = epoll_pwait2(loop.epfd, ev, MAX_EVENTS, &ts, NULL);

	if (n < 0 && errno != EINTR) {
		log_msg("epoll_pwait2: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (ev[i].data.ptr == &listen_tag)
			net_accept_batch(loop.listen_fd, false, start_connection, NULL);
		else if (ev[i].data.ptr != &stop_tag)
			resume(ev[i].data.ptr);
	}
	now = util_now_us();
	wake_sleepers(now);
	sweep(now);
	return 0;
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct epoll_event listen_ev = {.events = EPOLLIN, .data.ptr = &listen_tag};
	struct epoll_event stop_ev = {.events = EPOLLIN, .data.ptr = &stop_tag};
	int rc = 0;

	loop.cfg = cfg;
	loop.listen_fd = listen_fd;
	if (net_set_nonblock(listen_fd) < 0)
		die("cannot make the listening socket non-blocking: %s", strerror(errno));
	loop.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop.epfd < 0 || epoll_ctl(loop.epfd, EPOLL_CTL_ADD, sig_fd(), &stop_ev) < 0 ||
	    epoll_ctl(loop.epfd, EPOLL_CTL_ADD, listen_fd, &listen_ev) < 0)
		die("cannot set up epoll: %s", strerror(errno));
	while (rc == 0 && !sig_stopping())
		rc = run_once();
	while (loop.conns.head != NULL)
		close_co(co_of(loop.conns.head));
	close(loop.epfd);
	return rc;
}

const struct model model = {
    .name = "coroutines",
    .about = "one thread, epoll, a stackless coroutine (switch on a line number) per connection",
    .serve = serve,
};
