/*
 * worker.h - one thread of the load generator: an epoll loop over its
 * share of the connections (worker.c), and the state machine of one
 * connection (conn.c).
 *
 * A request's life: it gets a slot in its connection's ring when it is
 * sent (closed loop) or when its intended time has come (open loop); the
 * slot keeps the intended and the actual send times; the response's first
 * byte gives the time to first byte, its last byte the latency.  A slot is
 * freed by its response, or by an error, which fails every request then in
 * flight on that connection.  Nothing is allocated per request.
 */
#ifndef LOADGEN_WORKER_H
#define LOADGEN_WORKER_H

#include "check.h"
#include "loadgen.h"

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP, CONN_DONE };

struct slot {
	uint64_t intended_us; /* latency is measured from here */
	uint64_t sent_us;     /* the uncorrected start; timeouts count from here */
};

struct conn {
	int fd;
	uint32_t gen; /* bumped per socket: tells stale epoll events apart */
	enum conn_state state;
	bool want_out;	  /* EPOLLOUT registered: connecting or partial write */
	bool head_seen;	  /* first byte of the oldest response arrived */
	uint32_t inflight; /* requests sent and not yet answered */
	uint32_t head;	   /* ring index of the oldest one */
	int heap_pos;	   /* position in the wake-up heap + 1; 0 = not queued */
	int index;	   /* global connection number: sets its open-loop phase */
	uint64_t wake_us;  /* heap key */
	uint64_t budget;   /* requests it may still send (-n), else UINT64_MAX */
	uint64_t next_us;  /* closed loop: think time ends; open loop: unused */
	uint64_t sched_n;  /* open loop: requests scheduled so far */
	uint64_t sched_base; /* open loop: intended time of request 0 */
	uint64_t retry_us; /* after a connect error, do not reconnect before */
	uint64_t connect_us; /* when connect() was called */
	size_t out_off, out_left; /* the batch being written */
	struct check chk;
	struct slot *ring; /* ring_mask + 1 slots */
};

struct worker {
	const struct lg_config *cfg;
	const struct lg_target *tgt;
	const struct lg_clock *clk;
	struct lg_result res;
	int epfd, tfd;
	int nconns, active; /* active: connections not CONN_DONE */
	uint32_t ring_mask;
	double interval_us; /* open loop: between two requests of a connection */
	uint64_t tick_us, next_tick, armed_us;
	uint64_t early_us; /* how late the timerfd fires (moving average): the
			    * open loop asks to be woken that much early */
	struct conn *conns;
	struct slot *ring; /* every connection's ring, one allocation */
	struct conn **heap;
	int heap_len;
	char *rbuf; /* WORKER_RBUF bytes: every read lands here */
};

#define WORKER_RBUF (64 * 1024)
#define WORKER_TIMER_TAG UINT64_MAX /* epoll data of the timerfd */

/* worker.c: builds the worker for connections [first, first + count). */
struct worker *worker_new(const struct lg_config *cfg,
			  const struct lg_target *tgt,
			  const struct lg_clock *clk, int first, int count);

/* worker.c: frees the worker and its results. */
void worker_free(struct worker *w);

/* worker.c: thread entry; returns when every connection is done. */
void *worker_run(void *worker);

/* worker.c: queues c to be woken (conn_next) at `when`, or moves it. */
void worker_wake_at(struct worker *w, struct conn *c, uint64_t when);

/* worker.c: takes c out of the wake-up queue (no-op if not queued). */
void worker_unqueue(struct worker *w, struct conn *c);

/* worker.c: true once no new request may start (end of -d, or a signal). */
bool worker_stopped(const struct worker *w, uint64_t now);

/* conn.c: decides and starts what c does next: connect, send, wait for its
 * next time (queued), or finish. */
void conn_next(struct worker *w, struct conn *c, uint64_t now);

/* conn.c: epoll reported events on c. */
void conn_event(struct worker *w, struct conn *c, uint32_t events,
		uint64_t now);

/* conn.c: fails c if its oldest request or its connect timed out. */
void conn_check_timeout(struct worker *w, struct conn *c, uint64_t now);

#endif
