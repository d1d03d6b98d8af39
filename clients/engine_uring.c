/*
 * engine_uring.c - the completion engine (--engine io_uring): the thread
 * queues its connects, sends and receives in an io_uring, the kernel does
 * them and reports each result, and one io_uring_enter() per loop turn
 * both submits everything queued and waits for results.
 *
 * Where the system calls go: epoll costs a recv(), a send() and a share of
 * an epoll_wait() per request.  Here a request costs a send entry, the
 * completion of a receive, and a share of the one io_uring_enter() of its
 * loop turn: the more connections answer in one turn, the fewer system
 * calls (and sleeps) per request.  Handled as they come, answers come one
 * a turn, so in the closed loop the engine waits up to --batch-us for
 * several (see uring_wait()).
 *
 *   - Receives are multishot (IORING_OP_RECV with IORING_RECV_MULTISHOT,
 *     Linux 6.0): armed once per connection, they report every arrival
 *     until the socket closes.  The kernel picks the buffer from a ring of
 *     provided buffers (Linux 5.19), so a connection waiting for its
 *     answer holds none; a buffer goes back to the ring as soon as its
 *     bytes are parsed.  On a kernel without multishot receive, the engine
 *     says so once and arms one receive per read instead (also forced by
 *     LOADGEN_URING_SINGLESHOT=1, so the tests cover that path).
 *   - The timerfd the loop arms is read through the ring, so the timer
 *     needs no system call of its own to be waited for.
 *   - The ring is made with SINGLE_ISSUER and DEFER_TASKRUN (Linux 6.1)
 *     where the kernel has them: completions are run in our thread when
 *     we wait, not by interrupting it; COOP_TASKRUN (5.19) otherwise.
 *   - Nothing is allocated per request: the buffers, the per-connection
 *     state and the ring are made once per thread.
 *
 * An operation's user_data says what it was and for which socket: the op
 * in the top 8 bits, the client's gen (its low 24 bits) and its index
 * (client_tag()).  A socket is closed by cancelling what is in flight on
 * it and closing the descriptor at once: the operations hold their own
 * reference, so the socket really closes when the cancellations complete,
 * and their late reports carry a stale gen and are dropped.
 */
#include "client.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "uring_setup.h"

#define BUF_SIZE 4096
#define BUF_GROUP 0
#define MAX_BUFS 8192	    /* a provided-buffer ring holds at most 32768 */
#define MAX_SQ_ENTRIES 4096 /* more is submitted early when the queue fills */

#define OP_SHIFT 56
#define GEN_MASK 0x00ffffffu
enum op { OP_CANCEL, OP_TIMER, OP_CONNECT, OP_RECV, OP_SEND };
enum busy { BUSY_CONNECT = 1, BUSY_RECV = 2, BUSY_SEND = 4 };

struct uring_state {
	struct io_uring ring;
	struct io_uring_buf_ring *bufring;
	char *bufs;	    /* nbufs x BUF_SIZE, handed to the kernel by id */
	unsigned nbufs;	    /* a power of two */
	size_t bufring_len; /* mmap'ed length of bufring */
	bool multishot;	    /* cleared when the kernel says EINVAL (< 6.0) */
	bool timer_fired;
	int tfd;
	uint64_t expirations; /* the timerfd read lands here */
	uint8_t *busy;	      /* per client: enum busy bits in flight on its socket */
	/* --batch-us: wait up to batch_ts for batch_nr completions; after
	 * a wait that brought nothing, block for one instead (idle). */
	struct __kernel_timespec batch_ts;
	unsigned batch_nr;
	bool idle;
};

static uint64_t op_tag(struct client_group *g, struct client *c, enum op op)
{
	return (uint64_t)op << OP_SHIFT | (client_tag(g, c) & ~(0xffull << OP_SHIFT));
}

/* A free submission entry.  When the queue is full, what is queued goes to
 * the kernel now (the only io_uring_enter() besides the loop's own). */
