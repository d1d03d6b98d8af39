/*
 * io-uring - one thread, one loop, completions instead of readiness.
 *
 * epoll says which sockets are ready and leaves every read and write to the
 * program; io_uring (Linux 5.1, 2019) takes the operations themselves -
 * accept, receive, send, a timer - as entries in a ring shared with the
 * kernel, and hands their results back in another.  One io_uring_enter()
 * per loop turn submits all that was queued and waits, so a busy server
 * makes well under one system call per request.  Multishot accept and
 * receive stay armed across many results, and data lands in buffers the
 * kernel picks from a shared ring, so an idle connection owns none.  Good
 * at: many busy connections, few system calls.  Breaks when: the kernel is
 * older than 5.19 or io_uring is switched off (sysctl, a container's
 * seccomp filter), and like every single loop, on real CPU work.
 *
 * Special cases: conn.c's handlers are built on readiness ("readable: now
 * read"), which a completion API does not have, so this file feeds
 * session_process() itself, with the same buffer policy.  One send in flight
 * per connection, its output buffered only meanwhile.  The kernel accepts
 * every waiting connection per wakeup, not 64.  Kernels without multishot
 * (accept before 5.19, receive before 6.0) get one operation per submission.
 * Its close path, not conn_close(), frees the connection, so it calls
 * session_end() itself (a lines session's previous line).
 *
 * Links: liburing
 */
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "server.h"
#include "session.h"
#include "sig.h"
#include "stats.h"
#include "uring_setup.h"
#include "util.h"

#define SQ_ENTRIES 1024
#define CQ_ENTRIES 16384
/* The receive buffers the kernel picks from, shared by every connection:
 * this pool is what the per-thread scratch buffer is to conn.c. */
#define BUF_COUNT 256
#define BUF_SIZE (16 * 1024)
#define BUF_GROUP 0
/* Input held while a send is in flight; past it we stop receiving. */
#define IN_MAX (64 * 1024)
#define IN_MIN_CAP 1024

/* What a completion is for: the low bits of its user_data.  The rest is
 * the connection's address (malloc aligns to 16), or 0. */
enum op {
	OP_ACCEPT = 1,
	OP_LISTEN_READY,
	OP_RECV,
	OP_SEND,
	OP_DELAY,
	OP_SWEEP,
	OP_STOP,
	OP_CANCEL
};
#define OP_MASK 15u

struct uconn {
	struct conn conn;	/* fd, session, held input and output, sweep times */
	uint8_t receiving;	/* a receive is in flight (multishot or single) */
	uint8_t recv_cancelled; /* ... and we asked the kernel to cancel it */
	uint8_t sending;	/* a send is in flight; conn.out holds its bytes */
	uint8_t delaying;	/* a --delay-us timeout is in flight */
	uint8_t more_output;	/* the session filled its output: call it again */
	uint8_t peer_done;	/* the peer closed its side (receive returned 0) */
	uint8_t closed;		/* descriptor closed; freed once nothing is in flight */
	/* A push wait's length (it ends at the next publish tick, lib/push.h),
	 * read by the kernel when the timeout is submitted. */
	struct __kernel_timespec push_ts;
};

struct uring_loop {
	struct io_uring ring;
	const struct server_config *cfg;
	int listen_fd;
	int stopping;
	uint64_t listen_op;   /* OP_ACCEPT or OP_LISTEN_READY in flight, or 0 */
	int multishot_accept; /* cleared when the kernel says EINVAL (< 5.19) */
	int multishot_recv;   /* cleared when the kernel says EINVAL (< 6.0) */
	struct io_uring_buf_ring *buf_ring;
	char *bufs;		   /* BUF_COUNT x BUF_SIZE */
	char *out;		   /* the session writes here; copied out for a send */
	struct conn_list live;	   /* open connections, for the sweep */
	struct conn_list closing;  /* closed, waiting for their completions */
	struct conn_list released; /* nothing in flight: freed after the next submit */
	/* Read by the kernel when the timeout is submitted, so they must live
	 * until then; every --delay-us has the same length, so one will do
	 * (push waits have their own, in struct uconn). */
	struct __kernel_timespec delay_ts, sweep_ts;
};

/* ---- set-up: the ring, the features we need, the buffer ring ---- */

