/*
 * client.h - one load-generating connection (a "client"), and what the
 * clients of one thread share (struct client_group).
 *
 * A request's life: it gets a slot in its client's ring when it is sent
 * (closed loop) or when its intended time has come (open loop); the slot
 * keeps the intended and the actual send times; the response's first byte
 * gives the time to first byte, its last byte the latency.  A slot is
 * freed by its response, or by an error, which fails every request then in
 * flight on that connection.  Nothing is allocated per request.
 *
 * client.c is driven by the thread's loop (worker.c) and its I/O engine
 * (engine.h): the engine hands it what the kernel reported through the
 * client_*() functions below, and client.c asks the engine to connect,
 * send and close through g->io.  No engine operation calls client.c back,
 * so client.c never re-enters itself: to wait for a time it queues itself
 * in the group's wake-up queue (wakeq.h), to wait for its socket it leaves
 * the engine working on it, and the loop delivers what comes out.
 */
#ifndef LOADGEN_CLIENT_H
#define LOADGEN_CLIENT_H

#include "check.h"
#include "engine.h"
#include "loadgen.h"
#include "process.h"
#include "wakeq.h"

/* --proto lines: room for one "Hello World!:n\n" line, and for the answer
 * it expects ("Hello World!:n-1 Hello World!:n\n"); n has at most 20
 * digits. */
#define CLIENT_LINE_MAX 40
#define CLIENT_ANSWER_MAX 80

enum client_state { CLIENT_DOWN, CLIENT_CONNECTING, CLIENT_UP, CLIENT_DONE };

struct slot {
	uint64_t intended_us; /* latency is measured from here */
	uint64_t sent_us;     /* the uncorrected start; timeouts count from here */
};

struct client {
	int fd;
	uint32_t gen; /* bumped at each close: tells stale events apart */
	enum client_state state;
	bool head_seen;		  /* first byte of the oldest response arrived */
	uint32_t inflight;	  /* requests sent and not yet answered */
	uint32_t head;		  /* ring index of the oldest one */
	int index;		  /* global connection number: sets its open-loop phase */
	struct wakeup wake;	  /* queued in the group's wake-up queue */
	uint64_t budget;	  /* requests it may still send (-n), else UINT64_MAX */
	uint64_t next_us;	  /* closed loop: think time ends; open loop: unused */
	uint64_t sched_n;	  /* open loop: requests scheduled so far */
	uint64_t sched_base;	  /* open loop: intended time of request 0 */
	uint64_t retry_us;	  /* after a connect error, do not reconnect before */
	uint64_t connect_us;	  /* when connect() was called */
	size_t out_off, out_left; /* the batch being written */
	struct check chk;
	struct slot *ring; /* ring_mask + 1 slots */
	/* --proto lines only: the connection's own bytes to send, since each
	 * line differs (pipeline x CLIENT_LINE_MAX bytes, else NULL), the
	 * lines sent and answered on this connection (a new connection starts
	 * from line 1: it is a new conversation for the server), and the
	 * answer the oldest line in flight must get. */
	char *lines_out;
	uint64_t lines_sent, lines_answered;
	uint32_t answer_len;
	char answer[CLIENT_ANSWER_MAX];
};

/* The clients of one thread and what they share.  The thread's loop owns
 * it; client.c reads the configuration and writes the results. */
struct client_group {
	const struct lg_config *cfg;
	const struct lg_target *tgt;
	const struct lg_clock *clk;
	struct lg_result res;
	const struct engine *io; /* --engine: does the socket I/O (engine.h) */
	void *io_state;		 /* the engine's own, per thread */
	int active;		 /* clients not CLIENT_DONE */
	uint32_t ring_mask;
	double interval_us; /* open loop: between two requests of a client */
	uint64_t early_us;  /* how late the loop's timer fires (the loop keeps
			     * it): the open loop asks to be woken that early */
	struct client *clients;
	struct wakeq wakeq;
};

/* The tag an engine gives the kernel with an operation on c's current
 * socket (epoll data, io_uring user_data): gen << 32 | index in
 * g->clients. */
static inline uint64_t client_tag(const struct client_group *g, const struct client *c)
{
	return (uint64_t)c->gen << 32 | (uint32_t)(c - g->clients);
}

/* The client a tag is for, or NULL if it is stale (for a socket since
 * closed).  Only the low 32 bits of gen need to match (io_uring keeps
 * fewer of them, see engine_uring.c). */
static inline struct client *client_of_tag(struct client_group *g, uint64_t tag, uint32_t genmask)
{
	struct client *c = &g->clients[(uint32_t)tag];

	return (c->gen & genmask) == ((uint32_t)(tag >> 32) & genmask) ? c : NULL;
}

/* The client a wake-up queue entry belongs to. */
static inline struct client *client_of_wakeup(struct wakeup *w)
{
	return heap_entry(w, struct client, wake);
}

/* Decides and starts what c does next: connect, send, wait for its next
 * time (queued in g->wakeq), or finish. */
void client_next(struct client_group *g, struct client *c, uint64_t now);

/* The engine's reports.  Each is called by the engine's wait (never from
 * inside an engine operation), for the socket that c has now; each ends by
 * deciding what c does next. */

/* The connect started by g->io->connect() finished: err is 0 or an errno
 * value.  On success the engine already watches the socket for input. */
void client_connected(struct client_group *g, struct client *c, int err, uint64_t now);

/* n > 0 bytes arrived at p (the engine's buffer, valid during the call);
 * n == 0: the peer closed; n < 0: the receive failed with errno -n. */
void client_received(struct client_group *g, struct client *c, const char *p, ssize_t n,
		     uint64_t now);

/* A send that g->io->send() took on went on: n >= 0 more bytes of the
 * batch went out (0 from a readiness engine: the socket is writable
 * again), or n < 0: it failed with errno -n, which fails the connection
 * even if the engine had counted the bytes as sent already. */
void client_sent(struct client_group *g, struct client *c, ssize_t n, uint64_t now);

/* Fails c if its oldest request or its connect timed out. */
void client_check_timeout(struct client_group *g, struct client *c, uint64_t now);

#endif