static struct io_uring_sqe *sqe_get(struct uring_state *u, uint64_t user_data)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
		if (!sqe)
			lg_die("io_uring submission queue stays full");
	}
	io_uring_sqe_set_data64(sqe, user_data);
	return sqe;
}

static void arm_timer_read(struct uring_state *u)
{
	io_uring_prep_read(sqe_get(u, (uint64_t)OP_TIMER << OP_SHIFT), u->tfd, &u->expirations,
			   sizeof(u->expirations), 0);
}

/* The kernel picks the buffer (IOSQE_BUFFER_SELECT) when data arrives. */
static void arm_recv(struct client_group *g, struct client *c)
{
	struct uring_state *u = g->io_state;
	struct io_uring_sqe *sqe = sqe_get(u, op_tag(g, c, OP_RECV));

	if (u->multishot)
		io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	else
		io_uring_prep_recv(sqe, c->fd, NULL, BUF_SIZE, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
	u->busy[c - g->clients] |= BUSY_RECV;
}

/* Gives buffer id back to the kernel, to be picked for a later receive. */
static void buf_recycle(struct uring_state *u, unsigned id)
{
	io_uring_buf_ring_add(u->bufring, u->bufs + (size_t)id * BUF_SIZE, BUF_SIZE,
			      (unsigned short)id, io_uring_buf_ring_mask(u->nbufs), 0);
	io_uring_buf_ring_advance(u->bufring, 1);
}

/* The ring, with the best set-up flags the kernel knows (uring_setup.h). */
static void ring_init(struct uring_state *u, unsigned entries)
{
	struct io_uring_params p;
	int rc = uring_setup_best(&u->ring, entries, entries * 4, &p);

	if (rc == -EPERM || rc == -ENOSYS)
		lg_die("--engine io_uring: io_uring is not available here: %s (a kernel "
		       "built without it, the sysctl kernel.io_uring_disabled, or a seccomp "
		       "filter); --engine epoll works everywhere",
		       strerror(-rc));
	if (rc < 0)
		lg_die("--engine io_uring: io_uring_queue_init: %s", strerror(-rc));
	if (!(p.features & IORING_FEAT_FAST_POLL) || !(p.features & IORING_FEAT_NODROP))
		lg_die("--engine io_uring needs Linux 5.7 or later (IORING_FEAT_FAST_POLL "
		       "and IORING_FEAT_NODROP)");
}

static void bufs_init(struct uring_state *u)
{
	struct io_uring_buf_reg reg = {.ring_entries = u->nbufs, .bgid = BUF_GROUP};
	int rc;

	u->bufring_len = u->nbufs * sizeof(struct io_uring_buf);
	u->bufring =
	    mmap(NULL, u->bufring_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u->bufs = malloc((size_t)u->nbufs * BUF_SIZE);
	if (u->bufring == MAP_FAILED || !u->bufs)
		lg_die("out of memory for the io_uring receive buffers");
	io_uring_buf_ring_init(u->bufring);
	reg.ring_addr = (uint64_t)(uintptr_t)u->bufring;
	rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (rc < 0)
		lg_die("--engine io_uring needs provided-buffer rings "
		       "(IORING_REGISTER_PBUF_RING, Linux 5.19): %s",
		       strerror(-rc));
	for (unsigned id = 0; id < u->nbufs; id++)
		buf_recycle(u, id);
}

static void say_singleshot(const char *why)
{
	static int said;

	if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
		fprintf(stderr,
			"loadgen: --engine io_uring: %s; one IORING_OP_RECV per read instead\n",
			why);
}

/* Room for two entries per connection and a buffer per connection (a
 * power of two, within the kernel's limits). */
static unsigned pow2_at_least(unsigned n, unsigned lo, unsigned hi)
{
	unsigned p = lo;

	while (p < n && p < hi)
		p *= 2;
	return p;
}

static void uring_init(struct client_group *g, int tfd)
{
	struct uring_state *u = calloc(1, sizeof(*u));
	const char *single = getenv("LOADGEN_URING_SINGLESHOT");
	unsigned n = (unsigned)g->active;

	if (!u || !(u->busy = calloc(n, 1)))
		lg_die("out of memory for the io_uring engine");
	u->tfd = tfd;
	u->nbufs = pow2_at_least(2 * n, 64, MAX_BUFS);
	ring_init(u, pow2_at_least(2 * n, 64, MAX_SQ_ENTRIES));
	bufs_init(u);
	u->multishot = !(single && *single && strcmp(single, "0"));
	if (!u->multishot)
		say_singleshot("LOADGEN_URING_SINGLESHOT is set");
	/* Half the connections answer within a batch wait, or at most 64:
	 * beyond that a wait saves little and holds answers longer. */
	u->batch_nr = n / 2 < 1 ? 1 : n / 2 > 64 ? 64 : n / 2;
	u->batch_ts.tv_nsec = (long long)g->cfg->batch_us * 1000;
	g->io_state = u;
	arm_timer_read(u);
}

static void uring_free(struct client_group *g)
{
	struct uring_state *u = g->io_state;

	io_uring_queue_exit(&u->ring);
	munmap(u->bufring, u->bufring_len);
	free(u->bufs);
	free(u->busy);
	free(u);
}

/* A receive reported: bytes (in a buffer the kernel picked), the end of
 * the stream, or an error.  A multishot receive that stops (no
 * IORING_CQE_F_MORE: out of buffers, or one-shot mode) is armed again if
 * the connection is still up. */
static void on_recv(struct client_group *g, struct client *c, const struct io_uring_cqe *cqe,
		    uint64_t now)
{
	struct uring_state *u = g->io_state;
	uint32_t gen = c->gen;
	bool more = cqe->flags & IORING_CQE_F_MORE;

	if (!more)
		u->busy[c - g->clients] &= (uint8_t)~BUSY_RECV;
	if (cqe->res > 0)
		client_received(
		    g, c, u->bufs + (size_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT) * BUF_SIZE,
		    cqe->res, now);
	else if (cqe->res == -EINVAL && u->multishot) {
		u->multishot = false;
		say_singleshot("this kernel has no multishot receive (Linux 6.0)");
	} else if (cqe->res != -ENOBUFS)
		client_received(g, c, NULL, cqe->res, now);
	if (c->gen == gen && c->state == CLIENT_UP && !(u->busy[c - g->clients] & BUSY_RECV))
		arm_recv(g, c);
}

static void on_cqe(struct client_group *g, const struct io_uring_cqe *cqe, uint64_t now)
{
	struct uring_state *u = g->io_state;
	enum op op = (enum op)(cqe->user_data >> OP_SHIFT);
	struct client *c;
	uint8_t *busy;

	if (op == OP_TIMER) {
		u->timer_fired = true;
		arm_timer_read(u);
		return;
	}
	c = op == OP_CANCEL ? NULL : client_of_tag(g, cqe->user_data, GEN_MASK);
	if (!c) { /* a cancellation, or a report for a closed socket */
		if (cqe->flags & IORING_CQE_F_BUFFER)
			buf_recycle(u, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		return;
	}
	busy = &u->busy[c - g->clients];
	if (op == OP_CONNECT) {
		*busy &= (uint8_t)~BUSY_CONNECT;
		if (cqe->res == 0)
			arm_recv(g, c);
		client_connected(g, c, -cqe->res, now);
	} else if (op == OP_SEND) {
		*busy &= (uint8_t)~BUSY_SEND;
		client_sent(g, c, cqe->res, now);
	} else {
		on_recv(g, c, cqe, now);
		if (cqe->flags & IORING_CQE_F_BUFFER)
			buf_recycle(u, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	}
}

/* One system call: submit everything queued since the last turn and wait
 * (see uring_wait()). */
static int submit_and_wait(struct uring_state *u)
{
	struct io_uring_cqe *first;

	if (u->batch_ts.tv_nsec == 0 || u->idle)
		return io_uring_submit_and_wait(&u->ring, 1);
	return io_uring_submit_and_wait_timeout(&u->ring, &first, u->batch_nr, &u->batch_ts, NULL);
}

/* Submits, waits, then hands over every result there is.  Waiting for a
 * batch (--batch-us) is what saves the system calls and the sleeps: with
 * DEFER_TASKRUN the kernel does not even wake the thread until batch_nr
 * completions are there or the time is up.  A wait that timed out with
 * nothing is followed by one that blocks for any completion (the timer's
 * among them), so an idle loop does not spin. */
static bool uring_wait(struct client_group *g)
{
	struct uring_state *u = g->io_state;
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;
	int rc = submit_and_wait(u);

	if (rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EBUSY)
		lg_die("io_uring_submit_and_wait: %s", strerror(-rc));
	u->timer_fired = false;
	io_uring_for_each_cqe(&u->ring, head, cqe)
	{
		/* A fresh clock per result, as the epoll engine reads one
		 * per event. */
		on_cqe(g, cqe, lg_now_us());
		seen++;
	}
	io_uring_cq_advance(&u->ring, seen);
	u->idle = seen == 0;
	return u->timer_fired;
}

static int uring_connect(struct client_group *g, struct client *c)
{
	struct uring_state *u = g->io_state;

	io_uring_prep_connect(sqe_get(u, op_tag(g, c, OP_CONNECT)), c->fd,
			      (const struct sockaddr *)&g->tgt->addr, g->tgt->addrlen);
	u->busy[c - g->clients] |= BUSY_CONNECT;
	return 0;
}

/* Queued, never written at once.  With --pipeline 1 the send's success is
 * not reported at all (IOSQE_CQE_SKIP_SUCCESS) and the bytes count as sent
 * now: the next send on this socket waits for the answer to this request,
 * and an answer proves that every byte of its request left, so the buffer
 * is free and two sends never overlap.  That halves the completions, and a
 * send that finishes inside io_uring_enter() no longer ends the wait at
 * once.  MSG_WAITALL makes the kernel finish a short send itself; a
 * failure is still reported.  With deeper pipelines the kernel reports
 * every send (client_sent()). */
static ssize_t uring_send(struct client_group *g, struct client *c, const char *buf, size_t len)
{
	struct uring_state *u = g->io_state;
	struct io_uring_sqe *sqe = sqe_get(u, op_tag(g, c, OP_SEND));

	io_uring_prep_send(sqe, c->fd, buf, len, MSG_NOSIGNAL | MSG_WAITALL);
	u->busy[c - g->clients] |= BUSY_SEND;
	if (g->cfg->pipeline > 1)
		return 0;
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	return (ssize_t)len;
}

/* Cancels what is in flight on c's socket (a cancellation that succeeds
 * posts nothing) and closes the descriptor now. */
static void uring_close(struct client_group *g, struct client *c)
{
	struct uring_state *u = g->io_state;
	uint8_t *busy = &u->busy[c - g->clients];
	static const struct {
		enum busy bit;
		enum op op;
	} ops[] = {{BUSY_CONNECT, OP_CONNECT}, {BUSY_RECV, OP_RECV}, {BUSY_SEND, OP_SEND}};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct io_uring_sqe *sqe;

		if (!(*busy & ops[i].bit))
			continue;
		sqe = sqe_get(u, (uint64_t)OP_CANCEL << OP_SHIFT);
		io_uring_prep_cancel64(sqe, op_tag(g, c, ops[i].op), 0);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	}
	*busy = 0;
	close(c->fd);
}

const struct engine engine_uring = {
    .name = "io_uring",
    .blocking_fds = true,
    .init = uring_init,
    .free = uring_free,
    .wait = uring_wait,
    .connect = uring_connect,
    .send = uring_send,
    .close = uring_close,
};
