/*
 * conn.h - one connection, driven by readiness events.
 *
 * The event-loop models (select, poll, epoll, libevent, libev, ...) only know
 * when a socket is readable or writable.  These helpers do the rest, the same
 * way for all of them: read, run the session, write what the socket takes,
 * keep the rest, and tell the model what to wait for next.  A model's loop is
 * then just "wait for what the connection wants, call the matching conn_on_*".
 *
 * Memory: an idle connection holds only its struct conn (152 bytes on x86-64:
 * the session state, push state and buffer pointers; sizeof(struct conn)).
 * Reads go into a per-thread scratch buffer and responses are built in
 * another; a connection gets its own input buffer only while it holds part of
 * a request, and its own output buffer only while the socket would not take
 * everything.  Both are freed as soon as they empty.  The c10k suite measures
 * what that comes to per idle connection (idle-memory-c10k, harness/README.md;
 * tests/reliability/t-c10k prints it too).
 *
 * Not thread-safe per connection: one thread drives a connection at a time.
 */
#ifndef MODELBENCH_CONN_H
#define MODELBENCH_CONN_H

#include <stdint.h>

#include "opt.h"
#include "session.h"

/* What the connection waits for next.  Exactly one at a time. */
enum conn_want {
	CONN_WANT_READ,	 /* watch for readable, then conn_on_readable() */
	CONN_WANT_WRITE, /* watch for writable, then conn_on_writable() */
	CONN_WANT_TIMER, /* watch nothing; at c->deadline_us, conn_on_timer() */
	CONN_WANT_CLOSE, /* stop watching and call conn_close() */
	/* Only with cfg->defer_work (epoll-offload): watch nothing; have
	 * another thread call conn_run_job(), then call conn_on_job_done(). */
	CONN_WANT_JOB
};

struct conn {
	int fd;
	uint8_t draining;   /* error answer sent; discarding input until EOF */
	uint8_t delay_owed; /* a SESSION_DELAY waits for the output to drain */
	uint8_t in_job;	    /* between CONN_WANT_JOB and conn_on_job_done() */
	struct session session;
	char *in; /* unconsumed input, or NULL */
	uint32_t in_len, in_cap;
	char *out; /* unsent output, or NULL */
	uint32_t out_off, out_len;
	uint64_t last_active_us;  /* for --idle-timeout */
	uint64_t head_start_us;	  /* when the current partial head began, or 0 */
	uint64_t deadline_us;	  /* when a CONN_WANT_TIMER delay ends */
	struct conn *prev, *next; /* in the model's struct conn_list */
	struct conn *timer_next;  /* in a struct conn_fifo (timers, or a job queue) */
};

/* Prepares c for a freshly accepted non-blocking fd. */
void conn_init(struct conn *c, int fd, enum proto proto);

/* The event handlers.  Each does at most one read and the writes the socket
 * will take, and returns what to wait for next.  On CONN_WANT_TIMER,
 * c->deadline_us is set to now + session_delay_us(): cfg->delay_us, or for
 * a push subscriber the time to the next publish tick (lib/push.h), when
 * conn_on_timer() also reads what the subscriber sent meanwhile. */
enum conn_want conn_on_readable(struct conn *c, const struct server_config *cfg);
enum conn_want conn_on_writable(struct conn *c, const struct server_config *cfg);
enum conn_want conn_on_timer(struct conn *c, const struct server_config *cfg);

/* The half-sync/half-async split (cfg->defer_work, epoll-offload).  After
 * CONN_WANT_JOB, a worker thread calls conn_run_job(): the request's
 * blocking part (the --work-us spin, then the --delay-blocking sleep).  It
 * touches no connection, so it is thread-safe.  The loop's thread then calls
 * conn_on_job_done(), which answers (or, for a --delay-us without
 * --delay-blocking, returns CONN_WANT_TIMER, as epoll would). */
void conn_run_job(const struct server_config *cfg);
enum conn_want conn_on_job_done(struct conn *c, const struct server_config *cfg);

/* True when c has been idle past --idle-timeout, or has been sending one
 * request head for longer than --header-timeout (slowloris).  A connection
 * waiting on its delay timer or its job never expires: the wait is ours. */
int conn_expired(const struct conn *c, const struct server_config *cfg, uint64_t now_us);

/* For models that read and write themselves (completion APIs such as
 * libuv): the buffer policy of the handlers above, as two pieces.
 * conn_keep_input() keeps data[0..len) as the unconsumed input (data may
 * point into c->in) and frees the buffer when len is 0.  conn_grow_input()
 * makes room to read behind a partial request, doubling up to 64 KiB;
 * returns 0, or -1 when the request is already at the cap. */
void conn_keep_input(struct conn *c, const char *data, size_t len);
int conn_grow_input(struct conn *c);

/* The output side of the same policy.  conn_write_or_keep() writes
 * out[0..len) and copies what the socket does not take to c->out; returns
 * 0 when all was written, 1 when some is kept, -1 on an error.
 * conn_write_held() sends more of c->out and frees it once empty; returns
 * 0 when it is empty, 1 when some is still held, -1 on an error. */
int conn_write_or_keep(struct conn *c, const char *out, size_t len);
int conn_write_held(struct conn *c);

/* Marks c as draining once the caller has shut down its sending side: any
 * held input is dropped, and conn_expired() bounds the drain from now. */
void conn_mark_draining(struct conn *c);

/* Frees the calling thread's scratch buffers.  A thread that drove
 * connections calls it before it exits. */
void conn_thread_done(void);

/* Closes the descriptor and frees the buffers (not c itself). */
void conn_close(struct conn *c);

/* A list of live connections, for the idle sweep and for closing them all
 * at shutdown.  O(1) add and remove. */
struct conn_list {
	struct conn *head;
	size_t count;
};
void conn_list_add(struct conn_list *l, struct conn *c);
void conn_list_remove(struct conn_list *l, struct conn *c);

/* How often an event model sweeps its connections (conn_sweep). */
#define CONN_SWEEP_US 1000000

/* The idle sweep: calls close_conn(c, arg) for every connection in l that
 * conn_expired() says is idle too long, trickling a head, or done draining.
 * close_conn may remove c from l (the walk has already stepped past it).
 * Every event model runs it every CONN_SWEEP_US, from its own timer, so the
 * timeouts are enforced the same way whatever the loop. */
void conn_sweep(struct conn_list *l, const struct server_config *cfg, uint64_t now_us,
		void (*close_conn)(struct conn *c, void *arg), void *arg);

/* Connections waiting on their --delay-us timer.  Every delay has the same
 * length, so deadlines expire in the order they were armed and a FIFO queue
 * is a correct (and O(1)) timer wheel.  Push waits end at the next publish
 * tick, so they too expire in the order they were armed; opt.c refuses to
 * mix the two kinds (lib/push.h). */
struct conn_fifo {
	struct conn *head, *tail;
};
void conn_fifo_push(struct conn_fifo *q, struct conn *c);
/* Pops the first connection whose deadline is <= now_us, or returns NULL. */
struct conn *conn_fifo_pop_expired(struct conn_fifo *q, uint64_t now_us);
/* Pops the first connection whatever its deadline (a job queue), or NULL. */
struct conn *conn_fifo_pop(struct conn_fifo *q);
/* Microseconds to wait for the next deadline, at most max_us. */
uint64_t conn_fifo_timeout_us(const struct conn_fifo *q, uint64_t now_us, uint64_t max_us);
/* The same in milliseconds, rounded up, for millisecond timer APIs. */
int conn_fifo_timeout_ms(const struct conn_fifo *q, uint64_t now_us, int max_ms);

#endif