static void ring_init(struct uring_loop *l)
{
	struct io_uring_params p;
	int rc = uring_setup_best(&l->ring, SQ_ENTRIES, CQ_ENTRIES, &p);

	if (rc == -EPERM || rc == -ENOSYS)
		die("io_uring is not available here: %s (a kernel built without it, "
		    "the sysctl kernel.io_uring_disabled, or a seccomp filter)",
		    strerror(-rc));
	if (rc < 0)
		die("io_uring_queue_init: %s", strerror(-rc));
	if (!(p.features & IORING_FEAT_FAST_POLL))
		die("this kernel lacks IORING_FEAT_FAST_POLL (Linux 5.7): a receive "
		    "would tie up a kernel worker thread per idle connection");
	if (!(p.features & IORING_FEAT_NODROP))
		die("this kernel lacks IORING_FEAT_NODROP (Linux 5.5): completions could be lost");
}

static void check_opcodes(struct uring_loop *l)
{
	static const struct {
		int op;
		const char *name;
	} needed[] = {
	    {IORING_OP_ACCEPT, "ACCEPT"},     {IORING_OP_RECV, "RECV"},
	    {IORING_OP_SEND, "SEND"},	      {IORING_OP_TIMEOUT, "TIMEOUT"},
	    {IORING_OP_POLL_ADD, "POLL_ADD"}, {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
	};
	struct io_uring_probe *probe = io_uring_get_probe_ring(&l->ring);

	if (probe == NULL)
		die("cannot probe io_uring operations (kernel older than 5.6?)");
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!io_uring_opcode_supported(probe, needed[i].op))
			die("this kernel's io_uring lacks IORING_OP_%s", needed[i].name);
	io_uring_free_probe(probe);
}

/* Gives the kernel buffer id back, to be picked for a later receive. */
static void buf_recycle(struct uring_loop *l, unsigned id)
{
	io_uring_buf_ring_add(l->buf_ring, l->bufs + (size_t)id * BUF_SIZE, BUF_SIZE,
			      (unsigned short)id, io_uring_buf_ring_mask(BUF_COUNT), 0);
	io_uring_buf_ring_advance(l->buf_ring, 1);
}

static void bufs_init(struct uring_loop *l)
{
	size_t ring_size = BUF_COUNT * sizeof(struct io_uring_buf);
	struct io_uring_buf_reg reg = {.ring_entries = BUF_COUNT, .bgid = BUF_GROUP};
	int rc;

	l->buf_ring =
	    mmap(NULL, ring_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l->bufs = malloc((size_t)BUF_COUNT * BUF_SIZE);
	l->out = malloc(SESSION_OUT_MAX);
	if (l->buf_ring == MAP_FAILED || l->bufs == NULL || l->out == NULL)
		die("out of memory for the receive buffers");
	io_uring_buf_ring_init(l->buf_ring);
	reg.ring_addr = (uint64_t)(uintptr_t)l->buf_ring;
	rc = io_uring_register_buf_ring(&l->ring, &reg, 0);
	if (rc < 0)
		die("this kernel lacks provided-buffer rings (IORING_REGISTER_PBUF_RING, "
		    "Linux 5.19): %s",
		    strerror(-rc));
	for (unsigned id = 0; id < BUF_COUNT; id++)
		buf_recycle(l, id);
}

/* ---- submissions ---- */

static uint64_t tag(struct uconn *c, enum op op)
{
	return (uint64_t)(uintptr_t)c | op;
}

/* A free submission entry.  When the ring is full, what is queued goes to
 * the kernel now (the only extra io_uring_enter() this loop makes). */
static struct io_uring_sqe *sqe_get(struct uring_loop *l, uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&l->ring);

	if (sqe == NULL) {
		io_uring_submit(&l->ring);
		sqe = io_uring_get_sqe(&l->ring);
		if (sqe == NULL)
			die("io_uring submission queue stays full");
	}
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static void cancel(struct uring_loop *l, uint64_t user_data)
{
	io_uring_prep_cancel64(sqe_get(l, OP_CANCEL), user_data, 0);
}

static void arm_accept(struct uring_loop *l)
{
	struct io_uring_sqe *sqe = sqe_get(l, OP_ACCEPT);

	if (l->multishot_accept)
		io_uring_prep_multishot_accept(sqe, l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	else
		io_uring_prep_accept(sqe, l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	l->listen_op = OP_ACCEPT;
}

/* Out of descriptors, an accept fails at once even with nobody waiting
 * (the kernel takes the descriptor first), so re-arming it would spin.
 * Wait for a connection to be queued instead, then accept (or shed) it. */
static void arm_listen_ready(struct uring_loop *l)
{
	io_uring_prep_poll_add(sqe_get(l, OP_LISTEN_READY), l->listen_fd, POLLIN);
	l->listen_op = OP_LISTEN_READY;
}

/* The kernel picks the buffer (IOSQE_BUFFER_SELECT) when data arrives, so
 * a connection waiting for its next request holds none. */
static void arm_recv(struct uring_loop *l, struct uconn *c)
{
	struct io_uring_sqe *sqe = sqe_get(l, tag(c, OP_RECV));

	if (l->multishot_recv)
		io_uring_prep_recv_multishot(sqe, c->conn.fd, NULL, 0, 0);
	else
		io_uring_prep_recv(sqe, c->conn.fd, NULL, BUF_SIZE, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
	c->receiving = 1;
	c->recv_cancelled = 0;
}

static void arm_send(struct uring_loop *l, struct uconn *c)
{
	struct io_uring_sqe *sqe = sqe_get(l, tag(c, OP_SEND));

	io_uring_prep_send(sqe, c->conn.fd, c->conn.out + c->conn.out_off,
			   c->conn.out_len - c->conn.out_off, MSG_NOSIGNAL);
	c->sending = 1;
}

static void arm_delay(struct uring_loop *l, struct uconn *c)
{
	uint64_t now = util_now_us(), us = session_delay_us(&c->conn.session, l->cfg, now);
	struct __kernel_timespec *ts = &l->delay_ts;

	if (session_is_push(&c->conn.session)) {
		c->push_ts.tv_sec = (long long)(us / 1000000);
		c->push_ts.tv_nsec = (long long)(us % 1000000) * 1000;
		ts = &c->push_ts;
	}
	io_uring_prep_timeout(sqe_get(l, tag(c, OP_DELAY)), ts, 0, 0);
	c->delaying = 1;
	c->conn.deadline_us = now + us;
}

static void arm_sweep(struct uring_loop *l)
{
	io_uring_prep_timeout(sqe_get(l, OP_SWEEP), &l->sweep_ts, 0, 0);
}

static void arm_stop(struct uring_loop *l)
{
	io_uring_prep_poll_add(sqe_get(l, OP_STOP), sig_fd(), POLLIN);
}

/* ---- one connection ---- */

static void close_conn(struct uring_loop *l, struct uconn *c)
{
	if (c->receiving && !c->recv_cancelled)
		cancel(l, tag(c, OP_RECV));
	if (c->sending)
		cancel(l, tag(c, OP_SEND));
	if (c->delaying)
		cancel(l, tag(c, OP_DELAY));
	/* The operations in flight hold their own reference to the socket:
	 * it really closes when the last of them completes. */
	close(c->conn.fd);
	c->conn.fd = -1;
	session_end(&c->conn.session); /* conn_close()'s part, done here */
	free(c->conn.in);
	c->conn.in = NULL;
	c->conn.in_len = c->conn.in_cap = 0;
	c->closed = 1;
	conn_list_remove(&l->live, &c->conn);
	conn_list_add(&l->closing, &c->conn);
}

/* Makes conn.in hold at least need bytes, keeping what it holds.  (Input
 * held while a send is in flight can pass conn_grow_input()'s 64 KiB cap by
 * what arrives before our cancel of the receive takes effect.) */
static int reserve_input(struct uconn *c, size_t need)
{
	size_t cap = c->conn.in_cap ? c->conn.in_cap : IN_MIN_CAP;
	char *p;

	if (need <= c->conn.in_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = realloc(c->conn.in, cap);
	if (p == NULL)
		return -1;
	c->conn.in = p;
	c->conn.in_cap = (uint32_t)cap;
	return 0;
}

/* Appends received bytes behind the input the connection already holds. */
static int append_input(struct uconn *c, const char *data, size_t len)
{
	if (reserve_input(c, c->conn.in_len + len) < 0)
		return -1;
	memcpy(c->conn.in + c->conn.in_len, data, len);
	if (c->conn.head_start_us == 0)
		c->conn.head_start_us = util_now_us();
	c->conn.in_len += (uint32_t)len;
	return 0;
}

static const char *held_input(const struct uconn *c)
{
	return c->conn.in ? c->conn.in : "";
}

/* The session is done: stop sending, and read (and discard) until the
 * client closes, at most 2 s (conn_expired), so it gets our last answer. */
static void start_drain(struct uring_loop *l, struct uconn *c)
{
	if (c->peer_done || shutdown(c->conn.fd, SHUT_WR) < 0) {
		close_conn(l, c);
		return;
	}
	conn_mark_draining(&c->conn);
}

/* Sends l->out[0..len) from a copy that lives until the send completes. */
static void start_send(struct uring_loop *l, struct uconn *c, size_t len)
{
	c->conn.out = malloc(len);
	if (c->conn.out == NULL) {
		stats_add(STAT_IO_ERRORS, 1);
		close_conn(l, c);
		return;
	}
	memcpy(c->conn.out, l->out, len);
	c->conn.out_off = 0;
	c->conn.out_len = (uint32_t)len;
	arm_send(l, c);
}

/* Runs the session over data[0..len), keeps what it did not consume and
 * starts what it asks for: a send, a delay, or the end. */
static void run_session(struct uring_loop *l, struct uconn *c, const char *data, size_t len)
{
	const struct server_config *cfg = l->cfg;
	size_t off = 0, used, out_len = 0;
	enum session_step step;

	for (;;) {
		step = session_process(&c->conn.session, cfg, data + off, len - off, &used, l->out,
				       SESSION_OUT_MAX, &out_len);
		off += used;
		if (step != SESSION_DELAY || !cfg->delay_blocking)
			break;
		usleep((useconds_t)cfg->delay_us); /* the classic mistake, on purpose */
	}
	if (off > 0)
		c->conn.head_start_us = 0; /* a request ended: any partial one is new */
	conn_keep_input(&c->conn, data + off, len - off);
	c->more_output = step == SESSION_OUTPUT_FULL;
	if (step == SESSION_DELAY && out_len > 0)
		c->conn.delay_owed = 1; /* the delay starts once this output is out */
	else if (step == SESSION_DELAY)
		arm_delay(l, c);
	if (out_len > 0)
		start_send(l, c, out_len);
	else if (step == SESSION_CLOSE)
		start_drain(l, c);
}

/* The session may run only when nothing it started is still in flight. */
static int session_free(const struct uconn *c)
{
	return !c->closed && !c->sending && !c->delaying && !c->conn.delay_owed;
}

static void take_input(struct uring_loop *l, struct uconn *c, const char *data, size_t len)
{
	stats_add(STAT_BYTES_IN, len);
	c->conn.last_active_us = util_now_us();
	if (c->conn.draining || c->conn.session.closing)
		return; /* after the last answer, input is only discarded */
	if (c->conn.in_len == 0 && session_free(c)) {
		run_session(l, c, data, len); /* straight from the kernel's buffer */
		return;
	}
	if (append_input(c, data, len) < 0) {
		stats_add(STAT_IO_ERRORS, 1);
		close_conn(l, c);
		return;
	}
	if (session_free(c))
		run_session(l, c, c->conn.in, c->conn.in_len);
}

/* What comes after a finished send: the drain, the delay, or more session. */
static void after_send(struct uring_loop *l, struct uconn *c)
{
	free(c->conn.out);
	c->conn.out = NULL;
	c->conn.out_off = c->conn.out_len = 0;
	if (c->closed)
		return;
	if (c->conn.session.closing) {
		start_drain(l, c);
	} else if (c->conn.delay_owed) {
		c->conn.delay_owed = 0;
		arm_delay(l, c);
	} else if (c->more_output || c->conn.in_len > 0) {
		run_session(l, c, held_input(c), c->conn.in_len);
	}
}

static int nothing_in_flight(const struct uconn *c)
{
	return !c->receiving && !c->sending && !c->delaying;
}

/* Called once at the end of every completion for c, and after nothing
 * else: makes what is in flight match what c needs next - a receive while
 * it may take input, none while its held input is full (backpressure) - and
 * hands a closed connection over to be freed once the kernel is done. */
static void update(struct uring_loop *l, struct uconn *c)
{
	int want_recv;

	if (!c->closed && c->peer_done && !c->sending && !c->delaying && !c->conn.delay_owed)
		close_conn(l, c); /* the peer is gone and we owe it nothing */
	if (c->closed) {
		if (nothing_in_flight(c)) {
			conn_list_remove(&l->closing, &c->conn);
			conn_list_add(&l->released, &c->conn);
		}
		return;
	}
	want_recv = !c->peer_done && (c->conn.draining || c->conn.in_len < IN_MAX);
	if (want_recv && !c->receiving) {
		arm_recv(l, c);
	} else if (!want_recv && c->receiving && !c->recv_cancelled) {
		cancel(l, tag(c, OP_RECV));
		c->recv_cancelled = 1;
	}
}

/* ---- completions ---- */

static void on_recv(struct uring_loop *l, struct uconn *c, const struct io_uring_cqe *cqe)
{
	int res = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		c->receiving = 0;
	if (cqe->flags & IORING_CQE_F_BUFFER) {
		unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (res > 0 && !c->closed)
			take_input(l, c, l->bufs + (size_t)id * BUF_SIZE, (size_t)res);
		buf_recycle(l, id);
	}
	if (res == 0) {
		c->peer_done = 1;
	} else if (res == -EINVAL && l->multishot_recv) {
		l->multishot_recv = 0; /* before Linux 6.0: one receive per submission */
	} else if (res < 0 && res != -ENOBUFS && res != -ECANCELED && !c->closed) {
		stats_add(STAT_IO_ERRORS, 1); /* ECONNRESET and friends */
		close_conn(l, c);
	}
	/* -ENOBUFS: every buffer was taken; update() asks again. */
	update(l, c);
}

static void on_send(struct uring_loop *l, struct uconn *c, int res)
{
	c->sending = 0;
	if (res <= 0 || c->closed) {
		if (!c->closed) {
			stats_add(STAT_IO_ERRORS, 1); /* EPIPE, ECONNRESET */
			close_conn(l, c);
		}
		after_send(l, c);
		update(l, c);
		return;
	}
	stats_add(STAT_BYTES_OUT, (uint64_t)res);
	c->conn.last_active_us = util_now_us();
	c->conn.out_off += (uint32_t)res;
	if (c->conn.out_off < c->conn.out_len)
		arm_send(l, c); /* a short send: the rest */
	else
		after_send(l, c);
	update(l, c);
}

static void on_delay(struct uring_loop *l, struct uconn *c)
{
	c->delaying = 0;
	c->conn.deadline_us = 0;
	if (!c->closed && c->peer_done && session_is_push(&c->conn.session)) {
		close_conn(l, c); /* a subscriber that has gone: nothing more to send */
	} else if (!c->closed) {
		c->conn.last_active_us = util_now_us();
		run_session(l, c, held_input(c), c->conn.in_len);
	}
	update(l, c);
}

static void conn_start(struct uring_loop *l, int fd)
{
	struct uconn *c;

	if (l->stopping || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		stats_add(STAT_REFUSED, 1);
		return;
	}
	conn_init(&c->conn, fd, l->cfg->proto);
	conn_list_add(&l->live, &c->conn);
	update(l, c);
}

/* A connection the kernel accepted: the same options and counting as
 * net_accept() gives the other models. */
static void accepted(struct uring_loop *l, int fd)
{
	net_accepted(fd);
	conn_start(l, fd);
}

/* Out of descriptors: the failed accept left the connection queued.  Let
 * net_accept() take it on its spare descriptor and close it, so that the
 * accept we re-arm waits for a new one instead of failing again at once. */
static void shed_connection(struct uring_loop *l)
{
	struct pollfd p = {.fd = l->listen_fd, .events = POLLIN};

	if (poll(&p, 1, 0) == 1) {
		int fd = net_accept(l->listen_fd, false);
		if (fd >= 0)
			conn_start(l, fd); /* a descriptor was freed meanwhile */
	}
}

static void on_accept(struct uring_loop *l, const struct io_uring_cqe *cqe)
{
	if (!(cqe->flags & IORING_CQE_F_MORE))
		l->listen_op = 0;
	if (cqe->res >= 0) {
		accepted(l, cqe->res);
	} else if (cqe->res == -EINVAL) {
		if (!l->multishot_accept) {
			log_msg("accept: %s; no longer accepting", strerror(EINVAL));
			return;
		}
		l->multishot_accept = 0; /* before Linux 5.19: one accept per submission */
	} else if ((cqe->res == -EMFILE || cqe->res == -ENFILE) && !l->stopping) {
		shed_connection(l);
		arm_listen_ready(l);
		return;
	}
	if (!l->listen_op && !l->stopping)
		arm_accept(l);
}

static void sweep_close(struct conn *c, void *arg)
{
	close_conn(arg, (struct uconn *)c);
	update(arg, (struct uconn *)c);
}

/* Once a second: close connections idle too long or trickling a head. */
static void sweep(struct uring_loop *l)
{
	conn_sweep(&l->live, l->cfg, util_now_us(), sweep_close, l);
}

static void handle(struct uring_loop *l, const struct io_uring_cqe *cqe)
{
	struct uconn *c = (struct uconn *)(uintptr_t)(cqe->user_data & ~(uint64_t)OP_MASK);

	switch ((enum op)(cqe->user_data & OP_MASK)) {
	case OP_ACCEPT:
		on_accept(l, cqe);
		break;
	case OP_LISTEN_READY:
		l->listen_op = 0;
		if (!l->stopping)
			arm_accept(l);
		break;
	case OP_RECV:
		on_recv(l, c, cqe);
		break;
	case OP_SEND:
		on_send(l, c, cqe->res);
		break;
	case OP_DELAY:
		on_delay(l, c);
		break;
	case OP_SWEEP:
		sweep(l);
		if (!l->stopping)
			arm_sweep(l);
		break;
	case OP_STOP:
		l->stopping = 1;
		break;
	case OP_CANCEL:
		break;
	}
}

/* ---- the loop ---- */

static void reap(struct uring_loop *l)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&l->ring, head, cqe)
	{
		handle(l, cqe);
		n++;
	}
	io_uring_cq_advance(&l->ring, n);
}

/* Frees connections the kernel is done with.  Called right after a submit,
 * so that no cancel naming one of them is still queued: a new connection
 * at the same address must not be hit by it. */
static void free_released(struct uring_loop *l)
{
	while (l->released.head) {
		struct uconn *c = (struct uconn *)l->released.head;
		conn_list_remove(&l->released, &c->conn);
		free(c->conn.out);
		free(c);
	}
}

static int loop(struct uring_loop *l)
{
	arm_stop(l);
	arm_sweep(l);
	arm_accept(l);
	while (!l->stopping && !sig_stopping()) {
		/* The one system call per turn: submit everything, wait for one. */
		int rc = io_uring_submit_and_wait(&l->ring, 1);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME) {
			log_msg("io_uring_submit_and_wait: %s", strerror(-rc));
			return -1;
		}
		free_released(l);
		reap(l);
	}
	return 0;
}

/* Closes every connection and waits (at most half a second) for the kernel
 * to finish with them, so no buffer is freed under an operation. */
static void close_all(struct uring_loop *l)
{
	struct __kernel_timespec tick = {.tv_nsec = 50 * 1000 * 1000};
	struct io_uring_cqe *cqe;
	uint64_t end = util_now_us() + 500000;

	l->stopping = 1;
	while (l->live.head) {
		struct uconn *c = (struct uconn *)l->live.head;
		close_conn(l, c);
		update(l, c);
	}
	if (l->listen_op)
		cancel(l, l->listen_op);
	while ((l->closing.head || l->listen_op) && util_now_us() < end) {
		io_uring_submit_and_wait_timeout(&l->ring, &cqe, 1, &tick, NULL);
		free_released(l);
		reap(l);
	}
	free_released(l);
}

static void free_closing(struct uring_loop *l)
{
	while (l->closing.head) { /* only if the kernel did not finish in time */
		struct uconn *c = (struct uconn *)l->closing.head;
		conn_list_remove(&l->closing, &c->conn);
		free(c->conn.out);
		free(c);
	}
}

static int serve(int listen_fd, const struct server_config *cfg)
{
	struct uring_loop l = {.cfg = cfg,
			       .listen_fd = listen_fd,
			       .multishot_accept = 1,
			       .multishot_recv = 1,
			       .delay_ts = {.tv_sec = cfg->delay_us / 1000000,
					    .tv_nsec = (cfg->delay_us % 1000000) * 1000},
			       .sweep_ts = {.tv_sec = CONN_SWEEP_US / 1000000,
					    .tv_nsec = CONN_SWEEP_US % 1000000 * 1000}};
	int rc;

	ring_init(&l);
	check_opcodes(&l);
	bufs_init(&l);
	rc = loop(&l);
	/* Which mode ran, for the harness (a kernel may refuse multishot). */
	printf("io_uring: accept %s, receive %s\n",
	       l.multishot_accept ? "multishot" : "single-shot",
	       l.multishot_recv ? "multishot" : "single-shot");
	close_all(&l);
	io_uring_queue_exit(&l.ring);
	free_closing(&l);
	munmap(l.buf_ring, BUF_COUNT * sizeof(struct io_uring_buf));
	free(l.bufs);
	free(l.out);
	return rc;
}

const struct model model = {
    .name = "io-uring",
    .about = "one thread, io_uring: submit operations, reap completions",
    .serve = serve,
};
